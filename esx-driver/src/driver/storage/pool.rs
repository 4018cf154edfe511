//! Storage pools: the host's datastores and the static targets of its software iSCSI adapter,
//! both from one retrieval (the host's storage devices and its datastores), and what pool-list,
//! pool-info, pool-dumpxml, pool-uuid and pool-name read from it; pool-refresh.

use esx_vi::inventory::traversal::{collect, walk_filter, Step};
use esx_vi::types::{
    methods, AnyDatastoreInfo, AnyValue, DatastoreProperties, HostSystemProperties,
    ManagedObjectReference,
};

use super::iscsi::{md5_uuid, IscsiDevices, IscsiTarget, ISCSI_TARGET_PATH};
use crate::domain::Uuid;
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

/// What kind of datastore backs a pool, as libvirt names it in `<pool type=...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolKind {
    /// A VMFS volume: `fs` with format `vmfs`.
    Vmfs,
    /// A local directory datastore (hosted products, the simulator's datastores): `dir`.
    Local,
    /// An NFS or CIFS share: `netfs` with its host and directory.
    Nas {
        /// The file server.
        host: String,
        /// The exported directory.
        dir: String,
        /// `nfs` (NFS 3 and 4.1) or `cifs`.
        format: String,
    },
    /// A static target of the host's software iSCSI adapter (read-only): `iscsi`.
    Iscsi(IscsiTarget),
    /// A datastore type libvirt has no pool type for (vSAN, vVol): listed, not described.
    Other(String),
}

impl PoolKind {
    /// libvirt's pool type name (`virsh pool-list --type` and `<pool type=...>`).
    pub fn type_name(&self) -> &str {
        match self {
            PoolKind::Vmfs => "fs",
            PoolKind::Local => "dir",
            PoolKind::Nas { .. } => "netfs",
            PoolKind::Iscsi(_) => "iscsi",
            PoolKind::Other(_) => "other",
        }
    }
}

/// libvirt's pool states that a datastore can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolState {
    /// Accessible: `running`.
    Running,
    /// Mounted but not accessible (an NFS server away): `inaccessible`.
    Inaccessible,
}

impl std::fmt::Display for PoolState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PoolState::Running => "running",
            PoolState::Inaccessible => "inaccessible",
        })
    }
}

/// One datastore or iSCSI target as a pool, with everything the pool commands print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePool {
    /// The datastore's name, or the iSCSI target's IQN.
    pub name: String,
    /// The MD5 digest of the host's mount path for the datastore (of the IQN for an iSCSI
    /// target), as libvirt computes it.
    pub uuid: Uuid,
    /// What backs it.
    pub kind: PoolKind,
    /// Whether the datastore is accessible (iSCSI targets always count as running).
    pub state: PoolState,
    /// Size in bytes (0 for an iSCSI target, as libvirt reports it).
    pub capacity: u64,
    /// Free bytes (0 for an iSCSI target).
    pub available: u64,
    /// The pool's target path: where the host mounts the datastore (`/vmfs/volumes/...`);
    /// `/dev/disk/by-path` for an iSCSI target.
    pub mount_path: String,
    /// The datastore; `None` for an iSCSI target.
    pub datastore: Option<ManagedObjectReference>,
    /// Its browser (for searches), if the server named one.
    pub browser: Option<ManagedObjectReference>,
}

impl StoragePool {
    /// Used bytes: capacity - free, as libvirt reports a datastore's allocation.
    pub fn allocation(&self) -> u64 {
        self.capacity.saturating_sub(self.available)
    }

    /// The iSCSI target behind the pool; `None` for a datastore.
    pub fn iscsi_target(&self) -> Option<&IscsiTarget> {
        match &self.kind {
            PoolKind::Iscsi(target) => Some(target),
            _ => None,
        }
    }

    /// Whether libvirt counts it as active: datastores and iSCSI targets always are.
    pub fn is_active(&self) -> bool {
        true
    }

    /// Whether it is persistent: datastores always are.
    pub fn is_persistent(&self) -> bool {
        true
    }

    /// Whether it starts with the host: datastores always do.
    pub fn is_autostart(&self) -> bool {
        true
    }

    /// An iSCSI target as a pool: always running, no sizes (libvirt reports 0 for all three),
    /// UUID = MD5 of the IQN.
    pub fn of_iscsi_target(target: &IscsiTarget) -> StoragePool {
        StoragePool {
            name: target.iqn.clone(),
            uuid: md5_uuid(&target.iqn),
            kind: PoolKind::Iscsi(target.clone()),
            state: PoolState::Running,
            capacity: 0,
            available: 0,
            mount_path: ISCSI_TARGET_PATH.to_owned(),
            datastore: None,
            browser: None,
        }
    }

