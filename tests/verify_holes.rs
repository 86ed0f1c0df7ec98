//! Issue 15: changes an insider could make to the record that `urne verify`
//! once let through with exit 0, and the box closes that `box close` once
//! allowed. Each test names the hole it closes; each must fail on a urne
//! without the fix.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::demo::{copy_dir, published, verify_json as verify};
use serde_json::Value;
use urne::protocol::{self, SignatureFile, SignerKey};

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(published(), t.path());
    t
}

fn check<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no {code} check: {r:#}"))
}

/// Asserts the verdict is a contradiction and that check `code` failed with
/// an item mentioning `item`; returns the check's `why`.
fn assert_fails(dir: &Path, code: &str, item: &str) -> String {
    let (exit, r) = verify(dir);
    assert_eq!(exit, 1, "report: {r:#}");
    assert_eq!(r["verdict"], "contradicted");
    let c = check(&r, code);
    assert_eq!(c["outcome"], "failed", "{code}: {c:#}\nreport: {r:#}");
    let it = c["item"].as_str().unwrap();
    assert!(it.contains(item), "item {it:?} should mention {item:?}");
    c["why"].as_str().unwrap().to_string()
}

/// Asserts that check `code` is unreadable (a missing file) naming `file`,
/// and that the verdict is not `held`.
fn assert_missing(dir: &Path, code: &str, file: &str) {
    let (exit, r) = verify(dir);
    assert_ne!(exit, 0, "report: {r:#}");
    let c = check(&r, code);
    assert_eq!(c["outcome"], "unreadable", "{code}: {c:#}");
    assert_eq!(c["file"], file, "{c:#}");
}

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}

/// Rewrites a protocol through `f`, keeping it canonical; returns it.
fn rewrite_protocol(dir: &Path, r: &str, f: impl FnOnce(&mut protocol::Protocol)) {
    let path = dir.join(format!("protocols/{r}.json"));
    let mut p = protocol::parse(&fs::read(&path).unwrap(), "p").unwrap();
    f(&mut p);
    fs::write(&path, protocol::canonical(&p)).unwrap();
}

#[test]
fn the_honest_demo_still_holds() {
    let (exit, r) = verify(published());
    assert_eq!(exit, 0, "{r:#}");
}

// Hole 1: leadership signatures forged by hiding the registered signer key.

/// Every leadership key of both protocols replaced by an outsider's, and the
/// protocols signed with those keys, as a fully valid signatures file.
fn forge_leadership(dir: &Path) {
    let (manifest, _) = urne::event::Manifest::load(&dir.join("manifest.toml")).unwrap();
    let names = ["Ingrid Berg", "Per Olsen", "Aisha Khan"];
    let keys: Vec<SignerKey> = names
        .iter()
        .map(|_| SignerKey::generate().unwrap().0)
        .collect();
    for r in ["sogne", "songdalen"] {
        let mut forged = None;
        rewrite_protocol(dir, r, |p| {
            for (l, k) in p.leadership.iter_mut().zip(&keys) {
                l.public_key = k.public_b64();
            }
            forged = Some(p.clone());
        });
        let p = forged.unwrap();
        let bytes = protocol::canonical(&p);
        let sig_path = dir.join(format!("protocols/{r}.signatures.json"));
        let mut file: SignatureFile =
            serde_json::from_str(&fs::read_to_string(&sig_path).unwrap()).unwrap();
        let sha = hex::encode(urne::crypto::encoding::sha256(&bytes));
        file.protocol_sha256 = sha.clone();
        file.signatures = names
            .iter()
            .zip(&keys)
            .map(|(n, k)| forged_signature(&p, &bytes, n, k))
            .collect();
        fs::write(
            &sig_path,
            serde_json::to_string_pretty(&file).unwrap() + "\n",
        )
        .unwrap();
        fs::write(
            dir.join(format!("protocols/{r}.html")),
            protocol::render_html(&p, &sha, Some(&file), &manifest),
        )
        .unwrap();
    }
}

