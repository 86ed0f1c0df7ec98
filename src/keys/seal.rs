//! Sealed secret files (`urne-sealed/1`): one format for every secret urne keeps
//! at rest — keyholder shares, the ballot box's signing key, signers' keys.
//!
//! ```text
//! key        = Argon2id(passphrase, salt; m_kib, t, p, version 0x13) → 32 bytes
//! aad        = item("urne-sealed/1") || item(kind) || item(owner) || item(fingerprint)
//!              || item(u64(index)) || item("argon2id") || item(u64(version))
//!              || item(u64(m_kib)) || item(u64(t)) || item(u64(p)) || item(salt)
//!              || item("chacha20-poly1305")
//!              where item(x) = u64_be(len(x)) || x
//! ciphertext = ChaCha20-Poly1305(key, nonce (12 random bytes), aad, secret) || tag
//! ```
//! Every header field is in the associated data, so changing any of them (to pass
//! a share off as another keyholder's, or to weaken the KDF) makes opening fail.
//! A wrong passphrase and an altered file fail the same way, on purpose.

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::passphrase::Passphrase;
use crate::crypto::encoding::{from_b64, to_b64};
use crate::error::Explain;

/// The format tag.
pub const SEALED_FORMAT: &str = "urne-sealed/1";

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// 64 MiB, 3 passes, 1 lane (RFC 9106 §4, second recommended option).
    pub const RECOMMENDED: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// For test suites only: weak, fast. Never for a real election.
    pub const TEST_ONLY_FAST: KdfParams = KdfParams {
        m_kib: 8,
        t: 1,
        p: 1,
    };
    const MAX_M_KIB: u32 = 4 * 1024 * 1024;

    fn check(&self) -> Result<(), SealError> {
        let ok = (8..=Self::MAX_M_KIB).contains(&self.m_kib)
            && (1..=100).contains(&self.t)
            && (1..=16).contains(&self.p)
            && self.m_kib >= 8 * self.p;
        if ok {
            Ok(())
        } else {
            Err(SealError::UnsafeKdfParams {
                m_kib: self.m_kib,
                t: self.t,
                p: self.p,
            })
        }
    }
}

/// What the sealed file says about its secret (all bound as associated data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealHeader {
    /// `keyholder-share`, `box-signing-key`, `signer-key`, …
    pub kind: String,
    /// The person (or role) it belongs to; shown, not trusted.
    pub owner: String,
    /// Hex of the election fingerprint, or empty when not bound to an election.
    pub fingerprint: String,
    /// Keyholder index, or 0.
    pub index: u32,
}

/// The KDF section of a sealed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfSection {
    pub alg: String,
    pub version: u32,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    /// 16 random bytes, base64.
    pub salt: String,
}

/// A sealed secret file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedFile {
    pub format: String,
    pub kind: String,
    pub owner: String,
    pub fingerprint: String,
    pub index: u32,
    pub kdf: KdfSection,
    pub aead: String,
    /// 12 bytes, base64.
    pub nonce: String,
    /// Ciphertext and 16-byte tag, base64.
    pub ciphertext: String,
}

/// Why a secret could not be sealed or opened. Carries nothing secret.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the passphrase is wrong, or the file has been altered")]
    WrongPassphrase,
    #[error("not a sealed urne file ({detail})")]
    Malformed { detail: String },
    #[error("unsupported sealed format {found:?} (this urne reads {SEALED_FORMAT})")]
    UnsupportedFormat { found: String },
    #[error("refused key derivation parameters (m = {m_kib} KiB, t = {t}, p = {p})")]
    UnsafeKdfParams { m_kib: u32, t: u32, p: u32 },
    #[error("the key derivation failed")]
    Kdf,
    #[error("the system random generator failed")]
    Random,
}

