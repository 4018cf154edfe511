// The wire-style switch. vcsim marks types as `XMLSchema-instance:type` (declaring that prefix on each
// element) and leaves the items of ArrayOfX values untyped; real ESX and vCenter write `xsi:type`,
// with `xsi` declared once on the envelope, and type every array item. In -wire xsi mode every SOAP
// response is rewritten to the real servers' form.
package main

import (
	"bytes"
	"strings"
)

type wireStyle string

const (
	wireXSI   wireStyle = "xsi"
	wireVcsim wireStyle = "vcsim"
)

const (
	xsiNamespace  = "http://www.w3.org/2001/XMLSchema-instance"
	vcsimXSIDecl  = `xmlns:XMLSchema-instance="` + xsiNamespace + `"`
	vcsimTypeAttr = "XMLSchema-instance:type"
)

// primitiveItemTypes maps ArrayOfX value types whose items are XML Schema primitives.
var primitiveItemTypes = map[string]string{
	"ArrayOfString":       "xsd:string",
	"ArrayOfInt":          "xsd:int",
	"ArrayOfLong":         "xsd:long",
	"ArrayOfShort":        "xsd:short",
	"ArrayOfByte":         "xsd:byte",
	"ArrayOfBoolean":      "xsd:boolean",
	"ArrayOfDouble":       "xsd:double",
	"ArrayOfFloat":        "xsd:float",
	"ArrayOfDateTime":     "xsd:dateTime",
	"ArrayOfAnyURI":       "xsd:anyURI",
	"ArrayOfBase64Binary": "xsd:base64Binary",
	"ArrayOfAnyType":      "xsd:anyType",
}

// arrayItemType returns the xsi:type of the items of a value of type t, or "" if t is no array type.
func arrayItemType(t string) string {
	if !strings.HasPrefix(t, "ArrayOf") {
		return ""
	}
	if p, ok := primitiveItemTypes[t]; ok {
		return p
	}
	return strings.TrimPrefix(t, "ArrayOf")
}

// rewriteXSI rewrites a SOAP document produced by the simulator (or by us, the same way) to the real
// servers' style. The input is well-formed XML written by Go's encoder: attribute values are quoted
// with '"' and escape '<' and '>', so tags can be delimited by scanning for '>'.
func rewriteXSI(in []byte) []byte {
	if !bytes.Contains(in, []byte(vcsimTypeAttr)) && !bytes.Contains(in, []byte("ArrayOf")) {
		return in
	}
	out := make([]byte, 0, len(in)+len(in)/8)
	// stack of the item type of each open element ("" when the element is not an array value)
	stack := make([]string, 0, 32)
	i := 0
	for i < len(in) {
		lt := bytes.IndexByte(in[i:], '<')
		if lt < 0 {
			out = append(out, in[i:]...)
			break
		}
		out = append(out, in[i:i+lt]...)
		i += lt
		gt := bytes.IndexByte(in[i:], '>')
		if gt < 0 {
			out = append(out, in[i:]...)
			break
		}
		tag := in[i : i+gt+1]
		i += gt + 1
		switch {
		case len(tag) > 1 && (tag[1] == '?' || tag[1] == '!'):
			out = append(out, tag...)
		case len(tag) > 1 && tag[1] == '/':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			out = append(out, tag...)
		default:
			parentItem := ""
			if len(stack) > 0 {
				parentItem = stack[len(stack)-1]
			}
			rewritten, typ, selfClosing := rewriteStartTag(tag, parentItem)
			out = append(out, rewritten...)
			if !selfClosing {
				stack = append(stack, arrayItemType(typ))
			}
		}
	}
	return out
}

// rewriteStartTag rewrites one start tag: drops the per-element XMLSchema-instance declaration,
// renames its type attribute to xsi:type, and types an untyped item of an array value. It returns the
// tag, the element's xsi:type (if any) and whether the tag is self-closing.
func rewriteStartTag(tag []byte, parentItem string) ([]byte, string, bool) {
	selfClosing := bytes.HasSuffix(tag, []byte("/>"))
	end := len(tag) - 1
	if selfClosing {
		end--
	}
	body := tag[1:end]
	nameEnd := bytes.IndexAny(body, " \t\r\n")
	if nameEnd < 0 {
		nameEnd = len(body)
	}
	out := make([]byte, 0, len(tag)+32)
	out = append(out, '<')
	out = append(out, body[:nameEnd]...)
	typ := ""
	rest := body[nameEnd:]
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 || eq+1 >= len(rest) || rest[eq+1] != '"' {
			// not Go-encoder output: keep the remainder untouched
			out = append(out, ' ')
			out = append(out, rest...)
			break
		}
		closeQ := bytes.IndexByte(rest[eq+2:], '"')
		if closeQ < 0 {
			out = append(out, ' ')
			out = append(out, rest...)
			break
		}
		attr := rest[:eq+2+closeQ+1]
		name := string(rest[:eq])
		value := string(rest[eq+2 : eq+2+closeQ])
		rest = rest[len(attr):]
		switch {
		case name == "xmlns:XMLSchema-instance" && value == xsiNamespace:
			continue // xsi is declared on the envelope
		case name == vcsimTypeAttr || name == "xsi:type":
			typ = value
			out = append(out, ` xsi:type="`...)
			out = append(out, value...)
			out = append(out, '"')
		default:
			out = append(out, ' ')
			out = append(out, attr...)
		}
	}
	if typ == "" && parentItem != "" {
		typ = parentItem
		out = append(out, ` xsi:type="`...)
		out = append(out, parentItem...)
		out = append(out, '"')
	}
	if selfClosing {
		out = append(out, '/')
	}
	out = append(out, '>')
	return out, typ, selfClosing
}
