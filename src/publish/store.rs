//! The publication store (`urne-publication/1`): a directory of immutable,
//! content-addressed objects, a signed manifest per publication, and a `HEAD`
//! file naming the current manifest. docs/publication.md is the contract.
//!
//! ```text
//! PUBDIR/objects/<sha256-hex>       content files and manifests, named by the
//!                                   SHA-256 of their bytes; never rewritten
//! PUBDIR/objects/<manifest-sha>.sig the manifest's signature object (JSON)
//! PUBDIR/HEAD                       "<sha256-hex of the current manifest>\n"
//!
//! message   = H256("urne/v1/publication-manifest"; exact manifest bytes)
//! signature = Ed25519(publisher key, message)
//! ```
//!
//! [`publish`] writes every object first (each synced), then the manifest and
//! its signature, and only then replaces `HEAD` in one rename. A reader that
//! follows `HEAD` → manifest → objects therefore sees one whole publication,
//! never a mix of two: objects do not change once written, and `HEAD` switches
//! from one complete publication to the next at once.
//!
//! One publisher at a time: [`publish`] holds an exclusive lock on
//! `dir/LOCK` (an advisory OS file lock, released when the process ends,
//! even if it is killed) from its sequence check to the swap of `HEAD`; a
//! second publisher meanwhile waits up to [`LOCK_WAIT`], then is refused
//! (`E-PUBLISH-BUSY`); the two are never interleaved.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::encoding::{b64_32, from_b64, sha256, to_b64, Digest32, Transcript};
use crate::error::Explain;
use crate::fsio::{self, FsError};

/// The manifest's format tag.
pub const PUBLICATION_FORMAT: &str = "urne-publication/1";
/// The signature object's format tag.
pub const SIGNATURE_FORMAT: &str = "urne-publication-signature/1";
/// The domain tag of the message a publisher signs.
pub const MANIFEST_SIGNING_TAG: &str = "urne/v1/publication-manifest";
/// The `kind` of a sealed publisher key (see [`crate::keys::seal`]).
pub const PUBLISHER_KEY_KIND: &str = "publisher-key";
/// The file naming the current manifest.
pub const HEAD_FILE: &str = "HEAD";
/// The directory of objects.
pub const OBJECTS_DIR: &str = "objects";
/// The lock file that serialises publishers (empty; its presence means nothing).
pub const LOCK_FILE: &str = "LOCK";
/// Names the result server answers itself; no published file may take them.
pub const RESERVED_NAMES: &[&str] = &["manifest.json", "manifest.json.sig", "health", "objects"];
/// The longest file name accepted.
pub const MAX_NAME_LEN: usize = 255;

/// The count stage a publication reports (NIST SP 1500-100 `Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Counting is under way; more results will follow.
    Partial,
    /// Everything is counted; not yet certified.
    Complete,
    /// The signed protocol's result.
    Certified,
}

impl Status {
    /// The word used in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Partial => "partial",
            Status::Complete => "complete",
            Status::Certified => "certified",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One file of a publication, as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// A simple name (see [`check_name`]); the server serves it at `/<name>`.
    pub name: String,
    /// SHA-256 of the file's bytes; the object's name.
    pub sha256: Digest32,
    /// Size in bytes.
    pub size: u64,
    /// The media type the server sends (`Content-Type`).
    pub content_type: String,
}

/// The manifest of one publication (`urne-publication/1`), pretty JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationManifest {
    pub format: String,
    /// The event id.
    pub event: String,
    /// The election authority, named as the source of the results.
    pub authority: String,
    /// The attribution sentence, e.g. "Source: Valgstyret i Søgne og Songdalen".
    pub source: String,
    /// Strictly increasing from one publication to the next.
    pub sequence: u64,
    /// RFC 3339.
    pub published_at: String,
    pub status: Status,
    /// A rehearsal, not a real result.
    pub is_test: bool,
    pub files: Vec<FileEntry>,
    /// The publisher's Ed25519 public key, 32 bytes, standard padded base64.
    pub publisher_key: String,
}

