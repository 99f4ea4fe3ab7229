//! The FHIR `date`, `dateTime`, `instant` and `time` types.
//!
//! Each type stores only its validated text. Accessors read the components
//! back from fixed positions in that text, which is cheap and cannot fail
//! because the text was checked when the value was created. The text is
//! never rewritten: `+00:00` stays `+00:00` (not `Z`) and `.000` stays.

use std::fmt;
use std::str::FromStr;

use super::error::InvalidValue;

/// How much of a [`Date`] is given.
///
/// The order runs from coarsest to finest, so `Year < Month < Day`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatePrecision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
}

/// How much of a [`DateTime`] is given.
///
/// The order runs from coarsest to finest, so `Year < Month < Day < Second`.
/// FHIR has no hour or minute precision: a time always includes seconds.
/// Fractional seconds do not change the precision; see
/// [`DateTime::fraction`] for how many digits were given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DateTimePrecision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM-DDThh:mm:ss` with optional fraction, and a time zone.
    Second,
}

impl From<DatePrecision> for DateTimePrecision {
    fn from(precision: DatePrecision) -> Self {
        match precision {
            DatePrecision::Year => DateTimePrecision::Year,
            DatePrecision::Month => DateTimePrecision::Month,
            DatePrecision::Day => DateTimePrecision::Day,
        }
    }
}

/// The time zone written after a time.
///
/// `Z` and `+00:00` mean the same instant but are different texts, so they
/// are kept apart here too. `-00:00` (allowed by the FHIR regex) reads as
/// `Offset { minutes: 0 }` like `+00:00`; the value's text still keeps the
/// sign it was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeZone {
    /// Written as `Z`.
    Utc,
    /// Written as `+hh:mm` or `-hh:mm`: the offset from UTC in minutes,
    /// between -840 and 840 (±14:00).
    Offset {
        /// Minutes east of UTC (negative west of UTC).
        minutes: i16,
    },
}

impl TimeZone {
    /// The offset from UTC in minutes; `0` for [`TimeZone::Utc`].
    pub fn offset_minutes(self) -> i16 {
        match self {
            TimeZone::Utc => 0,
            TimeZone::Offset { minutes } => minutes,
        }
    }
}

/// A FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, kept exactly as written.
///
/// The year runs from 0001 to 9999 and the day must exist in the calendar
/// (February 29 only in leap years). Equality and hashing compare the text.
///
/// # Examples
///
/// ```
/// use fhir_model::value::{Date, DatePrecision};
///
/// let date = Date::parse("2012-02").unwrap();
/// assert_eq!(date.year(), 2012);
/// assert_eq!(date.month(), Some(2));
/// assert_eq!(date.day(), None);
/// assert_eq!(date.precision(), DatePrecision::Month);
/// assert_eq!(date.as_str(), "2012-02");
///
/// assert!(Date::parse("2012-02-29").is_ok());
/// assert!(Date::parse("2013-02-29").is_err());
/// assert_eq!(Date::from_ymd(2024, 1, 5).unwrap().as_str(), "2024-01-05");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Date(String);

/// A FHIR `dateTime`: a [`Date`] of any precision, or a full date and time
/// `YYYY-MM-DDThh:mm:ss(.fraction)` followed by a time zone (`Z`, `+hh:mm`
/// or `-hh:mm`), kept exactly as written.
///
/// A time zone is required whenever a time is given, and seconds are
/// required (FHIR R4 regex). Equality and hashing compare the text, so
/// `…T10:00:00Z` and `…T10:00:00+00:00` are different values.
///
/// # Examples
///
/// ```
/// use fhir_model::value::{DateTime, DateTimePrecision, TimeZone};
///
/// let dt = DateTime::parse("2015-02-07T13:28:17.239+02:00").unwrap();
/// assert_eq!(dt.as_str(), "2015-02-07T13:28:17.239+02:00");
/// assert_eq!(dt.precision(), DateTimePrecision::Second);
/// assert_eq!(dt.hour(), Some(13));
/// assert_eq!(dt.fraction(), Some("239"));
/// assert_eq!(dt.offset(), Some(TimeZone::Offset { minutes: 120 }));
///
/// let year_only = DateTime::parse("2015").unwrap();
/// assert_eq!(year_only.precision(), DateTimePrecision::Year);
/// assert_eq!(year_only.offset(), None);
///
/// assert!(DateTime::parse("2015-02-07T13:28:17").is_err()); // no time zone
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DateTime(String);

/// A FHIR `instant`: always `YYYY-MM-DDThh:mm:ss(.fraction)` plus a time
/// zone, kept exactly as written. Every instant is also a valid
/// [`DateTime`].
///
/// # Examples
///
/// ```
/// use fhir_model::value::{Instant, TimeZone};
///
/// let instant = Instant::parse("2015-02-07T13:28:17.000+10:00").unwrap();
/// assert_eq!(instant.as_str(), "2015-02-07T13:28:17.000+10:00");
/// assert_eq!(instant.second(), 17);
/// assert_eq!(instant.fraction(), Some("000"));
/// assert_eq!(instant.offset(), TimeZone::Offset { minutes: 600 });
///
/// assert!(Instant::parse("2015-02-07").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instant(String);

