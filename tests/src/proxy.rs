//! A fault-injection HTTP proxy for tests: it sits between a client and the simulator (plain
//! http on both sides), forwards every request, and at a chosen call answers, breaks or delays it
//! instead: drops the connection mid-response, answers 503, stalls, trickles, truncates the XML,
//! redirects, sends an endless body, or runs an action (e.g. expiring every session) before
//! forwarding. It records every call it saw, so that a test can prove a task-starting method
//! reached the server once.
//!
//! ```no_run
//! use esx_tests::proxy::{Fault, FaultProxy};
//! use esx_tests::{SimOptions, Simulator};
//!
//! let sim = Simulator::start(SimOptions::esx()).unwrap();
//! let proxy = FaultProxy::start(&sim).unwrap();
//! proxy.inject("RetrievePropertiesEx", 1, Fault::Status { status: 503, body: "busy".into() });
//! // connect the client to proxy.url() instead of sim.url() ...
//! assert_eq!(proxy.calls("PowerOnVM_Task"), 0);
//! ```
//!
//! A call is named by its SOAP method (`Login`, `WaitForUpdatesEx`), or for other requests by
//! `"<HTTP method> <path>"` (`GET /folder/vm/vm.vmx`); a rule for `GET /folder` matches every
//! call whose name starts with it. Std only, one thread per connection.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::Simulator;

/// What the proxy does to one call instead of forwarding it unchanged.
#[derive(Clone)]
pub enum Fault {
    /// Forward, answer with the full `Content-Length` but only half the body, then close.
    DropMidResponse,
    /// Close the connection after reading the request (it may have reached the server: no),
    /// without forwarding or answering.
    DropRequest,
    /// Forward, then close the connection without answering: the server did the work, the client
    /// never hears of it.
    DropAfterForward,
    /// Answer this status with this body (`text/html`), without forwarding.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The HTML body.
        body: String,
    },
    /// Wait this long, then forward.
    Stall(Duration),
    /// Forward, then send the answer `chunk` bytes at a time with `delay` between them.
    Trickle {
        /// Bytes a write.
        chunk: usize,
        /// The pause between writes.
        delay: Duration,
    },
    /// Forward, then answer with the first half of the body only (a consistent
    /// `Content-Length`), so the XML ends in the middle.
    TruncateXml,
    /// Answer a redirect to `location`, without forwarding.
    Redirect {
        /// The 3xx status code.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// Answer 200 with an endless chunked XML body, until the client hangs up.
    EndlessBody,
    /// Answer 200 `text/xml` with exactly this body, without forwarding.
    Body(Vec<u8>),
    /// Run this first (e.g. expire every session on the simulator), then forward.
    Before(Arc<dyn Fn() + Send + Sync>),
    /// Forward, then answer with the server's body passed through this function.
    Rewrite(Arc<dyn Fn(Vec<u8>) -> Vec<u8> + Send + Sync>),
    /// Forward the request's body passed through this function (e.g. to make the server fail
    /// the call for real), and answer what the server answers.
    RewriteRequest(Arc<dyn Fn(Vec<u8>) -> Vec<u8> + Send + Sync>),
}

impl fmt::Debug for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::DropMidResponse => f.write_str("DropMidResponse"),
            Fault::DropRequest => f.write_str("DropRequest"),
            Fault::DropAfterForward => f.write_str("DropAfterForward"),
            Fault::Status { status, .. } => write!(f, "Status({status})"),
            Fault::Stall(d) => write!(f, "Stall({d:?})"),
            Fault::Trickle { chunk, delay } => write!(f, "Trickle({chunk} per {delay:?})"),
            Fault::TruncateXml => f.write_str("TruncateXml"),
            Fault::Redirect { status, location } => write!(f, "Redirect({status} {location})"),
            Fault::EndlessBody => f.write_str("EndlessBody"),
            Fault::Body(body) => write!(f, "Body({} bytes)", body.len()),
            Fault::Before(_) => f.write_str("Before(..)"),
            Fault::Rewrite(_) => f.write_str("Rewrite(..)"),
            Fault::RewriteRequest(_) => f.write_str("RewriteRequest(..)"),
        }
    }
}

impl Fault {
    /// Expires every session of `sim` before forwarding the call.
    pub fn expire_sessions(sim: &Simulator) -> Fault {
        let control = sim.control_url().to_owned();
        Fault::Before(Arc::new(move || {
            if let Err(e) = post_control(&control, "/_sim/expire-sessions") {
                panic!("expiring the sessions failed: {e}");
            }
        }))
    }
}

/// One injection: the `occurrence`-th call (1-based) matching `target` gets `fault`.
#[derive(Debug, Clone)]
struct Rule {
    target: String,
    occurrence: usize,
    fault: Fault,
}

