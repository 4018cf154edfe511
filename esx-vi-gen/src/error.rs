//! Diagnostics: every problem in an input file as `PATH:LINE:COL: message`, all of them at once,
//! and the notes about an input that is accepted (`PATH:LINE:COL: note: message`).

use std::fmt;

/// A 1-based position in the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
}

impl Location {
    /// A location at `line`, `col` (both 1-based).
    pub fn new(line: u32, col: u32) -> Self {
        Location { line, col }
    }
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

/// Everything wrong with an input file, sorted by position, printed one `PATH:LINE:COL: message`
/// per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    path: String,
    diagnostics: Vec<Diagnostic>,
}

impl Error {
    pub(crate) fn new(path: &str, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(|d| d.location);
        diagnostics.dedup();
        Error {
            path: path.to_string(),
            diagnostics,
        }
    }

    /// A problem that is not tied to an input line (generated code failed to re-parse).
    pub(crate) fn internal(path: &str, message: String) -> Self {
        Error {
            path: path.to_string(),
            diagnostics: vec![Diagnostic {
                location: Location::new(1, 1),
                message,
            }],
        }
    }

    /// The name of the input the diagnostics refer to.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The individual problems, sorted by position.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, d.location.line, d.location.col, d.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// What an accepted input says that a reader may want to know: an ignored member whose type the
/// input does not describe, libvirt's older `_this:<Type>` spelling. Printed one
/// `PATH:LINE:COL: note: message` per line, sorted by position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notes {
    path: String,
    notes: Vec<Diagnostic>,
}

impl Notes {
    pub(crate) fn new(path: &str, mut notes: Vec<Diagnostic>) -> Self {
        notes.sort_by_key(|d| d.location);
        notes.dedup();
        Notes {
            path: path.to_string(),
            notes,
        }
    }

    /// The individual notes, sorted by position.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.notes
    }

    /// Whether there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }
}

impl fmt::Display for Notes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.notes.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}:{}:{}: note: {}",
                self.path, d.location.line, d.location.col, d.message
            )?;
        }
        Ok(())
    }
}

/// Collects diagnostics while a pass runs: errors, which refuse the input, and notes, which do
/// not.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) notes: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn push(&mut self, location: Location, message: impl Into<String>) {
        self.errors.push(Diagnostic {
            location,
            message: message.into(),
        });
    }

    pub(crate) fn note(&mut self, location: Location, message: impl Into<String>) {
        self.notes.push(Diagnostic {
            location,
            message: message.into(),
        });
    }
}
