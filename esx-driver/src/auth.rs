//! Credentials for a connection: libvirt's `auth.conf`, the `ESX_PASSWORD` variable, or a prompt.
//!
//! The user name is the URI's; else `username=` from `auth.conf`; else `root` (esx, gsx) or
//! `administrator` (vpx). The password is the URI's (discouraged); else `password=` from
//! `auth.conf`; else `$ESX_PASSWORD`; else asked for without echo on the terminal (the default
//! `terminal-prompt` feature); with none of them, [`AuthError::NoPassword`] says what was tried.
//!
//! `auth.conf` is found as libvirt finds it: `$LIBVIRT_AUTH_FILE`, else the URI's `authfile=`
//! (both must be readable), else the first readable of `$XDG_CONFIG_HOME/libvirt/auth.conf`
//! (`~/.config/...` when unset) and `/etc/libvirt/auth.conf`. Within it, the host's group is
//! `[auth-esx-HOST]`, else `[auth-esx-default]`: libvirt uses the service name `esx` for all three
//! schemes. As an extension, `gsx://` and `vpx://` connections first try their own service name:
//! `[auth-vpx-HOST]`, `[auth-esx-HOST]`, `[auth-vpx-default]`, `[auth-esx-default]`.
//!
//! As in libvirt, the password of the chosen credentials is used even when the URI names another
//! user than their `username=`.
//!
//! Every source is injectable ([`CredentialSources`]) so that tests never read the real
//! environment, the real `/etc` or a terminal.

mod config;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use config::{AuthConfig, CredentialSet};
use esx_vi::local_file::{check_regular, LocalFileError};
/// A password, redacted in `Debug` and `Display`: the client's own type, so credentials pass to
/// [`esx_vi::Credentials`] as they are.
pub use esx_vi::Secret;

use crate::uri::{ConnectUri, Scheme};

/// The environment variable holding the password when `auth.conf` has none.
pub const PASSWORD_ENV: &str = "ESX_PASSWORD";
/// The environment variable naming the `auth.conf` to use (libvirt's).
pub const AUTH_FILE_ENV: &str = "LIBVIRT_AUTH_FILE";
/// The system-wide `auth.conf`.
pub const SYSTEM_AUTH_FILE: &str = "/etc/libvirt/auth.conf";

/// What to find credentials for: one server of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRequest {
    /// Decides the `auth.conf` groups and the default user.
    pub scheme: Scheme,
    /// The server's name as the URI wrote it (the `auth.conf` key).
    pub host: String,
    /// The user from the URI.
    pub user: Option<String>,
    /// The password from the URI.
    pub password: Option<Secret>,
    /// The URI's `authfile=`.
    pub auth_file: Option<PathBuf>,
}

impl CredentialRequest {
    /// The credentials for the server a URI names.
    pub fn for_uri(uri: &ConnectUri) -> CredentialRequest {
        CredentialRequest {
            scheme: uri.scheme,
            host: uri.host.clone(),
            user: uri.user.clone(),
            password: uri.password.clone(),
            auth_file: uri.auth_file.clone(),
        }
    }

    /// The credentials for the vCenter of an `esx://...?vcenter=` URI, at `vcenter_host` (the
    /// `vcenter=` name, or the address the host reports for `*`). The URI's user and password
    /// are the ESX host's and are not used here (libvirt would reuse the user); the vCenter's
    /// come from `auth.conf` (`[auth-vpx-...]` or `[auth-esx-...]`), else `administrator`.
    pub fn for_vcenter(uri: &ConnectUri, vcenter_host: &str) -> CredentialRequest {
        CredentialRequest {
            scheme: Scheme::Vpx,
            host: vcenter_host.to_owned(),
            user: None,
            password: None,
            auth_file: uri.auth_file.clone(),
        }
    }

    /// The `auth.conf` service names tried, in order.
    fn services(&self) -> &'static [&'static str] {
        match self.scheme {
            Scheme::Esx => &["esx"],
            Scheme::Gsx => &["gsx", "esx"],
            Scheme::Vpx => &["vpx", "esx"],
        }
    }
}

/// How an `auth.conf` was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFileOrigin {
    /// `$LIBVIRT_AUTH_FILE`.
    Environment,
    /// The URI's `authfile=`.
    UriParameter,
    /// `$XDG_CONFIG_HOME/libvirt/auth.conf` or `~/.config/libvirt/auth.conf`.
    UserConfig,
    /// `/etc/libvirt/auth.conf`.
    System,
}

