// Storage as the storage driver sees it on real hosts (-storage): datastores with mount paths and
// fixed capacities (LocalDS_0 a VMFS volume, an NFS datastore nfs_0), virtual disks that are real
// VMDK descriptors with flat extents, datastore searches that report a disk's capacity, controller
// and provisioning, and the VirtualDiskManager methods vcsim lacks or gets wrong: CreateVirtualDisk
// (descriptor + extent, NoDiskSpace when a thick disk does not fit), QueryVirtualDiskUuid (the
// descriptor's ddb.uuid), CopyVirtualDisk (a descriptor naming its own extent), DeleteVirtualDisk
// (the extents the descriptor names), ZeroFillVirtualDisk and ExtendVirtualDisk (the descriptor
// grows), and RefreshDatastore (free space from the files, not from the machine's /tmp).
package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	gib = int64(1) << 30
	// vmfsCapacity and nfsCapacity are the fixed sizes of the datastores, so that outputs do not
	// depend on the machine's /tmp.
	vmfsCapacity  = 500 * gib
	localCapacity = 200 * gib
	nfsCapacity   = 1024 * gib
	nfsName       = "nfs_0"
	nfsRemoteHost = "nfs.example.com"
	nfsRemotePath = "/export/images"
)

// storageMu serializes the disk methods, which read and write descriptors and extents.
var storageMu sync.Mutex

// installStorage gives every datastore a mount path and a fixed capacity, makes LocalDS_0 a VMFS
// volume, adds the NFS datastore nfs_0 to every host, and seeds it with an ISO image, a floppy
// image, two disks and `disks` further thin disks under many/.
func installStorage(c *vim25.Client, disks int) (cleanup func(), err error) {
	dir, err := ioutil.TempDir(os.Getenv("TMPDIR"), "esxrs-nfs-")
	if err != nil {
		return nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	local := filepath.Join(dir, nfsName)
	if err := os.Mkdir(local, 0o755); err != nil {
		return cleanup, err
	}
	ctx := context.Background()
	for _, e := range simulator.Map.All("HostSystem") {
		host := object.NewHostSystem(c, e.Reference())
		dss, err := host.ConfigManager().DatastoreSystem(ctx)
		if err != nil {
			return cleanup, err
		}
		_, err = dss.CreateNasDatastore(ctx, types.HostNasVolumeSpec{
			RemoteHost: nfsRemoteHost,
			RemotePath: nfsRemotePath,
			LocalPath:  local,
			AccessMode: string(types.HostMountModeReadWrite),
			Type:       string(types.HostFileSystemVolumeFileSystemTypeNFS),
		})
		if err != nil {
			return cleanup, fmt.Errorf("adding %s to %s: %v", nfsName, e.(*simulator.HostSystem).Name, err)
		}
	}
	for _, e := range simulator.Map.All("Datastore") {
		ds := e.(*simulator.Datastore)
		shapeDatastore(ds)
	}
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		for _, ref := range host.Datastore {
			if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok {
				mountOn(ds, host.Self)
			}
		}
	}
	if err := seedNFS(local, disks); err != nil {
		return cleanup, err
	}
	for _, e := range simulator.Map.All("Datastore") {
		updateSpace(e.(*simulator.Datastore))
	}
	return cleanup, nil
}

// mountPath is where a host mounts a datastore: /vmfs/volumes/<uuid> for VMFS and local ones,
// /vmfs/volumes/<8 hex>-<8 hex> for NFS, derived from the name so that runs are repeatable.
func mountPath(ds *simulator.Datastore) string {
	sum := md5.Sum([]byte(ds.Name))
	h := fmt.Sprintf("%x", sum)
	if _, nas := ds.Info.(*types.NasDatastoreInfo); nas {
		return "/vmfs/volumes/" + h[0:8] + "-" + h[8:16]
	}
	return "/vmfs/volumes/" + h[0:8] + "-" + h[8:16] + "-" + h[16:20] + "-" + h[20:32]
}