    /// Builds a pool from a datastore's properties, as seen from `host`.
    fn from_properties(
        props: DatastoreProperties,
        host: &ManagedObjectReference,
    ) -> Result<StoragePool> {
        let datastore = match &props.obj {
            Some(obj) => obj.as_reference().clone(),
            None => {
                return Err(Error::Internal(
                    "a datastore came without its reference".into(),
                ))
            }
        };
        let summary = props.summary.ok_or_else(|| {
            Error::Internal(format!("datastore {} has no summary", datastore.value))
        })?;
        // libvirt's UUID source is the host's mount path; a server that leaves it out (vcsim)
        // gets the datastore URL instead, which is as stable (libvirt crashes there).
        let mount_path = props
            .host
            .iter()
            .flatten()
            .find(|m| &m.key == host)
            .and_then(|m| m.mount_info.path.clone())
            .unwrap_or_else(|| summary.url.clone());
        let kind = match props.info.as_deref() {
            Some(AnyDatastoreInfo::VmfsDatastoreInfo(_)) => PoolKind::Vmfs,
            Some(AnyDatastoreInfo::LocalDatastoreInfo(_)) => PoolKind::Local,
            Some(AnyDatastoreInfo::NasDatastoreInfo(nas)) => match &nas.nas {
                Some(volume) => PoolKind::Nas {
                    host: volume.remote_host.clone(),
                    dir: volume.remote_path.clone(),
                    format: if volume.r#type.eq_ignore_ascii_case("CIFS") {
                        "cifs".to_owned()
                    } else {
                        "nfs".to_owned()
                    },
                },
                None => PoolKind::Other(summary.r#type.clone()),
            },
            _ => PoolKind::Other(summary.r#type.clone()),
        };
        let state = if summary.accessible {
            PoolState::Running
        } else {
            PoolState::Inaccessible
        };
        let (capacity, available) = match state {
            PoolState::Running => (
                summary.capacity.max(0) as u64,
                summary.free_space.max(0) as u64,
            ),
            PoolState::Inaccessible => (0, 0),
        };
        Ok(StoragePool {
            name: summary.name.clone(),
            uuid: pool_uuid(&mount_path),
            kind,
            state,
            capacity,
            available,
            mount_path,
            datastore: Some(datastore),
            browser: props.browser,
        })
    }
}

/// libvirt's pool UUID: the MD5 digest of the mount path.
pub fn pool_uuid(mount_path: &str) -> Uuid {
    use md5::{Digest, Md5};
    Uuid(Md5::digest(mount_path.as_bytes()).into())
}

/// What the pool and volume commands read of a host: its datastores (as pools) and its iSCSI
/// devices (the targets, also pools, and their LUNs), from one retrieval.
#[derive(Debug, Clone)]
pub(crate) struct StorageInventory {
    /// Every pool, sorted by name as virsh sorts them: datastores and iSCSI targets together.
    pub(crate) pools: Vec<StoragePool>,
    /// The host's software iSCSI adapter with its LUNs; empty when it has none.
    pub(crate) iscsi: IscsiDevices,
}

/// What one storage retrieval asks of the host itself: its storage devices as a whole (vcsim
/// writes no `xsi:type` on the items of a list property such as
/// `config.storageDevice.hostBusAdapter`, so the adapters are read inside their parent), and
/// the HostStorageSystem that rescans them.
const HOST_STORAGE_PROPERTIES: [&str; 2] = ["config.storageDevice", "configManager.storageSystem"];

/// What it asks of each datastore.
const DATASTORE_PROPERTIES: [&str; 4] = ["summary", "info", "host", "browser"];

impl Connection {
    /// The host's datastores and iSCSI devices in one `RetrievePropertiesEx`: it starts at the
    /// host (collected for its storage devices) and follows `HostSystem.datastore` (each
    /// datastore's summary, info, mounts and browser).
    pub(crate) async fn storage_inventory(&self) -> Result<StorageInventory> {
        let host = self.host_context().host.clone();
        let filter = walk_filter(
            &host,
            false,
            vec![Step::to("HostSystem", "datastore")],
            vec![
                collect("Datastore", &DATASTORE_PROPERTIES),
                collect("HostSystem", &HOST_STORAGE_PROPERTIES),
            ],
        );
        let contents = self.client().retrieve(&[filter]).await?;
        let decode = |source| {
            Error::from(esx_vi::Error::Decode {
                method: "RetrievePropertiesEx",
                source,
            })
        };
        let mut pools = Vec::new();
        let mut iscsi = IscsiDevices::default();
        for content in contents {
            match content.obj.r#type.as_str() {
                "Datastore" => {
                    let props = DatastoreProperties::try_from(content).map_err(decode)?;
                    pools.push(StoragePool::from_properties(props, &host)?);
                }
                "HostSystem" if content.obj == host => {
                    let props = HostSystemProperties::try_from(content).map_err(decode)?;
                    let storage_system = match props.path("configManager.storageSystem") {
                        Some(AnyValue::ManagedObjectReference(r)) => Some(r.clone()),
                        _ => None,
                    };
                    if let Some(AnyValue::HostStorageDeviceInfo(info)) =
                        props.path("config.storageDevice")
                    {
                        iscsi = IscsiDevices::of(info, storage_system);
                    }
                }
                _ => {}
            }
        }
        pools.extend(iscsi.targets.iter().map(StoragePool::of_iscsi_target));
        pools.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(StorageInventory { pools, iscsi })
    }

