//! The result server (`urne serve`) and the newsroom client (`urne fetch`)
//! over a publication directory (docs/publication.md, "The result server").
//!
//! The server is read-only. It answers:
//!
//! | path                      | what                                   | `Cache-Control`                         |
//! |---------------------------|----------------------------------------|-----------------------------------------|
//! | `/health`                 | `ok` and the current sequence          | `no-store`                              |
//! | `/manifest.json`          | the manifest `HEAD` names              | `public, max-age=5`                     |
//! | `/manifest.json.sig`      | its signature object                   | `public, max-age=5`                     |
//! | `/<name>`                 | a file the current manifest lists      | `public, max-age=5`                     |
//! | `/`                       | the current manifest's `index.html`    | `public, max-age=5`                     |
//! | `/objects/<sha>[.sig]`    | an object of the current or previous publication | `public, max-age=31536000, immutable` |
//!
//! Every other path is 404; nothing is ever read from a path the request
//! names, only from the manifest's list, so no request reaches a file outside
//! the publication. Each representation has the strong `ETag` `"<sha256-hex>"`
//! of its bytes; `If-None-Match` (a list, weak tags, `*`) gives 304, and
//! without it `If-Modified-Since` does (RFC 9110 §13.2.2: If-None-Match wins).
//! Bodies are gzip-compressed for clients that accept it (the `ETag` of a
//! compressed body is then weak), and every answer carries
//! `Access-Control-Allow-Origin: *` (tower-http's compression and CORS
//! layers), so that a newsroom's browser widget can read the files.
//!
//! The server is configured with the publisher's public key and serves only
//! publications signed with it: it refuses to start on one that is not, and
//! `HEAD` is read on every request; when it names a new manifest, the whole
//! publication is loaded (every object checked against its hash, and the
//! signature against the configured key) and served from memory from then on.
//! A publication that fails those checks is not served; the one before it stays.
//! `/health` answers before the rate limits: a monitor is never refused.

pub mod config;
pub mod fetch;
pub mod limits;

use std::collections::HashMap;
use std::future::Future;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Extension;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::crypto::encoding::{sha256, Digest32};
use crate::error::Explain;
use crate::publish::store::{self, StoreError};
use config::ServeConfig;
use limits::{retry_after_secs, Limits};

/// The body of every answer before the first publication.
pub const NOT_PUBLISHED: &str = "No results have been published yet for this event.\n";
/// The largest publication (all its files together) the server loads.
pub const MAX_PUBLICATION_BYTES: u64 = 256 * 1024 * 1024;
/// For the manifest, its signature and named files.
pub const SHORT_CACHE: &str = "public, max-age=5";
/// For `/objects/<sha>`, whose bytes never change.
pub const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";
/// How often idle clients are forgotten by the rate limiter.
const EVICT_EVERY: Duration = Duration::from_secs(30);
/// How long to wait for the in-flight requests when shutting down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How long a publication that failed to load is not tried again.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(5);

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{path} is not a readable publication directory: {detail}")]
    Dir { path: PathBuf, detail: String },
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: the publication is {size} bytes, above the server's limit of {MAX_PUBLICATION_BYTES}")]
    TooLarge { path: PathBuf, size: u64 },
    #[error("the server stopped: {source}")]
    Io { source: std::io::Error },
    #[error(
        "no publisher key is configured: the server would serve a publication signed by anyone"
    )]
    NoPublisherKey,
}

