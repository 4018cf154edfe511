//! The iSCSI backend, as libvirt's `esx_storage_backend_iscsi.c`: each configured static target
//! of the host's software iSCSI adapter is a read-only pool (name = IQN, UUID = MD5 of the IQN)
//! and the LUNs the target presents are its volumes (name and path = the device path, key = the
//! MD5 of the LUN's UUID, capacity = blocks x block size, raw block devices).
//!
//! Pure: [`IscsiDevices::of`] reads the host's `config.storageDevice` (fetched with the
//! datastores, see [`Connection::storage_pools`](crate::driver::Connection::storage_pools)), so
//! that listing a target's LUNs costs no call of its own. The pool and volume modules turn its
//! targets and LUNs into pools and volumes.

use esx_vi::types::{
    AnyHostHostBusAdapter, AnyHostTargetTransport, AnyScsiLun, HostStorageDeviceInfo,
    ManagedObjectReference,
};

use crate::domain::Uuid;

/// libvirt's target path of an iSCSI pool: where a Linux host finds the LUNs.
pub const ISCSI_TARGET_PATH: &str = "/dev/disk/by-path";

/// A static target of the software iSCSI adapter: what an iSCSI pool is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IscsiTarget {
    /// The target's portal address (host name or IP).
    pub address: String,
    /// The portal's TCP port, when the host reports one (3260 by default).
    pub port: Option<i32>,
    /// The target's IQN: the pool's name.
    pub iqn: String,
    /// The adapter's device name (`vmhba65`), which `RescanHba` takes.
    pub adapter: String,
    /// The host's HostStorageSystem, which rescans adapters.
    pub storage_system: Option<ManagedObjectReference>,
}

/// One LUN a target presents to the host: an iSCSI volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IscsiLun {
    /// The device's name (`/vmfs/devices/disks/naa...`): the volume's name.
    pub device_name: String,
    /// The device's path: the volume's path.
    pub device_path: String,
    /// MD5 of the LUN's UUID, formatted as a UUID: the volume's key.
    pub key: Uuid,
    /// Bytes: blocks x block size.
    pub capacity: u64,
    /// The IQN of the target presenting it: the volume's pool.
    pub target: String,
}

/// The host's software iSCSI adapter: its static targets and the LUNs they present. Empty when
/// the host has no such adapter (not an error: the adapter may simply be disabled).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IscsiDevices {
    /// The configured static targets, in the adapter's order.
    pub targets: Vec<IscsiTarget>,
    /// The LUNs of those targets, sorted by device name.
    pub luns: Vec<IscsiLun>,
}

/// The MD5 digest of `text` as a UUID, libvirt's key for an iSCSI name or a LUN's UUID.
pub fn md5_uuid(text: &str) -> Uuid {
    use md5::{Digest, Md5};
    Uuid(Md5::digest(text.as_bytes()).into())
}

