package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// storageTemplate is a copy of vcsim's storage device template, as each host has one: the lists
// are copied, so appending to them leaves the template alone.
func storageTemplate() *types.HostStorageDeviceInfo {
	info := esx.HostStorageDeviceInfo
	info.HostBusAdapter = append([]types.BaseHostHostBusAdapter(nil), info.HostBusAdapter...)
	info.ScsiLun = append([]types.BaseScsiLun(nil), info.ScsiLun...)
	topo := *info.ScsiTopology
	topo.Adapter = append([]types.HostScsiTopologyInterface(nil), topo.Adapter...)
	info.ScsiTopology = &topo
	mp := *info.MultipathInfo
	mp.Lun = append([]types.HostMultipathInfoLogicalUnit(nil), mp.Lun...)
	info.MultipathInfo = &mp
	return &info
}

// lunsOfTarget walks the properties as libvirt's iSCSI backend does: the topology target whose
// transport names the IQN, then each of its LUN keys resolved in scsiLun.
func lunsOfTarget(info *types.HostStorageDeviceInfo, iqn string) []*types.HostScsiDisk {
	var out []*types.HostScsiDisk
	for _, iface := range info.ScsiTopology.Adapter {
		for _, target := range iface.Target {
			tr, ok := target.Transport.(*types.HostInternetScsiTargetTransport)
			if !ok || tr.IScsiName != iqn {
				continue
			}
			for _, l := range target.Lun {
				for _, lun := range info.ScsiLun {
					if disk, ok := lun.(*types.HostScsiDisk); ok && disk.Key == l.ScsiLun {
						out = append(out, disk)
					}
				}
			}
		}
	}
	return out
}

func TestSoftwareIscsiAdapterIsConsistent(t *testing.T) {
	info := storageTemplate()
	disksBefore := len(info.ScsiLun)
	addSoftwareIscsiAdapter(info, "DC0_C0_H1")

	hba := iscsiHba(info)
	if hba == nil || hba.Device != "vmhba65" || !hba.IsSoftwareBased || !info.SoftwareInternetScsiEnabled {
		t.Fatalf("no software iSCSI adapter: %+v", hba)
	}
	if hba.IScsiName != iscsiInitiatorName("DC0_C0_H1") || !strings.HasPrefix(hba.IScsiName, "iqn.1998-01.com.vmware:dc0-c0-h1-") {
		t.Errorf("initiator name %q", hba.IScsiName)
	}
	if len(hba.ConfiguredStaticTarget) != 3 || hba.ConfiguredStaticTarget[1].Port != 3261 || hba.ConfiguredStaticTarget[1].Address != "192.168.20.11" {
		t.Fatalf("static targets %+v", hba.ConfiguredStaticTarget)
	}
	if got := len(info.ScsiLun) - disksBefore; got != 3 {
		t.Errorf("%d LUNs added, want 3", got)
	}
	want := map[string][]int64{
		"iqn.2026-01.org.example.san:storage.target0": {10 << 30, 100 << 30},
		"iqn.2026-01.org.example.san:storage.target1": {2048 << 30},
		"iqn.2026-01.org.example.san:storage.empty":   nil,
	}
	for iqn, sizes := range want {
		disks := lunsOfTarget(info, iqn)
		if len(disks) != len(sizes) {
			t.Errorf("%s: %d LUNs, want %d", iqn, len(disks), len(sizes))
			continue
		}
		for i, d := range disks {
			if got := d.Capacity.Block * int64(d.Capacity.BlockSize); got != sizes[i] {
				t.Errorf("%s LUN %d: %d bytes, want %d", iqn, i, got, sizes[i])
			}
			if d.DevicePath != d.DeviceName || d.DevicePath != "/vmfs/devices/disks/"+d.CanonicalName || !strings.HasPrefix(d.CanonicalName, "naa.6001405") {
				t.Errorf("%s LUN %d: names %q %q %q", iqn, i, d.DeviceName, d.DevicePath, d.CanonicalName)
			}
			if len(d.OperationalState) == 0 || len(d.Uuid) < 50 {
				t.Errorf("%s LUN %d: state %v uuid %q", iqn, i, d.OperationalState, d.Uuid)
			}
		}
	}
	// Every LUN key in the topology and the multipath info names a ScsiLun.
	keys := map[string]bool{}
	for _, l := range info.ScsiLun {
		keys[l.GetScsiLun().Key] = true
	}
	for _, iface := range info.ScsiTopology.Adapter {
		for _, target := range iface.Target {
			for _, l := range target.Lun {
				if !keys[l.ScsiLun] {
					t.Errorf("topology LUN %s names no ScsiLun", l.Key)
				}
			}
		}
	}
	iscsiUnits := 0
	for _, u := range info.MultipathInfo.Lun {
		if !keys[u.Lun] {
			t.Errorf("multipath unit %s names no ScsiLun", u.Key)
		}
		if u.Path[0].Adapter == iscsiHbaKey {
			iscsiUnits++
		}
	}
	if iscsiUnits != 3 {
		t.Errorf("%d multipath units on the iSCSI adapter, want 3", iscsiUnits)
	}
}

