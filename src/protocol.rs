//! The counting protocol (*valgprotokoll*), one per referendum: canonical JSON,
//! a printable HTML rendering, and the leadership group's Ed25519 signatures.
//!
//! The protocol is built from values (the manifest, the tally, the postal trial
//! and count, the ceremony log); nothing here reads files. Its JSON is
//! *canonical*: the compact serde serialization of [`Protocol`] in field order,
//! with no floating-point numbers (percentages are decimal strings), written as
//! the file's exact bytes with no trailing newline. Signatures cover those bytes
//! (docs/SPEC.md, "The protocol"):
//!
//! ```text
//! digest    = SHA-256(protocol file bytes)
//! message   = H256("urne/v2/protocol-signature"; digest, signer name, signed_at, log_head)
//! signature = Ed25519(signer key, message)
//! ```
//!
//! `log_head` is the ceremony log's head when the member signs (before their
//! `protocol-sign` entry is appended), so each signature also covers every
//! log entry before it (docs/SPEC.md, "V-CEREMONY-LOG").
//!
//! ```text
//! ```

use std::collections::BTreeMap;

use ring::signature::{self, Ed25519KeyPair, KeyPair as _};
use serde::{Deserialize, Serialize};

use crate::ceremony_log::Entry;
use crate::crypto::encoding::{from_b64, sha256, to_b64, Digest32, Elem, Transcript};
use crate::error::Explain;
use crate::event::Manifest;
use crate::postal::{CountFile, ReferendumCount, Settled, TrialFigures, TrialFile};
use crate::tally::{EvoteFigures, InputHash, TallyFile};

pub(crate) mod render;
pub use render::render_html;

/// The protocol format.
pub const PROTOCOL_FORMAT: &str = "urne-protocol/1";
/// The signatures file format.
pub const SIGNATURES_FORMAT: &str = "urne-protocol-signatures/2";
/// A signer's public key file format.
pub const SIGNER_FORMAT: &str = "urne-signer/1";
/// The `kind` of a sealed signer key.
pub const SIGNER_KEY_KIND: &str = "signer-key";

/// One option's result, split by channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultLine {
    pub option: String,
    pub electronic: u64,
    pub postal: u64,
    pub total: u64,
    /// Share of all votes for an option, in percent with one decimal ("48.3").
    pub percent: String,
}

/// The figures a reader looks for first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFigures {
    pub entitled: u64,
    /// Counted e-votes plus postal ballots counted (blank and invalid included).
    pub votes_cast: u64,
    /// Votes for an option (counted e-votes plus postal votes for an option).
    pub votes_counted: u64,
    /// Roll marks over entitled voters, in percent with one decimal.
    pub turnout_percent: String,
    pub results: Vec<ResultLine>,
}

/// Voters marked in the roll as having voted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollMarks {
    /// Voters with a counted e-vote.
    pub electronic: u64,
    /// Voters with an approved postal vote.
    pub postal: u64,
    pub total: u64,
}

/// Postal envelopes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelopes {
    pub received: u64,
    pub approved: u64,
    pub rejected_total: u64,
    /// Every reason, zero included.
    pub rejected: BTreeMap<String, u64>,
}

/// An encrypted sum that was decrypted: an option's (one-hot), or the one
/// ciphertext of a packed referendum, named by all its options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedSum {
    pub option: String,
    pub a: Elem,
    pub b: Elem,
}

/// A keyholder who took part in the decryption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyholderTookPart {
    pub index: u32,
    pub name: String,
}

/// What the result rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub election_fingerprint: Digest32,
    pub box_head: Digest32,
    pub box_ballots: u64,
    pub encrypted_sums: Vec<EncryptedSum>,
    pub keyholders: Vec<KeyholderTookPart>,
    /// SHA-256 of each file the protocol rests on.
    pub files: Vec<InputHash>,
    /// Whether the event uses voter credentials (`none`: the box operator
    /// is trusted not to stuff ballots).
    pub voter_credentials: crate::credentials::Mode,
    /// SHA-256 of the voter credential list the counted ballots are signed
    /// against (events with credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_sha256: Option<Digest32>,
    /// The ceremony log's head hash when the protocol was made.
    pub ceremony_log_head: Digest32,
}

