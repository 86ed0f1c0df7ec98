//! `urne publish`: the result files for media and the public, as one signed,
//! atomic publication.

use std::path::PathBuf;

use clap::Args;

use urne::ballot_box::tracker::index::{self, TrackerIndex};
use urne::keys::seal::{self, SealHeader};
use urne::protocol::{self, SignatureFile};
use urne::publish::filesig;
use urne::publish::page;
use urne::publish::results::{self, ResultSet, Stage};
use urne::publish::store::{self, PublicationMeta, PublishedFile, PublisherKey, Status};
use urne::tally::TallyFile;

use super::ceremony::{kdf_params, passphrase_for, read_sealed};
use super::{read_json, CliResult, EventDir, Failure, PassphraseArgs};
use crate::cli::progress::{self, Progress};
use crate::cli::prompt;
use crate::cli::say::tr;

/// Where the event directory keeps the ballot tracker index it published
/// (copied by `audit-pack`, checked by V-TRACKER-INDEX).
const TRACKER_DIR: &str = "tracker";

#[derive(Args, Debug)]
pub struct PublishArgs {
    /// The publication directory the result server serves.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The publisher's sealed signing key (default DIR/publisher-key.sealed).
    #[arg(long, value_name = "FILE")]
    pub publisher_key: Option<PathBuf>,
    /// Make the publisher key first (once per event); its public key is
    /// printed for the media to pin.
    #[arg(long)]
    pub new_publisher_key: bool,
    /// The publication's sequence number (default: one more than the current).
    #[arg(long)]
    pub sequence: Option<u64>,
    #[command(flatten)]
    pub passphrases: PassphraseArgs,
    /// INSECURE, for test suites and benchmarks only: seals a new publisher key with a
    /// fast, weak passphrase hash (Argon2id, 8 KiB, one pass) that makes
    /// the passphrase cheap to guess. NEVER for a real election; see `urne
    /// help testing`.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
}

fn publisher_key(dir: &EventDir, a: &PublishArgs, event: &str) -> CliResult<PublisherKey> {
    let path = a
        .publisher_key
        .clone()
        .unwrap_or_else(|| dir.path("publisher-key.sealed"));
    if a.new_publisher_key {
        super::refuse_existing(&[&path], false)?;
        let passphrase = match a.passphrases.passphrase_files.first() {
            Some(f) => prompt::read_passphrase_file(f)?,
            None => prompt::read_new_passphrase("the publisher key")?,
        };
        let (key, pkcs8) = PublisherKey::generate()?;
        let sealed = seal::seal(
            &pkcs8,
            &passphrase,
            SealHeader {
                kind: store::PUBLISHER_KEY_KIND.into(),
                owner: format!("publisher of {event}"),
                fingerprint: String::new(),
                index: 0,
            },
            kdf_params(a.insecure_fast_kdf),
        )?;
        urne::fsio::write_atomic(
            &path,
            sealed.to_json().as_bytes(),
            false,
            urne::fsio::Visibility::Secret,
        )?;
        println!(
            "{}",
            tr!(
                "publish-key-made",
                file = path.display().to_string(),
                key = key.public_b64()
            )
        );
        return Ok(key);
    }
    let sealed = read_sealed(&path)?;
    if sealed.kind != store::PUBLISHER_KEY_KIND {
        return Err(Failure::new(
            "E-PUBLISHER-KEY",
            format!(
                "{} is a {} file, not a publisher key",
                path.display(),
                sealed.kind
            ),
            Some("make one with `urne publish --new-publisher-key`"),
        ));
    }
    let p = passphrase_for(
        &a.passphrases,
        0,
        &format!("Passphrase for the publisher key {}: ", path.display()),
    )?;
    let step = Progress::step(&tr!("publish-opening-key"));
    let pkcs8 = seal::open(&sealed, &p).map_err(|e| {
        let f: Failure = e.into();
        Failure {
            message: format!("{}: {}", path.display(), f.message),
            ..f
        }
    })?;
    step.finish(&tr!("publish-key-opened"));
    Ok(PublisherKey::from_pkcs8(&pkcs8)?)
}

