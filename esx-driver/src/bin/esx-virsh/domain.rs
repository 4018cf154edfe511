//! Domains: listing and information (`list`, `dominfo`, `domstate`, `domid`, `domname`,
//! `domuuid`, `dumpxml`), definition (`define`, `undefine`), tuning (`setmem`, `setmaxmem`,
//! `setvcpus`, `schedinfo`, `memtune`, `autostart`) and `migrate`.

use clap::{Args, Subcommand};
use esx_driver::driver::{
    Connection, DomainInfo, DomainRef, DomainState, ListFilter, SchedulerUpdate,
};
use esx_driver::domain::FormatOptions;
use esx_driver::uri::MigrationUri;
use serde::Serialize;

use crate::args::parse_size_kib;
use crate::error::CommandError;
use crate::xml_file;
use crate::lookup::{self, DomainArg};
use crate::output::{fields, json, line, table};
use crate::session;

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// List all domains, active and inactive
    #[arg(long)]
    all: bool,
    /// List inactive domains only
    #[arg(long)]
    inactive: bool,
    /// Print names only
    #[arg(long)]
    name: bool,
    /// Print UUIDs only (with --table: a UUID column)
    #[arg(long)]
    uuid: bool,
    /// Print the ids of running domains only
    #[arg(long)]
    id: bool,
    /// Print a table (the default)
    #[arg(long)]
    table: bool,
    /// Add a Title column to the table (empty: VMware VMs have no title)
    #[arg(long)]
    title: bool,
    /// Mark domains with a managed save image (accepted: ESX domains never have one)
    #[arg(long)]
    managed_save: bool,
    /// Only domains with a managed save image (none on ESX)
    #[arg(long, conflicts_with = "without_managed_save")]
    with_managed_save: bool,
    /// Only domains without a managed save image (every ESX domain)
    #[arg(long)]
    without_managed_save: bool,
    /// Only domains with checkpoints (none on ESX)
    #[arg(long, conflicts_with = "without_checkpoint")]
    with_checkpoint: bool,
    /// Only domains without checkpoints (every ESX domain)
    #[arg(long)]
    without_checkpoint: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
    /// Only domains the host starts when it boots
    #[arg(long, conflicts_with = "no_autostart")]
    autostart: bool,
    /// Only domains the host does not start when it boots
    #[arg(long)]
    no_autostart: bool,
    /// Only domains with snapshots
    #[arg(long, conflicts_with = "without_snapshot")]
    with_snapshot: bool,
    /// Only domains without snapshots
    #[arg(long)]
    without_snapshot: bool,
    /// Only running domains
    #[arg(long)]
    state_running: bool,
    /// Only paused (suspended) domains
    #[arg(long)]
    state_paused: bool,
    /// Only shut off domains
    #[arg(long)]
    state_shutoff: bool,
    /// Only domains in another state (none on VMware)
    #[arg(long)]
    state_other: bool,
    /// Only persistent domains (every VMware domain)
    #[arg(long, conflicts_with = "transient")]
    persistent: bool,
    /// Only transient domains (none on VMware)
    #[arg(long)]
    transient: bool,
}

impl ListArgs {
    /// Whether a `--state-*` filter is given; the domain's state must then be one of them.
    fn state_filtered(&self) -> bool {
        self.state_running || self.state_paused || self.state_shutoff || self.state_other
    }

