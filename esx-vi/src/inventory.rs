//! The inventory: listing every object of a type through one ContainerView traversal, listing
//! the objects one object refers to (a host's VMs) through one traversal, lookups by inventory
//! path, name, UUID and IP, and the host context (datacenter, compute resource, host) that a
//! driver connection works in.

mod host_context;
pub mod traversal;

use esx_vi_types::methods;
use esx_vi_types::runtime::DecodeError;
use esx_vi_types::{ManagedObjectReference, ObjectContent};
use futures_util::{Stream, StreamExt};

pub(crate) use host_context::ContextCache;
pub use host_context::{HostContext, UnresolvedPath};

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

    /// The objects of type `P::TYPE_NAME` that `from`'s reference property `via` names, with
    /// `properties`: a host's VMs (`HostSystem`, `vm`) or datastores, a compute resource's hosts.
    /// One `RetrievePropertiesEx` (and its continuation pages) that starts at `from` and follows
    /// only that property, so its cost grows with what `from` refers to, never with the rest of
    /// the inventory.
    pub async fn list_linked<P: ManagedObjectProperties>(
        &self,
        from: &ManagedObjectReference,
        via: &str,
        properties: &[&str],
    ) -> Result<Vec<P>, Error> {
        self.retrieve_typed::<P>(&[traversal::linked_filter(
            from,
            via,
            P::TYPE_NAME,
            properties,
        )])
        .await
    }

    /// [`Client::list_linked`] as a stream, one page of the answer in memory at a time: for a
    /// caller that keeps less of each object than the typed properties hold (a listing).
    pub fn list_linked_stream<P: ManagedObjectProperties>(
        &self,
        from: &ManagedObjectReference,
        via: &str,
        properties: &[&str],
    ) -> impl Stream<Item = Result<P, Error>> + Send + 'static {
        let filter = traversal::linked_filter(from, via, P::TYPE_NAME, properties);
        self.retrieve_stream(vec![filter]).map(|content| {
            content.and_then(|c| {
                P::try_from(c).map_err(|source| Error::Decode {
                    method: "RetrievePropertiesEx",
                    source,
                })
            })
        })
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
}