impl Explain for SealError {
    fn code(&self) -> &'static str {
        match self {
            SealError::WrongPassphrase => "E-SEAL-PASSPHRASE",
            SealError::Malformed { .. } => "E-SEAL-MALFORMED",
            SealError::UnsupportedFormat { .. } => "E-SEAL-FORMAT",
            SealError::UnsafeKdfParams { .. } => "E-SEAL-KDF-PARAMS",
            SealError::Kdf | SealError::Random => "E-SEAL-INTERNAL",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            SealError::WrongPassphrase => {
                Some("try again, or check that you hold the right file".into())
            }
            SealError::Malformed { .. } => {
                Some("the file may be truncated or corrupted; use the backup copy".into())
            }
            _ => None,
        }
    }
}

fn item(out: &mut Vec<u8>, x: &[u8]) {
    out.extend_from_slice(&(x.len() as u64).to_be_bytes());
    out.extend_from_slice(x);
}

fn aad(f: &SealedFile, salt: &[u8]) -> Vec<u8> {
    let mut a = Vec::new();
    item(&mut a, SEALED_FORMAT.as_bytes());
    item(&mut a, f.kind.as_bytes());
    item(&mut a, f.owner.as_bytes());
    item(&mut a, f.fingerprint.as_bytes());
    item(&mut a, &u64::from(f.index).to_be_bytes());
    item(&mut a, b"argon2id");
    item(&mut a, &u64::from(f.kdf.version).to_be_bytes());
    item(&mut a, &u64::from(f.kdf.m_kib).to_be_bytes());
    item(&mut a, &u64::from(f.kdf.t).to_be_bytes());
    item(&mut a, &u64::from(f.kdf.p).to_be_bytes());
    item(&mut a, salt);
    item(&mut a, b"chacha20-poly1305");
    a
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    params.check()?;
    let p = Params::new(params.m_kib, params.t, params.p, Some(32)).map_err(|_| {
        SealError::UnsafeKdfParams {
            m_kib: params.m_kib,
            t: params.t,
            p: params.p,
        }
    })?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|_| SealError::Kdf)?;
    Ok(key)
}

fn aead_key(key: &[u8; 32]) -> Result<LessSafeKey, SealError> {
    UnboundKey::new(&CHACHA20_POLY1305, key)
        .map(LessSafeKey::new)
        .map_err(|_| SealError::Kdf)
}

/// Seals `plaintext` under `passphrase`.
pub fn seal(
    plaintext: &[u8],
    passphrase: &Passphrase,
    header: SealHeader,
    params: KdfParams,
) -> Result<SealedFile, SealError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    rng.fill(&mut salt).map_err(|_| SealError::Random)?;
    rng.fill(&mut nonce).map_err(|_| SealError::Random)?;
    let mut file = SealedFile {
        format: SEALED_FORMAT.into(),
        kind: header.kind,
        owner: header.owner,
        fingerprint: header.fingerprint,
        index: header.index,
        kdf: KdfSection {
            alg: "argon2id".into(),
            version: 0x13,
            m_kib: params.m_kib,
            t: params.t,
            p: params.p,
            salt: to_b64(&salt),
        },
        aead: "chacha20-poly1305".into(),
        nonce: to_b64(&nonce),
        ciphertext: String::new(),
    };
    let key = derive(passphrase, &salt, params)?;
    let mut buf = Zeroizing::new(plaintext.to_vec());
    aead_key(&key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(&file, &salt)),
            &mut *buf,
        )
        .map_err(|_| SealError::Kdf)?;
    file.ciphertext = to_b64(&buf);
    Ok(file)
}

/// Opens a sealed file. Checks the format and the KDF parameters before any key
/// derivation, so a crafted file cannot make it use unbounded memory.
pub fn open(file: &SealedFile, passphrase: &Passphrase) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if file.format != SEALED_FORMAT {
        return Err(SealError::UnsupportedFormat {
            found: file.format.clone(),
        });
    }
    if file.kdf.alg != "argon2id" || file.kdf.version != 0x13 || file.aead != "chacha20-poly1305" {
        return Err(SealError::UnsupportedFormat {
            found: format!("{}/{}/{}", file.kdf.alg, file.kdf.version, file.aead),
        });
    }
    let params = KdfParams {
        m_kib: file.kdf.m_kib,
        t: file.kdf.t,
        p: file.kdf.p,
    };
    params.check()?;
    let malformed = |what: &str| SealError::Malformed {
        detail: format!("{what} is not valid base64 of the right length"),
    };
    let salt = from_b64(&file.kdf.salt).map_err(|_| malformed("the salt"))?;
    let nonce: [u8; 12] = from_b64(&file.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| malformed("the nonce"))?;
    let ct = from_b64(&file.ciphertext).map_err(|_| malformed("the ciphertext"))?;
    if salt.len() < 8 || ct.len() < 16 {
        return Err(malformed("the salt or ciphertext"));
    }
    let key = derive(passphrase, &salt, params)?;
    let mut buf = Zeroizing::new(ct);
    let plain_len = aead_key(&key)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(file, &salt)),
            &mut buf,
        )
        .map_err(|_| SealError::WrongPassphrase)?
        .len();
    buf.truncate(plain_len);
    Ok(buf)
}

