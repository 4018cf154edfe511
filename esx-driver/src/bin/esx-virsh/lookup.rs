//! Arguments that name an object on the server, and their lookups with virsh's failure message
//! (`failed to get domain 'web'`). Pools, volumes and networks will join the domain here.

use clap::Args;
use esx_driver::driver::{Connection, DomainRef};

use crate::error::CommandError;

/// A domain argument: a name, an id or a UUID.
#[derive(Debug, Args)]
pub(crate) struct DomainArg {
    /// Domain name, id or uuid
    pub(crate) domain: String,
}

/// The domain `text` names (a name, an id or a UUID).
pub(crate) async fn domain(conn: &Connection, text: &str) -> Result<DomainRef, CommandError> {
    conn.lookup(text)
        .await
        .map_err(|e| CommandError::while_doing(format!("failed to get domain '{text}'"), e))
}
