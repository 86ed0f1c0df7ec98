//! The key ceremony without a dealer (`urne ceremony …`): one command per
//! round, each run by one keyholder on their own machine, reading and writing
//! files; the arithmetic is in [`urne::keys::dkg`].
//!
//! Files: the public ceremony folder (`--folder`, default `DIR/ceremony`)
//! holds `certificate-{i}.json`, `deal-{i}.json` and `confirmation-{i}.json`
//! (or `complaint-{i}.json`); each keyholder's own medium (`--medium`) holds
//! their sealed seed `keyholder-{i}-attempt-{a}.seed` and, at the end, their
//! sealed share `keyholder-{i}.share`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use urne::keys::dkg::{self, Certificate, Deal, Round3, Seed, Setup};
use urne::keys::passphrase::Passphrase;
use urne::keys::seal::{self, SealHeader};
use urne::keys::{short_fingerprint, ElectionKey};

use super::ceremony::{kdf_params, read_sealed};
use super::{now, CliResult, EventDir, Failure, PassphraseArgs};
use crate::cli::out::outln;
use crate::cli::prompt;
use crate::cli::say::tr;

#[derive(Subcommand, Debug)]
pub enum CeremonyCommand {
    /// Round 1, each keyholder on their own machine: draw your seed (sealed on
    /// your medium under your passphrase) and write your certificate.
    #[command(
        after_help = "Example:\n  urne ceremony certificate --keyholder 1 --medium /media/usb"
    )]
    Certificate(RoundArgs),
    /// Round 2, once every certificate is in the folder: write your deal
    /// (commitments, proofs, a share encrypted to each other keyholder).
    #[command(after_help = "Example:\n  urne ceremony deal --keyholder 1 --medium /media/usb")]
    Deal(RoundArgs),
    /// Round 3, once every deal is in the folder: check the shares sent to
    /// you; seal your share on your medium and confirm, or complain.
    #[command(after_help = "Example:\n  urne ceremony confirm --keyholder 1 --medium /media/usb")]
    Confirm(RoundArgs),
    /// Round 4, anyone, from the public files alone: check the whole
    /// transcript and write election-key.json.
    #[command(after_help = "Example:\n  urne ceremony assemble")]
    Assemble(AssembleArgs),
}

#[derive(Args, Debug)]
pub struct RoundArgs {
    /// Your keyholder number: your position in the manifest's `keyholders`
    /// list (1 for the first).
    #[arg(long, value_name = "N")]
    pub keyholder: u32,
    /// Your own medium (USB stick): where your sealed seed is kept and, in
    /// round 3, your sealed share is written.
    #[arg(long, value_name = "DIR")]
    pub medium: PathBuf,
    /// The public ceremony folder every keyholder's files are gathered in
    /// (default: DIR/ceremony).
    #[arg(long, value_name = "DIR")]
    pub folder: Option<PathBuf>,
    /// The attempt number: 1 for the first ceremony; one more each time it is
    /// run again after a complaint. Every keyholder uses the same.
    #[arg(long, default_value_t = 1, value_name = "A")]
    pub attempt: u32,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Run this round again. Nothing is drawn anew: the files are made again
    /// from your sealed seed, so they come out the same.
    #[arg(long)]
    pub force: bool,
    /// Test only: a fast, weak passphrase hash so test suites run quickly.
    /// Never for a real election.
    #[arg(long, hide = true)]
    pub insecure_fast_kdf: bool,
}

#[derive(Args, Debug)]
pub struct AssembleArgs {
    /// The public ceremony folder (default: DIR/ceremony).
    #[arg(long, value_name = "DIR")]
    pub folder: Option<PathBuf>,
    /// The attempt number the files were made for.
    #[arg(long, default_value_t = 1, value_name = "A")]
    pub attempt: u32,
    /// Replace an existing election-key.json.
    #[arg(long)]
    pub force: bool,
}

