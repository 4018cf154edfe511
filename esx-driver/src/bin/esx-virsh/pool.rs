//! Storage pools (the host's datastores and iSCSI targets): `pool-list`, `pool-info`, `pool-dumpxml`,
//! `pool-uuid`, `pool-name`, `pool-refresh`, `pool-autostart`, and the pool commands ESX cannot
//! do (`pool-define`, `pool-create`, `pool-start`, `pool-destroy`, `pool-undefine`,
//! `pool-delete`, `pool-build`: libvirt's errors).

use clap::{Args, Subcommand};
use esx_driver::driver::storage::xml::format_pool_xml;
use esx_driver::driver::{Connection, Error, PoolState, StoragePool};
use serde::Serialize;

use crate::error::CommandError;
use crate::xml_file;
use crate::lookup;
use crate::output::{fields, json, line, table, yes_no};

/// A pool argument: a name or a UUID.
#[derive(Debug, Args)]
pub(crate) struct PoolArg {
    /// Pool name or uuid
    pub(crate) pool: String,
}

/// The pool `text` names, with virsh's failure message.
pub(crate) async fn lookup_pool(conn: &Connection, text: &str) -> Result<StoragePool, CommandError> {
    conn.storage_pool_lookup(text)
        .await
        .map_err(|e| CommandError::while_doing(format!("failed to get pool '{text}'"), e))
}

/// virsh's human sizes in pool and volume listings: two decimals and a binary unit.
pub(crate) fn pretty_capacity(bytes: u64) -> String {
    let (value, unit) = crate::output::scaled_size(bytes);
    format!("{value:.2} {unit}")
}