/// A member of the leadership group and their signing key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leader {
    pub name: String,
    /// Ed25519 public key, base64; empty if the member has no key registered.
    pub public_key: String,
}

/// The protocol of one referendum (`urne-protocol/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub format: String,
    pub event: String,
    pub title: String,
    pub authority: String,
    pub is_test: bool,
    pub referendum: String,
    pub area: String,
    pub question: String,
    pub options: Vec<String>,
    pub created_at: String,
    pub key_figures: KeyFigures,
    pub roll_marks: RollMarks,
    pub envelopes: Envelopes,
    pub evotes: EvoteFigures,
    pub postal_count: ReferendumCount,
    pub results: Vec<ResultLine>,
    pub evidence: Evidence,
    pub leadership: Vec<Leader>,
    pub ceremony_log: Vec<Entry>,
}

/// Why a protocol cannot be made, or does not hold.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{what} is for event {found:?}, but the manifest is for {expected:?}")]
    OtherEvent {
        what: &'static str,
        found: String,
        expected: String,
    },
    #[error("{what} has no figures for referendum {referendum}")]
    Missing {
        what: &'static str,
        referendum: String,
    },
    #[error("referendum {referendum}: {rule}")]
    Inconsistent { referendum: String, rule: String },
    #[error("{file}: not a protocol file ({detail})")]
    Malformed { file: String, detail: String },
    #[error("{name} is not in the manifest's leadership group")]
    NotInLeadership { name: String },
    #[error("signing failed")]
    Signing,
}

impl Explain for ProtocolError {
    fn code(&self) -> &'static str {
        match self {
            ProtocolError::OtherEvent { .. } => "E-PROTOCOL-OTHER-EVENT",
            ProtocolError::Missing { .. } => "E-PROTOCOL-MISSING",
            ProtocolError::Inconsistent { .. } => "E-PROTOCOL-FIGURES",
            ProtocolError::Malformed { .. } => "E-PROTOCOL-MALFORMED",
            ProtocolError::NotInLeadership { .. } => "E-SIGNER-UNKNOWN",
            ProtocolError::Signing => "E-INTERNAL",
        }
    }
    fn hint(&self) -> Option<String> {
        match self {
            ProtocolError::NotInLeadership { .. } => {
                Some("the manifest's `leadership` list names who signs protocols".into())
            }
            ProtocolError::Missing { .. } => {
                Some("run `urne unlock`, `urne postal trial` and `urne postal count` first".into())
            }
            _ => None,
        }
    }
}

/// `n / d` in percent with one decimal, rounded half up, by integers only.
pub fn percent(n: u64, d: u64) -> String {
    if d == 0 {
        return "0.0".into();
    }
    let tenths = (u128::from(n) * 1000 + u128::from(d) / 2) / u128::from(d);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Everything a protocol is made from.
pub struct Inputs<'a> {
    pub manifest: &'a Manifest,
    pub tally: &'a TallyFile,
    pub trial: &'a TrialFile,
    pub count: &'a CountFile,
    pub log: &'a [Entry],
    pub log_head: Digest32,
    /// SHA-256 of the files the protocol rests on.
    pub files: Vec<InputHash>,
    pub leadership: Vec<Leader>,
    pub created_at: String,
}

