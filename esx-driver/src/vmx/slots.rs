//! Where a disk sits in a VMX file and what libvirt calls it there: the slot vocabulary both
//! conversion directions share.
//!
//! A [`Slot`] is a SCSI, SATA or NVMe controller and unit, an IDE bus and unit, or a floppy
//! unit. It gives the VMX key prefix (`scsi0:1`, `ide1:0`, `floppy0`), the libvirt bus and
//! `<address>`, and the target name (`sdb`, `hdc`, `nvme0n1`, `fda`); the `*_of_index` and
//! [`Slot::nvme_of_name`] functions go back from a target name to its slot, with [`disk_index`]
//! the inverse of [`disk_name`].

use crate::domain::{DiskBus, DriveAddress};

use super::{SCSI_MAX_UNIT, SCSI_SUPER_WIDE_MAX_UNIT, SUPER_WIDE_HW_VERSION};

/// SCSI, SATA and NVMe controllers a VM can have, each.
pub(crate) const CONTROLLERS: u32 = 4;

/// The SCSI unit the controller itself takes.
pub(crate) const SCSI_CONTROLLER_UNIT: u32 = 7;

/// Units on each SATA controller.
pub(crate) const SATA_UNITS: u32 = 30;

/// Namespaces on each NVMe controller.
pub(crate) const NVME_NAMESPACES: u32 = 64;

/// IDE buses (one controller), and units on each.
pub(crate) const IDE_BUSES: u32 = 2;
/// Units on each IDE bus.
pub(crate) const IDE_UNITS: u32 = 2;

/// Floppy drives (one controller).
pub(crate) const FLOPPY_UNITS: u32 = 2;

/// How wide a SCSI bus is: classic (units 0..=15) or, from `virtualHW.version` 13, super-wide
/// (units 0..=64). Unit 7 is the controller's own on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScsiWidth {
    /// Units 0..=15.
    Wide,
    /// Units 0..=64.
    SuperWide,
}

impl ScsiWidth {
    /// The width of the SCSI buses of a VM of this `virtualHW.version`.
    pub(crate) fn of_hw_version(hw_version: i64) -> ScsiWidth {
        if hw_version >= i64::from(SUPER_WIDE_HW_VERSION) {
            ScsiWidth::SuperWide
        } else {
            ScsiWidth::Wide
        }
    }

    /// The highest unit number.
    pub(crate) fn max_unit(self) -> u32 {
        match self {
            ScsiWidth::Wide => SCSI_MAX_UNIT,
            ScsiWidth::SuperWide => SCSI_SUPER_WIDE_MAX_UNIT,
        }
    }

    /// Target names numbered per controller: every unit but the controller's own (15 or 64).
    pub(crate) fn names_per_controller(self) -> u32 {
        self.max_unit()
    }
}

/// A disk's place in a VMX file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    /// `scsiC:U`.
    Scsi {
        /// 0..=3.
        controller: u32,
        /// 0..=15 (or 0..=64 super-wide), never 7.
        unit: u32,
    },
    /// `sataC:U`.
    Sata {
        /// 0..=3.
        controller: u32,
        /// 0..=29.
        unit: u32,
    },
    /// `ideB:U`.
    Ide {
        /// 0..=1.
        bus: u32,
        /// 0..=1.
        unit: u32,
    },
    /// `floppyU`.
    Floppy {
        /// 0..=1.
        unit: u32,
    },
    /// `nvmeC:U`.
    Nvme {
        /// 0..=3.
        controller: u32,
        /// 0..=63: the namespace less one.
        unit: u32,
    },
}

impl Slot {
    /// The prefix of the slot's VMX keys: `scsi0:1` (as in `scsi0:1.fileName`), `floppy0`.
    pub(crate) fn key_prefix(self) -> String {
        match self {
            Slot::Scsi { controller, unit } => format!("scsi{controller}:{unit}"),
            Slot::Sata { controller, unit } => format!("sata{controller}:{unit}"),
            Slot::Ide { bus, unit } => format!("ide{bus}:{unit}"),
            Slot::Nvme { controller, unit } => format!("nvme{controller}:{unit}"),
            Slot::Floppy { unit } => format!("floppy{unit}"),
        }
    }

