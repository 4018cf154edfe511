//! virsh's shell: `esx-virsh -c URI` without a command reads commands one per line from
//! standard input (a terminal, or a script piped in), runs them on one connection that stays
//! open between them, and prints as virsh's shell does: a banner, the `esx-virsh # ` prompt (and,
//! when the input is not a terminal, the line read, as readline echoes it), each command's output
//! or `error:` lines followed by a blank line. `quit`/`exit` end it, `connect URI` switches the
//! connection, `help` lists the commands.

use std::io::{BufRead, IsTerminal, Write};
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
    let terminal = std::io::stdin().is_terminal();
    let mut stdout = std::io::stdout();
    let _ = write!(
        stdout,
        "Welcome to esx-virsh, the virtualization interactive terminal.\n\n\
         Type:  'help' for help with commands\n       'quit' to quit\n\n"
    );
    let mut input = std::io::stdin().lock();
    loop {
        let _ = write!(stdout, "esx-virsh # ");
        let _ = stdout.flush();
        let mut line = String::new();
        match std::io::Read::take(&mut input, MAX_LINE).read_line(&mut line) {
            Ok(0) | Err(_) => {
                let _ = writeln!(stdout);
                break;
            }
            Ok(_) => {}
        }
        if !terminal {
            // What readline shows when it reads from a pipe: the line after the prompt.
            let _ = writeln!(stdout, "{}", line.trim_end_matches(['\n', '\r']));
        }
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
        match result {
            Ok(output) => {
                let _ = write!(stdout, "{output}");
            }
            Err(e) => {
                e.report();
            }
        }
        // virsh ends every command with a newline of its own.
        if !global.is_quiet() {
            let _ = writeln!(stdout);
        }
    }
    let _ = runtime.block_on(conn.close());
    ExitCode::SUCCESS
}

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
            if e.kind() == clap::error::ErrorKind::InvalidSubcommand {
                return Err(CommandError::new(format!(
                    "unknown command: '{}'",
                    words[0]
                )));
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
    fn a_line_parses_to_a_command() {
        let line = ShellLine::try_parse_from(["domstate", "web"]).unwrap();
        assert!(matches!(line.command, Command::Connected(_)));
        assert!(ShellLine::try_parse_from(["nosuchcommand"]).is_err());
    }
}
