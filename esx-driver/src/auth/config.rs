//! libvirt's `auth.conf`: its ini-style format and the lookup that maps a service and host to a
//! set of credentials.
//!
//! The format is libvirt's `virKeyFile` grammar, kept strict so that a file this crate accepts
//! also works with `virsh`:
//!
//! ```text
//! # a comment (also ';'), only at the start of a line
//! [credentials-dev]          a group: any text up to ']'
//! username=joe               key=value: the key is letters and digits, no space before '=';
//! password=hello             the value is the rest of the line, spaces included
//!
//! [auth-esx-esx1.example.com]
//! credentials=dev
//!
//! [auth-esx-default]
//! credentials=dev
//! ```
//!
//! Differences from libvirt: errors give the right line number (libvirt reports line 1), group
//! names may be non-ASCII (libvirt refuses the file), and a leading UTF-8 byte order mark is
//! skipped.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use esx_vi::local_file::{read_regular_file, LocalFileError};

use super::{AuthError, Secret};

/// libvirt reads at most this much of an `auth.conf`.
const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// A parsed `auth.conf`. Its `Debug` shows the group names, never a value.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthConfig {
    path: PathBuf,
    groups: BTreeMap<String, BTreeMap<String, String>>,
}

/// The `[credentials-NAME]` group that an `[auth-SERVICE-HOST]` group chose.
#[derive(Clone, Copy)]
pub struct CredentialSet<'a> {
    config: &'a AuthConfig,
    auth_group: &'a str,
    credentials_group: &'a str,
    values: &'a BTreeMap<String, String>,
}

