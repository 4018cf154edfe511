// The console screenshot endpoint libvirt's esxDomainScreenshot reads: GET /screen?id=<vm moref>
// with the session cookie answers a PNG of the VM's screen while it is powered on. Hosts report
// the feature in capability.screenshotSupported, which the stock model leaves out.
package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// setScreenshotSupport makes every host report capability.screenshotSupported.
func setScreenshotSupport() {
	for _, entity := range simulator.Map.All("HostSystem") {
		host, ok := entity.(*simulator.HostSystem)
		if !ok {
			continue
		}
		if host.Capability == nil {
			host.Capability = &types.HostCapability{}
		}
		host.Capability.ScreenshotSupported = true
	}
}

// serveScreen answers GET /screen?id=vm-N: a PNG for a powered-on VM, 404 for an unknown VM,
// 409 for one that is not running (a real host answers with an error page too), 401 without a
// session.
func (rt *router) serveScreen(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if rec := rt.probe(r); rec.Code != http.StatusOK {
		http.Error(w, "not authenticated: log in first and send the vmware_soap_session cookie", http.StatusUnauthorized)
		return
	}
	ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: r.URL.Query().Get("id")}
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		http.Error(w, "no such virtual machine: "+ref.Value, http.StatusNotFound)
		return
	}
	var state types.VirtualMachinePowerState
	simulator.Map.WithLock(vm, func() { state = vm.Runtime.PowerState })
	if state != types.VirtualMachinePowerStatePoweredOn {
		http.Error(w, "the virtual machine is not powered on", http.StatusConflict)
		return
	}
	picture, err := screenImage(vm.Name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(picture)
}

// screenImage draws a small console: a dark 64x48 screen with a bar whose length depends on
// the VM's name, so that two VMs' screenshots differ.
func screenImage(name string) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: 16, G: 16, B: 24, A: 255})
		}
	}
	bar := 8 + len(name)%48
	for x := 4; x < 4+bar; x++ {
		for y := 20; y < 28; y++ {
			img.Set(x, y, color.RGBA{R: 200, G: 200, B: 200, A: 255})
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
