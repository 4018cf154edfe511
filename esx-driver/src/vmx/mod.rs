//! VMX files and their conversion to and from libvirt domain XML.
//!
//! - [`file`](mod@file): the VMX reader/writer ([`VmxFile`]): lossless, keys case-insensitive,
//!   `.encoding` honoured.
//! - [`context`]: what the conversion needs from its surroundings ([`VmxContext`]): file-name
//!   mapping, SCSI controller model detection, the datacenter path; and [`OfflineContext`].
//! - [`to_domain`]: VMX -> [`Domain`](crate::domain::Domain) ([`vmx_to_domain`]).
//! - [`from_domain`]: [`Domain`](crate::domain::Domain) -> VMX ([`domain_to_vmx`], and [`update_vmx`] to apply a
//!   domain to an existing file while keeping the entries this crate does not manage).
//! - `slots`: where a disk sits (SCSI/SATA/IDE/NVMe controller and unit, floppy unit) and its
//!   key prefix, libvirt bus, address and target name, shared by both directions.
//! - `chardev`: serial and parallel ports, both directions.
//! - `entries`: typed reads of VMX entries with errors naming the entry, and key building.
//!
//! The conversion follows libvirt's `src/vmx/vmx.c` (libvirt 11), checked against libvirt's own
//! test data (`tests/conformance.rs`).
//!
//! # Public API
//!
//! - [`VmxFile::parse`] / [`VmxFile::parse_str`] / [`VmxFile::from_entries`], [`VmxFile::get`],
//!   [`VmxFile::set`], [`VmxFile::remove`], [`VmxFile::entries`], [`VmxFile::to_bytes`] /
//!   [`VmxFile::to_text`]; [`escape_hex`] / [`unescape_hex`] for `|XX` escapes.
//! - [`vmx_to_domain`]`(&VmxFile, &dyn VmxContext)`,
//!   [`domain_to_vmx`]`(&Domain, &dyn VmxContext, hw_version)`,
//!   [`update_vmx`]`(&VmxFile, &Domain, &dyn VmxContext)`; errors are [`Error`].
//! - [`VmxContext`] (implemented by the driver against a host) and [`OfflineContext`].
//! - [`OLDEST_HW_VERSION`]..=[`NEWEST_HW_VERSION`], [`SUPER_WIDE_HW_VERSION`],
//!   [`HOSTONLY_NETWORK`].
//!
//! # Beyond libvirt
//!
//! - **Host-only networking** (`ethernetN.connectionType = "hostonly"`, VMware Workstation and
//!   Fusion), which libvirt refuses, maps to `<interface type='network'>` with
//!   `<source network='hostonly'/>`, and back. Other libvirt networks have no VMware meaning
//!   and are refused with an error naming them.
//! - **SATA and NVMe disks are written** as well as read (`sataN:M.*`, `nvmeN:M.*`, with their
//!   `sataN.present` / `nvmeN.present` controllers), so modern VMs survive VMX -> XML -> VMX.
//!   libvirt reads them but refuses to write them.
//! - `<hwuuid>` writes `uuid.bios` and a different `<uuid>` writes `vc.uuid`, the inverse of
//!   reading; `<genid>` writes `vm.genid`/`vm.genidX`; `<nvram>` writes `nvram`;
//!   `<firmware><feature name='secure-boot'>` writes `uefi.secureBoot.enabled`.
//!
//! # Deviations from libvirt (each where libvirt would lose data or refuse a valid VM)
//!
//! - `firmware = "bios"` reads as `<os firmware='bios'>` (libvirt rejects the file) and is
//!   written back; libvirt accepts only `efi`.
//! - `<driver cache='writethrough'>` is written for IDE/SATA disks too (libvirt writes it for
//!   SCSI only and silently drops it elsewhere, while reading it for every bus).
//! - Line breaks and other control characters in `annotation` (and any value) are written as
//!   `|0a`-style escapes, as VMware does; libvirt writes them raw, which breaks the file.
//! - Super-wide SCSI (virtualHW 13+, units 0..64): target names are numbered 64 per controller
//!   (`controller * 64 + unit`, skipping unit 7) so that disks on controllers 1-3 keep distinct
//!   names; libvirt numbers 15 per controller, which gives a disk on `scsi1:0` the same name as
//!   `scsi0:16`. Controller 0 (all of libvirt's test data) is named identically. When writing,
//!   a disk's `<address>` decides its slot; the classic 15-unit rule applies to the name only
//!   when there is no address.
//! - A file without `displayName` is an error naming the entry: libvirt leaves `<name>` out,
//!   which gives domain XML that libvirt itself cannot read back.
//! - `guestOS` values ending in `-64` are recognized case-insensitively.
//! - A repeated VMX key reads as its last occurrence, as VMware reads it.
//! - An interface without `<mac>` gets no address entries (VMware generates one); libvirt
//!   would have generated a random address while parsing the XML.
//! - A network serial port whose `fileName` is empty or not a URI (a vSPC proxy) reads as
//!   `<serial type='null'>`, as libvirt 11 shows it; such a port cannot be written back into a
//!   new file (libvirt refuses type 'null' too), but [`update_vmx`] keeps the file's own
//!   entries for it.

