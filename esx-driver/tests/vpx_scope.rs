//! A vpx:// connection manages the host its URI names and nothing else (libvirt's rule): on a
//! vCenter with a cluster of three hosts and a standalone host, each connection lists, counts and
//! looks up (by name, id and UUID) only its host's VMs, refuses to act on the others, defines new
//! VMs on its host, describes its host in nodeinfo/hostname/capabilities/freecell, and follows
//! VMs as they migrate between hosts. The truth each test compares with comes from the vCenter
//! itself (every VM's `runtime.host`), read with a plain client.

mod e2e_common;

use std::collections::BTreeMap;

use e2e_common::{domain_xml, simulator_with, PASSWORD};
use esx_driver::auth::CredentialSources;
use esx_driver::domain::Uuid;
use esx_driver::driver::{
    Connection, Defined, DomainRef, DomainState, Error, ListFilter, SchedulerUpdate,
};
use esx_tests::{SimOptions, Simulator};
use esx_vi::types::{AnyValue, HostSystemProperties, VirtualMachineProperties};
use esx_vi::{Client, ConnectOptions, Credentials};

/// The hosts of the simulator's vCenter, as a URI path and the host's name: the cluster DC0_C0
/// of three hosts and the standalone host DC0_H0.
const HOSTS: [(&str, &str); 4] = [
    ("DC0/DC0_C0/DC0_C0_H0", "DC0_C0_H0"),
    ("DC0/DC0_C0/DC0_C0_H1", "DC0_C0_H1"),
    ("DC0/DC0_C0/DC0_C0_H2", "DC0_C0_H2"),
    ("DC0/DC0_H0", "DC0_H0"),
];

/// A vCenter whose cluster holds 4 VMs (DC0_C0_H0 runs VM0 and VM3, H1 VM1, H2 VM2) and whose
/// standalone host holds 4 VMs.
fn vcenter() -> Simulator {
    simulator_with(SimOptions::vpx().vms(4))
}

fn uri_of(sim: &Simulator, path: &str) -> String {
    format!("vpx://root@{}/{path}?transport=http", sim.host_port())
}

async fn open(uri: &str) -> Connection {
    Connection::open(uri, &sources())
        .await
        .unwrap_or_else(|e| panic!("{uri}: {e}"))
}

fn sources() -> CredentialSources {
    CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", PASSWORD)])
}

/// A VM as the vCenter reports it.
#[derive(Debug, Clone)]
struct Vm {
    name: String,
    moref: String,
    host: String,
    uuid: Uuid,
    bios_uuid: Uuid,
    running: bool,
}

impl Vm {
    fn id(&self) -> i32 {
        esx_driver::driver::id_of_moref(&self.moref).expect("a numbered moref")
    }
}

/// A plain client of the simulator's vCenter.
async fn vcenter_client(sim: &Simulator) -> Client {
    Client::connect(
        sim.url(),
        ConnectOptions::new().credentials(Credentials::new("root", PASSWORD)),
    )
    .await
    .expect("plain client")
}

