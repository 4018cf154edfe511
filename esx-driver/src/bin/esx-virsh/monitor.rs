//! What a domain has and reports: `vcpucount`, `maxvcpus`, `domblklist`, `domblkinfo`, `domiflist`,
//! `vncdisplay`, `domdisplay`, `domhostname`, `dommemstat`, `domifaddr`, and its description
//! (`desc`), in virsh's formats.

use clap::{Args, Subcommand};
use esx_driver::domain::{Domain, GraphicsType, ListenType};
use esx_driver::driver::{Connection, DomainRef, Error, MemoryStats};
use serde::Serialize;

use crate::error::CommandError;
use crate::lookup::{self, DomainArg};
use crate::output::{fields, json, line, table, unterminated};

#[derive(Debug, Args)]
pub(crate) struct BlkListArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Also show the disk type and device
    #[arg(long)]
    details: bool,
    /// The persistent definition's disks (the same: a VMware VM has one configuration)
    #[arg(long)]
    inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IfListArgs {
    /// Domain name, id or uuid
    domain: String,
    /// The persistent definition's interfaces (the same: a VMware VM has one configuration)
    #[arg(long)]
    inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VcpuCountArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Only the maximum count
    #[arg(long)]
    maximum: bool,
    /// Only the current count
    #[arg(long)]
    active: bool,
    /// Only the running domain's count
    #[arg(long)]
    live: bool,
    /// Only the persistent configuration's count
    #[arg(long)]
    config: bool,
    /// Only the count of the domain's current state
    #[arg(long)]
    current: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BlkInfoArgs {
    /// Domain name, id or uuid
    domain: String,
    /// The disk: its target (sda) or its file ([datastore] dir/disk.vmdk)
    #[arg(required_unless_present = "all")]
    device: Option<String>,
    /// Every disk, as a table
    #[arg(long, conflicts_with = "device")]
    all: bool,
    /// Sizes with a unit (1.000 GiB)
    #[arg(long)]
    human: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MemStatArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IfAddrArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Only this interface (its network's name, as listed)
    #[arg(long)]
    interface: Option<String>,
    /// Name and MAC on every address's line, not only the first
    #[arg(long)]
    full: bool,
    /// Where the addresses come from: only `agent` (VMware Tools) exists for VMware, and it is
    /// the default here (virsh's default, `lease`, fails on every ESX host)
    #[arg(long, value_name = "SOURCE", default_value = "agent")]
    source: String,
}

#[derive(Debug, Args)]
pub(crate) struct DescArgs {
    /// Domain name, id or uuid
    domain: String,
    /// The title instead of the description (VMware VMs have none)
    #[arg(long)]
    title: bool,
    /// Accepted for compatibility: the description of a VMware VM is its one configuration
    #[arg(long)]
    config: bool,
    /// The new description; without it, the current one is printed
    #[arg(trailing_var_arg = true)]
    text: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct MaxVcpusArgs {
    /// Accepted for compatibility: every VMware guest type has the host's limit
    #[arg(long, value_name = "TYPE")]
    r#type: Option<String>,
}

/// The domain monitoring commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Domain vcpu counts
    Vcpucount(VcpuCountArgs),
    /// Connection vcpu maximum
    Maxvcpus(MaxVcpusArgs),
    /// List all domain blocks
    Domblklist(BlkListArgs),
    /// Domain block device size information
    Domblkinfo(BlkInfoArgs),
    /// List all domain virtual interfaces
    Domiflist(IfListArgs),
    /// VNC display
    Vncdisplay(DomainArg),
    /// Domain display connection URI
    Domdisplay(DomainArg),
    /// Print domain hostname
    Domhostname(DomainArg),
    /// Get memory statistics for a domain
    Dommemstat(MemStatArgs),
    /// Get network interfaces' addresses for a running domain
    Domifaddr(IfAddrArgs),
    /// Show or set domain's description or title
    Desc(DescArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::Vcpucount(args) => vcpucount(conn, &args).await,
            Command::Maxvcpus(_) => Ok(line(conn.max_vcpus().await?)),
            Command::Domblklist(args) => {
                let (_, domain) = definition(conn, &args.domain).await?;
                Ok(blklist_text(&domain, args.details))
            }
            Command::Domblkinfo(args) => domblkinfo(conn, &args).await,
            Command::Domiflist(args) => {
                let (_, domain) = definition(conn, &args.domain).await?;
                Ok(iflist_text(&domain))
            }
            Command::Vncdisplay(args) => {
                let (dom, domain) = definition(conn, &args.domain).await?;
                let (listen, display) = vnc_display(&dom, &domain)?;
                Ok(line(format_args!("{}:{display}", listen.unwrap_or_default())))
            }
            Command::Domdisplay(args) => {
                let (dom, domain) = definition(conn, &args.domain).await?;
                // virsh's words for a domain without a display differ from vncdisplay's.
                let (listen, display) = vnc_display(&dom, &domain).map_err(|e| {
                    if dom.state.is_active() {
                        CommandError::new("No graphical display found")
                    } else {
                        e
                    }
                })?;
                let host = listen.unwrap_or_else(|| conn.uri().host.clone());
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host
                };
                Ok(line(format_args!("vnc://{host}:{display}")))
            }
            Command::Domhostname(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                let name = conn
                    .guest_hostname(&dom)
                    .await
                    .map_err(|e| CommandError::while_doing("failed to get hostname", e))?;
                Ok(line(name))
            }
            Command::Dommemstat(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                let stats = conn.memory_stats(&dom).await.map_err(|e| {
                    CommandError::while_doing(
                        format!("Failed to get memory statistics for domain {}", dom.name),
                        e,
                    )
                })?;
                if args.json {
                    return json(&MemStatView::of(&stats));
                }
                Ok(memstat_text(&stats))
            }
            Command::Domifaddr(args) => domifaddr(conn, &args).await,
            Command::Desc(args) => desc(conn, &args).await,
        }
    }
}

