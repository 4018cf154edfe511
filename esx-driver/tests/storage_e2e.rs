//! End-to-end: the pool and volume commands of `esx-virsh` against the simulator with real
//! storage (`-storage`: a VMFS, a local and an NFS datastore, VMDK descriptors), on both models
//! and both wire styles: tables and XML as snapshots (checked by hand against libvirt 11.3's
//! virsh on the same simulator), libvirt's messages, bad inputs that leave the datastore as it
//! was, and the few SOAP calls a listing costs.

mod e2e_common;

use e2e_common::{simulator_with, temp_file, uri, virsh};
use esx_driver::auth::CredentialSources;
use esx_driver::driver::storage::{NewVolume, WipeAlgorithm};
use esx_driver::driver::Connection;
use esx_tests::{Model, SimOptions, WireStyle};

const MODELS: [Model; 2] = [Model::Esx, Model::Vpx];

/// A simulator with two local datastores (LocalDS_0 on VMFS) and the NFS datastore nfs_0.
fn storage_simulator(model: Model, wire: WireStyle) -> esx_tests::Simulator {
    let mut options = SimOptions::new(model).wire(wire).arg("-storage");
    options.datastores = Some(2);
    simulator_with(options)
}

fn model_name(model: Model) -> &'static str {
    match model {
        Model::Esx => "esx",
        Model::Vpx => "vpx",
    }
}

#[test]
fn pools_and_volumes_read_alike_on_both_models_and_wire_styles() {
    for model in MODELS {
        for wire in WireStyle::ALL {
            let sim = storage_simulator(model, wire);
            let uri = uri(&sim);
            let m = model_name(model);
            insta::assert_snapshot!("pool_list", virsh(&uri, &["pool-list"]).ok());
            insta::assert_snapshot!(
                format!("{m}_pool_list_details"),
                virsh(&uri, &["pool-list", "--all", "--details"]).ok()
            );
            insta::assert_snapshot!(
                "pool_list_uuid_name",
                virsh(&uri, &["-q", "pool-list", "--uuid", "--name"]).ok()
            );
            insta::assert_snapshot!(
                format!("{m}_pool_list_json"),
                virsh(&uri, &["-q", "pool-list", "--json"]).ok()
            );
            for pool in ["LocalDS_1", "nfs_0"] {
                insta::assert_snapshot!(
                    format!("pool_info_{pool}"),
                    virsh(&uri, &["pool-info", pool]).ok()
                );
            }
            for pool in ["LocalDS_0", "LocalDS_1", "nfs_0"] {
                insta::assert_snapshot!(
                    format!("{m}_pool_dumpxml_{pool}"),
                    virsh(&uri, &["pool-dumpxml", pool]).ok()
                );
            }
            assert_eq!(
                virsh(&uri, &["-q", "pool-list", "--type", "netfs", "--name"]).ok(),
                "nfs_0\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "pool-list", "--inactive", "--name"]).ok(),
                ""
            );
            let uuid = virsh(&uri, &["-q", "pool-uuid", "nfs_0"]).ok();
            assert_eq!(
                virsh(&uri, &["-q", "pool-name", uuid.trim()]).ok(),
                "nfs_0\n"
            );
            assert_eq!(
                virsh(&uri, &["pool-name", "nfs_0"]).failed(),
                "error: failed to get pool 'nfs_0'\n",
                "virsh looks pool-name up by UUID only"
            );
            assert_eq!(
                virsh(&uri, &["pool-refresh", "nfs_0"]).ok(),
                "Pool nfs_0 refreshed\n\n"
            );
            assert_eq!(
                virsh(&uri, &["pool-autostart", uuid.trim()]).ok(),
                "Pool nfs_0 marked as autostarted\n\n"
            );

            insta::assert_snapshot!(
                "vol_list_nfs_details",
                virsh(&uri, &["vol-list", "nfs_0", "--details"]).ok()
            );
            insta::assert_snapshot!(
                format!("{m}_vol_list_local"),
                virsh(&uri, &["vol-list", "LocalDS_0"]).ok()
            );
            insta::assert_snapshot!(
                "vol_list_json",
                virsh(&uri, &["-q", "vol-list", "nfs_0", "--json"]).ok()
            );
            for vol in [
                "disks/data.vmdk",
                "disks/base.vmdk",
                "iso/installer.iso",
                "floppy/drivers.flp",
            ] {
                let name = vol.replace(['/', '.'], "_");
                insta::assert_snapshot!(
                    format!("vol_dumpxml_{name}"),
                    virsh(&uri, &["vol-dumpxml", vol, "--pool", "nfs_0"]).ok()
                );
                insta::assert_snapshot!(
                    format!("vol_info_{name}"),
                    virsh(&uri, &["vol-info", vol, "--pool", "nfs_0"]).ok()
                );
            }
            // Keys, names, paths and pools, every way round.
            let key = virsh(
                &uri,
                &["-q", "vol-key", "disks/data.vmdk", "--pool", "nfs_0"],
            )
            .ok();
            let key = key.trim();
            assert_eq!(key.len(), 36, "a disk's key is its UUID: {key}");
            assert_eq!(
                virsh(&uri, &["-q", "vol-name", key]).ok(),
                "disks/data.vmdk\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-path", key]).ok(),
                "[nfs_0] disks/data.vmdk\n"
            );
            assert_eq!(virsh(&uri, &["-q", "vol-pool", key]).ok(), "nfs_0\n");
            assert_eq!(
                virsh(
                    &uri,
                    &["-q", "vol-pool", "--uuid", "[nfs_0] disks/data.vmdk"]
                )
                .ok(),
                uuid
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-key", "[nfs_0] iso/installer.iso"]).ok(),
                "[nfs_0] iso/installer.iso\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-dumpxml", "[nfs_0] disks/data.vmdk"]).ok(),
                virsh(&uri, &["-q", "vol-dumpxml", key]).ok()
            );
        }
    }
}

