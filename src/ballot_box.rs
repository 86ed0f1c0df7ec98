//! The append-only, hash-chained, sealed ballot box (`urne-box/2`).
//!
//! A box is one JSON Lines file: a header line, one line per cast ballot, and —
//! once closed — a seal line signed with the box's Ed25519 key. Each line after
//! the header carries `seq` (its line index, header = 0) and `prev`, the hash of
//! the line before it:
//!
//! ```text
//! line_hash(L) = H256("urne/v1/box-record"; bytes of L without its "\n")
//! ballot line n:  prev = line_hash(line n − 1)
//! seal:  prev = head = line_hash(last ballot line, or the header if none)
//!        signature = Ed25519(box_key, H256("urne/v1/box-seal"; fp, box_key,
//!                                           u64(ballots), head, closed_at))
//! ```
//! States: **open** (header, ballots) → **closed** (sealed; takes no more
//! ballots). Unlocking reads a closed box only. docs/SPEC.md, "Ballot box", draws it.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use ring::signature::{self, Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

use crate::ballot::Ballot;
use crate::credentials::CredentialSignature;
use crate::crypto::encoding::{from_b64, to_b64, Digest32, Transcript};
use crate::error::Explain;
use crate::fsio::{AtomicFile, FsError, Visibility};
use crate::limits::{TooLarge, BOX_LINE_BYTES};

pub mod canonical;
pub mod intake;
pub mod state;
pub mod tracker;

/// The format tag of a ballot box.
pub const BOX_FORMAT: &str = "urne-box/2";
/// How the `box-close` ceremony-log entry of a box closed before
/// `voting_closes` begins its note; the reason follows.
pub const EARLY_CLOSE_NOTE: &str = "closed early, before voting_closes: ";
/// The `kind` of a sealed box signing key.
pub const BOX_KEY_KIND: &str = "box-signing-key";

/// Which kind of line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Header,
    Ballot,
    Seal,
}

/// The first line of a box.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxHeader {
    pub record: RecordKind,
    pub format: String,
    pub event: String,
    /// The election fingerprint the box's ballots are bound to.
    pub fingerprint: Digest32,
    /// The box's Ed25519 public key (32 bytes, base64).
    pub box_key: String,
    pub created_at: String,
    /// SHA-256 of the voter credential list the box takes ballots for, when
    /// the event uses credentials (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_sha256: Option<Digest32>,
}

/// A cast ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotRecord {
    pub record: RecordKind,
    pub seq: u64,
    pub prev: Digest32,
    pub voter: String,
    pub referendum: String,
    /// RFC 3339 time of casting.
    pub cast_at: String,
    pub ballot: Ballot,
    /// The voter's credential signature of the ballot (events with
    /// credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialSignature>,
}

/// The seal that closes a box.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealRecord {
    pub record: RecordKind,
    pub seq: u64,
    pub prev: Digest32,
    /// Number of ballot lines.
    pub ballots: u64,
    pub closed_at: String,
    /// Ed25519 signature (64 bytes, base64).
    pub signature: String,
}

/// A line after the header.
#[derive(Clone, Debug)]
pub enum Line {
    Ballot(Box<BallotRecord>),
    Seal(SealRecord),
}

/// What is wrong with a box.
#[derive(Debug, thiserror::Error)]
pub enum BoxError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}, line {line}: not a valid box record ({detail})")]
    Malformed {
        file: String,
        line: u64,
        detail: String,
    },
    #[error("{file}, line {line}: the hash chain is broken (the record does not follow the line before it)")]
    ChainBroken { file: String, line: u64 },
    #[error("{file}, line {line}: record number {found} where {expected} was expected (a record was dropped, duplicated or reordered)")]
    Sequence {
        file: String,
        line: u64,
        expected: u64,
        found: u64,
    },
    #[error("{file}: the ballot box was never closed (no seal)")]
    NotSealed { file: String },
    #[error("{file}: the ballot box is closed; it takes no more ballots")]
    AlreadySealed { file: String },
    #[error("{file}, line {line}: there is a record after the seal")]
    AfterSeal { file: String, line: u64 },
    #[error("{file}: the seal does not match the box: {rule}")]
    SealMismatch { file: String, rule: String },
    #[error("{file}: the seal's signature does not verify with the box key")]
    SealSignature { file: String },
    #[error("{file}: the box belongs to another election (fingerprint {found})")]
    OtherElection { file: String, found: String },
    #[error("{file}: the box is empty (no header line)")]
    Empty { file: String },
    #[error("{file}: a box already exists there")]
    Exists { file: String },
    #[error("the box signing key is not a valid Ed25519 key")]
    BadKey,
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
}

