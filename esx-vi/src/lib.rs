//! A vSphere (VI) SOAP client for VMware ESX hosts and vCenter servers.

pub use esx_vi_types as types;
