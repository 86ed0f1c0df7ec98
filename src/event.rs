//! The event: its manifest (`urne-manifest/1`, TOML, edited by people) and its
//! electoral roll (`urne-roll/1`, CSV).
//!
//! Norwegian terms, once: *manntall* = roll, *avkryssing i manntallet* = roll
//! mark, *folkeavstemning* = referendum, *valgstyret* = the electoral board.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::crypto::shamir::MAX_KEYHOLDERS;
use crate::error::Explain;
use crate::fsio::{self, FsError};
use crate::i18n::{Lang, Zone};
use crate::limits;

/// The manifest's format tag.
pub const MANIFEST_FORMAT: &str = "urne-manifest/1";

/// What to do with a voter's second e-vote (DESIGN.md, "Counting rules").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvotePolicy {
    /// "You can vote only once": later e-votes are rejected
    /// (`already_voted_electronically`).
    Single,
    /// Re-voting against coercion: the last valid e-vote counts; earlier ones
    /// are superseded.
    LastCounts,
}

impl EvotePolicy {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            EvotePolicy::Single => "single",
            EvotePolicy::LastCounts => "last_counts",
        }
    }
}

/// One referendum of the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referendum {
    /// `[a-z0-9-]`, 1 to 64 characters.
    pub id: String,
    /// The area (municipality) it is held in.
    pub area: String,
    pub question: String,
    /// The options in ballot order; 2 to 64, distinct, non-empty.
    pub options: Vec<String>,
    /// Informative; the roll is the truth.
    #[serde(default)]
    pub entitled: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    format: String,
    event: String,
    title: String,
    authority: String,
    #[serde(default)]
    is_test: bool,
    voting_opens: String,
    voting_closes: String,
    postal_deadline: String,
    evote_policy: EvotePolicy,
    threshold: u32,
    keyholders: Vec<String>,
    #[serde(default)]
    leadership: Vec<String>,
    #[serde(default)]
    leadership_keys: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    place: Option<String>,
    /// "none" (the default) or "urne": whether ballots must be signed with
    /// voter credentials.
    #[serde(default)]
    voter_credentials: crate::credentials::Mode,
    referendum: Vec<Referendum>,
}

/// A checked event manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub event: String,
    pub title: String,
    /// Who publishes: the source named on results.
    pub authority: String,
    pub is_test: bool,
    /// E-voting opens (inclusive).
    pub voting_opens: OffsetDateTime,
    /// E-voting closes (exclusive).
    pub voting_closes: OffsetDateTime,
    /// Postal envelopes received after this are late.
    pub postal_deadline: OffsetDateTime,
    pub evote_policy: EvotePolicy,
    pub threshold: u32,
    /// Keyholder names; keyholder `i` is at position `i − 1`.
    pub keyholders: Vec<String>,
    /// The leadership group who sign protocols.
    pub leadership: Vec<String>,
    /// Each member's Ed25519 protocol-signing public key (base64), pinned
    /// before the key ceremony, by name; a member without one cannot sign.
    pub leadership_keys: std::collections::BTreeMap<String, String>,
    /// The language of what people read: the protocol's rendering, the
    /// results page, prompts (default English).
    pub language: Lang,
    /// The time zone times are shown in to people (default UTC).
    pub time_zone: Zone,
    /// Where the electoral board meets and signs ("Søgne"), for the
    /// protocol's place-and-date line; `None` leaves the line blank.
    pub place: Option<String>,
    /// Whether the event uses voter credentials (`voter_credentials`;
    /// without the field, `none`: the box operator is trusted not to stuff
    /// ballots, and every report says so).
    pub voter_credentials: crate::credentials::Mode,
    referendums: Vec<Referendum>,
}

/// What is wrong with the manifest or the roll.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{file}: {detail}")]
    ManifestSyntax { file: String, detail: String },
    #[error("{file}: {rule}")]
    ManifestRule { file: String, rule: String },
    #[error("{file}, line {line}: {detail}")]
    RollSyntax {
        file: String,
        line: u64,
        detail: String,
    },
    #[error("{file}, line {line}: referendum {referendum:?} is not in the manifest")]
    RollUnknownReferendum {
        file: String,
        line: u64,
        referendum: String,
    },
    #[error("{file}, line {line}: voter id {voter:?} is not allowed ({rule})")]
    RollBadVoter {
        file: String,
        line: u64,
        voter: String,
        rule: String,
    },
    #[error(
        "{file}, line {line}: this voter is already on the roll for {referendum} (line {first})"
    )]
    RollDuplicate {
        file: String,
        line: u64,
        first: u64,
        referendum: String,
    },
}

