//! A running VM's console screen, from the host's `/screen?id=<vm>` HTTP endpoint with the
//! session cookie: the PNG libvirt's `esxDomainScreenshot` downloads. Read whole (a console PNG
//! is small) and at most [`MAX_SCREENSHOT_SIZE`] bytes.

use crate::error::TransportError;
use crate::http::{excerpt, redirect_error, HttpTransport};
use crate::types::ManagedObjectReference;

/// The most bytes a screenshot may have: 32 MiB, far above a console PNG, far below what would
/// hurt.
pub const MAX_SCREENSHOT_SIZE: u64 = 32 * 1024 * 1024;

impl HttpTransport {
    async fn screenshot(&self, vm: &str, limit: u64) -> Result<Vec<u8>, TransportError> {
        let mut url = self.base_url().clone();
        url.set_path("/screen");
        url.query_pairs_mut().clear().append_pair("id", vm);
        let operation = format!("the screenshot of {vm}");
        let mut request = self.http().get(url.clone());
        if let Some(cookie) = self.session_cookie() {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let idle = self.idle_timeout();
        let mut response = request
            .send()
            .await
            .map_err(|e| self.map_error(e, &url, &operation, idle))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(redirect_error(&url, &operation, &response));
        }
        let too_large = || TransportError::Io {
            context: format!("{url} sent more than {limit} bytes for {operation}"),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "response too large"),
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.map_error(e, &url, &operation, idle))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                if !status.is_success() {
                    // An error page: its beginning says enough.
                    break;
                }
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(TransportError::HttpStatus {
                url: url.to_string(),
                method: operation,
                status: status.as_u16(),
                excerpt: excerpt(&body),
            });
        }
        Ok(body)
    }
}

impl crate::Client {
    /// The screen of the running VM `vm` as the host sends it (a PNG), at most
    /// [`MAX_SCREENSHOT_SIZE`] bytes.
    pub async fn screenshot(&self, vm: &ManagedObjectReference) -> Result<Vec<u8>, crate::Error> {
        Ok(self
            .http()
            .screenshot(&vm.value, MAX_SCREENSHOT_SIZE)
            .await?)
    }
}
