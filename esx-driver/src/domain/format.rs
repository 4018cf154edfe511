//! [`Domain`] -> domain XML text, exactly as libvirt's `virDomainDefFormat` writes it:
//! two-space indentation, single-quoted attributes, libvirt's element and attribute order and
//! its escaping, so our output diffs cleanly against libvirt's.

use std::fmt::Write as _;

use super::model::*;
use super::parse::filesystem_source_attribute;
use super::postparse::serial_console_for;

/// Choices libvirt makes with format flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatOptions {
    /// Include secrets (the VNC `passwd`), as libvirt's `VIR_DOMAIN_XML_SECURE`.
    pub secure: bool,
    /// The inactive (persistent) definition: no runtime `id`, an automatic VNC port is
    /// written as `-1`, as libvirt's `VIR_DOMAIN_XML_INACTIVE`.
    pub inactive: bool,
}

/// Writes `text` escaped as libvirt's `virBufferEscapeString`: `< > & " '` become entities
/// and control characters other than tab, line feed and carriage return are dropped
/// (they are not allowed in XML 1.0).
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
}

/// An indenting writer for libvirt-style XML.
struct Writer {
    out: String,
    depth: usize,
}

/// An element's start tag being written: attributes, then `/>` or `>`.
struct Tag<'w> {
    writer: &'w mut Writer,
}

impl Tag<'_> {
    fn attr(self, name: &str, value: &str) -> Self {
        self.writer.out.push(' ');
        self.writer.out.push_str(name);
        self.writer.out.push_str("='");
        escape_into(&mut self.writer.out, value);
        self.writer.out.push('\'');
        self
    }

    fn attr_opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.attr(name, value),
            None => self,
        }
    }

    fn attr_num(self, name: &str, value: impl std::fmt::Display) -> Self {
        let _ = write!(self.writer.out, " {name}='{value}'");
        self
    }

    /// `/>`.
    fn empty(self) {
        self.writer.out.push_str("/>\n");
    }

    /// `>text</name>`.
    fn text(self, name: &str, text: &str) {
        self.writer.out.push('>');
        escape_into(&mut self.writer.out, text);
        let _ = writeln!(self.writer.out, "</{name}>");
    }

    /// `>` and a line break; the caller writes children and calls [`Writer::close`].
    fn open(self) {
        self.writer.out.push_str(">\n");
        self.writer.depth += 1;
    }
}

