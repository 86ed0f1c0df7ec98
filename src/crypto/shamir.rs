//! Shamir t-of-n secret sharing over the Ristretto255 scalar field, with Feldman
//! commitments.
//!
//! ```text
//! f(x) = a0 + a1·x + … + a_{t−1}·x^{t−1}      a0 = s, the election secret
//! share of keyholder i (i = 1..n):   s_i = f(i)
//! commitments:                       C_j = a_j·G            (C_0 = K, the election key)
//! verification key of keyholder i:   K_i = Σ_j i^j·C_j  (= s_i·G)
//! Lagrange coefficient at 0 for i ∈ S:   λ_i = Π_{j∈S, j≠i} j / (j − i)
//! Σ_{i∈S} λ_i·s_i = s  for any S of t distinct indices.
//! ```
//! The polynomial exists only inside [`deal`] and is zeroized when dropped.

use super::random_scalar;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The largest number of keyholders (DESIGN.md: 1 ≤ t ≤ n ≤ 16).
pub const MAX_KEYHOLDERS: u32 = 16;

/// One keyholder's secret share `s_i = f(i)`. Zeroized on drop; `Debug` redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretShare {
    index: u32,
    value: Scalar,
}

impl std::fmt::Debug for SecretShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretShare {{ index: {}, value: <secret> }}",
            self.index
        )
    }
}

impl SecretShare {
    /// Wraps a share value read from a sealed file.
    pub fn new(index: u32, value: Scalar) -> Self {
        SecretShare { index, value }
    }

    /// The keyholder index `i` (1-based).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The secret value (handle with care: constant-time operations only).
    pub fn value(&self) -> &Scalar {
        &self.value
    }

    /// `s_i·G`, to compare with the published verification key.
    pub fn public(&self) -> RistrettoPoint {
        &self.value * RISTRETTO_BASEPOINT_TABLE
    }
}

#[derive(Zeroize, ZeroizeOnDrop)]
struct Polynomial(Vec<Scalar>);

impl Polynomial {
    fn eval(&self, x: u32) -> Scalar {
        let x = Scalar::from(x);
        self.0
            .iter()
            .rev()
            .fold(Scalar::ZERO, |acc, coeff| acc * x + coeff)
    }
}

/// Why sharing parameters are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SharingError {
    #[error("the threshold must satisfy 1 ≤ t ≤ n ≤ {MAX_KEYHOLDERS}, but t = {t} and n = {n}")]
    BadThreshold { t: u32, n: u32 },
}

/// Deals a fresh secret into `n` shares, any `t` of which reconstruct it.
/// Returns the Feldman commitments `C_0..C_{t−1}` and the shares for `i = 1..n`.
pub fn deal<R: RngCore + CryptoRng>(
    t: u32,
    n: u32,
    rng: &mut R,
) -> Result<(Vec<RistrettoPoint>, Vec<SecretShare>), SharingError> {
    if t < 1 || t > n || n > MAX_KEYHOLDERS {
        return Err(SharingError::BadThreshold { t, n });
    }
    let poly = Polynomial((0..t).map(|_| random_scalar(rng)).collect());
    let commitments = poly
        .0
        .iter()
        .map(|a| a * RISTRETTO_BASEPOINT_TABLE)
        .collect();
    let shares = (1..=n)
        .map(|i| SecretShare {
            index: i,
            value: poly.eval(i),
        })
        .collect();
    Ok((commitments, shares))
}

/// `K_i = Σ_j i^j·C_j`, the public image of share `i` (public data, variable time).
pub fn verification_key(commitments: &[RistrettoPoint], i: u32) -> RistrettoPoint {
    let x = Scalar::from(i);
    let mut powers = Vec::with_capacity(commitments.len());
    let mut p = Scalar::ONE;
    for _ in commitments {
        powers.push(p);
        p *= x;
    }
    RistrettoPoint::vartime_multiscalar_mul(&powers, commitments)
}

/// `λ_i` for the set `indices` (distinct, non-zero), evaluated at 0.
pub fn lagrange_at_zero(indices: &[u32], i: u32) -> Scalar {
    let xi = Scalar::from(i);
    let (mut num, mut den) = (Scalar::ONE, Scalar::ONE);
    for &j in indices {
        if j != i {
            let xj = Scalar::from(j);
            num *= xj;
            den *= xj - xi;
        }
    }
    num * den.invert()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
    use rand::rngs::OsRng;

    fn reconstruct(shares: &[&SecretShare]) -> Scalar {
        let idx: Vec<u32> = shares.iter().map(|s| s.index).collect();
        shares
            .iter()
            .map(|s| lagrange_at_zero(&idx, s.index) * s.value)
            .sum()
    }

    #[test]
    fn every_t_subset_reconstructs_and_t_minus_one_does_not() {
        let (commitments, shares) = deal(3, 5, &mut OsRng).unwrap();
        let k = commitments[0];
        for a in 0..5 {
            for b in a + 1..5 {
                for c in b + 1..5 {
                    let s = reconstruct(&[&shares[a], &shares[b], &shares[c]]);
                    assert_eq!(s * G, k);
                }
                let s = reconstruct(&[&shares[a], &shares[b]]);
                assert_ne!(s * G, k);
            }
        }
    }

    #[test]
    fn verification_keys_match_shares() {
        let (commitments, shares) = deal(2, 3, &mut OsRng).unwrap();
        for s in &shares {
            assert_eq!(verification_key(&commitments, s.index), s.public());
        }
        assert_ne!(verification_key(&commitments, 1), shares[1].public());
    }

    #[test]
    fn bad_thresholds_are_refused() {
        for (t, n) in [(0, 2), (3, 2), (2, 17)] {
            assert_eq!(
                deal(t, n, &mut OsRng).err(),
                Some(SharingError::BadThreshold { t, n })
            );
        }
        assert!(deal(1, 1, &mut OsRng).is_ok());
        assert!(deal(16, 16, &mut OsRng).is_ok());
    }

    #[test]
    fn debug_never_shows_the_share() {
        let (_, shares) = deal(1, 1, &mut OsRng).unwrap();
        let shown = format!("{:?}", shares[0]);
        assert!(shown.contains("<secret>"));
        assert!(!shown.contains(&format!("{:?}", shares[0].value)));
    }
}