impl SealedFile {
    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parses a sealed file; a truncated or corrupted one is `Malformed`.
    pub fn from_json(text: &str) -> Result<SealedFile, SealError> {
        let f: SealedFile = serde_json::from_str(text).map_err(|e| SealError::Malformed {
            detail: e.to_string(),
        })?;
        if f.format != SEALED_FORMAT {
            return Err(SealError::UnsupportedFormat { found: f.format });
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> Passphrase {
        Passphrase::new(s.into())
    }

    fn header() -> SealHeader {
        SealHeader {
            kind: "keyholder-share".into(),
            owner: "Kari".into(),
            fingerprint: "ab".repeat(32),
            index: 1,
        }
    }

    fn sealed() -> SealedFile {
        seal(
            b"the secret share value 32 bytes!",
            &pass("correct horse battery"),
            header(),
            KdfParams::TEST_ONLY_FAST,
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let f = sealed();
        let back = SealedFile::from_json(&f.to_json()).unwrap();
        assert_eq!(
            &*open(&back, &pass("correct horse battery")).unwrap(),
            b"the secret share value 32 bytes!"
        );
        assert!(matches!(
            open(&back, &pass("correct horse battery!")),
            Err(SealError::WrongPassphrase)
        ));
        assert!(!f.to_json().contains("secret share"));
    }

    #[test]
    fn every_header_field_is_bound() {
        let p = pass("correct horse battery");
        type Edit = Box<dyn Fn(&mut SealedFile)>;
        let edits: Vec<Edit> = vec![
            Box::new(|f| f.kind = "signer-key".into()),
            Box::new(|f| f.owner = "Ola".into()),
            Box::new(|f| f.fingerprint = "cd".repeat(32)),
            Box::new(|f| f.index = 2),
            Box::new(|f| f.kdf.t = 2),
            Box::new(|f| f.kdf.m_kib = 16),
            Box::new(|f| f.kdf.salt = to_b64(&[7u8; 16])),
            Box::new(|f| f.nonce = to_b64(&[7u8; 12])),
            Box::new(|f| {
                let mut c = from_b64(&f.ciphertext).unwrap();
                c[0] ^= 1;
                f.ciphertext = to_b64(&c);
            }),
        ];
        for (n, edit) in edits.iter().enumerate() {
            let mut f = sealed();
            edit(&mut f);
            assert!(
                matches!(open(&f, &p), Err(SealError::WrongPassphrase)),
                "edit {n}"
            );
        }
    }

    #[test]
    fn truncated_unknown_and_absurd_files_are_refused() {
        let json = sealed().to_json();
        assert!(matches!(
            SealedFile::from_json(&json[..json.len() / 2]),
            Err(SealError::Malformed { .. })
        ));
        let mut f = sealed();
        f.format = "urne-sealed/9".into();
        assert!(matches!(
            open(&f, &pass("x")),
            Err(SealError::UnsupportedFormat { .. })
        ));
        let mut f = sealed();
        f.kdf.m_kib = u32::MAX;
        assert!(matches!(
            open(&f, &pass("x")),
            Err(SealError::UnsafeKdfParams { .. })
        ));
        let mut f = sealed();
        f.nonce = "AAAA".into();
        assert!(matches!(
            open(&f, &pass("x")),
            Err(SealError::Malformed { .. })
        ));
    }
}
