// VMs registered from a .vmx (RegisterVM_Task) take the basic settings of that file: vcsim registers
// them with its defaults (1 vCPU, 32 MB, a UUID derived from the path) whatever the file says, so a
// client that defines a VM by uploading a .vmx would read different values back through the API.
package main

import (
	"bufio"
	"context"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// parseVMX reads the key = "value" lines of a .vmx (keys lower-cased, as VMX keys are case-insensitive).
func parseVMX(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(line[:eq]))
		val := strings.Trim(strings.TrimSpace(line[eq+1:]), `"`)
		out[key] = val
	}
	return out, sc.Err()
}

// uuidFromVMX turns "56 4d ... 9a-8f ... 00" into the canonical 8-4-4-4-12 form.
func uuidFromVMX(v string) string {
	h := strings.NewReplacer(" ", "", "-", "").Replace(v)
	if len(h) != 32 {
		return ""
	}
	if _, err := strconv.ParseUint(h[:16], 16, 64); err != nil {
		return ""
	}
	if _, err := strconv.ParseUint(h[16:], 16, 64); err != nil {
		return ""
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// guestIDs maps .vmx guestOS values back to vSphere guest ids.
var guestIDs = func() map[string]string {
	m := map[string]string{}
	for _, id := range simulator.GuestID {
		m[guestOSKey(string(id))] = string(id)
	}
	return m
}()

// applyVMX reconfigures a just-registered VM with the memory, vCPUs, guest OS, BIOS UUID and
// annotation of its .vmx, through vcsim's own ReconfigVM_Task so every derived property follows.
func applyVMX(vm *simulator.VirtualMachine) {
	file, ok := localPath(vm.Config.Files.VmPathName, datacenterOf(vm))
	if !ok {
		return
	}
	vmx, err := parseVMX(file)
	if err != nil {
		return
	}
	var spec types.VirtualMachineConfigSpec
	if n, err := strconv.ParseInt(vmx["memsize"], 10, 64); err == nil && n > 0 {
		spec.MemoryMB = n
	}
	if n, err := strconv.ParseInt(vmx["numvcpus"], 10, 32); err == nil && n > 0 {
		spec.NumCPUs = int32(n)
	}
	if id, ok := guestIDs[strings.ToLower(vmx["guestos"])]; ok {
		spec.GuestId = id
	}
	spec.Uuid = uuidFromVMX(vmx["uuid.bios"])
	spec.Annotation = strings.ReplaceAll(vmx["annotation"], "|0A", "\n")
	if spec.MemoryMB == 0 && spec.NumCPUs == 0 && spec.GuestId == "" && spec.Uuid == "" && spec.Annotation == "" {
		return
	}
	ctx := &simulator.Context{
		Context: context.Background(),
		Map:     simulator.Map,
		Session: &simulator.Session{UserSession: types.UserSession{UserName: "vcsim"}, Registry: simulator.NewRegistry()},
	}
	vm.ReconfigVMTask(ctx, &types.ReconfigVM_Task{This: vm.Self, Spec: spec})
}

// isFileNameSafe reports whether name can be one element of a file name: not "." or "..", and no
// separator or control character.
func isFileNameSafe(name string) bool {
	if name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// registerPrepare lets RegisterVM_Task register a VM from just its .vmx, as real hosts do: vcsim
// insists that the VM's .nvram and vmware.log exist too, so empty ones are created next to the .vmx
// when it exists and they do not. A name that would put the .nvram elsewhere is refused
// (InvalidName). The registration itself is vcsim's.
func (rt *router) registerPrepare(c *call) bool {
	req := c.method.Body.(*types.RegisterVM_Task)
	folder, ok := simulator.Map.Get(req.This).(*simulator.Folder)
	if !ok {
		return false
	}
	vmx, ok := localPath(req.Path, datacenterOf(folder))
	if !ok {
		return false
	}
	if info, err := os.Stat(vmx); err != nil || info.IsDir() {
		return false
	}
	name := req.Name
	if name != "" && !isFileNameSafe(name) {
		// The name becomes NAME.nvram beside the .vmx: one that is not a plain file name would
		// write elsewhere (../../evil.nvram). Refused before anything is written.
		newFault("The name '"+name+"' is invalid: a virtual machine name used in its file names must not be '.' or '..' or contain '/', '\\' or control characters.",
			&types.InvalidName{Name: name}).write(c.w)
		return true
	}
	if name == "" {
		name = path.Base(path.Dir(vmx))
	}
	for _, f := range []string{name + ".nvram", "vmware.log"} {
		p := path.Join(path.Dir(vmx), f)
		if _, err := os.Stat(p); os.IsNotExist(err) {
			_ = os.WriteFile(p, nil, 0o600)
		}
	}
	return false
}
