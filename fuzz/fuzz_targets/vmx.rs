//! libFuzzer target: a VMX file through the reader, the converter to domain XML and back.
#![no_main]

use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};
use esx_driver::vmx::{domain_to_vmx, vmx_to_domain, OfflineContext, VmxFile, NEWEST_HW_VERSION};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(vmx) = VmxFile::parse(data) else {
        return;
    };
    let context = OfflineContext::new().with_vmx_location("ds", "vm");
    let Ok(domain) = vmx_to_domain(&vmx, &context) else {
        return;
    };
    let xml = format_domain_xml(
        &domain,
        FormatOptions {
            secure: false,
            inactive: true,
        },
    );
    if let Ok(again) = parse_domain_xml(&xml) {
        let _ = domain_to_vmx(&again, &context, NEWEST_HW_VERSION);
    }
});
