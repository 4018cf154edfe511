//! Domain snapshots: `snapshot-create`, `snapshot-create-as`, `snapshot-list`, `snapshot-current`,
//! `snapshot-info`, `snapshot-parent`, `snapshot-revert`, `snapshot-delete`, `snapshot-dumpxml`.

use clap::{Args, Subcommand};
use esx_driver::driver::domain::snapshots::{format_time, snapshot_xml};
use esx_driver::driver::{
    Connection, DomainRef, Error, Snapshot, SnapshotList, SnapshotOptions,
};
use serde::Serialize;

use crate::error::CommandError;
use crate::xml_file;
use crate::lookup;
use crate::output::{fields, json, line, table};

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
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
    /// Only the disks, not the memory of a running domain
    #[arg(long)]
    disk_only: bool,
    /// Quiesce the guest's file systems first (needs VMware Tools)
    #[arg(long)]
    quiesce: bool,
    /// Accepted as libvirt 11.3 accepts it: VMware keeps its own snapshot records, libvirt none
    #[arg(long = "no-metadata", id = "no_metadata")]
    _no_metadata: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CreateFromXmlArgs {
    /// Domain name, id or uuid
    domain: String,
    /// A <domainsnapshot> XML file (name, description, memory snapshot='no' for disk-only)
    #[arg(long = "xmlfile", value_name = "FILE")]
    xmlfile_opt: Option<String>,
    /// A <domainsnapshot> XML file
    #[arg(conflicts_with = "xmlfile_opt")]
    xmlfile: Option<String>,
    /// Only the disks, not the memory of a running domain
    #[arg(long)]
    disk_only: bool,
    /// Quiesce the guest's file systems first (needs VMware Tools)
    #[arg(long)]
    quiesce: bool,
}

/// What a `<domainsnapshot>` document asks for.
#[derive(Debug, PartialEq, Eq)]
struct SnapshotRequest {
    name: Option<String>,
    description: Option<String>,
    disk_only: bool,
}

/// Reads a `<domainsnapshot>` document as libvirt's ESX driver does: name, description and
/// whether memory is wanted; per-disk settings are refused in libvirt's words.
fn snapshot_request(xml: &str) -> Result<SnapshotRequest, CommandError> {
    let root = esx_driver::domain::xmltree::parse_xml_tree(xml)
        .map_err(|e| CommandError::new(format!("XML error: {e}")))?;
    if root.name != "domainsnapshot" {
        return Err(CommandError::new(format!(
            "XML error: expected root element <domainsnapshot>, not <{}>",
            root.name
        )));
    }
    if root
        .child("disks")
        .is_some_and(|disks| disks.children_named("disk").next().is_some())
    {
        return Err(CommandError::new(
            "unsupported configuration: Disk snapshots not supported yet",
        ));
    }
    let text = |name: &str| {
        root.child(name)
            .map(|e| e.text().trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    Ok(SnapshotRequest {
        name: text("name"),
        description: text("description"),
        disk_only: root
            .child("memory")
            .and_then(|m| m.attr("snapshot"))
            .is_some_and(|s| s == "no"),
    })
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
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
    #[arg(long, conflicts_with = "no_leaves")]
    leaves: bool,
    /// Only snapshots with children (libvirt's ESX driver refuses this)
    #[arg(long)]
    no_leaves: bool,
    /// Only snapshots with libvirt metadata (none: ESX keeps its own)
    #[arg(long, conflicts_with = "no_metadata")]
    metadata: bool,
    /// Only snapshots without libvirt metadata (all of them)
    #[arg(long)]
    no_metadata: bool,
    /// Only snapshots of a shut off domain
    #[arg(long)]
    inactive: bool,
    /// Only snapshots of a running domain
    #[arg(long)]
    active: bool,
    /// Only disk-only snapshots (none: ESX reports the domain's state in every snapshot)
    #[arg(long)]
    disk_only: bool,
    /// Only internal snapshots (all of them: a VMware snapshot lives in the VM's own files)
    #[arg(long)]
    internal: bool,
    /// Only external snapshots (none)
    #[arg(long)]
    external: bool,
    /// Print names only
    #[arg(long)]
    name: bool,
    /// Print a JSON array
    #[arg(long)]
    json: bool,
    /// Only the children of this snapshot (with --tree: the tree below it)
    #[arg(long, value_name = "SNAPSHOT")]
    from: Option<String>,
    /// With --from: its children's children too
    #[arg(long, requires = "from")]
    descendants: bool,
    /// Only the current snapshot (with --from: as the snapshot to start from)
    #[arg(long)]
    current: bool,
    /// Parents before their children instead of by name (libvirt's ESX driver refuses this)
    #[arg(long)]
    topological: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CurrentArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Print the name only
    #[arg(long)]
    name: bool,
}

/// A domain and one of its snapshots, named positionally or with `--snapshotname`.
#[derive(Debug, Args)]
pub(crate) struct NamedSnapshotArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Snapshot name
    #[arg(long = "snapshotname")]
    snapshot_opt: Option<String>,
    /// Snapshot name
    #[arg(conflicts_with = "snapshot_opt")]
    snapshot: Option<String>,
}

impl NamedSnapshotArgs {
    fn name(&self) -> Option<&str> {
        self.snapshot.as_deref().or(self.snapshot_opt.as_deref())
    }
}

/// `snapshot-dumpxml`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct SnapshotDumpxmlArgs {
    #[command(flatten)]
    named: NamedSnapshotArgs,
    /// Include security-sensitive information (libvirt's ESX driver refuses it)
    #[arg(long)]
    security_info: bool,
}

