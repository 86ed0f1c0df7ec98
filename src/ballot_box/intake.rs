//! Taking ballots into an open box: one writer at a time (a lock file), the
//! counting rules checked against the box's [state](super::state) before a
//! ballot is appended, lines appended and synced before anyone is told they
//! are in, and a line torn by a crash cut back, never silently.
//!
//! ```text
//! open:   lock <box>.lock → cut a torn last line → state from <box>.state,
//!         checked against the box (length, last line, head hash), the
//!         records after it taken in; or rebuilt from the whole box, streamed
//! cast:   check each ballot alone (roll, window, proofs; in parallel, proofs
//!         in batches) → in order, the copy and policy rules against the state
//!         → one write of every accepted line, fdatasync → receipts
//!         (a failed write is cut back and the state changes undone)
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use time::OffsetDateTime;

use super::state::{Basis, FileStore, MemStore, Mode, Position, State, Store};
use super::{
    line_hash, parse_line, seal_message, BallotRecord, BoxError, BoxHeader, BoxSigningKey, Line,
    RecordKind, SealRecord,
};
use crate::ballot::{Ballot, BallotContext};
use crate::credentials::{CredentialError, CredentialList, CredentialSignature};
use crate::crypto::elgamal::Ciphertext;
use crate::crypto::encoding::{to_b64, Digest32};
use crate::crypto::proofs::BatchGroup;
use crate::error::Explain;
use crate::event::{Manifest, Roll};
use crate::keys::ElectionKey;
use crate::tally::{
    ciphertext_digest, signature_check, RecordFacts, Rejection, SignatureCheck, Status,
};

/// What a box's intake reads besides the box: the rules' inputs.
pub struct Inputs {
    pub manifest: Manifest,
    pub roll: Roll,
    pub key: ElectionKey,
    /// SHA-256 of the manifest file's bytes.
    pub manifest_sha256: [u8; 32],
    /// SHA-256 of the roll file's bytes.
    pub roll_sha256: [u8; 32],
    /// The published credential list, when the manifest uses credentials.
    pub credentials: Option<CredentialList>,
}

impl Inputs {
    /// The basis a state made from these inputs has.
    pub fn basis(&self) -> Basis {
        Basis {
            fingerprint: self.key.fingerprint,
            manifest_sha256: self.manifest_sha256,
            roll_sha256: self.roll_sha256,
            slots: self.roll.slots() as u64,
            policy: self.manifest.evote_policy,
        }
    }
}

/// Why the intake cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Box(#[from] BoxError),
    #[error("{file}: another urne process is writing to this box (urne box serve, box cast); a box has one writer at a time")]
    Locked { file: String },
    #[error("{file}: the box state could not be read or written: {source}")]
    State { file: String, source: io::Error },
    #[error("{file}: the box was made for another election")]
    OtherElection { file: String },
    #[error("{file}: the box holds 4,294,967,294 ballots; it takes no more")]
    Full { file: String },
    #[error(transparent)]
    Credentials(#[from] CredentialError),
}

impl Explain for IntakeError {
    fn code(&self) -> &'static str {
        match self {
            IntakeError::Box(e) => e.code(),
            IntakeError::Locked { .. } => "E-BOX-LOCKED",
            IntakeError::State { .. } => "E-BOX-STATE",
            IntakeError::OtherElection { .. } => "E-BOX-OTHER-ELECTION",
            IntakeError::Full { .. } => "E-BOX-TOO-LARGE",
            IntakeError::Credentials(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            IntakeError::Box(e) => e.hint(),
            IntakeError::Credentials(e) => e.hint(),
            IntakeError::Locked { .. } => Some(
                "stop the other writer first (a box serve is stopped with Ctrl-C), then try again"
                    .into(),
            ),
            IntakeError::State { file, .. } => Some(format!(
                "{file} is derived from the box; it may be deleted, and is rebuilt on the next start"
            )),
            _ => None,
        }
    }
}

/// Refuses a box whose header does not name the credential list the intake
/// was given (a list changed after the box opened), or a list given or
/// named against the manifest's `voter_credentials`: the count's check,
/// [`crate::credentials::check_box_list`], so that what the intake takes the
/// count does not refuse.
fn check_credentials(
    box_path: &Path,
    header: &BoxHeader,
    inputs: &Inputs,
) -> Result<(), IntakeError> {
    // Every key of the list, once, before any ballot is taken: a list with a
    // key that is no group element is refused when the box opens, not
    // ballot by ballot (and before its hash, so the error names the line).
    if let Some(list) = &inputs.credentials {
        list.check_keys()?;
    }
    Ok(crate::credentials::check_box_list(
        &box_path.display().to_string(),
        inputs.manifest.voter_credentials,
        inputs.credentials.as_ref(),
        header.credentials_sha256.as_ref(),
    )?)
}

/// The path of the lock file beside a box.
pub fn lock_path(box_path: &Path) -> PathBuf {
    with_suffix(box_path, ".lock")
}

/// The path of the state file beside a box.
pub fn state_path(box_path: &Path) -> PathBuf {
    with_suffix(box_path, ".state")
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> BoxError + '_ {
    move |e| BoxError::Io {
        file: path.display().to_string(),
        source: e,
    }
}

fn state_err(path: &Path) -> impl Fn(io::Error) -> IntakeError + '_ {
    move |e| IntakeError::State {
        file: path.display().to_string(),
        source: e,
    }
}

