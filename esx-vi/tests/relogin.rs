//! A session that expires in the middle of a task wait or of a paged retrieval: the client logs
//! in again and carries on where it was (never starting a task twice, never mixing two
//! snapshots). The expiry is injected at a chosen call by the fault-injection proxy.

mod common;

use std::time::Duration;

use common::{login_options, simulator};
use esx_tests::proxy::{Fault, FaultProxy};
use esx_tests::SimOptions;
use esx_vi::types::methods;
use esx_vi::{Client, Error, TaskRun, TaskWait};

async fn connect_through(proxy: &FaultProxy, sim: &esx_tests::Simulator, page: u32) -> Client {
    Client::connect(&proxy.url(), login_options(sim).page_size(page))
        .await
        .expect("connects through the proxy")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_expiring_during_a_task_wait_resumes_waiting_on_the_same_task() {
    let sim = simulator(SimOptions::esx().task_duration(Duration::from_millis(2500)));
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = connect_through(&proxy, &sim, 100).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    assert_eq!(common::power_state(&client, &vm).await, "poweredOn");

    // The first wait answers at once (the task is running); the session ends before the second.
    let waits = proxy.calls("WaitForUpdatesEx");
    proxy.inject("WaitForUpdatesEx", waits + 2, Fault::expire_sessions(&sim));
    let run = client
        .run_vm_task(&vm, TaskWait::default(), || async {
            methods::power_off_vm_task(&client, &vm)
                .await
                .map_err(|e| Error::from_method("PowerOffVM_Task", e))
        })
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the power-off's real outcome is success: {e}\n{:?}",
                proxy.seen()
            )
        });
    assert!(matches!(run, TaskRun::Completed(_)), "{run:?}");
    assert_eq!(common::power_state(&client, &vm).await, "poweredOff");
    assert_eq!(
        proxy.calls("PowerOffVM_Task"),
        1,
        "the task is never started again"
    );
    assert_eq!(proxy.calls("Login"), 2, "one re-login: {:?}", proxy.seen());
    assert!(
        proxy.calls("CreatePropertyCollector") >= 2,
        "{:?}",
        proxy.seen()
    );
}
