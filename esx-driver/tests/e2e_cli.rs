//! End-to-end: the `esx-virsh` binary against the simulator (ESX and vCenter models, both wire
//! styles), checking what a user sees: the tables, messages, exit codes and the host's state.

mod e2e_common;

use e2e_common::{
    domain_xml, simulator, simulator_with, temp_file, uri, virsh, virsh_as, PASSWORD,
};
use esx_tests::{Model, SimOptions, WireStyle};

fn lifecycle_round_trip(model: Model, vm: &str) {
    for wire in WireStyle::ALL {
        let sim = simulator(model, wire);
        let uri = uri(&sim);
        let listed = virsh(&uri, &["list", "--all"]).ok();
        insta::assert_snapshot!(format!("list_all_{model:?}"), listed);

        let info = virsh(&uri, &["dominfo", vm]).ok();
        insta::assert_snapshot!(format!("dominfo_{model:?}"), info);
        assert!(info.contains(&format!("Name:           {vm}\n")), "{info}");
        assert!(info.contains("State:          running\n"), "{info}");

        assert_eq!(
            virsh(&uri, &["destroy", vm]).ok(),
            format!("Domain '{vm}' destroyed\n\n")
        );
        assert_eq!(virsh(&uri, &["domstate", vm]).ok(), "shut off\n\n");
        assert_eq!(virsh(&uri, &["domid", vm]).ok(), "-\n\n");
        assert!(!virsh(&uri, &["list"]).ok().contains(vm));
        assert_eq!(
            virsh(&uri, &["list", "--inactive", "--name"]).ok(),
            format!("{vm}\n\n")
        );

        let err = virsh(&uri, &["destroy", vm]).failed();
        assert!(
            err.contains("Requested operation is not valid: Domain is not powered on"),
            "{err}"
        );

        assert_eq!(
            virsh(&uri, &["start", vm]).ok(),
            format!("Domain '{vm}' started\n\n")
        );
        assert_eq!(
            virsh(&uri, &["start", vm]).failed(),
            "error: Domain is already active\n"
        );
        assert_eq!(
            virsh(&uri, &["suspend", vm]).ok(),
            format!("Domain '{vm}' suspended\n\n")
        );
        assert_eq!(virsh(&uri, &["domstate", vm]).ok(), "paused\n\n");
        assert_eq!(
            virsh(&uri, &["resume", vm]).ok(),
            format!("Domain '{vm}' resumed\n\n")
        );
        assert_eq!(
            virsh(&uri, &["reset", vm]).ok(),
            format!("Domain '{vm}' was reset\n\n")
        );
        assert_eq!(
            virsh(&uri, &["reboot", vm]).ok(),
            format!("Domain '{vm}' is being rebooted\n\n")
        );
        assert_eq!(virsh(&uri, &["domstate", vm]).ok(), "running\n\n");
        assert_eq!(
            virsh(&uri, &["shutdown", vm]).ok(),
            format!("Domain '{vm}' is being shutdown\n\n")
        );
        assert_eq!(virsh(&uri, &["-q", "domstate", vm]).ok(), "shut off\n");

        // The same domain by name, UUID and (once running) id.
        let uuid = virsh(&uri, &["-q", "domuuid", vm]).ok();
        assert_eq!(
            virsh(&uri, &["-q", "domname", uuid.trim()]).ok(),
            format!("{vm}\n")
        );
        virsh(&uri, &["start", vm]).ok();
        let id = virsh(&uri, &["-q", "domid", vm]).ok();
        assert_eq!(
            virsh(&uri, &["-q", "domname", id.trim()]).ok(),
            format!("{vm}\n")
        );
    }
}

#[test]
fn esx_lifecycle_round_trip_in_both_wire_styles() {
    lifecycle_round_trip(Model::Esx, "ha-host_VM0");
}

#[test]
fn vcenter_lifecycle_round_trip_in_both_wire_styles() {
    // A VM of the URI's host (DC0_C0_H0): the connection manages no other.
    lifecycle_round_trip(Model::Vpx, "DC0_C0_RP0_VM0");
}

