//! Everything the binary says on stderr: progress, warnings, error lines, the summary and
//! fatal errors. stdout carries data only.
//!
//! Messages quote ids, paths and notes that come from scraped input, so every message goes
//! through [`escape`]: control characters (an ANSI escape in a page title could otherwise
//! recolour or clear the terminal) and bidirectional overrides (which can make a line read
//! differently than it is) are shown as `\u{…}` escapes, and a message is cut at a few
//! hundred characters.
//!
//! The progress bar is drawn only when stderr is a terminal and `--quiet` is off; lines
//! printed while it runs are printed "around" it so the two never mix. Writing to stderr
//! never fails the run: if stderr is closed, messages are lost, not the output.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use clean_news::output::ErrorRecord;
use clean_news::pipeline::Summary;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How many warnings (input notes) are printed before the rest are only counted: a crawl
/// full of legacy-charset pages should not bury the error lines.
const MAX_WARNINGS: u64 = 20;

/// The longest message printed, in characters.
const MAX_MESSAGE_CHARS: usize = 500;

/// How often the progress spinner redraws.
const TICK: Duration = Duration::from_millis(120);

/// Writes the run's messages to stderr.
#[derive(Debug)]
pub(crate) struct StderrMessages {
    quiet: bool,
    bar: Option<ProgressBar>,
    /// When the run started, for the rates on the progress line.
    started: std::time::Instant,
    warnings: Cell<u64>,
}

impl StderrMessages {
    /// A messages; with a progress bar when stderr is a terminal and not `quiet`.
    pub(crate) fn new(quiet: bool) -> StderrMessages {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(TICK);
            bar
        });
        StderrMessages { quiet, bar, started: std::time::Instant::now(), warnings: Cell::new(0) }
    }

    fn print(&self, line: &str) {
        let write = || {
            let _ = writeln!(io::stderr().lock(), "{line}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Updates the progress bar with the counts so far.
    pub(crate) fn progress(&self, summary: &Summary) {
        if let Some(bar) = &self.bar {
            let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{summary} · {:.0} docs/s · {:.1} MB/s",
                summary.read as f64 / seconds,
                summary.bytes as f64 / 1e6 / seconds
            ));
        }
    }

    /// A note about a document's input (`invalid utf-8 decoded lossily`).
    pub(crate) fn note(&self, id: &str, note: &str) {
        if self.quiet {
            return;
        }
        let seen = self.warnings.get().saturating_add(1);
        self.warnings.set(seen);
        if seen <= MAX_WARNINGS {
            self.print(&format!("warning: {}: {}", escape(id), escape(note)));
        } else if seen == MAX_WARNINGS + 1 {
            self.print("warning: more notes not shown; every note is in the record's meta.notes");
        }
    }

    /// A document that failed.
    pub(crate) fn error_record(&self, record: &ErrorRecord) {
        if self.quiet {
            return;
        }
        let line = match &record.id {
            Some(id) => format!("error: {} [{}]: {}", record.path, id, record.error),
            None => format!("error: {}: {}", record.path, record.error),
        };
        self.print(&escape(&line));
    }

    /// Clears the progress bar and prints the summary.
    pub(crate) fn finish(&self, summary: &Summary) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.quiet {
            return;
        }
        if summary.interrupted {
            self.print(&format!("interrupted: {summary} (the rest was not read)"));
        } else {
            self.print(&summary.to_string());
        }
    }

    /// Says how a `run` ended: the counts, the clusters and the time it took.
    pub(crate) fn run_finished(
        &self,
        summary: &clean_news::pipeline::run::RunSummary,
        elapsed: std::time::Duration,
    ) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.quiet {
            return;
        }
        let seconds = elapsed.as_secs_f64();
        let rate = if seconds > 0.0 { summary.read as f64 / seconds } else { 0.0 };
        // Documents read again under their id with their text: kept once (`pipeline::ids`).
        let repeated = match summary.repeated {
            0 => String::new(),
            n => format!(", repeated {n}"),
        };
        // Stories, when the run grouped them (`--stories`).
        let stories = match (summary.stories, summary.multi_stories) {
            (Some(n), Some(multi)) => format!(", {n} stories ({multi} of two clusters or more)"),
            _ => String::new(),
        };
        let mut line = format!(
            "read {}, cleaned {}, failed {}{repeated}; {} clusters ({} of two or more){stories}, {} duplicates, \
             {} seen before; {:.2} s, {:.0} docs/s",
            summary.read,
            summary.cleaned,
            summary.failed,
            summary.clusters,
            summary.multi_clusters,
            summary.duplicates,
            summary.seen_before,
            seconds,
            rate
        );
        if summary.interrupted {
            line.insert_str(0, "interrupted: ");
        }
        self.print(&line);
    }
}

/// Prints a warning that belongs to no document (`warning: …`).
pub(crate) fn warning(message: &str) {
    let _ = writeln!(io::stderr().lock(), "warning: {}", escape(message));
}

/// Says that a path named on the command line cannot be opened:
/// `clean-news: typo/: No such file or directory`.
pub(crate) fn unopenable(path: &Path, err: &io::Error) {
    let line = format!("clean-news: {}: {}", path.display(), os_reason(err));
    let _ = writeln!(io::stderr().lock(), "{}", escape(&line));
}

/// An I/O error as the system words it, without the ` (os error 2)` that `std` appends.
fn os_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match (err.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text.get(..at).unwrap_or(&text).to_owned(),
        _ => text,
    }
}

/// Prints a fatal error and its causes (`error: …`, then `  caused by: …` lines).
pub(crate) fn fatal(err: &anyhow::Error) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", escape(&err.to_string()));
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {}", escape(&cause.to_string()));
    }
}

/// Whether a character could change what a terminal shows beyond printing itself.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A message made safe to print: unsafe characters escaped, long messages cut.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) && text.len() <= MAX_MESSAGE_CHARS {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_CHARS * 2));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Prints one line of `run --timings`: the step, the seconds since the run started and the
/// process's peak resident memory so far (Linux; left out where `/proc` does not say).
pub(crate) fn step_timing(step: &str, elapsed: Duration) {
    let peak = peak_resident_bytes()
        .map(|bytes| format!("  peak {:.0} MiB", bytes as f64 / f64::from(1 << 20)))
        .unwrap_or_default();
    let _ = writeln!(
        io::stderr().lock(),
        "{:>9.2} s{peak}  {}",
        elapsed.as_secs_f64(),
        step.to_lowercase()
    );
}

/// The process's peak resident set (`VmHWM` of `/proc/self/status`), in bytes.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib << 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_bidi_but_not_letters() {
        assert_eq!(escape("plain ü 中"), "plain ü 中");
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\ny\tz"), "x\\ny\\tz");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
    }

    #[test]
    fn os_reasons_lose_the_error_number() {
        let missing = io::Error::from_raw_os_error(2);
        assert!(missing.to_string().ends_with("(os error 2)"));
        assert_eq!(os_reason(&missing), "No such file or directory");
        let other = io::Error::other("no (os error 2) here");
        assert_eq!(os_reason(&other), "no (os error 2) here");
    }

    #[test]
    fn cuts_long_messages() {
        let long = "x".repeat(2000);
        let escaped = escape(&long);
        assert_eq!(escaped.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(escaped.ends_with('…'));
    }
}
