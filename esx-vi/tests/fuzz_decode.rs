//! The SOAP decoder fuzzed as an ordinary test with a fixed budget (`ESX_FUZZ_CASES` cases,
//! default 1,000): recorded responses of every type family the client reads (ServiceContent,
//! RetrievePropertiesEx results full of `AnyValue`s in both wire styles, faults with typed
//! detail, WaitForUpdatesEx updates with a TaskInfo), mutated byte by byte and decoded as each.
//! Nothing may panic. Failures are kept in `tests/fuzz_decode.proptest-regressions`.

use std::convert::Infallible;
use std::path::Path;

use esx_tests::fuzz::{cases, mutate, Edit};
use esx_vi::types::soap::{self, MethodError};
use esx_vi::types::{
    AnyValue, ObjectContent, RetrieveResult, ServiceContent, TaskProperties, UpdateSet,
    VirtualMachineProperties,
};
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/soap");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .expect("SOAP fixtures")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn use_object(content: ObjectContent) {
    for prop in &content.prop_set {
        let _ = format!("{:?}", prop.val);
    }
    if let Ok(vm) = VirtualMachineProperties::try_from(content.clone()) {
        for path in [
            "name",
            "runtime.powerState",
            "config.hardware.device",
            "runtime.question",
        ] {
            let _ = vm.path(path);
        }
    }
    let _ = TaskProperties::try_from(content);
}

/// Every decoder the client uses, on one envelope.
fn decode_all(envelope: &[u8]) {
    if let Ok(Some(fault)) = soap::parse_fault(envelope) {
        let _ = fault.fault_type_name();
        let _ = esx_vi::Error::from_method("Fuzz", MethodError::Fault(fault)).to_string();
    }
    let _ = soap::decode_required::<ServiceContent, Infallible>(
        envelope,
        "RetrieveServiceContentResponse",
    );
    if let Ok(Some(result)) = soap::decode_optional::<RetrieveResult, Infallible>(
        envelope,
        "RetrievePropertiesExResponse",
    ) {
        result.objects.into_iter().for_each(use_object);
    }
    if let Ok(Some(update)) =
        soap::decode_optional::<UpdateSet, Infallible>(envelope, "WaitForUpdatesExResponse")
    {
        for filter in update.filter_set {
            for object in filter.object_set {
                for change in object.change_set {
                    if let Some(AnyValue::TaskInfo(info)) = change.val {
                        let _ = format!("{:?} {:?}", info.state, info.error);
                    }
                }
            }
        }
    }
}

#[test]
fn the_seeds_decode_as_what_they_are() {
    let seeds = seeds();
    assert_eq!(seeds.len(), 6);
    for seed in &seeds {
        decode_all(seed);
    }
    let text = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/soap")
                .join(name),
        )
        .unwrap()
    };
    let result = soap::decode_optional::<RetrieveResult, Infallible>(
        &text("retrieve-properties.xml"),
        "RetrievePropertiesExResponse",
    )
    .unwrap()
    .unwrap();
    assert_eq!(result.objects.len(), 2);
    assert_eq!(result.token.as_deref(), Some("tok-1"));
    let fault = soap::parse_fault(&text("fault-invalid-argument.xml"))
        .unwrap()
        .unwrap();
    assert_eq!(fault.fault_type_name(), Some("InvalidArgument"));
    let update = soap::decode_optional::<UpdateSet, Infallible>(
        &text("wait-for-updates.xml"),
        "WaitForUpdatesExResponse",
    )
    .unwrap()
    .unwrap();
    let change = &update.filter_set[0].object_set[0].change_set[0];
    assert!(
        matches!(&change.val, Some(AnyValue::TaskInfo(_))),
        "{change:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(1_000),
        max_shrink_iters: 2_000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fuzz_decode.proptest-regressions"
            )),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn soap_decoder_for_every_type_family(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(any::<Edit>(), 0..12),
    ) {
        let seeds = seeds();
        decode_all(&mutate(&seeds[seed.index(seeds.len())], &edits));
    }
}
