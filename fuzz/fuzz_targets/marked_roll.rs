//! The marked roll (`marked-roll.csv`), as the postal trial reads it, against
//! the example manifest.
//!
//! Invariants: a refusal names the file and the line; reading it whole and
//! reading only the senders' marks (what the trial does at national scale)
//! agree on every sender.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::postal::{Envelope, MarkedRoll};
use urne_fuzz::{manifest, refused_at_line, FILE};

fuzz_target!(|data: &[u8]| {
    let m = manifest();
    match MarkedRoll::parse(data, FILE, m) {
        Err(e) => {
            refused_at_line(&e);
        }
        Ok(whole) => {
            let text = String::from_utf8_lossy(data);
            let pairs: Vec<(String, String)> = text
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(','))
                .map(|(v, r)| (v.to_string(), r.to_string()))
                .take(64)
                .collect();
            let envelopes: Vec<Envelope> = pairs
                .iter()
                .enumerate()
                .map(|(i, (v, r))| Envelope {
                    id: format!("e{i}"),
                    voter: Some(v.clone()),
                    received_at: m.voting_opens,
                    received_text: String::new(),
                    referendum: r.clone(),
                    line: 0,
                })
                .collect();
            let senders = MarkedRoll::parse_for(data, FILE, m, &envelopes)
                .expect("what parses whole parses for the senders");
            for (v, r) in &pairs {
                assert_eq!(senders.contains(r, v), whole.contains(r, v), "{v},{r}");
            }
        }
    }
});
