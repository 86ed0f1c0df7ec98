//! Sigma proofs made non-interactive by strong Fiat–Shamir, and a batch verifier.
//!
//! Every challenge is `c = H512(tag; context…, statement…, commitments…)` reduced
//! mod ℓ (see [`super::encoding`]); the context always starts with the election
//! fingerprint. The exact items of each proof kind are listed at the function
//! that builds them and in docs/SPEC.md, "Proofs".
//!
//! Proofs carry their commitments, so that a verifier recomputes the challenge
//! from the transmitted bytes and checks linear equations of the form
//! `Σ xᵢ·Pᵢ = 0`. Many such equations are checked at once by weighting each with
//! a fresh random 128-bit scalar `z` and checking one multiscalar multiplication
//! ([`BatchVerifier`]); a false equation survives with probability at most 2⁻¹²⁸.
//! Verification runs on public data only, so it uses variable-time arithmetic.

use super::random_scalar;
use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_POINT as G, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use rand::{CryptoRng, Rng, RngCore};
use serde::{Deserialize, Serialize};
use subtle::{
    Choice, ConditionallyNegatable, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater,
    ConstantTimeLess,
};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::elgamal::{Ciphertext, PublicKey};
use super::encoding::{Elem, PubScalar, Transcript, G_ELEM};
use super::wide::{limbs, Wide};

/// Domain tags, one per proof kind (docs/SPEC.md, "Domain tags").
pub mod tag {
    /// A ciphertext encrypts 0 or 1.
    pub const ZERO_OR_ONE: &str = "urne/v1/proof/zero-or-one";
    /// A ballot's ciphertexts sum to an encryption of 1.
    pub const SUM_TO_ONE: &str = "urne/v1/proof/sum-to-one";
    /// A partial decryption is made with the keyholder's share.
    pub const PARTIAL_DECRYPTION: &str = "urne/v1/proof/partial-decryption";
    /// A key test decryption is made with the keyholder's share.
    pub const KEY_TEST: &str = "urne/v1/proof/key-test";
    /// A packed ballot's ciphertext encrypts one of the referendum's weights.
    pub const ONE_OF_K: &str = "urne/v1/proof/one-of-k";
}

/// Accumulates weighted linear equations `Σ xᵢ·Pᵢ = 0` and checks them with one
/// variable-time multiscalar multiplication. Public data only.
#[derive(Clone, Default)]
pub struct BatchVerifier {
    g: Scalar,
    k: Scalar,
    /// Sums to take from `g` and `k`, as integers not yet reduced mod ℓ
    /// ([`Self::sub_g_wide`]): one reduction a multiscalar multiplication
    /// instead of one a ballot.
    g_minus: Wide,
    k_minus: Wide,
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
}

/// Adds `x` to the unreduced `acc`; if the sum would not fit its 512 bits,
/// `acc` is first reduced into `scalar` (which it is to be taken from).
fn sub_wide(scalar: &mut Scalar, acc: &mut Wide, x: &Wide) {
    match acc.checked_add(x) {
        Some(sum) => *acc = sum,
        None => {
            *scalar -= acc.reduce();
            *acc = *x;
        }
    }
}

impl BatchVerifier {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `points` points, so that filling it
    /// does not grow its vectors (each growth copies every point added).
    pub fn with_capacity(points: usize) -> Self {
        BatchVerifier {
            g: Scalar::ZERO,
            k: Scalar::ZERO,
            g_minus: Wide::ZERO,
            k_minus: Wide::ZERO,
            scalars: Vec::with_capacity(points),
            points: Vec::with_capacity(points),
        }
    }

    /// A fresh random weight for one equation.
    pub fn weight(&self) -> Scalar {
        Scalar::from(rand::thread_rng().gen::<u128>())
    }

    /// Adds `x·G`.
    pub fn add_g(&mut self, x: Scalar) {
        self.g += x;
    }

    /// Adds `x·K` (the election key, given to [`Self::verify`]).
    pub fn add_k(&mut self, x: Scalar) {
        self.k += x;
    }

    /// Adds `−x·G` for an integer `x` not reduced mod ℓ.
    pub fn sub_g_wide(&mut self, x: &Wide) {
        sub_wide(&mut self.g, &mut self.g_minus, x);
    }

    /// Adds `−x·K` for an integer `x` not reduced mod ℓ.
    pub fn sub_k_wide(&mut self, x: &Wide) {
        sub_wide(&mut self.k, &mut self.k_minus, x);
    }

    /// The coefficients of `G` and `K`, reduced.
    fn g_and_k(&self) -> (Scalar, Scalar) {
        (
            self.g - self.g_minus.reduce(),
            self.k - self.k_minus.reduce(),
        )
    }

    /// Adds `x·P`.
    pub fn add(&mut self, x: Scalar, p: RistrettoPoint) {
        self.scalars.push(x);
        self.points.push(p);
    }

    /// Copies every equation of `other` into this batch.
    pub fn extend_from(&mut self, other: &BatchVerifier) {
        self.g += other.g;
        self.k += other.k;
        sub_wide(&mut self.g, &mut self.g_minus, &other.g_minus);
        sub_wide(&mut self.k, &mut self.k_minus, &other.k_minus);
        self.scalars.extend_from_slice(&other.scalars);
        self.points.extend_from_slice(&other.points);
    }

    /// Checks many independent batches (one per ballot, say) and says which
    /// hold, as [`BatchGroup::verify_each`] does (the batches are copied into
    /// one group first; a caller that makes many batches adds them to a
    /// [`BatchGroup`] directly).
    pub fn verify_each(batches: &[&BatchVerifier], k: &RistrettoPoint) -> Vec<bool> {
        let points = batches.iter().map(|b| b.points.len()).sum();
        let mut group = BatchGroup::with_capacity(batches.len(), points);
        for b in batches {
            group.batch().extend_from(b);
            group.close();
        }
        group.verify_each(k)
    }

    /// True if the batch holds no equation.
    pub fn is_empty(&self) -> bool {
        let (g, k) = self.g_and_k();
        self.points.is_empty() && g == Scalar::ZERO && k == Scalar::ZERO
    }

    /// True if every equation added holds (with overwhelming probability).
    pub fn verify(self, k: &RistrettoPoint) -> bool {
        let (g, k_coefficient) = self.g_and_k();
        let scalars = self.scalars.iter().chain([&g, &k_coefficient]);
        let points = self.points.iter().chain([&G, k]);
        RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
    }
}

