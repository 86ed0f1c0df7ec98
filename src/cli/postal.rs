//! Postal votes: `urne postal trial` and `urne postal count`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use urne::error::Explain;
use urne::postal::{self, CountFile, Pending, PostalReason, TrialFile, COUNT_FORMAT, TRIAL_FORMAT};
use urne::tally::InputHash;

use super::out::outln;
use super::progress::{self, Progress};
use super::say::tr;
use super::{now, CliResult, EventDir, Failure};

/// What the postal commands say while they work, in one place.
mod msg {
    use super::progress::{count_of, Unit};
    use crate::cli::say::tr;
    pub fn trying(n: usize) -> String {
        tr!(
            "postal-trying",
            count = count_of(
                n as u64,
                Unit {
                    id: "unit-envelope"
                }
            )
        )
    }
    pub fn tried(n: usize) -> String {
        tr!(
            "postal-tried",
            count = count_of(
                n as u64,
                Unit {
                    id: "unit-envelope"
                }
            )
        )
    }
    /// How many envelopes for the unopened pile are named on screen.
    pub const UNOPENED_SHOWN: usize = 20;
}

#[derive(Subcommand, Debug)]
pub enum PostalCommand {
    /// Try every received return envelope against the roll and the marked roll.
    #[command(after_help = crate::cli::help::ex::POSTAL_TRIAL)]
    Trial(TrialArgs),
    /// Reconcile the count rounds of the approved postal ballots.
    #[command(after_help = crate::cli::help::ex::POSTAL_COUNT)]
    Count(CountArgs),
}

#[derive(Args, Debug)]
pub struct TrialArgs {
    /// The received envelopes (CSV: envelope_id,voter_id,received_at,referendum).
    #[arg(long, value_name = "FILE")]
    pub envelopes: PathBuf,
    /// The authority's sealed pseudonym key: the envelopes carry national ids,
    /// which are turned into the roll's pseudonyms before the trial (so the
    /// published decisions name pseudonyms only).
    #[arg(long, value_name = "FILE")]
    pub pseudonym_key: Option<PathBuf>,
    #[command(flatten)]
    pub passphrases: super::PassphraseArgs,
    /// Replace an earlier trial.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct CountArgs {
    /// The count entries (CSV: referendum,round,attempt,pair,member,option,figure).
    #[arg(long, value_name = "FILE")]
    pub entries: PathBuf,
    /// Written explanations (CSV: referendum,about,explanation; about is
    /// round-N or envelopes).
    #[arg(long, value_name = "FILE")]
    pub explanations: Option<PathBuf>,
    /// Replace an earlier count.
    #[arg(long)]
    pub force: bool,
}

pub fn run(dir: &EventDir, c: PostalCommand) -> CliResult {
    match c {
        PostalCommand::Trial(a) => trial(dir, a),
        PostalCommand::Count(a) => count(dir, a),
    }
}

pub fn input_hash(path: &Path) -> CliResult<InputHash> {
    Ok(hashed(path, urne::fsio::sha256_file(path)?))
}

/// An input named by its file name, with a hash already taken.
fn hashed(path: &Path, sha256: String) -> InputHash {
    InputHash {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
    }
}

fn write_json<T: serde::Serialize>(path: &Path, v: &T, force: bool) -> CliResult {
    let mut text = serde_json::to_string_pretty(v)
        .map_err(|e| Failure::new("E-INTERNAL", e.to_string(), None))?;
    text.push('\n');
    Ok(urne::fsio::write_atomic(
        path,
        text.as_bytes(),
        force,
        urne::fsio::Visibility::Public,
    )?)
}

/// Refuses the marked roll if it is not the one the last `unlock` or `combine`
/// wrote, by its hash in the ceremony log (an edited marked roll would let an
/// envelope through for a voter who voted electronically, or stop one).
/// Returns its hash, for the trial's `inputs` and for [`read_marked_roll`].
fn check_marked_roll_as_written(
    dir: &EventDir,
    marked_path: &Path,
    shown: &Progress,
) -> CliResult<InputHash> {
    let name = "marked-roll.csv";
    let now = urne::fsio::sha256_file_counting(marked_path, &|b| shown.set_bytes(b))?;
    let log = urne::ceremony_log::CeremonyLog::load_or_new(&dir.log())?;
    let entries = log.entries();
    match urne::ceremony_log::last_written(&entries, name) {
        None => eprintln!("{}", tr!("postal-no-unlock-note", file = name)),
        Some((entry, written)) if written.sha256 != now => {
            return Err(Failure::new(
                "E-MARKED-ROLL-CHANGED",
                format!(
                    "{}: this is not the marked roll that `{}` wrote (ceremony log entry {}, SHA-256 {}…; the file now has {}…)",
                    marked_path.display(),
                    entry.step,
                    entry.seq,
                    written.sha256.get(..16).unwrap_or(&written.sha256),
                    now.get(..16).unwrap_or(&now),
                ),
                Some("put back the marked roll that unlock wrote, or run `urne unlock --force` again"),
            ))
        }
        Some(_) => {}
    }
    Ok(InputHash {
        name: name.into(),
        sha256: now,
    })
}

