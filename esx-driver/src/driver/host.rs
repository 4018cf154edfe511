//! The host side of a connection: nodeinfo, capabilities, hostname, version, free memory, and
//! migration between hosts of one vCenter (libvirt's `vpxmigr://` protocol).

use esx_vi::types::{
    methods, AnyValue, HostHardwareSummary, HostSystemProperties, VirtualMachineMovePriority,
};

use super::connection::Connection;
use super::domain::DomainRef;
use super::error::{Error, Result};
use crate::uri::MigrationUri;

/// What `virsh nodeinfo` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// The CPU model, white space compacted, at most 31 characters (libvirt's limit).
    pub cpu_model: String,
    /// Memory in KiB.
    pub memory_kib: u64,
    /// Logical CPUs (threads).
    pub cpus: u32,
    /// CPU frequency in MHz.
    pub mhz: u32,
    /// NUMA nodes.
    pub nodes: u32,
    /// CPU sockets per node.
    pub sockets: u32,
    /// Cores per socket.
    pub cores: u32,
    /// Threads per core.
    pub threads: u32,
}

/// What `virsh version` shows about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HypervisorVersion {
    /// `ESX` or `VPX`.
    pub kind: &'static str,
    /// `about.version`, e.g. `7.0.3`.
    pub version: String,
    /// `about.fullName`.
    pub full_name: String,
}

fn compact_model(model: &str) -> String {
    let compact = model.split_whitespace().collect::<Vec<_>>().join(" ");
    compact.chars().take(31).collect()
}

impl Connection {
    async fn host_properties(&self, properties: &[&str]) -> Result<HostSystemProperties> {
        let host = &self.host_context().host;
        Ok(self.client().retrieve_object(host, properties).await?)
    }

    /// `virsh nodeinfo`.
    pub async fn node_info(&self) -> Result<NodeInfo> {
        let props = self
            .host_properties(&["summary.hardware", "hardware.numaInfo.numNodes"])
            .await?;
        let hardware: HostHardwareSummary = match props.path("summary.hardware") {
            Some(AnyValue::HostHardwareSummary(h)) => (**h).clone(),
            _ => {
                return Err(Error::Internal(
                    "the host reports no hardware summary".into(),
                ))
            }
        };
        let nodes = match props.path("hardware.numaInfo.numNodes") {
            Some(AnyValue::Int(n)) if *n > 0 => *n as u32,
            _ => 1,
        };
        let packages = (hardware.num_cpu_pkgs.max(1)) as u32;
        let cores = (hardware.num_cpu_cores.max(1)) as u32;
        let threads = (hardware.num_cpu_threads.max(1)) as u32;
        Ok(NodeInfo {
            cpu_model: compact_model(&hardware.cpu_model),
            memory_kib: (hardware.memory_size.max(0) as u64) / 1024,
            cpus: threads,
            mhz: hardware.cpu_mhz.max(0) as u32,
            nodes,
            sockets: (packages / nodes).max(1),
            cores: (cores / packages).max(1),
            threads: (threads / cores).max(1),
        })
    }

    /// `virsh hostname`: the host's DNS name (`host.domain`), else its inventory name.
    pub async fn hostname(&self) -> Result<String> {
        let props = self
            .host_properties(&["name", "config.network.dnsConfig"])
            .await?;
        if let Some(AnyValue::HostDnsConfig(dns)) = props.path("config.network.dnsConfig") {
            if !dns.host_name.is_empty() {
                return Ok(if dns.domain_name.is_empty() {
                    dns.host_name.clone()
                } else {
                    format!("{}.{}", dns.host_name, dns.domain_name)
                });
            }
        }
        props
            .name
            .ok_or_else(|| Error::Internal("the host reports no name".into()))
    }

    /// `virsh version`: the server's product and version.
    pub fn hypervisor_version(&self) -> HypervisorVersion {
        let about = &self.client().service_content().about;
        HypervisorVersion {
            kind: if self.client().is_vcenter() {
                "VPX"
            } else {
                "ESX"
            },
            version: about.version.clone(),
            full_name: about.full_name.clone(),
        }
    }