impl Explain for EventError {
    fn code(&self) -> &'static str {
        match self {
            EventError::File(e) => e.code(),
            EventError::ManifestSyntax { .. } => "E-MANIFEST-SYNTAX",
            EventError::ManifestRule { .. } => "E-MANIFEST-RULE",
            EventError::RollSyntax { .. } => "E-ROLL-SYNTAX",
            EventError::RollUnknownReferendum { .. } => "E-ROLL-REFERENDUM",
            EventError::RollBadVoter { .. } => "E-ROLL-VOTER",
            EventError::RollDuplicate { .. } => "E-ROLL-DUPLICATE",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            EventError::File(e) => e.hint(),
            EventError::ManifestSyntax { .. } | EventError::ManifestRule { .. } => {
                Some("`urne help manifest` lists every field and rule, with an example".into())
            }
            EventError::RollSyntax { .. } => Some(format!(
                "the roll is CSV with the header voter_id,referendum; {}",
                crate::input_hints::CSV_HINT
            )),
            _ => None,
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why a voter id is not allowed, if it is not.
pub fn voter_id_problem(v: &str) -> Option<&'static str> {
    if v.is_empty() {
        Some("it is empty")
    } else if v.len() > 64 {
        Some("it is longer than 64 bytes")
    } else if v
        .chars()
        .any(|c| c == ',' || c == '"' || c.is_whitespace() || c.is_control())
    {
        // What CSV would have to quote: the files that carry voter ids
        // (roll, marked roll, envelopes) are written without quoting.
        Some("it contains a comma, a double quote, a space or a control character")
    } else {
        None
    }
}

/// Refuses a text field of the manifest over [`limits::TEXT_FIELD_BYTES`],
/// naming it.
fn check_text_fields(raw: &RawManifest, file: &str) -> Result<(), EventError> {
    let mut fields: Vec<(String, &str)> = vec![
        ("title".into(), &raw.title),
        ("authority".into(), &raw.authority),
        ("event".into(), &raw.event),
    ];
    fields.extend(
        raw.keyholders
            .iter()
            .map(|k| ("keyholders".into(), k.as_str())),
    );
    fields.extend(
        raw.leadership
            .iter()
            .map(|k| ("leadership".into(), k.as_str())),
    );
    for (i, r) in raw.referendum.iter().enumerate() {
        let n = i + 1;
        fields.push((format!("referendum {n} id"), &r.id));
        fields.push((format!("referendum {n} area"), &r.area));
        fields.push((format!("referendum {n} question"), &r.question));
        fields.extend(
            r.options
                .iter()
                .map(|o| (format!("referendum {n} options"), o.as_str())),
        );
    }
    for (name, value) in fields {
        if value.len() > limits::TEXT_FIELD_BYTES {
            return Err(FsError::from(limits::TooLarge {
                file: file.into(),
                record: format!("field {name}"),
                limit: limits::TEXT_FIELD_BYTES,
                what: "a text field of the manifest",
            })
            .into());
        }
    }
    Ok(())
}

impl Manifest {
    /// Parses and checks a manifest. `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Manifest, EventError> {
        limits::check_size(file, text.len(), limits::MANIFEST_BYTES, "a manifest")
            .map_err(FsError::from)?;
        let raw: RawManifest = toml::from_str(text).map_err(|e| EventError::ManifestSyntax {
            file: file.into(),
            detail: e.to_string().replace('\n', " ").trim().to_string(),
        })?;
        let rule = |rule: String| EventError::ManifestRule {
            file: file.into(),
            rule,
        };
        check_text_fields(&raw, file)?;
        if raw.format != MANIFEST_FORMAT {
            return Err(rule(format!(
                "format is {:?}; this urne reads {MANIFEST_FORMAT:?}",
                raw.format
            )));
        }
        if !valid_id(&raw.event) {
            return Err(rule(format!(
                "event id {:?} must be 1-64 characters of a-z, 0-9 and -",
                raw.event
            )));
        }
        let time = |field: &str, v: &str| {
            crate::timestamp::parse(v).map_err(|e| {
                rule(format!(
                    "{field}: {e}: {}",
                    crate::input_hints::rfc3339_hint(v)
                ))
            })
        };
        let opens = time("voting_opens", &raw.voting_opens)?;
        let closes = time("voting_closes", &raw.voting_closes)?;
        let postal_deadline = time("postal_deadline", &raw.postal_deadline)?;
        if opens >= closes {
            return Err(rule("voting_opens must be before voting_closes".into()));
        }
        let n = raw.keyholders.len();
        if raw.threshold < 1 || raw.threshold as usize > n || n > MAX_KEYHOLDERS as usize {
            return Err(rule(format!(
                "threshold {} with {n} keyholders: it must be 1 ≤ threshold ≤ keyholders ≤ {MAX_KEYHOLDERS}",
                raw.threshold
            )));
        }
        let mut names = HashSet::new();
        for k in &raw.keyholders {
            if k.trim().is_empty() {
                return Err(rule("a keyholder name is empty".into()));
            }
            if !names.insert(k) {
                return Err(rule(format!("keyholder {k:?} is listed twice")));
            }
        }
        let language = match &raw.language {
            None => Lang::fallback(),
            Some(tag) => Lang::parse(tag).map_err(|e| rule(format!("language = {tag:?}: {e}")))?,
        };
        let time_zone = match &raw.time_zone {
            None => Zone::utc(),
            Some(name) => Zone::parse(name).map_err(|e| rule(format!("time_zone: {e}")))?,
        };
        let place = match raw.place {
            Some(p) if p.trim().is_empty() => {
                return Err(rule(
                    "place is empty; leave it out to leave the line blank".into(),
                ))
            }
            p => p,
        };
        let mut slugs = HashSet::new();
        for l in &raw.leadership {
            let slug = crate::protocol::signer_file_stem(l);
            if l.trim().is_empty() || slug.is_empty() {
                return Err(rule(format!(
                    "leadership name {l:?} has no letter or digit"
                )));
            }
            if !slugs.insert(slug.clone()) {
                return Err(rule(format!(
                    "leadership name {l:?} is listed twice, or shares its signer file name {slug:?} with another"
                )));
            }
        }
        for (name, key) in &raw.leadership_keys {
            if !raw.leadership.contains(name) {
                return Err(rule(format!(
                    "[leadership_keys] pins a key for {name:?}, who is not in leadership"
                )));
            }
            if crate::crypto::encoding::from_b64(key).map_or(true, |k| k.len() != 32) {
                return Err(rule(format!(
                    "[leadership_keys] {name:?} = {key:?} is not a 32-byte Ed25519 public key in base64"
                )));
            }
        }
        if raw.referendum.is_empty() {
            return Err(rule("there is no [[referendum]]".into()));
        }
        let mut ids = HashSet::new();
        for r in &raw.referendum {
            if !valid_id(&r.id) {
                return Err(rule(format!(
                    "referendum id {:?} must be 1-64 characters of a-z, 0-9 and -",
                    r.id
                )));
            }
            if !ids.insert(&r.id) {
                return Err(rule(format!("referendum {:?} is listed twice", r.id)));
            }
            if r.options.len() < 2 || r.options.len() > crate::ballot::MAX_OPTIONS {
                return Err(rule(format!(
                    "referendum {} has {} options; it needs 2 to {}",
                    r.id,
                    r.options.len(),
                    crate::ballot::MAX_OPTIONS
                )));
            }
            let mut opts = HashSet::new();
            for o in &r.options {
                if o.trim().is_empty() || o.contains(',') {
                    return Err(rule(format!(
                        "referendum {} has an empty option or one with a comma",
                        r.id
                    )));
                }
                if o.eq_ignore_ascii_case("invalid") {
                    return Err(rule(format!(
                        "referendum {} has an option named {o:?}: that name is the postal count's category for invalid ballots",
                        r.id
                    )));
                }
                if !opts.insert(o.to_lowercase()) {
                    return Err(rule(format!(
                        "referendum {} lists option {o:?} twice",
                        r.id
                    )));
                }
            }
        }
        Ok(Manifest {
            event: raw.event,
            title: raw.title,
            authority: raw.authority,
            is_test: raw.is_test,
            voting_opens: opens,
            voting_closes: closes,
            postal_deadline,
            evote_policy: raw.evote_policy,
            threshold: raw.threshold,
            keyholders: raw.keyholders,
            leadership: raw.leadership,
            leadership_keys: raw.leadership_keys,
            language,
            time_zone,
            place,
            voter_credentials: raw.voter_credentials,
            referendums: raw.referendum,
        })
    }

