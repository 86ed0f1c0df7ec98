//! Flags, dispatch, and how failures are shown.
//!
//! Every command works in an *event directory* (`--dir`, default `.`) whose
//! files have fixed names (see [`EventDir`] and docs/SPEC.md, "Event directory"),
//! so keyholders type as few paths as possible.

mod ceremony;
mod count;
mod credentials;
mod demo;
mod dkg;
mod help;
mod intake;
mod out;
mod postal;
mod progress;
mod prompt;
mod protocol;
mod publish;
mod rehearse;
mod roll;
mod say;
mod serve;
mod stop;
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
#[command(
    name = "urne",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = help::AFTER_MAIN_HELP
)]
pub struct Cli {
    /// The event directory, for the commands that work in one (the same as
    /// `--dir` after the command). Default: the current directory.
    // Its own id: the commands' `--dir` is global within each command, and
    // clap would otherwise merge the two values into one.
    #[arg(
        id = "dir_before_command",
        short = 'd',
        long = "dir",
        value_name = "DIR"
    )]
    pub dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// `-d/--dir` on a command that works in an event directory.
#[derive(Args, Debug, Clone, Default)]
pub struct DirArg {
    /// The event directory holding manifest.toml, roll.csv, election-key.json,
    /// box.jsonl and what the ceremonies write. Default: the current
    /// directory.
    #[arg(short = 'd', long = "dir", value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,
}

/// A command that works in an event directory: its own flags and `--dir`.
#[derive(Args, Debug)]
pub struct InEvent<T: Args> {
    #[command(flatten)]
    pub event: DirArg,
    #[command(flatten)]
    pub args: T,
}

