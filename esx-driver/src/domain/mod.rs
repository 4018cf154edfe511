//! The part of libvirt's domain XML that VMware maps to: a typed model, its parser and formatter.
//!
//! - The model: plain data types mirroring libvirt's `<domain>` elements that matter for VMware
//!   ([`Domain`] and its parts), re-exported here.
//! - [`parse_domain_xml`]: XML text -> [`Domain`], with libvirt's defaults and normalizations
//!   (memory units to KiB, drive addresses from target names, implicit controllers, the serial
//!   console alias, the primary video).
//! - [`format_domain_xml`]: [`Domain`] -> XML text, byte-for-byte the way libvirt formats it.
//! - [`xmltree`]: a small XML element tree and an order/whitespace-insensitive comparison for
//!   tests ([`xmltree::semantic_diff`]).
//! - [`postparse`]: libvirt's post-parse steps, public for converters that build a [`Domain`].
//!
//! # Where this differs from libvirt's own parser
//!
//! - Elements VMware has no use for are ignored, as libvirt ignores unknown elements:
//!   `<metadata>`, `<sysinfo>`, `<maxMemory>`, `<numatune>`, `<blkiotune>`, `<memoryBacking>`,
//!   `<iothreads>`, `<pm>`, `<perf>`, `<seclabel>`, clock `<timer>`s, sub-elements of
//!   `<features>` entries, disk `<iotune>`/`<boot>`/`<serial>`/`<encryption>`/`<backingStore>`,
//!   interface `<vlan>`/`<link>`/`<mtu>`/`<bandwidth>`/`<virtualport>`/`<ip>`, and every
//!   attribute of non-VNC graphics but its type.
//! - Device classes VMware cannot provide ([`UNSUPPORTED_DEVICES`]: `<hostdev>`, `<sound>`,
//!   `<watchdog>`, `<rng>`, `<tpm>`, `<channel>`...) are refused by name, so that a definition
//!   never silently loses hardware; so are non-`drive` disk addresses and controller indexes
//!   above [`postparse::MAX_CONTROLLER_INDEX`].
//! - Nothing random is generated: a missing `<uuid>`, `<mac address>` or `<genid/>` value stays
//!   missing (VMware assigns them), and no `<boot dev='hd'/>` is added.
//! - A disk target name may repeat on different buses (libvirt's own VMX conversion names a
//!   SATA CD-ROM `sda` beside a SCSI `sda`); within a bus it is refused, as are duplicate drive
//!   addresses and duplicate controllers.

mod format;
mod model;
mod parse;
pub mod postparse;
pub mod xmltree;

use esx_vi::text::escape_controls;

pub use format::{escape_into, format_domain_xml, FormatOptions};
pub use model::*;
pub use parse::{parse_domain_xml, UNSUPPORTED_DEVICES};

/// Domain XML that cannot be read: where (a line and column for malformed XML, an element
/// path such as `/domain/devices/disk[2]/target` otherwise) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid domain XML at {}: {}",
    escape_controls(location),
    escape_controls(message)
)]
pub struct DomainXmlError {
    /// `line L, column C` or an element path.
    pub location: String,
    /// What is wrong, naming the attribute or value and what was expected.
    pub message: String,
}

impl Domain {
    /// Parses domain XML ([`parse_domain_xml`]).
    pub fn from_xml(xml: &str) -> Result<Domain, DomainXmlError> {
        parse_domain_xml(xml)
    }

    /// Formats as libvirt's inactive definition without secrets ([`format_domain_xml`]).
    pub fn to_xml(&self) -> String {
        format_domain_xml(
            self,
            FormatOptions {
                secure: false,
                inactive: true,
            },
        )
    }
}
