//! Connecting, logging in and listing against both simulator models, in both wire styles.

mod common;

use esx_tests::{Model, SimOptions, WireStyle};
use esx_vi::types::VirtualMachineProperties;
use esx_vi::{Client, ConnectOptions, Credentials, Error};

#[tokio::test]
async fn esx_and_vcenter_list_every_vm_in_both_wire_styles() {
    for model in [Model::Esx, Model::Vpx] {
        for wire in WireStyle::ALL {
            let sim = common::simulator(SimOptions::new(model).wire(wire));
            let client = common::connect(&sim).await;
            assert_eq!(client.is_vcenter(), model == Model::Vpx, "{model:?}");
            assert!(!client.api_version().is_empty());
            assert_eq!(
                client.session().map(|s| s.user_name),
                Some(sim.username().to_owned())
            );

            let rows = common::power_states(&client).await;
            let expected: Vec<String> = match model {
                // ESX: 2 VMs on its one host. vCenter: 2 on the standalone host, 2 in the cluster.
                Model::Esx => vec!["ha-host_VM0".into(), "ha-host_VM1".into()],
                Model::Vpx => vec![
                    "DC0_C0_RP0_VM0".into(),
                    "DC0_C0_RP0_VM1".into(),
                    "DC0_H0_VM0".into(),
                    "DC0_H0_VM1".into(),
                ],
            };
            let names: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
            assert_eq!(names, expected, "{model:?} {wire:?}");
            assert!(rows.iter().all(|(_, s)| s == "poweredOn"), "{rows:?}");

            client.logout().await.expect("logout");
            let err = client
                .list::<VirtualMachineProperties>(&["name"])
                .await
                .expect_err("no session after logout");
            assert_eq!(err.fault_type(), Some("NotAuthenticated"), "{err}");
        }
    }
}

#[tokio::test]
async fn wrong_password_is_an_invalid_login_fault_without_the_password() {
    let sim = common::simulator(SimOptions::esx());
    let err = Client::connect(
        sim.url(),
        ConnectOptions::new().credentials(Credentials::new(sim.username(), "not-the-password-xyz")),
    )
    .await
    .expect_err("wrong password");
    assert_eq!(err.fault_type(), Some("InvalidLogin"), "{err}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("not-the-password-xyz"), "{text}");
}

#[tokio::test]
async fn connect_without_credentials_then_login() {
    let sim = common::simulator(SimOptions::esx());
    let client = Client::connect(sim.url(), ConnectOptions::new())
        .await
        .expect("connect");
    assert!(client.session().is_none());
    let err = client
        .list::<VirtualMachineProperties>(&["name"])
        .await
        .expect_err("strict sessions need a login");
    assert_eq!(err.fault_type(), Some("NotAuthenticated"), "{err}");
    client
        .login(Credentials::new(sim.username(), sim.password()))
        .await
        .expect("login");
    assert_eq!(common::power_states(&client).await.len(), 2);
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error_naming_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/sdk");
    let err = Client::connect(&url, ConnectOptions::new())
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

#[tokio::test]
async fn clones_share_one_session_across_tasks() {
    let sim = common::simulator(SimOptions::vpx());
    let client = common::connect(&sim).await;
    let mut handles = Vec::new();
    for _ in 0..6 {
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            common::power_states(&client).await.len()
        }));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap(), 4);
    }
}
