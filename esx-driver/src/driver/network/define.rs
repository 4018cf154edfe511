//! Changing the host's networks: net-define (AddVirtualSwitch, then AddPortGroup for each port
//! group, undone if one fails), net-undefine (RemovePortGroup for each, then RemoveVirtualSwitch)
//! and net-update of port groups (AddPortGroup / RemovePortGroup / UpdatePortGroup). Everything
//! that can be checked is checked before the first change.

use esx_vi::types::{
    methods, AnyHostVirtualSwitchBridge, HostNetworkPolicy, HostNetworkTrafficShapingPolicy,
    HostPortGroupSpec, HostVirtualSwitch, HostVirtualSwitchBondBridge, HostVirtualSwitchSpec,
};

use super::snapshot::{HostNetworks, NetworkEntry, NetworkKind};
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};
use crate::network::{
    parse_network_xml, parse_portgroup_xml, Bandwidth, ForwardMode, NetworkDef, NetworkXmlError,
    PortGroupDef,
};

/// The longest vSwitch name ESX accepts.
pub(crate) const MAX_VSWITCH_NAME: usize = 32;

/// The ports libvirt gives a new vSwitch.
const NEW_VSWITCH_PORTS: i32 = 128;

/// What `net-update ... portgroup` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortGroupUpdate {
    /// `add` (or `add-last`/`add-first`): a new port group on the vSwitch.
    Add,
    /// `delete`: removes a port group that no VM uses.
    Delete,
    /// `modify`: changes a port group's VLAN and shaping.
    Modify,
}

/// libvirt's bandwidth as ESX traffic shaping (KiB/s to bits/s as libvirt scales, KiB to
/// bytes). ESX shapes both directions alike, so they must agree.
fn bandwidth_to_shaping(
    bandwidth: &Bandwidth,
) -> Result<Option<HostNetworkTrafficShapingPolicy>, NetworkXmlError> {
    let (Some(inbound), Some(outbound)) = (bandwidth.inbound, bandwidth.outbound) else {
        return Err(NetworkXmlError::unsupported(
            "Different inbound and outbound bandwidth is unsupported",
        ));
    };
    if inbound != outbound {
        return Err(NetworkXmlError::unsupported(
            "Different inbound and outbound bandwidth is unsupported",
        ));
    }
    if inbound.average == 0 && inbound.peak == 0 && inbound.burst == 0 {
        return Ok(None);
    }
    let bits = |kib: u64| (kib > 0).then(|| kib.saturating_mul(8000).min(i64::MAX as u64) as i64);
    Ok(Some(HostNetworkTrafficShapingPolicy {
        enabled: Some(true),
        average_bandwidth: bits(inbound.average),
        peak_bandwidth: bits(inbound.peak),
        burst_size: (inbound.burst > 0)
            .then(|| inbound.burst.saturating_mul(1024).min(i64::MAX as u64) as i64),
    }))
}

fn shaping_of(bandwidth: Option<&Bandwidth>) -> Result<Option<HostNetworkTrafficShapingPolicy>> {
    match bandwidth {
        None => Ok(None),
        Some(b) => Ok(bandwidth_to_shaping(b)?),
    }
}

/// The spec of a new or changed port group of `vswitch`.
fn portgroup_spec(
    portgroup: &PortGroupDef,
    vswitch: &str,
    base: HostNetworkPolicy,
) -> Result<HostPortGroupSpec> {
    let mut policy = base;
    policy.shaping_policy = shaping_of(portgroup.bandwidth.as_ref())?;
    Ok(HostPortGroupSpec {
        name: portgroup.name.clone(),
        vlan_id: i32::from(portgroup.vlan.unwrap_or(0)),
        vswitch_name: vswitch.to_owned(),
        policy,
    })
}

/// A definition checked against the host: the changes to make, in order.
#[derive(Debug)]
struct DefinePlan {
    name: String,
    spec: HostVirtualSwitchSpec,
    portgroups: Vec<HostPortGroupSpec>,
}

