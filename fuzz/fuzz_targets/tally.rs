//! The tally file (`urne-tally/1`).
//!
//! Invariants: a refusal names the file; an accepted tally writes (to_json)
//! to text that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::tally::TallyFile;
use urne_fuzz::{json_round_trip, refused, text, FILE};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match TallyFile::from_json(text, FILE) {
        Err(e) => {
            refused(&e);
        }
        Ok(t) => {
            json_round_trip(&t);
            let again = TallyFile::from_json(&t.to_json(), FILE).expect("what was written parses");
            assert_eq!(again, t);
        }
    }
});
