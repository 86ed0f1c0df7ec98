//! The result files for media and the public, made from what is known of the
//! count: NIST SP 1500-100 v2 Election Results Reporting as JSON ([`nist_json`])
//! and XML ([`nist_xml`]) and CSV ([`results_csv`]); the HTML page made from
//! the same set is [`super::page`].
//!
//! Pure: a [`ResultSet`] is built from values (the manifest, the tally, the
//! protocols) and each format is a function of it; nothing here reads or writes
//! files, and nothing reads the clock. The one time in the files, NIST's
//! required `GeneratedDate`, is the time of the latest evidence the figures
//! rest on ([`evidence_time`]: the tally's, the protocols', their valid
//! signatures'), never the time of publishing: so the content files are
//! byte-identical whenever the figures and the stage are, and a republication
//! of unchanged figures changes no file, no `ETag`, no download. The time of a
//! publication is the signed manifest's `published_at`.
//!
//! # What is known: the stage
//!
//! Per referendum, the e-votes are known once the tally exists, and the postal
//! votes once the referendum's protocol exists (the protocol is where the postal
//! count is reconciled with the envelope trial). The [`Stage`] of the whole set:
//!
//! | stage | when | NIST `Status` |
//! |---|---|---|
//! | [`Stage::Partial`] | some referendum has no protocol yet (e.g. e-votes decrypted, postal votes not yet counted) | `unofficial-partial` |
//! | [`Stage::Complete`] | every referendum has a protocol, not every one is fully signed | `unofficial-complete` |
//! | [`Stage::Certified`] | every referendum's protocol is signed by the whole leadership group | `certified` |
//!
//! # urne's figures in NIST SP 1500-100 v2
//!
//! One `ElectionReport` per event (`Format` `summary-contest`, `SequenceStart` =
//! `SequenceEnd` = 1, `Issuer` and `IssuerAbbreviation` = the manifest's
//! authority, `IsTest` = the manifest's `is_test`, with `TestType` `rehearsal`
//! when true). Object ids are stable, derived from the event id `E`, the
//! referendum id `R` and the option's position `k` (1-based, ballot order):
//!
//! | urne | NIST | `@id` / `ObjectId` |
//! |---|---|---|
//! | the event's areas together | `ReportingUnit`, `Type` `other`, `OtherType` `event`, composed of the referendum units; `ElectionAdministration.Name` = authority | `ru-E` |
//! | a referendum's area (its roll) | `ReportingUnit`, `Type` `municipality`, `Name` = area, `VotersRegistered` = entitled, `VotersParticipated` = voters marked in the roll | `ru-E-R` |
//! | the event | `Election`, `Type` `other`, `OtherType` `referendum`, `Name` = title, `StartDate`/`EndDate` = the e-voting window's dates, `ExternalIdentifier` (`other`, `urne-event`) = event id | — |
//! | a referendum | `BallotMeasureContest`, `Type` `referendum`, `Name` = area, `BallotTitle` = question, `Abbreviation` = R, `ElectionDistrictId` = `ru-E-R` | `bmc-E-R` |
//! | an option | `BallotMeasureSelection`, `Selection` = option, `SequenceOrder` = k | `bms-E-R-k` |
//! | votes for an option | `VoteCounts` per known channel: `Type` `other` + `OtherType` `electronic` (counted e-votes), `absentee-mail` (postal), `total` (the sum of the channels counted so far) | — |
//! | whether a channel is counted | the contest's `CountStatus`: `completed` or `not-processed`, for `other`/`electronic` and `absentee-mail` | — |
//! | ballots per channel | `Election.BallotCounts` per referendum unit and channel: electronic `BallotsCast` = counted e-votes + e-votes rejected by a counting rule, `BallotsRejected` = the latter (superseded e-votes are in neither); absentee-mail `BallotsCast` = postal ballots counted (blank and invalid included) + envelopes rejected unopened, `BallotsRejected` = the latter; total = the sums | — |
//! | blank and invalid postal ballots | the contest's `OtherCounts` (once postal votes are counted): `Undervotes` = blank ballots when no option is called blank (else 0: they are votes for that option), `Overvotes` = invalid ballots | — |
//!
//! So every ballot is accounted for, per channel and for the total:
//! `BallotsCast − BallotsRejected = Σ VoteCounts + Undervotes + Overvotes`
//! (e-votes have neither under- nor overvotes: each proves one option). NIST
//! v2 has no field of its own for an invalid ballot; `Overvotes` is the
//! nearest — a ballot the count cannot credit to exactly one option — and the
//! protocol names the figure as invalid.
//!
//! In partial results `total` is the sum of the channels counted so far, and
//! the contest's `CountStatus` says which are missing.

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde_json::{Map, Value};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::error::Explain;
use crate::event::{Manifest, Referendum};
use crate::protocol::{percent, Protocol};
use crate::tally::TallyFile;

/// `VendorApplicationId`: the program that made the files.
pub const VENDOR_APPLICATION_ID: &str = concat!("urne ", env!("CARGO_PKG_VERSION"));
/// The NIST SP 1500-100 v2 XML namespace.
pub const NIST_NAMESPACE: &str = "http://itl.nist.gov/ns/voting/1500-100/v2";
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The language of the manifest's texts unless the caller says otherwise.
pub const DEFAULT_LANGUAGE: &str = "nb";

/// How far the count has come (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Some counts are missing.
    Partial,
    /// Every referendum has a protocol.
    Complete,
    /// Every protocol is signed by the whole leadership group.
    Certified,
}

impl Stage {
    /// The name used in the CSV and the HTML page.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Partial => "partial",
            Stage::Complete => "complete",
            Stage::Certified => "certified",
        }
    }

    /// NIST SP 1500-100 v2 `ResultsStatus`.
    pub fn nist_status(self) -> &'static str {
        match self {
            Stage::Partial => "unofficial-partial",
            Stage::Complete => "unofficial-complete",
            Stage::Certified => "certified",
        }
    }

    /// One sentence for readers of the results page.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Partial => "Preliminary, partial result: not all votes are counted yet.",
            Stage::Complete => {
                "Preliminary result: all votes are counted; the counting protocols are not yet signed by the whole leadership group."
            }
            Stage::Certified => {
                "Final result: the counting protocols are signed by the leadership group."
            }
        }
    }
}