// shapeDatastore makes LocalDS_0 VMFS and sets the summary's type and the fixed capacity.
func shapeDatastore(ds *simulator.Datastore) {
	info := ds.Info.GetDatastoreInfo()
	switch i := ds.Info.(type) {
	case *types.NasDatastoreInfo:
		ds.Summary.Type = "NFS"
		ds.Summary.Capacity = nfsCapacity
		i.Nas.Capacity = nfsCapacity
	case *types.LocalDatastoreInfo:
		if ds.Name == "LocalDS_0" {
			sum := md5.Sum([]byte(ds.Name))
			h := fmt.Sprintf("%x", sum)
			ds.Info = &types.VmfsDatastoreInfo{
				DatastoreInfo: *info,
				Vmfs: &types.HostVmfsVolume{
					HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: ds.Name, Capacity: vmfsCapacity},
					BlockSizeMb:          1,
					MaxBlocks:            63963136,
					MajorVersion:         6,
					Version:              "6.82",
					Uuid:                 h[0:8] + "-" + h[8:16] + "-" + h[16:20] + "-" + h[20:32],
					Extent:               []types.HostScsiDiskPartition{{DiskName: "mpx.vmhba0:C0:T0:L0", Partition: 3}},
					VmfsUpgradable:       false,
				},
			}
			ds.Summary.Type = "VMFS"
			ds.Summary.Capacity = vmfsCapacity
		} else {
			ds.Summary.Type = "OTHER"
			ds.Summary.Capacity = localCapacity
		}
	}
}

// mountOn records that host mounts ds at its mount path.
func mountOn(ds *simulator.Datastore, host types.ManagedObjectReference) {
	mount := types.HostMountInfo{
		Path:       mountPath(ds),
		AccessMode: string(types.HostMountModeReadWrite),
		Mounted:    types.NewBool(true),
		Accessible: types.NewBool(true),
	}
	for i := range ds.Host {
		if ds.Host[i].Key == host {
			ds.Host[i].MountInfo = mount
			return
		}
	}
	ds.Host = append(ds.Host, types.DatastoreHostMount{Key: host, MountInfo: mount})
}

// usedBytes is what the files under dir take: their apparent sizes (thick extents are sparse files
// as large as the disk).
func usedBytes(dir string) int64 {
	var used int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			used += fi.Size()
		}
		return nil
	})
	return used
}

// updateSpace sets the free space of a datastore from its capacity and its files.
func updateSpace(ds *simulator.Datastore) {
	info := ds.Info.GetDatastoreInfo()
	free := ds.Summary.Capacity - usedBytes(info.Url)
	if free < 0 {
		free = 0
	}
	now := time.Now()
	simulator.Map.WithLock(ds, func() {
		info.FreeSpace = free
		info.MaxFileSize = free
		info.MaxMemoryFileSize = free
		info.Timestamp = &now
		ds.Summary.FreeSpace = free
		simulator.Map.Update(ds, []types.PropertyChange{
			{Name: "summary", Val: ds.Summary},
			{Name: "info", Val: ds.Info},
		})
	})
}

// seedNFS writes the images and disks the storage tests read.
func seedNFS(root string, disks int) error {
	sparse := func(name string, size int64) error {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Truncate(size)
	}
	if err := sparse(filepath.Join(root, "iso", "installer.iso"), 4<<20); err != nil {
		return err
	}
	if err := sparse(filepath.Join(root, "floppy", "drivers.flp"), 1474560); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(root, "disks"), 0o755); err != nil {
		return err
	}
	if err := createDisk(nfsName, root, "disks/data.vmdk", 1<<20, "thin", "lsiLogic"); err != nil {
		return err
	}
	if err := createDisk(nfsName, root, "disks/base.vmdk", 512<<10, "preallocated", "pvscsi"); err != nil {
		return err
	}
	for i := 0; i < disks; i++ {
		if err := os.MkdirAll(filepath.Join(root, "many"), 0o755); err != nil {
			return err
		}
		if err := createDisk(nfsName, root, fmt.Sprintf("many/disk%04d.vmdk", i), 1<<10, "thin", "lsiLogic"); err != nil {
			return err
		}
	}
	return nil
}

