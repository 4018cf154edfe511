//! Networks (the host's standard vSwitches): `net-list`, `net-info`, `net-uuid`, `net-name`,
//! `net-dumpxml`, `net-define`, `net-undefine`, `net-update` (port groups), `net-autostart`,
//! and `net-start`/`net-destroy`/`net-create`, which ESX cannot do (libvirt's errors).

use clap::{Args, Subcommand, ValueEnum};
use esx_driver::driver::{
    Connection, Error, HostNetworks, NetworkEntry, NetworkKind, PortGroupUpdate,
};
use esx_driver::network::format_network_xml;
use serde::Serialize;

use crate::error::CommandError;
use crate::xml_file;
use crate::lookup::{self, NetworkArg};
use crate::output::{fields, json, line, table, yes_no};

#[derive(Debug, Args)]
pub(crate) struct NetListArgs {
    /// List inactive networks
    #[arg(long)]
    inactive: bool,
    /// List inactive & active networks
    #[arg(long)]
    all: bool,
    /// List network names only
    #[arg(long)]
    name: bool,
    /// List UUIDs only
    #[arg(long)]
    uuid: bool,
    /// Print a table (the default)
    #[arg(long)]
    table: bool,
    /// Add a Title column to the table (empty: ESX networks have no title)
    #[arg(long)]
    title: bool,
    /// List persistent networks (every ESX network)
    #[arg(long)]
    persistent: bool,
    /// List transient networks (none on ESX)
    #[arg(long)]
    transient: bool,
    /// List networks the host starts when it boots
    #[arg(long)]
    autostart: bool,
    /// List networks the host does not start when it boots
    #[arg(long)]
    no_autostart: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
}

impl NetListArgs {
    /// virsh's filters: a network passes when it matches one of the given values of each pair.
    fn wanted(&self, net: &NetworkEntry) -> bool {
        let state = if self.all {
            true
        } else if self.inactive {
            !net.is_active()
        } else {
            net.is_active()
        };
        let either = |yes: bool, no: bool, value: bool| (!yes && !no) || (yes && value) || (no && !value);
        state
            && either(self.persistent, self.transient, net.is_persistent())
            && either(self.autostart, self.no_autostart, net.is_autostart())
    }
}

