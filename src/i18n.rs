//! Words people read, in the event's language, and times in the event's time
//! zone (DESIGN.md, "Language and time").
//!
//! Every text a person reads — the printable protocol, the results page, and
//! later the ceremony prompts — comes from a [Project Fluent] file, one per
//! language: `i18n/<tag>/urne.ftl` (`i18n/nb/urne.ftl`, `i18n/en/urne.ftl`).
//! The files are embedded in the binary at build time, so a binary needs
//! nothing beside it. **Adding a language is adding one file**: copy
//! `i18n/en/urne.ftl` to `i18n/<tag>/urne.ftl`, translate the right-hand sides,
//! rebuild; the manifest can then say `language = "<tag>"`. The unit tests
//! check that every language has exactly the messages `en` has.
//!
//! Code names a message by its id and never holds the words itself:
//!
//! ```
//! use urne::i18n::{self, Lang};
//! let nb = Lang::parse("nb").unwrap();
//! assert_eq!(i18n::t(nb, "doc-turnout", &[]), "Oppmøteprosent");
//! let s = i18n::t(nb, "doc-page-of", &[("page", 2.into()), ("pages", 5.into())]);
//! assert_eq!(s, "Side 2 av 5");
//! ```
//!
//! What stays English whatever the event's language: file formats, field
//! names, error and check codes, logs, and times in files (RFC 3339 with the
//! exact UTC offset). Only what is rendered for people is translated.
//!
//! Times are shown in the event's IANA time zone ([`Zone`], e.g.
//! `Europe/Oslo`) to the second, with the zone's abbreviation (CET/CEST), from
//! the tz database *bundled in the binary* (jiff's `tzdb-bundle-always`; the
//! machine's `/usr/share/zoneinfo` is never read). So the same binary renders
//! the same time the same way on every machine, which lets `urne verify`
//! regenerate a rendering and compare it byte for byte.
//!
//! Numbers for people: [`int`] and [`decimal`] write a figure with the
//! language's digit grouping and decimal sign (`10 279`, `48,3` in `nb`), as
//! the language file's `fmt-group` and `fmt-decimal` say.
//!
//! [Project Fluent]: https://projectfluent.org

use std::collections::BTreeMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::Timestamp;

/// The embedded translation files: `i18n/<tag>/urne.ftl`.
#[derive(rust_embed::RustEmbed)]
#[folder = "i18n/"]
struct Translations;

/// The language used when a message is missing from another language (and
/// the language of a manifest that names none).
pub const FALLBACK: &str = "en";

/// What the i18n layer refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum I18nError {
    #[error("language {tag:?} has no translation in this urne (it has {available})")]
    UnknownLanguage { tag: String, available: String },
    #[error("time zone {name:?} is not in the tz database (e.g. \"Europe/Oslo\", \"UTC\")")]
    UnknownZone { name: String },
}

struct Language {
    tag: String,
    bundle: FluentBundle<FluentResource>,
}

/// Every embedded language, parsed once. A file that does not parse is a
/// build defect the unit tests catch; at run time its bad entries are left
/// out (Fluent's recovery) rather than stopping a ceremony.
fn languages() -> &'static [Language] {
    static LANGS: OnceLock<Vec<Language>> = OnceLock::new();
    LANGS.get_or_init(|| {
        let mut v: Vec<Language> = Vec::new();
        for path in Translations::iter() {
            let Some((tag, "urne.ftl")) = path.split_once('/') else {
                continue;
            };
            let Some(file) = Translations::get(&path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&file.data).into_owned();
            let res = match FluentResource::try_new(text) {
                Ok(r) => r,
                Err((r, _)) => r,
            };
            let id: unic_langid::LanguageIdentifier = match tag.parse() {
                Ok(id) => id,
                Err(_) => continue,
            };
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Unicode isolation marks around arguments are for bidirectional
            // UIs; in HTML and on terminals they are stray characters.
            bundle.set_use_isolating(false);
            // A duplicate id keeps the first; the tests refuse duplicates.
            let _ = bundle.add_resource(res);
            v.push(Language {
                tag: tag.to_string(),
                bundle,
            });
        }
        v.sort_by(|a, b| a.tag.cmp(&b.tag));
        v
    })
}

/// A language urne has a translation for: a small copyable handle.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Lang(usize);

impl std::fmt::Debug for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lang({})", self.tag())
    }
}

