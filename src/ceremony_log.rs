//! The ceremony log (`urne-ceremony-log/1`): every ceremony step — keygen, key
//! test, box init and close, unlock, partial decryption, combine, postal trial,
//! counts, signing, publishing — as one JSON line: who, what, when, the SHA-256
//! of what it read and wrote, and the hash of the entry before it.
//!
//! ```text
//! entry_hash(L) = H256("urne/v1/ceremony-log-entry"; bytes of line L)
//! entry 0: prev = 64 zeros;  entry n: prev = entry_hash(line n − 1)
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::crypto::encoding::{Digest32, Transcript};
use crate::error::Explain;
use crate::fsio::{self, FsError};
use crate::limits::{self, TooLarge};

/// The log's format tag, in every entry.
pub const LOG_FORMAT: &str = "urne-ceremony-log/1";

/// A file read or written by a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub name: String,
    pub sha256: String,
}

/// A step to append.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub step: String,
    pub who: Vec<String>,
    pub at: String,
    pub read: Vec<FileHash>,
    pub wrote: Vec<FileHash>,
    pub note: String,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub format: String,
    pub seq: u64,
    pub prev: Digest32,
    pub step: String,
    pub who: Vec<String>,
    pub at: String,
    pub read: Vec<FileHash>,
    pub wrote: Vec<FileHash>,
    pub note: String,
}

/// What is wrong with a log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{file}, line {line}: not a ceremony log entry ({detail})")]
    Malformed {
        file: String,
        line: u64,
        detail: String,
    },
    #[error("{file}, line {line}: the log's chain is broken (an entry was changed, dropped or reordered)")]
    Broken { file: String, line: u64 },
}

impl Explain for LogError {
    fn code(&self) -> &'static str {
        match self {
            LogError::File(e) => e.code(),
            LogError::Malformed { .. } => "E-LOG-MALFORMED",
            LogError::Broken { .. } => "E-LOG-CHAIN",
        }
    }
}

/// `entry_hash(line)`.
pub fn entry_hash(line: &str) -> Digest32 {
    let mut t = Transcript::sha256("urne/v1/ceremony-log-entry");
    t.str(line);
    Digest32(t.finish32())
}

/// Checks a whole log's chain; returns its entries. Pure, for auditors.
pub fn verify_chain(text: &str, file: &str) -> Result<Vec<Entry>, LogError> {
    let mut prev = Digest32::default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.len() > limits::LOG_LINE_BYTES {
            let what = "a line of the ceremony log";
            return Err(LogError::File(
                TooLarge::line(file, n, limits::LOG_LINE_BYTES, what).into(),
            ));
        }
        let e: Entry = serde_json::from_str(line).map_err(|e| LogError::Malformed {
            file: file.into(),
            line: n,
            detail: e.to_string(),
        })?;
        if e.format != LOG_FORMAT {
            return Err(LogError::Malformed {
                file: file.into(),
                line: n,
                detail: format!("format {:?}", e.format),
            });
        }
        if e.seq != i as u64 || e.prev != prev {
            return Err(LogError::Broken {
                file: file.into(),
                line: n,
            });
        }
        prev = entry_hash(line);
        out.push(e);
    }
    Ok(out)
}

/// The last entry that recorded writing a file named `name` (a file name
/// without directory, as entries record them), with that file's hash.
pub fn last_written<'a>(entries: &'a [Entry], name: &str) -> Option<(&'a Entry, &'a FileHash)> {
    entries
        .iter()
        .rev()
        .find_map(|e| e.wrote.iter().find(|f| f.name == name).map(|f| (e, f)))
}

/// A log in memory: its lines and head.
#[derive(Clone, Debug, Default)]
pub struct CeremonyLog {
    lines: Vec<String>,
    head: Digest32,
}

impl CeremonyLog {
    /// Loads and checks the log at `path`, or starts an empty one.
    pub fn load_or_new(path: &Path) -> Result<CeremonyLog, LogError> {
        if !path.exists() {
            return Ok(CeremonyLog::default());
        }
        let text = fsio::read_to_string_limited(path, limits::LOG_BYTES, "the ceremony log")?;
        let entries = verify_chain(&text, &path.display().to_string())?;
        let lines: Vec<String> = text.lines().map(String::from).collect();
        let head = lines.last().map(|l| entry_hash(l)).unwrap_or_default();
        debug_assert_eq!(entries.len(), lines.len());
        Ok(CeremonyLog { lines, head })
    }

    /// Appends an entry in memory.
    pub fn append(&mut self, e: NewEntry) -> Result<Entry, LogError> {
        let entry = Entry {
            format: LOG_FORMAT.into(),
            seq: self.lines.len() as u64,
            prev: self.head,
            step: e.step,
            who: e.who,
            at: e.at,
            read: e.read,
            wrote: e.wrote,
            note: e.note,
        };
        let line = serde_json::to_string(&entry).unwrap_or_default();
        self.head = entry_hash(&line);
        self.lines.push(line);
        Ok(entry)
    }

    /// The entries, in order.
    pub fn entries(&self) -> Vec<Entry> {
        self.lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The hash of the last entry (zeros for an empty log).
    pub fn head_hash(&self) -> Digest32 {
        self.head
    }

    /// Writes the whole log atomically (appending is this file's purpose, so it
    /// replaces the previous version, which it extends).
    pub fn save(&self, path: &Path) -> Result<(), LogError> {
        let mut text = self.lines.join("\n");
        text.push('\n');
        fsio::write_atomic(path, text.as_bytes(), true, fsio::Visibility::Public)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(step: &str) -> NewEntry {
        NewEntry {
            step: step.into(),
            who: vec!["Kari".into()],
            at: "2027-01-01T00:00:00Z".into(),
            read: vec![],
            wrote: vec![FileHash {
                name: "x".into(),
                sha256: "00".into(),
            }],
            note: String::new(),
        }
    }

    fn three() -> Vec<String> {
        let mut log = CeremonyLog::default();
        for s in ["keygen", "key-test", "unlock"] {
            log.append(entry(s)).unwrap();
        }
        log.lines.clone()
    }

    #[test]
    fn a_chain_verifies_and_survives_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.jsonl");
        let mut log = CeremonyLog::load_or_new(&p).unwrap();
        log.append(entry("keygen")).unwrap();
        log.save(&p).unwrap();
        let mut log = CeremonyLog::load_or_new(&p).unwrap();
        log.append(entry("unlock")).unwrap();
        log.save(&p).unwrap();
        let entries = verify_chain(&std::fs::read_to_string(&p).unwrap(), "log").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].step, "unlock");
    }

    #[test]
    fn edits_drops_and_reorders_are_named_by_line() {
        let lines = three();
        let mut edited = lines.clone();
        edited[1] = edited[1].replace("Kari", "Mallory");
        let e = verify_chain(&edited.join("\n"), "log").unwrap_err();
        assert!(matches!(e, LogError::Broken { line: 3, .. }), "{e}");
        let mut dropped = lines.clone();
        dropped.remove(1);
        assert!(matches!(
            verify_chain(&dropped.join("\n"), "log"),
            Err(LogError::Broken { line: 2, .. })
        ));
        let mut swapped = lines.clone();
        swapped.swap(1, 2);
        assert!(matches!(
            verify_chain(&swapped.join("\n"), "log"),
            Err(LogError::Broken { line: 2, .. })
        ));
    }
}
