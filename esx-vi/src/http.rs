//! SOAP over HTTP(S): wraps a method body in the envelope, POSTs it to `/sdk` with the session
//! cookie and the `SOAPAction` of the server's API version, limits requests in flight, and maps
//! every failure below SOAP to a [`TransportError`]. It knows nothing about sessions or faults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use esx_vi_types::transport::{SoapRequest, SoapResponse, Transport};
use tokio::sync::Semaphore;
use tracing::Instrument;
use url::Url;

use crate::error::{find_rustls_error, TransportError};
use crate::options::ConnectOptions;
use crate::redact::redact_passwords;
use crate::text::escape_controls;
use crate::tls::{PresentedCertificates, RecordingVerifier};

/// The name of the session cookie ESX and vCenter set at `Login`.
pub(crate) const SESSION_COOKIE: &str = "vmware_soap_session";

/// Methods that wait on the server (long polls) and so are not limited by `max_in_flight`.
const LONG_POLL_METHODS: [&str; 2] = ["WaitForUpdatesEx", "WaitForUpdates"];

/// The raw SOAP transport shared by all clones of a [`Client`](crate::Client).
#[derive(Debug)]
pub(crate) struct HttpTransport {
    http: reqwest::Client,
    /// The same client without a read timeout, for datastore transfers (see `files`).
    transfer_http: reqwest::Client,
    /// `https://host[:port]/` with no path, user or query: the base of `/sdk` and `/folder`.
    base: Url,
    sdk: Url,
    soap_action: RwLock<String>,
    cookie: Mutex<Option<String>>,
    in_flight: Semaphore,
    request_timeout: Duration,
    connect_timeout: Duration,
    max_response_size: u64,
    presented: Arc<PresentedCertificates>,
    requests: AtomicU64,
}

impl HttpTransport {
    /// Builds the HTTP client for `url` (`https://host[:port][/sdk]` or `http://...`).
    pub(crate) fn new(url: &str, options: &ConnectOptions) -> Result<Self, TransportError> {
        let mut base =
            Url::parse(url).map_err(|e| config_error(format!("invalid server URL {url:?}"), e))?;
        if base.scheme() != "https" && base.scheme() != "http" {
            return Err(config_problem(format!(
                "server URL {} must start with https:// or http://",
                base.as_str()
            )));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(config_problem(format!(
                "server URL {url:?} has no host name"
            )));
        }
        // Credentials never travel in the URL (and never appear in errors that quote it).
        let _ = base.set_username("");
        let _ = base.set_password(None);
        base.set_path("/");
        base.set_query(None);
        base.set_fragment(None);
        let sdk = base.join("sdk").map_err(config_cause)?;

        let presented = Arc::new(PresentedCertificates::default());
        // Built once for both clients: loading the system's CA certificates takes longer than a
        // SOAP call to a nearby host.
        let tls = if base.scheme() == "https" {
            Some(
                RecordingVerifier::new(&options.tls, presented.clone())
                    .and_then(RecordingVerifier::into_client_config)
                    .map_err(config_cause)?,
            )
        } else {
            None
        };
        let http = build_client(options, tls.clone(), Some(options.request_timeout))?;
        // reqwest's read timeout runs from sending a request to its answer's headers, which an
        // upload gets only once all of it is sent: transfers bound each pause themselves.
        let transfer_http = build_client(options, tls, None)?;
        Ok(Self {
            http,
            transfer_http,
            base,
            sdk,
            soap_action: RwLock::new("urn:vim25".to_owned()),
            cookie: Mutex::new(None),
            in_flight: Semaphore::new(options.max_in_flight.max(1)),
            request_timeout: options.request_timeout,
            connect_timeout: options.connect_timeout,
            max_response_size: options.max_response_size,
            presented,
            requests: AtomicU64::new(0),
        })
    }

    /// How many SOAP requests were sent.
    pub(crate) fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The server's base URL (`https://host:port/`).
    pub(crate) fn base_url(&self) -> &Url {
        &self.base
    }

    /// The longest pause in an answer before it fails (the request timeout).
    pub(crate) fn idle_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The HTTP client of SOAP calls, whose read timeout bounds the wait for an answer: for
    /// small whole reads such as a screenshot.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The HTTP client for datastore file transfers: no read timeout, the transfer bounds each
    /// pause in the data (and the wait for an answer) with [`Self::idle_timeout`] itself.
    pub(crate) fn transfer_http(&self) -> &reqwest::Client {
        &self.transfer_http
    }

