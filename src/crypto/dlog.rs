//! The bounded discrete logarithm: recover `m` from `m·G` when `0 ≤ m ≤ max`.
//!
//! Baby-step giant-step over public data (a decrypted tally), so variable time is
//! fine: with `n = ⌈√(max+1)⌉`, a table `{ j·G ↦ j : 0 ≤ j < n }` and giant steps
//! `M − i·n·G`, it takes O(√max) group operations. A count of ten million votes
//! needs about 3,200 steps.

use std::collections::HashMap;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

/// Returns `m` with `m·G = target` and `0 ≤ m ≤ max`, or `None` if there is none.
pub fn bounded_dlog(target: &RistrettoPoint, max: u64) -> Option<u64> {
    // n² > max, so every m ≤ max is i·n + j with i ≤ max / n and j < n.
    let n = max.saturating_add(1).isqrt() + 1;
    let mut table: HashMap<CompressedRistretto, u64> =
        HashMap::with_capacity(usize::try_from(n).unwrap_or(0));
    let mut p = RistrettoPoint::identity();
    for j in 0..n {
        table.insert(p.compress(), j);
        p += G;
    }
    let giant = Scalar::from(n) * G;
    let mut y = *target;
    let mut i = 0u64;
    while i * n <= max {
        if let Some(j) = table.get(&y.compress()) {
            let m = i * n + j;
            return (m <= max).then_some(m);
        }
        y -= giant;
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_value_in_a_small_range_and_nothing_beyond() {
        for m in 0..=50u64 {
            assert_eq!(bounded_dlog(&(Scalar::from(m) * G), 50), Some(m));
        }
        assert_eq!(bounded_dlog(&(Scalar::from(51u64) * G), 50), None);
    }

    #[test]
    fn finds_a_large_count() {
        let m = 4_123_457u64;
        assert_eq!(bounded_dlog(&(Scalar::from(m) * G), 5_000_000), Some(m));
        assert_eq!(bounded_dlog(&(Scalar::from(m) * G), 4_000_000), None);
    }
}