impl AuthConfig {
    /// Reads and parses the file at `path` (at most 1 MiB, as libvirt).
    pub fn load(path: &Path) -> Result<AuthConfig, AuthError> {
        let read_error = |source| AuthError::Read {
            path: path.to_owned(),
            origin: None,
            source,
        };
        // A FIFO or a device named by LIBVIRT_AUTH_FILE would block or never end: only a
        // regular file is opened.
        let bytes = read_regular_file(path, MAX_FILE_SIZE).map_err(|error| match error {
            LocalFileError::NotRegular { kind } => AuthError::NotRegularFile {
                path: path.to_owned(),
                origin: None,
                kind: kind.to_string(),
            },
            LocalFileError::TooLarge { .. } => AuthError::TooLarge {
                path: path.to_owned(),
            },
            LocalFileError::Io(source) => read_error(source),
            other => read_error(std::io::Error::other(other.to_string())),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            read_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the file is not UTF-8 text",
            ))
        })?;
        AuthConfig::parse(path, &text)
    }

    /// Parses `text`; `path` is only used in messages.
    pub fn parse(path: impl Into<PathBuf>, text: &str) -> Result<AuthConfig, AuthError> {
        let path = path.into();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut groups: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current: Option<&str> = None;
        for (index, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let syntax = |message: String| AuthError::Syntax {
                path: path.clone(),
                line: index + 1,
                message,
            };
            match line.chars().next() {
                None | Some('#' | ';') => {}
                Some('[') => {
                    let Some(end) = line.find(']') else {
                        return Err(syntax("cannot find end of group name, expected ']'".into()));
                    };
                    let name = &line[1..end];
                    if !is_blank(&line[end + 1..]) {
                        return Err(syntax(format!(
                            "unexpected text after the group name '[{name}]' (a group name is alone on its line)"
                        )));
                    }
                    if groups.contains_key(name) {
                        return Err(syntax(format!("duplicate group '[{name}]'")));
                    }
                    groups.insert(name.to_owned(), BTreeMap::new());
                    current = Some(name);
                }
                Some(c) if c.is_ascii_alphanumeric() => {
                    let Some(group) = current else {
                        return Err(syntax("value found before first group".into()));
                    };
                    let key_end = line
                        .find(|c: char| !c.is_ascii_alphanumeric())
                        .unwrap_or(line.len());
                    let key = &line[..key_end];
                    let Some(value) = line[key_end..].strip_prefix('=') else {
                        return Err(syntax(format!(
                            "expected '=' after the key '{key}' (a key is letters and digits only, with no space before '=')"
                        )));
                    };
                    let entries = groups.entry(group.to_owned()).or_default();
                    if entries.contains_key(key) {
                        return Err(syntax(format!(
                            "duplicate key '{key}' in group '[{group}]'"
                        )));
                    }
                    entries.insert(key.to_owned(), value.to_owned());
                }
                Some(' ' | '\t') if is_blank(line) => {}
                Some(' ' | '\t') => {
                    return Err(syntax(
                        "expected newline: a line must not start with white space".into(),
                    ))
                }
                Some(_) => {
                    return Err(syntax(
                        "unexpected statement: a line is a [group], a key=value, a '#' or ';' comment, or blank"
                            .into(),
                    ))
                }
            }
        }
        Ok(AuthConfig { path, groups })
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The group names, sorted.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    /// libvirt's `virAuthConfigLookup`: the value of `credname` (`username`, `password`, ...) in the
    /// credentials that `[auth-SERVICE-HOST]`, else `[auth-SERVICE-default]`, names. `Ok(None)`
    /// when neither group exists or the credentials lack `credname`; an error when the auth group
    /// has no `credentials=` or names a missing group.
    pub fn lookup(
        &self,
        service: &str,
        host: &str,
        credname: &str,
    ) -> Result<Option<&str>, AuthError> {
        Ok(self
            .credentials_for(&[service], host)?
            .and_then(|set| set.get(credname)))
    }

    /// The credentials for `host` under the first of `services` that has them: the groups
    /// `[auth-S-HOST]` for each service in order, then `[auth-S-default]` for each; the first
    /// that exists decides, as in libvirt (a later group is not consulted even if the chosen
    /// credentials lack a password).
    pub fn credentials_for(
        &self,
        services: &[&str],
        host: &str,
    ) -> Result<Option<CredentialSet<'_>>, AuthError> {
        let candidates = services
            .iter()
            .map(|service| format!("auth-{service}-{host}"))
            .chain(
                services
                    .iter()
                    .map(|service| format!("auth-{service}-default")),
            );
        let mut chosen = None;
        for candidate in candidates {
            if let Some((name, values)) = self.groups.get_key_value(&candidate) {
                chosen = Some((name, values));
                break;
            }
        }
        let Some((auth_group, auth_values)) = chosen else {
            return Ok(None);
        };
        let Some(name) = auth_values.get("credentials") else {
            return Err(AuthError::MissingCredentialsItem {
                group: auth_group.clone(),
                path: self.path.clone(),
            });
        };
        let Some((credentials_group, values)) =
            self.groups.get_key_value(&format!("credentials-{name}"))
        else {
            return Err(AuthError::MissingCredentialsGroup {
                name: name.clone(),
                group: auth_group.clone(),
                path: self.path.clone(),
            });
        };
        Ok(Some(CredentialSet {
            config: self,
            auth_group,
            credentials_group,
            values,
        }))
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("path", &self.path)
            .field("groups", &self.groups.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> CredentialSet<'a> {
    /// The value of a key, e.g. `username`.
    pub fn get(&self, credname: &str) -> Option<&'a str> {
        self.values.get(credname).map(String::as_str)
    }

    /// `username=`.
    pub fn username(&self) -> Option<&'a str> {
        self.get("username")
    }

    /// `password=`.
    pub fn password(&self) -> Option<Secret> {
        self.get("password").map(Secret::new)
    }

    /// The auth group that chose these credentials, e.g. `auth-esx-default`.
    pub fn auth_group(&self) -> &'a str {
        self.auth_group
    }

    /// The credentials group, e.g. `credentials-dev`.
    pub fn credentials_group(&self) -> &'a str {
        self.credentials_group
    }

    /// The file they come from.
    pub fn path(&self) -> &'a Path {
        &self.config.path
    }
}

impl fmt::Debug for CredentialSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSet")
            .field("auth_group", &self.auth_group)
            .field("credentials_group", &self.credentials_group)
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c == ' ' || c == '\t')
}
