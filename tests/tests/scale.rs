//! Scale: the inventories the benchmarks use (10,000 VMs under vCenter, 2,000 on one ESX host) start
//! and list completely through paging. Slow (tens of seconds), so run on demand:
//! `cargo test -p esx-tests --test scale -- --ignored --nocapture` (prints the times).

use std::time::Instant;

use esx_tests::raw::{elements, RawSoap};
use esx_tests::{SimOptions, Simulator};

fn list_all(sim: &Simulator) -> (usize, usize) {
    let mut soap = RawSoap::login(sim);
    let view = soap.container_view("VirtualMachine");
    let mut page = soap
        .retrieve_view(
            &view,
            "VirtualMachine",
            &["name", "runtime.powerState"],
            Some(100),
        )
        .ok();
    let (mut vms, mut calls) = (0, 1);
    loop {
        vms += elements(&page.body, "objects").len();
        match page.text("token") {
            Some(token) => {
                page = soap.continue_retrieve(&token).ok();
                calls += 1;
            }
            None => return (vms, calls),
        }
    }
}

#[test]
#[ignore = "slow: builds 10,000 and 2,000 VMs"]
fn benchmark_inventories_start_and_list_in_pages() {
    for (label, options, expected) in [
        ("vpx 10000 VMs", SimOptions::vpx_with_vms(10_000), 10_000),
        ("esx 2000 VMs", SimOptions::esx().vms(2_000), 2_000),
    ] {
        let began = Instant::now();
        let sim = Simulator::start(options).unwrap();
        let started = began.elapsed();
        let began = Instant::now();
        let (vms, calls) = list_all(&sim);
        eprintln!(
            "{label}: started in {started:?}, listed in {:?} with {calls} calls",
            began.elapsed()
        );
        assert_eq!(vms, expected);
        assert_eq!(calls, expected.div_ceil(100));
    }
}
