//! End-to-end: virsh's conveniences in `esx-virsh` against the simulator: `edit` through an
//! editor script, the interactive shell on a pseudo-terminal (line editing, history), the
//! completion scripts and the man page, and migration through an esx:// connection's vCenter.

mod e2e_common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_common::{domain_xml, simulator, temp_file, uri, virsh, PASSWORD};
use esx_tests::{Model, SimOptions, WireStyle};

/// `esx-virsh -c URI ARGS...` with `EDITOR` set to a shell script whose body is `script` (the
/// file to edit is `$1`).
fn virsh_editing(uri: &str, script: &str, args: &[&str]) -> e2e_common::Run {
    let dir = tempfile::tempdir().unwrap();
    let editor = write_editor(dir.path(), script);
    let output = base_command(uri)
        .args(args)
        .env("EDITOR", &editor)
        .env_remove("VISUAL")
        .stdin(Stdio::null())
        .output()
        .expect("esx-virsh runs");
    e2e_common::Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// An executable editor script in `dir`.
fn write_editor(dir: &Path, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("editor.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `esx-virsh -c URI` with the test password and no auth.conf or default URI.
fn base_command(uri: &str) -> Command {
    let home = std::env::temp_dir().join("esx-driver-e2e-empty-config");
    let _ = std::fs::create_dir_all(&home);
    let mut command = Command::new(env!("CARGO_BIN_EXE_esx-virsh"));
    command
        .arg("-c")
        .arg(uri)
        .env_remove("LIBVIRT_AUTH_FILE")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .env("XDG_CONFIG_HOME", &home)
        .env("ESX_PASSWORD", PASSWORD);
    command
}

/// The editor line that sets the domain's vCPUs to `n`.
fn set_vcpus(n: u32) -> String {
    format!("sed -i 's|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>{n}</vcpu>|' \"$1\"")
}

fn edit_a_shut_off_domain(model: Model, vm: &str) {
    let sim = simulator(model, WireStyle::Xsi);
    let uri = uri(&sim);
    virsh(&uri, &["destroy", vm]).ok();
    assert_eq!(
        virsh_editing(&uri, &set_vcpus(3), &["edit", vm]).ok(),
        format!("Domain '{vm}' XML configuration edited.\n\n")
    );
    let info = virsh(&uri, &["dominfo", vm]).ok();
    assert!(info.contains("CPU(s):         3\n"), "{info}");
    // An editor that leaves the file alone changes nothing.
    assert_eq!(
        virsh_editing(&uri, "true", &["edit", vm]).ok(),
        format!("Domain '{vm}' XML configuration not changed.\n\n")
    );
    // -q: no blank line after the message, as for every command.
    assert_eq!(
        virsh_editing(&uri, "true", &["-q", "edit", vm]).ok(),
        format!("Domain '{vm}' XML configuration not changed.\n")
    );
}

/// Someone else changes the domain while the editor is open (here the editor itself, through a
/// second esx-virsh): the edit is not written over it. Off a terminal that is the error.
#[test]
fn an_edit_never_overwrites_a_change_made_meanwhile() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let vm = "ha-host_VM1";
    virsh(&uri, &["destroy", vm]).ok();
    let program = env!("CARGO_BIN_EXE_esx-virsh");
    // The other user defines the domain with 2 vCPUs; this edit sets 4.
    let editor = format!(
        "'{program}' -c '{uri}' dumpxml {vm} | {} > \"$1.other\" || exit 9\n\
         '{program}' -c '{uri}' define \"$1.other\" >/dev/null || exit 9\n\
         rm -f \"$1.other\"\n{}",
        set_vcpus(2).replace(" -i", "").replace(" \"$1\"", ""),
        set_vcpus(4)
    );
    let err = virsh_editing(&uri, &editor, &["edit", vm]).failed();
    assert_eq!(
        err,
        "error: The XML configuration was changed by another user.\n"
    );
    // The other change stays; this edit was not written over it.
    let info = virsh(&uri, &["dominfo", vm]).ok();
    assert!(info.contains("CPU(s):         2\n"), "{info}");
}

#[test]
fn edit_redefines_a_domain_on_esx() {
    edit_a_shut_off_domain(Model::Esx, "ha-host_VM0");
}

#[test]
fn edit_redefines_a_domain_on_vcenter() {
    edit_a_shut_off_domain(Model::Vpx, "DC0_C0_RP0_VM0");
}

#[test]
fn a_failed_edit_off_a_terminal_is_the_error() {
    let sim = simulator(Model::Esx, WireStyle::Vcsim);
    let uri = uri(&sim);
    // A running domain cannot be redefined: virsh's "Failed.", then why.
    let err = virsh_editing(&uri, &set_vcpus(2), &["edit", "ha-host_VM0"]).failed();
    insta::assert_snapshot!("edit_running_domain", err);
    // XML the editor broke.
    let err = virsh_editing(
        &uri,
        "sed -i 's|</domain>|</domainx>|' \"$1\"",
        &["edit", "ha-host_VM1"],
    )
    .failed();
    assert!(
        err.starts_with("error: Failed.\nerror: XML error: "),
        "{err}"
    );
    // An editor that fails: virsh's words for a failed child process.
    let err = virsh_editing(&uri, "exit 3", &["edit", "ha-host_VM1"]).failed();
    assert!(
        err.starts_with("error: internal error: Child process (")
            && err.ends_with(") unexpected exit status 3\n"),
        "{err}"
    );
    // Nothing changed, and the edit's temporary files are gone.
    assert!(virsh(&uri, &["dominfo", "ha-host_VM0"])
        .ok()
        .contains("CPU(s):         1\n"));
    let err = virsh_editing(&uri, "true", &["edit", "nosuch"]).failed();
    assert_eq!(err, "error: failed to get domain 'nosuch'\n");
}

/// Runs `esx-virsh ARGS` on a pseudo-terminal (util-linux `script`), typing `input`; returns
/// what the terminal showed and the exit status, or `None` where there is no `script`.
fn on_terminal(uri: &str, args: &str, env: &[(&str, &str)], input: &str) -> Option<(String, i32)> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to run esx-virsh on a pseudo-terminal");
        return None;
    }
    let program = env!("CARGO_BIN_EXE_esx-virsh");
    let command = base_command(uri);
    let line = format!("'{program}' -c '{uri}' {args}");
    let mut child = Command::new("script");
    child
        .args(["-qfec", &line, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => child.env(name, value),
            None => child.env_remove(name),
        };
    }
    for (name, value) in env {
        child.env(name, value);
    }
    let mut child = child.spawn().expect("script runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    // Typed a line at a time, as a user would: each after the program had time to ask.
    for line in input.split_inclusive('\r') {
        std::thread::sleep(Duration::from_millis(700));
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("esx-virsh did not end on the terminal");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(stdin);
    let out = reader.join().unwrap();
    Some((
        String::from_utf8_lossy(&out).into_owned(),
        status.code().unwrap_or(-1),
    ))
}

#[test]
fn the_terminal_shell_edits_lines_and_keeps_history() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let history_text = history.to_str().unwrap();
    // A command, the same again from the history (Up, Enter), a completed command name
    // (`doms` + Tab + `tate` ...: Tab completes `domstate` only when it is the one match, so
    // `domid` is completed from `domi`), then quit.
    let input = "domstate ha-host_VM0\r\x1b[A\rdomi\t ha-host_VM1\rquit\r";
    let Some((screen, code)) = on_terminal(&uri, "", &[("ESX_VIRSH_HISTORY", history_text)], input)
    else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("esx-virsh # "), "{screen}");
    assert_eq!(screen.matches("running").count(), 2, "{screen}");
    // The completed line ran: ha-host_VM1's id.
    assert!(screen.contains("\r\n12\r\n"), "{screen}");
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("domstate ha-host_VM0"), "{saved}");
    assert!(saved.contains("domid ha-host_VM1"), "{saved}");
    // The next session starts with that history (`quit` is its last line, as in virsh): Up, Up
    // finds the last command.
    let Some((screen, code)) = on_terminal(
        &uri,
        "",
        &[("ESX_VIRSH_HISTORY", history_text)],
        "\x1b[A\x1b[A\rquit\r",
    ) else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("\r\n12\r\n"), "{screen}");
}

