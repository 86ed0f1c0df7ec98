//! The newsroom client (`urne fetch`): mirrors the current publication of a
//! result server into a directory, trusting nothing it has not checked.
//!
//! One poll:
//! 1. `GET URL/manifest.json` with `If-None-Match: "<sha of the local manifest>"`;
//!    304 or the same bytes: nothing new.
//! 2. `GET URL/objects/<manifest-sha>.sig` (by hash, so a publication made
//!    between two requests cannot pair one manifest with another's signature);
//!    the signature must verify with the *pinned* publisher key.
//! 3. The new sequence must be above the local one (a lower one is a rollback,
//!    the same one with other bytes is two different publications under one
//!    number), and the event the same.
//! 4. Each listed file from `URL/objects/<sha>`, checked against its size and
//!    SHA-256, all in memory before anything is written.
//! 5. Each file written atomically into the directory, then the signature, then
//!    `manifest.json` last: the local manifest names only files already there.
//!
//! A file the directory already holds with the listed hash is not downloaded
//! again (unchanged figures make byte-identical files), and the files of a
//! poll that failed partway are kept in memory and not downloaded again by
//! the next poll. When the server answers 429 or 503, the request is tried
//! again after the `Retry-After` it gives (seconds or an HTTP date; without
//! one, 1, 2, 4 … s), at most [`MAX_ATTEMPTS`] times and never waiting more
//! than [`MAX_WAIT`] at once; each wait is reported to the caller first
//! ([`Fetcher::on_wait`]), with the time of the next try.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::crypto::encoding::{b64_32, sha256, Digest32};
use crate::error::Explain;
use crate::fsio::{self, FsError};
use crate::publish::store::{self, PublicationManifest, StoreError};

/// The local copy of the manifest (its bytes as served).
pub const LOCAL_MANIFEST: &str = "manifest.json";
/// The local copy of its signature object.
pub const LOCAL_SIGNATURE: &str = "manifest.json.sig";
/// The largest manifest or signature accepted.
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Time allowed for one whole request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many times one request is tried while the server answers 429 or 503.
pub const MAX_ATTEMPTS: u32 = 6;
/// The longest wait between two tries of a request, whatever `Retry-After` says.
pub const MAX_WAIT: Duration = Duration::from_secs(300);

/// A wait before trying a request again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub url: String,
    /// The status that asked for it (429 or 503).
    pub status: u16,
    /// The `Retry-After` the server gave, if any (as sent).
    pub retry_after: Option<String>,
    pub wait: Duration,
    /// When the request is tried again.
    pub until: time::OffsetDateTime,
    /// The try that is coming (2 for the first retry).
    pub attempt: u32,
}

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url} must start with http:// or https://")]
    Url { url: String },
    #[error("the pinned publisher key {key:?} is not 32 bytes of base64")]
    Key { key: String },
    #[error("{url}: {detail}")]
    Http { url: String, detail: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} still answered HTTP {status} (too many requests, or unavailable) after {attempts} tries")]
    Busy {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{path} is not a manifest this client wrote: {detail}")]
    Local { path: PathBuf, detail: String },
    #[error("{url} offers publication {found}, older than publication {last} already fetched into {dir}; refused as a rollback")]
    Rollback {
        url: String,
        dir: PathBuf,
        last: u64,
        found: u64,
    },
    #[error("{url} offers a different publication under sequence {sequence}, which {dir} already holds; refused")]
    Equivocation {
        url: String,
        dir: PathBuf,
        sequence: u64,
    },
    #[error(
        "{url} offers results for event {found:?}, but {dir} holds event {expected:?}; refused"
    )]
    OtherEvent {
        url: String,
        dir: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{url} ({name}) is {detail}; refused")]
    Object {
        url: String,
        name: String,
        detail: String,
    },
}

impl Explain for FetchError {
    fn code(&self) -> &'static str {
        match self {
            FetchError::Url { .. } => "E-FETCH-URL",
            FetchError::Key { .. } => "E-FETCH-KEY",
            FetchError::Http { .. } => "E-FETCH-HTTP",
            FetchError::Status { .. } => "E-FETCH-STATUS",
            FetchError::Busy { .. } => "E-FETCH-BUSY",
            FetchError::Store(e) => e.code(),
            FetchError::File(e) => e.code(),
            FetchError::Local { .. } => "E-FETCH-LOCAL",
            FetchError::Rollback { .. } => "E-FETCH-ROLLBACK",
            FetchError::Equivocation { .. } => "E-FETCH-EQUIVOCATION",
            FetchError::OtherEvent { .. } => "E-FETCH-EVENT",
            FetchError::Object { .. } => "E-FETCH-OBJECT",
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            FetchError::Key { .. } => "copy the publisher key exactly as the authority announced it".into(),
            FetchError::Http { .. } => "check the URL and the network".into(),
            FetchError::Status { status: 404, .. } => {
                "check the URL: the server has no such file".into()
            }
            FetchError::Status { .. } => {
                "the server answered, but not with the file; check the URL, or ask the result server's operator".into()
            }
            FetchError::Busy { status: 429, .. } => {
                "the server limits how often one address may ask; poll less often (--interval), or ask the authority for a media account".into()
            }
            FetchError::Busy { .. } => {
                "the server is unavailable for now; the next poll tries again".into()
            }
            FetchError::Store(e) => return e.hint(),
            FetchError::File(e) => return e.hint(),
            FetchError::Rollback { .. } | FetchError::Equivocation { .. } => {
                "the server, or a cache in front of it, serves an old or forged publication; the files you have are kept".into()
            }
            FetchError::OtherEvent { .. } => "use another --out directory for another event".into(),
            FetchError::Object { .. } => {
                "the file was altered after signing or in transit; it was not written".into()
            }
            _ => return None,
        })
    }
}