// descriptor is what the storage methods read from a VMDK descriptor.
type descriptor struct {
	extents    []extent
	adapter    string // ddb.adapterType: lsilogic, buslogic, ide, pvscsi, lsisas1068
	thin       bool
	uuid       string // ddb.uuid: "60 00 C2 ..."
	hwVersion  int32
	createType string
}

type extent struct {
	sectors int64
	kind    string // VMFS, FLAT, ...
	file    string // relative to the descriptor's folder
}

func (d *descriptor) capacityKb() int64 {
	var sectors int64
	for _, e := range d.extents {
		sectors += e.sectors
	}
	return sectors / 2
}

// adapterTypes maps the API's adapter types to the descriptor's words and back.
var adapterTypes = map[string]string{
	"lsiLogic": "lsilogic", "busLogic": "buslogic", "ide": "ide", "pvscsi": "pvscsi", "lsiLogicsas": "lsisas1068",
}

// controllerTypes is the device type a search reports for a descriptor's adapter.
var controllerTypes = map[string]string{
	"lsilogic": "VirtualLsiLogicController", "buslogic": "VirtualBusLogicController", "ide": "VirtualIDEController",
	"pvscsi": "ParaVirtualSCSIController", "lsisas1068": "VirtualLsiLogicSASController",
}

// diskUUID is the ddb.uuid of a new disk: 16 bytes from the datastore path, written as ESX does.
func diskUUID(dsPath string) string {
	sum := md5.Sum([]byte(dsPath))
	var parts []string
	for i, b := range sum {
		sep := " "
		if i == 8 {
			sep = "-"
		}
		if i == 0 {
			sep = ""
		}
		parts = append(parts, fmt.Sprintf("%s%02x", sep, b))
	}
	return strings.Join(parts, "")
}

// writeDescriptor writes a monolithic-flat descriptor for one extent.
func writeDescriptor(file string, d *descriptor) error {
	var b strings.Builder
	b.WriteString("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\n")
	fmt.Fprintf(&b, "createType=\"%s\"\n\n# Extent description\n", d.createType)
	for _, e := range d.extents {
		fmt.Fprintf(&b, "RW %d %s \"%s\"\n", e.sectors, e.kind, e.file)
	}
	b.WriteString("\n# The Disk Data Base\n#DDB\n\n")
	fmt.Fprintf(&b, "ddb.adapterType = \"%s\"\n", d.adapter)
	if d.thin {
		b.WriteString("ddb.thinProvisioned = \"1\"\n")
	}
	fmt.Fprintf(&b, "ddb.uuid = \"%s\"\n", d.uuid)
	fmt.Fprintf(&b, "ddb.virtualHWVersion = \"%d\"\n", d.hwVersion)
	return ioutil.WriteFile(file, []byte(b.String()), 0o644)
}

var extentLine = regexp.MustCompile(`^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\S+)\s+"([^"]+)"`)
var extentFile = regexp.MustCompile(`-(f|s)\d{3}\.vmdk$`)
var ddbLine = regexp.MustCompile(`^ddb\.(\w+)\s*=\s*"([^"]*)"`)

// readDescriptor reads a descriptor; nil when the file is not one (vcsim's empty disks).
func readDescriptor(file string) *descriptor {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	d := &descriptor{}
	sc := bufio.NewScanner(io.LimitReader(f, 64<<10))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != "# Disk DescriptorFile" {
				return nil
			}
			first = false
		}
		if m := extentLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			d.extents = append(d.extents, extent{sectors: n, kind: m[3], file: m[4]})
		} else if m := ddbLine.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "adapterType":
				d.adapter = m[2]
			case "thinProvisioned":
				d.thin = m[2] == "1"
			case "uuid":
				d.uuid = m[2]
			case "virtualHWVersion":
				n, _ := strconv.Atoi(m[2])
				d.hwVersion = int32(n)
			}
		} else if strings.HasPrefix(line, "createType=") {
			d.createType = strings.Trim(strings.TrimPrefix(line, "createType="), "\"")
		}
	}
	if first {
		return nil
	}
	return d
}

