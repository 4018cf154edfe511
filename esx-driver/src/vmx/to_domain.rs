//! VMX -> libvirt domain: reads a [`VmxFile`] into a [`Domain`] the way libvirt's
//! `virVMXParseConfig` does (see the module docs of [`crate::vmx`] for where we differ).

use crate::domain::{
    Controller, ControllerType, Cpu, CpuSet, CpuTopology, Disk, DiskCache, DiskDevice, DiskDriver,
    DiskSource, DiskTarget, DiskType, Domain, Filesystem, FilesystemAccessMode, FilesystemType,
    GenId, Graphics, GraphicsListen, GraphicsType, Interface, InterfaceType, LifecycleAction,
    ListenType, Mac, MacAddr, MacType, Nvram, OsFirmware, OsType, SmbiosMode, StartupPolicy, Uuid,
    Video, VideoModel, VirtType, VmwareData, VncPassword,
};

use super::chardev::{read_parallel, read_serial, PARALLEL_PORTS, SERIAL_PORTS};
use super::context::{ScsiControllerModel, VmxContext};
use super::entries::{parse_long, Entries, Key};
use super::file::{unescape_hex, VmxFile};
use super::slots::{
    ScsiWidth, Slot, CONTROLLERS, FLOPPY_UNITS, IDE_BUSES, IDE_UNITS, NVME_NAMESPACES, SATA_UNITS,
    SCSI_CONTROLLER_UNIT,
};
use super::{strip_prefix_ignore_case, Error, HOSTONLY_NETWORK};

/// Converts a VMX file to a libvirt domain.
pub fn vmx_to_domain(vmx: &VmxFile, ctx: &dyn VmxContext) -> Result<Domain, Error> {
    let slots = disk_slots_with_present_key(vmx);
    Parser {
        entries: Entries { vmx, ctx },
        slots,
    }
    .domain()
}

/// Every disk slot that has a `.present` entry, whatever its value: the disk loops visit only
/// these (a VMX file names a handful of the ~700 possible slots).
fn disk_slots_with_present_key(vmx: &VmxFile) -> Vec<Slot> {
    let mut slots: Vec<Slot> = vmx
        .entries()
        .filter_map(|(key, _)| {
            let at = key.len().checked_sub(8)?;
            let suffix = key.get(at..)?;
            suffix
                .eq_ignore_ascii_case(".present")
                .then(|| Slot::of_key_prefix(&key[..at]))
                .flatten()
        })
        .collect();
    slots.sort_unstable();
    slots.dedup();
    slots
}

/// The VMX file being read (its [`Entries`]), with the disk slots it names.
struct Parser<'a> {
    entries: Entries<'a>,
    /// See [`disk_slots_with_present_key`].
    slots: Vec<Slot>,
}

impl<'a> std::ops::Deref for Parser<'a> {
    type Target = Entries<'a>;

    fn deref(&self) -> &Entries<'a> {
        &self.entries
    }
}

