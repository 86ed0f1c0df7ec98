//! The unlock ceremony: `urne unlock`, and the same split over machines,
//! `urne partial-decrypt` and `urne combine`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Args;
use rand::rngs::OsRng;

use urne::error::Explain;
use urne::event::{Manifest, Roll};
use urne::keys::ElectionKey;
use urne::tally::{
    self, BoxCount, CountInputs, InputHash, PartialDecryption, Rejection, TallyFile,
};

use urne::crypto::shamir::SecretShare;
use urne::keys::seal::SealedFile;

use super::ceremony::{passphrase_for, read_sealed};
use super::out::outln;
use super::progress::{Progress, Unit};
use super::say::tr;
use super::{now, refuse_existing, CliResult, EventDir, Failure, PassphraseArgs};

/// How many times a keyholder may type their passphrase at the terminal.
const TRIES: u32 = 3;

#[derive(Args, Debug)]
pub struct UnlockArgs {
    /// A keyholder's sealed share file; give one per keyholder present.
    #[arg(long = "share", value_name = "FILE", required = true)]
    pub shares: Vec<PathBuf>,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Where to write the tally (default DIR/tally.json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing tally, marked roll or partial decryption.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PartialArgs {
    /// This keyholder's sealed share file.
    #[arg(long, value_name = "FILE")]
    pub share: PathBuf,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Where to write it (default DIR/partials/keyholder-N.json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct CombineArgs {
    /// Partial decryption files (default: every file in DIR/partials/).
    #[arg(long = "partial", value_name = "FILE")]
    pub partials: Vec<PathBuf>,
    /// Where to write the tally (default DIR/tally.json).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing tally or marked roll.
    #[arg(long)]
    pub force: bool,
}

struct Counted {
    manifest: Manifest,
    roll: Roll,
    key: ElectionKey,
    count: BoxCount,
    inputs: Vec<InputHash>,
    /// What was read, for the ceremony log.
    read: ReadFiles,
}

/// The files a count read, each with the SHA-256 of the bytes it was parsed
/// from (not of the file read again afterwards: what is recorded is what was
/// counted, and a national box or roll is read once).
struct ReadFiles {
    manifest: (PathBuf, String),
    roll: (PathBuf, String),
    key: (PathBuf, String),
    ballot_box: (PathBuf, String),
}

impl ReadFiles {
    /// Manifest, roll, election key and box: what unlock and combine read.
    fn all(&self) -> Vec<(PathBuf, String)> {
        vec![
            self.manifest.clone(),
            self.roll.clone(),
            self.key.clone(),
            self.ballot_box.clone(),
        ]
    }

    /// The election key and the box: what a keyholder's partial decryption
    /// depends on.
    fn key_and_box(&self) -> Vec<(PathBuf, String)> {
        vec![self.key.clone(), self.ballot_box.clone()]
    }
}

/// Loads everything and counts the sealed box: chain, seal, every proof, the
/// counting rules and the encrypted sums.
fn count_box(dir: &EventDir) -> CliResult<Counted> {
    let (manifest, sha) = super::load_manifest(dir)?;
    let (roll, roll_sha) = super::load_roll_shown(dir, &manifest)?;
    let (key, key_sha) = super::load_key_hashed(dir)?;
    super::check_key_matches(&key, &sha, dir)?;
    let box_path = dir.ballot_box();
    let credentials = super::credentials::load_list(dir, &manifest, &key.fingerprint, &roll)?;
    let inputs = CountInputs {
        manifest: &manifest,
        roll: &roll,
        key: &key,
        credentials: credentials.as_ref(),
    };
    let progress = Progress::counting(
        &tr!("unlock-checking-box"),
        Unit::BALLOTS,
        super::progress::box_ballots_hint(&box_path),
    );
    let count = tally::count_box(&box_path, &inputs, &|n| progress.set(n))?;
    progress.set(count.ballots);
    progress.finish(&tr!("unlock-box-checked"));
    for line in invalid_lines(&count.invalid_examples) {
        eprintln!("{line}");
    }
    let read = ReadFiles {
        manifest: (dir.manifest(), sha.hex()),
        roll: (dir.roll(), roll_sha),
        key: (dir.election_key(), key_sha),
        ballot_box: (box_path, count.sha256.hex()),
    };
    let mut inputs: Vec<InputHash> = [
        ("manifest.toml", &read.manifest),
        ("roll.csv", &read.roll),
        ("election-key.json", &read.key),
        ("box.jsonl", &read.ballot_box),
    ]
    .into_iter()
    .map(|(name, (_, sha256))| InputHash {
        name: name.into(),
        sha256: sha256.clone(),
    })
    .collect();
    if let Some(list) = &credentials {
        // The hash of the bytes the list was read and checked from, not of
        // the file read again.
        inputs.push(InputHash {
            name: super::credentials::LIST_FILE.into(),
            sha256: list.sha256.hex(),
        });
    }
    Ok(Counted {
        manifest,
        roll,
        key,
        count,
        inputs,
        read,
    })
}

fn write_results(
    dir: &EventDir,
    c: Counted,
    combined: tally::Combined,
    mut inputs: Vec<InputHash>,
    out: &Path,
    force: bool,
    who: &[String],
) -> CliResult {
    let mut all_inputs = c.inputs.clone();
    all_inputs.append(&mut inputs);
    let marked_path = dir.marked_roll();
    let t = TallyFile::new(
        &c.manifest,
        &c.roll,
        &c.key,
        &c.count,
        combined,
        all_inputs,
        now(),
    );
    urne::fsio::write_atomic(
        out,
        t.to_json().as_bytes(),
        force,
        urne::fsio::Visibility::Public,
    )?;
    urne::fsio::write_atomic_with(&marked_path, force, urne::fsio::Visibility::Public, |w| {
        c.count.marked.write_csv(w)
    })?;
    super::log_step_hashed(
        dir,
        "unlock",
        who,
        &c.read.all(),
        &[out.to_path_buf(), marked_path.clone()],
        &format!(
            "{} ballots counted; keyholders {:?} decrypted",
            c.count.ballots, t.keyholders_used
        ),
    )?;
    print_tally(&t, &c.manifest);
    outln!();
    outln!("{}", tr!("tally-written", file = out.display().to_string()));
    outln!(
        "{}",
        tr!(
            "tally-marked-roll",
            file = marked_path.display().to_string()
        )
    );
    print_fingerprint(&c.key);
    Ok(())
}

/// Lines naming the first box lines whose proofs fail, and those whose
/// credential signature fails, one line for each (the count keeps up to 100
/// of both, in box order), so that keyholders and observers can look at
/// them; the tally gives only their number. Empty if every proof and
/// signature held.
fn invalid_lines(examples: &[(u64, Rejection)]) -> Vec<String> {
    [
        (Rejection::InvalidProof, "unlock-invalid-lines"),
        (Rejection::BadCredential, "unlock-bad-credential-lines"),
    ]
    .into_iter()
    .filter_map(|(why, message)| {
        let lines: Vec<u64> = examples
            .iter()
            .filter(|(_, w)| *w == why)
            .map(|(line, _)| *line)
            .collect();
        let shown: Vec<String> = lines.iter().take(10).map(u64::to_string).collect();
        if shown.is_empty() {
            return None;
        }
        let more = if lines.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        Some(super::say::t(
            message,
            &[
                ("code", urne::i18n::Arg::from(why.code())),
                (
                    "lines",
                    urne::i18n::Arg::from(format!("{}{more}", shown.join(", "))),
                ),
            ],
        ))
    })
    .collect()
}

/// Prints the result per referendum.
pub fn print_tally(t: &TallyFile, manifest: &Manifest) {
    for (r, m) in t.referendums.iter().zip(manifest.referendums()) {
        let counted = r.evotes.counted;
        outln!();
        outln!("{} — {}", r.id, m.question);
        outln!(
            "  {}",
            tr!(
                "tally-evotes",
                received = int(r.evotes.received),
                counted = int(counted),
                superseded = int(r.evotes.superseded),
                rejected = int(r.evotes.rejected_total())
            )
        );
        for (reason, n) in &r.evotes.rejected {
            if *n > 0 {
                let code = Rejection::from_name(reason).map_or("", |why| why.code());
                outln!(
                    "    {}",
                    tr!(
                        "tally-rejected",
                        reason = reason_text(reason),
                        code = code,
                        n = int(*n)
                    )
                );
            }
        }
        for o in &r.results {
            let pct = if counted > 0 {
                100.0 * o.votes as f64 / counted as f64
            } else {
                0.0
            };
            let share = urne::i18n::percent(super::say::lang(), &format!("{pct:.1}"));
            outln!("  {:<10} {:>9}  {:>7}", o.option, int(o.votes), share);
        }
    }
    for s in &t.set_aside {
        outln!(
            "{}",
            tr!(
                "tally-set-aside",
                index = s.keyholder,
                source = &s.source,
                reason = &s.reason
            )
        );
    }
}

/// A figure for people, as the event's language groups digits.
fn int(n: u64) -> String {
    super::say::int(n)
}

/// A rejection reason as people read it (the protocol's words), or its name
/// as the files write it if the language has no text for it.
fn reason_text(reason: &str) -> String {
    let id = format!("reason-{reason}");
    if urne::i18n::has(super::say::lang(), &id) {
        super::say::t(&id, &[])
    } else {
        reason.to_string()
    }
}

/// The short election fingerprint every ceremony step shows (README, "Key
/// ceremony"), for the keyholders and observers to compare aloud.
pub fn print_fingerprint(key: &ElectionKey) {
    outln!();
    outln!(
        "{}",
        tr!(
            "fingerprint",
            fp = urne::keys::short_fingerprint(&key.fingerprint)
        )
    );
    outln!("{}", tr!("fingerprint-compare-ceremony"));
}

/// The short election fingerprint, for a ceremony step that does not use
/// the key itself (box close, postal trial and count, protocol signing,
/// publish): shown if the event directory has a readable election key.
pub fn print_event_fingerprint(dir: &EventDir) {
    if let Ok(key) = super::load_key(dir) {
        outln!(
            "{}",
            tr!(
                "fingerprint",
                fp = urne::keys::short_fingerprint(&key.fingerprint)
            )
        );
    }
}

/// What a ceremony step says before anyone types: the event, how many
/// keyholders are needed, and the fingerprint to compare.
fn banner(id: &str, key: &ElectionKey) {
    let args = [
        ("event", key.file.event.clone().into()),
        ("threshold", key.threshold().into()),
        ("keyholders", key.file.keyholders.len().into()),
    ];
    eprintln!("{}", super::say::t(id, &args));
    eprintln!(
        "{}",
        tr!(
            "fingerprint",
            fp = urne::keys::short_fingerprint(&key.fingerprint)
        )
    );
}

/// A keyholder's share, opened and checked against their verification key.
struct Opened {
    path: PathBuf,
    share: SecretShare,
    name: String,
}

/// Asks every keyholder for their passphrase and opens their share, before
/// the box is read: three tries each at the terminal, one from a
/// `--passphrase-file`. A keyholder whose share does not open is named and
/// left out; if fewer than `needed` shares can still be opened, it stops with
/// the first keyholder's failure.
fn open_shares(
    key: &ElectionKey,
    paths: &[PathBuf],
    sealed: Vec<Option<SealedFile>>,
    passphrases: &PassphraseArgs,
    needed: usize,
) -> CliResult<Vec<Opened>> {
    // Echo stays off from the first prompt until every share is open: what
    // a keyholder types while another's share is being opened is not shown.
    let _quiet = crate::cli::prompt::hold_quiet();
    let mut opened = Vec::new();
    let mut first_failure: Option<Failure> = None;
    let mut missing: Vec<String> = Vec::new();
    let mut fail = |who: String, why: String, f: Failure, first: &mut Option<Failure>| {
        eprintln!("{}", tr!("unlock-left-out", who = &who, why = why));
        missing.push(who);
        if first.is_none() {
            *first = Some(f);
        }
    };
    let given = paths.len();
    for (pos, (path, sealed)) in paths.iter().zip(sealed).enumerate() {
        // Stop asking as soon as the threshold cannot be reached.
        if opened.len() + (given - pos) < needed {
            break;
        }
        let file = path.display().to_string();
        let sealed = match sealed {
            Some(s) => s,
            None => match read_sealed(path) {
                Ok(s) => s,
                Err(f) => {
                    let why = format!("[{}] {}", f.code, f.message);
                    fail(file.clone(), why, f, &mut first_failure);
                    continue;
                }
            },
        };
        let index = sealed.index;
        let name = key
            .keyholder_name(index)
            .map(String::from)
            .unwrap_or_else(|| format!("{index}"));
        let who = tr!("keyholder", index = index, name = &name);
        let from_file = passphrases.passphrase_files.get(pos).is_some();
        let mut tried = 0;
        loop {
            tried += 1;
            let prompt = format!(
                "{} ",
                tr!(
                    "passphrase-prompt",
                    index = index,
                    name = &name,
                    file = &file
                )
            );
            let p = passphrase_for(passphrases, pos, &prompt)?;
            let progress = Progress::step(&tr!("unlock-opening", index = index, name = &name));
            match key.open_share(&sealed, &p, &file) {
                Ok(share) => {
                    progress.finish(&tr!("unlock-opened", index = index, name = &name));
                    opened.push(Opened {
                        path: path.clone(),
                        share,
                        name: name.clone(),
                    });
                    break;
                }
                Err(urne::keys::KeyError::WrongPassphrase { .. })
                    if !from_file && tried < TRIES =>
                {
                    progress.clear();
                    eprintln!(
                        "{}",
                        tr!(
                            "passphrase-wrong-try-again",
                            file = &file,
                            left = TRIES - tried
                        )
                    );
                }
                Err(e) => {
                    progress.clear();
                    let why = match &e {
                        urne::keys::KeyError::WrongPassphrase { .. } => {
                            format!("{} [{}]", tr!("passphrase-failed", tries = tried), e.code())
                        }
                        other => format!("[{}] {other}", other.code()),
                    };
                    fail(who.clone(), why, e.into(), &mut first_failure);
                    break;
                }
            }
        }
    }
    let too_few = || {
        tr!(
            "unlock-too-few",
            opened = opened.len(),
            needed = needed,
            given = given
        )
    };
    if opened.len() >= needed {
        if first_failure.is_some() {
            eprintln!(
                "{}",
                tr!(
                    "unlock-going-on",
                    opened = opened.len(),
                    needed = needed,
                    missing = missing.join(", ")
                )
            );
        }
        return Ok(opened);
    }
    let why = too_few();
    let f = first_failure.unwrap_or_else(|| Failure::new("E-TOO-FEW-SHARES", why.clone(), None));
    Err(Failure {
        hint: Some(match f.hint {
            Some(h) => format!("{h}; {why}"),
            None => why,
        }),
        ..f
    })
}

/// Each keyholder's partial decryption of the box's sums, with progress.
fn decrypt_with(c: &Counted, share: &SecretShare, name: &str) -> PartialDecryption {
    let progress = Progress::step(&tr!("unlock-decrypting", name = name));
    let p = tally::partial_decrypt(&c.key, &c.manifest, &c.count, share, now(), &mut OsRng);
    progress.finish(&tr!("unlock-decrypted", name = name));
    p
}

/// Combines the partial decryptions (Lagrange) and finds the counts (the
/// bounded discrete log), with progress.
fn combine_partials(
    c: &Counted,
    partials: Vec<(String, PartialDecryption)>,
) -> CliResult<tally::Combined> {
    let progress = Progress::step(&tr!("unlock-combining"));
    match tally::combine(&c.key, &c.manifest, &c.count, partials) {
        Ok(combined) => {
            progress.finish(&tr!("unlock-combined"));
            Ok(combined)
        }
        Err(e) => {
            progress.clear();
            Err(e.into())
        }
    }
}

pub fn unlock(dir: &EventDir, a: UnlockArgs) -> CliResult {
    let out = a.out.clone().unwrap_or_else(|| dir.tally());
    refuse_existing(&[&out, &dir.marked_roll()], a.force)?;
    let (_, manifest_sha) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &manifest_sha, dir)?;
    // Before anyone types a passphrase: enough shares, each keyholder once.
    // A share file that cannot be read leaves its keyholder out, below.
    let mut seen = BTreeSet::new();
    let mut sealed = Vec::new();
    for p in &a.shares {
        let s = read_sealed(p).ok();
        if let Some(s) = &s {
            if !seen.insert(s.index) {
                return Err(urne::keys::KeyError::DuplicateShare {
                    file: p.display().to_string(),
                    index: s.index,
                }
                .into());
            }
        }
        sealed.push(s);
    }
    if a.shares.len() < key.threshold() {
        return Err(Failure::new(
            "E-TOO-FEW-SHARES",
            format!(
                "{} share file(s) given, but {} keyholders are needed to unlock",
                a.shares.len(),
                key.threshold()
            ),
            Some("each keyholder present gives their share with --share"),
        ));
    }
    banner("unlock-banner", &key);
    let shares = open_shares(&key, &a.shares, sealed, &a.passphrases, key.threshold())?;
    let c = count_box(dir)?;
    let mut partials = Vec::new();
    let mut who = Vec::new();
    for o in shares {
        let p = decrypt_with(&c, &o.share, &o.name);
        drop(o.share);
        partials.push((o.path.display().to_string(), p));
        who.push(o.name);
    }
    let combined = combine_partials(&c, partials)?;
    write_results(dir, c, combined, Vec::new(), &out, a.force, &who)
}

pub fn partial_decrypt(dir: &EventDir, a: PartialArgs) -> CliResult {
    let (_, manifest_sha) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &manifest_sha, dir)?;
    let sealed = read_sealed(&a.share)?;
    let out = a.out.clone().unwrap_or_else(|| dir.partial(sealed.index));
    refuse_existing(&[&out], a.force)?;
    banner("partial-banner", &key);
    let mut opened = open_shares(
        &key,
        std::slice::from_ref(&a.share),
        vec![Some(sealed)],
        &a.passphrases,
        1,
    )?;
    let Opened { share, name, .. } = opened.remove(0);
    let c = count_box(dir)?;
    let p = decrypt_with(&c, &share, &name);
    drop(share);
    let mut json = serde_json::to_string_pretty(&p).unwrap_or_default();
    json.push('\n');
    urne::fsio::write_atomic(
        &out,
        json.as_bytes(),
        a.force,
        urne::fsio::Visibility::Public,
    )?;
    super::log_step_hashed(
        dir,
        "partial-decryption",
        std::slice::from_ref(&p.name),
        &c.read.key_and_box(),
        std::slice::from_ref(&out),
        &format!("keyholder {} decrypted the box's sums", p.keyholder),
    )?;
    outln!(
        "{}",
        tr!(
            "partial-written",
            index = p.keyholder,
            name = &p.name,
            file = out.display().to_string()
        )
    );
    outln!("{}", tr!("partial-hand-over"));
    print_fingerprint(&c.key);
    Ok(())
}

pub fn combine(dir: &EventDir, a: CombineArgs) -> CliResult {
    let out = a.out.clone().unwrap_or_else(|| dir.tally());
    refuse_existing(&[&out, &dir.marked_roll()], a.force)?;
    banner("combine-banner", &super::load_key(dir)?);
    let files = if a.partials.is_empty() {
        let pdir = dir.path("partials");
        let mut v: Vec<PathBuf> = std::fs::read_dir(&pdir)
            .map_err(|e| Failure::new("E-FILE-READ", format!("{}: {e}", pdir.display()), None))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort();
        v
    } else {
        a.partials.clone()
    };
    let mut partials: Vec<(String, PartialDecryption)> = Vec::new();
    let mut hashes = Vec::new();
    for f in &files {
        let what = "a partial decryption";
        let text = urne::fsio::read_to_string_limited(f, urne::limits::JSON_FILE_BYTES, what)?;
        let name = f.display().to_string();
        partials.push((name.clone(), tally::parse_partial(&text, &name)?));
        // The hash of the text parsed, not of the file read again.
        hashes.push(InputHash {
            name: f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: urne::fsio::sha256_hex(text.as_bytes()),
        });
    }
    let c = count_box(dir)?;
    let who: Vec<String> = partials.iter().map(|(_, p)| p.name.clone()).collect();
    let combined = combine_partials(&c, partials)?;
    write_results(dir, c, combined, hashes, &out, a.force, &who)
}
