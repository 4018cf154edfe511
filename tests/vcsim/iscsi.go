// The software iSCSI adapter of real ESX hosts, which vcsim 0.24 lacks (flag -iscsi): an
// HostInternetScsiHba with configured static targets, their LUNs as ScsiDisks, and the SCSI
// topology and multipath entries that map each LUN to its target. libvirt's iSCSI storage backend
// reads exactly these HostSystem properties:
//
//	config.storageDevice.hostBusAdapter         the adapter and its configuredStaticTarget list
//	config.storageDevice.scsiLun                the LUNs (deviceName, uuid, devicePath, capacity)
//	config.storageDevice.scsiTopology.adapter   target (by transport iScsiName) -> LUN keys
//
// and calls RescanHba(device) on configManager.storageSystem. vcsim keeps one storage device
// template shared by every HostStorageSystem; here each host's HostStorageSystem.storageDeviceInfo
// and HostSystem config.storageDevice are one object, so both views agree after a rescan.
//
// A LUN provisioned later (POST /_sim/iscsi-lun) stays invisible until the host rescans its
// adapter (RescanHba or RescanAllHba), as on a real host.
package main

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	iscsiDevice    = "vmhba65"
	iscsiHbaKey    = "key-vim.host.InternetScsiHba-" + iscsiDevice
	iscsiInterface = "key-vim.host.ScsiTopology.Interface-" + iscsiDevice
	// gib (1 GiB) is declared with the datastore sizes in storage.go.
)

// iscsiTargetSpec is one static target of the simulated SAN and the LUNs it presents at start.
type iscsiTargetSpec struct {
	iqn     string
	address string
	port    int32
	luns    []iscsiLun
}

// iscsiLun is one logical unit of a target.
type iscsiLun struct {
	target    string // the target's IQN
	lun       int32
	blocks    int64
	blockSize int32
}

func (l iscsiLun) capacity() int64 { return l.blocks * int64(l.blockSize) }

// iscsiTargets is the SAN every host is configured for: two targets with LUNs (one on a non-default
// port, one with 4 KiB blocks) and one whose LUNs are all unmapped (it has no SCSI topology entry,
// as on a real host, until a LUN is provisioned and the adapter rescanned).
var iscsiTargets = []iscsiTargetSpec{
	{
		iqn: "iqn.2026-01.org.example.san:storage.target0", address: "192.168.20.10", port: 3260,
		luns: []iscsiLun{{lun: 0, blocks: 10 * gib / 512, blockSize: 512}, {lun: 1, blocks: 100 * gib / 512, blockSize: 512}},
	},
	{
		iqn: "iqn.2026-01.org.example.san:storage.target1", address: "192.168.20.11", port: 3261,
		luns: []iscsiLun{{lun: 0, blocks: 2048 * gib / 4096, blockSize: 4096}},
	},
	{iqn: "iqn.2026-01.org.example.san:storage.empty", address: "192.168.20.12", port: 3260},
}

// iscsiSAN is the simulator-wide state of the SAN: LUNs provisioned since start that each host
// sees only after a rescan, and the next free LUN number of each target.
type iscsiSAN struct {
	mu      sync.Mutex
	pending map[types.ManagedObjectReference][]iscsiLun // by host
	nextLun map[string]int32                            // by target IQN
}

var san = &iscsiSAN{pending: map[types.ManagedObjectReference][]iscsiLun{}, nextLun: map[string]int32{}}

// lunIdentity derives the stable names of a LUN from its target and number, so that every host
// (and every run) sees the same LUN under the same names, as hosts sharing a SAN do.
func lunIdentity(target string, lun int32) (naa, uuid string) {
	sum := md5.Sum([]byte(fmt.Sprintf("%s/%d", target, lun)))
	// NAA type 6 with the LIO OUI 001405, as a Linux target presents its LUNs.
	naa = "6001405" + hex.EncodeToString(sum[:])[:25]
	// ESX LUN UUIDs: 02 (disk), 00, the LUN number, 0000, the NAA id, then the model's bytes.
	uuid = fmt.Sprintf("0200%02x0000%s%s", lun&0xff, naa, hex.EncodeToString([]byte("VIRTUA")))
	return naa, uuid
}

func iscsiInitiatorName(hostName string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, hostName)
	sum := md5.Sum([]byte(hostName))
	return "iqn.1998-01.com.vmware:" + name + "-" + hex.EncodeToString(sum[:4])
}

