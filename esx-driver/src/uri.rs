//! Connection URIs (`esx://`, `gsx://`, `vpx://`) as libvirt's ESX driver reads them.
//!
//! ```text
//! esx://[user@]host[:port]/[?params]
//! gsx://[user@]host[:port]/[?params]
//! vpx://[user@]vcenter[:port]/[folder/...]datacenter/[folder/...]computeresource[/host][?params]
//! vpxmigr://vcenter/resourcepool-id/hostsystem-id      (migration destination, see MigrationUri)
//! ```
//!
//! [`ConnectUri::parse`] accepts what libvirt's `esxConnectOpen` and `esxUtil_ParseUri` accept, with
//! libvirt's error texts where libvirt has one (`Query parameter 'transport' has unexpected value
//! 'x' (should be http|https)`), and returns what libvirt only logs (an unknown parameter, a path
//! on an `esx://` URI) as [`UriWarning`]s for the caller to print.
//!
//! Query parameters (names are case-insensitive; the last of a repeated parameter wins):
//!
//! | name          | values                               | default |
//! |---------------|--------------------------------------|---------|
//! | `transport`   | `http` or `https`                    | `https`; port 443/80 (esx, vpx), 8333/8222 (gsx) |
//! | `vcenter`     | a host name, an IP address, or `*`   | none; esx:// only (`*`: the vCenter the host reports) |
//! | `no_verify`   | `0` or `1`                           | `0` |
//! | `auto_answer` | `0` or `1`                           | `0` |
//! | `proxy`       | `[http\|socks\|socks4\|socks4a\|socks5://]host[:port]` | none; port 1080 |
//! | `thumbprint`  | SHA-256 fingerprint `AA:BB:...` (32 bytes) | none (an extension: pins the server certificate) |
//! | `cacert`      | path of a PEM file of CA certificates | none (libvirt 11.5) |
//! | `authfile`    | path of an `auth.conf`                | none (libvirt's generic URI parameter) |
//!
//! Where this module deliberately differs from libvirt:
//! - an IPv6 literal keeps working past the URI (libvirt builds `https://::1:443/sdk`); a proxy
//!   may be an IPv6 literal in brackets;
//! - the user part is split at the *last* `@`, so `vpx://administrator@vsphere.local@vc/...` works
//!   as well as the `%40`-escaped form; `user:password@` is accepted with a warning (libvirt would
//!   log in as `user:password`);
//! - an invalid percent-escape, an empty user name, port 0 or a `vcenter`/`proxy` value that is no
//!   host name are errors here, where libvirt fails later with a less precise message;
//! - `vpx://` paths are checked for the datacenter and compute resource at parse time (libvirt
//!   checks at connect time, with the same message); whether the last item must name a host
//!   needs the inventory: see [`InventoryPath::host_system`];
//! - `vcenter` on a gsx:// or vpx:// URI is ignored with a warning (libvirt tries it for gsx);
//!   a repeated parameter, a `#fragment` and conflicting certificate parameters are warnings too;
//! - a proxy with credentials (`user:pass@proxy`) is refused without echoing it (libvirt would
//!   take `user` for the host name);
//! - all four proxy types are accepted: the client's HTTP stack (reqwest with its `socks` feature)
//!   speaks HTTP CONNECT, SOCKS4, SOCKS4a and SOCKS5 (`socks`/`socks5` resolve names locally, as
//!   libcurl's SOCKS5 does in libvirt; `socks4a` lets the proxy resolve them).

mod params;
mod syntax;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use esx_vi::tls::ThumbprintParseError;
/// A SHA-256 certificate fingerprint (`thumbprint=`): the client's type, which pins it as it is.
pub use esx_vi::Thumbprint;

use esx_vi::Secret;
use params::QueryParams;
use syntax::{
    host_for_url, percent_decode, percent_encode, Authority, RawUri, PATH_SAFE, QUERY_SAFE,
    USER_SAFE,
};

/// Which kind of server a URI connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// An ESX/ESXi host (`esx://`).
    Esx,
    /// A VMware GSX / Server 2.0 host (`gsx://`).
    Gsx,
    /// A vCenter server, with the path selecting one host (`vpx://`).
    Vpx,
}