impl Explain for ServeError {
    fn code(&self) -> &'static str {
        match self {
            ServeError::Dir { .. } => "E-SERVE-DIR",
            ServeError::Listen { .. } => "E-SERVE-LISTEN",
            ServeError::Store(e) => e.code(),
            ServeError::TooLarge { .. } => "E-SERVE-TOO-LARGE",
            ServeError::Io { .. } => "E-SERVE-IO",
            ServeError::NoPublisherKey => "E-SERVE-NO-KEY",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ServeError::Dir { .. } => {
                Some("give the publication directory that `urne publish` writes".into())
            }
            ServeError::Listen { .. } => Some(
                "choose another address or port with --listen, or stop the other server".into(),
            ),
            ServeError::Store(StoreError::WrongPublisher { .. }) => Some(
                "the publication directory holds a publication not signed with the configured publisher key; check publisher_key against the key the authority announced"
                    .into(),
            ),
            ServeError::Store(e) => e.hint(),
            ServeError::NoPublisherKey => Some(
                "give the publisher's public key (as `urne publish --new-publisher-key` printed it) with publisher_key in the configuration or --publisher-key"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// One representation: its bytes, its type and its validator.
#[derive(Clone)]
struct Item {
    bytes: Bytes,
    content_type: HeaderValue,
    /// `"<sha256-hex>"`, quotes included.
    etag: String,
}

impl Item {
    fn new(bytes: Vec<u8>, sha: &Digest32, content_type: &str) -> Item {
        Item {
            bytes: Bytes::from(bytes),
            content_type: HeaderValue::from_str(content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            etag: format!("\"{}\"", sha.hex()),
        }
    }
}

/// A whole publication, checked, in memory.
struct Snapshot {
    sha: Digest32,
    sequence: u64,
    status: store::Status,
    manifest: Item,
    signature: Item,
    last_modified: Option<LastModified>,
    by_name: HashMap<String, Item>,
    by_sha: HashMap<Digest32, Item>,
}

/// A `Last-Modified` value and the time it stands for (whole seconds).
#[derive(Clone)]
struct LastModified {
    header: HeaderValue,
    at: std::time::SystemTime,
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` from RFC 3339 (the fraction dropped).
fn http_date(rfc3339: &str) -> Option<LastModified> {
    let t = crate::timestamp::parse(rfc3339).ok()?;
    let secs = u64::try_from(t.unix_timestamp()).ok()?;
    let at = std::time::UNIX_EPOCH.checked_add(Duration::from_secs(secs))?;
    let header = HeaderValue::from_str(&httpdate::fmt_http_date(at)).ok()?;
    Some(LastModified { header, at })
}

/// Loads the publication whose manifest hashes to `sha`, and checks it: its
/// signature with the configured publisher key, every object against its hash.
fn load_snapshot(dir: &Path, sha: &Digest32, key: &[u8; 32]) -> Result<Snapshot, ServeError> {
    let (manifest_bytes, manifest) = store::read_manifest(dir, sha)?;
    let sig = store::read_signature(dir, sha)?;
    store::verify_publication(&manifest_bytes, &sig, Some(key))?;
    let size: u64 = manifest.files.iter().map(|f| f.size).sum();
    if size > MAX_PUBLICATION_BYTES {
        return Err(ServeError::TooLarge {
            path: store::object_path(dir, sha),
            size,
        });
    }
    let mut by_name = HashMap::new();
    let mut by_sha = HashMap::new();
    for f in &manifest.files {
        let bytes = store::read_object(dir, &f.sha256)?;
        if bytes.len() as u64 != f.size {
            return Err(StoreError::ObjectAltered {
                path: store::object_path(dir, &f.sha256),
            }
            .into());
        }
        let item = Item::new(bytes, &f.sha256, &f.content_type);
        by_sha.insert(f.sha256, item.clone());
        by_name.insert(f.name.clone(), item);
    }
    let sig_sha = Digest32(sha256(&sig));
    Ok(Snapshot {
        sha: *sha,
        sequence: manifest.sequence,
        status: manifest.status,
        manifest: Item::new(manifest_bytes, sha, "application/json"),
        signature: Item::new(sig, &sig_sha, "application/json"),
        last_modified: http_date(&manifest.published_at),
        by_name,
        by_sha,
    })
}

/// What the server has to serve right now.
enum View {
    NotPublished,
    Ready {
        current: Arc<Snapshot>,
        previous: Option<Arc<Snapshot>>,
    },
    Unavailable,
}

#[derive(Default)]
struct Loaded {
    current: Option<Arc<Snapshot>>,
    previous: Option<Arc<Snapshot>>,
}

struct App {
    dir: PathBuf,
    /// The only key whose publications are served.
    publisher_key: [u8; 32],
    /// Access log and publication changes on stderr.
    log: bool,
    limits: Limits,
    loaded: RwLock<Loaded>,
    loading: tokio::sync::Mutex<()>,
    failed: Mutex<Option<(Digest32, Instant)>>,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl App {
    fn log(&self, line: std::fmt::Arguments<'_>) {
        if self.log {
            // A closed stderr must not take the server down.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }

    fn loaded(&self) -> (Option<Arc<Snapshot>>, Option<Arc<Snapshot>>) {
        match self.loaded.read() {
            Ok(l) => (l.current.clone(), l.previous.clone()),
            Err(poisoned) => {
                let l = poisoned.into_inner();
                (l.current.clone(), l.previous.clone())
            }
        }
    }

    fn stale(&self) -> View {
        match self.loaded() {
            (Some(current), previous) => View::Ready { current, previous },
            (None, _) => View::Unavailable,
        }
    }

    /// Reads `HEAD` and, if it names a new manifest, loads that publication.
    async fn view(&self) -> View {
        let sha = match store::read_head(&self.dir) {
            Ok(Some(sha)) => sha,
            Ok(None) => return View::NotPublished,
            Err(e) => {
                self.log(format_args!(
                    "{} urne serve: error[{}]: {e}",
                    now_rfc3339(),
                    e.code()
                ));
                return self.stale();
            }
        };
        if let (Some(current), previous) = self.loaded() {
            if current.sha == sha {
                return View::Ready { current, previous };
            }
        }
        let _one_loader = self.loading.lock().await;
        if let (Some(current), previous) = self.loaded() {
            if current.sha == sha {
                return View::Ready { current, previous };
            }
        }
        if let Ok(failed) = self.failed.lock() {
            if matches!(*failed, Some((f, at)) if f == sha && at.elapsed() < RETRY_FAILED_AFTER) {
                return self.stale();
            }
        }
        let dir = self.dir.clone();
        let key = self.publisher_key;
        let outcome = tokio::task::spawn_blocking(move || load_snapshot(&dir, &sha, &key)).await;
        match outcome {
            Ok(Ok(snapshot)) => {
                let snapshot = Arc::new(snapshot);
                self.log(format_args!(
                    "{} urne serve: now serving publication {} ({}), manifest {}",
                    now_rfc3339(),
                    snapshot.sequence,
                    snapshot.status,
                    snapshot.sha
                ));
                let mut l = match self.loaded.write() {
                    Ok(l) => l,
                    Err(poisoned) => poisoned.into_inner(),
                };
                l.previous = l.current.take();
                l.current = Some(snapshot.clone());
                View::Ready {
                    current: snapshot,
                    previous: l.previous.clone(),
                }
            }
            Ok(Err(e)) => {
                self.log(format_args!(
                    "{} urne serve: error[{}]: {e} (the previous publication stays served)",
                    now_rfc3339(),
                    e.code()
                ));
                if let Ok(mut failed) = self.failed.lock() {
                    *failed = Some((sha, Instant::now()));
                }
                self.stale()
            }
            Err(e) => {
                self.log(format_args!(
                    "{} urne serve: error[E-SERVE-IO]: loading the publication failed: {e}",
                    now_rfc3339()
                ));
                self.stale()
            }
        }
    }
}

fn text(status: StatusCode, body: &'static str, cache: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "Not found.\n", SHORT_CACHE)
}

/// Does `If-None-Match` match `etag` (weak comparison, RFC 9110 §13.1.2)?
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// Is the client's copy current (RFC 9110 §13.2.2, for GET and HEAD)?
/// `If-None-Match`, when present, decides alone; otherwise `If-Modified-Since`,
/// if it is one valid HTTP date and the representation has a `Last-Modified`
/// no later than it.
fn not_modified(req: &HeaderMap, etag: &str, last_modified: Option<&LastModified>) -> bool {
    if req.contains_key(header::IF_NONE_MATCH) {
        return none_match(req, etag);
    }
    let mut since = req.get_all(header::IF_MODIFIED_SINCE).iter();
    let (Some(value), None, Some(lm)) = (since.next(), since.next(), last_modified) else {
        return false;
    };
    value
        .to_str()
        .ok()
        .and_then(|v| httpdate::parse_http_date(v.trim()).ok())
        .is_some_and(|since| lm.at <= since)
}

fn represent(
    req: &HeaderMap,
    item: &Item,
    cache: &'static str,
    last_modified: Option<&LastModified>,
) -> Response {
    let fresh = not_modified(req, &item.etag, last_modified);
    let mut r = if fresh {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(Body::from(item.bytes.clone()))
    };
    let h = r.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&item.etag) {
        h.insert(header::ETAG, etag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Some(lm) = last_modified {
        h.insert(header::LAST_MODIFIED, lm.header.clone());
    }
    if !fresh {
        h.insert(header::CONTENT_TYPE, item.content_type.clone());
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    r
}

/// What a request path asks for: the server's whole routing, pure, so that it
/// can be fuzzed apart from the network (fuzz/fuzz_targets/request_target.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/health`.
    Health,
    /// `/manifest.json`.
    Manifest,
    /// `/manifest.json.sig`.
    ManifestSignature,
    /// `/`: the publication's `index.html`.
    Index,
    /// `/objects/<64 lowercase hex>`, or its signature (`.sig`).
    Object { sha: Digest32, signature: bool },
    /// `/<name>` with a name the store allows ([`store::check_name`]); served
    /// only if the manifest lists it. The path never reaches the file system.
    Named(&'a str),
    /// Anything else.
    NotFound,
}

/// Routes a request path (the URI's path, without the query).
pub fn route(path: &str) -> Route<'_> {
    match path {
        "/health" => Route::Health,
        "/manifest.json" => Route::Manifest,
        "/manifest.json.sig" => Route::ManifestSignature,
        "/" => Route::Index,
        _ => {
            if let Some(rest) = path.strip_prefix("/objects/") {
                return match parse_object(rest) {
                    Some((sha, signature)) => Route::Object { sha, signature },
                    None => Route::NotFound,
                };
            }
            match path.strip_prefix('/') {
                Some(name) if store::check_name(name).is_ok() => Route::Named(name),
                _ => Route::NotFound,
            }
        }
    }
}

/// `/objects/<64 lowercase hex>` or `/objects/<64 lowercase hex>.sig`.
fn parse_object(rest: &str) -> Option<(Digest32, bool)> {
    let (hex, sig) = match rest.strip_suffix(".sig") {
        Some(h) => (h, true),
        None => (rest, false),
    };
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Digest32::from_hex(hex).map(|d| (d, sig))
}

fn object<'a>(snapshot: &'a Snapshot, sha: &Digest32, sig: bool) -> Option<&'a Item> {
    if sig {
        return (snapshot.sha == *sha).then_some(&snapshot.signature);
    }
    if snapshot.sha == *sha {
        return Some(&snapshot.manifest);
    }
    snapshot.by_sha.get(sha)
}

/// `/health`: answered whatever the client's budget, so that a monitor is
/// never refused (and never spends a newsroom's budget).
async fn health(app: &App) -> Response {
    let body = match app.view().await {
        View::Ready { current, .. } => {
            format!("ok: sequence {} ({})\n", current.sequence, current.status)
        }
        View::NotPublished => "ok: no publication yet\n".to_string(),
        View::Unavailable => "ok: the publication cannot be read\n".to_string(),
    };
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn respond(app: &App, path: &str, headers: &HeaderMap) -> Response {
    let view = app.view().await;
    let route = route(path);
    let (current, previous) = match view {
        View::NotPublished => return text(StatusCode::NOT_FOUND, NOT_PUBLISHED, SHORT_CACHE),
        View::Unavailable => {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "The publication cannot be read right now; try again shortly.\n",
                "no-store",
            )
        }
        View::Ready { current, previous } => (current, previous),
    };
    let lm = current.last_modified.as_ref();
    match route {
        // `handle` answers it (GET and HEAD) before the rate limits.
        Route::Health => not_found(),
        Route::Manifest => represent(headers, &current.manifest, SHORT_CACHE, lm),
        Route::ManifestSignature => represent(headers, &current.signature, SHORT_CACHE, lm),
        Route::Index => match current.by_name.get("index.html") {
            Some(item) => represent(headers, item, SHORT_CACHE, lm),
            None => not_found(),
        },
        Route::Object { sha, signature } => {
            let found = object(&current, &sha, signature)
                .or_else(|| previous.as_deref().and_then(|p| object(p, &sha, signature)));
            match found {
                Some(item) => represent(headers, item, IMMUTABLE_CACHE, None),
                None => not_found(),
            }
        }
        // Only names the manifest lists, which are simple names.
        Route::Named(name) => match current.by_name.get(name) {
            Some(item) => represent(headers, item, SHORT_CACHE, lm),
            None => not_found(),
        },
        Route::NotFound => not_found(),
    }
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let ip = peer.ip().to_canonical();
    let (parts, _body) = req.into_parts();
    let method = parts.method;
    let path = parts.uri.path();
    let health_check = path == "/health" && (method == Method::GET || method == Method::HEAD);
    let (tier, allowed) = if health_check {
        (app.limits.classify(ip), Ok(()))
    } else {
        app.limits.check(ip)
    };
    let response = match allowed {
        Err(wait) => {
            let secs = retry_after_secs(wait);
            let mut r = text(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests; see Retry-After.\n",
                "no-store",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            r
        }
        Ok(()) if method != Method::GET && method != Method::HEAD => {
            let mut r = text(
                StatusCode::METHOD_NOT_ALLOWED,
                "Only GET and HEAD are served.\n",
                "no-store",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
        Ok(()) if health_check => health(&app).await,
        Ok(()) => respond(&app, path, &parts.headers).await,
    };
    let bytes = if method == Method::HEAD {
        0
    } else {
        response.body().size_hint().exact().unwrap_or(0)
    };
    let shown: String = path.chars().take(200).collect();
    app.log(format_args!(
        "{} {ip} {} {method} {shown} {} {bytes}",
        now_rfc3339(),
        app.limits.label(tier),
        response.status().as_u16(),
    ));
    response
}

/// CORS for browser widgets: any origin may read the public files, with the
/// conditional-request headers and the validators they need.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE])
        .expose_headers([header::ETAG, header::LAST_MODIFIED, header::RETRY_AFTER])
        .max_age(Duration::from_secs(3600))
}

/// A compressed body is another representation than the bytes the strong
/// `ETag` names (RFC 9110 §8.8.3): its tag is made weak. If-None-Match
/// compares weakly, so `W/"<sha>"` still gives 304.
async fn weaken_etag_if_encoded(mut r: Response) -> Response {
    if r.headers().contains_key(header::CONTENT_ENCODING) {
        let weak = r
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.starts_with("W/"))
            .and_then(|v| HeaderValue::from_str(&format!("W/{v}")).ok());
        if let Some(weak) = weak {
            r.headers_mut().insert(header::ETAG, weak);
        }
    }
    r
}

/// Limits on connections, against clients that hold connections open
/// without asking for anything (the per-request rate limits never see them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections in all; further clients wait to be accepted. Keep it
    /// below the process's open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// Open connections from one address; more are closed at once.
    pub max_per_client: usize,
    /// Time for a request's headers to arrive, and for an idle kept-alive
    /// connection to send its next request.
    pub header_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 4096,
            max_per_client: 64,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Open connections per client address; an entry leaves with its last connection.
#[derive(Default)]
struct OpenConnections(Mutex<HashMap<IpAddr, usize>>);

/// One open connection, counted until dropped.
struct ConnectionSlot {
    open: Arc<OpenConnections>,
    ip: IpAddr,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl OpenConnections {
    fn enter(
        self: &Arc<Self>,
        ip: IpAddr,
        max: usize,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Option<ConnectionSlot> {
        let mut map = self.0.lock().ok()?;
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            open: self.clone(),
            ip,
            _permit: permit,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.open.0.lock() {
            if let Some(n) = map.get_mut(&self.ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(&self.ip);
                }
            }
        }
    }
}

/// A result server bound to its address, not yet serving.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: App,
    connections: ConnectionLimits,
}

impl Server {
    /// Checks the publication directory (and the current publication, if
    /// any), then binds `config.listen`. `config.test_addresses_enabled` is
    /// taken as given (the CLI applies `--no-test-addresses` before).
    pub async fn bind(dir: &Path, config: &ServeConfig) -> Result<Server, ServeError> {
        let dir_err = |detail: String| ServeError::Dir {
            path: dir.to_path_buf(),
            detail,
        };
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(dir_err("it is not a directory".into())),
            Err(e) => return Err(dir_err(e.to_string())),
        }
        std::fs::read_dir(dir).map_err(|e| dir_err(e.to_string()))?;
        let mut loaded = Loaded::default();
        let publisher_key = config.publisher_key.ok_or(ServeError::NoPublisherKey)?;
        if let Some(sha) = store::read_head(dir)? {
            loaded.current = Some(Arc::new(load_snapshot(dir, &sha, &publisher_key)?));
        }
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: config.listen,
                source,
            })?;
        Ok(Server {
            listener,
            app: App {
                dir: dir.to_path_buf(),
                publisher_key,
                log: true,
                limits: Limits::new(config),
                loaded: RwLock::new(loaded),
                loading: tokio::sync::Mutex::new(()),
                failed: Mutex::new(None),
            },
            connections: ConnectionLimits::default(),
        })
    }