/// The exclusive lock on a box: held while the process writes to it, released
/// when dropped or when the process ends, however it ends.
#[derive(Debug)]
pub struct BoxLock {
    _file: File,
}

impl BoxLock {
    /// Takes the lock on `box_path` (the file `<box>.lock`), or fails at once
    /// if another process holds it.
    pub fn take(box_path: &Path) -> Result<BoxLock, IntakeError> {
        let path = lock_path(box_path);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(IntakeError::Locked {
                    file: box_path.display().to_string(),
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e).into()),
        }
        // Who holds it, for people; nothing reads it back.
        let _ = file.set_len(0);
        let _ = writeln!(file, "{}", std::process::id());
        Ok(BoxLock { _file: file })
    }
}

/// A torn last line that was cut off the box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The box's length after the cut (where the torn line started).
    pub at: u64,
    /// How many bytes were cut.
    pub bytes: u64,
    /// SHA-256 (hex) of the bytes cut.
    pub sha256: String,
}

/// If the box does not end with `\n`, its last line was torn by a crash
/// during an append (a line is acknowledged only once it and its `\n` are
/// synced, so that line was never acknowledged): cuts the box back to the end
/// of the last whole line and syncs it. Returns what was cut, for the
/// ceremony log. Call with the box locked.
pub fn cut_torn_tail(path: &Path) -> Result<Option<Cut>, BoxError> {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err(path))?;
    let len = f.metadata().map_err(io_err(path))?.len();
    if len == 0 {
        return Err(BoxError::Empty {
            file: path.display().to_string(),
        });
    }
    let mut last = [0u8; 1];
    f.seek(SeekFrom::Start(len - 1)).map_err(io_err(path))?;
    f.read_exact(&mut last).map_err(io_err(path))?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    // Back to the last `\n`, a block at a time.
    let mut end = len;
    let mut keep = 0u64;
    'search: while end > 0 {
        let start = end.saturating_sub(64 * 1024);
        let mut buf = vec![0u8; usize::try_from(end - start).unwrap_or(0)];
        f.seek(SeekFrom::Start(start)).map_err(io_err(path))?;
        f.read_exact(&mut buf).map_err(io_err(path))?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            keep = start + i as u64 + 1;
            break 'search;
        }
        end = start;
    }
    if keep == 0 {
        // Not even the header is whole: nothing here was ever a box.
        return Err(BoxError::Malformed {
            file: path.display().to_string(),
            line: 1,
            detail: "the header line is not terminated".into(),
        });
    }
    let mut cut = Vec::new();
    f.seek(SeekFrom::Start(keep)).map_err(io_err(path))?;
    f.read_to_end(&mut cut).map_err(io_err(path))?;
    f.set_len(keep).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))?;
    Ok(Some(Cut {
        at: keep,
        bytes: cut.len() as u64,
        sha256: crate::fsio::sha256_hex(&cut),
    }))
}

/// Appends lines to a box: each call is one `write` of whole lines on a file
/// opened for appending, then `fdatasync`; if either fails the box is cut
/// back to where it was, so no half line is left behind.
#[derive(Debug)]
pub struct BoxWriter {
    path: PathBuf,
    file: File,
    pos: Position,
}

impl BoxWriter {
    /// Opens for appending at a known position (checked by the caller).
    fn at(path: &Path, pos: Position) -> Result<BoxWriter, BoxError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        Ok(BoxWriter {
            path: path.to_path_buf(),
            file,
            pos,
        })
    }

    /// Starts a new box with its header (refused if one exists and not
    /// `force`) and opens it for appending. The caller holds the lock.
    pub fn create(path: &Path, header: &BoxHeader, force: bool) -> Result<BoxWriter, BoxError> {
        super::init(path, header, force)?;
        let line = serde_json::to_vec(header).unwrap_or_default();
        BoxWriter::at(
            path,
            Position {
                len: line.len() as u64 + 1,
                ballots: 0,
                head: line_hash(&line),
                last_start: 0,
                sealed: false,
            },
        )
    }

    /// Where the box stands.
    pub fn position(&self) -> Position {
        self.pos
    }

    /// Appends whole lines (given without `\n`) and syncs them. `ballots`
    /// says how many of them are ballot records (the rest: a seal).
    fn append(&mut self, lines: &[Vec<u8>], ballots: u64) -> Result<(), BoxError> {
        let Some(last) = lines.last() else {
            return Ok(());
        };
        let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in lines {
            buf.extend_from_slice(l);
            buf.push(b'\n');
        }
        let written = self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // Nothing of a failed append may stay: cut back to the last line
            // that was there. If even that fails, the next opening cuts the
            // torn line (and logs it).
            let _ = self
                .file
                .set_len(self.pos.len)
                .and_then(|()| self.file.sync_data());
            return Err(io_err(&self.path)(e));
        }
        let new_len = self.pos.len + buf.len() as u64;
        self.pos = Position {
            len: new_len,
            ballots: self.pos.ballots + ballots,
            head: line_hash(last),
            last_start: new_len - last.len() as u64 - 1,
            sealed: self.pos.sealed,
        };
        Ok(())
    }

    /// Appends ballot records as given, with `seq` and `prev` filled in, in
    /// one write and one sync (the simulator's path, which writes bad ballots
    /// on purpose; the intake checks before it calls this). Returns each
    /// line's hash.
    pub fn append_records(
        &mut self,
        records: impl IntoIterator<Item = BallotRecord>,
    ) -> Result<Vec<Digest32>, BoxError> {
        if self.pos.sealed {
            return Err(BoxError::AlreadySealed {
                file: self.path.display().to_string(),
            });
        }
        let mut seq = self.pos.ballots;
        let mut prev = self.pos.head;
        let mut lines = Vec::new();
        let mut hashes = Vec::new();
        for mut rec in records {
            seq += 1;
            rec.seq = seq;
            rec.prev = prev;
            let line = serde_json::to_vec(&rec).unwrap_or_default();
            prev = line_hash(&line);
            hashes.push(prev);
            lines.push(line);
        }
        self.append(&lines, lines.len() as u64)?;
        Ok(hashes)
    }

    /// Closes the box with a signed seal (SPEC "Ballot box").
    pub fn seal(
        &mut self,
        header: &BoxHeader,
        key: &BoxSigningKey,
        closed_at: &str,
    ) -> Result<SealRecord, BoxError> {
        if self.pos.sealed {
            return Err(BoxError::AlreadySealed {
                file: self.path.display().to_string(),
            });
        }
        let msg = seal_message(header, self.pos.ballots, &self.pos.head, closed_at);
        let seal = SealRecord {
            record: RecordKind::Seal,
            seq: self.pos.ballots + 1,
            prev: self.pos.head,
            ballots: self.pos.ballots,
            closed_at: closed_at.into(),
            signature: to_b64(key.0.sign(&msg).as_ref()),
        };
        let line = serde_json::to_vec(&seal).unwrap_or_default();
        let head = self.pos.head;
        self.append(&[line], 0)?;
        // The head stays the last ballot's: the seal closes it.
        self.pos.head = head;
        self.pos.sealed = true;
        Ok(seal)
    }
}

