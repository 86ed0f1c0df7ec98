//! The command line as keyholders and officials meet it: where `-d` applies,
//! passphrases asked and checked before the long count, a keyholder left out
//! while the others go on, progress lines, `-` for standard input, a closed
//! pipe, hints for input that is almost right, help that ships in the binary,
//! and what `verify` ends with.

mod common;

use common::credentials::code_file;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> PathBuf {
    root().join("keys-example").join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("urne runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "a panic reached the user: {err}");
}

fn error_line(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    no_panic(o);
    err.lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line: {err}"))
        .to_string()
}

fn hint_line(o: &Output) -> String {
    stderr(o)
        .lines()
        .find(|l| l.trim_start().starts_with("hint: "))
        .unwrap_or_else(|| panic!("no hint: {}", stderr(o)))
        .to_string()
}

/// A small simulated event with the example (2-of-2) election key.
fn simulated() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = root().join("examples/event/manifest.toml");
    let key = example("election-key.json");
    assert_ok(&run(&[
        "-d",
        s(tmp.path()),
        "simulate",
        "--manifest",
        s(&manifest),
        "--key",
        s(&key),
        "--voters",
        "30",
        "--bad",
        "1",
    ]));
    tmp
}

/// The demo's audit pack, made once (read-only).
fn audit_pack() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = common::shared_dir("audit-pack");
        let demo = tmp.join("demo");
        let pack = tmp.join("pack");
        assert_ok(&run(&["demo", "--out", s(&demo)]));
        assert_ok(&run(&["-d", s(&demo), "audit-pack", "--out", s(&pack)]));
        pack
    })
}

#[test]
fn dash_d_before_verify_verifies_that_directory_and_verify_ends_with_the_result() {
    let pack = audit_pack();
    let o = run(&["-d", s(pack), "verify"]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("Verdict: every check held"), "{out}");
    // The result per referendum and the fingerprint come last.
    let result = out
        .find("The verified result:")
        .unwrap_or_else(|| panic!("no result: {out}"));
    let tail = &out[result..];
    for r in ["sogne — ", "songdalen — "] {
        assert!(tail.contains(r), "{r} missing from {tail}");
    }
    assert!(tail.contains("(electronic "), "{tail}");
    let fp = tail
        .lines()
        .find_map(|l| l.strip_prefix("Election fingerprint: "))
        .unwrap_or_else(|| panic!("no fingerprint: {tail}"));
    let key: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(pack.join("election-key.json")).unwrap()).unwrap();
    let full = key["fingerprint"].as_str().unwrap().replace(' ', "");
    assert!(
        full.starts_with(&fp.replace(' ', "")),
        "{fp} is not the start of {full}"
    );
    assert!(!out.contains(" 1 items"), "plural: {out}");
    // The same with the directory as the argument.
    let o2 = run(&["verify", s(pack)]);
    assert_ok(&o2);
    assert_eq!(stdout(&o2).lines().last(), out.lines().last());
}

#[test]
fn dash_d_is_refused_where_it_means_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["-d", "x", "demo", "--out", s(tmp.path())],
        vec!["-d", "x", "serve", "pub"],
        vec![
            "-d",
            "x",
            "fetch",
            "http://127.0.0.1:9/",
            "--publisher-key",
            "k",
            "--out",
            "o",
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("works in no event directory"),
            "{}",
            stderr(&o)
        );
        no_panic(&o);
    }
    // Nor is it offered in their help.
    for cmd in ["demo", "serve", "fetch"] {
        let o = run(&[cmd, "--help"]);
        assert_ok(&o);
        assert!(!stdout(&o).contains("--dir"), "{cmd}: {}", stdout(&o));
    }
    // Where it applies, it is offered, and taken after the command too.
    let o = run(&["unlock", "--help"]);
    assert!(stdout(&o).contains("-d, --dir <DIR>"), "{}", stdout(&o));
}

