// Command vcsim runs govmomi's vCenter/ESX simulator as the test peer of esx-rs, with the behaviours
// of real servers that vcsim 0.24 lacks (see README.md): xsi wire style, paging, VM questions,
// long-running cancelable tasks, strict and expirable sessions, missing methods, real .vmx files.
//
// It prints the SDK URL as its first stdout line, then "control=...", with -tls "thumbprint=..." and
// the PEM of the server certificate and of its CA, then "ready". It stops on SIGINT/SIGTERM, and with -exit-on-stdin-eof when its standard input closes.
package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25/types"
)

// patterns is a comma-separated list of shell patterns matched against VM names.
type patterns []string

func (p *patterns) String() string { return strings.Join(*p, ",") }
func (p *patterns) Set(s string) error {
	*p = nil
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			if _, err := path.Match(x, ""); err != nil {
				return fmt.Errorf("bad pattern %q: %v", x, err)
			}
			*p = append(*p, x)
		}
	}
	return nil
}

func (p patterns) match(name string) bool {
	for _, x := range p {
		if ok, _ := path.Match(x, name); ok {
			return true
		}
	}
	return false
}

type config struct {
	model            string
	listen           string
	controlListen    string
	tls              bool
	tlsSelfSignedCA  bool
	wire             wireStyle
	username         string
	password         string
	datacenters      int
	clusters         int
	clusterHosts     int
	standaloneHosts  int
	vms              int
	datastores       int
	folders          int
	placement        placement
	pageSize         int
	strictSessions   bool
	sessionIdle      time.Duration
	taskDuration     time.Duration
	slowVMs          patterns
	slowTaskDuration time.Duration
	questionVMs      patterns
	noncancelableVMs patterns
	writeVMX         bool
	iscsi            bool
	exitOnStdinEOF   bool
	storage          bool
	storageDisks     int
	trace            bool
	screenshots      bool
	hostIPs          hostIPs
}

// taskDurationFor is how long the tasks of a VM run.
func (c *config) taskDurationFor(vm string) time.Duration {
	if c.slowVMs.match(vm) && c.slowTaskDuration > c.taskDuration {
		return c.slowTaskDuration
	}
	return c.taskDuration
}