/// A group of commands that work in an event directory (`urne box init`, …):
/// `--dir` is taken before or after the subcommand's name.
#[derive(Args, Debug)]
pub struct InEventGroup<S: Subcommand> {
    #[command(flatten)]
    pub event: DirArg,
    #[command(subcommand)]
    pub command: S,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The roll under pseudonyms: `urne roll pseudonymize`.
    #[command(after_help = help::ex::ROLL)]
    Roll(InEventGroup<roll::RollCommand>),
    /// Rehearsal key ceremony on one machine, which holds the whole key while
    /// it splits it (for rehearsals and tests; see `urne ceremony`).
    #[command(after_help = help::ex::KEYGEN)]
    Keygen(InEvent<ceremony::KeygenArgs>),
    /// Key ceremony without a dealer, one round per command on each
    /// keyholder's own machine: certificate, deal, confirm, assemble.
    #[command(after_help = help::ex::CEREMONY)]
    Ceremony(InEventGroup<dkg::CeremonyCommand>),
    /// Voter credentials: `urne credentials issue`, the credential
    /// authority's step (one secret code per voter, the public list).
    #[command(after_help = help::ex::CREDENTIALS)]
    Credentials(InEventGroup<credentials::CredentialsCommand>),
    /// Key management: `urne key test` proves a share file and passphrase work.
    #[command(after_help = help::ex::KEY_TEST)]
    Key(InEventGroup<ceremony::KeyCommand>),
    /// Encrypt a ballot (for rehearsals and tests).
    #[command(after_help = help::ex::ENCRYPT)]
    Encrypt(InEvent<rehearse::EncryptArgs>),
    /// The ballot box: init, cast, close.
    #[command(name = "box", after_help = help::ex::BOX)]
    Box_(InEventGroup<rehearse::BoxCommand>),
    /// Unlock ceremony: count the closed box and decrypt its sums with the
    /// keyholders' shares, on this machine.
    #[command(after_help = help::ex::UNLOCK)]
    Unlock(InEvent<count::UnlockArgs>),
    /// One keyholder's partial decryption, on their own machine.
    #[command(after_help = help::ex::PARTIAL_DECRYPT)]
    PartialDecrypt(InEvent<count::PartialArgs>),
    /// Combine t partial decryptions into the result.
    #[command(after_help = help::ex::COMBINE)]
    Combine(InEvent<count::CombineArgs>),
    /// Postal votes: the envelope trial and the count rounds.
    #[command(after_help = help::ex::POSTAL)]
    Postal(InEventGroup<postal::PostalCommand>),
    /// Leadership signing keys: `urne signer new`.
    #[command(after_help = help::ex::SIGNER)]
    Signer(InEventGroup<protocol::SignerCommand>),
    /// Write the counting protocol per referendum; `sign` and `check` it.
    #[command(after_help = help::ex::PROTOCOL)]
    Protocol(InEvent<protocol::ProtocolArgs>),
    /// Check a published directory: every figure from the evidence, no secret
    /// needed. Exit 0 if all held, 1 if the evidence contradicts the result,
    /// 3 if files are missing or unreadable.
    #[command(after_help = help::ex::VERIFY)]
    Verify(verify::VerifyArgs),
    /// Assemble the directory auditors get: public files only, no secrets.
    #[command(after_help = help::ex::AUDIT_PACK)]
    AuditPack(InEvent<verify::AuditPackArgs>),
    /// Make a test event of any size (roll, keys, a closed box).
    #[command(after_help = help::ex::SIMULATE)]
    Simulate(InEvent<demo::SimulateArgs>),
    /// Run the whole cycle on the example event, without prompts.
    #[command(after_help = help::ex::DEMO)]
    Demo(demo::DemoArgs),
    /// Publish the result files (NIST JSON and XML, CSV, HTML) as one signed,
    /// atomic publication for `urne serve`.
    #[command(after_help = help::ex::PUBLISH)]
    Publish(InEvent<publish::PublishArgs>),
    /// Serve a publication directory to media and the public over HTTP.
    #[command(after_help = help::ex::SERVE)]
    Serve(serve::ServeArgs),
    /// Mirror a result server's current publication into a directory,
    /// checking the publisher's signature.
    #[command(after_help = help::ex::FETCH)]
    Fetch(serve::FetchArgs),
    /// Say what became of the ballot a voter's tracker names: in the sealed
    /// box or not, counted, superseded or rejected (and why).
    #[command(after_help = help::ex::TRACK)]
    Track(track::TrackArgs),
    /// What an error or check code means, and what to do: `urne explain E-TIME`.
    #[command(after_help = help::ex::EXPLAIN)]
    Explain(help::ExplainArgs),
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

/// True if `path` is `-`: standard input (or output), where it makes sense
/// (`urne help stdin`).
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How an input is named in messages: its path, or "standard input".
pub fn input_name(path: &Path) -> String {
    if is_stdio(path) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Reads a text input: a file, or standard input for `-`.
pub fn read_input(path: &Path) -> CliResult<String> {
    if !is_stdio(path) {
        return Ok(urne::fsio::read_to_string(path)?);
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text).map_err(|e| {
        Failure::new(
            "E-FILE-READ",
            format!("standard input could not be read as UTF-8 text: {e}"),
            None,
        )
    })?;
    Ok(text)
}

/// Reads a JSON artifact; a missing file or bad JSON is one line naming it.
pub fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    code: &'static str,
    missing_hint: Option<&str>,
    limit: urne::limits::Limit,
) -> CliResult<T> {
    if !path.exists() {
        return Err(Failure::new(
            "E-FILE-NOT-FOUND",
            format!("{} does not exist", path.display()),
            missing_hint,
        ));
    }
    let text = urne::fsio::read_to_string_limited(path, limit.bytes, limit.what)?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::new(
            code,
            format!("{}: not a valid file of its kind ({e})", path.display()),
            None,
        )
    })
}

/// Which event directory a command works in: `--dir` after the command, or
/// `-d` before it (both may be given only if they agree), or `.`.
fn event_dir(top: &Option<PathBuf>, own: DirArg) -> EventDir {
    let dir = match (top, own.dir) {
        (Some(a), Some(b)) if *a != b => usage_error(&format!(
            "the event directory is given twice: -d {} and --dir {}",
            a.display(),
            b.display()
        )),
        (_, Some(b)) => b,
        (Some(a), None) => a.clone(),
        (None, None) => PathBuf::from("."),
    };
    let dir = EventDir::new(&dir);
    say::use_event_language(&dir.manifest());
    dir
}