    /// Switches the `SOAPAction` header to `urn:vim25/<api_version>` once the server's API version
    /// is known.
    pub(crate) fn set_api_version(&self, api_version: &str) {
        let mut action = self.soap_action.write().unwrap_or_else(|e| e.into_inner());
        *action = format!("urn:vim25/{api_version}");
    }

    /// The current `SOAPAction` header value.
    pub(crate) fn soap_action(&self) -> String {
        self.soap_action
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The session cookie (`vmware_soap_session=...`), if the server set one.
    pub(crate) fn session_cookie(&self) -> Option<String> {
        self.cookie
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads a SOAP response's body, counting while it streams in: a `Content-Length` above the
    /// limit fails at once, and a body (chunked or not) that grows past it fails at that byte.
    async fn read_capped_body(
        &self,
        mut response: reqwest::Response,
        method: &str,
    ) -> Result<Vec<u8>, TransportError> {
        let too_large = || TransportError::ResponseTooLarge {
            url: self.sdk.to_string(),
            method: method.to_owned(),
            limit: self.max_response_size,
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.max_response_size)
        {
            return Err(too_large());
        }
        // Reserve what the server announces, within reason: a claimed length is not yet data.
        let mut body = Vec::with_capacity(
            response
                .content_length()
                .map_or(64 * 1024, |length| length.min(1 << 20) as usize),
        );
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.map_error(e, &self.sdk, method, self.request_timeout))?
        {
            if (body.len() + chunk.len()) as u64 > self.max_response_size {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    pub(crate) fn forget_session_cookie(&self) {
        *self.cookie.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Keeps the session cookie from a response's `Set-Cookie` headers.
    pub(crate) fn remember_session_cookie(&self, headers: &reqwest::header::HeaderMap) {
        for value in headers.get_all(reqwest::header::SET_COOKIE) {
            if let Some(pair) = value.to_str().ok().and_then(session_cookie_pair) {
                *self.cookie.lock().unwrap_or_else(|e| e.into_inner()) = Some(pair);
            }
        }
    }

    /// Maps a reqwest failure to the transport error a user can act on.
    pub(crate) fn map_error(
        &self,
        error: reqwest::Error,
        url: &Url,
        method: &str,
        timeout: Duration,
    ) -> TransportError {
        let url_text = url.as_str().to_owned();
        if error.is_timeout() && error.is_connect() {
            return TransportError::ConnectTimeout {
                url: url_text,
                timeout: self.connect_timeout,
            };
        }
        if error.is_timeout() {
            return TransportError::Timeout {
                url: url_text,
                method: method.to_owned(),
                timeout,
            };
        }
        if let Some(tls) = find_rustls_error(&error) {
            let host = url.host_str().unwrap_or_default().to_owned();
            let host_key = host.trim_start_matches('[').trim_end_matches(']');
            return TransportError::Tls {
                presented: self.presented.presented_by(host_key),
                cause: match tls {
                    // Our own verifier's refusal (a pin mismatch) reads best in its own words.
                    rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
                        other.0.clone()
                    }
                    other => Arc::new(other.clone()),
                },
                host,
            };
        }
        TransportError::Connect {
            url: url_text,
            source: Box::new(error),
        }
    }

    async fn post(&self, request: &SoapRequest) -> Result<SoapResponse, TransportError> {
        // A long poll waits idly on the server for up to its maxWaitSeconds: it does not count
        // against the limit, or a few concurrent task waits would stall every other call.
        let _permit = if LONG_POLL_METHODS.contains(&request.method) {
            None
        } else {
            Some(
                self.in_flight
                    .acquire()
                    .await
                    .map_err(|_| config_problem("the client was shut down".to_owned()))?,
            )
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let envelope = esx_vi_types::soap::envelope(&request.body);
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(body = %redact_passwords(&envelope), "SOAP request");
        }
        let mut http_request = self
            .http
            .post(self.sdk.clone())
            .timeout(self.request_timeout)
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", self.soap_action())
            .body(envelope);
        if let Some(cookie) = self.session_cookie() {
            http_request = http_request.header(reqwest::header::COOKIE, cookie);
        }
        let method = request.method;
        let response = http_request
            .send()
            .await
            .map_err(|e| self.map_error(e, &self.sdk, method, self.request_timeout))?;
        self.remember_session_cookie(response.headers());
        let status = response.status();
        if status.is_redirection() {
            return Err(redirect_error(response.url(), method, &response));
        }
        let body = self.read_capped_body(response, method).await?;
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(status = status.as_u16(), body = %redact_passwords(&String::from_utf8_lossy(&body)), "SOAP response");
        }
        // A SOAP fault arrives with HTTP 500 and must reach the stub, which decodes it.
        if status.is_success() || (status.as_u16() == 500 && looks_like_soap(&body)) {
            tracing::debug!(
                status = status.as_u16(),
                bytes = body.len(),
                "SOAP response"
            );
            return Ok(SoapResponse { envelope: body });
        }
        Err(TransportError::HttpStatus {
            url: self.sdk.to_string(),
            method: method.to_owned(),
            status: status.as_u16(),
            excerpt: excerpt(&body),
        })
    }
}

impl Transport for HttpTransport {
    type Error = TransportError;

    fn send(
        &self,
        request: SoapRequest,
    ) -> impl std::future::Future<Output = Result<SoapResponse, TransportError>> + Send {
        let span = tracing::debug_span!("soap", method = request.method);
        async move { self.post(&request).await }.instrument(span)
    }
}

/// The HTTP client of a connection: its TLS verification (`tls`, for an https:// server; none
/// for an http:// one), proxy and connect timeout, never following redirects; `read_timeout`
/// bounds the wait for each answer.
fn build_client(
    options: &ConnectOptions,
    tls: Option<rustls::ClientConfig>,
    read_timeout: Option<Duration>,
) -> Result<reqwest::Client, TransportError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .user_agent(options.user_agent.clone())
        .pool_max_idle_per_host(options.max_in_flight)
        // Never follow a redirect (as libvirt, which sets CURLOPT_FOLLOWLOCATION to 0): a
        // 307/308 would send the Login body, password included, wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let Some(timeout) = read_timeout {
        // Bounds the wait for a SOAP answer and each pause in it, so a stalled server never
        // hangs the client.
        builder = builder.read_timeout(timeout);
    }
    match tls {
        Some(tls) => builder = builder.use_preconfigured_tls(tls),
        // Plain http: no request of this client uses TLS (redirects are not followed), so
        // reqwest need not load the system's CA certificates it would verify with. Through a
        // proxy, which may be an https:// one, it keeps them.
        None if options.proxy.is_none() => builder = builder.tls_built_in_root_certs(false),
        None => {}
    }
    if let Some(proxy) = &options.proxy {
        builder = builder.proxy(parse_proxy(proxy)?);
    }
    builder.build().map_err(config_cause)
}

/// The error for a 3xx answer to a request for `url`: the status and where it pointed, never
/// followed.
pub(crate) fn redirect_error(
    url: &Url,
    method: &str,
    response: &reqwest::Response,
) -> TransportError {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|value| escape_controls(&String::from_utf8_lossy(value.as_bytes())).into_owned());
    TransportError::Redirect {
        url: url.to_string(),
        method: method.to_owned(),
        status: response.status().as_u16(),
        location,
    }
}

