//! The e-vote count: counting rules, the homomorphic sum, partial decryptions
//! and their combination.
//!
//! Counting rules (DESIGN.md, "Counting rules"), applied to each ballot record
//! in box order; a record is rejected with the first rule it fails:
//!
//! | code | reason | rule |
//! |---|---|---|
//! | `EV-NOT-IN-ROLL` | `not_in_roll` | the voter is not in the roll for that referendum |
//! | `EV-OUTSIDE-WINDOW` | `outside_window` | cast before voting opened or after it closed |
//! | `EV-BAD-CREDENTIAL` | `bad_credential` | the event uses voter credentials and the record has no signature, the voter has no credential in the list, or the signature does not verify with the voter's key |
//! | `EV-INVALID-PROOF` | `invalid_proof` | the ballot has the wrong number of options, an element that does not decode, or a proof that does not verify (a line that does not parse at all stops the count: `E-BOX-MALFORMED`) |
//! | `EV-COPIED-BALLOT` | `copied_ballot` | its ciphertexts equal those of an earlier record |
//! | `EV-ALREADY-VOTED` | `already_voted_electronically` | policy `single`: the voter already has a counted e-vote |
//!
//! Under policy `last_counts`, a voter's later valid ballot counts and the
//! earlier one becomes *superseded*, which is not a rejection and has no code
//! (it is the `superseded` figure).
//!
//! Only the aggregate of the whole closed box per referendum and option is ever
//! decrypted, and every keyholder recomputes it from the sealed box itself.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ballot::{BallotContext, Encoding};
use crate::ballot_box::{self, BoxError, BoxHeader, ChainChecker, Line, LineChunk, LineReader};
use crate::credentials::{CredentialError, CredentialList, CredentialSignature};
use crate::crypto::dlog::{bounded_dlog, packed_counts, packed_counts_hold};
use crate::crypto::elgamal::Ciphertext;
use crate::crypto::encoding::{Digest32, Elem, PubScalar, Transcript};
use crate::crypto::proofs::{tag, BatchGroup, BatchVerifier, DleqProof};
use crate::crypto::shamir::{lagrange_at_zero, SecretShare};
use crate::error::Explain;
use crate::event::{EvotePolicy, Manifest, Roll};
use crate::keys::ElectionKey;

mod scratch;
pub use scratch::MarkedSpool;
use scratch::Scratch;

/// Why an e-vote record is not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    NotInRoll,
    OutsideWindow,
    BadCredential,
    InvalidProof,
    CopiedBallot,
    AlreadyVotedElectronically,
}

impl Rejection {
    /// Every reason, in the order the rules are applied.
    pub const ALL: [Rejection; 6] = [
        Rejection::NotInRoll,
        Rejection::OutsideWindow,
        Rejection::BadCredential,
        Rejection::InvalidProof,
        Rejection::CopiedBallot,
        Rejection::AlreadyVotedElectronically,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::NotInRoll => "EV-NOT-IN-ROLL",
            Rejection::OutsideWindow => "EV-OUTSIDE-WINDOW",
            Rejection::BadCredential => "EV-BAD-CREDENTIAL",
            Rejection::InvalidProof => "EV-INVALID-PROOF",
            Rejection::CopiedBallot => "EV-COPIED-BALLOT",
            Rejection::AlreadyVotedElectronically => "EV-ALREADY-VOTED",
        }
    }

    /// The reason with this file name, if there is one.
    pub fn from_name(name: &str) -> Option<Rejection> {
        Rejection::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The snake_case name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::NotInRoll => "not_in_roll",
            Rejection::OutsideWindow => "outside_window",
            Rejection::BadCredential => "bad_credential",
            Rejection::InvalidProof => "invalid_proof",
            Rejection::CopiedBallot => "copied_ballot",
            Rejection::AlreadyVotedElectronically => "already_voted_electronically",
        }
    }
}

/// The decision on one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Counted,
    Superseded,
    Rejected(Rejection),
}

/// What the rules need to know about one record, computed in parallel.
#[derive(Clone, Debug)]
pub struct RecordFacts {
    /// Index of the referendum in the manifest, if it names one.
    pub referendum: Option<usize>,
    /// The voter's slot on the roll of that referendum ([`Roll::slot`]);
    /// `None` if they are not on it.
    pub slot: Option<u32>,
    pub in_window: bool,
    /// The record is signed with its voter's credential (always true in an
    /// event without credentials).
    pub credential_ok: bool,
    pub proof_ok: bool,
    /// Digest of the ballot's ciphertexts (for copied-ballot detection).
    pub ciphertexts: [u8; 16],
}

impl RecordFacts {
    /// The first of the rules that look at this record alone that it fails
    /// (on the roll, in the window, its credential, its proofs), if any.
    pub fn own_rejection(&self) -> Option<Rejection> {
        match (self.referendum, self.slot) {
            (None, _) | (Some(_), None) => Some(Rejection::NotInRoll),
            _ if !self.in_window => Some(Rejection::OutsideWindow),
            _ if !self.credential_ok => Some(Rejection::BadCredential),
            _ if !self.proof_ok => Some(Rejection::InvalidProof),
            _ => None,
        }
    }

    /// True if it passes every rule about the record alone: it takes part in
    /// the copied-ballot rule and the voter's policy.
    pub fn eligible(&self) -> bool {
        self.own_rejection().is_none()
    }
}

/// No record yet, in [`RuleEngine`]'s per-slot table.
const NO_RECORD: u32 = u32::MAX;

/// Applies the counting rules in box order, once the copied ballots are
/// known ([`decide`] finds them). Pure: facts in, statuses out.
///
/// Memory: one byte a record (its status) and four a roll entry (the record
/// counted for it).
pub struct RuleEngine {
    policy: EvotePolicy,
    statuses: Vec<Status>,
    /// Per roll slot: the index of the record counted for it, or NO_RECORD.
    counted: Vec<u32>,
}

impl RuleEngine {
    /// A new engine for a policy.
    pub fn new(policy: EvotePolicy) -> Self {
        RuleEngine::with_slots(policy, 0)
    }

    /// A new engine, its table sized for a roll of `slots` entries.
    pub fn with_slots(policy: EvotePolicy, slots: usize) -> Self {
        RuleEngine {
            policy,
            statuses: Vec::new(),
            counted: vec![NO_RECORD; slots],
        }
    }

    /// Makes room for `records` statuses at once.
    pub fn reserve(&mut self, records: usize) {
        self.statuses.reserve_exact(records);
    }

    /// Decides the next record (index = number of records so far); `copied`
    /// says that an earlier eligible record has the same ciphertexts.
    ///
    /// # Panics
    /// After `u32::MAX - 1` records (a count refuses such a box first:
    /// [`TallyError::TooManyBallots`]).
    pub fn apply(&mut self, f: &RecordFacts, copied: bool) -> Status {
        let idx = u32::try_from(self.statuses.len())
            .ok()
            .filter(|&i| i != NO_RECORD)
            .expect("a box of fewer than 2^32 - 1 records");
        let status = match (f.own_rejection(), f.slot) {
            (Some(why), _) => Status::Rejected(why),
            (None, _) if copied => Status::Rejected(Rejection::CopiedBallot),
            (None, None) => Status::Rejected(Rejection::NotInRoll),
            (None, Some(slot)) => {
                let slot = slot as usize;
                if slot >= self.counted.len() {
                    self.counted.resize(slot + 1, NO_RECORD);
                }
                let earlier = self.counted[slot];
                match self.policy {
                    _ if earlier == NO_RECORD => {
                        self.counted[slot] = idx;
                        Status::Counted
                    }
                    EvotePolicy::Single => Status::Rejected(Rejection::AlreadyVotedElectronically),
                    EvotePolicy::LastCounts => {
                        self.statuses[earlier as usize] = Status::Superseded;
                        self.counted[slot] = idx;
                        Status::Counted
                    }
                }
            }
        };
        self.statuses.push(status);
        status
    }

