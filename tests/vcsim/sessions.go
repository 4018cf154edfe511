// Sessions as real servers enforce them: vcsim lets RetrieveProperties run without a session and has
// no way to end all sessions at once; tests of re-login need both.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// laxMethods are the property-collector calls vcsim serves without a session; they are checked here
// only with -strict-sessions (the default), as vCenter and ESX answer NotAuthenticated.
var laxMethods = map[string]bool{
	"RetrieveProperties":           true,
	"RetrievePropertiesEx":         true,
	"ContinueRetrievePropertiesEx": true,
	"CancelRetrievePropertiesEx":   true,
}

const probeBody = `<?xml version="1.0" encoding="UTF-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/">` +
	`<Body><CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime></Body></Envelope>`

// authenticated asks the simulator whether the caller's cookie names a live session, by replaying a
// cheap call that needs one (CurrentTime) with the same cookie; this also counts as activity for the
// idle timeout, as the real call would. On failure the simulator's NotAuthenticated fault is relayed.
func (rt *router) authenticated(c *call) bool {
	if laxMethods[c.method.Name] && !rt.cfg.strictSessions {
		return true
	}
	rec := rt.probe(c.r)
	if rec.Code == http.StatusOK {
		return true
	}
	copyHeaders(c.w, rec)
	c.w.WriteHeader(rec.Code)
	_, _ = c.w.Write(rec.Body.Bytes())
	return false
}

// probe replays CurrentTime with the cookies of r.
func (rt *router) probe(r *http.Request) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/sdk", strings.NewReader(probeBody))
	req.RemoteAddr = r.RemoteAddr
	req.Header.Set("User-Agent", r.UserAgent())
	for _, ck := range r.Cookies() {
		req.AddCookie(ck)
	}
	return record(rt.sim, req)
}

// internalClient talks to the simulator in process, with its internal (never expiring) session.
func internalClient(svc *simulator.Service) (*vim25.Client, error) {
	return vim25.NewClient(context.Background(), svc)
}

// expireSessions terminates every user session, as if they had all been idle too long.
func expireSessions(c *vim25.Client) (int, error) {
	ctx := context.Background()
	ref := *c.ServiceContent.SessionManager
	var sm mo.SessionManager
	if err := property.DefaultCollector(c).RetrieveOne(ctx, ref, []string{"sessionList"}, &sm); err != nil {
		return 0, err
	}
	var keys []string
	for _, s := range sm.SessionList {
		keys = append(keys, s.Key)
	}
	if len(keys) == 0 {
		return 0, nil
	}
	_, err := methods.TerminateSession(ctx, c, &types.TerminateSession{This: ref, SessionId: keys})
	return len(keys), err
}

// registerSessionControl adds POST /_sim/expire-sessions.
func (rt *router) registerSessionControl(c *vim25.Client) {
	rt.control.HandleFunc("/_sim/expire-sessions", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		n, err := expireSessions(c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "expired %d sessions\n", n)
	})
}

func setSessionIdleTimeout(d time.Duration) { simulator.SessionIdleTimeout = d }
