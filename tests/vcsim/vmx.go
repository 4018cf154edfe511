// Real .vmx files: vcsim leaves the .vmx of its VMs empty, so a client that reads the VMX (dumpxml)
// has nothing to parse. We write a minimal one (name, memory, CPUs, guest OS, UUIDs, controllers,
// disks, NICs) for every VM whose .vmx is empty: the initial inventory at startup, and VMs created
// later through CreateVM_Task. A .vmx with content (e.g. uploaded by a client) is never touched.
package main

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// guestOSKey maps a vSphere guest id to the .vmx guestOS value ("otherLinux64Guest" -> "otherlinux-64").
func guestOSKey(id string) string {
	base, suffix := id, ""
	for _, s := range []string{"_64Guest", "64Guest", "Guest64"} {
		if strings.HasSuffix(id, s) {
			base, suffix = strings.TrimSuffix(id, s), "-64"
			break
		}
	}
	if suffix == "" {
		base = strings.TrimSuffix(id, "Guest")
	}
	if base == "" {
		return "other"
	}
	return strings.ToLower(base) + suffix
}

// vmxUUID formats a UUID as .vmx files do: "56 4d ... 9a-8f ... 00".
func vmxUUID(u string) string {
	h := strings.ReplaceAll(u, "-", "")
	if len(h) != 32 {
		return u
	}
	var parts []string
	for i := 0; i < 32; i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts[:8], " ") + "-" + strings.Join(parts[8:], " ")
}

var scsiModels = map[string]string{
	"ParaVirtualSCSIController":    "pvscsi",
	"VirtualLsiLogicController":    "lsilogic",
	"VirtualLsiLogicSASController": "lsisas1068",
	"VirtualBusLogicController":    "buslogic",
}

var nicModels = map[string]string{
	"VirtualE1000":   "e1000",
	"VirtualE1000e":  "e1000e",
	"VirtualVmxnet3": "vmxnet3",
	"VirtualVmxnet2": "vmxnet2",
	"VirtualPCNet32": "vlance",
}

func typeName(v interface{}) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", v), "*types.")
}

// renderVMX builds the .vmx text of a VM from its configuration.
func renderVMX(vm *simulator.VirtualMachine) string {
	cfg := vm.Config
	kv := [][2]string{
		{".encoding", "UTF-8"},
		{"config.version", "8"},
		{"virtualHW.version", strings.TrimPrefix(cfg.Version, "vmx-")},
		{"displayName", vm.Name},
		{"guestOS", guestOSKey(cfg.GuestId)},
		{"memsize", fmt.Sprint(cfg.Hardware.MemoryMB)},
		{"numvcpus", fmt.Sprint(cfg.Hardware.NumCPU)},
		{"uuid.bios", vmxUUID(cfg.Uuid)},
		{"vc.uuid", vmxUUID(cfg.InstanceUuid)},
	}
	if cfg.Annotation != "" {
		kv = append(kv, [2]string{"annotation", cfg.Annotation})
	}
	vmxDir := path.Dir(vmDatastorePath(cfg.Files.VmPathName))

	controllers := map[int32]string{} // device key -> "scsi0" / "ide1"
	devices := cfg.Hardware.Device
	for _, d := range devices {
		switch c := d.(type) {
		case types.BaseVirtualSCSIController:
			sc := c.GetVirtualSCSIController()
			prefix := fmt.Sprintf("scsi%d", sc.BusNumber)
			controllers[sc.Key] = prefix
			kv = append(kv, [2]string{prefix + ".present", "TRUE"})
			if model, ok := scsiModels[typeName(d)]; ok {
				kv = append(kv, [2]string{prefix + ".virtualDev", model})
			}
		case *types.VirtualIDEController:
			controllers[c.Key] = fmt.Sprintf("ide%d", c.BusNumber)
		}
	}
	nic := 0
	for _, d := range devices {
		switch dev := d.(type) {
		case *types.VirtualDisk:
			ctl, ok := controllers[dev.ControllerKey]
			if !ok || dev.UnitNumber == nil {
				continue
			}
			b, ok := dev.Backing.(types.BaseVirtualDeviceFileBackingInfo)
			if !ok {
				continue
			}
			file := vmDatastorePath(b.GetVirtualDeviceFileBackingInfo().FileName)
			if path.Dir(file) == vmxDir {
				file = path.Base(file)
			} else {
				file = "/vmfs/volumes/" + file
			}
			prefix := fmt.Sprintf("%s:%d", ctl, *dev.UnitNumber)
			kv = append(kv,
				[2]string{prefix + ".present", "TRUE"},
				[2]string{prefix + ".deviceType", "scsi-hardDisk"},
				[2]string{prefix + ".fileName", file})
		case types.BaseVirtualEthernetCard:
			card := dev.GetVirtualEthernetCard()
			prefix := fmt.Sprintf("ethernet%d", nic)
			nic++
			kv = append(kv, [2]string{prefix + ".present", "TRUE"})
			if model, ok := nicModels[typeName(d)]; ok {
				kv = append(kv, [2]string{prefix + ".virtualDev", model})
			}
			switch back := card.Backing.(type) {
			case *types.VirtualEthernetCardNetworkBackingInfo:
				kv = append(kv, [2]string{prefix + ".networkName", back.DeviceName})
			case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
				kv = append(kv,
					[2]string{prefix + ".dvs.switchId", back.Port.SwitchUuid},
					[2]string{prefix + ".dvs.portgroupId", back.Port.PortgroupKey})
			}
			if card.MacAddress != "" {
				kv = append(kv,
					[2]string{prefix + ".addressType", "generated"},
					[2]string{prefix + ".generatedAddress", card.MacAddress})
			}
		}
	}
	var b strings.Builder
	for _, p := range kv {
		fmt.Fprintf(&b, "%s = \"%s\"\n", p[0], strings.ReplaceAll(p[1], `"`, `|22`))
	}
	return b.String()
}

