//! The documents people read, checked as a person would: the printable
//! protocol and the results page of the example event, in Norwegian, rendered
//! by headless Chromium on a desktop and at 400 px (no horizontal overflow),
//! printed to PDF and read back with poppler (page numbers, running header,
//! no table row split across pages, no referendum split across pages), and
//! the results page refreshing itself from the manifest's ETag without a
//! reload.
//!
//! Needs `chromium`, `pdftotext` and `pdftoppm` (Debian: chromium,
//! poppler-utils; `scripts/test` installs them). A missing tool is a failure,
//! not a skip. The screenshots and page images are left in
//! `target/tmp/documents/` for a person to look at.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

use time::OffsetDateTime;
use urne::event::Manifest;
use urne::protocol::{self, Protocol, SignatureFile};
use urne::publish::page;
use urne::publish::results::ResultSet;
use urne::tally::TallyFile;

fn tmp() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn generated_at() -> OffsetDateTime {
    time::macros::datetime!(2027-02-03 21:15:07 +01:00)
}

const FILES: [&str; 4] = [
    "results.json",
    "results.xml",
    "results.csv",
    "results-spreadsheet.csv",
];

struct Demo {
    dir: PathBuf,
    manifest_text: String,
    manifest: Manifest,
    tally: TallyFile,
    /// Per referendum: the protocol, its bytes, its signatures.
    protocols: Vec<(Protocol, Vec<u8>, SignatureFile)>,
}

/// Runs `urne demo` once for all tests.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tmp().join("demo");
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(env!("CARGO_BIN_EXE_urne"))
            .args(["demo", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "urne demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let manifest_text = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
        let manifest = Manifest::parse(&manifest_text, "manifest.toml").unwrap();
        let tally = TallyFile::from_json(
            &std::fs::read_to_string(dir.join("tally.json")).unwrap(),
            "tally.json",
        )
        .unwrap();
        let protocols = manifest
            .referendums()
            .iter()
            .map(|r| {
                let p = dir.join("protocols").join(format!("{}.json", r.id));
                let bytes = std::fs::read(&p).unwrap();
                let protocol = protocol::parse(&bytes, &p.display().to_string()).unwrap();
                let sigs: SignatureFile = serde_json::from_slice(
                    &std::fs::read(
                        dir.join("protocols")
                            .join(format!("{}.signatures.json", r.id)),
                    )
                    .unwrap(),
                )
                .unwrap();
                (protocol, bytes, sigs)
            })
            .collect();
        Demo {
            dir,
            manifest_text,
            manifest,
            tally,
            protocols,
        }
    })
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(urne::crypto::encoding::sha256(bytes))
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} could not be run ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Headless Chromium as the brief runs it (as root: no sandbox), each run
/// with its own profile.
fn chromium(args: &[&str], url: &str) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .arg(url);
    run(&mut cmd, "chromium")
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// A PNG's width and height (IHDR).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    )
}

/// Screenshots of `page` at a desktop width and at 400 px.
fn screenshots(page: &Path, name: &str) {
    for (w, h) in [(1280, 2000), (400, 2000)] {
        let png = tmp().join(format!("{name}-{w}.png"));
        let _ = std::fs::remove_file(&png);
        chromium(
            &[
                &format!("--screenshot={}", png.display()),
                &format!("--window-size={w},{h}"),
            ],
            &file_url(page),
        );
        assert_eq!(png_size(&png), (w, h), "{name} at {w}");
        // A blank page compresses to a few kilobytes; text and tables are
        // many times that.
        let len = std::fs::metadata(&png).unwrap().len();
        assert!(
            len > 20_000,
            "{name} at {w}: the screenshot is only {len} bytes"
        );
    }
}