/// The domain and its definition (from its VMX file).
async fn definition(conn: &Connection, text: &str) -> Result<(DomainRef, Domain), CommandError> {
    let dom = lookup::domain(conn, text).await?;
    let domain = conn.domain_definition(&dom).await?;
    Ok((dom, domain))
}

/// virsh's `vcpucount`: `maximum`/`current` by `config`/`live`, the live rows only while the
/// domain runs. VMware has no vCPU hot-plug range, so maximum and current are the same.
/// virsh's `domblkinfo`: one disk's sizes, or with `--all` a table of every disk's (a disk
/// without a file shows `-`, as virsh shows one without sizes).
async fn domblkinfo(conn: &Connection, args: &BlkInfoArgs) -> Result<String, CommandError> {
    let (dom, domain) = definition(conn, &args.domain).await?;
    let size = |bytes: u64| {
        if args.human {
            let (value, unit) = crate::output::scaled_size(bytes);
            format!("{value:.3} {unit}")
        } else {
            bytes.to_string()
        }
    };
    let disks = domain.devices.disks.iter().map(|d| {
        let path = d.source.as_ref().and_then(|s| s.path.as_deref());
        (d.target.dev.as_str(), path)
    });
    if args.all {
        let mut rows = Vec::new();
        for (target, path) in disks {
            let row = match path {
                Some(path) => {
                    let info = conn.block_info(&dom, path).await?;
                    [info.capacity, info.allocation, info.physical].map(size)
                }
                None => ["-", "-", "-"].map(str::to_owned),
            };
            rows.push([vec![target.to_owned()], row.to_vec()].concat());
        }
        return Ok(table(&["Target", "Capacity", "Allocation", "Physical"], &rows));
    }
    let wanted = args.device.as_deref().unwrap_or_default();
    let path = disks
        .filter_map(|(target, path)| Some((target, path?)))
        .find(|(target, path)| *target == wanted || *path == wanted)
        .map(|(_, path)| path.to_owned())
        .ok_or_else(|| {
            CommandError::new(format!(
                "invalid argument: invalid path {wanted} not assigned to domain"
            ))
        })?;
    let info = conn.block_info(&dom, &path).await?;
    Ok(fields(
        15,
        &[
            ("Capacity:", size(info.capacity)),
            ("Allocation:", size(info.allocation)),
            ("Physical:", size(info.physical)),
        ],
    ))
}

async fn vcpucount(conn: &Connection, args: &VcpuCountArgs) -> Result<String, CommandError> {
    for (a, b, both) in [
        ("maximum", "active", args.maximum && args.active),
        ("live", "config", args.live && args.config),
        ("current", "live", args.current && args.live),
        ("current", "config", args.current && args.config),
    ] {
        if both {
            return Err(CommandError::new(format!(
                "Options --{a} and --{b} are mutually exclusive"
            )));
        }
    }
    let dom = lookup::domain(conn, &args.domain).await?;
    let failed = |e| CommandError::while_doing("Failed to retrieve current vcpu count", e);
    if args.live && !dom.state.is_active() {
        return Err(failed(Error::OperationInvalid("domain is not running".into())));
    }
    let count = conn.vcpu_count(&dom).await.map_err(failed)?;
    // One figure when one is asked for: a VMware VM's maximum and current counts are the
    // same number, in its one configuration.
    if args.maximum || args.active || args.live || args.config || args.current {
        return Ok(line(count));
    }
    let mut out = String::new();
    for which in ["maximum", "current"] {
        out.push_str(&format!("{which:<12} {:<12} {count:>3}\n", "config"));
        if dom.state.is_active() {
            out.push_str(&format!("{which:<12} {:<12} {count:>3}\n", "live"));
        }
    }
    Ok(out)
}

