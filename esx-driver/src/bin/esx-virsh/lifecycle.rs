//! Power transitions of one domain: `start`, `shutdown`, `reboot`, `reset`, `destroy`, `suspend`,
//! `resume`. They differ only in their driver call and virsh's messages, so one table,
//! [`TRANSITIONS`], defines each as a row; the command line is built from it. A new transition is
//! a new row.

use std::future::Future;
use std::pin::Pin;

use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, FromArgMatches, Subcommand};
use esx_driver::driver::{Connection, DomainRef, Error};

use crate::error::CommandError;
use crate::lookup;
use crate::output::line;

/// A driver call that changes a domain's power state.
type DriverCall =
    for<'a> fn(&'a Connection, &'a DomainRef) -> Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

/// One power transition as a command.
pub(crate) struct Transition {
    /// The command's name, which is also the verb of virsh's failure message
    /// (`Failed to start domain 'web'`).
    name: &'static str,
    /// The command's one-line help.
    about: &'static str,
    /// What virsh prints on success after `Domain 'web' `.
    done: &'static str,
    /// The driver call.
    call: DriverCall,
    /// virsh's options for it that libvirt's ESX driver refuses.
    refused: Refused,
}

/// The options virsh offers for a transition whose flags libvirt's ESX driver refuses: accepted
/// on the command line, so that a script written for virsh fails as it fails there, with
/// `unsupported flags (0x1) in function esxDomainShutdownFlags` after virsh's own checks.
struct Refused {
    /// The libvirt function that refuses them.
    function: &'static str,
    /// Boolean options: name, help, flag value (0: accepted, as virsh drops it here).
    flags: &'static [(&'static str, &'static str, u32)],
    /// The values of `--mode` (shutdown and reboot), with their flag values.
    modes: &'static [(&'static str, u32)],
}

/// virsh's `--mode` values for shutdown and reboot (`VIR_DOMAIN_SHUTDOWN_*`, `_REBOOT_*`).
const MODES: &[(&str, u32)] = &[
    ("acpi", 0x1),
    ("agent", 0x2),
    ("initctl", 0x4),
    ("signal", 0x8),
    ("paravirt", 0x10),
];

/// No options beyond the domain.
const NONE: Refused = Refused {
    function: "",
    flags: &[],
    modes: &[],
};

/// Every transition, in `--help` order.
const TRANSITIONS: &[Transition] = &[
    Transition {
        name: "start",
        about: "Start a (previously defined) inactive domain",
        done: "started",
        call: |conn, dom| Box::pin(conn.start(dom)),
        refused: Refused {
            function: "esxDomainCreateWithFlags",
            flags: &[
                ("paused", "Leave the guest paused after creation", 0x1),
                ("autodestroy", "Destroy the guest when virsh disconnects", 0x2),
                ("bypass-cache", "Avoid the file system cache when loading", 0x4),
                // virsh drops this flag when there is no managed save image to discard, and
                // an ESX domain never has one: accepted, refused never.
                ("force-boot", "Force a fresh boot by discarding any managed save", 0),
                ("reset-nvram", "Re-initialize NVRAM from its pristine template", 0x10),
            ],
            modes: &[],
        },
    },
    Transition {
        name: "shutdown",
        about: "Gracefully shut down a domain (VMware Tools)",
        done: "is being shutdown",
        call: |conn, dom| Box::pin(conn.shutdown(dom)),
        refused: Refused {
            function: "esxDomainShutdownFlags",
            flags: &[],
            modes: MODES,
        },
    },
    Transition {
        name: "reboot",
        about: "Reboot a domain (VMware Tools)",
        done: "is being rebooted",
        call: |conn, dom| Box::pin(conn.reboot(dom)),
        refused: Refused {
            function: "esxDomainReboot",
            flags: &[],
            modes: MODES,
        },
    },
    Transition {
        name: "reset",
        about: "Reset a domain",
        done: "was reset",
        call: |conn, dom| Box::pin(conn.reset(dom)),
        refused: NONE,
    },
    Transition {
        name: "destroy",
        about: "Destroy (stop) a domain",
        done: "destroyed",
        call: |conn, dom| Box::pin(conn.destroy(dom)),
        refused: Refused {
            function: "esxDomainDestroyFlags",
            flags: &[("graceful", "Terminate gracefully", 0x1)],
            modes: &[],
        },
    },
    Transition {
        name: "suspend",
        about: "Suspend a domain",
        done: "suspended",
        call: |conn, dom| Box::pin(conn.suspend(dom)),
        refused: NONE,
    },
    Transition {
        name: "resume",
        about: "Resume a suspended domain",
        done: "resumed",
        call: |conn, dom| Box::pin(conn.resume(dom)),
        refused: NONE,
    },
];

/// The argument id of the domain, the one argument every transition takes.
const DOMAIN: &str = "domain";

/// A transition of one domain, as parsed from the command line.
pub(crate) struct Command {
    transition: &'static Transition,
    domain: String,
    /// The flags of the refused boolean options given (0: none).
    refused_flags: u32,
    /// `--mode`, checked when the command runs, as virsh checks it.
    mode: Option<String>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("transition", &self.transition.name)
            .field("domain", &self.domain)
            .field("refused_flags", &self.refused_flags)
            .field("mode", &self.mode)
            .finish()
    }
}

