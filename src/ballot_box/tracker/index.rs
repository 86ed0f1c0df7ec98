//! The published tracker index (`urne-tracker-index/1`, docs/SPEC.md,
//! "Tracker index"): what became of every ballot of the sealed box, by
//! tracker, in small files a static page fetches one of, so that a voter can
//! look their receipt up in a browser without a server that knows anything.
//!
//! ```text
//! tracker-index.json       {format, event, box_head, box_ballots, prefix_chars, shards: [{name, ballots, sha256}]}
//! tracker-<P>.txt          one line a ballot whose tracker starts with P, in box order:
//!                          CODE SEQ REFERENDUM CAST_AT counted
//!                          CODE SEQ REFERENDUM CAST_AT superseded SEQ_COUNTED
//!                          CODE SEQ REFERENDUM CAST_AT rejected REASON
//! ```
//! `P` is the first `prefix_chars` characters of the tracker (1 for a box of
//! at most [`ONE_CHAR_MAX`] ballots, else 2: 32 or 1,024 files, every one
//! written, empty or not; a 4,000,000-ballot box gives files of about 4,000
//! lines, some 280 KB). The statuses are the count's own
//! ([`crate::tally::count_box`]'s `statuses`): the index applies no rule of
//! its own. It names no voter and says nothing of a vote.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{code, TrackError, TRACKER_BYTES};
use crate::ballot_box::{line_hash, read_header, LineReader};
use crate::crypto::encoding::{sha256, Digest32};
use crate::event::{Manifest, Roll};
use crate::tally::{BoxCount, Status};

/// The header file's format tag.
pub const INDEX_FORMAT: &str = "urne-tracker-index/1";
/// The header file's name.
pub const INDEX_FILE: &str = "tracker-index.json";
/// The page that looks a tracker up in the index.
pub const PAGE_FILE: &str = "tracker.html";
/// The largest box whose index is split by the tracker's first character
/// alone (32 files); a larger one is split by its first two (1,024 files).
pub const ONE_CHAR_MAX: u64 = 131_072;
/// What stands in a line for a referendum or time that cannot be written as
/// one word (a referendum the manifest does not have).
pub const UNWRITABLE: &str = "?";

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// One shard, as the header lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardEntry {
    pub name: String,
    pub ballots: u64,
    pub sha256: Digest32,
}

/// `tracker-index.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexHeader {
    pub format: String,
    pub event: String,
    pub box_head: Digest32,
    pub box_ballots: u64,
    pub prefix_chars: usize,
    pub shards: Vec<ShardEntry>,
}

/// The whole index: the header and every shard, as files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackerIndex {
    pub header: IndexHeader,
    /// `(name, bytes)`: the header file first, then the shards in the
    /// alphabet's order.
    pub files: Vec<(String, Vec<u8>)>,
}

/// How many characters of the tracker name a box's shard.
pub fn prefix_chars(ballots: u64) -> usize {
    if ballots <= ONE_CHAR_MAX {
        1
    } else {
        2
    }
}

/// The name of the shard holding trackers that start with `prefix`.
pub fn shard_name(prefix: &str) -> String {
    format!("tracker-{prefix}.txt")
}

fn prefixes(chars: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for _ in 0..chars {
        out = out
            .iter()
            .flat_map(|p| {
                ALPHABET
                    .iter()
                    .map(move |&c| format!("{p}{}", char::from(c)))
            })
            .collect();
    }
    out
}

/// A shard's position among [`prefixes`] for a tracker's first bytes.
fn shard_of(hash: &Digest32, chars: usize) -> usize {
    let top = u16::from_be_bytes([hash.0[0], hash.0[1]]);
    usize::from(top >> (16 - 5 * chars))
}

/// One word of a line: the text if it has no space or control character.
fn word(s: &str) -> &str {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        UNWRITABLE
    } else {
        s
    }
}

/// Just what the index takes of a ballot line (a seal line has no voter).
#[derive(Deserialize)]
struct Light {
    record: String,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    voter: String,
    #[serde(default)]
    referendum: String,
    #[serde(default)]
    cast_at: String,
}

