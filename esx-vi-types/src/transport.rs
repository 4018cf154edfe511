//! The seam between the generated method stubs and whatever carries SOAP over the wire.
//!
//! `esx-vi-types` has no HTTP dependency: a method stub serializes its request body, hands it to a
//! [`Transport`], and decodes what comes back. The `esx-vi` crate implements this trait over HTTPS
//! with sessions, re-login and request limits; tests implement it over recorded responses.

use std::future::Future;

/// One SOAP request as a method stub prepares it.
#[derive(Debug, Clone)]
pub struct SoapRequest {
    /// The SOAP method name (`RetrievePropertiesEx`), for the `SOAPAction`-independent parts of a
    /// transport: tracing spans, logs, retries.
    pub method: &'static str,
    /// The serialized method element (`<RetrievePropertiesEx xmlns="urn:vim25">...</RetrievePropertiesEx>`),
    /// without the SOAP envelope: the transport wraps it.
    pub body: String,
}

/// What a transport got back: the complete SOAP envelope of the response, whatever the HTTP status
/// (a SOAP fault arrives with status 500 and must reach the stub, which decodes it to a typed fault).
#[derive(Debug, Clone)]
pub struct SoapResponse {
    /// The raw bytes of the response envelope.
    pub envelope: Vec<u8>,
}

/// Sends SOAP requests and returns response envelopes.
///
/// Implementations handle the envelope, HTTP, cookies and sessions; they return `Err` only when no
/// SOAP envelope came back (connection, TLS, timeout, an HTTP status without a SOAP body).
pub trait Transport: Sync {
    /// The transport's own error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends one request and returns the response envelope.
    fn send(
        &self,
        request: SoapRequest,
    ) -> impl Future<Output = Result<SoapResponse, Self::Error>> + Send;
}
