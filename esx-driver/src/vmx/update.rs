//! Applying a domain to an existing VMX file: the entries the converter manages are rewritten,
//! everything else (PCI slots, tools settings, VMware's own bookkeeping) is kept in place.

use super::context::VmxContext;
use super::file::{unescape_hex, VmxFile};
use super::from_domain::domain_entries;
use super::to_domain::vmx_to_domain;
use super::{strip_prefix_ignore_case, Error};
use crate::domain::Domain;

/// Top-level entries owned by the converter: rewritten from the domain, removed when the domain
/// no longer sets them.
const OWNED_KEYS: &[&str] = &[
    "uuid.bios",
    "uuid.action",
    "vc.uuid",
    "displayName",
    "annotation",
    "memsize",
    "sched.mem.max",
    "sched.mem.minsize",
    "numvcpus",
    "cpuid.coresPerSocket",
    "sched.cpu.affinity",
    "sched.cpu.shares",
    "vm.genid",
    "vm.genidX",
    "smbios.reflecthost",
    "RemoteDisplay.vnc.enabled",
    "RemoteDisplay.vnc.port",
    "RemoteDisplay.vnc.ip",
    "RemoteDisplay.vnc.keymap",
    "RemoteDisplay.vnc.password",
    "isolation.tools.hgfs.disable",
    "sharedFolder.maxNum",
    "svga.vramSize",
    "firmware",
    "uefi.secureBoot.enabled",
    "nvram",
];

/// Entries of a device the domain fully describes: rewritten from it, and removed when the
/// device stays but the domain no longer sets them.
const DEVICE_KEYS: &[&str] = &[
    "deviceType",
    "fileName",
    "fileType",
    "writeThrough",
    "virtualDev",
    "features",
    "connectionType",
    "networkName",
    "vnet",
    "addressType",
    "address",
    "generatedAddress",
    "checkMACAddress",
    "dvs.switchId",
    "dvs.portId",
    "dvs.portgroupId",
    "dvs.connectionId",
    "network.endPoint",
    "writeAccess",
    "hostPath",
    "guestName",
];

/// Entries the converter writes with a fixed default because the domain cannot express them
/// (pipe end points, VI client settings): an existing device keeps its own.
const UNREPRESENTED_KEYS: &[&str] = &[
    "pipe.endPoint",
    "tryNoRxLoss",
    "yieldOnMsrRead",
    "generatedAddressOffset",
    "readAccess",
    "enabled",
];

/// Values whose case matters (names, paths, free text); other values compare case-insensitively.
const CASE_SENSITIVE: &[&str] = &[
    "displayName",
    "annotation",
    "fileName",
    "hostPath",
    "guestName",
    "networkName",
    "vnet",
    "nvram",
    "RemoteDisplay.vnc.keymap",
    "RemoteDisplay.vnc.password",
    "RemoteDisplay.vnc.ip",
    "dvs.portgroupId",
];

