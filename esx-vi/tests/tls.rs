//! TLS against the simulator's https endpoint: verification on by default, a CA file, pinning by
//! thumbprint (right and wrong), and no-verify.

mod common;

use esx_tests::{SimOptions, WireStyle};
use esx_vi::{Client, Error, Thumbprint, TransportError};

fn sim_thumbprint(sim: &esx_tests::Simulator) -> Thumbprint {
    sim.thumbprint()
        .expect("a TLS simulator prints its thumbprint")
        .parse()
        .expect("the simulator's thumbprint parses")
}

#[tokio::test]
async fn default_verification_refuses_an_untrusted_certificate_and_names_its_thumbprint() {
    let sim = common::simulator(SimOptions::esx().tls(true));
    let err = Client::connect(sim.url(), common::login_options(&sim))
        .await
        .expect_err("the simulator's CA is not a system root");
    match &err {
        Error::Transport(TransportError::Tls { presented, .. }) => {
            assert_eq!(*presented, Some(sim_thumbprint(&sim)), "{err}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(err.to_string().contains(sim.thumbprint().unwrap()), "{err}");
}

#[tokio::test]
async fn a_ca_file_a_pin_and_no_verify_each_connect_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = common::simulator(SimOptions::esx().tls(true).wire(wire));
        let ca = sim.ca_file().expect("CA file").to_owned();
        for options in [
            common::login_options(&sim).ca_file(ca),
            common::login_options(&sim).pin_thumbprint(sim_thumbprint(&sim)),
            common::login_options(&sim).no_verify(),
        ] {
            let described = format!("{options:?}");
            let client = Client::connect(sim.url(), options)
                .await
                .unwrap_or_else(|e| panic!("{described}: {e}"));
            assert_eq!(common::power_states(&client).await.len(), 2, "{described}");
        }
    }
}

#[tokio::test]
async fn a_wrong_pin_is_refused_with_the_presented_thumbprint() {
    let sim = common::simulator(SimOptions::esx().tls(true));
    let right = sim_thumbprint(&sim);
    let mut bytes = *right.as_bytes();
    bytes[0] ^= 0xff;
    let wrong: Thumbprint = bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
        .parse()
        .unwrap();
    let err = Client::connect(sim.url(), common::login_options(&sim).pin_thumbprint(wrong))
        .await
        .expect_err("wrong pin");
    assert_eq!(err.presented_thumbprint(), Some(right), "{err}");
    let text = err.to_string();
    assert!(text.contains("does not match the pinned"), "{text}");
    assert!(
        !text.contains(sim.password()) || sim.password().len() < 5,
        "{text}"
    );
}

#[tokio::test]
async fn a_host_presenting_a_self_signed_ca_certificate_is_trusted_through_a_ca_file_holding_it() {
    let sim = common::simulator(SimOptions::esx().tls(true).arg("-tls-self-signed-ca"));
    let ca = sim
        .ca_file()
        .expect("the certificate as CA file")
        .to_owned();
    assert_eq!(sim.ca_pem(), sim.cert_pem(), "one self-signed certificate");
    let client = Client::connect(sim.url(), common::login_options(&sim).ca_file(&ca))
        .await
        .unwrap_or_else(|e| panic!("the certificate of the CA file is accepted: {e}"));
    assert!(client.session().is_some());

    // Only that certificate: another CA file does not make it trusted.
    let other = common::simulator(SimOptions::esx().tls(true));
    let err = Client::connect(
        sim.url(),
        common::login_options(&sim).ca_file(other.ca_file().unwrap()),
    )
    .await
    .expect_err("not in this CA file");
    assert!(
        matches!(err, Error::Transport(TransportError::Tls { .. })),
        "{err:?}"
    );
}