/// A ballot offered to the box.
#[derive(Clone, Debug)]
pub struct Offer {
    pub voter: String,
    pub referendum: String,
    /// RFC 3339.
    pub cast_at: String,
    pub ballot: Ballot,
    /// The voter's credential signature (events with credentials).
    pub credential: Option<CredentialSignature>,
}

/// What the rules about a record alone found, with its proofs checked.
#[derive(Clone, Debug)]
pub struct Checked {
    pub facts: RecordFacts,
}

/// Ballots whose proofs are checked in one multiscalar multiplication.
const PROOF_GROUP: usize = 64;

/// One record as the rules about it alone see it: voter, referendum, time
/// of casting, ballot and credential signature.
type Item<'a> = (
    &'a str,
    &'a str,
    Option<OffsetDateTime>,
    &'a Ballot,
    Option<&'a CredentialSignature>,
);

/// The facts of one record, its proofs' and signature's equations gathered
/// in `group` (a batch each), not checked; with the index of its proofs'
/// batch if they do not fail outright. `cts` is scratch space for its
/// decoded ciphertexts.
fn prepare(
    inputs: &Inputs,
    (voter, referendum, cast_at, ballot, credential): Item<'_>,
    group: &mut BatchGroup,
    cts: &mut Vec<Ciphertext>,
) -> (RecordFacts, Option<usize>, SignatureCheck) {
    let r = inputs.manifest.referendum_index(referendum);
    let slot = r.and_then(|r| inputs.roll.slot(r, voter));
    let in_window = cast_at.is_some_and(|t| inputs.manifest.in_voting_window(t));
    let mut facts = RecordFacts {
        referendum: r,
        slot,
        in_window,
        credential_ok: false,
        proof_ok: false,
        ciphertexts: [0; 16],
    };
    let mut pending = None;
    let mut signature = SignatureCheck::NotNeeded;
    if let (Some(r), Some(slot), true) = (r, slot, in_window) {
        let ctx = BallotContext {
            fingerprint: &inputs.key.fingerprint,
            referendum,
            voter,
        };
        // A listed key that is no group element signs nothing: the ballot
        // is refused. (`Intake::open` checks every key, so such a list is
        // refused before any ballot is.)
        signature = signature_check(
            inputs.credentials.as_ref(),
            slot,
            &ctx,
            ballot,
            credential,
            group,
        )
        .unwrap_or(SignatureCheck::Failed);
        let n_options = inputs.manifest.referendums()[r].options.len();
        group.reserve(Ballot::batch_points(n_options));
        cts.clear();
        match ballot.verify_into(&inputs.key.key.elem, &ctx, n_options, group.batch(), cts) {
            Ok(()) => pending = Some(group.close()),
            Err(_) => group.discard(),
        }
        facts.ciphertexts = ciphertext_digest(ballot);
    }
    (facts, pending, signature)
}

/// Checks a group of records alone: their proofs and signatures in one
/// batch, split down to the bad ones if it fails.
fn check_group<'a>(inputs: &Inputs, group: impl Iterator<Item = Item<'a>>) -> Vec<RecordFacts> {
    let mut batches = BatchGroup::default();
    let mut cts = Vec::new();
    let prepared: Vec<(RecordFacts, Option<usize>, SignatureCheck)> = group
        .map(|item| prepare(inputs, item, &mut batches, &mut cts))
        .collect();
    let verdicts = batches.verify_each(&inputs.key.key.point);
    let held = |i: usize| verdicts.get(i).copied().unwrap_or(false);
    prepared
        .into_iter()
        .map(|(mut f, b, s)| {
            f.proof_ok = b.is_some_and(held);
            f.credential_ok = match s {
                SignatureCheck::NotNeeded => true,
                SignatureCheck::Failed => false,
                SignatureCheck::Pending(i) => held(i),
            };
            f
        })
        .collect()
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    crate::timestamp::parse(s).ok()
}

