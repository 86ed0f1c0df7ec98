//! Voter credentials against ballot stuffing (docs/SPEC.md, "Voter
//! credentials"; DESIGN.md, "Voter credentials").
//!
//! The **credential authority** — not the box operator — gives each voter on
//! the roll a secret *credential code* and publishes the list of their public
//! keys. The voting client signs each ballot with the voter's key; the box,
//! the count and `urne verify` accept only ballots signed for the voter they
//! name, so whoever runs the box cannot cast, replace or cancel a vote.
//!
//! ```text
//! code    = 16 characters of A–Z 2–7 (80 random bits) + 1 check character
//! check   = Horner over GF(2^5) = F2[x]/(x^5 + x^2 + 1): c ← c·x + d_i
//! s_v     = H512("urne/v1/credential/secret"; code, fp, voter) mod ℓ
//! P_v     = s_v·G
//! d       = H256("urne/v1/credential/ballot"; the ballot's elements, in order)
//! e       = H512("urne/v1/credential/signature"; fp, referendum, voter, P_v, R, d)
//! sign:     k random,  R = k·G,  z = k + e·s_v
//! verify:   z·G = R + e·P_v      (batched: w·z·G − w·R − (w·e)·P_v = 0)
//! ```
//! The code has 80 bits of entropy, so no slow key derivation is needed:
//! guessing one voter's code costs 2^79 hashes on average.

use std::io::{BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use subtle::{
    Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater, ConstantTimeLess,
};
use zeroize::{Zeroize, Zeroizing};

use crate::ballot::{Ballot, BallotContext};
use crate::crypto::encoding::{Digest32, Elem, PubScalar, Transcript};
use crate::crypto::proofs::BatchVerifier;
use crate::crypto::random_scalar;
use crate::error::Explain;
use crate::event::Roll;

/// Domain tags (docs/SPEC.md, "Domain tags").
pub mod tag {
    /// A voter's secret scalar from their code.
    pub const SECRET: &str = "urne/v1/credential/secret";
    /// The digest of a ballot that a credential signs.
    pub const BALLOT: &str = "urne/v1/credential/ballot";
    /// The challenge of a credential signature.
    pub const SIGNATURE: &str = "urne/v1/credential/signature";
}

/// The public list's file name, in the event and the published directory.
pub const LIST_FILE: &str = "credentials.jsonl";
/// The format tag of the public credential list.
pub const LIST_FORMAT: &str = "urne-credentials/1";
/// The first line of the printer's file of secret codes.
pub const CODES_FORMAT: &str = "urne-credential-codes/1";
/// The 32 characters of a code, in value order (RFC 4648 base32).
pub const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Random characters in a code (5 bits each: 80 bits).
pub const CODE_DATA: usize = 16;
/// Characters in a code, the check character included.
pub const CODE_LEN: usize = CODE_DATA + 1;
/// The most bytes [`CredentialCode::read_from`] takes (a code with its
/// dashes, spaces and line end is far shorter).
pub const CODE_INPUT_MAX: usize = 256;

/// Whether an event uses voter credentials (the manifest's
/// `voter_credentials`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// No voter credentials: the box operator is trusted not to stuff
    /// ballots (rehearsals, or a voting system that signs with national e-ID
    /// outside urne).
    #[default]
    None,
    /// urne's credentials: every ballot is signed with the voter's
    /// credential from the published list.
    Urne,
}

impl Mode {
    /// The name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Urne => "urne",
        }
    }

    /// True if ballots must be signed.
    pub fn required(self) -> bool {
        self == Mode::Urne
    }
}

/// What is wrong with a code, a list or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the credential code has {found} characters; it has {CODE_LEN} (letters A–Z and digits 2–7; dashes and spaces are ignored)")]
    CodeLength { found: usize },
    #[error("the credential code has a character that is not one of A–Z or 2–7")]
    CodeCharacter,
    #[error("the credential code's check character does not match: a character is mistyped")]
    CodeCheck,
    #[error("more than {CODE_INPUT_MAX} bytes: that is not one credential code")]
    CodeTooLong,
    #[error("{file}: {source}")]
    CodeIn {
        file: String,
        source: Box<CredentialError>,
    },
    #[error("{file}, line {line}: {rule}")]
    List {
        file: String,
        line: u64,
        rule: String,
    },
    #[error("{file}: the credential list's SHA-256 is {found}, but {what} carries {expected}")]
    ListChanged {
        file: String,
        what: String,
        expected: String,
        found: String,
    },
    #[error("{file}: {rule}")]
    BoxMode { file: String, rule: String },
    #[error("{file}: {detail}")]
    Io { file: String, detail: String },
}

impl Explain for CredentialError {
    fn code(&self) -> &'static str {
        match self {
            CredentialError::CodeLength { .. }
            | CredentialError::CodeCharacter
            | CredentialError::CodeCheck
            | CredentialError::CodeTooLong => "E-CREDENTIAL-CODE",
            CredentialError::CodeIn { source, .. } => source.code(),
            CredentialError::List { .. } => "E-CREDENTIAL-LIST",
            CredentialError::ListChanged { .. } | CredentialError::BoxMode { .. } => {
                "E-CREDENTIAL-LIST-CHANGED"
            }
            CredentialError::Io { .. } => "E-FILE-READ",
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            CredentialError::CodeLength { .. }
            | CredentialError::CodeCharacter
            | CredentialError::CodeCheck => {
                "type the code again from the polling card: the digits 0, 1, 8 and 9 do not occur (O, I, B are letters)".into()
            }
            CredentialError::CodeTooLong => {
                "the file holds the code alone, as on the polling card (dashes, spaces and a line end are ignored)".into()
            }
            CredentialError::CodeIn { source, .. } => return source.hint(),
            CredentialError::List { .. } => {
                "the credential list is made by `urne credentials issue`; ask the credential authority for its published list".into()
            }
            CredentialError::ListChanged { .. } => {
                "the list was changed after it was published; use the list the ceremony log and the box header name".into()
            }
            CredentialError::BoxMode { .. } => {
                "the manifest, the box header and the list must agree: with voter_credentials = \"urne\" the box is opened after the credentials are issued and read with the list it names; with \"none\" there is no list".into()
            }
            CredentialError::Io { .. } => return None,
        })
    }
}

