//! The XML reader the generated code sequences: elements, text, `xsi:type`, skipping, error paths.
//!
//! A thin layer over quick-xml's `NsReader` reading from a byte slice, so names and text borrow
//! from the input. Attributes are resolved by namespace URI, never by prefix. The element path of
//! an error is rebuilt only when an error happens (by rescanning the input up to the failing
//! element), so the happy path pays nothing for it.

use std::borrow::Cow;
use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;

/// The XML Schema instance namespace (`xsi:type`).
pub const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The XML Schema namespace (`xsd:string`).
pub const XSD_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";
/// The vSphere API namespace.
pub const VIM25_NAMESPACE: &str = "urn:vim25";

/// A document that could not be decoded, with the element path where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: String,
    message: String,
}

impl DecodeError {
    /// An error at `path` (`/Envelope/Body/...`, or a property path).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        DecodeError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Where: the element path (`/Envelope/Body/RetrievePropertiesExResponse/returnval/objects[3]`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// An element whose start tag has been read; its content is read next.
#[derive(Debug, Clone)]
pub struct Element<'a> {
    start: BytesStart<'a>,
    /// Byte offset of the `<` of the start tag.
    offset: usize,
    /// Byte offset just after the start tag's `>`.
    content_start: usize,
}

impl<'a> Element<'a> {
    /// The element's local name (without prefix).
    pub fn local_name(&self) -> &[u8] {
        self.start.local_name().into_inner()
    }

    /// The element's local name as text (for messages).
    pub fn local_name_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.local_name())
    }

    /// The value of the un-prefixed attribute `name`, unescaped.
    pub fn attribute(&self, name: &[u8]) -> Option<Cow<'_, str>> {
        self.start
            .attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.unescape_value().ok())
    }
}

/// How deeply elements may nest. vSphere documents stay far below it; the limit keeps a hostile
/// document from exhausting the stack of the recursive decoders.
pub const MAX_DEPTH: usize = 64;

