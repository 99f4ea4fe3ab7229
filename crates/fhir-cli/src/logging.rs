//! Diagnostic logging on standard error: off unless `-v` or `RUST_LOG` asks for it.
//!
//! Every line goes through [`redact`] before it is written, whatever crate logged it, so that a
//! log pasted into a bug report carries no token, password, cookie or search value.

use std::io::Write;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::prelude::*;

/// Installs the subscriber: `verbosity` counts the `-v` flags; without any, `RUST_LOG` (its
/// `target=level,level` syntax) decides, and nothing is logged when it is unset or invalid.
pub fn init(verbosity: u8) {
    let targets = match verbosity {
        0 => match std::env::var("RUST_LOG") {
            Ok(spec) if !spec.trim().is_empty() => match spec.parse::<Targets>() {
                Ok(targets) => targets,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "warning: RUST_LOG `{spec}`: {e}");
                    return;
                }
            },
            _ => return,
        },
        1 => Targets::new().with_default(LevelFilter::INFO),
        2 => Targets::new().with_default(LevelFilter::DEBUG),
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(RedactedStderr)
        .with_target(true)
        // One line per finished request at `-v`: the client's request span, with its status.
        .with_span_events(FmtSpan::CLOSE);
    // A subscriber set twice (impossible here) would only lose the second one.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(targets))
        .try_init();
}

/// Hands the formatter a buffer per event; the event is redacted and written when it is done.
struct RedactedStderr;

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = RedactedLine;
    fn make_writer(&'a self) -> RedactedLine {
        RedactedLine(Vec::new())
    }
}

/// One formatted event on its way to standard error.
struct RedactedLine(Vec<u8>);

impl Write for RedactedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let _ = std::io::stderr().lock().write_all(redact(&text).as_bytes());
    }
}

/// What replaces a secret.
const MASK: &str = "***";

/// Header names whose values are credentials.
const SECRET_HEADERS: &[&str] = &[
    "proxy-authorization",
    "authorization",
    "set-cookie",
    "cookie",
    "x-api-key",
];

/// `text` with URL userinfo, query values, `Bearer`/`Basic` credentials and the values of
/// credential headers replaced by `***`.
///
/// ```text
/// GET https://u:p@h.test/Patient?name=Eve&_count=5  ->  GET https://h.test/Patient?name=***&_count=***
/// authorization: Bearer abc                         ->  authorization: ***
/// ```
pub fn redact(text: &str) -> String {
    let text = mask_headers(text);
    let text = mask_schemes(&text);
    let text = strip_userinfo(&text);
    mask_query_values(&text)
}

/// Ends a URL, a header value or a credential in a log line.
fn ends_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

fn strip_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| ends_token(c) || matches!(c, '/' | '?' | '#'))
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(i) => out.push_str(&authority[i + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// Masks the value of every `name=value` pair after a `?` that starts a query.
fn mask_query_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_query = false;
    let mut in_value = false;
    for (i, c) in text.char_indices() {
        if in_value {
            if c == '&' || c == '#' || ends_token(c) {
                in_value = false;
                in_query = c == '&';
                out.push(c);
            }
            continue;
        }
        if in_query && c == '=' {
            out.push('=');
            out.push_str(MASK);
            in_value = true;
            continue;
        }
        if in_query && (c == '#' || ends_token(c)) {
            in_query = false;
        }
        if c == '?' && starts_pair(&text[i + 1..]) {
            in_query = true;
        }
        out.push(c);
    }
    out
}

/// Whether `text` starts with `name=`.
fn starts_pair(text: &str) -> bool {
    let name_end = text
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '%' | '+')))
        .unwrap_or(text.len());
    name_end > 0 && text[name_end..].starts_with('=')
}

/// Masks the credential after `Bearer ` or `Basic ` (any case).
fn mask_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = ["bearer ", "basic "]
        .iter()
        .filter_map(|s| lower[pos..].find(s).map(|i| (pos + i, s.len())))
        .min()
    {
        let (start, len) = found;
        let value_start = start + len;
        let value_end = text[value_start..]
            .find(ends_token)
            .map_or(text.len(), |i| value_start + i);
        out.push_str(&text[pos..value_start]);
        if value_end > value_start {
            out.push_str(MASK);
        }
        pos = value_end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Masks the value of a credential header written `name: value`, `name=value` or
/// `"name": "value"`, up to the end of the line or the closing quote.
fn mask_headers(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        let next = SECRET_HEADERS
            .iter()
            .filter_map(|h| lower[pos..].find(h).map(|i| (pos + i, h.len())))
            .min_by_key(|(i, len)| (*i, usize::MAX - len));
        let Some((start, len)) = next else { break };
        let after = start + len;
        let sep = text[after..]
            .find(|c: char| !matches!(c, '"' | '\'' | ':' | '=' | ' '))
            .map_or(text.len(), |i| after + i);
        let separated = text[after..sep].contains([':', '=']);
        out.push_str(&text[pos..sep]);
        if separated {
            let end = text[sep..]
                .find(['"', '\'', '\n', '\r'])
                .map_or(text.len(), |i| sep + i);
            if end > sep {
                out.push_str(MASK);
            }
            pos = end;
        } else {
            pos = sep;
        }
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn urls_lose_userinfo_and_query_values() {
        assert_eq!(
            redact("url=https://ann:s3cret@h.test/fhir/Patient?name=Eve&_count=5 attempt=1"),
            "url=https://h.test/fhir/Patient?name=***&_count=*** attempt=1"
        );
        assert_eq!(
            redact("to=/Patient?_getpages=abc#x"),
            "to=/Patient?_getpages=***#x"
        );
        assert_eq!(redact("is it? yes=no"), "is it? yes=no");
        assert_eq!(redact("a ?q= b"), "a ?q=*** b");
    }

    #[test]
    fn credentials_are_masked() {
        assert_eq!(
            redact("authorization: Bearer abc.def\ncookie: sid=1; b=2\n"),
            "authorization: ***\ncookie: ***\n"
        );
        assert_eq!(
            redact(r#"{"Authorization": "Basic dXNlcjpw"}"#),
            r#"{"Authorization": "***"}"#
        );
        assert_eq!(redact("sent Bearer tok123 to h"), "sent Bearer *** to h");
        assert_eq!(
            redact("an authorization failure"),
            "an authorization failure"
        );
    }
}