    /// The slot whose keys start with `prefix` (`scsi0:1`, `SATA1:0`, `floppy1`: compared
    /// without regard to case, as VMware reads keys).
    pub(crate) fn of_key_prefix(prefix: &str) -> Option<Slot> {
        let rest_after = |bus: &str| {
            super::strip_prefix_ignore_case(prefix, bus).filter(|rest| !rest.is_empty())
        };
        let pair = |rest: &str| {
            let (a, b) = rest.split_once(':')?;
            Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?))
        };
        if let Some(rest) = rest_after("scsi") {
            pair(rest).map(|(controller, unit)| Slot::Scsi { controller, unit })
        } else if let Some(rest) = rest_after("sata") {
            pair(rest).map(|(controller, unit)| Slot::Sata { controller, unit })
        } else if let Some(rest) = rest_after("nvme") {
            pair(rest).map(|(controller, unit)| Slot::Nvme { controller, unit })
        } else if let Some(rest) = rest_after("ide") {
            pair(rest).map(|(bus, unit)| Slot::Ide { bus, unit })
        } else if let Some(rest) = rest_after("floppy") {
            rest.parse::<u32>().ok().map(|unit| Slot::Floppy { unit })
        } else {
            None
        }
    }

    /// The two numbers of the key prefix: controller (IDE: bus) and unit; a floppy's controller
    /// is 0.
    pub(crate) fn numbers(self) -> (u32, u32) {
        match self {
            Slot::Scsi { controller, unit }
            | Slot::Sata { controller, unit }
            | Slot::Nvme { controller, unit } => (controller, unit),
            Slot::Ide { bus, unit } => (bus, unit),
            Slot::Floppy { unit } => (0, unit),
        }
    }

    /// The libvirt bus (`<target bus=...>`).
    pub(crate) fn bus(self) -> DiskBus {
        match self {
            Slot::Scsi { .. } => DiskBus::Scsi,
            Slot::Sata { .. } => DiskBus::Sata,
            Slot::Ide { .. } => DiskBus::Ide,
            Slot::Floppy { .. } => DiskBus::Fdc,
            Slot::Nvme { .. } => DiskBus::Nvme,
        }
    }

    /// The libvirt `<address type='drive'>`.
    pub(crate) fn address(self) -> DriveAddress {
        let (controller, bus, unit) = match self {
            Slot::Scsi { controller, unit }
            | Slot::Sata { controller, unit }
            | Slot::Nvme { controller, unit } => (controller, 0, unit),
            Slot::Ide { bus, unit } => (0, bus, unit),
            Slot::Floppy { unit } => (0, 0, unit),
        };
        DriveAddress {
            controller,
            bus,
            target: 0,
            unit,
        }
    }

    /// The libvirt target name (`<target dev=...>`): `sda`.. numbered across SCSI controllers
    /// by `scsi`'s width, `sda`.. across SATA controllers, `hda`..`hdd`, `nvme0n1`, `fda`.
    pub(crate) fn target_name(self, scsi: ScsiWidth) -> String {
        match self {
            Slot::Scsi { controller, unit } => {
                let below_controller = if unit < SCSI_CONTROLLER_UNIT {
                    unit
                } else {
                    unit - 1
                };
                disk_name(
                    "sd",
                    controller * scsi.names_per_controller() + below_controller,
                )
            }
            Slot::Sata { controller, unit } => disk_name("sd", controller * SATA_UNITS + unit),
            Slot::Ide { bus, unit } => disk_name("hd", bus * IDE_UNITS + unit),
            Slot::Nvme { controller, unit } => format!("nvme{controller}n{}", unit + 1),
            Slot::Floppy { unit } => disk_name("fd", unit),
        }
    }

    /// The SCSI slot of target name number `index` (`sdb` is 1), the inverse of
    /// [`Slot::target_name`]; `None` past the last unit of the fourth controller.
    pub(crate) fn scsi_of_index(index: u32, scsi: ScsiWidth) -> Option<Slot> {
        let per_controller = scsi.names_per_controller();
        if index >= CONTROLLERS * per_controller {
            return None;
        }
        let unit = index % per_controller;
        Some(Slot::Scsi {
            controller: index / per_controller,
            unit: if unit >= SCSI_CONTROLLER_UNIT {
                unit + 1
            } else {
                unit
            },
        })
    }

    /// The SATA slot of target name number `index`, not range-checked.
    pub(crate) fn sata_of_index(index: u32) -> Slot {
        Slot::Sata {
            controller: index / SATA_UNITS,
            unit: index % SATA_UNITS,
        }
    }

    /// The IDE slot of target name number `index` (`hdc` is 2); `None` past `hdd`.
    pub(crate) fn ide_of_index(index: u32) -> Option<Slot> {
        (index < IDE_BUSES * IDE_UNITS).then_some(Slot::Ide {
            bus: index / IDE_UNITS,
            unit: index % IDE_UNITS,
        })
    }

    /// The floppy slot of target name number `index`; `None` past `fdb`.
    pub(crate) fn floppy_of_index(index: u32) -> Option<Slot> {
        (index < FLOPPY_UNITS).then_some(Slot::Floppy { unit: index })
    }

    /// The NVMe slot of a target name `nvme<controller>n<namespace>` (namespaces count from
    /// 1), not range-checked.
    pub(crate) fn nvme_of_name(name: &str) -> Option<Slot> {
        let rest = name.strip_prefix("nvme")?;
        let (controller, namespace) = rest.split_once('n')?;
        let namespace: u32 = namespace.parse().ok()?;
        Some(Slot::Nvme {
            controller: controller.parse().ok()?,
            unit: namespace.checked_sub(1)?,
        })
    }
}

/// `0 -> a`, `25 -> z`, `26 -> aa`: libvirt's `virIndexToDiskName`.
pub(crate) fn disk_name(prefix: &str, index: u32) -> String {
    let mut letters = Vec::new();
    let mut i = i64::from(index);
    loop {
        letters.push(b'a' + (i % 26) as u8);
        i = i / 26 - 1;
        if i < 0 {
            break;
        }
    }
    letters.reverse();
    let mut name = String::with_capacity(prefix.len() + letters.len());
    name.push_str(prefix);
    name.push_str(std::str::from_utf8(&letters).unwrap_or("a"));
    name
}