impl Rule {
    fn matches(&self, call: &str) -> bool {
        self.target == "*"
            || call == self.target
            || (self.target.contains(' ') && call.starts_with(&self.target))
    }
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    /// Every call received, in order.
    seen: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// A running proxy; dropping it stops accepting (open connections end with their client).
pub struct FaultProxy {
    address: String,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl FaultProxy {
    /// A proxy in front of a (plain-http) simulator.
    pub fn start(sim: &Simulator) -> io::Result<FaultProxy> {
        FaultProxy::start_to(sim.host_port())
    }

    /// A proxy in front of any plain-http server at `upstream` (`host:port`).
    pub fn start_to(upstream: &str) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let shared = Arc::new(Shared::default());
        let upstream = upstream.to_owned();
        let accept = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::Acquire) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    let upstream = upstream.clone();
                    std::thread::spawn(move || {
                        let _ = serve_connection(stream, &upstream, &shared);
                    });
                }
            })
        };
        Ok(FaultProxy {
            address,
            shared,
            accept: Some(accept),
        })
    }

    /// The SDK URL through the proxy, `http://127.0.0.1:<port>/sdk`.
    pub fn url(&self) -> String {
        format!("http://{}/sdk", self.address)
    }

    /// `127.0.0.1:<port>`.
    pub fn host_port(&self) -> &str {
        &self.address
    }

    /// Gives the `occurrence`-th call to `target` (1-based, counted from the proxy's start) the
    /// `fault`. `target` is a SOAP method, `"GET /folder"`-style, or `*`.
    pub fn inject(&self, target: &str, occurrence: usize, fault: Fault) {
        lock(&self.shared.rules).push(Rule {
            target: target.to_owned(),
            occurrence,
            fault,
        });
    }

    /// Gives the next call to `target` (counting the calls seen so far) the `fault`.
    pub fn inject_next(&self, target: &str, fault: Fault) {
        let rule = Rule {
            target: target.to_owned(),
            occurrence: 0,
            fault,
        };
        let next = lock(&self.shared.seen)
            .iter()
            .filter(|c| rule.matches(c))
            .count()
            + 1;
        self.inject(target, next, rule.fault);
    }

    /// How many calls to `target` (matched as by [`FaultProxy::inject`]) arrived so far.
    pub fn calls(&self, target: &str) -> usize {
        let rule = Rule {
            target: target.to_owned(),
            occurrence: 0,
            fault: Fault::DropRequest,
        };
        lock(&self.shared.seen)
            .iter()
            .filter(|c| rule.matches(c))
            .count()
    }

    /// Every call so far, in order.
    pub fn seen(&self) -> Vec<String> {
        lock(&self.shared.seen).clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect(&self.address); // wakes the accept loop
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// An HTTP message read off a connection: the start line, headers, body (de-chunked).
struct Message {
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The call's name: the SOAP method of an `/sdk` POST, else `METHOD /path`.
    fn call_name(&self) -> String {
        let mut parts = self.start.split(' ');
        let method = parts.next().unwrap_or("");
        let target = parts.next().unwrap_or("");
        let path = target.split('?').next().unwrap_or(target);
        if method == "POST" && path == "/sdk" {
            if let Some(name) = soap_method(&self.body) {
                return name;
            }
        }
        format!("{method} {path}")
    }

    /// The message with `Content-Length` framing and the connection kept open.
    fn to_bytes(&self) -> Vec<u8> {
        self.head_with_length(self.body.len())
            .into_iter()
            .chain(self.body.iter().copied())
            .collect()
    }

    fn head_with_length(&self, length: usize) -> Vec<u8> {
        let mut head = format!("{}\r\n", self.start);
        for (name, value) in &self.headers {
            if [
                "content-length",
                "transfer-encoding",
                "connection",
                "keep-alive",
            ]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
            {
                continue;
            }
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        head.into_bytes()
    }
}

/// The first element name inside `<...Body>`, without its prefix.
fn soap_method(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let body_start = text.find("Body")?;
    let rest = &text[body_start..];
    let open = rest.find('>')?;
    let rest = &rest[open + 1..];
    let tag = rest.trim_start().strip_prefix('<')?;
    let name: String = tag
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    Some(name.rsplit(':').next().unwrap_or(&name).to_owned())
}

/// Reads one message; `Ok(None)` at a clean end of the connection. `read_to_eof_body`: a
/// response without length or chunking runs to the end of the connection.
fn read_message(
    reader: &mut BufReader<TcpStream>,
    read_to_eof_body: bool,
) -> io::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let start = start.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "headers cut"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut message = Message {
        start,
        headers,
        body: Vec::new(),
    };
    let chunked = message
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // trailers until the empty line
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0u8; size];
            reader.read_exact(&mut chunk)?;
            message.body.extend_from_slice(&chunk);
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length"))?;
        message.body = vec![0u8; length];
        reader.read_exact(&mut message.body)?;
    } else if read_to_eof_body {
        reader.read_to_end(&mut message.body)?;
    }
    Ok(Some(message))
}

/// Sends `request` to the upstream server on a fresh connection and reads its answer.
fn forward(upstream: &str, request: &Message) -> io::Result<Message> {
    let stream = TcpStream::connect(upstream)?;
    let mut head = format!("{}\r\n", request.start);
    for (name, value) in &request.headers {
        if [
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
        ]
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
        {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.body.len()
    ));
    let mut writer = stream.try_clone()?;
    writer.write_all(head.as_bytes())?;
    writer.write_all(&request.body)?;
    writer.flush()?;
    let mut reader = BufReader::new(stream);
    read_message(&mut reader, true)?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no answer upstream"))
}

