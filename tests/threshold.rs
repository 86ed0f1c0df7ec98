//! The unlock, end to end through the library: a simulated box counted and
//! decrypted with every subset of keyholders, forged partials caught, and the
//! counts equal to what the simulation cast under both e-vote policies.

use std::path::Path;

mod common;

use common::library::simulate_box;

use rand::rngs::OsRng;
use urne::crypto::shamir::SecretShare;
use urne::event::{Manifest, Roll};
use urne::keys::ElectionKey;
use urne::simulate::{Spec, Truth};
use urne::tally::{self, BoxCount, CountInputs, PartialDecryption, TallyError};

fn manifest(policy: &str, threshold: u32, keyholders: usize) -> Manifest {
    let names: Vec<String> = (1..=keyholders).map(|i| format!("\"K{i}\"")).collect();
    let text = format!(
        r#"format = "urne-manifest/1"
event = "threshold-test"
title = "t"
authority = "a"
voting_opens = "2027-01-22T09:00:00+01:00"
voting_closes = "2027-02-02T21:00:00+01:00"
postal_deadline = "2027-02-03T17:00:00+01:00"
evote_policy = "{policy}"
threshold = {threshold}
keyholders = [{}]

[[referendum]]
id = "north"
area = "North"
question = "Q?"
options = ["Ja", "Nei", "Blank"]

[[referendum]]
id = "south"
area = "South"
question = "Q?"
options = ["Yes", "No"]
"#,
        names.join(", ")
    );
    Manifest::parse(&text, "manifest.toml").unwrap()
}

struct Event {
    manifest: Manifest,
    roll: Roll,
    key: ElectionKey,
    shares: Vec<SecretShare>,
    count: BoxCount,
    truth: Truth,
}

fn event(dir: &Path, policy: &str, t: u32, n: usize, voters: u64) -> Event {
    let manifest = manifest(policy, t, n);
    let spec = Spec {
        entitled: vec![voters, voters / 2],
        turnout: 0.8,
        revote: 0.2,
        bad_each: 2,
        seed: 7,
        split: Vec::new(),
    };
    let b = simulate_box(dir, &manifest, t, &spec);
    let inputs = CountInputs {
        manifest: &manifest,
        roll: &b.roll,
        key: &b.key,
        credentials: None,
    };
    let count = tally::count_box(&b.path, &inputs, &|_| {}).unwrap();
    Event {
        manifest,
        roll: b.roll,
        key: b.key,
        shares: b.shares,
        count,
        truth: b.truth,
    }
}

fn partial(e: &Event, i: usize) -> (String, PartialDecryption) {
    (
        format!("partial-{}", i + 1),
        tally::partial_decrypt(
            &e.key,
            &e.manifest,
            &e.count,
            &e.shares[i],
            "now".into(),
            &mut OsRng,
        ),
    )
}

fn votes(c: &tally::Combined) -> Vec<Vec<u64>> {
    c.results
        .iter()
        .map(|r| r.iter().map(|o| o.votes).collect())
        .collect()
}

fn truth_votes(t: &Truth) -> Vec<Vec<u64>> {
    t.referendums.iter().map(|r| r.votes.clone()).collect()
}

#[test]
fn every_subset_of_t_out_of_n_gives_the_same_result_and_t_minus_one_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path(), "last_counts", 3, 5, 40);
    let all: Vec<_> = (0..5).map(|i| partial(&e, i)).collect();
    let expected = truth_votes(&e.truth);
    let mut subsets = 0;
    for a in 0..5 {
        for b in a + 1..5 {
            for c in b + 1..5 {
                let chosen = vec![all[a].clone(), all[b].clone(), all[c].clone()];
                let combined = tally::combine(&e.key, &e.manifest, &e.count, chosen).unwrap();
                assert_eq!(votes(&combined), expected, "keyholders {a} {b} {c}");
                subsets += 1;
            }
            let two = vec![all[a].clone(), all[b].clone()];
            assert!(matches!(
                tally::combine(&e.key, &e.manifest, &e.count, two),
                Err(TallyError::TooFewPartials {
                    valid: 2,
                    threshold: 3
                })
            ));
        }
    }
    assert_eq!(subsets, 10);
    // All five at once give the same result too.
    let combined = tally::combine(&e.key, &e.manifest, &e.count, all).unwrap();
    assert_eq!(votes(&combined), expected);
}