/// A channel of votes, as the files name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteType {
    Electronic,
    Postal,
    /// The channels counted so far, together.
    Total,
}

impl VoteType {
    /// Every type, in file order.
    pub const ALL: [VoteType; 3] = [VoteType::Electronic, VoteType::Postal, VoteType::Total];

    /// The name used in the CSV and the HTML `data-type` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            VoteType::Electronic => "electronic",
            VoteType::Postal => "postal",
            VoteType::Total => "total",
        }
    }

    /// NIST `CountItemType` and `OtherType`.
    fn nist(self) -> (&'static str, Option<&'static str>) {
        match self {
            VoteType::Electronic => ("other", Some("electronic")),
            VoteType::Postal => ("absentee-mail", None),
            VoteType::Total => ("total", None),
        }
    }
}

/// One channel's figures of one referendum. Built only by [`ResultSet`], so its
/// sums hold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Channel {
    /// Votes per option, in ballot order.
    pub votes: Vec<u64>,
    /// The sum of `votes`: the votes for an option.
    pub counted: u64,
    /// Ballots counted in this channel: counted e-votes; postal ballots of
    /// every category (blank and invalid included). Always
    /// `counted + blank + invalid`.
    pub ballots_counted: u64,
    /// Ballots counted as blank when no option is called blank (postal only).
    pub blank: u64,
    /// Ballots counted as invalid (postal only).
    pub invalid: u64,
    /// E-votes rejected by a counting rule; postal envelopes rejected unopened.
    pub rejected: u64,
    /// `ballots_counted + rejected`: NIST `BallotsCast`.
    pub ballots_cast: u64,
}

impl Channel {
    /// An option's share of this channel's votes for an option, in percent with
    /// one decimal (as in the protocol).
    pub fn percent(&self, option: usize) -> Option<String> {
        self.votes.get(option).map(|v| percent(*v, self.counted))
    }
}

/// What is known of one referendum. Built only by [`ResultSet`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReferendumResult {
    pub id: String,
    pub area: String,
    pub question: String,
    /// In ballot order.
    pub options: Vec<String>,
    /// Voters in the roll, once the tally or protocol gives it.
    pub entitled: Option<u64>,
    /// Voters marked in the roll as having voted, as far as counted: counted
    /// e-votes, plus approved postal votes once the protocol exists.
    pub voters: Option<u64>,
    pub electronic: Option<Channel>,
    pub postal: Option<Channel>,
    /// The channels counted so far, together; `None` when none is.
    pub total: Option<Channel>,
    /// Blank postal ballots, when no option is called blank (otherwise they
    /// are votes for that option).
    pub postal_blank: Option<u64>,
    /// Invalid postal ballots.
    pub postal_invalid: Option<u64>,
    /// `Some(fully signed)` once the referendum's protocol exists.
    pub protocol: Option<bool>,
}

impl ReferendumResult {
    /// A channel's figures, if counted.
    pub fn channel(&self, t: VoteType) -> Option<&Channel> {
        match t {
            VoteType::Electronic => self.electronic.as_ref(),
            VoteType::Postal => self.postal.as_ref(),
            VoteType::Total => self.total.as_ref(),
        }
    }

    /// Turnout (voters over entitled) in percent with one decimal.
    pub fn turnout_percent(&self) -> Option<String> {
        match (self.voters, self.entitled) {
            (Some(v), Some(e)) => Some(percent(v, e)),
            _ => None,
        }
    }
}

/// Everything the result files say, at one moment of the count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultSet {
    event: String,
    title: String,
    authority: String,
    is_test: bool,
    language: String,
    /// `YYYY-MM-DD` of the e-voting window's opening and closing.
    start_date: String,
    end_date: String,
    generated_at: OffsetDateTime,
    stage: Stage,
    referendums: Vec<ReferendumResult>,
}

/// Why a result set cannot be made from what was given.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("{what} is for event {found:?}, but the manifest is for {expected:?}")]
    OtherEvent {
        what: String,
        found: String,
        expected: String,
    },
    #[error("{what} names referendum {referendum:?}, which is not in the manifest")]
    UnknownReferendum { what: String, referendum: String },
    #[error("the protocol of referendum {referendum} was given twice")]
    DuplicateProtocol { referendum: String },
    #[error("{what}, referendum {referendum}: {rule}")]
    Inconsistent {
        what: String,
        referendum: String,
        rule: String,
    },
    #[error("the protocol of referendum {referendum} has is_test = {found}, but the manifest has is_test = {expected}")]
    TestMismatch {
        referendum: String,
        found: bool,
        expected: bool,
    },
    #[error("{tag:?} is not a language tag such as \"nb\" or \"en-GB\"")]
    BadLanguage { tag: String },
    #[error("the time {time} cannot be written in the result files (years 1 to 9999)")]
    BadTime { time: String },
}

impl Explain for ResultsError {
    fn code(&self) -> &'static str {
        match self {
            ResultsError::OtherEvent { .. } => "E-RESULTS-OTHER-EVENT",
            ResultsError::UnknownReferendum { .. } => "E-RESULTS-REFERENDUM",
            ResultsError::DuplicateProtocol { .. } => "E-RESULTS-DUPLICATE",
            ResultsError::Inconsistent { .. } => "E-RESULTS-FIGURES",
            ResultsError::TestMismatch { .. } => "E-RESULTS-TEST-MISMATCH",
            ResultsError::BadLanguage { .. } => "E-RESULTS-LANGUAGE",
            ResultsError::BadTime { .. } => "E-RESULTS-TIME",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ResultsError::OtherEvent { .. } | ResultsError::UnknownReferendum { .. } => {
                Some("publish from the event directory the tally and protocols were made in".into())
            }
            ResultsError::TestMismatch { .. } => Some(
                "a rehearsal's protocols must not be published as a real result, nor the reverse"
                    .into(),
            ),
            ResultsError::Inconsistent { .. } => {
                Some("check the file with `urne protocol check` or make it again".into())
            }
            _ => None,
        }
    }
}