/// The fault for the call just received, if a rule selects it.
fn fault_for(shared: &Shared, call: &str) -> Option<Fault> {
    let count = {
        let mut seen = lock(&shared.seen);
        seen.push(call.to_owned());
        seen
    };
    let rules = lock(&shared.rules);
    rules.iter().find_map(|rule| {
        if !rule.matches(call) {
            return None;
        }
        let nth = count.iter().filter(|c| rule.matches(c)).count();
        (nth == rule.occurrence).then(|| rule.fault.clone())
    })
}

fn serve_connection(client: TcpStream, upstream: &str, shared: &Shared) -> io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    while let Some(request) = read_message(&mut reader, false)? {
        let call = request.call_name();
        let fault = fault_for(shared, &call);
        match fault {
            None => {
                let response = forward(upstream, &request)?;
                writer.write_all(&response.to_bytes())?;
            }
            Some(Fault::Before(action)) => {
                action();
                let response = forward(upstream, &request)?;
                writer.write_all(&response.to_bytes())?;
            }
            Some(Fault::Stall(delay)) => {
                std::thread::sleep(delay);
                let response = forward(upstream, &request)?;
                writer.write_all(&response.to_bytes())?;
            }
            Some(Fault::DropRequest) => {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::DropAfterForward) => {
                let _ = forward(upstream, &request)?;
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::DropMidResponse) => {
                let response = forward(upstream, &request)?;
                writer.write_all(&response.head_with_length(response.body.len()))?;
                writer.write_all(&response.body[..response.body.len() / 2])?;
                writer.flush()?;
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::RewriteRequest(rewrite)) => {
                let mut request = request;
                request.body = rewrite(std::mem::take(&mut request.body));
                let response = forward(upstream, &request)?;
                writer.write_all(&response.to_bytes())?;
            }
            Some(Fault::Rewrite(rewrite)) => {
                let mut response = forward(upstream, &request)?;
                response.body = rewrite(std::mem::take(&mut response.body));
                writer.write_all(&response.to_bytes())?;
            }
            Some(Fault::TruncateXml) => {
                let mut response = forward(upstream, &request)?;
                let half = response.body.len() / 2;
                response.body.truncate(half);
                writer.write_all(&response.to_bytes())?;
            }
            Some(Fault::Trickle { chunk, delay }) => {
                let response = forward(upstream, &request)?;
                for part in response.to_bytes().chunks(chunk.max(1)) {
                    writer.write_all(part)?;
                    writer.flush()?;
                    std::thread::sleep(delay);
                }
            }
            Some(Fault::Status { status, body }) => {
                let head = format!(
                    "HTTP/1.1 {status} Injected\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                writer.write_all(head.as_bytes())?;
                writer.write_all(body.as_bytes())?;
            }
            Some(Fault::Redirect { status, location }) => {
                let body = format!("<html>moved to {location}</html>");
                let head = format!(
                    "HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                writer.write_all(head.as_bytes())?;
                writer.write_all(body.as_bytes())?;
            }
            Some(Fault::Body(body)) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                writer.write_all(head.as_bytes())?;
                writer.write_all(&body)?;
            }
            Some(Fault::EndlessBody) => {
                writer.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n",
                )?;
                let mut chunk = b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>".to_vec();
                chunk.resize(64 * 1024, b' ');
                loop {
                    if shared.stop.load(Ordering::Acquire) {
                        break;
                    }
                    let framed =
                        [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                    if writer.write_all(&framed).is_err() {
                        break;
                    }
                    chunk.fill(b'x');
                }
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
        }
        writer.flush()?;
    }
    Ok(())
}

/// POSTs to a control endpoint of the simulator (`http://host:port`).
fn post_control(control: &str, path: &str) -> io::Result<String> {
    let host = control.strip_prefix("http://").unwrap_or(control);
    let mut stream = TcpStream::connect(host)?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_methods_are_named_from_the_body() {
        let body = br#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="x"><soapenv:Body><Login xmlns="urn:vim25"><_this>x</_this></Login></soapenv:Body></soapenv:Envelope>"#;
        assert_eq!(soap_method(body).as_deref(), Some("Login"));
        assert_eq!(
            soap_method(b"<Envelope><Body><v:PowerOnVM_Task/></Body></Envelope>").as_deref(),
            Some("PowerOnVM_Task")
        );
    }

    #[test]
    fn rules_match_methods_and_path_prefixes() {
        let rule = |target: &str| Rule {
            target: target.into(),
            occurrence: 1,
            fault: Fault::DropRequest,
        };
        assert!(rule("Login").matches("Login"));
        assert!(!rule("Login").matches("Logout"));
        assert!(rule("GET /folder").matches("GET /folder/vm/x.vmx"));
        assert!(rule("*").matches("anything"));
    }
}
