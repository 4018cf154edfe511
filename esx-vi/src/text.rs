//! Text that came from a server or a user, made safe to print: control characters (a newline
//! that would forge a second `error:` line, an ANSI escape that would repaint the terminal, a
//! NUL) and the Unicode bidirectional overrides are written as visible escapes instead.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal or a log as it is.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character written as an escape: `\n`, `\r`, `\t`, `\x1b` (C0 and
/// DEL), `\u{9b}` (C1 and the bidirectional overrides). A backslash itself is left alone, so
/// ordinary text (Windows paths, `DOMAIN\user`) reads as it is; borrowed when nothing needed
/// escaping.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first control character of `text`, if any: for refusing it with a message that names
/// where it was.
pub fn first_control_char(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for text in ["", "web-01", "DOMAIN\\user", "ünïcødé ✓"] {
            assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(escape_controls("a\nerror: forged"), "a\\nerror: forged");
        assert_eq!(
            escape_controls("\u{1b}[31mred\u{1b}[0m"),
            "\\x1b[31mred\\x1b[0m"
        );
        assert_eq!(
            escape_controls("nul\0tab\tcr\rdel\u{7f}"),
            "nul\\x00tab\\tcr\\rdel\\x7f"
        );
        assert_eq!(escape_controls("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(escape_controls("abc\u{202e}fed"), "abc\\u{202e}fed");
    }

    #[test]
    fn escaped_text_has_no_unsafe_character_left() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!escape_controls(&all).chars().any(is_unsafe_char));
    }
}
