//! Postal votes: the envelope trial against the roll and the marked roll, and
//! the reconciliation of the manual count rounds.
//!
//! Norwegian terms, once: the envelope trial is *prøving av stemmegivninger*;
//! the marked roll is the *avkrysset manntall*; a count round is a *telling*
//! (the first is *foreløpig opptelling*, the second *endelig opptelling*); a
//! counting pair is a *tellepar*.
//!
//! Both steps are pure: values in, values out. Readers for the CSV inputs sit
//! beside them and name the file, the line and the rule on every error.
//!
//! ## The trial (DESIGN.md, "Counting rules")
//! Envelopes are tried in order of arrival (`received_at`, ties by their order
//! in the file). An envelope is approved only if every rule holds; otherwise it
//! is rejected with the first failing reason, and stays unopened:
//!
//! 1. `not_in_roll` ([`PostalReason::NotInRoll`]): the envelope names a voter who
//!    is not in the roll for its referendum;
//! 2. `unidentifiable`: the envelope does not identify the voter (empty voter id).
//!    Rules 1 and 2 are exclusive: a voter id that is present is tried by rule 1,
//!    an absent one by rule 2;
//! 3. `has_electronic_vote`: the voter has a counted e-vote (the e-vote wins);
//! 4. `already_voted`: the voter already has an approved postal vote;
//! 5. `late`: received after the manifest's `postal_deadline`.
//!
//! ## The count rounds
//! Each round is counted by a counting pair; both members enter a figure per
//! category (each option, `blank` unless an option already is blank, and
//! `invalid`). If the members of a pair disagree, the pair recounts (a new
//! attempt of the same round); the last attempt of each round must agree. The
//! final figures are the last round's; they must equal an earlier round's
//! (the count was confirmed, at once or by recounting), or the difference must
//! be explained in writing. The number of ballots must equal the number of
//! approved envelopes, or the difference is a recorded deviation with its
//! explanation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::Explain;
use crate::event::{voter_id_problem, Manifest, Referendum, Roll, VoterIds, VoterIdsBuilder};
use crate::fsio::FsError;
use crate::tally::InputHash;

/// The largest figure urne accepts anywhere (about 10^12): far above any
/// electorate, and small enough that no sum of figures can overflow.
pub const MAX_FIGURE: u64 = 1 << 40;

/// The postal trial file format.
pub const TRIAL_FORMAT: &str = "urne-postal-trial/1";
/// The postal count file format.
pub const COUNT_FORMAT: &str = "urne-postal-count/1";

/// Why an envelope is rejected, in the order the rules are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostalReason {
    NotInRoll,
    Unidentifiable,
    HasElectronicVote,
    AlreadyVoted,
    Late,
}

impl PostalReason {
    /// Every reason, in the order the rules are tried.
    pub const ALL: [PostalReason; 5] = [
        PostalReason::NotInRoll,
        PostalReason::Unidentifiable,
        PostalReason::HasElectronicVote,
        PostalReason::AlreadyVoted,
        PostalReason::Late,
    ];

    /// The snake_case name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            PostalReason::NotInRoll => "not_in_roll",
            PostalReason::Unidentifiable => "unidentifiable",
            PostalReason::HasElectronicVote => "has_electronic_vote",
            PostalReason::AlreadyVoted => "already_voted",
            PostalReason::Late => "late",
        }
    }

    /// The reason with this file name, if there is one.
    pub fn from_name(name: &str) -> Option<PostalReason> {
        PostalReason::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The stable code (docs/SPEC.md, "Error and check codes").
    pub fn code(self) -> &'static str {
        match self {
            PostalReason::NotInRoll => "P-NOT-IN-ROLL",
            PostalReason::Unidentifiable => "P-UNIDENTIFIABLE",
            PostalReason::HasElectronicVote => "P-HAS-ELECTRONIC-VOTE",
            PostalReason::AlreadyVoted => "P-ALREADY-VOTED",
            PostalReason::Late => "P-LATE",
        }
    }
}

/// A received return envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub id: String,
    /// `None` when the envelope does not identify the voter.
    pub voter: Option<String>,
    pub received_at: OffsetDateTime,
    /// The time as written in the file.
    pub received_text: String,
    pub referendum: String,
    /// Line in the envelope file (for errors), 0 if built in code.
    pub line: u64,
}

/// Who has a counted e-vote, per referendum (the marked roll after e-voting).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarkedRoll {
    marked: HashMap<String, VoterIds>,
}

impl MarkedRoll {
    /// From `(voter, referendum)` pairs.
    pub fn from_entries(entries: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut marked: HashMap<String, VoterIdsBuilder> = HashMap::new();
        for (v, r) in entries {
            marked.entry(r).or_default().push(&v);
        }
        MarkedRoll::from_builders(marked)
    }

    fn from_builders(marked: HashMap<String, VoterIdsBuilder>) -> Self {
        MarkedRoll {
            marked: (marked.into_iter())
                .map(|(r, ids)| (r, ids.finish()))
                .collect(),
        }
    }

    /// From each referendum's set of voters.
    pub fn from_sets(sets: impl IntoIterator<Item = (String, VoterIds)>) -> Self {
        MarkedRoll {
            marked: sets.into_iter().collect(),
        }
    }

    /// True if `voter` has a counted e-vote in `referendum`.
    pub fn contains(&self, referendum: &str, voter: &str) -> bool {
        self.marked
            .get(referendum)
            .is_some_and(|s| s.contains(voter))
    }

    /// The number of marks in a referendum.
    pub fn count(&self, referendum: &str) -> u64 {
        self.marked.get(referendum).map_or(0, |s| s.len() as u64)
    }

    /// Parses `marked-roll.csv` (header `voter_id,referendum`).
    pub fn parse(reader: impl Read, file: &str, manifest: &Manifest) -> Result<Self, PostalError> {
        let mut marked: Vec<VoterIdsBuilder> =
            vec![VoterIdsBuilder::default(); manifest.referendums().len()];
        read_marked_roll(reader, file, manifest, |r, v| marked[r].push(v))?;
        Ok(MarkedRoll::from_builders(
            (manifest.referendums().iter())
                .zip(marked)
                .map(|(r, ids)| (r.id.clone(), ids))
                .collect(),
        ))
    }

    /// Parses `marked-roll.csv` keeping only the marks of voters who sent one
    /// of `envelopes` (for that envelope's referendum): the trial looks up no
    /// one else, and a national marked roll need not be held in memory.
    pub fn parse_for(
        reader: impl Read,
        file: &str,
        manifest: &Manifest,
        envelopes: &[Envelope],
    ) -> Result<Self, PostalError> {
        let mut marks = SendersMarks::new(
            manifest,
            envelopes
                .iter()
                .filter_map(|e| Some((e.referendum.as_str(), e.voter.as_deref()?))),
        );
        read_marked_roll(reader, file, manifest, |r, v| marks.offer(r, v))?;
        Ok(marks.finish())
    }
}

