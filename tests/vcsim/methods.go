// Methods the driver calls that vcsim 0.24 lacks: RebootGuest, StandbyGuest, MigrateVM_Task and
// ExtendVirtualDisk_Task (AnswerVM and CancelTask live with questions and tasks).
package main

import (
	"fmt"
	"os"
	"path"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func (rt *router) registerMethods() {
	rt.handle("RebootGuest", rt.rebootGuest)
	rt.handle("StandbyGuest", rt.standbyGuest)
	rt.handle("MigrateVM_Task", rt.migrateVM)
	rt.handle("ValidateMigration", rt.validateMigration)
	rt.handle("ExtendVirtualDisk_Task", rt.extendVirtualDisk)
	rt.handle("RegisterVM_Task", rt.registerPrepare)
}

func taskResponse(c *call, method string, ref types.ManagedObjectReference) {
	writeResponse(c.w, method+"Response", &struct {
		Returnval types.ManagedObjectReference `xml:"returnval"`
	}{ref})
}

// poweredOn is the fault guest operations raise on a VM that is not running.
func poweredOn(vm *simulator.VirtualMachine) *faultResult {
	if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
		return nil
	}
	return newFault("The attempted operation cannot be performed in the current state ("+string(vm.Runtime.PowerState)+").",
		&types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: vm.Runtime.PowerState})
}

// rebootGuest restarts the guest: the VM stays powered on with a new boot time.
func (rt *router) rebootGuest(c *call) bool {
	vm, ok := simulator.Map.Get(c.method.This).(*simulator.VirtualMachine)
	if !ok {
		return false
	}
	var fault *faultResult
	simulator.Map.WithLock(vm, func() {
		if fault = poweredOn(vm); fault != nil {
			return
		}
		now := time.Now()
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "runtime.bootTime", Val: now},
			{Name: "summary.runtime.bootTime", Val: now},
		})
	})
	if fault != nil {
		fault.write(c.w)
		return true
	}
	writeResponse(c.w, "RebootGuestResponse", nil)
	return true
}

// standbyGuest puts the guest in standby: the VM ends up suspended.
func (rt *router) standbyGuest(c *call) bool {
	vm, ok := simulator.Map.Get(c.method.This).(*simulator.VirtualMachine)
	if !ok {
		return false
	}
	var fault *faultResult
	simulator.Map.WithLock(vm, func() {
		if fault = poweredOn(vm); fault != nil {
			return
		}
		_ = setPowerState(vm, types.VirtualMachinePowerStateSuspended, false)
	})
	if fault != nil {
		fault.write(c.w)
		return true
	}
	writeResponse(c.w, "StandbyGuestResponse", nil)
	return true
}

// datacenterOf walks up the inventory to the entity's datacenter.
func datacenterOf(e mo.Entity) *types.ManagedObjectReference {
	for e != nil {
		me := e.Entity()
		if me.Self.Type == "Datacenter" {
			return &me.Self
		}
		if me.Parent == nil {
			return nil
		}
		e, _ = simulator.Map.Get(*me.Parent).(mo.Entity)
	}
	return nil
}

// rootPoolOf returns the root resource pool of the compute resource a host belongs to.
func rootPoolOf(host *simulator.HostSystem) *types.ManagedObjectReference {
	if host.Parent == nil {
		return nil
	}
	switch cr := simulator.Map.Get(*host.Parent).(type) {
	case *simulator.ClusterComputeResource:
		return cr.ResourcePool
	case *mo.ComputeResource:
		return cr.ResourcePool
	}
	return nil
}

func contains(refs []types.ManagedObjectReference, ref types.ManagedObjectReference) bool {
	for _, r := range refs {
		if r == ref {
			return true
		}
	}
	return false
}

