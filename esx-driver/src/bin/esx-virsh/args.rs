//! Argument values every group reads the same way: sizes with units.

use crate::error::CommandError;

/// A size as virsh reads it: a number with an optional unit, KiB by default; rounded up to KiB.
pub(crate) fn parse_size_kib(text: &str) -> Result<u64, CommandError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| {
        CommandError::new(format!(
            "invalid size '{text}': expected a number with an optional unit"
        ))
    })?;
    let bytes_per_unit: u64 = match unit.trim() {
        "" | "k" | "K" | "KiB" | "kib" => 1024,
        "b" | "B" | "bytes" => 1,
        "KB" | "kb" => 1000,
        "M" | "m" | "MiB" | "mib" => 1 << 20,
        "MB" | "mb" => 1_000_000,
        "G" | "g" | "GiB" | "gib" => 1 << 30,
        "GB" | "gb" => 1_000_000_000,
        "T" | "t" | "TiB" | "tib" => 1 << 40,
        "TB" | "tb" => 1_000_000_000_000,
        other => {
            return Err(CommandError::new(format!(
                "invalid size '{text}': unknown unit '{other}'"
            )))
        }
    };
    let bytes = number
        .checked_mul(bytes_per_unit)
        .ok_or_else(|| CommandError::new(format!("invalid size '{text}': too large")))?;
    Ok(bytes.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_to_kib() {
        assert_eq!(parse_size_kib("1024").unwrap(), 1024);
        assert_eq!(parse_size_kib("1G").unwrap(), 1 << 20);
        assert_eq!(parse_size_kib("512MiB").unwrap(), 512 * 1024);
        assert_eq!(parse_size_kib("1MB").unwrap(), 977);
        assert!(parse_size_kib("12 parsecs").is_err());
        assert!(parse_size_kib("x").is_err());
        assert!(parse_size_kib("99999999999T").is_err());
    }
}