#[test]
fn a_failed_edit_on_a_terminal_asks_again() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let dir = tempfile::tempdir().unwrap();
    let editor = write_editor(dir.path(), &set_vcpus(2));
    let Some((screen, code)) = on_terminal(
        &uri,
        "edit ha-host_VM0",
        &[("EDITOR", editor.to_str().unwrap())],
        // Single keys, as virsh reads them: help, then no.
        "?n",
    ) else {
        return;
    };
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("error: Requested operation is not valid: domain 'ha-host_VM0' is running"),
        "{screen}"
    );
    assert_eq!(
        screen.matches("Failed. Try again? [y,n,i,f,?]: ").count(),
        2,
        "{screen}"
    );
    assert!(screen.contains("y - yes, start editor again"), "{screen}");
    assert!(
        screen.contains("f - force, try to redefine again"),
        "{screen}"
    );
}

/// The commands `esx-virsh --help` lists.
fn command_names() -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    let commands = help
        .split("Commands:\n")
        .nth(1)
        .expect("--help lists commands");
    let names: Vec<String> = commands
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() > 60, "{names:?}");
    names
}

fn run_plain(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn completion_scripts_know_every_command() {
    let names = command_names();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = run_plain(&["completion", shell]);
        for name in &names {
            assert!(
                script.contains(name.as_str()),
                "{shell} script misses {name}"
            );
        }
    }
    // bash accepts its script.
    let script = run_plain(&["completion", "bash"]);
    if let Ok(output) = Command::new("bash").args(["-n", "-c", &script]).output() {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .args(["completion", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let page = run_plain(&["man"]);
    assert!(page.contains(".TH esx-virsh 1"), "{}", &page[..400]);
    for name in command_names() {
        assert!(
            page.contains(&format!(".SH \"COMMAND {}\"", name.to_uppercase())),
            "the page has no section for {name}"
        );
    }
    // groff reads it without a warning, where groff is installed.
    let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("skipped the groff check: no groff");
        return;
    };
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let output = groff.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// One host seen through two servers, as in a real installation: an ESX host (the esx://
/// connection) managed by a vCenter (its `vcenter=`), the vCenter reached at another address on
/// the same port (libvirt talks to the vCenter on the esx:// URI's port). The domain exists on
/// both with one BIOS UUID, as a VM does on its host and in its vCenter.
struct HostUnderVCenter {
    /// Kept running while the test uses it.
    _vcenter: esx_tests::Simulator,
    host: esx_tests::Simulator,
    port: u16,
}

impl HostUnderVCenter {
    fn start(domain: &str, uuid: &str) -> Option<HostUnderVCenter> {
        // The vCenter's administrator: the user an esx:// connection's vcenter= link logs in
        // as when no auth.conf names another.
        // DC0_C0_H1 gets its own management address, where a migration destination's esx://
        // connection finds it in the vCenter (see `destination`).
        let vcenter = esx_tests::Simulator::start(
            SimOptions::new(Model::Vpx)
                .arg("-host-ip")
                .arg(format!("DC0_C0_H1={DESTINATION_IP}"))
                .credentials("administrator", PASSWORD),
        )
        .expect("simulator starts");
        let port = vcenter.port();
        let host = match esx_tests::Simulator::start(
            SimOptions::new(Model::Esx)
                .arg("-listen")
                .arg(format!("127.0.0.2:{port}"))
                .credentials("root", PASSWORD),
        ) {
            Ok(host) => host,
            Err(e) => {
                eprintln!("skipped: cannot serve a second simulator on 127.0.0.2:{port}: {e}");
                return None;
            }
        };
        let setup = HostUnderVCenter {
            _vcenter: vcenter,
            host,
            port,
        };
        let file = temp_file(&domain_xml(domain, uuid, 256, 1));
        let path = file.path().to_str().unwrap();
        virsh(&setup.esx_uri(), &["define", path]).ok();
        virsh(&setup.vpx_uri("DC0_C0_H0"), &["define", path]).ok();
        Some(setup)
    }

    /// The ESX host DC0_C0_H1 as its own server (a third simulator on its management address),
    /// and the esx:// URI of it with the vCenter as `vcenter=`.
    fn destination(&self) -> Option<(esx_tests::Simulator, String)> {
        match esx_tests::Simulator::start(
            SimOptions::new(Model::Esx)
                .arg("-listen")
                .arg(format!("{DESTINATION_IP}:{}", self.port))
                .credentials("root", PASSWORD),
        ) {
            Ok(host) => Some((
                host,
                format!(
                    "esx://root@{DESTINATION_IP}:{}/?transport=http&vcenter=127.0.0.1",
                    self.port
                ),
            )),
            Err(e) => {
                eprintln!(
                    "skipped: cannot serve a third simulator on {DESTINATION_IP}:{}: {e}",
                    self.port
                );
                None
            }
        }
    }

    fn esx_uri(&self) -> String {
        format!(
            "esx://root@127.0.0.2:{}/?transport=http&vcenter=127.0.0.1",
            self.port
        )
    }

    fn vpx_uri(&self, host: &str) -> String {
        format!(
            "vpx://administrator@127.0.0.1:{}/DC0/DC0_C0/{host}?transport=http",
            self.port
        )
    }
}

/// The management address of the vCenter's host DC0_C0_H1 (`-host-ip`).
const DESTINATION_IP: &str = "127.0.0.3";

/// virsh's `migrate DOM esx://host2/?vcenter=vc`: the destination's esx:// connection names its
/// host in the vCenter by the host's IP address (libvirt's migration "prepare" step).
#[test]
fn migrate_to_an_esx_connection_finds_its_host_in_the_vcenter() {
    let uuid = "6b2c3d4e-5f60-4b7c-9d8e-0f1a2b3c4d5e";
    let Some(setup) = HostUnderVCenter::start("mig-dest", uuid) else {
        return;
    };
    let Some((_destination, destination_uri)) = setup.destination() else {
        return;
    };
    // Without vcenter= the destination cannot name itself to a vCenter, as libvirt says.
    let plain = destination_uri.replace("&vcenter=127.0.0.1", "");
    let err = virsh(&setup.esx_uri(), &["migrate", "mig-dest", &plain]).failed();
    assert!(
        err.contains("Migration not possible without a vCenter"),
        "{err}"
    );
    // A host the vCenter does not know by its address (the source's: vcsim gave it none).
    let err = virsh(&setup.esx_uri(), &["migrate", "mig-dest", &setup.esx_uri()]).failed();
    assert!(
        err.contains("Could not find host system with IP address '127.0.0.2'"),
        "{err}"
    );
    assert_eq!(
        virsh(
            &setup.esx_uri(),
            &["migrate", "--live", "mig-dest", &destination_uri]
        )
        .ok(),
        "\n"
    );
    let names = virsh(&setup.vpx_uri("DC0_C0_H1"), &["list", "--all", "--name"]).ok();
    assert!(names.contains("mig-dest\n"), "{names}");
    let names = virsh(&setup.vpx_uri("DC0_C0_H0"), &["list", "--all", "--name"]).ok();
    assert!(!names.contains("mig-dest"), "{names}");
}

#[test]
fn migrate_from_an_esx_connection_goes_through_its_vcenter() {
    let uuid = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    let Some(setup) = HostUnderVCenter::start("mig-web", uuid) else {
        return;
    };
    assert!(
        setup.host.url().contains("127.0.0.2"),
        "{}",
        setup.host.url()
    );
    // A refused migration: the first event ValidateMigration reports is the error, and
    // MigrateVM_Task never starts.
    let err = virsh(
        &setup.esx_uri(),
        &[
            "migrate",
            "mig-web",
            "vpxmigr://127.0.0.1/resgroup-1/host-999",
        ],
    )
    .failed();
    insta::assert_snapshot!("migrate_refused_by_validation", err);
    let names = virsh(&setup.vpx_uri("DC0_C0_H0"), &["list", "--all", "--name"]).ok();
    assert!(names.contains("mig-web\n"), "{names}");
    // Another vCenter than the link's.
    let err = virsh(
        &setup.esx_uri(),
        &["migrate", "mig-web", "vpxmigr://10.0.0.9/resgroup-1/host-1"],
    )
    .failed();
    assert!(
        err.contains("Migration source and destination have to refer to the same vCenter"),
        "{err}"
    );
    // The migration itself, with the flags libvirt accepts, to a vpx:// destination.
    assert_eq!(
        virsh(
            &setup.esx_uri(),
            &[
                "migrate",
                "--live",
                "--persistent",
                "--undefinesource",
                "mig-web",
                &setup.vpx_uri("DC0_C0_H1"),
            ],
        )
        .ok(),
        "\n"
    );
    let names = virsh(&setup.vpx_uri("DC0_C0_H1"), &["list", "--all", "--name"]).ok();
    assert!(names.contains("mig-web\n"), "{names}");
    let names = virsh(&setup.vpx_uri("DC0_C0_H0"), &["list", "--all", "--name"]).ok();
    assert!(!names.contains("mig-web"), "{names}");
}

fn screenshot_of_a_running_domain(model: Model, vm: &str) {
    let sim = simulator(model, WireStyle::Xsi);
    let uri = uri(&sim);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("screen.png");
    let file_text = file.to_str().unwrap();
    assert_eq!(
        virsh(&uri, &["screenshot", vm, file_text]).ok(),
        format!("Screenshot saved to {file_text}, with type of image/png\n\n")
    );
    let png = std::fs::read(&file).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{:?}", &png[..8]);
    // Written through a temporary file renamed into place: nothing else is left.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // Without a file name: DOMAIN-DATE-TIME.png in the current directory.
    let output = base_command(&uri)
        .args(["screenshot", vm])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let name = stdout
        .strip_prefix("Screenshot saved to ")
        .and_then(|rest| rest.split_once(", with type of image/png\n"))
        .map(|(name, _)| name.to_owned())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        name.starts_with(&format!("{vm}-")) && name.ends_with(".png"),
        "{name}"
    );
    assert!(std::fs::read(dir.path().join(&name))
        .unwrap()
        .starts_with(b"\x89PNG"));

    // virsh's refusals, word for word.
    assert_eq!(
        virsh(&uri, &["screenshot", vm, file_text, "--screen", "1"]).failed(),
        format!(
            "error: could not take a screenshot of {vm}\n\
             error: invalid argument: Screen cannot be selected\n"
        )
    );
    virsh(&uri, &["destroy", vm]).ok();
    let other = dir.path().join("off.png");
    assert_eq!(
        virsh(&uri, &["screenshot", vm, other.to_str().unwrap()]).failed(),
        format!(
            "error: could not take a screenshot of {vm}\n\
             error: Requested operation is not valid: Domain is not powered on\n"
        )
    );
    assert!(!other.exists());
    assert_eq!(
        virsh(&uri, &["screenshot", "nosuch", "x.png"]).failed(),
        "error: failed to get domain 'nosuch'\n"
    );
}

#[test]
fn screenshot_saves_the_console_on_esx() {
    screenshot_of_a_running_domain(Model::Esx, "ha-host_VM0");
}

#[test]
fn screenshot_saves_the_console_on_vcenter() {
    screenshot_of_a_running_domain(Model::Vpx, "DC0_C0_RP0_VM0");
}

#[test]
fn screenshot_needs_the_hosts_capability() {
    // A host that does not report capability.screenshotSupported (stock vcsim's, which libvirt
    // refuses the same way).
    let sim = esx_tests::Simulator::start(
        SimOptions::new(Model::Esx)
            .arg("-screenshots=false")
            .credentials("root", PASSWORD),
    )
    .expect("simulator starts");
    let uri = uri(&sim);
    assert_eq!(
        virsh(&uri, &["screenshot", "ha-host_VM0", "x.png"]).failed(),
        "error: could not take a screenshot of ha-host_VM0\n\
         error: Requested operation is not valid: Screenshot feature is unsupported\n"
    );
}

#[test]
fn commands_of_drivers_esx_lacks_fail_as_virsh_fails() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let xml = temp_file("<secret ephemeral='no'/>\n");
    let file = xml.path().to_str().unwrap();
    let uuid = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";
    let unsupported = |call: &str| {
        format!("error: this function is not supported by the connection driver: {call}\n")
    };
    // What virsh 11.3 prints on an ESX connection, line for line.
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["secret-define", file],
            format!("error: Failed to set attributes from {file}\n")
                + &unsupported("virSecretDefineXML"),
        ),
        (
            vec!["secret-dumpxml", uuid],
            format!("error: failed to get secret '{uuid}'\n")
                + &unsupported("virSecretLookupByUUID"),
        ),
        (
            vec!["secret-get-value", "notauuid"],
            "error: failed to get secret 'notauuid'\n\
             error: uuidstr in virSecretLookupByUUIDString must be a valid UUID\n"
                .to_owned(),
        ),
        (
            vec!["secret-set-value", uuid, "--interactive"],
            format!("error: failed to get secret '{uuid}'\n")
                + &unsupported("virSecretLookupByUUID"),
        ),
        (
            vec!["secret-list", "--ephemeral"],
            "error: Failed to count secrets\n".to_owned() + &unsupported("virConnectNumOfSecrets"),
        ),
        (
            vec!["nodedev-create", file],
            format!("error: Failed to create node device from {file}\n")
                + &unsupported("virNodeDeviceCreateXML"),
        ),
        (
            vec!["nodedev-define", file],
            format!("error: Failed to define node device from '{file}'\n")
                + &unsupported("virNodeDeviceDefineXML"),
        ),
        (
            vec!["nodedev-list", "--cap", "pci"],
            "error: Failed to count node devices\n".to_owned()
                + &unsupported("virNodeNumOfDevices"),
        ),
        (
            vec!["nwfilter-define", file],
            format!("error: Failed to define network filter from {file}\n")
                + &unsupported("virNWFilterDefineXML"),
        ),
        (
            vec!["nwfilter-edit", "clean-traffic"],
            "error: failed to get nwfilter 'clean-traffic'\n".to_owned()
                + &unsupported("virNWFilterLookupByName"),
        ),
        (
            vec!["nwfilter-binding-list"],
            "error: Failed to list network filter bindings\n".to_owned()
                + &unsupported("virConnectListAllNWFilterBindings"),
        ),
        (
            vec!["nwfilter-binding-create", file],
            format!("error: Failed to create network filter from {file}\n")
                + &unsupported("virNWFilterBindingCreateXML"),
        ),
        (
            vec!["nwfilter-binding-delete", "vnet0"],
            "error: failed to get nwfilter binding 'vnet0'\n".to_owned()
                + &unsupported("virNWFilterBindingLookupByPortDev"),
        ),
        (
            vec!["secret-define", "/nonexistent/s.xml"],
            "error: Failed to open file '/nonexistent/s.xml': No such file or directory\n"
                .to_owned(),
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
    }
    for command in [
        "nodedev-destroy",
        "nodedev-dumpxml",
        "nodedev-detach",
        "nodedev-reattach",
        "nodedev-reset",
        "nodedev-info",
        "nodedev-undefine",
        "nodedev-start",
        "nodedev-autostart",
    ] {
        assert_eq!(
            virsh(&uri, &[command, "pci_0000_00_02_0"]).failed(),
            "error: Could not find matching device 'pci_0000_00_02_0'\n".to_owned()
                + &unsupported("virNodeDeviceLookupByName"),
            "{command}"
        );
    }
    for command in ["nwfilter-dumpxml", "nwfilter-undefine"] {
        assert_eq!(
            virsh(&uri, &[command, uuid]).failed(),
            format!("error: failed to get nwfilter '{uuid}'\n")
                + &unsupported("virNWFilterLookupByName"),
            "{command}"
        );
    }
}

