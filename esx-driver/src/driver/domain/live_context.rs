//! The VMX conversion's context against a live host: datastore mount paths <-> `[datastore]
//! path`, relative names resolved against the VMX file's own directory, and SCSI controller
//! models detected from the VMDK descriptors of the disks. Everything is fetched before the
//! (synchronous) conversion runs.

use std::collections::HashMap;

use esx_vi::types::DatastoreProperties;
use esx_vi::{ByteRange, DatastorePath};

use crate::domain::{DiskBus, Domain};
use crate::driver::connection::Connection;
use crate::driver::error::Result;
use crate::vmx::context::beside_vmx_file;
use crate::vmx::{split_datastore_path, Error as VmxError, ScsiControllerModel, VmxContext};

/// One datastore and the absolute paths it is mounted at on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastoreMount {
    /// The datastore's name.
    pub name: String,
    /// Mount paths, the preferred one (`/vmfs/volumes/<uuid>`) first.
    pub paths: Vec<String>,
}

impl DatastoreMount {
    /// The mount path used when writing a VMX file: a `/vmfs/volumes/...` one when the host
    /// reports it, else `/vmfs/volumes/<name>` (ESX keeps that alias for every datastore).
    pub fn vmx_path(&self) -> String {
        self.paths
            .iter()
            .find(|p| p.starts_with("/vmfs/volumes/"))
            .cloned()
            .unwrap_or_else(|| format!("/vmfs/volumes/{}", self.name))
    }
}

/// A [`VmxContext`] that knows the host's datastores.
#[derive(Debug, Clone, Default)]
pub struct LiveContext {
    datastores: Vec<DatastoreMount>,
    vmx_location: Option<(String, String)>,
    datacenter_path: Option<String>,
    moref: Option<String>,
    scsi_models: HashMap<String, ScsiControllerModel>,
}

impl LiveContext {
    /// A context over these datastores.
    pub fn new(datastores: Vec<DatastoreMount>) -> LiveContext {
        LiveContext {
            datastores,
            ..LiveContext::default()
        }
    }

    /// Relative file names resolve against the VMX file's `[datastore] directory`.
    pub fn with_vmx_location(mut self, file: &DatastorePath) -> LiveContext {
        self.vmx_location = Some((file.datastore.clone(), file.directory().to_owned()));
        self
    }

    /// Reports this datacenter path and VM managed object id in converted domains.
    pub fn with_identity(
        mut self,
        datacenter_path: Option<String>,
        moref: Option<String>,
    ) -> LiveContext {
        self.datacenter_path = datacenter_path;
        self.moref = moref;
        self
    }

    /// Answers SCSI model detection for the disk at `source` with `model`.
    pub fn with_scsi_model(
        mut self,
        source: impl Into<String>,
        model: ScsiControllerModel,
    ) -> LiveContext {
        self.scsi_models.insert(source.into(), model);
        self
    }

    /// The datastores known to this context.
    pub fn datastores(&self) -> &[DatastoreMount] {
        &self.datastores
    }

    fn datastore(&self, name: &str) -> Option<&DatastoreMount> {
        self.datastores.iter().find(|d| d.name == name)
    }
}

