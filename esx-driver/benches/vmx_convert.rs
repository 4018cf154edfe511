//! How fast VMX files convert: parse + convert to a domain, and domain -> VMX text, on typical
//! 2-4 KB files (a vSphere 7 VM with disks, CD-ROM, NICs and VMware's usual bookkeeping).
//!
//! Target: 50,000 files per second per direction on one core (20 µs per file). The issue's
//! two figures are `vmx_bytes_to_xml_text` and `xml_text_to_vmx_bytes`; the others split them
//! into their halves (`vmx_bytes_to_domain` + formatting, `xml_text_to_domain` +
//! `domain_to_vmx_bytes`) and time an unchanged VMX read/write. Criterion's `thrpt` line is
//! files per second.

// criterion_main! defines an undocumented `pub fn main`.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use esx_driver::domain::{format_domain_xml, parse_domain_xml, Domain, FormatOptions};
use esx_driver::vmx::{domain_to_vmx, vmx_to_domain, OfflineContext, VmxFile};

/// A typical ESXi 7 VMX file (3 KB): written for this benchmark.
const TYPICAL_VMX: &str = r#".encoding = "UTF-8"
config.version = "8"
virtualHW.version = "17"
vmci0.present = "TRUE"
floppy0.present = "FALSE"
numvcpus = "4"
cpuid.coresPerSocket = "2"
memSize = "8192"
sched.cpu.units = "mhz"
sched.cpu.shares = "normal"
sched.mem.minsize = "1024"
sched.mem.shares = "normal"
tools.upgrade.policy = "manual"
scsi0.virtualDev = "pvscsi"
scsi0.present = "TRUE"
scsi0:0.deviceType = "scsi-hardDisk"
scsi0:0.fileName = "app-server-01.vmdk"
scsi0:0.present = "TRUE"
scsi0:0.redo = ""
scsi0:1.deviceType = "scsi-hardDisk"
scsi0:1.fileName = "app-server-01_1.vmdk"
scsi0:1.mode = "independent-persistent"
scsi0:1.present = "TRUE"
scsi0:1.redo = ""
sched.scsi0:0.shares = "normal"
sched.scsi0:0.throughputCap = "off"
sched.scsi0:1.shares = "normal"
sched.scsi0:1.throughputCap = "off"
sata0.present = "TRUE"
sata0:0.deviceType = "cdrom-image"
sata0:0.fileName = "/vmfs/volumes/5f2a1b3c-8d9e0f11-2233-001122334455/iso/rhel-8.6-x86_64-dvd.iso"
sata0:0.present = "TRUE"
sata0:0.startConnected = "FALSE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "vpx"
ethernet0.generatedAddress = "00:50:56:9a:12:34"
ethernet0.uptCompatibility = "TRUE"
ethernet0.present = "TRUE"
ethernet1.virtualDev = "e1000e"
ethernet1.dvs.switchId = "50 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8"
ethernet1.dvs.portId = "12"
ethernet1.dvs.portgroupId = "dvportgroup-1042"
ethernet1.dvs.connectionId = "1931582114"
ethernet1.addressType = "vpx"
ethernet1.generatedAddress = "00:50:56:9a:56:78"
ethernet1.present = "TRUE"
displayName = "app-server-01"
annotation = "Application server|0Aowner: platform team|0Aticket: OPS-4711"
guestOS = "rhel8-64"
toolScripts.afterPowerOn = "TRUE"
toolScripts.afterResume = "TRUE"
toolScripts.beforeSuspend = "TRUE"
toolScripts.beforePowerOff = "TRUE"
tools.syncTime = "FALSE"
uuid.bios = "42 1a 6b 77 5a a9 ab b7-59 24 fc 37 6c 18 a1 b4"
vc.uuid = "50 1a f9 f2 6d 29 1c 76-19 a9 b2 08 ed e5 f3 74"
uuid.location = "56 4d ff 27 a3 20 99 44-4a 7f b5 40 3a 8a a2 5f"
migrate.hostLog = "app-server-01-25cb1ed1.hlog"
sched.cpu.min = "0"
sched.mem.min = "0"
migrate.encryptionMode = "opportunistic"
ftcpt.ftEncryptionMode = "ftEncryptionOpportunistic"
sched.swap.derivedName = "/vmfs/volumes/5f2a1b3c-8d9e0f11-2233-001122334455/app-server-01/app-server-01-79c21733.vswp"
vm.genid = "1424963296993694319"
vm.genidX = "-5704120239402535687"
nvram = "app-server-01.nvram"
svga.present = "TRUE"
svga.vramSize = "8388608"
pciBridge0.present = "TRUE"
pciBridge4.present = "TRUE"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
pciBridge5.present = "TRUE"
pciBridge5.virtualDev = "pcieRootPort"
pciBridge5.functions = "8"
scsi0.pciSlotNumber = "160"
ethernet0.pciSlotNumber = "192"
ethernet1.pciSlotNumber = "224"
sata0.pciSlotNumber = "33"
vmci0.pciSlotNumber = "32"
vmci0.id = "1813553588"
monitor.phys_bits_used = "45"
vmotion.checkpointFBSize = "8388608"
cleanShutdown = "TRUE"
softPowerOff = "FALSE"
tools.remindInstall = "FALSE"
toolsInstallManager.updateCounter = "3"
extendedConfigFile = "app-server-01.vmxf"
firmware = "efi"
uefi.secureBoot.enabled = "TRUE"
"#;

fn to_xml(domain: &Domain) -> String {
    format_domain_xml(
        domain,
        FormatOptions {
            secure: true,
            inactive: true,
        },
    )
}

fn context() -> OfflineContext {
    OfflineContext::new().with_vmx_location("datastore1", "app-server-01")
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    let vmx = VmxFile::parse(TYPICAL_VMX.as_bytes()).expect("benchmark VMX parses");
    let domain = vmx_to_domain(&vmx, &ctx).expect("benchmark VMX converts");
    let xml = to_xml(&domain);

    let mut group = c.benchmark_group("vmx_convert");
    group.throughput(Throughput::Elements(1));
    group.bench_function("vmx_bytes_to_domain", |b| {
        b.iter(|| {
            let vmx = VmxFile::parse(black_box(TYPICAL_VMX.as_bytes())).unwrap();
            vmx_to_domain(&vmx, &ctx).unwrap()
        })
    });
    group.bench_function("domain_to_vmx_bytes", |b| {
        b.iter(|| {
            domain_to_vmx(black_box(&domain), &ctx, 17)
                .unwrap()
                .to_bytes()
        })
    });
    group.bench_function("vmx_bytes_to_xml_text", |b| {
        b.iter(|| {
            let vmx = VmxFile::parse(black_box(TYPICAL_VMX.as_bytes())).unwrap();
            to_xml(&vmx_to_domain(&vmx, &ctx).unwrap())
        })
    });
    group.bench_function("xml_text_to_domain", |b| {
        b.iter(|| parse_domain_xml(black_box(&xml)).unwrap())
    });
    group.bench_function("xml_text_to_vmx_bytes", |b| {
        b.iter(|| {
            let domain = parse_domain_xml(black_box(&xml)).unwrap();
            domain_to_vmx(&domain, &ctx, 17).unwrap().to_bytes()
        })
    });
    group.bench_function("vmx_read_write_unchanged", |b| {
        b.iter(|| {
            VmxFile::parse(black_box(TYPICAL_VMX.as_bytes()))
                .unwrap()
                .to_bytes()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
