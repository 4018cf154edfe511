//! The driver's errors, worded as libvirt words them (`Domain not found: no domain with matching
//! name 'x'`, `Requested operation is not valid: domain is not running`), so that scripts and
//! users moving over from virsh recognise them.
//!
//! As in `esx_vi`, an error either prints its cause or returns it from `source()`, never both:
//! [`Error::report`] joins the chain into the one line `esx-virsh` prints after `error: `.

use std::fmt;

use crate::auth::AuthError;
use crate::domain::{DomainXmlError, Uuid};
use crate::uri::UriError;

pub use esx_vi::Report;

/// Everything a driver call can fail with. [`Error::report`] is what `esx-virsh` prints after
/// `error: `; no variant carries a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection URI was refused.
    #[error(transparent)]
    Uri(#[from] UriError),
    /// No credentials could be found.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The server refused the user name or password.
    #[error(
        "authentication failed: cannot log in to {host} as '{user}': wrong user name or password"
    )]
    AuthFailed {
        /// The server, as the URI names it.
        host: String,
        /// The user name that was refused.
        user: String,
    },
    /// The URI names a kind of server the other end is not (esx:// to a vCenter...).
    #[error("{0}")]
    WrongServer(String),
    /// No domain matches (`no domain with matching name 'x'`).
    #[error("Domain not found: no domain with matching {key}{}", match vanished {
        None => String::new(),
        Some(Vanished::Removed) => " (it was removed)".to_owned(),
        Some(Vanished::MovedAway { host }) => format!(" on host '{host}' (it runs on another host now)"),
    })]
    NoDomain {
        /// What was looked for.
        key: DomainKey,
        /// Why a domain found earlier is no longer there; `None` when it never was.
        vanished: Option<Vanished>,
    },
    /// No snapshot matches: none has this name (libvirt's ESX driver's words), or (without a
    /// name) the domain has no current snapshot.
    #[error("Domain snapshot not found: {}", match name {
        Some(name) => format!("Could not find snapshot with name '{name}'"),
        None => "Domain has no current snapshot".to_owned(),
    })]
    NoSnapshot {
        /// The domain's name.
        domain: String,
        /// The snapshot name looked for; `None` for the current snapshot.
        name: Option<String>,
    },
    /// No network matches (`Could not find HostVirtualSwitch with name 'x'`).
    #[error("Network not found: {0}")]
    NoNetwork(String),
    /// No physical NIC matches.
    #[error("Interface not found: {0}")]
    NoInterface(String),
    /// No storage pool matches (`Could not find storage pool with name 'x'`).
    #[error("Storage pool not found: {0}")]
    NoStoragePool(String),
    /// No storage volume matches.
    #[error("Storage volume not found: {0}")]
    NoStorageVol(String),
    /// Network XML that does not parse or that ESX cannot do.
    #[error(transparent)]
    NetworkXml(#[from] crate::network::NetworkXmlError),
    /// The domain's state does not allow the operation.
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// An argument is out of range or malformed.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// The server or the driver cannot do this.
    #[error("this function is not supported by the connection driver: {0}")]
    NoSupport(String),
    /// The operation was tried and failed; the message says what failed.
    #[error("operation failed: {0}")]
    OperationFailed(String),
    /// Something the server answered made no sense.
    #[error("internal error: {0}")]
    Internal(String),
    /// The domain XML given cannot be read.
    #[error("XML error")]
    Xml(#[from] DomainXmlError),
    /// The VMX file could not be converted.
    #[error(transparent)]
    Vmx(#[from] crate::vmx::Error),
    /// A task or call on the server failed: `Could not start domain` caused by
    /// `<FaultType> - <message>`.
    #[error("internal error: {action}")]
    Server {
        /// What the driver was doing (`Could not start domain`).
        action: String,
        /// The client's error.
        source: esx_vi::Error,
    },
    /// A VM question blocks the operation (quoted, with its answers).
    #[error(transparent)]
    Question(esx_vi::Error),
    /// The client failed below any operation (connection, TLS, session).
    #[error(transparent)]
    Vi(esx_vi::Error),
}

impl From<esx_vi::Error> for Error {
    fn from(error: esx_vi::Error) -> Self {
        match error {
            e @ esx_vi::Error::Question(_) => Error::Question(e),
            e => Error::Vi(e),
        }
    }
}

impl Error {
    /// Wraps a client error with what the driver was doing, keeping VM questions and
    /// connection-level failures as they are.
    pub(crate) fn server(action: impl Into<String>) -> impl FnOnce(esx_vi::Error) -> Error {
        let action = action.into();
        move |source| match source {
            e @ esx_vi::Error::Question(_) => Error::Question(e),
            e @ esx_vi::Error::Transport(_) => Error::Vi(e),
            source => Error::Server { action, source },
        }
    }

    /// This error and its causes as one line, `outer: inner`: what `esx-virsh` prints after
    /// `error: `.
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }

    /// The MethodFault type of the server error behind this one, if any.
    pub fn fault_type(&self) -> Option<&str> {
        match self {
            Error::Server { source, .. } | Error::Vi(source) | Error::Question(source) => {
                source.fault_type()
            }
            _ => None,
        }
    }
}

/// What a domain lookup looked for, worded as libvirt words it (`name 'web'`, `uuid '...'`,
/// `id 3`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainKey {
    /// The domain's name.
    Name(String),
    /// The domain's UUID.
    Uuid(Uuid),
    /// The active domain's id.
    Id(i32),
}

