//! Tasks: waiting with WaitForUpdatesEx (already finished, progress, failure, timeout, cancel) and
//! the pending-task check before starting one.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use esx_tests::{SimOptions, WireStyle};
use esx_vi::types::{methods, AnyMethodFault, ManagedObjectReference, TaskInfoState};
use esx_vi::{Client, Error, Preparation, TaskProgress, TaskWait};

async fn power_off(client: &Client, vm: &ManagedObjectReference) -> ManagedObjectReference {
    methods::power_off_vm_task(client, vm)
        .await
        .expect("PowerOffVM_Task")
}

async fn power_on(client: &Client, vm: &ManagedObjectReference) -> ManagedObjectReference {
    methods::power_on_vm_task(client, vm, None)
        .await
        .expect("PowerOnVM_Task")
}

#[tokio::test]
async fn an_already_finished_task_is_reported_at_once_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        // vcsim finishes tasks before the creating call returns.
        let sim = common::simulator(SimOptions::esx().wire(wire));
        let client = common::connect(&sim).await;
        let vm = common::vm(&client, "ha-host_VM0").await;
        let task = power_off(&client, &vm).await;
        let info = client
            .wait_for_task(&task, Some(&vm), TaskWait::default())
            .await
            .expect("task succeeded");
        assert_eq!(info.state, TaskInfoState::Success);
        assert_eq!(common::power_state(&client, &vm).await, "poweredOff");
    }
}

#[tokio::test]
async fn progress_is_reported_while_the_task_runs_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = common::simulator(
            SimOptions::esx()
                .wire(wire)
                .task_duration(Duration::from_millis(1500)),
        );
        let client = common::connect(&sim).await;
        let vm = common::vm(&client, "ha-host_VM0").await;
        let task = power_off(&client, &vm).await;
        let mut seen: Vec<TaskProgress> = Vec::new();
        let mut record = |p: TaskProgress| seen.push(p);
        let wait = TaskWait {
            progress: Some(&mut record),
            ..TaskWait::default()
        };
        client
            .wait_for_task(&task, Some(&vm), wait)
            .await
            .expect("task succeeded");
        let percents: Vec<i32> = seen.iter().filter_map(|p| p.percent).collect();
        assert!(
            percents.len() >= 3,
            "{wire:?}: several progress updates, got {seen:?}"
        );
        assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
        assert!(seen.iter().all(|p| p.running), "{seen:?}");
        assert_eq!(common::power_state(&client, &vm).await, "poweredOff");
    }
}

#[tokio::test]
async fn a_failed_task_reports_fault_type_and_localized_message() {
    let sim = common::simulator(SimOptions::esx().task_duration(Duration::from_millis(200)));
    let client = common::connect(&sim).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    // Powering on a VM that is already on fails with InvalidPowerState.
    let task = power_on(&client, &vm).await;
    let err = client
        .wait_for_task(&task, Some(&vm), TaskWait::default())
        .await
        .expect_err("already powered on");
    let text = err.to_string();
    assert!(text.starts_with("InvalidPowerState - "), "{text}");
    assert!(text.contains("poweredOn"), "{text}");
    match err {
        Error::TaskFailed {
            fault: Some(fault),
            fault_type,
            ..
        } => {
            assert_eq!(fault_type, "InvalidPowerState");
            assert!(
                matches!(*fault, AnyMethodFault::InvalidPowerState(_)),
                "{fault:?}"
            );
        }
        other => panic!("expected TaskFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wait_times_out_and_the_task_can_then_be_cancelled() {
    let sim = common::simulator(SimOptions::esx().task_duration(Duration::from_secs(5)));
    let client = common::connect(&sim).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    let task = power_off(&client, &vm).await;

    let started = Instant::now();
    let wait = TaskWait {
        timeout: Some(Duration::from_millis(400)),
        ..TaskWait::default()
    };
    let err = client
        .wait_for_task(&task, Some(&vm), wait)
        .await
        .expect_err("times out");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    client.cancel_task(&task).await.expect("CancelTask");
    let err = client
        .wait_for_task(&task, Some(&vm), TaskWait::default())
        .await
        .expect_err("cancelled");
    assert_eq!(err.fault_type(), Some("RequestCanceled"), "{err}");
    assert_eq!(
        common::power_state(&client, &vm).await,
        "poweredOn",
        "the cancelled power-off did nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_a_wait_ends_the_wait_and_concurrent_waits_do_not_interfere() {
    let sim = common::simulator(SimOptions::esx().task_duration(Duration::from_secs(3)));
    let client = common::connect(&sim).await;
    let vm0 = common::vm(&client, "ha-host_VM0").await;
    let vm1 = common::vm(&client, "ha-host_VM1").await;
    let cancelled = power_off(&client, &vm0).await;
    let completed = power_off(&client, &vm1).await;

    let waiter = {
        let (client, task, vm) = (client.clone(), cancelled.clone(), vm0.clone());
        tokio::spawn(async move {
            client
                .wait_for_task(&task, Some(&vm), TaskWait::default())
                .await
        })
    };
    let other = {
        let (client, task, vm) = (client.clone(), completed.clone(), vm1.clone());
        tokio::spawn(async move {
            client
                .wait_for_task(&task, Some(&vm), TaskWait::default())
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.cancel_task(&cancelled).await.expect("CancelTask");
    let err = waiter.await.unwrap().expect_err("cancelled");
    assert_eq!(err.fault_type(), Some("RequestCanceled"), "{err}");
    assert!(err.to_string().starts_with("RequestCanceled - "), "{err}");
    other.await.unwrap().expect("the other task completes");
    assert_eq!(common::power_state(&client, &vm1).await, "poweredOff");
}

#[tokio::test]
async fn no_task_starts_while_another_runs_on_the_vm() {
    let sim = common::simulator(SimOptions::esx().task_duration(Duration::from_secs(2)));
    let client = common::connect(&sim).await;
    let vm = common::vm(&client, "ha-host_VM0").await;
    assert_eq!(
        client
            .prepare_vm_for_task(&vm, false)
            .await
            .expect("idle VM"),
        Preparation::Ready
    );

    let running = power_off(&client, &vm).await;
    let started = Arc::new(Mutex::new(false));
    let flag = started.clone();
    let err = client
        .run_vm_task(&vm, TaskWait::default(), || async move {
            *flag.lock().unwrap() = true;
            Err(Error::InvalidArgument("must not start".into()))
        })
        .await
        .expect_err("another task is running");
    assert!(matches!(err, Error::TasksPending { .. }), "{err:?}");
    assert!(err.to_string().contains("ha-host_VM0"), "{err}");
    assert!(!*started.lock().unwrap(), "the new task was not started");
    client
        .wait_for_task(&running, Some(&vm), TaskWait::default())
        .await
        .expect("first task");
    assert_eq!(
        client
            .prepare_vm_for_task(&vm, false)
            .await
            .expect("idle again"),
        Preparation::Ready
    );
}
