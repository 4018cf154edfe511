//! Fuzz tests run as ordinary tests with a fixed budget (`ESX_FUZZ_CASES` cases per target,
//! default 1,000): the fixtures, mutated byte by byte, through the VMX reader and converter, the
//! domain XML parser and VMX writer, the auth.conf parser and the URI parser. Nothing may panic;
//! where a value is accepted, writing it back and reading it again must agree. A failing input is
//! kept by proptest in `tests/fuzz.proptest-regressions` (commit it: it is replayed first from then
//! on).

use std::path::Path;

use esx_driver::auth::AuthConfig;
use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};
use esx_driver::uri::{ConnectUri, MigrationUri};
use esx_driver::vmx::{domain_to_vmx, update_vmx, vmx_to_domain, OfflineContext, VmxFile};
use esx_tests::fuzz::{cases, mutate, Edit};
use proptest::prelude::*;

fn fixtures(dir: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no fixtures in {}", root.display());
    seeds
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((any::<u8>(), any::<u32>(), any::<u8>()), 0..12)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(1_000),
        // Shrinking a failure is worth it, but must not run away.
        max_shrink_iters: 2_000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fuzz.proptest-regressions"
            )),
        )),
        ..ProptestConfig::default()
    }
}

/// A VMX file converted to domain XML, back to VMX, and updated: never a panic.
fn vmx_round(bytes: &[u8]) {
    let Ok(vmx) = VmxFile::parse(bytes) else {
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
    // As libvirt's, the converter may produce XML its parser refuses (a VMX without
    // displayName gives an empty <name>): only what parses goes on.
    let Ok(reparsed) = parse_domain_xml(&xml) else {
        return;
    };
    if let Ok(written) = domain_to_vmx(&reparsed, &context, esx_driver::vmx::NEWEST_HW_VERSION) {
        let _ = VmxFile::parse(&written.to_bytes()).expect("written VMX parses");
    }
    let _ = update_vmx(&vmx, &reparsed, &context);
}

/// Domain XML parsed, formatted, parsed again (the same), and written as VMX: never a panic.
fn domain_round(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
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
    let again = parse_domain_xml(&xml).unwrap_or_else(|e| {
        panic!("formatted XML does not parse: {e}\n{xml}\nfrom input:\n{text:?}")
    });
    assert_eq!(format_domain_xml(&again, options), xml, "format is stable");
    let _ = domain_to_vmx(
        &domain,
        &OfflineContext::new(),
        esx_driver::vmx::NEWEST_HW_VERSION,
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn vmx_reader_and_converter(seed in any::<prop::sample::Index>(), edits in edits()) {
        let seeds = fixtures("vmx");
        vmx_round(&mutate(&seeds[seed.index(seeds.len())], &edits));
    }

    #[test]
    fn domain_xml_parser_and_vmx_writer(seed in any::<prop::sample::Index>(), edits in edits()) {
        let seeds = fixtures("domain");
        domain_round(&mutate(&seeds[seed.index(seeds.len())], &edits));
    }

    #[test]
    fn auth_conf_parser(seed in any::<prop::sample::Index>(), edits in edits()) {
        let seeds = [
            b"[credentials-dev]\nusername=joe\npassword=hello\n\n[auth-esx-esx1.example.com]\ncredentials=dev\n\n[auth-esx-default]\ncredentials=dev\n".to_vec(),
            b"# comment\n; other\n[auth-vpx-vc]\ncredentials=x\n[credentials-x]\npassword=p w\n".to_vec(),
        ];
        let bytes = mutate(&seeds[seed.index(seeds.len())], &edits);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Ok(config) = AuthConfig::parse("auth.conf", text) {
                for host in ["esx1.example.com", "vc", "other"] {
                    let _ = config.lookup("esx", host, "password");
                    let _ = config.credentials_for(&["vpx", "esx"], host);
                }
                // Values (the password) never show; a mutation may have made it a group name.
                if !config.group_names().any(|g| g.contains("hello")) {
                    let shown = format!("{config:?}");
                    prop_assert!(!shown.contains("hello"), "{}", shown);
                }
            }
        }
    }

    #[test]
    fn connection_and_migration_uris(seed in any::<prop::sample::Index>(), edits in edits()) {
        let seeds: [&[u8]; 6] = [
            b"esx://root@esx1.example.com:443/?no_verify=1&transport=https",
            b"vpx://administrator%40vsphere.local@vc/Folder/DC1/Cluster%201/host-1?proxy=socks5://[::1]:1080",
            b"gsx://[fe80::1%25eth0]:8333/?thumbprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
            b"esx://h/?vcenter=*&auto_answer=1&cacert=/etc/ca.pem&authfile=/a.conf#frag",
            b"vpxmigr://10.0.0.5/resgroup-8/host-21",
            b"esx://root:secret@h/",
        ];
        let bytes = mutate(seeds[seed.index(seeds.len())], &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(uri) = ConnectUri::parse(&text) {
            let canonical = uri.to_string();
            prop_assert!(!canonical.chars().any(char::is_control), "{:?}", canonical);
            let again = ConnectUri::parse(&canonical)
                .unwrap_or_else(|e| panic!("{canonical:?} (from {text:?}) does not parse: {e}"));
            prop_assert_eq!(again.to_string(), canonical);
            let _ = uri.sdk_url();
        } else if let Err(e) = ConnectUri::parse(&text) {
            let message = e.to_string();
            // While it is still written as a password (`:secret@` in the server part), it is
            // never shown.
            let authority = text
                .split_once("//")
                .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(rest))
                .unwrap_or("");
            // (A mutation may copy the word into the server part, which errors do quote.)
            let server = authority.rsplit_once('@').map_or(authority, |(_, server)| server);
            if authority.contains(":secret@") && !server.contains("secret") {
                prop_assert!(!message.contains("secret"), "{} (from {:?})", message, text);
            }
            prop_assert!(!message.contains('\n'), "{:?}", message);
        }
        if let Ok(migration) = MigrationUri::parse(&text) {
            let again = MigrationUri::parse(&migration.to_string()).expect("canonical parses");
            prop_assert_eq!(again, migration);
        }
    }
}
