//! Opening a connection: URI -> credentials -> esx-vi client -> the host the connection manages,
//! checked against what the URI promised (an ESX host for esx://, a vCenter for vpx://), plus the
//! optional vCenter of an `esx://...?vcenter=` URI.
//!
//! A connection manages one host and nothing else, as in libvirt: on esx:// the server itself, on
//! vpx:// the host its path names (`[folders/]datacenter/[folders/]compute-resource[/host]`).
//! Every listing and lookup of the domain driver goes through that host.

use std::sync::Arc;
use std::time::Duration;

use esx_vi::options::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use esx_vi::types::{AnyValue, HostSystemProperties, ManagedObjectReference};
use esx_vi::{Client, ConnectOptions, HostContext};

use super::error::{Error, Result};
use crate::auth::{CredentialRequest, CredentialSources, Credentials};
use crate::uri::{ConnectUri, Scheme, TlsPolicy, UriError, VCenter};

/// An open connection to an ESX host or to one host of a vCenter, as libvirt's `virConnectPtr`
/// for the ESX driver. Everything the driver does goes through it.
///
/// ```no_run
/// # async fn demo() -> Result<(), esx_driver::driver::Error> {
/// use esx_driver::auth::CredentialSources;
/// use esx_driver::driver::{Connection, ListFilter};
///
/// let conn = Connection::open("esx://root@esx1.example.com/?no_verify=1",
///                             &CredentialSources::from_process()).await?;
/// for dom in conn.list_domains(ListFilter::All).await? {
///     println!("{:>4} {} {}", dom.id_text(), dom.name, dom.state);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Connection {
    uri: ConnectUri,
    client: Client,
    /// The host this connection manages, with its datacenter and compute resource.
    context: Arc<HostContext>,
    vcenter: Option<VCenterLink>,
    timeouts: Timeouts,
}

/// How long connecting to a server, and each call to it, may take. The defaults are the
/// client's: 15 s to connect, 5 min per call (tasks and uploads may be slow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Setting up the TCP connection and the TLS handshake.
    pub connect: Duration,
    /// One call, from sending it to the end of its answer (for a datastore transfer: a pause in
    /// the data).
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            call: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

impl Timeouts {
    /// Every call limited to `call`; connecting to `call` too when that is shorter than 15 s.
    pub fn with_call_limit(call: Duration) -> Timeouts {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT.min(call),
            call,
        }
    }

    /// Reads a limit given in seconds (`30`, `2.5`) by a user, e.g. from `--timeout`: a positive
    /// number of at most a day.
    pub fn parse_seconds(text: &str) -> std::result::Result<Duration, String> {
        let seconds: f64 = text.trim().parse().map_err(|_| {
            format!(
                "'{}' is not a number of seconds",
                esx_vi::text::escape_controls(text)
            )
        })?;
        if !(seconds > 0.0 && seconds <= 86_400.0) {
            return Err(format!(
                "{seconds} s is not a usable timeout: give more than 0 and at most 86400 seconds"
            ));
        }
        Ok(Duration::from_secs_f64(seconds))
    }
}

/// The vCenter an `esx://...?vcenter=` connection also talks to (for migration).
#[derive(Debug, Clone)]
pub struct VCenterLink {
    /// Its address as the URI or the host named it.
    pub address: String,
    /// A logged-in client.
    pub client: Client,
}

impl Connection {
    /// Opens a connection: parses `uri`, finds the credentials in `sources` (auth.conf,
    /// `ESX_PASSWORD`, a prompt), connects and logs in, and checks that the server is what the
    /// URI says. On a vpx:// URI the datacenter/compute resource/host path is resolved now, so a
    /// wrong path fails here, as in libvirt.
    pub async fn open(uri: &str, sources: &CredentialSources) -> Result<Connection> {
        Self::open_with_timeouts(uri, sources, Timeouts::default()).await
    }

    /// Like [`Connection::open`], with other limits on connecting and on each call.
    pub async fn open_with_timeouts(
        uri: &str,
        sources: &CredentialSources,
        timeouts: Timeouts,
    ) -> Result<Connection> {
        let uri = ConnectUri::parse(uri)?;
        Self::open_uri_with_timeouts(uri, sources, timeouts).await
    }

    /// Like [`Connection::open`], with a parsed URI.
    pub async fn open_uri(uri: ConnectUri, sources: &CredentialSources) -> Result<Connection> {
        Self::open_uri_with_timeouts(uri, sources, Timeouts::default()).await
    }