/// Many independent batches (one per ballot, say) in one pair of vectors:
/// the equations of batch `i` are added to [`Self::batch`], then
/// [`Self::close`] ends it, and [`Self::verify_each`] says which batches hold.
/// One allocation a group instead of two a batch, and each batch's points
/// are a range of the group's, so that any run of consecutive batches is
/// checked as one slice.
#[derive(Clone, Default)]
pub struct BatchGroup {
    /// The equations of every batch: the points and scalars of the closed
    /// ones, then of the open one; its `g`, `k` and their unreduced parts
    /// are the open batch's alone.
    open: BatchVerifier,
    /// Each closed batch's end in `open.points` and its `G` and `K`
    /// coefficients.
    closed: Vec<Closed>,
}

/// A closed batch of a [`BatchGroup`]: where its points end, and its own
/// coefficients of `G` and `K`.
#[derive(Clone)]
struct Closed {
    end: usize,
    g: Scalar,
    k: Scalar,
    g_minus: Wide,
    k_minus: Wide,
}

impl BatchGroup {
    /// An empty group with room for `batches` batches of `points` points in
    /// all, so that filling it does not grow its vectors.
    pub fn with_capacity(batches: usize, points: usize) -> Self {
        BatchGroup {
            open: BatchVerifier::with_capacity(points),
            closed: Vec::with_capacity(batches),
        }
    }

    /// Makes room for `points` more points (a vector that grows copies every
    /// point added).
    pub fn reserve(&mut self, points: usize) {
        self.open.scalars.reserve(points);
        self.open.points.reserve(points);
    }

    /// The open batch, to add equations to (its proofs' `verify_into`).
    pub fn batch(&mut self) -> &mut BatchVerifier {
        &mut self.open
    }

    /// Where the open batch's points start.
    fn open_start(&self) -> usize {
        self.closed.last().map_or(0, |c| c.end)
    }

    /// Ends the open batch; returns its index among the closed ones.
    pub fn close(&mut self) -> usize {
        let o = &mut self.open;
        self.closed.push(Closed {
            end: o.points.len(),
            g: std::mem::take(&mut o.g),
            k: std::mem::take(&mut o.k),
            g_minus: std::mem::take(&mut o.g_minus),
            k_minus: std::mem::take(&mut o.k_minus),
        });
        self.closed.len() - 1
    }

    /// Drops every equation of the open batch (a proof that fails outright
    /// after some of its equations were added).
    pub fn discard(&mut self) {
        let start = self.open_start();
        let o = &mut self.open;
        o.scalars.truncate(start);
        o.points.truncate(start);
        o.g = Scalar::ZERO;
        o.k = Scalar::ZERO;
        o.g_minus = Wide::ZERO;
        o.k_minus = Wide::ZERO;
    }

    /// The number of closed batches.
    pub fn len(&self) -> usize {
        self.closed.len()
    }

    /// True if no batch is closed.
    pub fn is_empty(&self) -> bool {
        self.closed.is_empty()
    }

    /// Says which closed batches hold (indexed as [`Self::close`] returned
    /// them; equations of a batch left open are not checked). All are checked
    /// together first; if that fails, each half is checked, and so on down to
    /// single batches, so that `b` bad batches among `n` cost about
    /// `2·b·log2(n)` extra checks, not `n`. Each batch's weights were drawn
    /// when its equations were added, independently of the others, so any
    /// run's combination is as sound as the whole.
    pub fn verify_each(&self, k: &RistrettoPoint) -> Vec<bool> {
        fn check(group: &BatchGroup, lo: usize, hi: usize, k: &RistrettoPoint, out: &mut [bool]) {
            if lo == hi {
                return;
            }
            if group.verify_run(lo, hi, k) {
                out[lo..hi].fill(true);
            } else if hi - lo == 1 {
                out[lo] = false;
            } else {
                let mid = lo + (hi - lo) / 2;
                check(group, lo, mid, k, out);
                check(group, mid, hi, k, out);
            }
        }
        let mut out = vec![false; self.closed.len()];
        check(self, 0, self.closed.len(), k, &mut out);
        out
    }

    /// True if every equation of the closed batches `lo..hi` holds (with
    /// overwhelming probability): one multiscalar multiplication over their
    /// points, one slice of the group's. True if they hold no equation.
    fn verify_run(&self, lo: usize, hi: usize, k: &RistrettoPoint) -> bool {
        let start = if lo == 0 { 0 } else { self.closed[lo - 1].end };
        let end = self.closed[hi - 1].end;
        let mut sum = BatchVerifier::new();
        for c in &self.closed[lo..hi] {
            // Most batches have only unreduced parts (a 1-of-k proof's).
            if c.g != Scalar::ZERO {
                sum.g += c.g;
            }
            if c.k != Scalar::ZERO {
                sum.k += c.k;
            }
            sum.sub_g_wide(&c.g_minus);
            sum.sub_k_wide(&c.k_minus);
        }
        let (g, kk) = sum.g_and_k();
        if start == end && g == Scalar::ZERO && kk == Scalar::ZERO {
            return true;
        }
        let scalars = self.open.scalars[start..end].iter().chain([&g, &kk]);
        let points = self.open.points[start..end].iter().chain([&G, k]);
        RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
    }
}

/// Proof that a ciphertext `(A, B)` under `K` encrypts 0 or 1: a disjunctive
/// Chaum–Pedersen proof (Cramer–Damgård–Schoenmakers OR-composition).
///
/// ```text
/// statement:  ∃r: (A = r·G ∧ B = r·K) ∨ (A = r·G ∧ B − G = r·K)
/// challenge:  c = H512("urne/v1/proof/zero-or-one"; ctx…, G, K, A, B, a0, b0, a1, b1)
///             c1 = c − c0
/// verifier:   s0·G = a0 + c0·A     s0·K = b0 + c0·B
///             s1·G = a1 + c1·A     s1·K = b1 + c1·(B − G)
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZeroOneProof {
    pub a0: Elem,
    pub b0: Elem,
    pub a1: Elem,
    pub b1: Elem,
    pub c0: PubScalar,
    pub s0: PubScalar,
    pub s1: PubScalar,
}

/// The encodings of a ciphertext, as hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CiphertextElems {
    pub a: Elem,
    pub b: Elem,
}

fn zero_one_challenge(
    ctx: &dyn Fn(&mut Transcript),
    key: &Elem,
    ct: &CiphertextElems,
    p: [&Elem; 4],
) -> Scalar {
    let mut t = Transcript::sha512(tag::ZERO_OR_ONE);
    ctx(&mut t);
    t.point(&G_ELEM.0)
        .point(&key.0)
        .point(&ct.a.0)
        .point(&ct.b.0);
    for e in p {
        t.point(&e.0);
    }
    t.challenge()
}

/// `2⁻¹ mod ℓ`, for computing halved points (see [`Elem::from_halves`]).
/// The provers halve their scalars with [`Scalar::div_by_2`] instead, which
/// costs less than a multiplication by this.
pub fn half() -> Scalar {
    static HALF: std::sync::LazyLock<Scalar> = std::sync::LazyLock::new(|| Scalar::ONE.div_by_2());
    *HALF
}

