//! Ballot encryption and its proofs.
//!
//! A ballot for a referendum with `k` options is one-hot: option `i` is
//! `Enc_K(mᵢ; rᵢ)` with `mᵢ ∈ {0, 1}` and `Σ mᵢ = 1`. Each option carries a
//! [`ZeroOneProof`]; the ballot carries a [`DleqProof`] that the sum of its
//! ciphertexts encrypts exactly 1:
//!
//! ```text
//! Ā = Σ Aᵢ,  B̄ = Σ Bᵢ,  R = Σ rᵢ:   log_G Ā = log_K (B̄ − G) = R
//! sum challenge: c = H512("urne/v1/proof/sum-to-one"; fp, referendum, voter,
//!                         G, K, A₁, B₁, …, A_k, B_k, a, b)
//! option i challenge: H512("urne/v1/proof/zero-or-one"; fp, referendum, voter, u64(i),
//!                          G, K, Aᵢ, Bᵢ, a0, b0, a1, b1)
//! ```
//! The election fingerprint `fp`, the referendum id and the voter id are in every
//! challenge, so a ballot cannot be replayed for another voter, referendum or
//! election: its proofs would not verify.

use crate::crypto::random_scalar;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use subtle::ConditionallySelectable;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::elgamal::{Ciphertext, PublicKey};
use crate::crypto::encoding::{Elem, PubScalar, Transcript, G_ELEM};
use crate::crypto::proofs::{
    half, tag, BatchVerifier, CiphertextElems, DleqProof, HBase, ZeroOneProof, ZeroOneProver,
};

/// The most options a referendum may have (the manifest enforces it too).
pub const MAX_OPTIONS: usize = 64;

/// What binds a ballot: the election, the referendum and the voter.
#[derive(Clone, Copy, Debug)]
pub struct BallotContext<'a> {
    /// The election fingerprint (32 bytes, see [`crate::keys`]).
    pub fingerprint: &'a [u8; 32],
    /// The referendum id.
    pub referendum: &'a str,
    /// The voter's id as the box records it.
    pub voter: &'a str,
}

impl BallotContext<'_> {
    fn absorb(&self, t: &mut Transcript) {
        t.bytes(self.fingerprint)
            .str(self.referendum)
            .str(self.voter);
    }
}

/// One option's ciphertext and its 0-or-1 proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedOption {
    pub a: Elem,
    pub b: Elem,
    pub proof: ZeroOneProof,
}

/// An encrypted ballot (`urne-ballot/1`, docs/SPEC.md "Ballot").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    pub options: Vec<EncryptedOption>,
    pub sum_proof: DleqProof,
}

/// Why a ballot is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the ballot has {found} options but the referendum has {expected}")]
    WrongOptionCount { expected: usize, found: usize },
    #[error("option {option}'s ciphertext is not a canonical group element")]
    BadCiphertext { option: usize },
    #[error("a proof commitment is not a canonical group element")]
    BadCommitment,
    #[error("the ballot's proofs do not verify")]
    ProofFailed,
    #[error("choice {choice} is out of range for {options} options")]
    ChoiceOutOfRange { choice: usize, options: usize },
}

/// Encrypts a vote for option `choice` (0-based) out of `n_options`. Constant time
/// in `choice`: every option is encrypted and proved the same way.
pub fn encrypt<R: RngCore + CryptoRng>(
    key: &PublicKey,
    ctx: &BallotContext<'_>,
    n_options: usize,
    choice: usize,
    rng: &mut R,
) -> Result<Ballot, BallotError> {
    let randomness: Vec<Zeroizing<Scalar>> = (0..n_options.min(MAX_OPTIONS))
        .map(|_| Zeroizing::new(random_scalar(rng)))
        .collect();
    encrypt_with_randomness(key, ctx, n_options, choice, &randomness, rng)
}

