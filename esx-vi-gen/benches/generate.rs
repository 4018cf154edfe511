//! Generation speed: the full input to formatted Rust (target: under 1 s).

// criterion_main! defines an undocumented `pub fn main`.
#![allow(missing_docs)]

use std::path::Path;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion};

/// CPU time of the benchmarking thread (from /proc/thread-self/schedstat): the figure for one core
/// even on a busy machine. The wall-clock group is measured too.
struct ThreadCpuTime;

static WALL_TIME: WallTime = WallTime;

fn thread_cpu_nanos() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_nanos()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_nanos().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

fn bench<M: Measurement>(c: &mut Criterion<M>, clock: &str) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator-input/esx_vi_generator.input");
    let Ok(input) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} is absent", path.display());
        return;
    };
    if let Err(e) = esx_vi_gen::validate(&input) {
        eprintln!("skipping: the input does not validate:\n{e}");
        return;
    }
    let mut group = c.benchmark_group(format!("generate_{clock}"));
    group.sample_size(10);
    group.bench_function("full_input", |b| {
        b.iter(|| esx_vi_gen::generate(std::hint::black_box(&input)).expect("generates"))
    });
    group.bench_function("validate_only", |b| {
        b.iter(|| esx_vi_gen::validate(std::hint::black_box(&input)).expect("validates"))
    });
    group.finish();
}

fn wall(c: &mut Criterion) {
    bench(c, "wall");
}

fn cpu(c: &mut Criterion<ThreadCpuTime>) {
    bench(c, "thread_cpu");
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_clock;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_clock, cpu_clock);
