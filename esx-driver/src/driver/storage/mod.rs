//! The storage driver, as libvirt's `esx_storage_driver.c` with its VMFS backend: each datastore
//! the host mounts is a pool (always active, persistent and autostarted; UUID = MD5 of the host's
//! mount path), its virtual disks (`.vmdk`) and ISO and floppy images are the pool's volumes
//! (name `folder/file`, path `[datastore] folder/file`, key = the disk's UUID, else the path).
//!
//! Reading is cheap on purpose: [`Connection::storage_pools`](crate::driver::Connection::storage_pools)
//! is one `RetrievePropertiesEx` for every datastore of the host with everything `pool-list
//! --details` and `pool-dumpxml` print, and a pool's volumes are one `SearchDatastoreSubFolders`
//! task whose result carries each disk's capacity (no call per volume).
//!
//! - [`pool`]: datastores as pools: listing, lookups, refresh.
//! - [`volume`]: volumes: search, lookups by name, path and key, create, clone, delete, wipe, resize.
//! - [`xml`]: libvirt's `<pool>` and `<volume>` documents, written and read.

pub mod pool;
pub mod volume;
pub mod xml;

pub use pool::{PoolKind, PoolState, StoragePool};
pub use volume::{NewVolume, TaskPercent, Volume, VolumeFormat, WipeAlgorithm};