/// Encrypts with given per-option randomness `rᵢ`. Whoever knows the `rᵢ` of a
/// ballot can re-prove its very ciphertexts for another voter; the simulator
/// uses this to make copied ballots, which the counting rules must reject.
pub fn encrypt_with_randomness<R: RngCore + CryptoRng>(
    key: &PublicKey,
    ctx: &BallotContext<'_>,
    n_options: usize,
    choice: usize,
    randomness: &[Zeroizing<Scalar>],
    rng: &mut R,
) -> Result<Ballot, BallotError> {
    if choice >= n_options || n_options > MAX_OPTIONS || randomness.len() != n_options {
        return Err(BallotError::ChoiceOutOfRange {
            choice,
            options: n_options,
        });
    }
    // Every point the ballot publishes is computed halved and all of them are
    // encoded together with one inversion: per option A, B, a0, b0, a1, b1, then
    // the sum proof's a, b.
    let half = half();
    let mut halves = Vec::with_capacity(6 * n_options + 2);
    let mut provers = Vec::with_capacity(n_options);
    let mut r_sum = Zeroizing::new(Scalar::ZERO);
    let choice = choice as u64;
    for (i, r) in randomness.iter().enumerate() {
        let is_one = (i as u64).ct_eq(&choice);
        let r_half = Zeroizing::new(**r * half);
        // A/2 = (r/2)·G, B/2 = (r/2)·K + (m/2)·G.
        halves.push(&*r_half * RISTRETTO_BASEPOINT_TABLE);
        halves.push(
            key.mul(&r_half)
                + RistrettoPoint::conditional_select(
                    &RistrettoPoint::identity(),
                    &half_g(),
                    is_one,
                ),
        );
        let (prover, commitments) = ZeroOneProver::commit(key, is_one, r, rng);
        halves.extend(commitments);
        provers.push(prover);
        *r_sum += **r;
    }
    let w = Zeroizing::new(random_scalar(rng));
    let w_half = Zeroizing::new(*w * half);
    halves.push(&*w_half * RISTRETTO_BASEPOINT_TABLE);
    halves.push(key.mul(&w_half));
    let elems = Elem::from_halves(&halves);

    let mut options = Vec::with_capacity(n_options);
    for (i, ((prover, r), e)) in provers
        .into_iter()
        .zip(randomness)
        .zip(elems.chunks_exact(6))
        .enumerate()
    {
        let ct_elems = CiphertextElems { a: e[0], b: e[1] };
        let option_ctx = |t: &mut Transcript| {
            ctx.absorb(t);
            t.u64(i as u64);
        };
        let proof = prover.respond(
            &option_ctx,
            &key.elem,
            &ct_elems,
            [e[2], e[3], e[4], e[5]],
            r,
        );
        options.push(EncryptedOption {
            a: ct_elems.a,
            b: ct_elems.b,
            proof,
        });
    }
    let sum_proof = {
        let (a, b) = (elems[6 * n_options], elems[6 * n_options + 1]);
        let statement = sum_statement(ctx, &key.elem, &options);
        let c = DleqProof::challenge(tag::SUM_TO_ONE, &statement, &a, &b);
        DleqProof {
            a,
            b,
            s: PubScalar(*w + c * *r_sum),
        }
    };
    Ok(Ballot { options, sum_proof })
}

/// `G/2`, the half of the point a one adds to `B`.
fn half_g() -> RistrettoPoint {
    static HALF_G: std::sync::LazyLock<RistrettoPoint> =
        std::sync::LazyLock::new(|| &half() * RISTRETTO_BASEPOINT_TABLE);
    *HALF_G
}

fn sum_statement<'a>(
    ctx: &'a BallotContext<'a>,
    key: &'a Elem,
    options: &'a [EncryptedOption],
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        ctx.absorb(t);
        t.point(&G_ELEM.0).point(&key.0);
        for o in options {
            t.point(&o.a.0).point(&o.b.0);
        }
    }
}

