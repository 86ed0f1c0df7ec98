//! The count streams a box in chunks of 4,096 lines through a pipeline
//! (check chunk n while chunk n − 1 is applied and chunk n + 1 read): a box of
//! several chunks counts what was cast, hashes the file as it is, and an
//! error is reported at the first bad line whichever chunk it falls in, before
//! any error in reading further on.

use std::path::Path;

mod common;

use common::library::simulate_box;
use urne::event::{Manifest, Roll};
use urne::keys::ElectionKey;
use urne::simulate::{Spec, Truth};
use urne::tally::{self, BoxCount, CountInputs, TallyError};

/// The count's chunk, as src/tally.rs has it; the box below spans three.
const CHUNK: usize = 4096;

fn manifest() -> Manifest {
    let text = r#"format = "urne-manifest/1"
event = "pipeline-test"
title = "t"
authority = "a"
voting_opens = "2027-01-22T09:00:00+01:00"
voting_closes = "2027-02-02T21:00:00+01:00"
postal_deadline = "2027-02-03T17:00:00+01:00"
evote_policy = "last_counts"
threshold = 1
keyholders = ["K1"]

[[referendum]]
id = "north"
area = "North"
question = "Q?"
options = ["Ja", "Nei", "Blank"]
"#;
    Manifest::parse(text, "manifest.toml").unwrap()
}

struct Event {
    manifest: Manifest,
    roll: Roll,
    key: ElectionKey,
    truth: Truth,
}

fn event(dir: &Path) -> Event {
    let manifest = manifest();
    let spec = Spec {
        entitled: vec![7_500],
        turnout: 1.0,
        revote: 0.3,
        bad_each: 2,
        seed: 11,
        split: Vec::new(),
    };
    let b = simulate_box(dir, &manifest, 1, &spec);
    Event {
        manifest,
        roll: b.roll,
        key: b.key,
        truth: b.truth,
    }
}

fn count(e: &Event, path: &Path) -> Result<BoxCount, TallyError> {
    let inputs = CountInputs {
        manifest: &e.manifest,
        roll: &e.roll,
        key: &e.key,
        credentials: None,
    };
    tally::count_box(path, &inputs, &|_| {})
}

/// The box's lines, each with its terminator.
fn lines(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .unwrap()
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn a_box_of_several_chunks_is_counted_whole_and_its_first_error_is_the_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path());
    let path = dir.path().join("box.jsonl");
    let all = lines(&path);
    assert!(
        all.len() > 2 * CHUNK + 100,
        "{} lines: the box must span three chunks",
        all.len()
    );

    // Counted whole: every figure the simulation cast, and the file's hash.
    let c = count(&e, &path).unwrap();
    let t = &e.truth.referendums[0];
    assert_eq!(c.ballots, e.truth.ballots);
    let f = &c.figures[0];
    assert_eq!(
        (f.received, f.counted, f.superseded, &f.rejected),
        (t.received, t.counted, t.superseded, &t.rejected)
    );
    assert_eq!(c.statuses.len() as u64, e.truth.ballots);
    assert_eq!(
        c.sha256.hex(),
        urne::fsio::sha256_hex(&std::fs::read(&path).unwrap())
    );

    // A record dropped in the first chunk, the second or the third, with the
    // box cut short in the third: the dropped record is named (it comes
    // first), never the cut; without a dropped record, the cut is named.
    let last = all.len() as u64;
    for dropped in [
        Some(100usize),
        Some(CHUNK + 300),
        Some(2 * CHUNK + 10),
        None,
    ] {
        let mut bytes: Vec<u8> = Vec::new();
        for (i, l) in all.iter().enumerate() {
            if Some(i + 1) != dropped {
                bytes.extend_from_slice(l);
            }
        }
        // Cut in the middle of the last ballot line (the seal is dropped too).
        bytes.truncate(bytes.len() - all[all.len() - 1].len() - 40);
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(&bad, &bytes).unwrap();
        let err = count(&e, &bad)
            .expect_err("a broken box was counted")
            .to_string();
        match dropped {
            Some(line) => {
                assert!(
                    err.contains(&format!("line {line}")) && !err.contains("cut short"),
                    "record {line} dropped: {err}"
                );
            }
            None => {
                assert!(
                    err.contains(&format!("line {}", last - 1)) && err.contains("cut short"),
                    "cut only: {err}"
                );
            }
        }
    }
}