#[test]
fn what_datastores_cannot_do_fails_in_libvirts_words() {
    let sim = storage_simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let pool_xml =
        temp_file("<pool type='dir'><name>x</name><target><path>/x</path></target></pool>");
    let pool_file = pool_xml.path().to_str().unwrap();
    for (args, expected) in [
        (
            vec!["pool-info", "nope"],
            "error: failed to get pool 'nope'\nerror: Storage pool not found: Could not find \
             storage pool with name 'nope'\n"
                .to_owned(),
        ),
        (
            vec!["pool-autostart", "nfs_0", "--disable"],
            "error: failed to unmark pool nfs_0 as autostarted\nerror: internal error: Cannot \
             deactivate storage pool autostart\n"
                .to_owned(),
        ),
        (
            vec!["pool-list", "--details", "--name"],
            "error: Options --details and --name are mutually exclusive\n".to_owned(),
        ),
        (
            vec!["pool-define", pool_file],
            format!(
                "error: Failed to define pool from {pool_file}\nerror: this function is not \
                 supported by the connection driver: virStoragePoolDefineXML\n"
            ),
        ),
        (
            vec![
                "pool-define-as",
                "new",
                "netfs",
                "--source-host",
                "h",
                "--target",
                "/mnt",
            ],
            "error: Failed to define pool new\nerror: this function is not supported by the \
             connection driver: virStoragePoolDefineXML\n"
                .to_owned(),
        ),
        (
            vec!["pool-create-as", "new", "dir", "--target", "/tmp"],
            "error: Failed to create pool new\nerror: this function is not supported by the \
             connection driver: virStoragePoolCreateXML\n"
                .to_owned(),
        ),
        (
            vec!["pool-create", pool_file],
            format!(
                "error: Failed to create pool from {pool_file}\nerror: this function is not \
                 supported by the connection driver: virStoragePoolCreateXML\n"
            ),
        ),
        (
            vec!["vol-info", "x", "--pool", "nope"],
            "error: failed to get pool 'nope'\nerror: Storage pool not found: Could not find \
             storage pool with name 'nope'\n"
                .to_owned(),
        ),
        (
            vec!["vol-info", "disks/nope.vmdk", "--pool", "nfs_0"],
            "error: failed to get vol 'disks/nope.vmdk'\nerror: Storage volume not found: no \
             storage vol with matching name 'disks/nope.vmdk' in pool 'nfs_0'\n"
                .to_owned(),
        ),
        (
            // vol-pool has no pool option, so virsh gives no hint.
            vec!["vol-pool", "[nfs_0] disks/nope.vmdk"],
            "error: failed to get vol '[nfs_0] disks/nope.vmdk'\nerror: Storage volume not \
             found: No storage volume with key or path '[nfs_0] disks/nope.vmdk'\n"
                .to_owned(),
        ),
        (
            vec!["vol-info", "[nfs_0] disks/nope.vmdk"],
            "error: failed to get vol '[nfs_0] disks/nope.vmdk', specifying --pool might help\n\
             error: Storage volume not found: No storage volume with key or path '[nfs_0] \
             disks/nope.vmdk'\n"
                .to_owned(),
        ),
        (
            vec![
                "vol-wipe",
                "disks/data.vmdk",
                "--pool",
                "nfs_0",
                "--algorithm",
                "dod",
            ],
            "error: Failed to wipe vol disks/data.vmdk\nerror: this function is not supported \
             by the connection driver: virStorageVolWipePattern\n"
                .to_owned(),
        ),
    ] {
        assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
    }
    for (verb, call) in [
        ("start", "virStoragePoolCreate"),
        ("destroy", "virStoragePoolDestroy"),
        ("undefine", "virStoragePoolUndefine"),
        ("delete", "virStoragePoolDelete"),
        ("build", "virStoragePoolBuild"),
    ] {
        assert_eq!(
            virsh(&uri, &[&format!("pool-{verb}"), "LocalDS_0"]).failed(),
            format!(
                "error: Failed to {verb} pool LocalDS_0\nerror: this function is not supported \
                 by the connection driver: {call}\n"
            )
        );
    }
}

