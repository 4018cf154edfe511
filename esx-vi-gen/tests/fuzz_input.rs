//! The generator's input parser and model fuzzed as an ordinary test with a fixed budget
//! (`ESX_FUZZ_CASES` cases, default 500; a fiftieth of that on the full input): the fixtures and bad-input examples, mutated byte by
//! byte, are validated and, when valid, generated; the full libvirt input, mutated, is validated.
//! Nothing may panic, and every error has a location. Failures are kept in
//! `tests/fuzz_input.proptest-regressions`.

use std::path::Path;

use esx_tests::fuzz::{cases, mutate, Edit};
use proptest::prelude::*;

fn inputs(dir: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .expect("generator fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "input"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn small_seeds() -> Vec<Vec<u8>> {
    let mut seeds = inputs("fixtures");
    seeds.extend(inputs("errors"));
    assert!(seeds.len() > 20);
    seeds
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(500),
        max_shrink_iters: 2_000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fuzz_input.proptest-regressions"
            )),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn small_inputs_validate_or_fail_with_a_location(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(any::<Edit>(), 0..12),
    ) {
        let seeds = small_seeds();
        let bytes = mutate(&seeds[seed.index(seeds.len())], &edits);
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        match esx_vi_gen::validate(&text) {
            Ok(_) => {
                let generated = esx_vi_gen::generate(&text);
                prop_assert!(generated.is_ok(), "valid input does not generate: {:?}", generated.err());
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.contains(':'), "{}", message);
            }
        }
    }
}

proptest! {
    // Validating the whole 220 KB input takes 0.4 s in a debug build: a fiftieth of the cases.
    #![proptest_config(ProptestConfig { cases: cases(500) / 50 + 1, ..config() })]

    #[test]
    fn the_full_input_mutated_never_panics(edits in prop::collection::vec(any::<Edit>(), 1..6)) {
        let full = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../esx-vi-types/esx_vi_generator.input")).unwrap();
        let bytes = mutate(&full, &edits);
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = esx_vi_gen::validate(&text);
        }
    }
}
