//! `urne box cast` (one ballot, or a JSON Lines batch) and `urne box serve`:
//! thin shells over [`urne::ballot_box::intake`] and [`urne::box_service`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use serde::Deserialize;

use urne::ballot::Ballot;
use urne::ballot_box::intake::{Cut, Inputs, Intake, Keep, Offer, Opened, Origin, Refusal};
use urne::ballot_box::state::{FileStore, MemStore};
use urne::crypto::encoding::Digest32;
use urne::tally::Rejection;

use super::{CliResult, EventDir, Failure};

/// Loads what the rules read: manifest, roll and election key, with the
/// hashes of the manifest and roll files.
pub fn load_inputs(dir: &EventDir) -> CliResult<Inputs> {
    let (manifest, manifest_sha) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &manifest_sha, dir)?;
    let (roll, sha) = urne::event::Roll::load_hashed(&dir.roll(), &manifest, &|_| {})?;
    let roll_sha = Digest32::from_hex(&sha)
        .ok_or_else(|| Failure::new("E-INTERNAL", "roll hash is not hex", None))?;
    let credentials = super::credentials::load_list(dir, &manifest, &key.fingerprint, &roll)?;
    Ok(Inputs {
        manifest,
        roll,
        key,
        manifest_sha256: manifest_sha.0,
        roll_sha256: roll_sha.0,
        credentials,
    })
}

/// Writes a cut torn line to the ceremony log and says so; says where the
/// state came from when it was not up to date.
pub fn report_opened<S: Keep>(
    dir: &EventDir,
    opened: &Opened<S>,
    quiet_rebuild: bool,
) -> CliResult {
    if let Some(cut) = &opened.cut {
        log_cut(dir, cut)?;
        eprintln!(
            "urne: warning[W-BOX-TORN-LINE]: {}: a torn last line ({} bytes) left by a crash was cut off at byte {}; it had never been acknowledged (logged in {})",
            dir.ballot_box().display(),
            cut.bytes,
            cut.at,
            dir.log().display()
        );
    }
    match &opened.origin {
        Origin::Rebuilt { why, records } if !quiet_rebuild || *records > 0 => eprintln!(
            "urne: the box state was rebuilt from {} records of {} ({why})",
            records,
            dir.ballot_box().display()
        ),
        Origin::CaughtUp { records } => {
            eprintln!("urne: the box state took in {records} record(s) it did not have yet")
        }
        _ => {}
    }
    Ok(())
}

pub fn log_cut(dir: &EventDir, cut: &Cut) -> CliResult {
    super::log_step(
        dir,
        "box-repair",
        &["box operator".to_string()],
        &[],
        &[dir.ballot_box()],
        &format!(
            "a torn last line left by a crash was cut off: {} bytes at byte {} (sha256 {}); it had never been acknowledged",
            cut.bytes, cut.at, cut.sha256
        ),
    )
}

/// The one-line failure for a refused ballot.
pub fn refusal_failure(
    r: Refusal,
    what: &str,
    voter: &str,
    referendum: &str,
    ballot_file: &str,
) -> Failure {
    match r {
        Refusal::Rule(why) => {
            let (message, hint) = match why {
                Rejection::NotInRoll => (
                    format!("{what}: voter {voter} is not in the roll for referendum {referendum}; the ballot was not cast"),
                    None,
                ),
                Rejection::OutsideWindow => (
                    format!("{what}: cast outside the voting window; the ballot was not cast"),
                    None,
                ),
                Rejection::BadCredential => (
                    format!("{ballot_file}: the ballot is not signed with voter {voter}'s credential for referendum {referendum} (no signature, no credential in the list, or a signature that does not verify); the ballot was not cast"),
                    Some("the voting client signs each ballot with the voter's credential code: `urne encrypt --credential CODE`"),
                ),
                Rejection::InvalidProof => (
                    format!("{ballot_file}: the ballot's proofs do not verify for voter {voter} in referendum {referendum}; the ballot was not cast"),
                    Some("a ballot is bound to one voter, referendum and election"),
                ),
                Rejection::CopiedBallot => (
                    format!("{what}: its ciphertexts are those of a ballot already in the box (a copied ballot); the ballot was not cast"),
                    None,
                ),
                Rejection::AlreadyVotedElectronically => (
                    format!("{what}: voter {voter} already has an e-vote in referendum {referendum} and the policy is single; the ballot was not cast"),
                    None,
                ),
            };
            Failure::new(why.code(), message, hint)
        }
        Refusal::Sealed => Failure::new(
            "E-BOX-SEALED",
            format!("{what}: the ballot box is closed; it takes no more ballots"),
            None,
        ),
        Refusal::Write(e) => e.into(),
    }
}

