//! The programs the page compares, how each is started against a simulator, whether this machine
//! has what it needs (a missing one is skipped with the reason on the page), and how its output
//! proves that it listed every VM.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A program that lists VMs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Peer {
    /// One raw `RetrievePropertiesEx` posted by curl with a prepared body, after login and
    /// `CreateContainerView` done beforehand: the time no client can beat.
    Floor,
    /// esx-vi's `list_vms` example (`list_stream`, name and power state).
    ListVms,
    /// `esx-virsh list --all`.
    EsxVirsh,
    /// benches/peers/govmomi: what govc does.
    Govmomi,
    /// benches/peers/pyvmomi_list.py.
    Pyvmomi,
    /// libvirt's `virsh list --all` (Debian's libvirt-clients).
    Virsh,
}

impl Peer {
    /// Every peer, in the order of the page's tables.
    pub(crate) const ALL: [Peer; 6] = [
        Peer::Floor,
        Peer::ListVms,
        Peer::EsxVirsh,
        Peer::Govmomi,
        Peer::Pyvmomi,
        Peer::Virsh,
    ];

    /// The peers that list a whole vCenter (the virsh ones list one host of it).
    pub(crate) const INVENTORY: [Peer; 4] =
        [Peer::Floor, Peer::ListVms, Peer::Govmomi, Peer::Pyvmomi];

    /// The name in tables and legends.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Peer::Floor => "floor (1 raw retrieval)",
            Peer::ListVms => "esx-vi list_vms",
            Peer::EsxVirsh => "esx-virsh list --all",
            Peer::Govmomi => "govmomi (as govc)",
            Peer::Pyvmomi => "pyvmomi",
            Peer::Virsh => "libvirt virsh list --all",
        }
    }
}

/// Where the programs are and what they share.
#[derive(Clone, Debug)]
pub(crate) struct Tools {
    /// The workspace root.
    pub(crate) root: PathBuf,
    /// cargo's output folder of the profile measured (`esx-virsh`, `examples/list_vms`).
    pub(crate) bin_dir: PathBuf,
    /// The built govmomi peer.
    pub(crate) govmomi: PathBuf,
    /// A scratch folder for the floor's request body, outputs and libvirt's auth.conf.
    pub(crate) scratch: PathBuf,
}

/// A running simulator as the peers see it.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// `127.0.0.1:PORT` (a proxy's when counting calls).
    pub(crate) host_port: String,
    pub(crate) user: String,
    pub(crate) password: String,
    /// The session cookie and request body file of the floor, prepared by the caller.
    pub(crate) floor: Option<(String, PathBuf)>,
}

impl Target {
    fn url(&self) -> String {
        format!("http://{}/sdk", self.host_port)
    }

    fn esx_uri(&self) -> String {
        format!(
            "esx://{}@{}/?transport=http&no_verify=1",
            self.user, self.host_port
        )
    }
}

