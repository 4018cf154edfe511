//! [`InterfaceDef`] -> XML text: a physical NIC as libvirt 11's `virInterfaceDefDevFormat`
//! writes an `ethernet` interface (start mode, protocols, link, MAC, in that order).

use std::fmt::Write as _;

use crate::domain::escape_into;

/// A physical NIC as libvirt's `<interface type='ethernet'>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceDef {
    /// `name`: the device (`vmnic0`).
    pub name: String,
    /// `<mac address>`.
    pub mac: String,
    /// `<protocol>`s: IPv4 first, then IPv6.
    pub protocols: Vec<Protocol>,
    /// `<link speed=... state=...>`: speed in Mb/s when the link is up.
    pub link_speed: Option<u32>,
    /// `<link state=...>`.
    pub link_state: Option<LinkState>,
}

/// A `<protocol family=...>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Protocol {
    /// `ipv4` or `ipv6`.
    pub family: &'static str,
    /// `<autoconf/>` (IPv6 router advertisements).
    pub autoconf: bool,
    /// `<dhcp/>`.
    pub dhcp: bool,
    /// `<ip address=... prefix=...>`s.
    pub addresses: Vec<IpAddress>,
}

/// One `<ip>` of a protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAddress {
    /// The address.
    pub address: String,
    /// The prefix length (0: not written).
    pub prefix: u32,
}

/// libvirt's interface link states that a physical NIC can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// `up`
    Up,
    /// `down`
    Down,
}

impl LinkState {
    fn as_str(self) -> &'static str {
        match self {
            LinkState::Up => "up",
            LinkState::Down => "down",
        }
    }
}

/// Formats an interface definition as libvirt does.
pub fn format_interface_xml(def: &InterfaceDef) -> String {
    let mut out = String::from("<interface type='ethernet' name='");
    escape_into(&mut out, &def.name);
    out.push_str("'>\n  <start mode='onboot'/>\n");
    for protocol in &def.protocols {
        let _ = writeln!(out, "  <protocol family='{}'>", protocol.family);
        if protocol.autoconf {
            out.push_str("    <autoconf/>\n");
        }
        if protocol.dhcp {
            out.push_str("    <dhcp/>\n");
        }
        for ip in &protocol.addresses {
            out.push_str("    <ip address='");
            escape_into(&mut out, &ip.address);
            out.push('\'');
            if ip.prefix != 0 {
                let _ = write!(out, " prefix='{}'", ip.prefix);
            }
            out.push_str("/>\n");
        }
        out.push_str("  </protocol>\n");
    }
    if def.link_speed.is_some() || def.link_state.is_some() {
        out.push_str("  <link");
        if let Some(speed) = def.link_speed {
            let _ = write!(out, " speed='{speed}'");
        }
        if let Some(state) = def.link_state {
            let _ = write!(out, " state='{}'", state.as_str());
        }
        out.push_str("/>\n");
    }
    if !def.mac.is_empty() {
        out.push_str("  <mac address='");
        escape_into(&mut out, &def.mac);
        out.push_str("'/>\n");
    }
    out.push_str("</interface>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nic_formats_in_libvirts_order() {
        let def = InterfaceDef {
            name: "vmnic1".into(),
            mac: "00:50:56:a0:00:01".into(),
            protocols: vec![
                Protocol {
                    family: "ipv4",
                    addresses: vec![IpAddress {
                        address: "192.168.10.11".into(),
                        prefix: 24,
                    }],
                    ..Default::default()
                },
                Protocol {
                    family: "ipv6",
                    autoconf: true,
                    dhcp: true,
                    addresses: vec![],
                },
            ],
            link_speed: Some(10000),
            link_state: Some(LinkState::Up),
        };
        assert_eq!(
            format_interface_xml(&def),
            "<interface type='ethernet' name='vmnic1'>\n  <start mode='onboot'/>\n  \
             <protocol family='ipv4'>\n    <ip address='192.168.10.11' prefix='24'/>\n  \
             </protocol>\n  <protocol family='ipv6'>\n    <autoconf/>\n    <dhcp/>\n  \
             </protocol>\n  <link speed='10000' state='up'/>\n  \
             <mac address='00:50:56:a0:00:01'/>\n</interface>\n"
        );
    }
}