fn forged_signature(
    p: &protocol::Protocol,
    bytes: &[u8],
    name: &str,
    key: &SignerKey,
) -> protocol::Signature {
    // Made at the log's head as published: the signing is what is forged.
    protocol::sign(
        p,
        bytes,
        name,
        key,
        "2027-02-04T12:00:00Z",
        urne::crypto::encoding::Digest32::default(),
    )
    .unwrap()
}

fn log_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("ceremony-log.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_log(dir: &Path, lines: &[String]) {
    fs::write(dir.join("ceremony-log.jsonl"), lines.join("\n") + "\n").unwrap();
}

#[test]
fn hole_1_an_outsiders_keys_with_the_signer_files_deleted() {
    let d = copy();
    forge_leadership(d.path());
    fs::remove_dir_all(d.path().join("signers")).unwrap();
    let why = assert_fails(d.path(), "V-PROTOCOL-FIGURES", "leadership");
    assert!(why.contains("manifest"), "{why}");
}

#[test]
fn hole_1_an_outsiders_keys_with_the_signer_files_garbled_or_replaced() {
    let d = copy();
    forge_leadership(d.path());
    fs::write(d.path().join("signers/ingrid-berg.pub.json"), "{ not json").unwrap();
    assert_fails(d.path(), "V-PROTOCOL-FIGURES", "leadership");

    // Signer files that agree with the forged protocol.
    let d = copy();
    forge_leadership(d.path());
    let p = protocol::parse(
        &fs::read(d.path().join("protocols/sogne.json")).unwrap(),
        "p",
    )
    .unwrap();
    for l in &p.leadership {
        let path = d.path().join(format!(
            "signers/{}.pub.json",
            protocol::signer_file_stem(&l.name)
        ));
        edit_json(&path, |s| {
            s["public_key"] = Value::from(l.public_key.clone())
        });
    }
    assert_fails(d.path(), "V-PROTOCOL-FIGURES", "leadership");
}

#[test]
fn hole_1_a_missing_broken_or_foreign_signer_file_is_not_held() {
    let d = copy();
    fs::remove_file(d.path().join("signers/ingrid-berg.pub.json")).unwrap();
    assert_missing(d.path(), "V-SIGNATURES", "ingrid-berg.pub.json");

    let d = copy();
    fs::write(d.path().join("signers/ingrid-berg.pub.json"), "{ not json").unwrap();
    assert_fails(d.path(), "V-SIGNATURES", "signers/ingrid-berg.pub.json");

    let d = copy();
    edit_json(&d.path().join("signers/ingrid-berg.pub.json"), |s| {
        s["event"] = Value::from("another-event")
    });
    let why = assert_fails(d.path(), "V-SIGNATURES", "signers/ingrid-berg.pub.json");
    assert!(why.contains("another-event"), "{why}");

    let d = copy();
    edit_json(&d.path().join("signers/ingrid-berg.pub.json"), |s| {
        s["name"] = Value::from("Per Olsen")
    });
    assert_fails(d.path(), "V-SIGNATURES", "signers/ingrid-berg.pub.json");
}

#[test]
fn hole_5_the_last_lines_of_the_ceremony_log_dropped() {
    for drop in [1, 2, 4] {
        let d = copy();
        let mut l = log_lines(d.path());
        l.truncate(l.len() - drop);
        write_log(d.path(), &l);
        assert_fails(d.path(), "V-CEREMONY-LOG", "ceremony-log.jsonl");
    }
}

#[test]
fn hole_5_a_signing_entry_rewritten_and_the_tail_chained_again() {
    let d = copy();
    let lines = log_lines(d.path());
    let first_sign = lines
        .iter()
        .position(|l| l.contains("\"step\":\"protocol-sign\""))
        .unwrap();
    let mut entries: Vec<urne::ceremony_log::Entry> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    entries[first_sign].at = "2027-02-03T23:59:59Z".into();
    // Chain again from the changed entry on, as anyone can.
    let mut out: Vec<String> = lines[..first_sign].to_vec();
    for e in &mut entries[first_sign..] {
        e.prev = urne::ceremony_log::entry_hash(out.last().unwrap());
        out.push(serde_json::to_string(e).unwrap());
    }
    write_log(d.path(), &out);
    assert!(urne::ceremony_log::verify_chain(&(out.join("\n") + "\n"), "log").is_ok());
    assert_fails(d.path(), "V-CEREMONY-LOG", "ceremony-log.jsonl");
}

