//! `urne box cast` against the box state: every counting rule refuses before
//! anything is appended, the state file is derived data (rebuilt when it is
//! missing or does not match the box), a torn last line is cut back with a
//! ceremony-log entry, one writer at a time, and `urne track` finds each
//! receipt's ballot after the count.

mod common;

use common::cli::{assert_ok, root, show, urne};
use common::credentials::{request, signed_by_voter};
use std::fs;
use std::path::Path;
use std::process::Output;

use curve25519_dalek::scalar::Scalar;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use urne::ballot::{self, BallotContext};
use urne::keys::ElectionKey;

pub const AT: &str = "2027-01-25T10:00:00+01:00";

fn assert_refused(o: &Output, code: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{}", show(o));
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("urne: error[{code}]"))),
        "expected {code}: {}",
        show(o)
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// A simulated event (the example manifest, policy single) with a new, open,
/// empty box.
fn open_event() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifest = root().join("examples/event/manifest.toml");
    let key = root().join("keys-example/election-key.json");
    assert_ok(&urne(
        dir,
        &[
            "simulate",
            "--manifest",
            manifest.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--voters",
            "30",
            "--bad",
            "1",
        ],
    ));
    fs::write(dir.join("box-pass.txt"), "box operator passphrase\n").unwrap();
    assert_ok(&urne(
        dir,
        &[
            "box",
            "init",
            "--force",
            "--insecure-fast-kdf",
            "--passphrase-file",
            dir.join("box-pass.txt").to_str().unwrap(),
        ],
    ));
    tmp
}

fn key() -> ElectionKey {
    let p = root().join("keys-example/election-key.json");
    ElectionKey::from_json(&fs::read_to_string(&p).unwrap(), "election-key.json").unwrap()
}

