//! The tamper matrix: one honest published event, then one change per test,
//! each of which `urne verify` must catch in the right check, naming the item.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::demo::{copy_dir, published, verify_json as verify};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(published(), t.path());
    t
}

/// Asserts the report is a contradiction whose first failed check is `code`,
/// with an item that mentions `item`. Returns the failure's `why`.
fn assert_caught(dir: &Path, code: &str, item: &str) -> String {
    let (exit, r) = verify(dir);
    assert_eq!(exit, 1, "report: {r:#}");
    assert_eq!(r["verdict"], "contradicted");
    let failed = first_check(&r, "failed");
    assert_eq!(failed["code"], code, "first failure: {failed:#}");
    let it = failed["item"].as_str().unwrap();
    assert!(it.contains(item), "item {it:?} should mention {item:?}");
    failed["why"].as_str().unwrap().to_string()
}

/// The first check of the report with this `outcome`.
fn first_check<'a>(r: &'a Value, outcome: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == outcome)
        .unwrap_or_else(|| panic!("no {outcome} check: {r:#}"))
}

/// The check of the report with this `code`.
fn check<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no {code} check: {r:#}"))
}

/// Rewrites the lines of `marked-roll.csv` after its header.
fn edit_marked_roll(dir: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("marked-roll.csv");
    let text = fs::read_to_string(&path).unwrap();
    let mut l: Vec<String> = text.lines().skip(1).map(String::from).collect();
    f(&mut l);
    fs::write(&path, format!("voter_id,referendum\n{}\n", l.join("\n"))).unwrap();
}

fn lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("box.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(dir: &Path, l: &[String]) {
    fs::write(dir.join("box.jsonl"), l.join("\n") + "\n").unwrap();
}

/// Changes one base64 character of the value after `"field":"` in `s`.
fn flip_after(s: &str, field: &str) -> String {
    let key = format!("\"{field}\":\"");
    let at = s.find(&key).unwrap_or_else(|| panic!("{field} in {s}")) + key.len() + 3;
    let c = s.as_bytes()[at];
    let new = if c == b'A' { 'B' } else { 'A' };
    format!("{}{}{}", &s[..at], new, &s[at + 1..])
}

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn the_honest_event_passes_every_check() {
    let (exit, r) = verify(published());
    assert_eq!(exit, 0, "{r:#}");
    assert_eq!(r["verdict"], "held");
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), urne::verify::CHECKS.len());
    // The example event signs every ballot with its voter's credential: each
    // signature is checked, and the demo's stuffed ballots (3 a referendum)
    // are named as not signed.
    let cred = checks
        .iter()
        .find(|c| c["code"] == "V-CREDENTIALS")
        .unwrap();
    let what = cred["what"].as_str().unwrap();
    assert!(
        what.starts_with("every ballot's signature checked against the published list of 15871 voter credentials")
            && what.ends_with("; 6 not signed with their voter's credential"),
        "{what}"
    );
    assert!(cred["items"].as_u64().unwrap() > 9000, "{cred:#}");
    for c in checks {
        if c["code"] == "V-TRACKER-INDEX" {
            // The demo publishes no results, so no tracker index
            // (tests/tracker_index.rs checks a published one).
            assert_eq!(c["outcome"], "skipped", "{c:#}");
            assert!(c["why"].as_str().unwrap().contains("tracker/"), "{c:#}");
            continue;
        }
        assert_eq!(c["outcome"], "held", "{c:#}");
    }
    assert_eq!(r["warnings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_verifier_without_room_for_scratch_files_is_incomplete_not_a_contradiction() {
    let nowhere = tempfile::tempdir().unwrap().path().join("gone");
    let o = Command::new(BIN)
        .args(["verify", "--json"])
        .arg(published())
        .env("TMPDIR", &nowhere)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(3), "{r:#}");
    assert_eq!(r["verdict"], "incomplete");
    let bx = check(&r, "V-BOX");
    assert_eq!(bx["outcome"], "unreadable", "{bx:#}");
    assert!(
        bx["why"].as_str().unwrap().contains("E-FILE-WRITE"),
        "{bx:#}"
    );
}

