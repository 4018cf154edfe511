//! The domain driver (libvirt's `esx_driver.c` domain half): every domain operation on a
//! [`Connection`](crate::driver::Connection), each group in a module of its own.
//!
//! - [`lookup`]: listing and lookups (a constant number of SOAP calls), dominfo/domstate.
//! - [`lifecycle`]: start, shutdown, reboot, destroy, suspend, resume, reset.
//! - [`config`]: dumpxml, define (create or update, undone on failure), undefine.
//! - [`live_context`]: the VMX conversion's context against the host's datastores.
//! - [`monitor`]: vCPU count, guest host name and addresses, memory statistics, disk sizes,
//!   description, is-active/persistent/managed-save.
//! - [`tuning`]: memory, vCPUs, scheduler and memory parameters, autostart.
//! - [`snapshots`]: snapshot create/list/tree/current/revert/delete/XML.
//! - [`screenshot`]: the console of a running domain as a PNG.

pub mod config;
pub mod lifecycle;
pub mod live_context;
pub mod lookup;
pub mod monitor;
pub mod screenshot;
pub mod snapshots;
pub mod tuning;

pub use config::Defined;
pub use live_context::{DatastoreMount, LiveContext};
pub use lookup::{id_of_moref, DomainInfo, DomainRef, DomainState, ListFilter};
pub use monitor::{BlockInfo, GuestInterface, MemoryStats};
pub use screenshot::SCREENSHOT_MIME_TYPE;
pub use snapshots::{Snapshot, SnapshotList, SnapshotOptions};
pub use tuning::{SchedulerParams, SchedulerUpdate};
