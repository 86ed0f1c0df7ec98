//! `urne verify PUBLISHED --media MIRROR`: checks that a newsroom's mirror of
//! the result server (what `urne fetch` wrote, or any copy of a publication's
//! files with `manifest.json` and `manifest.json.sig` beside them) says
//! exactly what the signed protocols in the published directory say, so that
//! "certified" can be checked from the media files themselves.
//!
//! Checks, in order (each later one needs the ones before to have held):
//!
//! | code | what holds |
//! |---|---|
//! | `M-MANIFEST` | `manifest.json` and its signature verify (publication.md, section 3, steps 1–5), with the pinned publisher key if one is given; its event and `is_test` are the published manifest's |
//! | `M-FILES` | every file the manifest lists is in the mirror with its size and SHA-256, and every `NAME.sig` it lists is a valid detached signature of `NAME` ([`super::filesig`]) by the same publisher key |
//! | `M-FIGURES` | `results.json`, `results.xml`, `results.csv` and `results-spreadsheet.csv`, as far as the manifest lists them, are byte for byte the files this urne makes from the published `tally.json` and the protocols of the referendums whose postal votes the report says are counted, with the report's own `GeneratedDate` and language; and the manifest's `status` is that report's stage. A `certified` report therefore holds only if every protocol is signed by its whole leadership group |
//!
//! The regeneration takes the stage as the report had it when made: a report
//! that says `unofficial-complete` is compared as not yet certified even if
//! every protocol has been signed since. The HTML page is not compared (it
//! is informative, like the protocol's HTML). The comparison is with the
//! files this version of urne makes: a report made by another version
//! (`VendorApplicationId`) may differ in form, and the check says so.
//!
//! This module does not re-check the published directory itself (the box,
//! the proofs, the counts): `urne verify PUBLISHED` does that.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::crypto::encoding::{sha256, to_b64, Digest32};
use crate::event::Manifest;
use crate::protocol::{self, Protocol, SignatureFile};
use crate::publish::filesig::{self, SIGNATURE_SUFFIX};
use crate::publish::results::{self, ResultSet, Stage, VENDOR_APPLICATION_ID};
use crate::publish::store::{self, PublicationManifest, Status};
use crate::serve::fetch::{LOCAL_MANIFEST, LOCAL_SIGNATURE};
use crate::tally::TallyFile;

/// How one check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Held,
    /// The files contradict what they must say.
    Failed,
    /// A file is missing or unreadable.
    Unreadable,
    /// Not run: an earlier check did not hold.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Held => "held",
            Outcome::Failed => "FAILED",
            Outcome::Unreadable => "unreadable",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One check's line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub code: &'static str,
    pub outcome: Outcome,
    /// What was checked, or the first thing that did not hold.
    pub detail: String,
}

/// The report on a mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirrorReport {
    pub mirror: PathBuf,
    pub checks: Vec<Check>,
}

impl MirrorReport {
    /// 0 if every check held, 1 if one failed, 3 if a file is missing or
    /// unreadable (and none failed) — as `urne verify`.
    pub fn exit_code(&self) -> u8 {
        if self.checks.iter().any(|c| c.outcome == Outcome::Failed) {
            1
        } else if self.checks.iter().all(|c| c.outcome == Outcome::Held) {
            0
        } else {
            3
        }
    }

    /// One line per check: `CODE  outcome  detail`.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            s.push_str(&format!(
                "{:<12} {:<10} {}\n",
                c.code,
                c.outcome.as_str(),
                c.detail
            ));
        }
        s.push_str(match self.exit_code() {
            0 => "The media files say what the signed protocols say.\n",
            1 => "The media files do NOT say what the signed protocols say.\n",
            _ => "The media files could not all be checked.\n",
        });
        s
    }
}

struct Fail(Outcome, String);

fn unreadable(path: &Path, e: impl std::fmt::Display) -> Fail {
    Fail(Outcome::Unreadable, format!("{}: {e}", path.display()))
}

fn failed(detail: String) -> Fail {
    Fail(Outcome::Failed, detail)
}

fn read(path: &Path) -> Result<Vec<u8>, Fail> {
    std::fs::read(path).map_err(|e| unreadable(path, e))
}

/// Checks `mirror` against the published directory `published`; `pinned`
/// is the publisher key the newsroom pinned, if any.
pub fn check_mirror(published: &Path, mirror: &Path, pinned: Option<&[u8; 32]>) -> MirrorReport {
    let mut checks = Vec::new();
    let mut push = |code: &'static str, r: Result<String, Fail>| -> bool {
        let (outcome, detail) = match r {
            Ok(d) => (Outcome::Held, d),
            Err(Fail(o, d)) => (o, d),
        };
        checks.push(Check {
            code,
            outcome,
            detail,
        });
        outcome == Outcome::Held
    };
    let skip = |code: &'static str| Check {
        code,
        outcome: Outcome::Skipped,
        detail: "an earlier check did not hold".into(),
    };
    let manifest = match check_manifest(published, mirror, pinned) {
        Ok((m, e, detail)) => {
            push("M-MANIFEST", Ok(detail));
            Some((m, e))
        }
        Err(f) => {
            push("M-MANIFEST", Err(f));
            None
        }
    };
    let Some((m, event_manifest)) = manifest else {
        checks.push(skip("M-FILES"));
        checks.push(skip("M-FIGURES"));
        return MirrorReport {
            mirror: mirror.into(),
            checks,
        };
    };
    if !push("M-FILES", check_files(mirror, &m)) {
        checks.push(skip("M-FIGURES"));
    } else {
        push(
            "M-FIGURES",
            check_figures(published, mirror, &m, &event_manifest),
        );
    }
    MirrorReport {
        mirror: mirror.into(),
        checks,
    }
}