#[test]
fn a_flipped_byte_in_a_ciphertext() {
    let d = copy();
    let mut l = lines(d.path());
    l[10] = flip_after(&l[10], "b");
    write_lines(d.path(), &l);
    let why = assert_caught(d.path(), "V-BOX", "box.jsonl");
    assert!(
        why.contains("line 12") && why.contains("E-BOX-CHAIN"),
        "{why}"
    );
}

#[test]
fn a_flipped_byte_in_a_proof() {
    let d = copy();
    let mut l = lines(d.path());
    // The first response of the packed ballot's 1-of-k proof (`"s":["…`).
    l[20] = l[20].replacen("\"s\":[\"", "\"s0\":\"", 1);
    l[20] = flip_after(&l[20], "s0").replacen("\"s0\":\"", "\"s\":[\"", 1);
    write_lines(d.path(), &l);
    assert_caught(d.path(), "V-BOX", "box.jsonl");
}

#[test]
fn a_flipped_byte_in_the_seal() {
    let d = copy();
    let mut l = lines(d.path());
    let last = l.len() - 1;
    l[last] = flip_after(&l[last], "signature");
    write_lines(d.path(), &l);
    let why = assert_caught(d.path(), "V-BOX", "box.jsonl");
    assert!(why.contains("SEAL"), "{why}");
}

#[test]
fn a_dropped_record() {
    let d = copy();
    let mut l = lines(d.path());
    l.remove(100);
    write_lines(d.path(), &l);
    let why = assert_caught(d.path(), "V-BOX", "box.jsonl");
    assert!(why.contains("line 101"), "{why}");
}

#[test]
fn a_duplicated_record() {
    let d = copy();
    let mut l = lines(d.path());
    let dup = l[50].clone();
    l.insert(51, dup);
    write_lines(d.path(), &l);
    assert_caught(d.path(), "V-BOX", "box.jsonl");
}

#[test]
fn a_reordered_record() {
    let d = copy();
    let mut l = lines(d.path());
    l.swap(30, 31);
    write_lines(d.path(), &l);
    let why = assert_caught(d.path(), "V-BOX", "box.jsonl");
    assert!(why.contains("E-BOX-SEQUENCE"), "{why}");
}

#[test]
fn a_ballot_moved_to_another_voter() {
    let d = copy();
    let mut l = lines(d.path());
    l[5] = l[5].replacen("\"voter\":\"sogne-0", "\"voter\":\"sogne-9", 1);
    write_lines(d.path(), &l);
    let why = assert_caught(d.path(), "V-BOX", "box.jsonl");
    assert!(why.contains("line 7"), "{why}");
}

#[test]
fn a_flipped_byte_in_a_partial_decryption() {
    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        let s = t["partial_decryptions"][1]["referendums"][0]["shares"][0]["d"]
            .as_str()
            .unwrap()
            .to_string();
        let flipped = flip_after(&format!("\"d\":\"{s}\""), "d");
        t["partial_decryptions"][1]["referendums"][0]["shares"][0]["d"] =
            Value::String(flipped[5..flipped.len() - 1].to_string());
    });
    let why = assert_caught(d.path(), "V-PARTIALS", "keyholder 2 (Ola Hansen)");
    assert!(!why.is_empty());
}

#[test]
fn a_count_changed_in_the_tally() {
    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        let v = t["referendums"][1]["results"][2]["votes"].as_u64().unwrap();
        t["referendums"][1]["results"][2]["votes"] = Value::from(v + 1);
    });
    let why = assert_caught(d.path(), "V-COUNTS", "referendum songdalen");
    assert!(why.contains("do not add up"), "{why}");
}

#[test]
fn an_e_vote_figure_changed_in_the_tally() {
    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        let v = t["referendums"][0]["evotes"]["superseded"]
            .as_u64()
            .unwrap();
        t["referendums"][0]["evotes"]["superseded"] = Value::from(v + 3);
    });
    assert_caught(
        d.path(),
        "V-EVOTE-RULES",
        "referendum sogne, e-votes superseded",
    );
}