fn define_edit_undefine(model: Model, wire: WireStyle) {
    let sim = simulator(model, wire);
    let uri = uri(&sim);
    let uuid = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    let file = temp_file(&domain_xml("e2e-web", uuid, 512, 2));
    let path = file.path().to_str().unwrap();
    assert_eq!(
        virsh(&uri, &["define", path]).ok(),
        format!("Domain 'e2e-web' defined from {path}\n\n")
    );
    let info = virsh(&uri, &["dominfo", "e2e-web"]).ok();
    assert!(
        info.contains(&format!("UUID:           {uuid}\n")),
        "{info}"
    );
    assert!(info.contains("CPU(s):         2\n"), "{info}");
    assert!(info.contains("Max memory:     524288 KiB\n"), "{info}");
    assert!(info.contains("State:          shut off\n"), "{info}");

    // dumpxml shows what define wrote, converted back from the uploaded .vmx.
    let xml = virsh(&uri, &["-q", "dumpxml", uuid]).ok();
    assert!(xml.contains("<name>e2e-web</name>"), "{xml}");
    assert!(xml.contains(&format!("<uuid>{uuid}</uuid>")), "{xml}");
    assert!(
        xml.contains("<source file='[LocalDS_0] e2e-web/e2e-web.vmdk'/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<controller type='scsi' index='0' model='lsilogic'/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<description>made by the e2e tests</description>"),
        "{xml}"
    );

    // Edit the dumped XML and define it again: the same VM is updated.
    let edited = xml
        .replace(
            "<vcpu placement='static'>2</vcpu>",
            "<vcpu placement='static'>4</vcpu>",
        )
        .replace("made by the e2e tests", "edited by the e2e tests");
    let file2 = temp_file(&edited);
    virsh(&uri, &["define", file2.path().to_str().unwrap()]).ok();
    let info = virsh(&uri, &["dominfo", "e2e-web"]).ok();
    assert!(info.contains("CPU(s):         4\n"), "{info}");
    let xml = virsh(&uri, &["dumpxml", "e2e-web"]).ok();
    assert!(xml.contains("<vcpu placement='static'>4</vcpu>"), "{xml}");
    assert!(xml.contains("edited by the e2e tests"), "{xml}");
    assert_eq!(
        virsh(&uri, &["list", "--all", "--name"])
            .ok()
            .matches("e2e-web")
            .count(),
        1,
        "redefining must not create a second VM"
    );

    // A running domain cannot be redefined; a shut off one can be undefined.
    virsh(&uri, &["start", "e2e-web"]).ok();
    let err = virsh(&uri, &["define", file2.path().to_str().unwrap()]).failed();
    assert!(err.contains("shut it off before redefining it"), "{err}");
    let err = virsh(&uri, &["undefine", "e2e-web"]).failed();
    assert!(err.contains("Requested operation is not valid"), "{err}");
    virsh(&uri, &["destroy", "e2e-web"]).ok();
    assert_eq!(
        virsh(&uri, &["undefine", "e2e-web"]).ok(),
        "Domain 'e2e-web' has been undefined\n\n"
    );
    assert_eq!(
        virsh(&uri, &["dominfo", "e2e-web"]).failed(),
        "error: failed to get domain 'e2e-web'\n"
    );

    // Defining it again reuses the files the undefine left behind.
    virsh(&uri, &["define", path]).ok();
    assert!(virsh(&uri, &["list", "--all", "--name"])
        .ok()
        .contains("e2e-web"));
    // Another domain's UUID under a taken file name is refused, leaving nothing behind.
    let other = temp_file(&domain_xml(
        "e2e-web",
        "11111111-2222-3333-4444-555555555555",
        256,
        1,
    ));
    let err = virsh(&uri, &["define", other.path().to_str().unwrap()]).failed();
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn define_dumpxml_edit_define_undefine_on_esx() {
    define_edit_undefine(Model::Esx, WireStyle::Xsi);
}

#[test]
fn define_dumpxml_edit_define_undefine_on_vcenter() {
    define_edit_undefine(Model::Vpx, WireStyle::Vcsim);
}

#[test]
fn define_failure_leaves_no_debris() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    // A datastore the host does not have: refused before anything is written.
    let xml = domain_xml("e2e-bad", "22222222-2222-3333-4444-555555555555", 256, 1)
        .replace("[LocalDS_0]", "[NoSuchDS]");
    let file = temp_file(&xml);
    let err = virsh(&uri, &["define", file.path().to_str().unwrap()]).failed();
    assert!(err.contains("NoSuchDS"), "{err}");
    assert!(!virsh(&uri, &["list", "--all", "--name"])
        .ok()
        .contains("e2e-bad"));
    // The datastores live below the simulator's folder: VM0's directory is there, e2e-bad's not.
    assert!(
        find_dir(sim.temp_dir(), "ha-host_VM0").is_some(),
        "datastore not found"
    );
    assert_eq!(
        find_dir(sim.temp_dir(), "e2e-bad"),
        None,
        "define left a directory behind"
    );
}

