//! The result files for media and the public (src/publish/results.rs), made from
//! the demo's real count: valid against the official NIST SP 1500-100 v2 JSON
//! Schema and XSD, equal in every format to the signed protocols (or, before
//! the postal count, to the tally), escaped where input has markup, and the
//! HTML page rendered by headless Chromium with the same figures.
//!
//! Needs `xmllint` (Debian: libxml2-utils) and `chromium`; a missing tool is a
//! failure, not a skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use time::OffsetDateTime;
use urne::event::Manifest;
use urne::protocol::{self, Protocol, SignatureFile};
use urne::publish::results::{nist_json, nist_xml, results_csv, ResultSet, Stage, CSV_HEADER};
use urne::tally::TallyFile;

/// The official schemas, vendored unchanged (tests/data/schemas/README.md).
const SCHEMA_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/schemas/nist-1500-100-v2"
);

/// The results page (src/publish/page.rs) in the demo event's language.
fn results_html(rs: &ResultSet) -> String {
    urne::publish::page::results_html(rs, &demo().manifest, &["results.json", "results.csv"])
}

fn generated_at() -> OffsetDateTime {
    time::macros::datetime!(2027-02-03 21:15:07.25 +01:00)
}

fn tmp() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("publish-results");
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Demo {
    manifest_text: String,
    manifest: Manifest,
    tally: TallyFile,
    /// Per referendum (manifest order): the protocol, fully signed or not.
    protocols: Vec<(Protocol, bool)>,
}

/// Runs `urne demo` once for all tests and reads what it made.
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
                let signed = protocol::fully_signed(&protocol, &bytes, &sigs);
                (protocol, signed)
            })
            .collect();
        Demo {
            manifest_text,
            manifest,
            tally,
            protocols,
        }
    })
}

fn final_set() -> ResultSet {
    let d = demo();
    ResultSet::from_protocols(&d.manifest, &d.protocols, generated_at()).unwrap()
}

fn partial_set() -> ResultSet {
    let d = demo();
    ResultSet::from_tally(&d.manifest, &d.tally, generated_at()).unwrap()
}

/// (referendum, option, vote type) → votes.
type Figures = BTreeMap<(String, String, String), u64>;

fn key(r: &str, o: &str, t: &str) -> (String, String, String) {
    (r.into(), o.into(), t.into())
}

/// The protocols' figures.
fn protocol_figures(protocols: &[(Protocol, bool)]) -> Figures {
    let mut f = Figures::new();
    for (p, _) in protocols {
        for x in &p.results {
            f.insert(key(&p.referendum, &x.option, "electronic"), x.electronic);
            f.insert(key(&p.referendum, &x.option, "postal"), x.postal);
            f.insert(key(&p.referendum, &x.option, "total"), x.total);
        }
    }
    f
}

/// The tally's figures: e-votes, which are also the total so far.
fn tally_figures(t: &TallyFile) -> Figures {
    let mut f = Figures::new();
    for r in &t.referendums {
        for x in &r.results {
            f.insert(key(&r.id, &x.option, "electronic"), x.votes);
            f.insert(key(&r.id, &x.option, "total"), x.votes);
        }
    }
    f
}

/// (referendum, option) → the total's percent string, from the protocols.
fn protocol_percents(protocols: &[(Protocol, bool)]) -> BTreeMap<(String, String), String> {
    protocols
        .iter()
        .flat_map(|(p, _)| {
            p.results
                .iter()
                .map(|x| ((p.referendum.clone(), x.option.clone()), x.percent.clone()))
        })
        .collect()
}

fn nist_type(ty: &str, other: Option<&str>) -> String {
    match (ty, other) {
        ("other", Some("electronic")) => "electronic".into(),
        ("absentee-mail", None) => "postal".into(),
        ("total", None) => "total".into(),
        x => panic!("unexpected count type {x:?}"),
    }
}

// ---------------------------------------------------------------------------
// Reading the files back.

