//! libvirt's storage documents: `<pool>` and `<volume>` written as libvirt 11's
//! `virStoragePoolDefFormat` / `virStorageVolDefFormat` write them for the ESX driver (two-space
//! indentation, single-quoted attributes, sizes in bytes), and the `<volume>` of `vol-create` /
//! `vol-create-from` read back. Pure text: no client here.

use std::fmt::Write as _;

use super::pool::{PoolKind, StoragePool};
use super::volume::{NewVolume, Volume, VolumeFormat};
use crate::domain::escape_into;
use crate::domain::xmltree::parse_xml_tree;
use crate::driver::error::{Error, Result};

fn escaped(text: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, text);
    out
}

/// The `<pool>` document of a datastore or an iSCSI target. libvirt's ESX driver leaves the
/// target permissions zeroed, which its formatter prints as mode `00`, owner and group `0`:
/// kept, so that documents compare equal with libvirt's.
///
/// An iSCSI target is printed as libvirt 11 prints it, so that documents compare equal: the
/// *target's* IQN in `<initiator><iqn name=.../></initiator>` (the element libvirt's own iSCSI
/// pools use for the initiator's name) and no target path. Defining that document on a Linux host
/// would need the IQN moved to `<device path=.../>`; the README says so.
pub fn format_pool_xml(pool: &StoragePool) -> Result<String> {
    if let PoolKind::Other(kind) = &pool.kind {
        return Err(Error::Internal(format!(
            "DatastoreInfo has unexpected type '{kind}'"
        )));
    }
    let mut out = String::new();
    let _ = writeln!(out, "<pool type='{}'>", pool.kind.type_name());
    let _ = writeln!(out, "  <name>{}</name>", escaped(&pool.name));
    let _ = writeln!(out, "  <uuid>{}</uuid>", pool.uuid);
    let _ = writeln!(out, "  <capacity unit='bytes'>{}</capacity>", pool.capacity);
    let _ = writeln!(
        out,
        "  <allocation unit='bytes'>{}</allocation>",
        pool.allocation()
    );
    let _ = writeln!(
        out,
        "  <available unit='bytes'>{}</available>",
        pool.available
    );
    out.push_str("  <source>\n");
    match &pool.kind {
        PoolKind::Vmfs => out.push_str("    <format type='vmfs'/>\n"),
        PoolKind::Nas { host, dir, format } => {
            let _ = writeln!(out, "    <host name='{}'/>", escaped(host));
            let _ = writeln!(out, "    <dir path='{}'/>", escaped(dir));
            let _ = writeln!(out, "    <format type='{format}'/>");
        }
        PoolKind::Iscsi(target) => {
            match target.port {
                Some(port) => {
                    let _ = writeln!(
                        out,
                        "    <host name='{}' port='{port}'/>",
                        escaped(&target.address)
                    );
                }
                None => {
                    let _ = writeln!(out, "    <host name='{}'/>", escaped(&target.address));
                }
            }
            let _ = writeln!(
                out,
                "    <initiator>\n      <iqn name='{}'/>\n    </initiator>",
                escaped(&target.iqn)
            );
        }
        PoolKind::Local | PoolKind::Other(_) => {}
    }
    out.push_str("  </source>\n");
    out.push_str("  <target>\n");
    if !matches!(pool.kind, PoolKind::Iscsi(_)) {
        let _ = writeln!(out, "    <path>{}</path>", escaped(&pool.mount_path));
    }
    out.push_str(
        "    <permissions>\n      <mode>00</mode>\n      <owner>0</owner>\n      \
         <group>0</group>\n    </permissions>\n",
    );
    out.push_str("  </target>\n</pool>\n");
    Ok(out)
}

/// The `<volume>` document of a volume. A LUN is a `block` volume without `<format>`, as libvirt
/// 11 prints it (its iSCSI pools have no volume formats).
pub fn format_volume_xml(volume: &Volume, key: &str) -> String {
    let mut out = format!("<volume type='{}'>\n", volume.vol_type());
    let _ = writeln!(out, "  <name>{}</name>", escaped(&volume.name));
    let _ = writeln!(out, "  <key>{}</key>", escaped(key));
    let _ = writeln!(
        out,
        "  <capacity unit='bytes'>{}</capacity>",
        volume.capacity
    );
    let _ = writeln!(
        out,
        "  <allocation unit='bytes'>{}</allocation>",
        volume.allocation
    );
    out.push_str("  <target>\n");
    let _ = writeln!(out, "    <path>{}</path>", escaped(&volume.path()));
    if volume.lun.is_none() {
        let _ = writeln!(out, "    <format type='{}'/>", volume.format.name());
    }
    out.push_str("  </target>\n</volume>\n");
    out
}

