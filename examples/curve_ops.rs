//! The cost of the curve operations that bound unlock, verify and encryption
//! on one core (BENCHMARKS.md, "The physical limit per ballot"):
//!
//!     cargo run --release --example curve_ops [N]
//!
//! Prints a Markdown table: microseconds per operation (the thread's time on
//! a CPU, not the wall clock, on Linux), each timed over N operations
//! (default 20,000) on distinct random inputs.

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

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let scalars: Vec<Scalar> = (0..n).map(|_| random_scalar(&mut OsRng)).collect();
    let points: Vec<RistrettoPoint> = (0..n)
        .map(|_| RistrettoPoint::mul_base(&random_scalar(&mut OsRng)))
        .collect();
    let encoded: Vec<CompressedRistretto> = points.iter().map(|p| p.compress()).collect();
    let key_table = RistrettoBasepointTable::create(&points[0]);
    // The weights of a batch are 128-bit; the other coefficients full-size.
    let weights: Vec<Scalar> = scalars
        .iter()
        .map(|s| Scalar::from(u128::from_le_bytes(s.as_bytes()[..16].try_into().unwrap())))
        .collect();

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
                // 6 of a packed three-option ballot's 8 points (the
                // commitments) carry a 128-bit weight, A and B a full scalar.
                let coeffs: Vec<Scalar> = (0..m)
                    .map(|i| if i % 8 < 6 { weights[i] } else { scalars[i] })
                    .collect();
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
    let per_ballot = 8.0 * decode + 8.0 * msm;
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!();
    println!(
        "floor, format 2 (8 decodes + 8 multiscalar terms a ballot): {per_ballot:.1} µs a ballot and core, {:.0} ballots/s on {cores} cores",
        1e6 * cores as f64 / per_ballot
    );
}