impl Scheme {
    /// The scheme as written in URIs (`esx`, `gsx`, `vpx`); also the `auth.conf` service name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Esx => "esx",
            Scheme::Gsx => "gsx",
            Scheme::Vpx => "vpx",
        }
    }

    /// The user libvirt logs in as when neither the URI nor `auth.conf` names one.
    pub fn default_user(self) -> &'static str {
        match self {
            Scheme::Esx | Scheme::Gsx => "root",
            Scheme::Vpx => "administrator",
        }
    }

    /// The port used when the URI gives none.
    pub fn default_port(self, transport: Transport) -> u16 {
        match (self, transport) {
            (Scheme::Gsx, Transport::Https) => 8333,
            (Scheme::Gsx, Transport::Http) => 8222,
            (_, Transport::Https) => 443,
            (_, Transport::Http) => 80,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP or HTTPS to the SDK endpoint (`transport=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// Plain HTTP (`transport=http`).
    Http,
    /// HTTPS, the default.
    #[default]
    Https,
}

impl Transport {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Https => "https",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `vcenter=` parameter of an `esx://` URI: the vCenter that manages the host (needed for
/// migration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VCenter {
    /// `vcenter=<host>`: this vCenter (host name or IP address, without brackets). The driver
    /// checks after login that it is the one the host reports.
    Host(String),
    /// `vcenter=*`: whatever vCenter the host reports as its manager (`summary.managementServerIp`);
    /// an error at connect time if it reports none.
    Managing,
}

/// The protocol spoken to a proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProxyKind {
    /// An HTTP proxy (CONNECT for HTTPS), the default.
    Http,
    /// SOCKS5, names resolved locally (`socks://` and `socks5://`).
    Socks5,
    /// SOCKS4, names resolved locally.
    Socks4,
    /// SOCKS4a, names resolved by the proxy.
    Socks4a,
}

impl ProxyKind {
    /// The URL scheme of this proxy kind, as HTTP clients (reqwest, curl) spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks4 => "socks4",
            ProxyKind::Socks4a => "socks4a",
        }
    }
}

/// The `proxy=` parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// The protocol.
    pub kind: ProxyKind,
    /// Host name or IP address (without brackets).
    pub host: String,
    /// Port, 1080 unless given.
    pub port: u16,
}

impl Proxy {
    /// The proxy as a URL for the HTTP client, e.g. `socks5://proxy.example.com:1080`.
    pub fn url(&self) -> String {
        format!(
            "{}://{}:{}",
            self.kind.as_str(),
            host_for_url(&self.host),
            self.port
        )
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// Reads a `thumbprint=` value: a SHA-256 fingerprint `AA:BB:...` (32 pairs, the way
/// `openssl x509 -noout -fingerprint -sha256` prints it), in upper or lower case hex, separated by
/// `:` or `-` or not at all. The type is the client's; the error texts are the URI's own.
fn parse_thumbprint(text: &str) -> Result<Thumbprint, UriError> {
    const EXPECTED: &str = "a SHA-256 fingerprint: 32 hex pairs like AA:BB:...:FF";
    const NOT_SHA1: &str =
        "a SHA-256 fingerprint, not a 20-byte SHA-1 one: 32 hex pairs like AA:BB:...:FF";
    let invalid = |expected: &'static str| UriError::InvalidParameter {
        name: "thumbprint".into(),
        value: text.into(),
        expected,
    };
    // The client's parser also skips blanks, which a URI parameter has never accepted.
    if text.chars().any(char::is_whitespace) {
        return Err(invalid(EXPECTED));
    }
    text.parse().map_err(|error| match error {
        // Exactly 40 hex digits: the client also rounds an odd 41 down to 20 bytes.
        ThumbprintParseError::WrongLength(20)
            if text.chars().filter(char::is_ascii_hexdigit).count() == 40 =>
        {
            invalid(NOT_SHA1)
        }
        ThumbprintParseError::WrongLength(_) | ThumbprintParseError::InvalidCharacter(_) => {
            invalid(EXPECTED)
        }
    })
}

/// How the server certificate is to be checked, from `no_verify`, `thumbprint` and `cacert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Verify chain and host name against the system's trusted roots (the default).
    SystemRoots,
    /// Verify against the CA certificates of this PEM file as well (`cacert=`).
    CaFile(PathBuf),
    /// Accept exactly the certificate with this SHA-256 fingerprint (`thumbprint=`).
    Pinned(Thumbprint),
    /// Accept any certificate (`no_verify=1`).
    NoVerify,
}

