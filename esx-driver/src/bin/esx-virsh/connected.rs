//! The commands that need a connection (`-c URI`, `LIBVIRT_DEFAULT_URI`): virsh's names,
//! arguments and output, each a thin layer over [`esx_driver::driver::Connection`]. Output ends
//! with virsh's blank line unless `--quiet`; `--json` gives scripts a stable shape for the list
//! and info commands.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use esx_driver::auth::CredentialSources;
use esx_driver::driver::domain::snapshots::{format_time, snapshot_xml};
use esx_driver::driver::{
    Connection, DomainRef, Error, ListFilter, SchedulerUpdate, SnapshotList, Timeouts,
};
use esx_driver::uri::MigrationUri;
use serde_json::json;

use crate::CommandError;

/// Options every connected command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Hypervisor connection URI (esx://host/, vpx://vcenter/dc/cluster/host, gsx://host/)
    #[arg(
        short = 'c',
        long = "connect",
        value_name = "URI",
        global = true,
        env = "LIBVIRT_DEFAULT_URI",
        // The URI may hold a password: --help must not print the variable's value.
        hide_env_values = true
    )]
    connect: Option<String>,
    /// Give up on a call to the server after SECONDS (default 300; connecting: 15 at most)
    #[arg(
        long = "timeout",
        value_name = "SECONDS",
        global = true,
        env = "ESX_VIRSH_TIMEOUT",
        value_parser = Timeouts::parse_seconds
    )]
    timeout: Option<std::time::Duration>,
    /// Quiet mode: no blank line after each command's output
    #[arg(short = 'q', long = "quiet", global = true)]
    quiet: bool,
}

/// A domain argument: a name, an id or a UUID.
#[derive(Debug, Args)]
pub struct DomainArg {
    /// Domain name, id or uuid
    domain: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List all domains, active and inactive
    #[arg(long)]
    all: bool,
    /// List inactive domains only
    #[arg(long)]
    inactive: bool,
    /// Print names only
    #[arg(long)]
    name: bool,
    /// Print UUIDs only
    #[arg(long)]
    uuid: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct DefineArgs {
    /// File containing an XML domain description
    file: String,
}

#[derive(Debug, Args)]
pub struct MemoryArgs {
    /// Domain name, id or uuid
    domain: String,
    /// New size, in KiB unless a unit is given (K, M, G, T, KiB, MiB, GiB, KB, MB, GB)
    size: String,
}

#[derive(Debug, Args)]
pub struct VcpusArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Number of virtual CPUs
    count: u32,
}

#[derive(Debug, Args)]
pub struct SchedinfoArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Set a parameter: reservation=MHz, limit=MHz|-1, shares=N|-1(low)|-2(normal)|-3(high)
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct MemtuneArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Guaranteed memory (the reservation), in KiB unless a unit is given
    #[arg(long = "min-guarantee", value_name = "SIZE")]
    min_guarantee: Option<String>,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct AutostartArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Disable autostarting
    #[arg(long)]
    disable: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotCreateArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Name of the snapshot (default: the current time in seconds)
    #[arg(long = "name")]
    name_opt: Option<String>,
    /// Name of the snapshot
    #[arg(conflicts_with = "name_opt")]
    name: Option<String>,
    /// Description of the snapshot
    #[arg(long = "description")]
    description_opt: Option<String>,
    /// Description of the snapshot
    #[arg(conflicts_with = "description_opt")]
    description: Option<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotListArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Draw the snapshots as a tree
    #[arg(long)]
    tree: bool,
    /// Add a column with each snapshot's parent
    #[arg(long)]
    parent: bool,
    /// Only snapshots without a parent
    #[arg(long)]
    roots: bool,
    /// Only snapshots without children
    #[arg(long)]
    leaves: bool,
    /// Print names only
    #[arg(long)]
    name: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotCurrentArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Print the name only
    #[arg(long)]
    name: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Snapshot name
    #[arg(long = "snapshotname")]
    snapshot_opt: Option<String>,
    /// Snapshot name
    #[arg(conflicts_with = "snapshot_opt")]
    snapshot: Option<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotDeleteArgs {
    #[command(flatten)]
    target: SnapshotArgs,
    /// Delete the snapshot's children too
    #[arg(long)]
    children: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Destination: a vpx:// connection URI of the target host, or a vpxmigr:// URI
    desturi: String,
    /// Accepted for compatibility: VMware migrates running VMs live anyway
    #[arg(long)]
    live: bool,
}

