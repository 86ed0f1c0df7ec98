//! The election key: the key file, sealed share files, the key test, and the
//! two ceremonies that make a key.
//!
//! [`dkg`] makes the key without a dealer (`urne ceremony`): no machine ever
//! holds the election secret. [`generate`] is the rehearsal dealer
//! (`urne keygen`): it deals the secret into `n` Shamir shares (threshold `t`)
//! with Feldman commitments ([`crate::crypto::shamir`]) on one machine, which
//! holds the whole key for an instant (zeroized there). Both publish the
//! election key file (`urne-election-key/2`, whose `ceremony` says which made
//! it) and seal each share with its keyholder's passphrase ([`seal`]).
//!
//! The election fingerprint binds everything a ballot depends on:
//!
//! ```text
//! fp = H256("urne/v1/election-fingerprint"; event, manifest_sha256,
//!           u64(t), u64(n), C_0, …, C_{t−1}, u64(1), name_1, …, u64(n), name_n,
//!           kind, binding)        (format 1: without kind and binding)
//! ```
//! People compare its first 8 bytes aloud ([`short_fingerprint`]).

pub mod dkg;
pub mod passphrase;
pub mod pseudonym;
pub mod seal;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::crypto::elgamal::PublicKey;
use crate::crypto::encoding::{Digest32, Elem, Transcript};
use crate::crypto::proofs::{tag, DleqProof};
use crate::crypto::shamir::{self, SecretShare};
use crate::error::Explain;
use passphrase::Passphrase;
use seal::{KdfParams, SealHeader, SealedFile};

/// The format tag of the election key file written today.
pub const ELECTION_KEY_FORMAT: &str = "urne-election-key/2";
/// The earlier format (no `ceremony`; always made by the single-machine
/// dealer), still read.
pub const ELECTION_KEY_FORMAT_V1: &str = "urne-election-key/1";
/// The `ceremony.kind` of a key made by `keygen` on one machine.
pub const KIND_DEALER: &str = "dealer";
/// The `kind` of a sealed keyholder share.
pub const SHARE_KIND: &str = "keyholder-share";
/// The format tag of a key test record.
pub const KEY_TEST_FORMAT: &str = "urne-key-test/1";

/// A keyholder as the election key file lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyholderEntry {
    /// 1-based index `i`, the Shamir evaluation point.
    pub index: u32,
    /// The keyholder's name, as in the manifest.
    pub name: String,
    /// `K_i = s_i·G`.
    pub verification_key: Elem,
}

/// The public election key file (`urne-election-key/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionKeyFile {
    pub format: String,
    pub event: String,
    pub manifest_sha256: Digest32,
    pub threshold: u32,
    pub keyholders: Vec<KeyholderEntry>,
    /// Feldman commitments `C_0..C_{t−1}`.
    pub commitments: Vec<Elem>,
    /// `K = C_0`.
    pub election_key: Elem,
    pub fingerprint: Digest32,
    pub created_at: String,
    /// How the key was made (format 2; absent in format 1, which only the
    /// dealer wrote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<CeremonyRecord>,
}

/// Which ceremony made the key, and its transcript (`ceremony` in the
/// election key file, format 2). **Strict.**
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyRecord {
    /// `dealer` (one machine held the whole key: `keygen`, for rehearsals and
    /// tests) or `dealerless` (`urne ceremony`, no machine ever held it).
    pub kind: String,
    /// The same in words, for people reading the file.
    pub note: String,
    /// The dealerless ceremony's transcript; absent for `dealer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<dkg::DkgTranscript>,
}

/// The note a dealer key carries.
pub const DEALER_NOTE: &str =
    "made by one machine that held the whole election key (keygen): for rehearsals and tests only";