// addSoftwareIscsiAdapter enables the software iSCSI initiator on a host's storage device info:
// the adapter with every target of the SAN as a static target, and the LUNs they present.
func addSoftwareIscsiAdapter(info *types.HostStorageDeviceInfo, hostName string) {
	hba := &types.HostInternetScsiHba{
		HostHostBusAdapter: types.HostHostBusAdapter{
			Key:             iscsiHbaKey,
			Device:          iscsiDevice,
			Status:          "online",
			Model:           "iSCSI Software Adapter",
			Driver:          "iscsi_vmk",
			StorageProtocol: "scsi",
		},
		IsSoftwareBased: true,
		CanBeDisabled:   types.NewBool(true),
		DiscoveryCapabilities: types.HostInternetScsiHbaDiscoveryCapabilities{
			StaticTargetDiscoverySettable: true,
			SendTargetsDiscoverySettable:  true,
		},
		DiscoveryProperties: types.HostInternetScsiHbaDiscoveryProperties{
			StaticTargetDiscoveryEnabled: true,
			SendTargetsDiscoveryEnabled:  true,
		},
		AuthenticationCapabilities: types.HostInternetScsiHbaAuthenticationCapabilities{ChapAuthSettable: true},
		AuthenticationProperties:   types.HostInternetScsiHbaAuthenticationProperties{ChapAuthEnabled: false},
		IpCapabilities:             types.HostInternetScsiHbaIPCapabilities{},
		IpProperties:               types.HostInternetScsiHbaIPProperties{},
		IScsiName:                  iscsiInitiatorName(hostName),
		MaxSpeedMb:                 10000,
		CurrentSpeedMb:             10000,
	}
	for _, t := range iscsiTargets {
		hba.ConfiguredStaticTarget = append(hba.ConfiguredStaticTarget, types.HostInternetScsiHbaStaticTarget{
			Address:         t.address,
			Port:            t.port,
			IScsiName:       t.iqn,
			DiscoveryMethod: "staticMethod",
		})
	}
	info.HostBusAdapter = append(info.HostBusAdapter, hba)
	info.SoftwareInternetScsiEnabled = true
	if info.ScsiTopology == nil {
		info.ScsiTopology = &types.HostScsiTopology{}
	}
	info.ScsiTopology.Adapter = append(info.ScsiTopology.Adapter, types.HostScsiTopologyInterface{
		Key:     iscsiInterface,
		Adapter: iscsiHbaKey,
	})
	for _, t := range iscsiTargets {
		for _, l := range t.luns {
			l.target = t.iqn
			attachLun(info, l)
		}
	}
}

// iscsiHba is the host's software iSCSI adapter, nil when it has none.
func iscsiHba(info *types.HostStorageDeviceInfo) *types.HostInternetScsiHba {
	for _, a := range info.HostBusAdapter {
		if hba, ok := a.(*types.HostInternetScsiHba); ok {
			return hba
		}
	}
	return nil
}

// targetNumber is the position of a target among the adapter's static targets: its SCSI target id.
func targetNumber(hba *types.HostInternetScsiHba, iqn string) (int32, bool) {
	for i, t := range hba.ConfiguredStaticTarget {
		if t.IScsiName == iqn {
			return int32(i), true
		}
	}
	return 0, false
}

func targetAddress(hba *types.HostInternetScsiHba, iqn string) string {
	for _, t := range hba.ConfiguredStaticTarget {
		if t.IScsiName == iqn {
			port := t.Port
			if port == 0 {
				port = 3260
			}
			return fmt.Sprintf("%s:%d", t.Address, port)
		}
	}
	return ""
}

