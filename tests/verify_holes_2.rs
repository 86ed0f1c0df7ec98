//! Issue 15, hole 1 from the commands' side: a leadership key is pinned in the
//! manifest before the key ceremony, so `protocol sign` refuses a key the
//! manifest does not pin, `signer new` refuses to make a key once the
//! ceremony is held (it could never be pinned), and `protocol check` fails a
//! protocol whose leadership keys are not the pinned ones. And V-KEY: the
//! election key's own statements must be the manifest's. Each of these let
//! an outsider's key stand in for a member's on a urne without the fix.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::demo::{copy_dir, demo_event};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn event_copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(demo_event(), t.path());
    t
}

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn error_line(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err.lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line: {err}"))
        .to_string()
}

/// An Ed25519 key for Ingrid Berg made the way `signer new` makes one, but
/// in a directory of its own: a real member's key that the manifest does not
/// pin. Returns (that directory, the sealed key, its passphrase file).
fn unpinned_key_for_ingrid() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    fs::copy(
        demo_event().join("manifest.toml"),
        t.path().join("manifest.toml"),
    )
    .unwrap();
    let pass = t.path().join("pass.txt");
    fs::write(&pass, "a long enough passphrase for the test\n").unwrap();
    let o = urne(
        t.path(),
        &[
            "signer",
            "new",
            "--name",
            "Ingrid Berg",
            "--insecure-fast-kdf",
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // It says how to pin it, since the manifest pins another key.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("[leadership_keys]"), "{out}");
    let key = t.path().join("signers/ingrid-berg.key");
    (t, key, pass)
}

#[test]
fn hole_1_protocol_sign_refuses_a_key_the_manifest_does_not_pin() {
    let ev = event_copy();
    let (_keep, key, pass) = unpinned_key_for_ingrid();
    let before = fs::read(ev.path().join("protocols/sogne.signatures.json")).unwrap();
    let line = error_line(&urne(
        ev.path(),
        &[
            "protocol",
            "sign",
            "--key",
            key.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    ));
    assert!(line.contains("E-SIGNER-NOT-PINNED"), "{line}");
    assert!(line.contains("Ingrid Berg"), "{line}");
    // Nothing was signed.
    assert_eq!(
        fs::read(ev.path().join("protocols/sogne.signatures.json")).unwrap(),
        before
    );
}

#[test]
fn hole_1_signer_new_after_the_key_ceremony_is_refused() {
    let ev = event_copy();
    let pass = ev.path().join("p.txt");
    fs::write(&pass, "a long enough passphrase for the test\n").unwrap();
    let before = fs::read(ev.path().join("signers/per-olsen.pub.json")).unwrap();
    let line = error_line(&urne(
        ev.path(),
        &[
            "signer",
            "new",
            "--name",
            "Per Olsen",
            "--force",
            "--insecure-fast-kdf",
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    ));
    assert!(line.contains("E-SIGNER-TOO-LATE"), "{line}");
    assert!(line.contains("election-key.json"), "{line}");
    assert_eq!(
        fs::read(ev.path().join("signers/per-olsen.pub.json")).unwrap(),
        before
    );
}

#[test]
fn hole_1_protocol_check_fails_a_protocol_listing_a_key_the_manifest_does_not_pin() {
    let ev = event_copy();
    let path = ev.path().join("protocols/sogne.json");
    let mut p = urne::protocol::parse(&fs::read(&path).unwrap(), "p").unwrap();
    let (outsider, _) = urne::protocol::SignerKey::generate().unwrap();
    p.leadership[0].public_key = outsider.public_b64();
    fs::write(&path, urne::protocol::canonical(&p)).unwrap();
    let line = error_line(&urne(ev.path(), &["protocol", "check"]));
    assert!(line.contains("V-PROTOCOL-FIGURES"), "{line}");
    assert!(line.contains("leadership"), "{line}");
    assert!(line.contains("protocols/sogne.json"), "{line}");
}

#[test]
fn hole_1_the_manifest_refuses_a_pin_for_someone_outside_the_leadership() {
    let ev = event_copy();
    let path = ev.path().join("manifest.toml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"Aisha Khan\" = \""),
        "the example pins Aisha Khan"
    );
    fs::write(
        &path,
        text.replacen("\"Aisha Khan\" = \"", "\"Mallory\" = \"", 1),
    )
    .unwrap();
    let (code, report) = verify_json(ev.path());
    assert_eq!(code, 1, "{report:#}");
    let c = check(&report, "V-MANIFEST");
    assert_eq!(c["outcome"], "failed", "{c:#}");
    assert!(c["why"].as_str().unwrap().contains("Mallory"), "{c:#}");
}

fn verify_json(dir: &Path) -> (i32, Value) {
    let o = Command::new(BIN)
        .args(["verify", "--json"])
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap(), report)
}

fn check<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no {code} check: {r:#}"))
}

#[test]
fn a_broken_election_key_still_reports_every_check() {
    // The report lists all 19 checks whatever fails (V-KEY-CEREMONY was left
    // out when the key did not hold).
    let ev = event_copy();
    let path = ev.path().join("election-key.json");
    let mut k: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    k["created_at"] = Value::from("2026-12-01 12:00:00Z");
    fs::write(&path, serde_json::to_string_pretty(&k).unwrap() + "\n").unwrap();
    let (code, r) = verify_json(ev.path());
    assert_eq!(code, 1, "{r:#}");
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), urne::verify::CHECKS.len(), "{r:#}");
    for ((want, _), got) in urne::verify::CHECKS.iter().zip(checks) {
        assert_eq!(got["code"], *want, "{r:#}");
    }
    let c = check(&r, "V-KEY");
    assert_eq!(c["outcome"], "failed", "{c:#}");
    assert_eq!(c["item"], "election-key.json created_at", "{c:#}");
    assert_eq!(check(&r, "V-KEY-CEREMONY")["outcome"], "skipped");
}

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}