pub fn run(dir: &EventDir, c: CeremonyCommand) -> CliResult {
    match c {
        CeremonyCommand::Certificate(a) => certificate(dir, a),
        CeremonyCommand::Deal(a) => deal(dir, a),
        CeremonyCommand::Confirm(a) => confirm(dir, a),
        CeremonyCommand::Assemble(a) => assemble(dir, a),
    }
}

fn folder(dir: &EventDir, f: &Option<PathBuf>) -> PathBuf {
    f.clone().unwrap_or_else(|| dir.path("ceremony"))
}

fn setup(dir: &EventDir, attempt: u32) -> CliResult<Setup> {
    let (m, sha) = super::load_manifest(dir)?;
    Ok(Setup::new(
        &m.event,
        sha,
        m.threshold,
        &m.keyholders,
        attempt,
    )?)
}

fn seed_path(a: &RoundArgs) -> PathBuf {
    a.medium.join(format!(
        "keyholder-{}-attempt-{}.seed",
        a.keyholder, a.attempt
    ))
}

fn share_path(a: &RoundArgs) -> PathBuf {
    a.medium.join(format!("keyholder-{}.share", a.keyholder))
}

fn round_file(folder: &Path, round: &str, i: u32) -> PathBuf {
    folder.join(format!("{round}-{i}.json"))
}

fn exists_refusal(p: &Path, what: &str) -> Failure {
    Failure::new(
        "E-FILE-EXISTS",
        format!("{} already exists: {what}", p.display()),
        Some("pass --force to run the round again; it makes the same files again from your sealed seed"),
    )
}

fn check_keyholder(s: &Setup, a: &RoundArgs) -> CliResult<String> {
    let n = s.n();
    if a.keyholder < 1 || a.keyholder > n {
        return Err(Failure::new(
            "E-DKG-UNKNOWN-KEYHOLDER",
            format!(
                "--keyholder {} is not in the manifest's keyholders (1..={n})",
                a.keyholder
            ),
            Some("your number is your position in the manifest's `keyholders` list"),
        ));
    }
    Ok(s.names[a.keyholder as usize - 1].clone())
}

/// What every round shows first: the event, the round, and the setup's
/// fingerprint (read aloud and compared).
fn banner(s: &Setup, round: &str) {
    outln!(
        "{}",
        tr!(
            "ceremony-banner",
            event = &s.event,
            attempt = s.attempt,
            keyholders = s.n(),
            threshold = s.threshold,
            round = super::say::t(round, &[])
        )
    );
    outln!(
        "{}",
        tr!(
            "ceremony-setup-fingerprint",
            fp = short_fingerprint(&s.fingerprint())
        )
    );
}

fn write_public(path: &Path, text: &str, force: bool) -> CliResult {
    urne::fsio::write_atomic(path, text.as_bytes(), force, urne::fsio::Visibility::Public)?;
    Ok(())
}

/// Reads every `{round}-*.json` in the folder, checking each file's `format`
/// first so that a file of another round is named as such.
fn read_round<T: serde::de::DeserializeOwned>(
    folder: &Path,
    round: &str,
    format: &str,
    expected: &'static str,
) -> CliResult<Vec<(String, T)>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|e| {
        Failure::new(
            "E-FILE-NOT-FOUND",
            format!(
                "the ceremony folder {} cannot be read: {e}",
                folder.display()
            ),
            Some("give --folder, or gather every keyholder's files in DIR/ceremony"),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{round}-")) && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    for p in paths {
        let text = urne::fsio::read_to_string(&p)?;
        let name = p.display().to_string();
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| dkg::DkgError::Malformed {
                file: name.clone(),
                expected,
                detail: e.to_string(),
            })?;
        let found = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if found != format {
            return Err(dkg::DkgError::Malformed {
                file: name,
                expected,
                detail: format!(
                    "format is {found:?}, expected {format:?} (a file of another round?)"
                ),
            }
            .into());
        }
        out.push((name.clone(), dkg::from_json(&text, &name, expected)?));
    }
    Ok(out)
}

fn read_certificates(folder: &Path) -> CliResult<Vec<(String, Certificate)>> {
    read_round(
        folder,
        "certificate",
        dkg::CERTIFICATE_FORMAT,
        "ceremony certificate",
    )
}

