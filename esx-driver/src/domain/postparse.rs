//! libvirt's post-parse defaults for a VMware domain: drive addresses from target names,
//! implicit disk controllers, character device ports, the serial console alias and the
//! primary video. The parser applies them; converters building a [`Domain`] by hand can
//! call the public helpers to get the same shape libvirt would produce.

use super::model::*;

/// SCSI units per controller with VMware's "wide SCSI" (unit 7 is the controller itself).
const WIDE_SCSI_UNITS: u32 = 15;

/// The highest controller index a disk address may name. VMware has at most four
/// controllers of a kind; the bound keeps absurd indexes from creating millions of implied
/// controllers.
pub const MAX_CONTROLLER_INDEX: u32 = 255;

/// Applies every post-parse step in libvirt's order. Errors are messages for `/domain/devices`.
pub(crate) fn apply(domain: &mut Domain) -> Result<(), String> {
    assign_drive_addresses(&mut domain.devices.disks)?;
    check_duplicate_disks(&domain.devices.disks)?;
    for disk in &domain.devices.disks {
        if let Some(address) = disk.address {
            if address.controller > MAX_CONTROLLER_INDEX {
                return Err(format!(
                    "disk '{}': controller index {} is out of range (at most {MAX_CONTROLLER_INDEX})",
                    disk.target.dev, address.controller
                ));
            }
        }
    }
    add_implicit_controllers(&mut domain.devices);
    console_compat(domain)?;
    number_ports(&mut domain.devices.serials);
    number_ports(&mut domain.devices.parallels);
    number_ports(&mut domain.devices.consoles);
    mirror_serial_console(domain);
    primary_video(domain)?;
    Ok(())
}

/// Refuses two disks with the same target name or the same drive address on the same bus.
/// (libvirt refuses a target name used twice on any buses, but its own VMX conversion names
/// a SATA disk `sda` next to a SCSI `sda`, so names only clash within a bus here.)
fn check_duplicate_disks(disks: &[Disk]) -> Result<(), String> {
    let mut targets = std::collections::HashSet::new();
    let mut addresses = std::collections::HashSet::new();
    for disk in disks {
        if !targets.insert((&disk.target.bus, disk.target.dev.as_str())) {
            return Err(format!(
                "the disk target '{}' is used twice on the {} bus",
                disk.target.dev, disk.target.bus
            ));
        }
        if let Some(a) = disk.address {
            if !addresses.insert((disk.target.bus.clone(), a)) {
                return Err(format!(
                    "found a duplicate drive address for the disk with target name '{}' \
                     controller='{}' bus='{}' target='{}' unit='{}'",
                    disk.target.dev, a.controller, a.bus, a.target, a.unit
                ));
            }
        }
    }
    Ok(())
}

/// The index a disk target name encodes: `sda` 0, `sdz` 25, `sdaa` 26 (libvirt's
/// `virDiskNameToIndex`), after the bus prefix. `None` when the name has no such letters.
pub fn disk_name_to_index(name: &str) -> Option<u32> {
    let letters = ["xvd", "ubd", "fd", "hd", "vd", "sd"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))?;
    let end = letters
        .find(|c: char| !c.is_ascii_lowercase())
        .unwrap_or(letters.len());
    let (letters, rest) = letters.split_at(end);
    if letters.is_empty() || !rest.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut index: u32 = 0;
    for (i, c) in letters.bytes().enumerate() {
        let digit = u32::from(c - b'a');
        index = if i == 0 {
            digit
        } else {
            index.checked_add(1)?.checked_mul(26)?.checked_add(digit)?
        };
    }
    Some(index)
}

