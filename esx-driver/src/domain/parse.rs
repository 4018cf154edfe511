//! Domain XML text -> [`Domain`]: reads the element tree and applies libvirt's parse rules
//! (defaults, units, validation), naming the element path and the value in every error.
//!
//! Like libvirt, unknown elements and attributes are ignored, with one exception: device
//! classes VMware cannot provide (`<hostdev>`, `<sound>`, `<watchdog>`...) are refused, so a
//! definition never silently loses hardware the user asked for.

use std::borrow::Cow;
use std::fmt;

use super::model::*;
use super::postparse;
use super::xmltree::{parse_xml_tree, XmlElement, XmlNode};
use super::DomainXmlError;

/// Device elements libvirt knows that have no VMware equivalent in this driver.
pub const UNSUPPORTED_DEVICES: &[&str] = &[
    "hostdev",
    "sound",
    "watchdog",
    "rng",
    "tpm",
    "smartcard",
    "redirdev",
    "redirfilter",
    "hub",
    "channel",
    "shmem",
    "memory",
    "iommu",
    "vsock",
    "panic",
    "lease",
    "nvram",
    "crypto",
    "pstore",
    "audio",
];

/// libvirt's `<features>` order (its feature enumeration); unknown features follow.
const FEATURE_ORDER: &[&str] = &[
    "acpi",
    "apic",
    "pae",
    "hap",
    "viridian",
    "privnet",
    "hyperv",
    "kvm",
    "pvspinlock",
    "capabilities",
    "pmu",
    "vmport",
    "gic",
    "smm",
    "ioapic",
    "hpt",
    "vmcoreinfo",
    "htm",
    "nested-hv",
    "msrs",
    "ccf-assist",
    "xen",
    "cfpc",
    "sbbc",
    "ibs",
    "tcg",
    "async-teardown",
    "ras",
    "ps2",
];

const OS_TYPES: &[&str] = &["hvm", "xen", "linux", "exe", "uml", "xenpvh"];
const DISK_TYPES: &[&str] = &[
    "file",
    "block",
    "dir",
    "network",
    "volume",
    "nvme",
    "vhostuser",
    "vhostvdpa",
];
const DISK_BUSES: &[&str] = &[
    "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd", "nvme",
];
const CONTROLLER_TYPES: &[&str] = &[
    "ide",
    "fdc",
    "scsi",
    "sata",
    "virtio-serial",
    "ccid",
    "usb",
    "pci",
    "xenbus",
    "isa",
    "nvme",
];
const INTERFACE_TYPES: &[&str] = &[
    "user",
    "ethernet",
    "vhostuser",
    "server",
    "client",
    "mcast",
    "network",
    "bridge",
    "internal",
    "direct",
    "hostdev",
    "udp",
    "vdpa",
    "null",
    "vds",
];
const CHR_TYPES: &[&str] = &[
    "null",
    "vc",
    "pty",
    "dev",
    "file",
    "pipe",
    "stdio",
    "udp",
    "tcp",
    "unix",
    "spicevmc",
    "spiceport",
    "nmdm",
    "qemu-vdagent",
    "dbus",
];
const VIDEO_MODELS: &[&str] = &[
    "default",
    "vga",
    "cirrus",
    "vmvga",
    "xen",
    "vbox",
    "qxl",
    "parallels",
    "virtio",
    "gop",
    "none",
    "bochs",
    "ramfb",
];
const GRAPHICS_TYPES: &[&str] = &[
    "sdl",
    "vnc",
    "rdp",
    "desktop",
    "spice",
    "egl-headless",
    "dbus",
];

/// Parses domain XML into the model, then applies libvirt's post-parse defaults
/// (see [`postparse`]).
pub fn parse_domain_xml(xml: &str) -> Result<Domain> {
    let root = parse_xml_tree(xml).map_err(|err| DomainXmlError {
        location: format!("line {}, column {}", err.line, err.column),
        message: format!("not well-formed XML: {}", err.message),
    })?;
    let path = Path::root(&root.name);
    if root.name != "domain" || root.namespace.is_some() {
        return Err(path.error(format!(
            "expected the root element <domain>, found <{}>",
            root.name
        )));
    }
    let mut domain = parse_domain(&root, &path)?;
    postparse::apply(&mut domain).map_err(|message| DomainXmlError {
        location: "/domain/devices".into(),
        message,
    })?;
    Ok(domain)
}

/// An element path for error messages: `/domain/devices/disk[2]/target`.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    name: &'a str,
    index: Option<usize>,
}

impl<'a> Path<'a> {
    fn root(name: &'a str) -> Self {
        Path {
            parent: None,
            name,
            index: None,
        }
    }

    fn child(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            name,
            index: None,
        }
    }

    fn nth(&'a self, name: &'a str, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            name,
            index: Some(index),
        }
    }

    fn error(&self, message: impl Into<String>) -> DomainXmlError {
        DomainXmlError {
            location: self.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        write!(f, "/{}", self.name)?;
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        Ok(())
    }
}

type Result<T> = std::result::Result<T, DomainXmlError>;

// ---------------------------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------------------------

/// [`XmlElement::text`] without a copy in the usual case of a single text node (numbers,
/// UUIDs, keywords that are parsed and dropped).
fn text_of<'e>(element: &'e XmlElement<'_>) -> Cow<'e, str> {
    match element.children.as_slice() {
        [] => Cow::Borrowed(""),
        [XmlNode::Text(text)] => Cow::Borrowed(text),
        _ => Cow::Owned(element.text()),
    }
}