#[test]
fn a_count_changed_in_the_protocol() {
    let d = copy();
    let path = d.path().join("protocols/sogne.json");
    let text = fs::read_to_string(&path).unwrap();
    // The top-level results follow the key figures' copy; change the first
    // option's electronic votes and its total alike, keeping the bytes canonical.
    let at = text.rfind("\"results\":[{\"option\":").unwrap();
    let rest = &text[at..];
    let e0 = rest.find("\"electronic\":").unwrap() + "\"electronic\":".len();
    let e1 = e0 + rest[e0..].find(',').unwrap();
    let e: u64 = rest[e0..e1].parse().unwrap();
    let changed = format!("{}{}{}", &text[..at + e0], e + 5, &text[at + e1..]);
    fs::write(&path, changed).unwrap();
    let why = assert_caught(d.path(), "V-PROTOCOL-FIGURES", "protocols/sogne.json");
    assert!(!why.is_empty());
}

#[test]
fn a_count_changed_in_a_postal_round() {
    let d = copy();
    edit_json(&d.path().join("postal-count.json"), |c| {
        let f = &mut c["referendums"][0]["rounds"][1]["attempts"][0]["members"][1]["figures"][1];
        *f = Value::from(f.as_u64().unwrap() + 1);
    });
    let why = assert_caught(d.path(), "V-POSTAL-COUNT", "referendum sogne");
    assert!(why.contains("Pair 2") || why.contains("round"), "{why}");
}

#[test]
fn a_rejected_envelope_turned_into_an_approved_one() {
    let d = copy();
    let mut env = String::new();
    edit_json(&d.path().join("postal-trial.json"), |t| {
        let decisions = t["decisions"].as_array_mut().unwrap();
        let late = decisions
            .iter_mut()
            .find(|x| x["reason"] == "late")
            .unwrap();
        env = late["envelope"].as_str().unwrap().to_string();
        late["decision"] = Value::from("approved");
        late.as_object_mut().unwrap().remove("reason");
    });
    let why = assert_caught(d.path(), "V-POSTAL-TRIAL", &format!("envelope {env}"));
    assert!(why.contains("late"), "{why}");
}

#[test]
fn a_trial_of_another_event_or_deadline() {
    let d = copy();
    edit_json(&d.path().join("postal-trial.json"), |t| {
        t["event"] = Value::from("another-referendum");
    });
    let why = assert_caught(d.path(), "V-POSTAL-TRIAL", "postal-trial.json event");
    assert!(why.contains("another-referendum"), "{why}");

    let d = copy();
    edit_json(&d.path().join("postal-trial.json"), |t| {
        t["postal_deadline"] = Value::from("2099-01-01T00:00:00Z");
    });
    assert_caught(
        d.path(),
        "V-POSTAL-TRIAL",
        "postal-trial.json postal_deadline",
    );
}

#[test]
fn an_envelope_decided_twice() {
    let d = copy();
    let mut env = String::new();
    edit_json(&d.path().join("postal-trial.json"), |t| {
        let decisions = t["decisions"].as_array_mut().unwrap();
        let mut again = decisions[0].clone();
        env = again["envelope"].as_str().unwrap().to_string();
        again["order"] = Value::from(decisions.len() + 1);
        decisions.push(again);
    });
    let why = assert_caught(d.path(), "V-POSTAL-TRIAL", &format!("envelope {env}"));
    assert!(why.contains("two decisions"), "{why}");
}

#[test]
fn a_postal_count_of_another_event() {
    let d = copy();
    edit_json(&d.path().join("postal-count.json"), |t| {
        t["event"] = Value::from("another-referendum");
    });
    assert_caught(d.path(), "V-POSTAL-COUNT", "postal-count.json event");
}

#[test]
fn a_voter_dropped_from_the_marked_roll() {
    let d = copy();
    let mut gone = String::new();
    edit_marked_roll(d.path(), |l| {
        gone = l.remove(6).split(',').next().unwrap().to_string();
    });
    assert_caught(d.path(), "V-MARKED-ROLL", &gone);
}

#[test]
fn a_marked_voter_swapped_for_one_without_a_counted_e_vote() {
    let d = copy();
    let mut gone = String::new();
    edit_marked_roll(d.path(), |l| {
        gone = l[6].split(',').next().unwrap().to_string();
        // The same number of lines; one voter's id is now another's.
        l[6] = l[6].replacen(&gone, "someone-else", 1);
    });
    assert_caught(d.path(), "V-MARKED-ROLL", &gone);
}

