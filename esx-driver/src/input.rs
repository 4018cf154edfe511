//! Reading a document a user hands to a command (domain XML, a VMX file) from a file or from
//! standard input (`-`), at most [`MAX_DOCUMENT_SIZE`] bytes, virsh's limit for an XML file: so
//! that `/dev/zero` or an endless pipe ends with an error instead of filling memory. Pipes and
//! process substitutions (`<(...)`) are read like files.

use std::io::Read;
use std::path::Path;

use esx_vi::local_file::read_at_most;
pub use esx_vi::local_file::LocalFileError;

/// The most bytes read from one document: 10 MiB, as virsh (`VSH_MAX_XML_FILE`).
pub const MAX_DOCUMENT_SIZE: u64 = 10 * 1024 * 1024;

/// Reads the document at `file`, or standard input for `-`, refusing more than
/// [`MAX_DOCUMENT_SIZE`] bytes.
pub fn read_document(file: &str) -> Result<Vec<u8>, LocalFileError> {
    if file == "-" {
        return read_at_most(std::io::stdin().lock(), MAX_DOCUMENT_SIZE);
    }
    read_document_file(Path::new(file), MAX_DOCUMENT_SIZE)
}

/// Like [`read_document`], for a document that must be UTF-8 text (domain XML).
pub fn read_text_document(file: &str) -> Result<String, LocalFileError> {
    String::from_utf8(read_document(file)?).map_err(|_| {
        LocalFileError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ))
    })
}

/// Reads the file at `path`, refusing more than `limit` bytes.
pub fn read_document_file(path: &Path, limit: u64) -> Result<Vec<u8>, LocalFileError> {
    let file = std::fs::File::open(path)?;
    read_at_most(file, limit)
}

/// Reads a document from any reader, refusing more than [`MAX_DOCUMENT_SIZE`] bytes.
pub fn read_document_from(source: impl Read) -> Result<Vec<u8>, LocalFileError> {
    read_at_most(source, MAX_DOCUMENT_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_of_exactly_the_limit_is_read_and_one_byte_more_is_not() {
        let exact = vec![b' '; MAX_DOCUMENT_SIZE as usize];
        assert_eq!(
            read_document_from(exact.as_slice()).unwrap().len() as u64,
            MAX_DOCUMENT_SIZE
        );
        let err = read_document_from(std::io::repeat(b'<')).unwrap_err();
        assert_eq!(
            err.to_string(),
            "larger than 10 MiB, the most read from such a file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn dev_zero_ends_with_an_error() {
        let err = read_document("/dev/zero").unwrap_err();
        assert!(
            matches!(
                err,
                LocalFileError::TooLarge {
                    limit: MAX_DOCUMENT_SIZE
                }
            ),
            "{err:?}"
        );
    }
}
