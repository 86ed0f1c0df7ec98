//! `urne simulate` (test events of any size) and `urne demo` (the whole cycle on
//! the example event, without prompts).

use std::path::{Path, PathBuf};

use clap::Args;

use urne::event::Manifest;
use urne::fsio::Visibility;
use urne::simulate::{self, Spec, Truth};
use urne::tally::TallyFile;

use super::ceremony::{KeyTestArgs, KeygenArgs};
use super::count::UnlockArgs;
use super::out::outln;
use super::progress::{Progress, Unit};
use super::{CliResult, EventDir, Failure, PassphraseArgs};

/// What simulate says while it works, in one place.
mod msg {
    pub const ENCRYPTING: &str = "Encrypting the simulated ballots";
    pub const ENCRYPTED: &str = "Simulated ballots encrypted and the box sealed";
}

/// The example event and its example keys, built into the binary so the demo
/// runs from any directory. The passphrases are example-only (keys-example/).
const EXAMPLE_MANIFEST: &str = include_str!("../../examples/event/manifest.toml");
/// The example keyholders' sealed ceremony seeds: the demo runs the key
/// ceremony without a dealer from them, so it makes the example election key
/// again (every round is derived from the seed), to which the example signing
/// keys below are bound.
const EXAMPLE_SEEDS: [&str; 2] = [
    include_str!("../../keys-example/keyholder-1-attempt-1.seed"),
    include_str!("../../keys-example/keyholder-2-attempt-1.seed"),
];
const EXAMPLE_PASSPHRASES: [&str; 2] = [
    include_str!("../../keys-example/passphrase-1.txt"),
    include_str!("../../keys-example/passphrase-2.txt"),
];
/// The leadership group's example signing keys: (slug, sealed key, public
/// key file, passphrase).
const EXAMPLE_SIGNERS: [(&str, &str, &str, &str); 3] = [
    (
        "ingrid-berg",
        include_str!("../../keys-example/signers/ingrid-berg.key"),
        include_str!("../../keys-example/signers/ingrid-berg.pub.json"),
        include_str!("../../keys-example/signers/ingrid-berg.passphrase.txt"),
    ),
    (
        "per-olsen",
        include_str!("../../keys-example/signers/per-olsen.key"),
        include_str!("../../keys-example/signers/per-olsen.pub.json"),
        include_str!("../../keys-example/signers/per-olsen.passphrase.txt"),
    ),
    (
        "aisha-khan",
        include_str!("../../keys-example/signers/aisha-khan.key"),
        include_str!("../../keys-example/signers/aisha-khan.pub.json"),
        include_str!("../../keys-example/signers/aisha-khan.passphrase.txt"),
    ),
];

/// Bad ballots of each kind a referendum in the demo's box (stuffed ones
/// among them).
const DEMO_BAD_EACH: u64 = 3;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The event manifest (default DIR/manifest.toml; if there is none, a
    /// one-referendum Ja/Nei/Blank event is made).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Use this existing election key (otherwise a key ceremony is run with
    /// --passphrase-file for every keyholder).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Entitled voters per referendum (default: the manifest's `entitled`).
    #[arg(long)]
    pub voters: Option<u64>,
    /// Share of the roll that votes electronically.
    #[arg(long, default_value_t = 0.6)]
    pub turnout: f64,
    /// Share of e-voters who vote a second time.
    #[arg(long, default_value_t = 0.05)]
    pub revote: f64,
    /// Bad ballots of each kind per referendum (not in roll, outside the window,
    /// invalid proof, copied).
    #[arg(long, default_value_t = 2)]
    pub bad: u64,
    /// E-vote policy of a generated manifest: single or last_counts.
    #[arg(long, default_value = "last_counts")]
    pub policy: String,
    /// Options of a generated manifest, comma-separated.
    #[arg(long, default_value = "Ja,Nei,Blank", value_name = "A,B,…")]
    pub options: String,
    /// Seed for the simulated votes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Fix the split of the counted votes of a referendum between its
    /// options, as weights in option order: `sogne=50,30,20` (or `50,30,20`
    /// for every referendum). Repeat for several referendums. Without it,
    /// each vote is drawn uniformly.
    #[arg(long, value_name = "[ID=]W1,W2,…")]
    pub split: Vec<String>,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
    /// INSECURE, for test suites and benchmarks only: seals the generated shares with a
    /// fast, weak passphrase hash (Argon2id, 8 KiB, one pass) that makes
    /// the passphrase cheap to guess. NEVER for a real election; see `urne
    /// help testing`.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where the demo writes its event directory (replaced if an earlier demo
    /// made it).
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    pub out: PathBuf,
}

