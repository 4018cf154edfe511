//! Domains: listing, lookups, dominfo and domstate, all scoped to the connection's host as in
//! libvirt: a listing is one traversal of the host's `vm` property (so it costs one retrieval,
//! whatever the size of the vCenter, and grows only with the host's VMs), and a VM that another
//! host runs does not exist for the connection, whether it is looked up by name, id or UUID.

use std::fmt;

use esx_vi::types::{
    AnyValue, ManagedObjectReference, VirtualMachinePowerState, VirtualMachineProperties,
};

use crate::domain::Uuid;
use crate::driver::connection::Connection;
use crate::driver::error::{DomainKey, Error, Result, Vanished};

/// What a listing that prints only names and states retrieves for every VM (`virsh list`
/// without `--uuid`): half the properties, so half the bytes on a large host.
const BRIEF_PROPERTIES: [&str; 2] = ["name", "runtime.powerState"];

/// The properties a listing or lookup retrieves for every VM.
const LIST_PROPERTIES: [&str; 4] = [
    "name",
    "runtime.powerState",
    "config.uuid",
    "config.instanceUuid",
];

/// The host a VM runs on: a VM reached directly (by reference, inventory path or `FindByUuid`)
/// rather than through the host's `vm` property belongs to the connection only if it is this
/// host (vSphere keeps `runtime.host` and the host's `vm` list in step).
const HOST_PROPERTY: &str = "runtime.host";

/// A domain's state as libvirt reports it for VMware: powered on is `running`, suspended is
/// `paused`, powered off is `shut off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainState {
    /// Powered on.
    Running,
    /// Suspended (memory saved to disk): libvirt's `paused`.
    Paused,
    /// Powered off.
    ShutOff,
}

impl DomainState {
    fn from_power_state(state: &VirtualMachinePowerState) -> Option<DomainState> {
        match state {
            VirtualMachinePowerState::PoweredOn => Some(DomainState::Running),
            VirtualMachinePowerState::Suspended => Some(DomainState::Paused),
            VirtualMachinePowerState::PoweredOff => Some(DomainState::ShutOff),
            _ => None,
        }
    }

    /// virsh's word for it (`running`, `paused`, `shut off`).
    pub fn as_str(self) -> &'static str {
        match self {
            DomainState::Running => "running",
            DomainState::Paused => "paused",
            DomainState::ShutOff => "shut off",
        }
    }

    /// Whether libvirt counts the domain as active (it has an id): powered on or suspended.
    /// libvirt 11.3's ESX driver lists a suspended VM in `list` with its id and `paused`, and
    /// `start` refuses it as already active (checked side by side against it).
    pub fn is_active(self) -> bool {
        self != DomainState::ShutOff
    }
}

impl fmt::Display for DomainState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A domain as a listing or lookup found it.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainRef {
    /// The VM's managed object reference (`vm-42`).
    pub moref: ManagedObjectReference,
    /// The VM's name.
    pub name: String,
    /// The domain UUID: the VM's instance UUID (`config.instanceUuid`, VMX `vc.uuid`), else its
    /// BIOS UUID, as the VMX conversion names domains; `None` for a VM whose configuration is
    /// unavailable.
    pub uuid: Option<Uuid>,
    /// The BIOS (SMBIOS) UUID, `config.uuid` (VMX `uuid.bios`, libvirt's `<hwuuid>`).
    pub hw_uuid: Option<Uuid>,
    /// The state when it was looked up.
    pub state: DomainState,
    /// The libvirt id: the number of the managed object id (`vm-42` -> 42), for active domains.
    pub id: Option<i32>,
}

impl DomainRef {
    /// The id as virsh prints it: the number, or `-` for an inactive domain.
    pub fn id_text(&self) -> String {
        self.id.map_or_else(|| "-".to_owned(), |id| id.to_string())
    }

    /// Whether `uuid` is the domain's UUID or its BIOS UUID.
    pub fn has_uuid(&self, uuid: &Uuid) -> bool {
        self.uuid.as_ref() == Some(uuid) || self.hw_uuid.as_ref() == Some(uuid)
    }