/// The commands that talk to a host or vCenter.
#[derive(Debug, Subcommand)]
pub enum ConnectedCommand {
    /// List domains
    List(ListArgs),
    /// Domain information
    Dominfo(InfoArgs),
    /// Domain state
    Domstate(InfoArgs),
    /// Convert a domain name or UUID to its id
    Domid(DomainArg),
    /// Convert a domain id or UUID to its name
    Domname(DomainArg),
    /// Convert a domain name or id to its UUID
    Domuuid(DomainArg),
    /// Domain information in XML
    Dumpxml(DomainArg),
    /// Define (but don't start) a domain from an XML file
    Define(DefineArgs),
    /// Undefine a domain
    Undefine(DomainArg),
    /// Start a (previously defined) inactive domain
    Start(DomainArg),
    /// Gracefully shut down a domain (VMware Tools)
    Shutdown(DomainArg),
    /// Reboot a domain (VMware Tools)
    Reboot(DomainArg),
    /// Reset a domain
    Reset(DomainArg),
    /// Destroy (stop) a domain
    Destroy(DomainArg),
    /// Suspend a domain
    Suspend(DomainArg),
    /// Resume a suspended domain
    Resume(DomainArg),
    /// Change memory allocation
    Setmem(MemoryArgs),
    /// Change maximum memory limit
    Setmaxmem(MemoryArgs),
    /// Change number of virtual CPUs
    Setvcpus(VcpusArgs),
    /// Show/set scheduler parameters
    Schedinfo(SchedinfoArgs),
    /// Get or set memory parameters
    Memtune(MemtuneArgs),
    /// Autostart a domain
    Autostart(AutostartArgs),
    /// Create a snapshot from a set of args
    SnapshotCreateAs(SnapshotCreateArgs),
    /// List snapshots for a domain
    SnapshotList(SnapshotListArgs),
    /// Get the current snapshot
    SnapshotCurrent(SnapshotCurrentArgs),
    /// Revert a domain to a snapshot
    SnapshotRevert(SnapshotArgs),
    /// Delete a domain snapshot
    SnapshotDelete(SnapshotDeleteArgs),
    /// Domain snapshot information in XML
    SnapshotDumpxml(SnapshotArgs),
    /// Node information
    Nodeinfo(JsonArgs),
    /// Capabilities
    Capabilities,
    /// Print the hypervisor hostname
    Hostname,
    /// Show version
    Version(JsonArgs),
    /// Print the hypervisor canonical URI
    Uri,
    /// NUMA free memory
    Freecell(JsonArgs),
    /// Migrate domain to another host
    Migrate(MigrateArgs),
}

/// Runs a connected command and returns what to print.
pub fn run(global: GlobalArgs, command: ConnectedCommand) -> Result<String, CommandError> {
    init_logging();
    let Some(uri) = global.connect.clone() else {
        return Err(CommandError(
            "no connection URI: give -c URI (e.g. -c esx://root@host/) or set LIBVIRT_DEFAULT_URI"
                .into(),
        ));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError(format!("cannot start the async runtime: {e}")))?;
    let mut output = runtime.block_on(async {
        let timeouts = global
            .timeout
            .map_or_else(Timeouts::default, Timeouts::with_call_limit);
        let conn =
            Connection::open_with_timeouts(&uri, &CredentialSources::from_process(), timeouts)
                .await
                .map_err(|e| {
                    CommandError(format!("failed to connect to the hypervisor\nerror: {e}"))
                })?;
        let result = execute(&conn, command).await;
        if let Err(e) = conn.close().await {
            tracing::debug!("logout failed: {e}");
        }
        result
    })?;
    if !global.quiet {
        output.push('\n');
    }
    Ok(output)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ESX_VIRSH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .event_format(esx_driver::console::VirshLogFormat)
        .try_init();
}

fn err(e: Error) -> CommandError {
    CommandError::from(e)
}

async fn domain(conn: &Connection, text: &str) -> Result<DomainRef, CommandError> {
    conn.lookup(text)
        .await
        .map_err(|e| CommandError(format!("failed to get domain '{text}'\nerror: {e}")))
}

fn snapshot_name(args: &SnapshotArgs) -> Result<String, CommandError> {
    args.snapshot
        .clone()
        .or_else(|| args.snapshot_opt.clone())
        .ok_or_else(|| CommandError("command needs a snapshot name (--snapshotname NAME)".into()))
}