    /// Loads a manifest; returns it with the SHA-256 (hex) of the file's exact
    /// bytes, which the election key binds.
    pub fn load(path: &Path) -> Result<(Manifest, String), EventError> {
        let bytes = fsio::read_limited(path, limits::MANIFEST_BYTES, "a manifest")?;
        let text = String::from_utf8(bytes.clone()).map_err(|_| EventError::ManifestSyntax {
            file: path.display().to_string(),
            detail: "the file is not UTF-8 text".into(),
        })?;
        let m = Manifest::parse(&text, &path.display().to_string())?;
        Ok((m, fsio::sha256_hex(&bytes)))
    }

    /// The referendums, in manifest order.
    pub fn referendums(&self) -> &[Referendum] {
        &self.referendums
    }

    /// A referendum by id.
    pub fn referendum(&self, id: &str) -> Option<&Referendum> {
        self.referendums.iter().find(|r| r.id == id)
    }

    /// The position of a referendum by id.
    pub fn referendum_index(&self, id: &str) -> Option<usize> {
        self.referendums.iter().position(|r| r.id == id)
    }

    /// True if `t` is in the voting window: `opens ≤ t < closes`.
    pub fn in_voting_window(&self, t: OffsetDateTime) -> bool {
        self.voting_opens <= t && t < self.voting_closes
    }

    /// True if a postal envelope received at `t` is late: `t > postal_deadline`.
    pub fn is_late_postal(&self, t: OffsetDateTime) -> bool {
        t > self.postal_deadline
    }
}

/// The electoral roll: per referendum, the voter ids entitled to vote.
///
/// A voter is held as the first 16 bytes of SHA-256 of their id, in a sorted
/// list per referendum, with an index into each list of at most 2 bytes a
/// voter ([`DigestIndex`]): 18 bytes a voter however long the ids, so a
/// national roll of 4 million fits in 72 MiB. Finding two ids with the same
/// 128-bit digest is out of reach.
///
/// Each entry also has a *slot*: its position over all referendums (the
/// first referendum's voters in digest order, then the next one's). The count
/// keeps its per-voter state in arrays indexed by slot, not in hash maps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roll {
    /// Per referendum, in manifest order: its id and its voters' 16-byte
    /// digests, sorted, back to back in one buffer.
    referendums: Vec<(String, Vec<u8>)>,
    /// Per referendum: where to look for a digest among its voters'.
    index: Vec<DigestIndex>,
    /// Per referendum: the slot of its first voter.
    first_slot: Vec<u32>,
}

