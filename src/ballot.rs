//! Ballot encryption and its proofs (ballot format 2, docs/SPEC.md "Ballot").
//!
//! The referendum's number of options `k` fixes the encoding, and a ballot
//! names it (`encoding`); a ballot naming another is refused.
//!
//! **Packed** (`k` = 2 or 3): one ciphertext `Enc_K(m; r)` of the chosen
//! option's weight `m ∈ {0, 1, M}` (first, second, third option; `M = 2^32`),
//! with a [`OneOfKProof`] that it encrypts one of the `k` weights:
//!
//! ```text
//! c = H512("urne/v1/proof/one-of-k"; fp, referendum, voter, G, K, u64(k),
//!          u64(m_0)…, A, B, a_0, b_0, …)
//! ```
//! The counted ballots then sum to `Enc(c₁ + M·c₂)`, from which the count
//! recovers both figures ([`crate::crypto::dlog::packed_counts`]).
//!
//! **One-hot** (`k ≥ 4`): option `i` is `Enc_K(mᵢ; rᵢ)` with `mᵢ ∈ {0, 1}`
//! and `Σ mᵢ = 1`. Each option carries a [`ZeroOneProof`]; the ballot carries
//! a [`DleqProof`] that the sum of its ciphertexts encrypts exactly 1:
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
    half, tag, BatchVerifier, CiphertextElems, DleqProof, HBase, OneOfKProof, OneOfKProver,
    ZeroOneProof, ZeroOneProver,
};

/// The most options a referendum may have (the manifest enforces it too).
pub const MAX_OPTIONS: usize = 64;

/// The weight of the third option of a packed ballot, `M = 2^32`: above any
/// electorate, so that `c₁ + M·c₂` with `c₁ + c₂ ≤ n < M` has one reading.
pub const PACKED_M: u64 = 1 << 32;

/// The most options a packed ballot encodes.
pub const MAX_PACKED: usize = 3;

/// How a ballot encodes its choice; the referendum's number of options fixes
/// it ([`Encoding::for_options`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encoding {
    /// One ciphertext of the option's weight, with a 1-of-k proof (k ≤ 3).
    #[serde(rename = "packed")]
    Packed,
    /// One ciphertext per option, 0/1 proofs and a sum-to-one proof (k ≥ 4).
    #[serde(rename = "one-hot")]
    OneHot,
}

impl Encoding {
    /// The encoding of a referendum with `k` options.
    pub fn for_options(k: usize) -> Encoding {
        if k <= MAX_PACKED {
            Encoding::Packed
        } else {
            Encoding::OneHot
        }
    }

    /// The name in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Packed => "packed",
            Encoding::OneHot => "one-hot",
        }
    }

    /// How many ciphertexts a ballot (and so the referendum's aggregate) has.
    pub fn ciphertexts(self, k: usize) -> usize {
        match self {
            Encoding::Packed => 1,
            Encoding::OneHot => k,
        }
    }

    /// How many random scalars an encryption takes.
    pub fn randomness(self, k: usize) -> usize {
        self.ciphertexts(k)
    }
}

/// The weights `m_j` of a packed ballot's options: `0, 1` for two options,
/// `0, 1, M` for three.
pub fn packed_weights(k: usize) -> &'static [u64] {
    const W: [u64; 3] = [0, 1, PACKED_M];
    &W[..k.min(MAX_PACKED)]
}

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

/// A one-hot ballot's body (`k ≥ 4` options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneHotBallot {
    pub options: Vec<EncryptedOption>,
    pub sum_proof: DleqProof,
}

/// A packed ballot's body (`k` = 2 or 3): one ciphertext and its proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedBallot {
    pub a: Elem,
    pub b: Elem,
    pub proof: OneOfKProof,
}

/// An encrypted ballot (`urne-ballot/2`, docs/SPEC.md "Ballot"). In JSON an
/// object whose `encoding` says which body follows.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "BallotWire")]
pub enum Ballot {
    /// Boxed, so that a ballot is no larger than a one-hot one was.
    Packed(Box<PackedBallot>),
    OneHot(OneHotBallot),
}

/// A ballot as it is read: every field of either body, checked against its
/// `encoding` when converted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BallotWire {
    encoding: Encoding,
    #[serde(default)]
    a: Option<Elem>,
    #[serde(default)]
    b: Option<Elem>,
    #[serde(default)]
    proof: Option<OneOfKProof>,
    #[serde(default)]
    options: Option<Vec<EncryptedOption>>,
    #[serde(default)]
    sum_proof: Option<DleqProof>,
}

impl TryFrom<BallotWire> for Ballot {
    type Error = String;

