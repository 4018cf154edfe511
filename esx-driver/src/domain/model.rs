//! The typed model of libvirt's domain XML, limited to what VMware can express.
//!
//! Plain data: every field is public, every type is `Default + Clone + Debug + PartialEq`.
//! Values are stored the way libvirt stores them after parsing (memory in KiB, UUIDs as
//! bytes, MAC addresses as octets, CPU sets as sets), so two documents that mean the same
//! thing compare equal. Vocabularies that libvirt defines completely are closed enums;
//! vocabularies where VMware only uses a part of libvirt's values are open enums with an
//! `Other(String)` variant that keeps the value, so the converter can name it in its error.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// The XML namespace of libvirt's VMware-specific domain data (`<vmware:datacenterpath>`).
pub const VMWARE_NAMESPACE: &str = "http://libvirt.org/schemas/domain/vmware/1.0";

/// Declares a closed string enumeration: the listed values only.
macro_rules! closed_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? } default $default:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $text, "`")] $variant,)+
        }

        impl $name {
            /// Every value, in libvirt's declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The XML spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value for an XML spelling, `None` when it is not one of [`Self::ALL`].
            pub fn from_xml(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The accepted spellings joined for an error message: `'a', 'b' or 'c'`.
            pub fn expected() -> String {
                crate::domain::model::join_expected(&[$($text),+])
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Declares an open string enumeration: the values VMware cares about, and `Other` keeping
/// any other (non-empty) value unchanged.
macro_rules! open_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? } default $default:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $text, "`")] $variant,)+
            /// Any other value, kept as written.
            Other(String),
        }

        impl $name {
            /// The XML spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }

            /// The value for an XML spelling; unknown spellings become `Other`.
            pub fn from_xml(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) fn join_expected(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
    }
}

// ---------------------------------------------------------------------------------------------
// Small value types
// ---------------------------------------------------------------------------------------------

/// A UUID as libvirt handles it: 16 bytes, written lowercase in the dashed 8-4-4-4-12 form.
///
/// Parsing accepts what libvirt's `virUUIDParse` accepts: 32 hex digits in pairs, with any
/// number of `-` or spaces between the pairs and spaces around, so VMX values such as
/// `uuid.bios = "56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15"` parse too.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero UUID, which libvirt's VMX converter writes when a VMX file has none.
    pub const NIL: Uuid = Uuid([0; 16]);

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// A random (version 4) UUID from the operating system's generator, as libvirt makes one
    /// for a domain defined without `<uuid>`.
    pub fn new_random() -> std::io::Result<Uuid> {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
        Ok(Uuid(bytes))
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

/// Why a UUID, MAC address or CPU set could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

impl FromStr for Uuid {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            ValueError(format!(
                "'{text}' is not a UUID: expected 32 hex digits such as \
                 '4dea22b3-1d52-d8f3-2516-782e98ab3fa0'"
            ))
        };
        let mut bytes = [0u8; 16];
        let mut chars = text.trim_start_matches(' ').chars().peekable();
        let mut count = 0;
        while count < 16 {
            match chars.peek() {
                Some('-') | Some(' ') if count > 0 => {
                    chars.next();
                    continue;
                }
                _ => {}
            }
            let high = chars
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(invalid)?;
            let low = chars
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(invalid)?;
            bytes[count] = (high * 16 + low) as u8;
            count += 1;
        }
        if chars.any(|c| c != ' ') {
            return Err(invalid());
        }
        Ok(Uuid(bytes))
    }
}

/// A MAC address: six octets, written lowercase `aa:bb:cc:dd:ee:ff` as libvirt does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Whether the group bit is set (libvirt refuses multicast addresses for interfaces).
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddr({self})")
    }
}

impl FromStr for MacAddr {
    type Err = ValueError;

    /// Six groups of one or two hex digits separated by `:` (or all by `-`), as libvirt's
    /// `virMacAddrParse`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            ValueError(format!(
                "'{text}' is not a MAC address: expected six hex octets such as '00:0c:29:12:34:56'"
            ))
        };
        let separator = if text.contains(':') { ':' } else { '-' };
        let mut octets = [0u8; 6];
        let mut parts = text.split(separator);
        for octet in octets.iter_mut() {
            let part = parts.next().ok_or_else(invalid)?;
            if part.is_empty() || part.len() > 2 || !part.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            *octet = u8::from_str_radix(part, 16).map_err(|_| invalid())?;
        }
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(MacAddr(octets))
    }
}