// attachLun makes a LUN of one of the adapter's targets visible on the host: a ScsiDisk, its place
// under the target in the SCSI topology (the target entry is created with its first LUN), and its
// one path in the multipath info.
func attachLun(info *types.HostStorageDeviceInfo, l iscsiLun) {
	hba := iscsiHba(info)
	if hba == nil {
		return
	}
	tnum, ok := targetNumber(hba, l.target)
	if !ok {
		return
	}
	naa, uuid := lunIdentity(l.target, l.lun)
	device := "/vmfs/devices/disks/naa." + naa
	diskKey := "key-vim.host.ScsiDisk-" + uuid
	for _, existing := range info.ScsiLun {
		if existing.GetScsiLun().Key == diskKey {
			return
		}
	}
	diskType := "native512"
	if l.blockSize == 4096 {
		diskType = "native4k"
	}
	info.ScsiLun = append(info.ScsiLun, &types.HostScsiDisk{
		ScsiLun: types.ScsiLun{
			HostDevice:       types.HostDevice{DeviceName: device, DeviceType: "disk"},
			Key:              diskKey,
			Uuid:             uuid,
			Descriptor:       []types.ScsiLunDescriptor{{Quality: "highQuality", Id: "naa." + naa}, {Quality: "mediumQuality", Id: uuid}},
			CanonicalName:    "naa." + naa,
			DisplayName:      "LIO-ORG iSCSI Disk (naa." + naa + ")",
			LunType:          "disk",
			Vendor:           "LIO-ORG ",
			Model:            "esx-rs-sim      ",
			Revision:         "4.0 ",
			ScsiLevel:        6,
			SerialNumber:     "unavailable",
			QueueDepth:       128,
			OperationalState: []string{"ok"},
			Capabilities:     &types.ScsiLunCapabilities{UpdateDisplayNameSupported: true},
			VStorageSupport:  "vStorageSupported",
			ProtocolEndpoint: types.NewBool(false),
		},
		Capacity:              types.HostDiskDimensionsLba{BlockSize: l.blockSize, Block: l.blocks},
		DevicePath:            device,
		Ssd:                   types.NewBool(false),
		LocalDisk:             types.NewBool(false),
		EmulatedDIXDIFEnabled: types.NewBool(false),
		ScsiDiskType:          diskType,
	})

	transport := &types.HostInternetScsiTargetTransport{
		IScsiName: l.target,
		Address:   []string{targetAddress(hba, l.target)},
	}
	iface := topologyInterface(info)
	var target *types.HostScsiTopologyTarget
	for i := range iface.Target {
		if iface.Target[i].Target == tnum {
			target = &iface.Target[i]
		}
	}
	if target == nil {
		iface.Target = append(iface.Target, types.HostScsiTopologyTarget{
			Key:       fmt.Sprintf("key-vim.host.ScsiTopology.Target-%s:0:%d", iscsiDevice, tnum),
			Target:    tnum,
			Transport: transport,
		})
		target = &iface.Target[len(iface.Target)-1]
	}
	target.Lun = append(target.Lun, types.HostScsiTopologyLun{
		Key:     "key-vim.host.ScsiTopology.Lun-" + uuid,
		Lun:     l.lun,
		ScsiLun: diskKey,
	})

	if info.MultipathInfo == nil {
		info.MultipathInfo = &types.HostMultipathInfo{}
	}
	unit := "key-vim.host.MultipathInfo.LogicalUnit-" + uuid
	path := fmt.Sprintf("%s:C0:T%d:L%d", iscsiDevice, tnum, l.lun)
	info.MultipathInfo.Lun = append(info.MultipathInfo.Lun, types.HostMultipathInfoLogicalUnit{
		Key: unit,
		Id:  uuid,
		Lun: diskKey,
		Path: []types.HostMultipathInfoPath{{
			Key:           "key-vim.host.MultipathInfo.Path-" + path,
			Name:          path,
			PathState:     "active",
			State:         "active",
			IsWorkingPath: types.NewBool(true),
			Adapter:       iscsiHbaKey,
			Lun:           unit,
			Transport:     transport,
		}},
		Policy:                 &types.HostMultipathInfoLogicalUnitPolicy{Policy: "VMW_PSP_MRU"},
		StorageArrayTypePolicy: &types.HostMultipathInfoLogicalUnitStorageArrayTypePolicy{Policy: "VMW_SATP_DEFAULT_AA"},
	})
}

// topologyInterface is the SCSI topology entry of the software iSCSI adapter.
func topologyInterface(info *types.HostStorageDeviceInfo) *types.HostScsiTopologyInterface {
	if info.ScsiTopology == nil {
		info.ScsiTopology = &types.HostScsiTopology{}
	}
	for i := range info.ScsiTopology.Adapter {
		if info.ScsiTopology.Adapter[i].Adapter == iscsiHbaKey {
			return &info.ScsiTopology.Adapter[i]
		}
	}
	info.ScsiTopology.Adapter = append(info.ScsiTopology.Adapter, types.HostScsiTopologyInterface{Key: iscsiInterface, Adapter: iscsiHbaKey})
	return &info.ScsiTopology.Adapter[len(info.ScsiTopology.Adapter)-1]
}

// rescanHba rescans one adapter of a host (device "": all of them, as RescanAllHba): the pending
// LUNs of the iSCSI adapter's targets become visible. It returns the LUNs still pending, or
// NotFound when the host has no adapter with that device name.
func rescanHba(info *types.HostStorageDeviceInfo, device string, pending []iscsiLun) ([]iscsiLun, *faultResult) {
	if device != "" {
		found := false
		for _, a := range info.HostBusAdapter {
			if a.GetHostHostBusAdapter().Device == device {
				found = true
			}
		}
		if !found {
			return pending, newFault(fmt.Sprintf("The object or item referred to could not be found: host bus adapter %s", device), &types.NotFound{})
		}
		if device != iscsiDevice {
			return pending, nil
		}
	}
	if iscsiHba(info) == nil {
		return pending, nil
	}
	for _, l := range pending {
		attachLun(info, l)
	}
	return nil, nil
}

// hostOfStorageSystem finds the host whose configManager.storageSystem is ref.
func hostOfStorageSystem(ref types.ManagedObjectReference) *simulator.HostSystem {
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if ss := host.ConfigManager.StorageSystem; ss != nil && *ss == ref {
			return host
		}
	}
	return nil
}

