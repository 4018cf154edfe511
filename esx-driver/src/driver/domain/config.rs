//! A domain's configuration: dumpxml (the `.vmx` downloaded and converted with the live
//! context, or the API's view of the VM when the file cannot be read), define (new: convert,
//! create the directory, upload, register, undoing every step on failure; existing and shut off:
//! update the VMX keeping the keys we do not model, then make the host read it again) and
//! undefine.

use std::io::Cursor;

use esx_vi::types::{
    methods, AnyValue, DatastoreProperties, FileInfoMembers, HostDatastoreBrowserSearchSpec,
    ManagedObjectReference, VirtualMachineConfigSpec, VirtualMachineProperties,
};
use esx_vi::{ByteRange, DatastorePath, TaskWait, TransportError};

use super::live_context::LiveContext;
use super::lookup::{domain_ref_of, long_at, DomainRef, DomainState};
use crate::domain::{format_domain_xml, Domain, FormatOptions, Memory, Uuid, Vcpu};
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};
use crate::input::MAX_DOCUMENT_SIZE;
use crate::vmx::{domain_to_vmx, update_vmx, vmx_to_domain, VmxFile};

/// How `define` went.
#[derive(Debug, Clone, PartialEq)]
pub enum Defined {
    /// A new VM was created and registered.
    Created(DomainRef),
    /// An existing, shut off VM's configuration was updated.
    Updated(DomainRef),
}

impl Defined {
    /// The domain, either way.
    pub fn domain(&self) -> &DomainRef {
        match self {
            Defined::Created(d) | Defined::Updated(d) => d,
        }
    }
}

/// The newest `virtualHW.version` a server of this API version runs.
pub fn hw_version_for_api(api_version: &str) -> u32 {
    let mut parts = api_version
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    match (major, minor) {
        (8.., _) => 20,
        (7, _) => 17,
        (6, 7..) => 14,
        (6, 5..) => 13,
        (6, _) => 11,
        (5, 5..) => 10,
        (5, 1..) => 9,
        (5, _) => 8,
        (4, _) => 7,
        _ => crate::vmx::OLDEST_HW_VERSION,
    }
}

/// A file name for the VMX of domain `name`: the characters datastores refuse become `_`.
fn vmx_file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|[]".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Refuses a domain whose name or file sources could reach outside a datastore folder: a name
/// that is `.`/`..`, has such a `/`-separated part or starts with `/` (it becomes the VMX
/// folder's and file's name), and disk sources with a `..` or `.` component or, for datastore
/// paths, an absolute path after the datastore.
fn refuse_escaping_paths(domain: &Domain) -> Result<()> {
    let name = &domain.name;
    if name.starts_with('/') || name.split('/').any(|part| part == ".." || part == ".") {
        return Err(Error::InvalidArg(format!(
            "domain name '{}' cannot be used: a name that is '.' or '..', has such a '/'-separated \
             part or starts with '/' would name a place outside the VM's folder",
            esx_vi::text::escape_controls(name)
        )));
    }
    for disk in &domain.devices.disks {
        let Some(source) = disk.source.as_ref().and_then(|s| s.path.as_deref()) else {
            continue;
        };
        let escaping = if source.trim_start().starts_with('[') {
            source
                .parse::<DatastorePath>()
                .err()
                .map(|e| e.reason().to_owned())
        } else {
            source
                .split('/')
                .any(|part| part == "..")
                .then(|| "a '..' component is not allowed".to_owned())
        };
        if let Some(reason) = escaping {
            return Err(Error::InvalidArg(format!(
                "disk '{}' has the source '{}', which cannot be used: {reason}",
                disk.target.dev,
                esx_vi::text::escape_controls(source)
            )));
        }
    }
    Ok(())
}

/// Whether `vmx` (an existing file's bytes) describes `domain` itself: same UUID.
fn leftover_of(vmx: &[u8], domain: &Domain) -> bool {
    let Some(uuid) = domain.uuid else {
        return false;
    };
    let Ok(file) = VmxFile::parse(vmx) else {
        return false;
    };
    ["vc.uuid", "uuid.bios"].iter().any(|key| {
        file.get(key)
            .and_then(|v| v.parse::<Uuid>().ok())
            .is_some_and(|u| u == uuid)
    })
}

