//! The result files as a newsroom reads them (issue 19): every file accounts
//! for every ballot, republishing unchanged figures changes no content file,
//! and the spreadsheet CSV says the same as the standard one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

struct Published {
    event: PathBuf,
    pubdir: PathBuf,
    passphrase: PathBuf,
    /// The manifest of the first publication.
    first: Value,
}

/// `urne demo`, then one `urne publish` of its signed protocols.
fn published() -> &'static Published {
    static P: OnceLock<Published> = OnceLock::new();
    P.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("media-results");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let event = root.join("demo");
        let o = Command::new(BIN)
            .args(["demo", "--out"])
            .arg(&event)
            .output()
            .unwrap();
        ok(&o);
        let passphrase = root.join("publisher.txt");
        std::fs::write(&passphrase, "the publisher's passphrase\n").unwrap();
        let pubdir = root.join("pub");
        let o = urne(
            &event,
            &[
                "publish",
                "--out",
                pubdir.to_str().unwrap(),
                "--new-publisher-key",
                "--insecure-fast-kdf",
                "--passphrase-file",
                passphrase.to_str().unwrap(),
            ],
        );
        ok(&o);
        let first = manifest(&pubdir);
        Published {
            event,
            pubdir,
            passphrase,
            first,
        }
    })
}

fn manifest(pubdir: &Path) -> Value {
    let sha = std::fs::read_to_string(pubdir.join("HEAD")).unwrap();
    serde_json::from_slice(&std::fs::read(pubdir.join("objects").join(sha.trim())).unwrap())
        .unwrap()
}

fn file(pubdir: &Path, m: &Value, name: &str) -> Vec<u8> {
    let f = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not published: {m}"));
    std::fs::read(pubdir.join("objects").join(f["sha256"].as_str().unwrap())).unwrap()
}

