//! Datastore volumes: the virtual disks (`.vmdk` descriptors, never their extents) and the ISO
//! and floppy images of a datastore, found with one `SearchDatastoreSubFolders` task whose
//! result already carries each disk's capacity; lookups by name, path and key; and the
//! VirtualDiskManager operations behind vol-create, vol-clone, vol-delete, vol-wipe, vol-resize.
//! The LUNs of iSCSI pools ([`super::iscsi`]) are volumes too, found by the same lookups; every
//! operation that would change one answers libvirt's "not supported".
//!
//! Every lookup ends in a [`Volume`], which later commands (vol-upload/vol-download among them)
//! resolve through [`Connection::storage_vol_lookup`].

use esx_vi::types::{
    methods, AnyFileInfo, AnyFileQuery, AnyValue, AnyVirtualDiskSpec, FileBackedVirtualDiskSpec,
    FileInfoMembers, FileQueryFlags, FloppyImageFileQuery, HostDatastoreBrowserSearchResults,
    HostDatastoreBrowserSearchSpec, IsoImageFileQuery, VmDiskFileQuery, VmDiskFileQueryFlags,
};
use esx_vi::{DatastorePath, TaskProgress, TaskWait};

use super::iscsi::IscsiLun;
use super::pool::StoragePool;
use crate::domain::Uuid;
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

/// What a volume holds, as libvirt's `<format type=...>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeFormat {
    /// A virtual disk (its descriptor).
    Vmdk,
    /// An ISO image.
    Iso,
    /// A floppy image or any other file.
    Raw,
}

/// Passes the percentage of a long storage operation (`..._with_progress`) to the caller's
/// callback: the server's `TaskInfo.progress` clamped to 0..=100, only when it went up (a bar
/// fed from it never moves back), and 100 once the operation succeeded. A server may report
/// nothing in between (a fast task, or a simulator's): then 100 is the only call.
pub struct TaskPercent<'a> {
    callback: &'a mut (dyn FnMut(u8) + Send),
    last: Option<u8>,
}

impl<'a> TaskPercent<'a> {
    /// Reports to `callback`.
    pub fn new(callback: &'a mut (dyn FnMut(u8) + Send)) -> Self {
        Self {
            callback,
            last: None,
        }
    }

    /// Passes `percent` on, clamped, unless it is not above the last value passed.
    pub fn report(&mut self, percent: i32) {
        let percent = u8::try_from(percent.clamp(0, 100)).unwrap_or(100);
        if self.last.is_none_or(|last| percent > last) {
            self.last = Some(percent);
            (self.callback)(percent);
        }
    }
}

/// One volume of a datastore pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// The datastore (pool) name.
    pub pool: String,
    /// `folder/file` inside the datastore.
    pub name: String,
    /// What it holds.
    pub format: VolumeFormat,
    /// Bytes the guest sees (a disk's capacity, an image's size).
    pub capacity: u64,
    /// Bytes it takes on the datastore.
    pub allocation: u64,
    /// For a LUN of an iSCSI pool, its device; `None` for a datastore file.
    pub lun: Option<LunDevice>,
}

/// The block device behind an iSCSI volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunDevice {
    /// The device path (`/vmfs/devices/disks/naa...`).
    pub path: String,
    /// MD5 of the LUN's UUID: the volume's key.
    pub key: Uuid,
}

/// libvirt's refusal to create a volume in an iSCSI pool (read-only: LUNs are made on the SAN).
const ISCSI_NO_CREATE: &str = "iSCSI storage pool does not support volume creation";

impl Volume {
    /// The volume's path: `[datastore] folder/file` (also its key when it is not a disk), or a
    /// LUN's device path.
    pub fn path(&self) -> String {
        match &self.lun {
            Some(lun) => lun.path.clone(),
            None => self.file_path().to_string(),
        }
    }

    /// The datastore file the volume is; `None` for a LUN.
    pub fn datastore_path(&self) -> Option<DatastorePath> {
        self.lun.is_none().then(|| self.file_path())
    }

