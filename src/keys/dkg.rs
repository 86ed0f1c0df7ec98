//! The key ceremony without a dealer: Pedersen's joint-Feldman distributed key
//! generation with commit-before-reveal, Schnorr proofs of knowledge, shares
//! encrypted to each recipient's transport key, and verifiable complaints
//! (DESIGN.md, "Key ceremony without a dealer"; docs/SPEC.md, "Dealerless key
//! ceremony").
//!
//! `n` keyholders, threshold `t`. Keyholder `i` holds one secret, a 32-byte
//! *seed* drawn once and sealed on their own medium; everything else they make
//! is derived from it with domain-separated hashing, so running a round again
//! reproduces the same file:
//!
//! ```text
//! setup    σ  = H256("urne/v1/dkg/setup"; event, manifest_sha256, u64(attempt),
//!                    u64(t), u64(n), u64(1), name_1, …, u64(n), name_n)
//! derive   x_i     = H512("urne/v1/dkg/derive"; seed, σ, "transport", u64(0))   mod ℓ
//!          a_{i,k} = H512("urne/v1/dkg/derive"; seed, σ, "coefficient", u64(k)) mod ℓ
//!          e_{i,j} = H512("urne/v1/dkg/derive"; seed, Φ_cert, "ephemeral", u64(j)) mod ℓ
//!          nonces  w = H512("urne/v1/dkg/nonce"; seed, proof tag, statement…) mod ℓ
//! ```
//!
//! Rounds, each a function from values to values:
//!
//! 1. [`make_certificate`]: `X_i = x_i·G` with a proof of knowledge, and
//!    `h_i = H256("urne/v1/dkg/commitments"; σ, u64(i), C_{i,0}, …, C_{i,t−1})`
//!    which fixes `f_i` before anyone sees another keyholder's commitments.
//! 2. [`make_deal`]: the commitments `C_{i,k} = a_{i,k}·G`, a proof of knowledge
//!    of each `a_{i,k}`, and `f_i(j)` encrypted to `X_j` for every `j ≠ i`.
//! 3. [`confirm`]: keyholder `j` checks everything and either confirms
//!    (`s_j = Σ_i f_i(j)`, `K_j = s_j·G` with a proof of knowledge) or
//!    complains with the DH secret `D = x_j·E` and a DLEQ proof, which lets
//!    anyone decrypt the disputed share and judge it ([`judge_complaint`]).
//! 4. [`assemble`]: anyone, from the public files: `C_k = Σ_i C_{i,k}`,
//!    `K = C_0`, `K_j = Σ_k j^k·C_k`, checked against every confirmation.
//!
//! The transcript fingerprints chain the rounds:
//! `Φ_cert = H256("urne/v1/dkg/transcript"; "certificates", σ, d_1, …, d_n)`,
//! `Φ_deal = H256(…; "deals", Φ_cert, …)`, `Φ_conf = H256(…; "confirmations",
//! Φ_deal, …)`, where `d_i` is the digest of keyholder `i`'s file of that round.
//! Each round's file names the fingerprint of the rounds before it, so a file
//! made against other certificates or deals is refused.

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_COMPRESSED, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::hkdf;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{fingerprint_v2, ElectionKeyFile, KeyholderEntry, ELECTION_KEY_FORMAT};
use crate::crypto::encoding::{from_b64, to_b64, Digest32, Elem, PubScalar, Transcript};
use crate::crypto::proofs::DleqProof;
use crate::crypto::shamir::{self, SecretShare};
use crate::error::Explain;

/// Format tags of the round files.
pub const CERTIFICATE_FORMAT: &str = "urne-dkg-certificate/1";
pub const DEAL_FORMAT: &str = "urne-dkg-deal/1";
pub const CONFIRMATION_FORMAT: &str = "urne-dkg-confirmation/1";
pub const COMPLAINT_FORMAT: &str = "urne-dkg-complaint/1";
/// The `kind` of a sealed ceremony seed.
pub const SEED_KIND: &str = "ceremony-seed";
/// The `ceremony.kind` of a key made by this ceremony.
pub const KIND_DEALERLESS: &str = "dealerless";

/// Domain tags (docs/SPEC.md, "Domain tags").
pub mod tag {
    pub const SETUP: &str = "urne/v1/dkg/setup";
    pub const DERIVE: &str = "urne/v1/dkg/derive";
    pub const NONCE: &str = "urne/v1/dkg/nonce";
    pub const COMMITMENTS: &str = "urne/v1/dkg/commitments";
    pub const CERTIFICATE: &str = "urne/v1/dkg/certificate";
    pub const DEAL: &str = "urne/v1/dkg/deal";
    pub const CONFIRMATION: &str = "urne/v1/dkg/confirmation";
    pub const TRANSCRIPT: &str = "urne/v1/dkg/transcript";
    pub const SHARE_KEY: &str = "urne/v1/dkg/share-key";
    pub const SHARE_AAD: &str = "urne/v1/dkg/share";
    pub const PROOF_TRANSPORT: &str = "urne/v1/dkg/proof/transport-key";
    pub const PROOF_COEFFICIENT: &str = "urne/v1/dkg/proof/coefficient";
    pub const PROOF_SHARE: &str = "urne/v1/dkg/proof/share";
    pub const PROOF_COMPLAINT: &str = "urne/v1/dkg/proof/complaint";
}

/// What every keyholder agrees on before the ceremony: the event, the manifest,
/// the threshold, the keyholders' names in index order, and the attempt number
/// (a ceremony run again after a complaint is a new attempt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    pub event: String,
    pub manifest_sha256: Digest32,
    pub threshold: u32,
    pub names: Vec<String>,
    pub attempt: u32,
}

impl Setup {
    /// Checks `1 ≤ t ≤ n ≤ 16` and `attempt ≥ 1`.
    pub fn new(
        event: &str,
        manifest_sha256: Digest32,
        threshold: u32,
        names: &[String],
        attempt: u32,
    ) -> Result<Setup, DkgError> {
        let n = u32::try_from(names.len()).unwrap_or(u32::MAX);
        if threshold < 1 || threshold > n || n > shamir::MAX_KEYHOLDERS {
            return Err(DkgError::Setup {
                detail: format!(
                    "the threshold must satisfy 1 ≤ t ≤ n ≤ {}, but t = {threshold} and n = {n}",
                    shamir::MAX_KEYHOLDERS
                ),
            });
        }
        if attempt < 1 {
            return Err(DkgError::Setup {
                detail: "the attempt number starts at 1".into(),
            });
        }
        Ok(Setup {
            event: event.into(),
            manifest_sha256,
            threshold,
            names: names.to_vec(),
            attempt,
        })
    }

    /// `n`.
    pub fn n(&self) -> u32 {
        u32::try_from(self.names.len()).unwrap_or(u32::MAX)
    }

    /// `σ`, the setup fingerprint (see the module docs).
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut t = Transcript::sha256(tag::SETUP);
        t.str(&self.event)
            .bytes(&self.manifest_sha256.0)
            .u64(u64::from(self.attempt))
            .u64(u64::from(self.threshold))
            .u64(self.names.len() as u64);
        for (name, i) in self.names.iter().zip(1u64..) {
            t.u64(i).str(name);
        }
        t.finish32()
    }

    fn name(&self, index: u32) -> Option<&str> {
        let pos = usize::try_from(index).ok()?.checked_sub(1)?;
        self.names.get(pos).map(String::as_str)
    }

    fn check_index(&self, index: u32, file: &str) -> Result<(), DkgError> {
        if index < 1 || index > self.n() {
            return Err(DkgError::UnknownKeyholder {
                file: file.into(),
                index,
                n: self.n(),
            });
        }
        Ok(())
    }
}

/// A keyholder's ceremony seed: 32 random bytes, the only secret they keep
/// between rounds. Zeroized on drop; `Debug` redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Seed([u8; 32]);

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(<secret>)")
    }
}

