//! The client's typed error tree. Every variant says what failed in the user's terms (URL, SOAP
//! method, fault type, element path) and never carries credentials.

use std::error::Error as StdError;
use std::time::Duration;

use crate::tls::Thumbprint;

/// A failure below SOAP: no response envelope came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The client could not be set up (bad URL, unusable CA file, bad proxy URL).
    #[error("invalid connection settings: {0}")]
    Config(String),
    /// The connection failed or broke (refused, DNS, proxy, reset).
    #[error("cannot talk to {url}: {reason}")]
    Connect {
        /// The server URL (without credentials).
        url: String,
        /// The underlying cause, as text.
        reason: String,
    },
    /// The TLS handshake failed: most often the server certificate was not trusted.
    #[error("TLS connection to {host} failed: {reason}{hint}", hint = pin_hint(presented))]
    Tls {
        /// The server host name.
        host: String,
        /// What rustls reported.
        reason: String,
        /// The SHA-256 thumbprint of the certificate the server presented, when it got that far.
        presented: Option<Thumbprint>,
    },
    /// The server answered with an HTTP error status and no SOAP envelope.
    #[error("{url} answered HTTP {status} to {method}: {excerpt}")]
    HttpStatus {
        /// The URL of the request.
        url: String,
        /// The SOAP method or file operation.
        method: String,
        /// The HTTP status code.
        status: u16,
        /// The beginning of the response body.
        excerpt: String,
    },
    /// The server answered with a redirect (3xx). The client never follows one: a redirect could
    /// send the `Login` body, password included, to another server.
    #[error("{url} answered HTTP {status} to {method}, redirecting to {}: redirects are never followed; connect to the server's real SDK URL", location.as_deref().unwrap_or("(no Location header)"))]
    Redirect {
        /// The URL that was asked (never the redirect's target).
        url: String,
        /// The SOAP method or file operation.
        method: String,
        /// The HTTP status code (301, 302, 303, 307, 308...).
        status: u16,
        /// The `Location` header, control characters escaped.
        location: Option<String>,
    },
    /// The response was longer than the client accepts ([`ConnectOptions::max_response_size`](crate::ConnectOptions::max_response_size)).
    #[error("the response of {url} to {method} is larger than {}, the most one SOAP response may have: the server is broken or hostile (raise ConnectOptions::max_response_size only if you trust it)", describe_size(*limit))]
    ResponseTooLarge {
        /// The URL of the request.
        url: String,
        /// The SOAP method.
        method: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// No connection (TCP and TLS handshake) could be set up within the connect timeout.
    #[error("connecting to {url} timed out after {}: is the server up and reachable? (the limit is ConnectOptions::connect_timeout)", describe(timeout))]
    ConnectTimeout {
        /// The server URL.
        url: String,
        /// The connect timeout.
        timeout: Duration,
    },
    /// The request did not finish within its timeout.
    #[error("{method} to {url} timed out after {}", describe(timeout))]
    Timeout {
        /// The URL of the request.
        url: String,
        /// The SOAP method or file operation.
        method: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// Reading or writing a local file during a transfer failed.
    #[error("{0}")]
    Io(String),
}

impl TransportError {
    /// The thumbprint the server presented, for a TLS failure.
    pub fn presented_thumbprint(&self) -> Option<Thumbprint> {
        match self {
            Self::Tls { presented, .. } => *presented,
            _ => None,
        }
    }
}

fn pin_hint(presented: &Option<Thumbprint>) -> String {
    match presented {
        Some(t) => format!(
            "; the server presented a certificate with SHA-256 thumbprint {t}: if you trust it, pin that thumbprint"
        ),
        None => String::new(),
    }
}

fn describe(timeout: &Duration) -> String {
    if timeout.subsec_millis() == 0 {
        format!("{} s", timeout.as_secs())
    } else {
        format!("{} ms", timeout.as_millis())
    }
}

/// `256 MiB`, `1 KiB` or `1000 bytes`.
pub(crate) fn describe_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    match bytes {
        b if b >= KIB * KIB && b % (KIB * KIB) == 0 => format!("{} MiB", b / (KIB * KIB)),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// The text of an error and all its causes, `outer: inner: innermost`, skipping repeats (reqwest
/// and hyper often repeat their cause in their own message).
pub(crate) fn chain_text(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The rustls error somewhere in an error chain, looking inside `io::Error`s too (whose `source`
/// skips the error they wrap).
pub(crate) fn find_rustls_error<'a>(
    error: &'a (dyn StdError + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        // io::Error's `source` skips the error it wraps (often another io::Error): descend into it.
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

/// Everything a client call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No SOAP response came back: connection, TLS, HTTP status, timeout.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server answered with a SOAP fault. `fault_type` is the MethodFault type
    /// (`NotAuthenticated`, `InvalidLogin`, `ManagedObjectNotFound`...).
    #[error("{method} failed: {fault_type} - {message}")]
    Fault {
        /// The SOAP method.
        method: &'static str,
        /// The fault's type name, or `ServerFault` when the server gave no typed detail.
        fault_type: String,
        /// The server's message (`faultstring`).
        message: String,
        /// The whole decoded fault, with its typed detail.
        fault: Box<SoapFault>,
    },
    /// The response could not be decoded; the message names the element path.
    #[error("cannot decode the response to {method}: {source}")]
    Decode {
        /// The SOAP method (or the conversion) whose response failed to decode.
        method: &'static str,
        /// Where and why decoding failed.
        source: DecodeError,
    },
    /// The server lacks a service this call needs (an optional ServiceContent member).
    #[error("{method} is not available on this server: its ServiceContent has no {member}")]
    NotAvailable {
        /// The SOAP method.
        method: &'static str,
        /// The missing ServiceContent member.
        member: &'static str,
    },
    /// A lookup found nothing.
    #[error("{0}")]
    NotFound(String),
    /// The caller asked for something that cannot be done (bad path, bad argument).
    #[error("{0}")]
    InvalidArgument(String),
    /// Not logged in: the call needs a session.
    #[error("not logged in: connect with credentials or call login() first")]
    NotLoggedIn,
    /// A VM question blocks the operation (see [`crate::task`]).
    #[error(transparent)]
    Question(Box<crate::task::QuestionError>),
    /// Other tasks are queued or running on the VM, so a new one was not started.
    #[error("other tasks are pending for virtual machine {vm}: {}", .tasks.join(", "))]
    TasksPending {
        /// The VM's name.
        vm: String,
        /// The pending tasks, `name (state)`.
        tasks: Vec<String>,
    },
    /// A task ended in error: `<FaultType> - <localized message>`.
    #[error("{fault_type} - {message}")]
    TaskFailed {
        /// The task's name (`PowerOnVM_Task`), when known.
        task: String,
        /// The MethodFault type of the task's error.
        fault_type: String,
        /// The localized message the server gave.
        message: String,
        /// The typed fault.
        fault: Option<Box<esx_vi_types::AnyMethodFault>>,
    },
    /// Waiting for something took longer than allowed.
    #[error("{what} did not finish within {}", describe(after))]
    Timeout {
        /// What was waited for.
        what: String,
        /// The timeout.
        after: Duration,
    },
}

pub use esx_vi_types::runtime::DecodeError;
pub use esx_vi_types::soap::SoapFault;

impl Error {
    /// Maps a generated stub's error for `method` into the client's error tree.
    pub fn from_method(method: &'static str, error: MethodError<TransportError>) -> Self {
        match error {
            MethodError::Transport(e) => Self::Transport(e),
            MethodError::Fault(fault) => Self::from_fault(method, fault),
            MethodError::Decode(source) => Self::Decode { method, source },
            MethodError::NotAvailable { member } => Self::NotAvailable { method, member },
        }
    }

    fn from_fault(method: &'static str, fault: SoapFault) -> Self {
        let fault_type = fault.fault_type_name().unwrap_or("ServerFault").to_owned();
        // The server's words, safe to print (the typed fault keeps them as sent).
        let message = crate::text::escape_controls(&fault.fault_string).into_owned();
        Self::Fault {
            method,
            fault_type,
            message,
            fault: Box::new(fault),
        }
    }

    /// The MethodFault type name of a SOAP fault or failed task (`NotAuthenticated`...).
    pub fn fault_type(&self) -> Option<&str> {
        match self {
            Self::Fault { fault_type, .. } | Self::TaskFailed { fault_type, .. } => {
                Some(fault_type)
            }
            _ => None,
        }
    }

    /// The certificate thumbprint a server presented when the TLS handshake failed.
    pub fn presented_thumbprint(&self) -> Option<Thumbprint> {
        match self {
            Self::Transport(e) => e.presented_thumbprint(),
            _ => None,
        }
    }
}

use esx_vi_types::soap::MethodError;

/// `result.map_err(method_error("Login"))`: names the method in the mapped error.
pub(crate) fn method_error(
    method: &'static str,
) -> impl FnOnce(MethodError<TransportError>) -> Error {
    move |e| Error::from_method(method, e)
}