    /// Like [`Connection::open_uri`], with other limits on connecting and on each call.
    pub async fn open_uri_with_timeouts(
        uri: ConnectUri,
        sources: &CredentialSources,
        timeouts: Timeouts,
    ) -> Result<Connection> {
        // The caller decides how to show these (esx-virsh prints virsh's `warning: ...`).
        for warning in &uri.warnings {
            tracing::debug!("{warning}");
        }
        let credentials = sources.resolve(&CredentialRequest::for_uri(&uri))?;
        let client = connect_client(
            &uri,
            &uri.sdk_url(),
            &uri.host,
            &credentials,
            true,
            timeouts,
        )
        .await?;
        match uri.scheme {
            Scheme::Esx | Scheme::Gsx if client.is_vcenter() => {
                return Err(Error::WrongServer(format!(
                    "'{}' is a vCenter server ({}), not an ESX host: connect with \
                     vpx://{}/<datacenter>/<compute resource>[/<host>]",
                    uri.host,
                    client.service_content().about.full_name,
                    uri.host
                )));
            }
            Scheme::Vpx if !client.is_vcenter() => {
                return Err(Error::WrongServer(format!(
                    "'{}' is an ESX host ({}), not a vCenter server: connect with esx://{}/",
                    uri.host,
                    client.service_content().about.full_name,
                    uri.host
                )));
            }
            _ => {}
        }
        let context = resolve_context(&client, &uri).await?;
        let mut connection = Connection {
            uri,
            client,
            context,
            vcenter: None,
            timeouts,
        };
        if let Some(vcenter) = connection.uri.vcenter.clone() {
            connection.vcenter = Some(connection.connect_vcenter(&vcenter, sources).await?);
        }
        Ok(connection)
    }

    async fn connect_vcenter(
        &self,
        vcenter: &VCenter,
        sources: &CredentialSources,
    ) -> Result<VCenterLink> {
        let props: HostSystemProperties = self
            .client
            .retrieve_object(&self.context.host, &["summary.managementServerIp"])
            .await?;
        let managing = match props.path("summary.managementServerIp") {
            Some(AnyValue::String(ip)) if !ip.is_empty() => Some(ip.clone()),
            _ => None,
        };
        let address = match (vcenter, managing) {
            (VCenter::Managing, Some(ip)) => ip,
            (VCenter::Managing, None) => {
                return Err(Error::OperationInvalid(format!(
                    "host '{}' is not managed by a vCenter (vcenter=* needs one)",
                    self.uri.host
                )))
            }
            (VCenter::Host(name), managing) => {
                if let Some(ip) = managing {
                    if !same_address(name, &ip).await {
                        return Err(Error::OperationInvalid(format!(
                            "host '{}' is managed by the vCenter at {ip}, but vcenter={name} was given",
                            self.uri.host
                        )));
                    }
                }
                name.clone()
            }
        };
        let credentials = sources.resolve(&CredentialRequest::for_vcenter(&self.uri, &address))?;
        let client = connect_client(
            &self.uri,
            &self.uri.vcenter_sdk_url(&address),
            &address,
            &credentials,
            false,
            self.timeouts,
        )
        .await?;
        if !client.is_vcenter() {
            return Err(Error::WrongServer(format!(
                "'{address}' (vcenter=) is not a vCenter server but {}",
                client.service_content().about.full_name
            )));
        }
        Ok(VCenterLink { address, client })
    }

    /// libvirt's `virConnectIsAlive`: the connection is logged in (until [`Connection::close`]).
    /// Like libvirt's ESX driver, it does not ask the server; the next call finds a dropped
    /// session out.
    pub fn is_alive(&self) -> bool {
        self.client().session().is_some()
    }

    /// libvirt's `virConnectIsEncrypted`: the connection talks HTTPS.
    pub fn is_encrypted(&self) -> bool {
        self.client().url().scheme() == "https"
    }

    /// libvirt's `virConnectIsSecure`: the same as [`Connection::is_encrypted`] (the ESX driver
    /// has no other channel that could be secure).
    pub fn is_secure(&self) -> bool {
        self.is_encrypted()
    }

    /// The URI this connection was opened with (printed without password by `Display`).
    pub fn uri(&self) -> &ConnectUri {
        &self.uri
    }

    /// The underlying vSphere client, for calls the driver does not wrap.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The vCenter of an `esx://...?vcenter=` connection.
    pub fn vcenter(&self) -> Option<&VCenterLink> {
        self.vcenter.as_ref()
    }

