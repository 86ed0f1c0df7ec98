//! One line of the ballot box after the header (`urne-box/1`: a ballot record
//! or the seal).
//!
//! Invariants: a line the direct reader (`ballot_box::canonical`) takes is
//! the record serde reads from it; the voter and referendum its prefix
//! reader takes are those of every line the direct reader takes, and those
//! serde reads, as a whole record or as a record of just these two fields;
//! a refusal names the file and the line number it was given;
//! an accepted record round-trips (parse → write → parse gives the same
//! value); verifying an accepted ballot's proofs against the example key
//! never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use urne::ballot::BallotContext;
use urne::ballot_box::{parse_line, Line};
use urne_fuzz::{json_round_trip, key, manifest, refused, FILE};

/// A record of just a voter and a referendum, as the count's second read
/// falls back to.
#[derive(serde::Deserialize)]
struct VoterOnly {
    voter: String,
    referendum: String,
}

fuzz_target!(|data: &[u8]| {
    // The direct reader of lines as urne writes them reads nothing that serde
    // would read otherwise, or refuse.
    let prefix = urne::ballot_box::canonical::voter_and_referendum(data);
    if let Some(rec) = urne::ballot_box::canonical::parse(data) {
        let by_serde: urne::ballot_box::BallotRecord =
            serde_json::from_slice(data).expect("serde reads what the direct reader reads");
        assert_eq!(rec, by_serde);
        assert_eq!(
            prefix,
            Some((rec.voter.as_str(), rec.referendum.as_str())),
            "the prefix reader takes what the direct reader takes"
        );
    }
    // The prefix reader reads nothing that serde would read otherwise.
    if let Some((voter, referendum)) = prefix {
        if let Ok(rec) = serde_json::from_slice::<urne::ballot_box::BallotRecord>(data) {
            assert_eq!((voter, referendum), (rec.voter.as_str(), rec.referendum.as_str()));
        }
        if let Ok(v) = serde_json::from_slice::<VoterOnly>(data) {
            assert_eq!((voter, referendum), (v.voter.as_str(), v.referendum.as_str()));
        }
    }
    match parse_line(data, FILE, 4711) {
        Err(e) => {
            let msg = refused(&e);
            assert!(msg.contains("line 4711"), "names the line: {msg}");
        }
        Ok(Line::Ballot(rec)) => {
            json_round_trip(&*rec);
            let written = serde_json::to_vec(&*rec).unwrap();
            assert!(matches!(parse_line(&written, FILE, 1), Ok(Line::Ballot(_))));
            let k = key();
            if let Some(r) = manifest().referendum(&rec.referendum) {
                let ctx = BallotContext {
                    fingerprint: &k.fingerprint,
                    referendum: &r.id,
                    voter: &rec.voter,
                };
                let _ = rec.ballot.verify(&k.key.elem, &k.key.point, &ctx, r.options.len());
            }
        }
        Ok(Line::Seal(seal)) => {
            json_round_trip(&seal);
            let written = serde_json::to_vec(&seal).unwrap();
            assert!(matches!(parse_line(&written, FILE, 1), Ok(Line::Seal(_))));
        }
    }
});