    fn try_from(w: BallotWire) -> Result<Ballot, String> {
        match (w.encoding, w.a, w.b, w.proof, w.options, w.sum_proof) {
            (Encoding::Packed, Some(a), Some(b), Some(proof), None, None) => {
                Ok(Ballot::Packed(Box::new(PackedBallot { a, b, proof })))
            }
            (Encoding::OneHot, None, None, None, Some(options), Some(sum_proof)) => {
                Ok(Ballot::OneHot(OneHotBallot { options, sum_proof }))
            }
            (Encoding::Packed, ..) => {
                Err("a packed ballot has exactly the fields encoding, a, b and proof".into())
            }
            (Encoding::OneHot, ..) => Err(
                "a one-hot ballot has exactly the fields encoding, options and sum_proof".into(),
            ),
        }
    }
}

impl Serialize for Ballot {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match self {
            Ballot::Packed(p) => {
                let mut st = s.serialize_struct("Ballot", 4)?;
                st.serialize_field("encoding", &Encoding::Packed)?;
                st.serialize_field("a", &p.a)?;
                st.serialize_field("b", &p.b)?;
                st.serialize_field("proof", &p.proof)?;
                st.end()
            }
            Ballot::OneHot(o) => {
                let mut st = s.serialize_struct("Ballot", 3)?;
                st.serialize_field("encoding", &Encoding::OneHot)?;
                st.serialize_field("options", &o.options)?;
                st.serialize_field("sum_proof", &o.sum_proof)?;
                st.end()
            }
        }
    }
}

/// Why a ballot is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the ballot has {found} options but the referendum has {expected}")]
    WrongOptionCount { expected: usize, found: usize },
    #[error(
        "the ballot is {found}, but a referendum of {options} options takes {expected} ballots"
    )]
    WrongEncoding {
        expected: &'static str,
        found: &'static str,
        options: usize,
    },
    #[error("the ballot's proof does not have one commitment, challenge and response per option")]
    ProofShape,
    #[error("option {option}'s ciphertext is not a canonical group element")]
    BadCiphertext { option: usize },
    #[error("a proof commitment is not a canonical group element")]
    BadCommitment,
    #[error("the ballot's proofs do not verify")]
    ProofFailed,
    #[error("choice {choice} is out of range for {options} options")]
    ChoiceOutOfRange { choice: usize, options: usize },
}

/// Encrypts a vote for option `choice` (0-based) out of `n_options`, in the
/// encoding the number of options fixes. Constant time in `choice`: every
/// option is encrypted and proved the same way.
pub fn encrypt<R: RngCore + CryptoRng>(
    key: &PublicKey,
    ctx: &BallotContext<'_>,
    n_options: usize,
    choice: usize,
    rng: &mut R,
) -> Result<Ballot, BallotError> {
    let n = Encoding::for_options(n_options).randomness(n_options.min(MAX_OPTIONS));
    let randomness: Vec<Zeroizing<Scalar>> =
        (0..n).map(|_| Zeroizing::new(random_scalar(rng))).collect();
    encrypt_with_randomness(key, ctx, n_options, choice, &randomness, rng)
}