fn read_deals(folder: &Path) -> CliResult<Vec<(String, Deal)>> {
    read_round(folder, "deal", dkg::DEAL_FORMAT, "ceremony deal")
}

fn read_round3(folder: &Path) -> CliResult<Vec<(String, Round3)>> {
    let mut out: Vec<(String, Round3)> = read_round::<dkg::Confirmation>(
        folder,
        "confirmation",
        dkg::CONFIRMATION_FORMAT,
        "ceremony confirmation",
    )?
    .into_iter()
    .map(|(f, c)| (f, Round3::Confirmation(c)))
    .collect();
    out.extend(
        read_round::<dkg::Complaint>(
            folder,
            "complaint",
            dkg::COMPLAINT_FORMAT,
            "ceremony complaint",
        )?
        .into_iter()
        .map(|(f, c)| (f, Round3::Complaint(c))),
    );
    Ok(out)
}

fn seal_header(s: &Setup, index: u32, name: &str) -> SealHeader {
    SealHeader {
        kind: dkg::SEED_KIND.into(),
        owner: name.into(),
        fingerprint: hex::encode(s.fingerprint()),
        index,
    }
}

/// A new passphrase for the seed: from the file, or typed twice.
fn new_passphrase(a: &RoundArgs, name: &str) -> CliResult<Passphrase> {
    match a.passphrases.passphrase_files.first() {
        Some(f) => {
            let p = prompt::read_passphrase_file(f)?;
            urne::keys::passphrase::check_new_passphrase(&p)?;
            Ok(p)
        }
        None => {
            outln!(
                "{}",
                tr!("ceremony-choose", index = a.keyholder, name = name)
            );
            Ok(prompt::read_new_passphrase(name)?)
        }
    }
}

/// Opens the keyholder's sealed seed, checking (before any key derivation)
/// that it is a seed of this setup and keyholder; three tries at a terminal.
fn open_seed(s: &Setup, a: &RoundArgs, name: &str) -> CliResult<(Seed, Passphrase)> {
    let path = seed_path(a);
    if !path.exists() {
        return Err(Failure::new(
            "E-FILE-NOT-FOUND",
            format!("{} does not exist", path.display()),
            Some("insert the medium on which you ran `urne ceremony certificate`, and give it with --medium (and the same --attempt)"),
        ));
    }
    let sealed = read_sealed(&path)?;
    let file = path.display().to_string();
    if sealed.kind != dkg::SEED_KIND
        || sealed.index != a.keyholder
        || sealed.fingerprint != hex::encode(s.fingerprint())
    {
        return Err(Failure::new(
            "E-DKG-SEED",
            format!(
                "{file}: not keyholder {}'s ceremony seed for this event and attempt ({} of keyholder {})",
                a.keyholder, sealed.kind, sealed.index
            ),
            Some("use the medium on which you made your certificate, with the same --keyholder and --attempt"),
        ));
    }
    let from_file = !a.passphrases.passphrase_files.is_empty();
    let mut tries = 0;
    loop {
        tries += 1;
        let p = super::ceremony::passphrase_for(
            &a.passphrases,
            0,
            &format!(
                "{} ",
                tr!(
                    "passphrase-prompt",
                    index = a.keyholder,
                    name = name,
                    file = &file
                )
            ),
        )?;
        let opened = crate::cli::progress::during(
            &tr!("ceremony-opening-seed", file = &file),
            &tr!("ceremony-seed-opened", file = &file),
            || seal::open(&sealed, &p),
        );
        match opened {
            Ok(bytes) => {
                let seed = Seed::from_bytes(&bytes).ok_or_else(|| {
                    Failure::new(
                        "E-DKG-SEED",
                        format!("{file}: the sealed seed is not 32 bytes"),
                        Some("the file may be corrupted; use your backup copy"),
                    )
                })?;
                return Ok((seed, p));
            }
            Err(seal::SealError::WrongPassphrase) if !from_file && tries < 3 => {
                eprintln!(
                    "{}",
                    tr!("passphrase-wrong-try-again", file = &file, left = 3 - tries)
                );
            }
            Err(seal::SealError::WrongPassphrase) => {
                return Err(Failure::new(
                    "E-DKG-SEED-PASSPHRASE",
                    format!(
                        "wrong passphrase for keyholder {}'s ceremony seed ({file}), or the file has been altered",
                        a.keyholder
                    ),
                    Some("try again, or check that you hold the right medium"),
                ))
            }
            Err(e) => {
                let f: Failure = e.into();
                return Err(Failure {
                    message: format!("{file}: {}", f.message),
                    ..f
                });
            }
        }
    }
}

