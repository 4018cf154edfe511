//! The host a connection works on: the datacenter, compute resource and host system that an
//! ESX host is (`ha-datacenter`, its one compute resource and host), or that the inventory path of
//! a vCenter connection names, resolved item by item as libvirt's
//! `esxVI_Context_LookupManagedObjectsByPath` resolves it.

use std::collections::HashMap;
use std::sync::Arc;

use esx_vi_types::{
    ComputeResourceProperties, DatacenterProperties, HostSystemProperties, ManagedObjectReference,
    ObjectContent,
};

use super::traversal::{collect, walk_filter, Step};
use crate::client::Client;
use crate::error::Error;

/// The datacenter properties a context needs.
const DATACENTER_PROPERTIES: [&str; 3] = ["name", "vmFolder", "hostFolder"];
/// The compute resource properties a context needs.
const COMPUTE_RESOURCE_PROPERTIES: [&str; 3] = ["name", "host", "resourcePool"];

/// Where a connection works: a datacenter, one of its compute resources (a standalone host's or a
/// cluster) and one host of it. Everything the driver lists or looks up is scoped to the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostContext {
    /// The datacenter (`ha-datacenter` on an ESX host).
    pub datacenter: ManagedObjectReference,
    /// The datacenter's name.
    pub datacenter_name: String,
    /// The datacenter's inventory path from the root folder, its folders included
    /// (`folder/dc`): the `dcPath` of datastore file URLs.
    pub datacenter_path: String,
    /// The datacenter's VM folder.
    pub vm_folder: ManagedObjectReference,
    /// The datacenter's host folder.
    pub host_folder: ManagedObjectReference,
    /// The compute resource (a `ComputeResource` for a standalone host, or a
    /// `ClusterComputeResource`).
    pub compute_resource: ManagedObjectReference,
    /// The compute resource's name.
    pub compute_resource_name: String,
    /// The compute resource's root resource pool, where new VMs are registered.
    pub resource_pool: ManagedObjectReference,
    /// The host.
    pub host: ManagedObjectReference,
    /// The host's inventory name.
    pub host_name: String,
}

impl HostContext {
    /// Whether the compute resource is a cluster (of possibly many hosts).
    pub fn is_cluster(&self) -> bool {
        self.compute_resource.r#type == "ClusterComputeResource"
    }
}

/// Why a vCenter inventory path names no host. [`UnresolvedPath::message`] words it as libvirt
/// does; [`UnresolvedPath::is_invalid_argument`] tells libvirt's class (`invalid argument` for a
/// path of the wrong shape, `internal error` for a name that is not in the inventory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnresolvedPath {
    /// The path is empty.
    NoDatacenter,
    /// No item of the path names a datacenter (below the folders it names).
    DatacenterNotFound,
    /// The path ends at the datacenter.
    NoComputeResource,
    /// No item after the datacenter names a compute resource (below the folders it names).
    ComputeResourceNotFound,
    /// The compute resource has no resource pool.
    NoResourcePool,
    /// The path ends at a cluster: it must name one of the cluster's hosts too.
    NoHostSystem,
    /// Items follow the host (or a standalone host's compute resource).
    ExcessItem,
    /// The compute resource has no host of that name.
    HostSystemNotFound,
}

impl UnresolvedPath {
    /// libvirt's sentence for this problem with `path` as the user wrote it.
    pub fn message(self, path: &str) -> String {
        match self {
            UnresolvedPath::NoDatacenter => format!("Path '{path}' does not specify a datacenter"),
            UnresolvedPath::DatacenterNotFound => {
                format!("Could not find datacenter specified in '{path}'")
            }
            UnresolvedPath::NoComputeResource => {
                format!("Path '{path}' does not specify a compute resource")
            }
            UnresolvedPath::ComputeResourceNotFound => {
                format!("Could not find compute resource specified in '{path}'")
            }
            UnresolvedPath::NoResourcePool => "Could not retrieve resource pool".to_owned(),
            UnresolvedPath::NoHostSystem => format!("Path '{path}' does not specify a host system"),
            UnresolvedPath::ExcessItem => format!("Path '{path}' ends with an excess item"),
            UnresolvedPath::HostSystemNotFound => {
                format!("Could not find host system specified in '{path}'")
            }
        }
    }

