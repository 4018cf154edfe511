//! Resource settings of a domain: memory and vCPUs (ReconfigVM_Task), the `allocation`
//! scheduler parameters (CPU reservation, limit, shares), the memory parameter min_guarantee,
//! and autostart through the host's HostAutoStartManager with libvirt's rules.

use esx_vi::types::{
    methods, AnyValue, AutoStartDefaults, AutoStartPowerInfo, AutoStartWaitHeartbeatSetting,
    HostAutoStartManagerConfig, HostAutoStartManagerProperties, HostSystemProperties,
    ManagedObjectReference, ResourceAllocationInfo, SharesInfo, SharesLevel,
    VirtualMachineConfigSpec,
};

use super::lookup::{long_at, DomainRef, DomainState};
use crate::driver::connection::Connection;
use crate::driver::error::{Error, Result};

/// The `allocation` scheduler's parameters, as libvirt's ESX driver reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerParams {
    /// Guaranteed CPU in MHz.
    pub reservation: i64,
    /// Most CPU in MHz, -1 for unlimited.
    pub limit: i64,
    /// Shares: a positive number, or -1 (low), -2 (normal), -3 (high).
    pub shares: i32,
}

/// Changes to the scheduler parameters; `None` keeps a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedulerUpdate {
    /// New reservation (MHz, >= 0).
    pub reservation: Option<i64>,
    /// New limit (MHz, >= 0, or -1).
    pub limit: Option<i64>,
    /// New shares (> 0, or -1/-2/-3).
    pub shares: Option<i32>,
}

fn shares_value(info: &SharesInfo) -> i32 {
    match info.level {
        SharesLevel::Low => -1,
        SharesLevel::Normal => -2,
        SharesLevel::High => -3,
        _ => info.shares,
    }
}

fn shares_info(value: i32) -> Result<SharesInfo> {
    let (level, shares) = match value {
        -1 => (SharesLevel::Low, 0),
        -2 => (SharesLevel::Normal, 0),
        -3 => (SharesLevel::High, 0),
        v if v > 0 => (SharesLevel::Custom, v),
        v => {
            return Err(Error::InvalidArg(format!(
                "Shares must be positive or -1 (low), -2 (normal) or -3 (high), not {v}"
            )))
        }
    };
    Ok(SharesInfo { shares, level })
}

/// A maximum memory in KiB as the MiB VMware takes: rounded up to a multiple of 4 MiB.
fn max_memory_mib(kib: u64) -> i64 {
    (kib.div_ceil(4096) * 4) as i64
}

