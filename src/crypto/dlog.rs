//! The bounded discrete logarithm: recover `m` from `m·G` when `0 ≤ m ≤ max`.
//!
//! Baby-step giant-step over public data (a decrypted tally), so variable time is
//! fine: with `n = ⌈√(max+1)⌉`, a table `{ j·G ↦ j : 0 ≤ j < n }` and giant steps
//! `M − i·n·G`, it takes O(√max) group operations. A count of ten million votes
//! needs about 3,200 steps.
//!
//! A packed referendum's sum ([`packed_counts`]) is `S·G` with
//! `S = c₁ + M·c₂`, `M = 2^32`, `c₁ + c₂ ≤ n`: a two-dimensional search, done
//! in O(n) group operations.

use std::collections::HashMap;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rayon::prelude::*;

use super::encoding::Elem;
use super::proofs::half;

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

/// The weight of a packed ballot's third option (`crate::ballot::PACKED_M`).
const M: u64 = 1 << 32;

/// Points encoded per batch (one field inversion each).
const BATCH: usize = 1024;

/// The counts `[c₀, c₁, c₂]` (or `[c₀, c₁]` for `k = 2`) of a packed
/// referendum of `k` options with `n` counted ballots, from the decrypted sum
/// `target = (c₁ + M·c₂)·G`; `c₀ = n − c₁ − c₂`. `None` if no counts with
/// `c₁ + c₂ ≤ n` give `target` (or `n ≥ 2^32`, `k ∉ {2, 3}`).
///
/// For `k = 3`, baby steps over `c₁` and giant steps of `M·G` over `c₂`:
///
/// ```text
/// table  T = { enc(c₁·G) ↦ c₁ : 0 ≤ c₁ ≤ n }
/// for c₂ = 0, 1, …, n:   if enc(target − c₂·M·G) = enc(c₁·G) ∈ T and c₁ + c₂ ≤ n: found
/// ```
///
/// at most `2(n + 1)` point additions and encodings. Each point is computed
/// halved and encoded with Ristretto's batched double-and-encode (one field
/// inversion per [`BATCH`] points), both halves spread over the cores. The
/// table is keyed by the first 8 bytes of an encoding; every hit is confirmed
/// by one multiplication, so a collision of keys cannot give a wrong count.
/// Public data only (a decrypted tally), variable time.
pub fn packed_counts(target: &RistrettoPoint, n: u64, k: usize) -> Option<Vec<u64>> {
    if n >= M {
        return None;
    }
    match k {
        2 => {
            let c1 = bounded_dlog(target, n)?;
            Some(vec![n - c1, c1])
        }
        3 => {
            let (c1, c2) = two_dimensional(target, n)?;
            Some(vec![n - c1 - c2, c1, c2])
        }
        _ => None,
    }
}

/// Checks claimed packed counts with one multiplication, never searching:
/// `votes` has `k` entries adding up to `n`, and `(c₁ + M·c₂)·G = target`.
pub fn packed_counts_hold(target: &RistrettoPoint, n: u64, votes: &[u64]) -> bool {
    if n >= M || !(2..=3).contains(&votes.len()) {
        return false;
    }
    let total = votes.iter().try_fold(0u64, |acc, &v| acc.checked_add(v));
    if total != Some(n) {
        return false;
    }
    let s = votes[1] + M * votes.get(2).copied().unwrap_or(0);
    RistrettoPoint::mul_base(&Scalar::from(s)) == *target
}

