//! TLS policy for the connection: system roots (plus an extra CA file), pinning by SHA-256
//! thumbprint, or no verification; and the record of what certificate each server presented, so
//! that a TLS failure can tell the user the thumbprint to pin.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::local_file::read_regular_file;

/// The most bytes read from a CA file: a PEM bundle of every public root is about 200 KiB.
pub const MAX_CA_FILE_SIZE: u64 = 1024 * 1024;

/// The SHA-256 digest of a DER certificate, written `AA:BB:...` (32 colon-separated hex pairs),
/// the way `openssl x509 -fingerprint -sha256` and vSphere's own tools print it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Thumbprint([u8; 32]);

impl Thumbprint {
    /// The thumbprint of a DER-encoded certificate.
    pub fn of_certificate(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// The 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Thumbprint({self})")
    }
}

/// Why a thumbprint string was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThumbprintParseError {
    /// A character other than a hex digit or a separator.
    #[error(
        "invalid character {0:?} in certificate thumbprint; expected hex pairs like AA:BB:..."
    )]
    InvalidCharacter(char),
    /// The right characters, the wrong length.
    #[error("certificate thumbprint has {0} bytes, a SHA-256 thumbprint has 32{hint}", hint = if *.0 == 20 { " (this looks like a SHA-1 thumbprint: give the SHA-256 one)" } else { "" })]
    WrongLength(usize),
}

impl FromStr for Thumbprint {
    type Err = ThumbprintParseError;

    /// Accepts `AA:BB:...`, lower or upper case, with `:`, `-` or no separators.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut digits = Vec::with_capacity(64);
        for c in text.trim().chars() {
            match c {
                ':' | '-' | ' ' => {}
                c if c.is_ascii_hexdigit() => digits.push(c.to_digit(16).unwrap_or(0) as u8),
                c => return Err(ThumbprintParseError::InvalidCharacter(c)),
            }
        }
        if digits.len() % 2 != 0 || digits.len() != 64 {
            return Err(ThumbprintParseError::WrongLength(digits.len() / 2));
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (pair[0] << 4) | pair[1];
        }
        Ok(Self(bytes))
    }
}

/// How the client decides whether to trust a server's certificate.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TlsVerification {
    /// Verify the chain and host name against the system's trusted roots (the default).
    #[default]
    SystemRoots,
    /// Verify against the system's roots and the CA certificates of a PEM file (for a vCenter or
    /// ESX host whose certificate a private CA signed, such as the VMCA).
    SystemRootsAndCaFile(PathBuf),
    /// Accept exactly the server certificate with this SHA-256 thumbprint (self-signed hosts).
    Thumbprint(Thumbprint),
    /// Accept any certificate. Only for tests and throwaway lab hosts.
    NoVerify,
}

/// The certificate each server presented during its latest handshake, by server name.
#[derive(Debug, Default)]
pub struct PresentedCertificates {
    by_server: Mutex<HashMap<String, Thumbprint>>,
}

impl PresentedCertificates {
    fn record(&self, server: &ServerName<'_>, thumbprint: Thumbprint) {
        let mut map = self.by_server.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(server.to_str().into_owned(), thumbprint);
    }

    /// The thumbprint the server `host` presented last, if it got as far as presenting one.
    pub fn presented_by(&self, host: &str) -> Option<Thumbprint> {
        let map = self.by_server.lock().unwrap_or_else(|e| e.into_inner());
        map.get(host).copied()
    }
}

/// A TLS setup that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// The CA file could not be read or holds no certificate.
    #[error("cannot use CA file {path}: {reason}")]
    CaFile {
        /// The CA file's path.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// Neither the system nor a CA file gave a trusted root.
    #[error("no trusted root certificates: the system store is empty; give a CA file, a thumbprint, or (for tests only) no-verify")]
    NoRoots,
    /// rustls refused the configuration.
    #[error("TLS setup failed: {0}")]
    Rustls(String),
}

/// The pinned thumbprint did not match: the message tells the user what was presented.
#[derive(Debug)]
struct PinMismatch {
    pinned: Thumbprint,
    presented: Thumbprint,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server certificate's SHA-256 thumbprint {} does not match the pinned {}",
            self.presented, self.pinned
        )
    }
}

impl std::error::Error for PinMismatch {}