fn attr_string(element: &XmlElement<'_>, name: &str) -> Option<String> {
    element.attr(name).map(str::to_string)
}

fn required_attr<'e>(element: &'e XmlElement<'_>, path: &Path<'_>, name: &str) -> Result<&'e str> {
    element
        .attr(name)
        .ok_or_else(|| path.error(format!("the attribute '{name}' is missing")))
}

fn parse_number<T: std::str::FromStr>(
    text: &str,
    path: &Path<'_>,
    what: &str,
    expected: &str,
) -> Result<T> {
    text.trim()
        .parse::<T>()
        .map_err(|_| path.error(format!("{what} must be {expected}, found '{text}'")))
}

fn attr_u32(element: &XmlElement<'_>, path: &Path<'_>, name: &str) -> Result<Option<u32>> {
    element
        .attr(name)
        .map(|value| {
            // The message is only built for a bad value.
            value.trim().parse::<u32>().map_err(|_| {
                path.error(format!(
                    "the attribute '{name}' must be a non-negative integer, found '{value}'"
                ))
            })
        })
        .transpose()
}

fn attr_yes_no(element: &XmlElement<'_>, path: &Path<'_>, name: &str) -> Result<Option<bool>> {
    match element.attr(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(other) => Err(path.error(format!(
            "the attribute '{name}' must be 'yes' or 'no', found '{other}'"
        ))),
    }
}

fn attr_on_off(element: &XmlElement<'_>, path: &Path<'_>, name: &str) -> Result<Option<bool>> {
    match element.attr(name) {
        None => Ok(None),
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        Some(other) => Err(path.error(format!(
            "the attribute '{name}' must be 'on' or 'off', found '{other}'"
        ))),
    }
}

