//! One retrieval of the host's network configuration and of the networks it sees, and what
//! net-list, net-info, net-uuid, net-name and net-dumpxml read from it.

use esx_vi::types::{
    AnySelectionSpec, AnyValue, HostNetworkInfo, HostNetworkTrafficShapingPolicy, HostPortGroup,
    HostVirtualSwitch, ManagedObjectReference, ObjectContent, ObjectSpec, PhysicalNic,
    PropertyFilterSpec, PropertySpec, SelectionSpec, TraversalSpec,
};

use crate::domain::Uuid;
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};
use crate::network::{
    network_uuid, Bandwidth, Forward, ForwardMode, NetworkDef, PortGroupDef, Rate,
};

/// What a network of this driver is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkKind {
    /// A standard vSwitch of the host (libvirt's ESX networks): active, persistent, autostarted.
    StandardSwitch,
    /// A distributed port group the host sees (vCenter): listed read-only, never active here.
    DistributedPortGroup {
        /// The port group's key (its UUID is the MD5 of it).
        key: String,
    },
}

/// One network as net-list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEntry {
    /// The vSwitch's (or distributed port group's) name.
    pub name: String,
    /// libvirt's UUID: the MD5 digest of the vSwitch's (port group's) key.
    pub uuid: Uuid,
    /// What it is.
    pub kind: NetworkKind,
}

impl NetworkEntry {
    /// Whether libvirt counts it as active: vSwitches always are.
    pub fn is_active(&self) -> bool {
        self.kind == NetworkKind::StandardSwitch
    }

    /// Whether it is persistent: ESX has no transient networks.
    pub fn is_persistent(&self) -> bool {
        true
    }

    /// Whether it starts with the host: vSwitches always do.
    pub fn is_autostart(&self) -> bool {
        self.kind == NetworkKind::StandardSwitch
    }
}

/// The host's network configuration and the networks it sees, as of one retrieval.
#[derive(Debug, Clone)]
pub struct HostNetworks {
    info: HostNetworkInfo,
    network_system: Option<ManagedObjectReference>,
    /// Names of the host's Networks (standard port groups that VMs can use).
    network_names: Vec<String>,
    /// Distributed port groups.
    distributed: Vec<DistributedPortGroup>,
}

/// A distributed port group the host sees.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DistributedPortGroup {
    name: String,
    key: String,
    /// The VLAN of its default port setting, when it is one VLAN (not a trunk or private VLAN).
    vlan: Option<u16>,
}

/// The VLAN of a distributed port group's default port setting. The setting arrives as
/// `VMwareDVSPortSetting`, a subtype the generated types leave undescribed, so its raw XML is
/// read: `<vlan xsi:type="VmwareDistributedVirtualSwitchVlanIdSpec">...<vlanId>N</vlanId></vlan>`
/// (a trunk's `vlanId`s are ranges, a private VLAN has `pvlanId`: neither is one tag).
fn vlan_of_port_setting(value: &AnyValue) -> Option<u16> {
    let AnyValue::Unknown(unknown) = value else {
        return None;
    };
    // The raw XML keeps the server's prefixes (`xsi:`, or vcsim's `XMLSchema-instance:`),
    // declared outside it; the elements themselves are read in no namespace.
    const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
    let wrapped = format!(
        "<setting xmlns:xsi=\"{XSI}\" xmlns:XMLSchema-instance=\"{XSI}\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">{}</setting>",
        unknown.raw
    );
    let root = crate::domain::xmltree::parse_xml_tree(&wrapped).ok()?;
    let vlan = root.child("vlan")?;
    let id = vlan.child("vlanId")?;
    if id.elements().next().is_some() {
        return None; // a trunk: ranges of VLANs
    }
    let tag: u16 = id.text().trim().parse().ok()?;
    (tag > 0 && tag <= 4095).then_some(tag)
}

/// A traversal step with a name, following `path` of `type_name` into `next`.
fn traversal(name: &str, type_name: &str, path: &str, next: &[&str]) -> AnySelectionSpec {
    AnySelectionSpec::from(TraversalSpec {
        name: Some(name.to_owned()),
        r#type: type_name.to_owned(),
        path: path.to_owned(),
        skip: Some(false),
        select_set: next
            .iter()
            .map(|n| {
                AnySelectionSpec::from(SelectionSpec {
                    name: Some((*n).to_owned()),
                })
            })
            .collect(),
    })
}