/// Collects what is known, then builds a [`ResultSet`].
///
/// For each referendum the figures come from its protocol if one is given
/// (e-votes, postal votes, roll marks), otherwise from the tally if one is
/// given (e-votes only), otherwise the referendum is listed with no figures.
/// When both a protocol and the tally are given, their e-votes must agree.
pub struct ResultSetBuilder<'a> {
    manifest: &'a Manifest,
    generated_at: OffsetDateTime,
    tally: Option<&'a TallyFile>,
    protocols: Vec<(&'a Protocol, bool)>,
    language: String,
}

impl<'a> ResultSetBuilder<'a> {
    /// Adds the tally (the decrypted e-votes).
    pub fn tally(mut self, tally: &'a TallyFile) -> Self {
        self.tally = Some(tally);
        self
    }

    /// Adds a referendum's protocol and whether every member of the
    /// leadership group has signed it (see [`crate::protocol::fully_signed`]).
    pub fn protocol(mut self, protocol: &'a Protocol, fully_signed: bool) -> Self {
        self.protocols.push((protocol, fully_signed));
        self
    }

    /// The language of the manifest's texts (a BCP 47 tag; default
    /// [`DEFAULT_LANGUAGE`]).
    pub fn language(mut self, tag: &str) -> Self {
        self.language = tag.into();
        self
    }

    /// Checks what was given against the manifest and builds the set.
    pub fn build(self) -> Result<ResultSet, ResultsError> {
        let m = self.manifest;
        if !valid_language(&self.language) {
            return Err(ResultsError::BadLanguage {
                tag: self.language.clone(),
            });
        }
        let generated_at = nist_time_zone(self.generated_at);
        if !(1..=9999).contains(&generated_at.year()) {
            return Err(ResultsError::BadTime {
                time: self.generated_at.to_string(),
            });
        }
        if let Some(t) = self.tally {
            if t.event != m.event {
                return Err(ResultsError::OtherEvent {
                    what: "the tally".into(),
                    found: t.event.clone(),
                    expected: m.event.clone(),
                });
            }
            if let Some(r) = t.referendums.iter().find(|r| m.referendum(&r.id).is_none()) {
                return Err(ResultsError::UnknownReferendum {
                    what: "the tally".into(),
                    referendum: r.id.clone(),
                });
            }
        }
        for (i, (p, _)) in self.protocols.iter().enumerate() {
            let what = format!("the protocol of {}", p.referendum);
            if p.event != m.event {
                return Err(ResultsError::OtherEvent {
                    what,
                    found: p.event.clone(),
                    expected: m.event.clone(),
                });
            }
            if m.referendum(&p.referendum).is_none() {
                return Err(ResultsError::UnknownReferendum {
                    what,
                    referendum: p.referendum.clone(),
                });
            }
            if self.protocols[..i]
                .iter()
                .any(|(q, _)| q.referendum == p.referendum)
            {
                return Err(ResultsError::DuplicateProtocol {
                    referendum: p.referendum.clone(),
                });
            }
            if p.is_test != m.is_test {
                return Err(ResultsError::TestMismatch {
                    referendum: p.referendum.clone(),
                    found: p.is_test,
                    expected: m.is_test,
                });
            }
        }
        let mut referendums = Vec::new();
        for r in m.referendums() {
            let protocol = self
                .protocols
                .iter()
                .find(|(p, _)| p.referendum == r.id)
                .copied();
            let tally = self
                .tally
                .and_then(|t| t.referendums.iter().find(|x| x.id == r.id));
            let mut res = ReferendumResult {
                id: r.id.clone(),
                area: r.area.clone(),
                question: r.question.clone(),
                options: r.options.clone(),
                entitled: None,
                voters: None,
                electronic: None,
                postal: None,
                total: None,
                postal_blank: None,
                postal_invalid: None,
                protocol: None,
            };
            if let Some(t) = tally {
                let bad = |rule: String| ResultsError::Inconsistent {
                    what: "the tally".into(),
                    referendum: r.id.clone(),
                    rule,
                };
                let names: Vec<&str> = t.results.iter().map(|x| x.option.as_str()).collect();
                same_options(r, &names).map_err(bad)?;
                let votes: Vec<u64> = t.results.iter().map(|x| x.votes).collect();
                let counted = sum(&votes).ok_or_else(|| bad(overflow()))?;
                if counted != t.evotes.counted {
                    return Err(bad(format!(
                        "the options' e-votes sum to {counted}, but {} e-votes were counted",
                        t.evotes.counted
                    )));
                }
                res.entitled = Some(t.entitled);
                res.voters = Some(t.evotes.counted);
                res.electronic = Some(
                    channel(
                        votes,
                        counted,
                        0,
                        0,
                        sum_values(&t.evotes.rejected).ok_or_else(overflow),
                    )
                    .map_err(bad)?,
                );
            }
            if let Some((p, fully_signed)) = protocol {
                let fig = protocol_figures(r, p).map_err(|rule| ResultsError::Inconsistent {
                    what: "the protocol".into(),
                    referendum: r.id.clone(),
                    rule,
                })?;
                if let Some(e) = &res.electronic {
                    if e.votes != fig.electronic.votes {
                        return Err(ResultsError::Inconsistent {
                            what: "the protocol".into(),
                            referendum: r.id.clone(),
                            rule: "its e-votes differ from the tally's; was it made from another tally?"
                                .into(),
                        });
                    }
                }
                res.entitled = Some(p.key_figures.entitled);
                res.voters = Some(p.roll_marks.total);
                res.electronic = Some(fig.electronic);
                res.postal = Some(fig.postal);
                res.postal_blank = fig.blank;
                res.postal_invalid = Some(fig.invalid);
                res.protocol = Some(fully_signed);
            }
            let known: Vec<&Channel> = [&res.electronic, &res.postal]
                .into_iter()
                .flatten()
                .collect();
            res.total = total(&known).map_err(|rule| ResultsError::Inconsistent {
                what: "the figures".into(),
                referendum: r.id.clone(),
                rule,
            })?;
            referendums.push(res);
        }
        let stage = if referendums.iter().all(|r| r.protocol == Some(true)) {
            Stage::Certified
        } else if referendums.iter().all(|r| r.protocol.is_some()) {
            Stage::Complete
        } else {
            Stage::Partial
        };
        Ok(ResultSet {
            event: m.event.clone(),
            title: m.title.clone(),
            authority: m.authority.clone(),
            is_test: m.is_test,
            language: self.language,
            start_date: date(m.voting_opens),
            end_date: date(m.voting_closes),
            generated_at,
            stage,
            referendums,
        })
    }
}

