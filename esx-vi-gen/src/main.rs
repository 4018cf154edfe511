//! The `esx-vi-gen` command line: regenerate the vSphere API types from an input file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Generates Rust types, XML (de)serializers and method stubs from an esx_vi_generator.input file.
#[derive(Debug, Parser)]
#[command(name = "esx-vi-gen", version)]
struct Args {
    /// The input file (libvirt's esx_vi_generator.input grammar).
    input: PathBuf,
    /// Where to write the generated Rust (default: standard output). Written only on success.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Only parse and validate the input; print a summary instead of code.
    #[arg(long)]
    check: bool,
}

fn run(args: &Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    let name = args.input.display().to_string();
    if args.check {
        let model = esx_vi_gen::validate_named(&text, &name).map_err(|e| e.to_string())?;
        println!(
            "{name}: ok: {} enums, {} data objects, {} managed objects, {} methods",
            model.enums.len(),
            model.objects.len(),
            model.managed_objects.len(),
            model.methods.len()
        );
        return Ok(());
    }
    let code = esx_vi_gen::generate_named(&text, &name).map_err(|e| e.to_string())?;
    match &args.output {
        None => {
            print!("{code}");
            Ok(())
        }
        Some(out) => {
            // Write to a sibling temporary file, then rename: never leave a half-written output.
            let tmp = out.with_extension("rs.tmp");
            std::fs::write(&tmp, &code)
                .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("cannot write {}: {e}", out.display())
            })
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            for line in message.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}