fn json_figures(v: &Value) -> Figures {
    let mut f = Figures::new();
    let contests = v["Election"][0]["Contest"].as_array().unwrap();
    for c in contests {
        assert_eq!(c["@type"], "ElectionResults.BallotMeasureContest");
        let r = c["Abbreviation"].as_str().unwrap();
        let district = c["ElectionDistrictId"].as_str().unwrap();
        for s in c["ContestSelection"].as_array().unwrap() {
            let option = s["Selection"]["Text"][0]["Content"].as_str().unwrap();
            for vc in s["VoteCounts"].as_array().into_iter().flatten() {
                assert_eq!(vc["GpUnitId"], district, "{r} {option}");
                let t = nist_type(vc["Type"].as_str().unwrap(), vc["OtherType"].as_str());
                let n = vc["Count"].as_u64().unwrap();
                assert!(
                    f.insert(key(r, option, &t), n).is_none(),
                    "{r} {option} {t} twice"
                );
            }
        }
    }
    f
}

fn xml_child<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn xml_text<'a>(n: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    xml_child(n, name).and_then(|c| c.text())
}

fn xml_figures(doc: &roxmltree::Document) -> Figures {
    let mut f = Figures::new();
    for c in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Contest")
    {
        let r = xml_text(c, "Abbreviation").unwrap();
        let district = xml_text(c, "ElectionDistrictId").unwrap();
        for s in c
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "ContestSelection")
        {
            let option = xml_text(xml_child(s, "Selection").unwrap(), "Text").unwrap();
            for vc in s
                .children()
                .filter(|n| n.is_element() && n.tag_name().name() == "VoteCounts")
            {
                assert_eq!(xml_text(vc, "GpUnitId"), Some(district));
                let t = nist_type(xml_text(vc, "Type").unwrap(), xml_text(vc, "OtherType"));
                let n: u64 = xml_text(vc, "Count").unwrap().parse().unwrap();
                assert!(
                    f.insert(key(r, option, &t), n).is_none(),
                    "{r} {option} {t} twice"
                );
            }
        }
    }
    f
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, CSV_HEADER);
    rd.records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn csv_figures(rows: &[BTreeMap<String, String>]) -> Figures {
    let mut f = Figures::new();
    for row in rows.iter().filter(|r| r["category"] == "option") {
        if !row["votes"].is_empty() {
            let k = key(&row["referendum"], &row["option"], &row["vote_type"]);
            assert!(f.insert(k, row["votes"].parse().unwrap()).is_none());
        }
    }
    f
}

/// An element carrying `data-figure`, with its attributes and its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct HtmlFigure {
    attrs: BTreeMap<String, String>,
    text: String,
}

fn decode_entities(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn parse_attrs(tag: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let mut rest = tag.split_once(char::is_whitespace).map_or("", |x| x.1);
    loop {
        rest = rest.trim_start();
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_string();
        let after = &rest[eq + 1..];
        assert!(after.starts_with('"'), "unquoted attribute in <{tag}>");
        let close = after[1..].find('"').unwrap();
        attrs.insert(name, decode_entities(&after[1..1 + close]));
        rest = &after[close + 2..];
    }
    attrs
}

/// The end of a tag: the first `>` outside a quoted attribute value.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    panic!("unterminated tag: {s:.80}")
}

/// Every element with a `data-figure` attribute, in document order, from our
/// page or from Chromium's serialization of its DOM (text escapes `<`).
fn html_figures(html: &str) -> Vec<HtmlFigure> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = tag_end(rest);
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.contains("data-figure=") {
            let text = &rest[..rest.find('<').unwrap()];
            let attrs = parse_attrs(tag);
            // The figure as the files write it; the text is for people
            // ("10 279" in Norwegian).
            let text = attrs
                .get("data-value")
                .cloned()
                .unwrap_or_else(|| decode_entities(text));
            out.push(HtmlFigure { attrs, text });
        }
    }
    out
}

