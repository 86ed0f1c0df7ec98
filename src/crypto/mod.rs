//! The cryptographic core: Ristretto255 group encoding and hashing, exponential
//! ElGamal, Chaum–Pedersen proofs, Shamir sharing with Feldman commitments, and
//! the bounded discrete logarithm. Everything here is pure.
