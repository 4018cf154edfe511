// The vpx model's hosts and where its VMs run, made deterministic and distinguishable: vcsim puts
// each VM of a cluster on a random host of the cluster and gives every host the same DNS name and
// memory, so a test cannot know which VMs a host runs, nor tell from nodeinfo or hostname which
// host a connection describes.
package main

import (
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// placement is how the VMs of a cluster are spread over its hosts.
type placement string

const (
	// placeRoundRobin: the i-th VM of a cluster (in creation order) runs on its host i mod n.
	placeRoundRobin placement = "round-robin"
	// placeRandom: where vcsim put them (a random host each).
	placeRandom placement = "random"
)

// spreadClusterVMs moves the initial VMs of every cluster to their round-robin hosts.
func spreadClusterVMs() {
	for _, entity := range simulator.Map.All("ClusterComputeResource") {
		cluster, ok := entity.(*simulator.ClusterComputeResource)
		if !ok || len(cluster.Host) < 2 {
			continue
		}
		var vms []*simulator.VirtualMachine
		for _, ref := range cluster.Host {
			host, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
			if !ok {
				continue
			}
			for _, vmRef := range host.Vm {
				if vm, ok := simulator.Map.Get(vmRef).(*simulator.VirtualMachine); ok {
					vms = append(vms, vm)
				}
			}
		}
		sort.Slice(vms, func(i, j int) bool { return creationOrder(vms[i].Self) < creationOrder(vms[j].Self) })
		for i, vm := range vms {
			target := cluster.Host[i%len(cluster.Host)]
			if vm.Runtime.Host != nil && *vm.Runtime.Host != target && vm.ResourcePool != nil {
				moveVM(vm, target, *vm.ResourcePool)
			}
		}
	}
}

// creationOrder is the number vcsim gave an object (vm-57 -> 57): objects are numbered as created.
func creationOrder(ref types.ManagedObjectReference) int {
	n, err := strconv.Atoi(ref.Value[strings.LastIndexByte(ref.Value, '-')+1:])
	if err != nil {
		return 1 << 30
	}
	return n
}

// identifyHosts gives every host of a vCenter its own DNS host name (its inventory name in lower
// case, `_` written `-`: DC0_C0_H1 -> dc0-c0-h1) and makes the n-th host of a compute resource
// have n GiB more memory than the first, so that hostname, nodeinfo and freecell tell the hosts
// apart. The first host of each compute resource keeps vcsim's values.
func identifyHosts() {
	const gib = int64(1) << 30
	for _, kind := range []string{"ComputeResource", "ClusterComputeResource"} {
		for _, entity := range simulator.Map.All(kind) {
			var hosts []types.ManagedObjectReference
			switch cr := entity.(type) {
			case *simulator.ClusterComputeResource:
				hosts = cr.Host
			case *mo.ComputeResource:
				hosts = cr.Host
			}
			for i, ref := range hosts {
				host, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
				if !ok {
					continue
				}
				if host.Config != nil && host.Config.Network != nil && host.Config.Network.DnsConfig != nil {
					dns := *host.Config.Network.DnsConfig.GetHostDnsConfig()
					dns.HostName = strings.ToLower(strings.ReplaceAll(host.Name, "_", "-"))
					host.Config.Network.DnsConfig = &dns
				}
				extra := int64(i) * gib
				if host.Summary.Hardware != nil {
					host.Summary.Hardware.MemorySize += extra
				}
				if host.Hardware != nil {
					host.Hardware.MemorySize += extra
				}
			}
		}
	}
}

// setVcpuLimits gives every host the maximum number of vCPUs per VM that ESX reports
// (capability.maxSupportedVcpus, which libvirt's setvcpus checks) and the stock model leaves
// out; 64 is ESXi 6.0's figure.
func setVcpuLimits() {
	for _, entity := range simulator.Map.All("HostSystem") {
		host, ok := entity.(*simulator.HostSystem)
		if !ok {
			continue
		}
		if host.Capability == nil {
			host.Capability = &types.HostCapability{}
		}
		if host.Capability.MaxSupportedVcpus == 0 {
			host.Capability.MaxSupportedVcpus = 64
		}
	}
}
