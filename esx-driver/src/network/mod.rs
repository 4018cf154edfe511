//! The part of libvirt's network and interface XML that an ESX host's standard vSwitches and
//! physical NICs map to: typed models, the network parser, and both formatters, byte-for-byte as
//! libvirt 11 formats them. Pure: nothing here talks to a server (the network and interface
//! drivers in [`crate::driver`] do).
//!
//! - [`NetworkDef`]: `<network>` with its name, UUID, `<forward>` and its interfaces,
//!   `<bandwidth>` and `<portgroup>`s (VLAN tag, bandwidth); [`parse_network_xml`] and
//!   [`format_network_xml`].
//! - [`InterfaceDef`]: `<interface type='ethernet'>` for a physical NIC: start mode, MAC, link
//!   and IPv4/IPv6 protocols; [`format_interface_xml`].
//! - [`network_uuid`]: libvirt's network UUID for a vSwitch, the MD5 digest of its key.
//!
//! Like libvirt's parser, the network parser ignores elements it has no use for (`<ip>`,
//! `<dns>`, `<domain>`, `<mac>`, `<mtu>`...): ESX has no NAT, DHCP or DNS service to configure.

mod format;
mod interface;
mod parse;

use std::fmt;

pub use format::format_network_xml;
pub use interface::{format_interface_xml, InterfaceDef, IpAddress, LinkState, Protocol};
pub use parse::{parse_network_xml, parse_portgroup_xml};

use crate::domain::Uuid;

/// libvirt's `<network>`, as far as a standard vSwitch can express it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDef {
    /// `<name>`: the vSwitch name.
    pub name: String,
    /// `<uuid>`: for a vSwitch, the MD5 digest of its key ([`network_uuid`]).
    pub uuid: Option<Uuid>,
    /// `<forward>`; `None` when absent (libvirt's forward mode `none`: an isolated network).
    pub forward: Option<Forward>,
    /// `<bridge name=...>`: a Linux bridge name, which a vSwitch has no use for (kept so that a
    /// definition naming one can be refused).
    pub bridge_name: Option<String>,
    /// `<vlan>` on the network itself (ESX tags port groups only).
    pub vlan: Option<u16>,
    /// `<bandwidth>`: the vSwitch's traffic shaping.
    pub bandwidth: Option<Bandwidth>,
    /// `<portgroup>`s, in document order.
    pub portgroups: Vec<PortGroupDef>,
}

/// `<forward mode=...>` with its `<interface dev=.../>` pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The mode (`nat` when the element has none, as in libvirt).
    pub mode: ForwardMode,
    /// The `dev` of each `<interface>` (a physical NIC of the host, e.g. `vmnic0`).
    pub interfaces: Vec<String>,
}

/// libvirt's forward modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardMode {
    /// `nat`
    Nat,
    /// `route`
    Route,
    /// `open`
    Open,
    /// `bridge`: what a vSwitch with uplinks is.
    Bridge,
    /// `private`
    Private,
    /// `vepa`
    Vepa,
    /// `passthrough`
    Passthrough,
    /// `hostdev`
    Hostdev,
}

impl ForwardMode {
    const ALL: [ForwardMode; 8] = [
        ForwardMode::Nat,
        ForwardMode::Route,
        ForwardMode::Open,
        ForwardMode::Bridge,
        ForwardMode::Private,
        ForwardMode::Vepa,
        ForwardMode::Passthrough,
        ForwardMode::Hostdev,
    ];

    /// The XML word for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardMode::Nat => "nat",
            ForwardMode::Route => "route",
            ForwardMode::Open => "open",
            ForwardMode::Bridge => "bridge",
            ForwardMode::Private => "private",
            ForwardMode::Vepa => "vepa",
            ForwardMode::Passthrough => "passthrough",
            ForwardMode::Hostdev => "hostdev",
        }
    }

    fn from_xml(word: &str) -> Option<ForwardMode> {
        ForwardMode::ALL.into_iter().find(|m| m.as_str() == word)
    }
}

impl fmt::Display for ForwardMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<portgroup>`: a port group of the vSwitch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortGroupDef {
    /// `name`.
    pub name: String,
    /// `default='yes'`.
    pub default: bool,
    /// `<vlan><tag id=.../></vlan>` (0-4095; ESX's 4095 means all VLANs).
    pub vlan: Option<u16>,
    /// `<bandwidth>`: the port group's traffic shaping.
    pub bandwidth: Option<Bandwidth>,
}

/// `<bandwidth>`: inbound and outbound rates. ESX shapes both directions alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bandwidth {
    /// `<inbound>`.
    pub inbound: Option<Rate>,
    /// `<outbound>`.
    pub outbound: Option<Rate>,
}

/// One direction of a `<bandwidth>`: rates in KiB/s, burst in KiB, 0 meaning unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    /// `average`, KiB/s.
    pub average: u64,
    /// `peak`, KiB/s.
    pub peak: u64,
    /// `burst`, KiB.
    pub burst: u64,
}

impl Bandwidth {
    /// The same rate both ways (how ESX's traffic shaping reads as libvirt bandwidth).
    pub fn symmetric(rate: Rate) -> Bandwidth {
        Bandwidth {
            inbound: Some(rate),
            outbound: Some(rate),
        }
    }
}

/// Why network XML was refused. `Display` is libvirt's wording (`XML error: ...`,
/// `unsupported configuration: ...`) and names the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.prefix())]
pub struct NetworkXmlError {
    /// What kind of refusal.
    pub kind: NetworkXmlErrorKind,
    /// What is wrong, naming the element or attribute.
    pub message: String,
}

/// The libvirt error class of a [`NetworkXmlError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkXmlErrorKind {
    /// The XML does not parse or breaks libvirt's network schema (`XML error`).
    Xml,
    /// Valid libvirt XML that ESX cannot do (`unsupported configuration`).
    Unsupported,
}

impl NetworkXmlErrorKind {
    fn prefix(self) -> &'static str {
        match self {
            NetworkXmlErrorKind::Xml => "XML error",
            NetworkXmlErrorKind::Unsupported => "unsupported configuration",
        }
    }
}

impl NetworkXmlError {
    /// An `XML error`.
    pub fn xml(message: impl Into<String>) -> Self {
        NetworkXmlError {
            kind: NetworkXmlErrorKind::Xml,
            message: message.into(),
        }
    }

    /// An `unsupported configuration` error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        NetworkXmlError {
            kind: NetworkXmlErrorKind::Unsupported,
            message: message.into(),
        }
    }
}

/// libvirt's UUID of the network of a vSwitch: the MD5 digest of the vSwitch's key (unique per
/// host and fixed for the vSwitch's lifetime).
pub fn network_uuid(vswitch_key: &str) -> Uuid {
    use md5::{Digest, Md5};
    Uuid(Md5::digest(vswitch_key.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_uuids_are_the_md5_of_the_key() {
        // md5("key-vim.host.VirtualSwitch-vSwitch0"), as libvirt computes it.
        let uuid = network_uuid("key-vim.host.VirtualSwitch-vSwitch0");
        assert_eq!(uuid.to_string(), "2f467347-8b4e-8655-e7d6-c4c3fb968009");
        assert_ne!(uuid, network_uuid("key-vim.host.VirtualSwitch-vSwitch1"));
    }
}