/// Parses the marked roll checked by [`check_marked_roll_as_written`],
/// keeping only the marks of the voters who sent an envelope, and hashes the
/// bytes it parses: if they are not the bytes checked (the file changed in
/// between), it is refused.
fn read_marked_roll(
    marked_path: &Path,
    checked: &InputHash,
    manifest: &urne::event::Manifest,
    envelopes: &[postal::Envelope],
    shown: &Progress,
) -> CliResult<postal::MarkedRoll> {
    let on_bytes = |b| shown.set_bytes(b);
    let (parsed, hash) = urne::fsio::read_hashed_counting(marked_path, &on_bytes, |reader| {
        postal::MarkedRoll::parse_for(
            reader,
            &marked_path.display().to_string(),
            manifest,
            envelopes,
        )
    })?;
    if hash != checked.sha256 {
        return Err(Failure::new(
            "E-MARKED-ROLL-CHANGED",
            format!(
                "{}: the file changed while the trial was reading it",
                marked_path.display()
            ),
            Some("make sure nothing writes to the event directory during the trial, then run it again"),
        ));
    }
    Ok(parsed?)
}

fn trial(dir: &EventDir, a: TrialArgs) -> CliResult {
    let (manifest, manifest_sha) = super::load_manifest(dir)?;
    let (roll, roll_sha) = super::load_roll_shown(dir, &manifest)?;
    let marked_path = dir.marked_roll();
    if !marked_path.exists() {
        return Err(Failure::new(
            "E-FILE-NOT-FOUND",
            format!(
                "{} does not exist: the postal trial needs the marked roll of the counted e-votes",
                marked_path.display()
            ),
            Some("run `urne unlock` (or `urne combine`) first"),
        ));
    }
    let step = Progress::reading(&tr!("postal-checking-marked-roll"), &marked_path);
    let marked_hash = check_marked_roll_as_written(dir, &marked_path, &step)?;
    step.finish(&tr!("postal-marked-roll-checked"));
    let mut envelopes = postal::load_envelopes(&a.envelopes, &manifest)?;
    let envelopes_hash = input_hash(&a.envelopes)?;
    if let Some(k) = &a.pseudonym_key {
        let pz = super::roll::open_pseudonymizer(k, &manifest.event, &a.passphrases)?;
        for e in &mut envelopes {
            if let Some(v) = &e.voter {
                e.voter = Some(pz.pseudonym(v));
            }
        }
    }
    let step = Progress::reading(&tr!("postal-reading-marked-roll"), &marked_path);
    let marked = read_marked_roll(&marked_path, &marked_hash, &manifest, &envelopes, &step)?;
    step.finish(&tr!("postal-marked-roll-read"));
    let out = dir.postal_trial();
    let csv_out = dir.postal_decisions();
    super::refuse_existing(&[&out, &csv_out], a.force)?;
    let step = Progress::step(&msg::trying(envelopes.len()));
    let (decisions, figures) = postal::trial(&envelopes, &manifest, &roll, &marked);
    step.finish(&msg::tried(envelopes.len()));
    let file = TrialFile {
        format: TRIAL_FORMAT.into(),
        event: manifest.event.clone(),
        postal_deadline: manifest
            .postal_deadline
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        tried_at: now(),
        // The manifest, roll and marked roll with the hashes of the bytes
        // they were read from, not hashed again.
        inputs: vec![
            hashed(&dir.manifest(), manifest_sha.hex()),
            hashed(&dir.roll(), roll_sha),
            marked_hash,
            envelopes_hash,
        ],
        referendums: figures,
        decisions,
    };
    let csv = postal::decisions_csv(&file.decisions);
    write_json(&out, &file, a.force)?;
    urne::fsio::write_atomic(&csv_out, &csv, a.force, urne::fsio::Visibility::Public)?;
    let read = [dir.roll(), marked_path, a.envelopes.clone()]
        .into_iter()
        .zip(file.inputs[1..].iter().map(|h| h.sha256.clone()))
        .collect::<Vec<_>>();
    super::log_step_hashed(
        dir,
        "postal-trial",
        &["electoral committee".to_string()],
        &read,
        &[out.clone(), csv_out.clone()],
        &format!("{} envelopes tried", file.decisions.len()),
    )?;
    for f in &file.referendums {
        outln!(
            "{}",
            tr!(
                "postal-trial-figures",
                referendum = &f.referendum,
                received = progress::figure(f.received),
                n = f.received,
                approved = progress::figure(f.approved),
                rejected = progress::figure(f.rejected_total())
            )
        );
        for (r, n) in f.rejected.iter().filter(|(_, n)| **n > 0) {
            let code = PostalReason::from_name(r).map_or("", |why| why.code());
            outln!(
                "    {}",
                tr!(
                    "postal-trial-reason",
                    reason = reason_text(r),
                    code = code,
                    n = progress::figure(*n)
                )
            );
        }
        if !f.unopened.is_empty() {
            // A national trial puts thousands there: name the first ones, and
            // where the rest are.
            let shown: Vec<&str> = f
                .unopened
                .iter()
                .take(msg::UNOPENED_SHOWN)
                .map(String::as_str)
                .collect();
            let rest = f.unopened.len() - shown.len();
            if rest == 0 {
                outln!("  {}", tr!("postal-unopened", list = shown.join(", ")));
            } else {
                outln!(
                    "  {}",
                    tr!(
                        "postal-unopened-more",
                        list = shown.join(", "),
                        more = progress::figure(rest as u64),
                        file = csv_out.display().to_string()
                    )
                );
            }
        }
    }
    outln!(
        "{}",
        tr!(
            "postal-decisions",
            json = out.display().to_string(),
            csv = csv_out.display().to_string()
        )
    );
    super::count::print_event_fingerprint(dir);
    Ok(())
}

