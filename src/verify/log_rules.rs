//! V-CEREMONY-LOG beyond the chain and the protocols' part (issue 15, hole
//! 5): every entry is covered by something signed or checked, and the log's
//! last word on each published file is that file.
//!
//! ```text
//! covered = the entries each protocol carries (its ceremony_log)
//!         + the `protocol` entry right after them (it wrote the protocols)
//!         + for each signature s: the entries up to the line whose entry_hash
//!           is s.log_head, and the `protocol-sign` entry right after it,
//!           which MUST be s.name's and MUST have written s's file
//! every entry after the covered ones MUST be a `publish` step
//! for each file name the entries record (read or wrote): the last sha256
//!   recorded = SHA-256(DIR/name), where DIR/name is a published file
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use crate::ceremony_log::{entry_hash, Entry};
use crate::crypto::encoding::Digest32;
use crate::protocol::{Protocol, SignatureFile};

use super::rules::RuleResult;

/// The steps that may follow everything signed: a publication is signed by
/// the publisher's key and checked by `urne fetch`, not from this directory.
const UNCOVERED_STEPS: [&str; 1] = ["publish"];

pub(super) fn log_rule(
    dir: &Path,
    entries: &[Entry],
    lines: &[&str],
    protocols: &[(Protocol, Vec<u8>)],
) -> RuleResult {
    let log = |what: String| format!("ceremony-log.jsonl {what}");
    if let Some(e) = entries
        .iter()
        .find(|e| crate::timestamp::parse(&e.at).is_err())
    {
        return Ok(Some((
            log(format!("entry {} at", e.seq)),
            format!("{:?} is not a time", e.at),
        )));
    }
    let hashes: Vec<Digest32> = lines.iter().map(|l| entry_hash(l)).collect();
    let mut covered = 0usize;
    for (p, _) in protocols {
        let k = p.ceremony_log.len();
        covered = covered.max(k);
        if entries.get(k).is_some_and(|e| e.step == "protocol") {
            covered = covered.max(k + 1);
        }
        let sig_name = format!("protocols/{}.signatures.json", p.referendum);
        let Ok(sigs) = super::json::<SignatureFile>(&dir.join(&sig_name)) else {
            // Missing or broken: V-SIGNATURES says so.
            continue;
        };
        for s in &sigs.signatures {
            let Some(j) = hashes.iter().position(|h| *h == s.log_head) else {
                return Ok(Some((
                    log("head".into()),
                    format!(
                        "{}'s signature on protocols/{}.json covers a log head {} that is not the hash of any line of the published log: entries were dropped or changed",
                        s.name,
                        p.referendum,
                        s.log_head.hex()
                    ),
                )));
            };
            let own = entries.get(j + 1).filter(|e| {
                e.step == "protocol-sign"
                    && e.who == [s.name.clone()]
                    && e.wrote.iter().any(|f| f.name == sig_name)
            });
            if own.is_none() {
                let why = if j + 1 == entries.len() {
                    format!(
                        "the log ends at the head {}'s signature on protocols/{}.json covers, but their protocol-sign entry writing {sig_name} must follow it: the log's last lines were dropped",
                        s.name, p.referendum
                    )
                } else {
                    format!(
                        "it is not {}'s protocol-sign entry writing {sig_name}, which must follow the log head the signature covers",
                        s.name
                    )
                };
                return Ok(Some((log(format!("entry {}", j + 1)), why)));
            }
            covered = covered.max(j + 2);
        }
    }
    if let Some(e) = entries[covered.min(entries.len())..]
        .iter()
        .find(|e| !UNCOVERED_STEPS.contains(&e.step.as_str()))
    {
        return Ok(Some((
            log(format!("entry {} ({})", e.seq, e.step)),
            "no signature covers it and no check accounts for it: after the part the protocols carry, the log holds the protocol step, each member's protocol-sign step (pinned by their signature's log_head) and publish steps only".into(),
        )));
    }
    // The log's last word on each file.
    let mut last: BTreeMap<&str, (&Entry, &str)> = BTreeMap::new();
    for e in entries {
        for f in e.read.iter().chain(&e.wrote) {
            last.insert(f.name.as_str(), (e, f.sha256.as_str()));
        }
    }
    for (name, (e, sha)) in last {
        let rel = Path::new(name);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        let path = dir.join(rel);
        if !path.is_file() {
            continue;
        }
        let h = crate::fsio::sha256_file(&path).map_err(|err| (path.clone(), err.to_string()))?;
        if h != sha {
            return Ok(Some((
                log(format!("entry {} ({}): {name}", e.seq, e.step)),
                format!(
                    "the log last records {name} with SHA-256 {sha}, but the published file has {h}"
                ),
            )));
        }
    }
    Ok(None)
}
