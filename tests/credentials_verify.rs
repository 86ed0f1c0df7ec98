//! `urne verify` on a counted event *with* voter credentials (issue 21): the
//! honest event holds V-CREDENTIALS with its stuffed ballots named, and each
//! way an insider could hide stuffing after the count is caught and named:
//! another credential list put in place of the one the box header carries,
//! the list withheld, and the tally's `bad_credential` figure moved into the
//! counted votes.

mod common;

use common::credentials::{counted, swap_list};
use common::demo::copy_dir;
use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn verify(dir: &Path) -> (Option<i32>, String) {
    let o = Command::new(BIN).arg("verify").arg(dir).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!text.contains("panicked"), "{text}");
    (o.status.code(), text)
}

/// The report line of `check`, e.g. `held    V-CREDENTIALS  58 items …`.
fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(check))
        .unwrap_or_else(|| panic!("no {check} line in:\n{report}"))
}

#[test]
fn verify_checks_every_signature_and_catches_a_list_swapped_withheld_or_a_figure_moved() {
    let tmp = counted();
    let ev = tmp.path().join("ev");

    // Honest: every signature checked, the stuffed ballots named. (No
    // postal files or protocols here, so the verdict is incomplete, but
    // every e-vote check runs.)
    let (_, report) = verify(&ev);
    let held = line(&report, "V-CREDENTIALS");
    assert!(held.starts_with("held"), "{report}");
    assert!(
        held.contains("4 not signed with their voter's credential"),
        "{held}"
    );
    assert!(!report.contains("FAILED"), "{report}");

    // Another list in place of the box header's: one voter's key replaced
    // by another's, so that the swapped voter's ballots would verify
    // against a key the box never knew.
    let swapped = tmp.path().join("swapped");
    copy_dir(&ev, &swapped);
    swap_list(&swapped);
    let (code, report) = verify(&swapped);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("E-CREDENTIAL-LIST-CHANGED"), "{report}");
    assert!(report.contains("CONTRADICTS"), "{report}");

    // The list withheld: nothing can be concluded, and the report says why.
    let withheld = tmp.path().join("withheld");
    copy_dir(&ev, &withheld);
    fs::remove_file(withheld.join("credentials.jsonl")).unwrap();
    let (code, report) = verify(&withheld);
    assert_eq!(code, Some(3), "{report}");
    let missing = line(&report, "V-CREDENTIALS");
    assert!(missing.starts_with("MISSING"), "{report}");
    assert!(report.contains("voter_credentials = \"urne\""), "{report}");

    // The stuffed ballots moved from `bad_credential` into the counted
    // votes in the tally: caught.
    let moved = tmp.path().join("moved");
    copy_dir(&ev, &moved);
    let mut tally: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(moved.join("tally.json")).unwrap()).unwrap();
    let e = &mut tally["referendums"][0]["evotes"];
    let bad = e["rejected"]["bad_credential"].as_u64().unwrap();
    assert!(bad > 0);
    e["rejected"]["bad_credential"] = 0.into();
    e["counted"] = (e["counted"].as_u64().unwrap() + bad).into();
    fs::write(
        moved.join("tally.json"),
        serde_json::to_string_pretty(&tally).unwrap(),
    )
    .unwrap();
    let (code, report) = verify(&moved);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        line(&report, "V-CREDENTIALS").starts_with("FAILED"),
        "{report}"
    );
    assert!(
        line(&report, "V-EVOTE-RULES").starts_with("FAILED"),
        "{report}"
    );
}
