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

/// A command-line mistake in virsh's words where virsh has words for it: an unknown command, an
/// option the command does not take, a word too many, a missing argument. `cli` is the parser
/// that failed and `words` the words it was given (to find the command's name, which clap's
/// error does not carry). None for the rest (`--help`, `--version`, a malformed value), which
/// clap words better than virsh.
pub(crate) fn usage_error(
    error: &clap::Error,
    cli: &clap::Command,
    words: &[String],
) -> Option<CommandError> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => texts.first().cloned(),
        _ => None,
    };
    let command = || {
        words
            .iter()
            .find(|word| cli.find_subcommand(word.as_str()).is_some())
    };
    let message = match error.kind() {
        ErrorKind::InvalidSubcommand => {
            format!(
                "unknown command: '{}'",
                context(ContextKind::InvalidSubcommand)?
            )
        }
        ErrorKind::UnknownArgument => {
            let word = context(ContextKind::InvalidArg)?;
            if word.starts_with('-') {
                let option = word.split('=').next().unwrap_or(&word);
                format!("command '{}' doesn't support option {option}", command()?)
            } else {
                format!("unexpected data '{word}'")
            }
        }
        ErrorKind::MissingRequiredArgument => {
            // clap names it `<DOMAIN>` (`<KEYCODE>...` for a list); virsh `<domain>`.
            let usage = context(ContextKind::InvalidArg)?;
            let name = usage
                .trim_end_matches('.')
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_lowercase();
            if name.starts_with('-') {
                return None;
            }
            format!("command '{}' requires <{name}> option", command()?)
        }
        _ => return None,
    };
    Some(CommandError::new(message))
}

/// Library errors (`?` on the driver, the VMX converter, the URI parser) fail with their message
/// and its causes on one line ([`Report`]).
impl<E: Error + 'static> From<E> for CommandError {
    fn from(error: E) -> Self {
        CommandError::new(Report(&error))
    }
}
