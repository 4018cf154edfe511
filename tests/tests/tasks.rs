//! Tasks that run for a while: progress reported through the property collector (WaitForUpdatesEx),
//! CancelTask on running, finished and non-cancelable tasks, per-VM durations, recentTask.

use std::time::{Duration, Instant};

use esx_tests::raw::{elements, moref, text_of, texts_of, RawSoap};
use esx_tests::{SimOptions, Simulator, WireStyle};

const WAIT: Duration = Duration::from_secs(10);

fn start(options: SimOptions) -> (Simulator, RawSoap, String) {
    let sim = Simulator::start(options).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm = soap.find_vm("ha-host_VM0").unwrap();
    (sim, soap, vm)
}

fn invoke_task(soap: &mut RawSoap, method: &str, vm: &str) -> String {
    soap.invoke(method, "VirtualMachine", vm, "")
        .ok()
        .text("returnval")
        .unwrap()
}

/// Collects (progress, state) updates of a task through a filter and WaitForUpdatesEx until it ends.
fn watch(soap: &mut RawSoap, task: &str) -> (Vec<i32>, String) {
    let pc = soap.refs.property_collector.clone();
    soap.call(&format!(
        "<CreateFilter xmlns=\"urn:vim25\">{}<spec><propSet><type>Task</type><all>false</all><pathSet>info.progress</pathSet>\
         <pathSet>info.state</pathSet></propSet><objectSet>{}<skip>false</skip></objectSet></spec>\
         <partialUpdates>false</partialUpdates></CreateFilter>",
        moref("_this", "PropertyCollector", &pc),
        moref("obj", "Task", task)
    ))
    .ok();
    let mut version = String::new();
    let mut progress = Vec::new();
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "task {task} did not end");
        let r = soap
            .call(&format!(
                "<WaitForUpdatesEx xmlns=\"urn:vim25\">{}<version>{version}</version><options><maxWaitSeconds>5</maxWaitSeconds></options></WaitForUpdatesEx>",
                moref("_this", "PropertyCollector", &pc)
            ))
            .ok();
        if let Some(v) = r.text("version") {
            version = v;
        }
        let mut state = None;
        for change in elements(&r.body, "changeSet") {
            match text_of(change, "name").as_deref() {
                Some("info.progress") => {
                    if let Some(p) = text_of(change, "val").and_then(|v| v.parse().ok()) {
                        progress.push(p);
                    }
                }
                Some("info.state") => state = text_of(change, "val"),
                _ => {}
            }
        }
        if let Some(s) = state.filter(|s| s == "success" || s == "error") {
            return (progress, s);
        }
    }
}

#[test]
fn a_long_power_off_reports_progress_through_wait_for_updates() {
    for wire in WireStyle::ALL {
        let (_sim, mut soap, vm) = start(
            SimOptions::esx()
                .wire(wire)
                .task_duration(Duration::from_secs(1)),
        );
        let began = Instant::now();
        let task = invoke_task(&mut soap, "PowerOffVM_Task", &vm);
        assert!(
            began.elapsed() < Duration::from_millis(800),
            "the call returns before the task ends"
        );
        let info = soap.property("Task", &task, "info").unwrap();
        assert_eq!(
            text_of(&info, "state").as_deref(),
            Some("running"),
            "{info}"
        );
        assert_eq!(text_of(&info, "name").as_deref(), Some("PowerOff"));
        let recent = soap.property("VirtualMachine", &vm, "recentTask").unwrap();
        assert!(texts_of(&recent, "ManagedObjectReference").contains(&task));

        let (progress, state) = watch(&mut soap, &task);
        assert_eq!(state, "success", "{wire:?}");
        assert!(
            began.elapsed() >= Duration::from_millis(950),
            "took {:?}",
            began.elapsed()
        );
        assert!(
            progress.len() >= 4,
            "several progress updates seen: {progress:?}"
        );
        assert!(
            progress.windows(2).all(|w| w[0] < w[1]),
            "increasing: {progress:?}"
        );
        assert_eq!(progress.last(), Some(&100));
        let state = soap
            .property("VirtualMachine", &vm, "runtime.powerState")
            .unwrap();
        assert_eq!(text_of(&state, "val").as_deref(), Some("poweredOff"));
    }
}

#[test]
fn cancel_task_ends_a_running_task_with_request_canceled() {
    for wire in WireStyle::ALL {
        let (_sim, mut soap, vm) = start(
            SimOptions::esx()
                .wire(wire)
                .task_duration(Duration::from_secs(5)),
        );
        let task = invoke_task(&mut soap, "PowerOffVM_Task", &vm);
        let began = Instant::now();
        soap.invoke("CancelTask", "Task", &task, "").ok();
        assert!(began.elapsed() < Duration::from_secs(2));
        let info = soap.property("Task", &task, "info").unwrap();
        assert_eq!(
            text_of(&info, "state").as_deref(),
            Some("error"),
            "final when CancelTask returns: {info}"
        );
        assert_eq!(text_of(&info, "cancelled").as_deref(), Some("true"));
        let error = elements(&info, "error")[0];
        assert!(error.contains("RequestCanceled"), "{error}");
        assert!(text_of(error, "localizedMessage").is_some_and(|m| !m.is_empty()));
        let state = soap
            .property("VirtualMachine", &vm, "runtime.powerState")
            .unwrap();
        assert_eq!(
            text_of(&state, "val").as_deref(),
            Some("poweredOn"),
            "nothing happened"
        );

        let again = soap.invoke("CancelTask", "Task", &task, "");
        assert_eq!(
            again.fault().as_deref(),
            Some("InvalidState"),
            "a finished task: {}",
            again.body
        );
    }
}