/// Ends with clap's usage error (exit 2).
fn usage_error(message: &str) -> ! {
    use clap::CommandFactory;
    Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

/// Refuses `urne -d DIR CMD` for a command that works in no event directory.
fn no_event_dir(top: &Option<PathBuf>, command: &str, instead: &str) {
    if let Some(d) = top {
        usage_error(&format!(
            "`urne {command}` works in no event directory, so -d {} means nothing to it; {instead}",
            d.display()
        ));
    }
}

/// Runs the CLI and maps the outcome to an exit code: 0 success, 1 a refused or
/// failed step (with a one-line message), 2 bad usage (from clap).
pub fn main() -> ExitCode {
    out::quiet_on_broken_pipe();
    if let Some(code) = help::topic_from_args() {
        return code;
    }
    let cli = Cli::parse();
    let top = cli.dir;
    let outcome = match cli.command {
        Command::Verify(a) => {
            let dir = match (&top, &a.dir) {
                (Some(t), Some(d)) if t != d => usage_error(&format!(
                    "the directory to verify is given twice: -d {} and {}",
                    t.display(),
                    d.display()
                )),
                (_, Some(d)) => d.clone(),
                (Some(t), None) => t.clone(),
                (None, None) => PathBuf::from("."),
            };
            return verify::verify(&dir, a);
        }
        Command::AuditPack(a) => verify::audit_pack(&event_dir(&top, a.event), a.args),
        Command::Roll(c) => roll::run(&event_dir(&top, c.event), c.command),
        Command::Keygen(a) => ceremony::keygen(&event_dir(&top, a.event), a.args),
        Command::Ceremony(c) => dkg::run(&event_dir(&top, c.event), c.command),
        Command::Key(c) => {
            let ceremony::KeyCommand::Test(a) = c.command;
            ceremony::key_test(&event_dir(&top, c.event), a)
        }
        Command::Credentials(c) => credentials::run(&event_dir(&top, c.event), c.command),
        Command::Encrypt(a) => rehearse::encrypt(&event_dir(&top, a.event), a.args),
        Command::Box_(c) => rehearse::box_command(&event_dir(&top, c.event), c.command),
        Command::Unlock(a) => count::unlock(&event_dir(&top, a.event), a.args),
        Command::PartialDecrypt(a) => count::partial_decrypt(&event_dir(&top, a.event), a.args),
        Command::Combine(a) => count::combine(&event_dir(&top, a.event), a.args),
        Command::Postal(c) => postal::run(&event_dir(&top, c.event), c.command),
        Command::Signer(c) => protocol::signer(&event_dir(&top, c.event), c.command),
        Command::Protocol(a) => protocol::run(&event_dir(&top, a.event), a.args),
        Command::Simulate(a) => demo::simulate(&event_dir(&top, a.event), a.args),
        Command::Publish(a) => publish::publish(&event_dir(&top, a.event), a.args),
        Command::Demo(a) => {
            no_event_dir(
                &top,
                "demo",
                "it writes its own event directory, given with --out",
            );
            demo::demo(a)
        }
        Command::Serve(a) => {
            no_event_dir(
                &top,
                "serve",
                "give the publication directory as its argument",
            );
            serve::serve(a)
        }
        Command::Fetch(a) => {
            no_event_dir(&top, "fetch", "it writes to the directory given with --out");
            serve::fetch(a)
        }
        Command::Track(a) => {
            // The published directory is its argument; `-d` may name it
            // too, but not another one.
            if top.as_ref().is_some_and(|t| *t != a.published) {
                usage_error(&format!(
                    "`urne track` reads the published directory given after the code ({}), not -d {}",
                    a.published.display(),
                    top.as_ref().map_or(String::new(), |t| t.display().to_string())
                ));
            }
            track::track(a)
        }
        Command::Explain(a) => {
            no_event_dir(&top, "explain", "give only the code");
            return help::explain(&a);
        }
    };
    report_stale_removed();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let one_line = urne::error::one_line;
            eprintln!("urne: error[{}]: {}", f.code, one_line(&f.message));
            if let Some(h) = f.hint {
                eprintln!("  hint: {}", one_line(&h));
            }
            ExitCode::from(1)
        }
    }
}

