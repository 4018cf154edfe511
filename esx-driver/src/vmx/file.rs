//! The VMX file format itself: `key = "value"` lines read and written without losing a byte.
//!
//! A [`VmxFile`] keeps every line of the file it was read from (comments, blank lines, the
//! spelling and order of keys, line endings), so writing an unchanged file gives back the same
//! bytes, and editing a few keys keeps everything this crate does not understand. Keys are looked
//! up case-insensitively (ASCII), as VMware does. The `.encoding` entry is honoured: the text is
//! decoded from the declared encoding (UTF-8 when absent) and encoded back on write.
//!
//! Values are kept as they appear between the quotes. VMware has no backslash escapes; instead
//! some values use `|XX` hex escapes (see [`unescape_hex`] / [`escape_hex`]), which the
//! converter applies to the keys where VMware uses them (`displayName`, `annotation`).

use std::fmt;
use std::ops::Range;

use encoding_rs::{Encoding, UTF_8};

use super::Error;

/// One line of a VMX file.
#[derive(Debug, Clone)]
enum Line {
    /// A comment or blank line, kept as written (`text` includes the line ending).
    Verbatim { text: Range<usize> },
    /// An entry as read from the source, unchanged.
    Original {
        text: Range<usize>,
        key: Range<usize>,
        value: Range<usize>,
    },
    /// An entry that was changed or added; written as `key = "value"`.
    Edited { key: String, value: String },
    /// An entry that was removed.
    Removed,
}

/// A parsed VMX file that can be queried, edited and written back byte-for-byte.
#[derive(Clone)]
pub struct VmxFile {
    /// The decoded text the `Original`/`Verbatim` lines point into (without any BOM).
    source: String,
    /// The declared encoding (`.encoding`), UTF-8 when absent.
    encoding: &'static Encoding,
    /// The file started with a UTF-8 byte order mark.
    bom: bool,
    /// Line ending used for added lines (the first one found in the source, else `\n`).
    newline: &'static str,
    lines: Vec<Line>,
    /// Open-addressing hash table of `(hash of the lowercased key, line index)`; a slot with
    /// `EMPTY` as line index is free. Its length is a power of two, at least twice the entries.
    index: Vec<(u64, u32)>,
    /// Entries in `index`.
    indexed: usize,
}

impl fmt::Debug for VmxFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VmxFile")
            .field("encoding", &self.encoding.name())
            .field("entries", &self.entries().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for VmxFile {
    fn default() -> Self {
        VmxFile::new()
    }
}

/// The line index marking a free slot of the hash table.
const EMPTY: u32 = u32::MAX;

/// A hash of the ASCII-lowercased key, 8 bytes at a time: allocation-free case-insensitive
/// lookup (keys are looked up a few hundred times per conversion).
fn key_hash(key: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = key.as_bytes();
    let mut hash = K ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash ^ ascii_lowercase_word(u64::from_le_bytes(word)))
            .rotate_left(23)
            .wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        hash = (hash ^ ascii_lowercase_word(u64::from_le_bytes(word)))
            .rotate_left(23)
            .wrapping_mul(K);
    }
    hash ^ (hash >> 29)
}

/// Lowercases the ASCII letters among 8 bytes at once (other bytes unchanged).
fn ascii_lowercase_word(word: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = word & !HIGH;
    // High bit set in each byte that is >= 'A' ... and in each byte that is > 'Z'.
    let at_least_a = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let above_z = low7.wrapping_add(0x2525_2525_2525_2525);
    let upper = at_least_a & !above_z & !word & HIGH;
    word | (upper >> 2)
}

fn is_key_char(c: char) -> bool {
    !(c.is_whitespace() || c == '=' || c == '"' || c == '#')
}

impl VmxFile {
    /// An empty UTF-8 VMX file.
    pub fn new() -> VmxFile {
        VmxFile {
            source: String::new(),
            encoding: UTF_8,
            bom: false,
            newline: "\n",
            lines: Vec::new(),
            index: Vec::new(),
            indexed: 0,
        }
    }

