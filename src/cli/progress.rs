//! Progress of the long steps (checking a box, opening a share, encrypting a
//! simulation, …), the one helper every command uses.
//!
//! On a terminal (standard error), an indicatif bar with the count, the
//! total, the rate and the time left, which stays on screen when the step is
//! done, so that observers can read what was checked. Elsewhere (a log file, a
//! pipe, a test), plain lines to standard error: one every
//! [`PLAIN_EVERY`] while the step runs, and one when it is done.
//!
//! The library never prints: it calls back with a count (`&dyn Fn(u64)`), and
//! [`Progress::set`] is that callback.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::say;

/// How often a plain progress line is written when standard error is not a
/// terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// What a step counts: the id of its word in the language files, whose
/// plural forms the language chooses ("1 ballot", "2 ballots"; "1
/// stemmeseddel", "2 stemmesedler").
#[derive(Clone, Copy, Debug)]
pub struct Unit {
    pub id: &'static str,
}

impl Unit {
    pub const BALLOTS: Unit = Unit { id: "unit-ballot" };
    /// Kibibytes of a file read (a roll, a marked roll), whose lines are not
    /// known before they are read.
    pub const KIB: Unit = Unit { id: "unit-kib" };
    /// The word for `n` of this unit, in the event's language.
    pub fn of(self, n: u64) -> String {
        say::t(self.id, &[("n", n.into())])
    }
}

/// `n` with its unit, singular or plural, with thousands separated:
/// "1 ballot", "12,000 ballots" ("12 000 stemmesedler" in `nb`).
pub fn count_of(n: u64, unit: Unit) -> String {
    format!("{} {}", figure(n), unit.of(n))
}

/// A figure in a progress line: grouped with commas in English (the words
/// urne spoke before it spoke others), as the language groups digits
/// otherwise (`12 000` in `nb`).
pub fn figure(n: u64) -> String {
    if say::lang() == urne::i18n::Lang::fallback() {
        thousands(n)
    } else {
        say::int(n)
    }
}

/// "1 item", "2 items": the one place plurals are made for words that are not
/// a [`Unit`].
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        let tenths = format!("{s:.1}");
        format!("{} s", urne::i18n::decimal(say::lang(), &tenths))
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

fn rate(n: u64, elapsed: Duration) -> Option<u64> {
    let ms = elapsed.as_millis();
    // Below a tenth of a second the rate says nothing.
    (ms >= 100).then(|| u64::try_from(u128::from(n) * 1000 / ms).unwrap_or(u64::MAX))
}

enum Shown {
    Bar(ProgressBar),
    Plain(Mutex<Instant>),
}

/// One long step in progress.
pub struct Progress {
    shown: Shown,
    what: String,
    unit: Option<Unit>,
    total: Mutex<Option<u64>>,
    done: std::sync::atomic::AtomicU64,
    started: Instant,
}

impl Progress {
    /// A step that counts `unit`s up to `total`, if the total is known.
    /// `what` is the step as an action: "Checking the ballot box".
    pub fn counting(what: &str, unit: Unit, total: Option<u64>) -> Progress {
        Progress::new(what, Some(unit), total, std::io::stderr().is_terminal())
    }

    /// A step that reads the file at `path`, counted in KiB of its size (a
    /// roll's lines are not known before it is read). The library's
    /// `on_bytes` callback is [`Progress::set_bytes`].
    pub fn reading(what: &str, path: &Path) -> Progress {
        let total = std::fs::metadata(path).ok().map(|m| m.len().div_ceil(1024));
        Progress::counting(what, Unit::KIB, total)
    }

    /// The library's callback for a read: `bytes` read so far.
    pub fn set_bytes(&self, bytes: u64) {
        self.set(bytes.div_ceil(1024));
    }

    /// A step without a count (a passphrase's key derivation, a file written):
    /// a spinner with the time taken.
    pub fn step(what: &str) -> Progress {
        Progress::new(what, None, None, std::io::stderr().is_terminal())
    }

