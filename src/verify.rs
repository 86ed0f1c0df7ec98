//! Auditor verification: every figure of the result re-derived from the
//! published files alone, with no secret.
//!
//! [`verify_dir`] reads a published directory (see docs/SPEC.md, "How to
//! verify", for the files and the order of the checks) and returns a
//! [`Report`]: one [`Check`] per step, each with a stable code (`V-…`), the
//! number of items it covered, and whether it held. A check that fails names
//! the exact item (record, voter, keyholder, figure) and why. A check that
//! depends on one that failed is skipped, and says so.
//!
//! The outcome has three values, so that a script can tell them apart:
//! [`Verdict::Held`] (exit 0), [`Verdict::Contradicted`] — the evidence
//! contradicts the published result (exit 1) — and [`Verdict::Incomplete`] —
//! files are missing or unreadable, so nothing can be concluded (exit 3).

mod credentials;
mod key_ceremony;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ceremony_log::{self, entry_hash};
use crate::crypto::encoding::{Digest32, Elem, PubScalar};
use crate::crypto::shamir::lagrange_at_zero;
use crate::error::Explain;
use crate::event::{Manifest, Roll, VoterIdsBuilder};
use crate::keys::{ElectionKey, KeyTest};
use crate::postal::{self, CountEntry, CountFile, Envelope, TrialFile};
use crate::protocol::{self, SignatureFile, SignerPublic};
use crate::tally::{self, BoxCount, CountInputs, TallyError, TallyFile};

mod log_rules;
mod rules;
mod tracker;

/// How one check came out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Held,
    Failed {
        item: String,
        why: String,
    },
    /// The check could not run: a file is missing or unreadable.
    Unreadable {
        file: String,
        why: String,
    },
    /// The check depends on one that did not hold, or has nothing to check.
    Skipped {
        why: String,
    },
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub code: &'static str,
    pub what: String,
    pub items: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The overall verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check held.
    Held,
    /// At least one check failed: the evidence contradicts the result.
    Contradicted,
    /// Files are missing or unreadable; no contradiction was found.
    Incomplete,
}

impl Verdict {
    /// The process exit code for this verdict.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Held => 0,
            Verdict::Contradicted => 1,
            Verdict::Incomplete => 3,
        }
    }
}

/// The verification report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub directory: String,
    pub verdict: Verdict,
    pub checks: Vec<Check>,
    /// Files that should not be published (secrets), by name.
    pub warnings: Vec<String>,
}

/// The report format tag.
pub const REPORT_FORMAT: &str = "urne-verify-report/1";

/// Every check, in the order it runs, with what it establishes. The codes are
/// stable; docs/SPEC.md, "How to verify", gives the equations.
pub const CHECKS: [(&str, &str); 21] = [
    (
        "V-MANIFEST",
        "the manifest parses and is the one the election key was made for",
    ),
    (
        "V-KEY",
        "the election key, commitments, verification keys and fingerprint agree",
    ),
    (
        "V-KEY-CEREMONY",
        "which ceremony made the election key, and its transcript re-checked",
    ),
    (
        "V-KEY-TESTS",
        "each key test proves its keyholder held a working share",
    ),
    ("V-ROLL", "the roll parses and is the one the tally counted"),
    (
        "V-BOX",
        "the ballot box's hash chain, record numbers and signed seal",
    ),
    ("V-BALLOT-PROOFS", "every ballot's proofs, recomputed"),
    (
        "V-EVOTE-RULES",
        "which e-votes count, and why the others do not",
    ),
    (
        "V-MARKED-ROLL",
        "the marked roll is exactly the voters with a counted e-vote",
    ),
    (
        "V-SUMS",
        "the encrypted sums are the sums of the counted ballots",
    ),
    (
        "V-CREDENTIALS",
        "every ballot's voter credential signature, against the published list the box, tally and protocols name",
    ),
    (
        tracker::CODE,
        "the ballot tracker index says of every ballot what the count did with it",
    ),
    (
        "V-PARTIALS",
        "each partial decryption's proof against its keyholder's verification key",
    ),
    (
        "V-LAGRANGE",
        "the Lagrange coefficients of the keyholders who took part",
    ),
    (
        "V-COUNTS",
        "the combined decryption gives the published counts",
    ),
    (
        "V-POSTAL-TRIAL",
        "each envelope's decision, re-tried in order of arrival",
    ),
    (
        "V-POSTAL-COUNT",
        "the count rounds reconcile to the published postal figures",
    ),
    (
        "V-PROTOCOL-FIGURES",
        "every figure in every protocol, rebuilt from the evidence",
    ),
    (
        "V-PROTOCOL-EVIDENCE",
        "the file hashes each protocol rests on",
    ),
    (
        "V-SIGNATURES",
        "every signature on every protocol, and who made it",
    ),
    (
        "V-CEREMONY-LOG",
        "the ceremony log's chain, every entry covered by a protocol or a signature, and its last hash of each published file",
    ),
];

fn what(code: &str) -> String {
    CHECKS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, w)| (*w).to_string())
}

struct Run {
    checks: Vec<Check>,
}

impl Run {
    fn push(&mut self, code: &'static str, items: u64, outcome: Outcome) {
        self.checks.push(Check {
            code,
            what: what(code),
            items,
            outcome,
        });
    }
    fn held(&mut self, code: &'static str, items: u64) {
        self.push(code, items, Outcome::Held);
    }
    fn failed(
        &mut self,
        code: &'static str,
        items: u64,
        item: impl Into<String>,
        why: impl Into<String>,
    ) {
        self.push(
            code,
            items,
            Outcome::Failed {
                item: item.into(),
                why: why.into(),
            },
        );
    }
    fn unreadable(&mut self, code: &'static str, file: &Path, why: impl Into<String>) {
        self.push(
            code,
            0,
            Outcome::Unreadable {
                file: name(file),
                why: why.into(),
            },
        );
    }
    fn skipped(&mut self, code: &'static str, why: impl Into<String>) {
        self.push(code, 0, Outcome::Skipped { why: why.into() });
    }
    fn skip_rest(&mut self, from: &str, why: &str) {
        let start = CHECKS.iter().position(|(c, _)| *c == from).unwrap_or(0);
        for (c, _) in &CHECKS[start..] {
            if !self.checks.iter().any(|x| x.code == *c) {
                self.skipped(c, why);
            }
        }
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Why a published file was not taken in. A file that is missing or cannot
/// be read leaves the record incomplete (unreadable); a file that is there but
/// is not a valid file of its kind (not UTF-8, not JSON of its format, another
/// `format`) contradicts it (failed). SPEC, "Outcomes, verdict and exit status".
enum NotLoaded {
    Absent(String),
    Invalid(String),
}

impl Run {
    /// Reports a file that was not taken in under `code`, by [`NotLoaded`]'s rule.
    fn not_loaded(&mut self, code: &'static str, path: &Path, item: &str, e: NotLoaded) {
        match e {
            NotLoaded::Absent(why) => self.unreadable(code, path, why),
            NotLoaded::Invalid(why) => self.failed(code, 0, item, why),
        }
    }
}

/// Reads a file as text, refusing one over the ceiling for any file read
/// whole ([`crate::limits::FILE_BYTES`]) rather than reading it into memory.
fn read(path: &Path) -> Result<String, NotLoaded> {
    match crate::fsio::read_limited(path, crate::limits::FILE_BYTES, "a published file") {
        Ok(b) => {
            String::from_utf8(b).map_err(|_| NotLoaded::Invalid("it is not UTF-8 text".into()))
        }
        Err(crate::fsio::FsError::NotFound { .. }) => {
            Err(NotLoaded::Absent("it is missing".into()))
        }
        Err(e @ crate::fsio::FsError::TooLarge(_)) => Err(NotLoaded::Invalid(e.to_string())),
        Err(e) => Err(NotLoaded::Absent(format!("it cannot be read ({e})"))),
    }
}

fn json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, NotLoaded> {
    let text = read(path)?;
    serde_json::from_str(&text)
        .map_err(|e| NotLoaded::Invalid(format!("it is not a valid file of its kind ({e})")))
}

/// Names of files that hold secrets and must not be published.
pub fn secret_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .map(|r| r.display().to_string())
                .unwrap_or_else(|_| name(&p));
            let lower = rel.to_lowercase();
            // Only the head is read: a sealed file names its format first,
            // and the ballot box must not be read into memory again.
            let head = std::fs::File::open(&p)
                .ok()
                .and_then(|f| {
                    use std::io::Read;
                    let mut head = Vec::with_capacity(4096);
                    f.take(4096).read_to_end(&mut head).ok()?;
                    Some(head)
                })
                .unwrap_or_default();
            let sealed = String::from_utf8_lossy(&head).contains("urne-sealed/1");
            let codes =
                head.starts_with(format!("# {}", crate::credentials::CODES_FORMAT).as_bytes());
            if codes {
                out.push(format!("{rel}: the voters' secret credential codes"));
            } else if sealed {
                out.push(format!("{rel}: a sealed secret (share or private key)"));
            } else if lower.contains("passphrase") {
                out.push(format!("{rel}: looks like a passphrase file"));
            }
        }
    }
    out
}

