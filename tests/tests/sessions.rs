//! Sessions: idle expiry, forced expiry of all sessions, and re-login afterwards; the datastore file
//! endpoint needs a session too.

use std::time::Duration;

use esx_tests::raw::RawSoap;
use esx_tests::{SimOptions, Simulator, WireStyle};

fn current_time(soap: &mut RawSoap) -> esx_tests::raw::Response {
    soap.invoke("CurrentTime", "ServiceInstance", "ServiceInstance", "")
}

#[test]
fn idle_sessions_expire_and_a_new_login_works() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(
            SimOptions::vpx()
                .wire(wire)
                .session_idle_timeout(Duration::from_secs(1)),
        )
        .unwrap();
        let mut soap = RawSoap::login(&sim);
        // activity keeps the session alive past the timeout
        for _ in 0..6 {
            std::thread::sleep(Duration::from_millis(250));
            current_time(&mut soap).ok();
        }
        // expiry is checked once per timeout period: idle for more than two periods is surely gone
        std::thread::sleep(Duration::from_millis(2600));
        let expired = current_time(&mut soap);
        assert_eq!(
            expired.fault().as_deref(),
            Some("NotAuthenticated"),
            "{wire:?}: {}",
            expired.body
        );
        let view = soap.refs.root_folder.clone();
        let r = soap.properties("Folder", &view, &["name"]);
        assert_eq!(
            r.fault().as_deref(),
            Some("NotAuthenticated"),
            "property collection too"
        );

        let old = soap.cookie().map(str::to_string);
        soap.login_as(sim.username(), sim.password()).ok();
        assert_ne!(soap.cookie().map(str::to_string), old, "a new session");
        current_time(&mut soap).ok();
    }
}

#[test]
fn expire_sessions_ends_every_session_at_once() {
    for wire in WireStyle::ALL {
        let sim = Simulator::start(SimOptions::esx().wire(wire)).unwrap();
        let mut a = RawSoap::login(&sim);
        let mut b = RawSoap::login(&sim);
        current_time(&mut a).ok();
        current_time(&mut b).ok();
        assert_eq!(sim.expire_sessions().unwrap(), 2);
        assert_eq!(
            current_time(&mut a).fault().as_deref(),
            Some("NotAuthenticated")
        );
        assert_eq!(
            current_time(&mut b).fault().as_deref(),
            Some("NotAuthenticated")
        );
        let vm_view = a.invoke(
            "CreateContainerView",
            "ViewManager",
            &a.refs.view_manager.clone(),
            "",
        );
        assert_eq!(vm_view.fault().as_deref(), Some("NotAuthenticated"));
        a.login_as(sim.username(), sim.password()).ok();
        current_time(&mut a).ok();
        assert_eq!(
            current_time(&mut b).fault().as_deref(),
            Some("NotAuthenticated"),
            "b did not log in again"
        );
        assert_eq!(sim.expire_sessions().unwrap(), 1);
    }
}

#[test]
fn the_control_endpoint_is_also_served_on_the_sdk_port() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let r = soap.http("POST", "/_sim/expire-sessions", &[], b"");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with("expired 1 sessions"), "{}", r.body);
    assert_eq!(
        soap.http("GET", "/_sim/expire-sessions", &[], b"").status,
        405
    );
}

#[test]
fn datastore_files_need_a_session() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::new(&sim);
    let path = "/folder/ha-host_VM0/ha-host_VM0.vmx?dcPath=ha-datacenter&dsName=LocalDS_0";
    assert_eq!(soap.http("GET", path, &[], b"").status, 401);
    assert_eq!(
        soap.http(
            "PUT",
            "/folder/x.txt?dcPath=ha-datacenter&dsName=LocalDS_0",
            &[],
            b"x"
        )
        .status,
        401
    );
    soap.login_as(sim.username(), sim.password()).ok();
    assert_eq!(soap.http("GET", path, &[], b"").status, 200);
}