/// Says which temporary files of an interrupted earlier run were removed on
/// the way (fsio removes them when it writes the same file again).
fn report_stale_removed() {
    for p in urne::fsio::take_stale_removed() {
        eprintln!(
            "urne: removed {}, a temporary file left by an interrupted earlier run",
            p.display()
        );
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

/// [`load_roll`] under a progress bar (the file's KiB read, the rate, the
/// time left): a roll of millions of voters takes seconds, in front of
/// observers. What stays is "Roll read: N entries". Also returns the
/// SHA-256 of the bytes parsed, for a step that records the roll it read.
pub fn load_roll_shown(
    dir: &EventDir,
    m: &urne::event::Manifest,
) -> CliResult<(urne::event::Roll, String)> {
    let path = dir.roll();
    let p = progress::Progress::reading(&say::tr!("roll-reading"), &path);
    match urne::event::Roll::load_hashed(&path, m, &|b| p.set_bytes(b)) {
        Ok((roll, sha256)) => {
            let entries =
                progress::count_of(roll.entitled_total(), progress::Unit { id: "unit-entry" });
            p.finish(&say::tr!("roll-read", count = entries));
            Ok((roll, sha256))
        }
        Err(e) => {
            p.clear();
            Err(e.into())
        }
    }
}

/// Loads and checks the election key.
pub fn load_key(dir: &EventDir) -> CliResult<urne::keys::ElectionKey> {
    load_key_hashed(dir).map(|(key, _)| key)
}

/// [`load_key`], with the SHA-256 (lowercase hex) of the bytes it was read from.
pub fn load_key_hashed(dir: &EventDir) -> CliResult<(urne::keys::ElectionKey, String)> {
    let path = dir.election_key();
    let what = "an election key file";
    let text = urne::fsio::read_to_string_limited(&path, urne::limits::SMALL_JSON_BYTES, what)?;
    let key = urne::keys::ElectionKey::from_json(&text, &path.display().to_string())?;
    Ok((key, urne::fsio::sha256_hex(text.as_bytes())))
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
/// How the log names a file: its path relative to the event directory with
/// `/` between components (`protocols/sogne.json`), or its file name if it
/// is outside the directory (a share on a keyholder's medium).
fn logged_name(dir: &EventDir, p: &Path) -> String {
    let file_name = || {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    match p.strip_prefix(dir.path("")) {
        Ok(rel) if !rel.as_os_str().is_empty() && !rel.starts_with("..") => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        _ => file_name(),
    }
}

pub fn log_step(
    dir: &EventDir,
    step: &str,
    who: &[String],
    read: &[PathBuf],
    wrote: &[PathBuf],
    note: &str,
) -> CliResult {
    let read = read
        .iter()
        .map(|p| Ok((p.clone(), urne::fsio::sha256_file(p)?)))
        .collect::<CliResult<Vec<_>>>()?;
    log_step_hashed(dir, step, who, &read, wrote, note)
}

/// [`log_step`] for a step that already has the hashes of what it read
/// (a count, which hashed the box as it read it: a national box is
/// gigabytes, and reading it again only to hash it would double the wait).
pub fn log_step_hashed(
    dir: &EventDir,
    step: &str,
    who: &[String],
    read: &[(PathBuf, String)],
    wrote: &[PathBuf],
    note: &str,
) -> CliResult {
    let wrote = wrote
        .iter()
        .map(|p| {
            Ok(urne::ceremony_log::FileHash {
                name: logged_name(dir, p),
                sha256: urne::fsio::sha256_file(p)?,
            })
        })
        .collect::<CliResult<Vec<_>>>()?;
    let read = read
        .iter()
        .map(|(p, sha256)| urne::ceremony_log::FileHash {
            name: logged_name(dir, p),
            sha256: sha256.clone(),
        })
        .collect();
    let path = dir.log();
    let mut log = urne::ceremony_log::CeremonyLog::load_or_new(&path)?;
    log.append(urne::ceremony_log::NewEntry {
        step: step.into(),
        who: who.to_vec(),
        at: now(),
        read,
        wrote,
        note: note.into(),
    })?;
    log.save(&path)?;
    Ok(())
}