fn is_not_found(error: &esx_vi::Error) -> bool {
    matches!(
        error,
        esx_vi::Error::Transport(TransportError::HttpStatus { status: 404, .. })
    )
}

impl Connection {
    /// The `.vmx` file of a domain, as `[datastore] path`.
    pub async fn vmx_path(&self, dom: &DomainRef) -> Result<DatastorePath> {
        let props = self
            .vm_properties(dom, &["config.files.vmPathName"])
            .await?;
        match props.path("config.files.vmPathName") {
            Some(AnyValue::String(path)) => path.parse::<DatastorePath>().map_err(|e| {
                Error::Internal(format!("VM '{}' has an unusable vmPathName: {e}", dom.name))
            }),
            _ => Err(Error::Internal(format!(
                "VM '{}' reports no configuration file (is it inaccessible?)",
                dom.name
            ))),
        }
    }

    /// Downloads a `.vmx`, at most [`MAX_DOCUMENT_SIZE`] bytes (a real one is a few KiB): a
    /// larger file is an error rather than a memory hog.
    async fn download_vmx(&self, file: &DatastorePath) -> Result<Vec<u8>> {
        let datacenter_path = self.context().await?.datacenter_path.clone();
        let mut bytes = Vec::new();
        let range = ByteRange {
            start: 0,
            end: Some(MAX_DOCUMENT_SIZE + 1),
        };
        self.client()
            .download_file(&datacenter_path, file, Some(range), &mut bytes, |_| {})
            .await?;
        if bytes.len() as u64 > MAX_DOCUMENT_SIZE {
            return Err(Error::Internal(format!(
                "{file} is larger than 10 MiB: it is no VMX file this driver can read"
            )));
        }
        Ok(bytes)
    }

