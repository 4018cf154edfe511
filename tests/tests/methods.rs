//! Methods vcsim 0.24 lacks, added by our simulator: RebootGuest, StandbyGuest, MigrateVM_Task,
//! ExtendVirtualDisk_Task, ReconfigureAutostart; and the datastore file endpoint's DELETE and the
//! .vmx files of the initial VMs.

use std::time::Duration;

use esx_tests::raw::{elements, moref, text_of, texts_of, RawSoap};
use esx_tests::{SimOptions, Simulator, WireStyle};

const WAIT: Duration = Duration::from_secs(10);

fn val(soap: &mut RawSoap, kind: &str, obj: &str, prop: &str) -> String {
    let v = soap
        .property(kind, obj, prop)
        .unwrap_or_else(|| panic!("{obj} has {prop}"));
    text_of(&v, "val").unwrap()
}

fn task_state(soap: &mut RawSoap, response: esx_tests::raw::Response) -> String {
    let task = response.ok().text("returnval").unwrap();
    let info = soap.wait_task(&task, WAIT);
    text_of(&info, "state").unwrap()
}

#[test]
fn reboot_and_standby_guest() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::esx().wire(wire)).unwrap();
        let mut soap = RawSoap::login(&sim);
        let vm = soap.find_vm("ha-host_VM0").unwrap();
        let boot = val(&mut soap, "VirtualMachine", &vm, "summary.runtime.bootTime");
        std::thread::sleep(Duration::from_millis(20));
        soap.invoke("RebootGuest", "VirtualMachine", &vm, "").ok();
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "runtime.powerState"),
            "poweredOn"
        );
        assert_ne!(
            val(&mut soap, "VirtualMachine", &vm, "runtime.bootTime"),
            boot,
            "rebooted"
        );

        soap.invoke("StandbyGuest", "VirtualMachine", &vm, "").ok();
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "runtime.powerState"),
            "suspended"
        );
        let r = soap.invoke("RebootGuest", "VirtualMachine", &vm, "");
        assert_eq!(
            r.fault().as_deref(),
            Some("InvalidPowerState"),
            "{}",
            r.body
        );
        let r = soap.invoke("StandbyGuest", "VirtualMachine", &vm, "");
        assert_eq!(r.fault().as_deref(), Some("InvalidPowerState"));
        // ShutdownGuest is vcsim's own
        let vm1 = soap.find_vm("ha-host_VM1").unwrap();
        soap.invoke("ShutdownGuest", "VirtualMachine", &vm1, "")
            .ok();
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm1, "runtime.powerState"),
            "poweredOff"
        );
    }
}

