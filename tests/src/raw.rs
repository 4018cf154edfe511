//! A minimal SOAP-over-HTTP client (plain http, std only) for tests that talk to the simulator below
//! any client library: to arrange state, or to check the wire itself. XML is handled as text, which
//! is enough to pick out elements of known responses.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::Simulator;

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The headers, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Response {
    /// The vSphere fault type of a SOAP fault response (`InvalidArgument`, `NotAuthenticated`...).
    pub fn fault(&self) -> Option<String> {
        fault_type(&self.body)
    }

    /// The text of the first element named `tag`.
    pub fn text(&self, tag: &str) -> Option<String> {
        text_of(&self.body, tag)
    }

    /// Panics with the body unless the call succeeded.
    pub fn ok(self) -> Response {
        assert_eq!(self.status, 200, "SOAP call failed: {}", self.body);
        self
    }

    /// The value of the first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The managed objects of the ServiceContent a test needs.
#[derive(Debug, Clone, Default)]
pub struct ServiceRefs {
    /// `rootFolder`.
    pub root_folder: String,
    /// `propertyCollector`.
    pub property_collector: String,
    /// `sessionManager`.
    pub session_manager: String,
    /// `viewManager`.
    pub view_manager: String,
    /// `searchIndex`.
    pub search_index: String,
    /// `fileManager`.
    pub file_manager: String,
    /// `virtualDiskManager`.
    pub virtual_disk_manager: String,
}

/// A SOAP session with one simulator (plain http).
#[derive(Debug, Clone)]
pub struct RawSoap {
    host_port: String,
    cookie: Option<String>,
    /// The service content's managed objects, read at login.
    pub refs: ServiceRefs,
}

/// Wraps a request element in a SOAP envelope.
pub fn envelope(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\
         <soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"
    )
}

/// Escapes text for XML content.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text of the first element named `tag` (any attributes), unescaped minimally.
pub fn text_of(xml: &str, tag: &str) -> Option<String> {
    texts_of(xml, tag).into_iter().next()
}