fn check_manifest(
    published: &Path,
    mirror: &Path,
    pinned: Option<&[u8; 32]>,
) -> Result<(PublicationManifest, Manifest, String), Fail> {
    let mpath = published.join("manifest.toml");
    let text = String::from_utf8(read(&mpath)?).map_err(|e| unreadable(&mpath, e))?;
    let event =
        Manifest::parse(&text, &mpath.display().to_string()).map_err(|e| unreadable(&mpath, e))?;
    let bytes = read(&mirror.join(LOCAL_MANIFEST))?;
    let sig = read(&mirror.join(LOCAL_SIGNATURE))?;
    let m = store::verify_publication(&bytes, &sig, pinned)
        .map_err(|e| failed(format!("{}: {e}", mirror.join(LOCAL_MANIFEST).display())))?;
    if m.event != event.event {
        return Err(failed(format!(
            "the mirror holds event {:?}, the published directory event {:?}",
            m.event, event.event
        )));
    }
    if m.is_test != event.is_test {
        return Err(failed(format!(
            "the mirror's publication has is_test = {}, the event's manifest is_test = {}",
            m.is_test, event.is_test
        )));
    }
    let key = match pinned {
        Some(k) => format!("the pinned publisher key {}", to_b64(k)),
        None => format!(
            "its own publisher key {} (not pinned: check it against the key the authority announced)",
            m.publisher_key
        ),
    };
    Ok((
        m.clone(),
        event,
        format!(
            "publication {} ({}) of event {}, signed with {key}",
            m.sequence, m.status, m.event
        ),
    ))
}

fn check_files(mirror: &Path, m: &PublicationManifest) -> Result<String, Fail> {
    let key = crate::crypto::encoding::b64_32(&m.publisher_key)
        .map_err(|e| failed(format!("publisher_key {e}")))?;
    let mut signed = 0;
    for f in &m.files {
        let path = mirror.join(&f.name);
        let bytes = read(&path)?;
        if bytes.len() as u64 != f.size || Digest32(sha256(&bytes)) != f.sha256 {
            return Err(failed(format!(
                "{}: not the file the signed manifest lists ({} bytes, SHA-256 {})",
                path.display(),
                f.size,
                f.sha256
            )));
        }
        if let Some(target) = f.name.strip_suffix(SIGNATURE_SUFFIX) {
            if let Some(t) = m.file(target) {
                let tbytes = read(&mirror.join(&t.name))?;
                filesig::verify_file(&bytes, &t.name, &tbytes, Some(&m.event), Some(&key))
                    .map_err(|e| failed(format!("{}: {e}", path.display())))?;
                signed += 1;
            }
        }
    }
    Ok(format!(
        "{} files with their sizes and hashes, {signed} with a valid detached signature",
        m.files.len()
    ))
}

/// How a result file is made from a result set.
type Maker = fn(&ResultSet) -> String;

/// The result files urne makes, by name, and how to make each.
const COMPARED: [(&str, Maker); 4] = [
    ("results.json", results::nist_json),
    ("results.xml", results::nist_xml),
    ("results.csv", results::results_csv),
    ("results-spreadsheet.csv", results::results_csv_spreadsheet),
];

