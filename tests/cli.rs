//! The `urne` binary end to end: every bad input the spine must refuse gives a
//! one-line error with a stable code, names the file, exits non-zero and leaves
//! nothing half-written; the demo counts what the simulation cast.

mod common;

use common::credentials::{code_file, example_ballot, signed_by_voter};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> PathBuf {
    root().join("keys-example").join(name)
}

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .expect("the urne binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "expected success, got {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

/// Asserts exit 1, the error code, and that the error line names `names`.
fn assert_refused(o: &Output, code: &str, names: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line in: {err}"));
    assert!(
        line.starts_with(&format!("urne: error[{code}]")),
        "expected {code}, got: {line}"
    );
    assert!(line.contains(names), "{line:?} should name {names:?}");
    assert!(!err.contains("panicked"), "a panic reached the user: {err}");
}

/// A small simulated event with the example election key: 30 voters per
/// referendum, one bad ballot of each kind.
fn simulated() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = root().join("examples/event/manifest.toml");
    let o = urne(
        tmp.path(),
        &[
            "simulate",
            "--manifest",
            manifest.to_str().unwrap(),
            "--key",
            example("election-key.json").to_str().unwrap(),
            "--voters",
            "30",
            "--bad",
            "1",
        ],
    );
    assert_ok(&o);
    tmp
}

fn share_args(shares: &[(&Path, &Path)]) -> Vec<String> {
    let mut v = Vec::new();
    for (s, _) in shares {
        v.push("--share".into());
        v.push(s.display().to_string());
    }
    for (_, p) in shares {
        v.push("--passphrase-file".into());
        v.push(p.display().to_string());
    }
    v
}

fn unlock(dir: &Path, shares: &[(&Path, &Path)], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["unlock".into()];
    args.extend(share_args(shares));
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    urne(dir, &refs)
}

fn both_keyholders() -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    (
        example("keyholder-1.share"),
        example("passphrase-1.txt"),
        example("keyholder-2.share"),
        example("passphrase-2.txt"),
    )
}

/// The decrypted votes per option in a tally referendum equal the
/// simulation's truth, and so do the e-vote figures.
fn assert_counts_equal(tally: &serde_json::Value, truth: &serde_json::Value) {
    assert_eq!(tally["id"], truth["id"]);
    let votes: Vec<u64> = tally["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["votes"].as_u64().expect("votes"))
        .collect();
    let want: Vec<u64> = truth["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .map(|v| v.as_u64().expect("a count"))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(votes, want, "referendum {}", tally["id"]);
    for k in ["received", "counted", "superseded", "rejected"] {
        assert_eq!(tally["evotes"][k], truth[k], "{k} in {}", tally["id"]);
        assert!(!truth[k].is_null(), "{k}");
    }
}

/// True if line `n` (1-based) of the event's box is a ballot whose proofs
/// verify, checked with the library against the example election key.
fn ballot_on_line_verifies(dir: &Path, n: u64) -> bool {
    let text = fs::read_to_string(dir.join("box.jsonl")).unwrap();
    let line = text.lines().nth(usize::try_from(n - 1).unwrap()).unwrap();
    let urne::ballot_box::Line::Ballot(rec) =
        urne::ballot_box::parse_line(line.as_bytes(), "box.jsonl", n).unwrap()
    else {
        return false;
    };
    let key_text = fs::read_to_string(example("election-key.json")).unwrap();
    let key = urne::keys::ElectionKey::from_json(&key_text, "election-key.json").unwrap();
    let (manifest, _) =
        urne::event::Manifest::load(&root().join("examples/event/manifest.toml")).unwrap();
    let Some(r) = manifest.referendum(&rec.referendum) else {
        return false;
    };
    let ctx = urne::ballot::BallotContext {
        fingerprint: &key.fingerprint,
        referendum: &rec.referendum,
        voter: &rec.voter,
    };
    rec.ballot
        .verify(&key.key.elem, &key.key.point, &ctx, r.options.len())
        .is_ok()
}

fn read_tally(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("tally.json")).unwrap()).unwrap()
}

