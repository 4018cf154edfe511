//! Reading the small local files a connection depends on (a CA file, an `auth.conf`): only a
//! regular file is opened, and at most a given number of bytes is read, so that a FIFO, a device
//! such as `/dev/zero` or an unexpectedly huge file can neither block the program nor fill its
//! memory.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use crate::error::describe_size;

/// Why a local file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalFileError {
    /// The path names something other than a regular file (a FIFO, a device, a directory...).
    #[error("not a regular file (it is {kind}): give the path of an ordinary file")]
    NotRegular {
        /// What it is instead, e.g. `a named pipe (FIFO)`.
        kind: FileKind,
    },
    /// The file is longer than the caller accepts.
    #[error("larger than {}, the most read from such a file", describe_size(*limit))]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Opening or reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// What a path names, when it is not a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A character device (`/dev/zero`, a terminal).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A Unix socket.
    Socket,
    /// Anything else.
    Other,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a named pipe (FIFO)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "not a file",
        })
    }
}

fn kind_of(file_type: std::fs::FileType) -> FileKind {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return FileKind::Fifo;
        }
        if file_type.is_char_device() {
            return FileKind::CharDevice;
        }
        if file_type.is_block_device() {
            return FileKind::BlockDevice;
        }
        if file_type.is_socket() {
            return FileKind::Socket;
        }
    }
    if file_type.is_dir() {
        FileKind::Directory
    } else {
        FileKind::Other
    }
}

/// Reads the regular file at `path` (symbolic links followed), refusing anything else before
/// opening it (opening a FIFO would block until someone writes to it) and any file longer than
/// `limit` bytes.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, LocalFileError> {
    check_regular(path)?;
    let file = std::fs::File::open(path)?;
    // The path may have changed between the check and the open: check what was opened.
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(LocalFileError::NotRegular {
            kind: kind_of(metadata.file_type()),
        });
    }
    read_at_most(file, limit)
}

/// Checks, without opening it, that `path` is a regular file.
pub fn check_regular(path: &Path) -> Result<(), LocalFileError> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_file() {
        Ok(())
    } else {
        Err(LocalFileError::NotRegular {
            kind: kind_of(metadata.file_type()),
        })
    }
}

/// Reads `source` to its end, failing as soon as it yields more than `limit` bytes.
pub fn read_at_most(source: impl Read, limit: u64) -> Result<Vec<u8>, LocalFileError> {
    let mut bytes = Vec::new();
    source
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(LocalFileError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'x'; 1024]).unwrap();
        assert_eq!(read_regular_file(&path, 1024).unwrap().len(), 1024);
        let err = read_regular_file(&path, 1023).unwrap_err();
        assert!(
            matches!(err, LocalFileError::TooLarge { limit: 1023 }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "larger than 1023 bytes, the most read from such a file"
        );
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular_file(dir.path(), 10).unwrap_err();
        assert!(
            matches!(
                err,
                LocalFileError::NotRegular {
                    kind: FileKind::Directory
                }
            ),
            "{err:?}"
        );
        #[cfg(unix)]
        {
            let err = read_regular_file(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(
                matches!(
                    err,
                    LocalFileError::NotRegular {
                        kind: FileKind::CharDevice
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains("a character device"), "{err}");
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                // Opening this FIFO for reading would block forever: it must not be opened.
                let err = read_regular_file(&fifo, 10).unwrap_err();
                assert!(
                    matches!(
                        err,
                        LocalFileError::NotRegular {
                            kind: FileKind::Fifo
                        }
                    ),
                    "{err:?}"
                );
            }
        }
    }

    #[test]
    fn an_endless_stream_stops_one_byte_past_the_limit() {
        let err = read_at_most(io::repeat(b'a'), 4096).unwrap_err();
        assert!(
            matches!(err, LocalFileError::TooLarge { limit: 4096 }),
            "{err:?}"
        );
    }
}
