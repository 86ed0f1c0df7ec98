//! The results page (`index.html` of a publication): what the public reads on
//! election night, in the event's language, made from a [`ResultSet`].
//!
//! The page is `templates/results.html`, an askama template (checked at build
//! time, HTML-escaped by default). It is self-contained: inline CSS and one
//! small inline script, no fonts, images or styles from elsewhere; its only
//! links are relative ones to the files published beside it. It reads and
//! prints without the script. With it, and served over HTTP (`urne serve`),
//! it polls `manifest.json` with `If-None-Match` every
//! [`POLL_SECONDS`] seconds, and when the manifest names a new `index.html`
//! it fetches that page and swaps the figures in place (no reload).
//!
//! Every figure is in an element with `data-referendum`, `data-type`
//! (`electronic`, `postal`, `total`), `data-figure` and `data-value` (the
//! figure as the files write it: digits, a percentage with one decimal and a
//! point); `votes` and `percent` also carry `data-option`. The element's text
//! is the figure as the language writes it (`10 279`, `48,3`).
//!
//! Nothing here changes with the time of publication: the same figures give
//! the same bytes (the time of a publication is in its signed manifest, which
//! the script shows).

use askama::Template;

use super::results::{Channel, ReferendumResult, ResultSet, VoteType, VENDOR_APPLICATION_ID};
use crate::ballot_box::tracker::index::PAGE_FILE;
use crate::event::Manifest;
use crate::i18n::{self, Arg, Lang};

/// How often the page's script asks for the manifest, in seconds.
pub const POLL_SECONDS: u32 = 20;

/// A figure, for a `<span>` with its data attributes.
struct Fig {
    referendum: String,
    option: Option<String>,
    kind: &'static str,
    figure: &'static str,
    value: String,
    text: String,
}

/// A piece of a sentence: text, or a figure inside it.
enum Piece {
    Text(String),
    Fig(Fig),
}