/// A FHIR `time`: a time of day `hh:mm:ss(.fraction)` without a time zone,
/// kept exactly as written. Seconds are required; `60` is allowed for a
/// leap second.
///
/// # Examples
///
/// ```
/// use fhir_model::value::Time;
///
/// let time = Time::parse("09:30:00.5").unwrap();
/// assert_eq!((time.hour(), time.minute(), time.second()), (9, 30, 0));
/// assert_eq!(time.fraction(), Some("5"));
///
/// assert!(Time::parse("09:30").is_err());
/// assert!(Time::parse("24:00:00").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Time(String);

impl Date {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, keeping the text as given.
    pub fn parse(text: &str) -> Result<Date, InvalidValue> {
        parse_date(text)
            .map(|_| Date(text.to_owned()))
            .map_err(|reason| InvalidValue::new("date", text, reason))
    }

    /// A year-only date (`YYYY`); `year` must be 1 to 9999.
    pub fn from_year(year: u16) -> Result<Date, InvalidValue> {
        let text = format!("{year:04}");
        check_year(year.into())
            .map_err(|reason| InvalidValue::new("date", text.as_str(), reason))?;
        Ok(Date(text))
    }

    /// A year-and-month date (`YYYY-MM`).
    pub fn from_year_month(year: u16, month: u8) -> Result<Date, InvalidValue> {
        let text = format!("{year:04}-{month:02}");
        check_year(year.into())
            .and_then(|()| check_month(month.into()))
            .map_err(|reason| InvalidValue::new("date", text.as_str(), reason))?;
        Ok(Date(text))
    }

    /// A full date (`YYYY-MM-DD`); the day must exist in that month.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Result<Date, InvalidValue> {
        let text = format!("{year:04}-{month:02}-{day:02}");
        check_year(year.into())
            .and_then(|()| check_month(month.into()))
            .and_then(|()| check_day(year.into(), month.into(), day.into()))
            .map_err(|reason| InvalidValue::new("date", text.as_str(), reason))?;
        Ok(Date(text))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the date and returns its text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The year, 1 to 9999.
    pub fn year(&self) -> u16 {
        year_of(&self.0)
    }

    /// The month, 1 to 12, if given.
    pub fn month(&self) -> Option<u8> {
        month_of(&self.0)
    }

    /// The day of the month, 1 to 31, if given.
    pub fn day(&self) -> Option<u8> {
        day_of(&self.0)
    }

    /// Which parts are given.
    pub fn precision(&self) -> DatePrecision {
        match self.0.len() {
            4 => DatePrecision::Year,
            7 => DatePrecision::Month,
            _ => DatePrecision::Day,
        }
    }
}

impl DateTime {
    /// Parses a FHIR `dateTime`, keeping the text as given.
    pub fn parse(text: &str) -> Result<DateTime, InvalidValue> {
        parse_date_time(text)
            .map(|_| DateTime(text.to_owned()))
            .map_err(|reason| InvalidValue::new("dateTime", text, reason))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value and returns its text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Which parts are given.
    pub fn precision(&self) -> DateTimePrecision {
        match self.0.len() {
            4 => DateTimePrecision::Year,
            7 => DateTimePrecision::Month,
            10 => DateTimePrecision::Day,
            _ => DateTimePrecision::Second,
        }
    }

    /// The year, 1 to 9999.
    pub fn year(&self) -> u16 {
        year_of(&self.0)
    }

    /// The month, 1 to 12, if given.
    pub fn month(&self) -> Option<u8> {
        month_of(&self.0)
    }

    /// The day of the month, 1 to 31, if given.
    pub fn day(&self) -> Option<u8> {
        day_of(&self.0)
    }

    /// The hour, 0 to 23, if a time is given.
    pub fn hour(&self) -> Option<u8> {
        self.has_time().then(|| two_digits(&self.0, HOUR_AT))
    }

    /// The minute, 0 to 59, if a time is given.
    pub fn minute(&self) -> Option<u8> {
        self.has_time().then(|| two_digits(&self.0, MINUTE_AT))
    }

    /// The second, 0 to 60 (60 is a leap second), if a time is given.
    pub fn second(&self) -> Option<u8> {
        self.has_time().then(|| two_digits(&self.0, SECOND_AT))
    }

    /// The digits after the decimal point of the seconds, as written
    /// (`"239"`, `"000"`), if any.
    pub fn fraction(&self) -> Option<&str> {
        fraction_at(&self.0, FRACTION_DOT_AT)
    }

    /// The time zone, which is present exactly when a time is given.
    pub fn offset(&self) -> Option<TimeZone> {
        self.has_time().then(|| zone_of(&self.0))
    }

    /// The date part (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), without the time.
    pub fn date(&self) -> Date {
        Date(self.0[..self.0.len().min(DATE_LEN)].to_owned())
    }

    /// The time of day as written (`hh:mm:ss(.fraction)`, without the time
    /// zone), if a time is given.
    pub fn time(&self) -> Option<Time> {
        self.has_time().then(|| time_of(&self.0))
    }

    fn has_time(&self) -> bool {
        self.0.len() > DATE_LEN
    }
}

impl Instant {
    /// Parses a FHIR `instant`, keeping the text as given.
    pub fn parse(text: &str) -> Result<Instant, InvalidValue> {
        parse_instant(text)
            .map(|()| Instant(text.to_owned()))
            .map_err(|reason| InvalidValue::new("instant", text, reason))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value and returns its text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The year, 1 to 9999.
    pub fn year(&self) -> u16 {
        year_of(&self.0)
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        two_digits(&self.0, MONTH_AT)
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        two_digits(&self.0, DAY_AT)
    }

    /// The hour, 0 to 23.
    pub fn hour(&self) -> u8 {
        two_digits(&self.0, HOUR_AT)
    }

    /// The minute, 0 to 59.
    pub fn minute(&self) -> u8 {
        two_digits(&self.0, MINUTE_AT)
    }

    /// The second, 0 to 60 (60 is a leap second).
    pub fn second(&self) -> u8 {
        two_digits(&self.0, SECOND_AT)
    }

    /// The digits after the decimal point of the seconds, as written, if any.
    pub fn fraction(&self) -> Option<&str> {
        fraction_at(&self.0, FRACTION_DOT_AT)
    }

    /// The time zone.
    pub fn offset(&self) -> TimeZone {
        zone_of(&self.0)
    }

    /// The date part, `YYYY-MM-DD`.
    pub fn date(&self) -> Date {
        Date(self.0[..DATE_LEN].to_owned())
    }

    /// The time of day as written, without the time zone.
    pub fn time(&self) -> Time {
        time_of(&self.0)
    }
}

impl Time {
    /// Parses `hh:mm:ss(.fraction)`, keeping the text as given.
    pub fn parse(text: &str) -> Result<Time, InvalidValue> {
        parse_time(text)
            .map(|()| Time(text.to_owned()))
            .map_err(|reason| InvalidValue::new("time", text, reason))
    }

