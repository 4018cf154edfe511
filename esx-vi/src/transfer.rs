//! Datastore files to and from local files, on the streaming transfers of `files`: a byte range
//! (offset and length) of the datastore file, resuming an interrupted download, the SHA-256 of
//! the data, and local files handled safely: a download lands in a temporary file beside its
//! destination and replaces it only once complete (resuming appends to the partial file instead),
//! and an upload reads nothing but a regular file, refusing a device, FIFO or directory before
//! anything is sent. Memory stays flat whatever the size: fixed buffers, no whole-file reads.

use std::io::{self, Read, Write};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};

use crate::error::TransportError;
use crate::files::{ByteRange, ChunkSink, DatastorePath, TransferProgress};
use crate::local_file::{check_regular, LocalFileError};

/// Writes to a local file go through a buffer this large: fewer, larger writes.
const WRITE_BUFFER: usize = 1 << 20;
/// Chunks queued between a download and its writer thread. The HTTP client hands over chunks of
/// at most a few hundred KiB (its read buffer), so this bounds the queue to a few MiB.
const WRITE_QUEUE: usize = 16;
/// Reading a local file to hash it, a chunk at a time.
const HASH_CHUNK: usize = 1 << 20;
/// An upload reads its file in chunks this large on a reader thread ...
const READ_CHUNK: usize = 512 * 1024;
/// ... and queues at most this many for the HTTP client: a few MiB in flight.
const READ_QUEUE: usize = 8;

/// Which part of a datastore file a download takes, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The first byte of the datastore file to download.
    pub offset: u64,
    /// At most this many bytes (`None`: to the end of the file).
    pub length: Option<u64>,
    /// Continue an interrupted download: keep what the local file holds and fetch only the rest
    /// (the local file then is written in place, and a failure leaves it partial, to resume again).
    pub resume: bool,
    /// Compute the SHA-256 of the local file's content.
    pub checksum: bool,
}

/// Where an upload writes into the datastore file, and how much.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UploadOptions {
    /// Where in the datastore file the data goes. 0 replaces the file with the local one; beyond
    /// 0 the datastore file's bytes before it (and after the data) are kept: the server can only
    /// replace a whole file, so the new content is put together in a local temporary file first.
    pub offset: u64,
    /// At most this many bytes of the local file (`None`: all of it).
    pub length: Option<u64>,
    /// Compute the SHA-256 of the data sent from the local file.
    pub checksum: bool,
}

/// What a transfer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferSummary {
    /// Bytes moved over the network for the data asked for.
    pub transferred: u64,
    /// Bytes a resumed download found already in the local file.
    pub resumed_from: u64,
    /// Lower-case hex SHA-256 of the local data (the whole resulting local file for a download,
    /// the data read for an upload), when asked for.
    pub sha256: Option<String>,
    /// How long making a download durable (fsync before the rename) took; zero for uploads and
    /// for destinations that are not regular files.
    pub sync_time: Duration,
}

fn local_error(context: String, source: io::Error) -> crate::Error {
    crate::Error::Transport(TransportError::Io { context, source })
}

fn refusal(context: String, reason: impl Into<String>) -> crate::Error {
    local_error(
        context,
        io::Error::new(io::ErrorKind::InvalidInput, reason.into()),
    )
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Passes reads through from `inner`, hashing what was read into a shared hasher (the reader is
/// moved into the upload; the hash is read after it).
struct HashingReader<R> {
    inner: R,
    hasher: Option<std::sync::Arc<std::sync::Mutex<Sha256>>>,
}

impl<R: AsyncRead + Unpin> AsyncRead for HashingReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(hasher)) = (&read, this.hasher.as_ref()) {
            hasher
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .update(&buf.filled()[before..]);
        }
        read
    }
}

/// Hashes the first `length` bytes of the local file at `path` into `hasher` (resuming with a
/// checksum: the whole resulting file is hashed).
fn hash_prefix(path: &Path, length: u64, mut hasher: Sha256) -> io::Result<Sha256> {
    let mut file = std::fs::File::open(path)?.take(length);
    let mut buffer = vec![0u8; HASH_CHUNK];
    let mut read = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        read += n as u64;
    }
    if read < length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file got shorter while it was read",
        ));
    }
    Ok(hasher)
}

