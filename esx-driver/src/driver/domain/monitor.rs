//! What a domain reports about itself beyond its state: its vCPU count, what VMware Tools says
//! about the guest (host name, addresses), its memory statistics, and libvirt's yes/no
//! questions (`is_active`, `is_persistent`, `has_managed_save`), and its description (the VM's
//! annotation, `virsh desc`). Each read is one retrieval of the VM's properties.

use esx_vi::types::{
    AnyValue, AnyVirtualDevice, GuestNicInfo, VirtualMachineConfigSpec, VirtualMachineFileLayoutEx,
    VirtualMachineQuickStats,
};

use super::lookup::{long_at, DomainRef};
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

/// A domain's memory as `virsh dommemstat` shows it, in KiB, from the VM's configured size and
/// the host's quick statistics (`summary.quickStats`); a figure the host does not report is
/// `None` and left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryStats {
    /// The configured memory size (`config.hardware.memoryMB`): virsh's `actual`.
    pub actual: u64,
    /// Memory the guest actively uses (`guestMemoryUsage`).
    pub guest_used: Option<u64>,
    /// Host memory backing the guest (`hostMemoryUsage`): virsh's `rss`.
    pub rss: Option<u64>,
    /// Memory the balloon driver reclaimed (`balloonedMemory`).
    pub ballooned: Option<u64>,
    /// Memory swapped out by the host (`swappedMemory`).
    pub swapped: Option<u64>,
}

impl MemoryStats {
    /// virsh's `unused`: the configured memory the guest does not use.
    pub fn unused(&self) -> Option<u64> {
        self.guest_used.map(|used| self.actual.saturating_sub(used))
    }
}

/// The sizes of one disk as `virsh domblkinfo` shows them, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    /// What the guest sees (`capacityInBytes`).
    pub capacity: u64,
    /// What its files take on the datastore: every file of its chain (snapshots' deltas too),
    /// from `layoutEx`.
    pub allocation: u64,
    /// The same: a VMware disk has no container other than its files.
    pub physical: u64,
}

/// The layoutEx disk with the file `path` (`[ds] dir/disk.vmdk`) in its chain, and the bytes
/// of all files of that chain. (vSphere orders a chain base first, the simulator newest first:
/// any unit may be the one the domain XML names.)
fn disk_files(layout: &VirtualMachineFileLayoutEx, path: &str) -> Option<(i32, u64)> {
    let file = |key: i32| layout.file.iter().find(|f| f.key == key);
    layout.disk.iter().find_map(|disk| {
        let named = disk
            .chain
            .iter()
            .flat_map(|unit| unit.file_key.iter())
            .any(|k| file(*k).is_some_and(|f| f.name == path));
        if !named {
            return None;
        }
        let bytes = disk
            .chain
            .iter()
            .flat_map(|unit| unit.file_key.iter())
            .filter_map(|k| file(*k))
            .map(|f| f.size.max(0) as u64)
            .sum();
        Some((disk.key, bytes))
    })
}

/// One network interface of a running guest as VMware Tools reports it (`guest.net`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestInterface {
    /// The MAC address, as the VM's configuration names the NIC.
    pub mac: Option<String>,
    /// The network (port group) it is connected to.
    pub network: Option<String>,
    /// Its addresses with their prefix lengths (`None` when Tools gave only the address).
    pub addresses: Vec<(String, Option<u8>)>,
}

fn mib_to_kib(props_value: Option<i64>) -> Option<u64> {
    props_value.map(|mib| mib.max(0) as u64 * 1024)
}

fn guest_interface(nic: &GuestNicInfo) -> GuestInterface {
    let with_prefix: Vec<(String, Option<u8>)> = nic
        .ip_config
        .as_ref()
        .map(|config| {
            config
                .ip_address
                .iter()
                .map(|a| (a.ip_address.clone(), u8::try_from(a.prefix_length).ok()))
                .collect()
        })
        .unwrap_or_default();
    let addresses = if with_prefix.is_empty() {
        nic.ip_address.iter().map(|a| (a.clone(), None)).collect()
    } else {
        with_prefix
    };
    GuestInterface {
        mac: nic.mac_address.clone(),
        network: nic.network.clone(),
        addresses,
    }
}