/// `c·x` in GF(2^5) = F2[x]/(x^5 + x^2 + 1), without branches.
fn times_x(c: u8) -> u8 {
    let high = (c >> 4) & 1;
    ((c << 1) & 31) ^ (high * 0b00101)
}

/// The check value of 16 data values (each < 32): Horner's rule over
/// GF(2^5), `c ← c·x + d` from the first to the last, times `x` once more,
/// so that the whole code `v_0 … v_16` satisfies `Σ v_i·x^(16−i) = 0`.
/// Character `i` has weight `x^(16−i)`, all distinct and nonzero (`x` has
/// order 31): any one mistyped character and any swap of two different
/// characters, the check character included, break the sum.
pub fn check_value(data: &[u8; CODE_DATA]) -> u8 {
    times_x(data.iter().fold(0u8, |c, &d| times_x(c) ^ (d & 31)))
}

/// `lo ≤ x ≤ hi`, without branches on `x`.
fn ct_in(x: u8, lo: u8, hi: u8) -> Choice {
    !x.ct_lt(&lo) & !x.ct_gt(&hi)
}

/// The value of a code character (`A`=0 … `Z`=25, `2`=26 … `7`=31), either
/// case, and whether it is one; without branches or table look-ups on the
/// character (the code is secret).
fn char_value(c: u8) -> (u8, Choice) {
    let lower = ct_in(c, b'a', b'z');
    let u = u8::conditional_select(&c, &c.wrapping_sub(b'a' - b'A'), lower);
    let letter = ct_in(u, b'A', b'Z');
    let digit = ct_in(u, b'2', b'7');
    let v = u8::conditional_select(&0, &u.wrapping_sub(b'A'), letter);
    let v = u8::conditional_select(&v, &u.wrapping_sub(b'2').wrapping_add(26), digit);
    (v, letter | digit)
}

/// The character of a value `< 32` ([`ALPHABET`]), by arithmetic rather
/// than an index into the table (no secret-dependent memory access).
fn value_char(v: u8) -> u8 {
    let v = v & 31;
    // 'A' + v for v < 26, '2' + (v − 26) = v + 24 for the digits.
    u8::conditional_select(&(b'A' + v), &(v + 24), v.ct_gt(&25))
}

/// A voter's secret credential code: 17 characters of [`ALPHABET`], the
/// last the check character. Held zeroized; never printed by `Debug`.
#[derive(Clone)]
pub struct CredentialCode {
    chars: Zeroizing<[u8; CODE_LEN]>,
}

impl std::fmt::Debug for CredentialCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialCode(<secret>)")
    }
}

impl CredentialCode {
    /// A fresh random code: 16 uniform characters (80 bits) and its check.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut values = Zeroizing::new([0u8; CODE_DATA]);
        for v in values.iter_mut() {
            // 32 divides 2^32: the low 5 bits of a uniform word are uniform.
            let mut w = rng.next_u32();
            *v = (w.to_le_bytes()[0]) & 31;
            w.zeroize();
        }
        Self::from_values(&values)
    }

    fn from_values(values: &[u8; CODE_DATA]) -> Self {
        let mut chars = Zeroizing::new([0u8; CODE_LEN]);
        for (c, &v) in chars.iter_mut().zip(values.iter()) {
            *c = value_char(v);
        }
        chars[CODE_DATA] = value_char(check_value(values));
        CredentialCode { chars }
    }

    /// Reads a code as a person types it: dashes and spaces ignored, either
    /// case. A wrong length, a character outside the alphabet or a wrong
    /// check character is refused (no character of the code is quoted).
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        Self::parse_bytes(text.as_bytes())
    }

    /// [`CredentialCode::parse`] of raw bytes (a file or standard input,
    /// which need not be UTF-8: a byte outside the alphabet is a bad
    /// character).
    ///
    /// Constant time in the code's characters: separators are dropped and
    /// each kept byte is written to every slot under a mask (no index or
    /// branch depends on a byte's value); every character is decoded
    /// without branches, validity accumulated and decided once, at the end;
    /// the check character is compared with `ct_eq`. Only the number of
    /// characters kept, which a valid code fixes at 17, is branched on. The
    /// error never says where a bad character is.
    pub fn parse_bytes(text: &[u8]) -> Result<Self, CredentialError> {
        let mut chars = Zeroizing::new([0u8; CODE_LEN]);
        let mut n = 0usize;
        for &b in text {
            // `-` and ASCII whitespace as `u8::is_ascii_whitespace` has it.
            let sep = b.ct_eq(&b'-')
                | b.ct_eq(&b' ')
                | b.ct_eq(&b'\t')
                | b.ct_eq(&b'\n')
                | b.ct_eq(&0x0c)
                | b.ct_eq(&b'\r');
            let keep = !sep;
            for (slot, c) in chars.iter_mut().enumerate() {
                c.conditional_assign(&b, keep & slot.ct_eq(&n));
            }
            // n counts what is kept: `keep` as 0 or 1, no branch.
            n += usize::from(keep.unwrap_u8());
        }
        if n != CODE_LEN {
            return Err(CredentialError::CodeLength { found: n });
        }
        let mut values = Zeroizing::new([0u8; CODE_DATA]);
        let mut valid = Choice::from(1);
        for (c, v) in chars.iter_mut().zip(values.iter_mut()) {
            let (x, ok) = char_value(*c);
            valid &= ok;
            *v = x;
            *c = value_char(x);
        }
        let (check, ok) = char_value(chars[CODE_DATA]);
        valid &= ok;
        chars[CODE_DATA] = value_char(check);
        let check_ok = check_value(&values).ct_eq(&check);
        if !bool::from(valid) {
            return Err(CredentialError::CodeCharacter);
        }
        if !bool::from(check_ok) {
            return Err(CredentialError::CodeCheck);
        }
        Ok(CredentialCode { chars })
    }

    /// Reads one code from a file or standard input (`name` is what the
    /// error names), at most [`CODE_INPUT_MAX`] bytes, into a fixed zeroized
    /// buffer (no growing buffer leaves a copy behind); dashes, spaces and
    /// the line end are ignored as [`CredentialCode::parse`] ignores them.
    pub fn read_from<R: Read>(mut input: R, name: &str) -> Result<Self, CredentialError> {
        let mut buf = Zeroizing::new([0u8; CODE_INPUT_MAX + 1]);
        let mut n = 0usize;
        while n < buf.len() {
            match input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(CredentialError::Io {
                        file: name.to_string(),
                        detail: e.to_string(),
                    })
                }
            }
        }
        let read = if n > CODE_INPUT_MAX {
            Err(CredentialError::CodeTooLong)
        } else {
            Self::parse_bytes(&buf[..n])
        };
        read.map_err(|e| CredentialError::CodeIn {
            file: name.to_string(),
            source: Box::new(e),
        })
    }

    /// The 17 characters, upper case, without dashes: what the key is
    /// derived from.
    pub fn as_bytes(&self) -> &[u8; CODE_LEN] {
        &self.chars
    }

    /// The code as printed on a polling card: `ABCD-EFGH-IJKL-MNOP-Q`.
    pub fn display(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(CODE_LEN + 4));
        for (i, &c) in self.chars.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                s.push('-');
            }
            s.push(char::from(c));
        }
        s
    }

    /// The voter's key pair for this election:
    /// `s_v = H512("urne/v1/credential/secret"; code, fp, voter) mod ℓ`.
    pub fn key(&self, fingerprint: &[u8; 32], voter: &str) -> CredentialKey {
        let mut t = Transcript::sha512(tag::SECRET);
        t.bytes(&self.chars[..]).bytes(fingerprint).str(voter);
        let s = Zeroizing::new(t.challenge());
        let point = &*s * RISTRETTO_BASEPOINT_TABLE;
        CredentialKey {
            s,
            public: Elem::from_point(&point),
        }
    }
}

