//! The electoral roll (`roll.csv`, `urne-roll/1`), read against the example
//! manifest.
//!
//! Invariants: a refusal names the file and the line; an accepted roll
//! contains exactly the (voter, referendum) pairs of its rows, and a voter is
//! on a referendum's roll at most once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::event::Roll;
use urne_fuzz::{manifest, refused, FILE};

fuzz_target!(|data: &[u8]| {
    let m = manifest();
    match Roll::parse(data, FILE, m) {
        Err(e) => {
            let msg = refused(&e);
            assert!(urne_fuzz::names_line(&msg), "names a line: {msg}");
        }
        Ok(roll) => {
            let text = String::from_utf8_lossy(data);
            let mut rows = 0usize;
            // SPEC: records are separated by LF, CRLF or CR, so a lone CR
            // ends a row too (`str::lines` would not split there).
            // Empty lines are skipped, before the header too, so the header
            // is the first line that is not empty.
            for line in text.split(['\n', '\r']).filter(|l| !l.is_empty()).skip(1) {
                if let Some((v, r)) = line.split_once(',') {
                    if !v.contains('"') && !r.contains('"') && !r.contains(',') {
                        assert!(roll.contains(r, v), "{v},{r} is on the roll");
                    }
                }
                rows += 1;
            }
            let total: usize = m.referendums().iter().map(|r| roll.entitled(&r.id)).sum();
            assert!(total <= rows, "{total} entries from {rows} rows");
        }
    }
});
