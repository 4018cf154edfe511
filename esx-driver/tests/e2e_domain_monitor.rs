//! End-to-end: the commands that show what a domain has and reports (`vcpucount`, `maxvcpus`,
//! `domblklist`, `domiflist`, `vncdisplay`, `domhostname`, `dommemstat`, `domifaddr`,
//! `domstate --reason`), the `list` filters, virsh's error lines, and the drivers ESX lacks,
//! against both simulator models in both wire styles; outputs compared with libvirt 11.3's virsh
//! on the same simulator.

mod e2e_common;

use e2e_common::{simulator, uri, virsh};
use esx_tests::{Model, WireStyle};

/// A running VM of the URI's host in each model.
fn running_vm(model: Model) -> &'static str {
    match model {
        Model::Esx => "ha-host_VM0",
        Model::Vpx => "DC0_C0_RP0_VM0",
    }
}

#[test]
fn what_a_domain_has_and_reports() {
    for model in [Model::Esx, Model::Vpx] {
        for wire in WireStyle::ALL {
            let sim = simulator(model, wire);
            let uri = uri(&sim);
            let vm = running_vm(model);
            let name = format!("{model:?}_{wire:?}");

            assert_eq!(
                virsh(&uri, &["vcpucount", vm]).ok(),
                "maximum      config         1\nmaximum      live           1\n\
                 current      config         1\ncurrent      live           1\n\n"
            );
            assert_eq!(virsh(&uri, &["-q", "maxvcpus"]).ok(), "64\n");
            insta::assert_snapshot!(
                format!("domblklist_details_{name}"),
                virsh(&uri, &["domblklist", vm, "--details"]).ok()
            );
            let blk = virsh(&uri, &["domblklist", vm]).ok();
            assert!(blk.starts_with(" Target   Source\n"), "{blk}");
            insta::assert_snapshot!(
                format!("domiflist_{name}"),
                virsh(&uri, &["domiflist", vm]).ok()
            );
            assert_eq!(
                virsh(&uri, &["domstate", vm, "--reason"]).ok(),
                "running (unknown)\n\n"
            );
            assert_eq!(
                virsh(&uri, &["domhostname", vm]).failed(),
                "error: failed to get hostname\nerror: Requested operation is not valid: \
                 hostName field not available (missing VMware Tools?)\n"
            );
            let stats = virsh(&uri, &["dommemstat", vm]).ok();
            assert!(stats.starts_with("actual "), "{stats}");
            assert!(stats.contains("\navailable "), "{stats}");
            // vcsim's guests report their NIC without addresses: a row of N/A, named after
            // the network, as virsh prints it.
            let addresses = virsh(&uri, &["-q", "domifaddr", vm]).ok();
            let mut rows = addresses.lines().skip(2);
            let row = rows.next().unwrap_or_default();
            assert!(row.ends_with("    N/A          N/A"), "{addresses}");
            assert!(row.contains(" 00:0c:29:"), "{addresses}");
            assert_eq!(
                virsh(&uri, &["domifaddr", vm, "--interface", "none"])
                    .ok()
                    .lines()
                    .count(),
                3,
                "only the header and the blank line"
            );
            assert!(virsh(&uri, &["domifaddr", vm, "--source", "lease"])
                .failed()
                .starts_with(
                    "error: Failed to query for interfaces addresses\nerror: argument \
                     unsupported: Unknown IP address data source 0"
                ));
            assert_eq!(
                virsh(&uri, &["domdisplay", vm]).failed(),
                "error: No graphical display found\n"
            );
            // Single figures, flags as libvirt's ESX driver takes them.
            assert_eq!(
                virsh(&uri, &["-q", "vcpucount", vm, "--maximum", "--config"]).ok(),
                "1\n"
            );
            assert_eq!(
                virsh(&uri, &["vcpucount", vm, "--live", "--config"]).failed(),
                "error: Options --live and --config are mutually exclusive\n"
            );
            assert_eq!(
                virsh(&uri, &["setvcpus", vm, "2", "--maximum", "--config"]).failed(),
                "error: unsupported flags (0x6) in function esxDomainSetVcpusFlags\n"
            );
            assert_eq!(
                virsh(&uri, &["domblklist", vm, "--inactive"]).ok(),
                virsh(&uri, &["domblklist", vm]).ok()
            );
            assert_eq!(
                virsh(&uri, &["domiflist", vm, "--inactive"]).ok(),
                virsh(&uri, &["domiflist", vm]).ok()
            );
            let live = virsh(&uri, &["dumpxml", vm]).ok();
            let inactive = virsh(&uri, &["dumpxml", vm, "--inactive", "--security-info"]).ok();
            assert!(live.starts_with("<domain type='vmware' id='"), "{live}");
            assert!(
                inactive.starts_with("<domain type='vmware' xmlns:vmware="),
                "{inactive}"
            );
            assert_eq!(
                virsh(&uri, &["vncdisplay", vm]).failed(),
                "error: Failed to get VNC port. Is this domain using VNC?\n"
            );

            // Shut off: no live rows, no display.
            virsh(&uri, &["destroy", vm]).ok();
            assert_eq!(
                virsh(&uri, &["-q", "vcpucount", vm]).ok(),
                "maximum      config         1\ncurrent      config         1\n"
            );
            assert_eq!(
                virsh(&uri, &["domdisplay", vm]).failed(),
                "error: Domain is not running\n"
            );
            assert_eq!(
                virsh(&uri, &["domstate", vm, "--reason"]).ok(),
                "shut off (unknown)\n\n"
            );
        }
    }
}