fn is_one_of(name: &str, list: &[&str]) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// The device a key belongs to (`scsi0:1`, `ethernet2`, `floppy0`...), if any, and the rest.
fn device_of(key: &str) -> Option<(&str, &str)> {
    let lower_starts =
        |prefix: &str| strip_prefix_ignore_case(key, prefix).is_some_and(|r| !r.is_empty());
    let kind_len = [
        "ethernet",
        "serial",
        "parallel",
        "sharedFolder",
        "floppy",
        "scsi",
        "sata",
        "ide",
        "nvme",
    ]
    .iter()
    .find(|prefix| lower_starts(prefix))?
    .len();
    let rest = &key[kind_len..];
    let mut end = rest.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 {
        return None;
    }
    if rest.as_bytes().get(end) == Some(&b':') {
        let unit = rest[end + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if unit == 0 {
            return None;
        }
        end += 1 + unit;
    }
    if rest.as_bytes().get(end) != Some(&b'.') {
        return None;
    }
    Some((&key[..kind_len + end], &rest[end + 1..]))
}

fn is_disk_slot(device: &str) -> bool {
    device.contains(':') || strip_prefix_ignore_case(device, "floppy").is_some()
}

fn is_controller(device: &str) -> bool {
    !device.contains(':')
        && ["scsi", "sata", "nvme"]
            .iter()
            .any(|p| strip_prefix_ignore_case(device, p).is_some_and(|r| !r.is_empty()))
}

/// Whether the base file's device shows in the domain converted from it: absent devices and
/// client-connected drives do not, so the domain says nothing about them and they are kept.
fn represented(base: &VmxFile, device: &str) -> bool {
    let flag = |name: &str| base.get(&format!("{device}.{name}"));
    let present = flag("present").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let client = flag("clientDevice").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let shared_folder = strip_prefix_ignore_case(device, "sharedFolder").is_some();
    let enabled = flag("enabled").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    present && !(is_disk_slot(device) && client) && (!shared_folder || enabled)
}

/// Whether the file's value `old` and the domain's value `new` for `key` (entry `name` of a
/// device, or the key itself) mean the same, so the file's spelling can stay.
fn same_meaning(ctx: &dyn VmxContext, key: &str, name: &str, old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    if is_one_of(name, &["fileName", "nvram"]) {
        if old.is_empty() && new == "emptyBackingString" {
            return true;
        }
        if let (Some(a), Some(b)) = (network_uri(old), network_uri(new)) {
            return a == b;
        }
        return match (ctx.parse_file_name(old), ctx.parse_file_name(new)) {
            (Ok(Some(a)), Ok(Some(b))) => a == b,
            // A file on an unavailable datastore showed as an empty drive: keep it.
            (Ok(None), _) => new == "emptyBackingString",
            _ => false,
        };
    }
    if name.eq_ignore_ascii_case("sched.cpu.affinity") {
        let set = |v: &str| {
            v.split(',')
                .map(|n| n.trim().parse::<u32>().ok())
                .collect::<Option<std::collections::BTreeSet<u32>>>()
        };
        return set(old).is_some() && set(old) == set(new);
    }
    if is_one_of(name, &["displayName", "annotation"]) {
        let unescape = |v: &str| {
            let v = if name.eq_ignore_ascii_case("displayName") {
                unescape_hex(v, '%')
            } else {
                Some(v.to_owned())
            };
            v.and_then(|v| unescape_hex(&v, '|'))
        };
        return unescape(old).is_some() && unescape(old) == unescape(new);
    }
    let either = |value: &str, options: &[&str]| is_one_of(value, options);
    if name.eq_ignore_ascii_case("addressType")
        && either(old, &["generated", "vpx"])
        && either(new, &["generated", "vpx"])
    {
        return true;
    }
    if name.eq_ignore_ascii_case("deviceType")
        && old.eq_ignore_ascii_case("disk")
        && either(new, &["scsi-hardDisk", "ata-hardDisk"])
    {
        return true;
    }
    if is_one_of(key, CASE_SENSITIVE) || is_one_of(name, CASE_SENSITIVE) {
        return false;
    }
    old.eq_ignore_ascii_case(new)
}

/// A serial port URI with the scheme aliases VMware accepts folded (`tcp4`, `tcp6` -> `tcp`;
/// `tcp+ssl`... -> `ssl`), for comparison.
fn network_uri(value: &str) -> Option<(String, &str)> {
    let (scheme, rest) = value.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let scheme = match scheme.as_str() {
        "tcp4" | "tcp6" => "tcp".to_owned(),
        "tcp+ssl" | "tcp4+ssl" | "tcp6+ssl" => "ssl".to_owned(),
        _ => scheme,
    };
    Some((scheme, rest))
}

/// Whether writing `name = value` into an existing device (or the top level) that lacks the
/// entry would only spell out what VMware assumes anyway.
fn implied_by_absence(key: &str, name: &str, value: &str) -> bool {
    let is = |n: &str, v: &str| name.eq_ignore_ascii_case(n) && value.eq_ignore_ascii_case(v);
    is("connectionType", "bridged")
        || is("addressType", "generated")
        || is("network.endPoint", "server")
        || is("deviceType", "scsi-hardDisk")
        || is("deviceType", "ata-hardDisk")
        || (is("fileType", "device") && key.to_ascii_lowercase().starts_with("serial"))
        || is("present", "false")
        || is("autodetect", "true")
        || is("dvs.portId", "0")
        || is("dvs.connectionId", "0")
        || is("guestOS", "other")
        || is("svga.vramSize", "4194304")
        || is("numvcpus", "1")
        || is("memsize", "32")
        || is("uuid.action", "create")
        || is_one_of(name, UNREPRESENTED_KEYS)
}

/// Applies `domain` to an existing VMX file, as defining an edited domain does.
///
/// Entries the converter manages are rewritten from the domain (and removed when the domain no
/// longer has them); devices that disappeared from the domain lose their entries; everything
/// else — unknown keys, VMware's bookkeeping, entries of devices the domain cannot show (client
/// CD-ROMs, vSPC serial ports) — stays where it was, with its spelling. `config.version`,
/// `virtualHW.version` and `.encoding` are the file's own; `guestOS` is kept unless the domain's
/// architecture changed.
pub fn update_vmx(base: &VmxFile, domain: &Domain, ctx: &dyn VmxContext) -> Result<VmxFile, Error> {
    let hw_version = base
        .get("virtualHW.version")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(super::NEWEST_HW_VERSION);
    let mut fresh = domain_entries(domain, ctx, hw_version, true)?;
    // The converter numbers NICs and shared folders by position; in an existing file they keep
    // the numbers they have (a disabled ethernet6 must not shift ethernet7 down).
    if domain.hwuuid.is_none()
        && base.get("uuid.bios").is_none()
        && base
            .get("vc.uuid")
            .and_then(|v| v.parse::<crate::domain::Uuid>().ok())
            .is_some_and(|vc| Some(vc) == domain.uuid)
    {
        // <uuid> came from vc.uuid and the file has no BIOS UUID: keep it that way.
        fresh.retain(|(k, _)| !k.eq_ignore_ascii_case("uuid.bios"));
    }
    remap_positional(&mut fresh, base, "ethernet", &["present"]);
    remap_positional(&mut fresh, base, "sharedFolder", &["present", "enabled"]);
    if let Some(highest) = fresh
        .iter()
        .filter_map(|(k, _)| device_of(k).filter(|(d, _)| d.starts_with("sharedFolder")))
        .filter_map(|(d, _)| d["sharedFolder".len()..].parse::<u32>().ok())
        .max()
    {
        let base_max = base
            .get("sharedFolder.maxNum")
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0);
        for (key, value) in fresh.iter_mut() {
            if key.eq_ignore_ascii_case("sharedFolder.maxNum") {
                *value = base_max.max(highest + 1).to_string();
            }
        }
    }
    let fresh_get = |key: &str| {
        fresh
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    };
    let mut result = base.clone();

    // Serial ports the domain shows as type 'null' (vSPC proxies...) keep the file's entries.
    let kept_serials: Vec<String> = domain
        .devices
        .serials
        .iter()
        .filter(|s| matches!(s.source, crate::domain::ChrSource::Null))
        .map(|s| format!("serial{}", s.target_port))
        .collect();

    // Remove what the domain no longer has.
    let mut removed_owned = Vec::new();
    let base_entries: Vec<(String, String)> = base
        .entries()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for (key, value) in &base_entries {
        if fresh_get(key).is_some() {
            continue;
        }
        if is_one_of(key, OWNED_KEYS) {
            removed_owned.push((key.clone(), value.clone()));
            result.remove(key);
            continue;
        }
        let Some((device, name)) = device_of(key) else {
            continue;
        };
        if is_controller(device) || !represented(base, device) {
            continue;
        }
        if kept_serials.iter().any(|d| d.eq_ignore_ascii_case(device)) {
            continue;
        }
        if fresh_get(&format!("{device}.present")).is_none() {
            // The device is gone from the domain.
            result.remove(key);
        } else if is_one_of(name, DEVICE_KEYS) {
            removed_owned.push((key.clone(), value.clone()));
            result.remove(key);
        } else if name.eq_ignore_ascii_case("mode")
            && value.eq_ignore_ascii_case("independent-nonpersistent")
        {
            // No longer <transient/>; other modes have no domain form and stay.
            result.remove(key);
        }
    }

    // Write what the domain says.
    for (key, value) in &fresh {
        let (device, name) = match device_of(key) {
            Some((device, name)) => (Some(device), name),
            None => (None, key.as_str()),
        };
        if device.is_none() && !is_one_of(key, OWNED_KEYS) {
            // guestOS is kept unless the architecture changed; the file's own versions,
            // encoding, PCI bridges and VMCI device stay as they are.
            if key.eq_ignore_ascii_case("guestOS") {
                let base_64 = base
                    .get("guestOS")
                    .map(|g| g.to_ascii_lowercase().ends_with("-64"));
                match base_64 {
                    Some(is_64) if is_64 == (value == "other-64") => {}
                    None if value == "other" => {}
                    _ => result.set(key, value),
                }
            }
            continue;
        }
        let base_has_device = device.is_none_or(|d| base.contains_key(&format!("{d}.present")));
        if let Some(device) = device {
            if name.eq_ignore_ascii_case("present")
                && value == "false"
                && !represented(base, device)
            {
                // e.g. floppy0.present = "false" over a client floppy the domain cannot show.
                continue;
            }
        }
        match base.get(key) {
            Some(old) if same_meaning(ctx, key, name, old, value) => {}
            Some(_) if is_one_of(name, UNREPRESENTED_KEYS) => {}
            Some(_) => result.set(key, value),
            None if base_has_device && implied_by_absence(key, name, value) => {}
            None if name.eq_ignore_ascii_case("checkMACAddress")
                && value == "false"
                && device.is_some_and(|d| mac_unchanged(base, &fresh, d)) => {}
            None => result.set(key, value),
        }
    }

    // Entries the domain has no use for may still be neutral (sched.mem.minsize = "0",
    // sched.cpu.affinity = "all", writeThrough = "FALSE"...) or needed (vc.uuid without
    // uuid.bios): put back those that keep the meaning or give exactly the domain.
    if !removed_owned.is_empty() {
        if let Ok(meaning) = vmx_to_domain(&result, ctx) {
            for (key, value) in removed_owned {
                if key.to_ascii_lowercase().starts_with("remotedisplay.vnc.") {
                    // Without <graphics>, no VNC setting (password included) stays behind.
                    continue;
                }
                let mut candidate = result.clone();
                candidate.set(&key, &value);
                if vmx_to_domain(&candidate, ctx).is_ok_and(|d| d == meaning || d == *domain) {
                    result = base_order_restore(base, candidate);
                }
            }
        }
    }
    Ok(result)
}

