//! Ballot encryption throughput on one core: what a voting client does for a
//! three-option ballot (format 2: one ciphertext of its weight and a 1-of-3
//! proof, 10 fixed-base multiplications), and, for comparison, checking one
//! such ballot alone.
//!
//!     cargo run --release --example encrypt_rate [BALLOTS]
//!
//! Prints a Markdown table row per measurement (see BENCHMARKS.md).

use std::time::Instant;
use urne::crypto::random_scalar;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use rand::rngs::OsRng;

use urne::ballot::{self, BallotContext};
use urne::crypto::elgamal::PublicKey;
use urne::crypto::encoding::Elem;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let secret = random_scalar(&mut OsRng);
    let point = &secret * RISTRETTO_BASEPOINT_TABLE;
    let key = PublicKey::new(point);
    let fingerprint = [7u8; 32];
    let voters: Vec<String> = (0..n).map(|i| format!("v{i:08}")).collect();
    let start = Instant::now();
    let mut ballots = Vec::with_capacity(n);
    for (i, v) in voters.iter().enumerate() {
        let ctx = BallotContext {
            fingerprint: &fingerprint,
            referendum: "sogne",
            voter: v,
        };
        ballots.push(ballot::encrypt(&key, &ctx, 3, i % 3, &mut OsRng).expect("encrypts"));
    }
    let enc = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let elem = Elem::from_point(&point);
    for (b, v) in ballots.iter().zip(&voters) {
        let ctx = BallotContext {
            fingerprint: &fingerprint,
            referendum: "sogne",
            voter: v,
        };
        b.verify(&elem, &point, &ctx, 3).expect("verifies");
    }
    let ver = start.elapsed().as_secs_f64();
    println!("| job (one core) | ballots | seconds | ballots/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| encrypt a 3-option ballot with its proofs | {n} | {enc:.2} | {:.0} |",
        n as f64 / enc
    );
    println!(
        "| verify one ballot alone (no cross-ballot batch) | {n} | {ver:.2} | {:.0} |",
        n as f64 / ver
    );
}
