//! `virsh screenshot`: the console of a running domain as a PNG, as libvirt's
//! `esxDomainScreenshot` takes it: only where the host reports `capability.screenshotSupported`,
//! only of a powered-on VM, fetched from the host's `/screen?id=<vm>` over the session.

use esx_vi::types::AnyValue;

use super::lookup::{DomainRef, DomainState};
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

/// The MIME type of every screenshot ESX takes.
pub const SCREENSHOT_MIME_TYPE: &str = "image/png";

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

impl Connection {
    /// The screen of `dom` (screen 0, the only one ESX offers) as PNG bytes.
    pub async fn screenshot(&self, dom: &DomainRef, screen: u32) -> Result<Vec<u8>> {
        if screen != 0 {
            return Err(Error::InvalidArg("Screen cannot be selected".into()));
        }
        let props = self
            .host_properties(&["capability.screenshotSupported"])
            .await?;
        if !matches!(
            props.path("capability.screenshotSupported"),
            Some(AnyValue::Boolean(true))
        ) {
            return Err(Error::OperationInvalid(
                "Screenshot feature is unsupported".into(),
            ));
        }
        let dom = self.refresh(dom).await?;
        if dom.state != DomainState::Running {
            return Err(Error::OperationInvalid("Domain is not powered on".into()));
        }
        let image = self
            .client()
            .screenshot(&dom.moref)
            .await
            .map_err(Error::Vi)?;
        check_png(&image)?;
        Ok(image)
    }
}

/// What libvirt checks (something came) and what a file named `.png` needs (it is a PNG, not
/// an error page).
fn check_png(image: &[u8]) -> Result<()> {
    if image.is_empty() {
        return Err(Error::Internal("Could not download screenshot".into()));
    }
    if !image.starts_with(PNG_SIGNATURE) {
        return Err(Error::Internal(
            "the host sent a screenshot that is not a PNG image".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_png_bytes_are_a_screenshot() {
        assert!(check_png(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").is_ok());
        let empty = check_png(b"").unwrap_err().to_string();
        assert_eq!(empty, "internal error: Could not download screenshot");
        let page = check_png(b"<html>error</html>").unwrap_err().to_string();
        assert!(page.contains("not a PNG image"), "{page}");
    }
}