/// The path of a `vpx://` URI: the inventory items, leading to one host of the vCenter.
///
/// The driver resolves it after login, as libvirt's `esxVI_Context_LookupManagedObjectsByPath`
/// does: from the root folder, each item is a folder (descend) or the datacenter; then, from the
/// datacenter's host folder, each item is a folder or the compute resource; then
/// [`InventoryPath::host_system`] applies the rule that a cluster needs the host's name as the
/// next and last item, and a standalone host must not have one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryPath {
    /// The non-empty `/`-separated items (empty ones are skipped, as libvirt's `strtok` does),
    /// each percent-decoded: `%2F` is a `/` inside a name. vSphere itself reports a `/` in an
    /// inventory name as `%2f` (and `%` as `%25`), so the resolver unescapes the names it reads
    /// before comparing them with these items.
    pub items: Vec<String>,
}

impl InventoryPath {
    /// The host system's name, once the resolver has found the compute resource at
    /// `items[compute_resource_index]` (a cluster if `is_cluster`).
    pub fn host_system(
        &self,
        compute_resource_index: usize,
        is_cluster: bool,
    ) -> Result<&str, UriError> {
        let Some(compute_resource) = self.items.get(compute_resource_index) else {
            return Err(UriError::PathWithoutComputeResource(self.to_string()));
        };
        match (&self.items[compute_resource_index + 1..], is_cluster) {
            ([], false) => Ok(compute_resource),
            ([host], true) => Ok(host),
            ([], true) => Err(UriError::PathWithoutHostSystem(self.to_string())),
            (_, _) => Err(UriError::PathExcessItem(self.to_string())),
        }
    }
}

impl fmt::Display for InventoryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            write!(f, "/{}", percent_encode(item, PATH_SAFE))?;
        }
        Ok(())
    }
}

/// Something in a URI that is ignored or risky, but not wrong enough to refuse the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UriWarning {
    /// A query parameter this driver does not know.
    UnknownParameter(String),
    /// A `=value` without a name.
    NamelessParameter(String),
    /// A parameter given more than once: the last value is used.
    RepeatedParameter {
        /// The parameter's name, lower case.
        name: String,
        /// The value used.
        value: String,
    },
    /// A path on an `esx://` or `gsx://` URI.
    IgnoredPath {
        /// The scheme.
        scheme: Scheme,
        /// The path as written.
        path: String,
    },
    /// `vcenter=` on a URI other than `esx://`.
    IgnoredVCenter(Scheme),
    /// A `#fragment`.
    IgnoredFragment(String),
    /// A password in the URI's user part.
    PasswordInUri,
    /// `no_verify=1` together with `thumbprint=`: the pin wins.
    NoVerifyWithThumbprint,
    /// `cacert=` together with `thumbprint=` or `no_verify=1`, which win.
    IgnoredCaFile(&'static str),
    /// A certificate parameter with `transport=http`.
    TlsParameterWithHttp(&'static str),
}

impl fmt::Display for UriWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriWarning::UnknownParameter(name) => {
                write!(f, "Ignoring unexpected query parameter '{name}'")
            }
            UriWarning::NamelessParameter(text) => {
                write!(f, "Ignoring query parameter without a name '{text}'")
            }
            UriWarning::RepeatedParameter { name, value } => write!(
                f,
                "Query parameter '{name}' is given more than once; using the last value '{value}'"
            ),
            UriWarning::IgnoredPath { scheme, path } => write!(
                f,
                "Ignoring unexpected path '{path}' for non-vpx scheme '{scheme}'"
            ),
            UriWarning::IgnoredVCenter(scheme) => write!(
                f,
                "Ignoring query parameter 'vcenter' for a {scheme}:// URI (only esx:// connections use it)"
            ),
            UriWarning::IgnoredFragment(fragment) => {
                write!(f, "Ignoring URI fragment '#{fragment}'")
            }
            UriWarning::PasswordInUri => f.write_str(
                "The URI contains a password, which other users can see in process listings and \
                 shell history; put it in auth.conf or ESX_PASSWORD instead",
            ),
            UriWarning::NoVerifyWithThumbprint => f.write_str(
                "Query parameter 'no_verify=1' is ignored: 'thumbprint' pins the server certificate",
            ),
            UriWarning::IgnoredCaFile(by) => {
                write!(f, "Query parameter 'cacert' is ignored: '{by}' decides the certificate check")
            }
            UriWarning::TlsParameterWithHttp(name) => write!(
                f,
                "Query parameter '{name}' has no effect with transport=http"
            ),
        }
    }
}

