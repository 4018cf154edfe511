// Host networking as a real ESX host keeps it: one network configuration per host, seen both through
// HostSystem config.network (what libvirt's network and interface drivers read) and through
// HostNetworkSystem networkInfo (what vcsim's own methods change), with vSwitch keys, kept specs
// (uplinks, shaping, VLANs), Update methods, several physical NICs (DHCP, static IPv4/IPv6, link
// speeds, one without link) and VM ports on the port groups that VMs use.
//
// vcsim 0.24 keeps two unrelated copies (a fixed config.network template and a networkInfo its
// methods edit), gives an added vSwitch an empty key and 0 ports, drops its spec, and lacks
// UpdateVirtualSwitch/UpdatePortGroup. Here both properties point at one HostNetworkInfo, and every
// HostNetworkSystem method that changes it goes through the handlers below.
//
// Fault injection: a port group whose name contains "reject" is refused by AddPortGroup (so clients
// can test their rollback after a partial change).
package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// networkMu serialises the network methods: the configuration is shared by two objects.
var networkMu sync.Mutex

const (
	vswitchKeyPrefix   = "key-vim.host.VirtualSwitch-"
	portgroupKeyPrefix = "key-vim.host.PortGroup-"
	pnicKeyPrefix      = "key-vim.host.PhysicalNic-"
	defaultNumPorts    = 128
)

func shaping(enabled bool, average, peak, burst int64) *types.HostNetworkTrafficShapingPolicy {
	if !enabled {
		return &types.HostNetworkTrafficShapingPolicy{Enabled: types.NewBool(false)}
	}
	return &types.HostNetworkTrafficShapingPolicy{
		Enabled:          types.NewBool(true),
		AverageBandwidth: average,
		PeakBandwidth:    peak,
		BurstSize:        burst,
	}
}

func physicalNic(device, mac string, speedMb int32, ip *types.HostIpConfig) types.PhysicalNic {
	nic := types.PhysicalNic{
		Key:    pnicKeyPrefix + device,
		Device: device,
		Pci:    "0000:0b:00." + strings.TrimPrefix(device, "vmnic"),
		Driver: "nvmxnet3",
		Mac:    mac,
		Spec:   types.PhysicalNicSpec{Ip: ip},
	}
	if speedMb > 0 {
		nic.LinkSpeed = &types.PhysicalNicLinkInfo{SpeedMb: speedMb, Duplex: true}
		nic.Spec.LinkSpeed = nic.LinkSpeed
	}
	return nic
}

