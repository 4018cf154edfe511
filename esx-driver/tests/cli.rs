//! `esx-virsh domxml-from-native` / `domxml-to-native` as a user runs them: output on stdout,
//! `error: ...` on stderr with exit status 1 and nothing on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("esx-virsh runs");
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Exit status 1, one `error: ` message, nothing on stdout.
fn assert_fails_with(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(output));
    assert!(output.stdout.is_empty(), "stdout: {}", stdout(output));
    let err = stderr(output);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(message), "expected {message:?} in {err:?}");
}

#[test]
fn from_native_prints_domain_xml() {
    let path = fixture("vmx/network.vmx");
    let output = run(
        &["domxml-from-native", "vmware-vmx", path.to_str().unwrap()],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stderr.is_empty());
    let xml = stdout(&output);
    assert!(
        xml.starts_with("<domain type='vmware'>\n  <name>networks</name>\n"),
        "{xml}"
    );
    assert!(xml.contains("<source network='hostonly'/>"));
    // Without a datastore location, relative names stay relative.
    assert!(esx_driver::domain::parse_domain_xml(&xml).is_ok());
}

#[test]
fn from_native_reads_stdin_and_hides_the_vnc_password() {
    let vmx = std::fs::read(fixture("vmx/general.vmx")).unwrap();
    let output = run(&["domxml-from-native", "vmware-vmx", "-"], Some(&vmx));
    assert!(output.status.success(), "{}", stderr(&output));
    let xml = stdout(&output);
    assert!(xml.contains("<graphics type='vnc' port='5901'"), "{xml}");
    assert!(
        !xml.contains("s3cret"),
        "the password must not be printed: {xml}"
    );
    assert!(xml.contains("<nvram>web-01.nvram</nvram>"), "{xml}");
}

