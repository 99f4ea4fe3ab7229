//! Parsers for the FHIR integer types: `integer`, `unsignedInt`,
//! `positiveInt` and `integer64`.
//!
//! Integers are stored as Rust numbers, not text, and written back with the
//! standard decimal formatting. For that to reproduce the input exactly, only
//! the canonical form is accepted: an optional `-`, then `0` or a digit
//! string without leading zeros. `-0`, `+1`, `01`, `1.0` and `1e2` are
//! rejected, even where a JSON reader would accept them as numbers, because
//! writing them back would change the text.

use std::num::IntErrorKind;
use std::str::FromStr;

use super::error::InvalidValue;

/// The largest value of the FHIR `unsignedInt` and `positiveInt` types
/// (they are restricted to the range of a signed 32-bit integer).
const MAX_UNSIGNED: u32 = i32::MAX as u32;

const OUT_OF_RANGE: &str = "out of range";

/// Parses a FHIR `integer` (a signed 32-bit integer) in canonical form.
///
/// # Examples
///
/// ```
/// use fhir_model::value::parse_integer;
///
/// assert_eq!(parse_integer("-42"), Ok(-42));
/// assert!(parse_integer("042").is_err());
/// assert_eq!(parse_integer("2147483648").unwrap_err().reason(), "out of range");
/// ```
pub fn parse_integer(text: &str) -> Result<i32, InvalidValue> {
    parse_canonical("integer", text)
}

/// Parses a FHIR `unsignedInt` (0 to 2147483647) in canonical form.
///
/// A negative integer is reported as "out of range".
pub fn parse_unsigned_int(text: &str) -> Result<u32, InvalidValue> {
    parse_in_range("unsignedInt", text, 0)
}

/// Parses a FHIR `positiveInt` (1 to 2147483647) in canonical form.
///
/// Zero and negative integers are reported as "out of range".
pub fn parse_positive_int(text: &str) -> Result<u32, InvalidValue> {
    parse_in_range("positiveInt", text, 1)
}

/// Parses a FHIR `integer64` (a signed 64-bit integer) in canonical form.
///
/// In JSON an `integer64` is written as a string, but its content follows
/// the same canonical rules as the other integer types.
pub fn parse_integer64(text: &str) -> Result<i64, InvalidValue> {
    parse_canonical("integer64", text)
}

/// Parses `text` as an unsigned FHIR integer type between `min` and
/// 2147483647.
fn parse_in_range(kind: &'static str, text: &str, min: u32) -> Result<u32, InvalidValue> {
    // Parse as a signed integer first so that a canonical negative number
    // gets the more helpful "out of range" reason rather than a syntax one.
    let value: i64 = parse_canonical(kind, text)?;
    match u32::try_from(value) {
        Ok(value) if (min..=MAX_UNSIGNED).contains(&value) => Ok(value),
        _ => Err(InvalidValue::new(kind, text, OUT_OF_RANGE)),
    }
}

/// Checks the canonical syntax `-?(0|[1-9][0-9]*)` (without `-0`), then
/// converts to `T`.
fn parse_canonical<T>(kind: &'static str, text: &str) -> Result<T, InvalidValue>
where
    T: FromStr<Err = std::num::ParseIntError>,
{
    check_canonical(text).map_err(|reason| InvalidValue::new(kind, text, reason))?;
    text.parse().map_err(|err: std::num::ParseIntError| {
        // The syntax is already checked, so only overflow can remain.
        let reason = match err.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => OUT_OF_RANGE,
            _ => "not an integer",
        };
        InvalidValue::new(kind, text, reason)
    })
}

/// Returns why `text` is not a canonical decimal integer.
fn check_canonical(text: &str) -> Result<(), &'static str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() {
        return Err("expected a digit");
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not an integer");
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err("leading zeros are not allowed");
    }
    if text == "-0" {
        return Err("negative zero is not allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts rejected by every integer parser, with the reason.
    const NON_CANONICAL: &[(&str, &str)] = &[
        ("", "expected a digit"),
        ("-", "expected a digit"),
        ("-0", "negative zero is not allowed"),
        ("+1", "not an integer"),
        ("01", "leading zeros are not allowed"),
        ("-01", "leading zeros are not allowed"),
        ("00", "leading zeros are not allowed"),
        ("1.0", "not an integer"),
        ("1e2", "not an integer"),
        (" 1", "not an integer"),
        ("1 ", "not an integer"),
        ("--1", "not an integer"),
        ("1_000", "not an integer"),
        ("0x1", "not an integer"),
        ("١", "not an integer"),
    ];

    #[test]
    fn integer_accepts_canonical_range() {
        for (text, value) in [
            ("0", 0),
            ("1", 1),
            ("-1", -1),
            ("42", 42),
            ("2147483647", i32::MAX),
            ("-2147483648", i32::MIN),
        ] {
            assert_eq!(parse_integer(text), Ok(value));
            // What the library writes back is the same text.
            assert_eq!(value.to_string(), text);
        }
    }

    #[test]
    fn integer_rejects_out_of_range() {
        for text in ["2147483648", "-2147483649", "99999999999999999999999"] {
            let err = parse_integer(text).unwrap_err();
            assert_eq!((err.kind(), err.reason()), ("integer", "out of range"));
        }
    }

    #[test]
    fn every_parser_rejects_non_canonical_text() {
        for &(text, reason) in NON_CANONICAL {
            let errors = [
                parse_integer(text).unwrap_err(),
                parse_unsigned_int(text).unwrap_err(),
                parse_positive_int(text).unwrap_err(),
                parse_integer64(text).unwrap_err(),
            ];
            for err in errors {
                assert_eq!(err.reason(), reason, "{} {text:?}", err.kind());
                assert_eq!(err.text(), text);
            }
        }
    }

    #[test]
    fn unsigned_int_range() {
        assert_eq!(parse_unsigned_int("0"), Ok(0));
        assert_eq!(parse_unsigned_int("2147483647"), Ok(2_147_483_647));
        for text in ["-1", "2147483648", "4294967295", "4294967296"] {
            let err = parse_unsigned_int(text).unwrap_err();
            assert_eq!(
                (err.kind(), err.reason()),
                ("unsignedInt", "out of range"),
                "{text}"
            );
        }
    }

    #[test]
    fn positive_int_range() {
        assert_eq!(parse_positive_int("1"), Ok(1));
        assert_eq!(parse_positive_int("2147483647"), Ok(2_147_483_647));
        for text in ["0", "-1", "2147483648"] {
            let err = parse_positive_int(text).unwrap_err();
            assert_eq!(
                (err.kind(), err.reason()),
                ("positiveInt", "out of range"),
                "{text}"
            );
        }
    }

    #[test]
    fn integer64_range() {
        assert_eq!(parse_integer64("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_integer64("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_integer64("2147483648"), Ok(2_147_483_648));
        for text in ["9223372036854775808", "-9223372036854775809"] {
            let err = parse_integer64(text).unwrap_err();
            assert_eq!((err.kind(), err.reason()), ("integer64", "out of range"));
        }
    }

    #[test]
    fn printed_values_parse_back_to_the_same_text() {
        let mut value: i64 = 1;
        for _ in 0..200 {
            value = value.wrapping_mul(-3).wrapping_add(7);
            let text = value.to_string();
            assert_eq!(parse_integer64(&text), Ok(value));
            if let Ok(small) = i32::try_from(value) {
                assert_eq!(parse_integer(&text), Ok(small));
            } else {
                assert_eq!(parse_integer(&text).unwrap_err().reason(), "out of range");
            }
        }
    }
}
