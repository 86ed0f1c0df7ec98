//! Ceremony steps killed with SIGKILL at random moments (several seeds each):
//! no artifact is ever half-written, the re-run of the step removes the
//! temporary files the killed runs left (and says so), completes, and the
//! event still verifies. docs/SPEC.md, "Temporary files".
#![cfg(unix)]

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::crash::*;

#[test]
fn killed_ceremony_steps_leave_nothing_half_written_and_rerun_to_a_verified_event() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("demo");
    let o = Command::new(BIN)
        .args(["demo", "--out", d.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = |rel: &str| d.join(rel).to_string_lossy().into_owned();

    // In the order of the count, each step redone after its kills, so that
    // every later step reads what the re-run wrote.
    let unlock = vec![
        "unlock".into(),
        "--share".into(),
        p("media/keyholder-1/keyholder-1.share"),
        "--share".into(),
        p("media/keyholder-2/keyholder-2.share"),
        "--passphrase-file".into(),
        p("example-passphrases/keyholder-1.txt"),
        "--passphrase-file".into(),
        p("example-passphrases/keyholder-2.txt"),
        "--force".into(),
    ];
    kill_and_rerun(&d, "unlock", &unlock);
    let trial = vec![
        "postal".into(),
        "trial".into(),
        "--envelopes".into(),
        p("postal-input/envelopes.csv"),
        "--force".into(),
    ];
    kill_and_rerun(&d, "postal trial", &trial);
    let count = vec![
        "postal".into(),
        "count".into(),
        "--entries".into(),
        p("postal-input/count-entries.csv"),
        "--force".into(),
    ];
    kill_and_rerun(&d, "postal count", &count);
    kill_and_rerun(&d, "protocol", &strings(&["protocol", "--force"]));
    // `protocol --force` removes the signatures; the leadership signs again.
    for slug in ["ingrid-berg", "per-olsen", "aisha-khan"] {
        run_ok(
            &d,
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
    let o = Command::new(BIN).arg("verify").arg(&d).output().unwrap();
    assert!(
        o.status.success(),
        "verify after the kills: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_killed_box_cast_leaves_a_box_that_closes_and_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::copy(
        root().join("examples/event/manifest.toml"),
        d.join("manifest.toml"),
    )
    .unwrap();
    fs::copy(
        root().join("keys-example/election-key.json"),
        d.join("election-key.json"),
    )
    .unwrap();
    let voters: Vec<String> = (1..=SEEDS + 1).map(|i| format!("v-{i:04}")).collect();
    let mut roll = String::from("voter_id,referendum\n");
    for v in &voters {
        roll.push_str(&format!("{v},sogne\n"));
    }
    fs::write(d.join("roll.csv"), roll).unwrap();
    let pass = d.join("box-pass.txt");
    fs::write(&pass, "the box key passphrase for this test\n").unwrap();
    let pass = pass.to_string_lossy().into_owned();
    // The credential authority's step, before the box opens.
    let codes = common::credentials::issue(d);
    run_ok(
        d,
        &strings(&[
            "box",
            "init",
            "--insecure-fast-kdf",
            "--passphrase-file",
            &pass,
        ]),
    );
    let at = "2027-01-25T12:00:00+01:00";
    let mut cast_args = Vec::new();
    for v in &voters {
        let ballot = d.join(format!("{v}.ballot.json"));
        let code = common::credentials::code_file_of(d, v, &codes[v]);
        run_ok(
            d,
            &strings(&[
                "encrypt",
                "--referendum",
                "sogne",
                "--voter",
                v,
                "--credential-file",
                &code.to_string_lossy(),
                "--choice",
                "Ja",
                "--out",
                &ballot.to_string_lossy(),
            ]),
        );
        cast_args.push(strings(&[
            "box",
            "cast",
            "--ballot",
            &ballot.to_string_lossy(),
            "--voter",
            v,
            "--referendum",
            "sogne",
            "--at",
            at,
        ]));
    }
    // The first voter's cast bounds the kill moments; each later voter's is
    // killed once, then cast again to the end.
    let start = Instant::now();
    run_ok(d, &cast_args[0]);
    let took = start.elapsed().min(Duration::from_secs(5));
    for (seed, args) in (1..=SEEDS).zip(&cast_args[1..]) {
        let mut child = cmd(d, args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(moment(seed, took));
        let _ = child.kill();
        let _ = child.wait();
        assert_nothing_half_written(d, "box cast", seed);
        // The box holds the ballot or not; casting again either adds it or,
        // if the killed run had, refuses it as a second vote (policy single).
        let o = cmd(d, args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() || err.contains("error["),
            "box cast again: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    run_ok(
        d,
        &strings(&[
            "box",
            "close",
            "--passphrase-file",
            &pass,
            "--at",
            "2027-02-02T22:00:00+01:00",
        ]),
    );
    assert_eq!(temp_files(d), Vec::<PathBuf>::new(), "temporary files left");
    // Unlock checks the whole chain, the seal and every proof, and counts.
    let k = |rel: &str| {
        root()
            .join("keys-example")
            .join(rel)
            .to_string_lossy()
            .into_owned()
    };
    run_ok(
        d,
        &[
            "unlock".into(),
            "--share".into(),
            k("keyholder-1.share"),
            "--share".into(),
            k("keyholder-2.share"),
            "--passphrase-file".into(),
            k("passphrase-1.txt"),
            "--passphrase-file".into(),
            k("passphrase-2.txt"),
        ],
    );
    let tally: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("tally.json")).unwrap()).unwrap();
    let sogne = &tally["referendums"][0];
    assert_eq!(sogne["id"], "sogne");
    assert_eq!(
        sogne["results"][0]["votes"].as_u64(),
        Some(voters.len() as u64),
        "every voter's Ja is counted once: {sogne}"
    );
}
