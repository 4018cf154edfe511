//! Benchmark: listing name and power state of 10,000 VMs (vCenter model, pages of 100) — SOAP
//! calls after login, wall time and peak memory — with pyvmomi doing the same against the same
//! simulator in the same run, and the ratio of the two.
//!
//! `cargo bench -p esx-vi --bench list_vms` (set `LIST_VMS_BENCH_VMS` for another count; pyvmomi
//! is skipped with a message when `python3 -c "import pyVmomi"` fails).

use std::process::Command;
use std::time::{Duration, Instant};

use esx_tests::{SimOptions, Simulator};
use esx_vi::types::{AnyValue, VirtualMachineProperties};
use esx_vi::{Client, ConnectOptions, Credentials};
use futures_util::TryStreamExt;

const PAGE_SIZE: u32 = 100;
const RUNS: usize = 5;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it:
    // then a quick smoke run (200 VMs, no pyvmomi) checks that the benchmark still works.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let default_total = if benchmarking { 10_000 } else { 200 };
    let total: usize = std::env::var("LIST_VMS_BENCH_VMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_total);
    // The vCenter model puts `vms` VMs on its standalone host and `vms` in its cluster.
    let per_pool = total.div_ceil(2);
    let started = Instant::now();
    let sim = Simulator::start(
        SimOptions::vpx()
            .vms(per_pool)
            .page_size(PAGE_SIZE as usize),
    )
    .unwrap_or_else(|e| panic!("cannot start the simulator: {e}"));
    eprintln!(
        "simulator with {} VMs ready in {:.1?}",
        per_pool * 2,
        started.elapsed()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let rss_before = peak_rss_kib();
    // The streaming listing first (rows built page by page: what a listing should do); VmHWM
    // only grows, so its peak is measured before the collecting listing's.
    let (stream_times, stream_calls, stream_count) = runtime.block_on(async {
        let options = ConnectOptions::new()
            .credentials(Credentials::new(sim.username(), sim.password()))
            .page_size(PAGE_SIZE);
        let client = Client::connect(sim.url(), options).await.expect("connect");
        let mut times = Vec::new();
        let (mut calls, mut count) = (0, 0);
        for _ in 0..RUNS {
            let before = client.soap_request_count();
            let start = Instant::now();
            let rows = list_streamed(&client).await;
            times.push(start.elapsed());
            calls = client.soap_request_count() - before;
            count = rows.len();
        }
        (times, calls, count)
    });
    let stream_peak = peak_rss_kib();
    let (times, calls, count) = runtime.block_on(async {
        let options = ConnectOptions::new()
            .credentials(Credentials::new(sim.username(), sim.password()))
            .page_size(PAGE_SIZE);
        let client = Client::connect(sim.url(), options).await.expect("connect");
        let mut times = Vec::new();
        let mut calls = 0;
        let mut count = 0;
        for _ in 0..RUNS {
            let before = client.soap_request_count();
            let start = Instant::now();
            let rows = list(&client).await;
            times.push(start.elapsed());
            calls = client.soap_request_count() - before;
            count = rows.len();
        }
        (times, calls, count)
    });
    let peak = peak_rss_kib();
    let rust = median(&stream_times);
    let limit = stream_count.div_ceil(PAGE_SIZE as usize) + 2;
    let verdict = |ok: bool, text: &'static str| if ok { text } else { "(OVER THE LIMIT)" };
    println!("esx-vi list_vms: {stream_count} VMs, pages of {PAGE_SIZE} (list_stream, rows built per page)");
    println!(
        "  SOAP calls after login: {stream_calls} (limit ceil(N/page)+2 = {limit}) {}",
        verdict(stream_calls as usize <= limit, "(ok)")
    );
    println!(
        "  wall time: median {:.3} s, min {:.3} s over {RUNS} runs {}",
        rust.as_secs_f64(),
        stream_times.iter().min().unwrap().as_secs_f64(),
        verdict(rust < Duration::from_secs(1), "(< 1 s: ok)")
    );
    println!(
        "  peak memory (VmHWM of the whole bench process): {:.1} MiB (before listing {:.1} MiB) {}",
        stream_peak as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        verdict(stream_peak < 100 * 1024, "(< 100 MB: ok)")
    );
    println!(
        "esx-vi list (all {count} typed VirtualMachineProperties held at once, {} bytes each): \
         {calls} SOAP calls, median {:.3} s, peak {:.1} MiB",
        std::mem::size_of::<VirtualMachineProperties>(),
        median(&times).as_secs_f64(),
        peak as f64 / 1024.0
    );

    assert!(
        stream_calls as usize <= limit && calls as usize <= limit,
        "more SOAP calls than ceil(N/page)+2"
    );
    if !benchmarking {
        println!("smoke run (cargo test): pass `--bench` (cargo bench) for the 10,000-VM figures and pyvmomi");
        return;
    }
    match pyvmomi(&sim) {
        Ok(py) => {
            let py_median = median(&py);
            println!(
                "pyvmomi: median {:.3} s over {} runs; esx-vi is {:.1}x faster",
                py_median.as_secs_f64(),
                py.len(),
                py_median.as_secs_f64() / rust.as_secs_f64()
            );
        }
        Err(why) => println!("pyvmomi: skipped ({why})"),
    }
}

async fn list_streamed(client: &Client) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = client
        .list_stream::<VirtualMachineProperties>(&["name", "runtime.powerState"])
        .map_ok(row)
        .try_collect()
        .await
        .expect("streaming");
    rows.sort();
    rows
}

fn row(vm: VirtualMachineProperties) -> (String, String) {
    let state = match vm.path("runtime.powerState") {
        Some(AnyValue::VirtualMachinePowerState(s)) => s.as_str().to_owned(),
        _ => String::new(),
    };
    (vm.name.unwrap_or_default(), state)
}

async fn list(client: &Client) -> Vec<(String, String)> {
    let vms: Vec<VirtualMachineProperties> = client
        .list(&["name", "runtime.powerState"])
        .await
        .expect("listing");
    let mut rows: Vec<(String, String)> = vms.into_iter().map(row).collect();
    rows.sort();
    rows
}

/// Runs the pyvmomi peer script a few times; each run prints `vms=N seconds=S`.
fn pyvmomi(sim: &Simulator) -> Result<Vec<Duration>, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/list_vms_pyvmomi.py");
    let check = Command::new("python3")
        .args(["-c", "import pyVmomi"])
        .output();
    match check {
        Ok(o) if o.status.success() => {}
        _ => return Err("python3 with pyvmomi is not installed: pip install pyvmomi".into()),
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let out = Command::new("python3")
            .args([
                script,
                sim.url(),
                sim.username(),
                sim.password(),
                &PAGE_SIZE.to_string(),
            ])
            .output()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "the script failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let seconds = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("seconds="))
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| format!("unexpected output: {text}"))?;
        let vms = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("vms="))
            .unwrap_or("?");
        eprintln!("pyvmomi run: {vms} VMs in {seconds:.3} s");
        times.push(Duration::from_secs_f64(seconds));
    }
    Ok(times)
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// Peak resident set size of this process in KiB (Linux `VmHWM`), 0 where unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
