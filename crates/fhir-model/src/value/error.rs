//! The error returned when a text is not a valid FHIR primitive value.

use std::error::Error;
use std::fmt::{self, Write};

/// How many characters of the offending text [`InvalidValue`]'s `Display`
/// shows; the full text stays available through [`InvalidValue::text`].
const DISPLAY_TEXT_LIMIT: usize = 64;

/// A text that is not a valid value of a FHIR primitive type.
///
/// It records which type was expected ([`kind`](Self::kind), the FHIR type
/// name such as `"dateTime"`), the rejected text, and a short reason.
///
/// # Examples
///
/// ```
/// use fhir_model::value::{Date, InvalidValue};
///
/// let err: InvalidValue = Date::parse("2012-02-30").unwrap_err();
/// assert_eq!(err.kind(), "date");
/// assert_eq!(err.text(), "2012-02-30");
/// assert_eq!(
///     err.to_string(),
///     r#"invalid date "2012-02-30": day out of range for the month"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InvalidValue {
    kind: &'static str,
    text: String,
    reason: &'static str,
}

impl InvalidValue {
    /// Creates an error for `text`, which is not a valid `kind` (a FHIR type
    /// name such as `"date"`) because of `reason`.
    pub fn new(kind: &'static str, text: impl Into<String>, reason: &'static str) -> Self {
        InvalidValue {
            kind,
            text: text.into(),
            reason,
        }
    }

    /// The FHIR type the text was expected to be, e.g. `"dateTime"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The complete rejected text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Why the text was rejected, e.g. `"day out of range for the month"`.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for InvalidValue {
    /// Writes `invalid KIND "TEXT": REASON`. The text is cut after 64
    /// characters (a rejected text may be a whole document) and control
    /// characters are escaped, so the message stays on one readable line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} \"", self.kind)?;
        let mut chars = self.text.chars();
        for c in chars.by_ref().take(DISPLAY_TEXT_LIMIT) {
            // `escape_debug` also escapes `'`, which is noise inside `"…"`.
            if c == '\'' {
                f.write_char(c)?;
            } else {
                write!(f, "{}", c.escape_debug())?;
            }
        }
        if chars.next().is_some() {
            f.write_str("...")?;
        }
        write!(f, "\": {}", self.reason)
    }
}

impl Error for InvalidValue {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_return_what_was_given() {
        let err = InvalidValue::new("date", "2012-02-30", "day out of range for the month");
        assert_eq!(err.kind(), "date");
        assert_eq!(err.text(), "2012-02-30");
        assert_eq!(err.reason(), "day out of range for the month");
    }

    #[test]
    fn display_matches_the_documented_format() {
        let err = InvalidValue::new("date", "2012-02-30", "day out of range for the month");
        assert_eq!(
            err.to_string(),
            "invalid date \"2012-02-30\": day out of range for the month"
        );
    }

    #[test]
    fn display_truncates_long_text_but_text_keeps_it() {
        let long = "x".repeat(100);
        let err = InvalidValue::new("id", long.clone(), "longer than 64 characters");
        let expected = format!(
            "invalid id \"{}...\": longer than 64 characters",
            "x".repeat(64)
        );
        assert_eq!(err.to_string(), expected);
        assert_eq!(err.text(), long);
    }

    #[test]
    fn display_does_not_truncate_exactly_64_chars() {
        let text = "é".repeat(64);
        let err = InvalidValue::new("id", text.clone(), "invalid character");
        assert_eq!(
            err.to_string(),
            format!("invalid id \"{text}\": invalid character")
        );
    }

    #[test]
    fn display_escapes_control_characters() {
        let err = InvalidValue::new("code", "a\nb\"", "invalid character");
        assert_eq!(
            err.to_string(),
            "invalid code \"a\\nb\\\"\": invalid character"
        );
    }

    #[test]
    fn display_keeps_apostrophes() {
        let err = InvalidValue::new("id", "O'Brien", "invalid character");
        assert_eq!(err.to_string(), "invalid id \"O'Brien\": invalid character");
    }

    #[test]
    fn is_a_std_error() {
        let err: Box<dyn Error> = Box::new(InvalidValue::new("uri", "", "empty"));
        assert_eq!(err.to_string(), "invalid uri \"\": empty");
    }
}