/// A set of host CPU numbers (`cpuset='0-2,5'`), formatted as libvirt's `virBitmapFormat`:
/// ascending, with runs collapsed into ranges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuSet(pub BTreeSet<u32>);

impl CpuSet {
    /// The largest CPU number libvirt accepts in a cpuset.
    pub const MAX_CPU: u32 = 65535;
}

impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut iter = self.0.iter().copied().peekable();
        let mut first = true;
        while let Some(start) = iter.next() {
            let mut end = start;
            while iter.peek() == Some(&(end + 1)) {
                end += 1;
                iter.next();
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for CpuSet {
    type Err = ValueError;

    /// libvirt's syntax: comma-separated `N`, `N-M` and `^N` (exclude) items.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |why: &str| ValueError(format!("'{text}' is not a CPU set: {why}"));
        let number = |item: &str| -> Result<u32, ValueError> {
            let item = item.trim();
            match item.parse::<u32>() {
                Ok(n) if n <= CpuSet::MAX_CPU => Ok(n),
                Ok(_) => Err(invalid(&format!(
                    "CPU '{item}' is above {}",
                    CpuSet::MAX_CPU
                ))),
                Err(_) => Err(invalid(&format!(
                    "'{item}' is not a CPU number (expected items like '0', '2-5' or '^3')"
                ))),
            }
        };
        // Ranges are merged before the set is built, so a long list of overlapping ranges
        // costs no more than the CPUs it names.
        let mut ranges = Vec::new();
        let mut excluded = BTreeSet::new();
        for item in text.split(',') {
            let item = item.trim();
            if let Some(rest) = item.strip_prefix('^') {
                excluded.insert(number(rest)?);
            } else if let Some((low, high)) = item.split_once('-') {
                let (low, high) = (number(low)?, number(high)?);
                if low > high {
                    return Err(invalid(&format!("range '{item}' is reversed")));
                }
                ranges.push((low, high));
            } else {
                let cpu = number(item)?;
                ranges.push((cpu, cpu));
            }
        }
        ranges.sort_unstable();
        let mut set = BTreeSet::new();
        let mut next = 0u32;
        for (low, high) in ranges {
            let start = low.max(next);
            if start <= high {
                set.extend((start..=high).filter(|cpu| !excluded.contains(cpu)));
                next = high + 1;
            }
        }
        if set.is_empty() {
            return Err(invalid("it selects no CPU"));
        }
        Ok(CpuSet(set))
    }
}

/// A VNC display's password (`<graphics passwd=...>`, VMX `RemoteDisplay.vnc.password`): written
/// only where it must be, never shown in `Debug` output.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct VncPassword(String);

impl VncPassword {
    /// Wraps the password text.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password itself, for the places that must write it (VMX output, secure XML).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VncPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VncPassword(<redacted>)")
    }
}

// ---------------------------------------------------------------------------------------------
// The domain
// ---------------------------------------------------------------------------------------------

open_enum! {
    /// `<domain type=...>`: the hypervisor. VMware domains are `vmware`.
    pub enum VirtType { Vmware = "vmware" } default Vmware
}

/// A libvirt domain definition, in the element order libvirt formats it.
///
/// `Domain::default()` carries libvirt's defaults: type `vmware`, one vCPU, `hvm`, clock
/// `utc`, and the lifecycle actions `destroy` / `restart` / `destroy`.
#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// `<domain type=...>`.
    pub virt_type: VirtType,
    /// `<domain id=...>`: the runtime id of a running domain.
    pub id: Option<i32>,
    /// `<name>`.
    pub name: String,
    /// `<uuid>`. libvirt generates one when absent; this model keeps `None` and then writes none.
    pub uuid: Option<Uuid>,
    /// `<hwuuid>` (libvirt 11.x): the hardware (SMBIOS/BIOS) UUID when it differs from `<uuid>`.
    pub hwuuid: Option<Uuid>,
    /// `<genid>`: the VM generation id.
    pub genid: Option<GenId>,
    /// `<title>`: a short one-line description.
    pub title: Option<String>,
    /// `<description>`: free text (VMX `annotation`).
    pub description: Option<String>,
    /// `<memory>` and `<currentMemory>`.
    pub memory: Memory,
    /// `<memtune>`.
    pub memtune: MemTune,
    /// `<vcpu>`.
    pub vcpu: Vcpu,
    /// `<cputune>`.
    pub cputune: CpuTune,
    /// `<os>`.
    pub os: Os,
    /// `<features>`: simple hypervisor features such as `<acpi/>`, in libvirt's order.
    pub features: Vec<Feature>,
    /// `<cpu>`.
    pub cpu: Option<Cpu>,
    /// `<clock>`.
    pub clock: Clock,
    /// `<on_poweroff>` (default `destroy`).
    pub on_poweroff: LifecycleAction,
    /// `<on_reboot>` (default `restart`).
    pub on_reboot: LifecycleAction,
    /// `<on_crash>` (default `destroy`).
    pub on_crash: LifecycleAction,
    /// `<devices>`.
    pub devices: Devices,
    /// Elements in the `vmware:` namespace ([`VMWARE_NAMESPACE`]).
    pub vmware: VmwareData,
}