/// A rejection reason as people read it (the protocol's words), or its name
/// as the files write it if the language has no text for it.
fn reason_text(reason: &str) -> String {
    let id = format!("reason-{reason}");
    if urne::i18n::has(crate::cli::say::lang(), &id) {
        crate::cli::say::t(&id, &[])
    } else {
        reason.to_string()
    }
}

fn count(dir: &EventDir, a: CountArgs) -> CliResult {
    let (manifest, _) = super::load_manifest(dir)?;
    let trial_path = dir.postal_trial();
    let trial: TrialFile = super::read_json(
        &trial_path,
        "E-POSTAL-TRIAL",
        Some("run `urne postal trial` first"),
        urne::limits::POSTAL_TRIAL,
    )?;
    if trial.event != manifest.event {
        return Err(Failure::new(
            "E-POSTAL-TRIAL",
            format!("{} belongs to another event", trial_path.display()),
            None,
        ));
    }
    let entries = postal::load_count_entries(&a.entries, &manifest)?;
    let explanations = match &a.explanations {
        Some(p) => postal::load_explanations(p, &manifest)?,
        None => Vec::new(),
    };
    let out = dir.postal_count();
    super::refuse_existing(&[&out], a.force)?;
    let file_name = a.entries.display().to_string();
    let mut counts = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    for r in manifest.referendums() {
        let approved = trial
            .referendums
            .iter()
            .find(|f| f.referendum == r.id)
            .map_or(0, |f| f.approved);
        let own: Vec<_> = entries
            .iter()
            .filter(|e| e.referendum == r.id)
            .cloned()
            .collect();
        match postal::reconcile(r, &own, &explanations, approved, &file_name)? {
            Ok(c) => counts.push(c),
            Err(p) => pending.push(p),
        }
    }
    if let Some(first) = pending.first() {
        let rest: Vec<String> = pending[1..].iter().map(|p| p.to_string()).collect();
        return Err(Failure {
            code: first.code(),
            message: format!("the count is not settled: {first}"),
            hint: Some(if rest.is_empty() {
                first.hint().unwrap_or_default()
            } else {
                format!("also: {}", rest.join("; "))
            }),
        });
    }
    let mut inputs = vec![input_hash(&trial_path)?, input_hash(&a.entries)?];
    if let Some(p) = &a.explanations {
        inputs.push(input_hash(p)?);
    }
    let file = CountFile {
        format: COUNT_FORMAT.into(),
        event: manifest.event.clone(),
        reconciled_at: now(),
        inputs,
        referendums: counts,
    };
    write_json(&out, &file, a.force)?;
    let mut read = vec![trial_path, a.entries.clone()];
    read.extend(a.explanations.clone());
    super::log_step(
        dir,
        "postal-count",
        &["counting pairs".to_string()],
        &read,
        std::slice::from_ref(&out),
        "postal count rounds reconciled",
    )?;
    for c in &file.referendums {
        let figs: Vec<String> = c
            .categories
            .iter()
            .zip(&c.figures)
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let settled = match c.settled {
            postal::Settled::Agreed => tr!("postal-settled-agreed"),
            postal::Settled::Recounted => tr!("postal-settled-recounted"),
            postal::Settled::Explained => tr!("postal-settled-explained"),
            postal::Settled::NoBallots => tr!("postal-settled-no_ballots"),
        };
        outln!(
            "{}",
            tr!(
                "postal-count-figures",
                referendum = &c.referendum,
                ballots = progress::figure(c.ballots),
                rounds = c.rounds.len(),
                settled = settled,
                figures = figs.join(", "),
                deviation = c
                    .deviation
                    .map(|d| tr!("postal-count-deviation", d = format!("{d:+}")))
                    .unwrap_or_default()
            )
        );
    }
    outln!(
        "{}",
        tr!("postal-written", file = out.display().to_string())
    );
    super::count::print_event_fingerprint(dir);
    Ok(())
}
