//! Method stubs over a recording transport: the request body they write and the result they decode.

use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use esx_vi_types::soap::MethodError;
use esx_vi_types::transport::{SoapRequest, SoapResponse, Transport};
use esx_vi_types::*;

/// Answers every request with one canned envelope and remembers the requests.
struct Recorded {
    response: String,
    requests: Mutex<Vec<SoapRequest>>,
}

#[derive(Debug)]
struct NoNetwork;

impl std::fmt::Display for NoNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no network")
    }
}

impl std::error::Error for NoNetwork {}

impl Transport for Recorded {
    type Error = NoNetwork;
    fn send(
        &self,
        request: SoapRequest,
    ) -> impl Future<Output = Result<SoapResponse, NoNetwork>> + Send {
        self.requests.lock().unwrap().push(request);
        let envelope = self.response.clone().into_bytes();
        async move { Ok(SoapResponse { envelope }) }
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn respond(body: &str) -> Recorded {
    Recorded {
        response: soap::envelope(body),
        requests: Mutex::new(Vec::new()),
    }
}

fn service_content() -> ServiceContent {
    let xml = r#"<ServiceContent xmlns="urn:vim25"><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><about><name>VMware ESXi</name><fullName>VMware ESXi 8.0.0</fullName><vendor>VMware, Inc.</vendor><version>8.0.0</version><build>20513097</build><osType>vmnix-x86</osType><productLineId>embeddedEsx</productLineId><apiType>HostAgent</apiType><apiVersion>8.0.0.1</apiVersion></about><sessionManager type="SessionManager">ha-sessionmgr</sessionManager></ServiceContent>"#;
    runtime::read_document(xml.as_bytes()).expect("service content")
}

#[test]
fn retrieve_properties_ex_writes_this_from_service_content() {
    let transport = respond(
        r#"<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj></objects></returnval></RetrievePropertiesExResponse>"#,
    );
    let sc = service_content();
    let spec = PropertyFilterSpec {
        prop_set: vec![PropertySpec {
            r#type: "VirtualMachine".into(),
            all: None,
            path_set: vec!["name".into()],
        }],
        object_set: vec![ObjectSpec {
            obj: sc.root_folder.clone(),
            skip: Some(true),
            select_set: vec![TraversalSpec {
                name: Some("visitFolders".into()),
                r#type: "Folder".into(),
                path: "childEntity".into(),
                skip: Some(false),
                select_set: vec![SelectionSpec {
                    name: Some("visitFolders".into()),
                }
                .into()],
            }
            .into()],
        }],
        report_missing_objects_in_results: None,
    };
    let result = block_on(methods::retrieve_properties_ex(
        &transport,
        &sc,
        &[spec],
        &RetrieveOptions {
            max_objects: Some(100),
        },
    ))
    .expect("ok")
    .expect("a result");
    assert_eq!(result.objects[0].obj.value, "vm-1");
    let requests = transport.requests.lock().unwrap();
    assert_eq!(requests[0].method, "RetrievePropertiesEx");
    assert_eq!(
        requests[0].body,
        concat!(
            r#"<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>"#,
            r#"<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>"#,
            r#"<objectSet><obj type="Folder">group-d1</obj><skip>true</skip>"#,
            r#"<selectSet xsi:type="TraversalSpec"><name>visitFolders</name><type>Folder</type><path>childEntity</path><skip>false</skip>"#,
            r#"<selectSet><name>visitFolders</name></selectSet></selectSet></objectSet></specSet>"#,
            r#"<options><maxObjects>100</maxObjects></options></RetrievePropertiesEx>"#
        )
    );
}

#[test]
fn caller_passed_this_and_required_result() {
    let transport = respond(
        r#"<PowerOnVM_TaskResponse xmlns="urn:vim25"><returnval type="Task">task-12</returnval></PowerOnVM_TaskResponse>"#,
    );
    let vm = VirtualMachineRef::new("vm-42");
    let task = block_on(methods::power_on_vm_task(&transport, &vm, None)).expect("ok");
    assert_eq!(task, ManagedObjectReference::new("Task", "task-12"));
    let body = &transport.requests.lock().unwrap()[0].body;
    assert_eq!(
        body,
        r#"<PowerOnVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-42</_this></PowerOnVM_Task>"#
    );

    // A required result that is missing is a decode error.
    let empty = respond(r#"<PowerOnVM_TaskResponse xmlns="urn:vim25"></PowerOnVM_TaskResponse>"#);
    let err = block_on(methods::power_on_vm_task(&empty, &vm, None)).unwrap_err();
    assert!(
        matches!(err, MethodError::Decode(ref e) if e.message() == "missing required element <returnval>"),
        "{err}"
    );
}

#[test]
fn faults_reach_the_caller_typed() {
    let transport = Recorded {
        response: r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#.into(),
        requests: Mutex::new(Vec::new()),
    };
    let err = block_on(methods::login(
        &transport,
        &service_content(),
        "root",
        "secret",
        None,
    ))
    .unwrap_err();
    let MethodError::Fault(fault) = err else {
        panic!("{err}")
    };
    assert_eq!(fault.fault_type_name(), Some("InvalidLogin"));
    let body = &transport.requests.lock().unwrap()[0].body;
    assert!(body.starts_with(r#"<Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName>"#), "{body}");
}

#[test]
fn optional_service_content_member_missing_is_reported() {
    let transport = respond("");
    let mut sc = service_content();
    sc.session_manager = None;
    let err = block_on(methods::logout(&transport, &sc)).unwrap_err();
    assert!(
        matches!(
            err,
            MethodError::NotAvailable {
                member: "sessionManager"
            }
        ),
        "{err}"
    );
    assert!(
        transport.requests.lock().unwrap().is_empty(),
        "nothing sent"
    );
}
