//! `urne track` on a counted event with voter credentials (issue 21): it
//! judges a ballot's signature against the list the box header names, so a
//! list swapped in the published directory after the count, or withheld, is
//! refused with E-CREDENTIAL-LIST-CHANGED rather than used to judge the
//! signatures anew.

mod common;

use common::credentials::{counted, swap_list};
use common::demo::copy_dir;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn track(code: &str, published: &Path) -> Output {
    Command::new(BIN)
        .arg("track")
        .arg(code)
        .arg(published)
        .output()
        .expect("the urne binary runs")
}

/// The tracker of the box's first ballot (line 2), as its receipt shows it.
fn first_tracker(published: &Path) -> String {
    let text = fs::read_to_string(published.join("box.jsonl")).unwrap();
    let line = text.lines().nth(1).unwrap();
    urne::ballot_box::tracker::code(&urne::ballot_box::line_hash(line.as_bytes()))
}

fn refused_with_list_changed(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let first = err
        .lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(
        first.starts_with("urne: error[E-CREDENTIAL-LIST-CHANGED]"),
        "{err}"
    );
    err
}

#[test]
fn track_refuses_a_credential_list_swapped_or_withheld_after_the_count() {
    let tmp = counted();
    let ev = tmp.path().join("ev");
    let code = first_tracker(&ev);

    // Honest: the ballot is found and its fate told.
    let o = track(&code, &ev);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(&format!("Ballot tracker {code}")), "{out}");

    // Another list in place of the one the box header names: refused,
    // naming the box, the hash it carries and the one found.
    let swapped = tmp.path().join("swapped");
    copy_dir(&ev, &swapped);
    let expected = fs::read_to_string(ev.join("box.jsonl")).unwrap();
    swap_list(&swapped);
    let err = refused_with_list_changed(&track(&code, &swapped));
    assert!(err.contains("box.jsonl"), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
    assert!(!String::from_utf8_lossy(&track(&code, &swapped).stdout).contains("counted"));
    // The box itself is untouched by the refusal.
    assert_eq!(
        fs::read_to_string(swapped.join("box.jsonl")).unwrap(),
        expected
    );

    // The list withheld from the published directory: refused too (there
    // is nothing to judge the signatures against).
    let withheld = tmp.path().join("withheld");
    copy_dir(&ev, &withheld);
    fs::remove_file(withheld.join("credentials.jsonl")).unwrap();
    let o = track(&code, &withheld);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