impl fmt::Display for AuthFileOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthFileOrigin::Environment => "named by $LIBVIRT_AUTH_FILE",
            AuthFileOrigin::UriParameter => "named by the URI's authfile parameter",
            AuthFileOrigin::UserConfig => "the user's auth.conf",
            AuthFileOrigin::System => "the system's auth.conf",
        })
    }
}

/// Which `auth.conf` applies, and the candidates passed over on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFileSearch {
    /// The file to read, if any.
    pub file: Option<(PathBuf, AuthFileOrigin)>,
    /// Candidates that were not readable, with why (`not found`, ...).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Where the user name came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserSource {
    /// The URI.
    Uri,
    /// `username=` in this `auth.conf`.
    AuthFile(PathBuf),
    /// The scheme's default.
    Default,
}

/// Where the password came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// The URI.
    Uri,
    /// `password=` in this `auth.conf`.
    AuthFile(PathBuf),
    /// `$ESX_PASSWORD`.
    Environment,
    /// The terminal.
    Prompt,
}

/// A user name and password, with where each came from. `Debug` never shows the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The user to log in as.
    pub user: String,
    /// The password.
    pub password: Secret,
    /// Where `user` came from.
    pub user_source: UserSource,
    /// Where `password` came from.
    pub password_source: PasswordSource,
}

/// Asks for a password without echo.
pub trait PasswordPrompt {
    /// Shows `prompt` and reads a password; `Ok(None)` when there is no terminal to ask on.
    fn ask(&self, prompt: &str) -> io::Result<Option<Secret>>;
}

impl<F> PasswordPrompt for F
where
    F: Fn(&str) -> io::Result<Option<Secret>>,
{
    fn ask(&self, prompt: &str) -> io::Result<Option<Secret>> {
        self(prompt)
    }
}

/// Asks on the controlling terminal (`/dev/tty`), echo off, when standard input is a terminal;
/// otherwise (scripts, CI) there is no one to ask. With the `terminal-prompt` feature (part of
/// the default `cli` feature); without it the library has no terminal prompt of its own.
#[cfg(feature = "terminal-prompt")]
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminalPrompt;

#[cfg(feature = "terminal-prompt")]
impl PasswordPrompt for TerminalPrompt {
    fn ask(&self, prompt: &str) -> io::Result<Option<Secret>> {
        use std::io::IsTerminal;
        if !io::stdin().is_terminal() {
            return Ok(None);
        }
        rpassword::prompt_password(prompt).map(|password| Some(Secret::new(password)))
    }
}

/// Never asks.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPrompt;

impl PasswordPrompt for NoPrompt {
    fn ask(&self, _prompt: &str) -> io::Result<Option<Secret>> {
        Ok(None)
    }
}

type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where credentials are looked for: the environment, the system `auth.conf`, and a prompt.
pub struct CredentialSources {
    env: EnvLookup,
    system_auth_file: Option<PathBuf>,
    prompt: Box<dyn PasswordPrompt + Send + Sync>,
}

impl CredentialSources {
    /// The real ones: the process environment, `/etc/libvirt/auth.conf`, the terminal (with the
    /// `terminal-prompt` feature; without it, no prompt: add one with [`Self::with_prompt`]).
    pub fn from_process() -> CredentialSources {
        CredentialSources {
            env: Box::new(|name| std::env::var(name).ok()),
            system_auth_file: Some(PathBuf::from(SYSTEM_AUTH_FILE)),
            #[cfg(feature = "terminal-prompt")]
            prompt: Box::new(TerminalPrompt),
            #[cfg(not(feature = "terminal-prompt"))]
            prompt: Box::new(NoPrompt),
        }
    }

    /// None at all: an empty environment, no system file, no prompt. Tests add what they need.
    pub fn isolated() -> CredentialSources {
        CredentialSources {
            env: Box::new(|_| None),
            system_auth_file: None,
            prompt: Box::new(NoPrompt),
        }
    }

