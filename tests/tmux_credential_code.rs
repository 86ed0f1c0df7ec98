//! `urne encrypt` asks for the voter's credential code at a real terminal
//! without echo: a mistyped code is refused by its check character and asked
//! for again before anything is signed, and the right one signs the ballot.
//! Nothing typed appears on the screen.
//!
//! Needs `tmux` on PATH (scripts/test installs it).
#![cfg(unix)]

mod common;

use std::fs;
use std::process::Command;
use std::time::Instant;

use common::crash::{root, BIN};
use common::credentials::simulated_code;
use common::tmux::Tmux;

#[test]
fn the_code_is_not_echoed_and_a_mistyped_one_is_refused_before_signing() {
    let ev = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .arg("-d")
        .arg(ev.path())
        .args(["simulate", "--manifest"])
        .arg(root().join("examples/event/manifest.toml"))
        .arg("--key")
        .arg(root().join("keys-example/election-key.json"))
        .args(["--voters", "5", "--bad", "0"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let voter = "sogne-000001";
    let code = simulated_code(voter).display().to_string();
    // One character changed (the first of the second group), so that only
    // the check character can tell.
    let mut typo: Vec<char> = code.chars().collect();
    typo[5] = if typo[5] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    assert_ne!(typo, code);

    let ballot = ev.path().join("ballot.json");
    let tmux = Tmux::new("credential-code");
    tmux.start(
        &format!(
            "'{}' -d '{}' encrypt --referendum sogne --voter {voter} --choice Ja --out '{}'",
            BIN,
            ev.path().display(),
            ballot.display()
        ),
        200,
        60,
    );
    let started = Instant::now();
    // The prompt names the voter (the example event speaks Norwegian).
    let prompts = |sc: &str| sc.matches(&format!("velger {voter}")).count();
    tmux.wait_for("the code prompt", started, |sc| prompts(sc) == 1);
    tmux.type_line(&typo);
    let screen = tmux.wait_for("the prompt again after the typo", started, |sc| {
        prompts(sc) == 2
    });
    assert!(
        screen.contains("check character does not match"),
        "the typo is not named:\n{screen}"
    );
    assert!(!ballot.exists(), "a ballot was written for a mistyped code");
    tmux.type_line(&code);
    let screen = tmux.wait_for("encrypt to end", started, |sc| sc.contains("URNE-EXIT="));
    assert!(screen.contains("URNE-EXIT=0"), "{screen}");
    // Neither code was shown, in any spelling.
    for typed in [&code, &typo] {
        assert!(
            !screen.contains(typed.as_str()),
            "{typed} echoed:\n{screen}"
        );
        assert!(
            !screen.contains(&typed.replace('-', "")),
            "{typed} echoed:\n{screen}"
        );
    }
    // The ballot is signed, with the voter's credential: the box takes it.
    let b: serde_json::Value = serde_json::from_str(&fs::read_to_string(&ballot).unwrap()).unwrap();
    assert!(b.get("credential").is_some(), "not signed: {b}");
    fs::write(ev.path().join("box-pass.txt"), "box operator passphrase\n").unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(BIN)
            .arg("-d")
            .arg(ev.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let pass = ev.path().join("box-pass.txt");
    run(&[
        "box",
        "init",
        "--force",
        "--insecure-fast-kdf",
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    run(&[
        "box",
        "cast",
        "--ballot",
        ballot.to_str().unwrap(),
        "--voter",
        voter,
        "--referendum",
        "sogne",
        "--at",
        "2027-01-25T10:00:00+01:00",
    ]);
}