func TestLunIdentityIsStableAndUnique(t *testing.T) {
	naa1, uuid1 := lunIdentity("iqn.x:a", 0)
	naa2, uuid2 := lunIdentity("iqn.x:a", 0)
	naa3, uuid3 := lunIdentity("iqn.x:a", 1)
	if naa1 != naa2 || uuid1 != uuid2 {
		t.Error("the same LUN got two identities")
	}
	if naa1 == naa3 || uuid1 == uuid3 {
		t.Error("two LUNs share an identity")
	}
	if len(naa1) != 32 || !strings.Contains(uuid1, naa1) {
		t.Errorf("naa %q uuid %q", naa1, uuid1)
	}
}

func TestRescanShowsPendingLunsOfTheIscsiAdapterOnly(t *testing.T) {
	info := storageTemplate()
	addSoftwareIscsiAdapter(info, "ha-host")
	empty := "iqn.2026-01.org.example.san:storage.empty"
	pending := []iscsiLun{{target: empty, lun: 0, blocks: 2048, blockSize: 512}}

	left, fault := rescanHba(info, "vmhba0", pending)
	if fault != nil || len(left) != 1 || len(lunsOfTarget(info, empty)) != 0 {
		t.Fatalf("rescanning another adapter: fault %v, %d pending", fault, len(left))
	}
	if _, fault := rescanHba(info, "vmhba99", pending); faultName(fault) != "NotFound" {
		t.Errorf("unknown adapter: %v", fault)
	}
	left, fault = rescanHba(info, iscsiDevice, left)
	if fault != nil || len(left) != 0 {
		t.Fatalf("rescan: fault %v, %d pending", fault, len(left))
	}
	disks := lunsOfTarget(info, empty)
	if len(disks) != 1 || disks[0].Capacity.Block != 2048 {
		t.Fatalf("after rescan: %d LUNs", len(disks))
	}
	// A second rescan adds nothing twice.
	before := len(info.ScsiLun)
	if _, fault := rescanHba(info, "", []iscsiLun{pending[0]}); fault != nil || len(info.ScsiLun) != before {
		t.Errorf("rescanning a known LUN again: fault %v, %d -> %d LUNs", fault, before, len(info.ScsiLun))
	}
}

func TestRescanWithoutIscsiAdapterKeepsTheTemplate(t *testing.T) {
	info := storageTemplate()
	before := len(info.ScsiLun)
	if _, fault := rescanHba(info, "", []iscsiLun{{target: "iqn.x", blocks: 1, blockSize: 512}}); fault != nil || len(info.ScsiLun) != before || iscsiHba(info) != nil {
		t.Errorf("fault %v, %d -> %d LUNs", fault, before, len(info.ScsiLun))
	}
}