// newHostNetworkInfo is the initial network configuration of every simulated host:
//
//	vSwitch0  uplink vmnic0            port groups "VM Network", "Management Network" (vmk0)
//	vSwitch1  uplinks vmnic1, vmnic2   port groups "Production" (VLAN 10, shaped), "Backup" (VLAN 20); shaped
//	vSwitch2  no uplink                port group "Isolated"
//	vmnic3    no vSwitch
//
// vmnic0 has DHCP (IPv4) and IPv6 autoconfiguration, vmnic1 static IPv4 and IPv6 addresses,
// vmnic2 no link, vmnic3 a 100 Mb/s link and no IP configuration.
func newHostNetworkInfo() *types.HostNetworkInfo {
	info := &types.HostNetworkInfo{
		Pnic: []types.PhysicalNic{
			physicalNic("vmnic0", "00:50:56:a0:00:00", 1000, &types.HostIpConfig{
				Dhcp: true,
				IpV6Config: &types.HostIpConfigIpV6AddressConfiguration{
					AutoConfigurationEnabled: types.NewBool(true),
					DhcpV6Enabled:            types.NewBool(false),
				},
			}),
			physicalNic("vmnic1", "00:50:56:a0:00:01", 10000, &types.HostIpConfig{
				Dhcp:       false,
				IpAddress:  "192.168.10.11",
				SubnetMask: "255.255.255.0",
				IpV6Config: &types.HostIpConfigIpV6AddressConfiguration{
					IpV6Address: []types.HostIpConfigIpV6Address{
						{IpAddress: "2001:db8:10::11", PrefixLength: 64, Origin: "manual"},
					},
					AutoConfigurationEnabled: types.NewBool(false),
					DhcpV6Enabled:            types.NewBool(false),
				},
			}),
			physicalNic("vmnic2", "00:50:56:a0:00:02", 0, &types.HostIpConfig{Dhcp: false}),
			physicalNic("vmnic3", "00:50:56:a0:00:03", 100, nil),
		},
	}
	for _, s := range []struct {
		name     string
		nics     []string
		shaping  *types.HostNetworkTrafficShapingPolicy
		mtu      int32
		numPorts int32
	}{
		{"vSwitch0", []string{"vmnic0"}, shaping(false, 0, 0, 0), 1500, defaultNumPorts},
		{"vSwitch1", []string{"vmnic1", "vmnic2"}, shaping(true, 80000000, 160000000, 1048576), 9000, defaultNumPorts},
		{"vSwitch2", nil, nil, 1500, 64},
	} {
		spec := types.HostVirtualSwitchSpec{NumPorts: s.numPorts, Mtu: s.mtu}
		if len(s.nics) > 0 {
			spec.Bridge = &types.HostVirtualSwitchBondBridge{NicDevice: s.nics}
		}
		if s.shaping != nil {
			spec.Policy = &types.HostNetworkPolicy{ShapingPolicy: s.shaping}
		}
		if fault := addVirtualSwitch(info, s.name, &spec); fault != nil {
			panic(fault.msg)
		}
	}
	for _, pg := range []struct {
		name, vswitch string
		vlan          int32
		shaping       *types.HostNetworkTrafficShapingPolicy
	}{
		{"VM Network", "vSwitch0", 0, nil},
		{"Management Network", "vSwitch0", 0, nil},
		{"Production", "vSwitch1", 10, shaping(true, 40000000, 80000000, 524288)},
		{"Backup", "vSwitch1", 20, nil},
		{"Isolated", "vSwitch2", 0, nil},
	} {
		spec := types.HostPortGroupSpec{Name: pg.name, VswitchName: pg.vswitch, VlanId: pg.vlan}
		if pg.shaping != nil {
			spec.Policy.ShapingPolicy = pg.shaping
		}
		if fault := addPortGroup(info, &spec); fault != nil {
			panic(fault.msg)
		}
	}
	// The management VMkernel NIC: a port that is not a VM's, so vSwitch0 cannot be undefined.
	mgmt := findPortGroup(info, "Management Network")
	mgmt.Port = append(mgmt.Port, types.HostPortGroupPort{
		Key:  "key-vim.host.PortGroup.Port-1",
		Mac:  []string{"00:50:56:6f:00:01"},
		Type: "host",
	})
	return info
}

func findVswitch(info *types.HostNetworkInfo, name string) *types.HostVirtualSwitch {
	for i := range info.Vswitch {
		if info.Vswitch[i].Name == name {
			return &info.Vswitch[i]
		}
	}
	return nil
}

func findPortGroup(info *types.HostNetworkInfo, name string) *types.HostPortGroup {
	for i := range info.Portgroup {
		if info.Portgroup[i].Spec.Name == name {
			return &info.Portgroup[i]
		}
	}
	return nil
}

func findPnic(info *types.HostNetworkInfo, device string) *types.PhysicalNic {
	for i := range info.Pnic {
		if info.Pnic[i].Device == device {
			return &info.Pnic[i]
		}
	}
	return nil
}

// uplinksOf checks the bridge of a vSwitch spec: every NIC must exist and belong to no other vSwitch.
func uplinksOf(info *types.HostNetworkInfo, vswitch string, spec *types.HostVirtualSwitchSpec) ([]string, *faultResult) {
	bond, ok := spec.Bridge.(*types.HostVirtualSwitchBondBridge)
	if spec.Bridge != nil && !ok {
		return nil, newFault("only bond bridges are simulated", &types.InvalidArgument{InvalidProperty: "spec.bridge"})
	}
	if bond == nil {
		return nil, nil
	}
	var keys []string
	for _, device := range bond.NicDevice {
		nic := findPnic(info, device)
		if nic == nil {
			return nil, newFault(fmt.Sprintf("physical NIC %s not found", device), &types.NotFound{})
		}
		for _, other := range info.Vswitch {
			if other.Name == vswitch {
				continue
			}
			for _, key := range other.Pnic {
				if key == nic.Key {
					return nil, newFault(fmt.Sprintf("physical NIC %s is in use by %s", device, other.Name),
						&types.ResourceInUse{Type: "PhysicalNic", Name: device})
				}
			}
		}
		keys = append(keys, nic.Key)
	}
	return keys, nil
}

