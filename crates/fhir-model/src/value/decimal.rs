//! The FHIR `decimal` type, kept as the exact text of the JSON number.

use std::fmt;
use std::str::FromStr;

use super::error::InvalidValue;

const KIND: &str = "decimal";

/// A FHIR `decimal`: a JSON number kept exactly as written.
///
/// FHIR gives the written form of a decimal meaning: `1.50` records a
/// precision of two decimal places that `1.5` does not, and a value may have
/// more digits than any binary float holds. So the text is stored unchanged
/// and re-emitted byte for byte; [`to_f64`](Self::to_f64) gives an
/// approximate number for arithmetic.
///
/// Accepted texts follow the JSON number grammar (which is also the FHIR R4
/// regex for `decimal`): `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
///
/// Equality and hashing compare the text, not the numeric value:
/// `1.0`, `1.00` and `1e0` are three different decimals, because FHIR treats
/// them as values of different precision.
///
/// # Examples
///
/// ```
/// use fhir_model::value::Decimal;
///
/// let d = Decimal::parse("1.50").unwrap();
/// assert_eq!(d.as_str(), "1.50");
/// assert_eq!(d.scale(), 2);
/// assert_eq!(d.to_f64(), 1.5);
/// assert_ne!(d, Decimal::parse("1.5").unwrap());
///
/// assert!(Decimal::parse("01").is_err());
/// assert!(Decimal::parse(".5").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// Parses a JSON number text, keeping it exactly as given.
    ///
    /// Rejects anything outside the JSON number grammar, e.g. `+1`, `01`,
    /// `.5`, `1.`, `1e`, `NaN` or surrounding whitespace.
    pub fn parse(text: &str) -> Result<Decimal, InvalidValue> {
        match check_json_number(text) {
            Ok(()) => Ok(Decimal(text.to_owned())),
            Err(reason) => Err(InvalidValue::new(KIND, text, reason)),
        }
    }

    /// The exact text of the number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the decimal and returns its text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The nearest `f64`. Precision beyond an `f64` is lost; magnitudes
    /// beyond its range become infinity or zero (with the text's sign).
    pub fn to_f64(&self) -> f64 {
        // Every text allowed by the JSON grammar is accepted by Rust's float
        // parser, which also saturates huge exponents instead of failing, so
        // the fallback is never taken; it only avoids a panic path.
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The number of digits after the decimal point as written, ignoring
    /// any exponent: `1.50` → 2, `100` → 0, `1E-22` → 0,
    /// `1.000000000000000000E-245` → 18.
    ///
    /// This is the precision FHIR attaches to the written value (the number
    /// of significant decimal places), not the scale of the numeric value.
    pub fn scale(&self) -> usize {
        let mantissa_end = self.0.find(['e', 'E']).unwrap_or(self.0.len());
        let mantissa = &self.0[..mantissa_end];
        match mantissa.split_once('.') {
            Some((_, fraction)) => fraction.len(),
            None => 0,
        }
    }
}

/// Checks `text` against `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
/// returning why it does not match.
fn check_json_number(text: &str) -> Result<(), &'static str> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err("empty");
    }
    let mut pos = usize::from(bytes[0] == b'-');

    let integer_digits = count_digits(&bytes[pos..]);
    if integer_digits == 0 {
        return Err("expected a digit");
    }
    if integer_digits > 1 && bytes[pos] == b'0' {
        return Err("leading zeros are not allowed");
    }
    pos += integer_digits;

    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let fraction_digits = count_digits(&bytes[pos..]);
        if fraction_digits == 0 {
            return Err("expected digits after the decimal point");
        }
        pos += fraction_digits;
    }

    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(bytes.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        let exponent_digits = count_digits(&bytes[pos..]);
        if exponent_digits == 0 {
            return Err("expected digits in the exponent");
        }
        pos += exponent_digits;
    }

    if pos != bytes.len() {
        return Err("unexpected character");
    }
    Ok(())
}

/// The number of ASCII digits at the start of `bytes`.
fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

impl FromStr for Decimal {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Decimal::parse(text)
    }
}

impl fmt::Display for Decimal {
    /// Writes the exact text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<i32> for Decimal {
    fn from(value: i32) -> Self {
        Decimal(value.to_string())
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Decimal(value.to_string())
    }
}