impl PublicationManifest {
    /// The entry of a file by name.
    pub fn file(&self, name: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The signature object at `objects/<manifest-sha>.sig`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub format: String,
    /// SHA-256 of the exact manifest bytes.
    pub manifest_sha256: Digest32,
    /// The signer's Ed25519 public key, base64.
    pub publisher_key: String,
    /// The Ed25519 signature (64 bytes), base64.
    pub signature: String,
}

/// What a publication says about itself, besides its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicationMeta {
    pub event: String,
    pub authority: String,
    pub source: String,
    pub sequence: u64,
    /// RFC 3339.
    pub published_at: String,
    pub status: Status,
    pub is_test: bool,
}

/// A file to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Why a publication could not be written, read or verified.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{head} already names publication {current}; the new publication's sequence {new} must be above it")]
    Sequence {
        head: PathBuf,
        current: u64,
        new: u64,
    },
    #[error("the file name {name:?} is refused: {rule}")]
    Name { name: String, rule: String },
    #[error("the publication's {field} is refused: {rule}")]
    Meta { field: &'static str, rule: String },
    #[error("{path} does not hold the SHA-256 of a manifest (64 lowercase hex characters and a newline)")]
    Head { path: PathBuf },
    #[error("{path} does not hash to its name; the object has been altered or truncated")]
    ObjectAltered { path: PathBuf },
    #[error("{what} is not a valid publication manifest: {detail}")]
    Manifest { what: String, detail: String },
    #[error("{what} is not a valid publication signature: {detail}")]
    SignatureMalformed { what: String, detail: String },
    #[error("{what} signs manifest {signed}, not manifest {found}")]
    SignatureOtherManifest {
        what: String,
        signed: Digest32,
        found: Digest32,
    },
    #[error(
        "manifest {manifest} is signed by publisher key {found}, not by the pinned key {pinned}"
    )]
    WrongPublisher {
        manifest: Digest32,
        found: String,
        pinned: String,
    },
    #[error("the signature of manifest {manifest} does not verify with its publisher key")]
    BadSignature { manifest: Digest32 },
    #[error("the publisher key is not a valid Ed25519 key (PKCS#8)")]
    BadKey,
    #[error("the detached signature of {name} is refused: {detail}")]
    FileSignature { name: String, detail: String },
    #[error("the system random generator failed")]
    Random,
    #[error("another publication into {dir} is being written right now (its lock {lock} is held)")]
    Busy { dir: PathBuf, lock: PathBuf },
}

impl Explain for StoreError {
    fn code(&self) -> &'static str {
        match self {
            StoreError::File(e) => e.code(),
            StoreError::Sequence { .. } => "E-PUBLISH-SEQUENCE",
            StoreError::Name { .. } => "E-PUBLISH-NAME",
            StoreError::Meta { .. } => "E-PUBLISH-META",
            StoreError::Head { .. } => "E-PUBLISH-HEAD",
            StoreError::ObjectAltered { .. } => "E-PUBLISH-OBJECT",
            StoreError::Manifest { .. } => "E-PUBLISH-MANIFEST",
            StoreError::SignatureMalformed { .. } => "E-PUBLISH-SIGNATURE-FORMAT",
            StoreError::SignatureOtherManifest { .. } | StoreError::BadSignature { .. } => {
                "E-PUBLISH-SIGNATURE"
            }
            StoreError::WrongPublisher { .. } => "E-PUBLISH-WRONG-KEY",
            StoreError::BadKey => "E-PUBLISH-KEY",
            StoreError::FileSignature { .. } => "E-PUBLISH-FILE-SIGNATURE",
            StoreError::Random => "E-PUBLISH-INTERNAL",
            StoreError::Busy { .. } => "E-PUBLISH-BUSY",
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            StoreError::File(e) => return e.hint(),
            StoreError::Sequence { current, .. } => {
                format!("give the new publication a sequence number of {} or more", current.saturating_add(1))
            }
            StoreError::Name { .. } => {
                "use letters, digits, '.', '_' and '-' only, without \"..\"".into()
            }
            StoreError::ObjectAltered { .. } | StoreError::Head { .. } => {
                "the publication directory has been altered; restore it from the authority's copy".into()
            }
            StoreError::SignatureOtherManifest { .. } | StoreError::BadSignature { .. } => {
                "the files were altered after signing, or do not come from the publisher; do not use them".into()
            }
            StoreError::WrongPublisher { .. } => {
                "check the publisher key you pinned against the one the authority announced".into()
            }
            StoreError::FileSignature { .. } => {
                "the file was altered, or does not come from the publisher; do not use it".into()
            }
            StoreError::Busy { .. } => {
                "wait for the other publication to finish, then publish again with a sequence above it".into()
            }
            _ => return None,
        })
    }
}

