//! End-to-end: the network and interface commands of `esx-virsh` against the simulator (ESX and
//! vCenter models, both wire styles): tables and XML as snapshots, libvirt's messages, bad
//! definitions that leave the host unchanged, the rollback of a half-made network, and the one
//! SOAP call each read costs.

mod e2e_common;

use e2e_common::{simulator, temp_file, uri, virsh, PASSWORD};
use esx_driver::auth::CredentialSources;
use esx_driver::driver::Connection;
use esx_tests::{Model, WireStyle};

const MODELS: [Model; 2] = [Model::Esx, Model::Vpx];

/// Everything the host's networks and interfaces look like through the commands.
fn network_state(uri: &str) -> String {
    let mut state = virsh(uri, &["-q", "net-list", "--all", "--json"]).ok();
    for name in ["vSwitch0", "vSwitch1", "vSwitch2"] {
        state.push_str(&virsh(uri, &["-q", "net-dumpxml", name]).ok());
    }
    state.push_str(&virsh(uri, &["-q", "iface-list", "--all"]).ok());
    state
}

#[test]
fn networks_and_interfaces_read_alike_on_both_models_and_wire_styles() {
    for model in MODELS {
        for wire in WireStyle::ALL {
            let sim = simulator(model, wire);
            let uri = uri(&sim);
            insta::assert_snapshot!("net_list", virsh(&uri, &["net-list"]).ok());
            for name in ["vSwitch0", "vSwitch1", "vSwitch2"] {
                insta::assert_snapshot!(
                    format!("net_dumpxml_{name}"),
                    virsh(&uri, &["net-dumpxml", name]).ok()
                );
            }
            insta::assert_snapshot!("net_info", virsh(&uri, &["net-info", "vSwitch1"]).ok());
            insta::assert_snapshot!(
                "net_list_json",
                virsh(&uri, &["-q", "net-list", "--json"]).ok()
            );
            insta::assert_snapshot!(
                "net_list_uuid",
                virsh(&uri, &["-q", "net-list", "--uuid"]).ok()
            );
            assert_eq!(
                virsh(&uri, &["net-list", "--uuid", "--name"]).failed(),
                "error: Only one argument from --table, --name and --uuid may be specified.\n"
            );
            insta::assert_snapshot!(
                "net_list_title",
                virsh(
                    &uri,
                    &["net-list", "--title", "--persistent", "--autostart"]
                )
                .ok()
            );
            // Networks are persistent; vSwitches are autostarted (a vCenter's distributed port
            // groups are not).
            assert_eq!(
                virsh(&uri, &["-q", "net-list", "--all", "--transient", "--name"]).ok(),
                ""
            );
            let not_autostarted = virsh(
                &uri,
                &["-q", "net-list", "--all", "--no-autostart", "--name"],
            )
            .ok();
            assert!(!not_autostarted.contains("vSwitch"), "{not_autostarted}");
            insta::assert_snapshot!(
                "iface_list_json",
                virsh(&uri, &["-q", "iface-list", "--all", "--json"]).ok()
            );
            insta::assert_snapshot!("iface_list", virsh(&uri, &["iface-list"]).ok());
            insta::assert_snapshot!("iface_list_all", virsh(&uri, &["iface-list", "--all"]).ok());
            assert_eq!(
                virsh(&uri, &["iface-list", "--inactive"]).ok(),
                " Name     State      MAC Address\n----------------------------------------\n \
                 vmnic2   inactive   00:50:56:a0:00:02\n\n"
            );
            for name in ["vmnic0", "vmnic1", "vmnic2", "vmnic3"] {
                insta::assert_snapshot!(
                    format!("iface_dumpxml_{name}"),
                    virsh(&uri, &["iface-dumpxml", name]).ok()
                );
            }

            // UUIDs and names, MACs and names, both ways.
            let uuid = virsh(&uri, &["-q", "net-uuid", "vSwitch1"]).ok();
            assert_eq!(
                virsh(&uri, &["-q", "net-name", uuid.trim()]).ok(),
                "vSwitch1\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "net-dumpxml", uuid.trim()]).ok(),
                virsh(&uri, &["-q", "net-dumpxml", "vSwitch1"]).ok()
            );
            assert_eq!(
                virsh(&uri, &["-q", "iface-mac", "vmnic1"]).ok(),
                "00:50:56:a0:00:01\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "iface-name", "00:50:56:A0:00:01"]).ok(),
                "vmnic1\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "iface-dumpxml", "00:50:56:a0:00:01"]).ok(),
                virsh(&uri, &["-q", "iface-dumpxml", "vmnic1"]).ok()
            );

            // Lookups that fail say what was looked for, by name or by MAC.
            assert_eq!(
                virsh(&uri, &["net-dumpxml", "nope"]).failed(),
                "error: failed to get network 'nope'\nerror: Network not found: Could not find \
                 HostVirtualSwitch with name 'nope'\n"
            );
            assert_eq!(
                virsh(&uri, &["iface-dumpxml", "vmnic9"]).failed(),
                "error: failed to get interface 'vmnic9'\nerror: Interface not found: Could not \
                 find physical NIC with name 'vmnic9'\n"
            );
            // virsh looks iface-name up by MAC only, net-name by UUID only: other text is not
            // looked up, and the failure has no cause line.
            assert_eq!(
                virsh(&uri, &["iface-name", "vmnic0"]).failed(),
                "error: failed to get interface 'vmnic0'\n"
            );
            assert_eq!(
                virsh(&uri, &["iface-name", "00:50:56:a0:00:99"]).failed(),
                "error: failed to get interface '00:50:56:a0:00:99'\nerror: Interface not found: \
                 Could not find physical NIC with MAC address '00:50:56:a0:00:99'\n"
            );
            assert_eq!(
                virsh(&uri, &["net-name", "vSwitch1"]).failed(),
                "error: failed to get network 'vSwitch1'\n"
            );
            let unknown = "00000000-0000-0000-0000-000000000001";
            assert_eq!(
                virsh(&uri, &["net-name", unknown]).failed(),
                format!(
                    "error: failed to get network '{unknown}'\nerror: Network not found: Could \
                     not find HostVirtualSwitch with UUID '{unknown}'\n"
                )
            );
            assert_eq!(
                virsh(&uri, &["iface-mac", "00:50:56:a0:00:01"]).failed(),
                "error: failed to get interface '00:50:56:a0:00:01'\nerror: Interface not found: \
                 Could not find physical NIC with name '00:50:56:a0:00:01'\n"
            );

            // What ESX cannot do, in libvirt's words.
            for (args, expected) in [
                (
                    vec!["net-autostart", "vSwitch1", "--disable"],
                    "error: failed to unmark network vSwitch1 as autostarted\nerror: internal \
                     error: Cannot deactivate network autostart\n",
                ),
                (
                    vec!["net-destroy", "vSwitch1"],
                    "error: Failed to destroy network vSwitch1\nerror: this function is not \
                     supported by the connection driver: virNetworkDestroy\n",
                ),
                (
                    vec!["net-start", "vSwitch1"],
                    "error: Failed to start network vSwitch1\nerror: this function is not \
                     supported by the connection driver: virNetworkCreate\n",
                ),
                (
                    vec!["iface-undefine", "vmnic0"],
                    "error: Failed to undefine interface vmnic0\nerror: this function is not \
                     supported by the connection driver: virInterfaceUndefine\n",
                ),
                (
                    vec!["iface-start", "vmnic0"],
                    "error: Failed to start interface vmnic0\nerror: this function is not \
                     supported by the connection driver: virInterfaceCreate\n",
                ),
                (
                    vec!["iface-destroy", "vmnic0"],
                    "error: Failed to destroy interface vmnic0\nerror: this function is not \
                     supported by the connection driver: virInterfaceDestroy\n",
                ),
            ] {
                assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
            }
            // The file is read first, as virsh reads it.
            let xml = temp_file("<network><name>n</name></network>\n");
            let file = xml.path().to_str().unwrap();
            for (command, doing, call) in [
                ("net-create", "create network", "virNetworkCreateXML"),
                ("iface-define", "define interface", "virInterfaceDefineXML"),
            ] {
                assert_eq!(
                    virsh(&uri, &[command, file]).failed(),
                    format!(
                        "error: Failed to {doing} from {file}\nerror: this function is not \
                         supported by the connection driver: {call}\n"
                    )
                );
                assert_eq!(
                    virsh(&uri, &[command, "/nonexistent/x.xml"]).failed(),
                    "error: Failed to open file '/nonexistent/x.xml': No such file or directory\n"
                );
            }
            assert_eq!(
                virsh(&uri, &["net-autostart", "vSwitch1"]).ok(),
                "Network vSwitch1 marked as autostarted\n\n"
            );
        }
    }
}