#[test]
fn synchronous_tasks_are_already_finished_and_cannot_be_cancelled() {
    let (_sim, mut soap, vm) = start(SimOptions::esx());
    let task = invoke_task(&mut soap, "PowerOffVM_Task", &vm);
    let info = soap.property("Task", &task, "info").unwrap();
    assert_eq!(
        text_of(&info, "state").as_deref(),
        Some("success"),
        "vcsim's default"
    );
    assert_eq!(
        soap.invoke("CancelTask", "Task", &task, "")
            .fault()
            .as_deref(),
        Some("InvalidState")
    );
    let missing = soap.invoke("CancelTask", "Task", "task-999999", "");
    assert_eq!(
        missing.fault().as_deref(),
        Some("ManagedObjectNotFound"),
        "{}",
        missing.body
    );
}

#[test]
fn noncancelable_tasks_refuse_cancel_and_finish() {
    let options = SimOptions::esx()
        .task_duration(Duration::from_secs(1))
        .noncancelable_vms(["ha-host_VM0"]);
    let (_sim, mut soap, vm) = start(options);
    let task = invoke_task(&mut soap, "PowerOffVM_Task", &vm);
    assert_eq!(
        soap.invoke("CancelTask", "Task", &task, "")
            .fault()
            .as_deref(),
        Some("NotSupported")
    );
    let info = soap.wait_task(&task, WAIT);
    assert_eq!(text_of(&info, "state").as_deref(), Some("success"));
}

#[test]
fn slow_vms_take_their_own_duration_and_invalid_states_fail_the_task() {
    let mut options = SimOptions::esx();
    options.slow_vms = Some(vec!["ha-host_VM1".into()]);
    options.slow_task_duration = Some(Duration::from_secs(1));
    let (_sim, mut soap, vm0) = start(options);
    let vm1 = soap.find_vm("ha-host_VM1").unwrap();

    let fast = invoke_task(&mut soap, "PowerOffVM_Task", &vm0);
    assert_eq!(
        text_of(&soap.property("Task", &fast, "info").unwrap(), "state").as_deref(),
        Some("success")
    );

    let began = Instant::now();
    let slow = invoke_task(&mut soap, "SuspendVM_Task", &vm1);
    assert_eq!(
        text_of(&soap.property("Task", &slow, "info").unwrap(), "state").as_deref(),
        Some("running")
    );
    let info = soap.wait_task(&slow, WAIT);
    assert_eq!(text_of(&info, "state").as_deref(), Some("success"));
    assert!(began.elapsed() >= Duration::from_millis(950));
    let state = soap
        .property("VirtualMachine", &vm1, "runtime.powerState")
        .unwrap();
    assert_eq!(text_of(&state, "val").as_deref(), Some("suspended"));

    // suspending a suspended VM is refused by the task, as ESX does
    let again = invoke_task(&mut soap, "SuspendVM_Task", &vm1);
    let info = soap.wait_task(&again, WAIT);
    assert_eq!(text_of(&info, "state").as_deref(), Some("error"));
    assert!(
        elements(&info, "error")[0].contains("InvalidPowerState"),
        "{info}"
    );

    // and a suspended VM powers on again
    let on = invoke_task(&mut soap, "PowerOnVM_Task", &vm1);
    assert_eq!(
        text_of(&soap.wait_task(&on, WAIT), "state").as_deref(),
        Some("success")
    );
}

#[test]
fn a_second_task_on_a_busy_vm_fails_with_task_in_progress() {
    for wire in WireStyle::ALL {
        let (_sim, mut soap, vm) = start(
            SimOptions::esx()
                .wire(wire)
                .task_duration(Duration::from_secs(1)),
        );
        let first = invoke_task(&mut soap, "PowerOffVM_Task", &vm);
        let second = invoke_task(&mut soap, "ResetVM_Task", &vm);
        let info = soap.wait_task(&second, WAIT);
        assert_eq!(text_of(&info, "state").as_deref(), Some("error"));
        let error = elements(&info, "error")[0];
        assert!(error.contains("TaskInProgress"), "{error}");
        assert!(error.contains(&first), "names the running task: {error}");
        assert_eq!(
            text_of(&soap.wait_task(&first, WAIT), "state").as_deref(),
            Some("success")
        );
    }
}