fn voter_digest(voter: &str) -> [u8; 16] {
    let d = crate::crypto::encoding::sha256(voter.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

/// Where to look for a digest among one referendum's sorted digests: for
/// each value of a digest's first `bits` bits (a *bucket*), the index of the
/// first digest at or past it, so that a key's bucket gives the short run of
/// digests it can be among. With 2^bits about n/2 buckets for n digests (at
/// most 2 bytes a voter) and SHA-256 digests spread uniformly, a run holds
/// about two digests: one or two cache lines, where a search of the whole
/// list (1.6 MB for 100,000 voters) lands on a new line at each probe. Built
/// once when the roll is read; correct for digests spread in any way (a
/// long run is searched by halving).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct DigestIndex {
    /// How many leading bits of a digest choose its bucket (0 to 31).
    bits: u32,
    /// `starts[j]`: the index of the first digest whose bucket is `j` or
    /// more; `starts[2^bits]` is the number of digests.
    starts: Vec<u32>,
}

impl DigestIndex {
    /// The index of sorted `digests` (at most `u32::MAX` of them).
    fn new(digests: &[[u8; 16]]) -> Self {
        // 2^bits ≤ n/2 (one bucket for fewer than four digests).
        let bits = (digests.len() / 2).checked_ilog2().unwrap_or(0).min(31);
        let index = DigestIndex {
            bits,
            starts: Vec::new(),
        };
        let buckets = 1usize << bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for j in 0..buckets {
            while at < digests.len() && index.bucket(&digests[at]) < j {
                at += 1;
            }
            starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
        starts.push(u32::try_from(digests.len()).unwrap_or(u32::MAX));
        DigestIndex { starts, ..index }
    }

    /// The bucket of a digest: its first `bits` bits.
    fn bucket(&self, d: &[u8; 16]) -> usize {
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        // A shift of 64 would overflow; one bucket holds everything then.
        let top = u64::from_be_bytes(b)
            .checked_shr(64 - self.bits)
            .unwrap_or(0);
        usize::try_from(top).unwrap_or(0)
    }

    /// The index of `key` among `digests` (those the index was built from),
    /// if it is there: the answer of `binary_search`.
    fn find(&self, digests: &[[u8; 16]], key: &[u8; 16]) -> Option<usize> {
        let j = self.bucket(key);
        let (lo, hi) = (self.starts[j] as usize, self.starts[j + 1] as usize);
        let run = &digests[lo..hi];
        if run.len() > 8 {
            return run.binary_search(key).ok().map(|i| lo + i);
        }
        // Compared as big-endian numbers: the order of the bytes.
        let k = u128::from_be_bytes(*key);
        for (i, d) in run.iter().enumerate() {
            match u128::from_be_bytes(*d).cmp(&k) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Some(lo + i),
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }
}

#[derive(Deserialize)]
struct RollRow {
    voter_id: String,
    referendum: String,
}

/// A roll being read: per referendum, (digest, line) in file order.
struct RollBuilder {
    file: String,
    ids: Vec<String>,
    index: HashMap<String, usize>,
    /// Per referendum: each entry's digest, then its line (big-endian, so
    /// that sorting puts a digest's first line first).
    entries: Vec<Vec<[u8; 20]>>,
}

fn line_of(entry: &[u8; 20]) -> u64 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&entry[16..]);
    u64::from(u32::from_be_bytes(b))
}

impl RollBuilder {
    fn new(manifest: &Manifest, file: &str) -> Self {
        RollBuilder {
            file: file.into(),
            ids: manifest
                .referendums()
                .iter()
                .map(|r| r.id.clone())
                .collect(),
            index: (manifest.referendums().iter().enumerate())
                .map(|(i, r)| (r.id.clone(), i))
                .collect(),
            entries: vec![Vec::new(); manifest.referendums().len()],
        }
    }

    fn add(&mut self, voter: &str, referendum: String, line: u64) -> Result<(), EventError> {
        if let Some(rule) = voter_id_problem(voter) {
            return Err(EventError::RollBadVoter {
                file: self.file.clone(),
                line,
                voter: voter.into(),
                rule: rule.into(),
            });
        }
        let Some(&r) = self.index.get(&referendum) else {
            return Err(EventError::RollUnknownReferendum {
                file: self.file.clone(),
                line,
                referendum,
            });
        };
        let mut entry = [0u8; 20];
        entry[..16].copy_from_slice(&voter_digest(voter));
        // A roll of more lines than this is refused by `finish` (too many slots).
        entry[16..].copy_from_slice(&u32::try_from(line).unwrap_or(u32::MAX).to_be_bytes());
        self.entries[r].push(entry);
        Ok(())
    }

    /// Sorts each referendum's voters and refuses a voter listed twice for
    /// the same referendum, naming the earliest repeat in the file.
    fn finish(self) -> Result<Roll, EventError> {
        let mut repeat: Option<(u64, u64, usize)> = None;
        let mut referendums = Vec::with_capacity(self.entries.len());
        let mut first_slot = Vec::with_capacity(self.entries.len());
        let mut slot = 0u64;
        for (r, (id, mut entries)) in self.ids.into_iter().zip(self.entries).enumerate() {
            entries.sort_unstable();
            for pair in entries.windows(2) {
                if pair[0][..16] == pair[1][..16] {
                    let (first, line) = (line_of(&pair[0]), line_of(&pair[1]));
                    if repeat.is_none_or(|(l, _, _)| line < l) {
                        repeat = Some((line, first, r));
                    }
                }
            }
            first_slot.push(u32::try_from(slot).unwrap_or(u32::MAX));
            slot += entries.len() as u64;
            // Keep the digests only, moved down in the same buffer: the roll
            // never needs room for two copies of itself.
            let n = entries.len();
            let mut digests = entries.into_flattened();
            for i in 0..n {
                digests.copy_within(20 * i..20 * i + 16, 16 * i);
            }
            digests.truncate(16 * n);
            digests.shrink_to_fit();
            referendums.push((id, digests));
        }
        if let Some((line, first, r)) = repeat {
            return Err(EventError::RollDuplicate {
                file: self.file,
                line,
                first,
                referendum: referendums.swap_remove(r).0,
            });
        }
        if slot > u64::from(u32::MAX) {
            return Err(EventError::RollSyntax {
                file: self.file,
                line: 0,
                detail: "the roll has more than 4,294,967,295 entries".into(),
            });
        }
        let index = (referendums.iter())
            .map(|(_, digests)| DigestIndex::new(digests.as_chunks::<16>().0))
            .collect();
        Ok(Roll {
            referendums,
            index,
            first_slot,
        })
    }
}

impl Roll {
    /// Parses a roll (`urne-roll/1`: UTF-8 CSV, header `voter_id,referendum`).
    pub fn parse(reader: impl Read, file: &str, manifest: &Manifest) -> Result<Roll, EventError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::None)
            .from_reader(limits::LineLimited::new(
                reader,
                file,
                limits::CSV_LINE_BYTES,
                "a line of the roll",
            ));
        let headers = csv
            .headers()
            .map_err(|e| match limits::TooLarge::from_csv(&e) {
                Some(t) => EventError::File(t.into()),
                None => EventError::RollSyntax {
                    file: file.into(),
                    line: 1,
                    detail: e.to_string(),
                },
            })?
            .clone();
        if headers.iter().collect::<Vec<_>>() != ["voter_id", "referendum"] {
            return Err(EventError::RollSyntax {
                file: file.into(),
                line: 1,
                detail: crate::input_hints::csv_header_problem(
                    headers.iter(),
                    &["voter_id", "referendum"],
                ),
            });
        }
        let mut roll = RollBuilder::new(manifest, file);
        let mut rec = csv::StringRecord::new();
        loop {
            match csv.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    if let Some(t) = limits::TooLarge::from_csv(&e) {
                        return Err(EventError::File(t.into()));
                    }
                    return Err(EventError::RollSyntax {
                        file: file.into(),
                        line: e.position().map_or(0, |p| p.line()),
                        detail: e.to_string(),
                    });
                }
            }
            let line = rec.position().map_or(0, |p| p.line());
            let row: RollRow =
                rec.deserialize(Some(&headers))
                    .map_err(|e| EventError::RollSyntax {
                        file: file.into(),
                        line,
                        detail: e.to_string(),
                    })?;
            roll.add(&row.voter_id, row.referendum, line)?;
        }
        roll.finish()
    }

    /// Loads a roll file.
    pub fn load(path: &Path, manifest: &Manifest) -> Result<Roll, EventError> {
        Roll::load_counting(path, manifest, &|_| {})
    }

    /// [`Roll::load`], calling `on_bytes` with the number of bytes read so
    /// far (a roll of millions of voters takes seconds to read).
    pub fn load_counting(
        path: &Path,
        manifest: &Manifest,
        on_bytes: &dyn Fn(u64),
    ) -> Result<Roll, EventError> {
        Roll::load_hashed(path, manifest, on_bytes).map(|(roll, _)| roll)
    }

    /// [`Roll::load_counting`], also returning the SHA-256 (lowercase hex) of
    /// the bytes the roll was parsed from: a step that records the roll's
    /// hash (the tally's inputs, the ceremony log) takes it from here, so the
    /// hash is of what was counted and the file is read once.
    pub fn load_hashed(
        path: &Path,
        manifest: &Manifest,
        on_bytes: &dyn Fn(u64),
    ) -> Result<(Roll, String), EventError> {
        let file = path.display().to_string();
        let (roll, hash) =
            fsio::read_hashed_counting(path, on_bytes, |r| Roll::parse(r, &file, manifest))?;
        Ok((roll?, hash))
    }

    /// Builds a roll from `(voter, referendum)` entries (the simulator's path).
    pub fn from_entries(
        manifest: &Manifest,
        entries: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Roll, EventError> {
        let mut roll = RollBuilder::new(manifest, "(entries)");
        for (i, (v, r)) in entries.into_iter().enumerate() {
            roll.add(&v, r, i as u64 + 1)?;
        }
        roll.finish()
    }

    /// The slot of `voter` on the roll of the referendum at `referendum`
    /// (its index in the manifest), if they are on it.
    pub fn slot(&self, referendum: usize, voter: &str) -> Option<u32> {
        let (_, voters) = self.referendums.get(referendum)?;
        let at = self.index[referendum].find(voters.as_chunks::<16>().0, &voter_digest(voter))?;
        // `finish` made sure every slot fits in a u32.
        self.first_slot[referendum].checked_add(u32::try_from(at).ok()?)
    }

    /// The number of slots: roll entries over all referendums.
    pub fn slots(&self) -> usize {
        self.referendums.iter().map(|(_, v)| v.len() / 16).sum()
    }

    /// True if `voter` is on the roll for `referendum`.
    pub fn contains(&self, referendum: &str, voter: &str) -> bool {
        self.referendums
            .iter()
            .position(|(id, _)| id == referendum)
            .is_some_and(|r| self.slot(r, voter).is_some())
    }

    /// The number of entitled voters of a referendum.
    pub fn entitled(&self, referendum: &str) -> usize {
        self.referendums
            .iter()
            .find(|(id, _)| id == referendum)
            .map_or(0, |(_, v)| v.len() / 16)
    }

    /// The number of roll entries over all referendums.
    pub fn entitled_total(&self) -> u64 {
        self.slots() as u64
    }
}

