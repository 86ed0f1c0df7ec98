//! The counting protocol (`urne-protocol/1`, canonical JSON).
//!
//! Invariants: a refusal names the file; an accepted protocol is exactly its
//! canonical bytes (parse → canonical gives the input back); checking its
//! figures and rendering it as HTML never panic, and the HTML carries no
//! unescaped markup from the file (it writes no `<script` of its own).
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::protocol::{canonical, check_figures, parse, render_html};
use urne_fuzz::{refused, FILE};

fuzz_target!(|data: &[u8]| {
    match parse(data, FILE) {
        Err(e) => {
            refused(&e);
        }
        Ok(p) => {
            assert_eq!(canonical(&p), data, "parse → canonical is the identity");
            let again = parse(&canonical(&p), FILE).expect("the canonical form parses");
            assert_eq!(again, p);
            let _ = check_figures(&p);
            let html = render_html(&p, &"0".repeat(64), None, urne_fuzz::manifest());
            // render_html writes no script of its own, so any is the file's.
            assert!(
                !html.to_ascii_lowercase().contains("<script"),
                "markup from the file reached the HTML"
            );
        }
    }
});
