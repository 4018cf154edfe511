//! The connection a command runs on: the URI from `-c` or `LIBVIRT_DEFAULT_URI`, the process's
//! credentials (auth.conf, `ESX_PASSWORD`, the terminal), opened for one command and closed after
//! it; logging to stderr (`ESX_VIRSH_LOG`); and virsh's blank line after the output.

use clap::Args;
use esx_driver::auth::CredentialSources;
use esx_driver::driver::{Connection, Error};
use esx_driver::uri::{ConnectUri, UriWarning};

use crate::error::CommandError;
use crate::ConnectedCommand;

/// Options every connected command shares.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Hypervisor connection URI (esx://host/, vpx://vcenter/dc/cluster/host, gsx://host/)
    #[arg(
        short = 'c',
        long = "connect",
        value_name = "URI",
        global = true,
        env = "LIBVIRT_DEFAULT_URI"
    )]
    connect: Option<String>,
    /// Quiet mode: no blank line after each command's output
    #[arg(short = 'q', long = "quiet", global = true)]
    quiet: bool,
}

impl GlobalArgs {
    /// The connection URI, from `-c` or `LIBVIRT_DEFAULT_URI`.
    pub(crate) fn uri(&self) -> Option<&str> {
        self.connect.as_deref()
    }

    /// Whether `-q` asks for no blank line after each command's output.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }
}

/// The failure when no URI is given.
pub(crate) fn no_uri() -> CommandError {
    CommandError::new(
        "no connection URI: give -c URI (e.g. -c esx://root@host/) or set LIBVIRT_DEFAULT_URI",
    )
}

/// Opens the connection, runs `command` on it, closes it, and returns what to print.
pub(crate) fn run(global: &GlobalArgs, command: ConnectedCommand) -> Result<String, CommandError> {
    init_logging();
    let Some(uri) = global.uri() else {
        return Err(no_uri());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::new(format!("cannot start the async runtime: {e}")))?;
    let mut output = runtime.block_on(async {
        let conn = open(uri)
            .await
            .map_err(|e| CommandError::while_doing("failed to connect to the hypervisor", e))?;
        let result = command.run(&conn).await;
        if let Err(e) = conn.close().await {
            tracing::debug!("logout failed: {}", e.report());
        }
        result
    })?;
    if !global.quiet {
        output.push('\n');
    }
    Ok(output)
}

/// A connection to `uri` with the process's credentials: the command's own, or a second one
/// (`migrate`'s destination). What the URI parser noticed is printed once, as virsh prints
/// warnings; a parameter that is valid but moot (`no_verify` with `transport=http`) is not:
/// libvirt accepts such a URI silently.
pub(crate) async fn open(uri: &str) -> Result<Connection, Error> {
    let uri = ConnectUri::parse(uri)?;
    for warning in &uri.warnings {
        if !matches!(warning, UriWarning::TlsParameterWithHttp(_)) {
            eprintln!("warning: {warning}");
        }
    }
    Connection::open_uri(uri, &CredentialSources::from_process()).await
}

/// Logging to stderr, filtered by `ESX_VIRSH_LOG` (warnings by default).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ESX_VIRSH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .try_init();
}
