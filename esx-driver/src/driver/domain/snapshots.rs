//! Domain snapshots: create (name, description), list as a tree, current, revert, delete (with
//! or without children) and libvirt's snapshot XML, all read from the VM's `snapshot` property.

use esx_vi::types::{
    methods, ManagedObjectReference, VirtualMachinePowerState, VirtualMachineSnapshotInfo,
    VirtualMachineSnapshotTree,
};
use esx_vi::TaskWait;

use super::lookup::DomainRef;
use crate::domain::escape_into;
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

/// One snapshot of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The snapshot object (`snapshot-12`).
    pub moref: ManagedObjectReference,
    /// Its name.
    pub name: String,
    /// Its description (may be empty).
    pub description: String,
    /// The parent's name, for a snapshot that has one.
    pub parent: Option<String>,
    /// The names of its children, in order.
    pub children: Vec<String>,
    /// When it was taken, seconds since 1970 (UTC).
    pub creation_time: i64,
    /// The domain's state when it was taken (`running`, `shutoff`, `paused`).
    pub state: &'static str,
    /// Whether it is the current snapshot.
    pub current: bool,
}

/// How a snapshot is taken. The default is libvirt's: with the memory of a running domain,
/// without quiescing the guest's file systems.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Only the disks (`--disk-only`): no memory, a running domain restarts on revert.
    pub disk_only: bool,
    /// Quiesce the guest's file systems through VMware Tools first (`--quiesce`).
    pub quiesce: bool,
}

/// Every snapshot of a domain, parents before their children (a depth-first walk).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotList {
    /// The snapshots.
    pub snapshots: Vec<Snapshot>,
}

impl SnapshotList {
    fn from_info(info: Option<&VirtualMachineSnapshotInfo>) -> SnapshotList {
        let mut list = SnapshotList::default();
        if let Some(info) = info {
            for root in &info.root_snapshot_list {
                list.walk(root, None, info.current_snapshot.as_ref());
            }
        }
        list
    }

    fn walk(
        &mut self,
        tree: &VirtualMachineSnapshotTree,
        parent: Option<&str>,
        current: Option<&ManagedObjectReference>,
    ) {
        self.snapshots.push(Snapshot {
            moref: tree.snapshot.clone(),
            name: tree.name.clone(),
            description: tree.description.clone(),
            parent: parent.map(str::to_owned),
            children: tree
                .child_snapshot_list
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            creation_time: epoch_seconds(tree.create_time.as_str()).unwrap_or(0),
            state: match tree.state {
                VirtualMachinePowerState::PoweredOn => "running",
                VirtualMachinePowerState::Suspended => "paused",
                _ => "shutoff",
            },
            current: current == Some(&tree.snapshot),
        });
        for child in &tree.child_snapshot_list {
            self.walk(child, Some(&tree.name), current);
        }
    }

