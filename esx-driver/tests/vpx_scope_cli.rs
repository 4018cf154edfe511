//! `esx-virsh` on vpx:// URIs manages the URI's host only, and prints what libvirt 11.3's virsh
//! prints against the same simulator (the expected texts below were read side by side): the
//! host's VMs in `list`, `failed to get domain` for a VM of another host, that host's figures in
//! nodeinfo/hostname/freecell, libvirt's errors for paths that name no host.

mod e2e_common;

use e2e_common::{domain_xml, simulator_with, temp_file, virsh};
use esx_tests::{SimOptions, Simulator};

/// The stock vpx model (2 VMs per compute resource): DC0_C0_H0 runs DC0_C0_RP0_VM0 (id 63),
/// DC0_C0_H1 runs DC0_C0_RP0_VM1 (id 66), DC0_C0_H2 nothing, DC0_H0 its VM0 and VM1 (57, 60).
fn vcenter() -> Simulator {
    simulator_with(SimOptions::vpx())
}

fn uri_of(sim: &Simulator, path: &str) -> String {
    format!("vpx://root@{}/{path}?transport=http", sim.host_port())
}

const H0: &str = "DC0/DC0_C0/DC0_C0_H0";
const H1: &str = "DC0/DC0_C0/DC0_C0_H1";
const H2: &str = "DC0/DC0_C0/DC0_C0_H2";
const STANDALONE: &str = "DC0/DC0_H0";

#[test]
fn list_shows_the_hosts_vms_as_libvirt_does() {
    let sim = vcenter();
    for (path, table) in [
        (
            H0,
            " Id   Name             State\n--------------------------------\n 63   DC0_C0_RP0_VM0   running\n\n",
        ),
        (
            H1,
            " Id   Name             State\n--------------------------------\n 66   DC0_C0_RP0_VM1   running\n\n",
        ),
        (H2, " Id   Name   State\n--------------------\n\n"),
        (
            STANDALONE,
            " Id   Name         State\n----------------------------\n 57   DC0_H0_VM0   running\n 60   DC0_H0_VM1   running\n\n",
        ),
        // Folders as libvirt walks them: the root folder and the host folder match their own
        // names, an item that names nothing is passed over.
        (
            "Datacenters/DC0/host/DC0_C0/DC0_C0_H0",
            " Id   Name             State\n--------------------------------\n 63   DC0_C0_RP0_VM0   running\n\n",
        ),
        (
            "typo/DC0/typo2/DC0_H0",
            " Id   Name         State\n----------------------------\n 57   DC0_H0_VM0   running\n 60   DC0_H0_VM1   running\n\n",
        ),
    ] {
        assert_eq!(virsh(&uri_of(&sim, path), &["list", "--all"]).ok(), table, "{path}");
    }
}

#[test]
fn a_vm_of_another_host_cannot_be_found_nor_touched() {
    let sim = vcenter();
    let here = uri_of(&sim, H0);
    let uuid = virsh(&uri_of(&sim, STANDALONE), &["-q", "domuuid", "DC0_H0_VM0"]).ok();
    let uuid = uuid.trim();
    for name in ["DC0_H0_VM0", "57", uuid, "DC0_C0_RP0_VM1", "66"] {
        for command in [
            &["dominfo", name][..],
            &["domstate", name],
            &["domuuid", name],
            &["dumpxml", name],
            &["start", name],
            &["destroy", name],
            &["suspend", name],
            &["resume", name],
            &["reset", name],
            &["shutdown", name],
            &["reboot", name],
            &["undefine", name],
            &["setvcpus", name, "2"],
            &["autostart", name],
            &["snapshot-create-as", name, "s1"],
        ] {
            let err = virsh(&here, command).failed();
            assert!(
                err.starts_with(&format!("error: failed to get domain '{name}'\n")),
                "{command:?}: {err}"
            );
        }
    }
    // Nothing happened to them.
    assert_eq!(
        virsh(&uri_of(&sim, STANDALONE), &["domstate", "DC0_H0_VM0"]).ok(),
        "running\n\n"
    );
    assert_eq!(
        virsh(&uri_of(&sim, H1), &["domstate", "DC0_C0_RP0_VM1"]).ok(),
        "running\n\n"
    );
    // The host's own VM, by name, id and UUID.
    let own = virsh(&here, &["-q", "domuuid", "DC0_C0_RP0_VM0"]).ok();
    for name in ["DC0_C0_RP0_VM0", "63", own.trim()] {
        assert_eq!(
            virsh(&here, &["domname", name]).ok(),
            "DC0_C0_RP0_VM0\n\n",
            "{name}"
        );
    }
}