/// Why `peer` cannot run on this machine, if it cannot.
pub(crate) fn missing(peer: Peer, tools: &Tools) -> Option<String> {
    let file = |path: &Path, how: &str| {
        (!path.is_file()).then(|| format!("{} is missing ({how})", path.display()))
    };
    match peer {
        Peer::Floor => (!succeeds(Command::new("curl").arg("--version")))
            .then(|| "curl is missing (apt-get install curl)".to_owned()),
        Peer::ListVms => file(
            &tools.bin_dir.join("examples/list_vms"),
            "cargo build --release -p esx-vi --example list_vms",
        ),
        Peer::EsxVirsh => file(
            &tools.bin_dir.join("esx-virsh"),
            "cargo build --release -p esx-driver --bin esx-virsh",
        ),
        Peer::Govmomi => file(&tools.govmomi, "scripts/bench builds it with go"),
        Peer::Pyvmomi => (!succeeds(Command::new("python3").args(["-c", "import pyVmomi"])))
            .then(|| "python3 cannot import pyVmomi (pip install pyvmomi)".to_owned()),
        Peer::Virsh => (!succeeds(Command::new("virsh").arg("--version")))
            .then(|| "libvirt's virsh is missing (apt-get install libvirt-clients)".to_owned()),
    }
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The libvirt auth.conf that gives both virsh programs the simulator's credentials.
pub(crate) fn write_auth_file(tools: &Tools, target: &Target) -> Result<PathBuf, String> {
    let path = tools.scratch.join("auth.conf");
    let text = format!(
        "[credentials-bench]\nusername={}\npassword={}\n\n[auth-esx-127.0.0.1]\ncredentials=bench\n",
        target.user, target.password
    );
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The command that lists every VM of `target` with `peer`.
pub(crate) fn list_command(peer: Peer, tools: &Tools, target: &Target) -> Result<Command, String> {
    let auth = write_auth_file(tools, target)?;
    let mut command = match peer {
        Peer::Floor => {
            let (cookie, body) = target
                .floor
                .as_ref()
                .ok_or("the floor needs a prepared session and request")?;
            let mut c = Command::new("curl");
            c.args(["-sS", "--fail", "-o", "-"])
                .args(["-H", "Content-Type: text/xml; charset=utf-8"])
                .args(["-H", "SOAPAction: urn:vim25/6.5"])
                .args(["-b", &format!("vmware_soap_session={cookie}")])
                .arg("--data-binary")
                .arg(format!("@{}", body.display()))
                .arg(target.url());
            c
        }
        Peer::ListVms => {
            let mut c = Command::new(tools.bin_dir.join("examples/list_vms"));
            c.args(["--url", &target.url(), "--user", &target.user])
                .env("ESX_PASSWORD", &target.password);
            c
        }
        Peer::EsxVirsh => {
            let mut c = Command::new(tools.bin_dir.join("esx-virsh"));
            c.args(["-c", &target.esx_uri(), "list", "--all"]);
            c
        }
        Peer::Govmomi => {
            let mut c = Command::new(&tools.govmomi);
            c.args(["-url", &target.url(), "-user", &target.user])
                .args(["-password", &target.password]);
            c
        }
        Peer::Pyvmomi => {
            let mut c = Command::new("python3");
            c.arg(tools.root.join("benches/peers/pyvmomi_list.py"))
                .args([&target.url(), &target.user, &target.password]);
            c
        }
        Peer::Virsh => {
            let mut c = Command::new("virsh");
            c.args(["-c", &target.esx_uri(), "list", "--all"]);
            c
        }
    };
    command
        .env("LIBVIRT_AUTH_FILE", auth)
        .env_remove("LIBVIRT_DEFAULT_URI");
    Ok(command)
}

/// A lifecycle command (`start`/`destroy` of `domain`) of one of the two virsh programs.
pub(crate) fn lifecycle_command(
    peer: Peer,
    verb: &str,
    domain: &str,
    tools: &Tools,
    target: &Target,
) -> Result<Command, String> {
    let auth = write_auth_file(tools, target)?;
    let mut command = match peer {
        Peer::EsxVirsh => Command::new(tools.bin_dir.join("esx-virsh")),
        Peer::Virsh => Command::new("virsh"),
        other => return Err(format!("{} has no lifecycle commands", other.label())),
    };
    command
        .args(["-c", &target.esx_uri(), verb, domain])
        .env("LIBVIRT_AUTH_FILE", auth)
        .env_remove("LIBVIRT_DEFAULT_URI");
    Ok(command)
}

/// How many VMs `peer`'s output lists: `N VMs` for the client programs, the table rows for the
/// virsh ones, the `<objects>` elements of the floor's raw answer.
pub(crate) fn listed_vms(peer: Peer, stdout: &[u8]) -> usize {
    let text = String::from_utf8_lossy(stdout);
    match peer {
        Peer::Floor => text.matches("<objects>").count(),
        Peer::ListVms | Peer::Govmomi | Peer::Pyvmomi => text
            .lines()
            .last()
            .and_then(|l| l.strip_suffix(" VMs"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        Peer::EsxVirsh | Peer::Virsh => text
            .lines()
            .skip_while(|l| !l.starts_with("---"))
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_counted_as_each_program_prints_them() {
        assert_eq!(listed_vms(Peer::ListVms, b"a\tpoweredOn\n1 VMs\n"), 1);
        assert_eq!(listed_vms(Peer::Govmomi, b"no count\n"), 0);
        let table = b" Id   Name   State\n----------------------\n 1    a      running\n -    b      shut off\n\n";
        assert_eq!(listed_vms(Peer::Virsh, table), 2);
        assert_eq!(
            listed_vms(
                Peer::Floor,
                b"<returnval><objects>x</objects><objects>y</objects>"
            ),
            2
        );
    }
}
