//! What went wrong, how it is printed, and the exit code it gives.

use std::fmt::Write as _;
use std::io;

use fhir_client::ErrorKind;
use fhir_client::reqwest::Url;

use crate::version::CliVersion;

/// Exit code of a success.
pub const EXIT_OK: u8 = 0;
/// Exit code when the server refused the request (a 4xx or 5xx answer) or answered nonsense.
pub const EXIT_REFUSED: u8 = 1;
/// Exit code of a usage error or bad input (clap uses it for its own usage errors too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the server could not be reached or did not answer in time.
pub const EXIT_NETWORK: u8 = 3;

/// A command's failure.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or bad input files, found before anything was sent.
    Usage(String),
    /// The request failed: the server refused it, or it never got an answer.
    Client(ClientFailure),
    /// The request succeeded but the answer is not one the command can accept: a Bundle of the
    /// wrong type, paging that loops, does not advance or goes past `--max-pages`. The server's
    /// fault (exit 1), as a refusal is.
    Answer {
        /// The method of the request answered (`GET`, `POST`).
        method: &'static str,
        /// The URL answered, without user name and password.
        url: String,
        /// What is wrong with the answer.
        message: String,
    },
    /// A bulk export finished in part: some files failed or some lines do not match the model
    /// (exit 1); the message says which.
    Export(String),
    /// Printing the result failed (other than a closed pipe, which ends quietly).
    Output(io::Error),
    /// Getting a token failed: discovery, the token endpoint, the login's redirect.
    Auth(fhir_client::smart::SmartError),
}

/// A client error of any FHIR version, rendered when it happened (its OperationOutcome is of
/// the run's version), with what the exit code and later notes need of it.
#[derive(Debug)]
pub struct ClientFailure {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The exit code.
    code: u8,
    /// The message for standard error, ending in a newline.
    text: String,
}

impl ClientFailure {
    /// Adds a `hint:` line to the message.
    pub fn hint(&mut self, hint: &str) {
        let _ = writeln!(self.text, "hint: {hint}");
    }
}

impl<V: CliVersion> From<fhir_client::Error<V>> for Failure {
    fn from(e: fhir_client::Error<V>) -> Failure {
        Failure::Client(ClientFailure {
            kind: e.kind(),
            code: client_exit_code(&e),
            text: render_client_error(&e),
        })
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Output(e)
    }
}

impl Failure {
    /// An unacceptable answer to `method url` (see [`Failure::Answer`]).
    pub fn answer(method: &'static str, url: &Url, message: impl Into<String>) -> Failure {
        let mut url = url.clone();
        if !url.username().is_empty() || url.password().is_some() {
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        Failure::Answer {
            method,
            url: url.to_string(),
            message: message.into(),
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Answer { .. } | Failure::Output(_) | Failure::Export(_) => EXIT_REFUSED,
            Failure::Auth(e) => match e.kind() {
                fhir_client::smart::SmartErrorKind::Transport
                | fhir_client::smart::SmartErrorKind::Timeout => EXIT_NETWORK,
                _ => EXIT_REFUSED,
            },
            Failure::Client(e) => e.code,
        }
    }

    /// The message for standard error, ending in a newline.
    pub fn render(&self) -> String {
        match self {
            Failure::Usage(message) => format!("error: {message}\n"),
            Failure::Answer {
                method,
                url,
                message,
            } => format!("error: {method} {url}: {message}\n"),
            Failure::Output(e) => format!("error: cannot write the output: {e}\n"),
            Failure::Auth(e) => format!("error: {e}\n"),
            Failure::Export(message) => format!("error: {message}\n"),
            Failure::Client(e) => e.text.clone(),
        }
    }
}

/// The exit code of a client error.
fn client_exit_code<V: CliVersion>(e: &fhir_client::Error<V>) -> u8 {
    match e.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => EXIT_NETWORK,
        // The token provider could not reach the authorization server.
        ErrorKind::Auth if auth_unreachable(e) => EXIT_NETWORK,
        ErrorKind::InvalidInput => EXIT_USAGE,
        // The server answered, but not with what was asked for: its fault.
        ErrorKind::UnexpectedResource
        | ErrorKind::BodyTooLarge
        | ErrorKind::Decompression
        | ErrorKind::Redirect
        | ErrorKind::Paging
        | ErrorKind::Decoding => EXIT_REFUSED,
        _ => EXIT_REFUSED,
    }
}

/// Whether a client error of kind `Auth` comes from a SMART token request that never got an
/// answer.
fn auth_unreachable<V: CliVersion>(e: &fhir_client::Error<V>) -> bool {
    use fhir_client::smart::{SmartError, SmartErrorKind};
    use std::error::Error as _;
    e.source()
        .and_then(|s| s.downcast_ref::<SmartError>())
        .is_some_and(|s| {
            matches!(
                s.kind(),
                SmartErrorKind::Transport | SmartErrorKind::Timeout
            )
        })
}