fn overflow() -> String {
    "its figures are too large to add up".into()
}

fn sum(xs: &[u64]) -> Option<u64> {
    xs.iter().try_fold(0u64, |a, x| a.checked_add(*x))
}

fn sum_values(m: &std::collections::BTreeMap<String, u64>) -> Option<u64> {
    m.values().try_fold(0u64, |a, x| a.checked_add(*x))
}

fn same_options(r: &Referendum, names: &[&str]) -> Result<(), String> {
    if names.len() != r.options.len() || names.iter().zip(&r.options).any(|(a, b)| a != b) {
        return Err(format!(
            "its options {names:?} are not the manifest's {:?}",
            r.options
        ));
    }
    Ok(())
}

struct ProtocolFigures {
    electronic: Channel,
    postal: Channel,
    blank: Option<u64>,
    invalid: u64,
}

/// The figures the result files take from a protocol, with the sums they rest
/// on checked (with checked arithmetic: figures come from a file).
fn protocol_figures(r: &Referendum, p: &Protocol) -> Result<ProtocolFigures, String> {
    let names: Vec<&str> = p.results.iter().map(|x| x.option.as_str()).collect();
    same_options(r, &names)?;
    if p.options != r.options {
        return Err("its option list is not the manifest's".into());
    }
    for x in &p.results {
        if x.electronic.checked_add(x.postal) != Some(x.total) {
            return Err(format!(
                "{}: electronic {} + postal {} ≠ total {}",
                x.option, x.electronic, x.postal, x.total
            ));
        }
    }
    let electronic: Vec<u64> = p.results.iter().map(|x| x.electronic).collect();
    let postal: Vec<u64> = p.results.iter().map(|x| x.postal).collect();
    let e_counted = sum(&electronic).ok_or_else(overflow)?;
    let p_counted = sum(&postal).ok_or_else(overflow)?;
    if e_counted != p.evotes.counted {
        return Err(format!(
            "its e-votes per option sum to {e_counted}, but {} e-votes were counted",
            p.evotes.counted
        ));
    }
    let pc = &p.postal_count;
    if pc.categories.len() != pc.figures.len() {
        return Err("its postal count has not one figure per category".into());
    }
    if sum(&pc.figures) != Some(pc.ballots) {
        return Err("its postal ballots are not the sum of their categories".into());
    }
    for x in &p.results {
        if pc.figure(&x.option) != x.postal {
            return Err(format!(
                "{}: postal {} is not the count's figure {}",
                x.option,
                x.postal,
                pc.figure(&x.option)
            ));
        }
    }
    let blank = if r.options.iter().any(|o| o.eq_ignore_ascii_case("blank")) {
        None
    } else {
        Some(pc.figure("blank"))
    };
    let invalid = pc.figure("invalid");
    let postal = channel(
        postal,
        p_counted,
        blank.unwrap_or(0),
        invalid,
        Ok(p.envelopes.rejected_total),
    )?;
    if postal.ballots_counted != pc.ballots {
        return Err(format!(
            "its postal votes for an option ({p_counted}), blank ({}) and invalid ({invalid}) ballots do not add up to the {} postal ballots counted",
            blank.unwrap_or(0),
            pc.ballots
        ));
    }
    Ok(ProtocolFigures {
        electronic: channel(
            electronic,
            e_counted,
            0,
            0,
            sum_values(&p.evotes.rejected).ok_or_else(overflow),
        )?,
        postal,
        blank,
        invalid,
    })
}

/// A channel's figures, with its sums checked.
fn channel(
    votes: Vec<u64>,
    counted: u64,
    blank: u64,
    invalid: u64,
    rejected: Result<u64, String>,
) -> Result<Channel, String> {
    let rejected = rejected?;
    let ballots_counted = counted
        .checked_add(blank)
        .and_then(|x| x.checked_add(invalid))
        .ok_or_else(overflow)?;
    Ok(Channel {
        votes,
        counted,
        ballots_counted,
        blank,
        invalid,
        rejected,
        ballots_cast: ballots_counted.checked_add(rejected).ok_or_else(overflow)?,
    })
}

/// The channels together, or `None` when none is counted.
fn total(known: &[&Channel]) -> Result<Option<Channel>, String> {
    let Some(first) = known.first() else {
        return Ok(None);
    };
    let mut t = (*first).clone();
    for c in &known[1..] {
        if c.votes.len() != t.votes.len() {
            return Err("the channels have different options".into());
        }
        for (a, b) in t.votes.iter_mut().zip(&c.votes) {
            *a = a.checked_add(*b).ok_or_else(overflow)?;
        }
        let add = |a: u64, b: u64| a.checked_add(b).ok_or_else(overflow);
        t.counted = add(t.counted, c.counted)?;
        t.ballots_counted = add(t.ballots_counted, c.ballots_counted)?;
        t.blank = add(t.blank, c.blank)?;
        t.invalid = add(t.invalid, c.invalid)?;
        t.rejected = add(t.rejected, c.rejected)?;
        t.ballots_cast = add(t.ballots_cast, c.ballots_cast)?;
    }
    Ok(Some(t))
}

/// A BCP 47-shaped tag, as `xsd:language` requires.
fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The NIST `DateTimeWithZone` pattern allows offsets of whole minutes up to
/// ±14:00; any other offset is written in UTC.
fn nist_time_zone(t: OffsetDateTime) -> OffsetDateTime {
    let o = t.offset();
    if o.seconds_past_minute() != 0 || o.whole_minutes().unsigned_abs() > 14 * 60 {
        t.to_offset(UtcOffset::UTC)
    } else {
        t
    }
}

