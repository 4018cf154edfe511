//! The connection to one ESX host or vCenter: connect, ServiceContent, login and logout, and the
//! transport the generated method stubs run on, which restores an expired session transparently.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use esx_vi_types::methods;
use esx_vi_types::transport::{SoapRequest, SoapResponse, Transport};
use esx_vi_types::{ManagedObjectReference, ServiceContent, UserSession};

use crate::error::{method_error, Error, TransportError};
use crate::http::HttpTransport;
use crate::inventory::ContextCache;
use crate::options::ConnectOptions;
use crate::secret::Credentials;

/// A connection to an ESX host or a vCenter server.
///
/// Cheap to clone (all clones share one session, one HTTP connection pool and one limit on
/// requests in flight) and usable from many tasks at once. It implements the generated stubs'
/// [`Transport`], so every method of [`esx_vi_types::methods`] can be called on it directly:
///
/// ```no_run
/// # async fn demo() -> Result<(), esx_vi::Error> {
/// use esx_vi::{Client, ConnectOptions, Credentials};
/// let client = Client::connect(
///     "https://esx.example.com",
///     ConnectOptions::new().credentials(Credentials::new("root", "secret")),
/// )
/// .await?;
/// let now = esx_vi::types::methods::current_time(&client, client.service_instance()).await
///     .map_err(|e| esx_vi::Error::from_method("CurrentTime", e))?;
/// # let _ = now; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpTransport,
    service_instance: ManagedObjectReference,
    service_content: ServiceContent,
    page_size: Option<u32>,
    credentials: Mutex<Option<Credentials>>,
    session: Mutex<Option<UserSession>>,
    /// Serializes logins, so that concurrent callers who all saw an expired session share one.
    login_lock: tokio::sync::Mutex<()>,
    /// Incremented by every successful login: a caller that saw generation `g` fail with
    /// NotAuthenticated logs in again only if no one else has since.
    generation: AtomicU64,
    pub(crate) contexts: ContextCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.http.base_url().as_str())
            .field("api_version", &self.api_version())
            .field("user", &self.user())
            .finish_non_exhaustive()
    }
}

/// Calls that only read, so that sending one twice changes nothing: they alone are sent again
/// after a broken connection. `ContinueRetrievePropertiesEx` (which consumes its token) and
/// `WaitForUpdatesEx` are not among them.
const IDEMPOTENT_READS: [&str; 9] = [
    "RetrieveServiceContent",
    "RetrievePropertiesEx",
    "RetrieveProperties",
    "CurrentTime",
    "FindByInventoryPath",
    "FindByUuid",
    "FindByDatastorePath",
    "FindByIp",
    "FindByDnsName",
];

/// Methods that must never trigger a transparent re-login.
const SESSIONLESS_METHODS: [&str; 3] = ["RetrieveServiceContent", "Login", "Logout"];

impl Client {
    /// Connects to `url` (`https://host[:port]`, an `/sdk` path is optional), reads the
    /// ServiceContent, switches to the server's API version, and logs in when the options carry
    /// credentials.
    pub async fn connect(url: &str, options: ConnectOptions) -> Result<Self, Error> {
        let http = HttpTransport::new(url, &options)?;
        let service_instance = ManagedObjectReference::new("ServiceInstance", "ServiceInstance");
        let service_content = methods::retrieve_service_content(&http, &service_instance)
            .await
            .map_err(method_error("RetrieveServiceContent"))?;
        http.set_api_version(&service_content.about.api_version);
        tracing::debug!(
            api_version = %service_content.about.api_version,
            api_type = %service_content.about.api_type,
            "connected to {}",
            service_content.about.full_name
        );
        let client = Self {
            inner: Arc::new(Inner {
                http,
                service_instance,
                service_content,
                page_size: options.page_size,
                credentials: Mutex::new(None),
                session: Mutex::new(None),
                login_lock: tokio::sync::Mutex::new(()),
                generation: AtomicU64::new(0),
                contexts: ContextCache::default(),
            }),
        };
        if let Some(credentials) = options.credentials {
            client.login(credentials).await?;
        }
        Ok(client)
    }