/// The prover's side of a [`ZeroOneProof`] for a ciphertext `Enc_K(m; r)` it
/// has just made, so that it knows `m ∈ {0, 1}` and `r`. Knowing `r` turns the
/// simulated branch `j' = 1 − m` (challenge `c'`, response `s'`) into
/// fixed-base multiplications only:
///
/// ```text
/// a' = s'·G − c'·A           = (s' − c'·r)·G
/// b' = s'·K − c'·(B − j'·G)  = (s' − c'·r)·K − c'·(m − j')·G,   m − j' = ±1
/// ```
///
/// The commitments come out halved, for [`Elem::from_halves`]. Constant time
/// in `m`, `r` and the prover's randomness: both branches are computed, the
/// real one is selected. The proof is the same as [`ZeroOneProof::prove`]'s
/// in distribution and in format.
pub struct ZeroOneProver {
    m_is_one: Choice,
    w: Zeroizing<Scalar>,
    c_sim: Zeroizing<Scalar>,
    s_sim: Zeroizing<Scalar>,
}

impl ZeroOneProver {
    /// Draws the prover's randomness; returns it with the halves of the
    /// commitments `a0, b0, a1, b1`.
    pub fn commit<R: RngCore + CryptoRng>(
        key: &PublicKey,
        m_is_one: Choice,
        r: &Scalar,
        rng: &mut R,
    ) -> (Self, [RistrettoPoint; 4]) {
        let w = Zeroizing::new(random_scalar(rng));
        let c_sim = Zeroizing::new(random_scalar(rng));
        let s_sim = Zeroizing::new(random_scalar(rng));
        let w_half = Zeroizing::new(w.div_by_2());
        let t_half = Zeroizing::new((*s_sim - *c_sim * r).div_by_2());
        let real_a = &*w_half * RISTRETTO_BASEPOINT_TABLE;
        let real_b = key.mul(&w_half);
        // −c'·(m − j')·G: −c'·G if m = 1, +c'·G if m = 0.
        let c_half = Zeroizing::new(c_sim.div_by_2());
        let mut shift = &*c_half * RISTRETTO_BASEPOINT_TABLE;
        shift.conditional_negate(m_is_one);
        let sim_a = &*t_half * RISTRETTO_BASEPOINT_TABLE;
        let sim_b = key.mul(&t_half) + shift;
        let a0 = RistrettoPoint::conditional_select(&real_a, &sim_a, m_is_one);
        let b0 = RistrettoPoint::conditional_select(&real_b, &sim_b, m_is_one);
        let a1 = RistrettoPoint::conditional_select(&sim_a, &real_a, m_is_one);
        let b1 = RistrettoPoint::conditional_select(&sim_b, &real_b, m_is_one);
        let prover = ZeroOneProver {
            m_is_one,
            w,
            c_sim,
            s_sim,
        };
        (prover, [a0, b0, a1, b1])
    }

    /// Computes the challenge over the encoded commitments and answers it.
    pub fn respond(
        self,
        ctx: &dyn Fn(&mut Transcript),
        key: &Elem,
        ct_elems: &CiphertextElems,
        commitments: [Elem; 4],
        r: &Scalar,
    ) -> ZeroOneProof {
        let [a0, b0, a1, b1] = commitments;
        let c = zero_one_challenge(ctx, key, ct_elems, [&a0, &b0, &a1, &b1]);
        let (c_sim, s_sim, m_is_one) = (*self.c_sim, *self.s_sim, self.m_is_one);
        let c_real = c - c_sim;
        let s_real = Zeroizing::new(*self.w + c_real * r);
        ZeroOneProof {
            a0,
            b0,
            a1,
            b1,
            c0: PubScalar(Scalar::conditional_select(&c_real, &c_sim, m_is_one)),
            s0: PubScalar(Scalar::conditional_select(&*s_real, &s_sim, m_is_one)),
            s1: PubScalar(Scalar::conditional_select(&s_sim, &*s_real, m_is_one)),
        }
    }
}

impl ZeroOneProof {
    /// Proves that `ct = Enc_K(m; r)` with `m ∈ {0, 1}`, for any ciphertext
    /// (ballots use the faster [`ZeroOneProver`]; tests use this one to try to
    /// prove false claims). Constant time in `m` and `r`: both branches are
    /// computed and the real one selected.
    #[cfg(test)]
    pub(crate) fn prove<R: RngCore + CryptoRng>(
        ctx: &dyn Fn(&mut Transcript),
        key: &PublicKey,
        ct: &Ciphertext,
        ct_elems: &CiphertextElems,
        m_is_one: Choice,
        r: &Scalar,
        rng: &mut R,
    ) -> ZeroOneProof {
        let w = Zeroizing::new(random_scalar(rng));
        let c_sim = random_scalar(rng);
        let s_sim = random_scalar(rng);
        // The real branch's commitments.
        let real_a = &*w * RISTRETTO_BASEPOINT_TABLE;
        let real_b = key.mul(&w);
        // The simulated branch j' = 1 − m: a' = s'·G − c'·A, b' = s'·K − c'·(B − j'·G).
        let j_sim = Scalar::conditional_select(&Scalar::ONE, &Scalar::ZERO, m_is_one);
        let b_shift = ct.b - &j_sim * RISTRETTO_BASEPOINT_TABLE;
        let sim_a = &s_sim * RISTRETTO_BASEPOINT_TABLE - c_sim * ct.a;
        let sim_b = key.mul(&s_sim) - c_sim * b_shift;
        // m = 0: branch 0 is real. m = 1: branch 1 is real.
        let a0 = RistrettoPoint::conditional_select(&real_a, &sim_a, m_is_one);
        let b0 = RistrettoPoint::conditional_select(&real_b, &sim_b, m_is_one);
        let a1 = RistrettoPoint::conditional_select(&sim_a, &real_a, m_is_one);
        let b1 = RistrettoPoint::conditional_select(&sim_b, &real_b, m_is_one);
        let (a0, b0, a1, b1) = (
            Elem::from_point(&a0),
            Elem::from_point(&b0),
            Elem::from_point(&a1),
            Elem::from_point(&b1),
        );
        let c = zero_one_challenge(ctx, &key.elem, ct_elems, [&a0, &b0, &a1, &b1]);
        let c_real = c - c_sim;
        let s_real = *w + c_real * r;
        let c0 = Scalar::conditional_select(&c_real, &c_sim, m_is_one);
        let s0 = Scalar::conditional_select(&s_real, &s_sim, m_is_one);
        let s1 = Scalar::conditional_select(&s_sim, &s_real, m_is_one);
        ZeroOneProof {
            a0,
            b0,
            a1,
            b1,
            c0: PubScalar(c0),
            s0: PubScalar(s0),
            s1: PubScalar(s1),
        }
    }