fn light(bytes: &[u8], file: &str, line: u64) -> Result<Option<Light>, TrackError> {
    let l: Light = serde_json::from_slice(bytes).map_err(|e| {
        TrackError::Box(super::BoxError::Malformed {
            file: file.into(),
            line,
            detail: e.to_string(),
        })
    })?;
    Ok((l.record == "ballot").then_some(l))
}

/// Makes the index of a counted box from its count (`count`, of the box at
/// `box_path`, which must not have changed since). Streams the box twice:
/// once for the ballot each voter's superseded ballots gave way to, once to
/// write the lines. Memory: the index itself and 8 bytes a roll entry.
pub fn index_of_count(
    box_path: &Path,
    manifest: &Manifest,
    roll: &Roll,
    count: &BoxCount,
) -> Result<TrackerIndex, TrackError> {
    let status_of = |i: usize, file: &str, line: u64| {
        count.statuses.get(i).copied().ok_or_else(|| {
            TrackError::Box(super::BoxError::Malformed {
                file: file.into(),
                line,
                detail: "the box has more ballots than were counted; it changed since".into(),
            })
        })
    };
    let slot_of = |l: &Light| {
        manifest
            .referendum_index(&l.referendum)
            .and_then(|r| roll.slot(r, &l.voter))
    };
    // Pass 1: per roll slot, the seq of the ballot counted for it.
    let mut counted = vec![0u64; roll.slots()];
    for_each(box_path, |i, file, line, _, l| {
        if status_of(i, file, line)? == Status::Counted {
            if let Some(s) = slot_of(l).and_then(|s| usize::try_from(s).ok()) {
                if let Some(c) = counted.get_mut(s) {
                    *c = l.seq;
                }
            }
        }
        Ok(())
    })?;
    // Pass 2: the lines.
    let chars = prefix_chars(count.ballots);
    let names = prefixes(chars);
    let mut shards: Vec<(Vec<u8>, u64)> = vec![(Vec::new(), 0); names.len()];
    let mut seen = 0usize;
    for_each(box_path, |i, file, line, hash, l| {
        seen = i + 1;
        let status = match status_of(i, file, line)? {
            Status::Counted => "counted".to_string(),
            Status::Superseded => {
                let by = slot_of(l)
                    .and_then(|s| usize::try_from(s).ok())
                    .and_then(|s| counted.get(s).copied())
                    .filter(|&seq| seq > 0);
                match by {
                    Some(seq) => format!("superseded {seq}"),
                    None => "superseded ?".to_string(),
                }
            }
            Status::Rejected(why) => format!("rejected {}", why.as_str()),
        };
        let referendum = if manifest.referendum_index(&l.referendum).is_some() {
            l.referendum.as_str()
        } else {
            UNWRITABLE
        };
        let text = format!(
            "{} {} {} {} {}\n",
            code(hash).replace('-', ""),
            l.seq,
            referendum,
            word(&l.cast_at),
            status
        );
        let shard = &mut shards[shard_of(hash, chars)];
        shard.0.extend_from_slice(text.as_bytes());
        shard.1 += 1;
        Ok(())
    })?;
    if seen != count.statuses.len() {
        return Err(TrackError::Box(super::BoxError::Malformed {
            file: box_path.display().to_string(),
            line: 0,
            detail: "the box has fewer ballots than were counted; it changed since".into(),
        }));
    }
    let mut files = Vec::with_capacity(names.len() + 1);
    let mut entries = Vec::with_capacity(names.len());
    for (p, (bytes, ballots)) in names.iter().zip(shards) {
        let name = shard_name(p);
        entries.push(ShardEntry {
            name: name.clone(),
            ballots,
            sha256: Digest32(sha256(&bytes)),
        });
        files.push((name, bytes));
    }
    let header = IndexHeader {
        format: INDEX_FORMAT.into(),
        event: manifest.event.clone(),
        box_head: count.head,
        box_ballots: count.ballots,
        prefix_chars: chars,
        shards: entries,
    };
    let mut text = serde_json::to_string_pretty(&header).unwrap_or_default();
    text.push('\n');
    files.insert(0, (INDEX_FILE.to_string(), text.into_bytes()));
    Ok(TrackerIndex { header, files })
}