    /// Logs in; the client keeps the credentials to log in again when the session expires.
    pub async fn login(&self, credentials: Credentials) -> Result<UserSession, Error> {
        let _guard = self.inner.login_lock.lock().await;
        let session = self.login_once(&credentials).await?;
        *lock(&self.inner.credentials) = Some(credentials);
        Ok(session)
    }

    /// Logs out and forgets the credentials (no transparent re-login afterwards).
    pub async fn logout(&self) -> Result<(), Error> {
        let _guard = self.inner.login_lock.lock().await;
        *lock(&self.inner.credentials) = None;
        let result = methods::logout(&self.inner.http, &self.inner.service_content)
            .await
            .map_err(method_error("Logout"));
        *lock(&self.inner.session) = None;
        self.inner.http.forget_session_cookie();
        result
    }

    async fn login_once(&self, credentials: &Credentials) -> Result<UserSession, Error> {
        refuse_control_characters(credentials)?;
        let user = credentials.user().to_owned();
        let password = credentials.password().expose().to_owned();
        let session = methods::login(
            &self.inner.http,
            &self.inner.service_content,
            &user,
            &password,
            None,
        )
        .await
        .map_err(method_error("Login"))?;
        tracing::debug!(user = %user, "logged in");
        *lock(&self.inner.session) = Some(session.clone());
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        Ok(session)
    }

    /// Restores the session after a NotAuthenticated fault seen at `generation`. Returns whether
    /// the call should be retried.
    async fn restore_session(&self, generation: u64) -> bool {
        let Some(credentials) = lock(&self.inner.credentials).clone() else {
            return false;
        };
        let _guard = self.inner.login_lock.lock().await;
        if self.inner.generation.load(Ordering::Acquire) != generation {
            return true; // another caller logged in again meanwhile
        }
        if lock(&self.inner.credentials).is_none() {
            return false; // logged out meanwhile
        }
        tracing::info!(
            user = credentials.user(),
            "the session expired; logging in again"
        );
        match self.login_once(&credentials).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("logging in again failed: {}", e.report());
                false
            }
        }
    }

    /// The session of the current login, if logged in.
    pub fn session(&self) -> Option<UserSession> {
        lock(&self.inner.session).clone()
    }

    /// The logged-in user's name.
    pub fn user(&self) -> Option<String> {
        lock(&self.inner.credentials)
            .as_ref()
            .map(|c| c.user().to_owned())
    }

    /// The server's ServiceContent, read at connect.
    pub fn service_content(&self) -> &ServiceContent {
        &self.inner.service_content
    }

    /// The `ServiceInstance` managed object.
    pub fn service_instance(&self) -> &ManagedObjectReference {
        &self.inner.service_instance
    }

    /// The server's API version (`about.apiVersion`), used in the `SOAPAction` header.
    pub fn api_version(&self) -> &str {
        &self.inner.service_content.about.api_version
    }

    /// Whether the server is a vCenter (`about.apiType` is `VirtualCenter`) rather than an ESX host.
    pub fn is_vcenter(&self) -> bool {
        self.inner.service_content.about.api_type == "VirtualCenter"
    }

    /// The server's base URL (`https://host:port/`).
    pub fn url(&self) -> &url::Url {
        self.inner.http.base_url()
    }

    /// The most objects a property-collector page asks for; `None`: as many as the server sends.
    pub fn page_size(&self) -> Option<u32> {
        self.inner.page_size
    }

    /// How many SOAP requests this client (all clones) has sent so far, including re-logins and
    /// retries: for measuring, e.g. in benchmarks.
    pub fn soap_request_count(&self) -> u64 {
        self.inner.http.request_count()
    }

    /// Counts the logins of this client: a call that fails after this changed ran across a
    /// re-login, so server-side state tied to the old session (a property collector, a paging
    /// token) is gone.
    pub(crate) fn session_generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    pub(crate) fn contexts(&self) -> &ContextCache {
        &self.inner.contexts
    }

    pub(crate) fn http(&self) -> &HttpTransport {
        &self.inner.http
    }

    async fn send_restoring_session(
        &self,
        request: SoapRequest,
    ) -> Result<SoapResponse, TransportError> {
        let generation = self.inner.generation.load(Ordering::Acquire);
        let may_retry = !SESSIONLESS_METHODS.contains(&request.method)
            && lock(&self.inner.credentials).is_some();
        if !may_retry {
            return self.send_retrying_reads(request).await;
        }
        let response = self.send_retrying_reads(request.clone()).await?;
        // A NotAuthenticated answer means the server did nothing: even a task-starting call is
        // safe to send again once logged in.
        if is_not_authenticated(&response.envelope) && self.restore_session(generation).await {
            tracing::debug!(method = request.method, "retrying after logging in again");
            return self.send_retrying_reads(request).await;
        }
        Ok(response)
    }

    /// Sends a request; a read that changes nothing on the server ([`IDEMPOTENT_READS`]) is
    /// sent once more when the connection broke before its answer (a pooled connection the
    /// server had closed, a reset). Any other call is never sent twice: the server may have
    /// received it and started a task.
    async fn send_retrying_reads(
        &self,
        request: SoapRequest,
    ) -> Result<SoapResponse, TransportError> {
        if !IDEMPOTENT_READS.contains(&request.method) {
            return self.inner.http.send(request).await;
        }
        match self.inner.http.send(request.clone()).await {
            Err(TransportError::Connect { source, .. }) => {
                tracing::debug!(
                    method = request.method,
                    "the connection broke ({}); sending the read once more",
                    crate::Report(source.as_ref())
                );
                self.inner.http.send(request).await
            }
            other => other,
        }
    }
}

