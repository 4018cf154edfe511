//! The connection a command runs on: the URI from `-c` or `LIBVIRT_DEFAULT_URI`, the process's
//! credentials (auth.conf, `ESX_PASSWORD`, the terminal), opened for one command and closed after
//! it; logging to stderr (`ESX_VIRSH_LOG`); and virsh's blank line after the output.

use std::sync::OnceLock;
use std::time::Duration;

use clap::Args;
use esx_driver::auth::CredentialSources;
use esx_driver::console::escape_controls;
use esx_driver::driver::{Connection, Error, Timeouts};
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
        env = "LIBVIRT_DEFAULT_URI",
        // The URI may hold a password: --help must not print the variable's value.
        hide_env_values = true
    )]
    connect: Option<String>,
    /// Give up on a call to the server after SECONDS (default 300; connecting: 15 at most)
    #[arg(
        long = "timeout",
        value_name = "SECONDS",
        global = true,
        env = "ESX_VIRSH_TIMEOUT",
        value_parser = Timeouts::parse_seconds
    )]
    timeout: Option<Duration>,
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
    QUIET.store(global.quiet, std::sync::atomic::Ordering::Relaxed);
    let timeouts = global
        .timeout
        .map_or_else(Timeouts::default, Timeouts::with_call_limit);
    let _ = TIMEOUTS.set(timeouts);
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
    output.push_str(crate::output::end_of_command(&output, global.quiet));
    Ok(output)
}

/// Whether -q was given, for commands that would otherwise show progress on stderr.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the command runs with -q (no blank line, no progress bar).
pub(crate) fn is_quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// The limits `--timeout` / `ESX_VIRSH_TIMEOUT` set, for every connection the command opens.
static TIMEOUTS: OnceLock<Timeouts> = OnceLock::new();

/// A connection to `uri` with the process's credentials and timeouts: the command's own, or a
/// second one (`migrate`'s destination). What the URI parser noticed is printed once, as virsh
/// prints warnings; a parameter that is valid but moot (`no_verify` with `transport=http`) is
/// not: libvirt accepts such a URI silently.
pub(crate) async fn open(uri: &str) -> Result<Connection, Error> {
    let uri = ConnectUri::parse(uri)?;
    for warning in &uri.warnings {
        if !matches!(warning, UriWarning::TlsParameterWithHttp(_)) {
            eprintln!("warning: {}", escape_controls(&warning.to_string()));
        }
    }
    let timeouts = TIMEOUTS.get().cloned().unwrap_or_default();
    Connection::open_uri_with_timeouts(uri, &CredentialSources::from_process(), timeouts).await
}

/// Logging to stderr, filtered by `ESX_VIRSH_LOG` (warnings by default).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ESX_VIRSH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .event_format(esx_driver::console::VirshLogFormat)
        .try_init();
}