impl Seed {
    /// Draws a fresh seed from the system's random generator.
    pub fn generate() -> Result<Seed, DkgError> {
        use ring::rand::SecureRandom;
        let mut b = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut b)
            .map_err(|_| DkgError::Setup {
                detail: "the system random generator failed".into(),
            })?;
        Ok(Seed(b))
    }

    /// Wraps seed bytes read from a sealed file.
    pub fn from_bytes(bytes: &[u8]) -> Option<Seed> {
        let b: [u8; 32] = bytes.try_into().ok()?;
        Some(Seed(b))
    }

    /// The bytes, for sealing.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn derive(&self, bound: &[u8; 32], label: &str, k: u64) -> Scalar {
        let mut t = Transcript::sha512(tag::DERIVE);
        t.bytes(&self.0).bytes(bound).str(label).u64(k);
        t.challenge()
    }

    fn nonce(&self, proof_tag: &str, statement: &dyn Fn(&mut Transcript)) -> Zeroizing<Scalar> {
        let mut t = Transcript::sha512(tag::NONCE);
        t.bytes(&self.0).str(proof_tag);
        statement(&mut t);
        Zeroizing::new(t.challenge())
    }
}

/// The secrets a seed gives for one setup: the transport key and the polynomial.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Secrets {
    transport: Scalar,
    coefficients: Vec<Scalar>,
}

impl Secrets {
    fn derive(seed: &Seed, setup: &Setup) -> Secrets {
        let sigma = setup.fingerprint();
        Secrets {
            transport: seed.derive(&sigma, "transport", 0),
            coefficients: (0..u64::from(setup.threshold))
                .map(|k| seed.derive(&sigma, "coefficient", k))
                .collect(),
        }
    }

    /// `f_i(x)`, by Horner's rule (constant time).
    fn eval(&self, x: u32) -> Scalar {
        let x = Scalar::from(x);
        self.coefficients
            .iter()
            .rev()
            .fold(Scalar::ZERO, |acc, c| acc * x + c)
    }

    fn commitments(&self) -> Vec<Elem> {
        self.coefficients
            .iter()
            .map(|a| Elem::from_point(&(a * RISTRETTO_BASEPOINT_TABLE)))
            .collect()
    }
}

/// A Schnorr proof of knowledge of `x = log_G X`: `a = w·G`,
/// `c = H512(tag; statement…, a)`, `s = w + c·x`; the verifier checks
/// `s·G = a + c·X`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchnorrProof {
    pub a: Elem,
    pub s: PubScalar,
}

impl SchnorrProof {
    fn challenge(proof_tag: &str, statement: &dyn Fn(&mut Transcript), a: &Elem) -> Scalar {
        let mut t = Transcript::sha512(proof_tag);
        statement(&mut t);
        t.point(&a.0);
        t.challenge()
    }

    fn prove(
        seed: &Seed,
        proof_tag: &str,
        statement: &dyn Fn(&mut Transcript),
        x: &Scalar,
    ) -> SchnorrProof {
        let w = seed.nonce(proof_tag, statement);
        let a = Elem::from_point(&(&*w * RISTRETTO_BASEPOINT_TABLE));
        let c = Self::challenge(proof_tag, statement, &a);
        SchnorrProof {
            a,
            s: PubScalar(*w + c * x),
        }
    }

    /// Checks `s·G = a + c·X` (public data, variable time).
    pub fn verify(
        &self,
        proof_tag: &str,
        statement: &dyn Fn(&mut Transcript),
        x: &RistrettoPoint,
    ) -> bool {
        let c = Self::challenge(proof_tag, statement, &self.a);
        let a = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-c, x, &self.s.0);
        a.compress() == self.a.0
    }
}

fn statement_transport<'a>(
    sigma: &'a [u8; 32],
    i: u32,
    x: &'a Elem,
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        t.bytes(sigma)
            .u64(u64::from(i))
            .point(&RISTRETTO_BASEPOINT_COMPRESSED)
            .point(&x.0);
    }
}

fn statement_coefficient<'a>(
    sigma: &'a [u8; 32],
    i: u32,
    k: u32,
    c: &'a Elem,
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        t.bytes(sigma)
            .u64(u64::from(i))
            .u64(u64::from(k))
            .point(&RISTRETTO_BASEPOINT_COMPRESSED)
            .point(&c.0);
    }
}

fn statement_share<'a>(
    phi_deal: &'a [u8; 32],
    j: u32,
    kj: &'a Elem,
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        t.bytes(phi_deal)
            .u64(u64::from(j))
            .point(&RISTRETTO_BASEPOINT_COMPRESSED)
            .point(&kj.0);
    }
}

fn statement_complaint<'a>(
    phi_deal: &'a [u8; 32],
    dealer: u32,
    j: u32,
    xj: &'a Elem,
    e: &'a Elem,
    d: &'a Elem,
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        t.bytes(phi_deal)
            .u64(u64::from(dealer))
            .u64(u64::from(j))
            .point(&RISTRETTO_BASEPOINT_COMPRESSED)
            .point(&xj.0)
            .point(&e.0)
            .point(&d.0);
    }
}

/// Round 1: keyholder `i`'s certificate (`urne-dkg-certificate/1`). **Strict.**
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub format: String,
    pub event: String,
    pub attempt: u32,
    /// Hex of `σ`.
    pub setup: Digest32,
    pub index: u32,
    pub name: String,
    /// `X_i = x_i·G`.
    pub transport_key: Elem,
    pub transport_proof: SchnorrProof,
    /// `h_i`, the hash of the commitments revealed in round 2.
    pub commitments_sha256: Digest32,
}

impl Certificate {
    /// `d_i = H256("urne/v1/dkg/certificate"; σ, u64(i), name, X_i, a, s, h_i)`.
    pub fn digest(&self) -> [u8; 32] {
        let mut t = Transcript::sha256(tag::CERTIFICATE);
        t.bytes(&self.setup.0)
            .u64(u64::from(self.index))
            .str(&self.name)
            .point(&self.transport_key.0)
            .point(&self.transport_proof.a.0)
            .scalar(&self.transport_proof.s.0)
            .bytes(&self.commitments_sha256.0);
        t.finish32()
    }
}

/// One share of a deal, encrypted to keyholder `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedShare {
    pub to: u32,
    /// `E = e·G`.
    pub ephemeral: Elem,
    /// ChaCha20-Poly1305 of `f_i(to)` (32 bytes) and its tag: 48 bytes, base64.
    pub ciphertext: String,
}

/// Round 2: keyholder `i`'s deal (`urne-dkg-deal/1`). **Strict.**
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deal {
    pub format: String,
    /// Hex of `Φ_cert`, the certificates this deal was made against.
    pub certificates: Digest32,
    pub index: u32,
    /// `C_{i,0}, …, C_{i,t−1}`.
    pub commitments: Vec<Elem>,
    /// A proof of knowledge of each `a_{i,k}`.
    pub proofs: Vec<SchnorrProof>,
    /// `f_i(j)` for every `j ≠ i`, in increasing `j`.
    pub shares: Vec<EncryptedShare>,
}

impl Deal {
    /// `H256("urne/v1/dkg/deal"; Φ_cert, u64(i), u64(t), C_{i,0}, a_0, s_0, …,
    /// u64(#shares), u64(j), E_j, ciphertext_j, …)`.
    pub fn digest(&self) -> [u8; 32] {
        let mut t = Transcript::sha256(tag::DEAL);
        t.bytes(&self.certificates.0)
            .u64(u64::from(self.index))
            .u64(self.commitments.len() as u64);
        for (c, p) in self.commitments.iter().zip(&self.proofs) {
            t.point(&c.0).point(&p.a.0).scalar(&p.s.0);
        }
        t.u64(self.shares.len() as u64);
        for s in &self.shares {
            let ct = from_b64(&s.ciphertext).unwrap_or_default();
            t.u64(u64::from(s.to)).point(&s.ephemeral.0).bytes(&ct);
        }
        t.finish32()
    }
}

