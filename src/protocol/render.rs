//! The printable rendering of a protocol (`protocols/{referendum}.html`), as
//! the leadership group signs it: in the event's language and time zone, with
//! place and date, a signature line per member, page numbers and a running
//! header in print, and tables that never split a row.
//!
//! The page is `templates/protocol.html`, an askama template: checked at build
//! time and HTML-escaped by default, so no text from a file reaches the page
//! unescaped. This module only prepares what the template shows (labels from
//! the language file, figures and times written for people).
//!
//! [`render_html`] is a pure function of the protocol, its hash, its
//! signatures and three fields of the manifest (`language`, `time_zone`,
//! `place`): no clock, no randomness, no machine state (the tz database is
//! the one built into urne). `urne verify` regenerates it and compares bytes.

use askama::Template;

use super::{canonical, check_signature, Protocol, SignatureFile};
use crate::crypto::encoding::to_b64;
use crate::error::Explain;
use crate::event::Manifest;
use crate::i18n::{self, Arg, Lang, Zone};
use crate::postal::{About, Settled};

/// A labelled figure: a row of a two-column table.
struct Row {
    label: String,
    value: String,
    /// `hash` (monospace, breaks anywhere), `num` (a figure) or `text`.
    class: &'static str,
    /// Drawn out (the deviation, when not zero).
    strong: bool,
    /// A sub-row (a reason under its total).
    sub: bool,
}

impl Row {
    fn num(label: String, value: String) -> Row {
        Row {
            label,
            value,
            class: "num",
            strong: false,
            sub: false,
        }
    }
    fn sub(label: String, value: String) -> Row {
        Row {
            sub: true,
            ..Row::num(label, value)
        }
    }
    fn hash(label: String, value: String) -> Row {
        Row {
            class: "hash",
            ..Row::num(label, value)
        }
    }
    fn text(label: String, value: String) -> Row {
        Row {
            class: "text",
            ..Row::num(label, value)
        }
    }
}

/// An option's line of the result.
struct ResultRow {
    option: String,
    electronic: String,
    postal: String,
    total: String,
    share: String,
}

/// One counter's figures in one attempt of a postal count round.
struct CountRow {
    pair: String,
    member: String,
    attempt: String,
    figures: Vec<String>,
}

struct CountRound {
    heading: String,
    rows: Vec<CountRow>,
    agreed: Vec<String>,
    notes: Vec<String>,
}

struct LogRow {
    seq: u64,
    at: String,
    step: String,
    who: String,
    note: String,
}

struct SignatureRow {
    name: String,
    status: String,
    valid: bool,
    key: String,
}

#[derive(Template)]
#[template(path = "protocol.html")]
struct Page {
    lang: Lang,
    title: String,
    heading: String,
    /// The `@page` rules' header and footer, as CSS `content` values.
    css_header_left: String,
    css_header_right: String,
    css_footer: String,
    is_test: bool,
    meta: Vec<Row>,
    times_note: String,
    key_figures: Vec<Row>,
    deviation_note: String,
    shares: Vec<ResultRow>,
    roll_marks: Vec<Row>,
    envelopes: Vec<Row>,
    evotes: Vec<Row>,
    count_columns: Vec<String>,
    rounds: Vec<CountRound>,
    no_count: bool,
    settled: String,
    count_figures: Vec<Row>,
    explanations: Vec<(String, String)>,
    results: Vec<ResultRow>,
    result_total: ResultRow,
    other_categories: Vec<ResultRow>,
    evidence: Vec<Row>,
    log: Vec<LogRow>,
    signatures: Vec<SignatureRow>,
    place_date: String,
    signers: Vec<String>,
}

impl Page {
    /// A label from the language file.
    fn t(&self, id: &str) -> String {
        i18n::t(self.lang, id, &[])
    }
}

/// Text as a CSS string literal for `content:` in `@page` rules, where HTML
/// escaping does not apply: every character other than an ASCII letter or
/// digit becomes a six-digit CSS hex escape, so nothing from a file can end
/// the string, the rule or the `<style>` element. (Spaces are escaped too: a
/// space right after an escape would be taken as the escape's end.)
pub(crate) fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:06x}", u32::from(c)));
        }
    }
    out.push('"');
    out
}

