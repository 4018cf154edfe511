//! The page's in-process figures, where no peer runs the same code: VMX conversion throughput
//! over libvirt's own test files, and SOAP decode speed on a real simulator answer.

use std::convert::Infallible;
use std::path::Path;
use std::time::{Duration, Instant};

use esx_driver::domain::{format_domain_xml, parse_domain_xml, FormatOptions};
use esx_driver::vmx::{domain_to_vmx, vmx_to_domain, OfflineContext, VmxFile};
use esx_tests::raw::RawSoap;
use esx_tests::Simulator;
use esx_vi_types::{soap, RetrieveResult, VirtualMachineProperties};

use crate::measure::median;

/// One throughput figure: what, how much per second, in which unit.
#[derive(Clone, Debug)]
pub(crate) struct Throughput {
    pub(crate) what: String,
    pub(crate) per_second: f64,
    pub(crate) unit: &'static str,
}

/// Repeats `pass` (over `amount` units of work) `runs` times; the median rate.
fn rate(amount: f64, runs: usize, mut pass: impl FnMut()) -> f64 {
    let times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed()
        })
        .collect();
    let median = median(&times).unwrap_or_default().as_secs_f64();
    if median > 0.0 {
        amount / median
    } else {
        0.0
    }
}

/// Files per second, one core, over libvirt's vmx2xml and xml2vmx test files (the ones that
/// convert: libvirt also keeps files that must fail).
pub(crate) fn vmx_conversion(root: &Path, runs: usize) -> Result<Vec<Throughput>, String> {
    let data = root.join("esx-driver/tests/data/libvirt");
    let ctx = OfflineContext::new().with_vmx_location("datastore", "directory");
    let options = FormatOptions {
        secure: true,
        inactive: true,
    };
    let vmx_files: Vec<Vec<u8>> = files(&data.join("vmx2xml"), "vmx")?
        .into_iter()
        .filter(|bytes| {
            VmxFile::parse(bytes)
                .ok()
                .is_some_and(|vmx| vmx_to_domain(&vmx, &ctx).is_ok())
        })
        .collect();
    let xml_files: Vec<String> = files(&data.join("xml2vmx"), "xml")?
        .into_iter()
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .filter(|xml| {
            parse_domain_xml(xml)
                .ok()
                .is_some_and(|d| domain_to_vmx(&d, &ctx, 17).is_ok())
        })
        .collect();
    if vmx_files.is_empty() || xml_files.is_empty() {
        return Err(format!(
            "no convertible test files under {} (see its README)",
            data.display()
        ));
    }
    // Enough repetitions per pass that a pass lasts tens of milliseconds.
    let reps = 50;
    let to_xml = rate((vmx_files.len() * reps) as f64, runs, || {
        for _ in 0..reps {
            for bytes in &vmx_files {
                if let Ok(vmx) = VmxFile::parse(bytes) {
                    if let Ok(domain) = vmx_to_domain(&vmx, &ctx) {
                        std::hint::black_box(format_domain_xml(&domain, options));
                    }
                }
            }
        }
    });
    let to_vmx = rate((xml_files.len() * reps) as f64, runs, || {
        for _ in 0..reps {
            for xml in &xml_files {
                if let Ok(domain) = parse_domain_xml(xml) {
                    if let Ok(vmx) = domain_to_vmx(&domain, &ctx, 17) {
                        std::hint::black_box(vmx.to_bytes());
                    }
                }
            }
        }
    });
    Ok(vec![
        Throughput {
            what: format!(
                "VMX text -> domain XML text ({} libvirt test files)",
                vmx_files.len()
            ),
            per_second: to_xml,
            unit: "files/s",
        },
        Throughput {
            what: format!(
                "domain XML text -> VMX text ({} libvirt test files)",
                xml_files.len()
            ),
            per_second: to_vmx,
            unit: "files/s",
        },
    ])
}

fn files(dir: &Path, extension: &str) -> Result<Vec<Vec<u8>>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display())))
        .collect()
}

/// MB/s of decoding one real `RetrievePropertiesEx` answer of the `vms` VMs of `sim` (name,
/// power state, UUIDs and `summary.config`): the envelope into `ObjectContent`s, and further
/// into typed `VirtualMachineProperties`.
pub(crate) fn soap_decode(
    sim: &Simulator,
    vms: usize,
    runs: usize,
) -> Result<Vec<Throughput>, String> {
    let mut soap = RawSoap::login(sim);
    let view = soap.container_view("VirtualMachine");
    let body = soap
        .retrieve_view(
            &view,
            "VirtualMachine",
            &[
                "name",
                "runtime.powerState",
                "config.uuid",
                "config.instanceUuid",
                "summary.config",
            ],
            None,
        )
        .body;
    let decode = |bytes: &[u8]| {
        soap::decode_optional::<RetrieveResult, Infallible>(bytes, "RetrievePropertiesExResponse")
            .map_err(|e| format!("the simulator's answer does not decode: {e}"))
    };
    let objects = decode(body.as_bytes())?
        .map(|r| r.objects.len())
        .unwrap_or(0);
    if objects != vms {
        return Err(format!("the answer holds {objects} VMs, not {vms}"));
    }
    let megabytes = body.len() as f64 / 1e6;
    let envelope = rate(megabytes, runs.max(5), || {
        std::hint::black_box(decode(body.as_bytes()).ok());
    });
    let typed = rate(megabytes, runs.max(5), || {
        if let Ok(Some(result)) = decode(body.as_bytes()) {
            for content in result.objects {
                std::hint::black_box(VirtualMachineProperties::try_from(content).ok());
            }
        }
    });
    Ok(vec![
        Throughput {
            what: format!("envelope -> ObjectContent ({megabytes:.1} MB, {vms} VMs)"),
            per_second: envelope,
            unit: "MB/s",
        },
        Throughput {
            what: format!("envelope -> typed VirtualMachineProperties ({megabytes:.1} MB)"),
            per_second: typed,
            unit: "MB/s",
        },
    ])
}
