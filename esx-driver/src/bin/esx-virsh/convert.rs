//! Conversions without a connection: `domxml-from-native` (a VMX file to domain XML) and
//! `domxml-to-native` (domain XML to a VMX file).

use std::path::Path;

use clap::{Args, Subcommand};
use esx_driver::domain::parse_domain_xml;
use esx_driver::vmx::{self, OfflineContext, VmxFile};

use crate::error::CommandError;

/// The native formats these commands understand (virsh's names).
const SUPPORTED_FORMATS: &[&str] = &["vmware-vmx"];

#[derive(Debug, Args)]
pub(crate) struct FromNativeArgs {
    /// Native format of the input: vmware-vmx.
    format: String,
    /// The VMX file to convert, or '-' for standard input.
    #[arg(value_name = "CONFIG")]
    file: String,
}

#[derive(Debug, Args)]
pub(crate) struct ToNativeArgs {
    /// Native format of the output: vmware-vmx.
    format: String,
    /// The domain XML file to convert, or '-' for standard input.
    #[arg(value_name = "XML")]
    file: Option<String>,
    /// virtualHW.version of the VMX written, from 4 (ESX 3.5) to 21 (ESXi 8.0 U2); the default is
    /// the newest this converter supports
    #[arg(long, value_name = "N", default_value_t = vmx::NEWEST_HW_VERSION)]
    hw_version: u32,
}

/// The conversion commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Convert a native VM configuration (a VMX file) to libvirt domain XML.
    DomxmlFromNative(FromNativeArgs),
    /// Convert libvirt domain XML to a native VM configuration (a VMX file).
    DomxmlToNative(ToNativeArgs),
}

impl Command {
    /// Runs the conversion and returns what to print.
    pub(crate) fn run(self) -> Result<String, CommandError> {
        match self {
            Command::DomxmlFromNative(args) => from_native(&args),
            Command::DomxmlToNative(args) => to_native(&args),
        }
    }
}

fn check_format(format: &str) -> Result<(), CommandError> {
    if SUPPORTED_FORMATS.contains(&format) {
        Ok(())
    } else {
        Err(CommandError::new(format!(
            "unsupported native format '{format}'; supported: {}",
            SUPPORTED_FORMATS.join(", ")
        )))
    }
}

fn read_input(file: &str) -> Result<Vec<u8>, CommandError> {
    esx_driver::input::read_document(file).map_err(|e| match file {
        "-" => CommandError::new(format!("cannot read standard input: {e}")),
        _ => CommandError::new(format!("cannot read '{file}': {e}")),
    })
}

/// The offline context for a VMX file: when the file itself lives on a datastore
/// (`/vmfs/volumes/<ds>/<dir>/x.vmx`, e.g. run on an ESXi shell), relative disk names resolve
/// against its `[ds] dir`; otherwise they are kept relative.
fn context_for(file: &str) -> OfflineContext {
    let context = OfflineContext::new();
    if file == "-" {
        return context;
    }
    let path = std::fs::canonicalize(file).unwrap_or_else(|_| Path::new(file).to_path_buf());
    let Some(text) = path.to_str() else {
        return context;
    };
    let Some(rest) = text.strip_prefix("/vmfs/volumes/") else {
        return context;
    };
    let Some((datastore, file_path)) = rest.split_once('/') else {
        return context;
    };
    let directory = file_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    context.with_vmx_location(datastore, directory)
}

fn from_native(args: &FromNativeArgs) -> Result<String, CommandError> {
    check_format(&args.format)?;
    let bytes = read_input(&args.file)?;
    let vmx = VmxFile::parse(&bytes)?;
    let domain = vmx::vmx_to_domain(&vmx, &context_for(&args.file))?;
    // Like libvirt's ESX driver: the inactive definition, without the VNC password.
    Ok(domain.to_xml())
}

fn to_native(args: &ToNativeArgs) -> Result<String, CommandError> {
    check_format(&args.format)?;
    if !(vmx::OLDEST_HW_VERSION..=vmx::NEWEST_HW_VERSION).contains(&args.hw_version) {
        return Err(CommandError::new(format!(
            "--hw-version {} is not supported; expected {} to {}",
            args.hw_version,
            vmx::OLDEST_HW_VERSION,
            vmx::NEWEST_HW_VERSION
        )));
    }
    // virsh's words: it would also take --domain, a defined domain, which this offline
    // conversion has not.
    let file = args
        .file
        .as_deref()
        .ok_or_else(|| CommandError::new("need either domain or domain XML"))?;
    let bytes = read_input(file)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CommandError::new(format!("'{file}' is not UTF-8 text")))?;
    let domain = parse_domain_xml(&text)?;
    let vmx = vmx::domain_to_vmx(&domain, &OfflineContext::new(), args.hw_version)?;
    Ok(vmx.to_text())
}
