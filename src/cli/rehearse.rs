//! Voting-period commands: `urne encrypt` and `urne box init | cast | close`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use time::OffsetDateTime;

use urne::ballot::{self, BallotContext};
use urne::ballot_box::{
    self, Appender, BoxHeader, BoxSigningKey, RecordKind, BOX_FORMAT, BOX_KEY_KIND,
};
use urne::crypto::encoding::Digest32;
use urne::keys::seal::{self, SealHeader};

use super::ceremony::{kdf_params, passphrase_for, read_sealed};
use super::{now, CliResult, EventDir, Failure, PassphraseArgs};
use crate::cli::out::{out, outln};
use crate::cli::prompt;

#[derive(Args, Debug)]
pub struct EncryptArgs {
    /// The referendum id (as in the manifest).
    #[arg(long)]
    pub referendum: String,
    /// The voter's id (as in the roll).
    #[arg(long)]
    pub voter: String,
    /// The option to vote for, by name (e.g. Ja) or 1-based number.
    #[arg(long)]
    pub choice: String,
    /// In an event with voter credentials, read the voter's credential code
    /// (from the polling card) from this file instead of asking for it at
    /// the terminal (without echo); `-` reads it from standard input. The
    /// ballot is signed with it; a mistyped code is refused before anything
    /// is signed.
    #[arg(long, value_name = "FILE")]
    pub credential_file: Option<PathBuf>,
    /// No longer accepted: a code on the command line is seen by `ps` and
    /// kept in the shell's history. Refused with E-CREDENTIAL-ARGUMENT.
    #[arg(long, value_name = "CODE", hide = true)]
    pub credential: Option<String>,
    /// The code itself, for the demo (which has it from the printer's
    /// file); not a command-line option.
    #[arg(skip)]
    pub code: Option<urne::credentials::CredentialCode>,
    /// Write the ballot here instead of standard output (`-` is standard
    /// output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum BoxCommand {
    /// Open a new, empty ballot box with its own signing key.
    #[command(after_help = crate::cli::help::ex::BOX_INIT)]
    Init(BoxInitArgs),
    /// Check a ballot and append it to the open box.
    #[command(after_help = crate::cli::help::ex::BOX_CAST)]
    Cast(CastArgs),
    /// Close the box with a signed seal; it takes no more ballots.
    #[command(after_help = crate::cli::help::ex::BOX_CLOSE)]
    Close(BoxCloseArgs),
    /// Take ballots from the voting system over HTTP (POST /ballots with
    /// the shared token; GET /status for anyone), until Ctrl-C.
    #[command(after_help = crate::cli::help::ex::BOX_SERVE)]
    Serve(super::intake::BoxServeArgs),
}

#[derive(Args, Debug)]
pub struct BoxInitArgs {
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Replace an existing box (and its key).
    #[arg(long)]
    pub force: bool,
    /// INSECURE, for test suites and benchmarks only: seals the box's signing key with a
    /// fast, weak passphrase hash (Argon2id, 8 KiB, one pass) that makes
    /// the passphrase cheap to guess. NEVER for a real election; see `urne
    /// help testing`.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
}

