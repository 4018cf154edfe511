//! A session that expires in the middle of a task wait or of a paged retrieval: the client logs
//! in again and carries on where it was (never starting a task twice, never mixing two
//! snapshots). The expiry is injected at a chosen call by the fault-injection proxy.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{login_options, simulator};
use esx_tests::proxy::{Fault, FaultProxy};
use esx_tests::SimOptions;
use esx_vi::types::{methods, VirtualMachineProperties};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_expiring_between_pages_restarts_the_retrieval_once() {
    let sim = simulator(SimOptions::esx().vms(9).page_size(2));
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = connect_through(&proxy, &sim, 2).await;
    let continues = proxy.calls("ContinueRetrievePropertiesEx");
    proxy.inject(
        "ContinueRetrievePropertiesEx",
        continues + 2,
        Fault::expire_sessions(&sim),
    );
    let firsts = proxy.calls("RetrievePropertiesEx");
    let vms: Vec<VirtualMachineProperties> = client
        .list(&["name"])
        .await
        .unwrap_or_else(|e| panic!("the listing survives the expiry: {e}\n{:?}", proxy.seen()));
    let names: Vec<String> = vms.iter().filter_map(|v| v.name.clone()).collect();
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(names.len(), 9, "{names:?}");
    assert_eq!(unique.len(), 9, "no object twice: {names:?}");
    assert_eq!(
        proxy.calls("RetrievePropertiesEx") - firsts,
        2,
        "restarted from the first page once: {:?}",
        proxy.seen()
    );
    assert_eq!(proxy.calls("Login"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paged_retrieval_restarts_only_once() {
    let sim = simulator(SimOptions::esx().vms(9).page_size(2));
    let proxy = FaultProxy::start(&sim).unwrap();
    let client = connect_through(&proxy, &sim, 2).await;
    // Every continuation finds its session expired: after one restart, the error is reported.
    let continues = proxy.calls("ContinueRetrievePropertiesEx");
    for n in 1..=20 {
        proxy.inject(
            "ContinueRetrievePropertiesEx",
            continues + n,
            Fault::expire_sessions(&sim),
        );
    }
    let firsts = proxy.calls("RetrievePropertiesEx");
    let err = client
        .list::<VirtualMachineProperties>(&["name"])
        .await
        .expect_err("a second loss of the token fails");
    assert!(matches!(err, Error::Fault { .. }), "{err:?}");
    assert_eq!(proxy.calls("RetrievePropertiesEx") - firsts, 2);
}
