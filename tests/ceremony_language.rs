//! The ceremonies speak the event's language (DESIGN.md, "Language and
//! time"): the example event's keyholders read Norwegian Bokmål at the key
//! test, the unlock, a partial decryption and the combination; an event whose
//! manifest says `language = "en"` reads English; error lines, codes and the
//! ceremony log stay English whatever the manifest says. Every ceremony step
//! prints the short election fingerprint.
//!
//! And every message id the shell names exists in the English file (so in
//! every language: the i18n unit tests check that each language has exactly
//! the English ids).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> PathBuf {
    root().join("keys-example").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// The short fingerprint urne shows ("1ea0 4b0b …"), checked to be the
/// start of the key file's full fingerprint.
fn shown_fingerprint(text: &str, label: &str, key_file: &Path) -> String {
    let shown = text
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
        .trim()
        .to_string();
    let key: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(key_file).unwrap()).unwrap();
    let full = key["fingerprint"].as_str().unwrap().replace(' ', "");
    assert!(shown.len() >= 16, "{shown}");
    assert!(
        full.starts_with(&shown.replace(' ', "")),
        "{shown} is not the start of {full}"
    );
    shown
}

const NB_FINGERPRINT: &str = "Valgnøkkelens fingeravtrykk: ";
const EN_FINGERPRINT: &str = "Election fingerprint: ";

/// A small simulated box for the example event (language nb) with the
/// example 2-of-2 key.
fn example_event() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&[
        "-d",
        s(tmp.path()),
        "simulate",
        "--manifest",
        s(&root().join("examples/event/manifest.toml")),
        "--key",
        s(&example("election-key.json")),
        "--voters",
        "40",
        "--bad",
        "1",
    ]);
    assert_ok(&o);
    tmp
}

#[test]
fn the_example_events_unlock_speaks_norwegian_and_shows_the_fingerprint() {
    let ev = example_event();
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
    let (out, err) = (stdout(&o), stderr(&o));
    for nb in [
        "Opplåsingsseremoni for sogne-songdalen-2027: 2 av de 2 nøkkelholderne trengs.",
        "Nøkkelholder 1 (Kari Nordmann): nøkkelandelen er åpnet og kontrollert",
        "Urnen er kontrollert: kjeden, forseglingen og hvert bevis: ",
        " stemmesedler på ",
        "Den delvise dekrypteringen til Ola Hansen er laget, med bevis",
        "Antallene er funnet og kontrollert mot de delvise dekrypteringene",
    ] {
        assert!(err.contains(nb), "{nb:?} missing from stderr:\n{err}");
    }
    for nb in [
        "e-stemmer mottatt ",
        "Opptellingen er skrevet til ",
        "Kryss i manntallet (velgere med en talt e-stemme)",
        "Sammenlign det med fingeravtrykket",
    ] {
        assert!(out.contains(nb), "{nb:?} missing from stdout:\n{out}");
    }
    // The fingerprint before anyone types, and again with the result.
    let key = example("election-key.json");
    let before = shown_fingerprint(&err, NB_FINGERPRINT, &key);
    let after = shown_fingerprint(&out, NB_FINGERPRINT, &key);
    assert_eq!(before, after);
    // The figures as Norwegian writes them: a decimal comma in the shares.
    assert!(out.contains(",") && out.contains("\u{a0}%"), "{out}");
    // The postal trial after it: Norwegian, with the reason's words and
    // code, and the fingerprint.
    let env = ev.path().join("envelopes.csv");
    fs::write(
        &env,
        "envelope_id,voter_id,received_at,referendum\nE1,sogne-999999,2027-02-01T10:00:00+01:00,sogne\n",
    )
    .unwrap();
    let o = run(&[
        "-d",
        s(ev.path()),
        "postal",
        "trial",
        "--envelopes",
        s(&env),
    ]);
    assert_ok(&o);
    let trial = stdout(&o);
    assert!(
        trial.contains("sogne: 1 omslagskonvolutt mottatt, 0 godkjent, 1 forkastet"),
        "{trial}"
    );
    assert!(
        trial.contains("Velgeren er ikke manntallsført [P-NOT-IN-ROLL]: 1"),
        "{trial}"
    );
    shown_fingerprint(&trial, NB_FINGERPRINT, &key);
    // No English ceremony words are left (the option names are the event's).
    for en in [
        "Keyholder",
        "share opened",
        "Ballot box checked",
        "Tally written",
        "ballots",
    ] {
        assert!(
            !out.contains(en) && !err.contains(en),
            "{en:?} in an nb ceremony:\n{out}\n{err}"
        );
    }
    // The ceremony log stays English.
    let log = fs::read_to_string(ev.path().join("ceremony-log.jsonl")).unwrap();
    assert!(log.contains("ballots counted; keyholders"), "{log}");
}

