//! [`NetworkDef`] -> XML text, as libvirt 11's `virNetworkDefFormatBuf` writes it: two-space
//! indentation, single-quoted attributes, elements in libvirt's order (name, uuid, forward,
//! bridge, vlan, bandwidth, port groups).

use std::fmt::Write as _;

use super::{Bandwidth, ForwardMode, NetworkDef, Rate};
use crate::domain::escape_into;

fn escaped(text: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, text);
    out
}

/// Formats a network definition as libvirt does.
pub fn format_network_xml(def: &NetworkDef) -> String {
    let mut out = String::from("<network>\n");
    let _ = writeln!(out, "  <name>{}</name>", escaped(&def.name));
    if let Some(uuid) = &def.uuid {
        let _ = writeln!(out, "  <uuid>{uuid}</uuid>");
    }
    if let Some(forward) = &def.forward {
        out.push_str("  <forward");
        if let Some(first) = forward.interfaces.first() {
            let _ = write!(out, " dev='{}'", escaped(first));
        }
        let _ = write!(out, " mode='{}'", forward.mode);
        if forward.interfaces.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            for dev in &forward.interfaces {
                let _ = writeln!(out, "    <interface dev='{}'/>", escaped(dev));
            }
            out.push_str("  </forward>\n");
        }
    }
    // libvirt writes a <bridge> for the modes that make one (none, nat, route, open), with the
    // STP settings of a definition that never set them.
    let makes_bridge = match &def.forward {
        None => true,
        Some(f) => matches!(
            f.mode,
            ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open
        ),
    };
    if makes_bridge || def.bridge_name.is_some() {
        out.push_str("  <bridge");
        if let Some(name) = &def.bridge_name {
            let _ = write!(out, " name='{}'", escaped(name));
        }
        if makes_bridge {
            out.push_str(" stp='off' delay='0'");
        }
        out.push_str("/>\n");
    }
    if let Some(tag) = def.vlan {
        format_vlan(&mut out, "  ", tag);
    }
    if let Some(bandwidth) = &def.bandwidth {
        format_bandwidth(&mut out, "  ", bandwidth);
    }
    for portgroup in &def.portgroups {
        let _ = write!(out, "  <portgroup name='{}'", escaped(&portgroup.name));
        if portgroup.default {
            out.push_str(" default='yes'");
        }
        out.push_str(">\n");
        if let Some(tag) = portgroup.vlan {
            format_vlan(&mut out, "    ", tag);
        }
        if let Some(bandwidth) = &portgroup.bandwidth {
            format_bandwidth(&mut out, "    ", bandwidth);
        }
        out.push_str("  </portgroup>\n");
    }
    out.push_str("</network>\n");
    out
}

fn format_vlan(out: &mut String, indent: &str, tag: u16) {
    let _ = write!(
        out,
        "{indent}<vlan>\n{indent}  <tag id='{tag}'/>\n{indent}</vlan>\n"
    );
}

fn format_bandwidth(out: &mut String, indent: &str, bandwidth: &Bandwidth) {
    let _ = writeln!(out, "{indent}<bandwidth>");
    format_rate(out, indent, "inbound", bandwidth.inbound);
    format_rate(out, indent, "outbound", bandwidth.outbound);
    let _ = writeln!(out, "{indent}</bandwidth>");
}

/// One direction, as libvirt writes it: only with an average, and only the non-zero values.
fn format_rate(out: &mut String, indent: &str, element: &str, rate: Option<Rate>) {
    let Some(rate) = rate else {
        return;
    };
    if rate.average == 0 {
        return;
    }
    let _ = write!(out, "{indent}  <{element} average='{}'", rate.average);
    if rate.peak != 0 {
        let _ = write!(out, " peak='{}'", rate.peak);
    }
    if rate.burst != 0 {
        let _ = write!(out, " burst='{}'", rate.burst);
    }
    out.push_str("/>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{parse_network_xml, Forward, PortGroupDef};

    #[test]
    fn an_isolated_network_gets_libvirts_bridge_line() {
        let def = NetworkDef {
            name: "vSwitch2".into(),
            portgroups: vec![PortGroupDef {
                name: "Isolated".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            format_network_xml(&def),
            "<network>\n  <name>vSwitch2</name>\n  <bridge stp='off' delay='0'/>\n  \
             <portgroup name='Isolated'>\n  </portgroup>\n</network>\n"
        );
    }

    #[test]
    fn formatted_networks_parse_back_to_the_same_definition() {
        let def = NetworkDef {
            name: "a&b".into(),
            uuid: Some("0b9c1e6a-4c5d-4e6f-8a7b-9c0d1e2f3a4b".parse().unwrap()),
            forward: Some(Forward {
                mode: ForwardMode::Bridge,
                interfaces: vec!["vmnic1".into(), "vmnic2".into()],
            }),
            bandwidth: Some(Bandwidth::symmetric(Rate {
                average: 10000,
                peak: 20000,
                burst: 1024,
            })),
            portgroups: vec![PortGroupDef {
                name: "Production".into(),
                default: false,
                vlan: Some(10),
                bandwidth: Some(Bandwidth::symmetric(Rate {
                    average: 5000,
                    peak: 0,
                    burst: 0,
                })),
            }],
            ..Default::default()
        };
        let xml = format_network_xml(&def);
        assert!(
            xml.contains("<forward dev='vmnic1' mode='bridge'>\n"),
            "{xml}"
        );
        assert!(xml.contains("<inbound average='5000'/>"), "{xml}");
        assert_eq!(parse_network_xml(&xml).unwrap(), def);
    }
}
