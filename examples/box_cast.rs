//! Per-cast time of `box cast`'s work after it has read the event's files
//! (bench/box.sh): open the box (lock, torn-line check, state file checked
//! against the box), check one ballot, append and sync it, update the state
//! file in place, close. Prints the median and mean over CASTS casts.
//!
//! ```text
//! box_cast EVENT_DIR CASTS
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::OsRng;

use urne::ballot::{self, BallotContext};
use urne::ballot_box::intake::{Inputs, Intake, Offer};
use urne::ballot_box::state::FileStore;
use urne::crypto::encoding::{sha256, Digest32};
use urne::event::{Manifest, Roll};
use urne::keys::ElectionKey;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("EVENT_DIR"));
    let casts: usize = args.get(2).map_or(20, |s| s.parse().expect("CASTS"));
    let manifest_bytes = std::fs::read(dir.join("manifest.toml")).expect("manifest");
    let manifest = Manifest::parse(
        std::str::from_utf8(&manifest_bytes).expect("utf-8"),
        "manifest.toml",
    )
    .expect("manifest");
    let key_text = std::fs::read_to_string(dir.join("election-key.json")).expect("key");
    let key = ElectionKey::from_json(&key_text, "election-key.json").expect("key");
    let (roll, roll_sha) = urne::fsio::read_hashed(&dir.join("roll.csv"), |r| {
        Roll::parse(r, "roll.csv", &manifest)
    })
    .expect("roll");
    let roll = roll.expect("roll");
    let r = manifest.referendums()[0].clone();
    let inputs = Arc::new(Inputs {
        manifest_sha256: sha256(&manifest_bytes),
        roll_sha256: Digest32::from_hex(&roll_sha).expect("hex").0,
        manifest,
        roll,
        key,
        credentials: None,
    });
    let box_path = dir.join("box.jsonl");
    // Bring the state up to date first (a rebuild is not what is measured).
    let t = Instant::now();
    let opened = Intake::<FileStore>::open(&box_path, inputs.clone()).expect("open");
    eprintln!(
        "box_cast: state {:?} in {:.1} s; box of {} ballots",
        opened.origin,
        t.elapsed().as_secs_f64(),
        opened.intake.position().ballots
    );
    drop(opened);
    let mut times = Vec::with_capacity(casts);
    for i in 0..casts {
        // Voters near the end of the roll, who have not voted (policy single
        // or last_counts alike).
        let voter = urne::simulate::voter_id(&r.id, (inputs.roll.entitled(&r.id) - i) as u64);
        let ctx = BallotContext {
            fingerprint: &inputs.key.fingerprint,
            referendum: &r.id,
            voter: &voter,
        };
        let b = ballot::encrypt(
            &inputs.key.key,
            &ctx,
            r.options.len(),
            i % r.options.len(),
            &mut OsRng,
        )
        .expect("encrypt");
        let offer = Offer {
            voter,
            referendum: r.id.clone(),
            cast_at: inputs
                .manifest
                .voting_opens
                .format(&time::format_description::well_known::Rfc3339)
                .expect("time"),
            ballot: b,
            credential: None,
        };
        let t = Instant::now();
        let mut intake = Intake::<FileStore>::open(&box_path, inputs.clone())
            .expect("open")
            .intake;
        let got = intake.check_and_cast(vec![offer]).pop().expect("one");
        drop(intake);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            got.is_ok(),
            "cast {i} refused: {:?}",
            got.err().map(|e| e.code())
        );
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    times.sort_by(f64::total_cmp);
    println!(
        "{casts} casts: median {:.2} ms, mean {mean:.2} ms, min {:.2} ms, max {:.2} ms",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}