func parseFlags(args []string) (*config, error) {
	c := &config{slowVMs: patterns{"*slow*"}, questionVMs: patterns{"*question*"}, noncancelableVMs: patterns{"*noncancel*"}}
	fs := flag.NewFlagSet("vcsim", flag.ContinueOnError)
	var wire string
	fs.StringVar(&c.model, "model", "esx", "inventory model: esx (one host, ha-datacenter) or vpx (vCenter)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "address to listen on (port 0: a free port)")
	fs.StringVar(&c.controlListen, "control-listen", "127.0.0.1:0", "plain-http address of the /_sim/ control endpoints (\"\": none)")
	fs.BoolVar(&c.tls, "tls", false, "serve https with a generated CA and server certificate")
	fs.BoolVar(&c.tlsSelfSignedCA, "tls-self-signed-ca", false, "with -tls: present one self-signed certificate that is also a CA (basicConstraints CA:TRUE), as openssl req -x509 makes and many ESXi hosts present")
	fs.StringVar(&wire, "wire", "xsi", "response style: xsi (as real hosts) or vcsim (vcsim's XMLSchema-instance prefix)")
	fs.StringVar(&c.username, "username", "user", "the only user name accepted by Login")
	fs.StringVar(&c.password, "password", "pass", "the only password accepted by Login")
	fs.IntVar(&c.datacenters, "dc", 1, "vpx: number of datacenters")
	fs.IntVar(&c.clusters, "cluster", 1, "vpx: clusters per datacenter")
	fs.IntVar(&c.clusterHosts, "host", 3, "vpx: hosts per cluster")
	fs.IntVar(&c.standaloneHosts, "standalone-host", 1, "vpx: standalone hosts per datacenter")
	fs.IntVar(&c.vms, "vm", 2, "VMs per host (esx) or per standalone host and cluster (vpx)")
	fs.IntVar(&c.datastores, "ds", 1, "datastores per datacenter (VMs live on LocalDS_0)")
	fs.IntVar(&c.folders, "folder", 0, "vpx: the last N datacenters each in a folder F<i> (their hosts and clusters in a folder F<i> of the host folder)")
	var place string
	fs.StringVar(&place, "place-vms", string(placeRoundRobin), "vpx: round-robin (the i-th VM of a cluster on its host i mod n) or random (vcsim's choice)")
	fs.IntVar(&c.pageSize, "page-size", 100, "most objects in a RetrievePropertiesEx page")
	fs.BoolVar(&c.strictSessions, "strict-sessions", true, "require a session for RetrieveProperties(Ex) and /folder, as real servers do")
	fs.DurationVar(&c.sessionIdle, "session-idle-timeout", 0, "expire sessions idle this long (0: never)")
	fs.DurationVar(&c.taskDuration, "task-duration", 0, "run time of power, migrate and extend-disk tasks (0: synchronous, as vcsim)")
	fs.Var(&c.slowVMs, "slow-vms", "VM name patterns whose tasks take -slow-task-duration")
	fs.DurationVar(&c.slowTaskDuration, "slow-task-duration", 2*time.Second, "task run time for -slow-vms")
	fs.Var(&c.questionVMs, "question-vms", "VM name patterns that ask a question at each power-on")
	fs.Var(&c.noncancelableVMs, "noncancelable-vms", "VM name patterns whose long tasks cannot be cancelled")
	fs.BoolVar(&c.writeVMX, "vmx", true, "write a minimal .vmx for VMs whose .vmx is empty")
	fs.BoolVar(&c.storage, "storage", false, "storage as real hosts have it: mount paths, fixed capacities, LocalDS_0 on VMFS, an NFS datastore nfs_0 with images and disks, VMDK descriptors (see storage.go)")
	fs.IntVar(&c.storageDisks, "storage-disks", 0, "with -storage: further thin disks many/diskNNNN.vmdk on nfs_0")
	fs.BoolVar(&c.iscsi, "iscsi", false, "give every host a software iSCSI adapter with static targets and LUNs")
	fs.BoolVar(&c.exitOnStdinEOF, "exit-on-stdin-eof", false, "exit when standard input closes (for test harnesses)")
	fs.BoolVar(&c.trace, "trace", false, "log SOAP traffic to stderr")
	fs.BoolVar(&c.screenshots, "screenshots", true, "hosts report capability.screenshotSupported and /screen serves PNGs of powered-on VMs")
	fs.Var(&c.hostIPs, "host-ip", "HOST=IP[,...]: the management address (vmk0) of named hosts, which SearchIndex.FindByIp finds them by (vcsim gives all 127.0.0.1)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch wireStyle(wire) {
	case wireXSI, wireVcsim:
		c.wire = wireStyle(wire)
	default:
		return nil, fmt.Errorf("-wire must be xsi or vcsim, not %q", wire)
	}
	switch placement(place) {
	case placeRoundRobin, placeRandom:
		c.placement = placement(place)
	default:
		return nil, fmt.Errorf("-place-vms must be round-robin or random, not %q", place)
	}
	if c.folders < 0 || c.folders > c.datacenters {
		return nil, fmt.Errorf("-folder must be between 0 and -dc (%d)", c.datacenters)
	}
	if c.model != "esx" && c.model != "vpx" {
		return nil, fmt.Errorf("-model must be esx or vpx, not %q", c.model)
	}
	if c.pageSize < 1 {
		return nil, fmt.Errorf("-page-size must be at least 1")
	}
	return c, nil
}

func buildModel(c *config) *simulator.Model {
	var m *simulator.Model
	if c.model == "vpx" {
		m = simulator.VPX()
		m.Datacenter = c.datacenters
		m.Cluster = c.clusters
		m.ClusterHost = c.clusterHosts
		m.Host = c.standaloneHosts
		m.Folder = c.folders
	} else {
		m = simulator.ESX()
	}
	m.Machine = c.vms
	m.Datastore = c.datastores
	return m
}

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("vcsim: ")
	c, err := parseFlags(os.Args[1:])
	if err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "vcsim: %v\n", err)
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintf(os.Stderr, "vcsim: %v\n", err)
		os.Exit(1)
	}
}

