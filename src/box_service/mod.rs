//! The receiving service (`urne box serve`): the voting system hands ballots
//! to the box over HTTP (docs/SPEC.md, "Receiving service").
//!
//! | request | answer |
//! |---|---|
//! | `POST /ballots` with `Authorization: Bearer <token>` and `{"voter","referendum","ballot"}` | `200` and the receipt; `422` and the rule's code if a counting rule refuses it |
//! | `GET /status` (anyone) | `200` and `{ballots, head, sealed}` |
//!
//! A ballot is checked alone (roll, window, proofs) by a checking thread, many
//! at once with their proofs in batches, then in arrival order against the
//! box state (copies, policy) by the one writing thread, which appends every
//! ballot accepted together with one write and one `fdatasync` (group commit)
//! before any of them is acknowledged. While one group is being synced the
//! next is being checked. At most `queue` ballots wait; beyond that a caller
//! is answered `503` with `Retry-After` at once, never queued without bound.
//!
//! ```text
//! handlers ──try_send──▶ [queue] ──▶ checker (rayon: proofs) ──▶ writer (rules, append, fsync) ──▶ receipts
//! ```

pub mod config;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::ballot::Ballot;
use crate::ballot_box::intake::{check_offers, Intake, IntakeError, Offer, Receipt, Refusal};
use crate::ballot_box::state::MemStore;
use crate::ballot_box::BoxError;
use crate::crypto::encoding::{sha256, Digest32};
use crate::error::Explain;
use config::BoxServeConfig;

/// How long to wait for the requests in flight when stopping.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once, at most.
const MAX_CONNECTIONS: usize = 4096;

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BoxServeError {
    #[error("could not listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the service stopped: {detail}")]
    Stopped { detail: String },
}

impl Explain for BoxServeError {
    fn code(&self) -> &'static str {
        match self {
            BoxServeError::Listen { .. } => "E-SERVE-LISTEN",
            BoxServeError::Stopped { .. } => "E-SERVE-IO",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            BoxServeError::Listen { .. } => {
                Some("choose another address or port with --listen".into())
            }
            BoxServeError::Stopped { .. } => None,
        }
    }
}

/// A ballot handed in (`urne-box-cast/1`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CastRequest {
    voter: String,
    referendum: String,
    ballot: Ballot,
    /// The voter's credential signature (events with credentials).
    #[serde(default)]
    credential: Option<crate::credentials::CredentialSignature>,
}

/// The answer to an accepted ballot (`urne-box-receipt/1`).
#[derive(Serialize)]
struct ReceiptBody<'a> {
    format: &'static str,
    seq: u64,
    tracker: &'a str,
    line_hash: Digest32,
    cast_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    supersedes: Option<u64>,
    /// True if this very ballot was already in the box (sent again after a
    /// lost answer): nothing was appended.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    repeated: bool,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    message: &'a str,
}

/// `GET /status` (`urne-box-status/1`).
#[derive(Clone, Serialize)]
struct StatusBody {
    format: &'static str,
    event: String,
    ballots: u64,
    head: Digest32,
    sealed: bool,
}

struct Job {
    offer: Offer,
    reply: oneshot::Sender<Result<Receipt, Refusal>>,
}

enum Msg {
    Job(Box<Job>),
    Stop,
}

/// The service's clock: the machine's, or a rehearsal's that starts at a
/// given time and runs.
#[derive(Clone, Copy)]
struct Clock {
    start: Option<(OffsetDateTime, Instant)>,
}

impl Clock {
    fn now(&self) -> String {
        let t = match self.start {
            Some((t0, i0)) => t0 + i0.elapsed(),
            None => OffsetDateTime::now_utc(),
        };
        t.replace_nanosecond(0)
            .unwrap_or(t)
            .format(&Rfc3339)
            .unwrap_or_default()
    }
}

struct Shared {
    token_sha256: [u8; 32],
    max_body: usize,
    jobs: mpsc::Sender<Msg>,
    status: Mutex<StatusBody>,
    sealed: AtomicBool,
    /// The state could not be kept after a failed write: nothing more is taken.
    broken: AtomicBool,
    clock: Clock,
    log: bool,
}

fn now_rfc3339() -> String {
    Clock { start: None }.now()
}