#[test]
fn migrate_moves_a_vm_to_another_host_of_the_vcenter() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::vpx().wire(wire)).unwrap();
        let mut soap = RawSoap::login(&sim);
        let vm = soap.find_vm("DC0_C0_RP0_VM0").unwrap();
        let from = val(&mut soap, "VirtualMachine", &vm, "runtime.host");
        let hosts = soap.container_view("HostSystem");
        let r = soap
            .retrieve_view(&hosts, "HostSystem", &["name"], None)
            .ok();
        let by_name: Vec<(String, String)> = elements(&r.body, "objects")
            .iter()
            .map(|o| (text_of(o, "val").unwrap(), text_of(o, "obj").unwrap()))
            .collect();
        let to = by_name
            .iter()
            .find(|(n, h)| n.starts_with("DC0_C0_H") && *h != from)
            .unwrap()
            .1
            .clone();

        let migrate = soap.invoke(
            "MigrateVM_Task",
            "VirtualMachine",
            &vm,
            &format!(
                "{}<priority>defaultPriority</priority>",
                moref("host", "HostSystem", &to)
            ),
        );
        assert_eq!(task_state(&mut soap, migrate), "success", "{wire:?}");
        assert_eq!(val(&mut soap, "VirtualMachine", &vm, "runtime.host"), to);
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "summary.runtime.host"),
            to
        );
        let on_target = soap.property("HostSystem", &to, "vm").unwrap();
        assert!(texts_of(&on_target, "ManagedObjectReference").contains(&vm));
        let on_source = soap.property("HostSystem", &from, "vm").unwrap_or_default();
        assert!(!texts_of(&on_source, "ManagedObjectReference").contains(&vm));

        // to the standalone host: the VM joins that host's resource pool
        let standalone = by_name
            .iter()
            .find(|(n, _)| n == "DC0_H0")
            .unwrap()
            .1
            .clone();
        let migrate = soap.invoke(
            "MigrateVM_Task",
            "VirtualMachine",
            &vm,
            &format!(
                "{}<priority>defaultPriority</priority>",
                moref("host", "HostSystem", &standalone)
            ),
        );
        assert_eq!(task_state(&mut soap, migrate), "success");
        let pool = val(&mut soap, "VirtualMachine", &vm, "resourcePool");
        let pool_vms = soap.property("ResourcePool", &pool, "vm").unwrap();
        assert!(texts_of(&pool_vms, "ManagedObjectReference").contains(&vm));

        let bad = soap.invoke(
            "MigrateVM_Task",
            "VirtualMachine",
            &vm,
            &format!(
                "{}<priority>defaultPriority</priority>",
                moref("host", "HostSystem", "host-424242")
            ),
        );
        assert_eq!(bad.fault().as_deref(), Some("ManagedObjectNotFound"));
        let wrong_state = soap.invoke(
            "MigrateVM_Task",
            "VirtualMachine",
            &vm,
            &format!(
                "{}<priority>defaultPriority</priority><state>poweredOff</state>",
                moref("host", "HostSystem", &to)
            ),
        );
        assert_eq!(wrong_state.fault().as_deref(), Some("InvalidPowerState"));
    }
}

#[test]
fn migrate_is_not_supported_by_a_lone_esx_host() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm = soap.find_vm("ha-host_VM0").unwrap();
    let r = soap.invoke(
        "MigrateVM_Task",
        "VirtualMachine",
        &vm,
        &format!(
            "{}<priority>defaultPriority</priority>",
            moref("host", "HostSystem", "ha-host")
        ),
    );
    assert_eq!(r.fault().as_deref(), Some("NotSupported"));
}

#[test]
fn extend_virtual_disk_grows_the_disk_of_its_vm() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::esx().wire(wire)).unwrap();
        let mut soap = RawSoap::login(&sim);
        let vm = soap.find_vm("ha-host_VM0").unwrap();
        let devices = soap
            .property("VirtualMachine", &vm, "config.hardware.device")
            .unwrap();
        let disk = elements(&devices, "VirtualDevice")
            .into_iter()
            .find(|d| d.contains("VirtualDisk\""))
            .unwrap()
            .to_string();
        let file = text_of(&disk, "fileName").unwrap();
        assert_eq!(text_of(&disk, "capacityInKB").as_deref(), Some("1024"));
        let vdm = soap.refs.virtual_disk_manager.clone();

        let extend = |kb: u64| {
            format!(
                "<name>{}</name>{}<newCapacityKb>{kb}</newCapacityKb><eagerZero>false</eagerZero>",
                esx_tests::raw::escape(&file),
                moref("datacenter", "Datacenter", "ha-datacenter")
            )
        };
        let r = soap.invoke(
            "ExtendVirtualDisk_Task",
            "VirtualDiskManager",
            &vdm,
            &extend(4096),
        );
        assert_eq!(task_state(&mut soap, r), "success", "{wire:?}");
        let devices = soap
            .property("VirtualMachine", &vm, "config.hardware.device")
            .unwrap();
        let disk = elements(&devices, "VirtualDevice")
            .into_iter()
            .find(|d| d.contains("VirtualDisk\""))
            .unwrap()
            .to_string();
        assert_eq!(text_of(&disk, "capacityInKB").as_deref(), Some("4096"));
        assert_eq!(
            text_of(&disk, "capacityInBytes").as_deref(),
            Some("4194304")
        );

        let shrink = soap.invoke(
            "ExtendVirtualDisk_Task",
            "VirtualDiskManager",
            &vdm,
            &extend(2048),
        );
        assert_eq!(
            shrink.fault().as_deref(),
            Some("InvalidArgument"),
            "{}",
            shrink.body
        );
        let missing = soap.invoke(
            "ExtendVirtualDisk_Task",
            "VirtualDiskManager",
            &vdm,
            "<name>[LocalDS_0] nowhere/none.vmdk</name><newCapacityKb>10</newCapacityKb>",
        );
        let task = missing.ok().text("returnval").unwrap();
        let info = soap.wait_task(&task, WAIT);
        assert!(
            elements(&info, "error")[0].contains("FileNotFound"),
            "{info}"
        );
        let bad = soap.invoke(
            "ExtendVirtualDisk_Task",
            "VirtualDiskManager",
            &vdm,
            "<name>[NoSuchDS] a.vmdk</name><newCapacityKb>10</newCapacityKb>",
        );
        assert_eq!(bad.fault().as_deref(), Some("InvalidDatastorePath"));
    }
}

