//! What `esx-virsh` says about itself, made from the same clap definitions that parse its
//! command line: `completion SHELL` prints a shell completion script (clap_complete), `man`
//! prints a man page in roff (clap_mangen). Nothing installs them; README says where they go.

use clap::{Args, CommandFactory, Subcommand};
use clap_complete::Shell;

use crate::error::CommandError;
use crate::Cli;

#[derive(Debug, Args)]
pub(crate) struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: Shell,
}

/// The commands that describe esx-virsh itself.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completion(CompletionArgs),
    /// Print esx-virsh's manual page (roff, for man -l -)
    Man,
}

impl Command {
    /// Returns the script or the page.
    pub(crate) fn run(self) -> Result<String, CommandError> {
        match self {
            Command::Completion(args) => completion(args.shell),
            Command::Man => man_page(),
        }
    }
}

/// The completion script for `shell`.
fn completion(shell: Shell) -> Result<String, CommandError> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "esx-virsh", &mut out);
    into_text(out)
}

/// The man page: the synopsis, the global options, and every command with its arguments.
fn man_page() -> Result<String, CommandError> {
    let command = Cli::command();
    let mut out = Vec::new();
    let failed = |e: std::io::Error| CommandError::new(format!("cannot write the man page: {e}"));
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut out).map_err(failed)?;
    man.render_name_section(&mut out).map_err(failed)?;
    man.render_synopsis_section(&mut out).map_err(failed)?;
    man.render_description_section(&mut out).map_err(failed)?;
    man.render_options_section(&mut out).map_err(failed)?;
    // One section lists the commands; each then gets its own with its arguments, as virsh(1)
    // describes each command.
    man.render_subcommands_section(&mut out).map_err(failed)?;
    for sub in command.get_subcommands() {
        out.extend_from_slice(command_section(sub).map_err(failed)?.as_bytes());
    }
    if let Some(version) = command.get_version() {
        out.extend_from_slice(format!(".SH VERSION\nv{version}\n").as_bytes());
    }
    Ok(once_each_definition(&into_text(out)?))
}

/// The page with clap_mangen's string definition (`.ie`/`.el` of `Aq`, written before every
/// section it renders) kept once, at the top.
fn once_each_definition(page: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    page.lines()
        .filter(|line| !line.starts_with(".ie ") && !line.starts_with(".el ") || seen.insert(*line))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// One command's section: its synopsis, description and arguments, their headings made
/// subheadings of `COMMAND NAME`.
fn command_section(sub: &clap::Command) -> std::io::Result<String> {
    let name = sub.get_name();
    let page = clap_mangen::Man::new(sub.clone().bin_name(format!("esx-virsh {name}")));
    let mut body = Vec::new();
    page.render_synopsis_section(&mut body)?;
    page.render_description_section(&mut body)?;
    if sub.get_arguments().any(|a| !a.is_hide_set()) {
        page.render_options_section(&mut body)?;
    }
    let body = String::from_utf8_lossy(&body);
    let mut section = format!(".SH \"COMMAND {}\"\n", name.to_uppercase());
    for line in body.lines() {
        match line.strip_prefix(".SH ") {
            Some(heading) => section.push_str(&format!(".SS {heading}\n")),
            None => {
                section.push_str(line);
                section.push('\n');
            }
        }
    }
    Ok(section)
}

fn into_text(out: Vec<u8>) -> Result<String, CommandError> {
    String::from_utf8(out).map_err(|_| CommandError::new("the generated text is not UTF-8"))
}
