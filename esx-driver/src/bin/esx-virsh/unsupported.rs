//! Commands of libvirt drivers the ESX driver does not have (secrets, host devices, network
//! filters): they answer exactly as virsh does on an ESX connection, naming the libvirt call the
//! driver lacks, so that scripts see the same failure.

use clap::Subcommand;
use esx_driver::driver::{Connection, Error};

use crate::error::CommandError;

/// The commands of the drivers ESX has not. (The variants spell virsh's command names, which
/// happen to share their ending.)
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List secrets (ESX has no secret driver)
    SecretList,
    /// Enumerate devices on this host (ESX has no node device driver)
    NodedevList,
    /// List network filters (ESX has no network filter driver)
    NwfilterList,
}

impl Command {
    /// Fails as virsh fails: what it was doing, then the missing libvirt call.
    pub(crate) async fn run(self, _conn: &Connection) -> Result<String, CommandError> {
        let (doing, call) = match self {
            Command::SecretList => ("Failed to count secrets", "virConnectNumOfSecrets"),
            Command::NodedevList => ("Failed to count node devices", "virNodeNumOfDevices"),
            Command::NwfilterList => (
                "Failed to count network filters",
                "virConnectNumOfNWFilters",
            ),
        };
        Err(CommandError::while_doing(
            doing,
            Error::NoSupport(call.to_owned()),
        ))
    }
}
