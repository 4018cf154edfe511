//! The query parameters of a connection URI (`transport`, `vcenter`, `no_verify`, `auto_answer`,
//! `proxy`, `thumbprint`, `cacert`, `authfile`), read and checked the way libvirt reads them.

use std::collections::HashSet;
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::str::FromStr;

use super::syntax::{is_host_name_char, parse_port, percent_decode};
use super::{
    parse_thumbprint, Proxy, ProxyKind, Thumbprint, Transport, UriError, UriWarning, VCenter,
};

/// The known query parameters, validated.
#[derive(Default)]
pub(super) struct QueryParams {
    pub(super) transport: Transport,
    pub(super) vcenter: Option<VCenter>,
    pub(super) no_verify: bool,
    pub(super) auto_answer: bool,
    pub(super) proxy: Option<Proxy>,
    pub(super) thumbprint: Option<Thumbprint>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) auth_file: Option<PathBuf>,
}

impl QueryParams {
    /// Reads `name=value` pairs separated by `&` or `;`, as libvirt's `virURIParseParams` does
    /// (`name` alone means an empty value; `=value` is ignored).
    pub(super) fn parse(
        query: &str,
        warnings: &mut Vec<UriWarning>,
    ) -> Result<QueryParams, UriError> {
        let mut params = QueryParams::default();
        let mut seen = HashSet::new();
        for pair in query.split(['&', ';']).filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name.is_empty() {
                warnings.push(UriWarning::NamelessParameter(pair.to_owned()));
                continue;
            }
            let name = percent_decode(name, "query parameter")
                .map_err(|e| name_the_part(e, "name of a query parameter".into()))?
                .to_ascii_lowercase();
            let value = percent_decode(value, "query parameter")
                .map_err(|e| name_the_part(e, format!("value of query parameter '{name}'")))?;
            if params.apply(&name, &value)? {
                if !seen.insert(name.clone()) {
                    warnings.push(UriWarning::RepeatedParameter { name, value });
                }
            } else {
                warnings.push(UriWarning::UnknownParameter(name));
            }
        }
        Ok(params)
    }

    /// Takes one parameter; `Ok(false)` for an unknown name.
    fn apply(&mut self, name: &str, value: &str) -> Result<bool, UriError> {
        let invalid = |expected| UriError::InvalidParameter {
            name: name.to_owned(),
            value: value.to_owned(),
            expected,
        };
        match name {
            "transport" => {
                self.transport = match value {
                    "http" => Transport::Http,
                    "https" => Transport::Https,
                    _ => return Err(invalid("http|https")),
                }
            }
            "vcenter" => {
                self.vcenter = Some(match value {
                    "*" => VCenter::Managing,
                    _ => VCenter::Host(
                        parse_bare_host(value)
                            .ok_or_else(|| invalid("a host name, an IP address or *"))?,
                    ),
                })
            }
            "no_verify" => {
                self.no_verify = parse_zero_or_one(value).ok_or_else(|| invalid("0 or 1"))?
            }
            "auto_answer" => {
                self.auto_answer = parse_zero_or_one(value).ok_or_else(|| invalid("0 or 1"))?
            }
            "proxy" => self.proxy = Some(parse_proxy(value)?),
            "thumbprint" => self.thumbprint = Some(parse_thumbprint(value)?),
            "cacert" | "authfile" => {
                if value.is_empty() {
                    return Err(invalid("a file path"));
                }
                let path = Some(PathBuf::from(value));
                if name == "cacert" {
                    self.ca_file = path;
                } else {
                    self.auth_file = path;
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A control character error names the parameter it was found in.
fn name_the_part(error: UriError, part: String) -> UriError {
    match error {
        UriError::ControlCharacter { .. } => UriError::ControlCharacter { part },
        other => other,
    }
}

/// `0` or `1` the way libvirt's `virStrToLong_i` reads them: leading white space and a sign are
/// allowed, so are leading zeros.
fn parse_zero_or_one(value: &str) -> Option<bool> {
    match value.trim_start().parse::<i64>().ok()? {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// A host name or IP address given as a parameter value: brackets around IPv6 are optional.
fn parse_bare_host(value: &str) -> Option<String> {
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value);
    if inner.is_empty() {
        return None;
    }
    if inner.contains(':') {
        return Ipv6Addr::from_str(inner).ok().map(|_| inner.to_owned());
    }
    inner
        .chars()
        .all(is_host_name_char)
        .then(|| inner.to_owned())
}

/// `[type://]host[:port]`, as libvirt reads it, plus bracketed IPv6 hosts.
fn parse_proxy(value: &str) -> Result<Proxy, UriError> {
    let (kind, rest) = if let Some(rest) = value.strip_prefix("http://") {
        (ProxyKind::Http, rest)
    } else if let Some(rest) = value
        .strip_prefix("socks://")
        .or_else(|| value.strip_prefix("socks5://"))
    {
        (ProxyKind::Socks5, rest)
    } else if let Some(rest) = value.strip_prefix("socks4://") {
        (ProxyKind::Socks4, rest)
    } else if let Some(rest) = value.strip_prefix("socks4a://") {
        (ProxyKind::Socks4a, rest)
    } else if let Some((kind, _)) = value.split_once("://") {
        return Err(UriError::ProxyType(kind.to_owned()));
    } else {
        (ProxyKind::Http, value)
    };
    if rest.contains('@') {
        return Err(UriError::ProxyCredentials);
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = if rest.starts_with('[') {
        match rest.find(']') {
            Some(end) => {
                let (host, after) = rest.split_at(end + 1);
                match after {
                    "" => (host, None),
                    _ => (host, Some(after.strip_prefix(':').unwrap_or(after))),
                }
            }
            None => (rest, None),
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err(UriError::ProxyWithoutHost);
    }
    let port = match port {
        None => 1080,
        Some(port) => parse_port(port).ok_or_else(|| UriError::ProxyPort(port.to_owned()))?,
    };
    let host = parse_bare_host(host).ok_or_else(|| UriError::InvalidParameter {
        name: "proxy".into(),
        value: value.into(),
        expected: "[http|socks|socks4|socks4a|socks5://]host[:port]",
    })?;
    Ok(Proxy { kind, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_or_one_follows_strtol() {
        for (text, expected) in [
            ("0", Some(false)),
            ("1", Some(true)),
            ("01", Some(true)),
            ("+1", Some(true)),
            (" 1", Some(true)),
            ("-0", Some(false)),
            ("2", None),
            ("", None),
            ("1 ", None),
            ("true", None),
            ("0x1", None),
        ] {
            assert_eq!(parse_zero_or_one(text), expected, "{text:?}");
        }
    }

    #[test]
    fn thumbprint_keeps_the_uri_rules_over_the_clients_parser() {
        let sha256 = "AB:".repeat(31) + "AB";
        assert!(parse_thumbprint(&sha256).is_ok());
        let expected = |text: &str| match parse_thumbprint(text) {
            Err(UriError::InvalidParameter { expected, .. }) => expected,
            other => panic!("{text:?}: {other:?}"),
        };
        // The client skips blanks; a URI value with one is refused.
        assert!(expected(&format!(" {sha256}")).starts_with("a SHA-256 fingerprint: "));
        assert!(expected(&sha256.replace(':', " ")).starts_with("a SHA-256 fingerprint: "));
        // Only exactly 40 digits get the SHA-1 hint, not 41 (which the client counts as 20 bytes).
        assert!(expected(&"A".repeat(40)).contains("not a 20-byte SHA-1 one"));
        assert!(expected(&"A".repeat(41)).starts_with("a SHA-256 fingerprint: "));
    }
}
