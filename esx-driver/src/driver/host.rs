//! The host side of a connection: nodeinfo, capabilities, hostname, version, free memory, and
//! migration between hosts of one vCenter (libvirt's `vpxmigr://` protocol).

use esx_vi::types::{
    methods, AnyValue, ComputeResourceProperties, Event, HostCpuIdInfo, HostHardwareSummary,
    HostSystemProperties, VirtualMachineMovePriority,
};
use esx_vi::TaskWait;

use super::connection::Connection;
use super::domain::DomainRef;
use super::error::{DomainKey, Error, Result};
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

/// The CPU model as libvirt's `esxNodeGetInfo` shortens it to fit more of what matters into
/// its 31 characters: `(R)`, `(C)` and `(TM)` dropped and runs of spaces collapsed, then cut.
fn compact_model(model: &str) -> String {
    let mut cleaned = model.to_owned();
    for mark in ["(R)", "(C)", "(TM)"] {
        cleaned = cleaned.replace(mark, "");
    }
    let mut compact = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        if !(c == ' ' && compact.ends_with(' ')) {
            compact.push(c);
        }
    }
    compact.chars().take(31).collect()
}

/// Whether CPUID leaf 0x80000001 says the host's CPUs run 64-bit code (long mode, EDX bit 29),
/// as libvirt's `esxSupportsLongMode` reads `hardware.cpuFeature`: the register is written as
/// 32 characters, most significant bit first, with `:` every four (`----:----:...`).
fn supports_long_mode(features: &[HostCpuIdInfo]) -> bool {
    features.iter().any(|leaf| {
        // vSphere's `level` is a signed int: leaf 0x80000001 arrives as -2147483647.
        leaf.level == 0x8000_0001_u32 as i32
            && leaf.edx.as_deref().is_some_and(|edx| {
                let bits: Vec<char> = edx.chars().filter(|c| *c != ':').collect();
                // Bit 29 counted from the least significant end, which is the last character.
                bits.len() == 32 && bits[31 - 29] == '1'
            })
    })
}

impl Connection {
    pub(crate) async fn host_properties(
        &self,
        properties: &[&str],
    ) -> Result<HostSystemProperties> {
        let host = &self.host_context().host;
        Ok(self.client().retrieve_object(host, properties).await?)
    }

