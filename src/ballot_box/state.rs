//! What a box needs to know to accept one more ballot, kept so that a cast
//! never reads the box again (`urne-box-state/1`, docs/SPEC.md, "Box state").
//!
//! The counting rules a ballot must pass before it is appended (SPEC §4.2) look
//! at the ballot alone (roll, window, proofs) and at two facts about the
//! records before it:
//!
//! - **copies**: the ciphertext digests of every earlier record that passed
//!   rules 1–3, in an open-addressing table (linear probing, a power-of-two
//!   number of 16-byte buckets: the digest's first 12 bytes, then the record's
//!   `seq` as a big-endian u32, 0 = empty);
//! - **the voter's counted e-vote**: per roll slot ([`Roll::slot`]), the `seq`
//!   of the record counted for that voter so far (0 = none), a u32.
//!
//! Memory: 4 bytes a roll entry and 16 a bucket, with at least twice as many
//! buckets as roll entries (grown when three quarters are taken): a
//! 4,000,000-voter roll takes 16 MiB of slots and 128 MiB of buckets.
//!
//! The state is derived data: it is rebuilt from the box whenever it is
//! missing or does not match it, and its header names the box length, last
//! line and head hash it was brought up to, so it can never disagree with the
//! box silently. The same code keeps it in memory (the receiving service) or
//! in its file, read and written a bucket at a time (`urne box cast`, one
//! process per ballot).
//!
//! [`Roll::slot`]: crate::event::Roll::slot

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::crypto::encoding::{sha256, Digest32};
use crate::event::EvotePolicy;
use crate::tally::{RecordFacts, Rejection, Status};

/// The format tag at the start of a state file (exactly 16 bytes).
pub const STATE_FORMAT: &str = "urne-box-state/1";
/// Bytes before the slots: the header and zeros.
const HEADER_BLOCK: u64 = 4096;
/// Bytes of the header that the checksum covers.
const HEADER_USED: usize = 224;
const BUCKET: u64 = 16;
/// The fewest buckets a table has.
const MIN_CAPACITY: u64 = 1024;

/// What the state was derived from besides the box: a state made for another
/// election, manifest or roll is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Basis {
    pub fingerprint: [u8; 32],
    pub manifest_sha256: [u8; 32],
    pub roll_sha256: [u8; 32],
    /// Roll entries over all referendums.
    pub slots: u64,
    pub policy: EvotePolicy,
}

/// How far into the box the state has taken records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Bytes of the box, up to and including the last line's `\n`.
    pub len: u64,
    /// Ballot records (the `seq` of the last one).
    pub ballots: u64,
    /// `line_hash` of the last line (the header's when there are no ballots).
    pub head: Digest32,
    /// Where the last line starts.
    pub last_start: u64,
    /// True once the box holds its seal.
    pub sealed: bool,
}

/// The state file's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub basis: Basis,
    pub pos: Position,
    pub capacity: u64,
    pub entries: u64,
}

fn policy_byte(p: EvotePolicy) -> u8 {
    match p {
        EvotePolicy::Single => 0,
        EvotePolicy::LastCounts => 1,
    }
}

fn slots_offset() -> u64 {
    HEADER_BLOCK
}

fn buckets_offset(slots: u64) -> u64 {
    (HEADER_BLOCK + 4 * slots).div_ceil(4096) * 4096
}

impl Header {
    /// The header's bytes (SPEC "Box state"), `HEADER_USED + 32` of them.
    pub fn encode(&self) -> [u8; HEADER_USED + 32] {
        let mut b = [0u8; HEADER_USED + 32];
        b[0..16].copy_from_slice(STATE_FORMAT.as_bytes());
        b[16..24].copy_from_slice(&self.pos.len.to_be_bytes());
        b[24..32].copy_from_slice(&self.pos.ballots.to_be_bytes());
        b[32..64].copy_from_slice(&self.pos.head.0);
        b[64..72].copy_from_slice(&self.pos.last_start.to_be_bytes());
        b[72..104].copy_from_slice(&self.basis.fingerprint);
        b[104..136].copy_from_slice(&self.basis.manifest_sha256);
        b[136..168].copy_from_slice(&self.basis.roll_sha256);
        b[168..176].copy_from_slice(&self.basis.slots.to_be_bytes());
        b[176..184].copy_from_slice(&self.capacity.to_be_bytes());
        b[184..192].copy_from_slice(&self.entries.to_be_bytes());
        b[192] = u8::from(self.pos.sealed);
        b[193] = policy_byte(self.basis.policy);
        let sum = sha256(&b[..HEADER_USED]);
        b[HEADER_USED..].copy_from_slice(&sum);
        b
    }

