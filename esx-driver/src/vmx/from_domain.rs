//! libvirt domain -> VMX: writes a [`Domain`] as a [`VmxFile`] the way libvirt's
//! `virVMXFormatConfig` does (see the module docs of [`crate::vmx`] for where we differ).

use crate::domain::{
    ControllerType, DiskBus, DiskCache, DiskDevice, DiskType, Domain, DriveAddress, FilesystemType,
    GenId, GraphicsType, InterfaceType, MacType, OsFirmware, SmbiosMode, StartupPolicy, Uuid,
    VideoModel, VirtType,
};

use super::chardev::{write_parallels, write_serials};
use super::context::{ScsiControllerModel, VmxContext};
use super::entries::join;
use super::file::{escape_hex, VmxFile};
use super::slots::{
    disk_index, ScsiWidth, Slot, CONTROLLERS, NVME_NAMESPACES, SATA_UNITS, SCSI_CONTROLLER_UNIT,
};
use super::{Error, HOSTONLY_NETWORK};

/// Converts a libvirt domain to a new VMX file for the given `virtualHW.version`.
pub fn domain_to_vmx(
    domain: &Domain,
    ctx: &dyn VmxContext,
    hw_version: u32,
) -> Result<VmxFile, Error> {
    let mut out = Vec::with_capacity(64);
    Formatter {
        def: domain,
        ctx,
        hw_version,
        out: &mut out,
        skip_null_serials: false,
    }
    .format()?;
    Ok(VmxFile::from_owned_entries(out))
}

/// The entries [`domain_to_vmx`] would write, in order. `skip_null_serials` leaves serial ports
/// of type `null` out instead of refusing them (used when updating an existing file, whose own
/// entries for such a port are kept).
pub(crate) fn domain_entries(
    domain: &Domain,
    ctx: &dyn VmxContext,
    hw_version: u32,
    skip_null_serials: bool,
) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::with_capacity(64);
    Formatter {
        def: domain,
        ctx,
        hw_version,
        out: &mut out,
        skip_null_serials,
    }
    .format()?;
    Ok(out)
}

struct Formatter<'a> {
    def: &'a Domain,
    ctx: &'a dyn VmxContext,
    hw_version: u32,
    out: &'a mut Vec<(String, String)>,
    skip_null_serials: bool,
}

/// Whether two addresses name the same controller, bus and unit (`target` plays no part in a
/// VMX file).
fn same_drive(a: DriveAddress, b: DriveAddress) -> bool {
    (a.controller, a.bus, a.unit) == (b.controller, b.bus, b.unit)
}