/// Builds the protocol of every referendum (manifest order), checking that the
/// figures add up.
pub fn build(inp: &Inputs) -> Result<Vec<Protocol>, ProtocolError> {
    let m = inp.manifest;
    if m.voter_credentials.required() != inp.tally.credentials_sha256.is_some() {
        return Err(ProtocolError::Inconsistent {
            referendum: m
                .referendums()
                .first()
                .map(|r| r.id.clone())
                .unwrap_or_default(),
            rule: format!(
                "the manifest says voter_credentials = {:?}, but the tally {} a credential list",
                m.voter_credentials.as_str(),
                if inp.tally.credentials_sha256.is_some() {
                    "names"
                } else {
                    "names no"
                }
            ),
        });
    }
    for (what, found) in [
        ("the tally", &inp.tally.event),
        ("the postal trial", &inp.trial.event),
        ("the postal count", &inp.count.event),
    ] {
        if *found != m.event {
            return Err(ProtocolError::OtherEvent {
                what,
                found: found.clone(),
                expected: m.event.clone(),
            });
        }
    }
    let mut out = Vec::new();
    for r in m.referendums() {
        let missing = |what| ProtocolError::Missing {
            what,
            referendum: r.id.clone(),
        };
        let t = inp
            .tally
            .referendums
            .iter()
            .find(|x| x.id == r.id)
            .ok_or_else(|| missing("the tally"))?;
        let tr: &TrialFigures = inp
            .trial
            .referendums
            .iter()
            .find(|x| x.referendum == r.id)
            .ok_or_else(|| missing("the postal trial"))?;
        let pc = inp
            .count
            .referendums
            .iter()
            .find(|x| x.referendum == r.id)
            .ok_or_else(|| missing("the postal count"))?;
        let bad = |rule: String| ProtocolError::Inconsistent {
            referendum: r.id.clone(),
            rule,
        };
        let max = crate::postal::MAX_FIGURE;
        let too_big = t.results.iter().any(|x| x.votes > max)
            || [
                t.entitled,
                t.evotes.received,
                t.evotes.counted,
                t.evotes.superseded,
            ]
            .iter()
            .chain(t.evotes.rejected.values())
            .chain([tr.received, tr.approved].iter())
            .chain(tr.rejected.values())
            .chain(pc.figures.iter())
            .chain([pc.ballots, pc.envelopes_approved].iter())
            .any(|x| *x > max);
        if too_big {
            return Err(bad("a figure is larger than any count can be".into()));
        }
        if pc.envelopes_approved != tr.approved {
            return Err(bad(format!(
                "the postal count was reconciled against {} approved envelopes, but the trial approved {}",
                pc.envelopes_approved, tr.approved
            )));
        }
        if t.results.len() != r.options.len() {
            return Err(bad("the tally's options differ from the manifest's".into()));
        }
        let mut results = Vec::new();
        for (opt, res) in r.options.iter().zip(&t.results) {
            if res.option != *opt {
                return Err(bad(format!(
                    "the tally has option {:?} where the manifest has {opt:?}",
                    res.option
                )));
            }
            let postal = pc.figure(opt);
            results.push(ResultLine {
                option: opt.clone(),
                electronic: res.votes,
                postal,
                total: res.votes + postal,
                percent: String::new(),
            });
        }
        let votes_counted: u64 = results.iter().map(|x| x.total).sum();
        for x in &mut results {
            x.percent = percent(x.total, votes_counted);
        }
        let e_counted: u64 = t.results.iter().map(|x| x.votes).sum();
        if e_counted != t.evotes.counted {
            return Err(bad(format!(
                "the decrypted e-votes sum to {e_counted}, but {} e-votes were counted",
                t.evotes.counted
            )));
        }
        let roll_marks = RollMarks {
            electronic: t.evotes.counted,
            postal: tr.approved,
            total: t.evotes.counted + tr.approved,
        };
        let votes_cast = t.evotes.counted + pc.ballots;
        let entitled = t.entitled;
        let key_figures = KeyFigures {
            entitled,
            votes_cast,
            votes_counted,
            turnout_percent: percent(roll_marks.total, entitled),
            results: results.clone(),
        };
        // One entry per ciphertext of the tally's aggregate: per option
        // (one-hot), or one for all options (packed), named "Ja / Nei / Blank".
        let names: Vec<String> = if t.aggregate.len() == r.options.len() {
            r.options.clone()
        } else {
            vec![r.options.join(" / ")]
        };
        let encrypted_sums = t
            .aggregate
            .iter()
            .zip(names)
            .map(|(x, option)| EncryptedSum {
                option,
                a: x.a,
                b: x.b,
            })
            .collect();
        let keyholders = inp
            .tally
            .keyholders_used
            .iter()
            .map(|i| KeyholderTookPart {
                index: *i,
                name: usize::try_from(*i)
                    .ok()
                    .and_then(|i| m.keyholders.get(i.wrapping_sub(1)))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let p = Protocol {
            format: PROTOCOL_FORMAT.into(),
            event: m.event.clone(),
            title: m.title.clone(),
            authority: m.authority.clone(),
            is_test: m.is_test,
            referendum: r.id.clone(),
            area: r.area.clone(),
            question: r.question.clone(),
            options: r.options.clone(),
            created_at: inp.created_at.clone(),
            key_figures,
            roll_marks,
            envelopes: Envelopes {
                received: tr.received,
                approved: tr.approved,
                rejected_total: tr.rejected_total(),
                rejected: tr.rejected.clone(),
            },
            evotes: t.evotes.clone(),
            postal_count: pc.clone(),
            results,
            evidence: Evidence {
                election_fingerprint: inp.tally.fingerprint,
                box_head: inp.tally.box_head,
                box_ballots: inp.tally.box_ballots,
                encrypted_sums,
                keyholders,
                files: inp.files.clone(),
                voter_credentials: m.voter_credentials,
                credentials_sha256: inp.tally.credentials_sha256,
                ceremony_log_head: inp.log_head,
            },
            leadership: inp.leadership.clone(),
            ceremony_log: inp.log.to_vec(),
        };
        check_figures(&p).map_err(bad)?;
        out.push(p);
    }
    Ok(out)
}

/// Every figure of a protocol, for the range check.
fn all_figures(p: &Protocol) -> Vec<u64> {
    let mut v = vec![
        p.key_figures.entitled,
        p.key_figures.votes_cast,
        p.key_figures.votes_counted,
        p.roll_marks.electronic,
        p.roll_marks.postal,
        p.roll_marks.total,
        p.envelopes.received,
        p.envelopes.approved,
        p.envelopes.rejected_total,
        p.evotes.received,
        p.evotes.counted,
        p.evotes.superseded,
        p.postal_count.ballots,
        p.postal_count.envelopes_approved,
        p.evidence.box_ballots,
    ];
    v.extend(p.envelopes.rejected.values());
    v.extend(p.evotes.rejected.values());
    v.extend(&p.postal_count.figures);
    for x in p.results.iter().chain(&p.key_figures.results) {
        v.extend([x.electronic, x.postal, x.total]);
    }
    v
}

/// The arithmetic every protocol must satisfy; returns the first rule broken.
pub fn check_figures(p: &Protocol) -> Result<(), String> {
    if let Some(f) = all_figures(p)
        .into_iter()
        .find(|f| *f > crate::postal::MAX_FIGURE)
    {
        return Err(format!("the figure {f} is larger than any count can be"));
    }
    let env = &p.envelopes;
    if env.approved + env.rejected_total != env.received {
        return Err(format!(
            "envelopes: approved {} + rejected {} ≠ received {}",
            env.approved, env.rejected_total, env.received
        ));
    }
    if env.rejected.values().sum::<u64>() != env.rejected_total {
        return Err("envelopes: the rejections by reason do not add up".into());
    }
    let ev = &p.evotes;
    if ev.counted + ev.superseded + ev.rejected_total() != ev.received {
        return Err(format!(
            "e-votes: counted {} + superseded {} + rejected {} ≠ received {}",
            ev.counted,
            ev.superseded,
            ev.rejected_total(),
            ev.received
        ));
    }
    for x in &p.results {
        if x.electronic + x.postal != x.total {
            return Err(format!(
                "{}: electronic {} + postal {} ≠ total {}",
                x.option, x.electronic, x.postal, x.total
            ));
        }
    }
    let e: u64 = p.results.iter().map(|x| x.electronic).sum();
    if e != ev.counted {
        return Err(format!(
            "electronic votes per option sum to {e}, but {} e-votes were counted",
            ev.counted
        ));
    }
    let rm = &p.roll_marks;
    if rm.electronic != ev.counted
        || rm.postal != env.approved
        || rm.total != rm.electronic + rm.postal
    {
        return Err(format!(
            "roll marks {} ≠ counted e-votes {} + approved postal votes {}",
            rm.total, ev.counted, env.approved
        ));
    }
    let pc = &p.postal_count;
    if pc.ballots != pc.figures.iter().sum::<u64>() {
        return Err("postal ballots do not equal the sum of their categories".into());
    }
    if pc.envelopes_approved != env.approved {
        return Err("the postal count's approved envelopes differ from the trial's".into());
    }
    match pc.deviation {
        None if pc.ballots != env.approved => {
            return Err(format!(
                "{} postal ballots but {} approved envelopes, with no recorded deviation",
                pc.ballots, env.approved
            ))
        }
        Some(d) if i128::from(d) != i128::from(pc.ballots) - i128::from(env.approved) => {
            return Err("the recorded postal deviation is not ballots − envelopes".into())
        }
        _ => {}
    }
    for x in &p.results {
        if x.postal != pc.figure(&x.option) {
            return Err(format!(
                "{}: postal {} is not the count's final figure {}",
                x.option,
                x.postal,
                pc.figure(&x.option)
            ));
        }
    }
    let counted: u64 = p.results.iter().map(|x| x.total).sum();
    let kf = &p.key_figures;
    if kf.votes_counted != counted
        || kf.votes_cast != ev.counted + pc.ballots
        || kf.results != p.results
        || kf.turnout_percent != percent(rm.total, kf.entitled)
    {
        return Err("the key figures do not match the figures below them".into());
    }
    for x in &p.results {
        if x.percent != percent(x.total, counted) {
            return Err(format!(
                "{}: the percentage is not total / counted",
                x.option
            ));
        }
    }
    if pc.settled != Settled::NoBallots && pc.rounds.len() < 2 {
        return Err("the postal ballots were not counted twice".into());
    }
    Ok(())
}

/// The protocol's canonical bytes (the file's exact content).
pub fn canonical(p: &Protocol) -> Vec<u8> {
    // Serializing plain structs with string keys cannot fail.
    serde_json::to_vec(p).unwrap_or_default()
}

/// Parses a protocol file and checks that its bytes are canonical.
pub fn parse(bytes: &[u8], file: &str) -> Result<Protocol, ProtocolError> {
    let p: Protocol = serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed {
        file: file.into(),
        detail: e.to_string(),
    })?;
    if p.format != PROTOCOL_FORMAT {
        return Err(ProtocolError::Malformed {
            file: file.into(),
            detail: format!("format {:?}, this urne reads {PROTOCOL_FORMAT}", p.format),
        });
    }
    if canonical(&p) != bytes {
        return Err(ProtocolError::Malformed {
            file: file.into(),
            detail: "its bytes are not the canonical form (re-serialized, it differs)".into(),
        });
    }
    Ok(p)
}

/// The leadership group as every protocol lists it: each manifest
/// `leadership` name, in manifest order, with the key the manifest pins for
/// it in `[leadership_keys]`, or `""` if it pins none (that member cannot
/// sign).
pub fn leaders(m: &Manifest) -> Vec<Leader> {
    m.leadership
        .iter()
        .map(|name| Leader {
            name: name.clone(),
            public_key: m.leadership_keys.get(name).cloned().unwrap_or_default(),
        })
        .collect()
}

/// The file stem under which a leadership member's signer key is kept:
/// `signers/<stem>.key` and `signers/<stem>.pub.json`. Their name in lower
/// case, each run of characters that are not letters or digits turned into
/// one `-`, with none at either end ("Kari Nordmann (leder)" →
/// `kari-nordmann-leder`).
pub fn signer_file_stem(name: &str) -> String {
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A signer's public key file (`urne-signer/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerPublic {
    pub format: String,
    pub event: String,
    pub name: String,
    pub public_key: String,
    pub created_at: String,
}

/// A leadership member's signing key pair, opened from its sealed file.
pub struct SignerKey(Ed25519KeyPair);

impl SignerKey {
    /// A new key pair with its PKCS#8 bytes (to be sealed at once).
    pub fn generate() -> Result<(Self, zeroize::Zeroizing<Vec<u8>>), ProtocolError> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| ProtocolError::Signing)?;
        let bytes = zeroize::Zeroizing::new(pkcs8.as_ref().to_vec());
        Ok((Self::from_pkcs8(&bytes)?, bytes))
    }

    /// Reads a PKCS#8 key.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, ProtocolError> {
        Ed25519KeyPair::from_pkcs8(bytes)
            .map(SignerKey)
            .map_err(|_| ProtocolError::Signing)
    }

    /// The public key in base64.
    pub fn public_b64(&self) -> String {
        to_b64(self.0.public_key().as_ref())
    }
}