/// Round 1.
pub fn certificate(dir: &EventDir, a: RoundArgs) -> CliResult {
    let s = setup(dir, a.attempt)?;
    let name = check_keyholder(&s, &a)?;
    let folder = folder(dir, &a.folder);
    let out = round_file(&folder, "certificate", a.keyholder);
    let seed_file = seed_path(&a);
    if !a.force {
        if seed_file.exists() {
            return Err(exists_refusal(
                &seed_file,
                "your seed for this attempt was drawn already",
            ));
        }
        if out.exists() {
            return Err(exists_refusal(
                &out,
                "a certificate of yours is in the folder",
            ));
        }
    }
    banner(&s, "ceremony-round-1");
    let seed = if seed_file.exists() {
        outln!(
            "{}",
            tr!(
                "ceremony-seed-again",
                medium = a.medium.display().to_string()
            )
        );
        open_seed(&s, &a, &name)?.0
    } else {
        if out.exists() {
            outln!(
                "{}",
                tr!(
                    "ceremony-new-seed",
                    medium = a.medium.display().to_string(),
                    file = out.display().to_string()
                )
            );
        }
        let p = new_passphrase(&a, &name)?;
        let seed = Seed::generate()?;
        let sealed = crate::cli::progress::during(
            &tr!("ceremony-sealing", file = seed_file.display().to_string()),
            &tr!("ceremony-sealed", file = seed_file.display().to_string()),
            || {
                seal::seal(
                    seed.as_bytes(),
                    &p,
                    seal_header(&s, a.keyholder, &name),
                    kdf_params(a.insecure_fast_kdf),
                )
            },
        )?;
        urne::fsio::write_atomic(
            &seed_file,
            sealed.to_json().as_bytes(),
            a.force,
            urne::fsio::Visibility::Secret,
        )?;
        seed
    };
    let cert = dkg::make_certificate(&s, a.keyholder, &seed)?;
    drop(seed);
    write_public(&out, &dkg::to_json(&cert), true)?;
    outln!(
        "{}",
        tr!(
            "ceremony-seed-sealed",
            file = seed_file.display().to_string()
        )
    );
    outln!(
        "{}",
        tr!(
            "ceremony-certificate",
            file = out.display().to_string(),
            fp = short_fingerprint(&cert.digest())
        )
    );
    outln!("{}", tr!("ceremony-compare"));
    outln!();
    outln!("{}", tr!("ceremony-certificate-next", index = a.keyholder));
    outln!(
        "{}",
        tr!(
            "ceremony-run-deal",
            n = s.n(),
            folder = folder.display().to_string(),
            command = format!(
                "urne ceremony deal --keyholder {} --medium {}{}",
                a.keyholder,
                a.medium.display(),
                attempt_flag(&s)
            )
        )
    );
    Ok(())
}

fn attempt_flag(s: &Setup) -> String {
    if s.attempt == 1 {
        String::new()
    } else {
        format!(" --attempt {}", s.attempt)
    }
}

