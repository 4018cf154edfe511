//! Network XML -> [`NetworkDef`], with the checks of libvirt's network parser that matter for a
//! vSwitch (a name, a valid UUID, known forward modes, interface devices, VLAN tags within
//! 0-4095, bandwidth with an average, one default port group) plus unique port group names.
//! What ESX cannot do is refused later, by the driver.

use std::collections::HashSet;

use super::{Bandwidth, Forward, ForwardMode, NetworkDef, NetworkXmlError, PortGroupDef, Rate};
use crate::domain::xmltree::{parse_xml_tree, XmlElement};
use crate::domain::Uuid;

/// Parses libvirt network XML.
pub fn parse_network_xml(xml: &str) -> Result<NetworkDef, NetworkXmlError> {
    let root = parse_xml_tree(xml)
        .map_err(|e| NetworkXmlError::xml(format!("the network XML does not parse: {e}")))?;
    if root.name != "network" {
        return Err(NetworkXmlError::xml(format!(
            "unexpected root element <{}>, expecting <network>",
            root.name
        )));
    }
    let name = root.child("name").map(|n| n.text()).unwrap_or_default();
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err(NetworkXmlError::xml(
            "<network> has no <name>: every network needs one",
        ));
    }
    if name.contains('/') {
        return Err(NetworkXmlError::xml(format!(
            "<name> '{name}' cannot contain '/'"
        )));
    }
    let uuid = match root.child("uuid") {
        Some(element) => Some(
            element
                .text()
                .trim()
                .parse::<Uuid>()
                .map_err(|e| NetworkXmlError::xml(format!("malformed <uuid>: {e}")))?,
        ),
        None => None,
    };
    let forward = root.child("forward").map(parse_forward).transpose()?;
    let bridge_name = root
        .child("bridge")
        .and_then(|b| b.attr("name"))
        .map(str::to_owned);
    let vlan = root
        .child("vlan")
        .map(|v| parse_vlan(v, "<network>"))
        .transpose()?
        .flatten();
    let bandwidth = root
        .child("bandwidth")
        .map(|b| parse_bandwidth(b, "<network>"))
        .transpose()?;
    let mut portgroups = Vec::new();
    let mut names = HashSet::new();
    for element in root.children_named("portgroup") {
        let portgroup = parse_portgroup(element)?;
        if !names.insert(portgroup.name.clone()) {
            return Err(NetworkXmlError::xml(format!(
                "duplicate <portgroup name='{}'>: port group names must be unique",
                portgroup.name
            )));
        }
        portgroups.push(portgroup);
    }
    if portgroups.iter().filter(|p| p.default).count() > 1 {
        return Err(NetworkXmlError::xml(format!(
            "network '{name}' has more than one <portgroup default='yes'>"
        )));
    }
    Ok(NetworkDef {
        name,
        uuid,
        forward,
        bridge_name,
        vlan,
        bandwidth,
        portgroups,
    })
}

fn parse_forward(element: &XmlElement<'_>) -> Result<Forward, NetworkXmlError> {
    let mode = match element.attr("mode") {
        None => ForwardMode::Nat,
        Some(word) => ForwardMode::from_xml(word).ok_or_else(|| {
            NetworkXmlError::xml(format!(
                "unknown <forward mode='{word}'>: expected nat, route, open, bridge, private, \
                 vepa, passthrough or hostdev"
            ))
        })?,
    };
    let mut interfaces = Vec::new();
    for interface in element.children_named("interface") {
        match interface.attr("dev") {
            Some(dev) if !dev.is_empty() => interfaces.push(dev.to_owned()),
            _ => {
                return Err(NetworkXmlError::xml(
                    "<forward><interface> has no dev attribute: name a physical NIC, e.g. \
                     <interface dev='vmnic1'/>",
                ))
            }
        }
    }
    if let Some(dev) = element.attr("dev") {
        match interfaces.first() {
            None => interfaces.push(dev.to_owned()),
            Some(first) if first != dev => {
                return Err(NetworkXmlError::xml(format!(
                    "<forward dev='{dev}'> must name the first <interface> ('{first}')"
                )))
            }
            Some(_) => {}
        }
    }
    Ok(Forward { mode, interfaces })
}

/// The tag of a `<vlan>` (one `<tag id=.../>`), checked against 0-4095.
fn parse_vlan(element: &XmlElement<'_>, owner: &str) -> Result<Option<u16>, NetworkXmlError> {
    let tags: Vec<&XmlElement<'_>> = element.children_named("tag").collect();
    if element.attr("trunk") == Some("yes") || tags.len() > 1 {
        return Err(NetworkXmlError::unsupported(format!(
            "<vlan> of {owner}: ESX port groups take one VLAN tag, not a trunk"
        )));
    }
    let Some(tag) = tags.first() else {
        return Ok(None);
    };
    let id = tag.attr("id").ok_or_else(|| {
        NetworkXmlError::xml(format!("<vlan><tag> of {owner} has no id attribute"))
    })?;
    match id.trim().parse::<u32>() {
        Ok(n) if n <= 4095 => Ok(Some(n as u16)),
        Ok(n) => Err(NetworkXmlError::xml(format!(
            "<vlan><tag id='{n}'> of {owner}: vlan tag id {n} too large (maximum 4095)"
        ))),
        Err(_) => Err(NetworkXmlError::xml(format!(
            "<vlan><tag id='{id}'> of {owner}: expected a number from 0 to 4095"
        ))),
    }
}