#[test]
fn a_marked_roll_as_written_with_a_line_more_at_the_end_is_caught() {
    // Every byte the count wrote, then one more voter: not the file the
    // count writes, so compared as sets, where the extra voter shows.
    let d = copy();
    let path = d.path().join("marked-roll.csv");
    let mut text = fs::read_to_string(&path).unwrap();
    let referendum = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    text.push_str(&format!("someone-else,{referendum}\n"));
    fs::write(&path, text).unwrap();
    assert_caught(
        d.path(),
        "V-MARKED-ROLL",
        &format!("referendum {referendum}"),
    );
}

#[test]
fn a_marked_roll_in_another_order_with_a_line_twice_still_holds() {
    let d = copy();
    edit_marked_roll(d.path(), |l| {
        l.reverse();
        let again = l[3].clone();
        l.push(again);
    });
    // The hashes the postal trial and the protocols rest on no longer
    // match, but the marked roll is the same set of voters.
    let (_, r) = verify(d.path());
    let first = first_check(&r, "failed");
    assert_eq!(first["code"], "V-POSTAL-TRIAL", "{r:#}");
    assert_eq!(first["item"], "postal-trial.json inputs marked-roll.csv");
    assert_eq!(check(&r, "V-PROTOCOL-EVIDENCE")["outcome"], "failed");
    let mr = check(&r, "V-MARKED-ROLL");
    assert_eq!(mr["outcome"], "held", "{mr:#}");
}

#[test]
fn a_keyholders_verification_key_swapped() {
    let d = copy();
    edit_json(&d.path().join("election-key.json"), |k| {
        let a = k["keyholders"][0]["verification_key"].clone();
        k["keyholders"][0]["verification_key"] = k["keyholders"][1]["verification_key"].clone();
        k["keyholders"][1]["verification_key"] = a;
    });
    assert_caught(d.path(), "V-KEY", "election-key.json");
    let (_, r) = verify(d.path());
    assert_eq!(check(&r, "V-MANIFEST")["outcome"], "skipped", "{r:#}");
}

#[test]
fn without_the_election_key_the_manifest_is_not_called_held() {
    let d = copy();
    fs::remove_file(d.path().join("election-key.json")).unwrap();
    let (_, r) = verify(d.path());
    let m = check(&r, "V-MANIFEST");
    assert_eq!(m["outcome"], "skipped", "{m:#}");
    assert!(m["why"].as_str().unwrap().contains("hash"), "{m:#}");
    assert_incomplete(d.path(), "V-KEY");
}

#[test]
fn a_signature_from_the_wrong_key() {
    let d = copy();
    edit_json(&d.path().join("protocols/songdalen.signatures.json"), |s| {
        // Ingrid Berg's entry now carries a signature made with Per Olsen's key.
        s["signatures"][0]["signature"] = s["signatures"][1]["signature"].clone();
    });
    // The printable page, which shows the signatures as valid, no longer
    // matches either (V-PROTOCOL-FIGURES); the signature check names it.
    let (exit, r) = verify(d.path());
    assert_eq!(exit, 1, "{r:#}");
    let s = check(&r, "V-SIGNATURES");
    assert_eq!(s["outcome"], "failed", "{s:#}");
    assert_eq!(
        s["item"], "Ingrid Berg on protocols/songdalen.json",
        "{s:#}"
    );
    assert!(s["why"].as_str().unwrap().contains("V-SIGNATURE"), "{s:#}");
}

#[test]
fn a_missing_file_is_incomplete_not_contradicted() {
    let d = copy();
    fs::remove_file(d.path().join("postal-count.json")).unwrap();
    let missing = assert_incomplete(d.path(), "V-POSTAL-COUNT");
    assert_eq!(missing["file"], "postal-count.json");
}

