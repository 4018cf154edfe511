//! Tasks and VM questions, with the semantics of libvirt's ESX driver: before a task starts on a
//! VM, a pending question or other queued/running tasks stop it; a task is awaited with
//! `WaitForUpdatesEx` on the task and the VM's `runtime.question` in one filter (never a sleep
//! loop); a question that appears meanwhile is answered with its default choice (auto-answer) or
//! ends the wait with an error quoting it, after cancelling the task where possible.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use esx_vi_types::methods;
use esx_vi_types::{
    AnyValue, ManagedObjectReference, ObjectSpec, PropertyFilterSpec, PropertySpec, ServiceContent,
    TaskInfo, TaskInfoState, TaskProperties, VirtualMachineProperties, VirtualMachineQuestionInfo,
    WaitOptions,
};
use esx_vi_types::{DescriptionMembers, ElementDescriptionMembers};

use crate::client::Client;
use crate::error::{method_error, Error};
use crate::property::object_filter;
use crate::text::escape_controls;

/// One possible answer of a VM question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The key `AnswerVM` takes.
    pub key: String,
    /// What the user sees.
    pub label: String,
}

/// A question a VM asks (e.g. "was it moved or copied?"), blocking its current task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The VM's name.
    pub vm_name: String,
    /// The question's id, for `AnswerVM`.
    pub id: String,
    /// The question text.
    pub text: String,
    /// The possible answers.
    pub choices: Vec<Choice>,
    /// The index of the default answer in `choices`.
    pub default_index: Option<usize>,
}

impl Question {
    fn from_info(vm_name: &str, info: &VirtualMachineQuestionInfo) -> Self {
        let choices = info
            .choice
            .choice_info
            .iter()
            .map(|c| Choice {
                key: c.key().to_owned(),
                label: c.label().to_owned(),
            })
            .collect::<Vec<_>>();
        let default_index = info
            .choice
            .default_index
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < choices.len());
        Self {
            vm_name: vm_name.to_owned(),
            id: info.id.clone(),
            text: info.text.clone(),
            choices,
            default_index,
        }
    }

    /// The default answer, if the question has one.
    pub fn default_choice(&self) -> Option<&Choice> {
        self.default_index.and_then(|i| self.choices.get(i))
    }

    fn describe(&self) -> String {
        let answers = if self.choices.is_empty() {
            "no possible answers".to_owned()
        } else {
            let list = self
                .choices
                .iter()
                .map(|c| {
                    format!(
                        "'{}' ({})",
                        escape_controls(&c.label),
                        escape_controls(&c.key)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("possible answers are {list}")
        };
        format!(
            "Pending question blocks virtual machine {} execution, question is '{}', {answers}",
            escape_controls(&self.vm_name),
            escape_controls(&self.text)
        )
    }
}

/// What became of the blocked task when a question ended a wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockedTask {
    /// No task had been started (the question was found before starting one).
    NotStarted,
    /// The task was cancelled.
    Cancelled,
    /// The task is not cancelable: it stays blocked until someone answers the question.
    NotCancelable,
    /// Cancelling failed; the task may still be blocked.
    CancelFailed(String),
}

/// A VM question stopped an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct QuestionError {
    /// The question.
    pub question: Question,
    /// Whether auto-answer was on but the question has no default answer.
    pub no_default_answer: bool,
    /// What became of the task the question blocks.
    pub task: BlockedTask,
}

impl fmt::Display for QuestionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.question.describe())?;
        if self.no_default_answer {
            f.write_str(", but no default answer is specified")?;
        }
        match &self.task {
            BlockedTask::NotStarted => f.write_str("; the task was not started"),
            BlockedTask::Cancelled => f.write_str("; the task was cancelled"),
            BlockedTask::NotCancelable => f.write_str(
                "; the task cannot be cancelled and stays blocked until the question is answered",
            ),
            BlockedTask::CancelFailed(why) => {
                write!(
                    f,
                    "; cancelling the blocked task failed ({why}), it may stay blocked"
                )
            }
        }
    }
}