/// Checks a network definition against what ESX can do and what the host has, before anything
/// changes, and turns it into the vSwitch and port group specs.
fn plan_define(def: &NetworkDef, host: &HostNetworks) -> Result<DefinePlan> {
    if def.name.chars().count() > MAX_VSWITCH_NAME {
        return Err(NetworkXmlError::unsupported(format!(
            "<name> '{}' is {} characters long: a vSwitch name has at most {MAX_VSWITCH_NAME}",
            def.name,
            def.name.chars().count()
        ))
        .into());
    }
    if host.vswitch(&def.name).is_some() || host.by_name(&def.name).is_ok() {
        return Err(Error::Internal(
            "HostVirtualSwitch already exists, editing existing ones is not supported yet".into(),
        ));
    }
    if def.uuid.is_some() {
        return Err(NetworkXmlError::unsupported(
            "Cannot use predefined UUID: a vSwitch's UUID derives from its key; leave out <uuid>",
        )
        .into());
    }
    let uplinks = match &def.forward {
        None => Vec::new(),
        Some(f) if f.mode == ForwardMode::Bridge => f.interfaces.clone(),
        Some(f) => {
            return Err(NetworkXmlError::unsupported(format!(
                "Unsupported forward mode '{}': an ESX vSwitch bridges to its physical NICs \
                 (<forward mode='bridge'>) or is isolated (no <forward>)",
                f.mode
            ))
            .into())
        }
    };
    if let Some(bridge) = &def.bridge_name {
        return Err(NetworkXmlError::unsupported(format!(
            "<bridge name='{bridge}'>: a vSwitch has no Linux bridge; leave out <bridge>"
        ))
        .into());
    }
    if def.vlan.is_some() {
        return Err(NetworkXmlError::unsupported(
            "<vlan> on <network>: ESX tags port groups, put the <vlan> in a <portgroup>",
        )
        .into());
    }
    for device in &uplinks {
        let Some(nic) = host.pnic_by_device(device) else {
            let known: Vec<&str> = host.info().pnic.iter().map(|p| p.device.as_str()).collect();
            return Err(Error::InvalidArg(format!(
                "Could not find PhysicalNic with name '{device}' in <forward><interface>; \
                 the host has {}",
                known.join(", ")
            )));
        };
        if let Some(owner) = host.info().vswitch.iter().find(|v| {
            nic.key
                .as_ref()
                .is_some_and(|key| v.pnic.iter().any(|k| k == key))
        }) {
            return Err(Error::OperationInvalid(format!(
                "physical NIC '{device}' is already an uplink of vSwitch '{}'",
                owner.name
            )));
        }
    }
    let mut portgroups = Vec::new();
    for portgroup in &def.portgroups {
        if host.portgroup_by_name(&portgroup.name).is_some() {
            return Err(Error::Internal(format!(
                "HostPortGroup with name '{}' exists already",
                portgroup.name
            )));
        }
        portgroups.push(portgroup_spec(
            portgroup,
            &def.name,
            HostNetworkPolicy::default(),
        )?);
    }
    let shaping = shaping_of(def.bandwidth.as_ref())?;
    let spec = HostVirtualSwitchSpec {
        num_ports: NEW_VSWITCH_PORTS,
        bridge: (!uplinks.is_empty()).then(|| {
            AnyHostVirtualSwitchBridge::from(HostVirtualSwitchBondBridge {
                nic_device: uplinks,
                ..Default::default()
            })
        }),
        policy: shaping.map(|s| HostNetworkPolicy {
            shaping_policy: Some(s),
            ..Default::default()
        }),
        mtu: None,
    };
    Ok(DefinePlan {
        name: def.name.clone(),
        spec,
        portgroups,
    })
}

fn standard_switch(entry: &NetworkEntry) -> Result<()> {
    match entry.kind {
        NetworkKind::StandardSwitch => Ok(()),
        NetworkKind::DistributedPortGroup { .. } => Err(Error::NoSupport(format!(
            "'{}' is a distributed port group, which is read-only here: change it in vCenter",
            entry.name
        ))),
    }
}