impl VmxContext for LiveContext {
    fn parse_file_name(&self, file_name: &str) -> std::result::Result<Option<String>, VmxError> {
        if file_name.starts_with('/') {
            // The longest mount path that contains the file wins (`/vmfs/volumes/a` vs `.../ab`).
            let mut best: Option<(&DatastoreMount, usize)> = None;
            for datastore in &self.datastores {
                let alias = format!("/vmfs/volumes/{}", datastore.name);
                for mount in datastore.paths.iter().chain(std::iter::once(&alias)) {
                    let mount = mount.trim_end_matches('/');
                    if file_name.len() > mount.len() + 1
                        && file_name.starts_with(mount)
                        && file_name.as_bytes()[mount.len()] == b'/'
                        && best.is_none_or(|(_, len)| mount.len() > len)
                    {
                        best = Some((datastore, mount.len()));
                    }
                }
            }
            if let Some((datastore, len)) = best {
                return Ok(Some(format!(
                    "[{}] {}",
                    datastore.name,
                    &file_name[len + 1..]
                )));
            }
            if let Some(rest) = file_name.strip_prefix("/vmfs/volumes/") {
                // A datastore this host does not have: the file is unavailable.
                if rest.contains('/') {
                    return Ok(None);
                }
                return Err(VmxError::FileName(format!(
                    "File name '{file_name}' doesn't have expected format '/vmfs/volumes/<datastore>/<path>'"
                )));
            }
            return Ok(Some(file_name.to_owned()));
        }
        match &self.vmx_location {
            Some((datastore, directory)) => {
                Ok(Some(beside_vmx_file(datastore, directory, file_name)))
            }
            None => Err(VmxError::FileName(format!(
                "Cannot resolve the relative file name '{file_name}': the VMX file's location is unknown"
            ))),
        }
    }

    fn format_file_name(&self, source: &str) -> std::result::Result<String, VmxError> {
        if let Some((datastore, path)) = split_datastore_path(source) {
            // Nothing written to a VMX may point outside its datastore.
            if let Err(e) = source.parse::<esx_vi::DatastorePath>() {
                return Err(VmxError::FileName(e.to_string()));
            }
            let Some(mount) = self.datastore(datastore) else {
                return Err(VmxError::FileName(format!(
                    "Datastore '{datastore}' of '{source}' does not exist on this host"
                )));
            };
            return Ok(format!("{}/{}", mount.vmx_path(), path));
        }
        if source.starts_with('/') {
            return Ok(source.to_owned());
        }
        Err(VmxError::FileName(format!(
            "Could not handle file name '{source}': expected a datastore path '[datastore] path' or an absolute path"
        )))
    }

    fn autodetect_scsi_controller_model(
        &self,
        disk_source: Option<&str>,
    ) -> std::result::Result<Option<ScsiControllerModel>, VmxError> {
        Ok(disk_source.and_then(|s| self.scsi_models.get(s).copied()))
    }

    fn datacenter_path(&self) -> Option<&str> {
        self.datacenter_path.as_deref()
    }

    fn moref(&self) -> Option<&str> {
        self.moref.as_deref()
    }
}

/// `ds:///vmfs/volumes/uuid/` -> `/vmfs/volumes/uuid`.
fn path_of_url(url: &str) -> Option<String> {
    let path = url
        .strip_prefix("ds://")
        .or_else(|| url.strip_prefix("file://"))
        .unwrap_or(url);
    let path = path.trim_end_matches('/');
    path.starts_with('/').then(|| path.to_owned())
}

/// The `ddb.adapterType` of a VMDK descriptor: the SCSI controller the disk was made for.
pub fn vmdk_adapter_type(descriptor: &[u8]) -> Option<ScsiControllerModel> {
    let text = String::from_utf8_lossy(descriptor);
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("ddb.adapterType") {
            return None;
        }
        ScsiControllerModel::from_vmx_name(value.trim().trim_matches('"'))
    })
}

impl Connection {
    /// The datastores the connection's host mounts, and where it mounts them: one traversal of
    /// the host's `datastore` property, as libvirt's `esxVI_LookupDatastoreList`.
    pub async fn datastore_mounts(&self) -> Result<Vec<DatastoreMount>> {
        let host = self.host_context().host.clone();
        let datastores: Vec<DatastoreProperties> = self
            .client()
            .list_linked(&host, "datastore", &["name", "summary.url", "host"])
            .await?;
        Ok(datastores
            .into_iter()
            .filter_map(|ds| {
                let name = ds.name.clone()?;
                let mut paths = Vec::new();
                for mount in ds.host.iter().flatten() {
                    if host == mount.key {
                        if let Some(path) = mount.mount_info.path.as_deref().and_then(path_of_url) {
                            paths.push(path);
                        }
                    }
                }
                if let Some(esx_vi::types::AnyValue::String(url)) = ds.path("summary.url") {
                    if let Some(path) = path_of_url(url) {
                        if !paths.contains(&path) {
                            paths.push(path);
                        }
                    }
                }
                Some(DatastoreMount { name, paths })
            })
            .collect())
    }