    /// A UTF-8 VMX file with these entries, in order (values escaped as by [`VmxFile::set`]).
    pub fn from_entries<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> VmxFile
    where
        K: Into<String>,
        V: AsRef<str>,
    {
        let mut file = VmxFile::new();
        for (key, value) in entries {
            file.lines.push(Line::Edited {
                key: key.into(),
                value: escape_line_breaking(value.as_ref()),
            });
        }
        file.rebuild_index();
        file
    }

    /// [`VmxFile::from_entries`] for owned pairs: values that need no escaping are moved in
    /// rather than copied (the converter writes some sixty entries per file).
    pub(crate) fn from_owned_entries(entries: Vec<(String, String)>) -> VmxFile {
        let mut file = VmxFile::new();
        file.lines.reserve_exact(entries.len());
        for (key, value) in entries {
            let value = if needs_line_escape(&value) {
                escape_line_breaking(&value)
            } else {
                value
            };
            file.lines.push(Line::Edited { key, value });
        }
        file.rebuild_index();
        file
    }

    /// Parses VMX bytes, decoding them from the encoding named by `.encoding` (UTF-8 when absent).
    pub fn parse(bytes: &[u8]) -> Result<VmxFile, Error> {
        let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        // Most files are UTF-8 (or ASCII): read them as such, then honour a declared encoding.
        if let Ok(text) = std::str::from_utf8(body) {
            let file = VmxFile::from_text(text.to_owned(), UTF_8, bom)?;
            return match file.declared_encoding()? {
                Some(encoding) if encoding != UTF_8 => Self::decode(body, encoding, bom),
                _ => Ok(file),
            };
        }
        match declared_encoding(body)? {
            Some(encoding) if encoding != UTF_8 => Self::decode(body, encoding, bom),
            _ => {
                let valid = std::str::from_utf8(body).map_or_else(|e| e.valid_up_to(), |_| 0);
                let line = body[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(Error::Syntax {
                    line,
                    message: "the VMX file is not valid UTF-8; if it uses another encoding, \
                              declare it with a line such as `.encoding = \"windows-1252\"`"
                        .to_owned(),
                })
            }
        }
    }

    fn decode(body: &[u8], encoding: &'static Encoding, bom: bool) -> Result<VmxFile, Error> {
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors {
            return Err(Error::Encoding(format!(
                "the VMX file contains bytes that are not valid {} (its declared .encoding)",
                encoding.name()
            )));
        }
        VmxFile::from_text(text.into_owned(), encoding, bom)
    }

    fn from_text(source: String, encoding: &'static Encoding, bom: bool) -> Result<VmxFile, Error> {
        let mut file = VmxFile {
            source,
            encoding,
            bom,
            newline: "\n",
            lines: Vec::new(),
            index: Vec::new(),
            indexed: 0,
        };
        file.split_lines()?;
        file.rebuild_index();
        Ok(file)
    }

    /// The encoding named by the `.encoding` entry, if any.
    fn declared_encoding(&self) -> Result<Option<&'static Encoding>, Error> {
        match self.get(".encoding") {
            None => Ok(None),
            Some(name) => lookup_encoding(name.as_bytes()).map(Some),
        }
    }

    /// Parses VMX text that is already decoded (its `.encoding` is still used when writing bytes).
    pub fn parse_str(text: &str) -> Result<VmxFile, Error> {
        let bom = text.starts_with('\u{feff}');
        let mut file = VmxFile::from_text(
            text.strip_prefix('\u{feff}').unwrap_or(text).to_owned(),
            UTF_8,
            bom,
        )?;
        if let Some(encoding) = file.declared_encoding()? {
            file.encoding = encoding;
        }
        Ok(file)
    }

