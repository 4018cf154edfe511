//! Streaming transfer of datastore files over the `/folder` HTTP endpoint, with the session
//! cookie: downloads (whole or a byte range) into any `AsyncWrite`, uploads from any `AsyncRead`
//! of known length, both without buffering the file and with a progress callback.

use std::fmt;
use std::str::FromStr;

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use url::Url;

use crate::error::TransportError;
use crate::http::{excerpt, redirect_error, HttpTransport};

/// A file on a datastore, written `[datastore] path/to/file.vmx` in the vSphere API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DatastorePath {
    /// The datastore name.
    pub datastore: String,
    /// The path inside the datastore, `/`-separated, without a leading `/` (may be empty for the
    /// datastore's root).
    pub path: String,
}

impl DatastorePath {
    /// `[datastore] path`.
    pub fn new(datastore: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            datastore: datastore.into(),
            path: path.into().trim_start_matches('/').to_owned(),
        }
    }

    /// The directory part (`dir` of `[ds] dir/file.vmx`), empty at the datastore root.
    pub fn directory(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// The file name (`file.vmx` of `[ds] dir/file.vmx`).
    pub fn file_name(&self) -> &str {
        self.path
            .rsplit_once('/')
            .map_or(&self.path, |(_, name)| name)
    }
}

impl fmt::Display for DatastorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "[{}]", self.datastore)
        } else {
            write!(f, "[{}] {}", self.datastore, self.path)
        }
    }
}

/// Why a `[datastore] path` string was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid datastore path {text:?}: {reason}")]
pub struct DatastorePathError {
    text: String,
    reason: &'static str,
}

impl DatastorePathError {
    /// What is wrong with the path.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl FromStr for DatastorePath {
    type Err = DatastorePathError;

    /// Parses `[datastore] path`. A path that could leave its datastore or folder is refused: a
    /// `..` or `.` component, or a path starting with `/` (an absolute one), as are control
    /// characters.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason| DatastorePathError {
            text: text.to_owned(),
            reason,
        };
        const SHAPE: &str = "expected \"[datastore] path/to/file\"";
        let rest = text.trim().strip_prefix('[').ok_or_else(|| error(SHAPE))?;
        let (datastore, path) = rest.split_once(']').ok_or_else(|| error(SHAPE))?;
        if datastore.is_empty() {
            return Err(error(SHAPE));
        }
        let path = path.trim();
        if text.chars().any(char::is_control) {
            return Err(error("it contains a control character"));
        }
        if path.starts_with('/') {
            return Err(error(
                "the path after the datastore must be relative to it, not start with '/'",
            ));
        }
        if path.split('/').any(|part| part == ".." || part == ".") {
            return Err(error(
                "a '..' or '.' component is not allowed: a datastore path stays inside its datastore",
            ));
        }
        Ok(Self::new(datastore, path))
    }
}

/// How far a transfer got: bytes moved so far and, when known, the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferProgress {
    /// Bytes transferred so far.
    pub transferred: u64,
    /// Bytes the transfer will move in all, when the server or the caller said.
    pub total: Option<u64>,
}

/// Which bytes of a file to download: `start..end` (end exclusive) or `start..` to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// The first byte.
    pub start: u64,
    /// One past the last byte, or `None` for the end of the file.
    pub end: Option<u64>,
}

impl ByteRange {
    fn header_value(&self) -> String {
        match self.end {
            Some(end) => format!("bytes={}-{}", self.start, end.saturating_sub(1)),
            None => format!("bytes={}-", self.start),
        }
    }
}

/// The `/folder/<path>?dcPath=<datacenter>&dsName=<datastore>` URL of a datastore file.
pub(crate) fn folder_url(base: &Url, datacenter_path: &str, file: &DatastorePath) -> Url {
    let mut url = base.clone();
    {
        let mut segments = url
            .path_segments_mut()
            .expect("an http(s) base URL always has path segments");
        segments.clear().push("folder");
        for part in file.path.split('/').filter(|p| !p.is_empty()) {
            segments.push(part);
        }
    }
    url.query_pairs_mut()
        .append_pair("dcPath", datacenter_path)
        .append_pair("dsName", &file.datastore);
    url
}

