//! Helpers shared by the end-to-end tests: simulators for both models, connection URIs the way
//! users write them, and running `esx-virsh` with an isolated environment.

#![allow(dead_code)]

use esx_tests::{Model, SimOptions, Simulator, WireStyle};

/// The password the tests' simulators are started with (not the simulator's default, so that a
/// test passing proves the password was really sent).
pub(crate) const PASSWORD: &str = "s3cret-e2e";

/// A simulator of `model` in `wire` style, with the test credentials.
pub(crate) fn simulator(model: Model, wire: WireStyle) -> Simulator {
    simulator_with(SimOptions::new(model).wire(wire))
}

/// A simulator with `options` and the test credentials.
pub(crate) fn simulator_with(options: SimOptions) -> Simulator {
    Simulator::start(options.credentials("root", PASSWORD)).expect("simulator starts")
}

/// The connection URI of a simulator: `esx://root@host:port/` or
/// `vpx://root@host:port/DC0/DC0_C0/DC0_C0_H0`, plain http unless it serves TLS (then pinned).
pub(crate) fn uri(sim: &Simulator) -> String {
    let path = match sim.options().model {
        Model::Esx => "/".to_owned(),
        Model::Vpx => "/DC0/DC0_C0/DC0_C0_H0".to_owned(),
    };
    let params = match sim.thumbprint() {
        Some(thumbprint) => format!("?thumbprint={thumbprint}"),
        None => "?transport=http".to_owned(),
    };
    let scheme = match sim.options().model {
        Model::Esx => "esx",
        Model::Vpx => "vpx",
    };
    format!("{scheme}://root@{}{path}{params}", sim.host_port())
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// Asserts success and returns stdout.
    pub(crate) fn ok(self) -> String {
        assert_eq!(self.code, 0, "command failed: {}", self.stderr);
        self.stdout
    }

    /// Asserts failure (exit 1, nothing on stdout) and returns stderr.
    pub(crate) fn failed(self) -> String {
        assert_eq!(
            self.code, 1,
            "command should have failed; stdout: {}",
            self.stdout
        );
        assert!(
            self.stdout.is_empty(),
            "a failed command printed: {}",
            self.stdout
        );
        self.stderr
    }
}

/// Runs `esx-virsh -c URI ARGS...` with `ESX_PASSWORD` set to `password` and no auth.conf. (The
/// binary exists with the `cli` feature only; the API tests share this module without it.)
#[cfg(feature = "cli")]
pub(crate) fn virsh_as(uri: &str, password: &str, args: &[&str]) -> Run {
    let home = std::env::temp_dir().join("esx-driver-e2e-empty-config");
    let _ = std::fs::create_dir_all(&home);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .arg("-c")
        .arg(uri)
        .args(args)
        .env_remove("LIBVIRT_AUTH_FILE")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env("XDG_CONFIG_HOME", &home)
        .env("ESX_PASSWORD", password)
        .output()
        .expect("esx-virsh runs");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// Runs `esx-virsh -c URI ARGS...` with the right password.
#[cfg(feature = "cli")]
pub(crate) fn virsh(uri: &str, args: &[&str]) -> Run {
    virsh_as(uri, PASSWORD, args)
}

/// A domain XML for a new VM called `name` on the simulator's datastore.
pub(crate) fn domain_xml(name: &str, uuid: &str, memory_mib: u64, vcpus: u32) -> String {
    format!(
        "<domain type='vmware'>\n  <name>{name}</name>\n  <uuid>{uuid}</uuid>\n  \
         <description>made by the e2e tests</description>\n  \
         <memory unit='MiB'>{memory_mib}</memory>\n  <vcpu>{vcpus}</vcpu>\n  \
         <os><type arch='x86_64'>hvm</type></os>\n  <devices>\n    \
         <disk type='file' device='disk'>\n      <source file='[LocalDS_0] {name}/{name}.vmdk'/>\n      \
         <target dev='sda' bus='scsi'/>\n    </disk>\n    \
         <controller type='scsi' index='0' model='lsilogic'/>\n    \
         <interface type='bridge'>\n      <mac address='00:50:56:00:00:01'/>\n      \
         <source bridge='VM Network'/>\n      <model type='e1000'/>\n    </interface>\n  \
         </devices>\n</domain>\n"
    )
}

/// Writes `text` to a temporary file and returns it (kept alive by the caller).
pub(crate) fn temp_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut file, text.as_bytes()).expect("write temp file");
    file
}