#[test]
fn list_filters() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Xsi);
        let uri = uri(&sim);
        let vm = running_vm(model);
        let names = |args: &[&str]| {
            let mut full = vec!["-q", "list", "--name"];
            full.extend_from_slice(args);
            virsh(&uri, &full).ok()
        };
        let all = names(&["--all"]);
        assert!(all.lines().any(|line| line == vm), "{all}");
        virsh(&uri, &["suspend", vm]).ok();
        assert_eq!(names(&["--state-paused"]), format!("{vm}\n"));
        assert!(!names(&["--state-running"]).contains(vm));
        assert_eq!(names(&["--state-shutoff"]), "");
        assert_eq!(names(&["--state-other"]), "");
        assert_eq!(names(&["--transient", "--all"]), "");
        assert_eq!(names(&["--persistent", "--all"]), all);
        assert_eq!(names(&["--autostart", "--all"]), "");
        assert_eq!(names(&["--no-autostart", "--all"]), all);
        virsh(&uri, &["autostart", vm]).ok();
        assert_eq!(names(&["--autostart", "--all"]), format!("{vm}\n"));
        assert_eq!(names(&["--with-snapshot", "--all"]), "");
        virsh(&uri, &["snapshot-create-as", vm, "s1"]).ok();
        assert_eq!(names(&["--with-snapshot", "--all"]), format!("{vm}\n"));
        assert!(!names(&["--without-snapshot", "--all"]).contains(vm));
        // ESX domains have no managed save images and no checkpoints.
        assert_eq!(names(&["--with-managed-save", "--all"]), "");
        assert_eq!(names(&["--without-managed-save", "--all"]), all);
        assert_eq!(names(&["--with-checkpoint", "--all"]), "");
        assert_eq!(names(&["--without-checkpoint", "--all"]), all);
    }
}

#[test]
fn list_prints_what_virsh_prints_for_each_column_option() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    virsh(&uri, &["destroy", "ha-host_VM1"]).ok();
    let uuid = |vm: &str| virsh(&uri, &["-q", "domuuid", vm]).ok().trim().to_owned();
    let (uuid0, uuid1) = (uuid("ha-host_VM0"), uuid("ha-host_VM1"));
    let list = |args: &[&str]| {
        let mut full = vec!["-q", "list"];
        full.extend_from_slice(args);
        virsh(&uri, &full)
    };
    // UUID, id, name in that order, one space apart; --id alone only the running domains.
    assert_eq!(
        list(&["--all", "--name", "--id", "--uuid"]).ok(),
        format!("{uuid0} 9 ha-host_VM0\n{uuid1} - ha-host_VM1\n")
    );
    assert_eq!(list(&["--all", "--id"]).ok(), "9\n");
    assert_eq!(list(&["--all", "--id", "--title"]).ok(), "9\n");
    // --table with --uuid adds a column, after the (empty) titles.
    assert_eq!(
        list(&["--all", "--table", "--title", "--uuid"]).ok(),
        format!(
            " Id   Name          State      Title   UUID\n{}\n \
             9    ha-host_VM0   running            {uuid0}\n \
             -    ha-host_VM1   shut off           {uuid1}\n",
            "-".repeat(77)
        )
    );
    assert_eq!(
        list(&["--table", "--title"]).ok(),
        format!(
            " Id   Name          State     Title\n{}\n 9    ha-host_VM0   running   \n",
            "-".repeat(37)
        )
    );
    assert_eq!(
        list(&["--managed-save", "--all"]).ok(),
        list(&["--all"]).ok(),
        "no ESX domain is marked saved"
    );
    for other in ["name", "id"] {
        assert_eq!(
            list(&["--table", &format!("--{other}")]).failed(),
            format!("error: Options --table and --{other} are mutually exclusive\n")
        );
    }
}