impl From<u32> for Decimal {
    fn from(value: u32) -> Self {
        Decimal(value.to_string())
    }
}

impl TryFrom<f64> for Decimal {
    type Error = InvalidValue;

    /// Writes a finite `f64` as the shortest text that parses back to the
    /// same `f64` (`100.0` → `100`, `0.1` → `0.1`, `1e-22` → `1e-22`).
    /// NaN and infinities have no JSON form and are rejected.
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if !value.is_finite() {
            return Err(InvalidValue::new(
                KIND,
                value.to_string(),
                "not a finite number",
            ));
        }
        // Both forms print the shortest digit sequence that round-trips and
        // both fit the JSON grammar; they differ only in where the digits go.
        // Plain notation is clearer for everyday numbers, exponent notation
        // avoids hundreds of zeros for very large or small ones.
        let plain = value.to_string();
        let exponent = format!("{value:e}");
        let text = if exponent.len() < plain.len() {
            exponent
        } else {
            plain
        };
        debug_assert!(check_json_number(&text).is_ok(), "{text}");
        Ok(Decimal(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[&str] = &[
        "0",
        "-0",
        "1",
        "-1",
        "100",
        "1.50",
        "1.0",
        "0.0",
        "-0.5",
        "1E-22",
        "1e2",
        "1E+2",
        "1e-0",
        "1.000000000000000000E-245",
        "123456789012345678901234567890123456",
        "0.000000000000000000000000000000001",
        "3.14159265358979323846264338327950288",
        "1e99999999999999999999999",
        "-1.5e-10",
    ];

    const INVALID: &[(&str, &str)] = &[
        ("", "empty"),
        ("-", "expected a digit"),
        ("+1", "expected a digit"),
        (".5", "expected a digit"),
        ("01", "leading zeros are not allowed"),
        ("-01.5", "leading zeros are not allowed"),
        ("00", "leading zeros are not allowed"),
        ("1.", "expected digits after the decimal point"),
        ("1.e5", "expected digits after the decimal point"),
        ("1e", "expected digits in the exponent"),
        ("1e+", "expected digits in the exponent"),
        ("1E-", "expected digits in the exponent"),
        (" 1", "expected a digit"),
        ("1 ", "unexpected character"),
        ("1.5.5", "unexpected character"),
        ("1e5.5", "unexpected character"),
        ("1,5", "unexpected character"),
        ("0x10", "unexpected character"),
        ("NaN", "expected a digit"),
        ("Infinity", "expected a digit"),
        ("-Infinity", "expected a digit"),
        ("١", "expected a digit"),
        ("1\u{0}", "unexpected character"),
    ];

    #[test]
    fn valid_texts_round_trip_exactly() {
        for &text in VALID {
            let d = Decimal::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(d.as_str(), text);
            assert_eq!(d.to_string(), text);
            assert_eq!(text.parse::<Decimal>().unwrap(), d);
            assert_eq!(d.clone().into_string(), text);
        }
    }

    #[test]
    fn invalid_texts_are_rejected_with_reason() {
        for &(text, reason) in INVALID {
            let err = Decimal::parse(text).expect_err(text);
            assert_eq!(err.kind(), "decimal");
            assert_eq!(err.text(), text);
            assert_eq!(err.reason(), reason, "{text:?}");
        }
    }

    #[test]
    fn generated_numbers_round_trip() {
        let signs = ["", "-"];
        let integers = ["0", "7", "10", "999", "12345678901234567890"];
        let fractions = ["", ".0", ".5", ".000", ".123456789"];
        let exponents = ["", "e0", "E5", "e+12", "E-300", "e007"];
        for sign in signs {
            for integer in integers {
                for fraction in fractions {
                    for exponent in exponents {
                        let text = format!("{sign}{integer}{fraction}{exponent}");
                        let d = Decimal::parse(&text).unwrap_or_else(|e| panic!("{e}"));
                        assert_eq!(d.as_str(), text);
                        assert_eq!(d.scale(), fraction.len().saturating_sub(1));
                    }
                }
            }
        }
    }

    #[test]
    fn equality_is_on_text() {
        let a = Decimal::parse("1.0").unwrap();
        let b = Decimal::parse("1.00").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.to_f64(), b.to_f64());
        assert_eq!(a, Decimal::parse("1.0").unwrap());
    }

    #[test]
    fn scale_counts_written_fraction_digits() {
        assert_eq!(Decimal::parse("1.50").unwrap().scale(), 2);
        assert_eq!(Decimal::parse("100").unwrap().scale(), 0);
        assert_eq!(Decimal::parse("1E-22").unwrap().scale(), 0);
        assert_eq!(
            Decimal::parse("1.000000000000000000E-245").unwrap().scale(),
            18
        );
        assert_eq!(Decimal::parse("-0.001e5").unwrap().scale(), 3);
    }

    #[test]
    fn to_f64_approximates() {
        assert_eq!(Decimal::parse("1.50").unwrap().to_f64(), 1.5);
        assert_eq!(Decimal::parse("1E-22").unwrap().to_f64(), 1e-22);
        assert_eq!(Decimal::parse("1e2").unwrap().to_f64(), 100.0);
        assert_eq!(
            Decimal::parse("1.000000000000000000E-245")
                .unwrap()
                .to_f64(),
            1e-245
        );
        assert_eq!(
            Decimal::parse("1e99999999999999999999").unwrap().to_f64(),
            f64::INFINITY
        );
        assert_eq!(
            Decimal::parse("-1e99999999999999999999").unwrap().to_f64(),
            f64::NEG_INFINITY
        );
        assert_eq!(
            Decimal::parse("1e-99999999999999999999").unwrap().to_f64(),
            0.0
        );
        let negative_zero = Decimal::parse("-0").unwrap().to_f64();
        assert!(negative_zero == 0.0 && negative_zero.is_sign_negative());
    }

    #[test]
    fn from_integers() {
        assert_eq!(Decimal::from(-42i32).as_str(), "-42");
        assert_eq!(Decimal::from(i32::MIN).as_str(), "-2147483648");
        assert_eq!(Decimal::from(i64::MAX).as_str(), "9223372036854775807");
        assert_eq!(Decimal::from(u32::MAX).as_str(), "4294967295");
        assert_eq!(Decimal::from(0u32).as_str(), "0");
    }

    #[test]
    fn from_f64_is_short_and_round_trips() {
        let cases = [
            (100.0, "100"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (1e-22, "1e-22"),
            (1e300, "1e300"),
            (1e-7, "1e-7"),
            (123456.0, "123456"),
            (0.30000000000000004, "0.30000000000000004"),
            (f64::MAX, "1.7976931348623157e308"),
            (5e-324, "5e-324"),
            (0.0, "0"),
            (-0.0, "-0"),
        ];
        for (value, text) in cases {
            let d = Decimal::try_from(value).unwrap();
            assert_eq!(d.as_str(), text);
            assert!(Decimal::parse(d.as_str()).is_ok());
            assert_eq!(d.to_f64().to_bits(), value.to_bits());
        }
    }

    #[test]
    fn from_f64_round_trips_many_values() {
        // A cheap deterministic spread of bit patterns, including subnormals.
        let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..10_000 {
            bits = bits.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let value = f64::from_bits(bits);
            match Decimal::try_from(value) {
                Ok(d) => {
                    assert!(check_json_number(d.as_str()).is_ok(), "{d:?}");
                    assert_eq!(d.to_f64().to_bits(), value.to_bits(), "{d:?}");
                }
                Err(_) => assert!(!value.is_finite()),
            }
        }
    }

    #[test]
    fn from_f64_rejects_non_finite() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = Decimal::try_from(value).unwrap_err();
            assert_eq!(err.kind(), "decimal");
            assert_eq!(err.reason(), "not a finite number");
        }
    }

    #[test]
    fn debug_shows_text() {
        assert_eq!(
            format!("{:?}", Decimal::parse("1.50").unwrap()),
            "Decimal(\"1.50\")"
        );
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let alphabet = ["0", "1", "9", "-", "+", ".", "e", "E", " ", "é", "x"];
        let mut text = String::new();
        let mut state: u32 = 1;
        for _ in 0..20_000 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let pick = (state >> 16) as usize;
            if pick % 9 == 0 {
                text.clear();
            }
            text.push_str(alphabet[pick % alphabet.len()]);
            if let Ok(d) = Decimal::parse(&text) {
                assert_eq!(d.as_str(), text);
                let _ = (d.to_f64(), d.scale());
            }
        }
    }
}
