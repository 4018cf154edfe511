//! The network driver, as libvirt's `esx_network_driver.c`: each standard vSwitch of the host is
//! a network (always active, persistent and autostarted; UUID = MD5 of the vSwitch key), its VM
//! port groups are the network's `<portgroup>`s. On vCenter the distributed port groups the host
//! sees are listed too, read-only.
//!
//! Reading costs one SOAP call: [`Connection::host_networks`](crate::driver::Connection::host_networks) retrieves the host's
//! `config.network` and the names of the networks it sees in one `RetrievePropertiesEx`, and every
//! read-only command answers from that [`HostNetworks`] snapshot. `define` changes the host.

mod define;
mod snapshot;

pub use define::PortGroupUpdate;
pub use snapshot::{HostNetworks, NetworkEntry, NetworkKind};