fn protocol(event: &Path, referendum: &str) -> Value {
    serde_json::from_slice(
        &std::fs::read(event.join("protocols").join(format!("{referendum}.json"))).unwrap(),
    )
    .unwrap()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn csv_rows(text: &str, delimiter: u8) -> Vec<BTreeMap<String, String>> {
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
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

#[test]
fn the_nist_report_accounts_for_every_ballot() {
    let p = published();
    let v: Value = serde_json::from_slice(&file(&p.pubdir, &p.first, "results.json")).unwrap();
    let election = &v["Election"][0];
    let mut invalid_seen = 0;
    for c in election["Contest"].as_array().unwrap() {
        let r = c["Abbreviation"].as_str().unwrap();
        let unit = c["ElectionDistrictId"].as_str().unwrap();
        let proto = protocol(&p.event, r);
        let other = &c["OtherCounts"][0];
        assert_eq!(other["GpUnitId"], unit);
        let (over, under) = (n(&other["Overvotes"]), n(&other["Undervotes"]));
        let cats = proto["postal_count"]["categories"].as_array().unwrap();
        let at = cats.iter().position(|c| c == "invalid").unwrap();
        let invalid = n(&proto["postal_count"]["figures"][at]);
        assert_eq!(over, invalid, "{r}: Overvotes are the invalid ballots");
        invalid_seen += invalid;
        for (ty, other_type) in [
            ("other", Some("electronic")),
            ("absentee-mail", None),
            ("total", None),
        ] {
            let votes: u64 = c["ContestSelection"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["VoteCounts"].as_array().unwrap())
                .filter(|vc| vc["Type"] == ty)
                .map(|vc| n(&vc["Count"]))
                .sum();
            let b = election["BallotCounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| {
                    b["GpUnitId"] == unit
                        && b["Type"] == ty
                        && b["OtherType"].as_str() == other_type
                })
                .unwrap();
            let not_votes = if ty == "other" { 0 } else { over + under };
            assert_eq!(
                n(&b["BallotsCast"]) - n(&b["BallotsRejected"]),
                votes + not_votes,
                "{r} {ty}: BallotsCast − BallotsRejected = votes + under- and overvotes"
            );
        }
        let total = election["BallotCounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["GpUnitId"] == unit && b["Type"] == "total")
            .unwrap();
        assert_eq!(
            n(&total["BallotsCast"]) - n(&total["BallotsRejected"]),
            n(&proto["key_figures"]["votes_cast"])
        );
    }
    assert!(invalid_seen > 0, "the demo has invalid postal ballots");
    // The XML says the same.
    let xml = String::from_utf8(file(&p.pubdir, &p.first, "results.xml")).unwrap();
    assert!(xml.contains("<Overvotes>"), "{xml:.400}");
}

#[test]
fn the_csv_accounts_for_every_ballot_and_says_what_percentages_are_of() {
    let p = published();
    let text = String::from_utf8(file(&p.pubdir, &p.first, "results.csv")).unwrap();
    let rows = csv_rows(&text, b',');
    assert!(!text.contains("generated_at"), "no time in the CSV");
    for r in ["sogne", "songdalen"] {
        let proto = protocol(&p.event, r);
        let sum = |ty: &str, cats: &[&str]| -> u64 {
            rows.iter()
                .filter(|x| {
                    x["referendum"] == r
                        && x["vote_type"] == ty
                        && cats.contains(&x["category"].as_str())
                })
                .map(|x| x["votes"].parse::<u64>().unwrap())
                .sum()
        };
        let counted = ["option", "blank", "invalid"];
        assert_eq!(
            sum("total", &counted),
            n(&proto["key_figures"]["votes_cast"]),
            "{r}: options, blank and invalid add up to the votes cast"
        );
        assert_eq!(sum("electronic", &counted), n(&proto["evotes"]["counted"]));
        assert_eq!(
            sum("postal", &counted),
            n(&proto["postal_count"]["ballots"])
        );
        assert_eq!(
            sum("postal", &["rejected"]),
            n(&proto["envelopes"]["rejected_total"])
        );
        let invalid_rows: Vec<_> = rows
            .iter()
            .filter(|x| x["referendum"] == r && x["category"] == "invalid")
            .map(|x| x["vote_type"].as_str())
            .collect();
        assert_eq!(invalid_rows, ["electronic", "postal", "total"]);
    }
    for row in &rows {
        match (row["category"].as_str(), row["vote_type"].as_str()) {
            ("option", "electronic") => {
                assert_eq!(row["percent_of"], "electronic_votes_for_an_option")
            }
            ("option", "postal") => assert_eq!(row["percent_of"], "postal_votes_for_an_option"),
            ("option", "total") => assert_eq!(row["percent_of"], "votes_for_an_option"),
            _ => assert_eq!(
                (row["percent"].as_str(), row["percent_of"].as_str()),
                ("", "")
            ),
        }
    }
}

#[test]
fn the_spreadsheet_csv_has_a_bom_semicolons_and_decimal_commas() {
    let p = published();
    let standard = String::from_utf8(file(&p.pubdir, &p.first, "results.csv")).unwrap();
    let bytes = file(&p.pubdir, &p.first, "results-spreadsheet.csv");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a UTF-8 byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("event;referendum;area;category;"),
        "{text:.80}"
    );
    assert!(text.contains("\r\n"));
    assert!(text.contains("Søgne"));
    let sheet = csv_rows(&text, b';');
    let std_rows = csv_rows(&standard, b',');
    assert_eq!(sheet.len(), std_rows.len());
    let mut decimals = 0;
    for (a, b) in sheet.iter().zip(&std_rows) {
        for (k, v) in b {
            if k == "percent" || k == "turnout_percent" {
                if v.contains('.') {
                    decimals += 1;
                }
                assert_eq!(a[k], v.replace('.', ","), "{k}");
            } else {
                assert_eq!(&a[k], v, "{k}");
            }
        }
    }
    assert!(decimals > 0);
}

#[test]
fn republishing_unchanged_figures_changes_no_content_file() {
    let p = published();
    // A second publication of the same event directory, later.
    let again = p.pubdir.parent().unwrap().join("pub-again");
    let _ = std::fs::remove_dir_all(&again);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let key = p.event.join("publisher-key.sealed");
    for _ in 0..2 {
        let o = urne(
            &p.event,
            &[
                "publish",
                "--out",
                again.to_str().unwrap(),
                "--publisher-key",
                key.to_str().unwrap(),
                "--passphrase-file",
                p.passphrase.to_str().unwrap(),
            ],
        );
        ok(&o);
    }
    let second = manifest(&again);
    assert_eq!(second["sequence"], 2);
    assert_ne!(second["published_at"], p.first["published_at"]);
    let files = |m: &Value| -> Vec<(String, String)> {
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_string(),
                    f["sha256"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        files(&second),
        files(&p.first),
        "every content file is byte-identical"
    );
    // GeneratedDate is the latest evidence: a signature's time, not publishing's.
    let v: Value = serde_json::from_slice(&file(&p.pubdir, &p.first, "results.json")).unwrap();
    let generated = v["GeneratedDate"].as_str().unwrap();
    let signed_at: Vec<String> = ["sogne", "songdalen"]
        .iter()
        .flat_map(|r| {
            let s: Value = serde_json::from_slice(
                &std::fs::read(
                    p.event
                        .join("protocols")
                        .join(format!("{r}.signatures.json")),
                )
                .unwrap(),
            )
            .unwrap();
            s["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["signed_at"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let latest = signed_at
        .iter()
        .map(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
        })
        .max()
        .unwrap();
    let g = time::OffsetDateTime::parse(generated, &time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_eq!(g.unix_timestamp(), latest.unix_timestamp(), "{generated}");
}

/// A newsroom's mirror of publication `m` of `pubdir`, as `urne fetch` writes it.
fn mirror_of(pubdir: &Path, m: &Value, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for f in m["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        std::fs::write(to.join(name), file(pubdir, m, name)).unwrap();
    }
    let sha = std::fs::read_to_string(pubdir.join("HEAD")).unwrap();
    let sha = sha.trim();
    std::fs::copy(pubdir.join("objects").join(sha), to.join("manifest.json")).unwrap();
    std::fs::copy(
        pubdir.join("objects").join(format!("{sha}.sig")),
        to.join("manifest.json.sig"),
    )
    .unwrap();
}

fn verify_media(event: &Path, mirror: &Path, key: Option<&str>) -> (i32, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("verify").arg(event).arg("--media").arg(mirror);
    if let Some(k) = key {
        cmd.args(["--publisher-key", k]);
    }
    let o = cmd.output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    (o.status.code().unwrap(), out)
}

fn line<'a>(out: &'a str, code: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(code))
        .unwrap_or_else(|| panic!("no {code} line in {out}"))
}

#[test]
fn each_file_has_a_detached_signature_that_checks_alone() {
    let p = published();
    let key = urne::crypto::encoding::b64_32(p.first["publisher_key"].as_str().unwrap()).unwrap();
    for name in [
        "results.json",
        "results.xml",
        "results.csv",
        "results-spreadsheet.csv",
        "index.html",
    ] {
        let bytes = file(&p.pubdir, &p.first, name);
        let sig = file(&p.pubdir, &p.first, &format!("{name}.sig"));
        urne::publish::filesig::verify_file(
            &sig,
            name,
            &bytes,
            Some("sogne-songdalen-2027"),
            Some(&key),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut altered = bytes.clone();
        let at = altered.iter().position(|b| b.is_ascii_digit()).unwrap();
        altered[at] = if altered[at] == b'9' {
            b'8'
        } else {
            altered[at] + 1
        };
        assert!(
            urne::publish::filesig::verify_file(&sig, name, &altered, None, Some(&key)).is_err()
        );
    }
}

#[test]
fn a_newsrooms_mirror_is_checked_against_the_signed_protocols() {
    let p = published();
    let root = p.pubdir.parent().unwrap();
    let mirror = root.join("mirror");
    mirror_of(&p.pubdir, &p.first, &mirror);
    let key = p.first["publisher_key"].as_str().unwrap();
    let (code, out) = verify_media(&p.event, &mirror, Some(key));
    assert_eq!(code, 0, "{out}");
    assert!(line(&out, "M-MANIFEST").contains("held"), "{out}");
    assert!(
        // The result files, the results page, the tracker page and the
        // tracker index's header; the index's shards are vouched for by
        // their hashes in its header.
        line(&out, "M-FILES").contains("7 with a valid detached signature"),
        "{out}"
    );
    let figures = line(&out, "M-FIGURES");
    assert!(
        figures.contains("held") && figures.contains("certified"),
        "{out}"
    );

    // A file changed in the mirror: its hash no longer matches the manifest.
    let csv = mirror.join("results.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.replacen(",total,", ",total,1", 1)).unwrap();
    let (code, out) = verify_media(&p.event, &mirror, Some(key));
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "M-FILES").contains("FAILED"), "{out}");
    assert!(line(&out, "M-FIGURES").contains("skipped"), "{out}");

    // Another key, pinned: refused.
    let (other, _) = urne::publish::store::PublisherKey::generate().unwrap();
    mirror_of(&p.pubdir, &p.first, &mirror);
    let (code, out) = verify_media(&p.event, &mirror, Some(&other.public_b64()));
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "M-MANIFEST").contains("FAILED"), "{out}");
}

#[test]
fn validly_signed_media_files_that_differ_from_the_protocols_fail() {
    use urne::publish::{filesig, store};
    let p = published();
    let root = p.pubdir.parent().unwrap();
    // Whoever holds a publisher key publishes one figure changed, every file
    // and the manifest validly signed.
    let (key, _) = store::PublisherKey::generate().unwrap();
    let forged = root.join("forged-pub");
    let _ = std::fs::remove_dir_all(&forged);
    let mut files = Vec::new();
    for f in p.first["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        if name.ends_with(".sig") {
            continue;
        }
        let mut bytes = file(&p.pubdir, &p.first, name);
        if name == "results.json" {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            let count =
                &v["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][2]["Count"];
            let n = count.as_u64().unwrap();
            let text = String::from_utf8(bytes).unwrap().replacen(
                &format!("\"Count\": {n}"),
                &format!("\"Count\": {}", n + 100),
                1,
            );
            bytes = text.into_bytes();
        }
        files.push(store::PublishedFile {
            name: name.into(),
            bytes,
            content_type: f["content_type"].as_str().unwrap().into(),
        });
    }
    let sigs: Vec<_> = files
        .iter()
        .map(|f| filesig::sign_file(&key, "sogne-songdalen-2027", f))
        .collect();
    files.extend(sigs);
    let meta = store::PublicationMeta {
        event: "sogne-songdalen-2027".into(),
        authority: p.first["authority"].as_str().unwrap().into(),
        source: p.first["source"].as_str().unwrap().into(),
        sequence: 1,
        published_at: p.first["published_at"].as_str().unwrap().into(),
        status: store::Status::Certified,
        is_test: true,
    };
    let m = store::publish(&forged, meta, &files, &key).unwrap();
    let m: Value = serde_json::to_value(&m).unwrap();
    let mirror = root.join("forged-mirror");
    mirror_of(&forged, &m, &mirror);
    let (code, out) = verify_media(&p.event, &mirror, Some(&key.public_b64()));
    assert_eq!(code, 1, "{out}");
    assert!(line(&out, "M-MANIFEST").contains("held"), "{out}");
    assert!(line(&out, "M-FILES").contains("held"), "{out}");
    let figures = line(&out, "M-FIGURES");
    assert!(
        figures.contains("FAILED") && figures.contains("results.json") && figures.contains("line "),
        "{out}"
    );
}