mod chardev;
pub mod context;
mod entries;
pub mod file;
pub mod from_domain;
mod slots;
pub mod to_domain;
mod update;

pub use context::{split_datastore_path, OfflineContext, ScsiControllerModel, VmxContext};
pub use file::{escape_hex, unescape_hex, VmxFile};
pub use from_domain::domain_to_vmx;
pub use to_domain::vmx_to_domain;
pub use update::update_vmx;

/// The oldest `virtualHW.version` the conversion reads and writes (ESX 3.5).
pub const OLDEST_HW_VERSION: u32 = 4;

/// The newest `virtualHW.version` this converter writes by default (ESXi 8.0 U2).
pub const NEWEST_HW_VERSION: u32 = 21;

/// From this `virtualHW.version` on, SCSI controllers have the super-wide bus (units 0..64).
pub const SUPER_WIDE_HW_VERSION: u32 = 13;

/// The highest SCSI unit on a classic wide bus (unit 7 is the controller).
pub const SCSI_MAX_UNIT: u32 = 15;

/// The highest SCSI unit on a super-wide bus.
pub const SCSI_SUPER_WIDE_MAX_UNIT: u32 = 64;

/// The libvirt network name that stands for VMware host-only networking.
pub const HOSTONLY_NETWORK: &str = "hostonly";

/// Why a VMX file could not be read or converted, in the terms of the VMX key or the domain XML
/// element concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The VMX text is not `key = "value"` lines.
    #[error("line {line}: {message}")]
    Syntax {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// The declared `.encoding` is unknown or the bytes do not match it.
    #[error("{0}")]
    Encoding(String),
    /// An entry the conversion cannot do without is absent.
    #[error("Missing essential config entry '{0}'")]
    Missing(String),
    /// A VMX entry has a value the conversion does not accept.
    #[error("Expecting VMX entry '{key}' to be {expected} but found '{found}'")]
    Entry {
        /// The VMX key.
        key: String,
        /// What the conversion accepts there.
        expected: String,
        /// The value found.
        found: String,
    },
    /// Another problem with the VMX content (the message names the entry).
    #[error("{0}")]
    Vmx(String),
    /// The domain XML uses something VMware cannot represent (the message names the element).
    #[error("{0}")]
    Domain(String),
    /// A file name could not be mapped between VMX and libvirt form.
    #[error("{0}")]
    FileName(String),
}

/// `text` without `prefix` (ASCII, compared case-insensitively); never splits a character.
pub(crate) fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.as_bytes().get(..prefix.len())?;
    // An ASCII prefix matched byte for byte ends on a character boundary.
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| &text[prefix.len()..])
}

impl Error {
    pub(crate) fn entry(
        key: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Error {
        Error::Entry {
            key: key.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}