#[derive(Debug, Args)]
pub(crate) struct PoolListArgs {
    /// List inactive pools
    #[arg(long)]
    inactive: bool,
    /// List inactive & active pools
    #[arg(long)]
    all: bool,
    /// List transient pools
    #[arg(long)]
    transient: bool,
    /// List persistent pools
    #[arg(long)]
    persistent: bool,
    /// List pools with autostart enabled
    #[arg(long)]
    autostart: bool,
    /// List pools with autostart disabled
    #[arg(long)]
    no_autostart: bool,
    /// Only list pools of the specified type(s) (fs, dir, netfs, iscsi; comma-separated)
    #[arg(long = "type")]
    pool_type: Option<String>,
    /// Display extended details for pools
    #[arg(long)]
    details: bool,
    /// List UUID of active pools only
    #[arg(long)]
    uuid: bool,
    /// List name of active pools only
    #[arg(long)]
    name: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PoolInfoArgs {
    /// Pool name or uuid
    pool: String,
    /// Return pool info in bytes
    #[arg(long)]
    bytes: bool,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PoolDumpxmlArgs {
    /// Pool name or uuid
    pool: String,
    /// Show inactive defined XML (the same for a datastore)
    #[arg(long)]
    inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PoolAutostartArgs {
    /// Pool name or uuid
    pool: String,
    /// Disable autostarting
    #[arg(long)]
    disable: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PoolFileArgs {
    /// File containing an XML pool description
    file: String,
}

/// `pool-define-as` / `pool-create-as`: a pool described by options (which ESX refuses, as it
/// refuses every new pool; its datastores are made on the host or in vCenter).
#[derive(Debug, Args)]
pub(crate) struct PoolAsArgs {
    /// Name of the pool
    name: String,
    /// Type of the pool
    #[arg(value_name = "TYPE")]
    pool_type: String,
    /// Source host name
    #[arg(long)]
    source_host: Option<String>,
    /// Source path
    #[arg(long)]
    source_path: Option<String>,
    /// Source device
    #[arg(long)]
    source_dev: Option<String>,
    /// Source name
    #[arg(long)]
    source_name: Option<String>,
    /// Source format
    #[arg(long)]
    source_format: Option<String>,
    /// Target path
    #[arg(long)]
    target: Option<String>,
    /// Build the pool after creating it
    #[arg(long)]
    build: bool,
    /// With --build: refuse to overwrite existing data
    #[arg(long)]
    no_overwrite: bool,
    /// With --build: overwrite existing data
    #[arg(long)]
    overwrite: bool,
}

/// The pool commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List pools
    #[command(name = "pool-list")]
    List(PoolListArgs),
    /// Storage pool information
    #[command(name = "pool-info")]
    Info(PoolInfoArgs),
    /// Pool information in XML
    #[command(name = "pool-dumpxml")]
    Dumpxml(PoolDumpxmlArgs),
    /// Convert a pool name to pool UUID
    #[command(name = "pool-uuid")]
    Uuid(PoolArg),
    /// Convert a pool UUID to pool name
    #[command(name = "pool-name")]
    Name(PoolArg),
    /// Refresh a pool
    #[command(name = "pool-refresh")]
    Refresh(PoolArg),
    /// Autostart a pool
    #[command(name = "pool-autostart")]
    Autostart(PoolAutostartArgs),
    /// Define an inactive persistent storage pool from an XML file
    #[command(name = "pool-define")]
    Define(PoolFileArgs),
    /// Create a pool from an XML file
    #[command(name = "pool-create")]
    Create(PoolFileArgs),
    /// Define a pool from a set of options (ESX cannot define pools)
    #[command(name = "pool-define-as")]
    DefineAs(PoolAsArgs),
    /// Create a pool from a set of options (ESX cannot create pools)
    #[command(name = "pool-create-as")]
    CreateAs(PoolAsArgs),
    /// Start a (previously defined) inactive pool
    #[command(name = "pool-start")]
    Start(PoolArg),
    /// Destroy (stop) a pool
    #[command(name = "pool-destroy")]
    Destroy(PoolArg),
    /// Undefine an inactive pool
    #[command(name = "pool-undefine")]
    Undefine(PoolArg),
    /// Delete a pool
    #[command(name = "pool-delete")]
    Delete(PoolArg),
    /// Build a pool
    #[command(name = "pool-build")]
    Build(PoolArg),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::List(args) => pool_list(conn, &args).await,
            Command::Info(args) => pool_info(conn, &args).await,
            Command::Dumpxml(args) => {
                let pool = lookup_pool(conn, &args.pool).await?;
                Ok(format_pool_xml(&pool)?)
            }
            Command::Uuid(args) => Ok(line(lookup_pool(conn, &args.pool).await?.uuid)),
            Command::Name(args) => {
                // virsh looks a pool-name argument up as a UUID only.
                let doing = format!("failed to get pool '{}'", args.pool);
                let uuid = lookup::uuid_only(&args.pool, &doing)?;
                let pool = conn
                    .storage_pool_lookup_by_uuid(&uuid)
                    .await
                    .map_err(|e| CommandError::while_doing(doing, e))?;
                Ok(line(pool.name))
            }
            Command::Refresh(args) => {
                let pool = lookup_pool(conn, &args.pool).await?;
                conn.storage_pool_refresh(&pool).await.map_err(|e| {
                    CommandError::while_doing(format!("Failed to refresh pool {}", pool.name), e)
                })?;
                Ok(line(format_args!("Pool {} refreshed", pool.name)))
            }
            Command::Autostart(args) => {
                let pool = lookup_pool(conn, &args.pool).await?;
                conn.set_storage_pool_autostart(&pool, !args.disable)
                    .map_err(|e| {
                        CommandError::while_doing(
                            format!("failed to unmark pool {} as autostarted", pool.name),
                            e,
                        )
                    })?;
                Ok(line(format_args!("Pool {} marked as autostarted", pool.name)))
            }
            Command::Define(args) => Err(CommandError::while_doing(
                format!("Failed to define pool from {}", xml_file::read_named(&args.file)?),
                Error::NoSupport("virStoragePoolDefineXML".into()),
            )),
            Command::Create(args) => Err(CommandError::while_doing(
                format!("Failed to create pool from {}", xml_file::read_named(&args.file)?),
                Error::NoSupport("virStoragePoolCreateXML".into()),
            )),
            Command::DefineAs(args) => Err(CommandError::while_doing(
                format!("Failed to define pool {}", args.name),
                Error::NoSupport("virStoragePoolDefineXML".into()),
            )),
            Command::CreateAs(args) => Err(CommandError::while_doing(
                format!("Failed to create pool {}", args.name),
                Error::NoSupport("virStoragePoolCreateXML".into()),
            )),
            Command::Start(args) => refuse(conn, &args.pool, "start", "virStoragePoolCreate").await,
            Command::Destroy(args) => {
                refuse(conn, &args.pool, "destroy", "virStoragePoolDestroy").await
            }
            Command::Undefine(args) => {
                refuse(conn, &args.pool, "undefine", "virStoragePoolUndefine").await
            }
            Command::Delete(args) => {
                refuse(conn, &args.pool, "delete", "virStoragePoolDelete").await
            }
            Command::Build(args) => refuse(conn, &args.pool, "build", "virStoragePoolBuild").await,
        }
    }
}

/// What datastores and iSCSI targets cannot do, in libvirt's words (after looking the pool up, as virsh does).
async fn refuse(
    conn: &Connection,
    text: &str,
    verb: &str,
    call: &str,
) -> Result<String, CommandError> {
    let pool = lookup_pool(conn, text).await?;
    Err(CommandError::while_doing(
        format!("Failed to {verb} pool {}", pool.name),
        Error::NoSupport(call.to_owned()),
    ))
}

/// A pool in `pool-list --json` and `pool-info --json`.
#[derive(Serialize)]
struct PoolView<'a> {
    active: bool,
    allocation: u64,
    autostart: bool,
    available: u64,
    capacity: u64,
    name: &'a str,
    persistent: bool,
    state: String,
    target: &'a str,
    #[serde(rename = "type")]
    pool_type: &'a str,
    uuid: String,
}