impl FetchError {
    /// A failure of the local directory (as opposed to the network, the
    /// server, or a refused publication, which the next poll may not meet).
    pub fn is_local(&self) -> bool {
        matches!(self, FetchError::File(_) | FetchError::Local { .. })
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server has no publication yet.
    NotPublished,
    /// The local directory already holds the current publication.
    Unchanged { sequence: u64 },
    /// A new publication was verified and written.
    New(PublicationManifest),
}

type WaitHook = Box<dyn Fn(&Wait) + Send + Sync>;

/// A poller of one server into one directory, pinned to one publisher key.
pub struct Fetcher {
    agent: ureq::Agent,
    base: String,
    pinned: [u8; 32],
    out: PathBuf,
    /// Verified files of a poll that failed partway, by hash.
    fetched: Mutex<HashMap<Digest32, Vec<u8>>>,
    on_wait: WaitHook,
}

/// `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

impl Fetcher {
    /// `base_url` is the server's root (`https://results.example/`), `pinned_b64`
    /// the publisher's Ed25519 public key in base64, `out` the directory.
    pub fn new(base_url: &str, pinned_b64: &str, out: &Path) -> Result<Fetcher, FetchError> {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(FetchError::Url {
                url: base_url.into(),
            });
        }
        let pinned = b64_32(pinned_b64.trim()).map_err(|_| FetchError::Key {
            key: pinned_b64.into(),
        })?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .user_agent(concat!("urne-fetch/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Fetcher {
            agent,
            base: base_url.trim_end_matches('/').to_string(),
            pinned,
            out: out.to_path_buf(),
            fetched: Mutex::new(HashMap::new()),
            on_wait: Box::new(|_| {}),
        })
    }

    /// Called before each wait for a server that answered 429 or 503.
    pub fn on_wait(mut self, hook: impl Fn(&Wait) + Send + Sync + 'static) -> Fetcher {
        self.on_wait = Box::new(hook);
        self
    }

    /// The local manifest, if this directory holds one.
    fn local(&self) -> Result<Option<(Digest32, PublicationManifest)>, FetchError> {
        let path = self.out.join(LOCAL_MANIFEST);
        let bytes = match fsio::read(&path) {
            Ok(b) => b,
            Err(FsError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let m = store::parse_manifest(&bytes, &path.display().to_string()).map_err(|e| {
            FetchError::Local {
                path: path.clone(),
                detail: e.to_string(),
            }
        })?;
        Ok(Some((Digest32(sha256(&bytes)), m)))
    }

    /// GET with an optional `If-None-Match`; the status and the body (at most
    /// `limit` bytes; empty unless 200). 429 and 503 are tried again after
    /// the wait the server asks for (see the module documentation).
    fn get(
        &self,
        url: &str,
        etag: Option<&Digest32>,
        limit: u64,
    ) -> Result<(u16, Vec<u8>), FetchError> {
        let mut attempt = 1;
        loop {
            match self.get_once(url, etag, limit)? {
                Err((status, retry_after)) => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(FetchError::Busy {
                            url: url.into(),
                            status,
                            attempts: attempt,
                        });
                    }
                    let backoff = Duration::from_secs(1 << (attempt - 1).min(8));
                    let wait = retry_after
                        .as_deref()
                        .and_then(parse_retry_after)
                        .unwrap_or(backoff)
                        .min(MAX_WAIT);
                    attempt += 1;
                    (self.on_wait)(&Wait {
                        url: url.into(),
                        status,
                        retry_after,
                        wait,
                        until: time::OffsetDateTime::now_utc() + wait,
                        attempt,
                    });
                    std::thread::sleep(wait);
                }
                Ok(answer) => return Ok(answer),
            }
        }
    }