/// A domain and one of its snapshots: named, or with `--current` the domain's current one.
#[derive(Debug, Args)]
pub(crate) struct SnapshotArgs {
    #[command(flatten)]
    named: NamedSnapshotArgs,
    /// The current snapshot
    #[arg(long)]
    current: bool,
}

/// Which snapshot a command names.
#[derive(Clone, Copy)]
enum Choice<'a> {
    Named(&'a str),
    Current,
}

impl SnapshotArgs {
    /// virsh's choice of a snapshot: a name or `--current`, not both, not neither.
    fn choice(&self) -> Result<Choice<'_>, CommandError> {
        match (self.named.name(), self.current) {
            (Some(_), true) => Err(CommandError::new(
                "--snapshotname and --current are mutually exclusive",
            )),
            (Some(name), false) => Ok(Choice::Named(name)),
            (None, true) => Ok(Choice::Current),
            (None, false) => Err(CommandError::new("--snapshotname or --current is required")),
        }
    }

    /// The name of the snapshot chosen (after the domain's lookup, as virsh chooses it), for a
    /// driver call that takes a name: only `--current` costs a retrieval of the snapshot tree.
    async fn chosen(&self, conn: &Connection, dom: &DomainRef) -> Result<String, CommandError> {
        match self.choice()? {
            Choice::Named(name) => Ok(name.to_owned()),
            Choice::Current => {
                let list = conn.snapshots(dom).await?;
                Ok(pick(Choice::Current, &list, dom)?.name.clone())
            }
        }
    }

    /// The snapshot chosen (one retrieval of the snapshot tree).
    async fn chosen_snapshot(
        &self,
        conn: &Connection,
        dom: &DomainRef,
    ) -> Result<Snapshot, CommandError> {
        let choice = self.choice()?;
        let list = conn.snapshots(dom).await?;
        Ok(pick(choice, &list, dom)?.clone())
    }
}

