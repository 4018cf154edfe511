//! The inventory: listing every object of a type through one ContainerView traversal, lookups by
//! inventory path, name, UUID and IP, and the host context (datacenter, compute resource, host)
//! that a driver connection works in, resolved once per connection.

use std::collections::HashMap;
use std::sync::Arc;

use esx_vi_types::methods;
use esx_vi_types::runtime::DecodeError;
use esx_vi_types::{
    ComputeResourceProperties, DatacenterProperties, HostSystemProperties, ManagedObjectReference,
    ObjectContent,
};
use futures_util::{Stream, StreamExt};

use crate::client::Client;
use crate::error::{method_error, Error};
use crate::property::{container_view_filter, PassError};

/// A generated managed-object property struct (`VirtualMachineProperties`...) and the managed
/// object type it describes, so that listings can be typed.
pub trait ManagedObjectProperties:
    TryFrom<ObjectContent, Error = DecodeError> + Send + 'static
{
    /// The managed object type name (`VirtualMachine`).
    const TYPE_NAME: &'static str;
}

macro_rules! managed_object_properties {
    ($($props:ident => $reference:ident),* $(,)?) => {
        $(impl ManagedObjectProperties for esx_vi_types::$props {
            const TYPE_NAME: &'static str = esx_vi_types::$reference::TYPE_NAME;
        })*
    };
}

managed_object_properties! {
    VirtualMachineProperties => VirtualMachineRef,
    HostSystemProperties => HostSystemRef,
    DatacenterProperties => DatacenterRef,
    ComputeResourceProperties => ComputeResourceRef,
    ClusterComputeResourceProperties => ClusterComputeResourceRef,
    DatastoreProperties => DatastoreRef,
    NetworkProperties => NetworkRef,
    FolderProperties => FolderRef,
    ResourcePoolProperties => ResourcePoolRef,
    TaskProperties => TaskRef,
}

/// Where a driver connection works: the datacenter, its compute resource (a standalone host's or
/// a cluster) and, when one was named or there is only one, the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostContext {
    /// The datacenter (`ha-datacenter` on an ESX host).
    pub datacenter: ManagedObjectReference,
    /// The datacenter's name.
    pub datacenter_name: String,
    /// The datacenter's inventory path including folders (`folder/dc`): the `dcPath` of
    /// datastore file URLs.
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
    /// The compute resource's root resource pool.
    pub resource_pool: Option<ManagedObjectReference>,
    /// The host, unless the path named a cluster without a host.
    pub host: Option<ManagedObjectReference>,
    /// The host's name.
    pub host_name: Option<String>,
}

/// Resolved host contexts by path, so each is resolved once per connection.
#[derive(Default)]
pub(crate) struct ContextCache {
    resolved: tokio::sync::Mutex<HashMap<String, Arc<HostContext>>>,
}

impl Client {
    /// Every object of type `P::TYPE_NAME` in the whole inventory, with `properties` (all
    /// properties when empty), through one ContainerView: `CreateContainerView`, the pages of
    /// `RetrievePropertiesEx`, `DestroyView`; no per-object calls.
    pub async fn list<P: ManagedObjectProperties>(
        &self,
        properties: &[&str],
    ) -> Result<Vec<P>, Error> {
        let root = self.service_content().root_folder.clone();
        self.list_under(&root, properties).await
    }

    /// Like [`Client::list`], below `root` (a folder, datacenter, compute resource...).
    pub async fn list_under<P: ManagedObjectProperties>(
        &self,
        root: &ManagedObjectReference,
        properties: &[&str],
    ) -> Result<Vec<P>, Error> {
        let contents = self
            .retrieve_through_view(root, P::TYPE_NAME, properties)
            .await?;
        contents
            .into_iter()
            .map(|content| {
                P::try_from(content).map_err(|source| Error::Decode {
                    method: "RetrievePropertiesEx",
                    source,
                })
            })
            .collect()
    }