    /// A time without fraction (`hh:mm:ss`); `second` may be 60.
    pub fn from_hms(hour: u8, minute: u8, second: u8) -> Result<Time, InvalidValue> {
        let text = format!("{hour:02}:{minute:02}:{second:02}");
        check_hms(hour.into(), minute.into(), second.into())
            .map_err(|reason| InvalidValue::new("time", text.as_str(), reason))?;
        Ok(Time(text))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value and returns its text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The hour, 0 to 23.
    pub fn hour(&self) -> u8 {
        two_digits(&self.0, 0)
    }

    /// The minute, 0 to 59.
    pub fn minute(&self) -> u8 {
        two_digits(&self.0, 3)
    }

    /// The second, 0 to 60 (60 is a leap second).
    pub fn second(&self) -> u8 {
        two_digits(&self.0, 6)
    }

    /// The digits after the decimal point of the seconds, as written, if any.
    pub fn fraction(&self) -> Option<&str> {
        fraction_at(&self.0, 8)
    }
}

impl From<Date> for DateTime {
    /// Every date is a valid dateTime; the text is kept.
    fn from(date: Date) -> Self {
        DateTime(date.0)
    }
}

impl From<Instant> for DateTime {
    /// Every instant is a valid dateTime; the text is kept.
    fn from(instant: Instant) -> Self {
        DateTime(instant.0)
    }
}

impl TryFrom<DateTime> for Instant {
    type Error = InvalidValue;

