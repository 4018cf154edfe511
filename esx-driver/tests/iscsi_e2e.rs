//! End-to-end: the iSCSI storage backend of `esx-virsh` against the simulator with a software
//! iSCSI adapter (`-iscsi`: three static targets, two with LUNs) beside its datastores
//! (`-storage`), on both models and both wire styles: the pools and volumes as snapshots
//! (checked by hand against libvirt 11.3's virsh on the same simulator, see the deviations in
//! esx-driver/README.md), lookups every way round, libvirt's refusals, pool-refresh rescanning
//! the adapter, a host without the adapter, and the SOAP calls a listing costs.

mod e2e_common;

use e2e_common::{simulator_with, temp_file, uri, virsh};
use esx_driver::auth::CredentialSources;
use esx_driver::driver::Connection;
use esx_tests::{Model, SimOptions, WireStyle};

const MODELS: [Model; 2] = [Model::Esx, Model::Vpx];
const TARGET0: &str = "iqn.2026-01.org.example.san:storage.target0";
const TARGET1: &str = "iqn.2026-01.org.example.san:storage.target1";
const EMPTY: &str = "iqn.2026-01.org.example.san:storage.empty";

/// A simulator whose hosts have the software iSCSI adapter, and the datastores of `-storage`.
fn iscsi_simulator(model: Model, wire: WireStyle) -> esx_tests::Simulator {
    simulator_with(
        SimOptions::new(model)
            .wire(wire)
            .arg("-storage")
            .arg("-iscsi"),
    )
}

fn model_name(model: Model) -> &'static str {
    match model {
        Model::Esx => "esx",
        Model::Vpx => "vpx",
    }
}