    /// `virsh nodeinfo`. The frequency is `hardware.cpuInfo.hz`, as libvirt reads it (the
    /// summary's `cpuMhz` is a rounded figure that can differ); the NUMA node count is optional.
    pub async fn node_info(&self) -> Result<NodeInfo> {
        let props = self
            .host_properties(&[
                "summary.hardware",
                "hardware.cpuInfo.hz",
                "hardware.numaInfo.numNodes",
            ])
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
            mhz: match props.path("hardware.cpuInfo.hz") {
                Some(AnyValue::Long(hz)) if *hz > 0 => (*hz / 1_000_000) as u32,
                _ => hardware.cpu_mhz.max(0) as u32,
            },
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

    /// `virsh capabilities`: libvirt's capabilities XML for a VMware host: the host's BIOS UUID
    /// (`hardware.systemInfo.uuid`, zeros when it has none), its architecture from CPUID long
    /// mode (`x86_64`, else `i686`), `vpxmigr` migration, and `hvm` guests of domain type
    /// `vmware` (i686, and x86_64 on a 64-bit host). Either property may be missing: the XML is
    /// written with what could be read (64-bit assumed, as every host ESX 4+ runs on is).
    pub async fn capabilities_xml(&self) -> Result<String> {
        let props = self
            .host_properties(&["hardware.systemInfo.uuid", "hardware.cpuFeature"])
            .await?;
        let uuid = match props.path("hardware.systemInfo.uuid") {
            Some(AnyValue::String(u)) if !u.is_empty() => u.clone(),
            _ => "00000000-0000-0000-0000-000000000000".to_owned(),
        };
        let long_mode = match props.path("hardware.cpuFeature") {
            Some(AnyValue::ArrayOfHostCpuIdInfo(features)) => supports_long_mode(features),
            _ => true,
        };
        Ok(capabilities_text(&uuid, long_mode))
    }

    /// The most virtual CPUs one VM may have on the connection's host
    /// (`capability.maxSupportedVcpus`, libvirt's `esxDomainGetMaxVcpus`).
    pub async fn max_vcpus(&self) -> Result<u32> {
        let props = self
            .host_properties(&["capability.maxSupportedVcpus"])
            .await?;
        match props.path("capability.maxSupportedVcpus") {
            Some(AnyValue::Int(n)) if *n > 0 => Ok(*n as u32),
            _ => Err(Error::Internal(
                "the host reports no maximum number of virtual CPUs (capability.maxSupportedVcpus)"
                    .into(),
            )),
        }
    }

    /// The `vpxmigr://` URI naming this connection's host and its resource pool in the vCenter
    /// that manages it, for a domain migrating here (libvirt's migration "prepare" step on the
    /// destination). On a vpx:// connection that is its own server; on an esx:// connection the
    /// `vcenter=` link, where the host is found by the IP address its URI's name resolves to,
    /// as libvirt finds it.
    pub async fn migration_uri(&self) -> Result<MigrationUri> {
        if self.client().is_vcenter() {
            let context = self.host_context();
            return Ok(MigrationUri {
                vcenter: self.uri().host.clone(),
                resource_pool: context.resource_pool.value.clone(),
                host_system: context.host.value.clone(),
            });
        }
        let Some(link) = self.vcenter() else {
            return Err(Error::InvalidArg(
                "Migration not possible without a vCenter".into(),
            ));
        };
        let ip = resolve_ip(&self.uri().host).await?;
        let host = link
            .client
            .find_host_by_ip(&ip)
            .await
            .map_err(Error::Vi)?
            .ok_or_else(|| {
                Error::Internal(format!(
                    "Could not find host system with IP address '{ip}' in the vCenter at {}",
                    link.address
                ))
            })?;
        let props: HostSystemProperties = link
            .client
            .retrieve_object(&host, &["parent"])
            .await
            .map_err(Error::Vi)?;
        let Some(compute_resource) = props.parent.as_ref() else {
            return Err(Error::Internal(format!(
                "host system '{}' in the vCenter at {} has no compute resource",
                host.value, link.address
            )));
        };
        let compute: ComputeResourceProperties = link
            .client
            .retrieve_object(compute_resource, &["resourcePool"])
            .await
            .map_err(Error::Vi)?;
        let Some(pool) = compute.resource_pool else {
            return Err(Error::Internal(format!(
                "compute resource '{}' in the vCenter at {} has no resource pool",
                compute_resource.value, link.address
            )));
        };
        Ok(MigrationUri {
            vcenter: link.address.clone(),
            resource_pool: pool.value,
            host_system: host.value,
        })
    }

    /// `virsh migrate`: moves the domain to the host and pool of `destination` through the
    /// vCenter this connection uses (a vpx:// connection's own server, or an esx:// connection's
    /// `vcenter=`), which must be the destination's. As libvirt's `esxDomainMigratePerform`,
    /// the vCenter first validates the move (`ValidateMigration`) and the first problem it
    /// reports is the error; only then does `MigrateVM_Task` start.
    pub async fn migrate(&self, dom: &DomainRef, destination: &MigrationUri) -> Result<()> {
        let source = self.migration_source(dom).await?;
        destination.ensure_same_vcenter(source.vcenter_address)?;
        let pool =
            esx_vi::types::ManagedObjectReference::new("ResourcePool", &destination.resource_pool);
        let host =
            esx_vi::types::ManagedObjectReference::new("HostSystem", &destination.host_system);
        let client = source.client;
        let vm = &source.vm;
        let service_instance =
            esx_vi::types::ManagedObjectReference::new("ServiceInstance", "ServiceInstance");
        let problems = methods::validate_migration(
            client,
            &service_instance,
            std::slice::from_ref(vm),
            None,
            &[],
            Some(&pool),
            Some(&host),
        )
        .await
        .map_err(|e| esx_vi::Error::from_method("ValidateMigration", e))
        .map_err(Error::server("Could not validate the migration"))?;
        if let Some(first) = problems.first() {
            return Err(Error::Internal(validation_problem(first)));
        }
        let wait = TaskWait {
            auto_answer: self.auto_answer(),
            ..TaskWait::default()
        };
        client
            .run_vm_task(vm, wait, || async {
                methods::migrate_vm_task(
                    client,
                    vm,
                    Some(&pool),
                    Some(&host),
                    &VirtualMachineMovePriority::DefaultPriority,
                    None,
                )
                .await
                .map_err(|e| esx_vi::Error::from_method("MigrateVM_Task", e))
            })
            .await
            .map_err(Error::server("Could not migrate domain"))?;
        Ok(())
    }

    /// The vCenter that migrates the domain, and the domain's VM as that vCenter knows it: on a
    /// vpx:// connection its own server and reference; on an esx:// connection with `vcenter=`
    /// the linked vCenter, where the VM is found by its UUID (as libvirt looks it up there).
    async fn migration_source(&self, dom: &DomainRef) -> Result<MigrationSource<'_>> {
        if self.client().is_vcenter() {
            let dom = self.refresh(dom).await?;
            return Ok(MigrationSource {
                client: self.client(),
                vcenter_address: &self.uri().host,
                vm: dom.moref,
            });
        }
        let Some(link) = self.vcenter() else {
            return Err(Error::InvalidArg(
                "Migration not possible without a vCenter".into(),
            ));
        };
        let dom = self.refresh(dom).await?;
        let not_found = || Error::NoDomain {
            key: match dom.uuid {
                Some(uuid) => DomainKey::Uuid(uuid),
                None => DomainKey::Name(dom.name.clone()),
            },
            vanished: None,
        };
        // The instance UUID first (the domain's UUID when the VM has one), then the BIOS UUID.
        let mut candidates = Vec::new();
        if let Some(uuid) = dom.uuid {
            candidates.push((uuid, true));
        }
        for uuid in [dom.hw_uuid, dom.uuid].into_iter().flatten() {
            candidates.push((uuid, false));
        }
        for (uuid, instance) in candidates {
            if let Some(vm) = link
                .client
                .find_vm_by_uuid(&uuid.to_string(), instance)
                .await
                .map_err(Error::Vi)?
            {
                return Ok(MigrationSource {
                    client: &link.client,
                    vcenter_address: &link.address,
                    vm,
                });
            }
        }
        Err(not_found())
    }
}

