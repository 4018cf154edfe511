//! The XML writer the generated code sequences: start/end tags, escaped text, `xsi:type`.
//!
//! Writes straight into a `String`; the SOAP envelope (see `soap::envelope`) declares the `xsi`
//! and `xsd` prefixes that `xsi:type` attributes and typed values use.

use super::reader::{VIM25_NAMESPACE, XSD_NAMESPACE, XSI_NAMESPACE};
use super::XmlWrite;

/// The element a value is written as: its name, and the `xsi:type` to write when the value's type
/// is not the one the schema declares there (a subtype, or a value in an `xsd:anyType` slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The element name.
    pub name: &'a str,
    /// The `xsi:type` attribute, when one is written.
    pub xsi_type: Option<&'a str>,
}

impl<'a> Tag<'a> {
    /// `<name>`.
    pub fn new(name: &'a str) -> Self {
        Tag {
            name,
            xsi_type: None,
        }
    }

    /// `<name xsi:type="xsi_type">`.
    pub fn typed(name: &'a str, xsi_type: &'a str) -> Self {
        Tag {
            name,
            xsi_type: Some(xsi_type),
        }
    }

    /// The same element with `xsi_type` instead.
    pub fn with_type(self, xsi_type: Option<&'a str>) -> Self {
        Tag { xsi_type, ..self }
    }
}

/// Builds an XML fragment.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    declare_namespaces: bool,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// A writer whose first start tag declares the vim25 default namespace and the `xsi` and `xsd`
    /// prefixes, for a standalone document.
    pub fn document() -> Self {
        Writer {
            out: String::new(),
            declare_namespaces: true,
        }
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        if self.declare_namespaces {
            self.declare_namespaces = false;
            self.out.push_str(" xmlns=\"");
            self.out.push_str(VIM25_NAMESPACE);
            self.out.push_str("\" xmlns:xsi=\"");
            self.out.push_str(XSI_NAMESPACE);
            self.out.push_str("\" xmlns:xsd=\"");
            self.out.push_str(XSD_NAMESPACE);
            self.out.push('"');
        }
    }

    /// `<name xmlns="urn:vim25">`: the start of a method request body.
    pub fn start_method(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(VIM25_NAMESPACE);
        self.out.push_str("\">");
    }

    /// `<name>` or `<name xsi:type="T">`.
    pub fn start(&mut self, tag: Tag<'_>) {
        self.open(tag.name);
        if let Some(t) = tag.xsi_type {
            self.out.push_str(" xsi:type=\"");
            escape_into(&mut self.out, t, true);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// `<name type="T">` (a managed object reference), with an optional `xsi:type`.
    pub fn start_with_type_attribute(&mut self, tag: Tag<'_>, type_attribute: &str) {
        self.open(tag.name);
        if let Some(t) = tag.xsi_type {
            self.out.push_str(" xsi:type=\"");
            escape_into(&mut self.out, t, true);
            self.out.push('"');
        }
        self.out.push_str(" type=\"");
        escape_into(&mut self.out, type_attribute, true);
        self.out.push_str("\">");
    }

    /// A member or parameter `value` as the element `name` (nothing for `None`, one element per
    /// item of a list).
    pub fn member(&mut self, value: &dyn XmlWrite, name: &str) {
        value.write_xml(self, Tag::new(name));
    }

    /// A data object: `<name xsi:type="T">`, each member (by wire name, in wire order), `</name>`.
    pub fn members(&mut self, tag: Tag<'_>, members: &[(&str, &dyn XmlWrite)]) {
        self.start(tag);
        for (member, value) in members {
            value.write_xml(self, Tag::new(member));
        }
        self.end(tag.name);
    }

    /// `</name>`.
    pub fn end(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text, false);
    }

    /// Raw XML, written as is (kept content of unknown types).
    pub fn raw(&mut self, xml: &str) {
        self.out.push_str(xml);
    }

    /// `<name xsi:type="T">text</name>`.
    pub fn text_element(&mut self, tag: Tag<'_>, text: &str) {
        self.start(tag);
        self.text(text);
        self.end(tag.name);
    }

    /// The XML written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The XML written.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Appends `text` with `&`, `<`, `>` (and in attributes `"`, `'`) escaped.
pub fn escape_into(out: &mut String, text: &str, attribute: bool) {
    let needs = |b: u8| {
        matches!(b, b'&' | b'<' | b'>' | b'\r')
            || (attribute && matches!(b, b'"' | b'\'' | b'\n' | b'\r' | b'\t'))
    };
    if !text.bytes().any(needs) {
        out.push_str(text);
        return;
    }
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}