#[test]
fn define_lands_on_the_uris_host() {
    let sim = vcenter();
    let file = temp_file(&domain_xml(
        "on-h2",
        "5c0bed00-0000-4000-8000-0000000000c2",
        64,
        1,
    ));
    let path = file.path().to_str().unwrap();
    virsh(&uri_of(&sim, H2), &["define", path]).ok();
    assert_eq!(
        virsh(&uri_of(&sim, H2), &["list", "--all", "--name"]).ok(),
        "on-h2\n\n"
    );
    for other in [H0, H1, STANDALONE] {
        let listed = virsh(&uri_of(&sim, other), &["list", "--all", "--name"]).ok();
        assert!(!listed.contains("on-h2"), "{other}: {listed}");
        let err = virsh(&uri_of(&sim, other), &["dominfo", "on-h2"]).failed();
        assert!(
            err.starts_with("error: failed to get domain 'on-h2'\n"),
            "{err}"
        );
    }
    assert_eq!(
        virsh(&uri_of(&sim, H2), &["domstate", "on-h2"]).ok(),
        "shut off\n\n"
    );
    virsh(&uri_of(&sim, H2), &["start", "on-h2"]).ok();
    assert_eq!(
        virsh(&uri_of(&sim, H2), &["list", "--name"]).ok(),
        "on-h2\n\n"
    );
}

#[test]
fn host_commands_describe_the_uris_host_as_libvirt_does() {
    let sim = vcenter();
    for (path, hostname, memory, free) in [
        (H0, "dc0-c0-h0.localdomain", "4193780", "2756084"),
        (H1, "dc0-c0-h1.localdomain", "5242356", "3804660"),
        (H2, "dc0-c0-h2.localdomain", "6290932", "4853236"),
        (STANDALONE, "dc0-h0.localdomain", "4193780", "2756084"),
    ] {
        let uri = uri_of(&sim, path);
        assert_eq!(virsh(&uri, &["hostname"]).ok(), format!("{hostname}\n\n"));
        let node = virsh(&uri, &["nodeinfo"]).ok();
        assert!(
            node.contains(&format!("Memory size:         {memory} KiB\n")),
            "{path}: {node}"
        );
        assert_eq!(
            virsh(&uri, &["freecell"]).ok(),
            format!("Total: {free} KiB\n\n"),
            "{path}"
        );
    }
}

#[test]
fn migrate_moves_the_vm_from_one_connection_to_the_other() {
    let sim = vcenter();
    let (source, destination) = (uri_of(&sim, H0), uri_of(&sim, H1));
    assert_eq!(
        virsh(&source, &["migrate", "DC0_C0_RP0_VM0", &destination]).ok(),
        "\n"
    );
    assert_eq!(
        virsh(&source, &["list", "--all"]).ok(),
        " Id   Name   State\n--------------------\n\n"
    );
    let err = virsh(&source, &["dominfo", "DC0_C0_RP0_VM0"]).failed();
    assert!(
        err.starts_with("error: failed to get domain 'DC0_C0_RP0_VM0'\n"),
        "{err}"
    );
    assert_eq!(
        virsh(&destination, &["list", "--all"]).ok(),
        " Id   Name             State\n--------------------------------\n 63   DC0_C0_RP0_VM0   running\n 66   DC0_C0_RP0_VM1   running\n\n"
    );
    // And on to the standalone host, out of the cluster.
    let standalone = uri_of(&sim, STANDALONE);
    virsh(&destination, &["migrate", "63", &standalone]).ok();
    assert_eq!(
        virsh(&destination, &["list", "--all", "--name"]).ok(),
        "DC0_C0_RP0_VM1\n\n"
    );
    assert_eq!(
        virsh(&standalone, &["list", "--all", "--name"]).ok(),
        "DC0_H0_VM0\nDC0_H0_VM1\nDC0_C0_RP0_VM0\n\n"
    );
}

#[test]
fn paths_that_name_no_host_fail_with_libvirts_texts() {
    let sim = vcenter();
    for (path, message) in [
        (
            "DC9/DC0_C0/DC0_C0_H0",
            "internal error: Could not find datacenter specified in '/DC9/DC0_C0/DC0_C0_H0'",
        ),
        (
            "DC0/nope/DC0_C0_H0",
            "internal error: Could not find compute resource specified in '/DC0/nope/DC0_C0_H0'",
        ),
        (
            "DC0/DC0_C0",
            "invalid argument: Path '/DC0/DC0_C0' does not specify a host system",
        ),
        (
            "DC0/DC0_C0/DC0_H0",
            "internal error: Could not find host system specified in '/DC0/DC0_C0/DC0_H0'",
        ),
        (
            "DC0/DC0_H0/DC0_H0",
            "invalid argument: Path '/DC0/DC0_H0/DC0_H0' ends with an excess item",
        ),
        (
            "DC0/DC0_C0/DC0_C0_H0/x",
            "invalid argument: Path '/DC0/DC0_C0/DC0_C0_H0/x' ends with an excess item",
        ),
    ] {
        assert_eq!(
            virsh(&uri_of(&sim, path), &["list", "--all"]).failed(),
            format!("error: failed to connect to the hypervisor\nerror: {message}\n"),
            "{path}"
        );
    }
}
