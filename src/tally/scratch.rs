//! Scratch files of a count, so that its memory does not grow with the box.
//!
//! The first pass writes what the counting rules need of each record to a
//! facts file (9 bytes a record), and the ciphertext digest of each eligible
//! record to one of several bucket files (20 bytes a record), chosen by a
//! keyed hash so that no one can steer ballots into one bucket. The copied
//! ballots are then found one bucket at a time, and the rules replayed from the
//! facts file. The files are unnamed temporary files (`tempfile::tempfile`, in
//! `TMPDIR` or the system's temporary directory) and vanish with the process.

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use super::{RecordFacts, RuleEngine, Status, TallyError};
use crate::event::EvotePolicy;

/// Records per copy bucket: a bucket holds about this many eligible records
/// (20 bytes each) when it is sorted in memory.
const RECORDS_PER_BUCKET: u64 = 1 << 16;
/// Fewer bytes than a ballot line takes (one of three options, with its
/// proofs, is about 1.8 KB), to bound the number of records by the box's size.
const MIN_BALLOT_LINE: u64 = 1 << 10;
const MAX_BUCKETS: usize = 256;
const FACT_BYTES: usize = 9;
const PAIR_BYTES: usize = 20;
/// No referendum or no slot, in the facts file.
const NONE: u32 = u32::MAX;

/// The count's scratch files, written in box order during the first pass.
pub(super) struct Scratch {
    facts: BufWriter<File>,
    buckets: Vec<BufWriter<File>>,
    hasher: RandomState,
    records: u32,
}

fn io(source: std::io::Error) -> TallyError {
    TallyError::Scratch {
        dir: std::env::temp_dir().display().to_string(),
        source,
    }
}

fn scratch_file() -> Result<File, TallyError> {
    tempfile::tempfile().map_err(io)
}

/// The records, among `pairs` of (ciphertext digest, record), whose digest an
/// earlier record of `pairs` already has. Appended to `out`, in any order.
pub(super) fn later_copies(pairs: &mut [([u8; 16], u32)], out: &mut Vec<u32>) {
    pairs.sort_unstable();
    for w in pairs.windows(2) {
        if w[0].0 == w[1].0 {
            out.push(w[1].1);
        }
    }
}

/// Applies the counting rules in box order to the facts that `facts` hands
/// to its argument, `copies` being the records that repeat the ciphertexts of
/// an earlier eligible record (in any order). The one replay of [`super::decide`]
/// (facts in memory) and of the count (facts in a scratch file).
pub(super) fn replay<E>(
    policy: EvotePolicy,
    slots: usize,
    records: usize,
    mut copies: Vec<u32>,
    facts: impl FnOnce(&mut dyn FnMut(&RecordFacts)) -> Result<(), E>,
) -> Result<Vec<Status>, E> {
    copies.sort_unstable();
    let mut engine = RuleEngine::with_slots(policy, slots);
    engine.reserve(records);
    let mut next_copy = copies.into_iter().peekable();
    let mut idx = 0u32;
    facts(&mut |f| {
        let copied = next_copy.next_if_eq(&idx).is_some();
        engine.apply(f, copied);
        idx += 1;
    })?;
    Ok(engine.finish())
}

impl Scratch {
    /// Scratch files for a box of `box_bytes` counted against a roll of
    /// `slots` entries: enough buckets for every voter, or for a box full of
    /// re-votes, whichever is more (up to 256).
    pub(super) fn new(slots: usize, box_bytes: u64) -> Result<Self, TallyError> {
        let records = (slots as u64).max(box_bytes / MIN_BALLOT_LINE);
        let n = (records / RECORDS_PER_BUCKET).clamp(1, MAX_BUCKETS as u64);
        Scratch::with_buckets(usize::try_from(n).unwrap_or(MAX_BUCKETS))
    }

    pub(super) fn with_buckets(n: usize) -> Result<Self, TallyError> {
        let buckets = (0..n.max(1))
            .map(|_| scratch_file().map(BufWriter::new))
            .collect::<Result<_, _>>()?;
        Ok(Scratch {
            facts: BufWriter::new(scratch_file()?),
            buckets,
            hasher: RandomState::new(),
            records: 0,
        })
    }

    /// Records the next record's facts (its index is the number pushed so far).
    pub(super) fn push(&mut self, f: &RecordFacts) -> Result<(), TallyError> {
        let idx = self.records;
        // u32::MAX stays free: it means "no record" in the rule engine.
        if idx == u32::MAX - 1 {
            return Err(TallyError::TooManyBallots);
        }
        self.records += 1;
        let referendum = f
            .referendum
            .and_then(|r| u32::try_from(r).ok())
            .unwrap_or(NONE);
        let mut rec = [0u8; FACT_BYTES];
        rec[..4].copy_from_slice(&referendum.to_le_bytes());
        rec[4..8].copy_from_slice(&f.slot.unwrap_or(NONE).to_le_bytes());
        rec[8] =
            u8::from(f.in_window) | (u8::from(f.proof_ok) << 1) | (u8::from(f.credential_ok) << 2);
        self.facts.write_all(&rec).map_err(io)?;
        if f.eligible() {
            let n = self.buckets.len() as u64;
            // The remainder is below the number of buckets, a usize.
            #[allow(clippy::cast_possible_truncation)]
            let b = (self.hasher.hash_one(f.ciphertexts) % n) as usize;
            let mut pair = [0u8; PAIR_BYTES];
            pair[..16].copy_from_slice(&f.ciphertexts);
            pair[16..].copy_from_slice(&idx.to_le_bytes());
            self.buckets[b].write_all(&pair).map_err(io)?;
        }
        Ok(())
    }