    /// The domain's definition, from its `.vmx` converted with the live context; when the file
    /// is empty or cannot be read, from the VM's configuration as the API reports it (said at
    /// debug level).
    pub async fn domain_definition(&self, dom: &DomainRef) -> Result<Domain> {
        let dom = self.refresh(dom).await?;
        let context = self.context().await?;
        let identity = (
            Some(context.datacenter_path.clone()),
            Some(dom.moref.value.clone()),
        );
        let from_file = match self.vmx_path(&dom).await {
            Ok(file) => match self.download_vmx(&file).await {
                Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
                    tracing::debug!(domain = %dom.name, "{file} is empty; describing the domain from the API");
                    None
                }
                Ok(bytes) => {
                    let vmx = VmxFile::parse(&bytes)?;
                    let live = LiveContext::new(self.datastore_mounts().await?)
                        .with_vmx_location(&file)
                        .with_identity(identity.0.clone(), identity.1.clone());
                    Some(vmx_to_domain(&vmx, &live)?)
                }
                Err(e) => {
                    tracing::debug!(domain = %dom.name, "cannot read {file} ({}); describing the domain from the API", e.report());
                    None
                }
            },
            Err(e) => {
                tracing::debug!(domain = %dom.name, "no VMX file ({}); describing the domain from the API", e.report());
                None
            }
        };
        let mut domain = match from_file {
            Some(domain) => domain,
            None => self.domain_from_api(&dom, identity).await?,
        };
        domain.id = dom.id;
        Ok(domain)
    }

    /// `virsh dumpxml`: the domain XML (with the runtime id while the domain is active).
    pub async fn domain_xml(&self, dom: &DomainRef) -> Result<String> {
        self.domain_xml_with(dom, FormatOptions::default()).await
    }

    /// `virsh dumpxml --security-info` (`secure`: the VNC password included) and `--inactive`
    /// (the persistent definition, without the runtime id, as a shut-off domain always is).
    pub async fn domain_xml_with(&self, dom: &DomainRef, options: FormatOptions) -> Result<String> {
        let domain = self.domain_definition(dom).await?;
        Ok(format_domain_xml(
            &domain,
            FormatOptions {
                secure: options.secure,
                inactive: options.inactive || domain.id.is_none(),
            },
        ))
    }

    async fn domain_from_api(
        &self,
        dom: &DomainRef,
        identity: (Option<String>, Option<String>),
    ) -> Result<Domain> {
        let props = self
            .vm_properties(
                dom,
                &[
                    "name",
                    "config.uuid",
                    "config.instanceUuid",
                    "config.hardware.memoryMB",
                    "config.hardware.numCPU",
                    "config.annotation",
                    "config.guestId",
                    "config.memoryAllocation.limit",
                ],
            )
            .await?;
        let mut domain = Domain::new(props.name.clone().unwrap_or_else(|| dom.name.clone()));
        let uuid_at = |path: &str| match props.path(path) {
            Some(AnyValue::String(u)) => u.parse::<Uuid>().ok(),
            _ => None,
        };
        domain.hwuuid = uuid_at("config.uuid");
        domain.uuid = uuid_at("config.instanceUuid").or(domain.hwuuid);
        if domain.uuid == domain.hwuuid {
            domain.hwuuid = None;
        }
        let total = long_at(&props, "config.hardware.memoryMB")
            .unwrap_or(0)
            .max(0) as u64
            * 1024;
        let current = match long_at(&props, "config.memoryAllocation.limit") {
            Some(limit) if limit >= 0 => (limit as u64 * 1024).min(total),
            _ => total,
        };
        domain.memory = Memory {
            total_kib: total,
            current_kib: current,
        };
        domain.vcpu = Vcpu {
            count: long_at(&props, "config.hardware.numCPU")
                .unwrap_or(1)
                .max(1) as u32,
            ..Vcpu::default()
        };
        if let Some(AnyValue::String(annotation)) = props.path("config.annotation") {
            if !annotation.is_empty() {
                domain.description = Some(annotation.clone());
            }
        }
        if let Some(AnyValue::String(guest)) = props.path("config.guestId") {
            domain.os.arch = Some(
                if guest.contains("64") {
                    "x86_64"
                } else {
                    "i686"
                }
                .to_owned(),
            );
        }
        domain.vmware.datacenter_path = identity.0;
        domain.vmware.moref = identity.1;
        Ok(domain)
    }

    /// `virsh define`: creates a new domain from `xml` on the connection's host (registered in
    /// its compute resource's root pool), or updates the shut off domain of this host with the
    /// same UUID (or, when the XML has none, the same name).
    pub async fn define_xml(&self, xml: &str) -> Result<Defined> {
        let domain = Domain::from_xml(xml)?;
        // Before anything touches the host: nothing may name a place outside a datastore.
        refuse_escaping_paths(&domain)?;
        let all = self.list_domains(super::lookup::ListFilter::All).await?;
        let by_uuid = domain
            .uuid
            .and_then(|u| all.iter().find(|d| d.has_uuid(&u)).cloned())
            .or_else(|| {
                let hw = domain.hwuuid?;
                all.iter().find(|d| d.hw_uuid == Some(hw)).cloned()
            });
        let by_name = all.iter().find(|d| d.name == domain.name).cloned();
        let existing = match (by_uuid, by_name) {
            (Some(u), Some(n)) if u.moref != n.moref => {
                return Err(Error::OperationFailed(format!(
                    "domain '{}' already exists with uuid {}",
                    n.name,
                    n.uuid_text()
                )))
            }
            (Some(u), _) => Some(u),
            (None, Some(n)) => match (domain.uuid, n.uuid) {
                (Some(wanted), Some(has)) if !n.has_uuid(&wanted) => {
                    return Err(Error::OperationFailed(format!(
                        "domain '{}' already exists with uuid {has}",
                        n.name
                    )))
                }
                _ => Some(n),
            },
            (None, None) => None,
        };
        // Only this host's domains are updated; a UUID that a VM of another host already has
        // is refused rather than given to a second VM.
        if existing.is_none() {
            if let Some(uuid) = domain.uuid {
                if let Some(other) = self.name_elsewhere_with_uuid(&uuid).await? {
                    return Err(Error::OperationFailed(format!(
                        "domain '{other}' already exists with uuid {uuid} on another host: \
                         define it through a connection to that host, or give this domain another UUID"
                    )));
                }
            }
        }
        match existing {
            Some(dom) => self
                .update_domain(&dom, &domain)
                .await
                .map(Defined::Updated),
            None => {
                // A new domain gets its UUID now, as libvirt gives one, and the .vmx records it
                // (uuid.bios): domuuid, dumpxml and lookups then agree, and the dumped XML
                // defines the same domain again.
                let mut domain = domain;
                if domain.uuid.is_none() {
                    domain.uuid = Some(Uuid::new_random().map_err(|e| {
                        Error::Internal(format!("cannot generate a UUID for the domain: {e}"))
                    })?);
                }
                self.create_domain(&domain).await.map(Defined::Created)
            }
        }
    }

    async fn create_domain(&self, domain: &Domain) -> Result<DomainRef> {
        let context = self.context().await?;
        let live = self.live_context_for(domain).await?;
        // The VMX goes beside the first disk, as libvirt places it; without disks (which libvirt
        // refuses), into a folder named after the domain on the host's first datastore.
        let first_disk = domain
            .devices
            .disks
            .iter()
            .filter(|d| d.device == crate::domain::DiskDevice::Disk)
            .find_map(|d| d.source.as_ref()?.path.clone());
        let directory = match &first_disk {
            Some(source) => {
                let file = source.parse::<DatastorePath>().map_err(|_| {
                    Error::InvalidArg(format!(
                        "the first disk's source '{source}' is not a datastore path '[datastore] path': \
                         cannot tell where to put the VMX file"
                    ))
                })?;
                DatastorePath::new(file.datastore.clone(), file.directory())
            }
            None => {
                let datastore = live.datastores().first().ok_or_else(|| {
                    Error::OperationInvalid(
                        "the host has no datastore to put the VMX file on".into(),
                    )
                })?;
                DatastorePath::new(datastore.name.clone(), vmx_file_stem(&domain.name))
            }
        };
        let vmx_name = format!("{}.vmx", vmx_file_stem(&domain.name));
        let vmx_file = if directory.path.is_empty() {
            DatastorePath::new(directory.datastore.clone(), vmx_name)
        } else {
            DatastorePath::new(
                directory.datastore.clone(),
                format!("{}/{vmx_name}", directory.path),
            )
        };
        let live = live
            .with_vmx_location(&vmx_file)
            .with_identity(Some(context.datacenter_path.clone()), None);
        let hw_version = hw_version_for_api(self.client().api_version());
        let vmx = domain_to_vmx(domain, &live, hw_version)?;

        // Refuse to overwrite another VM's file; the file of this very domain, left behind by
        // an undefine (which keeps the files, as libvirt's does), is reused.
        let mut existing = Vec::new();
        match self
            .client()
            .download_file(
                &context.datacenter_path,
                &vmx_file,
                Some(ByteRange {
                    start: 0,
                    end: Some(1 << 20),
                }),
                &mut existing,
                |_| {},
            )
            .await
        {
            Ok(_) if leftover_of(&existing, domain) => {
                tracing::debug!(
                    "{vmx_file} belongs to this domain (undefined earlier); reusing it"
                );
            }
            Ok(_) => {
                return Err(Error::OperationInvalid(format!(
                    "File '{vmx_file}' already exists"
                )))
            }
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e.into()),
        }

        let mut undo = Undo {
            folder: directory.clone(),
            before: FolderBefore::Unknown,
            directory: None,
            file: None,
            vm: None,
        };
        let result = self
            .create_steps(domain, &context, &directory, &vmx_file, vmx, &mut undo)
            .await;
        match result {
            Ok(dom) => Ok(dom),
            Err(error) => {
                self.undo(&context.datacenter, undo).await;
                Err(error)
            }
        }
    }

    /// Creates the VMX folder; `true` when this call created it, `false` when it was there
    /// already (which an undo must then leave). Parents are created only when missing, so that
    /// the answer tells the two apart on every server.
    async fn make_folder(
        &self,
        datacenter: &ManagedObjectReference,
        directory: &DatastorePath,
    ) -> Result<bool> {
        let failed = |e| Error::server(format!("Could not create directory {directory}"))(e);
        match self
            .client()
            .make_directory(datacenter, directory, false)
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.fault_type() == Some("FileAlreadyExists") => Ok(false),
            Err(e) if e.fault_type() == Some("FileNotFound") => {
                match self
                    .client()
                    .make_directory(datacenter, directory, true)
                    .await
                {
                    Ok(()) => Ok(true),
                    Err(e) if e.fault_type() == Some("FileAlreadyExists") => Ok(false),
                    Err(e) => Err(failed(e)),
                }
            }
            Err(e) => Err(failed(e)),
        }
    }

    /// The names of the files in a datastore folder (through its datastore's browser), or
    /// `None` when there is no such folder.
    async fn list_folder(&self, folder: &DatastorePath) -> Result<Option<Vec<String>>> {
        // The connection's host's datastores: the folder can only be on one of them.
        let host = self.host_context().host.clone();
        let datastores: Vec<DatastoreProperties> = self
            .client()
            .list_linked(&host, "datastore", &["name", "browser"])
            .await?;
        let browser = datastores
            .into_iter()
            .find(|d| d.name.as_deref() == Some(folder.datastore.as_str()))
            .and_then(|d| d.browser)
            .ok_or_else(|| {
                Error::Internal(format!(
                    "datastore '{}' or its browser was not found",
                    folder.datastore
                ))
            })?;
        // Every file: a pattern is given explicitly, as some servers match nothing without one.
        let spec = HostDatastoreBrowserSearchSpec {
            match_pattern: vec!["*".to_owned()],
            ..HostDatastoreBrowserSearchSpec::default()
        };
        let task = methods::search_datastore_task(
            self.client(),
            &browser,
            &folder.to_string(),
            Some(&spec),
        )
        .await
        .map_err(|e| esx_vi::Error::from_method("SearchDatastore_Task", e))?;
        match self
            .client()
            .wait_for_task(&task, None, TaskWait::default())
            .await
        {
            Ok(info) => Ok(Some(match info.result {
                Some(AnyValue::HostDatastoreBrowserSearchResults(found)) => found
                    .file
                    .iter()
                    .map(|file| file.path().to_owned())
                    .collect(),
                _ => Vec::new(),
            })),
            Err(e) if e.fault_type() == Some("FileNotFound") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn create_steps(
        &self,
        domain: &Domain,
        context: &esx_vi::HostContext,
        directory: &DatastorePath,
        vmx_file: &DatastorePath,
        vmx: VmxFile,
        undo: &mut Undo,
    ) -> Result<DomainRef> {
        let created =
            !directory.path.is_empty() && self.make_folder(&context.datacenter, directory).await?;
        if created {
            undo.directory = Some(directory.clone());
            undo.before = FolderBefore::Missing;
        } else {
            // A folder that was there: what it holds now is not this define's to remove.
            undo.before = match self.list_folder(directory).await {
                Ok(Some(files)) => FolderBefore::Files(files),
                Ok(None) | Err(_) => FolderBefore::Unknown,
            };
        }
        let bytes = vmx.to_bytes();
        let length = bytes.len() as u64;
        self.client()
            .upload_file(
                &context.datacenter_path,
                vmx_file,
                Cursor::new(bytes),
                length,
                |_| {},
            )
            .await
            .map_err(Error::server(format!("Could not upload {vmx_file}")))?;
        undo.file = Some(vmx_file.clone());

        // Into the compute resource's root pool, on this connection's host, as libvirt does.
        let pool = Some(&context.resource_pool);
        let host = Some(&context.host);
        let task = methods::register_vm_task(
            self.client(),
            &context.vm_folder,
            &vmx_file.to_string(),
            Some(&domain.name),
            false,
            pool,
            host,
        )
        .await
        .map_err(|e| esx_vi::Error::from_method("RegisterVM_Task", e))
        .map_err(Error::server("Could not define domain"))?;
        let info = self
            .client()
            .wait_for_task(
                &task,
                None,
                TaskWait {
                    auto_answer: self.auto_answer(),
                    ..TaskWait::default()
                },
            )
            .await
            .map_err(Error::server("Could not define domain"))?;
        let vm = match info.result {
            Some(AnyValue::ManagedObjectReference(vm)) => {
                // Registered: an undo must unregister it before removing its files.
                undo.vm = Some(vm.clone());
                vm
            }
            _ => {
                return Err(Error::Internal(
                    "RegisterVM_Task succeeded without naming the new VM".into(),
                ))
            }
        };
        let dom = self.domain_of(&vm).await?;
        // A host that did not take the instance UUID from `vc.uuid` gets it set explicitly, so
        // that the domain keeps the UUID its XML gave.
        if let Some(wanted) = domain.uuid {
            if dom.uuid != Some(wanted) {
                let spec = VirtualMachineConfigSpec {
                    instance_uuid: Some(wanted.to_string()),
                    ..VirtualMachineConfigSpec::default()
                };
                self.reconfigure(&dom, spec, "Could not set the domain's UUID")
                    .await?;
                return self.domain_of(&vm).await;
            }
        }
        Ok(dom)
    }

    /// Undoes a failed define: unregisters the VM if the host registered it, removes the folder
    /// it created (or, in a folder that was there before, the files that appeared since), then
    /// lists the folder again and reports, as a warning, anything still left.
    async fn undo(&self, datacenter: &ManagedObjectReference, undo: Undo) {
        if undo.directory.is_none() && undo.file.is_none() {
            return; // nothing was written
        }
        if let Some(vm) = &undo.vm {
            if let Err(e) = methods::unregister_vm(self.client(), vm).await {
                tracing::warn!(
                    "could not unregister the VM of the failed define ({}); its files stay",
                    esx_vi::Error::from_method("UnregisterVM", e)
                );
                return;
            }
        }
        let folder = &undo.folder;
        let mut failures = Vec::new();
        let targets: Vec<DatastorePath> = match (&undo.directory, &undo.before) {
            // The whole folder is ours, with whatever the registration put beside the VMX.
            (Some(directory), _) => vec![directory.clone()],
            (None, FolderBefore::Files(before)) => match self.list_folder(folder).await {
                Ok(Some(now)) => now
                    .iter()
                    .filter(|name| !before.contains(name))
                    .map(|name| child_of(folder, name))
                    .collect(),
                _ => undo.file.iter().cloned().collect(),
            },
            (None, _) => undo.file.iter().cloned().collect(),
        };
        for target in &targets {
            if let Err(e) = self
                .client()
                .delete_datastore_file(datacenter, target)
                .await
            {
                failures.push(format!("{target} ({})", e.report()));
            }
        }
        // Trust but verify: list the folder and report what is still there.
        let left: Vec<String> = match self.list_folder(folder).await {
            Ok(None) => Vec::new(),
            Ok(Some(now)) => match (&undo.directory, &undo.before) {
                (Some(_), _) => std::iter::once(folder.to_string())
                    .chain(now.iter().map(|name| child_of(folder, name).to_string()))
                    .collect(),
                (None, FolderBefore::Files(before)) => now
                    .iter()
                    .filter(|name| !before.contains(name))
                    .map(|name| child_of(folder, name).to_string())
                    .collect(),
                (None, _) => undo
                    .file
                    .iter()
                    .filter(|file| now.iter().any(|name| name == file.file_name()))
                    .map(ToString::to_string)
                    .collect(),
            },
            Err(e) => {
                tracing::warn!(
                    "could not check that the failed define left nothing in {folder}: {e}"
                );
                return;
            }
        };
        if !left.is_empty() {
            let why = if failures.is_empty() {
                String::new()
            } else {
                format!(" (removing failed: {})", failures.join("; "))
            };
            tracing::warn!(
                "the failed define left {} behind{why}: remove {} by hand",
                left.join(", "),
                if left.len() == 1 { "it" } else { "them" }
            );
        }
    }

    pub(crate) async fn domain_of(&self, vm: &ManagedObjectReference) -> Result<DomainRef> {
        let props: VirtualMachineProperties = self
            .client()
            .retrieve_object(
                vm,
                &[
                    "name",
                    "runtime.powerState",
                    "config.uuid",
                    "config.instanceUuid",
                ],
            )
            .await?;
        domain_ref_of(&props)
            .ok_or_else(|| Error::Internal(format!("VM {} reports no power state", vm.value)))
    }

    async fn update_domain(&self, dom: &DomainRef, domain: &Domain) -> Result<DomainRef> {
        let dom = self.refresh(dom).await?;
        if dom.state != DomainState::ShutOff {
            return Err(Error::OperationInvalid(format!(
                "domain '{}' is {}: shut it off before redefining it",
                dom.name, dom.state
            )));
        }
        let context = self.context().await?;
        let vmx_file = self.vmx_path(&dom).await?;
        let live = self
            .live_context_for(domain)
            .await?
            .with_vmx_location(&vmx_file)
            .with_identity(
                Some(context.datacenter_path.clone()),
                Some(dom.moref.value.clone()),
            );
        let current = match self.download_vmx(&vmx_file).await {
            Ok(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => {
                Some(VmxFile::parse(&bytes)?)
            }
            Ok(_) => None,
            Err(e) => {
                tracing::debug!("cannot read {vmx_file} ({}); writing a new one", e.report());
                None
            }
        };
        let vmx = match current {
            Some(base) => update_vmx(&base, domain, &live)?,
            None => domain_to_vmx(
                domain,
                &live,
                hw_version_for_api(self.client().api_version()),
            )?,
        };
        let bytes = vmx.to_bytes();
        let length = bytes.len() as u64;
        self.client()
            .upload_file(
                &context.datacenter_path,
                &vmx_file,
                Cursor::new(bytes),
                length,
                |_| {},
            )
            .await
            .map_err(Error::server(format!("Could not upload {vmx_file}")))?;
        // Reload makes a host read a hand-edited VMX again; servers without it (the simulator)
        // still get the essentials through a reconfiguration, which a reloaded host accepts as
        // a no-op.
        if let Err(e) = methods::reload(self.client(), &dom.moref).await {
            tracing::debug!(
                "Reload of {} failed ({}); relying on ReconfigVM_Task",
                dom.name,
                esx_vi::Error::from_method("Reload", e)
            );
        }
        let spec = VirtualMachineConfigSpec {
            name: (domain.name != dom.name).then(|| domain.name.clone()),
            memory_mb: Some(domain.memory.total_kib.div_ceil(1024) as i64),
            num_cp_us: Some(domain.vcpu.count as i32),
            annotation: Some(domain.description.clone().unwrap_or_default()),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(&dom, spec, "Could not define domain")
            .await?;
        self.refresh(&dom).await
    }

    /// Runs `ReconfigVM_Task` with `spec`.
    pub(crate) async fn reconfigure(
        &self,
        dom: &DomainRef,
        spec: VirtualMachineConfigSpec,
        action: &str,
    ) -> Result<()> {
        let client = self.client();
        self.run_vm_task(dom, action, || async {
            methods::reconfig_vm_task(client, &dom.moref, &spec)
                .await
                .map_err(|e| esx_vi::Error::from_method("ReconfigVM_Task", e))
        })
        .await
    }

    /// `virsh undefine`: unregisters a shut off or suspended domain; its files stay on the
    /// datastore, as with libvirt.
    pub async fn undefine(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.refresh(dom).await?;
        if dom.state == DomainState::Running {
            return Err(Error::OperationInvalid(
                "Domain is not suspended or powered off".into(),
            ));
        }
        methods::unregister_vm(self.client(), &dom.moref)
            .await
            .map_err(|e| esx_vi::Error::from_method("UnregisterVM", e))
            .map_err(Error::server("Could not undefine domain"))
    }
}

/// What the VMX folder held before a define.
#[derive(Debug, PartialEq, Eq)]
enum FolderBefore {
    /// There was no such folder.
    Missing,
    /// These files.
    Files(Vec<String>),
    /// It could not be listed: only what the define itself names is removed.
    Unknown,
}

/// What a failed define must undo.
#[derive(Debug)]
struct Undo {
    /// The folder of the VMX.
    folder: DatastorePath,
    /// What it held before.
    before: FolderBefore,
    /// The folder, when this define created it.
    directory: Option<DatastorePath>,
    /// The VMX file, once uploaded.
    file: Option<DatastorePath>,
    /// The VM, once registered.
    vm: Option<ManagedObjectReference>,
}

/// `[ds] folder/name`.
fn child_of(folder: &DatastorePath, name: &str) -> DatastorePath {
    if folder.path.is_empty() {
        DatastorePath::new(folder.datastore.clone(), name)
    } else {
        DatastorePath::new(folder.datastore.clone(), format!("{}/{name}", folder.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardware_versions_follow_the_api_version() {
        assert_eq!(hw_version_for_api("8.0.2.0"), 20);
        assert_eq!(hw_version_for_api("7.0"), 17);
        assert_eq!(hw_version_for_api("6.7"), 14);
        assert_eq!(hw_version_for_api("6.5"), 13);
        assert_eq!(hw_version_for_api("6.0"), 11);
        assert_eq!(hw_version_for_api("4.1"), 7);
        assert_eq!(hw_version_for_api("garbage"), 4);
    }

    #[test]
    fn vmx_file_names_avoid_datastore_specials() {
        assert_eq!(vmx_file_stem("web/01 [test]"), "web_01 _test_");
    }
}