    /// Adds the four verification equations to `batch`, weighted at random,
    /// except their terms in the ciphertext's points `A` and `B`: it returns
    /// those two coefficients, so that a caller with other equations on the same
    /// points adds each point once. Returns `None` if a commitment is not a
    /// canonical encoding.
    pub fn verify_into(
        &self,
        ctx: &dyn Fn(&mut Transcript),
        key: &Elem,
        ct_elems: &CiphertextElems,
        batch: &mut BatchVerifier,
    ) -> Option<(Scalar, Scalar)> {
        let c = zero_one_challenge(ctx, key, ct_elems, [&self.a0, &self.b0, &self.a1, &self.b1]);
        let (c0, s0, s1) = (self.c0.0, self.s0.0, self.s1.0);
        let c1 = c - c0;
        let (z1, z2, z3, z4) = (
            batch.weight(),
            batch.weight(),
            batch.weight(),
            batch.weight(),
        );
        batch.add_g(z1 * s0 + z3 * s1 + z4 * c1);
        batch.add_k(z2 * s0 + z4 * s1);
        batch.add(-z1, self.a0.decode().ok()?);
        batch.add(-z2, self.b0.decode().ok()?);
        batch.add(-z3, self.a1.decode().ok()?);
        batch.add(-z4, self.b1.decode().ok()?);
        Some((-(z1 * c0 + z3 * c1), -(z2 * c0 + z4 * c1)))
    }
}

/// A Chaum–Pedersen proof of equal discrete logarithms, `log_G X = log_H Y`,
/// with commitments `a = w·G`, `b = w·H` and response `s = w + c·x`.
///
/// ```text
/// verifier:   s·G = a + c·X       s·H = b + c·Y
/// ```
/// The challenge `c` hashes the proof kind's tag, its context and statement, then
/// `a` and `b`; each use below lists its items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DleqProof {
    pub a: Elem,
    pub b: Elem,
    pub s: PubScalar,
}

impl DleqProof {
    /// Proves `log_G X = log_H Y = x`, where `mul_h(w)` computes `w·H` (constant
    /// time in `w`). `statement` absorbs the tag's context and statement items.
    pub fn prove<R: RngCore + CryptoRng>(
        tag: &str,
        statement: &dyn Fn(&mut Transcript),
        x: &Scalar,
        mul_h: &dyn Fn(&Scalar) -> RistrettoPoint,
        rng: &mut R,
    ) -> DleqProof {
        let w = Zeroizing::new(random_scalar(rng));
        let a = Elem::from_point(&(&*w * RISTRETTO_BASEPOINT_TABLE));
        let b = Elem::from_point(&mul_h(&w));
        let c = Self::challenge(tag, statement, &a, &b);
        DleqProof {
            a,
            b,
            s: PubScalar(*w + c * x),
        }
    }

    /// `c = H512(tag; statement…, a, b)`.
    pub fn challenge(tag: &str, statement: &dyn Fn(&mut Transcript), a: &Elem, b: &Elem) -> Scalar {
        let mut t = Transcript::sha512(tag);
        statement(&mut t);
        t.point(&a.0).point(&b.0);
        t.challenge()
    }

    /// Checks the proof on its own (public data, variable time): `X`, `H`, `Y`
    /// are the decoded statement points. For batching, see [`Self::verify_into`].
    pub fn verify(
        &self,
        tag: &str,
        statement: &dyn Fn(&mut Transcript),
        x: &RistrettoPoint,
        h: &RistrettoPoint,
        y: &RistrettoPoint,
    ) -> bool {
        let mut batch = BatchVerifier::new();
        let c = Self::challenge(tag, statement, &self.a, &self.b);
        let Some((cx, cy)) = self.verify_into(c, HBase::Point(*h), &mut batch) else {
            return false;
        };
        batch.add(cx, *x);
        batch.add(cy, *y);
        // K is unused here (coefficient zero).
        batch.verify(&G)
    }

    /// Adds `s·G − a − c·X = 0` and `s·H − b − c·Y = 0` to the batch, weighted
    /// at random, except their terms in `X` and `Y`: it returns those two
    /// coefficients for the caller to add, as [`ZeroOneProof::verify_into`]
    /// does, so that a statement point that is a sum (a ballot's `ΣAᵢ` and
    /// `ΣBᵢ − G`) is added term by term, each point once. `H` may be the
    /// batch's `K`. Returns `None` if a commitment is not a canonical encoding.
    pub fn verify_into(
        &self,
        c: Scalar,
        h: HBase,
        batch: &mut BatchVerifier,
    ) -> Option<(Scalar, Scalar)> {
        let s = self.s.0;
        let (z1, z2) = (batch.weight(), batch.weight());
        batch.add_g(z1 * s);
        batch.add(-z1, self.a.decode().ok()?);
        match h {
            HBase::K => batch.add_k(z2 * s),
            HBase::Point(p) => batch.add(z2 * s, p),
        }
        batch.add(-z2, self.b.decode().ok()?);
        Some((-(z1 * c), -(z2 * c)))
    }
}

/// Proof that a ciphertext `(A, B)` under `K` encrypts one of `k` public
/// weights `m_0 … m_{k−1}`: a 1-of-k disjunctive Chaum–Pedersen proof
/// (Cramer–Damgård–Schoenmakers), branch `j` showing that `(A, B − m_j·G)`
/// encrypts 0.
///
/// ```text
/// c       = H512("urne/v1/proof/one-of-k"; ctx…, G, K, u64(k), u64(m_0)…u64(m_{k−1}),
///                A, B, a_0, b_0, …, a_{k−1}, b_{k−1})
/// c_{k−1} = c − (c_0 + … + c_{k−2})
/// verifier, each j:   s_j·G = a_j + c_j·A      s_j·K = b_j + c_j·(B − m_j·G)
/// ```
/// `c` carries the first `k − 1` branch challenges; the last is implied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneOfKProof {
    pub a: Vec<Elem>,
    pub b: Vec<Elem>,
    pub c: Vec<PubScalar>,
    pub s: Vec<PubScalar>,
}

/// The statement of a [`OneOfKProof`] as hashed: context, `G`, `K`, the
/// weights, the ciphertext.
fn one_of_k_challenge(
    ctx: &dyn Fn(&mut Transcript),
    key: &Elem,
    weights: &[u64],
    ct: &CiphertextElems,
    a: &[Elem],
    b: &[Elem],
) -> Scalar {
    let mut t = Transcript::sha512(tag::ONE_OF_K);
    ctx(&mut t);
    t.point(&G_ELEM.0).point(&key.0).u64(weights.len() as u64);
    for &m in weights {
        t.u64(m);
    }
    t.point(&ct.a.0).point(&ct.b.0);
    for (aj, bj) in a.iter().zip(b) {
        t.point(&aj.0).point(&bj.0);
    }
    t.challenge()
}

