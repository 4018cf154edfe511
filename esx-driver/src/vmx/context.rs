//! What the VMX conversion needs from its surroundings, as libvirt's `virVMXContext` callbacks:
//! file-name mapping, SCSI controller model detection and the datacenter path; plus an offline
//! implementation that needs no host.

use std::collections::BTreeSet;

use super::Error;

/// The SCSI controller models VMware offers (`scsiN.virtualDev`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScsiControllerModel {
    /// `buslogic` in both VMX and libvirt.
    BusLogic,
    /// `lsilogic` in both.
    LsiLogic,
    /// `lsisas1068` in both.
    LsiSas1068,
    /// `pvscsi` in VMX, `vmpvscsi` in libvirt.
    VmPvScsi,
}

impl ScsiControllerModel {
    /// The `scsiN.virtualDev` value.
    pub fn vmx_name(self) -> &'static str {
        match self {
            ScsiControllerModel::BusLogic => "buslogic",
            ScsiControllerModel::LsiLogic => "lsilogic",
            ScsiControllerModel::LsiSas1068 => "lsisas1068",
            ScsiControllerModel::VmPvScsi => "pvscsi",
        }
    }

    /// The libvirt `<controller type='scsi' model=...>` value.
    pub fn libvirt_name(self) -> &'static str {
        match self {
            ScsiControllerModel::VmPvScsi => "vmpvscsi",
            other => other.vmx_name(),
        }
    }

    /// Reads a `scsiN.virtualDev` value (case-insensitive).
    pub fn from_vmx_name(name: &str) -> Option<ScsiControllerModel> {
        [
            ScsiControllerModel::BusLogic,
            ScsiControllerModel::LsiLogic,
            ScsiControllerModel::LsiSas1068,
            ScsiControllerModel::VmPvScsi,
        ]
        .into_iter()
        .find(|model| model.vmx_name().eq_ignore_ascii_case(name))
    }

    /// Reads a libvirt controller model or legacy `<driver name=...>` value (case-insensitive).
    pub fn from_libvirt_name(name: &str) -> Option<ScsiControllerModel> {
        [
            ScsiControllerModel::BusLogic,
            ScsiControllerModel::LsiLogic,
            ScsiControllerModel::LsiSas1068,
            ScsiControllerModel::VmPvScsi,
        ]
        .into_iter()
        .find(|model| model.libvirt_name().eq_ignore_ascii_case(name))
    }
}

/// The conversion's view of the world outside the VMX file.
///
/// The driver implements this against a live host (datastore lookups, reading VMDK descriptors);
/// [`OfflineContext`] implements it from path rules alone.
pub trait VmxContext {
    /// Maps a VMX `fileName` value to a libvirt disk source (`[datastore] path` or an absolute
    /// path). `Ok(None)` means the file's datastore is not available; the caller drops the source
    /// where libvirt allows a missing file (CD-ROM images), otherwise it reports an error.
    fn parse_file_name(&self, file_name: &str) -> Result<Option<String>, Error>;

    /// Maps a libvirt source back to a VMX `fileName` value.
    fn format_file_name(&self, source: &str) -> Result<String, Error>;

    /// The SCSI controller model for a disk whose controller has no model in the domain XML;
    /// `Ok(None)` leaves `scsiN.virtualDev` unset (VMware then picks one from the guest OS).
    fn autodetect_scsi_controller_model(
        &self,
        _disk_source: Option<&str>,
    ) -> Result<Option<ScsiControllerModel>, Error> {
        Ok(None)
    }

    /// The datacenter path to report in `<vmware:datacenterpath>`, if known.
    fn datacenter_path(&self) -> Option<&str> {
        None
    }

    /// The managed object reference of the VM, reported in `<vmware:moref>`, if known.
    fn moref(&self) -> Option<&str> {
        None
    }
}

/// A [`VmxContext`] that needs no host: ESX path rules only.
///
/// - `/vmfs/volumes/<datastore>/<path>` <-> `[<datastore>] <path>`;
/// - other absolute paths are kept as they are (`/...`, and `C:\...` or `\\server\...` as
///   Workstation on Windows writes them);
/// - a relative name (`disk.vmdk`, `sub/disk.vmdk`) is resolved against the VMX file's own
///   location `[datastore] directory` when it is known ([`OfflineContext::with_vmx_location`]),
///   and kept relative otherwise (VMware resolves it against the VMX file's directory);
/// - formatting keeps relative names unless [`OfflineContext::rejecting_relative_paths`] is set
///   (libvirt's behaviour, which needs a datastore path or an absolute path).
#[derive(Debug, Clone, Default)]
pub struct OfflineContext {
    vmx_location: Option<(String, String)>,
    unavailable_datastores: BTreeSet<String>,
    datacenter_path: Option<String>,
    scsi_controller_model: Option<ScsiControllerModel>,
    reject_relative: bool,
}

impl OfflineContext {
    /// A context with no knowledge of where the VMX file lives.
    pub fn new() -> OfflineContext {
        OfflineContext::default()
    }

    /// Resolves relative file names against `[datastore] directory` (the VMX file's location).
    pub fn with_vmx_location(
        mut self,
        datastore: impl Into<String>,
        directory: impl Into<String>,
    ) -> OfflineContext {
        self.vmx_location = Some((datastore.into(), directory.into()));
        self
    }

    /// Treats files on this datastore as not found (their CD-ROMs get no source).
    pub fn with_unavailable_datastore(mut self, datastore: impl Into<String>) -> OfflineContext {
        self.unavailable_datastores.insert(datastore.into());
        self
    }

    /// Reports this datacenter path in converted domains.
    pub fn with_datacenter_path(mut self, path: impl Into<String>) -> OfflineContext {
        self.datacenter_path = Some(path.into());
        self
    }

