//! Serial and parallel ports both ways: `serialN.*` / `parallelN.*` entries <-> libvirt's
//! `<serial>` / `<parallel>` character devices, as libvirt's `virVMXParseSerial`,
//! `virVMXParseParallel`, `virVMXFormatSerial` and `virVMXFormatParallel`.
//!
//! Serial ports are a host device, a file on a datastore, a named pipe or a network socket
//! (`telnet://host:port`...); parallel ports a host device or a file.

use crate::domain::{Chr, ChrSource, ChrSourceMode, ChrTcpProtocol};

use super::context::VmxContext;
use super::entries::{join, Entries, Key};
use super::Error;

/// Serial ports a VM can have (`serial0`..`serial3`).
pub(crate) const SERIAL_PORTS: u32 = 4;

/// Parallel ports a VM can have (`parallel0`..`parallel2`).
pub(crate) const PARALLEL_PORTS: u32 = 3;

/// Serial port `port`, or `None` when it is not present.
pub(crate) fn read_serial(vmx: &Entries<'_>, port: u32) -> Result<Option<Chr>, Error> {
    let prefix = format!("serial{port}");
    let key = |name: &str| Key::of(&prefix, name);
    if !vmx.boolean(&key("present"), false)? {
        return Ok(None);
    }
    vmx.boolean(&key("startConnected"), true)?;
    let file_type = vmx.string(&key("fileType"));
    let file_name_key = key("fileName");
    let file_name = vmx.string(&file_name_key);
    let end_point_key = key("network.endPoint");
    let end_point = vmx.string(&end_point_key);
    let is = |name: &str| file_type.is_some_and(|t| t.eq_ignore_ascii_case(name));

    let source = if file_type.is_none() || is("device") {
        // The default fileType is "device"; VMware sometimes omits it.
        ChrSource::Dev {
            path: file_name.unwrap_or_default().to_owned(),
        }
    } else if is("file") {
        let name = file_name.ok_or_else(|| Error::Missing(file_name_key.to_string()))?;
        ChrSource::File {
            path: vmx.file_name(name, &file_name_key)?,
            append: None,
        }
    } else if is("pipe") {
        // Pipe names are host-side names, not datastore files: kept as written.
        ChrSource::Pipe {
            path: file_name.unwrap_or_default().to_owned(),
        }
    } else if is("network") {
        match file_name.filter(|f| f.contains("://")) {
            // vSPC proxies and unset URIs have no libvirt form; libvirt shows them as null.
            None => ChrSource::Null,
            Some(uri) => network_source(uri, &file_name_key, end_point, &end_point_key)?,
        }
    } else {
        return Err(Error::entry(
            key("fileType"),
            "'device', 'file' or 'pipe' or 'network'",
            file_type.unwrap_or_default(),
        ));
    };
    Ok(Some(Chr {
        source,
        target_type: None,
        target_port: port,
    }))
}

/// A network serial port's `fileName` URI (`telnet://host:port`) and `network.endPoint`.
fn network_source(
    uri: &str,
    file_name_key: &str,
    end_point: Option<&str>,
    end_point_key: &str,
) -> Result<ChrSource, Error> {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':').unwrap_or("")),
            None => (bracketed, ""),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (authority, ""),
        }
    };
    let port: u32 = match port.parse() {
        Ok(port) if port > 0 && port <= 65535 => port,
        _ => {
            return Err(Error::Vmx(format!(
                "VMX entry '{file_name_key}' doesn't contain a port part (found '{uri}', \
                 expected e.g. 'telnet://0.0.0.0:42001')"
            )))
        }
    };
    let protocol = match scheme.to_ascii_lowercase().as_str() {
        "" | "tcp" | "tcp4" | "tcp6" => ChrTcpProtocol::Raw,
        "telnet" => ChrTcpProtocol::Telnet,
        "telnets" => ChrTcpProtocol::Telnets,
        "ssl" | "tcp+ssl" | "tcp4+ssl" | "tcp6+ssl" => ChrTcpProtocol::Tls,
        _ => {
            return Err(Error::Vmx(format!(
                "VMX entry '{file_name_key}' contains unsupported scheme '{scheme}' \
                 (expected tcp, telnet, telnets or ssl)"
            )))
        }
    };
    let mode = match end_point {
        None => ChrSourceMode::Bind,
        Some(e) if e.eq_ignore_ascii_case("server") => ChrSourceMode::Bind,
        Some(e) if e.eq_ignore_ascii_case("client") => ChrSourceMode::Connect,
        Some(e) => return Err(Error::entry(end_point_key, "'server' or 'client'", e)),
    };
    Ok(ChrSource::Tcp {
        mode,
        host: Some(host.to_owned()),
        service: Some(port.to_string()),
        protocol,
    })
}

