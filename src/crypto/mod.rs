//! The cryptographic core: Ristretto255 group encoding and hashing, exponential
//! ElGamal, Chaum–Pedersen proofs, Shamir sharing with Feldman commitments, and
//! the bounded discrete logarithm. Everything here is pure.

pub mod dlog;
pub mod elgamal;
pub mod encoding;
pub mod proofs;
pub mod shamir;
pub mod wide;

use curve25519_dalek::scalar::Scalar;
use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// A uniformly random scalar: 64 bytes from `rng` reduced mod ℓ (the bias is
/// below 2^-250). The same bytes give the same scalar as curve25519-dalek
/// 4's `Scalar::random`, so a seeded simulation makes the same box as before
/// the move to dalek 5 (whose `random` takes rand_core 0.10's traits). The
/// 64 bytes are wiped after use.
pub fn random_scalar<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
    let mut wide = Zeroizing::new([0u8; 64]);
    rng.fill_bytes(wide.as_mut_slice());
    Scalar::from_bytes_mod_order_wide(&wide)
}