/// A voter's credential key pair: the secret `s_v` (zeroized) and the public
/// `P_v = s_v·G`.
pub struct CredentialKey {
    s: Zeroizing<Scalar>,
    public: Elem,
}

impl std::fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CredentialKey(public {:?})", self.public)
    }
}

impl CredentialKey {
    /// `P_v`, as published in the list.
    pub fn public(&self) -> Elem {
        self.public
    }

    /// Signs a ballot for the voter and referendum of `ctx`.
    pub fn sign<R: RngCore + CryptoRng>(
        &self,
        ctx: &BallotContext<'_>,
        ballot: &Ballot,
        rng: &mut R,
    ) -> CredentialSignature {
        let k = Zeroizing::new(random_scalar(rng));
        let r = Elem::from_point(&(&*k * RISTRETTO_BASEPOINT_TABLE));
        let e = challenge(ctx, &self.public, &r, &ballot_digest(ballot));
        CredentialSignature {
            r,
            z: PubScalar(*k + e * *self.s),
        }
    }
}

/// A ballot's credential signature `(R, z)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSignature {
    pub r: Elem,
    pub z: PubScalar,
}

/// `d = H256("urne/v1/credential/ballot"; …)`: every element and scalar of a
/// ballot in the order its JSON gives them, each list preceded by its length
/// (docs/SPEC.md, "Credential signature").
pub fn ballot_digest(ballot: &Ballot) -> [u8; 32] {
    let mut t = Transcript::sha256(tag::BALLOT);
    match ballot {
        Ballot::Packed(p) => {
            t.str("packed").point(&p.a.0).point(&p.b.0);
            let pr = &p.proof;
            t.u64(pr.a.len() as u64);
            pr.a.iter().for_each(|x| {
                t.point(&x.0);
            });
            t.u64(pr.b.len() as u64);
            pr.b.iter().for_each(|x| {
                t.point(&x.0);
            });
            t.u64(pr.c.len() as u64);
            pr.c.iter().for_each(|x| {
                t.scalar(&x.0);
            });
            t.u64(pr.s.len() as u64);
            pr.s.iter().for_each(|x| {
                t.scalar(&x.0);
            });
        }
        Ballot::OneHot(o) => {
            t.str("one-hot").u64(o.options.len() as u64);
            for x in &o.options {
                let p = &x.proof;
                t.point(&x.a.0).point(&x.b.0);
                t.point(&p.a0.0)
                    .point(&p.b0.0)
                    .point(&p.a1.0)
                    .point(&p.b1.0);
                t.scalar(&p.c0.0).scalar(&p.s0.0).scalar(&p.s1.0);
            }
            let s = &o.sum_proof;
            t.point(&s.a.0).point(&s.b.0).scalar(&s.s.0);
        }
    }
    t.finish32()
}

/// `e = H512("urne/v1/credential/signature"; fp, referendum, voter, P_v, R, d)`.
fn challenge(ctx: &BallotContext<'_>, public: &Elem, r: &Elem, digest: &[u8; 32]) -> Scalar {
    let mut t = Transcript::sha512(tag::SIGNATURE);
    t.bytes(ctx.fingerprint)
        .str(ctx.referendum)
        .str(ctx.voter)
        .point(&public.0)
        .point(&r.0)
        .bytes(digest);
    t.challenge()
}

/// Whether a box header (`header`: its `credentials_sha256`), the credential
/// list given (`list`) and the manifest's `voter_credentials` (`mode`)
/// agree: a list exactly when the manifest uses credentials, and then the
/// one whose SHA-256 the header carries. The one check of the box's intake,
/// the count and `urne track`; `file` is the box, as the error names it.
pub fn check_box_list(
    file: &str,
    mode: Mode,
    list: Option<&CredentialList>,
    header: Option<&Digest32>,
) -> Result<(), CredentialError> {
    let refuse = |rule: String| {
        Err(CredentialError::BoxMode {
            file: file.into(),
            rule,
        })
    };
    match (mode.required(), list, header) {
        (false, None, None) => Ok(()),
        (false, Some(_), _) => refuse(format!(
            "a credential list ({LIST_FILE}) was given, but the manifest says voter_credentials = \"none\""
        )),
        (false, None, Some(h)) => refuse(format!(
            "the box header names credential list {}, but the manifest says voter_credentials = \"none\"",
            h.hex()
        )),
        (true, None, _) => refuse(format!(
            "the manifest says voter_credentials = \"urne\", but no credential list ({LIST_FILE}) was given"
        )),
        (true, Some(_), None) => refuse(
            "the box header names no credential list, but the manifest says voter_credentials = \"urne\"".into(),
        ),
        (true, Some(l), Some(h)) => l.check_hash(LIST_FILE, h, &format!("the header of {file}")),
    }
}

