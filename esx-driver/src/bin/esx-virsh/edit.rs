//! `edit DOM`: virsh's edit loop. The domain's XML goes to a temporary file, the user's editor
//! (`$VISUAL`, else `$EDITOR`, else `vi`) changes it, and the result is defined over the domain;
//! an unchanged file changes nothing. When defining fails (or someone else changed the domain
//! meanwhile) a terminal user is asked virsh's `Try again? [y,n,i,f,?]` question; off a terminal
//! the failure is the command's error.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::Command as Process;

use clap::Subcommand;
use esx_driver::driver::{Connection, DomainRef};

use crate::error::CommandError;
use crate::lookup::{self, DomainArg};
use crate::output::line;

/// The commands that edit an object's XML in the user's editor.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Edit XML configuration for a domain
    Edit(DomainArg),
}

impl Command {
    /// Runs the command on `conn` and returns what to print.
    pub(crate) async fn run(self, conn: &Connection) -> Result<String, CommandError> {
        match self {
            Command::Edit(args) => edit_domain(conn, &args.domain).await,
        }
    }
}

/// What the user chose after a failed define.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    /// `y`: open the editor again on the same file.
    Reedit,
    /// `f` (and `i`, validation being always relaxed here): define the same text again.
    Redefine,
    /// `n`, the end of the input, or no terminal to ask on: give up.
    GiveUp,
}

async fn edit_domain(conn: &Connection, text: &str) -> Result<String, CommandError> {
    let dom = lookup::domain(conn, text).await?;
    let mut original = conn.domain_xml(&dom).await?;
    let file = EditFile::create(&original)?;
    let editor = Editor::from_env();
    'reedit: loop {
        editor.edit(file.path())?;
        let edited = file.read()?;
        if edited == original {
            return Ok(line(format_args!(
                "Domain '{}' XML configuration not changed.",
                dom.name
            )));
        }
        loop {
            let failure = match define_unless_changed(conn, &dom, &original, &edited).await? {
                Defined::Done(name) => {
                    return Ok(line(format_args!(
                        "Domain '{name}' XML configuration edited."
                    )))
                }
                Defined::ChangedMeanwhile(current) => {
                    // As virsh: what is compared from now on is what the host has now.
                    original = current;
                    Failure {
                        summary: "The XML configuration was changed by another user.",
                        cause: None,
                    }
                }
                Defined::Refused(cause) => Failure {
                    summary: "Failed.",
                    cause: Some(cause),
                },
            };
            match ask_retry(&failure)? {
                Retry::Reedit => continue 'reedit,
                Retry::Redefine => continue,
                Retry::GiveUp => return Err(CommandError::reported()),
            }
        }
    }
}

/// Why the edited XML was not defined: virsh's summary (the start of its question) and the
/// error behind it, if any.
struct Failure {
    summary: &'static str,
    cause: Option<String>,
}

/// How one attempt to define the edited XML ended.
enum Defined {
    /// Defined: the domain's name after the edit.
    Done(String),
    /// Someone changed the domain since the editor opened: its XML now.
    ChangedMeanwhile(String),
    /// The host or the converter refused the edited XML: why.
    Refused(String),
}

/// Defines `edited` over the domain, unless its XML is no longer `original` (then nothing is
/// written). A domain that cannot be read any more fails the command.
async fn define_unless_changed(
    conn: &Connection,
    dom: &DomainRef,
    original: &str,
    edited: &str,
) -> Result<Defined, CommandError> {
    let current = conn.domain_xml(dom).await?;
    if current != original {
        return Ok(Defined::ChangedMeanwhile(current));
    }
    Ok(match conn.define_xml(edited).await {
        Ok(defined) => Defined::Done(defined.domain().name.clone()),
        Err(e) => Defined::Refused(esx_driver::driver::Report(&e).to_string()),
    })
}

/// Asks virsh's question after `failure`, on a terminal. Off a terminal there is no one to ask
/// and the failure is the command's error: virsh's `error: Failed.` and then why (virsh 11.3
/// prints only the first and then reports the domain as edited, which it was not).
fn ask_retry(failure: &Failure) -> Result<Retry, CommandError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(match &failure.cause {
            Some(cause) => CommandError::while_doing_because(failure.summary, cause),
            None => CommandError::new(failure.summary),
        });
    }
    if let Some(cause) = &failure.cause {
        CommandError::new(cause).report();
    }
    let mut stdout = std::io::stdout();
    let mut keys = KeyReader::new();
    loop {
        // As virsh: the question starts its line again after each key it does not know.
        let _ = write!(stdout, "\r{} Try again? [y,n,i,f,?]: ", failure.summary);
        let _ = stdout.flush();
        let Some(key) = keys.next() else {
            let _ = writeln!(stdout);
            return Ok(Retry::GiveUp);
        };
        if key == '?' {
            let _ = write!(stdout, "\n{RETRY_HELP}");
            continue;
        }
        if let Some(choice) = parse_answer(key) {
            let _ = writeln!(stdout);
            let _ = stdout.flush();
            return Ok(choice);
        }
    }
}

/// Reads the answers to the retry question from the terminal on stdin: one key at a time
/// without echo, as virsh's raw mode reads them (Ctrl-C and Ctrl-D are keys then, answered as
/// `n`, so that the terminal's mode is always restored, when this is dropped). Where the mode cannot be changed (not Unix), a line at a time.
struct KeyReader {
    #[cfg(unix)]
    saved: Option<nix::sys::termios::Termios>,
    line: std::collections::VecDeque<char>,
}

