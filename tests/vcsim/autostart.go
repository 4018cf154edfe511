// HostAutoStartManager, which vcsim 0.24 references from each host's configManager but does not
// implement: its config (defaults and per-VM power info) and ReconfigureAutostart.
package main

import (
	"fmt"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// AutoStartManager embeds the managed object by value as field 0, which the property collector needs.
type AutoStartManager struct {
	mo.HostAutoStartManager
}

// ReconfigureAutostart merges the given defaults and replaces the power info of the VMs it names.
func (m *AutoStartManager) ReconfigureAutostart(req *types.ReconfigureAutostart) soap.HasFault {
	body := &methods.ReconfigureAutostartBody{}
	config := m.Config
	if d := req.Spec.Defaults; d != nil {
		merged := types.AutoStartDefaults{}
		if config.Defaults != nil {
			merged = *config.Defaults
		}
		if d.Enabled != nil {
			merged.Enabled = d.Enabled
		}
		if d.StartDelay != 0 {
			merged.StartDelay = d.StartDelay
		}
		if d.StopDelay != 0 {
			merged.StopDelay = d.StopDelay
		}
		if d.WaitForHeartbeat != nil {
			merged.WaitForHeartbeat = d.WaitForHeartbeat
		}
		if d.StopAction != "" {
			merged.StopAction = d.StopAction
		}
		config.Defaults = &merged
	}
	power := append([]types.AutoStartPowerInfo(nil), config.PowerInfo...)
	for _, info := range req.Spec.PowerInfo {
		if _, ok := simulator.Map.Get(info.Key).(*simulator.VirtualMachine); !ok {
			body.Fault_ = simulator.Fault(fmt.Sprintf("managed object not found: %s", info.Key),
				&types.ManagedObjectNotFound{Obj: info.Key})
			return body
		}
		replaced := false
		for i := range power {
			if power[i].Key == info.Key {
				power[i] = info
				replaced = true
			}
		}
		if !replaced {
			power = append(power, info)
		}
	}
	config.PowerInfo = power
	simulator.Map.Update(m, []types.PropertyChange{{Name: "config", Val: config}})
	body.Res = &types.ReconfigureAutostartResponse{}
	return body
}

// installAutoStartManagers gives every host its own HostAutoStartManager.
func installAutoStartManagers() {
	for i, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		m := &AutoStartManager{}
		m.Self = types.ManagedObjectReference{Type: "HostAutoStartManager", Value: "ha-autostart-mgr"}
		if simulator.Map.IsVPX() {
			m.Self.Value = fmt.Sprintf("autoStartManager-%d", i+1)
		}
		m.Config = types.HostAutoStartManagerConfig{
			Defaults: &types.AutoStartDefaults{
				Enabled:          types.NewBool(false),
				StartDelay:       120,
				StopDelay:        120,
				WaitForHeartbeat: types.NewBool(false),
				StopAction:       "PowerOff",
			},
		}
		ref := m.Self
		host.ConfigManager.AutoStartManager = &ref
		simulator.Map.Put(m)
	}
}