/// The writer thread of a download: writes the chunks from `queue` to `file` until the queue is
/// closed, hashing them when asked, and gives the file and hash back. Each wake-up takes the
/// chunks already queued and writes them with one vectored write (plain blocking writes: the
/// chunks are the HTTP client's buffers, so nothing is copied or buffered again).
fn write_chunks(
    mut file: std::fs::File,
    mut queue: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    mut hasher: Option<Sha256>,
) -> io::Result<(std::fs::File, Option<Sha256>)> {
    let mut batch = Vec::with_capacity(WRITE_QUEUE);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        // At most a queue's worth, or a producer as fast as this loop would grow it forever.
        while batch.len() < WRITE_QUEUE {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        write_all_vectored(&mut file, &batch)?;
        if let Some(h) = hasher.as_mut() {
            for chunk in &batch {
                h.update(chunk);
            }
        }
        batch.clear();
    }
    Ok((file, hasher))
}

/// Writes all of `chunks`, in order, with as few `writev` calls as the OS allows.
fn write_all_vectored(file: &mut impl Write, chunks: &[bytes::Bytes]) -> io::Result<()> {
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let mut written = 0;
    while written < total {
        let mut skip = written;
        let slices = chunks
            .iter()
            .filter_map(|c| {
                if skip >= c.len() {
                    skip -= c.len();
                    None
                } else {
                    let slice = io::IoSlice::new(&c[skip..]);
                    skip = 0;
                    Some(slice)
                }
            })
            .collect::<Vec<_>>();
        match file.write_vectored(&slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The reader thread of an upload: reads the first `length` bytes of `file` in chunks into
/// `queue` (hashing them when asked) until they are all read, the file ends (the upload then
/// says where) or the upload stops listening; gives the hash of what it read back. Each chunk is
/// a fresh buffer handed to the HTTP client without a copy, and reading it does not zero it first.
fn read_chunks(
    file: std::fs::File,
    length: u64,
    mut hasher: Option<Sha256>,
    queue: tokio::sync::mpsc::Sender<io::Result<bytes::Bytes>>,
) -> Option<Sha256> {
    let mut source = file.take(length);
    loop {
        let mut buffer = Vec::with_capacity(READ_CHUNK);
        match (&mut source)
            .take(READ_CHUNK as u64)
            .read_to_end(&mut buffer)
        {
            Ok(0) => return hasher,
            Ok(_) => {
                if let Some(h) = hasher.as_mut() {
                    h.update(&buffer);
                }
                if queue.blocking_send(Ok(buffer.into())).is_err() {
                    return hasher;
                }
            }
            Err(e) => {
                let _ = queue.blocking_send(Err(e));
                return hasher;
            }
        }
    }
}

/// Why an upload of a local file failed: reading it, or the upload itself.
enum UploadError {
    Read(io::Error),
    Upload(crate::Error),
}

/// The range to ask for: `offset`, `length` and what a resumed download already has.
fn remote_range(offset: u64, length: Option<u64>, have: u64) -> Option<ByteRange> {
    let start = offset.saturating_add(have);
    let end = length.map(|l| offset.saturating_add(l));
    (start > 0 || end.is_some()).then_some(ByteRange { start, end })
}

impl crate::Client {
    /// Downloads a datastore file (or `options.offset`/`length` of it) to the local path
    /// `local`, calling `progress` as bytes arrive (counted from the start of the local file when
    /// resuming). Without `resume` the data goes to a temporary file beside `local` that replaces
    /// it once complete and synced to disk, so a failure leaves nothing half-written; a
    /// destination that is not a regular file (`/dev/null`, a FIFO) is written directly.
    ///
    /// The chunks received are handed, without copying, to one blocking writer thread through a
    /// bounded queue: the receiving task never waits on the disk for each chunk, the disk writes
    /// are plain `write` calls, and hashing (only when asked) happens there too, off the receive
    /// path. A full queue makes the download wait, so memory stays bounded.
    pub async fn download_to_path(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        local: &Path,
        options: DownloadOptions,
        mut progress: impl FnMut(TransferProgress) + Send,
    ) -> Result<TransferSummary, crate::Error> {
        let shown = local.display();
        let cannot_write = |e| local_error(format!("cannot write {shown}"), e);
        let existing = std::fs::metadata(local).ok();
        let direct = existing.as_ref().is_some_and(|m| !m.is_file());
        if direct && options.resume {
            return Err(refusal(
                format!("cannot resume into {shown}"),
                "it is not a regular file",
            ));
        }

        let mut hasher = options.checksum.then(Sha256::new);
        let mut have = 0u64;
        let mut temp = None;
        let sink = if options.resume {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(local)
                .map_err(cannot_write)?;
            have = f.metadata().map_err(cannot_write)?.len();
            if let Some(h) = hasher.take() {
                let path = local.to_owned();
                let hashed = tokio::task::spawn_blocking(move || hash_prefix(&path, have, h))
                    .await
                    .map_err(|e| local_error(format!("cannot read {shown}"), io::Error::other(e)))?
                    .map_err(|e| local_error(format!("cannot read {shown}"), e))?;
                hasher = Some(hashed);
            }
            f
        } else if direct {
            std::fs::OpenOptions::new()
                .write(true)
                .open(local)
                .map_err(cannot_write)?
        } else {
            let dir = match local.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let name = local
                .file_name()
                .map_or_else(|| "download".into(), |n| n.to_string_lossy().into_owned());
            let (f, path) = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .suffix(".part")
                .tempfile_in(dir)
                .map_err(cannot_write)?
                .into_parts();
            temp = Some(path);
            f
        };

        if let Some(length) = options.length {
            if have > length {
                return Err(refusal(
                    format!("cannot resume into {shown}"),
                    format!("it holds {have} bytes, more than the {length} to download"),
                ));
            }
        }
        let complete = |hasher: Option<Sha256>| TransferSummary {
            transferred: 0,
            resumed_from: have,
            sha256: hasher.map(|h| hex(&h.finalize())),
            sync_time: Duration::ZERO,
        };
        let done_already = options.length == Some(have);
        if have > 0 && !done_already {
            // Past the end, the server answers 416: say instead whether the file is complete.
            let size = self.http().file_size(datacenter_path, file).await?;
            let start = options.offset.saturating_add(have);
            if start > size {
                return Err(refusal(
                    format!("cannot resume into {shown}"),
                    format!(
                        "it holds {have} bytes, more than the {} left in {file} from offset {}: it is not a partial download of it",
                        size.saturating_sub(options.offset),
                        options.offset
                    ),
                ));
            }
            if start == size {
                return Ok(complete(hasher));
            }
        } else if done_already {
            return Ok(complete(hasher));
        }

        let range = remote_range(options.offset, options.length, have);
        let (chunks, queue) = tokio::sync::mpsc::channel(WRITE_QUEUE);
        let writer = tokio::task::spawn_blocking(move || write_chunks(sink, queue, hasher));
        let result = self
            .http()
            .download_into(
                datacenter_path,
                file,
                range,
                ChunkSink::Chunks(&chunks),
                &mut |p: TransferProgress| {
                    progress(TransferProgress {
                        transferred: have + p.transferred,
                        total: p.total.map(|t| have + t),
                    })
                },
            )
            .await;
        // No more chunks: the writer finishes what it has and gives the file back.
        drop(chunks);
        let written = writer
            .await
            .map_err(|e| cannot_write(io::Error::other(e)))?;
        // A failed write stops the writer, which makes the download fail: its error says why.
        // Resuming, what arrived is kept for the next attempt (a temporary file goes).
        let (sink, hasher) = written.map_err(cannot_write)?;
        let transferred = result?;
        let sync_time = if direct {
            // A device or FIFO has nothing to make durable.
            Duration::ZERO
        } else {
            tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                sink.sync_all().map(|()| started.elapsed())
            })
            .await
            .map_err(|e| cannot_write(io::Error::other(e)))?
            .map_err(cannot_write)?
        };
        if let Some(path) = temp {
            path.persist(local).map_err(|e| cannot_write(e.error))?;
        }
        Ok(TransferSummary {
            transferred,
            resumed_from: have,
            sha256: hasher.map(|h| hex(&h.finalize())),
            sync_time,
        })
    }

    /// Uploads the local regular file `local` (or its first `options.length` bytes) to a datastore
    /// file, created when missing, calling `progress` as bytes are sent. A path that is not a
    /// regular file (a device such as `/dev/zero`, a FIFO, a directory) is refused before
    /// anything is sent. See [`UploadOptions::offset`] for writing into an existing file.
    pub async fn upload_from_path(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        local: &Path,
        options: UploadOptions,
        progress: impl FnMut(TransferProgress) + Send + 'static,
    ) -> Result<TransferSummary, crate::Error> {
        let shown = local.display().to_string();
        let cannot_read = |e: io::Error| local_error(format!("cannot upload {shown}"), e);
        // A FIFO is never opened: opening it would wait for a writer.
        check_regular(local).map_err(|e| match e {
            LocalFileError::Io(e) => cannot_read(e),
            other => refusal(format!("cannot upload {shown}"), other.to_string()),
        })?;
        let source = std::fs::File::open(local).map_err(cannot_read)?;
        let metadata = source.metadata().map_err(cannot_read)?;
        if !metadata.is_file() {
            return Err(refusal(
                format!("cannot upload {shown}"),
                "it is not a regular file",
            ));
        }
        let length = options
            .length
            .map_or(metadata.len(), |l| l.min(metadata.len()));
        if options.offset != 0 {
            let hasher = options
                .checksum
                .then(|| std::sync::Arc::new(std::sync::Mutex::new(Sha256::new())));
            let reader = HashingReader {
                inner: tokio::fs::File::from_std(source).take(length),
                hasher: hasher.clone(),
            };
            self.upload_spliced(
                datacenter_path,
                file,
                reader,
                length,
                options.offset,
                progress,
            )
            .await?;
            let sha256 = hasher.map(|h| {
                let h = std::sync::Arc::try_unwrap(h)
                    .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
                    .unwrap_or_else(|shared| {
                        shared.lock().unwrap_or_else(|e| e.into_inner()).clone()
                    });
                hex(&h.finalize())
            });
            return Ok(TransferSummary {
                transferred: length,
                resumed_from: 0,
                sha256,
                sync_time: Duration::ZERO,
            });
        }
        let (sent, hasher) = self
            .upload_std_file(
                datacenter_path,
                file,
                source,
                length,
                options.checksum.then(Sha256::new),
                Box::new(progress),
            )
            .await
            .map_err(|e| match e {
                UploadError::Read(e) => cannot_read(e),
                UploadError::Upload(e) => e,
            })?;
        let sha256 = hasher.map(|h| hex(&h.finalize()));
        Ok(TransferSummary {
            transferred: sent,
            resumed_from: 0,
            sha256,
            sync_time: Duration::ZERO,
        })
    }

    /// Writes `length` bytes of `data` at `offset` of an existing datastore file, keeping its
    /// other bytes: the server replaces whole files only, so the new content (head, data, tail)
    /// is put together in a local temporary file, then uploaded.
    async fn upload_spliced(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        mut data: impl AsyncRead + Unpin + Send,
        length: u64,
        offset: u64,
        progress: impl FnMut(TransferProgress) + Send + 'static,
    ) -> Result<(), crate::Error> {
        let size = self.http().file_size(datacenter_path, file).await?;
        if offset > size {
            return Err(refusal(
                format!("cannot write at offset {offset} of {file}"),
                format!("the file has only {size} bytes"),
            ));
        }
        let staging = |e| local_error("cannot stage the new content locally".to_owned(), e);
        let path = tempfile::Builder::new()
            .prefix(".esx-vi-upload.")
            .tempfile()
            .map_err(staging)?
            .into_temp_path();
        let mut staged = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(staging)?;
        {
            let mut writer = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, &mut staged);
            let head = ByteRange {
                start: 0,
                end: Some(offset),
            };
            self.http()
                .download(datacenter_path, file, Some(head), &mut writer, &mut |_| {})
                .await?;
            let copied = tokio::io::copy(&mut data, &mut writer)
                .await
                .map_err(|e| local_error("cannot read the data to upload".to_owned(), e))?;
            if copied != length {
                return Err(local_error(
                    "cannot read the data to upload".to_owned(),
                    io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("it ended after {copied} of {length} bytes"),
                    ),
                ));
            }
            let end = offset.saturating_add(length);
            if end < size {
                let tail = ByteRange {
                    start: end,
                    end: None,
                };
                self.http()
                    .download(datacenter_path, file, Some(tail), &mut writer, &mut |_| {})
                    .await?;
            }
            writer.flush().await.map_err(staging)?;
        }
        drop(staged);
        let source = std::fs::File::open(&path).map_err(staging)?;
        let total = source.metadata().map_err(staging)?.len();
        self.upload_std_file(
            datacenter_path,
            file,
            source,
            total,
            None,
            Box::new(progress),
        )
        .await
        .map_err(|e| match e {
            UploadError::Read(e) => staging(e),
            UploadError::Upload(e) => e,
        })?;
        Ok(())
    }

    /// Uploads the first `length` bytes of the local `source` to a datastore file: the file is
    /// read (and hashed into `hasher`) on a blocking thread while the runtime sends what it read.
    async fn upload_std_file(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        source: std::fs::File,
        length: u64,
        hasher: Option<Sha256>,
        progress: Box<dyn FnMut(TransferProgress) + Send>,
    ) -> Result<(u64, Option<Sha256>), UploadError> {
        let (chunks, queue) = tokio::sync::mpsc::channel(READ_QUEUE);
        let reader =
            tokio::task::spawn_blocking(move || read_chunks(source, length, hasher, chunks));
        let queued = futures_util::stream::unfold(queue, |mut queue| async move {
            queue.recv().await.map(|chunk| (chunk, queue))
        });
        let sent = self
            .http()
            .upload_chunks(datacenter_path, file, Box::pin(queued), length, progress)
            .await;
        // The queue went with the request: a reader still sending has stopped.
        let hasher = reader
            .await
            .map_err(|e| UploadError::Read(io::Error::other(e)))?;
        let sent = sent.map_err(|e| UploadError::Upload(e.into()))?;
        Ok((sent, hasher))
    }

    /// The size in bytes of a datastore file.
    pub async fn datastore_file_size(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
    ) -> Result<u64, crate::Error> {
        Ok(self.http().file_size(datacenter_path, file).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_offset_length_and_what_is_already_there() {
        assert_eq!(remote_range(0, None, 0), None);
        assert_eq!(
            remote_range(0, None, 10),
            Some(ByteRange {
                start: 10,
                end: None
            })
        );
        assert_eq!(
            remote_range(5, Some(10), 0),
            Some(ByteRange {
                start: 5,
                end: Some(15)
            })
        );
    }

    /// Takes at most `limit` bytes per write, as a short write would.
    struct Trickle {
        out: Vec<u8>,
        limit: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.limit);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(self.limit - n);
                self.out.extend_from_slice(&b[..take]);
                n += take;
                if n == self.limit {
                    break;
                }
            }
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn vectored_writes_survive_short_writes_in_order() {
        let chunks = [
            bytes::Bytes::from_static(b"hello "),
            bytes::Bytes::new(),
            bytes::Bytes::from_static(b"chunked "),
            bytes::Bytes::from_static(b"world"),
        ];
        for limit in [1, 3, 7, 100] {
            let mut out = Trickle {
                out: Vec::new(),
                limit,
            };
            write_all_vectored(&mut out, &chunks).unwrap();
            assert_eq!(out.out, b"hello chunked world", "limit {limit}");
        }
    }

    /// The chunks `read_chunks` queues for a file of `size` bytes when asked for `length`.
    fn read_all(size: usize, length: u64, checksum: bool) -> (Vec<u8>, Vec<usize>, Option<String>) {
        let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&content).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel(READ_QUEUE);
        let reader = std::thread::spawn(move || {
            read_chunks(file, length, checksum.then(Sha256::new), tx).map(|h| hex(&h.finalize()))
        });
        let (mut data, mut sizes) = (Vec::new(), Vec::new());
        while let Some(chunk) = rx.blocking_recv() {
            let chunk = chunk.unwrap();
            sizes.push(chunk.len());
            data.extend_from_slice(&chunk);
        }
        (data, sizes, reader.join().unwrap())
    }

    #[test]
    fn an_upload_reads_exactly_its_length_in_whole_chunks_and_hashes_it() {
        let size = 2 * READ_CHUNK + 5;
        let (data, sizes, hash) = read_all(size, size as u64, true);
        assert_eq!(sizes, [READ_CHUNK, READ_CHUNK, 5]);
        assert_eq!(hash.unwrap(), hex(&Sha256::digest(&data)));
        assert_eq!(data.len(), size);

        // A length short of the file's size stops there, mid-chunk.
        let (data, sizes, hash) = read_all(size, 1000, false);
        assert_eq!((data.len(), sizes), (1000, vec![1000]));
        assert_eq!(hash, None);

        // A file shorter than the length ends early; the upload reports where.
        let (data, _, _) = read_all(10, 100, false);
        assert_eq!(data.len(), 10);
    }

    #[test]
    fn an_upload_reader_stops_when_the_upload_stops_listening() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&vec![1u8; 4 * READ_CHUNK]).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        drop(rx);
        let reader = std::thread::spawn(move || read_chunks(file, u64::MAX, None, tx));
        assert!(reader.join().unwrap().is_none());
    }
}