/// Checks offered ballots alone (roll, window, proofs), in parallel. Needs no
/// state, so it can run while an earlier batch is being written.
pub fn check_offers(inputs: &Inputs, offers: &[Offer]) -> Vec<Checked> {
    offers
        .par_chunks(PROOF_GROUP)
        .flat_map_iter(|g| {
            check_group(
                inputs,
                g.iter().map(|o| {
                    (
                        o.voter.as_str(),
                        o.referendum.as_str(),
                        parse_time(&o.cast_at),
                        &o.ballot,
                        o.credential.as_ref(),
                    )
                }),
            )
        })
        .map(|facts| Checked { facts })
        .collect()
}

/// A ballot taken into the box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub seq: u64,
    pub line_hash: Digest32,
    /// The voter's tracking code ([`super::tracker::code`]).
    pub tracker: String,
    pub cast_at: String,
    /// Under `last_counts`: the earlier ballot of the voter's that this one
    /// supersedes.
    pub supersedes: Option<u64>,
    /// The very ballot was already in the box (offered again after a lost
    /// answer): this is its receipt, and nothing was appended.
    pub repeated: bool,
}

/// An offered ballot's outcome before the append.
enum Pending {
    New(Receipt),
    Same(u64),
    Refused(Refusal),
}

/// Why an offered ballot was not appended.
#[derive(Debug)]
pub enum Refusal {
    /// It fails a counting rule.
    Rule(Rejection),
    /// The box is closed.
    Sealed,
    /// It could not be written (nothing of it was).
    Write(IntakeError),
}

impl Refusal {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Rule(r) => r.code(),
            Refusal::Sealed => "E-BOX-SEALED",
            Refusal::Write(e) => e.code(),
        }
    }
}

/// Where the state an intake opened with came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The state file matched the box.
    UpToDate,
    /// The state file matched the box up to some records, which were taken in.
    CaughtUp { records: u64 },
    /// There was no usable state file: rebuilt from the whole box.
    Rebuilt { why: String, records: u64 },
}

/// How a store is kept between casts.
pub trait Keep: Store + Sized {
    /// Makes room in the copy table for `more` entries.
    fn room(state: &mut State<Self>, path: &Path, more: u64) -> io::Result<()>;
    /// Called after lines were appended and synced.
    fn appended(state: &mut State<Self>) -> io::Result<()>;
    /// Opens the state for a box, from its file or rebuilt.
    fn open(
        box_path: &Path,
        inputs: &Inputs,
        header: &BoxHeader,
        header_line: &[u8],
    ) -> Result<(State<Self>, Origin), IntakeError>;
}

impl Keep for MemStore {
    fn room(state: &mut State<Self>, _: &Path, more: u64) -> io::Result<()> {
        state.reserve(more)
    }
    fn appended(_: &mut State<Self>) -> io::Result<()> {
        Ok(())
    }
    fn open(
        box_path: &Path,
        inputs: &Inputs,
        header: &BoxHeader,
        header_line: &[u8],
    ) -> Result<(State<Self>, Origin), IntakeError> {
        let sp = state_path(box_path);
        let loaded = State::load(&sp).map_err(state_err(&sp))?;
        let why = match loaded {
            Some(mut st) => match matches_box(&st, inputs, box_path)? {
                Ok(()) => {
                    let records = catch_up(&mut st, inputs, box_path)?;
                    match records {
                        Some(0) => return Ok((st, Origin::UpToDate)),
                        Some(records) => return Ok((st, Origin::CaughtUp { records })),
                        None => "it disagrees with the records after it".to_string(),
                    }
                }
                Err(why) => why,
            },
            None => "there is no state file, or it is not one".into(),
        };
        let st = rebuild(inputs, box_path, header, header_line)?;
        let records = st.pos.ballots;
        Ok((st, Origin::Rebuilt { why, records }))
    }
}

/// Records after the state file's position that are taken in place; more
/// than this and the state is loaded into memory, brought up to date, saved.
const IN_PLACE_TAIL: u64 = 1 << 20;

impl Keep for FileStore {
    fn room(state: &mut State<Self>, path: &Path, more: u64) -> io::Result<()> {
        if state.has_room(more) {
            return Ok(());
        }
        state.commit()?;
        let mut mem =
            State::load(path)?.ok_or_else(|| io::Error::other("the state file changed"))?;
        mem.reserve(more)?;
        mem.save(path).map_err(io::Error::other)?;
        *state = mem.into_file(path)?;
        Ok(())
    }
    fn appended(state: &mut State<Self>) -> io::Result<()> {
        state.commit()
    }
    fn open(
        box_path: &Path,
        inputs: &Inputs,
        header: &BoxHeader,
        header_line: &[u8],
    ) -> Result<(State<Self>, Origin), IntakeError> {
        let sp = state_path(box_path);
        let box_len = std::fs::metadata(box_path).map_err(io_err(box_path))?.len();
        if let Some(mut st) = State::open_file(&sp).map_err(state_err(&sp))? {
            if matches_box(&st, inputs, box_path)?.is_ok()
                && box_len - st.pos.len <= IN_PLACE_TAIL
                && st.has_room(IN_PLACE_TAIL / 256)
            {
                if box_len == st.pos.len {
                    // Nothing after the state's last line: no reader opened.
                    return Ok((st, Origin::UpToDate));
                }
                match catch_up(&mut st, inputs, box_path)? {
                    Some(0) => return Ok((st, Origin::UpToDate)),
                    Some(records) => {
                        st.commit().map_err(state_err(&sp))?;
                        return Ok((st, Origin::CaughtUp { records }));
                    }
                    None => {}
                }
            }
        }
        let (mem, origin) = MemStore::open(box_path, inputs, header, header_line)?;
        if origin != Origin::UpToDate {
            mem.save(&sp).map_err(|e| IntakeError::State {
                file: sp.display().to_string(),
                source: io::Error::other(e),
            })?;
        }
        Ok((mem.into_file(&sp).map_err(state_err(&sp))?, origin))
    }
}