fn looks_like_soap(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    String::from_utf8_lossy(head).contains("Envelope")
}

/// The first 200 characters of a response body, on one line.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = one_line.chars().take(200).collect();
    if one_line.chars().count() > 200 {
        cut.push_str("...");
    }
    if cut.is_empty() {
        cut.push_str("(empty body)");
    }
    escape_controls(&cut).into_owned()
}

/// The `vmware_soap_session=value` pair of a `Set-Cookie` header, if it sets that cookie.
pub(crate) fn session_cookie_pair(set_cookie: &str) -> Option<String> {
    let pair = set_cookie.split(';').next()?.trim();
    let (name, value) = pair.split_once('=')?;
    (name.trim() == SESSION_COOKIE && !value.trim().is_empty()).then(|| pair.to_owned())
}

fn parse_proxy(proxy: &str) -> Result<reqwest::Proxy, TransportError> {
    let url =
        Url::parse(proxy).map_err(|e| config_error(format!("invalid proxy URL {proxy:?}"), e))?;
    match url.scheme() {
        "http" | "https" | "socks5" | "socks5h" => reqwest::Proxy::all(url.as_str())
            .map_err(|e| config_error("invalid proxy URL".to_owned(), e)),
        other => Err(config_problem(format!(
            "unsupported proxy scheme {other:?}: use http://, https://, socks5:// or socks5h://"
        ))),
    }
}

