//! VMX entries for both conversion directions: typed reads (strings, required entries,
//! booleans, integers, datastore file names), each failing with an error that names the entry,
//! and the keys the conversions build by the hundred ([`Key`], [`join`]).

use super::context::VmxContext;
use super::file::VmxFile;
use super::Error;

/// A VMX file being read, with the context that maps its file names.
#[derive(Clone, Copy)]
pub(crate) struct Entries<'a> {
    /// The file.
    pub(crate) vmx: &'a VmxFile,
    /// Its surroundings (file-name mapping, controller models, datacenter path).
    pub(crate) ctx: &'a dyn VmxContext,
}

impl<'a> Entries<'a> {
    /// The entry's value, if present.
    pub(crate) fn string(&self, key: &str) -> Option<&'a str> {
        self.vmx.get(key)
    }

    /// The entry's value; an error naming it when absent.
    pub(crate) fn required(&self, key: &str) -> Result<&'a str, Error> {
        self.vmx
            .get(key)
            .ok_or_else(|| Error::Missing(key.to_owned()))
    }

    /// `true` or `false` (any case), `default` when absent.
    pub(crate) fn boolean(&self, key: &str, default: bool) -> Result<bool, Error> {
        match self.vmx.get(key) {
            None => Ok(default),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(Error::entry(key, "'true' or 'false'", value)),
        }
    }

    /// An integer entry; `unlimited` reads as -1, as in libvirt.
    pub(crate) fn long(&self, key: &str, default: i64) -> Result<i64, Error> {
        match self.vmx.get(key) {
            None => Ok(default),
            Some(value) => parse_long(key, value),
        }
    }

    /// An integer entry that must be present.
    pub(crate) fn long_required(&self, key: &str) -> Result<i64, Error> {
        parse_long(key, self.required(key)?)
    }

    /// The libvirt form of the file name in entry `key`; an error when its datastore is not
    /// available.
    pub(crate) fn file_name(&self, file_name: &str, key: &str) -> Result<String, Error> {
        self.ctx.parse_file_name(file_name)?.ok_or_else(|| {
            Error::FileName(format!(
                "File '{file_name}' (VMX entry '{key}') is on a datastore that is not available"
            ))
        })
    }
}

/// An integer value of entry `key`; `unlimited` reads as -1, as in libvirt.
pub(crate) fn parse_long(key: &str, value: &str) -> Result<i64, Error> {
    if value.eq_ignore_ascii_case("unlimited") {
        return Ok(-1);
    }
    value
        .parse::<i64>()
        .map_err(|_| Error::entry(key, "an integer", value))
}

/// A VMX key built on the stack (`prefix.name`): the conversion builds a few hundred of them.
pub(crate) struct Key {
    buf: [u8; 96],
    len: usize,
    /// Set when the key did not fit; then `text` holds it.
    spilled: Option<String>,
}

impl Key {
    /// `prefix.name`.
    pub(crate) fn of(prefix: &str, name: &str) -> Key {
        let total = prefix.len() + 1 + name.len();
        let mut key = Key {
            buf: [0; 96],
            len: total,
            spilled: None,
        };
        if total > key.buf.len() {
            key.spilled = Some(format!("{prefix}.{name}"));
        } else {
            key.buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
            key.buf[prefix.len()] = b'.';
            key.buf[prefix.len() + 1..total].copy_from_slice(name.as_bytes());
        }
        key
    }
}

impl std::ops::Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.spilled {
            Some(text) => text,
            // Whole UTF-8 strings and an ASCII '.' joined: always UTF-8.
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl From<Key> for String {
    fn from(key: Key) -> String {
        key.to_string()
    }
}

/// `prefix` followed by `suffix` (an entry name such as `ethernet0` + `.present`): the
/// converter builds dozens of these per file, and plain concatenation is much cheaper than
/// `format!`.
pub(crate) fn join(prefix: &str, suffix: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + suffix.len());
    key.push_str(prefix);
    key.push_str(suffix);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_join_prefix_and_name_even_when_long() {
        assert_eq!(&*Key::of("serial0", "fileName"), "serial0.fileName");
        let long = "x".repeat(100);
        assert_eq!(
            Key::of(&long, "present").to_string(),
            format!("{long}.present")
        );
    }
}