#[derive(Args, Debug)]
pub struct CastArgs {
    /// The encrypted ballot (from `urne encrypt`); `-` reads it from
    /// standard input.
    #[arg(long, value_name = "FILE", required_unless_present = "batch", requires_all = ["voter", "referendum"])]
    pub ballot: Option<PathBuf>,
    /// The voter's id, as in the roll (the ballot is bound to it).
    #[arg(long)]
    pub voter: Option<String>,
    /// The referendum id, as in the manifest (the ballot is bound to it).
    #[arg(long)]
    pub referendum: Option<String>,
    /// Cast every ballot of a JSON Lines file instead, in order, one sync per
    /// group: each line {"voter":…,"referendum":…,"ballot":{…}}, optionally
    /// with "cast_at". For rehearsals.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["ballot", "voter", "referendum"])]
    pub batch: Option<PathBuf>,
    /// The time of casting (RFC 3339); default now. For rehearsals.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(Args, Debug)]
pub struct BoxCloseArgs {
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// The time of closing (RFC 3339); default now. For rehearsals.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Close before the manifest's `voting_closes`, for this reason (written
    /// to the ceremony log, which every protocol carries). Without it an
    /// early close is refused.
    #[arg(long, value_name = "REASON")]
    pub early_close_reason: Option<String>,
}

fn choice_index(options: &[String], choice: &str) -> Option<usize> {
    options
        .iter()
        .position(|o| o.eq_ignore_ascii_case(choice))
        .or_else(|| {
            choice
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=options.len()).contains(n))
                .map(|n| n - 1)
        })
}

pub fn encrypt(dir: &EventDir, mut a: EncryptArgs) -> CliResult {
    let (manifest, _) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    let r = manifest
        .referendum(&a.referendum)
        .ok_or_else(|| unknown_referendum(dir, &a.referendum))?;
    let choice = choice_index(&r.options, &a.choice).ok_or_else(|| {
        Failure::new(
            "E-BALLOT-CHOICE",
            format!(
                "{:?} is not an option of referendum {} (options: {})",
                a.choice,
                r.id,
                r.options.join(", ")
            ),
            None,
        )
    })?;
    // An existing output is refused before the voter is asked for a code.
    if let Some(p) = a.out.as_deref().filter(|p| !super::is_stdio(p)) {
        super::refuse_existing(&[p], a.force)?;
    }
    // The code is checked (its check character, and against the published
    // list when there is one) before anything is encrypted or signed.
    let signing = credential_key(dir, &manifest, &key, &mut a, r)?;
    let ctx = BallotContext {
        fingerprint: &key.fingerprint,
        referendum: &r.id,
        voter: &a.voter,
    };
    let b = ballot::encrypt(&key.key, &ctx, r.options.len(), choice, &mut OsRng)
        .map_err(|e| Failure::new("E-BALLOT-CHOICE", e.to_string(), None))?;
    let mut value = serde_json::to_value(&b).unwrap_or_default();
    if let (Some(k), Some(obj)) = (&signing, value.as_object_mut()) {
        let sig = k.sign(&ctx, &b, &mut OsRng);
        obj.insert(
            "credential".into(),
            serde_json::to_value(sig).unwrap_or_default(),
        );
    }
    let mut json = serde_json::to_string(&value).unwrap_or_default();
    json.push('\n');
    match a.out {
        Some(p) if !super::is_stdio(&p) => {
            urne::fsio::write_atomic(&p, json.as_bytes(), a.force, urne::fsio::Visibility::Public)?
        }
        _ => out!("{json}"),
    }
    Ok(())
}