    fn new(what: &str, unit: Option<Unit>, total: Option<u64>, terminal: bool) -> Progress {
        let shown = if terminal {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            bar.set_style(style(unit, total.is_some(), false));
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            Shown::Bar(bar)
        } else {
            Shown::Plain(Mutex::new(Instant::now()))
        };
        Progress {
            shown,
            what: what.to_string(),
            unit,
            total: Mutex::new(total),
            done: std::sync::atomic::AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// The library's callback: `n` items done so far.
    pub fn set(&self, n: u64) {
        self.done.store(n, std::sync::atomic::Ordering::Relaxed);
        match &self.shown {
            Shown::Bar(b) => b.set_position(n),
            Shown::Plain(last) => {
                let Ok(mut last) = last.lock() else { return };
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    plain_line(&self.running_line(n));
                }
            }
        }
    }

    /// The library's callback where it also reports the total.
    pub fn set_of(&self, n: u64, total: u64) {
        let changed = match self.total.lock() {
            Ok(mut t) => {
                let changed = *t != Some(total);
                *t = Some(total);
                changed
            }
            Err(_) => false,
        };
        if changed {
            if let Shown::Bar(b) = &self.shown {
                b.set_length(total);
                b.set_style(style(self.unit, true, false));
            }
        }
        self.set(n);
    }

    fn total(&self) -> Option<u64> {
        self.total.lock().ok().and_then(|t| *t)
    }

    fn running_line(&self, n: u64) -> String {
        let mut s = self.what.clone();
        if let Some(unit) = self.unit {
            let total = self.total();
            s.push_str(": ");
            match total {
                Some(t) => s.push_str(&say::t(
                    "progress-of",
                    &[
                        ("done", figure(n).into()),
                        ("total", count_of(t, unit).into()),
                    ],
                )),
                None => s.push_str(&count_of(n, unit)),
            }
            let elapsed = self.started.elapsed();
            if let Some(r) = rate(n, elapsed).filter(|_| n > 0) {
                s.push_str(&format!(", {}", per_second(r, unit)));
                if let Some(t) = total.filter(|_| r > 0) {
                    let left = Duration::from_secs(t.saturating_sub(n) / r);
                    s.push_str(&format!(
                        ", {}",
                        say::t("progress-left", &[("time", seconds(left).into())])
                    ));
                }
            }
        }
        s.push(' ');
        s.push_str(&say::t(
            "progress-so-far",
            &[("time", seconds(self.started.elapsed()).into())],
        ));
        s
    }

    /// Ends the step, leaving one line that says what was done: `done` is the
    /// step as a result ("Ballot box checked"), followed by the count, the
    /// time taken and the rate.
    pub fn finish(self, done: &str) {
        let n = self.done.load(std::sync::atomic::Ordering::Relaxed);
        match &self.shown {
            Shown::Bar(b) => {
                if self.unit.is_some() {
                    b.set_position(self.total().unwrap_or(n).max(n));
                }
                b.set_style(style(self.unit, self.total().is_some(), true));
                b.finish_with_message(done.to_string());
            }
            Shown::Plain(_) => {
                let elapsed = self.started.elapsed();
                let line = match self.unit {
                    Some(unit) => {
                        let n = self.total().unwrap_or(n).max(n);
                        let r = rate(n, elapsed)
                            .map(|r| format!(", {}", per_second(r, unit)))
                            .unwrap_or_default();
                        say::t(
                            "progress-done",
                            &[
                                ("done", done.into()),
                                ("count", count_of(n, unit).into()),
                                ("time", seconds(elapsed).into()),
                                ("rate", r.into()),
                            ],
                        )
                    }
                    None => format!("{done} ({})", seconds(elapsed)),
                };
                plain_line(&line);
            }
        }
    }

    /// Ends the step without a result line (it failed, or was not needed):
    /// the bar is taken off the screen so the error that follows stands alone.
    pub fn clear(self) {
        if let Shown::Bar(b) = &self.shown {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // An error left the step by `?`: stop the bar where it stood, so the
        // screen shows how far it came, and stop its ticking.
        if let Shown::Bar(b) = &self.shown {
            if !b.is_finished() {
                b.abandon();
            }
        }
    }
}

/// Runs `f`, a step without a count that may take seconds (a passphrase's
/// key derivation), under a spinner saying `what`; on success the line
/// `done` stays, on failure the spinner is taken off so the error stands
/// alone.
pub fn during<T, E>(what: &str, done: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let p = Progress::step(what);
    let r = f();
    match &r {
        Ok(_) => p.finish(done),
        Err(_) => p.clear(),
    }
    r
}

/// "3,155 ballots/s".
fn per_second(r: u64, unit: Unit) -> String {
    say::t(
        "progress-per-second",
        &[("count", format!("{} {}", figure(r), unit.of(2)).into())],
    )
}

fn plain_line(line: &str) {
    // Not `eprintln!`: a closed standard error must not end the count.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The bar's look. Running: spinner, step, bar, count/total, rate, time
/// left. Done: a check mark, the result, the bar full, count, time, rate.
fn style(unit: Option<Unit>, has_total: bool, done: bool) -> ProgressStyle {
    let head = if done { "✔" } else { "{spinner}" };
    let template = match (unit, has_total, done) {
        (None, _, false) => format!("{head} {{msg}} … {{elapsed}}"),
        (None, _, true) => format!("{head} {{msg}} ({{elapsed}})"),
        (Some(_), true, false) => format!(
            "{head} {{msg}} [{{bar:30}}] {{fpos}}/{{flen}} {{unit}} · {{rate}} · ETA {{eta}}"
        ),
        (Some(_), true, true) => format!(
            "{head} {{msg}} [{{bar:30}}] {{fpos}}/{{flen}} {{unit}} · {{rate}} · {{elapsed}}"
        ),
        (Some(_), false, false) => {
            format!("{head} {{msg}} {{fpos}} {{unit}} · {{rate}} · {{elapsed}}")
        }
        (Some(_), false, true) => {
            format!("{head} {{msg}} {{fpos}} {{unit}} · {{rate}} · {{elapsed}}")
        }
    };
    let many = unit.map_or_else(String::new, |u| u.of(2));
    let one = unit.map_or_else(String::new, |u| u.of(1));
    let many_rate = many.clone();
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
        .with_key(
            "unit",
            move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let n = s.len().unwrap_or(s.pos());
                let _ = w.write_str(if n == 1 { &one } else { &many });
            },
        )
        .with_key("fpos", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&figure(s.pos()));
        })
        .with_key("flen", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&figure(s.len().unwrap_or(s.pos())));
        })
        .with_key("eta", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            // Not indicatif's own: it says "0s" before the first count.
            let left = match (rate(s.pos(), s.elapsed()), s.len()) {
                (Some(r), Some(len)) if r > 0 && s.pos() > 0 => {
                    seconds(Duration::from_secs(len.saturating_sub(s.pos()) / r))
                }
                _ => "…".into(),
            };
            let _ = w.write_str(&left);
        })
        .with_key(
            "rate",
            move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = match rate(s.pos(), s.elapsed()) {
                    Some(r) if s.pos() > 0 => write!(w, "{} {many_rate}/s", figure(r)),
                    _ => write!(w, "– {many_rate}/s"),
                };
            },
        )
}