    fn state_wanted(&self, state: DomainState) -> bool {
        match state {
            DomainState::Running => self.state_running,
            DomainState::Paused => self.state_paused,
            DomainState::ShutOff => self.state_shutoff,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct StateArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Also print the reason for the state
    #[arg(long)]
    reason: bool,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DefineArgs {
    /// File containing an XML domain description
    file: String,
    /// Accepted as virsh accepts it: the XML is checked as it is read, always
    #[arg(long)]
    validate: bool,
}

#[derive(Debug, Args)]
pub(crate) struct UndefineArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Accepted as virsh accepts it: a VMware VM's snapshots stay with its files
    #[arg(long)]
    snapshots_metadata: bool,
    /// Accepted as virsh accepts it: an ESX domain has no managed save image
    #[arg(long)]
    managed_save: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MemoryArgs {
    /// Domain name, id or uuid
    domain: String,
    /// New size, in KiB unless a unit is given (K, M, G, T, KiB, MiB, GiB, KB, MB, GB)
    size: String,
}

#[derive(Debug, Args)]
pub(crate) struct DumpxmlArgs {
    /// Domain name, id or uuid
    domain: String,
    /// The persistent definition, without the runtime id
    #[arg(long)]
    inactive: bool,
    /// Include security-sensitive information (the VNC password)
    #[arg(long)]
    security_info: bool,
    /// Accepted as virsh accepts it: a VMware guest's CPU is the host's, with nothing to update
    #[arg(long)]
    update_cpu: bool,
    /// Accepted as virsh accepts it: the XML is the same for a migration
    #[arg(long)]
    migratable: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VcpusArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Number of virtual CPUs
    count: u32,
    /// Change the running domain (libvirt's ESX driver changes the VM's one configuration)
    #[arg(long)]
    live: bool,
    /// Change the domain's current state
    #[arg(long)]
    current: bool,
    /// Change the persistent configuration only (libvirt's ESX driver refuses it)
    #[arg(long)]
    config: bool,
    /// Change the maximum (libvirt's ESX driver refuses it)
    #[arg(long)]
    maximum: bool,
    /// Change the count inside the guest (libvirt's ESX driver refuses it)
    #[arg(long)]
    guest: bool,
}

impl VcpusArgs {
    /// The flags libvirt's `esxDomainSetVcpusFlags` refuses (it takes `VIR_DOMAIN_AFFECT_LIVE`
    /// only), as virsh passes them.
    fn refused_flags(&self) -> u32 {
        let mut flags = 0;
        if self.config {
            flags |= 0x2; // VIR_DOMAIN_AFFECT_CONFIG
        }
        if self.maximum {
            flags |= 0x4; // VIR_DOMAIN_VCPU_MAXIMUM
        }
        if self.guest {
            flags |= 0x8; // VIR_DOMAIN_VCPU_GUEST
        }
        flags
    }
}

#[derive(Debug, Args)]
pub(crate) struct SchedinfoArgs {
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
pub(crate) struct MemtuneArgs {
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
pub(crate) struct AutostartArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Disable autostarting
    #[arg(long)]
    disable: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Destination: a vpx:// connection URI of the target host, or a vpxmigr:// URI
    desturi: String,
    /// Accepted as libvirt's ESX driver accepts it: VMware migrates running VMs live anyway
    #[arg(long)]
    live: bool,
    /// Accepted as libvirt's ESX driver accepts it: the VM stays defined on the destination
    #[arg(long)]
    persistent: bool,
    /// Accepted as libvirt's ESX driver accepts it: vCenter removes the VM from the source host
    #[arg(long)]
    undefinesource: bool,
}

/// The domain commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List domains
    List(ListArgs),
    /// Domain information
    Dominfo(InfoArgs),
    /// Domain state
    Domstate(StateArgs),
    /// Convert a domain name or UUID to its id
    Domid(DomainArg),
    /// Convert a domain id or UUID to its name
    Domname(DomainArg),
    /// Convert a domain name or id to its UUID
    Domuuid(DomainArg),
    /// Domain information in XML
    Dumpxml(DumpxmlArgs),
    /// Define (but don't start) a domain from an XML file
    Define(DefineArgs),
    /// Undefine a domain
    Undefine(UndefineArgs),
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
    /// Migrate domain to another host
    Migrate(MigrateArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::List(args) => list(conn, &args).await,
            Command::Dominfo(args) => dominfo(conn, &args).await,
            Command::Domstate(args) => domstate(conn, &args).await,
            Command::Domid(args) => Ok(line(lookup::domain(conn, &args.domain).await?.id_text())),
            Command::Domname(args) => Ok(line(lookup::domain(conn, &args.domain).await?.name)),
            Command::Domuuid(args) => {
                Ok(line(lookup::domain(conn, &args.domain).await?.uuid_text()))
            }
            Command::Dumpxml(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                let options = FormatOptions {
                    secure: args.security_info,
                    inactive: args.inactive,
                };
                Ok(conn.domain_xml_with(&dom, options).await?)
            }
            Command::Define(args) => define(conn, &args).await,
            Command::Undefine(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                conn.undefine(&dom).await.map_err(|e| {
                    CommandError::while_doing(format!("Failed to undefine domain '{}'", dom.name), e)
                })?;
                Ok(line(format_args!("Domain '{}' has been undefined", dom.name)))
            }
            Command::Setmem(args) => {
                let kib = nonzero_memory(parse_size_kib(&args.size)?)?;
                let dom = lookup::domain(conn, &args.domain).await?;
                conn.set_memory(&dom, kib).await?;
                Ok(String::new())
            }
            Command::Setmaxmem(args) => {
                let kib = parse_size_kib(&args.size)?;
                let dom = lookup::domain(conn, &args.domain).await?;
                let kib = nonzero_memory(kib)
                    .map_err(|e| CommandError::while_doing("Unable to change MaxMemorySize", e))?;
                conn.set_max_memory(&dom, kib)
                    .await
                    .map_err(|e| CommandError::while_doing("Unable to change MaxMemorySize", e))?;
                Ok(String::new())
            }
            Command::Setvcpus(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                let refused = args.refused_flags();
                if refused != 0 {
                    let flags = refused | u32::from(args.live);
                    return Err(CommandError::new(format!(
                        "unsupported flags ({flags:#x}) in function esxDomainSetVcpusFlags"
                    )));
                }
                conn.set_vcpus(&dom, args.count).await?;
                Ok(String::new())
            }
            Command::Schedinfo(args) => schedinfo(conn, &args).await,
            Command::Memtune(args) => memtune(conn, &args).await,
            Command::Autostart(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                conn.set_autostart(&dom, !args.disable).await?;
                let marked = if args.disable { "unmarked" } else { "marked" };
                Ok(line(format_args!(
                    "Domain '{}' {marked} as autostarted",
                    dom.name
                )))
            }
            Command::Migrate(args) => migrate(conn, &args).await,
        }
    }
}

/// A domain in `list --json`.
#[derive(Serialize)]
struct DomainView<'a> {
    id: Option<i32>,
    name: &'a str,
    state: &'static str,
    uuid: Option<String>,
}

impl<'a> DomainView<'a> {
    fn of(dom: &'a DomainRef) -> Self {
        DomainView {
            id: dom.id,
            name: &dom.name,
            state: dom.state.as_str(),
            uuid: dom.uuid.map(|u| u.to_string()),
        }
    }
}

/// `dominfo --json`.
#[derive(Serialize)]
struct DomainInfoView<'a> {
    autostart: Option<bool>,
    id: Option<i32>,
    managed_save: bool,
    max_memory_kib: u64,
    name: &'a str,
    os_type: &'static str,
    persistent: bool,
    state: &'static str,
    used_memory_kib: u64,
    uuid: Option<String>,
    vcpus: u32,
}