/// Gathers, from a marked roll given line by line, the marks of a few
/// (referendum, voter) pairs: the senders of postal envelopes.
pub struct SendersMarks<'a> {
    senders: std::collections::HashSet<(&'a str, &'a str)>,
    ids: Vec<&'a str>,
    kept: Vec<(String, String)>,
}

impl<'a> SendersMarks<'a> {
    /// For `senders`, (referendum id, voter id) pairs.
    pub fn new(manifest: &'a Manifest, senders: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        SendersMarks {
            senders: senders.collect(),
            ids: manifest
                .referendums()
                .iter()
                .map(|r| r.id.as_str())
                .collect(),
            kept: Vec::new(),
        }
    }

    /// One line of the marked roll: the referendum's index in the manifest
    /// and the voter id; kept if it is a sender's.
    pub fn offer(&mut self, referendum: usize, voter: &str) {
        let r = self.ids[referendum];
        if self.senders.contains(&(r, voter)) {
            self.kept.push((voter.to_string(), r.to_string()));
        }
    }

    /// The senders' marks.
    pub fn finish(self) -> MarkedRoll {
        MarkedRoll::from_entries(self.kept)
    }
}

/// Reads `marked-roll.csv` (header `voter_id,referendum`) line by line, and
/// calls `each` with the referendum's index in the manifest and the voter id of
/// every record, without keeping them.
pub fn read_marked_roll(
    reader: impl Read,
    file: &str,
    manifest: &Manifest,
    mut each: impl FnMut(usize, &str),
) -> Result<(), PostalError> {
    read_csv(reader, file, &["voter_id", "referendum"], |line, rec| {
        let (v, r) = (&rec[0], &rec[1]);
        let Some(r) = manifest.referendum_index(r) else {
            return Err(PostalError::UnknownReferendum {
                file: file.into(),
                line,
                referendum: r.into(),
            });
        };
        each(r, v);
        Ok(())
    })
}

/// What is wrong with a postal input.
#[derive(Debug, thiserror::Error)]
pub enum PostalError {
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{file}, line {line}: {detail}")]
    Syntax {
        file: String,
        line: u64,
        detail: String,
    },
    #[error("{file}, line {line}: referendum {referendum:?} is not in the manifest")]
    UnknownReferendum {
        file: String,
        line: u64,
        referendum: String,
    },
    #[error("{file}, line {line}: envelope {envelope:?} was already registered on line {first}")]
    DuplicateEnvelope {
        file: String,
        line: u64,
        envelope: String,
        first: u64,
    },
    #[error("{file}, line {line}: received_at {value:?} is not an RFC 3339 time")]
    BadTime {
        file: String,
        line: u64,
        value: String,
    },
    #[error("{file}, line {line}: option {option:?} does not exist in referendum {referendum} (it has {allowed})")]
    UnknownOption {
        file: String,
        line: u64,
        referendum: String,
        option: String,
        allowed: String,
    },
    #[error("{file}, line {line}: the {what} {value:?} is not a whole number of at least {min}")]
    BadNumber {
        file: String,
        line: u64,
        what: &'static str,
        value: String,
        min: u64,
    },
    #[error("{file}, line {line}: {member} already entered a figure for {option} in round {round}, attempt {attempt} of {referendum} (line {first})")]
    DuplicateFigure {
        file: String,
        line: u64,
        first: u64,
        referendum: String,
        round: u32,
        attempt: u32,
        member: String,
        option: String,
    },
    #[error("{file}: {referendum}, round {round}, attempt {attempt}: {detail}")]
    IncompleteCount {
        file: String,
        referendum: String,
        round: u32,
        attempt: u32,
        detail: String,
    },
    #[error("{file}, line {line}: {detail}")]
    BadExplanation {
        file: String,
        line: u64,
        detail: String,
    },
}

impl Explain for PostalError {
    fn code(&self) -> &'static str {
        match self {
            PostalError::File(e) => e.code(),
            PostalError::Syntax { .. } => "E-POSTAL-SYNTAX",
            PostalError::UnknownReferendum { .. } => "E-UNKNOWN-REFERENDUM",
            PostalError::DuplicateEnvelope { .. } => "E-ENVELOPE-DUPLICATE",
            PostalError::BadTime { .. } => "E-TIME",
            PostalError::UnknownOption { .. } => "E-COUNT-OPTION",
            PostalError::BadNumber { .. } => "E-COUNT-FIGURE",
            PostalError::DuplicateFigure { .. } => "E-COUNT-DUPLICATE",
            PostalError::IncompleteCount { .. } => "E-COUNT-INCOMPLETE",
            PostalError::BadExplanation { .. } => "E-EXPLANATION",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            PostalError::File(e) => e.hint(),
            PostalError::Syntax { .. } => Some(crate::input_hints::CSV_HINT.into()),
            PostalError::BadTime { value, .. } => Some(crate::input_hints::rfc3339_hint(value)),
            PostalError::BadNumber { .. } => {
                Some("figures are counts of ballots: 0, 1, 2, …".into())
            }
            PostalError::IncompleteCount { .. } => {
                Some("both members of the pair enter a figure for every category".into())
            }
            _ => None,
        }
    }
}

/// Reads a CSV file with an exact header, calling `row(line, record)` per row.
fn read_csv(
    reader: impl Read,
    file: &str,
    header: &[&str],
    mut row: impl FnMut(u64, &csv::StringRecord) -> Result<(), PostalError>,
) -> Result<(), PostalError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(crate::limits::LineLimited::new(
            reader,
            file,
            crate::limits::CSV_LINE_BYTES,
            "a line of a CSV input",
        ));
    let syntax = |line: u64, detail: String| PostalError::Syntax {
        file: file.into(),
        line,
        detail,
    };
    let found = csv
        .headers()
        .map_err(|e| match crate::limits::TooLarge::from_csv(&e) {
            Some(t) => PostalError::File(t.into()),
            None => syntax(1, e.to_string()),
        })?
        .clone();
    if found.iter().collect::<Vec<_>>() != header {
        return Err(syntax(
            1,
            crate::input_hints::csv_header_problem(found.iter(), header),
        ));
    }
    // One record, read into again and again (`records()` copies each).
    let mut rec = csv::StringRecord::new();
    loop {
        let more = csv.read_record(&mut rec).map_err(|e| {
            if let Some(t) = crate::limits::TooLarge::from_csv(&e) {
                return PostalError::File(t.into());
            }
            let line = e.position().map_or(0, |p| p.line());
            let detail = match e.kind() {
                csv::ErrorKind::UnequalLengths { len, .. } => format!(
                    "the row has {len} fields; {} are expected ({})",
                    header.len(),
                    header.join(",")
                ),
                _ => e.to_string(),
            };
            syntax(line, detail)
        })?;
        if !more {
            return Ok(());
        }
        let line = rec.position().map_or(0, |p| p.line());
        row(line, &rec)?;
    }
}