/// Why a domain that was found earlier is no longer the connection's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vanished {
    /// It was removed from the server.
    Removed,
    /// It moved to another host (vMotion), outside the connection's host `host`.
    MovedAway {
        /// The connection's host, which the domain has left.
        host: String,
    },
}

impl fmt::Display for DomainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainKey::Name(name) => write!(f, "name '{name}'"),
            DomainKey::Uuid(uuid) => write!(f, "uuid '{uuid}'"),
            DomainKey::Id(id) => write!(f, "id {id}"),
        }
    }
}

/// `Result` with the driver's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::path::PathBuf;

    use esx_vi::error::DecodeError;

    use super::*;
    use crate::auth::AuthFileOrigin;

    /// The texts of `error`'s `source()` chain, outermost first, failing when one of them
    /// repeats the text of its cause.
    fn chain_texts(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
        let mut texts: Vec<String> = Vec::new();
        let mut current = Some(error);
        while let Some(e) = current {
            let text = e.to_string();
            for outer in &texts {
                assert!(
                    !outer.contains(&text),
                    "{text:?} appears twice in {error:?}"
                );
            }
            texts.push(text);
            current = e.source();
        }
        texts
    }

    fn task_failed() -> esx_vi::Error {
        esx_vi::Error::TaskFailed {
            task: "PowerOnVM_Task".to_owned(),
            fault_type: "InvalidPowerState".to_owned(),
            message: "The attempted operation cannot be performed in the current state".to_owned(),
            fault: None,
        }
    }

    fn connect_failed() -> esx_vi::Error {
        esx_vi::Error::Transport(esx_vi::TransportError::Connect {
            url: "https://esx.example/sdk".to_owned(),
            source: Box::new(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "Connection refused (os error 111)",
            )),
        })
    }

    /// One driver error of every shape that wraps a cause, and the line `esx-virsh` prints.
    fn representative() -> Vec<(Error, &'static str, usize)> {
        vec![
            (
                Error::server("Could not start domain")(task_failed()),
                "internal error: Could not start domain: InvalidPowerState - The attempted operation cannot be performed in the current state",
                2,
            ),
            (
                Error::server("Could not define domain")(esx_vi::Error::Decode {
                    method: "RegisterVM_Task",
                    source: DecodeError::new("/Envelope/Body/returnval", "expected a reference"),
                }),
                "internal error: Could not define domain: cannot decode the response to RegisterVM_Task: /Envelope/Body/returnval: expected a reference",
                3,
            ),
            (
                Error::server("Could not start domain")(connect_failed()),
                "cannot talk to https://esx.example/sdk: Connection refused (os error 111)",
                2,
            ),
            (
                Error::Xml(DomainXmlError {
                    location: "/domain/memory".to_owned(),
                    message: "expected a number".to_owned(),
                }),
                "XML error: invalid domain XML at /domain/memory: expected a number",
                2,
            ),
            (
                Error::Auth(AuthError::Read {
                    path: PathBuf::from("auth.conf"),
                    origin: Some(AuthFileOrigin::Environment),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "No such file"),
                }),
                "Cannot read auth file 'auth.conf' (named by $LIBVIRT_AUTH_FILE): No such file",
                2,
            ),
            (
                Error::Auth(AuthError::Prompt(std::io::Error::other("not a terminal"))),
                "Cannot read the password from the terminal: not a terminal",
                2,
            ),
            (
                Error::NoDomain {
                    key: DomainKey::Uuid(Uuid([0xab; 16])),
                    vanished: None,
                },
                "Domain not found: no domain with matching uuid 'abababab-abab-abab-abab-abababababab'",
                1,
            ),
            (
                Error::NoDomain {
                    key: DomainKey::Name("web".to_owned()),
                    vanished: Some(Vanished::Removed),
                },
                "Domain not found: no domain with matching name 'web' (it was removed)",
                1,
            ),
            (
                Error::NoSnapshot {
                    domain: "web".to_owned(),
                    name: None,
                },
                "Domain snapshot not found: Domain has no current snapshot",
                1,
            ),
            (
                Error::AuthFailed {
                    host: "esx.example".to_owned(),
                    user: "root".to_owned(),
                },
                "authentication failed: cannot log in to esx.example as 'root': wrong user name or password",
                1,
            ),
        ]
    }

    #[test]
    fn no_error_prints_a_cause_it_also_returns_as_source() {
        for (error, _, depth) in representative() {
            assert_eq!(chain_texts(&error).len(), depth, "{error:?}");
        }
    }

    #[test]
    fn the_report_is_the_line_esx_virsh_prints() {
        for (error, expected, _) in representative() {
            assert_eq!(error.report().to_string(), expected, "{error:?}");
        }
    }

    #[test]
    fn the_server_error_behind_a_driver_error_stays_typed() {
        let error = Error::server("Could not start domain")(task_failed());
        assert_eq!(error.fault_type(), Some("InvalidPowerState"));
        let source = error
            .source()
            .and_then(|s| s.downcast_ref::<esx_vi::Error>());
        assert!(
            matches!(source, Some(esx_vi::Error::TaskFailed { task, .. }) if task == "PowerOnVM_Task"),
            "{error:?}"
        );
    }
}