impl Command {
    /// Looks the domain up, runs the transition, and returns virsh's message.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        let Transition {
            name,
            done,
            call,
            refused,
            ..
        } = self.transition;
        let refused_flags = self.refused_flags | mode_flags(refused, self.mode.as_deref())?;
        let dom = lookup::domain(conn, &self.domain).await?;
        if *name == "start" && dom.state.is_active() {
            // virsh checks this itself before it asks the driver, with its own words.
            return Err(CommandError::new("Domain is already active"));
        }
        let failed = format!("Failed to {name} domain '{}'", dom.name);
        if refused_flags != 0 {
            return Err(CommandError::while_doing_because(
                failed,
                format!(
                    "unsupported flags ({refused_flags:#x}) in function {}",
                    refused.function
                ),
            ));
        }
        call(conn, &dom)
            .await
            .map_err(|e| CommandError::while_doing(failed, e))?;
        Ok(line(format_args!("Domain '{}' {done}", dom.name)))
    }
}

/// The command line of one transition: its name and help, and the domain it takes, shown as
/// `<DOMAIN>` like the derived commands' domain arguments.
fn command_line(transition: &Transition) -> clap::Command {
    let mut command = clap::Command::new(transition.name)
        .about(transition.about)
        .arg(
            Arg::new(DOMAIN)
                .value_name("DOMAIN")
                .help("Domain name, id or uuid")
                .required(true),
        );
    for (name, help, _) in transition.refused.flags {
        let help = format!("{help} (libvirt's ESX driver refuses it)");
        command = command.arg(Arg::new(*name).long(*name).help(help).action(ArgAction::SetTrue));
    }
    if !transition.refused.modes.is_empty() {
        command = command.arg(
            Arg::new(MODE)
                .long(MODE)
                .value_name("MODE")
                .help("acpi, agent, initctl, signal or paravirt, comma-separated (libvirt's ESX driver refuses them)"),
        );
    }
    command
}

/// The argument id of shutdown's and reboot's `--mode`.
const MODE: &str = "mode";

/// The flag value of the refused boolean options in `arguments`.
fn refused_flags(refused: &Refused, arguments: &ArgMatches) -> u32 {
    refused
        .flags
        .iter()
        .filter(|(name, _, _)| arguments.get_flag(name))
        .fold(0, |flags, (_, _, value)| flags | value)
}

/// The flag value of a `--mode` list; an unknown mode in virsh's words.
fn mode_flags(refused: &Refused, mode: Option<&str>) -> Result<u32, CommandError> {
    let mut flags = 0;
    for mode in mode.iter().flat_map(|m| m.split(',')) {
        let Some((_, value)) = refused.modes.iter().find(|(name, _)| *name == mode) else {
            return Err(CommandError::new(format!(
                "Unknown mode {mode} value, expecting 'acpi', 'agent', 'initctl', 'signal' or \
                 'paravirt'"
            )));
        };
        flags |= value;
    }
    Ok(flags)
}

impl Subcommand for Command {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        TRANSITIONS
            .iter()
            .fold(cmd, |cmd, transition| cmd.subcommand(command_line(transition)))
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        TRANSITIONS.iter().any(|transition| transition.name == name)
    }
}

impl FromArgMatches for Command {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut matches.clone())
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, mut arguments)) = matches.remove_subcommand() else {
            return Err(clap::Error::raw(
                ErrorKind::MissingSubcommand,
                "a subcommand is required but one was not provided",
            ));
        };
        let Some(transition) = TRANSITIONS.iter().find(|t| t.name == name) else {
            return Err(clap::Error::raw(
                ErrorKind::InvalidSubcommand,
                format!("the subcommand '{name}' wasn't recognized"),
            ));
        };
        let Some(domain) = arguments.remove_one::<String>(DOMAIN) else {
            return Err(clap::Error::raw(
                ErrorKind::MissingRequiredArgument,
                format!("'{name}' needs a domain"),
            ));
        };
        let refused_flags = refused_flags(&transition.refused, &arguments);
        let mode = if transition.refused.modes.is_empty() {
            None
        } else {
            arguments.remove_one::<String>(MODE)
        };
        Ok(Command {
            transition,
            domain,
            refused_flags,
            mode,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transition_parses_to_its_row_and_domain() {
        let cli = Command::augment_subcommands(clap::Command::new("esx-virsh"));
        for transition in TRANSITIONS {
            let mut matches = cli
                .clone()
                .try_get_matches_from(["esx-virsh", transition.name, "web"])
                .unwrap();
            let command = Command::from_arg_matches_mut(&mut matches).unwrap();
            assert_eq!(command.transition.name, transition.name);
            assert_eq!(command.domain, "web");
        }
        let missing = cli.try_get_matches_from(["esx-virsh", "start"]);
        assert_eq!(
            missing.unwrap_err().kind(),
            ErrorKind::MissingRequiredArgument
        );
    }
}