#[test]
fn the_language_help_topic_says_what_stays_english() {
    let o = run(&["help", "language"]);
    assert_ok(&o);
    let text = stdout(&o);
    for says in [
        "language = \"nb\"",
        "Always English",
        "urne explain CODE",
        "i18n/<tag>/urne.ftl",
    ] {
        assert!(text.contains(says), "{says:?} missing:\n{text}");
    }
}

#[test]
fn partial_decryptions_and_their_combination_each_show_the_fingerprint() {
    let ev = example_event();
    let key = example("election-key.json");
    for i in [1, 2] {
        let o = run(&[
            "-d",
            s(ev.path()),
            "partial-decrypt",
            "--share",
            s(&example(&format!("keyholder-{i}.share"))),
            "--passphrase-file",
            s(&example(&format!("passphrase-{i}.txt"))),
        ]);
        assert_ok(&o);
        let out = stdout(&o);
        assert!(
            out.contains(&format!(
                "Den delvise dekrypteringen til nøkkelholder {i} ("
            )),
            "{out}"
        );
        assert!(out.contains("den inneholder ingen hemmelighet"), "{out}");
        shown_fingerprint(&out, NB_FINGERPRINT, &key);
        shown_fingerprint(&stderr(&o), NB_FINGERPRINT, &key);
        assert!(
            stderr(&o).contains("Delvis dekryptering for sogne-songdalen-2027"),
            "{}",
            stderr(&o)
        );
    }
    let o = run(&["-d", s(ev.path()), "combine"]);
    assert_ok(&o);
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(
        err.contains("Setter sammen de delvise dekrypteringene for sogne-songdalen-2027"),
        "{err}"
    );
    assert!(out.contains("Opptellingen er skrevet til"), "{out}");
    assert_eq!(
        shown_fingerprint(&out, NB_FINGERPRINT, &key),
        shown_fingerprint(&err, NB_FINGERPRINT, &key)
    );
}

