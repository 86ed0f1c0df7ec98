//! `urne serve` and `urne fetch`: thin shells over [`urne::serve`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use urne::serve::config::{parse_publisher_key, ServeConfig};
use urne::serve::fetch::{Fetcher, Outcome, Wait};
use urne::serve::Server;

use super::{CliResult, Failure};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The publisher's Ed25519 public key (base64), as `urne publish
    /// --new-publisher-key` printed it: only publications signed with it are
    /// served (overrides `publisher_key` in the configuration; one of the two
    /// is required).
    #[arg(long, value_name = "B64")]
    pub publisher_key: Option<String>,
    /// The server's configuration (TOML): listen address, public rate, media
    /// outlets and their addresses. Without it: 127.0.0.1:8080, 60 requests a
    /// minute for everyone.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen on this address and port (overrides the configuration).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Treat the media outlets' test addresses as public clients (overrides
    /// `test_addresses_enabled` in the configuration).
    #[arg(long)]
    pub no_test_addresses: bool,
    /// The publication directory `urne publish` writes (with HEAD and objects/).
    #[arg(value_name = "PUBDIR")]
    pub pubdir: PathBuf,
}

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// The result server's address, e.g. https://valg.example.no/
    #[arg(value_name = "URL")]
    pub url: String,
    /// The publisher's Ed25519 public key (base64), as the authority announced
    /// it; every publication must be signed with it.
    #[arg(long, value_name = "B64")]
    pub publisher_key: String,
    /// Where to keep the current files and manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seconds between polls.
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub interval: u64,
    /// Poll once and exit (exit 1 on any failure).
    #[arg(long)]
    pub once: bool,
}

pub fn serve(a: ServeArgs) -> CliResult {
    let mut config = match &a.config {
        Some(path) => ServeConfig::load(path)?,
        None => ServeConfig::default(),
    };
    if let Some(listen) = a.listen {
        config.listen = listen;
    }
    if let Some(b64) = &a.publisher_key {
        config.publisher_key = Some(parse_publisher_key(b64).ok_or_else(|| {
            Failure::new(
                "E-SERVE-KEY",
                format!("--publisher-key {b64:?} is not an Ed25519 public key (32 bytes of base64, 44 characters)"),
                Some("copy the publisher key exactly as `urne publish` printed it"),
            )
        })?);
    }
    if a.no_test_addresses {
        config.test_addresses_enabled = false;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                "E-SERVE-IO",
                format!("could not start the server's runtime: {e}"),
                None,
            )
        })?;
    runtime.block_on(async {
        let server = Server::bind(&a.pubdir, &config).await?;
        let addr = server.local_addr()?;
        // Before the address is printed (src/cli/stop.rs says why).
        let stop = super::stop::StopSignals::register();
        println!(
            "urne serve: serving {} on http://{addr}/ (test addresses {})",
            a.pubdir.display(),
            if config.test_addresses_enabled {
                "on"
            } else {
                "off"
            }
        );
        server.run(stop.wait()).await?;
        Ok(())
    })
}

/// Now, UTC, to the second: the start of every line `urne fetch` prints.
fn stamp() -> String {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn hms(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:02}:{:02}:{:02}Z", t.hour(), t.minute(), t.second())
}

fn say_wait(w: &Wait) {
    let why = match w.status {
        429 => "too many requests",
        _ => "unavailable",
    };
    let told = match &w.retry_after {
        Some(r) => format!("Retry-After: {r}"),
        None => "no Retry-After, backing off".into(),
    };
    eprintln!(
        "{} urne fetch: {} answered HTTP {} ({why}; {told}); waiting {} s, try {} at {}",
        stamp(),
        w.url,
        w.status,
        w.wait.as_secs(),
        w.attempt,
        hms(w.until)
    );
}

fn announce(outcome: &Outcome, url: &str, once: bool) {
    match outcome {
        Outcome::New(m) => {
            let files: Vec<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
            println!(
                "{} sequence {} ({}{}): {}",
                stamp(),
                m.sequence,
                m.status,
                if m.is_test { ", test" } else { "" },
                files.join(", ")
            );
        }
        Outcome::Unchanged { sequence } if once => {
            println!("{} sequence {sequence}: no change", stamp());
        }
        Outcome::NotPublished if once => {
            println!("{} {url}: no results have been published yet", stamp());
        }
        _ => {}
    }
}

pub fn fetch(a: FetchArgs) -> CliResult {
    let fetcher = Fetcher::new(&a.url, &a.publisher_key, &a.out)?.on_wait(say_wait);
    if a.once {
        let outcome = fetcher.poll()?;
        announce(&outcome, &a.url, true);
        return Ok(());
    }
    let mut said_not_published = false;
    // The last failure reported, and how many polls failed the same way since:
    // a failure that repeats is said once, and its end is said.
    let mut failing: Option<(String, u64)> = None;
    loop {
        match fetcher.poll() {
            Ok(outcome) => {
                if let Some((_, n)) = failing.take() {
                    eprintln!(
                        "{} urne fetch: polling works again, after {n} failed poll{}",
                        stamp(),
                        if n == 1 { "" } else { "s" }
                    );
                }
                if outcome == Outcome::NotPublished && !said_not_published {
                    announce(&outcome, &a.url, true);
                    said_not_published = true;
                }
                announce(&outcome, &a.url, false);
            }
            // A refused publication is reported and polling goes on: the local
            // files stay as they were, and a cache may catch up. Only local
            // failures (the output directory) stop the client.
            Err(e) if !e.is_local() => {
                let f = Failure::from(e);
                let line = format!("error[{}]: {}", f.code, f.message);
                match &mut failing {
                    Some((last, n)) if *last == line => *n += 1,
                    _ => {
                        eprintln!(
                            "{} urne fetch: {line} (polling goes on every {} s; the files in {} are kept)",
                            stamp(),
                            a.interval,
                            a.out.display()
                        );
                        failing = Some((line, 1));
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
        std::thread::sleep(Duration::from_secs(a.interval));
    }
}