// createDisk writes descriptor and extent of a new disk at rel under a datastore's root.
func createDisk(dsName, root, rel string, capacityKb int64, diskType, adapter string) error {
	file := filepath.Join(root, rel)
	flat := strings.TrimSuffix(path.Base(rel), ".vmdk") + "-flat.vmdk"
	word, ok := adapterTypes[adapter]
	if !ok {
		word = "lsilogic"
	}
	d := &descriptor{
		extents:    []extent{{sectors: capacityKb * 2, kind: "VMFS", file: flat}},
		adapter:    word,
		thin:       diskType == "thin",
		uuid:       diskUUID(fmt.Sprintf("[%s] %s", dsName, rel)),
		hwVersion:  13,
		createType: "vmfs",
	}
	f, err := os.Create(filepath.Join(filepath.Dir(file), flat))
	if err != nil {
		return err
	}
	if !d.thin {
		err = f.Truncate(capacityKb * 1024)
	}
	_ = f.Close()
	if err != nil {
		return err
	}
	return writeDescriptor(file, d)
}

// resolveDisk finds the datastore and local file of "[ds] path".
func resolveDisk(name string, dc *types.ManagedObjectReference) (*simulator.Datastore, string, *faultResult) {
	var p object.DatastorePath
	if !p.FromString(name) || strings.Contains("/"+p.Path+"/", "/../") {
		return nil, "", newFault("Invalid datastore path '"+name+"'.", &types.InvalidDatastorePath{DatastorePath: name})
	}
	ds := findDatastore(p.Datastore, dc)
	if ds == nil {
		return nil, "", newFault("Invalid datastore path '"+name+"'.", &types.InvalidDatastorePath{DatastorePath: name})
	}
	return ds, filepath.Join(ds.Info.GetDatastoreInfo().Url, p.Path), nil
}

func fileNotFound(name string) *faultResult {
	return newFault("File "+name+" was not found", &types.FileNotFound{FileFault: types.FileFault{File: name}})
}

// syncTask creates a task that has already finished, as vcsim's own tasks, with the localized
// message real servers give.
func syncTask(entity types.ManagedObjectReference, name string, run func() (types.AnyType, *faultResult)) types.ManagedObjectReference {
	obj := simulator.Map.Get(entity)
	t := simulator.CreateTask(obj, name, nil)
	res, fault := run()
	state := types.TaskInfoStateSuccess
	var lf interface{}
	if fault != nil {
		state = types.TaskInfoStateError
		lf = types.LocalizedMethodFault{Fault: fault.fault, LocalizedMessage: fault.msg}
	}
	now := time.Now()
	simulator.Map.WithLock(t, func() {
		simulator.Map.Update(t, []types.PropertyChange{
			{Name: "info.startTime", Val: now},
			{Name: "info.completeTime", Val: now},
			{Name: "info.state", Val: state},
			{Name: "info.progress", Val: int32(100)},
			{Name: "info.result", Val: res},
			{Name: "info.error", Val: lf},
		})
	})
	return t.Self
}

func (rt *router) registerStorage() {
	rt.handle("CreateVirtualDisk_Task", rt.createVirtualDisk)
	rt.handle("QueryVirtualDiskUuid", rt.queryVirtualDiskUuid)
	rt.handle("CopyVirtualDisk_Task", rt.copyVirtualDisk)
	rt.handle("DeleteVirtualDisk_Task", rt.deleteVirtualDisk)
	rt.handle("ZeroFillVirtualDisk_Task", rt.zeroFillVirtualDisk)
	rt.handle("ExtendVirtualDisk_Task", rt.extendDiskDescriptor)
	rt.handle("SearchDatastore_Task", rt.searchDatastore(false))
	rt.handle("SearchDatastoreSubFolders_Task", rt.searchDatastore(true))
	rt.handle("RefreshDatastore", rt.refreshDatastore)
}