/// Every VM of the vCenter and the host that runs it.
async fn truth(sim: &Simulator) -> Vec<Vm> {
    let client = vcenter_client(sim).await;
    let hosts: Vec<HostSystemProperties> = client.list(&["name"]).await.unwrap();
    let host_names: BTreeMap<String, String> = hosts
        .iter()
        .map(|h| {
            (
                h.obj.as_ref().unwrap().as_reference().value.clone(),
                h.name.clone().unwrap(),
            )
        })
        .collect();
    let vms: Vec<VirtualMachineProperties> = client
        .list(&[
            "name",
            "runtime.host",
            "runtime.powerState",
            "config.uuid",
            "config.instanceUuid",
        ])
        .await
        .unwrap();
    let text = |vm: &VirtualMachineProperties, path: &str| match vm.path(path) {
        Some(AnyValue::String(s)) => s.clone(),
        other => panic!("{path}: {other:?}"),
    };
    let mut out: Vec<Vm> = vms
        .iter()
        .map(|vm| Vm {
            name: vm.name.clone().unwrap(),
            moref: vm.obj.as_ref().unwrap().as_reference().value.clone(),
            host: match vm.path("runtime.host") {
                Some(AnyValue::ManagedObjectReference(h)) => host_names[&h.value].clone(),
                other => panic!("runtime.host: {other:?}"),
            },
            uuid: text(vm, "config.instanceUuid").parse().unwrap(),
            bios_uuid: text(vm, "config.uuid").parse().unwrap(),
            running: matches!(
                vm.path("runtime.powerState"),
                Some(AnyValue::VirtualMachinePowerState(s)) if s.as_str() == "poweredOn"
            ),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn names_of(domains: &[DomainRef]) -> Vec<String> {
    let mut names: Vec<String> = domains.iter().map(|d| d.name.clone()).collect();
    names.sort();
    names
}

fn names_on(vms: &[Vm], host: &str) -> Vec<String> {
    vms.iter()
        .filter(|vm| vm.host == host)
        .map(|vm| vm.name.clone())
        .collect()
}

fn assert_no_domain<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) {
    match result {
        Err(Error::NoDomain { .. }) => {}
        other => panic!("{what}: expected Domain not found, got {other:?}"),
    }
}

#[tokio::test]
async fn each_connection_lists_and_counts_only_its_hosts_vms() {
    let sim = vcenter();
    // One VM off on a cluster host and one on the standalone host, so that every filter has
    // something to tell apart.
    let setup = open(&uri_of(&sim, HOSTS[0].0)).await;
    setup
        .destroy(&setup.lookup_by_name("DC0_C0_RP0_VM3").await.unwrap())
        .await
        .unwrap();
    let setup = open(&uri_of(&sim, HOSTS[3].0)).await;
    setup
        .destroy(&setup.lookup_by_name("DC0_H0_VM2").await.unwrap())
        .await
        .unwrap();

    let vms = truth(&sim).await;
    assert_eq!(
        names_on(&vms, "DC0_C0_H0"),
        ["DC0_C0_RP0_VM0", "DC0_C0_RP0_VM3"]
    );
    let mut listed_everywhere = Vec::new();
    for (path, host) in HOSTS {
        let conn = open(&uri_of(&sim, path)).await;
        let all = conn.list_domains(ListFilter::All).await.unwrap();
        assert_eq!(names_of(&all), names_on(&vms, host), "{path}");
        let active = conn.list_domains(ListFilter::Active).await.unwrap();
        let inactive = conn.list_domains(ListFilter::Inactive).await.unwrap();
        let expected_active: Vec<String> = vms
            .iter()
            .filter(|vm| vm.host == host && vm.running)
            .map(|vm| vm.name.clone())
            .collect();
        assert_eq!(names_of(&active), expected_active, "{path}");
        assert_eq!(active.len() + inactive.len(), all.len(), "{path}");
        assert!(active.iter().all(|d| d.id.is_some()));
        assert!(inactive.iter().all(|d| d.id.is_none()));
        listed_everywhere.extend(names_of(&all));
    }
    // Every VM of the vCenter is listed by exactly one host's connection.
    listed_everywhere.sort();
    let all: Vec<String> = vms.iter().map(|vm| vm.name.clone()).collect();
    assert_eq!(listed_everywhere, all);
}

#[tokio::test]
async fn lookups_by_name_id_and_uuid_find_only_the_hosts_vms() {
    let sim = vcenter();
    let vms = truth(&sim).await;
    for (path, host) in HOSTS {
        let conn = open(&uri_of(&sim, path)).await;
        for vm in &vms {
            let what = format!("{} from {path}", vm.name);
            let by = [
                conn.lookup_by_name(&vm.name).await,
                conn.lookup_by_id(vm.id()).await,
                conn.lookup_by_uuid(&vm.uuid).await,
                conn.lookup_by_uuid(&vm.bios_uuid).await,
                conn.lookup(&vm.name).await,
                conn.lookup(&vm.id().to_string()).await,
                conn.lookup(&vm.uuid.to_string()).await,
            ];
            for found in by {
                if vm.host == host {
                    let dom = found.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(dom.name, vm.name, "{what}");
                    assert_eq!(dom.moref.value, vm.moref, "{what}");
                } else {
                    assert_no_domain(found, &what);
                }
            }
        }
    }
}

#[tokio::test]
async fn no_operation_reaches_a_vm_of_another_host() {
    let sim = vcenter();
    let h0 = open(&uri_of(&sim, HOSTS[0].0)).await;
    let h1 = open(&uri_of(&sim, HOSTS[1].0)).await;
    // A domain of DC0_C0_H1, handed to DC0_C0_H0's connection.
    let elsewhere = h1.lookup_by_name("DC0_C0_RP0_VM1").await.unwrap();
    assert_no_domain(h0.destroy(&elsewhere).await, "destroy");
    assert_no_domain(h0.suspend(&elsewhere).await, "suspend");
    assert_no_domain(h0.reset(&elsewhere).await, "reset");
    assert_no_domain(h0.domain_info(&elsewhere).await, "dominfo");
    assert_no_domain(h0.domain_xml(&elsewhere).await, "dumpxml");
    assert_no_domain(h0.set_vcpus(&elsewhere, 2).await, "setvcpus");
    assert_no_domain(h0.set_memory(&elsewhere, 16 * 1024).await, "setmem");
    assert_no_domain(h0.set_max_memory(&elsewhere, 64 * 1024).await, "setmaxmem");
    assert_no_domain(h0.scheduler_params(&elsewhere).await, "schedinfo");
    assert_no_domain(
        h0.set_scheduler_params(&elsewhere, SchedulerUpdate::default())
            .await,
        "schedinfo --set",
    );
    assert_no_domain(h0.memory_min_guarantee(&elsewhere).await, "memtune");
    assert_no_domain(
        h0.set_memory_min_guarantee(&elsewhere, 1024).await,
        "memtune --min-guarantee",
    );
    assert_no_domain(h0.autostart(&elsewhere).await, "autostart");
    assert_no_domain(
        h0.set_autostart(&elsewhere, true).await,
        "autostart --enable",
    );
    assert_no_domain(h0.snapshots(&elsewhere).await, "snapshot-list");
    assert_no_domain(
        h0.create_snapshot(&elsewhere, "s", None).await,
        "snapshot-create",
    );
    assert_no_domain(h0.vmx_path(&elsewhere).await, "the VMX file");
    assert_no_domain(h0.shutdown(&elsewhere).await, "shutdown");
    assert_no_domain(h0.reboot(&elsewhere).await, "reboot");
    let target = h0.migration_uri().await.unwrap();
    assert_no_domain(h0.migrate(&elsewhere, &target).await, "migrate");
    assert_no_domain(h0.undefine(&elsewhere).await, "undefine");
    match h0.destroy(&elsewhere).await {
        Err(e) => assert_eq!(
            e.to_string(),
            "Domain not found: no domain with matching name 'DC0_C0_RP0_VM1' on host \
             'DC0_C0_H0' (it runs on another host now)"
        ),
        Ok(()) => panic!("destroyed a VM of another host"),
    }
    // It still runs, untouched, on its own host.
    assert_eq!(
        h1.domain_state(&elsewhere).await.unwrap(),
        DomainState::Running
    );
    h1.destroy(&elsewhere).await.unwrap();
    assert_no_domain(h0.start(&elsewhere).await, "start");
    assert_eq!(
        h1.domain_state(&elsewhere).await.unwrap(),
        DomainState::ShutOff
    );
}

#[tokio::test]
async fn define_registers_the_domain_on_the_uris_host_and_its_pool() {
    let sim = vcenter();
    let client = vcenter_client(&sim).await;
    for (n, (path, host)) in [HOSTS[1], HOSTS[3]].into_iter().enumerate() {
        let conn = open(&uri_of(&sim, path)).await;
        let name = format!("scoped-{n}");
        let uuid = format!("5c0bed00-0000-4000-8000-00000000000{n}");
        let defined = conn
            .define_xml(&domain_xml(&name, &uuid, 64, 1))
            .await
            .unwrap();
        let Defined::Created(dom) = defined else {
            panic!("{path}: expected a new domain, got {defined:?}")
        };
        let props: VirtualMachineProperties = client
            .retrieve_object(&dom.moref, &["runtime.host", "resourcePool"])
            .await
            .unwrap();
        let context = conn.host_context();
        assert_eq!(
            props.path("runtime.host"),
            Some(&AnyValue::ManagedObjectReference(context.host.clone())),
            "{path}"
        );
        assert_eq!(props.resource_pool.as_ref(), Some(&context.resource_pool));
        let vms = truth(&sim).await;
        assert!(names_on(&vms, host).contains(&name), "{path}");
        assert!(names_of(&conn.list_domains(ListFilter::Inactive).await.unwrap()).contains(&name));
        // The other hosts do not see it.
        for (other, _) in HOSTS.iter().filter(|(p, _)| *p != path) {
            let other = open(&uri_of(&sim, other)).await;
            assert_no_domain(other.lookup(&name).await, &name);
            assert_no_domain(other.lookup(&uuid).await, &uuid);
        }
        // Redefining it through its own host updates it.
        let again = conn
            .define_xml(&domain_xml(&name, &uuid, 128, 2))
            .await
            .unwrap();
        assert!(matches!(again, Defined::Updated(_)), "{again:?}");
    }
    // A UUID that a VM of another host already has is refused, not given to a second VM.
    let h0 = open(&uri_of(&sim, HOSTS[0].0)).await;
    let err = h0
        .define_xml(&domain_xml(
            "scoped-copy",
            "5c0bed00-0000-4000-8000-000000000000",
            64,
            1,
        ))
        .await
        .expect_err("the UUID of a VM on DC0_C0_H1");
    assert!(matches!(err, Error::OperationFailed(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("domain 'scoped-0' already exists with uuid 5c0bed00-0000-4000-8000-000000000000 on another host"),
        "{err}"
    );
    assert_no_domain(h0.lookup("scoped-copy").await, "scoped-copy");
}

#[tokio::test]
async fn host_commands_describe_the_uris_host() {
    let sim = vcenter();
    let client = vcenter_client(&sim).await;
    let mut seen = Vec::new();
    for (path, host) in HOSTS {
        let conn = open(&uri_of(&sim, path)).await;
        let props: HostSystemProperties = client
            .retrieve_object(
                &conn.host_context().host,
                &[
                    "name",
                    "summary.hardware.memorySize",
                    "summary.hardware.uuid",
                    "summary.quickStats.overallMemoryUsage",
                    "config.network.dnsConfig",
                ],
            )
            .await
            .unwrap();
        assert_eq!(props.name.as_deref(), Some(host));
        let Some(AnyValue::Long(memory)) = props.path("summary.hardware.memorySize") else {
            panic!("{path}: no memory size")
        };
        let Some(AnyValue::Int(used_mib)) = props.path("summary.quickStats.overallMemoryUsage")
        else {
            panic!("{path}: no memory usage")
        };
        let Some(AnyValue::String(uuid)) = props.path("summary.hardware.uuid") else {
            panic!("{path}: no hardware uuid")
        };

        let node = conn.node_info().await.unwrap();
        assert_eq!(node.memory_kib, *memory as u64 / 1024, "{path}");
        let hostname = conn.hostname().await.unwrap();
        assert_eq!(
            hostname,
            format!("{}.localdomain", host.to_lowercase().replace('_', "-")),
            "{path}"
        );
        let free = conn.free_memory_kib().await.unwrap();
        assert_eq!(
            free,
            *memory as u64 / 1024 - *used_mib as u64 * 1024,
            "{path}"
        );
        let caps = conn.capabilities_xml().await.unwrap();
        assert!(
            caps.contains(&format!("<uuid>{uuid}</uuid>")),
            "{path}: {caps}"
        );
        let target = conn.migration_uri().await.unwrap();
        assert_eq!(target.host_system, conn.host_context().host.value, "{path}");
        seen.push((hostname, uuid.clone(), node.memory_kib, free));
    }
    // The simulator's hosts differ (name, UUID; the cluster's hosts in memory too): every
    // connection described a different host.
    for (i, a) in seen.iter().enumerate() {
        for b in &seen[i + 1..] {
            assert_ne!(a.0, b.0);
            assert_ne!(a.1, b.1);
        }
    }
    assert!(seen[0].2 < seen[1].2 && seen[1].2 < seen[2].2, "{seen:?}");
}

#[tokio::test]
async fn a_migrated_vm_leaves_the_source_and_joins_the_destination() {
    let sim = vcenter();
    // To another host of the cluster, then out of the cluster to the standalone host.
    for (from, destination) in [(HOSTS[0], HOSTS[2]), (HOSTS[2], HOSTS[3])] {
        let source = open(&uri_of(&sim, from.0)).await;
        let destination_conn = open(&uri_of(&sim, destination.0)).await;
        let dom = source.lookup_by_name("DC0_C0_RP0_VM0").await.unwrap();
        let uuid = dom.uuid.unwrap();
        let id = dom.id.unwrap();
        source
            .migrate(&dom, &destination_conn.migration_uri().await.unwrap())
            .await
            .unwrap();

        let on_source = names_of(&source.list_domains(ListFilter::All).await.unwrap());
        assert!(!on_source.contains(&dom.name), "{on_source:?}");
        assert_no_domain(source.lookup_by_name(&dom.name).await, "by name");
        assert_no_domain(source.lookup_by_uuid(&uuid).await, "by uuid");
        assert_no_domain(source.lookup_by_id(id).await, "by id");
        assert_no_domain(source.domain_info(&dom).await, "the old reference");

        let on_destination = names_of(
            &destination_conn
                .list_domains(ListFilter::All)
                .await
                .unwrap(),
        );
        assert!(on_destination.contains(&dom.name), "{on_destination:?}");
        let moved = destination_conn.lookup_by_uuid(&uuid).await.unwrap();
        assert_eq!(moved.moref, dom.moref);
        assert_eq!(destination_conn.lookup_by_id(id).await.unwrap(), moved);
        assert_eq!(
            destination_conn
                .domain_info(&moved)
                .await
                .unwrap()
                .domain
                .state,
            DomainState::Running
        );
        let vms = truth(&sim).await;
        assert_eq!(
            vms.iter().find(|vm| vm.name == dom.name).unwrap().host,
            destination.1
        );
    }
}

#[tokio::test]
async fn folders_in_the_path_resolve_as_libvirt_resolves_them() {
    // DC0 in folder F0 at the root; its cluster and standalone host in folder F0 of its host
    // folder.
    let sim = simulator_with(SimOptions::vpx().arg("-folder=1"));
    let conn = open(&uri_of(&sim, "F0/DC0/F0/DC0_C0/DC0_C0_H1")).await;
    assert_eq!(conn.host_context().datacenter_path, "F0/DC0");
    assert_eq!(
        names_of(&conn.list_domains(ListFilter::All).await.unwrap()),
        ["DC0_C0_RP0_VM1"]
    );
    // Files of a datacenter in a folder are addressed by its whole path: define and dumpxml.
    let uuid = "5c0bed00-0000-4000-8000-0000000000f0";
    let Defined::Created(dom) = conn
        .define_xml(&domain_xml("in-a-folder", uuid, 64, 1))
        .await
        .unwrap()
    else {
        panic!("expected a new domain")
    };
    let xml = conn.domain_xml(&dom).await.unwrap();
    assert!(xml.contains("<name>in-a-folder</name>"), "{xml}");
    assert!(xml.contains(&format!("<uuid>{uuid}</uuid>")), "{xml}");
    let standalone = open(&uri_of(&sim, "F0/DC0/F0/DC0_H0")).await;
    assert_eq!(
        names_of(&standalone.list_domains(ListFilter::All).await.unwrap()),
        ["DC0_H0_VM0", "DC0_H0_VM1"]
    );

    for (path, expected) in [
        (
            "DC0/DC0_C0/DC0_C0_H1",
            "internal error: Could not find datacenter specified in '/DC0/DC0_C0/DC0_C0_H1'",
        ),
        (
            "F0/DC0/DC0_C0/DC0_C0_H1",
            "internal error: Could not find compute resource specified in '/F0/DC0/DC0_C0/DC0_C0_H1'",
        ),
        (
            "F0/DC0",
            "invalid argument: Path '/F0/DC0' does not specify a compute resource",
        ),
        (
            "F0/DC0/F0/DC0_C0",
            "invalid argument: Path '/F0/DC0/F0/DC0_C0' does not specify a host system",
        ),
        (
            "F0/DC0/F0/DC0_C0/DC0_H0",
            "internal error: Could not find host system specified in '/F0/DC0/F0/DC0_C0/DC0_H0'",
        ),
        (
            "F0/DC0/F0/DC0_H0/DC0_H0",
            "invalid argument: Path '/F0/DC0/F0/DC0_H0/DC0_H0' ends with an excess item",
        ),
    ] {
        match Connection::open(&uri_of(&sim, path), &sources()).await {
            Err(e) => assert_eq!(e.to_string(), expected, "{path}"),
            Ok(_) => panic!("{path} opened"),
        }
    }
}

#[tokio::test]
async fn listing_costs_one_call_whatever_the_size_of_the_vcenter() {
    let mut costs = Vec::new();
    for vms in [4, 400] {
        // Pages larger than the inventory: the count is of traversals, not of pages.
        let sim = simulator_with(SimOptions::vpx().vms(vms).page_size(10_000));
        let conn = open(&uri_of(&sim, HOSTS[1].0)).await;
        let before = conn.client().soap_request_count();
        let all = conn.list_domains(ListFilter::All).await.unwrap();
        let list_calls = conn.client().soap_request_count() - before;
        assert_eq!(all.len(), vms / 3 + usize::from(vms % 3 > 1), "{vms}");
        let before = conn.client().soap_request_count();
        let found = conn.lookup(&all[all.len() - 1].name).await.unwrap();
        let lookup_calls = conn.client().soap_request_count() - before;
        assert_eq!(found, all[all.len() - 1]);
        costs.push((list_calls, lookup_calls));
    }
    assert_eq!(costs, [(1, 2), (1, 2)]);
}
