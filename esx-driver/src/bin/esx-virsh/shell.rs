//! virsh's shell: `esx-virsh -c URI` without a command reads commands one per line from
//! standard input (a terminal, or a script piped in), runs them on one connection that stays
//! open between them, and prints as virsh's shell does: a banner, the `esx-virsh # ` prompt (and,
//! when the input is not a terminal, the line read, as readline echoes it), each command's output
//! or `error:` lines followed by a blank line. `quit`/`exit` end it, `connect URI` switches the
//! connection, `help` lists the commands. On a terminal the line is edited with rustyline:
//! history (kept in `~/.cache/esx-virsh/history`, as virsh keeps `~/.cache/virsh/history`) and
//! Tab completion of command names.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use esx_driver::driver::Connection;

use crate::error::CommandError;
use crate::session;
use crate::Command;

/// The longest line the shell reads: a command line, not a document.
const MAX_LINE: u64 = 64 * 1024;

/// One line of the shell parsed as a command.
#[derive(Debug, Parser)]
#[command(name = "esx-virsh", no_binary_name = true, disable_version_flag = true)]
struct ShellLine {
    #[command(subcommand)]
    command: Command,
}

/// Splits a command line into words as virsh does: white space separates, single and double
/// quotes group, a backslash escapes the next character.
fn split_words(line: &str) -> Result<Vec<String>, CommandError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => {
                let escaped = chars
                    .next()
                    .ok_or_else(|| CommandError::new("dangling \\ at the end of the line"))?;
                word.push(escaped);
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(CommandError::new("missing \" or ' at the end of the line"));
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Runs the shell on `uri` until `quit`, `exit` or the end of the input.
pub(crate) fn run(global: &session::GlobalArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return CommandError::new(format!("cannot start the async runtime: {e}")).report()
        }
    };
    let Some(uri) = global.uri() else {
        return session::no_uri().report();
    };
    let mut conn = match runtime.block_on(session::open(uri)) {
        Ok(conn) => conn,
        Err(e) => {
            return CommandError::while_doing("failed to connect to the hypervisor", e).report()
        }
    };
    let mut stdout = std::io::stdout();
    let _ = write!(
        stdout,
        "Welcome to esx-virsh, the virtualization interactive terminal.\n\n\
         Type:  'help' for help with commands\n       'quit' to quit\n\n"
    );
    let mut lines = LineSource::new();
    while let Some(line) = lines.next_line() {
        let words = match split_words(&line) {
            Ok(words) if words.is_empty() => continue,
            Ok(words) => words,
            Err(e) => {
                e.report();
                continue;
            }
        };
        let result = match words[0].as_str() {
            "quit" | "exit" => break,
            "help" => Ok(ShellLine::command().render_help().to_string()),
            "connect" => match words.get(1) {
                Some(uri) => match runtime.block_on(session::open(uri)) {
                    Ok(new) => {
                        let old = std::mem::replace(&mut conn, new);
                        let _ = runtime.block_on(old.close());
                        Ok(String::new())
                    }
                    Err(e) => Err(CommandError::while_doing(
                        "failed to connect to the hypervisor",
                        e,
                    )),
                },
                None => Err(CommandError::new("connect needs a URI")),
            },
            _ => run_line(&runtime, &conn, &words),
        };
        // virsh ends every command with a newline of its own.
        let output = result.unwrap_or_else(|e| {
            e.report();
            String::new()
        });
        let end = crate::output::end_of_command(&output, global.is_quiet());
        let _ = write!(stdout, "{output}{end}");
        let _ = stdout.flush();
    }
    lines.finish();
    let _ = runtime.block_on(conn.close());
    ExitCode::SUCCESS
}

/// The prompt, as virsh's `virsh # ` for a read-write connection.
const PROMPT: &str = "esx-virsh # ";

/// The most lines the history keeps (in memory and in its file), as virsh.
const HISTORY_SIZE: usize = 500;

/// Where the shell's lines come from: a terminal, with line editing, history and completion of
/// command names (rustyline), or a script on standard input.
enum LineSource {
    Terminal {
        editor: Box<rustyline::Editor<CommandNames, rustyline::history::DefaultHistory>>,
        history_file: Option<PathBuf>,
    },
    Script(std::io::StdinLock<'static>),
}

impl LineSource {
    /// Line editing when both standard input and output are a terminal; else a script.
    fn new() -> LineSource {
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            if let Some(source) = Self::terminal() {
                return source;
            }
        }
        LineSource::Script(std::io::stdin().lock())
    }

    fn terminal() -> Option<LineSource> {
        let config = rustyline::Config::builder()
            .max_history_size(HISTORY_SIZE)
            .ok()?
            .history_ignore_dups(true)
            .ok()?
            .auto_add_history(true)
            .build();
        let mut editor = rustyline::Editor::with_config(config).ok()?;
        editor.set_helper(Some(CommandNames::new()));
        let history_file = history_file();
        if let Some(path) = &history_file {
            // A first run has none yet.
            let _ = editor.load_history(path);
        }
        Some(LineSource::Terminal {
            editor: Box::new(editor),
            history_file,
        })
    }