/// Round 3: keyholder `j` received working shares from everyone
/// (`urne-dkg-confirmation/1`). **Strict.**
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    pub format: String,
    /// Hex of `Φ_deal`.
    pub deals: Digest32,
    pub index: u32,
    /// `K_j = s_j·G`.
    pub verification_key: Elem,
    pub proof: SchnorrProof,
    /// The election fingerprint the keyholder's share is sealed to.
    pub election_fingerprint: Digest32,
}

impl Confirmation {
    /// `H256("urne/v1/dkg/confirmation"; Φ_deal, u64(j), K_j, a, s, fp)`.
    pub fn digest(&self) -> [u8; 32] {
        let mut t = Transcript::sha256(tag::CONFIRMATION);
        t.bytes(&self.deals.0)
            .u64(u64::from(self.index))
            .point(&self.verification_key.0)
            .point(&self.proof.a.0)
            .scalar(&self.proof.s.0)
            .bytes(&self.election_fingerprint.0);
        t.finish32()
    }
}

/// One accusation in a complaint: the DH secret of the disputed share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accusation {
    /// The accused dealer `i`.
    pub dealer: u32,
    /// `D = x_j·E = e·X_j`.
    pub shared_secret: Elem,
    /// DLEQ proof that `log_G X_j = log_E D`.
    pub proof: DleqProof,
}

/// Round 3: keyholder `j` received a share that does not decrypt or does not
/// match its dealer's commitments (`urne-dkg-complaint/1`). **Strict.**
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complaint {
    pub format: String,
    pub deals: Digest32,
    pub index: u32,
    pub against: Vec<Accusation>,
}

/// The transcript an election key made by this ceremony carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkgTranscript {
    pub attempt: u32,
    pub certificates: Vec<Certificate>,
    pub deals: Vec<Deal>,
    /// `Φ_deal`, bound into the election fingerprint.
    pub deals_fingerprint: Digest32,
    pub confirmations: Vec<Confirmation>,
}

/// Why a round cannot go on. Each names the file, the keyholder and the rule.
#[derive(Debug, thiserror::Error)]
pub enum DkgError {
    #[error("{detail}")]
    Setup { detail: String },
    #[error("{file}: not a {expected} file ({detail})")]
    Malformed {
        file: String,
        expected: &'static str,
        detail: String,
    },
    #[error(
        "{file}: made for another event, manifest or attempt (setup {found}, expected {expected})"
    )]
    OtherSetup {
        file: String,
        found: String,
        expected: String,
    },
    #[error(
        "{file}: made against other {round} than these (transcript {found}, expected {expected})"
    )]
    OtherTranscript {
        file: String,
        round: &'static str,
        found: String,
        expected: String,
    },
    #[error("{file}: keyholder index {index} is not in this ceremony (1..={n})")]
    UnknownKeyholder { file: String, index: u32, n: u32 },
    #[error("{file}: keyholder {index} is named {found:?}, but the manifest says {expected:?}")]
    WrongName {
        file: String,
        index: u32,
        found: String,
        expected: String,
    },
    #[error("{file}: a second {round} file from keyholder {index}")]
    Duplicate {
        file: String,
        round: &'static str,
        index: u32,
    },
    #[error("keyholder {index} ({name}) has not delivered their {round} file")]
    Missing {
        round: &'static str,
        index: u32,
        name: String,
    },
    #[error("{file}: keyholder {index}'s {what} does not verify")]
    BadProof {
        file: String,
        index: u32,
        what: String,
    },
    #[error("{file}: keyholder {index}'s commitments do not match the hash in their certificate (commit-before-reveal)")]
    CommitmentHash { file: String, index: u32 },
    #[error("{file}: keyholder {index}'s deal is malformed: {rule}")]
    BadDeal {
        file: String,
        index: u32,
        rule: String,
    },
    #[error("keyholder {complainer}'s complaint stands: the share keyholder {dealer} ({name}) sent them {evidence}; the ceremony must be run again without or with a replacement for keyholder {dealer}")]
    ComplaintStands {
        complainer: u32,
        dealer: u32,
        name: String,
        evidence: String,
    },
    #[error("keyholder {complainer}'s complaint against keyholder {dealer} is false: {evidence}")]
    FalseComplaint {
        complainer: u32,
        dealer: u32,
        evidence: String,
    },
    #[error("{file}: keyholder {index}'s confirmation does not match the key: {rule}")]
    BadConfirmation {
        file: String,
        index: u32,
        rule: String,
    },
    #[error("{file}: this certificate was not made from keyholder {index}'s seed on this medium")]
    NotYourSeed { file: String, index: u32 },
    #[error("the transcript is inconsistent: {rule}")]
    Transcript { rule: String },
}

impl Explain for DkgError {
    fn code(&self) -> &'static str {
        match self {
            DkgError::Setup { .. } => "E-DKG-SETUP",
            DkgError::Malformed { .. } => "E-DKG-MALFORMED",
            DkgError::OtherSetup { .. } => "E-DKG-OTHER-SETUP",
            DkgError::OtherTranscript { .. } => "E-DKG-OTHER-TRANSCRIPT",
            DkgError::UnknownKeyholder { .. } | DkgError::WrongName { .. } => {
                "E-DKG-UNKNOWN-KEYHOLDER"
            }
            DkgError::Duplicate { .. } => "E-DKG-DUPLICATE",
            DkgError::Missing { .. } => "E-DKG-MISSING",
            DkgError::BadProof { .. } => "E-DKG-PROOF",
            DkgError::CommitmentHash { .. } => "E-DKG-COMMITMENT-HASH",
            DkgError::BadDeal { .. } => "E-DKG-DEAL",
            DkgError::ComplaintStands { .. } => "E-DKG-COMPLAINT",
            DkgError::FalseComplaint { .. } => "E-DKG-FALSE-COMPLAINT",
            DkgError::BadConfirmation { .. } => "E-DKG-CONFIRMATION",
            DkgError::NotYourSeed { .. } => "E-DKG-SEED",
            DkgError::Transcript { .. } => "E-DKG-TRANSCRIPT",
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            DkgError::OtherSetup { .. } => "every keyholder must use the same manifest and --attempt; remove files of earlier attempts from the ceremony folder".into(),
            DkgError::OtherTranscript { .. } => "compare the fingerprints read aloud; someone holds a different set of files — gather the same files again".into(),
            DkgError::Missing { round, index, .. } => format!("keyholder {index} must run `urne ceremony {}` and bring the file", round_command(round)),
            DkgError::Duplicate { .. } => "keep only one file per keyholder in the ceremony folder".into(),
            DkgError::ComplaintStands { .. } | DkgError::BadProof { .. } | DkgError::CommitmentHash { .. } | DkgError::BadDeal { .. } => {
                "run the ceremony again (--attempt N+1) without the keyholder named, or with a replacement".into()
            }
            DkgError::FalseComplaint { .. } => "the complainer's share was fine; ask them to confirm instead, or run the ceremony again".into(),
            DkgError::NotYourSeed { .. } => "use the medium on which you made your certificate, with the same keyholder number".into(),
            _ => return None,
        })
    }
}

fn round_command(round: &str) -> &'static str {
    match round {
        "certificate" => "certificate",
        "deal" => "deal",
        _ => "confirm",
    }
}

fn short(d: &[u8; 32]) -> String {
    super::short_fingerprint(d)
}

/// Round 1: keyholder `index`'s certificate, from their seed.
pub fn make_certificate(setup: &Setup, index: u32, seed: &Seed) -> Result<Certificate, DkgError> {
    setup.check_index(index, "(new certificate)")?;
    let sigma = setup.fingerprint();
    let secrets = Secrets::derive(seed, setup);
    let x = Elem::from_point(&(&secrets.transport * RISTRETTO_BASEPOINT_TABLE));
    let statement = statement_transport(&sigma, index, &x);
    let proof = SchnorrProof::prove(seed, tag::PROOF_TRANSPORT, &statement, &secrets.transport);
    Ok(Certificate {
        format: CERTIFICATE_FORMAT.into(),
        event: setup.event.clone(),
        attempt: setup.attempt,
        setup: Digest32(sigma),
        index,
        name: setup.name(index).unwrap_or("").into(),
        transport_key: x,
        transport_proof: proof,
        commitments_sha256: Digest32(commitments_hash(&sigma, index, &secrets.commitments())),
    })
}

