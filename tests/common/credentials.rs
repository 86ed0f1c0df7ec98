//! An event with voter credentials, simulated and counted (tests of
//! verify, track and the intake on such an event).

use super::cli::{root, urne};
use std::fs;
use std::path::Path;

/// The example manifest with `voter_credentials = "urne"`.
pub fn manifest_with_credentials() -> String {
    let text = fs::read_to_string(root().join("examples/event/manifest.toml")).unwrap();
    let text = text.replacen(
        "evote_policy = \"single\"",
        "voter_credentials = \"urne\"\nevote_policy = \"single\"",
        1,
    );
    assert!(text.contains("voter_credentials = \"urne\""));
    text
}

/// A simulated event with credentials in `ev/` of the returned directory
/// (every ballot signed, two stuffed ballots a referendum signed with
/// made-up codes), unlocked; the keyholders' passphrase files are `p1` and
/// `p2` beside it.
pub fn counted() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("m.toml"), manifest_with_credentials()).unwrap();
    fs::write(d.join("p1"), "first keyholder's passphrase\n").unwrap();
    fs::write(d.join("p2"), "second keyholder's passphrase\n").unwrap();
    let ev = d.join("ev");
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let o = urne(
        &ev,
        &[
            "simulate",
            "--manifest",
            &p("m.toml"),
            "--passphrase-file",
            &p("p1"),
            "--passphrase-file",
            &p("p2"),
            "--insecure-fast-kdf",
            "--voters",
            "30",
            "--bad",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = urne(
        &ev,
        &[
            "unlock",
            "--share",
            ev.join("shares/keyholder-1.share").to_str().unwrap(),
            "--share",
            ev.join("shares/keyholder-2.share").to_str().unwrap(),
            "--passphrase-file",
            &p("p1"),
            "--passphrase-file",
            &p("p2"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tmp
}

/// `credentials.jsonl` of `dir` with voter 1's key replaced by voter 2's:
/// still a well-formed list, but not the one the box header names.
pub fn swap_list(dir: &Path) {
    let list = fs::read_to_string(dir.join("credentials.jsonl")).unwrap();
    let mut lines: Vec<String> = list.lines().map(String::from).collect();
    let other_key = lines[2].split("\"key\":").nth(1).unwrap().to_string();
    lines[1] = format!(
        "{}\"key\":{other_key}",
        lines[1].split("\"key\":").next().unwrap()
    );
    fs::write(dir.join("credentials.jsonl"), lines.join("\n") + "\n").unwrap();
}