    fn split_lines(&mut self) -> Result<(), Error> {
        let source = &self.source;
        let mut start = 0;
        let mut newline_found = false;
        let mut number = 0;
        self.lines.reserve(source.len() / 32 + 1);
        while start < source.len() {
            number += 1;
            let end = match source[start..].find('\n') {
                Some(offset) => start + offset + 1,
                None => source.len(),
            };
            let mut content_end = end;
            if source[..content_end].ends_with('\n') {
                content_end -= 1;
                if !newline_found {
                    newline_found = true;
                    self.newline = if source[..content_end].ends_with('\r') {
                        "\r\n"
                    } else {
                        "\n"
                    };
                }
            }
            if source[..content_end].ends_with('\r') {
                content_end -= 1;
            }
            let line = parse_line(source, start, content_end, number)?;
            let line = match line {
                Some((key, value)) => Line::Original {
                    text: start..end,
                    key,
                    value,
                },
                None => Line::Verbatim { text: start..end },
            };
            self.lines.push(line);
            start = end;
        }
        Ok(())
    }

    fn rebuild_index(&mut self) {
        let entries = self
            .lines
            .iter()
            .filter(|l| matches!(l, Line::Original { .. } | Line::Edited { .. }))
            .count();
        let size = (entries * 2).max(16).next_power_of_two();
        self.index.clear();
        self.index.resize(size, (0, EMPTY));
        self.indexed = 0;
        for number in 0..self.lines.len() {
            if let Some(key) = self.line_key(number) {
                let hash = key_hash(key);
                self.insert_index(hash, number as u32);
            }
        }
    }

    /// Adds a line to the hash table (which must have room).
    fn insert_index(&mut self, hash: u64, number: u32) {
        let mask = self.index.len() - 1;
        let mut slot = hash as usize & mask;
        while self.index[slot].1 != EMPTY {
            slot = (slot + 1) & mask;
        }
        self.index[slot] = (hash, number);
        self.indexed += 1;
    }