impl<'a> PoolView<'a> {
    fn of(pool: &'a StoragePool) -> Self {
        PoolView {
            active: pool.is_active(),
            allocation: pool.allocation(),
            autostart: pool.is_autostart(),
            available: pool.available,
            capacity: pool.capacity,
            name: &pool.name,
            persistent: pool.is_persistent(),
            state: pool.state.to_string(),
            target: &pool.mount_path,
            pool_type: pool.kind.type_name(),
            uuid: pool.uuid.to_string(),
        }
    }
}

async fn pool_list(conn: &Connection, args: &PoolListArgs) -> Result<String, CommandError> {
    if args.details && args.name {
        return Err(CommandError::new(
            "Options --details and --name are mutually exclusive",
        ));
    }
    if args.details && args.uuid {
        return Err(CommandError::new(
            "Options --details and --uuid are mutually exclusive",
        ));
    }
    let types: Option<Vec<&str>> = args
        .pool_type
        .as_deref()
        .map(|t| t.split(',').map(str::trim).filter(|t| !t.is_empty()).collect());
    let pools: Vec<StoragePool> = conn
        .storage_pools()
        .await?
        .into_iter()
        // Datastores and iSCSI targets are active, persistent and autostarted: the filters for
        // the opposite keep none.
        .filter(|_| !args.inactive || args.all)
        .filter(|_| !args.transient && !args.no_autostart)
        .filter(|p| match &types {
            Some(types) => types.contains(&p.kind.type_name()),
            None => true,
        })
        .collect();
    if args.json {
        return json(&pools.iter().map(PoolView::of).collect::<Vec<_>>());
    }
    if args.name || args.uuid {
        return Ok(pools
            .iter()
            .map(|p| match (args.uuid, args.name) {
                (true, true) => format!("{} {}\n", p.uuid, p.name),
                (true, false) => line(p.uuid),
                _ => line(&p.name),
            })
            .collect());
    }
    if args.details {
        let rows: Vec<Vec<String>> = pools
            .iter()
            .map(|p| {
                let size = |bytes: u64| match p.state {
                    PoolState::Running => pretty_capacity(bytes),
                    PoolState::Inaccessible => "-".to_owned(),
                };
                vec![
                    p.name.clone(),
                    p.state.to_string(),
                    yes_no(p.is_autostart()).to_owned(),
                    yes_no(p.is_persistent()).to_owned(),
                    size(p.capacity),
                    size(p.allocation()),
                    size(p.available),
                ]
            })
            .collect();
        return Ok(table(
            &[
                "Name",
                "State",
                "Autostart",
                "Persistent",
                "Capacity",
                "Allocation",
                "Available",
            ],
            &rows,
        ));
    }
    let rows: Vec<Vec<String>> = pools
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                if p.is_active() { "active" } else { "inactive" }.to_owned(),
                yes_no(p.is_autostart()).to_owned(),
            ]
        })
        .collect();
    Ok(table(&["Name", "State", "Autostart"], &rows))
}

async fn pool_info(conn: &Connection, args: &PoolInfoArgs) -> Result<String, CommandError> {
    let pool = lookup_pool(conn, &args.pool).await?;
    if args.json {
        return json(&PoolView::of(&pool));
    }
    let mut rows = vec![
        ("Name:", pool.name.clone()),
        ("UUID:", pool.uuid.to_string()),
        ("State:", pool.state.to_string()),
        ("Persistent:", yes_no(pool.is_persistent()).to_owned()),
        ("Autostart:", yes_no(pool.is_autostart()).to_owned()),
    ];
    if pool.state == PoolState::Running {
        let size = |bytes: u64| {
            if args.bytes {
                bytes.to_string()
            } else {
                pretty_capacity(bytes)
            }
        };
        rows.push(("Capacity:", size(pool.capacity)));
        rows.push(("Allocation:", size(pool.allocation())));
        rows.push(("Available:", size(pool.available)));
    }
    Ok(fields(15, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_print_as_virsh_prints_them() {
        assert_eq!(pretty_capacity(0), "0.00 B");
        assert_eq!(pretty_capacity(326), "326.00 B");
        assert_eq!(pretty_capacity(1398), "1.37 KiB");
        assert_eq!(pretty_capacity(1474560), "1.41 MiB");
        assert_eq!(pretty_capacity(1 << 40), "1.00 TiB");
        assert_eq!(pretty_capacity(1_098_969_087_376), "1023.49 GiB");
    }

    #[test]
    fn json_views_keep_their_key_order() {
        let pool = StoragePool {
            name: "ds".into(),
            uuid: esx_driver::driver::storage::pool::pool_uuid("/vmfs/volumes/ds"),
            kind: esx_driver::driver::PoolKind::Vmfs,
            state: PoolState::Running,
            capacity: 10,
            available: 4,
            mount_path: "/vmfs/volumes/ds".into(),
            datastore: None,
            browser: None,
        };
        crate::output::assert_json_keys_sorted(&PoolView::of(&pool));
    }
}
