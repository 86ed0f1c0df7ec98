//! Load for `urne box serve` (bench/box.sh): distinct ballots for the first
//! voters of an event's roll, encrypted beforehand, sent by concurrent
//! clients over keep-alive HTTP/1.1 connections on loopback, as fast as the
//! service answers or at an offered rate. Prints what was accepted per
//! second and the latency percentiles.
//!
//! ```text
//! box_load EVENT_DIR ADDR TOKEN_FILE CLIENTS BALLOTS [RATE] [SKIP]
//! ```
//! RATE 0 (the default) sends as fast as the answers come; otherwise ballot
//! i is due at i/RATE seconds and its latency is counted from then (so a
//! service that falls behind shows it). SKIP: leave out the first voters.
//! In an event with voter credentials (made by `urne simulate`, seed
//! `SEED` in the environment, default 1) each ballot is signed with its
//! voter's simulated credential, as a voting client would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::OsRng;
use rayon::prelude::*;

use urne::ballot::{self, BallotContext};
use urne::event::Manifest;
use urne::keys::ElectionKey;

fn arg(args: &[String], i: usize, default: Option<&str>) -> String {
    args.get(i)
        .cloned()
        .or_else(|| default.map(String::from))
        .unwrap_or_else(|| {
            eprintln!("usage: box_load EVENT_DIR ADDR TOKEN_FILE CLIENTS BALLOTS [RATE] [SKIP]");
            std::process::exit(2)
        })
}

/// One request on a kept-alive connection; returns the status.
fn send(
    conn: &mut BufReader<TcpStream>,
    host: &str,
    token: &str,
    body: &[u8],
) -> std::io::Result<u16> {
    let head = format!(
        "POST /ballots HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let s = conn.get_mut();
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut length = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body)?;
    Ok(status)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(&args[1.min(args.len() - 1)]).to_path_buf();
    let addr = arg(&args, 2, None);
    let token = std::fs::read_to_string(arg(&args, 3, None)).expect("token file");
    let token = token.trim().to_string();
    let clients: usize = arg(&args, 4, Some("50")).parse().expect("CLIENTS");
    let n: usize = arg(&args, 5, Some("10000")).parse().expect("BALLOTS");
    let rate: f64 = arg(&args, 6, Some("0")).parse().expect("RATE");
    let skip: usize = arg(&args, 7, Some("0")).parse().expect("SKIP");

    let manifest_text = std::fs::read_to_string(dir.join("manifest.toml")).expect("manifest");
    let manifest = Manifest::parse(&manifest_text, "manifest.toml").expect("manifest");
    let key_text = std::fs::read_to_string(dir.join("election-key.json")).expect("key");
    let key = ElectionKey::from_json(&key_text, "election-key.json").expect("key");
    let r = &manifest.referendums()[0];
    let k = r.options.len();
    let roll = std::fs::read_to_string(dir.join("roll.csv")).expect("roll");
    let voters: Vec<&str> = roll
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(&format!(",{}", r.id)))
        .filter_map(|l| l.split(',').next())
        .skip(skip)
        .take(n)
        .collect();
    assert_eq!(
        voters.len(),
        n,
        "the roll has fewer than SKIP + BALLOTS voters in {}",
        r.id
    );
    let signed = manifest.voter_credentials.required();
    let seed: u64 = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let t = Instant::now();
    let bodies: Vec<Vec<u8>> = voters
        .par_iter()
        .enumerate()
        .map(|(i, v)| {
            let ctx = BallotContext {
                fingerprint: &key.fingerprint,
                referendum: &r.id,
                voter: v,
            };
            let b = ballot::encrypt(&key.key, &ctx, k, i % k, &mut OsRng).expect("encrypt");
            let credential = if signed {
                let sig = urne::simulate::credential_code(seed, v)
                    .key(&key.fingerprint, v)
                    .sign(&ctx, &b, &mut OsRng);
                format!(
                    ",\"credential\":{}",
                    serde_json::to_string(&sig).expect("json")
                )
            } else {
                String::new()
            };
            format!(
                "{{\"voter\":\"{v}\",\"referendum\":\"{}\",\"ballot\":{}{credential}}}",
                r.id,
                serde_json::to_string(&b).expect("json")
            )
            .into_bytes()
        })
        .collect();
    eprintln!(
        "box_load: {n} {k}-option ballots encrypted{} in {:.1} s; sending with {clients} clients{}",
        if signed {
            " and signed with voter credentials"
        } else {
            ""
        },
        t.elapsed().as_secs_f64(),
        if rate > 0.0 {
            format!(" at {rate} ballots/s offered")
        } else {
            String::new()
        }
    );
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<(u16, Duration)>>> = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (bodies, next, results, addr, token) = (
                bodies.clone(),
                next.clone(),
                results.clone(),
                addr.clone(),
                token.clone(),
            );
            std::thread::spawn(move || {
                let connect = || {
                    let s = TcpStream::connect(&addr).expect("connect");
                    let _ = s.set_nodelay(true);
                    BufReader::with_capacity(16 * 1024, s)
                };
                let mut conn = connect();
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bodies.len() {
                        break;
                    }
                    let due = if rate > 0.0 {
                        let due = start + Duration::from_secs_f64(i as f64 / rate);
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        due
                    } else {
                        Instant::now()
                    };
                    let status = match send(&mut conn, &addr, &token, &bodies[i]) {
                        Ok(s) => s,
                        Err(_) => {
                            conn = connect();
                            0
                        }
                    };
                    mine.push((status, due.elapsed()));
                }
                results.lock().expect("results").extend(mine);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client");
    }
    let secs = start.elapsed().as_secs_f64();
    let mut results = results.lock().expect("results").clone();
    let accepted = results.iter().filter(|(s, _)| *s == 200).count();
    let mut statuses = std::collections::BTreeMap::new();
    for (s, _) in &results {
        *statuses.entry(*s).or_insert(0u64) += 1;
    }
    results.sort_by_key(|(_, d)| *d);
    // The p-quantile: the latency at rank ceil(p·n).
    let pct = |p: f64| {
        let n = results.len();
        let rank = (1..=n).find(|&r| r as f64 >= p * n as f64).unwrap_or(n);
        results[rank.max(1) - 1].1.as_secs_f64() * 1000.0
    };
    println!(
        "accepted {accepted} of {n} in {secs:.2} s: {:.0} ballots/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; statuses {statuses:?}",
        accepted as f64 / secs,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
}