#[test]
fn a_file_that_is_there_but_not_of_its_kind_is_a_contradiction() {
    // Cut short: not JSON any more. A missing file leaves the record
    // incomplete (above); one that is there and broken contradicts it.
    for (file, code) in [
        ("tally.json", "V-ROLL"),
        ("key-tests/keyholder-2.json", "V-KEY-TESTS"),
        ("postal-trial.json", "V-POSTAL-TRIAL"),
        ("postal-count.json", "V-POSTAL-COUNT"),
        ("protocols/sogne.signatures.json", "V-SIGNATURES"),
    ] {
        let d = copy();
        let path = d.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, &text[..text.len() / 2]).unwrap();
        let why = assert_caught(d.path(), code, file);
        assert!(why.contains("EOF while parsing"), "{file}: {why}");
    }
    // Another format of a file this verifier knows.
    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        t["format"] = Value::from("urne-tally/1");
    });
    let why = assert_caught(d.path(), "V-ROLL", "tally.json");
    assert!(why.contains("urne-tally/1"), "{why}");
    // A ceremony-log line without one of its fields (the reason names a
    // missing field, which once made it "unreadable").
    let d = copy();
    let path = d.path().join("ceremony-log.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut first: Value = serde_json::from_str(&lines[0]).unwrap();
    first.as_object_mut().unwrap().remove("who");
    lines[0] = first.to_string();
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let why = assert_caught(d.path(), "V-CEREMONY-LOG", "ceremony-log.jsonl");
    assert!(why.contains("who"), "{why}");
}

/// Asserts the report is incomplete (exit 3) with `code` the first check that
/// could not run, and returns that check.
fn assert_incomplete(dir: &Path, code: &str) -> Value {
    let (exit, r) = verify(dir);
    assert_eq!(exit, 3, "{r:#}");
    assert_eq!(r["verdict"], "incomplete");
    let missing = first_check(&r, "unreadable");
    assert_eq!(missing["code"], code, "{r:#}");
    missing.clone()
}

/// [`assert_incomplete`], returning the check's `why`.
fn incomplete_why(dir: &Path, code: &str) -> String {
    assert_incomplete(dir, code)["why"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_tally_claiming_another_policy_or_missing_an_input_hash() {
    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        let other = if t["policy"] == "single" {
            "last_counts"
        } else {
            "single"
        };
        t["policy"] = Value::from(other);
    });
    let why = assert_caught(d.path(), "V-ROLL", "tally.json");
    assert!(why.contains("e-vote policy"), "{why}");

    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        t["inputs"]
            .as_array_mut()
            .unwrap()
            .retain(|i| i["name"] != "roll.csv");
    });
    let why = assert_caught(d.path(), "V-ROLL", "tally.json");
    assert!(why.contains("roll.csv"), "{why}");

    let d = copy();
    edit_json(&d.path().join("tally.json"), |t| {
        t["referendums"][0]["results"][2]["option"] = Value::from("Kanskje");
    });
    let why = assert_caught(d.path(), "V-ROLL", "tally.json");
    assert!(why.contains("options"), "{why}");
}

#[test]
fn a_keyholders_key_test_copied_over_anothers() {
    let d = copy();
    let k = d.path().join("key-tests");
    fs::copy(k.join("keyholder-1.json"), k.join("keyholder-2.json")).unwrap();
    let why = assert_caught(d.path(), "V-KEY-TESTS", "keyholder-2.json (keyholder 1)");
    assert!(why.contains("also in key-tests/keyholder-1.json"), "{why}");
}

#[test]
fn a_key_test_under_another_keyholders_name() {
    let d = copy();
    edit_json(&d.path().join("key-tests/keyholder-2.json"), |t| {
        t["name"] = Value::from("Kari Nordmann");
    });
    let why = assert_caught(d.path(), "V-KEY-TESTS", "keyholder-2.json (keyholder 2)");
    assert!(why.contains("Ola Hansen"), "{why}");
}

#[test]
fn a_missing_key_test_is_incomplete() {
    let d = copy();
    fs::remove_file(d.path().join("key-tests/keyholder-2.json")).unwrap();
    let why = incomplete_why(d.path(), "V-KEY-TESTS");
    assert!(why.contains("keyholder 2 (Ola Hansen)"), "{why}");
    fs::remove_dir_all(d.path().join("key-tests")).unwrap();
    let why = incomplete_why(d.path(), "V-KEY-TESTS");
    assert!(why.contains("no key-tests/ directory"), "{why}");
}

#[test]
fn a_protocol_not_signed_by_every_member_is_incomplete() {
    // The record as it stood before Aisha Khan signed: her signatures, her
    // protocol-sign entry and the pages rendered after it are not there yet.
    let d = copy();
    unsign(d.path(), &["Aisha Khan"]);
    let why = incomplete_why(d.path(), "V-SIGNATURES");
    assert!(
        why.contains("sogne.json is not signed by Aisha Khan"),
        "{why}"
    );
    // And before anyone signed.
    let d = copy();
    unsign(d.path(), &["Aisha Khan", "Per Olsen", "Ingrid Berg"]);
    let why = incomplete_why(d.path(), "V-SIGNATURES");
    assert!(why.contains("Ingrid Berg"), "{why}");
}