/// Does the state describe this box, made from these inputs? The box must
/// hold the state's last line, whole, where the state says, hashing to its
/// head. `Err(why)` if not.
fn matches_box<S>(
    st: &State<S>,
    inputs: &Inputs,
    box_path: &Path,
) -> Result<Result<(), String>, IntakeError> {
    if st.basis != inputs.basis() {
        return Ok(Err(
            "it was made for another election key, manifest or roll".into(),
        ));
    }
    let mut f = File::open(box_path).map_err(io_err(box_path))?;
    let box_len = f.metadata().map_err(io_err(box_path))?.len();
    if st.pos.len > box_len {
        return Ok(Err(format!(
            "it describes a box of {} bytes, longer than the box ({box_len})",
            st.pos.len
        )));
    }
    let n = usize::try_from(st.pos.len - st.pos.last_start)
        .ok()
        .filter(|&n| n <= 64 << 20);
    let Some(n) = n else {
        return Ok(Err("its last line is too long to be one".into()));
    };
    let mut last = vec![0u8; n];
    f.seek(SeekFrom::Start(st.pos.last_start))
        .map_err(io_err(box_path))?;
    f.read_exact(&mut last).map_err(io_err(box_path))?;
    let whole = last.pop() == Some(b'\n') && !last.contains(&b'\n');
    if !whole || (line_hash(&last) != st.pos.head && !st.pos.sealed) {
        return Ok(Err(
            "the box's line where its last record should be is not that record".into(),
        ));
    }
    if st.pos.sealed {
        // The last line is the seal; its `prev` is the head.
        let ok = matches!(parse_line(&last, "", 0), Ok(Line::Seal(s)) if s.prev == st.pos.head);
        if !ok {
            return Ok(Err("the box's seal is not where the state says".into()));
        }
    }
    Ok(Ok(()))
}

/// The ballot line with this `seq`, searched from byte `end` of the box
/// backwards, a block at a time.
fn find_line(path: &Path, end: u64, seq: u64) -> Result<Option<Vec<u8>>, BoxError> {
    const BLOCK: u64 = 256 * 1024;
    let prefix: &[u8] = b"{\"record\":\"ballot\",\"seq\":";
    // Some(found), or None to go on; Err(()) once the lines are older.
    let check = |line: &[u8]| -> Result<bool, ()> {
        let l = line.strip_suffix(b"\n").unwrap_or(line);
        let Some(rest) = l.strip_prefix(prefix) else {
            return Ok(false);
        };
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let n: Option<u64> = std::str::from_utf8(&rest[..digits])
            .ok()
            .and_then(|d| d.parse().ok());
        match n {
            Some(n) if n == seq => Ok(true),
            Some(n) if n < seq => Err(()),
            _ => Ok(false),
        }
    };
    let mut f = File::open(path).map_err(io_err(path))?;
    // The start of a line that began before the block read last.
    let mut carry: Vec<u8> = Vec::new();
    let mut hi = end;
    while hi > 0 {
        let lo = hi.saturating_sub(BLOCK);
        let mut buf = vec![0u8; usize::try_from(hi - lo).unwrap_or(0)];
        f.seek(SeekFrom::Start(lo)).map_err(io_err(path))?;
        f.read_exact(&mut buf).map_err(io_err(path))?;
        buf.extend_from_slice(&carry);
        let lines: Vec<&[u8]> = buf.split_inclusive(|&b| b == b'\n').collect();
        let whole_from = usize::from(lo > 0);
        for l in lines[whole_from..].iter().rev() {
            match check(l) {
                Ok(true) => return Ok(Some(l.strip_suffix(b"\n").unwrap_or(l).to_vec())),
                Ok(false) => {}
                Err(()) => return Ok(None),
            }
        }
        carry = if lo > 0 {
            lines.first().map(|l| l.to_vec()).unwrap_or_default()
        } else {
            Vec::new()
        };
        hi = lo;
    }
    Ok(None)
}

/// Lines read from a box at a time when taking records in.
const CHUNK: usize = 4096;

/// One line of the box read with its byte offset.
struct Raw {
    line_no: u64,
    start: u64,
    bytes: Vec<u8>,
}

/// Reads whole lines from `start`, each with where it starts.
struct Lines {
    file: String,
    reader: io::BufReader<File>,
    offset: u64,
    line_no: u64,
}

impl Lines {
    fn open(path: &Path, start: u64, line_no: u64) -> Result<Lines, BoxError> {
        let mut f = File::open(path).map_err(io_err(path))?;
        f.seek(SeekFrom::Start(start)).map_err(io_err(path))?;
        Ok(Lines {
            file: path.display().to_string(),
            reader: io::BufReader::with_capacity(1 << 20, f),
            offset: start,
            line_no,
        })
    }