fn open(path: &Path) -> Result<std::io::BufReader<std::fs::File>, PostalError> {
    let f = std::fs::File::open(path).map_err(|e| {
        PostalError::File(if e.kind() == std::io::ErrorKind::NotFound {
            FsError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            FsError::Unreadable {
                path: path.to_path_buf(),
                source: e,
            }
        })
    })?;
    Ok(std::io::BufReader::new(f))
}

/// Parses the received envelopes (`envelope_id,voter_id,received_at,referendum`).
pub fn parse_envelopes(
    reader: impl Read,
    file: &str,
    manifest: &Manifest,
) -> Result<Vec<Envelope>, PostalError> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    read_csv(
        reader,
        file,
        &["envelope_id", "voter_id", "received_at", "referendum"],
        |line, rec| {
            let id = rec[0].to_string();
            if id.is_empty() {
                return Err(PostalError::Syntax {
                    file: file.into(),
                    line,
                    detail: "the envelope id is empty".into(),
                });
            }
            if let Some(first) = seen.get(&id) {
                return Err(PostalError::DuplicateEnvelope {
                    file: file.into(),
                    line,
                    envelope: id,
                    first: *first,
                });
            }
            seen.insert(id.clone(), line);
            let voter = match &rec[1] {
                "" => None,
                v => {
                    if let Some(rule) = voter_id_problem(v) {
                        return Err(PostalError::Syntax {
                            file: file.into(),
                            line,
                            detail: format!("voter id {v:?} is not allowed ({rule})"),
                        });
                    }
                    Some(v.to_string())
                }
            };
            let received_text = rec[2].to_string();
            let received_at =
                crate::timestamp::parse(&received_text).map_err(|_| PostalError::BadTime {
                    file: file.into(),
                    line,
                    value: received_text.clone(),
                })?;
            let referendum = rec[3].to_string();
            if manifest.referendum(&referendum).is_none() {
                return Err(PostalError::UnknownReferendum {
                    file: file.into(),
                    line,
                    referendum,
                });
            }
            out.push(Envelope {
                id,
                voter,
                received_at,
                received_text,
                referendum,
                line,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// Loads an envelope file.
pub fn load_envelopes(path: &Path, manifest: &Manifest) -> Result<Vec<Envelope>, PostalError> {
    parse_envelopes(open(path)?, &path.display().to_string(), manifest)
}

/// Reads a marked roll file line by line ([`read_marked_roll`]).
pub fn read_marked_roll_file(
    path: &Path,
    manifest: &Manifest,
    each: impl FnMut(usize, &str),
) -> Result<(), PostalError> {
    read_marked_roll(open(path)?, &path.display().to_string(), manifest, each)
}

/// Loads a marked roll file.
pub fn load_marked_roll(path: &Path, manifest: &Manifest) -> Result<MarkedRoll, PostalError> {
    MarkedRoll::parse(open(path)?, &path.display().to_string(), manifest)
}

/// The decision on one envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Position in order of arrival, from 1.
    pub order: u64,
    pub envelope: String,
    /// Empty when the envelope does not identify the voter.
    pub voter: String,
    pub referendum: String,
    pub received_at: String,
    /// `approved` or `rejected`.
    pub decision: String,
    /// The first failing rule, for a rejected envelope.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<PostalReason>,
}

impl Decision {
    /// True if the envelope was approved (it is opened and its ballot counted).
    pub fn approved(&self) -> bool {
        self.reason.is_none()
    }
}

/// The trial's totals for one referendum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialFigures {
    pub referendum: String,
    pub received: u64,
    pub approved: u64,
    /// Every reason, zero included.
    pub rejected: BTreeMap<String, u64>,
    /// The envelopes that stay unopened (rejected), by id.
    pub unopened: Vec<String>,
}

impl TrialFigures {
    /// Total rejected.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

/// Tries one envelope against the rules, given the voters already approved.
pub fn try_envelope(
    e: &Envelope,
    manifest: &Manifest,
    roll: &Roll,
    marked: &MarkedRoll,
    approved: &HashSet<(String, String)>,
) -> Option<PostalReason> {
    let Some(voter) = e.voter.as_deref() else {
        return Some(PostalReason::Unidentifiable);
    };
    if !roll.contains(&e.referendum, voter) {
        return Some(PostalReason::NotInRoll);
    }
    if marked.contains(&e.referendum, voter) {
        return Some(PostalReason::HasElectronicVote);
    }
    if approved.contains(&(voter.to_string(), e.referendum.clone())) {
        return Some(PostalReason::AlreadyVoted);
    }
    if manifest.is_late_postal(e.received_at) {
        return Some(PostalReason::Late);
    }
    None
}

/// The envelope trial: every envelope in order of arrival, and the totals per
/// referendum (manifest order).
pub fn trial(
    envelopes: &[Envelope],
    manifest: &Manifest,
    roll: &Roll,
    marked: &MarkedRoll,
) -> (Vec<Decision>, Vec<TrialFigures>) {
    let mut order: Vec<&Envelope> = envelopes.iter().collect();
    // Stable: ties keep their order in the file.
    order.sort_by_key(|e| e.received_at);
    let mut approved: HashSet<(String, String)> = HashSet::new();
    let mut figures: Vec<TrialFigures> = manifest
        .referendums()
        .iter()
        .map(|r| TrialFigures {
            referendum: r.id.clone(),
            received: 0,
            approved: 0,
            rejected: PostalReason::ALL
                .iter()
                .map(|x| (x.as_str().to_string(), 0))
                .collect(),
            unopened: Vec::new(),
        })
        .collect();
    let mut decisions = Vec::with_capacity(order.len());
    for (k, e) in order.into_iter().enumerate() {
        let reason = try_envelope(e, manifest, roll, marked, &approved);
        let f = manifest
            .referendum_index(&e.referendum)
            .and_then(|i| figures.get_mut(i));
        if let Some(f) = f {
            f.received += 1;
            match reason {
                None => f.approved += 1,
                Some(r) => {
                    *f.rejected.entry(r.as_str().to_string()).or_default() += 1;
                    f.unopened.push(e.id.clone());
                }
            }
        }
        if reason.is_none() {
            if let Some(v) = &e.voter {
                approved.insert((v.clone(), e.referendum.clone()));
            }
        }
        decisions.push(Decision {
            order: k as u64 + 1,
            envelope: e.id.clone(),
            voter: e.voter.clone().unwrap_or_default(),
            referendum: e.referendum.clone(),
            received_at: e.received_text.clone(),
            decision: if reason.is_none() {
                "approved"
            } else {
                "rejected"
            }
            .into(),
            reason,
        });
    }
    (decisions, figures)
}

/// The postal trial file (`urne-postal-trial/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialFile {
    pub format: String,
    pub event: String,
    pub postal_deadline: String,
    pub tried_at: String,
    pub inputs: Vec<InputHash>,
    pub referendums: Vec<TrialFigures>,
    pub decisions: Vec<Decision>,
}

/// `postal-decisions.csv`, the sorters' list, made from the trial's
/// decisions (docs/SPEC.md, "Postal decisions"): the header
/// `order,envelope_id,referendum,decision,reason,pile`, then one line per
/// decision in order of arrival, each ending in `\n`. Envelope ids are free
/// text: one that holds a comma, a quote or a line break is quoted (RFC
/// 4180), so the columns stay put. `urne postal trial` writes these bytes and
/// `urne verify` compares the published file with them.
pub fn decisions_csv(decisions: &[Decision]) -> Vec<u8> {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing records to memory cannot fail.
    let _ = csv.write_record([
        "order",
        "envelope_id",
        "referendum",
        "decision",
        "reason",
        "pile",
    ]);
    for d in decisions {
        let pile = if d.approved() { "open" } else { "unopened" };
        let (order, decision) = (d.order.to_string(), d.decision.to_string());
        let reason = d.reason.map_or("", |r| r.as_str());
        let _ = csv.write_record([&order, &d.envelope, &d.referendum, &decision, reason, pile]);
    }
    csv.into_inner().unwrap_or_default()
}

/// The categories a postal ballot is counted in, for a referendum: each option,
/// then `blank` unless an option is already called blank, then `invalid`.
pub fn categories(r: &Referendum) -> Vec<String> {
    let mut c = r.options.clone();
    if !r.options.iter().any(|o| o.eq_ignore_ascii_case("blank")) {
        c.push("blank".into());
    }
    c.push("invalid".into());
    c
}

/// One member's figures, or a pair's, per category (in [`categories`] order).
pub type Figures = Vec<u64>;

/// One row of the count entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountEntry {
    pub referendum: String,
    pub round: u32,
    pub attempt: u32,
    pub pair: String,
    pub member: String,
    pub option: String,
    pub figure: u64,
    pub line: u64,
}

fn parse_number(
    s: &str,
    what: &'static str,
    min: u64,
    file: &str,
    line: u64,
) -> Result<u64, PostalError> {
    s.parse::<u64>()
        .ok()
        .filter(|n| *n >= min && *n <= MAX_FIGURE)
        .ok_or_else(|| PostalError::BadNumber {
            file: file.into(),
            line,
            what,
            value: s.into(),
            min,
        })
}

/// Parses count entries (`referendum,round,attempt,pair,member,option,figure`).
pub fn parse_count_entries(
    reader: impl Read,
    file: &str,
    manifest: &Manifest,
) -> Result<Vec<CountEntry>, PostalError> {
    let mut out = Vec::new();
    let mut first: HashMap<(String, u32, u32, String, String), u64> = HashMap::new();
    read_csv(
        reader,
        file,
        &[
            "referendum",
            "round",
            "attempt",
            "pair",
            "member",
            "option",
            "figure",
        ],
        |line, rec| {
            let referendum = rec[0].to_string();
            let Some(r) = manifest.referendum(&referendum) else {
                return Err(PostalError::UnknownReferendum {
                    file: file.into(),
                    line,
                    referendum,
                });
            };
            let round =
                u32::try_from(parse_number(&rec[1], "round", 1, file, line)?).map_err(|_| {
                    PostalError::BadNumber {
                        file: file.into(),
                        line,
                        what: "round",
                        value: rec[1].into(),
                        min: 1,
                    }
                })?;
            let attempt =
                u32::try_from(parse_number(&rec[2], "attempt", 1, file, line)?).map_err(|_| {
                    PostalError::BadNumber {
                        file: file.into(),
                        line,
                        what: "attempt",
                        value: rec[2].into(),
                        min: 1,
                    }
                })?;
            let (pair, member) = (rec[3].to_string(), rec[4].to_string());
            if pair.is_empty() || member.is_empty() {
                return Err(PostalError::Syntax {
                    file: file.into(),
                    line,
                    detail: "the pair and the member must be named".into(),
                });
            }
            let cats = categories(r);
            let Some(option) = cats.iter().find(|c| c.eq_ignore_ascii_case(&rec[5])) else {
                return Err(PostalError::UnknownOption {
                    file: file.into(),
                    line,
                    referendum: r.id.clone(),
                    option: rec[5].into(),
                    allowed: cats.join(", "),
                });
            };
            let figure = parse_number(&rec[6], "figure", 0, file, line)?;
            let key = (r.id.clone(), round, attempt, member.clone(), option.clone());
            if let Some(f) = first.get(&key) {
                return Err(PostalError::DuplicateFigure {
                    file: file.into(),
                    line,
                    first: *f,
                    referendum: r.id.clone(),
                    round,
                    attempt,
                    member,
                    option: option.clone(),
                });
            }
            first.insert(key, line);
            out.push(CountEntry {
                referendum: r.id.clone(),
                round,
                attempt,
                pair,
                member,
                option: option.clone(),
                figure,
                line,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// Loads count entries.
pub fn load_count_entries(
    path: &Path,
    manifest: &Manifest,
) -> Result<Vec<CountEntry>, PostalError> {
    parse_count_entries(open(path)?, &path.display().to_string(), manifest)
}

/// What a written explanation is about.
/// In files: `round-N` or `envelopes`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum About {
    /// Why round N's figures differ from the rounds before it.
    Round(u32),
    /// Why the number of ballots differs from the number of approved envelopes.
    Envelopes,
}

impl From<About> for String {
    fn from(a: About) -> String {
        match a {
            About::Round(n) => format!("round-{n}"),
            About::Envelopes => "envelopes".into(),
        }
    }
}

impl TryFrom<String> for About {
    type Error = String;
    fn try_from(s: String) -> Result<About, String> {
        match s.as_str() {
            "envelopes" => Ok(About::Envelopes),
            a => match a.strip_prefix("round-").and_then(|n| n.parse::<u32>().ok()) {
                Some(n) if n >= 2 => Ok(About::Round(n)),
                _ => Err(format!("about {a:?} must be round-N (N ≥ 2) or envelopes")),
            },
        }
    }
}

/// A written explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    pub referendum: String,
    pub about: About,
    pub text: String,
}

/// Parses explanations (`referendum,about,explanation`; `about` is `round-N`
/// or `envelopes`).
pub fn parse_explanations(
    reader: impl Read,
    file: &str,
    manifest: &Manifest,
) -> Result<Vec<Explanation>, PostalError> {
    let mut out: Vec<Explanation> = Vec::new();
    read_csv(
        reader,
        file,
        &["referendum", "about", "explanation"],
        |line, rec| {
            let referendum = rec[0].to_string();
            if manifest.referendum(&referendum).is_none() {
                return Err(PostalError::UnknownReferendum {
                    file: file.into(),
                    line,
                    referendum,
                });
            }
            let about = match &rec[1] {
                "envelopes" => About::Envelopes,
                a => match a.strip_prefix("round-").and_then(|n| n.parse::<u32>().ok()) {
                    Some(n) if n >= 2 => About::Round(n),
                    _ => {
                        return Err(PostalError::BadExplanation {
                            file: file.into(),
                            line,
                            detail: format!("about {a:?} must be round-N (N ≥ 2) or envelopes"),
                        })
                    }
                },
            };
            let text = rec[2].trim().to_string();
            if text.is_empty() {
                return Err(PostalError::BadExplanation {
                    file: file.into(),
                    line,
                    detail: "the explanation is empty".into(),
                });
            }
            if out
                .iter()
                .any(|x| x.referendum == referendum && x.about == about)
            {
                return Err(PostalError::BadExplanation {
                    file: file.into(),
                    line,
                    detail: format!("{} already has an explanation for {}", referendum, &rec[1]),
                });
            }
            out.push(Explanation {
                referendum,
                about,
                text,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// Loads explanations.
pub fn load_explanations(
    path: &Path,
    manifest: &Manifest,
) -> Result<Vec<Explanation>, PostalError> {
    parse_explanations(open(path)?, &path.display().to_string(), manifest)
}

/// One member's figures in an attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFigures {
    pub member: String,
    pub figures: Figures,
}

/// Where the members of a pair disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disagreement {
    pub category: String,
    /// Each member's figure, in member order.
    pub figures: Vec<u64>,
}

/// One count (or recount) of a round by a pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    pub attempt: u32,
    pub pair: String,
    pub members: Vec<MemberFigures>,
    /// Empty when the members agree.
    pub disagreements: Vec<Disagreement>,
}

/// A figure that changed between two rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    pub category: String,
    pub previous: u64,
    pub this: u64,
}

/// One count round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    pub round: u32,
    pub attempts: Vec<Attempt>,
    /// The pair's agreed figures (the last attempt's).
    pub figures: Figures,
    /// Against the round before (empty for round 1, or when equal).
    pub differences: Vec<Difference>,
}

/// How the final figures were settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// Round 2 equals round 1.
    Agreed,
    /// The rounds differed; a further round confirmed the final figures.
    Recounted,
    /// The last round differs from every earlier one; explained in writing.
    Explained,
    /// No envelope was approved and no count was entered: nothing to count.
    NoBallots,
}

/// The reconciled count of one referendum's postal ballots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferendumCount {
    pub referendum: String,
    pub categories: Vec<String>,
    pub rounds: Vec<Round>,
    pub settled: Settled,
    /// The final figures per category (the last round's).
    pub figures: Figures,
    /// Ballots counted (all categories) and envelopes approved.
    pub ballots: u64,
    pub envelopes_approved: u64,
    /// `ballots − envelopes_approved`, when not zero (a recorded deviation).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deviation: Option<i64>,
    pub explanations: Vec<Explanation>,
}

impl ReferendumCount {
    /// The final figure for a category.
    pub fn figure(&self, category: &str) -> u64 {
        self.categories
            .iter()
            .position(|c| c == category)
            .and_then(|i| self.figures.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// Why the count cannot be closed yet: what the counting pairs must do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Pending {
    #[error("{referendum}, round {round}: pair {pair} disagrees on {category} ({figures}); the pair must recount (enter attempt {next})")]
    PairDisagrees {
        referendum: String,
        round: u32,
        pair: String,
        category: String,
        figures: String,
        next: u32,
    },
    #[error("{referendum}: {detail}")]
    Rounds { referendum: String, detail: String },
    #[error("{referendum}: round {round} differs from every earlier round ({differences}); recount in a round {next}, or record an explanation for round-{round}")]
    RoundsDiffer {
        referendum: String,
        round: u32,
        differences: String,
        next: u32,
    },
    #[error("{referendum}: {ballots} ballots were counted but {envelopes} envelopes were approved; recount, or record an explanation for envelopes")]
    BallotsEnvelopes {
        referendum: String,
        ballots: u64,
        envelopes: u64,
    },
}

impl Explain for Pending {
    fn code(&self) -> &'static str {
        match self {
            Pending::PairDisagrees { .. } => "C-PAIR-DISAGREES",
            Pending::Rounds { .. } => "C-ROUNDS-MISSING",
            Pending::RoundsDiffer { .. } => "C-ROUNDS-DIFFER",
            Pending::BallotsEnvelopes { .. } => "C-BALLOTS-ENVELOPES",
        }
    }
    fn hint(&self) -> Option<String> {
        Some("add the new entries to the count file and run `urne postal count` again".into())
    }
}

/// An attempt as entered: the pair, and each member's figures by category.
type RawAttempt = (String, Vec<(String, Vec<Option<u64>>)>);

/// Reconciles one referendum's count entries. `entries` are this referendum's
/// only. Returns the count, or what the pairs must do first.
pub fn reconcile(
    r: &Referendum,
    entries: &[CountEntry],
    explanations: &[Explanation],
    envelopes_approved: u64,
    file: &str,
) -> Result<Result<ReferendumCount, Pending>, PostalError> {
    let cats = categories(r);
    // round → attempt → (pair, member → figures)
    let mut rounds: BTreeMap<u32, BTreeMap<u32, RawAttempt>> = BTreeMap::new();
    for e in entries {
        if e.figure > MAX_FIGURE {
            return Err(PostalError::BadNumber {
                file: file.into(),
                line: e.line,
                what: "figure",
                value: e.figure.to_string(),
                min: 0,
            });
        }
        let att = rounds
            .entry(e.round)
            .or_default()
            .entry(e.attempt)
            .or_insert_with(|| (e.pair.clone(), Vec::new()));
        if att.0 != e.pair {
            return Err(PostalError::Syntax {
                file: file.into(),
                line: e.line,
                detail: format!(
                    "round {} attempt {} of {} is counted by pair {}, not {}",
                    e.round, e.attempt, r.id, att.0, e.pair
                ),
            });
        }
        let k = cats.iter().position(|c| *c == e.option).unwrap_or(0);
        let m = match att.1.iter().position(|(name, _)| *name == e.member) {
            Some(m) => m,
            None => {
                att.1.push((e.member.clone(), vec![None; cats.len()]));
                att.1.len() - 1
            }
        };
        att.1[m].1[k] = Some(e.figure);
    }
    let pending_rounds = |detail: String| {
        Ok(Err(Pending::Rounds {
            referendum: r.id.clone(),
            detail,
        }))
    };
    if rounds.is_empty() && envelopes_approved == 0 {
        return Ok(Ok(ReferendumCount {
            referendum: r.id.clone(),
            figures: vec![0; cats.len()],
            categories: cats,
            rounds: Vec::new(),
            settled: Settled::NoBallots,
            ballots: 0,
            envelopes_approved,
            deviation: None,
            explanations: Vec::new(),
        }));
    }
    if rounds.is_empty() {
        return pending_rounds("no count entries; two count rounds are needed".into());
    }
    let mut out_rounds: Vec<Round> = Vec::new();
    for (expected, (round, attempts)) in (1u32..).zip(&rounds) {
        if *round != expected {
            return pending_rounds(format!(
                "round {expected} is missing (rounds are numbered 1, 2, …)"
            ));
        }
        let mut out_attempts = Vec::new();
        for (expected_att, (attempt, (pair, members))) in (1u32..).zip(attempts) {
            if *attempt != expected_att {
                return pending_rounds(format!(
                    "round {round} has no attempt {expected_att} (attempts are numbered 1, 2, …)"
                ));
            }
            if members.len() < 2 {
                return Err(PostalError::IncompleteCount {
                    file: file.into(),
                    referendum: r.id.clone(),
                    round: *round,
                    attempt: *attempt,
                    detail: format!(
                        "only {} entered figures for pair {pair}; both members of a pair enter their own",
                        members.first().map_or("nobody", |m| m.0.as_str())
                    ),
                });
            }
            let mut full = Vec::new();
            for (member, figs) in members {
                let mut f = Vec::with_capacity(cats.len());
                for (c, v) in cats.iter().zip(figs) {
                    match v {
                        Some(v) => f.push(*v),
                        None => {
                            return Err(PostalError::IncompleteCount {
                                file: file.into(),
                                referendum: r.id.clone(),
                                round: *round,
                                attempt: *attempt,
                                detail: format!("{member} of pair {pair} has no figure for {c}"),
                            })
                        }
                    }
                }
                full.push(MemberFigures {
                    member: member.clone(),
                    figures: f,
                });
            }
            let disagreements: Vec<Disagreement> = cats
                .iter()
                .enumerate()
                .filter_map(|(k, c)| {
                    let fs: Vec<u64> = full.iter().map(|m| m.figures[k]).collect();
                    (fs.iter().any(|x| *x != fs[0])).then(|| Disagreement {
                        category: c.clone(),
                        figures: fs,
                    })
                })
                .collect();
            out_attempts.push(Attempt {
                attempt: *attempt,
                pair: pair.clone(),
                members: full,
                disagreements,
            });
        }
        let Some(last) = out_attempts.last() else {
            return pending_rounds(format!("round {round} has no attempt"));
        };
        if let Some(d) = last.disagreements.first() {
            let figures = last
                .members
                .iter()
                .zip(&d.figures)
                .map(|(m, f)| format!("{} {f}", m.member))
                .collect::<Vec<_>>()
                .join(", ");
            return Ok(Err(Pending::PairDisagrees {
                referendum: r.id.clone(),
                round: *round,
                pair: last.pair.clone(),
                category: d.category.clone(),
                figures,
                next: last.attempt + 1,
            }));
        }
        let figures = last.members[0].figures.clone();
        let differences = match out_rounds.last() {
            None => Vec::new(),
            Some(prev) => differences(&cats, &prev.figures, &figures),
        };
        if let Some(prev) = out_rounds.last() {
            let prev_pair = prev.attempts.last().map(|a| a.pair.as_str());
            if prev_pair == Some(last.pair.as_str()) {
                return pending_rounds(format!(
                    "round {round} was counted by pair {}, which also counted round {}; a new round is counted by another pair",
                    last.pair, prev.round
                ));
            }
        }
        out_rounds.push(Round {
            round: *round,
            attempts: out_attempts,
            figures,
            differences,
        });
    }
    if out_rounds.len() < 2 {
        return pending_rounds(
            "only one count round; a second count by another pair is needed".into(),
        );
    }
    let own: Vec<Explanation> = explanations
        .iter()
        .filter(|x| x.referendum == r.id)
        .cloned()
        .collect();
    let explained = |a: &About| own.iter().any(|x| x.about == *a);
    let last = out_rounds.last().map(|x| (x.round, x.figures.clone()));
    let Some((last_round, final_figures)) = last else {
        return pending_rounds("no count round".into());
    };
    let confirmed = out_rounds[..out_rounds.len() - 1]
        .iter()
        .any(|x| x.figures == final_figures);
    let settled = if confirmed {
        if out_rounds.len() == 2 {
            Settled::Agreed
        } else {
            Settled::Recounted
        }
    } else if explained(&About::Round(last_round)) {
        Settled::Explained
    } else {
        let prev = &out_rounds[out_rounds.len() - 2];
        let diffs = differences(&cats, &prev.figures, &final_figures)
            .iter()
            .map(|d| format!("{} {} → {}", d.category, d.previous, d.this))
            .collect::<Vec<_>>()
            .join(", ");
        return Ok(Err(Pending::RoundsDiffer {
            referendum: r.id.clone(),
            round: last_round,
            differences: format!("against round {}: {diffs}", prev.round),
            next: last_round + 1,
        }));
    };
    let ballots: u64 = final_figures.iter().sum();
    let deviation = if ballots == envelopes_approved {
        None
    } else if explained(&About::Envelopes) {
        Some(signed_difference(ballots, envelopes_approved))
    } else {
        return Ok(Err(Pending::BallotsEnvelopes {
            referendum: r.id.clone(),
            ballots,
            envelopes: envelopes_approved,
        }));
    };
    Ok(Ok(ReferendumCount {
        referendum: r.id.clone(),
        categories: cats,
        rounds: out_rounds,
        settled,
        figures: final_figures,
        ballots,
        envelopes_approved,
        deviation,
        explanations: own,
    }))
}

fn differences(cats: &[String], prev: &[u64], this: &[u64]) -> Vec<Difference> {
    cats.iter()
        .zip(prev.iter().zip(this))
        .filter(|(_, (a, b))| a != b)
        .map(|(c, (a, b))| Difference {
            category: c.clone(),
            previous: *a,
            this: *b,
        })
        .collect()
}

fn signed_difference(a: u64, b: u64) -> i64 {
    let d = i128::from(a) - i128::from(b);
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

/// The postal count file (`urne-postal-count/1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountFile {
    pub format: String,
    pub event: String,
    pub reconciled_at: String,
    pub inputs: Vec<InputHash>,
    pub referendums: Vec<ReferendumCount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            r#"format = "urne-manifest/1"
event = "t"
title = "T"
authority = "A"
is_test = true
voting_opens = "2027-01-22T09:00:00+01:00"
voting_closes = "2027-02-02T21:00:00+01:00"
postal_deadline = "2027-02-03T17:00:00+01:00"
evote_policy = "single"
threshold = 1
keyholders = ["K"]
leadership = ["L"]
[[referendum]]
id = "a"
area = "A"
question = "Q?"
options = ["Ja", "Nei", "Blank"]
[[referendum]]
id = "b"
area = "B"
question = "Q?"
options = ["Yes", "No"]
"#,
            "m.toml",
        )
        .unwrap()
    }

    fn roll(m: &Manifest) -> Roll {
        Roll::from_entries(
            m,
            ["v1", "v2", "v3", "v4", "v5"]
                .iter()
                .map(|v| (v.to_string(), "a".to_string())),
        )
        .unwrap()
    }

    fn env(id: &str, voter: &str, at: &str) -> Envelope {
        Envelope {
            id: id.into(),
            voter: (!voter.is_empty()).then(|| voter.to_string()),
            received_at: crate::timestamp::parse(at).unwrap(),
            received_text: at.into(),
            referendum: "a".into(),
            line: 0,
        }
    }

    const ON_TIME: &str = "2027-02-01T12:00:00+01:00";
    const LATE: &str = "2027-02-04T12:00:00+01:00";

    fn reasons(envs: &[Envelope], marked: &MarkedRoll) -> Vec<Option<PostalReason>> {
        let m = manifest();
        let (d, _) = trial(envs, &m, &roll(&m), marked);
        d.iter().map(|d| d.reason).collect()
    }

    #[test]
    fn a_marked_roll_read_for_the_envelopes_keeps_only_their_senders() {
        let m = manifest();
        let text = "voter_id,referendum\nv1,a\nv2,a\nv3,b\nv9,a\n";
        let envs = [
            env("e1", "v2", ON_TIME),
            env("e2", "v3", ON_TIME),
            env("e3", "", ON_TIME),
        ];
        let kept = MarkedRoll::parse_for(text.as_bytes(), "m.csv", &m, &envs).unwrap();
        // v2 sent an envelope for a and is marked there; v3 is marked for b
        // but sent one for a; v1 and v9 sent none.
        assert!(kept.contains("a", "v2"));
        assert!(!kept.contains("b", "v3") && !kept.contains("a", "v3"));
        assert_eq!((kept.count("a"), kept.count("b")), (1, 0));
        let whole = MarkedRoll::parse(text.as_bytes(), "m.csv", &m).unwrap();
        assert_eq!((whole.count("a"), whole.count("b")), (3, 1));
        // A line that is not kept is still checked.
        let bad = "voter_id,referendum\nv1,a\nv7,nowhere\n";
        let e = MarkedRoll::parse_for(bad.as_bytes(), "m.csv", &m, &envs).unwrap_err();
        assert!(
            matches!(e, PostalError::UnknownReferendum { line: 3, .. }),
            "{e}"
        );
    }

    #[test]
    fn each_reason_alone() {
        let marked = MarkedRoll::from_entries([("v2".to_string(), "a".to_string())]);
        let envs = [
            env("e1", "v1", ON_TIME),
            env("e2", "nobody", "2027-02-01T12:00:01+01:00"),
            env("e3", "", "2027-02-01T12:00:02+01:00"),
            env("e4", "v2", "2027-02-01T12:00:03+01:00"),
            env("e5", "v1", "2027-02-01T12:00:04+01:00"),
            env("e6", "v3", LATE),
        ];
        assert_eq!(
            reasons(&envs, &marked),
            [
                None,
                Some(PostalReason::NotInRoll),
                Some(PostalReason::Unidentifiable),
                Some(PostalReason::HasElectronicVote),
                Some(PostalReason::AlreadyVoted),
                Some(PostalReason::Late),
            ]
        );
    }

    #[test]
    fn the_first_failing_reason_wins() {
        let marked = MarkedRoll::from_entries([("v2".to_string(), "a".to_string())]);
        // Not in roll and late: not_in_roll.
        assert_eq!(
            reasons(&[env("e", "x", LATE)], &marked),
            [Some(PostalReason::NotInRoll)]
        );
        // Unidentifiable and late: unidentifiable.
        assert_eq!(
            reasons(&[env("e", "", LATE)], &marked),
            [Some(PostalReason::Unidentifiable)]
        );
        // E-vote, twice by post, late: has_electronic_vote each time.
        assert_eq!(
            reasons(&[env("e1", "v2", ON_TIME), env("e2", "v2", LATE)], &marked),
            [
                Some(PostalReason::HasElectronicVote),
                Some(PostalReason::HasElectronicVote)
            ]
        );
        // An approved postal vote, then a late one: already_voted, not late.
        assert_eq!(
            reasons(&[env("e1", "v3", ON_TIME), env("e2", "v3", LATE)], &marked),
            [None, Some(PostalReason::AlreadyVoted)]
        );
        // A late one first does not block... the later one is late too.
        assert_eq!(
            reasons(&[env("e1", "v4", LATE), env("e2", "v4", LATE)], &marked),
            [Some(PostalReason::Late), Some(PostalReason::Late)]
        );
    }

    #[test]
    fn order_of_arrival_decides_which_postal_vote_is_approved() {
        // e2 arrived first although it is listed second.
        let m = manifest();
        let envs = [
            env("e1", "v1", "2027-02-01T13:00:00+01:00"),
            env("e2", "v1", "2027-02-01T09:00:00+01:00"),
        ];
        let (d, f) = trial(&envs, &m, &roll(&m), &MarkedRoll::default());
        assert_eq!(d[0].envelope, "e2");
        assert!(d[0].approved());
        assert_eq!(d[1].envelope, "e1");
        assert_eq!(d[1].reason, Some(PostalReason::AlreadyVoted));
        assert_eq!(f[0].received, 2);
        assert_eq!(f[0].approved, 1);
        assert_eq!(f[0].unopened, ["e1"]);
        assert_eq!(f[0].approved + f[0].rejected_total(), f[0].received);
    }

    #[test]
    fn envelope_rows_are_checked_with_line_numbers() {
        let m = manifest();
        let ok = "envelope_id,voter_id,received_at,referendum\nE1,v1,2027-02-01T12:00:00+01:00,a\nE2,,2027-02-01T12:00:00+01:00,a\n";
        let e = parse_envelopes(ok.as_bytes(), "env.csv", &m).unwrap();
        assert_eq!(e[1].voter, None);
        let cases = [
            (
                "E1,v1,2027-02-01T12:00:00+01:00\n",
                "E-POSTAL-SYNTAX",
                "line 2",
            ),
            ("E1,v1,yesterday,a\n", "E-TIME", "line 2"),
            (
                "E1,v1,2027-02-01T12:00:00+01:00,zz\n",
                "E-UNKNOWN-REFERENDUM",
                "line 2",
            ),
            (
                "E1,v1,2027-02-01T12:00:00+01:00,a\nE1,v2,2027-02-01T12:00:00+01:00,a\n",
                "E-ENVELOPE-DUPLICATE",
                "line 3",
            ),
        ];
        for (rows, code, line) in cases {
            let text = format!("envelope_id,voter_id,received_at,referendum\n{rows}");
            let err = parse_envelopes(text.as_bytes(), "env.csv", &m).unwrap_err();
            assert_eq!(err.code(), code, "{rows}");
            let msg = err.to_string();
            assert!(msg.contains("env.csv") && msg.contains(line), "{msg}");
        }
    }

    fn entries(rows: &str) -> Result<Vec<CountEntry>, PostalError> {
        let text = format!("referendum,round,attempt,pair,member,option,figure\n{rows}");
        parse_count_entries(text.as_bytes(), "counts.csv", &manifest())
    }

    /// Rows for one attempt where both members enter `figs` (Ja, Nei, Blank,
    /// invalid), except `second` for the second member if given.
    fn attempt(
        round: u32,
        att: u32,
        pair: &str,
        figs: [u64; 4],
        second: Option<[u64; 4]>,
    ) -> String {
        let cats = ["Ja", "Nei", "Blank", "invalid"];
        let mut s = String::new();
        for (m, f) in [("m1", figs), ("m2", second.unwrap_or(figs))] {
            for (c, v) in cats.iter().zip(f) {
                s.push_str(&format!("a,{round},{att},{pair},{pair}-{m},{c},{v}\n"));
            }
        }
        s
    }

    fn run(rows: &str, expl: &[Explanation], approved: u64) -> Result<ReferendumCount, Pending> {
        let m = manifest();
        let e = entries(rows).unwrap();
        reconcile(&m.referendums()[0], &e, expl, approved, "counts.csv").unwrap()
    }

    #[test]
    fn rounds_that_agree_settle_the_count() {
        let rows =
            attempt(1, 1, "A", [10, 5, 1, 1], None) + &attempt(2, 1, "B", [10, 5, 1, 1], None);
        let c = run(&rows, &[], 17).unwrap();
        assert_eq!(c.settled, Settled::Agreed);
        assert_eq!(c.figures, [10, 5, 1, 1]);
        assert_eq!(c.figure("Ja"), 10);
        assert_eq!(c.ballots, 17);
        assert_eq!(c.deviation, None);
        assert_eq!(c.categories, ["Ja", "Nei", "Blank", "invalid"]);
    }

    #[test]
    fn a_pair_that_disagrees_must_recount() {
        let rows = attempt(1, 1, "A", [10, 5, 1, 1], Some([10, 6, 1, 1]));
        match run(&rows, &[], 17) {
            Err(Pending::PairDisagrees {
                pair,
                category,
                next,
                figures,
                ..
            }) => {
                assert_eq!((pair.as_str(), category.as_str(), next), ("A", "Nei", 2));
                assert_eq!(figures, "A-m1 5, A-m2 6");
            }
            other => panic!("{other:?}"),
        }
        // After the recount agrees, and round 2 agrees, it settles.
        let rows = rows
            + &attempt(1, 2, "A", [10, 5, 1, 1], None)
            + &attempt(2, 1, "B", [10, 5, 1, 1], None);
        let c = run(&rows, &[], 17).unwrap();
        assert_eq!(c.settled, Settled::Agreed);
        assert_eq!(c.rounds[0].attempts.len(), 2);
        assert_eq!(c.rounds[0].attempts[0].disagreements.len(), 1);
    }

    #[test]
    fn rounds_that_differ_need_a_recount_or_an_explanation() {
        let rows =
            attempt(1, 1, "A", [10, 5, 1, 1], None) + &attempt(2, 1, "B", [11, 4, 1, 1], None);
        match run(&rows, &[], 17) {
            Err(e @ Pending::RoundsDiffer { .. }) => {
                assert!(e.to_string().contains("Ja 10 → 11"), "{e}");
                assert_eq!(e.code(), "C-ROUNDS-DIFFER");
            }
            other => panic!("{other:?}"),
        }
        // A third round by another pair confirms round 1.
        let recount = rows.clone() + &attempt(3, 1, "C", [10, 5, 1, 1], None);
        let c = run(&recount, &[], 17).unwrap();
        assert_eq!(c.settled, Settled::Recounted);
        assert_eq!(c.figures, [10, 5, 1, 1]);
        assert_eq!(c.rounds[1].differences.len(), 2);
        // Or the difference is explained: round 2's figures stand.
        let why = Explanation {
            referendum: "a".into(),
            about: About::Round(2),
            text: "one ballot was misfiled in the first count".into(),
        };
        let c = run(&rows, std::slice::from_ref(&why), 17).unwrap();
        assert_eq!(c.settled, Settled::Explained);
        assert_eq!(c.figures, [11, 4, 1, 1]);
        assert_eq!(c.explanations, [why]);
    }

    #[test]
    fn ballots_not_matching_envelopes_is_a_recorded_deviation() {
        let rows =
            attempt(1, 1, "A", [10, 5, 1, 1], None) + &attempt(2, 1, "B", [10, 5, 1, 1], None);
        match run(&rows, &[], 18) {
            Err(e @ Pending::BallotsEnvelopes { .. }) => {
                assert_eq!(e.code(), "C-BALLOTS-ENVELOPES")
            }
            other => panic!("{other:?}"),
        }
        let why = Explanation {
            referendum: "a".into(),
            about: About::Envelopes,
            text: "one envelope held no ballot".into(),
        };
        let c = run(&rows, &[why], 18).unwrap();
        assert_eq!(c.deviation, Some(-1));
    }

    #[test]
    fn one_round_or_the_same_pair_twice_is_not_enough() {
        assert_eq!(run("", &[], 0).unwrap().settled, Settled::NoBallots);
        assert!(matches!(run("", &[], 1), Err(Pending::Rounds { .. })));
        let one = attempt(1, 1, "A", [10, 5, 1, 1], None);
        assert!(matches!(run(&one, &[], 17), Err(Pending::Rounds { .. })));
        let same = one + &attempt(2, 1, "A", [10, 5, 1, 1], None);
        assert!(matches!(run(&same, &[], 17), Err(Pending::Rounds { .. })));
    }

    #[test]
    fn bad_count_entries_name_the_line_and_rule() {
        let cases = [
            ("a,1,1,A,m1,Maybe,3\n", "E-COUNT-OPTION"),
            ("a,1,1,A,m1,Ja,-3\n", "E-COUNT-FIGURE"),
            ("a,1,1,A,m1,Ja,three\n", "E-COUNT-FIGURE"),
            ("a,0,1,A,m1,Ja,3\n", "E-COUNT-FIGURE"),
            ("zz,1,1,A,m1,Ja,3\n", "E-UNKNOWN-REFERENDUM"),
            ("a,1,1,A,m1,Ja\n", "E-POSTAL-SYNTAX"),
        ];
        for (row, code) in cases {
            let err = entries(row).unwrap_err();
            assert_eq!(err.code(), code, "{row}");
            assert!(err.to_string().starts_with("counts.csv, line 2:"), "{err}");
        }
        let dup = entries("a,1,1,A,m1,Ja,3\na,1,1,A,m1,ja,4\n").unwrap_err();
        assert_eq!(dup.code(), "E-COUNT-DUPLICATE");
        // Referendum b has no Blank option, so `blank` is a category there.
        assert!(entries("b,1,1,A,m1,blank,3\n").is_ok());
        // A member with a missing figure.
        let m = manifest();
        let e = entries("a,1,1,A,m1,Ja,3\na,1,1,A,m2,Ja,3\n").unwrap();
        let err = reconcile(&m.referendums()[0], &e, &[], 3, "counts.csv").unwrap_err();
        assert_eq!(err.code(), "E-COUNT-INCOMPLETE");
    }
}