fn find_dir(root: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(root).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() == name {
                return Some(path);
            }
            if let Some(found) = find_dir(&path, name) {
                return Some(found);
            }
        }
    }
    None
}

#[test]
fn snapshot_trees() {
    for wire in WireStyle::ALL {
        let sim = simulator(Model::Esx, wire);
        let uri = uri(&sim);
        let vm = "ha-host_VM1";
        assert_eq!(
            virsh(&uri, &["snapshot-create-as", vm, "base", "the first one"]).ok(),
            "Domain snapshot base created\n"
        );
        virsh(&uri, &["snapshot-create-as", vm, "--name", "left"]).ok();
        assert_eq!(
            virsh(&uri, &["snapshot-revert", vm, "base"]).ok(),
            "Domain snapshot base reverted\n\n"
        );
        virsh(&uri, &["snapshot-create-as", vm, "right"]).ok();
        virsh(&uri, &["snapshot-create-as", vm, "right-child"]).ok();
        let err = virsh(&uri, &["snapshot-create-as", vm, "base"]).failed();
        assert!(err.contains("Snapshot 'base' already exists"), "{err}");

        insta::assert_snapshot!(
            "snapshot_tree",
            virsh(&uri, &["snapshot-list", vm, "--tree"]).ok()
        );
        assert_eq!(
            virsh(&uri, &["-q", "snapshot-list", vm, "--roots", "--name"]).ok(),
            "base\n"
        );
        assert_eq!(
            virsh(&uri, &["-q", "snapshot-list", vm, "--leaves", "--name"]).ok(),
            "left\nright-child\n"
        );
        assert_eq!(
            virsh(&uri, &["-q", "snapshot-current", vm, "--name"]).ok(),
            "right-child\n"
        );
        assert_eq!(
            virsh(&uri, &["snapshot-current", vm, "--name"]).ok(),
            "right-child\n",
            "virsh prints the bare name, ended by its newline after the command"
        );
        let table = virsh(&uri, &["snapshot-list", vm, "--parent"]).ok();
        assert!(
            table.starts_with(" Name          Creation Time               State     Parent\n"),
            "{table}"
        );
        assert!(table.contains(" right-child   "), "{table}");

        let xml = virsh(&uri, &["snapshot-dumpxml", vm, "base"]).ok();
        assert!(xml.starts_with("<domainsnapshot>\n  <name>base</name>\n  <description>the first one</description>\n  <state>running</state>\n"), "{xml}");
        let xml = virsh(&uri, &["snapshot-dumpxml", vm, "right"]).ok();
        assert!(
            xml.contains("<parent>\n    <name>base</name>\n  </parent>"),
            "{xml}"
        );

        assert_eq!(
            virsh(&uri, &["snapshot-delete", vm, "left"]).ok(),
            "Domain snapshot left deleted\n\n"
        );
        assert_eq!(
            virsh(&uri, &["snapshot-delete", vm, "right", "--children"]).ok(),
            "Domain snapshot right children deleted\n\n"
        );
        assert_eq!(
            virsh(&uri, &["-q", "snapshot-list", vm, "--name"]).ok(),
            "base\n"
        );
        let err = virsh(&uri, &["snapshot-revert", vm, "left"]).failed();
        assert!(
            err.contains("Domain snapshot not found: Could not find snapshot with name 'left'"),
            "{err}"
        );
    }
}

