//! Helpers shared by the VMX conversion tests: libvirt's test data, formatting, semantic XML and
//! VMX comparison.

#![allow(dead_code)]

pub(crate) mod libvirt_data;

use std::collections::BTreeMap;

use esx_driver::domain::{format_domain_xml, Domain, FormatOptions};

/// Formats a domain as libvirt's test programs do: inactive, with secrets.
pub(crate) fn format_secure(domain: &Domain) -> String {
    format_domain_xml(
        domain,
        FormatOptions {
            secure: true,
            inactive: true,
        },
    )
}

/// Compares two XML documents semantically (the domain module's comparison: attributes as a
/// set, whitespace-insensitive text, child order kept).
pub(crate) fn xml_differences(expected: &str, actual: &str) -> Option<String> {
    esx_driver::domain::xmltree::semantic_diff(expected, actual)
}

/// Reads VMX text into a map of lowercased key -> value (comments and blank lines ignored).
pub(crate) fn vmx_pairs(text: &str) -> Result<BTreeMap<String, String>, String> {
    let file = esx_driver::vmx::VmxFile::parse_str(text).map_err(|e| e.to_string())?;
    let mut pairs = BTreeMap::new();
    for (key, value) in file.entries() {
        pairs.insert(key.to_ascii_lowercase(), value.to_owned());
    }
    Ok(pairs)
}

/// Compares two VMX texts as key/value sets (keys case-insensitive).
///
/// MAC address values (`ethernetN.address`, `ethernetN.generatedAddress`) compare
/// case-insensitively: the conformance fixtures come from libvirt versions that wrote them in
/// upper case and versions that write them in lower case, and both mean the same address.
pub(crate) fn vmx_differences(expected: &str, actual: &str) -> Option<String> {
    let expected = match vmx_pairs(expected) {
        Ok(pairs) => pairs,
        Err(e) => return Some(format!("expected VMX does not parse: {e}")),
    };
    let actual = match vmx_pairs(actual) {
        Ok(pairs) => pairs,
        Err(e) => return Some(format!("actual VMX does not parse: {e}")),
    };
    let mut differences = Vec::new();
    for (key, value) in &expected {
        match actual.get(key) {
            None => differences.push(format!("missing {key} = \"{value}\"")),
            Some(found) if found == value => {}
            Some(found) if is_mac_key(key) && found.eq_ignore_ascii_case(value) => {}
            Some(found) => {
                differences.push(format!("{key}: expected \"{value}\", found \"{found}\""))
            }
        }
    }
    for (key, value) in &actual {
        if !expected.contains_key(key) {
            differences.push(format!("unexpected {key} = \"{value}\""));
        }
    }
    if differences.is_empty() {
        None
    } else {
        Some(differences.join("\n"))
    }
}

fn is_mac_key(key: &str) -> bool {
    key.starts_with("ethernet") && (key.ends_with(".address") || key.ends_with(".generatedaddress"))
}
