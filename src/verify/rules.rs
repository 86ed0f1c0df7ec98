//! Rules that close issue 15's holes, applied inside the existing checks
//! (docs/SPEC.md, "The checks", gives each under its check): the box header
//! and seal against the manifest, the input hashes of the tally and the
//! postal files, `postal-decisions.csv` and the printable protocol
//! regenerated and compared byte for byte, the exact evidence list, and the
//! times a reader checks.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use time::OffsetDateTime;

use crate::ballot_box::{SealRecord, EARLY_CLOSE_NOTE};
use crate::ceremony_log::Entry;
use crate::event::Manifest;
use crate::postal::TrialFile;
use crate::protocol::{self, Protocol, SignatureFile};
use crate::tally::{BoxCount, InputHash, TallyFile};

use super::NotLoaded;

/// A rule broken: `(item, why)`.
pub(super) type Broken = (String, String);

/// A rule's outcome: `Ok(None)` held, `Ok(Some(broken))` failed,
/// `Err((file, why))` a file it needs is missing or unreadable.
pub(super) type RuleResult = Result<Option<Broken>, (std::path::PathBuf, String)>;

fn sha256(path: &Path) -> Result<String, (std::path::PathBuf, String)> {
    crate::fsio::sha256_file(path).map_err(|e| (path.to_path_buf(), e.to_string()))
}

/// A time field a reader checks: it must be a time of the strict grammar
/// ([`crate::timestamp`]).
pub(super) fn time_field(item: &str, value: &str) -> Result<OffsetDateTime, Broken> {
    crate::timestamp::parse(value).map_err(|e| (item.to_string(), e.to_string()))
}

/// The input hashes a file gives of published files: every name of
/// `required` MUST be among `inputs`, and every input whose name is in
/// `published` MUST be the SHA-256 of `dir/name`. Inputs of files that are
/// not published (the envelope file, count entries, explanations) are not
/// compared.
pub(super) fn inputs_rule(
    dir: &Path,
    file: &str,
    inputs: &[InputHash],
    required: &[&str],
    published: &[&str],
) -> RuleResult {
    if let Some(n) = required
        .iter()
        .find(|n| !inputs.iter().any(|i| i.name == **n))
    {
        return Ok(Some((
            format!("{file} inputs"),
            format!("the inputs do not give the SHA-256 of the {n} it was made from"),
        )));
    }
    for i in inputs
        .iter()
        .filter(|i| published.contains(&i.name.as_str()))
    {
        let h = sha256(&dir.join(&i.name))?;
        if h != i.sha256 {
            return Ok(Some((
                format!("{file} inputs {}", i.name),
                format!(
                    "{file} was made from a {} with SHA-256 {}, but the published one has {h}",
                    i.name, i.sha256
                ),
            )));
        }
    }
    Ok(None)
}

/// The last line of a file (without its `\n`), read from its end.
fn last_line(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(64 * 1024);
    f.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail)?;
    if tail.last() == Some(&b'\n') {
        tail.pop();
    }
    let from = tail.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    Ok(tail[from..].to_vec())
}

/// V-BOX, after the count: the header is of the manifest's event and its
/// `created_at` a time; the seal's `closed_at` is a time, not before
/// `voting_closes` unless the ceremony log records the early close with its
/// reason; and the tally's `inputs` give this box's SHA-256.
pub(super) fn box_rule(
    dir: &Path,
    manifest: &Manifest,
    count: &BoxCount,
    tally: &TallyFile,
    log: Option<&[Entry]>,
) -> RuleResult {
    let h = &count.header;
    if h.event != manifest.event {
        return Ok(Some((
            "box.jsonl line 1 event".into(),
            format!(
                "the box header is of event {:?}, the manifest of {:?}",
                h.event, manifest.event
            ),
        )));
    }
    if let Err(b) = time_field("box.jsonl line 1 created_at", &h.created_at) {
        return Ok(Some(b));
    }
    let path = dir.join("box.jsonl");
    let seal: SealRecord = last_line(&path)
        .map_err(|e| (path.clone(), e.to_string()))
        .map(|l| serde_json::from_slice(&l))?
        .map_err(|e| (path.clone(), format!("the seal cannot be read again: {e}")))?;
    let closed = match time_field("box.jsonl seal closed_at", &seal.closed_at) {
        Ok(t) => t,
        Err(b) => return Ok(Some(b)),
    };
    if closed < manifest.voting_closes {
        let recorded = log.is_some_and(|l| {
            l.iter()
                .any(|e| e.step == "box-close" && e.note.starts_with(EARLY_CLOSE_NOTE))
        });
        if !recorded {
            let why = if log.is_none() {
                "the ceremony log, which must record an early close with its reason, does not load or its chain does not hold (see V-CEREMONY-LOG)"
            } else {
                "the ceremony log records no early close with its reason"
            };
            return Ok(Some((
                "box.jsonl seal closed_at".into(),
                format!(
                    "the box was closed at {}, before voting_closes, and {why}",
                    seal.closed_at
                ),
            )));
        }
    }
    // The tally's inputs give this box's SHA-256: compared with the hash the
    // count took of the very bytes it checked (`BoxCount::sha256`), not with
    // the file read once more.
    let why = match tally.inputs.iter().find(|i| i.name == "box.jsonl") {
        None => "the inputs do not give the SHA-256 of the box.jsonl it was made from".to_string(),
        Some(i) if i.sha256 != count.sha256.hex() => format!(
            "tally.json was made from a box.jsonl with SHA-256 {}, but the published one has {}",
            i.sha256,
            count.sha256.hex()
        ),
        Some(_) => return Ok(None),
    };
    Ok(Some((
        "box.jsonl".to_string(),
        format!("the tally's inputs: {why}"),
    )))
}

