//! libvirt's own `esx_vi_generator.input` files (`tests/data/libvirt`, unchanged) generate, say
//! what they leave undescribed, compare with the project's input, and `esx-vi-types` builds from
//! each of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/libvirt")
}

/// Every libvirt input of the data directory, sorted; at least the two this repository keeps.
fn libvirt_inputs() -> Vec<PathBuf> {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("tests/data/libvirt is part of the crate")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "input"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 2, "libvirt inputs: {inputs:?}");
    inputs
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Each input generates unchanged; its notes and its full output are pinned.
#[test]
fn libvirt_inputs_generate() {
    insta::glob!("data/libvirt/*.input", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let name = name_of(path);
        let started = Instant::now();
        let (code, notes) =
            esx_vi_gen::generate_with_notes(&input, &name).unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "{name}: generated {} lines in {:.2?}",
            code.lines().count(),
            started.elapsed()
        );
        // libvirt's files leave the types of their ignored members undescribed: notes, not errors.
        assert!(notes.to_string().contains("`MissingProperty`"), "{notes}");
        insta::assert_snapshot!("notes", notes.to_string());
        insta::assert_snapshot!("code", code);
    });
}

/// An undescribed type is accepted only on an ignored member.
#[test]
fn undescribed_types_are_errors_except_on_ignored_members() {
    let ignored = "object ObjectContent\n    ManagedObjectReference obj r\n    MissingProperty missingSet i\nend\n";
    let (_, notes) = esx_vi_gen::validate_with_notes(ignored, "a.input").unwrap();
    assert_eq!(
        notes.to_string(),
        "a.input:3:5: note: ignored member `missingSet` has the type `MissingProperty`, which this input does not describe; the member is skipped when read and never generated"
    );
    for occurrence in ["r", "o", "rl", "ol"] {
        let used = ignored.replace(" i\n", &format!(" {occurrence}\n"));
        let err = esx_vi_gen::validate_with_notes(&used, "a.input").unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.input:3:5: unknown type `MissingProperty`"
        );
    }
}

/// libvirt's older `_this:<Type>` binds to the ServiceContent member that holds that type.
#[test]
fn this_may_name_the_managed_object_type() {
    let input = "object ServiceContent\n    ManagedObjectReference perfManager o\nend\n\
                 method QueryPerfCounter\n    ManagedObjectReference _this:PerformanceManager r\nend\n";
    let (model, notes) = esx_vi_gen::validate_with_notes(input, "a.input").unwrap();
    assert_eq!(
        model.methods[0].this,
        esx_vi_gen::model::This::ServiceContent {
            member: "perfManager".into(),
            optional: true
        }
    );
    assert_eq!(
        notes.to_string(),
        "a.input:5:34: note: `_this:PerformanceManager` names the managed object type (libvirt's older spelling): bound to ServiceContent member `perfManager`; write `_this:perfManager`"
    );
    let unknown = input.replace("PerformanceManager", "PerformanceManagre");
    let err = esx_vi_gen::validate(&unknown).unwrap_err();
    assert!(
        err.to_string()
            .contains("`_this:PerformanceManagre` names no ServiceContent member"),
        "{err}"
    );
}

/// `--check --against`: what each block disagrees with in the project's input, pinned per file.
#[test]
fn libvirt_inputs_against_the_project_input() {
    let reference_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator-input/esx_vi_generator.input");
    let Ok(reference) = std::fs::read_to_string(&reference_path) else {
        eprintln!("skipping: {} is absent", reference_path.display());
        return;
    };
    insta::glob!("data/libvirt/*.input", |path| {
        let input = std::fs::read_to_string(path).unwrap();
        let found =
            esx_vi_gen::check_against(&input, &name_of(path), &reference, "esx_vi_generator.input")
                .unwrap_or_else(|e| panic!("{e}"));
        let text = found.to_string();
        for kind in [
            "lacks",
            "is not described",
            "(ignored) here",
            "extends nothing",
        ] {
            assert!(text.contains(kind), "no `{kind}` in:\n{text}");
        }
        insta::assert_snapshot!(text);
    });
}