    /// The decision on every record, in box order.
    pub fn finish(self) -> Vec<Status> {
        self.statuses
    }
}

/// Applies the counting rules to a box's records, given in box order, with a
/// roll of `slots` entries. Pure; the count does the same with its records
/// on disk ([`count_box`]).
pub fn decide(policy: EvotePolicy, slots: usize, facts: &[RecordFacts]) -> Vec<Status> {
    let mut pairs: Vec<([u8; 16], u32)> = (0u32..)
        .zip(facts)
        .filter(|(_, f)| f.eligible())
        .map(|(i, f)| (f.ciphertexts, i))
        .collect();
    let mut copies = Vec::new();
    scratch::later_copies(&mut pairs, &mut copies);
    let replayed = scratch::replay(policy, slots, facts.len(), copies, |apply| {
        facts.iter().for_each(apply);
        Ok::<(), std::convert::Infallible>(())
    });
    match replayed {
        Ok(statuses) => statuses,
        Err(never) => match never {},
    }
}

/// E-vote figures of one referendum.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvoteFigures {
    pub received: u64,
    pub counted: u64,
    pub superseded: u64,
    /// Every reason, zero included, keyed by its snake_case name.
    pub rejected: BTreeMap<String, u64>,
}

impl EvoteFigures {
    fn new() -> Self {
        EvoteFigures {
            rejected: Rejection::ALL
                .iter()
                .map(|r| (r.as_str().to_string(), 0))
                .collect(),
            ..Default::default()
        }
    }

    /// Total rejected.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// The result of reading and counting a closed box.
#[derive(Debug)]
pub struct BoxCount {
    pub header: BoxHeader,
    /// The head hash the seal signs.
    pub head: Digest32,
    pub ballots: u64,
    /// Per referendum (manifest order).
    pub figures: Vec<EvoteFigures>,
    /// Per referendum, per option: the sum of the counted ballots.
    pub aggregates: Vec<Vec<Ciphertext>>,
    /// The voters with a counted e-vote (the marked roll), in box order.
    pub marked: MarkedSpool,
    /// Records that failed a proof or their credential signature, with
    /// their line number (first 100).
    pub invalid_examples: Vec<(u64, Rejection)>,
    /// The credential list's hash the box header carries (events with
    /// credentials).
    pub credentials_sha256: Option<Digest32>,
    /// SHA-256 of the box file's bytes, as the count read them.
    pub sha256: Digest32,
    /// The decision on every ballot record, in box order (one byte each):
    /// what a ballot tracker reports ([`crate::ballot_box::tracker`]).
    pub statuses: Vec<Status>,
}

/// Why the count cannot proceed.
#[derive(Debug, thiserror::Error)]
pub enum TallyError {
    #[error(transparent)]
    Box(#[from] BoxError),
    #[error("{file}: the ballot box was made for another election (its fingerprint is not this election key's)")]
    OtherElection { file: String },
    #[error("{file}, line {line}: cast_at {value:?} is not an RFC 3339 time")]
    BadTime {
        file: String,
        line: u64,
        value: String,
    },
    #[error("the count's scratch files in {dir} could not be written or read: {source}")]
    Scratch { dir: String, source: std::io::Error },
    #[error("the box holds 4,294,967,294 ballots or more, more than urne can count")]
    TooManyBallots,
    #[error("only {valid} valid partial decryption(s); {threshold} keyholders are needed")]
    TooFewPartials { valid: usize, threshold: usize },
    #[error("{file}: keyholder {index}'s partial decryption was given twice")]
    DuplicatePartial { file: String, index: u32 },
    #[error("{file}: not a partial decryption file ({detail})")]
    MalformedPartial { file: String, detail: String },
    #[error("the decrypted count of {referendum} option {option} is not a number of votes between 0 and {max}")]
    NoCount {
        referendum: String,
        option: String,
        max: u64,
    },
    #[error(
        "the decrypted sum of {referendum} is not c₁ + 2^32·c₂ for any counts with c₁ + c₂ ≤ {max}"
    )]
    NoPackedCount { referendum: String, max: u64 },
    #[error(
        "the decrypted counts of {referendum} add up to {sum}, but {counted} ballots were counted"
    )]
    SumMismatch {
        referendum: String,
        sum: u64,
        counted: u64,
    },
    #[error("{file}: not a tally file ({detail})")]
    MalformedTally { file: String, detail: String },
    #[error(transparent)]
    Credentials(#[from] CredentialError),
}