    /// Reads a header; `None` if it is not one (wrong tag, checksum, values).
    pub fn decode(b: &[u8]) -> Option<Header> {
        if b.len() < HEADER_USED + 32
            || &b[0..16] != STATE_FORMAT.as_bytes()
            || sha256(&b[..HEADER_USED])[..] != b[HEADER_USED..HEADER_USED + 32]
        {
            return None;
        }
        let u64_at = |i: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[i..i + 8]);
            u64::from_be_bytes(x)
        };
        let d32 = |i: usize| {
            let mut x = [0u8; 32];
            x.copy_from_slice(&b[i..i + 32]);
            x
        };
        let policy = match b[193] {
            0 => EvotePolicy::Single,
            1 => EvotePolicy::LastCounts,
            _ => return None,
        };
        let h = Header {
            pos: Position {
                len: u64_at(16),
                ballots: u64_at(24),
                head: Digest32(d32(32)),
                last_start: u64_at(64),
                sealed: match b[192] {
                    0 => false,
                    1 => true,
                    _ => return None,
                },
            },
            basis: Basis {
                fingerprint: d32(72),
                manifest_sha256: d32(104),
                roll_sha256: d32(136),
                slots: u64_at(168),
                policy,
            },
            capacity: u64_at(176),
            entries: u64_at(184),
        };
        let sane = h.capacity.is_power_of_two()
            && h.capacity >= MIN_CAPACITY
            && h.entries <= h.capacity
            && h.pos.last_start < h.pos.len
            && h.basis.slots <= u64::from(u32::MAX);
        sane.then_some(h)
    }
}

/// Where the slots and buckets live: in memory, or in the state file.
pub trait Store {
    /// The `seq` counted for roll slot `i` so far (0: none).
    fn slot(&mut self, i: u32) -> io::Result<u32>;
    fn set_slot(&mut self, i: u32, seq: u32) -> io::Result<()>;
    fn bucket(&mut self, i: u64) -> io::Result<[u8; 16]>;
    fn set_bucket(&mut self, i: u64, b: &[u8; 16]) -> io::Result<()>;
}

/// Slots and buckets in memory (the receiving service, and every rebuild).
#[derive(Clone, Debug, Default)]
pub struct MemStore {
    slots: Vec<u32>,
    buckets: Vec<[u8; 16]>,
}

fn index(i: u64) -> io::Result<usize> {
    usize::try_from(i).map_err(|_| io::Error::other("state index beyond this machine's memory"))
}

impl Store for MemStore {
    fn slot(&mut self, i: u32) -> io::Result<u32> {
        Ok(self.slots.get(i as usize).copied().unwrap_or(0))
    }
    fn set_slot(&mut self, i: u32, seq: u32) -> io::Result<()> {
        match self.slots.get_mut(i as usize) {
            Some(s) => {
                *s = seq;
                Ok(())
            }
            None => Err(io::Error::other("roll slot out of range")),
        }
    }
    fn bucket(&mut self, i: u64) -> io::Result<[u8; 16]> {
        Ok(self.buckets[index(i)?])
    }
    fn set_bucket(&mut self, i: u64, b: &[u8; 16]) -> io::Result<()> {
        self.buckets[index(i)?] = *b;
        Ok(())
    }
}

/// Slots and buckets read and written in place in the state file, a few
/// bytes at a time.
#[derive(Debug)]
pub struct FileStore {
    file: File,
    buckets_at: u64,
}

