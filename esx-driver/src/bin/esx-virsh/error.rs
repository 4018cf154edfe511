//! A failed command and the one place it becomes virsh's `error: ...` lines.

use std::error::Error;
use std::fmt::Display;
use std::process::ExitCode;

use esx_driver::console::escape_controls;
use esx_driver::driver::Report;

/// Why a command failed: what it was doing (virsh's first `error:` line, e.g. `Failed to start
/// domain 'web'`), when that says more than the cause alone, and the cause.
#[derive(Clone, Debug)]
pub(crate) struct CommandError {
    doing: Option<String>,
    cause: String,
    /// Already told the user (e.g. before a question they answered with "no"): exit 1 and
    /// print nothing more.
    reported: bool,
}

impl CommandError {
    /// A failure that needs no context: a bad argument, or a driver error that names its object.
    pub(crate) fn new(cause: impl Display) -> CommandError {
        CommandError {
            doing: None,
            cause: cause.to_string(),
            reported: false,
        }
    }

    /// A failure the user has already been shown: the command exits 1 without another line.
    pub(crate) fn reported() -> CommandError {
        CommandError {
            doing: None,
            cause: String::new(),
            reported: true,
        }
    }

    /// A failure of `doing` (`failed to get domain 'web'`) because of `cause`, printed with its
    /// chain of causes on one line.
    pub(crate) fn while_doing(doing: impl Display, cause: impl Error + 'static) -> CommandError {
        CommandError {
            doing: Some(doing.to_string()),
            cause: Report(&cause).to_string(),
            reported: false,
        }
    }

    /// A failure of `doing` whose cause is a message of its own (virsh's wording of a refusal
    /// that has no driver error behind it).
    pub(crate) fn while_doing_because(doing: impl Display, cause: impl Display) -> CommandError {
        CommandError {
            doing: Some(doing.to_string()),
            cause: cause.to_string(),
            reported: false,
        }
    }

    /// Prints the failure as virsh does, on stderr: `error: DOING` (if any), then `error: CAUSE`;
    /// returns virsh's exit status for a failed command.
    pub(crate) fn report(&self) -> ExitCode {
        if self.reported {
            return ExitCode::from(1);
        }
        // Names and messages quoted from servers, files and users may hold control characters:
        // escaped, they can neither forge a line nor drive the terminal.
        if let Some(doing) = &self.doing {
            eprintln!("error: {}", escape_controls(doing));
        }
        eprintln!("error: {}", escape_controls(&self.cause));
        ExitCode::from(1)
    }
}

/// Library errors (`?` on the driver, the VMX converter, the URI parser) fail with their message
/// and its causes on one line ([`Report`]).
impl<E: Error + 'static> From<E> for CommandError {
    fn from(error: E) -> Self {
        CommandError::new(Report(&error))
    }
}
