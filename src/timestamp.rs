//! Times in files: one strict RFC 3339 grammar, read by one parser, so that
//! `box cast`, `box close`, the count, the postal trial and `verify` accept
//! and refuse exactly the same strings (docs/SPEC.md, "Times").
//!
//! ```text
//! date-time  = date "T" time offset
//! date       = 4DIGIT "-" 2DIGIT "-" 2DIGIT          a valid Gregorian date
//! time       = 2DIGIT ":" 2DIGIT ":" 2DIGIT [ "." 1*9DIGIT ]
//!                                                    hour 00–23, minute and second 00–59
//! offset     = "Z" / ( "+" / "-" ) 2DIGIT ":" 2DIGIT hours 00–23, minutes 00–59; not "-00:00"
//! ```
//!
//! This is RFC 3339 §5.6 without what §5.6 leaves open: upper-case `T` and
//! `Z` only (no lower case, no space for `T`), no leap second (`:60`), at most
//! nine fraction digits (nanoseconds, what urne writes), and no `-00:00`
//! ("offset unknown", §4.3: such a time cannot be placed against a voting
//! window). Digits are ASCII.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Why a string is not a time of the grammar above.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not an RFC 3339 time as urne reads them ({rule}; e.g. 2027-01-22T09:00:00+01:00)"
)]
pub struct TimeError {
    pub value: String,
    pub rule: &'static str,
}

/// Parses a time of the grammar in the module documentation.
pub fn parse(s: &str) -> Result<OffsetDateTime, TimeError> {
    let bad = |rule| TimeError {
        value: s.into(),
        rule,
    };
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return Err(bad("the date must be YYYY-MM-DD"));
    }
    if b.get(10) != Some(&b'T') {
        return Err(bad("date and time are separated by an upper-case T"));
    }
    if !(digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19))
    {
        return Err(bad("the time must be hh:mm:ss"));
    }
    if &b[17..19] == b"60" {
        return Err(bad("a leap second (:60) is not accepted"));
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(bad("a fraction of a second has 1 to 9 digits"));
        }
        i += 1 + n;
    }
    match &b[i..] {
        b"Z" => {}
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) =>
        {
            if *sign == b'-' && [h1, h2, m1, m2].iter().all(|c| **c == b'0') {
                return Err(bad("the offset -00:00 (unknown) is not accepted"));
            }
        }
        _ => return Err(bad("the offset must be an upper-case Z or +hh:mm / -hh:mm")),
    }
    OffsetDateTime::parse(s, &Rfc3339).map_err(|_| bad("a field is out of range"))
}

/// Formats a time as urne writes times: RFC 3339, upper-case `T`, the
/// fraction only when it is not zero (without trailing zeros).
pub fn format(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The current time in UTC, as urne writes it (`…Z`).
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_urne_writes_reads_back() {
        for s in [
            "2027-01-22T09:00:00+01:00",
            "2027-01-22T08:00:00Z",
            "2026-11-23T17:57:33.952522931Z",
            "2027-01-22T09:00:00.5-05:30",
            "2024-02-29T23:59:59+14:00",
        ] {
            let t = parse(s).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parse(&format(t)).unwrap(), t);
        }
        assert_eq!(parse(&now()).map(|_| ()), Ok(()));
    }

    #[test]
    fn everything_the_grammar_leaves_out_is_refused() {
        for (s, rule) in [
            ("2027-01-22t09:00:00Z", "upper-case T"),
            ("2027-01-22 09:00:00Z", "upper-case T"),
            ("2027-01-22T09:00:00z", "offset"),
            ("2027-01-22T09:00:60Z", "leap second"),
            ("2027-01-22T09:00:00-00:00", "-00:00"),
            ("2027-01-22T09:00:00.1234567891Z", "1 to 9"),
            ("2027-01-22T09:00:00.Z", "1 to 9"),
            ("2027-01-22T09:00:00+0100", "offset"),
            ("2027-01-22T09:00Z", "hh:mm:ss"),
            ("2027-01-22T09:00:00", "offset"),
            ("27-01-22T09:00:00Z", "YYYY-MM-DD"),
            ("2027-02-30T09:00:00Z", "out of range"),
            ("2027-01-22T24:00:00Z", "out of range"),
            ("2027-01-22T09:00:00+24:00", "out of range"),
            ("２027-01-22T09:00:00Z", "YYYY-MM-DD"),
            ("", "YYYY-MM-DD"),
            ("2027-01-22T09:00:00Z ", "offset"),
        ] {
            let e = parse(s).unwrap_err();
            assert!(e.rule.contains(rule), "{s:?}: {e}");
        }
    }

    #[test]
    fn offsets_place_the_same_instant() {
        assert_eq!(
            parse("2027-02-02T21:00:00+01:00").unwrap(),
            parse("2027-02-02T20:00:00Z").unwrap()
        );
    }
}
