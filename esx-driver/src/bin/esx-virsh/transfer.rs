//! Volume transfers: `vol-upload` and `vol-download` stream a local file to or from a datastore
//! file (an ISO installer, a floppy image, a flat VMDK extent) over the host's `/folder` URL, with
//! a progress bar on a terminal, byte ranges, resuming an interrupted download and the SHA-256 of
//! the data. Beyond libvirt, whose ESX driver has no volume streams.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Subcommand};
use esx_driver::driver::{Connection, Error};
use esx_vi::{DatastorePath, DownloadOptions, TransferProgress, TransferSummary, UploadOptions};
use indicatif::ProgressBar;

use crate::error::CommandError;
use crate::pool::lookup_pool;
use crate::volume::lookup_volume;

#[derive(Debug, Args)]
pub(crate) struct VolUploadArgs {
    /// Volume: "[datastore] folder/file", folder/file with --pool, or a disk's key
    vol: String,
    /// The local file to upload (a regular file)
    file: PathBuf,
    /// Pool name or uuid
    #[arg(long)]
    pool: Option<String>,
    /// Volume offset to upload to (the bytes before it, and after the data, are kept)
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// Upload at most this many bytes of the file
    #[arg(long)]
    length: Option<u64>,
    /// Print the SHA-256 of the uploaded data
    #[arg(long)]
    checksum: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VolDownloadArgs {
    /// Volume: "[datastore] folder/file", folder/file with --pool, or a disk's key
    vol: String,
    /// The local file to write
    file: PathBuf,
    /// Pool name or uuid
    #[arg(long)]
    pool: Option<String>,
    /// Volume offset to download from
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// Download at most this many bytes
    #[arg(long)]
    length: Option<u64>,
    /// Continue an interrupted download: keep what FILE holds and fetch the rest
    #[arg(long)]
    resume: bool,
    /// Print the SHA-256 of the downloaded file
    #[arg(long)]
    checksum: bool,
}

/// The transfer commands. The global -q/--quiet also hides the progress bar.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Upload file contents to a volume
    VolUpload(VolUploadArgs),
    /// Download volume contents to a file
    VolDownload(VolDownloadArgs),
}

impl Command {
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        let datacenter = conn.host_context().datacenter_path.clone();
        let client = conn.client();
        match self {
            Command::VolUpload(args) => {
                let refused = || {
                    CommandError::while_doing(
                        format!("cannot upload to volume {}", args.vol),
                        Error::NoSupport("virStorageVolUpload".into()),
                    )
                };
                let file = transfer_file(conn, &args.vol, args.pool.as_deref(), refused).await?;
                let bar = crate::progress::byte_bar();
                let shown = bar.clone();
                let options = UploadOptions {
                    offset: args.offset,
                    length: args.length,
                    checksum: args.checksum,
                };
                let summary = client
                    .upload_from_path(&datacenter, &file, &args.file, options, move |p| {
                        show(&shown, p)
                    })
                    .await
                    .map_err(|e| {
                        CommandError::while_doing(format!("cannot upload to volume {}", args.vol), e)
                    });
                bar.finish_and_clear();
                Ok(checksum_line(&summary?, &args.file))
            }
            Command::VolDownload(args) => {
                let refused = || {
                    CommandError::while_doing(
                        format!("cannot download from volume {}", args.vol),
                        Error::NoSupport("virStorageVolDownload".into()),
                    )
                };
                let file = transfer_file(conn, &args.vol, args.pool.as_deref(), refused).await?;
                let bar = crate::progress::byte_bar();
                let options = DownloadOptions {
                    offset: args.offset,
                    length: args.length,
                    resume: args.resume,
                    checksum: args.checksum,
                };
                let summary = client
                    .download_to_path(&datacenter, &file, &args.file, options, |p| show(&bar, p))
                    .await
                    .map_err(|e| {
                        CommandError::while_doing(
                            format!("cannot download from volume {}", args.vol),
                            e,
                        )
                    });
                bar.finish_and_clear();
                Ok(checksum_line(&summary?, &args.file))
            }
        }
    }
}

