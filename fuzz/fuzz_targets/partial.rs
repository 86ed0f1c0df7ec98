//! A keyholder's partial decryption (`urne-partial/1`).
//!
//! Invariants: a refusal names the file and (JSON syntax) the line; an
//! accepted file round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::tally::parse_partial;
use urne_fuzz::{json_round_trip, refused_at_line, text, FILE};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match parse_partial(text, FILE) {
        Err(e) => {
            refused_at_line(&e);
        }
        Ok(p) => json_round_trip(&p),
    }
});