func validVswitchSpec(spec *types.HostVirtualSwitchSpec) *faultResult {
	if spec.NumPorts < 0 || spec.NumPorts > 4088 {
		return newFault("numPorts out of range", &types.InvalidArgument{InvalidProperty: "spec.numPorts"})
	}
	return nil
}

func addVirtualSwitch(info *types.HostNetworkInfo, name string, spec *types.HostVirtualSwitchSpec) *faultResult {
	if name == "" || len(name) > 32 {
		return newFault("invalid vSwitch name", &types.InvalidArgument{InvalidProperty: "vswitchName"})
	}
	if findVswitch(info, name) != nil {
		return newFault("vSwitch "+name+" already exists", &types.AlreadyExists{Name: name})
	}
	if spec == nil {
		spec = &types.HostVirtualSwitchSpec{}
	}
	if fault := validVswitchSpec(spec); fault != nil {
		return fault
	}
	if spec.NumPorts == 0 {
		spec.NumPorts = defaultNumPorts
	}
	if spec.Mtu == 0 {
		spec.Mtu = 1500
	}
	keys, fault := uplinksOf(info, name, spec)
	if fault != nil {
		return fault
	}
	info.Vswitch = append(info.Vswitch, types.HostVirtualSwitch{
		Name:              name,
		Key:               vswitchKeyPrefix + name,
		NumPorts:          spec.NumPorts,
		NumPortsAvailable: spec.NumPorts,
		Mtu:               spec.Mtu,
		Pnic:              keys,
		Spec:              *spec,
	})
	return nil
}

func updateVirtualSwitch(info *types.HostNetworkInfo, name string, spec *types.HostVirtualSwitchSpec) *faultResult {
	vs := findVswitch(info, name)
	if vs == nil {
		return newFault("vSwitch "+name+" not found", &types.NotFound{})
	}
	if fault := validVswitchSpec(spec); fault != nil {
		return fault
	}
	keys, fault := uplinksOf(info, name, spec)
	if fault != nil {
		return fault
	}
	if spec.NumPorts == 0 {
		spec.NumPorts = vs.Spec.NumPorts
	}
	if spec.Mtu == 0 {
		spec.Mtu = vs.Mtu
	}
	vs.Spec = *spec
	vs.Pnic = keys
	vs.NumPorts = spec.NumPorts
	vs.Mtu = spec.Mtu
	return nil
}

func removeVirtualSwitch(info *types.HostNetworkInfo, name string) *faultResult {
	vs := findVswitch(info, name)
	if vs == nil {
		return newFault("vSwitch "+name+" not found", &types.NotFound{})
	}
	if len(vs.Portgroup) > 0 {
		return newFault("vSwitch "+name+" still has port groups", &types.ResourceInUse{Type: "HostVirtualSwitch", Name: name})
	}
	for i := range info.Vswitch {
		if info.Vswitch[i].Name == name {
			info.Vswitch = append(info.Vswitch[:i], info.Vswitch[i+1:]...)
			break
		}
	}
	return nil
}

func validPortGroupSpec(spec *types.HostPortGroupSpec) *faultResult {
	if spec.Name == "" {
		return newFault("a port group needs a name", &types.InvalidArgument{InvalidProperty: "portgrp.name"})
	}
	if spec.VlanId < 0 || spec.VlanId > 4095 {
		return newFault(fmt.Sprintf("VLAN %d out of range", spec.VlanId), &types.InvalidArgument{InvalidProperty: "portgrp.vlanId"})
	}
	return nil
}

