//! `esx-virsh` facing hostile input: control characters in URIs and messages, passwords in the
//! environment, oversized and endless input files, unsafe auth files, silent servers. Each test
//! runs the binary with an isolated environment.

use std::process::{Command, Output, Stdio};

/// Runs esx-virsh with only the given environment variables (and PATH).
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_esx-virsh"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("esx-virsh runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_control_character_in_a_uri_is_refused_without_forging_a_line() {
    let output = run(
        &[
            "-c",
            "esx://127.0.0.1:9/?transport=%0Aerror:%20forged%1B[2J",
            "list",
        ],
        &[],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("control character in the value of query parameter 'transport'"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.lines().all(|line| !line.starts_with("error: forged")),
        "{err}"
    );
}

#[test]
fn help_never_shows_the_password_of_libvirt_default_uri() {
    let uri = "esx://root:hunter2-secret@esx1.example/";
    for args in [&["--help"][..], &["list", "--help"], &["-h"]] {
        let output = run(args, &[("LIBVIRT_DEFAULT_URI", uri)]);
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&output)
        );
        assert!(shown.contains("LIBVIRT_DEFAULT_URI"), "{shown}");
        assert!(!shown.contains("hunter2"), "{args:?}: {shown}");
    }
}

const MIB: usize = 1024 * 1024;

/// Runs esx-virsh and fails the test if it takes longer than `limit`.
fn run_within(args: &[&str], env: &[(&str, &str)], limit: std::time::Duration) -> Output {
    let started = std::time::Instant::now();
    let output = run(args, env);
    assert!(
        started.elapsed() < limit,
        "{args:?} took {:?}: {}",
        started.elapsed(),
        stderr(&output)
    );
    output
}

#[test]
fn documents_are_read_up_to_10_mib_and_no_further() {
    let dir = tempfile::tempdir().unwrap();
    let domain = "<domain type='vmware'><name>big</name><memory>4096</memory><os><type>hvm</type></os></domain>\n";
    let exact = dir.path().join("exact.xml");
    let mut text = domain.to_owned();
    text.push_str(&" ".repeat(10 * MIB - text.len()));
    std::fs::write(&exact, &text).unwrap();
    let output = run(
        &["domxml-to-native", "vmware-vmx", exact.to_str().unwrap()],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let over = dir.path().join("over.xml");
    text.push(' ');
    std::fs::write(&over, &text).unwrap();
    let output = run(
        &["domxml-to-native", "vmware-vmx", over.to_str().unwrap()],
        &[],
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("larger than 10 MiB"), "{err}");

    let limit = std::time::Duration::from_secs(20);
    for args in [
        &["domxml-to-native", "vmware-vmx", "/dev/zero"][..],
        &["domxml-from-native", "vmware-vmx", "/dev/zero"],
    ] {
        let output = run_within(args, &[], limit);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(
            err.contains("cannot read '/dev/zero': larger than 10 MiB"),
            "{err}"
        );
    }
}

#[test]
fn an_endless_standard_input_is_cut_at_10_mib() {
    let started = std::time::Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
        .args(["domxml-to-native", "vmware-vmx", "-"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot read standard input: larger than 10 MiB"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_device_as_cacert_is_refused_before_connecting() {
    let output = run_within(
        &["-c", "esx://127.0.0.1:9/?cacert=/dev/zero", "list"],
        &[("ESX_PASSWORD", "x")],
        std::time::Duration::from_secs(20),
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("/dev/zero"), "{err}");
    assert!(
        err.contains("not a regular file (it is a character device)"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_world_readable_auth_file_gets_one_warning_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("auth.conf");
    std::fs::write(
        &conf,
        "[credentials-x]\nusername=root\npassword=secret\n[auth-esx-default]\ncredentials=x\n",
    )
    .unwrap();
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o604)).unwrap();
    let conf_text = conf.display().to_string();
    let output = run(
        &["-c", "esx://127.0.0.1:9/?transport=http", "list"],
        &[("LIBVIRT_AUTH_FILE", conf_text.as_str())],
    );
    let err = stderr(&output);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains(&format!(
            "Auth file '{conf_text}' can be read or written by other users (permissions 0604)"
        )),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn a_silent_server_fails_at_the_timeout_given_by_option_or_environment() {
    // The kernel accepts the connection; nothing ever answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("esx://{}/?transport=http", silent.local_addr().unwrap());
    let limit = std::time::Duration::from_secs(15);
    for (args, env) in [
        (
            vec!["--timeout", "1", "-c", uri.as_str(), "list"],
            vec![("ESX_PASSWORD", "x")],
        ),
        (
            vec!["-c", uri.as_str(), "list"],
            vec![("ESX_PASSWORD", "x"), ("ESX_VIRSH_TIMEOUT", "1.5")],
        ),
    ] {
        let output = run_within(&args, &env, limit);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(err.contains("timed out after 1"), "{err}");
    }
    for bad in ["0", "-3", "soon", "1e9"] {
        let option = format!("--timeout={bad}");
        let output = run(&[option.as_str(), "-c", uri.as_str(), "list"], &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{bad}: {err}");
        assert!(err.contains("--timeout"), "{bad}: {err}");
    }
}
