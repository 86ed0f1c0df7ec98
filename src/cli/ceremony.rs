//! The rehearsal key ceremony on one machine (`urne keygen`) and the key test
//! (`urne key test`). The ceremony without a dealer is in [`super::dkg`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rand::rngs::OsRng;

use urne::keys::passphrase::Passphrase;
use urne::keys::seal::{KdfParams, SealedFile};
use urne::keys::{self, short_fingerprint, ElectionKey};

use super::{now, CliResult, EventDir, Failure, PassphraseArgs};
use crate::cli::out::outln;
use crate::cli::prompt;
use crate::cli::say::tr;

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Where to write every sealed share file (default: DIR/shares, or, at a
    /// terminal, the medium asked of each keyholder in turn).
    #[arg(long, value_name = "DIR")]
    pub shares_dir: Option<PathBuf>,
    /// Keyholder N's own medium (give it once per keyholder, in order): their
    /// share is written there as keyholder-N.share.
    #[arg(long = "medium", value_name = "DIR", conflicts_with = "shares_dir")]
    pub media: Vec<PathBuf>,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Replace an existing election key and share files.
    #[arg(long)]
    pub force: bool,
    /// INSECURE, for test suites and benchmarks only: seals the new shares with a
    /// fast, weak passphrase hash (Argon2id, 8 KiB, one pass) that makes
    /// the passphrase cheap to guess. NEVER for a real election; see `urne
    /// help testing`.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Prove, before voting opens, that a share file and its passphrase work.
    #[command(after_help = crate::cli::help::ex::KEY_TEST)]
    Test(KeyTestArgs),
}

#[derive(Args, Debug)]
pub struct KeyTestArgs {
    /// The keyholder's sealed share file.
    #[arg(long, value_name = "FILE")]
    pub share: PathBuf,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Replace an earlier key test record of this keyholder.
    #[arg(long)]
    pub force: bool,
}

/// The passphrase for a keyholder: from the i-th `--passphrase-file`, or typed.
pub fn passphrase_for(
    args: &PassphraseArgs,
    position: usize,
    prompt_text: &str,
) -> CliResult<Passphrase> {
    match args.passphrase_files.get(position) {
        Some(f) => Ok(prompt::read_passphrase_file(f)?),
        None => Ok(prompt::read_passphrase(prompt_text)?),
    }
}

pub fn kdf_params(insecure_fast: bool) -> KdfParams {
    if insecure_fast {
        KdfParams::TEST_ONLY_FAST
    } else {
        KdfParams::RECOMMENDED
    }
}

/// Where keyholder `i`'s share goes: `--medium` (the i-th), `--shares-dir`,
/// asked at a terminal (one medium per keyholder, in turn), or DIR/shares.
fn medium_for(dir: &EventDir, a: &KeygenArgs, i: usize, name: &str) -> CliResult<PathBuf> {
    if let Some(m) = a.media.get(i - 1) {
        return Ok(m.clone());
    }
    if !a.media.is_empty() {
        return Err(Failure::new(
            "E-USAGE",
            format!(
                "{} --medium given for {} or more keyholders; keyholder {i} ({name}) has none",
                a.media.len(),
                i
            ),
            Some("give --medium once per keyholder, in the manifest's order"),
        ));
    }
    if let Some(d) = &a.shares_dir {
        return Ok(d.clone());
    }
    let default = dir.shares().join(format!("keyholder-{i}"));
    if a.passphrases.passphrase_files.is_empty() && std::io::stdin().is_terminal() {
        eprint!(
            "{} ",
            tr!(
                "keygen-medium",
                index = i,
                name = name,
                default = default.display().to_string()
            )
        );
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            Failure::new(
                "E-USAGE",
                format!("could not read the directory: {e}"),
                None,
            )
        })?;
        let line = line.trim();
        return Ok(if line.is_empty() {
            default
        } else {
            PathBuf::from(line)
        });
    }
    Ok(dir.shares())
}