enum Policy {
    /// Chain and host name checked by webpki; `ca_file_certificates` are the certificates of the
    /// CA file, one of which a server may present itself (see [`self_signed_ca_from_file`]).
    WebPki {
        verifier: Arc<WebPkiServerVerifier>,
        ca_file_certificates: Vec<CertificateDer<'static>>,
    },
    Pinned(Thumbprint),
    AcceptAny,
}

/// The one verifier the client installs: it records the presented leaf certificate's thumbprint,
/// then applies the policy.
pub(crate) struct RecordingVerifier {
    policy: Policy,
    provider: Arc<CryptoProvider>,
    presented: Arc<PresentedCertificates>,
}

impl fmt::Debug for RecordingVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policy = match &self.policy {
            Policy::WebPki { .. } => "webpki".to_owned(),
            Policy::Pinned(t) => format!("pinned {t}"),
            Policy::AcceptAny => "accept-any".to_owned(),
        };
        f.debug_struct("RecordingVerifier")
            .field("policy", &policy)
            .finish()
    }
}

impl RecordingVerifier {
    pub(crate) fn new(
        verification: &TlsVerification,
        presented: Arc<PresentedCertificates>,
    ) -> Result<Self, TlsConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let policy = match verification {
            TlsVerification::SystemRoots => Policy::WebPki {
                verifier: webpki_verifier(None, &[], &provider)?,
                ca_file_certificates: Vec::new(),
            },
            TlsVerification::SystemRootsAndCaFile(path) => {
                let certificates = read_ca_file(path)?;
                Policy::WebPki {
                    verifier: webpki_verifier(Some(path), &certificates, &provider)?,
                    ca_file_certificates: certificates,
                }
            }
            TlsVerification::Thumbprint(thumbprint) => Policy::Pinned(*thumbprint),
            TlsVerification::NoVerify => Policy::AcceptAny,
        };
        Ok(Self {
            policy,
            provider,
            presented,
        })
    }

    /// A rustls client configuration that uses this verifier.
    pub(crate) fn into_client_config(self) -> Result<rustls::ClientConfig, TlsConfigError> {
        let provider = self.provider.clone();
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsConfigError::Rustls(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(self))
            .with_no_client_auth();
        Ok(config)
    }
}

/// The certificates of a PEM CA file (a regular file of at most [`MAX_CA_FILE_SIZE`] bytes).
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let ca_error = |reason: String| TlsConfigError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = read_regular_file(path, MAX_CA_FILE_SIZE).map_err(|e| ca_error(e.to_string()))?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ca_error(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(ca_error("no PEM certificate in the file".to_owned()));
    }
    Ok(certs)
}