/// Round 2.
pub fn deal(dir: &EventDir, a: RoundArgs) -> CliResult {
    let s = setup(dir, a.attempt)?;
    let name = check_keyholder(&s, &a)?;
    let folder = folder(dir, &a.folder);
    let out = round_file(&folder, "deal", a.keyholder);
    if !a.force && out.exists() {
        return Err(exists_refusal(&out, "you have dealt already"));
    }
    banner(&s, "ceremony-round-2");
    let certs = dkg::check_certificates(&s, &read_certificates(&folder)?)?;
    outln!(
        "{}",
        tr!(
            "ceremony-certificates-check",
            n = s.n(),
            fp = short_fingerprint(&certs.fingerprint)
        )
    );
    outln!("{}", tr!("ceremony-compare"));
    let (seed, _p) = open_seed(&s, &a, &name)?;
    let d = dkg::make_deal(&s, a.keyholder, &seed, &certs).map_err(|e| match e {
        dkg::DkgError::NotYourSeed { index, .. } => Failure::new(
            "E-DKG-SEED",
            format!(
                "{}: this certificate was not made from the seed on {}",
                round_file(&folder, "certificate", index).display(),
                a.medium.display()
            ),
            Some("use the medium on which you made your certificate; if the certificate in the folder is not yours, someone replaced it"),
        ),
        other => other.into(),
    })?;
    drop(seed);
    write_public(&out, &dkg::to_json(&d), true)?;
    outln!(
        "{}",
        tr!(
            "ceremony-deal",
            file = out.display().to_string(),
            fp = short_fingerprint(&d.digest())
        )
    );
    outln!();
    outln!("{}", tr!("ceremony-deal-next", index = a.keyholder));
    outln!(
        "{}",
        tr!(
            "ceremony-run-confirm",
            n = s.n(),
            folder = folder.display().to_string(),
            command = format!(
                "urne ceremony confirm --keyholder {} --medium {}{}",
                a.keyholder,
                a.medium.display(),
                attempt_flag(&s)
            )
        )
    );
    Ok(())
}

/// Round 3.
pub fn confirm(dir: &EventDir, a: RoundArgs) -> CliResult {
    let s = setup(dir, a.attempt)?;
    let name = check_keyholder(&s, &a)?;
    let folder = folder(dir, &a.folder);
    let out = round_file(&folder, "confirmation", a.keyholder);
    let complaint_out = round_file(&folder, "complaint", a.keyholder);
    let share_out = share_path(&a);
    if !a.force {
        for (p, what) in [
            (&out, "you have confirmed already"),
            (&complaint_out, "you have complained already"),
            (&share_out, "a share is on your medium already"),
        ] {
            if p.exists() {
                return Err(exists_refusal(p, what));
            }
        }
    }
    banner(&s, "ceremony-round-3");
    let certs = dkg::check_certificates(&s, &read_certificates(&folder)?)?;
    let deals = dkg::check_deals(&s, &certs, &read_deals(&folder)?)?;
    outln!(
        "{}",
        tr!(
            "ceremony-deals-check",
            n = s.n(),
            fp = short_fingerprint(&deals.fingerprint)
        )
    );
    outln!("{}", tr!("ceremony-compare"));
    let (seed, p) = open_seed(&s, &a, &name)?;
    let outcome = dkg::confirm(&s, a.keyholder, &seed, &certs, &deals, now())?;
    drop(seed);
    match outcome {
        dkg::ConfirmOutcome::Confirmed {
            confirmation,
            share,
            key,
        } => {
            let key = ElectionKey::check(*key, "(the election key the deals make)")?;
            let sealed = crate::cli::progress::during(
                &tr!("ceremony-sealing", file = share_out.display().to_string()),
                &tr!("ceremony-sealed", file = share_out.display().to_string()),
                || key.seal_share(&share, &p, kdf_params(a.insecure_fast_kdf)),
            )?;
            drop(share);
            urne::fsio::write_atomic(
                &share_out,
                sealed.to_json().as_bytes(),
                a.force,
                urne::fsio::Visibility::Secret,
            )?;
            if complaint_out.exists() {
                let _ = std::fs::remove_file(&complaint_out);
            }
            write_public(&out, &dkg::to_json(&confirmation), true)?;
            outln!("{}", tr!("ceremony-shares-check"));
            outln!(
                "{}",
                tr!(
                    "ceremony-share-sealed",
                    file = share_out.display().to_string()
                )
            );
            outln!(
                "{}",
                tr!(
                    "ceremony-confirmation",
                    file = out.display().to_string(),
                    fp = short_fingerprint(&confirmation.digest())
                )
            );
            outln!(
                "{}",
                tr!("fingerprint", fp = short_fingerprint(&key.fingerprint))
            );
            outln!("{}", tr!("fingerprint-read-aloud"));
            outln!();
            outln!(
                "{}",
                tr!(
                    "ceremony-confirm-next",
                    index = a.keyholder,
                    n = s.n(),
                    command = format!("urne ceremony assemble{}", attempt_flag(&s))
                )
            );
            outln!(
                "{}",
                tr!(
                    "ceremony-key-test-next",
                    file = share_out.display().to_string()
                )
            );
        }
        dkg::ConfirmOutcome::Complained(c) => {
            write_public(&complaint_out, &dkg::to_json(&c), a.force)?;
            let who: Vec<String> = c
                .against
                .iter()
                .map(|x| format!("keyholder {}", x.dealer))
                .collect();
            outln!("{}", tr!("ceremony-complaint-why", who = who.join(", ")));
            outln!(
                "{}",
                tr!(
                    "ceremony-complaint",
                    file = complaint_out.display().to_string()
                )
            );
            outln!();
            outln!(
                "{}",
                tr!(
                    "ceremony-complaint-next",
                    index = a.keyholder,
                    attempt = s.attempt + 1
                )
            );
            return Err(Failure::new(
                "E-DKG-COMPLAINT",
                format!(
                    "keyholder {} complained about {} ({})",
                    a.keyholder,
                    who.join(", "),
                    complaint_out.display()
                ),
                Some("no share was sealed; the ceremony must be run again"),
            ));
        }
    }
    Ok(())
}