#[test]
fn volumes_are_created_cloned_resized_wiped_and_deleted() {
    for (model, wire) in [(Model::Esx, WireStyle::Xsi), (Model::Vpx, WireStyle::Vcsim)] {
        let sim = storage_simulator(model, wire);
        let uri = uri(&sim);
        // The volumes with their sizes, one line each (the table's widths vary with names).
        let listing = || {
            virsh(&uri, &["-q", "vol-list", "nfs_0", "--details"])
                .ok()
                .lines()
                .skip(2)
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        };
        let before = listing();

        assert_eq!(
            virsh(
                &uri,
                &[
                    "vol-create-as",
                    "nfs_0",
                    "new/meta.vmdk",
                    "10M",
                    "--prealloc-metadata"
                ]
            )
            .failed(),
            "error: Failed to create vol new/meta.vmdk\nerror: unsupported flags (0x1) in \
             function esxStorageVolCreateXML\n"
        );
        assert_eq!(
            virsh(&uri, &["vol-create-as", "nfs_0", "new/thick.vmdk", "10M"]).ok(),
            "Vol new/thick.vmdk created\n\n"
        );
        assert_eq!(
            virsh(
                &uri,
                &[
                    "vol-create-as",
                    "nfs_0",
                    "new/deeper/thin.vmdk",
                    "1G",
                    "--allocation",
                    "0",
                    "--format",
                    "vmdk"
                ]
            )
            .ok(),
            "Vol new/deeper/thin.vmdk created\n\n"
        );
        let xml = temp_file(
            "<volume><name>fromxml/x.vmdk</name><capacity unit='M'>20</capacity>\
             <allocation>0</allocation><target><format type='vmdk'/></target></volume>",
        );
        let xml_file = xml.path().to_str().unwrap();
        assert_eq!(
            virsh(&uri, &["vol-create", "nfs_0", xml_file]).ok(),
            format!("Vol fromxml/x.vmdk created from {xml_file}\n\n")
        );
        insta::assert_snapshot!(
            "vol_list_after_create",
            virsh(&uri, &["vol-list", "nfs_0", "--details"]).ok()
        );
        insta::assert_snapshot!(
            "vol_dumpxml_thick",
            virsh(&uri, &["vol-dumpxml", "new/thick.vmdk", "--pool", "nfs_0"]).ok()
        );

        assert_eq!(
            virsh(
                &uri,
                &[
                    "vol-clone",
                    "new/thick.vmdk",
                    "copies/thick.vmdk",
                    "--pool",
                    "nfs_0"
                ]
            )
            .ok(),
            "Vol copies/thick.vmdk cloned from new/thick.vmdk\n\n"
        );
        let clone_xml =
            temp_file("<volume><name>copies/from.vmdk</name><capacity>1</capacity></volume>");
        let clone_file = clone_xml.path().to_str().unwrap();
        assert_eq!(
            virsh(
                &uri,
                &[
                    "vol-create-from",
                    "nfs_0",
                    clone_file,
                    "disks/data.vmdk",
                    "--inputpool",
                    "nfs_0"
                ]
            )
            .ok(),
            "Vol copies/from.vmdk created from input vol disks/data.vmdk\n\n"
        );
        let original = virsh(
            &uri,
            &["-q", "vol-key", "disks/data.vmdk", "--pool", "nfs_0"],
        )
        .ok();
        let copy = virsh(
            &uri,
            &["-q", "vol-key", "copies/from.vmdk", "--pool", "nfs_0"],
        )
        .ok();
        assert_ne!(original, copy, "a copy has a UUID of its own");
        insta::assert_snapshot!(
            "vol_info_clone",
            virsh(&uri, &["vol-info", "copies/from.vmdk", "--pool", "nfs_0"]).ok()
        );

        assert_eq!(
            virsh(
                &uri,
                &["vol-resize", "new/thick.vmdk", "20M", "--pool", "nfs_0"]
            )
            .ok(),
            "Size of volume 'new/thick.vmdk' successfully changed to 20M\n\n"
        );
        assert_eq!(
            virsh(
                &uri,
                &[
                    "vol-resize",
                    "new/thick.vmdk",
                    "1M",
                    "--pool",
                    "nfs_0",
                    "--delta"
                ]
            )
            .ok(),
            "Size of volume 'new/thick.vmdk' successfully changed by 1M\n\n"
        );
        assert_eq!(
            virsh(
                &uri,
                &[
                    "-q",
                    "vol-info",
                    "new/thick.vmdk",
                    "--pool",
                    "nfs_0",
                    "--bytes"
                ]
            )
            .ok(),
            format!(
                "Name:           new/thick.vmdk\nType:           file\nCapacity:       {} \
                 bytes\nAllocation:     {} bytes\n",
                21 << 20,
                (21 << 20) + 299
            )
        );
        let err = virsh(
            &uri,
            &["vol-resize", "new/thick.vmdk", "5M", "--pool", "nfs_0"],
        )
        .failed();
        assert!(
            err.starts_with(
                "error: Failed to change size of volume 'new/thick.vmdk' to 5M\nerror: invalid \
                 argument: Can't shrink capacity below current capacity"
            ),
            "{err}"
        );
        assert_eq!(
            virsh(&uri, &["vol-wipe", "new/thick.vmdk", "--pool", "nfs_0"]).ok(),
            "Vol new/thick.vmdk wiped\n\n"
        );
        let err = virsh(&uri, &["vol-wipe", "iso/installer.iso", "--pool", "nfs_0"]).failed();
        assert!(err.contains("not a virtual disk"), "{err}");

        for vol in [
            "new/thick.vmdk",
            "new/deeper/thin.vmdk",
            "fromxml/x.vmdk",
            "copies/thick.vmdk",
            "copies/from.vmdk",
        ] {
            assert_eq!(
                virsh(
                    &uri,
                    &["vol-delete", vol, "--pool", "nfs_0", "--delete-snapshots"]
                )
                .failed(),
                format!(
                    "error: Failed to delete vol {vol}\nerror: unsupported flags (0x2) in \
                     function esxStorageVolDelete\n"
                ),
                "refused as libvirt refuses it, the volume kept"
            );
            assert_eq!(
                virsh(&uri, &["vol-delete", vol, "--pool", "nfs_0"]).ok(),
                format!("Vol {vol} deleted\n\n")
            );
        }
        assert_eq!(
            virsh(&uri, &["vol-delete", "[nfs_0] floppy/drivers.flp"]).ok(),
            "Vol floppy/drivers.flp deleted\n\n"
        );
        let after = listing();
        assert_eq!(
            after,
            before
                .iter()
                .filter(|l| !l.starts_with("floppy/drivers.flp "))
                .cloned()
                .collect::<Vec<_>>(),
            "{model:?}: only the floppy image is gone"
        );
    }
}