impl Default for Domain {
    fn default() -> Self {
        Domain {
            virt_type: VirtType::Vmware,
            id: None,
            name: String::new(),
            uuid: None,
            hwuuid: None,
            genid: None,
            title: None,
            description: None,
            memory: Memory::default(),
            memtune: MemTune::default(),
            vcpu: Vcpu::default(),
            cputune: CpuTune::default(),
            os: Os::default(),
            features: Vec::new(),
            cpu: None,
            clock: Clock::default(),
            on_poweroff: LifecycleAction::Destroy,
            on_reboot: LifecycleAction::Restart,
            on_crash: LifecycleAction::Destroy,
            devices: Devices::default(),
            vmware: VmwareData::default(),
        }
    }
}

impl Domain {
    /// A domain called `name` with libvirt's defaults ([`Domain::default`]) and no memory
    /// yet: the starting point for a converter.
    pub fn new(name: impl Into<String>) -> Self {
        Domain {
            name: name.into(),
            ..Domain::default()
        }
    }
}

/// `<genid>`: either requested (`<genid/>`, the hypervisor picks one) or a given value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenId {
    /// `<genid/>`.
    Requested,
    /// `<genid>UUID</genid>`.
    Value(Uuid),
}

/// `<memory>` and `<currentMemory>`, in KiB as libvirt keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Memory {
    /// `<memory>`: the maximum memory at boot (VMX `memsize`, in MiB there).
    pub total_kib: u64,
    /// `<currentMemory>`: the balloon target. libvirt sets it to `total_kib` when absent,
    /// zero or larger than the total.
    pub current_kib: u64,
}

/// `<memtune>`: memory tuning limits, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemTune {
    /// `<hard_limit>`.
    pub hard_limit_kib: Option<u64>,
    /// `<soft_limit>`.
    pub soft_limit_kib: Option<u64>,
    /// `<min_guarantee>` (VMX `sched.mem.minsize`).
    pub min_guarantee_kib: Option<u64>,
    /// `<swap_hard_limit>`.
    pub swap_hard_limit_kib: Option<u64>,
}

impl MemTune {
    /// Whether no limit is set (then libvirt writes no `<memtune>`).
    pub fn is_empty(&self) -> bool {
        *self == MemTune::default()
    }
}

closed_enum! {
    /// `<vcpu placement=...>`.
    pub enum VcpuPlacement { Static = "static", Auto = "auto" } default Static
}

/// `<vcpu placement=... cpuset=... current=...>N</vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vcpu {
    /// `placement` (libvirt always writes it; default `static`).
    pub placement: VcpuPlacement,
    /// `cpuset`: host CPUs the vCPUs may run on (VMX `sched.cpu.affinity`).
    pub cpuset: Option<CpuSet>,
    /// `current`: vCPUs online at boot, when fewer than `count`.
    pub current: Option<u32>,
    /// The element text: the maximum number of vCPUs (VMX `numvcpus`). libvirt's default is 1.
    pub count: u32,
}

impl Default for Vcpu {
    fn default() -> Self {
        Vcpu {
            placement: VcpuPlacement::Static,
            cpuset: None,
            current: None,
            count: 1,
        }
    }
}

/// `<cputune>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTune {
    /// `<shares>` (VMX `sched.cpu.shares`, with `low`/`normal`/`high` resolved to numbers).
    pub shares: Option<u64>,
}

open_enum! {
    /// `<os><type>`: the guest kind. VMware guests are `hvm`.
    pub enum OsType { Hvm = "hvm" } default Hvm
}

open_enum! {
    /// `<os firmware=...>`: automatic firmware selection.
    pub enum OsFirmware { Efi = "efi", Bios = "bios" } default Bios
}