fn html_vote_figures(figs: &[HtmlFigure]) -> Figures {
    let mut f = Figures::new();
    for x in figs.iter().filter(|x| x.attrs["data-figure"] == "votes") {
        let k = key(
            &x.attrs["data-referendum"],
            &x.attrs["data-option"],
            &x.attrs["data-type"],
        );
        let n: u64 = x.text.parse().unwrap();
        // The chart repeats the table's totals: they must agree.
        if let Some(old) = f.insert(k.clone(), n) {
            assert_eq!(old, n, "{k:?} shown twice with different figures");
        }
    }
    f
}

fn html_figure(figs: &[HtmlFigure], referendum: &str, figure: &str) -> Vec<String> {
    figs.iter()
        .filter(|x| x.attrs["data-referendum"] == referendum && x.attrs["data-figure"] == figure)
        .map(|x| x.text.clone())
        .collect()
}

// ---------------------------------------------------------------------------
// The validators.

fn json_schema_errors(json: &str) -> Vec<String> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{SCHEMA_DIR}/NIST_V2_election_results_reporting.json"
        ))
        .unwrap_or_else(|e| panic!("the NIST JSON schema is not in {SCHEMA_DIR}: {e}")),
    )
    .unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let instance: Value = serde_json::from_str(json).unwrap();
    validator
        .iter_errors(&instance)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

fn assert_json_valid(json: &str) {
    let errors = json_schema_errors(json);
    assert!(
        errors.is_empty(),
        "{} JSON Schema error(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

fn run(cmd: &mut Command, package: &str) -> Output {
    let program = cmd.get_program().to_string_lossy().into_owned();
    match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{program} is not installed; install it with `apt-get install -y {package}` (Debian package {package})"
        ),
        Err(e) => panic!("{program} could not be run: {e}"),
    }
}