/// Takes back the signing of the last members to sign (`who`, the last
/// signer first): their signatures, their `protocol-sign` log entries, and
/// the signatures files and printable pages as they were before.
fn unsign(dir: &Path, who: &[&str]) {
    use urne::protocol::{self, SignatureFile};
    let (manifest, _) = urne::event::Manifest::load(&dir.join("manifest.toml")).unwrap();
    for r in ["sogne", "songdalen"] {
        let bytes = fs::read(dir.join(format!("protocols/{r}.json"))).unwrap();
        let p = protocol::parse(&bytes, "p").unwrap();
        let sig_path = dir.join(format!("protocols/{r}.signatures.json"));
        let mut file: SignatureFile =
            serde_json::from_str(&fs::read_to_string(&sig_path).unwrap()).unwrap();
        file.signatures.retain(|s| !who.contains(&s.name.as_str()));
        let sha = hex::encode(urne::crypto::encoding::sha256(&bytes));
        let html = if file.signatures.is_empty() {
            fs::remove_file(&sig_path).unwrap();
            protocol::render_html(&p, &sha, None, &manifest)
        } else {
            fs::write(
                &sig_path,
                serde_json::to_string_pretty(&file).unwrap() + "\n",
            )
            .unwrap();
            protocol::render_html(&p, &sha, Some(&file), &manifest)
        };
        fs::write(dir.join(format!("protocols/{r}.html")), html).unwrap();
    }
    let log = dir.join("ceremony-log.jsonl");
    let mut lines: Vec<String> = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    for _ in who {
        assert!(lines.last().unwrap().contains("\"step\":\"protocol-sign\""));
        lines.pop();
    }
    fs::write(&log, lines.join("\n") + "\n").unwrap();
}

#[test]
fn secret_material_in_the_published_directory_is_named() {
    let d = copy();
    let share = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("keys-example/keyholder-1.share"),
    )
    .unwrap();
    fs::write(d.path().join("oops.share"), share).unwrap();
    let (exit, r) = verify(d.path());
    assert_eq!(exit, 0, "secrets are a warning, the evidence still holds");
    let w = r["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].as_str().unwrap().starts_with("oops.share"), "{w:?}");
}

#[test]
fn a_protocol_published_under_another_referendums_name() {
    let d = copy();
    let p = d.path().join("protocols");
    fs::copy(p.join("songdalen.json"), p.join("sogne.json")).unwrap();
    fs::copy(
        p.join("songdalen.signatures.json"),
        p.join("sogne.signatures.json"),
    )
    .unwrap();
    let why = assert_caught(d.path(), "V-PROTOCOL-FIGURES", "protocols/sogne.json");
    assert!(why.contains("songdalen"), "{why}");
}

#[test]
fn a_published_partial_that_is_not_the_one_combined() {
    let d = copy();
    let t: Value =
        serde_json::from_str(&fs::read_to_string(d.path().join("tally.json")).unwrap()).unwrap();
    fs::create_dir_all(d.path().join("partials")).unwrap();
    // Keyholder 2's partial published as keyholder 1's.
    fs::write(
        d.path().join("partials/keyholder-1.json"),
        serde_json::to_string_pretty(&t["partial_decryptions"][1]).unwrap(),
    )
    .unwrap();
    assert_caught(d.path(), "V-PARTIALS", "partials/keyholder-1.json");
}

#[test]
fn an_absurd_figure_is_a_failed_check_not_a_crash() {
    let d = copy();
    let path = d.path().join("protocols/sogne.json");
    let text = fs::read_to_string(&path).unwrap();
    let at =
        text.find("\"envelopes\":{\"received\":").unwrap() + "\"envelopes\":{\"received\":".len();
    let end = at + text[at..].find(',').unwrap();
    fs::write(
        &path,
        format!("{}{}{}", &text[..at], u64::MAX, &text[end..]),
    )
    .unwrap();
    let why = assert_caught(d.path(), "V-PROTOCOL-FIGURES", "protocols/sogne.json");
    assert!(why.contains("larger than any count"), "{why}");
}
