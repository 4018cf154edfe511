//! The `list_vms` example as a user runs it: output format, sorting, TLS options, exit codes.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use esx_tests::{SimOptions, Simulator, WireStyle};

/// The example binary cargo built next to this test (`target/<profile>/examples/list_vms`).
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let path = profile_dir
        .join("examples")
        .join(format!("list_vms{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: build it with `cargo build -p esx-vi --example list_vms` (plain `cargo test` does; `--all-targets` builds examples as tests instead)",
        path.display()
    );
    path
}

fn run(sim: &Simulator, extra: &[&str]) -> Output {
    Command::new(example())
        .args([
            "--url",
            sim.url(),
            "--user",
            sim.username(),
            "--password",
            sim.password(),
        ])
        .args(extra)
        .output()
        .expect("running list_vms")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn lists_sorted_vms_with_power_state_and_a_count_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = common::simulator(SimOptions::vpx().wire(wire));
        let output = run(&sim, &["--page-size", "3"]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(
            stdout(&output),
            "DC0_C0_RP0_VM0\tpoweredOn\nDC0_C0_RP0_VM1\tpoweredOn\nDC0_H0_VM0\tpoweredOn\nDC0_H0_VM1\tpoweredOn\n4 VMs\n",
            "{wire:?}"
        );
    }
}

#[test]
fn tls_failures_print_an_error_with_the_thumbprint_and_exit_1() {
    let sim = common::simulator(SimOptions::esx().tls(true));
    let thumbprint = sim.thumbprint().expect("thumbprint").to_owned();

    let refused = run(&sim, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).is_empty(),
        "nothing half-written: {}",
        stdout(&refused)
    );
    let message = stderr(&refused);
    assert!(
        message.starts_with("error: ") && message.contains(&thumbprint),
        "{message}"
    );

    let pinned = run(&sim, &["--thumbprint", &thumbprint]);
    assert!(pinned.status.success(), "{}", stderr(&pinned));
    assert!(stdout(&pinned).ends_with("2 VMs\n"), "{}", stdout(&pinned));

    let ca = sim
        .ca_file()
        .expect("CA file")
        .to_str()
        .expect("UTF-8 path")
        .to_owned();
    let trusted = run(&sim, &["--cacert", &ca]);
    assert!(trusted.status.success(), "{}", stderr(&trusted));

    let unverified = run(&sim, &["--no-verify"]);
    assert!(unverified.status.success(), "{}", stderr(&unverified));

    let wrong = run(
        &sim,
        &[
            "--thumbprint",
            &thumbprint.replacen(
                &thumbprint[..2],
                if &thumbprint[..2] == "00" { "11" } else { "00" },
                1,
            ),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("does not match the pinned"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn a_wrong_password_or_an_unreachable_server_exits_1() {
    let sim = common::simulator(SimOptions::esx());
    let output = Command::new(example())
        .args([
            "--url",
            sim.url(),
            "--user",
            sim.username(),
            "--password",
            "wrong-password-123",
        ])
        .output()
        .expect("running list_vms");
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: ") && message.contains("InvalidLogin"),
        "{message}"
    );
    assert!(!message.contains("wrong-password-123"), "{message}");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sdk", listener.local_addr().unwrap());
    drop(listener);
    let output = Command::new(example())
        .args(["--url", &url, "--user", "u", "--password", "p"])
        .output()
        .expect("running list_vms");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: cannot talk to"),
        "{}",
        stderr(&output)
    );
}