fn webpki_verifier(
    ca_file: Option<&Path>,
    ca_certificates: &[CertificateDer<'static>],
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!("skipping a system root certificate: {error}");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file {
        for cert in ca_certificates {
            roots
                .add(cert.clone())
                .map_err(|e| TlsConfigError::CaFile {
                    path: path.to_owned(),
                    reason: format!("certificate not usable as a trust anchor: {e}"),
                })?;
        }
    }
    if roots.is_empty() {
        return Err(TlsConfigError::NoRoots);
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsConfigError::Rustls(e.to_string()))
}

/// The one refusal webpki makes that curl, OpenSSL and pyvmomi do not: a server presenting a
/// self-signed certificate that is also a CA (basicConstraints CA:TRUE, what `openssl req -x509`
/// makes and many ESXi hosts present) is refused as `CaUsedAsEndEntity` even when that very
/// certificate is in the CA file. It is accepted when, and only when, the presented certificate
/// is byte-identical to one in the CA file and names the server; webpki has checked its validity
/// period before it got to this refusal. Every other error stands.
fn self_signed_ca_from_file(
    error: rustls::Error,
    end_entity: &CertificateDer<'_>,
    ca_file_certificates: &[CertificateDer<'static>],
    server_name: &ServerName<'_>,
) -> Result<ServerCertVerified, rustls::Error> {
    let is_ca_used_as_end_entity = matches!(
        &error,
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))
            if other.0.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity)
    );
    let in_ca_file = ca_file_certificates
        .iter()
        .any(|trusted| trusted.as_ref() == end_entity.as_ref());
    if !(is_ca_used_as_end_entity && in_ca_file) {
        return Err(error);
    }
    let parsed = ParsedCertificate::try_from(end_entity)?;
    verify_server_name(&parsed, server_name)?;
    Ok(ServerCertVerified::assertion())
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Thumbprint::of_certificate(end_entity.as_ref());
        self.presented.record(server_name, presented);
        match &self.policy {
            Policy::WebPki {
                verifier,
                ca_file_certificates,
            } => verifier
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .or_else(|error| {
                    self_signed_ca_from_file(error, end_entity, ca_file_certificates, server_name)
                }),
            Policy::Pinned(pinned) if *pinned == presented => Ok(ServerCertVerified::assertion()),
            Policy::Pinned(pinned) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(PinMismatch {
                    pinned: *pinned,
                    presented,
                }))),
            )),
            Policy::AcceptAny => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed(name: &str) -> CertificateDer<'static> {
        let cert = rcgen::generate_simple_self_signed(vec![name.to_owned()]).expect("rcgen");
        cert.cert.der().clone()
    }

    #[test]
    fn thumbprint_formats_as_colon_separated_upper_hex() {
        let t = Thumbprint::of_certificate(b"abc");
        let text = t.to_string();
        assert_eq!(text.len(), 32 * 3 - 1);
        assert!(text.starts_with("BA:78:16:BF:8F:01:CF:EA"), "{text}");
        assert_eq!(text.parse::<Thumbprint>().unwrap(), t);
    }

    #[test]
    fn thumbprint_parses_lower_case_and_without_separators() {
        let t = Thumbprint::of_certificate(b"abc");
        let plain = t.to_string().replace(':', "").to_lowercase();
        assert_eq!(plain.parse::<Thumbprint>().unwrap(), t);
    }

    #[test]
    fn thumbprint_rejects_sha1_and_garbage_with_a_helpful_message() {
        let sha1 = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
        let err = sha1.parse::<Thumbprint>().unwrap_err();
        assert_eq!(err, ThumbprintParseError::WrongLength(20));
        assert!(err.to_string().contains("SHA-1"), "{err}");
        assert_eq!(
            "ZZ".parse::<Thumbprint>().unwrap_err(),
            ThumbprintParseError::InvalidCharacter('Z')
        );
    }

    fn verify(
        verifier: &RecordingVerifier,
        cert: &CertificateDer<'_>,
        host: &str,
    ) -> Result<(), rustls::Error> {
        let name = ServerName::try_from(host.to_owned()).unwrap();
        verifier
            .verify_server_cert(cert, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    #[test]
    fn pinning_accepts_exactly_the_pinned_certificate_and_records_what_was_presented() {
        let good = self_signed("esx.example");
        let other = self_signed("esx.example");
        let presented = Arc::new(PresentedCertificates::default());
        let pinned = Thumbprint::of_certificate(good.as_ref());
        let verifier =
            RecordingVerifier::new(&TlsVerification::Thumbprint(pinned), presented.clone())
                .unwrap();

        verify(&verifier, &good, "esx.example").expect("pinned certificate accepted");
        let err = verify(&verifier, &other, "esx.example").expect_err("other certificate refused");
        let other_thumbprint = Thumbprint::of_certificate(other.as_ref());
        assert!(
            err.to_string().contains(&other_thumbprint.to_string()),
            "{err}"
        );
        assert_eq!(
            presented.presented_by("esx.example"),
            Some(other_thumbprint)
        );
    }

    #[test]
    fn system_roots_refuse_a_self_signed_certificate() {
        let cert = self_signed("esx.example");
        let presented = Arc::new(PresentedCertificates::default());
        let verifier =
            match RecordingVerifier::new(&TlsVerification::SystemRoots, presented.clone()) {
                Ok(v) => v,
                Err(TlsConfigError::NoRoots) => {
                    eprintln!("skipping: this machine has no system root certificates");
                    return;
                }
                Err(e) => panic!("{e}"),
            };
        assert!(verify(&verifier, &cert, "esx.example").is_err());
        assert!(presented.presented_by("esx.example").is_some());
    }

    #[test]
    fn a_ca_file_makes_its_certificates_trusted() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["esx.example".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_params = rcgen::CertificateParams::new(vec!["esx.example".to_owned()]).unwrap();
        let issuer = rcgen::Issuer::from_params(&params, &key);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&ca_path, ca.pem()).unwrap();
        let presented = Arc::new(PresentedCertificates::default());
        let verifier =
            RecordingVerifier::new(&TlsVerification::SystemRootsAndCaFile(ca_path), presented)
                .unwrap();
        verify(&verifier, leaf.der(), "esx.example").expect("leaf signed by the CA file");
        assert!(
            verify(&verifier, leaf.der(), "other.example").is_err(),
            "host name still checked"
        );
    }

    /// A certificate made with `openssl req -x509 ... -addext basicConstraints=critical,CA:TRUE`
    /// for `esx.example` (see `tests/fixtures/tls/README.md`).
    const OPENSSL_SELF_SIGNED_CA: &str =
        include_str!("../tests/fixtures/tls/self-signed-ca-true.pem");

    fn der_of(pem: &str) -> CertificateDer<'static> {
        rustls_pemfile::certs(&mut pem.as_bytes())
            .next()
            .expect("a certificate")
            .expect("PEM")
    }

    fn verifier_trusting(pems: &[&str]) -> (tempfile::TempDir, RecordingVerifier) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cacert.pem");
        std::fs::write(&path, pems.concat()).unwrap();
        let verifier =
            RecordingVerifier::new(&TlsVerification::SystemRootsAndCaFile(path), Arc::default())
                .unwrap();
        (dir, verifier)
    }

    fn self_signed_ca(name: &str) -> rcgen::Certificate {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap()
    }

    #[test]
    fn a_self_signed_ca_certificate_in_the_ca_file_is_accepted_as_the_server_certificate() {
        let (_dir, verifier) = verifier_trusting(&[OPENSSL_SELF_SIGNED_CA]);
        let cert = der_of(OPENSSL_SELF_SIGNED_CA);
        verify(&verifier, &cert, "esx.example").expect("the very certificate of the CA file");
        // The host name is still checked.
        let err = verify(&verifier, &cert, "other.example").expect_err("wrong name");
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForName
                        | rustls::CertificateError::NotValidForNameContext { .. }
                )
            ),
            "{err:?}"
        );
    }

    #[test]
    fn only_that_exact_certificate_gets_the_exception() {
        // Another self-signed CA certificate for the same name, not in the file: refused.
        let (_dir, verifier) = verifier_trusting(&[OPENSSL_SELF_SIGNED_CA]);
        let stranger = self_signed_ca("esx.example");
        assert!(verify(&verifier, stranger.der(), "esx.example").is_err());

        // A certificate signed by the CA-file's certificate is checked the normal way, and a
        // self-signed CA certificate with the same name but other bytes is refused.
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["esx.example".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        let leaf_params = rcgen::CertificateParams::new(vec!["esx.example".to_owned()]).unwrap();
        let leaf = leaf_params
            .signed_by(
                &rcgen::KeyPair::generate().unwrap(),
                &rcgen::Issuer::from_params(&params, &key),
            )
            .unwrap();
        let (_dir2, verifier) = verifier_trusting(&[&ca.pem()]);
        verify(&verifier, leaf.der(), "esx.example").expect("chain to the CA");
        verify(&verifier, ca.der(), "esx.example").expect("the CA certificate itself");
        let twin = params
            .self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap();
        assert!(verify(&verifier, twin.der(), "esx.example").is_err());

        // Without a CA file (system roots only) nothing changes.
        if let Ok(system) = RecordingVerifier::new(&TlsVerification::SystemRoots, Arc::default()) {
            assert!(verify(&system, &der_of(OPENSSL_SELF_SIGNED_CA), "esx.example").is_err());
        }
    }

    #[test]
    fn a_device_or_an_oversized_file_is_refused_as_ca_file() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.pem");
        let cert = rcgen::generate_simple_self_signed(vec!["esx.example".to_owned()]).unwrap();
        let mut pem = cert.cert.pem();
        while pem.len() as u64 <= MAX_CA_FILE_SIZE {
            pem.push_str("# padding padding padding padding padding padding padding padding\n");
        }
        std::fs::write(&big, pem).unwrap();
        let err =
            RecordingVerifier::new(&TlsVerification::SystemRootsAndCaFile(big), Arc::default())
                .unwrap_err();
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
        #[cfg(unix)]
        {
            let err = RecordingVerifier::new(
                &TlsVerification::SystemRootsAndCaFile("/dev/zero".into()),
                Arc::default(),
            )
            .unwrap_err();
            assert!(err.to_string().contains("/dev/zero"), "{err}");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        for path in [dir.path().join("missing.pem"), empty] {
            let err = RecordingVerifier::new(
                &TlsVerification::SystemRootsAndCaFile(path.clone()),
                Arc::default(),
            )
            .unwrap_err();
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{err}"
            );
        }
    }
}