/// What overflows the viewport at `width` px: the document's scroll width
/// and every element whose box reaches past the right edge. A script added
/// to a copy of the page measures them; the page is shown in an iframe of
/// that width (headless Chromium's window is at least 500 px wide), and the
/// outer page copies the measure into its own DOM, which is dumped.
fn overflow(html: &str, name: &str, width: u32) -> (u32, u32, Vec<String>) {
    const PROBE: &str = r#"<script>
addEventListener("load", function () {
  var w = document.documentElement.clientWidth, bad = [];
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 0.5) bad.push(e.tagName + "." + e.className + ":" + Math.round(r.right));
  });
  var o = document.createElement("pre");
  o.id = "probe";
  o.textContent = JSON.stringify({scroll: document.documentElement.scrollWidth, client: w, bad: bad.slice(0, 20)});
  document.body.appendChild(o);
});
</script>"#;
    let probed = html.replacen("</body>", &format!("{PROBE}</body>"), 1);
    let srcdoc = probed.replace('&', "&amp;").replace('"', "&quot;");
    let wrapper = format!(
        r#"<!doctype html><html><body style="margin:0"><iframe id="f" style="width:{width}px;height:900px;border:0" srcdoc="{srcdoc}"></iframe>
<script>addEventListener("load", function () {{
  var p = document.getElementById("f").contentDocument.getElementById("probe");
  var o = document.createElement("pre"); o.id = "measured"; o.textContent = p ? p.textContent : "{{}}";
  document.body.appendChild(o);
}});</script></body></html>"#
    );
    let page = tmp().join(format!("{name}-probe-{width}.html"));
    std::fs::write(&page, wrapper).unwrap();
    let out = chromium(&["--dump-dom", "--window-size=1400,1000"], &file_url(&page));
    // (--hide-scrollbars: the iframe's scroll bar takes no width, as on a
    // phone.)
    let dom = String::from_utf8(out.stdout).unwrap();
    let start = dom.find("<pre id=\"measured\">").expect("the probe ran") + 19;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let n = |k: &str| u32::try_from(v[k].as_u64().unwrap_or(0)).unwrap();
    let bad = v["bad"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (n("scroll"), n("client"), bad)
}

#[test]
fn the_overflow_probe_sees_a_page_too_wide_for_400_px() {
    let wide = "<!doctype html><html><head><meta name=\"viewport\" content=\"width=device-width\"></head><body><table><tr><td style=\"white-space:nowrap\">a line far too long to fit four hundred pixels of a phone's screen</td></tr></table></body></html>";
    let (scroll, client, bad) = overflow(wide, "too-wide", 400);
    assert_eq!(client, 400);
    assert!(scroll > 400, "scroll width {scroll}");
    assert!(bad.iter().any(|b| b.starts_with("TD")), "{bad:?}");
}

fn assert_no_overflow(html: &str, name: &str) {
    for width in [400, 1280] {
        let (scroll, client, bad) = overflow(html, name, width);
        assert_eq!(client, width, "{name}: the viewport is not {width} px wide");
        assert!(
            scroll <= client && bad.is_empty(),
            "{name} overflows at {width} px: scroll width {scroll}; {bad:?}"
        );
    }
}

/// Prints `page` to PDF and returns each page's text (poppler's `pdftotext
/// -raw`, content order), after rendering every page to PNG with pdftoppm.
fn print(page: &Path, name: &str) -> Vec<String> {
    let pdf = tmp().join(format!("{name}.pdf"));
    let _ = std::fs::remove_file(&pdf);
    chromium(
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        &file_url(page),
    );
    let prefix = tmp().join(format!("{name}-page"));
    for old in std::fs::read_dir(tmp()).unwrap() {
        let p = old.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("{name}-page-"))
        {
            std::fs::remove_file(p).unwrap();
        }
    }
    run(
        Command::new("pdftoppm")
            .args(["-png", "-r", "50"])
            .arg(&pdf)
            .arg(&prefix),
        "pdftoppm",
    );
    let text = run(
        Command::new("pdftotext").arg("-raw").arg(&pdf).arg("-"),
        "pdftotext",
    );
    let text = String::from_utf8(text.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    let images = std::fs::read_dir(tmp())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}-page-"))
        })
        .count();
    assert_eq!(images, pages.len(), "{name}: one image per printed page");
    pages
}

/// Text without any white space, to find a hash however a cell wrapped it.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn protocol_html(i: usize) -> String {
    let d = demo();
    let r = &d.manifest.referendums()[i].id;
    std::fs::read_to_string(d.dir.join("protocols").join(format!("{r}.html"))).unwrap()
}

