//! Lists every VM of an ESX host or vCenter with its power state: `name<TAB>powerState` lines
//! sorted by name, then `N VMs`.
//!
//! ```sh
//! cargo run -p esx-vi --example list_vms -- --url https://esx.example.com --user root \
//!     --password secret [--no-verify | --thumbprint AA:BB:... | --cacert ca.pem] [--page-size N]
//! ```
//!
//! The password may also come from the `ESX_PASSWORD` environment variable.

use std::process::ExitCode;

use clap::Parser;
use esx_vi::types::{AnyValue, VirtualMachineProperties};
use esx_vi::{Client, ConnectOptions, Credentials, Thumbprint};
use futures_util::TryStreamExt;

/// List the VMs of an ESX host or vCenter with their power state.
#[derive(Debug, Parser)]
#[command(name = "list_vms")]
struct Args {
    /// The server URL, e.g. https://esx.example.com
    #[arg(long)]
    url: String,
    /// The user name.
    #[arg(long)]
    user: String,
    /// The password.
    #[arg(long, env = "ESX_PASSWORD", hide_env_values = true)]
    password: String,
    /// Accept any server certificate (tests and lab hosts only).
    #[arg(long, conflicts_with_all = ["thumbprint", "cacert"])]
    no_verify: bool,
    /// Accept exactly the server certificate with this SHA-256 thumbprint (AA:BB:...).
    #[arg(long, conflicts_with = "cacert")]
    thumbprint: Option<String>,
    /// Trust the CA certificates of this PEM file in addition to the system's.
    #[arg(long)]
    cacert: Option<std::path::PathBuf>,
    /// The most objects per RetrievePropertiesEx page (default: as many as the server sends).
    #[arg(long)]
    page_size: Option<u32>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(lines) => {
            print!("{lines}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Everything to print, built in full before printing so that a failure prints nothing else.
async fn run(args: Args) -> Result<String, String> {
    let mut options = ConnectOptions::new().credentials(Credentials::new(args.user, args.password));
    if let Some(page_size) = args.page_size {
        options = options.page_size(page_size);
    }
    if args.no_verify {
        options = options.no_verify();
    } else if let Some(thumbprint) = &args.thumbprint {
        let thumbprint: Thumbprint = thumbprint
            .parse()
            .map_err(|e| format!("--thumbprint: {e}"))?;
        options = options.pin_thumbprint(thumbprint);
    } else if let Some(ca) = args.cacert {
        options = options.ca_file(ca);
    }
    let client = Client::connect(&args.url, options)
        .await
        .map_err(|e| e.report().to_string())?;
    // Streamed page by page: only the rows are kept, whatever the inventory's size.
    let mut rows: Vec<(String, String)> = client
        .list_stream::<VirtualMachineProperties>(&["name", "runtime.powerState"])
        .map_ok(|vm| {
            let state = match vm.path("runtime.powerState") {
                Some(AnyValue::VirtualMachinePowerState(state)) => state.as_str().to_owned(),
                _ => "unknown".to_owned(),
            };
            (vm.name.unwrap_or_default(), state)
        })
        .try_collect()
        .await
        .map_err(|e: esx_vi::Error| e.report().to_string())?;
    rows.sort();
    if let Err(e) = client.logout().await {
        // A failed logout does not spoil a listing that succeeded: say so on stderr only.
        eprintln!("warning: logout failed: {}", e.report());
    }
    let mut out = String::new();
    for (name, state) in &rows {
        out.push_str(&format!("{name}\t{state}\n"));
    }
    out.push_str(&format!("{} VMs\n", rows.len()));
    Ok(out)
}