    /// `virsh freecell`: the memory of the connection's host that is not in use, in KiB: its
    /// memory size minus `summary.quickStats.overallMemoryUsage`, as libvirt 11 reports it (on a
    /// cluster host too: the figure describes the host, never the cluster's shared pool).
    pub async fn free_memory_kib(&self) -> Result<u64> {
        let props = self
            .host_properties(&[
                "summary.hardware.memorySize",
                "summary.quickStats.overallMemoryUsage",
            ])
            .await?;
        let total = match props.path("summary.hardware.memorySize") {
            Some(AnyValue::Long(b)) => *b as u64,
            _ => 0,
        };
        let used_mib = match props.path("summary.quickStats.overallMemoryUsage") {
            Some(AnyValue::Int(m)) => (*m).max(0) as u64,
            _ => 0,
        };
        Ok((total / 1024).saturating_sub(used_mib * 1024))
    }

    /// `virsh capabilities`: libvirt's capabilities XML for a VMware host (i686 and x86_64
    /// `hvm` guests of domain type `vmware`).
    pub async fn capabilities_xml(&self) -> Result<String> {
        let props = self.host_properties(&["summary.hardware"]).await?;
        let uuid = match props.path("summary.hardware") {
            Some(AnyValue::HostHardwareSummary(h)) => h.uuid.clone(),
            _ => String::new(),
        };
        let mut out = String::from("<capabilities>\n\n  <host>\n");
        if !uuid.is_empty() {
            out.push_str(&format!("    <uuid>{uuid}</uuid>\n"));
        }
        out.push_str("    <cpu>\n      <arch>x86_64</arch>\n    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n  </host>\n\n");
        for (arch, wordsize) in [("i686", 32), ("x86_64", 64)] {
            out.push_str(&format!(
                "  <guest>\n    <os_type>hvm</os_type>\n    <arch name='{arch}'>\n      <wordsize>{wordsize}</wordsize>\n      <domain type='vmware'/>\n    </arch>\n  </guest>\n\n"
            ));
        }
        out.push_str("</capabilities>\n");
        Ok(out)
    }

    /// The `vpxmigr://` URI naming this connection's host and its resource pool, for a domain
    /// migrating here (libvirt's migration "prepare" step on the destination).
    pub async fn migration_uri(&self) -> Result<MigrationUri> {
        if !self.client().is_vcenter() {
            return Err(Error::NoSupport(
                "migration needs a vpx:// connection (a host under vCenter)".into(),
            ));
        }
        let context = self.host_context();
        Ok(MigrationUri {
            vcenter: self.uri().host.clone(),
            resource_pool: context.resource_pool.value.clone(),
            host_system: context.host.value.clone(),
        })
    }

    /// `virsh migrate`: moves the domain to the host and pool of `destination`, which must be
    /// on the vCenter this connection uses.
    pub async fn migrate(&self, dom: &DomainRef, destination: &MigrationUri) -> Result<()> {
        if !self.client().is_vcenter() {
            return Err(Error::NoSupport(
                "migration needs a vpx:// connection (a host under vCenter)".into(),
            ));
        }
        destination.ensure_same_vcenter(&self.uri().host)?;
        let dom = &self.refresh(dom).await?;
        let pool =
            esx_vi::types::ManagedObjectReference::new("ResourcePool", &destination.resource_pool);
        let host =
            esx_vi::types::ManagedObjectReference::new("HostSystem", &destination.host_system);
        let client = self.client();
        self.run_vm_task(dom, "Could not migrate domain", || async {
            methods::migrate_vm_task(
                client,
                &dom.moref,
                Some(&pool),
                Some(&host),
                &VirtualMachineMovePriority::DefaultPriority,
                None,
            )
            .await
            .map_err(|e| esx_vi::Error::from_method("MigrateVM_Task", e))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_models_are_compacted_to_libvirts_length() {
        assert_eq!(
            compact_model("Intel(R)   Xeon(R) CPU   E5-2680 v4 @ 2.40GHz"),
            "Intel(R) Xeon(R) CPU E5-2680 v4"
        );
    }
}