    /// Whether libvirt reports this as an invalid argument (the path's shape is wrong) rather
    /// than an internal error (a name the inventory does not hold).
    pub fn is_invalid_argument(self) -> bool {
        matches!(
            self,
            UnresolvedPath::NoDatacenter
                | UnresolvedPath::NoComputeResource
                | UnresolvedPath::NoHostSystem
                | UnresolvedPath::ExcessItem
        )
    }
}

/// Resolved host contexts by path, so each is resolved once per client.
#[derive(Default)]
pub(crate) struct ContextCache {
    resolved: tokio::sync::Mutex<HashMap<String, Arc<HostContext>>>,
}

/// What one level of a path walk finds below (and at) a folder.
enum Child {
    Folder(ManagedObjectReference, String),
    Datacenter(DatacenterProperties),
    ComputeResource(ComputeResourceProperties),
}

impl Child {
    fn name(&self) -> Option<&str> {
        match self {
            Child::Folder(_, name) => Some(name),
            Child::Datacenter(dc) => dc.name.as_deref(),
            Child::ComputeResource(cr) => cr.name.as_deref(),
        }
    }
}

/// The kind of object a level of the walk looks for besides folders.
#[derive(Clone, Copy)]
enum Level {
    Datacenter,
    ComputeResource,
}

impl Client {
    /// The host context of this client: on an ESX host `ha-datacenter`, its compute resource and
    /// host (`path` is ignored); on a vCenter the host that `path` names
    /// (`[folder/...]datacenter/[folder/...]compute-resource[/host]`, items separated by `/`, a
    /// `/` inside a name written `%2f` as vSphere writes it). Resolved once per path; a path
    /// that names no host is an [`Error::InvalidArgument`] or [`Error::NotFound`] worded as
    /// libvirt words it (see [`Client::resolve_host_path`] for the typed reason).
    pub async fn host_context(&self, path: &str) -> Result<Arc<HostContext>, Error> {
        let key = if self.is_vcenter() {
            path.trim_matches('/').to_owned()
        } else {
            String::new()
        };
        let mut cache = self.contexts().resolved.lock().await;
        if let Some(found) = cache.get(&key) {
            return Ok(found.clone());
        }
        let context = if self.is_vcenter() {
            let items: Vec<&str> = key.split('/').filter(|i| !i.is_empty()).collect();
            match self.resolve_host_path(&items).await? {
                Ok(context) => context,
                Err(problem) if problem.is_invalid_argument() => {
                    return Err(Error::InvalidArgument(problem.message(path)))
                }
                Err(problem) => return Err(Error::NotFound(problem.message(path))),
            }
        } else {
            self.resolve_esx_context().await?
        };
        let context = Arc::new(context);
        cache.insert(key, context.clone());
        Ok(context)
    }