/// Reads a document element by element; see the module documentation.
pub struct Reader<'a> {
    input: &'a [u8],
    inner: NsReader<&'a [u8]>,
    /// Offset of the `<` of the last end tag read.
    last_end_start: usize,
    /// How many elements are open.
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole document.
    pub fn new(input: &'a [u8]) -> Self {
        let mut inner = NsReader::from_reader(input);
        let config = inner.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        Reader {
            input,
            inner,
            last_end_start: 0,
            depth: 0,
        }
    }

    fn position(&self) -> usize {
        self.inner.buffer_position() as usize
    }

    /// Reads up to the document's root element.
    pub fn root(&mut self) -> Result<Element<'a>, DecodeError> {
        loop {
            let before = self.position();
            match self.inner.read_event() {
                Ok(Event::Start(start)) => {
                    self.depth = 1;
                    return Ok(Element {
                        start,
                        offset: before,
                        content_start: self.position(),
                    });
                }
                Ok(Event::Eof) => {
                    return Err(DecodeError::new("/", "empty document: no root element"))
                }
                Ok(Event::Text(t)) if !is_blank(&t) => {
                    return Err(self.error_at(before, "text before the root element"))
                }
                Ok(_) => {}
                Err(e) => return Err(self.error_at(before, format!("malformed XML: {e}"))),
            }
        }
    }

    /// The next child element of the element being read, or `None` at its end tag (consumed).
    pub fn next_child(&mut self) -> Result<Option<Element<'a>>, DecodeError> {
        loop {
            let before = self.position();
            match self.inner.read_event() {
                Ok(Event::Start(start)) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(self.error_at(
                            before,
                            format!("elements nest more than {MAX_DEPTH} deep"),
                        ));
                    }
                    return Ok(Some(Element {
                        start,
                        offset: before,
                        content_start: self.position(),
                    }));
                }
                Ok(Event::End(_)) => {
                    self.last_end_start = before;
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(None);
                }
                Ok(Event::Eof) => return Err(self.error_at(before, "unexpected end of document")),
                Ok(_) => {}
                Err(e) => return Err(self.error_at(before, format!("malformed XML: {e}"))),
            }
        }
    }

    /// Skips the rest of `e` (an unknown or ignored element), nested content included.
    pub fn skip(&mut self, e: &Element<'_>) -> Result<(), DecodeError> {
        let mut depth = 0usize;
        loop {
            let before = self.position();
            match self.inner.read_event() {
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => {
                    if depth == 0 {
                        self.last_end_start = before;
                        self.depth = self.depth.saturating_sub(1);
                        return Ok(());
                    }
                    depth -= 1;
                }
                Ok(Event::Eof) => {
                    return Err(self.error_at(
                        e.offset,
                        "element is not closed before the end of the document",
                    ))
                }
                Ok(_) => {}
                Err(err) => return Err(self.error_at(before, format!("malformed XML: {err}"))),
            }
        }
    }

    /// Reads the text content of `e` (unescaped, CDATA included) and its end tag.
    pub fn read_text(&mut self, e: &Element<'_>) -> Result<Cow<'a, str>, DecodeError> {
        let mut text: Option<Cow<'a, str>> = None;
        loop {
            let before = self.position();
            match self.inner.read_event() {
                Ok(Event::Text(t)) => {
                    let part = t
                        .unescape()
                        .map_err(|err| self.error_at(e.offset, format!("bad text: {err}")))?;
                    text = Some(match text {
                        None => part,
                        Some(prev) => Cow::Owned(prev.into_owned() + &part),
                    });
                }
                Ok(Event::CData(c)) => {
                    let part = String::from_utf8_lossy(&c).into_owned();
                    text = Some(match text {
                        None => Cow::Owned(part),
                        Some(prev) => Cow::Owned(prev.into_owned() + &part),
                    });
                }
                Ok(Event::End(_)) => {
                    self.last_end_start = before;
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(text.unwrap_or(Cow::Borrowed("")));
                }
                Ok(Event::Start(child)) => {
                    let name =
                        String::from_utf8_lossy(child.local_name().into_inner()).into_owned();
                    return Err(self.error_at(
                        e.offset,
                        format!("expected text, found the element <{name}>"),
                    ));
                }
                Ok(Event::Eof) => {
                    return Err(self.error_at(
                        e.offset,
                        "element is not closed before the end of the document",
                    ))
                }
                Ok(_) => {}
                Err(err) => return Err(self.error_at(before, format!("malformed XML: {err}"))),
            }
        }
    }

    /// The local name of `e`'s `xsi:type` (any prefix bound to the XML Schema instance namespace;
    /// the value's own prefix, `xsd:` or `vim25:`, is dropped). Call before reading `e`'s content.
    pub fn xsi_type(&self, e: &Element<'_>) -> Result<Option<Cow<'a, str>>, DecodeError> {
        for attr in e.start.attributes().with_checks(false) {
            let attr =
                attr.map_err(|err| self.error_at(e.offset, format!("malformed attribute: {err}")))?;
            if attr.key.local_name().as_ref() != b"type" || attr.key.prefix().is_none() {
                continue;
            }
            let (ns, _) = self.inner.resolve_attribute(attr.key);
            if ns != ResolveResult::Bound(Namespace(XSI_NAMESPACE.as_bytes())) {
                continue;
            }
            let value: &[u8] = &attr.value;
            let local = match value.iter().rposition(|&b| b == b':') {
                Some(colon) => &value[colon + 1..],
                None => value,
            };
            let local = match self.reborrow(local) {
                Some(borrowed) => std::str::from_utf8(borrowed).map(Cow::Borrowed),
                None => std::str::from_utf8(local).map(|s| Cow::Owned(s.to_string())),
            }
            .map_err(|_| self.error_at(e.offset, "xsi:type is not valid UTF-8"))?;
            return Ok(Some(local));
        }
        Ok(None)
    }

    /// The namespace URI of `e`'s name (`None` when unbound).
    pub fn namespace_of(&self, e: &Element<'_>) -> Option<&[u8]> {
        match self.inner.resolve_element(e.start.name()).0 {
            ResolveResult::Bound(Namespace(ns)) => Some(ns),
            _ => None,
        }
    }

    /// `s` as a slice of the input with the input's lifetime, when it points into the input.
    fn reborrow(&self, s: &[u8]) -> Option<&'a [u8]> {
        let base = self.input.as_ptr() as usize;
        let start = s.as_ptr() as usize;
        if start >= base && start + s.len() <= base + self.input.len() {
            let offset = start - base;
            Some(&self.input[offset..offset + s.len()])
        } else {
            None
        }
    }

    /// Reads one `T` from `e`.
    pub fn read<T: super::XmlRead>(&mut self, e: &Element<'_>) -> Result<T, DecodeError> {
        T::read_xml(self, e)
    }

    /// Reads one `T` from `e` onto the heap (the value never sits in the caller's stack frame).
    pub fn read_boxed<T: super::XmlRead>(
        &mut self,
        e: &Element<'_>,
    ) -> Result<Box<T>, DecodeError> {
        // A plain match rather than `map(Box::new)`: two fewer generic instances per type.
        match T::read_xml(self, e) {
            Ok(value) => Ok(Box::new(value)),
            Err(error) => Err(error),
        }
    }

    /// Reads the children of `e` (up to its end tag) into the slots of a data object's members,
    /// found by element name; a child no member names is skipped.
    pub fn read_members(
        &mut self,
        _e: &Element<'_>,
        members: &mut [(&str, &mut dyn super::ReadSlot)],
    ) -> Result<(), DecodeError> {
        while let Some(child) = self.next_child()? {
            let name = child.local_name();
            match members
                .iter_mut()
                .find(|(member, _)| member.as_bytes() == name)
            {
                Some((_, slot)) => slot.read_slot(self, &child)?,
                None => self.skip(&child)?,
            }
        }
        Ok(())
    }

    /// Every child element of `e` read as a `T` (an `ArrayOfX` value).
    pub fn read_list<T: super::XmlRead>(
        &mut self,
        _e: &Element<'_>,
    ) -> Result<Vec<T>, DecodeError> {
        let mut items: Vec<T> = Vec::new();
        match self.read_items(&mut items) {
            Ok(()) => Ok(items),
            Err(error) => Err(error),
        }
    }

    /// Reads every child element of the element being read into `items` (one generic-free loop
    /// for every list type).
    fn read_items(&mut self, items: &mut dyn super::ReadSlot) -> Result<(), DecodeError> {
        while let Some(child) = self.next_child()? {
            items.read_slot(self, &child)?;
        }
        Ok(())
    }

    /// The value of a required member, or an error naming it.
    pub fn required<T>(
        &self,
        e: &Element<'_>,
        value: Option<T>,
        name: &str,
    ) -> Result<T, DecodeError> {
        match value {
            Some(value) => Ok(value),
            None => Err(self.missing(e, name)),
        }
    }

    /// The error for a required member `name` missing from `e` (out of line: it is the rare path
    /// of every required member's check).
    #[cold]
    fn missing(&self, e: &Element<'_>, name: &str) -> DecodeError {
        self.error_at(e.offset, format!("missing required element <{name}>"))
    }

    /// Reads a value of a subtype this version does not know: the base members it carries and its
    /// raw inner XML.
    pub fn read_unknown_subtype<B: super::XmlRead>(
        &mut self,
        e: &Element<'_>,
        type_name: &str,
    ) -> Result<super::UnknownSubtype<B>, DecodeError> {
        let members = B::read_xml(self, e)?;
        Ok(super::UnknownSubtype {
            type_name: type_name.to_string(),
            members,
            raw: self.raw_content(e),
        })
    }

    /// Reads a dynamically typed value of a type this version does not know, kept raw.
    pub fn read_unknown_value(
        &mut self,
        e: &Element<'_>,
        type_name: &str,
    ) -> Result<super::UnknownValue, DecodeError> {
        self.skip(e)?;
        Ok(super::UnknownValue {
            type_name: type_name.to_string(),
            raw: self.raw_content(e),
        })
    }

    /// The raw inner XML of `e`, once its end tag has been read.
    fn raw_content(&self, e: &Element<'_>) -> String {
        let end = self
            .last_end_start
            .max(e.content_start)
            .min(self.input.len());
        String::from_utf8_lossy(&self.input[e.content_start..end]).into_owned()
    }

    /// An error about the element starting at byte `offset`, with its path.
    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> DecodeError {
        DecodeError::new(element_path(self.input, offset), message)
    }

    /// An error about the element `e`, with its path.
    pub fn error(&self, e: &Element<'_>, message: impl Into<String>) -> DecodeError {
        self.error_at(e.offset, message)
    }
}