    /// Answers SCSI controller model auto-detection with `model`.
    pub fn with_scsi_controller_model(mut self, model: ScsiControllerModel) -> OfflineContext {
        self.scsi_controller_model = Some(model);
        self
    }

    /// Makes formatting a relative source an error, as libvirt does.
    pub fn rejecting_relative_paths(mut self) -> OfflineContext {
        self.reject_relative = true;
        self
    }
}

/// Splits `[datastore] path` into its parts.
pub fn split_datastore_path(source: &str) -> Option<(&str, &str)> {
    let rest = source.strip_prefix('[')?;
    let close = rest.find(']')?;
    let datastore = &rest[..close];
    let path = rest[close + 1..].trim_start();
    Some((datastore, path))
}

/// The `[datastore] path` of a relative file name, which VMware resolves against the directory
/// of the VMX file at `[datastore] directory`.
pub(crate) fn beside_vmx_file(datastore: &str, directory: &str, file_name: &str) -> String {
    if directory.is_empty() {
        format!("[{datastore}] {file_name}")
    } else {
        format!(
            "[{datastore}] {}/{file_name}",
            directory.trim_end_matches('/')
        )
    }
}

/// Whether a file name is absolute on the host that runs the VM: `/...` (ESX, Linux, macOS),
/// `C:\...` or `\\server\...` (Windows, for Workstation files).
fn is_absolute(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with('/')
        || name.starts_with("\\\\")
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'\\' || bytes[2] == b'/'))
}

impl VmxContext for OfflineContext {
    fn parse_file_name(&self, file_name: &str) -> Result<Option<String>, Error> {
        if let Some(rest) = file_name.strip_prefix("/vmfs/volumes/") {
            let Some((datastore, path)) = rest.split_once('/') else {
                return Err(Error::FileName(format!(
                    "File name '{file_name}' doesn't have expected format \
                     '/vmfs/volumes/<datastore>/<path>'"
                )));
            };
            if datastore.is_empty() || path.is_empty() {
                return Err(Error::FileName(format!(
                    "File name '{file_name}' doesn't have expected format \
                     '/vmfs/volumes/<datastore>/<path>'"
                )));
            }
            if self.unavailable_datastores.contains(datastore) {
                return Ok(None);
            }
            return Ok(Some(format!("[{datastore}] {path}")));
        }
        if is_absolute(file_name) {
            return Ok(Some(file_name.to_owned()));
        }
        match &self.vmx_location {
            Some((datastore, directory)) => {
                Ok(Some(beside_vmx_file(datastore, directory, file_name)))
            }
            None => Ok(Some(file_name.to_owned())),
        }
    }

    fn format_file_name(&self, source: &str) -> Result<String, Error> {
        if let Some((datastore, path)) = split_datastore_path(source) {
            if datastore.is_empty() {
                return Err(Error::FileName(format!(
                    "Datastore path '{source}' names no datastore; expected '[datastore] path'"
                )));
            }
            return Ok(format!("/vmfs/volumes/{datastore}/{path}"));
        }
        if is_absolute(source) || !self.reject_relative {
            return Ok(source.to_owned());
        }
        Err(Error::FileName(format!(
            "Could not handle file name '{source}': expected a datastore path \
             '[datastore] path' or an absolute path"
        )))
    }

    fn autodetect_scsi_controller_model(
        &self,
        _disk_source: Option<&str>,
    ) -> Result<Option<ScsiControllerModel>, Error> {
        Ok(self.scsi_controller_model)
    }

    fn datacenter_path(&self) -> Option<&str> {
        self.datacenter_path.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_context_maps_datastore_paths_both_ways() {
        let ctx = OfflineContext::new()
            .with_vmx_location("datastore", "directory")
            .with_unavailable_datastore("missing");
        let parse = |name: &str| ctx.parse_file_name(name).unwrap();
        assert_eq!(
            parse("/vmfs/volumes/ds1/a/b.vmdk").as_deref(),
            Some("[ds1] a/b.vmdk")
        );
        assert_eq!(parse("/vmfs/volumes/missing/cd.iso"), None);
        assert_eq!(parse("/data/x.vmdk").as_deref(), Some("/data/x.vmdk"));
        assert_eq!(parse("C:\\VMs\\x.vmdk").as_deref(), Some("C:\\VMs\\x.vmdk"));
        assert_eq!(
            parse("\\\\nas\\vms\\x.vmdk").as_deref(),
            Some("\\\\nas\\vms\\x.vmdk")
        );
        assert_eq!(
            parse("x.vmdk").as_deref(),
            Some("[datastore] directory/x.vmdk")
        );
        assert_eq!(
            parse("sub/x.vmdk").as_deref(),
            Some("[datastore] directory/sub/x.vmdk")
        );
        assert!(ctx.parse_file_name("/vmfs/volumes/ds1").is_err());
        assert_eq!(
            ctx.format_file_name("[ds1] a/b.vmdk").unwrap(),
            "/vmfs/volumes/ds1/a/b.vmdk"
        );
        assert_eq!(ctx.format_file_name("/data/x").unwrap(), "/data/x");
        assert_eq!(ctx.format_file_name("x.vmdk").unwrap(), "x.vmdk");
        let strict = OfflineContext::new().rejecting_relative_paths();
        assert!(strict.format_file_name("x.vmdk").is_err());
    }

    #[test]
    fn without_location_relative_names_stay_relative() {
        let ctx = OfflineContext::new();
        assert_eq!(
            ctx.parse_file_name("x.vmdk").unwrap().as_deref(),
            Some("x.vmdk")
        );
    }
}