#[test]
fn to_native_prints_vmx_for_the_newest_hardware_by_default() {
    let xml = std::fs::read(fixture("xml/legacy-hw4.xml")).unwrap();
    let output = run(&["domxml-to-native", "vmware-vmx", "-"], Some(&xml));
    assert!(output.status.success(), "{}", stderr(&output));
    let vmx = stdout(&output);
    assert!(vmx.starts_with(
        ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"21\"\n"
    ));
    assert!(vmx.contains("vmci0.present = \"true\"\n"));

    let path = fixture("xml/legacy-hw4.xml");
    let output = run(
        &[
            "domxml-to-native",
            "vmware-vmx",
            path.to_str().unwrap(),
            "--hw-version",
            "4",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let vmx = stdout(&output);
    assert!(vmx.contains("virtualHW.version = \"4\"\n"));
    assert!(!vmx.contains("vmci0"));
}

#[test]
fn unknown_formats_are_refused_naming_the_supported_one() {
    let path = fixture("vmx/minimal.vmx");
    let output = run(
        &["domxml-from-native", "qemu-argv", path.to_str().unwrap()],
        None,
    );
    assert_fails_with(
        &output,
        "unsupported native format 'qemu-argv'; supported: vmware-vmx",
    );
    let output = run(&["domxml-to-native", "xen-xl", "-"], Some(b""));
    assert_fails_with(&output, "supported: vmware-vmx");
}

#[test]
fn conversion_errors_name_the_entry_and_print_nothing_on_stdout() {
    let vmx = b"config.version = \"8\"\nvirtualHW.version = \"10\"\ndisplayName = \"x\"\n\
                ethernet0.present = \"true\"\nethernet0.virtualDev = \"rtl8139\"\n";
    let output = run(&["domxml-from-native", "vmware-vmx", "-"], Some(vmx));
    assert_fails_with(
        &output,
        "Expecting VMX entry 'ethernet0.virtualDev' to be 'vlance' or 'vmxnet' or 'vmxnet3' or \
         'e1000' or 'e1000e' but found 'rtl8139'",
    );

    let output = run(
        &["domxml-from-native", "vmware-vmx", "-"],
        Some(b"\xff\xfe garbage"),
    );
    assert_fails_with(&output, "not valid UTF-8");

    let output = run(
        &["domxml-to-native", "vmware-vmx", "-"],
        Some(b"<domain type='vmware'><name>x</name><memory>1024</memory><os><type arch='sparc'>hvm</type></os></domain>"),
    );
    assert_fails_with(&output, "'i686' or 'x86_64' but found 'sparc'");

    let output = run(&["domxml-to-native", "vmware-vmx", "-"], Some(b"<domain"));
    assert_fails_with(&output, "invalid domain XML");
}

#[test]
fn bad_arguments_exit_1() {
    let output = run(
        &["domxml-to-native", "vmware-vmx", "-", "--hw-version", "3"],
        Some(b""),
    );
    assert_fails_with(&output, "--hw-version 3 is not supported; expected 4 to 21");

    let output = run(
        &["domxml-from-native", "vmware-vmx", "/nonexistent/x.vmx"],
        None,
    );
    assert_fails_with(&output, "cannot read '/nonexistent/x.vmx'");

    let output = run(&["domxml-from-native"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(stderr(&output).starts_with("error: "));
}

#[test]
fn an_unknown_command_fails_in_virshs_words() {
    let output = run(
        &["-c", "esx://esx1.example.com/", "iface-info", "vmnic0"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(stderr(&output), "error: unknown command: 'iface-info'\n");
}

#[test]
fn usage_mistakes_fail_in_virshs_words() {
    let uri = "esx://esx1.example.com/";
    for (args, message) in [
        (
            vec!["-c", uri, "pool-list", "--title"],
            "error: command 'pool-list' doesn't support option --title\n",
        ),
        (
            vec!["-c", uri, "list", "--foo=bar"],
            "error: command 'list' doesn't support option --foo\n",
        ),
        (
            vec!["-c", uri, "net-info", "VM", "Network"],
            "error: unexpected data 'Network'\n",
        ),
        (
            vec!["-c", uri, "start"],
            "error: command 'start' requires <domain> option\n",
        ),
        (
            vec!["-c", uri, "send-key", "web"],
            "error: command 'send-key' requires <keycode> option\n",
        ),
        (
            vec!["domxml-from-native", "vmware-vmx"],
            "error: command 'domxml-from-native' requires <config> option\n",
        ),
        (
            vec!["domxml-to-native", "vmware-vmx"],
            "error: need either domain or domain XML\n",
        ),
    ] {
        let output = run(&args, None);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr(&output), message, "{args:?}");
    }
}

#[test]
fn help_states_the_default_hardware_version() {
    let output = run(&["domxml-to-native", "--help"], None);
    assert!(output.status.success());
    let help = stdout(&output);
    assert!(
        help.contains("the newest this converter supports"),
        "{help}"
    );
    assert!(help.contains("[default: 21]"), "{help}");
}

#[test]
fn help_lists_the_commands_of_every_group() {
    let output = run(&["--help"], None);
    assert!(output.status.success());
    let help = stdout(&output);
    // One command of each group, and every power transition (built from a table, not derived).
    for command in [
        "domxml-to-native",
        "dominfo",
        "start",
        "shutdown",
        "reboot",
        "reset",
        "destroy",
        "suspend",
        "resume",
        "snapshot-list",
        "nodeinfo",
        "net-list",
        "iface-list",
    ] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(&format!("{command} "))),
            "{command} missing from {help}"
        );
    }
}

#[test]
fn power_transitions_need_a_domain() {
    let output = run(&["suspend"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        "error: command 'suspend' requires <domain> option\n"
    );

    let output = run(&["resume", "--help"], None);
    assert!(output.status.success());
    let help = stdout(&output);
    assert!(help.starts_with("Resume a suspended domain\n"), "{help}");
    assert!(help.contains("<DOMAIN>  Domain name, id or uuid"), "{help}");
}
