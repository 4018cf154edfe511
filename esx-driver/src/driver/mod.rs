//! The hypervisor driver: a [`Connection`] to an ESX host or to a host under vCenter, and the
//! drivers libvirt's ESX driver is made of, each a module of its own over that connection (as
//! libvirt's `esx_driver.c`, `esx_storage_driver.c`, `esx_network_driver.c` and
//! `esx_interface_driver.c` share one `esxPrivate`). `esx-virsh` is a thin layer over this API.
//!
//! - [`connection`]: [`Connection::open`] (URI -> credentials -> client -> host context).
//! - [`domain`]: the domain driver: listing, lookups, lifecycle, configuration, tuning, snapshots.
//! - [`host`]: nodeinfo, capabilities, hostname, version, free memory, migration.
//! - [`error`]: errors in libvirt's words.
//!
//! The storage, network and interface drivers join as `storage`, `network` and `interface`
//! beside `domain`.

pub mod connection;
pub mod domain;
pub mod error;
pub mod host;

pub use connection::{Connection, VCenterLink};
pub use domain::{
    id_of_moref, BlockInfo, DatastoreMount, Defined, DomainInfo, DomainRef, DomainState,
    GuestInterface, ListFilter, LiveContext, MemoryStats, SchedulerParams, SchedulerUpdate,
    Snapshot, SnapshotList, SnapshotOptions,
};
pub use error::{DomainKey, Error, Report, Result, Vanished};
pub use host::{HypervisorVersion, NodeInfo};