/// Checks a published file name: 1 to 255 characters of `[A-Za-z0-9._-]`,
/// not starting with `.`, without `..`, and none of [`RESERVED_NAMES`].
pub fn check_name(name: &str) -> Result<(), StoreError> {
    let refuse = |rule: &str| {
        Err(StoreError::Name {
            name: name.into(),
            rule: rule.into(),
        })
    };
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return refuse("a name has 1 to 255 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return refuse("only letters, digits, '.', '_' and '-' are allowed (no '/' or '\\')");
    }
    if name.starts_with('.') || name.contains("..") {
        return refuse("a name may not start with '.' or contain \"..\"");
    }
    if RESERVED_NAMES.contains(&name) {
        return refuse("the result server answers this name itself");
    }
    Ok(())
}

/// Checks a media type for use as an HTTP header value: 1 to 255 visible
/// ASCII characters or spaces.
fn check_content_type(name: &str, ct: &str) -> Result<(), StoreError> {
    if ct.is_empty() || ct.len() > 255 || !ct.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(StoreError::Meta {
            field: "content type",
            rule: format!("{name}: {ct:?} is not 1 to 255 printable ASCII characters"),
        });
    }
    Ok(())
}

fn check_time(field: &'static str, s: &str) -> Result<(), StoreError> {
    crate::timestamp::parse(s)
        .map(|_| ())
        .map_err(|_| StoreError::Meta {
            field,
            rule: format!("{s:?} is not an RFC 3339 time"),
        })
}

fn check_meta(meta: &PublicationMeta) -> Result<(), StoreError> {
    if meta.event.trim().is_empty() {
        return Err(StoreError::Meta {
            field: "event",
            rule: "it is empty".into(),
        });
    }
    if meta.sequence == 0 {
        return Err(StoreError::Meta {
            field: "sequence",
            rule: "sequences start at 1".into(),
        });
    }
    check_time("published_at", &meta.published_at)
}

/// The 32 bytes a publisher signs: `H256("urne/v1/publication-manifest"; bytes)`.
pub fn signing_message(manifest_bytes: &[u8]) -> [u8; 32] {
    let mut t = Transcript::sha256(MANIFEST_SIGNING_TAG);
    t.bytes(manifest_bytes);
    t.finish32()
}

/// The publisher's Ed25519 key pair. Its PKCS#8 form is sealed at rest by the
/// caller with [`crate::keys::seal`], kind [`PUBLISHER_KEY_KIND`].
pub struct PublisherKey {
    pair: Ed25519KeyPair,
    public: [u8; 32],
}

impl std::fmt::Debug for PublisherKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublisherKey(public {})", self.public_b64())
    }
}

