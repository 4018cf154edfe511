//! The hypervisor driver: a [`Connection`] to an ESX host or to a host under vCenter, and every
//! domain operation libvirt's ESX driver offers, on top of the `esx-vi` client and the VMX
//! conversion. `esx-virsh` is a thin layer over this API.
//!
//! - [`connection`]: [`Connection::open`] (URI -> credentials -> client -> host context).
//! - [`domains`]: listing and lookups (a constant number of SOAP calls), the power lifecycle,
//!   dominfo/domstate.
//! - [`config`]: dumpxml, define (create or update, undone on failure), undefine.
//! - [`live_context`]: the VMX conversion's context against the host's datastores.
//! - [`tuning`]: memory, vCPUs, scheduler and memory parameters, autostart.
//! - [`snapshots`]: snapshot create/list/tree/current/revert/delete/XML.
//! - [`host`]: nodeinfo, capabilities, hostname, version, free memory, migration.
//! - [`error`]: errors in libvirt's words.

pub mod config;
pub mod connection;
pub mod domains;
pub mod error;
pub mod host;
pub mod live_context;
pub mod snapshots;
pub mod tuning;

pub use config::Defined;
pub use connection::{Connection, VCenterLink};
pub use domains::{id_of_moref, DomainInfo, DomainRef, DomainState, ListFilter};
pub use error::{Error, Result};
pub use host::{HypervisorVersion, NodeInfo};
pub use live_context::{DatastoreMount, LiveContext};
pub use snapshots::{Snapshot, SnapshotList};
pub use tuning::{SchedulerParams, SchedulerUpdate};