impl Lang {
    /// The language with this tag (`"nb"`, `"en"`), if urne has it. Tags
    /// are compared ignoring ASCII case.
    pub fn parse(tag: &str) -> Result<Lang, I18nError> {
        languages()
            .iter()
            .position(|l| l.tag.eq_ignore_ascii_case(tag))
            .map(Lang)
            .ok_or_else(|| I18nError::UnknownLanguage {
                tag: tag.into(),
                available: Lang::available().join(", "),
            })
    }

    /// English, the fallback.
    pub fn fallback() -> Lang {
        // The English file ships with urne (a unit test checks it is there).
        Lang::parse(FALLBACK).unwrap_or(Lang(0))
    }

    /// The tags of every language urne has, sorted.
    pub fn available() -> Vec<&'static str> {
        languages().iter().map(|l| l.tag.as_str()).collect()
    }

    /// The language's tag as its file names it (BCP 47, e.g. `nb`): for
    /// `lang="…"` attributes and NIST `Language`.
    pub fn tag(self) -> &'static str {
        languages().get(self.0).map_or(FALLBACK, |l| l.tag.as_str())
    }

    fn bundle(self) -> Option<&'static FluentBundle<FluentResource>> {
        languages().get(self.0).map(|l| &l.bundle)
    }
}

impl Default for Lang {
    fn default() -> Self {
        Lang::fallback()
    }
}

/// An argument to a message: text, or a number (which also selects plural
/// forms: `{ $n -> [one] … *[other] … }`). A number is written plainly
/// (`10279`); pass `int(lang, n)` as text where a figure is shown.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Number(f64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.into())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
                Arg::Number(n as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

fn format(lang: Lang, id: &str, args: &[(&str, Arg)]) -> Option<String> {
    let bundle = lang.bundle()?;
    let msg = bundle.get_message(id)?;
    let pattern = msg.value()?;
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        match v {
            Arg::Text(s) => fargs.set(*k, FluentValue::from(s.as_str())),
            Arg::Number(n) => fargs.set(*k, FluentValue::from(*n)),
        }
    }
    let mut errors = Vec::new();
    let s = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
    Some(s.into_owned())
}

/// The message `id` in `lang`, with `args` (`{ $name }` in the file).
///
/// A message missing from `lang` is taken from English; one missing from
/// English too comes out as `⟦id⟧`, plainly visible (the rendering tests
/// look for `⟦`). A missing argument is shown as `{$name}`.
pub fn t(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    format(lang, id, args)
        .or_else(|| format(Lang::fallback(), id, args))
        .unwrap_or_else(|| format!("⟦{id}⟧"))
}

/// True if `lang` (not the fallback) has a message `id`: for texts chosen by
/// a code from a file (`reason-late`), with the code itself as the fallback.
pub fn has(lang: Lang, id: &str) -> bool {
    lang.bundle().is_some_and(|b| b.has_message(id))
}

/// The ids of every message in `lang`'s file, sorted.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let Some(file) = Translations::get(&format!("{}/urne.ftl", lang.tag())) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&file.data).into_owned();
    let res = match FluentResource::try_new(text) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    let mut ids: Vec<String> = res
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect();
    ids.sort();
    ids
}

/// `n` with the language's digit grouping (`10 279` in `nb`, `10,279` in
/// `en`). Numbers of four digits are not grouped (`8380`), as Norwegian
/// typography and the Language Council advise.
pub fn int(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 4 {
        return digits;
    }
    let sep = t(lang, "fmt-group", &[]);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(&sep);
        }
        out.push(c);
    }
    out
}

/// A signed whole number for people: `−3`, `+2`, `0` (with a true minus sign).
pub fn signed(lang: Lang, n: i64) -> String {
    match n {
        0 => "0".into(),
        n if n < 0 => format!("−{}", int(lang, n.unsigned_abs())),
        n => format!("+{}", int(lang, n.unsigned_abs())),
    }
}

/// A decimal written with a point in files (`"48.3"`, as the protocol's
/// percentages are) in the language's way (`48,3` in `nb`).
pub fn decimal(lang: Lang, s: &str) -> String {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole = whole
        .parse::<u64>()
        .map_or_else(|_| whole.to_string(), |n| int(lang, n));
    if frac.is_empty() {
        whole
    } else {
        format!("{whole}{}{frac}", t(lang, "fmt-decimal", &[]))
    }
}