/// A sorted set of voter ids held in one buffer (a marked roll): the ids'
/// bytes plus 16 bytes a voter, where a `Vec<String>` costs 40 or more and a
/// `HashSet<String>` twice that. Built with [`VoterIdsBuilder`].
#[derive(Clone, Debug, Default)]
pub struct VoterIds {
    /// The ids, concatenated in the order they were added.
    text: String,
    /// Where each added id ends in `text`.
    ends: Vec<usize>,
    /// Indexes into `ends`, sorted by id, without repeats.
    order: Vec<usize>,
}

/// Voter ids being gathered in any order, for a [`VoterIds`].
#[derive(Clone, Debug, Default)]
pub struct VoterIdsBuilder {
    text: String,
    ends: Vec<usize>,
}

impl VoterIdsBuilder {
    /// Adds an id.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    /// Sorts the ids and drops repeats.
    pub fn finish(self) -> VoterIds {
        let mut ids = VoterIds {
            text: self.text,
            ends: self.ends,
            order: Vec::new(),
        };
        let mut order: Vec<usize> = (0..ids.ends.len()).collect();
        order.sort_unstable_by(|&a, &b| ids.added(a).cmp(ids.added(b)));
        order.dedup_by(|a, b| ids.added(*a) == ids.added(*b));
        ids.order = order;
        ids
    }
}

