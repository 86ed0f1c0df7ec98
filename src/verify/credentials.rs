//! V-CREDENTIALS (docs/SPEC.md, "V-CREDENTIALS"): in an event with voter
//! credentials, the published list `credentials.jsonl` is valid for this
//! election and roll, its SHA-256 is the one the box header, the tally and
//! every protocol carry, and every ballot's signature was checked against it
//! (the recount's `bad_credential` figures are the tally's). In an event
//! without credentials the check holds with 0 items and says that the box
//! operator is trusted not to stuff ballots; a list, or a hash in the tally
//! or a protocol, is then a contradiction.

use std::path::Path;

use super::{Check, Outcome, Run};
use crate::credentials::{CredentialList, LIST_FILE};
use crate::error::Explain;
use crate::event::{Manifest, Roll};
use crate::keys::ElectionKey;
use crate::tally::{BoxCount, Rejection, TallyFile};

/// The check's code.
pub const CODE: &str = "V-CREDENTIALS";

/// What the report says of an event without credentials.
pub const NONE_WHAT: &str =
    "no voter credentials: the box operator is trusted not to stuff ballots";

/// Why the list could not be taken in: the outcome to report.
pub(super) struct NotTaken;

/// Loads the list before the box is counted (the count checks every
/// signature against it). `Ok(None)` for an event without credentials.
/// On failure the outcome is reported and the caller stops before V-BOX.
pub(super) fn load(
    dir: &Path,
    manifest: &Manifest,
    key: &ElectionKey,
    roll: &Roll,
    run: &mut Run,
) -> Result<Option<CredentialList>, NotTaken> {
    let path = dir.join(LIST_FILE);
    if !manifest.voter_credentials.required() {
        if path.exists() {
            run.failed(
                CODE,
                0,
                LIST_FILE,
                "the manifest says voter_credentials = \"none\", but a credential list is published",
            );
            return Err(NotTaken);
        }
        return Ok(None);
    }
    if !path.exists() {
        run.unreadable(
            CODE,
            &path,
            "it is missing, and the manifest says voter_credentials = \"urne\"",
        );
        return Err(NotTaken);
    }
    match CredentialList::load(
        &path,
        &manifest.event,
        &key.fingerprint,
        roll,
        manifest.referendums().len(),
    ) {
        Ok(list) => Ok(Some(list)),
        Err(e @ crate::credentials::CredentialError::Io { .. }) => {
            run.unreadable(CODE, &path, e.to_string());
            Err(NotTaken)
        }
        Err(e) => {
            run.failed(CODE, 0, LIST_FILE, format!("[{}] {e}", e.code()));
            Err(NotTaken)
        }
    }
}

fn bad_credentials(figures: impl Iterator<Item = u64>) -> u64 {
    figures.sum()
}

/// Runs V-CREDENTIALS once the box is counted (its header was checked
/// against the list by the count itself).
pub(super) fn check(
    dir: &Path,
    manifest: &Manifest,
    list: Option<&CredentialList>,
    tally: &TallyFile,
    count: &BoxCount,
    run: &mut Run,
) {
    let name = Rejection::BadCredential.as_str();
    let Some(list) = list else {
        if let Some(h) = &tally.credentials_sha256 {
            run.failed(
                CODE,
                0,
                "tally.json credentials_sha256",
                format!("the manifest says voter_credentials = \"none\", but the tally names credential list {h}"),
            );
            return;
        }
        for r in manifest.referendums() {
            if let Some(h) = protocol_hash(dir, &r.id).flatten() {
                run.failed(
                    CODE,
                    0,
                    format!("protocols/{}.json evidence.credentials_sha256", r.id),
                    format!("the manifest says voter_credentials = \"none\", but the protocol names credential list {h}"),
                );
                return;
            }
        }
        run.checks.push(Check {
            code: CODE,
            what: NONE_WHAT.into(),
            items: 0,
            outcome: Outcome::Held,
        });
        return;
    };
    // The count decoded the keys of the voters whose ballots it checked;
    // the rest are decoded now, so every key of the list is checked once.
    if let Err(e) = list.check_keys() {
        run.failed(CODE, list.voters, LIST_FILE, format!("[{}] {e}", e.code()));
        return;
    }
    let want = list.sha256;
    if tally.credentials_sha256 != Some(want) {
        run.failed(
            CODE,
            list.voters,
            "tally.json credentials_sha256",
            format!(
                "the published list's SHA-256 is {want}, but the tally names {}",
                tally
                    .credentials_sha256
                    .map_or_else(|| "none".into(), |h| h.hex())
            ),
        );
        return;
    }
    if count.credentials_sha256 != Some(want) {
        run.failed(
            CODE,
            list.voters,
            "box.jsonl header credentials_sha256",
            format!("the published list's SHA-256 is {want}, but the box header names another"),
        );
        return;
    }
    for r in manifest.referendums() {
        // A missing or unreadable protocol is V-PROTOCOL-FIGURES' to report.
        let Some(found) = protocol_hash(dir, &r.id) else {
            continue;
        };
        if found != Some(want) {
            run.failed(
                CODE,
                list.voters,
                format!("protocols/{}.json evidence.credentials_sha256", r.id),
                format!(
                    "the published list's SHA-256 is {want}, but the protocol names {}",
                    found.map_or_else(|| "none".into(), |h| h.hex())
                ),
            );
            return;
        }
    }
    let mine = bad_credentials(
        count
            .figures
            .iter()
            .map(|f| f.rejected.get(name).copied().unwrap_or(0)),
    );
    let theirs = bad_credentials(
        tally
            .referendums
            .iter()
            .map(|r| r.evotes.rejected.get(name).copied().unwrap_or(0)),
    );
    if mine != theirs {
        let first = count
            .invalid_examples
            .iter()
            .find(|(_, why)| *why == Rejection::BadCredential)
            .map(|(l, _)| format!("box.jsonl line {l}"))
            .unwrap_or_else(|| "tally.json".into());
        run.failed(
            CODE,
            count.ballots,
            first,
            format!(
                "{mine} ballots are not signed with their voter's credential, but the tally says {theirs}"
            ),
        );
        return;
    }
    run.checks.push(Check {
        code: CODE,
        what: format!(
            "every ballot's signature checked against the published list of {} voter credentials (sha256 {want}), the hash the box header, the tally and every protocol carry; {mine} not signed with their voter's credential",
            list.voters
        ),
        items: count.ballots,
        outcome: Outcome::Held,
    });
}

/// The credential hash a protocol's evidence carries: `None` if the
/// protocol cannot be read, `Some(None)` if it names none.
fn protocol_hash(
    dir: &Path,
    referendum: &str,
) -> Option<Option<crate::crypto::encoding::Digest32>> {
    let path = dir.join(format!("protocols/{referendum}.json"));
    let bytes = std::fs::read(&path).ok()?;
    let p = crate::protocol::parse(&bytes, &path.display().to_string()).ok()?;
    Some(p.evidence.credentials_sha256)
}
