//! V-KEY-CEREMONY (docs/SPEC.md, "V-KEY-CEREMONY"): which ceremony made the
//! election key, and for a key made without a dealer, its whole transcript
//! re-checked from the key file alone: every certificate and its proof of
//! knowledge, `Φ_cert`, every deal's commitments against the hash its
//! certificate fixed and their proofs of knowledge, `Φ_deal` (bound into the
//! fingerprint), `C_k = Σ_i C_{i,k}`, `K = C_0`, every `K_j = Σ_k j^k·C_k`,
//! and every keyholder's confirmation with its proof of knowledge of `s_j`.
//! A complaint never reaches a key file: assembly refuses while one stands.
//!
//! A key made by the single-machine dealer (`keygen`, or any format 1 key)
//! has no transcript; the check holds with 0 items and says that one machine
//! held the whole key.

use super::{Check, Outcome, Run};
use crate::error::Explain;
use crate::keys::{dkg, ElectionKey, KIND_DEALER};

/// The check's code.
pub const CODE: &str = "V-KEY-CEREMONY";

/// What the report says when the key was made by one machine.
pub const DEALER_WHAT: &str =
    "the key was made by one machine that held the whole election key (dealer keygen, for rehearsals and tests): no ceremony transcript to check";

/// Runs V-KEY-CEREMONY on a key that V-KEY accepted.
pub(super) fn check(key: &ElectionKey, run: &mut Run) {
    let ceremony = key.file.ceremony.as_ref();
    let transcript = ceremony.and_then(|c| c.transcript.as_ref());
    match (key.ceremony_kind(), transcript) {
        (KIND_DEALER, _) | (_, None) => run.checks.push(Check {
            code: CODE,
            what: DEALER_WHAT.into(),
            items: 0,
            outcome: Outcome::Held,
        }),
        (_, Some(tr)) => match dkg::check_transcript(&key.file, tr) {
            Ok(summary) => run.checks.push(Check {
                code: CODE,
                what: format!(
                    "the key was made without a dealer (attempt {}, transcript {}): every certificate, commitment hash, proof of knowledge and confirmation, K and every K_j re-checked",
                    summary.attempt,
                    crate::keys::short_fingerprint(&summary.fingerprint)
                ),
                items: summary.items,
                outcome: Outcome::Held,
            }),
            Err(e) => run.failed(
                CODE,
                0,
                "election-key.json ceremony.transcript",
                format!("[{}] {e}", e.code()),
            ),
        },
    }
}