    /// A live context for converting `domain` to VMX: the datastores, and the SCSI controller
    /// model of every SCSI disk on a datastore, read from the first 64 KiB of its VMDK
    /// descriptor (a missing or unreadable descriptor leaves the choice to VMware).
    pub async fn live_context_for(&self, domain: &Domain) -> Result<LiveContext> {
        let mut context = LiveContext::new(self.datastore_mounts().await?);
        let datacenter_path = self.context().await?.datacenter_path.clone();
        for disk in &domain.devices.disks {
            if disk.target.bus != DiskBus::Scsi {
                continue;
            }
            let Some(source) = disk.source.as_ref().and_then(|s| s.path.clone()) else {
                continue;
            };
            let Ok(file) = source.parse::<DatastorePath>() else {
                continue;
            };
            let mut head = Vec::new();
            let range = ByteRange {
                start: 0,
                end: Some(64 * 1024),
            };
            match self
                .client()
                .download_file(&datacenter_path, &file, Some(range), &mut head, |_| {})
                .await
            {
                Ok(_) => {
                    if let Some(model) = vmdk_adapter_type(&head) {
                        context = context.with_scsi_model(source, model);
                    }
                }
                Err(e) => tracing::debug!("cannot read the descriptor of {file}: {}", e.report()),
            }
        }
        Ok(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> LiveContext {
        LiveContext::new(vec![
            DatastoreMount {
                name: "datastore1".into(),
                paths: vec!["/vmfs/volumes/5f1a-22".into()],
            },
            DatastoreMount {
                name: "nfs".into(),
                paths: vec![],
            },
        ])
        .with_vmx_location(&DatastorePath::new("datastore1", "web/web.vmx"))
    }

    #[test]
    fn file_names_map_to_datastore_paths_and_back() {
        let ctx = context();
        let parse = |n: &str| ctx.parse_file_name(n).unwrap();
        assert_eq!(
            parse("/vmfs/volumes/5f1a-22/web/web.vmdk").as_deref(),
            Some("[datastore1] web/web.vmdk")
        );
        assert_eq!(
            parse("/vmfs/volumes/datastore1/x.vmdk").as_deref(),
            Some("[datastore1] x.vmdk")
        );
        assert_eq!(
            parse("/vmfs/volumes/nfs/iso/a.iso").as_deref(),
            Some("[nfs] iso/a.iso")
        );
        assert_eq!(
            parse("web-1.vmdk").as_deref(),
            Some("[datastore1] web/web-1.vmdk")
        );
        assert_eq!(parse("/vmfs/volumes/gone/a.iso"), None);
        assert_eq!(
            parse("/usr/lib/vmware/isoimages/linux.iso").as_deref(),
            Some("/usr/lib/vmware/isoimages/linux.iso")
        );
        assert_eq!(
            ctx.format_file_name("[datastore1] web/web.vmdk").unwrap(),
            "/vmfs/volumes/5f1a-22/web/web.vmdk"
        );
        assert_eq!(
            ctx.format_file_name("[nfs] a.iso").unwrap(),
            "/vmfs/volumes/nfs/a.iso"
        );
        assert!(ctx
            .format_file_name("[missing] a.iso")
            .unwrap_err()
            .to_string()
            .contains("missing"));
        assert!(ctx.format_file_name("relative.vmdk").is_err());
    }

    #[test]
    fn adapter_type_comes_from_the_descriptor() {
        let descriptor = b"# Disk DescriptorFile\nversion=1\nddb.adapterType = \"lsilogic\"\n";
        assert_eq!(
            vmdk_adapter_type(descriptor),
            Some(ScsiControllerModel::LsiLogic)
        );
        assert_eq!(vmdk_adapter_type(b"ddb.adapterType = \"ide\""), None);
        assert_eq!(vmdk_adapter_type(b"\x00\x01binary"), None);
    }
}