#[test]
fn autostart_scheduler_and_memory_parameters() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Vcsim);
        let uri = uri(&sim);
        let vm = if model == Model::Esx {
            "ha-host_VM0"
        } else {
            "DC0_C0_RP0_VM0"
        };
        assert!(virsh(&uri, &["dominfo", vm])
            .ok()
            .contains("Autostart:      disable\n"));
        assert_eq!(
            virsh(&uri, &["autostart", vm]).ok(),
            format!("Domain '{vm}' marked as autostarted\n\n")
        );
        assert!(virsh(&uri, &["dominfo", vm])
            .ok()
            .contains("Autostart:      enable\n"));
        assert_eq!(
            virsh(&uri, &["autostart", vm, "--disable"]).ok(),
            format!("Domain '{vm}' unmarked as autostarted\n\n")
        );
        assert!(virsh(&uri, &["dominfo", vm])
            .ok()
            .contains("Autostart:      disable\n"));

        assert_eq!(
            virsh(&uri, &["schedinfo", vm]).ok(),
            "Scheduler      : allocation\nreservation    : 0\nlimit          : -1\nshares         : -2\n\n"
        );
        assert_eq!(
            virsh(&uri, &["schedinfo", vm, "--set", "reservation=300", "--set", "limit=1000", "--set", "shares=-3"]).ok(),
            "Scheduler      : allocation\nreservation    : 300\nlimit          : 1000\nshares         : -3\n\n"
        );
        virsh(&uri, &["schedinfo", vm, "--set", "shares=4321"]).ok();
        assert!(virsh(&uri, &["schedinfo", vm])
            .ok()
            .contains("shares         : 4321\n"));
        let err = virsh(&uri, &["schedinfo", vm, "--set", "shares=0"]).failed();
        assert!(
            err.contains("invalid argument: Shares must be positive"),
            "{err}"
        );
        let err = virsh(&uri, &["schedinfo", vm, "--set", "weight=1"]).failed();
        assert!(err.contains("invalid scheduler option: weight"), "{err}");

        assert_eq!(virsh(&uri, &["memtune", vm]).ok(), "min_guarantee  : 0\n\n");
        virsh(&uri, &["memtune", vm, "--min-guarantee", "16M"]).ok();
        assert_eq!(
            virsh(&uri, &["memtune", vm]).ok(),
            "min_guarantee  : 16384\n\n"
        );
    }
}

#[test]
fn autostart_respects_the_host_default() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    virsh(&uri, &["autostart", "ha-host_VM0"]).ok();
    // Another domain configured to start while the host's autostart is enabled: fine.
    virsh(&uri, &["autostart", "ha-host_VM1"]).ok();
    assert!(virsh(&uri, &["dominfo", "ha-host_VM1"])
        .ok()
        .contains("Autostart:      enable\n"));
}

#[test]
fn memory_and_vcpus() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let vm = "ha-host_VM0";
    let err = virsh(&uri, &["setmaxmem", vm, "1G"]).failed();
    assert!(
        err.contains("error: Unable to change MaxMemorySize\nerror: Requested operation is not valid: Domain is not powered off"),
        "{err}"
    );
    virsh(&uri, &["destroy", vm]).ok();
    assert_eq!(virsh(&uri, &["setmaxmem", vm, "1G"]).ok(), "\n");
    virsh(&uri, &["setvcpus", vm, "2"]).ok();
    virsh(&uri, &["setmem", vm, "512M"]).ok();
    let info = virsh(&uri, &["dominfo", vm]).ok();
    assert!(info.contains("CPU(s):         2\n"), "{info}");
    assert!(info.contains("Max memory:     1048576 KiB\n"), "{info}");
    assert!(info.contains("Used memory:    524288 KiB\n"), "{info}");
    let err = virsh(&uri, &["setmem", vm, "2G"]).failed();
    assert!(
        err.contains("cannot set memory higher than max memory"),
        "{err}"
    );
    let err = virsh(&uri, &["setvcpus", vm, "0"]).failed();
    assert!(err.contains("must at least be 1"), "{err}");
    let err = virsh(&uri, &["setmem", vm, "12 parsecs"]).failed();
    assert!(err.contains("invalid size"), "{err}");
}

#[test]
fn questions_with_auto_answer_off_and_on() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let base = uri(&sim);
    let file = temp_file(&domain_xml(
        "web-question-1",
        "33333333-2222-3333-4444-555555555555",
        256,
        1,
    ));
    virsh(&base, &["define", file.path().to_str().unwrap()]).ok();

    let err = virsh(
        &format!("{base}&auto_answer=0"),
        &["start", "web-question-1"],
    )
    .failed();
    assert!(
        err.contains("Failed to start domain 'web-question-1'"),
        "{err}"
    );
    assert!(
        err.contains("This virtual machine may have been moved or copied"),
        "{err}"
    );
    assert!(err.contains("I _Copied It"), "{err}");
    assert_eq!(
        virsh(&base, &["-q", "domstate", "web-question-1"]).ok(),
        "shut off\n"
    );

    assert_eq!(
        virsh(
            &format!("{base}&auto_answer=1"),
            &["start", "web-question-1"]
        )
        .ok(),
        "Domain 'web-question-1' started\n\n"
    );
    assert_eq!(
        virsh(&base, &["-q", "domstate", "web-question-1"]).ok(),
        "running\n"
    );
}