    /// The context of an ESX host, in one property retrieval: from the root folder to the one
    /// datacenter, through its host folder to the one compute resource, and to its host.
    pub async fn resolve_esx_context(&self) -> Result<HostContext, Error> {
        let root = self.service_content().root_folder.clone();
        let walk = Step::to("Folder", "childEntity").then(
            Step::through("Datacenter", "hostFolder")
                .then(Step::to("Folder", "childEntity").then(Step::to("ComputeResource", "host"))),
        );
        let filter = walk_filter(
            &root,
            true,
            vec![walk],
            vec![
                collect("Datacenter", &DATACENTER_PROPERTIES),
                collect("ComputeResource", &COMPUTE_RESOURCE_PROPERTIES),
                collect("HostSystem", &["name"]),
            ],
        );
        let (mut datacenters, mut compute_resources, mut hosts) =
            (Vec::new(), Vec::new(), Vec::new());
        for content in self.retrieve(&[filter]).await? {
            match content.obj.r#type.as_str() {
                "Datacenter" => datacenters.push(decode::<DatacenterProperties>(content)?),
                "ComputeResource" | "ClusterComputeResource" => {
                    compute_resources.push(decode::<ComputeResourceProperties>(content)?)
                }
                "HostSystem" => hosts.push(decode::<HostSystemProperties>(content)?),
                _ => {}
            }
        }
        let datacenter = exactly_one(datacenters, "datacenter")?;
        let compute_resource = exactly_one(compute_resources, "compute resource")?;
        let host = exactly_one(hosts, "host")?;
        let datacenter_path = required(&datacenter.name, "name")?.clone();
        match context_of(datacenter, datacenter_path, compute_resource, host)? {
            Ok(context) => Ok(context),
            Err(problem) => Err(Error::NotFound(problem.message(""))),
        }
    }

    /// Resolves the items of a vCenter inventory path (each a name as vSphere reports it) to a
    /// host, as libvirt does: from the root folder, each item is a folder to descend into or the
    /// datacenter; from the datacenter's host folder, each further item is a folder or the
    /// compute resource; a cluster must be followed by the name of one of its hosts, a
    /// standalone compute resource names its host itself. As in libvirt, an item that names
    /// nothing at its level is passed over, and a folder is matched before a datacenter or
    /// compute resource of the same name. One property retrieval per item.
    ///
    /// The outer error is the server's; the inner one says why the path names no host.
    pub async fn resolve_host_path(
        &self,
        items: &[&str],
    ) -> Result<Result<HostContext, UnresolvedPath>, Error> {
        let mut rest = items.iter().copied();
        let Some(first) = rest.next() else {
            return Ok(Err(UnresolvedPath::NoDatacenter));
        };

        // The datacenter, below the folders the path descends through.
        let mut root = self.service_content().root_folder.clone();
        let mut folders: Vec<String> = Vec::new();
        let mut item = Some(first);
        let mut datacenter = None;
        while let (None, Some(name)) = (&datacenter, item) {
            match self.child_named(&root, Level::Datacenter, name).await? {
                Some(Child::Folder(folder, _)) => {
                    // The start folder matches its own name, as in libvirt; only a real descent
                    // becomes part of the datacenter's path.
                    if folder != root {
                        folders.push(name.to_owned());
                    }
                    root = folder;
                }
                Some(Child::Datacenter(found)) => datacenter = Some(found),
                _ => {}
            }
            item = rest.next();
        }
        let Some(datacenter) = datacenter else {
            return Ok(Err(UnresolvedPath::DatacenterNotFound));
        };
        folders.push(required(&datacenter.name, "name")?.clone());
        let datacenter_path = folders.join("/");

        // The compute resource, below the folders of the datacenter's host folder.
        if item.is_none() {
            return Ok(Err(UnresolvedPath::NoComputeResource));
        }
        let mut root = required(&datacenter.host_folder, "hostFolder")?.clone();
        let mut compute_resource = None;
        let mut previous = None;
        while let (None, Some(name)) = (&compute_resource, item) {
            match self
                .child_named(&root, Level::ComputeResource, name)
                .await?
            {
                Some(Child::Folder(folder, _)) => root = folder,
                Some(Child::ComputeResource(found)) => compute_resource = Some(found),
                _ => {}
            }
            previous = Some(name);
            item = rest.next();
        }
        let (Some(compute_resource), Some(name)) = (compute_resource, previous) else {
            return Ok(Err(UnresolvedPath::ComputeResourceNotFound));
        };
        if compute_resource.resource_pool.is_none() {
            return Ok(Err(UnresolvedPath::NoResourcePool));
        }

        // The host: a cluster's is the next item; a standalone host is named by its compute
        // resource's item.
        let compute_ref = reference_of(
            compute_resource.obj.as_ref().map(|o| o.as_reference()),
            "compute resource",
        )?;
        let is_cluster = compute_ref.r#type == "ClusterComputeResource";
        let host_name = if is_cluster {
            match item {
                Some(host) => {
                    item = rest.next();
                    host
                }
                None => return Ok(Err(UnresolvedPath::NoHostSystem)),
            }
        } else {
            name
        };
        if item.is_some() {
            return Ok(Err(UnresolvedPath::ExcessItem));
        }
        let host = self
            .list_linked::<HostSystemProperties>(&compute_ref, "host", &["name"])
            .await?
            .into_iter()
            .find(|h| h.name.as_deref() == Some(host_name));
        let Some(host) = host else {
            return Ok(Err(UnresolvedPath::HostSystemNotFound));
        };
        context_of(datacenter, datacenter_path, compute_resource, host)
    }

    /// The folder (the start folder itself included), or else the datacenter or compute
    /// resource, named `name` directly below `folder`.
    async fn child_named(
        &self,
        folder: &ManagedObjectReference,
        level: Level,
        name: &str,
    ) -> Result<Option<Child>, Error> {
        let wanted = match level {
            Level::Datacenter => collect("Datacenter", &DATACENTER_PROPERTIES),
            Level::ComputeResource => collect("ComputeResource", &COMPUTE_RESOURCE_PROPERTIES),
        };
        let filter = walk_filter(
            folder,
            false,
            vec![Step::to("Folder", "childEntity")],
            vec![collect("Folder", &["name"]), wanted],
        );
        let mut children = Vec::new();
        for content in self.retrieve(&[filter]).await? {
            let child = match (content.obj.r#type.as_str(), level) {
                ("Folder", _) => {
                    let name = content.prop_set.iter().find_map(|p| match &p.val {
                        esx_vi_types::AnyValue::String(n) if p.name == "name" => Some(n.clone()),
                        _ => None,
                    });
                    match name {
                        Some(name) => Child::Folder(content.obj, name),
                        None => continue,
                    }
                }
                ("Datacenter", Level::Datacenter) => Child::Datacenter(decode(content)?),
                ("ComputeResource" | "ClusterComputeResource", Level::ComputeResource) => {
                    Child::ComputeResource(decode(content)?)
                }
                _ => continue,
            };
            children.push(child);
        }
        // The start folder first (libvirt finds it first), then folders, then the others.
        children.sort_by_key(|c| match c {
            Child::Folder(f, _) if f == folder => 0,
            Child::Folder(..) => 1,
            _ => 2,
        });
        Ok(children.into_iter().find(|c| c.name() == Some(name)))
    }
}

