//! FHIR primitive values that keep their exact text.
//!
//! Reading a FHIR resource and writing it back must give the same JSON.
//! Several primitive types have more than one way to write the same
//! value, and FHIR gives the written form meaning:
//!
//! * a `decimal` `1.50` has a precision of two decimal places that `1.5`
//!   lacks, and may have more digits than any float can hold;
//! * a `dateTime` `2015-02-07T13:28:17+00:00` is written differently from
//!   `…Z`, and `2015-02` is a month, not the first of that month.
//!
//! So [`Decimal`], [`Date`], [`DateTime`], [`Instant`] and [`Time`] store
//! only their validated text and re-emit it unchanged. Typed accessors
//! (`year()`, `offset()`, `to_f64()`, …) read the components back from that
//! text when needed. Equality and hashing compare the text.
//!
//! The integer types are stored as Rust numbers instead, so their parsers
//! ([`parse_integer`] and friends) accept only the canonical text that
//! printing the number reproduces. String-like types stay plain `String`s;
//! the `check_*` functions validate them.
//!
//! All validation follows the regexes in the FHIR R4 StructureDefinitions of
//! the primitive types and is hand-written (no regex engine). Every failure
//! is an [`InvalidValue`] naming the FHIR type, the text and the reason.
//!
//! # Examples
//!
//! ```
//! use fhir_model::value::{DateTime, Decimal, TimeZone, parse_positive_int};
//!
//! let issued = DateTime::parse("2015-02-07T13:28:17+00:00").unwrap();
//! assert_eq!(issued.offset(), Some(TimeZone::Offset { minutes: 0 }));
//! assert_eq!(issued.to_string(), "2015-02-07T13:28:17+00:00");
//!
//! let dose = Decimal::parse("1.50").unwrap();
//! assert_eq!(dose.to_string(), "1.50");
//!
//! assert_eq!(parse_positive_int("3"), Ok(3));
//! assert!(parse_positive_int("03").is_err());
//! ```

mod date_time;
mod decimal;
mod error;
mod integer;
mod strings;

pub use date_time::{Date, DatePrecision, DateTime, DateTimePrecision, Instant, Time, TimeZone};
pub use decimal::Decimal;
pub use error::InvalidValue;
pub use integer::{parse_integer, parse_integer64, parse_positive_int, parse_unsigned_int};
pub use strings::{
    check_base64, check_canonical, check_code, check_id, check_markdown, check_oid, check_string,
    check_uri, check_url, check_uuid,
};
