//! The driver's errors, worded as libvirt words them (`Domain not found: no domain with matching
//! name 'x'`, `Requested operation is not valid: domain is not running`), so that scripts and
//! users moving over from virsh recognise them.

use crate::auth::AuthError;
use crate::domain::DomainXmlError;
use crate::uri::UriError;

/// Everything a driver call can fail with. The `Display` text is what `esx-virsh` prints after
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
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// The URI names a kind of server the other end is not (esx:// to a vCenter...).
    #[error("{0}")]
    WrongServer(String),
    /// No domain matches (`no domain with matching name 'x'`).
    #[error("Domain not found: {0}")]
    NoDomain(String),
    /// No network matches (`Could not find HostVirtualSwitch with name 'x'`).
    #[error("Network not found: {0}")]
    NoNetwork(String),
    /// No physical NIC matches.
    #[error("Interface not found: {0}")]
    NoInterface(String),
    /// Network XML that does not parse or that ESX cannot do.
    #[error(transparent)]
    NetworkXml(#[from] crate::network::NetworkXmlError),
    /// No snapshot matches.
    #[error("Domain snapshot not found: {0}")]
    NoSnapshot(String),
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
    #[error("XML error: {0}")]
    Xml(#[from] DomainXmlError),
    /// The VMX file could not be converted.
    #[error(transparent)]
    Vmx(#[from] crate::vmx::Error),
    /// A task or call on the server failed: `Could not start domain: <FaultType> - <message>`.
    #[error("internal error: {action}: {source}")]
    Server {
        /// What the driver was doing (`Could not start domain`).
        action: String,
        /// The client's error.
        source: esx_vi::Error,
    },
    /// A VM question blocks the operation (quoted, with its answers).
    #[error("{0}")]
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

/// `Result` with the driver's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
