package main

import (
	"strings"
	"testing"
)

func TestRewriteXSI(t *testing.T) {
	const decl = `xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance"`
	cases := []struct{ name, in, want string }{
		{"primitive value",
			`<val ` + decl + ` XMLSchema-instance:type="xsd:string">a&lt;b</val>`,
			`<val xsi:type="xsd:string">a&lt;b</val>`},
		{"array of primitives",
			`<val ` + decl + ` XMLSchema-instance:type="ArrayOfString"><string>a</string><string>b</string></val>`,
			`<val xsi:type="ArrayOfString"><string xsi:type="xsd:string">a</string><string xsi:type="xsd:string">b</string></val>`},
		{"array of objects keeps typed items and types only direct children",
			`<val ` + decl + ` XMLSchema-instance:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">ds-1</ManagedObjectReference></val>` +
				`<val ` + decl + ` XMLSchema-instance:type="ArrayOfVirtualDevice"><VirtualDevice ` + decl + ` XMLSchema-instance:type="VirtualDisk"><key>1</key></VirtualDevice></val>`,
			`<val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore" xsi:type="ManagedObjectReference">ds-1</ManagedObjectReference></val>` +
				`<val xsi:type="ArrayOfVirtualDevice"><VirtualDevice xsi:type="VirtualDisk"><key>1</key></VirtualDevice></val>`},
		{"self-closing items",
			`<val ` + decl + ` XMLSchema-instance:type="ArrayOfString"><string/><string></string></val><next>x</next>`,
			`<val xsi:type="ArrayOfString"><string xsi:type="xsd:string"/><string xsi:type="xsd:string"></string></val><next>x</next>`},
		{"faults already use xsi:type",
			`<detail><InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument"><invalidProperty>token</invalidProperty></InvalidArgumentFault></detail>`,
			`<detail><InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument"><invalidProperty>token</invalidProperty></InvalidArgumentFault></detail>`},
		{"an element named ArrayOf.. is no array value",
			`<ArrayOfThing><x>1</x></ArrayOfThing>`,
			`<ArrayOfThing><x>1</x></ArrayOfThing>`},
	}
	for _, c := range cases {
		if got := string(rewriteXSI([]byte(c.in))); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestSplitObjects(t *testing.T) {
	doc := `<x><returnval><objects><obj>1</obj></objects><objects><obj>2</obj><objects>nested</objects></objects></returnval></x>`
	start, end, objects, ok := splitObjects([]byte(doc))
	if !ok || len(objects) != 2 {
		t.Fatalf("ok=%v objects=%q", ok, objects)
	}
	if string(objects[1]) != `<objects><obj>2</obj><objects>nested</objects></objects>` {
		t.Errorf("nested: %s", objects[1])
	}
	if !strings.HasSuffix(doc[:start], "<returnval>") || !strings.HasPrefix(doc[end:], "</returnval>") {
		t.Errorf("bounds %d..%d", start, end)
	}
	if _, _, _, ok := splitObjects([]byte(`<returnval></returnval>`)); ok {
		t.Error("no objects")
	}
}

func TestGuestOSKeyAndVMXUUID(t *testing.T) {
	for id, want := range map[string]string{"otherGuest": "other", "otherGuest64": "other-64", "otherLinux64Guest": "otherlinux-64", "ubuntu64Guest": "ubuntu-64", "windows9_64Guest": "windows9-64"} {
		if got := guestOSKey(id); got != want {
			t.Errorf("guestOSKey(%s) = %s, want %s", id, got, want)
		}
	}
	u := "421c6e0a-1122-3344-5566-778899aabbcc"
	if got := vmxUUID(u); got != "42 1c 6e 0a 11 22 33 44-55 66 77 88 99 aa bb cc" {
		t.Errorf("vmxUUID: %s", got)
	}
	if got := uuidFromVMX(vmxUUID(u)); got != u {
		t.Errorf("round trip: %s", got)
	}
	if uuidFromVMX("nonsense") != "" {
		t.Error("bad uuid accepted")
	}
}

func TestPatterns(t *testing.T) {
	var p patterns
	if err := p.Set("DC0_H0_VM0, *question*"); err != nil {
		t.Fatal(err)
	}
	if !p.match("DC0_H0_VM0") || !p.match("web-question-1") || p.match("DC0_H0_VM1") {
		t.Errorf("match %v", p)
	}
	if err := p.Set("[bad"); err == nil {
		t.Error("bad pattern accepted")
	}
}