impl PublisherKey {
    /// A new key pair and its PKCS#8 encoding (to be sealed by the caller).
    pub fn generate() -> Result<(Self, Zeroizing<Vec<u8>>), StoreError> {
        let rng = SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| StoreError::Random)?;
        let pkcs8 = Zeroizing::new(doc.as_ref().to_vec());
        Ok((Self::from_pkcs8(&pkcs8)?, pkcs8))
    }

    /// Loads a key pair from PKCS#8 v2 (as [`PublisherKey::generate`] makes it).
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, StoreError> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes).map_err(|_| StoreError::BadKey)?;
        let public: [u8; 32] = pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| StoreError::BadKey)?;
        Ok(PublisherKey { pair, public })
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// The public key in standard padded base64, as the manifest carries it.
    pub fn public_b64(&self) -> String {
        to_b64(&self.public)
    }

    /// The Ed25519 signature of a 32-byte message, base64.
    pub fn sign_message(&self, message: &[u8; 32]) -> String {
        to_b64(self.pair.sign(message).as_ref())
    }

    /// The signature object for exact manifest bytes.
    pub fn sign_manifest(&self, manifest_bytes: &[u8]) -> SignatureFile {
        let sig = self.pair.sign(&signing_message(manifest_bytes));
        SignatureFile {
            format: SIGNATURE_FORMAT.into(),
            manifest_sha256: Digest32(sha256(manifest_bytes)),
            publisher_key: self.public_b64(),
            signature: to_b64(sig.as_ref()),
        }
    }
}

/// `PUBDIR/objects/<hex>`.
pub fn object_path(dir: &Path, sha: &Digest32) -> PathBuf {
    dir.join(OBJECTS_DIR).join(sha.hex())
}

/// `PUBDIR/objects/<manifest-hex>.sig`.
pub fn signature_path(dir: &Path, manifest_sha: &Digest32) -> PathBuf {
    dir.join(OBJECTS_DIR)
        .join(format!("{}.sig", manifest_sha.hex()))
}

/// Pretty JSON with a final newline: the manifest's bytes on disk and on the wire.
pub fn manifest_bytes(m: &PublicationManifest) -> Result<Vec<u8>, StoreError> {
    let mut v = serde_json::to_vec_pretty(m).map_err(|e| StoreError::Manifest {
        what: "the new manifest".into(),
        detail: e.to_string(),
    })?;
    v.push(b'\n');
    Ok(v)
}

/// Pretty JSON with a final newline.
pub fn signature_bytes(s: &SignatureFile) -> Result<Vec<u8>, StoreError> {
    let mut v = serde_json::to_vec_pretty(s).map_err(|e| StoreError::SignatureMalformed {
        what: "the new signature".into(),
        detail: e.to_string(),
    })?;
    v.push(b'\n');
    Ok(v)
}

/// Parses and checks manifest bytes: the format tag, every file name, no name
/// twice, every content type, and a 32-byte publisher key. `what` names the
/// manifest in errors.
pub fn parse_manifest(bytes: &[u8], what: &str) -> Result<PublicationManifest, StoreError> {
    let bad = |detail: String| StoreError::Manifest {
        what: what.into(),
        detail,
    };
    let m: PublicationManifest = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if m.format != PUBLICATION_FORMAT {
        return Err(bad(format!(
            "format {:?} (this urne reads {PUBLICATION_FORMAT})",
            m.format
        )));
    }
    let mut seen = HashSet::new();
    for f in &m.files {
        check_name(&f.name).map_err(|e| bad(e.to_string()))?;
        check_content_type(&f.name, &f.content_type).map_err(|e| bad(e.to_string()))?;
        if !seen.insert(f.name.as_str()) {
            return Err(bad(format!("the file {:?} is listed twice", f.name)));
        }
    }
    b64_32(&m.publisher_key).map_err(|e| bad(format!("publisher_key {e}")))?;
    Ok(m)
}

fn parse_head(bytes: &[u8]) -> Option<Digest32> {
    let text = std::str::from_utf8(bytes).ok()?;
    let hex = text.strip_suffix('\n').unwrap_or(text);
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Digest32::from_hex(hex)
}