/// The snapshot `choice` names in `list`, or libvirt's not-found error.
fn pick<'a>(
    choice: Choice<'_>,
    list: &'a SnapshotList,
    dom: &DomainRef,
) -> Result<&'a Snapshot, Error> {
    let found = match choice {
        Choice::Named(name) => list.get(name),
        Choice::Current => list.current(),
    };
    found.ok_or_else(|| Error::NoSnapshot {
        domain: dom.name.clone(),
        name: match choice {
            Choice::Named(name) => Some(name.to_owned()),
            Choice::Current => None,
        },
    })
}

#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    #[command(flatten)]
    target: SnapshotArgs,
    /// Delete the snapshot's children too
    #[arg(long)]
    children: bool,
}

/// The snapshot commands (virsh's names, all `snapshot-*`).
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a snapshot from XML
    #[command(name = "snapshot-create")]
    Create(CreateFromXmlArgs),
    /// Create a snapshot from a set of args
    #[command(name = "snapshot-create-as")]
    CreateAs(CreateArgs),
    /// List snapshots for a domain
    #[command(name = "snapshot-list")]
    List(ListArgs),
    /// Get the current snapshot
    #[command(name = "snapshot-current")]
    Current(CurrentArgs),
    /// Snapshot information
    #[command(name = "snapshot-info")]
    Info(SnapshotArgs),
    /// Get the name of the parent of a snapshot
    #[command(name = "snapshot-parent")]
    Parent(SnapshotArgs),
    /// Edit XML for a snapshot (refused, as libvirt's ESX driver refuses it)
    #[command(name = "snapshot-edit")]
    Edit(SnapshotArgs),
    /// Revert a domain to a snapshot
    #[command(name = "snapshot-revert")]
    Revert(SnapshotArgs),
    /// Delete a domain snapshot
    #[command(name = "snapshot-delete")]
    Delete(DeleteArgs),
    /// Domain snapshot information in XML
    #[command(name = "snapshot-dumpxml")]
    Dumpxml(SnapshotDumpxmlArgs),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::CreateAs(args) => create(conn, args).await,
            Command::Create(args) => create_from_xml(conn, args).await,
            Command::List(args) => {
                let dom = lookup::domain(conn, &args.domain).await?;
                let list = conn.snapshots(&dom).await?;
                list_text(&list, &args)
            }
            Command::Current(args) => current(conn, &args).await,
            Command::Info(args) => info(conn, &args).await,
            Command::Edit(args) => {
                let dom = lookup::domain(conn, &args.named.domain).await?;
                let name = &args.chosen_snapshot(conn, &dom).await?.name;
                // virsh asks for the XML with its secure flag, which the ESX driver refuses;
                // a VMware snapshot's name and description are all there is to edit anyway.
                Err(CommandError::while_doing_because(
                    format!("Failed to update {name}"),
                    "unsupported flags (0x1) in function esxDomainSnapshotGetXMLDesc",
                ))
            }
            Command::Parent(args) => {
                let dom = lookup::domain(conn, &args.named.domain).await?;
                let snapshot = args.chosen_snapshot(conn, &dom).await?;
                // virsh prints the name without a newline of its own (only the one it ends
                // every command with).
                match snapshot.parent {
                    Some(parent) => Ok(parent),
                    None => Err(CommandError::new(format!(
                        "snapshot '{}' has no parent",
                        snapshot.name
                    ))),
                }
            }
            Command::Revert(args) => {
                let dom = lookup::domain(conn, &args.named.domain).await?;
                let name = &args.chosen(conn, &dom).await?;
                conn.revert_to_snapshot(&dom, name).await?;
                Ok(line(format_args!("Domain snapshot {name} reverted")))
            }
            Command::Delete(args) => {
                let dom = lookup::domain(conn, &args.target.named.domain).await?;
                let name = &args.target.chosen(conn, &dom).await?;
                conn.delete_snapshot(&dom, name, args.children).await?;
                let deleted = if args.children {
                    "children deleted"
                } else {
                    "deleted"
                };
                Ok(line(format_args!("Domain snapshot {name} {deleted}")))
            }
            Command::Dumpxml(args) => {
                let dom = lookup::domain(conn, &args.named.domain).await?;
                let name = args.named.name().ok_or_else(|| {
                    CommandError::new("command 'snapshot-dumpxml' requires <snapshotname> option")
                })?;
                let xml = conn.snapshot_xml(&dom, name).await?;
                if args.security_info {
                    // After the lookup, as virsh asks the driver for the XML with the flag.
                    return Err(CommandError::new(
                        "unsupported flags (0x1) in function esxDomainSnapshotGetXMLDesc",
                    ));
                }
                Ok(xml)
            }
        }
    }
}

