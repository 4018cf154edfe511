//! Progress bars on stderr, one policy for every command that shows one: drawn only when
//! stderr is a terminal and -q/--quiet was not given, so scripts and pipes never see them.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Whether a bar is drawn: on a terminal, without -q.
fn drawn(quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal
}

fn bar_with(template: &str, length: u64) -> ProgressBar {
    if !drawn(crate::session::is_quiet(), std::io::stderr().is_terminal()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A byte-counting bar for a transfer (its length set once the size is known).
pub(crate) fn byte_bar() -> ProgressBar {
    bar_with(
        "{binary_bytes}/{binary_total_bytes} [{bar:30}] {binary_bytes_per_sec}, {eta} left",
        0,
    )
}

/// A percentage bar for a server task (`TaskInfo.progress`), `what` naming the operation.
pub(crate) fn percent_bar(what: &str) -> ProgressBar {
    let bar = bar_with("{msg} [{bar:30}] {pos:>3}%, {elapsed} so far", 100);
    bar.set_message(what.to_owned());
    bar
}

/// The callback a `..._with_progress` storage operation takes, moving `bar`.
pub(crate) fn percent_callback(bar: &ProgressBar) -> impl FnMut(u8) + Send + '_ {
    move |percent| bar.set_position(u64::from(percent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_drawn_only_on_a_terminal_without_quiet() {
        assert!(drawn(false, true));
        assert!(!drawn(true, true));
        assert!(!drawn(false, false));
        assert!(!drawn(true, false));
    }

    #[test]
    fn a_percent_bar_follows_the_callback() {
        let bar = ProgressBar::hidden();
        bar.set_length(100);
        let mut callback = percent_callback(&bar);
        callback(40);
        callback(100);
        assert_eq!(bar.position(), 100);
    }
}