/// The SHA-256 that `HEAD` names, or `None` before the first publication.
pub fn read_head(dir: &Path) -> Result<Option<Digest32>, StoreError> {
    let path = dir.join(HEAD_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => parse_head(&bytes)
            .map(Some)
            .ok_or(StoreError::Head { path }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FsError::Unreadable { path, source }.into()),
    }
}

/// Reads an object and checks that it hashes to its name.
pub fn read_object(dir: &Path, sha: &Digest32) -> Result<Vec<u8>, StoreError> {
    let path = object_path(dir, sha);
    let bytes = fsio::read(&path)?;
    if sha256(&bytes) != sha.0 {
        return Err(StoreError::ObjectAltered { path });
    }
    Ok(bytes)
}

/// Reads the signature object of a manifest.
pub fn read_signature(dir: &Path, manifest_sha: &Digest32) -> Result<Vec<u8>, StoreError> {
    Ok(fsio::read(&signature_path(dir, manifest_sha))?)
}

/// Reads the manifest object named by its hash, checked and parsed.
pub fn read_manifest(
    dir: &Path,
    sha: &Digest32,
) -> Result<(Vec<u8>, PublicationManifest), StoreError> {
    let bytes = read_object(dir, sha)?;
    let m = parse_manifest(&bytes, &object_path(dir, sha).display().to_string())?;
    Ok((bytes, m))
}

/// The current publication: the manifest `HEAD` names, its exact bytes and
/// its parsed form; `None` before the first publication.
pub fn current(dir: &Path) -> Result<Option<(Vec<u8>, PublicationManifest)>, StoreError> {
    match read_head(dir)? {
        None => Ok(None),
        Some(sha) => read_manifest(dir, &sha).map(Some),
    }
}

/// Verifies a publication as a client receives it: the signature object is
/// for exactly these manifest bytes, names the manifest's publisher key (and
/// the pinned key, if one is given), and verifies. Returns the parsed manifest.
pub fn verify_publication(
    manifest_bytes: &[u8],
    sig_bytes: &[u8],
    pinned_key: Option<&[u8; 32]>,
) -> Result<PublicationManifest, StoreError> {
    let found = Digest32(sha256(manifest_bytes));
    let what = format!("the signature of manifest {found}");
    let malformed = |detail: String| StoreError::SignatureMalformed {
        what: what.clone(),
        detail,
    };
    let sig: SignatureFile =
        serde_json::from_slice(sig_bytes).map_err(|e| malformed(e.to_string()))?;
    if sig.format != SIGNATURE_FORMAT {
        return Err(malformed(format!(
            "format {:?} (this urne reads {SIGNATURE_FORMAT})",
            sig.format
        )));
    }
    if sig.manifest_sha256 != found {
        return Err(StoreError::SignatureOtherManifest {
            what,
            signed: sig.manifest_sha256,
            found,
        });
    }
    let manifest = parse_manifest(manifest_bytes, &format!("manifest {found}"))?;
    if sig.publisher_key != manifest.publisher_key {
        return Err(malformed(
            "it names another publisher key than the manifest".into(),
        ));
    }
    let key =
        b64_32(&manifest.publisher_key).map_err(|e| malformed(format!("publisher_key {e}")))?;
    if let Some(pinned) = pinned_key {
        if pinned != &key {
            return Err(StoreError::WrongPublisher {
                manifest: found,
                found: manifest.publisher_key.clone(),
                pinned: to_b64(pinned),
            });
        }
    }
    let signature = from_b64(&sig.signature).map_err(|e| malformed(format!("signature {e}")))?;
    signature::UnparsedPublicKey::new(&signature::ED25519, key)
        .verify(&signing_message(manifest_bytes), &signature)
        .map_err(|_| StoreError::BadSignature { manifest: found })?;
    Ok(manifest)
}

