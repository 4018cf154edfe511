//! Shared helpers of the integration tests: start a simulator, connect a client, find VMs.
#![allow(dead_code)]

use esx_tests::{SimOptions, Simulator};
use esx_vi::types::{AnyValue, ManagedObjectReference, VirtualMachineProperties};
use esx_vi::{Client, ConnectOptions, Credentials};

/// Starts a simulator or fails the test with the harness's explanation.
pub(crate) fn simulator(options: SimOptions) -> Simulator {
    Simulator::start(options).unwrap_or_else(|e| panic!("cannot start the simulator: {e}"))
}

/// Options that log in as the simulator's user.
pub(crate) fn login_options(sim: &Simulator) -> ConnectOptions {
    ConnectOptions::new().credentials(Credentials::new(sim.username(), sim.password()))
}

/// A logged-in client.
pub(crate) async fn connect(sim: &Simulator) -> Client {
    Client::connect(sim.url(), login_options(sim))
        .await
        .unwrap_or_else(|e| panic!("connecting to {}: {e}", sim.url()))
}

/// The VM with this name.
pub(crate) async fn vm(client: &Client, name: &str) -> ManagedObjectReference {
    let found = client
        .find_by_name::<VirtualMachineProperties>(name)
        .await
        .unwrap_or_else(|e| panic!("looking up VM {name}: {e}"));
    assert_eq!(found.len(), 1, "exactly one VM named {name}: {found:?}");
    found.into_iter().next().unwrap()
}

/// `name` -> power state of every VM, sorted by name.
pub(crate) async fn power_states(client: &Client) -> Vec<(String, String)> {
    let vms: Vec<VirtualMachineProperties> = client
        .list(&["name", "runtime.powerState"])
        .await
        .expect("listing VMs");
    let mut rows: Vec<(String, String)> = vms.iter().map(name_and_state).collect();
    rows.sort();
    rows
}

pub(crate) fn name_and_state(vm: &VirtualMachineProperties) -> (String, String) {
    let state = match vm.path("runtime.powerState") {
        Some(AnyValue::VirtualMachinePowerState(s)) => s.as_str().to_owned(),
        other => panic!("no power state for {:?}: {other:?}", vm.name),
    };
    (vm.name.clone().expect("name retrieved"), state)
}

/// The power state of one VM.
pub(crate) async fn power_state(client: &Client, vm: &ManagedObjectReference) -> String {
    let props: VirtualMachineProperties = client
        .retrieve_object(vm, &["name", "runtime.powerState"])
        .await
        .expect("VM properties");
    name_and_state(&props).1
}