/// What to retrieve of each object the traversal reaches.
fn property_specs() -> Vec<PropertySpec> {
    let spec = |type_name: &str, paths: &[&str]| PropertySpec {
        r#type: type_name.to_owned(),
        all: Some(false),
        path_set: paths.iter().map(|p| (*p).to_owned()).collect(),
    };
    vec![
        spec(
            "HostSystem",
            &["config.network", "configManager.networkSystem"],
        ),
        spec("Network", &["name"]),
        spec(
            "DistributedVirtualPortgroup",
            &["key", "config.uplink", "config.defaultPortConfig"],
        ),
    ]
}

impl Connection {
    /// The host's network configuration and the networks it sees, in one SOAP call: on ESX by
    /// traversing from the root folder to the single host and its networks (no context lookup
    /// needed), on vCenter from the host of the URI.
    pub async fn host_networks(&self) -> Result<HostNetworks> {
        let host_to_network = traversal("hostToNetwork", "HostSystem", "network", &[]);
        let object_set = if self.client().is_vcenter() {
            ObjectSpec {
                obj: self.host().await?,
                skip: Some(false),
                select_set: vec![host_to_network],
            }
        } else {
            ObjectSpec {
                obj: self.client().service_content().root_folder.clone(),
                skip: Some(true),
                select_set: vec![
                    traversal(
                        "folderToChild",
                        "Folder",
                        "childEntity",
                        &["folderToChild", "datacenterToHostFolder", "computeToHost"],
                    ),
                    traversal(
                        "datacenterToHostFolder",
                        "Datacenter",
                        "hostFolder",
                        &["folderToChild"],
                    ),
                    traversal(
                        "computeToHost",
                        "ComputeResource",
                        "host",
                        &["hostToNetwork"],
                    ),
                    host_to_network,
                ],
            }
        };
        let filter = PropertyFilterSpec {
            prop_set: property_specs(),
            object_set: vec![object_set],
            report_missing_objects_in_results: None,
        };
        let contents = self.client().retrieve(&[filter]).await?;
        HostNetworks::from_contents(contents)
    }
}

fn property<'a>(content: &'a ObjectContent, name: &str) -> Option<&'a AnyValue> {
    content
        .prop_set
        .iter()
        .find(|p| p.name == name)
        .map(|p| &p.val)
}