impl FileStore {
    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(at))?;
        self.file.read_exact(buf)
    }
    fn write_at(&mut self, at: u64, buf: &[u8]) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(at))?;
        self.file.write_all(buf)
    }
}

impl Store for FileStore {
    fn slot(&mut self, i: u32) -> io::Result<u32> {
        let mut b = [0u8; 4];
        self.read_at(slots_offset() + 4 * u64::from(i), &mut b)?;
        Ok(u32::from_be_bytes(b))
    }
    fn set_slot(&mut self, i: u32, seq: u32) -> io::Result<()> {
        self.write_at(slots_offset() + 4 * u64::from(i), &seq.to_be_bytes())
    }
    fn bucket(&mut self, i: u64) -> io::Result<[u8; 16]> {
        let mut b = [0u8; 16];
        self.read_at(self.buckets_at + BUCKET * i, &mut b)?;
        Ok(b)
    }
    fn set_bucket(&mut self, i: u64, b: &[u8; 16]) -> io::Result<()> {
        self.write_at(self.buckets_at + BUCKET * i, b)
    }
}

/// One change made by [`State::take`], to be undone if the lines it was for
/// could not be written.
#[derive(Clone, Copy, Debug)]
pub enum Undo {
    Slot { slot: u32, old: u32 },
    Bucket { index: u64 },
}

/// How a record is taken in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A record already in the box: whatever its status, its effects on the
    /// state are applied (a record rejected as a second e-vote still enters
    /// the copy table, as the count's does).
    InBox,
    /// A ballot offered for appending: only a counted one changes the state;
    /// a refused one is not appended and leaves no trace.
    Offered,
}

/// What [`State::take`] decided about a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub status: Status,
    /// Under `last_counts`: the voter's earlier counted ballot, now superseded.
    pub supersedes: Option<u32>,
    /// A copy that is the voter's own counted ballot offered again: its `seq`.
    pub same_as: Option<u32>,
}

/// The state disagrees with the box it was derived from (only a state file
/// written by something else, or damaged, can): it must be rebuilt.
#[derive(Debug)]
pub struct Disagrees;

/// The acceptance state over a store.
#[derive(Debug)]
pub struct State<S> {
    pub store: S,
    pub basis: Basis,
    pub pos: Position,
    capacity: u64,
    entries: u64,
}

/// The bucket a digest is looked up in first, and its key (the 12 bytes kept).
fn home(digest: &[u8; 16], capacity: u64) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(x) & (capacity - 1)
}

fn bucket_of(digest: &[u8; 16], seq: u32) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..12].copy_from_slice(&digest[..12]);
    b[12..].copy_from_slice(&seq.to_be_bytes());
    b
}

fn bucket_seq(b: &[u8; 16]) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[12..]);
    u32::from_be_bytes(x)
}

enum Probe {
    Found(u32),
    Empty(u64),
}

/// The number of buckets for `entries` taken buckets and a roll of `slots`.
fn capacity_for(entries: u64, slots: u64) -> u64 {
    let want = (2 * slots).max(entries.saturating_mul(2)).max(MIN_CAPACITY);
    want.checked_next_power_of_two().unwrap_or(1 << 62)
}

impl MemStore {
    fn new(slots: u64, capacity: u64) -> io::Result<MemStore> {
        Ok(MemStore {
            slots: vec![0; index(slots)?],
            buckets: vec![[0; 16]; index(capacity)?],
        })
    }
}

impl State<MemStore> {
    /// An empty state (a box with its header only) in memory.
    pub fn new_in_memory(basis: Basis, pos: Position) -> io::Result<Self> {
        let capacity = capacity_for(0, basis.slots);
        Ok(State {
            store: MemStore::new(basis.slots, capacity)?,
            basis,
            pos,
            capacity,
            entries: 0,
        })
    }

