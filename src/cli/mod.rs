//! Flags, dispatch, and how failures are shown.
//!
//! Every command works in an *event directory* (`--dir`, default `.`) whose
//! files have fixed names (see [`EventDir`] and docs/SPEC.md, "Event directory"),
//! so keyholders type as few paths as possible.

mod ceremony;
mod count;
mod demo;
mod dkg;
mod intake;
mod postal;
mod prompt;
mod protocol;
mod publish;
mod rehearse;
mod roll;
mod serve;
mod track;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use urne::error::Explain;

/// A failure as the person at the terminal sees it: one line, a stable code, a
/// hint. Built from any library error.
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

impl<E: Explain> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
            hint: e.hint(),
        }
    }
}

impl Failure {
    /// A failure from the shell itself.
    pub fn new(code: &'static str, message: impl Into<String>, hint: Option<&str>) -> Self {
        Failure {
            code,
            message: message.into(),
            hint: hint.map(String::from),
        }
    }
}

pub type CliResult<T = ()> = Result<T, Failure>;

/// urne — a threshold-encrypted ballot box: key ceremony, two-key unlock, count.
#[derive(Parser, Debug)]
#[command(name = "urne", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The event directory holding manifest.toml, roll.csv, election-key.json,
    /// box.jsonl and what the ceremonies write.
    #[arg(short = 'd', long = "dir", global = true, default_value = ".")]
    pub dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The roll under pseudonyms: `urne roll pseudonymize`.
    #[command(subcommand)]
    Roll(roll::RollCommand),
    /// Rehearsal key ceremony on one machine, which holds the whole key while
    /// it splits it (for rehearsals and tests; see `urne ceremony`).
    Keygen(ceremony::KeygenArgs),
    /// Key ceremony without a dealer, one round per command on each
    /// keyholder's own machine: certificate, deal, confirm, assemble.
    #[command(subcommand)]
    Ceremony(dkg::CeremonyCommand),
    /// Key management: `urne key test` proves a share file and passphrase work.
    #[command(subcommand)]
    Key(ceremony::KeyCommand),
    /// Encrypt a ballot (for rehearsals and tests).
    Encrypt(rehearse::EncryptArgs),
    /// The ballot box: init, cast, close.
    #[command(subcommand, name = "box")]
    Box_(rehearse::BoxCommand),
    /// Unlock ceremony: count the closed box and decrypt its sums with the
    /// keyholders' shares, on this machine.
    Unlock(count::UnlockArgs),
    /// One keyholder's partial decryption, on their own machine.
    PartialDecrypt(count::PartialArgs),
    /// Combine t partial decryptions into the result.
    Combine(count::CombineArgs),
    /// Postal votes: the envelope trial and the count rounds.
    #[command(subcommand)]
    Postal(postal::PostalCommand),
    /// Leadership signing keys: `urne signer new`.
    #[command(subcommand)]
    Signer(protocol::SignerCommand),
    /// Write the counting protocol per referendum; `sign` and `check` it.
    Protocol(protocol::ProtocolArgs),
    /// Check a published directory: every figure from the evidence, no secret
    /// needed. Exit 0 if all held, 1 if the evidence contradicts the result,
    /// 3 if files are missing or unreadable.
    Verify(verify::VerifyArgs),
    /// Assemble the directory auditors get: public files only, no secrets.
    AuditPack(verify::AuditPackArgs),
    /// Make a test event of any size (roll, keys, a closed box).
    Simulate(demo::SimulateArgs),
    /// Run the whole cycle on the example event, without prompts.
    Demo(demo::DemoArgs),
    /// Publish the result files (NIST JSON and XML, CSV, HTML) as one signed,
    /// atomic publication for `urne serve`.
    Publish(publish::PublishArgs),
    /// Serve a publication directory to media and the public over HTTP.
    Serve(serve::ServeArgs),
    /// Mirror a result server's current publication into a directory,
    /// checking the publisher's signature.
    Fetch(serve::FetchArgs),
    /// Say what became of the ballot a voter's tracker names: in the sealed
    /// box or not, counted, superseded or rejected (and why).
    Track(track::TrackArgs),
}

