//! libFuzzer target: the generator's input grammar and model (and emission of a valid input).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if esx_vi_gen::validate(text).is_ok() {
        esx_vi_gen::generate(text).expect("a valid input generates");
    }
});