    fn line_key(&self, number: usize) -> Option<&str> {
        match &self.lines[number] {
            Line::Original { key, .. } => Some(&self.source[key.clone()]),
            Line::Edited { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The index of the line holding `key` (the last one when a key is repeated, as VMware reads it).
    fn find(&self, key: &str) -> Option<usize> {
        if self.index.is_empty() {
            return None;
        }
        let hash = key_hash(key);
        let mask = self.index.len() - 1;
        let mut slot = hash as usize & mask;
        let mut found: Option<usize> = None;
        loop {
            let (h, number) = self.index[slot];
            if number == EMPTY {
                return found;
            }
            let number = number as usize;
            if h == hash
                && found.is_none_or(|f| number > f)
                && self
                    .line_key(number)
                    .is_some_and(|k| k.eq_ignore_ascii_case(key))
            {
                found = Some(number);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The value of `key` (case-insensitive), as written between the quotes.
    pub fn get(&self, key: &str) -> Option<&str> {
        let number = self.find(key)?;
        match &self.lines[number] {
            Line::Original { value, .. } => Some(&self.source[value.clone()]),
            Line::Edited { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether `key` is present (case-insensitive).
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Sets `key` to `value`. An existing entry keeps its place and its key spelling; a new entry
    /// is appended. Characters a VMX line cannot hold (`"`, line breaks and other control
    /// characters) are written as `|XX` escapes, as VMware does.
    pub fn set(&mut self, key: &str, value: &str) {
        let value = escape_line_breaking(value);
        match self.find(key) {
            Some(number) => {
                if self.get(key) == Some(value.as_str()) {
                    return;
                }
                let spelled = self.line_key(number).unwrap_or(key).to_owned();
                self.lines[number] = Line::Edited {
                    key: spelled,
                    value,
                };
            }
            None => {
                self.lines.push(Line::Edited {
                    key: key.to_owned(),
                    value,
                });
                if (self.indexed + 1) * 2 > self.index.len() {
                    self.rebuild_index();
                } else {
                    let number = (self.lines.len() - 1) as u32;
                    self.insert_index(key_hash(key), number);
                }
            }
        }
    }

    /// Removes every entry for `key`; returns whether there was one.
    pub fn remove(&mut self, key: &str) -> bool {
        let mut removed = false;
        while let Some(number) = self.find(key) {
            self.lines[number] = Line::Removed;
            removed = true;
        }
        if removed {
            self.rebuild_index();
        }
        removed
    }

    /// All entries in file order, with the keys spelled as in the file.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.lines.iter().filter_map(move |line| match line {
            Line::Original { key, value, .. } => {
                Some((&self.source[key.clone()], &self.source[value.clone()]))
            }
            Line::Edited { key, value } => Some((key.as_str(), value.as_str())),
            _ => None,
        })
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries().count()
    }

    /// Whether the file has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries().next().is_none()
    }

    /// The encoding the file declares (`.encoding`), UTF-8 when it declares none.
    pub fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    /// The file as text (decoded; see [`VmxFile::to_bytes`] for the on-disk form).
    pub fn to_text(&self) -> String {
        // Sized up front: a converted file consists of edited lines only, and growing the
        // buffer line by line would copy it several times.
        let edited: usize = self
            .lines
            .iter()
            .map(|line| match line {
                Line::Edited { key, value } => key.len() + value.len() + 8,
                _ => 0,
            })
            .sum();
        let mut out = String::with_capacity(self.source.len() + edited + 4);
        if self.bom {
            out.push('\u{feff}');
        }
        let mut last_had_newline = true;
        for line in &self.lines {
            match line {
                Line::Verbatim { text } | Line::Original { text, .. } => {
                    let text = &self.source[text.clone()];
                    out.push_str(text);
                    last_had_newline = text.ends_with('\n');
                }
                Line::Edited { key, value } => {
                    if !last_had_newline {
                        out.push_str(self.newline);
                    }
                    out.push_str(key);
                    out.push_str(" = \"");
                    out.push_str(value);
                    out.push('"');
                    out.push_str(self.newline);
                    last_had_newline = true;
                }
                Line::Removed => {}
            }
        }
        out
    }

    /// The file as bytes in its declared encoding. An unchanged file gives back exactly the bytes
    /// it was read from. If an edit added characters the declared encoding cannot represent, the
    /// file is written as UTF-8 and its `.encoding` entry updated, rather than losing them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let text = self.to_text();
        if self.encoding == UTF_8 {
            return text.into_bytes();
        }
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (bytes, _, had_errors) = self.encoding.encode(body);
        if !had_errors {
            return bytes.into_owned();
        }
        let mut utf8 = self.clone();
        utf8.set(".encoding", "UTF-8");
        utf8.encoding = UTF_8;
        utf8.to_text().into_bytes()
    }
}

impl fmt::Display for VmxFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Parses one line (`start..end` without its line ending) into key and value ranges, or `None`
/// for a blank or comment line.
#[allow(clippy::type_complexity)]
fn parse_line(
    source: &str,
    start: usize,
    end: usize,
    number: usize,
) -> Result<Option<(Range<usize>, Range<usize>)>, Error> {
    let line = &source[start..end];
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let key_start = start + (line.len() - trimmed.len());
    let key_len = trimmed
        .find(|c: char| !is_key_char(c))
        .unwrap_or(trimmed.len());
    let key = key_start..key_start + key_len;
    let syntax = |message: String| Error::Syntax {
        line: number,
        message,
    };
    if key_len == 0 {
        return Err(syntax(format!(
            "expected an entry `key = \"value\"` but found '{}'",
            line.trim()
        )));
    }
    let key_text = &source[key.clone()];
    let rest = trimmed[key_len..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return Err(syntax(format!(
            "expected '=' after VMX key '{key_text}' but found '{}'",
            line.trim()
        )));
    };
    let rest_trimmed = rest.trim_start();
    let value_start = end - rest_trimmed.len();
    let (value, after) = if let Some(quoted) = rest_trimmed.strip_prefix('"') {
        let Some(close) = quoted.find('"') else {
            return Err(syntax(format!(
                "the value of VMX entry '{key_text}' has no closing '\"'"
            )));
        };
        (
            value_start + 1..value_start + 1 + close,
            &quoted[close + 1..],
        )
    } else {
        // Unquoted values are tolerated (a single token), as libvirt's reader does.
        let len = rest_trimmed
            .find(|c: char| c.is_whitespace() || c == '#')
            .unwrap_or(rest_trimmed.len());
        (value_start..value_start + len, &rest_trimmed[len..])
    };
    let after = after.trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return Err(syntax(format!(
            "unexpected text '{after}' after the value of VMX entry '{key_text}'"
        )));
    }
    Ok(Some((key, value)))
}

/// Finds `.encoding = "NAME"` in the raw bytes (the line is ASCII in every ASCII-compatible
/// encoding) and looks the encoding up.
fn declared_encoding(bytes: &[u8]) -> Result<Option<&'static Encoding>, Error> {
    let mut declared = None;
    for raw_line in bytes.split(|&b| b == b'\n') {
        let line = raw_line.trim_ascii_start();
        if line.len() < 9 || !line[..9].eq_ignore_ascii_case(b".encoding") {
            continue;
        }
        let rest = line[9..].trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii();
        let name = match rest.strip_prefix(b"\"") {
            Some(quoted) => match quoted.iter().position(|&b| b == b'"') {
                Some(close) => &quoted[..close],
                None => quoted,
            },
            None => rest,
        };
        declared = Some(name.to_vec());
    }
    match declared {
        Some(name) => lookup_encoding(&name).map(Some),
        None => Ok(None),
    }
}

/// Looks an `.encoding` value up; only ASCII-compatible encodings can hold VMX syntax.
fn lookup_encoding(name: &[u8]) -> Result<&'static Encoding, Error> {
    match Encoding::for_label(name) {
        Some(encoding) if encoding.is_ascii_compatible() => Ok(encoding),
        _ => Err(Error::Encoding(format!(
            "VMX entry '.encoding' names '{}', which is not a supported \
             ASCII-compatible encoding (expected e.g. 'UTF-8' or 'windows-1252')",
            String::from_utf8_lossy(name)
        ))),
    }
}

/// Escapes characters a quoted VMX value cannot hold: `"` and control characters become `|XX`.
fn escape_line_breaking(value: &str) -> String {
    if !needs_line_escape(value) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c == '"' || c.is_ascii_control() {
            push_hex_escape(&mut out, '|', c as u8);
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether [`escape_line_breaking`] changes `value`.
fn needs_line_escape(value: &str) -> bool {
    // A fold rather than `any`: no early exit, so the compiler can vectorize it.
    value.bytes().fold(false, |found, c| {
        found | (c == b'"' || c.is_ascii_control())
    })
}

/// Appends `<escape>xx` (lowercase hex) for one byte.
fn push_hex_escape(out: &mut String, escape: char, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(escape);
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0xf)]));
}

