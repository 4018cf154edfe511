//! The storage driver, as libvirt's `esx_storage_driver.c` with its VMFS and iSCSI backends:
//! each datastore the host mounts is a pool (always active, persistent and autostarted; UUID =
//! MD5 of the host's mount path), its virtual disks (`.vmdk`) and ISO and floppy images are the
//! pool's volumes (name `folder/file`, path `[datastore] folder/file`, key = the disk's UUID,
//! else the path). Each static target of the host's software iSCSI adapter is a read-only pool
//! too (name = IQN), whose LUNs are its volumes.
//!
//! Reading is cheap on purpose: [`Connection::storage_pools`](crate::driver::Connection::storage_pools)
//! is one `RetrievePropertiesEx` for every datastore of the host and its storage devices, with
//! everything `pool-list --details` and `pool-dumpxml` print; a datastore's volumes are one
//! `SearchDatastoreSubFolders` task whose result carries each disk's capacity (no call per
//! volume), an iSCSI target's LUNs come with that same retrieval.
//!
//! - [`pool`]: datastores and iSCSI targets as pools: listing, lookups, refresh.
//! - [`iscsi`]: the iSCSI backend: the software adapter's targets and their LUNs.
//! - [`volume`]: volumes: search, lookups by name, path and key, create, clone, delete, wipe, resize.
//! - [`xml`]: libvirt's `<pool>` and `<volume>` documents, written and read.

pub mod iscsi;
pub mod pool;
pub mod volume;
pub mod xml;

pub use iscsi::IscsiTarget;
pub use pool::{PoolKind, PoolState, StoragePool};
pub use volume::{LunDevice, NewVolume, TaskPercent, Volume, VolumeFormat, WipeAlgorithm};