/// A question that was answered automatically with its default choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnsweredQuestion {
    /// The question.
    pub question: Question,
    /// The answer given.
    pub answer: Choice,
}

/// The outcome of checking a VM before starting a task on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preparation {
    /// No question and no other task: go ahead.
    Ready,
    /// A pending question was answered with its default choice. The task it blocked may now
    /// complete the requested action, so no new task should be started.
    QuestionAnswered(AnsweredQuestion),
}

/// The outcome of [`Client::run_vm_task`].
#[derive(Clone, Debug, PartialEq)]
pub enum TaskRun {
    /// The task ran and succeeded.
    Completed(Box<TaskInfo>),
    /// The task was not started: a pending question was auto-answered instead, and the task it
    /// blocked may now complete the requested action.
    NotStarted(AnsweredQuestion),
}

/// How far a running task got, as reported to a progress callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskProgress {
    /// `queued` or `running`.
    pub running: bool,
    /// The percentage the server reported, if any.
    pub percent: Option<i32>,
}

/// Options for waiting on a task.
#[derive(Default)]
pub struct TaskWait<'a> {
    /// Answer VM questions with their default choice instead of failing.
    pub auto_answer: bool,
    /// Give up after this long (the task keeps running; cancel it with [`Client::cancel_task`]).
    pub timeout: Option<Duration>,
    /// Called whenever the task's state or progress changes.
    pub progress: Option<&'a mut (dyn FnMut(TaskProgress) + Send)>,
}

impl fmt::Debug for TaskWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskWait")
            .field("auto_answer", &self.auto_answer)
            .field("timeout", &self.timeout)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// How often one task wait builds a new property collector after the session was restored.
const MAX_COLLECTOR_REBUILDS: u32 = 3;

/// What a task wait keeps across property collectors (a re-login needs a new one).
struct WaitState {
    /// When the wait began, for its timeout.
    started: Instant,
    /// The questions already answered or reported.
    answered: HashSet<String>,
    /// The progress last reported.
    last_progress: Option<TaskProgress>,
}

/// The longest one `WaitForUpdatesEx` call waits, so that a wait never outlives the request
/// timeout and a deadline is checked regularly.
const MAX_WAIT_SECONDS: u64 = 30;

impl Client {
    /// The question a VM asks right now, if any.
    pub async fn vm_question(
        &self,
        vm: &ManagedObjectReference,
    ) -> Result<Option<Question>, Error> {
        let props: VirtualMachineProperties = self
            .retrieve_object(vm, &["name", "runtime.question"])
            .await?;
        let name = props.name.clone().unwrap_or_else(|| vm.value.clone());
        Ok(question_of(&props).map(|q| Question::from_info(&name, q)))
    }

    /// Answers a VM question (`AnswerVM`).
    pub async fn answer_vm_question(
        &self,
        vm: &ManagedObjectReference,
        question_id: &str,
        answer_key: &str,
    ) -> Result<(), Error> {
        methods::answer_vm(self, vm, question_id, answer_key)
            .await
            .map_err(method_error("AnswerVM"))
    }

    /// Checks a VM before starting a task on it: a pending question is answered with its
    /// default choice (`auto_answer`) or reported as an error quoting it and its answers; other
    /// queued or running tasks on the VM are an error.
    pub async fn prepare_vm_for_task(
        &self,
        vm: &ManagedObjectReference,
        auto_answer: bool,
    ) -> Result<Preparation, Error> {
        let props: VirtualMachineProperties = self
            .retrieve_object(vm, &["name", "runtime.question", "recentTask"])
            .await?;
        let name = props.name.clone().unwrap_or_else(|| vm.value.clone());
        if let Some(info) = question_of(&props) {
            let question = Question::from_info(&name, info);
            if !auto_answer {
                return Err(Error::Question(Box::new(QuestionError {
                    question,
                    no_default_answer: false,
                    task: BlockedTask::NotStarted,
                })));
            }
            let answered = self
                .answer_with_default(vm, question, BlockedTask::NotStarted)
                .await?;
            return Ok(Preparation::QuestionAnswered(answered));
        }
        let recent = props.recent_task.clone().unwrap_or_default();
        let pending = self.pending_tasks(&recent).await?;
        if !pending.is_empty() {
            return Err(Error::TasksPending {
                vm: escape_controls(&name).into_owned(),
                tasks: pending,
            });
        }
        Ok(Preparation::Ready)
    }

