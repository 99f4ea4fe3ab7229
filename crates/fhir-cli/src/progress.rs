//! A one-line progress display on standard error while pages are fetched; silent unless
//! standard error is a terminal, so that redirected output and pipes stay clean.

use std::io::{IsTerminal, Write};

/// The progress of a paged download.
pub struct Progress {
    enabled: bool,
    drawn: bool,
}

impl Progress {
    /// Shows progress only when standard error is a terminal.
    pub fn for_stderr() -> Progress {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    /// Redraws the line: `pages` fetched, `items` received, of `total` when the server said.
    pub fn update(&mut self, pages: usize, items: usize, total: Option<u32>) {
        if !self.enabled {
            return;
        }
        let line = render(pages, items, total);
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

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The line itself: a bar when the total is known, counts otherwise.
fn render(pages: usize, items: usize, total: Option<u32>) -> String {
    let page_word = if pages == 1 { "page" } else { "pages" };
    match total {
        Some(total) if total > 0 => {
            const WIDTH: usize = 24;
            let done = (items.min(total as usize) * WIDTH) / total as usize;
            format!(
                "[{}{}] {items}/{total} resources, {pages} {page_word}",
                "#".repeat(done),
                "-".repeat(WIDTH - done)
            )
        }
        _ => format!("{items} resources, {pages} {page_word}"),
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn bar_when_the_total_is_known() {
        assert_eq!(
            render(2, 50, Some(100)),
            "[############------------] 50/100 resources, 2 pages"
        );
        assert_eq!(render(1, 20, None), "20 resources, 1 page");
        assert_eq!(render(3, 120, Some(100)).matches('#').count(), 24);
    }
}