#[test]
fn errors_read_as_virsh_prints_them() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Vcsim);
        // no_verify is moot over http, and libvirt accepts it without a word.
        let uri = format!("{}&no_verify=1", uri(&sim));
        let vm = running_vm(model);
        let listed = virsh(&uri, &["list"]);
        assert_eq!(listed.stderr, "", "a valid URI printed something");
        listed.ok();
        let warned = virsh(&format!("{uri}&bogus=1"), &["list"]);
        assert_eq!(
            warned.stderr,
            "warning: Ignoring unexpected query parameter 'bogus'\n"
        );

        assert_eq!(
            virsh(&uri, &["dominfo", "nosuchvm"]).failed(),
            "error: failed to get domain 'nosuchvm'\n"
        );
        assert_eq!(
            virsh(&uri, &["start", vm]).failed(),
            "error: Domain is already active\n"
        );
        assert_eq!(
            virsh(&uri, &["resume", vm]).failed(),
            format!(
                "error: Failed to resume domain '{vm}'\n\
                 error: Requested operation is not valid: Domain is not suspended\n"
            )
        );
        assert_eq!(
            virsh(&uri, &["setmaxmem", vm, "1G"]).failed(),
            "error: Unable to change MaxMemorySize\n\
             error: Requested operation is not valid: Domain is not powered off\n"
        );
        assert_eq!(
            virsh(&uri, &["setvcpus", vm, "65"]).failed(),
            "error: invalid argument: Requested number of virtual CPUs is greater than max \
             allowable number of virtual CPUs for the domain: 65 > 64\n"
        );
        assert_eq!(
            virsh(&uri, &["undefine", vm]).failed(),
            format!(
                "error: Failed to undefine domain '{vm}'\n\
                 error: Requested operation is not valid: Domain is not suspended or powered off\n"
            )
        );
        assert_eq!(
            virsh(&uri, &["setmem", vm, "0"]).failed(),
            "error: memory in virDomainSetMemoryFlags must not be zero\n"
        );
        assert_eq!(
            virsh(&uri, &["snapshot-current", vm]).failed(),
            format!("error: domain '{vm}' has no current snapshot\n")
        );
        assert_eq!(
            virsh(&uri, &["snapshot-revert", vm, "nosnap"]).failed(),
            "error: Domain snapshot not found: Could not find snapshot with name 'nosnap'\n"
        );
        // virsh's choice of a snapshot: a name or --current, not both, not neither.
        for command in [
            "snapshot-revert",
            "snapshot-delete",
            "snapshot-info",
            "snapshot-parent",
        ] {
            assert_eq!(
                virsh(&uri, &[command, vm, "--current"]).failed(),
                "error: Domain snapshot not found: Domain has no current snapshot\n",
                "{command}"
            );
            assert_eq!(
                virsh(&uri, &[command, vm]).failed(),
                "error: --snapshotname or --current is required\n",
                "{command}"
            );
            assert_eq!(
                virsh(&uri, &[command, vm, "s1", "--current"]).failed(),
                "error: --snapshotname and --current are mutually exclusive\n",
                "{command}"
            );
        }
        assert_eq!(
            virsh(&uri, &["snapshot-dumpxml", vm]).failed(),
            "error: command 'snapshot-dumpxml' requires <snapshotname> option\n"
        );
        assert_eq!(
            virsh(&uri, &["define", "/nonexistent/domain.xml"]).failed(),
            "error: Failed to open file '/nonexistent/domain.xml': No such file or directory\n"
        );
        virsh(&uri, &["destroy", vm]).ok();
        assert_eq!(
            virsh(&uri, &["destroy", vm]).failed(),
            format!(
                "error: Failed to destroy domain '{vm}'\n\
                 error: Requested operation is not valid: Domain is not powered on\n"
            )
        );
        // setmaxmem rounds up to a multiple of 4 MiB, as libvirt does.
        virsh(&uri, &["setmaxmem", vm, "1025M"]).ok();
        let info = virsh(&uri, &["dominfo", vm]).ok();
        assert!(info.contains("Max memory:     1052672 KiB\n"), "{info}");

        for (command, doing, call) in [
            (
                "secret-list",
                "Failed to count secrets",
                "virConnectNumOfSecrets",
            ),
            (
                "nodedev-list",
                "Failed to count node devices",
                "virNodeNumOfDevices",
            ),
            (
                "nwfilter-list",
                "Failed to count network filters",
                "virConnectNumOfNWFilters",
            ),
        ] {
            assert_eq!(
                virsh(&uri, &[command]).failed(),
                format!(
                    "error: {doing}\nerror: this function is not supported by the connection \
                     driver: {call}\n"
                )
            );
        }
    }
}

