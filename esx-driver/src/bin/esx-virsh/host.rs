//! The host or vCenter itself: `nodeinfo`, `capabilities`, `hostname`, `version`, `uri`,
//! `freecell`.

use clap::{Args, Subcommand};
use esx_driver::driver::{Connection, Error, HypervisorVersion, NodeInfo};
use serde::Serialize;

use crate::error::CommandError;
use crate::output::{fields, json, line};

#[derive(Debug, Args)]
pub(crate) struct JsonArgs {
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct FreecellArgs {
    /// A NUMA cell (libvirt's ESX driver has no per-cell figures)
    #[arg(value_name = "CELLNO", conflicts_with = "cellno_opt")]
    cellno: Option<i32>,
    /// A NUMA cell (libvirt's ESX driver has no per-cell figures)
    #[arg(long = "cellno", value_name = "CELLNO")]
    cellno_opt: Option<i32>,
    /// virsh's layout for every cell, then the total
    #[arg(long, conflicts_with_all = ["cellno", "cellno_opt"])]
    all: bool,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

/// The host commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    Freecell(FreecellArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::Nodeinfo(args) => {
                let info = conn.node_info().await?;
                if args.json {
                    return json(&NodeInfoView::of(&info));
                }
                Ok(nodeinfo_text(&info))
            }
            Command::Capabilities => Ok(conn.capabilities_xml().await?),
            Command::Hostname => Ok(line(conn.hostname().await?)),
            Command::Version(args) => {
                let hypervisor = conn.hypervisor_version();
                if args.json {
                    return json(&VersionView::of(&hypervisor));
                }
                Ok(version_text(&hypervisor))
            }
            Command::Uri => Ok(line(conn.uri())),
            Command::Freecell(args) => {
                if args.cellno.or(args.cellno_opt).is_some() {
                    return Err(CommandError::new(Error::NoSupport(
                        "virNodeGetCellsFreeMemory".into(),
                    )));
                }
                let free = conn.free_memory_kib().await?;
                if args.json {
                    return json(&FreecellView {
                        free_memory_kib: free,
                    });
                }
                if args.all {
                    // virsh's --all layout; ESX reports no cell's figure, only the host's (virsh
                    // 11.3 prints a total of 0 here).
                    return Ok(format!("--------------------\n{:>5}: {free:>10} KiB\n", "Total"));
                }
                Ok(line(format_args!("Total: {free} KiB")))
            }
        }
    }
}

/// This program's version, which virsh reports as its library's.
const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `nodeinfo --json`.
#[derive(Serialize)]
struct NodeInfoView<'a> {
    cores_per_socket: u32,
    cpu_model: &'a str,
    cpus: u32,
    memory_kib: u64,
    mhz: u32,
    numa_cells: u32,
    sockets: u32,
    threads_per_core: u32,
}

impl<'a> NodeInfoView<'a> {
    fn of(info: &'a NodeInfo) -> Self {
        NodeInfoView {
            cores_per_socket: info.cores,
            cpu_model: &info.cpu_model,
            cpus: info.cpus,
            memory_kib: info.memory_kib,
            mhz: info.mhz,
            numa_cells: info.nodes,
            sockets: info.sockets,
            threads_per_core: info.threads,
        }
    }
}

/// `version --json`.
#[derive(Serialize)]
struct VersionView<'a> {
    hypervisor: &'static str,
    hypervisor_full_name: &'a str,
    hypervisor_version: &'a str,
    library: &'static str,
}

impl<'a> VersionView<'a> {
    fn of(hypervisor: &'a HypervisorVersion) -> Self {
        VersionView {
            hypervisor: hypervisor.kind,
            hypervisor_full_name: &hypervisor.full_name,
            hypervisor_version: &hypervisor.version,
            library: LIBRARY_VERSION,
        }
    }
}

/// `freecell --json`.
#[derive(Serialize)]
struct FreecellView {
    free_memory_kib: u64,
}

fn nodeinfo_text(info: &NodeInfo) -> String {
    fields(
        20,
        &[
            ("CPU model:", info.cpu_model.clone()),
            ("CPU(s):", info.cpus.to_string()),
            ("CPU frequency:", format!("{} MHz", info.mhz)),
            ("CPU socket(s):", info.sockets.to_string()),
            ("Core(s) per socket:", info.cores.to_string()),
            ("Thread(s) per core:", info.threads.to_string()),
            ("NUMA cell(s):", info.nodes.to_string()),
            ("Memory size:", format!("{} KiB", info.memory_kib)),
        ],
    )
}

/// virsh's `version`. The type is the driver's name, `ESX`, on a vCenter too, as libvirt's
/// `virConnectGetType` answers (scripts match on it); the version is the server's.
fn version_text(hypervisor: &HypervisorVersion) -> String {
    let ours = LIBRARY_VERSION;
    format!(
        "Compiled against library: esx-rs {ours}\n\
         Using library: esx-rs {ours}\n\
         Using API: ESX {ours}\n\
         Running hypervisor: ESX {version}\n",
        version = hypervisor.version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_json_keys_sorted;

    #[test]
    fn json_views_keep_their_key_order() {
        let info = NodeInfo {
            cpu_model: "Xeon".to_owned(),
            memory_kib: 1,
            cpus: 2,
            mhz: 3,
            nodes: 1,
            sockets: 1,
            cores: 2,
            threads: 1,
        };
        assert_json_keys_sorted(&NodeInfoView::of(&info));
        let hypervisor = HypervisorVersion {
            kind: "ESX",
            version: "8.0.2".to_owned(),
            full_name: "VMware ESXi 8.0.2".to_owned(),
        };
        assert_json_keys_sorted(&VersionView::of(&hypervisor));
        assert_json_keys_sorted(&FreecellView { free_memory_kib: 1 });
    }
}
