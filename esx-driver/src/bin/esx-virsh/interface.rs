//! Interfaces (the host's physical NICs): `iface-list`, `iface-dumpxml`, `iface-mac`,
//! `iface-name`, and `iface-define`/`iface-undefine`/`iface-start`/`iface-destroy`, which ESX
//! cannot do (libvirt's errors).

use clap::{Args, Subcommand};
use esx_driver::driver::{looks_like_mac, Connection, Error, InterfaceEntry};
use esx_driver::network::format_interface_xml;
use serde::Serialize;

use crate::error::CommandError;
use crate::xml_file;
use crate::lookup::{self, InterfaceArg};
use crate::output::{json, line, table};

#[derive(Debug, Args)]
pub(crate) struct IfaceListArgs {
    /// List not active interfaces
    #[arg(long)]
    inactive: bool,
    /// List active & not active interfaces
    #[arg(long)]
    all: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IfaceDumpxmlArgs {
    /// Interface name or MAC address
    interface: String,
    /// Show inactive defined XML (the same for a physical NIC)
    #[arg(long)]
    inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IfaceFileArgs {
    /// File containing an XML interface description
    file: String,
}

/// The interface commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List physical host interfaces
    #[command(name = "iface-list")]
    List(IfaceListArgs),
    /// Interface information in XML
    #[command(name = "iface-dumpxml")]
    Dumpxml(IfaceDumpxmlArgs),
    /// Convert an interface name to interface MAC address
    #[command(name = "iface-mac")]
    Mac(InterfaceArg),
    /// Convert an interface MAC address to interface name
    #[command(name = "iface-name")]
    Name(InterfaceArg),
    /// Define an inactive persistent physical host interface
    #[command(name = "iface-define")]
    Define(IfaceFileArgs),
    /// Undefine a physical host interface (remove it from configuration)
    #[command(name = "iface-undefine")]
    Undefine(InterfaceArg),
    /// Start a physical host interface (enable it / "if-up")
    #[command(name = "iface-start")]
    Start(InterfaceArg),
    /// Destroy a physical host interface (disable it / "if-down")
    #[command(name = "iface-destroy")]
    Destroy(InterfaceArg),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::List(args) => iface_list(conn, &args).await,
            Command::Dumpxml(args) => {
                let (host, iface) = lookup::interface(conn, &args.interface).await?;
                Ok(format_interface_xml(&host.definition(&iface)?))
            }
            Command::Mac(args) => {
                let host = conn.host_interfaces().await?;
                let iface = host.by_name(&args.interface).map_err(|e| {
                    CommandError::while_doing(
                        format!("failed to get interface '{}'", args.interface),
                        e,
                    )
                })?;
                Ok(line(iface.mac))
            }
            Command::Name(args) => {
                // virsh looks an iface-name argument up as a MAC address only, and other text
                // not at all.
                if !looks_like_mac(&args.interface) {
                    return Err(CommandError::new(format!(
                        "failed to get interface '{}'",
                        args.interface
                    )));
                }
                let host = conn.host_interfaces().await?;
                let iface = host.by_mac(&args.interface).map_err(|e| {
                    CommandError::while_doing(
                        format!("failed to get interface '{}'", args.interface),
                        e,
                    )
                })?;
                Ok(line(iface.name))
            }
            Command::Define(args) => Err(CommandError::while_doing(
                format!("Failed to define interface from {}", xml_file::read_named(&args.file)?),
                Error::NoSupport("virInterfaceDefineXML".into()),
            )),
            Command::Undefine(args) => {
                unsupported(conn, &args, "Failed to undefine interface", "virInterfaceUndefine")
                    .await
            }
            Command::Start(args) => {
                unsupported(conn, &args, "Failed to start interface", "virInterfaceCreate").await
            }
            Command::Destroy(args) => {
                unsupported(conn, &args, "Failed to destroy interface", "virInterfaceDestroy")
                    .await
            }
        }
    }
}

/// What virsh says when the driver lacks `function`: after looking the interface up.
async fn unsupported(
    conn: &Connection,
    args: &InterfaceArg,
    doing: &str,
    function: &str,
) -> Result<String, CommandError> {
    let (_, iface) = lookup::interface(conn, &args.interface).await?;
    Err(CommandError::while_doing(
        format!("{doing} {}", iface.name),
        Error::NoSupport(function.to_owned()),
    ))
}

/// An interface in `iface-list --json`.
#[derive(Serialize)]
struct InterfaceView<'a> {
    active: bool,
    mac: &'a str,
    name: &'a str,
}

impl<'a> InterfaceView<'a> {
    fn of(iface: &'a InterfaceEntry) -> Self {
        InterfaceView {
            active: iface.active,
            mac: &iface.mac,
            name: &iface.name,
        }
    }
}

async fn iface_list(conn: &Connection, args: &IfaceListArgs) -> Result<String, CommandError> {
    let host = conn.host_interfaces().await?;
    let interfaces: Vec<InterfaceEntry> = host
        .list()
        .into_iter()
        .filter(|i| args.all || (args.inactive != i.active))
        .collect();
    if args.json {
        return json(&interfaces.iter().map(InterfaceView::of).collect::<Vec<_>>());
    }
    let rows: Vec<Vec<String>> = interfaces
        .iter()
        .map(|i| {
            vec![
                i.name.clone(),
                if i.active { "active" } else { "inactive" }.to_owned(),
                i.mac.clone(),
            ]
        })
        .collect();
    Ok(table(&["Name", "State", "MAC Address"], &rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_json_keys_sorted;

    #[test]
    fn json_views_keep_their_key_order() {
        let iface = InterfaceEntry {
            name: "vmnic0".into(),
            mac: "00:50:56:a0:00:00".into(),
            active: true,
        };
        assert_json_keys_sorted(&InterfaceView::of(&iface));
    }
}
