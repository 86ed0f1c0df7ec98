//! Sealed files (`urne-sealed/1`: shares, signer, box, publisher and
//! pseudonym keys).
//!
//! Invariants: a refusal is one line with a stable code; an accepted file
//! writes back to one that parses to the same value; opening it with a
//! passphrase that did not seal it fails cleanly (bad base64, lengths, KDF
//! parameters, tag) and never panics. Opening runs Argon2id with the file's
//! own parameters, so it is tried only where they are cheap (≤ 64 KiB, ≤ 2
//! passes); that `open` refuses costly ones before deriving anything is its
//! unit tests' business.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::error::Explain;
use urne::keys::passphrase::Passphrase;
use urne::keys::seal::{self, SealedFile};
use urne_fuzz::{json_round_trip, text};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match SealedFile::from_json(text) {
        Err(e) => {
            let msg = e.to_string();
            assert!(e.code().starts_with("E-"), "{msg}");
            assert!(!urne::error::one_line(&msg).chars().any(char::is_control));
        }
        Ok(f) => {
            json_round_trip(&f);
            let written = f.to_json();
            let again = SealedFile::from_json(&written).expect("what was written parses");
            assert_eq!(again, f);
            if f.kdf.m_kib <= 64 && f.kdf.t <= 2 {
                let wrong = Passphrase::new("not the passphrase that sealed it".into());
                if let Err(e) = seal::open(&f, &wrong) {
                    assert!(e.code().starts_with("E-"));
                }
            }
        }
    }
});