fn assert_xml_valid(xml: &str, name: &str) {
    let path = tmp().join(name);
    std::fs::write(&path, xml).unwrap();
    let xsd = format!("{SCHEMA_DIR}/NIST_V2_election_results_reporting.xsd");
    assert!(Path::new(&xsd).exists(), "the NIST XSD is not at {xsd}");
    let out = run(
        Command::new("xmllint")
            .args(["--noout", "--schema", &xsd])
            .arg(&path),
        "libxml2-utils",
    );
    assert!(
        out.status.success(),
        "{} is not valid against the XSD:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// The tests.

#[test]
fn the_demo_protocols_are_fully_signed_so_the_final_set_is_certified() {
    let d = demo();
    assert_eq!(d.protocols.len(), 2);
    assert!(d.protocols.iter().all(|(_, signed)| *signed));
    assert_eq!(final_set().stage(), Stage::Certified);
    assert_eq!(partial_set().stage(), Stage::Partial);
}

#[test]
fn the_stage_follows_what_is_known() {
    let d = demo();
    let at = generated_at();
    let first_only = &d.protocols[..1];
    let rs = ResultSet::from_protocols(&d.manifest, first_only, at).unwrap();
    assert_eq!(rs.stage(), Stage::Partial);
    assert!(rs.referendums()[1].total.is_none());
    let mut one_unsigned = d.protocols.clone();
    one_unsigned[1].1 = false;
    let rs = ResultSet::from_protocols(&d.manifest, &one_unsigned, at).unwrap();
    assert_eq!(rs.stage(), Stage::Complete);
    let v: Value = serde_json::from_str(&nist_json(&rs)).unwrap();
    assert_eq!(v["Status"], "unofficial-complete");
    let v: Value = serde_json::from_str(&nist_json(&final_set())).unwrap();
    assert_eq!(v["Status"], "certified");

    // The tally for both, the protocol for one: Søgne complete, Songdalen's
    // postal votes not yet counted.
    let rs = ResultSet::builder(&d.manifest, at)
        .tally(&d.tally)
        .protocol(&d.protocols[0].0, true)
        .build()
        .unwrap();
    assert_eq!(rs.stage(), Stage::Partial);
    let json = nist_json(&rs);
    assert_json_valid(&json);
    assert_xml_valid(&nist_xml(&rs), "mixed.xml");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["Status"], "unofficial-partial");
    let status = |c: &Value| -> Vec<(String, String)> {
        c["CountStatus"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["Type"].as_str().unwrap().to_string(),
                    s["Status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let contests = v["Election"][0]["Contest"].as_array().unwrap();
    assert_eq!(
        status(&contests[0]),
        [
            ("other".to_string(), "completed".to_string()),
            ("absentee-mail".into(), "completed".into())
        ]
    );
    assert_eq!(
        status(&contests[1]),
        [
            ("other".to_string(), "completed".to_string()),
            ("absentee-mail".into(), "not-processed".into())
        ]
    );
    let mut want = protocol_figures(&d.protocols[..1]);
    want.extend(
        tally_figures(&d.tally)
            .into_iter()
            .filter(|(k, _)| k.0 == "songdalen"),
    );
    assert_eq!(json_figures(&v), want);
}

#[test]
fn inconsistent_inputs_are_refused_with_a_code() {
    use urne::error::Explain;
    let d = demo();
    let at = generated_at();
    let (p, _) = &d.protocols[0];

    let rs = ResultSet::builder(&d.manifest, at)
        .protocol(p, true)
        .protocol(p, true)
        .build();
    assert_eq!(rs.unwrap_err().code(), "E-RESULTS-DUPLICATE");

    let mut other = p.clone();
    other.event = "another-event".into();
    let e = ResultSet::from_protocols(&d.manifest, &[(other, true)], at).unwrap_err();
    assert_eq!(e.code(), "E-RESULTS-OTHER-EVENT");
    assert!(e.to_string().contains("another-event"), "{e}");

    let mut test = p.clone();
    test.is_test = !d.manifest.is_test;
    let e = ResultSet::from_protocols(&d.manifest, &[(test, true)], at).unwrap_err();
    assert_eq!(e.code(), "E-RESULTS-TEST-MISMATCH");

    let mut changed = p.clone();
    changed.results[0].electronic += 1;
    changed.results[0].total += 1;
    let e = ResultSet::from_protocols(&d.manifest, &[(changed.clone(), true)], at).unwrap_err();
    assert_eq!(e.code(), "E-RESULTS-FIGURES", "{e}");

    let mut overflow = p.clone();
    overflow.results[0].electronic = u64::MAX;
    overflow.results[0].total = u64::MAX;
    overflow.results[0].postal = 0;
    let e = ResultSet::from_protocols(&d.manifest, &[(overflow, true)], at).unwrap_err();
    assert_eq!(e.code(), "E-RESULTS-FIGURES", "{e}");

    let mut tally = d.tally.clone();
    tally.referendums[0].results[0].votes += 1;
    tally.referendums[0].evotes.counted += 1;
    let e = ResultSet::builder(&d.manifest, at)
        .tally(&tally)
        .protocol(p, true)
        .build()
        .unwrap_err();
    assert_eq!(e.code(), "E-RESULTS-FIGURES");
    assert!(e.to_string().contains("tally"), "{e}");

    let e = ResultSet::builder(&d.manifest, at)
        .language("not a tag")
        .build()
        .unwrap_err();
    assert_eq!(e.code(), "E-RESULTS-LANGUAGE");
}

#[test]
fn nist_json_is_valid_against_the_official_schema() {
    for (name, rs) in [("final", final_set()), ("partial", partial_set())] {
        let json = nist_json(&rs);
        std::fs::write(tmp().join(format!("{name}.json")), &json).unwrap();
        assert_json_valid(&json);
    }
}

#[test]
fn the_json_validator_does_report_schema_errors() {
    // So that a passing validation above means something.
    let mut v: Value = serde_json::from_str(&nist_json(&final_set())).unwrap();
    v["Status"] = "final".into();
    v["Election"][0]["Contest"][0]
        .as_object_mut()
        .unwrap()
        .remove("ElectionDistrictId");
    let errors = json_schema_errors(&v.to_string());
    assert!(errors.len() >= 2, "{errors:?}");
}

#[test]
fn nist_xml_is_valid_against_the_official_xsd() {
    assert_xml_valid(&nist_xml(&final_set()), "final.xml");
    assert_xml_valid(&nist_xml(&partial_set()), "partial.xml");
}

#[test]
fn xmllint_does_report_xsd_errors() {
    // Elements out of the XSD's order must fail, or the check above is empty.
    let xml = nist_xml(&final_set()).replacen(
        "<IssuerAbbreviation>",
        "<Status>certified</Status><IssuerAbbreviation>",
        1,
    );
    let path = tmp().join("out-of-order.xml");
    std::fs::write(&path, xml).unwrap();
    let out = run(
        Command::new("xmllint")
            .args([
                "--noout",
                "--schema",
                &format!("{SCHEMA_DIR}/NIST_V2_election_results_reporting.xsd"),
            ])
            .arg(&path),
        "libxml2-utils",
    );
    assert!(!out.status.success());
}

#[test]
fn final_figures_are_the_protocols_in_every_format() {
    let d = demo();
    let rs = final_set();
    let want = protocol_figures(&d.protocols);
    assert_eq!(want.len(), 2 * 3 * 3);
    let percents = protocol_percents(&d.protocols);

    // NIST JSON: votes, ballots, voters, and the report's own fields.
    let v: Value = serde_json::from_str(&nist_json(&rs)).unwrap();
    assert_eq!(json_figures(&v), want, "JSON");
    // The example event is a rehearsal (its keys' passphrases are public), so
    // everything published from it is marked as a test.
    assert!(d.manifest.is_test);
    assert_eq!(v["IsTest"], true);
    assert_eq!(v["TestType"], "rehearsal");
    assert_eq!(v["Issuer"], d.manifest.authority.as_str());
    assert_eq!(v["GeneratedDate"], "2027-02-03T21:15:07+01:00");
    assert_eq!(v["Format"], "summary-contest");
    assert_eq!(
        v["VendorApplicationId"],
        format!("urne {}", env!("CARGO_PKG_VERSION"))
    );
    for (p, _) in &d.protocols {
        let unit_id = format!("ru-{}-{}", p.event, p.referendum);
        let unit = v["GpUnit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["@id"] == unit_id.as_str())
            .unwrap();
        assert_eq!(unit["VotersRegistered"], p.key_figures.entitled);
        assert_eq!(unit["VotersParticipated"], p.roll_marks.total);
        let ballots = |ty: &str| {
            v["Election"][0]["BallotCounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["GpUnitId"] == unit_id.as_str() && b["Type"] == ty)
                .unwrap()
                .clone()
        };
        // BallotsCast counts the rejected ballots too; without them, the
        // protocol's votes cast.
        let n = |v: &Value| v.as_u64().unwrap();
        let total = ballots("total");
        assert_eq!(
            n(&total["BallotsCast"]) - n(&total["BallotsRejected"]),
            p.key_figures.votes_cast
        );
        assert_eq!(
            ballots("other")["BallotsCast"],
            p.evotes.counted + p.evotes.rejected_total()
        );
        assert_eq!(
            ballots("other")["BallotsRejected"],
            p.evotes.rejected_total()
        );
        assert_eq!(
            ballots("absentee-mail")["BallotsCast"],
            p.postal_count.ballots + p.envelopes.rejected_total
        );
        assert_eq!(
            ballots("absentee-mail")["BallotsRejected"],
            p.envelopes.rejected_total
        );
    }

    // NIST XML.
    let xml = nist_xml(&rs);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://itl.nist.gov/ns/voting/1500-100/v2")
    );
    assert_eq!(xml_figures(&doc), want, "XML");
    assert_eq!(xml_text(doc.root_element(), "Status"), Some("certified"));

    // CSV: figures, percents, turnout and the columns every row carries.
    let rows = csv_rows(&results_csv(&rs));
    // Per referendum: 3 options, invalid, rejected (Blank is an option).
    assert_eq!(rows.len(), 2 * 5 * 3);
    assert_eq!(csv_figures(&rows), want, "CSV");
    for row in &rows {
        let (p, _) = d
            .protocols
            .iter()
            .find(|(p, _)| p.referendum == row["referendum"])
            .unwrap();
        assert_eq!(row["stage"], "certified");
        assert_eq!(row["is_test"], "true");
        assert_eq!(row["source"], d.manifest.authority);
        assert_eq!(row["turnout_percent"], p.key_figures.turnout_percent);
        assert_eq!(row["entitled"], p.key_figures.entitled.to_string());
        if row["vote_type"] == "total" && row["category"] == "option" {
            assert_eq!(
                row["percent"],
                percents[&(row["referendum"].clone(), row["option"].clone())]
            );
        }
    }

    // HTML: every figure element, read back.
    let html = results_html(&rs);
    std::fs::write(tmp().join("final.html"), &html).unwrap();
    let figs = html_figures(&html);
    assert_eq!(html_vote_figures(&figs), want, "HTML");
    for f in figs.iter().filter(|f| f.attrs["data-figure"] == "percent") {
        let k = (
            f.attrs["data-referendum"].clone(),
            f.attrs["data-option"].clone(),
        );
        assert_eq!(f.text, percents[&k], "{k:?}");
    }
    assert_eq!(
        figs.iter()
            .filter(|f| f.attrs["data-figure"] == "percent")
            .count(),
        2 * 3 * 2,
        "a percent in the chart and one in the table per option"
    );
    for (p, _) in &d.protocols {
        let r = &p.referendum;
        assert_eq!(
            html_figure(&figs, r, "turnout"),
            [p.key_figures.turnout_percent.as_str()]
        );
        assert_eq!(
            html_figure(&figs, r, "voters"),
            [p.roll_marks.total.to_string()]
        );
        assert_eq!(
            html_figure(&figs, r, "entitled"),
            [p.key_figures.entitled.to_string()]
        );
        assert_eq!(
            html_figure(&figs, r, "invalid"),
            [p.postal_count.figure("invalid").to_string()]
        );
    }
    assert!(html.contains(&format!("Kilde: {}", d.manifest.authority)));
    // No time in the page: the same figures give the same bytes (the time of
    // a publication is in its signed manifest).
    assert!(!html.contains("datetime="));
    assert!(html.contains("data-stage=\"certified\""));
    assert!(
        html.contains("class=\"test\""),
        "the example event is a rehearsal: its page carries the TEST banner"
    );
    // The same figures from a real event carry no banner.
    let mut real = d.manifest.clone();
    real.is_test = false;
    let protocols: Vec<(Protocol, bool)> = d
        .protocols
        .iter()
        .map(|(p, signed)| {
            let mut p = p.clone();
            p.is_test = false;
            (p, *signed)
        })
        .collect();
    let rs = ResultSet::from_protocols(&real, &protocols, generated_at()).unwrap();
    assert!(
        !results_html(&rs).contains("class=\"test\""),
        "no TEST banner for a real count"
    );
}

#[test]
fn partial_figures_are_the_tallys_and_postal_votes_are_absent() {
    let d = demo();
    let rs = partial_set();
    let want = tally_figures(&d.tally);
    assert_eq!(want.len(), 2 * 3 * 2);

    let v: Value = serde_json::from_str(&nist_json(&rs)).unwrap();
    assert_eq!(json_figures(&v), want, "JSON");
    assert_eq!(v["Status"], "unofficial-partial");
    let xml = nist_xml(&rs);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(xml_figures(&doc), want, "XML");
    assert_eq!(
        xml_text(doc.root_element(), "Status"),
        Some("unofficial-partial")
    );

    let rows = csv_rows(&results_csv(&rs));
    assert_eq!(
        rows.len(),
        2 * 5 * 3,
        "a row for every category and vote type, counted or not"
    );
    assert_eq!(csv_figures(&rows), want, "CSV");
    for row in rows.iter().filter(|r| r["vote_type"] == "postal") {
        assert_eq!((row["votes"].as_str(), row["percent"].as_str()), ("", ""));
    }
    assert!(rows.iter().all(|r| r["stage"] == "partial"));

    let html = results_html(&rs);
    std::fs::write(tmp().join("partial.html"), &html).unwrap();
    assert_eq!(html_vote_figures(&html_figures(&html)), want, "HTML");
    assert!(html.contains("Brevstemmer: ikke talt ennå"));
    assert!(html.contains("data-stage=\"partial\""));
}

/// The demo's manifest and protocols with markup and quotes in every name.
fn hostile() -> (Manifest, Vec<(Protocol, bool)>) {
    const TITLE: &str = r#"Søgne & Songdalen <rehearsal> "quoted" 'single'"#;
    const AUTHORITY: &str = r#"Valgstyret <i>Søgne</i> & "Songdalen""#;
    const AREA: &str = "Søgne & Vennesla </h2><script>alert(1)</script>";
    const OPTIONS: [&str; 3] = [r#"Ja & "kanskje""#, "<Nei>", "Blank"];
    let d = demo();
    let toml_str = |s: &str| toml::Value::String(s.into()).to_string();
    let text = d
        .manifest_text
        .replacen(
            "title = \"Rådgivende folkeavstemning om kommunesammenslåing\"",
            &format!("title = {}", toml_str(TITLE)),
            1,
        )
        .replacen(
            "authority = \"Valgstyret i Søgne og Songdalen\"",
            &format!("authority = {}", toml_str(AUTHORITY)),
            1,
        )
        .replacen(
            "area = \"Søgne kommune\"",
            &format!("area = {}", toml_str(AREA)),
            1,
        )
        .replace(
            "options = [\"Ja\", \"Nei\", \"Blank\"]",
            &format!("options = [{}]", OPTIONS.map(toml_str).join(", ")),
        );
    let m = Manifest::parse(&text, "hostile.toml").unwrap();
    assert!(m.is_test, "the example event is a rehearsal");
    assert_eq!(m.title, TITLE);
    assert_eq!(m.authority, AUTHORITY);
    assert_eq!(m.referendums()[0].area, AREA);
    assert_eq!(m.referendums()[1].options, OPTIONS);
    let protocols = d
        .protocols
        .iter()
        .map(|(p, signed)| {
            let mut p = p.clone();
            let rename = |o: &mut String| {
                if let Some(i) = ["Ja", "Nei", "Blank"].iter().position(|x| x == o) {
                    *o = OPTIONS[i].into();
                }
            };
            p.options.iter_mut().for_each(rename);
            p.results.iter_mut().for_each(|x| rename(&mut x.option));
            p.key_figures
                .results
                .iter_mut()
                .for_each(|x| rename(&mut x.option));
            p.postal_count.categories.iter_mut().for_each(rename);
            p.is_test = true;
            (p, *signed)
        })
        .collect();
    (m, protocols)
}

#[test]
fn markup_and_quotes_in_names_are_escaped_in_every_format() {
    let (m, protocols) = hostile();
    let rs = ResultSet::from_protocols(&m, &protocols, generated_at()).unwrap();
    let want = protocol_figures(&protocols);
    assert!(want.contains_key(&key("sogne", "<Nei>", "total")));

    let json = nist_json(&rs);
    assert_json_valid(&json);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["Issuer"], m.authority.as_str());
    assert_eq!(v["IsTest"], true);
    assert_eq!(v["TestType"], "rehearsal");
    assert_eq!(
        v["Election"][0]["Name"]["Text"][0]["Content"],
        m.title.as_str()
    );
    assert_eq!(json_figures(&v), want);

    let xml = nist_xml(&rs);
    assert_xml_valid(&xml, "hostile.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        xml_text(doc.root_element(), "Issuer"),
        Some(m.authority.as_str())
    );
    assert_eq!(xml_text(doc.root_element(), "IsTest"), Some("true"));
    assert_eq!(xml_figures(&doc), want);
    assert!(xml.contains("&lt;Nei&gt;"));

    let rows = csv_rows(&results_csv(&rs));
    assert_eq!(csv_figures(&rows), want);
    assert!(rows
        .iter()
        .all(|r| r["source"] == m.authority && r["is_test"] == "true"));

    let html = results_html(&rs);
    std::fs::write(tmp().join("hostile.html"), &html).unwrap();
    for raw in [
        "<Nei>",
        "<i>",
        "<script>alert",
        "<rehearsal>",
        "\"kanskje\"",
    ] {
        assert!(!html.contains(raw), "{raw} is in the page unescaped");
    }
    assert!(
        html.contains("Kilde: Valgstyret &#60;i&#62;Søgne&#60;/i&#62; &#38; &#34;Songdalen&#34;")
    );
    assert!(html.contains("&#60;/h2&#62;&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(html.contains("class=\"test\""), "the TEST banner");
    assert_eq!(html_vote_figures(&html_figures(&html)), want);
}

#[test]
fn the_page_has_no_external_assets() {
    let (m, protocols) = hostile();
    let hostile = ResultSet::from_protocols(&m, &protocols, generated_at()).unwrap();
    for rs in [final_set(), partial_set(), hostile] {
        let html = results_html(&rs).to_lowercase();
        for needle in [
            "<script src",
            "<link",
            "<img",
            "<iframe",
            "src=",
            "url(",
            "@import",
            "http://",
            "https://",
        ] {
            assert!(!html.contains(needle), "{needle} in the page");
        }
        // One inline script (the election-night refresh), and links only to
        // the files published beside the page.
        assert_eq!(html.matches("<script").count(), 1);
        for href in html.split("href=\"").skip(1) {
            let target = &href[..href.find('"').unwrap()];
            assert!(
                !target.contains(':') && !target.contains('/'),
                "the page links outside its publication: {target}"
            );
        }
        assert!(html
            .contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    }
}

fn chromium(args: &[&str], page: &Path) -> Output {
    let profile = tmp().join("chromium-profile");
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()));
    let out = run(&mut cmd, "chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn chromium_renders_the_page_with_the_files_figures() {
    let d = demo();
    let dir = tmp().join("chromium");
    std::fs::create_dir_all(&dir).unwrap();
    let (m, protocols) = hostile();
    let hostile = ResultSet::from_protocols(&m, &protocols, generated_at()).unwrap();
    for (name, rs, want) in [
        ("final", final_set(), protocol_figures(&d.protocols)),
        ("hostile", hostile, protocol_figures(&protocols)),
    ] {
        let html = results_html(&rs);
        let page = dir.join(format!("{name}.html"));
        std::fs::write(&page, &html).unwrap();
        let out = chromium(&["--dump-dom"], &page);
        let dom = String::from_utf8(out.stdout).unwrap();
        assert!(
            dom.contains("</html>"),
            "no DOM dumped for {name}: {dom:.200}"
        );
        let mut in_file = html_figures(&html);
        let mut in_dom = html_figures(&dom);
        in_file.sort();
        in_dom.sort();
        assert_eq!(
            in_dom, in_file,
            "{name}: the rendered figures differ from the file's"
        );
        assert_eq!(html_vote_figures(&in_dom), want, "{name}");
        // The DOM has the text, not elements made from it.
        assert!(!dom.contains("<script>alert"), "{name}");
    }

    let page = dir.join("final.html");
    let png = dir.join("results.png");
    let _ = std::fs::remove_file(&png);
    chromium(
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=412,915",
            "--hide-scrollbars",
        ],
        &page,
    );
    let bytes =
        std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    // A blank 412×915 PNG compresses to about a kilobyte; a page with text and
    // bars is many times that.
    assert!(
        bytes.len() > 10_000,
        "the screenshot is only {} bytes",
        bytes.len()
    );
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, 412);
}
