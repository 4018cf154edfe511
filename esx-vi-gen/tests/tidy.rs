//! Cheap repository checks over every crate of the workspace: every source file says why it
//! exists in a `//!` line, and no debugging leftovers remain.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n != "snapshots" && n != "fixtures" && n != "errors")
            {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_file_has_a_module_doc_and_no_leftovers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in [
        "esx-vi-gen",
        "esx-vi-types",
        "esx-vi",
        "esx-driver",
        "tests",
    ] {
        for sub in ["src", "tests", "benches", "examples"] {
            rust_files(&root.join(krate).join(sub), &mut files);
        }
        files.push(root.join(krate).join("build.rs"));
    }
    let mut problems = Vec::new();
    for file in files.iter().filter(|f| f.exists()) {
        let text = std::fs::read_to_string(file).unwrap();
        if !text.starts_with("//!") {
            problems.push(format!(
                "{}: does not start with a `//!` line",
                file.display()
            ));
        }
        for (i, line) in text.lines().enumerate() {
            for bad in ["dbg!(", "todo!(", "unimplemented!("] {
                if line.contains(bad) && !line.contains("for bad in") {
                    problems.push(format!("{}:{}: {bad}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
