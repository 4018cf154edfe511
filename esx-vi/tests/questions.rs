//! VM questions, as libvirt's ESX driver handles them: before a task (auto-answer off: error, no
//! task; on: answer with the default, no task either) and during a wait (on: answer and keep
//! waiting; off: error quoting the question, the task cancelled where it can be).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use esx_tests::{SimOptions, WireStyle};
use esx_vi::types::{methods, ManagedObjectReference, TaskInfoState};
use esx_vi::{BlockedTask, Client, Error, Preparation, TaskRun, TaskWait};

const QUESTION_TEXT: &str = "may have been moved or copied";

/// A simulator whose VM0 asks a question at power-on and whose VM1 also asks, with tasks that
/// cannot be cancelled.
fn questioning_simulator(wire: WireStyle) -> esx_tests::Simulator {
    common::simulator(
        SimOptions::esx()
            .wire(wire)
            .question_vms(["ha-host_VM0", "ha-host_VM1"])
            .noncancelable_vms(["ha-host_VM1"]),
    )
}

async fn powered_off_vm(client: &Client, name: &str) -> ManagedObjectReference {
    let vm = common::vm(client, name).await;
    let task = methods::power_off_vm_task(client, &vm)
        .await
        .expect("PowerOffVM_Task");
    client
        .wait_for_task(&task, Some(&vm), TaskWait::default())
        .await
        .expect("power off");
    vm
}

async fn start_power_on(client: &Client, vm: &ManagedObjectReference) -> ManagedObjectReference {
    methods::power_on_vm_task(client, vm, None)
        .await
        .expect("PowerOnVM_Task")
}

/// Waits (briefly, polling the simulator) until the VM asks its question.
async fn wait_for_question(client: &Client, vm: &ManagedObjectReference) {
    for _ in 0..100 {
        if client
            .vm_question(vm)
            .await
            .expect("runtime.question")
            .is_some()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the VM never asked its question");
}

#[tokio::test]
async fn auto_answer_during_a_wait_answers_the_default_and_completes_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = questioning_simulator(wire);
        let client = common::connect(&sim).await;
        let vm = powered_off_vm(&client, "ha-host_VM0").await;
        let task = start_power_on(&client, &vm).await;
        let wait = TaskWait {
            auto_answer: true,
            ..TaskWait::default()
        };
        let info = client
            .wait_for_task(&task, Some(&vm), wait)
            .await
            .expect("answered and done");
        assert_eq!(info.state, TaskInfoState::Success, "{wire:?}");
        assert_eq!(common::power_state(&client, &vm).await, "poweredOn");
        assert!(client.vm_question(&vm).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_question_during_a_wait_without_auto_answer_cancels_the_task_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = questioning_simulator(wire);
        let client = common::connect(&sim).await;
        let vm = powered_off_vm(&client, "ha-host_VM0").await;
        let task = start_power_on(&client, &vm).await;
        let err = client
            .wait_for_task(&task, Some(&vm), TaskWait::default())
            .await
            .expect_err("question");
        let text = err.to_string();
        assert!(text.contains(QUESTION_TEXT), "{text}");
        assert!(
            text.contains("'I _Copied It' (2)") && text.contains("'I _Moved It' (1)"),
            "{text}"
        );
        assert!(text.contains("ha-host_VM0"), "{text}");
        match err {
            Error::Question(q) => {
                assert_eq!(q.task, BlockedTask::Cancelled, "{wire:?}");
                assert_eq!(
                    q.question.default_choice().map(|c| c.key.as_str()),
                    Some("2")
                );
            }
            other => panic!("expected a question error, got {other:?}"),
        }
        assert_eq!(common::power_state(&client, &vm).await, "poweredOff");
        assert!(
            client.vm_question(&vm).await.unwrap().is_none(),
            "cancelling withdrew the question"
        );
    }
}

#[tokio::test]
async fn a_question_on_a_non_cancelable_task_says_it_stays_blocked() {
    let sim = questioning_simulator(WireStyle::Xsi);
    let client = common::connect(&sim).await;
    let vm = powered_off_vm(&client, "ha-host_VM1").await;
    let task = start_power_on(&client, &vm).await;
    let err = client
        .wait_for_task(&task, Some(&vm), TaskWait::default())
        .await
        .expect_err("question");
    assert!(err.to_string().contains("cannot be cancelled"), "{err}");
    assert!(
        matches!(&err, Error::Question(q) if q.task == BlockedTask::NotCancelable),
        "{err:?}"
    );
    assert!(
        client.vm_question(&vm).await.unwrap().is_some(),
        "still blocked"
    );

    // Answering it later lets the blocked power-on finish.
    let preparation = client
        .prepare_vm_for_task(&vm, true)
        .await
        .expect("auto-answer");
    assert!(
        matches!(preparation, Preparation::QuestionAnswered(_)),
        "{preparation:?}"
    );
    client
        .wait_for_task(&task, Some(&vm), TaskWait::default())
        .await
        .expect("power-on completes");
    assert_eq!(common::power_state(&client, &vm).await, "poweredOn");
}

#[tokio::test]
async fn a_pending_question_before_a_task_blocks_it_or_is_answered_in_both_wire_styles() {
    for wire in WireStyle::ALL {
        let sim = questioning_simulator(wire);
        let client = common::connect(&sim).await;
        let vm = powered_off_vm(&client, "ha-host_VM0").await;
        let blocked = start_power_on(&client, &vm).await;
        wait_for_question(&client, &vm).await;

        // Auto-answer off: an error quoting the question; the new task is not started.
        let started = Arc::new(Mutex::new(0));
        let counter = started.clone();
        let start = || async move {
            *counter.lock().unwrap() += 1;
            Err::<ManagedObjectReference, _>(Error::InvalidArgument("must not start".into()))
        };
        let err = client
            .run_vm_task(&vm, TaskWait::default(), start)
            .await
            .expect_err("pending question");
        assert!(err.to_string().contains(QUESTION_TEXT), "{err}");
        assert!(
            matches!(&err, Error::Question(q) if q.task == BlockedTask::NotStarted),
            "{err:?}"
        );

        // Auto-answer on: the question is answered with its default; still no new task.
        let counter = started.clone();
        let start = || async move {
            *counter.lock().unwrap() += 1;
            Err::<ManagedObjectReference, _>(Error::InvalidArgument("must not start".into()))
        };
        let wait = TaskWait {
            auto_answer: true,
            ..TaskWait::default()
        };
        match client
            .run_vm_task(&vm, wait, start)
            .await
            .expect("answered")
        {
            TaskRun::NotStarted(answered) => assert_eq!(answered.answer.key, "2"),
            other => panic!("expected NotStarted, got {other:?}"),
        }
        assert_eq!(*started.lock().unwrap(), 0, "{wire:?}: no task was started");
        // The blocked power-on now completes the requested action.
        client
            .wait_for_task(&blocked, Some(&vm), TaskWait::default())
            .await
            .expect("power-on");
        assert_eq!(common::power_state(&client, &vm).await, "poweredOn");
    }
}
