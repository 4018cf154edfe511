//! Rust names for API names: one place for case conversion, acronyms and keywords.
//!
//! vSphere names mix camel case with acronyms (`VMotion`, `IPv6`, `CRC32C`, `vmxnet3`); this module
//! splits them into words the same way everywhere, so a name always maps to the same Rust name.

use proc_macro2::Ident;
use quote::format_ident;

/// Words that must stay whole even though their case pattern would split them.
const COMPOUND_WORDS: [&str; 8] = [
    "VMotion", "VMware", "IPv4", "IPv6", "vCenter", "vSphere", "vSwitch", "iSCSI",
];

/// Keywords that cannot be raw identifiers; they get a `_` suffix instead.
const NON_RAW_KEYWORDS: [&str; 5] = ["self", "Self", "super", "crate", "extern"];

/// All Rust keywords (strict and reserved, 2021 edition).
const KEYWORDS: [&str; 51] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Splits an API name into words: `VirtualMachineIPv6Config` -> `Virtual Machine IPv6 Config`,
/// `HTTPServer` -> `HTTP Server`, `CRC32C` -> `CRC32C`, `guest-shutdown` -> `guest shutdown`.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    'outer: while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            i += 1;
            continue;
        }
        // A compound word starting here at a word boundary stays whole.
        if current.is_empty() || c.is_ascii_uppercase() {
            for compound in COMPOUND_WORDS {
                let len = compound.len();
                if i + len <= chars.len() {
                    let candidate: String = chars[i..i + len].iter().collect();
                    let next_ok = chars.get(i + len).is_none_or(|n| !n.is_ascii_lowercase());
                    if next_ok && candidate.eq_ignore_ascii_case(compound) {
                        if !current.is_empty() {
                            words.push(std::mem::take(&mut current));
                        }
                        words.push(candidate);
                        i += len;
                        continue 'outer;
                    }
                }
            }
        }
        if let Some(prev) = current.chars().last() {
            let next = chars.get(i + 1).copied();
            let next_lower = next.is_some_and(|n| n.is_ascii_lowercase());
            let boundary = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || (prev.is_ascii_uppercase() && next_lower)
                    || (prev.is_ascii_digit() && next_lower));
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
        i += 1;
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn escape_snake(s: String) -> String {
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    };
    if NON_RAW_KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// The snake_case Rust name of a member, parameter or method (`powerState` -> `power_state`,
/// `PowerOnVM_Task` -> `power_on_vm_task`). May be a keyword; see [`field_ident`].
pub fn field_name(name: &str) -> String {
    let joined = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if joined.is_empty() {
        return "field_".to_string();
    }
    escape_snake(joined)
}

/// The UpperCamelCase Rust name of an enum variant for a wire value (`poweredOn` -> `PoweredOn`,
/// `VMFS` -> `Vmfs`, `3d` -> `_3d`).
pub fn variant_name(value: &str) -> String {
    let mut joined = String::new();
    for w in words(value) {
        // `x86_64` -> `X86_64`: keep a separator between two digits.
        if joined.ends_with(|c: char| c.is_ascii_digit())
            && w.starts_with(|c: char| c.is_ascii_digit())
        {
            joined.push('_');
        }
        let lower = w.to_ascii_lowercase();
        let mut cs = lower.chars();
        if let Some(first) = cs.next() {
            joined.push(first.to_ascii_uppercase());
            joined.push_str(cs.as_str());
        }
    }
    if joined.is_empty() {
        "Empty".to_string()
    } else if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{joined}")
    } else if NON_RAW_KEYWORDS.contains(&joined.as_str()) {
        format!("{joined}_")
    } else {
        joined
    }
}

/// The Rust name of an input type: type names are already UpperCamelCase on the wire and stay
/// as they are (`HostVMotionInfo`), so they read the same in Rust and in VMware's reference.
pub fn type_name(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let name = name.as_str();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else if NON_RAW_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// Makes an identifier, raw (`r#type`) when it is a keyword.
pub fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) && !NON_RAW_KEYWORDS.contains(&name) {
        Ident::new_raw(name, proc_macro2::Span::call_site())
    } else {
        format_ident!("{}", name)
    }
}

/// The identifier of a member, parameter or method.
pub fn field_ident(name: &str) -> Ident {
    ident(&field_name(name))
}

/// The identifier of an enum variant.
pub fn variant_ident(value: &str) -> Ident {
    ident(&variant_name(value))
}

/// The identifier of a type.
pub fn type_ident(name: &str) -> Ident {
    ident(&type_name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_snapshot() {
        let names = [
            "powerState",
            "PowerOnVM_Task",
            "RetrievePropertiesEx",
            "VMotion",
            "vmotionEnabled",
            "HostVMotionInfo",
            "ipv6Enabled",
            "IPv6",
            "HostIpConfigIPv6Address",
            "CRC32C",
            "crc32c",
            "vmxnet3",
            "e1000e",
            "VMFS",
            "NFS41",
            "guest-shutdown",
            "3d",
            "type",
            "self",
            "Self",
            "match",
            "async",
            "_this",
            "uuid",
            "HTTPServer",
            "CPUIDInfo",
            "numCPU",
            "memoryMB",
            "capacityInKB",
            "vSwitch",
            "HostVirtualSwitch",
            "iScsiName",
            "vCenter",
            "SATAController",
            "VMwareDVSConfigSpec",
            "dvPortgroup",
            "x86_64",
        ];
        let mut out = String::new();
        for n in names {
            out.push_str(&format!(
                "{n:28} words={:?} field={} variant={} type={}\n",
                words(n),
                field_ident(n),
                variant_ident(n),
                type_ident(n)
            ));
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn keywords_become_raw_or_suffixed() {
        assert_eq!(field_ident("type").to_string(), "r#type");
        assert_eq!(field_ident("self").to_string(), "self_");
        assert_eq!(field_ident("3dEnabled").to_string(), "_3d_enabled");
    }
}
