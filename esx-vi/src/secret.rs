//! Credentials held so that they never leak into Debug output, Display, errors or logs.

use std::fmt;

/// A secret string (a password). Its `Debug` and `Display` print `***`; the value is reachable only
/// through [`Secret::expose`], which makes every place that reads it easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself: only for the one place that must send it (the `Login` request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// A user name and password for `Login`. The client keeps them for the life of the connection so
/// that an expired session can be restored without asking the caller again.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    user: String,
    password: Secret,
}

impl Credentials {
    /// Credentials for `user` with `password`.
    pub fn new(user: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self {
            user: user.into(),
            password: password.into(),
        }
    }

    /// The user name (not secret).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The password, redacted in every formatting.
    pub fn password(&self) -> &Secret {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &self.password)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_password() {
        let credentials = Credentials::new("root", "hunter2-secret");
        let debug = format!(
            "{credentials:?} {:?} {}",
            credentials.password(),
            credentials.password()
        );
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(
            debug.contains("root"),
            "the user name is not secret: {debug}"
        );
        assert_eq!(credentials.password().expose(), "hunter2-secret");
    }
}