fn is_blank(t: &[u8]) -> bool {
    t.iter().all(|b| b.is_ascii_whitespace())
}

/// How many children of each name an open element has had so far.
type ChildCounts = Vec<(Vec<u8>, usize)>;

/// The path of the element whose start tag begins at `offset` (or of the innermost open element
/// there): `/Envelope/Body/X/returnval/objects[3]/propSet/val`, `[n]` being the 0-based index among
/// same-named siblings, shown when not 0.
pub fn element_path(input: &[u8], offset: usize) -> String {
    let mut reader = quick_xml::Reader::from_reader(input);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = false;
    // Per open element: its display segment and the counts of its children by name.
    let mut stack: Vec<(String, ChildCounts)> = vec![(String::new(), Vec::new())];
    loop {
        let before = reader.buffer_position() as usize;
        if before > offset {
            break;
        }
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let name = start.local_name().into_inner().to_vec();
                let parent = &mut stack.last_mut().expect("root frame").1;
                let index = match parent.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => {
                        *count += 1;
                        *count - 1
                    }
                    None => {
                        parent.push((name.clone(), 1));
                        0
                    }
                };
                let text = String::from_utf8_lossy(&name).into_owned();
                let segment = if index == 0 {
                    text
                } else {
                    format!("{text}[{index}]")
                };
                stack.push((segment, Vec::new()));
                if before == offset {
                    break;
                }
            }
            Ok(Event::End(_)) => {
                if stack.len() > 1 {
                    stack.pop();
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let path: Vec<&str> = stack[1..].iter().map(|(s, _)| s.as_str()).collect();
    format!("/{}", path.join("/"))
}