fn parse_bandwidth(element: &XmlElement<'_>, owner: &str) -> Result<Bandwidth, NetworkXmlError> {
    let rate = |direction: &str| -> Result<Option<Rate>, NetworkXmlError> {
        let Some(e) = element.child(direction) else {
            return Ok(None);
        };
        let number = |attr: &str| -> Result<u64, NetworkXmlError> {
            match e.attr(attr) {
                None => Ok(0),
                Some(text) => text.trim().parse::<u64>().map_err(|_| {
                    NetworkXmlError::xml(format!(
                        "<bandwidth><{direction} {attr}='{text}'> of {owner}: expected a \
                         whole number"
                    ))
                }),
            }
        };
        if e.attr("average").is_none() && e.attr("floor").is_none() {
            return Err(NetworkXmlError::xml(format!(
                "<bandwidth><{direction}> of {owner}: missing mandatory average or floor \
                 attributes"
            )));
        }
        if e.attr("floor").is_some() {
            return Err(NetworkXmlError::unsupported(format!(
                "<bandwidth><{direction} floor=...> of {owner}: ESX traffic shaping has no \
                 guaranteed floor"
            )));
        }
        Ok(Some(Rate {
            average: number("average")?,
            peak: number("peak")?,
            burst: number("burst")?,
        }))
    };
    Ok(Bandwidth {
        inbound: rate("inbound")?,
        outbound: rate("outbound")?,
    })
}

fn parse_portgroup(element: &XmlElement<'_>) -> Result<PortGroupDef, NetworkXmlError> {
    let name = match element.attr("name") {
        Some(name) if !name.trim().is_empty() => name.to_owned(),
        _ => {
            return Err(NetworkXmlError::xml(
                "<portgroup> has no name attribute: every port group needs one",
            ))
        }
    };
    let owner = format!("<portgroup name='{name}'>");
    let default = match element.attr("default") {
        None | Some("no") => false,
        Some("yes") => true,
        Some(other) => {
            return Err(NetworkXmlError::xml(format!(
                "{owner}: default='{other}', expected 'yes' or 'no'"
            )))
        }
    };
    let vlan = element
        .child("vlan")
        .map(|v| parse_vlan(v, &owner))
        .transpose()?
        .flatten();
    let bandwidth = element
        .child("bandwidth")
        .map(|b| parse_bandwidth(b, &owner))
        .transpose()?;
    Ok(PortGroupDef {
        name,
        default,
        vlan,
        bandwidth,
    })
}

/// Parses a lone `<portgroup>` element (`net-update ... portgroup`).
pub fn parse_portgroup_xml(xml: &str) -> Result<PortGroupDef, NetworkXmlError> {
    let root = parse_xml_tree(xml)
        .map_err(|e| NetworkXmlError::xml(format!("the port group XML does not parse: {e}")))?;
    if root.name != "portgroup" {
        return Err(NetworkXmlError::xml(format!(
            "unexpected element <{}>, expecting <portgroup>",
            root.name
        )));
    }
    parse_portgroup(&root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridged_network_with_port_groups_parses() {
        let def = parse_network_xml(
            "<network><name>vSwitch9</name><forward mode='bridge'>\
             <interface dev='vmnic3'/></forward>\
             <bandwidth><inbound average='1000' peak='2000' burst='512'/>\
             <outbound average='1000' peak='2000' burst='512'/></bandwidth>\
             <portgroup name='web' default='yes'><vlan><tag id='42'/></vlan></portgroup>\
             <portgroup name='db'/></network>",
        )
        .unwrap();
        assert_eq!(def.name, "vSwitch9");
        let forward = def.forward.unwrap();
        assert_eq!(forward.mode, ForwardMode::Bridge);
        assert_eq!(forward.interfaces, ["vmnic3"]);
        assert_eq!(def.portgroups.len(), 2);
        assert_eq!(def.portgroups[0].vlan, Some(42));
        assert!(def.portgroups[0].default);
        assert_eq!(
            def.bandwidth.unwrap().inbound,
            Some(Rate {
                average: 1000,
                peak: 2000,
                burst: 512
            })
        );
    }

    #[test]
    fn bad_networks_name_the_element_at_fault() {
        for (xml, expected) in [
            ("<network><name>x</name", "does not parse"),
            ("<domain><name>x</name></domain>", "expecting <network>"),
            ("<network/>", "has no <name>"),
            ("<network><name>a/b</name></network>", "cannot contain '/'"),
            (
                "<network><name>x</name><uuid>nope</uuid></network>",
                "malformed <uuid>",
            ),
            (
                "<network><name>x</name><forward mode='warp'/></network>",
                "unknown <forward mode='warp'>",
            ),
            (
                "<network><name>x</name><portgroup name='a'><vlan><tag id='4096'/></vlan>\
                 </portgroup></network>",
                "vlan tag id 4096 too large (maximum 4095)",
            ),
            (
                "<network><name>x</name><portgroup name='a'/><portgroup name='a'/></network>",
                "duplicate <portgroup name='a'>",
            ),
            (
                "<network><name>x</name><portgroup/></network>",
                "<portgroup> has no name",
            ),
            (
                "<network><name>x</name><bandwidth><inbound peak='1'/></bandwidth></network>",
                "missing mandatory average",
            ),
        ] {
            let err = parse_network_xml(xml).unwrap_err().to_string();
            assert!(err.contains(expected), "{xml}: {err}");
        }
    }

    #[test]
    fn a_forward_without_mode_is_nat() {
        let def = parse_network_xml("<network><name>x</name><forward/></network>").unwrap();
        assert_eq!(def.forward.unwrap().mode, ForwardMode::Nat);
    }
}
