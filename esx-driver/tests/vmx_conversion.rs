//! The project's own VMX conversion fixtures: every feature in both directions, reviewed as insta
//! snapshots, plus round trips VMX -> XML -> VMX and the error messages users see.

mod support;

use std::path::Path;

use esx_driver::domain::parse_domain_xml;
use esx_driver::vmx::{
    domain_to_vmx, update_vmx, vmx_to_domain, OfflineContext, ScsiControllerModel, VmxFile,
};

/// Where the fixtures' VMX files live, the datastore that is offline, SCSI auto-detection,
/// and (for `vcenter-*` fixtures) a datacenter path.
fn context(name: &str) -> OfflineContext {
    let ctx = OfflineContext::new()
        .with_vmx_location("datastore1", "web-01")
        .with_unavailable_datastore("offline-ds")
        .with_scsi_controller_model(ScsiControllerModel::LsiLogic);
    if name.starts_with("vcenter-") {
        ctx.with_datacenter_path("Lab/Datacenters/dc-east")
    } else {
        ctx
    }
}

fn fixture_name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// `-hwN` in a fixture name selects the virtualHW.version written; the newest otherwise.
fn hw_version(name: &str) -> u32 {
    name.rsplit_once("-hw")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(esx_driver::vmx::NEWEST_HW_VERSION)
}

fn vmx_file_to_xml(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let vmx = VmxFile::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let domain = vmx_to_domain(&vmx, &context(&fixture_name(path)))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    support::format_secure(&domain)
}

#[test]
fn vmx_fixtures_convert_to_domain_xml() {
    insta::glob!("fixtures/vmx/*.vmx", |path| {
        insta::assert_snapshot!(vmx_file_to_xml(path));
    });
}