/// Where the bytes of a download go.
pub(crate) enum ChunkSink<'a> {
    /// Written into an async writer (each chunk is copied into it).
    Writer(&'a mut (dyn AsyncWrite + Unpin + Send)),
    /// Handed over as they arrived, without a copy, to a consumer (a writer thread) through a
    /// bounded channel: a slow consumer makes the download wait, so memory stays bounded. A
    /// consumer that has gone (it failed) makes the download fail with `BrokenPipe`.
    Chunks(&'a tokio::sync::mpsc::Sender<bytes::Bytes>),
}

impl ChunkSink<'_> {
    async fn put(&mut self, chunk: bytes::Bytes) -> std::io::Result<()> {
        match self {
            Self::Writer(w) => w.write_all(&chunk).await,
            Self::Chunks(tx) => tx.send(chunk).await.map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the local writer stopped")
            }),
        }
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Writer(w) => w.flush().await,
            Self::Chunks(_) => Ok(()),
        }
    }
}

impl HttpTransport {
    fn file_request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        let mut request = self.transfer_http().request(method, url);
        if let Some(cookie) = self.session_cookie() {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        request
    }

    /// Downloads `file` (or `range` of it) into `sink`; returns the number of bytes written.
    pub(crate) async fn download(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        range: Option<ByteRange>,
        sink: &mut (dyn AsyncWrite + Unpin + Send),
        progress: &mut (dyn FnMut(TransferProgress) + Send),
    ) -> Result<u64, TransportError> {
        self.download_into(
            datacenter_path,
            file,
            range,
            ChunkSink::Writer(sink),
            progress,
        )
        .await
    }