impl Transport for Client {
    type Error = TransportError;

    fn send(
        &self,
        request: SoapRequest,
    ) -> impl Future<Output = Result<SoapResponse, TransportError>> + Send {
        self.send_restoring_session(request)
    }
}

/// A user name or password with a control character (a NUL, a newline...) is refused before it
/// is sent: it cannot be a real account's, and it would land in the SOAP request as it is.
fn refuse_control_characters(credentials: &Credentials) -> Result<(), Error> {
    let bad = |what: &str| {
        Error::InvalidArgument(format!(
            "the {what} to log in with contains a control character (tab, newline, NUL, escape...): \
             check where it comes from (the URI, auth.conf, ESX_PASSWORD)"
        ))
    };
    if crate::text::first_control_char(credentials.user()).is_some() {
        return Err(bad("user name"));
    }
    if crate::text::first_control_char(credentials.password().expose()).is_some() {
        return Err(bad("password"));
    }
    Ok(())
}

/// Whether a response envelope is a `NotAuthenticated` fault.
fn is_not_authenticated(envelope: &[u8]) -> bool {
    // A fault is the body's first element, so `Fault` appears near the start of a fault's
    // envelope (after the envelope's and body's start tags and their namespace declarations),
    // and a fault is short: neither scan ever reads a large answer through.
    const HEAD: usize = 4096;
    const FAULT_LEN: usize = 64 * 1024;
    let contains =
        |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    if envelope.len() > FAULT_LEN
        || !contains(&envelope[..envelope.len().min(HEAD)], b"Fault")
        || !contains(envelope, b"NotAuthenticated")
    {
        return false; // the common case, without parsing
    }
    matches!(
        esx_vi_types::soap::parse_fault(envelope),
        Ok(Some(fault)) if fault.fault_type_name() == Some("NotAuthenticated")
    )
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_not_authenticated_fault_is_one() {
        let envelope = |body: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope \
                 xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
                 xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>{body}\
                 </soapenv:Body></soapenv:Envelope>"
            )
        };
        let fault = envelope(
            "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is \
             not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns=\"urn:vim25\" \
             xsi:type=\"NotAuthenticated\"><object type=\"Folder\">ha-folder-root</object>\
             <privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>",
        );
        assert!(is_not_authenticated(fault.as_bytes()));
        // The word in an answer's data (a VM named so) is no fault, however long the answer.
        for repeat in [1, 10_000] {
            let data = "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects>\
                        <obj type=\"VirtualMachine\">vm-1</obj><propSet><name>name</name><val \
                        xsi:type=\"xsd:string\">NotAuthenticated</val></propSet></objects>\
                        </returnval></RetrievePropertiesExResponse>"
                .repeat(repeat);
            assert!(!is_not_authenticated(envelope(&data).as_bytes()));
        }
    }

    #[test]
    fn client_is_clone_send_sync() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Client>();
    }
}
