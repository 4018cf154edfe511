//! `list --all` on a 2,000-VM ESX host, and `start`/`destroy` latency, against the simulator.
//! Prints the SOAP calls after login and wall times, and checks them against the targets:
//! at most 3 calls and under 0.3 s for the listing, under 20 ms for start and destroy.
//!
//! `cargo bench -p esx-driver --bench list_domains` (ESX hosts do not page property retrievals,
//! so the simulator runs with pages larger than the inventory).

use std::process::Command;
use std::time::{Duration, Instant};

use esx_driver::auth::CredentialSources;
use esx_driver::driver::{Connection, ListFilter};
use esx_tests::{SimOptions, Simulator};

const VMS: usize = 2_000;
const ROUNDS: usize = 10;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "OVER TARGET"
    }
}

fn main() {
    let started = Instant::now();
    let sim = Simulator::start(
        SimOptions::esx()
            .vms(VMS)
            .page_size(10 * VMS)
            .credentials("root", "bench"),
    )
    .expect("simulator starts");
    println!(
        "simulator with {VMS} VMs ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let uri = format!("esx://root@{}/?transport=http", sim.host_port());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sources = || CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", "bench")]);

    runtime.block_on(async {
        // The listing through the API, on an open connection.
        let conn = Connection::open(&uri, &sources()).await.expect("connect");
        let mut times = Vec::new();
        let mut calls = 0;
        for _ in 0..ROUNDS {
            let before = conn.client().soap_request_count();
            let t = Instant::now();
            let domains = conn.list_domains(ListFilter::All).await.expect("list");
            times.push(t.elapsed());
            calls = conn.client().soap_request_count() - before;
            assert_eq!(domains.len(), VMS);
        }
        let list = median(times);
        println!(
            "list --all (API, {VMS} VMs): {calls} SOAP calls after login [{}], median {:.1} ms [{}]",
            verdict(calls <= 3),
            list.as_secs_f64() * 1e3,
            verdict(list < Duration::from_millis(300))
        );

        // start and destroy, each from its lookup to the finished task.
        let (mut starts, mut destroys) = (Vec::new(), Vec::new());
        let mut lifecycle_calls = (0, 0);
        for _ in 0..ROUNDS {
            let before = conn.client().soap_request_count();
            let t = Instant::now();
            let dom = conn.lookup("ha-host_VM7").await.expect("lookup");
            conn.destroy(&dom).await.expect("destroy");
            destroys.push(t.elapsed());
            lifecycle_calls.0 = conn.client().soap_request_count() - before;
            let before = conn.client().soap_request_count();
            let t = Instant::now();
            let dom = conn.lookup("ha-host_VM7").await.expect("lookup");
            conn.start(&dom).await.expect("start");
            starts.push(t.elapsed());
            lifecycle_calls.1 = conn.client().soap_request_count() - before;
        }
        let (destroy, start) = (median(destroys), median(starts));
        println!(
            "destroy (lookup + task): {} calls, median {:.1} ms [{}]",
            lifecycle_calls.0,
            destroy.as_secs_f64() * 1e3,
            verdict(destroy < Duration::from_millis(20))
        );
        println!(
            "start (lookup + task): {} calls, median {:.1} ms [{}]",
            lifecycle_calls.1,
            start.as_secs_f64() * 1e3,
            verdict(start < Duration::from_millis(20))
        );
        conn.close().await.expect("logout");

        // Connection setup, for scale.
        let mut opens = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let c = Connection::open(&uri, &sources()).await.expect("connect");
            opens.push(t.elapsed());
            let _ = c.close().await;
        }
        println!("connection setup (connect + login): median {:.1} ms", median(opens).as_secs_f64() * 1e3);
    });

    // The whole command as a user runs it: process start, connection, listing, output.
    let mut runs = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_esx-virsh"))
            .args(["-c", &uri, "list", "--all"])
            .env("ESX_PASSWORD", "bench")
            .env_remove("LIBVIRT_AUTH_FILE")
            .output()
            .expect("esx-virsh runs");
        runs.push(t.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).lines().count(),
            VMS + 3
        );
    }
    let cli = median(runs);
    println!(
        "esx-virsh list --all ({VMS} VMs, whole process): median {:.1} ms [{}]",
        cli.as_secs_f64() * 1e3,
        verdict(cli < Duration::from_millis(300))
    );
}