/// `h_i = H256("urne/v1/dkg/commitments"; σ, u64(i), C_{i,0}, …, C_{i,t−1})`.
pub fn commitments_hash(sigma: &[u8; 32], index: u32, commitments: &[Elem]) -> [u8; 32] {
    let mut t = Transcript::sha256(tag::COMMITMENTS);
    t.bytes(sigma).u64(u64::from(index));
    for c in commitments {
        t.point(&c.0);
    }
    t.finish32()
}

fn transcript_fp(
    round: &str,
    prev: &[u8; 32],
    digests: impl Iterator<Item = [u8; 32]>,
) -> [u8; 32] {
    let mut t = Transcript::sha256(tag::TRANSCRIPT);
    t.str(round).bytes(prev);
    for d in digests {
        t.bytes(&d);
    }
    t.finish32()
}

/// Puts one file per keyholder in index order: refuses a duplicate, an unknown
/// index, and names the first keyholder missing.
fn in_order<'a, T>(
    setup: &Setup,
    round: &'static str,
    files: &'a [(String, T)],
    index: impl Fn(&T) -> u32,
) -> Result<Vec<&'a (String, T)>, DkgError> {
    let n = setup.n() as usize;
    let mut slots: Vec<Option<&(String, T)>> = vec![None; n];
    for f in files {
        let i = index(&f.1);
        setup.check_index(i, &f.0)?;
        let slot = &mut slots[i as usize - 1];
        if slot.is_some() {
            return Err(DkgError::Duplicate {
                file: f.0.clone(),
                round,
                index: i,
            });
        }
        *slot = Some(f);
    }
    slots
        .into_iter()
        .zip(1u32..)
        .map(|(s, i)| {
            s.ok_or_else(|| DkgError::Missing {
                round,
                index: i,
                name: setup.name(i).unwrap_or("").into(),
            })
        })
        .collect()
}

/// Checks one certificate on its own: format, setup, index, name, `X_i` and its
/// proof.
pub fn check_certificate(
    setup: &Setup,
    file: &str,
    c: &Certificate,
) -> Result<RistrettoPoint, DkgError> {
    if c.format != CERTIFICATE_FORMAT {
        return Err(DkgError::Malformed {
            file: file.into(),
            expected: "ceremony certificate",
            detail: format!("format is {:?}, expected {CERTIFICATE_FORMAT:?}", c.format),
        });
    }
    let sigma = setup.fingerprint();
    if c.setup.0 != sigma || c.event != setup.event || c.attempt != setup.attempt {
        return Err(DkgError::OtherSetup {
            file: file.into(),
            found: short(&c.setup.0),
            expected: short(&sigma),
        });
    }
    setup.check_index(c.index, file)?;
    let expected = setup.name(c.index).unwrap_or("");
    if c.name != expected {
        return Err(DkgError::WrongName {
            file: file.into(),
            index: c.index,
            found: c.name.clone(),
            expected: expected.into(),
        });
    }
    let bad_proof = || DkgError::BadProof {
        file: file.into(),
        index: c.index,
        what: "proof of knowledge of the transport key".into(),
    };
    let x = c
        .transport_key
        .decode_non_identity()
        .map_err(|_| bad_proof())?;
    let statement = statement_transport(&sigma, c.index, &c.transport_key);
    if !c
        .transport_proof
        .verify(tag::PROOF_TRANSPORT, &statement, &x)
    {
        return Err(bad_proof());
    }
    Ok(x)
}

/// All `n` certificates, checked, in index order, with `Φ_cert`.
pub struct CheckedCertificates {
    pub certificates: Vec<Certificate>,
    pub transport_keys: Vec<RistrettoPoint>,
    pub fingerprint: [u8; 32],
}

/// Checks the certificates of round 1 (named by file) and computes `Φ_cert`.
pub fn check_certificates(
    setup: &Setup,
    files: &[(String, Certificate)],
) -> Result<CheckedCertificates, DkgError> {
    for (f, c) in files {
        // Check the setup first, so a file of another attempt is named as such
        // rather than as a duplicate.
        check_certificate(setup, f, c)?;
    }
    let ordered = in_order(setup, "certificate", files, |c| c.index)?;
    let mut transport_keys = Vec::new();
    for (f, c) in &ordered {
        transport_keys.push(check_certificate(setup, f, c)?);
    }
    let sigma = setup.fingerprint();
    let fingerprint = transcript_fp(
        "certificates",
        &sigma,
        ordered.iter().map(|(_, c)| c.digest()),
    );
    Ok(CheckedCertificates {
        certificates: ordered.into_iter().map(|(_, c)| c.clone()).collect(),
        transport_keys,
        fingerprint,
    })
}

fn share_key(
    d: &Elem,
    phi_cert: &[u8; 32],
    dealer: u32,
    to: u32,
    e: &Elem,
    xj: &Elem,
) -> LessSafeKey {
    let mut info = Vec::new();
    for item in [
        tag::SHARE_KEY.as_bytes(),
        phi_cert.as_slice(),
        &u64::from(dealer).to_be_bytes(),
        &u64::from(to).to_be_bytes(),
        e.as_bytes().as_slice(),
        xj.as_bytes().as_slice(),
    ] {
        info.extend_from_slice(&(item.len() as u64).to_be_bytes());
        info.extend_from_slice(item);
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, phi_cert).extract(d.as_bytes());
    let info_parts = [info.as_slice()];
    // 32 bytes of output never exceed HKDF-SHA-256's limit of 255·32.
    let okm = prk
        .expand(&info_parts, &CHACHA20_POLY1305)
        .expect("32 bytes from HKDF-SHA-256");
    LessSafeKey::new(UnboundKey::from(okm))
}

fn share_aad(phi_cert: &[u8; 32], dealer: u32, to: u32) -> Vec<u8> {
    let mut a = Vec::new();
    for item in [
        tag::SHARE_AAD.as_bytes(),
        phi_cert.as_slice(),
        &u64::from(dealer).to_be_bytes(),
        &u64::from(to).to_be_bytes(),
    ] {
        a.extend_from_slice(&(item.len() as u64).to_be_bytes());
        a.extend_from_slice(item);
    }
    a
}

fn encrypt_share(
    value: &Scalar,
    d: &Elem,
    phi_cert: &[u8; 32],
    dealer: u32,
    to: u32,
    e: &Elem,
    xj: &Elem,
) -> String {
    let key = share_key(d, phi_cert, dealer, to, e, xj);
    let mut buf = Zeroizing::new(value.as_bytes().to_vec());
    // Each key encrypts exactly one share, so the all-zero nonce is never reused.
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key([0u8; 12]),
        Aad::from(share_aad(phi_cert, dealer, to)),
        &mut *buf,
    )
    .expect("ChaCha20-Poly1305 seals 32 bytes");
    to_b64(&buf)
}

/// Decrypts a share with the DH secret `D`; `None` if it does not decrypt to a
/// canonical scalar.
fn decrypt_share(
    ct: &str,
    d: &Elem,
    phi_cert: &[u8; 32],
    dealer: u32,
    to: u32,
    e: &Elem,
    xj: &Elem,
) -> Option<Zeroizing<Scalar>> {
    let mut buf = Zeroizing::new(from_b64(ct).ok()?);
    let key = share_key(d, phi_cert, dealer, to, e, xj);
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key([0u8; 12]),
            Aad::from(share_aad(phi_cert, dealer, to)),
            &mut buf,
        )
        .ok()?;
    let bytes: [u8; 32] = (&*plain).try_into().ok()?;
    Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes)).map(Zeroizing::new)
}