/// The error's own line, then every issue of the server's OperationOutcome, or the start of a
/// body that is not one (a gateway's HTML page, `application/problem+json`).
fn render_client_error<V: CliVersion>(e: &fhir_client::Error<V>) -> String {
    let mut out = format!("error: {e}\n");
    if let Some(outcome) = e.operation_outcome() {
        let issues = outcome_issues::<V>(outcome);
        // The error's own line already carries a lone issue's text; list them when it does not.
        let said = issues.len() == 1 && out.contains(&issues[0]);
        if !issues.is_empty() && !said {
            out.push_str("OperationOutcome:\n");
            for issue in issues {
                let _ = writeln!(out, "  {issue}");
            }
        }
    } else if let Some(text) = e.body_text().map(str::trim).filter(|t| !t.is_empty()) {
        let ct = e.content_type().unwrap_or("no content type");
        let _ = writeln!(out, "response body ({ct}):");
        for line in text.lines().take(12) {
            let _ = writeln!(out, "  {}", clip(line, 160));
        }
        if text.lines().count() > 12 {
            out.push_str("  ...\n");
        }
    }
    let hint = match e.kind() {
        ErrorKind::Transport | ErrorKind::Timeout => {
            "check the base URL (--base or FHIR_BASE_URL) and the network"
        }
        ErrorKind::UnexpectedResource => {
            "the server answered with another resource type than the one asked for"
        }
        ErrorKind::BodyTooLarge => "the server's answer is larger than --max-body allows",
        ErrorKind::Decompression => "the server sent a compressed (gzip) body that is corrupt",
        ErrorKind::Redirect => "the server's redirects were not followed (see the message)",
        ErrorKind::Paging => {
            "the server's paging misbehaves (see the message; --allow-cross-origin follows \
             links to other servers)"
        }
        _ => "",
    };
    if !hint.is_empty() {
        let _ = writeln!(out, "hint: {hint}");
    }
    out
}

/// A URL as the command line shows it: without a user name or password, nor a query string
/// (which may carry search terms or keys). Works on text that is not a valid URL too.
pub fn shown_url(text: &str) -> String {
    let text = text.trim();
    let text = text.split(['?', '#']).next().unwrap_or_default();
    let (scheme, rest) = match text.find("://") {
        Some(i) => text.split_at(i + 3),
        None => ("", text),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    format!("{scheme}{host}{path}")
}

/// One issue of an OperationOutcome, borrowed from the typed outcome of either FHIR version
/// (see `CliVersion::issues`).
#[derive(Debug, Default)]
pub struct Issue<'a> {
    /// `severity`.
    pub severity: Option<&'a str>,
    /// `code`.
    pub code: Option<&'a str>,
    /// `details.text`, else the display or code of its first coding.
    pub details: Option<&'a str>,
    /// `diagnostics`.
    pub diagnostics: Option<&'a str>,
    /// `expression`, else `location`.
    pub at: Vec<&'a str>,
}

impl Issue<'_> {
    /// The issue as one readable line: severity, code, the text, where.
    pub fn line(&self) -> String {
        let severity = self.severity.unwrap_or("issue");
        let code = self.code.unwrap_or("unknown");
        let mut line = format!("{severity} ({code})");
        for part in [self.details, self.diagnostics].into_iter().flatten() {
            let _ = write!(line, ": {}", part.trim());
        }
        if !self.at.is_empty() {
            let _ = write!(line, " [at {}]", self.at.join(", "));
        }
        line
    }
}

/// One readable line per `OperationOutcome.issue` (see [`Issue::line`]).
pub fn outcome_issues<V: CliVersion>(outcome: &V::OperationOutcome) -> Vec<String> {
    V::issues(outcome).iter().map(Issue::line).collect()
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use fhir_client::R4;
    use fhir_model::{FhirJson, ParseOptions};

    #[test]
    fn issues_read_as_lines() {
        let oo = r#"{"resourceType":"OperationOutcome","issue":[
            {"severity":"error","code":"not-found","diagnostics":"Resource Patient/x is not known"},
            {"severity":"warning","code":"invalid","details":{"text":"Bad date"},"expression":["Patient.birthDate"]},
            {"severity":"information","code":"informational","details":{"coding":[{"code":"MSG_CREATED"}]}}]}"#;
        let oo =
            fhir_model::r4::OperationOutcome::from_json_str(oo, ParseOptions::strict()).unwrap();
        assert_eq!(
            outcome_issues::<R4>(&oo),
            [
                "error (not-found): Resource Patient/x is not known",
                "warning (invalid): Bad date [at Patient.birthDate]",
                "information (informational): MSG_CREATED",
            ]
        );
    }

    #[test]
    fn usage_failures_exit_with_two() {
        let f = Failure::Usage("bad".into());
        assert_eq!(f.exit_code(), EXIT_USAGE);
        assert_eq!(f.render(), "error: bad\n");
    }

    #[test]
    fn unacceptable_answers_exit_with_one_and_name_the_url() {
        let url = Url::parse("https://alice:PWSECRET@h.test/fhir/Patient?page=2").unwrap();
        let f = Failure::answer("GET", &url, "paging loops");
        assert_eq!(f.exit_code(), EXIT_REFUSED);
        assert_eq!(
            f.render(),
            "error: GET https://h.test/fhir/Patient?page=2: paging loops\n"
        );
    }

    #[test]
    fn shown_urls_lose_userinfo_and_query() {
        assert_eq!(
            shown_url("ftp://alice:PWSECRET@host/fhir?key=k"),
            "ftp://host/fhir"
        );
        assert_eq!(shown_url("https://h.test/fhir"), "https://h.test/fhir");
        assert_eq!(shown_url("not a url:pw@x"), "x");
        assert_eq!(shown_url("http://u@h:8080"), "http://h:8080");
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("äöü", 3), "äöü");
    }
}
