//! libFuzzer target: libvirt's auth.conf format and its lookups.
#![no_main]

use esx_driver::auth::AuthConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = AuthConfig::parse("auth.conf", text) {
        let _ = config.lookup("esx", "host", "password");
        let _ = config.credentials_for(&["vpx", "esx"], "host");
    }
});