fn string_property(content: &ObjectContent, name: &str) -> Option<String> {
    match property(content, name) {
        Some(AnyValue::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// ESX's traffic shaping as libvirt's bandwidth: bits/s to KiB/s (÷ 8 ÷ 1000, as libvirt
/// scales), bytes to KiB; nothing when shaping is off.
pub(crate) fn shaping_to_bandwidth(
    shaping: Option<&HostNetworkTrafficShapingPolicy>,
) -> Option<Bandwidth> {
    let shaping = shaping?;
    if shaping.enabled != Some(true) {
        return None;
    }
    let per_second = |bits: Option<i64>| bits.map_or(0, |b| (b.max(0) as u64) / 8 / 1000);
    Some(Bandwidth::symmetric(Rate {
        average: per_second(shaping.average_bandwidth),
        peak: per_second(shaping.peak_bandwidth),
        burst: shaping.burst_size.map_or(0, |b| (b.max(0) as u64) / 1024),
    }))
}

impl HostNetworks {
    fn from_contents(contents: Vec<ObjectContent>) -> Result<HostNetworks> {
        let mut info = None;
        let mut network_system = None;
        let mut network_names = Vec::new();
        let mut distributed = Vec::new();
        for content in &contents {
            match content.obj.r#type.as_str() {
                "HostSystem" => {
                    if info.is_some() {
                        return Err(Error::Internal(
                            "the server answered with more than one host".into(),
                        ));
                    }
                    info = match property(content, "config.network") {
                        Some(AnyValue::HostNetworkInfo(i)) => Some((**i).clone()),
                        _ => Some(HostNetworkInfo::default()),
                    };
                    if let Some(AnyValue::ManagedObjectReference(r)) =
                        property(content, "configManager.networkSystem")
                    {
                        network_system = Some(r.clone());
                    }
                }
                "Network" => {
                    if let Some(name) = string_property(content, "name") {
                        network_names.push(name);
                    }
                }
                "DistributedVirtualPortgroup" => {
                    // A distributed switch's uplink port group carries its physical NICs, not
                    // VMs: not a network.
                    let uplink = match property(content, "config.uplink") {
                        Some(AnyValue::Boolean(b)) => *b,
                        _ => string_property(content, "name")
                            .is_some_and(|n| n.contains("-DVUplinks-")),
                    };
                    if uplink {
                        continue;
                    }
                    if let (Some(name), Some(key)) = (
                        string_property(content, "name"),
                        string_property(content, "key"),
                    ) {
                        let vlan = property(content, "config.defaultPortConfig")
                            .and_then(vlan_of_port_setting);
                        distributed.push(DistributedPortGroup { name, key, vlan });
                    }
                }
                _ => {}
            }
        }
        let info =
            info.ok_or_else(|| Error::Internal("the server reported no host system".into()))?;
        distributed.sort();
        Ok(HostNetworks {
            info,
            network_system,
            network_names,
            distributed,
        })
    }

    /// A snapshot of a given configuration, for tests of what the driver plans from it.
    #[cfg(test)]
    pub(crate) fn from_info(info: HostNetworkInfo, network_names: &[&str]) -> HostNetworks {
        HostNetworks {
            info,
            network_system: None,
            network_names: network_names.iter().map(|n| (*n).to_owned()).collect(),
            distributed: Vec::new(),
        }
    }

    /// The configuration, to change in tests.
    #[cfg(test)]
    pub(crate) fn info_mut(&mut self) -> &mut HostNetworkInfo {
        &mut self.info
    }

    /// The raw configuration (`config.network`).
    pub fn info(&self) -> &HostNetworkInfo {
        &self.info
    }

    /// The host's HostNetworkSystem, which changes the configuration.
    pub(crate) fn network_system(&self) -> Result<&ManagedObjectReference> {
        self.network_system.as_ref().ok_or_else(|| {
            Error::NoSupport("the host has no network system to change its networks".into())
        })
    }

    /// Every network, standard vSwitches first, each group sorted by name.
    pub fn list(&self) -> Vec<NetworkEntry> {
        let mut switches: Vec<NetworkEntry> = self
            .info
            .vswitch
            .iter()
            .map(|v| NetworkEntry {
                name: v.name.clone(),
                uuid: network_uuid(&v.key),
                kind: NetworkKind::StandardSwitch,
            })
            .collect();
        switches.sort_by(|a, b| a.name.cmp(&b.name));
        switches.extend(self.distributed.iter().map(|pg| NetworkEntry {
            name: pg.name.clone(),
            uuid: network_uuid(&pg.key),
            kind: NetworkKind::DistributedPortGroup {
                key: pg.key.clone(),
            },
        }));
        switches
    }

    /// The network named `name`, libvirt's error otherwise.
    pub fn by_name(&self, name: &str) -> Result<NetworkEntry> {
        self.list()
            .into_iter()
            .find(|n| n.name == name)
            .ok_or_else(|| {
                Error::NoNetwork(format!(
                    "Could not find HostVirtualSwitch with name '{name}'"
                ))
            })
    }

    /// The network with UUID `uuid`.
    pub fn by_uuid(&self, uuid: &Uuid) -> Result<NetworkEntry> {
        self.list()
            .into_iter()
            .find(|n| &n.uuid == uuid)
            .ok_or_else(|| {
                Error::NoNetwork(format!(
                    "Could not find HostVirtualSwitch with UUID '{uuid}'"
                ))
            })
    }

    /// virsh's lookup of a network argument: a UUID if it reads as one, else a name.
    pub fn lookup(&self, text: &str) -> Result<NetworkEntry> {
        if let Ok(uuid) = text.parse::<Uuid>() {
            if text.len() >= 32 {
                if let Ok(found) = self.by_uuid(&uuid) {
                    return Ok(found);
                }
            }
        }
        self.by_name(text)
    }

    pub(crate) fn vswitch(&self, name: &str) -> Option<&HostVirtualSwitch> {
        self.info.vswitch.iter().find(|v| v.name == name)
    }

    pub(crate) fn portgroup_by_key(&self, key: &str) -> Option<&HostPortGroup> {
        self.info
            .portgroup
            .iter()
            .find(|p| p.key.as_deref() == Some(key))
    }

    pub(crate) fn portgroup_by_name(&self, name: &str) -> Option<&HostPortGroup> {
        self.info.portgroup.iter().find(|p| p.spec.name == name)
    }

    pub(crate) fn pnic_by_device(&self, device: &str) -> Option<&PhysicalNic> {
        self.info.pnic.iter().find(|p| p.device == device)
    }

    /// The port groups of a vSwitch, in the vSwitch's order.
    pub(crate) fn portgroups_of<'a>(
        &'a self,
        vswitch: &'a HostVirtualSwitch,
    ) -> Result<Vec<&'a HostPortGroup>> {
        vswitch
            .portgroup
            .iter()
            .map(|key| {
                self.portgroup_by_key(key).ok_or_else(|| {
                    Error::Internal(format!("Could not find HostPortGroup with key '{key}'"))
                })
            })
            .collect()
    }

    /// The definition of a network, as libvirt's ESX driver builds it: `<forward mode='bridge'>`
    /// over the vSwitch's physical NICs when it has any, one `<portgroup>` per port group that
    /// the host has as a Network (with its VLAN tag and shaping), the vSwitch's shaping as
    /// `<bandwidth>`. A distributed port group gives its name and UUID.
    pub fn definition(&self, entry: &NetworkEntry) -> Result<NetworkDef> {
        if let NetworkKind::DistributedPortGroup { key } = &entry.kind {
            let vlan = self
                .distributed
                .iter()
                .find(|pg| &pg.key == key)
                .and_then(|pg| pg.vlan);
            return Ok(NetworkDef {
                name: entry.name.clone(),
                uuid: Some(entry.uuid),
                forward: Some(Forward {
                    mode: ForwardMode::Bridge,
                    interfaces: Vec::new(),
                }),
                vlan,
                ..Default::default()
            });
        }
        let vswitch = self.vswitch(&entry.name).ok_or_else(|| {
            Error::NoNetwork(format!(
                "Could not find HostVirtualSwitch with name '{}'",
                entry.name
            ))
        })?;
        let mut interfaces = Vec::new();
        for key in &vswitch.pnic {
            let nic = self
                .info
                .pnic
                .iter()
                .find(|p| p.key.as_deref() == Some(key.as_str()))
                .ok_or_else(|| {
                    Error::Internal(format!("Could not find PhysicalNic with key '{key}'"))
                })?;
            interfaces.push(nic.device.clone());
        }
        let forward = (!interfaces.is_empty()).then_some(Forward {
            mode: ForwardMode::Bridge,
            interfaces,
        });
        let mut portgroups = Vec::new();
        for portgroup in self.portgroups_of(vswitch)? {
            if !self.network_names.contains(&portgroup.spec.name) {
                continue; // not a VM port group (e.g. a VMkernel one): libvirt leaves it out
            }
            portgroups.push(PortGroupDef {
                name: portgroup.spec.name.clone(),
                default: false,
                vlan: (portgroup.spec.vlan_id > 0).then_some(portgroup.spec.vlan_id as u16),
                bandwidth: shaping_to_bandwidth(portgroup.spec.policy.shaping_policy.as_ref()),
            });
        }
        Ok(NetworkDef {
            name: vswitch.name.clone(),
            uuid: Some(entry.uuid),
            forward,
            bridge_name: None,
            vlan: None,
            bandwidth: vswitch
                .spec
                .policy
                .as_ref()
                .and_then(|p| shaping_to_bandwidth(p.shaping_policy.as_ref())),
            portgroups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributed_vlans_come_from_the_raw_port_setting() {
        let setting = |raw: &str| {
            AnyValue::Unknown(esx_vi::types::runtime::UnknownValue {
                type_name: "VMwareDVSPortSetting".into(),
                raw: raw.into(),
            })
        };
        assert_eq!(
            vlan_of_port_setting(&setting(
                "<blocked><inherited>false</inherited></blocked><vlan \
                 xsi:type=\"VmwareDistributedVirtualSwitchVlanIdSpec\"><inherited>false\
                 </inherited><vlanId>42</vlanId></vlan>"
            )),
            Some(42)
        );
        assert_eq!(
            vlan_of_port_setting(&setting(
                "<vlan><vlanId><start>1</start><end>9</end></vlanId></vlan>"
            )),
            None
        );
        assert_eq!(
            vlan_of_port_setting(&setting(
                "<vlan XMLSchema-instance:type=\"VmwareDistributedVirtualSwitchVlanIdSpec\">\
                 <vlanId>7</vlanId></vlan>"
            )),
            Some(7),
            "vcsim's prefix"
        );
        assert_eq!(
            vlan_of_port_setting(&setting("<vlan><vlanId>0</vlanId></vlan>")),
            None
        );
        assert_eq!(
            vlan_of_port_setting(&setting("<vlan><pvlanId>5</pvlanId></vlan>")),
            None
        );
        assert_eq!(vlan_of_port_setting(&setting("<unclosed>")), None);
    }

    #[test]
    fn shaping_converts_as_libvirt_scales_it() {
        let shaping = HostNetworkTrafficShapingPolicy {
            enabled: Some(true),
            average_bandwidth: Some(80_000_000),
            peak_bandwidth: Some(160_000_000),
            burst_size: Some(1_048_576),
        };
        assert_eq!(
            shaping_to_bandwidth(Some(&shaping)),
            Some(Bandwidth::symmetric(Rate {
                average: 10_000,
                peak: 20_000,
                burst: 1024
            }))
        );
        let off = HostNetworkTrafficShapingPolicy {
            enabled: Some(false),
            ..shaping
        };
        assert_eq!(shaping_to_bandwidth(Some(&off)), None);
    }
}
