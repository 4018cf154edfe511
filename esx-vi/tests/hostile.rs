//! A client facing a hostile or broken server: redirects, oversized and endless bodies, control
//! characters in what the server says, silent servers. The faults come from the test harness's
//! fault-injection proxy in front of the simulator, or from tiny fake servers.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{login_options, simulator};
use esx_tests::proxy::{Fault, FaultProxy};
use esx_tests::SimOptions;
use esx_vi::{Client, ConnectOptions, Error, TransportError};

/// A listener on another loopback address that a followed redirect would reach.
fn canary() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.2:0")
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .expect("canary listener");
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/evil", listener.local_addr().unwrap());
    (listener, url)
}

fn assert_untouched(canary: &TcpListener) {
    match canary.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("the redirect was followed: {from} connected to the canary"),
        Err(e) => panic!("canary: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_never_followed_and_names_status_location_and_url() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    for (status, method) in [
        (307, "Login"),
        (308, "Login"),
        (301, "RetrieveServiceContent"),
        (302, "RetrieveServiceContent"),
    ] {
        let (canary, location) = canary();
        proxy.inject_next(
            method,
            Fault::Redirect {
                status,
                location: location.clone(),
            },
        );
        let err = Client::connect(
            &proxy.url(),
            login_options(&sim).request_timeout(Duration::from_secs(5)),
        )
        .await
        .expect_err("a redirect fails the call");
        match &err {
            Error::Transport(TransportError::Redirect {
                url,
                status: got,
                location: got_location,
                ..
            }) => {
                assert_eq!(*got, status);
                assert_eq!(got_location.as_deref(), Some(location.as_str()));
                assert_eq!(url, &proxy.url());
            }
            other => panic!("{status} to {method}: expected a redirect error, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains(&status.to_string()), "{text}");
        assert!(text.contains(&location), "{text}");
        assert!(text.contains(&proxy.url()), "{text}");
        assert!(!text.contains(sim.password()), "{text}");
        assert_untouched(&canary);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_datastore_download_is_an_error_too() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = Client::connect(&proxy.url(), login_options(&sim))
        .await
        .unwrap();
    let (canary, location) = canary();
    proxy.inject_next(
        "GET /folder",
        Fault::Redirect {
            status: 302,
            location: location.clone(),
        },
    );
    let file: esx_vi::DatastorePath = "[LocalDS_0] ha-host_VM0/ha-host_VM0.vmx".parse().unwrap();
    let mut sink = Vec::new();
    let err = client
        .download_file("ha-datacenter", &file, None, &mut sink, |_| {})
        .await
        .expect_err("a redirect fails the download");
    assert!(
        matches!(
            &err,
            Error::Transport(TransportError::Redirect { status: 302, .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&location), "{err}");
    assert_untouched(&canary);
}

/// A body padded with spaces after the envelope (still valid XML) to exactly `size` bytes.
fn padded_to(size: usize) -> Fault {
    Fault::Rewrite(std::sync::Arc::new(move |mut body: Vec<u8>| {
        assert!(
            body.len() <= size,
            "the real answer is {} bytes",
            body.len()
        );
        body.resize(size, b' ');
        body
    }))
}

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_is_accepted_up_to_the_cap_and_refused_one_byte_past_it() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let options = ConnectOptions::new().max_response_size(MIB);

    proxy.inject_next("RetrieveServiceContent", padded_to(MIB as usize));
    Client::connect(&proxy.url(), options.clone())
        .await
        .expect("a response of exactly the cap is accepted");

    proxy.inject_next("RetrieveServiceContent", padded_to(MIB as usize + 1));
    let err = Client::connect(&proxy.url(), options)
        .await
        .expect_err("one byte more is refused");
    match &err {
        Error::Transport(TransportError::ResponseTooLarge { limit, method, url }) => {
            assert_eq!(*limit, MIB);
            assert_eq!(method, "RetrieveServiceContent");
            assert_eq!(url, &proxy.url());
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    assert!(err.to_string().contains("1 MiB"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_stops_at_the_cap() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = Client::connect(&proxy.url(), login_options(&sim).max_response_size(4 * MIB))
        .await
        .unwrap();
    proxy.inject_next("RetrievePropertiesEx", Fault::EndlessBody);
    let started = std::time::Instant::now();
    let err = client
        .list::<esx_vi::types::VirtualMachineProperties>(&["name"])
        .await
        .expect_err("an endless body fails");
    assert!(
        matches!(&err, Error::Transport(TransportError::ResponseTooLarge { limit, .. }) if *limit == 4 * MIB),
        "{err:?}"
    );
    assert!(err.to_string().contains("4 MiB"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_default_cap_is_256_mib() {
    assert_eq!(esx_vi::options::DEFAULT_MAX_RESPONSE_SIZE, 256 * MIB);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_with_control_characters_never_reach_the_server() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    for (user, password, named) in [
        ("ro\0ot", "pass", "user name"),
        ("root\nerror: x", "pass", "user name"),
        ("root", "pa\u{1b}ss", "password"),
    ] {
        let err = Client::connect(
            &proxy.url(),
            ConnectOptions::new().credentials(esx_vi::Credentials::new(user, password)),
        )
        .await
        .expect_err("refused");
        let text = err.to_string();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        assert!(text.contains(named), "{text}");
        assert!(!text.contains(user) && !text.contains(password), "{text}");
    }
    assert_eq!(proxy.calls("Login"), 0, "{:?}", proxy.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_server_says_is_escaped_before_it_is_shown() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    // An HTML error page that would clear and repaint the terminal.
    proxy.inject_next(
        "RetrieveServiceContent",
        Fault::Status {
            status: 500,
            body: "\u{1b}[2J\u{1b}[31mpwned\u{7}".into(),
        },
    );
    let err = Client::connect(&proxy.url(), ConnectOptions::new())
        .await
        .expect_err("HTTP 500 without SOAP");
    let text = err.to_string();
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    assert!(text.contains("\\x1b[31mpwned\\x07"), "{text}");

    // A SOAP fault whose message would forge a second error line.
    let fault = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>denied
error: forged &#x1b;[31m</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
    proxy.inject_next(
        "RetrieveServiceContent",
        Fault::Status {
            status: 500,
            body: fault.into(),
        },
    );
    let err = Client::connect(&proxy.url(), ConnectOptions::new())
        .await
        .expect_err("a fault");
    let text = err.to_string();
    assert!(matches!(err, Error::Fault { .. }), "{err:?}");
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    assert!(text.contains("denied\\nerror: forged"), "{text}");
}

#[test]
fn default_timeouts_are_15_s_to_connect_and_5_min_per_call() {
    let options = ConnectOptions::new();
    assert_eq!(options.connect_timeout_value(), Duration::from_secs(15));
    assert_eq!(options.request_timeout_value(), Duration::from_secs(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_completes_the_handshake_fails_at_the_connect_timeout() {
    // The kernel accepts the TCP connection; nothing ever answers the TLS ClientHello.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/sdk", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let err = Client::connect(
        &url,
        ConnectOptions::new()
            .no_verify()
            .connect_timeout(Duration::from_secs(1))
            .request_timeout(Duration::from_secs(120)),
    )
    .await
    .expect_err("no handshake");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&err, Error::Transport(TransportError::ConnectTimeout { timeout, .. }) if *timeout == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out after 1 s"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_fails_at_the_request_timeout() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sdk", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let err = Client::connect(
        &url,
        ConnectOptions::new().request_timeout(Duration::from_secs(1)),
    )
    .await
    .expect_err("no answer");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&err, Error::Transport(TransportError::Timeout { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out after 1 s"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_download_fails_after_the_request_timeout_without_data() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = Client::connect(
        &proxy.url(),
        login_options(&sim).request_timeout(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    proxy.inject_next("GET /folder", Fault::Stall(Duration::from_secs(8)));
    let file: esx_vi::DatastorePath = "[LocalDS_0] ha-host_VM0/ha-host_VM0.vmx".parse().unwrap();
    let started = std::time::Instant::now();
    let mut sink = Vec::new();
    let err = client
        .download_file("ha-datacenter", &file, None, &mut sink, |_| {})
        .await
        .expect_err("a stalled transfer fails");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("timed out after 1 s"), "{err}");
}