impl Explain for TallyError {
    fn code(&self) -> &'static str {
        match self {
            TallyError::Box(e) => e.code(),
            TallyError::OtherElection { .. } => "E-BOX-OTHER-ELECTION",
            TallyError::BadTime { .. } => "E-BOX-MALFORMED",
            TallyError::Scratch { .. } => "E-FILE-WRITE",
            TallyError::TooManyBallots => "E-BOX-TOO-LARGE",
            TallyError::TooFewPartials { .. } => "E-TOO-FEW-SHARES",
            TallyError::DuplicatePartial { .. } => "E-SHARE-DUPLICATE",
            TallyError::MalformedPartial { .. } => "E-PARTIAL-MALFORMED",
            TallyError::NoCount { .. } | TallyError::NoPackedCount { .. } => "E-DECRYPT-NO-COUNT",
            TallyError::SumMismatch { .. } => "E-DECRYPT-SUM",
            TallyError::MalformedTally { .. } => "E-TALLY-MALFORMED",
            TallyError::Credentials(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            TallyError::Box(e) => e.hint(),
            TallyError::Credentials(e) => e.hint(),
            TallyError::Scratch { dir, .. } => Some(format!(
                "the count writes about 30 bytes a ballot, and the marked roll, to {dir}; free space there, or set TMPDIR to a directory with room"
            )),
            TallyError::TooFewPartials { .. } => Some(
                "bring more keyholders to the ceremony; each must bring their own share file"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Everything the count reads besides the box.
pub struct CountInputs<'a> {
    pub manifest: &'a Manifest,
    pub roll: &'a Roll,
    pub key: &'a ElectionKey,
    /// The published credential list, when the manifest uses credentials
    /// (the count refuses to run without it then).
    pub credentials: Option<&'a CredentialList>,
}

const CHUNK: usize = 4096;

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    crate::timestamp::parse(s).ok()
}

/// Ballots whose proofs are checked together in one multiscalar
/// multiplication (a random linear combination of all their equations). If the
/// combination fails, its halves are checked, and so on, so the bad ones are
/// still named.
const PROOF_GROUP: usize = 256;

/// Per-line work done in parallel in the first pass.
enum Checked {
    Ballot {
        seq: u64,
        prev: Digest32,
        hash: Digest32,
        facts: RecordFacts,
    },
    Seal {
        seal: ballot_box::SealRecord,
        hash: Digest32,
    },
}

/// A group of lines checked: each line's outcome, and the sum of the
/// ciphertexts of its ballots that pass the rules about the record alone,
/// per referendum and ciphertext (addition commutes: the first pass adds
/// one such sum a group, in any order).
struct GroupChecked {
    lines: Vec<Result<Checked, TallyError>>,
    sums: Vec<Vec<Ciphertext>>,
}

/// A ballot line parsed, with its proofs' equations gathered in its group's
/// [`BatchGroup`] but not checked.
struct Parsed {
    seq: u64,
    prev: Digest32,
    hash: Digest32,
    facts: RecordFacts,
    /// The group's batch of the ballot's proofs and where its decoded
    /// ciphertexts are in the group's, if it is eligible and its encodings
    /// decode; `None` means its proofs fail outright.
    pending: Option<(usize, std::ops::Range<usize>)>,
    /// Its credential signature's equation.
    signature: SignatureCheck,
}

/// Where a record's credential signature stands before the batch is checked.
pub(crate) enum SignatureCheck {
    /// The event uses no credentials, or the record is rejected before the
    /// signature matters (not on the roll, outside the window).
    NotNeeded,
    /// No signature, no credential for the voter, or `R` does not decode.
    Failed,
    /// Its equation, the batch of this index in the record's group, to be
    /// checked with the group's.
    Pending(usize),
}

/// Gathers the equation of a record's credential signature, or says why it
/// fails outright. `slot` is the voter's roll slot. The voter's listed key
/// is decoded here; a key that is no group element is the list's fault, not
/// the ballot's, and refuses the list (the error names its line).
pub(crate) fn signature_check(
    list: Option<&CredentialList>,
    slot: u32,
    ctx: &BallotContext<'_>,
    ballot: &crate::ballot::Ballot,
    signature: Option<&CredentialSignature>,
    group: &mut BatchGroup,
) -> Result<SignatureCheck, CredentialError> {
    let Some(list) = list else {
        return Ok(SignatureCheck::NotNeeded);
    };
    let Some(key) = list.for_slot(slot) else {
        return Ok(SignatureCheck::Failed);
    };
    let key = key?;
    let Some(sig) = signature else {
        return Ok(SignatureCheck::Failed);
    };
    // R and P_v.
    group.reserve(2);
    Ok(match sig.verify_into(&key, ctx, ballot, group.batch()) {
        Some(()) => SignatureCheck::Pending(group.close()),
        None => {
            group.discard();
            SignatureCheck::Failed
        }
    })
}

enum ParsedLine {
    Ballot(Parsed),
    Seal {
        seal: ballot_box::SealRecord,
        hash: Digest32,
    },
}

/// Parses a line; a ballot's equations go to `group` (one batch for its
/// proofs, one for its signature) and its decoded ciphertexts to `cts`.
fn parse_checked_line(
    inputs: &CountInputs<'_>,
    file: &str,
    line_no: u64,
    bytes: &[u8],
    group: &mut BatchGroup,
    cts: &mut Vec<Ciphertext>,
) -> Result<ParsedLine, TallyError> {
    let hash = ballot_box::line_hash(bytes);
    let rec = match ballot_box::parse_line(bytes, file, line_no)? {
        Line::Seal(seal) => return Ok(ParsedLine::Seal { seal, hash }),
        Line::Ballot(r) => r,
    };
    let cast_at = parse_time(&rec.cast_at).ok_or_else(|| TallyError::BadTime {
        file: file.into(),
        line: line_no,
        value: rec.cast_at.clone(),
    })?;
    let referendum = inputs.manifest.referendum_index(&rec.referendum);
    let slot = referendum.and_then(|r| inputs.roll.slot(r, &rec.voter));
    let in_window = inputs.manifest.in_voting_window(cast_at);
    let mut pending = None;
    let mut signature = SignatureCheck::NotNeeded;
    let mut digest = [0u8; 16];
    if let (Some(r), Some(slot), true) = (referendum, slot, in_window) {
        let n_options = inputs.manifest.referendums()[r].options.len();
        let ctx = BallotContext {
            fingerprint: &inputs.key.fingerprint,
            referendum: &rec.referendum,
            voter: &rec.voter,
        };
        signature = signature_check(
            inputs.credentials,
            slot,
            &ctx,
            &rec.ballot,
            rec.credential.as_ref(),
            group,
        )?;
        group.reserve(crate::ballot::Ballot::batch_points(n_options));
        let start = cts.len();
        match rec
            .ballot
            .verify_into(&inputs.key.key.elem, &ctx, n_options, group.batch(), cts)
        {
            Ok(()) => pending = Some((group.close(), start..cts.len())),
            Err(_) => group.discard(),
        }
        digest = ciphertext_digest(&rec.ballot);
    }
    Ok(ParsedLine::Ballot(Parsed {
        seq: rec.seq,
        prev: rec.prev,
        hash,
        facts: RecordFacts {
            referendum,
            slot,
            in_window,
            credential_ok: false,
            proof_ok: false,
            ciphertexts: digest,
        },
        pending,
        signature,
    }))
}

/// The digest of a ballot's ciphertexts that the copied-ballot rule compares
/// (SPEC §4.2): the first 16 bytes of
/// `H256("urne/v1/ballot-ciphertexts"; A_0, B_0, …)` over the encodings as stored.
/// The box's intake applies the same rule before appending.
pub fn ciphertext_digest(ballot: &crate::ballot::Ballot) -> [u8; 16] {
    let mut t = Transcript::sha256("urne/v1/ballot-ciphertexts");
    // The ballot's encodings where they are (`ciphertext_elems` would copy
    // them into a new vector first).
    match ballot {
        crate::ballot::Ballot::Packed(p) => {
            t.point(&p.a.0).point(&p.b.0);
        }
        crate::ballot::Ballot::OneHot(o) => {
            for x in &o.options {
                t.point(&x.a.0).point(&x.b.0);
            }
        }
    }
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&t.finish32()[..16]);
    digest
}

/// Zero ciphertexts, one a ciphertext of each referendum's ballots.
fn zero_sums(manifest: &Manifest) -> Vec<Vec<Ciphertext>> {
    manifest
        .referendums()
        .iter()
        .map(|r| {
            let k = r.options.len();
            vec![Ciphertext::zero(); Encoding::for_options(k).ciphertexts(k)]
        })
        .collect()
}

/// Checks a group of lines: parses each, then verifies all their proofs in one
/// batch; if it fails, halves of the group are checked, down to the ballots
/// that fail ([`BatchGroup::verify_each`]). Sums the ciphertexts of the
/// ballots that pass the rules about the record alone.
fn check_group(
    inputs: &CountInputs<'_>,
    file: &str,
    lines: &[ballot_box::LineRef<'_>],
) -> GroupChecked {
    // Each ballot's proofs and its signature are separate batches of the
    // group, so that a failure is told apart; all are checked in one
    // multiscalar multiplication while they hold. Room for a three-option
    // packed ballot and a signature a line; more grows the vectors.
    let mut group = BatchGroup::with_capacity(2 * lines.len(), 10 * lines.len());
    let mut cts = Vec::with_capacity(lines.len());
    let parsed: Vec<Result<ParsedLine, TallyError>> = lines
        .iter()
        .map(|l| parse_checked_line(inputs, file, l.line_no, l.bytes, &mut group, &mut cts))
        .collect();
    let verdicts = group.verify_each(&inputs.key.key.point);
    let mut sums = zero_sums(inputs.manifest);
    let lines = parsed
        .into_iter()
        .map(|p| {
            Ok(match p? {
                ParsedLine::Seal { seal, hash } => Checked::Seal { seal, hash },
                ParsedLine::Ballot(Parsed {
                    seq,
                    prev,
                    hash,
                    mut facts,
                    pending,
                    signature,
                }) => {
                    let held = |i: usize| verdicts.get(i).copied().unwrap_or(false);
                    let proved = pending.filter(|(i, _)| held(*i)).map(|(_, range)| range);
                    facts.credential_ok = match signature {
                        SignatureCheck::NotNeeded => true,
                        SignatureCheck::Failed => false,
                        SignatureCheck::Pending(i) => held(i),
                    };
                    facts.proof_ok = proved.is_some();
                    if let (None, Some(r), Some(range)) =
                        (facts.own_rejection(), facts.referendum, proved)
                    {
                        for (sum, ct) in sums[r].iter_mut().zip(&cts[range]) {
                            *sum += ct;
                        }
                    }
                    Checked::Ballot {
                        seq,
                        prev,
                        hash,
                        facts,
                    }
                }
            })
        })
        .collect();
    GroupChecked { lines, sums }
}

/// A chunk of box lines with the outcome of checking each, group by group.
type CheckedChunk = (LineChunk, Vec<GroupChecked>);

/// Checks every line of a chunk: groups of [`PROOF_GROUP`] lines on the
/// pool's threads.
fn check_chunk(inputs: &CountInputs<'_>, file: &str, chunk: &LineChunk) -> Vec<GroupChecked> {
    chunk
        .lines()
        .par_chunks(PROOF_GROUP)
        .map(|g| check_group(inputs, file, g))
        .collect()
}

/// What the first pass carries from one chunk of the box to the next.
struct FirstPass {
    chain: ChainChecker,
    scratch: Scratch,
    seal: Option<ballot_box::SealRecord>,
    ballots: u64,
    invalid_examples: Vec<(u64, Rejection)>,
    sums: Vec<Vec<Ciphertext>>,
}

impl FirstPass {
    /// Applies the chain and the seal to one checked chunk, in box order,
    /// writes each record's facts to the scratch files, and adds the sum of
    /// each group's ballots that pass the rules about the record alone to the
    /// sums (pass 2 takes out those that the later rules do not count). A
    /// group's sum is added once all its lines are applied; a line that
    /// fails ends the count, so the sums matter only when none does.
    fn apply(
        &mut self,
        file: &str,
        header: &ballot_box::BoxHeader,
        chunk: &LineChunk,
        checked: Vec<GroupChecked>,
    ) -> Result<(), TallyError> {
        let mut i = 0;
        for group in checked {
            for c in group.lines {
                let raw = chunk.line(i);
                i += 1;
                self.apply_line(file, header, raw.line_no, c)?;
            }
            for (sums, part) in self.sums.iter_mut().zip(group.sums) {
                for (sum, ct) in sums.iter_mut().zip(&part) {
                    *sum += ct;
                }
            }
        }
        Ok(())
    }

    /// Applies the chain and the seal to one checked line.
    fn apply_line(
        &mut self,
        file: &str,
        header: &ballot_box::BoxHeader,
        line_no: u64,
        checked: Result<Checked, TallyError>,
    ) -> Result<(), TallyError> {
        if self.seal.is_some() {
            return Err(BoxError::AfterSeal {
                file: file.into(),
                line: line_no,
            }
            .into());
        }
        match checked? {
            Checked::Ballot {
                seq,
                prev,
                hash,
                facts,
            } => {
                self.chain.step(line_no, seq, &prev, hash)?;
                self.scratch.push(&facts)?;
                self.ballots += 1;
                if let Some(why @ (Rejection::InvalidProof | Rejection::BadCredential)) =
                    facts.own_rejection()
                {
                    if self.invalid_examples.len() < 100 {
                        self.invalid_examples.push((line_no, why));
                    }
                }
            }
            Checked::Seal { seal: s, hash } => {
                let head = self.chain.head;
                self.chain.step(line_no, s.seq, &s.prev, hash)?;
                ballot_box::check_seal(file, header, &s, self.ballots, &head)?;
                self.chain.head = head;
                self.seal = Some(s);
            }
        }
        Ok(())
    }
}

/// Checks that a box header names the credential list the count was given,
/// and that there is one exactly when the manifest uses credentials
/// ([`crate::credentials::check_box_list`], as the intake checks it).
pub fn check_box_credentials(
    file: &str,
    header: &BoxHeader,
    inputs: &CountInputs<'_>,
) -> Result<(), TallyError> {
    Ok(crate::credentials::check_box_list(
        file,
        inputs.manifest.voter_credentials,
        inputs.credentials,
        header.credentials_sha256.as_ref(),
    )?)
}

/// Reads a closed box, checks its chain, seal and every ballot, applies the
/// counting rules and sums the counted ballots per referendum and option.
/// Streams the box twice (check and sum, then take out what the rules do not
/// count); what the rules need of each record, and the marked roll, go to
/// scratch files, so memory grows only with the roll (its digests and one
/// record index a roll entry) and by one byte a record.
/// `progress` is called with the number of lines done.
pub fn count_box(
    path: &Path,
    inputs: &CountInputs<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<BoxCount, TallyError> {
    let mut reader = LineReader::open(path)?;
    let file = reader.file().to_string();
    let (header, header_line) = ballot_box::read_header(&mut reader)?;
    if header.fingerprint.0 != inputs.key.fingerprint {
        return Err(TallyError::OtherElection { file });
    }
    check_box_credentials(&file, &header, inputs)?;
    let slots = inputs.roll.slots();
    let mut pass = FirstPass {
        chain: ChainChecker::new(&file, &header_line),
        scratch: Scratch::new(slots, std::fs::metadata(path).map_or(0, |m| m.len()))?,
        seal: None,
        ballots: 0,
        invalid_examples: Vec::new(),
        sums: zero_sums(inputs.manifest),
    };
    // A pipeline of three chunks in two buffers: while the pool checks chunk
    // n, one thread applies the chain to chunk n − 1 in box order and then
    // reads chunk n + 1 into its buffer (and helps the pool when done), so
    // that reading the file does not leave a core idle.
    let mut current = LineChunk::default();
    reader.next_chunk_into(CHUNK, &mut current)?;
    let mut done: Option<CheckedChunk> = None;
    loop {
        let ((applied, read), checked) = rayon::join(
            || {
                let mut next = LineChunk::default();
                let applied = match done.take() {
                    Some((chunk, checked)) => {
                        let r = pass.apply(&file, &header, &chunk, checked);
                        next = chunk;
                        r
                    }
                    None => Ok(()),
                };
                let read = match (&applied, current.is_empty()) {
                    (Ok(()), false) => reader.next_chunk_into(CHUNK, &mut next),
                    _ => Ok(()),
                };
                (applied, (read, next))
            },
            || check_chunk(inputs, &file, &current),
        );
        // An error in the chunk applied comes first: it is earlier in the box;
        // then one in the chunk just checked; then one in reading past it.
        applied?;
        progress(pass.ballots);
        if current.is_empty() {
            break;
        }
        let (read, next) = read;
        if let Err(e) = read {
            pass.apply(&file, &header, &current, checked)?;
            return Err(e.into());
        }
        done = Some((current, checked));
        current = next;
    }
    let FirstPass {
        chain,
        mut scratch,
        seal,
        ballots,
        invalid_examples,
        sums,
    } = pass;
    if seal.is_none() {
        return Err(BoxError::NotSealed { file }.into());
    }
    let sha256 = reader.sha256().ok_or_else(|| BoxError::Io {
        file: file.clone(),
        source: std::io::Error::other("the box was read without its hash"),
    })?;
    let statuses = scratch.decide(inputs.manifest.evote_policy, slots)?;
    let n_refs = inputs.manifest.referendums().len();
    let mut figures = vec![EvoteFigures::new(); n_refs];
    let mut i = 0;
    scratch.for_each_fact(|f| {
        let st = statuses[i];
        i += 1;
        // A record for a referendum not in the manifest is in no figure, only
        // in the box's ballot count (SPEC §4.4).
        let Some(r) = f.referendum else { return };
        let f = &mut figures[r];
        f.received += 1;
        match st {
            Status::Counted => f.counted += 1,
            Status::Superseded => f.superseded += 1,
            Status::Rejected(why) => *f.rejected.entry(why.as_str().into()).or_default() += 1,
        }
    })?;
    drop(scratch);
    // Pass 2: take out the ballots that were added in pass 1 but that the
    // copied-ballot rule or the voter's policy does not count (only these
    // lines are parsed in full), and write the marked roll (only the voter id
    // and referendum of each counted ballot).
    let (aggregates, marked) = second_pass(path, inputs.manifest, sums, &statuses)?;
    Ok(BoxCount {
        credentials_sha256: header.credentials_sha256,
        header,
        head: chain.head,
        ballots,
        figures,
        aggregates,
        marked,
        invalid_examples,
        sha256,
        statuses,
    })
}

/// What pass 2 takes from one line.
enum Second<'a> {
    /// The ciphertexts of a ballot added in pass 1 but not counted, to subtract.
    Subtract(usize, Vec<Ciphertext>),
    /// A counted ballot's voter and referendum, for the marked roll.
    Marked(usize, std::borrow::Cow<'a, str>),
}

/// Just the voter id and referendum of a ballot record (the rest is skipped
/// unparsed): how pass 2 reads a counted ballot's line that does not start
/// as urne writes it ([`ballot_box::canonical::voter_and_referendum`] reads
/// those).
#[derive(Deserialize)]
struct VoterOnly {
    voter: String,
    referendum: String,
}

/// Subtracts from `sums` the ciphertexts of every ballot that passed the rules
/// about the record alone but is not counted (superseded, a copy, or a second
/// e-vote under `single`), and writes the marked roll.
fn second_pass(
    path: &Path,
    manifest: &Manifest,
    mut sums: Vec<Vec<Ciphertext>>,
    statuses: &[Status],
) -> Result<(Vec<Vec<Ciphertext>>, MarkedSpool), TallyError> {
    let mut marked = MarkedSpool::new(manifest)?;
    // Pass 1 took the box's hash; this pass only needs its lines.
    let mut reader = LineReader::open_unhashed(path)?;
    let file = reader.file().to_string();
    ballot_box::read_header(&mut reader)?;
    let mut index = 0usize;
    let mut chunk = LineChunk::default();
    loop {
        reader.next_chunk_into(CHUNK, &mut chunk)?;
        if chunk.is_empty() {
            break;
        }
        let start = index;
        index += chunk.len();
        let parts: Vec<Second> = chunk
            .lines()
            .par_iter()
            .enumerate()
            .map(|(k, l)| -> Result<Option<Second>, TallyError> {
                let Some(&status) = statuses.get(start + k) else {
                    return Ok(None);
                };
                let changed = || BoxError::Malformed {
                    file: file.clone(),
                    line: l.line_no,
                    detail: "the box changed while it was being counted".into(),
                };
                match status {
                    Status::Counted => {
                        let (voter, referendum) =
                            match ballot_box::canonical::voter_and_referendum(l.bytes) {
                                Some((v, r)) => (v.into(), r.into()),
                                None => {
                                    let v: VoterOnly =
                                        serde_json::from_slice(l.bytes).map_err(|_| changed())?;
                                    (v.voter.into(), std::borrow::Cow::Owned(v.referendum))
                                }
                            };
                        let r = manifest.referendum_index(&referendum).ok_or_else(changed)?;
                        Ok(Some(Second::Marked(r, voter)))
                    }
                    Status::Superseded
                    | Status::Rejected(
                        Rejection::CopiedBallot | Rejection::AlreadyVotedElectronically,
                    ) => {
                        let Line::Ballot(rec) = ballot_box::parse_line(l.bytes, &file, l.line_no)?
                        else {
                            return Err(changed().into());
                        };
                        let r = manifest
                            .referendum_index(&rec.referendum)
                            .ok_or_else(changed)?;
                        // Its proofs held in pass 1, so its encodings decode.
                        let cts = rec.ballot.ciphertexts().map_err(|_| changed())?;
                        Ok(Some(Second::Subtract(r, cts)))
                    }
                    Status::Rejected(_) => Ok(None),
                }
            })
            .filter_map(Result::transpose)
            .collect::<Result<_, _>>()?;
        for part in parts {
            match part {
                Second::Subtract(r, cts) => {
                    for (sum, ct) in sums[r].iter_mut().zip(&cts) {
                        sum.a -= ct.a;
                        sum.b -= ct.b;
                    }
                }
                Second::Marked(r, v) => marked.push(r, &v)?,
            }
        }
    }
    marked.finish()?;
    Ok((sums, marked))
}

/// The format tag of a partial decryption file.
pub const PARTIAL_FORMAT: &str = "urne-partial/2";

/// One option's decryption share `D = s_i·A` with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptionShare {
    pub d: Elem,
    pub proof: DleqProof,
}

/// A keyholder's partial decryption of one referendum's aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialReferendum {
    pub referendum: String,
    /// One per option, in manifest order.
    pub shares: Vec<DecryptionShare>,
}

/// A keyholder's partial decryption (`urne-partial/1`).
///
/// ```text
/// D = s_i·A                     (A: the aggregate's first component)
/// c = H512("urne/v1/proof/partial-decryption"; fp, box_head, referendum, u64(option),
///          u64(i), G, K_i, A, D, a, b)
/// verifier:  s·G = a + c·K_i     s·A = b + c·D
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialDecryption {
    pub format: String,
    pub fingerprint: Digest32,
    /// The head hash of the sealed box whose aggregate was decrypted.
    pub box_head: Digest32,
    pub keyholder: u32,
    pub name: String,
    pub made_at: String,
    pub referendums: Vec<PartialReferendum>,
}

#[allow(clippy::too_many_arguments)]
fn partial_statement<'a>(
    fp: &'a [u8; 32],
    head: &'a Digest32,
    referendum: &'a str,
    option: u64,
    index: u32,
    vk: &'a Elem,
    a: &'a Elem,
    d: &'a Elem,
) -> impl Fn(&mut Transcript) + 'a {
    move |t: &mut Transcript| {
        t.bytes(fp)
            .bytes(&head.0)
            .str(referendum)
            .u64(option)
            .u64(u64::from(index))
            .point(&RISTRETTO_BASEPOINT_COMPRESSED)
            .point(&vk.0)
            .point(&a.0)
            .point(&d.0);
    }
}