/// The number of ballots a box says it holds, read from its seal at the end
/// of the file: only the progress bar's total, never trusted (the count
/// checks the seal).
pub fn box_ballots_hint(path: &Path) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let from = len.saturating_sub(8192);
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).ok()?;
    let last = tail
        .split(|b| *b == b'\n')
        .rfind(|l| !l.iter().all(u8::is_ascii_whitespace))?;
    match urne::ballot_box::parse_line(last, "", 0).ok()? {
        urne::ballot_box::Line::Seal(s) => Some(s.ballots),
        urne::ballot_box::Line::Ballot(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_plurals() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(count_of(1, Unit::BALLOTS), "1 ballot");
        assert_eq!(count_of(0, Unit::BALLOTS), "0 ballots");
        assert_eq!(count_of(12_000, Unit::BALLOTS), "12,000 ballots");
        assert_eq!(plural(1, "item", "items"), "1 item");
        assert_eq!(plural(2, "item", "items"), "2 items");
    }

    #[test]
    fn a_plain_running_line_has_count_total_rate_and_time_left() {
        let p = Progress::new(
            "Checking the ballot box",
            Some(Unit::BALLOTS),
            Some(10_000),
            false,
        );
        std::thread::sleep(Duration::from_millis(150));
        let line = p.running_line(1_000);
        assert!(
            line.starts_with("Checking the ballot box: 1,000 of 10,000 ballots, "),
            "{line}"
        );
        assert!(line.contains(" ballots/s, about "), "{line}");
        assert!(line.contains(" left ("), "{line}");
    }
}
