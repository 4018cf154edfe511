// Paging of RetrievePropertiesEx as vCenter does it: vcsim ignores options.maxObjects and has no
// ContinueRetrievePropertiesEx. We let the simulator compute the whole result, cut it into pages of
// at most min(maxObjects, -page-size) objects, and keep the rest under a token for the session.
package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/vmware/govmomi/vim25/types"
)

// pagedResult is what remains of one RetrievePropertiesEx result.
type pagedResult struct {
	cookie    string                       // the session that may continue it
	collector types.ManagedObjectReference // the PropertyCollector it belongs to
	objects   [][]byte                     // encoded <objects> elements not yet returned
	pageSize  int
}

type pageStore struct {
	mu      sync.Mutex
	next    int
	results map[string]*pagedResult
	order   []string // tokens by age, to bound memory
}

// maxPendingResults bounds the results kept for clients that never continue nor cancel.
const maxPendingResults = 1000

func newPageStore() *pageStore { return &pageStore{results: map[string]*pagedResult{}} }

func (s *pageStore) put(p *pagedResult) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	token := fmt.Sprint(s.next)
	s.results[token] = p
	s.order = append(s.order, token)
	for len(s.order) > maxPendingResults {
		delete(s.results, s.order[0])
		s.order = s.order[1:]
	}
	return token
}

// take removes and returns the result for token if it belongs to the caller.
func (s *pageStore) take(token, cookie string, pc types.ManagedObjectReference) *pagedResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.results[token]
	if !ok || p.cookie != cookie || p.collector != pc {
		return nil
	}
	delete(s.results, token)
	for i, t := range s.order {
		if t == token {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	return p
}

func (rt *router) registerPaging() {
	rt.handle("RetrieveProperties", func(*call) bool { return false }) // session check only
	rt.handle("RetrievePropertiesEx", rt.retrievePropertiesEx)
	rt.handle("ContinueRetrievePropertiesEx", rt.continueRetrievePropertiesEx)
	rt.handle("CancelRetrievePropertiesEx", rt.cancelRetrievePropertiesEx)
}

func (rt *router) pageSizeFor(maxObjects int32) int {
	size := rt.cfg.pageSize
	if maxObjects > 0 && int(maxObjects) < size {
		size = int(maxObjects)
	}
	return size
}

func (rt *router) retrievePropertiesEx(c *call) bool {
	req := c.method.Body.(*types.RetrievePropertiesEx)
	pageSize := rt.pageSizeFor(req.Options.MaxObjects)

	rec := httptest.NewRecorder()
	rt.sim.ServeHTTP(rec, c.r)
	copyHeaders(c.w, rec)
	doc := rec.Body.Bytes()
	if rec.Code != http.StatusOK {
		writeXML(c.w, rec.Code, doc)
		return true
	}
	open, close, objects, ok := splitObjects(doc)
	if !ok || len(objects) <= pageSize {
		writeXML(c.w, rec.Code, doc)
		return true
	}
	token := rt.pages.put(&pagedResult{
		cookie:    c.cookie,
		collector: req.This,
		objects:   objects[pageSize:],
		pageSize:  pageSize,
	})
	var out bytes.Buffer
	out.Grow(len(doc))
	out.Write(doc[:open])
	fmt.Fprintf(&out, "<token>%s</token>", token)
	for _, o := range objects[:pageSize] {
		out.Write(o)
	}
	out.Write(doc[close:])
	writeXML(c.w, http.StatusOK, out.Bytes())
	return true
}

func (rt *router) continueRetrievePropertiesEx(c *call) bool {
	req := c.method.Body.(*types.ContinueRetrievePropertiesEx)
	p := rt.pages.take(req.Token, c.cookie, req.This)
	if p == nil {
		unknownToken(c.w, req.Token)
		return true
	}
	n := p.pageSize
	if n > len(p.objects) {
		n = len(p.objects)
	}
	page, rest := p.objects[:n], p.objects[n:]

	var out bytes.Buffer
	out.WriteString(`<ContinueRetrievePropertiesExResponse xmlns="urn:vim25"><returnval>`)
	if len(rest) > 0 {
		p.objects = rest
		fmt.Fprintf(&out, "<token>%s</token>", rt.pages.put(p))
	}
	for _, o := range page {
		out.Write(o)
	}
	out.WriteString(`</returnval></ContinueRetrievePropertiesExResponse>`)
	writeRaw(c.w, http.StatusOK, out.Bytes())
	return true
}

func (rt *router) cancelRetrievePropertiesEx(c *call) bool {
	req := c.method.Body.(*types.CancelRetrievePropertiesEx)
	if rt.pages.take(req.Token, c.cookie, req.This) == nil {
		unknownToken(c.w, req.Token)
		return true
	}
	writeResponse(c.w, "CancelRetrievePropertiesExResponse", nil)
	return true
}

// unknownToken answers as vCenter does for a token it does not know (never issued, already used up,
// cancelled, or issued to another session).
func unknownToken(w http.ResponseWriter, token string) {
	writeFault(w, fmt.Sprintf("A specified parameter was not correct: token %q", token),
		&types.InvalidArgument{InvalidProperty: "token"})
}

var (
	objectsOpen  = []byte("<objects>")
	objectsClose = []byte("</objects>")
)

// splitObjects finds the top-level <objects> elements of a RetrievePropertiesEx response. It returns
// the offsets where the first object starts and the last one ends, and each object's bytes. Text is
// escaped, so the literal tags only occur as markup; nesting is counted in case a value ever contains
// an element of the same name.
func splitObjects(doc []byte) (start, end int, objects [][]byte, ok bool) {
	limit := bytes.LastIndex(doc, []byte("</returnval>"))
	if limit < 0 {
		return 0, 0, nil, false
	}
	body := doc[:limit]
	first := bytes.Index(body, objectsOpen)
	if first < 0 {
		return 0, 0, nil, false
	}
	pos, depth, objStart := first, 0, 0
	for pos < len(body) {
		c := bytes.Index(body[pos:], objectsClose)
		if c < 0 {
			break
		}
		o := bytes.Index(body[pos:pos+c], objectsOpen)
		if o >= 0 {
			if depth == 0 {
				objStart = pos + o
			}
			depth++
			pos += o + len(objectsOpen)
			continue
		}
		depth--
		pos += c + len(objectsClose)
		if depth < 0 {
			return 0, 0, nil, false
		}
		if depth == 0 {
			objects = append(objects, doc[objStart:pos])
			end = pos
		}
	}
	return first, end, objects, depth == 0 && len(objects) > 0
}