impl Explain for BoxError {
    fn code(&self) -> &'static str {
        match self {
            BoxError::Io { .. } => "E-BOX-IO",
            BoxError::Malformed { .. } => "E-BOX-MALFORMED",
            BoxError::ChainBroken { .. } => "E-BOX-CHAIN",
            BoxError::Sequence { .. } => "E-BOX-SEQUENCE",
            BoxError::NotSealed { .. } => "E-BOX-NOT-SEALED",
            BoxError::AlreadySealed { .. } => "E-BOX-SEALED",
            BoxError::AfterSeal { .. } => "E-BOX-AFTER-SEAL",
            BoxError::SealMismatch { .. } => "E-BOX-SEAL-MISMATCH",
            BoxError::SealSignature { .. } => "E-BOX-SEAL-SIGNATURE",
            BoxError::OtherElection { .. } => "E-BOX-OTHER-ELECTION",
            BoxError::Empty { .. } => "E-BOX-EMPTY",
            BoxError::Exists { .. } => "E-FILE-EXISTS",
            BoxError::BadKey => "E-BOX-KEY",
            BoxError::TooLarge(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            BoxError::NotSealed { .. } => "close the box with `urne box close` first".into(),
            BoxError::ChainBroken { .. } | BoxError::Sequence { .. } | BoxError::SealMismatch { .. } | BoxError::SealSignature { .. } => {
                "the box has been altered since it was written; use the authority's sealed copy and report this".into()
            }
            BoxError::Exists { .. } => "choose another path, or pass --force to start a new box".into(),
            _ => return None,
        })
    }
}

/// `line_hash(L)`.
pub fn line_hash(line: &[u8]) -> Digest32 {
    let mut t = Transcript::sha256("urne/v1/box-record");
    t.bytes(line);
    Digest32(t.finish32())
}

/// The message the seal signs.
pub fn seal_message(
    header: &BoxHeader,
    ballots: u64,
    head: &Digest32,
    closed_at: &str,
) -> [u8; 32] {
    let mut t = Transcript::sha256("urne/v1/box-seal");
    t.bytes(&header.fingerprint.0)
        .bytes(&from_b64(&header.box_key).unwrap_or_default())
        .u64(ballots)
        .bytes(&head.0)
        .str(closed_at);
    t.finish32()
}

/// Parses one line after the header.
pub fn parse_line(line: &[u8], file: &str, line_no: u64) -> Result<Line, BoxError> {
    // A packed ballot as urne writes it, read directly; any other line (and
    // every refusal, with serde's message) by serde ([`canonical`]).
    if let Some(r) = canonical::parse(line) {
        return Ok(Line::Ballot(Box::new(r)));
    }
    match serde_json::from_slice::<BallotRecord>(line) {
        Ok(r) if r.record == RecordKind::Ballot => Ok(Line::Ballot(Box::new(r))),
        Ok(_) => Err(BoxError::Malformed {
            file: file.into(),
            line: line_no,
            detail: "a ballot record must have \"record\": \"ballot\"".into(),
        }),
        Err(ballot_err) => match serde_json::from_slice::<SealRecord>(line) {
            Ok(s) if s.record == RecordKind::Seal => Ok(Line::Seal(s)),
            _ => Err(BoxError::Malformed {
                file: file.into(),
                line: line_no,
                detail: ballot_err.to_string(),
            }),
        },
    }
}

/// Checks the chain links in order.
#[derive(Clone, Debug)]
pub struct ChainChecker {
    file: String,
    /// Hash of the last line checked.
    pub head: Digest32,
    /// The `seq` the next line must have.
    pub next_seq: u64,
}

impl ChainChecker {
    /// Starts after the header line.
    pub fn new(file: &str, header_line: &[u8]) -> Self {
        ChainChecker {
            file: file.into(),
            head: line_hash(header_line),
            next_seq: 1,
        }
    }

    /// Checks one line's `seq` and `prev`, then advances to its hash.
    pub fn step(
        &mut self,
        line_no: u64,
        seq: u64,
        prev: &Digest32,
        hash: Digest32,
    ) -> Result<(), BoxError> {
        if seq != self.next_seq {
            return Err(BoxError::Sequence {
                file: self.file.clone(),
                line: line_no,
                expected: self.next_seq,
                found: seq,
            });
        }
        if *prev != self.head {
            return Err(BoxError::ChainBroken {
                file: self.file.clone(),
                line: line_no,
            });
        }
        self.head = hash;
        self.next_seq += 1;
        Ok(())
    }
}