    /// `[datastore] folder/file`, for the datastore operations (never called for a LUN).
    fn file_path(&self) -> DatastorePath {
        DatastorePath::new(&self.pool, &self.name)
    }

    /// A LUN as a volume of its target's pool: a raw block device, fully allocated, named by
    /// its device.
    pub fn of_lun(lun: &IscsiLun) -> Volume {
        Volume {
            pool: lun.target.clone(),
            name: lun.device_name.clone(),
            format: VolumeFormat::Raw,
            capacity: lun.capacity,
            allocation: lun.capacity,
            lun: Some(LunDevice {
                path: lun.device_path.clone(),
                key: lun.key,
            }),
        }
    }

    /// libvirt's volume type: `file` on a datastore, `block` for a LUN.
    pub fn vol_type(&self) -> &'static str {
        if self.lun.is_some() {
            "block"
        } else {
            "file"
        }
    }

    /// Whether it is a virtual disk (which has a UUID and can be wiped and resized).
    pub fn is_disk(&self) -> bool {
        self.format == VolumeFormat::Vmdk
    }
}

/// A new volume, as `vol-create-as` or a `<volume>` document describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVolume {
    /// `folder/file.vmdk`.
    pub name: String,
    /// Bytes.
    pub capacity: u64,
    /// Bytes; `None` when the document has no `<allocation>` (libvirt: the capacity).
    pub allocation: Option<u64>,
    /// `<target><format type=...>`; `None` when absent.
    pub format: Option<String>,
}

/// How `vol-wipe` overwrites a volume. ESX zero-fills disks and can do nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WipeAlgorithm {
    /// Zeroes (virsh's default).
    Zero,
    /// Any other pattern (nnsa, dod, bsi, ...): refused, as libvirt does.
    Other(String),
}

/// The search every volume listing and lookup does: disks with their capacity, ISO and floppy
/// images, sizes; `pattern` limits it to matching file names.
fn search_spec(pattern: Option<&str>) -> HostDatastoreBrowserSearchSpec {
    HostDatastoreBrowserSearchSpec {
        query: vec![
            AnyFileQuery::from(VmDiskFileQuery {
                filter: None,
                details: Some(VmDiskFileQueryFlags {
                    disk_type: true,
                    capacity_kb: true,
                    hardware_version: true,
                    controller_type: Some(true),
                    thin: Some(true),
                    ..VmDiskFileQueryFlags::default()
                }),
            }),
            AnyFileQuery::from(IsoImageFileQuery::default()),
            AnyFileQuery::from(FloppyImageFileQuery::default()),
        ],
        details: Some(FileQueryFlags {
            file_type: true,
            file_size: true,
            modification: false,
            file_owner: Some(false),
        }),
        search_case_insensitive: Some(false),
        match_pattern: pattern.map(|p| vec![p.to_owned()]).unwrap_or_default(),
        sort_folders_first: None,
    }
}

/// The folder of a search result (`[ds] a/b/` -> `a/b`, `[ds]` -> ``).
fn folder_of(folder_path: &str) -> String {
    let rest = folder_path
        .split_once(']')
        .map_or(folder_path, |(_, rest)| rest);
    rest.trim().trim_matches('/').to_owned()
}

