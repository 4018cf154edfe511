//! End-to-end: the driver's Rust API (`Connection`) against the simulator, as a downstream
//! program uses it: typed results, typed errors, and the SOAP call counts the issue promises.

mod e2e_common;

use e2e_common::{domain_xml, simulator, simulator_with, uri, PASSWORD};
use esx_driver::auth::{AuthError, CredentialSources};
use esx_driver::driver::{
    Connection, Defined, DomainKey, DomainState, Error, ListFilter, Vanished,
};
use esx_tests::{Model, SimOptions, WireStyle};
use esx_vi::types::{AnyValue, VirtualMachineProperties};

fn sources(password: &str) -> CredentialSources {
    CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", password)])
}

async fn open(uri: &str) -> Connection {
    Connection::open(uri, &sources(PASSWORD))
        .await
        .expect("connection opens")
}

#[tokio::test]
async fn listing_and_lookups_cost_the_same_few_calls_whatever_the_number_of_vms() {
    let mut costs = Vec::new();
    for vms in [2, 120] {
        // ESX hosts do not cut property retrievals into pages (vCenter does, about 100 objects
        // a page); the simulator does unless told otherwise.
        let sim = simulator_with(SimOptions::esx().vms(vms).page_size(10_000));
        let conn = open(&uri(&sim)).await;
        let before = conn.client().soap_request_count();
        let all = conn.list_domains(ListFilter::All).await.unwrap();
        let list_calls = conn.client().soap_request_count() - before;
        assert_eq!(all.len(), vms);

        let before = conn.client().soap_request_count();
        let found = conn.lookup(&all[vms - 1].name).await.unwrap();
        let lookup_calls = conn.client().soap_request_count() - before;
        assert_eq!(found, all[vms - 1]);
        costs.push((list_calls, lookup_calls));
    }
    assert_eq!(
        costs[0], costs[1],
        "calls must not grow with the number of VMs"
    );
    assert!(costs[0].0 <= 3, "list took {} calls", costs[0].0);
    assert!(
        costs[0].1 <= 2,
        "a lookup by name took {} calls",
        costs[0].1
    );
}