func addPortGroup(info *types.HostNetworkInfo, spec *types.HostPortGroupSpec) *faultResult {
	if fault := validPortGroupSpec(spec); fault != nil {
		return fault
	}
	if strings.Contains(spec.Name, "reject") {
		return newFault("port group "+spec.Name+" rejected (simulated failure)", &types.PlatformConfigFault{Text: spec.Name})
	}
	if findPortGroup(info, spec.Name) != nil {
		return newFault("port group "+spec.Name+" already exists", &types.AlreadyExists{Name: spec.Name})
	}
	vs := findVswitch(info, spec.VswitchName)
	if vs == nil {
		return newFault("vSwitch "+spec.VswitchName+" not found", &types.NotFound{})
	}
	key := portgroupKeyPrefix + spec.Name
	vs.Portgroup = append(vs.Portgroup, key)
	info.Portgroup = append(info.Portgroup, types.HostPortGroup{
		Key:            key,
		Vswitch:        vs.Key,
		Spec:           *spec,
		ComputedPolicy: spec.Policy,
	})
	return nil
}

func updatePortGroup(info *types.HostNetworkInfo, name string, spec *types.HostPortGroupSpec) *faultResult {
	pg := findPortGroup(info, name)
	if pg == nil {
		return newFault("port group "+name+" not found", &types.NotFound{})
	}
	if fault := validPortGroupSpec(spec); fault != nil {
		return fault
	}
	if spec.Name != name && findPortGroup(info, spec.Name) != nil {
		return newFault("port group "+spec.Name+" already exists", &types.AlreadyExists{Name: spec.Name})
	}
	if spec.VswitchName != "" && findVswitch(info, spec.VswitchName) == nil {
		return newFault("vSwitch "+spec.VswitchName+" not found", &types.NotFound{})
	}
	if spec.VswitchName == "" {
		spec.VswitchName = pg.Spec.VswitchName
	}
	if spec.VswitchName != pg.Spec.VswitchName {
		return newFault("a port group cannot move to another vSwitch", &types.InvalidArgument{InvalidProperty: "portgrp.vswitchName"})
	}
	oldKey := pg.Key
	pg.Spec = *spec
	pg.ComputedPolicy = spec.Policy
	pg.Key = portgroupKeyPrefix + spec.Name
	vs := findVswitch(info, spec.VswitchName)
	for i, key := range vs.Portgroup {
		if key == oldKey {
			vs.Portgroup[i] = pg.Key
		}
	}
	return nil
}

func removePortGroup(info *types.HostNetworkInfo, name string) *faultResult {
	pg := findPortGroup(info, name)
	if pg == nil {
		return newFault("port group "+name+" not found", &types.NotFound{})
	}
	for _, port := range pg.Port {
		if port.Type != "virtualMachine" {
			return newFault("port group "+name+" has a "+port.Type+" port", &types.ResourceInUse{Type: "HostPortGroup", Name: name})
		}
	}
	if len(pg.Port) > 0 {
		return newFault("port group "+name+" is in use by virtual machines", &types.ResourceInUse{Type: "HostPortGroup", Name: name})
	}
	key := pg.Key
	if vs := findVswitch(info, pg.Spec.VswitchName); vs != nil {
		for i, k := range vs.Portgroup {
			if k == key {
				vs.Portgroup = append(vs.Portgroup[:i], vs.Portgroup[i+1:]...)
				break
			}
		}
	}
	for i := range info.Portgroup {
		if info.Portgroup[i].Key == key {
			info.Portgroup = append(info.Portgroup[:i], info.Portgroup[i+1:]...)
			break
		}
	}
	return nil
}

// hostOfNetworkSystem finds the host whose configManager.networkSystem is ref.
func hostOfNetworkSystem(ref types.ManagedObjectReference) *simulator.HostSystem {
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if ns := host.ConfigManager.NetworkSystem; ns != nil && *ns == ref {
			return host
		}
	}
	return nil
}

// networkFolderOf is the network folder of the host's datacenter.
func networkFolderOf(host *simulator.HostSystem) (*simulator.Datacenter, *simulator.Folder) {
	dcRef := datacenterOf(host)
	if dcRef == nil {
		return nil, nil
	}
	dc, _ := simulator.Map.Get(*dcRef).(*simulator.Datacenter)
	if dc == nil {
		return nil, nil
	}
	folder, _ := simulator.Map.Get(dc.NetworkFolder).(*simulator.Folder)
	return dc, folder
}