    /// Downloads `file` (or `range` of it) into `sink`; returns the number of bytes passed on.
    pub(crate) async fn download_into(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        range: Option<ByteRange>,
        mut sink: ChunkSink<'_>,
        progress: &mut (dyn FnMut(TransferProgress) + Send),
    ) -> Result<u64, TransportError> {
        let url = folder_url(self.base_url(), datacenter_path, file);
        let operation = format!("download of {file}");
        let mut request = self.file_request(reqwest::Method::GET, url.clone());
        if let Some(range) = range {
            request = request.header(reqwest::header::RANGE, range.header_value());
        }
        // No limit on the whole transfer, but on the wait for the answer and each pause in it.
        let idle = self.idle_timeout();
        let response = tokio::time::timeout(idle, request.send())
            .await
            .map_err(|_| stalled(&url, &operation, idle))?
            .map_err(|e| self.map_error(e, &url, &operation, idle))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(redirect_error(&url, &operation, &response));
        }
        if !status.is_success() {
            let body = error_page(response).await;
            return Err(file_status_error(&url, &operation, status, &body));
        }
        // A server that ignores Range answers 200 with the whole file: skip and cut locally.
        let (mut skip, mut remaining) = match range {
            Some(r) if status != reqwest::StatusCode::PARTIAL_CONTENT => {
                (r.start, r.end.map(|end| end.saturating_sub(r.start)))
            }
            Some(r) => (0, r.end.map(|end| end.saturating_sub(r.start))),
            None => (0, None),
        };
        let total = remaining.or_else(|| {
            response
                .content_length()
                .map(|len| len.saturating_sub(skip))
        });
        let mut transferred = 0u64;
        progress(TransferProgress { transferred, total });
        let mut body = response.bytes_stream();
        while let Some(chunk) = tokio::time::timeout(idle, body.next())
            .await
            .map_err(|_| stalled(&url, &operation, idle))?
        {
            let mut data = chunk.map_err(|e| self.map_error(e, &url, &operation, idle))?;
            // Cutting is slicing the shared buffer, never copying it.
            if skip > 0 {
                let n = skip.min(data.len() as u64) as usize;
                data = data.slice(n..);
                skip -= n as u64;
            }
            if let Some(left) = remaining.as_mut() {
                let n = (*left).min(data.len() as u64) as usize;
                data.truncate(n);
                *left -= n as u64;
            }
            if !data.is_empty() {
                let n = data.len() as u64;
                sink.put(data).await.map_err(|source| TransportError::Io {
                    context: format!("writing the {operation} failed"),
                    source,
                })?;
                transferred += n;
                progress(TransferProgress { transferred, total });
            }
            if remaining == Some(0) {
                break;
            }
        }
        sink.flush().await.map_err(|source| TransportError::Io {
            context: format!("writing the {operation} failed"),
            source,
        })?;
        Ok(transferred)
    }

    /// The size of `file`, asked with a one-byte range request (`Content-Range: bytes 0-0/SIZE`),
    /// which every server that serves ranges answers; an empty file answers 416 `bytes */0`.
    pub(crate) async fn file_size(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
    ) -> Result<u64, TransportError> {
        let url = folder_url(self.base_url(), datacenter_path, file);
        let operation = format!("size query of {file}");
        let idle = self.idle_timeout();
        let request = self
            .file_request(reqwest::Method::GET, url.clone())
            .header(reqwest::header::RANGE, "bytes=0-0");
        let response = tokio::time::timeout(idle, request.send())
            .await
            .map_err(|_| stalled(&url, &operation, idle))?
            .map_err(|e| self.map_error(e, &url, &operation, idle))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(redirect_error(&url, &operation, &response));
        }
        let content_range = response
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(size_of_content_range);
        match status.as_u16() {
            206 | 416 => content_range.ok_or_else(|| TransportError::HttpStatus {
                url: url.to_string(),
                method: operation,
                status: status.as_u16(),
                excerpt: "the answer has no Content-Range with the file's size".to_owned(),
            }),
            // A server that ignores Range sends the whole file: its length is the size (the
            // body is dropped unread).
            200 => response
                .content_length()
                .ok_or_else(|| TransportError::HttpStatus {
                    url: url.to_string(),
                    method: operation,
                    status: 200,
                    excerpt: "the answer has neither Content-Range nor Content-Length".to_owned(),
                }),
            _ => {
                let body = error_page(response).await;
                Err(file_status_error(&url, &operation, status, &body))
            }
        }
    }

    /// Uploads `length` bytes read from `source` to `file`, replacing it.
    pub(crate) async fn upload(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        source: Box<dyn AsyncRead + Unpin + Send>,
        length: u64,
        progress: Box<dyn FnMut(TransferProgress) + Send>,
    ) -> Result<u64, TransportError> {
        const CHUNK: usize = 256 * 1024;
        let chunks =
            futures_util::stream::unfold((source, length), |(mut source, left)| async move {
                let want = CHUNK.min(usize::try_from(left).unwrap_or(CHUNK));
                if want == 0 {
                    return None;
                }
                let mut buffer = vec![0u8; want];
                match source.read(&mut buffer).await {
                    // upload_chunks says where a short source ended.
                    Ok(0) => None,
                    Ok(n) => {
                        buffer.truncate(n);
                        Some((Ok(bytes::Bytes::from(buffer)), (source, left - n as u64)))
                    }
                    Err(e) => Some((Err(e), (source, 0))),
                }
            });
        self.upload_chunks(datacenter_path, file, Box::pin(chunks), length, progress)
            .await
    }

    /// Uploads the `length` bytes that `chunks` yields to `file`, replacing it. A stream that ends
    /// early fails the upload with the number of bytes it gave; one that gives more is cut
    /// (the request declares `length`).
    pub(crate) async fn upload_chunks(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        chunks: impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send + Unpin + 'static,
        length: u64,
        progress: Box<dyn FnMut(TransferProgress) + Send>,
    ) -> Result<u64, TransportError> {
        let url = folder_url(self.base_url(), datacenter_path, file);
        let operation = format!("upload of {file}");
        let idle = self.idle_timeout();
        // When the body last moved: the server must take each chunk, and answer after the last,
        // within the idle timeout.
        let activity = std::sync::Arc::new(std::sync::Mutex::new(tokio::time::Instant::now()));
        let touched = activity.clone();
        let state = (chunks, progress, 0u64, false);
        let stream =
            futures_util::stream::unfold(state, move |(mut chunks, mut progress, sent, done)| {
                let touched = touched.clone();
                async move {
                    *touched.lock().unwrap_or_else(|e| e.into_inner()) =
                        tokio::time::Instant::now();
                    if done {
                        return None;
                    }
                    if sent == 0 {
                        progress(TransferProgress {
                            transferred: 0,
                            total: Some(length),
                        });
                    }
                    if sent == length {
                        return None;
                    }
                    match chunks.next().await {
                        None => Some((
                            Err(std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                format!("the source ended after {sent} of {length} bytes"),
                            )),
                            (chunks, progress, sent, true),
                        )),
                        Some(Ok(mut chunk)) => {
                            chunk.truncate(usize::try_from(length - sent).unwrap_or(usize::MAX));
                            let sent = sent + chunk.len() as u64;
                            progress(TransferProgress {
                                transferred: sent,
                                total: Some(length),
                            });
                            Some((Ok(chunk), (chunks, progress, sent, false)))
                        }
                        Some(Err(e)) => Some((Err(e), (chunks, progress, sent, true))),
                    }
                }
            });
        let send = self
            .file_request(reqwest::Method::PUT, url.clone())
            .header(reqwest::header::CONTENT_LENGTH, length)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(reqwest::Body::wrap_stream(stream))
            .send();
        tokio::pin!(send);
        let response = loop {
            let last = *activity.lock().unwrap_or_else(|e| e.into_inner());
            tokio::select! {
                response = &mut send => break response,
                () = tokio::time::sleep_until(last + idle) => {
                    if activity.lock().unwrap_or_else(|e| e.into_inner()).elapsed() >= idle {
                        return Err(stalled(&url, &operation, idle));
                    }
                }
            }
        }
        .map_err(|e| self.map_error(e, &url, &operation, idle))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(redirect_error(&url, &operation, &response));
        }
        if !status.is_success() {
            let body = error_page(response).await;
            return Err(file_status_error(&url, &operation, status, &body));
        }
        Ok(length)
    }
}

