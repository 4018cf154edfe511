//! Datastores as storage pools: one retrieval of the host's datastores, and what pool-list,
//! pool-info, pool-dumpxml, pool-uuid and pool-name read from it; pool-refresh.

use esx_vi::types::{methods, AnyDatastoreInfo, DatastoreProperties, ManagedObjectReference};

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

/// One datastore as a pool, with everything the pool commands print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePool {
    /// The datastore's name.
    pub name: String,
    /// The MD5 digest of the host's mount path for the datastore, as libvirt computes it.
    pub uuid: Uuid,
    /// What backs it.
    pub kind: PoolKind,
    /// Whether the datastore is accessible.
    pub state: PoolState,
    /// Size in bytes.
    pub capacity: u64,
    /// Free bytes.
    pub available: u64,
    /// Where the host mounts it (`/vmfs/volumes/...`): the pool's target path.
    pub mount_path: String,
    /// The datastore.
    pub datastore: ManagedObjectReference,
    /// Its browser (for searches), if the server named one.
    pub browser: Option<ManagedObjectReference>,
}

impl StoragePool {
    /// Used bytes: capacity - free, as libvirt reports a datastore's allocation.
    pub fn allocation(&self) -> u64 {
        self.capacity.saturating_sub(self.available)
    }

    /// Whether libvirt counts it as active: datastores always are.
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
        let kind = match &props.info {
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
            datastore,
            browser: props.browser,
        })
    }
}

/// libvirt's pool UUID: the MD5 digest of the mount path.
pub fn pool_uuid(mount_path: &str) -> Uuid {
    use md5::{Digest, Md5};
    Uuid(Md5::digest(mount_path.as_bytes()).into())
}

impl Connection {
    /// Every datastore the host mounts, as pools sorted by name, in one `RetrievePropertiesEx`
    /// (each datastore's summary, info, mounts and browser).
    pub async fn storage_pools(&self) -> Result<Vec<StoragePool>> {
        let host = self.host_context().host.clone();
        let datastores: Vec<DatastoreProperties> = self
            .client()
            .list_linked(&host, "datastore", &["summary", "info", "host", "browser"])
            .await?;
        let mut pools = datastores
            .into_iter()
            .map(|props| StoragePool::from_properties(props, &host))
            .collect::<Result<Vec<_>>>()?;
        pools.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(pools)
    }

    /// The pool (datastore) called `name`, as libvirt's `virStoragePoolLookupByName`.
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

    /// Makes the host re-read the datastore's free space and files (`RefreshDatastore`).
    pub async fn storage_pool_refresh(&self, pool: &StoragePool) -> Result<()> {
        methods::refresh_datastore(self.client(), &pool.datastore)
            .await
            .map_err(|e| esx_vi::Error::from_method("RefreshDatastore", e))
            .map_err(Error::server(format!(
                "Could not refresh storage pool '{}'",
                pool.name
            )))
    }

    /// Datastores always start with the host: enabling autostart is a no-op, disabling it is
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
