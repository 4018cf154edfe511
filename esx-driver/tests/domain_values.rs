//! The small value types and rules of the domain model: UUIDs, MAC addresses, CPU sets,
//! memory units, escaping, secrets, and the semantic XML comparison used by converter tests.

use esx_driver::domain::xmltree::{semantic_diff, semantic_eq};
use esx_driver::domain::{
    escape_into, format_domain_xml, parse_domain_xml, CpuSet, Domain, FormatOptions, MacAddr, Uuid,
    VncPassword,
};

#[test]
fn uuids_parse_like_libvirt_and_format_dashed_lowercase() {
    let expected = "564d9bef-acd9-b4e0-c8f0-aea8b9103515";
    for text in [
        "564d9bef-acd9-b4e0-c8f0-aea8b9103515",
        "564D9BEFACD9B4E0C8F0AEA8B9103515",
        "56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15",
        "  564d9bef-acd9-b4e0-c8f0-aea8b9103515  ",
    ] {
        let uuid: Uuid = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(uuid.to_string(), expected);
    }
    for bad in [
        "",
        "564d9bef",
        "564d9bef-acd9-b4e0-c8f0-aea8b91035151",
        "g64d9bef-acd9-b4e0-c8f0-aea8b9103515",
        "-564d9befacd9b4e0c8f0aea8b9103515",
    ] {
        assert!(bad.parse::<Uuid>().is_err(), "{bad:?} should not parse");
    }
    assert_eq!(
        Uuid::NIL.to_string(),
        "00000000-0000-0000-0000-000000000000"
    );
}

#[test]
fn mac_addresses_normalize_to_lowercase_octets() {
    let mac: MacAddr = "0:C:29:A:bb:1".parse().unwrap();
    assert_eq!(mac.to_string(), "00:0c:29:0a:bb:01");
    assert_eq!(
        "00-50-56-AA-BB-CC".parse::<MacAddr>().unwrap().to_string(),
        "00:50:56:aa:bb:cc"
    );
    assert!(!mac.is_multicast());
    assert!("01:00:5e:00:00:01"
        .parse::<MacAddr>()
        .unwrap()
        .is_multicast());
    for bad in [
        "",
        "00:0c:29:0a:bb",
        "00:0c:29:0a:bb:01:02",
        "000:0c:29:0a:bb:01",
        "00:0c:29:0a:bb:",
    ] {
        assert!(bad.parse::<MacAddr>().is_err(), "{bad:?} should not parse");
    }
}

#[test]
fn cpu_sets_use_libvirt_syntax_and_collapse_ranges() {
    let set: CpuSet = "0-7,^3,10, 12 ,11".parse().unwrap();
    assert_eq!(set.to_string(), "0-2,4-7,10-12");
    assert_eq!("5".parse::<CpuSet>().unwrap().to_string(), "5");
    assert!("65536".parse::<CpuSet>().is_err());
    assert!("1-".parse::<CpuSet>().is_err());
    assert!("".parse::<CpuSet>().is_err());
}

fn memory_kib(element: &str) -> u64 {
    let xml =
        format!("<domain type='vmware'><name>m</name>{element}<os><type>hvm</type></os></domain>");
    parse_domain_xml(&xml)
        .unwrap_or_else(|e| panic!("{element}: {e}"))
        .memory
        .total_kib
}

#[test]
fn memory_units_scale_to_kib_rounding_up() {
    assert_eq!(memory_kib("<memory>1024</memory>"), 1024);
    assert_eq!(memory_kib("<memory unit='KiB'>1024</memory>"), 1024);
    assert_eq!(memory_kib("<memory unit='k'>1024</memory>"), 1024);
    assert_eq!(memory_kib("<memory unit='MiB'>512</memory>"), 524_288);
    assert_eq!(memory_kib("<memory unit='M'>512</memory>"), 524_288);
    assert_eq!(memory_kib("<memory unit='mib'>512</memory>"), 524_288);
    assert_eq!(memory_kib("<memory unit='GiB'>2</memory>"), 2_097_152);
    assert_eq!(memory_kib("<memory unit='TiB'>1</memory>"), 1 << 30);
    assert_eq!(memory_kib("<memory unit='b'>1025</memory>"), 2);
    assert_eq!(memory_kib("<memory unit='bytes'>1024</memory>"), 1);
    assert_eq!(memory_kib("<memory unit='KB'>1000</memory>"), 977);
    assert_eq!(memory_kib("<memory unit='MB'>1</memory>"), 977);
    assert_eq!(memory_kib("<memory unit='GB'>1</memory>"), 976_563);
}

#[test]
fn current_memory_defaults_to_the_total() {
    let parse = |current: &str| {
        let xml = format!(
            "<domain type='vmware'><name>m</name><memory unit='MiB'>512</memory>{current}\
             <os><type>hvm</type></os></domain>"
        );
        parse_domain_xml(&xml).unwrap().memory.current_kib
    };
    assert_eq!(parse(""), 524_288);
    assert_eq!(parse("<currentMemory>0</currentMemory>"), 524_288);
    assert_eq!(
        parse("<currentMemory unit='GiB'>1</currentMemory>"),
        524_288
    );
    assert_eq!(
        parse("<currentMemory unit='MiB'>256</currentMemory>"),
        262_144
    );
}