/// `set` appends entries that are new to the file; an entry put back should keep its place,
/// so rebuild the file from `base` with the candidate's values.
fn base_order_restore(base: &VmxFile, candidate: VmxFile) -> VmxFile {
    let mut rebuilt = base.clone();
    let candidate_keys: Vec<(String, String)> = candidate
        .entries()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let base_keys: Vec<String> = base.entries().map(|(k, _)| k.to_owned()).collect();
    for key in &base_keys {
        if candidate.get(key).is_none() {
            rebuilt.remove(key);
        }
    }
    for (key, value) in &candidate_keys {
        if rebuilt.get(key) != Some(value.as_str()) {
            rebuilt.set(key, value);
        }
    }
    rebuilt
}

/// Renumbers the `kind<N>.` devices of `fresh` (numbered 0, 1, 2... by position) onto the
/// numbers the same devices have in `base`: the i-th device the domain shows is the i-th device
/// of `base` whose `flags` are all true; further devices take numbers `base` does not use.
fn remap_positional(fresh: &mut [(String, String)], base: &VmxFile, kind: &str, flags: &[&str]) {
    let index_of = |key: &str| -> Option<u32> {
        let (device, _) = device_of(key)?;
        strip_prefix_ignore_case(device, kind)?.parse().ok()
    };
    let mut used: Vec<u32> = base.entries().filter_map(|(k, _)| index_of(k)).collect();
    used.sort_unstable();
    used.dedup();
    let shown: Vec<u32> = used
        .iter()
        .copied()
        .filter(|n| {
            flags.iter().all(|flag| {
                base.get(&format!("{kind}{n}.{flag}"))
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            })
        })
        .collect();
    let mut fresh_indices: Vec<u32> = fresh.iter().filter_map(|(k, _)| index_of(k)).collect();
    fresh_indices.sort_unstable();
    fresh_indices.dedup();

    // A NIC is recognized by its MAC address first, so removing one in the middle does not
    // move the others' settings.
    let mut mapping = std::collections::BTreeMap::new();
    let mut taken = Vec::new();
    for &index in &fresh_indices {
        let fresh_mac = mac_of(
            fresh.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            kind,
            index,
        );
        let matched = fresh_mac.and_then(|wanted| {
            shown.iter().copied().find(|&n| {
                !taken.contains(&n)
                    && mac_of(base.entries(), kind, n).as_deref() == Some(wanted.as_str())
            })
        });
        if let Some(n) = matched {
            mapping.insert(index, n);
            taken.push(n);
        }
    }
    // Then a device without MAC pairs with a file device without one, and one whose MAC changed
    // with a file device whose MAC is gone; other devices are new and take a free number.
    let fresh_has_mac = |index: u32| {
        mac_of(
            fresh.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            kind,
            index,
        )
        .is_some()
    };
    for with_mac in [false, true] {
        for &index in &fresh_indices {
            if mapping.contains_key(&index) || fresh_has_mac(index) != with_mac {
                continue;
            }
            let partner = shown.iter().copied().find(|&n| {
                !taken.contains(&n) && mac_of(base.entries(), kind, n).is_some() == with_mac
            });
            if let Some(n) = partner {
                mapping.insert(index, n);
                taken.push(n);
            }
        }
    }
    let mut next_free = 0u32;
    for &index in &fresh_indices {
        if mapping.contains_key(&index) {
            continue;
        }
        while used.contains(&next_free) || taken.contains(&next_free) {
            next_free += 1;
        }
        mapping.insert(index, next_free);
        taken.push(next_free);
    }
    for (key, _) in fresh.iter_mut() {
        if let Some(index) = index_of(key) {
            let target = mapping[&index];
            if target != index {
                if let Some((_, name)) = device_of(key) {
                    *key = format!("{kind}{target}.{name}");
                }
            }
        }
    }
}

