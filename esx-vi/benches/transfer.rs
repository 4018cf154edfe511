//! Benchmark: uploading and downloading a 1 GiB datastore file against the simulator with
//! `upload_from_path`/`download_to_path`, and with `curl` on the same `/folder` URL in the same
//! run: throughput of each, our share of curl's, and this process's peak resident memory (the
//! target: at least 80% of curl's throughput, under 50 MiB).
//!
//! The comparison is like for like: our download writes a real file (a temporary file, fsynced,
//! then renamed), so the peer is `curl -o FILE` on the same filesystem; `curl -o /dev/null` is
//! printed for information only. The fsync's share is printed apart. Every measured transfer
//! starts after a `sync`, so that none pays for the write-back of the one before. Each direction is
//! measured without and with `checksum` (SHA-256 on the writer or reader thread).
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

/// Flushes every dirty page to disk (untimed), so that each measured transfer starts without
/// the previous one's write-back weighing on it: ours fsyncs its file, curl does not.
fn settle() {
    let _ = Command::new("sync").status();
}

/// Runs curl with `args`, its output going to `output`; the seconds it took.
fn curl(output: &str, args: &[&str]) -> Option<f64> {
    settle();
    let started = Instant::now();
    let status = Command::new("curl")
        .args(["-sf", "-o", output])
        .args(args)
        .status()
        .ok()?;
    status.success().then(|| started.elapsed().as_secs_f64())
}

/// The median of some timings.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median of the timings a peer produced, or `None` when it did not run.
fn median_of(values: Vec<Option<f64>>) -> Option<f64> {
    values.into_iter().collect::<Option<Vec<_>>>().map(median)
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mib: usize = std::env::var("TRANSFER_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benchmarking { 1024 } else { 16 });
    // Rounds alternate ours and curl's, so that the disk's state (write-back of the previous
    // transfer) weighs on both alike; medians are printed.
    let rounds: usize = std::env::var("TRANSFER_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benchmarking { 3 } else { 1 })
        .max(1);
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
    let source_arg = source.to_str().expect("utf-8 path").to_owned();
    let target = dir.path().join("ours.bin");
    let curl_file = dir.path().join("curl.bin");
    let curl_file_arg = curl_file.to_str().expect("utf-8 path").to_owned();
    let rss_before = peak_rss_mib();
    let client = runtime.block_on(async {
        Client::connect(
            sim.url(),
            ConnectOptions::new().credentials(Credentials::new(sim.username(), sim.password())),
        )
        .await
        .expect("connect")
    });

    let mut t = Timings::default();
    for _ in 0..rounds {
        let mut up = None;
        for checksum in [false, true] {
            settle();
            let started = Instant::now();
            let summary = runtime
                .block_on(client.upload_from_path(
                    "ha-datacenter",
                    &remote,
                    &source,
                    UploadOptions {
                        checksum,
                        ..UploadOptions::default()
                    },
                    |_| {},
                ))
                .expect("upload");
            let secs = started.elapsed().as_secs_f64();
            if checksum {
                t.up_checksum.push(secs);
                up = Some(summary);
            } else {
                t.up.push(secs);
            }
            t.curl_up
                .push(curl("/dev/null", &["-T", &source_arg, &url]));
        }
        let up = up.expect("the upload with a checksum ran");
        for checksum in [false, true] {
            settle();
            let started = Instant::now();
            let down = runtime
                .block_on(client.download_to_path(
                    "ha-datacenter",
                    &remote,
                    &target,
                    DownloadOptions {
                        checksum,
                        ..DownloadOptions::default()
                    },
                    |_| {},
                ))
                .expect("download");
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(
                std::fs::metadata(&target).map(|m| m.len()).ok(),
                Some(bytes as u64),
                "the downloaded file has the wrong size"
            );
            if checksum {
                assert_eq!(
                    up.sha256, down.sha256,
                    "the downloaded file differs from the uploaded one"
                );
            }
            let _ = std::fs::remove_file(&target);
            let sync = down.sync_time.as_secs_f64();
            if checksum {
                t.down_checksum.push(secs);
                t.sync_checksum.push(sync);
            } else {
                t.down.push(secs);
                t.sync.push(sync);
            }
            t.curl_down.push(curl(&curl_file_arg, &[&url]));
            let _ = std::fs::remove_file(&curl_file);
        }
        t.curl_null.push(curl("/dev/null", &[&url]));
    }
    let rss = peak_rss_mib();

    let rate = |secs: f64| bytes / secs / (1024.0 * 1024.0);
    println!(
        "transfer of {mib} MiB against the simulator (ESX model, /folder over http), files in {}, \
         median of {rounds} alternating rounds",
        dir.path().display()
    );
    let (down, down_checksum) = (median(t.down.clone()), median(t.down_checksum.clone()));
    let curl_down = median_of(t.curl_down);
    let curl_up = median_of(t.curl_up);
    let rows = [
        (
            "upload: esx-vi upload_from_path vs curl -T FILE",
            median(t.up),
            curl_up,
        ),
        (
            "upload: the same with SHA-256 (--checksum) vs curl -T FILE",
            median(t.up_checksum),
            curl_up,
        ),
        (
            "download: esx-vi download_to_path (temp file, fsync, rename) vs curl -o FILE (same filesystem)",
            down,
            curl_down,
        ),
        (
            "download: the same with SHA-256 (--checksum) vs curl -o FILE",
            down_checksum,
            curl_down,
        ),
        (
            "download: esx-vi without checksum vs curl -o /dev/null (no disk at all; information only)",
            down,
            median_of(t.curl_null),
        ),
    ];
    for (how, ours, theirs) in rows {
        println!("  {how}");
        match theirs {
            Some(theirs) => println!(
                "    esx-vi {:7.1} MiB/s ({ours:.2} s)   curl {:7.1} MiB/s ({theirs:.2} s)   esx-vi/curl {:.0}%",
                rate(ours),
                rate(theirs),
                100.0 * theirs / ours
            ),
            None => println!(
                "    esx-vi {:7.1} MiB/s ({ours:.2} s)   curl: not run (is curl installed?)",
                rate(ours)
            ),
        }
    }
    for (how, secs, sync) in [
        ("download", down, median(t.sync)),
        (
            "download with SHA-256",
            down_checksum,
            median(t.sync_checksum),
        ),
    ] {
        println!(
            "  fsync before the rename ({how}; curl does none): {sync:.2} s of {secs:.2} s ({:.0}%); without it {:.1} MiB/s",
            100.0 * sync / secs,
            rate(secs - sync)
        );
    }
    println!("  peak RSS of this process: {rss:.1} MiB ({rss_before:.1} MiB before the transfers)");
}

/// Seconds each transfer took, one entry per round.
#[derive(Default)]
struct Timings {
    up: Vec<f64>,
    up_checksum: Vec<f64>,
    curl_up: Vec<Option<f64>>,
    down: Vec<f64>,
    sync: Vec<f64>,
    down_checksum: Vec<f64>,
    sync_checksum: Vec<f64>,
    curl_down: Vec<Option<f64>>,
    curl_null: Vec<Option<f64>>,
}