#[test]
fn the_protocol_is_in_norwegian_with_place_date_and_a_signature_line_per_member() {
    let d = demo();
    assert_eq!(d.manifest.language.tag(), "nb");
    assert_eq!(d.manifest.time_zone.name(), "Europe/Oslo");
    let html = protocol_html(0);
    assert!(html.contains("<html lang=\"nb\">"));
    for label in [
        "Valgprotokoll for valgstyret – Søgne kommune",
        "1. Nøkkeltall",
        "Stemmeberettigede i manntallet",
        "Godkjente stemmegivninger (kryss i manntallet)",
        "Avgitte stemmer (opptalte stemmesedler)",
        "Avvik: opptalte stemmesedler − godkjente stemmegivninger",
        "Oppmøteprosent",
        "Forkastede brevstemmegivninger (ikke åpnet)",
        "Velgeren har allerede fått godkjent en stemmegivning",
        "5. Opptelling av brevstemmesedler",
        "Omforente tall",
        "Tellepar – Teller",
        "9. Underskrifter",
        "Valgstyrets ledelse bekrefter protokollen med sine underskrifter.",
        "Alle tidspunkter er angitt i tidssonen Europe/Oslo, på sekundet.",
    ] {
        assert!(html.contains(label), "no {label:?} in the protocol");
    }
    // Place and date: the manifest's place, the day the protocol was made.
    assert!(
        html.contains("Sted og dato: <span class=\"line\">Søgne, "),
        "no place and date"
    );
    for name in &d.manifest.leadership {
        assert_eq!(
            html.matches(&format!("Underskrift: {name}</div>")).count(),
            1,
            "one signature line for {name}"
        );
    }
    // Figures as Norwegians write them; times in Oslo time to the second.
    assert!(html.contains("10\u{a0}279"), "entitled, grouped");
    assert!(html.contains("\u{a0}%</td>"), "a percentage with a comma");
    assert!(html.contains(" CET</td>") || html.contains(" CEST</td>"));
    // No English leftovers, no missing message, no nanosecond UTC times.
    for gone in [
        "Counting protocol",
        "Key figures",
        "attempt 1, pair",
        "⟦",
        "not signed",
    ] {
        assert!(!html.contains(gone), "{gone:?} is in the protocol");
    }
    let nanos = regex_free_nanos(&html);
    assert!(
        nanos.is_empty(),
        "raw RFC 3339 times with fractions: {nanos:?}"
    );
}

/// Substrings like `:07.550289519Z` (an RFC 3339 time with a fraction).
fn regex_free_nanos(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len().saturating_sub(8) {
        if b[i] == b'.'
            && b[i + 1..i + 7].iter().all(u8::is_ascii_digit)
            && i >= 2
            && b[i - 1].is_ascii_digit()
            && b[i - 2].is_ascii_digit()
            && b[i - 3] == b':'
        {
            out.push(String::from_utf8_lossy(&b[i - 3..(i + 12).min(b.len())]).into_owned());
        }
    }
    out
}

#[test]
fn the_rendering_is_a_pure_function_of_the_protocol_its_signatures_and_the_manifest() {
    let d = demo();
    for (i, (p, bytes, sigs)) in d.protocols.iter().enumerate() {
        let again = protocol::render_html(p, &sha_hex(bytes), Some(sigs), &d.manifest);
        assert_eq!(
            again,
            protocol_html(i),
            "{}: the file is what render_html gives",
            p.referendum
        );
        assert_eq!(
            again,
            protocol::render_html(p, &sha_hex(bytes), Some(sigs), &d.manifest)
        );
    }
    // The same protocol for an English event, in UTC.
    let en = Manifest::parse(
        &d.manifest_text
            .replace("language = \"nb\"", "language = \"en\"")
            .replace("time_zone = \"Europe/Oslo\"", "time_zone = \"UTC\""),
        "m.toml",
    )
    .unwrap();
    let (p, bytes, sigs) = &d.protocols[0];
    let html = protocol::render_html(p, &sha_hex(bytes), Some(sigs), &en);
    assert!(html.contains("<html lang=\"en\">") && html.contains("1. Key figures"));
    assert!(html.contains(" UTC</td>") && !html.contains(" CET</td>"));
}