/// A percentage from a file's decimal string: `48,3 %` in `nb`.
pub fn percent(lang: Lang, s: &str) -> String {
    t(lang, "fmt-percent", &[("value", decimal(lang, s).into())])
}

fn tzdb() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// An IANA time zone from the tz database bundled in the binary.
#[derive(Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl Zone {
    /// The zone named `name` (`Europe/Oslo`, `UTC`), looked up ignoring ASCII
    /// case and kept under its canonical spelling.
    pub fn parse(name: &str) -> Result<Zone, I18nError> {
        let unknown = || I18nError::UnknownZone { name: name.into() };
        if name.is_empty() || name.len() > 64 {
            return Err(unknown());
        }
        let tz = tzdb().get(name).map_err(|_| unknown())?;
        let name = tz.iana_name().unwrap_or(name).to_string();
        Ok(Zone { name, tz })
    }

    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

/// A moment, from the `time` crate's value (the library's own type).
pub fn timestamp(t: time::OffsetDateTime) -> Option<Timestamp> {
    i32::try_from(t.nanosecond())
        .ok()
        .and_then(|ns| Timestamp::new(t.unix_timestamp(), ns).ok())
}

/// A moment from RFC 3339 text (as the files write times), if it is one.
pub fn parse_time(rfc3339: &str) -> Option<Timestamp> {
    rfc3339.parse::<Timestamp>().ok()
}

struct Parts {
    args: Vec<(&'static str, Arg)>,
}

fn parts(zone: &Zone, at: Timestamp) -> Parts {
    let z = at.to_zoned_datetime(zone.tz.clone());
    let month = z.month();
    let offset = z.offset();
    let secs = offset.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let abbr = zone.tz.to_offset_info(at).abbreviation().to_string();
    Parts {
        args: vec![
            ("year", z.year().to_string().into()),
            ("month", month.to_string().into()),
            ("mm", format!("{month:02}").into()),
            ("day", z.day().to_string().into()),
            ("dd", format!("{:02}", z.day()).into()),
            (
                "time",
                format!("{:02}:{:02}:{:02}", z.hour(), z.minute(), z.second()).into(),
            ),
            ("hhmm", format!("{:02}:{:02}", z.hour(), z.minute()).into()),
            ("zone", abbr.into()),
            (
                "offset",
                format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60).into(),
            ),
        ],
    }
}

/// A moment as people read it, to the second, in `zone`:
/// `03.02.2027 kl. 21:15:07 CET` (`nb`), `3 February 2027, 21:15:07 CET` (`en`).
pub fn datetime(lang: Lang, zone: &Zone, at: Timestamp) -> String {
    let p = parts(zone, at);
    let mut args = p.args;
    let month = month_name(lang, &args);
    args.push(("month-name", month.into()));
    t(lang, "fmt-datetime", &args)
}

/// The date of a moment in `zone`, written out: `3. februar 2027`.
pub fn date(lang: Lang, zone: &Zone, at: Timestamp) -> String {
    let p = parts(zone, at);
    let mut args = p.args;
    let month = month_name(lang, &args);
    args.push(("month-name", month.into()));
    t(lang, "fmt-date", &args)
}

fn month_name(lang: Lang, args: &[(&str, Arg)]) -> String {
    let month = args
        .iter()
        .find(|(k, _)| *k == "month")
        .and_then(|(_, v)| match v {
            Arg::Text(s) => Some(s.clone()),
            Arg::Number(_) => None,
        })
        .unwrap_or_default();
    t(lang, &format!("fmt-month-{month}"), &[])
}

/// An RFC 3339 time from a file, as people read it (see [`datetime`]); text
/// that is not a time is returned as it is.
pub fn datetime_text(lang: Lang, zone: &Zone, rfc3339: &str) -> String {
    parse_time(rfc3339).map_or_else(|| rfc3339.to_string(), |at| datetime(lang, zone, at))
}

