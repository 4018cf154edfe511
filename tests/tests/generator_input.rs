//! The API description stays reproducible: `scripts/vi-facts.py` regenerates
//! `generator-input/esx_vi_generator.input` from govmomi's Go sources and the curated selection,
//! byte for byte, and its closure check passes.

use std::path::{Path, PathBuf};
use std::process::Command;

const GOVMOMI: &str = "/usr/share/gocode/src/github.com/vmware/govmomi";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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
    if !Path::new(GOVMOMI).is_dir() {
        eprintln!("skipped: {GOVMOMI} is absent (install golang-github-vmware-govmomi-dev)");
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
