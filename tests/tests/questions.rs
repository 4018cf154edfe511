//! VM questions: a power-on that stays running with a pending runtime.question until AnswerVM, the
//! answers' outcomes, cancelling the blocked task, and the non-cancelable variant.

use std::time::Duration;

use esx_tests::raw::{elements, text_of, texts_of, RawSoap};
use esx_tests::{SimOptions, Simulator, WireStyle};

const WAIT: Duration = Duration::from_secs(10);

struct Fixture {
    _sim: Simulator,
    soap: RawSoap,
    vm: String,
}

/// An ESX host whose VM `ha-host_VM0` asks the question, powered off to start with.
fn fixture(wire: WireStyle, noncancelable: bool) -> Fixture {
    let mut options = SimOptions::esx().wire(wire).question_vms(["ha-host_VM0"]);
    if noncancelable {
        options = options.noncancelable_vms(["ha-host_VM0"]);
    }
    let sim = Simulator::start(options).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm = soap.find_vm("ha-host_VM0").unwrap();
    let off = soap
        .invoke("PowerOffVM_Task", "VirtualMachine", &vm, "")
        .ok()
        .text("returnval")
        .unwrap();
    let info = soap.wait_task(&off, WAIT);
    assert_eq!(text_of(&info, "state").as_deref(), Some("success"));
    Fixture {
        _sim: sim,
        soap,
        vm,
    }
}

impl Fixture {
    fn power_on(&mut self) -> String {
        self.soap
            .invoke("PowerOnVM_Task", "VirtualMachine", &self.vm, "")
            .ok()
            .text("returnval")
            .unwrap()
    }

    fn question(&mut self) -> Option<String> {
        self.soap
            .property("VirtualMachine", &self.vm, "runtime.question")
    }

    fn power_state(&mut self) -> String {
        let v = self
            .soap
            .property("VirtualMachine", &self.vm, "runtime.powerState")
            .unwrap();
        text_of(&v, "val").unwrap()
    }

    fn task_state(&mut self, task: &str) -> String {
        let info = self.soap.property("Task", task, "info").unwrap();
        text_of(&info, "state").unwrap()
    }

    fn answer(&mut self, id: &str, choice: &str) -> esx_tests::raw::Response {
        self.soap.invoke(
            "AnswerVM",
            "VirtualMachine",
            &self.vm.clone(),
            &format!("<questionId>{id}</questionId><answerChoice>{choice}</answerChoice>"),
        )
    }

    fn cancel(&mut self, task: &str) -> esx_tests::raw::Response {
        self.soap.invoke("CancelTask", "Task", task, "")
    }
}

#[test]
fn power_on_waits_for_the_answer_then_succeeds() {
    for wire in WireStyle::ALL {
        let mut f = fixture(wire, false);
        let task = f.power_on();
        assert_eq!(f.task_state(&task), "running", "{wire:?}");
        let q = f.question().expect("a pending question");
        let id = text_of(&q, "id").unwrap();
        assert!(id.starts_with("_vmx"), "{q}");
        assert!(text_of(&q, "text")
            .unwrap()
            .starts_with("msg.uuid.altered:"));
        assert_eq!(texts_of(&q, "key"), ["0", "1", "2"]);
        assert_eq!(
            texts_of(&q, "label"),
            ["Cancel", "I _Moved It", "I _Copied It"]
        );
        assert_eq!(text_of(&q, "defaultIndex").as_deref(), Some("2"));
        if wire == WireStyle::Xsi {
            assert!(
                q.contains("<choiceInfo xsi:type=\"ElementDescription\">"),
                "{q}"
            );
        }
        let summary = f
            .soap
            .property("VirtualMachine", &f.vm.clone(), "summary.runtime.question")
            .unwrap();
        assert_eq!(text_of(&summary, "id"), Some(id.clone()));
        let recent = f
            .soap
            .property("VirtualMachine", &f.vm.clone(), "recentTask")
            .unwrap();
        assert!(
            texts_of(&recent, "ManagedObjectReference").contains(&task),
            "{recent}"
        );

        // still blocked a while later
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(f.task_state(&task), "running");
        assert_eq!(f.power_state(), "poweredOff");

        assert_eq!(
            f.answer("_vmx999", "2").fault().as_deref(),
            Some("InvalidArgument"),
            "wrong question id"
        );
        assert_eq!(
            f.answer(&id, "7").fault().as_deref(),
            Some("InvalidArgument"),
            "no such choice"
        );
        f.answer(&id, "2").ok();
        let info = f.soap.wait_task(&task, WAIT);
        assert_eq!(
            text_of(&info, "state").as_deref(),
            Some("success"),
            "{info}"
        );
        assert_eq!(f.power_state(), "poweredOn");
        assert!(f.question().is_none(), "the question is gone");
        assert_eq!(
            f.answer(&id, "2").fault().as_deref(),
            Some("InvalidArgument"),
            "nothing left to answer"
        );
    }
}