#[derive(Debug, Args)]
pub(crate) struct NetInfoArgs {
    /// Network name or uuid
    network: String,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NetDumpxmlArgs {
    /// Network name or uuid
    network: String,
    /// Show inactive defined XML (the same for a vSwitch)
    #[arg(long)]
    inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NetFileArgs {
    /// File containing an XML network description
    file: String,
}

#[derive(Debug, Args)]
pub(crate) struct NetAutostartArgs {
    /// Network name or uuid
    network: String,
    /// Disable autostarting
    #[arg(long)]
    disable: bool,
}

/// `net-update` commands (libvirt's names).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum UpdateCommand {
    /// Add a port group
    Add,
    /// Add a port group (same as add)
    AddLast,
    /// Add a port group (same as add)
    AddFirst,
    /// Delete a port group
    Delete,
    /// Change a port group's VLAN and bandwidth
    Modify,
}

#[derive(Debug, Args)]
pub(crate) struct NetUpdateArgs {
    /// Network name or uuid
    network: String,
    /// What to do
    command: UpdateCommand,
    /// Which part of the network (ESX: portgroup)
    section: String,
    /// The <portgroup> element, inline or in a file
    xml: String,
    /// Accepted for compatibility: ESX applies changes live and persistently
    #[arg(long)]
    config: bool,
    /// Accepted for compatibility: ESX applies changes live and persistently
    #[arg(long)]
    live: bool,
    /// Accepted for compatibility: ESX applies changes live and persistently
    #[arg(long)]
    current: bool,
}

/// The network commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List networks
    #[command(name = "net-list")]
    List(NetListArgs),
    /// Network information
    #[command(name = "net-info")]
    Info(NetInfoArgs),
    /// Convert a network name to network UUID
    #[command(name = "net-uuid")]
    Uuid(NetworkArg),
    /// Convert a network UUID to network name
    #[command(name = "net-name")]
    Name(NetworkArg),
    /// Network information in XML
    #[command(name = "net-dumpxml")]
    Dumpxml(NetDumpxmlArgs),
    /// Define a network (a vSwitch and its port groups) from an XML file
    #[command(name = "net-define")]
    Define(NetFileArgs),
    /// Undefine a network (remove its port groups and the vSwitch)
    #[command(name = "net-undefine")]
    Undefine(NetworkArg),
    /// Add, delete or modify a port group of a network
    #[command(name = "net-update")]
    Update(NetUpdateArgs),
    /// Autostart a network
    #[command(name = "net-autostart")]
    Autostart(NetAutostartArgs),
    /// Start a (previously defined) inactive network
    #[command(name = "net-start")]
    Start(NetworkArg),
    /// Destroy (stop) a network
    #[command(name = "net-destroy")]
    Destroy(NetworkArg),
    /// Create a network from an XML file
    #[command(name = "net-create")]
    Create(NetFileArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::List(args) => net_list(conn, &args).await,
            Command::Info(args) => net_info(conn, &args).await,
            Command::Uuid(args) => {
                let (_, net) = lookup::network(conn, &args.network).await?;
                Ok(line(net.uuid))
            }
            Command::Name(args) => {
                let net = lookup::network_by_uuid(conn, &args.network).await?;
                Ok(line(net.name))
            }
            Command::Dumpxml(args) => {
                let (host, net) = lookup::network(conn, &args.network).await?;
                Ok(format_network_xml(&host.definition(&net)?))
            }
            Command::Define(args) => {
                let failed = || format!("Failed to define network from {}", args.file);
                let xml = xml_file::read(&args.file)?;
                let net = conn
                    .define_network(&xml)
                    .await
                    .map_err(|e| CommandError::while_doing(failed(), e))?;
                Ok(line(format_args!(
                    "Network {} defined from {}",
                    net.name, args.file
                )))
            }
            Command::Undefine(args) => {
                let (_, net) = lookup::network(conn, &args.network).await?;
                conn.undefine_network(&net.name).await.map_err(|e| {
                    CommandError::while_doing(
                        format!("Failed to undefine network {}", net.name),
                        e,
                    )
                })?;
                Ok(line(format_args!("Network {} has been undefined", net.name)))
            }
            Command::Update(args) => net_update(conn, &args).await,
            Command::Autostart(args) => {
                let (_, net) = lookup::network(conn, &args.network).await?;
                let autostart = !args.disable;
                conn.set_network_autostart(&net, autostart).map_err(|e| {
                    let doing = if autostart {
                        format!("failed to mark network {} as autostarted", net.name)
                    } else {
                        format!("failed to unmark network {} as autostarted", net.name)
                    };
                    CommandError::while_doing(doing, e)
                })?;
                Ok(line(format_args!(
                    "Network {} marked as autostarted",
                    net.name
                )))
            }
            Command::Start(args) => {
                let (_, net) = lookup::network(conn, &args.network).await?;
                Err(CommandError::while_doing(
                    format!("Failed to start network {}", net.name),
                    Error::NoSupport("virNetworkCreate".into()),
                ))
            }
            Command::Destroy(args) => {
                let (_, net) = lookup::network(conn, &args.network).await?;
                Err(CommandError::while_doing(
                    format!("Failed to destroy network {}", net.name),
                    Error::NoSupport("virNetworkDestroy".into()),
                ))
            }
            Command::Create(args) => Err(CommandError::while_doing(
                format!("Failed to create network from {}", xml_file::read_named(&args.file)?),
                Error::NoSupport("virNetworkCreateXML".into()),
            )),
        }
    }
}

/// A network in `net-list --json`.
#[derive(Serialize)]
struct NetworkView<'a> {
    active: bool,
    autostart: bool,
    distributed: bool,
    name: &'a str,
    persistent: bool,
    uuid: String,
}