/// Encrypts with given randomness: one scalar `r` per ciphertext
/// ([`Encoding::randomness`]: one for a packed ballot, one per option for a
/// one-hot one). Whoever knows the randomness of a ballot can re-prove its
/// very ciphertexts for another voter; the simulator uses this to make copied
/// ballots, which the counting rules must reject.
pub fn encrypt_with_randomness<R: RngCore + CryptoRng>(
    key: &PublicKey,
    ctx: &BallotContext<'_>,
    n_options: usize,
    choice: usize,
    randomness: &[Zeroizing<Scalar>],
    rng: &mut R,
) -> Result<Ballot, BallotError> {
    let encoding = Encoding::for_options(n_options);
    if choice >= n_options
        || n_options > MAX_OPTIONS
        || randomness.len() != encoding.randomness(n_options)
    {
        return Err(BallotError::ChoiceOutOfRange {
            choice,
            options: n_options,
        });
    }
    if encoding == Encoding::Packed {
        let weights = packed_weights(n_options);
        let r = &randomness[0];
        let (prover, halves) = OneOfKProver::commit(key, weights, choice, r, rng);
        let elems = Elem::from_halves(&halves);
        let proof = prover.respond(&|t| ctx.absorb(t), &key.elem, weights, &elems, r);
        return Ok(Ballot::Packed(Box::new(PackedBallot {
            a: elems[0],
            b: elems[1],
            proof,
        })));
    }
    // Every point the ballot publishes is computed halved and all of them are
    // encoded together with one inversion: per option A, B, a0, b0, a1, b1, then
    // the sum proof's a, b.
    let mut halves = Vec::with_capacity(6 * n_options + 2);
    let mut provers = Vec::with_capacity(n_options);
    let mut r_sum = Zeroizing::new(Scalar::ZERO);
    let choice = choice as u64;
    for (i, r) in randomness.iter().enumerate() {
        let is_one = (i as u64).ct_eq(&choice);
        let r_half = Zeroizing::new(r.div_by_2());
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
    let w_half = Zeroizing::new(w.div_by_2());
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
    Ok(Ballot::OneHot(OneHotBallot { options, sum_proof }))
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
    /// The encoding the ballot names.
    pub fn encoding(&self) -> Encoding {
        match self {
            Ballot::Packed(_) => Encoding::Packed,
            Ballot::OneHot(_) => Encoding::OneHot,
        }
    }

    /// The encodings `(A, B)` of the ballot's ciphertexts, as stored.
    pub fn ciphertext_elems(&self) -> Vec<CiphertextElems> {
        match self {
            Ballot::Packed(p) => vec![CiphertextElems { a: p.a, b: p.b }],
            Ballot::OneHot(o) => o
                .options
                .iter()
                .map(|x| CiphertextElems { a: x.a, b: x.b })
                .collect(),
        }
    }

    /// The ballot's ciphertexts, decoded (canonical encodings only).
    pub fn ciphertexts(&self) -> Result<Vec<Ciphertext>, BallotError> {
        decode_all(self.ciphertext_elems().into_iter())
    }

    /// The number of points [`Self::verify_into`] adds to a batch for a
    /// ballot of `n_options` options (a capacity for the batch: filling it
    /// then does not grow it).
    pub fn batch_points(n_options: usize) -> usize {
        match Encoding::for_options(n_options) {
            // A, B and each branch's a_j, b_j.
            Encoding::Packed => 2 * n_options + 2,
            // Per option A, B, a0, b0, a1, b1; the sum proof's a, b.
            Encoding::OneHot => 6 * n_options + 2,
        }
    }

    /// Adds every equation of this ballot's proofs to `batch` and appends its
    /// decoded ciphertexts to `cts` (one vector for many ballots, so that a
    /// ballot needs no vector of its own). The caller checks the batch. A
    /// ballot whose encoding is not the one `n_options` fixes is refused; on
    /// any refusal `cts` is as it was, while `batch` may hold some of the
    /// ballot's equations (the caller drops them,
    /// [`crate::crypto::proofs::BatchGroup::discard`]).
    pub fn verify_into(
        &self,
        key: &Elem,
        ctx: &BallotContext<'_>,
        n_options: usize,
        batch: &mut BatchVerifier,
        cts: &mut Vec<Ciphertext>,
    ) -> Result<(), BallotError> {
        let expected = Encoding::for_options(n_options);
        if self.encoding() != expected {
            return Err(BallotError::WrongEncoding {
                expected: expected.as_str(),
                found: self.encoding().as_str(),
                options: n_options,
            });
        }
        match self {
            Ballot::Packed(p) => cts.push(p.verify_into(key, ctx, n_options, batch)?),
            Ballot::OneHot(o) => {
                let len = cts.len();
                o.verify_into(key, ctx, n_options, batch, cts)
                    .inspect_err(|_| cts.truncate(len))?;
            }
        }
        Ok(())
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
        let mut cts = Vec::with_capacity(Encoding::for_options(n_options).ciphertexts(n_options));
        self.verify_into(key, ctx, n_options, &mut batch, &mut cts)?;
        if batch.verify(key_point) {
            Ok(cts)
        } else {
            Err(BallotError::ProofFailed)
        }
    }
}

/// Decodes ciphertexts; the first that does not decode is named.
fn decode_all(
    elems: impl Iterator<Item = CiphertextElems>,
) -> Result<Vec<Ciphertext>, BallotError> {
    let mut out = Vec::new();
    decode_into(elems, &mut out)?;
    Ok(out)
}

/// Decodes ciphertexts onto the end of `out`; the first that does not decode
/// is named (and some before it may have been appended).
fn decode_into(
    elems: impl Iterator<Item = CiphertextElems>,
    out: &mut Vec<Ciphertext>,
) -> Result<(), BallotError> {
    for (i, e) in elems.enumerate() {
        let bad = |_| BallotError::BadCiphertext { option: i };
        out.push(Ciphertext {
            a: e.a.decode().map_err(bad)?,
            b: e.b.decode().map_err(bad)?,
        });
    }
    Ok(())
}

impl PackedBallot {
    fn verify_into(
        &self,
        key: &Elem,
        ctx: &BallotContext<'_>,
        n_options: usize,
        batch: &mut BatchVerifier,
    ) -> Result<Ciphertext, BallotError> {
        let bad = |_| BallotError::BadCiphertext { option: 0 };
        let ct = Ciphertext {
            a: self.a.decode().map_err(bad)?,
            b: self.b.decode().map_err(bad)?,
        };
        let elems = CiphertextElems {
            a: self.a,
            b: self.b,
        };
        let k = n_options;
        if self.proof.a.len() != k
            || self.proof.b.len() != k
            || self.proof.s.len() != k
            || self.proof.c.len() + 1 != k
        {
            return Err(BallotError::ProofShape);
        }
        self.proof
            .verify_into(
                &|t| ctx.absorb(t),
                key,
                packed_weights(k),
                &elems,
                &ct,
                batch,
            )
            .ok_or(BallotError::BadCommitment)?;
        Ok(ct)
    }
}

impl OneHotBallot {
    fn verify_into(
        &self,
        key: &Elem,
        ctx: &BallotContext<'_>,
        n_options: usize,
        batch: &mut BatchVerifier,
        out: &mut Vec<Ciphertext>,
    ) -> Result<(), BallotError> {
        if self.options.len() != n_options {
            return Err(BallotError::WrongOptionCount {
                expected: n_options,
                found: self.options.len(),
            });
        }
        let start = out.len();
        decode_into(
            self.options
                .iter()
                .map(|x| CiphertextElems { a: x.a, b: x.b }),
            out,
        )?;
        let cts = &out[start..];
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
        Ok(())
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

    fn one_hot(b: &mut Ballot) -> &mut OneHotBallot {
        match b {
            Ballot::OneHot(o) => o,
            Ballot::Packed(_) => panic!("a packed ballot"),
        }
    }

    #[test]
    fn every_choice_encrypts_verifies_and_decrypts_one_hot() {
        let f = fixture();
        for choice in 0..4 {
            let c = ctx(&f.fp, "V1");
            let ballot = encrypt(&f.key, &c, 4, choice, &mut OsRng).unwrap();
            assert_eq!(ballot.encoding(), Encoding::OneHot);
            let cts = ballot.verify(&f.key.elem, &f.key.point, &c, 4).unwrap();
            assert_eq!(cts.len(), 4);
            for (i, ct) in cts.iter().enumerate() {
                let expect = if i == choice { G } else { G - G };
                assert_eq!(decrypt(&f, ct), expect);
            }
        }
    }

    #[test]
    fn replay_for_another_voter_referendum_or_election_is_rejected() {
        let f = fixture();
        let ballot = encrypt(&f.key, &ctx(&f.fp, "V1"), 4, 1, &mut OsRng).unwrap();
        let other_voter = ctx(&f.fp, "V2");
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &other_voter, 4),
            Err(BallotError::ProofFailed)
        );
        let other_ref = BallotContext {
            referendum: "songdalen",
            ..ctx(&f.fp, "V1")
        };
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &other_ref, 4),
            Err(BallotError::ProofFailed)
        );
        let fp2 = [8u8; 32];
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &ctx(&fp2, "V1"), 4),
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
        Ballot::OneHot(OneHotBallot { options, sum_proof })
    }

    #[test]
    fn a_ballot_encrypting_two_is_rejected() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let b = forged(&f, &c, &[2, 0, 0, 0]);
        assert_eq!(
            b.verify(&f.key.elem, &f.key.point, &c, 4),
            Err(BallotError::ProofFailed)
        );
    }

    #[test]
    fn two_options_at_once_or_none_are_rejected() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        for ms in [[1u64, 1, 0, 0], [0, 0, 0, 0]] {
            let b = forged(&f, &c, &ms);
            assert_eq!(
                b.verify(&f.key.elem, &f.key.point, &c, 4),
                Err(BallotError::ProofFailed),
                "{ms:?}"
            );
        }
        // The forger's construction itself is sound: an honest one-hot passes.
        let ok = forged(&f, &c, &[0, 1, 0, 0]);
        assert!(ok.verify(&f.key.elem, &f.key.point, &c, 4).is_ok());
    }

    #[test]
    fn tampering_with_any_proof_scalar_or_ciphertext_is_rejected() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let mut ballot = encrypt(&f.key, &c, 4, 2, &mut OsRng).unwrap();
        let bump = |s: &mut PubScalar| s.0 += Scalar::ONE;
        let mut cases: Vec<Ballot> = Vec::new();
        for i in 0..4 {
            let mut b = ballot.clone();
            bump(&mut one_hot(&mut b).options[i].proof.c0);
            cases.push(b);
            let mut b = ballot.clone();
            bump(&mut one_hot(&mut b).options[i].proof.s0);
            cases.push(b);
            let mut b = ballot.clone();
            bump(&mut one_hot(&mut b).options[i].proof.s1);
            cases.push(b);
            let mut b = ballot.clone();
            let old = one_hot(&mut ballot).options[i].b;
            one_hot(&mut b).options[i].b = Elem::from_point(&(old.decode().unwrap() + G));
            cases.push(b);
        }
        let mut b = ballot.clone();
        bump(&mut one_hot(&mut b).sum_proof.s);
        cases.push(b);
        let mut b = ballot.clone();
        one_hot(&mut b).options.swap(0, 2);
        cases.push(b);
        for (n, b) in cases.iter().enumerate() {
            assert_eq!(
                b.verify(&f.key.elem, &f.key.point, &c, 4),
                Err(BallotError::ProofFailed),
                "case {n}"
            );
        }
    }

    #[test]
    fn wrong_option_count_and_bad_encodings_are_named() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let ballot = encrypt(&f.key, &c, 4, 0, &mut OsRng).unwrap();
        assert_eq!(
            ballot.verify(&f.key.elem, &f.key.point, &c, 5),
            Err(BallotError::WrongOptionCount {
                expected: 5,
                found: 4
            })
        );
        let mut b = ballot.clone();
        one_hot(&mut b).options[1].a =
            Elem(curve25519_dalek::ristretto::CompressedRistretto([0xff; 32]));
        assert_eq!(
            b.verify(&f.key.elem, &f.key.point, &c, 4),
            Err(BallotError::BadCiphertext { option: 1 })
        );
    }

    #[test]
    fn json_round_trip() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        for k in [2, 3, 4] {
            let ballot = encrypt(&f.key, &c, k, 1, &mut OsRng).unwrap();
            let text = serde_json::to_string(&ballot).unwrap();
            let back: Ballot = serde_json::from_str(&text).unwrap();
            assert_eq!(back, ballot);
            assert!(back.verify(&f.key.elem, &f.key.point, &c, k).is_ok());
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["encoding"], Encoding::for_options(k).as_str());
        }
        // A body that is not the named encoding's is refused.
        let packed = serde_json::to_value(encrypt(&f.key, &c, 3, 1, &mut OsRng).unwrap()).unwrap();
        let mut wrong = packed.clone();
        wrong["encoding"] = "one-hot".into();
        let err = serde_json::from_value::<Ballot>(wrong)
            .unwrap_err()
            .to_string();
        assert!(err.contains("one-hot ballot has exactly"), "{err}");
        let mut extra = packed.clone();
        extra["sum_proof"] = serde_json::json!({"a": "", "b": "", "s": ""});
        assert!(serde_json::from_value::<Ballot>(extra).is_err());
        let mut unknown = packed;
        unknown["encoding"] = "binary".into();
        assert!(serde_json::from_value::<Ballot>(unknown).is_err());
    }

    #[test]
    fn packed_ballots_of_two_and_three_options_decrypt_to_their_weight() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        for k in [2usize, 3] {
            for choice in 0..k {
                let ballot = encrypt(&f.key, &c, k, choice, &mut OsRng).unwrap();
                assert_eq!(ballot.encoding(), Encoding::Packed);
                let cts = ballot.verify(&f.key.elem, &f.key.point, &c, k).unwrap();
                assert_eq!(cts.len(), 1);
                let m = packed_weights(k)[choice];
                assert_eq!(
                    decrypt(&f, &cts[0]),
                    Scalar::from(m) * G,
                    "k {k} choice {choice}"
                );
            }
        }
    }

    #[test]
    fn a_ballot_in_the_other_encoding_is_refused() {
        let f = fixture();
        let c = ctx(&f.fp, "V1");
        let packed = encrypt(&f.key, &c, 3, 0, &mut OsRng).unwrap();
        assert_eq!(
            packed.verify(&f.key.elem, &f.key.point, &c, 4),
            Err(BallotError::WrongEncoding {
                expected: "one-hot",
                found: "packed",
                options: 4
            })
        );
        let one_hot = encrypt(&f.key, &c, 4, 0, &mut OsRng).unwrap();
        assert!(matches!(
            one_hot.verify(&f.key.elem, &f.key.point, &c, 3),
            Err(BallotError::WrongEncoding { .. })
        ));
        // A packed ballot of 3 options for a 2-option referendum: wrong shape.
        assert_eq!(
            packed.verify(&f.key.elem, &f.key.point, &c, 2),
            Err(BallotError::ProofShape)
        );
    }
}