/// Makes a keyholder's partial decryption of every aggregate of `count`, with
/// an opened (and already checked) share. Constant time in the share.
pub fn partial_decrypt<R: RngCore + CryptoRng>(
    key: &ElectionKey,
    manifest: &Manifest,
    count: &BoxCount,
    share: &SecretShare,
    made_at: String,
    rng: &mut R,
) -> PartialDecryption {
    let vk = Elem::from_point(&share.public());
    let referendums = manifest
        .referendums()
        .iter()
        .zip(&count.aggregates)
        .map(|(r, sums)| PartialReferendum {
            referendum: r.id.clone(),
            shares: sums
                .iter()
                .enumerate()
                .map(|(j, ct)| {
                    let a = Elem::from_point(&ct.a);
                    let d = Elem::from_point(&(share.value() * ct.a));
                    let st = partial_statement(
                        &key.fingerprint,
                        &count.head,
                        &r.id,
                        j as u64,
                        share.index(),
                        &vk,
                        &a,
                        &d,
                    );
                    let base = ct.a;
                    let proof = DleqProof::prove(
                        tag::PARTIAL_DECRYPTION,
                        &st,
                        share.value(),
                        &|w| w * base,
                        rng,
                    );
                    DecryptionShare { d, proof }
                })
                .collect(),
        })
        .collect();
    PartialDecryption {
        format: PARTIAL_FORMAT.into(),
        fingerprint: Digest32(key.fingerprint),
        box_head: count.head,
        keyholder: share.index(),
        name: key.keyholder_name(share.index()).unwrap_or("").into(),
        made_at,
        referendums,
    }
}