    /// The snapshot called `name`.
    pub fn get(&self, name: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.name == name)
    }

    /// The current snapshot.
    pub fn current(&self) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.current)
    }

    /// Snapshots without a parent.
    pub fn roots(&self) -> impl Iterator<Item = &Snapshot> {
        self.snapshots.iter().filter(|s| s.parent.is_none())
    }

    /// The number of snapshots below `snapshot`, its children's children too.
    pub fn descendants(&self, snapshot: &Snapshot) -> usize {
        snapshot
            .children
            .iter()
            .filter_map(|name| self.get(name))
            .map(|child| 1 + self.descendants(child))
            .sum()
    }

    /// Snapshots without children.
    pub fn leaves(&self) -> impl Iterator<Item = &Snapshot> {
        self.snapshots.iter().filter(|s| s.children.is_empty())
    }

    /// The snapshots below `snapshot` (its children's children too), parents first.
    pub fn descendants_of<'a>(&'a self, snapshot: &Snapshot) -> Vec<&'a Snapshot> {
        let mut found = Vec::new();
        for child in snapshot.children.iter().filter_map(|name| self.get(name)) {
            found.push(child);
            found.extend(self.descendants_of(child));
        }
        found
    }

    /// virsh's `snapshot-list --tree` drawing.
    pub fn tree_text(&self) -> String {
        let mut out = String::new();
        for root in self.roots() {
            self.tree_node(root, true, true, &mut String::new(), &mut out);
        }
        out
    }

    /// virsh's `snapshot-list --tree --from NAME` drawing: the tree below `top`, drawn from it.
    pub fn subtree_text(&self, top: &Snapshot) -> String {
        let mut out = String::new();
        self.tree_node(top, true, true, &mut String::new(), &mut out);
        out
    }

    fn tree_node(
        &self,
        node: &Snapshot,
        root: bool,
        last: bool,
        indent: &mut String,
        out: &mut String,
    ) {
        out.push_str(indent);
        if !root {
            out.push_str("+- ");
        }
        out.push_str(&node.name);
        out.push('\n');
        if !root {
            indent.push(if last { ' ' } else { '|' });
            indent.push(' ');
        }
        let children: Vec<&Snapshot> = node.children.iter().filter_map(|c| self.get(c)).collect();
        if !children.is_empty() {
            out.push_str(indent);
            out.push_str("  |\n");
        }
        indent.push_str("  ");
        for (i, child) in children.iter().enumerate() {
            self.tree_node(child, false, i + 1 == children.len(), indent, out);
        }
        indent.truncate(indent.len() - 2);
        if children.is_empty() && last {
            out.push_str(indent);
            out.push('\n');
        }
        if !root {
            indent.truncate(indent.len() - 2);
        }
    }
}

/// Seconds since 1970 of an ISO 8601 time (`2024-05-01T10:20:30.123Z`, `...+02:00`).
pub fn epoch_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let mut c = clock.split(':');
    let hour: i64 = c.next()?.parse().ok()?;
    let minute: i64 = c.next()?.parse().ok()?;
    let second: i64 = c.next().unwrap_or("0").split('.').next()?.parse().ok()?;
    let offset_seconds = match offset {
        "Z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o[1..]
                .split_once(':')
                .unwrap_or((&o[1..3.min(o.len())], "0"));
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds)
}

