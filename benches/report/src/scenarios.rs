//! The page's scenarios: each starts its simulator, runs the peers as whole processes
//! (interleaved run by run, so that a change in the machine's load hits every peer alike) and
//! keeps the medians.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use esx_tests::proxy::FaultProxy;
use esx_tests::raw::{envelope, moref, RawSoap};
use esx_tests::{SimOptions, Simulator};

use crate::inprocess::{self, Throughput};
use crate::measure::{self, median};
use crate::peers::{self, Peer, Target, Tools};

/// The credentials of every simulator the page starts.
const USER: &str = "root";
const PASSWORD: &str = "bench";
/// A server page larger than any inventory measured: the server returns everything at once, as
/// an ESX host does (the scenario with vCenter's pages of 100 sets its own).
const WHOLE_PAGE: usize = 1_000_000;

/// The largest inventory libvirt's virsh lists on the page (about 2 minutes a run at 10,000 VMs).
pub(crate) const VIRSH_MAX_VMS: usize = 2_000;

/// What to run.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// VM counts of the listing scenario.
    pub(crate) vm_counts: Vec<usize>,
    /// The VM count of the vCenter, calls and memory scenarios.
    pub(crate) large: usize,
    /// Runs per figure (the median is reported).
    pub(crate) runs: usize,
}

/// The medians of one peer at one inventory size.
#[derive(Clone, Debug)]
pub(crate) struct Point {
    pub(crate) peer: Peer,
    pub(crate) vms: usize,
    pub(crate) wall: Duration,
    pub(crate) peak_rss_kib: u64,
}

/// The requests one listing process sent.
#[derive(Clone, Debug)]
pub(crate) struct CallCount {
    pub(crate) scenario: String,
    pub(crate) peer: Peer,
    pub(crate) total: usize,
    /// Each method with its count, in the order first sent: `Login, RetrievePropertiesEx x3`.
    pub(crate) by_method: String,
}

/// Everything the page shows.
#[derive(Clone, Debug, Default)]
pub(crate) struct Results {
    /// Peers that could not run, and why.
    pub(crate) skipped: BTreeMap<Peer, String>,
    /// ESX model, whole inventory in one page, at each VM count.
    pub(crate) esx_listing: Vec<Point>,
    /// vCenter model, `large` VMs, whole inventory in one page.
    pub(crate) vpx_listing: Vec<Point>,
    /// vCenter model, `large` VMs, pages of 100 (as a real vCenter).
    pub(crate) vpx_paged_listing: Vec<Point>,
    /// SOAP calls of one listing process (login and logout included).
    pub(crate) calls: Vec<CallCount>,
    /// Median wall time of `start` and `destroy`, whole processes: (peer, verb, time).
    pub(crate) lifecycle: Vec<(Peer, &'static str, Duration)>,
    /// SOAP decode speed on the largest ESX host's answer.
    pub(crate) decode: Vec<Throughput>,
}

/// Runs the process scenarios with every peer this machine has.
pub(crate) fn run_all(settings: &Settings, tools: &Tools) -> Result<Results, String> {
    let mut results = Results::default();
    for peer in Peer::ALL {
        if let Some(reason) = peers::missing(peer, tools) {
            eprintln!("skipping {}: {reason}", peer.label());
            results.skipped.insert(peer, reason);
        }
    }
    let available = |candidates: &[Peer]| -> Vec<Peer> {
        candidates
            .iter()
            .copied()
            .filter(|p| !results.skipped.contains_key(p))
            .collect()
    };
    let all = available(&Peer::ALL);
    let inventory = available(&Peer::INVENTORY);

    for &vms in &settings.vm_counts {
        let sim = start(SimOptions::esx().vms(vms).page_size(WHOLE_PAGE))?;
        eprintln!("ESX host with {vms} VMs");
        // libvirt's driver makes three calls per VM: at 10,000 VMs a listing takes minutes.
        let peers: Vec<Peer> = all
            .iter()
            .copied()
            .filter(|p| *p != Peer::Virsh || vms <= VIRSH_MAX_VMS)
            .collect();
        results
            .esx_listing
            .extend(listings(&sim, &peers, vms, settings.runs, tools)?);
        if vms == settings.large.min(2_000) {
            results
                .calls
                .extend(count_calls(&sim, "ESX host", &all, tools)?);
        }
        if vms == settings.vm_counts[0] {
            results.lifecycle = lifecycle(&sim, settings.runs, tools)?;
        }
        if vms == settings.large {
            results.decode = inprocess::soap_decode(&sim, vms, settings.runs)?;
        }
    }

    let sim = start(SimOptions::vpx_with_vms(settings.large).page_size(WHOLE_PAGE))?;
    eprintln!("vCenter with {} VMs, one page", settings.large);
    results.vpx_listing = listings(&sim, &inventory, settings.large, settings.runs, tools)?;
    drop(sim);

    let sim = start(SimOptions::vpx_with_vms(settings.large).page_size(100))?;
    eprintln!("vCenter with {} VMs, pages of 100", settings.large);
    let paged: Vec<Peer> = inventory
        .iter()
        .copied()
        .filter(|p| *p != Peer::Floor)
        .collect();
    results.vpx_paged_listing = listings(&sim, &paged, settings.large, settings.runs, tools)?;
    results
        .calls
        .extend(count_calls(&sim, "vCenter, pages of 100", &paged, tools)?);
    Ok(results)
}

fn start(options: SimOptions) -> Result<Simulator, String> {
    Simulator::start(options.credentials(USER, PASSWORD))
        .map_err(|e| format!("cannot start the simulator: {e}"))
}

/// A target for `host_port`, with the floor's session and request prepared on `sim`.
fn target(sim: &Simulator, host_port: &str, scratch: &Path) -> Result<Target, String> {
    let mut soap = RawSoap::login(sim);
    let view = soap.container_view("VirtualMachine");
    let cookie = soap
        .cookie()
        .ok_or("the simulator set no session cookie at login")?
        .to_owned();
    let body = envelope(&format!(
        "<RetrievePropertiesEx xmlns=\"urn:vim25\">{}<specSet><propSet><type>VirtualMachine</type>\
         <all>false</all><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet></propSet>\
         <objectSet>{}<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>\
         <type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>\
         </specSet><options></options></RetrievePropertiesEx>",
        moref("_this", "PropertyCollector", &soap.refs.property_collector),
        moref("obj", "ContainerView", &view)
    ));
    let path = scratch.join("floor-request.xml");
    std::fs::write(&path, body).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Target {
        host_port: host_port.to_owned(),
        user: USER.to_owned(),
        password: PASSWORD.to_owned(),
        floor: Some((cookie, path)),
    })
}

