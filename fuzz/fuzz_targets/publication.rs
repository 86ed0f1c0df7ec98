//! A publication manifest (`urne-publication/1`, what `urne publish` writes,
//! `urne serve` serves and `urne fetch` reads) and its signature object.
//!
//! Invariants: a refusal names the manifest; an accepted manifest has only
//! file names the store allows, none twice, and writes (manifest_bytes) to
//! bytes that parse to the same value; the signature object round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::publish::store::{check_name, manifest_bytes, parse_manifest, SignatureFile};
use urne_fuzz::{json_round_trip, refused, FILE};

fuzz_target!(|data: &[u8]| {
    match parse_manifest(data, FILE) {
        Err(e) => {
            refused(&e);
        }
        Ok(m) => {
            let mut names = std::collections::HashSet::new();
            for f in &m.files {
                assert!(check_name(&f.name).is_ok(), "{:?}", f.name);
                assert!(names.insert(f.name.clone()), "{:?} twice", f.name);
            }
            let written = manifest_bytes(&m).expect("a parsed manifest is written");
            let again = parse_manifest(&written, FILE).expect("what was written parses");
            assert_eq!(again, m);
        }
    }
    if let Ok(s) = serde_json::from_slice::<SignatureFile>(data) {
        json_round_trip(&s);
    }
});