/// The time of the latest evidence, for NIST's `GeneratedDate`: the latest
/// of the given RFC 3339 times (the tally's `computed_at`, each protocol's
/// `created_at`, the `signed_at` of each of its valid signatures); `None` if
/// none parses. A time that does not parse is left out.
pub fn evidence_time<'a>(times: impl IntoIterator<Item = &'a str>) -> Option<OffsetDateTime> {
    times
        .into_iter()
        .filter_map(|t| crate::timestamp::parse(t).ok())
        .max()
}

/// [`evidence_time`] of a tally and protocols, each protocol with its exact
/// bytes and its signatures file if there is one (only signatures that verify
/// count).
pub fn evidence_time_of(
    tally: Option<&TallyFile>,
    protocols: &[(&Protocol, &[u8], Option<&crate::protocol::SignatureFile>)],
) -> Option<OffsetDateTime> {
    let mut times: Vec<&str> = Vec::new();
    if let Some(t) = tally {
        times.push(&t.computed_at);
    }
    for (p, bytes, sigs) in protocols {
        times.push(&p.created_at);
        if let Some(sigs) = sigs {
            for s in &sigs.signatures {
                if crate::protocol::check_signature(p, bytes, s).is_ok() {
                    times.push(&s.signed_at);
                }
            }
        }
    }
    evidence_time(times)
}

