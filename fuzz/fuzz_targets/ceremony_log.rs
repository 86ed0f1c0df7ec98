//! The ceremony log (`urne-ceremony-log/1`, JSON lines in a hash chain).
//!
//! Invariants: a refusal names the file and the line; an accepted log has
//! one entry per line, numbered from 0, and each entry round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::ceremony_log::verify_chain;
use urne_fuzz::{json_round_trip, refused_at_line, text, FILE};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match verify_chain(text, FILE) {
        Err(e) => {
            refused_at_line(&e);
        }
        Ok(entries) => {
            assert_eq!(entries.len(), text.lines().count());
            for (i, e) in entries.iter().enumerate() {
                assert_eq!(e.seq, i as u64);
                json_round_trip(e);
            }
        }
    }
});