/// Calls `f(index, file, line, line_hash, ballot)` for every ballot line.
fn for_each(
    path: &Path,
    mut f: impl FnMut(usize, &str, u64, &Digest32, &Light) -> Result<(), TrackError>,
) -> Result<(), TrackError> {
    let mut reader = LineReader::open(path)?;
    let file = reader.file().to_string();
    read_header(&mut reader)?;
    let mut i = 0;
    while let Some(l) = reader.next_line()? {
        if let Some(rec) = light(&l.bytes, &file, l.line_no)? {
            f(i, &file, l.line_no, &line_hash(&l.bytes), &rec)?;
            i += 1;
        }
    }
    Ok(())
}

/// One line of a shard, read back (docs/SPEC.md, "Tracker index").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexLine {
    /// The tracker, 16 characters without dashes.
    pub code: String,
    pub seq: u64,
    pub referendum: String,
    pub cast_at: String,
    pub status: Status,
    pub superseded_by: Option<u64>,
}

/// Finds a tracker's line in a shard's text.
pub fn lookup(shard: &str, tracker: &str) -> Option<IndexLine> {
    let want = super::parse(tracker)?;
    let code = code_of_bytes(&want);
    let line = shard
        .lines()
        .find(|l| l.split(' ').next() == Some(code.as_str()))?;
    let w: Vec<&str> = line.split(' ').collect();
    let (status, superseded_by) = match (w.get(4).copied(), w.get(5).copied()) {
        (Some("counted"), None) => (Status::Counted, None),
        (Some("superseded"), Some(s)) => (Status::Superseded, s.parse().ok()),
        (Some("rejected"), Some(r)) => (
            Status::Rejected(crate::tally::Rejection::from_name(r)?),
            None,
        ),
        _ => return None,
    };
    Some(IndexLine {
        code,
        seq: w.get(1)?.parse().ok()?,
        referendum: (*w.get(2)?).to_string(),
        cast_at: (*w.get(3)?).to_string(),
        status,
        superseded_by,
    })
}

/// The dashless tracker of its 10 bytes.
fn code_of_bytes(b: &[u8; TRACKER_BYTES]) -> String {
    let mut h = [0u8; 32];
    h[..TRACKER_BYTES].copy_from_slice(b);
    code(&Digest32(h)).replace('-', "")
}

/// The shard a typed tracker is in, for an index of `prefix_chars`.
pub fn shard_for(tracker: &str, prefix_chars: usize) -> Option<String> {
    let c = code_of_bytes(&super::parse(tracker)?);
    Some(shard_name(&c[..prefix_chars.min(c.len())]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracker_falls_in_the_shard_named_by_its_first_characters() {
        for chars in [1, 2] {
            let names = prefixes(chars);
            assert_eq!(names.len(), 32usize.pow(u32::try_from(chars).unwrap()));
            for b in [0u8, 0x37, 0xa5, 0xff] {
                let h = Digest32([b; 32]);
                let c = code(&h).replace('-', "");
                assert_eq!(names[shard_of(&h, chars)], c[..chars]);
                assert_eq!(shard_for(&c, chars), Some(shard_name(&c[..chars])), "{c}");
            }
        }
        assert_eq!(prefix_chars(ONE_CHAR_MAX), 1);
        assert_eq!(prefix_chars(ONE_CHAR_MAX + 1), 2);
    }

    #[test]
    fn a_line_reads_back() {
        let shard = "000G40R40M30E209 3 sogne 2027-01-25T10:00:00+01:00 superseded 9\n\
                     ZZZZ40R40M30E209 4 sogne 2027-01-25T10:00:00+01:00 rejected copied_ballot\n";
        let l = lookup(shard, "000g-40r4-0m30-e2o9").unwrap();
        assert_eq!(
            (l.seq, l.status, l.superseded_by),
            (3, Status::Superseded, Some(9))
        );
        let l = lookup(shard, "ZZZZ40R40M30E209").unwrap();
        assert_eq!(
            l.status,
            Status::Rejected(crate::tally::Rejection::CopiedBallot)
        );
        assert_eq!(lookup(shard, "1111111111111111"), None);
    }
}
