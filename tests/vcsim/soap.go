// SOAP plumbing shared by the extensions: reading the method of a request, and writing responses and
// faults in the same envelope the simulator itself uses, so that both go through the same wire-style
// rewriting.
package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	vimxml "github.com/vmware/govmomi/vim25/xml"
)

const (
	envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"` +
		` xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"` +
		` xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
	envelopeClose = `</soapenv:Body></soapenv:Envelope>`
	vimNamespace  = "urn:vim25"
)

// sessionCookie is the cookie name vSphere uses for the SOAP session.
var sessionCookie = soap.SessionCookieName

// methodName returns the local name of the first element inside the SOAP Body, without decoding the
// rest: routing must stay cheap for calls that go straight to the simulator.
func methodName(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if start, ok := tok.(xml.StartElement); ok {
			if inBody {
				return start.Name.Local
			}
			if start.Name.Local == "Body" {
				inBody = true
			}
		}
	}
}

// decodeRequest decodes a request body into its govmomi request type (e.g. *types.AnswerVM).
func decodeRequest(body []byte) (*simulator.Method, error) {
	return simulator.UnmarshalBody(types.TypeFunc(), body)
}

// writeResponse writes a successful response element `<name xmlns="urn:vim25">val</name>`.
func writeResponse(w http.ResponseWriter, name string, val interface{}) {
	var out bytes.Buffer
	out.WriteString(envelopeOpen)
	if val == nil || reflect.ValueOf(val).IsNil() {
		fmt.Fprintf(&out, `<%s xmlns="%s"></%s>`, name, vimNamespace, name)
	} else {
		e := vimxml.NewEncoder(&out)
		start := vimxml.StartElement{Name: vimxml.Name{Space: vimNamespace, Local: name}}
		if err := e.EncodeElement(val, start); err != nil {
			writeFault(w, fmt.Sprintf("encoding %s: %s", name, err), &types.SystemError{Reason: err.Error()})
			return
		}
		_ = e.Flush()
	}
	out.WriteString(envelopeClose)
	writeXML(w, http.StatusOK, out.Bytes())
}

// writeRaw writes a response whose body element is already encoded.
func writeRaw(w http.ResponseWriter, status int, element []byte) {
	var out bytes.Buffer
	out.Grow(len(envelopeOpen) + len(element) + len(envelopeClose))
	out.WriteString(envelopeOpen)
	out.Write(element)
	out.WriteString(envelopeClose)
	writeXML(w, status, out.Bytes())
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeFault writes a SOAP fault carrying a typed vSphere fault, as the simulator and real servers do:
// `<detail><InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument">...`.
func writeFault(w http.ResponseWriter, msg string, fault types.BaseMethodFault) {
	kind := reflect.TypeOf(fault).Elem().Name()
	var detail bytes.Buffer
	e := vimxml.NewEncoder(&detail)
	start := vimxml.StartElement{
		Name: vimxml.Name{Local: kind + "Fault"},
		Attr: []vimxml.Attr{
			{Name: vimxml.Name{Local: "xmlns"}, Value: vimNamespace},
			{Name: vimxml.Name{Local: "xsi:type"}, Value: kind},
		},
	}
	if err := e.EncodeElement(fault, start); err != nil {
		detail.Reset()
	}
	_ = e.Flush()

	var out bytes.Buffer
	out.WriteString(`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>`)
	_ = xml.EscapeText(&out, []byte(msg))
	out.WriteString(`</faultstring><detail>`)
	out.Write(detail.Bytes())
	out.WriteString(`</detail></soapenv:Fault>`)
	writeRaw(w, http.StatusInternalServerError, out.Bytes())
}

// faultResult is what extension handlers return when a call fails before any task exists.
type faultResult struct {
	msg   string
	fault types.BaseMethodFault
}

func (f *faultResult) write(w http.ResponseWriter) { writeFault(w, f.msg, f.fault) }

func newFault(msg string, fault types.BaseMethodFault) *faultResult {
	return &faultResult{msg: msg, fault: fault}
}

// record runs a handler against a captured response, for post-processing before it goes on the wire.
func record(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// copyHeaders copies a recorded response's headers (Set-Cookie included) to the real writer.
func copyHeaders(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, vs := range rec.Header() {
		if k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}