/// Checks a seal against the chain it closes and the header's key.
pub fn check_seal(
    file: &str,
    header: &BoxHeader,
    seal: &SealRecord,
    ballots: u64,
    head: &Digest32,
) -> Result<(), BoxError> {
    let mismatch = |rule: String| BoxError::SealMismatch {
        file: file.into(),
        rule,
    };
    if seal.ballots != ballots {
        return Err(mismatch(format!(
            "it counts {} ballots but the box holds {ballots}",
            seal.ballots
        )));
    }
    if seal.prev != *head {
        return Err(mismatch(
            "its head hash is not the last record's hash".into(),
        ));
    }
    let msg = seal_message(header, ballots, head, &seal.closed_at);
    let key =
        from_b64(&header.box_key).map_err(|_| BoxError::SealSignature { file: file.into() })?;
    let sig =
        from_b64(&seal.signature).map_err(|_| BoxError::SealSignature { file: file.into() })?;
    signature::UnparsedPublicKey::new(&signature::ED25519, key)
        .verify(&msg, &sig)
        .map_err(|_| BoxError::SealSignature { file: file.into() })
}

/// Reads a box's lines with their numbers (1-based, header = line 1), in chunks,
/// so a box of any size is read with flat memory.
pub struct LineReader {
    file: String,
    reader: BufReader<File>,
    line_no: u64,
    /// SHA-256 of every byte read so far, so that the count's hash of the
    /// box is of the bytes it counted, and the box is not read again for it.
    /// `None` for a reader that needs no hash ([`LineReader::open_unhashed`]).
    hash: Option<ring::digest::Context>,
    /// An error met after the lines of a chunk, for the next call
    /// ([`LineReader::next_chunk_into`]).
    deferred: Option<BoxError>,
}

/// One raw line.
pub struct RawLine {
    pub line_no: u64,
    pub bytes: Vec<u8>,
}

/// One line of a [`LineChunk`], without its terminator.
#[derive(Clone, Copy, Debug)]
pub struct LineRef<'a> {
    pub line_no: u64,
    pub bytes: &'a [u8],
}

/// Consecutive lines of a box read into one buffer by
/// [`LineReader::next_chunk_into`]: a whole box is streamed through two or
/// three of these, reused, where a buffer for each line would cost an
/// allocation a ballot and, as the chunks come and go, the heap's growing and
/// trimming (a page fault every 4 KiB read).
#[derive(Debug, Default)]
pub struct LineChunk {
    /// The lines as read, terminators included: the file's bytes in order.
    buf: Vec<u8>,
    /// Where each line ends in `buf`, without its terminator (the next one
    /// starts one byte further on).
    ends: Vec<usize>,
    /// The number of the first line.
    first_line: u64,
}

impl LineChunk {
    /// The number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if the chunk holds no line (the reader was at the end).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th line.
    pub fn line(&self, i: usize) -> LineRef<'_> {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] + 1,
        };
        LineRef {
            line_no: self.first_line + i as u64,
            bytes: &self.buf[start..self.ends[i]],
        }
    }

    /// Every line, in order.
    pub fn lines(&self) -> Vec<LineRef<'_>> {
        (0..self.len()).map(|i| self.line(i)).collect()
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }
}

/// The buffer a box is streamed with: large, for reading a whole box.
const STREAM_BUFFER: usize = 1 << 20;
/// The buffer a box's header alone is read with: a header line is about a
/// kilobyte, and a longer one is read on in steps of this size.
const HEADER_BUFFER: usize = 8 << 10;

impl LineReader {
    /// Opens a box file to read it through.
    pub fn open(path: &Path) -> Result<Self, BoxError> {
        Self::with_buffer(path, STREAM_BUFFER)
    }

    /// Opens a box file to read it through without hashing it: for a second
    /// pass over a box whose hash the first pass took (the count's pass 2),
    /// where hashing every byte again would only cost time.
    pub fn open_unhashed(path: &Path) -> Result<Self, BoxError> {
        let mut r = Self::with_buffer(path, STREAM_BUFFER)?;
        r.hash = None;
        Ok(r)
    }

    fn with_buffer(path: &Path, capacity: usize) -> Result<Self, BoxError> {
        let f = File::open(path).map_err(|e| BoxError::Io {
            file: path.display().to_string(),
            source: e,
        })?;
        Ok(LineReader {
            file: path.display().to_string(),
            reader: BufReader::with_capacity(capacity, f),
            line_no: 0,
            hash: Some(ring::digest::Context::new(&ring::digest::SHA256)),
            deferred: None,
        })
    }

    /// SHA-256 of the bytes read so far: once [`LineReader::next_line`] has
    /// returned `None`, of the whole file. `None` for a reader opened with
    /// [`LineReader::open_unhashed`].
    pub fn sha256(&self) -> Option<Digest32> {
        let mut d = [0u8; 32];
        d.copy_from_slice(self.hash.clone()?.finish().as_ref());
        Some(Digest32(d))
    }

