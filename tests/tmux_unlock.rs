//! The unlock ceremony at a real terminal, as keyholders live it: tmux runs
//! `urne unlock` in a pseudo-terminal, the test types the passphrases
//! (mistyping one), and reads the screen: the prompts, the second try, the
//! shares opened before the box is read, and the progress bar with its count.
//!
//! Needs `tmux` on PATH (scripts/test installs what the suite needs). Every
//! wait is bounded; the tmux server runs on a socket of its own and is
//! killed at the end.

mod common;

use common::tmux::Tmux;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

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

fn passphrase(i: u32) -> String {
    fs::read_to_string(example(&format!("passphrase-{i}.txt")))
        .unwrap()
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

/// A small simulated event with the example (2-of-2) election key.
fn simulated() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["-d", s(tmp.path()), "simulate", "--manifest"])
        .arg(root().join("examples/event/manifest.toml"))
        .arg("--key")
        .arg(example("election-key.json"))
        .args(["--voters", "200", "--bad", "1"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tmp
}

#[test]
fn keyholders_type_their_passphrases_one_mistypes_and_the_screen_shows_progress() {
    let ev = simulated();
    let ballots = fs::read_to_string(ev.path().join("box.jsonl"))
        .unwrap()
        .lines()
        .count()
        - 2;
    let tmux = Tmux::new("unlock");
    let command = format!(
        "'{}' -d '{}' unlock --share '{}' --share '{}'",
        BIN,
        s(ev.path()),
        s(&example("keyholder-1.share")),
        s(&example("keyholder-2.share")),
    );
    tmux.start(&command, 200, 60);
    let started = Instant::now();
    let first = "Nøkkelholder 1 (Kari Nordmann), passordfrase for";
    let second = "Nøkkelholder 2 (Ola Hansen), passordfrase for";

    let screen = tmux.wait_for("keyholder 1's prompt", started, |sc| sc.contains(first));
    // Before anyone types: the ceremony in the event's language, with the
    // election fingerprint to compare with the key ceremony's.
    let key: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(example("election-key.json")).unwrap()).unwrap();
    let full = key["fingerprint"].as_str().unwrap().replace(' ', "");
    let shown = screen
        .lines()
        .find_map(|l| l.strip_prefix("Valgnøkkelens fingeravtrykk: "))
        .unwrap_or_else(|| panic!("no fingerprint before the prompt:\n{screen}"));
    assert!(
        full.starts_with(&shown.trim().replace(' ', "")),
        "{shown} / {full}"
    );
    assert!(screen.contains("Opplåsingsseremoni for"), "{screen}");
    tmux.type_line(&passphrase(1));
    let screen = tmux.wait_for("keyholder 2's prompt", started, |sc| sc.contains(second));
    assert!(
        screen.contains("Nøkkelholder 1 (Kari Nordmann): nøkkelandelen er åpnet og kontrollert"),
        "keyholder 1's share is opened at once:\n{screen}"
    );

    // Keyholder 2 mistypes: asked again, keyholder 1 is not asked again.
    tmux.type_line("this is not Ola's passphrase");
    let screen = tmux.wait_for("the second try", started, |sc| {
        sc.matches(second).count() == 2
    });
    assert!(
        screen.contains("Passordfrasen åpner ikke") && screen.contains("(2 forsøk igjen)"),
        "{screen}"
    );
    assert_eq!(screen.matches(first).count(), 1, "{screen}");
    assert!(
        !screen.contains("Urnen er kontrollert") && !screen.contains("Kontrollerer urnen"),
        "the box is read only after every share is open:\n{screen}"
    );
    tmux.type_line(&passphrase(2));

    let screen = tmux.wait_for("the end of the unlock", started, |sc| {
        sc.contains("URNE-EXIT=")
    });
    assert!(screen.contains("URNE-EXIT=0"), "{screen}");
    // Nothing typed is shown.
    for p in [
        passphrase(1),
        passphrase(2),
        "this is not Ola's passphrase".into(),
    ] {
        assert!(
            !screen.contains(&p),
            "a passphrase is on the screen:\n{screen}"
        );
    }
    // The progress bar stays on screen when done, with its count and rate:
    // drawn only on a terminal (the plain line reads "…: N ballots in …").
    let bar = screen
        .lines()
        .find(|l| l.contains("Urnen er kontrollert: kjeden, forseglingen og hvert bevis ["))
        .unwrap_or_else(|| panic!("no progress bar on the screen:\n{screen}"));
    assert!(bar.contains("====="), "{bar}");
    assert!(
        bar.contains(&format!("] {ballots}/{ballots} stemmesedler")),
        "{bar}"
    );
    assert!(bar.contains(" stemmesedler/s"), "{bar}");
    // The order on the screen: both shares opened, then the box, then the result.
    let at = |needle: &str| {
        screen
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not on the screen:\n{screen}"))
    };
    assert!(at("Nøkkelholder 2 (Ola Hansen): nøkkelandelen er åpnet") < at("Urnen er kontrollert"));
    assert!(at("Urnen er kontrollert") < at("Opptellingen er skrevet til"));
}
