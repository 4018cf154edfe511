//! libvirt's own domain XML (its VMX conversion test data, copied into `tests/data/libvirt`)
//! through our parser and formatter: libvirt's output must come back byte-identical, hand-written
//! inputs must survive a parse -> format -> parse round trip unchanged.

mod support;

use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};
use support::libvirt_data::{self, Suite};

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
    // The expected outputs of the vmx2xml suite.
    let pairs = libvirt_data::pairs(Suite::Vmx2Xml);
    let options = FormatOptions {
        secure: true,
        inactive: false,
    };
    let mut failures = Vec::new();
    for pair in &pairs {
        let name = &pair.name;
        let text = pair.expected_text();
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
        pairs.len() - failures.len(),
        pairs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The xml2vmx inputs are hand-written: they must parse, and what we write for them must
/// parse back to the same model.
#[test]
fn handwritten_inputs_round_trip() {
    // The inputs of the xml2vmx suite.
    let pairs = libvirt_data::pairs(Suite::Xml2Vmx);
    let mut failures = Vec::new();
    for pair in &pairs {
        let name = &pair.name;
        let text = pair.input_text();
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
        pairs.len() - failures.len(),
        pairs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
