//! Helpers for the fuzz tests, which run as ordinary `cargo test`s with a fixed budget: mutation
//! of seed inputs (the fixtures) by a list of operations that a property-testing library
//! generates, and the number of cases to run.

/// How many cases each fuzz test runs: `$ESX_FUZZ_CASES`, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("ESX_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One edit of an input: what to do (`kind % 7`), where (`at`, taken modulo the length), with
/// which byte.
pub type Edit = (u8, u32, u8);

/// Bytes that matter to the formats under test, so that edits make interesting inputs.
const SPECIAL: &[u8] = b"<>/=\"'&;#[]{}:%.\n\r\t\0 -_aZ09\\\x1b\xff";

/// Applies `edits` to `seed`: replace, insert or delete a byte, insert a format-relevant byte,
/// duplicate or drop a span, or cut the input.
pub fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for &(kind, at, byte) in edits {
        let len = data.len();
        let pos = if len == 0 { 0 } else { at as usize % len };
        match kind % 7 {
            0 if len > 0 => data[pos] = byte,
            1 => data.insert(pos, byte),
            2 if len > 0 => {
                data.remove(pos);
            }
            3 => data.insert(pos, SPECIAL[byte as usize % SPECIAL.len()]),
            4 if len > 0 => {
                let end = (pos + 1 + byte as usize).min(len);
                let span: Vec<u8> = data[pos..end].to_vec();
                let insert_at = (at as usize / 7) % (len + 1);
                data.splice(insert_at..insert_at, span);
            }
            5 if len > 0 => {
                let end = (pos + 1 + byte as usize).min(len);
                data.drain(pos..end);
            }
            6 => data.truncate(pos),
            _ => {}
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_change_the_input_and_never_panic() {
        assert_eq!(mutate(b"abc", &[]), b"abc");
        assert_eq!(mutate(b"abc", &[(0, 1, b'X')]), b"aXc");
        assert_eq!(mutate(b"abc", &[(6, 1, 0)]), b"a");
        for kind in 0..7 {
            for at in [0, 1, 7, u32::MAX] {
                let _ = mutate(b"", &[(kind, at, 255)]);
                let _ = mutate(b"<a x='1'/>", &[(kind, at, 255), (kind, at / 3, 0)]);
            }
        }
    }
}
