//! Per-cast time of `box cast`'s work after it has read the event's files
//! (bench/box.sh): open the box (lock, torn-line check, header, state file
//! checked against the box), check one ballot, append and sync it, update the
//! state file in place, close.
//!
//! ```text
//! box_cast CASTS EVENT_DIR [EVENT_DIR ...]
//! ```
//!
//! With several event directories (an empty box and a full one), the casts
//! alternate between them, the first box taking turns at going first, so
//! that the machine's load falls on all of them alike. Prints, per box, the
//! median, 99th percentile, mean, min and max over CASTS casts of the whole
//! work (wall clock), of its opening alone, and of the CPU time the process
//! spent on it (all threads, user and kernel: the time spent waiting for the
//! disk's `fdatasync` does not count in it), and the medians and p99s as
//! ratios of the first box's; and the bytes each cast read (rchar of /proc/self/io).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::OsRng;

use urne::ballot::{self, BallotContext};
use urne::ballot_box::intake::{Inputs, Intake, Offer};
use urne::ballot_box::state::FileStore;
use urne::crypto::encoding::{sha256, Digest32};
use urne::event::{Manifest, Roll};
use urne::keys::ElectionKey;

struct Event {
    dir: PathBuf,
    inputs: Arc<Inputs>,
    ballots: u64,
    open_ms: Vec<f64>,
    total_ms: Vec<f64>,
    cpu_ms: Vec<f64>,
    read_bytes: Vec<f64>,
}