/// The texts of all elements named `tag` (not nested in one another).
pub fn texts_of(xml: &str, tag: &str) -> Vec<String> {
    elements(xml, tag)
        .into_iter()
        .map(|e| {
            let start = e.find('>').map_or(e.len(), |i| i + 1);
            let end = e.rfind("</").unwrap_or(e.len()).max(start);
            e[start..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The whole elements (tags included) named `tag`, in document order; self-closing ones included.
pub fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = xml[pos..].find(&open) {
        let start = pos + i;
        let after = start + open.len();
        match xml.as_bytes().get(after) {
            Some(b'>') | Some(b' ') | Some(b'/') => {}
            _ => {
                pos = after;
                continue;
            }
        }
        let tag_end = match xml[start..].find('>') {
            Some(j) => start + j,
            None => break,
        };
        if xml.as_bytes()[tag_end - 1] == b'/' {
            out.push(&xml[start..=tag_end]);
            pos = tag_end + 1;
            continue;
        }
        match xml[tag_end..].find(&close) {
            Some(j) => {
                let end = tag_end + j + close.len();
                out.push(&xml[start..end]);
                pos = end;
            }
            None => break,
        }
    }
    out
}

/// The vSphere fault type in a SOAP fault: the `xsi:type` of the element in `<detail>`.
pub fn fault_type(xml: &str) -> Option<String> {
    let detail = &xml[xml.find("<detail>")? + "<detail>".len()..];
    let tag = &detail[..detail.find('>')?];
    let at = tag.find("type=\"")? + "type=\"".len();
    Some(tag[at..].split('"').next()?.to_string())
}

/// `<tag type="T">value</tag>` for a managed object reference.
pub fn moref(tag: &str, kind: &str, value: &str) -> String {
    format!("<{tag} type=\"{kind}\">{}</{tag}>", escape(value))
}

impl RawSoap {
    /// Connects to a plain-http simulator and reads its ServiceContent (no login yet).
    pub fn new(sim: &Simulator) -> RawSoap {
        assert!(
            sim.url().starts_with("http://"),
            "RawSoap speaks plain http only; start the simulator without tls"
        );
        let mut soap = RawSoap {
            host_port: sim.host_port().to_string(),
            cookie: None,
            refs: ServiceRefs::default(),
        };
        let content = soap
            .call("<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this></RetrieveServiceContent>")
            .ok();
        let get = |tag: &str| text_of(&content.body, tag).unwrap_or_default();
        soap.refs = ServiceRefs {
            root_folder: get("rootFolder"),
            property_collector: get("propertyCollector"),
            session_manager: get("sessionManager"),
            view_manager: get("viewManager"),
            search_index: get("searchIndex"),
            file_manager: get("fileManager"),
            virtual_disk_manager: get("virtualDiskManager"),
        };
        soap
    }

    /// Connects and logs in with the simulator's credentials.
    pub fn login(sim: &Simulator) -> RawSoap {
        let mut soap = RawSoap::new(sim);
        soap.login_as(sim.username(), sim.password()).ok();
        soap
    }

    /// Logs in; keeps the session cookie on success.
    pub fn login_as(&mut self, user: &str, password: &str) -> Response {
        let body = format!(
            "<Login xmlns=\"urn:vim25\">{}<userName>{}</userName><password>{}</password></Login>",
            moref("_this", "SessionManager", &self.refs.session_manager),
            escape(user),
            escape(password)
        );
        self.call(&body)
    }

    /// The session cookie value, once logged in.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Replaces the session cookie (e.g. to act as another session, or none).
    pub fn set_cookie(&mut self, cookie: Option<String>) {
        self.cookie = cookie;
    }

    /// POSTs one SOAP request element to /sdk.
    pub fn call(&mut self, request: &str) -> Response {
        let body = envelope(request);
        self.http(
            "POST",
            "/sdk",
            &[
                ("Content-Type", "text/xml; charset=utf-8"),
                ("SOAPAction", "urn:vim25/6.5"),
            ],
            body.as_bytes(),
        )
    }

    /// One HTTP request with the session cookie.
    pub fn http(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut stream = TcpStream::connect(&self.host_port).expect("connect to the simulator");
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: esx-rs-tests\r\n",
            self.host_port,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(c) = &self.cookie {
            head.push_str(&format!("Cookie: vmware_soap_session={c}\r\n"));
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream.write_all(&request).expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        let response = parse_response(&raw);
        for (k, v) in &response.headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                if let Some(rest) = v.strip_prefix("vmware_soap_session=") {
                    self.cookie = Some(
                        rest.split(';')
                            .next()
                            .unwrap_or("")
                            .trim_matches('"')
                            .to_string(),
                    );
                }
            }
        }
        response
    }

    /// Creates a ContainerView of all objects of `kind` below the root folder; returns its moref.
    pub fn container_view(&mut self, kind: &str) -> String {
        let r = self
            .call(&format!(
                "<CreateContainerView xmlns=\"urn:vim25\">{}{}<type>{kind}</type><recursive>true</recursive></CreateContainerView>",
                moref("_this", "ViewManager", &self.refs.view_manager),
                moref("container", "Folder", &self.refs.root_folder)
            ))
            .ok();
        r.text("returnval").expect("view moref")
    }

    /// RetrievePropertiesEx of `props` of every `kind` object in a container view.
    pub fn retrieve_view(
        &mut self,
        view: &str,
        kind: &str,
        props: &[&str],
        max_objects: Option<u32>,
    ) -> Response {
        let path_set: String = props
            .iter()
            .map(|p| format!("<pathSet>{p}</pathSet>"))
            .collect();
        let options =
            max_objects.map_or(String::new(), |n| format!("<maxObjects>{n}</maxObjects>"));
        self.call(&format!(
            "<RetrievePropertiesEx xmlns=\"urn:vim25\">{}<specSet><propSet><type>{kind}</type><all>false</all>{path_set}</propSet>\
             <objectSet>{}<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name><type>ContainerView</type>\
             <path>view</path><skip>false</skip></selectSet></objectSet></specSet><options>{options}</options></RetrievePropertiesEx>",
            moref("_this", "PropertyCollector", &self.refs.property_collector),
            moref("obj", "ContainerView", view)
        ))
    }

    /// ContinueRetrievePropertiesEx with a token.
    pub fn continue_retrieve(&mut self, token: &str) -> Response {
        self.call(&format!(
            "<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\">{}<token>{}</token></ContinueRetrievePropertiesEx>",
            moref("_this", "PropertyCollector", &self.refs.property_collector),
            escape(token)
        ))
    }

    /// CancelRetrievePropertiesEx with a token.
    pub fn cancel_retrieve(&mut self, token: &str) -> Response {
        self.call(&format!(
            "<CancelRetrievePropertiesEx xmlns=\"urn:vim25\">{}<token>{}</token></CancelRetrievePropertiesEx>",
            moref("_this", "PropertyCollector", &self.refs.property_collector),
            escape(token)
        ))
    }

    /// RetrievePropertiesEx of properties of one object.
    pub fn properties(&mut self, kind: &str, obj: &str, props: &[&str]) -> Response {
        let path_set: String = props
            .iter()
            .map(|p| format!("<pathSet>{p}</pathSet>"))
            .collect();
        self.call(&format!(
            "<RetrievePropertiesEx xmlns=\"urn:vim25\">{}<specSet><propSet><type>{kind}</type><all>false</all>{path_set}</propSet>\
             <objectSet>{}<skip>false</skip></objectSet></specSet><options></options></RetrievePropertiesEx>",
            moref("_this", "PropertyCollector", &self.refs.property_collector),
            moref("obj", kind, obj)
        ))
    }

    /// The value element of one property of one object (e.g. `<val xsi:type="...">...</val>`).
    pub fn property(&mut self, kind: &str, obj: &str, prop: &str) -> Option<String> {
        let r = self.properties(kind, obj, &[prop]).ok();
        elements(&r.body, "val").first().map(|s| s.to_string())
    }

    /// The moref of the VM with this name.
    pub fn find_vm(&mut self, name: &str) -> Option<String> {
        let view = self.container_view("VirtualMachine");
        let r = self
            .retrieve_view(&view, "VirtualMachine", &["name"], None)
            .ok();
        elements(&r.body, "objects").into_iter().find_map(|o| {
            (text_of(o, "val").as_deref() == Some(name))
                .then(|| text_of(o, "obj"))
                .flatten()
        })
    }

    /// Calls a method on a managed object: `<method><_this type=kind>obj</_this>{args}</method>`.
    pub fn invoke(&mut self, method: &str, kind: &str, obj: &str, args: &str) -> Response {
        self.call(&format!(
            "<{method} xmlns=\"urn:vim25\">{}{args}</{method}>",
            moref("_this", kind, obj)
        ))
    }

    /// Polls a task until it is no longer queued or running; returns its `info` value element.
    pub fn wait_task(&mut self, task: &str, timeout: Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let info = self.property("Task", task, "info").expect("task info");
            let state = text_of(&info, "state").unwrap_or_default();
            if state == "success" || state == "error" {
                return info;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "task {task} still {state} after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let line = String::from_utf8_lossy(&data[..eol]);
        let size =
            usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        data = data.get(end + 2..).unwrap_or_default();
    }
    out
}