#[test]
fn the_key_figures_name_a_deviation_between_ballots_and_approved_votings() {
    let d = demo();
    let (p, bytes, _) = &d.protocols[0];
    let html = protocol::render_html(p, &sha_hex(bytes), None, &d.manifest);
    assert!(html.contains("Antall opptalte stemmesedler er lik antall godkjente stemmegivninger."));
    // Three ballots fewer than approved postal votings, as in issue 18.
    let mut q = p.clone();
    q.key_figures.votes_cast -= 3;
    q.postal_count.ballots -= 3;
    q.postal_count.deviation = Some(-3);
    let html = protocol::render_html(&q, &sha_hex(bytes), None, &d.manifest);
    assert!(
        html.contains("<tr class=\"strong\"><th scope=\"row\">Avvik: opptalte stemmesedler − godkjente stemmegivninger</th><td class=\"num\">−3</td></tr>"),
        "the deviation row, drawn out"
    );
    assert!(html.contains(
        "Det ble talt 3 stemmesedler færre enn det er godkjente stemmegivninger; se punkt 5."
    ));
    assert!(html.contains("Registrert avvik (stemmesedler − stemmegivninger)"));
}

#[test]
fn names_with_markup_are_escaped_in_the_protocol() {
    let d = demo();
    let (p, bytes, _) = &d.protocols[0];
    let mut q = p.clone();
    q.area = "Søgne </style><script>alert(1)</script>".into();
    q.leadership[0].name = "<b>Ingrid</b> \"Berg\"".into();
    let html = protocol::render_html(&q, &sha_hex(bytes), None, &d.manifest);
    assert!(!html.contains("<script>alert") && !html.contains("<b>Ingrid"));
    assert!(!html.contains("</style><script>"));
    // The running header carries the area as a CSS string, every
    // non-alphanumeric character escaped.
    assert!(html.contains("\\00003c\\00002fstyle\\00003e"));
}

#[test]
fn the_protocol_reads_on_a_desktop_and_at_400_px_without_overflow() {
    let html = protocol_html(0);
    let page = tmp().join("protocol.html");
    std::fs::write(&page, &html).unwrap();
    screenshots(&page, "protocol");
    assert_no_overflow(&html, "protocol");
}

#[test]
fn the_printed_protocol_has_page_numbers_a_running_header_and_no_split_row() {
    let d = demo();
    let html = protocol_html(0);
    let page = tmp().join("protocol-print.html");
    std::fs::write(&page, &html).unwrap();
    let pages = print(&page, "protocol");
    let n = pages.len();
    assert!(n >= 3, "the protocol prints on {n} pages");
    for (i, text) in pages.iter().enumerate() {
        assert!(
            text.contains(&format!("Side {} av {n}", i + 1)),
            "page {}: no page number: {text:.300}",
            i + 1
        );
        assert!(
            text.contains("Valgprotokoll for valgstyret – Søgne kommune · sogne-songdalen-2027"),
            "page {}: no running header",
            i + 1
        );
        assert!(
            text.contains("TEST · SHA-256 "),
            "page {}: no test mark",
            i + 1
        );
    }
    // Every hash of the evidence wraps over lines of its cell; a row split
    // across pages would leave part of it on each.
    let (p, bytes, _) = &d.protocols[0];
    let mut hashes: Vec<String> = p.evidence.files.iter().map(|f| f.sha256.clone()).collect();
    hashes.push(p.evidence.box_head.hex());
    hashes.push(sha_hex(bytes));
    let squeezed: Vec<String> = pages.iter().map(|t| squeeze(t)).collect();
    for h in &hashes {
        assert!(
            squeezed.iter().any(|t| t.contains(h.as_str())),
            "{h} is not whole on any one page"
        );
    }
    // The signature block stays together, with every member's line.
    let last = pages
        .iter()
        .position(|t| t.contains("Sted og dato"))
        .unwrap();
    for name in &d.manifest.leadership {
        assert!(
            pages[last].contains(&format!("Underskrift: {name}")),
            "{name}'s signature line is not with the place and date"
        );
    }
}

fn final_set() -> ResultSet {
    let d = demo();
    let b = d.protocols.iter().fold(
        ResultSet::builder(&d.manifest, generated_at()).tally(&d.tally),
        |b, (p, bytes, sigs)| b.protocol(p, protocol::fully_signed(p, bytes, sigs)),
    );
    b.build().unwrap()
}

fn partial_set() -> ResultSet {
    let d = demo();
    ResultSet::from_tally(&d.manifest, &d.tally, generated_at()).unwrap()
}