impl<'a> DomainInfoView<'a> {
    fn of(info: &'a DomainInfo) -> Self {
        DomainInfoView {
            autostart: info.autostart,
            id: info.domain.id,
            // VMware has no managed save, and every VM it knows is persistent.
            managed_save: false,
            max_memory_kib: info.max_memory_kib,
            name: &info.domain.name,
            os_type: "hvm",
            persistent: true,
            state: info.domain.state.as_str(),
            used_memory_kib: info.memory_kib,
            uuid: info.domain.uuid.map(|u| u.to_string()),
            vcpus: info.vcpus,
        }
    }
}

/// `domstate --json`.
#[derive(Serialize)]
struct DomainStateView<'a> {
    name: &'a str,
    state: &'static str,
}

/// `schedinfo --json`.
#[derive(Serialize)]
struct SchedulerView {
    limit: i64,
    reservation: i64,
    scheduler: &'static str,
    shares: i32,
}

/// `memtune --json`.
#[derive(Serialize)]
struct MemtuneView {
    min_guarantee_kib: u64,
}

async fn list(conn: &Connection, args: &ListArgs) -> Result<String, CommandError> {
    for (other, given) in [("name", args.name), ("id", args.id)] {
        if args.table && given {
            return Err(CommandError::new(format!(
                "Options --table and --{other} are mutually exclusive"
            )));
        }
    }
    // As virsh: a --state-* filter lists from all domains.
    let filter = if args.all || args.state_filtered() {
        ListFilter::All
    } else if args.inactive {
        ListFilter::Inactive
    } else {
        ListFilter::Active
    };
    // Only what is printed: UUIDs for --uuid and --json alone.
    let mut domains = if args.uuid || args.json {
        conn.list_domains(filter).await?
    } else {
        conn.list_domains_brief(filter).await?
    };
    if args.state_filtered() {
        domains.retain(|d| args.state_wanted(d.state));
    }
    if args.transient || args.with_managed_save || args.with_checkpoint {
        // VMware has no transient domains, no managed save images and no checkpoints (libvirt
        // 11.3's virsh lists every domain for --with-checkpoint: it ignores the filter).
        domains.clear();
    }
    if args.autostart || args.no_autostart {
        let autostarted = conn.autostarted_vms().await?;
        domains.retain(|d| autostarted.contains(&d.moref.value) == args.autostart);
    }
    if args.with_snapshot || args.without_snapshot {
        let mut kept = Vec::with_capacity(domains.len());
        for dom in domains {
            let has = !conn.snapshots(&dom).await?.snapshots.is_empty();
            if has == args.with_snapshot {
                kept.push(dom);
            }
        }
        domains = kept;
    }
    if args.json {
        return json(&domains.iter().map(DomainView::of).collect::<Vec<_>>());
    }
    if !args.table && (args.name || args.uuid || args.id) {
        return Ok(plain_list(&domains, args));
    }
    let mut header = vec!["Id", "Name", "State"];
    if args.title {
        header.push("Title");
    }
    if args.uuid {
        header.push("UUID");
    }
    let rows: Vec<Vec<String>> = domains
        .iter()
        .map(|d| {
            let mut row = vec![d.id_text(), d.name.clone(), d.state.to_string()];
            if args.title {
                row.push(String::new());
            }
            if args.uuid {
                row.push(d.uuid_text());
            }
            row
        })
        .collect();
    Ok(table(&header, &rows))
}