#[test]
fn host_figures_as_libvirt_reads_them() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Xsi);
        let uri = uri(&sim);
        let node = virsh(&uri, &["nodeinfo"]).ok();
        assert!(
            node.starts_with("CPU model:           Intel Core i7-3615QM CPU @ 2.30\n"),
            "{node}"
        );
        assert!(node.contains("CPU frequency:       3591 MHz\n"), "{node}");
        insta::assert_snapshot!(
            format!("capabilities_{model:?}"),
            virsh(&uri, &["capabilities"]).ok()
        );
    }
}

#[test]
fn description() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Vcsim);
        let uri = uri(&sim);
        let vm = running_vm(model);
        assert_eq!(
            virsh(&uri, &["desc", vm, "web", "front", "end"]).ok(),
            "Domain description updated successfully\n"
        );
        // virsh's message has no newline of its own: the one after every command ends it,
        // and -q, which drops that one, still ends the line.
        assert_eq!(virsh(&uri, &["desc", vm]).ok(), "web front end\n");
        assert_eq!(virsh(&uri, &["-q", "desc", vm]).ok(), "web front end\n");
        assert_eq!(
            virsh(&uri, &["desc", vm, "--title"]).ok(),
            format!("No title for domain: {vm}\n")
        );
        assert_eq!(
            virsh(&uri, &["desc", vm, "--title", "web"]).failed(),
            "error: Failed to set new domain title\nerror: this function is not supported by the \
             connection driver: virDomainSetMetadata\n"
        );
    }
}

#[test]
fn disk_sizes() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Xsi);
        let uri = uri(&sim);
        let vm = running_vm(model);
        let info = virsh(&uri, &["domblkinfo", vm, "sda"]).ok();
        let lines: Vec<&str> = info.lines().collect();
        assert!(lines[0].starts_with("Capacity:       "), "{info}");
        assert!(lines[1].starts_with("Allocation:     "), "{info}");
        assert!(lines[2].starts_with("Physical:       "), "{info}");
        let capacity: u64 = lines[0][16..].parse().unwrap();
        assert!(capacity > 0, "{info}");
        // The same disk by its file.
        let path = format!("[LocalDS_0] {vm}/disk1.vmdk");
        assert_eq!(virsh(&uri, &["domblkinfo", vm, &path]).ok(), info);
        assert_eq!(
            virsh(&uri, &["domblkinfo", vm, "sdz"]).failed(),
            "error: invalid argument: invalid path sdz not assigned to domain\n"
        );
        let all = virsh(&uri, &["-q", "domblkinfo", vm, "--all"]).ok();
        assert_eq!(
            all.lines()
                .nth(2)
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>(),
            [
                "sda",
                &capacity.to_string(),
                &lines[1][16..],
                &lines[2][16..]
            ],
            "{all}"
        );
        let human = virsh(&uri, &["-q", "domblkinfo", vm, "sda", "--human"]).ok();
        assert!(human.starts_with("Capacity:       1.000 MiB\n"), "{human}");
        assert!(
            capacity == 1 << 20,
            "the simulator's disks are 1 MiB: {info}"
        );
    }
}

#[test]
fn snapshot_info_parent_and_flags() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Xsi);
        let uri = uri(&sim);
        let vm = running_vm(model);
        assert_eq!(
            virsh(&uri, &["snapshot-create-as", vm, "a", "--quiesce"]).ok(),
            "Domain snapshot a created\n"
        );
        virsh(&uri, &["snapshot-create-as", vm, "b", "--disk-only"]).ok();
        virsh(&uri, &["snapshot-create-as", vm, "c", "--no-metadata"]).ok();
        assert_eq!(
            virsh(&uri, &["snapshot-info", vm, "a"]).ok(),
            format!(
                "Name:           a\nDomain:         {vm}\nCurrent:        no\n\
                 State:          running\nLocation:       internal\nParent:         -\n\
                 Children:       1\nDescendants:    2\nMetadata:       no\n\n"
            )
        );
        let current = virsh(&uri, &["snapshot-info", vm, "--current"]).ok();
        assert!(current.starts_with("Name:           c\n"), "{current}");
        assert!(current.contains("Parent:         b\n"), "{current}");
        assert_eq!(virsh(&uri, &["snapshot-parent", vm, "b"]).ok(), "a\n");
        assert_eq!(
            virsh(&uri, &["snapshot-parent", vm, "a"]).failed(),
            "error: snapshot 'a' has no parent\n"
        );
    }
}