closed_enum! {
    /// `<os><boot dev=...>`.
    pub enum BootDevice { Floppy = "fd", Hd = "hd", Cdrom = "cdrom", Network = "network" } default Hd
}

closed_enum! {
    /// `<os><smbios mode=...>`: where the guest's SMBIOS tables come from.
    pub enum SmbiosMode { Emulate = "emulate", Host = "host", Sysinfo = "sysinfo" } default Emulate
}

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Os {
    /// `<os firmware=...>` (VMX `firmware = "efi"`).
    pub firmware: Option<OsFirmware>,
    /// `<type>` text.
    pub os_type: OsType,
    /// `<type arch=...>`: `i686` or `x86_64` for VMware (from the VMX `guestOS`).
    pub arch: Option<String>,
    /// `<type machine=...>`.
    pub machine: Option<String>,
    /// `<firmware><feature .../></firmware>`.
    pub firmware_features: FirmwareFeatures,
    /// `<loader>`.
    pub loader: Option<Loader>,
    /// `<nvram>`.
    pub nvram: Option<Nvram>,
    /// `<boot dev=...>`, in order.
    pub boot: Vec<BootDevice>,
    /// `<bootmenu enable=... timeout=...>`.
    pub boot_menu: Option<BootMenu>,
    /// `<smbios mode=...>` (VMX `smbios.reflecthost`).
    pub smbios_mode: Option<SmbiosMode>,
}

/// `<os><firmware>`: required (`enabled='yes'`) or refused (`'no'`) firmware features.
/// libvirt writes them in this fixed order whatever the input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirmwareFeatures {
    /// `<feature name='enrolled-keys'>`.
    pub enrolled_keys: Option<bool>,
    /// `<feature name='secure-boot'>` (VMX `uefi.secureBoot.enabled`).
    pub secure_boot: Option<bool>,
}

impl FirmwareFeatures {
    /// Whether no feature is given (then libvirt writes no `<firmware>`).
    pub fn is_empty(&self) -> bool {
        self.enrolled_keys.is_none() && self.secure_boot.is_none()
    }
}

/// `<os><loader>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loader {
    /// `readonly`.
    pub readonly: Option<bool>,
    /// `secure`.
    pub secure: Option<bool>,
    /// `type`: `rom` or `pflash`.
    pub loader_type: Option<String>,
    /// The element text: the firmware image path.
    pub path: Option<String>,
}

/// `<os><nvram>`: the file holding the UEFI variables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nvram {
    /// `template`.
    pub template: Option<String>,
    /// The element text: the NVRAM file (VMX `nvram`, as a `[datastore] path`).
    pub path: Option<String>,
}

/// `<os><bootmenu>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BootMenu {
    /// `enable`.
    pub enable: bool,
    /// `timeout`, in milliseconds.
    pub timeout_ms: Option<u32>,
}

/// A simple element of `<features>`, such as `<acpi/>` or `<vmport state='off'/>`.
/// Sub-elements (as in `<hyperv>`) are not kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feature {
    /// The element name.
    pub name: String,
    /// Its attributes, in input order.
    pub attributes: Vec<(String, String)>,
}

/// `<cpu>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cpu {
    /// `mode` (`custom`, `host-model`, `host-passthrough`, `maximum`).
    pub mode: Option<String>,
    /// `match`.
    pub match_mode: Option<String>,
    /// `check`.
    pub check: Option<String>,
    /// `migratable`.
    pub migratable: Option<String>,
    /// `<model>` text.
    pub model: Option<String>,
    /// `<vendor>` text.
    pub vendor: Option<String>,
    /// `<topology>` (VMX `numvcpus` / `cpuid.coresPerSocket`).
    pub topology: Option<CpuTopology>,
}

/// `<cpu><topology>`. libvirt fills `dies` and `clusters` with 1 when absent and always
/// writes all five.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTopology {
    /// `sockets`.
    pub sockets: u32,
    /// `dies`.
    pub dies: u32,
    /// `clusters`.
    pub clusters: u32,
    /// `cores` (per die / cluster).
    pub cores: u32,
    /// `threads` (per core).
    pub threads: u32,
}

impl Default for CpuTopology {
    fn default() -> Self {
        CpuTopology {
            sockets: 1,
            dies: 1,
            clusters: 1,
            cores: 1,
            threads: 1,
        }
    }
}