/// Each kind of disagreement, located at the line that has it.
#[test]
fn against_reports_each_kind_of_disagreement() {
    let reference = "\
enum Color\n    red\n    green\nend\n\
object Base\n    String id r\nend\n\
object Thing extends Base\n    String a r\n    Int b o\n    String c ol\nend\n\
object ServiceContent\n    ManagedObjectReference sessionManager o\nend\n\
method Login returns String r\n    ManagedObjectReference _this:sessionManager r\n    String user r\nend\n";
    let input = "\
enum Color\n    red\n    blue\nend\n\
object Thing\n    String id r\n    Int b r\n    String a r\n    Int c ol\n    Long z o\nend\n\
object Extra\nend\n\
object ServiceContent\n    ManagedObjectReference sessionManager o\nend\n\
method Login returns String o\n    ManagedObjectReference _this r\n    String user r\nend\n";
    let found = esx_vi_gen::check_against(input, "old.input", reference, "ref.input").unwrap();
    insta::assert_snapshot!(found.to_string());
}

/// The reference's own input agrees with itself; an invalid input is an error, not a report.
#[test]
fn against_itself_agrees_and_invalid_inputs_fail() {
    let input =
        std::fs::read_to_string(data_dir().join("esx_vi_generator-23247a1e.input")).unwrap();
    let found = esx_vi_gen::check_against(&input, "a.input", &input, "a.input").unwrap();
    assert!(found.is_empty(), "{found}");
    let err = esx_vi_gen::check_against("object A\n", "bad.input", &input, "a.input").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bad.input:1:1: unterminated block"),
        "{err}"
    );
}

/// Runs `command` to completion or kills it after `limit`; returns its status and output.
fn run_bounded(mut command: Command, limit: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("cargo.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("run cargo");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "cargo build did not finish in {limit:?}:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    (
        status.success(),
        std::fs::read_to_string(&log_path).unwrap_or_default(),
    )
}

/// `esx-vi-types` (generated code, runtime and SOAP layer) builds without warnings from each
/// libvirt input and from the smallest input (one enum): nothing hand-written assumes a type an
/// input lacks. Its own target directory keeps the workspace's build of the project input.
#[test]
fn esx_vi_types_builds_from_each_libvirt_input() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if !workspace.join("esx-vi-types/Cargo.toml").exists() {
        eprintln!("skipping: not in the workspace");
        return;
    }
    let target = workspace.join("target/libvirt-inputs");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut inputs = libvirt_inputs();
    inputs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/enum.input"));
    for input in inputs {
        let mut command = Command::new(&cargo);
        command
            .current_dir(&workspace)
            .args(["build", "--offline", "-p", "esx-vi-types"])
            .env("ESX_VI_TYPES_INPUT", &input)
            .env("CARGO_TARGET_DIR", &target);
        let started = Instant::now();
        // The first build compiles the dependencies into the new target directory (half a minute
        // on two cores); each further one rebuilds only esx-vi-types (seconds).
        let (ok, log) = run_bounded(command, Duration::from_secs(600));
        eprintln!(
            "{}: esx-vi-types built in {:.1?}",
            name_of(&input),
            started.elapsed()
        );
        assert!(
            ok,
            "esx-vi-types does not build from {}:\n{log}",
            input.display()
        );
        assert!(
            !log.contains("`esx-vi-types` (lib) generated"),
            "esx-vi-types warns when built from {}:\n{log}",
            input.display()
        );
    }
}

/// Mangled inputs (lines dropped, doubled or cut) compared with their original give a report or an
/// error, never a panic.
#[test]
fn against_mangled_inputs_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for entry in std::fs::read_dir(dir).unwrap() {
        let reference = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let lines: Vec<&str> = reference.lines().collect();
        for i in 0..lines.len() {
            let mut dropped = lines.clone();
            dropped.remove(i);
            let mut doubled = lines.clone();
            doubled.insert(i, lines[i]);
            let mut cut = lines.clone();
            cut[i] = &lines[i][..lines[i].len() / 2];
            for text in [dropped.join("\n"), doubled.join("\n"), cut.join("\n")] {
                let _ = esx_vi_gen::check_against(&text, "a.input", &reference, "ref.input");
                let _ = esx_vi_gen::check_against(&reference, "ref.input", &text, "a.input");
            }
        }
    }
}