/// Settings refused for a reason of our own.
fn config_problem(detail: String) -> TransportError {
    TransportError::Config {
        detail: Some(detail),
        source: None,
    }
}

/// Settings refused: what was wrong, and the error that said so.
fn config_error(
    detail: String,
    source: impl std::error::Error + Send + Sync + 'static,
) -> TransportError {
    TransportError::Config {
        detail: Some(detail),
        source: Some(Box::new(source)),
    }
}

/// Settings refused by an error that says it all by itself (the TLS setup's, the HTTP client's).
fn config_cause(source: impl std::error::Error + Send + Sync + 'static) -> TransportError {
    TransportError::Config {
        detail: None,
        source: Some(Box::new(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_is_taken_from_set_cookie() {
        assert_eq!(
            session_cookie_pair(r#"vmware_soap_session="52ab"; Path=/; HttpOnly; Secure;"#)
                .as_deref(),
            Some(r#"vmware_soap_session="52ab""#)
        );
        assert_eq!(session_cookie_pair("other=1; Path=/"), None);
        assert_eq!(session_cookie_pair("vmware_soap_session=; Path=/"), None);
    }

    #[test]
    fn urls_are_normalized_and_credentials_stripped() {
        let t = HttpTransport::new(
            "https://root:secret@esx.example:8443/sdk?x=1",
            &ConnectOptions::new().no_verify(),
        )
        .unwrap();
        assert_eq!(t.sdk.as_str(), "https://esx.example:8443/sdk");
        assert_eq!(t.base_url().as_str(), "https://esx.example:8443/");
    }

    #[test]
    fn bad_urls_and_proxies_are_config_errors() {
        for url in ["ftp://esx.example", "not a url", "https://"] {
            let err = HttpTransport::new(url, &ConnectOptions::new()).unwrap_err();
            assert!(matches!(err, TransportError::Config { .. }), "{url}: {err}");
        }
        let err = HttpTransport::new(
            "https://esx.example",
            &ConnectOptions::new().proxy("gopher://p:1"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("socks5"), "{err}");
        HttpTransport::new(
            "https://esx.example",
            &ConnectOptions::new()
                .no_verify()
                .proxy("socks5h://127.0.0.1:1080"),
        )
        .expect("socks5 proxy accepted");
    }

    #[test]
    fn excerpt_is_short_and_single_line() {
        let long = "x".repeat(500);
        assert_eq!(excerpt(long.as_bytes()).len(), 203);
        assert_eq!(excerpt(b"a\n  b"), "a b");
        assert_eq!(excerpt(b""), "(empty body)");
    }

    #[test]
    fn excerpt_escapes_what_would_drive_a_terminal() {
        let page = "\u{1b}[2J\u{1b}[31mpwned\u{0}\nerror: forged";
        let text = excerpt(page.as_bytes());
        assert_eq!(text, "\\x1b[2J\\x1b[31mpwned\\x00 error: forged");
    }

    #[tokio::test]
    async fn connection_refused_is_a_connect_error_naming_the_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let t = HttpTransport::new(&format!("http://127.0.0.1:{port}"), &ConnectOptions::new())
            .unwrap();
        let err = t
            .send(SoapRequest {
                method: "RetrieveServiceContent",
                body: String::new(),
            })
            .await
            .unwrap_err();
        match &err {
            TransportError::Connect { url, .. } => assert!(url.contains(&port.to_string())),
            other => panic!("expected a connect error, got {other:?}"),
        }
        // The HTTP client's error stays typed below ours, and the chain never repeats a text.
        let texts = crate::error::assert_each_text_once(&err);
        assert_eq!(
            texts[0],
            format!("cannot talk to http://127.0.0.1:{port}/sdk")
        );
        assert!(
            std::error::Error::source(&err).is_some_and(|s| s.is::<reqwest::Error>()),
            "{err:?}"
        );
    }
}