fn uuid_vmx(uuid: &Uuid) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = uuid.as_bytes();
    let mut text = String::with_capacity(47);
    for (i, byte) in b.iter().enumerate() {
        if i == 8 {
            text.push('-');
        } else if i > 0 {
            text.push(' ');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    text
}

impl Formatter<'_> {
    fn put(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.out.push((key.into(), value.into()));
    }

    fn format(&mut self) -> Result<(), Error> {
        let def = self.def;
        if def.virt_type != VirtType::Vmware {
            return Err(Error::Domain(format!(
                "Expecting virt type to be 'vmware' but found '{}'",
                def.virt_type
            )));
        }
        self.put(".encoding", "UTF-8");
        self.put("config.version", "8");
        self.put("virtualHW.version", self.hw_version.to_string());

        match def.os.arch.as_deref() {
            None | Some("i686") => self.put("guestOS", "other"),
            Some("x86_64") => self.put("guestOS", "other-64"),
            Some(other) => {
                return Err(Error::Domain(format!(
                    "Expecting domain XML attribute 'arch' of entry 'os/type' to be 'i686' or \
                     'x86_64' but found '{other}'"
                )))
            }
        }

        match def.os.smbios_mode {
            None | Some(SmbiosMode::Emulate) => {}
            Some(SmbiosMode::Host) => self.put("smbios.reflecthost", "true"),
            Some(other) => {
                return Err(Error::Domain(format!(
                    "Unsupported SMBIOS mode '{other}' (VMware offers 'emulate' and 'host')"
                )))
            }
        }

        // uuid.bios is the hardware UUID; a differing <uuid> is vCenter's instance UUID.
        let uuid = def.uuid.filter(|u| *u != Uuid::NIL);
        match (def.hwuuid, uuid) {
            (Some(hw), uuid) => {
                self.put("uuid.bios", uuid_vmx(&hw));
                if let Some(uuid) = uuid.filter(|u| *u != hw) {
                    self.put("vc.uuid", uuid_vmx(&uuid));
                }
            }
            (None, Some(uuid)) => self.put("uuid.bios", uuid_vmx(&uuid)),
            (None, None) => self.put("uuid.action", "create"),
        }

        let display_name = escape_hex(&escape_hex(&def.name, '|', "\""), '%', "/\\");
        self.put("displayName", display_name);
        if let Some(description) = &def.description {
            // `|` and `"` as libvirt; line breaks are escaped by the writer (|0a).
            self.put("annotation", escape_hex(description, '|', "\""));
        }

        self.memory()?;
        let vcpus = self.cpus()?;
        if let Some(shares) = def.cputune.shares {
            let vcpus = u64::from(vcpus);
            let value = if shares == vcpus * 500 {
                "low".to_owned()
            } else if shares == vcpus * 1000 {
                "normal".to_owned()
            } else if shares == vcpus * 2000 {
                "high".to_owned()
            } else {
                shares.to_string()
            };
            self.put("sched.cpu.shares", value);
        }
        if let Some(GenId::Value(genid)) = def.genid {
            let bytes = genid.as_bytes();
            let low = i64::from_be_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
            let high = i64::from_be_bytes(bytes[8..].try_into().unwrap_or([0; 8]));
            self.put("vm.genid", low.to_string());
            self.put("vm.genidX", high.to_string());
        }

        self.graphics()?;
        let has_scsi = self.disks()?;
        self.filesystems()?;
        self.interfaces()?;
        self.video()?;
        write_serials(
            &self.def.devices.serials,
            self.ctx,
            self.skip_null_serials,
            self.out,
        )?;
        write_parallels(&self.def.devices.parallels, self.ctx, self.out)?;

        match &def.os.firmware {
            Some(OsFirmware::Efi) => self.put("firmware", "efi"),
            Some(OsFirmware::Bios) => self.put("firmware", "bios"),
            Some(other) => {
                return Err(Error::Domain(format!(
                    "Expecting domain XML attribute 'firmware' of entry 'os' to be 'efi' or \
                     'bios' but found '{other}'"
                )))
            }
            None => {}
        }
        if let Some(secure_boot) = def.os.firmware_features.secure_boot {
            self.put(
                "uefi.secureBoot.enabled",
                if secure_boot { "true" } else { "false" },
            );
        }
        if let Some(path) = def.os.nvram.as_ref().and_then(|n| n.path.as_deref()) {
            let file_name = self.ctx.format_file_name(path)?;
            self.put("nvram", file_name);
        }

        if self.hw_version >= 7 {
            if has_scsi {
                self.put("pciBridge0.present", "true");
                for bridge in 4..=7 {
                    self.put(format!("pciBridge{bridge}.present"), "true");
                    self.put(format!("pciBridge{bridge}.virtualDev"), "pcieRootPort");
                    self.put(format!("pciBridge{bridge}.functions"), "8");
                }
            }
            self.put("vmci0.present", "true");
        }
        Ok(())
    }

    fn memory(&mut self) -> Result<(), Error> {
        let memory = self.def.memory;
        // memsize must be a multiple of 4 MiB.
        let max_balloon = memory.total_kib.div_ceil(4096) * 4096;
        self.put("memsize", (max_balloon / 1024).to_string());
        let current = if memory.current_kib == 0 {
            memory.total_kib
        } else {
            memory.current_kib
        };
        if current < max_balloon {
            self.put("sched.mem.max", current.div_ceil(1024).to_string());
        }
        if let Some(min) = self.def.memtune.min_guarantee_kib.filter(|&m| m > 0) {
            self.put("sched.mem.minsize", min.div_ceil(1024).to_string());
        }
        Ok(())
    }

    fn cpus(&mut self) -> Result<u32, Error> {
        let vcpu = &self.def.vcpu;
        if vcpu.current.is_some_and(|c| c < vcpu.count) {
            return Err(Error::Domain(
                "No support for domain XML entry 'vcpu' attribute 'current'".to_owned(),
            ));
        }
        let count = vcpu.count;
        if count == 0 {
            return Err(Error::Domain(
                "Expecting domain XML entry 'vcpu' to be greater than 0".to_owned(),
            ));
        }
        self.put("numvcpus", count.to_string());

        if let Some(cpu) = &self.def.cpu {
            if let Some(mode) = cpu.mode.as_deref().filter(|m| *m != "custom") {
                return Err(Error::Domain(format!(
                    "Expecting domain XML CPU mode 'custom' but found '{mode}'"
                )));
            }
            if let Some(topology) = cpu.topology {
                if topology.threads != 1 {
                    return Err(Error::Domain(
                        "Only 1 thread per core is supported".to_owned(),
                    ));
                }
                if topology.dies != 1 {
                    return Err(Error::Domain(
                        "Only 1 die per socket is supported".to_owned(),
                    ));
                }
                if topology.clusters != 1 {
                    return Err(Error::Domain(
                        "Only 1 cluster per die is supported".to_owned(),
                    ));
                }
                let calculated = u64::from(topology.sockets) * u64::from(topology.cores);
                if calculated != u64::from(count) {
                    return Err(Error::Domain(format!(
                        "Expecting domain XML CPU sockets per core as {count} but found \
                         {calculated}"
                    )));
                }
                self.put("cpuid.coresPerSocket", topology.cores.to_string());
            }
        }

        if let Some(cpuset) = &vcpu.cpuset {
            if !cpuset.0.is_empty() {
                if cpuset.0.len() < count as usize {
                    return Err(Error::Domain(format!(
                        "Expecting domain XML attribute 'cpuset' of entry 'vcpu' to contain at \
                         least {count} CPU(s)"
                    )));
                }
                let list: Vec<String> = cpuset.0.iter().map(u32::to_string).collect();
                self.put("sched.cpu.affinity", list.join(","));
            }
        }
        Ok(count)
    }

    fn graphics(&mut self) -> Result<(), Error> {
        for graphics in &self.def.devices.graphics {
            if graphics.graphics_type != GraphicsType::Vnc {
                return Err(Error::Domain(format!(
                    "Unsupported graphics type '{}' (VMware offers 'vnc')",
                    graphics.graphics_type
                )));
            }
            self.put("RemoteDisplay.vnc.enabled", "true");
            if !graphics.autoport {
                if let Some(port) = graphics.port {
                    self.put("RemoteDisplay.vnc.port", port.to_string());
                }
            }
            if let Some(address) = graphics.listens.first().and_then(|l| l.address.as_deref()) {
                self.put("RemoteDisplay.vnc.ip", address);
            }
            if let Some(keymap) = &graphics.keymap {
                self.put("RemoteDisplay.vnc.keymap", keymap.as_str());
            }
            if let Some(passwd) = &graphics.passwd {
                self.put("RemoteDisplay.vnc.password", passwd.expose());
            }
        }
        Ok(())
    }

    /// Where a disk goes: from its `<address>` when given, else from its target name.
    fn slot(&self, disk: &crate::domain::Disk) -> Result<Slot, Error> {
        let dev = disk.target.dev.as_str();
        let scsi_width = ScsiWidth::of_hw_version(i64::from(self.hw_version));
        let address = disk.address;
        let mismatch = |address: DriveAddress| {
            Error::Domain(format!(
                "Disk address {}:{}:{} doesn't match target device '{dev}'",
                address.controller, address.bus, address.unit
            ))
        };
        let bad_index = |what: &str| {
            Error::Domain(format!(
                "{what} disk index (parsed from '{dev}') is too large"
            ))
        };
        let expecting_prefix = |prefix: &str| {
            Error::Domain(format!(
                "Expecting domain XML attribute 'dev' of entry 'devices/disk/target' to start \
                 with '{prefix}' but found '{dev}'"
            ))
        };
        match &disk.target.bus {
            DiskBus::Scsi => {
                let index = disk_index(dev, "sd").ok_or_else(|| expecting_prefix("sd"))?;
                let from_name = Slot::scsi_of_index(index, scsi_width);
                let slot = match (address, from_name) {
                    (Some(address), from_name) => {
                        let slot = Slot::Scsi {
                            controller: address.controller,
                            unit: address.unit,
                        };
                        // The address is authoritative; with the classic 15-unit bus it must
                        // agree with the target name, as libvirt checks.
                        if scsi_width == ScsiWidth::Wide && from_name != Some(slot) {
                            return Err(mismatch(address));
                        }
                        if address.bus != 0 {
                            return Err(Error::Domain(format!(
                                "SCSI bus index {} out of [0] range",
                                address.bus
                            )));
                        }
                        slot
                    }
                    (None, Some(slot)) => slot,
                    (None, None) => return Err(bad_index("SCSI")),
                };
                let (controller, unit) = slot.numbers();
                let max_unit = scsi_width.max_unit();
                if controller >= CONTROLLERS {
                    return Err(Error::Domain(format!(
                        "SCSI controller index {controller} out of [0..{}] range",
                        CONTROLLERS - 1
                    )));
                }
                if unit > max_unit || unit == SCSI_CONTROLLER_UNIT {
                    return Err(Error::Domain(format!(
                        "SCSI unit index {unit} out of [0..6,8..{max_unit}] range"
                    )));
                }
                Ok(slot)
            }
            DiskBus::Ide => {
                let index = disk_index(dev, "hd").ok_or_else(|| expecting_prefix("hd"))?;
                let slot = Slot::ide_of_index(index).ok_or_else(|| bad_index("IDE"))?;
                if let Some(address) = address {
                    if !same_drive(address, slot.address()) {
                        return Err(mismatch(address));
                    }
                }
                Ok(slot)
            }
            DiskBus::Fdc => {
                let index = disk_index(dev, "fd").ok_or_else(|| expecting_prefix("fd"))?;
                let slot = Slot::floppy_of_index(index).ok_or_else(|| bad_index("Floppy"))?;
                if let Some(address) = address {
                    if !same_drive(address, slot.address()) {
                        return Err(mismatch(address));
                    }
                }
                Ok(slot)
            }
            DiskBus::Sata => {
                let (controller, unit) = match address {
                    Some(address) => (address.controller, address.unit),
                    None => {
                        let index = disk_index(dev, "sd").ok_or_else(|| expecting_prefix("sd"))?;
                        Slot::sata_of_index(index).numbers()
                    }
                };
                if controller >= CONTROLLERS || unit >= SATA_UNITS {
                    return Err(Error::Domain(format!(
                        "SATA disk '{dev}' at {controller}:{unit} is out of the [0..3]:[0..29] range"
                    )));
                }
                Ok(Slot::Sata { controller, unit })
            }
            DiskBus::Nvme => {
                let (controller, unit) = match (address, Slot::nvme_of_name(dev)) {
                    (Some(address), _) => (address.controller, address.unit),
                    (None, Some(slot)) => slot.numbers(),
                    (None, None) => return Err(expecting_prefix("nvme")),
                };
                if controller >= CONTROLLERS || unit >= NVME_NAMESPACES {
                    return Err(Error::Domain(format!(
                        "NVMe disk '{dev}' at {controller}:{unit} is out of the [0..3]:[0..63] range"
                    )));
                }
                Ok(Slot::Nvme { controller, unit })
            }
            other => Err(Error::Domain(format!(
                "Unsupported bus type '{other}' for disk '{dev}' (VMware offers 'scsi', 'sata', \
                 'ide', 'nvme' and 'fdc')"
            ))),
        }
    }

    /// Writes controllers and disks; returns whether there is a SCSI controller.
    fn disks(&mut self) -> Result<bool, Error> {
        let def = self.def;
        let mut slots = Vec::with_capacity(def.devices.disks.len());
        for disk in &def.devices.disks {
            slots.push(self.slot(disk)?);
        }

        // SCSI controller models: <controller model>, legacy <driver name>, auto-detection.
        let mut models: [Option<String>; 4] = Default::default();
        for controller in &def.devices.controllers {
            if controller.controller_type == ControllerType::Scsi && controller.index < 4 {
                models[controller.index as usize] = controller.model.clone();
            }
        }
        for (disk, slot) in def.devices.disks.iter().zip(&slots) {
            let Slot::Scsi { controller, .. } = *slot else {
                continue;
            };
            let Some(name) = disk.driver.as_ref().and_then(|d| d.name.as_deref()) else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if !matches!(
                name.as_str(),
                "auto"
                    | "buslogic"
                    | "lsilogic"
                    | "lsisas1068"
                    | "vmpvscsi"
                    | "ibmvscsi"
                    | "virtio-scsi"
                    | "lsisas1078"
                    | "virtio-transitional"
                    | "virtio-non-transitional"
                    | "ncr53c90"
                    | "am53c974"
                    | "dc390"
            ) {
                return Err(Error::Domain(format!("Unknown driver name '{name}'")));
            }
            let slot_model = &mut models[controller as usize];
            match slot_model {
                None => *slot_model = Some(name),
                Some(existing) if *existing == name => {}
                Some(existing) => {
                    return Err(Error::Domain(format!(
                        "Inconsistent SCSI controller model ('{name}' is not '{existing}') for \
                         SCSI controller index {controller}"
                    )))
                }
            }
        }
        let mut scsi_present = [false; 4];
        let mut scsi_model: [Option<ScsiControllerModel>; 4] = [None; 4];
        for controller in 0..4usize {
            let disks: Vec<&crate::domain::Disk> = def
                .devices
                .disks
                .iter()
                .zip(&slots)
                .filter(|(_, slot)| matches!(slot, Slot::Scsi { controller: c, .. } if *c as usize == controller))
                .map(|(disk, _)| disk)
                .collect();
            if disks.is_empty() {
                continue;
            }
            let model = match models[controller].as_deref() {
                None => None,
                Some("auto") => {
                    let mut detected = None;
                    for disk in &disks {
                        let source = disk.source.as_ref().and_then(|s| s.path.as_deref());
                        let model = self.ctx.autodetect_scsi_controller_model(source)?;
                        match detected {
                            None => detected = Some(model),
                            Some(previous) if previous == model => {}
                            Some(_) => {
                                return Err(Error::Domain(format!(
                                    "Disks on SCSI controller {controller} have inconsistent \
                                     controller models, cannot autodetect model"
                                )))
                            }
                        }
                    }
                    detected.flatten()
                }
                Some(name) => {
                    Some(ScsiControllerModel::from_libvirt_name(name).ok_or_else(|| {
                        Error::Domain(format!(
                            "Expecting domain XML attribute 'model' of entry 'controller' to be \
                         'buslogic' or 'lsilogic' or 'lsisas1068' or 'vmpvscsi' but found \
                         '{name}'"
                        ))
                    })?)
                }
            };
            scsi_present[controller] = true;
            scsi_model[controller] = model;
        }
        for controller in 0..4 {
            if scsi_present[controller] {
                self.put(format!("scsi{controller}.present"), "true");
                if let Some(model) = scsi_model[controller] {
                    self.put(format!("scsi{controller}.virtualDev"), model.vmx_name());
                }
            }
        }
        for kind in ["sata", "nvme"] {
            let mut present = [false; 4];
            for slot in &slots {
                match (kind, slot) {
                    ("sata", Slot::Sata { controller, .. })
                    | ("nvme", Slot::Nvme { controller, .. }) => {
                        present[*controller as usize] = true;
                    }
                    _ => {}
                }
            }
            for (controller, present) in present.iter().enumerate() {
                if *present {
                    self.put(format!("{kind}{controller}.present"), "true");
                }
            }
        }

        let mut floppy_present = [false; 2];
        for (disk, slot) in def.devices.disks.iter().zip(slots) {
            match slot {
                Slot::Floppy { unit } => {
                    floppy_present[unit as usize] = true;
                    self.floppy(disk, unit)?;
                }
                _ => self.disk(disk, slot)?,
            }
        }
        for (unit, present) in floppy_present.iter().enumerate() {
            // floppyN.present defaults to true in VMware: disable absent ones explicitly.
            if !present {
                self.put(format!("floppy{unit}.present"), "false");
            }
        }
        Ok(scsi_present.iter().any(|&p| p))
    }

    fn disk(&mut self, disk: &crate::domain::Disk, slot: Slot) -> Result<(), Error> {
        let prefix = slot.key_prefix();
        let dev = &disk.target.dev;
        let bus = disk.target.bus.as_str().to_owned();
        let device = disk.device;
        let disk_type = &disk.disk_type;
        if device == DiskDevice::Floppy {
            return Err(Error::Domain(format!(
                "Floppy disk '{dev}' must be on bus 'fdc'"
            )));
        }
        if *disk_type != DiskType::File && *disk_type != DiskType::Block {
            return Err(Error::Domain(format!(
                "{bus} {device} '{dev}' has unsupported type '{disk_type}', expecting 'file' or \
                 'block'"
            )));
        }
        let source = disk.source.as_ref().and_then(|s| s.path.as_deref());
        let device_type = match (device, disk_type) {
            (DiskDevice::Disk, DiskType::File) => match slot {
                Slot::Scsi { .. } => Some("scsi-hardDisk"),
                Slot::Ide { .. } => Some("ata-hardDisk"),
                // VMware writes no deviceType for SATA and NVMe hard disks.
                _ => None,
            },
            (DiskDevice::Cdrom, DiskType::File) => Some("cdrom-image"),
            (DiskDevice::Cdrom, _) => Some("atapi-cdrom"),
            (DiskDevice::Lun, _) => {
                if matches!(slot, Slot::Scsi { .. })
                    && source.is_some_and(|s| s.starts_with("/vmfs/devices/cdrom/"))
                {
                    Some("scsi-passthru")
                } else {
                    Some("cdrom-raw")
                }
            }
            _ => {
                return Err(Error::Domain(format!(
                    "{bus} {device} '{dev}' has an unsupported type '{disk_type}'"
                )))
            }
        };
        if matches!(slot, Slot::Nvme { .. }) && device != DiskDevice::Disk {
            return Err(Error::Domain(format!(
                "nvme {device} '{dev}' is not supported: VMware NVMe controllers hold hard disks only"
            )));
        }
        self.put(join(&prefix, ".present"), "true");
        if let Some(device_type) = device_type {
            self.put(join(&prefix, ".deviceType"), device_type);
        }
        if *disk_type == DiskType::File {
            let extension = if device == DiskDevice::Disk {
                ".vmdk"
            } else {
                ".iso"
            };
            let file_name = match source {
                Some(source) => {
                    let lower = source.to_ascii_lowercase();
                    if !lower.ends_with(extension) {
                        return Err(Error::Domain(format!(
                            "Image file for {bus} {device} '{dev}' has unsupported suffix, \
                             expecting '{extension}'"
                        )));
                    }
                    self.ctx.format_file_name(source)?
                }
                None if device == DiskDevice::Cdrom => "emptyBackingString".to_owned(),
                None => {
                    return Err(Error::Domain(format!(
                        "{bus} {device} '{dev}' has no source file"
                    )))
                }
            };
            self.put(join(&prefix, ".fileName"), file_name);
        } else {
            let optional = disk
                .source
                .as_ref()
                .is_some_and(|s| s.startup_policy == Some(StartupPolicy::Optional));
            match source {
                None if optional => {
                    self.put(join(&prefix, ".autodetect"), "true");
                    self.put(join(&prefix, ".fileName"), "auto detect");
                }
                Some(source) => self.put(join(&prefix, ".fileName"), source),
                None => {}
            }
        }
        match disk.driver.as_ref().and_then(|d| d.cache) {
            None | Some(DiskCache::Default) => {}
            Some(DiskCache::Writethrough) => self.put(join(&prefix, ".writeThrough"), "true"),
            Some(other) => {
                return Err(Error::Domain(format!(
                    "{bus} harddisk '{dev}' has unsupported cache mode '{other}' (VMware offers \
                     'default' and 'writethrough')"
                )))
            }
        }
        if disk.transient {
            self.put(join(&prefix, ".mode"), "independent-nonpersistent");
        }
        Ok(())
    }

    fn floppy(&mut self, disk: &crate::domain::Disk, unit: u32) -> Result<(), Error> {
        let dev = &disk.target.dev;
        if disk.device != DiskDevice::Floppy {
            return Err(Error::Domain(format!(
                "Disk '{dev}' on bus 'fdc' must be a floppy"
            )));
        }
        let source = disk.source.as_ref().and_then(|s| s.path.as_deref());
        self.put(format!("floppy{unit}.present"), "true");
        match &disk.disk_type {
            DiskType::File => {
                self.put(format!("floppy{unit}.fileType"), "file");
                if let Some(source) = source {
                    let file_name = self.ctx.format_file_name(source)?;
                    self.put(format!("floppy{unit}.fileName"), file_name);
                }
            }
            DiskType::Block => {
                self.put(format!("floppy{unit}.fileType"), "device");
                if let Some(source) = source {
                    self.put(format!("floppy{unit}.fileName"), source);
                }
            }
            other => {
                return Err(Error::Domain(format!(
                    "Floppy '{dev}' has unsupported type '{other}', expecting 'file' or 'block'"
                )))
            }
        }
        Ok(())
    }

    fn filesystems(&mut self) -> Result<(), Error> {
        let filesystems = &self.def.devices.filesystems;
        if filesystems.is_empty() {
            return Ok(());
        }
        self.put("isolation.tools.hgfs.disable", "false");
        self.put("sharedFolder.maxNum", filesystems.len().to_string());
        for (number, fs) in filesystems.iter().enumerate() {
            if fs.fs_type != FilesystemType::Mount {
                return Err(Error::Domain(format!(
                    "Only 'mount' filesystem type is supported, found '{}'",
                    fs.fs_type
                )));
            }
            let prefix = format!("sharedFolder{number}");
            self.put(join(&prefix, ".present"), "true");
            self.put(join(&prefix, ".enabled"), "true");
            self.put(join(&prefix, ".readAccess"), "true");
            self.put(
                join(&prefix, ".writeAccess"),
                if fs.readonly { "false" } else { "true" },
            );
            self.put(
                join(&prefix, ".hostPath"),
                fs.source.clone().unwrap_or_default(),
            );
            self.put(join(&prefix, ".guestName"), fs.target.as_str());
        }
        Ok(())
    }

    fn interfaces(&mut self) -> Result<(), Error> {
        // VMs older than virtualHW 7 (ESX 4.0) have at most 4 NICs; newer ones 10.
        let limit = if self.hw_version >= 7 { 9 } else { 3 };
        for (controller, net) in self.def.devices.interfaces.iter().enumerate() {
            if controller > limit {
                return Err(Error::Domain(format!(
                    "Ethernet controller index {controller} out of [0..{limit}] range"
                )));
            }
            let prefix = format!("ethernet{controller}");
            self.put(join(&prefix, ".present"), "true");
            if let Some(model) = &net.model {
                match model.as_str() {
                    "vmxnet2" => {
                        self.put(join(&prefix, ".virtualDev"), "vmxnet");
                        self.put(join(&prefix, ".features"), "15");
                    }
                    "vlance" | "vmxnet" | "vmxnet3" | "e1000" | "e1000e" => {
                        self.put(join(&prefix, ".virtualDev"), model.as_str());
                    }
                    other => {
                        return Err(Error::Domain(format!(
                            "Expecting domain XML entry 'devices/interface/model' to be 'vlance' \
                             or 'vmxnet' or 'vmxnet2' or 'vmxnet3' or 'e1000' or 'e1000e' but \
                             found '{other}'"
                        )))
                    }
                }
            }
            match &net.iface_type {
                InterfaceType::Bridge => {
                    if let Some(bridge) = net.source.bridge.as_deref().filter(|b| !b.is_empty()) {
                        self.put(join(&prefix, ".networkName"), bridge);
                    }
                    match &net.target_dev {
                        Some(vnet) => {
                            self.put(join(&prefix, ".connectionType"), "custom");
                            self.put(join(&prefix, ".vnet"), vnet.as_str());
                        }
                        None => self.put(join(&prefix, ".connectionType"), "bridged"),
                    }
                }
                InterfaceType::User => self.put(join(&prefix, ".connectionType"), "nat"),
                InterfaceType::Null => {}
                InterfaceType::Network
                    if net.source.network.as_deref() == Some(HOSTONLY_NETWORK) =>
                {
                    self.put(join(&prefix, ".connectionType"), "hostonly");
                }
                InterfaceType::Vds => {
                    let switch_id = net.source.switchid.as_deref().unwrap_or_default();
                    let uuid: Uuid = switch_id.parse().map_err(|_| {
                        Error::Domain(format!(
                            "Expecting domain XML attribute 'switchid' of entry \
                             'devices/interface/source' to be a UUID but found '{switch_id}'"
                        ))
                    })?;
                    self.put(join(&prefix, ".dvs.switchId"), uuid_vmx(&uuid));
                    if let Some(port) = &net.source.portid {
                        self.put(join(&prefix, ".dvs.portId"), port.as_str());
                    }
                    if let Some(group) = &net.source.portgroupid {
                        self.put(join(&prefix, ".dvs.portgroupId"), group.as_str());
                    }
                    if let Some(connection) = &net.source.connectionid {
                        self.put(join(&prefix, ".dvs.connectionId"), connection.as_str());
                    }
                }
                InterfaceType::Network => {
                    return Err(Error::Domain(format!(
                        "Unsupported network '{}' for interface {controller}: VMware maps only \
                         the '{HOSTONLY_NETWORK}' network (host-only networking); use \
                         type='bridge' with the port group name",
                        net.source.network.as_deref().unwrap_or_default()
                    )))
                }
                other => {
                    return Err(Error::Domain(format!(
                        "Unsupported net type '{other}' (VMware offers 'bridge', 'user', 'vds', \
                         'null' and network '{HOSTONLY_NETWORK}')"
                    )))
                }
            }
            if let Some(mac) = net.mac {
                self.mac(&prefix, mac);
            }
        }
        Ok(())
    }

    /// `addressType` and the address, with libvirt's rules for the VMware MAC prefixes.
    fn mac(&mut self, prefix: &str, mac: crate::domain::Mac) {
        let octets = mac.address.0;
        let oui = u32::from(octets[0]) << 16 | u32::from(octets[1]) << 8 | u32::from(octets[2]);
        let suffix = u32::from(octets[3]) << 16 | u32::from(octets[4]) << 8 | u32::from(octets[5]);
        // Without an explicit type: 00:0c:29 is generated, 00:50:56:00-3f static, 00:50:56:80-bf
        // vCenter-generated; anything else is static and outside VMware's ranges.
        let (mut mac_type, mut vpx, mut check) = if oui == 0x000c29 {
            (MacType::Generated, false, None)
        } else if oui == 0x005056 && suffix <= 0x3fffff {
            (MacType::Static, false, None)
        } else if oui == 0x005056 && (0x800000..=0xbfffff).contains(&suffix) {
            (MacType::Generated, true, None)
        } else {
            (MacType::Static, false, Some(false))
        };
        if let Some(explicit) = mac.mac_type {
            mac_type = explicit;
            if mac_type == MacType::Generated {
                check = None;
            }
        }
        if mac_type == MacType::Static {
            vpx = false;
        }
        if mac.check.is_some() {
            check = mac.check;
        }
        let address = mac.address.to_string();
        if mac_type == MacType::Generated {
            self.put(
                join(prefix, ".addressType"),
                if vpx { "vpx" } else { "generated" },
            );
            self.put(join(prefix, ".generatedAddress"), address);
            if !vpx {
                self.put(join(prefix, ".generatedAddressOffset"), "0");
            }
        } else {
            self.put(join(prefix, ".addressType"), "static");
            self.put(join(prefix, ".address"), address);
        }
        if let Some(check) = check {
            self.put(
                join(prefix, ".checkMACAddress"),
                if check { "true" } else { "false" },
            );
        }
    }

    fn video(&mut self) -> Result<(), Error> {
        let videos = &self.def.devices.videos;
        if videos.len() > 1 {
            return Err(Error::Domain(
                "No support for multiple video devices".to_owned(),
            ));
        }
        let Some(video) = videos.first() else {
            return Ok(());
        };
        if video.model != VideoModel::Vmvga {
            return Err(Error::Domain(format!(
                "Unsupported video device type '{}' (VMware offers 'vmvga')",
                video.model
            )));
        }
        if video.heads.is_some_and(|h| h > 1) {
            return Err(Error::Domain(
                "Multi-head video devices are unsupported".to_owned(),
            ));
        }
        // For Windows guests the VRAM size should be a multiple of 64 KiB.
        let vram = u64::from(video.vram_kib.unwrap_or(4096)).div_ceil(64) * 64;
        self.put("svga.vramSize", (vram * 1024).to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_is_written_in_vmx_form() {
        let uuid: Uuid = "564d9bef-acd9-b4e0-c8f0-aea8b9103515".parse().unwrap();
        assert_eq!(
            uuid_vmx(&uuid),
            "56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15"
        );
    }
}