/// Why a URI was refused. The messages are libvirt's where libvirt has one; none of them contains
/// the URI's password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Nothing to parse.
    #[error("URI is empty (expected esx://host/, gsx://host/ or vpx://vcenter/datacenter/computeresource)")]
    Empty,
    /// No `scheme:` at the start.
    #[error("URI has no scheme (expected esx://, gsx:// or vpx://)")]
    NoScheme,
    /// A scheme other than esx, gsx, vpx.
    #[error("URI scheme '{0}' is not supported (expected esx://, gsx:// or vpx://)")]
    UnsupportedScheme(String),
    /// `esx+ssh://` and the like.
    #[error(
        "Transport '{0}' in URI scheme is not supported, try again without the transport part"
    )]
    TransportInScheme(String),
    /// No host.
    #[error("URI is missing the server part")]
    MissingServer,
    /// A port that is a number, but not in 1..65535.
    #[error("URI has unexpected port value '{0}' (should be [1..65535])")]
    InvalidPort(String),
    /// A port that is not a number at all. It is not shown: in `user:password@host` with the
    /// `@` forgotten, it is the password.
    #[error("URI has a port that is not a number (should be [1..65535]); if the part before the host is 'user:password', the '@' after it is missing")]
    PortNotANumber,
    /// A host part that is no host name or IP address.
    #[error("URI has an invalid server part '{server}': {reason}")]
    InvalidServer {
        /// The host part as written.
        server: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `user@` with nothing before the `@`.
    #[error("URI has an empty user name before '@'")]
    EmptyUser,
    /// A `%` not followed by two hex digits (the escape is not shown for the password).
    #[error("URI has an invalid percent-escape{escape} in the {part} (a '%' must be followed by two hex digits)", escape = if escape.is_empty() { String::new() } else { format!(" '{escape}'") })]
    InvalidEscape {
        /// Which part of the URI: user name, password, server part, path, query parameter.
        part: &'static str,
        /// The bad escape, or empty for the password.
        escape: String,
    },
    /// Percent-escapes that decode to bytes which are not UTF-8.
    #[error("URI has a {part} that is not UTF-8 once percent-decoded")]
    NotUtf8 {
        /// Which part of the URI.
        part: &'static str,
    },
    /// A control character (tab, newline, NUL, escape...), written as it is or percent-escaped
    /// (`%0A`). It would reach the terminal in messages or the server in requests, so it is
    /// refused wherever it is; the message names the part but never shows the character.
    #[error("URI contains a control character in the {part}: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped")]
    ControlCharacter {
        /// Where: `text as written`, `user name`, `password`, `server part`, `path`,
        /// `value of query parameter 'transport'`...
        part: String,
    },
    /// A known parameter with a value it cannot take.
    #[error("Query parameter '{name}' has unexpected value '{value}' (should be {expected})")]
    InvalidParameter {
        /// The parameter's name, lower case.
        name: String,
        /// The value as given.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// `proxy=ftp://...`.
    #[error(
        "Query parameter 'proxy' contains unexpected type '{0}' (should be (http|socks(|4|4a|5))"
    )]
    ProxyType(String),
    /// `proxy=:3128` or an empty proxy.
    #[error("Query parameter 'proxy' doesn't contain a hostname")]
    ProxyWithoutHost,
    /// A proxy port that is no number in 1..65535.
    #[error("Query parameter 'proxy' has unexpected port value '{0}' (should be [1..65535])")]
    ProxyPort(String),
    /// `proxy=http://user:secret@host` (not echoed: it holds a password).
    #[error("Query parameter 'proxy' contains credentials ('user@'), which are not supported; use a proxy that needs none")]
    ProxyCredentials,
    /// A `vpx://` URI without a path.
    #[error("Path has to specify the datacenter and compute resource")]
    PathMissing,
    /// A `vpx://` path of a single item.
    #[error("Path '{0}' does not specify a compute resource")]
    PathWithoutComputeResource(String),
    /// A `vpx://` path that ends at a cluster.
    #[error("Path '{0}' does not specify a host system")]
    PathWithoutHostSystem(String),
    /// A `vpx://` path with items after the host (or after a standalone host's compute resource).
    #[error("Path '{0}' ends with an excess item")]
    PathExcessItem(String),
    /// A migration URI of another scheme.
    #[error("Only vpxmigr:// migration URIs are supported")]
    NotMigrationUri,
    /// A migration URI without both managed object ids.
    #[error("Migration URI has to specify resource pool and host system")]
    MigrationPath,
    /// A migration URI naming another vCenter than the source's.
    #[error("Migration source and destination have to refer to the same vCenter")]
    MigrationVCenterMismatch,
}