    /// The UUID as text (all zeros when the VM has none).
    pub fn uuid_text(&self) -> String {
        self.uuid.unwrap_or(Uuid::NIL).to_string()
    }
}

/// Which domains a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Powered on or suspended (`virsh list`).
    Active,
    /// Powered off (`virsh list --inactive`).
    Inactive,
    /// All (`virsh list --all`).
    All,
}

/// What `dominfo` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainInfo {
    /// The domain.
    pub domain: DomainRef,
    /// `config.hardware.numCPU`.
    pub vcpus: u32,
    /// `config.hardware.memoryMB` in KiB.
    pub max_memory_kib: u64,
    /// The memory limit (`config.memoryAllocation.limit`) in KiB, else the maximum.
    pub memory_kib: u64,
    /// Whether the host starts the domain when it boots; `None` when the host's autostart
    /// manager cannot be read (virsh then leaves the `Autostart:` line out).
    pub autostart: Option<bool>,
}

/// The libvirt id of a VM: the number in its managed object id (`vm-42` -> 42, ESX's `42` -> 42).
pub fn id_of_moref(value: &str) -> Option<i32> {
    let digits = value.rsplit('-').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn string_at(props: &VirtualMachineProperties, path: &str) -> Option<String> {
    match props.path(path) {
        Some(AnyValue::String(s)) => Some(s.clone()),
        _ => None,
    }
}

pub(crate) fn long_at(props: &VirtualMachineProperties, path: &str) -> Option<i64> {
    match props.path(path) {
        Some(AnyValue::Int(v)) => Some(i64::from(*v)),
        Some(AnyValue::Long(v)) => Some(*v),
        Some(AnyValue::Short(v)) => Some(i64::from(*v)),
        _ => None,
    }
}

/// Reads a VM's name, state and UUID from retrieved properties.
pub(crate) fn domain_ref_of(props: &VirtualMachineProperties) -> Option<DomainRef> {
    let moref = props.obj.as_ref()?.as_reference().clone();
    let state = match props.path("runtime.powerState") {
        Some(AnyValue::VirtualMachinePowerState(s)) => DomainState::from_power_state(s)?,
        _ => return None,
    };
    let name = props.name.clone().unwrap_or_else(|| moref.value.clone());
    let hw_uuid = string_at(props, "config.uuid").and_then(|u| u.parse::<Uuid>().ok());
    let uuid = string_at(props, "config.instanceUuid")
        .and_then(|u| u.parse::<Uuid>().ok())
        .or(hw_uuid);
    let id = if state.is_active() {
        id_of_moref(&moref.value)
    } else {
        None
    };
    Some(DomainRef {
        moref,
        name,
        uuid,
        hw_uuid,
        state,
        id,
    })
}

impl Connection {
    /// The domains of the connection's host matching `filter`, sorted as virsh sorts them:
    /// active ones by id, then inactive ones by name. One `RetrievePropertiesEx` from the host
    /// along its `vm` property (plus the continuation pages the server cuts its answer into),
    /// whatever the number of VMs elsewhere in the vCenter.
    pub async fn list_domains(&self, filter: ListFilter) -> Result<Vec<DomainRef>> {
        self.list_with(filter, &LIST_PROPERTIES).await
    }

    /// Like [`Connection::list_domains`], without the UUIDs (`uuid` and `hw_uuid` are `None`):
    /// for listings that print only names, ids and states.
    pub async fn list_domains_brief(&self, filter: ListFilter) -> Result<Vec<DomainRef>> {
        self.list_with(filter, &BRIEF_PROPERTIES).await
    }

    async fn list_with(&self, filter: ListFilter, properties: &[&str]) -> Result<Vec<DomainRef>> {
        let mut domains: Vec<DomainRef> = self
            .host_domains_with(properties)
            .await?
            .into_iter()
            .filter(|d| match filter {
                ListFilter::All => true,
                ListFilter::Active => d.state.is_active(),
                ListFilter::Inactive => !d.state.is_active(),
            })
            .collect();
        domains.sort_by(|a, b| match (a.id, b.id) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.name.cmp(&b.name)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.name.cmp(&b.name),
        });
        Ok(domains)
    }

    /// Every domain of the connection's host: one traversal of the host's `vm` property.
    async fn host_domains(&self) -> Result<Vec<DomainRef>> {
        self.host_domains_with(&LIST_PROPERTIES).await
    }

    /// Every domain of the connection's host, with `properties` of each VM.
    async fn host_domains_with(&self, properties: &[&str]) -> Result<Vec<DomainRef>> {
        // Each VM's typed properties are far larger than its DomainRef: kept one page at a time.
        let mut vms = std::pin::pin!(self
            .client()
            .list_linked_stream::<VirtualMachineProperties>(
                &self.host_context().host,
                "vm",
                properties
            ));
        let mut domains = Vec::new();
        while let Some(vm) = futures_util::StreamExt::next(&mut vms).await {
            domains.extend(domain_ref_of(&vm?));
        }
        Ok(domains)
    }

    /// The domain of the connection's host with this name: found by its inventory path
    /// (`<datacenter>/vm/<name>`, two calls), else in the host's listing (for VMs in
    /// sub-folders, or when the VM at that path runs on another host).
    pub async fn lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        if let Some(found) = self.find_by_name(name).await? {
            return Ok(found);
        }
        self.host_domains()
            .await?
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| no_domain(DomainKey::Name(name.to_owned())))
    }

    /// The domain of the connection's host with this UUID (its instance UUID or its BIOS UUID):
    /// `FindByUuid`, else the host's listing (two VMs may share a BIOS UUID, the one found first
    /// may run elsewhere). libvirt looks UUIDs up in the whole datacenter; here a VM of another
    /// host is not found by its UUID either, so that no command acts on it by mistake.
    pub async fn lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        if let Some(found) = self.find_by_uuid(uuid).await? {
            return Ok(found);
        }
        self.host_domains()
            .await?
            .into_iter()
            .find(|d| d.has_uuid(uuid))
            .ok_or_else(|| no_domain(DomainKey::Uuid(*uuid)))
    }

    /// The active domain of the connection's host with this id: the VM whose managed object id
    /// has that number.
    pub async fn lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        if let Some(found) = self.find_by_id(id).await? {
            return Ok(found);
        }
        self.host_domains()
            .await?
            .into_iter()
            .find(|d| d.id == Some(id))
            .ok_or_else(|| no_domain(DomainKey::Id(id)))
    }

    /// A domain of the connection's host named the way virsh accepts it: an id (a number), else
    /// a UUID, else a name. Each is tried directly (a couple of calls); only when none matches
    /// is the host's listing retrieved once.
    pub async fn lookup(&self, text: &str) -> Result<DomainRef> {
        let id = text.parse::<i32>().ok().filter(|id| *id >= 0);
        let uuid = text.parse::<Uuid>().ok();
        if let Some(id) = id {
            if let Some(found) = self.find_by_id(id).await? {
                return Ok(found);
            }
        }
        if let Some(uuid) = &uuid {
            if let Some(found) = self.find_by_uuid(uuid).await? {
                return Ok(found);
            }
        }
        if let Some(found) = self.find_by_name(text).await? {
            return Ok(found);
        }
        let all = self.host_domains().await?;
        if let Some(found) = id.and_then(|id| all.iter().find(|d| d.id == Some(id))) {
            return Ok(found.clone());
        }
        if let Some(found) = uuid.and_then(|u| all.iter().find(|d| d.has_uuid(&u))) {
            return Ok(found.clone());
        }
        all.into_iter()
            .find(|d| d.name == text)
            .ok_or_else(|| no_domain(DomainKey::Name(text.to_owned())))
    }

    /// The VM at `<datacenter>/vm/<name>`, if there is one.
    async fn find_by_name(&self, name: &str) -> Result<Option<DomainRef>> {
        if name.is_empty() {
            return Ok(None);
        }
        let datacenter = if self.client().is_vcenter() {
            self.context().await?.datacenter_path.clone()
        } else {
            // Every ESX host calls its one datacenter this; no need to resolve the context.
            "ha-datacenter".to_owned()
        };
        let escaped = name.replace('%', "%25").replace('/', "%2f");
        let found = self
            .client()
            .find_by_inventory_path(&format!("{datacenter}/vm/{escaped}"))
            .await?;
        match found {
            Some(vm) if vm.r#type == "VirtualMachine" => {
                let dom = self.domain_of_reference(&vm).await?;
                Ok(dom.filter(|d| d.name == name))
            }
            _ => Ok(None),
        }
    }

    /// The VM with this instance or BIOS UUID, if `FindByUuid` knows one.
    async fn find_by_uuid(&self, uuid: &Uuid) -> Result<Option<DomainRef>> {
        for instance in [true, false] {
            if let Some(vm) = self
                .client()
                .find_vm_by_uuid(&uuid.to_string(), instance)
                .await?
            {
                if let Some(dom) = self.domain_of_reference(&vm).await? {
                    if dom.has_uuid(uuid) {
                        return Ok(Some(dom));
                    }
                }
            }
        }
        Ok(None)
    }

    /// The name of a VM of another host of the vCenter whose instance or BIOS UUID is `uuid`:
    /// a domain defined here with that UUID would be a second VM with it.
    pub(crate) async fn name_elsewhere_with_uuid(&self, uuid: &Uuid) -> Result<Option<String>> {
        if !self.client().is_vcenter() {
            return Ok(None);
        }
        for instance in [true, false] {
            let Some(vm) = self
                .client()
                .find_vm_by_uuid(&uuid.to_string(), instance)
                .await?
            else {
                continue;
            };
            let props: VirtualMachineProperties = self
                .client()
                .retrieve_object(&vm, &["name", HOST_PROPERTY])
                .await?;
            if !self.runs_here(&props) {
                return Ok(Some(props.name.unwrap_or(vm.value)));
            }
        }
        Ok(None)
    }

    /// The active VM whose managed object id is `vm-<id>` (vCenter) or `<id>` (ESX).
    async fn find_by_id(&self, id: i32) -> Result<Option<DomainRef>> {
        let candidates = if self.client().is_vcenter() {
            vec![format!("vm-{id}")]
        } else {
            vec![id.to_string(), format!("vm-{id}")]
        };
        for value in candidates {
            let vm = ManagedObjectReference::new("VirtualMachine", value);
            if let Some(dom) = self.domain_of_reference(&vm).await? {
                if dom.id == Some(id) {
                    return Ok(Some(dom));
                }
            }
        }
        Ok(None)
    }

    /// The VM behind a reference, or `None` when there is no such object or it is not on the
    /// connection's host.
    async fn domain_of_reference(&self, vm: &ManagedObjectReference) -> Result<Option<DomainRef>> {
        let mut properties = LIST_PROPERTIES.to_vec();
        properties.push(HOST_PROPERTY);
        match self
            .client()
            .retrieve_object::<VirtualMachineProperties>(vm, &properties)
            .await
        {
            Ok(props) if self.runs_here(&props) => Ok(domain_ref_of(&props)),
            Ok(_) => Ok(None),
            Err(esx_vi::Error::ObjectNotFound { .. }) => Ok(None),
            Err(e) if e.fault_type() == Some("ManagedObjectNotFound") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The domain's current state, read again from the server.
    pub async fn domain_state(&self, dom: &DomainRef) -> Result<DomainState> {
        Ok(self.refresh(dom).await?.state)
    }

    /// The domain as it is now.
    pub async fn refresh(&self, dom: &DomainRef) -> Result<DomainRef> {
        let props = self.vm_properties(dom, &LIST_PROPERTIES).await?;
        domain_ref_of(&props).ok_or_else(|| {
            Error::Internal(format!("VM {} reports no power state", dom.moref.value))
        })
    }

    /// Whether retrieved VM properties (with [`HOST_PROPERTY`]) say the VM runs on the
    /// connection's host.
    fn runs_here(&self, props: &VirtualMachineProperties) -> bool {
        matches!(
            props.path(HOST_PROPERTY),
            Some(AnyValue::ManagedObjectReference(host)) if *host == self.host_context().host
        )
    }

    /// `properties` of a domain's VM, once it is known to be still on the connection's host:
    /// every operation reads its domain through here first, so none acts on a VM that has
    /// moved to another host since it was looked up (the check rides on the same call).
    pub(crate) async fn vm_properties(
        &self,
        dom: &DomainRef,
        properties: &[&str],
    ) -> Result<VirtualMachineProperties> {
        let mut with_host = properties.to_vec();
        if !with_host.contains(&HOST_PROPERTY) {
            with_host.push(HOST_PROPERTY);
        }
        let props = self
            .client()
            .retrieve_object(&dom.moref, &with_host)
            .await
            .map_err(|e| match e {
                esx_vi::Error::ObjectNotFound { .. } => removed(dom),
                e if e.fault_type() == Some("ManagedObjectNotFound") => removed(dom),
                e => e.into(),
            })?;
        if !self.runs_here(&props) {
            return Err(Error::NoDomain {
                key: DomainKey::Name(dom.name.clone()),
                vanished: Some(Vanished::MovedAway {
                    host: self.host_context().host_name.clone(),
                }),
            });
        }
        Ok(props)
    }

    /// What `dominfo` shows: state, vCPUs, memory, autostart.
    pub async fn domain_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let props = self
            .vm_properties(
                dom,
                &[
                    "name",
                    "runtime.powerState",
                    "config.uuid",
                    "config.instanceUuid",
                    "config.hardware.numCPU",
                    "config.hardware.memoryMB",
                    "config.memoryAllocation.limit",
                ],
            )
            .await?;
        let domain = domain_ref_of(&props).unwrap_or_else(|| dom.clone());
        let max_memory_kib = long_at(&props, "config.hardware.memoryMB")
            .unwrap_or(0)
            .max(0) as u64
            * 1024;
        let memory_kib = match long_at(&props, "config.memoryAllocation.limit") {
            Some(limit) if limit >= 0 => (limit as u64 * 1024).min(max_memory_kib),
            _ => max_memory_kib,
        };
        let vcpus = long_at(&props, "config.hardware.numCPU")
            .unwrap_or(0)
            .max(0) as u32;
        // Optional, as in virsh: a host whose autostart manager cannot be read still answers.
        let autostart = match self.autostart_of(&domain).await {
            Ok(autostart) => Some(autostart),
            Err(e) => {
                tracing::debug!(domain = %domain.name, "autostart unknown: {}", e.report());
                None
            }
        };
        Ok(DomainInfo {
            domain,
            vcpus,
            max_memory_kib,
            memory_kib,
            autostart,
        })
    }
}

/// No domain matches `key`.
fn no_domain(key: DomainKey) -> Error {
    Error::NoDomain {
        key,
        vanished: None,
    }
}

/// The domain `dom` was found earlier and is gone now.
fn removed(dom: &DomainRef) -> Error {
    Error::NoDomain {
        key: DomainKey::Name(dom.name.clone()),
        vanished: Some(Vanished::Removed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_managed_object_number() {
        assert_eq!(id_of_moref("vm-42"), Some(42));
        assert_eq!(id_of_moref("42"), Some(42));
        assert_eq!(id_of_moref("vm-"), None);
        assert_eq!(id_of_moref("vm-4x"), None);
        assert_eq!(id_of_moref("99999999999"), None);
    }

    #[test]
    fn states_read_as_virsh_prints_them() {
        assert_eq!(DomainState::Running.to_string(), "running");
        assert_eq!(DomainState::Paused.to_string(), "paused");
        assert_eq!(DomainState::ShutOff.to_string(), "shut off");
        assert!(DomainState::Paused.is_active());
        assert!(!DomainState::ShutOff.is_active());
    }
}
