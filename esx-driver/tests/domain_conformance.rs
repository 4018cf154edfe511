//! libvirt's own domain XML (its VMX conversion test data, read in place) through our parser
//! and formatter: libvirt's output must come back byte-identical, hand-written inputs must
//! survive a parse -> format -> parse round trip unchanged.

use std::fs;
use std::path::{Path, PathBuf};

use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};

fn conformance_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/libvirt");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: libvirt conformance data not found at {} (../shared is absent)",
            dir.display()
        );
        None
    }
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    files.sort();
    files
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(expected: &str, actual: &str) -> String {
    for (number, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  libvirt: {e}\n  ours:    {a}", number + 1);
        }
    }
    format!(
        "line counts differ: libvirt {} vs ours {}",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// libvirt's vmx2xml expected outputs are libvirt-formatted: formatting what we parse from
/// them must reproduce every byte (libvirt's test formats with VIR_DOMAIN_XML_SECURE).
#[test]
fn libvirt_output_reformats_byte_identical() {
    let Some(dir) = conformance_dir() else { return };
    let files = xml_files(&dir.join("vmx2xml"));
    assert!(!files.is_empty(), "no vmx2xml/*.xml files found");
    let options = FormatOptions {
        secure: true,
        inactive: false,
    };
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(file).expect("readable fixture");
        match parse_domain_xml(&text) {
            Err(err) => failures.push(format!("{name}: parse error: {err}")),
            Ok(domain) => {
                let formatted = format_domain_xml(&domain, options);
                if formatted != text {
                    failures.push(format!("{name}: {}", first_difference(&text, &formatted)));
                }
            }
        }
    }
    eprintln!(
        "vmx2xml: {} of {} libvirt outputs byte-identical after parse + format",
        files.len() - failures.len(),
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The xml2vmx inputs are hand-written: they must parse, and what we write for them must
/// parse back to the same model.
#[test]
fn handwritten_inputs_round_trip() {
    let Some(dir) = conformance_dir() else { return };
    let files = xml_files(&dir.join("xml2vmx"));
    assert!(!files.is_empty(), "no xml2vmx/*.xml files found");
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(file).expect("readable fixture");
        let domain = match parse_domain_xml(&text) {
            Ok(domain) => domain,
            Err(err) => {
                failures.push(format!("{name}: parse error: {err}"));
                continue;
            }
        };
        let formatted = format_domain_xml(
            &domain,
            FormatOptions {
                secure: true,
                inactive: true,
            },
        );
        match parse_domain_xml(&formatted) {
            Ok(again) if again == domain => {}
            Ok(again) => failures.push(format!(
                "{name}: the model changed in the round trip:\nbefore: {domain:#?}\nafter: {again:#?}"
            )),
            Err(err) => failures.push(format!("{name}: our output does not parse: {err}\n{formatted}")),
        }
    }
    eprintln!(
        "xml2vmx: {} of {} hand-written inputs round-trip",
        files.len() - failures.len(),
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