    /// The state file's bytes, written out at once.
    pub fn write_image(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut block = vec![0u8; index(HEADER_BLOCK)?];
        block[..HEADER_USED + 32].copy_from_slice(&self.header().encode());
        w.write_all(&block)?;
        let mut written = HEADER_BLOCK;
        let mut buf = Vec::with_capacity(1 << 16);
        for s in &self.store.slots {
            buf.extend_from_slice(&s.to_be_bytes());
            if buf.len() >= 1 << 16 {
                w.write_all(&buf)?;
                written += buf.len() as u64;
                buf.clear();
            }
        }
        w.write_all(&buf)?;
        written += buf.len() as u64;
        let pad = buckets_offset(self.basis.slots) - written;
        w.write_all(&vec![0u8; index(pad)?])?;
        for chunk in self.store.buckets.chunks(4096) {
            buf.clear();
            for b in chunk {
                buf.extend_from_slice(b);
            }
            w.write_all(&buf)?;
        }
        Ok(())
    }

    /// Writes the state file atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<(), crate::fsio::FsError> {
        let public = crate::fsio::Visibility::Public;
        crate::fsio::write_atomic_with(path, true, public, |w| self.write_image(w))
    }

    /// Reads a whole state file into memory; `None` if it is not a state file
    /// or is cut short.
    pub fn load(path: &Path) -> io::Result<Option<Self>> {
        let mut f = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut r = io::BufReader::with_capacity(1 << 20, &mut f);
        let mut block = vec![0u8; index(HEADER_BLOCK)?];
        if r.read_exact(&mut block).is_err() {
            return Ok(None);
        }
        let Some(h) = Header::decode(&block) else {
            return Ok(None);
        };
        let mut store = MemStore::new(h.basis.slots, h.capacity)?;
        let mut four = [0u8; 4];
        for s in store.slots.iter_mut() {
            if r.read_exact(&mut four).is_err() {
                return Ok(None);
            }
            *s = u32::from_be_bytes(four);
        }
        let pad = buckets_offset(h.basis.slots) - HEADER_BLOCK - 4 * h.basis.slots;
        if io::copy(&mut (&mut r).take(pad), &mut io::sink())? != pad {
            return Ok(None);
        }
        for b in store.buckets.iter_mut() {
            if r.read_exact(b).is_err() {
                return Ok(None);
            }
        }
        Ok(Some(State {
            store,
            basis: h.basis,
            pos: h.pos,
            capacity: h.capacity,
            entries: h.entries,
        }))
    }

    /// Doubles the table, taking every entry over.
    fn grow(&mut self) -> io::Result<()> {
        let capacity = self.capacity * 2;
        let old = std::mem::replace(&mut self.store.buckets, vec![[0; 16]; index(capacity)?]);
        self.capacity = capacity;
        for b in old.iter().filter(|b| bucket_seq(b) != 0) {
            let mut digest = [0u8; 16];
            digest[..12].copy_from_slice(&b[..12]);
            let mut i = home(&digest, capacity);
            while bucket_seq(&self.store.buckets[index(i)?]) != 0 {
                i = (i + 1) & (capacity - 1);
            }
            self.store.buckets[index(i)?] = *b;
        }
        Ok(())
    }

    /// Makes room for `more` entries.
    pub fn reserve(&mut self, more: u64) -> io::Result<()> {
        while (self.entries + more) * 4 > self.capacity * 3 {
            self.grow()?;
        }
        Ok(())
    }

    /// Opens the state file for in-place use, after it was saved from here.
    pub fn into_file(self, path: &Path) -> io::Result<State<FileStore>> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(State {
            store: FileStore {
                file,
                buckets_at: buckets_offset(self.basis.slots),
            },
            basis: self.basis,
            pos: self.pos,
            capacity: self.capacity,
            entries: self.entries,
        })
    }
}