impl Parser<'_> {
    fn uuid(&self, key: &str) -> Result<Option<Uuid>, Error> {
        match self.vmx.get(key) {
            None => Ok(None),
            Some(value) => value.parse::<Uuid>().map(Some).map_err(|_| {
                Error::entry(
                    key,
                    "a UUID such as '56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15'",
                    value,
                )
            }),
        }
    }

    fn domain(&self) -> Result<Domain, Error> {
        let mut def = Domain::new("");
        def.virt_type = VirtType::Vmware;

        let config_version = self.long_required("config.version")?;
        if config_version != 8 {
            return Err(Error::entry(
                "config.version",
                "8",
                config_version.to_string(),
            ));
        }
        let hw_version = self.long_required("virtualHW.version")?;
        if hw_version < 4 {
            return Err(Error::entry(
                "virtualHW.version",
                "4 or higher",
                hw_version.to_string(),
            ));
        }
        let scsi_width = ScsiWidth::of_hw_version(hw_version);

        // uuid.bios is the hardware UUID; vc.uuid (vCenter's instance UUID) names the domain.
        let bios_uuid = self.uuid("uuid.bios")?;
        let vc_uuid = self.uuid("vc.uuid")?;
        def.uuid = Some(vc_uuid.or(bios_uuid).unwrap_or(Uuid::NIL));
        def.hwuuid = bios_uuid;

        // libvirt leaves the name unset without displayName, which gives domain XML no one
        // can read back; say what is missing instead.
        let name = self.required("displayName")?;
        def.name = unescape_hex(name, '%')
            .and_then(|name| unescape_hex(&name, '|'))
            .ok_or_else(|| {
                Error::entry("displayName", "text with valid |XX and %XX escapes", name)
            })?;

        def.genid = self.genid()?;

        if let Some(annotation) = self.string("annotation") {
            def.description = Some(unescape_hex(annotation, '|').ok_or_else(|| {
                Error::entry("annotation", "text with valid |XX escapes", annotation)
            })?);
        }

        self.memory(&mut def)?;
        let vcpus = self.cpus(&mut def)?;
        self.cpu_shares(&mut def, vcpus)?;

        def.on_reboot = LifecycleAction::Restart;
        def.on_poweroff = LifecycleAction::Destroy;
        def.on_crash = LifecycleAction::Destroy;

        def.os.os_type = OsType::Hvm;
        let is_64bit = self
            .string("guestOS")
            .is_some_and(|guest| has_suffix_ignore_case(guest, "-64"));
        def.os.arch = Some(if is_64bit { "x86_64" } else { "i686" }.to_owned());
        if self.boolean("smbios.reflecthost", false)? {
            def.os.smbios_mode = Some(SmbiosMode::Host);
        }
        if let Some(nvram) = self.string("nvram") {
            if let Some(path) = self.ctx.parse_file_name(nvram)? {
                def.os.nvram = Some(Nvram {
                    template: None,
                    path: Some(path),
                });
            }
        }

        if let Some(graphics) = self.vnc()? {
            def.devices.graphics.push(graphics);
        }

        self.disks(&mut def, scsi_width)?;
        self.filesystems(&mut def)?;
        self.interfaces(&mut def)?;

        def.devices.videos.push(self.video()?);

        for port in 0..SERIAL_PORTS {
            if let Some(serial) = read_serial(&self.entries, port)? {
                def.devices.serials.push(serial);
            }
        }
        // libvirt gives an hvm guest a console standing for its first serial port.
        crate::domain::postparse::ensure_serial_console(&mut def);
        for port in 0..PARALLEL_PORTS {
            if let Some(parallel) = read_parallel(&self.entries, port)? {
                def.devices.parallels.push(parallel);
            }
        }

        def.vmware = VmwareData {
            datacenter_path: self.ctx.datacenter_path().map(str::to_owned),
            moref: self.ctx.moref().map(str::to_owned),
        };

        self.firmware(&mut def)?;
        Ok(def)
    }

    /// `vm.genid` and `vm.genidX` are the two signed 64-bit halves of the generation id.
    fn genid(&self) -> Result<Option<GenId>, Error> {
        let low = self.long("vm.genid", 0)?;
        let high = self.long("vm.genidX", 0)?;
        if low == 0 && high == 0 {
            return Ok(None);
        }
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&(low as u64).to_be_bytes());
        bytes[8..].copy_from_slice(&(high as u64).to_be_bytes());
        Ok(Some(GenId::Value(Uuid(bytes))))
    }

    fn memory(&self, def: &mut Domain) -> Result<(), Error> {
        let memsize = self.long("memsize", 32)?;
        if memsize <= 0 || memsize % 4 != 0 {
            return Err(Error::entry(
                "memsize",
                "an unsigned integer (multiple of 4)",
                memsize.to_string(),
            ));
        }
        let total = memsize as u64 * 1024;
        def.memory.total_kib = total;

        let mut mem_max = self.long("sched.mem.max", memsize)?;
        if mem_max < 0 {
            mem_max = memsize;
        }
        def.memory.current_kib = (mem_max as u64).saturating_mul(1024).min(total);

        let minsize = self.long("sched.mem.minsize", 0)?.max(0) as u64;
        let min_guarantee = minsize.saturating_mul(1024).min(total);
        if min_guarantee > 0 {
            def.memtune.min_guarantee_kib = Some(min_guarantee);
        }
        Ok(())
    }

    /// numvcpus, cpuid.coresPerSocket and sched.cpu.affinity; returns the vCPU count.
    fn cpus(&self, def: &mut Domain) -> Result<u32, Error> {
        let numvcpus = self.long("numvcpus", 1)?;
        if numvcpus <= 0 || numvcpus > i64::from(u32::MAX) {
            return Err(Error::entry(
                "numvcpus",
                "an unsigned integer greater than 0",
                numvcpus.to_string(),
            ));
        }
        let vcpus = numvcpus as u32;
        def.vcpu.count = vcpus;

        let cores_per_socket = self.long("cpuid.coresPerSocket", 1)?;
        if cores_per_socket > 1 {
            let sockets = numvcpus / cores_per_socket;
            if sockets <= 0 {
                return Err(Error::Vmx(format!(
                    "VMX entry 'cpuid.coresPerSocket' ({cores_per_socket}) is larger than \
                     'numvcpus' ({numvcpus})"
                )));
            }
            def.cpu = Some(Cpu {
                topology: Some(CpuTopology {
                    sockets: sockets as u32,
                    dies: 1,
                    clusters: 1,
                    cores: cores_per_socket.min(i64::from(u32::MAX)) as u32,
                    threads: 1,
                }),
                ..Cpu::default()
            });
        }

        if let Some(affinity) = self.string("sched.cpu.affinity") {
            if !affinity.eq_ignore_ascii_case("all") {
                let items: Vec<&str> = affinity.split(',').collect();
                if items.len() < vcpus as usize {
                    return Err(Error::Vmx(format!(
                        "Expecting VMX entry 'sched.cpu.affinity' to contain at least as many \
                         values as 'numvcpus' ({numvcpus}) but found only {} value(s)",
                        items.len()
                    )));
                }
                let mut set = std::collections::BTreeSet::new();
                for item in items {
                    let number: u32 = item.trim().parse().map_err(|_| {
                        Error::entry(
                            "sched.cpu.affinity",
                            "a comma separated list of unsigned integers",
                            affinity,
                        )
                    })?;
                    if number > CpuSet::MAX_CPU {
                        return Err(Error::Vmx(format!(
                            "VMX entry 'sched.cpu.affinity' contains a {number}, this value is \
                             too large (the largest is {})",
                            CpuSet::MAX_CPU
                        )));
                    }
                    set.insert(number);
                }
                def.vcpu.cpuset = Some(CpuSet(set));
            }
        }
        Ok(vcpus)
    }

    fn cpu_shares(&self, def: &mut Domain, vcpus: u32) -> Result<(), Error> {
        let Some(shares) = self.string("sched.cpu.shares") else {
            return Ok(());
        };
        let vcpus = u64::from(vcpus);
        let value = if shares.eq_ignore_ascii_case("low") {
            vcpus * 500
        } else if shares.eq_ignore_ascii_case("normal") {
            vcpus * 1000
        } else if shares.eq_ignore_ascii_case("high") {
            vcpus * 2000
        } else {
            shares.parse::<u64>().map_err(|_| {
                Error::entry(
                    "sched.cpu.shares",
                    "an unsigned integer or 'low', 'normal' or 'high'",
                    shares,
                )
            })?
        };
        def.cputune.shares = Some(value);
        Ok(())
    }

    fn vnc(&self) -> Result<Option<Graphics>, Error> {
        if !self.boolean("RemoteDisplay.vnc.enabled", false)? {
            return Ok(None);
        }
        let port = self.long("RemoteDisplay.vnc.port", -1)?;
        let listen = GraphicsListen {
            listen_type: ListenType::Address,
            address: self.string("RemoteDisplay.vnc.ip").map(str::to_owned),
            ..GraphicsListen::default()
        };
        let mut graphics = Graphics {
            graphics_type: GraphicsType::Vnc,
            keymap: self.string("RemoteDisplay.vnc.keymap").map(str::to_owned),
            passwd: self
                .string("RemoteDisplay.vnc.password")
                .map(VncPassword::new),
            listens: vec![listen],
            ..Graphics::default()
        };
        if port < 0 || port > i64::from(u16::MAX) {
            graphics.port = None;
            graphics.autoport = true;
        } else {
            graphics.port = Some(port as u32);
            graphics.autoport = false;
        }
        Ok(Some(graphics))
    }

    fn disks(&self, def: &mut Domain, scsi_width: ScsiWidth) -> Result<(), Error> {
        // SCSI
        let mut scsi_models: [Option<ScsiControllerModel>; 4] = [None; 4];
        let mut last_scsi_controller = None;
        for controller in 0..CONTROLLERS {
            let present_key = format!("scsi{controller}.present");
            if !self.boolean(&present_key, false)? {
                continue;
            }
            let dev_key = format!("scsi{controller}.virtualDev");
            if let Some(dev) = self.string(&dev_key) {
                let model = ScsiControllerModel::from_vmx_name(dev).ok_or_else(|| {
                    Error::entry(
                        dev_key.clone(),
                        "'buslogic' or 'lsilogic' or 'lsisas1068' or 'pvscsi'",
                        dev,
                    )
                })?;
                scsi_models[controller as usize] = Some(model);
            }
            for unit in 0..=scsi_width.max_unit() {
                if unit == SCSI_CONTROLLER_UNIT {
                    // Unit 7 is the controller itself.
                    continue;
                }
                let slot = Slot::Scsi { controller, unit };
                if let Some(disk) = self.disk_or_cdrom(slot, scsi_width)? {
                    def.devices.disks.push(disk);
                    last_scsi_controller = Some(controller);
                }
            }
        }
        if let Some(last) = last_scsi_controller {
            for controller in 0..=last {
                def.devices.controllers.push(Controller {
                    controller_type: ControllerType::Scsi,
                    index: controller,
                    model: scsi_models[controller as usize].map(|m| m.libvirt_name().to_owned()),
                });
            }
        }

        // SATA
        let mut last_sata_controller = None;
        for controller in 0..CONTROLLERS {
            if !self.boolean(&format!("sata{controller}.present"), false)? {
                continue;
            }
            for unit in 0..SATA_UNITS {
                if let Some(disk) =
                    self.disk_or_cdrom(Slot::Sata { controller, unit }, scsi_width)?
                {
                    def.devices.disks.push(disk);
                    last_sata_controller = Some(controller);
                }
            }
        }
        if let Some(last) = last_sata_controller {
            for controller in 0..=last {
                def.devices.controllers.push(Controller {
                    controller_type: ControllerType::Sata,
                    index: controller,
                    model: None,
                });
            }
        }

        // IDE: 2 buses with 2 units each, one controller.
        for bus in 0..IDE_BUSES {
            for unit in 0..IDE_UNITS {
                if let Some(disk) = self.disk_or_cdrom(Slot::Ide { bus, unit }, scsi_width)? {
                    def.devices.disks.push(disk);
                }
            }
        }

        // NVMe (ESXi 6.5+): up to 4 controllers, 64 namespaces each.
        for controller in 0..CONTROLLERS {
            if !self.boolean(&format!("nvme{controller}.present"), false)? {
                continue;
            }
            for unit in 0..NVME_NAMESPACES {
                let slot = Slot::Nvme { controller, unit };
                if !self.has_slot(slot) {
                    continue;
                }
                if let Some(disk) = self.disk(slot, scsi_width)? {
                    def.devices.disks.push(disk);
                }
            }
        }

        // Floppies: one controller with 2 units.
        for unit in 0..FLOPPY_UNITS {
            if !self.has_slot(Slot::Floppy { unit }) {
                continue;
            }
            if let Some(disk) = self.floppy(unit)? {
                def.devices.disks.push(disk);
            }
        }

        // The floppy, IDE and NVMe controllers are implicit, added in libvirt's order.
        crate::domain::postparse::add_implicit_controllers(&mut def.devices);
        Ok(())
    }

    fn has_slot(&self, slot: Slot) -> bool {
        self.slots.binary_search(&slot).is_ok()
    }

    fn disk_or_cdrom(&self, slot: Slot, scsi_width: ScsiWidth) -> Result<Option<Disk>, Error> {
        if !self.has_slot(slot) {
            return Ok(None);
        }
        if let Some(disk) = self.disk(slot, scsi_width)? {
            return Ok(Some(disk));
        }
        self.cdrom(slot, scsi_width)
    }

    /// The parts of a disk every device kind shares: target, address, and whether it is
    /// present at all (absent and client devices are skipped, as libvirt does).
    fn disk_base(
        &self,
        prefix: &str,
        slot: Slot,
        scsi_width: ScsiWidth,
        device: DiskDevice,
    ) -> Result<Option<Disk>, Error> {
        if !self.boolean(&Key::of(prefix, "present"), false)? {
            return Ok(None);
        }
        self.boolean(&Key::of(prefix, "startConnected"), true)?;
        if self.boolean(&Key::of(prefix, "clientDevice"), false)? {
            // Client devices are connected through the VI client; libvirt ignores them.
            return Ok(None);
        }
        Ok(Some(Disk {
            device,
            target: DiskTarget {
                dev: slot.target_name(scsi_width),
                bus: slot.bus(),
            },
            address: Some(slot.address()),
            ..Disk::default()
        }))
    }

    /// A hard disk (`.vmdk`), or `None` when the entry is absent or is a CD-ROM.
    fn disk(&self, slot: Slot, scsi_width: ScsiWidth) -> Result<Option<Disk>, Error> {
        let prefix = slot.key_prefix();
        let Some(mut disk) = self.disk_base(&prefix, slot, scsi_width, DiskDevice::Disk)? else {
            return Ok(None);
        };
        let device_type_key = Key::of(&prefix, "deviceType");
        let file_name_key = Key::of(&prefix, "fileName");
        let device_type = self.string(&device_type_key);
        let mode = self.string(&Key::of(&prefix, "mode"));
        let file_name = self.string(&file_name_key);
        let write_through = self.boolean(&Key::of(&prefix, "writeThrough"), false)?;

        let is_cdrom_type = device_type.is_some_and(|t| {
            t.eq_ignore_ascii_case("atapi-cdrom")
                || t.eq_ignore_ascii_case("cdrom-raw")
                || t.eq_ignore_ascii_case("cdrom-image")
                || (t.eq_ignore_ascii_case("scsi-passthru")
                    && file_name.is_some_and(|f| f.starts_with("/vmfs/devices/cdrom/")))
        });
        let Some(file_name) = file_name else {
            return Ok(None);
        };
        if has_suffix_ignore_case(file_name, ".iso")
            || file_name == "emptyBackingString"
            || is_cdrom_type
        {
            // A CD-ROM: the CD-ROM pass handles it.
            return Ok(None);
        }
        if !has_suffix_ignore_case(file_name, ".vmdk") {
            return Err(Error::Vmx(format!(
                "Invalid or not yet handled value '{file_name}' for VMX entry '{file_name_key}' \
                 for device type '{}'",
                device_type.unwrap_or("unknown")
            )));
        }
        if let Some(device_type) = device_type {
            let expected = match slot {
                Slot::Scsi { .. } => Some("scsi-hardDisk"),
                Slot::Ide { .. } => Some("ata-hardDisk"),
                _ => None,
            };
            if let Some(expected) = expected {
                if !device_type.eq_ignore_ascii_case(expected)
                    && !device_type.eq_ignore_ascii_case("disk")
                {
                    return Err(Error::entry(
                        device_type_key,
                        format!("'{expected}' or 'disk'"),
                        device_type,
                    ));
                }
            }
        }
        disk.disk_type = DiskType::File;
        disk.source = Some(DiskSource {
            path: Some(self.file_name(file_name, &file_name_key)?),
            startup_policy: None,
        });
        if write_through {
            disk.driver = Some(DiskDriver {
                cache: Some(DiskCache::Writethrough),
                ..DiskDriver::default()
            });
        }
        disk.transient = mode.is_some_and(|m| m.eq_ignore_ascii_case("independent-nonpersistent"));
        Ok(Some(disk))
    }

    /// A CD-ROM (image, host device, raw/passthrough device, or empty).
    fn cdrom(&self, slot: Slot, scsi_width: ScsiWidth) -> Result<Option<Disk>, Error> {
        let prefix = slot.key_prefix();
        let Some(mut disk) = self.disk_base(&prefix, slot, scsi_width, DiskDevice::Cdrom)? else {
            return Ok(None);
        };
        let device_type_key = Key::of(&prefix, "deviceType");
        let file_name_key = Key::of(&prefix, "fileName");
        let device_type = self.string(&device_type_key);
        let file_name = self.string(&file_name_key);
        let is = |name: &str| device_type.is_some_and(|t| t.eq_ignore_ascii_case(name));
        disk.readonly = true;

        if file_name.is_some_and(|f| has_suffix_ignore_case(f, ".vmdk")) {
            return Ok(None);
        }
        if let Some(file) = file_name.filter(|f| has_suffix_ignore_case(f, ".iso")) {
            if device_type.is_some() && !is("cdrom-image") {
                return Err(Error::entry(
                    device_type_key,
                    "'cdrom-image'",
                    device_type.unwrap_or_default(),
                ));
            }
            disk.disk_type = DiskType::File;
            // A missing image (datastore not available) leaves the drive empty.
            disk.source = self.ctx.parse_file_name(file)?.map(|path| DiskSource {
                path: Some(path),
                startup_policy: None,
            });
        } else if is("atapi-cdrom") || is("cdrom-raw") {
            if is("cdrom-raw") {
                // Raw access CD-ROMs are device='lun'.
                disk.device = DiskDevice::Lun;
            }
            disk.disk_type = DiskType::Block;
            disk.source = match file_name {
                Some(f) if f.eq_ignore_ascii_case("auto detect") => Some(DiskSource {
                    path: None,
                    startup_policy: Some(StartupPolicy::Optional),
                }),
                Some(f) => Some(DiskSource {
                    path: Some(f.to_owned()),
                    startup_policy: None,
                }),
                None => None,
            };
        } else if matches!(slot, Slot::Scsi { .. }) && is("scsi-passthru") {
            match file_name {
                Some(f) if f.starts_with("/vmfs/devices/cdrom/") => {
                    disk.device = DiskDevice::Lun;
                    disk.disk_type = DiskType::Block;
                    disk.source = Some(DiskSource {
                        path: Some(f.to_owned()),
                        startup_policy: None,
                    });
                }
                // Not a CD-ROM: the hard disk pass may handle it.
                _ => return Ok(None),
            }
        } else if matches!(file_name, Some("") | Some("emptyBackingString")) {
            if device_type.is_some() && !is("cdrom-image") {
                return Err(Error::entry(
                    device_type_key,
                    "'cdrom-image'",
                    device_type.unwrap_or_default(),
                ));
            }
            disk.disk_type = DiskType::File;
            disk.source = None;
        } else {
            return Err(Error::Vmx(format!(
                "Invalid or not yet handled value '{}' for VMX entry '{file_name_key}' for \
                 device type '{}'",
                file_name.unwrap_or("<null>"),
                device_type.unwrap_or("unknown")
            )));
        }
        Ok(Some(disk))
    }

    fn floppy(&self, unit: u32) -> Result<Option<Disk>, Error> {
        let slot = Slot::Floppy { unit };
        let prefix = slot.key_prefix();
        // Floppies are named by unit alone: the SCSI width plays no part.
        let Some(mut disk) = self.disk_base(&prefix, slot, ScsiWidth::Wide, DiskDevice::Floppy)?
        else {
            return Ok(None);
        };
        let file_type_key = Key::of(&prefix, "fileType");
        let file_name_key = Key::of(&prefix, "fileName");
        let file_type = self.string(&file_type_key);
        let file_name = self.string(&file_name_key);
        match file_type {
            Some(t) if t.eq_ignore_ascii_case("device") => {
                disk.disk_type = DiskType::Block;
                disk.source = file_name.map(|f| DiskSource {
                    path: Some(f.to_owned()),
                    startup_policy: None,
                });
            }
            Some(t) if t.eq_ignore_ascii_case("file") => {
                disk.disk_type = DiskType::File;
                disk.source = match file_name {
                    Some(f) => Some(DiskSource {
                        path: Some(self.file_name(f, &file_name_key)?),
                        startup_policy: None,
                    }),
                    None => None,
                };
            }
            _ => {
                return Err(Error::entry(
                    file_type_key,
                    "'device' or 'file'",
                    file_type.unwrap_or("<null>"),
                ))
            }
        }
        Ok(Some(disk))
    }

    fn filesystems(&self, def: &mut Domain) -> Result<(), Error> {
        if self.boolean("isolation.tools.hgfs.disable", true)? {
            return Ok(());
        }
        let max = self.long("sharedFolder.maxNum", 0)?;
        // VMware allows far fewer; the cap only guards against absurd values.
        for number in 0..max.clamp(0, 4096) {
            let prefix = format!("sharedFolder{number}");
            if !self.boolean(&Key::of(&prefix, "present"), false)?
                || !self.boolean(&Key::of(&prefix, "enabled"), false)?
            {
                continue;
            }
            let host_path = self.required(&Key::of(&prefix, "hostPath"))?;
            let guest_name = self.required(&Key::of(&prefix, "guestName"))?;
            let write_access = self.boolean(&Key::of(&prefix, "writeAccess"), false)?;
            def.devices.filesystems.push(Filesystem {
                fs_type: FilesystemType::Mount,
                access_mode: FilesystemAccessMode::Passthrough,
                source: Some(host_path.to_owned()),
                target: guest_name.to_owned(),
                readonly: !write_access,
            });
        }
        Ok(())
    }

    /// The highest N of any `ethernetN.*` key (libvirt reads every index up to it).
    fn max_ethernet_index(&self) -> Result<Option<u32>, Error> {
        let mut max = None;
        for (key, _) in self.vmx.entries() {
            let Some(rest) = strip_prefix_ignore_case(key, "ethernet") else {
                continue;
            };
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let index = rest[..digits].parse::<u32>().ok();
            match (index, rest.as_bytes().get(digits)) {
                (Some(index), Some(b'.')) => max = Some(max.map_or(index, |m: u32| m.max(index))),
                _ => {
                    return Err(Error::Vmx(format!(
                        "failed to parse the index of the VMX key '{key}' (expected 'ethernetN.<name>')"
                    )))
                }
            }
        }
        Ok(max)
    }

    fn interfaces(&self, def: &mut Domain) -> Result<(), Error> {
        let Some(max) = self.max_ethernet_index()? else {
            return Ok(());
        };
        for controller in 0..=max.min(1023) {
            if let Some(interface) = self.interface(controller)? {
                def.devices.interfaces.push(interface);
            }
        }
        Ok(())
    }

    fn interface(&self, controller: u32) -> Result<Option<Interface>, Error> {
        let prefix = format!("ethernet{controller}");
        let key = |name: &str| Key::of(&prefix, name);
        if !self.boolean(&key("present"), false)? {
            return Ok(None);
        }
        self.boolean(&key("startConnected"), true)?;
        let mut interface = Interface::default();

        let connection_type = self.string(&key("connectionType"));
        let address_type = self.string(&key("addressType"));
        let generated_key = key("generatedAddress");
        let address_key = key("address");
        let parse_mac = |mac_key: &str| -> Result<Option<MacAddr>, Error> {
            match self.string(mac_key) {
                None => Ok(None),
                Some(value) => value
                    .parse::<MacAddr>()
                    .map(Some)
                    .map_err(|_| Error::entry(mac_key, "MAC address", value)),
            }
        };
        let (address, mac_type) = match address_type {
            None => (parse_mac(&generated_key)?, None),
            Some(t) if t.eq_ignore_ascii_case("generated") || t.eq_ignore_ascii_case("vpx") => {
                (parse_mac(&generated_key)?, Some(MacType::Generated))
            }
            Some(t) if t.eq_ignore_ascii_case("static") => {
                (parse_mac(&address_key)?, Some(MacType::Static))
            }
            Some(t) => {
                return Err(Error::entry(
                    key("addressType"),
                    "'generated' or 'static' or 'vpx'",
                    t,
                ))
            }
        };
        let check = self.string(&key("checkMACAddress")).map(|c| c == "true");
        if let Some(address) = address {
            interface.mac = Some(Mac {
                address,
                mac_type,
                check,
            });
        }

        let virtual_dev_key = key("virtualDev");
        let features = self.long(&key("features"), 0)?;
        if let Some(dev) = self.string(&virtual_dev_key) {
            let model = ["vlance", "vmxnet", "vmxnet3", "e1000", "e1000e"]
                .into_iter()
                .find(|m| m.eq_ignore_ascii_case(dev))
                .ok_or_else(|| {
                    Error::entry(
                        virtual_dev_key.to_string(),
                        "'vlance' or 'vmxnet' or 'vmxnet3' or 'e1000' or 'e1000e'",
                        dev,
                    )
                })?;
            let model = if model == "vmxnet" && features == 15 {
                "vmxnet2"
            } else {
                model
            };
            interface.model = Some(model.to_owned());
        }

        let is_connection =
            |name: &str| connection_type.is_some_and(|c| c.eq_ignore_ascii_case(name));
        let network_name = if connection_type.is_none() {
            self.string(&key("networkName"))
        } else if is_connection("bridged") || is_connection("custom") {
            Some(self.required(&key("networkName"))?)
        } else {
            None
        };
        let vnet = if is_connection("custom") {
            Some(self.required(&key("vnet"))?)
        } else {
            None
        };

        if let Some(switch_id) = self.string(&key("dvs.switchId")) {
            let switch_uuid: Uuid = switch_id
                .parse()
                .map_err(|_| Error::entry(key("dvs.switchId"), "a UUID", switch_id))?;
            interface.iface_type = InterfaceType::Vds;
            interface.source.switchid = Some(switch_uuid.to_string());
            let portgroup = self.string(&key("dvs.portgroupId"));
            let port_key = key("dvs.portId");
            let connection_key = key("dvs.connectionId");
            let with_default = |k: &str| -> Result<Option<String>, Error> {
                match self.string(k) {
                    Some(value) => Ok(Some(parse_long(k, value)?.to_string())),
                    // libvirt fills 0 for a missing id when the port group is given.
                    None if portgroup.is_some() => Ok(Some("0".to_owned())),
                    None => Ok(None),
                }
            };
            interface.source.portid = with_default(&port_key)?;
            interface.source.portgroupid = portgroup.map(str::to_owned);
            interface.source.connectionid = with_default(&connection_key)?;
        } else if connection_type.is_none() && network_name.is_none() {
            interface.iface_type = InterfaceType::Null;
        } else if connection_type.is_none() || is_connection("bridged") {
            interface.iface_type = InterfaceType::Bridge;
            interface.source.bridge = network_name.map(str::to_owned);
        } else if is_connection("hostonly") {
            // Workstation/Fusion host-only networking: see the module docs.
            interface.iface_type = InterfaceType::Network;
            interface.source.network = Some(HOSTONLY_NETWORK.to_owned());
        } else if is_connection("nat") {
            interface.iface_type = InterfaceType::User;
        } else if is_connection("custom") {
            interface.iface_type = InterfaceType::Bridge;
            interface.source.bridge = network_name.map(str::to_owned);
            interface.target_dev = vnet.map(str::to_owned);
        } else {
            return Err(Error::entry(
                key("connectionType"),
                "'bridged', 'custom', 'hostonly' or 'nat'",
                connection_type.unwrap_or_default(),
            ));
        }
        Ok(Some(interface))
    }

    fn video(&self) -> Result<Video, Error> {
        let bytes = self.long("svga.vramSize", 4 * 1024 * 1024)?;
        if bytes < 0 {
            return Err(Error::entry(
                "svga.vramSize",
                "an unsigned integer (bytes)",
                bytes.to_string(),
            ));
        }
        let kib = (bytes as u64).div_ceil(1024).min(u64::from(u32::MAX)) as u32;
        Ok(Video {
            model: VideoModel::Vmvga,
            vram_kib: Some(kib),
            primary: true,
            ..Video::default()
        })
    }

    fn firmware(&self, def: &mut Domain) -> Result<(), Error> {
        if let Some(firmware) = self.string("firmware") {
            def.os.firmware = Some(if firmware.eq_ignore_ascii_case("efi") {
                OsFirmware::Efi
            } else if firmware.eq_ignore_ascii_case("bios") {
                OsFirmware::Bios
            } else {
                return Err(Error::entry("firmware", "'efi' or 'bios'", firmware));
            });
        }
        if self.string("uefi.secureBoot.enabled").is_some() {
            let secure_boot = self.boolean("uefi.secureBoot.enabled", false)?;
            def.os.firmware_features.secure_boot = Some(secure_boot);
            def.os.firmware_features.enrolled_keys = Some(secure_boot);
        }
        Ok(())
    }
}

fn has_suffix_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.is_char_boundary(text.len() - suffix.len())
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}