/// A published key `P_v`, decoded once.
#[derive(Clone, Copy, Debug)]
pub struct PublicCredential {
    pub elem: Elem,
    pub point: RistrettoPoint,
}

impl CredentialSignature {
    /// Adds `z·G = R + e·P_v` to `batch`, weighted; `None` if `R` is not a
    /// canonical encoding (the signature fails outright). One decode.
    pub fn verify_into(
        &self,
        key: &PublicCredential,
        ctx: &BallotContext<'_>,
        ballot: &Ballot,
        batch: &mut BatchVerifier,
    ) -> Option<()> {
        let r = self.r.decode().ok()?;
        let e = challenge(ctx, &key.elem, &self.r, &ballot_digest(ballot));
        let w = batch.weight();
        batch.add_g(w * self.z.0);
        batch.add(-w, r);
        batch.add(-(w * e), key.point);
        Some(())
    }

    /// Verifies this signature alone.
    pub fn verify(&self, key: &PublicCredential, ctx: &BallotContext<'_>, ballot: &Ballot) -> bool {
        let mut batch = BatchVerifier::new();
        self.verify_into(key, ctx, ballot, &mut batch).is_some()
            // The batch holds no K term; any point will do for it.
            && batch.verify(&key.point)
    }
}

/// The first line of a credential list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListHeader {
    pub format: String,
    pub event: String,
    /// The election fingerprint the keys are derived for.
    pub fingerprint: Digest32,
    /// The number of voter lines that follow.
    pub voters: u64,
}

/// A line of a credential list: a voter (as the roll names them, a
/// pseudonym) and their public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListEntry {
    pub voter: String,
    pub key: Elem,
}

/// A checked credential list, its keys indexed by roll slot.
///
/// The keys are held as read (32 bytes a voter) and decoded when a
/// signature needs one: a national list decoded whole would hold 160 bytes
/// more a voter (640 MB for 4,000,000), over the memory a count or the
/// receiving service may take. Each key is checked to be a group element the
/// first time it is decoded; [`CredentialList::check_keys`] checks the ones
/// not yet decoded, so a caller that checks every key pays one decode a key
/// in all.
#[derive(Debug)]
pub struct CredentialList {
    /// SHA-256 of the list file's bytes: what box, tally and protocols carry.
    pub sha256: Digest32,
    /// The number of voters with a credential.
    pub voters: u64,
    /// The file, as errors name it.
    file: String,
    /// The keys in list order: key `i` is on line `i + 2`.
    keys: Vec<Elem>,
    /// Whether key `i` has been decoded and found a group element.
    checked: Vec<AtomicBool>,
    /// Per roll slot: the index into `keys`, or `u32::MAX` for none.
    by_slot: Vec<u32>,
}

impl Clone for CredentialList {
    fn clone(&self) -> Self {
        CredentialList {
            sha256: self.sha256,
            voters: self.voters,
            file: self.file.clone(),
            keys: self.keys.clone(),
            checked: self
                .checked
                .iter()
                .map(|c| AtomicBool::new(c.load(Ordering::Relaxed)))
                .collect(),
            by_slot: self.by_slot.clone(),
        }
    }
}

const NO_KEY: u32 = u32::MAX;

impl CredentialList {
    /// The credential of the voter in roll slot `slot`, decoded, if they
    /// have one; an error naming the list's line if the key there is not a
    /// canonical encoding of a group element other than the identity.
    pub fn for_slot(&self, slot: u32) -> Option<Result<PublicCredential, CredentialError>> {
        let i = *self.by_slot.get(slot as usize)? as usize;
        Some(self.decode(i))
    }

    /// The key listed for roll slot `slot`, as read (not decoded).
    pub fn listed_key(&self, slot: u32) -> Option<Elem> {
        let i = *self.by_slot.get(slot as usize)? as usize;
        self.keys.get(i).copied()
    }

    fn decode(&self, i: usize) -> Result<PublicCredential, CredentialError> {
        let elem = self.keys[i];
        match elem.decode_non_identity() {
            Ok(point) => {
                self.checked[i].store(true, Ordering::Relaxed);
                Ok(PublicCredential { elem, point })
            }
            Err(_) => Err(CredentialError::List {
                file: self.file.clone(),
                line: i as u64 + 2,
                rule:
                    "the key is not a canonical encoding of a group element other than the identity"
                        .into(),
            }),
        }
    }