// migrationTarget checks a migration of vm to host and/or pool, as vCenter would, and returns the
// target host and pool.
func migrationTarget(vm *simulator.VirtualMachine, hostRef, poolRef *types.ManagedObjectReference,
	state types.VirtualMachinePowerState) (types.ManagedObjectReference, types.ManagedObjectReference, *faultResult) {
	var none types.ManagedObjectReference
	if simulator.Map.IsESX() {
		return none, none, newFault("The operation is not supported on the object: migration needs vCenter.", &types.NotSupported{})
	}
	var host *simulator.HostSystem
	var ok bool
	switch {
	case hostRef != nil:
		if host, ok = simulator.Map.Get(*hostRef).(*simulator.HostSystem); !ok {
			return none, none, newFault(fmt.Sprintf("The object has already been deleted or has not been completely created: %s", *hostRef),
				&types.ManagedObjectNotFound{Obj: *hostRef})
		}
	case poolRef != nil:
		host = simulator.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem)
	default:
		return none, none, newFault("A specified parameter was not correct: host or pool is required", &types.InvalidArgument{InvalidProperty: "host"})
	}
	if dc, hdc := datacenterOf(vm), datacenterOf(host); dc == nil || hdc == nil || *dc != *hdc {
		return none, none, newFault("A specified parameter was not correct: the host is in another datacenter", &types.InvalidArgument{InvalidProperty: "host"})
	}
	for _, ds := range vm.Datastore {
		if !contains(host.Datastore, ds) {
			return none, none, newFault(fmt.Sprintf("A specified parameter was not correct: host %s cannot access datastore %s", host.Name, ds.Value),
				&types.InvalidArgument{InvalidProperty: "host"})
		}
	}
	pool := poolRef
	if pool == nil {
		pool = rootPoolOf(host)
	}
	if pool == nil {
		return none, none, newFault("A specified parameter was not correct: pool", &types.InvalidArgument{InvalidProperty: "pool"})
	}
	if _, ok := simulator.Map.Get(*pool).(*simulator.ResourcePool); !ok {
		return none, none, newFault(fmt.Sprintf("The object has already been deleted or has not been completely created: %s", *pool),
			&types.ManagedObjectNotFound{Obj: *pool})
	}
	if state != "" && state != vm.Runtime.PowerState {
		return none, none, newFault("The attempted operation cannot be performed in the current state.",
			&types.InvalidPowerState{RequestedState: state, ExistingState: vm.Runtime.PowerState})
	}
	return host.Self, *pool, nil
}

// migrateVM moves a VM to another host (and resource pool) of the same vCenter datacenter.
func (rt *router) migrateVM(c *call) bool {
	req := c.method.Body.(*types.MigrateVM_Task)
	vm, ok := simulator.Map.Get(req.This).(*simulator.VirtualMachine)
	if !ok {
		return false
	}
	host, pool, fault := migrationTarget(vm, req.Host, req.Pool, req.State)
	if fault != nil {
		fault.write(c.w)
		return true
	}
	ref := startTask(taskSpec{
		entity:     vm,
		name:       "migrate",
		cancelable: true,
		duration:   rt.cfg.taskDurationFor(vm.Name),
		finish: func() (types.AnyType, types.BaseMethodFault) {
			moveVM(vm, host, pool)
			return nil, nil
		},
	})
	taskResponse(c, "MigrateVM_Task", ref)
	return true
}

// validateMigration (ServiceInstance) answers the checks of a migration as events: none when it
// can go ahead, a MigrationErrorEvent per VM that cannot move.
func (rt *router) validateMigration(c *call) bool {
	req := c.method.Body.(*types.ValidateMigration)
	var events []types.BaseEvent
	for _, ref := range req.Vm {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			newFault(fmt.Sprintf("The object has already been deleted or has not been completely created: %s", ref),
				&types.ManagedObjectNotFound{Obj: ref}).write(c.w)
			return true
		}
		if _, _, fault := migrationTarget(vm, req.Host, req.Pool, req.State); fault != nil {
			ev := &types.MigrationErrorEvent{}
			ev.CreatedTime = time.Now()
			ev.UserName = "vcsim"
			ev.Vm = &types.VmEventArgument{EntityEventArgument: types.EntityEventArgument{Name: vm.Name}, Vm: vm.Self}
			ev.FullFormattedMessage = fault.msg
			ev.Fault = types.LocalizedMethodFault{Fault: fault.fault, LocalizedMessage: fault.msg}
			events = append(events, ev)
		}
	}
	writeResponse(c.w, "ValidateMigrationResponse", &types.ValidateMigrationResponse{Returnval: events})
	return true
}

