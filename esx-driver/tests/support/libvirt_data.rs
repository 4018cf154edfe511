//! libvirt's VMX conversion test data, kept in the repository under `tests/data/libvirt` (see its
//! README for provenance and the context libvirt's test programs use).
//!
//! Every accessor fails the test when the data is incomplete: each file `SOURCES.tsv` lists must
//! be present, each present file must be listed, every test must have both its sides, and the
//! number of pairs is pinned, so an emptied or half-copied directory cannot pass.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Which of libvirt's two conversion test suites.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Suite {
    /// `tests/vmx2xmldata`: a VMX file and the domain XML libvirt reads from it.
    Vmx2Xml,
    /// `tests/xml2vmxdata`: a domain XML file and the VMX libvirt writes for it.
    Xml2Vmx,
}

impl Suite {
    /// The folder under the data root, also the suite's name in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Suite::Vmx2Xml => "vmx2xml",
            Suite::Xml2Vmx => "xml2vmx",
        }
    }

    fn input_extension(self) -> &'static str {
        match self {
            Suite::Vmx2Xml => "vmx",
            Suite::Xml2Vmx => "xml",
        }
    }

    fn expected_extension(self) -> &'static str {
        match self {
            Suite::Vmx2Xml => "xml",
            Suite::Xml2Vmx => "vmx",
        }
    }

    /// How many tests the copy holds (the README lists the libvirt tests left out and why).
    fn pair_count(self) -> usize {
        match self {
            Suite::Vmx2Xml => 74,
            Suite::Xml2Vmx => 59,
        }
    }
}

/// One libvirt test: an input file and the output libvirt expects from it.
#[derive(Clone, Debug)]
pub(crate) struct Pair {
    /// The test name, the files' common stem (`esx-in-the-wild-1`).
    pub name: String,
    pub input: PathBuf,
    pub expected: PathBuf,
}

impl Pair {
    pub(crate) fn input_bytes(&self) -> Vec<u8> {
        read(&self.input)
    }

    pub(crate) fn input_text(&self) -> String {
        read_text(&self.input)
    }

    pub(crate) fn expected_text(&self) -> String {
        read_text(&self.expected)
    }
}

/// The root of the copied data, `esx-driver/tests/data/libvirt`.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/libvirt")
}

/// The suite's tests sorted by name, after checking the data against its manifest.
pub(crate) fn pairs(suite: Suite) -> Vec<Pair> {
    let dir = root().join(suite.name());
    let present = files_in(&dir);
    let listed = manifest_entries(suite);
    let unlisted: Vec<_> = present.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&present).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "{}: the data does not match SOURCES.tsv: missing {missing:?}, not listed {unlisted:?}",
        dir.display()
    );

    let stems: BTreeSet<&str> = present
        .iter()
        .map(|file| {
            file.rsplit_once('.')
                .map_or(file.as_str(), |(stem, _)| stem)
        })
        .collect();
    let mut pairs = Vec::new();
    for stem in stems {
        let input = format!("{stem}.{}", suite.input_extension());
        let expected = format!("{stem}.{}", suite.expected_extension());
        assert!(
            present.contains(&input) && present.contains(&expected),
            "{}: test {stem} needs both {input} and {expected}",
            dir.display()
        );
        pairs.push(Pair {
            name: stem.to_owned(),
            input: dir.join(input),
            expected: dir.join(expected),
        });
    }
    assert_eq!(
        pairs.len(),
        suite.pair_count(),
        "{}: expected libvirt's {} {} tests",
        dir.display(),
        suite.pair_count(),
        suite.name()
    );
    pairs
}

/// The file names in `dir` (not recursive).
fn files_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot list the libvirt test data {}: {err}", dir.display()))
        .map(|entry| {
            let entry = entry.unwrap_or_else(|err| panic!("listing {}: {err}", dir.display()));
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect()
}

/// The file names `SOURCES.tsv` lists for the suite (its first column is `SUITE/FILE`).
fn manifest_entries(suite: Suite) -> BTreeSet<String> {
    let manifest = read_text(&root().join("SOURCES.tsv"));
    let prefix = format!("{}/", suite.name());
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').next())
        .filter_map(|file| file.strip_prefix(&prefix))
        .map(str::to_owned)
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}