closed_enum! {
    /// `<clock offset=...>`.
    pub enum ClockOffset {
        Utc = "utc",
        Localtime = "localtime",
        Variable = "variable",
        Timezone = "timezone",
        Absolute = "absolute",
    } default Utc
}

/// `<clock>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clock {
    /// `offset`.
    pub offset: ClockOffset,
    /// `timezone` (with `offset='timezone'`).
    pub timezone: Option<String>,
    /// `adjustment` (with `offset='variable'`, seconds, or `reset` with `localtime`/`utc`).
    pub adjustment: Option<String>,
    /// `basis` (with `offset='variable'`: `utc` or `localtime`).
    pub basis: Option<String>,
    /// `start` (with `offset='absolute'`: epoch seconds).
    pub start: Option<u64>,
}

closed_enum! {
    /// `<on_poweroff>`, `<on_reboot>`, `<on_crash>`.
    pub enum LifecycleAction {
        Destroy = "destroy",
        Restart = "restart",
        RenameRestart = "rename-restart",
        Preserve = "preserve",
        CoredumpDestroy = "coredump-destroy",
        CoredumpRestart = "coredump-restart",
    } default Destroy
}

/// Elements in the `vmware:` namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VmwareData {
    /// `<vmware:datacenterpath>`: the vCenter datacenter path of the VM (`folder/datacenter`).
    pub datacenter_path: Option<String>,
    /// `<vmware:moref>`: the VM's managed object reference on the host (`vm-123`).
    pub moref: Option<String>,
}

impl VmwareData {
    /// Whether there is nothing in the namespace (then no `xmlns:vmware` is written).
    pub fn is_empty(&self) -> bool {
        self.datacenter_path.is_none() && self.moref.is_none()
    }
}

// ---------------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------------

/// `<devices>`, one list per device class, each in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Devices {
    /// `<emulator>`.
    pub emulator: Option<String>,
    /// `<disk>`.
    pub disks: Vec<Disk>,
    /// `<controller>`, sorted the way libvirt keeps them: by type, then index.
    pub controllers: Vec<Controller>,
    /// `<filesystem>` (VMX shared folders).
    pub filesystems: Vec<Filesystem>,
    /// `<interface>`.
    pub interfaces: Vec<Interface>,
    /// `<input>`.
    pub inputs: Vec<Input>,
    /// `<graphics>`.
    pub graphics: Vec<Graphics>,
    /// `<serial>`.
    pub serials: Vec<Chr>,
    /// `<parallel>`.
    pub parallels: Vec<Chr>,
    /// `<console>`. As in libvirt, the first console of an `hvm` guest whose target type is
    /// `serial` (or unset) stands for the first serial port and is written as its copy.
    pub consoles: Vec<Chr>,
    /// `<video>`; the first one is the primary.
    pub videos: Vec<Video>,
    /// `<memballoon>`.
    pub memballoon: Option<MemBalloon>,
}

open_enum! {
    /// `<disk type=...>`: what backs the disk.
    pub enum DiskType { File = "file", Block = "block", Dir = "dir", Network = "network", Volume = "volume" } default File
}

closed_enum! {
    /// `<disk device=...>`.
    pub enum DiskDevice { Disk = "disk", Cdrom = "cdrom", Floppy = "floppy", Lun = "lun" } default Disk
}

open_enum! {
    /// `<target bus=...>`. When absent, libvirt derives it from the target name
    /// (`hd*` ide, `sd*` scsi, `vd*` virtio, `xvd*` xen, `ubd*` uml, floppies fdc).
    pub enum DiskBus {
        Ide = "ide",
        Fdc = "fdc",
        Scsi = "scsi",
        Virtio = "virtio",
        Xen = "xen",
        Usb = "usb",
        Uml = "uml",
        Sata = "sata",
        Sd = "sd",
        Nvme = "nvme",
    } default Ide
}

closed_enum! {
    /// `<driver cache=...>`.
    pub enum DiskCache {
        Default = "default",
        None = "none",
        Writethrough = "writethrough",
        Writeback = "writeback",
        Directsync = "directsync",
        Unsafe = "unsafe",
    } default Default
}

closed_enum! {
    /// `<source startupPolicy=...>`: what to do when the source is missing.
    pub enum StartupPolicy { Mandatory = "mandatory", Requisite = "requisite", Optional = "optional" } default Mandatory
}

