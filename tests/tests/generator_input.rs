//! The API description stays reproducible: `scripts/vi-facts.py` regenerates
//! `generator-input/esx_vi_generator.input` from govmomi's Go sources and the curated selection,
//! byte for byte, and its closure check passes.
//!
//! The script needs python3, and regenerating needs govmomi's Go sources (Debian package
//! golang-github-vmware-govmomi-dev): without them the tests are skipped with the reason printed,
//! except under `CI=true`, where a missing prerequisite fails them.

use std::path::{Path, PathBuf};
use std::process::Command;

const GOVMOMI: &str = "/usr/share/gocode/src/github.com/vmware/govmomi";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether a test's prerequisite is there: if not, prints why the test is skipped, or fails the
/// test in CI.
fn require(present: bool, missing: &str) -> bool {
    if present {
        return true;
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(!in_ci, "{missing}; CI=true requires it");
    eprintln!("skipped: {missing}");
    false
}

fn require_python3() -> bool {
    let runs = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    require(
        runs,
        "python3 is not installed (scripts/vi-facts.py needs it)",
    )
}

fn vi_facts(args: &[&str]) -> std::process::Output {
    Command::new("python3")
        .arg(workspace().join("scripts/vi-facts.py"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("running python3 scripts/vi-facts.py")
}

#[test]
fn the_input_passes_its_closure_check() {
    if !require_python3() {
        return;
    }
    let out = vi_facts(&["check", "generator-input/esx_vi_generator.input"]);
    assert!(
        out.status.success(),
        "vi-facts.py check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_input_is_what_the_selection_generates() {
    if !require_python3()
        || !require(
            Path::new(GOVMOMI).is_dir(),
            &format!("{GOVMOMI} is absent (install golang-github-vmware-govmomi-dev)"),
        )
    {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let emitted = dir.path().join("emitted.input");
    let out = vi_facts(&["emit", "-o", emitted.to_str().expect("utf-8 path")]);
    assert!(
        out.status.success(),
        "vi-facts.py emit failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let emitted = std::fs::read_to_string(&emitted).expect("emitted input");
    let committed =
        std::fs::read_to_string(workspace().join("generator-input/esx_vi_generator.input"))
            .expect("committed input");
    assert!(
        emitted == committed,
        "generator-input/esx_vi_generator.input differs from what scripts/vi-facts.selection generates: \
         run `python3 scripts/vi-facts.py emit -o generator-input/esx_vi_generator.input` and review the diff"
    );
}