/// Non-interactive passphrases, for rehearsals and tests only.
#[derive(Args, Debug, Clone, Default)]
pub struct PassphraseArgs {
    /// Read a passphrase from this file instead of the terminal (rehearsals and
    /// tests only; give it once per share or keyholder, in order).
    #[arg(long = "passphrase-file", value_name = "FILE")]
    pub passphrase_files: Vec<PathBuf>,
}

/// The standard file names in an event directory.
pub struct EventDir {
    root: PathBuf,
}

impl EventDir {
    pub fn new(root: &Path) -> Self {
        EventDir {
            root: root.to_path_buf(),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
    pub fn manifest(&self) -> PathBuf {
        self.path("manifest.toml")
    }
    pub fn roll(&self) -> PathBuf {
        self.path("roll.csv")
    }
    pub fn election_key(&self) -> PathBuf {
        self.path("election-key.json")
    }
    pub fn ballot_box(&self) -> PathBuf {
        self.path("box.jsonl")
    }
    pub fn box_key(&self) -> PathBuf {
        self.path("box-key.sealed")
    }
    pub fn tally(&self) -> PathBuf {
        self.path("tally.json")
    }
    pub fn marked_roll(&self) -> PathBuf {
        self.path("marked-roll.csv")
    }
    pub fn log(&self) -> PathBuf {
        self.path("ceremony-log.jsonl")
    }
    pub fn shares(&self) -> PathBuf {
        self.path("shares")
    }
    pub fn key_test(&self, i: u32) -> PathBuf {
        self.path(&format!("key-tests/keyholder-{i}.json"))
    }
    pub fn partial(&self, i: u32) -> PathBuf {
        self.path(&format!("partials/keyholder-{i}.json"))
    }
    pub fn postal_trial(&self) -> PathBuf {
        self.path("postal-trial.json")
    }
    pub fn postal_decisions(&self) -> PathBuf {
        self.path("postal-decisions.csv")
    }
    pub fn postal_count(&self) -> PathBuf {
        self.path("postal-count.json")
    }
    pub fn signers(&self) -> PathBuf {
        self.path("signers")
    }
    pub fn protocol(&self, referendum: &str, ext: &str) -> PathBuf {
        self.path(&format!("protocols/{referendum}.{ext}"))
    }
}

/// Refuses to go on if any of `paths` exists, unless `force`.
pub fn refuse_existing(paths: &[&Path], force: bool) -> CliResult {
    if force {
        return Ok(());
    }
    for p in paths {
        if p.exists() {
            return Err(Failure::new(
                "E-FILE-EXISTS",
                format!("{} already exists", p.display()),
                Some("pass --force to replace it"),
            ));
        }
    }
    Ok(())
}

/// Reads a JSON artifact; a missing file or bad JSON is one line naming it.
pub fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    code: &'static str,
    missing_hint: Option<&str>,
) -> CliResult<T> {
    if !path.exists() {
        return Err(Failure::new(
            "E-FILE-NOT-FOUND",
            format!("{} does not exist", path.display()),
            missing_hint,
        ));
    }
    let text = urne::fsio::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::new(
            code,
            format!("{}: not a valid file of its kind ({e})", path.display()),
            None,
        )
    })
}

