//! `define` against a simulator behind the fault-injection proxy: paths and names that would
//! leave the datastore are refused before anything reaches the host, and a define that fails
//! half-way removes exactly what it created, then lists the folder to be sure.

mod e2e_common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use e2e_common::{domain_xml, simulator, PASSWORD};
use esx_driver::auth::CredentialSources;
use esx_driver::driver::{Connection, Error};
use esx_tests::proxy::{Fault, FaultProxy};
use esx_tests::{Model, Simulator, WireStyle};

async fn open_through(proxy: &FaultProxy) -> Connection {
    let sources = CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", PASSWORD)]);
    Connection::open(
        &format!("esx://root@{}/?transport=http", proxy.host_port()),
        &sources,
    )
    .await
    .expect("connection opens")
}

fn find_dir(root: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(root).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() == name {
                return Some(path);
            }
            if let Some(found) = find_dir(&path, name) {
                return Some(found);
            }
        }
    }
    None
}

/// The folder of the simulator's first datastore on disk.
fn datastore_dir(sim: &Simulator) -> PathBuf {
    find_dir(sim.temp_dir(), "ha-host_VM0")
        .and_then(|vm| vm.parent().map(Path::to_path_buf))
        .expect("LocalDS_0 on disk")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_and_names_that_leave_the_datastore_are_refused_before_touching_the_host() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let proxy = FaultProxy::start(&sim).unwrap();
    let conn = open_through(&proxy).await;
    let uuid = "12345678-1234-1234-1234-123456789abc";
    let good = domain_xml("safe", uuid, 256, 1);
    let cases = [
        good.replace("[LocalDS_0] safe/safe.vmdk", "[LocalDS_0] ../t4/x.vmdk"),
        good.replace(
            "[LocalDS_0] safe/safe.vmdk",
            "[LocalDS_0] safe/../../x.vmdk",
        ),
        good.replace("[LocalDS_0] safe/safe.vmdk", "[LocalDS_0] /etc/x.vmdk"),
        good.replace(
            "[LocalDS_0] safe/safe.vmdk",
            "/vmfs/volumes/LocalDS_0/../x.vmdk",
        ),
        good.replace("<name>safe</name>", "<name>../../evil</name>"),
        good.replace("<name>safe</name>", "<name>..</name>"),
        good.replace("<name>safe</name>", "<name>/evil</name>"),
    ];
    for xml in &cases {
        match conn.define_xml(xml).await {
            Err(e @ Error::InvalidArg(_)) => {
                let text = e.to_string();
                assert!(text.contains("..") || text.contains('/'), "{text}");
            }
            other => panic!("expected a refusal, got {other:?} for\n{xml}"),
        }
    }
    for call in [
        "MakeDirectory",
        "PUT /folder",
        "RegisterVM_Task",
        "SearchDatastore_Task",
    ] {
        assert_eq!(proxy.calls(call), 0, "{call}: {:?}", proxy.seen());
    }
    assert_eq!(find_dir(sim.temp_dir(), "t4"), None);
    assert_eq!(find_dir(sim.temp_dir(), "evil"), None);
}