#[test]
fn the_results_page_is_in_norwegian_links_its_files_and_has_no_external_assets() {
    let d = demo();
    let html = page::results_html(&final_set(), &d.manifest, &FILES);
    assert!(html.contains("<html lang=\"nb\">"));
    for label in [
        "Endelig resultat: valgprotokollene er underskrevet av valgstyrets ledelse.",
        "Kilde: Valgstyret i Søgne og Songdalen",
        "Oppmøte: ",
        "stemmeberettigede",
        "TEST – dette er ikke ekte resultater",
        "Alternativ",
        "Siden ser etter nye tall hvert 20. sekund.",
    ] {
        assert!(html.contains(label), "no {label:?} on the page");
    }
    for name in FILES.iter().chain(&["manifest.json"]) {
        for href in [name.to_string(), format!("{name}.sig")] {
            assert!(
                html.contains(&format!("<a href=\"{href}\">")),
                "no link to {href}"
            );
        }
    }
    let lower = html.to_lowercase();
    assert_eq!(
        lower.matches("href=").count(),
        2 * (FILES.len() + 1),
        "links to the files and their signatures only"
    );
    for needle in [
        "src=", "<link", "<img", "<iframe", "url(", "@import", "http://", "https://", "//",
    ] {
        let n = if needle == "//" {
            // Comments in the inline script are not written; "//" would be a
            // protocol-relative URL.
            lower.matches("\"//").count()
        } else {
            lower.matches(needle).count()
        };
        assert_eq!(n, 0, "{needle} in the page");
    }
    assert_eq!(lower.matches("<script>").count(), 1, "one inline script");
    assert!(!html.contains("⟦"));
    // Figures for people, figures for machines.
    assert!(html.contains("data-figure=\"entitled\" data-value=\"10279\">10\u{a0}279</span>"));
    // The same figures give the same bytes.
    assert_eq!(html, page::results_html(&final_set(), &d.manifest, &FILES));
}

#[test]
fn the_results_page_reads_at_400_px_without_overflow() {
    let d = demo();
    for (name, rs) in [
        ("results-final", final_set()),
        ("results-partial", partial_set()),
    ] {
        let html = page::results_html(&rs, &d.manifest, &FILES);
        let page = tmp().join(format!("{name}.html"));
        std::fs::write(&page, &html).unwrap();
        screenshots(&page, name);
        assert_no_overflow(&html, name);
    }
}

/// The demo event with six referendums: each of the demo's twice more.
fn many() -> (Manifest, TallyFile) {
    let d = demo();
    let mut text = d.manifest_text.clone();
    let mut tally = d.tally.clone();
    for copy in 2..=3 {
        for r in d.manifest.referendums() {
            text.push_str(&format!(
                "\n[[referendum]]\nid = \"{}-{copy}\"\narea = \"{} {copy}\"\nquestion = {}\noptions = [\"Ja\", \"Nei\", \"Blank\"]\n",
                r.id,
                r.area,
                toml::Value::String(r.question.clone())
            ));
            let mut t = tally
                .referendums
                .iter()
                .find(|x| x.id == r.id)
                .unwrap()
                .clone();
            t.id = format!("{}-{copy}", r.id);
            tally.referendums.push(t);
        }
    }
    (Manifest::parse(&text, "many.toml").unwrap(), tally)
}

#[test]
fn the_printed_results_page_never_breaks_a_referendum_across_pages() {
    let (m, tally) = many();
    assert_eq!(m.referendums().len(), 6);
    let rs = ResultSet::from_tally(&m, &tally, generated_at()).unwrap();
    let html = page::results_html(&rs, &m, &FILES);
    let page = tmp().join("results-many.html");
    std::fs::write(&page, &html).unwrap();
    let pages = print(&page, "results-many");
    assert!(
        pages.len() >= 2,
        "six referendums print on {} page(s)",
        pages.len()
    );
    for (i, text) in pages.iter().enumerate() {
        assert!(
            text.contains(&format!("Side {} av {}", i + 1, pages.len())),
            "page {}",
            i + 1
        );
    }
    for r in m.referendums() {
        // Its heading, its question and its last line: all on one page.
        let whole = pages.iter().filter(|t| {
            let lines: Vec<&str> = t.lines().collect();
            lines
                .iter()
                .position(|l| l.trim() == r.area)
                .is_some_and(|at| {
                    lines[at..]
                        .iter()
                        .take_while(|l| {
                            !m.referendums()
                                .iter()
                                .any(|o| o.area != r.area && l.trim() == o.area)
                        })
                        .any(|l| l.starts_with("Oppmøte så langt"))
                })
        });
        assert_eq!(whole.count(), 1, "{} is not whole on one page", r.area);
    }
}