/// "Page N of M" as a CSS `content` value: the language's sentence around
/// `counter(page)` and `counter(pages)`.
pub(crate) fn css_page_of(lang: Lang) -> String {
    const PAGE: &str = "\u{E000}";
    const PAGES: &str = "\u{E001}";
    let s = i18n::t(
        lang,
        "doc-page-of",
        &[("page", PAGE.into()), ("pages", PAGES.into())],
    );
    let mut out = Vec::new();
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let next = [(PAGE, "counter(page)"), (PAGES, "counter(pages)")]
            .into_iter()
            .filter_map(|(m, c)| rest.find(m).map(|i| (i, m, c)))
            .min_by_key(|(i, _, _)| *i);
        match next {
            Some((i, m, c)) => {
                if i > 0 {
                    out.push(css_string(&rest[..i]));
                }
                out.push(c.to_string());
                rest = &rest[i + m.len()..];
            }
            None => {
                out.push(css_string(rest));
                rest = "";
            }
        }
    }
    out.join(" ")
}

fn option_or_category(lang: Lang, options: &[String], c: &str) -> String {
    if options.iter().any(|o| o == c) {
        c.to_string()
    } else {
        label_or_code(lang, "category-", c)
    }
}

fn label_or_code(lang: Lang, prefix: &str, code: &str) -> String {
    let id = format!("{prefix}{code}");
    if i18n::has(lang, &id) {
        i18n::t(lang, &id, &[])
    } else {
        code.to_string()
    }
}