/// The datastore file a transfer goes to or comes from. A path (`[datastore] folder/file`, or
/// `folder/file` with `--pool NAME|UUID`) names a file in a pool the storage driver knows, whether
/// or not it is a volume: a flat VMDK extent is not one, and `vol-upload` creates files. Anything
/// else is a volume key (a disk's UUID), resolved by the storage driver's lookup. The LUNs of
/// an iSCSI pool have no file to stream: `refused` is libvirt's error for them.
async fn transfer_file(
    conn: &Connection,
    volume: &str,
    pool: Option<&str>,
    refused: impl Fn() -> CommandError,
) -> Result<DatastorePath, CommandError> {
    let pool = match pool {
        Some(pool) => {
            let pool = lookup_pool(conn, pool).await?;
            if pool.iscsi_target().is_some() {
                // The volume must exist, as virsh looks it up before it streams.
                lookup_volume(conn, volume, Some(&pool.name)).await?;
                return Err(refused());
            }
            Some(pool.name)
        }
        None if volume.trim_start().starts_with('[') => None,
        None => {
            return lookup_volume(conn, volume, None)
                .await?
                .datastore_path()
                .ok_or_else(refused)
        }
    };
    let file = datastore_file(volume, pool.as_deref())?;
    if pool.is_none() {
        lookup_pool(conn, &file.datastore).await?;
    }
    Ok(file)
}

/// The datastore file a volume path names: `[datastore] folder/file`, or `folder/file` in the
/// pool named `pool`. A path that could leave its datastore (`..`, `.`, a leading `/`) is
/// refused.
fn datastore_file(volume: &str, pool: Option<&str>) -> Result<DatastorePath, CommandError> {
    let not_found = |why: String| {
        let hint = if pool.is_none() {
            ", specifying --pool might help"
        } else {
            ""
        };
        CommandError::while_doing_because(format!("failed to get vol '{volume}'{hint}"), why)
    };
    let text = match pool {
        _ if volume.trim_start().starts_with('[') => volume.to_owned(),
        Some(pool) => format!("[{pool}] {volume}"),
        None => {
            return Err(not_found(format!(
                "Storage volume not found: no storage vol with matching path '{volume}'"
            )))
        }
    };
    let file = DatastorePath::from_str(&text).map_err(|e| not_found(e.to_string()))?;
    if let Some(pool) = pool {
        if file.datastore != pool {
            return Err(not_found(format!(
                "Storage volume not found: {file} is not in pool '{pool}'"
            )));
        }
    }
    if file.path.is_empty() || file.path.ends_with('/') {
        return Err(not_found(format!(
            "Storage volume not found: '{volume}' names no file"
        )));
    }
    Ok(file)
}

fn show(bar: &ProgressBar, progress: TransferProgress) {
    if let Some(total) = progress.total {
        bar.set_length(total);
    }
    bar.set_position(progress.transferred);
}

/// `--checksum`'s output, as `sha256sum` prints it (so that `sha256sum -c` can check it).
fn checksum_line(summary: &TransferSummary, file: &std::path::Path) -> String {
    summary
        .sha256
        .as_ref()
        .map(|hex| format!("{hex}  {}\n", file.display()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_arguments_name_datastore_files() {
        let file = datastore_file("[LocalDS_0] iso/x.iso", None).unwrap();
        assert_eq!(file.to_string(), "[LocalDS_0] iso/x.iso");
        let file = datastore_file("iso/x.iso", Some("LocalDS_0")).unwrap();
        assert_eq!(file.to_string(), "[LocalDS_0] iso/x.iso");
        assert!(datastore_file("[LocalDS_0] iso/x.iso", Some("LocalDS_0")).is_ok());
        for (volume, pool) in [
            ("iso/x.iso", None),
            ("[LocalDS_0] iso/x.iso", Some("other")),
            ("../x.iso", Some("LocalDS_0")),
            ("/etc/passwd", Some("LocalDS_0")),
            ("a/./b", Some("LocalDS_0")),
            ("[LocalDS_0] a/../../b", None),
            ("[LocalDS_0]", None),
            ("dir/", Some("LocalDS_0")),
        ] {
            assert!(datastore_file(volume, pool).is_err(), "{volume} {pool:?}");
        }
    }
}