#[test]
fn snapshot_list_selections() {
    let sim = simulator(Model::Esx, WireStyle::Vcsim);
    let uri = uri(&sim);
    let vm = running_vm(Model::Esx);
    // a -> b -> c, and a -> d (current).
    for name in ["a", "b", "c"] {
        virsh(&uri, &["snapshot-create-as", vm, name]).ok();
    }
    virsh(&uri, &["snapshot-revert", vm, "a"]).ok();
    virsh(&uri, &["snapshot-create-as", vm, "d"]).ok();
    let names = |args: &[&str]| {
        let mut full = vec!["-q", "snapshot-list", vm, "--name"];
        full.extend_from_slice(args);
        virsh(&uri, &full).ok()
    };
    assert_eq!(names(&["--from", "a"]), "b\nd\n");
    assert_eq!(names(&["--from", "a", "--descendants"]), "b\nc\nd\n");
    assert_eq!(names(&["--current"]), "d\n");
    assert_eq!(names(&["--topological"]), "a\nb\nc\nd\n");
    assert_eq!(names(&["--no-leaves"]), "a\nb\n");
    // Every ESX snapshot is internal, has no libvirt metadata, and here was taken running.
    assert_eq!(names(&["--internal"]), "a\nb\nc\nd\n");
    assert_eq!(names(&["--no-metadata"]), "a\nb\nc\nd\n");
    assert_eq!(names(&["--active"]), "a\nb\nc\nd\n");
    for none in ["--external", "--metadata", "--inactive", "--disk-only"] {
        assert_eq!(names(&[none]), "", "{none}");
    }
    assert_eq!(
        virsh(&uri, &["snapshot-list", vm, "--from", "b", "--tree"]).ok(),
        "b\n  |\n  +- c\n    \n\n"
    );
    assert_eq!(
        virsh(&uri, &["snapshot-dumpxml", vm, "a", "--security-info"]).failed(),
        "error: unsupported flags (0x1) in function esxDomainSnapshotGetXMLDesc\n"
    );
    assert_eq!(
        virsh(&uri, &["snapshot-edit", vm, "a"]).failed(),
        "error: Failed to update a\n\
         error: unsupported flags (0x1) in function esxDomainSnapshotGetXMLDesc\n"
    );
}