/// Why a partial decryption is set aside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAside {
    pub source: String,
    pub keyholder: u32,
    pub reason: String,
}

/// Checks a partial decryption against the aggregates recomputed from the box.
/// Returns the reason it is invalid, if it is.
pub fn check_partial(
    key: &ElectionKey,
    manifest: &Manifest,
    count: &BoxCount,
    p: &PartialDecryption,
) -> Result<Vec<Vec<RistrettoPoint>>, String> {
    if p.format != PARTIAL_FORMAT {
        return Err(format!("format {:?} is not {PARTIAL_FORMAT}", p.format));
    }
    if p.fingerprint.0 != key.fingerprint {
        return Err("it was made for another election".into());
    }
    if p.box_head != count.head {
        return Err("it was made from another ballot box (head hash differs)".into());
    }
    let vk = key
        .verification_key(p.keyholder)
        .ok_or_else(|| format!("keyholder {} is not in the election key", p.keyholder))?;
    let vk_elem = Elem::from_point(vk);
    let refs = manifest.referendums();
    if p.referendums.len() != refs.len() {
        return Err("it does not cover every referendum".into());
    }
    let mut out = Vec::with_capacity(refs.len());
    let mut batch = BatchVerifier::new();
    for ((r, pr), sums) in refs.iter().zip(&p.referendums).zip(&count.aggregates) {
        if pr.referendum != r.id || pr.shares.len() != sums.len() {
            return Err(format!("its part for {} does not match the manifest", r.id));
        }
        let mut ds = Vec::with_capacity(sums.len());
        for (j, (sh, ct)) in pr.shares.iter().zip(sums).enumerate() {
            let d =
                sh.d.decode()
                    .map_err(|e| format!("{} option {j}: decryption share {e}", r.id))?;
            let a = Elem::from_point(&ct.a);
            let st = partial_statement(
                &key.fingerprint,
                &count.head,
                &r.id,
                j as u64,
                p.keyholder,
                &vk_elem,
                &a,
                &sh.d,
            );
            let c = DleqProof::challenge(tag::PARTIAL_DECRYPTION, &st, &sh.proof.a, &sh.proof.b);
            let (cx, cy) = sh
                .proof
                .verify_into(c, crate::crypto::proofs::HBase::Point(ct.a), &mut batch)
                .ok_or_else(|| {
                    format!("{} option {j}: a proof commitment is not canonical", r.id)
                })?;
            batch.add(cx, *vk);
            batch.add(cy, d);
            ds.push(d);
        }
        out.push(ds);
    }
    if !batch.verify(&key.key.point) {
        return Err(
            "its decryption proofs do not verify (the share used is not this keyholder's)".into(),
        );
    }
    Ok(out)
}