/// The drive address libvirt gives a disk without one, from its bus and target name
/// (`virDomainDiskDefAssignAddress` with wide SCSI, as the VMware driver enables).
pub fn default_drive_address(disk: &Disk) -> Result<Option<DriveAddress>, String> {
    if disk.target.bus == DiskBus::Nvme {
        // nvme<controller>n<namespace>: namespaces count from 1, units from 0.
        let parsed = disk
            .target
            .dev
            .strip_prefix("nvme")
            .and_then(|rest| rest.split_once('n'))
            .and_then(|(c, n)| Some((c.parse::<u32>().ok()?, n.parse::<u32>().ok()?)))
            .filter(|&(_, namespace)| namespace >= 1);
        return match parsed {
            Some((controller, namespace)) => Ok(Some(DriveAddress {
                controller,
                bus: 0,
                target: 0,
                unit: namespace - 1,
            })),
            None => Err(format!(
                "the NVMe disk target '{}' has no address and is not named nvme<C>n<N>: add an <address type='drive'/>",
                disk.target.dev
            )),
        };
    }
    if !matches!(
        disk.target.bus,
        DiskBus::Scsi | DiskBus::Ide | DiskBus::Fdc | DiskBus::Sata
    ) {
        return Ok(None);
    }
    let index = disk_name_to_index(&disk.target.dev).ok_or_else(|| {
        format!(
            "unknown disk name '{}' and no address specified",
            disk.target.dev
        )
    })?;
    let address = match disk.target.bus {
        DiskBus::Scsi => {
            let mut unit = index % WIDE_SCSI_UNITS;
            if unit >= 7 {
                unit += 1;
            }
            DriveAddress {
                controller: index / WIDE_SCSI_UNITS,
                bus: 0,
                target: 0,
                unit,
            }
        }
        DiskBus::Ide => DriveAddress {
            controller: index / 4,
            bus: (index % 4) / 2,
            target: 0,
            unit: index % 2,
        },
        DiskBus::Fdc => DriveAddress {
            controller: index / 2,
            bus: 0,
            target: 0,
            unit: index % 2,
        },
        _ => DriveAddress {
            controller: index / 6,
            bus: 0,
            target: 0,
            unit: index % 6,
        },
    };
    Ok(Some(address))
}

/// Gives every disk without an address the one its target name implies.
pub fn assign_drive_addresses(disks: &mut [Disk]) -> Result<(), String> {
    for disk in disks.iter_mut().filter(|d| d.address.is_none()) {
        disk.address = default_drive_address(disk)?;
    }
    Ok(())
}

/// Inserts a controller where libvirt would: after the controllers of its type with a lower
/// index (types keep the order in which they first appear; a new type goes last).
pub fn insert_controller(controllers: &mut Vec<Controller>, controller: Controller) {
    let mut insert_at = None;
    for (position, current) in controllers.iter().enumerate().rev() {
        if current.controller_type != controller.controller_type {
            continue;
        }
        if current.index > controller.index {
            insert_at = Some(position);
        } else if insert_at.is_none() {
            insert_at = Some(position + 1);
        }
    }
    let position = insert_at.unwrap_or(controllers.len());
    controllers.insert(position, controller);
}

/// Adds the controllers the disks' drive addresses refer to (all indexes from 0 to the
/// highest used, per bus, in libvirt's order: SCSI, floppy, IDE, SATA, NVMe).
pub fn add_implicit_controllers(devices: &mut Devices) {
    let buses = [
        (ControllerType::Scsi, DiskBus::Scsi),
        (ControllerType::Fdc, DiskBus::Fdc),
        (ControllerType::Ide, DiskBus::Ide),
        (ControllerType::Sata, DiskBus::Sata),
        (ControllerType::Nvme, DiskBus::Nvme),
    ];
    for (controller_type, bus) in buses {
        let highest = devices
            .disks
            .iter()
            .filter(|disk| disk.target.bus == bus)
            .filter_map(|disk| disk.address.map(|a| a.controller))
            .max();
        let Some(highest) = highest else { continue };
        for index in 0..=highest {
            let exists = devices
                .controllers
                .iter()
                .any(|c| c.controller_type == controller_type && c.index == index);
            if !exists {
                insert_controller(
                    &mut devices.controllers,
                    Controller {
                        controller_type: controller_type.clone(),
                        index,
                        model: None,
                    },
                );
            }
        }
    }
}