// vmDatastorePath turns "[ds] dir/file" into "ds/dir/file", for comparing directories.
func vmDatastorePath(p string) string {
	var dp object.DatastorePath
	if dp.FromString(p) {
		return path.Join(dp.Datastore, dp.Path)
	}
	return p
}

// writeVMX writes the VM's .vmx if it exists and is empty.
func writeVMX(vm *simulator.VirtualMachine) error {
	if vm.Config == nil || vm.Config.Files.VmPathName == "" {
		return nil
	}
	file, ok := localPath(vm.Config.Files.VmPathName, datacenterOf(vm))
	if !ok {
		return fmt.Errorf("%s: cannot resolve %s", vm.Name, vm.Config.Files.VmPathName)
	}
	info, err := os.Stat(file)
	if err != nil || info.Size() > 0 || info.IsDir() {
		return nil
	}
	return os.WriteFile(file, []byte(renderVMX(vm)), 0o600)
}

// writeAllVMX fills the .vmx of every VM of the inventory, in a stable order.
func writeAllVMX() error {
	vms := simulator.Map.All("VirtualMachine")
	sort.Slice(vms, func(i, j int) bool { return vms[i].Entity().Self.Value < vms[j].Entity().Self.Value })
	for _, e := range vms {
		if err := writeVMX(e.(*simulator.VirtualMachine)); err != nil {
			return err
		}
	}
	return nil
}

// vmxWriter writes the .vmx of VMs created through CreateVM_Task once their task succeeds, and
// applies the .vmx of VMs registered through RegisterVM_Task (register.go).
type vmxWriter struct{ self types.ManagedObjectReference }

func (w *vmxWriter) Reference() types.ManagedObjectReference { return w.self }
func (*vmxWriter) PutObject(mo.Reference)                    {}
func (*vmxWriter) RemoveObject(types.ManagedObjectReference) {}

func (w *vmxWriter) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	t, ok := obj.(*mo.Task)
	if !ok || t.Info.State != types.TaskInfoStateSuccess {
		return
	}
	if t.Info.DescriptionId != "Folder.createVm" && t.Info.DescriptionId != "Folder.registerVm" {
		return
	}
	for _, c := range changes {
		if c.Name != "info.state" {
			continue
		}
		ref, ok := t.Info.Result.(types.ManagedObjectReference)
		if !ok {
			continue
		}
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		if t.Info.DescriptionId == "Folder.createVm" {
			_ = writeVMX(vm)
		} else {
			applyVMX(vm)
		}
	}
}