    /// Checks every key not yet decoded (in parallel: a national list has
    /// millions); the first bad one, by line, is the error.
    pub fn check_keys(&self) -> Result<(), CredentialError> {
        let bad = (0..self.keys.len())
            .into_par_iter()
            .filter(|&i| !self.checked[i].load(Ordering::Relaxed))
            .find_first(|&i| self.decode(i).is_err());
        match bad {
            Some(i) => self.decode(i).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Reads and checks a list (`urne-credentials/1`) against the election
    /// and the roll: the header names this event and fingerprint and counts
    /// the lines; voters are in strictly increasing byte order (so none
    /// twice) and each is on the roll; every key is 32 bytes of base64.
    /// Whether each key is a canonical encoding of a point other than the
    /// identity is checked when it is decoded ([`CredentialList::for_slot`])
    /// and, for all, by [`CredentialList::check_keys`]. `file` names it in
    /// errors.
    pub fn parse(
        mut reader: impl BufRead,
        file: &str,
        event: &str,
        fingerprint: &[u8; 32],
        roll: &Roll,
        referendums: usize,
    ) -> Result<CredentialList, CredentialError> {
        let rule = |line: u64, rule: String| CredentialError::List {
            file: file.into(),
            line,
            rule,
        };
        let mut hasher = ring::digest::Context::new(&ring::digest::SHA256);
        let mut buf = Vec::with_capacity(256);
        let mut next_line = |buf: &mut Vec<u8>, line: u64| -> Result<bool, CredentialError> {
            buf.clear();
            let n = std::io::Read::take(&mut reader, crate::limits::BOX_LINE_BYTES as u64 + 2)
                .read_until(b'\n', buf)
                .map_err(|e| CredentialError::Io {
                    file: file.into(),
                    detail: e.to_string(),
                })?;
            if n == 0 {
                return Ok(false);
            }
            hasher.update(buf);
            if buf.pop() != Some(b'\n') {
                return Err(rule(
                    line,
                    "the line is not terminated (the list was cut short, or the line is too long)"
                        .into(),
                ));
            }
            Ok(true)
        };
        if !next_line(&mut buf, 1)? {
            return Err(rule(1, "the list is empty (no header line)".into()));
        }
        let header: ListHeader = serde_json::from_slice(&buf)
            .map_err(|e| rule(1, format!("not a credential list header ({e})")))?;
        if header.format != LIST_FORMAT {
            return Err(rule(
                1,
                format!(
                    "format is {:?}; this urne reads {LIST_FORMAT:?}",
                    header.format
                ),
            ));
        }
        if header.event != event {
            return Err(rule(
                1,
                format!(
                    "the list is of event {:?}, the manifest of {event:?}",
                    header.event
                ),
            ));
        }
        if header.fingerprint.0 != *fingerprint {
            return Err(rule(
                1,
                format!(
                    "the list was made for election fingerprint {}, not this election's",
                    header.fingerprint
                ),
            ));
        }
        // Each line is checked as it is read and only its key kept: the
        // voter ids are the roll's, and a national list is millions of lines.
        let capacity = usize::try_from(header.voters)
            .unwrap_or(usize::MAX)
            .min(roll.slots());
        let mut keys: Vec<Elem> = Vec::with_capacity(capacity);
        let mut by_slot = vec![NO_KEY; roll.slots()];
        let mut line = 1u64;
        let mut last: Option<String> = None;
        loop {
            line += 1;
            if !next_line(&mut buf, line)? {
                break;
            }
            let entry: ListEntry = serde_json::from_slice(&buf)
                .map_err(|e| rule(line, format!("not a credential list entry ({e})")))?;
            if let Some(p) = &last {
                if entry.voter.as_bytes() == p.as_bytes() {
                    return Err(rule(
                        line,
                        format!("voter {:?} is listed twice", entry.voter),
                    ));
                }
                if entry.voter.as_bytes() < p.as_bytes() {
                    return Err(rule(
                        line,
                        format!(
                            "voter {:?} comes after {p:?}: the list is sorted by voter id, byte by byte",
                            entry.voter
                        ),
                    ));
                }
            }
            let Ok(i) = u32::try_from(keys.len()) else {
                return Err(rule(1, "the list has too many voters".into()));
            };
            if i == NO_KEY {
                return Err(rule(1, "the list has too many voters".into()));
            }
            let mut on_roll = false;
            for r in 0..referendums {
                if let Some(slot) = roll.slot(r, &entry.voter) {
                    by_slot[slot as usize] = i;
                    on_roll = true;
                }
            }
            if !on_roll {
                return Err(rule(
                    line,
                    format!("voter {:?} is not on the roll", entry.voter),
                ));
            }
            keys.push(entry.key);
            last = Some(entry.voter);
        }
        if keys.len() as u64 != header.voters {
            return Err(rule(
                1,
                format!(
                    "the header counts {} voters but the list has {}",
                    header.voters,
                    keys.len()
                ),
            ));
        }
        let mut sha = [0u8; 32];
        sha.copy_from_slice(hasher.finish().as_ref());
        Ok(CredentialList {
            sha256: Digest32(sha),
            voters: header.voters,
            file: file.into(),
            checked: (0..keys.len()).map(|_| AtomicBool::new(false)).collect(),
            keys,
            by_slot,
        })
    }

    /// Loads and checks a list file.
    pub fn load(
        path: &std::path::Path,
        event: &str,
        fingerprint: &[u8; 32],
        roll: &Roll,
        referendums: usize,
    ) -> Result<CredentialList, CredentialError> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| CredentialError::Io {
            file: file.clone(),
            detail: e.to_string(),
        })?;
        Self::parse(
            std::io::BufReader::with_capacity(1 << 20, f),
            &file,
            event,
            fingerprint,
            roll,
            referendums,
        )
    }

    /// Refuses the list if its hash is not `expected` (the hash a box
    /// header, tally or protocol carries), naming `what` carries it.
    pub fn check_hash(
        &self,
        file: &str,
        expected: &Digest32,
        what: &str,
    ) -> Result<(), CredentialError> {
        if self.sha256 == *expected {
            return Ok(());
        }
        Err(CredentialError::ListChanged {
            file: file.into(),
            what: what.into(),
            expected: expected.hex(),
            found: self.sha256.hex(),
        })
    }
}

/// The distinct voter ids of a roll file (`urne-roll/1`, already checked
/// with [`Roll::load`]), in byte order: who gets a credential.
pub fn roll_voter_ids(path: &std::path::Path) -> Result<crate::event::VoterIds, CredentialError> {
    let file = path.display().to_string();
    let io = |e: &dyn std::fmt::Display| CredentialError::Io {
        file: file.clone(),
        detail: e.to_string(),
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::None)
        .from_path(path)
        .map_err(|e| io(&e))?;
    let mut ids = crate::event::VoterIdsBuilder::default();
    let mut rec = csv::StringRecord::new();
    while csv.read_record(&mut rec).map_err(|e| io(&e))? {
        if let Some(v) = rec.get(0) {
            ids.push(v);
        }
    }
    Ok(ids.finish())
}

/// Issued credentials: the public list's lines and the secret codes, for
/// voters in byte order of their ids.
pub struct Issued {
    /// `(voter, P_v)` in list order.
    pub public: Vec<(String, Elem)>,
    /// The codes, in the same order.
    pub codes: Vec<CredentialCode>,
}

/// Makes one credential per voter (`voters` sorted, without repeats): a
/// random code each, its key derived for this election. In parallel; each
/// worker draws from the operating system's generator.
pub fn issue(fingerprint: &[u8; 32], voters: &[&str]) -> Issued {
    let made: Vec<(CredentialCode, Elem)> = voters
        .par_iter()
        .map_init(
            || rand::rngs::OsRng,
            |rng, v| {
                let code = CredentialCode::generate(rng);
                let key = code.key(fingerprint, v);
                (code, key.public())
            },
        )
        .collect();
    let mut public = Vec::with_capacity(made.len());
    let mut codes = Vec::with_capacity(made.len());
    for ((code, key), v) in made.into_iter().zip(voters) {
        public.push(((*v).to_string(), key));
        codes.push(code);
    }
    Issued { public, codes }
}