/// Verifies the published directory `dir`. `progress(ballots)` is called as
/// the box is read.
pub fn verify_dir(dir: &Path, progress: &(dyn Fn(u64) + Sync)) -> Report {
    let mut run = Run { checks: Vec::new() };
    let warnings = secret_files(dir);
    check_all(dir, &mut run, progress);
    let verdict = if run
        .checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Failed { .. }))
    {
        Verdict::Contradicted
    } else if run
        .checks
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Unreadable { .. }))
    {
        Verdict::Incomplete
    } else {
        Verdict::Held
    };
    Report {
        format: REPORT_FORMAT,
        directory: dir.display().to_string(),
        verdict,
        checks: run.checks,
        warnings,
    }
}

/// Why V-MANIFEST is skipped when the election key does not load: the
/// manifest parsed, but its hash could not be compared with the key's.
const MANIFEST_NOT_COMPARED: &str =
    "the manifest parses, but without the election key its hash cannot be compared";

fn check_all(dir: &Path, run: &mut Run, progress: &(dyn Fn(u64) + Sync)) {
    let p = |n: &str| dir.join(n);
    // V-MANIFEST and V-KEY.
    let manifest_path = p("manifest.toml");
    let (manifest, manifest_sha) = match Manifest::load(&manifest_path) {
        Ok(m) => m,
        Err(e) => {
            let why = e.to_string();
            if matches!(e, crate::event::EventError::File(_)) {
                run.unreadable("V-MANIFEST", &manifest_path, why);
            } else {
                run.failed("V-MANIFEST", 1, "manifest.toml", why);
            }
            run.skip_rest("V-KEY", "the manifest did not load");
            return;
        }
    };
    let key_path = p("election-key.json");
    let key = match read(&key_path) {
        Err(e) => {
            run.skipped("V-MANIFEST", MANIFEST_NOT_COMPARED);
            run.not_loaded("V-KEY", &key_path, "election-key.json", e);
            run.skip_rest("V-KEY-CEREMONY", "the election key did not load");
            return;
        }
        Ok(text) => ElectionKey::from_json(&text, "election-key.json"),
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => {
            run.skipped("V-MANIFEST", MANIFEST_NOT_COMPARED);
            run.failed("V-KEY", 1, "election-key.json", e.to_string());
            run.skip_rest("V-KEY-CEREMONY", "the election key does not hold");
            return;
        }
    };
    if key.file.manifest_sha256.hex() != manifest_sha {
        run.failed(
            "V-MANIFEST",
            1,
            "manifest.toml",
            format!(
                "its SHA-256 {manifest_sha} is not the {} the election key was made for",
                key.file.manifest_sha256.hex()
            ),
        );
        run.skip_rest("V-KEY", "the manifest is not the election's");
        return;
    }
    run.held("V-MANIFEST", 1);
    // The key's own statements against the manifest the key binds: its
    // fingerprint covers them, but not that they are the manifest's.
    let names: Vec<&String> = key.file.keyholders.iter().map(|k| &k.name).collect();
    let key_problem = if key.file.event != manifest.event {
        Some((
            "election-key.json event",
            format!(
                "the key is for event {:?}, the manifest is {:?}",
                key.file.event, manifest.event
            ),
        ))
    } else if names != manifest.keyholders.iter().collect::<Vec<_>>() {
        Some((
            "election-key.json keyholders",
            format!(
                "the key's keyholders are {names:?}, the manifest's {:?}",
                manifest.keyholders
            ),
        ))
    } else if let Err(e) = crate::timestamp::parse(&key.file.created_at) {
        Some(("election-key.json created_at", e.to_string()))
    } else {
        None
    };
    if let Some((item, why)) = key_problem {
        run.failed("V-KEY", key.keyholder_count() as u64, item, why);
        run.skip_rest("V-KEY-CEREMONY", "the election key does not hold");
        return;
    }
    run.held("V-KEY", key.keyholder_count() as u64);

    // V-KEY-CEREMONY (src/verify/key_ceremony.rs).
    key_ceremony::check(&key, run);

    // V-KEY-TESTS.
    check_key_tests(dir, &key, run);

    // V-ROLL.
    let roll_path = p("roll.csv");
    let roll = match Roll::load(&roll_path, &manifest) {
        Ok(r) => r,
        Err(e) => {
            if matches!(e, crate::event::EventError::File(_)) {
                run.unreadable("V-ROLL", &roll_path, e.to_string());
            } else {
                run.failed("V-ROLL", 1, "roll.csv", e.to_string());
            }
            run.skip_rest("V-BOX", "the roll did not load");
            return;
        }
    };
    let tally_path = p("tally.json");
    let tally: TallyFile = match read(&tally_path).and_then(|t| {
        TallyFile::from_json(&t, "tally.json").map_err(|e| NotLoaded::Invalid(e.to_string()))
    }) {
        Ok(t) => t,
        Err(e) => {
            run.not_loaded("V-ROLL", &tally_path, "tally.json", e);
            run.skip_rest("V-BOX", "the tally did not load");
            return;
        }
    };
    // The tally must be of this event, key and policy, and say which manifest,
    // roll and key it counted.
    let mismatch = if tally.event != manifest.event {
        Some(format!(
            "the tally is of event {:?}, the manifest of {:?}",
            tally.event, manifest.event
        ))
    } else if tally.fingerprint.0 != key.fingerprint {
        Some(format!(
            "the tally's fingerprint {} is not the election key's {}",
            tally.fingerprint.hex(),
            Digest32(key.fingerprint).hex()
        ))
    } else if tally.policy != manifest.evote_policy {
        Some(format!(
            "the tally applied the e-vote policy {}, the manifest says {}",
            tally.policy.as_str(),
            manifest.evote_policy.as_str()
        ))
    } else if !tally
        .referendums
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.results
                    .iter()
                    .map(|o| o.option.as_str())
                    .collect::<Vec<_>>(),
            )
        })
        .eq(manifest.referendums().iter().map(|r| {
            (
                r.id.as_str(),
                r.options.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        }))
    {
        Some(
            "the tally's referendums and options are not the manifest's, in the manifest's order"
                .into(),
        )
    } else if let Err(e) = crate::timestamp::parse(&tally.computed_at) {
        Some(format!("the tally's computed_at: {e}"))
    } else if !tally.keyholders_used.is_sorted_by(|a, b| a < b) {
        Some("the tally's keyholders_used is not strictly ascending".into())
    } else {
        ["manifest.toml", "roll.csv", "election-key.json"]
            .iter()
            .find(|n| !tally.inputs.iter().any(|i| i.name == **n))
            .map(|n| format!("the tally's inputs do not give the SHA-256 of the {n} it counted"))
    };
    if let Some(why) = mismatch {
        run.failed("V-ROLL", roll.entitled_total(), "tally.json", why);
        run.skip_rest("V-BOX", "the tally is not of this event");
        return;
    }
    let mut inputs_ok = true;
    for input in &tally.inputs {
        if !["manifest.toml", "roll.csv", "election-key.json"].contains(&input.name.as_str()) {
            continue;
        }
        match crate::fsio::sha256_file(&p(&input.name)) {
            Ok(h) if h == input.sha256 => {}
            Ok(h) => {
                run.failed(
                    "V-ROLL",
                    roll.entitled_total(),
                    input.name.clone(),
                    format!(
                        "the tally counted a file with SHA-256 {}, but the published one has {h}",
                        input.sha256
                    ),
                );
                inputs_ok = false;
                break;
            }
            Err(e) => {
                run.unreadable("V-ROLL", &p(&input.name), e.to_string());
                inputs_ok = false;
                break;
            }
        }
    }
    if !inputs_ok {
        run.skip_rest("V-BOX", "the tally did not count these files");
        return;
    }
    run.held("V-ROLL", roll.entitled_total());

    // V-CREDENTIALS, first half: the list every signature is checked against.
    let Ok(credentials) = credentials::load(dir, &manifest, &key, &roll, run) else {
        run.skip_rest("V-BOX", "the voter credential list does not hold");
        return;
    };

    // V-BOX, V-BALLOT-PROOFS, V-EVOTE-RULES, V-MARKED-ROLL, V-SUMS.
    let box_path = p("box.jsonl");
    let inputs = CountInputs {
        manifest: &manifest,
        roll: &roll,
        key: &key,
        credentials: credentials.as_ref(),
    };
    let count = match tally::count_box(&box_path, &inputs, progress) {
        Ok(c) => c,
        Err(e) => {
            match &e {
                // This machine could not do the check: the box is not at fault.
                TallyError::Box(crate::ballot_box::BoxError::Io { .. })
                | TallyError::Scratch { .. } => {
                    run.unreadable("V-BOX", &box_path, format!("[{}] {e}", e.code()))
                }
                _ => run.failed("V-BOX", 0, "box.jsonl", format!("[{}] {e}", e.code())),
            }
            run.skip_rest("V-BALLOT-PROOFS", "the ballot box does not hold");
            return;
        }
    };
    let log_entries = read(&p("ceremony-log.jsonl"))
        .ok()
        .and_then(|t| ceremony_log::verify_chain(&t, "ceremony-log.jsonl").ok());
    match rules::box_rule(dir, &manifest, &count, &tally, log_entries.as_deref()) {
        Ok(None) => {}
        Ok(Some((item, why))) => {
            run.failed("V-BOX", count.ballots, item, why);
            run.skip_rest("V-BALLOT-PROOFS", "the ballot box does not hold");
            return;
        }
        Err((file, why)) => {
            run.unreadable("V-BOX", &file, why);
            run.skip_rest("V-BALLOT-PROOFS", "the ballot box does not hold");
            return;
        }
    }
    if count.head != tally.box_head || count.ballots != tally.box_ballots {
        run.failed(
            "V-BOX",
            count.ballots,
            "box.jsonl",
            format!(
                "the box holds {} ballots with head {}, but the tally counted {} with head {}",
                count.ballots,
                count.head.hex(),
                tally.box_ballots,
                tally.box_head.hex()
            ),
        );
        run.skip_rest("V-BALLOT-PROOFS", "the tally was not made from this box");
        return;
    }
    run.held("V-BOX", count.ballots + 2);
    check_evotes(&manifest, &roll, &tally, &count, dir, run);
    credentials::check(dir, &manifest, credentials.as_ref(), &tally, &count, run);
    // V-TRACKER-INDEX (src/verify/tracker.rs).
    tracker::check(dir, &manifest, &roll, &count, run);

    // V-PARTIALS, V-LAGRANGE, V-COUNTS.
    let combined_ok = check_decryption(dir, &manifest, &key, &tally, &count, run);

    // Postal.
    let trial = check_postal_trial(dir, &manifest, &roll, &count.marked, run);
    let postal_count = check_postal_count(dir, &manifest, trial.as_ref(), run);

    // Protocols, signatures, log.
    check_protocols(
        dir,
        &manifest,
        &tally,
        trial.as_ref(),
        postal_count.as_ref(),
        combined_ok,
        run,
    );
}

