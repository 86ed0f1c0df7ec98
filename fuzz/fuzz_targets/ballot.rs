//! An encrypted ballot (`urne-ballot/1`, what `urne encrypt` writes and
//! `box cast --ballot` reads), verified against the example key for each
//! referendum of the example event.
//!
//! Invariants: a JSON syntax refusal names the line, and any refusal is one
//! line (a ballot is one JSON value, so a refusal of its shape, such as a
//! packed ballot without `b`, need not name one); an accepted ballot
//! round-trips; verifying it never panics, and a ballot that verifies is in
//! the encoding its referendum's size fixes: format 2's one packed
//! ciphertext for 2 or 3 options, one ciphertext per option (one-hot) for 4
//! or more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::ballot::{Ballot, BallotContext};
use urne::error::one_line;
use urne_fuzz::{json_round_trip, key, manifest, names_line};

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<Ballot>(data) {
        Err(e) => {
            let msg = e.to_string();
            if e.is_syntax() || e.is_eof() {
                assert!(names_line(&msg), "{e}");
            }
            let shown = one_line(&msg);
            assert!(!shown.is_empty() && !shown.chars().any(char::is_control), "{shown:?}");
        }
        Ok(b) => {
            json_round_trip(&b);
            let k = key();
            for r in manifest().referendums() {
                let ctx = BallotContext {
                    fingerprint: &k.fingerprint,
                    referendum: &r.id,
                    voter: "v-0001",
                };
                let k_options = r.options.len();
                if let Ok(cts) = b.verify(&k.key.elem, &k.key.point, &ctx, k_options) {
                    let packed = matches!(b, Ballot::Packed(_));
                    assert_eq!(packed, (2..=3).contains(&k_options), "encoding for {k_options}");
                    assert_eq!(cts.len(), if packed { 1 } else { k_options });
                }
            }
        }
    }
});
