//! Diagnostics: every problem in an input file as `PATH:LINE:COL: message`, all of them at once.

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

/// Collects diagnostics while a pass runs.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics(pub(crate) Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn push(&mut self, location: Location, message: impl Into<String>) {
        self.0.push(Diagnostic {
            location,
            message: message.into(),
        });
    }
}
