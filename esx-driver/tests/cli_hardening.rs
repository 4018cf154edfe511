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