impl VoterIds {
    /// The set of `ids`, given in any order; a repeated id is kept once.
    pub fn from_unsorted<'a>(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let mut b = VoterIdsBuilder::default();
        for id in ids {
            b.push(id);
        }
        b.finish()
    }

    fn added(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The number of voters.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The ids in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.order.iter().map(|&i| self.added(i))
    }

    /// True if `voter` is in the set.
    pub fn contains(&self, voter: &str) -> bool {
        self.order
            .binary_search_by(|&i| self.added(i).cmp(voter))
            .is_ok()
    }
}

impl PartialEq for VoterIds {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for VoterIds {}

#[cfg(test)]
mod tests {
    use super::*;

    /// `DigestIndex::find` answers as `binary_search` does.
    fn check_find(mut list: Vec<[u8; 16]>, extra: &[[u8; 16]]) {
        list.sort_unstable();
        list.dedup();
        let index = DigestIndex::new(&list);
        assert!(
            index.starts.len() <= list.len() / 2 + 2,
            "at most 2 bytes a voter"
        );
        let mut keys: Vec<[u8; 16]> = list.clone();
        for d in list.iter().take(50) {
            for (byte, bit) in [(15, 1), (7, 1), (0, 0x80)] {
                let mut k = *d;
                k[byte] ^= bit;
                keys.push(k);
            }
        }
        keys.extend_from_slice(extra);
        keys.push([0; 16]);
        keys.push([0xff; 16]);
        for k in &keys {
            assert_eq!(
                index.find(&list, k),
                list.binary_search(k).ok(),
                "{k:?} in a list of {}",
                list.len()
            );
        }
    }