fn check_key_tests(dir: &Path, key: &ElectionKey, run: &mut Run) {
    let d = dir.join("key-tests");
    let Ok(entries) = std::fs::read_dir(&d) else {
        run.unreadable(
            "V-KEY-TESTS",
            &d,
            "no key-tests/ directory was published; the record needs each keyholder's key test",
        );
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut passed: BTreeMap<u32, String> = BTreeMap::new();
    for f in &files {
        let t: KeyTest = match json(f) {
            Ok(t) => t,
            Err(e) => {
                run.not_loaded("V-KEY-TESTS", f, &format!("key-tests/{}", name(f)), e);
                return;
            }
        };
        if let Err(e) = crate::timestamp::parse(&t.tested_at) {
            run.failed(
                "V-KEY-TESTS",
                files.len() as u64,
                format!(
                    "key-tests/{} (keyholder {}) tested_at",
                    name(f),
                    t.keyholder
                ),
                e.to_string(),
            );
            return;
        }
        if !key.check_key_test(&t) {
            run.failed(
                "V-KEY-TESTS",
                files.len() as u64,
                format!("key-tests/{} (keyholder {})", name(f), t.keyholder),
                "its proof does not verify against the keyholder's verification key",
            );
            return;
        }
        let listed = key.file.keyholders.iter().find(|k| k.index == t.keyholder);
        if let Some(k) = listed.filter(|k| k.name != t.name) {
            run.failed(
                "V-KEY-TESTS",
                files.len() as u64,
                format!("key-tests/{} (keyholder {})", name(f), t.keyholder),
                format!(
                    "the key test names {:?}, but keyholder {} is {:?} in the election key",
                    t.name, k.index, k.name
                ),
            );
            return;
        }
        if let Some(first) = passed.insert(t.keyholder, name(f)) {
            run.failed(
                "V-KEY-TESTS",
                files.len() as u64,
                format!("key-tests/{} (keyholder {})", name(f), t.keyholder),
                format!("keyholder {}'s key test is also in key-tests/{first}: one keyholder's test cannot stand for another's", t.keyholder),
            );
            return;
        }
    }
    let missing: Vec<String> = key
        .file
        .keyholders
        .iter()
        .filter(|k| !passed.contains_key(&k.index))
        .map(|k| format!("{} ({})", k.index, k.name))
        .collect();
    if !missing.is_empty() {
        run.unreadable(
            "V-KEY-TESTS",
            &d,
            format!(
                "no key test was published for keyholder {}",
                missing.join(", ")
            ),
        );
        return;
    }
    run.held("V-KEY-TESTS", passed.len() as u64);
}

fn check_evotes(
    manifest: &Manifest,
    roll: &Roll,
    tally: &TallyFile,
    count: &BoxCount,
    dir: &Path,
    run: &mut Run,
) {
    // V-BALLOT-PROOFS: how many ballots failed their proofs, against the tally.
    let invalid: u64 = count
        .figures
        .iter()
        .map(|f| f.rejected.get("invalid_proof").copied().unwrap_or(0))
        .sum();
    let claimed: u64 = tally
        .referendums
        .iter()
        .map(|r| r.evotes.rejected.get("invalid_proof").copied().unwrap_or(0))
        .sum();
    if invalid != claimed {
        let first = count
            .invalid_examples
            .first()
            .map(|(l, _)| format!("box.jsonl line {l}"))
            .unwrap_or_else(|| "tally.json".into());
        run.failed(
            "V-BALLOT-PROOFS",
            count.ballots,
            first,
            format!("{invalid} ballots fail their proofs, but the tally says {claimed}"),
        );
    } else {
        run.held("V-BALLOT-PROOFS", count.ballots);
    }
    // V-EVOTE-RULES.
    let mut rules_ok = true;
    for (r, f) in manifest.referendums().iter().zip(&count.figures) {
        let Some(t) = tally.referendums.iter().find(|x| x.id == r.id) else {
            run.failed(
                "V-EVOTE-RULES",
                count.ballots,
                format!("referendum {}", r.id),
                "the tally has no figures for it",
            );
            rules_ok = false;
            break;
        };
        if let Some((field, mine, theirs)) = first_difference(f, &t.evotes) {
            run.failed(
                "V-EVOTE-RULES",
                count.ballots,
                format!("referendum {}, e-votes {field}", r.id),
                format!("the box gives {mine}, the tally says {theirs}"),
            );
            rules_ok = false;
            break;
        }
        if t.entitled != roll.entitled(&r.id) as u64 {
            run.failed(
                "V-EVOTE-RULES",
                count.ballots,
                format!("referendum {}, entitled", r.id),
                format!(
                    "the roll has {}, the tally says {}",
                    roll.entitled(&r.id),
                    t.entitled
                ),
            );
            rules_ok = false;
            break;
        }
    }
    if rules_ok {
        run.held("V-EVOTE-RULES", count.ballots);
    }
    // V-MARKED-ROLL.
    check_marked_roll(dir, manifest, &count.marked, run);
    // V-SUMS.
    let mut sums_ok = true;
    let mut n = 0;
    'outer: for (r, sums) in manifest.referendums().iter().zip(&count.aggregates) {
        let Some(t) = tally.referendums.iter().find(|x| x.id == r.id) else {
            continue;
        };
        let encoding = crate::ballot::Encoding::for_options(r.options.len());
        if t.encoding != encoding {
            run.failed(
                "V-SUMS",
                n + 1,
                format!("referendum {}, encoding", r.id),
                format!(
                    "the tally says {}, but a referendum of {} options is {}",
                    t.encoding.as_str(),
                    r.options.len(),
                    encoding.as_str()
                ),
            );
            sums_ok = false;
            break 'outer;
        }
        for (j, ct) in sums.iter().enumerate() {
            n += 1;
            let Some(res) = t.aggregate.get(j) else {
                run.failed(
                    "V-SUMS",
                    n,
                    format!("referendum {}, ciphertext {}", r.id, j + 1),
                    "missing in the tally",
                );
                sums_ok = false;
                break 'outer;
            };
            if res.a != Elem::from_point(&ct.a) || res.b != Elem::from_point(&ct.b) {
                run.failed(
                    "V-SUMS",
                    n,
                    format!("referendum {}, ciphertext {}", r.id, j + 1),
                    "the tally's encrypted sum is not the sum of the counted ballots",
                );
                sums_ok = false;
                break 'outer;
            }
        }
        if t.aggregate.len() != sums.len() {
            run.failed(
                "V-SUMS",
                n,
                format!("referendum {}", r.id),
                format!(
                    "the tally has {} ciphertexts in its aggregate, the box gives {}",
                    t.aggregate.len(),
                    sums.len()
                ),
            );
            sums_ok = false;
            break 'outer;
        }
    }
    if sums_ok {
        run.held("V-SUMS", n);
    }
}