impl Ballot {
    /// The ballot's ciphertexts, decoded (canonical encodings only).
    pub fn ciphertexts(&self) -> Result<Vec<Ciphertext>, BallotError> {
        self.options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let a =
                    o.a.decode()
                        .map_err(|_| BallotError::BadCiphertext { option: i })?;
                let b =
                    o.b.decode()
                        .map_err(|_| BallotError::BadCiphertext { option: i })?;
                Ok(Ciphertext { a, b })
            })
            .collect()
    }

    /// Adds every equation of this ballot's proofs to `batch` and returns its
    /// decoded ciphertexts. The caller checks the batch.
    pub fn verify_into(
        &self,
        key: &Elem,
        ctx: &BallotContext<'_>,
        n_options: usize,
        batch: &mut BatchVerifier,
    ) -> Result<Vec<Ciphertext>, BallotError> {
        if self.options.len() != n_options {
            return Err(BallotError::WrongOptionCount {
                expected: n_options,
                found: self.options.len(),
            });
        }
        let cts = self.ciphertexts()?;
        // Each ciphertext point appears in its option's 0/1 proof and in the
        // sum proof; its coefficients are added up so it enters the batch once.
        let mut coefficients = Vec::with_capacity(n_options);
        for (i, o) in self.options.iter().enumerate() {
            let option_ctx = |t: &mut Transcript| {
                ctx.absorb(t);
                t.u64(i as u64);
            };
            let elems = CiphertextElems { a: o.a, b: o.b };
            let xs = o
                .proof
                .verify_into(&option_ctx, key, &elems, batch)
                .ok_or(BallotError::BadCommitment)?;
            coefficients.push(xs);
        }
        // Sum proof, X = ΣAᵢ and Y = ΣBᵢ − G: each term takes X's or Y's
        // coefficient, and the −G term moves to G's.
        let p = &self.sum_proof;
        let statement = sum_statement(ctx, key, &self.options);
        let c = DleqProof::challenge(tag::SUM_TO_ONE, &statement, &p.a, &p.b);
        let (cx, cy) = p
            .verify_into(c, HBase::K, batch)
            .ok_or(BallotError::BadCommitment)?;
        batch.add_g(-cy);
        for (ct, (xa, xb)) in cts.iter().zip(coefficients) {
            batch.add(xa + cx, ct.a);
            batch.add(xb + cy, ct.b);
        }
        Ok(cts)
    }

    /// Verifies this ballot on its own; returns its ciphertexts.
    pub fn verify(
        &self,
        key: &Elem,
        key_point: &RistrettoPoint,
        ctx: &BallotContext<'_>,
        n_options: usize,
    ) -> Result<Vec<Ciphertext>, BallotError> {
        let mut batch = BatchVerifier::new();
        let cts = self.verify_into(key, ctx, n_options, &mut batch)?;
        if batch.verify(key_point) {
            Ok(cts)
        } else {
            Err(BallotError::ProofFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::encoding::PubScalar;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
    use rand::rngs::OsRng;
    use subtle::Choice;

    struct Fixture {
        s: Scalar,
        key: PublicKey,
        fp: [u8; 32],
    }

    fn fixture() -> Fixture {
        let s = random_scalar(&mut OsRng);
        Fixture {
            s,
            key: PublicKey::new(s * G),
            fp: [9u8; 32],
        }
    }

    fn ctx<'a>(fp: &'a [u8; 32], voter: &'a str) -> BallotContext<'a> {
        BallotContext {
            fingerprint: fp,
            referendum: "sogne",
            voter,
        }
    }

    fn decrypt(f: &Fixture, ct: &Ciphertext) -> RistrettoPoint {
        ct.b - f.s * ct.a
    }

    #[test]
    fn every_choice_encrypts_verifies_and_decrypts_one_hot() {
        let f = fixture();
        for choice in 0..3 {
            let c = ctx(&f.fp, "V1");
            let ballot = encrypt(&f.key, &c, 3, choice, &mut OsRng).unwrap();
            let cts = ballot.verify(&f.key.elem, &f.key.point, &c, 3).unwrap();
            for (i, ct) in cts.iter().enumerate() {
                let expect = if i == choice { G } else { G - G };
                assert_eq!(decrypt(&f, ct), expect);
            }
        }
    }

    #[test]
    fn replay_for_another_voter_referendum_or_election_is_rejected() {
        let f = fixture();
        let ballot = encrypt(&f.key, &ctx(&f.fp, "V1"), 3, 1, &mut OsRng).unwrap();
        let other_voter = ctx(&f.fp, "V2");
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &other_voter, 3),
            Err(BallotError::ProofFailed)
        );
        let other_ref = BallotContext {
            referendum: "songdalen",
            ..ctx(&f.fp, "V1")
        };
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &other_ref, 3),
            Err(BallotError::ProofFailed)
        );
        let fp2 = [8u8; 32];
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &ctx(&fp2, "V1"), 3),
            Err(BallotError::ProofFailed)
        );
    }

    /// Builds a ballot with arbitrary plaintexts and honest-looking proofs: the
    /// prover claims each mᵢ is 0 or 1 and the sum is 1, which must fail to verify
    /// when it is not true.
    fn forged(f: &Fixture, c: &BallotContext<'_>, ms: &[u64]) -> Ballot {
        let mut options = Vec::new();
        let mut r_sum = Scalar::ZERO;
        for (i, &m) in ms.iter().enumerate() {
            let r = random_scalar(&mut OsRng);
            let ct = Ciphertext::encrypt_with(&f.key, &Scalar::from(m), &r);
            let elems = CiphertextElems {
                a: Elem::from_point(&ct.a),
                b: Elem::from_point(&ct.b),
            };
            let oc = |t: &mut Transcript| {
                c.absorb(t);
                t.u64(i as u64);
            };
            let claim = Choice::from(u8::from(m != 0));
            let proof = ZeroOneProof::prove(&oc, &f.key, &ct, &elems, claim, &r, &mut OsRng);
            r_sum += r;
            options.push(EncryptedOption {
                a: elems.a,
                b: elems.b,
                proof,
            });
        }
        let sum_proof = {
            let st = sum_statement(c, &f.key.elem, &options);
            DleqProof::prove(tag::SUM_TO_ONE, &st, &r_sum, &|w| f.key.mul(w), &mut OsRng)
        };
        Ballot { options, sum_proof }
    }

    #[test]
    fn a_ballot_encrypting_two_is_rejected() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let b = forged(&f, &c, &[2, 0, 0]);
        assert_eq!(
            b.verify(&f.key.elem, &f.key.point, &c, 3),
            Err(BallotError::ProofFailed)
        );
    }

    #[test]
    fn two_options_at_once_or_none_are_rejected() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        for ms in [[1u64, 1, 0], [0, 0, 0]] {
            let b = forged(&f, &c, &ms);
            assert_eq!(
                b.verify(&f.key.elem, &f.key.point, &c, 3),
                Err(BallotError::ProofFailed),
                "{ms:?}"
            );
        }
        // The forger's construction itself is sound: an honest one-hot passes.
        let ok = forged(&f, &c, &[0, 1, 0]);
        assert!(ok.verify(&f.key.elem, &f.key.point, &c, 3).is_ok());
    }

    #[test]
    fn tampering_with_any_proof_scalar_or_ciphertext_is_rejected() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let ballot = encrypt(&f.key, &c, 3, 2, &mut OsRng).unwrap();
        let bump = |s: &mut PubScalar| s.0 += Scalar::ONE;
        let mut cases: Vec<Ballot> = Vec::new();
        for i in 0..3 {
            let mut b = ballot.clone();
            bump(&mut b.options[i].proof.c0);
            cases.push(b);
            let mut b = ballot.clone();
            bump(&mut b.options[i].proof.s0);
            cases.push(b);
            let mut b = ballot.clone();
            bump(&mut b.options[i].proof.s1);
            cases.push(b);
            let mut b = ballot.clone();
            b.options[i].b = Elem::from_point(&(ballot.options[i].b.decode().unwrap() + G));
            cases.push(b);
        }
        let mut b = ballot.clone();
        bump(&mut b.sum_proof.s);
        cases.push(b);
        let mut b = ballot.clone();
        b.options.swap(0, 2);
        cases.push(b);
        for (n, b) in cases.iter().enumerate() {
            assert_eq!(
                b.verify(&f.key.elem, &f.key.point, &c, 3),
                Err(BallotError::ProofFailed),
                "case {n}"
            );
        }
    }

    #[test]
    fn wrong_option_count_and_bad_encodings_are_named() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let ballot = encrypt(&f.key, &c, 3, 0, &mut OsRng).unwrap();
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &c, 2),
            Err(BallotError::WrongOptionCount {
                expected: 2,
                found: 3
            })
        );
        let mut b = ballot.clone();
        b.options[1].a = Elem(curve25519_dalek::ristretto::CompressedRistretto([0xff; 32]));
        assert_eq!(
            b.verify(&f.key.elem, &f.key.point, &c, 3),
            Err(BallotError::BadCiphertext { option: 1 })
        );
    }

    #[test]
    fn json_round_trip() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let ballot = encrypt(&f.key, &c, 3, 0, &mut OsRng).unwrap();
        let text = serde_json::to_string(&ballot).unwrap();
        let back: Ballot = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ballot);
        assert!(back.verify(&f.key.elem, &f.key.point, &c, 3).is_ok());
    }
}