const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");
const TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
const OFFSET: &[BorrowedFormatItem<'static>] =
    format_description!("[offset_hour sign:mandatory]:[offset_minute]");

fn date(t: OffsetDateTime) -> String {
    t.format(DATE).unwrap_or_default()
}

impl ResultSet {
    /// Starts a result set for the manifest's event; `generated_at` is NIST's
    /// `GeneratedDate` (written without fractional seconds): give the time of
    /// the latest evidence ([`evidence_time_of`]), not the clock's, so that
    /// unchanged figures make unchanged files.
    pub fn builder(manifest: &Manifest, generated_at: OffsetDateTime) -> ResultSetBuilder<'_> {
        ResultSetBuilder {
            manifest,
            generated_at,
            tally: None,
            protocols: Vec::new(),
            language: DEFAULT_LANGUAGE.into(),
        }
    }

    /// The result from the protocols made so far, each with whether it is
    /// signed by the whole leadership group. Partial unless every referendum
    /// has a protocol; certified when every one is fully signed.
    pub fn from_protocols(
        manifest: &Manifest,
        protocols: &[(Protocol, bool)],
        generated_at: OffsetDateTime,
    ) -> Result<ResultSet, ResultsError> {
        protocols
            .iter()
            .fold(ResultSet::builder(manifest, generated_at), |b, (p, s)| {
                b.protocol(p, *s)
            })
            .build()
    }

    /// The e-votes only, from the tally: always partial.
    pub fn from_tally(
        manifest: &Manifest,
        tally: &TallyFile,
        generated_at: OffsetDateTime,
    ) -> Result<ResultSet, ResultsError> {
        ResultSet::builder(manifest, generated_at)
            .tally(tally)
            .build()
    }

    pub fn event(&self) -> &str {
        &self.event
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The source named on every file.
    pub fn authority(&self) -> &str {
        &self.authority
    }
    pub fn is_test(&self) -> bool {
        self.is_test
    }
    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn generated_at(&self) -> OffsetDateTime {
        self.generated_at
    }
    /// In manifest order.
    pub fn referendums(&self) -> &[ReferendumResult] {
        &self.referendums
    }

    /// `generated_at` as NIST `DateTimeWithZone` (RFC 3339, no fraction).
    pub fn generated_at_string(&self) -> String {
        let t = self.generated_at;
        let offset = if t.offset().is_utc() {
            "Z".to_string()
        } else {
            t.offset().format(OFFSET).unwrap_or_default()
        };
        format!("{}{offset}", t.format(TIME).unwrap_or_default())
    }

    fn event_unit_id(&self) -> String {
        format!("ru-{}", self.event)
    }
    fn unit_id(&self, r: &ReferendumResult) -> String {
        format!("ru-{}-{}", self.event, r.id)
    }
    fn contest_id(&self, r: &ReferendumResult) -> String {
        format!("bmc-{}-{}", self.event, r.id)
    }
    fn selection_id(&self, r: &ReferendumResult, k: usize) -> String {
        format!("bms-{}-{}-{k}", self.event, r.id)
    }
}

// ---------------------------------------------------------------------------
// NIST SP 1500-100 v2: one tree, written as JSON and as XML.

/// A value in the report tree.
enum V {
    Str(String),
    Int(u64),
    Bool(bool),
    /// An object of a NIST class.
    Obj(Obj),
    /// `InternationalizedText` with one `LanguageString`.
    Text(String, String),
    /// A repeated element (XML) / an array (JSON).
    Many(Vec<V>),
    /// `xsd:IDREFS` (XML: space-separated) / an array of ids (JSON).
    IdRefs(Vec<String>),
}

/// An object of a NIST class, its fields in the XSD's sequence order.
struct Obj {
    class: &'static str,
    id: Option<String>,
    /// Written with `xsi:type` in XML (the element's declared type is abstract).
    xsi_type: bool,
    fields: Vec<(&'static str, V)>,
}

impl Obj {
    fn new(class: &'static str) -> Obj {
        Obj {
            class,
            id: None,
            xsi_type: false,
            fields: Vec::new(),
        }
    }
    fn with_id(mut self, id: String) -> Obj {
        self.id = Some(id);
        self.xsi_type = true;
        self
    }
    fn f(mut self, name: &'static str, v: V) -> Obj {
        self.fields.push((name, v));
        self
    }
    fn opt(self, name: &'static str, v: Option<V>) -> Obj {
        match v {
            Some(v) => self.f(name, v),
            None => self,
        }
    }
    fn many(self, name: &'static str, vs: Vec<V>) -> Obj {
        if vs.is_empty() {
            self
        } else {
            self.f(name, V::Many(vs))
        }
    }
}

fn s(x: &str) -> V {
    V::Str(x.to_string())
}

fn counts(class: &'static str, unit: &str, t: VoteType) -> Obj {
    let (ty, other) = t.nist();
    Obj::new(class)
        .f("GpUnitId", s(unit))
        .f("Type", s(ty))
        .opt("OtherType", other.map(s))
}

fn count_status(t: VoteType, done: bool) -> V {
    let (ty, other) = t.nist();
    V::Obj(
        Obj::new("CountStatus")
            .f(
                "Status",
                s(if done { "completed" } else { "not-processed" }),
            )
            .f("Type", s(ty))
            .opt("OtherType", other.map(s)),
    )
}

fn report(rs: &ResultSet) -> Obj {
    let lang = &rs.language;
    let text = |x: &str| V::Text(x.to_string(), lang.clone());
    let event_unit = rs.event_unit_id();
    let mut areas: Vec<&str> = Vec::new();
    for r in &rs.referendums {
        if !areas.contains(&r.area.as_str()) {
            areas.push(&r.area);
        }
    }
    let mut units = vec![V::Obj(
        Obj::new("ReportingUnit")
            .with_id(event_unit.clone())
            .f(
                "ComposingGpUnitIds",
                V::IdRefs(rs.referendums.iter().map(|r| rs.unit_id(r)).collect()),
            )
            .f("Name", text(&areas.join(", ")))
            .f(
                "ElectionAdministration",
                V::Obj(Obj::new("ElectionAdministration").f("Name", s(&rs.authority))),
            )
            .f("Type", s("other"))
            .f("OtherType", s("event")),
    )];
    let mut ballot_counts = Vec::new();
    let mut contests = Vec::new();
    for (i, r) in rs.referendums.iter().enumerate() {
        let unit = rs.unit_id(r);
        units.push(V::Obj(
            Obj::new("ReportingUnit")
                .with_id(unit.clone())
                .f("Name", text(&r.area))
                .f("Type", s("municipality"))
                .opt("VotersParticipated", r.voters.map(V::Int))
                .opt("VotersRegistered", r.entitled.map(V::Int)),
        ));
        for t in VoteType::ALL {
            if let Some(c) = r.channel(t) {
                ballot_counts.push(V::Obj(
                    counts("BallotCounts", &unit, t)
                        .f("BallotsCast", V::Int(c.ballots_cast))
                        .f("BallotsRejected", V::Int(c.rejected)),
                ));
            }
        }
        let selections = r
            .options
            .iter()
            .enumerate()
            .map(|(k, o)| {
                let vote_counts = VoteType::ALL
                    .iter()
                    .filter_map(|t| {
                        let c = r.channel(*t)?;
                        let v = *c.votes.get(k)?;
                        Some(V::Obj(
                            counts("VoteCounts", &unit, *t).f("Count", V::Int(v)),
                        ))
                    })
                    .collect();
                V::Obj(
                    Obj::new("BallotMeasureSelection")
                        .with_id(rs.selection_id(r, k + 1))
                        .f("SequenceOrder", V::Int(k as u64 + 1))
                        .many("VoteCounts", vote_counts)
                        .f("Selection", text(o)),
                )
            })
            .collect();
        // Blank and invalid ballots are postal only (each e-vote proves one
        // option), so the contest's one OtherCounts is the postal channel's
        // and the total's.
        let other_counts = match &r.postal {
            Some(p) => vec![V::Obj(
                Obj::new("OtherCounts")
                    .f("GpUnitId", s(&unit))
                    .f("Overvotes", V::Int(p.invalid))
                    .f("Undervotes", V::Int(p.blank)),
            )],
            None => Vec::new(),
        };
        contests.push(V::Obj(
            Obj::new("BallotMeasureContest")
                .with_id(rs.contest_id(r))
                .f("Abbreviation", s(&r.id))
                .f("BallotTitle", text(&r.question))
                .many("ContestSelection", selections)
                .f(
                    "CountStatus",
                    V::Many(vec![
                        count_status(VoteType::Electronic, r.electronic.is_some()),
                        count_status(VoteType::Postal, r.postal.is_some()),
                    ]),
                )
                .f("ElectionDistrictId", s(&unit))
                .f("Name", s(&r.area))
                .many("OtherCounts", other_counts)
                .f("SequenceOrder", V::Int(i as u64 + 1))
                .f("Type", s("referendum")),
        ));
    }
    let election = Obj::new("Election")
        .many("BallotCounts", ballot_counts)
        .many("Contest", contests)
        .f("ElectionScopeId", s(&event_unit))
        .f(
            "ExternalIdentifier",
            V::Many(vec![V::Obj(
                Obj::new("ExternalIdentifier")
                    .f("Type", s("other"))
                    .f("OtherType", s("urne-event"))
                    .f("Value", s(&rs.event)),
            )]),
        )
        .f("Name", text(&rs.title))
        .f("StartDate", s(&rs.start_date))
        .f("EndDate", s(&rs.end_date))
        .f("Type", s("other"))
        .f("OtherType", s("referendum"));
    Obj::new("ElectionReport")
        .f("Election", V::Many(vec![V::Obj(election)]))
        .f("Format", s("summary-contest"))
        .f("GeneratedDate", s(&rs.generated_at_string()))
        .f("GpUnit", V::Many(units))
        .f("Issuer", s(&rs.authority))
        .f("IssuerAbbreviation", s(&rs.authority))
        .f("IsTest", V::Bool(rs.is_test))
        .f("SequenceStart", V::Int(1))
        .f("SequenceEnd", V::Int(1))
        .f("Status", s(rs.stage.nist_status()))
        .opt("TestType", rs.is_test.then(|| s("rehearsal")))
        .f("VendorApplicationId", s(VENDOR_APPLICATION_ID))
}

fn to_json(v: &V) -> Value {
    match v {
        V::Str(x) => Value::String(x.clone()),
        V::Int(n) => Value::from(*n),
        V::Bool(b) => Value::Bool(*b),
        V::Many(xs) => Value::Array(xs.iter().map(to_json).collect()),
        V::IdRefs(ids) => Value::Array(ids.iter().cloned().map(Value::String).collect()),
        V::Text(t, lang) => {
            let mut ls = Map::new();
            ls.insert("@type".into(), "ElectionResults.LanguageString".into());
            ls.insert("Content".into(), Value::String(t.clone()));
            ls.insert("Language".into(), Value::String(lang.clone()));
            let mut it = Map::new();
            it.insert(
                "@type".into(),
                "ElectionResults.InternationalizedText".into(),
            );
            it.insert("Text".into(), Value::Array(vec![Value::Object(ls)]));
            Value::Object(it)
        }
        V::Obj(o) => {
            let mut m = Map::new();
            m.insert(
                "@type".into(),
                Value::String(format!("ElectionResults.{}", o.class)),
            );
            if let Some(id) = &o.id {
                m.insert("@id".into(), Value::String(id.clone()));
            }
            for (k, v) in &o.fields {
                m.insert((*k).into(), to_json(v));
            }
            Value::Object(m)
        }
    }
}

/// The report as NIST SP 1500-100 v2 JSON (pretty, newline-terminated), valid
/// against `NIST_V2_election_results_reporting.json`.
pub fn nist_json(rs: &ResultSet) -> String {
    let v = to_json(&V::Obj(report(rs)));
    // Serializing a `Value` cannot fail.
    let mut out = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push('\n');
    out
}

/// Characters XML 1.0 cannot carry, even escaped, become U+FFFD.
fn xml_chars(x: &str) -> Cow<'_, str> {
    let ok = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if x.chars().all(ok) {
        Cow::Borrowed(x)
    } else {
        Cow::Owned(
            x.chars()
                .map(|c| if ok(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

type XmlWriter = Writer<Vec<u8>>;

fn xml_simple(w: &mut XmlWriter, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(&xml_chars(text))))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn xml_value(w: &mut XmlWriter, name: &str, v: &V) -> std::io::Result<()> {
    match v {
        V::Str(x) => xml_simple(w, name, x),
        V::Int(n) => xml_simple(w, name, &n.to_string()),
        V::Bool(b) => xml_simple(w, name, if *b { "true" } else { "false" }),
        V::IdRefs(ids) => xml_simple(w, name, &ids.join(" ")),
        V::Many(xs) => {
            for x in xs {
                xml_value(w, name, x)?;
            }
            Ok(())
        }
        V::Text(t, lang) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            let mut e = BytesStart::new("Text");
            e.push_attribute(("Language", lang.as_str()));
            w.write_event(Event::Start(e))?;
            w.write_event(Event::Text(BytesText::new(&xml_chars(t))))?;
            w.write_event(Event::End(BytesEnd::new("Text")))?;
            w.write_event(Event::End(BytesEnd::new(name)))
        }
        V::Obj(o) => {
            let mut e = BytesStart::new(name);
            if o.class == "ElectionReport" {
                e.push_attribute(("xmlns", NIST_NAMESPACE));
                e.push_attribute(("xmlns:xsi", XSI_NAMESPACE));
            }
            if o.xsi_type {
                e.push_attribute(("xsi:type", o.class));
            }
            if let Some(id) = &o.id {
                e.push_attribute(("ObjectId", id.as_str()));
            }
            w.write_event(Event::Start(e))?;
            for (k, v) in &o.fields {
                xml_value(w, k, v)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))
        }
    }
}

/// The report as NIST SP 1500-100 v2 XML, valid against
/// `NIST_V2_election_results_reporting.xsd` (elements in the order of its
/// sequences; abstract types given with `xsi:type`).
pub fn nist_xml(rs: &ResultSet) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| xml_value(&mut w, "ElectionReport", &V::Obj(report(rs))));
    // Writing to a Vec cannot fail.
    if written.is_err() {
        return String::new();
    }
    let mut out = String::from_utf8_lossy(&w.into_inner()).into_owned();
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------
// CSV

/// The CSV header (`urne-results-csv/2`). Per referendum, one row per
/// category × vote type, in this order: each option (ballot order), `blank`
/// (only when no option is called blank), `invalid`, `rejected`; and for each,
/// the vote types `electronic`, `postal` and `total` (the channels counted so
/// far). The rows are always there, so the file's shape does not change during
/// the night; a vote type not yet counted has empty `votes` and `percent`.
///
/// - `event`, `referendum`, `area`;
/// - `category`: `option` (votes for the option named in `option`, at ballot
///   position `option_order`), `blank` (blank ballots, when no option is
///   blank; otherwise they are votes for that option), `invalid` (ballots
///   counted as invalid), `rejected` (e-votes rejected by a counting rule;
///   postal envelopes rejected unopened); `option` and `option_order` are
///   empty on the rows that are not options;
/// - `vote_type`: `electronic`, `postal` or `total`;
/// - `votes`: the figure;
/// - `percent` and `percent_of`: on option rows, the option's share in percent
///   (one decimal) of `percent_of`, which is `electronic_votes_for_an_option`,
///   `postal_votes_for_an_option` or `votes_for_an_option` (all channels
///   counted so far: the protocol's percentage); empty on other rows;
/// - `entitled`, `voters` (marked in the roll as having voted, so far),
///   `turnout_percent` (voters over entitled): the referendum's, repeated on
///   each of its rows, empty while unknown;
/// - `stage` (`partial`, `complete`, `certified`), `is_test` (`true`/`false`),
///   `source` (the authority).
///
/// Every ballot is accounted for: per referendum and vote type, the `option`,
/// `blank` and `invalid` rows add up to the ballots counted, and with the
/// `rejected` row to NIST's `BallotsCast`. There is no time column: the file
/// is byte-identical whenever the figures and the stage are.
pub const CSV_HEADER: [&str; 16] = [
    "event",
    "referendum",
    "area",
    "category",
    "option",
    "option_order",
    "vote_type",
    "votes",
    "percent",
    "percent_of",
    "entitled",
    "voters",
    "turnout_percent",
    "stage",
    "is_test",
    "source",
];

/// A row's category (the CSV's `category` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Votes for the option at this (0-based) ballot position.
    Option(usize),
    Blank,
    Invalid,
    Rejected,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Option(_) => "option",
            Category::Blank => "blank",
            Category::Invalid => "invalid",
            Category::Rejected => "rejected",
        }
    }
}