pub fn keygen(dir: &EventDir, a: KeygenArgs) -> CliResult {
    let (manifest, manifest_sha) = super::load_manifest(dir)?;
    let key_path = dir.election_key();
    if !a.force && key_path.exists() {
        return Err(Failure::new(
            "E-FILE-EXISTS",
            format!(
                "{} already exists; the key ceremony will not overwrite it",
                key_path.display()
            ),
            Some("pass --force to make a new election key (the old shares become useless)"),
        ));
    }
    eprintln!(
        "{}",
        tr!(
            "keygen-banner",
            event = &manifest.event,
            keyholders = manifest.keyholders.len(),
            threshold = manifest.threshold
        )
    );
    eprintln!("{}", tr!("keygen-dealer-warning"));
    // Collect every medium and passphrase before the secret exists, so it
    // lives shortest; one keyholder at a time, each with their own medium.
    let mut passphrases = Vec::new();
    let mut share_paths: Vec<PathBuf> = Vec::new();
    let mut chosen = urne::keys::passphrase::ChosenPassphrases::new();
    for (pos, name) in manifest.keyholders.iter().enumerate() {
        let i = pos + 1;
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let path = medium_for(dir, &a, i, name)?.join(format!("keyholder-{i}.share"));
        if !a.force && path.exists() {
            return Err(Failure::new(
                "E-FILE-EXISTS",
                format!(
                    "{} already exists; the key ceremony will not overwrite it",
                    path.display()
                ),
                Some("pass --force to make a new election key (the old shares become useless)"),
            ));
        }
        let p = match a.passphrases.passphrase_files.get(pos) {
            Some(f) => {
                let p = prompt::read_passphrase_file(f)?;
                urne::keys::passphrase::check_new_passphrase(&p)?;
                chosen.choose(index, &p)?;
                p
            }
            None => {
                eprintln!("{}", tr!("keygen-choose", index = i, name = name));
                let mut tries = 0;
                loop {
                    tries += 1;
                    let p = prompt::read_new_passphrase(name)?;
                    match chosen.choose(index, &p) {
                        Ok(()) => break p,
                        Err(e) if tries < 3 => eprintln!("{}", prompt::refusal(&e)),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        };
        passphrases.push(p);
        share_paths.push(path);
    }
    drop(chosen);
    let (file, shares) = keys::generate(
        &manifest.event,
        manifest_sha,
        manifest.threshold,
        &manifest.keyholders,
        now(),
        &mut OsRng,
    )?;
    let key = ElectionKey::check(file, &key_path.display().to_string())?;
    let params = kdf_params(a.insecure_fast_kdf);
    let mut written = Vec::new();
    let step = crate::cli::progress::Progress::step(&tr!("keygen-making"));
    for ((share, p), path) in shares.iter().zip(&passphrases).zip(&share_paths) {
        let sealed = key.seal_share(share, p, params)?;
        urne::fsio::write_atomic(
            path,
            sealed.to_json().as_bytes(),
            a.force,
            urne::fsio::Visibility::Secret,
        )?;
        written.push(path.clone());
    }
    drop(shares);
    step.finish(&tr!("keygen-made"));
    urne::fsio::write_atomic(
        &key_path,
        key.to_json().as_bytes(),
        a.force,
        urne::fsio::Visibility::Public,
    )?;
    written.push(key_path.clone());
    super::log_step(
        dir,
        "keygen",
        &manifest.keyholders,
        &[dir.manifest()],
        std::slice::from_ref(&key_path),
        &format!(
            "{}-of-{} election key made by one machine (dealer; rehearsal); fingerprint {}",
            manifest.threshold,
            manifest.keyholders.len(),
            key.file.fingerprint
        ),
    )?;
    outln!(
        "{}",
        tr!("keygen-written", file = key_path.display().to_string())
    );
    outln!("  {}", tr!("keygen-dealer-note"));
    for (i, p) in share_paths.iter().enumerate() {
        outln!(
            "  {}",
            tr!(
                "keygen-share",
                index = i + 1,
                name = &manifest.keyholders[i],
                file = p.display().to_string()
            )
        );
    }
    outln!();
    outln!(
        "{}",
        tr!("fingerprint", fp = short_fingerprint(&key.fingerprint))
    );
    outln!("{}", tr!("fingerprint-read-aloud"));
    outln!("{}", tr!("keygen-next"));
    Ok(())
}

/// Reads and parses a sealed share file, naming it on error.
pub fn read_sealed(path: &Path) -> CliResult<SealedFile> {
    let what = "a sealed file";
    let text = urne::fsio::read_to_string_limited(path, urne::limits::SMALL_JSON_BYTES, what)?;
    SealedFile::from_json(&text).map_err(|e| {
        let f: Failure = e.into();
        Failure {
            message: format!("{}: {}", path.display(), f.message),
            ..f
        }
    })
}

/// Opens a share, asking again (up to three times) after a wrong passphrase
/// typed at the terminal.
pub fn open_share_interactive(
    key: &ElectionKey,
    path: &Path,
    passphrases: &PassphraseArgs,
    position: usize,
) -> CliResult<urne::crypto::shamir::SecretShare> {
    let sealed = read_sealed(path)?;
    let name = key
        .keyholder_name(sealed.index)
        .map(String::from)
        .unwrap_or_else(|| format!("keyholder {}", sealed.index));
    let from_file = passphrases.passphrase_files.get(position).is_some();
    let mut tries = 0;
    loop {
        tries += 1;
        let file = path.display().to_string();
        let prompt = format!(
            "{} ",
            tr!(
                "passphrase-prompt",
                index = sealed.index,
                name = &name,
                file = &file
            )
        );
        let p = passphrase_for(passphrases, position, &prompt)?;
        let opened = crate::cli::progress::during(
            &tr!("unlock-opening", index = sealed.index, name = &name),
            &tr!("unlock-opened", index = sealed.index, name = &name),
            || key.open_share(&sealed, &p, &file),
        );
        match opened {
            Err(keys::KeyError::WrongPassphrase { .. }) if !from_file && tries < 3 => {
                eprintln!(
                    "{}",
                    tr!("passphrase-wrong-try-again", file = &file, left = 3 - tries)
                );
            }
            other => return Ok(other?),
        }
    }
}

pub fn key_test(dir: &EventDir, a: KeyTestArgs) -> CliResult {
    let key = super::load_key(dir)?;
    let share = open_share_interactive(&key, &a.share, &a.passphrases, 0)?;
    let test = key.key_test(&share, now(), &mut OsRng);
    drop(share);
    if !key.check_key_test(&test) {
        return Err(Failure::new(
            "E-KEY-TEST",
            format!(
                "the key test of keyholder {} did not verify",
                test.keyholder
            ),
            None,
        ));
    }
    let out = dir.key_test(test.keyholder);
    let mut json = serde_json::to_string_pretty(&test).unwrap_or_default();
    json.push('\n');
    urne::fsio::write_atomic(
        &out,
        json.as_bytes(),
        a.force,
        urne::fsio::Visibility::Public,
    )?;
    super::log_step(
        dir,
        "key-test",
        std::slice::from_ref(&test.name),
        &[dir.election_key()],
        std::slice::from_ref(&out),
        &format!(
            "keyholder {} ({}) passed the key test",
            test.keyholder, test.name
        ),
    )?;
    outln!(
        "{}",
        tr!("keytest-passed", index = test.keyholder, name = &test.name)
    );
    outln!(
        "{}",
        tr!("fingerprint", fp = short_fingerprint(&key.fingerprint))
    );
    outln!(
        "{}",
        tr!("keytest-written", file = out.display().to_string())
    );
    Ok(())
}