/// The first field where two serializable values differ, as (path, a, b).
fn first_difference<A: Serialize, B: Serialize>(a: &A, b: &B) -> Option<(String, String, String)> {
    let a = serde_json::to_value(a).ok()?;
    let b = serde_json::to_value(b).ok()?;
    diff_values(&a, &b, String::new())
}

fn diff_values(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: String,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = diff_values(u, v, p) {
                            return Some(d);
                        }
                    }
                    (u, v) => {
                        return Some((
                            p,
                            u.map_or("nothing".into(), Value::to_string),
                            v.map_or("nothing".into(), Value::to_string),
                        ))
                    }
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| diff_values(u, v, format!("{path}[{i}]"))),
        (x, y) if x == y => None,
        (x, y) => Some((path, x.to_string(), y.to_string())),
    }
}

fn check_decryption(
    dir: &Path,
    manifest: &Manifest,
    key: &ElectionKey,
    tally: &TallyFile,
    count: &BoxCount,
    run: &mut Run,
) -> bool {
    // V-PARTIALS.
    let mut all_ok = true;
    for p in &tally.partial_decryptions {
        let checked = tally::check_partial(key, manifest, count, p).and_then(|_| {
            crate::timestamp::parse(&p.made_at)
                .map(|_| ())
                .map_err(|e| format!("made_at: {e}"))
        });
        if let Err(why) = checked {
            run.failed(
                "V-PARTIALS",
                tally.partial_decryptions.len() as u64,
                format!("keyholder {} ({})", p.keyholder, p.name),
                why,
            );
            all_ok = false;
            break;
        }
    }
    if all_ok {
        // Published partial files, where there are any, are the ones combined.
        for p in &tally.partial_decryptions {
            let path = dir.join(format!("partials/keyholder-{}.json", p.keyholder));
            if !path.exists() {
                continue;
            }
            let same = read(&path)
                .ok()
                .and_then(|t| tally::parse_partial(&t, "partial").ok())
                .is_some_and(|f| f == *p);
            if !same {
                run.failed(
                    "V-PARTIALS",
                    tally.partial_decryptions.len() as u64,
                    format!("partials/keyholder-{}.json", p.keyholder),
                    "it is not the partial decryption the tally combined",
                );
                all_ok = false;
                break;
            }
        }
    }
    if all_ok {
        run.held("V-PARTIALS", tally.partial_decryptions.len() as u64);
    }
    // V-LAGRANGE.
    let used: Vec<u32> = tally
        .partial_decryptions
        .iter()
        .map(|p| p.keyholder)
        .collect();
    let mut lag_ok = true;
    if used != tally.keyholders_used || used.len() < key.threshold() {
        run.failed(
            "V-LAGRANGE",
            used.len() as u64,
            "keyholders_used",
            format!(
                "the tally names keyholders {:?} but has valid-looking partials from {:?} (threshold {})",
                tally.keyholders_used,
                used,
                key.threshold()
            ),
        );
        lag_ok = false;
    } else {
        let expected: Vec<(u32, PubScalar)> = used
            .iter()
            .map(|&i| (i, PubScalar(lagrange_at_zero(&used, i))))
            .collect();
        let published: Vec<(u32, PubScalar)> = tally
            .lagrange
            .iter()
            .map(|l| (l.keyholder, l.coefficient))
            .collect();
        if expected != published {
            run.failed(
                "V-LAGRANGE",
                used.len() as u64,
                "lagrange",
                "the published coefficients are not λ_i = Π j/(j−i) for the keyholders who took part",
            );
            lag_ok = false;
        } else {
            run.held("V-LAGRANGE", used.len() as u64);
        }
    }
    // V-COUNTS.
    if !all_ok || !lag_ok {
        run.skipped("V-COUNTS", "the partial decryptions do not hold");
        return false;
    }
    // The tally's counts are checked with one multiplication each, never
    // searched for (SPEC, V-COUNTS).
    match tally::check_counts(key, manifest, count, tally) {
        Err((item, why)) => {
            run.failed("V-COUNTS", 0, item, why);
            false
        }
        Ok(n) => {
            run.held("V-COUNTS", n);
            true
        }
    }
}