impl ReferendumResult {
    /// The CSV's categories for this referendum, in file order.
    pub fn categories(&self) -> Vec<Category> {
        let mut c: Vec<Category> = (0..self.options.len()).map(Category::Option).collect();
        if !self.options.iter().any(|o| o.eq_ignore_ascii_case("blank")) {
            c.push(Category::Blank);
        }
        c.extend([Category::Invalid, Category::Rejected]);
        c
    }
}

impl Channel {
    /// The figure of a category in this channel.
    pub fn figure(&self, c: Category) -> Option<u64> {
        match c {
            Category::Option(k) => self.votes.get(k).copied(),
            Category::Blank => Some(self.blank),
            Category::Invalid => Some(self.invalid),
            Category::Rejected => Some(self.rejected),
        }
    }
}

impl VoteType {
    /// What an option row's `percent` is a share of.
    pub fn percent_of(self) -> &'static str {
        match self {
            VoteType::Electronic => "electronic_votes_for_an_option",
            VoteType::Postal => "postal_votes_for_an_option",
            VoteType::Total => "votes_for_an_option",
        }
    }
}

/// Indexes of `percent` and `turnout_percent` in [`CSV_HEADER`].
const DECIMAL_COLUMNS: [usize; 2] = [8, 12];

/// The rows of the CSV, as text cells in [`CSV_HEADER`] order; `percent`
/// with a decimal point.
fn csv_rows(rs: &ResultSet) -> Vec<[String; 16]> {
    let mut rows = Vec::new();
    let opt = |x: Option<u64>| x.map(|n| n.to_string()).unwrap_or_default();
    for r in &rs.referendums {
        for cat in r.categories() {
            let (option, order) = match cat {
                Category::Option(k) => (
                    r.options.get(k).cloned().unwrap_or_default(),
                    (k + 1).to_string(),
                ),
                _ => (String::new(), String::new()),
            };
            for t in VoteType::ALL {
                let c = r.channel(t);
                let (percent, percent_of) = match cat {
                    Category::Option(k) => (
                        c.and_then(|c| c.percent(k)).unwrap_or_default(),
                        t.percent_of().to_string(),
                    ),
                    _ => (String::new(), String::new()),
                };
                rows.push([
                    rs.event.clone(),
                    r.id.clone(),
                    r.area.clone(),
                    cat.as_str().into(),
                    option.clone(),
                    order.clone(),
                    t.as_str().into(),
                    opt(c.and_then(|c| c.figure(cat))),
                    percent,
                    percent_of,
                    opt(r.entitled),
                    opt(r.voters),
                    r.turnout_percent().unwrap_or_default(),
                    rs.stage.as_str().into(),
                    rs.is_test.to_string(),
                    rs.authority.clone(),
                ]);
            }
        }
    }
    rows
}