#[test]
fn xml_fixtures_convert_to_vmx() {
    insta::glob!("fixtures/xml/*.xml", |path| {
        let name = fixture_name(path);
        let xml = std::fs::read_to_string(path).unwrap();
        let domain = parse_domain_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let vmx = domain_to_vmx(&domain, &context(&name), hw_version(&name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(vmx.to_text());
    });
}

/// Fixtures whose domain changes once on the first round trip, and why.
const NORMALIZED_ON_FIRST_TRIP: &[(&str, &str)] = &[
    (
        "network-legacy-mac",
        "a MAC address without ethernetN.addressType is written with the type libvirt infers \
         from its prefix (00:0c:29: generated), which then reads back as type='generated'",
    ),
    (
        "vcenter-datacenter",
        "a file with vc.uuid but no uuid.bios gets uuid.bios = <uuid> (as libvirt writes \
         <uuid>), which then reads back as <hwuuid>",
    ),
];

/// VMX -> XML -> VMX -> XML gives the same domain for every fixture, and the VMX written the
/// second time is the one written the first time.
#[test]
fn vmx_fixtures_round_trip_through_xml() {
    insta::glob!("fixtures/vmx/*.vmx", |path| {
        let name = fixture_name(path);
        let ctx = context(&name);
        let bytes = std::fs::read(path).unwrap();
        let original = VmxFile::parse(&bytes).unwrap();
        let hw = original
            .get("virtualHW.version")
            .and_then(|v| v.parse().ok())
            .unwrap();
        let xml = vmx_file_to_xml(path);
        let domain = parse_domain_xml(&xml).unwrap();
        let written = match domain_to_vmx(&domain, &ctx, hw) {
            Ok(vmx) => vmx,
            // A vSPC serial port reads as type 'null', which no new file can hold.
            Err(e) if name == "serial-network" => {
                assert!(e.to_string().contains("'null' for serial port 3"), "{e}");
                return;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let again = vmx_to_domain(&VmxFile::parse(&written.to_bytes()).unwrap(), &ctx).unwrap();
        let xml_again = support::format_secure(&again);
        let normalized = NORMALIZED_ON_FIRST_TRIP.iter().any(|(n, _)| *n == name);
        match support::xml_differences(&xml, &xml_again) {
            Some(diff) if !normalized => {
                panic!("{name}: the domain changed on the round trip:\n{diff}\n{written}")
            }
            None if normalized => {
                panic!("{name}: stable now, remove from NORMALIZED_ON_FIRST_TRIP")
            }
            _ => {}
        }
        let written_again =
            domain_to_vmx(&parse_domain_xml(&xml_again).unwrap(), &ctx, hw).unwrap();
        assert_eq!(written.to_text(), written_again.to_text(), "{name}");
        let stable = vmx_to_domain(&written_again, &ctx).unwrap();
        assert_eq!(
            support::format_secure(&stable),
            xml_again,
            "{name}: not a fixed point"
        );
    });
}

/// Updating a fixture with its own domain gives back the same bytes, and an edited domain
/// changes only what was edited while every unknown entry stays.
#[test]
fn updating_keeps_unknown_entries_and_bytes() {
    insta::glob!("fixtures/vmx/*.vmx", |path| {
        let name = fixture_name(path);
        let ctx = context(&name);
        let bytes = std::fs::read(path).unwrap();
        let base = VmxFile::parse(&bytes).unwrap();
        let domain = vmx_to_domain(&base, &ctx).unwrap();
        let updated = update_vmx(&base, &domain, &ctx).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&updated.to_bytes()),
            String::from_utf8_lossy(&bytes),
            "{name}: an unchanged domain changed the file"
        );
    });
}

#[test]
fn updating_an_edited_domain_touches_only_the_edit() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vmx/general.vmx");
    let ctx = context("general");
    let base = VmxFile::parse(&std::fs::read(&path).unwrap()).unwrap();
    let mut domain = vmx_to_domain(&base, &ctx).unwrap();
    domain.name = "web-02".to_owned();
    domain.memory.total_kib = 8 * 1024 * 1024;
    domain.memory.current_kib = 8 * 1024 * 1024;
    domain.devices.graphics.clear();
    let updated = update_vmx(&base, &domain, &ctx).unwrap();
    let diff = support::vmx_differences(&base.to_text(), &updated.to_text()).unwrap();
    insta::assert_snapshot!(diff);
    // Unknown entries keep their place and spelling.
    let text = updated.to_text();
    assert!(text.starts_with("#!/usr/bin/vmx\n# Identity"));
    assert!(text.contains("memSize = \"8192\"\n"));
    assert!(text.contains("tools.syncTime = \"FALSE\"\n"));
    assert!(text.contains("uuid.location = "));
}

#[test]
fn windows_1252_files_read_and_write_back_in_their_encoding() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vmx/encoding-windows-1252.vmx");
    let bytes = std::fs::read(&path).unwrap();
    let vmx = VmxFile::parse(&bytes).unwrap();
    assert_eq!(vmx.get("displayName"), Some("Café € server"));
    assert_eq!(vmx.to_bytes(), bytes);
    let domain = vmx_to_domain(&vmx, &context("encoding")).unwrap();
    let mut edited = domain.clone();
    edited.description = Some("Straße, «quoted» — ok".to_owned());
    let updated = update_vmx(&vmx, &edited, &context("encoding")).unwrap();
    // Every character has a windows-1252 byte ("—" is 0x97): the file keeps its encoding.
    let written = updated.to_bytes();
    assert!(written.starts_with(b".encoding = \"windows-1252\"\r\n"));
    assert!(written.ends_with(b"annotation = \"Stra\xdfe, \xabquoted\xbb \x97 ok\"\r\n"));
    edited.description = Some("中文".to_owned());
    let updated = update_vmx(&vmx, &edited, &context("encoding")).unwrap();
    let text = String::from_utf8(updated.to_bytes()).expect("switched to UTF-8");
    assert!(text.contains(".encoding = \"UTF-8\""));
    assert!(text.contains("annotation = \"中文\""));
}

