//! `urne verify` (the auditor's check of a published directory) and
//! `urne audit-pack` (what the authority publishes for auditors).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use urne::verify::{self, Verdict};

use super::out::{out, outln};
use super::progress::{self, Progress, Unit};
use super::{CliResult, EventDir, Failure};

/// What verify says, in one place.
mod msg {
    pub const CHECKING_BOX: &str = "Reading the published ballot box";
    pub const BOX_READ: &str = "Published ballot box read";
    pub const RESULT: &str = "The verified result:";
    pub const E_ONLY: &str = "e-votes only; no protocol with the postal votes was published";
    pub const FINGERPRINT: &str = "Election fingerprint:";
    pub const NO_RESULT: &str = "Nothing is verified: no result is shown.";
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The published directory (from `urne audit-pack`, or an event
    /// directory). Default: the one given with -d, or the current directory.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print the report as JSON (urne-verify-report/1) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Check instead that a newsroom's mirror of the result files (what
    /// `urne fetch` wrote) says exactly what the signed protocols in DIR say.
    #[arg(long, value_name = "MIRROR")]
    pub media: Option<PathBuf>,
    /// With --media: the publisher key the newsroom pinned (base64).
    #[arg(long, value_name = "B64", requires = "media")]
    pub publisher_key: Option<String>,
}

#[derive(Args, Debug)]
pub struct AuditPackArgs {
    /// Where to assemble the published directory (must not exist, unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace the files of an existing directory.
    #[arg(long)]
    pub force: bool,
}

/// Runs the verification of `dir`; the exit code says held (0), contradicted
/// (1) or incomplete (3).
pub fn verify(dir: &Path, a: VerifyArgs) -> ExitCode {
    if let Some(mirror) = &a.media {
        return verify_media(dir, &a, mirror);
    }
    let box_path = dir.join("box.jsonl");
    let bar = Progress::counting(
        msg::CHECKING_BOX,
        Unit::BALLOTS,
        progress::box_ballots_hint(&box_path),
    );
    let report = verify::verify_dir(dir, &|n| bar.set(n));
    bar.finish(msg::BOX_READ);
    if a.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                eprintln!("urne: error[E-INTERNAL]: the report could not be written: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        outln!("Verifying {}", dir.display());
        out!("{}", verify::render_text(&report));
        if report.verdict == Verdict::Held {
            print_verified_result(dir);
        } else {
            outln!("{}", msg::NO_RESULT);
        }
    }
    ExitCode::from(match report.verdict {
        Verdict::Held => 0,
        v => v.exit_code(),
    })
}

/// `urne verify DIR --media MIRROR` (src/publish/check.rs).
fn verify_media(dir: &Path, a: &VerifyArgs, mirror: &Path) -> ExitCode {
    let pinned = match &a.publisher_key {
        None => None,
        Some(b64) => match urne::crypto::encoding::b64_32(b64.trim()) {
            Ok(k) => Some(k),
            Err(_) => {
                eprintln!("urne: error[E-VERIFY-KEY]: --publisher-key {b64:?} is not an Ed25519 public key (32 bytes of base64)\n  hint: copy the publisher key exactly as the authority announced it");
                return ExitCode::from(2);
            }
        },
    };
    let report = urne::publish::check::check_mirror(dir, mirror, pinned.as_ref());
    outln!(
        "Checking the media files in {} against {}",
        mirror.display(),
        dir.display()
    );
    out!("{}", report.render_text());
    ExitCode::from(report.exit_code())
}

/// After every check held: the result per referendum (from its protocol,
/// e-votes and postal votes; from the tally if no protocol was published)
/// and the election fingerprint, for the reader to compare with what was
/// announced.
fn print_verified_result(dir: &Path) {
    let Ok((manifest, _)) = urne::event::Manifest::load(&dir.join("manifest.toml")) else {
        return;
    };
    let tally = urne::fsio::read_to_string(&dir.join("tally.json"))
        .ok()
        .and_then(|t| urne::tally::TallyFile::from_json(&t, "tally.json").ok());
    outln!();
    outln!("{}", msg::RESULT);
    for r in manifest.referendums() {
        let protocol = std::fs::read(dir.join(format!("protocols/{}.json", r.id)))
            .ok()
            .and_then(|b| urne::protocol::parse(&b, &r.id).ok());
        outln!();
        outln!("{} — {}", r.id, r.question);
        if let Some(p) = protocol {
            let total: u64 = p.results.iter().map(|l| l.total).sum();
            for l in &p.results {
                outln!(
                    "  {:<10} {:>9}  {:>5} %   (electronic {}, postal {})",
                    l.option,
                    progress::thousands(l.total),
                    l.percent,
                    progress::thousands(l.electronic),
                    progress::thousands(l.postal)
                );
            }
            outln!("  {}", progress::plural(total, "vote", "votes"));
        } else if let Some(t) = tally
            .as_ref()
            .and_then(|t| t.referendums.iter().find(|x| x.id == r.id))
        {
            let counted = t.evotes.counted;
            for o in &t.results {
                let pct = if counted > 0 {
                    100.0 * o.votes as f64 / counted as f64
                } else {
                    0.0
                };
                outln!(
                    "  {:<10} {:>9}  {:>5.1} %",
                    o.option,
                    progress::thousands(o.votes),
                    pct
                );
            }
            outln!("  ({})", msg::E_ONLY);
        }
    }
    if let Ok(text) = urne::fsio::read_to_string(&dir.join("election-key.json")) {
        if let Ok(key) = urne::keys::ElectionKey::from_json(&text, "election-key.json") {
            outln!();
            outln!(
                "{} {}",
                msg::FINGERPRINT,
                urne::keys::short_fingerprint(&key.fingerprint)
            );
        }
    }
}

/// The files auditors get, relative to the event directory. Everything else
/// (shares, sealed keys, passphrases, simulation records) stays behind.
const PUBLIC_FILES: [&str; 11] = [
    "manifest.toml",
    "roll.csv",
    "election-key.json",
    "credentials.jsonl",
    "box.jsonl",
    "tally.json",
    "marked-roll.csv",
    "postal-trial.json",
    "postal-decisions.csv",
    "postal-count.json",
    "ceremony-log.jsonl",
];
const PUBLIC_DIRS: [&str; 5] = ["key-tests", "partials", "protocols", "signers", "tracker"];

fn copy(from: &Path, to: &Path, force: bool) -> CliResult {
    let bytes = std::fs::read(from).map_err(|e| {
        Failure::new(
            "E-FILE-READ",
            format!("{} could not be read: {e}", from.display()),
            None,
        )
    })?;
    Ok(urne::fsio::write_atomic(
        to,
        &bytes,
        force,
        urne::fsio::Visibility::Public,
    )?)
}

/// Assembles the published directory for auditors: public artifacts only.
pub fn audit_pack(dir: &EventDir, a: AuditPackArgs) -> CliResult {
    if a.out.exists() && !a.force {
        return Err(Failure::new(
            "E-FILE-EXISTS",
            format!("{} already exists", a.out.display()),
            Some("choose a new directory, or pass --force to replace its files"),
        ));
    }
    let mut copied = 0;
    for f in PUBLIC_FILES {
        let from = dir.path(f);
        if from.exists() {
            copy(&from, &a.out.join(f), a.force)?;
            copied += 1;
        }
    }
    for d in PUBLIC_DIRS {
        let Ok(entries) = std::fs::read_dir(dir.path(d)) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let n = e.file_name().to_string_lossy().into_owned();
            // Signing keys are sealed secrets; only their public halves go out.
            let public = n.ends_with(".json")
                || n.ends_with(".html")
                || (d == "tracker" && n.ends_with(".txt"));
            if p.is_file() && public {
                copy(&p, &a.out.join(d).join(&n), a.force)?;
                copied += 1;
            }
        }
    }
    let leaked = verify::secret_files(&a.out);
    if let Some(first) = leaked.first() {
        return Err(Failure::new(
            "E-AUDIT-SECRET",
            format!("{}: {first}", a.out.display()),
            Some("remove it; the published directory must hold no secret"),
        ));
    }
    outln!(
        "{} assembled in {}; auditors run `urne verify {}`.",
        progress::plural(copied, "public file", "public files"),
        a.out.display(),
        a.out.display()
    );
    Ok(())
}