/// Parallel port `port`, or `None` when it is not present.
pub(crate) fn read_parallel(vmx: &Entries<'_>, port: u32) -> Result<Option<Chr>, Error> {
    let prefix = format!("parallel{port}");
    let key = |name: &str| Key::of(&prefix, name);
    if !vmx.boolean(&key("present"), false)? {
        return Ok(None);
    }
    vmx.boolean(&key("startConnected"), true)?;
    let file_type = vmx.required(&key("fileType"))?;
    let file_name_key = key("fileName");
    let file_name = vmx.required(&file_name_key)?;
    let source = if file_type.eq_ignore_ascii_case("device") {
        ChrSource::Dev {
            path: file_name.to_owned(),
        }
    } else if file_type.eq_ignore_ascii_case("file") {
        ChrSource::File {
            path: vmx.file_name(file_name, &file_name_key)?,
            append: None,
        }
    } else {
        return Err(Error::entry(
            key("fileType"),
            "'device' or 'file'",
            file_type,
        ));
    };
    Ok(Some(Chr {
        source,
        target_type: None,
        target_port: port,
    }))
}

/// Checks a serial or parallel port index against the number of ports VMware offers and returns
/// it with the `serialN`/`parallelN` key prefix (libvirt's range message, `Kind port index N out
/// of [0..MAX] range`).
fn port_prefix(kind: &str, key: &str, port: u32, ports: u32) -> Result<(u32, String), Error> {
    if port >= ports {
        return Err(Error::Domain(format!(
            "{kind} port index {port} out of [0..{}] range",
            ports - 1
        )));
    }
    Ok((port, format!("{key}{port}")))
}

/// Appends the entries of every serial port to `out`. `skip_null` leaves ports of type `null`
/// out instead of refusing them (an existing file keeps its own entries for such a port).
pub(crate) fn write_serials(
    serials: &[Chr],
    ctx: &dyn VmxContext,
    skip_null: bool,
    out: &mut Vec<(String, String)>,
) -> Result<(), Error> {
    for serial in serials {
        let (port, prefix) = port_prefix("Serial", "serial", serial.target_port, SERIAL_PORTS)?;
        if matches!(serial.source, ChrSource::Null) && skip_null {
            continue;
        }
        let mut put = |name: &str, value: String| out.push((join(&prefix, name), value));
        put(".present", "true".to_owned());
        match &serial.source {
            ChrSource::Dev { path } => {
                put(".fileType", "device".to_owned());
                put(".fileName", path.clone());
            }
            ChrSource::File { path, .. } => {
                put(".fileType", "file".to_owned());
                put(".fileName", ctx.format_file_name(path)?);
            }
            ChrSource::Pipe { path } => {
                put(".fileType", "pipe".to_owned());
                // VI client defaults: the far end is an application acting as server.
                put(".pipe.endPoint", "client".to_owned());
                put(".tryNoRxLoss", "false".to_owned());
                put(".fileName", path.clone());
            }
            ChrSource::Tcp {
                mode,
                host,
                service,
                protocol,
            } => {
                let scheme = match protocol {
                    ChrTcpProtocol::Raw => "tcp",
                    ChrTcpProtocol::Telnet => "telnet",
                    ChrTcpProtocol::Telnets => "telnets",
                    ChrTcpProtocol::Tls => "ssl",
                };
                let host = host.as_deref().unwrap_or_default();
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.to_owned()
                };
                put(".fileType", "network".to_owned());
                put(
                    ".fileName",
                    format!(
                        "{scheme}://{host}:{}",
                        service.as_deref().unwrap_or_default()
                    ),
                );
                let end_point = if *mode == ChrSourceMode::Bind {
                    "server"
                } else {
                    "client"
                };
                put(".network.endPoint", end_point.to_owned());
            }
            other => {
                return Err(Error::Domain(format!(
                    "Unsupported character device type '{}' for serial port {port} \
                     (VMware offers 'dev', 'file', 'pipe' and 'tcp')",
                    other.type_name()
                )))
            }
        }
        // VI client default.
        put(".yieldOnMsrRead", "true".to_owned());
    }
    Ok(())
}

/// Appends the entries of every parallel port to `out`.
pub(crate) fn write_parallels(
    parallels: &[Chr],
    ctx: &dyn VmxContext,
    out: &mut Vec<(String, String)>,
) -> Result<(), Error> {
    for parallel in parallels {
        let (port, prefix) =
            port_prefix("Parallel", "parallel", parallel.target_port, PARALLEL_PORTS)?;
        let mut put = |name: &str, value: String| out.push((join(&prefix, name), value));
        put(".present", "true".to_owned());
        match &parallel.source {
            ChrSource::Dev { path } => {
                put(".fileType", "device".to_owned());
                put(".fileName", path.clone());
            }
            ChrSource::File { path, .. } => {
                put(".fileType", "file".to_owned());
                put(".fileName", ctx.format_file_name(path)?);
            }
            other => {
                return Err(Error::Domain(format!(
                    "Unsupported character device type '{}' for parallel port {port} \
                     (VMware offers 'dev' and 'file')",
                    other.type_name()
                )))
            }
        }
    }
    Ok(())
}