impl Connection {
    /// `virsh setmaxmem`: the domain's memory size (`memoryMB`), rounded up to a multiple of
    /// 4 MiB as VMware requires and libvirt's `esxDomainSetMaxMemory` rounds; the domain must be
    /// powered off.
    pub async fn set_max_memory(&self, dom: &DomainRef, kib: u64) -> Result<()> {
        if kib == 0 {
            return Err(Error::InvalidArg(
                "memory size must be greater than zero".into(),
            ));
        }
        let dom = self.refresh(dom).await?;
        if dom.state != DomainState::ShutOff {
            return Err(Error::OperationInvalid("Domain is not powered off".into()));
        }
        let spec = VirtualMachineConfigSpec {
            memory_mb: Some(max_memory_mib(kib)),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(
            &dom,
            spec,
            &format!("Could not set max-memory to {kib} kilobytes"),
        )
        .await
    }

    /// `virsh setmem`: the memory the domain may use (the memory allocation's limit), at most
    /// its memory size.
    pub async fn set_memory(&self, dom: &DomainRef, kib: u64) -> Result<()> {
        let props = self
            .vm_properties(dom, &["config.hardware.memoryMB"])
            .await?;
        let max_kib = long_at(&props, "config.hardware.memoryMB")
            .unwrap_or(0)
            .max(0) as u64
            * 1024;
        if kib > max_kib {
            return Err(Error::InvalidArg(
                "cannot set memory higher than max memory".into(),
            ));
        }
        let spec = VirtualMachineConfigSpec {
            memory_allocation: Some(ResourceAllocationInfo {
                limit: Some(kib.div_ceil(1024) as i64),
                ..ResourceAllocationInfo::default()
            }),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(
            dom,
            spec,
            &format!("Could not set memory to {kib} kilobytes"),
        )
        .await
    }

    /// `virsh setvcpus`: the number of virtual CPUs, at least 1 and at most the host's maximum
    /// ([`Connection::max_vcpus`]), as libvirt's `esxDomainSetVcpusFlags` checks.
    pub async fn set_vcpus(&self, dom: &DomainRef, count: u32) -> Result<()> {
        if count < 1 {
            return Err(Error::InvalidArg(
                "Requested number of virtual CPUs must at least be 1".into(),
            ));
        }
        let dom = self.refresh(dom).await?;
        // A host that does not say (older simulators) is left to refuse on its own.
        let max = match self.max_vcpus().await {
            Ok(max) => max,
            Err(Error::Internal(why)) => {
                tracing::debug!("no vCPU limit to check: {why}");
                u32::MAX
            }
            Err(e) => return Err(e),
        };
        if count > max {
            return Err(Error::InvalidArg(format!(
                "Requested number of virtual CPUs is greater than max allowable number of \
                 virtual CPUs for the domain: {count} > {max}"
            )));
        }
        let spec = VirtualMachineConfigSpec {
            num_cp_us: Some(count as i32),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(&dom, spec, "Could not set number of virtual CPUs")
            .await
    }

    /// `virsh schedinfo`: CPU reservation, limit and shares.
    pub async fn scheduler_params(&self, dom: &DomainRef) -> Result<SchedulerParams> {
        let props = self.vm_properties(dom, &["config.cpuAllocation"]).await?;
        let allocation = match props.path("config.cpuAllocation") {
            Some(AnyValue::ResourceAllocationInfo(a)) => (**a).clone(),
            _ => ResourceAllocationInfo::default(),
        };
        Ok(SchedulerParams {
            reservation: allocation.reservation.unwrap_or(0),
            limit: allocation.limit.unwrap_or(-1),
            shares: allocation.shares.as_ref().map_or(-2, shares_value),
        })
    }

    /// `virsh schedinfo --set`: changes the given parameters.
    pub async fn set_scheduler_params(
        &self,
        dom: &DomainRef,
        update: SchedulerUpdate,
    ) -> Result<()> {
        if let Some(r) = update.reservation {
            if r < 0 {
                return Err(Error::InvalidArg(
                    "Parameter 'reservation' must be a non-negative number".into(),
                ));
            }
        }
        if let Some(l) = update.limit {
            if l < -1 {
                return Err(Error::InvalidArg(
                    "Parameter 'limit' must be -1 (unlimited) or a non-negative number".into(),
                ));
            }
        }
        let shares = update.shares.map(shares_info).transpose()?;
        let dom = &self.refresh(dom).await?;
        let spec = VirtualMachineConfigSpec {
            cpu_allocation: Some(ResourceAllocationInfo {
                reservation: update.reservation,
                limit: update.limit,
                shares,
                ..ResourceAllocationInfo::default()
            }),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(dom, spec, "Could not change scheduler parameters")
            .await
    }

    /// `virsh memtune`: the memory reservation as `min_guarantee`, in KiB.
    pub async fn memory_min_guarantee(&self, dom: &DomainRef) -> Result<u64> {
        let props = self
            .vm_properties(dom, &["config.memoryAllocation.reservation"])
            .await?;
        Ok(long_at(&props, "config.memoryAllocation.reservation")
            .unwrap_or(0)
            .max(0) as u64
            * 1024)
    }

    /// `virsh memtune --min-guarantee`: the memory reservation, rounded up to MiB.
    pub async fn set_memory_min_guarantee(&self, dom: &DomainRef, kib: u64) -> Result<()> {
        let dom = &self.refresh(dom).await?;
        let spec = VirtualMachineConfigSpec {
            memory_allocation: Some(ResourceAllocationInfo {
                reservation: Some(kib.div_ceil(1024) as i64),
                ..ResourceAllocationInfo::default()
            }),
            ..VirtualMachineConfigSpec::default()
        };
        self.reconfigure(dom, spec, "Could not change memory parameters")
            .await
    }

    async fn autostart_manager(
        &self,
    ) -> Result<(ManagedObjectReference, HostAutoStartManagerConfig)> {
        let host = self.host().await?;
        let props: HostSystemProperties = self
            .client()
            .retrieve_object(&host, &["configManager.autoStartManager"])
            .await?;
        let manager = match props.path("configManager.autoStartManager") {
            Some(AnyValue::ManagedObjectReference(m)) => m.clone(),
            _ => return Err(Error::NoSupport("the host has no autostart manager".into())),
        };
        let config: HostAutoStartManagerProperties =
            self.client().retrieve_object(&manager, &["config"]).await?;
        Ok((manager, config.config.map(|c| *c).unwrap_or_default()))
    }

    /// Whether the host starts the domain when it boots: the host's autostart must be enabled
    /// and the domain's start action `powerOn` (libvirt's rule).
    pub async fn autostart(&self, dom: &DomainRef) -> Result<bool> {
        let dom = self.refresh(dom).await?;
        self.autostart_of(&dom).await
    }

    /// [`Connection::autostart`] of a domain already known to be on this host.
    pub(crate) async fn autostart_of(&self, dom: &DomainRef) -> Result<bool> {
        let (_, config) = self.autostart_manager().await?;
        if config.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
            return Ok(false);
        }
        Ok(config.power_info.iter().any(|p| {
            p.key.value == dom.moref.value && p.start_action.eq_ignore_ascii_case("powerOn")
        }))
    }

    /// The managed object ids (`vm-42`) of the host's VMs that start when it boots (all of
    /// [`Connection::autostart`]'s rule, read once for `list --autostart`).
    pub async fn autostarted_vms(&self) -> Result<std::collections::HashSet<String>> {
        let (_, config) = self.autostart_manager().await?;
        if config.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
            return Ok(Default::default());
        }
        Ok(config
            .power_info
            .iter()
            .filter(|p| p.start_action.eq_ignore_ascii_case("powerOn"))
            .map(|p| p.key.value.clone())
            .collect())
    }

    /// `virsh autostart [--disable]`. Enabling turns on the host's autostart when it is off,
    /// unless that would also start other domains configured to start (refused, as libvirt does).
    pub async fn set_autostart(&self, dom: &DomainRef, enable: bool) -> Result<()> {
        let dom = &self.refresh(dom).await?;
        let (manager, config) = self.autostart_manager().await?;
        let mut defaults = None;
        if enable && config.defaults.as_ref().and_then(|d| d.enabled) != Some(true) {
            if config.power_info.iter().any(|p| {
                p.key.value != dom.moref.value && p.start_action.eq_ignore_ascii_case("powerOn")
            }) {
                return Err(Error::OperationInvalid(
                    "Cannot enable general autostart option without affecting other domains".into(),
                ));
            }
            defaults = Some(AutoStartDefaults {
                enabled: Some(true),
                ..AutoStartDefaults::default()
            });
        }
        let spec = HostAutoStartManagerConfig {
            defaults,
            power_info: vec![AutoStartPowerInfo {
                key: dom.moref.clone(),
                start_order: -1,
                start_delay: -1,
                wait_for_heartbeat: AutoStartWaitHeartbeatSetting::SystemDefault,
                start_action: if enable { "powerOn" } else { "none" }.to_owned(),
                stop_delay: -1,
                stop_action: "none".to_owned(),
            }],
        };
        methods::reconfigure_autostart(self.client(), &manager, &spec)
            .await
            .map_err(|e| esx_vi::Error::from_method("ReconfigureAutostart", e))
            .map_err(Error::server("Could not change autostart"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_memory_is_rounded_up_to_4_mib() {
        assert_eq!(max_memory_mib(1), 4);
        assert_eq!(max_memory_mib(4096), 4);
        assert_eq!(max_memory_mib(4097), 8);
        assert_eq!(max_memory_mib(1 << 20), 1024);
    }

    #[test]
    fn shares_levels_are_negative_numbers() {
        for value in [-1, -2, -3, 1500] {
            assert_eq!(shares_value(&shares_info(value).unwrap()), value);
        }
        assert!(shares_info(0).is_err());
        assert!(shares_info(-4).is_err());
    }
}