/// The prover's side of a [`OneOfKProof`] for a ciphertext `Enc_K(m_i; r)` it
/// makes itself. Every branch is computed the same way, so the work and the
/// memory access do not depend on the choice `i`:
///
/// ```text
/// for every j:  t_j, c_j random,  e_j = c_j·(m_i − m_j)          (e_i = 0)
///               a_j = t_j·G,   b_j = t_j·K − e_j·G
/// c_i = c − Σ_{j≠i} c_j,    s_j = t_j + c_j·r
/// ```
/// For `j ≠ i` this is the simulated transcript `a_j = s_j·G − c_j·A`,
/// `b_j = s_j·K − c_j·(B − m_j·G)`, for `j = i` the real one; with `r` known,
/// each is made of fixed-base multiplications only: two for the ciphertext,
/// two a branch (`t_j·G`, `t_j·K`), and `e_j·G` for the `k − 1` simulated
/// branches alone: `3k + 1` in all, 10 for three options. The simulated
/// branches are moved into `k − 1` slots by constant-time selection (slot `l`
/// holds branch `l` below the choice and `l + 1` from it on), where each gets
/// its `e_j` and `b_j = t_j·K − e_j·G`, and moved back; the real branch keeps
/// `t_i·K` (see [`Self::commit`]). Points come out halved, for
/// [`Elem::from_halves`].
pub struct OneOfKProver {
    choice: u64,
    branches: Vec<Branch>,
}

/// One branch's randomness: the commitment's `t_j` and the drawn challenge
/// `c_j` (the real branch's is replaced by `c − Σ_{j≠i} c_j`).
#[derive(Zeroize, ZeroizeOnDrop)]
struct Branch {
    t: Scalar,
    c: Scalar,
}

impl OneOfKProver {
    /// Encrypts weight `weights[choice]` with randomness `r` and draws the
    /// proof's randomness (`t_0, c_0, t_1, c_1, …` in this order). Returns the
    /// prover and the halves of `A, B, a_0, b_0, …, a_{k−1}, b_{k−1}`.
    /// Constant time in `choice` and `r` (`choice < weights.len()` is the
    /// caller's to ensure): every index below is a loop counter, every use of
    /// the choice a constant-time comparison and selection.
    pub fn commit<R: RngCore + CryptoRng>(
        key: &PublicKey,
        weights: &[u64],
        choice: usize,
        r: &Scalar,
        rng: &mut R,
    ) -> (Self, Vec<RistrettoPoint>) {
        let choice = choice as u64;
        let k = weights.len();
        // The weights' halves m_j/2 are public; m/2 and (m/2)·G for
        // m = weights[choice] are selected from them in constant time.
        let w_half: Vec<Scalar> = weights.iter().map(|&w| weight_half(w)).collect();
        let mut m_half = Scalar::ZERO;
        let mut m_half_g = RistrettoPoint::identity();
        for (j, (&w, wh)) in weights.iter().zip(&w_half).enumerate() {
            let here = (j as u64).ct_eq(&choice);
            m_half.conditional_assign(wh, here);
            m_half_g.conditional_assign(&weight_half_g(w), here);
        }
        let m_half = Zeroizing::new(m_half);
        // Halving a scalar (div_by_2: a constant-time conditional addition of
        // ℓ and a shift) rather than multiplying it by 1/2.
        let r_half = Zeroizing::new(r.div_by_2());
        let mut halves = Vec::with_capacity(2 + 2 * k);
        halves.push(&*r_half * RISTRETTO_BASEPOINT_TABLE);
        halves.push(key.mul(&r_half) + m_half_g);
        let branches: Vec<Branch> = weights
            .iter()
            .map(|_| {
                let t = random_scalar(rng);
                let c = random_scalar(rng);
                Branch { t, c }
            })
            .collect();
        // a_j/2 = (t_j/2)·G for every branch, and (t_j/2)·K in b_j's place:
        // the real branch's b_i/2, the others' before their shift.
        for b in &branches {
            let t_half = Zeroizing::new(b.t.div_by_2());
            halves.push(&*t_half * RISTRETTO_BASEPOINT_TABLE);
            halves.push(key.mul(&t_half));
        }
        // Slot l holds branch l below the choice and l + 1 from it on: its
        // c_j, m_j/2 and (t_j/2)·K are selected from those of branches l and
        // l + 1, and it computes b_j/2 = (t_j/2)·K − (e_j/2)·G with
        // e_j/2 = c_j·(m/2 − m_j/2): k − 1 multiplications of each kind, and
        // k − 1 point subtractions, whatever the choice.
        let slots: Vec<RistrettoPoint> = (0..k.saturating_sub(1))
            .map(|l| {
                let shifted = !(l as u64).ct_lt(&choice);
                let (lo, hi) = (&branches[l], &branches[l + 1]);
                let c = Zeroizing::new(Scalar::conditional_select(&lo.c, &hi.c, shifted));
                let wh = Scalar::conditional_select(&w_half[l], &w_half[l + 1], shifted);
                let e_half = Zeroizing::new(*c * (*m_half - wh));
                let t_k = RistrettoPoint::conditional_select(
                    &halves[3 + 2 * l],
                    &halves[5 + 2 * l],
                    shifted,
                );
                t_k - &*e_half * RISTRETTO_BASEPOINT_TABLE
            })
            .collect();
        // Back in place: branch j < choice from slot j, j > choice from slot
        // j − 1; the choice keeps its (t_i/2)·K. Each b_j reads the same slots
        // whatever the choice.
        for j in 0..k {
            let jj = j as u64;
            let b = &mut halves[3 + 2 * j];
            if let Some(below) = slots.get(j) {
                b.conditional_assign(below, jj.ct_lt(&choice));
            }
            if let Some(above) = j.checked_sub(1).and_then(|l| slots.get(l)) {
                b.conditional_assign(above, jj.ct_gt(&choice));
            }
        }
        (OneOfKProver { choice, branches }, halves)
    }

