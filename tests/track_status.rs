//! `urne track` on every ballot of a simulated box, under both e-vote
//! policies: the statuses it prints (counted, superseded by a later ballot,
//! rejected with the rule) add up to what the count of that box gives, as
//! `simulate` records it in simulation.json, and it never prints the voter.

mod common;

use common::cli::{show, urne};
use std::collections::BTreeMap;
use std::fs;

fn statuses_tracked(policy: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (p1, p2) = (dir.join("p1.txt"), dir.join("p2.txt"));
    fs::write(&p1, "keyholder one passphrase\n").unwrap();
    fs::write(&p2, "keyholder two passphrase\n").unwrap();
    let o = urne(
        dir,
        &[
            "simulate",
            "--voters",
            "40",
            "--turnout",
            "0.7",
            "--revote",
            "0.3",
            "--bad",
            "1",
            "--policy",
            policy,
            "--insecure-fast-kdf",
            "--passphrase-file",
            p1.to_str().unwrap(),
            "--passphrase-file",
            p2.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", show(&o));
    let sim: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("simulation.json")).unwrap()).unwrap();
    let r = &sim["referendums"][0];
    let voters: Vec<String> = fs::read_to_string(dir.join("roll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();

    let text = fs::read_to_string(dir.join("box.jsonl")).unwrap();
    let ballots: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("{\"record\":\"ballot\""))
        .collect();
    assert_eq!(ballots.len() as u64, sim["ballots"].as_u64().unwrap());
    let mut counted = 0u64;
    let mut superseded = 0u64;
    let mut rejected: BTreeMap<String, u64> = BTreeMap::new();
    for (i, line) in ballots.iter().enumerate() {
        let seq = i as u64 + 1;
        let code = urne::ballot_box::tracker::code(&urne::ballot_box::line_hash(line.as_bytes()));
        let o = urne(dir, &["track", &code, dir.to_str().unwrap()]);
        assert!(o.status.success(), "ballot {seq}: {}", show(&o));
        let said = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            said.contains(&format!("ballot {seq} (line {})", seq + 1)),
            "{said}"
        );
        assert!(
            !voters.iter().any(|v| said.contains(v.as_str())),
            "the voter is not named: {said}"
        );
        let status = said
            .lines()
            .find_map(|l| l.trim().strip_prefix("status: "))
            .unwrap_or_else(|| panic!("no status: {said}"));
        if status == "counted" {
            counted += 1;
        } else if let Some(rest) = status.strip_prefix("superseded by the voter's later ballot ") {
            let later: u64 = rest.split_whitespace().next().unwrap().parse().unwrap();
            assert!(later > seq, "ballot {seq} superseded by {later}");
            superseded += 1;
        } else if let Some(rest) = status.strip_prefix("rejected, ") {
            let why = rest.split_whitespace().next().unwrap();
            assert!(rest.contains("(EV-"), "the rule's code: {status}");
            *rejected.entry(why.to_string()).or_default() += 1;
        } else {
            panic!("ballot {seq}: unknown status {status:?}");
        }
    }
    assert_eq!(counted, r["counted"].as_u64().unwrap(), "{policy}: counted");
    assert_eq!(
        superseded,
        r["superseded"].as_u64().unwrap(),
        "{policy}: superseded"
    );
    let want: BTreeMap<String, u64> = r["rejected"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64() != Some(0))
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(rejected, want, "{policy}: rejected, by rule");
    // The box holds every kind this test is about.
    assert!(counted > 0 && !rejected.is_empty(), "{policy}");
    match policy {
        "last_counts" => assert!(superseded > 0),
        _ => assert!(rejected.contains_key("already_voted_electronically")),
    }
}

#[test]
fn track_gives_each_ballot_the_status_the_count_gives_under_last_counts() {
    statuses_tracked("last_counts");
}

#[test]
fn track_gives_each_ballot_the_status_the_count_gives_under_single() {
    statuses_tracked("single");
}
