// The HTTP layer in front of the simulator: it routes the SOAP methods we extend or override to our
// handlers, enforces sessions where vcsim is lax, and leaves every other call to the simulator.
package main

import (
	"bytes"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/vmware/govmomi/simulator"
)

// call is one decoded SOAP request handed to an extension.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	body   []byte
	method *simulator.Method
	cookie string
}

// extension handles one SOAP method. It returns false when the simulator should handle the call
// after all (e.g. a power operation on a VM without any configured behaviour).
type extension func(c *call) bool

type router struct {
	cfg     *config
	sim     http.Handler // the simulator's own mux
	exts    map[string]extension
	pages   *pageStore
	control *http.ServeMux
}

func newRouter(cfg *config, sim http.Handler) *router {
	rt := &router{cfg: cfg, sim: sim, exts: map[string]extension{}, pages: newPageStore()}
	rt.control = http.NewServeMux()
	return rt
}

// handle registers an extension for a SOAP method name.
func (rt *router) handle(method string, ext extension) { rt.exts[method] = ext }

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/_sim/"):
		rt.control.ServeHTTP(w, r)
	case strings.HasPrefix(r.URL.Path, "/folder/") || r.URL.Path == "/folder":
		rt.serveFolder(w, r)
	case r.URL.Path == "/screen":
		rt.serveScreen(w, r)
	case r.Method == http.MethodPost && (r.URL.Path == "/sdk" || r.URL.Path == "/sdk/vimService"):
		rt.serveSOAP(w, r)
	default:
		rt.sim.ServeHTTP(w, r)
	}
}

// serveSOAP dispatches one SOAP call and rewrites the response to the configured wire style.
func (rt *router) serveSOAP(w http.ResponseWriter, r *http.Request) {
	body, err := ioutil.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))

	rec := httptest.NewRecorder()
	rt.dispatch(rec, r, body)

	copyHeaders(w, rec)
	out := rec.Body.Bytes()
	if rt.cfg.wire == wireXSI {
		out = rewriteXSI(out)
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(out)
}

func (rt *router) dispatch(w http.ResponseWriter, r *http.Request, body []byte) {
	name := methodName(body)
	ext, ok := rt.exts[name]
	if !ok {
		rt.sim.ServeHTTP(w, r)
		return
	}
	method, err := decodeRequest(body)
	if err != nil {
		// Let the simulator produce its usual fault for a malformed request.
		rt.sim.ServeHTTP(w, r)
		return
	}
	c := &call{w: w, r: r, body: body, method: method}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		c.cookie = ck.Value
	}
	if !rt.authenticated(c) {
		return
	}
	if !ext(c) {
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		rt.sim.ServeHTTP(w, r)
	}
}
