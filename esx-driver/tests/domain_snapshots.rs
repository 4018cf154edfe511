//! Our own domain XML fixtures (tests/fixtures/domain/*.xml, one per element family), parsed
//! and formatted: the snapshots show exactly what libvirt-style output we write for them.

use std::fs;

use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};

const SECURE_INACTIVE: FormatOptions = FormatOptions {
    secure: true,
    inactive: true,
};

#[test]
fn formatted_fixtures() {
    insta::glob!("fixtures/domain/*.xml", |path| {
        let text = fs::read_to_string(path).expect("readable fixture");
        let domain =
            parse_domain_xml(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let formatted = format_domain_xml(&domain, SECURE_INACTIVE);
        insta::assert_snapshot!(formatted);
    });
}

/// What we write must read back to the same model, and writing it again changes nothing.
#[test]
fn fixtures_round_trip_and_format_is_stable() {
    insta::glob!("fixtures/domain/*.xml", |path| {
        let text = fs::read_to_string(path).expect("readable fixture");
        let domain = parse_domain_xml(&text).expect("fixture parses");
        let formatted = format_domain_xml(&domain, SECURE_INACTIVE);
        let again = parse_domain_xml(&formatted).expect("our output parses");
        pretty_assertions::assert_eq!(domain, again, "{}", path.display());
        pretty_assertions::assert_eq!(formatted, format_domain_xml(&again, SECURE_INACTIVE));
    });
}
