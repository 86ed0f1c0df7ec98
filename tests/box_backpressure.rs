//! The receiving service's backpressure (docs/SPEC.md, "Receiving service"):
//! with `queue = 1` and `batch = 1` at most four ballots are in the service
//! at once (one waiting, one being checked, one handed to the writer, one
//! being written and synced), so a burst of forty concurrent casts must be
//! answered in part with `503 E-BOX-BUSY` and an integer `Retry-After` at
//! once, rather than queued. A busy answer casts nothing; every ballot
//! acknowledged is in the box at the line its receipt names; the chain holds.
//!
//! No timing is assumed: bursts are repeated (each with new voters) until one
//! has drawn a 503, up to [`MAX_BURSTS`]; a service that never answers busy
//! under that load fails the test.

mod common;

use common::box_serve::{answer, event, key, request, send, start, stop, voters, TOKEN};
use common::cli::assert_ok;
use std::collections::BTreeMap;
use std::fs;

/// Concurrent casts a burst.
const BURST: usize = 40;
/// Bursts at most before the test gives up on seeing a 503.
const MAX_BURSTS: usize = 10;

#[test]
fn a_full_queue_answers_503_with_retry_after_and_casts_nothing() {
    let per_referendum = (BURST * MAX_BURSTS / 2) as u64;
    let ev = event(per_referendum, "queue = 1\nbatch = 1");
    let dir = ev.path();
    let k = key();
    let mut ballots: Vec<(String, String)> = Vec::new();
    for referendum in ["sogne", "songdalen"] {
        for (i, voter) in voters(dir, referendum).into_iter().enumerate() {
            ballots.push((voter.clone(), request(&k, &voter, referendum, i % 3)));
        }
    }
    assert!(ballots.len() >= BURST * MAX_BURSTS);
    let svc = start(dir);

    // Per voter: the (seq, tracker) of its receipt, or None if it was refused busy.
    let mut outcome: BTreeMap<String, Option<(u64, String)>> = BTreeMap::new();
    let mut busy = 0;
    for burst in ballots.chunks(BURST).take(MAX_BURSTS) {
        // Every request is sent whole before any answer is read, so the
        // service has all forty at once.
        let open: Vec<_> = burst
            .iter()
            .map(|(voter, body)| {
                (
                    voter,
                    send(svc.addr, "POST", "/ballots", Some(TOKEN), body.as_bytes()),
                )
            })
            .collect();
        for (voter, conn) in open {
            let r = answer(conn);
            let got = match r.status {
                200 => Some((
                    r.body["seq"].as_u64().unwrap(),
                    r.body["tracker"].as_str().unwrap().to_string(),
                )),
                503 => {
                    assert_eq!(r.code(), "E-BOX-BUSY", "{:?}", r.body);
                    let after = r.header("Retry-After").expect("a Retry-After header");
                    let secs: u64 = after
                        .parse()
                        .unwrap_or_else(|_| panic!("Retry-After {after:?} is whole seconds"));
                    assert!(secs >= 1, "Retry-After {secs}");
                    busy += 1;
                    None
                }
                other => panic!("{voter}: unexpected {other} {:?}", r.body),
            };
            outcome.insert(voter.clone(), got);
        }
        if busy > 0 {
            break;
        }
    }
    assert!(
        busy > 0,
        "{} casts in bursts of {BURST} into a queue of 1 drew no 503",
        outcome.len()
    );
    assert_ok(&stop(svc));

    // The box holds exactly the acknowledged ballots, each at its receipt's line.
    let st = urne::ballot_box::scan(&dir.join("box.jsonl")).expect("the chain holds");
    let text = fs::read_to_string(dir.join("box.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let acked: Vec<_> = outcome
        .iter()
        .filter_map(|(v, o)| Some((v, o.as_ref()?)))
        .collect();
    assert!(!acked.is_empty(), "some ballots were taken");
    assert_eq!(st.ballots, acked.len() as u64, "acknowledged = lines");
    for (voter, (seq, tracker)) in &acked {
        let line = lines[usize::try_from(*seq).unwrap() - 1];
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(rec["voter"].as_str(), Some(voter.as_str()), "ballot {seq}");
        let h = urne::ballot_box::line_hash(line.as_bytes());
        assert_eq!(&urne::ballot_box::tracker::code(&h), tracker);
    }
    let in_box: std::collections::BTreeSet<String> = lines
        .iter()
        .filter_map(|l| {
            let rec: serde_json::Value = serde_json::from_str(l).ok()?;
            Some(rec["voter"].as_str()?.to_string())
        })
        .collect();
    for (voter, o) in &outcome {
        if o.is_none() {
            assert!(
                !in_box.contains(voter),
                "{voter} was answered 503 but its ballot is in the box"
            );
        }
    }
    eprintln!(
        "{} casts, {} acknowledged, {busy} answered 503",
        outcome.len(),
        acked.len()
    );
}