/// Round 2: keyholder `index`'s deal. Checks first that the certificate of
/// `index` among `certs` is the one this seed makes.
pub fn make_deal(
    setup: &Setup,
    index: u32,
    seed: &Seed,
    certs: &CheckedCertificates,
) -> Result<Deal, DkgError> {
    setup.check_index(index, "(new deal)")?;
    let own = make_certificate(setup, index, seed)?;
    let pos = index as usize - 1;
    if certs.certificates[pos] != own {
        return Err(DkgError::NotYourSeed {
            file: format!("certificate of keyholder {index}"),
            index,
        });
    }
    let sigma = setup.fingerprint();
    let secrets = Secrets::derive(seed, setup);
    let commitments = secrets.commitments();
    let proofs = commitments
        .iter()
        .zip(&secrets.coefficients)
        .zip(0u32..)
        .map(|((c, a), k)| {
            let statement = statement_coefficient(&sigma, index, k, c);
            SchnorrProof::prove(seed, tag::PROOF_COEFFICIENT, &statement, a)
        })
        .collect();
    let mut shares = Vec::new();
    for (cert, xj) in certs.certificates.iter().zip(&certs.transport_keys) {
        let j = cert.index;
        if j == index {
            continue;
        }
        let e = Zeroizing::new(seed.derive(&certs.fingerprint, "ephemeral", u64::from(j)));
        let e_elem = Elem::from_point(&(&*e * RISTRETTO_BASEPOINT_TABLE));
        let d = Elem::from_point(&(*e * xj));
        let value = Zeroizing::new(secrets.eval(j));
        shares.push(EncryptedShare {
            to: j,
            ephemeral: e_elem,
            ciphertext: encrypt_share(
                &value,
                &d,
                &certs.fingerprint,
                index,
                j,
                &e_elem,
                &cert.transport_key,
            ),
        });
    }
    Ok(Deal {
        format: DEAL_FORMAT.into(),
        certificates: Digest32(certs.fingerprint),
        index,
        commitments,
        proofs,
        shares,
    })
}

/// The public checks on one deal: format, transcript, commitments against the
/// certificate's hash, each proof of knowledge, one share for every other
/// keyholder. Returns the decoded commitments.
pub fn check_deal(
    setup: &Setup,
    certs: &CheckedCertificates,
    file: &str,
    d: &Deal,
) -> Result<Vec<RistrettoPoint>, DkgError> {
    if d.format != DEAL_FORMAT {
        return Err(DkgError::Malformed {
            file: file.into(),
            expected: "ceremony deal",
            detail: format!("format is {:?}, expected {DEAL_FORMAT:?}", d.format),
        });
    }
    if d.certificates.0 != certs.fingerprint {
        return Err(DkgError::OtherTranscript {
            file: file.into(),
            round: "certificates",
            found: short(&d.certificates.0),
            expected: short(&certs.fingerprint),
        });
    }
    setup.check_index(d.index, file)?;
    let bad = |rule: String| DkgError::BadDeal {
        file: file.into(),
        index: d.index,
        rule,
    };
    let t = setup.threshold as usize;
    if d.commitments.len() != t || d.proofs.len() != t {
        return Err(bad(format!(
            "{} commitments and {} proofs for threshold {t}",
            d.commitments.len(),
            d.proofs.len()
        )));
    }
    let sigma = setup.fingerprint();
    let cert = &certs.certificates[d.index as usize - 1];
    let h = commitments_hash(&sigma, d.index, &d.commitments);
    if h != cert.commitments_sha256.0 {
        return Err(DkgError::CommitmentHash {
            file: file.into(),
            index: d.index,
        });
    }
    let mut points = Vec::with_capacity(t);
    for ((c, p), k) in d.commitments.iter().zip(&d.proofs).zip(0u32..) {
        let what = || DkgError::BadProof {
            file: file.into(),
            index: d.index,
            what: format!("proof of knowledge of coefficient {k}"),
        };
        let point = c.decode_non_identity().map_err(|_| what())?;
        let statement = statement_coefficient(&sigma, d.index, k, c);
        if !p.verify(tag::PROOF_COEFFICIENT, &statement, &point) {
            return Err(what());
        }
        points.push(point);
    }
    let expected: Vec<u32> = (1..=setup.n()).filter(|&j| j != d.index).collect();
    let got: Vec<u32> = d.shares.iter().map(|s| s.to).collect();
    if got != expected {
        return Err(bad(format!(
            "encrypted shares are for keyholders {got:?}, expected {expected:?}"
        )));
    }
    for s in &d.shares {
        if s.ephemeral.decode_non_identity().is_err() {
            return Err(bad(format!(
                "the ephemeral key for keyholder {} is not a valid element",
                s.to
            )));
        }
        if from_b64(&s.ciphertext).map(|c| c.len()) != Ok(48) {
            return Err(bad(format!(
                "the ciphertext for keyholder {} is not 48 bytes of base64",
                s.to
            )));
        }
    }
    Ok(points)
}

/// All `n` deals, checked, in index order, with `Φ_deal` and the combined
/// commitments `C_k = Σ_i C_{i,k}`.
pub struct CheckedDeals {
    pub deals: Vec<Deal>,
    pub commitments: Vec<Vec<RistrettoPoint>>,
    pub combined: Vec<RistrettoPoint>,
    pub fingerprint: [u8; 32],
}

/// Checks the deals of round 2 against the checked certificates.
pub fn check_deals(
    setup: &Setup,
    certs: &CheckedCertificates,
    files: &[(String, Deal)],
) -> Result<CheckedDeals, DkgError> {
    for (f, d) in files {
        if d.format == DEAL_FORMAT && d.certificates.0 != certs.fingerprint {
            return Err(DkgError::OtherTranscript {
                file: f.clone(),
                round: "certificates",
                found: short(&d.certificates.0),
                expected: short(&certs.fingerprint),
            });
        }
    }
    let ordered = in_order(setup, "deal", files, |d| d.index)?;
    let mut commitments = Vec::new();
    for (f, d) in &ordered {
        commitments.push(check_deal(setup, certs, f, d)?);
    }
    let t = setup.threshold as usize;
    let combined: Vec<RistrettoPoint> = (0..t)
        .map(|k| commitments.iter().map(|c| c[k]).sum())
        .collect();
    let fingerprint = transcript_fp(
        "deals",
        &certs.fingerprint,
        ordered.iter().map(|(_, d)| d.digest()),
    );
    Ok(CheckedDeals {
        deals: ordered.into_iter().map(|(_, d)| d.clone()).collect(),
        commitments,
        combined,
        fingerprint,
    })
}

/// The election key file the deals make, with the transcript so far (no
/// confirmations yet): what each keyholder seals their share to.
pub fn key_file(
    setup: &Setup,
    certs: &CheckedCertificates,
    deals: &CheckedDeals,
    confirmations: Vec<Confirmation>,
    created_at: String,
) -> Result<ElectionKeyFile, DkgError> {
    let commitments: Vec<Elem> = deals.combined.iter().map(Elem::from_point).collect();
    for (k, c) in commitments.iter().enumerate() {
        if c.decode_non_identity().is_err() {
            return Err(DkgError::Transcript {
                rule: format!("the combined commitment {k} is the identity"),
            });
        }
    }
    let keyholders: Vec<KeyholderEntry> = setup
        .names
        .iter()
        .zip(1u32..)
        .map(|(name, i)| KeyholderEntry {
            index: i,
            name: name.clone(),
            verification_key: Elem::from_point(&shamir::verification_key(&deals.combined, i)),
        })
        .collect();
    let names: Vec<(u32, &str)> = keyholders
        .iter()
        .map(|k| (k.index, k.name.as_str()))
        .collect();
    let fp = fingerprint_v2(
        &setup.event,
        &setup.manifest_sha256,
        setup.threshold,
        &commitments,
        &names,
        KIND_DEALERLESS,
        &deals.fingerprint,
    );
    Ok(ElectionKeyFile {
        format: ELECTION_KEY_FORMAT.into(),
        event: setup.event.clone(),
        manifest_sha256: setup.manifest_sha256,
        threshold: setup.threshold,
        keyholders,
        election_key: commitments[0],
        commitments,
        fingerprint: Digest32(fp),
        created_at,
        ceremony: Some(super::CeremonyRecord {
            kind: KIND_DEALERLESS.into(),
            note: "made without a dealer: no machine ever held the election key".into(),
            transcript: Some(DkgTranscript {
                attempt: setup.attempt,
                certificates: certs.certificates.clone(),
                deals: deals.deals.clone(),
                deals_fingerprint: Digest32(deals.fingerprint),
                confirmations,
            }),
        }),
    })
}