fn check_figures(
    published: &Path,
    mirror: &Path,
    m: &PublicationManifest,
    event: &Manifest,
) -> Result<String, Fail> {
    let json_path = mirror.join("results.json");
    if m.file("results.json").is_none() {
        return Err(Fail(
            Outcome::Unreadable,
            format!(
                "{}: the publication has no results.json to compare",
                mirror.display()
            ),
        ));
    }
    let report: Value = serde_json::from_slice(&read(&json_path)?)
        .map_err(|e| failed(format!("{}: not JSON: {e}", json_path.display())))?;
    let field = |v: &Value, what: &str| -> Result<String, Fail> {
        v.as_str()
            .map(String::from)
            .ok_or_else(|| failed(format!("{}: no {what} in the report", json_path.display())))
    };
    let generated = field(&report["GeneratedDate"], "GeneratedDate")?;
    let generated_at = crate::timestamp::parse(&generated).map_err(|_| {
        failed(format!(
            "{}: GeneratedDate {generated:?} is not an RFC 3339 time",
            json_path.display()
        ))
    })?;
    let language = field(
        &report["Election"][0]["Name"]["Text"][0]["Language"],
        "language",
    )?;
    let status = field(&report["Status"], "Status")?;
    let vendor = report["VendorApplicationId"].as_str().unwrap_or("");
    // The referendums whose postal votes the report says are counted.
    let mut postal_counted = Vec::new();
    for c in report["Election"][0]["Contest"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let counted = c["CountStatus"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["Type"] == "absentee-mail" && s["Status"] == "completed");
        if counted {
            postal_counted.push(field(&c["Abbreviation"], "contest Abbreviation")?);
        }
    }

    let tpath = published.join("tally.json");
    let ttext = String::from_utf8(read(&tpath)?).map_err(|e| unreadable(&tpath, e))?;
    let tally = TallyFile::from_json(&ttext, &tpath.display().to_string())
        .map_err(|e| unreadable(&tpath, e))?;
    let mut protocols: Vec<(Protocol, bool)> = Vec::new();
    for r in &postal_counted {
        let ppath = published.join("protocols").join(format!("{r}.json"));
        let bytes = read(&ppath)?;
        let p = protocol::parse(&bytes, &ppath.display().to_string())
            .map_err(|e| unreadable(&ppath, e))?;
        let spath = published
            .join("protocols")
            .join(format!("{r}.signatures.json"));
        let signed = match std::fs::read(&spath) {
            Ok(b) => serde_json::from_slice::<SignatureFile>(&b)
                // With the keys the manifest pins (as `urne publish` counts it).
                .map(|s| {
                    p.leadership == protocol::leaders(event)
                        && protocol::fully_signed(&p, &bytes, &s)
                })
                .map_err(|e| unreadable(&spath, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(unreadable(&spath, e)),
        };
        protocols.push((p, signed));
    }
    let build = |protocols: &[(Protocol, bool)]| {
        let mut b = ResultSet::builder(event, generated_at)
            .tally(&tally)
            .language(&language);
        for (p, signed) in protocols {
            b = b.protocol(p, *signed);
        }
        b.build()
    };
    let mut rs = build(&protocols)
        .map_err(|e| failed(format!("the published files do not make a result: {e}")))?;
    if rs.stage() == Stage::Certified && status != Stage::Certified.nist_status() {
        // The report was made before the last signature: compare it as such.
        let unsigned: Vec<(Protocol, bool)> =
            protocols.iter().map(|(p, _)| (p.clone(), false)).collect();
        rs = build(&unsigned)
            .map_err(|e| failed(format!("the published files do not make a result: {e}")))?;
    }
    if status != rs.stage().nist_status() {
        return Err(failed(format!(
            "{}: Status is {status:?}, but the published protocols make it {:?}{}",
            json_path.display(),
            rs.stage().nist_status(),
            if status == "certified" {
                " (not every protocol is signed by its whole leadership group)"
            } else {
                ""
            }
        )));
    }
    let manifest_status = match rs.stage() {
        Stage::Partial => Status::Partial,
        Stage::Complete => Status::Complete,
        Stage::Certified => Status::Certified,
    };
    if m.status != manifest_status {
        return Err(failed(format!(
            "{}: the manifest's status is {}, but its report's is {}",
            mirror.join(LOCAL_MANIFEST).display(),
            m.status,
            manifest_status
        )));
    }
    let mut compared = Vec::new();
    for (name, make) in COMPARED {
        if m.file(name).is_none() {
            continue;
        }
        let path = mirror.join(name);
        let have = read(&path)?;
        let want = make(&rs).into_bytes();
        if have != want {
            let other_version = if vendor != VENDOR_APPLICATION_ID {
                format!(" (the report was made by {vendor:?}, this is {VENDOR_APPLICATION_ID}: check with that version)")
            } else {
                String::new()
            };
            return Err(failed(format!(
                "{}: {}{other_version}",
                path.display(),
                first_difference(&have, &want)
            )));
        }
        compared.push(name);
    }
    Ok(format!(
        "{} say exactly what tally.json and the protocols of {} say ({})",
        compared.join(", "),
        if postal_counted.is_empty() {
            "no referendum".to_string()
        } else {
            postal_counted.join(", ")
        },
        rs.stage().nist_status()
    ))
}

/// Where two texts first differ: line number and both lines (shortened).
fn first_difference(have: &[u8], want: &[u8]) -> String {
    let have = String::from_utf8_lossy(have);
    let want = String::from_utf8_lossy(want);
    let short = |s: &str| -> String {
        let s = s.trim();
        if s.chars().count() > 100 {
            format!("{}…", s.chars().take(100).collect::<String>())
        } else {
            s.to_string()
        }
    };
    let mut a = have.split('\n');
    let mut b = want.split('\n');
    let mut line = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                return format!(
                    "line {line} says {:?} where the signed protocols make {:?}",
                    x.map(short).unwrap_or_else(|| "(end of file)".into()),
                    y.map(short).unwrap_or_else(|| "(end of file)".into())
                )
            }
        }
    }
}