fn decode<P>(content: ObjectContent) -> Result<P, Error>
where
    P: TryFrom<ObjectContent, Error = esx_vi_types::runtime::DecodeError>,
{
    P::try_from(content).map_err(|source| Error::Decode {
        method: "RetrievePropertiesEx",
        source,
    })
}

fn exactly_one<T>(found: Vec<T>, what: &str) -> Result<T, Error> {
    let count = found.len();
    <[T; 1]>::try_from(found).map(|[one]| one).map_err(|_| {
        Error::NotFound(format!(
            "an ESX host has exactly one {what}, this server has {count}"
        ))
    })
}

fn required<'a, T>(value: &'a Option<T>, property: &str) -> Result<&'a T, Error> {
    value
        .as_ref()
        .ok_or_else(|| Error::NotFound(format!("the server returned no {property} property")))
}

fn reference_of(
    obj: Option<&ManagedObjectReference>,
    what: &str,
) -> Result<ManagedObjectReference, Error> {
    obj.cloned()
        .ok_or_else(|| Error::NotFound(format!("the {what} has no reference")))
}

fn context_of(
    datacenter: DatacenterProperties,
    datacenter_path: String,
    compute_resource: ComputeResourceProperties,
    host: HostSystemProperties,
) -> Result<Result<HostContext, UnresolvedPath>, Error> {
    let Some(resource_pool) = compute_resource.resource_pool.clone() else {
        return Ok(Err(UnresolvedPath::NoResourcePool));
    };
    Ok(Ok(HostContext {
        datacenter: reference_of(
            datacenter.obj.as_ref().map(|o| o.as_reference()),
            "datacenter",
        )?,
        datacenter_name: required(&datacenter.name, "name")?.clone(),
        datacenter_path,
        vm_folder: required(&datacenter.vm_folder, "vmFolder")?.clone(),
        host_folder: required(&datacenter.host_folder, "hostFolder")?.clone(),
        compute_resource: reference_of(
            compute_resource.obj.as_ref().map(|o| o.as_reference()),
            "compute resource",
        )?,
        compute_resource_name: required(&compute_resource.name, "name")?.clone(),
        resource_pool,
        host: reference_of(host.obj.as_ref().map(|o| o.as_reference()), "host")?,
        host_name: required(&host.name, "name")?.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_worded_and_classed_as_libvirt_does() {
        let path = "/DC0/DC0_C0";
        assert_eq!(
            UnresolvedPath::NoHostSystem.message(path),
            "Path '/DC0/DC0_C0' does not specify a host system"
        );
        assert_eq!(
            UnresolvedPath::DatacenterNotFound.message("/DC9/x"),
            "Could not find datacenter specified in '/DC9/x'"
        );
        assert!(UnresolvedPath::ExcessItem.is_invalid_argument());
        assert!(!UnresolvedPath::HostSystemNotFound.is_invalid_argument());
        assert_eq!(
            UnresolvedPath::NoResourcePool.message(path),
            "Could not retrieve resource pool"
        );
    }
}