#[test]
fn vcenter_lists_distributed_port_groups_read_only() {
    for wire in WireStyle::ALL {
        let sim = simulator(Model::Vpx, wire);
        let uri = uri(&sim);
        insta::assert_snapshot!("vpx_net_list_all", virsh(&uri, &["net-list", "--all"]).ok());
        assert_eq!(
            virsh(&uri, &["-q", "net-list", "--inactive", "--name"]).ok(),
            "DC0_DVPG0\n"
        );
        let xml = virsh(&uri, &["-q", "net-dumpxml", "DC0_DVPG0"]).ok();
        let uuid = virsh(&uri, &["-q", "net-uuid", "DC0_DVPG0"]).ok();
        assert_eq!(
            xml,
            format!(
                "<network>\n  <name>DC0_DVPG0</name>\n  <uuid>{}</uuid>\n  <forward \
                 mode='bridge'/>\n  <vlan>\n    <tag id='42'/>\n  </vlan>\n</network>\n",
                uuid.trim()
            )
        );
        assert_eq!(
            virsh(&uri, &["-q", "net-info", "DC0_DVPG0"]).ok(),
            format!(
                "Name:           DC0_DVPG0\nUUID:           {}\nActive:         no\n\
                 Persistent:     yes\nAutostart:      no\n",
                uuid.trim()
            )
        );
        let err = virsh(&uri, &["net-undefine", "DC0_DVPG0"]).failed();
        assert!(err.contains("distributed port group"), "{err}");
        let err = virsh(
            &uri,
            &[
                "net-update",
                "DC0_DVPG0",
                "add",
                "portgroup",
                "<portgroup name='x'/>",
            ],
        )
        .failed();
        assert!(err.contains("read-only"), "{err}");
    }
}

