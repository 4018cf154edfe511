//! Runs libvirt's own VMX conversion test data through our converter, both directions.
//!
//! The data is a copy of libvirt's `tests/vmx2xmldata` and `tests/xml2vmxdata` kept in
//! `tests/data/libvirt` (LGPL-2.1-or-later, with its sources); a missing or unlisted file fails
//! the test. Its README gives the context libvirt's test programs use, reproduced by
//! [`vmx2xml_context`] and [`xml2vmx_context`].

mod support;

use esx_driver::domain::parse_domain_xml;
use esx_driver::vmx::{domain_to_vmx, vmx_to_domain, OfflineContext, ScsiControllerModel, VmxFile};
use support::libvirt_data::{self, Pair, Suite};

/// Pairs known not to pass yet, with the reason. Kept empty: every pair passes.
const KNOWN_FAILING: &[(&str, &str)] = &[];

/// libvirt's vmx2xml test context: VMX files live in `[datastore] directory`, the datastore
/// `missing` does not exist, and only the `datacenterpath` test supplies a datacenter path.
fn vmx2xml_context(name: &str) -> OfflineContext {
    let ctx = OfflineContext::new()
        .with_vmx_location("datastore", "directory")
        .with_unavailable_datastore("missing")
        .with_scsi_controller_model(ScsiControllerModel::LsiLogic);
    if name == "datacenterpath" {
        ctx.with_datacenter_path("folder1/folder2/datacenter1")
    } else {
        ctx
    }
}

/// libvirt's xml2vmx test context: relative paths are errors, SCSI auto-detection answers
/// `lsilogic`.
fn xml2vmx_context() -> OfflineContext {
    OfflineContext::new()
        .rejecting_relative_paths()
        .with_scsi_controller_model(ScsiControllerModel::LsiLogic)
}

/// The `virtualHW.version` libvirt's xml2vmx test passes for each test.
fn xml2vmx_hw_version(name: &str) -> u32 {
    match name {
        "serial-network-client" | "serial-network-server" => 7,
        "ws-in-the-wild-1" | "ws-in-the-wild-2" => 8,
        "fusion-in-the-wild-1" => 9,
        "esx-in-the-wild-9" => 10,
        _ => 4,
    }
}

fn vmx2xml_one(pair: &Pair) -> Result<(), String> {
    let expected = pair.expected_text();
    let vmx =
        VmxFile::parse(&pair.input_bytes()).map_err(|e| format!("VMX does not parse: {e}"))?;
    let domain = vmx_to_domain(&vmx, &vmx2xml_context(&pair.name))
        .map_err(|e| format!("conversion failed: {e}"))?;
    let actual = support::format_secure(&domain);
    match support::xml_differences(&expected, &actual) {
        None => Ok(()),
        Some(diff) => Err(format!("{diff}\n--- produced XML:\n{actual}")),
    }
}

fn xml2vmx_one(pair: &Pair) -> Result<(), String> {
    let expected = pair.expected_text();
    let domain =
        parse_domain_xml(&pair.input_text()).map_err(|e| format!("XML does not parse: {e}"))?;
    let vmx = domain_to_vmx(&domain, &xml2vmx_context(), xml2vmx_hw_version(&pair.name))
        .map_err(|e| format!("conversion failed: {e}"))?;
    let actual = vmx.to_text();
    match support::vmx_differences(&expected, &actual) {
        None => Ok(()),
        Some(diff) => Err(format!("{diff}\n--- produced VMX:\n{actual}")),
    }
}

fn run_all(suite: Suite, one: fn(&Pair) -> Result<(), String>) {
    let direction = suite.name();
    let pairs = libvirt_data::pairs(suite);
    let mut failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    for pair in &pairs {
        let name = &pair.name;
        let known = KNOWN_FAILING
            .iter()
            .find(|(n, _)| *n == format!("{direction}/{name}"));
        match (one(pair), known) {
            (Ok(()), None) => {}
            (Ok(()), Some(_)) => unexpected_passes.push(name.clone()),
            (Err(_), Some((_, reason))) => {
                eprintln!("{direction}/{name}: known failure ({reason})")
            }
            (Err(error), None) => failures.push(format!("{direction}/{name}:\n{error}")),
        }
    }
    eprintln!(
        "{direction}: {} of {} pairs pass",
        pairs.len() - failures.len(),
        pairs.len()
    );
    for failure in &failures {
        eprintln!("FAIL {failure}\n");
    }
    assert!(
        unexpected_passes.is_empty(),
        "{direction}: remove these from KNOWN_FAILING, they pass now: {unexpected_passes:?}"
    );
    assert!(
        failures.is_empty(),
        "{direction}: {} of {} pairs fail (details above)",
        failures.len(),
        pairs.len()
    );
}

#[test]
fn libvirt_vmx2xml_pairs_convert_like_libvirt() {
    run_all(Suite::Vmx2Xml, vmx2xml_one);
}

#[test]
fn libvirt_xml2vmx_pairs_convert_like_libvirt() {
    run_all(Suite::Xml2Vmx, xml2vmx_one);
}

/// Inputs whose domain changes on the first VMX -> XML -> VMX trip, and why. Their second trip
/// must be stable.
const ROUND_TRIP_NORMALIZED: &[(&str, &str)] = &[
    (
        "esx-in-the-wild-8",
        "libvirt writes checkMACAddress = \"false\" for a static MAC outside VMware's ranges, \
         which reads back as check='no'",
    ),
    (
        "esx-in-the-wild-14",
        "libvirt writes checkMACAddress = \"false\" for a static MAC outside VMware's ranges, \
         which reads back as check='no'",
    ),
];