fn assert_fails(dir: &Path, code: &str, item: &str) -> String {
    let (exit, r) = verify_json(dir);
    assert_eq!(exit, 1, "report: {r:#}");
    let c = check(&r, code);
    assert_eq!(c["outcome"], "failed", "{code}: {c:#}");
    let it = c["item"].as_str().unwrap();
    assert!(it.contains(item), "item {it:?} should mention {item:?}");
    c["why"].as_str().unwrap().to_string()
}

// Hole 7: the time fields of the key tests, the partial decryptions and the
// signer files are read with the one grammar (SPEC, "Times").

#[test]
fn hole_7_a_key_tests_tested_at_that_is_not_a_time() {
    let ev = event_copy();
    edit_json(&ev.path().join("key-tests/keyholder-2.json"), |t| {
        t["tested_at"] = Value::from("2027-01-20T25:00:00Z");
    });
    assert_fails(
        ev.path(),
        "V-KEY-TESTS",
        "keyholder-2.json (keyholder 2) tested_at",
    );
}

#[test]
fn hole_7_a_partial_decryptions_made_at_that_is_not_a_time() {
    let ev = event_copy();
    edit_json(&ev.path().join("tally.json"), |t| {
        t["partial_decryptions"][0]["made_at"] = Value::from("2027-02-03t10:00:00z");
    });
    let why = assert_fails(ev.path(), "V-PARTIALS", "keyholder");
    assert!(why.contains("made_at"), "{why}");
}

#[test]
fn hole_7_a_signer_files_created_at_that_is_not_a_time() {
    let ev = event_copy();
    edit_json(&ev.path().join("signers/aisha-khan.pub.json"), |s| {
        s["created_at"] = Value::from("-00:00");
    });
    let why = assert_fails(ev.path(), "V-SIGNATURES", "signers/aisha-khan.pub.json");
    assert!(why.contains("created_at"), "{why}");
}

// Hole 7: the protocol's leadership list is the manifest's.

#[test]
fn hole_7_a_protocol_with_a_member_left_out_of_its_leadership() {
    for keep in [2, 0] {
        let ev = event_copy();
        let path = ev.path().join("protocols/songdalen.json");
        let mut p = urne::protocol::parse(&fs::read(&path).unwrap(), "p").unwrap();
        p.leadership.truncate(keep);
        fs::write(&path, urne::protocol::canonical(&p)).unwrap();
        let why = assert_fails(
            ev.path(),
            "V-PROTOCOL-FIGURES",
            "protocols/songdalen.json leadership",
        );
        assert!(why.contains("manifest"), "{why}");
    }
}

// Hole 1 on the publishing side: a protocol signed by outsiders' keys it
// lists itself is not published as certified.