/// virsh's tables: a leading space, columns padded to their widest cell plus three spaces, and
/// a rule as wide as the columns.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::from(" ");
        let cells: Vec<&str> = cells.collect();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&mut header.iter().copied());
    out.push_str(&"-".repeat(widths.iter().map(|w| w + 3).sum()));
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// A size as virsh reads it: a number with an optional unit, KiB by default.
pub fn parse_size_kib(text: &str) -> Result<u64, CommandError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        CommandError(format!(
            "invalid size '{text}': expected a number with an optional unit"
        ))
    })?;
    let bytes_per_unit: u64 = match unit.trim() {
        "" | "k" | "K" | "KiB" | "kib" => 1024,
        "b" | "B" | "bytes" => 1,
        "KB" | "kb" => 1000,
        "M" | "m" | "MiB" | "mib" => 1 << 20,
        "MB" | "mb" => 1_000_000,
        "G" | "g" | "GiB" | "gib" => 1 << 30,
        "GB" | "gb" => 1_000_000_000,
        "T" | "t" | "TiB" | "tib" => 1 << 40,
        "TB" | "tb" => 1_000_000_000_000,
        other => {
            return Err(CommandError(format!(
                "invalid size '{text}': unknown unit '{other}'"
            )))
        }
    };
    let bytes = number
        .checked_mul(bytes_per_unit)
        .ok_or_else(|| CommandError(format!("invalid size '{text}': too large")))?;
    Ok(bytes.div_ceil(1024))
}

