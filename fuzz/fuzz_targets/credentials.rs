//! The public credential list (`credentials.jsonl`, `urne-credentials/1`) as
//! the count, verify and the box read it, against the example event's name
//! and key and a small roll; and a typed credential code (the input's first
//! line, when it is short enough to be one).
//!
//! Invariants: a refusal names the file and a line; an accepted list's hash
//! is the SHA-256 of the input bytes, its count is its header's, and each
//! voter line's key is the key found at every roll slot of that voter; a
//! code that parses is shown in a form that parses back to the same code.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use urne::credentials::{CredentialCode, CredentialList, ListEntry};
use urne::crypto::encoding::sha256;
use urne::event::Roll;
use urne_fuzz::{key, manifest, refused_at_line, text, FILE};

/// Voters `sogne-000001`…`08` and `songdalen-000001`…`08`, each on their
/// referendum's roll (fuzz/seed writes lists for them).
fn roll() -> &'static Roll {
    static R: OnceLock<Roll> = OnceLock::new();
    R.get_or_init(|| {
        let entries = ["sogne", "songdalen"]
            .iter()
            .flat_map(|r| (1..=8).map(move |i| (format!("{r}-{i:06}"), r.to_string())));
        Roll::from_entries(manifest(), entries).expect("the fuzz roll is a roll")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Some(first) = text(data).and_then(|t| t.lines().next()) {
        if first.len() <= 64 {
            if let Ok(code) = CredentialCode::parse(first) {
                let again = CredentialCode::parse(&code.display()).expect("a shown code parses");
                assert_eq!(again.as_bytes(), code.as_bytes(), "{first:?}");
            }
        }
    }
    let m = manifest();
    let referendums = m.referendums().len();
    match CredentialList::parse(data, FILE, &m.event, &key().fingerprint, roll(), referendums) {
        Err(e) => {
            refused_at_line(&e);
        }
        Ok(list) => {
            assert_eq!(list.sha256.0, sha256(data), "the hash is of the bytes read");
            // Every line ends in LF: the last piece of the split is empty.
            let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
            assert_eq!(lines.last(), Some(&&b""[..]));
            assert_eq!(list.voters as usize, lines.len() - 2, "one line a voter");
            for l in &lines[1..lines.len() - 1] {
                let e: ListEntry = serde_json::from_slice(l).expect("an accepted line parses");
                let mut slots = 0;
                for r in 0..referendums {
                    if let Some(slot) = roll().slot(r, &e.voter) {
                        let k = list.listed_key(slot).expect("a listed voter has a key");
                        assert_eq!(k, e.key, "{}", e.voter);
                        // Decoding the key either gives a point with that
                        // encoding or names the key's line.
                        match list.for_slot(slot).expect("a listed voter has a key") {
                            Ok(p) => assert_eq!(p.elem, e.key, "{}", e.voter),
                            Err(err) => {
                                refused_at_line(&err);
                            }
                        }
                        slots += 1;
                    }
                }
                assert!(slots > 0, "{} is on the roll", e.voter);
            }
        }
    }
});
