//! Keyholders at a real terminal (tmux), in the example event's language
//! (Norwegian Bokmål), beyond the plain unlock of tests/tmux_unlock.rs:
//!
//! - at a 2-of-3 unlock, keyholder 2 mistypes three times: they are named,
//!   left out, keyholder 1 is not asked again, keyholder 3 is asked next,
//!   and the unlock goes on with keyholders 1 and 3;
//! - the rehearsal key ceremony (`urne keygen`) asks each keyholder for their
//!   own medium in turn, refuses for keyholder 2 the passphrase keyholder 1
//!   chose, and shows the election fingerprint.
//!
//! Needs `tmux` on PATH. Every wait is bounded; each tmux server runs on a
//! socket of its own and is killed at the end.

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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The example manifest (language nb) with a third keyholder, 2 of 3.
fn two_of_three_manifest(dir: &Path) -> PathBuf {
    let manifest = fs::read_to_string(root().join("examples/event/manifest.toml"))
        .unwrap()
        .replace(
            "keyholders = [\"Kari Nordmann\", \"Ola Hansen\"]",
            "keyholders = [\"Kari Nordmann\", \"Ola Hansen\", \"Nora Berg\"]",
        );
    assert!(manifest.contains("Nora Berg") && manifest.contains("language = \"nb\""));
    let m = dir.join("m.toml");
    fs::write(&m, manifest).unwrap();
    m
}

fn passphrase(i: u32) -> String {
    format!("rehearsal passphrase of keyholder {i}")
}

#[test]
fn a_keyholder_who_mistypes_three_times_is_named_and_the_unlock_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let m = two_of_three_manifest(tmp.path());
    let pass: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let p = tmp.path().join(format!("pass-{i}.txt"));
            fs::write(&p, format!("{}\n", passphrase(i))).unwrap();
            p
        })
        .collect();
    let ev = tmp.path().join("event");
    let o = Command::new(BIN)
        .args(["-d", s(&ev), "simulate", "--manifest", s(&m)])
        .args(["--voters", "60", "--insecure-fast-kdf"])
        .args(pass.iter().flat_map(|p| ["--passphrase-file", s(p)]))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let share = |i: u32| ev.join(format!("shares/keyholder-{i}.share"));
    let tmux = Tmux::new("three-tries");
    tmux.start(
        &format!(
            "'{BIN}' -d '{}' unlock --share '{}' --share '{}' --share '{}'",
            s(&ev),
            s(&share(1)),
            s(&share(2)),
            s(&share(3)),
        ),
        220,
        60,
    );
    let started = Instant::now();
    let prompt = |i: u32, name: &str| format!("Nøkkelholder {i} ({name}), passordfrase for");
    let (p1, p2, p3) = (
        prompt(1, "Kari Nordmann"),
        prompt(2, "Ola Hansen"),
        prompt(3, "Nora Berg"),
    );
    tmux.wait_for("keyholder 1's prompt", started, |sc| sc.contains(&p1));
    tmux.type_line(&passphrase(1));
    for attempt in 1..=3 {
        tmux.wait_for("keyholder 2's prompt", started, |sc| {
            sc.matches(&p2).count() == attempt
        });
        tmux.type_line("not Ola's passphrase at all");
    }
    let screen = tmux.wait_for("keyholder 3's prompt", started, |sc| sc.contains(&p3));
    assert!(
        screen.contains("(2 forsøk igjen)") && screen.contains("(ett forsøk igjen)"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "Nøkkelholder 2 (Ola Hansen) holdes utenfor opplåsingen: passordfrasen var feil 3 ganger [E-SHARE-PASSPHRASE]"
        ),
        "{screen}"
    );
    assert_eq!(screen.matches(&p1).count(), 1, "asked again:\n{screen}");
    assert_eq!(screen.matches(&p2).count(), 3, "{screen}");
    assert!(!screen.contains("Urnen er kontrollert"), "{screen}");
    tmux.type_line(&passphrase(3));
    let screen = tmux.wait_for("the end", started, |sc| sc.contains("URNE-EXIT="));
    assert!(screen.contains("URNE-EXIT=0"), "{screen}");
    assert!(
        screen.contains(
            "2 nøkkelandeler er åpnet; 2 trengs: opplåsingen fortsetter uten Nøkkelholder 2 (Ola Hansen)."
        ),
        "{screen}"
    );
    let at = |needle: &str| {
        screen
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not on the screen:\n{screen}"))
    };
    assert!(at("opplåsingen fortsetter") < at("Urnen er kontrollert"));
    assert!(at("Urnen er kontrollert") < at("Opptellingen er skrevet til"));
    assert!(
        !screen.contains("not Ola's passphrase"),
        "echoed:\n{screen}"
    );
    let tally: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ev.join("tally.json")).unwrap()).unwrap();
    assert_eq!(tally["keyholders_used"], serde_json::json!([1, 3]));
}