/// Reads a `<volume>` document (what `vol-create` and `vol-create-from` take).
pub fn parse_volume_xml(text: &str) -> Result<NewVolume> {
    let bad = |message: String| Error::InvalidArg(format!("bad volume XML: {message}"));
    let root = parse_xml_tree(text).map_err(|e| bad(e.to_string()))?;
    if root.name != "volume" {
        return Err(bad(format!(
            "expected a <volume> document, not <{}>",
            root.name
        )));
    }
    if let Some(kind) = root.attr("type") {
        if kind != "file" {
            return Err(Error::Internal(
                "Creating non-file volumes is not supported".into(),
            ));
        }
    }
    let name = root
        .child("name")
        .map(|n| n.text().trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad("missing volume name element".into()))?;
    let size = |element: &str| -> Result<Option<u64>> {
        let Some(e) = root.child(element) else {
            return Ok(None);
        };
        let value = e.text();
        let unit = e.attr("unit").unwrap_or("bytes");
        scaled_bytes(value.trim(), unit)
            .map(Some)
            .map_err(|why| bad(format!("malformed <{element}> '{}': {why}", value.trim())))
    };
    let capacity = size("capacity")?.ok_or_else(|| bad("missing capacity element".into()))?;
    let allocation = size("allocation")?;
    let format = root
        .child("target")
        .and_then(|t| t.child("format"))
        .and_then(|f| f.attr("type"))
        .map(str::to_owned);
    Ok(NewVolume {
        name,
        capacity,
        allocation,
        format,
    })
}

/// A number with a libvirt unit (`virScaleInteger`): `b`/`bytes`, `KB`/`MB`/... powers of 1000,
/// `K`/`KiB`/`M`/`MiB`/... powers of 1024. The text of the error is virsh's cause.
pub fn scaled_bytes(number: &str, unit: &str) -> std::result::Result<u64, String> {
    let value: u64 = number
        .parse()
        .map_err(|_| format!("'{number}' is not a number"))?;
    let scale = unit_scale(unit).ok_or_else(|| format!("unknown suffix '{unit}'"))?;
    value
        .checked_mul(scale)
        .ok_or_else(|| format!("numerical overflow: value too large: {number}{unit}"))
}

/// The factor of a libvirt size unit; `None` for an unknown one.
pub fn unit_scale(unit: &str) -> Option<u64> {
    let (power, base): (u32, u64) = match unit {
        "" | "b" | "B" | "byte" | "bytes" => (0, 1024),
        "k" | "K" | "KiB" | "kib" => (1, 1024),
        "KB" | "kB" | "kb" => (1, 1000),
        "m" | "M" | "MiB" | "mib" => (2, 1024),
        "MB" | "mb" => (2, 1000),
        "g" | "G" | "GiB" | "gib" => (3, 1024),
        "GB" | "gb" => (3, 1000),
        "t" | "T" | "TiB" | "tib" => (4, 1024),
        "TB" | "tb" => (4, 1000),
        "p" | "P" | "PiB" | "pib" => (5, 1024),
        "PB" | "pb" => (5, 1000),
        "e" | "E" | "EiB" | "eib" => (6, 1024),
        "EB" | "eb" => (6, 1000),
        _ => return None,
    };
    Some(base.pow(power))
}

impl VolumeFormat {
    /// libvirt's name of the format (`<format type=...>`).
    pub fn name(&self) -> &'static str {
        match self {
            VolumeFormat::Vmdk => "vmdk",
            VolumeFormat::Iso => "iso",
            VolumeFormat::Raw => "raw",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_documents_read_their_sizes_in_any_unit() {
        let def = parse_volume_xml(
            "<volume><name>d/a.vmdk</name><capacity unit='G'>2</capacity>\
             <allocation>0</allocation><target><format type='vmdk'/></target></volume>",
        )
        .unwrap();
        assert_eq!(def.name, "d/a.vmdk");
        assert_eq!(def.capacity, 2 << 30);
        assert_eq!(def.allocation, Some(0));
        assert_eq!(def.format.as_deref(), Some("vmdk"));
        assert!(parse_volume_xml("<volume><name>x</name></volume>").is_err());
        assert!(parse_volume_xml("<pool/>").is_err());
        assert!(
            parse_volume_xml("<volume><name>x</name><capacity unit='Q'>1</capacity></volume>")
                .is_err()
        );
        assert!(parse_volume_xml(
            "<volume><name>x</name><capacity unit='E'>99999</capacity></volume>"
        )
        .is_err());
    }
}