    /// Bytes read from the file so far (buffered ones included).
    #[cfg(test)]
    fn bytes_read(&mut self) -> std::io::Result<u64> {
        use std::io::Seek;
        self.reader.get_mut().stream_position()
    }

    /// The next line without its terminator, or `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<RawLine>, BoxError> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        let mut buf = Vec::with_capacity(2048);
        let Some(end) = self.read_line_into(&mut buf)? else {
            return Ok(None);
        };
        if let Some(h) = &mut self.hash {
            h.update(&buf);
        }
        buf.truncate(end);
        Ok(Some(RawLine {
            line_no: self.line_no,
            bytes: buf,
        }))
    }

    /// Appends the next line, terminator included, to `buf`, and returns
    /// where it ends without its terminator; `None` at the end of the file.
    /// Refuses a line over the limit and an unterminated last line.
    fn read_line_into(&mut self, buf: &mut Vec<u8>) -> Result<Option<usize>, BoxError> {
        let start = buf.len();
        // At most one byte over the limit and the terminator: a line that
        // long is refused without reading the rest of it.
        let n = (&mut self.reader)
            .take(BOX_LINE_BYTES as u64 + 2)
            .read_until(b'\n', buf)
            .map_err(|e| BoxError::Io {
                file: self.file.clone(),
                source: e,
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        let terminated = buf.last() == Some(&b'\n');
        let end = buf.len() - usize::from(terminated);
        if end - start > BOX_LINE_BYTES {
            return Err(
                TooLarge::line(&self.file, self.line_no, BOX_LINE_BYTES, "a box line").into(),
            );
        }
        if !terminated {
            return Err(BoxError::Malformed {
                file: self.file.clone(),
                line: self.line_no,
                detail: "the last line is not terminated (the box was cut short)".into(),
            });
        }
        Ok(Some(end))
    }

    /// Reads up to `max` lines into `chunk`, replacing what it held; the
    /// chunk is empty at the end of the file. The same rules as
    /// [`LineReader::next_line`]: a line over the limit or an unterminated
    /// last line is an error naming its line. The lines before a bad one
    /// come first, in a chunk of their own, and the error with the next call,
    /// so that a reader of the chunks meets the box's errors in line order.
    pub fn next_chunk_into(&mut self, max: usize, chunk: &mut LineChunk) -> Result<(), BoxError> {
        chunk.clear();
        chunk.first_line = self.line_no + 1;
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        while chunk.ends.len() < max {
            let start = chunk.buf.len();
            match self.read_line_into(&mut chunk.buf) {
                Ok(Some(end)) => chunk.ends.push(end),
                Ok(None) => break,
                Err(e) if chunk.is_empty() => return Err(e),
                Err(e) => {
                    chunk.buf.truncate(start);
                    self.deferred = Some(e);
                    break;
                }
            }
        }
        // One update for the chunk: the bytes are the file's, in order.
        if let Some(h) = &mut self.hash {
            h.update(&chunk.buf);
        }
        Ok(())
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }
}

/// Reads and parses the header line.
pub fn read_header(reader: &mut LineReader) -> Result<(BoxHeader, Vec<u8>), BoxError> {
    let file = reader.file().to_string();
    let line = reader
        .next_line()?
        .ok_or(BoxError::Empty { file: file.clone() })?;
    let header: BoxHeader =
        serde_json::from_slice(&line.bytes).map_err(|e| BoxError::Malformed {
            file: file.clone(),
            line: 1,
            detail: e.to_string(),
        })?;
    if header.record != RecordKind::Header || header.format != BOX_FORMAT {
        return Err(BoxError::Malformed {
            file,
            line: 1,
            detail: format!("the first line must be a {BOX_FORMAT} header"),
        });
    }
    Ok((header, line.bytes))
}

/// Reads and parses the header line of the box at `path`, and nothing much
/// past it: a cast opens the box each time, and reading a stream buffer's
/// worth of ballots behind the header would cost a full box more than an
/// empty one (a megabyte copied into fresh memory per cast).
pub fn read_header_of(path: &Path) -> Result<(BoxHeader, Vec<u8>), BoxError> {
    read_header(&mut LineReader::with_buffer(path, HEADER_BUFFER)?)
}

/// The state of a box after a full structural scan (chain and seal, no proofs).
#[derive(Clone, Debug)]
pub struct BoxState {
    pub header: BoxHeader,
    pub ballots: u64,
    pub head: Digest32,
    pub seal: Option<SealRecord>,
}

/// Scans a whole box: header, chain, and the seal if there is one. Does not
/// check ballots' proofs.
pub fn scan(path: &Path) -> Result<BoxState, BoxError> {
    let mut reader = LineReader::open(path)?;
    let file = reader.file().to_string();
    let (header, header_line) = read_header(&mut reader)?;
    let mut chain = ChainChecker::new(&file, &header_line);
    let mut ballots = 0u64;
    let mut seal: Option<SealRecord> = None;
    while let Some(line) = reader.next_line()? {
        if seal.is_some() {
            return Err(BoxError::AfterSeal {
                file,
                line: line.line_no,
            });
        }
        let hash = line_hash(&line.bytes);
        match parse_line(&line.bytes, &file, line.line_no)? {
            Line::Ballot(r) => {
                chain.step(line.line_no, r.seq, &r.prev, hash)?;
                ballots += 1;
            }
            Line::Seal(s) => {
                let head = chain.head;
                chain.step(line.line_no, s.seq, &s.prev, hash)?;
                check_seal(&file, &header, &s, ballots, &head)?;
                chain.head = head;
                seal = Some(s);
            }
        }
    }
    Ok(BoxState {
        header,
        ballots,
        head: chain.head,
        seal,
    })
}

/// The box's signing key pair, opened from its sealed file.
pub struct BoxSigningKey(Ed25519KeyPair);

impl BoxSigningKey {
    /// Makes a new key; returns it with its PKCS#8 bytes (to be sealed at once).
    pub fn generate() -> Result<(Self, zeroize::Zeroizing<Vec<u8>>), BoxError> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| BoxError::BadKey)?;
        let bytes = zeroize::Zeroizing::new(pkcs8.as_ref().to_vec());
        Ok((Self::from_pkcs8(&bytes)?, bytes))
    }

    /// Reads a PKCS#8 key.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, BoxError> {
        Ed25519KeyPair::from_pkcs8(bytes)
            .map(BoxSigningKey)
            .map_err(|_| BoxError::BadKey)
    }

    /// The public key in base64.
    pub fn public_b64(&self) -> String {
        to_b64(self.0.public_key().as_ref())
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> BoxError + '_ {
    move |e| BoxError::Io {
        file: path.display().to_string(),
        source: e,
    }
}

