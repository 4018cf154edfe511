//! Deserialization speed: a RetrievePropertiesEx response of 10,000 VMs (name,
//! runtime.powerState, config.uuid, summary.config) as a real host writes it, in MB/s.

// criterion_main! defines an undocumented `pub fn main`.
#![allow(missing_docs)]

use std::convert::Infallible;
use std::fmt::Write as _;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use esx_vi_types::{soap, RetrieveResult, VirtualMachineProperties};

/// A response like ESXi's: `xsi:type` on every value, pretty much no whitespace.
fn response(vms: usize) -> String {
    let mut out = String::with_capacity(vms * 1600);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body>
<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>"#);
    for i in 0..vms {
        let state = ["poweredOn", "poweredOff", "suspended"][i % 3];
        write!(
            out,
            concat!(
                r#"<objects><obj type="VirtualMachine">vm-{i}</obj>"#,
                r#"<propSet><name>config.uuid</name><val xsi:type="xsd:string">4211{i:04x}-1c2d-3e4f-5a6b-7c8d9e0f{i:04x}</val></propSet>"#,
                r#"<propSet><name>name</name><val xsi:type="xsd:string">vm-{i} &amp; friends</val></propSet>"#,
                r#"<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">{state}</val></propSet>"#,
                r#"<propSet><name>summary.config</name><val xsi:type="VirtualMachineConfigSummary">"#,
                r#"<name>vm-{i} &amp; friends</name><template>false</template><vmPathName>[datastore1] vm-{i}/vm-{i}.vmx</vmPathName>"#,
                r#"<memorySizeMB>4096</memorySizeMB><cpuReservation>0</cpuReservation><memoryReservation>0</memoryReservation>"#,
                r#"<numCpu>2</numCpu><numEthernetCards>1</numEthernetCards><numVirtualDisks>2</numVirtualDisks>"#,
                r#"<uuid>4211{i:04x}-1c2d-3e4f-5a6b-7c8d9e0f{i:04x}</uuid><instanceUuid>5011{i:04x}-aaaa-bbbb-cccc-dddd{i:08x}</instanceUuid>"#,
                r#"<guestId>debian12_64Guest</guestId><guestFullName>Debian GNU/Linux 12 (64-bit)</guestFullName>"#,
                r#"<annotation>Web server number {i}</annotation><installBootRequired>false</installBootRequired>"#,
                r#"<tpmPresent>false</tpmPresent><numVmiopBackings>0</numVmiopBackings><hwVersion>vmx-20</hwVersion>"#,
                r#"</val></propSet></objects>"#
            ),
            i = i,
            state = state
        )
        .unwrap();
    }
    out.push_str(
        "</returnval></RetrievePropertiesExResponse>\n</soapenv:Body>\n</soapenv:Envelope>",
    );
    out
}

fn decode(envelope: &[u8]) -> RetrieveResult {
    soap::decode_optional::<RetrieveResult, Infallible>(envelope, "RetrievePropertiesExResponse")
        .expect("decodes")
        .expect("a result")
}

/// CPU time of the benchmarking thread (from /proc/thread-self/schedstat), so the figure is "on one
/// core" even on a machine busy with other work; the wall-clock group is measured too.
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
    let envelope = response(10_000);
    let result = decode(envelope.as_bytes());
    assert_eq!(result.objects.len(), 10_000);
    assert_eq!(result.objects[9_999].prop_set.len(), 4);

    let mut group = c.benchmark_group(format!("retrieve_properties_ex_10000_vms_{clock}"));
    group.throughput(Throughput::Bytes(envelope.len() as u64));
    group.sample_size(20);
    group.bench_function("decode", |b| {
        b.iter(|| decode(std::hint::black_box(envelope.as_bytes())))
    });
    group.bench_function("decode_and_build_properties", |b| {
        b.iter(|| {
            decode(std::hint::black_box(envelope.as_bytes()))
                .objects
                .into_iter()
                .map(|o| VirtualMachineProperties::try_from(o).expect("fits"))
                .collect::<Vec<_>>()
        })
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
