//! The postal count entries (`referendum,round,attempt,pair,member,option,figure`), read against the example manifest.
//!
//! Invariants: a refusal names the file and the line; every accepted record
//! names a referendum of the manifest, and reading the same bytes again gives
//! the same records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::postal::parse_count_entries;
use urne_fuzz::{manifest, refused_at_line, FILE};

fuzz_target!(|data: &[u8]| {
    let m = manifest();
    match parse_count_entries(data, FILE, m) {
        Err(e) => {
            refused_at_line(&e);
        }
        Ok(records) => {
            for r in &records {
                assert!(m.referendum(&r.referendum).is_some(), "{}", r.referendum);
            }
            let again = parse_count_entries(data, FILE, m).expect("parses again");
            assert_eq!(again, records);
        }
    }
});