/// A parsed `esx://`, `gsx://` or `vpx://` connection URI.
///
/// `Display` prints it back canonically: lower-case scheme, no password, the port only if one
/// was given, the path items of a `vpx://` URI (`/` for the others), and only the parameters
/// that differ from their defaults, in a fixed order. Parsing that text gives the same value
/// (without the warnings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectUri {
    /// esx, gsx or vpx.
    pub scheme: Scheme,
    /// The user name from the URI, percent-decoded (`None`: from `auth.conf`, else the default).
    pub user: Option<String>,
    /// A password from the URI (`user:password@`), discouraged: see [`UriWarning::PasswordInUri`].
    pub password: Option<Secret>,
    /// Host name or IP address, percent-decoded, without IPv6 brackets. This is the name looked
    /// up in `auth.conf`.
    pub host: String,
    /// The port as given; see [`ConnectUri::port`] for the one used.
    pub port: Option<u16>,
    /// The inventory path of a `vpx://` URI (always `Some` for vpx, `None` for esx and gsx).
    pub path: Option<InventoryPath>,
    /// `transport=`.
    pub transport: Transport,
    /// `vcenter=` (esx:// only).
    pub vcenter: Option<VCenter>,
    /// `no_verify=1`.
    pub no_verify: bool,
    /// `auto_answer=1`: answer VM questions that block a task with their default answer.
    pub auto_answer: bool,
    /// `proxy=`.
    pub proxy: Option<Proxy>,
    /// `thumbprint=`.
    pub thumbprint: Option<Thumbprint>,
    /// `cacert=`.
    pub ca_file: Option<PathBuf>,
    /// `authfile=`: the `auth.conf` to use (after `$LIBVIRT_AUTH_FILE`).
    pub auth_file: Option<PathBuf>,
    /// What was ignored or is risky, for the caller to print (`warning: ...`).
    pub warnings: Vec<UriWarning>,
}

