//! Killing a step with SIGKILL at seeded moments and checking what it left:
//! no artifact half-written, the re-run removes the stale temporary files
//! (saying so) and completes. docs/SPEC.md, "Temporary files".

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_urne");
/// Kills per step, each at its own seeded moment.
pub const SEEDS: u64 = 4;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn cmd(dir: &Path, args: &[String]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("-d").arg(dir).args(args);
    c.stdin(Stdio::null());
    c
}

pub fn run_ok(dir: &Path, args: &[String]) -> Output {
    let o = cmd(dir, args).output().expect("urne runs");
    assert!(
        o.status.success(),
        "urne {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// A small deterministic generator for the kill moments (splitmix64).
pub fn moment(seed: u64, within: Duration) -> Duration {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let nanos = u64::try_from(within.as_nanos()).unwrap_or(u64::MAX).max(1);
    Duration::from_nanos(z % nanos)
}

pub fn all_files(dir: &Path) -> Vec<PathBuf> {
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

pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".urne-tmp-"))
        .collect()
}

/// Every artifact in `dir` is whole: JSON files parse, JSON-lines files parse
/// line by line and end with a newline, CSV and HTML files end as their
/// writer ends them.
pub fn assert_nothing_half_written(dir: &Path, step: &str, seed: u64) {
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
pub fn kill_and_rerun(dir: &Path, step: &str, args: &[String]) {
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