/// One line per bad VMX fixture: the message a user gets.
#[test]
fn vmx_errors_name_the_entry_and_what_was_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vmx-errors");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut report = String::new();
    for path in names {
        let name = fixture_name(&path);
        let bytes = std::fs::read(&path).unwrap();
        let result = VmxFile::parse(&bytes).and_then(|vmx| vmx_to_domain(&vmx, &context(&name)));
        match result {
            Ok(_) => panic!("{name}: converted without error"),
            Err(e) => report.push_str(&format!("{name}: {e}\n")),
        }
    }
    insta::assert_snapshot!(report);
}

/// One line per domain VMware cannot hold: the message a user gets.
#[test]
fn domain_errors_name_the_element_and_what_was_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xml-errors");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let ctx = OfflineContext::new().rejecting_relative_paths();
    let mut report = String::new();
    for path in names {
        let name = fixture_name(&path);
        let xml = std::fs::read_to_string(&path).unwrap();
        let hw = if name.ends_with("hw4") { 4 } else { 21 };
        let message = match parse_domain_xml(&xml) {
            Err(e) => format!("(XML) {e}"),
            Ok(domain) => match domain_to_vmx(&domain, &ctx, hw) {
                Ok(vmx) => panic!("{name}: converted without error:\n{vmx}"),
                Err(e) => e.to_string(),
            },
        };
        report.push_str(&format!("{name}: {message}\n"));
    }
    insta::assert_snapshot!(report);
}

/// Odd values in every entry of every fixture never make the conversion panic: each attempt
/// either converts (and then converts back and updates without panicking) or reports an error.
#[test]
fn odd_values_give_errors_not_panics() {
    const ODD_VALUES: &[&str] = &[
        "",
        "-1",
        "0",
        "99999999999999999999",
        "4294967296",
        "|",
        "%",
        "|zz",
        "true",
        "FALSE",
        "auto detect",
        "x.iso",
        "x.vmdk",
        "/vmfs/volumes/",
        "/vmfs/volumes/ds",
        "tcp://:0",
        "telnet://[::1",
        "ssl://h:70000",
        "[ds]",
        "emptyBackingString",
        "00:00:00:00:00:00:00",
        "ä€\u{1F600}",
        "unlimited",
        "0,0,0,99999",
        "scsi-passthru",
        "cdrom-raw",
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vmx");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut attempts = 0;
    for path in files {
        let name = fixture_name(&path);
        let ctx = context(&name);
        let base = VmxFile::parse(&std::fs::read(&path).unwrap()).unwrap();
        let keys: Vec<String> = base.entries().map(|(k, _)| k.to_owned()).collect();
        for key in &keys {
            for value in ODD_VALUES {
                let mut vmx = base.clone();
                vmx.set(key, value);
                attempts += 1;
                if let Ok(domain) = vmx_to_domain(&vmx, &ctx) {
                    let _ = domain_to_vmx(&domain, &ctx, 21);
                    let _ = update_vmx(&vmx, &domain, &ctx);
                    let _ = support::format_secure(&domain);
                }
            }
        }
    }
    assert!(attempts > 5000, "only {attempts} attempts");
}

/// Removing a NIC from the domain removes that NIC from the file; the others keep their
/// numbers and their own entries (PCI slots...), found by MAC address. A new NIC takes a free
/// number.
#[test]
fn updating_nics_keeps_each_nic_in_its_slot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vmx/network.vmx");
    let ctx = context("network");
    let base = VmxFile::parse(&std::fs::read(&path).unwrap()).unwrap();
    let mut domain = vmx_to_domain(&base, &ctx).unwrap();
    // Drop the second NIC (ethernet1) and add one at the end.
    domain.devices.interfaces.remove(1);
    let mut added = domain.devices.interfaces[0].clone();
    added.source.bridge = Some("New".to_owned());
    added.mac = None;
    domain.devices.interfaces.push(added);
    let updated = update_vmx(&base, &domain, &ctx).unwrap();
    let diff = support::vmx_differences(&base.to_text(), &updated.to_text()).unwrap();
    insta::assert_snapshot!(diff);
    assert_eq!(updated.get("ethernet0.pciSlotNumber"), Some("32"));
    assert_eq!(updated.get("ethernet2.connectionType"), Some("nat"));
    assert_eq!(updated.get("ethernet1.present"), None);
}
