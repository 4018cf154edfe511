// Power operations that take time (-task-duration, or VMs named by -slow-vms) or that ask a question
// (VMs named by -question-vms). Other power calls go to the simulator unchanged.
package main

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// powerOp is one of the VM power methods we may take over.
type powerOp struct {
	method string // SOAP method
	task   string // task name as vcsim gives it
	target types.VirtualMachinePowerState
}

var powerOps = []powerOp{
	{"PowerOnVM_Task", "powerOn", types.VirtualMachinePowerStatePoweredOn},
	{"PowerOffVM_Task", "powerOff", types.VirtualMachinePowerStatePoweredOff},
	{"SuspendVM_Task", "suspend", types.VirtualMachinePowerStateSuspended},
	{"ResetVM_Task", "reset", types.VirtualMachinePowerStatePoweredOn},
}

func (rt *router) registerPower() {
	for _, op := range powerOps {
		op := op
		rt.handle(op.method, func(c *call) bool { return rt.power(c, op) })
	}
}

func (rt *router) power(c *call, op powerOp) bool {
	vm, ok := simulator.Map.Get(c.method.This).(*simulator.VirtualMachine)
	if !ok || vm.Config == nil || vm.Config.Template {
		return false // the simulator has the right fault for these
	}
	ask := op.method == "PowerOnVM_Task" && rt.cfg.questionVMs.match(vm.Name)
	duration := rt.cfg.taskDurationFor(vm.Name)
	if !ask && duration == 0 {
		return false
	}
	reset := op.method == "ResetVM_Task"
	spec := taskSpec{
		entity:     vm,
		name:       op.task,
		cancelable: !rt.cfg.noncancelableVMs.match(vm.Name),
		duration:   duration,
		finish: func() (types.AnyType, types.BaseMethodFault) {
			return nil, setPowerState(vm, op.target, reset)
		},
	}
	spec.before = func(cancel <-chan struct{}) types.BaseMethodFault {
		var fault types.BaseMethodFault
		simulator.Map.WithLock(vm, func() { fault = checkPowerState(vm, op.target, reset) })
		if fault != nil || !ask {
			return fault
		}
		return askQuestion(vm, cancel)
	}
	ref := startTask(spec)
	writeResponse(c.w, op.method+"Response", &struct {
		Returnval types.ManagedObjectReference `xml:"returnval"`
	}{ref})
	return true
}

// checkPowerState says whether a VM may move to the target state, as ESX decides.
func checkPowerState(vm *simulator.VirtualMachine, target types.VirtualMachinePowerState, reset bool) types.BaseMethodFault {
	cur := vm.Runtime.PowerState
	ok := false
	switch {
	case reset:
		ok = cur == types.VirtualMachinePowerStatePoweredOn
	case target == types.VirtualMachinePowerStatePoweredOn:
		ok = cur != types.VirtualMachinePowerStatePoweredOn
	case target == types.VirtualMachinePowerStatePoweredOff:
		ok = cur != types.VirtualMachinePowerStatePoweredOff
	case target == types.VirtualMachinePowerStateSuspended:
		ok = cur == types.VirtualMachinePowerStatePoweredOn
	}
	if ok {
		return nil
	}
	return &types.InvalidPowerState{RequestedState: target, ExistingState: cur}
}

// setPowerState applies a power change (the caller holds the VM's lock).
func setPowerState(vm *simulator.VirtualMachine, target types.VirtualMachinePowerState, reset bool) types.BaseMethodFault {
	if fault := checkPowerState(vm, target, reset); fault != nil {
		return fault
	}
	var boot interface{}
	if target == types.VirtualMachinePowerStatePoweredOn {
		boot = time.Now()
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "runtime.powerState", Val: target},
		{Name: "summary.runtime.powerState", Val: target},
		{Name: "runtime.bootTime", Val: boot},
		{Name: "summary.runtime.bootTime", Val: boot},
	})
	return nil
}