/// A snapshot in `snapshot-list --json`.
#[derive(Serialize)]
struct SnapshotView<'a> {
    children: &'a [String],
    creation_time: i64,
    current: bool,
    description: &'a str,
    name: &'a str,
    parent: Option<&'a str>,
    state: &'static str,
}

impl<'a> SnapshotView<'a> {
    fn of(snapshot: &'a Snapshot) -> Self {
        SnapshotView {
            children: &snapshot.children,
            creation_time: snapshot.creation_time,
            current: snapshot.current,
            description: &snapshot.description,
            name: &snapshot.name,
            parent: snapshot.parent.as_deref(),
            state: snapshot.state,
        }
    }
}

/// virsh's `snapshot-info`: a VMware snapshot lives in the VM's own files (`internal`); libvirt
/// keeps no metadata of its own for it (`Metadata: no`, as libvirt 11.3 prints).
async fn info(conn: &Connection, args: &SnapshotArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.named.domain).await?;
    let choice = args.choice()?;
    let list = conn.snapshots(&dom).await?;
    let snapshot = pick(choice, &list, &dom)?;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    Ok(fields(
        15,
        &[
            ("Name:", snapshot.name.clone()),
            ("Domain:", dom.name.clone()),
            ("Current:", yes_no(snapshot.current)),
            ("State:", snapshot.state.to_owned()),
            ("Location:", "internal".to_owned()),
            (
                "Parent:",
                snapshot.parent.clone().unwrap_or_else(|| "-".to_owned()),
            ),
            ("Children:", snapshot.children.len().to_string()),
            ("Descendants:", list.descendants(snapshot).to_string()),
            ("Metadata:", yes_no(false)),
        ],
    ))
}

/// The name virsh gives a snapshot that names none: the time it was taken, in seconds.
fn time_name() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.as_secs().to_string())
        .unwrap_or_default()
}

async fn create_from_xml(conn: &Connection, args: CreateFromXmlArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    let (request, from) = match args.xmlfile.or(args.xmlfile_opt) {
        Some(file) => {
            let xml = xml_file::read(&file)?;
            (snapshot_request(&xml)?, Some(file))
        }
        None => (
            SnapshotRequest {
                name: None,
                description: None,
                disk_only: false,
            },
            None,
        ),
    };
    let name = request.name.unwrap_or_else(time_name);
    let snapshot = conn
        .create_snapshot_with(
            &dom,
            &name,
            request.description.as_deref(),
            SnapshotOptions {
                disk_only: args.disk_only || request.disk_only,
                quiesce: args.quiesce,
            },
        )
        .await?;
    Ok(match from {
        Some(file) => format!("Domain snapshot {} created from '{file}'", snapshot.name),
        None => format!("Domain snapshot {} created", snapshot.name),
    })
}

async fn create(conn: &Connection, args: CreateArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    // virsh names an unnamed snapshot after the time it was taken.
    let name = args.name.or(args.name_opt).unwrap_or_else(time_name);
    let description = args.description.or(args.description_opt);
    let snapshot = conn
        .create_snapshot_with(
            &dom,
            &name,
            description.as_deref(),
            SnapshotOptions {
                disk_only: args.disk_only,
                quiesce: args.quiesce,
            },
        )
        .await?;
    // No newline of virsh's own: only the one it ends every command with.
    Ok(format!("Domain snapshot {} created", snapshot.name))
}