/// The voter's credential key, checked: a code is refused in an event
/// without credentials, required in one with them (asked for at the
/// terminal without echo, or read from `--credential-file`), and compared
/// with the voter's key in the published list when the list is in the event
/// directory.
fn credential_key(
    dir: &EventDir,
    manifest: &urne::event::Manifest,
    key: &urne::keys::ElectionKey,
    a: &mut EncryptArgs,
    r: &urne::event::Referendum,
) -> CliResult<Option<urne::credentials::CredentialKey>> {
    if let Some(mut old) = a.credential.take() {
        zeroize::Zeroize::zeroize(&mut old);
        return Err(Failure::new(
            "E-CREDENTIAL-ARGUMENT",
            "--credential CODE is no longer accepted: a code on the command line is seen by every user's `ps` and kept in the shell's history; nothing was signed",
            Some("leave the code out of the command: urne asks for it without echo, or give --credential-file FILE (`-` reads it from standard input)"),
        ));
    }
    let required = manifest.voter_credentials.required();
    if !required {
        if a.credential_file.is_some() || a.code.is_some() {
            return Err(Failure::new(
                "E-CREDENTIAL-NOT-USED",
                format!(
                    "{} says voter_credentials = \"none\": this event uses no voter credentials",
                    dir.manifest().display()
                ),
                Some("leave out --credential-file"),
            ));
        }
        return Ok(None);
    }
    let code = match (a.code.take(), &a.credential_file) {
        (Some(c), _) => c,
        (None, Some(f)) => read_code_file(f)?,
        (None, None) => ask_code(&a.voter)?,
    };
    let k = code.key(&key.fingerprint, &a.voter);
    let list_path = dir.path(super::credentials::LIST_FILE);
    if list_path.exists() {
        let roll = super::load_roll(dir, manifest)?;
        let list = super::credentials::load_list(dir, manifest, &key.fingerprint, &roll)?;
        let r_index = manifest.referendum_index(&r.id).unwrap_or(0);
        let published = list
            .as_ref()
            .and_then(|l| roll.slot(r_index, &a.voter).and_then(|s| l.listed_key(s)));
        match published {
            None => {
                return Err(Failure::new(
                    "E-CREDENTIAL-NONE",
                    format!(
                        "voter {} has no credential for referendum {} in {}",
                        a.voter,
                        r.id,
                        list_path.display()
                    ),
                    Some("a voter without a credential cannot e-vote; they may vote by post"),
                ))
            }
            Some(p) if p != k.public() => {
                return Err(Failure::new(
                    "E-CREDENTIAL-WRONG",
                    format!(
                        "the code is well formed but is not voter {}'s credential (its key is not the one {} publishes for them); nothing was signed",
                        a.voter,
                        list_path.display()
                    ),
                    Some("check that the code is from this voter's own polling card"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(Some(k))
}

/// The code from `--credential-file` (`-`: standard input).
fn read_code_file(path: &std::path::Path) -> CliResult<urne::credentials::CredentialCode> {
    use urne::credentials::CredentialCode;
    if super::is_stdio(path) {
        return Ok(CredentialCode::read_from(
            std::io::stdin().lock(),
            "standard input",
        )?);
    }
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| urne::credentials::CredentialError::Io {
        file: name.clone(),
        detail: e.to_string(),
    })?;
    Ok(CredentialCode::read_from(file, &name)?)
}

/// The code typed at the terminal, without echo; up to three tries when
/// its check catches a typo. Without a terminal, E-CREDENTIAL-MISSING.
fn ask_code(voter: &str) -> CliResult<urne::credentials::CredentialCode> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            "E-CREDENTIAL-MISSING",
            "the manifest says voter_credentials = \"urne\": a ballot must be signed with the voter's credential, and there is no terminal to ask for the code",
            Some("run it in a terminal (the code is asked for without echo), or give --credential-file FILE (`-` reads it from standard input)"),
        ));
    }
    let mut tries = 0;
    loop {
        let typed = prompt::read_hidden(&format!(
            "{} ",
            crate::cli::say::tr!("credential-code-prompt", voter = voter)
        ))
        .map_err(|e| {
            Failure::new(
                "E-CREDENTIAL-MISSING",
                format!("the credential code could not be read from the terminal: {e}"),
                Some("or give --credential-file FILE (`-` reads it from standard input)"),
            )
        })?;
        match urne::credentials::CredentialCode::parse(&typed) {
            Ok(c) => return Ok(c),
            Err(e) if tries < 2 => {
                tries += 1;
                eprintln!("{e}");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn unknown_referendum(dir: &EventDir, id: &str) -> Failure {
    Failure::new(
        "E-UNKNOWN-REFERENDUM",
        format!("referendum {id:?} is not in {}", dir.manifest().display()),
        None,
    )
}

pub fn box_command(dir: &EventDir, c: BoxCommand) -> CliResult {
    match c {
        BoxCommand::Init(a) => init(dir, a),
        BoxCommand::Cast(a) => cast(dir, a),
        BoxCommand::Close(a) => close(dir, a),
        BoxCommand::Serve(a) => super::intake::serve(dir, a),
    }
}

fn init(dir: &EventDir, a: BoxInitArgs) -> CliResult {
    let (manifest, sha) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &sha, dir)?;
    let box_path = dir.ballot_box();
    let key_path = dir.box_key();
    // The box is bound to the published credential list: its header carries
    // the list's hash, so a list swapped later is refused.
    let credentials = if manifest.voter_credentials.required() {
        let roll = super::load_roll(dir, &manifest)?;
        let list = super::credentials::load_list(dir, &manifest, &key.fingerprint, &roll)?;
        // Every key decoded once: a box is never bound to a list with a
        // key that is no group element.
        if let Some(l) = &list {
            l.check_keys()?;
        }
        list
    } else {
        None
    };
    if !a.force {
        for p in [&box_path, &key_path] {
            if p.exists() {
                return Err(Failure::new(
                    "E-FILE-EXISTS",
                    format!("{} already exists", p.display()),
                    Some("pass --force to start a new box (the old one is replaced)"),
                ));
            }
        }
    }
    let passphrase = match a.passphrases.passphrase_files.first() {
        Some(f) => prompt::read_passphrase_file(f)?,
        None => {
            eprintln!("{}", crate::cli::say::tr!("box-operator-passphrase"));
            prompt::read_new_passphrase("the ballot box")?
        }
    };
    let (signing, pkcs8) = BoxSigningKey::generate()?;
    let sealed = seal::seal(
        &pkcs8,
        &passphrase,
        SealHeader {
            kind: BOX_KEY_KIND.into(),
            owner: "ballot box".into(),
            fingerprint: hex::encode(key.fingerprint),
            index: 0,
        },
        kdf_params(a.insecure_fast_kdf),
    )?;
    drop(pkcs8);
    urne::fsio::write_atomic(
        &key_path,
        sealed.to_json().as_bytes(),
        a.force,
        urne::fsio::Visibility::Secret,
    )?;
    let header = BoxHeader {
        record: RecordKind::Header,
        format: BOX_FORMAT.into(),
        event: manifest.event.clone(),
        fingerprint: Digest32(key.fingerprint),
        box_key: signing.public_b64(),
        created_at: now(),
        credentials_sha256: credentials.as_ref().map(|l| l.sha256),
    };
    ballot_box::init(&box_path, &header, a.force)?;
    let mut read = vec![dir.election_key()];
    let note = match &credentials {
        Some(l) => {
            read.push(dir.path(super::credentials::LIST_FILE));
            format!(
                "ballot box opened for the voter credential list of {} voters, credentials_sha256 {}",
                l.voters, l.sha256
            )
        }
        None => "ballot box opened".into(),
    };
    super::log_step(
        dir,
        "box-init",
        &["box operator".to_string()],
        &read,
        &[box_path.clone(), key_path],
        &note,
    )?;
    outln!(
        "{}",
        crate::cli::say::tr!("box-opened", file = box_path.display().to_string())
    );
    super::count::print_event_fingerprint(dir);
    Ok(())
}

pub(super) fn parse_time(s: &str, what: &str) -> CliResult<OffsetDateTime> {
    urne::timestamp::parse(s).map_err(|e| Failure {
        code: "E-TIME",
        message: format!("{what}: {e}"),
        hint: Some(urne::input_hints::rfc3339_hint(s)),
    })
}

/// The note an early close starts its log entry with, or "" for a close at
/// or after `voting_closes`; an early close without a reason is refused.
fn early_close_note(
    manifest: &urne::event::Manifest,
    at: OffsetDateTime,
    at_text: &str,
    reason: Option<&str>,
) -> CliResult<String> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if at >= manifest.voting_closes {
        return match reason {
            None => Ok(String::new()),
            Some(_) => Err(Failure::new(
                "E-BOX-CLOSE-EARLY",
                format!(
                    "--early-close-reason was given, but {at_text} is not before voting_closes"
                ),
                Some("give --early-close-reason only to close the box inside the voting window"),
            )),
        };
    }
    match reason {
        Some(r) => Ok(format!("{}{r}; ", urne::ballot_box::EARLY_CLOSE_NOTE)),
        None => Err(Failure::new(
            "E-BOX-CLOSE-EARLY",
            format!(
                "{at_text} is before the manifest's voting_closes ({}); the box was not closed",
                urne::timestamp::format(manifest.voting_closes)
            ),
            Some("to close inside the voting window, say why with --early-close-reason \"…\" (it goes into the ceremony log and the protocol)"),
        )),
    }
}

fn cast(dir: &EventDir, a: CastArgs) -> CliResult {
    if let Some(batch) = &a.batch {
        return super::intake::cast_batch(dir, batch, a.at.clone());
    }
    let (Some(ballot), Some(voter), Some(referendum)) = (&a.ballot, &a.voter, &a.referendum) else {
        return Err(Failure::new(
            "E-INTERNAL",
            "box cast needs --ballot, --voter and --referendum, or --batch",
            None,
        ));
    };
    let (manifest, _) = super::load_manifest(dir)?;
    let r = manifest
        .referendum(referendum)
        .ok_or_else(|| unknown_referendum(dir, referendum))?;
    let at_text = a.at.clone().unwrap_or_else(now);
    parse_time(&at_text, "--at")?;
    super::intake::cast_one(dir, ballot, voter, &r.id, at_text)
}

fn close(dir: &EventDir, a: BoxCloseArgs) -> CliResult {
    let (manifest, _) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    let closed_at = a.at.clone().unwrap_or_else(now);
    let at = parse_time(&closed_at, "--at")?;
    let early = early_close_note(&manifest, at, &closed_at, a.early_close_reason.as_deref())?;
    let box_path = dir.ballot_box();
    // One writer at a time; a line torn by a crash is cut off and logged.
    let _lock = ballot_box::intake::BoxLock::take(&box_path)?;
    if let Some(cut) = ballot_box::intake::cut_torn_tail(&box_path)? {
        super::intake::log_cut(dir, &cut)?;
    }
    let app = Appender::open(&box_path)?;
    // What the count would refuse in a sealed box is refused before sealing.
    ballot_box::check_countable(&box_path, &Digest32(key.fingerprint), &manifest.event)?;
    let sealed = read_sealed(&dir.box_key())?;
    if sealed.kind != BOX_KEY_KIND {
        return Err(Failure::new(
            "E-BOX-KEY",
            format!("{} is not a ballot box key", dir.box_key().display()),
            None,
        ));
    }
    let passphrase = passphrase_for(&a.passphrases, 0, "Passphrase for the ballot box key: ")?;
    let pkcs8 = seal::open(&sealed, &passphrase).map_err(|e| {
        let f: Failure = e.into();
        Failure {
            message: format!("{}: {}", dir.box_key().display(), f.message),
            ..f
        }
    })?;
    let signing = BoxSigningKey::from_pkcs8(&pkcs8)?;
    let n = app.ballots();
    let seal = app.close(&signing, &closed_at)?;
    super::log_step(
        dir,
        "box-close",
        &["box operator".to_string()],
        &[],
        std::slice::from_ref(&box_path),
        &format!(
            "{early}ballot box closed with {n} ballots; head {}",
            seal.prev
        ),
    )?;
    outln!(
        "{}",
        crate::cli::say::tr!(
            "box-closed",
            count = crate::cli::progress::count_of(n, crate::cli::progress::Unit::BALLOTS),
            head = seal.prev.to_string()
        )
    );
    super::count::print_event_fingerprint(dir);
    Ok(())
}