#[test]
fn bad_inputs_fail_clearly_and_leave_the_datastore_as_it_was() {
    let sim = storage_simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let state = || {
        let mut s = virsh(&uri, &["-q", "vol-list", "nfs_0", "--details"]).ok();
        s.push_str(&virsh(&uri, &["-q", "vol-list", "LocalDS_0", "--details"]).ok());
        s
    };
    let before = state();
    assert_eq!(
        virsh(&uri, &["vol-create-as", "nfs_0", "fresh/a.vmdk", "10M"]).ok(),
        "Vol fresh/a.vmdk created\n\n"
    );
    let with_a = state();
    for (args, expected) in [
        (
            vec!["vol-create-as", "nfs_0", "fresh/a.vmdk", "10M"],
            "error: Failed to create vol fresh/a.vmdk\nerror: internal error: Could not create \
             volume: FileAlreadyExists - Cannot complete the operation because the file or \
             folder [nfs_0] fresh/a.vmdk already exists\n",
        ),
        (
            vec!["vol-create-as", "nfs_0", "a.vmdk", "10M"],
            "error: Failed to create vol a.vmdk\nerror: internal error: Volume name 'a.vmdk' \
             doesn't have expected format '<directory>/<file>'\n",
        ),
        (
            vec!["vol-create-as", "nfs_0", "../x/a.vmdk", "10M"],
            "error: Failed to create vol ../x/a.vmdk\nerror: invalid argument: Volume name \
             '../x/a.vmdk' must stay inside its pool: empty, '.' and '..' components are not \
             allowed\n",
        ),
        (
            vec!["vol-create-as", "nfs_0", "/x/a.vmdk", "10M"],
            "error: Failed to create vol /x/a.vmdk\nerror: internal error: Volume name \
             '/x/a.vmdk' doesn't have expected format '<directory>/<file>'\n",
        ),
        (
            vec![
                "vol-create-as",
                "nfs_0",
                "x/b.img",
                "10M",
                "--format",
                "raw",
            ],
            "error: Failed to create vol x/b.img\nerror: this function is not supported by the \
             connection driver: Volume name 'x/b.img' has unsupported suffix, expecting '.vmdk'\n",
        ),
        (
            vec![
                "vol-create-as",
                "nfs_0",
                "x/b.vmdk",
                "10M",
                "--format",
                "qcow2",
            ],
            "error: Failed to create vol x/b.vmdk\nerror: this function is not supported by the \
             connection driver: Creation of qcow2 volumes is not supported\n",
        ),
        (
            vec!["vol-create-as", "nfs_0", "x/b.vmdk", "10Q"],
            "error: Malformed size 10Q\nerror: invalid argument: unknown suffix 'Q'\n",
        ),
        (
            vec!["vol-create-as", "nfs_0", "x/b.vmdk", "ten"],
            "error: Malformed size ten\n",
        ),
        (
            vec!["vol-create-as", "nfs_0", "x/b.vmdk", "20000000E"],
            "error: Malformed size 20000000E\nerror: numerical overflow: value too large: \
             20000000E\n",
        ),
        (
            // Thick and larger than the datastore: the host refuses, the new folder goes.
            vec!["vol-create-as", "LocalDS_1", "big/e.vmdk", "600G"],
            "error: Failed to create vol big/e.vmdk\nerror: internal error: Could not create \
             volume: NoDiskSpace - There is not enough space on the file system for the \
             selected operation (LocalDS_1).\n",
        ),
        (
            vec!["vol-create-as", "nope", "x/b.vmdk", "1M"],
            "error: failed to get pool 'nope'\nerror: Storage pool not found: Could not find \
             storage pool with name 'nope'\n",
        ),
    ] {
        assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
    }
    // A failed clone into a new folder removes that folder too.
    let err = virsh(
        &uri,
        &[
            "vol-clone",
            "iso/installer.iso",
            "isocopy/x.vmdk",
            "--pool",
            "nfs_0",
        ],
    )
    .failed();
    assert!(err.contains("only virtual disks"), "{err}");
    assert_eq!(state(), with_a, "failed creates leave nothing behind");
    assert_eq!(
        virsh(
            &uri,
            &["-q", "vol-delete", "fresh/a.vmdk", "--pool", "nfs_0"]
        )
        .ok(),
        "Vol fresh/a.vmdk deleted\n"
    );
    let err = virsh(&uri, &["vol-info", "big/e.vmdk", "--pool", "LocalDS_1"]).failed();
    assert!(err.contains("no storage vol with matching name"), "{err}");
    // The folder `fresh` stays (it is a folder, not a volume): the volumes are as before.
    assert_eq!(state(), before);
}

