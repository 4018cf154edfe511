//! SOAP 1.1 framing for the VI API: the envelope, response decoding and typed faults.
//!
//! One envelope writer and one response reader for the stubs and the client alike. A response's
//! `Fault` becomes a [`SoapFault`] whose `detail` is a typed MethodFault, so callers can tell
//! `NotAuthenticated` (log in again) from `InvalidLogin` (wrong password) without string matching.

use std::fmt;

use crate::runtime::{
    DecodeError, Element, Reader, Writer, XmlRead, XmlWrite, XSD_NAMESPACE, XSI_NAMESPACE,
};
use crate::transport::{SoapRequest, SoapResponse, Transport};
use crate::{AnyMethodFault, ManagedObjectReference};

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENVELOPE_NAMESPACE: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Wraps a method body (`<RetrievePropertiesEx xmlns="urn:vim25">...`) in a SOAP envelope that
/// declares the `xsi` and `xsd` prefixes the body may use.
pub fn envelope(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 320);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<soapenv:Envelope xmlns:soapenv=\"");
    out.push_str(SOAP_ENVELOPE_NAMESPACE);
    out.push_str("\" xmlns:xsd=\"");
    out.push_str(XSD_NAMESPACE);
    out.push_str("\" xmlns:xsi=\"");
    out.push_str(XSI_NAMESPACE);
    out.push_str("\"><soapenv:Body>");
    out.push_str(body);
    out.push_str("</soapenv:Body></soapenv:Envelope>");
    out
}

/// The request of a method stub: `<method xmlns="urn:vim25">`, `_this`, then the parameters by
/// wire name in wire order (absent optional ones write nothing, lists one element per item).
pub fn request(
    method: &'static str,
    this: &ManagedObjectReference,
    params: &[(&str, &dyn XmlWrite)],
) -> SoapRequest {
    let mut body = Writer::new();
    body.start_method(method);
    body.member(this, "_this");
    for (name, value) in params {
        body.member(*value, name);
    }
    body.end(method);
    SoapRequest {
        method,
        body: body.finish(),
    }
}

/// Sends a method stub's request; the transport's failure becomes [`MethodError::Transport`].
pub async fn call<T: Transport>(
    transport: &T,
    request: SoapRequest,
) -> Result<SoapResponse, MethodError<T::Error>> {
    transport
        .send(request)
        .await
        .map_err(MethodError::Transport)
}

/// A SOAP fault: the server's error, with its typed detail when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct SoapFault {
    /// `faultcode` (`ServerFaultCode`, `soapenv:Client`...).
    pub fault_code: String,
    /// `faultstring`: the server's message.
    pub fault_string: String,
    /// The MethodFault in `detail`: a known subtype, or an unknown one with its type name.
    pub detail: Option<AnyMethodFault>,
}

impl SoapFault {
    /// The fault's type name (`NotAuthenticated`, `InvalidLogin`...), known subtype or not.
    pub fn fault_type_name(&self) -> Option<&str> {
        self.detail.as_ref().map(|d| d.type_name())
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fault_type_name() {
            Some(t) => write!(f, "{t}: {}", self.fault_string),
            None => write!(f, "{}: {}", self.fault_code, self.fault_string),
        }
    }
}

impl std::error::Error for SoapFault {}

/// Why a method stub failed.
#[derive(Debug)]
pub enum MethodError<E> {
    /// The transport got no SOAP envelope back.
    Transport(E),
    /// The server answered with a SOAP fault.
    Fault(SoapFault),
    /// The response could not be decoded.
    Decode(DecodeError),
    /// The method is bound to a ServiceContent member this server does not have.
    NotAvailable {
        /// The ServiceContent member (`virtualDiskManager`).
        member: &'static str,
    },
}

impl<E: fmt::Display> fmt::Display for MethodError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MethodError::Transport(e) => write!(f, "transport error: {e}"),
            MethodError::Fault(fault) => write!(f, "the server answered with a fault: {fault}"),
            MethodError::Decode(e) => write!(f, "cannot decode the server's response: {e}"),
            MethodError::NotAvailable { member } => write!(
                f,
                "this server does not offer `{member}` (its ServiceContent has no such member)"
            ),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for MethodError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MethodError::Transport(e) => Some(e),
            MethodError::Fault(fault) => Some(fault),
            MethodError::Decode(e) => Some(e),
            MethodError::NotAvailable { .. } => None,
        }
    }
}

impl<E> From<DecodeError> for MethodError<E> {
    fn from(e: DecodeError) -> Self {
        MethodError::Decode(e)
    }
}

/// What a SOAP body holds.
enum BodyContent<'a> {
    Fault(SoapFault),
    Element(Element<'a>),
}

fn is_soap(r: &Reader<'_>, e: &Element<'_>, local: &[u8]) -> bool {
    e.local_name() == local && r.namespace_of(e) == Some(SOAP_ENVELOPE_NAMESPACE.as_bytes())
}

