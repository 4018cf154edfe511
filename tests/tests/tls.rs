//! TLS: the simulator serves a fresh certificate signed by a fresh CA; a rustls client trusts it
//! through the CA PEM the harness hands out, and the thumbprint is the server certificate's SHA-256.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use esx_tests::{SimOptions, Simulator, WireStyle};
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::{Digest, Sha256};

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn ca_roots(sim: &Simulator) -> rustls::RootCertStore {
    let pem = sim.ca_pem().expect("a CA with tls");
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    assert_eq!(roots.len(), 1);
    roots
}

/// POSTs RetrieveServiceContent over TLS; returns the response and the server's certificate.
fn soap_over_tls(
    sim: &Simulator,
    config: Arc<rustls::ClientConfig>,
) -> Result<(String, CertificateDer<'static>), std::io::Error> {
    let server = ServerName::try_from("127.0.0.1").unwrap();
    let mut conn = rustls::ClientConnection::new(config, server).unwrap();
    let mut sock = TcpStream::connect(sim.host_port())?;
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    let body = esx_tests::raw::envelope(
        "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this></RetrieveServiceContent>",
    );
    write!(
        tls,
        "POST /sdk HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        sim.host_port(),
        body.len()
    )?;
    let mut response = Vec::new();
    match tls.read_to_end(&mut response) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {} // Go closes without close_notify
        Err(e) => return Err(e),
    }
    let cert = conn.peer_certificates().expect("server certificate")[0]
        .clone()
        .into_owned();
    Ok((String::from_utf8_lossy(&response).into_owned(), cert))
}

#[test]
fn the_ca_verifies_the_server_and_the_thumbprint_pins_it() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::vpx().tls(true).wire(wire)).unwrap();
        assert!(sim.url().starts_with("https://127.0.0.1:"), "{}", sim.url());
        let (response, cert) =
            soap_over_tls(&sim, client_config(ca_roots(&sim))).expect("verified handshake");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("<about>"), "{response}");

        let digest = Sha256::digest(cert.as_ref());
        let thumbprint: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(sim.thumbprint(), Some(thumbprint.join(":").as_str()));
        let pem = std::fs::read_to_string(sim.ca_file().unwrap()).unwrap();
        assert_eq!(pem, sim.ca_pem().unwrap());
        let served = rustls_pemfile::certs(&mut sim.cert_pem().unwrap().as_bytes())
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(
            served.as_ref(),
            cert.as_ref(),
            "cert_pem is the certificate served"
        );
    }
}

#[test]
fn without_the_ca_the_certificate_is_refused_and_each_run_has_its_own() {
    let a = Simulator::start(SimOptions::esx().tls(true)).unwrap();
    let err = soap_over_tls(&a, client_config(rustls::RootCertStore::empty())).unwrap_err();
    assert!(
        err.to_string().contains("UnknownIssuer")
            || err.to_string().contains("invalid peer certificate"),
        "{err}"
    );

    let b = Simulator::start(SimOptions::esx().tls(true)).unwrap();
    assert_ne!(a.thumbprint(), b.thumbprint());
    let err = soap_over_tls(&b, client_config(ca_roots(&a))).unwrap_err();
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "another run's CA: {err}"
    );
}

#[test]
fn plain_http_has_no_certificate_and_tls_port_refuses_plain_http() {
    let plain = Simulator::start(SimOptions::esx()).unwrap();
    assert!(plain.thumbprint().is_none() && plain.ca_pem().is_none() && plain.ca_file().is_none());
    assert!(plain.cert_pem().is_none());

    let tls = Simulator::start(SimOptions::esx().tls(true)).unwrap();
    let mut sock = TcpStream::connect(tls.host_port()).unwrap();
    write!(
        sock,
        "GET /sdk/vimServiceVersions.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = sock.read_to_string(&mut answer);
    assert!(!answer.contains("200 OK"), "{answer}");
}
