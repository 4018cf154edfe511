//! Arguments that name an object on the server, and their lookups with virsh's failure message
//! (`failed to get domain 'web'`). Pools, volumes and networks will join the domain here.

use clap::Args;
use esx_driver::driver::{Connection, DomainRef, Error};

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
