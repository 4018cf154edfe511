//! What a caller can choose when connecting: TLS policy, proxy, timeouts, user agent, request
//! limits, page size and credentials. Plain data with a builder, validated by `Client::connect`.

use std::path::PathBuf;
use std::time::Duration;

use crate::secret::Credentials;
use crate::tls::{Thumbprint, TlsVerification};

/// The default number of SOAP requests a client keeps in flight at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;
/// The default limit on establishing a connection (TCP and TLS handshake): a host that does not
/// answer is reported in seconds, not minutes.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default limit on one call, from sending it to the end of its answer (and, for datastore
/// transfers, on a pause in the data): long, since uploads and some calls are slow.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// The default limit on one SOAP response: far above any real answer (a page of 10,000 VMs'
/// configurations is a few tens of MiB), low enough that a broken or hostile server cannot
/// exhaust memory.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 256 * 1024 * 1024;

/// Options for [`Client::connect`](crate::Client::connect). Start from [`ConnectOptions::new`]
/// (verification on, no proxy, 15 s connect timeout, 5 min request timeout) and change what you need.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub(crate) tls: TlsVerification,
    pub(crate) proxy: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) user_agent: String,
    pub(crate) max_in_flight: usize,
    pub(crate) page_size: Option<u32>,
    pub(crate) max_response_size: u64,
    pub(crate) credentials: Option<Credentials>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            tls: TlsVerification::SystemRoots,
            proxy: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            user_agent: concat!("esx-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            page_size: None,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            credentials: None,
        }
    }
}

impl ConnectOptions {
    /// The defaults: TLS verified against the system roots, no proxy, 15 s connect timeout,
    /// 5 min request timeout, 8 requests in flight, pages as large as the server chooses,
    /// responses of at most 256 MiB, no login.
    pub fn new() -> Self {
        Self::default()
    }

    /// Logs in with these credentials right after connecting, and again whenever the session
    /// expires.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sets the TLS verification policy.
    pub fn tls(mut self, tls: TlsVerification) -> Self {
        self.tls = tls;
        self
    }

    /// Trusts the CA certificates of this PEM file in addition to the system roots.
    pub fn ca_file(self, path: impl Into<PathBuf>) -> Self {
        self.tls(TlsVerification::SystemRootsAndCaFile(path.into()))
    }

    /// Accepts exactly the server certificate with this SHA-256 thumbprint.
    pub fn pin_thumbprint(self, thumbprint: Thumbprint) -> Self {
        self.tls(TlsVerification::Thumbprint(thumbprint))
    }

    /// Accepts any server certificate. For tests and lab hosts only.
    pub fn no_verify(self) -> Self {
        self.tls(TlsVerification::NoVerify)
    }

    /// Sends every request through this proxy: `http://host:port`, `https://host:port`,
    /// `socks5://host:port` or `socks5h://host:port` (the proxy resolves names). User and password
    /// may be given in the URL.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// How long establishing a TCP+TLS connection may take (default 15 s; at least 1 ms).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long one SOAP request may take from sending to the end of its response (default
    /// 5 min; at least 1 ms). Datastore transfers, which may take hours, are not limited as a
    /// whole, but fail when no data moves for this long.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The connect timeout these options use.
    pub fn connect_timeout_value(&self) -> Duration {
        self.connect_timeout
    }

    /// The request timeout these options use.
    pub fn request_timeout_value(&self) -> Duration {
        self.request_timeout
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How many SOAP requests may be in flight at once (at least 1).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// The most bytes one SOAP response may have (default 256 MiB, at least 1 KiB): a longer one
    /// fails the call with [`TransportError::ResponseTooLarge`](crate::TransportError), counted
    /// while it streams in, so an endless body never fills memory. Datastore downloads stream to
    /// their sink and have no such limit.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = bytes.max(1024);
        self
    }

    /// Caps the objects of one `RetrievePropertiesEx` page (`maxObjects`, at least 1).
    ///
    /// Without a cap (the default, as govmomi and pyvmomi do) the server chooses: an ESX host
    /// answers a whole inventory at once, vCenter pages by itself. Either way the client follows
    /// the server's tokens, so a cap only trades round trips for memory per page.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size.max(1));
        self
    }
}
