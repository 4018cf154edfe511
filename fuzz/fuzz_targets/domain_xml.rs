//! libFuzzer target: domain XML parsed, formatted, parsed again (the same), written as VMX.
#![no_main]

use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};
use esx_driver::vmx::{domain_to_vmx, OfflineContext, NEWEST_HW_VERSION};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(domain) = parse_domain_xml(text) else {
        return;
    };
    let options = FormatOptions {
        secure: true,
        inactive: false,
    };
    let xml = format_domain_xml(&domain, options);
    let again = parse_domain_xml(&xml).expect("formatted XML parses");
    assert_eq!(format_domain_xml(&again, options), xml);
    let _ = domain_to_vmx(&domain, &OfflineContext::new(), NEWEST_HW_VERSION);
});