#[test]
fn unlock_with_both_keyholders_counts_what_was_cast() {
    let ev = simulated();
    let (s1, p1, s2, p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&s1, &p1), (&s2, &p2)], &[]);
    assert_ok(&o);
    // The rejections carry their codes, and the ballots whose proofs fail
    // are named by their line in the box.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("[EV-INVALID-PROOF]: 1"), "{out}");
    assert!(out.contains("[EV-NOT-IN-ROLL]: 1"), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    let named = err
        .lines()
        .find(|l| {
            l.starts_with(
                "Stemmesedler med bevis som ikke holder, forkastes [EV-INVALID-PROOF]: box.jsonl linje ",
            )
        })
        .unwrap_or_else(|| panic!("no line naming the failed proofs: {err}"));
    let numbers = named.rsplit("linje ").next().unwrap().trim_end_matches('.');
    let numbers: Vec<u64> = numbers.split(", ").map(|n| n.parse().unwrap()).collect();
    assert_eq!(numbers.len(), 2, "one bad proof per referendum: {named}");
    for n in numbers {
        assert!(!ballot_on_line_verifies(ev.path(), n), "line {n}: {named}");
    }
    assert!(
        ballot_on_line_verifies(ev.path(), 2),
        "a good ballot verifies"
    );
    let tally = read_tally(ev.path());
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ev.path().join("simulation.json")).unwrap())
            .unwrap();
    let t_refs = tally["referendums"].as_array().unwrap();
    let s_refs = truth["referendums"].as_array().unwrap();
    assert_eq!(t_refs.len(), 2);
    for (t, s) in t_refs.iter().zip(s_refs) {
        assert_eq!(t["id"], s["id"]);
        assert_counts_equal(t, s);
    }
    assert!(ev.path().join("marked-roll.csv").exists());
    // A second unlock does not overwrite the tally without --force.
    let again = unlock(ev.path(), &[(&s1, &p1), (&s2, &p2)], &[]);
    assert_refused(&again, "E-FILE-EXISTS", "tally.json");
    let forced = unlock(ev.path(), &[(&s1, &p1), (&s2, &p2)], &["--force"]);
    assert_ok(&forced);
}

#[test]
fn partial_decrypt_on_two_machines_then_combine() {
    let ev = simulated();
    let (s1, p1, s2, p2) = both_keyholders();
    for (s, p) in [(&s1, &p1), (&s2, &p2)] {
        let o = urne(
            ev.path(),
            &[
                "partial-decrypt",
                "--share",
                s.to_str().unwrap(),
                "--passphrase-file",
                p.to_str().unwrap(),
            ],
        );
        assert_ok(&o);
    }
    assert!(ev.path().join("partials/keyholder-1.json").exists());
    assert!(ev.path().join("partials/keyholder-2.json").exists());
    // With one partial only, combine refuses: the threshold is 2.
    let one = urne(
        ev.path(),
        &[
            "combine",
            "--partial",
            ev.path()
                .join("partials/keyholder-1.json")
                .to_str()
                .unwrap(),
        ],
    );
    assert_refused(&one, "E-TOO-FEW-SHARES", "");
    assert!(
        !ev.path().join("tally.json").exists(),
        "nothing half-written"
    );
    let o = urne(ev.path(), &["combine"]);
    assert_ok(&o);
    let tally = read_tally(ev.path());
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ev.path().join("simulation.json")).unwrap())
            .unwrap();
    for (t, s) in tally["referendums"]
        .as_array()
        .unwrap()
        .iter()
        .zip(truth["referendums"].as_array().unwrap())
    {
        assert_counts_equal(t, s);
    }
}

#[test]
fn a_wrong_passphrase_is_refused_and_names_the_share_file() {
    let ev = simulated();
    let (s1, _p1, s2, p2) = both_keyholders();
    let wrong = ev.path().join("wrong.txt");
    fs::write(&wrong, "this is not the passphrase\n").unwrap();
    let o = unlock(ev.path(), &[(&s1, &wrong), (&s2, &p2)], &[]);
    assert_refused(&o, "E-SHARE-PASSPHRASE", "keyholder-1.share");
    assert!(!ev.path().join("tally.json").exists());
}

#[test]
fn a_share_from_another_election_is_refused() {
    let ev = simulated();
    let other = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("examples/event/manifest.toml"),
        other.path().join("manifest.toml"),
    )
    .unwrap();
    let pass = other.path().join("pass.txt");
    fs::write(&pass, "another election's passphrase\n").unwrap();
    let pass2 = other.path().join("pass2.txt");
    fs::write(&pass2, "another keyholder's passphrase\n").unwrap();
    let p = pass.to_str().unwrap();
    let o = urne(
        other.path(),
        &[
            "keygen",
            "--insecure-fast-kdf",
            "--passphrase-file",
            p,
            "--passphrase-file",
            pass2.to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let foreign = other.path().join("shares/keyholder-1.share");
    assert!(foreign.exists(), "keygen wrote {}", foreign.display());
    let (_s1, _p1, s2, p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&foreign, &pass), (&s2, &p2)], &[]);
    assert_refused(&o, "E-SHARE-OTHER-ELECTION", "keyholder-1.share");
}