    /// For digests spread as hash outputs are and spread badly (clustered,
    /// equal prefixes, tiny and empty lists), for keys on the list and off
    /// it.
    #[test]
    fn finding_a_digest_agrees_with_binary_search() {
        use rand::{rngs::OsRng, Rng};
        let random: Vec<[u8; 16]> = (0..200).map(|_| OsRng.gen()).collect();
        for n in [0usize, 1, 2, 3, 4, 7, 8, 9, 100, 5000, 70_000] {
            check_find((0..n).map(|_| OsRng.gen()).collect(), &random);
            check_find(
                (0..n).map(|i| voter_digest(&format!("V{i}"))).collect(),
                &random,
            );
            // Clustered: most digests in one corner, a few far away.
            check_find(
                (0..n)
                    .map(|i| {
                        let mut d: [u8; 16] = OsRng.gen();
                        if i % 10 != 0 {
                            d[..6].fill(0);
                        }
                        d
                    })
                    .collect(),
                &random,
            );
            // Every digest with the same first 8 bytes.
            check_find(
                (0..n)
                    .map(|_| {
                        let mut d: [u8; 16] = OsRng.gen();
                        d[..8].fill(0x5a);
                        d
                    })
                    .collect(),
                &random,
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Digests from a small alphabet of bytes (so that prefixes repeat,
        /// buckets are empty, crowded or at the ends), and keys of the same
        /// alphabet, on the list and off it.
        #[test]
        fn finding_any_digest_agrees_with_binary_search(
            list in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![0u8, 1, 0x7f, 0x80, 0xfe, 0xff]), 16),
                0..300,
            ),
            keys in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![0u8, 1, 0x7f, 0x80, 0xfe, 0xff]), 16),
                0..20,
            ),
        ) {
            let digest = |v: &Vec<u8>| -> [u8; 16] { v.as_slice().try_into().unwrap() };
            let keys: Vec<[u8; 16]> = keys.iter().map(digest).collect();
            check_find(list.iter().map(digest).collect(), &keys);
        }
    }

    const EXAMPLE: &str = include_str!("../examples/event/manifest.toml");

    fn manifest() -> Manifest {
        Manifest::parse(EXAMPLE, "manifest.toml").unwrap()
    }

    #[test]
    fn the_example_event_is_the_real_one() {
        let m = manifest();
        let ids: Vec<&str> = m.referendums().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["sogne", "songdalen"]);
        assert_eq!(m.referendums()[0].entitled, Some(10_279));
        assert_eq!(m.referendums()[1].entitled, Some(5_592));
        assert_eq!(m.referendums()[0].options, ["Ja", "Nei", "Blank"]);
        assert_eq!(m.evote_policy, EvotePolicy::Single);
        assert_eq!((m.threshold, m.keyholders.len()), (2, 2));
    }

    #[test]
    fn the_window_opens_inclusive_and_closes_exclusive() {
        let m = manifest();
        assert!(m.in_voting_window(m.voting_opens));
        assert!(!m.in_voting_window(m.voting_closes));
        assert!(!m.in_voting_window(m.voting_opens - time::Duration::seconds(1)));
    }

    fn broken(from: &str, to: &str) -> String {
        assert!(EXAMPLE.contains(from), "{from}");
        EXAMPLE.replacen(from, to, 1)
    }

    #[test]
    fn manifest_rules_are_named() {
        let cases = [
            (broken("threshold = 2", "threshold = 3"), "threshold 3"),
            (
                broken(
                    "options = [\"Ja\", \"Nei\", \"Blank\"]",
                    "options = [\"Ja\", \"Ja\"]",
                ),
                "twice",
            ),
            (
                broken("id = \"songdalen\"", "id = \"sogne\""),
                "listed twice",
            ),
            (
                broken(
                    "format = \"urne-manifest/1\"",
                    "format = \"urne-manifest/9\"",
                ),
                "format",
            ),
            (
                broken("\"Aisha Khan\" = ", "\"Mallory\" = "),
                "not in leadership",
            ),
            (
                broken("\"Per Olsen\" = \"IAy8", "\"Per Olsen\" = \"IA"),
                "32-byte",
            ),
            (
                broken("\"Aisha Khan\"]", "\"Aisha Khan\", \"per  olsen\"]"),
                "signer file name",
            ),
            (
                broken("\"Aisha Khan\"]", "\"Aisha Khan\", \"--\"]"),
                "no letter or digit",
            ),
            (
                broken(
                    "[\"Ja\", \"Nei\", \"Blank\"]",
                    "[\"Ja\", \"Nei\", \"Invalid\"]",
                ),
                "invalid ballots",
            ),
            (
                broken("2027-02-02T21:00:00+01:00", "2027-01-01T21:00:00+01:00"),
                "before",
            ),
            (
                broken("2027-02-02T21:00:00+01:00", "next tuesday"),
                "RFC 3339",
            ),
        ];
        for (text, needle) in cases {
            let e = Manifest::parse(&text, "m.toml").unwrap_err();
            assert!(
                e.to_string().contains(needle),
                "{e} should mention {needle}"
            );
            assert!(e.to_string().starts_with("m.toml"));
        }
        let e = Manifest::parse("format = ", "m.toml").unwrap_err();
        assert_eq!(e.code(), "E-MANIFEST-SYNTAX");
        let e = Manifest::parse(&format!("{EXAMPLE}\nsurprise = 1\n"), "m.toml").unwrap_err();
        assert!(e.to_string().contains("surprise"), "{e}");
    }

    #[test]
    fn language_time_zone_and_place_are_checked_and_default_to_english_and_utc() {
        let m = manifest();
        assert_eq!(m.language.tag(), "nb");
        assert_eq!(m.time_zone.name(), "Europe/Oslo");
        assert_eq!(m.place.as_deref(), Some("Søgne"));
        let bare = EXAMPLE
            .lines()
            .filter(|l| {
                !["language", "time_zone", "place"]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .collect::<Vec<_>>()
            .join("\n");
        let m = Manifest::parse(&bare, "m.toml").unwrap();
        assert_eq!(
            (m.language.tag(), m.time_zone.name(), m.place),
            ("en", "UTC", None)
        );
        let with =
            // Top-level keys go before the first table.
            |line: &str| bare.replacen("[leadership_keys]", &format!("{line}\n[leadership_keys]"), 1);
        for (line, needle) in [
            (
                "language = \"sv\"",
                "has no translation in this urne (it has en, nb)",
            ),
            (
                "time_zone = \"Europe/Olso\"",
                "\"Europe/Olso\" is not in the tz database",
            ),
            ("place = \" \"", "place is empty"),
        ] {
            let e = Manifest::parse(&with(line), "m.toml").unwrap_err();
            assert_eq!(e.code(), "E-MANIFEST-RULE");
            assert!(e.to_string().contains(needle), "{e}");
        }
    }

    #[test]
    fn roll_parses_and_errors_name_the_line() {
        let m = manifest();
        let ok = "voter_id,referendum\nV1,sogne\nV2,songdalen\nV1,songdalen\n";
        let r = Roll::parse(ok.as_bytes(), "roll.csv", &m).unwrap();
        assert!(r.contains("sogne", "V1") && r.contains("songdalen", "V1"));
        assert!(!r.contains("sogne", "V2"));
        assert_eq!(r.entitled("songdalen"), 2);
        assert_eq!(r.entitled_total(), 3);
        assert_eq!(Roll::parse(ok.as_bytes(), "x", &m).unwrap(), r);
        let cases = [
            (
                "voter_id,referendum\nV1,sogne\nV2,oslo\n",
                "line 3",
                "E-ROLL-REFERENDUM",
            ),
            (
                "voter_id,referendum\nV1,sogne\nV1,sogne\n",
                "line 3",
                "E-ROLL-DUPLICATE",
            ),
            ("voter_id,referendum\n,sogne\n", "line 2", "E-ROLL-VOTER"),
            (
                "voter_id,referendum\nV1,sogne\nV\"2,sogne\n",
                "line 3",
                "E-ROLL-VOTER",
            ),
            ("voter,ref\nV1,sogne\n", "line 1", "E-ROLL-SYNTAX"),
            (
                "voter_id,referendum\nV1,sogne,extra\n",
                "line 2",
                "E-ROLL-SYNTAX",
            ),
        ];
        for (text, line, code) in cases {
            let e = Roll::parse(text.as_bytes(), "roll.csv", &m).unwrap_err();
            assert!(e.to_string().contains(line), "{e} should name {line}");
            assert_eq!(e.code(), code, "{e}");
        }
    }

    #[test]
    fn every_roll_entry_has_its_own_slot_and_a_repeat_names_its_first_line() {
        let m = manifest();
        let entries = [
            ("V1", "sogne"),
            ("V2", "sogne"),
            ("V1", "songdalen"),
            ("V3", "sogne"),
        ];
        let r = Roll::from_entries(
            &m,
            entries.iter().map(|(v, r)| (v.to_string(), r.to_string())),
        )
        .unwrap();
        assert_eq!(r.slots(), 4);
        let mut slots: Vec<u32> = ["V1", "V2", "V3"]
            .iter()
            .map(|v| r.slot(0, v).unwrap())
            .chain([r.slot(1, "V1").unwrap()])
            .collect();
        // The first referendum's voters come first.
        assert!(slots[..3].iter().all(|&s| s < 3) && slots[3] == 3);
        slots.sort_unstable();
        assert_eq!(slots, [0, 1, 2, 3]);
        assert_eq!(r.slot(1, "V2"), None);
        assert_eq!(r.slot(2, "V1"), None);
        assert_eq!((r.entitled("sogne"), r.entitled("songdalen")), (3, 1));

        // Two repeats: the one earlier in the file is named, with its first line.
        let text = "voter_id,referendum\nA,sogne\nB,sogne\nC,songdalen\nB,sogne\nA,sogne\n";
        let e = Roll::parse(text.as_bytes(), "roll.csv", &m).unwrap_err();
        assert!(
            matches!(
                e,
                EventError::RollDuplicate { line: 5, first: 3, ref referendum, .. } if referendum == "sogne"
            ),
            "{e}"
        );
    }

    #[test]
    fn voter_ids_are_sorted_once_each_and_found() {
        let ids = VoterIds::from_unsorted(["v3", "v10", "v1", "v3", "v2"]);
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["v1", "v10", "v2", "v3"]);
        assert_eq!(ids.len(), 4);
        assert!(ids.contains("v10") && ids.contains("v1") && !ids.contains("v4"));
        assert!(!ids.contains("v") && !VoterIds::default().contains("v1"));
        assert_eq!(ids, VoterIds::from_unsorted(["v2", "v1", "v3", "v10"]));
        assert_ne!(ids, VoterIds::from_unsorted(["v2", "v1", "v3"]));
    }
}
