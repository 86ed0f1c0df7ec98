//! What a keyholder types before being asked is neither shown nor taken.
//!
//! At an unlock, keyholder 2 may start typing while keyholder 1's share is
//! still being opened (seconds of Argon2 in front of the observers). urne
//! turns echo off and discards what was typed ahead *before* it shows the
//! next prompt (src/cli/prompt.rs). rpassword alone turned echo off only
//! while it read, so the typed-ahead passphrase appeared on the screen.
//!
//! Needs `tmux` on PATH (scripts/test installs it).
#![cfg(unix)]

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::crash::{root, BIN};
use common::tmux::Tmux;

fn example(name: &str) -> PathBuf {
    root().join("keys-example").join(name)
}

fn passphrase(i: u32) -> String {
    fs::read_to_string(example(&format!("passphrase-{i}.txt")))
        .unwrap()
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

#[test]
fn a_passphrase_typed_ahead_during_the_previous_share_is_not_echoed() {
    let ev = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .arg("-d")
        .arg(ev.path())
        .args(["simulate", "--manifest"])
        .arg(root().join("examples/event/manifest.toml"))
        .arg("--key")
        .arg(example("election-key.json"))
        .args(["--voters", "40", "--bad", "0"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let tmux = Tmux::new("typeahead");
    let command = format!(
        "'{}' -d '{}' unlock --share '{}' --share '{}'; echo URNE-EXIT=$?; sleep 600",
        BIN,
        ev.path().display(),
        example("keyholder-1.share").display(),
        example("keyholder-2.share").display(),
    );
    tmux.ok(&[
        "new-session",
        "-d",
        "-s",
        "typeahead",
        "-x",
        "200",
        "-y",
        "60",
        "sh",
        "-c",
        &command,
    ]);
    let started = Instant::now();
    // The prompts name the share file, in any language.
    let first = "keyholder-1.share:";
    let second = "keyholder-2.share:";
    tmux.wait_for("keyholder 1's prompt", started, |sc| sc.contains(first));
    tmux.type_line(&passphrase(1));
    // Keyholder 2 types while keyholder 1's share is being opened.
    std::thread::sleep(Duration::from_millis(150));
    let ahead = "typed-ahead-by-keyholder-two";
    tmux.type_line(ahead);

    // Answer each of keyholder 2's prompts once it is shown; the typed-ahead
    // line is discarded, or (if the share opened before it arrived) is one
    // failed try, never an echo.
    let mut answered = 0;
    let screen = loop {
        let screen = tmux.screen();
        if screen.contains("URNE-EXIT=") {
            break screen;
        }
        let asked = screen.matches(second).count();
        if asked > answered {
            tmux.type_line(&passphrase(2));
            answered = asked;
        }
        assert!(
            started.elapsed() < common::tmux::DEADLINE,
            "the unlock did not end; the screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        !screen.contains(ahead),
        "the typed-ahead passphrase is on the screen:\n{screen}"
    );
    assert!(!screen.contains(&passphrase(1)), "{screen}");
    assert!(!screen.contains(&passphrase(2)), "{screen}");
    assert!(screen.contains("URNE-EXIT=0"), "{screen}");
}
