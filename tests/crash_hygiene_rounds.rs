//! The ceremony steps tests/crash_hygiene.rs does not kill: every round of
//! the dealerless key ceremony on each keyholder's medium, the partial
//! decryptions and their combination on separate machines, the protocol's
//! signatures and a publication. Each is killed with SIGKILL at seeded
//! moments; nothing is half-written, the re-run removes what the kills left
//! (saying so) and completes, and the result still verifies.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::crash::*;

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[test]
fn killed_rounds_of_the_dealerless_ceremony_rerun_to_the_same_key() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::copy(
        root().join("examples/event/manifest.toml"),
        d.join("manifest.toml"),
    )
    .unwrap();
    for i in 1..=2 {
        fs::create_dir_all(d.join(format!("medium-{i}"))).unwrap();
        fs::write(
            d.join(format!("pass-{i}.txt")),
            format!("keyholder {i}'s own passphrase\n"),
        )
        .unwrap();
    }
    let round = |name: &str, i: u32| -> Vec<String> {
        let medium = d.join(format!("medium-{i}"));
        let pass = d.join(format!("pass-{i}.txt"));
        s(&[
            "ceremony",
            name,
            "--keyholder",
            &i.to_string(),
            "--medium",
            medium.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--insecure-fast-kdf",
            "--force",
        ])
    };
    for name in ["certificate", "deal", "confirm"] {
        for i in 1..=2 {
            kill_and_rerun(
                d,
                &format!("ceremony {name}, keyholder {i}"),
                &round(name, i),
            );
        }
    }
    kill_and_rerun(
        d,
        "ceremony assemble",
        &s(&["ceremony", "assemble", "--force"]),
    );
    // The re-runs made the same files from the sealed seeds: the key the
    // first runs made is the key the last run assembled, and both
    // keyholders' shares still prove against it.
    let key: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("election-key.json")).unwrap()).unwrap();
    assert_eq!(key["ceremony"]["kind"], "dealerless");
    for i in 1..=2 {
        let share = d.join(format!("medium-{i}/keyholder-{i}.share"));
        let pass = d.join(format!("pass-{i}.txt"));
        run_ok(
            d,
            &s(&[
                "key",
                "test",
                "--share",
                share.to_str().unwrap(),
                "--passphrase-file",
                pass.to_str().unwrap(),
            ]),
        );
    }
}

fn verify_holds(d: &Path, what: &str) {
    let o = Command::new(BIN).arg("verify").arg(d).output().unwrap();
    assert!(
        o.status.success(),
        "verify after the kills of {what}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn killed_partial_decryptions_combine_signatures_and_publication_rerun_to_a_verified_result() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let o = Command::new(BIN)
        .args(["demo", "--out", d.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = |rel: &str| d.join(rel).to_string_lossy().into_owned();

    for i in 1..=2 {
        kill_and_rerun(
            &d,
            &format!("partial-decrypt, keyholder {i}"),
            &[
                "partial-decrypt".into(),
                "--share".into(),
                p(&format!("media/keyholder-{i}/keyholder-{i}.share")),
                "--passphrase-file".into(),
                p(&format!("example-passphrases/keyholder-{i}.txt")),
                "--force".into(),
            ],
        );
    }
    kill_and_rerun(&d, "combine", &s(&["combine", "--force"]));

    // The new tally is a new file (its time of making differs), so the
    // protocols rest on the old one until they are made again: then each
    // member's signature is killed and made again.
    run_ok(&d, &s(&["protocol", "--force"]));
    for slug in ["ingrid-berg", "per-olsen", "aisha-khan"] {
        kill_and_rerun(
            &d,
            &format!("protocol sign, {slug}"),
            &[
                "protocol".into(),
                "sign".into(),
                "--key".into(),
                p(&format!("example-signer-keys/{slug}.key")),
                "--passphrase-file".into(),
                p(&format!("example-passphrases/{slug}.txt")),
            ],
        );
    }
    verify_holds(&d, "protocol sign");

    // A publication: the first makes the publisher key, each killed re-run
    // is a further publication of the same figures.
    let out = tmp.path().join("www");
    let pass = tmp.path().join("publisher.txt");
    fs::write(&pass, "the publisher's own passphrase\n").unwrap();
    run_ok(
        &d,
        &[
            "publish".into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
            "--new-publisher-key".into(),
            "--insecure-fast-kdf".into(),
            "--passphrase-file".into(),
            pass.to_string_lossy().into_owned(),
        ],
    );
    let publish = vec![
        "publish".into(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
        "--passphrase-file".into(),
        pass.to_string_lossy().into_owned(),
    ];
    kill_and_rerun(&d, "publish (event directory)", &publish);
    assert_nothing_half_written(&out, "publish (publication directory)", 0);
    assert_eq!(
        temp_files(&out),
        Vec::<std::path::PathBuf>::new(),
        "publish left temporary files in the publication directory"
    );
    verify_holds(&d, "publish");
}