impl Connection {
    /// `net-define`: creates a vSwitch and its port groups from network XML; returns the new
    /// network. Nothing changes when a check fails; when a port group fails, what was added is
    /// removed again.
    pub async fn define_network(&self, xml: &str) -> Result<NetworkEntry> {
        let def = parse_network_xml(xml)?;
        let host = self.host_networks().await?;
        let plan = plan_define(&def, &host)?;
        let system = host.network_system()?;
        let client = self.client();
        methods::add_virtual_switch(client, system, &plan.name, Some(&plan.spec))
            .await
            .map_err(|e| esx_vi::Error::from_method("AddVirtualSwitch", e))
            .map_err(Error::server(format!(
                "Could not add HostVirtualSwitch '{}'",
                plan.name
            )))?;
        let mut added: Vec<&str> = Vec::new();
        for spec in &plan.portgroups {
            if let Err(e) = methods::add_port_group(client, system, spec).await {
                let error = Error::server(format!(
                    "Could not add HostPortGroup '{}' (the network was not defined; what \
                     was added is removed again)",
                    spec.name
                ))(esx_vi::Error::from_method("AddPortGroup", e));
                for name in added.iter().rev() {
                    if let Err(e) = methods::remove_port_group(client, system, name).await {
                        tracing::warn!("rollback: cannot remove port group '{name}': {e}");
                    }
                }
                if let Err(e) = methods::remove_virtual_switch(client, system, &plan.name).await {
                    tracing::warn!("rollback: cannot remove vSwitch '{}': {e}", plan.name);
                }
                return Err(error);
            }
            added.push(&spec.name);
        }
        self.host_networks().await?.by_name(&plan.name)
    }

    /// `net-undefine`: removes the vSwitch's port groups, then the vSwitch. Refused while any
    /// port of its port groups is not a virtual machine's (libvirt's rule).
    pub async fn undefine_network(&self, name: &str) -> Result<()> {
        let host = self.host_networks().await?;
        let entry = host.lookup(name)?;
        standard_switch(&entry)?;
        let vswitch = host.vswitch(&entry.name).ok_or_else(|| {
            Error::NoNetwork(format!(
                "Could not find HostVirtualSwitch with name '{}'",
                entry.name
            ))
        })?;
        let portgroups = removable_portgroups(&host, vswitch)?;
        let system = host.network_system()?;
        let client = self.client();
        for portgroup in &portgroups {
            methods::remove_port_group(client, system, portgroup)
                .await
                .map_err(|e| esx_vi::Error::from_method("RemovePortGroup", e))
                .map_err(Error::server(format!(
                    "Could not remove HostPortGroup '{portgroup}'"
                )))?;
        }
        methods::remove_virtual_switch(client, system, &entry.name)
            .await
            .map_err(|e| esx_vi::Error::from_method("RemoveVirtualSwitch", e))
            .map_err(Error::server(format!(
                "Could not remove HostVirtualSwitch '{}'",
                entry.name
            )))
    }

