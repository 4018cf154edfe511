//! A libvirt-style driver for VMware ESX hosts and vCenter servers.

pub mod auth;
pub mod console;
pub mod domain;
pub mod driver;
pub mod input;
pub mod uri;
pub mod vmx;
