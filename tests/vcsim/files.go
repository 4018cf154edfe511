// The /folder datastore file endpoint as real servers serve it: a session cookie is required
// (vcsim serves anyone), and DELETE removes the file (vcsim answers 200 and keeps it).
package main

import (
	"io"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func (rt *router) serveFolder(w http.ResponseWriter, r *http.Request) {
	if rt.cfg.strictSessions {
		if rec := rt.probe(r); rec.Code != http.StatusOK {
			// Read what the client sends before refusing it: closing a connection with unread
			// request bytes makes the kernel reset it, and the client may lose the 401.
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
			http.Error(w, "not authenticated: log in first and send the vmware_soap_session cookie", http.StatusUnauthorized)
			return
		}
	}
	if r.Method == http.MethodDelete {
		rt.deleteFile(w, r)
		return
	}
	rt.sim.ServeHTTP(w, r)
}

// datacenterByPath finds a datacenter by its inventory path (or name); "" means the first one.
func datacenterByPath(p string) *simulator.Datacenter {
	p = strings.Trim(p, "/")
	name := path.Base(p)
	for _, e := range simulator.Map.All("Datacenter") {
		dc := e.(*simulator.Datacenter)
		if p == "" || dc.Name == name {
			return dc
		}
	}
	return nil
}

func (rt *router) deleteFile(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dc := datacenterByPath(q.Get("dcPath"))
	if dc == nil {
		http.Error(w, "no such datacenter", http.StatusNotFound)
		return
	}
	var dcRef *types.ManagedObjectReference = &dc.Self
	ds := findDatastore(q.Get("dsName"), dcRef)
	if ds == nil {
		http.Error(w, "no such datastore", http.StatusNotFound)
		return
	}
	rel := path.Clean("/" + strings.TrimPrefix(r.URL.Path, "/folder"))
	if rel == "/" {
		http.Error(w, "refusing to delete the datastore root", http.StatusForbidden)
		return
	}
	file := path.Join(ds.Info.GetDatastoreInfo().Url, rel)
	info, err := os.Stat(file)
	switch {
	case os.IsNotExist(err):
		http.Error(w, "no such file", http.StatusNotFound)
		return
	case err != nil || info.IsDir():
		http.Error(w, "not a file", http.StatusBadRequest)
		return
	}
	if err := os.Remove(file); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