/// `urne box cast --ballot FILE`: one ballot, checked and appended, the state
/// file kept up to date in place.
pub fn cast_one(
    dir: &EventDir,
    ballot_path: &Path,
    voter: &str,
    referendum: &str,
    at: String,
) -> CliResult {
    let inputs = Arc::new(load_inputs(dir)?);
    // `-`: the ballot on standard input (`urne help stdin`).
    let text = super::read_input(ballot_path)?;
    let (ballot, credential) = parse_ballot_file(&text).map_err(|e| {
        Failure::new(
            "E-BALLOT-MALFORMED",
            format!("{}: not a ballot ({e})", super::input_name(ballot_path)),
            Some("a ballot is the JSON line `urne encrypt` writes"),
        )
    })?;
    let opened = Intake::<FileStore>::open(&dir.ballot_box(), inputs)?;
    report_opened(dir, &opened, true)?;
    let mut intake = opened.intake;
    let offer = Offer {
        voter: voter.into(),
        referendum: referendum.into(),
        cast_at: at,
        ballot,
        credential,
    };
    let result = intake
        .check_and_cast(vec![offer])
        .pop()
        .unwrap_or(Err(Refusal::Sealed));
    if let Some(w) = &intake.state_warning {
        eprintln!("urne: warning[W-BOX-STATE]: {w}; the next cast rebuilds what it needs");
    }
    let box_file = dir.ballot_box().display().to_string();
    match result {
        Ok(r) if r.repeated => {
            println!(
                "This very ballot is already in the box as ballot {}; nothing was appended; tracker {} (line hash {})",
                r.seq, r.tracker, r.line_hash
            );
            Ok(())
        }
        Ok(r) => {
            println!(
                "Ballot {} cast for voter {voter} in {referendum}; tracker {} (line hash {})",
                r.seq, r.tracker, r.line_hash
            );
            Ok(())
        }
        Err(e) => Err(refusal_failure(
            e,
            &box_file,
            voter,
            referendum,
            &ballot_path.display().to_string(),
        )),
    }
}

/// A ballot file as `urne encrypt` writes it: the ballot object, with its
/// credential signature as the member `credential` when it is signed.
pub fn parse_ballot_file(
    text: &str,
) -> Result<(Ballot, Option<urne::credentials::CredentialSignature>), String> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let credential = match v.as_object_mut().and_then(|o| o.remove("credential")) {
        Some(c) => Some(serde_json::from_value(c).map_err(|e| format!("credential: {e}"))?),
        None => None,
    };
    let ballot = serde_json::from_value(v).map_err(|e| e.to_string())?;
    Ok((ballot, credential))
}

/// One line of a batch file (`urne-cast-batch/1`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchLine {
    voter: String,
    referendum: String,
    #[serde(default)]
    cast_at: Option<String>,
    ballot: Ballot,
    #[serde(default)]
    credential: Option<urne::credentials::CredentialSignature>,
}

/// Ballots taken per write and sync in a batch.
const BATCH_GROUP: usize = 1024;