/// `<disk>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disk {
    /// `type`.
    pub disk_type: DiskType,
    /// `device`.
    pub device: DiskDevice,
    /// `<driver>`.
    pub driver: Option<DiskDriver>,
    /// `<source>`.
    pub source: Option<DiskSource>,
    /// `<target>`.
    pub target: DiskTarget,
    /// `<readonly/>` (CD-ROMs always are: libvirt sets it for them).
    pub readonly: bool,
    /// `<shareable/>`.
    pub shareable: bool,
    /// `<transient/>` (VMX `scsi0:0.mode = "independent-nonpersistent"`).
    pub transient: bool,
    /// `<address type='drive' .../>`. libvirt assigns one from the target name when absent.
    pub address: Option<DriveAddress>,
}

/// `<disk><driver>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskDriver {
    /// `name` (old libvirt used it for the SCSI controller model: `lsilogic`, `buslogic`...).
    pub name: Option<String>,
    /// `type` (image format: `raw`, `vmdk`...).
    pub format: Option<String>,
    /// `cache` (VMX `scsi0:0.writeThrough = "true"` is `writethrough`).
    pub cache: Option<DiskCache>,
}

/// `<disk><source>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskSource {
    /// The path: attribute `file` for `type='file'`, `dev` for `'block'`, `dir` for `'dir'`.
    pub path: Option<String>,
    /// `startupPolicy`.
    pub startup_policy: Option<StartupPolicy>,
}

/// `<disk><target>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskTarget {
    /// `dev`: the guest-visible name (`sda`, `hdc`, `fda`, `nvme0n1`).
    pub dev: String,
    /// `bus` (resolved from `dev` when absent, as libvirt does).
    pub bus: DiskBus,
}

/// `<address type='drive' controller=... bus=... target=... unit=.../>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct DriveAddress {
    /// `controller`: the controller index.
    pub controller: u32,
    /// `bus`.
    pub bus: u32,
    /// `target`.
    pub target: u32,
    /// `unit`.
    pub unit: u32,
}

open_enum! {
    /// `<controller type=...>`, ordered as libvirt's enumeration (which sorts controllers).
    pub enum ControllerType {
        Ide = "ide",
        Fdc = "fdc",
        Scsi = "scsi",
        Sata = "sata",
        VirtioSerial = "virtio-serial",
        Ccid = "ccid",
        Usb = "usb",
        Pci = "pci",
        Xenbus = "xenbus",
        Isa = "isa",
        Nvme = "nvme",
    } default Scsi
}

impl ControllerType {
    /// libvirt keeps controllers sorted by this rank, then by index.
    pub fn rank(&self) -> usize {
        match self {
            ControllerType::Ide => 0,
            ControllerType::Fdc => 1,
            ControllerType::Scsi => 2,
            ControllerType::Sata => 3,
            ControllerType::VirtioSerial => 4,
            ControllerType::Ccid => 5,
            ControllerType::Usb => 6,
            ControllerType::Pci => 7,
            ControllerType::Xenbus => 8,
            ControllerType::Isa => 9,
            ControllerType::Nvme => 10,
            ControllerType::Other(_) => 11,
        }
    }
}

/// `<controller>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Controller {
    /// `type`.
    pub controller_type: ControllerType,
    /// `index`.
    pub index: u32,
    /// `model` (SCSI: `buslogic`, `lsilogic`, `lsisas1068`, `vmpvscsi`; USB: `piix3-uhci`...).
    pub model: Option<String>,
}

open_enum! {
    /// `<filesystem type=...>`.
    pub enum FilesystemType { Mount = "mount", Block = "block", File = "file", Template = "template", Ram = "ram", Bind = "bind", Volume = "volume" } default Mount
}

closed_enum! {
    /// `<filesystem accessmode=...>`.
    pub enum FilesystemAccessMode { Passthrough = "passthrough", Mapped = "mapped", Squash = "squash" } default Passthrough
}

/// `<filesystem>`: a host directory shared with the guest (VMX `sharedFolderN`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filesystem {
    /// `type`.
    pub fs_type: FilesystemType,
    /// `accessmode` (libvirt writes `passthrough` when unset).
    pub access_mode: FilesystemAccessMode,
    /// `<source dir=...>` (or `dev`/`file`/`name`/`usage` by type): the host side.
    pub source: Option<String>,
    /// `<target dir=...>`: the name the guest sees.
    pub target: String,
    /// `<readonly/>`.
    pub readonly: bool,
}

open_enum! {
    /// `<interface type=...>`.
    pub enum InterfaceType {
        User = "user",
        Ethernet = "ethernet",
        Network = "network",
        Bridge = "bridge",
        Direct = "direct",
        Hostdev = "hostdev",
        Null = "null",
        Vds = "vds",
    } default Bridge
}