fn generated_manifest(policy: &str, options: &str, voters: u64) -> String {
    let options = options
        .split(',')
        .map(|o| format!("{:?}", o.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"# Made by `urne simulate`: a one-referendum test event.
format = "urne-manifest/1"
event = "simulated"
title = "Simulated referendum"
authority = "urne simulation"
is_test = true
voting_opens = "2027-01-22T09:00:00+01:00"
voting_closes = "2027-02-02T21:00:00+01:00"
postal_deadline = "2027-02-03T17:00:00+01:00"
evote_policy = "{policy}"
threshold = 2
keyholders = ["Keyholder 1", "Keyholder 2"]
leadership = ["Chair", "Deputy"]

[[referendum]]
id = "sim"
area = "Simulated municipality"
question = "Ja, nei eller blank?"
options = [{options}]
entitled = {voters}
"#
    )
}

/// `--split` values, per referendum in manifest order.
fn parse_split(manifest: &Manifest, given: &[String]) -> CliResult<Vec<Option<Vec<f64>>>> {
    let refs = manifest.referendums();
    let mut out: Vec<Option<Vec<f64>>> = vec![None; refs.len()];
    for g in given {
        let (target, weights) = match g.split_once('=') {
            Some((id, w)) => (Some(id), w),
            None => (None, g.as_str()),
        };
        let bad = |why: String| {
            Failure::new(
                "E-SIMULATE-SPLIT",
                format!("--split {g:?}: {why}"),
                Some("give weights in option order, e.g. --split sogne=50,30,20"),
            )
        };
        let w: Vec<f64> = weights
            .split(',')
            .map(|x| {
                x.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
            })
            .collect::<Option<_>>()
            .ok_or_else(|| bad("a weight is not a number ≥ 0".into()))?;
        if w.iter().sum::<f64>() <= 0.0 {
            return Err(bad("the weights add up to zero".into()));
        }
        let mut matched = false;
        for (i, r) in refs.iter().enumerate() {
            if target.is_some_and(|t| t != r.id) {
                continue;
            }
            if w.len() != r.options.len() {
                return Err(bad(format!(
                    "referendum {} has {} options, not {}",
                    r.id,
                    r.options.len(),
                    w.len()
                )));
            }
            out[i] = Some(w.clone());
            matched = true;
        }
        if !matched {
            return Err(bad("no referendum of the manifest has that id".into()));
        }
    }
    Ok(out)
}

fn write(path: &Path, text: &str, force: bool) -> CliResult {
    Ok(urne::fsio::write_atomic(
        path,
        text.as_bytes(),
        force,
        Visibility::Public,
    )?)
}

/// A share, a signer key or a passphrase of the example: 0600.
fn write_secret(path: &Path, text: &str, force: bool) -> CliResult {
    Ok(urne::fsio::write_atomic(
        path,
        text.as_bytes(),
        force,
        Visibility::Secret,
    )?)
}

/// Runs a simulation into `dir`; returns the truth.
fn run_simulation(dir: &EventDir, a: &SimulateArgs) -> CliResult<(Manifest, Truth)> {
    let manifest_text = match &a.manifest {
        Some(p) => urne::fsio::read_to_string(p)?,
        None if dir.manifest().exists() => urne::fsio::read_to_string(&dir.manifest())?,
        None => generated_manifest(&a.policy, &a.options, a.voters.unwrap_or(10_000)),
    };
    if a.manifest.is_some() || !dir.manifest().exists() {
        write(&dir.manifest(), &manifest_text, a.force)?;
    }
    let (manifest, _) = super::load_manifest(dir)?;
    let split = parse_split(&manifest, &a.split)?;
    match &a.key {
        Some(k) => write(
            &dir.election_key(),
            &urne::fsio::read_to_string(k)?,
            a.force,
        )?,
        None if dir.election_key().exists() && !a.force => {}
        None => {
            if a.passphrases.passphrase_files.len() < manifest.keyholders.len() {
                return Err(Failure::new(
                    "E-SIMULATE-PASSPHRASES",
                    format!(
                        "the simulation makes shares for {} keyholders but {} --passphrase-file were given",
                        manifest.keyholders.len(),
                        a.passphrases.passphrase_files.len()
                    ),
                    Some("give --passphrase-file once per keyholder, or --key with an existing election key"),
                ));
            }
            super::ceremony::keygen(
                dir,
                KeygenArgs {
                    shares_dir: None,
                    media: Vec::new(),
                    passphrases: a.passphrases.clone(),
                    force: a.force,
                    insecure_fast_kdf: a.insecure_fast_kdf,
                },
            )?;
        }
    }
    let (_, sha) = super::load_manifest(dir)?;
    let key = super::load_key(dir)?;
    super::check_key_matches(&key, &sha, dir)?;
    let entitled: Vec<u64> = manifest
        .referendums()
        .iter()
        .map(|r| a.voters.or(r.entitled).unwrap_or(1000))
        .collect();
    let spec = Spec {
        entitled,
        turnout: a.turnout,
        revote: a.revote,
        bad_each: a.bad,
        seed: a.seed,
        split,
    };
    // Streamed: a national roll is not built in memory first.
    urne::fsio::write_atomic_with(&dir.roll(), a.force, urne::fsio::Visibility::Public, |w| {
        w.write_all(b"voter_id,referendum\n")?;
        for (v, r) in simulate::roll_entries(&manifest, &spec) {
            writeln!(w, "{v},{r}")?;
        }
        Ok(())
    })?;
    // With credentials: the list of every roll voter's key, as the credential
    // authority would publish it (codes derived from the seed).
    let credentials = if manifest.voter_credentials.required() {
        let list = simulate::credential_list(&manifest, &spec, &key.fingerprint);
        let path = dir.path(super::credentials::LIST_FILE);
        urne::fsio::write_atomic_with(&path, a.force, Visibility::Public, |w| {
            urne::credentials::write_list(w, &manifest.event, &key.fingerprint, &list)
        })?;
        let sha = urne::fsio::sha256_file(&path)?;
        urne::crypto::encoding::Digest32::from_hex(&sha)
    } else {
        None
    };
    let progress = Progress::counting(msg::ENCRYPTING, Unit::BALLOTS, None);
    let truth = simulate::write_box(
        &manifest,
        &key,
        &spec,
        credentials,
        &dir.ballot_box(),
        a.force,
        &|n, total| progress.set_of(n, total),
    )?;
    progress.finish(msg::ENCRYPTED);
    let mut json = serde_json::to_string_pretty(&truth).unwrap_or_default();
    json.push('\n');
    write(&dir.path("simulation.json"), &json, a.force)?;
    Ok((manifest, truth))
}

pub fn simulate(dir: &EventDir, a: SimulateArgs) -> CliResult {
    let (manifest, truth) = run_simulation(dir, &a)?;
    outln!("Simulated a closed box of {} ballots:", truth.ballots);
    for r in &truth.referendums {
        outln!(
            "  {}: {} entitled, {} e-votes received, {} to be counted",
            r.id,
            r.entitled,
            r.received,
            r.counted
        );
    }
    // With credentials, the list simulate wrote as the credential authority
    // (its codes derived from --seed, so never for a real event).
    let list = if manifest.voter_credentials.required() {
        format!(" {},", super::credentials::LIST_FILE)
    } else {
        String::new()
    };
    outln!(
        "Files in {}: manifest.toml, roll.csv, election-key.json,{list} box.jsonl, simulation.json",
        dir.path("").display()
    );
    if !list.is_empty() {
        outln!(
            "Every ballot is signed with a credential code derived from --seed {}: test material, never for a real event.",
            a.seed
        );
    }
    Ok(())
}

/// Step 1 of the demo: the key ceremony without a dealer, every round, with
/// each keyholder's medium a directory of its own. The seeds are the
/// example's (so the key is keys-example's); `--force` on the certificate
/// round makes the certificate from the seed already on the medium instead of
/// drawing one. Returns the sealed shares and the passphrase files.
fn example_key_ceremony(dir: &EventDir) -> CliResult<(Vec<PathBuf>, Vec<PathBuf>)> {
    use super::dkg::{self as ceremony, RoundArgs};
    println!();
    println!(
        "1. Key ceremony without a dealer: each keyholder on their own machine (here, a directory each); no machine ever holds the election key."
    );
    let mut shares = Vec::new();
    let mut passes = Vec::new();
    let mut media = Vec::new();
    for (i, (seed, p)) in EXAMPLE_SEEDS.iter().zip(EXAMPLE_PASSPHRASES).enumerate() {
        let medium = dir.path(&format!("media/keyholder-{}", i + 1));
        let pp = dir.path(&format!("example-passphrases/keyholder-{}.txt", i + 1));
        write_secret(
            &medium.join(format!("keyholder-{}-attempt-1.seed", i + 1)),
            seed,
            false,
        )?;
        write_secret(&pp, p, false)?;
        shares.push(medium.join(format!("keyholder-{}.share", i + 1)));
        media.push(medium);
        passes.push(pp);
    }
    let args = |i: usize| RoundArgs {
        keyholder: u32::try_from(i + 1).unwrap_or(u32::MAX),
        medium: media[i].clone(),
        folder: None,
        attempt: 1,
        passphrases: PassphraseArgs {
            passphrase_files: vec![passes[i].clone()],
        },
        force: true,
        insecure_fast_kdf: false,
    };
    type Round = fn(&EventDir, RoundArgs) -> CliResult;
    let rounds: [(&str, Round); 3] = [
        ("certificate", ceremony::certificate),
        ("deal", ceremony::deal),
        ("confirm", ceremony::confirm),
    ];
    for (name, round) in rounds {
        for i in 0..media.len() {
            println!();
            println!(
                "   $ urne ceremony {name} --keyholder {} --medium media/keyholder-{}",
                i + 1,
                i + 1
            );
            round(dir, args(i))?;
        }
    }
    println!();
    println!("   $ urne ceremony assemble");
    ceremony::assemble(
        dir,
        ceremony::AssembleArgs {
            folder: None,
            attempt: 1,
            force: false,
        },
    )?;
    Ok((shares, passes))
}

/// Compares a tally with what the simulation cast; names the first difference.
pub fn compare_with_truth(t: &TallyFile, truth: &Truth) -> Result<(), String> {
    for (r, s) in t.referendums.iter().zip(&truth.referendums) {
        let votes: Vec<u64> = r.results.iter().map(|o| o.votes).collect();
        if votes != s.votes {
            return Err(format!(
                "{}: counted {votes:?} but the simulation cast {:?}",
                r.id, s.votes
            ));
        }
        let f = &r.evotes;
        if (f.received, f.counted, f.superseded) != (s.received, s.counted, s.superseded)
            || f.rejected != s.rejected
        {
            return Err(format!(
                "{}: e-vote figures {f:?} differ from the simulation's {s:?}",
                r.id
            ));
        }
    }
    Ok(())
}

pub fn demo(a: DemoArgs) -> CliResult {
    let marker = a.out.join(".urne-demo");
    if a.out.exists() {
        if !marker.exists() {
            return Err(Failure::new(
                "E-FILE-EXISTS",
                format!("{} exists and was not made by `urne demo`", a.out.display()),
                Some("choose another directory with --out"),
            ));
        }
        std::fs::remove_dir_all(&a.out)
            .map_err(|e| Failure::new("E-FILE-WRITE", format!("{}: {e}", a.out.display()), None))?;
    }
    let dir = EventDir::new(&a.out);
    write(&marker, "made by urne demo; safe to delete\n", false)?;
    outln!("urne demo — the Søgne and Songdalen referendum, end to end, without prompts.");
    outln!("Event directory: {}", a.out.display());
    write(&dir.manifest(), EXAMPLE_MANIFEST, false)?;
    let (shares, passes) = example_key_ceremony(&dir)?;
    outln!();
    outln!("   Key test: each keyholder shows their share file and passphrase work.");
    for (s, p) in shares.iter().zip(&passes) {
        super::ceremony::key_test(
            &dir,
            KeyTestArgs {
                share: s.clone(),
                passphrases: PassphraseArgs {
                    passphrase_files: vec![p.clone()],
                },
                force: false,
            },
        )?;
    }
    outln!();
    outln!("2. Voting period (simulated at the real size: 10,279 and 5,592 entitled voters).");
    let (manifest, truth) = run_simulation(
        &dir,
        &SimulateArgs {
            manifest: None,
            key: None,
            voters: None,
            turnout: 0.55,
            revote: 0.03,
            bad: DEMO_BAD_EACH,
            policy: "single".into(),
            options: "Ja,Nei,Blank".into(),
            seed: 2027,
            split: Vec::new(),
            passphrases: PassphraseArgs::default(),
            force: false,
            insecure_fast_kdf: false,
        },
    )?;
    outln!(
        "   The credential authority's list ({}) holds every voter's public key; the secret codes are",
        super::credentials::LIST_FILE
    );
    outln!("   derived from the simulation's seed, test material like the example keys (keys-example/README.md).");
    outln!(
        "   {} ballots cast, each signed with its voter's code, among them {} stuffed ballots a",
        truth.ballots,
        DEMO_BAD_EACH
    );
    outln!("   referendum signed with codes the box operator made up; the box closed and sealed.");
    outln!();
    outln!("3. Unlock ceremony: both keyholders bring their shares.");
    super::count::unlock(
        &dir,
        UnlockArgs {
            shares: shares.clone(),
            passphrases: PassphraseArgs {
                passphrase_files: passes.clone(),
            },
            out: None,
            force: false,
        },
    )?;
    let tally = TallyFile::from_json(&urne::fsio::read_to_string(&dir.tally())?, "tally.json")?;
    outln!();
    match compare_with_truth(&tally, &truth) {
        Ok(()) => {
            outln!(
                "Check: the decrypted counts equal what the simulation cast, for every referendum and option."
            );
            outln!(
                "Check: the {} stuffed ballots were rejected [EV-BAD-CREDENTIAL]; every counted ballot's signature verifies.",
                stuffed_rejected(&tally)
            );
        }
        Err(diff) => {
            return Err(Failure::new(
                "E-DEMO-MISMATCH",
                format!("the count differs from the simulation: {diff}"),
                None,
            ))
        }
    }
    outln!();
    outln!("4. Postal votes: the envelope trial against the roll and the marked roll.");
    let marked = urne::postal::load_marked_roll(&dir.marked_roll(), &manifest)?;
    let roll_spec = Spec {
        entitled: manifest
            .referendums()
            .iter()
            .map(|r| r.entitled.unwrap_or(1000))
            .collect(),
        turnout: 0.0,
        revote: 0.0,
        bad_each: 0,
        seed: 0,
        split: Vec::new(),
    };
    let roll_entries: Vec<(String, String)> =
        simulate::roll_entries(&manifest, &roll_spec).collect();
    let sim = simulate::postal(&manifest, &roll_entries, &marked, 0.12, 2, 2027);
    let envelopes = dir.path("postal-input/envelopes.csv");
    let entries = dir.path("postal-input/count-entries.csv");
    write(&envelopes, &sim.envelopes_csv, false)?;
    write(&entries, &sim.entries_csv, false)?;
    super::postal::run(
        &dir,
        super::postal::PostalCommand::Trial(super::postal::TrialArgs {
            envelopes: envelopes.clone(),
            pseudonym_key: None,
            passphrases: PassphraseArgs::default(),
            force: false,
        }),
    )?;
    outln!();
    outln!("5. Postal count: two rounds by two counting pairs; in round 1 the pair");
    outln!(
        "   disagrees on one figure and recounts (both attempts are in {}).",
        entries.display()
    );
    super::postal::run(
        &dir,
        super::postal::PostalCommand::Count(super::postal::CountArgs {
            entries: entries.clone(),
            explanations: None,
            force: false,
        }),
    )?;
    outln!();
    outln!("6. The protocol per referendum, signed by the leadership group.");
    let mut signer_keys = Vec::new();
    for (slug, key, public, pass) in EXAMPLE_SIGNERS {
        write(
            &dir.signers().join(format!("{slug}.pub.json")),
            public,
            false,
        )?;
        let k = dir.path(&format!("example-signer-keys/{slug}.key"));
        let p = dir.path(&format!("example-passphrases/{slug}.txt"));
        write_secret(&k, key, false)?;
        write_secret(&p, pass, false)?;
        signer_keys.push((k, p));
    }
    super::protocol::run(
        &dir,
        super::protocol::ProtocolArgs {
            command: None,
            force: false,
        },
    )?;
    for (k, p) in &signer_keys {
        super::protocol::run(
            &dir,
            super::protocol::ProtocolArgs {
                command: Some(super::protocol::ProtocolCommand::Sign(
                    super::protocol::SignArgs {
                        key: k.clone(),
                        passphrases: PassphraseArgs {
                            passphrase_files: vec![p.clone()],
                        },
                        referendum: Vec::new(),
                    },
                )),
                force: false,
            },
        )?;
    }
    super::protocol::run(
        &dir,
        super::protocol::ProtocolArgs {
            command: Some(super::protocol::ProtocolCommand::Check(
                super::protocol::CheckArgs {
                    referendum: Vec::new(),
                    complete: true,
                },
            )),
            force: false,
        },
    )?;
    write(
        &dir.path("simulation-postal.json"),
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&sim.truth).unwrap_or_default()
        ),
        false,
    )?;
    for (r, pt) in manifest.referendums().iter().zip(&sim.truth) {
        let bytes = std::fs::read(dir.protocol(&r.id, "json"))
            .map_err(|e| Failure::new("E-FILE-READ", format!("{}: {e}", r.id), None))?;
        let p = urne::protocol::parse(&bytes, &r.id)?;
        let truth_e = truth
            .referendums
            .iter()
            .find(|t| t.id == r.id)
            .map(|t| t.votes.clone())
            .unwrap_or_default();
        for (k, line) in p.results.iter().enumerate() {
            let want = truth_e.get(k).copied().unwrap_or(0)
                + pt.categories
                    .iter()
                    .position(|c| *c == line.option)
                    .map_or(0, |i| pt.figures[i]);
            if line.total != want || p.envelopes.approved != pt.approved {
                return Err(Failure::new(
                    "E-DEMO-MISMATCH",
                    format!(
                        "{}: {} has {} votes in the protocol but the simulation cast {want}",
                        r.id, line.option, line.total
                    ),
                    None,
                ));
            }
        }
    }
    outln!();
    outln!("Check: every protocol's totals (electronic + postal) equal what the simulation cast.");
    outln!();
    outln!("The protocols:");
    for r in manifest.referendums() {
        outln!(
            "  {}  (printable: {})",
            dir.protocol(&r.id, "json").display(),
            dir.protocol(&r.id, "html").display()
        );
    }
    credentials_at_the_box(&a.out, &dir, &manifest)?;
    Ok(())
}