// installStorageDevices gives every host's HostStorageSystem the host's own storage device info
// (vcsim shares one template between all of them), and with iscsi a software iSCSI adapter.
func installStorageDevices(iscsi bool) {
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if host.Config == nil || host.Config.StorageDevice == nil || host.ConfigManager.StorageSystem == nil {
			continue
		}
		info := host.Config.StorageDevice
		if ss, ok := simulator.Map.Get(*host.ConfigManager.StorageSystem).(*simulator.HostStorageSystem); ok {
			ss.StorageDeviceInfo = info
		}
		if iscsi {
			addSoftwareIscsiAdapter(info, host.Name)
		}
	}
	for _, t := range iscsiTargets {
		next := int32(0)
		for _, l := range t.luns {
			if l.lun >= next {
				next = l.lun + 1
			}
		}
		san.nextLun[t.iqn] = next
	}
}

// registerIscsi gives each host its own storage device info (with -iscsi, a software iSCSI
// adapter), and adds RescanHba, RescanAllHba (vcsim's own swaps in Fibre Channel adapters, which
// no real rescan does) and the control endpoint POST /_sim/iscsi-lun.
func (rt *router) registerIscsi() {
	installStorageDevices(rt.cfg.iscsi)
	rt.handle("RescanHba", func(c *call) bool {
		req, ok := c.method.Body.(*types.RescanHba)
		if !ok {
			return false
		}
		return rt.rescan(c, req.HbaDevice)
	})
	rt.handle("RescanAllHba", func(c *call) bool { return rt.rescan(c, "") })
	rt.control.HandleFunc("/_sim/iscsi-lun", provisionLunHandler)
}

func (rt *router) rescan(c *call, device string) bool {
	host := hostOfStorageSystem(c.method.This)
	if host == nil || host.Config == nil || host.Config.StorageDevice == nil {
		return false
	}
	san.mu.Lock()
	defer san.mu.Unlock()
	var fault *faultResult
	simulator.Map.WithLock(host, func() {
		san.pending[host.Self], fault = rescanHba(host.Config.StorageDevice, device, san.pending[host.Self])
	})
	if fault != nil {
		fault.write(c.w)
		return true
	}
	writeResponse(c.w, c.method.Name+"Response", nil)
	return true
}

// provisionLun maps a new LUN of the given capacity on a target to every host with the software
// iSCSI adapter; the hosts see it after their next rescan. It returns the LUN.
func provisionLun(target string, capacity int64, blockSize int32) (iscsiLun, error) {
	known := false
	for _, t := range iscsiTargets {
		known = known || t.iqn == target
	}
	if !known {
		return iscsiLun{}, fmt.Errorf("no iSCSI target %q", target)
	}
	if blockSize != 512 && blockSize != 4096 {
		return iscsiLun{}, fmt.Errorf("block size must be 512 or 4096, not %d", blockSize)
	}
	if capacity <= 0 || capacity%int64(blockSize) != 0 {
		return iscsiLun{}, fmt.Errorf("capacity must be a positive multiple of the block size %d", blockSize)
	}
	san.mu.Lock()
	defer san.mu.Unlock()
	var hosts []types.ManagedObjectReference
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if host.Config != nil && host.Config.StorageDevice != nil && iscsiHba(host.Config.StorageDevice) != nil {
			hosts = append(hosts, host.Self)
		}
	}
	if len(hosts) == 0 {
		return iscsiLun{}, fmt.Errorf("no host has an iSCSI adapter: start the simulator with -iscsi")
	}
	l := iscsiLun{target: target, lun: san.nextLun[target], blocks: capacity / int64(blockSize), blockSize: blockSize}
	san.nextLun[target]++
	for _, h := range hosts {
		san.pending[h] = append(san.pending[h], l)
	}
	return l, nil
}

// provisionLunHandler serves POST /_sim/iscsi-lun?target=IQN&capacity=BYTES[&block-size=512|4096]
// and answers the new LUN's number and canonical name.
func provisionLunHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	capacity, err := strconv.ParseInt(q.Get("capacity"), 10, 64)
	if err != nil {
		http.Error(w, "capacity must be a number of bytes", http.StatusBadRequest)
		return
	}
	blockSize := int64(512)
	if s := q.Get("block-size"); s != "" {
		if blockSize, err = strconv.ParseInt(s, 10, 32); err != nil {
			http.Error(w, "block-size must be 512 or 4096", http.StatusBadRequest)
			return
		}
	}
	l, err := provisionLun(q.Get("target"), capacity, int32(blockSize))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	naa, _ := lunIdentity(l.target, l.lun)
	fmt.Fprintf(w, "lun=%d canonicalName=naa.%s\n", l.lun, naa)
}
