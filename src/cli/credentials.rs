//! `urne credentials issue`: the credential authority's step (docs/SPEC.md,
//! "Voter credentials"). A thin shell over [`urne::credentials`].

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use urne::credentials::{self, CredentialList};
use urne::fsio::{AtomicFile, Visibility};

use super::out::outln;
use super::{CliResult, EventDir, Failure};

/// The public list's name in the event directory.
pub use urne::credentials::LIST_FILE;

#[derive(Subcommand, Debug)]
pub enum CredentialsCommand {
    /// The credential authority makes one secret credential code per voter
    /// on the roll: the codes go only to the printer's file (--codes), the
    /// public list of keys to credentials.jsonl, logged in the ceremony log.
    #[command(after_help = crate::cli::help::ex::CREDENTIALS_ISSUE)]
    Issue(IssueArgs),
}

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// The printer's file of secret codes (written 0600; refused inside the
    /// event directory, which is published). Give it to the printer of the
    /// polling cards only.
    #[arg(long, value_name = "FILE")]
    pub codes: PathBuf,
    /// Replace an existing list and codes file (every earlier code stops
    /// working).
    #[arg(long)]
    pub force: bool,
}

pub fn run(dir: &EventDir, c: CredentialsCommand) -> CliResult {
    match c {
        CredentialsCommand::Issue(a) => issue(dir, a),
    }
}

/// The absolute form of `p` as far as it exists (its nearest existing
/// ancestor resolved, the rest appended), so that a path not yet written can
/// be compared with a directory.
fn resolved(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = cur.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

/// Refuses a codes file inside the event directory.
fn check_codes_place(dir: &EventDir, codes: &Path) -> CliResult {
    let event = resolved(&dir.path(""));
    let target = resolved(codes);
    if target.starts_with(&event) {
        return Err(Failure::new(
            "E-CREDENTIAL-CODES-PLACE",
            format!(
                "{} is inside the event directory {}, which is published; the secret codes must not go there",
                codes.display(),
                dir.path("").display()
            ),
            Some("give --codes a path on the credential authority's own medium, e.g. /media/printer-usb/codes.csv"),
        ));
    }
    Ok(())
}

fn issue(dir: &EventDir, a: IssueArgs) -> CliResult {
    let (manifest, sha) = super::load_manifest(dir)?;
    if !manifest.voter_credentials.required() {
        return Err(Failure::new(
            "E-CREDENTIAL-NOT-USED",
            format!(
                "{} says voter_credentials = \"none\": this event uses no voter credentials",
                dir.manifest().display()
            ),
            Some("set voter_credentials = \"urne\" in the manifest before the key ceremony"),
        ));
    }
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &sha, dir)?;
    check_codes_place(dir, &a.codes)?;
    let list_path = dir.path(LIST_FILE);
    super::refuse_existing(&[&list_path, &a.codes], a.force)?;
    if dir.ballot_box().exists() && !a.force {
        return Err(Failure::new(
            "E-CREDENTIAL-BOX-OPEN",
            format!(
                "{} is already open: its header names the credential list it takes ballots for",
                dir.ballot_box().display()
            ),
            Some("credentials are issued before the box is opened; a new list needs a new box (--force, before voting opens)"),
        ));
    }
    let roll_path = dir.roll();
    let (roll, _) = super::load_roll_shown(dir, &manifest)?;
    let voters = credentials::roll_voter_ids(&roll_path)?;
    let ids: Vec<&str> = voters.iter().collect();
    let issued = credentials::issue(&key.fingerprint, &ids);
    // Both files are written in full before either is put in place; the
    // codes first, so that a published list always has its codes.
    let mut codes = AtomicFile::create(&a.codes, a.force, Visibility::Secret)?;
    credentials::write_codes(&mut codes, &manifest.event, &issued.public, &issued.codes)
        .map_err(|e| write_failure(&a.codes, &e))?;
    let mut list = AtomicFile::create(&list_path, a.force, Visibility::Public)?;
    credentials::write_list(&mut list, &manifest.event, &key.fingerprint, &issued.public)
        .map_err(|e| write_failure(&list_path, &e))?;
    drop(issued);
    codes.commit()?;
    if let Err(e) = list.commit() {
        let _ = std::fs::remove_file(&a.codes);
        return Err(e.into());
    }
    // Read back as every later step reads it, every key decoded.
    let checked = CredentialList::load(
        &list_path,
        &manifest.event,
        &key.fingerprint,
        &roll,
        manifest.referendums().len(),
    )?;
    checked.check_keys()?;
    super::log_step(
        dir,
        "credentials-issue",
        &["credential authority".to_string()],
        &[dir.manifest(), roll_path, dir.election_key()],
        std::slice::from_ref(&list_path),
        &format!(
            "voter credentials issued for {} voters; credentials_sha256 {}; the secret codes went to the printer's file only",
            checked.voters, checked.sha256
        ),
    )?;
    outln!(
        "Credentials issued for {} voters: public list {} (sha256 {}).",
        checked.voters,
        list_path.display(),
        checked.sha256
    );
    outln!(
        "The secret codes are in {} (readable by you only): give it to the printer of the polling cards, never publish it.",
        a.codes.display()
    );
    Ok(())
}

fn write_failure(path: &Path, e: &std::io::Error) -> Failure {
    Failure::new(
        "E-FILE-WRITE",
        format!("{} could not be written: {e}", path.display()),
        None,
    )
}

/// Loads the event's credential list if the manifest uses credentials,
/// checked against the election and the roll.
pub fn load_list(
    dir: &EventDir,
    manifest: &urne::event::Manifest,
    fingerprint: &[u8; 32],
    roll: &urne::event::Roll,
) -> CliResult<Option<CredentialList>> {
    if !manifest.voter_credentials.required() {
        return Ok(None);
    }
    let path = dir.path(LIST_FILE);
    if !path.exists() {
        return Err(Failure::new(
            "E-FILE-NOT-FOUND",
            format!(
                "{} does not exist, and the manifest says voter_credentials = \"urne\"",
                path.display()
            ),
            Some("the credential authority makes it with `urne credentials issue` before the box is opened"),
        ));
    }
    Ok(Some(CredentialList::load(
        &path,
        &manifest.event,
        fingerprint,
        roll,
        manifest.referendums().len(),
    )?))
}
