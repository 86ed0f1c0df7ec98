//! Key tests (`urne-key-test/1`), checked against the example election key.
//!
//! Invariants: a JSON refusal names the line; an accepted test round-trips
//! (parse → write → parse gives the same value); checking it (point
//! decoding, the DLEQ proof) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::keys::KeyTest;
use urne_fuzz::{json_round_trip, key, names_line};

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<KeyTest>(data) {
        Err(e) => assert!(names_line(&e.to_string()), "{e}"),
        Ok(t) => {
            json_round_trip(&t);
            let _ = key().check_key_test(&t);
        }
    }
});