    fn chunk(&mut self) -> Result<Vec<Raw>, BoxError> {
        use std::io::BufRead;
        let mut out = Vec::with_capacity(CHUNK);
        while out.len() < CHUNK {
            let mut buf = Vec::with_capacity(2048);
            let n = self
                .reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| BoxError::Io {
                    file: self.file.clone(),
                    source: e,
                })?;
            if n == 0 {
                break;
            }
            self.line_no += 1;
            if buf.pop() != Some(b'\n') {
                return Err(BoxError::Malformed {
                    file: self.file.clone(),
                    line: self.line_no,
                    detail: "the last line is not terminated (the box was cut short)".into(),
                });
            }
            out.push(Raw {
                line_no: self.line_no,
                start: self.offset,
                bytes: buf,
            });
            self.offset += n as u64;
        }
        Ok(out)
    }
}

/// Takes in every record from the state's position to the end of the box,
/// checking the chain. `None` if the state disagrees with them.
fn take_from<S: Keep>(
    st: &mut State<S>,
    inputs: &Inputs,
    box_path: &Path,
) -> Result<Option<u64>, IntakeError> {
    let file = box_path.display().to_string();
    // Line numbers: header = 1, ballot seq n = line n + 1.
    let mut lines = Lines::open(box_path, st.pos.len, st.pos.ballots + 1)?;
    let mut taken = 0u64;
    let sp = state_path(box_path);
    loop {
        let chunk = lines.chunk()?;
        if chunk.is_empty() {
            return Ok(Some(taken));
        }
        let parsed: Vec<Result<Line, BoxError>> = chunk
            .par_iter()
            .map(|l| parse_line(&l.bytes, &file, l.line_no))
            .collect();
        // Check the records alone in parallel, in proof groups.
        let mut items = Vec::with_capacity(chunk.len());
        for (raw, p) in chunk.iter().zip(&parsed) {
            match p {
                Ok(Line::Ballot(r)) => items.push(Some((raw, r))),
                Ok(Line::Seal(_)) => items.push(None),
                Err(e) => return Err(clone_box_error(e).into()),
            }
        }
        let ballots: Vec<_> = items.iter().flatten().collect();
        let times: Vec<Option<OffsetDateTime>> = ballots
            .iter()
            .map(|(_, r)| parse_time(&r.cast_at))
            .collect();
        if let Some(i) = times.iter().position(Option::is_none) {
            return Err(BoxError::Malformed {
                file,
                line: ballots[i].0.line_no,
                detail: format!("cast_at {:?} is not an RFC 3339 time", ballots[i].1.cast_at),
            }
            .into());
        }
        let facts: Vec<RecordFacts> = ballots
            .par_chunks(PROOF_GROUP)
            .zip(times.par_chunks(PROOF_GROUP))
            .flat_map_iter(|(g, t)| {
                check_group(
                    inputs,
                    g.iter().zip(t).map(|((_, r), t)| {
                        (
                            r.voter.as_str(),
                            r.referendum.as_str(),
                            *t,
                            &r.ballot,
                            r.credential.as_ref(),
                        )
                    }),
                )
            })
            .collect();
        S::room(st, &sp, chunk.len() as u64).map_err(state_err(&sp))?;
        let mut facts = facts.into_iter();
        for (raw, p) in chunk.iter().zip(parsed) {
            if st.pos.sealed {
                return Err(BoxError::AfterSeal {
                    file,
                    line: raw.line_no,
                }
                .into());
            }
            let hash = line_hash(&raw.bytes);
            let new_len = raw.start + raw.bytes.len() as u64 + 1;
            match p? {
                Line::Ballot(r) => {
                    check_link(&file, raw.line_no, st.pos, r.seq, &r.prev)?;
                    let f = facts.next().unwrap_or_else(unreachable_facts);
                    let mut undo = Vec::new();
                    if st
                        .take(&f, r.seq, Mode::InBox, &mut undo)
                        .map_err(state_err(&sp))?
                        .is_err()
                    {
                        return Ok(None);
                    }
                    st.pos = Position {
                        len: new_len,
                        ballots: r.seq,
                        head: hash,
                        last_start: raw.start,
                        sealed: false,
                    };
                }
                Line::Seal(s) => {
                    check_link(&file, raw.line_no, st.pos, s.seq, &s.prev)?;
                    if s.ballots != st.pos.ballots {
                        return Err(BoxError::SealMismatch {
                            file,
                            rule: format!(
                                "it counts {} ballots but the box holds {}",
                                s.ballots, st.pos.ballots
                            ),
                        }
                        .into());
                    }
                    st.pos.len = new_len;
                    st.pos.last_start = raw.start;
                    st.pos.sealed = true;
                }
            }
            taken += 1;
        }
    }
}

fn unreachable_facts() -> RecordFacts {
    // One set of facts is made per ballot line; this is never reached.
    RecordFacts {
        referendum: None,
        slot: None,
        in_window: false,
        credential_ok: false,
        proof_ok: false,
        ciphertexts: [0; 16],
    }
}

fn clone_box_error(e: &BoxError) -> BoxError {
    match e {
        BoxError::Malformed { file, line, detail } => BoxError::Malformed {
            file: file.clone(),
            line: *line,
            detail: detail.clone(),
        },
        other => BoxError::Malformed {
            file: String::new(),
            line: 0,
            detail: other.to_string(),
        },
    }
}

