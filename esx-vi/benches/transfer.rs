//! Benchmark: uploading and downloading a 1 GiB datastore file against the simulator with
//! `upload_from_path`/`download_to_path` (SHA-256 on), and with `curl` on the same `/folder` URL
//! in the same run: throughput of each, our share of curl's, and this process's peak resident
//! memory (the target: at least 80% of curl's throughput, under 50 MiB).
//!
//! `cargo bench -p esx-vi --bench transfer` (`TRANSFER_BENCH_MIB` sets the size); `cargo test
//! --benches` runs it with 16 MiB as a smoke test. The simulator runs without strict sessions so
//! that curl needs no cookie; its datastore lives in `$TMPDIR` (tmpfs at /dev/shm is best).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use esx_tests::{SimOptions, Simulator};
use esx_vi::{Client, ConnectOptions, Credentials, DatastorePath, DownloadOptions, UploadOptions};

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Writes `mib` MiB of non-repeating bytes, 1 MiB at a time.
fn write_source(path: &Path, mib: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("source file"));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        file.write_all(&block).expect("write source");
    }
    file.flush().expect("flush source");
}

fn curl(args: &[&str]) -> Option<f64> {
    let started = Instant::now();
    let status = Command::new("curl")
        .args(["-sf", "-o", "/dev/null"])
        .args(args)
        .status()
        .ok()?;
    status.success().then(|| started.elapsed().as_secs_f64())
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mib: usize = std::env::var("TRANSFER_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benchmarking { 1024 } else { 16 });
    let mut options = SimOptions::esx();
    options.strict_sessions = false;
    let sim =
        Simulator::start(options).unwrap_or_else(|e| panic!("cannot start the simulator: {e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("source.bin");
    write_source(&source, mib);
    let bytes = (mib as f64) * 1024.0 * 1024.0;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let remote = DatastorePath::new("LocalDS_0", "bench/transfer.bin");
    let url = format!(
        "http://{}/folder/bench/transfer.bin?dcPath=ha-datacenter&dsName=LocalDS_0",
        sim.host_port()
    );
    let rss_before = peak_rss_mib();

    let (ours_up, ours_down) = runtime.block_on(async {
        let client = Client::connect(
            sim.url(),
            ConnectOptions::new().credentials(Credentials::new(sim.username(), sim.password())),
        )
        .await
        .expect("connect");
        let started = Instant::now();
        let up = client
            .upload_from_path(
                "ha-datacenter",
                &remote,
                &source,
                UploadOptions {
                    checksum: true,
                    ..UploadOptions::default()
                },
                |_| {},
            )
            .await
            .expect("upload");
        let up_secs = started.elapsed().as_secs_f64();
        let target = dir.path().join("ours.bin");
        let started = Instant::now();
        let down = client
            .download_to_path(
                "ha-datacenter",
                &remote,
                &target,
                DownloadOptions {
                    checksum: true,
                    ..DownloadOptions::default()
                },
                |_| {},
            )
            .await
            .expect("download");
        let down_secs = started.elapsed().as_secs_f64();
        assert_eq!(
            up.sha256, down.sha256,
            "the downloaded file differs from the uploaded one"
        );
        let _ = std::fs::remove_file(&target);
        (up_secs, down_secs)
    });
    let rss = peak_rss_mib();

    let curl_up = curl(&["-T", source.to_str().expect("utf-8 path"), &url]);
    let curl_down = curl(&[&url]);
    let rate = |secs: f64| bytes / secs / (1024.0 * 1024.0);
    println!("transfer of {mib} MiB against the simulator (ESX model, /folder over http)");
    for (what, ours, theirs) in [
        ("upload", ours_up, curl_up),
        ("download", ours_down, curl_down),
    ] {
        match theirs {
            Some(theirs) => println!(
                "  {what:8}  esx-vi {:7.1} MiB/s ({ours:.2} s)   curl {:7.1} MiB/s ({theirs:.2} s)   esx-vi/curl {:.0}%",
                rate(ours),
                rate(theirs),
                100.0 * theirs / ours
            ),
            None => println!("  {what:8}  esx-vi {:7.1} MiB/s ({ours:.2} s)   curl: not run (is curl installed?)", rate(ours)),
        }
    }
    println!("  peak RSS of this process: {rss:.1} MiB ({rss_before:.1} MiB before the transfers)");
}
