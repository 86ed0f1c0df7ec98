//! The ballot tracker page (`tracker.html` of a publication): a voter types
//! the tracker from their receipt and reads, in the event's language, whether
//! that ballot is in the sealed box and whether it was counted, superseded by
//! a later e-vote or rejected (and why), from the tracker index published
//! beside it ([`crate::ballot_box::tracker::index`], docs/SPEC.md, "Tracker
//! index").
//!
//! The page is `templates/tracker.html` (askama). Like the results page it is
//! self-contained: inline CSS and script, no fonts or scripts from elsewhere.
//! Its script fetches one shard of the index (`tracker-<P>.txt`, a relative
//! URL; a few hundred kilobytes at most for a 4,000,000-ballot box) and finds
//! the tracker's line in it: the page says what the line says and no more.
//! The verdict is in `#verdict`, whose `data-status` is the line's status
//! (`counted`, `superseded`, `rejected`) or `not-found`, `bad-code`,
//! `unavailable`. A tracker after `#` in the address is looked up at once.

use askama::Template;
use serde::Serialize;

use crate::ballot_box::tracker::index::{IndexHeader, INDEX_FILE};
use crate::event::Manifest;
use crate::i18n::{self, Lang};
use crate::tally::Rejection;

#[derive(Template)]
#[template(path = "tracker.html")]
struct Page {
    lang: Lang,
    doc_title: String,
    title: String,
    is_test: bool,
    test_banner: String,
    heading: String,
    intro: String,
    label: String,
    button: String,
    noscript: String,
    box_line: String,
    privacy: String,
    results_link: String,
    index_file: &'static str,
    index_link: String,
    /// The page's data for its script, as JSON safe inside `<script>`.
    data_json: String,
}

#[derive(Serialize)]
struct Data {
    lang: String,
    zone: String,
    prefix_chars: usize,
    areas: std::collections::BTreeMap<String, String>,
    reasons: std::collections::BTreeMap<&'static str, String>,
    messages: std::collections::BTreeMap<&'static str, String>,
}

/// JSON that may stand inside a `<script>` element: no `<`, `>` or `&`
/// (written as `\u003c` and so on, which JSON reads back the same).
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The tracker page for an index, in the manifest's language.
pub fn tracker_html(manifest: &Manifest, index: &IndexHeader) -> String {
    let lang = manifest.language;
    let t = |id: &str| i18n::t(lang, id, &[]);
    // Placeholders the script fills: `{code}`, `{seq}` and so on.
    let slot = |id: &str, names: &[&str]| {
        let args: Vec<(&str, i18n::Arg)> = names
            .iter()
            .map(|n| (*n, format!("{{{n}}}").into()))
            .collect();
        i18n::t(lang, id, &args)
    };
    let messages = [
        ("bad_code", t("tracker-bad-code")),
        ("looking", t("tracker-looking")),
        (
            "found",
            slot("tracker-found", &["code", "seq", "area", "time"]),
        ),
        ("counted", t("tracker-counted")),
        ("superseded", slot("tracker-superseded", &["later"])),
        ("rejected", slot("tracker-rejected", &["reason"])),
        ("not_found", slot("tracker-not-found", &["code"])),
        ("unavailable", slot("tracker-unavailable", &["why"])),
    ]
    .into_iter()
    .collect();
    let data = Data {
        lang: lang.tag().to_string(),
        zone: manifest.time_zone.name().to_string(),
        prefix_chars: index.prefix_chars,
        areas: manifest
            .referendums()
            .iter()
            .map(|r| (r.id.clone(), r.area.clone()))
            .collect(),
        reasons: Rejection::ALL
            .iter()
            .map(|r| (r.as_str(), t(&format!("reason-{}", r.as_str()))))
            .collect(),
        messages,
    };
    let heading = t("tracker-heading");
    let page = Page {
        lang,
        doc_title: if manifest.is_test {
            format!("TEST — {heading} — {}", manifest.title)
        } else {
            format!("{heading} — {}", manifest.title)
        },
        title: manifest.title.clone(),
        is_test: manifest.is_test,
        test_banner: t("results-test"),
        heading,
        intro: t("tracker-intro"),
        label: t("tracker-label"),
        button: t("tracker-button"),
        noscript: t("tracker-noscript"),
        box_line: i18n::t(
            lang,
            "tracker-box",
            &[
                ("ballots", i18n::int(lang, index.box_ballots).into()),
                ("head", index.box_head.hex().into()),
            ],
        ),
        privacy: t("tracker-privacy"),
        results_link: t("tracker-results-link"),
        index_file: INDEX_FILE,
        index_link: t("results-file-tracker-index"),
        data_json: script_safe(&serde_json::to_string(&data).unwrap_or_default()),
    };
    page.render().unwrap_or_default()
}
