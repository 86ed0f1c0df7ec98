//! An encrypted ballot (`urne-ballot/1`, what `urne encrypt` writes and
//! `box cast --ballot` reads), verified against the example key for each
//! referendum of the example event.
//!
//! Invariants: a JSON refusal names the line; an accepted ballot
//! round-trips; verifying it never panics, and a ballot that verifies has one
//! ciphertext per option of its referendum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::ballot::{Ballot, BallotContext};
use urne_fuzz::{json_round_trip, key, manifest, names_line};

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<Ballot>(data) {
        Err(e) => assert!(names_line(&e.to_string()), "{e}"),
        Ok(b) => {
            json_round_trip(&b);
            let k = key();
            for r in manifest().referendums() {
                let ctx = BallotContext {
                    fingerprint: &k.fingerprint,
                    referendum: &r.id,
                    voter: "v-0001",
                };
                if let Ok(cts) = b.verify(&k.key.elem, &k.key.point, &ctx, r.options.len()) {
                    assert_eq!(cts.len(), r.options.len());
                }
            }
        }
    }
});
