//! V-TRACKER-INDEX (docs/SPEC.md, "V-TRACKER-INDEX"): the ballot tracker
//! index published beside the results (`tracker/` of the published
//! directory: `tracker-index.json` and every `tracker-<P>.txt`) is byte for
//! byte the index this verifier makes from the box it has just counted, with
//! the count's own statuses ([`crate::ballot_box::tracker::index`]); so what
//! the tracker page tells a voter is what the count did with their ballot.
//! No `tracker/` directory: skipped (nothing was published to check).

use std::path::Path;

use super::Run;
use crate::ballot_box::tracker::index::{index_of_count, INDEX_FILE};
use crate::event::{Manifest, Roll};
use crate::tally::BoxCount;

/// The check's code.
pub const CODE: &str = "V-TRACKER-INDEX";
/// Where the published directory holds the index.
pub const DIR: &str = "tracker";

pub(super) fn check(dir: &Path, manifest: &Manifest, roll: &Roll, count: &BoxCount, run: &mut Run) {
    let published = dir.join(DIR);
    if !published.is_dir() {
        run.skipped(
            CODE,
            "no ballot tracker index was published (no tracker/ directory)",
        );
        return;
    }
    let box_path = dir.join("box.jsonl");
    let derived = match index_of_count(&box_path, manifest, roll, count) {
        Ok(i) => i,
        Err(e) => {
            run.unreadable(CODE, &box_path, e.to_string());
            return;
        }
    };
    let mut expected: Vec<&str> = derived.files.iter().map(|(n, _)| n.as_str()).collect();
    expected.sort_unstable();
    // Every file published there must be one the index has.
    let mut extra = Vec::new();
    match std::fs::read_dir(&published) {
        Ok(entries) => {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if expected.binary_search(&name.as_str()).is_err() {
                    extra.push(name);
                }
            }
        }
        Err(e) => {
            run.unreadable(CODE, &published, e.to_string());
            return;
        }
    }
    extra.sort();
    if let Some(name) = extra.first() {
        run.failed(
            CODE,
            count.ballots,
            format!("{DIR}/{name}"),
            "the tracker index has no such file",
        );
        return;
    }
    for (name, bytes) in &derived.files {
        let path = published.join(name);
        let found = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                run.failed(CODE, count.ballots, format!("{DIR}/{name}"), "missing");
                return;
            }
            Err(e) => {
                run.unreadable(CODE, &path, e.to_string());
                return;
            }
        };
        if found != *bytes {
            let want = String::from_utf8_lossy(bytes);
            let got = String::from_utf8_lossy(&found);
            let mut w = want.lines();
            let mut g = got.lines();
            let mut line = 1u64;
            let why = loop {
                match (w.next(), g.next()) {
                    (Some(a), Some(b)) if a == b => line += 1,
                    (Some(a), Some(b)) => {
                        break format!("line {line} says {b:?}; the box and the count give {a:?}")
                    }
                    (Some(a), None) => {
                        break format!(
                            "ends at line {line}; the box and the count give {a:?} there"
                        )
                    }
                    (None, Some(b)) => {
                        break format!("line {line} {b:?} is beyond the box's ballots")
                    }
                    (None, None) => {
                        break "differs in its bytes from the index the count gives".into()
                    }
                }
            };
            let what = if name == INDEX_FILE {
                format!("{DIR}/{name}")
            } else {
                format!("{DIR}/{name}:{line}")
            };
            run.failed(CODE, count.ballots, what, why);
            return;
        }
    }
    run.held(CODE, count.ballots);
}