impl ConnectUri {
    /// Parses a connection URI.
    pub fn parse(text: &str) -> Result<ConnectUri, UriError> {
        let raw = RawUri::split(text)?;
        let scheme = match raw.scheme.to_ascii_lowercase().as_str() {
            "esx" => Scheme::Esx,
            "gsx" => Scheme::Gsx,
            "vpx" => Scheme::Vpx,
            other => {
                return Err(match other.split_once('+') {
                    Some(("esx" | "gsx" | "vpx", transport)) => {
                        UriError::TransportInScheme(transport.to_owned())
                    }
                    _ => UriError::UnsupportedScheme(raw.scheme.to_owned()),
                })
            }
        };
        let authority = raw.authority.ok_or(UriError::MissingServer)?;
        let authority = Authority::parse(authority)?;
        let mut warnings = Vec::new();
        if authority.password.is_some() {
            warnings.push(UriWarning::PasswordInUri);
        }

        let path = match scheme {
            Scheme::Vpx => Some(parse_inventory_path(raw.path)?),
            Scheme::Esx | Scheme::Gsx => {
                if !raw.path.is_empty() && raw.path != "/" {
                    warnings.push(UriWarning::IgnoredPath {
                        scheme,
                        path: raw.path.to_owned(),
                    });
                }
                None
            }
        };

        let params = QueryParams::parse(raw.query.unwrap_or(""), &mut warnings)?;
        if let Some(fragment) = raw.fragment {
            warnings.push(UriWarning::IgnoredFragment(fragment.to_owned()));
        }

        let vcenter = match (scheme, params.vcenter) {
            (Scheme::Esx, vcenter) => vcenter,
            (_, Some(_)) => {
                warnings.push(UriWarning::IgnoredVCenter(scheme));
                None
            }
            (_, None) => None,
        };
        if params.thumbprint.is_some() && params.no_verify {
            warnings.push(UriWarning::NoVerifyWithThumbprint);
        }
        if params.ca_file.is_some() {
            if params.thumbprint.is_some() {
                warnings.push(UriWarning::IgnoredCaFile("thumbprint"));
            } else if params.no_verify {
                warnings.push(UriWarning::IgnoredCaFile("no_verify"));
            }
        }
        if params.transport == Transport::Http {
            for (name, given) in [
                ("no_verify", params.no_verify),
                ("thumbprint", params.thumbprint.is_some()),
                ("cacert", params.ca_file.is_some()),
            ] {
                if given {
                    warnings.push(UriWarning::TlsParameterWithHttp(name));
                }
            }
        }

        Ok(ConnectUri {
            scheme,
            user: authority.user,
            password: authority.password,
            host: authority.host,
            port: authority.port,
            path,
            transport: params.transport,
            vcenter,
            no_verify: params.no_verify,
            auto_answer: params.auto_answer,
            proxy: params.proxy,
            thumbprint: params.thumbprint,
            ca_file: params.ca_file,
            auth_file: params.auth_file,
            warnings,
        })
    }

    /// The port to connect to: the URI's, else the scheme's default for the transport.
    pub fn port(&self) -> u16 {
        self.port
            .unwrap_or_else(|| self.scheme.default_port(self.transport))
    }

    /// The SOAP endpoint, e.g. `https://esx1.example.com:443/sdk` or `https://[fe80::1]:443/sdk`.
    pub fn sdk_url(&self) -> String {
        self.sdk_url_of(&self.host)
    }

    /// The SOAP endpoint of the vCenter of an `esx://...?vcenter=` URI, once its address is known
    /// (the `vcenter=` host, or the address the host reports for `*`). As in libvirt, it uses this
    /// URI's transport and port.
    pub fn vcenter_sdk_url(&self, vcenter_host: &str) -> String {
        self.sdk_url_of(vcenter_host)
    }

    fn sdk_url_of(&self, host: &str) -> String {
        format!(
            "{}://{}:{}/sdk",
            self.transport,
            host_for_url(host),
            self.port()
        )
    }

    /// How to check the server certificate. `thumbprint` wins over `no_verify`, which wins over
    /// `cacert` (each conflict is also a warning).
    pub fn tls_policy(&self) -> TlsPolicy {
        if let Some(thumbprint) = self.thumbprint {
            TlsPolicy::Pinned(thumbprint)
        } else if self.no_verify {
            TlsPolicy::NoVerify
        } else if let Some(ca_file) = &self.ca_file {
            TlsPolicy::CaFile(ca_file.clone())
        } else {
            TlsPolicy::SystemRoots
        }
    }
}

impl FromStr for ConnectUri {
    type Err = UriError;

    fn from_str(text: &str) -> Result<Self, UriError> {
        ConnectUri::parse(text)
    }
}