fn write_csv(mut w: csv::Writer<Vec<u8>>, rows: &[[String; 16]], bom: bool) -> String {
    let written = w
        .write_record(CSV_HEADER)
        .and_then(|()| rows.iter().try_for_each(|row| w.write_record(row)));
    // Writing to a Vec cannot fail.
    if written.is_err() {
        return String::new();
    }
    match w.into_inner() {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            if bom {
                format!("\u{FEFF}{text}")
            } else {
                text.into_owned()
            }
        }
        Err(_) => String::new(),
    }
}

/// The results as CSV (RFC 4180 with `\n` line ends: UTF-8 without BOM, `,`
/// between fields, `.` in decimals; header [`CSV_HEADER`]).
pub fn results_csv(rs: &ResultSet) -> String {
    let w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    write_csv(w, &csv_rows(rs), false)
}

/// The same rows as [`results_csv`], for spreadsheets set to a language that
/// writes a decimal comma (Excel in nb, sv, cs, de…): a UTF-8 byte order mark
/// first (without it Excel reads "Søgne" as mojibake), `;` between fields, `,`
/// as the decimal mark in `percent` and `turnout_percent`, CRLF line ends. A text cell that a spreadsheet would
/// take for a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is
/// written with a `'` before it.
pub fn results_csv_spreadsheet(rs: &ResultSet) -> String {
    let w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let rows: Vec<[String; 16]> = csv_rows(rs)
        .into_iter()
        .map(|mut row| {
            for i in DECIMAL_COLUMNS {
                row[i] = row[i].replace('.', ",");
            }
            for cell in row.iter_mut() {
                if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    cell.insert(0, '\'');
                }
            }
            row
        })
        .collect();
    write_csv(w, &rows, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_map_to_the_nist_enumeration() {
        assert_eq!(Stage::Partial.nist_status(), "unofficial-partial");
        assert_eq!(Stage::Complete.nist_status(), "unofficial-complete");
        assert_eq!(Stage::Certified.nist_status(), "certified");
    }

    #[test]
    fn language_tags_are_checked() {
        for ok in ["nb", "en-GB", "se", "zh-Hant-TW"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "n b", "nb-", "-nb", "abcdefghi", "1a"] {
            assert!(!valid_language(bad), "{bad}");
        }
    }

    #[test]
    fn odd_offsets_are_written_in_utc() {
        let t = time::macros::datetime!(2027-02-03 21:15:07.123 +01:00);
        assert_eq!(nist_time_zone(t).offset(), t.offset());
        let t = time::macros::datetime!(2027-02-03 21:15:07 +15:00);
        assert!(nist_time_zone(t).offset().is_utc());
        let t = time::macros::datetime!(2027-02-03 21:15:07 +01:00:30);
        assert!(nist_time_zone(t).offset().is_utc());
    }

    #[test]
    fn xml_drops_characters_xml_cannot_carry() {
        assert_eq!(xml_chars("a\u{7}b\tc"), "a\u{FFFD}b\tc");
        assert!(matches!(xml_chars("Søgne & co"), Cow::Borrowed(_)));
    }
}