/// The volumes of search results, sorted by name.
fn volumes_of(pool: &str, results: Vec<HostDatastoreBrowserSearchResults>) -> Vec<Volume> {
    let mut volumes = Vec::new();
    for result in results {
        let folder = folder_of(result.folder_path.as_deref().unwrap_or_default());
        for file in result.file {
            let size = |f: &dyn FileInfoMembers| f.file_size().unwrap_or(0).max(0) as u64;
            let (format, capacity, allocation) = match &file {
                AnyFileInfo::VmDiskFileInfo(disk) => (
                    VolumeFormat::Vmdk,
                    (disk.capacity_kb.unwrap_or(0).max(0) as u64).saturating_mul(1024),
                    disk.file_size.unwrap_or(0).max(0) as u64,
                ),
                AnyFileInfo::IsoImageFileInfo(_) => {
                    let s = size(file.as_members());
                    (VolumeFormat::Iso, s, s)
                }
                AnyFileInfo::FloppyImageFileInfo(_) => {
                    let s = size(file.as_members());
                    (VolumeFormat::Raw, s, s)
                }
                _ => continue,
            };
            let name = file.as_members().path();
            let name = if folder.is_empty() {
                name.to_owned()
            } else {
                format!("{folder}/{name}")
            };
            volumes.push(Volume {
                pool: pool.to_owned(),
                name,
                format,
                capacity,
                allocation,
                lun: None,
            });
        }
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    volumes
}

/// Checks a volume name for creation: `folder/file.vmdk`, relative, inside its datastore.
fn check_new_name(name: &str) -> Result<()> {
    let Some((_, file)) = name.rsplit_once('/') else {
        return Err(bad_format(name));
    };
    if name.starts_with('/') || file.is_empty() {
        return Err(bad_format(name));
    }
    check_inside(name)?;
    if !name.ends_with(".vmdk") {
        return Err(Error::NoSupport(format!(
            "Volume name '{name}' has unsupported suffix, expecting '.vmdk'"
        )));
    }
    Ok(())
}

fn bad_format(name: &str) -> Error {
    Error::Internal(format!(
        "Volume name '{name}' doesn't have expected format '<directory>/<file>'"
    ))
}

/// Refuses a name that could leave its datastore or confuse the server.
fn check_inside(name: &str) -> Result<()> {
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidArg(format!(
            "Volume name '{name}' contains a control character"
        )));
    }
    if name.starts_with('/') {
        return Err(Error::InvalidArg(format!(
            "Volume name '{name}' must be relative to its pool, not start with '/'"
        )));
    }
    if name
        .split('/')
        .any(|part| part == ".." || part == "." || part.is_empty())
    {
        return Err(Error::InvalidArg(format!(
            "Volume name '{name}' must stay inside its pool: empty, '.' and '..' components are \
             not allowed"
        )));
    }
    Ok(())
}

impl Connection {
    /// Runs a datastore search and returns its results; `None` when the folder does not exist.
    async fn search_pool(
        &self,
        pool: &StoragePool,
        folder: &str,
        pattern: Option<&str>,
        recurse: bool,
    ) -> Result<Option<Vec<HostDatastoreBrowserSearchResults>>> {
        let browser = pool
            .browser
            .as_ref()
            .ok_or_else(|| Error::Internal(format!("datastore '{}' has no browser", pool.name)))?;
        let path = DatastorePath::new(&pool.name, folder).to_string();
        let spec = search_spec(pattern);
        let task = if recurse {
            methods::search_datastore_sub_folders_task(self.client(), browser, &path, Some(&spec))
                .await
                .map_err(|e| esx_vi::Error::from_method("SearchDatastoreSubFolders_Task", e))?
        } else {
            methods::search_datastore_task(self.client(), browser, &path, Some(&spec))
                .await
                .map_err(|e| esx_vi::Error::from_method("SearchDatastore_Task", e))?
        };
        match self
            .client()
            .complete_task(&task, TaskWait::default())
            .await
        {
            Ok(info) => Ok(Some(match info.result {
                Some(AnyValue::ArrayOfHostDatastoreBrowserSearchResults(all)) => all,
                Some(AnyValue::HostDatastoreBrowserSearchResults(one)) => vec![*one],
                _ => Vec::new(),
            })),
            Err(e) if e.fault_type() == Some("FileNotFound") => Ok(None),
            Err(e) => Err(Error::server(format!(
                "Could not search datastore '{}'",
                pool.name
            ))(e)),
        }
    }