closed_enum! {
    /// `<mac type=...>`: how VMware assigned the address (VMX `ethernetN.addressType`).
    pub enum MacType { Generated = "generated", Static = "static" } default Generated
}

/// `<interface><mac>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mac {
    /// `address`.
    pub address: MacAddr,
    /// `type`.
    pub mac_type: Option<MacType>,
    /// `check`: whether VMware should check the address against its allowed prefixes.
    pub check: Option<bool>,
}

/// `<interface><source>`. Which attributes apply depends on the interface type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceSource {
    /// `bridge` (type `bridge`: the VMware port group / network name).
    pub bridge: Option<String>,
    /// `network` (type `network`).
    pub network: Option<String>,
    /// `portgroup` (type `network`).
    pub portgroup: Option<String>,
    /// `dev` (type `direct`).
    pub dev: Option<String>,
    /// `mode` (type `direct`).
    pub mode: Option<String>,
    /// `switchid` (type `vds`: the distributed switch UUID).
    pub switchid: Option<String>,
    /// `portid` (type `vds`: the port key, an integer).
    pub portid: Option<String>,
    /// `portgroupid` (type `vds`: `dvportgroup-N`).
    pub portgroupid: Option<String>,
    /// `connectionid` (type `vds`: an integer).
    pub connectionid: Option<String>,
}

/// `<interface>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    /// `type`.
    pub iface_type: InterfaceType,
    /// `<mac>`.
    pub mac: Option<Mac>,
    /// `<source>`.
    pub source: InterfaceSource,
    /// `<target dev=...>` (VMX `ethernetN.vnet` for custom networking).
    pub target_dev: Option<String>,
    /// `<model type=...>` (`vlance`, `vmxnet`, `vmxnet2`, `vmxnet3`, `e1000`, `e1000e`).
    pub model: Option<String>,
}

/// `<input type=... bus=...>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Input {
    /// `type` (`mouse`, `tablet`, `keyboard`...).
    pub input_type: String,
    /// `bus` (`ps2`, `usb`...).
    pub bus: Option<String>,
}

open_enum! {
    /// `<graphics type=...>`. VMware offers VNC only.
    pub enum GraphicsType { Vnc = "vnc", Sdl = "sdl", Rdp = "rdp", Desktop = "desktop", Spice = "spice" } default Vnc
}

/// `<graphics>`: VNC attributes; other types keep their type only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Graphics {
    /// `type`.
    pub graphics_type: GraphicsType,
    /// `port` (VMX `RemoteDisplay.vnc.port`); `None` with `autoport`.
    pub port: Option<u32>,
    /// `autoport`: let the host pick the port (libvirt sets it when `port` is absent or -1).
    pub autoport: bool,
    /// `websocket`.
    pub websocket: Option<i32>,
    /// `keymap` (VMX `RemoteDisplay.vnc.keymap`).
    pub keymap: Option<String>,
    /// `sharePolicy`.
    pub share_policy: Option<String>,
    /// `passwd` (VMX `RemoteDisplay.vnc.password`): written only with
    /// [`FormatOptions::secure`](crate::domain::FormatOptions).
    pub passwd: Option<VncPassword>,
    /// `<listen>` children (libvirt adds an address listen without address when none).
    pub listens: Vec<GraphicsListen>,
}

closed_enum! {
    /// `<listen type=...>`.
    pub enum ListenType { Address = "address", Network = "network", Socket = "socket", None = "none" } default Address
}

/// `<graphics><listen>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphicsListen {
    /// `type`.
    pub listen_type: ListenType,
    /// `address` (VMX `RemoteDisplay.vnc.ip`).
    pub address: Option<String>,
    /// `network`.
    pub network: Option<String>,
    /// `socket`.
    pub socket: Option<String>,
}

closed_enum! {
    /// `<source mode=...>` of a TCP, UDP or UNIX character device.
    pub enum ChrSourceMode { Connect = "connect", Bind = "bind" } default Connect
}

closed_enum! {
    /// `<protocol type=...>` of a TCP character device.
    pub enum ChrTcpProtocol { Raw = "raw", Telnet = "telnet", Telnets = "telnets", Tls = "tls" } default Raw
}