    /// The queued or running tasks among `tasks`, as `name (state)`.
    async fn pending_tasks(&self, tasks: &[ManagedObjectReference]) -> Result<Vec<String>, Error> {
        if tasks.is_empty() {
            return Ok(Vec::new());
        }
        let spec = PropertyFilterSpec {
            prop_set: vec![PropertySpec {
                r#type: "Task".to_owned(),
                all: Some(false),
                path_set: vec!["info".to_owned()],
            }],
            object_set: tasks
                .iter()
                .map(|t| ObjectSpec {
                    obj: t.clone(),
                    skip: Some(false),
                    select_set: Vec::new(),
                })
                .collect(),
            report_missing_objects_in_results: None,
        };
        let infos: Vec<TaskProperties> = self.retrieve_typed(&[spec]).await?;
        Ok(infos
            .into_iter()
            .filter_map(|t| t.info)
            .filter(|info| matches!(info.state, TaskInfoState::Queued | TaskInfoState::Running))
            .map(|info| format!("{} ({})", task_name(&info), state_name(&info.state)))
            .collect())
    }

    async fn answer_with_default(
        &self,
        vm: &ManagedObjectReference,
        question: Question,
        task: BlockedTask,
    ) -> Result<AnsweredQuestion, Error> {
        let Some(answer) = question.default_choice().cloned() else {
            return Err(Error::Question(Box::new(QuestionError {
                question,
                no_default_answer: true,
                task,
            })));
        };
        tracing::info!(
            vm = %question.vm_name,
            "{}, answering with the default answer '{}'",
            question.describe(),
            answer.label
        );
        self.answer_vm_question(vm, &question.id, &answer.key)
            .await?;
        Ok(AnsweredQuestion { question, answer })
    }

    /// Waits for a task that does not involve a VM, like [`Client::wait_for_task`], but reads
    /// its `info` once first: a task that has already finished (a datastore search of a small
    /// folder, most tasks of a simulator) costs one `RetrievePropertiesEx` instead of the four
    /// calls of a property-collector wait. A task still running is then waited for as usual.
    pub async fn complete_task(
        &self,
        task: &ManagedObjectReference,
        wait: TaskWait<'_>,
    ) -> Result<TaskInfo, Error> {
        let props: TaskProperties = self.retrieve_object(task, &["info"]).await?;
        if let Some(info) = props.info {
            match info.state {
                TaskInfoState::Success => return Ok(*info),
                TaskInfoState::Error => return Err(task_failed(&info)),
                _ => {}
            }
        }
        self.wait_for_task(task, None, wait).await
    }

    /// Cancels a task (`CancelTask`).
    pub async fn cancel_task(&self, task: &ManagedObjectReference) -> Result<(), Error> {
        methods::cancel_task(self, task)
            .await
            .map_err(method_error("CancelTask"))
    }