fn voters(dir: &Path, referendum: &str) -> Vec<String> {
    fs::read_to_string(dir.join("roll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(&format!(",{referendum}")))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// A ballot for option `choice` of a three-option referendum; with
/// `randomness`, those ciphertexts (a copy, re-proved for this voter).
fn ballot(
    voter: &str,
    referendum: &str,
    choice: usize,
    randomness: Option<&[Zeroizing<Scalar>]>,
) -> String {
    let k = key();
    let ctx = BallotContext {
        fingerprint: &k.fingerprint,
        referendum,
        voter,
    };
    let b = match randomness {
        Some(r) => ballot::encrypt_with_randomness(&k.key, &ctx, 3, choice, r, &mut OsRng),
        None => ballot::encrypt(&k.key, &ctx, 3, choice, &mut OsRng),
    }
    .unwrap();
    serde_json::to_string(&b).unwrap()
}

/// Casts `ballot_json` for `voter`, signed with that voter's credential.
fn cast(dir: &Path, ballot_json: &str, voter: &str, referendum: &str) -> Output {
    let p = dir.join(format!("ballot-{voter}.json"));
    fs::write(&p, signed_by_voter(ballot_json, referendum, voter)).unwrap();
    urne(
        dir,
        &[
            "box",
            "cast",
            "--ballot",
            p.to_str().unwrap(),
            "--voter",
            voter,
            "--referendum",
            referendum,
            "--at",
            AT,
        ],
    )
}

fn box_bytes(dir: &Path) -> Vec<u8> {
    fs::read(dir.join("box.jsonl")).unwrap()
}

fn tracker_of(o: &Output) -> String {
    let out = String::from_utf8_lossy(&o.stdout);
    out.split("tracker ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no tracker in {out}"))
        .to_string()
}

#[test]
fn every_rule_refuses_before_appending_and_the_state_survives_deletion() {
    let ev = open_event();
    let dir = ev.path();
    let v = voters(dir, "sogne");
    // One scalar per ciphertext: a packed three-option ballot has one.
    let r: Vec<Zeroizing<Scalar>> = (0..ballot::Encoding::for_options(3).randomness(3))
        .map(|_| Zeroizing::new(Scalar::from(rand::random::<u64>())))
        .collect();
    let first = cast(dir, &ballot(&v[0], "sogne", 0, Some(&r)), &v[0], "sogne");
    assert_ok(&first);
    assert!(
        dir.join("box.jsonl.state").exists(),
        "the state file is kept"
    );
    let before = box_bytes(dir);
    // The same ciphertexts, re-proved for another voter: a copied ballot.
    assert_refused(
        &cast(dir, &ballot(&v[1], "sogne", 0, Some(&r)), &v[1], "sogne"),
        "EV-COPIED-BALLOT",
    );
    // A second e-vote under `single`.
    assert_refused(
        &cast(dir, &ballot(&v[0], "sogne", 1, None), &v[0], "sogne"),
        "EV-ALREADY-VOTED",
    );
    // Another voter's ballot replayed: its proofs fail.
    let b2 = ballot(&v[2], "sogne", 2, None);
    assert_refused(&cast(dir, &b2, &v[3], "sogne"), "EV-INVALID-PROOF");
    // Not on the roll; outside the window.
    assert_refused(
        &cast(dir, &ballot("nobody", "sogne", 0, None), "nobody", "sogne"),
        "EV-NOT-IN-ROLL",
    );
    let p = dir.join("late.json");
    fs::write(&p, ballot(&v[4], "sogne", 0, None)).unwrap();
    assert_refused(
        &urne(
            dir,
            &[
                "box",
                "cast",
                "--ballot",
                p.to_str().unwrap(),
                "--voter",
                &v[4],
                "--referendum",
                "sogne",
                "--at",
                "2027-02-02T21:00:00+01:00",
            ],
        ),
        "EV-OUTSIDE-WINDOW",
    );
    assert_eq!(before, box_bytes(dir), "nothing refused was appended");

    // Without its state file, or with a damaged one, the box still knows.
    fs::remove_file(dir.join("box.jsonl.state")).unwrap();
    assert_refused(
        &cast(dir, &ballot(&v[1], "sogne", 0, Some(&r)), &v[1], "sogne"),
        "EV-COPIED-BALLOT",
    );
    let mut state = fs::read(dir.join("box.jsonl.state")).unwrap();
    state[20] ^= 0xff;
    fs::write(dir.join("box.jsonl.state"), &state).unwrap();
    let again = cast(dir, &ballot(&v[0], "sogne", 1, None), &v[0], "sogne");
    assert_refused(&again, "EV-ALREADY-VOTED");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("rebuilt"),
        "a rebuild is said: {}",
        show(&again)
    );
    assert_ok(&cast(dir, &b2, &v[2], "sogne"));

    // A state file that belongs to an older box (the box replaced under it)
    // is not believed either.
    let state_then = fs::read(dir.join("box.jsonl.state")).unwrap();
    assert_ok(&cast(dir, &ballot(&v[5], "sogne", 0, None), &v[5], "sogne"));
    let lines: Vec<String> = String::from_utf8(box_bytes(dir))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    fs::write(dir.join("box.jsonl.state"), state_then).unwrap();
    // v[5]'s second ballot: the stale state would not know v[5] voted.
    assert_refused(
        &cast(dir, &ballot(&v[5], "sogne", 1, None), &v[5], "sogne"),
        "EV-ALREADY-VOTED",
    );
    assert_eq!(lines.len(), 4, "header and three ballots");
}

#[test]
fn a_torn_last_line_is_cut_back_and_logged_never_silently() {
    let ev = open_event();
    let dir = ev.path();
    let v = voters(dir, "sogne");
    assert_ok(&cast(dir, &ballot(&v[0], "sogne", 0, None), &v[0], "sogne"));
    let whole = box_bytes(dir);
    // A crash in the middle of an append: half a line, no newline.
    let half = b"{\"record\":\"ballot\",\"seq\":2,\"prev\":\"00";
    let mut torn = whole.clone();
    torn.extend_from_slice(half);
    fs::write(dir.join("box.jsonl"), &torn).unwrap();
    let o = cast(dir, &ballot(&v[1], "sogne", 1, None), &v[1], "sogne");
    assert_ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("W-BOX-TORN-LINE"), "{err}");
    let after = box_bytes(dir);
    assert_eq!(&after[..whole.len()], &whole[..], "what was whole stays");
    assert!(!String::from_utf8_lossy(&after).contains("\"prev\":\"00{"));
    let log = fs::read_to_string(dir.join("ceremony-log.jsonl")).unwrap();
    let entry = log.lines().last().unwrap();
    assert!(entry.contains("\"step\":\"box-repair\""), "{entry}");
    assert!(
        entry.contains(&format!("{} bytes at byte {}", half.len(), whole.len())),
        "{entry}"
    );
    // The chain holds: the box closes and counts both ballots.
    assert_ok(&urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            dir.join("box-pass.txt").to_str().unwrap(),
            "--at",
            "2027-02-02T21:00:00+01:00",
        ],
    ));
    let text = String::from_utf8(box_bytes(dir)).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text.lines().last().unwrap().contains("\"ballots\":2"));
}

#[test]
fn one_writer_at_a_time() {
    let ev = open_event();
    let dir = ev.path();
    let v = voters(dir, "sogne");
    let held = urne::ballot_box::intake::BoxLock::take(&dir.join("box.jsonl")).unwrap();
    let before = box_bytes(dir);
    assert_refused(
        &cast(dir, &ballot(&v[0], "sogne", 0, None), &v[0], "sogne"),
        "E-BOX-LOCKED",
    );
    assert_eq!(before, box_bytes(dir));
    drop(held);
    assert_ok(&cast(dir, &ballot(&v[0], "sogne", 0, None), &v[0], "sogne"));
}

