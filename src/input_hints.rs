//! What to say about input that is almost right: a CSV file separated by
//! semicolons (what Excel saves under Norwegian settings), a time written as
//! people write it (`14.01.2027 18:54`). Pure functions from the input to a
//! sentence; the errors that carry them stay in their modules.

use time::{Date, Month, PrimitiveDateTime, Time, Weekday};

/// Why a CSV header is not the one expected, as one clause: names the
/// separator when the file uses another one than the comma.
pub fn csv_header_problem<'a>(
    found: impl IntoIterator<Item = &'a str>,
    expected: &[&str],
) -> String {
    let found: Vec<&str> = found.into_iter().collect();
    let want = expected.join(",");
    if let [only] = found.as_slice() {
        for (sep, name) in [(';', "semicolons (;)"), ('\t', "tabs")] {
            if only.contains(sep) {
                return format!(
                    "the fields are separated by {name}, but urne reads CSV with commas (,) between fields; \
                     the header must be exactly {want}{}",
                    if sep == ';' {
                        " (Excel with Norwegian settings saves semicolons: save as \"CSV UTF-8 (comma delimited)\")"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    format!(
        "the header must be exactly {want} (it is {})",
        found.join(",")
    )
}

/// The hint for a CSV file that is not as expected.
pub const CSV_HINT: &str =
    "`urne help csv` shows each file's header and separator, and how to save one from Excel";

/// What to write instead of `value`, which is not an RFC 3339 time: the
/// RFC 3339 form of it if it reads as a day-first Norwegian date
/// (`14.01.2027 18:54`) or an ISO date without `T` or offset
/// (`2027-01-14 18:54`), else an example.
pub fn rfc3339_hint(value: &str) -> String {
    match read_local(value.trim()) {
        Some(t) => {
            let offset = if norwegian_summer_time(t.date()) {
                "+02:00"
            } else {
                "+01:00"
            };
            format!(
                "write it as RFC 3339, with the offset from UTC: {} (Norwegian time is +01:00 in winter and +02:00 in summer); `urne help times`",
                rfc3339_text(t, offset)
            )
        }
        None => "write it as RFC 3339, e.g. 2027-01-14T18:54:00+01:00 (date, T, time to the second, offset from UTC); `urne help times`".into(),
    }
}

fn rfc3339_text(t: PrimitiveDateTime, offset: &str) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{offset}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `dd.mm.yyyy hh:mm[:ss]` or `yyyy-mm-dd[ T]hh:mm[:ss]` without an offset.
fn read_local(s: &str) -> Option<PrimitiveDateTime> {
    let (date, time) = s.split_once([' ', 'T'])?;
    let date = if let Some((d, rest)) = date.split_once('.') {
        let (m, y) = rest.split_once('.')?;
        make_date(y, m, d)?
    } else {
        let mut parts = date.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        make_date(y, m, d)?
    };
    let mut parts = time.trim().splitn(3, [':', '.']);
    let h: u8 = parts.next()?.parse().ok()?;
    let min: u8 = parts.next()?.parse().ok()?;
    let sec: u8 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    Some(PrimitiveDateTime::new(
        date,
        Time::from_hms(h, min, sec).ok()?,
    ))
}

fn make_date(y: &str, m: &str, d: &str) -> Option<Date> {
    if y.len() != 4 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// Summer time in Norway (as in the EU): from the last Sunday of March to the
/// last Sunday of October, by the date (the hour of the change is not told
/// apart: a hint, not a conversion).
fn norwegian_summer_time(d: Date) -> bool {
    let last_sunday = |month: Month| -> Option<Date> {
        let mut day = Date::from_calendar_date(d.year(), month, 31).ok()?;
        while day.weekday() != Weekday::Sunday {
            day = day.previous_day()?;
        }
        Some(day)
    };
    match (last_sunday(Month::March), last_sunday(Month::October)) {
        (Some(start), Some(end)) => d >= start && d < end,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_norwegian_date_gets_its_rfc3339_form() {
        let h = rfc3339_hint("14.01.2027 18:54");
        assert!(h.contains("2027-01-14T18:54:00+01:00"), "{h}");
        let h = rfc3339_hint("14.06.2027 18:54:12");
        assert!(h.contains("2027-06-14T18:54:12+02:00"), "{h}");
        let h = rfc3339_hint("2027-01-14 18:54");
        assert!(h.contains("2027-01-14T18:54:00+01:00"), "{h}");
    }

    #[test]
    fn anything_else_gets_an_example() {
        let h = rfc3339_hint("yesterday");
        assert!(h.contains("e.g. 2027-01-14T18:54:00+01:00"), "{h}");
        assert!(h.contains("urne help times"), "{h}");
        // Not a date: 31 February.
        assert!(rfc3339_hint("31.02.2027 10:00").contains("e.g."));
    }

    #[test]
    fn summer_time_follows_the_last_sundays() {
        let d = |m, day| Date::from_calendar_date(2027, m, day).unwrap();
        // 2027: last Sunday of March is the 28th, of October the 31st.
        assert!(!norwegian_summer_time(d(Month::March, 27)));
        assert!(norwegian_summer_time(d(Month::March, 28)));
        assert!(norwegian_summer_time(d(Month::October, 30)));
        assert!(!norwegian_summer_time(d(Month::October, 31)));
    }

    #[test]
    fn a_semicolon_header_names_the_separator() {
        let p = csv_header_problem(["voter_id;referendum"], &["voter_id", "referendum"]);
        assert!(p.contains("semicolons (;)"), "{p}");
        assert!(p.contains("commas (,)"), "{p}");
        assert!(p.contains("voter_id,referendum"), "{p}");
        let p = csv_header_problem(["voter", "ref"], &["voter_id", "referendum"]);
        assert!(p.contains("it is voter,ref"), "{p}");
    }
}
