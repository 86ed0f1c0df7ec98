//! Exponential ElGamal over Ristretto255.
//!
//! ```text
//! Enc_K(m; r) = (A, B) = (r·G, m·G + r·K)
//! (A1, B1) ⊕ (A2, B2) = (A1 + A2, B1 + B2)      encrypts m1 + m2 under r1 + r2
//! ```
//! Decryption with the whole secret `s` (K = s·G) would be `B − s·A = m·G`; urne
//! never holds `s`, only shares of it (see [`crate::crypto::shamir`]).

use super::random_scalar;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand::{CryptoRng, RngCore};

use super::encoding::Elem;

/// The election public key with a precomputed table for fast constant-time
/// multiplication `r·K` when encrypting.
pub struct PublicKey {
    /// K as a point.
    pub point: RistrettoPoint,
    /// K in its canonical encoding (hashed into challenges).
    pub elem: Elem,
    table: RistrettoBasepointTable,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({:?})", self.elem)
    }
}

impl Clone for PublicKey {
    fn clone(&self) -> Self {
        PublicKey::new(self.point)
    }
}

impl PublicKey {
    /// Wraps a point as an encryption key.
    pub fn new(point: RistrettoPoint) -> Self {
        PublicKey {
            point,
            elem: Elem::from_point(&point),
            table: RistrettoBasepointTable::create(&point),
        }
    }

    /// `r·K`, constant time in `r`.
    pub fn mul(&self, r: &Scalar) -> RistrettoPoint {
        r * &self.table
    }
}

/// An ElGamal ciphertext `(A, B)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    pub a: RistrettoPoint,
    pub b: RistrettoPoint,
}

impl Ciphertext {
    /// The encryption of 0 with randomness 0, the neutral element of ⊕.
    pub fn zero() -> Self {
        Ciphertext {
            a: RistrettoPoint::identity(),
            b: RistrettoPoint::identity(),
        }
    }

    /// `Enc_K(m; r)`, constant time in `m` and `r`.
    pub fn encrypt_with(key: &PublicKey, m: &Scalar, r: &Scalar) -> Self {
        Ciphertext {
            a: r * RISTRETTO_BASEPOINT_TABLE,
            b: m * RISTRETTO_BASEPOINT_TABLE + key.mul(r),
        }
    }

    /// `Enc_K(m; r)` with fresh randomness; returns the randomness too (needed for
    /// the proofs, then dropped by the caller).
    pub fn encrypt<R: RngCore + CryptoRng>(key: &PublicKey, m: u64, rng: &mut R) -> (Self, Scalar) {
        let r = random_scalar(rng);
        (Self::encrypt_with(key, &Scalar::from(m), &r), r)
    }

    /// Homomorphic addition.
    pub fn add(&self, other: &Ciphertext) -> Ciphertext {
        Ciphertext {
            a: self.a + other.a,
            b: self.b + other.b,
        }
    }
}

impl std::ops::AddAssign<&Ciphertext> for Ciphertext {
    fn add_assign(&mut self, rhs: &Ciphertext) {
        self.a += rhs.a;
        self.b += rhs.b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
    use rand::rngs::OsRng;

    #[test]
    fn decrypts_with_the_whole_secret_and_adds() {
        let s = random_scalar(&mut OsRng);
        let key = PublicKey::new(s * G);
        let (c1, _) = Ciphertext::encrypt(&key, 3, &mut OsRng);
        let (c2, _) = Ciphertext::encrypt(&key, 4, &mut OsRng);
        let sum = c1.add(&c2);
        assert_eq!(sum.b - s * sum.a, Scalar::from(7u64) * G);
        assert_ne!(c1.b - s * c1.a, Scalar::from(4u64) * G);
    }
}