fn json_text(value: serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn domain_json(d: &DomainRef) -> serde_json::Value {
    json!({
        "id": d.id,
        "name": d.name,
        "uuid": d.uuid.map(|u| u.to_string()),
        "state": d.state.as_str(),
    })
}

async fn execute(conn: &Connection, command: ConnectedCommand) -> Result<String, CommandError> {
    use ConnectedCommand as C;
    let mut out = String::new();
    match command {
        C::List(args) => {
            let filter = if args.all {
                ListFilter::All
            } else if args.inactive {
                ListFilter::Inactive
            } else {
                ListFilter::Active
            };
            let domains = conn.list_domains(filter).await.map_err(err)?;
            if args.json {
                return Ok(json_text(domains.iter().map(domain_json).collect()));
            }
            if args.name || args.uuid {
                for d in &domains {
                    let _ = match (args.uuid, args.name) {
                        (true, true) => writeln!(out, "{:<36}  {}", d.uuid_text(), d.name),
                        (true, false) => writeln!(out, "{}", d.uuid_text()),
                        _ => writeln!(out, "{}", d.name),
                    };
                }
            } else {
                let rows: Vec<Vec<String>> = domains
                    .iter()
                    .map(|d| vec![d.id_text(), d.name.clone(), d.state.to_string()])
                    .collect();
                out = table(&["Id", "Name", "State"], &rows);
            }
        }
        C::Dominfo(args) => {
            let d = domain(conn, &args.domain).await?;
            let info = conn.domain_info(&d).await.map_err(err)?;
            if args.json {
                return Ok(json_text(json!({
                    "id": info.domain.id,
                    "name": info.domain.name,
                    "uuid": info.domain.uuid.map(|u| u.to_string()),
                    "os_type": "hvm",
                    "state": info.domain.state.as_str(),
                    "vcpus": info.vcpus,
                    "max_memory_kib": info.max_memory_kib,
                    "used_memory_kib": info.memory_kib,
                    "persistent": true,
                    "autostart": info.autostart,
                    "managed_save": false,
                })));
            }
            let rows = [
                ("Id:", info.domain.id_text()),
                ("Name:", info.domain.name.clone()),
                ("UUID:", info.domain.uuid_text()),
                ("OS Type:", "hvm".to_owned()),
                ("State:", info.domain.state.to_string()),
                ("CPU(s):", info.vcpus.to_string()),
                ("Max memory:", format!("{} KiB", info.max_memory_kib)),
                ("Used memory:", format!("{} KiB", info.memory_kib)),
                ("Persistent:", "yes".to_owned()),
                (
                    "Autostart:",
                    if info.autostart { "enable" } else { "disable" }.to_owned(),
                ),
                ("Managed save:", "no".to_owned()),
            ];
            for (label, value) in rows {
                let _ = writeln!(out, "{label:<15} {value}");
            }
        }
        C::Domstate(args) => {
            let d = domain(conn, &args.domain).await?;
            let state = conn.domain_state(&d).await.map_err(err)?;
            if args.json {
                return Ok(json_text(
                    json!({ "name": d.name, "state": state.as_str() }),
                ));
            }
            let _ = writeln!(out, "{state}");
        }
        C::Domid(a) => {
            let d = domain(conn, &a.domain).await?;
            let _ = writeln!(out, "{}", d.id_text());
        }
        C::Domname(a) => {
            let d = domain(conn, &a.domain).await?;
            let _ = writeln!(out, "{}", d.name);
        }
        C::Domuuid(a) => {
            let d = domain(conn, &a.domain).await?;
            let _ = writeln!(out, "{}", d.uuid_text());
        }
        C::Dumpxml(a) => {
            let d = domain(conn, &a.domain).await?;
            out = conn.domain_xml(&d).await.map_err(err)?;
        }
        C::Define(a) => {
            let xml = esx_driver::input::read_text_document(&a.file)
                .map_err(|e| CommandError(format!("Failed to open file '{}': {e}", a.file)))?;
            let defined = conn.define_xml(&xml).await.map_err(err)?;
            let _ = writeln!(
                out,
                "Domain '{}' defined from {}",
                defined.domain().name,
                a.file
            );
        }
        C::Undefine(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.undefine(&d).await.map_err(err)?;
            let _ = writeln!(out, "Domain '{}' has been undefined", d.name);
        }
        C::Start(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.start(&d).await.map_err(|e| {
                CommandError(format!("Failed to start domain '{}'\nerror: {e}", d.name))
            })?;
            let _ = writeln!(out, "Domain '{}' started", d.name);
        }
        C::Shutdown(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.shutdown(&d).await.map_err(|e| {
                CommandError(format!(
                    "Failed to shutdown domain '{}'\nerror: {e}",
                    d.name
                ))
            })?;
            let _ = writeln!(out, "Domain '{}' is being shutdown", d.name);
        }
        C::Reboot(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.reboot(&d).await.map_err(|e| {
                CommandError(format!("Failed to reboot domain '{}'\nerror: {e}", d.name))
            })?;
            let _ = writeln!(out, "Domain '{}' is being rebooted", d.name);
        }
        C::Reset(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.reset(&d).await.map_err(|e| {
                CommandError(format!("Failed to reset domain '{}'\nerror: {e}", d.name))
            })?;
            let _ = writeln!(out, "Domain '{}' was reset", d.name);
        }
        C::Destroy(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.destroy(&d).await.map_err(|e| {
                CommandError(format!("Failed to destroy domain '{}'\nerror: {e}", d.name))
            })?;
            let _ = writeln!(out, "Domain '{}' destroyed", d.name);
        }
        C::Suspend(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.suspend(&d).await.map_err(|e| {
                CommandError(format!("Failed to suspend domain '{}'\nerror: {e}", d.name))
            })?;
            let _ = writeln!(out, "Domain '{}' suspended", d.name);
        }
        C::Resume(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.resume(&d).await.map_err(|e| {
                CommandError(format!("Failed to resume domain '{}'\nerror: {e}", d.name))
            })?;
            let _ = writeln!(out, "Domain '{}' resumed", d.name);
        }
        C::Setmem(a) => {
            let kib = parse_size_kib(&a.size)?;
            let d = domain(conn, &a.domain).await?;
            conn.set_memory(&d, kib).await.map_err(err)?;
        }
        C::Setmaxmem(a) => {
            let kib = parse_size_kib(&a.size)?;
            let d = domain(conn, &a.domain).await?;
            conn.set_max_memory(&d, kib).await.map_err(err)?;
        }
        C::Setvcpus(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.set_vcpus(&d, a.count).await.map_err(err)?;
        }
        C::Schedinfo(a) => {
            let d = domain(conn, &a.domain).await?;
            if !a.set.is_empty() {
                let mut update = SchedulerUpdate::default();
                for item in &a.set {
                    let (field, value) = item.split_once('=').ok_or_else(|| {
                        CommandError(format!(
                            "invalid scheduler parameter '{item}': expected FIELD=VALUE"
                        ))
                    })?;
                    let bad = || {
                        CommandError(format!(
                            "invalid value '{value}' for scheduler parameter '{field}'"
                        ))
                    };
                    match field {
                        "reservation" => update.reservation = Some(value.parse().map_err(|_| bad())?),
                        "limit" => update.limit = Some(value.parse().map_err(|_| bad())?),
                        "shares" => update.shares = Some(value.parse().map_err(|_| bad())?),
                        other => {
                            return Err(CommandError(format!(
                                "invalid scheduler parameter '{other}': expected reservation, limit or shares"
                            )))
                        }
                    }
                }
                conn.set_scheduler_params(&d, update).await.map_err(err)?;
            }
            let params = conn.scheduler_params(&d).await.map_err(err)?;
            if a.json {
                return Ok(json_text(json!({
                    "scheduler": "allocation",
                    "reservation": params.reservation,
                    "limit": params.limit,
                    "shares": params.shares,
                })));
            }
            let _ = writeln!(out, "{:<15}: allocation", "Scheduler");
            let _ = writeln!(out, "{:<15}: {}", "reservation", params.reservation);
            let _ = writeln!(out, "{:<15}: {}", "limit", params.limit);
            let _ = writeln!(out, "{:<15}: {}", "shares", params.shares);
        }
        C::Memtune(a) => {
            let d = domain(conn, &a.domain).await?;
            if let Some(size) = &a.min_guarantee {
                let kib = parse_size_kib(size)?;
                conn.set_memory_min_guarantee(&d, kib).await.map_err(err)?;
            } else {
                let min = conn.memory_min_guarantee(&d).await.map_err(err)?;
                if a.json {
                    return Ok(json_text(json!({ "min_guarantee_kib": min })));
                }
                let _ = writeln!(out, "{:<15}: {min}", "min_guarantee");
            }
        }
        C::Autostart(a) => {
            let d = domain(conn, &a.domain).await?;
            conn.set_autostart(&d, !a.disable).await.map_err(err)?;
            if a.disable {
                let _ = writeln!(out, "Domain '{}' unmarked as autostarted", d.name);
            } else {
                let _ = writeln!(out, "Domain '{}' marked as autostarted", d.name);
            }
        }
        C::SnapshotCreateAs(a) => {
            let d = domain(conn, &a.domain).await?;
            let name = a.name.or(a.name_opt).unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|t| t.as_secs().to_string())
                    .unwrap_or_default()
            });
            let description = a.description.or(a.description_opt);
            let snapshot = conn
                .create_snapshot(&d, &name, description.as_deref())
                .await
                .map_err(err)?;
            let _ = writeln!(out, "Domain snapshot {} created", snapshot.name);
        }
        C::SnapshotList(a) => {
            let d = domain(conn, &a.domain).await?;
            let list = conn.snapshots(&d).await.map_err(err)?;
            out = snapshot_list_text(&list, &a);
        }
        C::SnapshotCurrent(a) => {
            let d = domain(conn, &a.domain).await?;
            let list = conn.snapshots(&d).await.map_err(err)?;
            let current = list.current().ok_or_else(|| {
                err(Error::NoSnapshot(format!(
                    "the domain '{}' has no current snapshot",
                    d.name
                )))
            })?;
            if a.name {
                let _ = writeln!(out, "{}", current.name);
            } else {
                out = snapshot_xml(current, &d.uuid_text());
            }
        }
        C::SnapshotRevert(a) => {
            let name = snapshot_name(&a)?;
            let d = domain(conn, &a.domain).await?;
            conn.revert_to_snapshot(&d, &name).await.map_err(err)?;
        }
        C::SnapshotDelete(a) => {
            let name = snapshot_name(&a.target)?;
            let d = domain(conn, &a.target.domain).await?;
            conn.delete_snapshot(&d, &name, a.children)
                .await
                .map_err(err)?;
            if a.children {
                let _ = writeln!(out, "Domain snapshot {name} children deleted");
            } else {
                let _ = writeln!(out, "Domain snapshot {name} deleted");
            }
        }
        C::SnapshotDumpxml(a) => {
            let name = snapshot_name(&a)?;
            let d = domain(conn, &a.domain).await?;
            out = conn.snapshot_xml(&d, &name).await.map_err(err)?;
        }
        C::Nodeinfo(a) => {
            let info = conn.node_info().await.map_err(err)?;
            if a.json {
                return Ok(json_text(json!({
                    "cpu_model": info.cpu_model,
                    "cpus": info.cpus,
                    "mhz": info.mhz,
                    "sockets": info.sockets,
                    "cores_per_socket": info.cores,
                    "threads_per_core": info.threads,
                    "numa_cells": info.nodes,
                    "memory_kib": info.memory_kib,
                })));
            }
            let rows = [
                ("CPU model:", info.cpu_model.clone()),
                ("CPU(s):", info.cpus.to_string()),
                ("CPU frequency:", format!("{} MHz", info.mhz)),
                ("CPU socket(s):", info.sockets.to_string()),
                ("Core(s) per socket:", info.cores.to_string()),
                ("Thread(s) per core:", info.threads.to_string()),
                ("NUMA cell(s):", info.nodes.to_string()),
                ("Memory size:", format!("{} KiB", info.memory_kib)),
            ];
            for (label, value) in rows {
                let _ = writeln!(out, "{label:<20} {value}");
            }
        }
        C::Capabilities => out = conn.capabilities_xml().await.map_err(err)?,
        C::Hostname => {
            let _ = writeln!(out, "{}", conn.hostname().await.map_err(err)?);
        }
        C::Version(a) => {
            let v = conn.hypervisor_version();
            let ours = env!("CARGO_PKG_VERSION");
            if a.json {
                return Ok(json_text(json!({
                    "library": ours,
                    "hypervisor": v.kind,
                    "hypervisor_version": v.version,
                    "hypervisor_full_name": v.full_name,
                })));
            }
            let _ = writeln!(out, "Compiled against library: esx-rs {ours}");
            let _ = writeln!(out, "Using library: esx-rs {ours}");
            let _ = writeln!(out, "Using API: {} {ours}", v.kind);
            let _ = writeln!(out, "Running hypervisor: {} {}", v.kind, v.version);
        }
        C::Uri => {
            let _ = writeln!(out, "{}", conn.uri());
        }
        C::Freecell(a) => {
            let free = conn.free_memory_kib().await.map_err(err)?;
            if a.json {
                return Ok(json_text(json!({ "free_memory_kib": free })));
            }
            let _ = writeln!(out, "Total: {free} KiB");
        }
        C::Migrate(a) => {
            let d = domain(conn, &a.domain).await?;
            let destination = if a.desturi.to_ascii_lowercase().starts_with("vpxmigr://") {
                MigrationUri::parse(&a.desturi).map_err(|e| CommandError(e.to_string()))?
            } else {
                let dest = Connection::open(&a.desturi, &CredentialSources::from_process())
                    .await
                    .map_err(|e| {
                        CommandError(format!(
                            "failed to connect to the destination hypervisor\nerror: {e}"
                        ))
                    })?;
                let uri = dest.migration_uri().await.map_err(err)?;
                let _ = dest.close().await;
                uri
            };
            conn.migrate(&d, &destination).await.map_err(err)?;
        }
    }
    Ok(out)
}