    /// Succeeds when the dateTime has a time (and so a time zone).
    fn try_from(date_time: DateTime) -> Result<Self, Self::Error> {
        if date_time.has_time() {
            Ok(Instant(date_time.0))
        } else {
            Err(InvalidValue::new(
                "instant",
                date_time.0,
                INCOMPLETE_INSTANT,
            ))
        }
    }
}

/// Implements `FromStr` and `Display` (the exact text) for a text newtype.
macro_rules! text_traits {
    ($($ty:ident),*) => {$(
        impl FromStr for $ty {
            type Err = InvalidValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $ty::parse(text)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

text_traits!(Date, DateTime, Instant, Time);

// Byte positions in `YYYY-MM-DDThh:mm:ss.fff+hh:mm`.
const MONTH_AT: usize = 5;
const DAY_AT: usize = 8;
const DATE_LEN: usize = 10;
const HOUR_AT: usize = 11;
const MINUTE_AT: usize = 14;
const SECOND_AT: usize = 17;
const FRACTION_DOT_AT: usize = 19;
/// Length of `+hh:mm`.
const OFFSET_LEN: usize = 6;

const INCOMPLETE_INSTANT: &str = "an instant needs a full date, a time and a time zone";

// ---------------------------------------------------------------------
// Validation. Each function returns the reason a text is rejected.
// ---------------------------------------------------------------------

fn parse_date(text: &str) -> Result<DatePrecision, &'static str> {
    let mut reader = Reader::new(text);
    let precision = read_date(&mut reader)?;
    if !reader.at_end() {
        return Err("unexpected characters after the date");
    }
    Ok(precision)
}

fn parse_date_time(text: &str) -> Result<DateTimePrecision, &'static str> {
    let mut reader = Reader::new(text);
    let precision = read_date(&mut reader)?;
    if reader.at_end() {
        return Ok(precision.into());
    }
    // A time may only follow a full date, separated by `T`.
    if precision != DatePrecision::Day || !reader.eat(b'T') {
        return Err("unexpected characters after the date");
    }
    read_time(&mut reader)?;
    read_zone(&mut reader)?;
    if !reader.at_end() {
        return Err("unexpected characters after the time zone");
    }
    Ok(DateTimePrecision::Second)
}

fn parse_instant(text: &str) -> Result<(), &'static str> {
    // An instant is exactly a dateTime with a time, so reuse its grammar
    // and error messages, then require the finest precision.
    match parse_date_time(text)? {
        DateTimePrecision::Second => Ok(()),
        _ => Err(INCOMPLETE_INSTANT),
    }
}

fn parse_time(text: &str) -> Result<(), &'static str> {
    let mut reader = Reader::new(text);
    read_time(&mut reader)?;
    if !reader.at_end() {
        return Err("unexpected characters after the time");
    }
    Ok(())
}

/// Reads `YYYY(-MM(-DD)?)?`.
fn read_date(reader: &mut Reader<'_>) -> Result<DatePrecision, &'static str> {
    let year = reader.digits(4).ok_or("expected a four-digit year")?;
    check_year(year)?;
    if !reader.eat(b'-') {
        return Ok(DatePrecision::Year);
    }
    let month = reader.digits(2).ok_or("expected a two-digit month")?;
    check_month(month)?;
    if !reader.eat(b'-') {
        return Ok(DatePrecision::Month);
    }
    let day = reader.digits(2).ok_or("expected a two-digit day")?;
    check_day(year, month, day)?;
    Ok(DatePrecision::Day)
}

/// Reads `hh:mm:ss(.fraction)?`.
fn read_time(reader: &mut Reader<'_>) -> Result<(), &'static str> {
    let hour = reader.digits(2).ok_or("expected a two-digit hour")?;
    if !reader.eat(b':') {
        return Err("expected ':' after the hour");
    }
    let minute = reader.digits(2).ok_or("expected two-digit minutes")?;
    if !reader.eat(b':') {
        return Err("expected ':' and seconds after the minutes (seconds are required)");
    }
    let second = reader.digits(2).ok_or("expected two-digit seconds")?;
    check_hms(hour, minute, second)?;
    if reader.eat(b'.') && reader.skip_digits() == 0 {
        return Err("expected digits after the decimal point");
    }
    Ok(())
}

/// Reads `Z`, `+hh:mm` or `-hh:mm`, at most ±14:00.
fn read_zone(reader: &mut Reader<'_>) -> Result<(), &'static str> {
    if reader.eat(b'Z') {
        return Ok(());
    }
    if !reader.eat(b'+') && !reader.eat(b'-') {
        return Err(if reader.at_end() {
            "a time zone is required when a time is given"
        } else {
            "expected a time zone: Z, +hh:mm or -hh:mm"
        });
    }
    let hours = reader
        .digits(2)
        .ok_or("expected a two-digit time zone hour")?;
    if !reader.eat(b':') {
        return Err("expected ':' in the time zone");
    }
    let minutes = reader
        .digits(2)
        .ok_or("expected two-digit time zone minutes")?;
    if minutes > 59 || hours * 60 + minutes > 14 * 60 {
        return Err("time zone offset out of range");
    }
    Ok(())
}

fn check_year(year: u32) -> Result<(), &'static str> {
    // The FHIR regex excludes year 0000 (there is no year zero in the
    // Gregorian calendar as used by FHIR).
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err("year out of range")
    }
}

fn check_month(month: u32) -> Result<(), &'static str> {
    if (1..=12).contains(&month) {
        Ok(())
    } else {
        Err("month out of range")
    }
}

fn check_day(year: u32, month: u32, day: u32) -> Result<(), &'static str> {
    if !(1..=31).contains(&day) {
        return Err("day out of range");
    }
    if day > days_in_month(year, month) {
        return Err("day out of range for the month");
    }
    Ok(())
}

fn check_hms(hour: u32, minute: u32, second: u32) -> Result<(), &'static str> {
    if hour > 23 {
        return Err("hour out of range");
    }
    if minute > 59 {
        return Err("minute out of range");
    }
    // 60 is a leap second, which the FHIR regex allows.
    if second > 60 {
        return Err("second out of range");
    }
    Ok(())
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Gregorian rule: every fourth year, except centuries not divisible by 400.
fn is_leap_year(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// A left-to-right reader over ASCII text.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// Consumes `expected` if it is the next byte.
    fn eat(&mut self, expected: u8) -> bool {
        let found = self.bytes.get(self.pos) == Some(&expected);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes exactly `width` ASCII digits and returns their value.
    fn digits(&mut self, width: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + width)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += width;
        Some(slice.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
    }

    /// Consumes any number of ASCII digits and returns how many.
    fn skip_digits(&mut self) -> usize {
        let count = self.bytes[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.pos += count;
        count
    }
}

// ---------------------------------------------------------------------
// Accessors on validated text. The parsers above guarantee the digits and
// positions these functions read.
// ---------------------------------------------------------------------

fn digit(text: &str, at: usize) -> u8 {
    text.as_bytes()[at] - b'0'
}

fn two_digits(text: &str, at: usize) -> u8 {
    digit(text, at) * 10 + digit(text, at + 1)
}

fn year_of(text: &str) -> u16 {
    (0..4).fold(0, |year, at| year * 10 + u16::from(digit(text, at)))
}

fn month_of(text: &str) -> Option<u8> {
    (text.len() > MONTH_AT).then(|| two_digits(text, MONTH_AT))
}

fn day_of(text: &str) -> Option<u8> {
    (text.len() > DAY_AT).then(|| two_digits(text, DAY_AT))
}

/// The digits after a `.` at byte `dot`, if there is one.
fn fraction_at(text: &str, dot: usize) -> Option<&str> {
    if text.as_bytes().get(dot) != Some(&b'.') {
        return None;
    }
    let rest = &text[dot + 1..];
    let len = rest.bytes().take_while(u8::is_ascii_digit).count();
    Some(&rest[..len])
}

/// Where the time zone starts in a text with a time: it is either the final
/// `Z` or the final `+hh:mm` / `-hh:mm`.
fn zone_start(text: &str) -> usize {
    if text.ends_with('Z') {
        text.len() - 1
    } else {
        text.len() - OFFSET_LEN
    }
}

fn zone_of(text: &str) -> TimeZone {
    let start = zone_start(text);
    let zone = &text[start..];
    if zone == "Z" {
        return TimeZone::Utc;
    }
    let minutes = i16::from(two_digits(zone, 1)) * 60 + i16::from(two_digits(zone, 4));
    TimeZone::Offset {
        minutes: if zone.starts_with('-') {
            -minutes
        } else {
            minutes
        },
    }
}

fn time_of(text: &str) -> Time {
    Time(text[HOUR_AT..zone_start(text)].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID_DATES: &[&str] = &[
        "0001",
        "1905",
        "9999",
        "2012-01",
        "2012-12",
        "2012-02-29",
        "2000-02-29",
        "1600-02-29",
        "2013-02-28",
        "2012-04-30",
        "2012-12-31",
        "0001-01-01",
    ];

    const INVALID_DATES: &[(&str, &str)] = &[
        ("", "expected a four-digit year"),
        ("0000", "year out of range"),
        ("0000-01-01", "year out of range"),
        ("123", "expected a four-digit year"),
        ("12345", "unexpected characters after the date"),
        ("2012-", "expected a two-digit month"),
        ("2012-1", "expected a two-digit month"),
        ("2012-00", "month out of range"),
        ("2012-13", "month out of range"),
        ("2012-01-", "expected a two-digit day"),
        ("2012-01-1", "expected a two-digit day"),
        ("2012-01-00", "day out of range"),
        ("2012-01-32", "day out of range"),
        ("2012-02-30", "day out of range for the month"),
        ("2013-02-29", "day out of range for the month"),
        ("1900-02-29", "day out of range for the month"),
        ("2012-04-31", "day out of range for the month"),
        ("2012-06-31", "day out of range for the month"),
        ("2012-09-31", "day out of range for the month"),
        ("2012-11-31", "day out of range for the month"),
        (
            "2012-01-01T10:00:00Z",
            "unexpected characters after the date",
        ),
        ("2012-01-01 ", "unexpected characters after the date"),
        (" 2012", "expected a four-digit year"),
        ("2012/01/01", "unexpected characters after the date"),
        ("20120101", "unexpected characters after the date"),
        ("+2012", "expected a four-digit year"),
        ("２０１２", "expected a four-digit year"),
    ];

    const VALID_DATE_TIMES: &[&str] = &[
        "2015",
        "2015-02",
        "2015-02-07",
        "2015-02-07T13:28:17Z",
        "2015-02-07T13:28:17.239+02:00",
        "2015-02-07T13:28:17.239+00:00",
        "2015-02-07T13:28:17-05:00",
        "2015-02-07T13:28:17.000+10:00",
        "2015-02-07T00:00:00+14:00",
        "2015-02-07T23:59:59-14:00",
        "2015-02-07T23:59:60Z",
        "2015-02-07T12:00:00-00:00",
        "2015-02-07T12:00:00+13:59",
        "2015-02-07T12:00:00.1Z",
        "2015-02-07T12:00:00.123456789012345678901234567890Z",
        "2012-02-29T12:00:00Z",
    ];

    const INVALID_DATE_TIMES: &[(&str, &str)] = &[
        (
            "2015-02-07T13:28:17",
            "a time zone is required when a time is given",
        ),
        (
            "2015-02-07T13:28:17.239",
            "a time zone is required when a time is given",
        ),
        (
            "2015-02-07T13:28Z",
            "expected ':' and seconds after the minutes (seconds are required)",
        ),
        (
            "2015-02-07T13:28",
            "expected ':' and seconds after the minutes (seconds are required)",
        ),
        ("2015-02-07T13Z", "expected ':' after the hour"),
        ("2015-02-07T", "expected a two-digit hour"),
        ("2015-02-07T24:00:00Z", "hour out of range"),
        ("2015-02-07T23:60:00Z", "minute out of range"),
        ("2015-02-07T23:59:61Z", "second out of range"),
        ("2015-02-07T1:00:00Z", "expected a two-digit hour"),
        (
            "2015-02-07T13:28:17.Z",
            "expected digits after the decimal point",
        ),
        (
            "2015-02-07T13:28:17,5Z",
            "expected a time zone: Z, +hh:mm or -hh:mm",
        ),
        (
            "2015-02-07T13:28:17z",
            "expected a time zone: Z, +hh:mm or -hh:mm",
        ),
        ("2015-02-07T13:28:17+14:01", "time zone offset out of range"),
        ("2015-02-07T13:28:17-15:00", "time zone offset out of range"),
        ("2015-02-07T13:28:17+05:60", "time zone offset out of range"),
        ("2015-02-07T13:28:17+0500", "expected ':' in the time zone"),
        ("2015-02-07T13:28:17+05", "expected ':' in the time zone"),
        (
            "2015-02-07T13:28:17+5:00",
            "expected a two-digit time zone hour",
        ),
        (
            "2015-02-07T13:28:17+05:0",
            "expected two-digit time zone minutes",
        ),
        (
            "2015-02-07T13:28:17ZZ",
            "unexpected characters after the time zone",
        ),
        (
            "2015-02-07T13:28:17Z ",
            "unexpected characters after the time zone",
        ),
        (
            "2015-02-07 13:28:17Z",
            "unexpected characters after the date",
        ),
        (
            "2015-02-07t13:28:17Z",
            "unexpected characters after the date",
        ),
        ("2015-02T13:28:17Z", "unexpected characters after the date"),
        ("2015T13:28:17Z", "unexpected characters after the date"),
        ("2015-02-30T13:28:17Z", "day out of range for the month"),
        ("0000-01-01T00:00:00Z", "year out of range"),
    ];

    #[test]
    fn valid_dates_round_trip() {
        for &text in VALID_DATES {
            let date = Date::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(date.as_str(), text);
            assert_eq!(date.to_string(), text);
            assert_eq!(text.parse::<Date>().unwrap(), date);
            // Every date is also a dateTime.
            assert_eq!(DateTime::parse(text).unwrap().as_str(), text);
        }
    }

    #[test]
    fn invalid_dates_are_rejected_with_reason() {
        for &(text, reason) in INVALID_DATES {
            let err = Date::parse(text).expect_err(text);
            assert_eq!((err.kind(), err.text()), ("date", text));
            assert_eq!(err.reason(), reason, "{text:?}");
        }
    }

    #[test]
    fn date_accessors() {
        let date = Date::parse("2012").unwrap();
        assert_eq!((date.year(), date.month(), date.day()), (2012, None, None));
        assert_eq!(date.precision(), DatePrecision::Year);

        let date = Date::parse("0987-06").unwrap();
        assert_eq!(
            (date.year(), date.month(), date.day()),
            (987, Some(6), None)
        );
        assert_eq!(date.precision(), DatePrecision::Month);

        let date = Date::parse("2012-02-29").unwrap();
        assert_eq!(
            (date.year(), date.month(), date.day()),
            (2012, Some(2), Some(29))
        );
        assert_eq!(date.precision(), DatePrecision::Day);
    }

    #[test]
    fn calendar_matches_an_independent_day_count() {
        // Days per month for common and leap years, written out by hand.
        const COMMON: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        for year in [
            1, 4, 100, 200, 400, 1582, 1900, 1999, 2000, 2023, 2024, 2100, 9996, 9999,
        ] {
            let leap = year % 400 == 0 || (year % 4 == 0 && year % 100 != 0);
            for month in 1..=12u32 {
                let mut length = COMMON[month as usize - 1];
                if month == 2 && leap {
                    length = 29;
                }
                for day in 0..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    let valid = (1..=length).contains(&day);
                    assert_eq!(Date::parse(&text).is_ok(), valid, "{text}");
                    assert_eq!(
                        Date::from_ymd(year as u16, month as u8, day as u8).is_ok(),
                        valid,
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn date_constructors() {
        assert_eq!(Date::from_year(1).unwrap().as_str(), "0001");
        assert_eq!(Date::from_year(9999).unwrap().as_str(), "9999");
        assert_eq!(
            Date::from_year(0).unwrap_err().reason(),
            "year out of range"
        );
        assert_eq!(
            Date::from_year(10000).unwrap_err().reason(),
            "year out of range"
        );
        assert_eq!(Date::from_year_month(2012, 3).unwrap().as_str(), "2012-03");
        assert_eq!(
            Date::from_year_month(2012, 13).unwrap_err().reason(),
            "month out of range"
        );
        assert_eq!(Date::from_ymd(2012, 2, 29).unwrap().as_str(), "2012-02-29");
        let err = Date::from_ymd(2012, 2, 30).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid date \"2012-02-30\": day out of range for the month"
        );
    }

    #[test]
    fn valid_date_times_round_trip() {
        for &text in VALID_DATE_TIMES {
            let dt = DateTime::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(dt.as_str(), text);
            assert_eq!(dt.to_string(), text);
            assert_eq!(text.parse::<DateTime>().unwrap(), dt);
            assert_eq!(dt.clone().into_string(), text);
        }
    }

    #[test]
    fn invalid_date_times_are_rejected_with_reason() {
        for &(text, reason) in INVALID_DATE_TIMES {
            let err = DateTime::parse(text).expect_err(text);
            assert_eq!((err.kind(), err.text()), ("dateTime", text));
            assert_eq!(err.reason(), reason, "{text:?}");
        }
        // Everything that is not a valid date is not a valid dateTime either.
        for &(text, _) in INVALID_DATES {
            if !text.contains('T') {
                assert!(DateTime::parse(text).is_err(), "{text}");
            }
        }
    }

    #[test]
    fn date_time_accessors() {
        let dt = DateTime::parse("2015-02-07T13:28:17.239+02:00").unwrap();
        assert_eq!(dt.precision(), DateTimePrecision::Second);
        assert_eq!((dt.year(), dt.month(), dt.day()), (2015, Some(2), Some(7)));
        assert_eq!(
            (dt.hour(), dt.minute(), dt.second()),
            (Some(13), Some(28), Some(17))
        );
        assert_eq!(dt.fraction(), Some("239"));
        assert_eq!(dt.offset(), Some(TimeZone::Offset { minutes: 120 }));
        assert_eq!(dt.date().as_str(), "2015-02-07");
        assert_eq!(dt.time().unwrap().as_str(), "13:28:17.239");

        let dt = DateTime::parse("2015-02-07T13:28:17-05:30").unwrap();
        assert_eq!(dt.fraction(), None);
        assert_eq!(dt.offset(), Some(TimeZone::Offset { minutes: -330 }));
        assert_eq!(dt.time().unwrap().as_str(), "13:28:17");

        let dt = DateTime::parse("2015-02-07T13:28:17Z").unwrap();
        assert_eq!(dt.offset(), Some(TimeZone::Utc));
        assert_eq!(dt.time().unwrap().as_str(), "13:28:17");

        let dt = DateTime::parse("2015-02-07T13:28:17.5Z").unwrap();
        assert_eq!(dt.fraction(), Some("5"));
        assert_eq!(dt.time().unwrap().as_str(), "13:28:17.5");

        let dt = DateTime::parse("2015-02-07T13:28:17+00:00").unwrap();
        assert_eq!(dt.offset(), Some(TimeZone::Offset { minutes: 0 }));
        assert_ne!(dt, DateTime::parse("2015-02-07T13:28:17Z").unwrap());

        let dt = DateTime::parse("2015-02-07T13:28:17-14:00").unwrap();
        assert_eq!(dt.offset().unwrap().offset_minutes(), -840);

        for (text, precision) in [
            ("2015", DateTimePrecision::Year),
            ("2015-02", DateTimePrecision::Month),
            ("2015-02-07", DateTimePrecision::Day),
        ] {
            let dt = DateTime::parse(text).unwrap();
            assert_eq!(dt.precision(), precision);
            assert_eq!((dt.hour(), dt.minute(), dt.second()), (None, None, None));
            assert_eq!((dt.fraction(), dt.offset(), dt.time()), (None, None, None));
            assert_eq!(dt.date().as_str(), text);
        }
    }

    #[test]
    fn precision_orders_coarse_to_fine() {
        assert!(DateTimePrecision::Year < DateTimePrecision::Month);
        assert!(DateTimePrecision::Day < DateTimePrecision::Second);
        assert!(DatePrecision::Month < DatePrecision::Day);
        assert_eq!(
            DateTimePrecision::from(DatePrecision::Day),
            DateTimePrecision::Day
        );
    }

    #[test]
    fn generated_date_times_round_trip_with_matching_accessors() {
        let dates = [
            (1u16, 1u8, 1u8),
            (2012, 2, 29),
            (2023, 12, 31),
            (9999, 6, 15),
        ];
        let times = [(0u8, 0u8, 0u8), (9, 5, 7), (23, 59, 60), (12, 30, 45)];
        let fractions = ["", "0", "000", "239", "123456789"];
        let zones = [
            ("Z", TimeZone::Utc),
            ("+00:00", TimeZone::Offset { minutes: 0 }),
            ("-00:00", TimeZone::Offset { minutes: 0 }),
            ("+05:30", TimeZone::Offset { minutes: 330 }),
            ("-09:45", TimeZone::Offset { minutes: -585 }),
            ("+14:00", TimeZone::Offset { minutes: 840 }),
            ("-13:59", TimeZone::Offset { minutes: -839 }),
        ];
        for (y, mo, d) in dates {
            for (h, mi, s) in times {
                for fraction in fractions {
                    for (zone_text, zone) in zones {
                        let dot = if fraction.is_empty() { "" } else { "." };
                        let text = format!(
                            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{dot}{fraction}{zone_text}"
                        );
                        let dt = DateTime::parse(&text).unwrap_or_else(|e| panic!("{e}"));
                        assert_eq!(dt.as_str(), text);
                        assert_eq!((dt.year(), dt.month(), dt.day()), (y, Some(mo), Some(d)));
                        assert_eq!(
                            (dt.hour(), dt.minute(), dt.second()),
                            (Some(h), Some(mi), Some(s))
                        );
                        let expected_fraction = (!fraction.is_empty()).then_some(fraction);
                        assert_eq!(dt.fraction(), expected_fraction);
                        assert_eq!(dt.offset(), Some(zone));

                        let instant = Instant::parse(&text).unwrap();
                        assert_eq!(instant.as_str(), text);
                        assert_eq!((instant.year(), instant.month(), instant.day()), (y, mo, d));
                        assert_eq!(
                            (instant.hour(), instant.minute(), instant.second()),
                            (h, mi, s)
                        );
                        assert_eq!(instant.fraction(), expected_fraction);
                        assert_eq!(instant.offset(), zone);
                        assert_eq!(instant.date(), dt.date());
                        assert_eq!(Some(instant.time()), dt.time());
                        assert_eq!(Instant::try_from(dt.clone()).unwrap(), instant);
                        assert_eq!(DateTime::from(instant), dt);
                    }
                }
            }
        }
    }

    #[test]
    fn instants() {
        let instant = Instant::parse("2015-02-07T13:28:17.000+10:00").unwrap();
        assert_eq!(instant.as_str(), "2015-02-07T13:28:17.000+10:00");
        assert_eq!(instant.to_string(), "2015-02-07T13:28:17.000+10:00");
        assert_eq!(instant.fraction(), Some("000"));
        assert_eq!(instant.offset(), TimeZone::Offset { minutes: 600 });

        for text in ["2015", "2015-02", "2015-02-07"] {
            let err = Instant::parse(text).unwrap_err();
            assert_eq!((err.kind(), err.reason()), ("instant", INCOMPLETE_INSTANT));
            let dt = DateTime::parse(text).unwrap();
            assert_eq!(
                Instant::try_from(dt).unwrap_err().reason(),
                INCOMPLETE_INSTANT
            );
        }
        for &(text, reason) in INVALID_DATE_TIMES {
            let err = Instant::parse(text).expect_err(text);
            assert_eq!((err.kind(), err.reason()), ("instant", reason));
        }
        assert!("2015-02-07T13:28:17Z".parse::<Instant>().is_ok());
    }

    #[test]
    fn times() {
        for text in [
            "00:00:00",
            "23:59:59",
            "23:59:60",
            "12:30:00.5",
            "12:30:00.000",
            "07:05:09.123456789",
        ] {
            let time = Time::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(time.as_str(), text);
            assert_eq!(time.to_string(), text);
            assert_eq!(text.parse::<Time>().unwrap(), time);
        }
        let time = Time::parse("07:05:09.120").unwrap();
        assert_eq!((time.hour(), time.minute(), time.second()), (7, 5, 9));
        assert_eq!(time.fraction(), Some("120"));
        assert_eq!(Time::parse("07:05:09").unwrap().fraction(), None);

        let invalid = [
            ("", "expected a two-digit hour"),
            ("24:00:00", "hour out of range"),
            ("12:60:00", "minute out of range"),
            ("12:00:61", "second out of range"),
            (
                "12:00",
                "expected ':' and seconds after the minutes (seconds are required)",
            ),
            ("1:00:00", "expected a two-digit hour"),
            ("12:00:00.", "expected digits after the decimal point"),
            ("12:00:00Z", "unexpected characters after the time"),
            ("12:00:00+01:00", "unexpected characters after the time"),
            ("T12:00:00", "expected a two-digit hour"),
            ("12-00-00", "expected ':' after the hour"),
        ];
        for (text, reason) in invalid {
            let err = Time::parse(text).expect_err(text);
            assert_eq!((err.kind(), err.reason()), ("time", reason), "{text:?}");
        }
    }

    #[test]
    fn time_constructor() {
        assert_eq!(Time::from_hms(7, 5, 9).unwrap().as_str(), "07:05:09");
        assert_eq!(Time::from_hms(23, 59, 60).unwrap().as_str(), "23:59:60");
        assert_eq!(
            Time::from_hms(24, 0, 0).unwrap_err().reason(),
            "hour out of range"
        );
        assert_eq!(
            Time::from_hms(0, 60, 0).unwrap_err().reason(),
            "minute out of range"
        );
        assert_eq!(
            Time::from_hms(0, 0, 61).unwrap_err().reason(),
            "second out of range"
        );
    }

    #[test]
    fn conversions_keep_text() {
        let date = Date::parse("2012-02").unwrap();
        assert_eq!(DateTime::from(date).as_str(), "2012-02");
        let instant = Instant::parse("2012-02-01T00:00:00+00:00").unwrap();
        assert_eq!(
            DateTime::from(instant).as_str(),
            "2012-02-01T00:00:00+00:00"
        );
    }

    #[test]
    fn never_panics_on_arbitrary_text() {
        let pieces = [
            "2", "0", "1", "9", "-", ":", "T", "Z", "+", ".", "6", " ", "é", "3",
        ];
        let mut text = String::new();
        let mut state: u32 = 7;
        for _ in 0..50_000 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let pick = (state >> 16) as usize;
            if pick % 31 == 0 || text.len() > 40 {
                text.clear();
            }
            text.push_str(pieces[pick % pieces.len()]);
            if let Ok(v) = Date::parse(&text) {
                let _ = (v.year(), v.month(), v.day(), v.precision());
            }
            if let Ok(v) = DateTime::parse(&text) {
                let _ = (
                    v.year(),
                    v.month(),
                    v.day(),
                    v.hour(),
                    v.minute(),
                    v.second(),
                );
                let _ = (v.fraction(), v.offset(), v.date(), v.time(), v.precision());
            }
            if let Ok(v) = Instant::parse(&text) {
                let _ = (
                    v.year(),
                    v.month(),
                    v.day(),
                    v.hour(),
                    v.minute(),
                    v.second(),
                );
                let _ = (v.fraction(), v.offset(), v.date(), v.time());
            }
            if let Ok(v) = Time::parse(&text) {
                let _ = (v.hour(), v.minute(), v.second(), v.fraction());
            }
        }
    }
}