    /// Turns the access log (and the notes on publication changes) on stderr
    /// on or off; on by default.
    pub fn logging(mut self, on: bool) -> Server {
        self.app.log = on;
        self
    }

    /// Sets the connection limits (defaults: [`ConnectionLimits::default`]).
    pub fn connection_limits(mut self, limits: ConnectionLimits) -> Server {
        self.connections = limits;
        self
    }

    /// The address actually bound (port 0 resolved).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener
            .local_addr()
            .map_err(|source| ServeError::Io { source })
    }

    /// Serves until `shutdown` completes; requests under way are finished
    /// (for at most 10 s), kept-alive connections are closed.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let limits = self.connections;
        let app = Arc::new(self.app);
        let router = Router::new()
            .fallback(handle)
            .with_state(app.clone())
            .layer(CompressionLayer::new())
            .layer(axum::middleware::map_response(weaken_etag_if_encoded))
            .layer(cors());
        let evictor = {
            let app = app.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(EVICT_EVERY);
                loop {
                    every.tick().await;
                    app.limits.evict_idle();
                }
            })
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(64 * 1024);
        let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
        let open = Arc::new(OpenConnections::default());
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors, or a connection reset
                        // before it was accepted: wait a little, go on.
                        app.log(format_args!(
                            "{} urne serve: error[E-SERVE-IO]: accepting a connection failed: {e}",
                            now_rfc3339()
                        ));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Some(slot) = open.enter(peer.ip().to_canonical(), limits.max_per_client, permit)
            else {
                continue; // dropping the stream closes it
            };
            let _ = stream.set_nodelay(true);
            let service = hyper_util::service::TowerToHyperService::new(
                router.clone().layer(Extension(ConnectInfo(peer))),
            );
            let conn = graceful
                .watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
            tokio::spawn(async move {
                let _ = conn.await;
                drop(slot);
            });
        }
        drop(self.listener);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
        evictor.abort();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_weak_and_star() {
        let etag = "\"abc\"";
        let mut h = HeaderMap::new();
        assert!(!none_match(&h, etag));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(none_match(&h, etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(none_match(&h, etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abcd\""));
        assert!(!none_match(&h, etag));
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let lm = http_date("2025-02-03T21:15:00+01:00").unwrap();
        let etag = "\"abc\"";
        let mut h = HeaderMap::new();
        let at = |v: &'static str| HeaderValue::from_static(v);
        h.insert(
            header::IF_MODIFIED_SINCE,
            at("Mon, 03 Feb 2025 20:15:00 GMT"),
        );
        assert!(not_modified(&h, etag, Some(&lm)));
        // The obsolete formats RFC 9110 requires a recipient to accept.
        h.insert(
            header::IF_MODIFIED_SINCE,
            at("Monday, 03-Feb-25 20:15:00 GMT"),
        );
        assert!(not_modified(&h, etag, Some(&lm)));
        h.insert(header::IF_MODIFIED_SINCE, at("Mon Feb  3 20:15:00 2025"));
        assert!(not_modified(&h, etag, Some(&lm)));
        h.insert(
            header::IF_MODIFIED_SINCE,
            at("Mon, 03 Feb 2025 20:14:59 GMT"),
        );
        assert!(!not_modified(&h, etag, Some(&lm)));
        h.insert(header::IF_MODIFIED_SINCE, at("yesterday"));
        assert!(!not_modified(&h, etag, Some(&lm)));
        // Nothing to compare with: no 304.
        h.insert(
            header::IF_MODIFIED_SINCE,
            at("Mon, 03 Feb 2025 20:15:00 GMT"),
        );
        assert!(!not_modified(&h, etag, None));
        // If-None-Match present: it alone decides, either way.
        h.insert(header::IF_NONE_MATCH, at("\"other\""));
        assert!(!not_modified(&h, etag, Some(&lm)));
        h.insert(
            header::IF_MODIFIED_SINCE,
            at("Mon, 03 Feb 2020 20:15:00 GMT"),
        );
        h.insert(header::IF_NONE_MATCH, at("\"abc\""));
        assert!(not_modified(&h, etag, Some(&lm)));
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            http_date("2025-02-03T21:15:00.75+01:00").unwrap().header,
            "Mon, 03 Feb 2025 20:15:00 GMT"
        );
        assert!(http_date("yesterday").is_none());
    }

    #[test]
    fn object_paths_are_exactly_hex() {
        let hex = "ab".repeat(32);
        assert!(parse_object(&hex).is_some_and(|(_, sig)| !sig));
        assert!(parse_object(&format!("{hex}.sig")).is_some_and(|(_, sig)| sig));
        assert!(parse_object(&hex.to_uppercase()).is_none());
        assert!(parse_object(&format!("{hex}/")).is_none());
        assert!(parse_object("../HEAD").is_none());
    }

    #[test]
    fn routes_are_fixed_paths_objects_and_listed_simple_names() {
        let hex = "ab".repeat(32);
        assert_eq!(route("/health"), Route::Health);
        assert_eq!(route("/"), Route::Index);
        assert_eq!(route("/manifest.json.sig"), Route::ManifestSignature);
        assert!(matches!(
            route(&format!("/objects/{hex}.sig")),
            Route::Object {
                signature: true,
                ..
            }
        ));
        assert_eq!(route("/index.html"), Route::Named("index.html"));
        for bad in ["/objects/../HEAD", "/../HEAD", "/a/b", "/.hidden", "", "x"] {
            assert_eq!(route(bad), Route::NotFound, "{bad}");
        }
    }
}
