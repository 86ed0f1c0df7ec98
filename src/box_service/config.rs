//! The receiving service's configuration (TOML, `urne box serve --config FILE`).
//!
//! ```toml
//! listen = "127.0.0.1:8091"
//! token_file = "box-token.txt"   # the shared bearer token, one line (≥ 32 characters);
//!                                # relative to this file's directory
//! max_body_bytes = 65536         # larger requests: 413
//! queue = 4096                   # ballots waiting at most; more: 503 + Retry-After
//! batch = 512                    # ballots checked and synced together at most
//! rehearsal_clock = "2027-01-25T10:00:00+01:00"   # rehearsals only: the clock starts here
//! ```
//! `token_file` is required; every other key is optional; unknown keys are
//! refused. Errors name the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::crypto::encoding::sha256;
use crate::error::Explain;

/// Where the service listens when neither configuration nor `--listen` says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8091";
/// The largest request body taken by default (a three-option ballot is about 2 KiB).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;
/// Ballots that may wait to be checked by default.
pub const DEFAULT_QUEUE: usize = 4096;
/// Ballots checked and written together by default.
pub const DEFAULT_BATCH: usize = 512;
/// The shortest token accepted.
pub const MIN_TOKEN_CHARS: usize = 32;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    listen: Option<String>,
    token_file: Option<PathBuf>,
    max_body_bytes: Option<usize>,
    queue: Option<usize>,
    batch: Option<usize>,
    rehearsal_clock: Option<String>,
}

/// The checked configuration.
#[derive(Clone, Debug)]
pub struct BoxServeConfig {
    pub listen: SocketAddr,
    /// SHA-256 of the token; the token itself is not kept.
    pub token_sha256: [u8; 32],
    pub max_body_bytes: usize,
    pub queue: usize,
    pub batch: usize,
    /// Rehearsals only: the service's clock starts at this time and runs.
    pub rehearsal_clock: Option<OffsetDateTime>,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {detail}")]
pub struct ConfigError {
    pub file: String,
    pub detail: String,
}

impl Explain for ConfigError {
    fn code(&self) -> &'static str {
        "E-BOX-SERVE-CONFIG"
    }

    fn hint(&self) -> Option<String> {
        Some("see docs/SPEC.md, \"Receiving service\", for the keys".into())
    }
}

impl BoxServeConfig {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<BoxServeConfig, ConfigError> {
        let file = path.display().to_string();
        let err = |detail: String| ConfigError {
            file: file.clone(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let raw: Raw = toml::from_str(&text).map_err(|e| err(e.to_string().replace('\n', " ")))?;
        let listen = raw
            .listen
            .as_deref()
            .unwrap_or(DEFAULT_LISTEN)
            .parse()
            .map_err(|_| err("listen is not an address and port such as 127.0.0.1:8091".into()))?;
        let token_file = raw.token_file.ok_or_else(|| {
            err("token_file is missing: the service takes no anonymous ballots".into())
        })?;
        let token_path = match path.parent() {
            Some(d) if token_file.is_relative() => d.join(&token_file),
            _ => token_file,
        };
        let token = Zeroizing::new(
            std::fs::read_to_string(&token_path)
                .map_err(|e| err(format!("token_file {}: {e}", token_path.display())))?,
        );
        let token = token.trim_end_matches(['\n', '\r']);
        if token.chars().count() < MIN_TOKEN_CHARS || token.chars().any(char::is_whitespace) {
            return Err(err(format!(
                "the token in {} must be at least {MIN_TOKEN_CHARS} characters without spaces",
                token_path.display()
            )));
        }
        let positive = |name: &str, v: Option<usize>, default: usize| match v {
            Some(0) => Err(err(format!("{name} must be at least 1"))),
            Some(v) => Ok(v),
            None => Ok(default),
        };
        let rehearsal_clock = match raw.rehearsal_clock {
            Some(t) => Some(
                crate::timestamp::parse(&t).map_err(|e| err(format!("rehearsal_clock: {e}")))?,
            ),
            None => None,
        };
        Ok(BoxServeConfig {
            listen,
            token_sha256: sha256(token.as_bytes()),
            max_body_bytes: positive("max_body_bytes", raw.max_body_bytes, DEFAULT_MAX_BODY)?,
            queue: positive("queue", raw.queue, DEFAULT_QUEUE)?,
            batch: positive("batch", raw.batch, DEFAULT_BATCH)?,
            rehearsal_clock,
        })
    }
}
