//! Ceremony steps killed with SIGKILL at random moments (several seeds each):
//! no artifact is ever half-written, the re-run of the step removes the
//! temporary files the killed runs left (and says so), completes, and the
//! event still verifies. docs/SPEC.md, "Temporary files".
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_urne");
/// Kills per step, each at its own seeded moment.
const SEEDS: u64 = 4;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cmd(dir: &Path, args: &[String]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("-d").arg(dir).args(args);
    c.stdin(Stdio::null());
    c
}

fn run_ok(dir: &Path, args: &[String]) -> Output {
    let o = cmd(dir, args).output().expect("urne runs");
    assert!(
        o.status.success(),
        "urne {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// A small deterministic generator for the kill moments (splitmix64).
fn moment(seed: u64, within: Duration) -> Duration {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let nanos = u64::try_from(within.as_nanos()).unwrap_or(u64::MAX).max(1);
    Duration::from_nanos(z % nanos)
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".urne-tmp-"))
        .collect()
}

/// Every artifact in `dir` is whole: JSON files parse, JSON-lines files parse
/// line by line and end with a newline, CSV and HTML files end as their
/// writer ends them.
fn assert_nothing_half_written(dir: &Path, step: &str, seed: u64) {
    for p in all_files(dir) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains(".urne-tmp-") {
            continue;
        }
        let bytes = fs::read(&p).unwrap();
        let whole = if name.ends_with(".jsonl") {
            bytes.ends_with(b"\n")
                && bytes
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .all(|l| serde_json::from_slice::<serde_json::Value>(l).is_ok())
        } else if name.ends_with(".json") || name.ends_with(".share") || name.ends_with(".key") {
            serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()
        } else if name.ends_with(".csv") {
            bytes.is_empty() || bytes.ends_with(b"\n")
        } else if name.ends_with(".html") {
            String::from_utf8_lossy(&bytes)
                .trim_end()
                .ends_with("</html>")
        } else {
            true
        };
        assert!(
            whole,
            "{step}, seed {seed}: {} is half-written",
            p.strip_prefix(dir).unwrap().display()
        );
    }
}

/// Runs `args` to the end once (its duration bounds the kill moments), then
/// `SEEDS` times kills it with SIGKILL at a seeded moment within that, checks
/// nothing is half-written, and runs it again to the end: the stale
/// temporary files are removed with a line saying so, and none is left.
fn kill_and_rerun(dir: &Path, step: &str, args: &[String]) {
    let start = Instant::now();
    run_ok(dir, args);
    let took = start.elapsed().min(Duration::from_secs(5));
    let mut left_behind = 0;
    for seed in 1..=SEEDS {
        let mut child = cmd(dir, args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(moment(seed * 7919 + step.len() as u64, took));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_nothing_half_written(dir, step, seed);
        left_behind = left_behind.max(temp_files(dir).len());
    }
    let had = temp_files(dir);
    let o = run_ok(dir, args);
    let err = String::from_utf8_lossy(&o.stderr);
    for t in &had {
        let shown = t.display().to_string();
        assert!(
            err.contains(&shown) && err.contains("interrupted earlier run"),
            "{step}: the re-run did not say it removed {shown}: {err}"
        );
    }
    assert_eq!(
        temp_files(dir),
        Vec::<PathBuf>::new(),
        "{step}: temporary files left"
    );
    assert_nothing_half_written(dir, step, 0);
    eprintln!(
        "{step}: took {took:?}; at most {left_behind} temporary files left by a kill, removed"
    );
}

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
        run_ok(
            d,
            &strings(&[
                "encrypt",
                "--referendum",
                "sogne",
                "--voter",
                v,
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
