//! The harness itself: a simulator starts on a free loopback port, prints what a client needs, serves
//! both models, and is gone once dropped.

use std::time::{Duration, Instant};

use esx_tests::raw::RawSoap;
use esx_tests::{SimOptions, Simulator, WireStyle};

#[test]
fn esx_and_vpx_models_serve_their_inventories() {
    for (options, root, pc, vm) in [
        (
            SimOptions::esx(),
            "ha-folder-root",
            "ha-property-collector",
            "ha-host_VM0",
        ),
        (
            SimOptions::vpx(),
            "group-d1",
            "propertyCollector",
            "DC0_H0_VM0",
        ),
    ] {
        let sim = Simulator::start(options).expect("simulator starts");
        assert!(sim.url().starts_with("http://127.0.0.1:"), "{}", sim.url());
        assert!(sim.url().ends_with("/sdk"));
        assert!(sim.port() > 0);
        let mut soap = RawSoap::login(&sim);
        assert_eq!(soap.refs.root_folder, root);
        assert_eq!(soap.refs.property_collector, pc);
        assert!(
            soap.find_vm(vm).is_some(),
            "{vm} in the {:?} model",
            sim.options().model
        );
    }
}

#[test]
fn counts_shape_the_inventory() {
    let mut options = SimOptions::vpx();
    options.clusters = Some(2);
    options.hosts_per_cluster = Some(2);
    options.standalone_hosts = Some(0);
    options.vms = Some(3);
    let sim = Simulator::start(options).unwrap();
    let mut soap = RawSoap::login(&sim);
    let hosts = soap.container_view("HostSystem");
    let r = soap
        .retrieve_view(&hosts, "HostSystem", &["name"], None)
        .ok();
    assert_eq!(esx_tests::raw::elements(&r.body, "objects").len(), 4);
    let vms = soap.container_view("VirtualMachine");
    let r = soap
        .retrieve_view(&vms, "VirtualMachine", &["name"], None)
        .ok();
    assert_eq!(
        esx_tests::raw::elements(&r.body, "objects").len(),
        6,
        "3 VMs per cluster"
    );
    assert!(soap.find_vm("DC0_C1_RP0_VM2").is_some());
}

#[test]
fn login_checks_the_configured_credentials() {
    let sim = Simulator::start(SimOptions::esx().credentials("root", "s3cret")).unwrap();
    let mut soap = RawSoap::new(&sim);
    let defaults = SimOptions::esx();
    for (user, password, what) in [
        ("root", "wrong", "a wrong password"),
        ("admin", "s3cret", "another user"),
        (
            defaults.username.as_str(),
            defaults.password.as_str(),
            "the default credentials the configured ones replace",
        ),
    ] {
        let refused = soap.login_as(user, password);
        assert_eq!(refused.fault().as_deref(), Some("InvalidLogin"), "{what}");
        assert!(soap.cookie().is_none(), "{what} gives no session");
    }
    soap.login_as("root", "s3cret").ok();
    assert!(soap.cookie().is_some());
    // CurrentTime needs a session: the login made a working one.
    soap.invoke("CurrentTime", "ServiceInstance", "ServiceInstance", "")
        .ok();
}

/// Dropping closes the simulator's stdin, and it exits by itself well before the drop's kill
/// deadline (3 s): the same happens when a test process dies without dropping it.
#[test]
fn dropping_the_simulator_stops_it_and_removes_its_files() {
    let sim = Simulator::start(SimOptions::esx().wire(WireStyle::Vcsim)).unwrap();
    let host_port = sim.host_port().to_string();
    let pid = sim.pid();
    let temp = sim.temp_dir().to_path_buf();
    assert!(temp.is_dir());
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let dropping = Instant::now();
    drop(sim);
    assert!(
        dropping.elapsed() < Duration::from_secs(2),
        "the simulator did not exit when its stdin closed (took {:?})",
        dropping.elapsed()
    );
    assert!(
        std::net::TcpStream::connect(&host_port).is_err(),
        "nothing listens on {host_port} any more"
    );
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} is gone"
    );
    assert!(!temp.exists(), "{} removed", temp.display());
}

#[test]
fn bad_flags_are_reported() {
    let err = Simulator::start(SimOptions::esx().arg("-wire=soap")).unwrap_err();
    assert!(
        err.to_string().contains("-wire must be xsi or vcsim"),
        "{err}"
    );
}

#[test]
fn vpx_with_vms_holds_exactly_that_many_vms() {
    let sim = Simulator::start(SimOptions::vpx_with_vms(150)).unwrap();
    let mut soap = RawSoap::login(&sim);
    let view = soap.container_view("VirtualMachine");
    let first = soap
        .retrieve_view(&view, "VirtualMachine", &["name"], None)
        .ok();
    let token = first.text("token").unwrap();
    let second = soap.continue_retrieve(&token).ok();
    let n = esx_tests::raw::elements(&first.body, "objects").len()
        + esx_tests::raw::elements(&second.body, "objects").len();
    assert_eq!(n, 150);
}

#[test]
fn the_password_stays_out_of_debug_output_and_errors() {
    let options = SimOptions::esx()
        .credentials("root", "hunter2-secret")
        .arg("-no-such-flag");
    assert!(!format!("{options:?}").contains("hunter2-secret"));
    let err = Simulator::start(options).unwrap_err();
    assert!(!err.to_string().contains("hunter2-secret"), "{err}");
    assert!(err.to_string().contains("-no-such-flag"), "{err}");
}