#[test]
fn hole_7_a_file_that_is_not_the_one_the_ceremony_log_last_recorded() {
    // A key test's time changed: its proof still holds, but the log recorded
    // the file as it was written.
    let d = copy();
    edit_json(&d.path().join("key-tests/keyholder-1.json"), |t| {
        t["tested_at"] = Value::from("2027-01-01T00:00:00Z");
    });
    assert_fails(d.path(), "V-CEREMONY-LOG", "key-tests/keyholder-1.json");
}

// Hole 3: the printable protocol is compared with the one rendered from the JSON.

#[test]
fn hole_3_a_figure_edited_in_the_printable_protocol() {
    let d = copy();
    let path = d.path().join("protocols/sogne.html");
    let html = fs::read_to_string(&path).unwrap();
    // The first figure in a table cell, one more.
    let cell = "<td class=\"num\">";
    let at = html
        .match_indices(cell)
        .map(|(i, _)| i + cell.len())
        .find(|&i| html[i..].starts_with(|c: char| c.is_ascii_digit()))
        .expect("a figure in a table cell");
    let end = at + html[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let n: u64 = html[at..end].parse().unwrap();
    fs::write(&path, format!("{}{}{}", &html[..at], n + 1, &html[end..])).unwrap();
    assert_fails(d.path(), "V-PROTOCOL-FIGURES", "protocols/sogne.html");

    let d = copy();
    fs::remove_file(d.path().join("protocols/songdalen.html")).unwrap();
    assert_missing(d.path(), "V-PROTOCOL-FIGURES", "songdalen.html");
}

// Hole 4: postal-decisions.csv is compared with the trial.

#[test]
fn hole_4_an_envelope_turned_from_unopened_to_open_in_the_decisions_csv() {
    let d = copy();
    let path = d.path().join("postal-decisions.csv");
    let text = fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .find(|l| l.ends_with(",late,unopened"))
        .unwrap();
    let changed = line.replace(",rejected,late,unopened", ",approved,,open");
    fs::write(&path, text.replacen(line, &changed, 1)).unwrap();
    let order = line.split(',').next().unwrap();
    let why = assert_fails(d.path(), "V-POSTAL-TRIAL", "postal-decisions.csv line");
    assert!(
        why.contains(&format!("{order},")) && why.contains("late"),
        "{why}"
    );

    let d = copy();
    fs::remove_file(d.path().join("postal-decisions.csv")).unwrap();
    assert_missing(d.path(), "V-POSTAL-TRIAL", "postal-decisions.csv");
}

// Hole 5: every ceremony-log entry is covered by something signed or checked.

// Hole 7: checks an independent verifier makes.

#[test]
fn hole_7_a_box_with_another_events_header_chained_and_sealed_again() {
    use urne::ballot_box::{self, BallotRecord, BoxHeader, BoxSigningKey, BulkWriter};
    let d = copy();
    let path = d.path().join("box.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut header: BoxHeader = serde_json::from_str(lines[0]).unwrap();
    let (key, _) = BoxSigningKey::generate().unwrap();
    header.event = "another-event".into();
    header.box_key = key.public_b64();
    let seal: ballot_box::SealRecord = serde_json::from_str(lines[lines.len() - 1]).unwrap();
    let mut w = BulkWriter::create(&path, header, true).unwrap();
    for l in &lines[1..lines.len() - 1] {
        let r: BallotRecord = serde_json::from_str(l).unwrap();
        w.push(r).unwrap();
    }
    w.seal(&key, &seal.closed_at).unwrap();
    let why = assert_fails(d.path(), "V-BOX", "box.jsonl");
    assert!(why.contains("another-event"), "{why}");
}

#[test]
fn hole_7_the_box_hash_in_the_tallys_inputs() {
    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        for i in t["inputs"].as_array_mut().unwrap() {
            if i["name"] == "box.jsonl" {
                i["sha256"] = Value::from("00".repeat(32));
            }
        }
    });
    let why = assert_fails(d.path(), "V-BOX", "box.jsonl");
    assert!(why.contains("inputs"), "{why}");
}