    /// The number of records pushed.
    pub(super) fn records(&self) -> usize {
        self.records as usize
    }

    /// Applies the counting rules to every record pushed: finds the copied
    /// ballots bucket by bucket, then replays the facts in box order.
    pub(super) fn decide(
        &mut self,
        policy: EvotePolicy,
        slots: usize,
    ) -> Result<Vec<Status>, TallyError> {
        let mut copies = Vec::new();
        let mut pairs: Vec<([u8; 16], u32)> = Vec::new();
        for bucket in &mut self.buckets {
            pairs.clear();
            for_each_record::<PAIR_BYTES>(bucket, |rec| {
                let mut digest = [0u8; 16];
                digest.copy_from_slice(&rec[..16]);
                pairs.push((digest, u32_at(rec, 16)));
            })?;
            later_copies(&mut pairs, &mut copies);
        }
        drop(pairs);
        let records = self.records();
        replay(policy, slots, records, copies, |apply| {
            self.for_each_fact(|f| apply(&f))
        })
    }

    /// Calls `each` with the facts of every record, in box order (without
    /// their ciphertext digests).
    pub(super) fn for_each_fact(
        &mut self,
        mut each: impl FnMut(RecordFacts),
    ) -> Result<(), TallyError> {
        for_each_record::<FACT_BYTES>(&mut self.facts, |rec| {
            let referendum = u32_at(rec, 0);
            let slot = u32_at(rec, 4);
            each(RecordFacts {
                referendum: (referendum != NONE).then_some(referendum as usize),
                slot: (slot != NONE).then_some(slot),
                in_window: rec[8] & 1 != 0,
                proof_ok: rec[8] & 2 != 0,
                credential_ok: rec[8] & 4 != 0,
                ciphertexts: [0; 16],
            });
        })
    }
}

fn u32_at(rec: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&rec[at..at + 4]);
    u32::from_le_bytes(b)
}

/// Flushes a scratch file and calls `each` with every `N`-byte record in it,
/// from the start.
fn for_each_record<const N: usize>(
    w: &mut BufWriter<File>,
    mut each: impl FnMut(&[u8; N]),
) -> Result<(), TallyError> {
    w.flush().map_err(io)?;
    let f = w.get_mut();
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut r = BufReader::with_capacity(1 << 16, &*f);
    let mut rec = [0u8; N];
    loop {
        match r.read_exact(&mut rec) {
            Ok(()) => each(&rec),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(io(e)),
        }
    }
    drop(r);
    // Later writes (none are made today) would go after what is there.
    f.seek(SeekFrom::End(0)).map_err(io)?;
    Ok(())
}

/// The marked roll of a count: one `voter_id,referendum` line per counted
/// e-vote, in box order, in a scratch file, so that a national marked roll is
/// never held in memory. Voter ids and referendum ids hold no comma (the
/// roll's and the manifest's rules), so the lines need no quoting.
#[derive(Debug)]
pub struct MarkedSpool {
    file: BufWriter<File>,
    referendums: Vec<String>,
    counts: Vec<u64>,
}

impl MarkedSpool {
    pub(super) fn new(manifest: &crate::event::Manifest) -> Result<Self, TallyError> {
        let referendums: Vec<String> = manifest
            .referendums()
            .iter()
            .map(|r| r.id.clone())
            .collect();
        Ok(MarkedSpool {
            file: BufWriter::new(scratch_file()?),
            counts: vec![0; referendums.len()],
            referendums,
        })
    }

    pub(super) fn push(&mut self, referendum: usize, voter: &str) -> Result<(), TallyError> {
        self.counts[referendum] += 1;
        let f = &mut self.file;
        (|| {
            f.write_all(voter.as_bytes())?;
            f.write_all(b",")?;
            f.write_all(self.referendums[referendum].as_bytes())?;
            f.write_all(b"\n")
        })()
        .map_err(io)
    }

    pub(super) fn finish(&mut self) -> Result<(), TallyError> {
        self.file.flush().map_err(io)
    }

    /// The number of voters marked, per referendum in manifest order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The number of lines: voters marked over all referendums.
    pub fn len(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// True if no voter is marked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `each` with the referendum index and voter id of every line, in
    /// box order.
    pub fn for_each(&self, mut each: impl FnMut(usize, &str)) -> std::io::Result<()> {
        let mut f = self.file.get_ref().try_clone()?;
        f.seek(SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(1 << 16, f);
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let text = line.strip_suffix('\n').unwrap_or(&line);
            let Some((voter, referendum)) = text.split_once(',') else {
                return Err(std::io::Error::other(
                    "a marked-roll scratch line without a comma",
                ));
            };
            let Some(r) = self.referendums.iter().position(|id| id == referendum) else {
                return Err(std::io::Error::other(
                    "a marked-roll scratch line for no referendum",
                ));
            };
            each(r, voter);
        }
    }

    /// Writes the marked roll as `marked-roll.csv` has it: the header, then
    /// every line.
    pub fn write_csv(&self, w: &mut dyn Write) -> std::io::Result<()> {
        w.write_all(b"voter_id,referendum\n")?;
        let mut f = self.file.get_ref().try_clone()?;
        f.seek(SeekFrom::Start(0))?;
        std::io::copy(&mut f, w)?;
        Ok(())
    }
}