    /// Reads environment variables through `lookup`.
    pub fn with_env(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> CredentialSources {
        self.env = Box::new(lookup);
        self
    }

    /// Uses exactly these environment variables.
    pub fn with_env_vars<K: Into<String>, V: Into<String>>(
        self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> CredentialSources {
        let vars: std::collections::HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.with_env(move |name| vars.get(name).cloned())
    }

    /// Uses `path` in place of `/etc/libvirt/auth.conf`.
    pub fn with_system_auth_file(mut self, path: impl Into<PathBuf>) -> CredentialSources {
        self.system_auth_file = Some(path.into());
        self
    }

    /// Asks with `prompt`.
    pub fn with_prompt(
        mut self,
        prompt: impl PasswordPrompt + Send + Sync + 'static,
    ) -> CredentialSources {
        self.prompt = Box::new(prompt);
        self
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|value| !value.is_empty())
    }

    /// Which `auth.conf` applies to `request`, in libvirt's order. An empty variable counts as
    /// unset.
    pub fn locate_auth_file(&self, request: &CredentialRequest) -> AuthFileSearch {
        if let Some(path) = self.var(AUTH_FILE_ENV) {
            return AuthFileSearch {
                file: Some((path.into(), AuthFileOrigin::Environment)),
                skipped: Vec::new(),
            };
        }
        if let Some(path) = &request.auth_file {
            return AuthFileSearch {
                file: Some((path.clone(), AuthFileOrigin::UriParameter)),
                skipped: Vec::new(),
            };
        }
        let user_dir = match self.var("XDG_CONFIG_HOME") {
            Some(dir) => Some(PathBuf::from(dir)),
            None => self
                .var("HOME")
                .map(|home| Path::new(&home).join(".config")),
        };
        let candidates = user_dir
            .map(|dir| (dir.join("libvirt/auth.conf"), AuthFileOrigin::UserConfig))
            .into_iter()
            .chain(
                self.system_auth_file
                    .clone()
                    .map(|path| (path, AuthFileOrigin::System)),
            );
        let mut skipped = Vec::new();
        for (path, origin) in candidates {
            // Checked before opening: opening a FIFO would wait for a writer.
            if let Err(LocalFileError::NotRegular { kind }) = check_regular(&path) {
                skipped.push((path, format!("not a regular file (it is {kind})")));
                continue;
            }
            match std::fs::File::open(&path) {
                Ok(_) => {
                    return AuthFileSearch {
                        file: Some((path, origin)),
                        skipped,
                    }
                }
                Err(error) => {
                    let why = match error.kind() {
                        io::ErrorKind::NotFound => "not found".to_owned(),
                        io::ErrorKind::PermissionDenied => "not readable".to_owned(),
                        _ => error.to_string(),
                    };
                    skipped.push((path, why));
                }
            }
        }
        AuthFileSearch {
            file: None,
            skipped,
        }
    }

    /// Finds the user and password for `request`.
    pub fn resolve(&self, request: &CredentialRequest) -> Result<Credentials, AuthError> {
        let search = self.locate_auth_file(request);
        let config = match &search.file {
            Some((path, origin)) => Some(AuthConfig::load(path).map_err(|error| match error {
                AuthError::Read { path, source, .. } => AuthError::Read {
                    path,
                    origin: Some(*origin),
                    source,
                },
                AuthError::NotRegularFile { path, kind, .. } => AuthError::NotRegularFile {
                    path,
                    origin: Some(*origin),
                    kind,
                },
                other => other,
            })?),
            None => None,
        };
        if let Some((path, _)) = &search.file {
            warn_once_if_exposed(path);
        }
        let set = match &config {
            Some(config) => config.credentials_for(request.services(), &request.host)?,
            None => None,
        };

        let (user, user_source) = match (&request.user, set.and_then(|set| set.username())) {
            (Some(user), _) => (user.clone(), UserSource::Uri),
            (None, Some(user)) => (user.to_owned(), UserSource::AuthFile(set_path(&set))),
            (None, None) => (
                request.scheme.default_user().to_owned(),
                UserSource::Default,
            ),
        };
        let credentials = |password, password_source| Credentials {
            user: user.clone(),
            password,
            user_source: user_source.clone(),
            password_source,
        };

        if let Some(password) = &request.password {
            return Ok(credentials(password.clone(), PasswordSource::Uri));
        }
        if let Some(password) = set.and_then(|set| set.password()) {
            return Ok(credentials(
                password,
                PasswordSource::AuthFile(set_path(&set)),
            ));
        }
        if let Some(password) = (self.env)(PASSWORD_ENV) {
            return Ok(credentials(
                Secret::new(password),
                PasswordSource::Environment,
            ));
        }
        let prompt = format!("Enter {user}'s password for {}: ", request.host);
        if let Some(password) = self.prompt.ask(&prompt).map_err(AuthError::Prompt)? {
            return Ok(credentials(password, PasswordSource::Prompt));
        }

        let auth_conf = match (&search.file, &set) {
            (None, _) if search.skipped.is_empty() => "no auth.conf".to_owned(),
            (None, _) => format!(
                "no auth.conf ({})",
                search
                    .skipped
                    .iter()
                    .map(|(path, why)| format!("{}: {why}", path.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (Some((path, _)), None) => format!(
                "{} has no {} group",
                path.display(),
                group_names(request.services(), &request.host)
            ),
            (Some((path, _)), Some(set)) => format!(
                "{}: [{}] (chosen by [{}]) has no password",
                path.display(),
                set.credentials_group(),
                set.auth_group()
            ),
        };
        Err(AuthError::NoPassword {
            user,
            host: request.host.clone(),
            tried: vec![
                auth_conf,
                format!("{PASSWORD_ENV} is not set"),
                "there is no terminal to prompt on".to_owned(),
            ],
        })
    }
}

impl fmt::Debug for CredentialSources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSources")
            .field("system_auth_file", &self.system_auth_file)
            .finish_non_exhaustive()
    }
}

/// Why an `auth.conf` is unsafe to keep passwords in: it can be read or written by users other
/// than its owner (the way ssh judges a private key). `None` when only its owner has access, or
/// on systems without Unix permissions.
pub fn exposed_auth_file(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            return None;
        }
        let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
            (true, true) => "its group and other users",
            (true, false) => "its group",
            _ => "other users",
        };
        Some(format!(
            "Auth file '{}' can be read or written by {who} (permissions {mode:04o}), and it holds \
             passwords: restrict it with 'chmod 600 {}'",
            path.display(),
            path.display()
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Warns (once per file and process) about an auth file that others can read or write.
fn warn_once_if_exposed(path: &Path) {
    static WARNED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let Some(warning) = exposed_auth_file(path) else {
        return;
    };
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if warned.iter().any(|p| p == path) {
        return;
    }
    warned.push(path.to_owned());
    tracing::warn!("{warning}");
}

fn set_path(set: &Option<CredentialSet<'_>>) -> PathBuf {
    set.map(|set| set.path().to_owned()).unwrap_or_default()
}

/// `[auth-vpx-h], [auth-esx-h], [auth-vpx-default] or [auth-esx-default]`.
fn group_names(services: &[&str], host: &str) -> String {
    let names: Vec<String> = services
        .iter()
        .map(|service| format!("[auth-{service}-{host}]"))
        .chain(
            services
                .iter()
                .map(|service| format!("[auth-{service}-default]")),
        )
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// Why no credentials could be had. No message contains a password.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The `auth.conf` does not follow the format.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The `auth.conf` could not be read.
    #[error("Cannot read auth file '{}'{}", path.display(), origin.map(|o| format!(" ({o})")).unwrap_or_default())]
    Read {
        /// The file.
        path: PathBuf,
        /// How it was chosen, when known.
        origin: Option<AuthFileOrigin>,
        /// Why it could not be read.
        source: io::Error,
    },
    /// The `auth.conf` path names a FIFO, a device, a directory...: refused before opening it.
    #[error("Cannot read auth file '{}'{}: it is not a regular file (it is {kind}); give the path of an ordinary file", path.display(), origin.map(|o| format!(" ({o})")).unwrap_or_default())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// How it was chosen, when known.
        origin: Option<AuthFileOrigin>,
        /// What it is instead.
        kind: String,
    },
    /// The `auth.conf` is larger than libvirt's limit.
    #[error("Auth file '{}' is larger than 1 MiB", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// An `[auth-...]` group without `credentials=` (libvirt's message).
    #[error("Missing item 'credentials' in group '{group}' in '{}'", path.display())]
    MissingCredentialsItem {
        /// The auth group.
        group: String,
        /// The file.
        path: PathBuf,
    },
    /// `credentials=NAME` without a `[credentials-NAME]` group (libvirt's message).
    #[error("Missing group 'credentials-{name}' referenced from group '{group}' in '{}'", path.display())]
    MissingCredentialsGroup {
        /// The name referenced.
        name: String,
        /// The auth group.
        group: String,
        /// The file.
        path: PathBuf,
    },
    /// Reading from the terminal failed.
    #[error("Cannot read the password from the terminal")]
    Prompt(#[source] io::Error),
    /// No source had a password.
    #[error("No password for {user}@{host}: {}. Add one to auth.conf, set ESX_PASSWORD, or run on a terminal", tried.join("; "))]
    NoPassword {
        /// The user it was for.
        user: String,
        /// The server.
        host: String,
        /// What was tried, one entry per source.
        tried: Vec<String>,
    },
}