#[test]
fn autostart_manager_keeps_defaults_and_per_vm_power_info() {
    for (options, mgr_of_host) in [(SimOptions::esx(), "ha-host"), (SimOptions::vpx(), "")] {
        let sim = Simulator::start(options).unwrap();
        let mut soap = RawSoap::login(&sim);
        let hosts = soap.container_view("HostSystem");
        let r = soap
            .retrieve_view(
                &hosts,
                "HostSystem",
                &["configManager.autoStartManager"],
                None,
            )
            .ok();
        let managers: Vec<String> = elements(&r.body, "objects")
            .iter()
            .map(|o| text_of(o, "val").unwrap())
            .collect();
        let distinct: std::collections::BTreeSet<_> = managers.iter().collect();
        assert_eq!(
            distinct.len(),
            managers.len(),
            "one manager per host: {managers:?}"
        );
        if !mgr_of_host.is_empty() {
            assert_eq!(managers, ["ha-autostart-mgr"]);
        }
        let mgr = managers[0].clone();
        let vm = soap
            .find_vm(if mgr_of_host.is_empty() {
                "DC0_H0_VM0"
            } else {
                "ha-host_VM0"
            })
            .unwrap();
        let config = soap
            .property("HostAutoStartManager", &mgr, "config")
            .unwrap();
        assert_eq!(text_of(&config, "enabled").as_deref(), Some("false"));

        soap.invoke(
            "ReconfigureAutostart",
            "HostAutoStartManager",
            &mgr,
            &format!(
                "<spec><defaults><enabled>true</enabled></defaults><powerInfo>{}<startOrder>-1</startOrder><startDelay>-1</startDelay>\
                 <waitForHeartbeat>systemDefault</waitForHeartbeat><startAction>powerOn</startAction><stopDelay>-1</stopDelay>\
                 <stopAction>systemDefault</stopAction></powerInfo></spec>",
                moref("key", "VirtualMachine", &vm)
            ),
        )
        .ok();
        let config = soap
            .property("HostAutoStartManager", &mgr, "config")
            .unwrap();
        assert_eq!(text_of(&config, "enabled").as_deref(), Some("true"));
        assert_eq!(
            text_of(&config, "stopAction").as_deref(),
            Some("PowerOff"),
            "other defaults kept"
        );
        assert_eq!(text_of(&config, "key").as_deref(), Some(vm.as_str()));
        assert_eq!(text_of(&config, "startAction").as_deref(), Some("powerOn"));

        // replacing the VM's entry, not adding a second one
        soap.invoke(
            "ReconfigureAutostart",
            "HostAutoStartManager",
            &mgr,
            &format!(
                "<spec><powerInfo>{}<startOrder>-1</startOrder><startDelay>-1</startDelay><waitForHeartbeat>systemDefault</waitForHeartbeat>\
                 <startAction>none</startAction><stopDelay>-1</stopDelay><stopAction>systemDefault</stopAction></powerInfo></spec>",
                moref("key", "VirtualMachine", &vm)
            ),
        )
        .ok();
        let config = soap
            .property("HostAutoStartManager", &mgr, "config")
            .unwrap();
        assert_eq!(elements(&config, "powerInfo").len(), 1);
        assert_eq!(text_of(&config, "startAction").as_deref(), Some("none"));
        assert_eq!(text_of(&config, "enabled").as_deref(), Some("true"));
    }
}