#[test]
fn hole_7_the_input_hashes_of_the_postal_trial_and_count() {
    let d = copy();
    edit_json(&d.path().join("postal-trial.json"), |t| {
        for i in t["inputs"].as_array_mut().unwrap() {
            if i["name"] == "roll.csv" {
                i["sha256"] = Value::from("00".repeat(32));
            }
        }
    });
    assert_fails(d.path(), "V-POSTAL-TRIAL", "inputs");

    let d = copy();
    edit_json(&d.path().join("postal-count.json"), |t| {
        for i in t["inputs"].as_array_mut().unwrap() {
            if i["name"] == "postal-trial.json" {
                i["sha256"] = Value::from("00".repeat(32));
            }
        }
    });
    assert_fails(d.path(), "V-POSTAL-COUNT", "inputs");
}

#[test]
fn hole_7_a_stale_protocol_sha256_in_a_signatures_file() {
    let d = copy();
    edit_json(&d.path().join("protocols/sogne.signatures.json"), |s| {
        s["protocol_sha256"] = Value::from("00".repeat(32));
    });
    assert_fails(d.path(), "V-SIGNATURES", "protocols/sogne.signatures.json");
}

#[test]
fn hole_7_an_evidence_list_with_a_file_added_or_reordered() {
    let d = copy();
    rewrite_protocol(d.path(), "sogne", |p| {
        let again = p.evidence.files[3].clone();
        p.evidence.files.push(again);
    });
    assert_fails(
        d.path(),
        "V-PROTOCOL-EVIDENCE",
        "protocols/sogne.json evidence.files",
    );

    let d = copy();
    rewrite_protocol(d.path(), "sogne", |p| p.evidence.files.swap(0, 1));
    assert_fails(
        d.path(),
        "V-PROTOCOL-EVIDENCE",
        "protocols/sogne.json evidence.files",
    );
}

#[test]
fn hole_7_a_created_at_that_is_not_a_time() {
    let d = copy();
    rewrite_protocol(d.path(), "sogne", |p| p.created_at = "yesterday".into());
    assert_fails(d.path(), "V-PROTOCOL-FIGURES", "created_at");
}

// Hole 6: box close refuses an early close and a box the count would refuse.

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .expect("the urne binary runs")
}

fn assert_refused(o: &Output, code: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.starts_with(&format!("urne: error[{code}]")),
        "expected {code}, got: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// An event with the example manifest and key and an open box with one
/// ballot; returns the directory and the box passphrase file.
fn open_box() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::copy(
        root().join("examples/event/manifest.toml"),
        dir.join("manifest.toml"),
    )
    .unwrap();
    fs::copy(
        root().join("keys-example/election-key.json"),
        dir.join("election-key.json"),
    )
    .unwrap();
    fs::write(
        dir.join("roll.csv"),
        "voter_id,referendum\nV1,sogne\nV2,sogne\n",
    )
    .unwrap();
    let pass = dir.join("box-pass.txt");
    fs::write(&pass, "box operator passphrase\n").unwrap();
    let p = pass.to_str().unwrap();
    // The credential authority's step; each voter's code in `code-V.txt`.
    for (voter, code) in common::credentials::issue(dir) {
        common::credentials::code_file_of(dir, &voter, &code);
    }
    assert_ok(&urne(
        dir,
        &["box", "init", "--insecure-fast-kdf", "--passphrase-file", p],
    ));
    let ballot = dir.join("ballot.json");
    assert_ok(&urne(
        dir,
        &[
            "encrypt",
            "--referendum",
            "sogne",
            "--voter",
            "V1",
            "--credential-file",
            dir.join("code-V1.txt").to_str().unwrap(),
            "--choice",
            "Ja",
            "--out",
            ballot.to_str().unwrap(),
        ],
    ));
    assert_ok(&urne(
        dir,
        &[
            "box",
            "cast",
            "--ballot",
            ballot.to_str().unwrap(),
            "--voter",
            "V1",
            "--referendum",
            "sogne",
            "--at",
            "2027-01-25T10:00:00+01:00",
        ],
    ));
    (tmp, pass)
}