#[test]
fn snapshot_from_xml() {
    let sim = simulator(Model::Vpx, WireStyle::Xsi);
    let uri = uri(&sim);
    let vm = running_vm(Model::Vpx);
    let dir = std::env::temp_dir().join(format!("esx-e2e-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("snap.xml");
    std::fs::write(
        &file,
        "<domainsnapshot><name>from-xml</name><description>before upgrade</description>\
         <memory snapshot='no'/></domainsnapshot>",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(
        virsh(&uri, &["snapshot-create", vm, path]).ok(),
        format!("Domain snapshot from-xml created from '{path}'\n")
    );
    let xml = virsh(&uri, &["snapshot-dumpxml", vm, "from-xml"]).ok();
    assert!(
        xml.contains("<description>before upgrade</description>"),
        "{xml}"
    );
    std::fs::write(
        &file,
        "<domainsnapshot><disks><disk name='sda'/></disks></domainsnapshot>",
    )
    .unwrap();
    assert_eq!(
        virsh(&uri, &["snapshot-create", vm, path]).failed(),
        "error: unsupported configuration: Disk snapshots not supported yet\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migrate_takes_the_flags_libvirt_takes() {
    let sim = simulator(Model::Vpx, WireStyle::Vcsim);
    let host = sim.host_port();
    let source = format!("vpx://root@{host}/DC0/DC0_C0/DC0_C0_H0?transport=http");
    let destination = format!("vpx://root@{host}/DC0/DC0_C0/DC0_C0_H2?transport=http");
    let vm = running_vm(Model::Vpx);
    assert_eq!(
        virsh(
            &source,
            &[
                "migrate",
                "--live",
                "--persistent",
                "--undefinesource",
                vm,
                &destination
            ]
        )
        .ok(),
        "\n"
    );
    assert_eq!(virsh(&destination, &["domstate", vm]).ok(), "running\n\n");
}

#[test]
fn the_shell_runs_a_script_on_one_connection() {
    use std::io::Write;
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .args(["-c", &uri])
        .env_remove("LIBVIRT_AUTH_FILE")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env("ESX_PASSWORD", e2e_common::PASSWORD)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("esx-virsh runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!(
                "domstate ha-host_VM0\ndomid nosuch\n\nconnect {uri}\ndesc ha-host_VM1 \"two words\"\n\
                 desc ha-host_VM1\nbogus\nquit\nlist\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    insta::assert_snapshot!("shell_script", stdout.replace(&uri, "URI"));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "error: failed to get domain 'nosuch'\nerror: unknown command: 'bogus'\n"
    );
}

#[test]
fn vnc_display_of_a_running_domain() {
    for model in [Model::Esx, Model::Vpx] {
        let sim = simulator(model, WireStyle::Xsi);
        let uri = uri(&sim);
        let xml = e2e_common::domain_xml("e2e-vnc", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4c", 256, 1)
            .replace(
                "  </devices>",
                "    <graphics type='vnc' port='5903' listen='10.0.0.7' passwd='s3cret'/>\n  \
                 </devices>",
            );
        let file = e2e_common::temp_file(&xml);
        virsh(&uri, &["define", file.path().to_str().unwrap()]).ok();
        assert_eq!(
            virsh(&uri, &["vncdisplay", "e2e-vnc"]).failed(),
            "error: Domain is not running\n"
        );
        virsh(&uri, &["start", "e2e-vnc"]).ok();
        assert_eq!(
            virsh(&uri, &["vncdisplay", "e2e-vnc"]).ok(),
            "10.0.0.7:3\n\n"
        );
        assert_eq!(
            virsh(&uri, &["domdisplay", "e2e-vnc"]).ok(),
            "vnc://10.0.0.7:3\n\n"
        );
        // The VNC password only with --security-info, as libvirt's VIR_DOMAIN_XML_SECURE.
        let plain = virsh(&uri, &["dumpxml", "e2e-vnc"]).ok();
        assert!(!plain.contains("s3cret"), "{plain}");
        let secure = virsh(&uri, &["dumpxml", "e2e-vnc", "--security-info"]).ok();
        assert!(secure.contains(" passwd='s3cret'"), "{secure}");
        assert_eq!(
            virsh(&uri, &["domblklist", "e2e-vnc"]).ok(),
            " Target   Source\n--------------------------------------------\n \
             sda      [LocalDS_0] e2e-vnc/e2e-vnc.vmdk\n\n"
        );
    }
}

#[test]
fn power_options_libvirts_esx_driver_refuses_fail_as_virsh_fails() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let vm = running_vm(Model::Esx);
    let refused = |doing: &str, flags: &str, function: &str| {
        format!(
            "error: Failed to {doing} domain '{vm}'\nerror: unsupported flags ({flags}) in \
             function {function}\n"
        )
    };
    for (args, expected) in [
        (
            vec!["shutdown", vm, "--mode", "acpi,agent"],
            refused("shutdown", "0x3", "esxDomainShutdownFlags"),
        ),
        (
            vec!["reboot", vm, "--mode", "signal"],
            refused("reboot", "0x8", "esxDomainReboot"),
        ),
        (
            vec!["destroy", vm, "--graceful"],
            refused("destroy", "0x1", "esxDomainDestroyFlags"),
        ),
        (
            vec!["reboot", vm, "--mode", "bogus"],
            "error: Unknown mode bogus value, expecting 'acpi', 'agent', 'initctl', 'signal' \
             or 'paravirt'\n"
                .to_owned(),
        ),
        // virsh's own check comes first.
        (
            vec!["start", vm, "--paused"],
            "error: Domain is already active\n".to_owned(),
        ),
    ] {
        assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
    }
    virsh(&uri, &["destroy", vm]).ok();
    assert_eq!(
        virsh(&uri, &["start", vm, "--paused", "--force-boot"]).failed(),
        refused("start", "0x1", "esxDomainCreateWithFlags")
    );
    // Without a managed save image, virsh drops --force-boot: the domain starts.
    assert_eq!(
        virsh(&uri, &["start", vm, "--force-boot"]).ok(),
        format!("Domain '{vm}' started\n\n")
    );
}