const NEW_NETWORK: &str = "<network>\n  <name>vSwitchE2E</name>\n  <forward mode='bridge'>\n    \
     <interface dev='vmnic3'/>\n  </forward>\n  <bandwidth>\n    \
     <inbound average='1000' peak='2000' burst='256'/>\n    \
     <outbound average='1000' peak='2000' burst='256'/>\n  </bandwidth>\n  \
     <portgroup name='e2e-web'>\n    <vlan><tag id='100'/></vlan>\n  </portgroup>\n  \
     <portgroup name='e2e-db'/>\n</network>\n";

#[test]
fn define_update_undefine_on_both_models_and_wire_styles() {
    for model in MODELS {
        for wire in WireStyle::ALL {
            let sim = simulator(model, wire);
            let uri = uri(&sim);
            let before = network_state(&uri);
            let file = temp_file(NEW_NETWORK);
            let path = file.path().to_str().unwrap();
            assert_eq!(
                virsh(&uri, &["net-define", path]).ok(),
                format!("Network vSwitchE2E defined from {path}\n\n")
            );
            insta::assert_snapshot!(
                "defined_network",
                virsh(&uri, &["net-dumpxml", "vSwitchE2E"]).ok()
            );
            // vmnic3 is taken now: a second network cannot have it.
            let again = NEW_NETWORK
                .replace("vSwitchE2E", "vSwitchE2F")
                .replace("e2e-", "f2f-");
            let file2 = temp_file(&again);
            let err = virsh(&uri, &["net-define", file2.path().to_str().unwrap()]).failed();
            assert!(
                err.contains("physical NIC 'vmnic3' is already an uplink of vSwitch 'vSwitchE2E'"),
                "{err}"
            );

            let updated = |command: &str, xml: &str| {
                assert_eq!(
                    virsh(
                        &uri,
                        &["net-update", "vSwitchE2E", command, "portgroup", xml]
                    )
                    .ok(),
                    "Updated network vSwitchE2E persistent config and live state\n\n"
                );
            };
            updated(
                "add",
                "<portgroup name='e2e-cache'><vlan><tag id='7'/></vlan></portgroup>",
            );
            updated(
                "modify",
                "<portgroup name='e2e-web'><vlan><tag id='101'/></vlan><bandwidth>\
                 <inbound average='500'/><outbound average='500'/></bandwidth></portgroup>",
            );
            updated("delete", "<portgroup name='e2e-db'/>");
            let pg_file = temp_file("<portgroup name='e2e-file'/>");
            updated("add-last", pg_file.path().to_str().unwrap());
            insta::assert_snapshot!(
                "updated_network",
                virsh(&uri, &["net-dumpxml", "vSwitchE2E"]).ok()
            );

            // Port groups that VMs use stay (on the vCenter model the VMs use a distributed
            // port group instead).
            if model == Model::Esx {
                let err = virsh(
                    &uri,
                    &[
                        "net-update",
                        "vSwitch0",
                        "delete",
                        "portgroup",
                        "<portgroup name='VM Network'/>",
                    ],
                )
                .failed();
                assert!(
                    err.contains(
                        "port group 'VM Network' is in use (2 port(s), 2 of virtual machines)"
                    ),
                    "{err}"
                );
            }
            assert_eq!(
                virsh(&uri, &["net-undefine", "vSwitch0"]).failed(),
                "error: Failed to undefine network vSwitch0\nerror: Requested operation is not \
                 valid: Cannot undefine HostVirtualSwitch that has a 'host' port\n"
            );
            let err = virsh(
                &uri,
                &[
                    "net-update",
                    "vSwitchE2E",
                    "modify",
                    "portgroup",
                    "<portgroup name='none'/>",
                ],
            )
            .failed();
            assert!(
                err.contains("network 'vSwitchE2E' has no port group 'none'"),
                "{err}"
            );
            let err = virsh(&uri, &["net-update", "vSwitchE2E", "add", "ip", "<ip/>"]).failed();
            assert!(err.contains("can't update 'ip' section"), "{err}");

            assert_eq!(
                virsh(&uri, &["net-undefine", "vSwitchE2E"]).ok(),
                "Network vSwitchE2E has been undefined\n\n"
            );
            assert_eq!(network_state(&uri), before, "the host is as it was");
        }
    }
}