#[test]
fn hole_6_box_close_inside_the_voting_window_is_refused() {
    let (tmp, pass) = open_box();
    let dir = tmp.path();
    let p = pass.to_str().unwrap();
    let before = fs::read(dir.join("box.jsonl")).unwrap();
    let o = urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            p,
            "--at",
            "2027-02-02T20:59:59+01:00",
        ],
    );
    let err = assert_refused(&o, "E-BOX-CLOSE-EARLY");
    assert!(err.contains("voting_closes"), "{err}");
    assert_eq!(before, fs::read(dir.join("box.jsonl")).unwrap());

    // With the explicit flag and a reason, it closes, and the reason is in
    // the log (which every protocol carries).
    let reason = "the voting system was taken down after an intrusion";
    assert_ok(&urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            p,
            "--at",
            "2027-02-01T12:00:00+01:00",
            "--early-close-reason",
            reason,
        ],
    ));
    let log = fs::read_to_string(dir.join("ceremony-log.jsonl")).unwrap();
    let close = log
        .lines()
        .find(|l| l.contains("\"step\":\"box-close\""))
        .unwrap();
    assert!(close.contains(reason), "{close}");
}

#[test]
fn hole_6_box_close_refuses_a_box_the_count_would_refuse() {
    let (tmp, pass) = open_box();
    let dir = tmp.path();
    // A ballot line whose cast_at is no time, chained correctly (what a
    // faulty receiving service could append).
    let path = dir.join("box.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let mut rec: Value = serde_json::from_str(&last).unwrap();
    rec["seq"] = Value::from(rec["seq"].as_u64().unwrap() + 1);
    rec["prev"] = Value::from(urne::ballot_box::line_hash(last.as_bytes()).hex());
    rec["voter"] = Value::from("V2");
    rec["cast_at"] = Value::from("2027-01-25 10:00:00+01:00");
    fs::write(
        &path,
        format!("{text}{}\n", serde_json::to_string(&rec).unwrap()),
    )
    .unwrap();
    let before = fs::read(&path).unwrap();
    let o = urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--at",
            "2027-02-02T21:00:00+01:00",
        ],
    );
    let err = assert_refused(&o, "E-BOX-MALFORMED");
    assert!(err.contains("line 3"), "{err}");
    assert_eq!(before, fs::read(&path).unwrap());
}

#[test]
fn hole_6_cast_close_and_count_read_times_with_one_strict_grammar() {
    let (tmp, pass) = open_box();
    let dir = tmp.path();
    let ballot = dir.join("ballot2.json");
    assert_ok(&urne(
        dir,
        &[
            "encrypt",
            "--referendum",
            "sogne",
            "--voter",
            "V2",
            "--credential-file",
            dir.join("code-V2.txt").to_str().unwrap(),
            "--choice",
            "Nei",
            "--out",
            ballot.to_str().unwrap(),
        ],
    ));
    for at in [
        "2027-01-25t10:00:00+01:00",
        "2027-01-25T10:00:00z",
        "2027-01-25T10:00:60+01:00",
        "2027-01-25T10:00:00-00:00",
        "2027-01-25T10:00:00.1234567891+01:00",
    ] {
        let o = urne(
            dir,
            &[
                "box",
                "cast",
                "--ballot",
                ballot.to_str().unwrap(),
                "--voter",
                "V2",
                "--referendum",
                "sogne",
                "--at",
                at,
            ],
        );
        assert_refused(&o, "E-TIME");
        let o = urne(
            dir,
            &[
                "box",
                "close",
                "--passphrase-file",
                pass.to_str().unwrap(),
                "--at",
                at,
            ],
        );
        assert_refused(&o, "E-TIME");
    }
}
