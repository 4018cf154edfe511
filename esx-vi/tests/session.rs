//! Session expiry: a NotAuthenticated fault makes the client log in again once and retry the call
//! once; concurrent callers share that one re-login.

mod common;

use std::time::Duration;

use esx_tests::{SimOptions, WireStyle};
use esx_vi::Client;

#[tokio::test]
async fn an_expired_session_is_restored_transparently_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = common::simulator(SimOptions::esx().wire(wire));
        let client = common::connect(&sim).await;
        let first = client.session().expect("logged in").key;
        assert_eq!(sim.expire_sessions().expect("expire"), 1);

        let before = client.soap_request_count();
        assert_eq!(common::power_states(&client).await.len(), 2, "{wire:?}");
        // CreateContainerView (NotAuthenticated), Login, CreateContainerView again,
        // RetrievePropertiesEx, DestroyView.
        assert_eq!(client.soap_request_count() - before, 5, "{wire:?}");
        let second = client.session().expect("logged in again").key;
        assert_ne!(first, second, "a new session");
    }
}

#[tokio::test]
async fn idle_expiry_is_restored_too() {
    let sim = common::simulator(SimOptions::esx().session_idle_timeout(Duration::from_millis(300)));
    let client = common::connect(&sim).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(common::power_states(&client).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_re_login() {
    let sim = common::simulator(SimOptions::vpx());
    let client = common::connect(&sim).await;
    let vm = common::vm(&client, "DC0_H0_VM0").await;
    sim.expire_sessions().expect("expire");
    let logins_before = client.session().map(|s| s.key);

    let before = client.soap_request_count();
    let callers = 8u64;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(callers as usize));
    let mut handles = Vec::new();
    for _ in 0..callers {
        let client: Client = client.clone();
        let vm = vm.clone();
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            common::power_state(&client, &vm).await
        }));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap(), "poweredOn");
    }
    // Each caller: at most one failed and one retried call; plus one Login for all of them.
    let calls = client.soap_request_count() - before;
    assert!(calls > callers && calls <= 2 * callers + 1, "{calls} calls");
    assert_ne!(client.session().map(|s| s.key), logins_before);
    // Every Login makes a session on the server: exactly one means the re-login was shared.
    assert_eq!(sim.expire_sessions().expect("count sessions"), 1);
}

#[tokio::test]
async fn after_logout_there_is_no_re_login() {
    let sim = common::simulator(SimOptions::esx());
    let client = common::connect(&sim).await;
    client.logout().await.expect("logout");
    let before = client.soap_request_count();
    let vm = esx_vi::types::ManagedObjectReference::new("VirtualMachine", "1");
    let err = client
        .retrieve_object::<esx_vi::types::VirtualMachineProperties>(&vm, &["name"])
        .await
        .expect_err("logged out");
    assert_eq!(err.fault_type(), Some("NotAuthenticated"));
    assert_eq!(client.soap_request_count() - before, 1, "no login attempt");
}