pub fn publish(dir: &EventDir, a: PublishArgs) -> CliResult {
    let (manifest, _) = super::load_manifest(dir)?;
    let tally: TallyFile = read_json(
        &dir.tally(),
        "E-TALLY-MALFORMED",
        Some("nothing to publish before `urne unlock` has made the tally"),
        urne::limits::TALLY,
    )?;
    // The protocols made so far, with whether the whole leadership signed
    // (and their bytes and signatures, whose times date the report).
    let mut protocols = Vec::new();
    let mut evidence = Vec::new();
    for r in manifest.referendums() {
        let path = dir.protocol(&r.id, "json");
        if !path.exists() {
            continue;
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| Failure::new("E-FILE-READ", format!("{}: {e}", path.display()), None))?;
        let p = protocol::parse(&bytes, &path.display().to_string())?;
        let sig_path = dir.protocol(&r.id, "signatures.json");
        let sigs: Option<SignatureFile> = if sig_path.exists() {
            Some(read_json(
                &sig_path,
                "E-SIGNATURES-MALFORMED",
                None,
                urne::limits::SIGNATURES,
            )?)
        } else {
            None
        };
        // Signed by the leadership group means with the keys the manifest
        // pins, not whatever keys the protocol lists (issue 15, hole 1).
        let signed = p.leadership == protocol::leaders(&manifest)
            && sigs
                .as_ref()
                .is_some_and(|s| protocol::fully_signed(&p, &bytes, s));
        protocols.push((p.clone(), signed));
        evidence.push((p, bytes, sigs));
    }
    let now = time::OffsetDateTime::now_utc();
    // NIST's GeneratedDate: the latest evidence, not the clock, so that a
    // republication of unchanged figures changes no content file.
    let evidence_refs: Vec<_> = evidence
        .iter()
        .map(|(p, b, s)| (p, b.as_slice(), s.as_ref()))
        .collect();
    let generated = results::evidence_time_of(Some(&tally), &evidence_refs).ok_or_else(|| {
        Failure::new(
            "E-TALLY-MALFORMED",
            format!(
                "{}: computed_at {:?} is not an RFC 3339 time",
                dir.tally().display(),
                tally.computed_at
            ),
            None,
        )
    })?;
    // The NIST texts' Language is the manifest's language.
    let mut b = ResultSet::builder(&manifest, generated)
        .tally(&tally)
        .language(manifest.language.tag());
    for (p, signed) in &protocols {
        b = b.protocol(p, *signed);
    }
    let rs = b.build()?;
    let status = match rs.stage() {
        Stage::Partial => Status::Partial,
        Stage::Complete => Status::Complete,
        Stage::Certified => Status::Certified,
    };
    for r in manifest.referendums() {
        match protocols.iter().find(|(p, _)| p.referendum == r.id) {
            None => println!("{}", tr!("publish-stage-partial", referendum = &r.id)),
            Some((_, false)) => println!("{}", tr!("publish-stage-unsigned", referendum = &r.id)),
            Some((_, true)) => println!("{}", tr!("publish-stage-certified", referendum = &r.id)),
        }
    }
    let key = publisher_key(dir, &a, &manifest.event)?;
    let sequence = match a.sequence {
        Some(s) => s,
        None => store::current(&a.out)?.map_or(1, |(_, m)| m.sequence + 1),
    };
    let mut files = vec![
        PublishedFile {
            name: "results.json".into(),
            bytes: results::nist_json(&rs).into_bytes(),
            content_type: "application/json".into(),
        },
        PublishedFile {
            name: "results.xml".into(),
            bytes: results::nist_xml(&rs).into_bytes(),
            content_type: "application/xml".into(),
        },
        PublishedFile {
            name: "results.csv".into(),
            bytes: results::results_csv(&rs).into_bytes(),
            content_type: "text/csv; charset=utf-8".into(),
        },
        PublishedFile {
            name: "results-spreadsheet.csv".into(),
            bytes: results::results_csv_spreadsheet(&rs).into_bytes(),
            content_type: "text/csv; charset=utf-8".into(),
        },
    ];
    // The ballot tracker: the index and the page that looks a tracker up in it.
    if let Some(ix) = tracker_index(dir, &manifest, &tally)? {
        files.push(PublishedFile {
            name: index::PAGE_FILE.into(),
            bytes: urne::publish::tracker_page::tracker_html(&manifest, &ix.header).into_bytes(),
            content_type: "text/html; charset=utf-8".into(),
        });
        for (name, bytes) in ix.files {
            let content_type = if name == index::INDEX_FILE {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            files.push(PublishedFile {
                name,
                bytes,
                content_type: content_type.into(),
            });
        }
    }
    // The page, in the event's language, links to each file beside it.
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let page = page::results_html(&rs, &manifest, &names);
    files.push(PublishedFile {
        name: "index.html".into(),
        bytes: page.into_bytes(),
        content_type: "text/html; charset=utf-8".into(),
    });
    // A detached signature beside each file, so each can be checked alone
    // (deterministic: unchanged files keep unchanged signatures); the
    // tracker index's shards are vouched for by their hashes in its signed
    // header instead, which keeps the manifest small.
    let signatures: Vec<PublishedFile> = files
        .iter()
        .filter(|f| !(f.name.starts_with("tracker-") && f.name.ends_with(".txt")))
        .map(|f| filesig::sign_file(&key, &manifest.event, f))
        .collect();
    files.extend(signatures);
    let published_at = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let step = Progress::step(&tr!("publish-writing", sequence = sequence));
    let m = store::publish(
        &a.out,
        PublicationMeta {
            event: manifest.event.clone(),
            authority: manifest.authority.clone(),
            source: format!("Source: {}", manifest.authority),
            sequence,
            published_at,
            status,
            is_test: manifest.is_test,
        },
        &files,
        &key,
    )?;
    step.finish(&tr!("publish-written", sequence = sequence));
    super::log_step(
        dir,
        "publish",
        &["election authority".to_string()],
        &[dir.tally()],
        &[],
        &format!("publication {} ({})", m.sequence, m.status),
    )?;
    println!(
        "{}",
        tr!(
            "publish-done",
            sequence = m.sequence,
            status = m.status.to_string(),
            dir = a.out.display().to_string(),
            files = progress::count_of(m.files.len() as u64, progress::Unit { id: "unit-file" }),
            key = m.publisher_key.to_string()
        )
    );
    super::count::print_event_fingerprint(dir);
    Ok(())
}

/// The ballot tracker index of the counted box (docs/SPEC.md, "Tracker
/// index"): the one in `tracker/` if it is this box's, else made by counting
/// the box again and written there. `None` without a box.
fn tracker_index(
    dir: &EventDir,
    manifest: &urne::event::Manifest,
    tally: &TallyFile,
) -> CliResult<Option<TrackerIndex>> {
    let box_path = dir.ballot_box();
    if !box_path.exists() {
        println!(
            "{}",
            tr!(
                "publish-tracker-none",
                file = box_path.display().to_string()
            )
        );
        return Ok(None);
    }
    let out = dir.path(TRACKER_DIR);
    let head_path = out.join(index::INDEX_FILE);
    if head_path.exists() {
        let header: index::IndexHeader = read_json(
            &head_path,
            "E-TRACKER-INDEX",
            Some("remove the tracker/ directory; publish makes it again from the box"),
            urne::limits::TALLY,
        )?;
        if header.format != index::INDEX_FORMAT {
            return Err(Failure::new(
                "E-TRACKER-INDEX",
                format!(
                    "{}: format {:?} is not {}",
                    head_path.display(),
                    header.format,
                    index::INDEX_FORMAT
                ),
                Some("remove the tracker/ directory; publish makes it again from the box"),
            ));
        }
        if header.event != manifest.event || header.box_head != tally.box_head {
            return Err(Failure::new(
                "E-TRACKER-INDEX",
                format!(
                    "{} is the index of box {} of event {}, not of the counted box {}",
                    head_path.display(),
                    header.box_head.hex(),
                    header.event,
                    tally.box_head.hex()
                ),
                Some("remove the tracker/ directory; publish makes it again from the box"),
            ));
        }
        let mut files = vec![(
            index::INDEX_FILE.to_string(),
            std::fs::read(&head_path).map_err(|e| {
                Failure::new("E-FILE-READ", format!("{}: {e}", head_path.display()), None)
            })?,
        )];
        let mut intact = true;
        for s in &header.shards {
            let p = out.join(&s.name);
            match std::fs::read(&p) {
                Ok(b) if urne::crypto::encoding::sha256(&b) == s.sha256.0 => {
                    files.push((s.name.clone(), b))
                }
                _ => intact = false,
            }
        }
        if intact {
            return Ok(Some(TrackerIndex { header, files }));
        }
    }
    let (roll, _) = super::load_roll_shown(dir, manifest)?;
    let key = super::load_key(dir)?;
    let credentials = super::credentials::load_list(dir, manifest, &key.fingerprint, &roll)?;
    let inputs = urne::tally::CountInputs {
        manifest,
        roll: &roll,
        key: &key,
        credentials: credentials.as_ref(),
    };
    let progress = Progress::counting(
        &tr!("publish-tracker-counting"),
        progress::Unit::BALLOTS,
        progress::box_ballots_hint(&box_path),
    );
    let count = urne::tally::count_box(&box_path, &inputs, &|n| progress.set(n))?;
    progress.set(count.ballots);
    progress.finish(&tr!("publish-tracker-counted"));
    if count.head != tally.box_head {
        return Err(Failure::new(
            "E-TRACKER-BOX",
            format!(
                "{}: the box's head {} is not the tally's box_head {}",
                box_path.display(),
                count.head.hex(),
                tally.box_head.hex()
            ),
            Some("publish from the event directory whose box was counted"),
        ));
    }
    let ix = index::index_of_count(&box_path, manifest, &roll, &count)?;
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::new("E-FILE-WRITE", format!("{}: {e}", out.display()), None))?;
    for (name, bytes) in &ix.files {
        urne::fsio::write_atomic(&out.join(name), bytes, true, urne::fsio::Visibility::Public)?;
    }
    Ok(Some(ix))
}