/// Writes an object unless it is already there with the same bytes; an object
/// that is there with other bytes is an error, never overwritten.
fn put_object(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let same_as_existing = |path: &Path| -> Result<(), StoreError> {
        if fsio::read(path)? == bytes {
            Ok(())
        } else {
            Err(StoreError::ObjectAltered {
                path: path.to_path_buf(),
            })
        }
    };
    if path.exists() {
        return same_as_existing(path);
    }
    // `publish` swept the objects directory once under its lock.
    let written = fsio::AtomicFile::create_in_swept(path, false, fsio::Visibility::Public)
        .and_then(|mut f| {
            f.write_all(bytes).map_err(|e| FsError::Unwritable {
                path: path.to_path_buf(),
                source: e,
            })?;
            f.commit()
        });
    match written {
        Ok(()) => Ok(()),
        Err(FsError::FileExists { .. }) => same_as_existing(path),
        Err(e) => Err(e.into()),
    }
}

/// How long [`publish`] waits for another publisher's lock before refusing.
/// The wait also covers a lock that is only briefly shared: a process that
/// forks holds a copy of the descriptor until it executes its program.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Takes the publishers' lock on `dir`, waiting up to `wait` for it; held
/// until the returned file is dropped.
fn lock(dir: &Path, wait: std::time::Duration) -> Result<std::fs::File, StoreError> {
    let path = dir.join(LOCK_FILE);
    std::fs::create_dir_all(dir).map_err(|e| FsError::Unwritable {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| FsError::Unwritable {
            path: path.clone(),
            source: e,
        })?;
    let start = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Busy {
                    dir: dir.to_path_buf(),
                    lock: path,
                })
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(FsError::Unwritable { path, source: e }.into())
            }
        }
    }
}

fn check_sequence(dir: &Path, new: u64) -> Result<(), StoreError> {
    if let Some((_, cur)) = current(dir)? {
        if cur.sequence >= new {
            return Err(StoreError::Sequence {
                head: dir.join(HEAD_FILE),
                current: cur.sequence,
                new,
            });
        }
    }
    Ok(())
}

/// Publishes `files` as the next publication in `dir` and makes it current.
///
/// Refuses a sequence not above the current one (`E-PUBLISH-SEQUENCE`), a
/// file name that is not simple (`E-PUBLISH-NAME`), or a name given twice.
/// Order of writes: every content object (synced), the manifest object, its
/// signature object, then `HEAD` in one atomic rename.
pub fn publish(
    dir: &Path,
    meta: PublicationMeta,
    files: &[PublishedFile],
    key: &PublisherKey,
) -> Result<PublicationManifest, StoreError> {
    publish_waiting(dir, meta, files, key, LOCK_WAIT)
}

