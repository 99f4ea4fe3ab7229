//! The progress line of `fhir export` on standard error, only when it is a terminal: the
//! server's progress while polling, then files, bytes, resources per second and the time.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// What is drawn, and when it was last.
pub struct ExportProgress {
    enabled: bool,
    drawn: bool,
    started: Instant,
    last: Option<Instant>,
}

/// The counts the download line shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Files done (downloaded or failed).
    pub files_done: usize,
    /// Files in all.
    pub files: usize,
    /// Bytes received.
    pub bytes: u64,
    /// Resources written.
    pub resources: u64,
}

impl ExportProgress {
    /// Draws only when standard error is a terminal.
    pub fn for_stderr() -> ExportProgress {
        ExportProgress {
            enabled: std::io::stderr().is_terminal(),
            drawn: false,
            started: Instant::now(),
            last: None,
        }
    }

    /// While the server works: what it said (`X-Progress`), the polls so far.
    pub fn polling(&mut self, server: Option<&str>, polls: u32) {
        let line = polling_line(server, polls, self.started.elapsed());
        self.draw(&line, true);
    }

    /// While files download; redrawn at most ten times a second unless `force`.
    pub fn downloading(&mut self, counts: Counts, force: bool) {
        let line = download_line(counts, self.started.elapsed());
        self.draw(&line, force);
    }

    fn draw(&mut self, line: &str, force: bool) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if !force
            && self
                .last
                .is_some_and(|t| now - t < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the line.
    pub fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for ExportProgress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn polling_line(server: Option<&str>, polls: u32, elapsed: Duration) -> String {
    let said = server.map(|s| format!(": {s}")).unwrap_or_default();
    let word = if polls == 1 { "poll" } else { "polls" };
    format!(
        "export in progress on the server{said} ({polls} {word}, {})",
        show_time(elapsed)
    )
}

fn download_line(c: Counts, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    format!(
        "{}/{} files, {}, {} resources, {:.0} resources/s, {}",
        c.files_done,
        c.files,
        show_bytes(c.bytes),
        c.resources,
        c.resources as f64 / secs,
        show_time(elapsed)
    )
}

fn show_time(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Bytes as a person reads them.
pub fn show_bytes(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    for unit in ["KiB", "MiB", "GiB"] {
        if v < 1024.0 {
            return format!("{v:.1} {unit}");
        }
        v /= 1024.0;
    }
    format!("{v:.1} TiB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_what_is_going_on() {
        assert_eq!(
            polling_line(Some("40%"), 3, Duration::from_secs(75)),
            "export in progress on the server: 40% (3 polls, 1m15s)"
        );
        let c = Counts {
            files_done: 2,
            files: 5,
            bytes: 3 * 1024 * 1024,
            resources: 1000,
        };
        assert_eq!(
            download_line(c, Duration::from_secs(2)),
            "2/5 files, 3.0 MiB, 1000 resources, 500 resources/s, 2s"
        );
        assert_eq!(show_bytes(500), "500 B");
    }
}