fn check_link(
    file: &str,
    line: u64,
    pos: Position,
    seq: u64,
    prev: &Digest32,
) -> Result<(), BoxError> {
    if seq != pos.ballots + 1 {
        return Err(BoxError::Sequence {
            file: file.into(),
            line,
            expected: pos.ballots + 1,
            found: seq,
        });
    }
    if *prev != pos.head {
        return Err(BoxError::ChainBroken {
            file: file.into(),
            line,
        });
    }
    Ok(())
}

fn catch_up<S: Keep>(
    st: &mut State<S>,
    inputs: &Inputs,
    box_path: &Path,
) -> Result<Option<u64>, IntakeError> {
    take_from(st, inputs, box_path)
}

/// Rebuilds the state from the whole box, streamed.
fn rebuild(
    inputs: &Inputs,
    box_path: &Path,
    header: &BoxHeader,
    header_line: &[u8],
) -> Result<State<MemStore>, IntakeError> {
    if header.fingerprint.0 != inputs.key.fingerprint {
        return Err(IntakeError::OtherElection {
            file: box_path.display().to_string(),
        });
    }
    let pos = Position {
        len: header_line.len() as u64 + 1,
        ballots: 0,
        head: line_hash(header_line),
        last_start: 0,
        sealed: false,
    };
    let sp = state_path(box_path);
    let mut st = State::new_in_memory(inputs.basis(), pos).map_err(state_err(&sp))?;
    match take_from(&mut st, inputs, box_path)? {
        Some(_) => Ok(st),
        None => Err(IntakeError::State {
            file: sp.display().to_string(),
            source: io::Error::other("a fresh state disagreed with the box"),
        }),
    }
}

/// An open box taking ballots: its lock, its writer and its state.
pub struct Intake<S: Keep> {
    inputs: Arc<Inputs>,
    path: PathBuf,
    header: BoxHeader,
    writer: BoxWriter,
    state: State<S>,
    /// Why the state file could not be brought up to date after the last
    /// append (the ballots are in the box; the next opening catches up).
    pub state_warning: Option<String>,
    _lock: BoxLock,
}

/// An intake just opened, with what happened on the way.
pub struct Opened<S: Keep> {
    pub intake: Intake<S>,
    /// A torn last line that was cut off (to be written to the ceremony log).
    pub cut: Option<Cut>,
    pub origin: Origin,
}

impl<S: Keep> Intake<S> {
    /// Locks the box, cuts a torn last line, and brings the state up to date.
    pub fn open(box_path: &Path, inputs: Arc<Inputs>) -> Result<Opened<S>, IntakeError> {
        let lock = BoxLock::take(box_path)?;
        let cut = cut_torn_tail(box_path)?;
        let (header, header_line) = super::read_header_of(box_path)?;
        if header.fingerprint.0 != inputs.key.fingerprint {
            return Err(IntakeError::OtherElection {
                file: box_path.display().to_string(),
            });
        }
        check_credentials(box_path, &header, &inputs)?;
        let (state, origin) = S::open(box_path, &inputs, &header, &header_line)?;
        let writer = BoxWriter::at(box_path, state.pos)?;
        Ok(Opened {
            intake: Intake {
                inputs,
                path: box_path.to_path_buf(),
                header,
                writer,
                state,
                state_warning: None,
                _lock: lock,
            },
            cut,
            origin,
        })
    }

    /// The rules' inputs.
    pub fn inputs(&self) -> &Arc<Inputs> {
        &self.inputs
    }

    /// The box's header.
    pub fn header(&self) -> &BoxHeader {
        &self.header
    }

    /// Where the box stands.
    pub fn position(&self) -> Position {
        self.state.pos
    }