    /// Checks the VM ([`Client::prepare_vm_for_task`]), starts a task with `start`, and waits for
    /// it ([`Client::wait_for_task`]) watching the VM's questions.
    pub async fn run_vm_task<F, Fut>(
        &self,
        vm: &ManagedObjectReference,
        wait: TaskWait<'_>,
        start: F,
    ) -> Result<TaskRun, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<ManagedObjectReference, Error>>,
    {
        if let Preparation::QuestionAnswered(answered) =
            self.prepare_vm_for_task(vm, wait.auto_answer).await?
        {
            return Ok(TaskRun::NotStarted(answered));
        }
        let task = start().await?;
        let info = self.wait_for_task(&task, Some(vm), wait).await?;
        Ok(TaskRun::Completed(Box::new(info)))
    }

    /// Waits until `task` succeeds (returning its final info, with `result`) or fails
    /// (`TaskFailed` with `<FaultType> - <message>` and the typed fault), using one
    /// `WaitForUpdatesEx` filter on the task and, when given, the VM's `runtime.question`. A task
    /// that has already finished is reported at once.
    pub async fn wait_for_task(
        &self,
        task: &ManagedObjectReference,
        vm: Option<&ManagedObjectReference>,
        mut wait: TaskWait<'_>,
    ) -> Result<TaskInfo, Error> {
        let mut state = WaitState {
            started: Instant::now(),
            answered: HashSet::new(),
            last_progress: None,
        };
        let mut rebuilds = 0;
        loop {
            let generation = self.session_generation();
            // A collector of our own: its filter and update versions are not shared with other
            // waits.
            let collector = methods::create_property_collector(self, self.service_content())
                .await
                .map_err(method_error("CreatePropertyCollector"))?;
            let mut content = self.service_content().clone();
            content.property_collector = collector.clone();
            let result = self
                .wait_with_collector(&content, task, vm, &mut wait, &mut state)
                .await;
            if let Err(e) = methods::destroy_property_collector(self, &collector).await {
                tracing::debug!(
                    "destroying the task's property collector failed: {}",
                    Error::from_method("DestroyPropertyCollector", e)
                );
            }
            match result {
                // The session expired and the client logged in again: the collector and its
                // filter went with the old session. The task itself runs on: wait for the same
                // task again with a new collector (never start it again).
                Err(error @ Error::Fault { .. })
                    if self.session_generation() != generation
                        && rebuilds < MAX_COLLECTOR_REBUILDS =>
                {
                    rebuilds += 1;
                    tracing::info!(
                        "the session was restored while waiting for task {} ({error}); \
                         waiting for it again with a new property collector",
                        task.value
                    );
                }
                other => return other,
            }
        }
    }