/// Replaces every leadership key of every protocol with an outsider's and
/// signs each protocol with those keys: a signatures file that holds against
/// the protocol's own list (and a page rendered from it).
fn sign_with_outsiders(dir: &Path) {
    use urne::protocol::{self, SignatureFile, SignerKey};
    let (manifest, _) = urne::event::Manifest::load(&dir.join("manifest.toml")).unwrap();
    let keys: Vec<SignerKey> = manifest
        .leadership
        .iter()
        .map(|_| SignerKey::generate().unwrap().0)
        .collect();
    for r in ["sogne", "songdalen"] {
        let path = dir.join(format!("protocols/{r}.json"));
        let mut p = protocol::parse(&fs::read(&path).unwrap(), "p").unwrap();
        for (l, k) in p.leadership.iter_mut().zip(&keys) {
            l.public_key = k.public_b64();
        }
        let bytes = protocol::canonical(&p);
        fs::write(&path, &bytes).unwrap();
        let sig_path = dir.join(format!("protocols/{r}.signatures.json"));
        let mut file: SignatureFile =
            serde_json::from_str(&fs::read_to_string(&sig_path).unwrap()).unwrap();
        let sha = hex::encode(urne::crypto::encoding::sha256(&bytes));
        file.protocol_sha256 = sha.clone();
        file.signatures = manifest
            .leadership
            .iter()
            .zip(&keys)
            .map(|(n, k)| {
                protocol::sign(
                    &p,
                    &bytes,
                    n,
                    k,
                    "2027-02-04T12:00:00Z",
                    urne::crypto::encoding::Digest32::default(),
                )
                .unwrap()
            })
            .collect();
        assert!(protocol::fully_signed(&p, &bytes, &file));
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

/// The stage `urne publish` gives the set (the `Status` of the NIST report
/// among the published objects).
fn published_status(ev: &Path) -> String {
    let out = ev.join("www");
    let pass = ev.join("publisher-pass.txt");
    fs::write(&pass, "the publisher's own passphrase\n").unwrap();
    let o = urne(
        ev,
        &[
            "publish",
            "--out",
            out.to_str().unwrap(),
            "--new-publisher-key",
            "--insecure-fast-kdf",
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for e in fs::read_dir(out.join("objects")).unwrap() {
        let text = fs::read_to_string(e.unwrap().path()).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            if let Some(s) = v["Status"].as_str() {
                return s.to_string();
            }
        }
    }
    panic!("no NIST report among the published objects");
}

#[test]
fn hole_1_publish_calls_a_result_certified_only_with_the_pinned_keys() {
    let ev = event_copy();
    assert_eq!(published_status(ev.path()), "certified");
    let ev = event_copy();
    sign_with_outsiders(ev.path());
    assert_eq!(published_status(ev.path()), "unofficial-complete");
}

// V-KEY: the key's own event and keyholder names are the manifest's. The
// fingerprint binds them, but a key can be made consistent with another
// event or other names (the fingerprint recomputed), and then only the
// comparison with the manifest shows it.

fn rekey(dir: &Path, f: impl FnOnce(&mut urne::keys::ElectionKeyFile)) {
    let path = dir.join("election-key.json");
    let mut k: urne::keys::ElectionKeyFile =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut k);
    let names: Vec<(u32, &str)> = k
        .keyholders
        .iter()
        .map(|h| (h.index, h.name.as_str()))
        .collect();
    let tr = k.ceremony.as_ref().unwrap().transcript.as_ref().unwrap();
    let fp = urne::keys::fingerprint_v2(
        &k.event,
        &k.manifest_sha256,
        k.threshold,
        &k.commitments,
        &names,
        "dealerless",
        &tr.deals_fingerprint.0,
    );
    k.fingerprint = urne::crypto::encoding::Digest32(fp);
    fs::write(&path, serde_json::to_string_pretty(&k).unwrap() + "\n").unwrap();
}

#[test]
fn v_key_a_consistent_key_for_another_event_or_other_keyholders() {
    let ev = event_copy();
    rekey(ev.path(), |k| k.event = "another-event".into());
    let why = assert_fails(ev.path(), "V-KEY", "election-key.json event");
    assert!(why.contains("another-event"), "{why}");

    let ev = event_copy();
    rekey(ev.path(), |k| k.keyholders[1].name = "Mallory".into());
    let why = assert_fails(ev.path(), "V-KEY", "election-key.json keyholders");
    assert!(why.contains("Mallory"), "{why}");
}