#[test]
fn the_key_test_speaks_the_events_language_and_errors_stay_english() {
    let ev = example_event();
    fs::copy(
        example("election-key.json"),
        ev.path().join("election-key.json"),
    )
    .unwrap();
    let o = run(&[
        "-d",
        s(ev.path()),
        "key",
        "test",
        "--share",
        s(&example("keyholder-2.share")),
        "--passphrase-file",
        s(&example("passphrase-2.txt")),
    ]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(
        out.contains("Nøkkeltesten er bestått: nøkkelholder 2 (Ola Hansen)"),
        "{out}"
    );
    shown_fingerprint(&out, NB_FINGERPRINT, &example("election-key.json"));
    // Opening the share (seconds of Argon2 with a real passphrase) is a
    // step of its own on screen.
    assert!(
        stderr(&o).contains("Nøkkelholder 2 (Ola Hansen): nøkkelandelen er åpnet og kontrollert"),
        "{}",
        stderr(&o)
    );
    // A wrong passphrase: the error line is English, with its code.
    let wrong = ev.path().join("wrong.txt");
    fs::write(&wrong, "not the passphrase at all\n").unwrap();
    let o = run(&[
        "-d",
        s(ev.path()),
        "key",
        "test",
        "--share",
        s(&example("keyholder-2.share")),
        "--passphrase-file",
        s(&wrong),
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("urne: error[E-SHARE-PASSPHRASE]: wrong passphrase for keyholder 2's share"),
        "{err}"
    );
}

/// The example event in English, 2 of 3, made with the fast test KDF.
fn english_two_of_three() -> (tempfile::TempDir, [PathBuf; 3]) {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = fs::read_to_string(root().join("examples/event/manifest.toml"))
        .unwrap()
        .replace("language = \"nb\"", "language = \"en\"")
        .replace(
            "keyholders = [\"Kari Nordmann\", \"Ola Hansen\"]",
            "keyholders = [\"Kari Nordmann\", \"Ola Hansen\", \"Nora Berg\"]",
        );
    assert!(manifest.contains("language = \"en\"") && manifest.contains("Nora Berg"));
    let m = tmp.path().join("m.toml");
    fs::write(&m, manifest).unwrap();
    let pass = [1, 2, 3].map(|i| {
        let p = tmp.path().join(format!("pass-{i}.txt"));
        fs::write(&p, format!("rehearsal passphrase of keyholder {i}\n")).unwrap();
        p
    });
    let ev = tmp.path().join("event");
    let o = run(&[
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
    ]);
    assert_ok(&o);
    (tmp, pass)
}

#[test]
fn an_english_event_speaks_english_and_a_failed_keyholder_is_named() {
    let (tmp, pass) = english_two_of_three();
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
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(
        err.contains(
            "Keyholder 2 (Ola Hansen) is left out of the unlock: the passphrase was wrong once [E-SHARE-PASSPHRASE]"
        ),
        "{err}"
    );
    assert!(
        err.contains("the unlock goes on without Keyholder 2 (Ola Hansen)."),
        "{err}"
    );
    assert!(
        err.contains("Ballot box checked: chain, seal and every proof: "),
        "{err}"
    );
    assert!(out.contains("Tally written to "), "{out}");
    shown_fingerprint(&out, EN_FINGERPRINT, &ev.join("election-key.json"));
    assert!(!out.contains("Valgnøkkelens") && !err.contains("Nøkkelholder"));
}

/// The ids the shell names with `tr!("…")`, `banner("…")` and the rounds'
/// `"ceremony-round-N"`, each checked to be in the English file.
#[test]
fn every_message_the_shell_names_is_in_the_language_files() {
    let en = urne::i18n::Lang::parse("en").unwrap();
    let nb = urne::i18n::Lang::parse("nb").unwrap();
    let mut named = Vec::new();
    for e in fs::read_dir(root().join("src/cli")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for pat in ["tr!(", "banner(", "banner(&s,", "say::t(", "Unit { id:"] {
            for (at, _) in text.match_indices(pat) {
                // `tr!(` itself, not the end of `include_str!(`.
                let before = text[..at].chars().next_back().unwrap_or(' ');
                if before.is_ascii_alphanumeric() || before == '_' {
                    continue;
                }
                // The id is the string literal that opens the call (after
                // any line break rustfmt put there); a call with a computed
                // id is checked where the id is written.
                let rest = text[at + pat.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let id: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                named.push((path.file_name().unwrap().to_string_lossy().into_owned(), id));
            }
        }
    }
    assert!(named.len() > 120, "only {} ids found", named.len());
    for (file, id) in &named {
        assert!(
            urne::i18n::has(en, id),
            "{file} names {id:?}, which i18n/en/urne.ftl lacks"
        );
        assert!(
            urne::i18n::has(nb, id),
            "{file} names {id:?}, which i18n/nb/urne.ftl lacks"
        );
    }
}