    async fn wait_with_collector(
        &self,
        content: &ServiceContent,
        task: &ManagedObjectReference,
        vm: Option<&ManagedObjectReference>,
        wait: &mut TaskWait<'_>,
        state: &mut WaitState,
    ) -> Result<TaskInfo, Error> {
        let mut spec = object_filter(task, &["info"]);
        if let Some(vm) = vm {
            let vm_filter = object_filter(vm, &["name", "runtime.question"]);
            spec.prop_set.extend(vm_filter.prop_set);
            spec.object_set.extend(vm_filter.object_set);
        }
        methods::create_filter(self, content, &spec, false)
            .await
            .map_err(method_error("CreateFilter"))?;

        let started = state.started;
        let mut version = String::new();
        let mut info: Option<TaskInfo> = None;
        let mut question: Option<VirtualMachineQuestionInfo> = None;
        let mut vm_name = vm.map(|v| v.value.clone()).unwrap_or_default();
        let answered = &mut state.answered;
        let last_progress = &mut state.last_progress;
        loop {
            let wait_seconds = match wait.timeout {
                None => MAX_WAIT_SECONDS,
                Some(timeout) => {
                    let left = timeout.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Err(Error::Timeout {
                            what: format!(
                                "task {} (it keeps running; cancel it with CancelTask)",
                                task.value
                            ),
                            after: timeout,
                        });
                    }
                    left.as_secs_f64().ceil().min(MAX_WAIT_SECONDS as f64) as u64
                }
            };
            let options = WaitOptions {
                max_wait_seconds: Some(wait_seconds as i32),
                max_object_updates: None,
            };
            let since = (!version.is_empty()).then(|| version.clone());
            let update =
                methods::wait_for_updates_ex(self, content, since.as_deref(), Some(&options))
                    .await
                    .map_err(method_error("WaitForUpdatesEx"))?;
            let Some(update) = update else { continue };
            version = update.version;
            for filter in update.filter_set {
                for object in filter.object_set {
                    for change in object.change_set {
                        match (change.name.as_str(), change.val) {
                            ("info", Some(AnyValue::TaskInfo(value))) => info = Some(*value),
                            (
                                "runtime.question",
                                Some(AnyValue::VirtualMachineQuestionInfo(value)),
                            ) => question = Some(*value),
                            ("runtime.question", _) => question = None,
                            ("name", Some(AnyValue::String(name))) => vm_name = name,
                            _ => {}
                        }
                    }
                }
            }
            let Some(current) = &info else { continue };
            match current.state {
                TaskInfoState::Success => return Ok(current.clone()),
                TaskInfoState::Error => return Err(task_failed(current)),
                _ => {}
            }
            let progress = TaskProgress {
                running: matches!(current.state, TaskInfoState::Running),
                percent: current.progress,
            };
            if *last_progress != Some(progress) {
                *last_progress = Some(progress);
                if let Some(callback) = wait.progress.as_mut() {
                    callback(progress);
                }
            }
            if let (Some(q), Some(vm)) = (&question, vm) {
                if answered.contains(&q.id) {
                    continue;
                }
                let q = Question::from_info(&vm_name, q);
                answered.insert(q.id.clone());
                let no_default_answer = q.default_choice().is_none();
                if wait.auto_answer && !no_default_answer {
                    self.answer_with_default(vm, q, BlockedTask::NotStarted)
                        .await?;
                    continue;
                }
                let blocked = if !current.cancelable {
                    BlockedTask::NotCancelable
                } else {
                    match self.cancel_task(task).await {
                        Ok(()) => BlockedTask::Cancelled,
                        Err(e) => BlockedTask::CancelFailed(e.report().to_string()),
                    }
                };
                return Err(Error::Question(Box::new(QuestionError {
                    question: q,
                    no_default_answer: wait.auto_answer && no_default_answer,
                    task: blocked,
                })));
            }
        }
    }
}

fn question_of(props: &VirtualMachineProperties) -> Option<&VirtualMachineQuestionInfo> {
    match props.path("runtime.question") {
        Some(AnyValue::VirtualMachineQuestionInfo(q)) => Some(q),
        _ => None,
    }
}

/// `<FaultType> - <localized message>` for a task that ended in error.
fn task_failed(info: &TaskInfo) -> Error {
    let (fault_type, message, fault) = match &info.error {
        Some(error) => {
            let fault_type = error.fault.type_name().to_owned();
            let message = error
                .localized_message
                .clone()
                .filter(|m| !m.trim().is_empty())
                .map(|m| escape_controls(&m).into_owned())
                .unwrap_or_else(|| format!("task {} failed", task_name(info)));
            (fault_type, message, Some(Box::new(error.fault.clone())))
        }
        None => (
            "TaskFailed".to_owned(),
            format!("task {} failed without saying why", task_name(info)),
            None,
        ),
    };
    Error::TaskFailed {
        task: task_name(info),
        fault_type,
        message,
        fault,
    }
}

fn task_name(info: &TaskInfo) -> String {
    let name = info.name.as_deref().unwrap_or(&info.description_id);
    escape_controls(name).into_owned()
}

fn state_name(state: &TaskInfoState) -> String {
    match state {
        TaskInfoState::Queued => "queued".to_owned(),
        TaskInfoState::Running => "running".to_owned(),
        TaskInfoState::Success => "success".to_owned(),
        TaskInfoState::Error => "error".to_owned(),
        other => format!("{other:?}"),
    }
}
