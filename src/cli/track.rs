//! `urne track CODE PUBLISHED_DIR`: what became of the ballot a voter's
//! tracker names, from the published files alone.

use std::path::PathBuf;

use clap::Args;

use urne::ballot_box::tracker;
use urne::tally::{Status, TallyFile};

use super::{CliResult, EventDir, Failure};

#[derive(Args, Debug)]
pub struct TrackArgs {
    /// The ballot tracker from the voter's receipt, e.g. 7K2M-Q9XA-3DRT-B8WN
    /// (case, dashes and spaces do not matter).
    #[arg(value_name = "CODE")]
    pub code: String,
    /// The published directory (manifest.toml, roll.csv, election-key.json,
    /// box.jsonl, and tally.json once counted).
    #[arg(value_name = "PUBLISHED_DIR")]
    pub published: PathBuf,
}

pub fn track(a: TrackArgs) -> CliResult {
    let dir = EventDir::new(&a.published);
    let (manifest, _) = super::load_manifest(&dir)?;
    let (roll, _) = super::load_roll_shown(&dir, &manifest)?;
    let key = super::load_key(&dir)?;
    let tally: Option<TallyFile> = if dir.tally().exists() {
        Some(super::read_json(
            &dir.tally(),
            "E-TALLY-MALFORMED",
            None,
            urne::limits::TALLY,
        )?)
    } else {
        None
    };
    let box_path = dir.ballot_box();
    let credentials = super::credentials::load_list(&dir, &manifest, &key.fingerprint, &roll)?;
    let found = tracker::track(
        &a.code,
        &box_path,
        &manifest,
        &roll,
        &key,
        credentials.as_ref(),
        tally.as_ref().map(|t| &t.box_head),
    )?;
    let Some(t) = found else {
        println!(
            "Ballot tracker {} is not in the sealed box {}.",
            a.code.to_uppercase(),
            box_path.display()
        );
        return Err(Failure::new(
            "E-TRACKER-NOT-FOUND",
            format!(
                "no ballot in {} has the tracker {}",
                box_path.display(),
                a.code
            ),
            Some(
                "check the code on the receipt; a ballot that was refused when cast has no tracker",
            ),
        ));
    };
    println!("Ballot tracker {}", a.code.to_uppercase());
    println!(
        "  in the sealed box {}: ballot {} (line {}), referendum {}, cast {}",
        box_path.display(),
        t.seq,
        t.line,
        t.referendum,
        t.cast_at
    );
    println!("  box head {}", t.box_head);
    match &tally {
        Some(_) => println!("  the tally counted this box (its box_head is this head)"),
        None => println!(
            "  there is no tally.json yet: the status below is what the counting rules give"
        ),
    }
    match t.status {
        Status::Counted => println!("  status: counted"),
        Status::Superseded => println!(
            "  status: superseded by the voter's later ballot {} (re-voting: the last ballot counts)",
            t.superseded_by.map_or("?".into(), |s| s.to_string())
        ),
        Status::Rejected(why) => println!(
            "  status: rejected, {} ({}; docs/SPEC.md §4.2)",
            why.as_str(),
            why.code()
        ),
    }
    Ok(())
}