fn json_line<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Writes a new box with its header. Refuses to replace an existing file unless
/// `force`.
pub fn init(path: &Path, header: &BoxHeader, force: bool) -> Result<(), BoxError> {
    if path.exists() && !force {
        return Err(BoxError::Exists {
            file: path.display().to_string(),
        });
    }
    let mut line = json_line(header);
    line.push(b'\n');
    let mut f = AtomicFile::create(path, force, Visibility::Public).map_err(fs_err)?;
    f.write_all(&line).map_err(io_err(path))?;
    f.commit().map_err(fs_err)
}

/// A write error of fsio's atomic writer, as the box's own.
fn fs_err(e: FsError) -> BoxError {
    match e {
        FsError::FileExists { path } => BoxError::Exists {
            file: path.display().to_string(),
        },
        FsError::Unwritable { path, source } | FsError::Unreadable { path, source } => {
            BoxError::Io {
                file: path.display().to_string(),
                source,
            }
        }
        other => BoxError::Io {
            file: String::new(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

/// Appends lines to an open box after checking the whole chain. Each line is
/// written with one `write` on a file opened for appending and synced before
/// returning.
pub struct Appender {
    path: PathBuf,
    state: BoxState,
}

impl Appender {
    /// Scans the box and refuses if it is sealed.
    pub fn open(path: &Path) -> Result<Self, BoxError> {
        let state = scan(path)?;
        if state.seal.is_some() {
            return Err(BoxError::AlreadySealed {
                file: path.display().to_string(),
            });
        }
        Ok(Appender {
            path: path.to_path_buf(),
            state,
        })
    }

    /// The box's header.
    pub fn header(&self) -> &BoxHeader {
        &self.state.header
    }

    /// The number of ballots so far.
    pub fn ballots(&self) -> u64 {
        self.state.ballots
    }

    fn append_line(&mut self, line: &[u8]) -> Result<(), BoxError> {
        let mut f = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(io_err(&self.path))?;
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line);
        buf.push(b'\n');
        f.write_all(&buf).map_err(io_err(&self.path))?;
        f.sync_data().map_err(io_err(&self.path))?;
        Ok(())
    }

    /// Appends a ballot (already checked by the caller); returns its line hash.
    pub fn cast(
        &mut self,
        voter: &str,
        referendum: &str,
        cast_at: &str,
        ballot: Ballot,
        credential: Option<CredentialSignature>,
    ) -> Result<Digest32, BoxError> {
        let rec = BallotRecord {
            record: RecordKind::Ballot,
            seq: self.state.ballots + 1,
            prev: self.state.head,
            voter: voter.into(),
            referendum: referendum.into(),
            cast_at: cast_at.into(),
            ballot,
            credential,
        };
        let line = json_line(&rec);
        self.append_line(&line)?;
        self.state.ballots += 1;
        self.state.head = line_hash(&line);
        Ok(self.state.head)
    }

    /// Closes the box with a signed seal.
    pub fn close(mut self, key: &BoxSigningKey, closed_at: &str) -> Result<SealRecord, BoxError> {
        if key.public_b64() != self.state.header.box_key {
            return Err(BoxError::SealMismatch {
                file: self.path.display().to_string(),
                rule: "the signing key is not this box's key".into(),
            });
        }
        let msg = seal_message(
            &self.state.header,
            self.state.ballots,
            &self.state.head,
            closed_at,
        );
        let seal = SealRecord {
            record: RecordKind::Seal,
            seq: self.state.ballots + 1,
            prev: self.state.head,
            ballots: self.state.ballots,
            closed_at: closed_at.into(),
            signature: to_b64(key.0.sign(&msg).as_ref()),
        };
        let line = json_line(&seal);
        self.append_line(&line)?;
        Ok(seal)
    }
}

/// Writes a whole box in one go (the simulator's path): header, ballots in
/// order, seal; streamed through a buffered temporary file, synced, renamed.
pub struct BulkWriter {
    path: PathBuf,
    tmp: AtomicFile,
    header: BoxHeader,
    ballots: u64,
    head: Digest32,
}

impl BulkWriter {
    /// Starts a box at `path` (refused if it exists and not `force`).
    pub fn create(path: &Path, header: BoxHeader, force: bool) -> Result<Self, BoxError> {
        if path.exists() && !force {
            return Err(BoxError::Exists {
                file: path.display().to_string(),
            });
        }
        let tmp = AtomicFile::create(path, force, Visibility::Public).map_err(fs_err)?;
        let mut w = BulkWriter {
            path: path.to_path_buf(),
            tmp,
            head: Digest32::default(),
            ballots: 0,
            header,
        };
        let line = json_line(&w.header);
        w.write_line(&line)?;
        w.head = line_hash(&line);
        Ok(w)
    }

    fn write_line(&mut self, line: &[u8]) -> Result<(), BoxError> {
        let path = self.path.clone();
        self.tmp.write_all(line).map_err(io_err(&path))?;
        self.tmp.write_all(b"\n").map_err(io_err(&path))
    }

    /// Appends a ballot record as given (the simulator may write bad ones on
    /// purpose); `seq` and `prev` are filled in.
    pub fn push(&mut self, mut rec: BallotRecord) -> Result<(), BoxError> {
        rec.seq = self.ballots + 1;
        rec.prev = self.head;
        let line = json_line(&rec);
        self.write_line(&line)?;
        self.ballots += 1;
        self.head = line_hash(&line);
        Ok(())
    }

    /// Appends an already serialized ballot line whose `seq` and `prev` the
    /// caller set from [`Self::next_seq_prev`].
    pub fn push_line(&mut self, line: &[u8]) -> Result<(), BoxError> {
        self.write_line(line)?;
        self.ballots += 1;
        self.head = line_hash(line);
        Ok(())
    }

    /// The `seq` and `prev` the next ballot line must carry.
    pub fn next_seq_prev(&self) -> (u64, Digest32) {
        (self.ballots + 1, self.head)
    }

    /// Seals, syncs and renames into place.
    pub fn seal(mut self, key: &BoxSigningKey, closed_at: &str) -> Result<(), BoxError> {
        let msg = seal_message(&self.header, self.ballots, &self.head, closed_at);
        let seal = SealRecord {
            record: RecordKind::Seal,
            seq: self.ballots + 1,
            prev: self.head,
            ballots: self.ballots,
            closed_at: closed_at.into(),
            signature: to_b64(key.0.sign(&msg).as_ref()),
        };
        let line = json_line(&seal);
        self.write_line(&line)?;
        self.tmp.commit().map_err(fs_err)
    }
}

/// Checks, before a box is sealed, what the count would otherwise refuse
/// once it is sealed: the header's election (`fingerprint` and `event`) and
/// every ballot record's `cast_at` (read with [`crate::timestamp::parse`], as
/// the count reads it). Streams the box; the chain is [`scan`]'s.
pub fn check_countable(path: &Path, fingerprint: &Digest32, event: &str) -> Result<(), BoxError> {
    let mut reader = LineReader::open(path)?;
    let file = reader.file().to_string();
    let (header, _) = read_header(&mut reader)?;
    if header.fingerprint != *fingerprint {
        return Err(BoxError::OtherElection {
            file,
            found: header.fingerprint.hex(),
        });
    }
    if header.event != event {
        return Err(BoxError::Malformed {
            file,
            line: 1,
            detail: format!(
                "the header is of event {:?}, the manifest of {event:?}",
                header.event
            ),
        });
    }
    while let Some(line) = reader.next_line()? {
        if let Line::Ballot(r) = parse_line(&line.bytes, &file, line.line_no)? {
            if let Err(e) = crate::timestamp::parse(&r.cast_at) {
                return Err(BoxError::Malformed {
                    file,
                    line: line.line_no,
                    detail: format!("cast_at: {e}; the count would refuse the box"),
                });
            }
        }
    }
    Ok(())
}

/// Reads a whole small file into a string, naming it on error.
pub fn read_text(path: &Path) -> Result<String, BoxError> {
    let mut s = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut s))
        .map_err(io_err(path))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(key: &BoxSigningKey) -> BoxHeader {
        BoxHeader {
            record: RecordKind::Header,
            format: BOX_FORMAT.into(),
            event: "e".into(),
            fingerprint: Digest32([3; 32]),
            box_key: key.public_b64(),
            created_at: "2027-01-01T00:00:00Z".into(),
            credentials_sha256: None,
        }
    }

    fn dummy_ballot() -> Ballot {
        use crate::crypto::encoding::{Elem, PubScalar};
        use crate::crypto::proofs::DleqProof;
        use curve25519_dalek::scalar::Scalar;
        let e = Elem::from_point(&curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT);
        Ballot::OneHot(crate::ballot::OneHotBallot {
            options: vec![],
            sum_proof: DleqProof {
                a: e,
                b: e,
                s: PubScalar(Scalar::ONE),
            },
        })
    }

    #[test]
    fn the_header_is_read_without_the_ballots_behind_it() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = BoxSigningKey::generate().unwrap();
        let path = dir.path().join("box.jsonl");
        // A header longer than the header buffer is still read whole.
        for event in ["e".to_string(), "x".repeat(3 * HEADER_BUFFER)] {
            let mut h = header(&key);
            h.event = event;
            init(&path, &h, true).unwrap();
            let line = json_line(&h);
            // Two megabytes of lines behind it (what they hold is not read).
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            let filler = [b"{\"record\":\"ballot\"}".as_slice(), &[b' '; 2000], b"\n"].concat();
            for _ in 0..1000 {
                f.write_all(&filler).unwrap();
            }
            drop(f);
            let (got, got_line) = read_header_of(&path).unwrap();
            assert_eq!((got.event, got_line), (h.event, line.clone()));
            let mut r = LineReader::with_buffer(&path, HEADER_BUFFER).unwrap();
            read_header(&mut r).unwrap();
            let read = r.bytes_read().unwrap();
            assert!(
                read < line.len() as u64 + HEADER_BUFFER as u64 + 1,
                "{read} bytes read for a header of {}",
                line.len()
            );
            // The stream reader, by contrast, fills its megabyte.
            let mut r = LineReader::open(&path).unwrap();
            read_header(&mut r).unwrap();
            assert_eq!(r.bytes_read().unwrap(), STREAM_BUFFER as u64);
            // Read to its end, the reader's hash is the file's.
            while r.next_line().unwrap().is_some() {}
            assert_eq!(
                r.sha256().unwrap().hex(),
                crate::fsio::sha256_hex(&std::fs::read(&path).unwrap())
            );
            // A reader opened without its hash reads the same lines and
            // claims no hash.
            let mut u = LineReader::open_unhashed(&path).unwrap();
            read_header(&mut u).unwrap();
            while u.next_line().unwrap().is_some() {}
            assert!(u.sha256().is_none());
        }
    }

    fn small_box(dir: &Path, n: usize) -> (PathBuf, BoxSigningKey) {
        let (key, _) = BoxSigningKey::generate().unwrap();
        let path = dir.join("box.jsonl");
        init(&path, &header(&key), false).unwrap();
        let mut app = Appender::open(&path).unwrap();
        for i in 0..n {
            app.cast(
                &format!("V{i}"),
                "r",
                "2027-01-22T10:00:00Z",
                dummy_ballot(),
                None,
            )
            .unwrap();
        }
        app.close(&key, "2027-02-02T21:00:00Z").unwrap();
        (path, key)
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    fn write(path: &Path, lines: &[String]) {
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn chunks_read_the_lines_and_hash_of_next_line_and_refuse_what_it_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("box.jsonl");
        // Lines of varied length, some longer than a read of the stream buffer.
        let lines: Vec<Vec<u8>> = (0..2500usize)
            .map(|i| vec![b"abcdefghijklmnopqrstuvwxyz"[i % 26]; (i * 7919) % 3000])
            .collect();
        let body: Vec<u8> = lines
            .iter()
            .flat_map(|l| [l.as_slice(), b"\n"].concat())
            .collect();
        std::fs::write(&path, &body).unwrap();
        let mut r = LineReader::open(&path).unwrap();
        let mut chunk = LineChunk::default();
        let mut got = Vec::new();
        loop {
            r.next_chunk_into(1000, &mut chunk).unwrap();
            if chunk.is_empty() {
                break;
            }
            assert!(chunk.len() <= 1000);
            got.extend(chunk.lines().iter().map(|l| (l.line_no, l.bytes.to_vec())));
        }
        let want: Vec<(u64, Vec<u8>)> = (1..).zip(lines.iter().cloned()).collect();
        assert_eq!(got, want);
        assert_eq!(r.sha256().unwrap().hex(), crate::fsio::sha256_hex(&body));

        // An unterminated last line, and a line over the limit, are named by
        // their number, as `next_line` names them.
        for (tail, line_no, code) in [
            (b"cut".to_vec(), 2501, "E-BOX-MALFORMED"),
            (vec![b'x'; BOX_LINE_BYTES + 1], 2501, "E-TOO-LARGE"),
        ] {
            let mut bad = body.clone();
            bad.extend_from_slice(&tail);
            if tail.len() > 3 {
                bad.push(b'\n');
            }
            std::fs::write(&path, &bad).unwrap();
            for chunked in [false, true] {
                let mut r = LineReader::open(&path).unwrap();
                let err = if chunked {
                    loop {
                        match r.next_chunk_into(1000, &mut chunk) {
                            Ok(()) => assert!(!chunk.is_empty(), "the bad line was not refused"),
                            Err(e) => break e,
                        }
                    }
                } else {
                    loop {
                        match r.next_line() {
                            Ok(l) => assert!(l.is_some(), "the bad line was not refused"),
                            Err(e) => break e,
                        }
                    }
                };
                assert_eq!(crate::error::Explain::code(&err), code, "{err}");
                assert!(
                    err.to_string().contains(&format!("line {line_no}")),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn a_closed_box_scans_and_takes_no_more_ballots() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = small_box(dir.path(), 3);
        let st = scan(&path).unwrap();
        assert_eq!(st.ballots, 3);
        assert!(st.seal.is_some());
        assert!(matches!(
            Appender::open(&path),
            Err(BoxError::AlreadySealed { .. })
        ));
    }

    #[test]
    fn init_refuses_an_existing_box() {
        let dir = tempfile::tempdir().unwrap();
        let (path, key) = small_box(dir.path(), 1);
        assert!(matches!(
            init(&path, &header(&key), false),
            Err(BoxError::Exists { .. })
        ));
    }

    #[test]
    fn a_tampered_record_breaks_the_chain_at_the_next_line() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = small_box(dir.path(), 3);
        let mut l = lines(&path);
        l[2] = l[2].replace("\"V1\"", "\"V9\"");
        write(&path, &l);
        match scan(&path) {
            Err(BoxError::ChainBroken { line, .. }) => assert_eq!(line, 4),
            other => panic!("expected a broken chain, got {other:?}"),
        }
    }

    #[test]
    fn reordered_or_dropped_records_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = small_box(dir.path(), 3);
        let orig = lines(&path);
        let mut l = orig.clone();
        l.swap(1, 2);
        write(&path, &l);
        assert!(matches!(
            scan(&path),
            Err(BoxError::Sequence {
                line: 2,
                expected: 1,
                found: 2,
                ..
            })
        ));
        let mut l = orig.clone();
        l.remove(2);
        write(&path, &l);
        assert!(matches!(
            scan(&path),
            Err(BoxError::Sequence { line: 3, .. })
        ));
    }

    #[test]
    fn a_box_never_closed_has_no_seal_and_a_forged_seal_fails() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = small_box(dir.path(), 2);
        let mut l = lines(&path);
        let seal = l.pop().unwrap();
        write(&path, &l);
        assert!(scan(&path).unwrap().seal.is_none());
        // Another key's seal over the same chain.
        let (other, _) = BoxSigningKey::generate().unwrap();
        let mut app = Appender::open(&path).unwrap();
        app.state.header.box_key = other.public_b64();
        app.close(&other, "2027-02-02T21:00:00Z").unwrap();
        assert!(matches!(scan(&path), Err(BoxError::SealSignature { .. })));
        assert!(seal.contains("\"seal\""));
    }

    #[test]
    fn a_truncated_box_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = small_box(dir.path(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() - 10]).unwrap();
        assert!(matches!(
            scan(&path),
            Err(BoxError::Malformed { line: 4, .. })
        ));
    }
}