/// A message whose arguments are figures (or sentences with figures):
/// formatted with a private-use marker character for each, then cut at the markers. Everything stays text
/// until the template escapes it.
fn sentence(lang: Lang, id: &str, args: Vec<(&str, Vec<Piece>)>) -> Vec<Piece> {
    let mut fargs: Vec<(&str, Arg)> = Vec::new();
    let mut slots: Vec<Option<Vec<Piece>>> = Vec::new();
    for (k, p) in args {
        let marker =
            char::from_u32(0xE000 + u32::try_from(slots.len()).unwrap_or(0)).unwrap_or('\u{E000}');
        fargs.push((k, marker.to_string().into()));
        slots.push(Some(p));
    }
    let s = i18n::t(lang, id, &fargs);
    let mut out = Vec::new();
    let mut text = String::new();
    for c in s.chars() {
        let slot = u32::from(c)
            .checked_sub(0xE000)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < slots.len());
        match slot.and_then(|i| slots[i].take()) {
            Some(pieces) => {
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.extend(pieces);
            }
            None => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

struct Bar {
    label: String,
    y_label: u64,
    y_bar: u64,
    y_figures: u64,
    width: u64,
    color: &'static str,
    votes: Fig,
    percent: Fig,
}

struct Chart {
    height: u64,
    label: String,
    bars: Vec<Bar>,
}

struct Line {
    option: String,
    cells: Vec<Option<Fig>>,
    share: Option<Fig>,
}

struct Section {
    id: String,
    area: String,
    question: String,
    status: String,
    chart: Option<Chart>,
    lines: Vec<Line>,
    not_for_option: Vec<Piece>,
    turnout: Vec<Piece>,
}

struct Link {
    href: String,
    label: String,
    /// Its detached signature.
    sig: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct Page {
    lang: Lang,
    title: String,
    doc_title: String,
    is_test: bool,
    stage: &'static str,
    stage_label: String,
    sections: Vec<Section>,
    source: String,
    links: Vec<Link>,
    signature: String,
    made_by: String,
    zone: String,
    poll_seconds: u32,
    live: String,
    live_changed: String,
    updated_label: String,
    css_footer: String,
    /// Whether e-votes are signed with voter credentials, in a sentence.
    credentials: String,
    /// The link to the ballot tracker page, if it is published.
    tracker: Option<Link>,
}

impl Page {
    fn t(&self, id: &str) -> String {
        i18n::t(self.lang, id, &[])
    }
}

const BAR_MAX: u64 = 250;
const ROW: u64 = 46;
const BAR_COLORS: [&str; 6] = [
    "#1f5fa8", "#b3401f", "#4d6b2f", "#6b3fa0", "#0f7c7c", "#8a6d00",
];

fn fig(
    lang: Lang,
    r: &ReferendumResult,
    option: Option<&str>,
    t: VoteType,
    figure: &'static str,
    n: u64,
) -> Fig {
    Fig {
        referendum: r.id.clone(),
        option: option.map(str::to_string),
        kind: t.as_str(),
        figure,
        value: n.to_string(),
        text: i18n::int(lang, n),
    }
}

fn percent_fig(lang: Lang, r: &ReferendumResult, option: &str, p: String) -> Fig {
    Fig {
        referendum: r.id.clone(),
        option: Some(option.to_string()),
        kind: VoteType::Total.as_str(),
        figure: "percent",
        text: i18n::decimal(lang, &p),
        value: p,
    }
}

fn chart(lang: Lang, r: &ReferendumResult, total: &Channel) -> Chart {
    let n = r.options.len() as u64;
    let bars = r
        .options
        .iter()
        .zip(&total.votes)
        .enumerate()
        .map(|(k, (o, v))| {
            let y = k as u64 * ROW;
            let width = if total.counted == 0 {
                0
            } else {
                u64::try_from(u128::from(*v) * u128::from(BAR_MAX) / u128::from(total.counted))
                    .unwrap_or(BAR_MAX)
            };
            Bar {
                label: o.clone(),
                y_label: y + 14,
                y_bar: y + 20,
                y_figures: y + 34,
                width,
                color: BAR_COLORS[k % BAR_COLORS.len()],
                votes: fig(lang, r, Some(o), VoteType::Total, "votes", *v),
                percent: percent_fig(lang, r, o, total.percent(k).unwrap_or_default()),
            }
        })
        .collect();
    Chart {
        height: n * ROW + 4,
        label: i18n::t(lang, "results-chart", &[("area", (&r.area).into())]),
        bars,
    }
}

fn section(lang: Lang, r: &ReferendumResult) -> Section {
    let t = |id: &str| i18n::t(lang, id, &[]);
    let counted = |c: &Option<Channel>| {
        if c.is_some() {
            t("results-counted")
        } else {
            t("results-not-counted")
        }
    };
    let protocol = match r.protocol {
        None => t("results-protocol-none"),
        Some(false) => t("results-protocol-unsigned"),
        Some(true) => t("results-protocol-signed"),
    };
    let status = i18n::t(
        lang,
        "results-status",
        &[
            ("evotes", counted(&r.electronic).into()),
            ("postal", counted(&r.postal).into()),
            ("protocol", protocol.into()),
        ],
    );
    let lines = r
        .options
        .iter()
        .enumerate()
        .map(|(k, o)| Line {
            option: o.clone(),
            cells: VoteType::ALL
                .iter()
                .map(|t| {
                    r.channel(*t)
                        .and_then(|c| c.votes.get(k))
                        .map(|v| fig(lang, r, Some(o), *t, "votes", *v))
                })
                .collect(),
            share: r
                .total
                .as_ref()
                .and_then(|c| c.percent(k))
                .map(|p| percent_fig(lang, r, o, p)),
        })
        .collect();
    let mut extra: Vec<Piece> = Vec::new();
    if r.postal.is_some() {
        let postal = |figure: &'static str, n: u64| Fig {
            option: None,
            ..fig(lang, r, None, VoteType::Postal, figure, n)
        };
        for (id, figure, n) in [
            ("results-blank", "blank", r.postal_blank),
            ("results-invalid", "invalid", r.postal_invalid),
        ] {
            if let Some(n) = n {
                if !extra.is_empty() {
                    extra.push(Piece::Text(", ".into()));
                }
                extra.extend(sentence(
                    lang,
                    id,
                    vec![("n", (vec![Piece::Fig(postal(figure, n))]))],
                ));
            }
        }
    }
    let not_for_option = if extra.is_empty() {
        Vec::new()
    } else {
        sentence(lang, "results-not-for-option", vec![("list", (extra))])
    };
    let turnout = match (r.voters, r.entitled, r.turnout_percent()) {
        (Some(v), Some(e), Some(p)) => {
            let total =
                |figure: &'static str, n: u64| fig(lang, r, None, VoteType::Total, figure, n);
            let pct = Fig {
                text: i18n::percent(lang, &p),
                value: p.clone(),
                ..total("turnout", 0)
            };
            sentence(
                lang,
                if r.postal.is_some() {
                    "results-turnout"
                } else {
                    "results-turnout-so-far"
                },
                vec![
                    ("percent", (vec![Piece::Fig(pct)])),
                    ("voters", (vec![Piece::Fig(total("voters", v))])),
                    ("entitled", (vec![Piece::Fig(total("entitled", e))])),
                ],
            )
        }
        _ => vec![Piece::Text(t("results-turnout-unknown"))],
    };
    Section {
        id: r.id.clone(),
        area: r.area.clone(),
        question: r.question.clone(),
        status,
        chart: r.total.as_ref().map(|total| chart(lang, r, total)),
        lines,
        not_for_option,
        turnout,
    }
}

/// The label of a published file the page links to, by its name.
fn file_label(lang: Lang, name: &str) -> String {
    let id = match name {
        "results.json" => "results-file-json",
        "results.xml" => "results-file-xml",
        "results.csv" => "results-file-csv",
        "results-spreadsheet.csv" => "results-file-spreadsheet",
        "manifest.json" => "results-file-manifest",
        crate::ballot_box::tracker::index::INDEX_FILE => "results-file-tracker-index",
        _ => return name.to_string(),
    };
    i18n::t(lang, id, &[])
}

/// The results page, in the manifest's `language`, linking to `files` (the
/// names published beside it, e.g. `results.json`) and each one's detached
/// signature (`results.json.sig`), and to `manifest.json` and its signature.
/// Signature files and `index.html` among `files` are not listed again. If
/// `files` has the ballot tracker page (`tracker.html`), the page links to it
/// under its title; the tracker index's shards (`tracker-*.txt`) are not
/// listed.
pub fn results_html(rs: &ResultSet, manifest: &Manifest, files: &[&str]) -> String {
    let lang = manifest.language;
    let t = |id: &str| i18n::t(lang, id, &[]);
    let mut links: Vec<Link> = files
        .iter()
        .filter(|n| {
            let shard = n.starts_with("tracker-") && n.ends_with(".txt");
            let elsewhere = ["index.html", "manifest.json", PAGE_FILE].contains(n);
            !(n.ends_with(".sig") || elsewhere || shard)
        })
        .map(|n| Link {
            href: (*n).to_string(),
            label: file_label(lang, n),
            sig: format!("{n}.sig"),
        })
        .collect();
    links.push(Link {
        href: "manifest.json".into(),
        label: file_label(lang, "manifest.json"),
        sig: "manifest.json.sig".into(),
    });
    let title = rs.title().to_string();
    let doc_title = i18n::t(lang, "results-title", &[("title", (&title).into())]);
    let page = Page {
        lang,
        doc_title: if rs.is_test() {
            format!("TEST — {doc_title}")
        } else {
            doc_title
        },
        title,
        is_test: rs.is_test(),
        stage: rs.stage().as_str(),
        stage_label: t(&format!("stage-{}", rs.stage().as_str())),
        sections: rs.referendums().iter().map(|r| section(lang, r)).collect(),
        source: i18n::t(
            lang,
            "results-source",
            &[("authority", rs.authority().into())],
        ),
        links,
        signature: t("results-signature"),
        made_by: i18n::t(
            lang,
            "results-made-by",
            &[("app", VENDOR_APPLICATION_ID.into())],
        ),
        zone: manifest.time_zone.name().to_string(),
        poll_seconds: POLL_SECONDS,
        live: i18n::t(lang, "results-live", &[("seconds", POLL_SECONDS.into())]),
        live_changed: i18n::t(lang, "results-live-changed", &[("time", "{time}".into())]),
        updated_label: t("results-updated"),
        css_footer: crate::protocol::render::css_page_of(lang),
        credentials: t(if manifest.voter_credentials.required() {
            "credentials-used-page"
        } else {
            "credentials-none"
        }),
        tracker: files.contains(&PAGE_FILE).then(|| Link {
            href: PAGE_FILE.into(),
            label: t("results-tracker"),
            sig: format!("{PAGE_FILE}.sig"),
        }),
    };
    page.render().unwrap_or_default()
}