/// A table from encodings' first 8 bytes to `c₁`, open addressing with
/// linear probing; equal keys are all kept.
struct Baby {
    mask: usize,
    keys: Vec<u64>,
    vals: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

fn key_of(e: &Elem) -> u64 {
    let b = e.as_bytes();
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// The encodings of `(start + i)·step` for `i < len`: computed as halves
/// `(start + i)·(step/2)`, each the last plus `step/2`, encoded in one batch.
fn encode_run(start: &RistrettoPoint, step: &RistrettoPoint, len: usize) -> Vec<Elem> {
    let mut halves = Vec::with_capacity(len);
    let mut p = *start;
    for _ in 0..len {
        halves.push(p);
        p += step;
    }
    Elem::from_halves(&halves)
}

fn two_dimensional(target: &RistrettoPoint, n: u64) -> Option<(u64, u64)> {
    let count = usize::try_from(n).ok()? + 1;
    let half_g = half() * G;
    let chunks = count.div_ceil(BATCH);
    // Baby steps: the keys of c₁·G, c₁ = 0..=n, in order.
    let keys: Vec<u64> = (0..chunks)
        .into_par_iter()
        .flat_map_iter(|c| {
            let lo = c * BATCH;
            let len = BATCH.min(count - lo);
            let start = Scalar::from(lo as u64) * half_g;
            encode_run(&start, &half_g, len)
                .into_iter()
                .map(|e| key_of(&e))
        })
        .collect();
    let size = (count * 2).next_power_of_two();
    let mut table = Baby {
        mask: size - 1,
        keys: vec![0; size],
        vals: vec![EMPTY; size],
    };
    for (c1, &key) in keys.iter().enumerate() {
        #[expect(clippy::cast_possible_truncation, reason = "a slot index, masked")]
        let mut slot = (key as usize) & table.mask;
        while table.vals[slot] != EMPTY {
            slot = (slot + 1) & table.mask;
        }
        table.keys[slot] = key;
        table.vals[slot] = u32::try_from(c1).ok()?;
    }
    drop(keys);
    // Giant steps: target − c₂·M·G, c₂ = 0..=n, halved likewise.
    let minus_half_mg = -(Scalar::from(M) * half_g);
    let half_target = half() * target;
    (0..chunks).into_par_iter().find_map_any(|c| {
        let lo = c * BATCH;
        let len = BATCH.min(count - lo);
        let start = half_target + Scalar::from(lo as u64) * minus_half_mg;
        let elems = encode_run(&start, &minus_half_mg, len);
        for (i, e) in elems.iter().enumerate() {
            let key = key_of(e);
            let c2 = (lo + i) as u64;
            #[expect(clippy::cast_possible_truncation, reason = "a slot index, masked")]
            let mut slot = (key as usize) & table.mask;
            while table.vals[slot] != EMPTY {
                if table.keys[slot] == key {
                    let c1 = u64::from(table.vals[slot]);
                    if c1 + c2 <= n
                        && RistrettoPoint::mul_base(&Scalar::from(c1 + M * c2)) == *target
                    {
                        return Some((c1, c2));
                    }
                }
                slot = (slot + 1) & table.mask;
            }
        }
        None
    })
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

    fn packed(c1: u64, c2: u64) -> RistrettoPoint {
        RistrettoPoint::mul_base(&Scalar::from(c1 + M * c2))
    }

    #[test]
    fn packed_counts_of_every_split_of_a_small_box() {
        for n in 0..12u64 {
            for c2 in 0..=n {
                for c1 in 0..=n - c2 {
                    let got = packed_counts(&packed(c1, c2), n, 3);
                    assert_eq!(
                        got,
                        Some(vec![n - c1 - c2, c1, c2]),
                        "n {n} c1 {c1} c2 {c2}"
                    );
                    assert!(packed_counts_hold(
                        &packed(c1, c2),
                        n,
                        &[n - c1 - c2, c1, c2]
                    ));
                }
            }
            for c1 in 0..=n {
                assert_eq!(packed_counts(&packed(c1, 0), n, 2), Some(vec![n - c1, c1]));
            }
        }
    }

    #[test]
    fn packed_counts_beyond_the_ballots_are_not_found() {
        // c₁ + c₂ = n + 1: each alone is in range, together they are not.
        assert_eq!(packed_counts(&packed(3, 5), 7, 3), None);
        assert_eq!(packed_counts(&packed(8, 0), 7, 3), None);
        assert_eq!(packed_counts(&packed(0, 8), 7, 3), None);
        assert_eq!(packed_counts(&packed(0, 1), 7, 2), None);
        // Not a sum of weights at all.
        let off = packed(2, 2) + RistrettoPoint::mul_base(&Scalar::from(M / 2));
        assert_eq!(packed_counts(&off, 7, 3), None);
        assert!(!packed_counts_hold(&packed(3, 5), 7, &[0, 3, 5]));
        assert!(!packed_counts_hold(&packed(3, 4), 7, &[1, 3, 4 + 1]));
        assert!(packed_counts_hold(&packed(3, 4), 7, &[0, 3, 4]));
        assert!(packed_counts_hold(&packed(3, 4), 8, &[1, 3, 4]));
        assert!(!packed_counts_hold(&packed(3, 4), 8, &[2, 2, 4]));
        assert!(!packed_counts_hold(&packed(3, 4), 8, &[u64::MAX, 3, 6]));
    }

    #[test]
    fn packed_counts_of_a_larger_box_across_batches() {
        let n = 5 * BATCH as u64 + 17;
        for (c1, c2) in [(0, n), (n, 0), (1234, 2345), (n - 4000, 3999), (0, 0)] {
            assert_eq!(
                packed_counts(&packed(c1, c2), n, 3),
                Some(vec![n - c1 - c2, c1, c2])
            );
        }
    }
}