/// Opens the envelope and returns the body's first element, or the parsed fault.
fn open_body<'a>(r: &mut Reader<'a>) -> Result<BodyContent<'a>, DecodeError> {
    let root = r.root()?;
    if !is_soap(r, &root, b"Envelope") {
        return Err(r.error(
            &root,
            format!(
                "expected a SOAP <Envelope>, found <{}>",
                root.local_name_str()
            ),
        ));
    }
    while let Some(child) = r.next_child()? {
        if child.local_name() != b"Body" {
            r.skip(&child)?;
            continue;
        }
        let Some(first) = r.next_child()? else {
            return Err(r.error(&child, "the SOAP body is empty"));
        };
        if is_soap(r, &first, b"Fault") {
            return read_fault(r).map(BodyContent::Fault);
        }
        return Ok(BodyContent::Element(first));
    }
    Err(r.error(&root, "the SOAP envelope has no <Body>"))
}

fn read_fault(r: &mut Reader<'_>) -> Result<SoapFault, DecodeError> {
    let mut out = SoapFault {
        fault_code: String::new(),
        fault_string: String::new(),
        detail: None,
    };
    while let Some(child) = r.next_child()? {
        match child.local_name() {
            b"faultcode" => out.fault_code = r.read_text(&child)?.trim().to_string(),
            b"faultstring" => out.fault_string = r.read_text(&child)?.into_owned(),
            b"detail" => {
                while let Some(item) = r.next_child()? {
                    if out.detail.is_some() {
                        r.skip(&item)?;
                        continue;
                    }
                    let declared = r.xsi_type(&item)?.map(|t| t.into_owned());
                    let from_name = item.local_name_str();
                    let from_name = from_name
                        .strip_suffix("Fault")
                        .unwrap_or(&from_name)
                        .to_string();
                    let type_name = declared.unwrap_or(from_name);
                    out.detail = Some(AnyMethodFault::read_as(r, &item, Some(&type_name))?);
                }
            }
            _ => r.skip(&child)?,
        }
    }
    Ok(out)
}

/// Parses a response envelope's fault: `Ok(None)` when the envelope is not a fault.
pub fn parse_fault(envelope: &[u8]) -> Result<Option<SoapFault>, DecodeError> {
    let mut r = Reader::new(envelope);
    match open_body(&mut r)? {
        BodyContent::Fault(fault) => Ok(Some(fault)),
        BodyContent::Element(_) => Ok(None),
    }
}

/// Reads every `returnval` of the response element `response_name`.
fn decode_returnvals<T: XmlRead, E>(
    envelope: &[u8],
    response_name: &str,
) -> Result<Vec<T>, MethodError<E>> {
    let mut r = Reader::new(envelope);
    let response = match open_body(&mut r)? {
        BodyContent::Fault(fault) => return Err(MethodError::Fault(fault)),
        BodyContent::Element(e) => e,
    };
    if response.local_name() != response_name.as_bytes() {
        return Err(MethodError::Decode(r.error(
            &response,
            format!(
                "expected <{response_name}>, found <{}>",
                response.local_name_str()
            ),
        )));
    }
    let mut values = Vec::new();
    while let Some(child) = r.next_child()? {
        if child.local_name() == b"returnval" {
            values.push(T::read_xml(&mut r, &child)?);
        } else {
            r.skip(&child)?;
        }
    }
    Ok(values)
}

/// Decodes a response with exactly one `returnval` (occurrence `r`).
pub fn decode_required<T: XmlRead, E>(
    envelope: &[u8],
    response_name: &str,
) -> Result<T, MethodError<E>> {
    let mut values = decode_returnvals::<T, E>(envelope, response_name)?;
    if values.is_empty() {
        return Err(MethodError::Decode(DecodeError::new(
            format!("/Envelope/Body/{response_name}"),
            "missing required element <returnval>",
        )));
    }
    Ok(values.swap_remove(0))
}

/// Decodes a response with at most one `returnval` (occurrence `o`).
pub fn decode_optional<T: XmlRead, E>(
    envelope: &[u8],
    response_name: &str,
) -> Result<Option<T>, MethodError<E>> {
    Ok(decode_returnvals::<T, E>(envelope, response_name)?
        .into_iter()
        .next())
}

/// Decodes a response with a list of `returnval`s (occurrences `rl`, `ol`).
pub fn decode_list<T: XmlRead, E>(
    envelope: &[u8],
    response_name: &str,
) -> Result<Vec<T>, MethodError<E>> {
    decode_returnvals::<T, E>(envelope, response_name)
}

/// Decodes a response without a result (checking it is not a fault).
pub fn decode_none<E>(envelope: &[u8], response_name: &str) -> Result<(), MethodError<E>> {
    decode_returnvals::<crate::runtime::UnknownValue, E>(envelope, response_name).map(|_| ())
}