/// Bytes this process has read with read(2) and the like so far
/// (`rchar` of /proc/self/io; the page cache's bytes count too).
fn rchar() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("rchar:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Nanoseconds of CPU time of every thread of this process so far, user and
/// kernel (`CLOCK_PROCESS_CPUTIME_ID`); 0 under valgrind, where rustix's
/// reading of the vDSO faults (there the instruction counts are the figure).
fn cpu_ns() -> u64 {
    static UNDER_VALGRIND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let valgrind = *UNDER_VALGRIND.get_or_init(|| {
        std::env::var("LD_PRELOAD").is_ok_and(|p| p.contains("valgrind") || p.contains("vgpreload"))
    });
    if valgrind {
        return 0;
    }
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

fn load(dir: &Path) -> Event {
    let manifest_bytes = std::fs::read(dir.join("manifest.toml")).expect("manifest");
    let manifest = Manifest::parse(
        std::str::from_utf8(&manifest_bytes).expect("utf-8"),
        "manifest.toml",
    )
    .expect("manifest");
    let key_text = std::fs::read_to_string(dir.join("election-key.json")).expect("key");
    let key = ElectionKey::from_json(&key_text, "election-key.json").expect("key");
    let (roll, roll_sha) = urne::fsio::read_hashed(&dir.join("roll.csv"), |r| {
        Roll::parse(r, "roll.csv", &manifest)
    })
    .expect("roll");
    let inputs = Arc::new(Inputs {
        manifest_sha256: sha256(&manifest_bytes),
        roll_sha256: Digest32::from_hex(&roll_sha).expect("hex").0,
        manifest,
        roll: roll.expect("roll"),
        key,
        credentials: None,
    });
    // Bring the state up to date first (a rebuild is not what is measured).
    let t = Instant::now();
    let opened = Intake::<FileStore>::open(&dir.join("box.jsonl"), inputs.clone()).expect("open");
    let ballots = opened.intake.position().ballots;
    eprintln!(
        "box_cast: {}: state {:?} in {:.1} s; box of {ballots} ballots",
        dir.display(),
        opened.origin,
        t.elapsed().as_secs_f64(),
    );
    drop(opened);
    Event {
        dir: dir.to_path_buf(),
        inputs,
        ballots,
        open_ms: Vec::new(),
        total_ms: Vec::new(),
        cpu_ms: Vec::new(),
        read_bytes: Vec::new(),
    }
}

/// One cast into `e`'s box for the `i`th voter from the end of its roll.
fn cast(e: &mut Event, i: usize) {
    let inputs = &e.inputs;
    let r = inputs.manifest.referendums()[0].clone();
    // Voters near the end of the roll, who have not voted (policy single
    // or last_counts alike).
    let voter = urne::simulate::voter_id(&r.id, (inputs.roll.entitled(&r.id) - i) as u64);
    let ctx = BallotContext {
        fingerprint: &inputs.key.fingerprint,
        referendum: &r.id,
        voter: &voter,
    };
    let b = ballot::encrypt(
        &inputs.key.key,
        &ctx,
        r.options.len(),
        i % r.options.len(),
        &mut OsRng,
    )
    .expect("encrypt");
    let offer = Offer {
        voter,
        referendum: r.id.clone(),
        cast_at: inputs
            .manifest
            .voting_opens
            .format(&time::format_description::well_known::Rfc3339)
            .expect("time"),
        ballot: b,
        credential: None,
    };
    let box_path = e.dir.join("box.jsonl");
    let read = rchar();
    let cpu = cpu_ns();
    let t = Instant::now();
    let mut intake = Intake::<FileStore>::open(&box_path, inputs.clone())
        .expect("open")
        .intake;
    let opened = t.elapsed();
    let got = intake.check_and_cast(vec![offer]).pop().expect("one");
    drop(intake);
    e.total_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    e.cpu_ms.push(cpu_ns().saturating_sub(cpu) as f64 / 1e6);
    e.read_bytes.push(rchar().saturating_sub(read) as f64);
    e.open_ms.push(opened.as_secs_f64() * 1000.0);
    assert!(
        got.is_ok(),
        "cast {i} into {} refused: {:?}",
        e.dir.display(),
        got.err().map(|e| e.code())
    );
}

/// Median, p99, mean, min, max of `v` (sorted here).
fn summary(v: &mut [f64]) -> [f64; 5] {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    // The value at or below which `pct` per cent of them lie.
    let at = |pct: usize| v[(pct * n).div_ceil(100).clamp(1, n) - 1];
    [
        at(50),
        at(99),
        v.iter().sum::<f64>() / n as f64,
        v[0],
        v[n - 1],
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let casts: usize = args
        .get(1)
        .expect("box_cast CASTS EVENT_DIR [EVENT_DIR ...]")
        .parse()
        .expect("CASTS");
    let mut events: Vec<Event> = args[2..].iter().map(|d| load(Path::new(d))).collect();
    assert!(
        !events.is_empty(),
        "box_cast CASTS EVENT_DIR [EVENT_DIR ...]"
    );
    let n = events.len();
    for i in 0..casts {
        for k in 0..n {
            cast(&mut events[(i + k) % n], i);
        }
    }
    let mut base: Option<[[f64; 5]; 3]> = None;
    println!(
        "{casts} casts into each box, alternating; ms median / p99 / mean / min / max, [median and p99 as ratios of the first box's]"
    );
    let row = |name: &str, v: [f64; 5], b: [f64; 5]| {
        format!(
            "{name} {:.3} / {:.3} / {:.3} / {:.3} / {:.3} [{:.2}×, {:.2}×]",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[0] / b[0],
            v[1] / b[1]
        )
    };
    for e in &mut events {
        let all = [
            summary(&mut e.total_ms),
            summary(&mut e.open_ms),
            summary(&mut e.cpu_ms),
        ];
        let b = *base.get_or_insert(all);
        let read = summary(&mut e.read_bytes);
        println!(
            "{} ({} ballots): bytes read per cast median {:.0}, max {:.0}",
            e.dir.display(),
            e.ballots,
            read[0],
            read[4]
        );
        println!("  {}", row("cast, wall clock:", all[0], b[0]));
        println!("  {}", row("  of which open: ", all[1], b[1]));
        println!("  {}", row("cast, CPU time:  ", all[2], b[2]));
    }
}