#[tokio::test]
async fn listings_cost_a_fixed_number_of_soap_calls() {
    let mut options = SimOptions::new(Model::Esx)
        .arg("-storage")
        .arg("-storage-disks")
        .arg("1000");
    options.datastores = Some(49); // and nfs_0: 50 datastores
    let sim = simulator_with(options);
    let sources =
        CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", e2e_common::PASSWORD)]);
    let conn = Connection::open(&uri(&sim), &sources).await.unwrap();
    let client = conn.client();

    let before = client.soap_request_count();
    let pools = conn.storage_pools().await.unwrap();
    let pool_calls = client.soap_request_count() - before;
    assert_eq!(pools.len(), 50);
    assert!(pool_calls <= 2, "pool-list --details: {pool_calls} calls");

    let before = client.soap_request_count();
    let pool = conn.storage_pool_lookup_by_name("nfs_0").await.unwrap();
    let volumes = conn.storage_pool_volumes(&pool).await.unwrap();
    let vol_calls = client.soap_request_count() - before;
    assert_eq!(volumes.len(), 1004);
    assert!(
        volumes
            .iter()
            .filter(|v| v.name.starts_with("many/"))
            .all(|v| v.capacity == 1 << 20),
        "every disk's capacity comes with the search"
    );
    assert!(vol_calls <= 3, "vol-list: {vol_calls} calls");
    eprintln!("pool-list --details (50 datastores): {pool_calls} calls; vol-list (1,004 volumes): {vol_calls} calls");
    conn.close().await.unwrap();
}