    /// Retrieves `properties` of every `type_name` object below `root` through a ContainerView.
    /// The view belongs to the session: when the session is restored during the retrieval, the
    /// view and the paging token are gone, and the whole retrieval runs again once with a new
    /// view (one consistent snapshot, never two halves).
    async fn retrieve_through_view(
        &self,
        root: &ManagedObjectReference,
        type_name: &str,
        properties: &[&str],
    ) -> Result<Vec<ObjectContent>, Error> {
        let mut restarted = false;
        loop {
            let view = self.create_container_view(root, type_name).await?;
            let result = self
                .retrieve_pass(&[container_view_filter(&view, type_name, properties)])
                .await;
            let destroyed = self.destroy_view(&view).await;
            match result {
                Err(PassError::SessionLost(error)) if !restarted => {
                    restarted = true;
                    tracing::info!(
                        "the session was restored during a retrieval and its view and paging \
                         token went with the old one ({error}); retrieving again"
                    );
                }
                Err(error) => return Err(error.into_error()),
                Ok(objects) => {
                    destroyed?;
                    return Ok(objects);
                }
            }
        }
    }

    /// Streams every object of type `P::TYPE_NAME` in the inventory, one page in memory at a
    /// time: for inventories too large to hold.
    pub fn list_stream<P: ManagedObjectProperties>(
        &self,
        properties: &[&str],
    ) -> impl Stream<Item = Result<P, Error>> + Send + 'static {
        let client = self.clone();
        let properties: Vec<String> = properties.iter().map(|p| (*p).to_owned()).collect();
        futures_util::stream::once(async move {
            let root = client.service_content().root_folder.clone();
            let view = client.create_container_view(&root, P::TYPE_NAME).await?;
            let names: Vec<&str> = properties.iter().map(String::as_str).collect();
            let spec = container_view_filter(&view, P::TYPE_NAME, &names);
            let objects = client.retrieve_stream(vec![spec]).map(|content| {
                content.and_then(|c| {
                    P::try_from(c).map_err(|source| Error::Decode {
                        method: "RetrievePropertiesEx",
                        source,
                    })
                })
            });
            // Destroy the view once the last page has been read.
            let cleanup =
                futures_util::stream::once(async move { client.destroy_view(&view).await.err() })
                    .filter_map(|e| async move { e.map(Err) });
            Ok::<_, Error>(objects.chain(cleanup))
        })
        .flat_map(|created| match created {
            Ok(stream) => stream.left_stream(),
            Err(e) => futures_util::stream::once(async move { Err(e) }).right_stream(),
        })
    }

    async fn create_container_view(
        &self,
        root: &ManagedObjectReference,
        type_name: &str,
    ) -> Result<ManagedObjectReference, Error> {
        methods::create_container_view(
            self,
            self.service_content(),
            root,
            &[type_name.to_owned()],
            true,
        )
        .await
        .map_err(method_error("CreateContainerView"))
    }

    async fn destroy_view(&self, view: &ManagedObjectReference) -> Result<(), Error> {
        methods::destroy_view(self, view)
            .await
            .map_err(method_error("DestroyView"))
    }

    /// The object at an inventory path (`/DC0/host/DC0_C0/DC0_C0_H0`, `ha-datacenter/vm/myvm`),
    /// or `None`.
    pub async fn find_by_inventory_path(
        &self,
        path: &str,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        let path = path.trim_matches('/').to_owned();
        methods::find_by_inventory_path(self, self.service_content(), &path)
            .await
            .map_err(method_error("FindByInventoryPath"))
    }

    /// The virtual machine with this BIOS UUID (or instance UUID with `instance_uuid`), or `None`.
    pub async fn find_vm_by_uuid(
        &self,
        uuid: &str,
        instance_uuid: bool,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        methods::find_by_uuid(
            self,
            self.service_content(),
            None,
            uuid,
            true,
            Some(instance_uuid),
        )
        .await
        .map_err(method_error("FindByUuid"))
    }

    /// The host with this hardware UUID, or `None`.
    pub async fn find_host_by_uuid(
        &self,
        uuid: &str,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        methods::find_by_uuid(self, self.service_content(), None, uuid, false, None)
            .await
            .map_err(method_error("FindByUuid"))
    }

    /// The virtual machine whose guest reports this IP address (needs VMware Tools), or `None`.
    pub async fn find_vm_by_ip(&self, ip: &str) -> Result<Option<ManagedObjectReference>, Error> {
        methods::find_by_ip(self, self.service_content(), None, ip, true)
            .await
            .map_err(method_error("FindByIp"))
    }

    /// The host with this management IP address, or `None`.
    pub async fn find_host_by_ip(&self, ip: &str) -> Result<Option<ManagedObjectReference>, Error> {
        methods::find_by_ip(self, self.service_content(), None, ip, false)
            .await
            .map_err(method_error("FindByIp"))
    }

    /// Every object of `P::TYPE_NAME` named `name` (names are unique per folder, not globally).
    pub async fn find_by_name<P: ManagedObjectProperties>(
        &self,
        name: &str,
    ) -> Result<Vec<ManagedObjectReference>, Error> {
        let root = self.service_content().root_folder.clone();
        let contents = self
            .retrieve_through_view(&root, P::TYPE_NAME, &["name"])
            .await?;
        Ok(contents
            .into_iter()
            .filter(|c| {
                c.prop_set.iter().any(|p| {
                    p.name == "name"
                        && matches!(&p.val, esx_vi_types::AnyValue::String(n) if n == name)
                })
            })
            .map(|c| c.obj)
            .collect())
    }

    /// The host context of this connection: on an ESX host `ha-datacenter`, its single compute
    /// resource and host (`path` is ignored); on a vCenter the `datacenter[/cluster-or-host[/host]]`
    /// path, where folders may precede the datacenter and the compute resource. Resolved once per
    /// connection and path.
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
        let context = Arc::new(if self.is_vcenter() {
            self.resolve_vcenter_context(&key).await?
        } else {
            self.resolve_esx_context().await?
        });
        cache.insert(key, context.clone());
        Ok(context)
    }

    async fn resolve_esx_context(&self) -> Result<HostContext, Error> {
        let datacenters: Vec<DatacenterProperties> =
            self.list(&["name", "vmFolder", "hostFolder"]).await?;
        let [datacenter] = <[DatacenterProperties; 1]>::try_from(datacenters).map_err(|found| {
            Error::NotFound(format!(
                "an ESX host has exactly one datacenter, this server has {}",
                found.len()
            ))
        })?;
        let compute_resources: Vec<ComputeResourceProperties> = self
            .list_under(
                required(&datacenter.host_folder, "hostFolder")?,
                &["name", "host", "resourcePool"],
            )
            .await?;
        let [compute_resource] = <[ComputeResourceProperties; 1]>::try_from(compute_resources)
            .map_err(|found| {
                Error::NotFound(format!(
                    "an ESX host has exactly one compute resource, this server has {}",
                    found.len()
                ))
            })?;
        let datacenter_name = required(&datacenter.name, "name")?.clone();
        self.finish_context(datacenter, datacenter_name.clone(), compute_resource, None)
            .await
    }

    async fn resolve_vcenter_context(&self, path: &str) -> Result<HostContext, Error> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Err(Error::InvalidArgument(
                "a vCenter connection needs a path: datacenter[/cluster-or-host[/host]], folders allowed before each".to_owned(),
            ));
        }
        // The datacenter: the first prefix of the path that names one (folders may come first).
        let mut datacenter_at = None;
        for end in 1..=parts.len() {
            let prefix = parts[..end].join("/");
            match self.find_by_inventory_path(&prefix).await? {
                Some(found) if found.r#type == "Datacenter" => {
                    datacenter_at = Some((end, found));
                    break;
                }
                Some(found) if found.r#type == "Folder" => continue,
                Some(found) => {
                    return Err(Error::InvalidArgument(format!(
                        "path {path:?}: {prefix:?} is a {}, expected a folder or a datacenter",
                        found.r#type
                    )))
                }
                None => {
                    return Err(Error::NotFound(format!(
                        "path {path:?}: no folder or datacenter at {prefix:?}"
                    )))
                }
            }
        }
        let Some((dc_end, datacenter_ref)) = datacenter_at else {
            return Err(Error::NotFound(format!(
                "path {path:?} names no datacenter"
            )));
        };
        let datacenter_path = parts[..dc_end].join("/");
        let datacenter: DatacenterProperties = self
            .retrieve_object(&datacenter_ref, &["name", "vmFolder", "hostFolder"])
            .await?;
        let datacenter_name = required(&datacenter.name, "name")?.clone();

        // The compute resource: the first prefix below the host folder that names one.
        let rest = &parts[dc_end..];
        let mut compute_at = None;
        for end in 1..=rest.len() {
            let prefix = format!("{datacenter_path}/host/{}", rest[..end].join("/"));
            match self.find_by_inventory_path(&prefix).await? {
                Some(found) if found.r#type == "ComputeResource" || found.r#type == "ClusterComputeResource" => {
                    compute_at = Some((end, found, prefix));
                    break;
                }
                Some(found) if found.r#type == "Folder" => continue,
                Some(found) => {
                    return Err(Error::InvalidArgument(format!(
                        "path {path:?}: {} is a {}, expected a folder, cluster or host",
                        rest[..end].join("/"),
                        found.r#type
                    )))
                }
                None => {
                    return Err(Error::NotFound(format!(
                        "path {path:?}: datacenter {datacenter_name:?} has no folder, cluster or host {:?}",
                        rest[..end].join("/")
                    )))
                }
            }
        }
        let Some((cr_end, compute_ref, compute_path)) = compute_at else {
            return Err(Error::InvalidArgument(format!(
                "path {path:?} names datacenter {datacenter_name:?} but no cluster or host in it"
            )));
        };
        let compute_resource: ComputeResourceProperties = self
            .retrieve_object(&compute_ref, &["name", "host", "resourcePool"])
            .await?;
        let host = match &rest[cr_end..] {
            [] => None,
            [host_name] => match self
                .find_by_inventory_path(&format!("{compute_path}/{host_name}"))
                .await?
            {
                Some(found) if found.r#type == "HostSystem" => Some(found),
                _ => {
                    return Err(Error::NotFound(format!(
                        "path {path:?}: {:?} has no host {host_name:?}",
                        compute_resource.name.as_deref().unwrap_or_default()
                    )))
                }
            },
            more => {
                return Err(Error::InvalidArgument(format!(
                    "path {path:?}: unexpected {:?} after the host",
                    more[1..].join("/")
                )))
            }
        };
        let mut context = self
            .finish_context(datacenter, datacenter_name, compute_resource, host)
            .await?;
        context.datacenter_path = datacenter_path;
        Ok(context)
    }

    async fn finish_context(
        &self,
        datacenter: DatacenterProperties,
        datacenter_name: String,
        compute_resource: ComputeResourceProperties,
        host: Option<ManagedObjectReference>,
    ) -> Result<HostContext, Error> {
        let hosts = compute_resource.host.clone().unwrap_or_default();
        let is_cluster = compute_resource
            .obj
            .as_ref()
            .is_some_and(|o| o.r#type == "ClusterComputeResource");
        // A standalone compute resource has exactly one host; a cluster's host must be named.
        let host = match host {
            Some(h) => Some(h),
            None if !is_cluster && hosts.len() == 1 => hosts.first().cloned(),
            None => None,
        };
        let host_name = match &host {
            Some(h) => {
                let props: HostSystemProperties = self.retrieve_object(h, &["name"]).await?;
                props.name
            }
            None => None,
        };
        let datacenter_ref = datacenter
            .obj
            .as_ref()
            .map(|o| o.as_reference().clone())
            .ok_or_else(|| Error::NotFound("the datacenter has no reference".to_owned()))?;
        let compute_ref = compute_resource
            .obj
            .as_ref()
            .map(|o| o.as_reference().clone())
            .ok_or_else(|| Error::NotFound("the compute resource has no reference".to_owned()))?;
        Ok(HostContext {
            datacenter: datacenter_ref,
            datacenter_path: datacenter_name.clone(),
            datacenter_name,
            vm_folder: required(&datacenter.vm_folder, "vmFolder")?.clone(),
            host_folder: required(&datacenter.host_folder, "hostFolder")?.clone(),
            compute_resource_name: compute_resource.name.clone().unwrap_or_default(),
            compute_resource: compute_ref,
            resource_pool: compute_resource.resource_pool.clone(),
            host,
            host_name,
        })
    }
}

fn required<'a, T>(value: &'a Option<T>, property: &str) -> Result<&'a T, Error> {
    value
        .as_ref()
        .ok_or_else(|| Error::NotFound(format!("the server returned no {property} property")))
}