#[test]
fn dir_after_the_command_and_inside_a_group_works_like_dash_d_before() {
    let ev = simulated();
    let dir = s(ev.path());
    let code = code_file(ev.path(), "sogne-000001");
    let before = run(&[
        "-d",
        dir,
        "encrypt",
        "--referendum",
        "sogne",
        "--voter",
        "sogne-000001",
        "--credential-file",
        s(&code),
        "--choice",
        "Ja",
    ]);
    assert_ok(&before);
    let after = run(&[
        "encrypt",
        "--dir",
        dir,
        "--referendum",
        "sogne",
        "--voter",
        "sogne-000001",
        "--credential-file",
        s(&code),
        "--choice",
        "Ja",
    ]);
    assert_ok(&after);
    let ballot: serde_json::Value = serde_json::from_str(&stdout(&after)).unwrap();
    assert!(ballot.is_object(), "{ballot}");
    // In a group: before and after the subcommand's name (at a time after
    // voting closes, so the refusal is for the sealed box, not an early close).
    let at = "2027-02-03T12:00:00+01:00";
    let o = run(&["box", "-d", dir, "close", "--at", at]);
    assert_eq!(
        error_line(&o).split(']').next(),
        Some("urne: error[E-BOX-SEALED")
    );
    let o = run(&["box", "close", "-d", dir, "--at", at]);
    assert_eq!(
        error_line(&o).split(']').next(),
        Some("urne: error[E-BOX-SEALED")
    );
    // Two different directories are refused rather than one chosen.
    let o = run(&[
        "-d",
        dir,
        "encrypt",
        "-d",
        "/elsewhere",
        "--referendum",
        "sogne",
        "--voter",
        "x",
        "--choice",
        "Ja",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_wrong_passphrase_file_is_refused_before_the_box_is_read() {
    let ev = simulated();
    let wrong = ev.path().join("wrong.txt");
    fs::write(&wrong, "not the passphrase at all\n").unwrap();
    let o = run(&[
        "-d",
        s(ev.path()),
        "unlock",
        "--share",
        s(&example("keyholder-1.share")),
        "--share",
        s(&example("keyholder-2.share")),
        "--passphrase-file",
        s(&example("passphrase-1.txt")),
        "--passphrase-file",
        s(&wrong),
    ]);
    let line = error_line(&o);
    assert!(
        line.starts_with("urne: error[E-SHARE-PASSPHRASE]"),
        "{line}"
    );
    assert!(line.contains("keyholder-2.share"), "{line}");
    let err = stderr(&o);
    assert!(
        err.contains("Nøkkelholder 1 (Kari Nordmann): nøkkelandelen er åpnet"),
        "{err}"
    );
    assert!(
        err.contains("Nøkkelholder 2 (Ola Hansen) holdes utenfor"),
        "{err}"
    );
    assert!(
        !err.contains("Urnen er kontrollert") && !err.contains("Kontrollerer urnen"),
        "the box was read before the passphrases were checked: {err}"
    );
    assert!(
        hint_line(&o).contains("men 2 nøkkelholdere trengs"),
        "{err}"
    );
    assert!(!ev.path().join("tally.json").exists());
}

#[test]
fn without_a_terminal_and_without_a_passphrase_file_unlock_stops_before_the_box() {
    let ev = simulated();
    let o = Command::new(BIN)
        .args([
            "-d",
            s(ev.path()),
            "unlock",
            "--share",
            s(&example("keyholder-1.share")),
            "--share",
            s(&example("keyholder-2.share")),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let line = error_line(&o);
    assert!(
        line.starts_with("urne: error[E-PASSPHRASE-NO-TERMINAL]"),
        "{line}"
    );
    assert!(
        !stderr(&o).contains("Urnen er kontrollert"),
        "{}",
        stderr(&o)
    );
}

/// A 2-of-3 event made with the fast test KDF: shares in DIR/shares/.
/// Each keyholder has their own passphrase (keygen refuses one reused).
fn two_of_three() -> (tempfile::TempDir, [PathBuf; 3]) {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = fs::read_to_string(root().join("examples/event/manifest.toml"))
        .unwrap()
        .replace(
            "keyholders = [\"Kari Nordmann\", \"Ola Hansen\"]",
            "keyholders = [\"Kari Nordmann\", \"Ola Hansen\", \"Nora Berg\"]",
        );
    assert!(manifest.contains("Nora Berg"));
    let m = tmp.path().join("m.toml");
    fs::write(&m, manifest).unwrap();
    let pass = [1, 2, 3].map(|i| {
        let p = tmp.path().join(format!("pass-{i}.txt"));
        fs::write(&p, format!("rehearsal passphrase of keyholder {i}\n")).unwrap();
        p
    });
    let ev = tmp.path().join("event");
    assert_ok(&run(&[
        "-d",
        s(&ev),
        "simulate",
        "--manifest",
        s(&m),
        "--voters",
        "20",
        "--insecure-fast-kdf",
        "--passphrase-file",
        s(&pass[0]),
        "--passphrase-file",
        s(&pass[1]),
        "--passphrase-file",
        s(&pass[2]),
    ]));
    (tmp, pass)
}

#[test]
fn a_keyholder_who_fails_is_named_and_the_unlock_goes_on_with_enough_others() {
    let (tmp, pass) = two_of_three();
    let ev = tmp.path().join("event");
    let wrong = tmp.path().join("wrong.txt");
    fs::write(&wrong, "not the passphrase at all\n").unwrap();
    let share = |i: u32| ev.join(format!("shares/keyholder-{i}.share"));
    let o = run(&[
        "-d",
        s(&ev),
        "unlock",
        "--share",
        s(&share(1)),
        "--share",
        s(&share(2)),
        "--share",
        s(&share(3)),
        "--passphrase-file",
        s(&pass[0]),
        "--passphrase-file",
        s(&wrong),
        "--passphrase-file",
        s(&pass[2]),
    ]);
    assert_ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("Nøkkelholder 2 (Ola Hansen) holdes utenfor"),
        "{err}"
    );
    assert!(
        err.contains("opplåsingen fortsetter uten Nøkkelholder 2 (Ola Hansen)"),
        "{err}"
    );
    // Every passphrase came before the box: the left-out line is above it.
    let left = err.find("holdes utenfor").unwrap();
    let checked = err
        .find("Urnen er kontrollert")
        .unwrap_or_else(|| panic!("no progress line: {err}"));
    assert!(left < checked, "{err}");
    let tally: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ev.join("tally.json")).unwrap()).unwrap();
    assert_eq!(
        tally["keyholders_used"],
        serde_json::json!([1, 3]),
        "{tally}"
    );
}

#[test]
fn without_a_terminal_progress_is_plain_lines_with_count_and_rate() {
    let ev = simulated();
    let o = run(&[
        "-d",
        s(ev.path()),
        "unlock",
        "--share",
        s(&example("keyholder-1.share")),
        "--share",
        s(&example("keyholder-2.share")),
        "--passphrase-file",
        s(&example("passphrase-1.txt")),
        "--passphrase-file",
        s(&example("passphrase-2.txt")),
    ]);
    assert_ok(&o);
    let err = stderr(&o);
    let box_json = fs::read_to_string(ev.path().join("box.jsonl")).unwrap();
    let ballots = box_json.lines().count() - 2;
    let line = err
        .lines()
        .find(|l| l.starts_with("Urnen er kontrollert"))
        .unwrap_or_else(|| panic!("no progress line: {err}"));
    assert!(
        line.contains(&format!(": {ballots} stemmesedler på ")),
        "{line} (the box has {ballots})"
    );
    // No terminal: no bar drawing, no escape sequences.
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn a_ballot_is_cast_from_standard_input() {
    let ev = simulated();
    let dir = ev.path();
    let pass = dir.join("box-pass.txt");
    fs::write(&pass, "box operator passphrase\n").unwrap();
    assert_ok(&run(&[
        "-d",
        s(dir),
        "box",
        "init",
        "--force",
        "--insecure-fast-kdf",
        "--passphrase-file",
        s(&pass),
    ]));
    let roll = fs::read_to_string(dir.join("roll.csv")).unwrap();
    let voter = roll
        .lines()
        .skip(1)
        .find(|l| l.ends_with(",sogne"))
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    let ballot = run(&[
        "-d",
        s(dir),
        "encrypt",
        "--referendum",
        "sogne",
        "--voter",
        &voter,
        "--credential-file",
        s(&code_file(dir, &voter)),
        "--choice",
        "Ja",
    ]);
    assert_ok(&ballot);
    let mut child = Command::new(BIN)
        .args([
            "-d",
            s(dir),
            "box",
            "cast",
            "--ballot",
            "-",
            "--voter",
            &voter,
            "--referendum",
            "sogne",
            "--at",
            "2027-01-25T10:00:00+01:00",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&ballot.stdout)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_ok(&o);
    assert!(
        stdout(&o).contains(&format!("cast for voter {voter}")),
        "{}",
        stdout(&o)
    );
    // Not a ballot on standard input: named as such.
    let mut child = Command::new(BIN)
        .args([
            "-d",
            s(dir),
            "box",
            "cast",
            "--ballot",
            "-",
            "--voter",
            &voter,
            "--referendum",
            "sogne",
            "--at",
            "2027-01-25T10:00:00+01:00",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"{}\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let line = error_line(&o);
    assert!(line.contains("standard input: not a ballot"), "{line}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let ev = simulated();
    let code = code_file(ev.path(), "sogne-000001");
    let mut child = Command::new(BIN)
        .args([
            "-d",
            s(ev.path()),
            "encrypt",
            "--referendum",
            "sogne",
            "--voter",
            "sogne-000001",
            "--credential-file",
            s(&code),
            "--choice",
            "Ja",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before urne has written (it reads the manifest
    // and key first).
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "nothing shown for a closed pipe");
}

#[test]
fn a_semicolon_csv_and_a_norwegian_time_get_hints_saying_what_is_accepted() {
    let ev = simulated();
    let dir = ev.path();
    // postal trial needs the marked roll: unlock first.
    assert_ok(&run(&[
        "-d",
        s(dir),
        "unlock",
        "--share",
        s(&example("keyholder-1.share")),
        "--share",
        s(&example("keyholder-2.share")),
        "--passphrase-file",
        s(&example("passphrase-1.txt")),
        "--passphrase-file",
        s(&example("passphrase-2.txt")),
    ]));
    let semi = dir.join("envelopes-excel.csv");
    fs::write(
        &semi,
        "envelope_id;voter_id;received_at;referendum\nE1;x;2027-01-25T10:00:00+01:00;sogne\n",
    )
    .unwrap();
    let o = run(&["-d", s(dir), "postal", "trial", "--envelopes", s(&semi)]);
    let line = error_line(&o);
    assert!(line.starts_with("urne: error[E-POSTAL-SYNTAX]"), "{line}");
    assert!(line.contains("envelopes-excel.csv, line 1"), "{line}");
    assert!(
        line.contains("semicolons (;)") && line.contains("commas (,)"),
        "{line}"
    );
    assert!(hint_line(&o).contains("urne help csv"), "{}", stderr(&o));
    let when = dir.join("envelopes-time.csv");
    fs::write(
        &when,
        "envelope_id,voter_id,received_at,referendum\nE1,x,14.01.2027 18:54,sogne\n",
    )
    .unwrap();
    let o = run(&["-d", s(dir), "postal", "trial", "--envelopes", s(&when)]);
    let line = error_line(&o);
    assert!(line.starts_with("urne: error[E-TIME]"), "{line}");
    assert!(line.contains("line 2"), "{line}");
    let hint = hint_line(&o);
    assert!(hint.contains("2027-01-14T18:54:00+01:00"), "{hint}");
    assert!(hint.contains("urne help times"), "{hint}");
    // The same for --at.
    let roll = fs::read_to_string(dir.join("roll.csv")).unwrap();
    let voter = roll
        .lines()
        .skip(1)
        .find(|l| l.ends_with(",sogne"))
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    let o = run(&[
        "-d",
        s(dir),
        "box",
        "cast",
        "--ballot",
        "-",
        "--voter",
        &voter,
        "--referendum",
        "sogne",
        "--at",
        "25.01.2027 10:00",
    ]);
    let line = error_line(&o);
    assert!(line.starts_with("urne: error[E-TIME]"), "{line}");
    assert!(
        hint_line(&o).contains("2027-01-25T10:00:00+01:00"),
        "{}",
        stderr(&o)
    );
    // A semicolon roll.
    fs::write(dir.join("roll.csv"), "voter_id;referendum\nV1;sogne\n").unwrap();
    let o = run(&[
        "-d",
        s(dir),
        "box",
        "cast",
        "--ballot",
        "-",
        "--voter",
        "V1",
        "--referendum",
        "sogne",
    ]);
    let line = error_line(&o);
    assert!(line.starts_with("urne: error[E-ROLL-SYNTAX]"), "{line}");
    assert!(line.contains("semicolons (;)"), "{line}");
    assert!(hint_line(&o).contains("urne help csv"), "{}", stderr(&o));
}

#[test]
fn help_topics_and_codes_ship_in_the_binary() {
    for (topic, says) in [
        ("csv", "SEMICOLONS"),
        ("times", "2027-01-14T18:54:00+01:00"),
        ("passphrases", "three tries"),
        ("testing", "NEVER use it for a real election"),
        ("stdin", "--ballot -"),
        ("manifest", "evote_policy"),
        ("files", "ceremony-log.jsonl"),
    ] {
        let o = run(&["help", topic]);
        assert_ok(&o);
        assert!(
            stdout(&o).contains(says),
            "urne help {topic}: {}",
            stdout(&o)
        );
    }
    let o = run(&["help", "codes"]);
    assert_ok(&o);
    assert!(stdout(&o).contains("E-SHARE-PASSPHRASE"), "{}", stdout(&o));
    let o = run(&["explain", "E-TIME"]);
    assert_ok(&o);
    assert!(stdout(&o).contains("RFC 3339"), "{}", stdout(&o));
    assert!(stdout(&o).contains("urne help times"), "{}", stdout(&o));
    let o = run(&["explain", "E-NO-SUCH-CODE"]);
    assert_eq!(o.status.code(), Some(1));
    // `urne help CMD` is still clap's help of the command.
    let o = run(&["help", "unlock"]);
    assert_ok(&o);
    assert!(stdout(&o).contains("--share"), "{}", stdout(&o));
    // No hint points into the source tree.
    assert!(!stdout(&run(&["--help"])).contains("SPEC.md"));
}

#[test]
fn the_insecure_fast_kdf_is_shown_with_its_warning() {
    for cmd in [
        vec!["keygen"],
        vec!["simulate"],
        vec!["box", "init"],
        vec!["publish"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let o = run(&args);
        assert_ok(&o);
        let out = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(out.contains("--insecure-fast-kdf"), "{cmd:?}: {out}");
        assert!(out.contains("NEVER for a real election"), "{cmd:?}: {out}");
    }
}