/// virsh's `domblklist [--details]`.
fn blklist_text(domain: &Domain, details: bool) -> String {
    let rows: Vec<Vec<String>> = domain
        .devices
        .disks
        .iter()
        .map(|disk| {
            let source = disk
                .source
                .as_ref()
                .and_then(|s| s.path.clone())
                .unwrap_or_else(|| "-".to_owned());
            let mut row = Vec::new();
            if details {
                row.push(disk.disk_type.as_str().to_owned());
                row.push(disk.device.as_str().to_owned());
            }
            row.push(disk.target.dev.clone());
            row.push(source);
            row
        })
        .collect();
    if details {
        table(&["Type", "Device", "Target", "Source"], &rows)
    } else {
        table(&["Target", "Source"], &rows)
    }
}

/// virsh's `domiflist`: the interface's host-side name (`-` on VMware), type, source, model and
/// MAC address.
fn iflist_text(domain: &Domain) -> String {
    let rows: Vec<Vec<String>> = domain
        .devices
        .interfaces
        .iter()
        .map(|iface| {
            let source = &iface.source;
            let source = source
                .bridge
                .clone()
                .or_else(|| source.network.clone())
                .or_else(|| source.dev.clone())
                .or_else(|| source.portgroup.clone())
                .unwrap_or_else(|| "-".to_owned());
            vec![
                iface.target_dev.clone().unwrap_or_else(|| "-".to_owned()),
                iface.iface_type.as_str().to_owned(),
                source,
                iface.model.clone().unwrap_or_else(|| "-".to_owned()),
                iface
                    .mac
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |m| m.address.to_string()),
            ]
        })
        .collect();
    table(&["Interface", "Type", "Source", "Model", "MAC"], &rows)
}

/// The VNC listen address (`None` for every address) and display number (port - 5900) of a
/// running domain, from its VMX's `RemoteDisplay.vnc` settings, with virsh's refusals.
fn vnc_display(dom: &DomainRef, domain: &Domain) -> Result<(Option<String>, u32), CommandError> {
    if !dom.state.is_active() {
        return Err(CommandError::new("Domain is not running"));
    }
    let vnc = domain
        .devices
        .graphics
        .iter()
        .find(|g| g.graphics_type == GraphicsType::Vnc);
    let Some((vnc, port)) = vnc.and_then(|g| g.port.filter(|p| *p >= 5900).map(|p| (g, p))) else {
        return Err(CommandError::new(
            "Failed to get VNC port. Is this domain using VNC?",
        ));
    };
    let listen = vnc
        .listens
        .iter()
        .find(|l| l.listen_type == ListenType::Address)
        .and_then(|l| l.address.clone())
        .filter(|a| a != "0.0.0.0" && a != "::");
    Ok((listen, port - 5900))
}

/// `dommemstat --json`.
#[derive(Serialize)]
struct MemStatView {
    actual_kib: u64,
    ballooned_kib: Option<u64>,
    guest_used_kib: Option<u64>,
    rss_kib: Option<u64>,
    swapped_kib: Option<u64>,
    unused_kib: Option<u64>,
}

impl MemStatView {
    fn of(stats: &MemoryStats) -> Self {
        MemStatView {
            actual_kib: stats.actual,
            ballooned_kib: stats.ballooned,
            guest_used_kib: stats.guest_used,
            rss_kib: stats.rss,
            swapped_kib: stats.swapped,
            unused_kib: stats.unused(),
        }
    }
}

/// virsh's `dommemstat` lines, with its tag names: `actual` is the memory the guest has
/// (configured minus ballooned), `available` the configured size, `unused` what the guest
/// does not use, `rss` the host memory behind it. Figures the host does not report are left
/// out, as virsh leaves out tags a driver does not return.
fn memstat_text(stats: &MemoryStats) -> String {
    let mut out = String::new();
    let actual = stats.actual.saturating_sub(stats.ballooned.unwrap_or(0));
    out.push_str(&format!("actual {actual}\n"));
    out.push_str(&format!("available {}\n", stats.actual));
    if let Some(unused) = stats.unused() {
        out.push_str(&format!("unused {unused}\n"));
    }
    if let Some(rss) = stats.rss {
        out.push_str(&format!("rss {rss}\n"));
    }
    out
}