impl KeyReader {
    fn new() -> KeyReader {
        #[cfg(unix)]
        {
            use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg, SpecialCharacterIndices};
            let stdin = std::io::stdin();
            let saved = tcgetattr(&stdin).ok();
            if let Some(saved) = &saved {
                let mut raw = saved.clone();
                raw.local_flags
                    .remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG);
                raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
                raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
                // TCSANOW: keys typed ahead are kept.
                let _ = tcsetattr(&stdin, SetArg::TCSANOW, &raw);
            }
            KeyReader {
                saved,
                line: Default::default(),
            }
        }
        #[cfg(not(unix))]
        KeyReader {
            line: Default::default(),
        }
    }

    /// The next key (or character of the line); `None` at the end of input.
    fn next(&mut self) -> Option<char> {
        if let Some(c) = self.line.pop_front() {
            return Some(c);
        }
        let mut text = String::new();
        // One read: in raw mode the keys typed so far, else a line (a longer one is cut).
        let mut buffer = [0u8; 256];
        let n = loop {
            match std::io::Read::read(&mut std::io::stdin().lock(), &mut buffer) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break 0,
            }
        };
        if n == 0 {
            return None;
        }
        text.push_str(&String::from_utf8_lossy(&buffer[..n]));
        self.line.extend(text.chars());
        self.line.pop_front()
    }
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ = nix::sys::termios::tcsetattr(
                std::io::stdin(),
                nix::sys::termios::SetArg::TCSANOW,
                saved,
            );
        }
    }
}

/// virsh's help for the retry question.
const RETRY_HELP: &str = "y - yes, start editor again\n\
                          n - no, throw away my changes\n\
                          i - turn off validation and try to redefine again\n\
                          f - force, try to redefine again\n\
                          ? - print this help\n";

/// An answer to the retry question, one key in either case; `None` (another key) asks again.
fn parse_answer(key: char) -> Option<Retry> {
    match key.to_ascii_lowercase() {
        'y' => Some(Retry::Reedit),
        // Nothing validates the XML against a schema here: `i` redefines, as `f` does.
        'f' | 'i' => Some(Retry::Redefine),
        // n, Ctrl-C, Ctrl-D.
        'n' | '\u{3}' | '\u{4}' => Some(Retry::GiveUp),
        _ => None,
    }
}

/// The temporary file the user edits, removed when dropped.
struct EditFile {
    file: tempfile::NamedTempFile,
}

impl EditFile {
    /// A new file holding `text`, private to the user, named like virsh's (`virshXXXXXX.xml`,
    /// so that editors pick XML highlighting) in the temporary directory.
    fn create(text: &str) -> Result<EditFile, CommandError> {
        let failed = |e: std::io::Error| {
            CommandError::new(format!("cannot create a temporary file to edit: {e}"))
        };
        let mut file = tempfile::Builder::new()
            .prefix("esx-virsh")
            .suffix(".xml")
            .tempfile()
            .map_err(failed)?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .map_err(failed)?;
        Ok(EditFile { file })
    }

    fn path(&self) -> &Path {
        self.file.path()
    }

    /// What the editor left in the file (at most virsh's 10 MiB of text).
    fn read(&self) -> Result<String, CommandError> {
        let path = self.path().to_string_lossy().into_owned();
        esx_driver::input::read_text_document(&path).map_err(|e| {
            CommandError::new(format!("cannot read the edited file '{path}': {e}"))
        })
    }
}

/// The user's editor: a command line, to which the file name is added as one more argument.
struct Editor {
    command: String,
}

impl Editor {
    /// `$VISUAL`, else `$EDITOR`, else `vi`, as virsh.
    fn from_env() -> Editor {
        let command = ["VISUAL", "EDITOR"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.trim().is_empty())
            .unwrap_or_else(|| "vi".to_owned());
        Editor { command }
    }

    /// Runs the editor on `path` on this terminal and waits for it. The editor variable is a
    /// command line (`emacs -nw`, `sed -i s/a/b/`), run by the shell; the file name reaches it
    /// as a positional parameter, never as shell text.
    fn edit(&self, path: &Path) -> Result<(), CommandError> {
        let status = Process::new("sh")
            .arg("-c")
            .arg(format!("{} \"$1\"", self.command))
            .arg("esx-virsh-editor")
            .arg(path)
            .status()
            .map_err(|e| CommandError::new(format!("cannot run the editor (sh): {e}")))?;
        if !status.success() {
            // virsh's words for a child process that failed.
            let how = match status.code() {
                Some(code) => format!("unexpected exit status {code}"),
                None => "unexpected fatal signal".to_owned(),
            };
            return Err(CommandError::new(format!(
                "internal error: Child process ({} {}) {how}",
                self.command,
                path.display()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_virsh_reads_them() {
        assert_eq!(parse_answer('y'), Some(Retry::Reedit));
        assert_eq!(parse_answer('Y'), Some(Retry::Reedit));
        assert_eq!(parse_answer('f'), Some(Retry::Redefine));
        assert_eq!(parse_answer('i'), Some(Retry::Redefine));
        assert_eq!(parse_answer('n'), Some(Retry::GiveUp));
        assert_eq!(parse_answer('\u{3}'), Some(Retry::GiveUp));
        assert_eq!(parse_answer('?'), None);
        assert_eq!(parse_answer('\r'), None);
        assert_eq!(parse_answer('x'), None);
    }

    #[test]
    fn the_editor_gets_the_file_as_one_argument() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a file; rm -rf x.xml");
        std::fs::write(&path, "<a/>\n").unwrap();
        let editor = Editor {
            command: "sed -i s/a/b/".to_owned(),
        };
        editor.edit(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "<b/>\n");
        let failing = Editor {
            command: "false".to_owned(),
        };
        let error = failing.edit(&path).unwrap_err();
        assert!(
            format!("{error:?}").contains("Child process (false ") && format!("{error:?}").contains(") unexpected exit status 1"),
            "{error:?}"
        );
    }
}