#[test]
fn wrong_password_and_unknown_domains() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let err = virsh_as(&uri, "not-the-password", &["list"]).failed();
    assert!(
        err.starts_with("error: failed to connect to the hypervisor\n"),
        "{err}"
    );
    assert!(
        err.contains("authentication failed: cannot log in to 127.0.0.1 as 'root'"),
        "{err}"
    );
    assert!(
        !err.contains("not-the-password"),
        "the password leaked: {err}"
    );

    let err = virsh(&format!("{uri}&vcenter=*"), &["list"]).failed();
    assert!(
        err.contains("is not managed by a vCenter (vcenter=* needs one)"),
        "{err}"
    );
    let warned = virsh(&format!("{uri}&bogus=1"), &["-q", "uri"]);
    assert!(
        warned
            .stderr
            .contains("Ignoring unexpected query parameter 'bogus'"),
        "{warned:?}"
    );
    assert_eq!(warned.ok(), format!("{uri}\n"));

    // As virsh: the lookup tried an id, a UUID and a name, so no one lookup's error follows.
    let err = virsh(&uri, &["dominfo", "nosuch"]).failed();
    assert_eq!(err, "error: failed to get domain 'nosuch'\n");
    let err = virsh(&uri, &["start", "00000000-0000-0000-0000-000000000042"]).failed();
    assert_eq!(
        err,
        "error: failed to get domain '00000000-0000-0000-0000-000000000042'\n"
    );
}

#[test]
fn bad_uris_are_refused_with_their_reason() {
    let sim = simulator(Model::Vpx, WireStyle::Xsi);
    let host = sim.host_port();
    let cases: Vec<(String, &str)> = vec![
        ("ftp://host/".into(), "URI scheme 'ftp' is not supported"),
        (
            "esx+ssh://host/".into(),
            "Transport 'ssh' in URI scheme is not supported",
        ),
        (
            "esx://host/?transport=ftp".into(),
            "Query parameter 'transport' has unexpected value 'ftp' (should be http|https)",
        ),
        (
            "esx://host/?no_verify=2".into(),
            "Query parameter 'no_verify' has unexpected value '2'",
        ),
        (
            "esx://host:99999/".into(),
            "URI has unexpected port value '99999'",
        ),
        (
            "vpx://host/".into(),
            "Path has to specify the datacenter and compute resource",
        ),
        (
            "vpx://host/DC0".into(),
            "Path '/DC0' does not specify a compute resource",
        ),
        (
            format!("vpx://root@{host}/DC0/DC0_C0?transport=http"),
            "Path '/DC0/DC0_C0' does not specify a host system",
        ),
        (
            format!("vpx://root@{host}/DC9/DC0_C0/DC0_C0_H0?transport=http"),
            "internal error: Could not find datacenter specified in '/DC9/DC0_C0/DC0_C0_H0'",
        ),
        (
            format!("esx://root@{host}/?transport=http"),
            "is a vCenter server",
        ),
    ];
    for (uri, message) in cases {
        let err = virsh(&uri, &["list"]).failed();
        assert!(err.starts_with("error: "), "{uri}: {err}");
        assert!(
            err.contains(message),
            "{uri}: expected {message:?} in {err:?}"
        );
    }
    let no_uri = std::process::Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .arg("list")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .output()
        .unwrap();
    assert_eq!(no_uri.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_uri.stderr).contains("no connection URI"));
}

#[test]
fn tls_needs_verification_a_pin_or_no_verify() {
    let sim = simulator_with(SimOptions::esx().tls(true));
    let thumbprint = sim.thumbprint().unwrap().to_owned();
    let base = format!("esx://root@{}/", sim.host_port());

    let err = virsh(&base, &["list"]).failed();
    assert!(err.contains("TLS"), "{err}");
    assert!(
        err.contains(&thumbprint),
        "the error should name the presented thumbprint: {err}"
    );

    virsh(&format!("{base}?thumbprint={thumbprint}"), &["list"]).ok();
    virsh(&format!("{base}?no_verify=1"), &["list"]).ok();
    virsh(
        &format!("{base}?cacert={}", sim.ca_file().unwrap().display()),
        &["list"],
    )
    .ok();

    let wrong = format!("{}00", &thumbprint[..thumbprint.len() - 2]);
    let wrong = if wrong == thumbprint {
        thumbprint.replace('A', "B")
    } else {
        wrong
    };
    let err = virsh(&format!("{base}?thumbprint={wrong}"), &["list"]).failed();
    assert!(err.contains("TLS"), "{err}");
}