fn closed_value<T>(
    text: &str,
    path: &Path<'_>,
    what: &str,
    from: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T> {
    from(text)
        .ok_or_else(|| path.error(format!("unknown {what} '{text}': expected {}", expected())))
}

fn check_vocabulary(text: &str, path: &Path<'_>, what: &str, known: &[&str]) -> Result<()> {
    if known.contains(&text) {
        Ok(())
    } else {
        Err(path.error(format!(
            "unknown {what} '{text}': expected {}",
            join_expected(known)
        )))
    }
}

/// Multiplier for a libvirt unit name, as `virScaleInteger`: `b`/`bytes`, powers of 1024
/// (`k`, `KiB`, `M`, `MiB`...) and powers of 1000 (`KB`, `MB`...), case-insensitive.
fn unit_scale(unit: &str) -> Option<u64> {
    // Compared without allocating: every valid unit is ASCII.
    let is = |name: &str| unit.eq_ignore_ascii_case(name);
    if is("b") || is("byte") || is("bytes") {
        return Some(1);
    }
    let mut chars = unit.chars();
    let prefix = chars.next()?.to_ascii_lowercase();
    let rest = chars.as_str();
    let base: u64 = if rest.is_empty() || rest.eq_ignore_ascii_case("ib") {
        1024
    } else if rest.eq_ignore_ascii_case("b") {
        1000
    } else {
        return None;
    };
    let power = match prefix {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    Some(base.pow(power))
}

/// libvirt's largest memory size: `LLONG_MAX` bytes, in KiB.
const MAX_MEMORY_KIB: u64 = (i64::MAX as u64).div_ceil(1024);

/// A memory size element (`<memory unit='MiB'>512</memory>`) in KiB, rounded up as libvirt
/// does. A missing unit means KiB.
fn memory_kib(element: &XmlElement<'_>, path: &Path<'_>) -> Result<u64> {
    let text = text_of(element);
    let value: u64 = parse_number(&text, path, "the size", "a non-negative integer")?;
    let scale = match element.attr("unit") {
        None | Some("") => 1024,
        Some(unit) => unit_scale(unit).ok_or_else(|| {
            path.error(format!(
                "unknown unit '{unit}': expected b, KiB, MiB, GiB, TiB (or k, M, G, T), KB, MB, GB, TB"
            ))
        })?,
    };
    let too_large = || {
        path.error(format!(
            "the size {value} {} is too large",
            element.attr("unit").unwrap_or("KiB")
        ))
    };
    let bytes = value.checked_mul(scale).ok_or_else(too_large)?;
    if bytes > i64::MAX as u64 {
        return Err(too_large());
    }
    let kib = bytes.div_ceil(1024);
    if kib >= MAX_MEMORY_KIB {
        return Err(too_large());
    }
    Ok(kib)
}

// ---------------------------------------------------------------------------------------------
// Top level
// ---------------------------------------------------------------------------------------------

fn parse_domain(root: &XmlElement<'_>, path: &Path<'_>) -> Result<Domain> {
    let mut domain = Domain::default();

    let virt_type = required_attr(root, path, "type")?;
    if virt_type.is_empty() {
        return Err(
            path.error("the attribute 'type' is empty: expected the hypervisor type 'vmware'")
        );
    }
    domain.virt_type = VirtType::from_xml(virt_type);
    if let Some(id) = root.attr("id") {
        domain.id = Some(parse_number(id, path, "the attribute 'id'", "an integer")?);
    }

    let name_path = path.child("name");
    let name = root.child("name").map(|e| e.text()).unwrap_or_default();
    if name.is_empty() {
        return Err(name_path.error("the domain name is missing: add <name>NAME</name>"));
    }
    if name.contains('\n') {
        return Err(name_path.error(format!("the domain name {name:?} contains a line break")));
    }
    domain.name = name;

    domain.uuid = optional_uuid(root, path, "uuid")?;
    domain.hwuuid = optional_uuid(root, path, "hwuuid")?;
    if let Some(genid) = root.child("genid") {
        let text = text_of(genid);
        domain.genid = Some(if text.trim().is_empty() {
            GenId::Requested
        } else {
            GenId::Value(
                text.parse()
                    .map_err(|err: ValueError| path.child("genid").error(err.0))?,
            )
        });
    }
    if let Some(title) = root.child("title") {
        let title = title.text();
        if title.contains('\n') {
            return Err(path.child("title").error("the title must be a single line"));
        }
        domain.title = Some(title);
    }
    domain.description = root.child("description").map(XmlElement::text);

    parse_memory(root, path, &mut domain)?;
    if let Some(vcpu) = root.child("vcpu") {
        domain.vcpu = parse_vcpu(vcpu, &path.child("vcpu"))?;
    }
    if let Some(cputune) = root.child("cputune") {
        let cputune_path = path.child("cputune");
        if let Some(shares) = cputune.child("shares") {
            domain.cputune.shares = Some(parse_number(
                &text_of(shares),
                &cputune_path.child("shares"),
                "<shares>",
                "a non-negative integer",
            )?);
        }
    }
    let os_path = path.child("os");
    let os = root.child("os").ok_or_else(|| {
        os_path.error("the <os> element is missing: add <os><type>hvm</type></os>")
    })?;
    domain.os = parse_os(os, &os_path)?;
    if let Some(features) = root.child("features") {
        domain.features = parse_features(features);
    }
    if let Some(cpu) = root.child("cpu") {
        domain.cpu = Some(parse_cpu(cpu, &path.child("cpu"))?);
    }
    if let Some(topology) = domain.cpu.as_ref().and_then(|cpu| cpu.topology) {
        let product = [
            topology.dies,
            topology.clusters,
            topology.cores,
            topology.threads,
        ]
        .iter()
        .try_fold(topology.sockets, |acc, &n| acc.checked_mul(n));
        if product != Some(domain.vcpu.count) {
            return Err(path.child("cpu").child("topology").error(format!(
                "the CPU topology (sockets {} x dies {} x clusters {} x cores {} x threads {}) \
                 does not match the maximum vCPU count {}",
                topology.sockets,
                topology.dies,
                topology.clusters,
                topology.cores,
                topology.threads,
                domain.vcpu.count
            )));
        }
    }
    if let Some(clock) = root.child("clock") {
        domain.clock = parse_clock(clock, &path.child("clock"))?;
    }
    domain.on_poweroff = lifecycle(root, path, "on_poweroff", LifecycleAction::Destroy)?;
    domain.on_reboot = lifecycle(root, path, "on_reboot", LifecycleAction::Restart)?;
    domain.on_crash = lifecycle(root, path, "on_crash", LifecycleAction::Destroy)?;
    if let Some(devices) = root.child("devices") {
        domain.devices = parse_devices(devices, &path.child("devices"))?;
    }
    for element in root.elements() {
        if element.namespace.as_deref() != Some(VMWARE_NAMESPACE) {
            continue;
        }
        match element.name.as_ref() {
            "datacenterpath" => domain.vmware.datacenter_path = Some(element.text()),
            "moref" => domain.vmware.moref = Some(element.text()),
            _ => {}
        }
    }
    Ok(domain)
}

fn optional_uuid(root: &XmlElement<'_>, path: &Path<'_>, name: &str) -> Result<Option<Uuid>> {
    root.child(name)
        .map(|element| {
            text_of(element)
                .parse::<Uuid>()
                .map_err(|err| path.child(name).error(err.0))
        })
        .transpose()
}

fn parse_memory(root: &XmlElement<'_>, path: &Path<'_>, domain: &mut Domain) -> Result<()> {
    let memory_path = path.child("memory");
    let total = match root.child("memory") {
        Some(memory) => memory_kib(memory, &memory_path)?,
        None => 0,
    };
    if total == 0 {
        return Err(memory_path
            .error("the memory size is missing or zero: add <memory unit='MiB'>SIZE</memory>"));
    }
    let current = match root.child("currentMemory") {
        Some(current) => memory_kib(current, &path.child("currentMemory"))?,
        None => 0,
    };
    domain.memory = Memory {
        total_kib: total,
        // libvirt: a missing, zero or too large balloon target means "all memory".
        current_kib: if current == 0 || current > total {
            total
        } else {
            current
        },
    };
    if let Some(memtune) = root.child("memtune") {
        let memtune_path = path.child("memtune");
        let limit = |name: &str| -> Result<Option<u64>> {
            memtune
                .child(name)
                .map(|e| memory_kib(e, &memtune_path.child(name)))
                .transpose()
        };
        domain.memtune = MemTune {
            hard_limit_kib: limit("hard_limit")?,
            soft_limit_kib: limit("soft_limit")?,
            min_guarantee_kib: limit("min_guarantee")?,
            swap_hard_limit_kib: limit("swap_hard_limit")?,
        };
    }
    Ok(())
}

fn parse_vcpu(vcpu: &XmlElement<'_>, path: &Path<'_>) -> Result<Vcpu> {
    let text = text_of(vcpu);
    let count: u32 = if text.trim().is_empty() {
        1
    } else {
        parse_number(&text, path, "the vCPU count", "a positive integer")?
    };
    if count == 0 {
        return Err(path.error("the vCPU count must be at least 1, found '0'"));
    }
    let placement = match vcpu.attr("placement") {
        None => VcpuPlacement::Static,
        Some(value) => closed_value(
            value,
            path,
            "vCPU placement",
            VcpuPlacement::from_xml,
            VcpuPlacement::expected,
        )?,
    };
    let cpuset = vcpu
        .attr("cpuset")
        .map(|value| {
            value
                .parse::<CpuSet>()
                .map_err(|err| path.error(format!("the attribute 'cpuset': {}", err.0)))
        })
        .transpose()?;
    let current = attr_u32(vcpu, path, "current")?;
    if let Some(current) = current {
        if current > count {
            return Err(path.error(format!(
                "current='{current}' is more than the maximum vCPU count {count}"
            )));
        }
        if current == 0 {
            return Err(path.error("current='0': at least one vCPU must be online"));
        }
    }
    Ok(Vcpu {
        placement,
        cpuset,
        current: current.filter(|&c| c != count),
        count,
    })
}

fn parse_os(os: &XmlElement<'_>, path: &Path<'_>) -> Result<Os> {
    let mut result = Os::default();
    if let Some(firmware) = os.attr("firmware") {
        if !matches!(firmware, "efi" | "bios") {
            return Err(path.error(format!(
                "unknown firmware '{firmware}': expected 'efi' or 'bios'"
            )));
        }
        result.firmware = Some(OsFirmware::from_xml(firmware));
    }
    let type_path = path.child("type");
    let os_type = os.child("type").ok_or_else(|| {
        type_path.error("the <os><type> element is missing: add <type>hvm</type>")
    })?;
    let type_text = text_of(os_type);
    let type_text = type_text.trim();
    check_vocabulary(type_text, &type_path, "OS type", OS_TYPES)?;
    result.os_type = OsType::from_xml(type_text);
    result.arch = attr_string(os_type, "arch");
    result.machine = attr_string(os_type, "machine");

    if let Some(firmware) = os.child("firmware") {
        let firmware_path = path.child("firmware");
        for (index, feature) in firmware.children_named("feature").enumerate() {
            let feature_path = firmware_path.nth("feature", index + 1);
            let name = required_attr(feature, &feature_path, "name")?;
            let enabled = attr_yes_no(feature, &feature_path, "enabled")?
                .ok_or_else(|| feature_path.error("the attribute 'enabled' is missing"))?;
            match name {
                "enrolled-keys" => result.firmware_features.enrolled_keys = Some(enabled),
                "secure-boot" => result.firmware_features.secure_boot = Some(enabled),
                other => {
                    return Err(feature_path.error(format!(
                    "unknown firmware feature '{other}': expected 'enrolled-keys' or 'secure-boot'"
                )))
                }
            }
        }
    }
    if let Some(loader) = os.child("loader") {
        let loader_path = path.child("loader");
        let path_text = loader.text();
        result.loader = Some(Loader {
            readonly: attr_yes_no(loader, &loader_path, "readonly")?,
            secure: attr_yes_no(loader, &loader_path, "secure")?,
            loader_type: attr_string(loader, "type"),
            path: Some(path_text).filter(|p| !p.trim().is_empty()),
        });
    }
    if let Some(nvram) = os.child("nvram") {
        let text = nvram.text();
        result.nvram = Some(Nvram {
            template: attr_string(nvram, "template"),
            path: Some(text).filter(|p| !p.trim().is_empty()),
        });
    }
    for (index, boot) in os.children_named("boot").enumerate() {
        let boot_path = path.nth("boot", index + 1);
        let dev = required_attr(boot, &boot_path, "dev")?;
        result.boot.push(closed_value(
            dev,
            &boot_path,
            "boot device",
            BootDevice::from_xml,
            BootDevice::expected,
        )?);
    }
    if let Some(menu) = os.child("bootmenu") {
        let menu_path = path.child("bootmenu");
        result.boot_menu = Some(BootMenu {
            enable: attr_yes_no(menu, &menu_path, "enable")?.unwrap_or(false),
            timeout_ms: attr_u32(menu, &menu_path, "timeout")?,
        });
    }
    if let Some(smbios) = os.child("smbios") {
        let smbios_path = path.child("smbios");
        let mode = required_attr(smbios, &smbios_path, "mode")?;
        result.smbios_mode = Some(closed_value(
            mode,
            &smbios_path,
            "SMBIOS mode",
            SmbiosMode::from_xml,
            SmbiosMode::expected,
        )?);
    }
    Ok(result)
}

fn parse_features(features: &XmlElement<'_>) -> Vec<Feature> {
    let mut result: Vec<Feature> = Vec::new();
    for element in features.elements() {
        if element.namespace.is_some() || result.iter().any(|f| f.name == element.name) {
            continue;
        }
        result.push(Feature {
            name: element.name.to_string(),
            attributes: element
                .attributes
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        });
    }
    let rank = |name: &str| {
        FEATURE_ORDER
            .iter()
            .position(|known| *known == name)
            .unwrap_or(FEATURE_ORDER.len())
    };
    result.sort_by_key(|feature| rank(&feature.name));
    result
}

fn parse_cpu(cpu: &XmlElement<'_>, path: &Path<'_>) -> Result<Cpu> {
    let topology = match cpu.child("topology") {
        None => None,
        Some(topology) => {
            let topology_path = path.child("topology");
            let count = |name: &str, default: Option<u32>| -> Result<u32> {
                let value = match attr_u32(topology, &topology_path, name)? {
                    Some(value) => value,
                    None => default.ok_or_else(|| {
                        topology_path.error(format!("the attribute '{name}' is missing"))
                    })?,
                };
                if value == 0 {
                    return Err(topology_path.error(format!("'{name}' must be at least 1")));
                }
                Ok(value)
            };
            Some(CpuTopology {
                sockets: count("sockets", None)?,
                dies: count("dies", Some(1))?,
                clusters: count("clusters", Some(1))?,
                cores: count("cores", None)?,
                threads: count("threads", None)?,
            })
        }
    };
    Ok(Cpu {
        mode: attr_string(cpu, "mode"),
        match_mode: attr_string(cpu, "match"),
        check: attr_string(cpu, "check"),
        migratable: attr_string(cpu, "migratable"),
        model: cpu.child("model").map(XmlElement::text),
        vendor: cpu.child("vendor").map(XmlElement::text),
        topology,
    })
}

fn parse_clock(clock: &XmlElement<'_>, path: &Path<'_>) -> Result<Clock> {
    let offset = match clock.attr("offset") {
        None => ClockOffset::Utc,
        Some(value) => closed_value(
            value,
            path,
            "clock offset",
            ClockOffset::from_xml,
            ClockOffset::expected,
        )?,
    };
    let timezone = attr_string(clock, "timezone");
    if offset == ClockOffset::Timezone && timezone.is_none() {
        return Err(path.error("offset='timezone' needs a 'timezone' attribute"));
    }
    let start = clock
        .attr("start")
        .map(|value| parse_number(value, path, "the attribute 'start'", "epoch seconds"))
        .transpose()?;
    if offset == ClockOffset::Absolute && start.is_none() {
        return Err(path.error("offset='absolute' needs a 'start' attribute"));
    }
    Ok(Clock {
        offset,
        timezone,
        adjustment: attr_string(clock, "adjustment"),
        basis: attr_string(clock, "basis"),
        start,
    })
}

fn lifecycle(
    root: &XmlElement<'_>,
    path: &Path<'_>,
    name: &str,
    default: LifecycleAction,
) -> Result<LifecycleAction> {
    match root.child(name) {
        None => Ok(default),
        Some(element) => {
            let text = text_of(element);
            closed_value(
                text.trim(),
                &path.child(name),
                "lifecycle action",
                LifecycleAction::from_xml,
                LifecycleAction::expected,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------------

fn parse_devices(devices: &XmlElement<'_>, path: &Path<'_>) -> Result<Devices> {
    let mut result = Devices::default();
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for element in devices.elements() {
        if element.namespace.is_some() {
            continue;
        }
        let name = element.name.as_ref();
        let index = match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                counts.push((name, 1));
                1
            }
        };
        let device_path = path.nth(name, index);
        match name {
            "emulator" => result.emulator = Some(element.text()),
            "disk" => result.disks.push(parse_disk(element, &device_path)?),
            "controller" => {
                let controller = parse_controller(element, &device_path)?;
                if result.controllers.iter().any(|c| {
                    c.controller_type == controller.controller_type && c.index == controller.index
                }) {
                    return Err(device_path.error(format!(
                        "multiple '{}' controllers with index '{}'",
                        controller.controller_type, controller.index
                    )));
                }
                postparse::insert_controller(&mut result.controllers, controller);
            }
            "filesystem" => result.filesystems.push(parse_filesystem(element, &device_path)?),
            "interface" => result.interfaces.push(parse_interface(element, &device_path)?),
            "input" => result.inputs.push(Input {
                input_type: required_attr(element, &device_path, "type")?.to_string(),
                bus: attr_string(element, "bus"),
            }),
            "graphics" => result.graphics.push(parse_graphics(element, &device_path)?),
            "serial" => result.serials.push(parse_chr(element, &device_path, false)?),
            "parallel" => result.parallels.push(parse_chr(element, &device_path, false)?),
            "console" => result.consoles.push(parse_chr(element, &device_path, true)?),
            "video" => result.videos.push(parse_video(element, &device_path)?),
            "memballoon" => {
                result.memballoon = Some(MemBalloon {
                    model: required_attr(element, &device_path, "model")?.to_string(),
                })
            }
            unsupported if UNSUPPORTED_DEVICES.contains(&unsupported) => {
                return Err(device_path.error(format!(
                    "<{unsupported}> devices are not supported for VMware domains: remove the element"
                )))
            }
            _ => {}
        }
    }
    Ok(result)
}

fn parse_disk(disk: &XmlElement<'_>, path: &Path<'_>) -> Result<Disk> {
    let disk_type = disk.attr("type").unwrap_or("file");
    check_vocabulary(disk_type, path, "disk type", DISK_TYPES)?;
    let device = match disk.attr("device") {
        None => DiskDevice::Disk,
        Some(value) => closed_value(
            value,
            path,
            "disk device",
            DiskDevice::from_xml,
            DiskDevice::expected,
        )?,
    };
    let mut result = Disk {
        disk_type: DiskType::from_xml(disk_type),
        device,
        ..Disk::default()
    };

    if let Some(driver) = disk.child("driver") {
        let driver_path = path.child("driver");
        let cache = driver
            .attr("cache")
            .map(|value| {
                closed_value(
                    value,
                    &driver_path,
                    "disk cache mode",
                    DiskCache::from_xml,
                    DiskCache::expected,
                )
            })
            .transpose()?;
        result.driver = Some(DiskDriver {
            name: attr_string(driver, "name"),
            format: attr_string(driver, "type"),
            cache,
        });
    }

    if let Some(source) = disk.child("source") {
        let source_path = path.child("source");
        let path_attr = match &result.disk_type {
            DiskType::File => Some("file"),
            DiskType::Block => Some("dev"),
            DiskType::Dir => Some("dir"),
            _ => None,
        };
        let startup_policy = source
            .attr("startupPolicy")
            .map(|value| {
                closed_value(
                    value,
                    &source_path,
                    "startup policy",
                    StartupPolicy::from_xml,
                    StartupPolicy::expected,
                )
            })
            .transpose()?;
        let source_value = path_attr.and_then(|name| attr_string(source, name));
        if source_value.is_some() || startup_policy.is_some() {
            result.source = Some(DiskSource {
                path: source_value,
                startup_policy,
            });
        }
    }

    let target_path = path.child("target");
    let target = disk
        .child("target")
        .ok_or_else(|| target_path.error("the <target dev=... bus=...> element is missing"))?;
    let dev = required_attr(target, &target_path, "dev")?;
    if dev.is_empty() {
        return Err(target_path.error("the attribute 'dev' is empty"));
    }
    let bus = match target.attr("bus") {
        Some(bus) => {
            check_vocabulary(bus, &target_path, "disk bus", DISK_BUSES)?;
            DiskBus::from_xml(bus)
        }
        None if device == DiskDevice::Floppy => DiskBus::Fdc,
        None if dev.starts_with("hd") => DiskBus::Ide,
        None if dev.starts_with("sd") => DiskBus::Scsi,
        None if dev.starts_with("vd") => DiskBus::Virtio,
        None if dev.starts_with("xvd") => DiskBus::Xen,
        None if dev.starts_with("ubd") => DiskBus::Uml,
        None => DiskBus::Ide,
    };
    result.target = DiskTarget {
        dev: dev.to_string(),
        bus,
    };
    result.readonly = disk.child("readonly").is_some() || device == DiskDevice::Cdrom;
    result.shareable = disk.child("shareable").is_some();
    result.transient = disk.child("transient").is_some();

    if let Some(address) = disk.child("address") {
        let address_path = path.child("address");
        match address.attr("type") {
            Some("drive") => {
                result.address = Some(DriveAddress {
                    controller: attr_u32(address, &address_path, "controller")?.unwrap_or(0),
                    bus: attr_u32(address, &address_path, "bus")?.unwrap_or(0),
                    target: attr_u32(address, &address_path, "target")?.unwrap_or(0),
                    unit: attr_u32(address, &address_path, "unit")?.unwrap_or(0),
                })
            }
            Some(other) => {
                return Err(address_path.error(format!(
                    "address type '{other}' is not supported for VMware disks: use type='drive'"
                )))
            }
            None => return Err(address_path.error("the attribute 'type' is missing")),
        }
    }
    Ok(result)
}

fn parse_controller(controller: &XmlElement<'_>, path: &Path<'_>) -> Result<Controller> {
    let controller_type = controller.attr("type").unwrap_or("ide");
    check_vocabulary(controller_type, path, "controller type", CONTROLLER_TYPES)?;
    let index = match controller.attr("index") {
        None => 0,
        Some(value) => parse_number(
            value,
            path,
            "the attribute 'index'",
            "a non-negative integer",
        )?,
    };
    if index > postparse::MAX_CONTROLLER_INDEX {
        return Err(path.error(format!(
            "the controller index {index} is out of range (at most {})",
            postparse::MAX_CONTROLLER_INDEX
        )));
    }
    Ok(Controller {
        controller_type: ControllerType::from_xml(controller_type),
        index,
        model: attr_string(controller, "model"),
    })
}

fn parse_filesystem(filesystem: &XmlElement<'_>, path: &Path<'_>) -> Result<Filesystem> {
    let fs_type = FilesystemType::from_xml(filesystem.attr("type").unwrap_or("mount"));
    let access_mode = match filesystem.attr("accessmode") {
        None => FilesystemAccessMode::Passthrough,
        Some(value) => closed_value(
            value,
            path,
            "filesystem access mode",
            FilesystemAccessMode::from_xml,
            FilesystemAccessMode::expected,
        )?,
    };
    let source_attr = filesystem_source_attribute(&fs_type);
    let source = filesystem
        .child("source")
        .and_then(|s| source_attr.and_then(|name| attr_string(s, name)));
    let target_path = path.child("target");
    let target = filesystem
        .child("target")
        .and_then(|t| attr_string(t, "dir"))
        .ok_or_else(|| target_path.error("the <target dir=...> of the filesystem is missing"))?;
    Ok(Filesystem {
        fs_type,
        access_mode,
        source,
        target,
        readonly: filesystem.child("readonly").is_some(),
    })
}

/// The `<source>` attribute that holds a filesystem's host side, by filesystem type.
pub(crate) fn filesystem_source_attribute(fs_type: &FilesystemType) -> Option<&'static str> {
    match fs_type {
        FilesystemType::Mount | FilesystemType::Bind => Some("dir"),
        FilesystemType::Block => Some("dev"),
        FilesystemType::File => Some("file"),
        FilesystemType::Template => Some("name"),
        FilesystemType::Ram => Some("usage"),
        _ => None,
    }
}

fn parse_interface(interface: &XmlElement<'_>, path: &Path<'_>) -> Result<Interface> {
    let iface_type = required_attr(interface, path, "type")?;
    check_vocabulary(iface_type, path, "interface type", INTERFACE_TYPES)?;
    let mut result = Interface {
        iface_type: InterfaceType::from_xml(iface_type),
        ..Interface::default()
    };
    if let Some(mac) = interface.child("mac") {
        let mac_path = path.child("mac");
        let address = required_attr(mac, &mac_path, "address")?;
        let address: MacAddr = address
            .parse()
            .map_err(|err: ValueError| mac_path.error(err.0))?;
        if address.is_multicast() {
            return Err(mac_path.error(format!(
                "'{address}' is a multicast address: an interface needs a unicast one"
            )));
        }
        let mac_type = mac
            .attr("type")
            .map(|value| {
                closed_value(
                    value,
                    &mac_path,
                    "MAC address type",
                    MacType::from_xml,
                    MacType::expected,
                )
            })
            .transpose()?;
        result.mac = Some(Mac {
            address,
            mac_type,
            check: attr_yes_no(mac, &mac_path, "check")?,
        });
    }
    if let Some(source) = interface.child("source") {
        let attr = |name: &str| attr_string(source, name);
        result.source = match result.iface_type {
            InterfaceType::Bridge => InterfaceSource {
                bridge: attr("bridge"),
                ..InterfaceSource::default()
            },
            InterfaceType::Network => InterfaceSource {
                network: attr("network"),
                portgroup: attr("portgroup"),
                ..InterfaceSource::default()
            },
            InterfaceType::Direct => InterfaceSource {
                dev: attr("dev"),
                // libvirt writes the macvtap mode always; 'vepa' is its default.
                mode: Some(attr("mode").unwrap_or_else(|| "vepa".to_string())),
                ..InterfaceSource::default()
            },
            InterfaceType::Vds => InterfaceSource {
                switchid: attr("switchid"),
                portid: attr("portid"),
                portgroupid: attr("portgroupid"),
                connectionid: attr("connectionid"),
                ..InterfaceSource::default()
            },
            _ => InterfaceSource::default(),
        };
    }
    if result.iface_type == InterfaceType::Vds {
        let source_path = path.child("source");
        let Some(switchid) = &result.source.switchid else {
            return Err(source_path.error("a 'vds' interface needs <source switchid=...>"));
        };
        let switchid: Uuid = switchid
            .parse()
            .map_err(|err: ValueError| source_path.error(format!("switchid: {}", err.0)))?;
        result.source.switchid = Some(switchid.to_string());
        for name in ["portid", "connectionid"] {
            let value = match name {
                "portid" => &result.source.portid,
                _ => &result.source.connectionid,
            };
            if let Some(value) = value {
                if value.trim().parse::<i64>().is_err() {
                    return Err(source_path.error(format!(
                        "the attribute '{name}' must be an integer, found '{value}'"
                    )));
                }
            }
        }
    }
    result.target_dev = interface
        .child("target")
        .and_then(|t| attr_string(t, "dev"));
    result.model = interface
        .child("model")
        .and_then(|m| attr_string(m, "type"));
    Ok(result)
}

fn parse_graphics(graphics: &XmlElement<'_>, path: &Path<'_>) -> Result<Graphics> {
    let graphics_type = required_attr(graphics, path, "type")?;
    check_vocabulary(graphics_type, path, "graphics type", GRAPHICS_TYPES)?;
    let mut result = Graphics {
        graphics_type: GraphicsType::from_xml(graphics_type),
        ..Graphics::default()
    };
    if result.graphics_type != GraphicsType::Vnc {
        return Ok(result);
    }
    // libvirt: no port or port='-1' means autoport; autoport='yes' wins over a port.
    match graphics.attr("port") {
        None => result.autoport = true,
        Some(port) => {
            let port: i32 =
                parse_number(port, path, "the attribute 'port'", "a port number or -1")?;
            if port == -1 {
                result.autoport = true;
            } else if !(0..=65535).contains(&port) {
                return Err(path.error(format!("the port {port} is out of range 0-65535")));
            } else {
                result.port = Some(port as u32).filter(|&p| p != 0);
            }
        }
    }
    match graphics.attr("autoport") {
        Some("yes") => {
            result.autoport = true;
            result.port = None;
        }
        Some("no") => result.autoport = false,
        Some(other) => {
            return Err(path.error(format!(
                "the attribute 'autoport' must be 'yes' or 'no', found '{other}'"
            )))
        }
        None => {}
    }
    if let Some(websocket) = graphics.attr("websocket") {
        result.websocket = Some(parse_number(
            websocket,
            path,
            "the attribute 'websocket'",
            "a port number or -1",
        )?);
    }
    result.keymap = attr_string(graphics, "keymap");
    result.share_policy = attr_string(graphics, "sharePolicy");
    result.passwd = attr_string(graphics, "passwd").map(VncPassword::new);

    for (index, listen) in graphics.children_named("listen").enumerate() {
        let listen_path = path.nth("listen", index + 1);
        let listen_type = required_attr(listen, &listen_path, "type")?;
        let listen_type = closed_value(
            listen_type,
            &listen_path,
            "listen type",
            ListenType::from_xml,
            ListenType::expected,
        )?;
        result.listens.push(GraphicsListen {
            listen_type,
            // A network listen's address is runtime status; libvirt ignores it in a definition.
            address: attr_string(listen, "address").filter(|_| listen_type == ListenType::Address),
            network: attr_string(listen, "network"),
            socket: attr_string(listen, "socket"),
        });
    }
    if result.listens.is_empty() {
        // The old 'socket' or 'listen' attribute, or libvirt's implicit address listen.
        result.listens.push(match graphics.attr("socket") {
            Some(socket) => GraphicsListen {
                listen_type: ListenType::Socket,
                socket: Some(socket.to_string()),
                ..GraphicsListen::default()
            },
            None => GraphicsListen {
                listen_type: ListenType::Address,
                address: attr_string(graphics, "listen"),
                ..GraphicsListen::default()
            },
        });
    } else if let Some(listen) = graphics.attr("listen") {
        let first = &result.listens[0];
        if first.listen_type == ListenType::Address
            && first.address.as_deref().is_some_and(|a| a != listen)
        {
            return Err(path.error(format!(
                "the attribute listen='{listen}' does not match the first <listen address=...>"
            )));
        }
    }
    Ok(result)
}

fn parse_chr(chr: &XmlElement<'_>, path: &Path<'_>, console: bool) -> Result<Chr> {
    let chr_type = chr.attr("type").unwrap_or("pty");
    check_vocabulary(chr_type, path, "character device type", CHR_TYPES)?;
    let sources: Vec<&XmlElement<'_>> = chr.children_named("source").collect();
    let source_path = path.child("source");
    let first = sources.first().copied();
    let source_attr = |name: &str| first.and_then(|s| attr_string(s, name));
    let required_path = |what: &str| -> Result<String> {
        source_attr("path")
            .ok_or_else(|| source_path.error(format!("a '{what}' device needs <source path=...>")))
    };
    let mode =
        |element: Option<&XmlElement<'_>>, default: ChrSourceMode| -> Result<ChrSourceMode> {
            match element.and_then(|e| e.attr("mode")) {
                None => Ok(default),
                Some(value) => closed_value(
                    value,
                    &source_path,
                    "source mode",
                    ChrSourceMode::from_xml,
                    ChrSourceMode::expected,
                ),
            }
        };
    let source = match chr_type {
        "null" => ChrSource::Null,
        "vc" => ChrSource::Vc,
        "stdio" => ChrSource::Stdio,
        "pty" => ChrSource::Pty {
            path: source_attr("path"),
        },
        "dev" => ChrSource::Dev {
            path: required_path("dev")?,
        },
        "file" => ChrSource::File {
            path: required_path("file")?,
            append: first
                .map(|s| attr_on_off(s, &source_path, "append"))
                .transpose()?
                .flatten(),
        },
        "pipe" => ChrSource::Pipe {
            path: required_path("pipe")?,
        },
        "tcp" => {
            let protocol = match chr.child("protocol").and_then(|p| p.attr("type")) {
                None => ChrTcpProtocol::Raw,
                Some(value) => closed_value(
                    value,
                    &path.child("protocol"),
                    "TCP protocol",
                    ChrTcpProtocol::from_xml,
                    ChrTcpProtocol::expected,
                )?,
            };
            ChrSource::Tcp {
                mode: mode(first, ChrSourceMode::Connect)?,
                host: source_attr("host"),
                service: source_attr("service"),
                protocol,
            }
        }
        "udp" => {
            let mut udp = (None, None, None, None);
            for source in &sources {
                let host = attr_string(source, "host");
                let service = attr_string(source, "service");
                match mode(Some(source), ChrSourceMode::Connect)? {
                    ChrSourceMode::Bind => {
                        udp.0 = host;
                        udp.1 = service;
                    }
                    ChrSourceMode::Connect => {
                        udp.2 = host;
                        udp.3 = service;
                    }
                }
            }
            ChrSource::Udp {
                bind_host: udp.0,
                bind_service: udp.1,
                connect_host: udp.2,
                connect_service: udp.3,
            }
        }
        "unix" => ChrSource::Unix {
            mode: mode(first, ChrSourceMode::Connect)?,
            path: source_attr("path"),
        },
        other => ChrSource::Other(other.to_string()),
    };
    let target = chr.child("target");
    let target_path = path.child("target");
    let target_type = target.and_then(|t| attr_string(t, "type"));
    if console {
        if let Some(kind) = &target_type {
            const CONSOLE_TARGETS: &[&str] = &[
                "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm",
            ];
            check_vocabulary(kind, &target_path, "console target type", CONSOLE_TARGETS)?;
        }
    }
    // An absent port is numbered by the post-parse step (u32::MAX marks it here).
    let target_port = match target.and_then(|t| t.attr("port")) {
        None => u32::MAX,
        Some(port) => {
            let port: i64 = parse_number(
                port,
                &target_path,
                "the attribute 'port'",
                "a non-negative integer",
            )?;
            if port < 0 {
                u32::MAX
            } else {
                u32::try_from(port)
                    .map_err(|_| target_path.error(format!("the port {port} is too large")))?
            }
        }
    };
    Ok(Chr {
        source,
        target_type,
        target_port,
    })
}

fn parse_video(video: &XmlElement<'_>, path: &Path<'_>) -> Result<Video> {
    let Some(model) = video.child("model") else {
        return Ok(Video::default());
    };
    let model_path = path.child("model");
    let model_type = model.attr("type").unwrap_or("default");
    check_vocabulary(model_type, &model_path, "video model", VIDEO_MODELS)?;
    Ok(Video {
        // VMware's post-parse turns the default model into vmvga.
        model: if model_type == "default" {
            VideoModel::Vmvga
        } else {
            VideoModel::from_xml(model_type)
        },
        ram_kib: attr_u32(model, &model_path, "ram")?,
        vram_kib: attr_u32(model, &model_path, "vram")?,
        vgamem_kib: attr_u32(model, &model_path, "vgamem")?,
        heads: attr_u32(model, &model_path, "heads")?,
        primary: attr_yes_no(model, &model_path, "primary")?.unwrap_or(false),
    })
}