/// Why an election key, a share or a key test is refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{file}: not an election key file ({detail})")]
    Malformed { file: String, detail: String },
    #[error("{file}: the election key file is inconsistent: {rule}")]
    Inconsistent { file: String, rule: String },
    #[error(
        "{file}: this share belongs to another election (fingerprint {found}, expected {expected})"
    )]
    OtherElection {
        file: String,
        found: String,
        expected: String,
    },
    #[error("{file}: this is a {found} file, not a keyholder share")]
    NotAShare { file: String, found: String },
    #[error("{file}: keyholder index {index} is not in this election's key (1..={n})")]
    UnknownKeyholder { file: String, index: u32, n: usize },
    #[error(
        "wrong passphrase for keyholder {index}'s share ({file}), or the file has been altered"
    )]
    WrongPassphrase { file: String, index: u32 },
    #[error("{file}: the sealed share could not be read: {detail}")]
    Sealed { file: String, detail: String },
    #[error(
        "{file}: the share of keyholder {index} does not match their published verification key"
    )]
    ShareMismatch { file: String, index: u32 },
    #[error("keyholder {index}'s share was given twice ({file})")]
    DuplicateShare { file: String, index: u32 },
    #[error("{detail}")]
    Sharing { detail: String },
}

impl Explain for KeyError {
    fn code(&self) -> &'static str {
        match self {
            KeyError::Malformed { .. } => "E-KEY-MALFORMED",
            KeyError::Inconsistent { .. } => "E-KEY-INCONSISTENT",
            KeyError::OtherElection { .. } => "E-SHARE-OTHER-ELECTION",
            KeyError::NotAShare { .. } => "E-SHARE-KIND",
            KeyError::UnknownKeyholder { .. } => "E-SHARE-UNKNOWN-KEYHOLDER",
            KeyError::WrongPassphrase { .. } => "E-SHARE-PASSPHRASE",
            KeyError::Sealed { .. } => "E-SHARE-MALFORMED",
            KeyError::ShareMismatch { .. } => "E-SHARE-MISMATCH",
            KeyError::DuplicateShare { .. } => "E-SHARE-DUPLICATE",
            KeyError::Sharing { .. } => "E-KEY-THRESHOLD",
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            KeyError::WrongPassphrase { .. } => {
                "try again, or check that you hold the right share file".into()
            }
            KeyError::OtherElection { .. } => {
                "check that you brought the share file made at this election's key ceremony".into()
            }
            KeyError::DuplicateShare { .. } => {
                "each keyholder brings their own share; give each share file once".into()
            }
            KeyError::ShareMismatch { .. } => {
                "the file does not hold this keyholder's share; it may have been altered".into()
            }
            KeyError::Sealed { .. } | KeyError::NotAShare { .. } => {
                "the file may be truncated or corrupted; use the keyholder's backup copy".into()
            }
            _ => return None,
        })
    }
}

/// A validated election key: the file and its decoded points.
#[derive(Clone, Debug)]
pub struct ElectionKey {
    pub file: ElectionKeyFile,
    pub key: PublicKey,
    pub commitments: Vec<RistrettoPoint>,
    /// `K_i` for `i = 1..n`, at position `i − 1`.
    pub verification_keys: Vec<RistrettoPoint>,
    pub fingerprint: [u8; 32],
}

/// Computes the format 1 election fingerprint (see the module docs).
pub fn fingerprint(
    event: &str,
    manifest_sha256: &Digest32,
    threshold: u32,
    commitments: &[Elem],
    keyholders: &[(u32, &str)],
) -> [u8; 32] {
    fingerprint_transcript(event, manifest_sha256, threshold, commitments, keyholders).finish32()
}

fn fingerprint_transcript(
    event: &str,
    manifest_sha256: &Digest32,
    threshold: u32,
    commitments: &[Elem],
    keyholders: &[(u32, &str)],
) -> Transcript {
    let mut t = Transcript::sha256("urne/v1/election-fingerprint");
    t.str(event)
        .bytes(&manifest_sha256.0)
        .u64(u64::from(threshold))
        .u64(keyholders.len() as u64);
    for c in commitments {
        t.point(&c.0);
    }
    for (i, name) in keyholders {
        t.u64(u64::from(*i)).str(name);
    }
    t
}