func run(c *config) error {
	begin := time.Now()
	simulator.Trace = c.trace
	setSessionIdleTimeout(c.sessionIdle)

	m := buildModel(c)
	defer m.Remove() // the datastore folders
	// Building a large inventory allocates a lot of short-lived garbage: collecting less often
	// while building saves about a third of the CPU time for 10,000 VMs.
	gc := debug.SetGCPercent(400)
	if err := m.Create(); err != nil {
		return fmt.Errorf("creating the %s model: %v", c.model, err)
	}
	debug.SetGCPercent(gc)
	setVcpuLimits()
	if c.screenshots {
		setScreenshotSupport()
	}
	if c.model == "vpx" {
		if c.placement == placeRoundRobin {
			spreadClusterVMs()
		}
		identifyHosts()
	}
	if err := setHostIPs(c.hostIPs); err != nil {
		return err
	}
	created := time.Now()

	if c.writeVMX {
		if err := writeAllVMX(); err != nil {
			return err
		}
	}
	installAutoStartManagers()
	installHostNetworks()
	tagDistributedPortGroups()
	simulator.Map.AddHandler(&recentTasks{self: types.ManagedObjectReference{Type: "EsxRsRecentTasks", Value: "recent-tasks"}})
	if c.writeVMX {
		simulator.Map.AddHandler(&vmxWriter{self: types.ManagedObjectReference{Type: "EsxRsVmxWriter", Value: "vmx-writer"}})
	}

	var cert *serverCert
	var err error
	if c.tls {
		if c.tlsSelfSignedCA {
			cert, err = newSelfSignedCACert()
		} else {
			cert, err = newServerCert()
		}
		if err != nil {
			return fmt.Errorf("generating a certificate: %v", err)
		}
		m.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert.tls}}
	}
	m.Service.Listen = &url.URL{Host: c.listen, User: url.UserPassword(c.username, c.password)}
	// The server is not closed on exit: Close waits for open requests, such as a WaitForUpdatesEx
	// long poll. Exiting ends them.
	server := m.Service.NewServer()

	client, err := internalClient(m.Service)
	if err != nil {
		return fmt.Errorf("in-process client: %v", err)
	}
	if c.storage {
		cleanup, err := installStorage(client, c.storageDisks)
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil {
			return fmt.Errorf("storage: %v", err)
		}
	}
	rt := newRouter(c, server.Config.Handler)
	rt.registerSessionControl(client)
	rt.registerPaging()
	rt.registerGC()
	rt.registerCancelTask()
	rt.registerQuestions()
	rt.registerPower()
	rt.registerMethods()
	rt.registerNetwork()
	if c.storage {
		rt.registerStorage()
	}
	rt.registerIscsi()
	// NewServer has already started serving; swapping the handler is safe because no client knows
	// the address before it is printed below.
	server.Config.Handler = rt

	var control string
	if c.controlListen != "" {
		l, err := net.Listen("tcp", c.controlListen)
		if err != nil {
			return fmt.Errorf("control listener: %v", err)
		}
		defer l.Close()
		go func() { _ = http.Serve(l, rt.control) }()
		control = "http://" + l.Addr().String()
	}

	u := *server.URL
	u.User = nil
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, u.String())
	if control != "" {
		fmt.Fprintf(out, "control=%s\n", control)
	}
	if cert != nil {
		fmt.Fprintf(out, "thumbprint=%s\n", cert.thumbprint)
		out.Write(cert.certPEM)
		out.Write(cert.caPEM)
	}
	fmt.Fprintln(out, "ready")
	_ = out.Flush()
	log.Printf("%s model with %d VMs built in %v, serving %s (wire %s) after %v",
		c.model, len(simulator.Map.All("VirtualMachine")), created.Sub(begin).Round(time.Millisecond),
		u.String(), c.wire, time.Since(begin).Round(time.Millisecond))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if c.exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(ioutil.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	<-stop
	return nil
}
