//! Time to recover the counts of a packed three-option referendum from its
//! decrypted sum (BENCHMARKS.md, "Ballot format 2"): `X = (c₁ + 2^32·c₂)·G`
//! with `n` counted ballots, by `urne::crypto::dlog::packed_counts` (baby
//! steps over c₁, giant steps of 2^32·G over c₂, on every core).
//!
//!     cargo run --release --example recover_counts [N]      # default 4,000,000
//!
//! Prints a Markdown table: the split, the seconds, and the check of the
//! counts by one multiplication. The worst case for the search is c₂ = n
//! (every giant step taken); an even split takes about n/3 giant steps.

use std::time::Instant;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use urne::crypto::dlog::{packed_counts, packed_counts_hold};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4_000_000);
    println!("| n | c₀, c₁, c₂ | recover s | check by one multiplication µs |");
    println!("|---:|---|---:|---:|");
    for (c1, c2) in [(n / 3, n / 3), (n / 2, n / 2), (0, n)] {
        let x = RistrettoPoint::mul_base(&Scalar::from(c1 + (c2 << 32)));
        let start = Instant::now();
        let got = packed_counts(&x, n, 3).expect("found");
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(got, vec![n - c1 - c2, c1, c2]);
        let start = Instant::now();
        assert!(packed_counts_hold(&x, n, &got));
        let check = start.elapsed().as_secs_f64() * 1e6;
        println!(
            "| {n} | {}, {c1}, {c2} | {secs:.2} | {check:.0} |",
            n - c1 - c2
        );
    }
}