/// virsh's `list --uuid`, `--id`, `--name` and their combinations: one line per domain with
/// what was asked for, in the order UUID, id, name; `--id` alone leaves out the domains that are
/// not running, which have no id.
fn plain_list(domains: &[DomainRef], args: &ListArgs) -> String {
    let mut out = String::new();
    for dom in domains {
        if args.id && !args.uuid && !args.name && dom.id.is_none() {
            continue;
        }
        let mut fields = Vec::with_capacity(3);
        if args.uuid {
            fields.push(dom.uuid_text());
        }
        if args.id {
            fields.push(dom.id_text());
        }
        if args.name {
            fields.push(dom.name.clone());
        }
        out.push_str(&line(fields.join(" ")));
    }
    out
}

async fn dominfo(conn: &Connection, args: &InfoArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    let info = conn.domain_info(&dom).await?;
    if args.json {
        return json(&DomainInfoView::of(&info));
    }
    Ok(dominfo_text(&info))
}

/// virsh's `dominfo` lines.
fn dominfo_text(info: &DomainInfo) -> String {
    let mut rows = vec![
            ("Id:", info.domain.id_text()),
            ("Name:", info.domain.name.clone()),
            ("UUID:", info.domain.uuid_text()),
            ("OS Type:", "hvm".to_owned()),
            ("State:", info.domain.state.to_string()),
            ("CPU(s):", info.vcpus.to_string()),
            ("Max memory:", format!("{} KiB", info.max_memory_kib)),
            ("Used memory:", format!("{} KiB", info.memory_kib)),
            ("Persistent:", "yes".to_owned()),
    ];
    // Left out when the host cannot say, as virsh leaves it out.
    if let Some(autostart) = info.autostart {
        let word = if autostart { "enable" } else { "disable" };
        rows.push(("Autostart:", word.to_owned()));
    }
    rows.push(("Managed save:", "no".to_owned()));
    fields(15, &rows)
}

async fn domstate(conn: &Connection, args: &StateArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    let state = conn.domain_state(&dom).await?;
    if args.json {
        return json(&DomainStateView {
            name: &dom.name,
            state: state.as_str(),
        });
    }
    if args.reason {
        // VMware gives no reason for a power state; libvirt's ESX driver reports reason 0,
        // which virsh prints as `unknown`.
        return Ok(line(format_args!("{state} (unknown)")));
    }
    Ok(line(state))
}

async fn define(conn: &Connection, args: &DefineArgs) -> Result<String, CommandError> {
    let xml = xml_file::read(&args.file)?;
    let defined = conn.define_xml(&xml).await?;
    Ok(line(format_args!(
        "Domain '{}' defined from {}",
        defined.domain().name,
        args.file
    )))
}

/// libvirt's check of a memory size before any driver sees it.
fn nonzero_memory(kib: u64) -> Result<u64, ZeroMemory> {
    if kib == 0 {
        return Err(ZeroMemory);
    }
    Ok(kib)
}

/// A memory size of zero, refused in libvirt's words.
#[derive(Debug, thiserror::Error)]
#[error("memory in virDomainSetMemoryFlags must not be zero")]
struct ZeroMemory;

/// `--set FIELD=VALUE` items as one update.
fn scheduler_update(items: &[String]) -> Result<SchedulerUpdate, CommandError> {
    let mut update = SchedulerUpdate::default();
    for item in items {
        let (field, value) = item.split_once('=').ok_or_else(|| {
            CommandError::new(format!(
                "invalid scheduler parameter '{item}': expected FIELD=VALUE"
            ))
        })?;
        let bad = || {
            CommandError::new(format!(
                "invalid value '{value}' for scheduler parameter '{field}'"
            ))
        };
        match field {
            "reservation" => update.reservation = Some(value.parse().map_err(|_| bad())?),
            "limit" => update.limit = Some(value.parse().map_err(|_| bad())?),
            "shares" => update.shares = Some(value.parse().map_err(|_| bad())?),
            other => {
                return Err(CommandError::new(format!(
                    "invalid scheduler option: {other} (expected reservation, limit or shares)"
                )))
            }
        }
    }
    Ok(update)
}