// moveVM updates the back references of hosts and pools, and the VM's own.
// A list is changed only when the VM leaves it, so that moving VMs between the hosts of one pool
// does not rescan the pool's (possibly 10,000-entry) list.
func moveVM(vm *simulator.VirtualMachine, host, pool types.ManagedObjectReference) {
	if vm.Runtime.Host == nil || *vm.Runtime.Host != host {
		if vm.Runtime.Host != nil {
			if old, ok := simulator.Map.Get(*vm.Runtime.Host).(*simulator.HostSystem); ok {
				simulator.Map.RemoveReference(old, &old.Vm, vm.Self)
			}
		}
		if h, ok := simulator.Map.Get(host).(*simulator.HostSystem); ok {
			simulator.Map.AddReference(h, &h.Vm, vm.Self)
		}
	}
	if vm.ResourcePool == nil || *vm.ResourcePool != pool {
		if vm.ResourcePool != nil {
			if old, ok := simulator.Map.Get(*vm.ResourcePool).(*simulator.ResourcePool); ok {
				simulator.Map.RemoveReference(old, &old.Vm, vm.Self)
			}
		}
		if p, ok := simulator.Map.Get(pool).(*simulator.ResourcePool); ok {
			simulator.Map.AddReference(p, &p.Vm, vm.Self)
		}
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "runtime.host", Val: host},
		{Name: "summary.runtime.host", Val: host},
		{Name: "resourcePool", Val: pool},
	})
}

// findDatastore finds a datastore by name, in the given datacenter if any.
func findDatastore(name string, dc *types.ManagedObjectReference) *simulator.Datastore {
	if dc != nil {
		if d, ok := simulator.Map.Get(*dc).(*simulator.Datacenter); ok {
			for _, ref := range d.Datastore {
				if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok && ds.Name == name {
					return ds
				}
			}
			return nil
		}
	}
	for _, e := range simulator.Map.All("Datastore") {
		if ds, ok := e.(*simulator.Datastore); ok && ds.Name == name {
			return ds
		}
	}
	return nil
}

// localPath resolves "[datastore] dir/file" to the file backing it.
func localPath(name string, dc *types.ManagedObjectReference) (string, bool) {
	var p object.DatastorePath
	if !p.FromString(name) {
		return "", false
	}
	ds := findDatastore(p.Datastore, dc)
	if ds == nil {
		return "", false
	}
	return path.Join(ds.Info.GetDatastoreInfo().Url, p.Path), true
}

// disksBackedBy lists (vm, disk) pairs whose backing file is name.
func disksBackedBy(name string) (vms []*simulator.VirtualMachine, disks []*types.VirtualDisk) {
	for _, e := range simulator.Map.All("VirtualMachine") {
		vm, ok := e.(*simulator.VirtualMachine)
		if !ok || vm.Config == nil {
			continue
		}
		for _, d := range vm.Config.Hardware.Device {
			disk, ok := d.(*types.VirtualDisk)
			if !ok {
				continue
			}
			if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok && b.GetVirtualDeviceFileBackingInfo().FileName == name {
				vms = append(vms, vm)
				disks = append(disks, disk)
			}
		}
	}
	return vms, disks
}

// extendVirtualDisk grows a virtual disk file and the capacity of the VM disks backed by it.
func (rt *router) extendVirtualDisk(c *call) bool {
	req := c.method.Body.(*types.ExtendVirtualDisk_Task)
	file, ok := localPath(req.Name, req.Datacenter)
	if !ok {
		newFault("Invalid datastore path '"+req.Name+"'.", &types.InvalidDatastorePath{DatastorePath: req.Name}).write(c.w)
		return true
	}
	_, disks := disksBackedBy(req.Name)
	for _, d := range disks {
		if req.NewCapacityKb < d.CapacityInKB {
			newFault(fmt.Sprintf("A specified parameter was not correct: newCapacityKb %d is smaller than the disk (%d KB)", req.NewCapacityKb, d.CapacityInKB),
				&types.InvalidArgument{InvalidProperty: "newCapacityKb"}).write(c.w)
			return true
		}
	}
	mgr := simulator.Map.Get(req.This)
	if mgr == nil {
		return false
	}
	ref := startTask(taskSpec{
		entity:     mgr,
		name:       "extendVirtualDisk",
		cancelable: false,
		duration:   rt.cfg.taskDuration,
		finish: func() (types.AnyType, types.BaseMethodFault) {
			if _, err := os.Stat(file); err != nil {
				return nil, &types.FileNotFound{FileFault: types.FileFault{File: req.Name}}
			}
			vms, disks := disksBackedBy(req.Name)
			for i, vm := range vms {
				devices := append([]types.BaseVirtualDevice(nil), vm.Config.Hardware.Device...)
				for j, d := range devices {
					if d == types.BaseVirtualDevice(disks[i]) {
						grown := *disks[i]
						grown.CapacityInKB = req.NewCapacityKb
						grown.CapacityInBytes = req.NewCapacityKb * 1024
						devices[j] = &grown
					}
				}
				simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.hardware.device", Val: devices}})
			}
			return nil, nil
		},
	})
	taskResponse(c, "ExtendVirtualDisk_Task", ref)
	return true
}
