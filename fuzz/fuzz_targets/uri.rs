//! libFuzzer target: connection and migration URIs; the canonical form parses to itself.
#![no_main]

use esx_driver::uri::{ConnectUri, MigrationUri};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(uri) = ConnectUri::parse(&text) {
        let canonical = uri.to_string();
        let again = ConnectUri::parse(&canonical).expect("canonical URI parses");
        assert_eq!(again.to_string(), canonical);
    }
    if let Ok(migration) = MigrationUri::parse(&text) {
        assert_eq!(
            MigrationUri::parse(&migration.to_string()).ok(),
            Some(migration)
        );
    }
});