/// Replaces `<escape>XX` hex escapes with the bytes they stand for (VMware writes `|22` for `"`,
/// `|7C` for `|`, `|0A` for a line break; `displayName` also uses `%XX`). Returns `None` when an
/// escape is not followed by two hex digits or the result is not UTF-8.
pub fn unescape_hex(value: &str, escape: char) -> Option<String> {
    if !value.contains(escape) {
        return Some(value.to_owned());
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut utf8 = [0u8; 4];
    let escape = escape.encode_utf8(&mut utf8).as_bytes();
    while i < bytes.len() {
        if bytes[i..].starts_with(escape) {
            let digits = bytes.get(i + escape.len()..i + escape.len() + 2)?;
            let text = std::str::from_utf8(digits).ok()?;
            if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(text, 16).ok()?);
            i += escape.len() + 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Writes the escape character itself and every character of `special` as `<escape>xx`
/// (lowercase hex, byte by byte), the inverse of [`unescape_hex`].
pub fn escape_hex(value: &str, escape: char, special: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c == escape || special.contains(c) {
            let mut utf8 = [0u8; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                push_hex_escape(&mut out, escape, byte);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_file_writes_back_byte_identical() {
        let text = "#!/usr/bin/vmware\r\n.encoding = \"UTF-8\"\r\n\r\nDisplayName   =  \"x\"  # c\r\nmemsize = \"4\"";
        let file = VmxFile::parse(text.as_bytes()).unwrap();
        assert_eq!(file.to_bytes(), text.as_bytes());
        assert_eq!(file.get("displayname"), Some("x"));
        assert_eq!(file.get("MEMSIZE"), Some("4"));
    }

    #[test]
    fn edits_keep_spelling_order_and_unknown_keys() {
        let text = "A.B = \"1\"\nunknown.key = \"u\"\nC = \"3\"\n";
        let mut file = VmxFile::parse(text.as_bytes()).unwrap();
        file.set("a.b", "2");
        file.set("new.key", "say \"hi\"\n");
        assert!(file.remove("c"));
        assert_eq!(
            file.to_text(),
            "A.B = \"2\"\nunknown.key = \"u\"\nnew.key = \"say |22hi|22|0a\"\n"
        );
    }

    #[test]
    fn windows_1252_is_decoded_and_encoded_back() {
        let bytes = b".encoding = \"windows-1252\"\ndisplayName = \"caf\xe9\"\n";
        let mut file = VmxFile::parse(bytes).unwrap();
        assert_eq!(file.get("displayName"), Some("café"));
        assert_eq!(file.to_bytes(), bytes);
        file.set("annotation", "\u{4e2d}");
        let written = String::from_utf8(file.to_bytes()).unwrap();
        assert!(written.contains(".encoding = \"UTF-8\""));
        assert!(written.contains("café"));
    }

    #[test]
    fn syntax_errors_name_the_line_and_key() {
        let error = VmxFile::parse(b"a = \"1\"\nb \"2\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 2: expected '=' after VMX key 'b' but found 'b \"2\"'"
        );
        let error = VmxFile::parse(b"a = \"1").unwrap_err();
        assert!(error.to_string().contains("'a' has no closing"));
        let error = VmxFile::parse(b"a = \"\xff\"").unwrap_err();
        assert!(error.to_string().contains("not valid UTF-8"));
    }

    #[test]
    fn key_hash_ignores_ascii_case_only() {
        for key in [
            "scsi0:0.fileName",
            "a",
            "ethernet10.generatedAddress",
            "@[`{~",
            "ÄÖ.x",
        ] {
            assert_eq!(key_hash(key), key_hash(&key.to_ascii_uppercase()), "{key}");
            assert_eq!(key_hash(key), key_hash(&key.to_ascii_lowercase()), "{key}");
        }
        assert_ne!(key_hash("scsi0:0.present"), key_hash("scsi0:1.present"));
        assert_ne!(key_hash("@"), key_hash("`"));
        assert_ne!(key_hash("["), key_hash("{"));
        let word = u64::from_le_bytes(*b"AZaz@[`{");
        assert_eq!(ascii_lowercase_word(word).to_le_bytes(), *b"azaz@[`{");
    }

    #[test]
    fn repeated_keys_read_as_the_last_and_tables_grow() {
        let mut file = VmxFile::parse(b"a = \"1\"\nA = \"2\"\n").unwrap();
        assert_eq!(file.get("a"), Some("2"));
        for i in 0..100 {
            file.set(&format!("key{i}"), &i.to_string());
        }
        assert_eq!(file.get("KEY57"), Some("57"));
        assert_eq!(file.len(), 102);
        assert!(file.remove("a"));
        assert_eq!(file.get("a"), None);
        assert_eq!(file.get("key99"), Some("99"));
    }

    #[test]
    fn hex_escapes_round_trip() {
        assert_eq!(
            unescape_hex("a|7Cb|22c|0a|c3|a9", '|').as_deref(),
            Some("a|b\"c\né")
        );
        assert_eq!(unescape_hex("a|7", '|'), None);
        assert_eq!(escape_hex("a|b\"c", '|', "\""), "a|7cb|22c");
        assert_eq!(escape_hex("50%/x", '%', "/\\"), "50%25%2fx");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed: u32 = 12345;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let alphabet = b"a=\" \n\r#.|\xc3\xa9\xff";
                    alphabet[(seed >> 16) as usize % alphabet.len()]
                })
                .collect();
            if let Ok(file) = VmxFile::parse(&bytes) {
                assert_eq!(file.to_bytes(), bytes);
            }
        }
    }
}