#[test]
fn domain_and_host_functions_esx_lacks_fail_as_virsh_fails() {
    let sim = simulator(Model::Esx, WireStyle::Xsi);
    let uri = uri(&sim);
    let device = temp_file("<disk type='file'><source file='/x'/><target dev='sdb'/></disk>\n");
    let file = device.path().to_str().unwrap();
    let vm = "ha-host_VM0";
    let unsupported = |call: &str| {
        format!("error: this function is not supported by the connection driver: {call}\n")
    };
    // What virsh 11.3 prints on an ESX connection, line for line: the domain is looked up and a
    // named file read before the driver is asked.
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["sysinfo"],
            "error: failed to get sysinfo\n".to_owned() + &unsupported("virConnectGetSysinfo"),
        ),
        (
            vec!["nodememstats"],
            "error: Unable to get number of memory stats\n".to_owned()
                + &unsupported("virNodeGetMemoryStats"),
        ),
        (
            vec!["nodecpustats", "--percent"],
            "error: Unable to get number of cpu stats\n".to_owned()
                + &unsupported("virNodeGetCPUStats"),
        ),
        (
            vec!["domcapabilities"],
            "error: failed to get emulator capabilities\n".to_owned()
                + &unsupported("virConnectGetDomainCapabilities"),
        ),
        (
            vec!["cpu-models", "x86_64"],
            "error: failed to get CPU model names\n".to_owned()
                + &unsupported("virConnectGetCPUModelNames"),
        ),
        (vec!["domjobinfo", vm], unsupported("virDomainGetJobInfo")),
        (vec!["domstats"], unsupported("virConnectGetAllDomainStats")),
        (vec!["domstats", vm], unsupported("virDomainListGetStats")),
        (
            vec!["domtime", vm, "--now"],
            unsupported("virDomainSetTime"),
        ),
        (
            vec!["send-key", vm, "KEY_A"],
            unsupported("virDomainSendKey"),
        ),
        (
            vec!["managedsave", vm],
            format!("error: Failed to save domain '{vm}' state\n")
                + &unsupported("virDomainManagedSave"),
        ),
        (
            vec!["save", vm, "/tmp/x.save"],
            format!("error: Failed to save domain '{vm}' to /tmp/x.save\n")
                + &unsupported("virDomainSave"),
        ),
        (
            vec!["domblkstat", vm],
            format!("error: Failed to get block stats {vm} \n")
                + &unsupported("virDomainBlockStats"),
        ),
        (
            vec!["attach-device", vm, file, "--config"],
            format!("error: Failed to attach device from {file}\n")
                + &unsupported("virDomainAttachDevice"),
        ),
        (
            vec!["create", file],
            format!("error: Failed to create domain from {file}\n")
                + &unsupported("virDomainCreateXML"),
        ),
        (
            vec!["detach-device", vm, "/nonexistent/d.xml"],
            "error: Failed to open file '/nonexistent/d.xml': No such file or directory\n"
                .to_owned(),
        ),
        (
            vec!["domjobabort", "nosuch"],
            "error: failed to get domain 'nosuch'\n".to_owned(),
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(virsh(&uri, &args).failed(), expected, "{args:?}");
    }
    assert_eq!(
        virsh(&uri, &["managedsave-remove", vm]).ok(),
        format!("Domain '{vm}' has no manage save image; removal skipped\n")
    );
}
