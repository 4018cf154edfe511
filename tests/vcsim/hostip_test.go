package main

import (
	"context"
	"testing"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
)

// TestHostIPsMakeFindByIpFindOneHost gives one vCenter host its own address and finds it, and
// only it, by that address; the other hosts keep theirs.
func TestHostIPsMakeFindByIpFindOneHost(t *testing.T) {
	m := simulator.VPX()
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	defer m.Remove()
	cfg, err := parseFlags([]string{"-model", "vpx", "-host-ip", "DC0_C0_H1=127.0.0.3"})
	if err != nil {
		t.Fatal(err)
	}
	if err := setHostIPs(cfg.hostIPs); err != nil {
		t.Fatal(err)
	}
	server := m.Service.NewServer()
	defer server.Close()
	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, server.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	index := object.NewSearchIndex(c.Client)
	found, err := index.FindByIp(ctx, nil, "127.0.0.3", false)
	if err != nil {
		t.Fatal(err)
	}
	if found == nil {
		t.Fatalf("FindByIp(127.0.0.3) found nothing")
	}
	want := simulator.Map.Any("HostSystem")
	for _, e := range simulator.Map.All("HostSystem") {
		if e.(*simulator.HostSystem).Name == "DC0_C0_H1" {
			want = e
		}
	}
	if found.Reference() != want.Reference() {
		t.Errorf("FindByIp(127.0.0.3) = %v, want %v (DC0_C0_H1)", found.Reference(), want.Reference())
	}
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if host.Name != "DC0_C0_H1" && host.Config.Network.Vnic[0].Spec.Ip.IpAddress == "127.0.0.3" {
			t.Errorf("%s shares DC0_C0_H1's address", host.Name)
		}
	}
	if err := setHostIPs(hostIPs{"nosuch": "10.0.0.1"}); err == nil {
		t.Error("an unknown host name was accepted")
	}
	var bad hostIPs
	if err := bad.Set("DC0_H0=notanip"); err == nil {
		t.Error("a malformed address was accepted")
	}
}