    /// The box's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies the copy and policy rules to ballots already checked alone
    /// ([`check_offers`]), in order, and appends those that pass with one
    /// write and one sync. Each gets a receipt or a refusal; none is
    /// acknowledged before its line is synced.
    pub fn cast(
        &mut self,
        offers: Vec<Offer>,
        checked: Vec<Checked>,
    ) -> Vec<Result<Receipt, Refusal>> {
        let n = offers.len();
        if self.state.pos.sealed {
            return (0..n).map(|_| Err(Refusal::Sealed)).collect();
        }
        let file = self.path.display().to_string();
        if self.state.pos.ballots + n as u64 >= u64::from(u32::MAX - 1) {
            return (0..n)
                .map(|_| Err(Refusal::Write(IntakeError::Full { file: file.clone() })))
                .collect();
        }
        let sp = state_path(&self.path);
        if let Err(e) = S::room(&mut self.state, &sp, n as u64) {
            return (0..n)
                .map(|_| {
                    Err(Refusal::Write(IntakeError::State {
                        file: sp.display().to_string(),
                        source: io::Error::new(e.kind(), e.to_string()),
                    }))
                })
                .collect();
        }
        let mut undo = Vec::new();
        let before = self.state.pos.ballots;
        let mut pending: Vec<Pending> = Vec::with_capacity(n);
        let mut records = Vec::new();
        let mut seq = before;
        let mut failure = None;
        for (offer, c) in offers.into_iter().zip(checked) {
            match self.state.take(&c.facts, seq + 1, Mode::Offered, &mut undo) {
                Ok(Ok(t)) if t.status == Status::Counted => {
                    seq += 1;
                    pending.push(Pending::New(Receipt {
                        seq,
                        line_hash: Digest32::default(),
                        tracker: String::new(),
                        cast_at: offer.cast_at.clone(),
                        supersedes: t.supersedes.map(u64::from),
                        repeated: false,
                    }));
                    records.push(BallotRecord {
                        record: RecordKind::Ballot,
                        seq: 0,
                        prev: Digest32::default(),
                        voter: offer.voter,
                        referendum: offer.referendum,
                        cast_at: offer.cast_at,
                        ballot: offer.ballot,
                        credential: offer.credential,
                    });
                }
                Ok(Ok(t)) => match (t.same_as, t.status) {
                    (Some(s), _) => pending.push(Pending::Same(u64::from(s))),
                    (None, Status::Rejected(why)) => {
                        pending.push(Pending::Refused(Refusal::Rule(why)));
                    }
                    (None, _) => pending.push(Pending::Refused(Refusal::Sealed)),
                },
                Ok(Err(_)) | Err(_) => {
                    failure = Some("the box state disagrees with itself");
                    break;
                }
            }
        }
        let written = match failure {
            Some(why) => Err(IntakeError::State {
                file: sp.display().to_string(),
                source: io::Error::other(why),
            }),
            None => self
                .writer
                .append_records(records)
                .map_err(IntakeError::from),
        };
        match written {
            Ok(hashes) => {
                self.state.pos = self.writer.position();
                if let Err(e) = S::appended(&mut self.state) {
                    self.state_warning = Some(format!("{}: {e}", sp.display()));
                }
                let in_batch = |s: u64| {
                    s.checked_sub(before + 1)
                        .and_then(|i| usize::try_from(i).ok())
                        .and_then(|i| hashes.get(i))
                        .copied()
                };
                let new_receipts: Vec<Receipt> = pending
                    .iter()
                    .filter_map(|p| match p {
                        Pending::New(r) => Some(r.clone()),
                        _ => None,
                    })
                    .collect();
                let mut out = Vec::with_capacity(n);
                for p in pending {
                    out.push(match p {
                        Pending::New(mut r) => {
                            r.line_hash = in_batch(r.seq).unwrap_or_default();
                            r.tracker = super::tracker::code(&r.line_hash);
                            Ok(r)
                        }
                        Pending::Refused(e) => Err(e),
                        Pending::Same(s) => match in_batch(s) {
                            Some(h) => {
                                let first = new_receipts.iter().find(|r| r.seq == s);
                                Ok(Receipt {
                                    seq: s,
                                    line_hash: h,
                                    tracker: super::tracker::code(&h),
                                    cast_at: first.map(|r| r.cast_at.clone()).unwrap_or_default(),
                                    supersedes: None,
                                    repeated: true,
                                })
                            }
                            None => self.receipt_of(s).map_err(Refusal::Write),
                        },
                    });
                }
                out
            }
            Err(e) => {
                if self.state.undo(undo).is_err() {
                    self.state_warning = Some("the box state could not be undone".into());
                }
                let kind = match &e {
                    IntakeError::Box(BoxError::Io { source, .. }) => source.kind(),
                    _ => io::ErrorKind::Other,
                };
                let msg = e.to_string();
                let mut first = Some(e);
                let mut refusal = || {
                    Refusal::Write(first.take().unwrap_or_else(|| IntakeError::State {
                        file: file.clone(),
                        source: io::Error::new(kind, msg.clone()),
                    }))
                };
                let mut out: Vec<Result<Receipt, Refusal>> = pending
                    .into_iter()
                    .map(|p| match p {
                        Pending::Refused(r) => Err(r),
                        Pending::New(_) | Pending::Same(_) => Err(refusal()),
                    })
                    .collect();
                while out.len() < n {
                    out.push(Err(refusal()));
                }
                out
            }
        }
    }

    /// The receipt of ballot `seq`, already in the box, read back from the
    /// end of the box (a repeated ballot is almost always a recent one).
    fn receipt_of(&self, seq: u64) -> Result<Receipt, IntakeError> {
        let line =
            find_line(&self.path, self.state.pos.len, seq)?.ok_or_else(|| IntakeError::State {
                file: state_path(&self.path).display().to_string(),
                source: io::Error::other(format!("ballot {seq} is not in the box")),
            })?;
        let rec = match parse_line(&line, &self.path.display().to_string(), seq + 1)? {
            Line::Ballot(r) => r,
            Line::Seal(_) => {
                return Err(BoxError::Malformed {
                    file: self.path.display().to_string(),
                    line: seq + 1,
                    detail: "a seal where a ballot was expected".into(),
                }
                .into())
            }
        };
        let h = line_hash(&line);
        Ok(Receipt {
            seq,
            line_hash: h,
            tracker: super::tracker::code(&h),
            cast_at: rec.cast_at,
            supersedes: None,
            repeated: true,
        })
    }

    /// True if the state could not be kept (after a failed undo): the intake
    /// must be reopened before it takes more ballots.
    pub fn needs_reopen(&self) -> bool {
        self.state_warning.is_some()
    }

    /// Checks and casts in one call.
    pub fn check_and_cast(&mut self, offers: Vec<Offer>) -> Vec<Result<Receipt, Refusal>> {
        let checked = check_offers(&self.inputs, &offers);
        self.cast(offers, checked)
    }
}

impl Intake<MemStore> {
    /// Writes the state file (on a clean stop), so the next start need not
    /// read the whole box.
    pub fn save_state(&self) -> Result<(), IntakeError> {
        let sp = state_path(&self.path);
        self.state.save(&sp).map_err(|e| IntakeError::State {
            file: sp.display().to_string(),
            source: io::Error::other(e),
        })
    }
}
