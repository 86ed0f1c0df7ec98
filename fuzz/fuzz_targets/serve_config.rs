//! The result server's configuration (`urne serve --config`, TOML).
//!
//! Invariants: a refusal is one line naming the file; an accepted
//! configuration parses the same again, and every rate is at least 1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::serve::config::ServeConfig;
use urne_fuzz::{refused, text, FILE};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match ServeConfig::parse(text, FILE) {
        Err(e) => {
            refused(&e);
        }
        Ok(c) => {
            let again = ServeConfig::parse(text, FILE).expect("parses again");
            assert_eq!(again, c);
            for m in &c.media {
                assert!(m.requests_per_minute.get() >= 1);
            }
        }
    }
});
