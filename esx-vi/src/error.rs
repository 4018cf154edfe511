//! The client's typed error tree. Every variant says what failed in the user's terms (URL, SOAP
//! method, fault type, element path) and never carries credentials.
//!
//! One convention holds for every error here: an error either prints its cause in its message or
//! returns it from [`source()`](StdError::source), never both, so a reporter that walks the chain
//! shows each text once. [`Report`] is that reporter: `outer: inner: innermost`, the one line a
//! command line prints.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use esx_vi_types::ManagedObjectReference;

use crate::tls::Thumbprint;

/// A cause kept as a typed error without naming its crate in this API (reqwest, io, url...).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// A failure below SOAP: no response envelope came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The client could not be set up (bad URL, unusable TLS settings, bad proxy URL).
    #[error("invalid connection settings{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Config {
        /// What is wrong, when the cause does not say it by itself.
        detail: Option<String>,
        /// The error behind it (a URL parse error, the TLS setup error...), if any.
        #[source]
        source: Option<BoxError>,
    },
    /// The connection failed or broke (refused, DNS, proxy, reset).
    #[error("cannot talk to {url}")]
    Connect {
        /// The server URL (without credentials).
        url: String,
        /// The HTTP client's error, with its own chain of causes.
        source: BoxError,
    },
    /// The TLS handshake failed: most often the server certificate was not trusted.
    ///
    /// The message prints the cause (the advice to pin a thumbprint follows it), so `source()`
    /// does not return it again.
    #[error("TLS connection to {host} failed: {cause}{hint}", hint = pin_hint(presented))]
    Tls {
        /// The server host name.
        host: String,
        /// Why the handshake failed: rustls's error, or our verifier's own refusal (a pin
        /// mismatch) in its own words.
        cause: Arc<dyn StdError + Send + Sync + 'static>,
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
    #[error("{context}")]
    Io {
        /// What was being done (`writing the download failed`, `cannot read disk.vmdk`).
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
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

/// An error and its chain of causes as one line, `outer: inner: innermost`: what a command line
/// prints after `error: `.
///
/// Our own errors never repeat their cause (see the module doc); a cause whose text an outer
/// error already contains is still skipped, because reqwest and hyper often repeat their cause
/// in their own message.
#[derive(Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn StdError + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let mut current = Some(self.0);
        while let Some(e) = current {
            let text = e.to_string();
            if !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
            current = e.source();
        }
        f.write_str(&parts.join(": "))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
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
    /// The response could not be decoded; the cause names the element path.
    #[error("cannot decode the response to {method}")]
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
    /// The server returned no properties for an object: it does not exist (any more).
    #[error("{} {} has no retrievable properties (does it still exist?)", object.r#type, object.value)]
    ObjectNotFound {
        /// The object asked for.
        object: ManagedObjectReference,
    },
    /// An inventory lookup found nothing (the message names the path or property).
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

    /// This error and its causes as one line ([`Report`]).
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }
}

use esx_vi_types::soap::MethodError;

/// `result.map_err(method_error("Login"))`: names the method in the mapped error.
pub(crate) fn method_error(
    method: &'static str,
) -> impl FnOnce(MethodError<TransportError>) -> Error {
    move |e| Error::from_method(method, e)
}

/// Asserts that no error in `error`'s `source()` chain repeats the text of one of its causes
/// (the convention of this module), and returns the chain's texts, outermost first.
#[cfg(test)]
pub(crate) fn assert_each_text_once(error: &(dyn StdError + 'static)) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        for outer in &texts {
            assert!(
                !outer.contains(&text),
                "{text:?} appears twice: in {outer:?} and as its source\n{error:?}"
            );
        }
        texts.push(text);
        current = e.source();
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::{BlockedTask, Question, QuestionError};

    fn thumbprint() -> Thumbprint {
        ["AB"; 32].join(":").parse().unwrap()
    }

    /// One error of every shape that wraps a cause, and what a command line prints for it.
    fn representative() -> Vec<(Error, &'static str)> {
        let parse_error = url::Url::parse("https://").unwrap_err();
        vec![
            (
                Error::Decode {
                    method: "RetrievePropertiesEx",
                    source: DecodeError::new("/Envelope/Body/objects[1]/val", "expected an integer"),
                },
                "cannot decode the response to RetrievePropertiesEx: /Envelope/Body/objects[1]/val: expected an integer",
            ),
            (
                Error::Transport(TransportError::Config {
                    detail: Some("invalid server URL \"https://\"".to_owned()),
                    source: Some(Box::new(parse_error)),
                }),
                "invalid connection settings: invalid server URL \"https://\": empty host",
            ),
            (
                Error::Transport(TransportError::Config {
                    detail: None,
                    source: Some(Box::new(crate::tls::TlsConfigError::NoRoots)),
                }),
                "invalid connection settings: no trusted root certificates: the system store is empty; give a CA file, a thumbprint, or (for tests only) no-verify",
            ),
            (
                Error::Transport(TransportError::Connect {
                    url: "https://esx.example/sdk".to_owned(),
                    source: Box::new(std::io::Error::new(
                        std::io::ErrorKind::ConnectionRefused,
                        "Connection refused (os error 111)",
                    )),
                }),
                "cannot talk to https://esx.example/sdk: Connection refused (os error 111)",
            ),
            (
                Error::Transport(TransportError::Tls {
                    host: "esx.example".to_owned(),
                    cause: Arc::new(rustls::Error::InvalidCertificate(
                        rustls::CertificateError::UnknownIssuer,
                    )),
                    presented: Some(thumbprint()),
                }),
                "TLS connection to esx.example failed: invalid peer certificate: UnknownIssuer; the server presented a certificate with SHA-256 thumbprint AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB: if you trust it, pin that thumbprint",
            ),
            (
                Error::Transport(TransportError::Io {
                    context: "cannot read disk.vmdk".to_owned(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "No such file"),
                }),
                "cannot read disk.vmdk: No such file",
            ),
            (
                Error::from_method(
                    "PowerOnVM_Task",
                    MethodError::Fault(SoapFault {
                        fault_code: "ServerFaultCode".to_owned(),
                        fault_string: "The attempted operation cannot be performed".to_owned(),
                        detail: None,
                    }),
                ),
                "PowerOnVM_Task failed: ServerFault - The attempted operation cannot be performed",
            ),
            (
                Error::Question(Box::new(QuestionError {
                    question: Question {
                        vm_name: "vm1".to_owned(),
                        id: "1".to_owned(),
                        text: "Did you move it?".to_owned(),
                        choices: Vec::new(),
                        default_index: None,
                    },
                    no_default_answer: true,
                    task: BlockedTask::NotStarted,
                })),
                "",
            ),
        ]
    }

    #[test]
    fn no_error_prints_a_cause_it_also_returns_as_source() {
        for (error, _) in representative() {
            assert_each_text_once(&error);
        }
    }

    #[test]
    fn the_report_shows_every_cause_once_in_order() {
        for (error, expected) in representative() {
            if !expected.is_empty() {
                assert_eq!(error.report().to_string(), expected, "{error:?}");
            }
        }
    }

    #[test]
    fn causes_stay_typed() {
        let (error, _) = representative().swap_remove(3);
        let io = error
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .expect("the I/O error is the source");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn the_report_skips_a_cause_its_outer_error_already_repeats() {
        #[derive(Debug, thiserror::Error)]
        #[error("request failed: connection reset")]
        struct Repeating(#[source] std::io::Error);
        let error = Repeating(std::io::Error::other("connection reset"));
        assert_eq!(
            Report(&error).to_string(),
            "request failed: connection reset"
        );
    }
}