/// The stuffed ballots a count rejected for a bad credential signature
/// (`EV-BAD-CREDENTIAL`), over every referendum.
fn stuffed_rejected(tally: &TallyFile) -> u64 {
    tally
        .referendums
        .iter()
        .map(|r| {
            r.evotes
                .rejected
                .get("bad_credential")
                .copied()
                .unwrap_or(0)
        })
        .sum()
}

/// Step 7 of the demo: voter credentials at a live box of the example event
/// in `OUT/credentials/box` (same manifest, election key and roll as the
/// counted event). The credential authority issues the codes with `urne
/// credentials issue` (to `OUT/printer/`, outside that event directory), the
/// box opens bound to the list, a ballot signed with its voter's code is cast
/// and a stuffed one, signed with a code the box operator made up, is
/// refused.
fn credentials_at_the_box(out: &Path, event: &EventDir, m: &Manifest) -> CliResult {
    use super::rehearse::{BoxCommand, BoxInitArgs, CastArgs, EncryptArgs};
    outln!();
    outln!(
        "7. Voter credentials at the box: the credential authority issues the codes, and the box"
    );
    outln!("   operator cannot cast a ballot that the voter's own code did not sign.");
    // The credential authority's step and a box bound to its list.
    let dir = EventDir::new(&out.join("credentials/box"));
    for f in ["manifest.toml", "election-key.json", "roll.csv"] {
        write(
            &dir.path(f),
            &urne::fsio::read_to_string(&event.path(f))?,
            false,
        )?;
    }
    let codes = out.join("printer/credential-codes.csv");
    outln!();
    outln!("   $ urne credentials issue --codes printer/credential-codes.csv");
    super::credentials::run(
        &dir,
        super::credentials::CredentialsCommand::Issue(super::credentials::IssueArgs {
            codes: codes.clone(),
            force: false,
        }),
    )?;
    let box_pass = out.join("example-passphrases/credentials-box.txt");
    write_secret(&box_pass, "example box operator passphrase\n", false)?;
    outln!("   $ urne box init");
    super::rehearse::box_command(
        &dir,
        BoxCommand::Init(BoxInitArgs {
            passphrases: PassphraseArgs {
                passphrase_files: vec![box_pass],
            },
            force: false,
            insecure_fast_kdf: true,
        }),
    )?;
    // The printer's file holds every voter's secret code: held zeroized.
    let text = zeroize::Zeroizing::new(urne::fsio::read_to_string(&codes)?);
    let Some((voter, code)) = text.lines().nth(2).and_then(|l| l.split_once(',')) else {
        return Err(Failure::new(
            "E-DEMO-MISMATCH",
            "the codes file has no voter",
            None,
        ));
    };
    let referendum = m
        .referendums()
        .iter()
        .find(|r| voter.starts_with(&r.id))
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let at = "2027-01-25T10:00:00+01:00".to_string();
    let ballot = dir.path("ballot.json");
    outln!(
        "   $ urne encrypt --voter {voter} --referendum {referendum} --choice Ja --out ballot.json"
    );
    outln!("   Credential code for voter {voter} (from the polling card; not shown as you type): ****-****-****-****-*");
    super::rehearse::encrypt(
        &dir,
        EncryptArgs {
            referendum: referendum.clone(),
            voter: voter.into(),
            choice: "Ja".into(),
            credential_file: None,
            credential: None,
            code: Some(urne::credentials::CredentialCode::parse(code)?),
            out: Some(ballot.clone()),
            force: false,
        },
    )?;
    let cast = |file: &Path, voter: &str| {
        super::rehearse::box_command(
            &dir,
            BoxCommand::Cast(CastArgs {
                ballot: Some(file.to_path_buf()),
                voter: Some(voter.into()),
                referendum: Some(referendum.clone()),
                batch: None,
                at: Some(at.clone()),
            }),
        )
    };
    outln!("   $ urne box cast --ballot ballot.json --voter {voter} --referendum {referendum}");
    cast(&ballot, voter)?;
    // The box operator stuffs a ballot for another voter, who abstained,
    // signed with a code it made up.
    let victim = urne::simulate::voter_id(&referendum, 2);
    let key = super::load_key(&dir)?;
    let ctx = urne::ballot::BallotContext {
        fingerprint: &key.fingerprint,
        referendum: &referendum,
        voter: &victim,
    };
    let k = m.referendum(&referendum).map_or(3, |r| r.options.len());
    let b = urne::ballot::encrypt(&key.key, &ctx, k, 0, &mut rand::rngs::OsRng)
        .map_err(|e| Failure::new("E-INTERNAL", e.to_string(), None))?;
    let made_up = urne::credentials::CredentialCode::generate(&mut rand::rngs::OsRng);
    let sig = made_up
        .key(&key.fingerprint, &victim)
        .sign(&ctx, &b, &mut rand::rngs::OsRng);
    let mut v = serde_json::to_value(&b).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "credential".into(),
            serde_json::to_value(sig).unwrap_or_default(),
        );
    }
    let stuffed_file = dir.path("stuffed-ballot.json");
    write(&stuffed_file, &format!("{v}\n"), false)?;
    outln!("   The box operator stuffs a ballot for {victim}, who did not vote, signed with a made-up code:");
    outln!("   $ urne box cast --ballot stuffed-ballot.json --voter {victim} --referendum {referendum}");
    match cast(&stuffed_file, &victim) {
        Err(f) if f.code == "EV-BAD-CREDENTIAL" => {
            outln!("   refused: error[{}]: {}", f.code, f.message);
            Ok(())
        }
        Err(f) => Err(f),
        Ok(()) => Err(Failure::new(
            "E-DEMO-MISMATCH",
            "the stuffed ballot was cast; the box must refuse it",
            None,
        )),
    }
}
