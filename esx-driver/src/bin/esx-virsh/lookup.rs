//! Arguments that name an object on the server, and their lookups with virsh's failure message
//! (`failed to get domain 'web'`, `failed to get network 'x'`, `failed to get interface 'x'`).

use clap::Args;
use esx_driver::domain::Uuid;
use esx_driver::driver::{
    Connection, DomainRef, Error, HostInterfaces, HostNetworks, InterfaceEntry, NetworkEntry,
};

use crate::error::CommandError;

/// A domain argument: a name, an id or a UUID.
#[derive(Debug, Args)]
pub(crate) struct DomainArg {
    /// Domain name, id or uuid
    pub(crate) domain: String,
}

/// The domain `text` names (a name, an id or a UUID). When there is none, virsh says only
/// `failed to get domain 'x'` (it tried the text as an id, a UUID and a name, so no one
/// lookup's error is the cause); any other failure (the connection) follows as its cause.
pub(crate) async fn domain(conn: &Connection, text: &str) -> Result<DomainRef, CommandError> {
    let doing = format!("failed to get domain '{text}'");
    conn.lookup(text).await.map_err(|e| match e {
        Error::NoDomain { vanished: None, .. } => CommandError::new(doing),
        e => CommandError::while_doing(doing, e),
    })
}

/// A network argument: a name or a UUID.
#[derive(Debug, Args)]
pub(crate) struct NetworkArg {
    /// Network name or uuid
    pub(crate) network: String,
}

/// The text of a UUID argument that virsh looks up as a UUID only (`net-name`, `pool-name`):
/// virsh tries a lookup only for text of a UUID's length, and says nothing but `failed to get
/// network 'x'` about any other text.
pub(crate) fn uuid_only(text: &str, doing: &str) -> Result<Uuid, CommandError> {
    match text.parse::<Uuid>() {
        Ok(uuid) if text.len() == 36 => Ok(uuid),
        _ => Err(CommandError::new(doing)),
    }
}

/// `net-name`'s network: looked up by UUID only, as virsh does.
pub(crate) async fn network_by_uuid(
    conn: &Connection,
    text: &str,
) -> Result<NetworkEntry, CommandError> {
    let doing = format!("failed to get network '{text}'");
    let uuid = uuid_only(text, &doing)?;
    let failed = |e| CommandError::while_doing(doing.clone(), e);
    let host = conn.host_networks().await.map_err(failed)?;
    host.by_uuid(&uuid).map_err(failed)
}

/// The network `text` names, with the host's networks it was found in (one retrieval).
pub(crate) async fn network(
    conn: &Connection,
    text: &str,
) -> Result<(HostNetworks, NetworkEntry), CommandError> {
    let failed = |e| CommandError::while_doing(format!("failed to get network '{text}'"), e);
    let host = conn.host_networks().await.map_err(failed)?;
    let net = host.lookup(text).map_err(failed)?;
    Ok((host, net))
}

/// An interface argument: a name or a MAC address.
#[derive(Debug, Args)]
pub(crate) struct InterfaceArg {
    /// Interface name or MAC address
    pub(crate) interface: String,
}

/// The interface `text` names (a MAC address if it reads as one, else a name), with the host's
/// interfaces it was found in (one retrieval).
pub(crate) async fn interface(
    conn: &Connection,
    text: &str,
) -> Result<(HostInterfaces, InterfaceEntry), CommandError> {
    let failed = |e| CommandError::while_doing(format!("failed to get interface '{text}'"), e);
    let host = conn.host_interfaces().await.map_err(failed)?;
    let iface = host.lookup(text).map_err(failed)?;
    Ok((host, iface))
}