/// What round 3 gives keyholder `j`.
pub enum ConfirmOutcome {
    /// Every share worked: the confirmation to publish, the share to seal, and
    /// the election key file (without confirmations) to seal it to.
    Confirmed {
        confirmation: Confirmation,
        share: SecretShare,
        key: Box<ElectionKeyFile>,
    },
    /// Some share did not decrypt or did not match: the complaint to publish.
    Complained(Complaint),
}

/// Round 3 for keyholder `index`: decrypts and checks every share sent to
/// them, then confirms or complains.
pub fn confirm(
    setup: &Setup,
    index: u32,
    seed: &Seed,
    certs: &CheckedCertificates,
    deals: &CheckedDeals,
    created_at: String,
) -> Result<ConfirmOutcome, DkgError> {
    setup.check_index(index, "(confirmation)")?;
    let own = make_certificate(setup, index, seed)?;
    if certs.certificates[index as usize - 1] != own {
        return Err(DkgError::NotYourSeed {
            file: format!("certificate of keyholder {index}"),
            index,
        });
    }
    let secrets = Secrets::derive(seed, setup);
    let own_xj = &certs.certificates[index as usize - 1].transport_key;
    let mut total = Zeroizing::new(secrets.eval(index));
    let mut against = Vec::new();
    for (deal, comms) in deals.deals.iter().zip(&deals.commitments) {
        if deal.index == index {
            continue;
        }
        let Some(s) = deal.shares.iter().find(|s| s.to == index) else {
            continue; // check_deal guarantees one; unreachable
        };
        let e = s
            .ephemeral
            .decode_non_identity()
            .map_err(|_| DkgError::Transcript {
                rule: "an ephemeral key does not decode".into(),
            })?;
        let d_point = secrets.transport * e;
        let d = Elem::from_point(&d_point);
        let value = decrypt_share(
            &s.ciphertext,
            &d,
            &certs.fingerprint,
            deal.index,
            index,
            &s.ephemeral,
            own_xj,
        );
        let ok = match &value {
            Some(v) => {
                let lhs = (&**v * RISTRETTO_BASEPOINT_TABLE).compress();
                let rhs = shamir::verification_key(comms, index).compress();
                bool::from(lhs.ct_eq(&rhs))
            }
            None => false,
        };
        match value {
            Some(v) if ok => *total += *v,
            _ => against.push(accusation(
                &secrets,
                seed,
                deals,
                deal.index,
                index,
                own_xj,
                &s.ephemeral,
                &e,
            )),
        }
    }
    if !against.is_empty() {
        return Ok(ConfirmOutcome::Complained(Complaint {
            format: COMPLAINT_FORMAT.into(),
            deals: Digest32(deals.fingerprint),
            index,
            against,
        }));
    }
    let share = SecretShare::new(index, *total);
    let kj = Elem::from_point(&share.public());
    let statement = statement_share(&deals.fingerprint, index, &kj);
    let proof = SchnorrProof::prove(seed, tag::PROOF_SHARE, &statement, share.value());
    let key = key_file(setup, certs, deals, Vec::new(), created_at)?;
    Ok(ConfirmOutcome::Confirmed {
        confirmation: Confirmation {
            format: CONFIRMATION_FORMAT.into(),
            deals: Digest32(deals.fingerprint),
            index,
            verification_key: kj,
            proof,
            election_fingerprint: key.fingerprint,
        },
        share,
        key: Box::new(key),
    })
}

#[allow(clippy::too_many_arguments)]
fn accusation(
    secrets: &Secrets,
    seed: &Seed,
    deals: &CheckedDeals,
    dealer: u32,
    index: u32,
    own_xj: &Elem,
    e_elem: &Elem,
    e: &RistrettoPoint,
) -> Accusation {
    let d = Elem::from_point(&(secrets.transport * e));
    let statement = statement_complaint(&deals.fingerprint, dealer, index, own_xj, e_elem, &d);
    let w = seed.nonce(tag::PROOF_COMPLAINT, &statement);
    let a = Elem::from_point(&(&*w * RISTRETTO_BASEPOINT_TABLE));
    let b = Elem::from_point(&(*w * e));
    let c = DleqProof::challenge(tag::PROOF_COMPLAINT, &statement, &a, &b);
    Accusation {
        dealer,
        shared_secret: d,
        proof: DleqProof {
            a,
            b,
            s: PubScalar(*w + c * secrets.transport),
        },
    }
}

/// Keyholder `index`'s accusation against `dealer`, made whatever the share
/// holds: [`confirm`] makes one for each share that fails; a test (or a
/// dishonest keyholder) can make one against an honest dealer, and
/// [`judge_complaint`] shows it false.
pub fn accuse(
    setup: &Setup,
    index: u32,
    seed: &Seed,
    certs: &CheckedCertificates,
    deals: &CheckedDeals,
    dealer: u32,
) -> Result<Accusation, DkgError> {
    setup.check_index(index, "(complaint)")?;
    setup.check_index(dealer, "(complaint)")?;
    let secrets = Secrets::derive(seed, setup);
    let own_xj = &certs.certificates[index as usize - 1].transport_key;
    let share = deals.deals[dealer as usize - 1]
        .shares
        .iter()
        .find(|s| s.to == index)
        .ok_or_else(|| DkgError::Transcript {
            rule: format!("keyholder {dealer} sent no share to keyholder {index}"),
        })?;
    let e = share
        .ephemeral
        .decode_non_identity()
        .map_err(|_| DkgError::Transcript {
            rule: "an ephemeral key does not decode".into(),
        })?;
    Ok(accusation(
        &secrets,
        seed,
        deals,
        dealer,
        index,
        own_xj,
        &share.ephemeral,
        &e,
    ))
}

/// The verdict on one accusation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The dealer cheated; the evidence says how.
    Stands(String),
    /// The complaint is false (or unproven); the evidence says why.
    False(String),
}