impl IscsiDevices {
    /// Reads the software iSCSI adapter of `info` (libvirt looks at the software adapter only),
    /// and maps each LUN to its target through the SCSI topology: the adapter's topology entry
    /// lists, per target (named by its transport's IQN), the keys of the LUNs it presents.
    pub fn of(
        info: &HostStorageDeviceInfo,
        storage_system: Option<ManagedObjectReference>,
    ) -> IscsiDevices {
        let Some(hba) = info.host_bus_adapter.iter().find_map(|a| match a {
            AnyHostHostBusAdapter::HostInternetScsiHba(hba) if hba.is_software_based => Some(hba),
            _ => None,
        }) else {
            return IscsiDevices::default();
        };
        let targets: Vec<IscsiTarget> = hba
            .configured_static_target
            .iter()
            .map(|t| IscsiTarget {
                address: t.address.clone(),
                port: t.port,
                iqn: t.iscsi_name.clone(),
                adapter: hba.device.clone(),
                storage_system: storage_system.clone(),
            })
            .collect();
        // (ScsiLun key, target IQN) for every LUN under the adapter in the topology.
        let hba_key = hba.key.as_deref();
        let mut presented: Vec<(&str, &str)> = Vec::new();
        for interface in info.scsi_topology.iter().flat_map(|t| &t.adapter) {
            if Some(interface.adapter.as_str()) != hba_key && interface.adapter != hba.device {
                continue;
            }
            for target in &interface.target {
                let Some(AnyHostTargetTransport::HostInternetScsiTargetTransport(transport)) =
                    &target.transport
                else {
                    continue;
                };
                if !targets.iter().any(|t| t.iqn == transport.iscsi_name) {
                    continue;
                }
                for lun in &target.lun {
                    presented.push((lun.scsi_lun.as_str(), transport.iscsi_name.as_str()));
                }
            }
        }
        let mut luns: Vec<IscsiLun> = info
            .scsi_lun
            .iter()
            .filter_map(|lun| match lun {
                AnyScsiLun::HostScsiDisk(disk) => {
                    let key = disk.key.as_deref()?;
                    let (_, target) = presented.iter().find(|(k, _)| *k == key)?;
                    let capacity = (disk.capacity.block.max(0) as u64)
                        .saturating_mul(disk.capacity.block_size.max(0) as u64);
                    Some(IscsiLun {
                        device_name: disk.device_name.clone(),
                        device_path: disk.device_path.clone(),
                        key: md5_uuid(&disk.uuid),
                        capacity,
                        target: (*target).to_owned(),
                    })
                }
                _ => None,
            })
            .collect();
        luns.sort_by(|a, b| a.device_name.cmp(&b.device_name));
        IscsiDevices { targets, luns }
    }