/// `urne box cast --batch FILE`: every line a ballot, cast in order, a group
/// at a time (one sync each). Refused lines are named; the others are cast.
pub fn cast_batch(dir: &EventDir, file: &Path, at: Option<String>) -> CliResult {
    use std::io::BufRead;
    let inputs = Arc::new(load_inputs(dir)?);
    let name = file.display().to_string();
    let f = std::fs::File::open(file).map_err(|e| {
        Failure::from(if e.kind() == std::io::ErrorKind::NotFound {
            urne::fsio::FsError::NotFound { path: file.into() }
        } else {
            urne::fsio::FsError::Unreadable {
                path: file.into(),
                source: e,
            }
        })
    })?;
    // Every line is read and checked before anything is cast: a batch with a
    // line that is not a ballot is refused whole.
    let mut offers = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| {
            Failure::new("E-FILE-READ", format!("{name}: line {}: {e}", i + 1), None)
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let b: BatchLine = serde_json::from_str(&line).map_err(|e| {
            Failure::new(
                "E-BATCH-MALFORMED",
                format!("{name}, line {}: not a batch line ({e}); nothing was cast", i + 1),
                Some("each line is {\"voter\":…,\"referendum\":…,\"ballot\":{…}}, optionally with \"cast_at\""),
            )
        })?;
        let cast_at = match b.cast_at.or_else(|| at.clone()) {
            Some(t) => {
                super::rehearse::parse_time(&t, &format!("{name}, line {}: cast_at", i + 1))?;
                t
            }
            None => super::now(),
        };
        offers.push((
            i + 1,
            Offer {
                voter: b.voter,
                referendum: b.referendum,
                cast_at,
                ballot: b.ballot,
                credential: b.credential,
            },
        ));
    }
    let opened = Intake::<MemStore>::open(&dir.ballot_box(), inputs)?;
    report_opened(dir, &opened, true)?;
    let mut intake = opened.intake;
    let (mut cast, mut refused) = (0u64, 0u64);
    let mut first_failure = None;
    let total = offers.len();
    let mut rest = offers.into_iter().peekable();
    while rest.peek().is_some() {
        let group: Vec<(usize, Offer)> = rest.by_ref().take(BATCH_GROUP).collect();
        let who: Vec<(usize, String, String)> = group
            .iter()
            .map(|(n, o)| (*n, o.voter.clone(), o.referendum.clone()))
            .collect();
        let results = intake.check_and_cast(group.into_iter().map(|(_, o)| o).collect());
        for ((n, voter, referendum), r) in who.into_iter().zip(results) {
            match r {
                Ok(r) => {
                    cast += 1;
                    println!(
                        "{name}, line {n}: cast as ballot {}; tracker {}",
                        r.seq, r.tracker
                    );
                }
                Err(e) => {
                    refused += 1;
                    let f = refusal_failure(
                        e,
                        &format!("{name}, line {n}"),
                        &voter,
                        &referendum,
                        &format!("{name}, line {n}"),
                    );
                    eprintln!("urne: error[{}]: {}", f.code, f.message);
                    first_failure.get_or_insert(f.code);
                }
            }
        }
    }
    intake.save_state()?;
    println!("{cast} of {total} ballots cast, {refused} refused");
    match first_failure {
        None => Ok(()),
        Some(code) => Err(Failure::new(
            code,
            format!("{name}: {refused} of {total} ballots were refused and not cast (each is named above)"),
            None,
        )),
    }
}

#[derive(Args, Debug)]
pub struct BoxServeArgs {
    /// The service's configuration (TOML): listen address, the file holding
    /// the shared bearer token, queue and batch sizes (docs/SPEC.md,
    /// "Receiving service").
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Listen on this address and port (overrides the configuration).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// `urne box serve`: opens the box (lock, torn line, state), then serves
/// until Ctrl-C or SIGTERM, and saves the state on the way out.
pub fn serve(dir: &EventDir, a: BoxServeArgs) -> CliResult {
    use urne::box_service::config::BoxServeConfig;
    use urne::box_service::BoxService;
    let mut config = BoxServeConfig::load(&a.config)?;
    if let Some(l) = a.listen {
        config.listen = l;
    }
    let inputs = Arc::new(load_inputs(dir)?);
    let opened = Intake::<MemStore>::open(&dir.ballot_box(), inputs)?;
    report_opened(dir, &opened, false)?;
    let intake = opened.intake;
    let pos = intake.position();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                "E-SERVE-IO",
                format!("could not start the service's runtime: {e}"),
                None,
            )
        })?;
    let intake = runtime.block_on(async {
        let service = BoxService::bind(intake, &config).await?;
        let addr = service.local_addr()?;
        // Before the address is printed (src/cli/stop.rs says why).
        let stop = super::stop::StopSignals::register();
        if let Some(t) = config.rehearsal_clock {
            eprintln!("urne box serve: REHEARSAL: the service's clock started at {t}; never for a real election");
        }
        println!(
            "urne box serve: taking ballots for {} on http://{addr}/ ({} ballots, head {}{})",
            dir.ballot_box().display(),
            pos.ballots,
            pos.head,
            if pos.sealed { ", closed" } else { "" }
        );
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let intake = service
            .run(stop.wait())
            .await?;
        Ok::<_, Failure>(intake)
    })?;
    intake.save_state()?;
    let pos = intake.position();
    println!(
        "urne box serve: stopped with {} ballots, head {}; state saved",
        pos.ballots, pos.head
    );
    Ok(())
}