/// Judges an accusation by keyholder `complainer` from public data alone: the
/// DLEQ proof that `D` is the DH secret of their transport key and the share's
/// ephemeral key, then decrypts the share with it and compares it with the
/// dealer's commitments.
///
/// ```text
/// s·G = a + c·X_j        s·E = b + c·D
/// c = H512("urne/v1/dkg/proof/complaint"; Φ_deal, u64(i), u64(j), G, X_j, E, D, a, b)
/// ```
pub fn judge_complaint(
    certs: &CheckedCertificates,
    deals: &CheckedDeals,
    complainer: u32,
    acc: &Accusation,
) -> Verdict {
    let Some(deal) = deals.deals.iter().find(|d| d.index == acc.dealer) else {
        return Verdict::False(format!("there is no keyholder {}", acc.dealer));
    };
    if acc.dealer == complainer {
        return Verdict::False("a keyholder cannot complain about their own deal".into());
    }
    let Some(cert) = certs.certificates.iter().find(|c| c.index == complainer) else {
        return Verdict::False(format!("there is no keyholder {complainer}"));
    };
    let Some(share) = deal.shares.iter().find(|s| s.to == complainer) else {
        return Verdict::False("the deal has no share for the complainer".into());
    };
    let (Ok(xj), Ok(e), Ok(d)) = (
        cert.transport_key.decode_non_identity(),
        share.ephemeral.decode_non_identity(),
        acc.shared_secret.decode_non_identity(),
    ) else {
        return Verdict::False("the disclosed secret is not a valid element".into());
    };
    let statement = statement_complaint(
        &deals.fingerprint,
        acc.dealer,
        complainer,
        &cert.transport_key,
        &share.ephemeral,
        &acc.shared_secret,
    );
    if !acc
        .proof
        .verify(tag::PROOF_COMPLAINT, &statement, &xj, &e, &d)
    {
        return Verdict::False(
            "its DLEQ proof does not verify, so the disclosed secret is not proven".into(),
        );
    }
    match decrypt_share(
        &share.ciphertext,
        &acc.shared_secret,
        &certs.fingerprint,
        acc.dealer,
        complainer,
        &share.ephemeral,
        &cert.transport_key,
    ) {
        None => Verdict::Stands("does not decrypt with the proven shared secret".into()),
        Some(v) => {
            let comms = &deals.commitments[acc.dealer as usize - 1];
            if &*v * RISTRETTO_BASEPOINT_TABLE == shamir::verification_key(comms, complainer) {
                Verdict::False("the share decrypts and matches the dealer's commitments".into())
            } else {
                Verdict::Stands("decrypts but does not match the dealer's commitments (f_i(j)·G ≠ Σ_k j^k·C_{i,k})".into())
            }
        }
    }
}

/// Checks one confirmation against the deals and the key.
fn check_confirmation(
    deals: &CheckedDeals,
    key: &ElectionKeyFile,
    file: &str,
    c: &Confirmation,
) -> Result<(), DkgError> {
    if c.format != CONFIRMATION_FORMAT {
        return Err(DkgError::Malformed {
            file: file.into(),
            expected: "ceremony confirmation",
            detail: format!("format is {:?}, expected {CONFIRMATION_FORMAT:?}", c.format),
        });
    }
    if c.deals.0 != deals.fingerprint {
        return Err(DkgError::OtherTranscript {
            file: file.into(),
            round: "deals",
            found: short(&c.deals.0),
            expected: short(&deals.fingerprint),
        });
    }
    let bad = |rule: &str| DkgError::BadConfirmation {
        file: file.into(),
        index: c.index,
        rule: rule.into(),
    };
    let entry = key
        .keyholders
        .get(c.index as usize - 1)
        .ok_or_else(|| bad("no such keyholder"))?;
    if c.verification_key != entry.verification_key {
        return Err(bad("K_j is not Σ_k j^k·C_k of the combined commitments"));
    }
    if c.election_fingerprint != key.fingerprint {
        return Err(bad("it names another election fingerprint"));
    }
    let kj = c
        .verification_key
        .decode_non_identity()
        .map_err(|_| bad("K_j is not a valid element"))?;
    let statement = statement_share(&deals.fingerprint, c.index, &c.verification_key);
    if !c.proof.verify(tag::PROOF_SHARE, &statement, &kj) {
        return Err(DkgError::BadProof {
            file: file.into(),
            index: c.index,
            what: "proof of knowledge of the share s_j".into(),
        });
    }
    Ok(())
}

/// Round 3's files, as assembly reads them.
#[derive(Clone, Debug)]
pub enum Round3 {
    Confirmation(Confirmation),
    Complaint(Complaint),
}

impl Round3 {
    fn index(&self) -> u32 {
        match self {
            Round3::Confirmation(c) => c.index,
            Round3::Complaint(c) => c.index,
        }
    }
}

