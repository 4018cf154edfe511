//! The XML documents commands read from a file argument (`define`, `net-define`, `vol-create`,
//! `snapshot-create`, ...): read bounded (virsh's 10 MiB) and from regular files only (not
//! `/dev/zero` or a FIFO), before anything is asked of the server; when that fails, virsh's
//! one line `Failed to open file 'x': reason`.

use esx_driver::input::{read_text_document, LocalFileError};

use crate::error::CommandError;

/// The text of the XML file `path`, or virsh's failure to open it.
pub(crate) fn read(path: &str) -> Result<String, CommandError> {
    read_text_document(path).map_err(|e| {
        let reason = match &e {
            LocalFileError::Io(io) => os_error_text(io),
            other => other.to_string(),
        };
        CommandError::new(format!("Failed to open file '{path}': {reason}"))
    })
}

/// Reads the file `path` as virsh does before a call the driver will refuse (the document
/// itself is not needed), and returns its name for the refusal's message.
pub(crate) fn read_named(path: &str) -> Result<&str, CommandError> {
    read(path)?;
    Ok(path)
}

/// An I/O error as the C library words it (`No such file or directory`), without Rust's
/// ` (os error 2)`.
pub(crate) fn os_error_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_files_fail_in_virshs_words() {
        let missing = read("/nonexistent/d.xml").unwrap_err();
        let text = format!("{missing:?}");
        assert!(
            text.contains("Failed to open file '/nonexistent/d.xml': No such file or directory"),
            "{text}"
        );
        assert!(read("/dev/zero").is_err(), "a device is not a document");
    }
}
