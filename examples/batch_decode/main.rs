//! Issue 17, item 4: a batch Ristretto decoder of our own (vartime, public
//! data, `L` inverse square roots interleaved) timed against
//! curve25519-dalek's `CompressedRistretto::decompress`, on one core:
//!
//!     cargo run --release --example batch_decode [N]
//!
//! Prints a Markdown table: microseconds a point (the thread's time on a
//! CPU, not the wall clock) for dalek and for the
//! decoder at several widths `L`, over N encodings of random points (default
//! 10,000), after checking that every decode agrees with dalek's. The decoder
//! is tested against dalek in tests/batch_decode.rs and is not used by the
//! library (BENCHMARKS.md, "Ballot format 2").

mod decoder;

use std::hint::black_box;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use decoder::{decode_batch, encode, Constants};
use rand::rngs::OsRng;
use urne::crypto::random_scalar;

/// Nanoseconds this thread has run on a CPU (Linux,
/// `/proc/thread-self/schedstat`): unlike the wall clock, it does not count
/// the time the thread waits while other work on a shared machine runs.
fn on_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux)")
}

/// Microseconds a point of each decoder, on-CPU time: `rounds` rounds, each
/// running every decoder once on the same `n` encodings in turn, summed per
/// decoder over the rounds.
fn per_point(n: usize, rounds: usize, decoders: &mut [Box<dyn FnMut() + '_>]) -> Vec<f64> {
    let mut total = vec![0u64; decoders.len()];
    for _ in 0..rounds {
        for (t, f) in total.iter_mut().zip(decoders.iter_mut()) {
            let start = on_cpu_ns();
            f();
            *t += on_cpu_ns() - start;
        }
    }
    total
        .iter()
        .map(|&t| t as f64 / 1e3 / (n * rounds) as f64)
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rounds = 20;
    let c = Constants::new();
    let enc: Vec<[u8; 32]> = (0..n)
        .map(|_| {
            RistrettoPoint::mul_base(&random_scalar(&mut OsRng))
                .compress()
                .to_bytes()
        })
        .collect();
    // Agreement first: every point decodes and re-encodes to its bytes.
    for (e, d) in enc.iter().zip(decode_batch::<4>(&c, &enc)) {
        let d = d.expect("dalek decodes it, so must we");
        assert_eq!(&encode(&c, &d), e, "re-encoding differs");
    }
    let compressed: Vec<CompressedRistretto> =
        enc.iter().map(|e| CompressedRistretto(*e)).collect();
    let widths = [1usize, 2, 4, 8, 16];
    let mut decoders: Vec<Box<dyn FnMut() + '_>> = vec![
        Box::new(|| {
            for e in &compressed {
                black_box(e.decompress());
            }
        }),
        Box::new(|| drop(black_box(decode_batch::<1>(&c, &enc)))),
        Box::new(|| drop(black_box(decode_batch::<2>(&c, &enc)))),
        Box::new(|| drop(black_box(decode_batch::<4>(&c, &enc)))),
        Box::new(|| drop(black_box(decode_batch::<8>(&c, &enc)))),
        Box::new(|| drop(black_box(decode_batch::<16>(&c, &enc)))),
    ];
    let best = per_point(n, rounds, &mut decoders);
    let dalek = best[0];
    let ours = widths.iter().copied().zip(best[1..].iter().copied());
    println!("| decoder (one core, on-CPU time, {rounds} alternated rounds of {n} points) | µs a point | speed vs dalek |");
    println!("|---|---:|---:|");
    println!("| curve25519-dalek `CompressedRistretto::decompress` | {dalek:.2} | 1.00 |");
    for (l, us) in ours {
        println!(
            "| ours, {l} inverse square root{} interleaved | {us:.2} | {:.2} |",
            if l == 1 { "" } else { "s" },
            dalek / us
        );
    }
}