/// The format 2 fingerprint: the format 1 items, then the ceremony's kind and
/// what it binds (`Φ_deal` for a dealerless key, nothing for a dealer key).
///
/// ```text
/// fp = H256("urne/v1/election-fingerprint"; …format 1 items…, kind, binding)
/// ```
pub fn fingerprint_v2(
    event: &str,
    manifest_sha256: &Digest32,
    threshold: u32,
    commitments: &[Elem],
    keyholders: &[(u32, &str)],
    kind: &str,
    binding: &[u8],
) -> [u8; 32] {
    let mut t = fingerprint_transcript(event, manifest_sha256, threshold, commitments, keyholders);
    t.str(kind).bytes(binding);
    t.finish32()
}

/// The first 8 bytes of the fingerprint, as four groups of four hex digits, for
/// people to read aloud and compare.
pub fn short_fingerprint(fp: &[u8; 32]) -> String {
    let h = hex::encode(&fp[..8]);
    format!("{} {} {} {}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
}

/// Runs the key ceremony's arithmetic: deals the secret and returns the public
/// election key file and the `n` shares (to be sealed at once by the caller).
pub fn generate<R: RngCore + CryptoRng>(
    event: &str,
    manifest_sha256: Digest32,
    threshold: u32,
    keyholder_names: &[String],
    created_at: String,
    rng: &mut R,
) -> Result<(ElectionKeyFile, Vec<SecretShare>), KeyError> {
    let n = u32::try_from(keyholder_names.len()).unwrap_or(u32::MAX);
    let (commitments, shares) = shamir::deal(threshold, n, rng).map_err(|e| KeyError::Sharing {
        detail: e.to_string(),
    })?;
    let commitment_elems: Vec<Elem> = commitments.iter().map(Elem::from_point).collect();
    let keyholders: Vec<KeyholderEntry> = keyholder_names
        .iter()
        .zip(1u32..)
        .map(|(name, i)| KeyholderEntry {
            index: i,
            name: name.clone(),
            verification_key: Elem::from_point(&shamir::verification_key(&commitments, i)),
        })
        .collect();
    let names: Vec<(u32, &str)> = keyholders
        .iter()
        .map(|k| (k.index, k.name.as_str()))
        .collect();
    let fp = fingerprint_v2(
        event,
        &manifest_sha256,
        threshold,
        &commitment_elems,
        &names,
        KIND_DEALER,
        &[],
    );
    let file = ElectionKeyFile {
        format: ELECTION_KEY_FORMAT.into(),
        event: event.into(),
        manifest_sha256,
        threshold,
        keyholders,
        election_key: commitment_elems[0],
        commitments: commitment_elems,
        fingerprint: Digest32(fp),
        created_at,
        ceremony: Some(CeremonyRecord {
            kind: KIND_DEALER.into(),
            note: DEALER_NOTE.into(),
            transcript: None,
        }),
    };
    Ok((file, shares))
}

impl ElectionKey {
    /// Parses and checks an election key file: format, commitments (canonical,
    /// not the identity), `K = C_0`, each `K_i = Σ i^j·C_j`, and the fingerprint.
    pub fn from_json(text: &str, file: &str) -> Result<ElectionKey, KeyError> {
        let parsed: ElectionKeyFile =
            serde_json::from_str(text).map_err(|e| KeyError::Malformed {
                file: file.into(),
                detail: e.to_string(),
            })?;
        Self::check(parsed, file)
    }

    /// Checks a parsed election key file (see [`Self::from_json`]).
    pub fn check(f: ElectionKeyFile, file: &str) -> Result<ElectionKey, KeyError> {
        let bad = |rule: String| KeyError::Inconsistent {
            file: file.into(),
            rule,
        };
        let v1 = f.format == ELECTION_KEY_FORMAT_V1;
        if f.format != ELECTION_KEY_FORMAT && !v1 {
            return Err(KeyError::Malformed {
                file: file.into(),
                detail: format!("format is {:?}, expected {ELECTION_KEY_FORMAT:?}", f.format),
            });
        }
        let binding: Vec<u8> = match (&f.ceremony, v1) {
            (None, true) => Vec::new(),
            (Some(_), true) => {
                return Err(KeyError::Malformed {
                    file: file.into(),
                    detail: "a format 1 key has no `ceremony`".into(),
                })
            }
            (None, false) => {
                return Err(KeyError::Malformed {
                    file: file.into(),
                    detail: "missing field `ceremony`".into(),
                })
            }
            (Some(c), false) => match (c.kind.as_str(), &c.transcript) {
                (KIND_DEALER, None) => Vec::new(),
                (dkg::KIND_DEALERLESS, Some(t)) => t.deals_fingerprint.0.to_vec(),
                _ => {
                    return Err(bad(format!(
                        "ceremony kind {:?} with{} a transcript is not allowed",
                        c.kind,
                        if c.transcript.is_some() { "" } else { "out" }
                    )))
                }
            },
        };
        let n = f.keyholders.len();
        let t = f.threshold as usize;
        if t < 1 || t > n || n > shamir::MAX_KEYHOLDERS as usize {
            return Err(bad(format!(
                "threshold {t} of {n} keyholders is not allowed"
            )));
        }
        if f.commitments.len() != t {
            return Err(bad(format!(
                "{} commitments for threshold {t}",
                f.commitments.len()
            )));
        }
        let mut commitments = Vec::with_capacity(t);
        for (j, c) in f.commitments.iter().enumerate() {
            commitments.push(
                c.decode_non_identity()
                    .map_err(|e| bad(format!("commitment {j} {e}")))?,
            );
        }
        if f.election_key != f.commitments[0] {
            return Err(bad("the election key is not the first commitment".into()));
        }
        let mut verification_keys = Vec::with_capacity(n);
        for (pos, k) in f.keyholders.iter().enumerate() {
            if k.index as usize != pos + 1 {
                return Err(bad(format!(
                    "keyholder {:?} has index {}, expected {}",
                    k.name,
                    k.index,
                    pos + 1
                )));
            }
            let vk = shamir::verification_key(&commitments, k.index);
            if Elem::from_point(&vk) != k.verification_key {
                return Err(bad(format!(
                    "keyholder {}'s verification key does not follow from the commitments",
                    k.index
                )));
            }
            verification_keys.push(vk);
        }
        let names: Vec<(u32, &str)> = f
            .keyholders
            .iter()
            .map(|k| (k.index, k.name.as_str()))
            .collect();
        let fp = if v1 {
            fingerprint(
                &f.event,
                &f.manifest_sha256,
                f.threshold,
                &f.commitments,
                &names,
            )
        } else {
            fingerprint_v2(
                &f.event,
                &f.manifest_sha256,
                f.threshold,
                &f.commitments,
                &names,
                f.ceremony.as_ref().map_or("", |c| c.kind.as_str()),
                &binding,
            )
        };
        if fp != f.fingerprint.0 {
            return Err(bad(
                "the fingerprint does not match the key's contents".into()
            ));
        }
        Ok(ElectionKey {
            key: PublicKey::new(commitments[0]),
            commitments,
            verification_keys,
            fingerprint: fp,
            file: f,
        })
    }

    /// The file as pretty JSON, newline-terminated.
    pub fn to_json(&self) -> String {
        file_to_json(&self.file)
    }

    /// `dealer` or `dealerless`: which ceremony made the key (a format 1 key
    /// is a dealer's).
    pub fn ceremony_kind(&self) -> &str {
        self.file
            .ceremony
            .as_ref()
            .map_or(KIND_DEALER, |c| c.kind.as_str())
    }

    /// Number of keyholders `n`.
    pub fn keyholder_count(&self) -> usize {
        self.file.keyholders.len()
    }

    /// The threshold `t`.
    pub fn threshold(&self) -> usize {
        self.file.threshold as usize
    }

    /// `K_i`, if `i` is a keyholder index.
    pub fn verification_key(&self, index: u32) -> Option<&RistrettoPoint> {
        let pos = usize::try_from(index).ok()?.checked_sub(1)?;
        self.verification_keys.get(pos)
    }

    /// The keyholder's name, if `i` is a keyholder index.
    pub fn keyholder_name(&self, index: u32) -> Option<&str> {
        let pos = usize::try_from(index).ok()?.checked_sub(1)?;
        self.file.keyholders.get(pos).map(|k| k.name.as_str())
    }

    /// Seals a keyholder's share under their passphrase, bound to this election's
    /// fingerprint and the keyholder's index.
    pub fn seal_share(
        &self,
        share: &SecretShare,
        passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<SealedFile, KeyError> {
        let header = SealHeader {
            kind: SHARE_KIND.into(),
            owner: self.keyholder_name(share.index()).unwrap_or("").into(),
            fingerprint: hex::encode(self.fingerprint),
            index: share.index(),
        };
        seal::seal(share.value().as_bytes(), passphrase, header, params).map_err(|e| {
            KeyError::Sealed {
                file: "(new share)".into(),
                detail: e.to_string(),
            }
        })
    }

    /// Opens a sealed share and checks it, in this order: kind, election
    /// fingerprint and keyholder index (before any key derivation), passphrase,
    /// then `s_i·G = K_i`.
    pub fn open_share(
        &self,
        sealed: &SealedFile,
        passphrase: &Passphrase,
        file: &str,
    ) -> Result<SecretShare, KeyError> {
        if sealed.kind != SHARE_KIND {
            return Err(KeyError::NotAShare {
                file: file.into(),
                found: sealed.kind.clone(),
            });
        }
        let expected = hex::encode(self.fingerprint);
        if sealed.fingerprint != expected {
            return Err(KeyError::OtherElection {
                file: file.into(),
                found: short_hex(&sealed.fingerprint),
                expected: short_fingerprint(&self.fingerprint),
            });
        }
        let index = sealed.index;
        let vk = self
            .verification_key(index)
            .ok_or(KeyError::UnknownKeyholder {
                file: file.into(),
                index,
                n: self.keyholder_count(),
            })?;
        let plain = seal::open(sealed, passphrase).map_err(|e| match e {
            seal::SealError::WrongPassphrase => KeyError::WrongPassphrase {
                file: file.into(),
                index,
            },
            other => KeyError::Sealed {
                file: file.into(),
                detail: other.to_string(),
            },
        })?;
        let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| KeyError::Sealed {
            file: file.into(),
            detail: "the sealed share is not 32 bytes".into(),
        })?;
        let value = Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes)).ok_or(
            KeyError::ShareMismatch {
                file: file.into(),
                index,
            },
        )?;
        let share = SecretShare::new(index, value);
        if !bool::from(share.public().compress().ct_eq(&vk.compress())) {
            return Err(KeyError::ShareMismatch {
                file: file.into(),
                index,
            });
        }
        Ok(share)
    }
}

