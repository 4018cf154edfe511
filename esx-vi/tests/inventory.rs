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
        let host = context.host.clone();
        assert_eq!(host.r#type, "HostSystem");
        assert_eq!(context.host_name, "localhost.localdomain");
        assert_eq!(context.resource_pool.r#type, "ResourcePool");
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
    assert!(clustered.is_cluster());
    assert_eq!(clustered.compute_resource_name, "DC0_C0");
    assert_eq!(clustered.host_name, "DC0_C0_H1");

    // A standalone host is named by its compute resource alone.
    let standalone = client
        .host_context("/DC0/DC0_H0/")
        .await
        .expect("standalone host");
    assert_eq!(standalone.compute_resource.r#type, "ComputeResource");
    assert!(!standalone.is_cluster());
    assert_eq!(standalone.host_name, "DC0_H0");
    assert_ne!(standalone.resource_pool, clustered.resource_pool);

    // libvirt's texts and classes for paths that name no host.
    for (path, expected, invalid) in [
        (
            "DC9/DC0_C0/DC0_C0_H0",
            "Could not find datacenter specified in 'DC9/DC0_C0/DC0_C0_H0'",
            false,
        ),
        (
            "DC0",
            "Path 'DC0' does not specify a compute resource",
            true,
        ),
        (
            "DC0/nope/DC0_C0_H0",
            "Could not find compute resource specified in 'DC0/nope/DC0_C0_H0'",
            false,
        ),
        (
            "DC0/DC0_C0",
            "Path 'DC0/DC0_C0' does not specify a host system",
            true,
        ),
        (
            "DC0/DC0_C0/DC0_H0",
            "Could not find host system specified in 'DC0/DC0_C0/DC0_H0'",
            false,
        ),
        (
            "DC0/DC0_C0/DC0_C0_H0/extra",
            "Path 'DC0/DC0_C0/DC0_C0_H0/extra' ends with an excess item",
            true,
        ),
        (
            "DC0/DC0_H0/DC0_H0",
            "Path 'DC0/DC0_H0/DC0_H0' ends with an excess item",
            true,
        ),
        ("", "Path '' does not specify a datacenter", true),
    ] {
        let err = client.host_context(path).await.expect_err(path);
        assert_eq!(err.to_string(), expected, "{path}");
        assert_eq!(
            matches!(err, Error::InvalidArgument(_)),
            invalid,
            "{path}: {err:?}"
        );
        assert!(matches!(
            err,
            Error::NotFound(_) | Error::InvalidArgument(_)
        ));
    }
}

#[tokio::test]
async fn a_vcenter_path_costs_one_retrieval_per_item_and_is_resolved_once() {
    let sim = common::simulator(SimOptions::vpx());
    let client = common::connect(&sim).await;
    let before = client.soap_request_count();
    client
        .host_context("DC0/DC0_C0/DC0_C0_H2")
        .await
        .expect("cluster host");
    // The datacenter, the cluster, the cluster's hosts.
    assert_eq!(client.soap_request_count() - before, 3);
    let before = client.soap_request_count();
    client.host_context("/DC0/DC0_C0/DC0_C0_H2/").await.unwrap();
    assert_eq!(client.soap_request_count(), before);
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
async fn vcenter_paths_walk_through_folders_as_libvirt_does() {
    // DC0 in folder F0 at the root, its cluster and standalone host in folder F0 of its host
    // folder.
    let sim = common::simulator(SimOptions::vpx().arg("-folder=1"));
    let client = common::connect(&sim).await;
    let context = client
        .host_context("F0/DC0/F0/DC0_C0/DC0_C0_H1")
        .await
        .expect("through both folders");
    assert_eq!(context.datacenter_path, "F0/DC0");
    assert_eq!(context.datacenter_name, "DC0");
    assert_eq!(context.host_name, "DC0_C0_H1");
    let standalone = client
        .host_context("F0/DC0/F0/DC0_H0")
        .await
        .expect("standalone host in a folder");
    assert_eq!(standalone.host_name, "DC0_H0");

    // A folder matches its own name (the root folder is `Datacenters`, a datacenter's host
    // folder `host`), and an item that names nothing at its level is passed over: neither
    // becomes part of the datacenter's path.
    let context = client
        .host_context("Datacenters/F0/typo/DC0/host/F0/DC0_C0/DC0_C0_H1")
        .await
        .expect("libvirt resolves this too");
    assert_eq!(context.datacenter_path, "F0/DC0");
    assert_eq!(context.host_name, "DC0_C0_H1");

    // The folders are needed: without them neither the datacenter nor the cluster is found.
    for (path, expected) in [
        (
            "DC0/F0/DC0_C0/DC0_C0_H0",
            "Could not find datacenter specified in 'DC0/F0/DC0_C0/DC0_C0_H0'",
        ),
        (
            "F0/DC0/DC0_C0/DC0_C0_H0",
            "Could not find compute resource specified in 'F0/DC0/DC0_C0/DC0_C0_H0'",
        ),
        (
            "F0/DC0",
            "Path 'F0/DC0' does not specify a compute resource",
        ),
        (
            "F0/DC0/F0",
            "Could not find compute resource specified in 'F0/DC0/F0'",
        ),
        ("F0", "Could not find datacenter specified in 'F0'"),
    ] {
        let err = client.host_context(path).await.expect_err(path);
        assert_eq!(err.to_string(), expected, "{path}");
    }
    // A path that ends in a folder of the host folder names no compute resource: not found
    // (libvirt's internal error), where one that ends at the datacenter is an invalid argument.
    let err = client
        .host_context("F0/DC0/F0")
        .await
        .expect_err("ends in a folder");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let err = client
        .host_context("F0/DC0")
        .await
        .expect_err("ends at the datacenter");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
}

#[tokio::test]
async fn a_host_lists_its_own_vms_in_one_traversal() {
    let sim = common::simulator(SimOptions::vpx().vms(6));
    let client = common::connect(&sim).await;
    let standalone: Vec<String> = (0..6).map(|i| format!("DC0_H0_VM{i}")).collect();
    // Round-robin placement: the i-th VM of the cluster runs on its host i mod 3.
    for (path, expected) in [
        (
            "DC0/DC0_C0/DC0_C0_H0",
            vec!["DC0_C0_RP0_VM0".to_owned(), "DC0_C0_RP0_VM3".to_owned()],
        ),
        (
            "DC0/DC0_C0/DC0_C0_H2",
            vec!["DC0_C0_RP0_VM2".to_owned(), "DC0_C0_RP0_VM5".to_owned()],
        ),
        ("DC0/DC0_H0", standalone),
    ] {
        let context = client.host_context(path).await.expect(path);
        let before = client.soap_request_count();
        let vms: Vec<VirtualMachineProperties> = client
            .list_linked(&context.host, "vm", &["name", "runtime.host"])
            .await
            .expect("the host's VMs");
        assert_eq!(client.soap_request_count() - before, 1, "{path}");
        let mut names: Vec<String> = vms.iter().filter_map(|v| v.name.clone()).collect();
        names.sort();
        assert_eq!(names, expected, "{path}");
        for vm in &vms {
            assert_eq!(
                vm.path("runtime.host"),
                Some(&AnyValue::ManagedObjectReference(context.host.clone())),
                "{path}"
            );
        }
    }
}