/// Every language's messages by id, for tests and translators.
pub fn catalogue() -> BTreeMap<&'static str, Vec<String>> {
    Lang::available()
        .into_iter()
        .filter_map(|tag| Lang::parse(tag).ok().map(|l| (tag, message_ids(l))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb() -> Lang {
        Lang::parse("nb").unwrap()
    }
    fn en() -> Lang {
        Lang::parse("en").unwrap()
    }

    #[test]
    fn both_shipped_languages_are_there_and_others_are_refused_by_name() {
        assert_eq!(Lang::available(), ["en", "nb"]);
        assert_eq!(Lang::parse("NB").unwrap().tag(), "nb");
        let e = Lang::parse("sv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "language \"sv\" has no translation in this urne (it has en, nb)"
        );
        assert_eq!(Lang::fallback().tag(), "en");
    }

    #[test]
    fn every_file_parses_and_every_language_has_exactly_the_english_messages() {
        for tag in Lang::available() {
            let file = Translations::get(&format!("{tag}/urne.ftl")).unwrap();
            let text = String::from_utf8(file.data.to_vec()).expect("UTF-8");
            if let Err((_, errs)) = FluentResource::try_new(text) {
                panic!("{tag}/urne.ftl does not parse: {errs:?}");
            }
        }
        let cat = catalogue();
        let en_ids = &cat["en"];
        assert!(en_ids.len() > 50, "{}", en_ids.len());
        let mut dedup = en_ids.clone();
        dedup.dedup();
        assert_eq!(&dedup, en_ids, "an id is defined twice in en");
        for (tag, ids) in &cat {
            let missing: Vec<&String> = en_ids.iter().filter(|i| !ids.contains(i)).collect();
            let extra: Vec<&String> = ids.iter().filter(|i| !en_ids.contains(i)).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
            assert!(extra.is_empty(), "{tag} has ids English lacks: {extra:?}");
        }
    }

    #[test]
    fn messages_take_arguments_and_a_missing_one_is_visible() {
        assert_eq!(
            t(
                nb(),
                "doc-page-of",
                &[("page", 1.into()), ("pages", 3.into())]
            ),
            "Side 1 av 3"
        );
        assert_eq!(
            t(
                en(),
                "doc-page-of",
                &[("page", 1.into()), ("pages", 3.into())]
            ),
            "Page 1 of 3"
        );
        assert_eq!(t(nb(), "no-such-message", &[]), "⟦no-such-message⟧");
        assert!(has(nb(), "reason-late") && !has(nb(), "reason-no-such"));
    }

    #[test]
    fn figures_are_grouped_and_decimals_written_as_the_language_writes_them() {
        assert_eq!(int(nb(), 8380), "8380");
        assert_eq!(int(nb(), 10_279), "10\u{a0}279");
        assert_eq!(int(nb(), 4_000_000), "4\u{a0}000\u{a0}000");
        assert_eq!(int(en(), 10_279), "10,279");
        assert_eq!(decimal(nb(), "48.3"), "48,3");
        assert_eq!(decimal(en(), "48.3"), "48.3");
        assert_eq!(percent(nb(), "100.0"), "100,0\u{a0}%");
        assert_eq!(percent(en(), "5.5"), "5.5%");
        assert_eq!(signed(nb(), -3), "−3");
        assert_eq!(signed(nb(), 12_000), "+12\u{a0}000");
    }

    #[test]
    fn times_are_in_the_events_zone_to_the_second_across_summer_time() {
        let oslo = Zone::parse("europe/oslo").unwrap();
        assert_eq!(oslo.name(), "Europe/Oslo");
        let winter = parse_time("2027-02-03T20:15:07.550289519Z").unwrap();
        assert_eq!(datetime(nb(), &oslo, winter), "03.02.2027 kl. 21:15:07 CET");
        assert_eq!(
            datetime(en(), &oslo, winter),
            "3 February 2027, 21:15:07 CET"
        );
        assert_eq!(date(nb(), &oslo, winter), "3. februar 2027");
        let summer = parse_time("2027-06-30T22:30:00Z").unwrap();
        assert_eq!(
            datetime(nb(), &oslo, summer),
            "01.07.2027 kl. 00:30:00 CEST"
        );
        assert_eq!(
            datetime_text(nb(), &Zone::utc(), "2027-02-03T21:15:07+01:00"),
            "03.02.2027 kl. 20:15:07 UTC"
        );
        assert_eq!(datetime_text(nb(), &oslo, "not a time"), "not a time");
        let t = time::macros::datetime!(2027-02-03 21:15:07.25 +01:00);
        assert_eq!(
            datetime(nb(), &oslo, timestamp(t).unwrap()),
            "03.02.2027 kl. 21:15:07 CET"
        );
    }

    #[test]
    fn unknown_zones_are_refused_with_an_example() {
        for bad in ["", "Europe/Olso", "../etc/passwd", "Mars/Olympus"] {
            let e = Zone::parse(bad).unwrap_err();
            assert!(e.to_string().contains("Europe/Oslo"), "{e}");
        }
    }
}
