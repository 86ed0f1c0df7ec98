//! The unlock ceremony: `urne unlock`, and the same split over machines,
//! `urne partial-decrypt` and `urne combine`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Args;
use rand::rngs::OsRng;

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
use super::{now, refuse_existing, CliResult, EventDir, Failure, PassphraseArgs};

/// What the unlock ceremony says, in one place (for the translation to come).
mod msg {
    pub const CHECKING_BOX: &str = "Checking the ballot box";
    pub const BOX_CHECKED: &str = "Ballot box checked: chain, seal and every proof";
    pub const TRIES: u32 = 3;
    pub fn prompt(index: u32, name: &str, file: &str) -> String {
        format!("Keyholder {index} ({name}), passphrase for {file}: ")
    }
    pub fn opening(index: u32, name: &str) -> String {
        format!("Opening keyholder {index}'s share ({name})")
    }
    pub fn opened(index: u32, name: &str) -> String {
        format!(
            "Keyholder {index} ({name}): share opened and checked against their verification key"
        )
    }
    pub fn try_again(file: &str, tried: u32) -> String {
        let left = TRIES - tried;
        format!(
            "That passphrase does not open {file}. Try again ({left} {} left).",
            if left == 1 { "try" } else { "tries" }
        )
    }
    pub fn left_out(who: &str, why: &str) -> String {
        format!("{who} is left out of the unlock: {why}")
    }
    pub fn going_on(opened: usize, needed: usize) -> String {
        format!("{opened} keyholders' shares are open; {needed} are needed: the unlock goes on.")
    }
    pub fn too_few(opened: usize, needed: usize, given: usize) -> String {
        format!(
            "{opened} of the {given} shares given could be opened, but {needed} keyholders are needed; the box was not read"
        )
    }
}

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
}

fn input_hash(name: &str, path: &Path) -> CliResult<InputHash> {
    Ok(InputHash {
        name: name.into(),
        sha256: urne::fsio::sha256_file(path)?,
    })
}

/// Loads everything and counts the sealed box: chain, seal, every proof, the
/// counting rules and the encrypted sums.
fn count_box(dir: &EventDir) -> CliResult<Counted> {
    let (manifest, sha) = super::load_manifest(dir)?;
    let roll = super::load_roll(dir, &manifest)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &sha, dir)?;
    let box_path = dir.ballot_box();
    let inputs = CountInputs {
        manifest: &manifest,
        roll: &roll,
        key: &key,
    };
    let progress = Progress::counting(
        msg::CHECKING_BOX,
        Unit::BALLOTS,
        super::progress::box_ballots_hint(&box_path),
    );
    let count = tally::count_box(&box_path, &inputs, &|n| progress.set(n))?;
    progress.set(count.ballots);
    progress.finish(msg::BOX_CHECKED);
    if let Some(lines) = invalid_lines(&count.invalid_examples) {
        eprintln!("{lines}");
    }
    let inputs = vec![
        input_hash("manifest.toml", &dir.manifest())?,
        input_hash("roll.csv", &dir.roll())?,
        input_hash("election-key.json", &dir.election_key())?,
        input_hash("box.jsonl", &box_path)?,
    ];
    Ok(Counted {
        manifest,
        roll,
        key,
        count,
        inputs,
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
    super::log_step(
        dir,
        "unlock",
        who,
        &[
            dir.manifest(),
            dir.roll(),
            dir.election_key(),
            dir.ballot_box(),
        ],
        &[out.to_path_buf(), marked_path.clone()],
        &format!(
            "{} ballots counted; keyholders {:?} decrypted",
            c.count.ballots, t.keyholders_used
        ),
    )?;
    print_tally(&t, &c.manifest);
    outln!();
    outln!("Tally written to {}", out.display());
    outln!(
        "Marked roll (voters with a counted e-vote) written to {}",
        marked_path.display()
    );
    Ok(())
}

/// A line naming the first box lines whose proofs fail (the count keeps up
/// to 100, in box order), so that keyholders and observers can look at them;
/// the tally gives only their number. `None` if every proof held.
fn invalid_lines(examples: &[(u64, Rejection)]) -> Option<String> {
    let (_, why) = examples.first()?;
    let shown: Vec<String> = examples
        .iter()
        .take(10)
        .map(|(line, _)| line.to_string())
        .collect();
    let more = if examples.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    Some(format!(
        "Ballots whose proofs fail are rejected [{}]: box.jsonl line {}{more}.",
        why.code(),
        shown.join(", ")
    ))
}

/// Prints the result per referendum.
pub fn print_tally(t: &TallyFile, manifest: &Manifest) {
    for (r, m) in t.referendums.iter().zip(manifest.referendums()) {
        let counted = r.evotes.counted;
        outln!();
        outln!("{} — {}", r.id, m.question);
        outln!(
            "  e-votes received {}, counted {}, superseded {}, rejected {}",
            r.evotes.received,
            counted,
            r.evotes.superseded,
            r.evotes.rejected_total()
        );
        for (reason, n) in &r.evotes.rejected {
            if *n > 0 {
                match Rejection::from_name(reason) {
                    Some(why) => outln!("    rejected {reason} [{}]: {n}", why.code()),
                    None => outln!("    rejected {reason}: {n}"),
                }
            }
        }
        for o in &r.results {
            let pct = if counted > 0 {
                100.0 * o.votes as f64 / counted as f64
            } else {
                0.0
            };
            outln!("  {:<10} {:>9}  {:>5.1} %", o.option, o.votes, pct);
        }
    }
    for s in &t.set_aside {
        outln!(
            "Set aside: keyholder {}'s partial decryption ({}): {}",
            s.keyholder,
            s.source,
            s.reason
        );
    }
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
    let fail = |who: String, f: Failure, first: &mut Option<Failure>| {
        eprintln!("{}", msg::left_out(&who, &f.message));
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
                    fail(file.clone(), f, &mut first_failure);
                    continue;
                }
            },
        };
        let index = sealed.index;
        let name = key
            .keyholder_name(index)
            .map(String::from)
            .unwrap_or_else(|| format!("keyholder {index}"));
        let from_file = passphrases.passphrase_files.get(pos).is_some();
        let mut tried = 0;
        loop {
            tried += 1;
            let p = passphrase_for(passphrases, pos, &msg::prompt(index, &name, &file))?;
            let progress = Progress::step(&msg::opening(index, &name));
            match key.open_share(&sealed, &p, &file) {
                Ok(share) => {
                    progress.finish(&msg::opened(index, &name));
                    opened.push(Opened {
                        path: path.clone(),
                        share,
                        name: name.clone(),
                    });
                    break;
                }
                Err(urne::keys::KeyError::WrongPassphrase { .. })
                    if !from_file && tried < msg::TRIES =>
                {
                    progress.clear();
                    eprintln!("{}", msg::try_again(&file, tried));
                }
                Err(e) => {
                    progress.clear();
                    fail(
                        format!("Keyholder {index} ({name})"),
                        e.into(),
                        &mut first_failure,
                    );
                    break;
                }
            }
        }
    }
    if opened.len() >= needed {
        if first_failure.is_some() {
            eprintln!("{}", msg::going_on(opened.len(), needed));
        }
        return Ok(opened);
    }
    let f = first_failure.unwrap_or_else(|| {
        Failure::new(
            "E-TOO-FEW-SHARES",
            msg::too_few(opened.len(), needed, given),
            None,
        )
    });
    let why = msg::too_few(opened.len(), needed, given);
    Err(Failure {
        hint: Some(match f.hint {
            Some(h) => format!("{h}; {why}"),
            None => why,
        }),
        ..f
    })
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
    let shares = open_shares(&key, &a.shares, sealed, &a.passphrases, key.threshold())?;
    let c = count_box(dir)?;
    let mut partials = Vec::new();
    let mut who = Vec::new();
    for o in shares {
        let p = tally::partial_decrypt(&c.key, &c.manifest, &c.count, &o.share, now(), &mut OsRng);
        drop(o.share);
        partials.push((o.path.display().to_string(), p));
        who.push(o.name);
    }
    let combined = tally::combine(&c.key, &c.manifest, &c.count, partials)?;
    write_results(dir, c, combined, Vec::new(), &out, a.force, &who)
}

