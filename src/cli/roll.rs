//! `urne roll pseudonymize`: the roll under pseudonyms, from the register.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use urne::keys::pseudonym::{Pseudonymizer, PSEUDONYM_KEY_KIND};
use urne::keys::seal::{self, SealHeader};

use super::ceremony::{kdf_params, passphrase_for, read_sealed};
use super::{refuse_existing, CliResult, EventDir, Failure, PassphraseArgs};
use crate::cli::prompt;

#[derive(Subcommand, Debug)]
pub enum RollCommand {
    /// Turn the register's national ids into pseudonyms: writes roll.csv.
    #[command(after_help = crate::cli::help::ex::ROLL)]
    Pseudonymize(PseudonymizeArgs),
}

#[derive(Args, Debug)]
pub struct PseudonymizeArgs {
    /// The register extract (CSV: national_id,referendum). Personal data: it
    /// stays with the authority. `-` reads it from standard input, so that
    /// it need not be written to a file (`urne help stdin`).
    #[arg(long, value_name = "FILE")]
    pub register: PathBuf,
    /// The sealed pseudonym key (default DIR/pseudonym-key.sealed).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Make a new pseudonym key (once per event, before the roll is used).
    #[arg(long)]
    pub new_key: bool,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Replace an existing roll (and key, with --new-key).
    #[arg(long)]
    pub force: bool,
    /// INSECURE, for test suites and benchmarks only: seals a new pseudonym key with a
    /// fast, weak passphrase hash (Argon2id, 8 KiB, one pass) that makes
    /// the passphrase cheap to guess. NEVER for a real election; see `urne
    /// help testing`.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
}

fn key_path(dir: &EventDir, given: &Option<PathBuf>) -> PathBuf {
    given
        .clone()
        .unwrap_or_else(|| dir.path("pseudonym-key.sealed"))
}

/// Opens the authority's sealed pseudonym key.
pub fn open_pseudonymizer(
    path: &Path,
    event: &str,
    passphrases: &PassphraseArgs,
) -> CliResult<Pseudonymizer> {
    let sealed = read_sealed(path)?;
    if sealed.kind != PSEUDONYM_KEY_KIND {
        return Err(Failure::new(
            "E-PSEUDONYM-KEY",
            format!(
                "{} is a {} file, not a pseudonym key",
                path.display(),
                sealed.kind
            ),
            None,
        ));
    }
    let p = passphrase_for(
        passphrases,
        0,
        &format!("Passphrase for the pseudonym key {}: ", path.display()),
    )?;
    let key = seal::open(&sealed, &p).map_err(|e| {
        let f: Failure = e.into();
        Failure {
            message: format!("{}: {}", path.display(), f.message),
            ..f
        }
    })?;
    Pseudonymizer::new(&key, event).ok_or_else(|| {
        Failure::new(
            "E-PSEUDONYM-KEY",
            format!("{} does not hold a 32-byte key", path.display()),
            None,
        )
    })
}

pub fn run(dir: &EventDir, c: RollCommand) -> CliResult {
    let RollCommand::Pseudonymize(a) = c;
    let (manifest, _) = super::load_manifest(dir)?;
    let kp = key_path(dir, &a.key);
    let out = dir.roll();
    refuse_existing(&[&out], a.force)?;
    let pz = if a.new_key {
        refuse_existing(&[&kp], a.force)?;
        let passphrase = match a.passphrases.passphrase_files.first() {
            Some(f) => prompt::read_passphrase_file(f)?,
            None => prompt::read_new_passphrase("the pseudonym key")?,
        };
        let key = Pseudonymizer::generate_key().ok_or_else(|| {
            Failure::new("E-INTERNAL", "the system random generator failed", None)
        })?;
        let sealed = seal::seal(
            &key,
            &passphrase,
            SealHeader {
                kind: PSEUDONYM_KEY_KIND.into(),
                owner: "election authority".into(),
                fingerprint: String::new(),
                index: 0,
            },
            kdf_params(a.insecure_fast_kdf),
        )?;
        urne::fsio::write_atomic(
            &kp,
            sealed.to_json().as_bytes(),
            a.force,
            urne::fsio::Visibility::Secret,
        )?;
        Pseudonymizer::new(&key, &manifest.event)
            .ok_or_else(|| Failure::new("E-INTERNAL", "bad key length", None))?
    } else {
        open_pseudonymizer(&kp, &manifest.event, &a.passphrases)?
    };
    let file = super::input_name(&a.register);
    let text = super::read_input(&a.register)?;
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let bad = |line: u64, detail: String| {
        Failure::new(
            "E-ROLL-SYNTAX",
            format!("{file}, line {line}: {detail}"),
            Some(urne::input_hints::CSV_HINT),
        )
    };
    let headers = csv.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    if headers.iter().collect::<Vec<_>>() != ["national_id", "referendum"] {
        return Err(bad(
            1,
            urne::input_hints::csv_header_problem(headers.iter(), &["national_id", "referendum"]),
        ));
    }
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut entries = Vec::new();
    for rec in csv.records() {
        let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let (id, r) = (&rec[0], &rec[1]);
        if id.is_empty() {
            return Err(bad(line, "the national id is empty".into()));
        }
        let p = pz.pseudonym(id);
        if let Some(other) = seen.get(&p) {
            if other != id {
                return Err(bad(
                    line,
                    "two national ids have the same pseudonym; make a new key with --new-key"
                        .into(),
                ));
            }
        }
        seen.insert(p.clone(), id.to_string());
        entries.push((p, r.to_string()));
    }
    let roll = urne::event::Roll::from_entries(&manifest, entries.clone())?;
    // Sorted by referendum, then pseudonym: the register's order (which may
    // follow addresses or birth dates) does not leak into the roll.
    entries.sort_by(|x, y| (&x.1, &x.0).cmp(&(&y.1, &y.0)));
    let mut csv_out = String::from("voter_id,referendum\n");
    for (v, r) in &entries {
        csv_out.push_str(&format!("{v},{r}\n"));
    }
    urne::fsio::write_atomic(
        &out,
        csv_out.as_bytes(),
        a.force,
        urne::fsio::Visibility::Public,
    )?;
    super::log_step(
        dir,
        "roll-pseudonymize",
        &["election authority".to_string()],
        &[],
        std::slice::from_ref(&out),
        "roll written under pseudonyms",
    )?;
    println!(
        "{} written: {} entries under pseudonyms. The register and {} stay with the authority.",
        out.display(),
        roll.entitled_total(),
        kp.display()
    );
    Ok(())
}