    /// Computes the challenge over the encodings (`A, B, a_0, b_0, …` as
    /// [`Self::commit`] returned their halves) and answers it.
    pub fn respond(
        self,
        ctx: &dyn Fn(&mut Transcript),
        key: &Elem,
        weights: &[u64],
        elems: &[Elem],
        r: &Scalar,
    ) -> OneOfKProof {
        let ct = CiphertextElems {
            a: elems[0],
            b: elems[1],
        };
        let a: Vec<Elem> = elems[2..].iter().step_by(2).copied().collect();
        let b: Vec<Elem> = elems[3..].iter().step_by(2).copied().collect();
        let c = one_of_k_challenge(ctx, key, weights, &ct, &a, &b);
        // c_i = c − Σ_{j≠i} c_j: the sum of every c_j but the choice's, which
        // is replaced by zero in constant time.
        let mut others = Zeroizing::new(Scalar::ZERO);
        for (j, br) in self.branches.iter().enumerate() {
            let cj = Zeroizing::new(Scalar::conditional_select(
                &br.c,
                &Scalar::ZERO,
                (j as u64).ct_eq(&self.choice),
            ));
            if j == 0 {
                *others = *cj;
            } else {
                *others += *cj;
            }
        }
        let real = Zeroizing::new(c - *others);
        let mut cs = Vec::with_capacity(self.branches.len());
        let mut ss = Vec::with_capacity(self.branches.len());
        for (j, br) in self.branches.iter().enumerate() {
            let cj = Scalar::conditional_select(&br.c, &real, (j as u64).ct_eq(&self.choice));
            ss.push(PubScalar(br.t + cj * r));
            cs.push(PubScalar(cj));
        }
        cs.pop();
        OneOfKProof { a, b, c: cs, s: ss }
    }
}

/// `m/2 mod ℓ` for a public weight `m`, without a scalar multiplication:
/// `m/2` itself if `m` is even, else `(m + ℓ)/2` ([`Scalar::div_by_2`]). The
/// weight is public, so this may branch.
fn weight_half(m: u64) -> Scalar {
    if m & 1 == 1 {
        Scalar::from(m).div_by_2()
    } else {
        Scalar::from(m >> 1)
    }
}

/// `(m/2)·G` for a weight `m`: public constants. Those of the weights urne
/// uses (0, 1 and 2^32, [`crate::ballot::packed_weights`]) are computed once:
/// made afresh they were three of the fourteen fixed-base multiplications of
/// an encryption (BENCHMARKS.md, "Ballot format 2"). Any other weight is
/// computed when asked for. The weights are public, so the lookup may branch.
fn weight_half_g(m: u64) -> RistrettoPoint {
    fn compute(m: u64) -> RistrettoPoint {
        if m == 0 {
            // The weight is public: no multiplication for the identity.
            RistrettoPoint::identity()
        } else {
            &weight_half(m) * RISTRETTO_BASEPOINT_TABLE
        }
    }
    static COMMON: std::sync::LazyLock<[(u64, RistrettoPoint); 3]> =
        std::sync::LazyLock::new(|| [0, 1, 1 << 32].map(|m| (m, compute(m))));
    COMMON
        .iter()
        .find(|(w, _)| *w == m)
        .map_or_else(|| compute(m), |(_, p)| *p)
}

impl OneOfKProof {
    /// Adds the `2k` verification equations to `batch`, weighted at random,
    /// including their terms in the ciphertext `ct` (its decoded points).
    /// Returns `None` if the proof has the wrong shape for `k` weights or a
    /// commitment is not a canonical encoding.
    pub fn verify_into(
        &self,
        ctx: &dyn Fn(&mut Transcript),
        key: &Elem,
        weights: &[u64],
        ct_elems: &CiphertextElems,
        ct: &Ciphertext,
        batch: &mut BatchVerifier,
    ) -> Option<()> {
        let k = weights.len();
        if k == 0
            || self.a.len() != k
            || self.b.len() != k
            || self.s.len() != k
            || self.c.len() != k - 1
        {
            return None;
        }
        let c = one_of_k_challenge(ctx, key, weights, ct_elems, &self.a, &self.b);
        let last = c - self.c.iter().map(|x| x.0).sum::<Scalar>();
        // The coefficients are sums of products of a 128-bit weight and a
        // scalar, added up as integers and reduced once each
        // ([`super::wide`]): the same scalars as multiplying mod ℓ term by
        // term, for a fraction of the work.
        let (mut g, mut kk, mut xa, mut xb) = (Wide::ZERO, Wide::ZERO, Wide::ZERO, Wide::ZERO);
        // One handle on the thread's CSPRNG for all the weights.
        let mut rng = rand::thread_rng();
        for (j, &mj) in weights.iter().enumerate() {
            let cj = limbs(&self.c.get(j).map_or(last, |x| x.0));
            let sj = limbs(&self.s[j].0);
            // Each equation's own independent 128-bit weight.
            let (z, y): (u128, u128) = (rng.gen(), rng.gen());
            // z·(a_j + c_j·A − s_j·G) + y·(b_j + c_j·B − c_j·m_j·G − s_j·K),
            // each equation with its sign turned (as sound, and the points'
            // weights need no negation); g and kk gather the G and K
            // coefficients with their signs turned back below.
            g.add_weighted(z, &sj);
            g.add_weighted_times(y, mj, &cj);
            kk.add_weighted(y, &sj);
            xa.add_weighted(z, &cj);
            xb.add_weighted(y, &cj);
            batch.add(Scalar::from(z), self.a[j].decode().ok()?);
            batch.add(Scalar::from(y), self.b[j].decode().ok()?);
        }
        batch.sub_g_wide(&g);
        batch.sub_k_wide(&kk);
        batch.add(xa.reduce(), ct.a);
        batch.add(xb.reduce(), ct.b);
        Some(())
    }
}

/// The second base of a [`DleqProof`] in a batch.
#[derive(Clone, Copy, Debug)]
pub enum HBase {
    /// The election key `K`, accumulated in the batch's `K` coefficient.
    K,
    /// Any other point.
    Point(RistrettoPoint),
}

#[cfg(test)]
mod tests {
    use super::super::wide;
    use super::*;
    use rand::rngs::OsRng;

    fn setup() -> (Scalar, PublicKey) {
        let s = random_scalar(&mut OsRng);
        (s, PublicKey::new(s * G))
    }

    fn ctx(t: &mut Transcript) {
        t.bytes(&[7u8; 32]).str("ref").str("voter-1");
    }

    fn other_ctx(t: &mut Transcript) {
        t.bytes(&[7u8; 32]).str("ref").str("voter-2");
    }

    fn elems(ct: &Ciphertext) -> CiphertextElems {
        CiphertextElems {
            a: Elem::from_point(&ct.a),
            b: Elem::from_point(&ct.b),
        }
    }

    fn check(
        proof: &ZeroOneProof,
        c: &dyn Fn(&mut Transcript),
        key: &PublicKey,
        ct: &Ciphertext,
    ) -> bool {
        let mut batch = BatchVerifier::new();
        let Some((xa, xb)) = proof.verify_into(c, &key.elem, &elems(ct), &mut batch) else {
            return false;
        };
        batch.add(xa, ct.a);
        batch.add(xb, ct.b);
        batch.verify(&key.point)
    }

