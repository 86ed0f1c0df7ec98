//! Reading a roll or a marked roll of millions of voters takes seconds in
//! front of observers: those steps show how far they have come (KiB of the
//! file read, of its size), like the box check, and leave a line saying what
//! was read. Without a terminal the line is plain text.

mod common;

use common::demo::{copy_of, demo_event};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn kib(path: &Path) -> u64 {
    fs::metadata(path).unwrap().len().div_ceil(1024)
}

/// The line of `err` that starts with `start`.
fn line<'a>(err: &'a str, start: &str) -> &'a str {
    err.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{err}"))
}

#[test]
fn the_postal_trial_shows_the_roll_and_the_marked_roll_read_in_kib() {
    let ev = copy_of(demo_event());
    let dir = ev.path();
    let envelopes = dir.join("postal-input/envelopes.csv");
    let o = urne(
        dir,
        &[
            "postal",
            "trial",
            "--force",
            "--envelopes",
            envelopes.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");

    // The example event speaks Norwegian: "Roll read: N entries: K KiB in T".
    let roll = line(&err, "Manntallet er lest: ");
    assert!(
        roll.contains(&format!(": {} KiB på ", kib(&dir.join("roll.csv")))),
        "{roll}"
    );
    assert!(roll.contains(" oppføringer: "), "{roll}");
    let marked_kib = kib(&dir.join("marked-roll.csv"));
    for start in [
        "Kryssene i manntallet er kontrollert mot seremoniloggen: ",
        "Kryssene i manntallet er lest: ",
    ] {
        let l = line(&err, start);
        assert!(l.contains(&format!(": {marked_kib} KiB på ")), "{l}");
    }
    // No terminal: no bar drawing.
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn a_roll_that_does_not_parse_stops_the_bar_and_names_the_file() {
    let ev = copy_of(demo_event());
    let dir = ev.path();
    let roll = dir.join("roll.csv");
    let mut text = fs::read_to_string(&roll).unwrap();
    text.push_str("this line has no separator at all\n");
    fs::write(&roll, text).unwrap();
    let envelopes = dir.join("postal-input/envelopes.csv");
    let o = urne(
        dir,
        &[
            "postal",
            "trial",
            "--force",
            "--envelopes",
            envelopes.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let e = line(&err, "urne: error[");
    assert!(e.contains("roll.csv"), "{e}");
    assert!(!err.contains("Manntallet er lest"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