#[test]
fn a_forged_partial_decryption_is_caught_by_its_proof_and_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path(), "single", 2, 3, 30);
    let (name, mut forged) = partial(&e, 0);
    // Shift one decryption share: the keyholder claims a different D.
    let d = forged.referendums[0].shares[0].d.decode().unwrap();
    forged.referendums[0].shares[0].d = urne::crypto::encoding::Elem::from_point(
        &(d + curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT),
    );
    let honest = vec![partial(&e, 1), partial(&e, 2)];
    let mut given = vec![(name.clone(), forged.clone())];
    given.extend(honest.clone());
    let combined = tally::combine(&e.key, &e.manifest, &e.count, given).unwrap();
    assert_eq!(combined.set_aside.len(), 1);
    assert_eq!(combined.set_aside[0].keyholder, 1);
    assert_eq!(combined.set_aside[0].source, name);
    assert_eq!(combined.used, vec![2, 3]);
    assert_eq!(votes(&combined), truth_votes(&e.truth));
    // With only the forged one and one honest one, there are too few.
    let short = vec![(name, forged), honest[0].clone()];
    assert!(matches!(
        tally::combine(&e.key, &e.manifest, &e.count, short),
        Err(TallyError::TooFewPartials {
            valid: 1,
            threshold: 2
        })
    ));
}

#[test]
fn a_partial_made_with_another_keyholders_share_is_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path(), "single", 2, 3, 20);
    // Keyholder 3's share used under keyholder 1's name.
    let impostor = SecretShare::new(1, *e.shares[2].value());
    let p = tally::partial_decrypt(
        &e.key,
        &e.manifest,
        &e.count,
        &impostor,
        "now".into(),
        &mut OsRng,
    );
    let given = vec![("impostor".to_string(), p), partial(&e, 1), partial(&e, 2)];
    let combined = tally::combine(&e.key, &e.manifest, &e.count, given).unwrap();
    assert_eq!(combined.set_aside.len(), 1);
    assert!(combined.set_aside[0]
        .reason
        .contains("proofs do not verify"));
}

#[test]
fn the_same_keyholders_partial_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path(), "single", 2, 2, 10);
    let p = partial(&e, 0);
    assert!(matches!(
        tally::combine(&e.key, &e.manifest, &e.count, vec![p.clone(), p]),
        Err(TallyError::DuplicatePartial { index: 1, .. })
    ));
}

fn assert_figures_match(e: &Event) {
    for (f, t) in e.count.figures.iter().zip(&e.truth.referendums) {
        assert_eq!(
            (f.received, f.counted, f.superseded),
            (t.received, t.counted, t.superseded),
            "{}",
            t.id
        );
        assert_eq!(f.rejected, t.rejected, "{}", t.id);
        assert_eq!(f.received, f.counted + f.superseded + f.rejected_total());
    }
}

#[test]
fn counts_equal_the_simulation_under_last_counts() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path(), "last_counts", 2, 2, 60);
    assert_figures_match(&e);
    assert!(e.count.figures[0].superseded > 0, "the simulation re-votes");
    let combined = tally::combine(
        &e.key,
        &e.manifest,
        &e.count,
        vec![partial(&e, 0), partial(&e, 1)],
    )
    .unwrap();
    assert_eq!(votes(&combined), truth_votes(&e.truth));
    // The marked roll holds exactly the voters with a counted e-vote.
    let marked = &e.count.marked;
    for (&m, f) in marked.counts().iter().zip(&e.count.figures) {
        assert_eq!(m, f.counted);
    }
    let mut lines = std::collections::HashSet::new();
    marked
        .for_each(|r, v| {
            assert!(e.roll.contains(&e.manifest.referendums()[r].id, v), "{v}");
            assert!(lines.insert((r, v.to_string())), "{v} marked twice");
        })
        .unwrap();
    assert_eq!(lines.len() as u64, marked.len());
    let mut csv = Vec::new();
    marked.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count() as u64, marked.len() + 1);
    assert!(csv.starts_with("voter_id,referendum\n"));
    assert!(e.roll.entitled("north") > 0);
}

#[test]
fn counts_equal_the_simulation_under_single() {
    let dir = tempfile::tempdir().unwrap();
    let e = event(dir.path(), "single", 2, 2, 60);
    assert_figures_match(&e);
    assert_eq!(e.count.figures[0].superseded, 0);
    assert!(e.count.figures[0].rejected["already_voted_electronically"] > 0);
    let combined = tally::combine(
        &e.key,
        &e.manifest,
        &e.count,
        vec![partial(&e, 1), partial(&e, 0)],
    )
    .unwrap();
    assert_eq!(votes(&combined), truth_votes(&e.truth));
}