#[tokio::test]
async fn lookups_by_id_uuid_and_name_agree() {
    for (model, wire) in [(Model::Esx, WireStyle::Vcsim), (Model::Vpx, WireStyle::Xsi)] {
        let sim = simulator(model, wire);
        let conn = open(&uri(&sim)).await;
        let active = conn.list_domains(ListFilter::Active).await.unwrap();
        assert!(!active.is_empty());
        let dom = &active[0];
        let id = dom.id.expect("an active domain has an id");
        assert_eq!(Some(id), esx_driver::driver::id_of_moref(&dom.moref.value));
        assert_eq!(&conn.lookup_by_id(id).await.unwrap(), dom);
        assert_eq!(&conn.lookup_by_uuid(&dom.uuid.unwrap()).await.unwrap(), dom);
        assert_eq!(&conn.lookup_by_name(&dom.name).await.unwrap(), dom);
        assert_eq!(&conn.lookup(&id.to_string()).await.unwrap(), dom);
        match conn.lookup_by_name("nope").await {
            Err(Error::NoDomain {
                key: DomainKey::Name(name),
                vanished: None,
            }) => assert_eq!(name, "nope"),
            other => panic!("expected NoDomain, got {other:?}"),
        }
        match conn.lookup_by_id(999_999).await {
            Err(e) => assert_eq!(
                e.to_string(),
                "Domain not found: no domain with matching id 999999"
            ),
            Ok(d) => panic!("found {d:?}"),
        }
        assert!(conn
            .list_domains(ListFilter::Inactive)
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn lifecycle_through_the_api() {
    let sim = simulator(Model::Vpx, WireStyle::Vcsim);
    let conn = open(&uri(&sim)).await;
    // The connection's host, DC0_C0_H0, runs the cluster's first VM (the simulator places
    // the i-th VM of a cluster on its host i mod n).
    let dom = conn.lookup_by_name("DC0_C0_RP0_VM0").await.unwrap();
    conn.destroy(&dom).await.unwrap();
    assert_eq!(conn.domain_state(&dom).await.unwrap(), DomainState::ShutOff);
    let off = conn.refresh(&dom).await.unwrap();
    assert_eq!(off.id, None);
    assert!(matches!(
        conn.suspend(&dom).await,
        Err(Error::OperationInvalid(_))
    ));
    conn.start(&dom).await.unwrap();
    conn.suspend(&dom).await.unwrap();
    assert_eq!(conn.domain_state(&dom).await.unwrap(), DomainState::Paused);
    assert!(matches!(
        conn.start(&dom).await,
        Err(Error::OperationInvalid(_))
    ));
    conn.resume(&dom).await.unwrap();
    let info = conn.domain_info(&dom).await.unwrap();
    assert_eq!(info.domain.state, DomainState::Running);
    assert_eq!(info.vcpus, 1);
    assert!(info.max_memory_kib > 0);
}

#[tokio::test]
async fn define_and_update_through_the_api() {
    let sim = simulator(Model::Esx, WireStyle::Vcsim);
    let conn = open(&uri(&sim)).await;
    let uuid = "44444444-2222-3333-4444-555555555555";
    let created = conn
        .define_xml(&domain_xml("api-db", uuid, 1024, 2))
        .await
        .unwrap();
    let Defined::Created(dom) = created else {
        panic!("expected a new domain: {created:?}")
    };
    assert_eq!(dom.uuid.unwrap().to_string(), uuid);
    assert_eq!(dom.state, DomainState::ShutOff);
    let domain = conn.domain_definition(&dom).await.unwrap();
    assert_eq!(domain.memory.total_kib, 1024 * 1024);
    assert_eq!(domain.vcpu.count, 2);
    assert_eq!(
        domain.vmware.moref.as_deref(),
        Some(dom.moref.value.as_str())
    );

    let updated = conn
        .define_xml(&domain_xml("api-db", uuid, 2048, 1))
        .await
        .unwrap();
    assert!(
        matches!(&updated, Defined::Updated(d) if d.moref == dom.moref),
        "{updated:?}"
    );
    let info = conn.domain_info(&dom).await.unwrap();
    assert_eq!((info.vcpus, info.max_memory_kib), (1, 2048 * 1024));

    match conn
        .define_xml("<domain type='kvm'><name>x</name></domain>")
        .await
    {
        Err(e @ Error::Xml(_)) => {
            let line = e.report().to_string();
            assert!(line.starts_with("XML error: invalid domain XML"), "{line}");
        }
        other => panic!("expected an XML error, got {other:?}"),
    }
    conn.undefine(&dom).await.unwrap();
    assert!(matches!(
        conn.refresh(&dom).await,
        Err(Error::NoDomain {
            vanished: Some(Vanished::Removed),
            ..
        })
    ));
}

#[tokio::test]
async fn dumpxml_falls_back_to_the_api_when_the_vmx_is_empty() {
    let mut options = SimOptions::esx();
    options.write_vmx = false;
    let sim = simulator_with(options);
    let conn = open(&uri(&sim)).await;
    let dom = conn.lookup_by_name("ha-host_VM0").await.unwrap();
    let xml = conn.domain_xml(&dom).await.unwrap();
    assert!(
        xml.starts_with(&format!("<domain type='vmware' id='{}'", dom.id.unwrap())),
        "{xml}"
    );
    assert!(xml.contains("<name>ha-host_VM0</name>"), "{xml}");
    assert!(xml.contains("<memory unit='KiB'>32768</memory>"), "{xml}");
    assert!(
        xml.contains(&format!("<uuid>{}</uuid>", dom.uuid_text())),
        "{xml}"
    );
}

#[tokio::test]
async fn migration_moves_the_vm_to_the_destination_host() {
    let sim = simulator(Model::Vpx, WireStyle::Xsi);
    let host = sim.host_port();
    let source = open(&format!(
        "vpx://root@{host}/DC0/DC0_C0/DC0_C0_H0?transport=http"
    ))
    .await;
    let destination = open(&format!("vpx://root@{host}/DC0/DC0_H0?transport=http")).await;
    let target = destination.migration_uri().await.unwrap();
    assert!(
        target.to_string().starts_with("vpxmigr://127.0.0.1/"),
        "{target}"
    );
    let dom = source.lookup_by_name("DC0_C0_RP0_VM0").await.unwrap();
    source.migrate(&dom, &target).await.unwrap();
    let props: VirtualMachineProperties = source
        .client()
        .retrieve_object(&dom.moref, &["runtime.host"])
        .await
        .unwrap();
    let Some(AnyValue::ManagedObjectReference(now)) = props.path("runtime.host") else {
        panic!("no runtime.host: {props:?}")
    };
    assert_eq!(now, &destination.host().await.unwrap());
}

#[tokio::test]
async fn credentials_are_checked() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    match Connection::open(&uri, &sources("hunter2-not-it")).await {
        Err(e @ Error::AuthFailed { .. }) => {
            assert!(e.to_string().starts_with("authentication failed: "), "{e}");
            assert!(
                matches!(&e, Error::AuthFailed { user, .. } if user == "root"),
                "{e:?}"
            );
            assert!(
                !format!("{e:?}").contains("hunter2"),
                "password in Debug: {e:?}"
            );
        }
        other => panic!("expected AuthFailed, got {other:?}"),
    }
    match Connection::open(&uri, &CredentialSources::isolated()).await {
        Err(Error::Auth(AuthError::NoPassword { user, .. })) => assert_eq!(user, "root"),
        other => panic!("expected NoPassword, got {other:?}"),
    }
    let conn = open(&uri).await;
    let domains = conn.list_domains(ListFilter::All).await.unwrap();
    assert_eq!(
        domains.len(),
        2,
        "the right password opens a working session"
    );
    conn.close().await.unwrap();
}

#[tokio::test]
async fn libvirts_yes_no_questions_about_connections_and_domains() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let conn = open(&uri(&sim)).await;
    assert!(conn.is_alive());
    // The test simulator talks plain HTTP.
    assert!(!conn.is_encrypted());
    assert!(!conn.is_secure());

    let dom = conn.lookup("ha-host_VM0").await.unwrap();
    assert!(conn.domain_is_active(&dom).await.unwrap());
    assert!(conn.domain_is_persistent(&dom).await.unwrap());
    assert!(!conn.domain_has_managed_save(&dom).await.unwrap());
    conn.destroy(&dom).await.unwrap();
    assert!(!conn.domain_is_active(&dom).await.unwrap());

    let tls = simulator_with(SimOptions::esx().tls(true));
    let secure = open(&uri(&tls)).await;
    assert!(secure.is_encrypted() && secure.is_secure());
    secure.close().await.unwrap();
}

#[tokio::test]
async fn a_brief_listing_has_the_same_domains_without_their_uuids() {
    let sim = simulator(Model::Vpx, WireStyle::Vcsim);
    let conn = open(&uri(&sim)).await;
    for filter in [ListFilter::All, ListFilter::Active, ListFilter::Inactive] {
        let full = conn.list_domains(filter).await.unwrap();
        let brief = conn.list_domains_brief(filter).await.unwrap();
        assert_eq!(brief.len(), full.len());
        for (b, f) in brief.iter().zip(&full) {
            assert_eq!((&b.name, b.state, b.id), (&f.name, f.state, f.id));
            assert_eq!((b.uuid, b.hw_uuid), (None, None));
            assert!(f.uuid.is_some());
        }
    }
}
