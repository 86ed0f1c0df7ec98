//! The event manifest (`urne-manifest/1`, TOML).
//!
//! Invariants: a refusal is one line naming the file (a syntax error also its
//! line); an accepted manifest keeps the rules its parser promises (ids, 1 ≤
//! threshold ≤ keyholders, 2 to 64 distinct options) and within the size
//! limits; parsing is a function of the text alone.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::error::Explain;
use urne::event::Manifest;
use urne_fuzz::{refused, refused_at_line, text, FILE};

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match Manifest::parse(text, FILE) {
        Err(e) => {
            if e.code() == "E-MANIFEST-SYNTAX" {
                refused_at_line(&e);
            } else {
                refused(&e);
            }
        }
        Ok(m) => {
            assert!(text.len() <= urne::limits::MANIFEST_BYTES);
            assert!(m.threshold >= 1 && m.threshold as usize <= m.keyholders.len());
            assert!(!m.referendums().is_empty());
            for r in m.referendums() {
                assert!((2..=64).contains(&r.options.len()));
                assert!(m.referendum(&r.id).is_some());
            }
            assert!(m.title.len() <= urne::limits::TEXT_FIELD_BYTES);
            assert!(m.voting_opens < m.voting_closes);
            let again = Manifest::parse(text, "another-name").expect("parses again");
            assert_eq!(again, m);
        }
    }
});
