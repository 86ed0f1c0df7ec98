//! The election key file (`urne-election-key/1`).
//!
//! Invariants: a refusal names the file; an accepted key writes back to a
//! file that parses to the same key, with the same fingerprint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::keys::ElectionKey;
use urne_fuzz::{refused, text, FILE};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match ElectionKey::from_json(text, FILE) {
        Err(e) => {
            refused(&e);
        }
        Ok(k) => {
            let written = k.to_json();
            let again = ElectionKey::from_json(&written, FILE).expect("what was written parses");
            assert_eq!(again.fingerprint, k.fingerprint);
            assert_eq!(again.to_json(), written, "write is a fixed point");
            assert!(k.threshold() >= 1 && k.threshold() <= k.keyholder_count());
            for i in 1..=k.keyholder_count() as u32 {
                assert!(k.verification_key(i).is_some());
            }
            assert!(k.verification_key(0).is_none());
        }
    }
});
