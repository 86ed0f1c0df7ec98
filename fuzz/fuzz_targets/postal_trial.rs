//! The postal trial file (`urne-postal-trial/1`), as `postal count`, `protocol` and `verify` read it.
//!
//! Invariants: a JSON refusal names the line; an accepted file round-trips
//! (parse → write → parse gives the same value, and writing is a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::postal::TrialFile;
use urne_fuzz::{json_round_trip, names_line};

fuzz_target!(|data: &[u8]| {
    if data.len() > urne::limits::JSON_FILE_BYTES {
        return;
    }
    match serde_json::from_slice::<TrialFile>(data) {
        Err(e) => assert!(names_line(&e.to_string()), "{e}"),
        Ok(f) => json_round_trip(&f),
    }
});