/// The rows of `vol-list POOL` (below its two header lines), their columns joined by a space.
fn volume_rows(uri: &str, pool: &str) -> Vec<String> {
    virsh(uri, &["vol-list", pool])
        .ok()
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The device path of the first LUN of `pool` (the volumes are sorted by name).
fn first_lun(uri: &str, pool: &str) -> String {
    let rows = volume_rows(uri, pool);
    let first = rows
        .first()
        .unwrap_or_else(|| panic!("{pool} has no volume"));
    first.split(' ').next().unwrap_or_default().to_owned()
}

#[test]
fn iscsi_targets_and_luns_read_alike_on_both_models_and_wire_styles() {
    for model in MODELS {
        for wire in WireStyle::ALL {
            let sim = iscsi_simulator(model, wire);
            let uri = uri(&sim);
            let m = model_name(model);
            insta::assert_snapshot!(
                format!("{m}_iscsi_pool_list_details"),
                virsh(&uri, &["pool-list", "--all", "--details"]).ok()
            );
            insta::assert_snapshot!(
                "iscsi_pool_list_type",
                virsh(&uri, &["pool-list", "--type", "iscsi"]).ok()
            );
            insta::assert_snapshot!("iscsi_pool_info", virsh(&uri, &["pool-info", TARGET0]).ok());
            for (name, pool) in [("target0", TARGET0), ("target1", TARGET1)] {
                insta::assert_snapshot!(
                    format!("iscsi_pool_dumpxml_{name}"),
                    virsh(&uri, &["pool-dumpxml", pool]).ok()
                );
                insta::assert_snapshot!(
                    format!("iscsi_vol_list_{name}_details"),
                    virsh(&uri, &["vol-list", pool, "--details"]).ok()
                );
            }
            insta::assert_snapshot!(
                "iscsi_vol_list_target0",
                virsh(&uri, &["vol-list", TARGET0]).ok()
            );
            assert_eq!(
                volume_rows(&uri, EMPTY),
                Vec::<String>::new(),
                "a target without LUNs has no volumes (libvirt fails here)"
            );

            // Pools by name and UUID; the UUID is the MD5 of the IQN.
            let uuid = virsh(&uri, &["-q", "pool-uuid", TARGET1]).ok();
            assert_eq!(uuid, "ba23f7ab-56d7-3e92-e92f-9192342c62ba\n");
            assert_eq!(
                virsh(&uri, &["-q", "pool-name", uuid.trim()]).ok(),
                format!("{TARGET1}\n")
            );

            // Volumes by name in their pool, by path and by key, and back.
            let lun = first_lun(&uri, TARGET0);
            insta::assert_snapshot!(
                "iscsi_vol_dumpxml",
                virsh(&uri, &["vol-dumpxml", &lun, "--pool", TARGET0]).ok()
            );
            insta::assert_snapshot!("iscsi_vol_info", virsh(&uri, &["vol-info", &lun]).ok());
            let key = virsh(&uri, &["-q", "vol-key", &lun, "--pool", TARGET0]).ok();
            let key = key.trim();
            assert_eq!(
                key, "2961bb3f-04c2-6a58-8939-86995945f1d2",
                "MD5 of the LUN UUID"
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-name", key]).ok(),
                format!("{lun}\n")
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-path", key]).ok(),
                format!("{lun}\n")
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-pool", key]).ok(),
                format!("{TARGET0}\n")
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-pool", &lun]).ok(),
                format!("{TARGET0}\n")
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-dumpxml", key]).ok(),
                virsh(&uri, &["-q", "vol-dumpxml", &lun]).ok()
            );
            // The datastores are as they were beside them.
            assert_eq!(
                virsh(&uri, &["-q", "pool-list", "--type", "netfs", "--name"]).ok(),
                "nfs_0\n"
            );
            assert_eq!(
                virsh(&uri, &["-q", "vol-pool", "[nfs_0] disks/data.vmdk"]).ok(),
                "nfs_0\n"
            );
        }
    }
}

#[test]
fn what_iscsi_pools_cannot_do_fails_in_libvirts_words() {
    let sim = iscsi_simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let lun = first_lun(&uri, TARGET0);
    let upload = temp_file("data");
    let upload_file = upload.path().to_str().unwrap();
    let download_file = sim.temp_dir().join("download.img");
    let download_file = download_file.to_str().unwrap();
    let volume_xml = temp_file("<volume><name>x</name><capacity>1</capacity></volume>");
    let volume_file = volume_xml.path().to_str().unwrap();
    let not_supported = "error: this function is not supported by the connection driver:";
    for (args, expected) in [
        (
            vec!["vol-create-as", TARGET0, "x", "10M"],
            format!(
                "error: Failed to create vol x\n{not_supported} iSCSI storage pool does not \
                 support volume creation\n"
            ),
        ),
        (
            vec!["vol-create", TARGET0, volume_file],
            format!(
                "error: Failed to create vol from {volume_file}\n{not_supported} iSCSI storage \
                 pool does not support volume creation\n"
            ),
        ),
        (
            vec!["vol-clone", &lun, "x", "--pool", TARGET0],
            format!(
                "error: Failed to clone vol from {lun}\n{not_supported} iSCSI storage pool does \
                 not support volume creation\n"
            ),
        ),
        (
            vec!["vol-create-from", TARGET0, volume_file, &lun],
            format!(
                "error: Failed to create vol from {volume_file}\n{not_supported} iSCSI storage \
                 pool does not support volume creation\n"
            ),
        ),
        (
            vec!["vol-delete", &lun, "--pool", TARGET0],
            format!(
                "error: Failed to delete vol {lun}\n{not_supported} iSCSI storage pool does not \
                 support volume deletion\n"
            ),
        ),
        (
            vec!["vol-wipe", &lun],
            format!(
                "error: Failed to wipe vol {lun}\n{not_supported} iSCSI storage pool does not \
                 support volume wiping\n"
            ),
        ),
        (
            vec!["vol-resize", &lun, "200G", "--pool", TARGET0],
            format!(
                "error: Failed to change size of volume '{lun}' to 200G\n{not_supported} \
                 virStorageVolResize\n"
            ),
        ),
        (
            vec!["vol-upload", &lun, upload_file, "--pool", TARGET0],
            format!("error: cannot upload to volume {lun}\n{not_supported} virStorageVolUpload\n"),
        ),
        (
            vec!["vol-download", &lun, download_file],
            format!(
                "error: cannot download from volume {lun}\n{not_supported} \
                 virStorageVolDownload\n"
            ),
        ),
        (
            vec!["vol-info", "/vmfs/devices/disks/naa.nope"],
            "error: failed to get vol '/vmfs/devices/disks/naa.nope', specifying --pool might \
             help\nerror: Storage volume not found: No storage volume with key or path \
             '/vmfs/devices/disks/naa.nope'\n"
                .to_owned(),
        ),
        (
            vec!["vol-info", "nope", "--pool", TARGET1],
            format!(
                "error: failed to get vol 'nope'\nerror: Storage volume not found: no storage \
                 vol with matching name 'nope' in pool '{TARGET1}'\n"
            ),
        ),
        (
            // A LUN is looked for in its own target only.
            vec!["vol-info", &lun, "--pool", TARGET1],
            format!(
                "error: failed to get vol '{lun}'\nerror: Storage volume not found: no storage \
                 vol with matching name '{lun}' in pool '{TARGET1}'\n"
            ),
        ),
        (
            vec!["pool-autostart", TARGET0, "--disable"],
            format!(
                "error: failed to unmark pool {TARGET0} as autostarted\nerror: internal error: \
                 Cannot deactivate storage pool autostart\n"
            ),
        ),
    ] {
        assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
    }
    assert!(
        !std::path::Path::new(download_file).exists(),
        "a refused download writes nothing"
    );
    for (verb, call) in [
        ("start", "virStoragePoolCreate"),
        ("destroy", "virStoragePoolDestroy"),
        ("undefine", "virStoragePoolUndefine"),
        ("delete", "virStoragePoolDelete"),
        ("build", "virStoragePoolBuild"),
    ] {
        assert_eq!(
            virsh(&uri, &[&format!("pool-{verb}"), TARGET1]).failed(),
            format!("error: Failed to {verb} pool {TARGET1}\n{not_supported} {call}\n")
        );
    }
    // The LUNs are untouched.
    insta::assert_snapshot!(
        "iscsi_vol_list_target0_details",
        virsh(&uri, &["vol-list", TARGET0, "--details"]).ok()
    );
}

#[test]
fn pool_refresh_rescans_the_adapter_and_shows_new_luns() {
    for (model, wire) in [(Model::Esx, WireStyle::Xsi), (Model::Vpx, WireStyle::Vcsim)] {
        let sim = iscsi_simulator(model, wire);
        let uri = uri(&sim);
        let answer = sim.provision_iscsi_lun(EMPTY, 4 << 30).unwrap();
        let naa = answer
            .split_whitespace()
            .find_map(|w| w.strip_prefix("canonicalName="))
            .unwrap_or_else(|| panic!("unexpected answer: {answer}"))
            .to_owned();
        assert_eq!(
            volume_rows(&uri, EMPTY),
            Vec::<String>::new(),
            "{model:?}: a new LUN stays invisible until the adapter is rescanned"
        );
        assert_eq!(
            virsh(&uri, &["pool-refresh", EMPTY]).ok(),
            format!("Pool {EMPTY} refreshed\n\n")
        );
        let device = format!("/vmfs/devices/disks/{naa}");
        assert_eq!(
            volume_rows(&uri, EMPTY),
            [format!("{device} {device}")],
            "{model:?}"
        );
        assert_eq!(
            virsh(&uri, &["-q", "vol-info", &device, "--bytes"]).ok(),
            format!(
                "Name:           {device}\nType:           block\nCapacity:       4294967296 \
                 bytes\nAllocation:     4294967296 bytes\n"
            )
        );
        assert_eq!(
            virsh(&uri, &["-q", "vol-pool", &device]).ok(),
            format!("{EMPTY}\n")
        );
    }
}

#[test]
fn a_host_without_the_adapter_has_no_iscsi_pools() {
    for model in MODELS {
        let sim = simulator_with(SimOptions::new(model).arg("-storage"));
        let uri = uri(&sim);
        assert_eq!(
            virsh(&uri, &["-q", "pool-list", "--type", "iscsi", "--name"]).ok(),
            ""
        );
        let names = virsh(&uri, &["-q", "pool-list", "--name"]).ok();
        assert!(!names.contains("iqn."), "{model:?}: {names}");
        assert_eq!(
            virsh(&uri, &["pool-info", TARGET0]).failed(),
            format!(
                "error: failed to get pool '{TARGET0}'\nerror: Storage pool not found: Could \
                 not find storage pool with name '{TARGET0}'\n"
            )
        );
        let err = virsh(&uri, &["vol-info", "/vmfs/devices/disks/naa.x"]).failed();
        assert!(err.contains("No storage volume with key or path"), "{err}");
    }
}

#[tokio::test]
async fn listings_with_both_backends_cost_one_soap_call() {
    let mut options = SimOptions::new(Model::Esx).arg("-storage").arg("-iscsi");
    options.datastores = Some(49); // and nfs_0: 50 datastores
    let sim = simulator_with(options);
    let sources =
        CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", e2e_common::PASSWORD)]);
    let conn = Connection::open(&uri(&sim), &sources).await.unwrap();
    let client = conn.client();

    let before = client.soap_request_count();
    let pools = conn.storage_pools().await.unwrap();
    let pool_calls = client.soap_request_count() - before;
    assert_eq!(pools.len(), 53, "50 datastores and 3 iSCSI targets");
    assert!(pool_calls <= 2, "pool-list --details: {pool_calls} calls");

    let before = client.soap_request_count();
    let pool = conn.storage_pool_lookup_by_name(TARGET0).await.unwrap();
    let volumes = conn.storage_pool_volumes(&pool).await.unwrap();
    let vol_calls = client.soap_request_count() - before;
    assert_eq!(volumes.len(), 2);
    assert!(
        vol_calls <= 2,
        "vol-list of an iSCSI pool: {vol_calls} calls"
    );
    eprintln!(
        "pool-list --details (50 datastores, 3 iSCSI targets): {pool_calls} call(s); vol-list \
         of an iSCSI target: {vol_calls} call(s)"
    );
    conn.close().await.unwrap();
}