// attachNetwork makes the port group `name` a Network of the host's datacenter (created if missing)
// and of the host, as ESX and vCenter do for VM port groups.
func attachNetwork(host *simulator.HostSystem, name string) {
	dc, folder := networkFolderOf(host)
	if folder == nil {
		return
	}
	var ref types.ManagedObjectReference
	if e := simulator.Map.FindByName(name, folder.ChildEntity); e != nil {
		ref = e.Reference()
		if ref.Type != "Network" {
			return // a distributed port group of that name: leave it alone
		}
	} else {
		n := &mo.Network{}
		n.Name = name
		// A reference of its own (as ESX names networks `HaNetwork-NAME`), so that adding
		// networks does not shift the numbers of the objects created after them.
		n.Self = types.ManagedObjectReference{Type: "Network", Value: "HaNetwork-" + name}
		simulator.Map.PutEntity(folder, n)
		ref = n.Self
		n.Summary = &types.NetworkSummary{Network: &n.Self, Name: name, Accessible: true}
		simulator.Map.AddReference(folder, &folder.ChildEntity, ref)
		simulator.Map.AddReference(dc, &dc.Network, ref)
	}
	if n, ok := simulator.Map.Get(ref).(*mo.Network); ok {
		simulator.Map.AddReference(n, &n.Host, host.Self)
	}
	simulator.Map.AddReference(host, &host.Network, ref)
}

// detachNetwork undoes attachNetwork; the Network goes away with its last host.
func detachNetwork(host *simulator.HostSystem, name string) {
	dc, folder := networkFolderOf(host)
	if folder == nil {
		return
	}
	e := simulator.Map.FindByName(name, folder.ChildEntity)
	if e == nil || e.Reference().Type != "Network" {
		return
	}
	ref := e.Reference()
	simulator.Map.RemoveReference(host, &host.Network, ref)
	n, ok := simulator.Map.Get(ref).(*mo.Network)
	if !ok {
		return
	}
	simulator.Map.RemoveReference(n, &n.Host, host.Self)
	if len(n.Host) == 0 && len(n.Vm) == 0 {
		simulator.Map.RemoveReference(folder, &folder.ChildEntity, ref)
		simulator.Map.RemoveReference(dc, &dc.Network, ref)
		simulator.Map.Remove(ref)
	}
}

// vmPorts gives every VM NIC of the host that is backed by a standard port group a port there.
func vmPorts(host *simulator.HostSystem, info *types.HostNetworkInfo) {
	next := 100
	for _, ref := range host.Vm {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok || vm.Config == nil {
			continue
		}
		for _, dev := range vm.Config.Hardware.Device {
			card, ok := dev.(types.BaseVirtualEthernetCard)
			if !ok {
				continue
			}
			backing, ok := card.GetVirtualEthernetCard().Backing.(*types.VirtualEthernetCardNetworkBackingInfo)
			if !ok {
				continue
			}
			pg := findPortGroup(info, backing.DeviceName)
			if pg == nil {
				continue
			}
			next++
			pg.Port = append(pg.Port, types.HostPortGroupPort{
				Key:  fmt.Sprintf("key-vim.host.PortGroup.Port-%d", next),
				Mac:  []string{card.GetVirtualEthernetCard().MacAddress},
				Type: "virtualMachine",
			})
		}
	}
}

// installHostNetworks gives every host its network configuration, shared by config.network and
// its network system's networkInfo, with the VM port groups as Networks.
func installHostNetworks() {
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if host.Config == nil || host.ConfigManager.NetworkSystem == nil {
			continue
		}
		info := newHostNetworkInfo()
		if old := host.Config.Network; old != nil {
			info.DnsConfig = old.DnsConfig
			info.IpRouteConfig = old.IpRouteConfig
			info.Vnic = old.Vnic
			info.ConsoleVnic = old.ConsoleVnic
			info.RouteTableInfo = old.RouteTableInfo
			info.NetStackInstance = old.NetStackInstance
		}
		vmPorts(host, info)
		host.Config.Network = info
		if ns, ok := simulator.Map.Get(*host.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem); ok {
			ns.NetworkInfo = info
		}
		for _, pg := range info.Portgroup {
			if len(pg.Port) == 0 || pg.Port[0].Type == "virtualMachine" {
				attachNetwork(host, pg.Spec.Name)
			}
		}
	}
}