    /// `net-update NETWORK add|delete|modify portgroup XML`: edits one port group of a vSwitch.
    pub async fn update_network_portgroup(
        &self,
        network: &str,
        update: PortGroupUpdate,
        xml: &str,
    ) -> Result<()> {
        let portgroup = parse_portgroup_xml(xml)?;
        let host = self.host_networks().await?;
        let entry = host.lookup(network)?;
        standard_switch(&entry)?;
        let existing = host.portgroup_by_name(&portgroup.name);
        let on_this_switch = existing.filter(|p| p.spec.vswitch_name == entry.name);
        let system = host.network_system()?;
        let client = self.client();
        match update {
            PortGroupUpdate::Add => {
                if existing.is_some() {
                    return Err(Error::OperationInvalid(format!(
                        "HostPortGroup with name '{}' exists already",
                        portgroup.name
                    )));
                }
                let spec = portgroup_spec(&portgroup, &entry.name, HostNetworkPolicy::default())?;
                methods::add_port_group(client, system, &spec)
                    .await
                    .map_err(|e| esx_vi::Error::from_method("AddPortGroup", e))
                    .map_err(Error::server(format!(
                        "Could not add HostPortGroup '{}'",
                        portgroup.name
                    )))
            }
            PortGroupUpdate::Delete => {
                let found = on_this_switch.ok_or_else(|| missing_portgroup(&portgroup, &entry))?;
                if !found.port.is_empty() {
                    let vms = found
                        .port
                        .iter()
                        .filter(|p| p.r#type == "virtualMachine")
                        .count();
                    return Err(Error::OperationInvalid(format!(
                        "port group '{}' is in use ({} port(s), {vms} of virtual machines): \
                         move or remove their NICs first",
                        portgroup.name,
                        found.port.len()
                    )));
                }
                methods::remove_port_group(client, system, &portgroup.name)
                    .await
                    .map_err(|e| esx_vi::Error::from_method("RemovePortGroup", e))
                    .map_err(Error::server(format!(
                        "Could not remove HostPortGroup '{}'",
                        portgroup.name
                    )))
            }
            PortGroupUpdate::Modify => {
                let found = on_this_switch.ok_or_else(|| missing_portgroup(&portgroup, &entry))?;
                let spec = portgroup_spec(&portgroup, &entry.name, found.spec.policy.clone())?;
                methods::update_port_group(client, system, &portgroup.name, &spec)
                    .await
                    .map_err(|e| esx_vi::Error::from_method("UpdatePortGroup", e))
                    .map_err(Error::server(format!(
                        "Could not update HostPortGroup '{}'",
                        portgroup.name
                    )))
            }
        }
    }

    /// `net-autostart`: vSwitches always start with the host; turning that off is refused.
    pub fn set_network_autostart(&self, entry: &NetworkEntry, autostart: bool) -> Result<()> {
        standard_switch(entry)?;
        if autostart {
            Ok(())
        } else {
            Err(Error::Internal(
                "Cannot deactivate network autostart".into(),
            ))
        }
    }
}

/// The port groups net-undefine removes, once it is sure all of them can go: refused while any
/// port is not a virtual machine's (libvirt's rule), and while virtual machines are connected
/// (ESX would refuse to remove their port group half-way through, leaving half a network).
fn removable_portgroups(host: &HostNetworks, vswitch: &HostVirtualSwitch) -> Result<Vec<String>> {
    let portgroups = host.portgroups_of(vswitch)?;
    for portgroup in &portgroups {
        if let Some(port) = portgroup.port.iter().find(|p| p.r#type != "virtualMachine") {
            return Err(Error::OperationInvalid(format!(
                "Cannot undefine HostVirtualSwitch that has a '{}' port",
                port.r#type
            )));
        }
    }
    if let Some(used) = portgroups.iter().find(|p| !p.port.is_empty()) {
        return Err(Error::OperationInvalid(format!(
            "network '{}' is in use: port group '{}' has {} virtual machine port(s); move or \
             remove their NICs first",
            vswitch.name,
            used.spec.name,
            used.port.len()
        )));
    }
    Ok(portgroups.iter().map(|p| p.spec.name.clone()).collect())
}

fn missing_portgroup(portgroup: &PortGroupDef, entry: &NetworkEntry) -> Error {
    Error::OperationInvalid(format!(
        "network '{}' has no port group '{}'",
        entry.name, portgroup.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Rate;
    use esx_vi::types::{HostNetworkInfo, HostPortGroup, HostPortGroupPort, PhysicalNic};

    /// A host with vSwitch0 (uplink vmnic0, port group "VM Network") and a free vmnic1.
    fn host() -> HostNetworks {
        let nic = |device: &str| PhysicalNic {
            key: Some(format!("key-vim.host.PhysicalNic-{device}")),
            device: device.into(),
            ..Default::default()
        };
        let info = HostNetworkInfo {
            vswitch: vec![HostVirtualSwitch {
                name: "vSwitch0".into(),
                key: "key-vim.host.VirtualSwitch-vSwitch0".into(),
                portgroup: vec!["key-vim.host.PortGroup-VM Network".into()],
                pnic: vec!["key-vim.host.PhysicalNic-vmnic0".into()],
                ..Default::default()
            }],
            portgroup: vec![HostPortGroup {
                key: Some("key-vim.host.PortGroup-VM Network".into()),
                spec: HostPortGroupSpec {
                    name: "VM Network".into(),
                    vswitch_name: "vSwitch0".into(),
                    ..Default::default()
                },
                ..Default::default()
            }],
            pnic: vec![nic("vmnic0"), nic("vmnic1")],
            ..Default::default()
        };
        HostNetworks::from_info(info, &["VM Network"])
    }

    fn plan(xml: &str) -> Result<DefinePlan> {
        plan_define(&parse_network_xml(xml)?, &host())
    }

    #[test]
    fn a_bridged_network_plans_a_bond_bridge_and_its_port_groups() {
        let plan = plan(
            "<network><name>vSwitch1</name><forward mode='bridge'><interface dev='vmnic1'/>\
             </forward><bandwidth><inbound average='1000'/><outbound average='1000'/>\
             </bandwidth><portgroup name='web'><vlan><tag id='42'/></vlan></portgroup>\
             </network>",
        )
        .unwrap();
        assert_eq!(plan.name, "vSwitch1");
        assert_eq!(plan.spec.num_ports, 128);
        match &plan.spec.bridge {
            Some(AnyHostVirtualSwitchBridge::HostVirtualSwitchBondBridge(bond)) => {
                assert_eq!(bond.nic_device, ["vmnic1"])
            }
            other => panic!("expected a bond bridge, got {other:?}"),
        }
        let shaping = plan.spec.policy.unwrap().shaping_policy.unwrap();
        assert_eq!(shaping.average_bandwidth, Some(8_000_000));
        assert_eq!(plan.portgroups.len(), 1);
        assert_eq!(plan.portgroups[0].vlan_id, 42);
        assert_eq!(plan.portgroups[0].vswitch_name, "vSwitch1");
    }

    #[test]
    fn undefine_refuses_host_ports_and_connected_vms_before_any_change() {
        let mut networks = host();
        let vswitch = networks.vswitch("vSwitch0").unwrap().clone();
        assert_eq!(
            removable_portgroups(&networks, &vswitch).unwrap(),
            ["VM Network"]
        );
        let port = |kind: &str| HostPortGroupPort {
            r#type: kind.into(),
            ..Default::default()
        };
        networks.info_mut().portgroup[0].port = vec![port("virtualMachine")];
        let err = removable_portgroups(&networks, &vswitch)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("port group 'VM Network' has 1 virtual machine port(s)"),
            "{err}"
        );
        networks.info_mut().portgroup[0].port.push(port("host"));
        assert_eq!(
            removable_portgroups(&networks, &vswitch)
                .unwrap_err()
                .to_string(),
            "Requested operation is not valid: Cannot undefine HostVirtualSwitch that has a \
             'host' port"
        );
    }

    #[test]
    fn an_isolated_network_has_no_bridge() {
        let plan = plan("<network><name>lab</name></network>").unwrap();
        assert!(plan.spec.bridge.is_none());
        assert!(plan.spec.policy.is_none());
    }

    #[test]
    fn what_esx_cannot_do_is_refused_with_libvirts_words() {
        for (xml, expected) in [
            (
                "<network><name>vSwitch0</name></network>",
                "internal error: HostVirtualSwitch already exists",
            ),
            (
                "<network><name>n</name><uuid>0b9c1e6a-4c5d-4e6f-8a7b-9c0d1e2f3a4b</uuid></network>",
                "unsupported configuration: Cannot use predefined UUID",
            ),
            (
                "<network><name>n</name><forward mode='nat'/></network>",
                "unsupported configuration: Unsupported forward mode 'nat'",
            ),
            (
                "<network><name>n</name><bridge name='br0'/></network>",
                "unsupported configuration: <bridge name='br0'>",
            ),
            (
                "<network><name>n</name><vlan><tag id='5'/></vlan></network>",
                "unsupported configuration: <vlan> on <network>",
            ),
            (
                "<network><name>n</name><forward mode='bridge'><interface dev='vmnic7'/>\
                 </forward></network>",
                "invalid argument: Could not find PhysicalNic with name 'vmnic7' in \
                 <forward><interface>; the host has vmnic0, vmnic1",
            ),
            (
                "<network><name>n</name><forward mode='bridge'><interface dev='vmnic0'/>\
                 </forward></network>",
                "physical NIC 'vmnic0' is already an uplink of vSwitch 'vSwitch0'",
            ),
            (
                "<network><name>n</name><portgroup name='VM Network'/></network>",
                "internal error: HostPortGroup with name 'VM Network' exists already",
            ),
            (
                "<network><name>0123456789012345678901234567890123</name></network>",
                "is 34 characters long: a vSwitch name has at most 32",
            ),
        ] {
            let err = plan(xml).unwrap_err().to_string();
            assert!(err.contains(expected), "{xml}: {err}");
        }
    }

    #[test]
    fn bandwidth_scales_as_libvirt_does_and_must_be_symmetric() {
        let rate = Rate {
            average: 1000,
            peak: 2000,
            burst: 512,
        };
        let shaping = bandwidth_to_shaping(&Bandwidth::symmetric(rate))
            .unwrap()
            .unwrap();
        assert_eq!(shaping.average_bandwidth, Some(8_000_000));
        assert_eq!(shaping.peak_bandwidth, Some(16_000_000));
        assert_eq!(shaping.burst_size, Some(524_288));
        let lopsided = Bandwidth {
            inbound: Some(rate),
            outbound: None,
        };
        assert!(bandwidth_to_shaping(&lopsided)
            .unwrap_err()
            .to_string()
            .contains("Different inbound and outbound"));
    }
}
