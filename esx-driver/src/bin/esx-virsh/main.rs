//! `esx-virsh`: virsh-style command line for VMware, starting with the offline VMX conversions.
//!
//! Each command is a variant of [`Command`] with its own argument struct and a `run` function
//! that returns the text to print, so commands that need a connection (`-c/--connect URI`,
//! `list`, `dominfo`, ...) slot in as further variants plus a global option, sharing the same
//! error handling: `error: <message>` on stderr, exit status 1, nothing on stdout.

mod connected;
mod domxml;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Manage VMware ESX hosts and vCenter servers the way virsh manages libvirt domains.
#[derive(Debug, Parser)]
#[command(
    name = "esx-virsh",
    version,
    about = "virsh for VMware ESX and vCenter: libvirt domain XML <-> VMX conversion",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    global: connected::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert a native VM configuration (a VMX file) to libvirt domain XML.
    DomxmlFromNative(domxml::FromNativeArgs),
    /// Convert libvirt domain XML to a native VM configuration (a VMX file).
    DomxmlToNative(domxml::ToNativeArgs),
    #[command(flatten)]
    Connected(connected::ConnectedCommand),
}

/// A failed command: the message printed after `error: `.
#[derive(Debug)]
pub struct CommandError(pub String);

impl<E: std::fmt::Display> From<E> for CommandError {
    fn from(error: E) -> Self {
        CommandError(esx_driver::console::error_line(&error))
    }
}

/// The `error:` lines of a message: virsh's `context\nerror: cause` form keeps its lines, and
/// every other control character (a newline in a name, an ANSI escape in a server's page) is
/// escaped, so that nothing quoted can forge a line or drive the terminal.
fn error_lines(message: &str) -> String {
    message
        .split("\nerror: ")
        .map(|part| esx_driver::console::escape_controls(part).into_owned())
        .collect::<Vec<_>>()
        .join("\nerror: ")
}

fn run(cli: Cli) -> Result<String, CommandError> {
    match cli.command {
        Command::DomxmlFromNative(args) => domxml::from_native(&args),
        Command::DomxmlToNative(args) => domxml::to_native(&args),
        Command::Connected(command) => connected::run(cli.global, command),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are not errors; everything else exits 1 like virsh.
            let code = if error.use_stderr() { 1 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
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
        Err(CommandError(message)) => {
            eprintln!("error: {}", error_lines(&message));
            ExitCode::from(1)
        }
    }
}
