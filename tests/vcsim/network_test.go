package main

import (
	"testing"

	"github.com/vmware/govmomi/vim25/types"
)

func faultName(f *faultResult) string {
	if f == nil {
		return ""
	}
	switch f.fault.(type) {
	case *types.AlreadyExists:
		return "AlreadyExists"
	case *types.NotFound:
		return "NotFound"
	case *types.InvalidArgument:
		return "InvalidArgument"
	case *types.ResourceInUse:
		return "ResourceInUse"
	case *types.PlatformConfigFault:
		return "PlatformConfigFault"
	}
	return "other"
}

func TestInitialConfigurationIsConsistent(t *testing.T) {
	info := newHostNetworkInfo()
	if len(info.Pnic) != 4 || len(info.Vswitch) != 3 || len(info.Portgroup) != 5 {
		t.Fatalf("got %d NICs, %d vSwitches, %d port groups", len(info.Pnic), len(info.Vswitch), len(info.Portgroup))
	}
	for _, vs := range info.Vswitch {
		if vs.Key != vswitchKeyPrefix+vs.Name || vs.NumPorts == 0 {
			t.Errorf("vSwitch %s: key %q, %d ports", vs.Name, vs.Key, vs.NumPorts)
		}
		for _, key := range vs.Portgroup {
			found := false
			for _, pg := range info.Portgroup {
				if pg.Key == key && pg.Vswitch == vs.Key && pg.Spec.VswitchName == vs.Name {
					found = true
				}
			}
			if !found {
				t.Errorf("vSwitch %s lists port group %s that does not point back", vs.Name, key)
			}
		}
	}
	if vs := findVswitch(info, "vSwitch1"); len(vs.Pnic) != 2 || vs.Spec.Policy.ShapingPolicy.AverageBandwidth != 80000000 {
		t.Errorf("vSwitch1 lost its uplinks or shaping: %+v", vs)
	}
	if pg := findPortGroup(info, "Production"); pg.Spec.VlanId != 10 {
		t.Errorf("Production VLAN %d", pg.Spec.VlanId)
	}
	if nic := findPnic(info, "vmnic2"); nic.LinkSpeed != nil {
		t.Errorf("vmnic2 should have no link")
	}
}

func TestVirtualSwitchesKeepTheirSpecs(t *testing.T) {
	info := newHostNetworkInfo()
	spec := &types.HostVirtualSwitchSpec{Bridge: &types.HostVirtualSwitchBondBridge{NicDevice: []string{"vmnic3"}}}
	if f := addVirtualSwitch(info, "vSwitch9", spec); f != nil {
		t.Fatal(f.msg)
	}
	vs := findVswitch(info, "vSwitch9")
	if vs.Key != "key-vim.host.VirtualSwitch-vSwitch9" || vs.NumPorts != defaultNumPorts || len(vs.Pnic) != 1 || vs.Pnic[0] != "key-vim.host.PhysicalNic-vmnic3" {
		t.Errorf("added vSwitch: %+v", vs)
	}
	for _, c := range []struct {
		name string
		spec *types.HostVirtualSwitchSpec
		want string
	}{
		{"vSwitch9", nil, "AlreadyExists"},
		{"vSwitchX", &types.HostVirtualSwitchSpec{Bridge: &types.HostVirtualSwitchBondBridge{NicDevice: []string{"vmnic1"}}}, "ResourceInUse"},
		{"vSwitchY", &types.HostVirtualSwitchSpec{Bridge: &types.HostVirtualSwitchBondBridge{NicDevice: []string{"vmnic7"}}}, "NotFound"},
		{"a-name-that-is-longer-than-32-characters", nil, "InvalidArgument"},
	} {
		if got := faultName(addVirtualSwitch(info, c.name, c.spec)); got != c.want {
			t.Errorf("add %s: got %q, want %q", c.name, got, c.want)
		}
	}
	update := &types.HostVirtualSwitchSpec{Mtu: 9000}
	if f := updateVirtualSwitch(info, "vSwitch9", update); f != nil {
		t.Fatal(f.msg)
	}
	if vs := findVswitch(info, "vSwitch9"); vs.Mtu != 9000 || len(vs.Pnic) != 0 {
		t.Errorf("updated vSwitch: %+v", vs)
	}
	if f := removeVirtualSwitch(info, "vSwitch1"); faultName(f) != "ResourceInUse" {
		t.Errorf("a vSwitch with port groups was removed")
	}
	if f := removeVirtualSwitch(info, "vSwitch9"); f != nil || findVswitch(info, "vSwitch9") != nil {
		t.Errorf("vSwitch9 not removed")
	}
}

func TestPortGroupsKeepTheirSpecs(t *testing.T) {
	info := newHostNetworkInfo()
	spec := types.HostPortGroupSpec{Name: "web", VswitchName: "vSwitch2", VlanId: 100}
	if f := addPortGroup(info, &spec); f != nil {
		t.Fatal(f.msg)
	}
	if pg := findPortGroup(info, "web"); pg.Key != "key-vim.host.PortGroup-web" || pg.Spec.VlanId != 100 {
		t.Errorf("added port group: %+v", pg)
	}
	for _, c := range []struct {
		spec types.HostPortGroupSpec
		want string
	}{
		{types.HostPortGroupSpec{Name: "web", VswitchName: "vSwitch2"}, "AlreadyExists"},
		{types.HostPortGroupSpec{Name: "x", VswitchName: "vSwitch2", VlanId: 4096}, "InvalidArgument"},
		{types.HostPortGroupSpec{Name: "x", VswitchName: "nope"}, "NotFound"},
		{types.HostPortGroupSpec{Name: "reject-me", VswitchName: "vSwitch2"}, "PlatformConfigFault"},
	} {
		if got := faultName(addPortGroup(info, &c.spec)); got != c.want {
			t.Errorf("add %s: got %q, want %q", c.spec.Name, got, c.want)
		}
	}
	renamed := types.HostPortGroupSpec{Name: "www", VlanId: 101}
	if f := updatePortGroup(info, "web", &renamed); f != nil {
		t.Fatal(f.msg)
	}
	vs := findVswitch(info, "vSwitch2")
	if pg := findPortGroup(info, "www"); pg == nil || pg.Spec.VlanId != 101 || vs.Portgroup[len(vs.Portgroup)-1] != "key-vim.host.PortGroup-www" {
		t.Errorf("renamed port group: %+v in %v", pg, vs.Portgroup)
	}
	if f := removePortGroup(info, "Management Network"); faultName(f) != "ResourceInUse" {
		t.Errorf("a port group with a host port was removed")
	}
	if f := removePortGroup(info, "www"); f != nil || findPortGroup(info, "www") != nil {
		t.Errorf("www not removed")
	}
	for _, key := range findVswitch(info, "vSwitch2").Portgroup {
		if key == "key-vim.host.PortGroup-www" {
			t.Errorf("vSwitch2 still lists www")
		}
	}
}