/// What a serial, parallel or console device is connected to: `type` and `<source>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ChrSource {
    /// `type='null'`.
    #[default]
    Null,
    /// `type='vc'`.
    Vc,
    /// `type='pty'`.
    Pty {
        /// `<source path>` (only on a running domain).
        path: Option<String>,
    },
    /// `type='dev'`: a host device (VMX `serialN.fileType = "device"`).
    Dev {
        /// `<source path>`.
        path: String,
    },
    /// `type='file'`: output to a file (VMX `serialN.fileType = "file"`).
    File {
        /// `<source path>`.
        path: String,
        /// `<source append>`.
        append: Option<bool>,
    },
    /// `type='pipe'`: a named pipe (VMX `serialN.fileType = "pipe"`).
    Pipe {
        /// `<source path>`.
        path: String,
    },
    /// `type='stdio'`.
    Stdio,
    /// `type='tcp'`: a network serial port (VMX `serialN.fileType = "network"`).
    Tcp {
        /// `<source mode>`: `bind` for a server, `connect` for a client.
        mode: ChrSourceMode,
        /// `<source host>`.
        host: Option<String>,
        /// `<source service>`: the port.
        service: Option<String>,
        /// `<protocol type>`.
        protocol: ChrTcpProtocol,
    },
    /// `type='udp'`: two `<source>` elements.
    Udp {
        /// `<source mode='bind' host>`.
        bind_host: Option<String>,
        /// `<source mode='bind' service>`.
        bind_service: Option<String>,
        /// `<source mode='connect' host>`.
        connect_host: Option<String>,
        /// `<source mode='connect' service>`.
        connect_service: Option<String>,
    },
    /// `type='unix'`.
    Unix {
        /// `<source mode>`.
        mode: ChrSourceMode,
        /// `<source path>`.
        path: Option<String>,
    },
    /// Any other type (`spicevmc`, `nmdm`...), kept by name without its source.
    Other(String),
}

impl ChrSource {
    /// The `type` attribute.
    pub fn type_name(&self) -> &str {
        match self {
            ChrSource::Null => "null",
            ChrSource::Vc => "vc",
            ChrSource::Pty { .. } => "pty",
            ChrSource::Dev { .. } => "dev",
            ChrSource::File { .. } => "file",
            ChrSource::Pipe { .. } => "pipe",
            ChrSource::Stdio => "stdio",
            ChrSource::Tcp { .. } => "tcp",
            ChrSource::Udp { .. } => "udp",
            ChrSource::Unix { .. } => "unix",
            ChrSource::Other(name) => name,
        }
    }
}

/// A `<serial>`, `<parallel>` or `<console>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chr {
    /// `type` and `<source>`/`<protocol>`.
    pub source: ChrSource,
    /// `<target type=...>`: for consoles `serial` (VMware); for serials usually unset.
    pub target_type: Option<String>,
    /// `<target port=...>`: libvirt numbers ports from 0 when absent.
    pub target_port: u32,
}

open_enum! {
    /// `<video><model type=...>`. VMware's adapter is `vmvga`.
    pub enum VideoModel {
        Vga = "vga",
        Cirrus = "cirrus",
        Vmvga = "vmvga",
        Xen = "xen",
        Vbox = "vbox",
        Qxl = "qxl",
        Virtio = "virtio",
        Bochs = "bochs",
        None = "none",
    } default Vmvga
}

/// `<video>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Video {
    /// `<model type=...>`.
    pub model: VideoModel,
    /// `<model ram=...>`, KiB.
    pub ram_kib: Option<u32>,
    /// `<model vram=...>`, KiB (VMX `svga.vramSize`, in bytes there).
    pub vram_kib: Option<u32>,
    /// `<model vgamem=...>`, KiB.
    pub vgamem_kib: Option<u32>,
    /// `<model heads=...>`.
    pub heads: Option<u32>,
    /// `<model primary='yes'>`: libvirt marks the first video primary.
    pub primary: bool,
}

/// `<memballoon model=...>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemBalloon {
    /// `model` (`none`, `virtio`...).
    pub model: String,
}

#[cfg(test)]
mod tests {
    use super::Uuid;

    #[test]
    fn random_uuids_are_version_4_and_differ() {
        let a = Uuid::new_random().unwrap();
        let b = Uuid::new_random().unwrap();
        assert_ne!(a, b);
        for uuid in [a, b] {
            let text = uuid.to_string();
            assert_eq!(&text[14..15], "4", "{text}");
            assert!("89ab".contains(&text[19..20]), "{text}");
            assert_eq!(text.parse::<Uuid>().unwrap(), uuid);
        }
    }
}