    #[test]
    fn zero_and_one_prove_and_verify() {
        let (_, key) = setup();
        for m in [0u64, 1] {
            let (ct, r) = Ciphertext::encrypt(&key, m, &mut OsRng);
            let proof = ZeroOneProof::prove(
                &ctx,
                &key,
                &ct,
                &elems(&ct),
                Choice::from(u8::from(m == 1)),
                &r,
                &mut OsRng,
            );
            assert!(check(&proof, &ctx, &key, &ct), "m = {m}");
            // Bound to the voter: the same proof fails in another context.
            assert!(!check(&proof, &other_ctx, &key, &ct), "m = {m}");
        }
    }

    #[test]
    fn the_ballot_prover_with_halved_commitments_makes_proofs_that_verify() {
        let (_, key) = setup();
        for m in [0u64, 1] {
            let (ct, r) = Ciphertext::encrypt(&key, m, &mut OsRng);
            let is_one = Choice::from(u8::from(m == 1));
            let (prover, halves) = ZeroOneProver::commit(&key, is_one, &r, &mut OsRng);
            let e = Elem::from_halves(&halves);
            let proof = prover.respond(&ctx, &key.elem, &elems(&ct), [e[0], e[1], e[2], e[3]], &r);
            assert!(check(&proof, &ctx, &key, &ct), "m = {m}");
            assert!(!check(&proof, &other_ctx, &key, &ct), "m = {m}");
            // Claiming the other bit for the same randomness gives a proof that fails.
            let (prover, halves) = ZeroOneProver::commit(&key, !is_one, &r, &mut OsRng);
            let e = Elem::from_halves(&halves);
            let lie = prover.respond(&ctx, &key.elem, &elems(&ct), [e[0], e[1], e[2], e[3]], &r);
            assert!(!check(&lie, &ctx, &key, &ct), "m = {m}, claimed {}", 1 - m);
        }
    }

    #[test]
    fn unreduced_coefficients_are_taken_off_whatever_their_size() {
        let (_, key) = setup();
        // Near 2^512: two of them overflow the accumulator, which is then
        // reduced into the coefficient first.
        let mut big = Wide::ZERO;
        big.add_mul(&[u64::MAX; 4], &[u64::MAX; 4]);
        let mut small = Wide::ZERO;
        small.add_weighted(12345, &wide::limbs(&Scalar::from(678u64)));
        for wides in [vec![small], vec![big, big, big], vec![big, small, big]] {
            let total: Scalar = wides.iter().map(Wide::reduce).sum();
            let mut batch = BatchVerifier::new();
            let mut other = BatchVerifier::new();
            for w in &wides {
                batch.sub_g_wide(w);
                other.sub_k_wide(w);
            }
            assert!(!batch.is_empty());
            // −total·G + total·G = 0, −total·K + total·K = 0.
            let mut balanced = batch.clone();
            balanced.add_g(total);
            let mut balanced_k = other.clone();
            balanced_k.add_k(total);
            assert!(balanced.is_empty() && balanced_k.is_empty());
            assert!(balanced.clone().verify(&key.point));
            assert!(balanced_k.clone().verify(&key.point));
            // Off by one: fails, alone, merged and among others.
            let mut off = batch.clone();
            off.add_g(total + Scalar::ONE);
            assert!(!off.clone().verify(&key.point));
            let mut merged = BatchVerifier::new();
            merged.extend_from(&balanced);
            merged.extend_from(&balanced_k);
            assert!(merged.clone().verify(&key.point));
            merged.extend_from(&off);
            assert!(!merged.verify(&key.point));
            assert_eq!(
                BatchVerifier::verify_each(&[&balanced, &off, &balanced_k], &key.point),
                vec![true, false, true]
            );
        }
    }

    /// A ciphertext of the bit `m` with its 0/1 proof.
    fn proved_bit(key: &PublicKey, m: u64) -> (Ciphertext, ZeroOneProof) {
        let (ct, r) = Ciphertext::encrypt(key, m, &mut OsRng);
        let proof = ZeroOneProof::prove(
            &ctx,
            key,
            &ct,
            &elems(&ct),
            Choice::from(u8::from(m == 1)),
            &r,
            &mut OsRng,
        );
        (ct, proof)
    }

    #[test]
    fn verify_each_names_exactly_the_bad_batches() {
        let (_, key) = setup();
        let mut batches = Vec::new();
        let mut truth = Vec::new();
        for i in 0..37u64 {
            let (ct, mut proof) = proved_bit(&key, i % 2);
            let bad = [0, 5, 6, 36].contains(&i);
            if bad {
                proof.s1 = PubScalar(proof.s1.0 + Scalar::ONE);
            }
            let mut batch = BatchVerifier::new();
            let (xa, xb) = proof
                .verify_into(&ctx, &key.elem, &elems(&ct), &mut batch)
                .unwrap();
            batch.add(xa, ct.a);
            batch.add(xb, ct.b);
            batches.push(batch);
            truth.push(!bad);
        }
        let refs: Vec<&BatchVerifier> = batches.iter().collect();
        assert_eq!(BatchVerifier::verify_each(&refs, &key.point), truth);
        let good: Vec<&BatchVerifier> = refs
            .iter()
            .zip(&truth)
            .filter(|(_, t)| **t)
            .map(|(b, _)| *b)
            .collect();
        assert!(BatchVerifier::verify_each(&good, &key.point)
            .iter()
            .all(|ok| *ok));
        assert!(BatchVerifier::verify_each(&[], &key.point).is_empty());
    }

    /// A group's batches are runs of one pair of vectors: the halving names
    /// exactly the bad ones, a batch discarded half-way leaves nothing
    /// behind, and a batch left open is not checked.
    #[test]
    fn a_group_names_exactly_its_bad_batches_and_drops_discarded_ones() {
        let (_, key) = setup();
        let mut group = BatchGroup::default();
        let mut truth = Vec::new();
        for i in 0..45u64 {
            let (ct, mut proof) = proved_bit(&key, i % 2);
            if i % 7 == 3 {
                // A proof that fails outright after some of its equations
                // were added (a false one, so that a leftover would show).
                group.batch().add(Scalar::ONE, G);
                group.batch().add_g(Scalar::ONE);
                group.discard();
                continue;
            }
            let bad = [0, 1, 16, 17, 18, 44].contains(&i);
            if bad {
                proof.s0 = PubScalar(proof.s0.0 + Scalar::ONE);
            }
            let (xa, xb) = proof
                .verify_into(&ctx, &key.elem, &elems(&ct), group.batch())
                .unwrap();
            group.batch().add(xa, ct.a);
            group.batch().add(xb, ct.b);
            assert_eq!(group.close(), truth.len());
            truth.push(!bad);
        }
        // An open batch's equations (false ones) are not checked.
        group.batch().add(Scalar::ONE, G);
        assert_eq!(group.len(), truth.len());
        assert_eq!(group.verify_each(&key.point), truth);
        assert!(BatchGroup::default().verify_each(&key.point).is_empty());
        // Batches with no points, only G and K terms, are told apart too.
        let mut group = BatchGroup::default();
        group.batch().add_g(Scalar::ZERO);
        group.close();
        group.batch().add_k(Scalar::ONE);
        group.close();
        group.close();
        assert_eq!(group.verify_each(&key.point), [true, false, true]);
    }