fn snapshot_list_text(list: &SnapshotList, args: &SnapshotListArgs) -> String {
    if args.json {
        let items: Vec<serde_json::Value> = list
            .snapshots
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "description": s.description,
                    "creation_time": s.creation_time,
                    "state": s.state,
                    "parent": s.parent,
                    "children": s.children,
                    "current": s.current,
                })
            })
            .collect();
        return json_text(serde_json::Value::Array(items));
    }
    if args.tree {
        return list.tree_text();
    }
    let selected: Vec<_> = list
        .snapshots
        .iter()
        .filter(|s| !args.roots || s.parent.is_none())
        .filter(|s| !args.leaves || s.children.is_empty())
        .collect();
    if args.name {
        return selected.iter().map(|s| format!("{}\n", s.name)).collect();
    }
    let mut header = vec!["Name", "Creation Time", "State"];
    if args.parent {
        header.push("Parent");
    }
    let rows: Vec<Vec<String>> = selected
        .iter()
        .map(|s| {
            let mut row = vec![
                s.name.clone(),
                format_time(s.creation_time),
                s.state.to_owned(),
            ];
            if args.parent {
                row.push(s.parent.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    table(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_look_like_virsh() {
        let rows = vec![
            vec!["1".to_owned(), "fedora28".to_owned(), "running".to_owned()],
            vec!["2".to_owned(), "rhel7.5".to_owned(), "running".to_owned()],
        ];
        assert_eq!(
            table(&["Id", "Name", "State"], &rows),
            " Id   Name       State\n--------------------------\n 1    fedora28   running\n 2    rhel7.5    running\n"
        );
    }

    #[test]
    fn sizes_default_to_kib() {
        assert_eq!(parse_size_kib("1024").unwrap(), 1024);
        assert_eq!(parse_size_kib("1G").unwrap(), 1 << 20);
        assert_eq!(parse_size_kib("512MiB").unwrap(), 512 * 1024);
        assert_eq!(parse_size_kib("1MB").unwrap(), 977);
        assert!(parse_size_kib("12 parsecs").is_err());
        assert!(parse_size_kib("x").is_err());
    }
}