    /// Every volume of a pool, sorted by name: one search task (no call per volume); an iSCSI
    /// target's LUNs from one retrieval of the host's storage devices.
    pub async fn storage_pool_volumes(&self, pool: &StoragePool) -> Result<Vec<Volume>> {
        if pool.iscsi_target().is_some() {
            let inventory = self.storage_inventory().await?;
            return Ok(inventory
                .iscsi
                .luns_of(&pool.name)
                .map(Volume::of_lun)
                .collect());
        }
        let results = self
            .search_pool(pool, "", None, true)
            .await?
            .unwrap_or_default();
        Ok(volumes_of(&pool.name, results))
    }

    /// The volume `name` (`folder/file`) of `pool`, as `virStorageVolLookupByName`.
    pub async fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePool,
        name: &str,
    ) -> Result<Volume> {
        let not_found = || {
            Error::NoStorageVol(format!(
                "no storage vol with matching name '{name}' in pool '{}'",
                pool.name
            ))
        };
        if pool.iscsi_target().is_some() {
            let inventory = self.storage_inventory().await?;
            return inventory
                .iscsi
                .luns_of(&pool.name)
                .find(|lun| lun.device_name == name)
                .map(Volume::of_lun)
                .ok_or_else(not_found);
        }
        check_inside(name)?;
        let (folder, file) = name.rsplit_once('/').unwrap_or(("", name));
        // A glob pattern would match other files: names with pattern characters are compared
        // exactly after a search of the whole folder.
        let pattern = (!file.contains(['*', '?', '['])).then_some(file);
        let results = self
            .search_pool(pool, folder, pattern, false)
            .await?
            .ok_or_else(not_found)?;
        volumes_of(&pool.name, results)
            .into_iter()
            .find(|v| v.name == name)
            .ok_or_else(not_found)
    }

    /// The volume at `[datastore] folder/file`, or the LUN with device path `/...`, as
    /// `virStorageVolLookupByPath`.
    pub async fn storage_vol_lookup_by_path(&self, path: &str) -> Result<Volume> {
        if path.starts_with('/') {
            return self.lun_lookup(|lun| lun.device_path == path, path).await;
        }
        let parsed: DatastorePath = path.parse().map_err(|e: esx_vi::DatastorePathError| {
            Error::InvalidArg(format!("'{path}' is not a volume path: {}", e.reason()))
        })?;
        let pool = self.storage_pool_lookup_by_name(&parsed.datastore).await?;
        self.storage_vol_lookup_by_name(&pool, &parsed.path)
            .await
            .map_err(|e| match e {
                Error::NoStorageVol(_) | Error::NoStoragePool(_) => {
                    Error::NoStorageVol(format!("No storage volume with key or path '{path}'"))
                }
                e => e,
            })
    }

    /// The LUN `wanted` picks among the host's iSCSI volumes; `text` names it in the error.
    async fn lun_lookup(&self, wanted: impl Fn(&IscsiLun) -> bool, text: &str) -> Result<Volume> {
        self.storage_inventory()
            .await?
            .iscsi
            .luns
            .iter()
            .find(|lun| wanted(lun))
            .map(Volume::of_lun)
            .ok_or_else(|| {
                Error::NoStorageVol(format!("No storage volume with key or path '{text}'"))
            })
    }

    /// The volume with `key`, as `virStorageVolLookupByKey`: a LUN's key (the MD5 of its UUID,
    /// read with the pools, so checked first at no cost) or a disk's UUID (searched on every
    /// datastore, one UUID query per disk, as libvirt does), or a path.
    pub async fn storage_vol_lookup_by_key(&self, key: &str) -> Result<Volume> {
        if key.trim_start().starts_with('[') || key.starts_with('/') {
            return self.storage_vol_lookup_by_path(key).await;
        }
        let not_found =
            || Error::NoStorageVol(format!("No storage volume with key or path '{key}'"));
        let Ok(wanted) = key.parse::<Uuid>() else {
            return Err(not_found());
        };
        let inventory = self.storage_inventory().await?;
        if let Some(lun) = inventory.iscsi.luns.iter().find(|lun| lun.key == wanted) {
            return Ok(Volume::of_lun(lun));
        }
        for pool in inventory.pools {
            if pool.iscsi_target().is_some() {
                continue;
            }
            for volume in self.storage_pool_volumes(&pool).await? {
                if volume.is_disk() && self.disk_uuid(&volume).await? == Some(wanted) {
                    return Ok(volume);
                }
            }
        }
        Err(not_found())
    }

    /// The volume a command argument names, as virsh resolves one: by name in `pool` when a
    /// pool is given, else by key, else by path. The one function later commands
    /// (vol-upload, vol-download) use to find their volume.
    pub async fn storage_vol_lookup(
        &self,
        text: &str,
        pool: Option<&StoragePool>,
    ) -> Result<Volume> {
        match pool {
            Some(pool) => self.storage_vol_lookup_by_name(pool, text).await,
            None => self.storage_vol_lookup_by_key(text).await,
        }
    }

    /// A disk's UUID (`QueryVirtualDiskUuid`); `None` when the server has none for it.
    async fn disk_uuid(&self, volume: &Volume) -> Result<Option<Uuid>> {
        let datacenter = &self.host_context().datacenter;
        match methods::query_virtual_disk_uuid(
            self.client(),
            self.client().service_content(),
            &volume.file_path().to_string(),
            Some(datacenter),
        )
        .await
        {
            Ok(text) => Ok(text.parse::<Uuid>().ok()),
            Err(e) => {
                let e = esx_vi::Error::from_method("QueryVirtualDiskUuid", e);
                match e.fault_type() {
                    Some(_) => Ok(None),
                    None => Err(e.into()),
                }
            }
        }
    }

    /// The volume's key: a LUN's key, a disk's UUID, else (images, disks without one) its path.
    pub async fn storage_vol_key(&self, volume: &Volume) -> Result<String> {
        if let Some(lun) = &volume.lun {
            return Ok(lun.key.to_string());
        }
        if volume.is_disk() {
            if let Some(uuid) = self.disk_uuid(volume).await? {
                return Ok(uuid.to_string());
            }
        }
        Ok(volume.path())
    }

    /// The pool a volume is in.
    pub async fn storage_vol_pool(&self, volume: &Volume) -> Result<StoragePool> {
        self.storage_pool_lookup_by_name(&volume.pool).await
    }

    /// Creates a virtual disk in `pool` (`vol-create-as`, `vol-create`): thin when the
    /// allocation is below the capacity, else preallocated, on an LSI Logic controller; the
    /// folder is created when missing. A failed create removes the folder it made.
    pub async fn storage_vol_create(&self, pool: &StoragePool, def: &NewVolume) -> Result<Volume> {
        self.storage_vol_create_with_progress(pool, def, &mut |_| {})
            .await
    }

    /// [`Self::storage_vol_create`], calling `progress` with the percentage done while the
    /// server creates the disk (see [`TaskPercent`]).
    pub async fn storage_vol_create_with_progress(
        &self,
        pool: &StoragePool,
        def: &NewVolume,
        progress: &mut (dyn FnMut(u8) + Send),
    ) -> Result<Volume> {
        if pool.iscsi_target().is_some() {
            return Err(Error::NoSupport(ISCSI_NO_CREATE.into()));
        }
        check_new_name(&def.name)?;
        if let Some(format) = def.format.as_deref() {
            if format != "vmdk" {
                return Err(Error::NoSupport(format!(
                    "Creation of {format} volumes is not supported"
                )));
            }
        }
        if def.capacity == 0 {
            return Err(Error::InvalidArg(format!(
                "volume '{}' needs a capacity above 0",
                def.name
            )));
        }
        let capacity_kb = i64::try_from(def.capacity.div_ceil(1024))
            .map_err(|_| Error::InvalidArg(format!("capacity {} is too large", def.capacity)))?;
        let thin = matches!(def.allocation, Some(a) if a < def.capacity);
        let spec = AnyVirtualDiskSpec::from(FileBackedVirtualDiskSpec {
            disk_type: if thin { "thin" } else { "preallocated" }.to_owned(),
            adapter_type: "lsiLogic".to_owned(),
            capacity_kb,
            ..FileBackedVirtualDiskSpec::default()
        });
        let path = DatastorePath::new(&pool.name, &def.name);
        let datacenter = self.host_context().datacenter.clone();
        let made_folder = self.make_parent_folder(&path).await?;
        let result = async {
            let task = methods::create_virtual_disk_task(
                self.client(),
                self.client().service_content(),
                &path.to_string(),
                Some(&datacenter),
                &spec,
            )
            .await
            .map_err(|e| esx_vi::Error::from_method("CreateVirtualDisk_Task", e))?;
            self.finish_storage_task(&task, progress).await
        }
        .await;
        if let Err(e) = result {
            self.remove_made_folder(made_folder).await;
            return Err(Error::server("Could not create volume")(e));
        }
        self.storage_vol_lookup_by_name(pool, &def.name).await
    }

    /// Copies the disk `source` to a new disk in `pool` (`vol-clone`, `vol-create-from`):
    /// `CopyVirtualDisk`, the folder created when missing and removed again if the copy fails.
    pub async fn storage_vol_clone(
        &self,
        pool: &StoragePool,
        source: &Volume,
        name: &str,
    ) -> Result<Volume> {
        self.storage_vol_clone_with_progress(pool, source, name, &mut |_| {})
            .await
    }

    /// [`Self::storage_vol_clone`], calling `progress` with the percentage done while the
    /// server copies the disk (see [`TaskPercent`]).
    pub async fn storage_vol_clone_with_progress(
        &self,
        pool: &StoragePool,
        source: &Volume,
        name: &str,
        progress: &mut (dyn FnMut(u8) + Send),
    ) -> Result<Volume> {
        if pool.iscsi_target().is_some() {
            return Err(Error::NoSupport(ISCSI_NO_CREATE.into()));
        }
        check_new_name(name)?;
        if !source.is_disk() {
            return Err(Error::NoSupport(format!(
                "Cloning '{}': only virtual disks (.vmdk) can be copied",
                source.name
            )));
        }
        let path = DatastorePath::new(&pool.name, name);
        let datacenter = self.host_context().datacenter.clone();
        let made_folder = self.make_parent_folder(&path).await?;
        let result = async {
            let task = methods::copy_virtual_disk_task(
                self.client(),
                self.client().service_content(),
                &source.file_path().to_string(),
                Some(&datacenter),
                &path.to_string(),
                Some(&datacenter),
                None,
                Some(false),
            )
            .await
            .map_err(|e| esx_vi::Error::from_method("CopyVirtualDisk_Task", e))?;
            self.finish_storage_task(&task, progress).await
        }
        .await;
        if let Err(e) = result {
            self.remove_made_folder(made_folder).await;
            return Err(Error::server("Could not copy volume")(e));
        }
        self.storage_vol_lookup_by_name(pool, name).await
    }

    /// Deletes a volume: a disk with `DeleteVirtualDisk` (descriptor and extents), an image
    /// with `DeleteDatastoreFile`.
    pub async fn storage_vol_delete(&self, volume: &Volume) -> Result<()> {
        if volume.lun.is_some() {
            return Err(Error::NoSupport(
                "iSCSI storage pool does not support volume deletion".into(),
            ));
        }
        let datacenter = self.host_context().datacenter.clone();
        let path = volume.file_path();
        let result = if volume.is_disk() {
            async {
                let task = methods::delete_virtual_disk_task(
                    self.client(),
                    self.client().service_content(),
                    &path.to_string(),
                    Some(&datacenter),
                )
                .await
                .map_err(|e| esx_vi::Error::from_method("DeleteVirtualDisk_Task", e))?;
                self.client()
                    .complete_task(&task, TaskWait::default())
                    .await
                    .map(|_| ())
            }
            .await
        } else {
            self.client()
                .delete_datastore_file(&datacenter, &path)
                .await
        };
        result.map_err(Error::server("Could not delete volume"))
    }

    /// Zero-fills a disk (`ZeroFillVirtualDisk`); other algorithms and non-disks are refused.
    pub async fn storage_vol_wipe(&self, volume: &Volume, algorithm: &WipeAlgorithm) -> Result<()> {
        self.storage_vol_wipe_with_progress(volume, algorithm, &mut |_| {})
            .await
    }

    /// [`Self::storage_vol_wipe`], calling `progress` with the percentage done while the server
    /// zero-fills the disk (see [`TaskPercent`]).
    pub async fn storage_vol_wipe_with_progress(
        &self,
        volume: &Volume,
        algorithm: &WipeAlgorithm,
        progress: &mut (dyn FnMut(u8) + Send),
    ) -> Result<()> {
        if let WipeAlgorithm::Other(_) = algorithm {
            return Err(Error::NoSupport("virStorageVolWipePattern".into()));
        }
        if volume.lun.is_some() {
            return Err(Error::NoSupport(
                "iSCSI storage pool does not support volume wiping".into(),
            ));
        }
        if !volume.is_disk() {
            return Err(Error::OperationInvalid(format!(
                "volume '{}' is not a virtual disk: ESX can zero-fill .vmdk disks only",
                volume.name
            )));
        }
        let datacenter = self.host_context().datacenter.clone();
        let result = async {
            let task = methods::zero_fill_virtual_disk_task(
                self.client(),
                self.client().service_content(),
                &volume.file_path().to_string(),
                Some(&datacenter),
            )
            .await
            .map_err(|e| esx_vi::Error::from_method("ZeroFillVirtualDisk_Task", e))?;
            self.finish_storage_task(&task, progress).await
        }
        .await;
        result.map_err(Error::server("Could not wipe volume"))
    }

    /// Waits for a VirtualDiskManager task (no VM involved, so no question can block it),
    /// passing its `info.progress` on as a [`TaskPercent`] and 100 once it succeeded.
    async fn finish_storage_task(
        &self,
        task: &esx_vi::types::ManagedObjectReference,
        progress: &mut (dyn FnMut(u8) + Send),
    ) -> std::result::Result<(), esx_vi::Error> {
        let mut percent = TaskPercent::new(progress);
        let mut on_update = |p: TaskProgress| {
            if let Some(value) = p.percent {
                percent.report(value);
            }
        };
        self.client()
            .complete_task(
                task,
                TaskWait {
                    progress: Some(&mut on_update),
                    ..TaskWait::default()
                },
            )
            .await?;
        percent.report(100);
        Ok(())
    }

    /// Grows a disk to `capacity` bytes (`ExtendVirtualDisk`; `eager_zero` zeroes the new
    /// space now). Shrinking is refused: ESX cannot shrink a disk.
    pub async fn storage_vol_resize(
        &self,
        volume: &Volume,
        capacity: u64,
        eager_zero: bool,
    ) -> Result<()> {
        self.storage_vol_resize_with_progress(volume, capacity, eager_zero, &mut |_| {})
            .await
    }

    /// [`Self::storage_vol_resize`], calling `progress` with the percentage done while the
    /// server grows the disk (long with `eager_zero`; see [`TaskPercent`]).
    pub async fn storage_vol_resize_with_progress(
        &self,
        volume: &Volume,
        capacity: u64,
        eager_zero: bool,
        progress: &mut (dyn FnMut(u8) + Send),
    ) -> Result<()> {
        if volume.lun.is_some() {
            // libvirt has no resize for ESX at all; datastore disks grow here beyond it.
            return Err(Error::NoSupport("virStorageVolResize".into()));
        }
        if !volume.is_disk() {
            return Err(Error::OperationInvalid(format!(
                "volume '{}' is not a virtual disk: ESX can resize .vmdk disks only",
                volume.name
            )));
        }
        if capacity < volume.capacity {
            return Err(Error::InvalidArg(format!(
                "Can't shrink capacity below current capacity ({} bytes): ESX cannot shrink a \
                 virtual disk",
                volume.capacity
            )));
        }
        let capacity_kb = i64::try_from(capacity.div_ceil(1024))
            .map_err(|_| Error::InvalidArg(format!("capacity {capacity} is too large")))?;
        let datacenter = self.host_context().datacenter.clone();
        let result = async {
            let task = methods::extend_virtual_disk_task(
                self.client(),
                self.client().service_content(),
                &volume.file_path().to_string(),
                Some(&datacenter),
                capacity_kb,
                Some(eager_zero),
            )
            .await
            .map_err(|e| esx_vi::Error::from_method("ExtendVirtualDisk_Task", e))?;
            self.finish_storage_task(&task, progress).await
        }
        .await;
        result.map_err(Error::server("Could not resize volume"))
    }

    /// Creates the folder of a new volume when missing, one level at a time (a folder that is
    /// there already answers `FileAlreadyExists`, and so stays out of any undo); the topmost
    /// folder this call made, for the undo of a failed create.
    async fn make_parent_folder(&self, file: &DatastorePath) -> Result<Option<DatastorePath>> {
        let datacenter = &self.host_context().datacenter;
        let mut made = None;
        let mut prefix = String::new();
        for part in file.directory().split('/').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            let folder = DatastorePath::new(&file.datastore, &prefix);
            match self
                .client()
                .make_directory(datacenter, &folder, false)
                .await
            {
                Ok(()) => {
                    made.get_or_insert(folder);
                }
                Err(e) if e.fault_type() == Some("FileAlreadyExists") && made.is_none() => {}
                Err(e) => {
                    self.remove_made_folder(made).await;
                    return Err(Error::server(format!(
                        "Could not create directory {folder}"
                    ))(e));
                }
            }
        }
        Ok(made)
    }

    /// Removes a folder a failed create made; a failure to do so is logged, not reported over
    /// the create's own error.
    async fn remove_made_folder(&self, folder: Option<DatastorePath>) {
        let Some(folder) = folder else { return };
        let datacenter = &self.host_context().datacenter;
        if let Err(e) = self
            .client()
            .delete_datastore_file(datacenter, &folder)
            .await
        {
            tracing::warn!(
                "could not remove {folder}, made for the volume that failed: {}",
                e.report()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_percentages_only_go_up_clamped_to_100() {
        let mut seen = Vec::new();
        let mut record = |p: u8| seen.push(p);
        let mut percent = TaskPercent::new(&mut record);
        for value in [-5, 0, 30, 20, 30, 70, 250, 100] {
            percent.report(value);
        }
        assert_eq!(seen, [0, 30, 70, 100]);
    }

    #[test]
    fn folders_of_search_results_lose_their_datastore_and_slashes() {
        assert_eq!(folder_of("[nfs] disks/"), "disks");
        assert_eq!(folder_of("[nfs]"), "");
        assert_eq!(folder_of("[nfs] a/b"), "a/b");
        assert_eq!(folder_of("[nfs]/a/"), "a");
    }

    #[test]
    fn new_names_need_a_folder_a_vmdk_suffix_and_no_escape() {
        assert!(check_new_name("d/a.vmdk").is_ok());
        for bad in [
            "a.vmdk",
            "/d/a.vmdk",
            "d/",
            "../d/a.vmdk",
            "d/../a.vmdk",
            "d//a.vmdk",
            "d/a.img",
            "d/a\n.vmdk",
        ] {
            assert!(check_new_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_new_name("a.vmdk").unwrap_err().to_string(),
            "internal error: Volume name 'a.vmdk' doesn't have expected format \
             '<directory>/<file>'"
        );
    }
}
