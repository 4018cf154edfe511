//! Console screenshots over /screen with the session cookie: a running VM's PNG, and the HTTP
//! errors of an unknown VM and of a client without a session, in the words users see.

mod common;

use esx_tests::SimOptions;
use esx_vi::types::ManagedObjectReference;
use esx_vi::{Error, TransportError};

#[tokio::test]
async fn a_running_vm_has_a_png_screen() {
    let sim = common::simulator(SimOptions::esx());
    let client = common::connect(&sim).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    let png = client.screenshot(&vm).await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{:?}", &png[..8]);

    let unknown = ManagedObjectReference::new("VirtualMachine", "vm-99999");
    match client.screenshot(&unknown).await {
        Err(Error::Transport(TransportError::HttpStatus { status, method, .. })) => {
            assert_eq!(status, 404);
            assert_eq!(method, "the screenshot of vm-99999");
        }
        other => panic!("expected HTTP 404, got {other:?}"),
    }

    client.logout().await.expect("logout");
    match client.screenshot(&vm).await {
        Err(Error::Transport(TransportError::HttpStatus { status, .. })) => {
            assert_eq!(status, 401)
        }
        other => panic!("expected HTTP 401 without a session, got {other:?}"),
    }
}