/// A tiny HTTP server for the live page: `/` and `/index.html` give the
/// page of the current state, `/manifest.json` a manifest naming it with a
/// strong ETag and 304 for `If-None-Match` with that tag. After the first
/// manifest request it moves to the second state (a new publication).
struct Live {
    port: u16,
    log: Arc<Mutex<Vec<Request>>>,
}

/// A request the server answered: path, `If-None-Match`, status.
type Request = (String, Option<String>, u16);

fn live_server(pages: [String; 2]) -> Live {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new(Mutex::new(0usize));
    let (l, s) = (log.clone(), state.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let mut inm = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("if-none-match:") {
                    inm = Some(v.trim().to_string());
                }
            }
            let mut st = s.lock().unwrap();
            let page = &pages[*st];
            let page_sha = sha_hex(page.as_bytes());
            let published_at = ["2027-02-03T20:05:00+01:00", "2027-02-03T22:40:09+01:00"][*st];
            let manifest = serde_json::json!({
                "format": "urne-publication/1",
                "sequence": *st + 1,
                "published_at": published_at,
                "files": [{"name": "index.html", "sha256": page_sha}],
            })
            .to_string();
            let etag = format!("\"{}\"", sha_hex(manifest.as_bytes()));
            let (status, ctype, body) = match path.as_str() {
                "/" | "/index.html" => (200, "text/html; charset=utf-8", page.clone()),
                "/manifest.json" if inm.as_deref() == Some(etag.as_str()) => {
                    (304, "application/json", String::new())
                }
                "/manifest.json" => {
                    let r = (200, "application/json", manifest);
                    *st = 1;
                    r
                }
                _ => (404, "text/plain", "not found".into()),
            };
            drop(st);
            l.lock().unwrap().push((path, inm, status));
            let reason = match status {
                200 => "OK",
                304 => "Not Modified",
                _ => "Not Found",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.flush();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
        }
    });
    Live { port, log }
}

#[test]
fn the_results_page_refreshes_itself_from_the_manifests_etag_without_a_reload() {
    let d = demo();
    let before = page::results_html(&partial_set(), &d.manifest, &FILES);
    let after = page::results_html(&final_set(), &d.manifest, &FILES);
    assert!(
        before.contains("data-stage=\"partial\"") && after.contains("data-stage=\"certified\"")
    );
    let live = live_server([before, after]);
    // Virtual time runs the page's 20-second timer at once: three polls.
    let out = chromium(
        &["--dump-dom", "--virtual-time-budget=65000"],
        &format!("http://127.0.0.1:{}/", live.port),
    );
    let dom = String::from_utf8(out.stdout).unwrap();
    let log = live.log.lock().unwrap().clone();
    let paths: Vec<&str> = log.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths.iter().filter(|p| **p == "/").count(),
        1,
        "the page was loaded once, not reloaded: {paths:?}"
    );
    assert!(
        log.iter()
            .any(|(p, inm, s)| p == "/manifest.json" && inm.is_some() && *s == 304),
        "no conditional request answered 304: {log:?}"
    );
    assert!(
        dom.contains("data-stage=\"certified\""),
        "the new figures are not shown"
    );
    assert!(!dom.contains("data-stage=\"partial\""));
    assert!(dom.contains("Nye tall kl. "), "the page says it changed");
    assert!(
        dom.contains("Sist oppdatert: "),
        "the manifest's time is shown"
    );
    let figures: BTreeMap<String, usize> = ["data-figure=\"votes\"", "data-type=\"postal\""]
        .iter()
        .map(|k| (k.to_string(), dom.matches(k).count()))
        .collect();
    assert!(
        figures["data-type=\"postal\""] > 0,
        "postal figures arrived: {figures:?}"
    );
}
