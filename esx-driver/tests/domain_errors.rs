//! Bad domain XML: every error names where (element path, or line and column for malformed
//! XML) and what (the attribute, the value, what was expected); no input makes the parser panic.

use esx_driver::domain::{parse_domain_xml, DomainXmlError};

/// A minimal valid domain with `extra` inside `<devices>` and `top` after `<os>`.
fn domain_with(top: &str, devices: &str) -> String {
    format!(
        "<domain type='vmware'><name>t</name><memory>4096</memory>\
         <os><type>hvm</type></os>{top}<devices>{devices}</devices></domain>"
    )
}

fn error_of(xml: &str) -> DomainXmlError {
    match parse_domain_xml(xml) {
        Ok(domain) => panic!("expected an error for {xml}, parsed {domain:#?}"),
        Err(err) => err,
    }
}

#[track_caller]
fn assert_error(xml: &str, location: &str, message_parts: &[&str]) {
    let err = error_of(xml);
    assert_eq!(err.location, location, "location of: {err}");
    for part in message_parts {
        assert!(err.message.contains(part), "{err} should mention {part:?}");
    }
}

#[test]
fn malformed_xml_reports_line_and_column() {
    let err = error_of("<domain type='vmware'>\n  <name>x</nam>\n</domain>");
    assert!(err.location.starts_with("line 2"), "{err}");
    assert!(err.message.contains("not well-formed"), "{err}");

    let err = error_of("<domain type='vmware'>\n<name>x</name>");
    assert!(err.message.contains("ends inside <domain>"), "{err}");

    let err = error_of("");
    assert!(err.message.contains("no root element"), "{err}");

    let err = error_of("<domain type='vmware'/><domain type='vmware'/>");
    assert!(err.message.contains("second root element"), "{err}");

    let err = error_of("<domain type='vmware' type='kvm'/>");
    assert!(err.location.starts_with("line 1"), "{err}");

    let err = error_of("<domain type='vmware'><x:name>t</x:name></domain>");
    assert!(err.message.contains("prefix 'x' is not declared"), "{err}");
}

#[test]
fn wrong_root_and_missing_required_elements() {
    assert_error(
        "<network/>",
        "/network",
        &["expected the root element <domain>", "<network>"],
    );
    assert_error(
        "<domain><name>t</name></domain>",
        "/domain",
        &["'type' is missing"],
    );
    assert_error(
        "<domain type='vmware'><memory>1</memory><os><type>hvm</type></os></domain>",
        "/domain/name",
        &["name is missing"],
    );
    assert_error(
        "<domain type='vmware'><name>t</name><os><type>hvm</type></os></domain>",
        "/domain/memory",
        &["memory size is missing"],
    );
    assert_error(
        "<domain type='vmware'><name>t</name><memory>1</memory></domain>",
        "/domain/os",
        &["<os> element is missing"],
    );
    assert_error(
        "<domain type='vmware'><name>t</name><memory>1</memory><os><type>pv</type></os></domain>",
        "/domain/os/type",
        &["unknown OS type 'pv'", "'hvm'"],
    );
}

#[test]
fn values_are_named_with_what_was_expected() {
    assert_error(
        "<domain type='vmware'><name>t</name><uuid>not-a-uuid</uuid><memory>1</memory><os><type>hvm</type></os></domain>",
        "/domain/uuid",
        &["'not-a-uuid' is not a UUID", "32 hex digits"],
    );
    assert_error(
        "<domain type='vmware'><name>t</name><memory unit='parsecs'>1</memory><os><type>hvm</type></os></domain>",
        "/domain/memory",
        &["unknown unit 'parsecs'", "MiB"],
    );
    assert_error(
        "<domain type='vmware'><name>t</name><memory>lots</memory><os><type>hvm</type></os></domain>",
        "/domain/memory",
        &["'lots'", "non-negative integer"],
    );
    assert_error(
        "<domain type='vmware'><name>t</name><memory unit='EiB'>16</memory><os><type>hvm</type></os></domain>",
        "/domain/memory",
        &["too large"],
    );
    assert_error(
        &domain_with("<on_crash>explode</on_crash>", ""),
        "/domain/on_crash",
        &[
            "unknown lifecycle action 'explode'",
            "'destroy'",
            "'coredump-restart'",
        ],
    );
    assert_error(
        &domain_with("<clock offset='mars'/>", ""),
        "/domain/clock",
        &["unknown clock offset 'mars'", "'utc'"],
    );
}