    /// The 1-of-k proof as its equations define it, one point at a time:
    /// the same draws as [`OneOfKProver::commit`] (`t_0, c_0, t_1, c_1, …`),
    /// `a_j = t_j·G`, `b_j = t_j·K − c_j·(m − m_j)·G`, each point encoded on
    /// its own; no halves, slots or selections.
    fn textbook_one_of_k(
        key: &PublicKey,
        weights: &[u64],
        choice: usize,
        r: &Scalar,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> (CiphertextElems, OneOfKProof) {
        let m = Scalar::from(weights[choice]);
        let ct = CiphertextElems {
            a: Elem::from_point(&(r * G)),
            b: Elem::from_point(&(r * key.point + m * G)),
        };
        let draws: Vec<(Scalar, Scalar)> = weights
            .iter()
            .map(|_| {
                let t = random_scalar(&mut *rng);
                (t, random_scalar(&mut *rng))
            })
            .collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (&(t, c), &mj) in draws.iter().zip(weights) {
            a.push(Elem::from_point(&(t * G)));
            b.push(Elem::from_point(
                &(t * key.point - c * (m - Scalar::from(mj)) * G),
            ));
        }
        let c = one_of_k_challenge(&ctx, &key.elem, weights, &ct, &a, &b);
        let others: Scalar = (0..weights.len())
            .filter(|&j| j != choice)
            .map(|j| draws[j].1)
            .sum();
        let cs: Vec<Scalar> = (0..weights.len())
            .map(|j| if j == choice { c - others } else { draws[j].1 })
            .collect();
        let s = draws
            .iter()
            .zip(&cs)
            .map(|(&(t, _), &cj)| PubScalar(t + cj * r))
            .collect();
        let c = cs[..weights.len() - 1]
            .iter()
            .map(|&x| PubScalar(x))
            .collect();
        (ct, OneOfKProof { a, b, c, s })
    }

    #[test]
    fn the_prover_makes_the_textbook_proof_from_the_same_draws_for_every_choice() {
        use rand::rngs::StdRng;
        use rand::SeedableRng;
        let (_, key) = setup();
        let sets: [&[u64]; 6] = [
            &[0],
            &[0, 1],
            &[0, 1, 1 << 32],
            &[1 << 32, 0, 1],
            &[0, 1, 2, 3],
            &[5, 0, u64::MAX, 1 << 32, 7],
        ];
        for (n, weights) in sets.iter().enumerate() {
            for choice in 0..weights.len() {
                for seed in 0..3u64 {
                    let seed = seed * 100 + n as u64 * 10 + choice as u64;
                    let r = random_scalar(&mut OsRng);
                    let mut rng = StdRng::seed_from_u64(seed);
                    let (prover, halves) =
                        OneOfKProver::commit(&key, weights, choice, &r, &mut rng);
                    let elems = Elem::from_halves(&halves);
                    let proof = prover.respond(&ctx, &key.elem, weights, &elems, &r);
                    let mut rng = StdRng::seed_from_u64(seed);
                    let (ct, want) = textbook_one_of_k(&key, weights, choice, &r, &mut rng);
                    let at = format!("weights {weights:?}, choice {choice}, seed {seed}");
                    assert_eq!((elems[0], elems[1]), (ct.a, ct.b), "{at}");
                    assert_eq!(proof, want, "{at}");
                }
            }
        }
    }

    #[test]
    fn a_weights_half_is_its_product_with_the_inverse_of_two() {
        for m in [
            0u64,
            1,
            2,
            3,
            7,
            1 << 32,
            (1 << 32) + 1,
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(weight_half(m), Scalar::from(m) * half(), "m = {m}");
        }
    }

    #[test]
    fn the_weights_halves_are_half_of_their_multiples_of_g() {
        for m in [0u64, 1, 1 << 32, 2, 7, u64::MAX] {
            let h = weight_half_g(m);
            assert_eq!(
                h + h,
                &Scalar::from(m) * RISTRETTO_BASEPOINT_TABLE,
                "m = {m}"
            );
        }
    }

    #[test]
    fn two_cannot_be_proved() {
        let (_, key) = setup();
        let (ct, r) = Ciphertext::encrypt(&key, 2, &mut OsRng);
        for claim in [0u8, 1] {
            let proof = ZeroOneProof::prove(
                &ctx,
                &key,
                &ct,
                &elems(&ct),
                Choice::from(claim),
                &r,
                &mut OsRng,
            );
            assert!(!check(&proof, &ctx, &key, &ct));
        }
    }

    #[test]
    fn a_tampered_response_fails() {
        let (_, key) = setup();
        let (ct, r) = Ciphertext::encrypt(&key, 1, &mut OsRng);
        let mut proof = ZeroOneProof::prove(
            &ctx,
            &key,
            &ct,
            &elems(&ct),
            Choice::from(1),
            &r,
            &mut OsRng,
        );
        proof.s1 = PubScalar(proof.s1.0 + Scalar::ONE);
        assert!(!check(&proof, &ctx, &key, &ct));
    }

    #[test]
    fn dleq_proves_and_catches_a_wrong_y() {
        let x = random_scalar(&mut OsRng);
        let h = RistrettoPoint::mul_base(&random_scalar(&mut OsRng));
        let (big_x, y) = (x * G, x * h);
        let stmt = |t: &mut Transcript| {
            t.point(&big_x.compress()).point(&y.compress());
        };
        let proof = DleqProof::prove(tag::PARTIAL_DECRYPTION, &stmt, &x, &|w| w * h, &mut OsRng);
        assert!(proof.verify(tag::PARTIAL_DECRYPTION, &stmt, &big_x, &h, &y));
        assert!(!proof.verify(tag::KEY_TEST, &stmt, &big_x, &h, &y));
        let forged = y + G;
        let stmt2 = |t: &mut Transcript| {
            t.point(&big_x.compress()).point(&forged.compress());
        };
        assert!(!proof.verify(tag::PARTIAL_DECRYPTION, &stmt2, &big_x, &h, &forged));
    }
}