impl Shared {
    fn log(&self, line: std::fmt::Arguments<'_>) {
        if self.log {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn error(status: StatusCode, code: &str, reason: Option<&str>, message: &str) -> Response {
    json(
        status,
        &ErrorBody {
            error: ErrorDetail {
                code,
                reason,
                message,
            },
        },
    )
}

fn authorized(sh: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Compared as digests, in constant time: neither the token's bytes nor
    // its length show in the time taken.
    bool::from(sha256(token.trim().as_bytes()).ct_eq(&sh.token_sha256))
}

async fn cast(sh: &Shared, headers: &HeaderMap, body: Body) -> Response {
    if !authorized(sh, headers) {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "E-BOX-AUTH",
            None,
            "a ballot needs the service's bearer token (Authorization: Bearer …)",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"urne box\""),
        );
        return r;
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "E-REQUEST-TOO-LARGE",
            None,
            &format!("the request body is larger than {} bytes", sh.max_body),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > sh.max_body as u64) {
        return too_large();
    }
    let bytes: Bytes = match axum::body::to_bytes(body, sh.max_body).await {
        Ok(b) => b,
        Err(e) => {
            // Beyond the limit (whatever the length said), or cut short.
            let mut source: Option<&dyn std::error::Error> = Some(&e);
            let mut over = false;
            while let Some(s) = source {
                over |= s.to_string().contains("length limit");
                source = s.source();
            }
            if over {
                return too_large();
            }
            return error(
                StatusCode::BAD_REQUEST,
                "E-REQUEST-MALFORMED",
                None,
                "the request body could not be read",
            );
        }
    };
    let req: CastRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "E-REQUEST-MALFORMED",
                None,
                &format!("not a ballot request ({e})"),
            )
        }
    };
    if sh.sealed.load(Ordering::Acquire) {
        return sealed();
    }
    if sh.broken.load(Ordering::Acquire) {
        return unavailable(
            "E-BOX-STATE",
            "the service cannot take ballots until it is restarted",
        );
    }
    let (reply, answer) = oneshot::channel();
    let job = Job {
        offer: Offer {
            voter: req.voter,
            referendum: req.referendum,
            cast_at: sh.clock.now(),
            ballot: req.ballot,
            credential: req.credential,
        },
        reply,
    };
    match sh.jobs.try_send(Msg::Job(Box::new(job))) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => {
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "E-BOX-BUSY",
                None,
                "too many ballots are waiting; send this one again after Retry-After",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {
            return unavailable("E-BOX-STOPPING", "the service is stopping");
        }
    }
    match answer.await {
        Ok(Ok(r)) => json(
            StatusCode::OK,
            &ReceiptBody {
                format: "urne-box-receipt/1",
                seq: r.seq,
                tracker: &r.tracker,
                line_hash: r.line_hash,
                cast_at: &r.cast_at,
                supersedes: r.supersedes,
                repeated: r.repeated,
            },
        ),
        Ok(Err(Refusal::Rule(why))) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            why.code(),
            Some(why.as_str()),
            "the ballot fails this counting rule (docs/SPEC.md §4.2); it was not cast",
        ),
        Ok(Err(Refusal::Sealed)) => sealed(),
        Ok(Err(Refusal::Write(e))) => {
            let msg = format!("the ballot could not be written, and was not cast: {e}");
            sh.log(format_args!(
                "{} urne box serve: error[{}]: {e}",
                now_rfc3339(),
                e.code()
            ));
            match e {
                IntakeError::Box(BoxError::Io { .. }) => {
                    error(StatusCode::INSUFFICIENT_STORAGE, "E-BOX-IO", None, &msg)
                }
                other => unavailable(other.code(), &msg),
            }
        }
        Err(_) => unavailable(
            "E-BOX-STOPPING",
            "the service stopped before the ballot was cast; it was not cast",
        ),
    }
}

fn sealed() -> Response {
    error(
        StatusCode::CONFLICT,
        "E-BOX-SEALED",
        None,
        "the ballot box is closed; it takes no more ballots",
    )
}

fn unavailable(code: &str, message: &str) -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, code, None, message);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r
}

async fn handle(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let method = parts.method;
    let response = match (path.as_str(), &method) {
        ("/ballots", &Method::POST) => cast(&sh, &parts.headers, body).await,
        ("/status", &Method::GET | &Method::HEAD) => {
            let st = match sh.status.lock() {
                Ok(s) => s.clone(),
                Err(p) => p.into_inner().clone(),
            };
            json(StatusCode::OK, &st)
        }
        ("/ballots" | "/status", _) => {
            let mut r = error(
                StatusCode::METHOD_NOT_ALLOWED,
                "E-REQUEST-METHOD",
                None,
                "POST /ballots, GET /status",
            );
            let allow = if path == "/ballots" {
                "POST"
            } else {
                "GET, HEAD"
            };
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            r
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "E-REQUEST-PATH",
            None,
            "POST /ballots, GET /status",
        ),
    };
    if response.status() != StatusCode::OK {
        let shown: String = path.chars().take(100).collect();
        sh.log(format_args!(
            "{} urne box serve: {method} {shown} {}",
            now_rfc3339(),
            response.status().as_u16()
        ));
    }
    response
}

