package main

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// hostIPs is the -host-ip flag: NAME=IP pairs, comma-separated or repeated.
//
// vcsim gives every host the same management address (vmk0 127.0.0.1), so SearchIndex.FindByIp
// cannot tell hosts apart. A vCenter finds an ESX host by that address, as libvirt's esx://
// connections with vcenter= do (the destination of a migration): the flag gives named hosts
// their own, so that a second simulator serving the ESX model on that address is "that host".
type hostIPs map[string]string

func (h *hostIPs) String() string {
	pairs := make([]string, 0, len(*h))
	for name, ip := range *h {
		pairs = append(pairs, name+"="+ip)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

func (h *hostIPs) Set(s string) error {
	if *h == nil {
		*h = hostIPs{}
	}
	for _, pair := range strings.Split(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		name, ip, ok := strings.Cut(pair, "=")
		if !ok || name == "" || net.ParseIP(ip) == nil {
			return fmt.Errorf("want HOST=IP, not %q", pair)
		}
		(*h)[name] = ip
	}
	return nil
}

// setHostIPs gives each named host its management address: its first virtual NIC's IP, on a
// copy of the NIC list (vcsim's hosts start with one shared template).
func setHostIPs(ips hostIPs) error {
	found := map[string]bool{}
	for _, entity := range simulator.Map.All("HostSystem") {
		host, ok := entity.(*simulator.HostSystem)
		if !ok {
			continue
		}
		ip, wanted := ips[host.Name]
		if !wanted || host.Config == nil || host.Config.Network == nil || len(host.Config.Network.Vnic) == 0 {
			continue
		}
		network := *host.Config.Network
		network.Vnic = append([]types.HostVirtualNic(nil), network.Vnic...)
		spec := network.Vnic[0].Spec
		var config types.HostIpConfig
		if spec.Ip != nil {
			config = *spec.Ip
		}
		config.IpAddress = ip
		spec.Ip = &config
		network.Vnic[0].Spec = spec
		host.Config.Network = &network
		found[host.Name] = true
	}
	for name := range ips {
		if !found[name] {
			return fmt.Errorf("-host-ip: no host named %q with a virtual NIC", name)
		}
	}
	return nil
}
