//! The `esx-vi-gen` command line: regenerate the vSphere API types from an input file, check an
//! input, or compare an (old libvirt) input with a reference input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

/// Generates Rust types, XML (de)serializers and method stubs from an esx_vi_generator.input file.
///
/// Exit status: 0 on success; 1 when an input cannot be read or is invalid (every problem is
/// printed as `error: PATH:LINE:COL: message`); 3 with `--check --against` when the input is
/// valid but disagrees with the reference (each disagreement printed as `PATH:LINE:COL: message`
/// on standard output); 2 on a usage error.
#[derive(Debug, Parser)]
#[command(name = "esx-vi-gen", version)]
struct Args {
    /// The input file (libvirt's esx_vi_generator.input grammar).
    input: PathBuf,
    /// Where to write the generated Rust (default: standard output). Written only on success.
    #[arg(short, long, conflicts_with = "check")]
    output: Option<PathBuf>,
    /// Only parse and validate the input; print a summary instead of code.
    #[arg(long)]
    check: bool,
    /// With --check: compare each block of the input with this reference input (e.g.
    /// generator-input/esx_vi_generator.input) and print what disagrees: blocks, members or
    /// parameters it lacks, types, occurrences, wire order, bases, `_this` bindings, results.
    #[arg(long, value_name = "REFERENCE", requires = "check")]
    against: Option<PathBuf>,
    /// Also print the notes about an accepted input (`PATH:LINE:COL: note: ...`) on standard
    /// error: ignored members whose types the input does not describe, libvirt's older spellings.
    #[arg(short, long)]
    verbose: bool,
}

/// How a run ended, beyond success.
enum Failure {
    /// An input could not be read or is invalid (exit status 1).
    Error(String),
    /// The input disagrees with the reference (exit status 3).
    Disagrees,
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Error(format!("cannot read {}: {e}", path.display())))
}

fn run(args: &Args) -> Result<(), Failure> {
    let text = read(&args.input)?;
    let name = args.input.display().to_string();
    let error = |e: esx_vi_gen::Error| Failure::Error(e.to_string());
    if args.check {
        let (model, notes) = esx_vi_gen::validate_with_notes(&text, &name).map_err(error)?;
        if args.verbose && !notes.is_empty() {
            eprintln!("{notes}");
        }
        println!(
            "{name}: ok: {} enums, {} data objects, {} managed objects, {} methods",
            model.enums.len(),
            model.objects.len(),
            model.managed_objects.len(),
            model.methods.len()
        );
        if let Some(reference_path) = &args.against {
            let reference = read(reference_path)?;
            let reference_name = reference_path.display().to_string();
            let found = esx_vi_gen::check_against(&text, &name, &reference, &reference_name)
                .map_err(error)?;
            if !found.is_empty() {
                println!("{found}");
                println!(
                    "{name}: {} disagreement{} with {reference_name}",
                    found.diagnostics().len(),
                    if found.diagnostics().len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
                return Err(Failure::Disagrees);
            }
            println!("{name}: agrees with {reference_name}");
        }
        return Ok(());
    }
    let (code, notes) = esx_vi_gen::generate_with_notes(&text, &name).map_err(error)?;
    if args.verbose && !notes.is_empty() {
        eprintln!("{notes}");
    }
    match &args.output {
        None => {
            print!("{code}");
            Ok(())
        }
        Some(out) => write_atomically(out, &code).map_err(Failure::Error),
    }
}

/// Writes to a sibling temporary file, then renames: never leaves a half-written output.
fn write_atomically(out: &Path, code: &str) -> Result<(), String> {
    let tmp = out.with_extension("rs.tmp");
    std::fs::write(&tmp, code).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", out.display())
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Disagrees) => ExitCode::from(3),
        Err(Failure::Error(message)) => {
            for line in message.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}