/// One signature on a protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub name: String,
    pub public_key: String,
    pub signed_at: String,
    /// The ceremony log's head hash when this signature was made (before
    /// its own `protocol-sign` entry); bound into the signed message.
    pub log_head: Digest32,
    pub signature: String,
}

/// The signatures on one protocol (`urne-protocol-signatures/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub format: String,
    pub referendum: String,
    /// SHA-256 of the protocol file when the last signature was added.
    pub protocol_sha256: String,
    pub signatures: Vec<Signature>,
}

/// The message a signer signs.
pub fn signature_message(
    protocol_bytes: &[u8],
    name: &str,
    signed_at: &str,
    log_head: &Digest32,
) -> [u8; 32] {
    let mut t = Transcript::sha256("urne/v2/protocol-signature");
    t.bytes(&sha256(protocol_bytes))
        .str(name)
        .str(signed_at)
        .bytes(&log_head.0);
    t.finish32()
}

/// Signs a protocol as `name`; refuses a name not in the leadership group or a
/// key other than the one the protocol lists for that name.
pub fn sign(
    p: &Protocol,
    protocol_bytes: &[u8],
    name: &str,
    key: &SignerKey,
    signed_at: &str,
    log_head: Digest32,
) -> Result<Signature, SignatureProblem> {
    let public_key = key.public_b64();
    match p.leadership.iter().find(|l| l.name == name) {
        None => return Err(SignatureProblem::NotInLeadership { name: name.into() }),
        Some(l) if l.public_key != public_key => {
            return Err(SignatureProblem::KeyNotListed { name: name.into() })
        }
        Some(_) => {}
    }
    let msg = signature_message(protocol_bytes, name, signed_at, &log_head);
    Ok(Signature {
        name: name.into(),
        public_key,
        signed_at: signed_at.into(),
        log_head,
        signature: to_b64(key.0.sign(&msg).as_ref()),
    })
}