/// Runs the CLI and maps the outcome to an exit code: 0 success, 1 a refused or
/// failed step (with a one-line message), 2 bad usage (from clap).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = EventDir::new(&cli.dir);
    let outcome = match cli.command {
        Command::Verify(a) => return verify::verify(a),
        Command::AuditPack(a) => verify::audit_pack(&dir, a),
        Command::Roll(c) => roll::run(&dir, c),
        Command::Keygen(a) => ceremony::keygen(&dir, a),
        Command::Ceremony(c) => dkg::run(&dir, c),
        Command::Key(ceremony::KeyCommand::Test(a)) => ceremony::key_test(&dir, a),
        Command::Encrypt(a) => rehearse::encrypt(&dir, a),
        Command::Box_(c) => rehearse::box_command(&dir, c),
        Command::Unlock(a) => count::unlock(&dir, a),
        Command::PartialDecrypt(a) => count::partial_decrypt(&dir, a),
        Command::Combine(a) => count::combine(&dir, a),
        Command::Postal(c) => postal::run(&dir, c),
        Command::Signer(c) => protocol::signer(&dir, c),
        Command::Protocol(a) => protocol::run(&dir, a),
        Command::Simulate(a) => demo::simulate(&dir, a),
        Command::Demo(a) => demo::demo(a),
        Command::Publish(a) => publish::publish(&dir, a),
        Command::Serve(a) => serve::serve(a),
        Command::Fetch(a) => serve::fetch(a),
        Command::Track(a) => track::track(a),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("urne: error[{}]: {}", f.code, f.message);
            if let Some(h) = f.hint {
                eprintln!("  hint: {h}");
            }
            ExitCode::from(1)
        }
    }
}

/// The current time in RFC 3339 (UTC).
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Loads the event manifest and the SHA-256 of its exact bytes.
pub fn load_manifest(
    dir: &EventDir,
) -> CliResult<(urne::event::Manifest, urne::crypto::encoding::Digest32)> {
    let (m, sha_hex) = urne::event::Manifest::load(&dir.manifest())?;
    let sha = urne::crypto::encoding::Digest32::from_hex(&sha_hex)
        .ok_or_else(|| Failure::new("E-INTERNAL", "manifest hash is not hex", None))?;
    Ok((m, sha))
}

/// Loads the roll for a manifest.
pub fn load_roll(dir: &EventDir, m: &urne::event::Manifest) -> CliResult<urne::event::Roll> {
    Ok(urne::event::Roll::load(&dir.roll(), m)?)
}

/// Loads and checks the election key.
pub fn load_key(dir: &EventDir) -> CliResult<urne::keys::ElectionKey> {
    let path = dir.election_key();
    let text = urne::fsio::read_to_string(&path)?;
    Ok(urne::keys::ElectionKey::from_json(
        &text,
        &path.display().to_string(),
    )?)
}

/// Checks that the election key was made for this manifest.
pub fn check_key_matches(
    key: &urne::keys::ElectionKey,
    manifest_sha: &urne::crypto::encoding::Digest32,
    dir: &EventDir,
) -> CliResult {
    if key.file.manifest_sha256 != *manifest_sha {
        return Err(Failure::new(
            "E-KEY-OTHER-MANIFEST",
            format!(
                "{} was made for another manifest than {}",
                dir.election_key().display(),
                dir.manifest().display()
            ),
            Some("the manifest must not change after the key ceremony"),
        ));
    }
    Ok(())
}

/// Appends a step to the event's ceremony log, with the hashes of the files it
/// read and wrote.
pub fn log_step(
    dir: &EventDir,
    step: &str,
    who: &[String],
    read: &[PathBuf],
    wrote: &[PathBuf],
    note: &str,
) -> CliResult {
    let hashes = |paths: &[PathBuf]| -> CliResult<Vec<urne::ceremony_log::FileHash>> {
        paths
            .iter()
            .map(|p| {
                Ok(urne::ceremony_log::FileHash {
                    name: p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    sha256: urne::fsio::sha256_file(p)?,
                })
            })
            .collect()
    };
    let path = dir.log();
    let mut log = urne::ceremony_log::CeremonyLog::load_or_new(&path)?;
    log.append(urne::ceremony_log::NewEntry {
        step: step.into(),
        who: who.to_vec(),
        at: now(),
        read: hashes(read)?,
        wrote: hashes(wrote)?,
        note: note.into(),
    })?;
    log.save(&path)?;
    Ok(())
}
