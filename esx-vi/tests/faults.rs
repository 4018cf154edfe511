//! The client against the fault-injection proxy: a dropped connection, 503, a stall, a trickle,
//! truncated XML and an expired session at a chosen call. Each ends in the right outcome or a
//! clear error, never a panic; a call that may have started a task is never sent twice; a read is
//! sent again at most once.

mod common;

use std::time::Duration;

use common::{login_options, simulator};
use esx_tests::proxy::{Fault, FaultProxy};
use esx_tests::{SimOptions, Simulator};
use esx_vi::types::{methods, VirtualMachineProperties};
use esx_vi::{Client, Error, TaskWait, TransportError};

async fn through(proxy: &FaultProxy, sim: &Simulator) -> Client {
    Client::connect(
        &proxy.url(),
        login_options(sim).request_timeout(Duration::from_secs(3)),
    )
    .await
    .expect("connects through the proxy")
}

async fn names(client: &Client) -> Result<Vec<String>, Error> {
    let vms: Vec<VirtualMachineProperties> = client.list(&["name"]).await?;
    Ok(vms.into_iter().filter_map(|v| v.name).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cut_off_mid_response_is_sent_again_once() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = through(&proxy, &sim).await;
    let before = proxy.calls("RetrievePropertiesEx");
    proxy.inject("RetrievePropertiesEx", before + 1, Fault::DropMidResponse);
    assert_eq!(names(&client).await.unwrap().len(), 2);
    assert_eq!(proxy.calls("RetrievePropertiesEx") - before, 2, "one retry");

    // Cut twice in a row: a clear error after one retry, no third attempt.
    let before = proxy.calls("RetrievePropertiesEx");
    proxy.inject("RetrievePropertiesEx", before + 1, Fault::DropMidResponse);
    proxy.inject("RetrievePropertiesEx", before + 2, Fault::DropRequest);
    let err = names(&client).await.expect_err("fails");
    assert!(
        matches!(&err, Error::Transport(TransportError::Connect { url, .. }) if url == &proxy.url()),
        "{err:?}"
    );
    assert_eq!(
        proxy.calls("RetrievePropertiesEx") - before,
        2,
        "at most one retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_starting_call_is_never_sent_twice() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = through(&proxy, &sim).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    for fault in [Fault::DropAfterForward, Fault::DropMidResponse] {
        let before = proxy.calls("PowerOffVM_Task");
        proxy.inject("PowerOffVM_Task", before + 1, fault.clone());
        let err = methods::power_off_vm_task(&client, &vm)
            .await
            .map_err(|e| Error::from_method("PowerOffVM_Task", e))
            .expect_err("the answer never arrives");
        assert!(matches!(&err, Error::Transport(_)), "{fault:?}: {err:?}");
        assert_eq!(
            proxy.calls("PowerOffVM_Task") - before,
            1,
            "{fault:?}: sent once: {:?}",
            proxy.seen()
        );
    }
    // The first one reached the server, which powered the VM off.
    assert_eq!(common::power_state(&client, &vm).await, "poweredOff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_stalled_trickling_and_truncated_answers() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = through(&proxy, &sim).await;

    proxy.inject_next(
        "RetrievePropertiesEx",
        Fault::Status {
            status: 503,
            body: "Service Unavailable".into(),
        },
    );
    let err = names(&client).await.expect_err("503");
    assert!(
        matches!(
            &err,
            Error::Transport(TransportError::HttpStatus { status: 503, .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTTP 503"), "{err}");

    proxy.inject_next("RetrievePropertiesEx", Fault::Stall(Duration::from_secs(6)));
    let err = names(&client).await.expect_err("stalled past the timeout");
    assert!(
        matches!(&err, Error::Transport(TransportError::Timeout { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out after 3 s"), "{err}");

    // Slow but steady: within the timeout, the answer is whole.
    proxy.inject_next(
        "RetrievePropertiesEx",
        Fault::Trickle {
            chunk: 256,
            delay: Duration::from_millis(5),
        },
    );
    assert_eq!(names(&client).await.unwrap().len(), 2);

    proxy.inject_next("RetrievePropertiesEx", Fault::TruncateXml);
    let err = names(&client).await.expect_err("half an envelope");
    assert!(matches!(&err, Error::Decode { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot decode the response to RetrievePropertiesEx"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_expired_at_a_task_starting_call_starts_one_task() {
    let sim = simulator(SimOptions::esx());
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = through(&proxy, &sim).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    proxy.inject_next("PowerOffVM_Task", Fault::expire_sessions(&sim));
    // NotAuthenticated: the server did nothing, so after logging in the call is made again.
    let task = methods::power_off_vm_task(&client, &vm)
        .await
        .map_err(|e| Error::from_method("PowerOffVM_Task", e))
        .unwrap();
    client
        .wait_for_task(&task, Some(&vm), TaskWait::default())
        .await
        .unwrap();
    assert_eq!(common::power_state(&client, &vm).await, "poweredOff");
    assert_eq!(proxy.calls("Login"), 2);
}
