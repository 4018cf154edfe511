//! Power transitions of one domain: `start`, `shutdown`, `reboot`, `reset`, `destroy`, `suspend`,
//! `resume`. They differ only in their driver call and virsh's messages, so one table,
//! [`TRANSITIONS`], defines each as a row; the command line is built from it. A new transition is
//! a new row.

use std::future::Future;
use std::pin::Pin;

use clap::error::ErrorKind;
use clap::{Arg, ArgMatches, FromArgMatches, Subcommand};
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
}

/// Every transition, in `--help` order.
const TRANSITIONS: &[Transition] = &[
    Transition {
        name: "start",
        about: "Start a (previously defined) inactive domain",
        done: "started",
        call: |conn, dom| Box::pin(conn.start(dom)),
    },
    Transition {
        name: "shutdown",
        about: "Gracefully shut down a domain (VMware Tools)",
        done: "is being shutdown",
        call: |conn, dom| Box::pin(conn.shutdown(dom)),
    },
    Transition {
        name: "reboot",
        about: "Reboot a domain (VMware Tools)",
        done: "is being rebooted",
        call: |conn, dom| Box::pin(conn.reboot(dom)),
    },
    Transition {
        name: "reset",
        about: "Reset a domain",
        done: "was reset",
        call: |conn, dom| Box::pin(conn.reset(dom)),
    },
    Transition {
        name: "destroy",
        about: "Destroy (stop) a domain",
        done: "destroyed",
        call: |conn, dom| Box::pin(conn.destroy(dom)),
    },
    Transition {
        name: "suspend",
        about: "Suspend a domain",
        done: "suspended",
        call: |conn, dom| Box::pin(conn.suspend(dom)),
    },
    Transition {
        name: "resume",
        about: "Resume a suspended domain",
        done: "resumed",
        call: |conn, dom| Box::pin(conn.resume(dom)),
    },
];

/// The argument id of the domain, the one argument every transition takes.
const DOMAIN: &str = "domain";

/// A transition of one domain, as parsed from the command line.
pub(crate) struct Command {
    transition: &'static Transition,
    domain: String,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("transition", &self.transition.name)
            .field("domain", &self.domain)
            .finish()
    }
}

impl Command {
    /// Looks the domain up, runs the transition, and returns virsh's message.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        let Transition {
            name, done, call, ..
        } = self.transition;
        let dom = lookup::domain(conn, &self.domain).await?;
        if *name == "start" && dom.state.is_active() {
            // virsh checks this itself before it asks the driver, with its own words.
            return Err(CommandError::new("Domain is already active"));
        }
        call(conn, &dom).await.map_err(|e| {
            CommandError::while_doing(format!("Failed to {name} domain '{}'", dom.name), e)
        })?;
        Ok(line(format_args!("Domain '{}' {done}", dom.name)))
    }
}

/// The command line of one transition: its name and help, and the domain it takes, shown as
/// `<DOMAIN>` like the derived commands' domain arguments.
fn command_line(transition: &Transition) -> clap::Command {
    clap::Command::new(transition.name)
        .about(transition.about)
        .arg(
            Arg::new(DOMAIN)
                .value_name("DOMAIN")
                .help("Domain name, id or uuid")
                .required(true),
        )
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
        Ok(Command { transition, domain })
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
