//! libFuzzer target: a SOAP response decoded as each type family the client reads.
#![no_main]

use std::convert::Infallible;

use esx_vi::types::soap;
use esx_vi::types::{RetrieveResult, ServiceContent, UpdateSet, VirtualMachineProperties};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = soap::parse_fault(data);
    let _ =
        soap::decode_required::<ServiceContent, Infallible>(data, "RetrieveServiceContentResponse");
    if let Ok(Some(result)) =
        soap::decode_optional::<RetrieveResult, Infallible>(data, "RetrievePropertiesExResponse")
    {
        for object in result.objects {
            let _ = VirtualMachineProperties::try_from(object);
        }
    }
    let _ = soap::decode_optional::<UpdateSet, Infallible>(data, "WaitForUpdatesExResponse");
});