#[test]
fn a_batch_casts_in_order_and_names_each_refusal_then_track_finds_each_receipt() {
    let ev = open_event();
    let dir = ev.path();
    let v = voters(dir, "sogne");
    let w = voters(dir, "songdalen");
    let line =
        |voter: &str, referendum: &str, b: String| format!("{}\n", request(voter, referendum, &b));
    let mut batch = String::new();
    for voter in &v[..5] {
        batch.push_str(&line(voter, "sogne", ballot(voter, "sogne", 0, None)));
    }
    batch.push_str(&line(
        &w[0],
        "songdalen",
        ballot(&w[0], "songdalen", 1, None),
    ));
    // Refused: v[0] again (single), and a ballot for the wrong voter.
    batch.push_str(&line(&v[0], "sogne", ballot(&v[0], "sogne", 2, None)));
    batch.push_str(&line(&v[6], "sogne", ballot(&v[7], "sogne", 2, None)));
    let file = dir.join("batch.jsonl");
    fs::write(&file, batch).unwrap();
    let o = urne(
        dir,
        &["box", "cast", "--batch", file.to_str().unwrap(), "--at", AT],
    );
    assert_refused(&o, "EV-ALREADY-VOTED");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("batch.jsonl, line 7"), "{err}");
    assert!(
        err.contains("error[EV-INVALID-PROOF]") && err.contains("batch.jsonl, line 8"),
        "{err}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("6 of 8 ballots cast, 2 refused"), "{out}");
    let text = String::from_utf8(box_bytes(dir)).unwrap();
    assert_eq!(text.lines().count(), 7);

    // A voter's receipt, after the count.
    let trackers: Vec<String> = out
        .lines()
        .filter_map(|l| l.split("tracker ").nth(1).map(String::from))
        .collect();
    assert_eq!(trackers.len(), 6);
    assert_ok(&urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            dir.join("box-pass.txt").to_str().unwrap(),
            "--at",
            "2027-02-02T21:00:00+01:00",
        ],
    ));
    let o = urne(
        dir,
        &["track", &trackers[2].to_lowercase(), dir.to_str().unwrap()],
    );
    assert_ok(&o);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("counted"), "{said}");
    assert!(said.contains("ballot 3"), "{said}");
    assert!(
        !said.contains("Ja") && !said.contains(&v[2]),
        "says nothing of the vote or voter: {said}"
    );
    // A code that is in no ballot.
    let o = urne(
        dir,
        &["track", "0000-0000-0000-0000", dir.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("not in the sealed box"),
        "{}",
        show(&o)
    );
    let o = urne(dir, &["track", "not-a-code", dir.to_str().unwrap()]);
    assert_refused(&o, "E-TRACKER-CODE");
}

#[test]
fn a_single_cast_prints_a_tracker_that_names_its_line() {
    let ev = open_event();
    let dir = ev.path();
    let v = voters(dir, "sogne");
    let o = cast(dir, &ballot(&v[0], "sogne", 0, None), &v[0], "sogne");
    assert_ok(&o);
    let t = tracker_of(&o);
    let text = String::from_utf8(box_bytes(dir)).unwrap();
    let line = text.lines().nth(1).unwrap();
    let h = urne::ballot_box::line_hash(line.as_bytes());
    assert_eq!(urne::ballot_box::tracker::code(&h), t);
}

#[test]
fn simulate_fixes_the_split_and_its_box_counts_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifest = root().join("examples/event/manifest.toml");
    let ex = |n: &str| root().join("keys-example").join(n);
    assert_ok(&urne(
        dir,
        &[
            "simulate",
            "--manifest",
            manifest.to_str().unwrap(),
            "--key",
            ex("election-key.json").to_str().unwrap(),
            "--voters",
            "100",
            "--bad",
            "1",
            "--revote",
            "0.3",
            "--split",
            "sogne=50,30,20",
            "--split",
            "songdalen=0,1,1",
        ],
    ));
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("simulation.json")).unwrap()).unwrap();
    // 60 voters each (turnout 0.6), their counted votes split exactly; the
    // re-votes are in the box but not counted (policy single).
    let votes = |i: usize| truth["referendums"][i]["votes"].clone();
    assert_eq!(votes(0), serde_json::json!([30, 18, 12]));
    assert_eq!(votes(1), serde_json::json!([0, 30, 30]));
    assert!(
        truth["referendums"][0]["rejected"]["already_voted_electronically"]
            .as_u64()
            .unwrap()
            > 5
    );
    assert!(
        !dir.join("box.jsonl.lock").exists()
            || urne::ballot_box::intake::BoxLock::take(&dir.join("box.jsonl")).is_ok()
    );
    // The count finds what simulate says it cast.
    let o = urne(
        dir,
        &[
            "unlock",
            "--share",
            ex("keyholder-1.share").to_str().unwrap(),
            "--share",
            ex("keyholder-2.share").to_str().unwrap(),
            "--passphrase-file",
            ex("passphrase-1.txt").to_str().unwrap(),
            "--passphrase-file",
            ex("passphrase-2.txt").to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let tally: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("tally.json")).unwrap()).unwrap();
    for i in 0..2 {
        let got: Vec<u64> = tally["referendums"][i]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["votes"].as_u64().unwrap())
            .collect();
        let want: Vec<u64> = serde_json::from_value(votes(i)).unwrap();
        assert_eq!(got, want);
    }
    let o = urne(
        dir,
        &[
            "simulate",
            "--split",
            "sogne=1,2",
            "--voters",
            "10",
            "--force",
        ],
    );
    assert_refused(&o, "E-SIMULATE-SPLIT");
}