#[test]
fn initial_vms_have_a_real_vmx_and_delete_removes_files() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm = soap.find_vm("ha-host_VM0").unwrap();
    let uuid = val(&mut soap, "VirtualMachine", &vm, "config.uuid");
    let vmx = soap.http(
        "GET",
        "/folder/ha-host_VM0/ha-host_VM0.vmx?dcPath=ha-datacenter&dsName=LocalDS_0",
        &[],
        b"",
    );
    assert_eq!(vmx.status, 200);
    let text = vmx.body;
    assert!(text.contains("displayName = \"ha-host_VM0\"\n"), "{text}");
    assert!(text.contains("memsize = \"32\"\n"), "{text}");
    assert!(text.contains("numvcpus = \"1\"\n"));
    assert!(text.contains("guestOS = \"other\"\n"));
    assert!(text.contains("scsi0.virtualDev = \"pvscsi\"\n"), "{text}");
    assert!(
        text.contains("scsi0:0.fileName = \"disk1.vmdk\"\n"),
        "{text}"
    );
    assert!(
        text.contains("ethernet0.virtualDev = \"e1000\"\n"),
        "{text}"
    );
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    let bytes: Vec<&str> = (0..16).map(|i| &hex[2 * i..2 * i + 2]).collect();
    let expected = format!(
        "uuid.bios = \"{}-{}\"\n",
        bytes[..8].join(" "),
        bytes[8..].join(" ")
    );
    assert!(text.contains(&expected), "{expected} in {text}");

    let file = "/folder/scratch/note.txt?dcPath=ha-datacenter&dsName=LocalDS_0";
    assert_eq!(soap.http("PUT", file, &[], b"hello").status, 200);
    assert_eq!(soap.http("GET", file, &[], b"").body, "hello");
    assert_eq!(soap.http("DELETE", file, &[], b"").status, 204);
    assert_eq!(
        soap.http("GET", file, &[], b"").status,
        404,
        "really deleted"
    );
    assert_eq!(soap.http("DELETE", file, &[], b"").status, 404);
}

#[test]
fn vms_created_through_the_api_get_a_vmx_too() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm_folder = val(&mut soap, "Datacenter", "ha-datacenter", "vmFolder");
    let pool = val(
        &mut soap,
        "ComputeResource",
        "ha-compute-res",
        "resourcePool",
    );
    let create = soap.invoke(
        "CreateVM_Task",
        "Folder",
        &vm_folder,
        &format!(
            "<config><name>made</name><guestId>otherLinux64Guest</guestId><files><vmPathName>[LocalDS_0]</vmPathName></files>\
             <numCPUs>2</numCPUs><memoryMB>512</memoryMB></config>{}",
            moref("pool", "ResourcePool", &pool)
        ),
    );
    assert_eq!(task_state(&mut soap, create), "success");
    let vmx = soap.http(
        "GET",
        "/folder/made/made.vmx?dcPath=ha-datacenter&dsName=LocalDS_0",
        &[],
        b"",
    );
    assert_eq!(vmx.status, 200);
    assert!(
        vmx.body.contains("numvcpus = \"2\"\n") && vmx.body.contains("memsize = \"512\"\n"),
        "{}",
        vmx.body
    );
    assert!(
        vmx.body.contains("guestOS = \"otherlinux-64\"\n"),
        "{}",
        vmx.body
    );
}

