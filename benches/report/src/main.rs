//! `esx-bench`: measures esx-rs against govmomi, pyvmomi and libvirt's virsh on the simulator and
//! writes `docs/benchmarks.md` with its SVG charts. `scripts/bench` builds the programs and runs
//! it; `scripts/test` runs it with `--smoke` (each peer once at 100 VMs, no page written).
//!
//! ```text
//! esx-bench [--smoke] [--runs N] [--vms 100,1000,2000,10000] [--docs DIR]
//!           [--bin-dir target/release] [--govmomi target/bench/govmomi-list]
//! ```

mod chart;
mod inprocess;
mod measure;
mod page;
mod peers;
mod scenarios;

use std::path::PathBuf;
use std::process::ExitCode;

use peers::{Peer, Tools};
use scenarios::Settings;

/// The command line.
struct Args {
    smoke: bool,
    settings: Settings,
    docs: PathBuf,
    tools: Tools,
}

fn usage() -> &'static str {
    "usage: esx-bench [--smoke] [--runs N] [--vms N,N,...] [--docs DIR] [--bin-dir DIR] [--govmomi FILE]"
}

fn parse_args() -> Result<Args, String> {
    let root = std::env::current_dir().map_err(|e| format!("no current folder: {e}"))?;
    if !root.join("benches/peers").is_dir() {
        return Err(format!(
            "run esx-bench from the workspace root (no benches/peers under {})",
            root.display()
        ));
    }
    let mut smoke = false;
    let mut runs = 5;
    let mut vm_counts = vec![100, 1_000, 2_000, 10_000];
    let mut docs = root.join("docs");
    let mut bin_dir = root.join("target/release");
    let mut govmomi = root.join("target/bench/govmomi-list");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value; {}", usage()))
        };
        match arg.as_str() {
            "--smoke" => smoke = true,
            "--runs" => {
                runs = value("--runs")?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            "--vms" => {
                vm_counts = value("--vms")?
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<Vec<_>, _>>()
                    .ok()
                    .filter(|v| !v.is_empty() && v.iter().all(|n| *n > 0))
                    .ok_or("--vms takes positive numbers separated by commas, e.g. 100,1000")?;
                vm_counts.sort_unstable();
                vm_counts.dedup();
            }
            "--docs" => docs = PathBuf::from(value("--docs")?),
            "--bin-dir" => bin_dir = PathBuf::from(value("--bin-dir")?),
            "--govmomi" => govmomi = PathBuf::from(value("--govmomi")?),
            "-h" | "--help" => return Err(usage().to_owned()),
            other => return Err(format!("unknown argument {other}; {}", usage())),
        }
    }
    if smoke {
        runs = 1;
        vm_counts = vec![100];
    }
    let large = vm_counts.iter().copied().max().unwrap_or(100);
    let scratch = root.join("target/bench/scratch");
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    Ok(Args {
        smoke,
        settings: Settings {
            vm_counts,
            large,
            runs,
        },
        docs,
        tools: Tools {
            root,
            bin_dir,
            govmomi,
            scratch,
        },
    })
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let load_before = load_average();
    let results = scenarios::run_all(&args.settings, &args.tools)?;
    let inprocess = page::InProcess {
        vmx: inprocess::vmx_conversion(&args.tools.root, args.settings.runs)?,
        decode: results.decode.clone(),
    };
    if args.smoke {
        if std::env::var("CI").is_ok_and(|v| v == "true") && !results.skipped.is_empty() {
            return Err(format!(
                "under CI every peer must run (.ci/run installs them); missing: {}",
                results
                    .skipped
                    .iter()
                    .map(|(peer, reason)| format!("{}: {reason}", peer.label()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        let ran = Peer::ALL.len() - results.skipped.len();
        println!(
            "esx-bench smoke run: {ran} of {} peers listed {} VMs; {} skipped",
            Peer::ALL.len(),
            args.settings.large,
            results.skipped.len()
        );
        return Ok(());
    }
    let machine = page::Machine {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu: cpu_model(),
        load_before,
        load_after: load_average(),
        versions: versions(&results),
    };
    page::write(&args.docs, &args.settings, &machine, &results, &inprocess)?;
    println!("wrote {}", args.docs.join("benchmarks.md").display());
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "CPU model unknown".into())
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The peers' versions, as their packages report them.
fn versions(results: &scenarios::Results) -> Vec<(Peer, String)> {
    let mut out = Vec::new();
    let ran = |p: Peer| !results.skipped.contains_key(&p);
    if ran(Peer::Govmomi) {
        if let Some(v) = command_output(
            "dpkg-query",
            &["-W", "-f", "${Version}", "golang-github-vmware-govmomi-dev"],
        ) {
            out.push((Peer::Govmomi, format!("govmomi {v} (Debian package)")));
        }
    }
    if ran(Peer::Pyvmomi) {
        if let Some(v) = command_output(
            "python3",
            &[
                "-c",
                "import importlib.metadata as m; print(m.version('pyvmomi'))",
            ],
        ) {
            out.push((Peer::Pyvmomi, format!("pyvmomi {v} (PyPI)")));
        }
    }
    if ran(Peer::Virsh) {
        if let Some(v) = command_output("virsh", &["--version"]) {
            out.push((Peer::Virsh, format!("libvirt {v} (Debian libvirt-clients)")));
        }
    }
    out
}