    /// Every pool, sorted by name: each datastore the host mounts and each static target of its
    /// software iSCSI adapter (none without one), in one `RetrievePropertiesEx`.
    pub async fn storage_pools(&self) -> Result<Vec<StoragePool>> {
        Ok(self.storage_inventory().await?.pools)
    }

    /// The pool (datastore or iSCSI target) called `name`, as libvirt's
    /// `virStoragePoolLookupByName`.
    pub async fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePool> {
        find_by_name(self.storage_pools().await?, name)
    }

    /// The pool with `uuid`, as libvirt's `virStoragePoolLookupByUUID`.
    pub async fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<StoragePool> {
        self.storage_pools()
            .await?
            .into_iter()
            .find(|p| &p.uuid == uuid)
            .ok_or_else(|| {
                Error::NoStoragePool(format!("Could not find storage pool with uuid '{uuid}'"))
            })
    }

    /// The pool `text` names: a UUID if it reads as one and a pool has it, else a name (as
    /// virsh tries both).
    pub async fn storage_pool_lookup(&self, text: &str) -> Result<StoragePool> {
        let pools = self.storage_pools().await?;
        if let Ok(uuid) = text.parse::<Uuid>() {
            if let Some(pool) = pools.iter().find(|p| p.uuid == uuid) {
                return Ok(pool.clone());
            }
        }
        find_by_name(pools, text)
    }

    /// Makes the host re-read the datastore's free space and files (`RefreshDatastore`); for an
    /// iSCSI target, rescans the adapter (`RescanHba`: ESX cannot rescan one target alone).
    pub async fn storage_pool_refresh(&self, pool: &StoragePool) -> Result<()> {
        let failed = || format!("Could not refresh storage pool '{}'", pool.name);
        if let PoolKind::Iscsi(target) = &pool.kind {
            let storage_system = target.storage_system.as_ref().ok_or_else(|| {
                Error::Internal(format!(
                    "{}: the host names no storage system to rescan its iSCSI adapter with",
                    failed()
                ))
            })?;
            return methods::rescan_hba(self.client(), storage_system, &target.adapter)
                .await
                .map_err(|e| esx_vi::Error::from_method("RescanHba", e))
                .map_err(Error::server(failed()));
        }
        let datastore = pool
            .datastore
            .as_ref()
            .ok_or_else(|| Error::Internal(format!("{}: no datastore", failed())))?;
        methods::refresh_datastore(self.client(), datastore)
            .await
            .map_err(|e| esx_vi::Error::from_method("RefreshDatastore", e))
            .map_err(Error::server(failed()))
    }

    /// Datastores and iSCSI targets always start with the host: enabling autostart is a no-op, disabling it is
    /// libvirt's error.
    pub fn set_storage_pool_autostart(&self, _pool: &StoragePool, autostart: bool) -> Result<()> {
        if autostart {
            Ok(())
        } else {
            Err(Error::Internal(
                "Cannot deactivate storage pool autostart".into(),
            ))
        }
    }
}

fn find_by_name(pools: Vec<StoragePool>, name: &str) -> Result<StoragePool> {
    pools.into_iter().find(|p| p.name == name).ok_or_else(|| {
        Error::NoStoragePool(format!("Could not find storage pool with name '{name}'"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iscsi_target_is_a_running_pool_without_sizes() {
        let pool = StoragePool::of_iscsi_target(&IscsiTarget {
            address: "192.0.2.1".into(),
            port: None,
            iqn: "iqn.a".into(),
            adapter: "vmhba65".into(),
            storage_system: None,
        });
        assert_eq!(pool.name, "iqn.a");
        // md5("iqn.a"), computed independently.
        assert_eq!(
            pool.uuid.to_string(),
            "bc7132d6-d69b-6fba-d49b-5a6c7d03a183"
        );
        assert_eq!(pool.kind.type_name(), "iscsi");
        assert_eq!(pool.state, PoolState::Running);
        assert_eq!(
            (pool.capacity, pool.allocation(), pool.available),
            (0, 0, 0)
        );
        assert_eq!(pool.mount_path, "/dev/disk/by-path");
        assert_eq!(
            pool.iscsi_target().map(|t| t.adapter.as_str()),
            Some("vmhba65")
        );
    }

    #[test]
    fn the_uuid_is_the_md5_of_the_mount_path() {
        // md5("/vmfs/volumes/datastore1"), computed independently.
        assert_eq!(pool_uuid("/vmfs/volumes/datastore1").to_string().len(), 36);
        assert_ne!(pool_uuid("/vmfs/volumes/a"), pool_uuid("/vmfs/volumes/b"));
        assert_eq!(
            pool_uuid("").to_string(),
            "d41d8cd9-8f00-b204-e980-0998ecf8427e"
        );
    }
}