/// Why a signature does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureProblem {
    #[error("{name} is not in the leadership group")]
    NotInLeadership { name: String },
    #[error("{name}'s signature is by a key that is not the one the protocol lists for {name}")]
    KeyNotListed { name: String },
    #[error("{name}'s signature does not match the protocol: it was changed after {name} signed, or the signature was altered")]
    Broken { name: String },
    #[error("{name} signed twice")]
    Duplicate { name: String },
}

impl Explain for SignatureProblem {
    fn code(&self) -> &'static str {
        match self {
            SignatureProblem::NotInLeadership { .. } => "V-SIGNER-UNKNOWN",
            SignatureProblem::KeyNotListed { .. } => "V-SIGNER-KEY",
            SignatureProblem::Broken { .. } => "V-SIGNATURE",
            SignatureProblem::Duplicate { .. } => "V-SIGNATURE-DUPLICATE",
        }
    }
    fn hint(&self) -> Option<String> {
        match self {
            SignatureProblem::Broken { .. } => Some(
                "compare the protocol with the signed copy; a changed protocol must be signed again".into(),
            ),
            _ => None,
        }
    }
}

/// Checks one signature against the protocol's bytes and leadership list.
pub fn check_signature(
    p: &Protocol,
    protocol_bytes: &[u8],
    s: &Signature,
) -> Result<(), SignatureProblem> {
    let Some(l) = p.leadership.iter().find(|l| l.name == s.name) else {
        return Err(SignatureProblem::NotInLeadership {
            name: s.name.clone(),
        });
    };
    if l.public_key != s.public_key || l.public_key.is_empty() {
        return Err(SignatureProblem::KeyNotListed {
            name: s.name.clone(),
        });
    }
    let broken = || SignatureProblem::Broken {
        name: s.name.clone(),
    };
    let key = from_b64(&s.public_key).map_err(|_| broken())?;
    let sig = from_b64(&s.signature).map_err(|_| broken())?;
    let msg = signature_message(protocol_bytes, &s.name, &s.signed_at, &s.log_head);
    signature::UnparsedPublicKey::new(&signature::ED25519, key)
        .verify(&msg, &sig)
        .map_err(|_| broken())
}

