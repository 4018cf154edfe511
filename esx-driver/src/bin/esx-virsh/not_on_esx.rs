//! Domain and host commands whose libvirt functions the ESX driver lacks (saving state, job
//! control, statistics, device hotplug, host statistics): they fail exactly as virsh 11 fails on
//! an ESX connection, naming the missing libvirt call, so that a script sees the same failure
//! rather than an unknown command. As in virsh, the domain is looked up first and a named file
//! is read before the driver is asked; `managedsave-remove` succeeds, as virsh's does, since an
//! ESX domain never has a managed save image.

use clap::{Args, Subcommand};
use esx_driver::driver::{Connection, Error};

use crate::error::CommandError;
use crate::lookup::{self, DomainArg};
use crate::output::unterminated;
use crate::xml_file::read_named;

#[derive(Debug, Args)]
pub(crate) struct NodeMemStatsArgs {
    /// Prints the statistics of this NUMA cell
    #[arg(long, value_name = "NUMBER")]
    cell: Option<i32>,
}

#[derive(Debug, Args)]
pub(crate) struct NodeCpuStatsArgs {
    /// Prints the statistics of this CPU
    #[arg(long, value_name = "NUMBER")]
    cpu: Option<i32>,
    /// Prints percentages instead of times
    #[arg(long)]
    percent: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NodeCpuMapArgs {
    /// Prints the online CPUs as ranges
    #[arg(long)]
    pretty: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DomCapabilitiesArgs {
    /// Virtualization type
    #[arg(long, value_name = "TYPE")]
    virttype: Option<String>,
    /// Path to the emulator binary
    #[arg(long, value_name = "PATH")]
    emulatorbin: Option<String>,
    /// Domain architecture
    #[arg(long)]
    arch: Option<String>,
    /// Machine type
    #[arg(long)]
    machine: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CpuModelsArgs {
    /// Architecture
    arch: String,
}

#[derive(Debug, Args)]
pub(crate) struct StartFromFileArgs {
    /// The file to start the domain from
    file: String,
    /// Leave the domain paused
    #[arg(long)]
    paused: bool,
    /// Start the domain running
    #[arg(long)]
    running: bool,
    /// Avoid the file system cache
    #[arg(long)]
    bypass_cache: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DomStatsArgs {
    /// Domains to report on; all domains without one
    domains: Vec<String>,
    /// Report the domain state
    #[arg(long)]
    state: bool,
    /// Report the total CPU time
    #[arg(long)]
    cpu_total: bool,
    /// Report the balloon device
    #[arg(long)]
    balloon: bool,
    /// Report the virtual CPUs
    #[arg(long)]
    vcpu: bool,
    /// Report the network interfaces
    #[arg(long)]
    interface: bool,
    /// Report the block devices
    #[arg(long)]
    block: bool,
    /// Report the memory bandwidth
    #[arg(long)]
    memory: bool,
    /// Only running domains
    #[arg(long)]
    list_running: bool,
    /// Only active domains
    #[arg(long)]
    list_active: bool,
    /// Only inactive domains
    #[arg(long)]
    list_inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JobInfoArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Information about the last completed job
    #[arg(long)]
    completed: bool,
    /// Print the raw statistics
    #[arg(long)]
    rawstats: bool,
}

/// The options `save` and `managedsave` share.
#[derive(Debug, Args)]
pub(crate) struct SaveOptions {
    /// Avoid the file system cache
    #[arg(long)]
    bypass_cache: bool,
    /// Restore the domain running
    #[arg(long)]
    running: bool,
    /// Restore the domain paused
    #[arg(long)]
    paused: bool,
    /// Display the progress of the save
    #[arg(long)]
    verbose: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ManagedSaveArgs {
    /// Domain name, id or uuid
    domain: String,
    #[command(flatten)]
    options: SaveOptions,
}

#[derive(Debug, Args)]
pub(crate) struct SaveArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Where to save the data
    file: String,
    #[command(flatten)]
    options: SaveOptions,
}

#[derive(Debug, Args)]
pub(crate) struct DumpArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Where to dump the core
    file: String,
    /// Dump without stopping the domain
    #[arg(long)]
    live: bool,
    /// Crash the domain after the dump
    #[arg(long)]
    crash: bool,
    /// Reset the domain after the dump
    #[arg(long)]
    reset: bool,
    /// Dump the domain's memory only
    #[arg(long)]
    memory_only: bool,
    /// Display the progress of the dump
    #[arg(long)]
    verbose: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BlockStatArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Block device
    device: Option<String>,
    /// Print the statistics in a human readable form
    #[arg(long)]
    human: bool,
}

#[derive(Debug, Args)]
pub(crate) struct IfStatArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Interface device
    interface: String,
}

#[derive(Debug, Args)]
pub(crate) struct DomTimeArgs {
    /// Domain name, id or uuid
    domain: String,
    /// Set the guest's time to the host's
    #[arg(long)]
    now: bool,
    /// Print the time in a human readable form
    #[arg(long)]
    pretty: bool,
    /// Make the guest read its time from its RTC
    #[arg(long)]
    sync: bool,
    /// Set the guest's time to these seconds since the epoch
    #[arg(long, value_name = "SECONDS")]
    time: Option<i64>,
}

#[derive(Debug, Args)]
pub(crate) struct SendKeyArgs {
    /// Domain name, id or uuid
    domain: String,
    /// The key code set
    #[arg(long)]
    codeset: Option<String>,
    /// Milliseconds to hold the keys
    #[arg(long, value_name = "MS")]
    holdtime: Option<u32>,
    /// The key codes
    #[arg(required = true)]
    keycode: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DeviceFileArgs {
    /// Domain name, id or uuid
    domain: String,
    /// XML file of the device
    file: String,
    /// Make the change persistent
    #[arg(long)]
    persistent: bool,
    /// Change the persistent configuration
    #[arg(long)]
    config: bool,
    /// Change the running domain
    #[arg(long)]
    live: bool,
    /// Change the domain's current state
    #[arg(long)]
    current: bool,
}

/// The commands whose libvirt functions the ESX driver lacks.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the hypervisor's sysinfo (the ESX driver has none)
    Sysinfo,
    /// Print the host's memory statistics (the ESX driver has none)
    Nodememstats(NodeMemStatsArgs),
    /// Print the host's CPU statistics (the ESX driver has none)
    Nodecpustats(NodeCpuStatsArgs),
    /// Print the host's CPU map (the ESX driver has none)
    Nodecpumap(NodeCpuMapArgs),
    /// Domain capabilities (the ESX driver has none)
    Domcapabilities(DomCapabilitiesArgs),
    /// CPU models of an architecture (the ESX driver has none)
    CpuModels(CpuModelsArgs),
    /// Create a transient domain from an XML file (ESX domains are persistent: use define and
    /// start)
    Create(StartFromFileArgs),
    /// Restore a domain from a saved state file (the ESX driver cannot save state)
    Restore(StartFromFileArgs),
    /// Statistics of domains (the ESX driver has none)
    Domstats(DomStatsArgs),
    /// Information about a domain's running job (the ESX driver has none)
    Domjobinfo(JobInfoArgs),
    /// Abort a domain's running job (the ESX driver has none)
    Domjobabort(DomainArg),
    /// Save a domain's state for the next start (the ESX driver cannot)
    Managedsave(ManagedSaveArgs),
    /// Remove a domain's managed save image (an ESX domain never has one)
    ManagedsaveRemove(DomainArg),
    /// Save a domain's state to a file (the ESX driver cannot)
    Save(SaveArgs),
    /// Dump a domain's core to a file (the ESX driver cannot)
    Dump(DumpArgs),
    /// Information about a domain's virtual CPUs (the ESX driver has none)
    Vcpuinfo(DomainArg),
    /// Block device statistics (the ESX driver has none)
    Domblkstat(BlockStatArgs),
    /// Network interface statistics (the ESX driver has none)
    Domifstat(IfStatArgs),
    /// Get or set a domain's time (the ESX driver cannot)
    Domtime(DomTimeArgs),
    /// Inject an NMI into the guest (the ESX driver cannot)
    InjectNmi(DomainArg),
    /// Send keystrokes to the guest (the ESX driver cannot)
    SendKey(SendKeyArgs),
    /// Attach a device from an XML file (the ESX driver cannot; edit the domain instead)
    AttachDevice(DeviceFileArgs),
    /// Detach a device described in an XML file (the ESX driver cannot; edit the domain instead)
    DetachDevice(DeviceFileArgs),
    /// Update a device from an XML file (the ESX driver cannot; edit the domain instead)
    UpdateDevice(DeviceFileArgs),
}

impl Command {
    /// Fails as virsh fails: after the lookup and the file read virsh does first, what it was
    /// doing (when virsh says so) and the libvirt call the driver lacks.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        let lacking = |doing: Option<String>, call: &str| {
            let cause = Error::NoSupport(call.to_owned());
            Err(match doing {
                Some(doing) => CommandError::while_doing(doing, cause),
                None => CommandError::new(cause),
            })
        };
        // The domain is looked up first, as virsh does; its failure is the command's.
        let domain = |text: &str| {
            let text = text.to_owned();
            async move { lookup::domain(conn, &text).await.map(|_| text) }
        };
        match self {
            Command::Sysinfo => lacking(Some("failed to get sysinfo".into()), "virConnectGetSysinfo"),
            Command::Nodememstats(_) => lacking(
                Some("Unable to get number of memory stats".into()),
                "virNodeGetMemoryStats",
            ),
            Command::Nodecpustats(_) => lacking(
                Some("Unable to get number of cpu stats".into()),
                "virNodeGetCPUStats",
            ),
            Command::Nodecpumap(_) => lacking(Some("Unable to get cpu map".into()), "virNodeGetCPUMap"),
            Command::Domcapabilities(_) => lacking(
                Some("failed to get emulator capabilities".into()),
                "virConnectGetDomainCapabilities",
            ),
            Command::CpuModels(_) => lacking(
                Some("failed to get CPU model names".into()),
                "virConnectGetCPUModelNames",
            ),
            Command::Create(args) => {
                let file = read_named(&args.file)?;
                lacking(
                    Some(format!("Failed to create domain from {file}")),
                    "virDomainCreateXML",
                )
            }
            Command::Restore(args) => lacking(
                Some(format!("Failed to restore domain from {}", args.file)),
                "virDomainRestore",
            ),
            Command::Domstats(args) => {
                if args.domains.is_empty() {
                    return lacking(None, "virConnectGetAllDomainStats");
                }
                for text in &args.domains {
                    domain(text).await?;
                }
                lacking(None, "virDomainListGetStats")
            }
            Command::Domjobinfo(args) => {
                domain(&args.domain).await?;
                lacking(None, "virDomainGetJobInfo")
            }
            Command::Domjobabort(args) => {
                domain(&args.domain).await?;
                lacking(None, "virDomainAbortJob")
            }
            Command::Managedsave(args) => {
                let name = domain(&args.domain).await?;
                lacking(
                    Some(format!("Failed to save domain '{name}' state")),
                    "virDomainManagedSave",
                )
            }
            Command::ManagedsaveRemove(args) => {
                let name = domain(&args.domain).await?;
                Ok(unterminated(format_args!(
                    "Domain '{name}' has no manage save image; removal skipped"
                )))
            }
            Command::Save(args) => {
                let name = domain(&args.domain).await?;
                lacking(
                    Some(format!("Failed to save domain '{name}' to {}", args.file)),
                    "virDomainSave",
                )
            }
            Command::Dump(args) => {
                let name = domain(&args.domain).await?;
                lacking(
                    Some(format!("Failed to core dump domain '{name}' to {}", args.file)),
                    "virDomainCoreDump",
                )
            }
            Command::Vcpuinfo(args) => {
                domain(&args.domain).await?;
                lacking(None, "virDomainGetVcpus")
            }
            Command::Domblkstat(args) => {
                let name = domain(&args.domain).await?;
                // virsh prints the device even when none was given, after a space.
                let device = args.device.unwrap_or_default();
                lacking(
                    Some(format!("Failed to get block stats {name} {device}")),
                    "virDomainBlockStats",
                )
            }
            Command::Domifstat(args) => {
                let name = domain(&args.domain).await?;
                lacking(
                    Some(format!("Failed to get interface stats {name} {}", args.interface)),
                    "virDomainInterfaceStats",
                )
            }
            Command::Domtime(args) => {
                domain(&args.domain).await?;
                let sets = args.now || args.sync || args.time.is_some();
                lacking(None, if sets { "virDomainSetTime" } else { "virDomainGetTime" })
            }
            Command::InjectNmi(args) => {
                domain(&args.domain).await?;
                lacking(None, "virDomainInjectNMI")
            }
            Command::SendKey(args) => {
                domain(&args.domain).await?;
                lacking(None, "virDomainSendKey")
            }
            Command::AttachDevice(args) => {
                domain(&args.domain).await?;
                let file = read_named(&args.file)?;
                lacking(
                    Some(format!("Failed to attach device from {file}")),
                    "virDomainAttachDevice",
                )
            }
            Command::DetachDevice(args) => {
                domain(&args.domain).await?;
                let file = read_named(&args.file)?;
                lacking(
                    Some(format!("Failed to detach device from {file}")),
                    "virDomainDetachDevice",
                )
            }
            Command::UpdateDevice(args) => {
                domain(&args.domain).await?;
                let file = read_named(&args.file)?;
                lacking(
                    Some(format!("Failed to update device from {file}")),
                    "virDomainUpdateDeviceFlags",
                )
            }
        }
    }
}