    /// Whether VM questions are answered with their default choice (`auto_answer=1`).
    pub fn auto_answer(&self) -> bool {
        self.uri.auto_answer
    }

    /// Where the connection works: datacenter, compute resource, host (resolved when the
    /// connection opened).
    pub async fn context(&self) -> Result<Arc<HostContext>> {
        Ok(self.context.clone())
    }

    /// The host this connection manages.
    pub async fn host(&self) -> Result<ManagedObjectReference> {
        Ok(self.context.host.clone())
    }

    /// The host this connection manages, with its datacenter and compute resource.
    pub fn host_context(&self) -> &HostContext {
        &self.context
    }

    /// Logs out (the session ends on the server); dropping a connection without this leaves the
    /// session to expire.
    pub async fn close(self) -> Result<()> {
        if let Some(vcenter) = &self.vcenter {
            let _ = vcenter.client.logout().await;
        }
        self.client.logout().await?;
        Ok(())
    }
}

/// The host a connection manages: an ESX host's own, or the one a vpx:// path names, resolved
/// as libvirt resolves it and refused with libvirt's words when the path names none.
async fn resolve_context(client: &Client, uri: &ConnectUri) -> Result<Arc<HostContext>> {
    if !client.is_vcenter() {
        return Ok(client.host_context("").await?);
    }
    let path = uri.path.as_ref().ok_or(UriError::PathMissing)?;
    // vSphere reports a `/` inside a name as `%2f` (and `%` as `%25`); the URI's items are
    // decoded, so they are written the server's way before they are compared with its names.
    let items: Vec<String> = path
        .items
        .iter()
        .map(|item| item.replace('%', "%25").replace('/', "%2f"))
        .collect();
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    match client.resolve_host_path(&items).await? {
        Ok(context) => Ok(Arc::new(context)),
        Err(problem) => {
            // libvirt's texts and classes: `invalid argument: Path '/DC0/C0' does not specify
            // a host system`, `internal error: Could not find datacenter specified in '/DC9/..'`.
            let message = problem.message(&path.to_string());
            Err(if problem.is_invalid_argument() {
                Error::InvalidArg(message)
            } else {
                Error::Internal(message)
            })
        }
    }
}

/// Connects and logs in to one server with the URI's TLS and proxy settings. `thumbprint=` pins
/// the certificate of the URI's own server (`is_uri_host`); the vCenter of `vcenter=` is checked
/// against the CA file or the system roots instead (or not at all with `no_verify=1`).
async fn connect_client(
    uri: &ConnectUri,
    url: &str,
    host: &str,
    credentials: &Credentials,
    is_uri_host: bool,
    timeouts: Timeouts,
) -> Result<Client> {
    // No page cap: ESX hosts answer a whole inventory at once (so a listing is one retrieval),
    // vCenter pages by itself and the client follows its tokens.
    let mut options = ConnectOptions::new()
        .connect_timeout(timeouts.connect)
        .request_timeout(timeouts.call)
        .credentials(esx_vi::Credentials::new(
            credentials.user.clone(),
            credentials.password.clone(),
        ));
    let policy = match uri.tls_policy() {
        TlsPolicy::Pinned(_) if !is_uri_host => match &uri.ca_file {
            Some(path) => TlsPolicy::CaFile(path.clone()),
            None if uri.no_verify => TlsPolicy::NoVerify,
            None => TlsPolicy::SystemRoots,
        },
        policy => policy,
    };
    options = match policy {
        TlsPolicy::SystemRoots => options,
        TlsPolicy::CaFile(path) => options.ca_file(path),
        TlsPolicy::NoVerify => options.no_verify(),
        TlsPolicy::Pinned(thumbprint) => options.pin_thumbprint(thumbprint),
    };
    if let Some(proxy) = &uri.proxy {
        options = options.proxy(proxy.url());
    }
    Client::connect(url, options)
        .await
        .map_err(|e| match e.fault_type() {
            Some("InvalidLogin") => Error::AuthFailed {
                host: host.to_owned(),
                user: credentials.user.clone(),
            },
            _ => Error::Vi(e),
        })
}

/// Whether `name` (a host name or address) resolves to the address `ip`.
async fn same_address(name: &str, ip: &str) -> bool {
    if name.eq_ignore_ascii_case(ip) {
        return true;
    }
    let Ok(wanted) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    match tokio::net::lookup_host((name, 0)).await {
        Ok(mut addresses) => addresses.any(|a| a.ip() == wanted),
        Err(_) => false,
    }
}
