//! Scale of a vpx:// listing: it costs the same number of SOAP calls whatever the size of the
//! vCenter, and its time follows the host's VMs, not the vCenter's. Measured on a vCenter of 10
//! hosts x 1,000 VMs against one of a single host with the same 1,000 VMs, with vCenter-like
//! pages of 100 objects and with pages larger than the host, beside what a datacenter-wide
//! ContainerView listing (the approach before the host scope) costs on the large vCenter.
//!
//! Slow (two 10,000-VM inventories), so on demand:
//! `cargo test -p esx-driver --test vpx_scale -- --ignored --nocapture` (prints the numbers).

mod e2e_common;

use std::time::{Duration, Instant};

use e2e_common::{simulator_with, PASSWORD};
use esx_driver::auth::CredentialSources;
use esx_driver::driver::{Connection, ListFilter};
use esx_tests::SimOptions;
use esx_vi::types::VirtualMachineProperties;

const ROUNDS: usize = 7;
const VMS_PER_HOST: usize = 1_000;

/// One cluster of `hosts` hosts holding `hosts x 1,000` VMs (1,000 per host), `page` objects a
/// retrieval page.
fn inventory(hosts: usize, page: usize) -> SimOptions {
    let mut options = SimOptions::vpx_with_vms(hosts * VMS_PER_HOST).page_size(page);
    options.hosts_per_cluster = Some(hosts);
    options
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

struct Measured {
    calls: u64,
    time: Duration,
    /// The datacenter-wide ContainerView listing of every VM, for comparison.
    whole: Option<(u64, Duration, usize)>,
}

async fn measure(hosts: usize, page: usize, whole: bool) -> Measured {
    let started = Instant::now();
    let sim = simulator_with(inventory(hosts, page));
    eprintln!(
        "  ({hosts} x {VMS_PER_HOST} VMs, pages of {page}: simulator ready in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let uri = format!(
        "vpx://root@{}/DC0/DC0_C0/DC0_C0_H0?transport=http",
        sim.host_port()
    );
    let sources = CredentialSources::isolated().with_env_vars([("ESX_PASSWORD", PASSWORD)]);
    let conn = Connection::open(&uri, &sources).await.expect("connect");
    let (mut times, mut calls) = (Vec::new(), 0);
    for _ in 0..ROUNDS {
        let before = conn.client().soap_request_count();
        let t = Instant::now();
        let listed = conn.list_domains(ListFilter::All).await.expect("list");
        times.push(t.elapsed());
        calls = conn.client().soap_request_count() - before;
        assert_eq!(listed.len(), VMS_PER_HOST);
    }
    let whole = if whole {
        let datacenter = conn.host_context().datacenter.clone();
        let (mut times, mut calls, mut count) = (Vec::new(), 0, 0);
        for _ in 0..ROUNDS {
            let before = conn.client().soap_request_count();
            let t = Instant::now();
            let vms: Vec<VirtualMachineProperties> = conn
                .client()
                .list_under(
                    &datacenter,
                    &[
                        "name",
                        "runtime.powerState",
                        "config.uuid",
                        "config.instanceUuid",
                    ],
                )
                .await
                .expect("ContainerView listing");
            times.push(t.elapsed());
            calls = conn.client().soap_request_count() - before;
            count = vms.len();
        }
        Some((calls, median(times), count))
    } else {
        None
    };
    Measured {
        calls,
        time: median(times),
        whole,
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow: builds two 10,000-VM vCenters"]
async fn benchmark_listing_one_host_of_a_large_vcenter() {
    let mut rows = Vec::new();
    for page in [100, 20_000] {
        let large = measure(10, page, page == 100).await;
        let small = measure(1, page, false).await;
        eprintln!(
            "pages of {page:>5}: list --all of DC0_C0_H0 ({VMS_PER_HOST} VMs): \
             10 hosts x {VMS_PER_HOST} VMs: {} calls, median {:.1} ms; \
             1 host x {VMS_PER_HOST} VMs: {} calls, median {:.1} ms",
            large.calls,
            large.time.as_secs_f64() * 1e3,
            small.calls,
            small.time.as_secs_f64() * 1e3,
        );
        if let Some((calls, time, count)) = large.whole {
            eprintln!(
                "pages of {page:>5}: for comparison, a ContainerView listing of the datacenter \
                 ({count} VMs): {calls} calls, median {:.1} ms",
                time.as_secs_f64() * 1e3
            );
        }
        // The same calls whatever the size of the vCenter: one retrieval and its pages.
        assert_eq!(large.calls, small.calls, "pages of {page}");
        assert_eq!(
            large.calls as usize,
            VMS_PER_HOST.div_ceil(page),
            "pages of {page}"
        );
        rows.push((large.time, small.time));
    }
    // The time follows the host's 1,000 VMs: ten times the VMs elsewhere in the vCenter costs
    // far less than ten times the time (generous bound: the machine is shared).
    for (large, small) in rows {
        assert!(
            large < small * 3 + Duration::from_millis(50),
            "10 hosts: {large:?}, 1 host: {small:?}"
        );
    }
}