#[test]
fn bad_definitions_fail_before_anything_changes() {
    for (model, wire) in MODELS
        .into_iter()
        .flat_map(|m| WireStyle::ALL.map(move |w| (m, w)))
    {
        let sim = simulator(model, wire);
        let uri = uri(&sim);
        let before = network_state(&uri);
        let named = |body: &str| format!("<network><name>vSwitchBad</name>{body}</network>");
        for (xml, expected) in [
            (
                "<network><name>x".to_owned(),
                "XML error: the network XML does not parse",
            ),
            (
                named("<forward mode='nat'/>"),
                "unsupported configuration: Unsupported forward mode 'nat'",
            ),
            (
                named("<forward mode='route'/>"),
                "unsupported configuration: Unsupported forward mode 'route'",
            ),
            (
                named("<forward mode='open'/>"),
                "unsupported configuration: Unsupported forward mode 'open'",
            ),
            (
                named("<bridge name='virbr9'/>"),
                "unsupported configuration: <bridge name='virbr9'>",
            ),
            (
                named("<forward mode='bridge'><interface dev='vmnic9'/></forward>"),
                "Could not find PhysicalNic with name 'vmnic9'",
            ),
            (
                named("<portgroup name='a'/><portgroup name='a'/>"),
                "XML error: duplicate <portgroup name='a'>",
            ),
            (
                named("<portgroup name='a'><vlan><tag id='4096'/></vlan></portgroup>"),
                "vlan tag id 4096 too large (maximum 4095)",
            ),
            (
                format!("<network><name>{}</name></network>", "n".repeat(33)),
                "a vSwitch name has at most 32",
            ),
            (
                named("<uuid>0b9c1e6a-4c5d-4e6f-8a7b-9c0d1e2f3a4b</uuid>"),
                "Cannot use predefined UUID",
            ),
            (
                "<network><name>vSwitch1</name></network>".to_owned(),
                "HostVirtualSwitch already exists",
            ),
            (
                named("<portgroup name='Production'/>"),
                "HostPortGroup with name 'Production' exists already",
            ),
            (
                named("<bandwidth><inbound average='10'/></bandwidth>"),
                "Different inbound and outbound bandwidth is unsupported",
            ),
            // The simulator refuses port groups named *reject*: what was added is removed again.
            (
                named("<portgroup name='fine'/><portgroup name='reject-me'/>"),
                "Could not add HostPortGroup 'reject-me'",
            ),
        ] {
            let file = temp_file(&xml);
            let path = file.path().to_str().unwrap();
            let err = virsh(&uri, &["net-define", path]).failed();
            assert!(
                err.starts_with(&format!(
                    "error: Failed to define network from {path}\nerror: "
                )),
                "{err}"
            );
            assert!(err.contains(expected), "{xml}: {err}");
            assert_eq!(err.lines().count(), 2, "{err}");
        }
        assert_eq!(
            network_state(&uri),
            before,
            "{model:?}: the host is unchanged"
        );
        assert_eq!(
            virsh(&uri, &["net-define", "/nonexistent/net.xml"]).failed(),
            "error: Failed to open file '/nonexistent/net.xml': No such file or directory\n"
        );
    }
}