func (rt *router) createVirtualDisk(c *call) bool {
	req := c.method.Body.(*types.CreateVirtualDisk_Task)
	ref := syncTask(req.This, "createVirtualDisk", func() (types.AnyType, *faultResult) {
		storageMu.Lock()
		defer storageMu.Unlock()
		ds, file, fault := resolveDisk(req.Name, req.Datacenter)
		if fault != nil {
			return nil, fault
		}
		spec, ok := req.Spec.(*types.FileBackedVirtualDiskSpec)
		if !ok || !strings.HasSuffix(file, ".vmdk") || spec.CapacityKb <= 0 {
			return nil, newFault("A specified parameter was not correct: spec", &types.InvalidArgument{InvalidProperty: "spec"})
		}
		if _, err := os.Stat(filepath.Dir(file)); err != nil {
			return nil, fileNotFound(path.Dir(req.Name))
		}
		if _, err := os.Stat(file); err == nil {
			return nil, newFault("Cannot complete the operation because the file or folder "+req.Name+" already exists",
				&types.FileAlreadyExists{FileFault: types.FileFault{File: req.Name}})
		}
		if spec.DiskType != "thin" && spec.CapacityKb*1024 > ds.Summary.FreeSpace {
			return nil, newFault(fmt.Sprintf("There is not enough space on the file system for the selected operation (%s).", ds.Name),
				&types.NoDiskSpace{FileFault: types.FileFault{File: req.Name}, Datastore: ds.Name})
		}
		rel, _ := filepath.Rel(ds.Info.GetDatastoreInfo().Url, file)
		if err := createDisk(ds.Name, ds.Info.GetDatastoreInfo().Url, filepath.ToSlash(rel), spec.CapacityKb, spec.DiskType, spec.AdapterType); err != nil {
			return nil, newFault("Cannot create file "+req.Name, &types.CannotCreateFile{FileFault: types.FileFault{File: req.Name}})
		}
		updateSpace(ds)
		return req.Name, nil
	})
	taskResponse(c, "CreateVirtualDisk_Task", ref)
	return true
}

func (rt *router) queryVirtualDiskUuid(c *call) bool {
	req := c.method.Body.(*types.QueryVirtualDiskUuid)
	_, file, fault := resolveDisk(req.Name, req.Datacenter)
	if fault != nil {
		fault.write(c.w)
		return true
	}
	d := readDescriptor(file)
	if d == nil || d.uuid == "" {
		return false // vcsim's answer for its empty disk files
	}
	writeResponse(c.w, "QueryVirtualDiskUuidResponse", &types.QueryVirtualDiskUuidResponse{Returnval: d.uuid})
	return true
}

func (rt *router) copyVirtualDisk(c *call) bool {
	req := c.method.Body.(*types.CopyVirtualDisk_Task)
	ref := syncTask(req.This, "copyVirtualDisk", func() (types.AnyType, *faultResult) {
		storageMu.Lock()
		defer storageMu.Unlock()
		_, src, fault := resolveDisk(req.SourceName, req.SourceDatacenter)
		if fault != nil {
			return nil, fault
		}
		dc := req.DestDatacenter
		if dc == nil {
			dc = req.SourceDatacenter
		}
		ds, dst, fault := resolveDisk(req.DestName, dc)
		if fault != nil {
			return nil, fault
		}
		d := readDescriptor(src)
		if d == nil {
			return nil, fileNotFound(req.SourceName)
		}
		if _, err := os.Stat(filepath.Dir(dst)); err != nil {
			return nil, fileNotFound(path.Dir(req.DestName))
		}
		if _, err := os.Stat(dst); err == nil && !isTrue(req.Force) {
			return nil, newFault("Cannot complete the operation because the file or folder "+req.DestName+" already exists",
				&types.FileAlreadyExists{FileFault: types.FileFault{File: req.DestName}})
		}
		var size int64
		for _, e := range d.extents {
			if fi, err := os.Stat(filepath.Join(filepath.Dir(src), e.file)); err == nil {
				size += fi.Size()
			}
		}
		if size > ds.Summary.FreeSpace {
			return nil, newFault(fmt.Sprintf("There is not enough space on the file system for the selected operation (%s).", ds.Name),
				&types.NoDiskSpace{FileFault: types.FileFault{File: req.DestName}, Datastore: ds.Name})
		}
		base := strings.TrimSuffix(filepath.Base(dst), ".vmdk")
		copied := *d
		copied.extents = nil
		copied.uuid = diskUUID(req.DestName)
		for i, e := range d.extents {
			name := base + "-flat.vmdk"
			if len(d.extents) > 1 {
				name = fmt.Sprintf("%s-f%03d.vmdk", base, i+1)
			}
			if err := copyFile(filepath.Join(filepath.Dir(src), e.file), filepath.Join(filepath.Dir(dst), name)); err != nil {
				return nil, newFault("Cannot create file "+req.DestName, &types.CannotCreateFile{FileFault: types.FileFault{File: req.DestName}})
			}
			e.file = name
			copied.extents = append(copied.extents, e)
		}
		if err := writeDescriptor(dst, &copied); err != nil {
			return nil, newFault("Cannot create file "+req.DestName, &types.CannotCreateFile{FileFault: types.FileFault{File: req.DestName}})
		}
		updateSpace(ds)
		return nil, nil
	})
	taskResponse(c, "CopyVirtualDisk_Task", ref)
	return true
}