/// Round 4.
pub fn assemble(dir: &EventDir, a: AssembleArgs) -> CliResult {
    let s = setup(dir, a.attempt)?;
    let folder = folder(dir, &a.folder);
    let key_path = dir.election_key();
    if !a.force && key_path.exists() {
        return Err(Failure::new(
            "E-FILE-EXISTS",
            format!("{} already exists", key_path.display()),
            Some("pass --force to assemble it again from the ceremony folder"),
        ));
    }
    banner(&s, "ceremony-round-4");
    let certificates = read_certificates(&folder)?;
    let deals = read_deals(&folder)?;
    let round3 = read_round3(&folder)?;
    let file = dkg::assemble(&s, &certificates, &deals, &round3, now())?;
    let key = ElectionKey::check(file, &key_path.display().to_string())?;
    let tr = key
        .file
        .ceremony
        .as_ref()
        .and_then(|c| c.transcript.as_ref())
        .ok_or_else(|| Failure::new("E-INTERNAL", "the assembled key has no transcript", None))?;
    let summary = dkg::check_transcript(&key.file, tr)?;
    write_public(&key_path, &key.to_json(), a.force)?;
    let mut read: Vec<PathBuf> = vec![dir.manifest()];
    read.extend(certificates.iter().map(|(f, _)| PathBuf::from(f)));
    read.extend(deals.iter().map(|(f, _)| PathBuf::from(f)));
    read.extend(round3.iter().map(|(f, _)| PathBuf::from(f)));
    super::log_step(
        dir,
        "key-ceremony",
        &s.names,
        &read,
        std::slice::from_ref(&key_path),
        &format!(
            "{}-of-{} election key assembled without a dealer (attempt {}); fingerprint {}",
            s.threshold,
            s.n(),
            s.attempt,
            key.file.fingerprint
        ),
    )?;
    outln!("{}", tr!("ceremony-assembled"));
    outln!(
        "{}",
        tr!(
            "ceremony-transcript-fingerprint",
            fp = short_fingerprint(&summary.fingerprint)
        )
    );
    outln!(
        "{}",
        tr!(
            "ceremony-key-written",
            file = key_path.display().to_string()
        )
    );
    outln!(
        "{}",
        tr!("fingerprint", fp = short_fingerprint(&key.fingerprint))
    );
    outln!("{}", tr!("ceremony-assemble-compare"));
    outln!("{}", tr!("ceremony-assemble-next"));
    Ok(())
}
