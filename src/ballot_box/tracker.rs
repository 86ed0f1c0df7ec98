//! Ballot trackers: the short code a voter is given when their ballot is
//! taken into the box, and what became of that ballot in the count
//! (docs/SPEC.md, "Ballot tracker").
//!
//! ```text
//! tracker = Crockford base32 of the first 10 bytes of line_hash(ballot line),
//!           16 characters, shown in four groups of four: 7K2M-Q9XA-…
//! ```
//! Anyone holding the published box recomputes every line's tracker; the
//! code names the line, and the line says nothing of the vote (only its
//! ciphertext, which only the whole box's aggregate is ever decrypted with).

use std::path::Path;

pub mod index;

use super::{line_hash, parse_line, BoxError, Line, LineReader};
use crate::crypto::encoding::Digest32;
use crate::error::Explain;
use crate::event::{Manifest, Roll};
use crate::keys::ElectionKey;
use crate::tally::{ciphertext_digest, decide, RecordFacts, Rejection, Status};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Bytes of the line hash a tracker carries.
pub const TRACKER_BYTES: usize = 10;

/// The tracker of a ballot line with this `line_hash`.
pub fn code(line_hash: &Digest32) -> String {
    let mut bits: u128 = 0;
    for &b in &line_hash.0[..TRACKER_BYTES] {
        bits = (bits << 8) | u128::from(b);
    }
    let mut out = String::with_capacity(19);
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let shift = 5 * (15 - i);
        let v = usize::try_from((bits >> shift) & 31).unwrap_or(0);
        out.push(char::from(ALPHABET[v]));
    }
    out
}

/// Reads a tracker as a person may type it: any case, with or without the
/// dashes and spaces, `O` for `0` and `I` or `L` for `1`. Returns its 10 bytes.
pub fn parse(text: &str) -> Option<[u8; TRACKER_BYTES]> {
    let mut bits: u128 = 0;
    let mut n = 0;
    for c in text.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let v = ALPHABET.iter().position(|&a| char::from(a) == c)?;
        bits = (bits << 5) | v as u128;
        n += 1;
    }
    if n != 16 {
        return None;
    }
    let mut out = [0u8; TRACKER_BYTES];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::try_from((bits >> (8 * (TRACKER_BYTES - 1 - i))) & 0xff).unwrap_or(0);
    }
    Some(out)
}

/// Why a tracker could not be looked up.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    #[error("{code:?} is not a ballot tracker (16 characters of 0-9 and A-Z without I, L, O, U, in groups of four)")]
    BadCode { code: String },
    #[error(transparent)]
    Box(#[from] BoxError),
    #[error("{file}: the box is not the one the tally counted (its head hash is not the tally's box_head)")]
    NotCounted { file: String },
    /// The box header's credential list is not the list given, or there is
    /// one where the manifest says none (the count's own check).
    #[error(transparent)]
    Credentials(#[from] crate::tally::TallyError),
}

impl Explain for TrackError {
    fn code(&self) -> &'static str {
        match self {
            TrackError::BadCode { .. } => "E-TRACKER-CODE",
            TrackError::Box(e) => e.code(),
            TrackError::NotCounted { .. } => "E-TRACKER-BOX",
            TrackError::Credentials(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            TrackError::BadCode { .. } => {
                Some("type the code as printed on your receipt, e.g. 7K2M-Q9XA-3DRT-B8WN".into())
            }
            TrackError::NotCounted { .. } => Some(
                "use the published directory the authority announced, with its box.jsonl and tally.json"
                    .into(),
            ),
            TrackError::Box(e) => e.hint(),
            TrackError::Credentials(e) => e.hint(),
        }
    }
}

/// What became of a tracked ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// The ballot's line in the box (header = 1).
    pub line: u64,
    pub seq: u64,
    pub referendum: String,
    pub cast_at: String,
    pub status: Status,
    /// For a superseded ballot: the `seq` of the voter's ballot that counts.
    pub superseded_by: Option<u64>,
    /// The head hash of the sealed box it is in.
    pub box_head: Digest32,
}