func (rt *router) registerNetwork() {
	rt.handle("AddVirtualSwitch", rt.networkCall(func(info *types.HostNetworkInfo, req interface{}) (*faultResult, func(*simulator.HostSystem)) {
		r := req.(*types.AddVirtualSwitch)
		return addVirtualSwitch(info, r.VswitchName, r.Spec), nil
	}))
	rt.handle("UpdateVirtualSwitch", rt.networkCall(func(info *types.HostNetworkInfo, req interface{}) (*faultResult, func(*simulator.HostSystem)) {
		r := req.(*types.UpdateVirtualSwitch)
		return updateVirtualSwitch(info, r.VswitchName, &r.Spec), nil
	}))
	rt.handle("RemoveVirtualSwitch", rt.networkCall(func(info *types.HostNetworkInfo, req interface{}) (*faultResult, func(*simulator.HostSystem)) {
		r := req.(*types.RemoveVirtualSwitch)
		return removeVirtualSwitch(info, r.VswitchName), nil
	}))
	rt.handle("AddPortGroup", rt.networkCall(func(info *types.HostNetworkInfo, req interface{}) (*faultResult, func(*simulator.HostSystem)) {
		r := req.(*types.AddPortGroup)
		return addPortGroup(info, &r.Portgrp), func(host *simulator.HostSystem) { attachNetwork(host, r.Portgrp.Name) }
	}))
	rt.handle("UpdatePortGroup", rt.networkCall(func(info *types.HostNetworkInfo, req interface{}) (*faultResult, func(*simulator.HostSystem)) {
		r := req.(*types.UpdatePortGroup)
		return updatePortGroup(info, r.PgName, &r.Portgrp), func(host *simulator.HostSystem) {
			if r.Portgrp.Name != r.PgName {
				detachNetwork(host, r.PgName)
				attachNetwork(host, r.Portgrp.Name)
			}
		}
	}))
	rt.handle("RemovePortGroup", rt.networkCall(func(info *types.HostNetworkInfo, req interface{}) (*faultResult, func(*simulator.HostSystem)) {
		r := req.(*types.RemovePortGroup)
		return removePortGroup(info, r.PgName), func(host *simulator.HostSystem) { detachNetwork(host, r.PgName) }
	}))
}

// networkChange applies one method to a host's network configuration; on success, `after` (if any)
// updates the inventory (the Networks of port groups) once the host's lock is released.
type networkChange func(info *types.HostNetworkInfo, req interface{}) (fault *faultResult, after func(*simulator.HostSystem))

// networkCall wraps a change of a host's network configuration: finds the host of the called
// HostNetworkSystem, applies the change under the host's lock, and answers `<Method>Response`.
func (rt *router) networkCall(change networkChange) extension {
	return func(c *call) bool {
		host := hostOfNetworkSystem(c.method.This)
		if host == nil || host.Config == nil || host.Config.Network == nil {
			return false
		}
		networkMu.Lock()
		defer networkMu.Unlock()
		var fault *faultResult
		var after func(*simulator.HostSystem)
		simulator.Map.WithLock(host, func() {
			fault, after = change(host.Config.Network, c.method.Body)
		})
		if fault != nil {
			fault.write(c.w)
			return true
		}
		if after != nil {
			after(host)
		}
		writeResponse(c.w, c.method.Name+"Response", nil)
		return true
	}
}

// tagDistributedPortGroups gives the VM port groups of the distributed switches (vpx model) a VLAN
// tag, 42 for the first (`DC0_DVPG0`), as real distributed port groups usually have one.
func tagDistributedPortGroups() {
	for _, e := range simulator.Map.All("DistributedVirtualPortgroup") {
		pg, ok := e.(*simulator.DistributedVirtualPortgroup)
		if !ok || strings.Contains(pg.Name, "-DVUplinks-") {
			continue
		}
		setting, ok := pg.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
		if !ok {
			continue
		}
		setting.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 42}
	}
}