/// A referendum's decrypted result for one option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionResult {
    pub option: String,
    pub votes: u64,
}

/// One ciphertext of a referendum's aggregate, as decrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateCiphertext {
    pub a: Elem,
    pub b: Elem,
}

impl AggregateCiphertext {
    fn of(ct: &Ciphertext) -> Self {
        AggregateCiphertext {
            a: Elem::from_point(&ct.a),
            b: Elem::from_point(&ct.b),
        }
    }
}

/// The outcome of combining partial decryptions.
#[derive(Clone, Debug)]
pub struct Combined {
    /// Keyholders whose partials were used, ascending.
    pub used: Vec<u32>,
    /// `λ_i` for each used keyholder.
    pub lagrange: Vec<(u32, Scalar)>,
    pub set_aside: Vec<SetAside>,
    /// Per referendum, per option.
    pub results: Vec<Vec<OptionResult>>,
    /// The valid partials, as given.
    pub partials: Vec<PartialDecryption>,
}

/// The valid partial decryptions, sorted by keyholder, with the Lagrange
/// coefficients for them and the decrypted aggregates
/// `B − Σ λ_i·D_i` per referendum and ciphertext.
struct Decrypted {
    used: Vec<u32>,
    lagrange: Vec<(u32, Scalar)>,
    set_aside: Vec<SetAside>,
    partials: Vec<PartialDecryption>,
    points: Vec<Vec<RistrettoPoint>>,
}

fn decrypt_aggregates(
    key: &ElectionKey,
    manifest: &Manifest,
    count: &BoxCount,
    partials: Vec<(String, PartialDecryption)>,
) -> Result<Decrypted, TallyError> {
    let mut valid: Vec<(PartialDecryption, Vec<Vec<RistrettoPoint>>)> = Vec::new();
    let mut set_aside = Vec::new();
    let mut seen = HashSet::new();
    for (source, p) in partials {
        if !seen.insert(p.keyholder) {
            return Err(TallyError::DuplicatePartial {
                file: source,
                index: p.keyholder,
            });
        }
        match check_partial(key, manifest, count, &p) {
            Ok(ds) => valid.push((p, ds)),
            Err(reason) => set_aside.push(SetAside {
                source,
                keyholder: p.keyholder,
                reason,
            }),
        }
    }
    let t = key.threshold();
    if valid.len() < t {
        return Err(TallyError::TooFewPartials {
            valid: valid.len(),
            threshold: t,
        });
    }
    valid.sort_by_key(|(p, _)| p.keyholder);
    let used: Vec<u32> = valid.iter().map(|(p, _)| p.keyholder).collect();
    let lagrange: Vec<(u32, Scalar)> = used
        .iter()
        .map(|&i| (i, lagrange_at_zero(&used, i)))
        .collect();
    let points = count
        .aggregates
        .iter()
        .enumerate()
        .map(|(r_idx, cts)| {
            cts.iter()
                .enumerate()
                .map(|(j, ct)| {
                    let sd: RistrettoPoint = valid
                        .iter()
                        .zip(&lagrange)
                        .map(|((_, ds), (_, l))| l * ds[r_idx][j])
                        .sum();
                    ct.b - sd
                })
                .collect()
        })
        .collect();
    Ok(Decrypted {
        used,
        lagrange,
        set_aside,
        partials: valid.into_iter().map(|(p, _)| p).collect(),
        points,
    })
}