// copyFile copies a (possibly sparse) extent: an all-zero extent stays sparse.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	defer out.Close()
	buf := make([]byte, 1<<20)
	var off int64
	for {
		n, err := in.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			zero := true
			for _, b := range chunk {
				if b != 0 {
					zero = false
					break
				}
			}
			if !zero {
				if _, err := out.WriteAt(chunk, off); err != nil {
					return err
				}
			}
			off += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return out.Truncate(fi.Size())
}

func (rt *router) deleteVirtualDisk(c *call) bool {
	req := c.method.Body.(*types.DeleteVirtualDisk_Task)
	ref := syncTask(req.This, "deleteVirtualDisk", func() (types.AnyType, *faultResult) {
		storageMu.Lock()
		defer storageMu.Unlock()
		ds, file, fault := resolveDisk(req.Name, req.Datacenter)
		if fault != nil {
			return nil, fault
		}
		if _, err := os.Stat(file); err != nil {
			return nil, fileNotFound(req.Name)
		}
		if d := readDescriptor(file); d != nil {
			for _, e := range d.extents {
				_ = os.Remove(filepath.Join(filepath.Dir(file), e.file))
			}
		}
		if err := os.Remove(file); err != nil {
			return nil, newFault("Cannot delete file "+req.Name, &types.CannotDeleteFile{FileFault: types.FileFault{File: req.Name}})
		}
		updateSpace(ds)
		return nil, nil
	})
	taskResponse(c, "DeleteVirtualDisk_Task", ref)
	return true
}

func (rt *router) zeroFillVirtualDisk(c *call) bool {
	req := c.method.Body.(*types.ZeroFillVirtualDisk_Task)
	ref := syncTask(req.This, "zeroFillVirtualDisk", func() (types.AnyType, *faultResult) {
		storageMu.Lock()
		defer storageMu.Unlock()
		_, file, fault := resolveDisk(req.Name, req.Datacenter)
		if fault != nil {
			return nil, fault
		}
		d := readDescriptor(file)
		if d == nil {
			return nil, fileNotFound(req.Name)
		}
		for _, e := range d.extents {
			name := filepath.Join(filepath.Dir(file), e.file)
			fi, err := os.Stat(name)
			if err != nil {
				return nil, fileNotFound(req.Name)
			}
			// Zeroes: truncating to nothing and back leaves an all-zero (sparse) extent.
			if os.Truncate(name, 0) != nil || os.Truncate(name, fi.Size()) != nil {
				return nil, newFault("Cannot write file "+req.Name, &types.FileNotWritable{FileFault: types.FileFault{File: req.Name}})
			}
		}
		return nil, nil
	})
	taskResponse(c, "ZeroFillVirtualDisk_Task", ref)
	return true
}