fn short_hex(h: &str) -> String {
    match hex::decode(h) {
        Ok(b) if b.len() == 32 => {
            let mut fp = [0u8; 32];
            fp.copy_from_slice(&b);
            short_fingerprint(&fp)
        }
        _ => "unreadable".into(),
    }
}

/// Pretty JSON of an election key file, newline-terminated.
pub fn file_to_json(f: &ElectionKeyFile) -> String {
    let mut s = serde_json::to_string_pretty(f).unwrap_or_default();
    s.push('\n');
    s
}

/// A keyholder's key test (`urne-key-test/1`): a decryption share of a fixed
/// test element `T` with a proof that it was made with the share behind `K_i`.
///
/// ```text
/// T = from_uniform_bytes(H512("urne/v1/key-test-base"; fp))     (RFC 9496 §4.3.4)
/// D = s_i·T
/// c = H512("urne/v1/proof/key-test"; fp, u64(i), G, K_i, T, D, a, b)
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTest {
    pub format: String,
    pub fingerprint: Digest32,
    pub keyholder: u32,
    pub name: String,
    pub tested_at: String,
    pub d: Elem,
    pub proof: DleqProof,
}

/// The key test's base point `T`.
pub fn key_test_base(fp: &[u8; 32]) -> RistrettoPoint {
    let mut t = Transcript::sha512("urne/v1/key-test-base");
    t.bytes(fp);
    let out = t.finish();
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&out);
    RistrettoPoint::from_uniform_bytes(&wide)
}

