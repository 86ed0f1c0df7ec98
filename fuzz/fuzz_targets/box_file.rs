//! A whole ballot box file (`urne-box/1`): header, ballot lines, seal, read
//! by `scan` as `box cast`, `box close` and `unlock` read it.
//!
//! Invariants: a refusal names the file, and a line where the fault is in a
//! line; a box that scans has one line per ballot it counts plus the header
//! (and the seal, when sealed), and scanning it twice gives the same state.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use urne::ballot_box::scan;
use urne::error::Explain;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::Builder::new()
        .prefix("fuzz-input")
        .tempdir()
        .expect("a scratch directory");
    let path = dir.path().join("box.jsonl");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(data))
        .expect("the input is written");
    match scan(&path) {
        Err(e) => {
            let msg = e.to_string();
            assert!(e.code().starts_with("E-"), "{msg}");
            assert!(!urne::error::one_line(&msg).chars().any(char::is_control));
            assert!(msg.contains("box.jsonl"), "names the file: {msg}");
        }
        Ok(state) => {
            let lines = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64;
            let expected = 1 + state.ballots + u64::from(state.seal.is_some());
            assert!(lines >= expected, "{lines} lines for {expected} records");
            let again = scan(&path).expect("scans again");
            assert_eq!(again.ballots, state.ballots);
            assert_eq!(again.head, state.head);
        }
    }
});
