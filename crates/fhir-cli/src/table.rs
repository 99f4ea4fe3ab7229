//! Plain-text tables: upper-case headers, columns two spaces apart, long cells wrapped.

/// A table under construction.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    /// The widest a column may get before its cells wrap; `None` for no limit.
    max_widths: Vec<Option<usize>>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers, no column width limit.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_uppercase()).collect(),
            max_widths: vec![None; headers.len()],
            rows: Vec::new(),
        }
    }

    /// Wraps the cells of column `column` at `width` characters (at spaces where it can).
    pub fn wrap(mut self, column: usize, width: usize) -> Table {
        self.max_widths[column] = Some(width.max(8));
        self
    }

    /// Adds a row; missing cells are empty, extra ones are dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// The table as text, each line ending in a newline, without trailing spaces.
    pub fn render(&self) -> String {
        let wrapped: Vec<Vec<Vec<String>>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&self.max_widths)
                    .map(|(cell, max)| wrap_cell(cell, *max))
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &wrapped {
            for (w, lines) in widths.iter_mut().zip(row) {
                for line in lines {
                    *w = (*w).max(width(line));
                }
            }
        }
        let mut out = String::new();
        let header_cells: Vec<Vec<String>> = self.headers.iter().map(|h| vec![h.clone()]).collect();
        push_row(&mut out, &header_cells, &widths);
        for row in &wrapped {
            push_row(&mut out, row, &widths);
        }
        out
    }
}

fn push_row(out: &mut String, cells: &[Vec<String>], widths: &[usize]) {
    let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for i in 0..height {
        let mut line = String::new();
        for (c, (lines, w)) in cells.iter().zip(widths).enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let text = lines.get(i).map(String::as_str).unwrap_or("");
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', w - width(text)));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// The lines of a cell: its own line breaks, then long lines broken at spaces (or anywhere,
/// for a word longer than the width). Control characters become spaces, so that a value
/// cannot break the table.
fn wrap_cell(cell: &str, max: Option<usize>) -> Vec<String> {
    let clean: String = cell
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let mut lines = Vec::new();
    for raw in clean.split('\n') {
        let Some(max) = max else {
            lines.push(raw.to_owned());
            continue;
        };
        let mut line = String::new();
        for word in raw.split(' ') {
            let mut word = word.to_owned();
            while width(&word) > max {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(max).collect();
                word = word.chars().skip(max).collect();
                lines.push(head);
            }
            if line.is_empty() {
                line = word;
            } else if width(&line) + 1 + width(&word) <= max {
                line.push(' ');
                line.push_str(&word);
            } else {
                lines.push(std::mem::replace(&mut line, word));
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_cells_wrap() {
        let mut t = Table::new(&["type", "search"]).wrap(1, 12);
        t.row(vec!["Patient".into(), "name family given birthdate".into()]);
        t.row(vec!["Observation".into(), "code".into()]);
        assert_eq!(
            t.render(),
            "TYPE         SEARCH\n\
             Patient      name family\n\
             \x20            given\n\
             \x20            birthdate\n\
             Observation  code\n"
        );
    }

    #[test]
    fn long_words_are_cut_and_control_characters_removed() {
        assert_eq!(wrap_cell("abcdefghijkl", Some(8)), ["abcdefgh", "ijkl"]);
        assert_eq!(wrap_cell("a\tb", None), ["a b"]);
        let mut t = Table::new(&["a"]);
        t.row(vec![]);
        assert_eq!(t.render(), "A\n\n");
    }
}