#[test]
fn vcpu_and_topology_rules() {
    let vcpu = |attrs: &str, count: &str, top: &str| {
        format!(
            "<domain type='vmware'><name>t</name><memory>1</memory><vcpu{attrs}>{count}</vcpu>\
             <os><type>hvm</type></os>{top}</domain>"
        )
    };
    assert_error(&vcpu("", "0", ""), "/domain/vcpu", &["at least 1"]);
    assert_error(
        &vcpu(" current='4'", "2", ""),
        "/domain/vcpu",
        &["current='4'", "maximum vCPU count 2"],
    );
    assert_error(
        &vcpu(" cpuset='3-1'", "2", ""),
        "/domain/vcpu",
        &["cpuset", "'3-1'", "reversed"],
    );
    assert_error(
        &vcpu(" cpuset='a'", "2", ""),
        "/domain/vcpu",
        &["cpuset", "'a' is not a CPU number"],
    );
    assert_error(
        &vcpu(" cpuset='1,^1'", "2", ""),
        "/domain/vcpu",
        &["selects no CPU"],
    );
    assert_error(
        &vcpu(" placement='numa'", "2", ""),
        "/domain/vcpu",
        &["unknown vCPU placement 'numa'", "'static' or 'auto'"],
    );
    assert_error(
        &vcpu(
            "",
            "4",
            "<cpu><topology sockets='2' cores='1' threads='1'/></cpu>",
        ),
        "/domain/cpu/topology",
        &["does not match the maximum vCPU count 4"],
    );
    assert_error(
        &vcpu("", "2", "<cpu><topology sockets='2' threads='1'/></cpu>"),
        "/domain/cpu/topology",
        &["'cores' is missing"],
    );
}

#[test]
fn device_errors_name_the_device() {
    assert_error(
        &domain_with(
            "",
            "<disk type='file' device='tape'><target dev='sda'/></disk>",
        ),
        "/domain/devices/disk[1]",
        &["unknown disk device 'tape'", "'cdrom'"],
    );
    assert_error(
        &domain_with("", "<disk type='file'><target dev='sda'/></disk><disk type='file'><source file='x'/></disk>"),
        "/domain/devices/disk[2]/target",
        &["<target dev=... bus=...> element is missing"],
    );
    assert_error(
        &domain_with(
            "",
            "<disk type='file'><target dev='sda' bus='pata'/></disk>",
        ),
        "/domain/devices/disk[1]/target",
        &["unknown disk bus 'pata'", "'scsi'"],
    );
    assert_error(
        &domain_with(
            "",
            "<disk type='file'><target dev='sd1' bus='scsi'/></disk>",
        ),
        "/domain/devices",
        &["unknown disk name 'sd1'"],
    );
    assert_error(
        &domain_with(
            "",
            "<disk type='file'><target dev='vda'/><address type='pci' slot='3'/></disk>",
        ),
        "/domain/devices/disk[1]/address",
        &["address type 'pci'", "type='drive'"],
    );
    assert_error(
        &domain_with(
            "",
            "<disk type='file'><driver cache='sometimes'/><target dev='sda'/></disk>",
        ),
        "/domain/devices/disk[1]/driver",
        &["unknown disk cache mode 'sometimes'", "'writethrough'"],
    );
    assert_error(
        &domain_with("", "<controller type='scsi' index='-1'/>"),
        "/domain/devices/controller[1]",
        &["'index'", "'-1'"],
    );
    assert_error(
        &domain_with(
            "",
            "<controller type='scsi' index='0'/><controller type='scsi' index='0' model='lsilogic'/>",
        ),
        "/domain/devices/controller[2]",
        &["multiple 'scsi' controllers with index '0'"],
    );
    assert_error(
        &domain_with(
            "",
            "<disk type='file'><target dev='sda'/></disk><disk type='file'><target dev='sda'/></disk>",
        ),
        "/domain/devices",
        &["disk target 'sda' is used twice on the scsi bus"],
    );
    assert_error(
        &domain_with(
            "",
            "<disk type='file'><target dev='sda'/></disk><disk type='file'><target dev='sdb'/>\
             <address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>",
        ),
        "/domain/devices",
        &["duplicate drive address", "'sdb'", "unit='0'"],
    );
    assert_error(
        &domain_with("", "<controller type='sata' index='300'/>"),
        "/domain/devices/controller[1]",
        &["index 300 is out of range"],
    );
    assert_error(
        &domain_with(
            "",
            "<interface type='bridge'><mac address='00:0c:29:zz:00:01'/></interface>",
        ),
        "/domain/devices/interface[1]/mac",
        &["'00:0c:29:zz:00:01' is not a MAC address"],
    );
    assert_error(
        &domain_with(
            "",
            "<interface type='bridge'><mac address='01:00:5e:00:00:01'/></interface>",
        ),
        "/domain/devices/interface[1]/mac",
        &["multicast"],
    );
    assert_error(
        &domain_with(
            "",
            "<interface type='bridge'><mac address='00:0c:29:00:00:01' type='random'/></interface>",
        ),
        "/domain/devices/interface[1]/mac",
        &[
            "unknown MAC address type 'random'",
            "'generated' or 'static'",
        ],
    );
    assert_error(
        &domain_with(
            "",
            "<interface type='vds'><source switchid='nope'/></interface>",
        ),
        "/domain/devices/interface[1]/source",
        &["switchid", "'nope' is not a UUID"],
    );
    assert_error(
        &domain_with("", "<interface type='wifi'/>"),
        "/domain/devices/interface[1]",
        &["unknown interface type 'wifi'"],
    );
    assert_error(
        &domain_with("", "<serial type='file'><target port='0'/></serial>"),
        "/domain/devices/serial[1]/source",
        &["'file' device needs <source path=...>"],
    );
    assert_error(
        &domain_with(
            "",
            "<serial type='tcp'><source mode='listen' host='h' service='1'/></serial>",
        ),
        "/domain/devices/serial[1]/source",
        &["unknown source mode 'listen'", "'bind'"],
    );
    assert_error(
        &domain_with("", "<serial type='tcp'><source mode='bind' host='h' service='1'/><protocol type='ssh'/></serial>"),
        "/domain/devices/serial[1]/protocol",
        &["unknown TCP protocol 'ssh'", "'telnets'"],
    );
    assert_error(
        &domain_with("", "<graphics type='vnc' port='70000'/>"),
        "/domain/devices/graphics[1]",
        &["70000", "0-65535"],
    );
    assert_error(
        &domain_with("", "<video><model type='vmvga' primary='yes'/></video><video><model type='vga' primary='yes'/></video>"),
        "/domain/devices",
        &["only one <video> can have primary='yes'"],
    );
    assert_error(
        &domain_with("", "<console type='pty'><target type='virtio'/></console><console type='pty'><target type='serial'/></console>"),
        "/domain/devices",
        &["only the first <console>"],
    );
}