// TestIscsiThroughTheSimulator reads the adapter through the property paths libvirt uses, provisions
// a LUN through the control endpoint and sees it after RescanHba, over SOAP.
func TestIscsiThroughTheSimulator(t *testing.T) {
	m := simulator.ESX()
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	defer m.Remove()
	san.pending = map[types.ManagedObjectReference][]iscsiLun{}
	san.nextLun = map[string]int32{}
	m.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword("user", "pass")}
	server := m.Service.NewServer()
	defer server.Close()
	cfg, err := parseFlags([]string{"-iscsi"})
	if err != nil {
		t.Fatal(err)
	}
	rt := newRouter(cfg, server.Config.Handler)
	rt.registerIscsi()
	server.Config.Handler = rt

	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, server.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	host := simulator.Map.All("HostSystem")[0].(*simulator.HostSystem)
	pc := property.DefaultCollector(c.Client)

	var hs mo.HostSystem
	paths := []string{"config.storageDevice.hostBusAdapter", "config.storageDevice.scsiLun", "config.storageDevice.scsiTopology.adapter", "configManager.storageSystem"}
	if err := pc.RetrieveOne(ctx, host.Self, paths, &hs); err != nil {
		t.Fatal(err)
	}
	var hba *types.HostInternetScsiHba
	for _, a := range hs.Config.StorageDevice.HostBusAdapter {
		if x, ok := a.(*types.HostInternetScsiHba); ok {
			hba = x
		}
	}
	if hba == nil || len(hba.ConfiguredStaticTarget) != 3 {
		t.Fatalf("adapter over SOAP: %+v", hba)
	}
	empty := hba.ConfiguredStaticTarget[2].IScsiName
	if n := len(lunsOfTarget(hs.Config.StorageDevice, hba.ConfiguredStaticTarget[0].IScsiName)); n != 2 {
		t.Fatalf("target0 over SOAP: %d LUNs", n)
	}

	rec := httptest.NewRecorder()
	rt.control.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_sim/iscsi-lun?target="+url.QueryEscape(empty)+"&capacity=1073741824&block-size=4096", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "lun=0 canonicalName=naa.") {
		t.Fatalf("provisioning: %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	rt.control.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_sim/iscsi-lun?target=iqn.nowhere&capacity=512", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("unknown target: %d", rec.Code)
	}

	visible := func() int {
		var hs mo.HostSystem
		if err := pc.RetrieveOne(ctx, host.Self, []string{"config.storageDevice.scsiLun", "config.storageDevice.scsiTopology.adapter"}, &hs); err != nil {
			t.Fatal(err)
		}
		return len(lunsOfTarget(hs.Config.StorageDevice, empty))
	}
	if n := visible(); n != 0 {
		t.Fatalf("the new LUN is visible before a rescan (%d)", n)
	}
	ss := *hs.ConfigManager.StorageSystem
	if _, err := methods.RescanHba(ctx, c.Client, &types.RescanHba{This: ss, HbaDevice: "vmhba99"}); err == nil || !soap.IsSoapFault(err) {
		t.Errorf("RescanHba of an unknown adapter: %v", err)
	} else if _, ok := soap.ToSoapFault(err).VimFault().(types.NotFound); !ok {
		t.Errorf("RescanHba of an unknown adapter: %v", err)
	}
	if _, err := methods.RescanHba(ctx, c.Client, &types.RescanHba{This: ss, HbaDevice: iscsiDevice}); err != nil {
		t.Fatal(err)
	}
	if n := visible(); n != 1 {
		t.Fatalf("after RescanHba: %d LUNs on the empty target", n)
	}
	// The storage system's own view is the same object.
	var sys mo.HostStorageSystem
	if err := pc.RetrieveOne(ctx, ss, []string{"storageDeviceInfo"}, &sys); err != nil {
		t.Fatal(err)
	}
	if len(lunsOfTarget(sys.StorageDeviceInfo, empty)) != 1 {
		t.Error("HostStorageSystem.storageDeviceInfo differs from config.storageDevice")
	}
	if _, err := methods.RescanAllHba(ctx, c.Client, &types.RescanAllHba{This: ss}); err != nil {
		t.Fatal(err)
	}
	if n := visible(); n != 1 {
		t.Errorf("after RescanAllHba: %d LUNs on the empty target", n)
	}
}
