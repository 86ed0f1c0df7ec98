//! The cost of the curve operations that bound unlock, verify and encryption
//! on one core (BENCHMARKS.md, "The physical limit per ballot"):
//!
//!     cargo run --release --example curve_ops [N]
//!
//! Prints a Markdown table: microseconds per operation (the thread's time on
//! a CPU, not the wall clock, on Linux), each timed over N operations
//! (default 20,000) on distinct random inputs.
//!
//!     cargo run --release --example curve_ops -- --floor-until STOP
//!
//! measures only the floor of checking a format-2 ballot (8 decodes and 8
//! terms of a batch's multiscalar multiplication), round after round, until
//! the file STOP exists, and prints it over all the rounds: so that a
//! benchmark can measure the floor on one core *while* verify runs on the
//! other, at the same moment, rather than before or after it on a host whose
//! speed drifts (bench/floor-pairs.sh). It prints `ready` on standard error
//! once its inputs are made and the first round starts.

use std::hint::black_box;
use std::time::Instant;
use urne::crypto::random_scalar;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand::rngs::OsRng;

/// Nanoseconds this thread has run on a CPU (Linux,
/// `/proc/thread-self/schedstat`; elsewhere the wall clock): on a shared
/// machine the wall clock also counts the time other work ran instead.
fn on_cpu_ns(start: Instant) -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX))
}

/// Microseconds an operation: `f` does `n` operations, and runs again until
/// a quarter of a second of CPU time has passed (the kernel updates the
/// figure read at its scheduler ticks, so a short run would be mostly noise).
fn per_op(n: usize, mut f: impl FnMut()) -> f64 {
    let epoch = Instant::now();
    let start = on_cpu_ns(epoch);
    let mut runs = 0u32;
    loop {
        f();
        runs += 1;
        let spent = on_cpu_ns(epoch) - start;
        if spent >= 250_000_000 {
            return spent as f64 / 1e3 / (n as f64 * f64::from(runs));
        }
    }
}

/// The floor of a format-2 ballot in µs on one core, from the µs of one
/// decode and of one multiscalar term.
fn floor_per_ballot(decode: f64, msm: f64) -> f64 {
    8.0 * decode + 8.0 * msm
}

/// The multiscalar multiplication's coefficients for a 256-ballot batch of
/// format 2: 6 of a packed three-option ballot's 8 points (the commitments)
/// carry a 128-bit weight, A and B a full scalar.
fn format2_coefficients(m: usize, weights: &[Scalar], scalars: &[Scalar]) -> Vec<Scalar> {
    (0..m)
        .map(|i| if i % 8 < 6 { weights[i] } else { scalars[i] })
        .collect()
}

/// Multiplications of the 2,048-term batch a round of `--floor-until`.
const MSM_REPEATS: usize = 40;

/// `--floor-until STOP`: decodes `encoded` and multiplies the 2,048-term
/// batch in turn, each timed on the CPU, until `stop` exists (at least one
/// round), and prints the floor over every round.
fn floor_until(
    stop: &std::path::Path,
    encoded: &[CompressedRistretto],
    coeffs: &[Scalar],
    points: &[RistrettoPoint],
) {
    let epoch = Instant::now();
    let (mut decode_ns, mut decodes, mut msm_ns, mut terms) = (0u64, 0usize, 0u64, 0usize);
    let mut rounds = 0u32;
    eprintln!("ready");
    loop {
        let t = on_cpu_ns(epoch);
        for e in encoded {
            black_box(e.decompress());
        }
        let u = on_cpu_ns(epoch);
        // About as many multiplications as take as long as the decodes (the
        // CPU time read moves at the scheduler's ticks, so each half is
        // timed over tens of milliseconds, not a few).
        for _ in 0..MSM_REPEATS {
            black_box(RistrettoPoint::vartime_multiscalar_mul(coeffs, points));
        }
        let v = on_cpu_ns(epoch);
        decode_ns += u - t;
        decodes += encoded.len();
        msm_ns += v - u;
        terms += MSM_REPEATS * points.len();
        rounds += 1;
        if stop.exists() {
            break;
        }
    }
    let decode = decode_ns as f64 / 1e3 / decodes as f64;
    let msm = msm_ns as f64 / 1e3 / terms as f64;
    println!("| operation (one core, {rounds} rounds) | µs |");
    println!("|---|---:|");
    println!("| decompress (decode) a point | {decode:.2} |");
    println!("| multiscalar multiplication, per point (2,048 points, as a 256-ballot batch of format 2) | {msm:.2} |");
    println!();
    println!(
        "floor, format 2 (8 decodes + 8 multiscalar terms a ballot): {:.1} µs a ballot and core",
        floor_per_ballot(decode, msm)
    );
}