/// The MAC address of NIC `<kind><n>` among `entries`, lowercased.
fn mac_of<'a>(
    mut entries: impl Iterator<Item = (&'a str, &'a str)>,
    kind: &str,
    n: u32,
) -> Option<String> {
    let wanted = [
        format!("{kind}{n}.address"),
        format!("{kind}{n}.generatedAddress"),
    ];
    entries
        .find(|(k, _)| wanted.iter().any(|w| w.eq_ignore_ascii_case(k)))
        .map(|(_, v)| v.to_ascii_lowercase())
}

/// Whether a NIC keeps the MAC address the file gives it (then libvirt's added
/// `checkMACAddress = "false"` for addresses outside VMware's ranges is not needed).
fn mac_unchanged(base: &VmxFile, fresh: &[(String, String)], device: &str) -> bool {
    let fresh_mac = fresh.iter().find_map(|(k, v)| {
        let (d, name) = device_of(k)?;
        (d.eq_ignore_ascii_case(device)
            && (name.eq_ignore_ascii_case("address")
                || name.eq_ignore_ascii_case("generatedAddress")))
        .then_some(v.as_str())
    });
    let base_mac = base
        .get(&format!("{device}.address"))
        .or_else(|| base.get(&format!("{device}.generatedAddress")));
    matches!((base_mac, fresh_mac), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_keys_are_recognized() {
        assert_eq!(device_of("scsi0:1.fileName"), Some(("scsi0:1", "fileName")));
        assert_eq!(
            device_of("ethernet10.dvs.portId"),
            Some(("ethernet10", "dvs.portId"))
        );
        assert_eq!(
            device_of("sharedFolder0.hostPath"),
            Some(("sharedFolder0", "hostPath"))
        );
        assert_eq!(device_of("scsi0.virtualDev"), Some(("scsi0", "virtualDev")));
        assert_eq!(device_of("sched.scsi0:0.shares"), None);
        assert_eq!(device_of("sharedFolder.maxNum"), None);
    }
}