#[test]
fn a_registered_vm_takes_its_settings_from_its_vmx() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::esx().wire(wire)).unwrap();
        let mut soap = RawSoap::login(&sim);
        let vmx = "config.version = \"8\"\nvirtualHW.version = \"13\"\ndisplayName = \"defined\"\nmemsize = \"2048\"\n\
                   numvcpus = \"4\"\nguestOS = \"otherlinux-64\"\nuuid.bios = \"42 1c 6e 0a 11 22 33 44-55 66 77 88 99 aa bb cc\"\n\
                   annotation = \"made by a test\"\n";
        let put = soap.http(
            "PUT",
            "/folder/defined/defined.vmx?dcPath=ha-datacenter&dsName=LocalDS_0",
            &[],
            vmx.as_bytes(),
        );
        assert_eq!(put.status, 200);
        let vm_folder = val(&mut soap, "Datacenter", "ha-datacenter", "vmFolder");
        let pool = val(
            &mut soap,
            "ComputeResource",
            "ha-compute-res",
            "resourcePool",
        );
        let register = soap.invoke(
            "RegisterVM_Task",
            "Folder",
            &vm_folder,
            &format!(
                "<path>[LocalDS_0] defined/defined.vmx</path><name>defined</name><asTemplate>false</asTemplate>{}",
                moref("pool", "ResourcePool", &pool)
            ),
        );
        let task = register.ok().text("returnval").unwrap();
        let info = soap.wait_task(&task, WAIT);
        assert_eq!(
            text_of(&info, "state").as_deref(),
            Some("success"),
            "{wire:?}: {info}"
        );
        let vm = soap.find_vm("defined").unwrap();
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "config.hardware.memoryMB"),
            "2048"
        );
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "config.hardware.numCPU"),
            "4"
        );
        assert_eq!(
            val(
                &mut soap,
                "VirtualMachine",
                &vm,
                "summary.config.memorySizeMB"
            ),
            "2048"
        );
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "config.guestId"),
            "otherLinux64Guest"
        );
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "config.uuid"),
            "421c6e0a-1122-3344-5566-778899aabbcc"
        );
        assert_eq!(
            val(&mut soap, "VirtualMachine", &vm, "config.annotation"),
            "made by a test"
        );
        let back = soap.http(
            "GET",
            "/folder/defined/defined.vmx?dcPath=ha-datacenter&dsName=LocalDS_0",
            &[],
            b"",
        );
        assert_eq!(back.body, vmx, "the uploaded .vmx is left as it was");
    }
}

/// Files named `name` anywhere below `root`.
fn files_named(root: &std::path::Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_name() == name {
            found.push(path.clone());
        }
        if path.is_dir() {
            found.extend(files_named(&path, name));
        }
    }
    found
}

#[test]
fn register_vm_refuses_a_name_that_would_leave_the_vm_folder() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let put = soap.http(
        "PUT",
        "/folder/reg/reg.vmx?dcPath=ha-datacenter&dsName=LocalDS_0",
        &[],
        b"config.version = \"8\"\nvirtualHW.version = \"13\"\n",
    );
    assert_eq!(put.status, 200);
    let vm_folder = val(&mut soap, "Datacenter", "ha-datacenter", "vmFolder");
    let pool = val(
        &mut soap,
        "ComputeResource",
        "ha-compute-res",
        "resourcePool",
    );
    for name in ["../../evil", "..", "a/b", "x\\y"] {
        let register = soap.invoke(
            "RegisterVM_Task",
            "Folder",
            &vm_folder,
            &format!(
                "<path>[LocalDS_0] reg/reg.vmx</path><name>{}</name><asTemplate>false</asTemplate>{}",
                esx_tests::raw::escape(name),
                moref("pool", "ResourcePool", &pool)
            ),
        );
        assert_eq!(
            register.fault().as_deref(),
            Some("InvalidName"),
            "{name}: {}",
            register.body
        );
    }
    // Nothing was written outside (or inside) the VM's folder for them.
    let above = sim.temp_dir().parent().unwrap();
    assert!(files_named(above, "evil.nvram").is_empty());
    assert!(files_named(sim.temp_dir(), "...nvram").is_empty());
    assert!(soap.find_vm("../../evil").is_none());
}