/// `runs` interleaved runs of each of `peers`, checked to list `expected` VMs; the medians.
fn listings(
    sim: &Simulator,
    peers: &[Peer],
    expected: usize,
    runs: usize,
    tools: &Tools,
) -> Result<Vec<Point>, String> {
    let target = target(sim, sim.host_port(), &tools.scratch)?;
    let mut samples: BTreeMap<Peer, Vec<measure::Sample>> = BTreeMap::new();
    for _ in 0..runs {
        for &peer in peers {
            // Untimed: each run starts with the server's garbage of the previous one collected.
            sim.collect_garbage()
                .map_err(|e| format!("the simulator's garbage collection: {e}"))?;
            let sample = run_listing(peer, tools, &target, expected)?;
            samples.entry(peer).or_default().push(sample);
        }
    }
    Ok(peers
        .iter()
        .map(|&peer| {
            let runs = &samples[&peer];
            let walls: Vec<Duration> = runs.iter().map(|s| s.wall).collect();
            let rss: Vec<u64> = runs.iter().map(|s| s.peak_rss_kib).collect();
            Point {
                peer,
                vms: expected,
                wall: median(&walls).unwrap_or_default(),
                peak_rss_kib: median(&rss).unwrap_or_default(),
            }
        })
        .collect())
}

fn run_listing(
    peer: Peer,
    tools: &Tools,
    target: &Target,
    expected: usize,
) -> Result<measure::Sample, String> {
    let mut command = peers::list_command(peer, tools, target)?;
    let sample = measure::run(&mut command, &output_file(tools, peer))?;
    let listed = peers::listed_vms(peer, &sample.stdout);
    if listed != expected {
        return Err(format!(
            "{} listed {listed} VMs instead of {expected}",
            peer.label()
        ));
    }
    Ok(sample)
}

fn output_file(tools: &Tools, peer: Peer) -> PathBuf {
    tools.scratch.join(format!("{peer:?}.out"))
}

/// One listing of each peer through a counting proxy: the SOAP calls of the whole process.
fn count_calls(
    sim: &Simulator,
    scenario: &str,
    peers: &[Peer],
    tools: &Tools,
) -> Result<Vec<CallCount>, String> {
    let mut counts = Vec::new();
    for &peer in peers {
        let proxy = FaultProxy::start(sim).map_err(|e| format!("cannot start the proxy: {e}"))?;
        // The floor's login and view are made directly, so that only its one retrieval counts.
        let target = target(sim, proxy.host_port(), &tools.scratch)?;
        let expected = peers::listed_vms(
            peer,
            &measure::run(
                &mut peers::list_command(peer, tools, &target)?,
                &output_file(tools, peer),
            )?
            .stdout,
        );
        if expected == 0 {
            return Err(format!("{} listed nothing through the proxy", peer.label()));
        }
        let seen = proxy.seen();
        counts.push(CallCount {
            scenario: scenario.to_owned(),
            peer,
            total: seen.len(),
            by_method: by_method(&seen),
        });
    }
    Ok(counts)
}

/// `A, B x3, C`: each distinct call with its count, in the order first seen.
fn by_method(seen: &[String]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for call in seen {
        match counts.iter_mut().find(|(name, _)| name == call) {
            Some((_, n)) => *n += 1,
            None => counts.push((call, 1)),
        }
    }
    counts
        .iter()
        .map(|(name, n)| match n {
            1 => (*name).to_owned(),
            n => format!("{name} x{n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `destroy` then `start` of one VM, `runs` times with each virsh program.
fn lifecycle(
    sim: &Simulator,
    runs: usize,
    tools: &Tools,
) -> Result<Vec<(Peer, &'static str, Duration)>, String> {
    let target = target(sim, sim.host_port(), &tools.scratch)?;
    let mut out = Vec::new();
    for peer in [Peer::EsxVirsh, Peer::Virsh] {
        if peers::missing(peer, tools).is_some() {
            continue;
        }
        let domain = "ha-host_VM0";
        let mut times: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
        for _ in 0..runs {
            for verb in ["destroy", "start"] {
                let mut command = peers::lifecycle_command(peer, verb, domain, tools, &target)?;
                let sample = measure::run(&mut command, &output_file(tools, peer))?;
                times.entry(verb).or_default().push(sample.wall);
            }
        }
        for (verb, samples) in times {
            out.push((peer, verb, median(&samples).unwrap_or_default()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_summarised_by_method_in_order() {
        let seen: Vec<String> = [
            "Login",
            "RetrievePropertiesEx",
            "RetrievePropertiesEx",
            "Logout",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(by_method(&seen), "Login, RetrievePropertiesEx x2, Logout");
    }
}
