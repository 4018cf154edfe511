//! Storage volumes (a datastore's disks and images, an iSCSI target's LUNs): `vol-list`, `vol-info`, `vol-dumpxml`,
//! `vol-path`, `vol-key`, `vol-name`, `vol-pool`, `vol-create-as`, `vol-create`,
//! `vol-create-from`, `vol-clone`, `vol-delete`, `vol-wipe`, `vol-resize`.

use clap::{Args, Subcommand};
use esx_driver::driver::storage::xml::{format_volume_xml, parse_volume_xml, unit_scale};
use esx_driver::driver::storage::{NewVolume, WipeAlgorithm};
use esx_driver::driver::{Connection, StoragePool, Volume};
use serde::Serialize;

use crate::error::CommandError;
use crate::xml_file;
use crate::output::{fields, json, line, table};
use crate::pool::{lookup_pool, pretty_capacity};
use crate::progress::{percent_bar, percent_callback};

/// A volume argument: a name with `--pool`, else a key or a path.
#[derive(Debug, Args)]
pub(crate) struct VolArgs {
    /// Vol name, key or path
    vol: String,
    /// Pool name or uuid
    #[arg(long)]
    pool: Option<String>,
}

/// The volume an argument names, as virsh resolves it, with virsh's failure messages.
pub(crate) async fn lookup_volume(
    conn: &Connection,
    text: &str,
    pool: Option<&str>,
) -> Result<Volume, CommandError> {
    lookup_volume_in(conn, text, pool, Some("pool")).await
}

/// [`lookup_volume`] for a command whose pool option has another name (`vol-create-from`'s
/// `--inputpool`), which virsh's hint names, or none (`vol-name`, `vol-pool`: no hint).
async fn lookup_volume_in(
    conn: &Connection,
    text: &str,
    pool: Option<&str>,
    pool_option: Option<&str>,
) -> Result<Volume, CommandError> {
    let pool = match pool {
        Some(pool) => Some(lookup_pool(conn, pool).await?),
        None => None,
    };
    conn.storage_vol_lookup(text, pool.as_ref())
        .await
        .map_err(|e| {
            let doing = match (&pool, pool_option) {
                (None, Some(option)) => {
                    format!("failed to get vol '{text}', specifying --{option} might help")
                }
                _ => format!("failed to get vol '{text}'"),
            };
            CommandError::while_doing(doing, e)
        })
}

/// A size as virsh reads one (`vshCommandOptScaledInt`): a number with an optional unit,
/// bytes by default.
fn parse_size(text: &str) -> Result<u64, CommandError> {
    let malformed = || format!("Malformed size {text}");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number.parse().map_err(|_| CommandError::new(malformed()))?;
    let scale = unit_scale(unit).ok_or_else(|| {
        CommandError::while_doing_because(
            malformed(),
            format!("invalid argument: unknown suffix '{unit}'"),
        )
    })?;
    value.checked_mul(scale).ok_or_else(|| {
        CommandError::while_doing_because(
            malformed(),
            format!("numerical overflow: value too large: {text}"),
        )
    })
}

