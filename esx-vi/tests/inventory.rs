//! Inventory lookups and host contexts on both models: inventory paths, names, UUIDs, IPs, the
//! ESX context (ha-datacenter) and vCenter contexts (datacenter / cluster / host paths).

mod common;

use esx_tests::{SimOptions, WireStyle};
use esx_vi::types::{
    AnyValue, HostSystemProperties, ManagedObjectReference, VirtualMachineProperties,
};
use esx_vi::Error;

#[tokio::test]
async fn lookups_by_path_name_uuid_and_ip_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = common::simulator(SimOptions::vpx().wire(wire));
        let client = common::connect(&sim).await;

        let host = client
            .find_by_inventory_path("/DC0/host/DC0_C0/DC0_C0_H0")
            .await
            .expect("FindByInventoryPath")
            .expect("the cluster host exists");
        assert_eq!(host.r#type, "HostSystem");
        let props: HostSystemProperties = client
            .retrieve_object(&host, &["name"])
            .await
            .expect("host name");
        assert_eq!(props.name.as_deref(), Some("DC0_C0_H0"));
        assert_eq!(
            client
                .find_by_inventory_path("/DC0/host/nope")
                .await
                .expect("lookup"),
            None
        );

        let vm = common::vm(&client, "DC0_H0_VM1").await;
        let props: VirtualMachineProperties = client
            .retrieve_object(&vm, &["config.uuid"])
            .await
            .expect("uuid");
        let Some(AnyValue::String(uuid)) = props.path("config.uuid") else {
            panic!("no config.uuid: {props:?}");
        };
        assert_eq!(
            client
                .find_vm_by_uuid(uuid, false)
                .await
                .expect("FindByUuid"),
            Some(vm.clone()),
            "{wire:?}"
        );
        assert_eq!(
            client
                .find_vm_by_uuid("00000000-0000-0000-0000-000000000000", false)
                .await
                .expect("FindByUuid"),
            None
        );
        assert!(client
            .find_by_name::<VirtualMachineProperties>("no such vm")
            .await
            .expect("by name")
            .is_empty());
        assert_eq!(
            client.find_vm_by_ip("192.0.2.123").await.expect("FindByIp"),
            None
        );
    }
}

#[tokio::test]
async fn esx_host_context_is_ha_datacenter_and_its_single_host() {
    for wire in WireStyle::ALL {
        let sim = common::simulator(SimOptions::esx().wire(wire));
        let client = common::connect(&sim).await;
        let context = client
            .host_context("ignored/on/esx")
            .await
            .expect("ESX context");
        assert_eq!(context.datacenter_name, "ha-datacenter");
        assert_eq!(context.datacenter_path, "ha-datacenter");
        assert_eq!(context.compute_resource.r#type, "ComputeResource");
        let host = context.host.clone().expect("the host");
        assert_eq!(host.r#type, "HostSystem");
        assert!(context.host_name.is_some());
        assert!(context.resource_pool.is_some());
        // Resolved once: the same context comes back without another call.
        let before = client.soap_request_count();
        let again = client.host_context("").await.expect("cached");
        assert_eq!(client.soap_request_count(), before);
        assert_eq!(*again, *context);
        assert_eq!(
            client.find_host_by_ip("127.0.0.1").await.expect("FindByIp"),
            Some(host)
        );
    }
}

#[tokio::test]
async fn vcenter_contexts_by_path() {
    let sim = common::simulator(SimOptions::vpx());
    let client = common::connect(&sim).await;

    let clustered = client
        .host_context("DC0/DC0_C0/DC0_C0_H1")
        .await
        .expect("cluster host");
    assert_eq!(clustered.datacenter_name, "DC0");
    assert_eq!(clustered.datacenter_path, "DC0");
    assert_eq!(clustered.compute_resource.r#type, "ClusterComputeResource");
    assert_eq!(clustered.compute_resource_name, "DC0_C0");
    assert_eq!(clustered.host_name.as_deref(), Some("DC0_C0_H1"));

    let cluster = client.host_context("/DC0/DC0_C0/").await.expect("cluster");
    assert_eq!(cluster.host, None, "a cluster without a named host");

    let standalone = client
        .host_context("DC0/DC0_H0")
        .await
        .expect("standalone host");
    assert_eq!(standalone.compute_resource.r#type, "ComputeResource");
    assert_eq!(standalone.host_name.as_deref(), Some("DC0_H0"));

    for (path, expected) in [
        ("DC9", "no folder or datacenter"),
        ("DC0/nope", "has no folder, cluster or host"),
        ("DC0/DC0_C0/nope", "has no host"),
        ("DC0/DC0_C0/DC0_C0_H0/extra", "unexpected"),
        ("", "needs a path"),
    ] {
        let err = client.host_context(path).await.expect_err(path);
        assert!(err.to_string().contains(expected), "{path}: {err}");
        assert!(
            matches!(err, Error::NotFound(_) | Error::InvalidArgument(_)),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_object_is_a_typed_fault() {
    let sim = common::simulator(SimOptions::esx());
    let client = common::connect(&sim).await;
    let gone = ManagedObjectReference::new("VirtualMachine", "vm-does-not-exist");
    let err = client
        .retrieve_object::<VirtualMachineProperties>(&gone, &["name"])
        .await
        .expect_err("no such VM");
    assert_eq!(err.fault_type(), Some("ManagedObjectNotFound"), "{err}");
    match err {
        Error::Fault { fault, .. } => assert!(
            matches!(
                fault.detail,
                Some(esx_vi::types::AnyMethodFault::ManagedObjectNotFound(_))
            ),
            "{fault:?}"
        ),
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[tokio::test]
async fn vcenter_paths_walk_through_folders() {
    let sim = common::simulator(SimOptions::vpx());
    let client = common::connect(&sim).await;
    let clustered = client.host_context("DC0/DC0_C0").await.expect("cluster");
    // An empty folder in the datacenter's host folder: the path walks into it, finds no cluster.
    esx_vi::types::methods::create_folder(&client, &clustered.host_folder, "Rack1")
        .await
        .expect("CreateFolder");
    let err = client
        .host_context("DC0/Rack1/DC0_C0")
        .await
        .expect_err("not in the folder");
    assert!(err.to_string().contains("\"Rack1/DC0_C0\""), "{err}");
    let err = client
        .host_context("DC0/Rack1")
        .await
        .expect_err("a folder only");
    assert!(err.to_string().contains("but no cluster or host"), "{err}");
    // A folder above the datacenter level that holds no datacenter.
    let root = client.service_content().root_folder.clone();
    esx_vi::types::methods::create_folder(&client, &root, "Region")
        .await
        .expect("CreateFolder");
    let err = client
        .host_context("Region")
        .await
        .expect_err("no datacenter");
    assert!(err.to_string().contains("names no datacenter"), "{err}");
}