fn key_test_statement<'a>(
    fp: &'a [u8; 32],
    index: u32,
    vk: &'a RistrettoPoint,
    base: &'a RistrettoPoint,
    d: &'a Elem,
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        t.bytes(fp)
            .u64(u64::from(index))
            .point(&curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED)
            .point(&vk.compress())
            .point(&base.compress())
            .point(&d.0);
    }
}

impl ElectionKey {
    /// Makes a key test with an opened share.
    pub fn key_test<R: RngCore + CryptoRng>(
        &self,
        share: &SecretShare,
        tested_at: String,
        rng: &mut R,
    ) -> KeyTest {
        let base = key_test_base(&self.fingerprint);
        let d = Elem::from_point(&(share.value() * base));
        let vk = share.public();
        let statement = key_test_statement(&self.fingerprint, share.index(), &vk, &base, &d);
        let proof = DleqProof::prove(tag::KEY_TEST, &statement, share.value(), &|w| w * base, rng);
        KeyTest {
            format: KEY_TEST_FORMAT.into(),
            fingerprint: Digest32(self.fingerprint),
            keyholder: share.index(),
            name: self.keyholder_name(share.index()).unwrap_or("").into(),
            tested_at,
            d,
            proof,
        }
    }

    /// Checks a key test against this election's verification keys.
    pub fn check_key_test(&self, test: &KeyTest) -> bool {
        let Some(vk) = self.verification_key(test.keyholder) else {
            return false;
        };
        let Ok(d) = test.d.decode_non_identity() else {
            return false;
        };
        if test.format != KEY_TEST_FORMAT || test.fingerprint.0 != self.fingerprint {
            return false;
        }
        let base = key_test_base(&self.fingerprint);
        let statement = key_test_statement(&self.fingerprint, test.keyholder, vk, &base, &test.d);
        test.proof.verify(tag::KEY_TEST, &statement, vk, &base, &d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("Keyholder {i}")).collect()
    }