impl State<FileStore> {
    /// Opens a state file in place; `None` if it is missing or not a state file.
    pub fn open_file(path: &Path) -> io::Result<Option<Self>> {
        let mut file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut block = [0u8; HEADER_USED + 32];
        if file.read_exact(&mut block).is_err() {
            return Ok(None);
        }
        let Some(h) = Header::decode(&block) else {
            return Ok(None);
        };
        let want = buckets_offset(h.basis.slots) + BUCKET * h.capacity;
        if file.metadata()?.len() != want {
            return Ok(None);
        }
        Ok(Some(State {
            store: FileStore {
                file,
                buckets_at: buckets_offset(h.basis.slots),
            },
            basis: h.basis,
            pos: h.pos,
            capacity: h.capacity,
            entries: h.entries,
        }))
    }

    /// True if `more` entries fit without growing the table.
    pub fn has_room(&self, more: u64) -> bool {
        (self.entries + more) * 4 <= self.capacity * 3
    }

    /// Makes what was written durable, then records the new position in the
    /// header. The slots and buckets are synced first, so a header on disk
    /// never names records whose changes are not; a lost header write only
    /// makes the next opening take the last records in again.
    pub fn commit(&mut self) -> io::Result<()> {
        self.store.file.sync_data()?;
        let h = self.header().encode();
        self.store.write_at(0, &h)?;
        self.store.file.sync_data()
    }
}

impl<S: Store> State<S> {
    /// The header for the state as it is.
    pub fn header(&self) -> Header {
        Header {
            basis: self.basis,
            pos: self.pos,
            capacity: self.capacity,
            entries: self.entries,
        }
    }