#[test]
fn escaping_matches_libvirt() {
    let mut out = String::new();
    escape_into(&mut out, "a<b>c&d\"e'f\tg\nh\ri\u{1}j\u{1f}k é");
    assert_eq!(out, "a&lt;b&gt;c&amp;d&quot;e&apos;f\tg\nh\rijk é");
}

#[test]
fn vnc_password_is_secret_unless_asked_for() {
    let xml = "<domain type='vmware'><name>v</name><memory>1024</memory><os><type>hvm</type></os>\
               <devices><graphics type='vnc' port='5900' passwd='hunter2'/></devices></domain>";
    let domain = parse_domain_xml(xml).unwrap();
    assert!(
        !format!("{domain:?}").contains("hunter2"),
        "Debug must not show the password"
    );
    assert!(!domain.to_xml().contains("hunter2"));
    assert!(!format_domain_xml(&domain, FormatOptions::default()).contains("passwd"));
    let secure = format_domain_xml(
        &domain,
        FormatOptions {
            secure: true,
            inactive: true,
        },
    );
    assert!(secure.contains("passwd='hunter2'"), "{secure}");
    assert_eq!(
        format!("{:?}", VncPassword::new("x")),
        "VncPassword(<redacted>)"
    );
}

#[test]
fn runtime_id_is_written_only_for_the_live_definition() {
    let xml = "<domain type='vmware' id='7'><name>v</name><memory>1024</memory><os><type>hvm</type></os></domain>";
    let domain = parse_domain_xml(xml).unwrap();
    assert_eq!(domain.id, Some(7));
    assert!(format_domain_xml(&domain, FormatOptions::default())
        .starts_with("<domain type='vmware' id='7'>\n"));
    assert!(domain.to_xml().starts_with("<domain type='vmware'>\n"));
}

#[test]
fn a_model_built_in_code_formats_like_libvirt() {
    let mut domain = Domain::new("built");
    domain.uuid = Some(Uuid::NIL);
    domain.memory.total_kib = 32768;
    domain.memory.current_kib = 32768;
    domain.os.arch = Some("i686".into());
    assert_eq!(
        domain.to_xml(),
        "<domain type='vmware'>\n  <name>built</name>\n  <uuid>00000000-0000-0000-0000-000000000000</uuid>\n  \
<memory unit='KiB'>32768</memory>\n  <currentMemory unit='KiB'>32768</currentMemory>\n  \
<vcpu placement='static'>1</vcpu>\n  <os>\n    <type arch='i686'>hvm</type>\n  </os>\n  \
<clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  \
<on_crash>destroy</on_crash>\n  <devices>\n  </devices>\n</domain>\n"
    );
}

#[test]
fn semantic_comparison_ignores_attribute_order_and_indentation_only() {
    let a = "<domain type='vmware'>\n  <name>x</name>\n  <os><type arch='i686' machine='pc'>hvm</type></os>\n</domain>\n";
    let b = "<domain type=\"vmware\"><name> x </name><os>\n<type machine=\"pc\" arch=\"i686\">hvm</type></os></domain>";
    assert!(semantic_eq(a, b), "{:?}", semantic_diff(a, b));

    let c = "<domain type='vmware'><name>x</name><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>";
    let diff = semantic_diff(a, c).expect("different arch");
    assert!(
        diff.contains("/domain/os[2]/type[1]") && diff.contains("x86_64"),
        "{diff}"
    );

    let d = "<domain type='vmware'><os><type arch='i686' machine='pc'>hvm</type></os><name>x</name></domain>";
    assert!(semantic_diff(a, d).is_some(), "child order matters");

    let e = "<domain type='vmware'><name>x</name></domain>";
    let diff = semantic_diff(a, e).expect("missing os");
    assert!(diff.contains("child elements"), "{diff}");

    let ns_a = "<domain xmlns:vmware='http://libvirt.org/schemas/domain/vmware/1.0'><vmware:datacenterpath>p</vmware:datacenterpath></domain>";
    let ns_b = "<domain xmlns:v='http://libvirt.org/schemas/domain/vmware/1.0'><v:datacenterpath>p</v:datacenterpath></domain>";
    assert!(semantic_eq(ns_a, ns_b), "{:?}", semantic_diff(ns_a, ns_b));
    assert!(semantic_diff("<a>", "<a/>")
        .unwrap()
        .contains("left document is not XML"));
}

#[test]
fn xml_line_ends_and_byte_order_mark_are_handled_like_libxml2() {
    let xml = "\u{feff}<?xml version='1.0'?>\r\n<domain type='vmware'>\r\n<name>crlf</name>\r\n\
               <description>one\r\ntwo\rthree&#13;</description><memory>1024</memory>\
               <os><type>hvm</type></os><devices><interface type='bridge'>\
               <source bridge='a\r\nb\tc&#10;d'/></interface></devices></domain>";
    let domain = parse_domain_xml(xml).unwrap();
    assert_eq!(domain.description.as_deref(), Some("one\ntwo\nthree\r"));
    assert_eq!(
        domain.devices.interfaces[0].source.bridge.as_deref(),
        Some("a b c\nd")
    );
}