/// The complete length in a `Content-Range` header (`bytes 0-0/1234`, `bytes */1234`).
fn size_of_content_range(value: &str) -> Option<u64> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (_, size) = rest.split_once('/')?;
    size.trim().parse().ok()
}

/// The error for a transfer that made no progress for `idle`.
fn stalled(url: &Url, operation: &str, idle: std::time::Duration) -> TransportError {
    TransportError::Timeout {
        url: url.to_string(),
        method: operation.to_owned(),
        timeout: idle,
    }
}

/// The beginning of an error answer's body (at most 64 KiB, enough for its excerpt): an error
/// page is never read to its end, which a hostile server might never send.
async fn error_page(mut response: reqwest::Response) -> Vec<u8> {
    const MAX_ERROR_PAGE: usize = 64 * 1024;
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_PAGE {
            body.truncate(MAX_ERROR_PAGE);
            break;
        }
    }
    body
}

fn file_status_error(
    url: &Url,
    operation: &str,
    status: reqwest::StatusCode,
    body: &[u8],
) -> TransportError {
    let hint = match status.as_u16() {
        404 => "no such file, datastore or datacenter: ".to_owned(),
        401 | 403 => "not allowed (is the session still logged in?): ".to_owned(),
        416 => "the requested range starts at or past the end of the file: ".to_owned(),
        _ => String::new(),
    };
    TransportError::HttpStatus {
        url: url.to_string(),
        method: operation.to_owned(),
        status: status.as_u16(),
        excerpt: format!("{hint}{}", excerpt(body)),
    }
}

impl crate::Client {
    /// Downloads a datastore file (or `range` of it) into `sink`, streaming, calling `progress`
    /// as bytes arrive; returns the number of bytes written. `datacenter_path` is the datacenter's
    /// inventory path (`ha-datacenter` on ESX; [`HostContext::datacenter_path`](crate::HostContext)).
    pub async fn download_file(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        range: Option<ByteRange>,
        sink: &mut (dyn AsyncWrite + Unpin + Send),
        mut progress: impl FnMut(TransferProgress) + Send,
    ) -> Result<u64, crate::Error> {
        Ok(self
            .http()
            .download(datacenter_path, file, range, sink, &mut progress)
            .await?)
    }

    /// Uploads `length` bytes from `source` to a datastore file (created or replaced), streaming,
    /// calling `progress` as bytes are sent.
    pub async fn upload_file(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        source: impl AsyncRead + Unpin + Send + 'static,
        length: u64,
        progress: impl FnMut(TransferProgress) + Send + 'static,
    ) -> Result<u64, crate::Error> {
        Ok(self
            .http()
            .upload(
                datacenter_path,
                file,
                Box::new(source),
                length,
                Box::new(progress),
            )
            .await?)
    }

    /// Uploads a local file to a datastore file.
    pub async fn upload_local_file(
        &self,
        datacenter_path: &str,
        file: &DatastorePath,
        local: &std::path::Path,
        progress: impl FnMut(TransferProgress) + Send + 'static,
    ) -> Result<u64, crate::Error> {
        let io_error = |source: std::io::Error| {
            crate::Error::Transport(TransportError::Io {
                context: format!("cannot read {}", local.display()),
                source,
            })
        };
        let source = tokio::fs::File::open(local).await.map_err(io_error)?;
        let length = source.metadata().await.map_err(io_error)?.len();
        self.upload_file(datacenter_path, file, source, length, progress)
            .await
    }