    fn make(t: u32, n: usize) -> (ElectionKey, Vec<SecretShare>) {
        let (file, shares) = generate(
            "test-event",
            Digest32([1; 32]),
            t,
            &names(n),
            "2027-01-01T00:00:00Z".into(),
            &mut OsRng,
        )
        .unwrap();
        let key = ElectionKey::from_json(&file_to_json(&file), "key.json").unwrap();
        (key, shares)
    }

    #[test]
    fn key_file_round_trips_and_checks() {
        let (key, shares) = make(2, 3);
        assert_eq!(key.threshold(), 2);
        for s in &shares {
            assert_eq!(key.verification_key(s.index()), Some(&s.public()));
        }
    }

    #[test]
    fn tampered_key_files_are_refused() {
        let (key, _) = make(2, 2);
        let mut f = key.file.clone();
        f.keyholders.swap(0, 1);
        assert!(matches!(
            ElectionKey::check(f, "k"),
            Err(KeyError::Inconsistent { .. })
        ));
        let mut f = key.file.clone();
        f.keyholders[1].verification_key = f.keyholders[0].verification_key;
        assert!(ElectionKey::check(f, "k").is_err());
        let mut f = key.file.clone();
        f.keyholders[0].name = "Mallory".into();
        assert!(
            ElectionKey::check(f, "k").is_err(),
            "name is in the fingerprint"
        );
        let mut f = key.file.clone();
        f.threshold = 1;
        assert!(ElectionKey::check(f, "k").is_err());
    }

    #[test]
    fn key_test_passes_for_the_right_share_and_fails_for_another() {
        let (key, shares) = make(2, 2);
        let test = key.key_test(&shares[0], "now".into(), &mut OsRng);
        assert!(key.check_key_test(&test));
        let mut forged = test.clone();
        forged.keyholder = 2;
        assert!(!key.check_key_test(&forged));
        let wrong = SecretShare::new(1, *shares[1].value());
        assert!(!key.check_key_test(&key.key_test(&wrong, "now".into(), &mut OsRng)));
    }

    #[test]
    fn short_fingerprint_has_four_groups() {
        assert_eq!(short_fingerprint(&[0xab; 32]), "abab abab abab abab");
    }
}