#[test]
fn host_commands() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Vcsim);
        let uri = uri(&sim);
        insta::assert_snapshot!(
            format!("nodeinfo_{model:?}"),
            virsh(&uri, &["nodeinfo"]).ok()
        );
        let hostname = virsh(&uri, &["-q", "hostname"]).ok();
        assert!(!hostname.trim().is_empty());
        let version = virsh(&uri, &["version"]).ok();
        // ESX, the driver's name, on a vCenter too (libvirt's virConnectGetType).
        assert!(
            version.ends_with(&format!(
                "Using API: ESX {}\nRunning hypervisor: ESX 6.5.0\n\n",
                env!("CARGO_PKG_VERSION")
            )),
            "{version}"
        );
        assert_eq!(virsh(&uri, &["-q", "uri"]).ok(), format!("{uri}\n"));
        let free = virsh(&uri, &["freecell"]).ok();
        assert!(
            free.starts_with("Total: ") && free.ends_with(" KiB\n\n"),
            "{free}"
        );
        let total = free.trim().trim_start_matches("Total: ");
        assert_eq!(
            virsh(&uri, &["-q", "freecell", "--all"]).ok(),
            format!("--------------------\nTotal: {total:>14}\n")
        );
        assert_eq!(
            virsh(&uri, &["freecell", "--cellno", "0"]).failed(),
            "error: this function is not supported by the connection driver: \
             virNodeGetCellsFreeMemory\n"
        );
        let caps = virsh(&uri, &["capabilities"]).ok();
        assert!(
            caps.contains("<arch name='x86_64'>") && caps.contains("<domain type='vmware'/>"),
            "{caps}"
        );
    }
}

#[test]
fn json_for_scripts() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let list: serde_json::Value =
        serde_json::from_str(&virsh(&uri, &["list", "--all", "--json"]).ok()).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ha-host_VM0", "ha-host_VM1"]);
    assert_eq!(list[0]["state"], "running");
    assert!(list[0]["id"].as_i64().is_some());
    let info: serde_json::Value =
        serde_json::from_str(&virsh(&uri, &["dominfo", "ha-host_VM1", "--json"]).ok()).unwrap();
    assert_eq!(info["name"], "ha-host_VM1");
    assert_eq!(info["vcpus"], 1);
    assert_eq!(info["autostart"], false);
    let node: serde_json::Value =
        serde_json::from_str(&virsh(&uri, &["nodeinfo", "--json"]).ok()).unwrap();
    assert!(node["memory_kib"].as_u64().unwrap() > 0);
}

#[test]
fn migrate_between_hosts_of_one_vcenter() {
    let sim = simulator(Model::Vpx, WireStyle::Xsi);
    let host = sim.host_port();
    let source = format!("vpx://root@{host}/DC0/DC0_C0/DC0_C0_H0?transport=http");
    let destination = format!("vpx://root@{host}/DC0/DC0_C0/DC0_C0_H2?transport=http");
    assert_eq!(
        virsh(&source, &["migrate", "DC0_C0_RP0_VM0", &destination]).ok(),
        "\n"
    );
    let xml = virsh(&destination, &["dumpxml", "DC0_C0_RP0_VM0"]).ok();
    assert!(xml.contains("<name>DC0_C0_RP0_VM0</name>"), "{xml}");
    // The VM now runs on the destination's host: only that connection can act on it.
    let err = virsh(
        &destination,
        &[
            "migrate",
            "DC0_C0_RP0_VM0",
            "vpxmigr://other-vcenter/resgroup-1/host-1",
        ],
    )
    .failed();
    assert!(
        err.contains("Migration source and destination have to refer to the same vCenter"),
        "{err}"
    );
    let esx = simulator(Model::Esx, WireStyle::Xsi);
    let err = virsh(
        &e2e_common::uri(&esx),
        &["migrate", "ha-host_VM0", "vpxmigr://x/resgroup-1/host-1"],
    )
    .failed();
    assert_eq!(
        err,
        "error: invalid argument: Migration not possible without a vCenter\n"
    );
    let _ = PASSWORD;
}

#[test]
fn the_demo_example_defines_and_dumps() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-domain.xml");
    virsh(&uri, &["define", example]).ok();
    let xml = virsh(&uri, &["-q", "dumpxml", "demo-web"]).ok();
    // The moref is deterministic: the simulator numbers objects in creation order.
    insta::assert_snapshot!("demo_web_dumpxml", xml);
}
