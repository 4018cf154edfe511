//! How commands print: virsh's tables and `Label: value` lists, and JSON for scripts.

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::CommandError;

/// virsh's tables: a leading space, columns padded to their widest cell plus three spaces, and
/// a rule as wide as the columns.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::from(" ");
        let cells: Vec<&str> = cells.collect();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&mut header.iter().copied());
    out.push_str(&"-".repeat(widths.iter().map(|w| w + 3).sum()));
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// virsh's `dominfo`/`nodeinfo` lists: each label left-aligned in `width` columns, a space, the
/// value.
pub(crate) fn fields(width: usize, rows: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (label, value) in rows {
        let _ = writeln!(out, "{label:<width$} {value}");
    }
    out
}

/// A value as pretty-printed JSON with a final newline. The views serialized here declare their
/// fields in alphabetical order: the key order `--json` has always printed, which scripts that
/// compare outputs as text rely on.
pub(crate) fn json(value: &impl Serialize) -> Result<String, CommandError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| CommandError::new(format!("cannot write the JSON output: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// virsh's `yes`/`no`.
pub(crate) fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// A size in virsh's binary unit for it (`vshPrettyCapacity`): the value and `B`, `KiB`, ...
pub(crate) fn scaled_size(bytes: u64) -> (f64, &'static str) {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    (value, UNITS[unit])
}

/// The text of one line.
pub(crate) fn line(value: impl std::fmt::Display) -> String {
    format!("{value}\n")
}

/// A message virsh prints without a newline of its own (`desc`'s texts): the newline virsh
/// prints after every command ends its line, and [`end_of_command`] ends it under `-q`.
pub(crate) fn unterminated(value: impl std::fmt::Display) -> String {
    value.to_string()
}

/// What follows a command's output: virsh's newline after every command, which `-q` leaves
/// out. Under `-q` an unterminated last line is still ended, where virsh would leave the
/// terminal's prompt or a script's next output on it.
pub(crate) fn end_of_command(output: &str, quiet: bool) -> &'static str {
    let line_open = !output.is_empty() && !output.ends_with('\n');
    if !quiet || line_open {
        "\n"
    } else {
        ""
    }
}

/// Asserts that `view` serializes its keys in alphabetical order (see [`json`]): as it prints
/// through a sorted map.
#[cfg(test)]
pub(crate) fn assert_json_keys_sorted(view: &impl Serialize) {
    let direct = serde_json::to_string_pretty(view).unwrap();
    let sorted = serde_json::to_string_pretty(&serde_json::to_value(view).unwrap()).unwrap();
    assert_eq!(
        direct, sorted,
        "declare the view's fields in alphabetical order"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_ends_with_virshs_newline_and_quiet_still_ends_its_line() {
        assert_eq!(end_of_command("9\n", false), "\n");
        assert_eq!(
            end_of_command("No description for domain: web", false),
            "\n"
        );
        assert_eq!(end_of_command("", false), "\n");
        assert_eq!(end_of_command("9\n", true), "");
        assert_eq!(end_of_command("", true), "");
        assert_eq!(end_of_command("No description for domain: web", true), "\n");
    }

    #[test]
    fn tables_look_like_virsh() {
        let rows = vec![
            vec!["1".to_owned(), "fedora28".to_owned(), "running".to_owned()],
            vec!["2".to_owned(), "rhel7.5".to_owned(), "running".to_owned()],
        ];
        assert_eq!(
            table(&["Id", "Name", "State"], &rows),
            " Id   Name       State\n--------------------------\n 1    fedora28   running\n 2    rhel7.5    running\n"
        );
    }

    #[test]
    fn fields_pad_their_labels() {
        assert_eq!(
            fields(6, &[("Id:", "1".to_owned()), ("Name:", "web".to_owned())]),
            "Id:    1\nName:  web\n"
        );
    }
}