#[test]
fn a_truncated_share_file_is_refused() {
    let ev = simulated();
    let (s1, p1, s2, p2) = both_keyholders();
    let text = fs::read_to_string(&s1).unwrap();
    let cut = ev.path().join("cut.share");
    fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let o = unlock(ev.path(), &[(&cut, &p1), (&s2, &p2)], &[]);
    assert_refused(&o, "E-SEAL-MALFORMED", "cut.share");
}

#[test]
fn a_corrupted_share_file_is_refused() {
    let ev = simulated();
    let (s1, p1, s2, p2) = both_keyholders();
    let mut sealed: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&s1).unwrap()).unwrap();
    // Flip one character of the sealed ciphertext: the AEAD tag no longer
    // matches, which the file cannot tell apart from a wrong passphrase.
    let ct = sealed["ciphertext"].as_str().unwrap().to_string();
    let mut chars: Vec<char> = ct.chars().collect();
    chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
    sealed["ciphertext"] = serde_json::Value::String(chars.into_iter().collect());
    let bad = ev.path().join("corrupt.share");
    fs::write(&bad, serde_json::to_string(&sealed).unwrap()).unwrap();
    let o = unlock(ev.path(), &[(&bad, &p1), (&s2, &p2)], &[]);
    assert_refused(&o, "E-SHARE-PASSPHRASE", "corrupt.share");
    assert!(stderr(&o).contains("altered"), "{}", stderr(&o));
}

#[test]
fn the_same_share_twice_is_refused() {
    let ev = simulated();
    let (s1, p1, _s2, _p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&s1, &p1), (&s1, &p1)], &[]);
    assert_refused(&o, "E-SHARE-DUPLICATE", "keyholder-1.share");
}

#[test]
fn fewer_than_t_shares_are_refused() {
    let ev = simulated();
    let (s1, p1, _s2, _p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&s1, &p1)], &[]);
    assert_refused(&o, "E-TOO-FEW-SHARES", "2");
    assert!(!ev.path().join("tally.json").exists());
}

fn box_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("box.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_box(dir: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(dir.join("box.jsonl"), text).unwrap();
}

#[test]
fn a_tampered_box_record_is_refused() {
    let ev = simulated();
    let mut lines = box_lines(ev.path());
    // Move ballot 3 to another voter: its own line still parses, but the next
    // record's `prev` no longer matches.
    let mut rec: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
    assert_eq!(rec["record"], "ballot");
    rec["voter"] = serde_json::Value::String("someone-else".into());
    lines[3] = serde_json::to_string(&rec).unwrap();
    write_box(ev.path(), &lines);
    let (s1, p1, s2, p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&s1, &p1), (&s2, &p2)], &[]);
    assert_refused(&o, "E-BOX-CHAIN", "box.jsonl");
    assert!(stderr(&o).contains("line 5"), "{}", stderr(&o));
    assert!(!ev.path().join("tally.json").exists());
}

#[test]
fn a_reordered_box_is_refused() {
    let ev = simulated();
    let mut lines = box_lines(ev.path());
    lines.swap(4, 5);
    write_box(ev.path(), &lines);
    let (s1, p1, s2, p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&s1, &p1), (&s2, &p2)], &[]);
    assert_refused(&o, "E-BOX-SEQUENCE", "box.jsonl");
}

#[test]
fn a_count_without_room_for_its_scratch_files_is_refused_and_writes_nothing() {
    let ev = simulated();
    let nowhere = ev.path().join("no-such-dir");
    let (s1, p1, s2, p2) = both_keyholders();
    let mut args: Vec<String> = vec!["unlock".into()];
    args.extend(share_args(&[(&s1, &p1), (&s2, &p2)]));
    let o = Command::new(BIN)
        .arg("-d")
        .arg(ev.path())
        .args(&args)
        .env("TMPDIR", &nowhere)
        .output()
        .unwrap();
    assert_refused(&o, "E-FILE-WRITE", &nowhere.display().to_string());
    assert!(
        stderr(&o).contains("TMPDIR"),
        "the hint says what to do: {}",
        stderr(&o)
    );
    assert!(!ev.path().join("tally.json").exists());
    assert!(!ev.path().join("marked-roll.csv").exists());
}