fn publish_waiting(
    dir: &Path,
    meta: PublicationMeta,
    files: &[PublishedFile],
    key: &PublisherKey,
    wait: std::time::Duration,
) -> Result<PublicationManifest, StoreError> {
    check_meta(&meta)?;
    let mut seen = HashSet::new();
    for f in files {
        check_name(&f.name)?;
        check_content_type(&f.name, &f.content_type)?;
        if !seen.insert(f.name.as_str()) {
            return Err(StoreError::Name {
                name: f.name.clone(),
                rule: "two files have this name".into(),
            });
        }
    }
    let _lock = lock(dir, wait)?;
    // A publisher killed earlier may have left a temporary file of an object
    // no later publication writes again (each manifest differs): sweep them.
    fsio::remove_stale_temps_in(dir);
    fsio::remove_stale_temps_in(&dir.join(OBJECTS_DIR));
    check_sequence(dir, meta.sequence)?;

    let mut entries = Vec::with_capacity(files.len());
    for f in files {
        let sha = Digest32(sha256(&f.bytes));
        put_object(&object_path(dir, &sha), &f.bytes)?;
        entries.push(FileEntry {
            name: f.name.clone(),
            sha256: sha,
            size: f.bytes.len() as u64,
            content_type: f.content_type.clone(),
        });
    }
    let manifest = PublicationManifest {
        format: PUBLICATION_FORMAT.into(),
        event: meta.event,
        authority: meta.authority,
        source: meta.source,
        sequence: meta.sequence,
        published_at: meta.published_at,
        status: meta.status,
        is_test: meta.is_test,
        files: entries,
        publisher_key: key.public_b64(),
    };
    let bytes = manifest_bytes(&manifest)?;
    let sha = Digest32(sha256(&bytes));
    put_object(&object_path(dir, &sha), &bytes)?;
    let sig = signature_bytes(&key.sign_manifest(&bytes))?;
    put_object(&signature_path(dir, &sha), &sig)?;

    fsio::write_atomic(
        &dir.join(HEAD_FILE),
        format!("{}\n", sha.hex()).as_bytes(),
        true,
        fsio::Visibility::Public,
    )?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(sequence: u64) -> PublicationMeta {
        PublicationMeta {
            event: "sogne-songdalen-2025".into(),
            authority: "Valgstyret i Søgne og Songdalen".into(),
            source: "Source: Valgstyret i Søgne og Songdalen".into(),
            sequence,
            published_at: "2025-02-03T20:15:00Z".into(),
            status: Status::Partial,
            is_test: true,
        }
    }

    fn file(name: &str, body: &str) -> PublishedFile {
        PublishedFile {
            name: name.into(),
            bytes: body.as_bytes().to_vec(),
            content_type: "application/json".into(),
        }
    }

    #[test]
    fn publish_then_read_back_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        assert!(current(dir.path()).unwrap().is_none());
        let m = publish(dir.path(), meta(1), &[file("results.json", "{}")], &key).unwrap();
        let (bytes, back) = current(dir.path()).unwrap().unwrap();
        assert_eq!(back, m);
        assert_eq!(back.files[0].sha256.hex(), fsio::sha256_hex(b"{}"));
        let sha = Digest32(sha256(&bytes));
        let sig = read_signature(dir.path(), &sha).unwrap();
        let pinned = key.public_key();
        assert_eq!(verify_publication(&bytes, &sig, Some(&pinned)).unwrap(), m);
        let head = std::fs::read_to_string(dir.path().join("HEAD")).unwrap();
        assert_eq!(head, format!("{}\n", sha.hex()));
    }

    #[test]
    fn a_second_publisher_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        let held = lock(dir.path(), LOCK_WAIT).unwrap();
        let short = std::time::Duration::from_millis(200);
        let e =
            publish_waiting(dir.path(), meta(1), &[file("a.json", "1")], &key, short).unwrap_err();
        assert_eq!(e.code(), "E-PUBLISH-BUSY");
        assert!(e.to_string().contains("LOCK"), "{e}");
        assert!(
            current(dir.path()).unwrap().is_none(),
            "nothing was published"
        );
        drop(held);
        publish(dir.path(), meta(1), &[file("a.json", "1")], &key).unwrap();
        // The lock is released when publish returns: the next one goes through.
        publish(dir.path(), meta(2), &[file("a.json", "2")], &key).unwrap();
        assert_eq!(current(dir.path()).unwrap().unwrap().1.sequence, 2);
    }

    #[test]
    fn a_publisher_waits_for_a_lock_held_briefly() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        let held = lock(dir.path(), LOCK_WAIT).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(held);
        });
        publish(dir.path(), meta(1), &[file("a.json", "1")], &key).unwrap();
        releaser.join().unwrap();
        assert_eq!(current(dir.path()).unwrap().unwrap().1.sequence, 1);
    }

    #[test]
    fn sequence_must_grow() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        publish(dir.path(), meta(2), &[file("a.json", "1")], &key).unwrap();
        for s in [1, 2] {
            let e = publish(dir.path(), meta(s), &[file("a.json", "2")], &key).unwrap_err();
            assert_eq!(e.code(), "E-PUBLISH-SEQUENCE");
            assert!(e.to_string().contains("HEAD"), "{e}");
        }
        assert_eq!(current(dir.path()).unwrap().unwrap().1.sequence, 2);
        publish(dir.path(), meta(5), &[file("a.json", "2")], &key).unwrap();
        assert_eq!(current(dir.path()).unwrap().unwrap().1.sequence, 5);
    }

    #[test]
    fn names_must_be_simple() {
        for bad in [
            "",
            "../x",
            "a/b",
            "a\\b",
            "..",
            ".",
            ".hidden",
            "a..b",
            "é.json",
            "a b",
            "manifest.json",
            "objects",
            "%2e%2e",
        ] {
            assert_eq!(
                check_name(bad).unwrap_err().code(),
                "E-PUBLISH-NAME",
                "{bad:?}"
            );
        }
        for good in ["results.json", "index.html", "NIST_v2-results.xml", "a"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        let e = publish(dir.path(), meta(1), &[file("../x", "1")], &key).unwrap_err();
        assert_eq!(e.code(), "E-PUBLISH-NAME");
        let e = publish(dir.path(), meta(1), &[file("a", "1"), file("a", "2")], &key).unwrap_err();
        assert_eq!(e.code(), "E-PUBLISH-NAME");
        // Nothing was written for refused publications.
        assert!(!dir.path().join("objects").exists());
    }

    #[test]
    fn a_changed_byte_or_another_key_fails_verification() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        let (other, _) = PublisherKey::generate().unwrap();
        publish(dir.path(), meta(1), &[file("r.json", "{}")], &key).unwrap();
        let (bytes, _) = current(dir.path()).unwrap().unwrap();
        let sig = read_signature(dir.path(), &Digest32(sha256(&bytes))).unwrap();
        let e = verify_publication(&bytes, &sig, Some(&other.public_key())).unwrap_err();
        assert_eq!(e.code(), "E-PUBLISH-WRONG-KEY");
        let text = String::from_utf8(bytes.clone()).unwrap();
        let altered = text
            .replace("\"sequence\": 1", "\"sequence\": 9")
            .into_bytes();
        assert_ne!(altered, bytes);
        let e = verify_publication(&altered, &sig, None).unwrap_err();
        assert_eq!(e.code(), "E-PUBLISH-SIGNATURE");
        // A signature re-pointed at the altered manifest still fails.
        let mut s: SignatureFile = serde_json::from_slice(&sig).unwrap();
        s.manifest_sha256 = Digest32(sha256(&altered));
        let e = verify_publication(&altered, &signature_bytes(&s).unwrap(), None).unwrap_err();
        assert!(matches!(e, StoreError::BadSignature { .. }), "{e}");
    }

    #[test]
    fn an_altered_object_is_named_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = PublisherKey::generate().unwrap();
        publish(dir.path(), meta(1), &[file("r.json", "{}")], &key).unwrap();
        let obj = object_path(dir.path(), &Digest32(sha256(b"{}")));
        std::fs::write(&obj, b"{\"x\":1}").unwrap();
        let e = publish(dir.path(), meta(2), &[file("r.json", "{}")], &key).unwrap_err();
        assert_eq!(e.code(), "E-PUBLISH-OBJECT");
        assert!(e.to_string().contains(&obj.display().to_string()));
        assert_eq!(std::fs::read(&obj).unwrap(), b"{\"x\":1}");
        std::fs::write(dir.path().join("HEAD"), b"not a hash\n").unwrap();
        assert_eq!(current(dir.path()).unwrap_err().code(), "E-PUBLISH-HEAD");
    }

    #[test]
    fn signing_message_matches_the_documented_vector() {
        // docs/publication.md, section 3.
        assert_eq!(
            hex::encode(signing_message(b"{}\n")),
            "83faee98d56cc51391265d1d95ba4d67460d5fda84586ee20a857d2d0536d947"
        );
    }

    #[test]
    fn pkcs8_round_trips_to_the_same_key() {
        let (key, pkcs8) = PublisherKey::generate().unwrap();
        let again = PublisherKey::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(key.public_b64(), again.public_b64());
        assert_eq!(
            PublisherKey::from_pkcs8(b"nope").unwrap_err().code(),
            "E-PUBLISH-KEY"
        );
    }
}