impl<'a> NetworkView<'a> {
    fn of(net: &'a NetworkEntry) -> Self {
        NetworkView {
            active: net.is_active(),
            autostart: net.is_autostart(),
            distributed: matches!(net.kind, NetworkKind::DistributedPortGroup { .. }),
            name: &net.name,
            persistent: net.is_persistent(),
            uuid: net.uuid.to_string(),
        }
    }
}

async fn net_list(conn: &Connection, args: &NetListArgs) -> Result<String, CommandError> {
    if [args.table, args.name, args.uuid].iter().filter(|&&given| given).count() > 1 {
        return Err(CommandError::new(
            "Only one argument from --table, --name and --uuid may be specified.",
        ));
    }
    let host: HostNetworks = conn.host_networks().await?;
    let networks: Vec<NetworkEntry> = host.list().into_iter().filter(|n| args.wanted(n)).collect();
    if args.json {
        return json(&networks.iter().map(NetworkView::of).collect::<Vec<_>>());
    }
    if args.name {
        return Ok(networks.iter().map(|n| line(&n.name)).collect());
    }
    if args.uuid {
        return Ok(networks.iter().map(|n| line(n.uuid)).collect());
    }
    let mut header = vec!["Name", "State", "Autostart", "Persistent"];
    if args.title {
        header.push("Title");
    }
    let rows: Vec<Vec<String>> = networks
        .iter()
        .map(|n| {
            let mut row = vec![
                n.name.clone(),
                if n.is_active() { "active" } else { "inactive" }.to_owned(),
                yes_no(n.is_autostart()).to_owned(),
                yes_no(n.is_persistent()).to_owned(),
            ];
            if args.title {
                row.push(String::new());
            }
            row
        })
        .collect();
    Ok(table(&header, &rows))
}

async fn net_info(conn: &Connection, args: &NetInfoArgs) -> Result<String, CommandError> {
    let (_, net) = lookup::network(conn, &args.network).await?;
    if args.json {
        return json(&NetworkView::of(&net));
    }
    Ok(fields(
        15,
        &[
            ("Name:", net.name.clone()),
            ("UUID:", net.uuid.to_string()),
            ("Active:", yes_no(net.is_active()).to_owned()),
            ("Persistent:", yes_no(net.is_persistent()).to_owned()),
            ("Autostart:", yes_no(net.is_autostart()).to_owned()),
        ],
    ))
}

async fn net_update(conn: &Connection, args: &NetUpdateArgs) -> Result<String, CommandError> {
    let failed = || format!("Failed to update network {}", args.network);
    if args.section != "portgroup" {
        return Err(CommandError::while_doing_because(
            failed(),
            format!(
                "Operation not supported: can't update '{}' section of network '{}': ESX \
                 networks can update their portgroup section only",
                args.section, args.network
            ),
        ));
    }
    // Like virsh: XML that starts with '<' is inline, anything else names a file.
    let xml = if args.xml.trim_start().starts_with('<') {
        args.xml.clone()
    } else {
        xml_file::read(&args.xml)?
    };
    let update = match args.command {
        UpdateCommand::Add | UpdateCommand::AddLast | UpdateCommand::AddFirst => {
            PortGroupUpdate::Add
        }
        UpdateCommand::Delete => PortGroupUpdate::Delete,
        UpdateCommand::Modify => PortGroupUpdate::Modify,
    };
    conn.update_network_portgroup(&args.network, update, &xml)
        .await
        .map_err(|e| CommandError::while_doing(failed(), e))?;
    Ok(line(format_args!(
        "Updated network {} persistent config and live state",
        args.network
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_json_keys_sorted;

    #[test]
    fn json_views_keep_their_key_order() {
        let net = NetworkEntry {
            name: "vSwitch0".into(),
            uuid: esx_driver::network::network_uuid("key-vim.host.VirtualSwitch-vSwitch0"),
            kind: NetworkKind::StandardSwitch,
        };
        assert_json_keys_sorted(&NetworkView::of(&net));
    }
}