    /// One GET: `Ok(Ok((status, body)))`, or `Ok(Err((status, Retry-After)))`
    /// for 429 and 503.
    #[allow(clippy::type_complexity)]
    fn get_once(
        &self,
        url: &str,
        etag: Option<&Digest32>,
        limit: u64,
    ) -> Result<Result<(u16, Vec<u8>), (u16, Option<String>)>, FetchError> {
        let http = |e: ureq::Error| FetchError::Http {
            url: url.into(),
            detail: e.to_string(),
        };
        let mut req = self.agent.get(url);
        if let Some(sha) = etag {
            req = req.header("If-None-Match", format!("\"{}\"", sha.hex()));
        }
        let mut resp = req.call().map_err(http)?;
        let status = resp.status().as_u16();
        if status == 429 || status == 503 {
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            return Ok(Err((status, retry_after)));
        }
        if status != 200 {
            return Ok(Ok((status, Vec::new())));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(http)?;
        Ok(Ok((status, body)))
    }

    /// A listed file's bytes, if the directory already holds them (the same
    /// file in the previous publication) or a failed poll fetched them.
    fn have(&self, f: &store::FileEntry) -> Option<Vec<u8>> {
        if let Some(b) = self.fetched.lock().ok()?.get(&f.sha256) {
            return Some(b.clone());
        }
        let b = fsio::read(&self.out.join(&f.name)).ok()?;
        (b.len() as u64 == f.size && sha256(&b) == f.sha256.0).then_some(b)
    }

    fn get_200(&self, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        match self.get(url, None, limit)? {
            (200, body) => Ok(body),
            (status, _) => Err(FetchError::Status {
                url: url.into(),
                status,
            }),
        }
    }

    /// Polls once; writes a new, verified publication into the directory.
    pub fn poll(&self) -> Result<Outcome, FetchError> {
        let local = self.local()?;
        let url = format!("{}/manifest.json", self.base);
        let (status, bytes) =
            self.get(&url, local.as_ref().map(|(sha, _)| sha), MAX_MANIFEST_BYTES)?;
        match (status, &local) {
            (200, _) => {}
            (304, Some((_, m))) => {
                return Ok(Outcome::Unchanged {
                    sequence: m.sequence,
                })
            }
            (404, _) => return Ok(Outcome::NotPublished),
            (status, _) => return Err(FetchError::Status { url, status }),
        }
        let sha = Digest32(sha256(&bytes));
        if let Some((local_sha, m)) = &local {
            if *local_sha == sha {
                return Ok(Outcome::Unchanged {
                    sequence: m.sequence,
                });
            }
        }
        let sig_url = format!("{}/objects/{}.sig", self.base, sha.hex());
        let sig = self.get_200(&sig_url, MAX_MANIFEST_BYTES)?;
        let manifest = store::verify_publication(&bytes, &sig, Some(&self.pinned))?;
        if let Some((_, last)) = &local {
            if manifest.event != last.event {
                return Err(FetchError::OtherEvent {
                    url,
                    dir: self.out.clone(),
                    expected: last.event.clone(),
                    found: manifest.event,
                });
            }
            if manifest.sequence < last.sequence {
                return Err(FetchError::Rollback {
                    url,
                    dir: self.out.clone(),
                    last: last.sequence,
                    found: manifest.sequence,
                });
            }
            if manifest.sequence == last.sequence {
                return Err(FetchError::Equivocation {
                    url,
                    dir: self.out.clone(),
                    sequence: manifest.sequence,
                });
            }
        }
        if let Ok(mut kept) = self.fetched.lock() {
            kept.retain(|sha, _| manifest.files.iter().any(|f| f.sha256 == *sha));
        }
        let mut files = Vec::with_capacity(manifest.files.len());
        for f in &manifest.files {
            if let Some(body) = self.have(f) {
                files.push((f.name.as_str(), body));
                continue;
            }
            let url = format!("{}/objects/{}", self.base, f.sha256.hex());
            let body = self.get_200(&url, f.size.saturating_add(1))?;
            let refuse = |detail: String| FetchError::Object {
                url: url.clone(),
                name: f.name.clone(),
                detail,
            };
            if body.len() as u64 != f.size {
                return Err(refuse(format!(
                    "{} bytes where the manifest says {}",
                    body.len(),
                    f.size
                )));
            }
            if sha256(&body) != f.sha256.0 {
                return Err(refuse("not the bytes the manifest's SHA-256 names".into()));
            }
            // Kept, checked, until the whole poll succeeds: a poll that fails
            // further on resumes from here.
            if let Ok(mut kept) = self.fetched.lock() {
                kept.insert(f.sha256, body.clone());
            }
            files.push((f.name.as_str(), body));
        }
        for (name, body) in &files {
            fsio::write_atomic(&self.out.join(name), body, true, fsio::Visibility::Public)?;
        }
        fsio::write_atomic(
            &self.out.join(LOCAL_SIGNATURE),
            &sig,
            true,
            fsio::Visibility::Public,
        )?;
        fsio::write_atomic(
            &self.out.join(LOCAL_MANIFEST),
            &bytes,
            true,
            fsio::Visibility::Public,
        )?;
        if let Ok(mut kept) = self.fetched.lock() {
            kept.clear();
        }
        Ok(Outcome::New(manifest))
    }
}
