//! Generic URI syntax for the connection and migration URIs: cutting a URI into its parts, the
//! `[user[:password]@]host[:port]` part with IPv6 literals, and percent-escapes.

use std::net::Ipv6Addr;
use std::str::FromStr;

use super::UriError;
use esx_vi::Secret;

/// A URI cut into its parts, nothing decoded yet.
pub(super) struct RawUri<'a> {
    pub(super) scheme: &'a str,
    /// `None` when `//` does not follow the scheme.
    pub(super) authority: Option<&'a str>,
    pub(super) path: &'a str,
    pub(super) query: Option<&'a str>,
    pub(super) fragment: Option<&'a str>,
}

impl<'a> RawUri<'a> {
    pub(super) fn split(text: &'a str) -> Result<RawUri<'a>, UriError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UriError::Empty);
        }
        if text.chars().any(char::is_control) {
            return Err(UriError::ControlCharacter {
                part: "text as written".into(),
            });
        }
        let (scheme, rest) = text.split_once(':').ok_or(UriError::NoScheme)?;
        let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return Err(UriError::NoScheme);
        }
        let (rest, fragment) = match rest.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(rest) => {
                let end = rest.find('/').unwrap_or(rest.len());
                (Some(&rest[..end]), &rest[end..])
            }
            None => (None, rest),
        };
        Ok(RawUri {
            scheme,
            authority,
            path,
            query,
            fragment,
        })
    }
}

/// The decoded `[user[:password]@]host[:port]` part.
pub(super) struct Authority {
    pub(super) user: Option<String>,
    pub(super) password: Option<Secret>,
    pub(super) host: String,
    pub(super) port: Option<u16>,
}

impl Authority {
    pub(super) fn parse(text: &str) -> Result<Authority, UriError> {
        let (userinfo, host_port) = match text.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, text),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(userinfo) => {
                let (user, password) = match userinfo.split_once(':') {
                    Some((user, password)) => (user, Some(password)),
                    None => (userinfo, None),
                };
                if user.is_empty() {
                    return Err(UriError::EmptyUser);
                }
                let password = match password {
                    Some(password) if !password.is_empty() => {
                        Some(Secret::new(percent_decode(password, "password")?))
                    }
                    _ => None,
                };
                (Some(percent_decode(user, "user name")?), password)
            }
        };
        let (host, port) = split_host_port(host_port)?;
        if host.is_empty() {
            return Err(UriError::MissingServer);
        }
        let port = match port {
            None | Some("") => None,
            Some(port)
                if !port
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+') =>
            {
                return Err(UriError::PortNotANumber)
            }
            Some(port) => Some(parse_port(port).ok_or_else(|| UriError::InvalidPort(port.into()))?),
        };
        Ok(Authority {
            user,
            password,
            host: parse_host(host)?,
            port,
        })
    }
}

/// Splits `host[:port]` and `[v6]:port`; the host keeps its brackets for [`parse_host`].
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), UriError> {
    if text.starts_with('[') {
        let Some(end) = text.find(']') else {
            return Err(UriError::InvalidServer {
                server: text.into(),
                reason: "the IPv6 address has no closing ']'",
            });
        };
        let (host, rest) = text.split_at(end + 1);
        return match rest {
            "" => Ok((host, None)),
            _ => match rest.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(UriError::InvalidServer {
                    server: text.into(),
                    reason: "expected ':port' after the IPv6 address",
                }),
            },
        };
    }
    match text.split_once(':') {
        Some((_, port)) if port.contains(':') => Err(UriError::InvalidServer {
            server: text.into(),
            reason: "an IPv6 address must be written in brackets, e.g. esx://[fe80::1]/",
        }),
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((text, None)),
    }
}