/// Devices VMware cannot provide are refused by name rather than silently dropped.
#[test]
fn unsupported_device_classes_are_refused() {
    for device in [
        "hostdev",
        "sound",
        "watchdog",
        "rng",
        "tpm",
        "channel",
        "smartcard",
    ] {
        let xml = domain_with("", &format!("<{device} model='x'/>"));
        assert_error(
            &xml,
            &format!("/domain/devices/{device}[1]"),
            &[&format!(
                "<{device}> devices are not supported for VMware domains"
            )],
        );
    }
}

/// Like libvirt, elements and attributes it does not know (or VMware does not use) are ignored.
#[test]
fn unknown_elements_are_ignored_like_libvirt() {
    let xml = domain_with(
        "<metadata><app:x xmlns:app='urn:app'/></metadata><pm><suspend-to-mem enabled='no'/></pm>\
         <seclabel type='none'/><futureElement/>",
        "<emulator>/usr/bin/vmx</emulator><futureDevice/><disk type='file' flavour='x'>\
         <target dev='sda'/><iotune><total_bytes_sec>1</total_bytes_sec></iotune></disk>",
    );
    let domain = parse_domain_xml(&xml).expect("unknown elements are ignored");
    assert_eq!(domain.devices.disks.len(), 1);
    assert_eq!(domain.devices.emulator.as_deref(), Some("/usr/bin/vmx"));
}

/// Truncations and byte flips of a real document never panic: they parse or fail with an error.
#[test]
fn damaged_input_never_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/domain");
    let mut documents = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture directory") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("fixture");
        documents += 1;
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            if let Ok(prefix) = std::str::from_utf8(&bytes[..cut]) {
                let _ = parse_domain_xml(prefix);
            }
        }
        for (i, replacement) in (0..bytes.len()).step_by(7).zip(
            [b'<', b'>', b'\'', b'&', b'/', b'x', b'0', b'-']
                .iter()
                .cycle(),
        ) {
            let mut damaged = bytes.to_vec();
            damaged[i] = *replacement;
            if let Ok(damaged) = String::from_utf8(damaged) {
                let _ = parse_domain_xml(&damaged);
            }
        }
    }
    assert!(
        documents >= 8,
        "expected the domain fixtures, found {documents}"
    );

    // Absurd numbers fail fast instead of building millions of implied devices.
    let far = domain_with(
        "",
        "<disk type='file'><target dev='sda'/><address type='drive' controller='4000000000'/></disk>",
    );
    let err = error_of(&far);
    assert!(
        err.message
            .contains("controller index 4000000000 is out of range"),
        "{err}"
    );
    let far = domain_with(
        "",
        "<disk type='file'><target dev='sdzzzzzz' bus='scsi'/></disk>",
    );
    let err = error_of(&far);
    assert!(err.message.contains("out of range"), "{err}");
    let many_ranges = vec!["0-65535"; 20_000].join(",");
    let xml = format!(
        "<domain type='vmware'><name>t</name><memory>1</memory><vcpu cpuset='{many_ranges},^5'>1</vcpu>\
         <os><type>hvm</type></os></domain>"
    );
    let domain = parse_domain_xml(&xml).expect("overlapping ranges parse");
    assert_eq!(domain.vcpu.cpuset.unwrap().to_string(), "0-4,6-65535");
    let serials = "<serial type='null'/>".repeat(20_000);
    let domain = parse_domain_xml(&domain_with("", &serials)).expect("many serials parse");
    assert_eq!(domain.devices.serials.last().unwrap().target_port, 19_999);

    let deep = format!("<domain type='vmware'>{}", "<a>".repeat(100_000));
    let err = error_of(&deep);
    assert!(err.message.contains("nested deeper"), "{err}");
}