    /// The LUNs of the target `iqn`, sorted by device name.
    pub fn luns_of<'a>(&'a self, iqn: &'a str) -> impl Iterator<Item = &'a IscsiLun> + 'a {
        self.luns.iter().filter(move |lun| lun.target == iqn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esx_vi::types::{
        HostDiskDimensionsLba, HostInternetScsiHba, HostInternetScsiHbaStaticTarget,
        HostInternetScsiTargetTransport, HostParallelScsiHba, HostScsiDisk, HostScsiTopology,
        HostScsiTopologyInterface, HostScsiTopologyLun, HostScsiTopologyTarget,
    };

    fn disk(uuid: &str, blocks: i64, block_size: i32) -> AnyScsiLun {
        AnyScsiLun::from(HostScsiDisk {
            device_name: format!("/vmfs/devices/disks/naa.{uuid}"),
            device_path: format!("/vmfs/devices/disks/naa.{uuid}"),
            key: Some(format!("key-vim.host.ScsiDisk-{uuid}")),
            uuid: uuid.to_owned(),
            capacity: HostDiskDimensionsLba {
                block_size,
                block: blocks,
            },
            ..HostScsiDisk::default()
        })
    }

    fn devices() -> HostStorageDeviceInfo {
        let target = |iqn: &str, port| HostInternetScsiHbaStaticTarget {
            address: "192.0.2.1".into(),
            port,
            iscsi_name: iqn.into(),
            ..HostInternetScsiHbaStaticTarget::default()
        };
        let topology_target = |n, iqn: &str, luns: &[&str]| HostScsiTopologyTarget {
            key: format!("t{n}"),
            target: n,
            lun: luns
                .iter()
                .enumerate()
                .map(|(i, uuid)| HostScsiTopologyLun {
                    key: format!("l{i}"),
                    lun: i as i32,
                    scsi_lun: format!("key-vim.host.ScsiDisk-{uuid}"),
                })
                .collect(),
            transport: Some(AnyHostTargetTransport::from(
                HostInternetScsiTargetTransport {
                    iscsi_name: iqn.into(),
                    ..HostInternetScsiTargetTransport::default()
                },
            )),
        };
        HostStorageDeviceInfo {
            host_bus_adapter: vec![
                AnyHostHostBusAdapter::from(HostParallelScsiHba {
                    device: "vmhba0".into(),
                    ..HostParallelScsiHba::default()
                }),
                AnyHostHostBusAdapter::from(HostInternetScsiHba {
                    key: Some("key-vmhba65".into()),
                    device: "vmhba65".into(),
                    is_software_based: true,
                    configured_static_target: vec![
                        target("iqn.a", Some(3260)),
                        target("iqn.b", None),
                        target("iqn.empty", Some(3260)),
                    ],
                    ..HostInternetScsiHba::default()
                }),
            ],
            // A local disk the topology puts under another adapter: no iSCSI volume.
            scsi_lun: vec![
                disk("b0", 8, 4096),
                disk("a1", 2048, 512),
                disk("a0", 4, 512),
                disk("local", 1, 512),
            ],
            scsi_topology: Some(HostScsiTopology {
                adapter: vec![
                    HostScsiTopologyInterface {
                        key: "i0".into(),
                        adapter: "key-vmhba0".into(),
                        target: vec![topology_target(0, "iqn.a", &["local"])],
                    },
                    HostScsiTopologyInterface {
                        key: "i65".into(),
                        adapter: "key-vmhba65".into(),
                        target: vec![
                            topology_target(0, "iqn.a", &["a0", "a1"]),
                            topology_target(1, "iqn.b", &["b0"]),
                        ],
                    },
                ],
            }),
            ..HostStorageDeviceInfo::default()
        }
    }

    #[test]
    fn the_static_targets_of_the_software_adapter_are_read_in_order() {
        let storage_system = ManagedObjectReference::new("HostStorageSystem", "ss-1");
        let iscsi = IscsiDevices::of(&devices(), Some(storage_system.clone()));
        let names: Vec<&str> = iscsi.targets.iter().map(|t| t.iqn.as_str()).collect();
        assert_eq!(names, ["iqn.a", "iqn.b", "iqn.empty"]);
        assert_eq!(iscsi.targets[0].port, Some(3260));
        assert_eq!(iscsi.targets[1].port, None);
        assert_eq!(iscsi.targets[0].adapter, "vmhba65");
        assert_eq!(iscsi.targets[0].storage_system, Some(storage_system));
        // md5("iqn.a") and md5(""), computed independently.
        assert_eq!(
            md5_uuid("iqn.a").to_string(),
            "bc7132d6-d69b-6fba-d49b-5a6c7d03a183"
        );
        assert_eq!(
            md5_uuid("").to_string(),
            "d41d8cd9-8f00-b204-e980-0998ecf8427e"
        );
    }

    #[test]
    fn luns_belong_to_the_target_the_topology_puts_them_under() {
        let iscsi = IscsiDevices::of(&devices(), None);
        let a: Vec<(&str, u64)> = iscsi
            .luns_of("iqn.a")
            .map(|lun| (lun.device_name.as_str(), lun.capacity))
            .collect();
        assert_eq!(
            a,
            [
                ("/vmfs/devices/disks/naa.a0", 4 * 512),
                ("/vmfs/devices/disks/naa.a1", 2048 * 512)
            ]
        );
        let b: Vec<&IscsiLun> = iscsi.luns_of("iqn.b").collect();
        assert_eq!(b[0].capacity, 8 * 4096);
        assert_eq!(b[0].key, md5_uuid("b0"));
        assert_eq!(b[0].device_path, "/vmfs/devices/disks/naa.b0");
        assert_eq!(iscsi.luns_of("iqn.empty").count(), 0);
        assert_eq!(iscsi.luns.len(), 3, "the local disk is no iSCSI LUN");
    }

    #[test]
    fn no_software_adapter_means_no_pools() {
        let mut info = devices();
        info.host_bus_adapter.remove(1);
        assert_eq!(IscsiDevices::of(&info, None), IscsiDevices::default());
        assert_eq!(
            IscsiDevices::of(&HostStorageDeviceInfo::default(), None),
            IscsiDevices::default()
        );
    }
}