/// `YYYY-MM-DD HH:MM:SS +0000` (UTC), as virsh prints creation times.
pub fn format_time(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

impl Connection {
    /// Every snapshot of the domain.
    pub async fn snapshots(&self, dom: &DomainRef) -> Result<SnapshotList> {
        let props = self.vm_properties(dom, &["snapshot"]).await?;
        Ok(SnapshotList::from_info(props.snapshot.as_deref()))
    }

    /// The snapshot `name` of the domain, or libvirt's not-found error.
    pub async fn snapshot(&self, dom: &DomainRef, name: &str) -> Result<Snapshot> {
        self.snapshots(dom)
            .await?
            .get(name)
            .cloned()
            .ok_or_else(|| Error::NoSnapshot {
                domain: dom.name.clone(),
                name: Some(name.to_owned()),
            })
    }

    /// `virsh snapshot-create-as`: a snapshot named `name` with libvirt's defaults: the
    /// memory of a running domain is included ([`SnapshotOptions::default`]).
    pub async fn create_snapshot(
        &self,
        dom: &DomainRef,
        name: &str,
        description: Option<&str>,
    ) -> Result<Snapshot> {
        self.create_snapshot_with(dom, name, description, SnapshotOptions::default())
            .await
    }

    /// A snapshot named `name` with `options` (`--disk-only`, `--quiesce`), as libvirt's
    /// `esxDomainSnapshotCreateXML` takes it: memory unless disk-only.
    pub async fn create_snapshot_with(
        &self,
        dom: &DomainRef,
        name: &str,
        description: Option<&str>,
        options: SnapshotOptions,
    ) -> Result<Snapshot> {
        if self.snapshots(dom).await?.get(name).is_some() {
            return Err(Error::OperationInvalid(format!(
                "Snapshot '{name}' already exists"
            )));
        }
        let client = self.client();
        self.run_vm_task(dom, "Could not create snapshot", || async {
            methods::create_snapshot_task(
                client,
                &dom.moref,
                name,
                description,
                !options.disk_only,
                options.quiesce,
            )
            .await
            .map_err(|e| esx_vi::Error::from_method("CreateSnapshot_Task", e))
        })
        .await?;
        self.snapshot(dom, name).await
    }

    /// `virsh snapshot-revert`.
    pub async fn revert_to_snapshot(&self, dom: &DomainRef, name: &str) -> Result<()> {
        let snapshot = self.snapshot(dom, name).await?;
        let client = self.client();
        self.run_vm_task(dom, "Could not revert to snapshot", || async {
            methods::revert_to_snapshot_task(client, &snapshot.moref, None, None)
                .await
                .map_err(|e| esx_vi::Error::from_method("RevertToSnapshot_Task", e))
        })
        .await
    }

    /// `virsh snapshot-delete [--children]`.
    pub async fn delete_snapshot(&self, dom: &DomainRef, name: &str, children: bool) -> Result<()> {
        let snapshot = self.snapshot(dom, name).await?;
        let task =
            methods::remove_snapshot_task(self.client(), &snapshot.moref, children, Some(true))
                .await
                .map_err(|e| esx_vi::Error::from_method("RemoveSnapshot_Task", e))
                .map_err(Error::server("Could not delete snapshot"))?;
        self.client()
            .wait_for_task(
                &task,
                Some(&dom.moref),
                TaskWait {
                    auto_answer: self.auto_answer(),
                    ..TaskWait::default()
                },
            )
            .await
            .map_err(Error::server("Could not delete snapshot"))?;
        Ok(())
    }

    /// `virsh snapshot-dumpxml`: libvirt's `<domainsnapshot>` for a VMware snapshot.
    pub async fn snapshot_xml(&self, dom: &DomainRef, name: &str) -> Result<String> {
        let snapshot = self.snapshot(dom, name).await?;
        Ok(snapshot_xml(&snapshot, &dom.uuid_text()))
    }
}

/// libvirt's `<domainsnapshot>` document for `snapshot` of the domain with `uuid`.
pub fn snapshot_xml(snapshot: &Snapshot, uuid: &str) -> String {
    let mut out = String::from("<domainsnapshot>\n  <name>");
    escape_into(&mut out, &snapshot.name);
    out.push_str("</name>\n");
    if !snapshot.description.is_empty() {
        out.push_str("  <description>");
        escape_into(&mut out, &snapshot.description);
        out.push_str("</description>\n");
    }
    out.push_str(&format!("  <state>{}</state>\n", snapshot.state));
    if let Some(parent) = &snapshot.parent {
        out.push_str("  <parent>\n    <name>");
        escape_into(&mut out, parent);
        out.push_str("</name>\n  </parent>\n");
    }
    out.push_str(&format!(
        "  <creationTime>{}</creationTime>\n  <domain>\n    <uuid>{uuid}</uuid>\n  </domain>\n</domainsnapshot>\n",
        snapshot.creation_time
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_convert_both_ways() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            epoch_seconds("2024-02-29T12:34:56.789Z"),
            Some(1_709_210_096)
        );
        assert_eq!(
            epoch_seconds("2024-02-29T14:34:56+02:00"),
            Some(1_709_210_096)
        );
        assert_eq!(format_time(1_709_210_096), "2024-02-29 12:34:56 +0000");
        assert_eq!(epoch_seconds("garbage"), None);
    }

    fn snap(name: &str, parent: Option<&str>, children: &[&str]) -> Snapshot {
        Snapshot {
            moref: ManagedObjectReference::new("VirtualMachineSnapshot", name),
            name: name.into(),
            description: String::new(),
            parent: parent.map(Into::into),
            children: children.iter().map(|c| (*c).to_owned()).collect(),
            creation_time: 0,
            state: "running",
            current: false,
        }
    }

    #[test]
    fn trees_are_drawn_as_virsh_draws_them() {
        let list = SnapshotList {
            snapshots: vec![
                snap("a", None, &["b", "c"]),
                snap("b", Some("a"), &["d"]),
                snap("d", Some("b"), &[]),
                snap("c", Some("a"), &[]),
            ],
        };
        assert_eq!(
            list.tree_text(),
            "a\n  |\n  +- b\n  |   |\n  |   +- d\n  |     \n  +- c\n    \n"
        );
    }
}