    /// Creates a datastore directory (`[ds] dir/sub`), with its parents when `create_parents`.
    pub async fn make_directory(
        &self,
        datacenter: &esx_vi_types::ManagedObjectReference,
        directory: &DatastorePath,
        create_parents: bool,
    ) -> Result<(), crate::Error> {
        esx_vi_types::methods::make_directory(
            self,
            self.service_content(),
            &directory.to_string(),
            Some(datacenter),
            Some(create_parents),
        )
        .await
        .map_err(crate::error::method_error("MakeDirectory"))
    }

    /// Deletes a datastore file or directory with `DeleteDatastoreFile_Task` and waits for the task.
    pub async fn delete_datastore_file(
        &self,
        datacenter: &esx_vi_types::ManagedObjectReference,
        file: &DatastorePath,
    ) -> Result<(), crate::Error> {
        let task = esx_vi_types::methods::delete_datastore_file_task(
            self,
            self.service_content(),
            &file.to_string(),
            Some(datacenter),
        )
        .await
        .map_err(crate::error::method_error("DeleteDatastoreFile_Task"))?;
        self.wait_for_task(&task, None, crate::TaskWait::default())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datastore_paths_parse_and_print() {
        let p: DatastorePath = "[datastore1] vm one/vm one.vmx".parse().unwrap();
        assert_eq!(p.datastore, "datastore1");
        assert_eq!(p.path, "vm one/vm one.vmx");
        assert_eq!(p.directory(), "vm one");
        assert_eq!(p.file_name(), "vm one.vmx");
        assert_eq!(p.to_string(), "[datastore1] vm one/vm one.vmx");
        let root: DatastorePath = "[ds]".parse().unwrap();
        assert_eq!(root.to_string(), "[ds]");
        for bad in ["datastore1 x", "[ds x", "[] x"] {
            assert!(bad.parse::<DatastorePath>().is_err(), "{bad}");
        }
    }

    #[test]
    fn datastore_paths_that_could_leave_their_datastore_are_refused() {
        for bad in [
            "[ds] ../t4/x.vmdk",
            "[ds] a/../../x",
            "[ds] ..",
            "[ds] ./x",
            "[ds] /etc/passwd",
            "[ds] a/\n/x",
        ] {
            let bad = bad.replace("\\n", "\n");
            let err = bad.parse::<DatastorePath>().expect_err(&bad);
            assert!(!err.to_string().contains('\n'), "{err}");
        }
        assert_eq!(
            "[ds] ../x".parse::<DatastorePath>().unwrap_err().to_string(),
            "invalid datastore path \"[ds] ../x\": a '..' or '.' component is not allowed: a datastore path stays inside its datastore"
        );
        for good in ["[ds] a..b/c", "[ds] .hidden/x", "[ds] dir/x.vmdk", "[ds]"] {
            good.parse::<DatastorePath>().expect(good);
        }
    }

    #[test]
    fn folder_urls_encode_path_and_query() {
        let base = Url::parse("https://esx.example/").unwrap();
        let url = folder_url(
            &base,
            "dc/with space",
            &DatastorePath::new("ds 1", "a b/c#d.vmx"),
        );
        assert_eq!(
            url.as_str(),
            "https://esx.example/folder/a%20b/c%23d.vmx?dcPath=dc%2Fwith+space&dsName=ds+1"
        );
    }

    #[test]
    fn content_ranges_give_the_file_size() {
        assert_eq!(size_of_content_range("bytes 0-0/1234"), Some(1234));
        assert_eq!(size_of_content_range("bytes */0"), Some(0));
        assert_eq!(size_of_content_range("bytes 0-0/*"), None);
        assert_eq!(size_of_content_range("items 0-0/5"), None);
    }

    #[test]
    fn ranges_become_inclusive_http_ranges() {
        assert_eq!(
            ByteRange {
                start: 10,
                end: Some(20)
            }
            .header_value(),
            "bytes=10-19"
        );
        assert_eq!(
            ByteRange {
                start: 5,
                end: None
            }
            .header_value(),
            "bytes=5-"
        );
    }
}