/// The service, bound and ready to run.
pub struct BoxService {
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    jobs: mpsc::Receiver<Msg>,
    intake: Intake<MemStore>,
    batch: usize,
}

impl BoxService {
    /// Binds the listening socket for an opened intake.
    pub async fn bind(
        intake: Intake<MemStore>,
        config: &BoxServeConfig,
    ) -> Result<BoxService, BoxServeError> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| BoxServeError::Listen {
                addr: config.listen,
                source,
            })?;
        let (tx, rx) = mpsc::channel(config.queue);
        let pos = intake.position();
        let shared = Arc::new(Shared {
            token_sha256: config.token_sha256,
            max_body: config.max_body_bytes,
            jobs: tx,
            status: Mutex::new(StatusBody {
                format: "urne-box-status/1",
                event: intake.header().event.clone(),
                ballots: pos.ballots,
                head: pos.head,
                sealed: pos.sealed,
            }),
            sealed: AtomicBool::new(pos.sealed),
            broken: AtomicBool::new(false),
            clock: Clock {
                start: config.rehearsal_clock.map(|t| (t, Instant::now())),
            },
            log: true,
        });
        Ok(BoxService {
            listener,
            shared,
            jobs: rx,
            intake,
            batch: config.batch,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> Result<SocketAddr, BoxServeError> {
        self.listener
            .local_addr()
            .map_err(|e| BoxServeError::Stopped {
                detail: e.to_string(),
            })
    }

    /// Serves until `shutdown` completes, then finishes the ballots in
    /// flight and returns the intake (for its state to be saved).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Intake<MemStore>, BoxServeError> {
        let BoxService {
            listener,
            shared,
            jobs,
            intake,
            batch,
        } = self;
        let (checker, writer) = start_pipeline(jobs, intake, shared.clone(), batch);
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .max_buf_size(64 * 1024);
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
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
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((s, _)) => s,
                    Err(e) => {
                        shared.log(format_args!(
                            "{} urne box serve: error[E-SERVE-IO]: accepting a connection failed: {e}",
                            now_rfc3339()
                        ));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let service = hyper_util::service::TowerToHyperService::new(router.clone());
            let conn = graceful
                .watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
            tokio::spawn(async move {
                let _ = conn.await;
                drop(permit);
            });
        }
        drop(listener);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
        let _ = shared.jobs.send(Msg::Stop).await;
        let joined = tokio::task::spawn_blocking(move || {
            let _ = checker.join();
            writer.join()
        })
        .await;
        match joined {
            Ok(Ok(intake)) => Ok(intake),
            _ => Err(BoxServeError::Stopped {
                detail: "the writing thread failed".into(),
            }),
        }
    }
}

type Batch = (
    Vec<Offer>,
    Vec<crate::ballot_box::intake::Checked>,
    Vec<oneshot::Sender<Result<Receipt, Refusal>>>,
);

/// Starts the checking and the writing threads.
fn start_pipeline(
    mut jobs: mpsc::Receiver<Msg>,
    mut intake: Intake<MemStore>,
    shared: Arc<Shared>,
    batch: usize,
) -> (
    std::thread::JoinHandle<()>,
    std::thread::JoinHandle<Intake<MemStore>>,
) {
    // One group checked while the one before is written and synced.
    let (to_writer, from_checker) = std::sync::mpsc::sync_channel::<Batch>(1);
    let inputs = intake.inputs().clone();
    let checker = std::thread::spawn(move || {
        let mut stop = false;
        while !stop {
            let mut group = Vec::new();
            match jobs.blocking_recv() {
                Some(Msg::Job(j)) => group.push(*j),
                Some(Msg::Stop) | None => break,
            }
            while group.len() < batch {
                match jobs.try_recv() {
                    Ok(Msg::Job(j)) => group.push(*j),
                    Ok(Msg::Stop) => {
                        stop = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            let (offers, replies): (Vec<Offer>, Vec<_>) =
                group.into_iter().map(|j| (j.offer, j.reply)).unzip();
            let checked = check_offers(&inputs, &offers);
            if to_writer.send((offers, checked, replies)).is_err() {
                break;
            }
        }
    });
    let writer = std::thread::spawn(move || {
        while let Ok((offers, checked, replies)) = from_checker.recv() {
            let results = intake.cast(offers, checked);
            let pos = intake.position();
            if let Ok(mut st) = shared.status.lock() {
                st.ballots = pos.ballots;
                st.head = pos.head;
                st.sealed = pos.sealed;
            }
            shared.sealed.store(pos.sealed, Ordering::Release);
            if intake.needs_reopen() {
                shared.broken.store(true, Ordering::Release);
            }
            for (r, reply) in results.into_iter().zip(replies) {
                let _ = reply.send(r);
            }
        }
        intake
    });
    (checker, writer)
}