#[test]
fn answering_cancel_fails_the_power_on() {
    for wire in WireStyle::ALL {
        let mut f = fixture(wire, false);
        let task = f.power_on();
        let id = text_of(&f.question().unwrap(), "id").unwrap();
        f.answer(&id, "0").ok();
        let info = f.soap.wait_task(&task, WAIT);
        assert_eq!(text_of(&info, "state").as_deref(), Some("error"));
        let error = elements(&info, "error")[0];
        assert!(error.contains("GenericVmConfigFault"), "{error}");
        assert_eq!(f.power_state(), "poweredOff");
        assert!(f.question().is_none());

        // each power-on asks again, with a new id
        let task = f.power_on();
        let id2 = text_of(&f.question().unwrap(), "id").unwrap();
        assert_ne!(id, id2);
        f.answer(&id2, "1").ok();
        assert_eq!(
            text_of(&f.soap.wait_task(&task, WAIT), "state").as_deref(),
            Some("success")
        );
    }
}

#[test]
fn cancelling_the_blocked_power_on_clears_the_question() {
    for wire in WireStyle::ALL {
        let mut f = fixture(wire, false);
        let task = f.power_on();
        assert!(f.question().is_some());
        let info = f.soap.property("Task", &task, "info").unwrap();
        assert_eq!(text_of(&info, "cancelable").as_deref(), Some("true"));
        f.cancel(&task).ok();
        let info = f.soap.wait_task(&task, WAIT);
        assert_eq!(text_of(&info, "state").as_deref(), Some("error"));
        assert_eq!(text_of(&info, "cancelled").as_deref(), Some("true"));
        assert!(
            elements(&info, "error")[0].contains("RequestCanceled"),
            "{info}"
        );
        assert!(f.question().is_none());
        assert_eq!(f.power_state(), "poweredOff");
    }
}

#[test]
fn a_noncancelable_blocked_task_refuses_cancel_and_stays_blocked() {
    for wire in WireStyle::ALL {
        let mut f = fixture(wire, true);
        let task = f.power_on();
        let info = f.soap.property("Task", &task, "info").unwrap();
        assert_eq!(
            text_of(&info, "cancelable").as_deref(),
            Some("false"),
            "{info}"
        );
        let r = f.cancel(&task);
        assert_eq!(r.fault().as_deref(), Some("NotSupported"), "{}", r.body);
        assert_eq!(f.task_state(&task), "running");
        let id = text_of(&f.question().expect("still asking"), "id").unwrap();
        f.answer(&id, "2").ok();
        assert_eq!(
            text_of(&f.soap.wait_task(&task, WAIT), "state").as_deref(),
            Some("success")
        );
    }
}

#[test]
fn vms_named_with_question_ask_by_default() {
    let sim = Simulator::start(SimOptions::esx()).unwrap();
    let mut soap = RawSoap::login(&sim);
    let vm = soap.find_vm("ha-host_VM1").unwrap();
    // rename an existing VM so that its name carries the marker
    let rename = soap
        .invoke(
            "Rename_Task",
            "VirtualMachine",
            &vm,
            "<newName>db-question-1</newName>",
        )
        .ok();
    soap.wait_task(&rename.text("returnval").unwrap(), WAIT);
    let off = soap
        .invoke("PowerOffVM_Task", "VirtualMachine", &vm, "")
        .ok()
        .text("returnval")
        .unwrap();
    soap.wait_task(&off, WAIT);
    let on = soap
        .invoke("PowerOnVM_Task", "VirtualMachine", &vm, "")
        .ok()
        .text("returnval")
        .unwrap();
    assert!(soap
        .property("VirtualMachine", &vm, "runtime.question")
        .is_some());
    soap.invoke("CancelTask", "Task", &on, "").ok();
}