/// libvirt's `virDiskNameToIndex`: `sda` -> 0, `sdaa` -> 26 (`None` when not `prefix` + letters).
pub(crate) fn disk_index(name: &str, prefix: &str) -> Option<u32> {
    let letters = name.strip_prefix(prefix)?;
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let mut index: u64 = 0;
    for byte in letters.bytes() {
        index = index * 26 + u64::from(byte - b'a') + 1;
        if index > u64::from(u32::MAX) {
            return None;
        }
    }
    Some((index - 1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_names_follow_libvirt() {
        assert_eq!(disk_name("sd", 0), "sda");
        assert_eq!(disk_name("sd", 25), "sdz");
        assert_eq!(disk_name("sd", 26), "sdaa");
        assert_eq!(disk_name("sd", 63), "sdbl");
        assert_eq!(disk_name("hd", 3), "hdd");
    }

    #[test]
    fn disk_index_is_the_inverse_of_disk_name() {
        for index in [0, 1, 25, 26, 27, 63, 700, 18277] {
            let name = disk_name("sd", index);
            assert_eq!(disk_index(&name, "sd"), Some(index), "{name}");
        }
        assert_eq!(disk_index("sd", "sd"), None);
        assert_eq!(disk_index("sdA", "sd"), None);
        assert_eq!(disk_index("hda", "sd"), None);
    }

    #[test]
    fn every_slot_goes_from_its_target_name_back_to_itself() {
        for scsi in [ScsiWidth::Wide, ScsiWidth::SuperWide] {
            for controller in 0..CONTROLLERS {
                for unit in (0..=scsi.max_unit()).filter(|u| *u != SCSI_CONTROLLER_UNIT) {
                    let slot = Slot::Scsi { controller, unit };
                    let index = disk_index(&slot.target_name(scsi), "sd").unwrap();
                    assert_eq!(Slot::scsi_of_index(index, scsi), Some(slot), "{scsi:?}");
                }
            }
            let past = CONTROLLERS * scsi.names_per_controller();
            assert_eq!(Slot::scsi_of_index(past, scsi), None);
        }
        for controller in 0..CONTROLLERS {
            for unit in 0..SATA_UNITS {
                let slot = Slot::Sata { controller, unit };
                let index = disk_index(&slot.target_name(ScsiWidth::Wide), "sd").unwrap();
                assert_eq!(Slot::sata_of_index(index), slot);
            }
            for unit in 0..NVME_NAMESPACES {
                let slot = Slot::Nvme { controller, unit };
                assert_eq!(
                    Slot::nvme_of_name(&slot.target_name(ScsiWidth::Wide)),
                    Some(slot)
                );
            }
        }
        for bus in 0..IDE_BUSES {
            for unit in 0..IDE_UNITS {
                let slot = Slot::Ide { bus, unit };
                let index = disk_index(&slot.target_name(ScsiWidth::Wide), "hd").unwrap();
                assert_eq!(Slot::ide_of_index(index), Some(slot));
            }
        }
        assert_eq!(Slot::ide_of_index(4), None);
        for unit in 0..FLOPPY_UNITS {
            let slot = Slot::Floppy { unit };
            let index = disk_index(&slot.target_name(ScsiWidth::Wide), "fd").unwrap();
            assert_eq!(Slot::floppy_of_index(index), Some(slot));
        }
        assert_eq!(Slot::floppy_of_index(2), None);
        assert_eq!(Slot::nvme_of_name("nvme0n0"), None);
    }

    #[test]
    fn key_prefixes_read_back_whatever_their_case() {
        let slots = [
            Slot::Scsi {
                controller: 3,
                unit: 64,
            },
            Slot::Sata {
                controller: 1,
                unit: 29,
            },
            Slot::Ide { bus: 1, unit: 0 },
            Slot::Nvme {
                controller: 0,
                unit: 5,
            },
            Slot::Floppy { unit: 1 },
        ];
        for slot in slots {
            assert_eq!(Slot::of_key_prefix(&slot.key_prefix()), Some(slot));
            let upper = slot.key_prefix().to_ascii_uppercase();
            assert_eq!(Slot::of_key_prefix(&upper), Some(slot), "{upper}");
        }
        for other in ["scsi", "scsi0", "ide0:x", "floppy", "ethernet0", "sata0:"] {
            assert_eq!(Slot::of_key_prefix(other), None, "{other}");
        }
    }

    #[test]
    fn addresses_follow_the_bus() {
        assert_eq!(
            Slot::Ide { bus: 1, unit: 0 }.address(),
            DriveAddress {
                controller: 0,
                bus: 1,
                target: 0,
                unit: 0
            }
        );
        assert_eq!(
            Slot::Scsi {
                controller: 2,
                unit: 8
            }
            .address(),
            DriveAddress {
                controller: 2,
                bus: 0,
                target: 0,
                unit: 8
            }
        );
    }
}
