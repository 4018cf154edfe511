//! Checks on the Cargo manifests that `cargo machete` does not make: every entry of the workspace's
//! shared dependency list is used by a member crate, so the list cannot collect dead entries.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The lines of a TOML table, from its `[header]` to the next header.
fn table<'a>(manifest: &'a str, header: &str) -> Vec<&'a str> {
    manifest
        .lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('['))
        .collect()
}

/// The keys of a table's `key = value` lines (comments and blank lines skipped).
fn keys<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('=').map(|(key, _)| key.trim()))
        .collect()
}

/// The member directories named in `members = ["a", "b"]`.
fn members(manifest: &str) -> Vec<String> {
    let line = table(manifest, "[workspace]")
        .into_iter()
        .find(|line| line.trim_start().starts_with("members"))
        .expect("the workspace lists its members on one line");
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Whether a member manifest takes `name` from the workspace list (`name.workspace = true` or
/// `name = { workspace = true, ... }`).
fn inherits(member_manifest: &str, name: &str) -> bool {
    member_manifest.lines().map(str::trim).any(|line| {
        line.strip_prefix(name).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with(".workspace")
                || rest
                    .strip_prefix('=')
                    .is_some_and(|value| value.trim_start().starts_with("{ workspace = true"))
        })
    })
}

#[test]
fn every_shared_dependency_is_used_by_a_member() {
    let root = read(&workspace().join("Cargo.toml"));
    let shared = keys(&table(&root, "[workspace.dependencies]"));
    assert!(shared.len() > 10, "parsed the shared list: {shared:?}");
    let members: Vec<String> = members(&root)
        .iter()
        .map(|member| read(&workspace().join(member).join("Cargo.toml")))
        .collect();
    assert!(members.len() >= 5, "parsed the member list");
    let unused: Vec<&str> = shared
        .into_iter()
        .filter(|name| !members.iter().any(|manifest| inherits(manifest, name)))
        .collect();
    assert!(
        unused.is_empty(),
        "no member uses these [workspace.dependencies] entries; remove them from Cargo.toml: {unused:?}"
    );
}

/// The parsing above sees both spellings and no prefix matches (`tokio` is not `tokio-util`).
#[test]
fn inheritance_is_recognised_in_both_spellings() {
    let manifest = "[dependencies]\ntokio-util.workspace = true\nserde = { workspace = true, features = [\"derive\"] }\n";
    assert!(inherits(manifest, "serde"));
    assert!(inherits(manifest, "tokio-util"));
    assert!(!inherits(manifest, "tokio"));
    assert!(!inherits(manifest, "quote"));
}