// extendDiskDescriptor grows a disk with a descriptor (refusing to shrink it), then lets the
// extend of methods.go grow the VM disks backed by it.
func (rt *router) extendDiskDescriptor(c *call) bool {
	req := c.method.Body.(*types.ExtendVirtualDisk_Task)
	storageMu.Lock()
	_, file, fault := resolveDisk(req.Name, req.Datacenter)
	d := (*descriptor)(nil)
	if fault == nil {
		d = readDescriptor(file)
	}
	if d != nil && len(d.extents) == 1 {
		if req.NewCapacityKb < d.capacityKb() {
			storageMu.Unlock()
			newFault(fmt.Sprintf("A specified parameter was not correct: newCapacityKb %d is smaller than the disk (%d KB)", req.NewCapacityKb, d.capacityKb()),
				&types.InvalidArgument{InvalidProperty: "newCapacityKb"}).write(c.w)
			return true
		}
		d.extents[0].sectors = req.NewCapacityKb * 2
		flat := filepath.Join(filepath.Dir(file), d.extents[0].file)
		if !d.thin {
			_ = os.Truncate(flat, req.NewCapacityKb*1024)
		}
		_ = writeDescriptor(file, d)
	}
	storageMu.Unlock()
	return rt.extendVirtualDisk(c)
}

// searchDatastore answers SearchDatastore(SubFolders)_Task as a host does: files matching the
// queries and patterns, folders when asked for, and for disks (never their extents) the capacity,
// controller, provisioning and hardware version from the descriptor.
func (rt *router) searchDatastore(recurse bool) extension {
	return func(c *call) bool {
		var dsPath string
		var spec *types.HostDatastoreBrowserSearchSpec
		var name string
		if recurse {
			req := c.method.Body.(*types.SearchDatastoreSubFolders_Task)
			dsPath, spec, name = req.DatastorePath, req.SearchSpec, "SearchDatastoreSubFolders_Task"
		} else {
			req := c.method.Body.(*types.SearchDatastore_Task)
			dsPath, spec, name = req.DatastorePath, req.SearchSpec, "SearchDatastore_Task"
		}
		if spec == nil {
			spec = &types.HostDatastoreBrowserSearchSpec{}
		}
		browser := c.method.This
		ref := syncTask(browser, "searchDatastore", func() (types.AnyType, *faultResult) {
			storageMu.Lock()
			defer storageMu.Unlock()
			var p object.DatastorePath
			if !p.FromString(dsPath) {
				return nil, newFault("Invalid datastore path '"+dsPath+"'.", &types.InvalidDatastorePath{DatastorePath: dsPath})
			}
			ds := findDatastore(p.Datastore, nil)
			if ds == nil {
				return nil, newFault("Invalid datastore '"+p.Datastore+"'.", &types.InvalidDatastore{Name: p.Datastore})
			}
			root := filepath.Join(ds.Info.GetDatastoreInfo().Url, p.Path)
			if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
				return nil, fileNotFound(dsPath)
			}
			var results []types.HostDatastoreBrowserSearchResults
			var walk func(folder, dir string)
			walk = func(folder, dir string) {
				entries, err := ioutil.ReadDir(dir)
				if err != nil {
					return
				}
				sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
				res := types.HostDatastoreBrowserSearchResults{Datastore: &ds.Self, FolderPath: folder}
				for _, fi := range entries {
					if info := searchMatch(spec, dir, fi); info != nil {
						res.File = append(res.File, info)
					}
				}
				results = append(results, res)
				if recurse {
					for _, fi := range entries {
						if fi.IsDir() {
							// As hosts write them: "[ds]" for the root, "[ds] dir/sub/" below it.
							sub := folder + fi.Name() + "/"
							if strings.HasSuffix(folder, "]") {
								sub = folder + " " + fi.Name() + "/"
							}
							walk(sub, filepath.Join(dir, fi.Name()))
						}
					}
				}
			}
			folder := "[" + p.Datastore + "]"
			if p.Path != "" {
				folder = "[" + p.Datastore + "] " + strings.TrimSuffix(p.Path, "/") + "/"
			}
			walk(folder, root)
			if recurse {
				return types.ArrayOfHostDatastoreBrowserSearchResults{HostDatastoreBrowserSearchResults: results}, nil
			}
			return results[0], nil
		})
		taskResponse(c, name, ref)
		return true
	}
}

