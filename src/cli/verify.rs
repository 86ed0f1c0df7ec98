//! `urne verify` (the auditor's check of a published directory) and
//! `urne audit-pack` (what the authority publishes for auditors).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use urne::verify::{self, Verdict};

use super::{CliResult, EventDir, Failure};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The published directory (from `urne audit-pack`, or an event directory).
    pub dir: PathBuf,
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

/// Runs the verification; the exit code says held (0), contradicted (1) or
/// incomplete (3).
pub fn verify(a: VerifyArgs) -> ExitCode {
    if let Some(mirror) = &a.media {
        return verify_media(&a, mirror);
    }
    let bar = if std::io::stderr().is_terminal() && !a.json {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} reading the ballot box: {pos} ballots checked, {per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Some(b)
    } else {
        None
    };
    let progress = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let report = verify::verify_dir(&a.dir, &progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if a.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("urne: error[E-INTERNAL]: the report could not be written: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        println!("Verifying {}", a.dir.display());
        print!("{}", verify::render_text(&report));
    }
    ExitCode::from(match report.verdict {
        Verdict::Held => 0,
        v => v.exit_code(),
    })
}

/// `urne verify DIR --media MIRROR` (src/publish/check.rs).
fn verify_media(a: &VerifyArgs, mirror: &Path) -> ExitCode {
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
    let report = urne::publish::check::check_mirror(&a.dir, mirror, pinned.as_ref());
    println!(
        "Checking the media files in {} against {}",
        mirror.display(),
        a.dir.display()
    );
    print!("{}", report.render_text());
    ExitCode::from(report.exit_code())
}

/// The files auditors get, relative to the event directory. Everything else
/// (shares, sealed keys, passphrases, simulation records) stays behind.
const PUBLIC_FILES: [&str; 10] = [
    "manifest.toml",
    "roll.csv",
    "election-key.json",
    "box.jsonl",
    "tally.json",
    "marked-roll.csv",
    "postal-trial.json",
    "postal-decisions.csv",
    "postal-count.json",
    "ceremony-log.jsonl",
];
const PUBLIC_DIRS: [&str; 4] = ["key-tests", "partials", "protocols", "signers"];

fn copy(from: &Path, to: &Path, force: bool) -> CliResult {
    let bytes = std::fs::read(from).map_err(|e| {
        Failure::new(
            "E-FILE-READ",
            format!("{} could not be read: {e}", from.display()),
            None,
        )
    })?;
    Ok(urne::fsio::write_atomic(to, &bytes, force)?)
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
            let public = n.ends_with(".json") || n.ends_with(".html");
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
    println!(
        "{copied} public files assembled in {}; auditors run `urne verify {}`.",
        a.out.display(),
        a.out.display()
    );
    Ok(())
}