fn is_serial_console(domain: &Domain, console: &Chr) -> bool {
    domain.os.os_type == OsType::Hvm
        && matches!(console.target_type.as_deref(), None | Some("serial"))
}

/// libvirt's console back-compatibility: the first console of an `hvm` guest is an alias of
/// the first serial port (it becomes that port when there is none).
fn console_compat(domain: &mut Domain) -> Result<(), String> {
    // A console without a target type is a serial one in an hvm guest (libvirt's default), so
    // it counts here too: otherwise it would be written back as one and refused on reading.
    let serial_target = |c: &Chr| {
        c.target_type.as_deref() == Some("serial")
            || (c.target_type.is_none() && is_serial_console(domain, c))
    };
    if domain.devices.consoles.iter().skip(1).any(serial_target) {
        return Err("only the first <console> can have <target type='serial'>".into());
    }
    let Some(first) = domain.devices.consoles.first().cloned() else {
        return Ok(());
    };
    if is_serial_console(domain, &first) && domain.devices.serials.is_empty() {
        domain.devices.serials.push(Chr {
            source: first.source,
            target_type: None,
            target_port: 0,
        });
    }
    Ok(())
}

/// Numbers ports left unset (marked `u32::MAX` by the parser) after the highest used one,
/// in document order, as libvirt does.
fn number_ports(chrs: &mut [Chr]) {
    let mut highest = chrs
        .iter()
        .map(|c| c.target_port)
        .filter(|&port| port != u32::MAX)
        .max();
    for chr in chrs.iter_mut().filter(|c| c.target_port == u32::MAX) {
        let port = highest.map_or(0, |h| h.saturating_add(1).min(u32::MAX - 1));
        chr.target_port = port;
        highest = Some(port);
    }
}

/// Makes the first console, when it aliases the first serial port, a copy of that port with
/// target type `serial`: what libvirt writes for it.
fn mirror_serial_console(domain: &mut Domain) {
    let Some(first) = domain.devices.consoles.first() else {
        return;
    };
    if !is_serial_console(domain, first) {
        return;
    }
    if let Some(serial) = domain.devices.serials.first() {
        domain.devices.consoles[0] = serial_console_for(serial);
    }
}

/// The `<console>` libvirt writes for a serial port it aliases.
pub fn serial_console_for(serial: &Chr) -> Chr {
    Chr {
        source: serial.source.clone(),
        target_type: Some("serial".into()),
        target_port: serial.target_port,
    }
}

/// Adds the console alias of the first serial port when there is no console yet, as libvirt's
/// output for a VMware guest with serial ports shows.
pub fn ensure_serial_console(domain: &mut Domain) {
    if domain.devices.consoles.is_empty() && domain.os.os_type == OsType::Hvm {
        if let Some(serial) = domain.devices.serials.first() {
            domain.devices.consoles.push(serial_console_for(serial));
        }
    }
}

/// The video RAM (KiB) libvirt gives a VMware video device without `vram`.
pub fn default_vram_kib(model: &VideoModel) -> Option<u32> {
    match model {
        VideoModel::Vga | VideoModel::Cirrus | VideoModel::Vmvga => Some(4 * 1024),
        _ => None,
    }
}

/// Moves a `primary='yes'` video first (only one may say so) and marks the first one primary.
fn primary_video(domain: &mut Domain) -> Result<(), String> {
    let videos = &mut domain.devices.videos;
    let primaries: Vec<usize> = videos
        .iter()
        .enumerate()
        .filter(|(_, v)| v.primary)
        .map(|(i, _)| i)
        .collect();
    if primaries.len() > 1 {
        return Err("only one <video> can have primary='yes'".into());
    }
    if let Some(&index) = primaries.first() {
        let video = videos.remove(index);
        videos.insert(0, video);
    }
    if domain.virt_type == VirtType::Vmware {
        for video in videos.iter_mut() {
            if video.vram_kib.is_none() {
                video.vram_kib = default_vram_kib(&video.model);
            }
        }
    }
    if let Some(first) = videos.first_mut() {
        first.primary = true;
    }
    Ok(())
}