#[tokio::test]
async fn each_read_costs_one_soap_call() {
    for model in MODELS {
        let sim = simulator(model, WireStyle::Xsi);
        let sources = CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", PASSWORD)]);
        let conn = Connection::open(&uri(&sim), &sources).await.unwrap();
        let client = conn.client();

        let before = client.soap_request_count();
        let networks = conn.host_networks().await.unwrap();
        let net = networks.lookup("vSwitch1").unwrap();
        let xml = esx_driver::network::format_network_xml(&networks.definition(&net).unwrap());
        assert_eq!(
            client.soap_request_count() - before,
            1,
            "{model:?}: net-dumpxml"
        );
        assert!(xml.contains("<name>vSwitch1</name>"));
        assert_eq!(
            networks.list().len(),
            if model == Model::Esx { 3 } else { 4 }
        );

        let before = client.soap_request_count();
        let interfaces = conn.host_interfaces().await.unwrap();
        let iface = interfaces.lookup("00:50:56:a0:00:02").unwrap();
        let def = interfaces.definition(&iface).unwrap();
        assert_eq!(
            client.soap_request_count() - before,
            1,
            "{model:?}: iface-dumpxml"
        );
        assert_eq!(def.name, "vmnic2");
        assert_eq!(interfaces.list().len(), 4);
        conn.close().await.unwrap();
    }
}