/// Records the percentages a `..._with_progress` operation reports, and checks what every
/// such report promises: values only go up, the last one is 100.
fn checked(what: &str, seen: &[u8]) {
    assert_eq!(seen.last(), Some(&100), "{what}: ends at 100, got {seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "{what}: only rising values, got {seen:?}"
    );
}

#[tokio::test]
async fn long_storage_operations_report_the_tasks_progress() {
    // Tasks that run for a while (the simulator's ExtendVirtualDisk reports info.progress in
    // steps over -task-duration); its create, copy and zero-fill tasks finish at once.
    let mut options = SimOptions::new(Model::Esx)
        .arg("-storage")
        .task_duration(std::time::Duration::from_millis(1500));
    options.datastores = Some(2);
    let sim = simulator_with(options);
    let sources =
        CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", e2e_common::PASSWORD)]);
    let conn = Connection::open(&uri(&sim), &sources).await.unwrap();
    let pool = conn.storage_pool_lookup_by_name("nfs_0").await.unwrap();

    let mut seen = Vec::new();
    let def = NewVolume {
        name: "progress/thick.vmdk".to_owned(),
        capacity: 10 << 20,
        allocation: None,
        format: Some("vmdk".to_owned()),
    };
    let disk = conn
        .storage_vol_create_with_progress(&pool, &def, &mut |p| seen.push(p))
        .await
        .unwrap();
    checked("create", &seen);

    let mut seen = Vec::new();
    let copy = conn
        .storage_vol_clone_with_progress(&pool, &disk, "progress/copy.vmdk", &mut |p| seen.push(p))
        .await
        .unwrap();
    checked("clone", &seen);
    assert_eq!(copy.capacity, disk.capacity);

    let mut seen = Vec::new();
    conn.storage_vol_wipe_with_progress(&copy, &WipeAlgorithm::Zero, &mut |p| seen.push(p))
        .await
        .unwrap();
    checked("wipe", &seen);

    let mut seen = Vec::new();
    conn.storage_vol_resize_with_progress(&disk, 20 << 20, false, &mut |p| seen.push(p))
        .await
        .unwrap();
    checked("resize", &seen);
    assert!(
        seen.iter().any(|p| (1..100).contains(p)),
        "a task that runs reports values on the way: {seen:?}"
    );

    // A failed operation never reports completion.
    let mut seen = Vec::new();
    let refused = conn
        .storage_vol_clone_with_progress(&pool, &disk, "progress/copy.vmdk", &mut |p| seen.push(p))
        .await;
    assert!(refused.is_err(), "copying onto an existing disk fails");
    assert!(!seen.contains(&100), "{seen:?}");
    conn.close().await.unwrap();

    // esx-virsh draws its bar only on a terminal: with stderr piped, nothing but the result.
    let uri = uri(&sim);
    for args in [
        &[
            "vol-clone",
            "progress/thick.vmdk",
            "progress/cli.vmdk",
            "--pool",
            "nfs_0",
        ][..],
        &["vol-resize", "progress/cli.vmdk", "30M", "--pool", "nfs_0"],
        &["vol-wipe", "progress/cli.vmdk", "--pool", "nfs_0"],
        &["vol-create-as", "nfs_0", "progress/cli2.vmdk", "10M"],
    ] {
        let run = virsh(&uri, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}: nothing drawn on a pipe");
        assert!(!run.stdout.contains('%'), "{args:?}: {}", run.stdout);
    }
}
