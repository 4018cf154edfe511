//! The hypervisor driver: a [`Connection`] to an ESX host or to a host under vCenter, and the
//! drivers libvirt's ESX driver is made of, each a module of its own over that connection (as
//! libvirt's `esx_driver.c`, `esx_storage_driver.c`, `esx_network_driver.c` and
//! `esx_interface_driver.c` share one `esxPrivate`). `esx-virsh` is a thin layer over this API.
//!
//! - [`connection`]: [`Connection::open`] (URI -> credentials -> client -> host context).
//! - [`domain`]: the domain driver: listing, lookups, lifecycle, configuration, tuning, snapshots.
//! - [`host`]: nodeinfo, capabilities, hostname, version, free memory, migration.
//! - [`network`]: the network driver: standard vSwitches as networks, their port groups.
//! - [`interface`]: the interface driver: physical NICs as interfaces.
//! - [`storage`]: the storage driver: datastores as pools, disks and images as volumes.
//! - [`error`]: errors in libvirt's words.

pub mod connection;
pub mod domain;
pub mod error;
pub mod host;
pub mod interface;
pub mod network;
pub mod storage;

pub use connection::{Connection, Timeouts, VCenterLink};
pub use domain::{
    id_of_moref, BlockInfo, DatastoreMount, Defined, DomainInfo, DomainRef, DomainState,
    GuestInterface, ListFilter, LiveContext, MemoryStats, SchedulerParams, SchedulerUpdate,
    Snapshot, SnapshotList, SnapshotOptions,
};
pub use error::{DomainKey, Error, Report, Result, Vanished};
pub use host::{HypervisorVersion, NodeInfo};
pub use interface::{looks_like_mac, HostInterfaces, InterfaceEntry};
pub use network::{HostNetworks, NetworkEntry, NetworkKind, PortGroupUpdate};
pub use storage::{PoolKind, PoolState, StoragePool, Volume, VolumeFormat};
