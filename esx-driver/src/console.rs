//! What a command-line front end prints on stderr, the way virsh prints it: `error: ...` and
//! `warning: ...` lines, with every control character of the text escaped, so that a name or a
//! message from a server or a file can neither forge a line nor drive the terminal.

use std::fmt;

pub use esx_vi::text::escape_controls;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The text of an error for an `error: ` line: its message, control characters escaped.
pub fn error_line(error: &dyn fmt::Display) -> String {
    escape_controls(&error.to_string()).into_owned()
}

/// A `tracing` event format for command-line tools: `warning: message` (`error:`, `info:`,
/// `debug:`, `trace:` for the other levels) and the event's fields after the message, the line's
/// text escaped.
#[derive(Clone, Copy, Debug, Default)]
pub struct VirshLogFormat;

impl<S, N> FormatEvent<S, N> for VirshLogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        let mut text = String::new();
        ctx.format_fields(Writer::new(&mut text), event)?;
        writeln!(writer, "{level}: {}", escape_controls(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn warnings_read_like_virsh_and_cannot_forge_a_line() {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(VirshLogFormat)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!("Ignoring unexpected query parameter 'a\nerror: forged\u{1b}[2J'");
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "warning: Ignoring unexpected query parameter 'a\\nerror: forged\\x1b[2J'\n"
        );
    }

    #[test]
    fn error_lines_escape_control_characters() {
        assert_eq!(error_line(&"bad\nerror: x"), "bad\\nerror: x");
    }
}