    /// Entries in the copy table.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    fn find(&mut self, digest: &[u8; 16]) -> io::Result<Probe> {
        let mut i = home(digest, self.capacity);
        for _ in 0..self.capacity {
            let b = self.store.bucket(i)?;
            let seq = bucket_seq(&b);
            if seq == 0 {
                return Ok(Probe::Empty(i));
            }
            if b[..12] == digest[..12] {
                return Ok(Probe::Found(seq));
            }
            i = (i + 1) & (self.capacity - 1);
        }
        Err(io::Error::other("the copy table is full"))
    }

    /// Applies the counting rules to record `seq` with these facts (SPEC
    /// §4.2–4.3, as the count applies them) and, as `mode` says, records its
    /// effects. Returns its status, and the earlier record it supersedes.
    pub fn take(
        &mut self,
        f: &RecordFacts,
        seq: u64,
        mode: Mode,
        undo: &mut Vec<Undo>,
    ) -> io::Result<Result<Taken, Disagrees>> {
        let (Some(slot), None) = (f.slot, f.own_rejection()) else {
            let why = f.own_rejection().unwrap_or(Rejection::NotInRoll);
            return Ok(Ok(Taken {
                status: Status::Rejected(why),
                supersedes: None,
                same_as: None,
            }));
        };
        let seq = u32::try_from(seq)
            .ok()
            .filter(|&s| s != 0 && s != u32::MAX)
            .ok_or_else(|| io::Error::other("a box of fewer than 2^32 - 1 records"))?;
        let probe = self.find(&f.ciphertexts)?;
        let copied = match probe {
            Probe::Found(s) if s < seq => true,
            Probe::Found(s) if s > seq => return Ok(Err(Disagrees)),
            _ => false,
        };
        let earlier = self.store.slot(slot)?;
        if earlier > seq {
            return Ok(Err(Disagrees));
        }
        let (status, supersedes) = if copied {
            (Status::Rejected(Rejection::CopiedBallot), None)
        } else if earlier == 0 || earlier == seq {
            (Status::Counted, None)
        } else {
            match self.basis.policy {
                EvotePolicy::Single => (
                    Status::Rejected(Rejection::AlreadyVotedElectronically),
                    None,
                ),
                EvotePolicy::LastCounts => (Status::Counted, Some(earlier)),
            }
        };
        if mode == Mode::InBox || status == Status::Counted {
            match probe {
                Probe::Empty(i) => {
                    self.store.set_bucket(i, &bucket_of(&f.ciphertexts, seq))?;
                    self.entries += 1;
                    undo.push(Undo::Bucket { index: i });
                }
                // Written before a crash that lost the header: taken in again.
                Probe::Found(s) if s == seq => self.entries += 1,
                Probe::Found(_) => {}
            }
            if status == Status::Counted && earlier != seq {
                self.store.set_slot(slot, seq)?;
                undo.push(Undo::Slot { slot, old: earlier });
            }
        }
        // The voter's counted ballot offered again (a retry after a lost
        // answer): the same ciphertexts, from the same voter, still counted.
        let same_as = match probe {
            Probe::Found(s) if copied && s == earlier => Some(s),
            _ => None,
        };
        Ok(Ok(Taken {
            status,
            supersedes,
            same_as,
        }))
    }

    /// Undoes changes, last first, which leaves the table exactly as before
    /// them (linear probing: nothing was inserted after the buckets emptied).
    pub fn undo(&mut self, undo: Vec<Undo>) -> io::Result<()> {
        for u in undo.into_iter().rev() {
            match u {
                Undo::Slot { slot, old } => self.store.set_slot(slot, old)?,
                Undo::Bucket { index } => {
                    self.store.set_bucket(index, &[0; 16])?;
                    self.entries -= 1;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis(policy: EvotePolicy) -> Basis {
        Basis {
            fingerprint: [1; 32],
            manifest_sha256: [2; 32],
            roll_sha256: [3; 32],
            slots: 10,
            policy,
        }
    }

    fn pos() -> Position {
        Position {
            len: 100,
            ballots: 0,
            head: Digest32([4; 32]),
            last_start: 0,
            sealed: false,
        }
    }

    fn facts(slot: u32, digest: u8) -> RecordFacts {
        RecordFacts {
            referendum: Some(0),
            slot: Some(slot),
            in_window: true,
            proof_ok: true,
            credential_ok: true,
            ciphertexts: [digest; 16],
        }
    }

    fn take<S: Store>(s: &mut State<S>, f: &RecordFacts, seq: u64, mode: Mode) -> Status {
        s.take(f, seq, mode, &mut Vec::new())
            .unwrap()
            .unwrap()
            .status
    }

    #[test]
    fn the_header_round_trips_and_a_flipped_byte_is_refused() {
        let h = Header {
            basis: basis(EvotePolicy::LastCounts),
            pos: pos(),
            capacity: 1024,
            entries: 3,
        };
        let b = h.encode();
        assert_eq!(Header::decode(&b), Some(h));
        for i in [0, 20, 100, 193, 230] {
            let mut c = b;
            c[i] ^= 1;
            assert_eq!(Header::decode(&c), None, "byte {i}");
        }
    }

    #[test]
    fn the_rules_are_the_counts_and_a_refused_ballot_leaves_no_trace() {
        let mut s = State::new_in_memory(basis(EvotePolicy::Single), pos()).unwrap();
        assert_eq!(
            take(&mut s, &facts(1, 7), 1, Mode::Offered),
            Status::Counted
        );
        // The same ciphertexts from another voter: a copy, refused, no trace.
        assert_eq!(
            take(&mut s, &facts(2, 7), 2, Mode::Offered),
            Status::Rejected(Rejection::CopiedBallot)
        );
        // A second e-vote under `single`: refused; offered, its digest is not
        // kept, so the same ciphertexts from a third voter are not a copy.
        assert_eq!(
            take(&mut s, &facts(1, 8), 2, Mode::Offered),
            Status::Rejected(Rejection::AlreadyVotedElectronically)
        );
        assert_eq!(
            take(&mut s, &facts(3, 8), 2, Mode::Offered),
            Status::Counted
        );
        // In the box, the rejected second e-vote's digest is kept, as the count
        // keeps it (SPEC §4.2).
        assert_eq!(
            take(&mut s, &facts(1, 9), 3, Mode::InBox),
            Status::Rejected(Rejection::AlreadyVotedElectronically)
        );
        assert_eq!(
            take(&mut s, &facts(4, 9), 4, Mode::Offered),
            Status::Rejected(Rejection::CopiedBallot)
        );
        let mut bad = facts(5, 10);
        bad.proof_ok = false;
        assert_eq!(
            take(&mut s, &bad, 4, Mode::Offered),
            Status::Rejected(Rejection::InvalidProof)
        );
    }

    #[test]
    fn last_counts_supersedes_and_undo_restores() {
        let mut s = State::new_in_memory(basis(EvotePolicy::LastCounts), pos()).unwrap();
        take(&mut s, &facts(1, 7), 1, Mode::Offered);
        let mut undo = Vec::new();
        let got = s.take(&facts(1, 8), 2, Mode::Offered, &mut undo).unwrap();
        let got = got.unwrap();
        assert_eq!((got.status, got.supersedes), (Status::Counted, Some(1)));
        // The same ballot offered again is known as the voter's own.
        let again = s
            .take(&facts(1, 8), 3, Mode::Offered, &mut Vec::new())
            .unwrap()
            .unwrap();
        assert_eq!(again.status, Status::Rejected(Rejection::CopiedBallot));
        assert_eq!(again.same_as, Some(2));
        let other = s
            .take(&facts(1, 7), 3, Mode::Offered, &mut Vec::new())
            .unwrap()
            .unwrap();
        assert_eq!(
            other.same_as, None,
            "a superseded ballot replayed is a copy"
        );
        assert_eq!(s.entries(), 2);
        s.undo(undo).unwrap();
        assert_eq!(s.entries(), 1);
        assert_eq!(s.store.slot(1).unwrap(), 1);
        // Undone, the digest is free again.
        assert_eq!(
            take(&mut s, &facts(2, 8), 2, Mode::Offered),
            Status::Counted
        );
    }

    #[test]
    fn a_saved_state_reads_back_in_memory_and_in_place_and_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let mut s = State::new_in_memory(basis(EvotePolicy::LastCounts), pos()).unwrap();
        for i in 0..1000u32 {
            s.reserve(1).unwrap();
            let mut f = facts(i % 10, 0);
            f.ciphertexts[..4].copy_from_slice(&i.to_be_bytes());
            take(&mut s, &f, u64::from(i) + 1, Mode::InBox);
        }
        assert!(s.capacity > MIN_CAPACITY, "the table grew");
        s.save(&path).unwrap();
        let mut back = State::load(&path).unwrap().unwrap();
        assert_eq!(back.header(), s.header());
        let mut file = State::open_file(&path).unwrap().unwrap();
        let mut copy = facts(3, 0);
        copy.ciphertexts[..4].copy_from_slice(&500u32.to_be_bytes());
        assert_eq!(
            take(&mut back, &copy, 1001, Mode::Offered),
            Status::Rejected(Rejection::CopiedBallot)
        );
        assert_eq!(
            take(&mut file, &copy, 1001, Mode::Offered),
            Status::Rejected(Rejection::CopiedBallot)
        );
        // Taken in place and committed, a new ballot is there on reopening.
        let mut new = facts(3, 0xee);
        assert_eq!(take(&mut file, &new, 1001, Mode::Offered), Status::Counted);
        file.pos.ballots = 1001;
        file.commit().unwrap();
        let mut again = State::open_file(&path).unwrap().unwrap();
        assert_eq!(again.pos.ballots, 1001);
        new.slot = Some(4);
        assert_eq!(
            take(&mut again, &new, 1002, Mode::Offered),
            Status::Rejected(Rejection::CopiedBallot)
        );
        // Taking the same record in again (its header write lost) changes nothing.
        let before = again.entries();
        assert_eq!(
            take(&mut again, &facts(3, 0xee), 1001, Mode::InBox),
            Status::Counted
        );
        assert_eq!(again.entries(), before + 1);
    }

    #[test]
    fn a_cut_or_foreign_file_is_no_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        std::fs::write(&path, b"not a state file").unwrap();
        assert!(State::load(&path).unwrap().is_none());
        assert!(State::open_file(&path).unwrap().is_none());
        let s = State::new_in_memory(basis(EvotePolicy::Single), pos()).unwrap();
        s.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 16]).unwrap();
        assert!(State::load(&path).unwrap().is_none());
        assert!(State::open_file(&path).unwrap().is_none());
    }
}
