//! Inputs over their size limits (docs/SPEC.md, "Size limits") are refused
//! with E-TOO-LARGE naming the file, the record and the limit, before the
//! reader reads past the limit.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use urne::error::Explain;
use urne::event::{Manifest, Roll};
use urne::limits;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_manifest() -> String {
    fs::read_to_string(root().join("examples/event/manifest.toml")).unwrap()
}

#[test]
fn a_manifest_title_over_4_kib_is_refused_naming_the_field() {
    let text = example_manifest().replacen(
        "title = \"",
        &format!("title = \"{}", "x".repeat(limits::TEXT_FIELD_BYTES)),
        1,
    );
    let e = Manifest::parse(&text, "manifest.toml").unwrap_err();
    assert_eq!(e.code(), "E-TOO-LARGE");
    assert_eq!(
        e.to_string(),
        "manifest.toml, field title: larger than 4096 bytes, the limit for a text field of the manifest"
    );
}

#[test]
fn a_manifest_over_1_mib_is_refused_by_the_shell_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let big = format!(
        "{}\n# {}\n",
        example_manifest(),
        "padding ".repeat(limits::MANIFEST_BYTES / 8)
    );
    fs::write(tmp.path().join("manifest.toml"), big).unwrap();
    let pass = tmp.path().join("p.txt");
    fs::write(&pass, "a passphrase long enough\n").unwrap();
    let o = Command::new(BIN)
        .arg("-d")
        .arg(tmp.path())
        .args(["keygen", "--passphrase-file"])
        .arg(&pass)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let line = err.lines().next().unwrap();
    assert!(line.starts_with("urne: error[E-TOO-LARGE]: "), "{err}");
    assert!(
        line.contains("manifest.toml, the file: larger than 1048576 bytes"),
        "{line}"
    );
    assert!(!tmp.path().join("election-key.json").exists());
}

#[test]
fn a_roll_line_over_64_kib_is_refused_naming_the_line() {
    let m = Manifest::parse(&example_manifest(), "manifest.toml").unwrap();
    let roll = format!(
        "voter_id,referendum\nv-1,sogne\n{},sogne\n",
        "v".repeat(limits::CSV_LINE_BYTES)
    );
    let e = Roll::parse(roll.as_bytes(), "roll.csv", &m).unwrap_err();
    assert_eq!(e.code(), "E-TOO-LARGE");
    assert!(
        e.to_string()
            .starts_with("roll.csv, line 3: larger than 65536 bytes"),
        "{e}"
    );
    let envelopes = format!(
        "envelope_id,voter_id,received_at,referendum\ne-1,v-1,2027-01-30T10:00:00+01:00,sogne\n{},v-2,2027-01-30T10:00:00+01:00,sogne\n",
        "e".repeat(limits::CSV_LINE_BYTES)
    );
    let e = urne::postal::parse_envelopes(envelopes.as_bytes(), "envelopes.csv", &m).unwrap_err();
    assert_eq!(e.code(), "E-TOO-LARGE");
    assert!(e.to_string().contains("envelopes.csv, line 3"), "{e}");
}

#[test]
fn a_box_line_over_256_kib_is_refused_naming_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("box.jsonl");
    // A long first line: it is refused before it is parsed as a header.
    fs::write(
        &path,
        format!("{}\n", "x".repeat(limits::BOX_LINE_BYTES + 1)),
    )
    .unwrap();
    let e = urne::ballot_box::scan(&path).unwrap_err();
    assert_eq!(e.code(), "E-TOO-LARGE");
    assert!(
        e.to_string()
            .contains("box.jsonl, line 1: larger than 262144 bytes"),
        "{e}"
    );
    // Exactly at the limit, the line is read (and refused as a header).
    fs::write(&path, format!("{}\n", "x".repeat(limits::BOX_LINE_BYTES))).unwrap();
    assert_ne!(
        urne::ballot_box::scan(&path).unwrap_err().code(),
        "E-TOO-LARGE"
    );
}

#[test]
fn a_ceremony_log_line_over_1_mib_is_refused_naming_the_line() {
    let text = format!("{}\n", "x".repeat(limits::LOG_LINE_BYTES + 1));
    let e = urne::ceremony_log::verify_chain(&text, "ceremony-log.jsonl").unwrap_err();
    assert_eq!(e.code(), "E-TOO-LARGE");
    assert!(e.to_string().contains("ceremony-log.jsonl, line 1"), "{e}");
}