/// V-POSTAL-TRIAL: `postal-decisions.csv` is, byte for byte, the list the
/// trial's decisions give ([`crate::postal::decisions_csv`]).
pub(super) fn decisions_rule(dir: &Path, trial: &TrialFile) -> RuleResult {
    let path = dir.join("postal-decisions.csv");
    let published = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                "it is missing: the envelope sorters' list must be published with the trial"
                    .to_string()
            } else {
                format!("it cannot be read ({e})")
            };
            return Err((path, why));
        }
    };
    let ours = crate::postal::decisions_csv(&trial.decisions);
    if published == ours {
        return Ok(None);
    }
    let (pl, ol): (Vec<&[u8]>, Vec<&[u8]>) = (
        published.split(|b| *b == b'\n').collect(),
        ours.split(|b| *b == b'\n').collect(),
    );
    let line = pl
        .iter()
        .zip(&ol)
        .position(|(a, b)| a != b)
        .unwrap_or(pl.len().min(ol.len()))
        + 1;
    let show = |l: Option<&&[u8]>| {
        l.map_or("nothing".to_string(), |l| {
            format!("{:?}", String::from_utf8_lossy(l))
        })
    };
    Ok(Some((
        format!("postal-decisions.csv line {line}"),
        format!(
            "the trial's decisions give {}, the published list says {}",
            show(ol.get(line - 1)),
            show(pl.get(line - 1))
        ),
    )))
}

/// V-PROTOCOL-FIGURES: `created_at` is a time, not before the tally's
/// `computed_at`, the trial's `tried_at` or the count's `reconciled_at`.
pub(super) fn created_at_rule(
    p: &Protocol,
    tally: &TallyFile,
    trial: &TrialFile,
    count: &crate::postal::CountFile,
) -> Option<Broken> {
    let item = format!("protocols/{}.json created_at", p.referendum);
    let created = match time_field(&item, &p.created_at) {
        Ok(t) => t,
        Err(b) => return Some(b),
    };
    for (what, t) in [
        ("the tally's computed_at", &tally.computed_at),
        ("the postal trial's tried_at", &trial.tried_at),
        ("the postal count's reconciled_at", &count.reconciled_at),
    ] {
        if crate::timestamp::parse(t).is_ok_and(|t| created < t) {
            return Some((item, format!("{} is before {what} {t}", p.created_at)));
        }
    }
    None
}

/// V-PROTOCOL-FIGURES: `protocols/{r}.html` is, byte for byte, the
/// rendering of the protocol's JSON with its signatures file (or none, if
/// there is no signatures file) as `urne protocol` and `urne protocol sign`
/// write it. `sigs` is `Err(())` when a signatures file is there but does not
/// parse (V-SIGNATURES fails it); the page is then not compared.
pub(super) fn rendering_rule(
    dir: &Path,
    p: &Protocol,
    bytes: &[u8],
    sigs: Result<Option<&SignatureFile>, ()>,
    manifest: &crate::event::Manifest,
) -> RuleResult {
    let Ok(sigs) = sigs else {
        return Ok(None);
    };
    let path = dir.join(format!("protocols/{}.html", p.referendum));
    let published = match super::read(&path) {
        Ok(t) => t,
        Err(NotLoaded::Absent(why)) => return Err((path, why)),
        Err(NotLoaded::Invalid(why)) => {
            return Ok(Some((format!("protocols/{}.html", p.referendum), why)))
        }
    };
    let sha = hex::encode(crate::crypto::encoding::sha256(bytes));
    let ours = protocol::render_html(p, &sha, sigs, manifest);
    if published == ours {
        return Ok(None);
    }
    let line = published
        .lines()
        .zip(ours.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(published.lines().count().min(ours.lines().count()))
        + 1;
    Ok(Some((
        format!("protocols/{}.html", p.referendum),
        format!(
            "it is not the rendering of protocols/{}.json and its signatures (first difference on line {line})",
            p.referendum
        ),
    )))
}

/// V-PROTOCOL-EVIDENCE: `evidence.files` is exactly the list
/// `urne protocol` writes: `manifest.toml`, `election-key.json`,
/// `box.jsonl`, `tally.json`, `marked-roll.csv`, `postal-trial.json`,
/// `postal-count.json`, then `keyholder-{i}.json` for each `i` of the tally's
/// `keyholders_used` whose `partials/keyholder-{i}.json` is published.
pub(super) fn evidence_list_rule(dir: &Path, p: &Protocol, tally: &TallyFile) -> Option<Broken> {
    let mut expected: Vec<String> = [
        "manifest.toml",
        "election-key.json",
        "box.jsonl",
        "tally.json",
        "marked-roll.csv",
        "postal-trial.json",
        "postal-count.json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in &tally.keyholders_used {
        if dir.join(format!("partials/keyholder-{i}.json")).exists() {
            expected.push(format!("keyholder-{i}.json"));
        }
    }
    let listed: Vec<&str> = p.evidence.files.iter().map(|f| f.name.as_str()).collect();
    (listed != expected).then(|| {
        (
            format!("protocols/{}.json evidence.files", p.referendum),
            format!(
                "the protocol lists [{}], but rests on [{}]",
                listed.join(", "),
                expected.join(", ")
            ),
        )
    })
}