impl Writer {
    fn start(&mut self, name: &str) -> Tag<'_> {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        Tag { writer: self }
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "</{name}>");
    }

    /// `<name>text</name>`.
    fn text_element(&mut self, name: &str, text: &str) {
        self.start(name).text(name, text);
    }

    fn bool_flag(&mut self, name: &str, set: bool) {
        if set {
            self.start(name).empty();
        }
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// Formats a domain as libvirt does (the text ends with a line break).
pub fn format_domain_xml(domain: &Domain, options: FormatOptions) -> String {
    let mut w = Writer {
        out: String::with_capacity(2048),
        depth: 0,
    };
    let mut tag = w.start("domain").attr("type", domain.virt_type.as_str());
    if let (Some(id), false) = (domain.id, options.inactive) {
        tag = tag.attr_num("id", id);
    }
    if !domain.vmware.is_empty() {
        tag = tag.attr("xmlns:vmware", VMWARE_NAMESPACE);
    }
    tag.open();

    w.text_element("name", &domain.name);
    if let Some(uuid) = &domain.uuid {
        w.text_element("uuid", &uuid.to_string());
    }
    if let Some(hwuuid) = &domain.hwuuid {
        w.text_element("hwuuid", &hwuuid.to_string());
    }
    match &domain.genid {
        Some(GenId::Value(genid)) => w.text_element("genid", &genid.to_string()),
        Some(GenId::Requested) => w.start("genid").empty(),
        None => {}
    }
    if let Some(title) = &domain.title {
        w.text_element("title", title);
    }
    if let Some(description) = &domain.description {
        w.text_element("description", description);
    }
    format_memory(&mut w, domain);
    format_vcpu(&mut w, &domain.vcpu);
    if let Some(shares) = domain.cputune.shares {
        w.start("cputune").open();
        w.text_element("shares", &shares.to_string());
        w.close("cputune");
    }
    format_os(&mut w, &domain.os);
    if !domain.features.is_empty() {
        w.start("features").open();
        for feature in &domain.features {
            let mut tag = w.start(&feature.name);
            for (name, value) in &feature.attributes {
                tag = tag.attr(name, value);
            }
            tag.empty();
        }
        w.close("features");
    }
    if let Some(cpu) = &domain.cpu {
        format_cpu(&mut w, cpu);
    }
    format_clock(&mut w, &domain.clock);
    w.text_element("on_poweroff", domain.on_poweroff.as_str());
    w.text_element("on_reboot", domain.on_reboot.as_str());
    w.text_element("on_crash", domain.on_crash.as_str());
    format_devices(&mut w, domain, options);
    if let Some(path) = &domain.vmware.datacenter_path {
        w.text_element("vmware:datacenterpath", path);
    }
    if let Some(moref) = &domain.vmware.moref {
        w.text_element("vmware:moref", moref);
    }
    w.close("domain");
    w.out
}

fn memory_element(w: &mut Writer, name: &str, kib: u64) {
    w.start(name)
        .attr("unit", "KiB")
        .text(name, &kib.to_string());
}

fn format_memory(w: &mut Writer, domain: &Domain) {
    memory_element(w, "memory", domain.memory.total_kib);
    memory_element(w, "currentMemory", domain.memory.current_kib);
    let tune = &domain.memtune;
    if !tune.is_empty() {
        w.start("memtune").open();
        for (name, value) in [
            ("hard_limit", tune.hard_limit_kib),
            ("soft_limit", tune.soft_limit_kib),
            ("min_guarantee", tune.min_guarantee_kib),
            ("swap_hard_limit", tune.swap_hard_limit_kib),
        ] {
            if let Some(kib) = value {
                memory_element(w, name, kib);
            }
        }
        w.close("memtune");
    }
}

fn format_vcpu(w: &mut Writer, vcpu: &Vcpu) {
    let cpuset = vcpu.cpuset.as_ref().map(CpuSet::to_string);
    let mut tag = w
        .start("vcpu")
        .attr("placement", vcpu.placement.as_str())
        .attr_opt("cpuset", cpuset.as_deref());
    if let Some(current) = vcpu.current.filter(|&c| c != vcpu.count) {
        tag = tag.attr_num("current", current);
    }
    tag.text("vcpu", &vcpu.count.to_string());
}

fn format_os(w: &mut Writer, os: &Os) {
    w.start("os")
        .attr_opt("firmware", os.firmware.as_ref().map(OsFirmware::as_str))
        .open();
    w.start("type")
        .attr_opt("arch", os.arch.as_deref())
        .attr_opt("machine", os.machine.as_deref())
        .text("type", os.os_type.as_str());
    let features = &os.firmware_features;
    if !features.is_empty() {
        w.start("firmware").open();
        for (name, enabled) in [
            ("enrolled-keys", features.enrolled_keys),
            ("secure-boot", features.secure_boot),
        ] {
            if let Some(enabled) = enabled {
                w.start("feature")
                    .attr("enabled", yes_no(enabled))
                    .attr("name", name)
                    .empty();
            }
        }
        w.close("firmware");
    }
    if let Some(loader) = &os.loader {
        let tag = w
            .start("loader")
            .attr_opt("readonly", loader.readonly.map(yes_no))
            .attr_opt("secure", loader.secure.map(yes_no))
            .attr_opt("type", loader.loader_type.as_deref());
        match &loader.path {
            Some(path) => tag.text("loader", path),
            None => tag.empty(),
        }
    }
    if let Some(nvram) = &os.nvram {
        let tag = w
            .start("nvram")
            .attr_opt("template", nvram.template.as_deref());
        match &nvram.path {
            Some(path) => tag.text("nvram", path),
            None => tag.empty(),
        }
    }
    for boot in &os.boot {
        w.start("boot").attr("dev", boot.as_str()).empty();
    }
    if let Some(menu) = &os.boot_menu {
        let mut tag = w.start("bootmenu").attr("enable", yes_no(menu.enable));
        if let Some(timeout) = menu.timeout_ms {
            tag = tag.attr_num("timeout", timeout);
        }
        tag.empty();
    }
    if let Some(mode) = os.smbios_mode {
        w.start("smbios").attr("mode", mode.as_str()).empty();
    }
    w.close("os");
}

fn format_cpu(w: &mut Writer, cpu: &Cpu) {
    let tag = w
        .start("cpu")
        .attr_opt("mode", cpu.mode.as_deref())
        .attr_opt("match", cpu.match_mode.as_deref())
        .attr_opt("check", cpu.check.as_deref())
        .attr_opt("migratable", cpu.migratable.as_deref());
    if cpu.model.is_none() && cpu.vendor.is_none() && cpu.topology.is_none() {
        tag.empty();
        return;
    }
    tag.open();
    if let Some(model) = &cpu.model {
        w.text_element("model", model);
    }
    if let Some(vendor) = &cpu.vendor {
        w.text_element("vendor", vendor);
    }
    if let Some(t) = &cpu.topology {
        w.start("topology")
            .attr_num("sockets", t.sockets)
            .attr_num("dies", t.dies)
            .attr_num("clusters", t.clusters)
            .attr_num("cores", t.cores)
            .attr_num("threads", t.threads)
            .empty();
    }
    w.close("cpu");
}

fn format_clock(w: &mut Writer, clock: &Clock) {
    let mut tag = w
        .start("clock")
        .attr("offset", clock.offset.as_str())
        .attr_opt("adjustment", clock.adjustment.as_deref())
        .attr_opt("basis", clock.basis.as_deref())
        .attr_opt("timezone", clock.timezone.as_deref());
    if let Some(start) = clock.start {
        tag = tag.attr_num("start", start);
    }
    tag.empty();
}

fn format_devices(w: &mut Writer, domain: &Domain, options: FormatOptions) {
    let devices = &domain.devices;
    w.start("devices").open();
    if let Some(emulator) = &devices.emulator {
        w.text_element("emulator", emulator);
    }
    for disk in &devices.disks {
        format_disk(w, disk);
    }
    for controller in &devices.controllers {
        w.start("controller")
            .attr("type", controller.controller_type.as_str())
            .attr_num("index", controller.index)
            .attr_opt("model", controller.model.as_deref())
            .empty();
    }
    for filesystem in &devices.filesystems {
        format_filesystem(w, filesystem);
    }
    for interface in &devices.interfaces {
        format_interface(w, interface);
    }
    for serial in &devices.serials {
        format_chr(w, "serial", serial, options);
    }
    for parallel in &devices.parallels {
        format_chr(w, "parallel", parallel, options);
    }
    for (index, console) in devices.consoles.iter().enumerate() {
        // libvirt writes an hvm guest's serial-type console as a copy of the serial port.
        let aliases_serial = domain.os.os_type == OsType::Hvm
            && matches!(console.target_type.as_deref(), None | Some("serial"));
        match devices.serials.get(index) {
            Some(serial) if aliases_serial => {
                format_chr(w, "console", &serial_console_for(serial), options)
            }
            _ => format_chr(w, "console", console, options),
        }
    }
    for input in &devices.inputs {
        w.start("input")
            .attr("type", &input.input_type)
            .attr_opt("bus", input.bus.as_deref())
            .empty();
    }
    for graphics in &devices.graphics {
        format_graphics(w, graphics, options);
    }
    for video in &devices.videos {
        w.start("video").open();
        let mut tag = w.start("model").attr("type", video.model.as_str());
        for (name, value) in [
            ("ram", video.ram_kib),
            ("vram", video.vram_kib),
            ("vgamem", video.vgamem_kib),
            ("heads", video.heads),
        ] {
            if let Some(value) = value {
                tag = tag.attr_num(name, value);
            }
        }
        if video.primary {
            tag = tag.attr("primary", "yes");
        }
        tag.empty();
        w.close("video");
    }
    if let Some(balloon) = &devices.memballoon {
        w.start("memballoon").attr("model", &balloon.model).empty();
    }
    w.close("devices");
}

fn format_disk(w: &mut Writer, disk: &Disk) {
    w.start("disk")
        .attr("type", disk.disk_type.as_str())
        .attr("device", disk.device.as_str())
        .open();
    if let Some(driver) = &disk.driver {
        if driver.name.is_some() || driver.format.is_some() || driver.cache.is_some() {
            w.start("driver")
                .attr_opt("name", driver.name.as_deref())
                .attr_opt("type", driver.format.as_deref())
                .attr_opt("cache", driver.cache.map(DiskCache::as_str))
                .empty();
        }
    }
    if let Some(source) = &disk.source {
        let path_attr = match &disk.disk_type {
            DiskType::File => Some("file"),
            DiskType::Block => Some("dev"),
            DiskType::Dir => Some("dir"),
            _ => None,
        };
        let path = path_attr.and(source.path.as_deref());
        if path.is_some() || source.startup_policy.is_some() {
            let mut tag = w.start("source");
            if let (Some(name), Some(path)) = (path_attr, path) {
                tag = tag.attr(name, path);
            }
            tag.attr_opt(
                "startupPolicy",
                source.startup_policy.map(StartupPolicy::as_str),
            )
            .empty();
        }
    }
    w.start("target")
        .attr("dev", &disk.target.dev)
        .attr("bus", disk.target.bus.as_str())
        .empty();
    w.bool_flag("readonly", disk.readonly);
    w.bool_flag("shareable", disk.shareable);
    w.bool_flag("transient", disk.transient);
    if let Some(address) = &disk.address {
        w.start("address")
            .attr("type", "drive")
            .attr_num("controller", address.controller)
            .attr_num("bus", address.bus)
            .attr_num("target", address.target)
            .attr_num("unit", address.unit)
            .empty();
    }
    w.close("disk");
}

fn format_filesystem(w: &mut Writer, filesystem: &Filesystem) {
    w.start("filesystem")
        .attr("type", filesystem.fs_type.as_str())
        .attr("accessmode", filesystem.access_mode.as_str())
        .open();
    if let (Some(name), Some(source)) = (
        filesystem_source_attribute(&filesystem.fs_type),
        &filesystem.source,
    ) {
        w.start("source").attr(name, source).empty();
    }
    w.start("target").attr("dir", &filesystem.target).empty();
    w.bool_flag("readonly", filesystem.readonly);
    w.close("filesystem");
}

fn format_interface(w: &mut Writer, interface: &Interface) {
    w.start("interface")
        .attr("type", interface.iface_type.as_str())
        .open();
    if let Some(mac) = &interface.mac {
        w.start("mac")
            .attr("address", &mac.address.to_string())
            .attr_opt("type", mac.mac_type.map(MacType::as_str))
            .attr_opt("check", mac.check.map(yes_no))
            .empty();
    }
    let s = &interface.source;
    let attributes: Vec<(&str, &Option<String>)> = match interface.iface_type {
        InterfaceType::Bridge => vec![("bridge", &s.bridge)],
        InterfaceType::Network => vec![("network", &s.network), ("portgroup", &s.portgroup)],
        InterfaceType::Direct => vec![("dev", &s.dev), ("mode", &s.mode)],
        InterfaceType::Vds => vec![
            ("switchid", &s.switchid),
            ("portid", &s.portid),
            ("portgroupid", &s.portgroupid),
            ("connectionid", &s.connectionid),
        ],
        _ => Vec::new(),
    };
    if attributes.iter().any(|(_, value)| value.is_some()) {
        let mut tag = w.start("source");
        for (name, value) in attributes {
            tag = tag.attr_opt(name, value.as_deref());
        }
        tag.empty();
    }
    if let Some(dev) = &interface.target_dev {
        w.start("target").attr("dev", dev).empty();
    }
    if let Some(model) = &interface.model {
        w.start("model").attr("type", model).empty();
    }
    w.close("interface");
}

fn format_chr(w: &mut Writer, element: &str, chr: &Chr, options: FormatOptions) {
    let mut tag = w.start(element).attr("type", chr.source.type_name());
    // libvirt's legacy <console tty=...> for the live first PTY console.
    if let ChrSource::Pty { path: Some(path) } = &chr.source {
        if element == "console" && chr.target_port == 0 && !options.inactive {
            tag = tag.attr("tty", path);
        }
    }
    tag.open();
    match &chr.source {
        // A PTY's path is runtime state.
        ChrSource::Pty { path: Some(path) } if !options.inactive => {
            w.start("source").attr("path", path).empty()
        }
        ChrSource::Dev { path } | ChrSource::Pipe { path } => {
            w.start("source").attr("path", path).empty()
        }
        ChrSource::File { path, append } => w
            .start("source")
            .attr("path", path)
            .attr_opt("append", append.map(|a| if a { "on" } else { "off" }))
            .empty(),
        ChrSource::Tcp {
            mode,
            host,
            service,
            protocol,
        } => {
            w.start("source")
                .attr("mode", mode.as_str())
                .attr_opt("host", host.as_deref())
                .attr_opt("service", service.as_deref())
                .empty();
            w.start("protocol").attr("type", protocol.as_str()).empty();
        }
        ChrSource::Udp {
            bind_host,
            bind_service,
            connect_host,
            connect_service,
        } => {
            if bind_host.is_some() || bind_service.is_some() {
                w.start("source")
                    .attr("mode", "bind")
                    .attr_opt("host", bind_host.as_deref())
                    .attr_opt("service", bind_service.as_deref())
                    .empty();
            }
            if connect_host.is_some() || connect_service.is_some() {
                w.start("source")
                    .attr("mode", "connect")
                    .attr_opt("host", connect_host.as_deref())
                    .attr_opt("service", connect_service.as_deref())
                    .empty();
            }
        }
        ChrSource::Unix {
            mode,
            path: Some(path),
        } => w
            .start("source")
            .attr("mode", mode.as_str())
            .attr("path", path)
            .empty(),
        _ => {}
    }
    let target_type = match (element, chr.target_type.as_deref()) {
        ("console", None) => Some("none"),
        ("parallel", _) => None,
        (_, kind) => kind,
    };
    w.start("target")
        .attr_opt("type", target_type)
        .attr_num("port", chr.target_port)
        .empty();
    w.close(element);
}

fn format_graphics(w: &mut Writer, graphics: &Graphics, options: FormatOptions) {
    let mut tag = w
        .start("graphics")
        .attr("type", graphics.graphics_type.as_str());
    if graphics.graphics_type != GraphicsType::Vnc {
        tag.empty();
        return;
    }
    // libvirt writes the port attributes for address and network listens only, and the
    // socket for a socket listen (a graphics without listens counts as address).
    let first = graphics.listens.first();
    match first.map(|l| l.listen_type) {
        Some(ListenType::Socket) => {
            tag = tag.attr_opt("socket", first.and_then(|l| l.socket.as_deref()));
        }
        Some(ListenType::None) => {}
        listen_type => {
            match graphics.port {
                Some(port) if !graphics.autoport || !options.inactive => {
                    tag = tag.attr_num("port", port)
                }
                _ if graphics.autoport => tag = tag.attr("port", "-1"),
                _ => {}
            }
            tag = tag.attr("autoport", yes_no(graphics.autoport));
            if let Some(websocket) = graphics.websocket {
                tag = tag.attr_num("websocket", websocket);
            }
            let network_hidden = listen_type == Some(ListenType::Network) && options.inactive;
            if !network_hidden {
                tag = tag.attr_opt("listen", first.and_then(|l| l.address.as_deref()));
            }
        }
    }
    tag = tag
        .attr_opt("keymap", graphics.keymap.as_deref())
        .attr_opt("sharePolicy", graphics.share_policy.as_deref());
    if options.secure {
        tag = tag.attr_opt("passwd", graphics.passwd.as_ref().map(VncPassword::expose));
    }
    if graphics.listens.is_empty() {
        tag.empty();
        return;
    }
    tag.open();
    for listen in &graphics.listens {
        let mut tag = w.start("listen").attr("type", listen.listen_type.as_str());
        match listen.listen_type {
            ListenType::Address => tag = tag.attr_opt("address", listen.address.as_deref()),
            ListenType::Network => {
                // A network listen's address is runtime status, not configuration.
                if !options.inactive {
                    tag = tag.attr_opt("address", listen.address.as_deref());
                }
                tag = tag.attr_opt("network", listen.network.as_deref())
            }
            ListenType::Socket => tag = tag.attr_opt("socket", listen.socket.as_deref()),
            ListenType::None => {}
        }
        tag.empty();
    }
    w.close("graphics");
}