#[derive(Debug, Args)]
pub(crate) struct VolListArgs {
    /// Pool name or uuid
    pool: String,
    /// Display extended details for volumes
    #[arg(long)]
    details: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VolInfoArgs {
    #[command(flatten)]
    vol: VolArgs,
    /// Return volume info in bytes
    #[arg(long)]
    bytes: bool,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VolPoolArgs {
    /// Vol key or path
    vol: String,
    /// Return the pool uuid rather than pool name
    #[arg(long)]
    uuid: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VolNameArgs {
    /// Vol key or path
    vol: String,
}

#[derive(Debug, Args)]
pub(crate) struct VolCreateAsArgs {
    /// Pool name
    pool: String,
    /// Name of the volume (folder/file.vmdk)
    name: String,
    /// Size of the vol, as scaled integer (default bytes)
    capacity: String,
    /// Initial allocation size, as scaled integer (default bytes); below the capacity: thin
    #[arg(long)]
    allocation: Option<String>,
    /// File format type (vmdk)
    #[arg(long)]
    format: Option<String>,
    /// Preallocate metadata only (libvirt's ESX driver refuses it)
    #[arg(long)]
    prealloc_metadata: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VolDeleteArgs {
    /// Vol name, key or path
    vol: String,
    /// Pool name or uuid
    #[arg(long)]
    pool: Option<String>,
    /// Delete the volume's snapshots too (libvirt's ESX driver refuses it)
    #[arg(long)]
    delete_snapshots: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VolCreateArgs {
    /// Pool name
    pool: String,
    /// File containing an XML vol description
    file: String,
}

#[derive(Debug, Args)]
pub(crate) struct VolCreateFromArgs {
    /// Pool name or uuid
    pool: String,
    /// File containing an XML vol description
    file: String,
    /// Input vol name or key
    vol: String,
    /// Pool name or uuid of the input vol's pool
    #[arg(long)]
    inputpool: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VolCloneArgs {
    /// Orig vol name or key
    vol: String,
    /// Clone name (folder/file.vmdk)
    newname: String,
    /// Pool name or uuid
    #[arg(long)]
    pool: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VolWipeArgs {
    #[command(flatten)]
    vol: VolArgs,
    /// Perform selected wiping algorithm (ESX: zero only)
    #[arg(long)]
    algorithm: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VolResizeArgs {
    /// Vol name, key or path
    vol: String,
    /// New capacity for the vol, as scaled integer (default bytes)
    capacity: String,
    /// Pool name or uuid
    #[arg(long)]
    pool: Option<String>,
    /// Allocate (zero) the new capacity now
    #[arg(long)]
    allocate: bool,
    /// Use capacity as a delta to the current size
    #[arg(long)]
    delta: bool,
    /// Allow the resize to shrink the volume (ESX cannot)
    #[arg(long)]
    shrink: bool,
}

/// The volume commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List vols
    #[command(name = "vol-list")]
    List(VolListArgs),
    /// Storage vol information
    #[command(name = "vol-info")]
    Info(VolInfoArgs),
    /// Vol information in XML
    #[command(name = "vol-dumpxml")]
    Dumpxml(VolArgs),
    /// Returns the volume path for a given volume name or key
    #[command(name = "vol-path")]
    Path(VolArgs),
    /// Returns the volume key for a given volume name or path
    #[command(name = "vol-key")]
    Key(VolArgs),
    /// Returns the volume name for a given volume key or path
    #[command(name = "vol-name")]
    Name(VolNameArgs),
    /// Returns the storage pool for a given volume key or path
    #[command(name = "vol-pool")]
    Pool(VolPoolArgs),
    /// Create a volume from a set of args
    #[command(name = "vol-create-as")]
    CreateAs(VolCreateAsArgs),
    /// Create a vol from an XML file
    #[command(name = "vol-create")]
    Create(VolCreateArgs),
    /// Create a vol, using another volume as input
    #[command(name = "vol-create-from")]
    CreateFrom(VolCreateFromArgs),
    /// Clone a volume
    #[command(name = "vol-clone")]
    Clone(VolCloneArgs),
    /// Delete a vol
    #[command(name = "vol-delete")]
    Delete(VolDeleteArgs),
    /// Wipe a vol
    #[command(name = "vol-wipe")]
    Wipe(VolWipeArgs),
    /// Resize a vol
    #[command(name = "vol-resize")]
    Resize(VolResizeArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::List(args) => vol_list(conn, &args).await,
            Command::Info(args) => vol_info(conn, &args).await,
            Command::Dumpxml(args) => {
                let vol = lookup_volume(conn, &args.vol, args.pool.as_deref()).await?;
                let key = conn.storage_vol_key(&vol).await?;
                Ok(format_volume_xml(&vol, &key))
            }
            Command::Path(args) => {
                let vol = lookup_volume(conn, &args.vol, args.pool.as_deref()).await?;
                Ok(line(vol.path()))
            }
            Command::Key(args) => {
                let vol = lookup_volume(conn, &args.vol, args.pool.as_deref()).await?;
                Ok(line(conn.storage_vol_key(&vol).await?))
            }
            Command::Name(args) => {
                let vol = lookup_volume_in(conn, &args.vol, None, None).await?;
                Ok(line(vol.name))
            }
            Command::Pool(args) => {
                let vol = lookup_volume_in(conn, &args.vol, None, None).await?;
                let pool = conn.storage_vol_pool(&vol).await?;
                Ok(if args.uuid {
                    line(pool.uuid)
                } else {
                    line(pool.name)
                })
            }
            Command::CreateAs(args) => vol_create_as(conn, &args).await,
            Command::Create(args) => {
                let failed = || format!("Failed to create vol from {}", args.file);
                let pool = lookup_pool(conn, &args.pool).await?;
                let def = xml_file::read(&args.file)?;
                let def = parse_volume_xml(&def).map_err(|e| CommandError::while_doing(failed(), e))?;
                let bar = percent_bar(&format!("creating {}", def.name));
                let vol = conn
                    .storage_vol_create_with_progress(&pool, &def, &mut percent_callback(&bar))
                    .await;
                bar.finish_and_clear();
                let vol = vol.map_err(|e| CommandError::while_doing(failed(), e))?;
                Ok(line(format_args!("Vol {} created from {}", vol.name, args.file)))
            }
            Command::CreateFrom(args) => {
                let failed = || format!("Failed to create vol from {}", args.file);
                let pool = lookup_pool(conn, &args.pool).await?;
                let source =
                    lookup_volume_in(conn, &args.vol, args.inputpool.as_deref(), Some("inputpool")).await?;
                let def = xml_file::read(&args.file)?;
                let def = parse_volume_xml(&def).map_err(|e| CommandError::while_doing(failed(), e))?;
                let bar = percent_bar(&format!("copying {}", source.name));
                let vol = conn
                    .storage_vol_clone_with_progress(
                        &pool,
                        &source,
                        &def.name,
                        &mut percent_callback(&bar),
                    )
                    .await;
                bar.finish_and_clear();
                let vol = vol.map_err(|e| CommandError::while_doing(failed(), e))?;
                Ok(line(format_args!(
                    "Vol {} created from input vol {}",
                    vol.name, source.name
                )))
            }
            Command::Clone(args) => {
                let source = lookup_volume(conn, &args.vol, args.pool.as_deref()).await?;
                let pool = conn.storage_vol_pool(&source).await?;
                let bar = percent_bar(&format!("copying {}", source.name));
                let vol = conn
                    .storage_vol_clone_with_progress(
                        &pool,
                        &source,
                        &args.newname,
                        &mut percent_callback(&bar),
                    )
                    .await;
                bar.finish_and_clear();
                let vol = vol.map_err(|e| {
                        CommandError::while_doing(
                            format!("Failed to clone vol from {}", source.name),
                            e,
                        )
                    })?;
                Ok(line(format_args!(
                    "Vol {} cloned from {}",
                    vol.name, source.name
                )))
            }
            Command::Delete(args) => {
                let vol = lookup_volume(conn, &args.vol, args.pool.as_deref()).await?;
                let failed = format!("Failed to delete vol {}", vol.name);
                if args.delete_snapshots {
                    return Err(CommandError::while_doing_because(
                        failed,
                        "unsupported flags (0x2) in function esxStorageVolDelete",
                    ));
                }
                conn.storage_vol_delete(&vol)
                    .await
                    .map_err(|e| CommandError::while_doing(failed, e))?;
                Ok(line(format_args!("Vol {} deleted", vol.name)))
            }
            Command::Wipe(args) => {
                let vol = lookup_volume(conn, &args.vol.vol, args.vol.pool.as_deref()).await?;
                let algorithm = match args.algorithm.as_deref() {
                    None | Some("zero") => WipeAlgorithm::Zero,
                    Some(other) => WipeAlgorithm::Other(other.to_owned()),
                };
                let bar = percent_bar(&format!("wiping {}", vol.name));
                let wiped = conn
                    .storage_vol_wipe_with_progress(&vol, &algorithm, &mut percent_callback(&bar))
                    .await;
                bar.finish_and_clear();
                wiped.map_err(|e| {
                    CommandError::while_doing(format!("Failed to wipe vol {}", vol.name), e)
                })?;
                Ok(line(format_args!("Vol {} wiped", vol.name)))
            }
            Command::Resize(args) => vol_resize(conn, &args).await,
        }
    }
}

/// A volume in `vol-list --json` and `vol-info --json`.
#[derive(Serialize)]
struct VolumeView<'a> {
    allocation: u64,
    capacity: u64,
    format: &'static str,
    name: &'a str,
    path: String,
    pool: &'a str,
}

impl<'a> VolumeView<'a> {
    fn of(vol: &'a Volume) -> Self {
        VolumeView {
            allocation: vol.allocation,
            capacity: vol.capacity,
            format: vol.format.name(),
            name: &vol.name,
            path: vol.path(),
            pool: &vol.pool,
        }
    }
}

async fn vol_list(conn: &Connection, args: &VolListArgs) -> Result<String, CommandError> {
    let pool: StoragePool = lookup_pool(conn, &args.pool).await?;
    let volumes = conn.storage_pool_volumes(&pool).await.map_err(|e| {
        CommandError::while_doing("Failed to list storage volumes", e)
    })?;
    if args.json {
        return json(&volumes.iter().map(VolumeView::of).collect::<Vec<_>>());
    }
    if args.details {
        let rows: Vec<Vec<String>> = volumes
            .iter()
            .map(|v| {
                vec![
                    v.name.clone(),
                    v.path(),
                    v.vol_type().to_owned(),
                    pretty_capacity(v.capacity),
                    pretty_capacity(v.allocation),
                ]
            })
            .collect();
        return Ok(table(
            &["Name", "Path", "Type", "Capacity", "Allocation"],
            &rows,
        ));
    }
    let rows: Vec<Vec<String>> = volumes
        .iter()
        .map(|v| vec![v.name.clone(), v.path()])
        .collect();
    Ok(table(&["Name", "Path"], &rows))
}

async fn vol_info(conn: &Connection, args: &VolInfoArgs) -> Result<String, CommandError> {
    let vol = lookup_volume(conn, &args.vol.vol, args.vol.pool.as_deref()).await?;
    if args.json {
        return json(&VolumeView::of(&vol));
    }
    let size = |bytes: u64| {
        if args.bytes {
            format!("{bytes} bytes")
        } else {
            pretty_capacity(bytes)
        }
    };
    Ok(fields(
        15,
        &[
            ("Name:", vol.name.clone()),
            ("Type:", vol.vol_type().to_owned()),
            ("Capacity:", size(vol.capacity)),
            ("Allocation:", size(vol.allocation)),
        ],
    ))
}

async fn vol_create_as(conn: &Connection, args: &VolCreateAsArgs) -> Result<String, CommandError> {
    let pool = lookup_pool(conn, &args.pool).await?;
    let capacity = parse_size(&args.capacity)?;
    let allocation = args.allocation.as_deref().map(parse_size).transpose()?;
    if args.prealloc_metadata {
        return Err(CommandError::while_doing_because(
            format!("Failed to create vol {}", args.name),
            "unsupported flags (0x1) in function esxStorageVolCreateXML",
        ));
    }
    let def = NewVolume {
        name: args.name.clone(),
        capacity,
        allocation,
        // Without --format, a .vmdk name says what it is (virsh would ask for raw, which ESX
        // cannot create).
        format: Some(args.format.clone().unwrap_or_else(|| "vmdk".to_owned())),
    };
    let bar = percent_bar(&format!("creating {}", def.name));
    let vol = conn
        .storage_vol_create_with_progress(&pool, &def, &mut percent_callback(&bar))
        .await;
    bar.finish_and_clear();
    let vol = vol
        .map_err(|e| CommandError::while_doing(format!("Failed to create vol {}", args.name), e))?;
    Ok(line(format_args!("Vol {} created", vol.name)))
}

async fn vol_resize(conn: &Connection, args: &VolResizeArgs) -> Result<String, CommandError> {
    let vol = lookup_volume(conn, &args.vol, args.pool.as_deref()).await?;
    // virsh's words: "by" a delta, "to" a size.
    let to_or_by = if args.delta { "by" } else { "to" };
    let failed = || {
        format!(
            "Failed to change size of volume '{}' {to_or_by} {}",
            vol.name, args.capacity
        )
    };
    let size = parse_size(&args.capacity)?;
    let capacity = if args.delta {
        vol.capacity.checked_add(size).ok_or_else(|| {
            CommandError::while_doing_because(failed(), "numerical overflow: the new size is too large")
        })?
    } else {
        size
    };
    let bar = percent_bar(&format!("resizing {}", vol.name));
    let resized = conn
        .storage_vol_resize_with_progress(&vol, capacity, args.allocate, &mut percent_callback(&bar))
        .await;
    bar.finish_and_clear();
    resized.map_err(|e| CommandError::while_doing(failed(), e))?;
    Ok(line(format_args!(
        "Size of volume '{}' successfully changed {to_or_by} {}",
        vol.name, args.capacity
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_to_bytes_and_say_what_is_wrong() {
        assert_eq!(parse_size("10M").unwrap(), 10 << 20);
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert!(parse_size("10Q").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("20000000E").is_err());
    }

    #[test]
    fn json_views_keep_their_key_order() {
        let vol = Volume {
            pool: "ds".into(),
            name: "d/a.vmdk".into(),
            format: esx_driver::driver::VolumeFormat::Vmdk,
            capacity: 1,
            allocation: 0,
            lun: None,
        };
        crate::output::assert_json_keys_sorted(&VolumeView::of(&vol));
    }
}
