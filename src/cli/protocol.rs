//! The protocol: `urne signer new`, `urne protocol`, `urne protocol sign`,
//! `urne protocol check`.

use crate::cli::say::tr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use urne::ceremony_log::CeremonyLog;
use urne::error::Explain;
use urne::keys::seal::{self, SealHeader};
use urne::postal::{CountFile, TrialFile};
use urne::protocol::{
    self, Leader, Protocol, SignatureFile, SignerKey, SignerPublic, SIGNATURES_FORMAT,
    SIGNER_FORMAT, SIGNER_KEY_KIND,
};
use urne::tally::TallyFile;

use super::ceremony::{kdf_params, passphrase_for, read_sealed};
use super::postal::input_hash;
use super::{now, read_json, refuse_existing, CliResult, EventDir, Failure, PassphraseArgs};
use crate::cli::prompt;

#[derive(Subcommand, Debug)]
pub enum SignerCommand {
    /// Make a leadership member's signing key (private key sealed by passphrase).
    #[command(after_help = crate::cli::help::ex::SIGNER)]
    New(SignerNewArgs),
}

#[derive(Args, Debug)]
pub struct SignerNewArgs {
    /// The member's name, exactly as in the manifest's `leadership` list.
    #[arg(long)]
    pub name: String,
    /// Where to write the sealed private key (default DIR/signers/NAME.key);
    /// in a real count, the member's own medium.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
    /// INSECURE, for test suites and benchmarks only: seals the new signing key with a
    /// fast, weak passphrase hash (Argon2id, 8 KiB, one pass) that makes
    /// the passphrase cheap to guess. NEVER for a real election; see `urne
    /// help testing`.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProtocolArgs {
    #[command(subcommand)]
    pub command: Option<ProtocolCommand>,
    /// Replace existing protocols (their signatures are removed: a changed
    /// protocol must be signed again).
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum ProtocolCommand {
    /// Sign the protocols as a member of the leadership group.
    #[command(after_help = crate::cli::help::ex::PROTOCOL_SIGN)]
    Sign(SignArgs),
    /// Check every signature on the protocols and name each signer.
    #[command(after_help = crate::cli::help::ex::PROTOCOL_CHECK)]
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The member's sealed signing key (from `urne signer new`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Sign only this referendum's protocol (default: all).
    #[arg(long)]
    pub referendum: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Check only this referendum's protocol (default: all).
    #[arg(long)]
    pub referendum: Vec<String>,
    /// Also fail (V-PROTOCOL-UNSIGNED) unless every member of the leadership
    /// group has signed: what to run before the result is called certified.
    #[arg(long)]
    pub complete: bool,
}

pub fn signer(dir: &EventDir, c: SignerCommand) -> CliResult {
    let SignerCommand::New(a) = c;
    let (manifest, _) = super::load_manifest(dir)?;
    let Some(pos) = manifest.leadership.iter().position(|n| *n == a.name) else {
        return Err(Failure::new(
            "E-SIGNER-UNKNOWN",
            format!(
                "{:?} is not in the manifest's leadership group ({})",
                a.name,
                manifest.leadership.join(", ")
            ),
            Some("give the name exactly as the manifest's `leadership` list writes it"),
        ));
    };
    // The pin is part of the manifest the key ceremony binds: a key made
    // after it can never be pinned, so it could never sign.
    if dir.election_key().exists() {
        return Err(Failure::new(
            "E-SIGNER-TOO-LATE",
            format!(
                "the key ceremony has been held ({} exists): a key made now cannot be pinned in the manifest, so it could never sign",
                dir.election_key().display()
            ),
            Some("leadership keys are made before the key ceremony, and pinned in the manifest's [leadership_keys]"),
        ));
    }
    let s = urne::protocol::signer_file_stem(&a.name);
    let key_path = a
        .out
        .clone()
        .unwrap_or_else(|| dir.signers().join(format!("{s}.key")));
    let pub_path = dir.signers().join(format!("{s}.pub.json"));
    refuse_existing(&[&key_path, &pub_path], a.force)?;
    let passphrase = match a.passphrases.passphrase_files.first() {
        Some(f) => prompt::read_passphrase_file(f)?,
        None => prompt::read_new_passphrase(&format!("{}'s signing key", a.name))?,
    };
    let (signer, pkcs8) = SignerKey::generate()?;
    let sealed = seal::seal(
        &pkcs8,
        &passphrase,
        SealHeader {
            kind: SIGNER_KEY_KIND.into(),
            owner: a.name.clone(),
            // Made before the key ceremony: bound to the election by the
            // manifest's pin of its public key, not by a fingerprint.
            fingerprint: String::new(),
            index: u32::try_from(pos + 1).unwrap_or(u32::MAX),
        },
        kdf_params(a.insecure_fast_kdf),
    )?;
    drop(pkcs8);
    let public = SignerPublic {
        format: SIGNER_FORMAT.into(),
        event: manifest.event.clone(),
        name: a.name.clone(),
        public_key: signer.public_b64(),
        created_at: now(),
    };
    urne::fsio::write_atomic(
        &key_path,
        sealed.to_json().as_bytes(),
        a.force,
        urne::fsio::Visibility::Secret,
    )?;
    let mut text = serde_json::to_string_pretty(&public)
        .map_err(|e| Failure::new("E-INTERNAL", e.to_string(), None))?;
    text.push('\n');
    urne::fsio::write_atomic(
        &pub_path,
        text.as_bytes(),
        a.force,
        urne::fsio::Visibility::Public,
    )?;
    super::log_step(
        dir,
        "signer-new",
        std::slice::from_ref(&a.name),
        &[],
        std::slice::from_ref(&pub_path),
        "leadership signing key made",
    )?;
    println!(
        "{}",
        tr!(
            "signer-key",
            name = &a.name,
            file = key_path.display().to_string()
        )
    );
    println!("{}", tr!("signer-public", key = &public.public_key));
    println!(
        "{}",
        tr!("signer-registered", file = pub_path.display().to_string())
    );
    if manifest.leadership_keys.get(&a.name) != Some(&public.public_key) {
        println!("{}", tr!("signer-pin"));
        println!("{:?} = {:?}", a.name, public.public_key);
    }
    Ok(())
}

/// The leadership group with the keys the manifest pins, in manifest order;
/// each published signer file must agree with the pin.
fn leadership(dir: &EventDir, manifest: &urne::event::Manifest) -> CliResult<Vec<Leader>> {
    let out = protocol::leaders(manifest);
    for l in &out {
        let name = &l.name;
        let p = dir.signers().join(format!(
            "{}.pub.json",
            urne::protocol::signer_file_stem(name)
        ));
        if !p.exists() {
            continue;
        }
        let s: SignerPublic = read_json(&p, "E-SIGNER-MALFORMED", None, urne::limits::SIGNER)?;
        if s.name != *name || s.event != manifest.event || s.format != SIGNER_FORMAT {
            return Err(Failure::new(
                "E-SIGNER-MALFORMED",
                format!(
                    "{} is not {name}'s signing key for event {}",
                    p.display(),
                    manifest.event
                ),
                None,
            ));
        }
        if s.public_key != l.public_key {
            return Err(Failure::new(
                "E-SIGNER-NOT-PINNED",
                format!(
                    "{} holds a key for {name} that is not the one manifest.toml pins",
                    p.display()
                ),
                Some("the manifest's [leadership_keys] is what counts; publish the signer file of the pinned key"),
            ));
        }
    }
    Ok(out)
}

pub fn run(dir: &EventDir, a: ProtocolArgs) -> CliResult {
    match a.command {
        None => make(dir, a.force),
        Some(ProtocolCommand::Sign(s)) => sign(dir, s),
        Some(ProtocolCommand::Check(c)) => check(dir, c),
    }
}

fn make(dir: &EventDir, force: bool) -> CliResult {
    let (manifest, _) = super::load_manifest(dir)?;
    let tally: TallyFile = read_json(
        &dir.tally(),
        "E-TALLY-MALFORMED",
        Some("run `urne unlock` (or `urne combine`) first"),
        urne::limits::TALLY,
    )?;
    let trial: TrialFile = read_json(
        &dir.postal_trial(),
        "E-POSTAL-TRIAL",
        Some("run `urne postal trial` first"),
        urne::limits::POSTAL_TRIAL,
    )?;
    let count: CountFile = read_json(
        &dir.postal_count(),
        "E-POSTAL-COUNT",
        Some("run `urne postal count` first"),
        urne::limits::POSTAL_COUNT,
    )?;
    let log = CeremonyLog::load_or_new(&dir.log())?;
    let leaders = leadership(dir, &manifest)?;
    let mut files = Vec::new();
    for p in [
        dir.manifest(),
        dir.election_key(),
        dir.ballot_box(),
        dir.tally(),
        dir.marked_roll(),
        dir.postal_trial(),
        dir.postal_count(),
    ] {
        files.push(input_hash(&p)?);
    }
    for i in &tally.keyholders_used {
        let p = dir.partial(*i);
        if p.exists() {
            files.push(input_hash(&p)?);
        }
    }
    let protocols = protocol::build(&protocol::Inputs {
        manifest: &manifest,
        tally: &tally,
        trial: &trial,
        count: &count,
        log: &log.entries(),
        log_head: log.head_hash(),
        files,
        leadership: leaders,
        created_at: now(),
    })?;
    let mut paths = Vec::new();
    for p in &protocols {
        paths.push(dir.protocol(&p.referendum, "json"));
        paths.push(dir.protocol(&p.referendum, "html"));
    }
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    refuse_existing(&refs, force)?;
    let mut written = Vec::new();
    for p in &protocols {
        let bytes = protocol::canonical(p);
        let sha = hex::encode(urne::crypto::encoding::sha256(&bytes));
        let json = dir.protocol(&p.referendum, "json");
        let html = dir.protocol(&p.referendum, "html");
        urne::fsio::write_atomic(&json, &bytes, force, urne::fsio::Visibility::Public)?;
        urne::fsio::write_atomic(
            &html,
            protocol::render_html(p, &sha, None, &manifest).as_bytes(),
            force,
            urne::fsio::Visibility::Public,
        )?;
        let sigs = dir.protocol(&p.referendum, "signatures.json");
        if sigs.exists() {
            std::fs::remove_file(&sigs).map_err(|e| {
                Failure::new(
                    "E-FILE-WRITE",
                    format!("{} could not be removed: {e}", sigs.display()),
                    None,
                )
            })?;
        }
        written.push(json);
        written.push(html);
        print_key_figures(p);
    }
    super::log_step(
        dir,
        "protocol",
        &["electoral committee".to_string()],
        &[dir.tally(), dir.postal_trial(), dir.postal_count()],
        &written,
        "protocols written",
    )?;
    println!(
        "{}",
        tr!(
            "protocol-written",
            dir = dir.path("protocols").display().to_string()
        )
    );
    super::count::print_event_fingerprint(dir);
    Ok(())
}

fn print_key_figures(p: &Protocol) {
    let k = &p.key_figures;
    let lang = super::say::lang();
    println!(
        "{}",
        tr!(
            "protocol-summary",
            area = &p.area,
            referendum = &p.referendum,
            entitled = super::say::int(k.entitled),
            counted = super::say::int(k.votes_counted),
            turnout = urne::i18n::percent(lang, &k.turnout_percent.to_string())
        )
    );
    for x in &p.results {
        println!(
            "    {:<8} {:>7} ({})   {}",
            x.option,
            super::say::int(x.total),
            urne::i18n::percent(lang, &x.percent.to_string()),
            tr!(
                "protocol-summary-split",
                electronic = super::say::int(x.electronic),
                postal = super::say::int(x.postal)
            )
        );
    }
}

/// Loads a protocol file and its signatures file (if any).
fn load_protocol(
    dir: &EventDir,
    referendum: &str,
) -> CliResult<(Protocol, Vec<u8>, PathBuf, Option<SignatureFile>)> {
    let path = dir.protocol(referendum, "json");
    if !path.exists() {
        return Err(Failure::new(
            "E-FILE-NOT-FOUND",
            format!("{} does not exist", path.display()),
            Some("run `urne protocol` first"),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        Failure::new(
            "E-FILE-READ",
            format!("{} could not be read: {e}", path.display()),
            None,
        )
    })?;
    let p = protocol::parse(&bytes, &path.display().to_string())?;
    let sig_path = dir.protocol(referendum, "signatures.json");
    let sigs = if sig_path.exists() {
        let s: SignatureFile = read_json(
            &sig_path,
            "E-SIGNATURES-MALFORMED",
            None,
            urne::limits::SIGNATURES,
        )?;
        Some(s)
    } else {
        None
    };
    Ok((p, bytes, sig_path, sigs))
}

fn chosen(manifest: &urne::event::Manifest, only: &[String]) -> CliResult<Vec<String>> {
    for r in only {
        if manifest.referendum(r).is_none() {
            return Err(Failure::new(
                "E-UNKNOWN-REFERENDUM",
                format!("referendum {r:?} is not in the manifest"),
                None,
            ));
        }
    }
    Ok(manifest
        .referendums()
        .iter()
        .filter(|r| only.is_empty() || only.contains(&r.id))
        .map(|r| r.id.clone())
        .collect())
}

fn sign(dir: &EventDir, a: SignArgs) -> CliResult {
    let (manifest, sha) = super::load_manifest(dir)?;
    // The pins count only in the manifest the key ceremony fixed.
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &sha, dir)?;
    let sealed = read_sealed(&a.key)?;
    if sealed.kind != SIGNER_KEY_KIND {
        return Err(Failure::new(
            "E-SIGNER-KIND",
            format!(
                "{} is a {} file, not a signing key",
                a.key.display(),
                sealed.kind
            ),
            None,
        ));
    }
    let name = sealed.owner.clone();
    let passphrase = passphrase_for(
        &a.passphrases,
        0,
        &format!("{name}, passphrase for {}: ", a.key.display()),
    )?;
    let pkcs8 = seal::open(&sealed, &passphrase).map_err(|e| {
        let f: Failure = e.into();
        Failure {
            message: format!("{}: {}", a.key.display(), f.message),
            ..f
        }
    })?;
    let signer = SignerKey::from_pkcs8(&pkcs8)?;
    drop(pkcs8);
    if manifest.leadership_keys.get(&name) != Some(&signer.public_b64()) {
        return Err(Failure::new(
            "E-SIGNER-NOT-PINNED",
            format!(
                "{}: {name}'s key is not the one manifest.toml pins for {name}",
                a.key.display()
            ),
            Some("only a key pinned in the manifest's [leadership_keys] before the key ceremony can sign"),
        ));
    }
    let mut signed = Vec::new();
    // Each signature covers the log as it stands before this step is logged.
    let log_head = CeremonyLog::load_or_new(&dir.log())?.head_hash();
    for r in chosen(&manifest, &a.referendum)? {
        let (p, bytes, sig_path, sigs) = load_protocol(dir, &r)?;
        let at = now();
        let s = protocol::sign(&p, &bytes, &name, &signer, &at, log_head).map_err(|e| Failure {
            code: e.code(),
            message: format!("{}: {e}", dir.protocol(&r, "json").display()),
            hint: Some(
                "register the key with `urne signer new` before `urne protocol` is made".into(),
            ),
        })?;
        let mut file = sigs.unwrap_or_else(|| SignatureFile {
            format: SIGNATURES_FORMAT.into(),
            referendum: r.clone(),
            protocol_sha256: String::new(),
            signatures: Vec::new(),
        });
        file.signatures.retain(|x| x.name != name);
        file.signatures.push(s);
        let sha = hex::encode(urne::crypto::encoding::sha256(&bytes));
        file.protocol_sha256 = sha.clone();
        let mut text = serde_json::to_string_pretty(&file)
            .map_err(|e| Failure::new("E-INTERNAL", e.to_string(), None))?;
        text.push('\n');
        urne::fsio::write_atomic(
            &sig_path,
            text.as_bytes(),
            true,
            urne::fsio::Visibility::Public,
        )?;
        let html = dir.protocol(&r, "html");
        urne::fsio::write_atomic(
            &html,
            protocol::render_html(&p, &sha, Some(&file), &manifest).as_bytes(),
            true,
            urne::fsio::Visibility::Public,
        )?;
        println!("{}", tr!("protocol-signed", name = &name, referendum = &r));
        signed.push(sig_path);
        signed.push(html);
    }
    super::log_step(
        dir,
        "protocol-sign",
        std::slice::from_ref(&name),
        &[],
        &signed,
        "protocol signed",
    )?;
    Ok(())
}

fn check(dir: &EventDir, a: CheckArgs) -> CliResult {
    let (manifest, _) = super::load_manifest(dir)?;
    let mut first_failure: Option<Failure> = None;
    for r in chosen(&manifest, &a.referendum)? {
        let (p, bytes, sig_path, sigs) = load_protocol(dir, &r)?;
        if let Err(rule) = protocol::check_figures(&p) {
            println!(
                "{}",
                tr!(
                    "protocol-check-figures",
                    referendum = &r,
                    rule = rule.to_string()
                )
            );
            first_failure.get_or_insert(Failure::new(
                "V-PROTOCOL-FIGURES",
                format!("{}: {rule}", dir.protocol(&r, "json").display()),
                None,
            ));
        }
        // The keys a signature is checked against are the protocol's own
        // list; that list must be the manifest's, with the pinned keys.
        if p.leadership != protocol::leaders(&manifest) {
            println!("{}", tr!("protocol-check-leadership", referendum = &r));
            first_failure.get_or_insert(Failure::new(
                "V-PROTOCOL-FIGURES",
                format!(
                    "{}: its leadership list is not the manifest's leadership with the keys [leadership_keys] pins",
                    dir.protocol(&r, "json").display()
                ),
                Some("a signature under a key the manifest does not pin certifies nothing; make the protocol again with `urne protocol --force`"),
            ));
        }
        let unsigned = |names: &[&str]| {
            let file = dir.protocol(&r, "json");
            let message = if names.is_empty() {
                format!(
                    "{}: the protocol names no leadership group, so no one can certify it",
                    file.display()
                )
            } else {
                format!(
                    "{}: not signed by {} of the leadership group",
                    file.display(),
                    names.join(", ")
                )
            };
            Failure::new(
                "V-PROTOCOL-UNSIGNED",
                message,
                Some("each member who has not signed runs `urne protocol sign --key signers/NAME.key`"),
            )
        };
        let names: Vec<&str> = sigs
            .iter()
            .flat_map(|s| s.signatures.iter().map(|x| x.name.as_str()))
            .collect();
        let missing = protocol::unsigned_members(&p, &names);
        match &sigs {
            None => println!("{}", tr!("protocol-check-unsigned", referendum = &r)),
            Some(sigs) => {
                for (name, outcome) in protocol::check_signatures(&p, &bytes, sigs) {
                    match outcome {
                        Ok(()) => println!(
                            "{}",
                            tr!("protocol-check-holds", referendum = &r, name = &name)
                        ),
                        Err(e) => {
                            println!(
                                "{}",
                                tr!(
                                    "protocol-check-fails",
                                    referendum = &r,
                                    name = &name,
                                    why = format!("[{}] {e}", e.code())
                                )
                            );
                            first_failure.get_or_insert(Failure {
                                code: e.code(),
                                message: format!("{}: {e}", sig_path.display()),
                                hint: e.hint(),
                            });
                        }
                    }
                }
                if !missing.is_empty() {
                    println!(
                        "{}",
                        tr!(
                            "protocol-check-missing",
                            referendum = &r,
                            names = missing.join(", ")
                        )
                    );
                }
            }
        }
        if a.complete && (p.leadership.is_empty() || !missing.is_empty()) {
            first_failure.get_or_insert(unsigned(&missing));
        }
    }
    match first_failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}
