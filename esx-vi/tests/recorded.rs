//! What the simulator cannot produce, replayed from recorded responses by a tiny HTTP server:
//! non-SOAP error pages, malformed responses, a server that never answers, and the headers,
//! cookies, request limits and redacted logs the client must produce.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use esx_vi::types::{methods, VirtualMachineProperties};
use esx_vi::{Client, ConnectOptions, Credentials, Error, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as the fake server received it.
#[derive(Clone, Debug)]
struct Recorded {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn method(&self) -> &str {
        let body = self.body.as_str();
        let start = body.find("<soapenv:Body><").map(|i| i + 15).unwrap_or(0);
        let rest = &body[start..];
        let end = rest.find([' ', '>', '/']).unwrap_or(rest.len());
        &rest[..end]
    }
}

/// What to answer: status, extra headers, body; `None` never answers.
type Reply = Option<(u16, Vec<(&'static str, String)>, String)>;

struct FakeServer {
    url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    max_concurrent: Arc<AtomicUsize>,
}

async fn serve(
    answer: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    delay: Duration,
) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sdk", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let max_concurrent = Arc::new(AtomicUsize::new(0));
    let current = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(answer);
    {
        let (requests, max_concurrent) = (requests.clone(), max_concurrent.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (requests, max_concurrent, current, answer) = (
                    requests.clone(),
                    max_concurrent.clone(),
                    current.clone(),
                    answer.clone(),
                );
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        let Some(request) = read_request(&mut stream, &mut buffer).await else {
                            return;
                        };
                        let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                        max_concurrent.fetch_max(now, Ordering::SeqCst);
                        requests.lock().unwrap().push(request.clone());
                        tokio::time::sleep(delay).await;
                        let reply = answer(&request);
                        current.fetch_sub(1, Ordering::SeqCst);
                        let Some((status, headers, body)) = reply else {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        };
                        let mut head =
                            format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                        for (name, value) in headers {
                            head.push_str(&format!("{name}: {value}\r\n"));
                        }
                        head.push_str("\r\n");
                        if stream.write_all(head.as_bytes()).await.is_err()
                            || stream.write_all(body.as_bytes()).await.is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
    }
    FakeServer {
        url,
        requests,
        max_concurrent,
    }
}

/// Reads one HTTP/1.1 request with a Content-Length body.
async fn read_request(
    stream: &mut tokio::net::TcpStream,
    buffer: &mut Vec<u8>,
) -> Option<Recorded> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let headers: Vec<(String, String)> = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]).into_owned();
            buffer.drain(..end + 4 + length);
            let line = head.lines().next().unwrap_or_default().to_owned();
            return Some(Recorded {
                line,
                headers,
                body,
            });
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// A recorded ESX 8.0 ServiceContent (trimmed to what the client reads).
fn service_content() -> String {
    envelope(
        r#"<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">ha-folder-root</rootFolder><propertyCollector type="PropertyCollector">ha-property-collector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><about><name>VMware ESXi</name><fullName>VMware ESXi 8.0.2 build-22380479</fullName><vendor>VMware, Inc.</vendor><version>8.0.2</version><build>22380479</build><localeVersion>INTL</localeVersion><localeBuild>000</localeBuild><osType>vmnix-x86</osType><productLineId>embeddedEsx</productLineId><apiType>HostAgent</apiType><apiVersion>8.0.2.0</apiVersion><licenseProductName>VMware ESX Server</licenseProductName><licenseProductVersion>8.0</licenseProductVersion></about><sessionManager type="SessionManager">ha-sessionmgr</sessionManager><searchIndex type="SearchIndex">ha-searchindex</searchIndex></returnval></RetrieveServiceContentResponse>"#,
    )
}

fn login_response() -> String {
    envelope(
        r#"<LoginResponse xmlns="urn:vim25"><returnval><key>52b2</key><userName>root</userName><fullName>Administrator</fullName><loginTime>2026-11-26T07:00:00Z</loginTime><lastActiveTime>2026-11-26T07:00:00Z</lastActiveTime><locale>en</locale><messageLocale>en</messageLocale><extensionSession>false</extensionSession></returnval></LoginResponse>"#,
    )
}

fn not_authenticated() -> String {
    envelope(
        r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="Folder">ha-folder-root</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>"#,
    )
}

fn ok(body: String) -> Reply {
    Some((200, Vec::new(), body))
}

/// The common answers: ServiceContent, Login (setting the session cookie).
fn base_answer(request: &Recorded) -> Option<Reply> {
    match request.method() {
        "RetrieveServiceContent" => Some(ok(service_content())),
        "Login" => Some(Some((
            200,
            vec![(
                "Set-Cookie",
                r#"vmware_soap_session="abc123"; Path=/; HttpOnly; Secure;"#.to_owned(),
            )],
            login_response(),
        ))),
        "Logout" => Some(ok(envelope(
            r#"<LogoutResponse xmlns="urn:vim25"></LogoutResponse>"#,
        ))),
        _ => None,
    }
}

/// Options logging in as root with a password the logs must never show.
fn login() -> ConnectOptions {
    ConnectOptions::new().credentials(Credentials::new("root", "sw0rdfish-secret"))
}

#[tokio::test]
async fn headers_cookie_and_api_version_are_sent_as_real_servers_expect() {
    let server = serve(
        |r| base_answer(r).unwrap_or_else(|| ok(envelope(r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-26T07:00:00Z</returnval></CurrentTimeResponse>"#))),
        Duration::ZERO,
    )
    .await;
    let client = Client::connect(&server.url, login().user_agent("esx-rs-test/1"))
        .await
        .expect("connect");
    assert_eq!(client.api_version(), "8.0.2.0");
    assert!(!client.is_vcenter());
    methods::current_time(&client, client.service_instance())
        .await
        .expect("CurrentTime");

    let requests = server.requests.lock().unwrap().clone();
    let methods: Vec<&str> = requests.iter().map(Recorded::method).collect();
    assert_eq!(methods, ["RetrieveServiceContent", "Login", "CurrentTime"]);
    assert_eq!(
        requests[0].header("SOAPAction"),
        Some("urn:vim25"),
        "before the version is known"
    );
    assert_eq!(requests[1].header("SOAPAction"), Some("urn:vim25/8.0.2.0"));
    assert_eq!(requests[0].header("User-Agent"), Some("esx-rs-test/1"));
    assert!(requests[0]
        .header("Content-Type")
        .is_some_and(|v| v.starts_with("text/xml")));
    assert_eq!(requests[0].header("Cookie"), None);
    assert_eq!(
        requests[2].header("Cookie"),
        Some(r#"vmware_soap_session="abc123""#)
    );
}

#[tokio::test]
async fn an_error_page_without_soap_is_an_http_status_error() {
    let server = serve(
        |r| {
            base_answer(r).unwrap_or_else(|| {
                Some((
                    503,
                    vec![("Content-Type", "text/html".to_owned())],
                    "<html><body>Service Unavailable: hostd is restarting</body></html>".to_owned(),
                ))
            })
        },
        Duration::ZERO,
    )
    .await;
    let client = Client::connect(&server.url, login())
        .await
        .expect("connect");
    let err = methods::current_time(&client, client.service_instance())
        .await
        .map_err(|e| Error::from_method("CurrentTime", e))
        .expect_err("503");
    match &err {
        Error::Transport(TransportError::HttpStatus {
            status,
            excerpt,
            method,
            ..
        }) => {
            assert_eq!(*status, 503);
            assert_eq!(method, "CurrentTime");
            assert!(excerpt.contains("hostd is restarting"), "{excerpt}");
        }
        other => panic!("expected an HTTP status error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_response_is_a_decode_error_naming_the_element_path() {
    let server = serve(
        |r| {
            base_answer(r).unwrap_or_else(|| {
                // A page whose second object has a property value of the wrong shape.
                ok(envelope(r#"<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">1</obj><propSet><name>name</name><val xsi:type="xsd:string">vm1</val></propSet></objects><objects><obj type="VirtualMachine">2</obj><propSet><name>name</name><val xsi:type="xsd:int">not-a-number</val></propSet></objects></returnval></RetrievePropertiesExResponse>"#))
            })
        },
        Duration::ZERO,
    )
    .await;
    let client = Client::connect(&server.url, login())
        .await
        .expect("connect");
    let vm = esx_vi::types::ManagedObjectReference::new("VirtualMachine", "1");
    let err = client
        .retrieve_object::<VirtualMachineProperties>(&vm, &["name"])
        .await
        .expect_err("malformed");
    let text = err.report().to_string();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        text.contains("objects[1]") && text.contains("val"),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = serve(|r| base_answer(r).unwrap_or(None), Duration::ZERO).await;
    let client = Client::connect(
        &server.url,
        login().request_timeout(Duration::from_millis(300)),
    )
    .await
    .expect("connect");
    let err = methods::current_time(&client, client.service_instance())
        .await
        .map_err(|e| Error::from_method("CurrentTime", e))
        .expect_err("timeout");
    assert!(
        matches!(&err, Error::Transport(TransportError::Timeout { timeout, .. }) if *timeout == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("CurrentTime") && err.to_string().contains("300 ms"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_limited() {
    let server = serve(
        |r| base_answer(r).unwrap_or_else(|| ok(envelope(r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-26T07:00:00Z</returnval></CurrentTimeResponse>"#))),
        Duration::from_millis(100),
    )
    .await;
    let client = Client::connect(&server.url, login().max_in_flight(2))
        .await
        .expect("connect");
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                methods::current_time(&client, client.service_instance())
                    .await
                    .is_ok()
            })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap());
    }
    assert_eq!(server.max_concurrent.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_re_login_surfaces_the_not_authenticated_fault() {
    let logins = Arc::new(AtomicUsize::new(0));
    let counter = logins.clone();
    let server = serve(
        move |r| match r.method() {
            "Login" if counter.fetch_add(1, Ordering::SeqCst) > 0 => Some((
                500,
                Vec::new(),
                envelope(r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail></soapenv:Fault>"#),
            )),
            _ => base_answer(r).unwrap_or_else(|| Some((500, Vec::new(), not_authenticated()))),
        },
        Duration::ZERO,
    )
    .await;
    let client = Client::connect(&server.url, login())
        .await
        .expect("connect");
    let err = methods::current_time(&client, client.service_instance())
        .await
        .map_err(|e| Error::from_method("CurrentTime", e))
        .expect_err("session gone, password changed");
    assert_eq!(err.fault_type(), Some("NotAuthenticated"), "{err}");
    assert_eq!(
        logins.load(Ordering::SeqCst),
        2,
        "one re-login attempt, no loop"
    );
}

#[tokio::test]
async fn trace_logs_name_the_method_and_never_show_the_password() {
    let server = serve(
        |r| base_answer(r).unwrap_or_else(|| ok(String::new())),
        Duration::ZERO,
    )
    .await;
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || SharedWriter(writer.clone()))
        .finish();
    // Global, not scoped: callsite interest is cached process-wide, and the other tests of this
    // binary run on other threads (their logs land here too, and must be redacted as well).
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber of this binary");
    let client = Client::connect(&server.url, login())
        .await
        .expect("connect");
    let debug = format!("{client:?}");
    drop(client);
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("soap{method=\"Login\"}") || text.contains("soap{method=Login}"),
        "{text}"
    );
    assert!(text.contains("<password>***</password>"), "{text}");
    assert!(
        !text.contains("sw0rdfish"),
        "the password leaked into the logs"
    );
    assert!(!debug.contains("sw0rdfish"), "{debug}");
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn current_time_answer(r: &Recorded) -> Reply {
    base_answer(r).unwrap_or_else(|| {
        ok(envelope(
            r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-26T07:00:00Z</returnval></CurrentTimeResponse>"#,
        ))
    })
}

#[tokio::test]
async fn an_http_proxy_carries_the_requests() {
    // The fake server plays the proxy: the client asks for a host only the proxy "knows".
    let proxy = serve(current_time_answer, Duration::ZERO).await;
    let proxy_url = proxy.url.trim_end_matches("/sdk").to_owned();
    let client = Client::connect("http://esx.invalid/sdk", login().proxy(proxy_url))
        .await
        .expect("connect through the proxy");
    methods::current_time(&client, client.service_instance())
        .await
        .expect("CurrentTime");
    let requests = proxy.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.line.starts_with("POST http://esx.invalid/sdk ")),
        "absolute-form requests to the proxy: {:?}",
        requests.iter().map(|r| &r.line).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_socks5_proxy_carries_the_requests() {
    let server = serve(current_time_answer, Duration::ZERO).await;
    let target = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/sdk")
        .to_owned();
    let (socks_url, asked_for) = socks5_proxy(target).await;
    let client = Client::connect("http://esx.invalid:8080/sdk", login().proxy(socks_url))
        .await
        .expect("connect through SOCKS5");
    methods::current_time(&client, client.service_instance())
        .await
        .expect("CurrentTime");
    assert_eq!(server.requests.lock().unwrap().len(), 3);
    assert_eq!(
        asked_for.lock().unwrap().first().map(String::as_str),
        Some("esx.invalid:8080"),
        "socks5h: the proxy resolves the name"
    );
}

/// A minimal SOCKS5 proxy (no authentication, CONNECT only) that connects every request to
/// `target` and records the destination the client asked for.
async fn socks5_proxy(target: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("socks5h://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (target, record) = (target.clone(), record.clone());
            tokio::spawn(async move {
                let mut greeting = [0u8; 2];
                client.read_exact(&mut greeting).await.ok()?;
                let mut methods = vec![0u8; greeting[1] as usize];
                client.read_exact(&mut methods).await.ok()?;
                client.write_all(&[5, 0]).await.ok()?;
                let mut request = [0u8; 4];
                client.read_exact(&mut request).await.ok()?;
                let host = match request[3] {
                    3 => {
                        let mut len = [0u8; 1];
                        client.read_exact(&mut len).await.ok()?;
                        let mut name = vec![0u8; len[0] as usize];
                        client.read_exact(&mut name).await.ok()?;
                        String::from_utf8_lossy(&name).into_owned()
                    }
                    1 => {
                        let mut ip = [0u8; 4];
                        client.read_exact(&mut ip).await.ok()?;
                        std::net::Ipv4Addr::from(ip).to_string()
                    }
                    _ => return None,
                };
                let mut port = [0u8; 2];
                client.read_exact(&mut port).await.ok()?;
                record
                    .lock()
                    .unwrap()
                    .push(format!("{host}:{}", u16::from_be_bytes(port)));
                let mut upstream = tokio::net::TcpStream::connect(&target).await.ok()?;
                client
                    .write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
                    .await
                    .ok()?;
                tokio::io::copy_bidirectional(&mut client, &mut upstream)
                    .await
                    .ok()?;
                Some(())
            });
        }
    });
    (url, asked)
}