/// Writes the public list: header, then one line a voter.
pub fn write_list(
    w: &mut dyn Write,
    event: &str,
    fingerprint: &[u8; 32],
    public: &[(String, Elem)],
) -> std::io::Result<()> {
    let header = ListHeader {
        format: LIST_FORMAT.into(),
        event: event.into(),
        fingerprint: Digest32(*fingerprint),
        voters: public.len() as u64,
    };
    serde_json::to_writer(&mut *w, &header)?;
    w.write_all(b"\n")?;
    for (voter, key) in public {
        serde_json::to_writer(
            &mut *w,
            &ListEntry {
                voter: voter.clone(),
                key: *key,
            },
        )?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the printer's file of secret codes: a first line saying what it
/// is, then CSV `voter_id,credential_code`, one voter a line.
pub fn write_codes(
    w: &mut dyn Write,
    event: &str,
    voters: &[(String, Elem)],
    codes: &[CredentialCode],
) -> std::io::Result<()> {
    writeln!(
        w,
        "# {CODES_FORMAT} SECRET: voter credential codes of event {event}, for the printer of the polling cards only; never publish this file or put it in the event directory"
    )?;
    writeln!(w, "voter_id,credential_code")?;
    for ((voter, _), code) in voters.iter().zip(codes) {
        w.write_all(voter.as_bytes())?;
        w.write_all(b",")?;
        w.write_all(code.display().as_bytes())?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::elgamal::PublicKey;
    use crate::event::Manifest;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
    use rand::rngs::OsRng;
    use rand::SeedableRng;

    const FP: [u8; 32] = [7u8; 32];

    #[test]
    fn a_generated_code_parses_back_in_any_spelling() {
        let code = CredentialCode::generate(&mut OsRng);
        let shown = code.display();
        assert_eq!(shown.len(), CODE_LEN + 4);
        let back = CredentialCode::parse(&shown).unwrap();
        assert_eq!(back.as_bytes(), code.as_bytes());
        let typed = shown.to_lowercase().replace('-', " ");
        assert_eq!(
            CredentialCode::parse(&typed).unwrap().as_bytes(),
            code.as_bytes()
        );
        assert_eq!(format!("{code:?}"), "CredentialCode(<secret>)");
    }

    #[test]
    fn every_single_mistyped_character_and_every_swap_is_caught() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..20 {
            let code = CredentialCode::generate(&mut rng);
            let good = *code.as_bytes();
            for i in 0..CODE_LEN {
                for &c in ALPHABET.iter() {
                    if c == good[i] {
                        continue;
                    }
                    let mut bad = good;
                    bad[i] = c;
                    let text = std::str::from_utf8(&bad).unwrap();
                    assert_eq!(
                        CredentialCode::parse(text).unwrap_err(),
                        CredentialError::CodeCheck,
                        "position {i}"
                    );
                }
                for j in i + 1..CODE_LEN {
                    if good[i] == good[j] {
                        continue;
                    }
                    let mut bad = good;
                    bad.swap(i, j);
                    let text = std::str::from_utf8(&bad).unwrap();
                    assert!(CredentialCode::parse(text).is_err(), "swap {i} {j}");
                }
            }
        }
    }

    #[test]
    fn a_short_long_or_foreign_code_is_named_without_quoting_it() {
        assert_eq!(
            CredentialCode::parse("ABCD-EFGH").unwrap_err(),
            CredentialError::CodeLength { found: 8 }
        );
        let code = CredentialCode::generate(&mut OsRng);
        let mut text = code.display().to_string();
        text.replace_range(5..6, "0");
        let err = CredentialCode::parse(&text).unwrap_err();
        assert_eq!(err, CredentialError::CodeCharacter);
        assert!(!err.to_string().contains(&text[..4]));
        assert_eq!(err.code(), "E-CREDENTIAL-CODE");
    }

    #[test]
    fn a_bad_character_gives_the_same_error_wherever_it_is() {
        // The parse decides once, at the end: the error (and its text) does
        // not say, or depend on, where the bad character is, nor which it
        // is; with two bad characters it is the same again.
        let code = CredentialCode::generate(&mut OsRng);
        let good = *code.as_bytes();
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..CODE_LEN {
            for bad in [b'0', b'1', b'8', b'9', b'!', 0xc3, b'_'] {
                let mut text = good.to_vec();
                text[i] = bad;
                let err = CredentialCode::parse_bytes(&text).unwrap_err();
                assert_eq!(err, CredentialError::CodeCharacter, "position {i}");
                seen.insert(err.to_string());
                text[(i + 7) % CODE_LEN] = b'9';
                assert_eq!(
                    CredentialCode::parse_bytes(&text).unwrap_err(),
                    CredentialError::CodeCharacter
                );
            }
        }
        assert_eq!(seen.len(), 1, "{seen:?}");
        let only = seen.into_iter().next().unwrap();
        // No position or count in it: its only digits are the alphabet's.
        assert!(
            !only.replace("2–7", "").chars().any(|c| c.is_ascii_digit()),
            "{only}"
        );
        // A bad character wins over a check that would fail too; a good
        // code with every separator and case still parses.
        let mut text = good.to_vec();
        text[0] = if good[0] == b'A' { b'B' } else { b'A' };
        text[3] = b'0';
        assert_eq!(
            CredentialCode::parse_bytes(&text).unwrap_err(),
            CredentialError::CodeCharacter
        );
        let mut spaced = Vec::new();
        for (i, &c) in good.iter().enumerate() {
            spaced.push(if i % 2 == 0 {
                c.to_ascii_lowercase()
            } else {
                c
            });
            spaced.extend_from_slice(b"-\t \r\n");
        }
        assert_eq!(
            CredentialCode::parse_bytes(&spaced).unwrap().as_bytes(),
            &good
        );
    }

    #[test]
    fn the_branchless_decoding_is_the_alphabet() {
        for b in 0..=255u8 {
            let (v, ok) = char_value(b);
            let want = ALPHABET
                .iter()
                .position(|&a| a == b.to_ascii_uppercase())
                .map(|p| u8::try_from(p).unwrap());
            assert_eq!(bool::from(ok).then_some(v), want, "byte {b}");
        }
        for v in 0..32u8 {
            assert_eq!(value_char(v), ALPHABET[usize::from(v)]);
        }
    }

    #[test]
    fn the_check_is_horner_over_gf32() {
        // Data 0…0 1 → check x = 2; data 1 0…0 → x^16 mod (x^5 + x^2 + 1).
        let mut d = [0u8; CODE_DATA];
        d[15] = 1;
        assert_eq!(check_value(&d), 2);
        let mut d = [0u8; CODE_DATA];
        d[0] = 1;
        let mut x16 = 1u8;
        for _ in 0..16 {
            x16 = times_x(x16);
        }
        assert_eq!(check_value(&d), x16);
        // x^31 = 1: the multiplicative group has order 31 (x is primitive).
        let mut p = 1u8;
        for n in 1..=31 {
            p = times_x(p);
            assert_eq!(p == 1, n == 31, "x^{n}");
        }
    }

    fn ballot_for(ctx: &BallotContext<'_>) -> Ballot {
        let key = PublicKey::new(random_scalar(&mut OsRng) * G);
        crate::ballot::encrypt(&key, ctx, 3, 1, &mut OsRng).unwrap()
    }

    #[test]
    fn a_signature_verifies_for_its_voter_referendum_election_and_ballot_only() {
        let code = CredentialCode::generate(&mut OsRng);
        let key = code.key(&FP, "V1");
        let ctx = BallotContext {
            fingerprint: &FP,
            referendum: "sogne",
            voter: "V1",
        };
        let ballot = ballot_for(&ctx);
        let sig = key.sign(&ctx, &ballot, &mut OsRng);
        let public = PublicCredential {
            elem: key.public(),
            point: key.public().decode().unwrap(),
        };
        assert!(sig.verify(&public, &ctx, &ballot));
        let fp2 = [8u8; 32];
        for other in [
            BallotContext { voter: "V2", ..ctx },
            BallotContext {
                referendum: "songdalen",
                ..ctx
            },
            BallotContext {
                fingerprint: &fp2,
                ..ctx
            },
        ] {
            assert!(!sig.verify(&public, &other, &ballot));
        }
        assert!(!sig.verify(&public, &ctx, &ballot_for(&ctx)));
        // Another voter's key (a wrong code) does not verify.
        let wrong = CredentialCode::generate(&mut OsRng).key(&FP, "V1");
        let wrong_sig = wrong.sign(&ctx, &ballot, &mut OsRng);
        assert!(!wrong_sig.verify(&public, &ctx, &ballot));
        // The same code for another voter or election is another key.
        assert_ne!(code.key(&FP, "V2").public(), key.public());
        assert_ne!(code.key(&fp2, "V1").public(), key.public());
        let mut bumped = sig;
        bumped.z.0 += Scalar::ONE;
        assert!(!bumped.verify(&public, &ctx, &ballot));
    }

    #[test]
    fn signatures_batch_with_each_other_and_a_bad_one_is_found() {
        let ctx = BallotContext {
            fingerprint: &FP,
            referendum: "sogne",
            voter: "V1",
        };
        let ballot = ballot_for(&ctx);
        let mut batches = Vec::new();
        for i in 0..9 {
            let key = CredentialCode::generate(&mut OsRng).key(&FP, "V1");
            let mut sig = key.sign(&ctx, &ballot, &mut OsRng);
            if i == 4 {
                sig.z.0 += Scalar::ONE;
            }
            let public = PublicCredential {
                elem: key.public(),
                point: key.public().decode().unwrap(),
            };
            let mut b = BatchVerifier::new();
            sig.verify_into(&public, &ctx, &ballot, &mut b).unwrap();
            batches.push(b);
        }
        let refs: Vec<&BatchVerifier> = batches.iter().collect();
        let verdicts = BatchVerifier::verify_each(&refs, &G);
        assert_eq!(
            verdicts,
            (0..9).map(|i| i != 4).collect::<Vec<_>>(),
            "only the bumped one fails"
        );
    }

    fn manifest_and_roll() -> (Manifest, Roll) {
        let text = include_str!("../examples/event/manifest.toml");
        let m = Manifest::parse(text, "manifest.toml").unwrap();
        let roll_csv = "voter_id,referendum\nV1,sogne\nV2,sogne\nV3,songdalen\n";
        let roll = Roll::parse(roll_csv.as_bytes(), "roll.csv", &m).unwrap();
        (m, roll)
    }

    fn list_text(entries: &[(&str, Elem)], voters: u64) -> String {
        let public: Vec<(String, Elem)> =
            entries.iter().map(|(v, k)| (v.to_string(), *k)).collect();
        let mut out = Vec::new();
        write_list(&mut out, "sogne-songdalen-2027", &FP, &public).unwrap();
        let mut text = String::from_utf8(out).unwrap();
        if voters != entries.len() as u64 {
            text = text.replacen(
                &format!("\"voters\":{}", entries.len()),
                &format!("\"voters\":{voters}"),
                1,
            );
        }
        text
    }

    /// Parses and checks every key, as the intake and verify do.
    fn parse(text: &str, roll: &Roll) -> Result<CredentialList, CredentialError> {
        let list = CredentialList::parse(
            text.as_bytes(),
            "credentials.jsonl",
            "sogne-songdalen-2027",
            &FP,
            roll,
            2,
        )?;
        list.check_keys()?;
        Ok(list)
    }

    #[test]
    fn an_issued_list_parses_indexes_by_slot_and_hashes_its_bytes() {
        let (_, roll) = manifest_and_roll();
        let issued = issue(&FP, &["V1", "V2", "V3"]);
        let mut out = Vec::new();
        write_list(&mut out, "sogne-songdalen-2027", &FP, &issued.public).unwrap();
        let text = String::from_utf8(out).unwrap();
        let list = parse(&text, &roll).unwrap();
        assert_eq!(list.voters, 3);
        assert_eq!(
            list.sha256.0,
            crate::crypto::encoding::sha256(text.as_bytes())
        );
        let slot = roll.slot(1, "V3").unwrap();
        assert_eq!(list.listed_key(slot).unwrap(), issued.public[2].1);
        assert_eq!(
            list.for_slot(slot).unwrap().unwrap().elem,
            issued.public[2].1
        );
        assert_eq!(
            issued.codes[2].key(&FP, "V3").public(),
            issued.public[2].1,
            "the code printed for V3 derives V3's published key"
        );
        let mut codes = Vec::new();
        write_codes(&mut codes, "e", &issued.public, &issued.codes).unwrap();
        let codes = String::from_utf8(codes).unwrap();
        assert!(codes.starts_with("# urne-credential-codes/1 SECRET"));
        let line = codes.lines().nth(2).unwrap();
        let (v, c) = line.split_once(',').unwrap();
        assert_eq!(v, "V1");
        assert_eq!(
            CredentialCode::parse(c).unwrap().key(&FP, "V1").public(),
            issued.public[0].1
        );
    }

    #[test]
    fn a_bad_key_is_found_when_decoded_or_checked_and_names_its_line() {
        let (_, roll) = manifest_and_roll();
        let good = CredentialCode::generate(&mut OsRng).key(&FP, "V1").public();
        let identity = Elem::from_point(&(G - G));
        let text = list_text(&[("V1", good), ("V2", identity)], 2);
        // Parsing keeps the keys as read; the bad one is found when decoded.
        let list = CredentialList::parse(
            text.as_bytes(),
            "credentials.jsonl",
            "sogne-songdalen-2027",
            &FP,
            &roll,
            2,
        )
        .unwrap();
        let v1 = roll.slot(0, "V1").unwrap();
        let v2 = roll.slot(0, "V2").unwrap();
        assert_eq!(list.for_slot(v1).unwrap().unwrap().elem, good);
        assert_eq!(list.listed_key(v2), Some(identity));
        let e = list.for_slot(v2).unwrap().unwrap_err();
        assert!(
            e.to_string().starts_with("credentials.jsonl, line 3: ")
                && e.to_string().contains("other than the identity"),
            "{e}"
        );
        // check_keys finds it although no ballot asked for V2's key.
        let e = list.check_keys().unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        // A list whose keys are all good passes, whether or not decoded before.
        let ok = CredentialList::parse(
            list_text(&[("V1", good), ("V2", good)], 2).as_bytes(),
            "credentials.jsonl",
            "sogne-songdalen-2027",
            &FP,
            &roll,
            2,
        )
        .unwrap();
        assert!(ok.for_slot(v1).unwrap().is_ok());
        assert!(ok.check_keys().is_ok());
    }

    #[test]
    fn a_bad_list_is_refused_naming_its_line() {
        let (_, roll) = manifest_and_roll();
        let k = CredentialCode::generate(&mut OsRng).key(&FP, "V1").public();
        let cases: Vec<(String, &str)> = vec![
            (
                list_text(&[("V1", k), ("V1", k)], 2),
                "line 3: voter \"V1\" is listed twice",
            ),
            (list_text(&[("V2", k), ("V1", k)], 2), "sorted"),
            (
                list_text(&[("V1", k), ("V9", k)], 2),
                "line 3: voter \"V9\" is not on the roll",
            ),
            (
                list_text(&[("V1", Elem::from_point(&(G - G)))], 1),
                "other than the identity",
            ),
            (
                list_text(
                    &[(
                        "V1",
                        Elem(curve25519_dalek::ristretto::CompressedRistretto([0xff; 32])),
                    )],
                    1,
                ),
                "canonical",
            ),
            (list_text(&[("V1", k)], 2), "counts 2 voters"),
            (
                list_text(&[("V1", k)], 1).replace("sogne-songdalen-2027", "other"),
                "event \"other\"",
            ),
            (
                list_text(&[("V1", k)], 1).replace(&hex::encode(FP), &hex::encode([1u8; 32])),
                "fingerprint",
            ),
            (
                list_text(&[("V1", k)], 1).trim_end().to_string(),
                "not terminated",
            ),
            (String::new(), "empty"),
        ];
        for (text, want) in cases {
            let err = parse(&text, &roll).unwrap_err();
            assert_eq!(err.code(), "E-CREDENTIAL-LIST", "{err}");
            assert!(err.to_string().contains(want), "{err} lacks {want:?}");
        }
    }

    #[test]
    fn the_manifest_says_whether_credentials_are_used_and_none_is_the_default() {
        // The example event uses them; without the line, none.
        let text = include_str!("../examples/event/manifest.toml");
        let line = "\nvoter_credentials = \"urne\"\n";
        assert!(text.contains(line));
        let m = Manifest::parse(text, "manifest.toml").unwrap();
        assert_eq!(m.voter_credentials, Mode::Urne);
        assert!(m.voter_credentials.required());
        let without = text.replacen(line, "\n", 1);
        let m = Manifest::parse(&without, "manifest.toml").unwrap();
        assert_eq!(m.voter_credentials, Mode::None);
        assert!(!m.voter_credentials.required());
        let none = text.replacen(line, "\nvoter_credentials = \"none\"\n", 1);
        assert_eq!(
            Manifest::parse(&none, "manifest.toml")
                .unwrap()
                .voter_credentials,
            Mode::None
        );
        let bad = text.replacen(line, "\nvoter_credentials = \"yes\"\n", 1);
        let err = Manifest::parse(&bad, "manifest.toml").unwrap_err();
        assert_eq!(err.code(), "E-MANIFEST-SYNTAX");
        assert!(
            err.to_string().contains("voter_credentials") || err.to_string().contains("yes"),
            "{err}"
        );
    }

    #[test]
    fn a_changed_list_is_named_with_both_hashes() {
        let (_, roll) = manifest_and_roll();
        let issued = issue(&FP, &["V1"]);
        let mut out = Vec::new();
        write_list(&mut out, "sogne-songdalen-2027", &FP, &issued.public).unwrap();
        let list = parse(std::str::from_utf8(&out).unwrap(), &roll).unwrap();
        let err = list
            .check_hash("credentials.jsonl", &Digest32([1; 32]), "the box header")
            .unwrap_err();
        assert_eq!(err.code(), "E-CREDENTIAL-LIST-CHANGED");
        assert!(err.to_string().contains("the box header"), "{err}");
        assert!(list
            .check_hash("credentials.jsonl", &list.sha256, "the box header")
            .is_ok());
    }
}