pub fn partial_decrypt(dir: &EventDir, a: PartialArgs) -> CliResult {
    let (_, manifest_sha) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &manifest_sha, dir)?;
    let sealed = read_sealed(&a.share)?;
    let out = a.out.clone().unwrap_or_else(|| dir.partial(sealed.index));
    refuse_existing(&[&out], a.force)?;
    let mut opened = open_shares(
        &key,
        std::slice::from_ref(&a.share),
        vec![Some(sealed)],
        &a.passphrases,
        1,
    )?;
    let share = opened.remove(0).share;
    let c = count_box(dir)?;
    let p = tally::partial_decrypt(&c.key, &c.manifest, &c.count, &share, now(), &mut OsRng);
    drop(share);
    let mut json = serde_json::to_string_pretty(&p).unwrap_or_default();
    json.push('\n');
    urne::fsio::write_atomic(
        &out,
        json.as_bytes(),
        a.force,
        urne::fsio::Visibility::Public,
    )?;
    super::log_step(
        dir,
        "partial-decryption",
        std::slice::from_ref(&p.name),
        &[dir.election_key(), dir.ballot_box()],
        std::slice::from_ref(&out),
        &format!("keyholder {} decrypted the box's sums", p.keyholder),
    )?;
    outln!(
        "Partial decryption of keyholder {} ({}) written to {}",
        p.keyholder,
        p.name,
        out.display()
    );
    outln!("Hand this file to the authority; it holds no secret.");
    Ok(())
}

pub fn combine(dir: &EventDir, a: CombineArgs) -> CliResult {
    let out = a.out.clone().unwrap_or_else(|| dir.tally());
    refuse_existing(&[&out, &dir.marked_roll()], a.force)?;
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
        hashes.push(input_hash(
            &f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            f,
        )?);
    }
    let c = count_box(dir)?;
    let who: Vec<String> = partials.iter().map(|(_, p)| p.name.clone()).collect();
    let combined = tally::combine(&c.key, &c.manifest, &c.count, partials)?;
    write_results(dir, c, combined, hashes, &out, a.force, &who)
}
