//! Commands of libvirt drivers the ESX driver does not have (secrets, host devices, network
//! filters): they answer exactly as virsh 11 does on an ESX connection, naming the libvirt call
//! the driver lacks, so that scripts see the same failure. A command that reads a file reads it
//! first (a missing file fails as virsh's does); one that names an object fails at its lookup.

use clap::{Args, Subcommand};
use esx_driver::driver::{Connection, Error};

use crate::error::CommandError;
use crate::xml_file;

#[derive(Debug, Args)]
pub(crate) struct SecretListArgs {
    /// List only ephemeral secrets
    #[arg(long)]
    ephemeral: bool,
    /// List only non-ephemeral secrets
    #[arg(long)]
    no_ephemeral: bool,
    /// List only private secrets
    #[arg(long)]
    private: bool,
    /// List only non-private secrets
    #[arg(long)]
    no_private: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NodedevListArgs {
    /// List devices in a tree
    #[arg(long)]
    tree: bool,
    /// Capability names, separated by comma
    #[arg(long, value_name = "CAP")]
    cap: Option<String>,
    /// List inactive devices
    #[arg(long)]
    inactive: bool,
    /// List inactive and active devices
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct XmlFileArgs {
    /// File containing an XML description
    file: String,
    /// Validate the XML document against the schema
    #[arg(long)]
    validate: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SecretArgs {
    /// Secret UUID
    secret: String,
}

#[derive(Debug, Args)]
pub(crate) struct SecretValueArgs {
    /// Secret UUID
    secret: String,
    /// Print the value as it is, not in base64
    #[arg(long)]
    plain: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SecretSetValueArgs {
    /// Secret UUID
    secret: String,
    /// Base64-encoded secret value
    base64: Option<String>,
    /// Read the secret value from a file
    #[arg(long, value_name = "FILE")]
    file: Option<String>,
    /// The value (or file) is not base64-encoded
    #[arg(long)]
    plain: bool,
    /// Read the secret value from the terminal
    #[arg(long)]
    interactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DeviceArgs {
    /// Device name
    device: String,
}

#[derive(Debug, Args)]
pub(crate) struct DeviceDumpArgs {
    /// Device name
    device: String,
    /// The inactive definition
    #[arg(long)]
    inactive: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DeviceDetachArgs {
    /// Device name
    device: String,
    /// The driver to bind the device to
    #[arg(long, value_name = "DRIVER")]
    driver: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DeviceAutostartArgs {
    /// Device name
    device: String,
    /// Disable autostarting
    #[arg(long)]
    disable: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NwfilterArgs {
    /// Network filter name or UUID
    nwfilter: String,
}

#[derive(Debug, Args)]
pub(crate) struct BindingArgs {
    /// Network filter binding port device
    binding: String,
}

/// The commands of the drivers ESX has not. (The variants spell virsh's command names, which
/// happen to share their beginnings.)
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List secrets (ESX has no secret driver)
    SecretList(SecretListArgs),
    /// Define or modify a secret from an XML file (ESX has no secret driver)
    SecretDefine(XmlFileArgs),
    /// Secret attributes in XML (ESX has no secret driver)
    SecretDumpxml(SecretArgs),
    /// Output a secret value (ESX has no secret driver)
    SecretGetValue(SecretValueArgs),
    /// Set a secret value (ESX has no secret driver)
    SecretSetValue(SecretSetValueArgs),
    /// Undefine a secret (ESX has no secret driver)
    SecretUndefine(SecretArgs),
    /// Enumerate devices on this host (ESX has no node device driver)
    NodedevList(NodedevListArgs),
    /// Create a device defined by an XML file on the node (ESX has no node device driver)
    NodedevCreate(XmlFileArgs),
    /// Define a device by an XML file on a node (ESX has no node device driver)
    NodedevDefine(XmlFileArgs),
    /// Destroy (stop) a device on the node (ESX has no node device driver)
    NodedevDestroy(DeviceArgs),
    /// Node device details in XML (ESX has no node device driver)
    NodedevDumpxml(DeviceDumpArgs),
    /// Detach a node device from its device driver (ESX has no node device driver)
    NodedevDetach(DeviceDetachArgs),
    /// Reattach a node device to its device driver (ESX has no node device driver)
    NodedevReattach(DeviceArgs),
    /// Reset a node device (ESX has no node device driver)
    NodedevReset(DeviceArgs),
    /// Node device information (ESX has no node device driver)
    NodedevInfo(DeviceArgs),
    /// Undefine an inactive node device (ESX has no node device driver)
    NodedevUndefine(DeviceArgs),
    /// Start an inactive node device (ESX has no node device driver)
    NodedevStart(DeviceArgs),
    /// Autostart a defined node device (ESX has no node device driver)
    NodedevAutostart(DeviceAutostartArgs),
    /// List network filters (ESX has no network filter driver)
    NwfilterList,
    /// Define or update a network filter from an XML file (ESX has no network filter driver)
    NwfilterDefine(XmlFileArgs),
    /// Network filter information in XML (ESX has no network filter driver)
    NwfilterDumpxml(NwfilterArgs),
    /// Undefine a network filter (ESX has no network filter driver)
    NwfilterUndefine(NwfilterArgs),
    /// Edit XML configuration for a network filter (ESX has no network filter driver)
    NwfilterEdit(NwfilterArgs),
    /// List network filter bindings (ESX has no network filter driver)
    NwfilterBindingList,
    /// Create a network filter binding from an XML file (ESX has no network filter driver)
    NwfilterBindingCreate(XmlFileArgs),
    /// Network filter binding information in XML (ESX has no network filter driver)
    NwfilterBindingDumpxml(BindingArgs),
    /// Delete a network filter binding (ESX has no network filter driver)
    NwfilterBindingDelete(BindingArgs),
}

/// How a command fails: virsh's first line, and the libvirt call the driver lacks.
struct Refusal {
    doing: String,
    call: &'static str,
}

impl Refusal {
    fn new(doing: impl Into<String>, call: &'static str) -> Refusal {
        Refusal {
            doing: doing.into(),
            call,
        }
    }
}

impl Command {
    /// Fails as virsh fails: what it was doing, then the missing libvirt call.
    pub(crate) async fn run(self, _conn: &Connection) -> Result<String, CommandError> {
        let refusal = self.refusal()?;
        Err(CommandError::while_doing(
            refusal.doing,
            Error::NoSupport(refusal.call.to_owned()),
        ))
    }

    /// What the command would have done first, and where that stops on ESX. Reading a named
    /// file comes first, as in virsh.
    fn refusal(&self) -> Result<Refusal, CommandError> {
        let device = |name: &str| {
            Refusal::new(
                format!("Could not find matching device '{name}'"),
                "virNodeDeviceLookupByName",
            )
        };
        let nwfilter = |name: &str| {
            Refusal::new(
                format!("failed to get nwfilter '{name}'"),
                "virNWFilterLookupByName",
            )
        };
        let binding = |name: &str| {
            Refusal::new(
                format!("failed to get nwfilter binding '{name}'"),
                "virNWFilterBindingLookupByPortDev",
            )
        };
        Ok(match self {
            Command::SecretList(_) => Refusal::new("Failed to count secrets", "virConnectNumOfSecrets"),
            Command::SecretDefine(args) => Refusal::new(
                format!("Failed to set attributes from {}", xml_file::read_named(&args.file)?),
                "virSecretDefineXML",
            ),
            Command::SecretDumpxml(SecretArgs { secret })
            | Command::SecretGetValue(SecretValueArgs { secret, .. })
            | Command::SecretSetValue(SecretSetValueArgs { secret, .. })
            | Command::SecretUndefine(SecretArgs { secret }) => return Err(secret_lookup(secret)),
            Command::NodedevList(_) => {
                Refusal::new("Failed to count node devices", "virNodeNumOfDevices")
            }
            Command::NodedevCreate(args) => Refusal::new(
                format!("Failed to create node device from {}", xml_file::read_named(&args.file)?),
                "virNodeDeviceCreateXML",
            ),
            Command::NodedevDefine(args) => Refusal::new(
                format!("Failed to define node device from '{}'", xml_file::read_named(&args.file)?),
                "virNodeDeviceDefineXML",
            ),
            Command::NodedevDestroy(DeviceArgs { device: name })
            | Command::NodedevDumpxml(DeviceDumpArgs { device: name, .. })
            | Command::NodedevDetach(DeviceDetachArgs { device: name, .. })
            | Command::NodedevReattach(DeviceArgs { device: name })
            | Command::NodedevReset(DeviceArgs { device: name })
            | Command::NodedevInfo(DeviceArgs { device: name })
            | Command::NodedevUndefine(DeviceArgs { device: name })
            | Command::NodedevStart(DeviceArgs { device: name })
            | Command::NodedevAutostart(DeviceAutostartArgs { device: name, .. }) => device(name),
            Command::NwfilterList => Refusal::new(
                "Failed to count network filters",
                "virConnectNumOfNWFilters",
            ),
            Command::NwfilterDefine(args) => Refusal::new(
                format!("Failed to define network filter from {}", xml_file::read_named(&args.file)?),
                "virNWFilterDefineXML",
            ),
            Command::NwfilterDumpxml(NwfilterArgs { nwfilter: name })
            | Command::NwfilterUndefine(NwfilterArgs { nwfilter: name })
            | Command::NwfilterEdit(NwfilterArgs { nwfilter: name }) => nwfilter(name),
            Command::NwfilterBindingList => Refusal::new(
                "Failed to list network filter bindings",
                "virConnectListAllNWFilterBindings",
            ),
            Command::NwfilterBindingCreate(args) => Refusal::new(
                format!("Failed to create network filter from {}", xml_file::read_named(&args.file)?),
                "virNWFilterBindingCreateXML",
            ),
            Command::NwfilterBindingDumpxml(BindingArgs { binding: name })
            | Command::NwfilterBindingDelete(BindingArgs { binding: name }) => binding(name),
        })
    }
}

/// virsh looks secrets up by UUID only: a text that is none fails before the driver is asked.
fn secret_lookup(secret: &str) -> CommandError {
    let doing = format!("failed to get secret '{secret}'");
    if is_uuid(secret) {
        CommandError::while_doing(doing, Error::NoSupport("virSecretLookupByUUID".to_owned()))
    } else {
        CommandError::while_doing_because(
            doing,
            "uuidstr in virSecretLookupByUUIDString must be a valid UUID",
        )
    }
}

/// Whether `text` reads as a UUID as libvirt reads one: 32 hex digits, dashes allowed between
/// pairs of them.
fn is_uuid(text: &str) -> bool {
    let text = text.trim();
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    digits.len() == 32
        && digits.chars().all(|c| c.is_ascii_hexdigit())
        && !text.starts_with('-')
        && !text.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_named_by_uuids() {
        assert!(is_uuid("0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"));
        assert!(is_uuid("0a81f5b284037b23c8d621ccc2f80d6f"));
        assert!(!is_uuid("notauuid"));
        assert!(!is_uuid("0a81f5b2-8403-7b23-c8d6-21ccc2f80d6"));
        assert!(!is_uuid("-0a81f5b284037b23c8d621ccc2f80d6f"));
    }
}
