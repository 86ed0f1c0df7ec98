//! The cryptographic core: Ristretto255 group encoding and hashing, exponential
//! ElGamal, Chaum–Pedersen proofs, Shamir sharing with Feldman commitments, and
//! the bounded discrete logarithm. Everything here is pure.

pub mod dlog;
pub mod elgamal;
pub mod encoding;
pub mod proofs;
pub mod shamir;
