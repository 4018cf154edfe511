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
}

#[derive(Debug, Args)]
pub(crate) struct BlkInfoArgs {
    /// Domain name, id or uuid
    domain: String,
    /// The disk: its target (sda) or its file ([datastore] dir/disk.vmdk)
    device: String,
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
    /// Where the addresses come from: only `agent` (VMware Tools) exists for VMware
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
    Vcpucount(DomainArg),
    /// Connection vcpu maximum
    Maxvcpus(MaxVcpusArgs),
    /// List all domain blocks
    Domblklist(BlkListArgs),
    /// Domain block device size information
    Domblkinfo(BlkInfoArgs),
    /// List all domain virtual interfaces
    Domiflist(DomainArg),
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
            Command::Vcpucount(args) => vcpucount(conn, &args.domain).await,
            Command::Maxvcpus(_) => Ok(line(conn.max_vcpus().await?)),
            Command::Domblklist(args) => {
                let (_, domain) = definition(conn, &args.domain).await?;
                Ok(blklist_text(&domain, args.details))
            }
            Command::Domblkinfo(args) => {
                let (dom, domain) = definition(conn, &args.domain).await?;
                let path = domain
                    .devices
                    .disks
                    .iter()
                    .filter_map(|d| Some((d, d.source.as_ref()?.path.as_deref()?)))
                    .find(|(d, path)| d.target.dev == args.device || *path == args.device)
                    .map(|(_, path)| path.to_owned())
                    .ok_or_else(|| {
                        CommandError::new(format!(
                            "invalid argument: invalid path {} not assigned to domain",
                            args.device
                        ))
                    })?;
                let info = conn.block_info(&dom, &path).await?;
                Ok(fields(
                    15,
                    &[
                        ("Capacity:", info.capacity.to_string()),
                        ("Allocation:", info.allocation.to_string()),
                        ("Physical:", info.physical.to_string()),
                    ],
                ))
            }
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
                let (listen, display) = vnc_display(&dom, &domain)?;
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
async fn vcpucount(conn: &Connection, text: &str) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, text).await?;
    let count = conn
        .vcpu_count(&dom)
        .await
        .map_err(|e| CommandError::while_doing("Failed to retrieve current vcpu count", e))?;
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
    if args.source != "agent" {
        let why = match args.source.as_str() {
            "lease" | "arp" => format!(
                "this function is not supported by the connection driver: domifaddr --source {} \
                 (VMware reports addresses through VMware Tools: use --source agent)",
                args.source
            ),
            other => format!("Unknown data source '{other}'"),
        };
        return Err(CommandError::new(why));
    }
    let dom = lookup::domain(conn, &args.domain).await?;
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
    for iface in &interfaces {
        let mac = iface.mac.clone().unwrap_or_else(|| "-".to_owned());
        for (i, (address, prefix)) in iface.addresses.iter().enumerate() {
            let protocol = if address.contains(':') { "ipv6" } else { "ipv4" };
            let address = match prefix {
                Some(prefix) => format!("{address}/{prefix}"),
                None => address.clone(),
            };
            let mac = if i == 0 { mac.as_str() } else { "-" };
            out.push_str(&format!(" {:<10} {mac:<17}    {protocol:<12} {address}\n", "-"));
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