/// Combines partial decryptions: each is checked against the recomputed
/// aggregates; invalid ones are set aside and named; the valid ones (at least
/// `t`) are combined with Lagrange coefficients at 0, and the counts recovered
/// from each decrypted aggregate (docs/SPEC.md §4.7):
///
/// ```text
/// S = indices of valid partials,  λ_i = Π_{j∈S, j≠i} j/(j − i)
/// X = B − Σ_{i∈S} λ_i·D_i
/// one-hot: X_j = m_j·G, 0 ≤ m_j ≤ counted         (a bounded discrete log each)
/// packed:  X = (c₁ + M·c₂)·G, c₁ + c₂ ≤ counted, c₀ = counted − c₁ − c₂
/// ```
pub fn combine(
    key: &ElectionKey,
    manifest: &Manifest,
    count: &BoxCount,
    partials: Vec<(String, PartialDecryption)>,
) -> Result<Combined, TallyError> {
    let d = decrypt_aggregates(key, manifest, count, partials)?;
    let mut results = Vec::new();
    for (r_idx, r) in manifest.referendums().iter().enumerate() {
        let counted = count.figures[r_idx].counted;
        let points = &d.points[r_idx];
        let k = r.options.len();
        let votes: Vec<u64> = match Encoding::for_options(k) {
            Encoding::Packed => {
                packed_counts(&points[0], counted, k).ok_or_else(|| TallyError::NoPackedCount {
                    referendum: r.id.clone(),
                    max: counted,
                })?
            }
            Encoding::OneHot => points
                .iter()
                .enumerate()
                .map(|(j, x)| {
                    bounded_dlog(x, counted).ok_or_else(|| TallyError::NoCount {
                        referendum: r.id.clone(),
                        option: r.options[j].clone(),
                        max: counted,
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let sum: u64 = votes.iter().sum();
        if sum != counted {
            return Err(TallyError::SumMismatch {
                referendum: r.id.clone(),
                sum,
                counted,
            });
        }
        results.push(
            r.options
                .iter()
                .zip(votes)
                .map(|(o, votes)| OptionResult {
                    option: o.clone(),
                    votes,
                })
                .collect(),
        );
    }
    Ok(Combined {
        used: d.used,
        lagrange: d.lagrange,
        set_aside: d.set_aside,
        results,
        partials: d.partials,
    })
}

/// Checks a tally file's counts against its own partial decryptions and the
/// aggregates recomputed from the box, with one multiplication each and no
/// search (docs/SPEC.md, V-COUNTS). Returns the number of options compared,
/// or the item and the reason of the first that does not hold.
pub fn check_counts(
    key: &ElectionKey,
    manifest: &Manifest,
    count: &BoxCount,
    tally: &TallyFile,
) -> Result<u64, (String, String)> {
    let sources = tally
        .partial_decryptions
        .iter()
        .map(|p| (format!("keyholder {}", p.keyholder), p.clone()))
        .collect();
    let d = decrypt_aggregates(key, manifest, count, sources)
        .map_err(|e| ("tally.json".to_string(), e.to_string()))?;
    let mut n = 0;
    for (r_idx, r) in manifest.referendums().iter().enumerate() {
        let counted = count.figures[r_idx].counted;
        let item = || format!("referendum {}", r.id);
        let Some(t) = tally.referendums.iter().find(|x| x.id == r.id) else {
            return Err((item(), "the tally has no counts for it".into()));
        };
        let k = r.options.len();
        if t.results.len() != k {
            return Err((
                item(),
                format!("the tally has {} counts for {k} options", t.results.len()),
            ));
        }
        n += k as u64;
        let votes: Vec<u64> = t.results.iter().map(|x| x.votes).collect();
        let points = &d.points[r_idx];
        match Encoding::for_options(k) {
            Encoding::Packed => {
                if !packed_counts_hold(&points[0], counted, &votes) {
                    return Err((
                        item(),
                        format!(
                            "the counts {votes:?} do not add up to the {counted} counted ballots or do not decrypt from the aggregate (c₁ + 2^32·c₂)"
                        ),
                    ));
                }
            }
            Encoding::OneHot => {
                let total = votes.iter().try_fold(0u64, |a, &v| a.checked_add(v));
                if total != Some(counted) {
                    return Err((
                        item(),
                        format!(
                            "the counts {votes:?} do not add up to the {counted} counted ballots"
                        ),
                    ));
                }
                for ((x, &v), o) in points.iter().zip(&votes).zip(&r.options) {
                    if RistrettoPoint::mul_base(&Scalar::from(v)) != *x {
                        return Err((
                            format!("referendum {}, option {o}", r.id),
                            format!("{v} votes do not decrypt from the aggregate"),
                        ));
                    }
                }
            }
        }
    }
    Ok(n)
}

/// The format tag of the tally file.
pub const TALLY_FORMAT: &str = "urne-tally/2";

/// A hashed input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputHash {
    pub name: String,
    pub sha256: String,
}

/// One referendum in the tally file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyReferendum {
    pub id: String,
    pub entitled: u64,
    pub evotes: EvoteFigures,
    /// The ballots' encoding, which the number of options fixes.
    pub encoding: Encoding,
    /// The aggregate that was decrypted: one ciphertext per option
    /// (one-hot), or one (packed).
    pub aggregate: Vec<AggregateCiphertext>,
    pub results: Vec<OptionResult>,
}

/// λ_i as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LagrangeEntry {
    pub keyholder: u32,
    pub coefficient: PubScalar,
}

/// The tally file (`urne-tally/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyFile {
    pub format: String,
    pub event: String,
    pub fingerprint: Digest32,
    pub policy: EvotePolicy,
    pub computed_at: String,
    pub box_head: Digest32,
    pub box_ballots: u64,
    /// SHA-256 of the voter credential list every counted ballot is signed
    /// against (events with credentials; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_sha256: Option<Digest32>,
    pub inputs: Vec<InputHash>,
    pub keyholders_used: Vec<u32>,
    pub lagrange: Vec<LagrangeEntry>,
    pub set_aside: Vec<SetAside>,
    pub referendums: Vec<TallyReferendum>,
    pub partial_decryptions: Vec<PartialDecryption>,
}

impl TallyFile {
    /// Assembles the tally file.
    pub fn new(
        manifest: &Manifest,
        roll: &Roll,
        key: &ElectionKey,
        count: &BoxCount,
        combined: Combined,
        inputs: Vec<InputHash>,
        computed_at: String,
    ) -> TallyFile {
        TallyFile {
            format: TALLY_FORMAT.into(),
            event: key.file.event.clone(),
            fingerprint: Digest32(key.fingerprint),
            policy: manifest.evote_policy,
            computed_at,
            box_head: count.head,
            box_ballots: count.ballots,
            credentials_sha256: count.credentials_sha256,
            inputs,
            keyholders_used: combined.used,
            lagrange: combined
                .lagrange
                .iter()
                .map(|(i, l)| LagrangeEntry {
                    keyholder: *i,
                    coefficient: PubScalar(*l),
                })
                .collect(),
            set_aside: combined.set_aside,
            referendums: manifest
                .referendums()
                .iter()
                .zip(&count.figures)
                .zip(&count.aggregates)
                .zip(combined.results)
                .map(|(((r, f), agg), results)| TallyReferendum {
                    id: r.id.clone(),
                    entitled: roll.entitled(&r.id) as u64,
                    evotes: f.clone(),
                    encoding: Encoding::for_options(r.options.len()),
                    aggregate: agg.iter().map(AggregateCiphertext::of).collect(),
                    results,
                })
                .collect(),
            partial_decryptions: combined.partials,
        }
    }

    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parses a tally file.
    pub fn from_json(text: &str, file: &str) -> Result<TallyFile, TallyError> {
        let t: TallyFile = serde_json::from_str(text).map_err(|e| TallyError::MalformedTally {
            file: file.into(),
            detail: e.to_string(),
        })?;
        if t.format != TALLY_FORMAT {
            return Err(TallyError::MalformedTally {
                file: file.into(),
                detail: format!("format {:?} is not {TALLY_FORMAT}", t.format),
            });
        }
        Ok(t)
    }
}

/// Parses a partial decryption file.
pub fn parse_partial(text: &str, file: &str) -> Result<PartialDecryption, TallyError> {
    serde_json::from_str(text).map_err(|e| TallyError::MalformedPartial {
        file: file.into(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts of a valid ballot; voter `a` is slot 0 in referendum 0 and
    /// slot 10 in referendum 1, voter `b` is slot 1 and 11.
    fn facts(voter: &str, r: Option<usize>, digest: u8) -> RecordFacts {
        let slot = u32::from(voter.as_bytes()[0] - b'a') + if r == Some(1) { 10 } else { 0 };
        RecordFacts {
            referendum: r,
            slot: Some(slot),
            in_window: true,
            proof_ok: true,
            credential_ok: true,
            ciphertexts: [digest; 16],
        }
    }

    #[test]
    fn rules_apply_in_order_and_the_first_failing_one_is_given() {
        let mut e = RuleEngine::new(EvotePolicy::Single);
        let mut f = facts("a", Some(0), 1);
        f.slot = None;
        f.in_window = false;
        f.proof_ok = false;
        assert_eq!(e.apply(&f, true), Status::Rejected(Rejection::NotInRoll));
        let mut f = facts("a", Some(0), 2);
        f.in_window = false;
        f.proof_ok = false;
        assert_eq!(
            e.apply(&f, true),
            Status::Rejected(Rejection::OutsideWindow)
        );
        let mut f = facts("a", Some(0), 3);
        f.proof_ok = false;
        assert_eq!(e.apply(&f, true), Status::Rejected(Rejection::InvalidProof));
        assert_eq!(
            e.apply(&facts("a", None, 4), false),
            Status::Rejected(Rejection::NotInRoll)
        );
        assert_eq!(
            e.apply(&facts("a", Some(0), 5), true),
            Status::Rejected(Rejection::CopiedBallot)
        );
    }

    #[test]
    fn single_policy_keeps_the_first_and_rejects_later_ones() {
        let mut e = RuleEngine::new(EvotePolicy::Single);
        assert_eq!(e.apply(&facts("a", Some(0), 1), false), Status::Counted);
        assert_eq!(
            e.apply(&facts("a", Some(0), 2), false),
            Status::Rejected(Rejection::AlreadyVotedElectronically)
        );
        // The same voter in another referendum is a different vote.
        assert_eq!(e.apply(&facts("a", Some(1), 3), false), Status::Counted);
        assert_eq!(e.finish()[0], Status::Counted);
    }

    #[test]
    fn last_counts_supersedes_earlier_ballots() {
        let mut e = RuleEngine::new(EvotePolicy::LastCounts);
        e.apply(&facts("a", Some(0), 1), false);
        e.apply(&facts("b", Some(0), 2), false);
        e.apply(&facts("a", Some(0), 3), false);
        e.apply(&facts("a", Some(0), 4), false);
        assert_eq!(
            e.finish(),
            [
                Status::Superseded,
                Status::Counted,
                Status::Superseded,
                Status::Counted
            ]
        );
    }

    #[test]
    fn an_invalid_re_vote_does_not_supersede_a_valid_one() {
        let mut e = RuleEngine::new(EvotePolicy::LastCounts);
        e.apply(&facts("a", Some(0), 1), false);
        let mut bad = facts("a", Some(0), 2);
        bad.proof_ok = false;
        e.apply(&bad, false);
        let st = e.finish();
        assert_eq!(st[0], Status::Counted);
        assert_eq!(st[1], Status::Rejected(Rejection::InvalidProof));
    }

    #[test]
    fn a_copied_ciphertext_is_rejected_and_the_original_kept() {
        // b's copy of a's ballot neither counts nor supersedes b's own
        // earlier one; a's later ballot supersedes a's first.
        let st = decide(
            EvotePolicy::LastCounts,
            0,
            &[
                facts("b", Some(0), 6),
                facts("a", Some(0), 7),
                facts("b", Some(0), 7),
                facts("a", Some(0), 8),
            ],
        );
        assert_eq!(
            st,
            [
                Status::Counted,
                Status::Superseded,
                Status::Rejected(Rejection::CopiedBallot),
                Status::Counted
            ]
        );
    }

    /// One record for [`reference`]: referendum, voter (both `None` when not
    /// known / not on the roll), in the window, proof holds, ciphertexts.
    type Plain = (Option<usize>, Option<u32>, bool, bool, u8);

    /// The rules as DESIGN.md states them, written the plain way: a list of
    /// the accepted ciphertexts and a map from (referendum, voter) to the
    /// record counted for them.
    fn reference(policy: EvotePolicy, records: &[Plain]) -> Vec<Status> {
        let mut out: Vec<Status> = Vec::new();
        let mut accepted: Vec<u8> = Vec::new();
        let mut counted: std::collections::HashMap<(usize, u32), usize> = Default::default();
        for (i, &(r, voter, in_window, proof_ok, ct)) in records.iter().enumerate() {
            let st = match (r, voter) {
                (Some(r), Some(v)) if in_window && proof_ok => {
                    if accepted.contains(&ct) {
                        Status::Rejected(Rejection::CopiedBallot)
                    } else {
                        accepted.push(ct);
                        match (policy, counted.get(&(r, v)).copied()) {
                            (EvotePolicy::Single, Some(_)) => {
                                Status::Rejected(Rejection::AlreadyVotedElectronically)
                            }
                            (EvotePolicy::LastCounts, Some(earlier)) => {
                                out[earlier] = Status::Superseded;
                                counted.insert((r, v), i);
                                Status::Counted
                            }
                            (_, None) => {
                                counted.insert((r, v), i);
                                Status::Counted
                            }
                        }
                    }
                }
                (Some(_), Some(_)) if !in_window => Status::Rejected(Rejection::OutsideWindow),
                (Some(_), Some(_)) => Status::Rejected(Rejection::InvalidProof),
                _ => Status::Rejected(Rejection::NotInRoll),
            };
            out.push(st);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn the_engine_decides_as_the_plain_statement_of_the_rules(
            records in proptest::collection::vec(
                (
                    proptest::option::weighted(0.95, 0usize..2),
                    proptest::option::weighted(0.9, 0u32..4),
                    proptest::bool::weighted(0.9),
                    proptest::bool::weighted(0.9),
                    0u8..12,
                ),
                0..60,
            ),
            last_counts in proptest::bool::ANY,
        ) {
            let policy = if last_counts { EvotePolicy::LastCounts } else { EvotePolicy::Single };
            // Voter v of referendum r has slot 4r + v; the engine starts
            // without a table, so it also grows it.
            let facts: Vec<RecordFacts> = records
                .iter()
                .map(|&(r, v, in_window, proof_ok, ct)| RecordFacts {
                    referendum: r,
                    slot: r.zip(v).map(|(r, v)| 4 * u32::from(r == 1) + v),
                    in_window,
                    proof_ok,
                    credential_ok: true,
                    ciphertexts: [ct; 16],
                })
                .collect();
            let expected = reference(policy, &records);
            proptest::prop_assert_eq!(&decide(policy, 0, &facts), &expected);
            // The count's way, through scratch files: three copy buckets, so
            // that copies meet only within their bucket; the facts as read
            // back are the facts written.
            let mut scratch = Scratch::with_buckets(3).unwrap();
            for f in &facts {
                scratch.push(f).unwrap();
            }
            proptest::prop_assert_eq!(&scratch.decide(policy, 8).unwrap(), &expected);
            let mut back = Vec::new();
            scratch.for_each_fact(|f| back.push((f.referendum, f.slot, f.in_window, f.proof_ok))).unwrap();
            let written: Vec<_> = facts.iter().map(|f| (f.referendum, f.slot, f.in_window, f.proof_ok)).collect();
            proptest::prop_assert_eq!(back, written);
        }
    }
}