/// A published file whose `format` (given, expected) or `event` is not the
/// one it must have. `(item, why)`, the item naming `name` and the field.
fn format_or_event_problem(
    name: &str,
    (format, expected): (&str, &str),
    event: &str,
    manifest: &Manifest,
) -> Option<(String, String)> {
    if format != expected {
        return Some((
            format!("{name} format"),
            format!("{format:?} is not {expected:?}"),
        ));
    }
    (event != manifest.event).then(|| {
        (
            format!("{name} event"),
            format!("{event:?} is not the manifest's event {:?}", manifest.event),
        )
    })
}

/// What is wrong with a trial file apart from its decisions' outcomes: its
/// format, event and deadline against the manifest, and decisions that no
/// envelope file could have given (an envelope twice, a referendum not in the
/// manifest, a voter id the voter-id rule refuses). `(item, why)`.
fn trial_file_problem(trial: &TrialFile, manifest: &Manifest) -> Option<(String, String)> {
    if let Some(p) = format_or_event_problem(
        "postal-trial.json",
        (&trial.format, postal::TRIAL_FORMAT),
        &trial.event,
        manifest,
    ) {
        return Some(p);
    }
    let deadline = crate::timestamp::parse(&trial.postal_deadline).ok();
    if deadline != Some(manifest.postal_deadline) {
        return Some((
            "postal-trial.json postal_deadline".into(),
            format!(
                "{:?} is not the manifest's postal deadline",
                trial.postal_deadline
            ),
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for d in &trial.decisions {
        let item = format!("envelope {}", d.envelope);
        if !ids.insert(d.envelope.as_str()) {
            return Some((
                item,
                "it has two decisions: an envelope is tried once".into(),
            ));
        }
        if manifest.referendum(&d.referendum).is_none() {
            return Some((
                item,
                format!("its referendum {:?} is not in the manifest", d.referendum),
            ));
        }
        if let Some(rule) = (!d.voter.is_empty())
            .then(|| crate::event::voter_id_problem(&d.voter))
            .flatten()
        {
            return Some((item, format!("its voter id is not allowed ({rule})")));
        }
    }
    None
}

/// The count file's format and event against the manifest, and a count for
/// a referendum the manifest does not have. `(item, why)`.
fn count_file_problem(file: &CountFile, manifest: &Manifest) -> Option<(String, String)> {
    if let Some(p) = format_or_event_problem(
        "postal-count.json",
        (&file.format, postal::COUNT_FORMAT),
        &file.event,
        manifest,
    ) {
        return Some(p);
    }
    file.referendums
        .iter()
        .find(|c| manifest.referendum(&c.referendum).is_none())
        .map(|c| {
            (
                format!("referendum {}", c.referendum),
                "a postal count for a referendum that is not in the manifest".into(),
            )
        })
}

impl Run {
    /// Reports `code` unreadable because the marked roll recomputed from the
    /// box could not be read back from the count's scratch file: this machine
    /// could not do the check, the published files are not at fault (as for
    /// V-BOX when the scratch files cannot be written).
    fn spool_unreadable(&mut self, code: &'static str, e: &std::io::Error) {
        self.unreadable(
            code,
            &std::env::temp_dir(),
            format!("the marked roll recomputed from the box could not be read back from the count's scratch file: {e}"),
        );
    }
}

/// A keyed digest of a multiset of marked-roll lines: per referendum, the
/// number of lines and the sum modulo 2^128 of a SHA-256, under a key drawn
/// for this run, of each voter id. Two multisets fixed before the key is
/// drawn have the same digest with probability 2^-128 if they differ, so
/// equal digests stand for equal marked rolls without holding either.
struct MarkedDigest {
    key: [u8; 32],
    sums: Vec<(u64, u128)>,
}

impl MarkedDigest {
    fn new(key: [u8; 32], referendums: usize) -> Self {
        MarkedDigest {
            key,
            sums: vec![(0, 0); referendums],
        }
    }

    fn add(&mut self, r: usize, voter: &str) {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&self.key);
        ctx.update(voter.as_bytes());
        let mut h = [0u8; 16];
        h.copy_from_slice(&ctx.finish().as_ref()[..16]);
        let (n, sum) = &mut self.sums[r];
        *n += 1;
        *sum = sum.wrapping_add(u128::from_le_bytes(h));
    }
}

/// A writer that compares what is written to it with a file's bytes, in
/// order, without holding either.
struct SameBytes<R> {
    file: R,
    same: bool,
    buf: Vec<u8>,
}

impl<R: std::io::Read> std::io::Write for SameBytes<R> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.same {
            self.buf.resize(bytes.len(), 0);
            match self.file.read_exact(&mut self.buf) {
                Ok(()) => self.same = self.buf == bytes,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => self.same = false,
                Err(e) => return Err(e),
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// True if the file at `path` is byte for byte the marked roll the count
/// writes from `marked` (what `unlock` and `combine` publish); false if it
/// differs or cannot be read (the full check then says why).
fn published_as_written(path: &Path, marked: &tally::MarkedSpool) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut cmp = SameBytes {
        file: std::io::BufReader::with_capacity(1 << 16, file),
        same: true,
        buf: Vec::new(),
    };
    if marked.write_csv(&mut cmp).is_err() || !cmp.same {
        return false;
    }
    // Nothing after.
    matches!(std::io::Read::read(&mut cmp.file, &mut [0u8; 1]), Ok(0))
}

/// V-MARKED-ROLL: the published marked roll is, per referendum, the set of
/// voters with a counted e-vote. A file that is byte for byte the one the
/// count writes holds at once: its lines are the counted e-votes' `voter,
/// referendum`, which CSV reads back as written (voter ids and referendum
/// ids hold nothing CSV quotes or trims). Any other file is compared by
/// [`MarkedDigest`] in constant memory; only if the digests differ are both
/// read into memory, to name a difference (or to find that the file merely
/// repeats a line).
fn check_marked_roll(dir: &Path, manifest: &Manifest, marked: &tally::MarkedSpool, run: &mut Run) {
    let mpath = dir.join("marked-roll.csv");
    if published_as_written(&mpath, marked) {
        run.held("V-MARKED-ROLL", marked.len());
        return;
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    let n_refs = manifest.referendums().len();
    let mut published = MarkedDigest::new(key, n_refs);
    if let Err(e) = postal::read_marked_roll_file(&mpath, manifest, |r, v| published.add(r, v)) {
        if matches!(e, postal::PostalError::File(_)) {
            run.unreadable("V-MARKED-ROLL", &mpath, e.to_string());
        } else {
            run.failed("V-MARKED-ROLL", 0, "marked-roll.csv", e.to_string());
        }
        return;
    }
    let mut ours = MarkedDigest::new(key, n_refs);
    let mut sets = Vec::new();
    let read = marked.for_each(|r, v| ours.add(r, v)).and_then(|()| {
        if ours.sums == published.sums {
            return Ok(());
        }
        sets = vec![VoterIdsBuilder::default(); n_refs];
        marked.for_each(|r, v| sets[r].push(v))
    });
    if let Err(e) = read {
        run.spool_unreadable("V-MARKED-ROLL", &e);
        return;
    }
    let total = marked.len();
    if sets.is_empty() {
        run.held("V-MARKED-ROLL", total);
        return;
    }
    // The digests differ: find out how, with both in memory.
    let published = match postal::load_marked_roll(&mpath, manifest) {
        Ok(p) => p,
        Err(e) => {
            run.unreadable("V-MARKED-ROLL", &mpath, e.to_string());
            return;
        }
    };
    let mut total = 0;
    for (r, voters) in manifest.referendums().iter().zip(sets) {
        let voters = voters.finish();
        total += voters.len() as u64;
        if let Some(v) = voters.iter().find(|v| !published.contains(&r.id, v)) {
            run.failed(
                "V-MARKED-ROLL",
                total,
                format!("voter {v} in {}", r.id),
                "has a counted e-vote but is not in the published marked roll",
            );
            return;
        }
        if published.count(&r.id) != voters.len() as u64 {
            run.failed(
                "V-MARKED-ROLL",
                total,
                format!("referendum {}", r.id),
                format!(
                    "the marked roll has {} voters, but {} have a counted e-vote",
                    published.count(&r.id),
                    voters.len()
                ),
            );
            return;
        }
    }
    // The same sets; the published file repeats a line, which is harmless.
    run.held("V-MARKED-ROLL", total);
}

fn check_postal_trial(
    dir: &Path,
    manifest: &Manifest,
    roll: &Roll,
    marked: &tally::MarkedSpool,
    run: &mut Run,
) -> Option<TrialFile> {
    let path = dir.join("postal-trial.json");
    let trial: TrialFile = match json(&path) {
        Ok(t) => t,
        Err(e) => {
            run.not_loaded("V-POSTAL-TRIAL", &path, "postal-trial.json", e);
            return None;
        }
    };
    if let Some((item, why)) = trial_file_problem(&trial, manifest) {
        run.failed("V-POSTAL-TRIAL", trial.decisions.len() as u64, item, why);
        return None;
    }
    // The marked roll as recomputed from the box, not as published; only the
    // lines of voters who sent an envelope matter to the trial.
    let mut marks = postal::SendersMarks::new(
        manifest,
        (trial.decisions.iter()).map(|d| (d.referendum.as_str(), d.voter.as_str())),
    );
    if let Err(e) = marked.for_each(|r, v| marks.offer(r, v)) {
        run.spool_unreadable("V-POSTAL-TRIAL", &e);
        return None;
    }
    let marked = marks.finish();
    let mut envelopes = Vec::with_capacity(trial.decisions.len());
    for d in &trial.decisions {
        let Ok(at) = crate::timestamp::parse(&d.received_at) else {
            run.failed(
                "V-POSTAL-TRIAL",
                trial.decisions.len() as u64,
                format!("envelope {}", d.envelope),
                format!("received_at {:?} is not an RFC 3339 time", d.received_at),
            );
            return None;
        };
        envelopes.push(Envelope {
            id: d.envelope.clone(),
            voter: (!d.voter.is_empty()).then(|| d.voter.clone()),
            received_at: at,
            received_text: d.received_at.clone(),
            referendum: d.referendum.clone(),
            line: d.order,
        });
    }
    let n = envelopes.len() as u64;
    let (decisions, figures) = postal::trial(&envelopes, manifest, roll, &marked);
    for (mine, theirs) in decisions.iter().zip(&trial.decisions) {
        if mine != theirs {
            let why = match (mine.reason, theirs.reason) {
                (a, b) if a != b => format!(
                    "the rules give {}, the published decision is {}",
                    a.map_or("approved", |r| r.as_str()),
                    b.map_or("approved", |r| r.as_str())
                ),
                _ => "its place in the order of arrival differs".to_string(),
            };
            run.failed(
                "V-POSTAL-TRIAL",
                n,
                format!(
                    "envelope {} (voter {})",
                    theirs.envelope,
                    if theirs.voter.is_empty() {
                        "none"
                    } else {
                        &theirs.voter
                    }
                ),
                why,
            );
            return None;
        }
    }
    if let Some((field, mine, theirs)) = first_difference(&figures, &trial.referendums) {
        run.failed(
            "V-POSTAL-TRIAL",
            n,
            format!("postal-trial.json {field}"),
            format!("the decisions give {mine}, the file says {theirs}"),
        );
        return None;
    }
    let published = ["manifest.toml", "roll.csv", "marked-roll.csv"];
    let outcome = match rules::time_field("postal-trial.json tried_at", &trial.tried_at) {
        Err(b) => Ok(Some(b)),
        Ok(_) => rules::inputs_rule(
            dir,
            "postal-trial.json",
            &trial.inputs,
            &published,
            &published,
        )
        .and_then(|o| match o {
            None => rules::decisions_rule(dir, &trial),
            some => Ok(some),
        }),
    };
    match outcome {
        Ok(None) => {}
        Ok(Some((item, why))) => {
            run.failed("V-POSTAL-TRIAL", n, item, why);
            return None;
        }
        Err((file, why)) => {
            run.unreadable("V-POSTAL-TRIAL", &file, why);
            return None;
        }
    }
    run.held("V-POSTAL-TRIAL", n);
    Some(trial)
}

fn check_postal_count(
    dir: &Path,
    manifest: &Manifest,
    trial: Option<&TrialFile>,
    run: &mut Run,
) -> Option<CountFile> {
    let path = dir.join("postal-count.json");
    let file: CountFile = match json(&path) {
        Ok(c) => c,
        Err(e) => {
            run.not_loaded("V-POSTAL-COUNT", &path, "postal-count.json", e);
            return None;
        }
    };
    let Some(trial) = trial else {
        run.skipped("V-POSTAL-COUNT", "the postal trial does not hold");
        return None;
    };
    if let Some((item, why)) = count_file_problem(&file, manifest) {
        run.failed("V-POSTAL-COUNT", 0, item, why);
        return None;
    }
    let outcome = match rules::time_field("postal-count.json reconciled_at", &file.reconciled_at) {
        Err(b) => Ok(Some(b)),
        Ok(_) => rules::inputs_rule(
            dir,
            "postal-count.json",
            &file.inputs,
            &["postal-trial.json"],
            &["postal-trial.json"],
        ),
    };
    match outcome {
        Ok(None) => {}
        Ok(Some((item, why))) => {
            run.failed("V-POSTAL-COUNT", 0, item, why);
            return None;
        }
        Err((f, why)) => {
            run.unreadable("V-POSTAL-COUNT", &f, why);
            return None;
        }
    }
    let mut explanations = Vec::new();
    for c in &file.referendums {
        explanations.extend(c.explanations.iter().cloned());
    }
    let mut n = 0;
    for r in manifest.referendums() {
        let Some(published) = file.referendums.iter().find(|c| c.referendum == r.id) else {
            run.failed(
                "V-POSTAL-COUNT",
                n,
                format!("referendum {}", r.id),
                "no postal count",
            );
            return None;
        };
        let mut entries = Vec::new();
        for round in &published.rounds {
            for a in &round.attempts {
                for m in &a.members {
                    for (c, f) in published.categories.iter().zip(&m.figures) {
                        entries.push(CountEntry {
                            referendum: r.id.clone(),
                            round: round.round,
                            attempt: a.attempt,
                            pair: a.pair.clone(),
                            member: m.member.clone(),
                            option: c.clone(),
                            figure: *f,
                            line: 0,
                        });
                    }
                }
            }
        }
        n += entries.len() as u64;
        let approved = trial
            .referendums
            .iter()
            .find(|f| f.referendum == r.id)
            .map_or(0, |f| f.approved);
        let item = |x: &str| format!("referendum {}, {x}", r.id);
        match postal::reconcile(r, &entries, &explanations, approved, "postal-count.json") {
            Err(e) => {
                run.failed("V-POSTAL-COUNT", n, item("count entries"), e.to_string());
                return None;
            }
            Ok(Err(pending)) => {
                run.failed(
                    "V-POSTAL-COUNT",
                    n,
                    item("count rounds"),
                    format!("the rounds do not settle: {pending}"),
                );
                return None;
            }
            Ok(Ok(mine)) => {
                if let Some((field, a, b)) = first_difference(&mine, published) {
                    run.failed(
                        "V-POSTAL-COUNT",
                        n,
                        item(&field),
                        format!("the rounds give {a}, the file says {b}"),
                    );
                    return None;
                }
            }
        }
    }
    run.held("V-POSTAL-COUNT", n);
    Some(file)
}

#[allow(clippy::too_many_arguments)]
fn check_protocols(
    dir: &Path,
    manifest: &Manifest,
    tally: &TallyFile,
    trial: Option<&TrialFile>,
    count: Option<&CountFile>,
    decryption_ok: bool,
    run: &mut Run,
) {
    let log_path = dir.join("ceremony-log.jsonl");
    let log = read(&log_path).and_then(|t| {
        ceremony_log::verify_chain(&t, "ceremony-log.jsonl")
            .map(|e| (e, t))
            .map_err(|e| NotLoaded::Invalid(e.to_string()))
    });
    let mut protocols = Vec::new();
    for r in manifest.referendums() {
        let path = dir.join(format!("protocols/{}.json", r.id));
        match std::fs::read(&path) {
            Ok(bytes) => match protocol::parse(&bytes, &format!("protocols/{}.json", r.id)) {
                Ok(p) if p.referendum != r.id => {
                    run.failed(
                        "V-PROTOCOL-FIGURES",
                        0,
                        format!("protocols/{}.json", r.id),
                        format!("it is the protocol of referendum {:?}", p.referendum),
                    );
                    run.skip_rest("V-PROTOCOL-EVIDENCE", "a protocol is in the wrong file");
                    return;
                }
                Ok(p) => protocols.push((p, bytes)),
                Err(e) => {
                    run.failed(
                        "V-PROTOCOL-FIGURES",
                        0,
                        format!("protocols/{}.json", r.id),
                        e.to_string(),
                    );
                    run.skip_rest("V-PROTOCOL-EVIDENCE", "a protocol does not parse");
                    return;
                }
            },
            Err(e) => {
                run.unreadable("V-PROTOCOL-FIGURES", &path, e.to_string());
                run.skip_rest("V-PROTOCOL-EVIDENCE", "a protocol is missing");
                return;
            }
        }
    }
    // V-PROTOCOL-FIGURES: each protocol rebuilt from the verified evidence.
    match (trial, count, decryption_ok) {
        (Some(trial), Some(count), true) => {
            let mut ok = true;
            for (p, bytes) in &protocols {
                let pinned = protocol::leaders(manifest);
                let required = [
                    "manifest.toml",
                    "election-key.json",
                    "box.jsonl",
                    "tally.json",
                    "marked-roll.csv",
                    "postal-trial.json",
                    "postal-count.json",
                ];
                let missing = required
                    .iter()
                    .find(|n| !p.evidence.files.iter().any(|f| f.name == **n));
                if p.leadership != pinned {
                    run.failed(
                        "V-PROTOCOL-FIGURES",
                        protocols.len() as u64,
                        format!("protocols/{}.json leadership", p.referendum),
                        "the leadership group or its keys are not the manifest's (its leadership, with the keys its [leadership_keys] pins)",
                    );
                    ok = false;
                    break;
                }
                if let Some(m) = missing {
                    run.failed(
                        "V-PROTOCOL-FIGURES",
                        protocols.len() as u64,
                        format!("protocols/{}.json evidence.files", p.referendum),
                        format!("the protocol does not rest on {m}"),
                    );
                    ok = false;
                    break;
                }
                if let Err(rule) = protocol::check_figures(p) {
                    run.failed(
                        "V-PROTOCOL-FIGURES",
                        protocols.len() as u64,
                        format!("protocols/{}.json", p.referendum),
                        rule,
                    );
                    ok = false;
                    break;
                }
                let rebuilt = protocol::build(&protocol::Inputs {
                    manifest,
                    tally,
                    trial,
                    count,
                    log: &p.ceremony_log,
                    log_head: p.evidence.ceremony_log_head,
                    files: p.evidence.files.clone(),
                    leadership: pinned,
                    created_at: p.created_at.clone(),
                });
                let mine = match rebuilt {
                    Ok(v) => v.into_iter().find(|x| x.referendum == p.referendum),
                    Err(e) => {
                        run.failed(
                            "V-PROTOCOL-FIGURES",
                            protocols.len() as u64,
                            format!("protocols/{}.json", p.referendum),
                            e.to_string(),
                        );
                        ok = false;
                        break;
                    }
                };
                if let Some((field, a, b)) = mine.as_ref().and_then(|m| first_difference(m, p)) {
                    run.failed(
                        "V-PROTOCOL-FIGURES",
                        protocols.len() as u64,
                        format!("protocols/{}.json {field}", p.referendum),
                        format!("the evidence gives {a}, the protocol says {b}"),
                    );
                    ok = false;
                    break;
                }
                if let Some((item, why)) = rules::created_at_rule(p, tally, trial, count) {
                    run.failed("V-PROTOCOL-FIGURES", protocols.len() as u64, item, why);
                    ok = false;
                    break;
                }
                let sig_path = dir.join(format!("protocols/{}.signatures.json", p.referendum));
                let sigs: Option<Result<SignatureFile, NotLoaded>> =
                    sig_path.exists().then(|| json(&sig_path));
                let sigs = match &sigs {
                    None => Ok(None),
                    Some(Ok(s)) => Ok(Some(s)),
                    Some(Err(_)) => Err(()),
                };
                match rules::rendering_rule(dir, p, bytes, sigs, manifest) {
                    Ok(None) => {}
                    Ok(Some((item, why))) => {
                        run.failed("V-PROTOCOL-FIGURES", protocols.len() as u64, item, why);
                        ok = false;
                        break;
                    }
                    Err((file, why)) => {
                        run.unreadable("V-PROTOCOL-FIGURES", &file, why);
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                run.held("V-PROTOCOL-FIGURES", protocols.len() as u64);
            }
        }
        _ => run.skipped(
            "V-PROTOCOL-FIGURES",
            "the tally or the postal files do not hold",
        ),
    }
    // V-PROTOCOL-EVIDENCE: the files each protocol rests on are the published ones.
    let mut ev_ok = true;
    let mut n = 0;
    'ev: for (p, _) in &protocols {
        if let Some((item, why)) = rules::evidence_list_rule(dir, p, tally) {
            run.failed("V-PROTOCOL-EVIDENCE", n, item, why);
            ev_ok = false;
            break;
        }
        for f in &p.evidence.files {
            n += 1;
            let path = if f.name.starts_with("keyholder-") {
                dir.join("partials").join(&f.name)
            } else {
                dir.join(&f.name)
            };
            match crate::fsio::sha256_file(&path) {
                Ok(h) if h == f.sha256 => {}
                Ok(h) => {
                    run.failed(
                        "V-PROTOCOL-EVIDENCE",
                        n,
                        format!("{} in protocols/{}.json", f.name, p.referendum),
                        format!(
                            "the protocol rests on SHA-256 {}, the published file has {h}",
                            f.sha256
                        ),
                    );
                    ev_ok = false;
                    break 'ev;
                }
                Err(e) => {
                    run.unreadable("V-PROTOCOL-EVIDENCE", &path, e.to_string());
                    ev_ok = false;
                    break 'ev;
                }
            }
        }
        if p.evidence.box_head != tally.box_head
            || p.evidence.election_fingerprint != tally.fingerprint
        {
            run.failed(
                "V-PROTOCOL-EVIDENCE",
                n,
                format!("protocols/{}.json evidence", p.referendum),
                "the box head or fingerprint is not the tally's",
            );
            ev_ok = false;
            break;
        }
    }
    if ev_ok {
        run.held("V-PROTOCOL-EVIDENCE", n);
    }
    // V-SIGNATURES.
    check_signatures(dir, manifest, &protocols, run);
    // V-CEREMONY-LOG.
    match log {
        Err(e) => run.not_loaded("V-CEREMONY-LOG", &log_path, "ceremony-log.jsonl", e),
        Ok((entries, text)) => {
            let lines: Vec<&str> = text.lines().collect();
            for (p, _) in &protocols {
                let k = p.ceremony_log.len();
                let prefix_ok = entries.len() >= k && entries[..k] == p.ceremony_log[..];
                let head = if k == 0 {
                    Digest32::default()
                } else {
                    lines.get(k - 1).map(|l| entry_hash(l)).unwrap_or_default()
                };
                if !prefix_ok || head != p.evidence.ceremony_log_head {
                    run.failed(
                        "V-CEREMONY-LOG",
                        entries.len() as u64,
                        format!("protocols/{}.json ceremony_log", p.referendum),
                        "the log the protocol carries is not the start of the published ceremony log",
                    );
                    return;
                }
            }
            match log_rules::log_rule(dir, &entries, &lines, &protocols) {
                Ok(None) => {}
                Ok(Some((item, why))) => {
                    run.failed("V-CEREMONY-LOG", entries.len() as u64, item, why);
                    return;
                }
                Err((file, why)) => {
                    run.unreadable("V-CEREMONY-LOG", &file, why);
                    return;
                }
            }
            run.held("V-CEREMONY-LOG", entries.len() as u64);
        }
    }
}

fn check_signatures(
    dir: &Path,
    manifest: &Manifest,
    protocols: &[(protocol::Protocol, Vec<u8>)],
    run: &mut Run,
) {
    let mut n = 0;
    // The names of the signatures that hold, per referendum.
    let mut signed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Each member's published signer file is theirs, for this event, with
    // the key the manifest pins.
    for name in &manifest.leadership {
        let slug = protocol::signer_file_stem(name);
        let rel = format!("signers/{slug}.pub.json");
        let pub_path = dir.join(&rel);
        let s: SignerPublic = match json(&pub_path) {
            Ok(s) => s,
            Err(e) => {
                run.not_loaded("V-SIGNATURES", &pub_path, &rel, e);
                return;
            }
        };
        let pinned = manifest.leadership_keys.get(name);
        let problem = if s.format != protocol::SIGNER_FORMAT {
            Some(format!(
                "format {:?} is not {:?}",
                s.format,
                protocol::SIGNER_FORMAT
            ))
        } else if s.event != manifest.event {
            Some(format!(
                "it is a key for event {:?}, not {:?}",
                s.event, manifest.event
            ))
        } else if s.name != *name {
            Some(format!("it names {:?}, not {name:?}", s.name))
        } else if pinned.is_some_and(|k| *k != s.public_key) {
            Some(format!(
                "its key is not the one the manifest pins for {name}"
            ))
        } else if let Err(e) = crate::timestamp::parse(&s.created_at) {
            Some(format!("created_at: {e}"))
        } else {
            None
        };
        if let Some(why) = problem {
            run.failed("V-SIGNATURES", n, rel, why);
            return;
        }
        if pinned.is_none() {
            run.unreadable(
                "V-SIGNATURES",
                &dir.join("manifest.toml"),
                format!("the manifest pins no key for {name} in [leadership_keys]: their signature cannot be checked"),
            );
            return;
        }
    }
    for (p, bytes) in protocols {
        let sig_path = dir.join(format!("protocols/{}.signatures.json", p.referendum));
        if !sig_path.exists() {
            continue;
        }
        let sigs: SignatureFile = match json(&sig_path) {
            Ok(s) => s,
            Err(e) => {
                let item = format!("protocols/{}.signatures.json", p.referendum);
                run.not_loaded("V-SIGNATURES", &sig_path, &item, e);
                return;
            }
        };
        if let Some((item, why)) = signatures_file_problem(p, bytes, &sigs) {
            run.failed("V-SIGNATURES", n, item, why);
            return;
        }
        for (name, outcome) in protocol::check_signatures(p, bytes, &sigs) {
            n += 1;
            if let Err(e) = outcome {
                run.failed(
                    "V-SIGNATURES",
                    n,
                    format!("{name} on protocols/{}.json", p.referendum),
                    format!("[{}] {e}", e.code()),
                );
                return;
            }
            signed.entry(p.referendum.clone()).or_default().push(name);
        }
    }
    // Every member of the leadership group signs every protocol; until they
    // have, the record is incomplete (not contradicted).
    for (p, _) in protocols {
        let sig_path = dir.join(format!("protocols/{}.signatures.json", p.referendum));
        let names: Vec<&str> = signed
            .get(&p.referendum)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let missing = protocol::unsigned_members(p, &names);
        if p.leadership.is_empty() || !missing.is_empty() {
            let why = if p.leadership.is_empty() {
                "the protocol names no leadership group to sign it".to_string()
            } else {
                format!(
                    "protocols/{}.json is not signed by {}",
                    p.referendum,
                    missing.join(", ")
                )
            };
            run.unreadable("V-SIGNATURES", &sig_path, why);
            return;
        }
    }
    run.held("V-SIGNATURES", n);
}

/// A signatures file's own fields against the protocol it signs: `format`,
/// `referendum`, `protocol_sha256` (the SHA-256 of the protocol's bytes), and
/// each signature's `signed_at`, a time not before the protocol's
/// `created_at`. `(item, why)`.
fn signatures_file_problem(
    p: &protocol::Protocol,
    bytes: &[u8],
    sigs: &SignatureFile,
) -> Option<(String, String)> {
    let item = format!("protocols/{}.signatures.json", p.referendum);
    let sha = hex::encode(crate::crypto::encoding::sha256(bytes));
    if sigs.format != protocol::SIGNATURES_FORMAT {
        return Some((
            format!("{item} format"),
            format!("{:?} is not {:?}", sigs.format, protocol::SIGNATURES_FORMAT),
        ));
    }
    if sigs.referendum != p.referendum {
        return Some((
            format!("{item} referendum"),
            format!(
                "it signs referendum {:?}, the protocol is of {:?}",
                sigs.referendum, p.referendum
            ),
        ));
    }
    if sigs.protocol_sha256 != sha {
        return Some((
            format!("{item} protocol_sha256"),
            format!(
                "it gives the protocol's SHA-256 as {}, but protocols/{}.json has {sha}",
                sigs.protocol_sha256, p.referendum
            ),
        ));
    }
    let created = crate::timestamp::parse(&p.created_at).ok();
    for s in &sigs.signatures {
        let at = format!("{item} {} signed_at", s.name);
        match rules::time_field(&at, &s.signed_at) {
            Err(b) => return Some(b),
            Ok(t) if created.is_some_and(|c| t < c) => {
                return Some((
                    at,
                    format!(
                        "{} is before the protocol's created_at {}",
                        s.signed_at, p.created_at
                    ),
                ))
            }
            Ok(_) => {}
        }
    }
    None
}

/// The report as text: one line per check, then warnings and the verdict.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    for c in &r.checks {
        let (mark, tail) = match &c.outcome {
            Outcome::Held => ("held   ", String::new()),
            Outcome::Failed { item, why } => ("FAILED ", format!("\n         {item}: {why}")),
            Outcome::Unreadable { file, why } => ("MISSING", format!("\n         {file}: {why}")),
            Outcome::Skipped { why } => ("skipped", format!(" ({why})")),
        };
        // "1 item", "2 items"; the columns stay aligned.
        let items = if c.items == 1 { "item " } else { "items" };
        s.push_str(&format!(
            "{mark} {:<20} {:>9} {items}  {}{tail}\n",
            c.code, c.items, c.what
        ));
    }
    for w in &r.warnings {
        s.push_str(&format!(
            "warning: secret material in the published directory: {w}\n"
        ));
    }
    s.push_str(match r.verdict {
        Verdict::Held => {
            "Verdict: every check held; the published result follows from the published evidence.\n"
        }
        Verdict::Contradicted => {
            "Verdict: the evidence CONTRADICTS the published result (see FAILED above).\n"
        }
        Verdict::Incomplete => {
            "Verdict: INCOMPLETE — files are missing or unreadable; nothing can be concluded.\n"
        }
    });
    s
}
