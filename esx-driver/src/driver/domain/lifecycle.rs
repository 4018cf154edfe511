//! The power lifecycle of a domain: start, shutdown, reboot, destroy, suspend, resume and reset,
//! each one VM task run with the connection's question policy.

use esx_vi::types::{methods, ManagedObjectReference};
use esx_vi::{TaskRun, TaskWait};

use super::lookup::{DomainRef, DomainState};
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

impl Connection {
    /// Runs a VM task with the connection's `auto_answer`, mapping a failure to
    /// `<action>: <FaultType> - <message>`.
    pub(crate) async fn run_vm_task<F, Fut>(
        &self,
        dom: &DomainRef,
        action: &str,
        start: F,
    ) -> Result<()>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<
            Output = std::result::Result<ManagedObjectReference, esx_vi::Error>,
        >,
    {
        let wait = TaskWait {
            auto_answer: self.auto_answer(),
            ..TaskWait::default()
        };
        match self
            .client()
            .run_vm_task(&dom.moref, wait, start)
            .await
            .map_err(Error::server(action))?
        {
            TaskRun::Completed(_) => Ok(()),
            TaskRun::NotStarted(answered) => {
                tracing::info!(
                    domain = %dom.name,
                    "a pending question was answered with '{}'; the blocked task may now finish the request",
                    answered.answer.label
                );
                Ok(())
            }
        }
    }

    /// Powers on a shut off domain (`virsh start`).
    pub async fn start(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.refresh(dom).await?;
        if dom.state != DomainState::ShutOff {
            return Err(Error::OperationInvalid("Domain is not powered off".into()));
        }
        let client = self.client();
        self.run_vm_task(&dom, "Could not start domain", || async {
            methods::power_on_vm_task(client, &dom.moref, None)
                .await
                .map_err(|e| esx_vi::Error::from_method("PowerOnVM_Task", e))
        })
        .await
    }

    /// Powers off a running or suspended domain at once (`virsh destroy`). libvirt refuses a
    /// suspended one; VMware powers it off, discarding the saved memory, which is what
    /// `destroy` asks for.
    pub async fn destroy(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.refresh(dom).await?;
        if dom.state == DomainState::ShutOff {
            return Err(Error::OperationInvalid("Domain is not powered on".into()));
        }
        let client = self.client();
        self.run_vm_task(&dom, "Could not destroy domain", || async {
            methods::power_off_vm_task(client, &dom.moref)
                .await
                .map_err(|e| esx_vi::Error::from_method("PowerOffVM_Task", e))
        })
        .await
    }

    /// Asks the guest to shut down through VMware Tools (`virsh shutdown`); returns once asked.
    pub async fn shutdown(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.require_running(dom).await?;
        methods::shutdown_guest(self.client(), &dom.moref)
            .await
            .map_err(|e| esx_vi::Error::from_method("ShutdownGuest", e))
            .map_err(Error::server("Could not shutdown domain"))
    }

    /// Asks the guest to reboot through VMware Tools (`virsh reboot`).
    pub async fn reboot(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.require_running(dom).await?;
        methods::reboot_guest(self.client(), &dom.moref)
            .await
            .map_err(|e| esx_vi::Error::from_method("RebootGuest", e))
            .map_err(Error::server("Could not reboot domain"))
    }

    /// Suspends a running domain (`virsh suspend`; the domain becomes `paused`).
    pub async fn suspend(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.require_running(dom).await?;
        let client = self.client();
        self.run_vm_task(&dom, "Could not suspend domain", || async {
            methods::suspend_vm_task(client, &dom.moref)
                .await
                .map_err(|e| esx_vi::Error::from_method("SuspendVM_Task", e))
        })
        .await
    }

    /// Powers a suspended domain on again (`virsh resume`).
    pub async fn resume(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.refresh(dom).await?;
        if dom.state != DomainState::Paused {
            return Err(Error::OperationInvalid("Domain is not suspended".into()));
        }
        let client = self.client();
        self.run_vm_task(&dom, "Could not resume domain", || async {
            methods::power_on_vm_task(client, &dom.moref, None)
                .await
                .map_err(|e| esx_vi::Error::from_method("PowerOnVM_Task", e))
        })
        .await
    }

    /// Resets a running domain, like pressing its reset button (`virsh reset`).
    pub async fn reset(&self, dom: &DomainRef) -> Result<()> {
        let dom = self.require_running(dom).await?;
        let client = self.client();
        self.run_vm_task(&dom, "Could not reset domain", || async {
            methods::reset_vm_task(client, &dom.moref)
                .await
                .map_err(|e| esx_vi::Error::from_method("ResetVM_Task", e))
        })
        .await
    }

    async fn require_running(&self, dom: &DomainRef) -> Result<DomainRef> {
        let dom = self.refresh(dom).await?;
        if dom.state != DomainState::Running {
            return Err(Error::OperationInvalid("Domain is not powered on".into()));
        }
        Ok(dom)
    }
}