/// The printable HTML rendering of a protocol: self-contained (inline CSS, no
/// script, no external asset), in the manifest's `language` and `time_zone`,
/// with its `place` on the place-and-date line. `protocol_sha256` is the hex
/// SHA-256 of the protocol file; `sigs` its signatures, if any (each is shown
/// as checked against the protocol's canonical bytes).
///
/// Deterministic: the same arguments give the same bytes.
pub fn render_html(
    p: &Protocol,
    protocol_sha256: &str,
    sigs: Option<&SignatureFile>,
    manifest: &Manifest,
) -> String {
    let lang = manifest.language;
    let zone: &Zone = &manifest.time_zone;
    let t = |id: &str| i18n::t(lang, id, &[]);
    let ta = |id: &str, args: &[(&str, Arg)]| i18n::t(lang, id, args);
    let n = |x: u64| i18n::int(lang, x);
    let pct = |s: &str| i18n::percent(lang, s);
    let when = |s: &str| i18n::datetime_text(lang, zone, s);

    let heading = ta("protocol-heading", &[("area", (&p.area).into())]);
    let short_sha: String = protocol_sha256.chars().take(16).collect();

    let kf = &p.key_figures;
    let rm = &p.roll_marks;
    let deviation = i128::from(kf.votes_cast) - i128::from(rm.total);
    let deviation_i64 = i64::try_from(deviation).unwrap_or(0);
    let deviation_note = match deviation.cmp(&0) {
        std::cmp::Ordering::Equal => t("protocol-deviation-none"),
        std::cmp::Ordering::Less => ta(
            "protocol-deviation-fewer",
            &[("n", deviation_i64.unsigned_abs().into())],
        ),
        std::cmp::Ordering::Greater => ta(
            "protocol-deviation-more",
            &[("n", deviation_i64.unsigned_abs().into())],
        ),
    };
    let key_figures = vec![
        Row::num(t("protocol-entitled"), n(kf.entitled)),
        Row::num(t("protocol-approved-votings"), n(rm.total)),
        Row::num(t("protocol-votes-cast"), n(kf.votes_cast)),
        Row {
            strong: deviation != 0,
            ..Row::num(t("protocol-deviation"), i18n::signed(lang, deviation_i64))
        },
        Row::num(t("protocol-votes-counted"), n(kf.votes_counted)),
        Row::num(
            format!("{} ({})", t("doc-turnout"), t("protocol-turnout-basis")),
            pct(&kf.turnout_percent),
        ),
    ];
    let shares = kf
        .results
        .iter()
        .map(|x| ResultRow {
            option: x.option.clone(),
            electronic: String::new(),
            postal: String::new(),
            total: n(x.total),
            share: pct(&x.percent),
        })
        .collect();

    let roll_marks = vec![
        Row::num(t("protocol-rm-electronic"), n(rm.electronic)),
        Row::num(t("protocol-rm-postal"), n(rm.postal)),
        Row::num(t("protocol-rm-total"), n(rm.total)),
    ];
    let env = &p.envelopes;
    let mut envelopes = vec![
        Row::num(t("protocol-env-received"), n(env.received)),
        Row::num(t("protocol-env-approved"), n(env.approved)),
        Row::num(t("protocol-env-rejected"), n(env.rejected_total)),
    ];
    envelopes.extend(
        env.rejected
            .iter()
            .map(|(r, c)| Row::sub(label_or_code(lang, "reason-", r), n(*c))),
    );
    let ev = &p.evotes;
    let mut evotes = vec![
        Row::num(t("protocol-ev-received"), n(ev.received)),
        Row::num(t("protocol-ev-superseded"), n(ev.superseded)),
        Row::num(t("protocol-ev-rejected"), n(ev.rejected_total())),
    ];
    evotes.extend(
        ev.rejected
            .iter()
            .map(|(r, c)| Row::sub(label_or_code(lang, "reason-", r), n(*c))),
    );
    evotes.push(Row::num(t("protocol-ev-counted"), n(ev.counted)));

    let pc = &p.postal_count;
    let category = |c: &str| option_or_category(lang, &p.options, c);
    let count_columns = pc.categories.iter().map(|c| category(c)).collect();
    let rounds = pc
        .rounds
        .iter()
        .map(|round| {
            let mut rows = Vec::new();
            let mut notes = Vec::new();
            for a in &round.attempts {
                for m in &a.members {
                    rows.push(CountRow {
                        pair: a.pair.clone(),
                        member: m.member.clone(),
                        attempt: a.attempt.to_string(),
                        figures: m.figures.iter().map(|f| n(*f)).collect(),
                    });
                }
                for d in &a.disagreements {
                    notes.push(ta(
                        "protocol-pc-disagreed",
                        &[
                            ("attempt", a.attempt.to_string().into()),
                            ("pair", (&a.pair).into()),
                            ("category", category(&d.category).into()),
                            (
                                "figures",
                                d.figures
                                    .iter()
                                    .map(|x| n(*x))
                                    .collect::<Vec<_>>()
                                    .join(" / ")
                                    .into(),
                            ),
                        ],
                    ));
                }
            }
            if !round.differences.is_empty() {
                let list = round
                    .differences
                    .iter()
                    .map(|d| {
                        format!(
                            "{}: {} → {}",
                            category(&d.category),
                            n(d.previous),
                            n(d.this)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                notes.push(ta(
                    "protocol-pc-differences",
                    &[
                        ("round", round.round.saturating_sub(1).to_string().into()),
                        ("list", list.into()),
                    ],
                ));
            }
            CountRound {
                heading: ta(
                    "protocol-pc-round",
                    &[("round", round.round.to_string().into())],
                ),
                rows,
                agreed: round.figures.iter().map(|f| n(*f)).collect(),
                notes,
            }
        })
        .collect();
    let settled = t(match pc.settled {
        Settled::Agreed => "settled-agreed",
        Settled::Recounted => "settled-recounted",
        Settled::Explained => "settled-explained",
        Settled::NoBallots => "settled-no_ballots",
    });
    let mut count_figures = vec![
        Row::num(t("protocol-pc-ballots"), n(pc.ballots)),
        Row::num(t("protocol-pc-envelopes"), n(pc.envelopes_approved)),
    ];
    if let Some(d) = pc.deviation {
        count_figures.push(Row {
            strong: d != 0,
            ..Row::num(t("protocol-pc-deviation"), i18n::signed(lang, d))
        });
    }
    let explanations = pc
        .explanations
        .iter()
        .map(|x| {
            let about = match x.about {
                About::Round(r) => ta(
                    "protocol-pc-explanation-round",
                    &[("round", r.to_string().into())],
                ),
                About::Envelopes => t("protocol-pc-explanation-envelopes"),
            };
            (about, x.text.clone())
        })
        .collect();

    let results = p
        .results
        .iter()
        .map(|x| ResultRow {
            option: x.option.clone(),
            electronic: n(x.electronic),
            postal: n(x.postal),
            total: n(x.total),
            share: pct(&x.percent),
        })
        .collect();
    let (e, po, tot) = p.results.iter().fold((0u64, 0u64, 0u64), |a, x| {
        (
            a.0.saturating_add(x.electronic),
            a.1.saturating_add(x.postal),
            a.2.saturating_add(x.total),
        )
    });
    let result_total = ResultRow {
        option: t("doc-total"),
        electronic: n(e),
        postal: n(po),
        total: n(tot),
        share: pct("100.0"),
    };
    let other_categories = pc
        .categories
        .iter()
        .filter(|c| !p.options.contains(c))
        .map(|c| ResultRow {
            option: category(c),
            electronic: "—".into(),
            postal: n(pc.figure(c)),
            total: "—".into(),
            share: String::new(),
        })
        .collect();

    let evd = &p.evidence;
    let mut evidence = vec![
        Row::hash(
            t("protocol-evd-fingerprint"),
            evd.election_fingerprint.hex(),
        ),
        Row::hash(t("protocol-evd-box-head"), evd.box_head.hex()),
        Row::num(t("protocol-evd-box-ballots"), n(evd.box_ballots)),
        match &evd.credentials_sha256 {
            Some(h) => Row::hash(t("protocol-evd-credentials"), h.hex()),
            None => Row::text(t("protocol-evd-credentials-none"), t("credentials-none")),
        },
        Row::text(
            t("protocol-evd-keyholders"),
            evd.keyholders
                .iter()
                .map(|k| format!("{} ({})", k.name, k.index))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    for s in &evd.encrypted_sums {
        evidence.push(Row::hash(
            ta("protocol-evd-sum", &[("option", (&s.option).into())]),
            format!(
                "A = {}, B = {}",
                to_b64(s.a.as_bytes()),
                to_b64(s.b.as_bytes())
            ),
        ));
    }
    for f in &evd.files {
        evidence.push(Row::hash(
            ta("protocol-evd-file", &[("file", (&f.name).into())]),
            f.sha256.clone(),
        ));
    }
    evidence.push(Row::hash(
        t("protocol-evd-log-head"),
        evd.ceremony_log_head.hex(),
    ));
    evidence.push(Row::hash(t("protocol-evd-this"), protocol_sha256.into()));

    let log = p
        .ceremony_log
        .iter()
        .map(|x| LogRow {
            seq: x.seq,
            at: when(&x.at),
            step: x.step.clone(),
            who: x.who.join(", "),
            note: x.note.clone(),
        })
        .collect();

    let bytes = canonical(p);
    let signatures = p
        .leadership
        .iter()
        .map(|l| {
            let found = sigs.and_then(|s| s.signatures.iter().find(|x| x.name == l.name));
            let (status, valid) = match found.map(|s| (s, check_signature(p, &bytes, s))) {
                Some((s, Ok(()))) => (
                    ta("protocol-sig-signed", &[("at", when(&s.signed_at).into())]),
                    true,
                ),
                Some((_, Err(e))) => (
                    ta("protocol-sig-invalid", &[("code", e.code().into())]),
                    false,
                ),
                None => (t("protocol-sig-not-signed"), false),
            };
            SignatureRow {
                name: l.name.clone(),
                status,
                valid,
                key: l.public_key.clone(),
            }
        })
        .collect();
    let made = i18n::parse_time(&p.created_at);
    let date = made
        .map(|at| i18n::date(lang, zone, at))
        .unwrap_or_default();
    let place_date = match (&manifest.place, date.is_empty()) {
        (Some(place), false) => format!("{place}, {date}"),
        (Some(place), true) => place.clone(),
        (None, _) => date,
    };

    let page = Page {
        lang,
        title: format!("{heading} — {}", p.title),
        css_header_left: css_string(&format!("{heading} · {}", p.event)),
        css_header_right: css_string(&if p.is_test {
            format!("TEST · SHA-256 {short_sha}")
        } else {
            format!("SHA-256 {short_sha}")
        }),
        css_footer: css_page_of(lang),
        heading,
        is_test: p.is_test,
        meta: vec![
            Row::text(t("protocol-meta-event"), p.title.clone()),
            Row::text(t("protocol-meta-authority"), p.authority.clone()),
            Row::text(t("protocol-meta-question"), p.question.clone()),
            Row::text(t("protocol-meta-made"), when(&p.created_at)),
        ],
        times_note: ta("doc-times", &[("zone", zone.name().into())]),
        key_figures,
        deviation_note,
        shares,
        roll_marks,
        envelopes,
        evotes,
        count_columns,
        no_count: pc.rounds.is_empty(),
        rounds,
        settled,
        count_figures,
        explanations,
        results,
        result_total,
        other_categories,
        evidence,
        log,
        signatures,
        place_date,
        signers: p.leadership.iter().map(|l| l.name.clone()).collect(),
    };
    // Rendering to a String cannot fail: every value displays infallibly.
    page.render().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_escape_everything_but_letters_digits_and_spaces() {
        assert_eq!(css_string("Søgne 2"), "\"S\\0000f8gne\\0000202\"");
        assert_eq!(
            css_string("\"}</style>"),
            "\"\\000022\\00007d\\00003c\\00002fstyle\\00003e\""
        );
    }

    #[test]
    fn the_page_counter_follows_the_languages_sentence() {
        let nb = Lang::parse("nb").unwrap();
        assert_eq!(
            css_page_of(nb),
            "\"Side\\000020\" counter(page) \"\\000020av\\000020\" counter(pages)"
        );
        let en = Lang::parse("en").unwrap();
        assert_eq!(
            css_page_of(en),
            "\"Page\\000020\" counter(page) \"\\000020of\\000020\" counter(pages)"
        );
    }
}