/// Makes the simulator's RegisterVM_Task fail for real after it prepared the VM's folder (it
/// writes NAME.nvram and vmware.log beside the .vmx first): without a pool, vcsim refuses.
fn register_without_pool() -> Fault {
    Fault::RewriteRequest(Arc::new(|body: Vec<u8>| {
        let text = String::from_utf8(body).unwrap();
        let start = text.find("<pool").expect("RegisterVM_Task names a pool");
        let end = text[start..].find("</pool>").expect("closed") + start + "</pool>".len();
        format!("{}{}", &text[..start], &text[end..]).into_bytes()
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_define_removes_the_folder_it_created() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_test_writer()
        .try_init();
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let proxy = FaultProxy::start(&sim).unwrap();
    let conn = open_through(&proxy).await;
    proxy.inject_next("RegisterVM_Task", register_without_pool());
    let err = conn
        .define_xml(&domain_xml(
            "undo-fresh",
            "12345678-1234-1234-1234-000000000001",
            256,
            1,
        ))
        .await
        .expect_err("the registration fails");
    assert!(err.to_string().contains("Could not define domain"), "{err}");
    assert_eq!(
        find_dir(&datastore_dir(&sim), "undo-fresh"),
        None,
        "the define left its folder"
    );
    assert!(
        proxy.calls("SearchDatastore_Task") >= 1,
        "the folder is listed after the undo: {:?}",
        proxy.seen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_define_in_an_existing_folder_removes_only_what_it_added() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let shared = datastore_dir(&sim).join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(shared.join("keep.txt"), "not the define's").unwrap();
    let proxy = FaultProxy::start(&sim).unwrap();
    let conn = open_through(&proxy).await;
    proxy.inject_next("RegisterVM_Task", register_without_pool());
    let xml = domain_xml(
        "undo-shared",
        "12345678-1234-1234-1234-000000000002",
        256,
        1,
    )
    .replace(
        "[LocalDS_0] undo-shared/undo-shared.vmdk",
        "[LocalDS_0] shared/disk.vmdk",
    );
    conn.define_xml(&xml)
        .await
        .expect_err("the registration fails");
    assert_eq!(
        names_in(&shared),
        ["keep.txt"],
        "only the define's files are gone"
    );
}

#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_undo_could_not_remove_is_reported() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let proxy = FaultProxy::start(&sim).unwrap();
    let conn = open_through(&proxy).await;
    proxy.inject_next("RegisterVM_Task", register_without_pool());
    let denied = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Permission to perform this operation was denied.</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    proxy.inject_next(
        "DeleteDatastoreFile_Task",
        Fault::Status {
            status: 500,
            body: denied.into(),
        },
    );
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    conn.define_xml(&domain_xml(
        "undo-stuck",
        "12345678-1234-1234-1234-000000000003",
        256,
        1,
    ))
    .await
    .expect_err("the registration fails");
    drop(guard);
    let logged = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("the failed define left [LocalDS_0] undo-stuck"),
        "{logged}"
    );
    assert!(logged.contains("undo-stuck.vmx"), "{logged}");
    assert!(
        logged.contains("Permission to perform this operation was denied"),
        "{logged}"
    );
    assert!(find_dir(&datastore_dir(&sim), "undo-stuck").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_defined_without_uuid_gets_one_that_every_view_agrees_on() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let proxy = FaultProxy::start(&sim).unwrap();
    let conn = open_through(&proxy).await;
    let xml = domain_xml("no-uuid", "12345678-1234-1234-1234-000000000004", 256, 1)
        .replace("  <uuid>12345678-1234-1234-1234-000000000004</uuid>\n", "");
    assert!(!xml.contains("<uuid>"), "{xml}");
    let defined = conn.define_xml(&xml).await.expect("defined");
    let esx_driver::driver::Defined::Created(dom) = defined else {
        panic!("a new domain: {defined:?}")
    };
    let uuid = dom.uuid.expect("the domain has a UUID");
    assert_ne!(uuid, esx_driver::domain::Uuid::NIL);

    // domuuid, dumpxml and a lookup by UUID agree.
    let dumped = conn.domain_xml(&dom).await.unwrap();
    assert!(dumped.contains(&format!("<uuid>{uuid}</uuid>")), "{dumped}");
    let found = conn.lookup(&uuid.to_string()).await.expect("found by UUID");
    assert_eq!(found.moref, dom.moref);
    // The UUID is in the .vmx itself.
    let vmx = std::fs::read_to_string(
        find_dir(&datastore_dir(&sim), "no-uuid")
            .expect("folder")
            .join("no-uuid.vmx"),
    )
    .unwrap();
    assert!(vmx.contains("uuid.bios = "), "{vmx}");

    // Defining the dumped XML again updates the same domain.
    let again = conn.define_xml(&dumped).await.expect("redefined");
    assert!(
        matches!(&again, esx_driver::driver::Defined::Updated(d) if d.moref == dom.moref),
        "{again:?}"
    );
}
