//! `screenshot DOM [FILE] [--screen N]`: the console of a running domain saved as a PNG, as
//! virsh saves it: to FILE, or to `DOM-YYYY-MM-DD-hh:mm:ss.png` (UTC here, virsh's local time)
//! in the current directory. The file is written whole or not at all (a temporary file beside
//! it, renamed into place).

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use esx_driver::driver::domain::SCREENSHOT_MIME_TYPE;
use esx_driver::driver::Connection;

use crate::error::CommandError;
use crate::lookup;
use crate::output::line;

#[derive(Debug, Args)]
pub(crate) struct ScreenshotArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Where to save the PNG (default: DOMAIN-DATE-TIME.png in the current directory)
    file: Option<String>,
    /// Which screen (ESX has one: 0)
    #[arg(long, default_value_t = 0)]
    screen: u32,
}

/// The console commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Take a screenshot of a current domain console and store it into a file
    Screenshot(ScreenshotArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::Screenshot(args) => screenshot(conn, &args).await,
        }
    }
}

async fn screenshot(conn: &Connection, args: &ScreenshotArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    let image = conn.screenshot(&dom, args.screen).await.map_err(|e| {
        CommandError::while_doing(format!("could not take a screenshot of {}", dom.name), e)
    })?;
    let file = match &args.file {
        Some(file) => file.clone(),
        None => default_file_name(&dom.name, std::time::SystemTime::now()),
    };
    write_atomically(Path::new(&file), &image)
        .map_err(|e| CommandError::new(format!("cannot write the screenshot to '{file}': {e}")))?;
    Ok(line(format_args!(
        "Screenshot saved to {file}, with type of {SCREENSHOT_MIME_TYPE}"
    )))
}

/// Writes `data` to a temporary file in `path`'s directory and renames it to `path`: a reader
/// never sees half a picture, and a failure leaves any older file as it was.
fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".esx-virsh-screenshot")
        .tempfile_in(dir)?;
    temp.write_all(data)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// virsh's name for a screenshot saved without a file name: `DOM-YYYY-MM-DD-hh:mm:ss.png`, with
/// any `/` of the domain name replaced so the file lands in the current directory.
fn default_file_name(domain: &str, now: std::time::SystemTime) -> String {
    let seconds = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_date(seconds / 86_400);
    let time = seconds % 86_400;
    format!(
        "{}-{year:04}-{month:02}-{day:02}-{:02}:{:02}:{:02}.png",
        domain.replace('/', "_"),
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_carry_the_date_and_time() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_000_000);
        assert_eq!(
            default_file_name("web/1", at),
            "web_1-2026-11-30-00:53:20.png"
        );
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
    }

    #[test]
    fn a_screenshot_replaces_its_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shot.png");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, b"new picture").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new picture");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomically(&dir.path().join("no/such/dir.png"), b"x").is_err());
    }
}