/// The weights of a batch are 128-bit; the other coefficients full-size.
fn weights_of(scalars: &[Scalar]) -> Vec<Scalar> {
    scalars
        .iter()
        .map(|s| Scalar::from(u128::from_le_bytes(s.as_bytes()[..16].try_into().unwrap())))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stop = match args.as_slice() {
        [flag, path] if flag == "--floor-until" => Some(std::path::PathBuf::from(path)),
        _ => None,
    };
    let n: usize = if stop.is_some() {
        20_000
    } else {
        args.first().and_then(|a| a.parse().ok()).unwrap_or(20_000)
    };
    let scalars: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut OsRng)).collect();
    let points: Vec<RistrettoPoint> = (0..n)
        .map(|_| RistrettoPoint::mul_base(&random_scalar(&mut OsRng)))
        .collect();
    let encoded: Vec<CompressedRistretto> = points.iter().map(|p| p.compress()).collect();
    if let Some(stop) = stop {
        let m = 2048.min(n);
        let coeffs = format2_coefficients(m, &weights_of(&scalars), &scalars);
        floor_until(&stop, &encoded, &coeffs, &points[..m]);
        return;
    }
    let key_table = RistrettoBasepointTable::create(&points[0]);
    let weights = weights_of(&scalars);

    let rows = [
        (
            "decompress (decode) a point",
            per_op(n, || {
                for e in &encoded {
                    black_box(e.decompress());
                }
            }),
        ),
        (
            "compress (encode) a point",
            per_op(n, || {
                for p in &points {
                    black_box(p.compress());
                }
            }),
        ),
        (
            "encode a point in a batch (double-and-compress)",
            per_op(n, || {
                black_box(RistrettoPoint::double_and_compress_batch(&points));
            }),
        ),
        (
            "fixed-base multiplication by G (constant time)",
            per_op(n, || {
                for s in &scalars {
                    black_box(s * RISTRETTO_BASEPOINT_TABLE);
                }
            }),
        ),
        (
            "fixed-base multiplication by K (constant time)",
            per_op(n, || {
                for s in &scalars {
                    black_box(s * &key_table);
                }
            }),
        ),
        (
            "double multiplication a·P + b·Q (variable time)",
            per_op(n, || {
                for (i, s) in scalars.iter().enumerate() {
                    let q = &points[(i + 1) % n];
                    black_box(RistrettoPoint::vartime_multiscalar_mul(
                        [s, &scalars[(i + 1) % n]],
                        [&points[i], q],
                    ));
                }
            }),
        ),
        (
            "multiscalar multiplication, per point (5,120 points, as a 256-ballot batch)",
            {
                let m = 5120.min(n);
                // 14 of a ballot's 20 points carry a 128-bit weight, 6 a full scalar.
                let coeffs: Vec<Scalar> = (0..m)
                    .map(|i| if i % 20 < 14 { weights[i] } else { scalars[i] })
                    .collect();
                per_op(m, || {
                    black_box(RistrettoPoint::vartime_multiscalar_mul(
                        &coeffs,
                        &points[..m],
                    ));
                })
            },
        ),
        (
            "multiscalar multiplication, per point (2,048 points, as a 256-ballot batch of format 2)",
            {
                let m = 2048.min(n);
                let coeffs = format2_coefficients(m, &weights, &scalars);
                per_op(m, || {
                    black_box(RistrettoPoint::vartime_multiscalar_mul(
                        &coeffs,
                        &points[..m],
                    ));
                })
            },
        ),
    ];
    println!("| operation (one core) | µs |");
    println!("|---|---:|");
    for (what, us) in &rows {
        println!("| {what} | {us:.2} |");
    }
    // The floor of checking a packed three-option ballot (format 2): its 8
    // points decoded and 8 terms of the batch's multiscalar multiplication,
    // nothing else, on every core of this machine.
    let decode = rows[0].1;
    let msm = rows[rows.len() - 1].1;
    let per_ballot = floor_per_ballot(decode, msm);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!();
    println!(
        "floor, format 2 (8 decodes + 8 multiscalar terms a ballot): {per_ballot:.1} µs a ballot and core, {:.0} ballots/s on {cores} cores",
        1e6 * cores as f64 / per_ballot
    );
}