#[test]
fn a_box_that_was_never_closed_is_refused() {
    let ev = simulated();
    let mut lines = box_lines(ev.path());
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last["record"], "seal");
    lines.pop();
    write_box(ev.path(), &lines);
    let (s1, p1, s2, p2) = both_keyholders();
    let o = unlock(ev.path(), &[(&s1, &p1), (&s2, &p2)], &[]);
    assert_refused(&o, "E-BOX-NOT-SEALED", "box.jsonl");
}

#[test]
fn a_ballot_for_a_referendum_the_voter_is_not_in_is_not_cast() {
    let ev = simulated();
    let dir = ev.path();
    let pass = dir.join("box-pass.txt");
    fs::write(&pass, "box operator passphrase\n").unwrap();
    let o = urne(
        dir,
        &[
            "box",
            "init",
            "--force",
            "--insecure-fast-kdf",
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let roll = fs::read_to_string(dir.join("roll.csv")).unwrap();
    let voter = roll
        .lines()
        .skip(1)
        .find(|l| l.ends_with(",sogne"))
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    // `urne encrypt` refuses it (the voter has no credential there), so the
    // ballot is made as a voting client that does not check would make it.
    let ballot = dir.join("ballot.json");
    fs::write(&ballot, example_ballot(&voter, "songdalen", 0)).unwrap();
    let before = fs::read(dir.join("box.jsonl")).unwrap();
    let o = urne(
        dir,
        &[
            "box",
            "cast",
            "--ballot",
            ballot.to_str().unwrap(),
            "--voter",
            &voter,
            "--referendum",
            "songdalen",
            "--at",
            "2027-01-25T10:00:00+01:00",
        ],
    );
    assert_refused(&o, "EV-NOT-IN-ROLL", &voter);
    assert_eq!(before, fs::read(dir.join("box.jsonl")).unwrap());

    // The same voter in their own referendum is cast; the box then closes and
    // takes no more ballots.
    let own = dir.join("own.json");
    assert_ok(&urne(
        dir,
        &[
            "encrypt",
            "--referendum",
            "sogne",
            "--voter",
            &voter,
            "--choice",
            "Nei",
            "--credential-file",
            code_file(dir, &voter).to_str().unwrap(),
            "--out",
            own.to_str().unwrap(),
        ],
    ));
    let cast = |b: &Path, who: &str| {
        urne(
            dir,
            &[
                "box",
                "cast",
                "--ballot",
                b.to_str().unwrap(),
                "--voter",
                who,
                "--referendum",
                "sogne",
                "--at",
                "2027-01-25T10:00:00+01:00",
            ],
        )
    };
    assert_ok(&cast(&own, &voter));
    // The same ballot replayed for another voter (and signed by them) fails
    // its proofs; signed by the first voter, its credential.
    let other = roll
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(",sogne"))
        .nth(1)
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    assert_refused(&cast(&own, &other), "EV-BAD-CREDENTIAL", "own.json");
    let replayed = dir.join("replayed.json");
    let own_text = fs::read_to_string(&own).unwrap();
    fs::write(&replayed, signed_by_voter(&own_text, "sogne", &other)).unwrap();
    assert_refused(
        &cast(&replayed, &other),
        "EV-INVALID-PROOF",
        "replayed.json",
    );
    assert_ok(&urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--at",
            "2027-02-02T21:00:00+01:00",
        ],
    ));
    assert_refused(&cast(&own, &voter), "E-BOX-SEALED", "box.jsonl");
}

#[test]
fn an_existing_output_is_not_overwritten_without_force() {
    let ev = simulated();
    let dir = ev.path();
    let ballot = dir.join("ballot.json");
    fs::write(&ballot, "keep me").unwrap();
    let o = urne(
        dir,
        &[
            "encrypt",
            "--referendum",
            "sogne",
            "--voter",
            "x",
            "--choice",
            "Ja",
            "--out",
            ballot.to_str().unwrap(),
        ],
    );
    assert_refused(&o, "E-FILE-EXISTS", "ballot.json");
    assert_eq!(fs::read_to_string(&ballot).unwrap(), "keep me");
    // Simulating again over an existing event is refused too.
    let o = urne(dir, &["simulate", "--voters", "5"]);
    assert_refused(&o, "E-FILE-EXISTS", "");
}