/// Checks every signature; returns per signature its outcome, in file order.
pub fn check_signatures(
    p: &Protocol,
    protocol_bytes: &[u8],
    sigs: &SignatureFile,
) -> Vec<(String, Result<(), SignatureProblem>)> {
    let mut seen = std::collections::HashSet::new();
    sigs.signatures
        .iter()
        .map(|s| {
            let r = if seen.insert(s.name.clone()) {
                check_signature(p, protocol_bytes, s)
            } else {
                Err(SignatureProblem::Duplicate {
                    name: s.name.clone(),
                })
            };
            (s.name.clone(), r)
        })
        .collect()
}

/// The members of `p`'s leadership group, in list order, whose name is not
/// among `signed` (the names of the signatures found).
pub fn unsigned_members<'a>(p: &'a Protocol, signed: &[&str]) -> Vec<&'a str> {
    p.leadership
        .iter()
        .map(|l| l.name.as_str())
        .filter(|name| !signed.contains(name))
        .collect()
}

/// True if every member of the leadership group has a valid signature.
pub fn fully_signed(p: &Protocol, protocol_bytes: &[u8], sigs: &SignatureFile) -> bool {
    let ok: Vec<String> = check_signatures(p, protocol_bytes, sigs)
        .into_iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(n, _)| n)
        .collect();
    let ok: Vec<&str> = ok.iter().map(String::as_str).collect();
    !p.leadership.is_empty() && unsigned_members(p, &ok).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_with_integers() {
        assert_eq!(percent(1, 3), "33.3");
        assert_eq!(percent(2, 3), "66.7");
        assert_eq!(percent(1, 8), "12.5");
        assert_eq!(percent(1, 16), "6.3");
        assert_eq!(percent(0, 0), "0.0");
        assert_eq!(percent(5, 5), "100.0");
    }

    #[test]
    fn a_signer_file_stem_is_the_name_in_lower_case_with_single_dashes() {
        assert_eq!(
            signer_file_stem("Kari Nordmann (leder)"),
            "kari-nordmann-leder"
        );
        assert_eq!(signer_file_stem("  Åse  Øvrebø-Berg "), "åse-øvrebø-berg");
        assert_eq!(signer_file_stem("--"), "");
    }
}