impl fmt::Display for ConnectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(user) = &self.user {
            write!(f, "{}@", percent_encode(user, USER_SAFE))?;
        }
        f.write_str(&host_for_url(&self.host))?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        match &self.path {
            Some(path) => write!(f, "{path}")?,
            None => f.write_str("/")?,
        }
        let mut params: Vec<(&str, String)> = Vec::new();
        if self.transport == Transport::Http {
            params.push(("transport", "http".into()));
        }
        match &self.vcenter {
            Some(VCenter::Host(host)) => params.push(("vcenter", host.clone())),
            Some(VCenter::Managing) => params.push(("vcenter", "*".into())),
            None => {}
        }
        if self.no_verify {
            params.push(("no_verify", "1".into()));
        }
        if self.auto_answer {
            params.push(("auto_answer", "1".into()));
        }
        if let Some(proxy) = &self.proxy {
            params.push(("proxy", proxy.url()));
        }
        if let Some(thumbprint) = &self.thumbprint {
            params.push(("thumbprint", thumbprint.to_string()));
        }
        if let Some(path) = &self.ca_file {
            params.push(("cacert", path.display().to_string()));
        }
        if let Some(path) = &self.auth_file {
            params.push(("authfile", path.display().to_string()));
        }
        for (i, (name, value)) in params.iter().enumerate() {
            let separator = if i == 0 { '?' } else { '&' };
            write!(f, "{separator}{name}={}", percent_encode(value, QUERY_SAFE))?;
        }
        Ok(())
    }
}

/// A `vpxmigr://` URI: where a migration goes, as libvirt's ESX driver writes and reads it
/// (`vpxmigr://<vCenter address>/<resource pool id>/<host system id>`, e.g.
/// `vpxmigr://10.0.0.5/resgroup-8/host-21`). The destination connection prints it; the source
/// connection, which must be connected to the same vCenter, migrates the domain to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationUri {
    /// The vCenter's address (IP address or host name, without brackets).
    pub vcenter: String,
    /// The managed object id of the destination resource pool (`resgroup-8`).
    pub resource_pool: String,
    /// The managed object id of the destination host (`host-21`).
    pub host_system: String,
}

impl MigrationUri {
    /// Parses a `vpxmigr://` URI.
    pub fn parse(text: &str) -> Result<MigrationUri, UriError> {
        let raw = match RawUri::split(text) {
            Ok(raw) if raw.scheme.eq_ignore_ascii_case("vpxmigr") => raw,
            Ok(_) | Err(UriError::NoScheme | UriError::Empty) => {
                return Err(UriError::NotMigrationUri)
            }
            Err(other) => return Err(other),
        };
        let authority = Authority::parse(raw.authority.ok_or(UriError::MissingServer)?)?;
        let path = raw.path.trim_start_matches('/');
        let (resource_pool, host_system) = path.split_once('/').unwrap_or((path, ""));
        let host_system = host_system.trim_matches('/');
        if resource_pool.is_empty() || host_system.is_empty() || host_system.contains('/') {
            return Err(UriError::MigrationPath);
        }
        Ok(MigrationUri {
            vcenter: authority.host,
            resource_pool: percent_decode(resource_pool, "path")?,
            host_system: percent_decode(host_system, "path")?,
        })
    }

    /// Checks that the migration goes through the vCenter the source is connected to
    /// (`vcenter_address`, compared without regard to case, as libvirt does).
    pub fn ensure_same_vcenter(&self, vcenter_address: &str) -> Result<(), UriError> {
        if self.vcenter.eq_ignore_ascii_case(vcenter_address) {
            Ok(())
        } else {
            Err(UriError::MigrationVCenterMismatch)
        }
    }
}

impl FromStr for MigrationUri {
    type Err = UriError;

    fn from_str(text: &str) -> Result<Self, UriError> {
        MigrationUri::parse(text)
    }
}

impl fmt::Display for MigrationUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vpxmigr://{}/{}/{}",
            host_for_url(&self.vcenter),
            percent_encode(&self.resource_pool, PATH_SAFE),
            percent_encode(&self.host_system, PATH_SAFE)
        )
    }
}

fn parse_inventory_path(raw: &str) -> Result<InventoryPath, UriError> {
    let items = raw
        .split('/')
        .filter(|item| !item.is_empty())
        .map(|item| percent_decode(item, "path"))
        .collect::<Result<Vec<_>, _>>()?;
    let path = InventoryPath { items };
    match path.items.len() {
        0 => Err(UriError::PathMissing),
        1 => Err(UriError::PathWithoutComputeResource(path.to_string())),
        _ => Ok(path),
    }
}
