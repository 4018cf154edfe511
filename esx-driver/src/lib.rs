//! A libvirt-style driver for VMware ESX hosts and vCenter servers.

pub mod auth;
#[cfg(feature = "cli")]
pub mod console;
pub mod domain;
pub mod driver;
pub mod input;
pub mod network;
pub mod uri;
pub mod vmx;
