//! `esx-virsh`: virsh for VMware ESX hosts and vCenter servers, over the `esx_driver` library.
//!
//! It lists, inspects, defines, tunes, starts and stops, snapshots and migrates domains (VMs),
//! reports on the host, and converts between VMX files and libvirt domain XML, with virsh's
//! command names, arguments, output and messages; `--json` gives scripts a stable shape for the
//! list and information commands.
//!
//! Commands come in groups, one module each: `convert` works on files without a connection,
//! `manual` prints completion scripts and the man page from the same clap definitions; the
//! groups registered in `connected_groups!` (`domain`, `lifecycle`, `snapshot`, `host`, ...) run on
//! a connection that `session` opens from `-c URI` or `LIBVIRT_DEFAULT_URI` and closes after the
//! command. A group is a clap `Subcommand` enum named `Command` with
//! `async fn run(self, &Connection) -> Result<String, CommandError>`; adding one is a module and
//! a line in `connected_groups!`. What groups share: `lookup` (arguments that name a domain, and
//! their lookups), `output` (tables, `Label: value` lists, JSON views), `args` (sizes with units),
//! `xml_file` (XML file arguments, read bounded).
//!
//! Without a command, `shell` runs virsh's shell on one connection: with line editing and
//! history on a terminal, else commands one per line from standard input.
//!
//! A command returns the text to print or a [`CommandError`]; `main` prints the one on stdout
//! and turns the other into virsh's `error: ...` lines on stderr with exit status 1 and nothing on
//! stdout ([`CommandError::report`], the only place that does).

// clap turns the doc comments of arguments into `--help` text: they are written for the terminal
// (`[datastore] dir/disk.vmdk`, `<domainsnapshot>`), not as rustdoc markup.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod args;
mod convert;
mod error;
mod lookup;
mod manual;
mod output;
mod progress;
mod session;
mod shell;
mod xml_file;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use esx_driver::driver::Connection;

use crate::error::CommandError;

/// Registers the command groups that need a connection, in `--help` order. Each line
/// `module => Variant` declares the module and makes its `Command` enum a part of the command
/// line, dispatched to its `run`.
macro_rules! connected_groups {
    ($($module:ident => $variant:ident,)*) => {
        $(mod $module;)*

        /// The commands that talk to a host or vCenter.
        #[derive(Debug, Subcommand)]
        enum ConnectedCommand {
            $(
                #[command(flatten)]
                $variant($module::Command),
            )*
        }

        impl ConnectedCommand {
            /// Runs the command on `conn` and returns what to print.
            async fn run(self, conn: &Connection) -> Result<String, CommandError> {
                match self {
                    $(ConnectedCommand::$variant(command) => command.run(conn).await,)*
                }
            }
        }
    };
}

connected_groups! {
    domain => Domain,
    monitor => Monitor,
    lifecycle => Lifecycle,
    snapshot => Snapshot,
    host => Host,
    network => Network,
    interface => Interface,
    pool => Pool,
    volume => Volume,
    unsupported => Unsupported,
    not_on_esx => NotOnEsx,
    edit => Edit,
    screenshot => Screenshot,
    transfer => Transfer,
}

/// Manage VMware ESX hosts and vCenter servers the way virsh manages libvirt domains.
#[derive(Debug, Parser)]
#[command(
    name = "esx-virsh",
    version,
    about = "virsh for VMware ESX and vCenter: domains, snapshots, the host, VMX <-> domain XML",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    global: session::GlobalArgs,
    /// The command; without one, commands are read one per line from standard input (virsh's
    /// shell)
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Convert(convert::Command),
    #[command(flatten)]
    Manual(manual::Command),
    #[command(flatten)]
    Connected(ConnectedCommand),
}

fn run(global: &session::GlobalArgs, command: Command) -> Result<String, CommandError> {
    match command {
        Command::Convert(command) => command.run(),
        Command::Manual(command) => command.run(),
        Command::Connected(command) => session::run(global, command),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Mistakes virsh has words for read as virsh says them.
            let words: Vec<String> = std::env::args().skip(1).collect();
            if let Some(usage) = error::usage_error(&error, &Cli::command(), &words) {
                return usage.report();
            }
            // --help and --version are not errors; everything else exits 1 like virsh.
            let code = if error.use_stderr() { 1 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let Some(command) = cli.command else {
        session::init_logging();
        return shell::run(&cli.global);
    };
    match run(&cli.global, command) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(output.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(error) => error.report(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap's own checks over the whole command line: among them, no two groups define a
    /// command of the same name.
    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