/// Looks a tracker up in a sealed box and applies the counting rules to the
/// records that decide its status: its voter's other ballots and any ballot
/// with the same ciphertexts (SPEC §4.2–4.3); the others need not be checked
/// to know this one's fate. `None` if no ballot in the box has this tracker.
/// The box's chain and seal are checked first. `counted_head` is the tally's
/// `box_head`, if there is a tally.
pub fn track(
    tracker: &str,
    box_path: &Path,
    manifest: &Manifest,
    roll: &Roll,
    key: &ElectionKey,
    credentials: Option<&crate::credentials::CredentialList>,
    counted_head: Option<&Digest32>,
) -> Result<Option<Tracked>, TrackError> {
    let want = parse(tracker).ok_or_else(|| TrackError::BadCode {
        code: tracker.into(),
    })?;
    let file = box_path.display().to_string();
    let st = super::scan(box_path)?;
    if st.seal.is_none() {
        return Err(BoxError::NotSealed { file }.into());
    }
    if counted_head.is_some_and(|h| *h != st.head) || st.header.fingerprint.0 != key.fingerprint {
        return Err(TrackError::NotCounted { file });
    }
    // The credential list must be the one the box header names, as the count
    // requires: a swapped list would otherwise judge the signatures anew.
    crate::tally::check_box_credentials(
        &file,
        &st.header,
        &crate::tally::CountInputs {
            manifest,
            roll,
            key,
            credentials,
        },
    )?;
    // Pass 1: the line, its voter, and the digests of that voter's ballots.
    let mut target = None;
    let mut same_voter_digests = Vec::new();
    let mut same_voter = None;
    for_each_ballot(box_path, |line, hash, rec| {
        if target.is_none() && hash.0[..TRACKER_BYTES] == want {
            target = Some((line, rec.seq));
            same_voter = Some((rec.referendum.clone(), rec.voter.clone()));
        }
        Ok(())
    })?;
    let (Some((line, seq)), Some((referendum, voter))) = (target, same_voter) else {
        return Ok(None);
    };
    for_each_ballot(box_path, |_, _, rec| {
        if rec.referendum == referendum && rec.voter == voter {
            same_voter_digests.push(ciphertext_digest(&rec.ballot));
        }
        Ok(())
    })?;
    same_voter_digests.sort_unstable();
    // Pass 2: the facts of every record that bears on it, in box order.
    let mut facts: Vec<RecordFacts> = Vec::new();
    let mut seqs = Vec::new();
    let mut cast_at = String::new();
    for_each_ballot(box_path, |_, _, rec| {
        let mine = rec.referendum == referendum && rec.voter == voter;
        let digest = ciphertext_digest(&rec.ballot);
        if mine || same_voter_digests.binary_search(&digest).is_ok() {
            if rec.seq == seq {
                cast_at = rec.cast_at.clone();
            }
            facts.push(record_facts(manifest, roll, key, credentials, rec));
            seqs.push(rec.seq);
        }
        Ok(())
    })?;
    let statuses = decide(manifest.evote_policy, roll.slots(), &facts);
    let at = seqs.iter().position(|&s| s == seq).unwrap_or(0);
    let status = statuses
        .get(at)
        .copied()
        .unwrap_or(Status::Rejected(Rejection::NotInRoll));
    let mine_slot = facts.get(at).and_then(|f| f.slot);
    let superseded_by = (status == Status::Superseded)
        .then(|| {
            (at + 1..facts.len())
                .find(|&j| facts[j].slot == mine_slot && statuses[j] == Status::Counted)
                .map(|j| seqs[j])
        })
        .flatten();
    Ok(Some(Tracked {
        line,
        seq,
        referendum,
        cast_at,
        status,
        superseded_by,
        box_head: st.head,
    }))
}

fn record_facts(
    manifest: &Manifest,
    roll: &Roll,
    key: &ElectionKey,
    credentials: Option<&crate::credentials::CredentialList>,
    rec: &super::BallotRecord,
) -> RecordFacts {
    let r = manifest.referendum_index(&rec.referendum);
    let slot = r.and_then(|r| roll.slot(r, &rec.voter));
    let in_window =
        crate::timestamp::parse(&rec.cast_at).is_ok_and(|t| manifest.in_voting_window(t));
    let mut credential_ok = true;
    let proof_ok = match (r, slot, in_window) {
        (Some(r), Some(slot), true) => {
            let ctx = crate::ballot::BallotContext {
                fingerprint: &key.fingerprint,
                referendum: &rec.referendum,
                voter: &rec.voter,
            };
            credential_ok = match credentials {
                None => true,
                Some(list) => match (list.for_slot(slot), &rec.credential) {
                    // A listed key that is no group element signs nothing.
                    // `Intake::open` checks every key, and the count
                    // refuses such a list outright.
                    (Some(Ok(k)), Some(sig)) => sig.verify(&k, &ctx, &rec.ballot),
                    _ => false,
                },
            };
            let n = manifest.referendums()[r].options.len();
            rec.ballot
                .verify(&key.key.elem, &key.key.point, &ctx, n)
                .is_ok()
        }
        _ => false,
    };
    RecordFacts {
        referendum: r,
        slot,
        in_window,
        credential_ok,
        proof_ok,
        ciphertexts: ciphertext_digest(&rec.ballot),
    }
}

fn for_each_ballot(
    path: &Path,
    mut f: impl FnMut(u64, Digest32, &super::BallotRecord) -> Result<(), TrackError>,
) -> Result<(), TrackError> {
    let mut reader = LineReader::open(path)?;
    let file = reader.file().to_string();
    super::read_header(&mut reader)?;
    while let Some(l) = reader.next_line()? {
        if let Line::Ballot(rec) = parse_line(&l.bytes, &file, l.line_no)? {
            f(l.line_no, line_hash(&l.bytes), &rec)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_typed_and_a_wrong_one_is_refused() {
        let h = Digest32([0xa5; 32]);
        let c = code(&h);
        assert_eq!(c.len(), 19);
        assert_eq!(c.matches('-').count(), 3);
        let bytes = parse(&c).unwrap();
        assert_eq!(bytes, [0xa5; 10]);
        let typed = c
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(parse(&typed), Some(bytes));
        assert_eq!(parse(&c[..18]), None);
        assert_eq!(parse(&c.replace(&c[..1], "U")), None);
        // The first 10 bytes decide it.
        let mut other = h;
        other.0[9] ^= 1;
        assert_ne!(code(&other), c);
        other = h;
        other.0[10] ^= 1;
        assert_eq!(code(&other), c);
        // A fixed vector, as SPEC gives it.
        let mut v = [0u8; 32];
        for (i, b) in v.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap();
        }
        assert_eq!(code(&Digest32(v)), "000G-40R4-0M30-E209");
    }
}