/// Where a migration runs: the vCenter's client and address, and the VM there.
struct MigrationSource<'a> {
    client: &'a esx_vi::Client,
    vcenter_address: &'a str,
    vm: esx_vi::types::ManagedObjectReference,
}

/// The IP address `host` names (itself when it is one), IPv4 first as libvirt's
/// `esxUtil_ResolveHostname` asks for.
async fn resolve_ip(host: &str) -> Result<String> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(ip.to_string());
    }
    let addresses: Vec<std::net::IpAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| Error::Internal(format!("IP address lookup for host '{host}' failed: {e}")))?
        .map(|a| a.ip())
        .collect();
    addresses
        .iter()
        .find(|ip| ip.is_ipv4())
        .or(addresses.first())
        .map(ToString::to_string)
        .ok_or_else(|| Error::Internal(format!("No IP address for host '{host}' found")))
}

/// libvirt's message for the first problem `ValidateMigration` reports.
fn validation_problem(event: &Event) -> String {
    match event.full_formatted_message.as_deref() {
        Some(message) if !message.is_empty() => {
            format!("Could not migrate domain, validation reported a problem: {message}")
        }
        _ => "Could not migrate domain, validation reported a problem".to_owned(),
    }
}

/// libvirt's capabilities XML for a host with this BIOS UUID.
fn capabilities_text(uuid: &str, long_mode: bool) -> String {
    let host_arch = if long_mode { "x86_64" } else { "i686" };
    let mut out = format!(
        "<capabilities>\n\n  <host>\n    <uuid>{uuid}</uuid>\n    <cpu>\n      \
         <arch>{host_arch}</arch>\n    </cpu>\n    <power_management/>\n    \
         <iommu support='no'/>\n    <migration_features>\n      <live/>\n      \
         <uri_transports>\n        <uri_transport>vpxmigr</uri_transport>\n      \
         </uri_transports>\n    </migration_features>\n  </host>\n\n"
    );
    let guests: &[(&str, u32)] = if long_mode {
        &[("i686", 32), ("x86_64", 64)]
    } else {
        &[("i686", 32)]
    };
    for (arch, wordsize) in guests {
        out.push_str(&format!(
            "  <guest>\n    <os_type>hvm</os_type>\n    <arch name='{arch}'>\n      \
             <wordsize>{wordsize}</wordsize>\n      <domain type='vmware'/>\n    </arch>\n  \
             </guest>\n\n"
        ));
    }
    out.push_str("</capabilities>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_models_are_cleaned_before_they_are_cut() {
        assert_eq!(
            compact_model("Intel(R) Core(TM) i7-3615QM CPU @ 2.30GHz"),
            "Intel Core i7-3615QM CPU @ 2.30"
        );
        assert_eq!(
            compact_model("Intel(R)   Xeon(R) CPU   E5-2680 v4 @ 2.40GHz"),
            "Intel Xeon CPU E5-2680 v4 @ 2.4"
        );
        assert_eq!(compact_model("AMD(C) EPYC"), "AMD EPYC");
    }

    fn leaf(level: &str, edx: &str) -> HostCpuIdInfo {
        HostCpuIdInfo {
            level: u32::from_str_radix(level, 16).unwrap() as i32,
            vendor: None,
            eax: None,
            ebx: None,
            ecx: None,
            edx: Some(edx.to_owned()),
        }
    }

    #[test]
    fn long_mode_is_bit_29_of_leaf_80000001_edx() {
        let on = "--1-:----:----:----:----:----:----:----";
        let off = "--0-:----:----:----:----:----:----:----";
        assert!(supports_long_mode(&[leaf("1", off), leaf("80000001", on)]));
        assert!(!supports_long_mode(&[leaf("80000001", off)]));
        assert!(!supports_long_mode(&[leaf("1", on)]));
        assert!(!supports_long_mode(&[]));
    }

    #[test]
    fn a_32_bit_host_offers_only_i686_guests() {
        let xml = capabilities_text("00000000-0000-0000-0000-000000000000", false);
        assert!(xml.contains("<arch>i686</arch>"), "{xml}");
        assert!(!xml.contains("x86_64"), "{xml}");
    }
}
