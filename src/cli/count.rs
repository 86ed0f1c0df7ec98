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

use super::ceremony::{open_share_interactive, read_sealed};
use super::{now, refuse_existing, CliResult, EventDir, Failure, PassphraseArgs};

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
    eprintln!("Checking the ballot box {} …", box_path.display());
    let inputs = CountInputs {
        manifest: &manifest,
        roll: &roll,
        key: &key,
    };
    let count = tally::count_box(&box_path, &inputs, &|_| {})?;
    eprintln!(
        "The box holds {} ballots; its chain, seal and proofs are checked.",
        count.ballots
    );
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
    urne::fsio::write_atomic(out, t.to_json().as_bytes(), force)?;
    urne::fsio::write_atomic_with(&marked_path, force, |w| c.count.marked.write_csv(w))?;
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
    println!();
    println!("Tally written to {}", out.display());
    println!(
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
        println!();
        println!("{} — {}", r.id, m.question);
        println!(
            "  e-votes received {}, counted {}, superseded {}, rejected {}",
            r.evotes.received,
            counted,
            r.evotes.superseded,
            r.evotes.rejected_total()
        );
        for (reason, n) in &r.evotes.rejected {
            if *n > 0 {
                match Rejection::from_name(reason) {
                    Some(why) => println!("    rejected {reason} [{}]: {n}", why.code()),
                    None => println!("    rejected {reason}: {n}"),
                }
            }
        }
        for o in &r.results {
            let pct = if counted > 0 {
                100.0 * o.votes as f64 / counted as f64
            } else {
                0.0
            };
            println!("  {:<10} {:>9}  {:>5.1} %", o.option, o.votes, pct);
        }
    }
    for s in &t.set_aside {
        println!(
            "Set aside: keyholder {}'s partial decryption ({}): {}",
            s.keyholder, s.source, s.reason
        );
    }
}

pub fn unlock(dir: &EventDir, a: UnlockArgs) -> CliResult {
    let out = a.out.clone().unwrap_or_else(|| dir.tally());
    refuse_existing(&[&out, &dir.marked_roll()], a.force)?;
    let key = super::load_key(dir)?;
    // Before anyone types a passphrase: enough shares, each keyholder once.
    let mut seen = BTreeSet::new();
    for p in &a.shares {
        let sealed = read_sealed(p)?;
        if !seen.insert(sealed.index) {
            return Err(urne::keys::KeyError::DuplicateShare {
                file: p.display().to_string(),
                index: sealed.index,
            }
            .into());
        }
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
    let c = count_box(dir)?;
    let mut partials = Vec::new();
    let mut who = Vec::new();
    for (pos, path) in a.shares.iter().enumerate() {
        let share = open_share_interactive(&c.key, path, &a.passphrases, pos)?;
        let name = c
            .key
            .keyholder_name(share.index())
            .unwrap_or("")
            .to_string();
        eprintln!(
            "Keyholder {} ({name}): share checked against their verification key.",
            share.index()
        );
        let p = tally::partial_decrypt(&c.key, &c.manifest, &c.count, &share, now(), &mut OsRng);
        drop(share);
        partials.push((path.display().to_string(), p));
        who.push(name);
    }
    let combined = tally::combine(&c.key, &c.manifest, &c.count, partials)?;
    write_results(dir, c, combined, Vec::new(), &out, a.force, &who)
}

pub fn partial_decrypt(dir: &EventDir, a: PartialArgs) -> CliResult {
    let key = super::load_key(dir)?;
    let sealed = read_sealed(&a.share)?;
    let out = a.out.clone().unwrap_or_else(|| dir.partial(sealed.index));
    refuse_existing(&[&out], a.force)?;
    drop(key);
    let c = count_box(dir)?;
    let share = open_share_interactive(&c.key, &a.share, &a.passphrases, 0)?;
    let p = tally::partial_decrypt(&c.key, &c.manifest, &c.count, &share, now(), &mut OsRng);
    drop(share);
    let mut json = serde_json::to_string_pretty(&p).unwrap_or_default();
    json.push('\n');
    urne::fsio::write_atomic(&out, json.as_bytes(), a.force)?;
    super::log_step(
        dir,
        "partial-decryption",
        std::slice::from_ref(&p.name),
        &[dir.election_key(), dir.ballot_box()],
        std::slice::from_ref(&out),
        &format!("keyholder {} decrypted the box's sums", p.keyholder),
    )?;
    println!(
        "Partial decryption of keyholder {} ({}) written to {}",
        p.keyholder,
        p.name,
        out.display()
    );
    println!("Hand this file to the authority; it holds no secret.");
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
        let text = urne::fsio::read_to_string(f)?;
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