/// virsh's `desc`: prints the description, or sets it from the words given. Its messages end
/// with virsh's newline after the command, not one of their own, as virsh prints them.
async fn desc(conn: &Connection, args: &DescArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    if args.title {
        // A VMware VM has no title: virsh reads none from libvirt's XML and fails to set one.
        if args.text.is_empty() {
            return Ok(unterminated(format_args!("No title for domain: {}", dom.name)));
        }
        return Err(CommandError::while_doing(
            "Failed to set new domain title",
            Error::NoSupport("virDomainSetMetadata".into()),
        ));
    }
    if args.text.is_empty() {
        return Ok(match conn.description(&dom).await? {
            Some(text) => unterminated(text),
            None => unterminated(format_args!("No description for domain: {}", dom.name)),
        });
    }
    conn.set_description(&dom, &args.text.join(" "))
        .await
        .map_err(|e| CommandError::while_doing("Failed to set new domain description", e))?;
    Ok(unterminated("Domain description updated successfully"))
}

/// virsh's `domifaddr`: the guest's addresses from VMware Tools.
async fn domifaddr(conn: &Connection, args: &IfAddrArgs) -> Result<String, CommandError> {
    // libvirt's numbers for the sources its ESX driver does not know.
    let unknown_source = match args.source.as_str() {
        "agent" => None,
        "lease" => Some(0),
        "arp" => Some(2),
        other => return Err(CommandError::new(format!("Unknown data source '{other}'"))),
    };
    let dom = lookup::domain(conn, &args.domain).await?;
    if let Some(number) = unknown_source {
        return Err(CommandError::while_doing_because(
            "Failed to query for interfaces addresses",
            format!(
                "argument unsupported: Unknown IP address data source {number} (VMware reports \
                 addresses through VMware Tools: use --source agent)"
            ),
        ));
    }
    if !dom.state.is_active() {
        return Err(CommandError::while_doing(
            "Failed to query for interfaces addresses",
            Error::OperationInvalid("domain is not running".into()),
        ));
    }
    let interfaces = conn.guest_interfaces(&dom).await.map_err(|e| {
        CommandError::while_doing("Failed to query for interfaces addresses", e)
    })?;
    let mut out = format!(
        " {:<10} {:<20} {:<8}     {}\n{}\n",
        "Name",
        "MAC address",
        "Protocol",
        "Address",
        "-".repeat(79)
    );
    // virsh's lines: an interface is named after its network, as libvirt's ESX driver names
    // it; one without addresses gets N/A, and only an address's first line its name and MAC
    // unless --full.
    for iface in &interfaces {
        let name = iface.network.as_deref().unwrap_or("-");
        if args.interface.as_deref().is_some_and(|wanted| wanted != name) {
            continue;
        }
        let mac = iface.mac.as_deref().unwrap_or("N/A");
        if iface.addresses.is_empty() {
            out.push_str(&format!(" {name:<10} {mac:<17}    {:<12} N/A\n", "N/A"));
            continue;
        }
        for (i, (address, prefix)) in iface.addresses.iter().enumerate() {
            let protocol = if address.contains(':') { "ipv6" } else { "ipv4" };
            let address = match prefix {
                Some(prefix) => format!("{address}/{prefix}"),
                None => address.clone(),
            };
            let (name, mac) = if args.full || i == 0 { (name, mac) } else { ("-", "-") };
            out.push_str(&format!(" {name:<10} {mac:<17}    {protocol:<12} {address}\n"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_json_keys_sorted;

    #[test]
    fn json_views_keep_their_key_order() {
        assert_json_keys_sorted(&MemStatView::of(&MemoryStats::default()));
    }

    #[test]
    fn memory_statistics_use_virshs_tags() {
        let stats = MemoryStats {
            actual: 4096,
            guest_used: Some(1024),
            rss: Some(2048),
            ballooned: Some(1024),
            swapped: None,
        };
        assert_eq!(
            memstat_text(&stats),
            "actual 3072\navailable 4096\nunused 3072\nrss 2048\n"
        );
        assert_eq!(
            memstat_text(&MemoryStats {
                actual: 1024,
                ..MemoryStats::default()
            }),
            "actual 1024\navailable 1024\n"
        );
    }
}