    /// The next line, without its line end; `None` at the end of the input.
    fn next_line(&mut self) -> Option<String> {
        match self {
            LineSource::Terminal { editor, .. } => loop {
                match editor.readline(PROMPT) {
                    Ok(line) => return Some(line),
                    // Ctrl-C abandons the line being typed, as in virsh.
                    Err(rustyline::error::ReadlineError::Interrupted) => continue,
                    Err(_) => {
                        println!();
                        return None;
                    }
                }
            },
            LineSource::Script(input) => {
                let mut stdout = std::io::stdout();
                let _ = write!(stdout, "{PROMPT}");
                let _ = stdout.flush();
                let mut line = String::new();
                match std::io::Read::take(input, MAX_LINE).read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = writeln!(stdout);
                        None
                    }
                    Ok(_) => {
                        let line = line.trim_end_matches(['\n', '\r']).to_owned();
                        // What readline shows when it reads from a pipe: the line after the
                        // prompt.
                        let _ = writeln!(stdout, "{line}");
                        Some(line)
                    }
                }
            }
        }
    }

    /// Keeps the terminal's history for the next session.
    fn finish(&mut self) {
        if let LineSource::Terminal {
            editor,
            history_file: Some(path),
        } = self
        {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = editor.save_history(path) {
                eprintln!(
                    "warning: cannot save the shell history to {}: {e}",
                    path.display()
                );
            }
        }
    }
}

/// The history file: `$XDG_CACHE_HOME/esx-virsh/history`, else `~/.cache/esx-virsh/history`
/// (virsh keeps `~/.cache/virsh/history`); `ESX_VIRSH_HISTORY` names another file, and an empty
/// value keeps the history in memory only.
fn history_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ESX_VIRSH_HISTORY") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(cache.join("esx-virsh").join("history"))
}

/// Completes the first word of a line from the shell's command names.
struct CommandNames {
    names: Vec<String>,
}

impl CommandNames {
    fn new() -> CommandNames {
        let mut names: Vec<String> = ShellLine::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .chain(["quit", "exit", "help", "connect"].map(str::to_owned))
            .collect();
        names.sort();
        CommandNames { names }
    }

    /// The names that start with the first word of `line` when the cursor (`pos`) is in it.
    fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before.len() - before.trim_start().len();
        let word = &before[start..];
        if word.contains(char::is_whitespace) {
            return (pos, Vec::new());
        }
        let found = self
            .names
            .iter()
            .filter(|name| name.starts_with(word))
            .cloned()
            .collect();
        (start, found)
    }
}

impl rustyline::completion::Completer for CommandNames {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl rustyline::hint::Hinter for CommandNames {
    type Hint = String;
}

impl rustyline::highlight::Highlighter for CommandNames {}

impl rustyline::validate::Validator for CommandNames {}

impl rustyline::Helper for CommandNames {}

/// Parses and runs one command line on the shell's connection.
fn run_line(
    runtime: &tokio::runtime::Runtime,
    conn: &Connection,
    words: &[String],
) -> Result<String, CommandError> {
    let line = match ShellLine::try_parse_from(words) {
        Ok(line) => line,
        Err(e) => {
            // --help of one command is output, not a failure.
            if !e.use_stderr() {
                return Ok(e.to_string());
            }
            if let Some(usage) = crate::error::usage_error(&e, &ShellLine::command(), words) {
                return Err(usage);
            }
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            return Err(CommandError::new(
                first.strip_prefix("error: ").unwrap_or(first),
            ));
        }
    };
    match line.command {
        Command::Convert(command) => command.run(),
        Command::Manual(command) => command.run(),
        Command::Connected(command) => runtime.block_on(command.run(conn)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_as_virsh_splits_them() {
        let split = |line: &str| split_words(line).unwrap();
        assert_eq!(split("  list   --all \n"), ["list", "--all"]);
        assert_eq!(
            split(r#"desc web "front end" 'it''s' a\ b"#),
            ["desc", "web", "front end", "its", "a b"]
        );
        assert_eq!(split(r#"desc web "" x"#), ["desc", "web", "", "x"]);
        assert!(split_words("desc 'open").is_err());
        assert!(split_words("desc \\").is_err());
        assert!(split("").is_empty());
    }

    #[test]
    fn the_first_word_completes_to_command_names() {
        let names = CommandNames::new();
        let (start, found) = names.candidates("  doms", 6);
        assert_eq!(start, 2);
        assert!(found.contains(&"domstate".to_owned()), "{found:?}");
        assert!(found.iter().all(|n| n.starts_with("doms")), "{found:?}");
        assert_eq!(names.candidates("qu", 2).1, ["quit"]);
        assert!(names.candidates("list --a", 8).1.is_empty());
    }

    #[test]
    fn a_line_parses_to_a_command() {
        let line = ShellLine::try_parse_from(["domstate", "web"]).unwrap();
        assert!(matches!(line.command, Command::Connected(_)));
        assert!(ShellLine::try_parse_from(["nosuchcommand"]).is_err());
    }
}