impl Connection {
    /// The number of virtual CPUs the domain is configured with (`config.hardware.numCPU`).
    /// VMware has no vCPU hot-plug range: it is both the current and the maximum count.
    pub async fn vcpu_count(&self, dom: &DomainRef) -> Result<u32> {
        let props = self.vm_properties(dom, &["config.hardware.numCPU"]).await?;
        long_at(&props, "config.hardware.numCPU")
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                Error::Internal(format!(
                    "VM {} reports no number of virtual CPUs",
                    dom.moref.value
                ))
            })
    }

    /// `virsh domhostname`: the guest's host name as VMware Tools reports it (`guest.hostName`),
    /// refused as libvirt refuses it when Tools do not run.
    pub async fn guest_hostname(&self, dom: &DomainRef) -> Result<String> {
        let props = self.vm_properties(dom, &["guest.hostName"]).await?;
        match props.path("guest.hostName") {
            Some(AnyValue::String(name)) if !name.is_empty() => Ok(name.clone()),
            _ => Err(Error::OperationInvalid(
                "hostName field not available (missing VMware Tools?)".into(),
            )),
        }
    }

    /// `virsh domifaddr --source agent`: the guest's interfaces and addresses from VMware Tools
    /// (`guest.net`); empty when Tools do not run.
    pub async fn guest_interfaces(&self, dom: &DomainRef) -> Result<Vec<GuestInterface>> {
        let props = self.vm_properties(dom, &["guest.net"]).await?;
        Ok(match props.path("guest.net") {
            Some(AnyValue::ArrayOfGuestNicInfo(nics)) => nics.iter().map(guest_interface).collect(),
            _ => Vec::new(),
        })
    }

    /// `virsh dommemstat`: the configured memory and the host's quick statistics.
    pub async fn memory_stats(&self, dom: &DomainRef) -> Result<MemoryStats> {
        let props = self
            .vm_properties(dom, &["config.hardware.memoryMB", "summary.quickStats"])
            .await?;
        let actual = mib_to_kib(long_at(&props, "config.hardware.memoryMB")).unwrap_or(0);
        let quick: Option<&VirtualMachineQuickStats> = match props.path("summary.quickStats") {
            Some(AnyValue::VirtualMachineQuickStats(q)) => Some(q),
            _ => None,
        };
        let mib = |field: fn(&VirtualMachineQuickStats) -> Option<i32>| {
            mib_to_kib(quick.and_then(field).map(i64::from))
        };
        Ok(MemoryStats {
            actual,
            guest_used: mib(|q| q.guest_memory_usage),
            rss: mib(|q| q.host_memory_usage),
            ballooned: mib(|q| q.ballooned_memory),
            swapped: mib(|q| q.swapped_memory),
        })
    }

    /// `virsh desc`: the domain's description (`config.annotation`, the VMX `annotation`), if
    /// it has one.
    pub async fn description(&self, dom: &DomainRef) -> Result<Option<String>> {
        let props = self.vm_properties(dom, &["config.annotation"]).await?;
        Ok(match props.path("config.annotation") {
            Some(AnyValue::String(text)) if !text.is_empty() => Some(text.clone()),
            _ => None,
        })
    }

    /// `virsh desc DOM TEXT`: replaces the description (an empty text removes it).
    pub async fn set_description(&self, dom: &DomainRef, text: &str) -> Result<()> {
        let spec = VirtualMachineConfigSpec {
            annotation: Some(text.to_owned()),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(dom, spec, "Could not set the description")
            .await
    }

    /// `virsh domblkinfo`: the sizes of the disk whose file is `path` (`[ds] dir/disk.vmdk`,
    /// as the domain XML names it); one retrieval of the devices and the file layout.
    pub async fn block_info(&self, dom: &DomainRef, path: &str) -> Result<BlockInfo> {
        let props = self
            .vm_properties(dom, &["config.hardware.device", "layoutEx"])
            .await?;
        let Some((key, bytes)) = props.layout_ex.as_ref().and_then(|l| disk_files(l, path)) else {
            return Err(Error::InvalidArg(format!(
                "invalid path {path} not assigned to domain"
            )));
        };
        let capacity = match props.path("config.hardware.device") {
            Some(AnyValue::ArrayOfVirtualDevice(devices)) => {
                devices.iter().find_map(|device| match device {
                    AnyVirtualDevice::VirtualDisk(disk) if disk.key == key => Some(
                        disk.capacity_in_bytes
                            .unwrap_or(disk.capacity_in_kb.saturating_mul(1024)),
                    ),
                    _ => None,
                })
            }
            _ => None,
        };
        let capacity = capacity.ok_or_else(|| {
            Error::Internal(format!(
                "VM {} reports no disk with key {key}",
                dom.moref.value
            ))
        })?;
        Ok(BlockInfo {
            capacity: capacity.max(0) as u64,
            allocation: bytes,
            physical: bytes,
        })
    }

    /// libvirt's `virDomainIsActive`: the domain has an id (powered on or suspended), read now.
    pub async fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.domain_state(dom).await?.is_active())
    }

    /// libvirt's `virDomainIsPersistent`: every VM the host knows is persistent (VMware has no
    /// transient VMs); fails like the others when the domain is gone.
    pub async fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        self.refresh(dom).await?;
        Ok(true)
    }

    /// libvirt's `virDomainHasManagedSaveImage`: never (VMware's suspend is a power state, not a
    /// managed save image); fails like the others when the domain is gone.
    pub async fn domain_has_managed_save(&self, dom: &DomainRef) -> Result<bool> {
        self.refresh(dom).await?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use esx_vi::types::{NetIpConfigInfo, NetIpConfigInfoIpAddress};

    use super::*;

    #[test]
    fn guest_addresses_keep_their_prefix_when_tools_give_one() {
        let mut nic = GuestNicInfo {
            mac_address: Some("00:50:56:aa:bb:cc".to_owned()),
            ip_address: vec!["10.0.0.5".to_owned()],
            ..GuestNicInfo::default()
        };
        assert_eq!(
            guest_interface(&nic).addresses,
            vec![("10.0.0.5".to_owned(), None)]
        );
        nic.ip_config = Some(NetIpConfigInfo {
            ip_address: vec![NetIpConfigInfoIpAddress {
                ip_address: "10.0.0.5".to_owned(),
                prefix_length: 24,
                ..NetIpConfigInfoIpAddress::default()
            }],
            ..NetIpConfigInfo::default()
        });
        assert_eq!(
            guest_interface(&nic).addresses,
            vec![("10.0.0.5".to_owned(), Some(24))]
        );
    }

    #[test]
    fn unused_memory_is_what_the_guest_does_not_use() {
        let stats = MemoryStats {
            actual: 4096,
            guest_used: Some(1024),
            ..MemoryStats::default()
        };
        assert_eq!(stats.unused(), Some(3072));
        assert_eq!(MemoryStats::default().unused(), None);
    }
}