/// Judges every complaint: the first that stands stops the ceremony, naming the
/// dealer; if none stands, a false one is refused naming the complainer.
pub fn judge_complaints(
    setup: &Setup,
    certs: &CheckedCertificates,
    deals: &CheckedDeals,
    files: &[(String, Complaint)],
) -> Result<(), DkgError> {
    let mut false_one: Option<DkgError> = None;
    for (f, c) in files {
        if c.format != COMPLAINT_FORMAT {
            return Err(DkgError::Malformed {
                file: f.clone(),
                expected: "ceremony complaint",
                detail: format!("format is {:?}, expected {COMPLAINT_FORMAT:?}", c.format),
            });
        }
        if c.deals.0 != deals.fingerprint {
            return Err(DkgError::OtherTranscript {
                file: f.clone(),
                round: "deals",
                found: short(&c.deals.0),
                expected: short(&deals.fingerprint),
            });
        }
        setup.check_index(c.index, f)?;
        if c.against.is_empty() {
            false_one.get_or_insert(DkgError::FalseComplaint {
                complainer: c.index,
                dealer: 0,
                evidence: "the complaint accuses no one".into(),
            });
        }
        for acc in &c.against {
            match judge_complaint(certs, deals, c.index, acc) {
                Verdict::Stands(evidence) => {
                    return Err(DkgError::ComplaintStands {
                        complainer: c.index,
                        dealer: acc.dealer,
                        name: setup.name(acc.dealer).unwrap_or("").into(),
                        evidence,
                    })
                }
                Verdict::False(evidence) => {
                    false_one.get_or_insert(DkgError::FalseComplaint {
                        complainer: c.index,
                        dealer: acc.dealer,
                        evidence,
                    });
                }
            }
        }
    }
    match false_one {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Round 4 (anyone): assembles the election key file from the public files of
/// every round. Refuses on any failed check, a standing or false complaint, or
/// a missing keyholder.
pub fn assemble(
    setup: &Setup,
    certificates: &[(String, Certificate)],
    deals: &[(String, Deal)],
    round3: &[(String, Round3)],
    created_at: String,
) -> Result<ElectionKeyFile, DkgError> {
    let certs = check_certificates(setup, certificates)?;
    let deals = check_deals(setup, &certs, deals)?;
    let complaints: Vec<(String, Complaint)> = round3
        .iter()
        .filter_map(|(f, r)| match r {
            Round3::Complaint(c) => Some((f.clone(), c.clone())),
            Round3::Confirmation(_) => None,
        })
        .collect();
    judge_complaints(setup, &certs, &deals, &complaints)?;
    let ordered = in_order(setup, "confirmation", round3, Round3::index)?;
    let mut key = key_file(setup, &certs, &deals, Vec::new(), created_at)?;
    let mut confirmations = Vec::new();
    for (f, r) in ordered {
        let Round3::Confirmation(c) = r else {
            unreachable!("complaints were judged above");
        };
        check_confirmation(&deals, &key, f, c)?;
        confirmations.push(c.clone());
    }
    if let Some(t) = key.ceremony.as_mut().and_then(|c| c.transcript.as_mut()) {
        t.confirmations = confirmations;
    }
    Ok(key)
}

/// `Φ_conf`, the fingerprint of the whole transcript.
pub fn confirmations_fingerprint(deals_fp: &[u8; 32], confirmations: &[Confirmation]) -> [u8; 32] {
    transcript_fp(
        "confirmations",
        deals_fp,
        confirmations.iter().map(Confirmation::digest),
    )
}

/// What [`check_transcript`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptSummary {
    pub attempt: u32,
    /// Proofs and hashes checked.
    pub items: u64,
    /// `Φ_conf`.
    pub fingerprint: [u8; 32],
}

/// Re-checks a dealerless election key's whole transcript from the key file
/// alone (`V-KEY-CEREMONY`): every certificate and its proof, every deal's
/// commitments against its certificate's hash and their proofs, `Φ_cert` and
/// `Φ_deal` (the latter bound into the fingerprint), `C_k = Σ_i C_{i,k}`,
/// `K = C_0`, every `K_j`, and every confirmation and its proof. The
/// encrypted shares are not opened (that needs the recipients' keys).
pub fn check_transcript(
    key: &ElectionKeyFile,
    tr: &DkgTranscript,
) -> Result<TranscriptSummary, DkgError> {
    let names: Vec<String> = key.keyholders.iter().map(|k| k.name.clone()).collect();
    let setup = Setup::new(
        &key.event,
        key.manifest_sha256,
        key.threshold,
        &names,
        tr.attempt,
    )?;
    let label = |what: &str, i: usize| format!("election-key.json ceremony.transcript.{what}[{i}]");
    let order = |what: &str, indices: Vec<u32>| -> Result<(), DkgError> {
        match indices.iter().zip(1u32..).find(|(i, p)| *i != p) {
            Some((i, p)) => Err(DkgError::Transcript {
                rule: format!(
                    "{what}[{}] is keyholder {i}'s; the transcript lists keyholders in index order",
                    p - 1
                ),
            }),
            None => Ok(()),
        }
    };
    order(
        "certificates",
        tr.certificates.iter().map(|c| c.index).collect(),
    )?;
    order("deals", tr.deals.iter().map(|c| c.index).collect())?;
    order(
        "confirmations",
        tr.confirmations.iter().map(|c| c.index).collect(),
    )?;
    let certs: Vec<(String, Certificate)> = tr
        .certificates
        .iter()
        .enumerate()
        .map(|(p, c)| (label("certificates", p), c.clone()))
        .collect();
    let deal_files: Vec<(String, Deal)> = tr
        .deals
        .iter()
        .enumerate()
        .map(|(p, d)| (label("deals", p), d.clone()))
        .collect();
    let certs = check_certificates(&setup, &certs)?;
    let deals = check_deals(&setup, &certs, &deal_files)?;
    if deals.fingerprint != tr.deals_fingerprint.0 {
        return Err(DkgError::Transcript {
            rule: "deals_fingerprint is not the fingerprint of the deals".into(),
        });
    }
    let rebuilt = key_file(&setup, &certs, &deals, Vec::new(), key.created_at.clone())?;
    if rebuilt.commitments != key.commitments {
        return Err(DkgError::Transcript {
            rule: "the commitments are not the sums of the keyholders' commitments".into(),
        });
    }
    if rebuilt.election_key != key.election_key || rebuilt.keyholders != key.keyholders {
        return Err(DkgError::Transcript {
            rule: "K or a K_j does not follow from the keyholders' commitments".into(),
        });
    }
    if rebuilt.fingerprint != key.fingerprint {
        return Err(DkgError::Transcript {
            rule: "the election fingerprint does not bind this transcript".into(),
        });
    }
    let files: Vec<(String, Round3)> = tr
        .confirmations
        .iter()
        .enumerate()
        .map(|(p, c)| (label("confirmations", p), Round3::Confirmation(c.clone())))
        .collect();
    let ordered = in_order(&setup, "confirmation", &files, Round3::index)?;
    for (f, r) in ordered {
        if let Round3::Confirmation(c) = r {
            check_confirmation(&deals, key, f, c)?;
        }
    }
    let n = u64::from(setup.n());
    let t = u64::from(setup.threshold);
    Ok(TranscriptSummary {
        attempt: tr.attempt,
        // n certificates (proof + hash), n·t coefficient proofs, n confirmations.
        items: n * 2 + n * t + n,
        fingerprint: confirmations_fingerprint(&deals.fingerprint, &tr.confirmations),
    })
}

/// Pretty JSON of a round file, newline-terminated.
pub fn to_json<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Parses a round file, naming it on error.
pub fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
    expected: &'static str,
) -> Result<T, DkgError> {
    serde_json::from_str(text).map_err(|e| DkgError::Malformed {
        file: file.into(),
        expected,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(t: u32, n: usize) -> Setup {
        let names: Vec<String> = (1..=n).map(|i| format!("Keyholder {i}")).collect();
        Setup::new("test-event", Digest32([7; 32]), t, &names, 1).unwrap()
    }

    fn seed(i: u8) -> Seed {
        Seed([i; 32])
    }

    #[test]
    fn rounds_are_deterministic_from_the_seed() {
        let s = setup(2, 3);
        let a = make_certificate(&s, 1, &seed(1)).unwrap();
        let b = make_certificate(&s, 1, &seed(1)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, make_certificate(&s, 1, &seed(2)).unwrap());
        let mut s2 = s.clone();
        s2.attempt = 2;
        assert_ne!(
            a.transport_key,
            make_certificate(&s2, 1, &seed(1)).unwrap().transport_key
        );
    }

    #[test]
    fn schnorr_proofs_bind_their_statement() {
        let s = setup(1, 1);
        let c = make_certificate(&s, 1, &seed(3)).unwrap();
        let x = c.transport_key.decode().unwrap();
        let sigma = s.fingerprint();
        assert!(c.transport_proof.verify(
            tag::PROOF_TRANSPORT,
            &statement_transport(&sigma, 1, &c.transport_key),
            &x
        ));
        assert!(!c.transport_proof.verify(
            tag::PROOF_TRANSPORT,
            &statement_transport(&sigma, 2, &c.transport_key),
            &x
        ));
        assert!(!c.transport_proof.verify(
            tag::PROOF_COEFFICIENT,
            &statement_transport(&sigma, 1, &c.transport_key),
            &x
        ));
    }

    #[test]
    fn share_encryption_round_trips_and_binds_its_context() {
        let value = Scalar::from(42u8);
        let d = Elem::from_point(&(&Scalar::from(9u8) * RISTRETTO_BASEPOINT_TABLE));
        let e = d;
        let x = d;
        let fp = [1u8; 32];
        let ct = encrypt_share(&value, &d, &fp, 1, 2, &e, &x);
        assert_eq!(*decrypt_share(&ct, &d, &fp, 1, 2, &e, &x).unwrap(), value);
        assert!(decrypt_share(&ct, &d, &fp, 2, 1, &e, &x).is_none());
        assert!(decrypt_share(&ct, &d, &[2u8; 32], 1, 2, &e, &x).is_none());
    }

    #[test]
    fn a_share_that_decrypts_but_does_not_match_is_a_standing_complaint() {
        let s = setup(2, 2);
        let seeds = [seed(1), seed(2)];
        let certs: Vec<(String, Certificate)> = (1..=2u32)
            .map(|i| {
                (
                    format!("c{i}"),
                    make_certificate(&s, i, &seeds[i as usize - 1]).unwrap(),
                )
            })
            .collect();
        let certs = check_certificates(&s, &certs).unwrap();
        let mut deals: Vec<(String, Deal)> = (1..=2u32)
            .map(|i| {
                (
                    format!("d{i}"),
                    make_deal(&s, i, &seeds[i as usize - 1], &certs).unwrap(),
                )
            })
            .collect();
        // Dealer 1 encrypts a wrong value to keyholder 2, correctly.
        let e = seeds[0].derive(&certs.fingerprint, "ephemeral", 2);
        let d = Elem::from_point(&(e * certs.transport_keys[1]));
        let share = &mut deals[0].1.shares[0];
        share.ciphertext = encrypt_share(
            &Scalar::from(12345u32),
            &d,
            &certs.fingerprint,
            1,
            2,
            &share.ephemeral,
            &certs.certificates[1].transport_key,
        );
        let deals = check_deals(&s, &certs, &deals).unwrap();
        let out = confirm(&s, 2, &seeds[1], &certs, &deals, "now".into()).unwrap();
        let ConfirmOutcome::Complained(c) = out else {
            panic!("keyholder 2 should complain");
        };
        assert_eq!(c.against[0].shared_secret, d);
        match judge_complaint(&certs, &deals, 2, &c.against[0]) {
            Verdict::Stands(why) => assert!(why.contains("does not match"), "{why}"),
            v => panic!("{v:?}"),
        }
        // Keyholder 1 still confirms: their share from 2 is fine.
        assert!(matches!(
            confirm(&s, 1, &seeds[0], &certs, &deals, "now".into()).unwrap(),
            ConfirmOutcome::Confirmed { .. }
        ));
    }

    #[test]
    fn seed_debug_is_redacted() {
        assert_eq!(format!("{:?}", seed(1)), "Seed(<secret>)");
    }
}