/// Inputs a new VMX file cannot be written from, and why (`update_vmx` handles them).
const ROUND_TRIP_UNWRITABLE: &[(&str, &str)] = &[(
    "esx-in-the-wild-13",
    "vSPC serial ports read as <serial type='null'>, which libvirt cannot write either",
)];

/// VMX -> domain -> XML text -> domain -> VMX -> domain -> XML: returns both XML texts.
fn round_trip(name: &str, vmx_bytes: &[u8]) -> Result<(String, String), String> {
    let ctx = vmx2xml_context(name);
    let vmx = VmxFile::parse(vmx_bytes).map_err(|e| e.to_string())?;
    let hw = vmx
        .get("virtualHW.version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let first = vmx_to_domain(&vmx, &ctx).map_err(|e| e.to_string())?;
    let xml = support::format_secure(&first);
    let reparsed = parse_domain_xml(&xml).map_err(|e| format!("our XML does not parse: {e}"))?;
    let written = domain_to_vmx(&reparsed, &ctx, hw).map_err(|e| format!("writing VMX: {e}"))?;
    let reread = VmxFile::parse(&written.to_bytes()).map_err(|e| format!("our VMX: {e}"))?;
    let second = vmx_to_domain(&reread, &ctx)
        .map_err(|e| format!("reading the written VMX: {e}\n{written}"))?;
    Ok((xml, support::format_secure(&second)))
}

/// Every libvirt VMX input survives VMX -> XML -> VMX -> XML with the same domain.
#[test]
fn libvirt_vmx_inputs_round_trip_through_xml() {
    let mut failures = Vec::new();
    for pair in libvirt_data::pairs(Suite::Vmx2Xml) {
        let name = &pair.name;
        let bytes = pair.input_bytes();
        let unwritable = ROUND_TRIP_UNWRITABLE.iter().any(|(n, _)| *n == name);
        let normalized = ROUND_TRIP_NORMALIZED.iter().any(|(n, _)| *n == name);
        match round_trip(name, &bytes) {
            Err(error) if unwritable && error.contains("serial port") => {}
            Err(error) => failures.push(format!("{name}: {error}")),
            Ok(_) if unwritable => failures.push(format!(
                "{name}: now writable, remove it from ROUND_TRIP_UNWRITABLE"
            )),
            Ok((first, second)) => match support::xml_differences(&first, &second) {
                None if normalized => failures.push(format!(
                    "{name}: now stable, remove it from ROUND_TRIP_NORMALIZED"
                )),
                None => {}
                Some(_) if normalized => {
                    // The normalized domain must be a fixed point.
                    let written = domain_to_vmx(
                        &parse_domain_xml(&second).unwrap(),
                        &vmx2xml_context(name),
                        VmxFile::parse(&bytes)
                            .unwrap()
                            .get("virtualHW.version")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(4),
                    )
                    .unwrap();
                    match round_trip(name, &written.to_bytes()) {
                        Ok((a, b)) if support::xml_differences(&a, &b).is_none() => {}
                        Ok((a, b)) => failures.push(format!(
                            "{name}: not stable after normalization:\n{}",
                            support::xml_differences(&a, &b).unwrap_or_default()
                        )),
                        Err(e) => failures.push(format!("{name}: second trip failed: {e}")),
                    }
                }
                Some(diff) => failures.push(format!("{name}: domain changed:\n{diff}")),
            },
        }
    }
    for failure in &failures {
        eprintln!("{failure}\n");
    }
    assert!(failures.is_empty(), "{} round trips failed", failures.len());
}

/// The comparisons this test relies on do see differences.
#[test]
fn comparisons_detect_differences() {
    let a = "<domain type='vmware'><name>a</name><devices><disk device='disk'/></devices></domain>";
    let b =
        "<domain type='vmware'><name>a</name><devices><disk device='cdrom'/></devices></domain>";
    let c = "<domain type='vmware'><name>a</name><devices/></domain>";
    assert!(support::xml_differences(a, a).is_none());
    assert!(support::xml_differences(a, b).is_some());
    assert!(support::xml_differences(a, c).is_some());
    assert!(support::vmx_differences("A = \"1\"\n", "a = \"1\"\n").is_none());
    assert!(support::vmx_differences("a = \"1\"\n", "a = \"2\"\n").is_some());
    assert!(support::vmx_differences("a = \"1\"\n", "a = \"1\"\nb = \"2\"\n").is_some());
    assert!(support::vmx_differences("a = \"1\"\nb = \"2\"\n", "a = \"1\"\n").is_some());
}

/// Every libvirt VMX input writes back byte for byte, and applying its own domain to it changes
/// nothing (`update_vmx`), so editing a domain only touches what was edited.
#[test]
fn libvirt_vmx_inputs_are_unchanged_by_updating_with_their_own_domain() {
    let mut failures = Vec::new();
    for pair in libvirt_data::pairs(Suite::Vmx2Xml) {
        let name = &pair.name;
        let ctx = vmx2xml_context(name);
        let bytes = pair.input_bytes();
        let base = VmxFile::parse(&bytes).unwrap();
        if base.to_bytes() != bytes {
            failures.push(format!("{name}: reading and writing changed the bytes"));
            continue;
        }
        let domain = vmx_to_domain(&base, &ctx).unwrap();
        match esx_driver::vmx::update_vmx(&base, &domain, &ctx) {
            Ok(updated) if updated.to_bytes() == bytes => {}
            Ok(updated) => failures.push(format!(
                "{name}: changed:\n{}",
                support::vmx_differences(&base.to_text(), &updated.to_text())
                    .unwrap_or_else(|| "(only spelling or order)".to_owned())
            )),
            Err(e) => failures.push(format!("{name}: update failed: {e}")),
        }
    }
    for failure in &failures {
        eprintln!("{failure}\n");
    }
    assert!(failures.is_empty(), "{} files changed", failures.len());
}