async fn schedinfo(conn: &Connection, args: &SchedinfoArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    if !args.set.is_empty() {
        let update = scheduler_update(&args.set)?;
        conn.set_scheduler_params(&dom, update).await?;
    }
    let params = conn.scheduler_params(&dom).await?;
    if args.json {
        return json(&SchedulerView {
            limit: params.limit,
            reservation: params.reservation,
            scheduler: "allocation",
            shares: params.shares,
        });
    }
    Ok([
        ("Scheduler", "allocation".to_owned()),
        ("reservation", params.reservation.to_string()),
        ("limit", params.limit.to_string()),
        ("shares", params.shares.to_string()),
    ]
    .iter()
    .map(|(name, value)| format!("{name:<15}: {value}\n"))
    .collect())
}

async fn memtune(conn: &Connection, args: &MemtuneArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    if let Some(size) = &args.min_guarantee {
        let kib = parse_size_kib(size)?;
        conn.set_memory_min_guarantee(&dom, kib).await?;
        return Ok(String::new());
    }
    let min = conn.memory_min_guarantee(&dom).await?;
    if args.json {
        return json(&MemtuneView {
            min_guarantee_kib: min,
        });
    }
    Ok(format!("{:<15}: {min}\n", "min_guarantee"))
}

async fn migrate(conn: &Connection, args: &MigrateArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    let destination = if args.desturi.to_ascii_lowercase().starts_with("vpxmigr://") {
        MigrationUri::parse(&args.desturi)?
    } else {
        let dest = session::open(&args.desturi).await.map_err(|e| {
            CommandError::while_doing("failed to connect to the destination hypervisor", e)
        })?;
        let uri = dest.migration_uri().await?;
        let _ = dest.close().await;
        uri
    };
    conn.migrate(&dom, &destination).await?;
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_json_keys_sorted;

    #[test]
    fn json_views_keep_their_key_order() {
        assert_json_keys_sorted(&DomainView {
            id: Some(1),
            name: "web",
            state: "running",
            uuid: None,
        });
        assert_json_keys_sorted(&DomainInfoView {
            autostart: None,
            id: None,
            managed_save: false,
            max_memory_kib: 1,
            name: "web",
            os_type: "hvm",
            persistent: true,
            state: "shut off",
            used_memory_kib: 1,
            uuid: None,
            vcpus: 1,
        });
        assert_json_keys_sorted(&DomainStateView {
            name: "web",
            state: "paused",
        });
        assert_json_keys_sorted(&SchedulerView {
            limit: -1,
            reservation: 0,
            scheduler: "allocation",
            shares: -2,
        });
        assert_json_keys_sorted(&MemtuneView {
            min_guarantee_kib: 0,
        });
    }

    #[test]
    fn dominfo_leaves_out_an_autostart_it_cannot_read() {
        let mut info = DomainInfo {
            domain: DomainRef {
                moref: esx_vi::types::ManagedObjectReference::new("VirtualMachine", "vm-9"),
                name: "web".to_owned(),
                uuid: None,
                hw_uuid: None,
                state: DomainState::Running,
                id: Some(9),
            },
            vcpus: 2,
            max_memory_kib: 1024,
            memory_kib: 1024,
            autostart: None,
        };
        let text = dominfo_text(&info);
        assert!(!text.contains("Autostart:"), "{text}");
        assert!(text.ends_with("Persistent:     yes\nManaged save:   no\n"), "{text}");
        info.autostart = Some(true);
        assert!(dominfo_text(&info).contains("Autostart:      enable\nManaged save:   no\n"));
    }

    #[test]
    fn scheduler_items_become_one_update() {
        let items = ["reservation=100".to_owned(), "shares=-3".to_owned()];
        let update = scheduler_update(&items).unwrap();
        assert_eq!(update.reservation, Some(100));
        assert_eq!(update.shares, Some(-3));
        assert_eq!(update.limit, None);
        for (item, message) in [
            ("limit", "expected FIELD=VALUE"),
            ("limit=x", "invalid value 'x' for scheduler parameter 'limit'"),
            ("cpu=1", "invalid scheduler option: cpu"),
        ] {
            let error = scheduler_update(&[item.to_owned()]).unwrap_err();
            assert!(format!("{error:?}").contains(message), "{error:?}");
        }
    }
}