#[test]
fn key_test_records_who_passed() {
    let ev = simulated();
    let (s1, p1, _s2, _p2) = both_keyholders();
    let o = urne(
        ev.path(),
        &[
            "key",
            "test",
            "--share",
            s1.to_str().unwrap(),
            "--passphrase-file",
            p1.to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let rec = fs::read_to_string(ev.path().join("key-tests/keyholder-1.json")).unwrap();
    assert!(rec.contains("urne-key-test/1"), "{rec}");
    let log = fs::read_to_string(ev.path().join("ceremony-log.jsonl")).unwrap();
    assert!(log.contains("Kari Nordmann"), "{log}");
}

#[test]
fn the_demo_runs_end_to_end_and_counts_what_was_cast() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = Command::new(BIN)
        .args(["demo", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_ok(&o);
    let text = stdout(&o);
    assert!(
        text.contains("equal what the simulation cast"),
        "demo output: {text}"
    );
    assert!(text.contains("sogne") || text.contains("Søgne"), "{text}");
    let tally = read_tally(&out);
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("simulation.json")).unwrap()).unwrap();
    for (t, s) in tally["referendums"]
        .as_array()
        .unwrap()
        .iter()
        .zip(truth["referendums"].as_array().unwrap())
    {
        assert_counts_equal(t, s);
    }
}

#[test]
fn the_roll_and_postal_decisions_carry_pseudonyms_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::copy(
        root().join("examples/event/manifest.toml"),
        dir.join("manifest.toml"),
    )
    .unwrap();
    let ids = ["01017012345", "02028054321", "03039098765"];
    let mut register = String::from("national_id,referendum\n");
    for id in ids {
        register.push_str(&format!("{id},sogne\n"));
    }
    register.push_str("04040411111,songdalen\n");
    fs::write(dir.join("register.csv"), register).unwrap();
    let pass = dir.join("pass.txt");
    fs::write(&pass, "the authority's pseudonym key passphrase\n").unwrap();
    let p = pass.to_str().unwrap();
    let reg = dir.join("register.csv");
    assert_ok(&urne(
        dir,
        &[
            "roll",
            "pseudonymize",
            "--register",
            reg.to_str().unwrap(),
            "--new-key",
            "--insecure-fast-kdf",
            "--passphrase-file",
            p,
        ],
    ));
    let roll = fs::read_to_string(dir.join("roll.csv")).unwrap();
    assert_eq!(roll.lines().count(), 5, "{roll}");
    for id in ids {
        assert!(!roll.contains(id), "national id {id} leaked into the roll");
    }
    // The marked roll after e-voting: nobody voted electronically.
    fs::write(dir.join("marked-roll.csv"), "voter_id,referendum\n").unwrap();
    let env = dir.join("envelopes.csv");
    fs::write(
        &env,
        format!(
            "envelope_id,voter_id,received_at,referendum\n\
             E1,{},2027-02-01T10:00:00+01:00,sogne\n\
             E2,99999999999,2027-02-01T10:00:00+01:00,sogne\n\
             E3,{},2027-02-01T11:00:00+01:00,sogne\n",
            ids[0], ids[0]
        ),
    )
    .unwrap();
    let key = dir.join("pseudonym-key.sealed");
    assert_ok(&urne(
        dir,
        &[
            "postal",
            "trial",
            "--envelopes",
            env.to_str().unwrap(),
            "--pseudonym-key",
            key.to_str().unwrap(),
            "--passphrase-file",
            p,
        ],
    ));
    let trial = fs::read_to_string(dir.join("postal-trial.json")).unwrap();
    for id in ids.iter().chain(["99999999999"].iter()) {
        assert!(
            !trial.contains(id),
            "national id {id} in the published decisions"
        );
    }
    let t: serde_json::Value = serde_json::from_str(&trial).unwrap();
    let d = t["decisions"].as_array().unwrap();
    assert_eq!(d[0]["decision"], "approved");
    assert!(roll.contains(d[0]["voter"].as_str().unwrap()));
    assert_eq!(d[1]["reason"], "not_in_roll");
    assert_eq!(d[2]["reason"], "already_voted");
    assert_eq!(d[2]["voter"], d[0]["voter"]);
    // The same register and key give the same roll again.
    let again = urne(
        dir,
        &[
            "roll",
            "pseudonymize",
            "--register",
            reg.to_str().unwrap(),
            "--force",
            "--passphrase-file",
            p,
        ],
    );
    assert_ok(&again);
    assert_eq!(fs::read_to_string(dir.join("roll.csv")).unwrap(), roll);
}