#[test]
fn keygen_asks_each_keyholder_for_their_medium_and_refuses_a_passphrase_already_chosen() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("event");
    fs::create_dir_all(&ev).unwrap();
    fs::copy(two_of_three_manifest(tmp.path()), ev.join("manifest.toml")).unwrap();
    let media: Vec<PathBuf> = (1..=3)
        .map(|i| tmp.path().join(format!("usb-{i}")))
        .collect();
    for m in &media {
        fs::create_dir_all(m).unwrap();
    }
    let tmux = Tmux::new("keygen");
    tmux.start(
        &format!("'{BIN}' -d '{}' keygen --insecure-fast-kdf", s(&ev)),
        220,
        60,
    );
    let started = Instant::now();
    let medium = |i: u32, name: &str| {
        format!("Nøkkelholder {i} ({name}): sett inn ditt eget medium og skriv mappen")
    };
    let names = ["Kari Nordmann", "Ola Hansen", "Nora Berg"];
    for (i, name) in (1u32..).zip(names) {
        tmux.wait_for("the medium prompt", started, |sc| {
            sc.contains(&medium(i, name))
        });
        tmux.type_line(s(&media[i as usize - 1]));
        let asked = format!("Ny passordfrase for {name}:");
        tmux.wait_for("the passphrase prompt", started, |sc| sc.contains(&asked));
        // Keyholder 2 first tries keyholder 1's passphrase.
        let first = if i == 2 { passphrase(1) } else { passphrase(i) };
        tmux.type_line(&first);
        tmux.wait_for("the second prompt", started, |sc| {
            sc.matches("Skriv den en gang til:").count() == i as usize + usize::from(i == 3)
        });
        tmux.type_line(&first);
        if i == 2 {
            let screen = tmux.wait_for("the refusal", started, |sc| {
                sc.contains("Nøkkelholder 1 har allerede valgt den passordfrasen")
            });
            assert!(screen.contains("Velg en annen."), "{screen}");
            tmux.wait_for("the prompt again", started, |sc| {
                sc.matches(&asked).count() == 2
            });
            tmux.type_line(&passphrase(2));
            tmux.wait_for("the second prompt", started, |sc| {
                sc.matches("Skriv den en gang til:").count() == 3
            });
            tmux.type_line(&passphrase(2));
        }
    }
    let screen = tmux.wait_for("the end", started, |sc| sc.contains("URNE-EXIT="));
    assert!(screen.contains("URNE-EXIT=0"), "{screen}");
    // Each share on its own keyholder's medium, and nowhere else.
    for (i, m) in (1..=3).zip(&media) {
        for j in 1..=3 {
            assert_eq!(
                m.join(format!("keyholder-{j}.share")).exists(),
                i == j,
                "keyholder-{j}.share on usb-{i}"
            );
        }
    }
    assert!(!ev.join("shares").exists());
    let fp = screen
        .lines()
        .find_map(|l| l.strip_prefix("Valgnøkkelens fingeravtrykk: "))
        .unwrap_or_else(|| panic!("no fingerprint:\n{screen}"));
    let key: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ev.join("election-key.json")).unwrap()).unwrap();
    let full = key["fingerprint"].as_str().unwrap().replace(' ', "");
    assert!(
        full.starts_with(&fp.trim().replace(' ', "")),
        "{fp} / {full}"
    );
    for i in 1..=3 {
        assert!(!screen.contains(&passphrase(i)), "echoed:\n{screen}");
    }
}