// searchMatch is the FileInfo of a matching file, or nil.
func searchMatch(spec *types.HostDatastoreBrowserSearchSpec, dir string, fi os.FileInfo) types.BaseFileInfo {
	name := fi.Name()
	matched := len(spec.MatchPattern) == 0
	for _, m := range spec.MatchPattern {
		if ok, _ := path.Match(m, name); ok {
			matched = true
			break
		}
	}
	if !matched {
		return nil
	}
	ext := strings.ToLower(path.Ext(name))
	isExtent := strings.HasSuffix(name, "-flat.vmdk") || extentFile.MatchString(name)
	var kind string
	switch {
	case fi.IsDir():
		kind = "folder"
	case ext == ".vmdk" && !isExtent:
		kind = "disk"
	case ext == ".iso":
		kind = "iso"
	case ext == ".flp":
		kind = "floppy"
	default:
		kind = "file"
	}
	wanted := len(spec.Query) == 0
	var diskDetails *types.VmDiskFileQueryFlags
	for _, q := range spec.Query {
		switch q := q.(type) {
		case *types.FileQuery:
			wanted = true
		case *types.FolderFileQuery:
			wanted = wanted || kind == "folder"
		case *types.VmDiskFileQuery:
			if kind == "disk" {
				wanted = true
				diskDetails = q.Details
			}
		case *types.IsoImageFileQuery:
			wanted = wanted || kind == "iso"
		case *types.FloppyImageFileQuery:
			wanted = wanted || kind == "floppy"
		}
	}
	if !wanted {
		return nil
	}
	details := spec.Details
	if details == nil {
		details = &types.FileQueryFlags{}
	}
	info := types.FileInfo{Path: name}
	size := fi.Size()
	var d *descriptor
	if kind == "disk" {
		d = readDescriptor(filepath.Join(dir, name))
		if d != nil {
			for _, e := range d.extents {
				if efi, err := os.Stat(filepath.Join(dir, e.file)); err == nil {
					size += efi.Size()
				}
			}
		}
	}
	if details.FileSize {
		info.FileSize = size
	}
	if details.Modification {
		mtime := fi.ModTime()
		info.Modification = &mtime
	}
	if !details.FileType && len(spec.Query) == 0 {
		return &info
	}
	switch kind {
	case "folder":
		return &types.FolderFileInfo{FileInfo: info}
	case "iso":
		return &types.IsoImageFileInfo{FileInfo: info}
	case "floppy":
		return &types.FloppyImageFileInfo{FileInfo: info}
	case "disk":
		disk := &types.VmDiskFileInfo{FileInfo: info}
		if d != nil && diskDetails != nil {
			if diskDetails.CapacityKb {
				disk.CapacityKb = d.capacityKb()
			}
			if diskDetails.ControllerType != nil && *diskDetails.ControllerType {
				disk.ControllerType = controllerTypes[d.adapter]
			}
			if diskDetails.Thin != nil && *diskDetails.Thin {
				disk.Thin = types.NewBool(d.thin)
			}
			if diskDetails.DiskType {
				disk.DiskType = "VirtualDiskFlatVer2BackingInfo"
			}
			if diskDetails.HardwareVersion {
				disk.HardwareVersion = d.hwVersion
			}
		}
		return disk
	}
	return &info
}

func (rt *router) refreshDatastore(c *call) bool {
	ds, ok := simulator.Map.Get(c.method.This).(*simulator.Datastore)
	if !ok {
		return false
	}
	updateSpace(ds)
	writeResponse(c.w, "RefreshDatastoreResponse", nil)
	return true
}

func isTrue(b *bool) bool { return b != nil && *b }
