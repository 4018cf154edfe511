// The govmomi peer of the benchmark page: lists the name and power state of every VM the way govc
// does (one ContainerView of the root folder, one RetrievePropertiesEx without maxObjects,
// following ContinueRetrievePropertiesEx tokens), then prints `name<TAB>state` lines sorted by
// name and `N VMs`, as esx-vi's list_vms example does.
//
// Built in GOPATH mode against Debian's golang-github-vmware-govmomi-dev (scripts/bench):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o OUT ./benches/peers/govmomi
//
// Usage: govmomi-list -url http://127.0.0.1:PORT/sdk -user U -password P [-insecure]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	rawURL := flag.String("url", "", "SDK URL, e.g. https://vcenter/sdk")
	user := flag.String("user", "", "user name")
	password := flag.String("password", "", "password")
	insecure := flag.Bool("insecure", false, "accept any server certificate")
	flag.Parse()
	if err := run(*rawURL, *user, *password, *insecure); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(rawURL, user, password string, insecure bool) error {
	ctx := context.Background()
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("-url: %v", err)
	}
	u.User = url.UserPassword(user, password)
	client, err := govmomi.NewClient(ctx, u, insecure)
	if err != nil {
		return err
	}
	defer client.Logout(ctx)

	manager := view.NewManager(client.Client)
	v, err := manager.CreateContainerView(ctx, client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return err
	}
	defer v.Destroy(ctx)

	pc := client.ServiceContent.PropertyCollector
	req := types.RetrievePropertiesEx{
		This: pc,
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{
				Obj:       v.Reference(),
				Skip:      types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
			}},
			PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState"}}},
		}},
	}
	var contents []types.ObjectContent
	res, err := methods.RetrievePropertiesEx(ctx, client.Client, &req)
	if err != nil {
		return err
	}
	for result := res.Returnval; result != nil; {
		contents = append(contents, result.Objects...)
		if result.Token == "" {
			break
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, client.Client, &types.ContinueRetrievePropertiesEx{This: pc, Token: result.Token})
		if err != nil {
			return err
		}
		result = &next.Returnval
	}
	var vms []mo.VirtualMachine
	if err := mo.LoadObjectContent(contents, &vms); err != nil {
		return err
	}
	rows := make([]string, 0, len(vms))
	for _, vm := range vms {
		rows = append(rows, vm.Name+"\t"+string(vm.Runtime.PowerState))
	}
	sort.Strings(rows)
	var out strings.Builder
	for _, row := range rows {
		out.WriteString(row)
		out.WriteByte('\n')
	}
	fmt.Fprintf(&out, "%d VMs\n", len(rows))
	_, err = os.Stdout.WriteString(out.String())
	return err
}
