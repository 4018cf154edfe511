//! Workspace-level integration tests and the harness that runs the vCenter simulator for them.
//!
//! Integration tests of every crate start their own simulator (govmomi's vcsim with our extensions,
//! built from `tests/vcsim/`) on a free loopback port and stop it when the [`Simulator`] is dropped:
//!
//! ```no_run
//! use esx_tests::{Model, SimOptions, Simulator, WireStyle};
//!
//! let sim = Simulator::start(SimOptions::new(Model::Vpx).wire(WireStyle::Xsi).tls(true)).unwrap();
//! println!("{} as {}/{}", sim.url(), sim.username(), sim.password());
//! println!("pin {}", sim.thumbprint().unwrap());
//! ```
//!
//! The binary is `$ESX_VCSIM` if set, else `<workspace>/target/vcsim/vcsim`, (re)built once per test
//! process with `scripts/vcsim build`. [`raw`] has a minimal SOAP-over-HTTP client for tests that
//! need to arrange or inspect the simulator below any client library; [`proxy`] puts a fault-injection
//! proxy between a client and the simulator.

pub mod fuzz;
pub mod proxy;
pub mod raw;
mod simulator;

pub use simulator::{Model, SimError, SimOptions, Simulator, WireStyle};