async fn current(conn: &Connection, args: &CurrentArgs) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, &args.domain).await?;
    let list = conn.snapshots(&dom).await?;
    // virsh checks this itself and says so in its own words, on one line.
    let current = list.current().ok_or_else(|| {
        CommandError::new(format!("domain '{}' has no current snapshot", dom.name))
    })?;
    if args.name {
        // virsh prints the bare name: its newline after the command ends the line.
        return Ok(current.name.clone());
    }
    Ok(snapshot_xml(current, &dom.uuid_text()))
}

fn list_text(list: &SnapshotList, args: &ListArgs) -> Result<String, CommandError> {
    let from = match &args.from {
        Some(name) => Some(list.get(name).ok_or_else(|| {
            CommandError::new(format!(
                "Domain snapshot not found: Could not find snapshot with name '{name}'"
            ))
        })?),
        None => None,
    };
    if args.tree {
        return Ok(match from {
            Some(top) => list.subtree_text(top),
            None => list.tree_text(),
        });
    }
    // --from picks the children (or all descendants); --current the current snapshot
    // (libvirt's ESX driver lists nothing for it; the one it names is more use).
    let mut selected: Vec<&Snapshot> = match from {
        Some(top) if args.descendants => list.descendants_of(top),
        Some(top) => top.children.iter().filter_map(|c| list.get(c)).collect(),
        None => list.snapshots.iter().collect(),
    };
    selected.retain(|s| !args.roots || s.parent.is_none());
    selected.retain(|s| !args.leaves || s.children.is_empty());
    selected.retain(|s| !args.no_leaves || !s.children.is_empty());
    if args.metadata || args.external {
        selected.clear();
    }
    // The state filters: a snapshot passes when it matches one of those given (as libvirt
    // combines them); a disk-only one never, as ESX reports none.
    if args.inactive || args.active || args.disk_only {
        selected.retain(|s| {
            (args.inactive && s.state == "shutoff")
                || (args.active && matches!(s.state, "running" | "paused"))
        });
    }
    if args.current {
        selected.retain(|s| s.current);
    }
    if !args.topological {
        // virsh sorts by name unless asked for parents first.
        selected.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if args.json {
        return json(&selected.iter().map(|s| SnapshotView::of(s)).collect::<Vec<_>>());
    }
    if args.name {
        return Ok(selected.iter().map(|s| line(&s.name)).collect());
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
    Ok(table(&header, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::assert_json_keys_sorted;

    #[test]
    fn snapshot_documents_give_name_description_and_memory() {
        let request = snapshot_request(
            "<domainsnapshot><name>s1</name><description>before upgrade</description>\
             <memory snapshot='no'/></domainsnapshot>",
        )
        .unwrap();
        assert_eq!(
            request,
            SnapshotRequest {
                name: Some("s1".to_owned()),
                description: Some("before upgrade".to_owned()),
                disk_only: true,
            }
        );
        let bare = snapshot_request("<domainsnapshot/>").unwrap();
        assert_eq!((bare.name, bare.disk_only), (None, false));
        for (xml, message) in [
            (
                "<domainsnapshot><disks><disk name='sda'/></disks></domainsnapshot>",
                "Disk snapshots not supported yet",
            ),
            ("<domain/>", "expected root element <domainsnapshot>"),
            ("<domainsnapshot>", "XML error"),
        ] {
            let error = snapshot_request(xml).unwrap_err();
            assert!(format!("{error:?}").contains(message), "{error:?}");
        }
    }

    #[test]
    fn json_view_keeps_its_key_order() {
        assert_json_keys_sorted(&SnapshotView {
            children: &["child".to_owned()],
            creation_time: 0,
            current: true,
            description: "",
            name: "base",
            parent: None,
            state: "running",
        });
    }
}