/// Decodes and checks a host: `[IPv6[%zone]]` or a name / IPv4 address.
fn parse_host(text: &str) -> Result<String, UriError> {
    let invalid = |reason| UriError::InvalidServer {
        server: text.into(),
        reason,
    };
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let inner = percent_decode(inner, "server part")?;
        let (address, zone) = match inner.split_once('%') {
            Some((address, zone)) => (address, Some(zone)),
            None => (inner.as_str(), None),
        };
        if Ipv6Addr::from_str(address).is_err() {
            return Err(invalid("not a valid IPv6 address"));
        }
        if zone.is_some_and(|zone| zone.is_empty() || !zone.chars().all(is_host_name_char)) {
            return Err(invalid("not a valid IPv6 zone"));
        }
        return Ok(inner);
    }
    let host = percent_decode(text, "server part")?;
    if !host.chars().all(is_host_name_char) {
        return Err(invalid(
            "a host name has only letters, digits, '-', '.' and '_'",
        ));
    }
    Ok(host)
}

pub(super) fn is_host_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// A host as it appears in a URL: IPv6 addresses in brackets, with `%` of a zone as `%25`.
pub(super) fn host_for_url(host: &str) -> String {
    if host.contains(':') {
        format!("[{}]", host.replace('%', "%25"))
    } else {
        host.to_owned()
    }
}

pub(super) fn parse_port(text: &str) -> Option<u16> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|&port| port != 0)
}

/// Decodes `%XX` escapes (a `+` stays a `+`, as in libvirt). A control character in the result
/// (`%0A`, `%00`, `%1B`...) is refused, naming `part`.
pub(super) fn percent_decode(text: &str, part: &'static str) -> Result<String, UriError> {
    let decoded = decode_escapes(text, part)?;
    if decoded.chars().any(char::is_control) {
        return Err(UriError::ControlCharacter { part: part.into() });
    }
    Ok(decoded)
}

fn decode_escapes(text: &str, part: &'static str) -> Result<String, UriError> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
            match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => {
                    let escape = if part == "password" {
                        String::new()
                    } else {
                        text[i..].chars().take(3).collect()
                    };
                    return Err(UriError::InvalidEscape { part, escape });
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| UriError::NotUtf8 { part })
}

/// Characters left as they are in a user name: RFC 3986 unreserved and sub-delims.
pub(super) const USER_SAFE: &str = "-._~!$&'()*+,;=";
/// ... in a path item: also `:` and `@`.
pub(super) const PATH_SAFE: &str = "-._~!$&'()*+,;=:@";
/// ... in a query value: what keeps proxies and file paths readable.
pub(super) const QUERY_SAFE: &str = "-._~!$'()*+,=:@/[]";

pub(super) fn percent_encode(text: &str, safe: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || safe.contains(c) {
            out.push(c);
        } else {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_round_trips_through_encoding() {
        for text in ["a b", "DOMAIN\\user", "x@y", "100%", "ü/ß", "a&b;c#d"] {
            let encoded = percent_encode(text, USER_SAFE);
            assert_eq!(percent_decode(&encoded, "user name").unwrap(), text);
        }
    }

    #[test]
    fn escaped_control_characters_are_refused_naming_the_part() {
        for (text, part) in [
            ("a%0Ab", "user name"),
            ("%00", "password"),
            ("x%1b[31m", "path"),
        ] {
            match percent_decode(text, part) {
                Err(UriError::ControlCharacter { part: named }) => assert_eq!(named, part),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(percent_decode("a%09b", "path").unwrap_err().to_string(),
            "URI contains a control character in the path: control characters (tab, newline, NUL, escape...) are not allowed, written as they are or percent-escaped");
    }

    #[test]
    fn invalid_escapes_name_the_escape_but_never_a_password() {
        assert_eq!(
            percent_decode("ab%zz", "user name").unwrap_err().to_string(),
            "URI has an invalid percent-escape '%zz' in the user name (a '%' must be followed by two hex digits)"
        );
        let message = percent_decode("se%cret", "password")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("%cr"), "{message}");
    }
}
