//! The interface driver, as libvirt's `esx_interface_driver.c`: each physical NIC of the host is
//! an `ethernet` interface named after its device (`vmnic0`), with its MAC, link and IP
//! configuration. Lookups by name and by MAC are kept apart (libvirt looks names up as MACs).
//! Interfaces cannot be defined, started or stopped. Reading costs one SOAP call (the host's
//! `config.network`, shared with the network driver's retrieval).

use esx_vi::types::{HostIpConfig, PhysicalNic};

use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};
use crate::network::{InterfaceDef, IpAddress, LinkState, Protocol};

/// One interface as iface-list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceEntry {
    /// The device name (`vmnic0`).
    pub name: String,
    /// The MAC address, as the host reports it.
    pub mac: String,
    /// Whether the link is up (what iface-list calls active).
    pub active: bool,
}

/// The host's physical NICs as of one retrieval.
#[derive(Debug, Clone)]
pub struct HostInterfaces {
    pnics: Vec<PhysicalNic>,
}

impl Connection {
    /// The host's physical NICs, in one SOAP call.
    pub async fn host_interfaces(&self) -> Result<HostInterfaces> {
        let networks = self.host_networks().await?;
        Ok(HostInterfaces {
            pnics: networks.info().pnic.clone(),
        })
    }
}

/// Whether `text` reads as a MAC address (six hex pairs separated by `:` or `-`).
pub fn looks_like_mac(text: &str) -> bool {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn normalized_mac(text: &str) -> String {
    text.to_ascii_lowercase().replace('-', ":")
}

fn entry(nic: &PhysicalNic) -> InterfaceEntry {
    InterfaceEntry {
        name: nic.device.clone(),
        mac: nic.mac.clone(),
        active: nic.link_speed.is_some(),
    }
}

/// The prefix length of a dotted IPv4 netmask, if it is one.
fn prefix_of_mask(mask: &str) -> Option<u32> {
    let mask: std::net::Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(mask);
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(bits.leading_ones())
}

fn protocols_of(ip: &HostIpConfig) -> Vec<Protocol> {
    let mut protocols = Vec::new();
    let mut ipv4 = Protocol {
        family: "ipv4",
        dhcp: ip.dhcp,
        ..Default::default()
    };
    if let (Some(address), Some(mask)) = (&ip.ip_address, &ip.subnet_mask) {
        if !address.is_empty() && !mask.is_empty() {
            ipv4.addresses.push(IpAddress {
                address: address.clone(),
                prefix: prefix_of_mask(mask).unwrap_or(0),
            });
        }
    }
    if ipv4.dhcp || !ipv4.addresses.is_empty() {
        protocols.push(ipv4);
    }
    if let Some(v6) = &ip.ipv6_config {
        let ipv6 = Protocol {
            family: "ipv6",
            autoconf: v6.auto_configuration_enabled == Some(true),
            dhcp: v6.dhcp_v6_enabled == Some(true),
            addresses: v6
                .ipv6_address
                .iter()
                .map(|a| IpAddress {
                    address: a.ip_address.clone(),
                    prefix: a.prefix_length.max(0) as u32,
                })
                .collect(),
        };
        if ipv6.autoconf || ipv6.dhcp || !ipv6.addresses.is_empty() {
            protocols.push(ipv6);
        }
    }
    protocols
}

impl HostInterfaces {
    /// Every physical NIC, sorted by name.
    pub fn list(&self) -> Vec<InterfaceEntry> {
        let mut list: Vec<InterfaceEntry> = self.pnics.iter().map(entry).collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    fn nic(&self, name: &str) -> Option<&PhysicalNic> {
        self.pnics.iter().find(|p| p.device == name)
    }

    /// The NIC whose device is `name`.
    pub fn by_name(&self, name: &str) -> Result<InterfaceEntry> {
        self.nic(name).map(entry).ok_or_else(|| {
            Error::NoInterface(format!("Could not find physical NIC with name '{name}'"))
        })
    }

    /// The NIC with MAC address `mac` (any case, `:` or `-`).
    pub fn by_mac(&self, mac: &str) -> Result<InterfaceEntry> {
        let wanted = normalized_mac(mac);
        self.pnics
            .iter()
            .find(|p| normalized_mac(&p.mac) == wanted)
            .map(entry)
            .ok_or_else(|| {
                Error::NoInterface(format!(
                    "Could not find physical NIC with MAC address '{mac}'"
                ))
            })
    }

    /// virsh's lookup of an interface argument: by MAC if it reads as one, else by name.
    pub fn lookup(&self, text: &str) -> Result<InterfaceEntry> {
        if looks_like_mac(text) {
            self.by_mac(text)
        } else {
            self.by_name(text)
        }
    }

    /// The NIC as libvirt's interface XML: onboot, its MAC, link speed and state, IPv4 (DHCP or
    /// address/prefix) and IPv6 (autoconf, DHCPv6, addresses).
    pub fn definition(&self, entry: &InterfaceEntry) -> Result<InterfaceDef> {
        let nic = self.nic(&entry.name).ok_or_else(|| {
            Error::NoInterface(format!(
                "Could not find physical NIC with name '{}'",
                entry.name
            ))
        })?;
        Ok(InterfaceDef {
            name: nic.device.clone(),
            mac: nic.mac.clone(),
            protocols: nic.spec.ip.as_ref().map(protocols_of).unwrap_or_default(),
            link_speed: nic.link_speed.as_ref().map(|l| l.speed_mb.max(0) as u32),
            link_state: Some(if nic.link_speed.is_some() {
                LinkState::Up
            } else {
                LinkState::Down
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_and_names_are_told_apart() {
        assert!(looks_like_mac("00:50:56:a0:00:01"));
        assert!(looks_like_mac("00-50-56-A0-00-01"));
        assert!(!looks_like_mac("vmnic0"));
        assert!(!looks_like_mac("00:50:56:a0:00"));
    }

    #[test]
    fn netmasks_become_prefixes() {
        assert_eq!(prefix_of_mask("255.255.255.0"), Some(24));
        assert_eq!(prefix_of_mask("255.255.0.0"), Some(16));
        assert_eq!(prefix_of_mask("0.0.0.0"), Some(0));
        assert_eq!(prefix_of_mask("255.0.255.0"), None);
        assert_eq!(prefix_of_mask("nope"), None);
    }
}
