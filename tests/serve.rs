//! The result server and the newsroom client over real sockets on 127.0.0.1:
//! conditional requests, caching headers, the embargo before the first
//! publication, path traversal, tiers and rate limits, the no-mix property of
//! the store, and `urne fetch`'s checks.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::num::NonZeroU32;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use urne::crypto::encoding::{sha256, to_b64, Digest32};
use urne::error::Explain;
use urne::publish::store::{self, PublicationMeta, PublishedFile, PublisherKey, Status};
use urne::serve::config::{MediaOutlet, ServeConfig};
use urne::serve::fetch::{FetchError, Fetcher, Outcome};
use urne::serve::{ConnectionLimits, Server, NOT_PUBLISHED};

// ---------------------------------------------------------------- helpers

fn meta(sequence: u64) -> PublicationMeta {
    PublicationMeta {
        event: "sogne-songdalen-2025".into(),
        authority: "Valgstyret i Søgne og Songdalen".into(),
        source: "Source: Valgstyret i Søgne og Songdalen".into(),
        sequence,
        published_at: "2025-02-03T21:15:00+01:00".into(),
        status: Status::Partial,
        is_test: true,
    }
}

fn files(seq: u64) -> Vec<PublishedFile> {
    let f = |name: &str, ct: &str, body: String| PublishedFile {
        name: name.into(),
        bytes: body.into_bytes(),
        content_type: ct.into(),
    };
    vec![
        f(
            "results.json",
            "application/json",
            format!("{{\"sequence\": {seq}, \"Ja\": {}}}", 100 + seq),
        ),
        f(
            "results.xml",
            "application/xml",
            format!("<Results sequence=\"{seq}\"/>"),
        ),
        f(
            "index.html",
            "text/html; charset=utf-8",
            format!("<h1>Publication {seq}</h1>"),
        ),
    ]
}

fn publish(dir: &Path, key: &PublisherKey, seq: u64) -> store::PublicationManifest {
    store::publish(dir, meta(seq), &files(seq), key).unwrap()
}

/// The publisher key of every test's publications, and the one `config()`
/// pins the server to.
fn the_key() -> &'static PublisherKey {
    static KEY: std::sync::OnceLock<PublisherKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PublisherKey::generate().unwrap().0)
}

fn config() -> ServeConfig {
    ServeConfig {
        publisher_key: Some(the_key().public_key()),
        listen: "127.0.0.1:0".parse().unwrap(),
        public_requests_per_minute: NonZeroU32::new(100_000).unwrap(),
        ..ServeConfig::default()
    }
}

fn rpm(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// A server on its own runtime, stopped when dropped.
struct Running {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

fn start(dir: &Path, config: ServeConfig) -> Running {
    start_with(dir, config, ConnectionLimits::default())
}

fn start_with(dir: &Path, config: ServeConfig, limits: ConnectionLimits) -> Running {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(Server::bind(dir, &config))
        .unwrap()
        .logging(false)
        .connection_limits(limits);
    let addr = server.local_addr().unwrap();
    rt.spawn(server.run(std::future::pending()));
    Running { addr, _rt: rt }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request over a fresh connection, the request target sent exactly as
/// given (no client-side normalisation of `..`).
fn raw(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    }
}

fn get(addr: SocketAddr, path: &str) -> Resp {
    raw(addr, "GET", path, &[])
}

fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", Digest32(sha256(bytes)).hex())
}

// ---------------------------------------------------------------- HTTP semantics

#[test]
fn strong_etags_and_if_none_match_give_304() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start(dir.path(), config());

    let m = get(srv.addr, "/manifest.json");
    assert_eq!(m.status, 200);
    let etag = etag_of(&m.body);
    assert_eq!(m.header("etag"), Some(etag.as_str()));
    assert_eq!(m.header("content-type"), Some("application/json"));
    assert_eq!(
        m.header("last-modified"),
        Some("Mon, 03 Feb 2025 20:15:00 GMT")
    );
    let head = std::fs::read_to_string(dir.path().join("HEAD")).unwrap();
    assert_eq!(etag, format!("\"{}\"", head.trim()));

    for inm in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"0000\", {etag}"),
        "*".to_string(),
    ] {
        let r = raw(
            srv.addr,
            "GET",
            "/manifest.json",
            &[("If-None-Match", &inm)],
        );
        assert_eq!(r.status, 304, "{inm}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), Some(etag.as_str()));
        assert_eq!(r.header("cache-control"), Some("public, max-age=5"));
    }
    let r = raw(
        srv.addr,
        "GET",
        "/manifest.json",
        &[("If-None-Match", "\"0000\"")],
    );
    assert_eq!(r.status, 200);

    let f = get(srv.addr, "/results.json");
    assert_eq!(f.status, 200);
    assert_eq!(f.body, files(1)[0].bytes);
    assert_eq!(f.header("etag"), Some(etag_of(&f.body).as_str()));
    let r = raw(
        srv.addr,
        "GET",
        "/results.json",
        &[("If-None-Match", &etag_of(&f.body))],
    );
    assert_eq!(r.status, 304);
}

#[test]
fn cache_control_is_short_for_the_manifest_and_immutable_for_objects() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    let m = publish(dir.path(), key, 1);
    let srv = start(dir.path(), config());

    for path in ["/manifest.json", "/manifest.json.sig", "/results.xml", "/"] {
        let r = get(srv.addr, path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=5"),
            "{path}"
        );
    }
    let index = get(srv.addr, "/");
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.text(), "<h1>Publication 1</h1>");

    let xml = m.file("results.xml").unwrap();
    let r = get(srv.addr, &format!("/objects/{}", xml.sha256.hex()));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert_eq!(r.body, files(1)[1].bytes);

    // HEAD: the same headers, no body.
    let h = raw(srv.addr, "HEAD", "/results.xml", &[]);
    assert_eq!(h.status, 200);
    assert_eq!(
        h.header("content-length"),
        Some(xml.size.to_string().as_str())
    );
    assert!(h.body.is_empty());
    // Only GET and HEAD.
    let p = raw(
        srv.addr,
        "POST",
        "/manifest.json",
        &[("Content-Length", "0")],
    );
    assert_eq!(p.status, 405);
}

#[test]
fn before_the_first_publication_everything_is_404_and_then_served_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(dir.path(), config());
    for path in ["/manifest.json", "/manifest.json.sig", "/", "/results.json"] {
        let r = get(srv.addr, path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.text(), NOT_PUBLISHED);
    }
    let h = get(srv.addr, "/health");
    assert_eq!(h.status, 200);
    assert!(h.text().contains("no publication yet"), "{}", h.text());

    let key = the_key();
    publish(dir.path(), key, 1);
    assert_eq!(get(srv.addr, "/results.json").body, files(1)[0].bytes);
    assert!(get(srv.addr, "/health").text().contains("sequence 1"));
    publish(dir.path(), key, 2);
    assert_eq!(get(srv.addr, "/results.json").body, files(2)[0].bytes);
}

#[test]
fn no_path_reaches_outside_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    let m = publish(dir.path(), key, 1);
    std::fs::write(dir.path().join("secret.txt"), "SECRET").unwrap();
    let srv = start(dir.path(), config());
    let sha = m.files[0].sha256.hex();
    let targets = [
        "/../Cargo.toml".to_string(),
        "/%2e%2e/Cargo.toml".into(),
        "/%2e%2e%2fCargo.toml".into(),
        "/..%2fCargo.toml".into(),
        "/objects/../HEAD".into(),
        "/objects/%2e%2e/HEAD".into(),
        format!("/objects/{sha}/../../HEAD"),
        format!("/objects/{}", sha.to_uppercase()),
        "/objects/".into(),
        "/objects".into(),
        "/HEAD".into(),
        "/secret.txt".into(),
        "//etc/passwd".into(),
        "/etc/passwd".into(),
        "/%2fetc%2fpasswd".into(),
        "/..\\Cargo.toml".into(),
        "/%5c..%5cCargo.toml".into(),
        "/./results.json".into(),
        "/results.json/".into(),
        "http://localhost/../HEAD".into(),
        "/index.html%00".into(),
    ];
    for t in &targets {
        let r = get(srv.addr, t);
        assert_eq!(r.status, 404, "{t}");
        assert!(
            !r.text().contains("SECRET") && !r.text().contains("[package]"),
            "{t}"
        );
    }
    // A directory listing is never given.
    assert_eq!(get(srv.addr, "/objects/").status, 404);
}

// ---------------------------------------------------------------- tiers

fn hits(addr: SocketAddr, n: usize) -> Vec<Resp> {
    (0..n).map(|_| get(addr, "/manifest.json")).collect()
}

fn statuses(rs: &[Resp]) -> Vec<u16> {
    rs.iter().map(|r| r.status).collect()
}

#[test]
fn the_public_limit_answers_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start(
        dir.path(),
        ServeConfig {
            public_requests_per_minute: rpm(3),
            ..config()
        },
    );
    let rs = hits(srv.addr, 4);
    assert_eq!(statuses(&rs), [200, 200, 200, 429]);
    let secs: u64 = rs[3].header("retry-after").unwrap().parse().unwrap();
    // 3 a minute: the next request is allowed within 20 s.
    assert!((1..=20).contains(&secs), "{secs}");
}

fn outlet(addresses: &[&str], test_addresses: &[&str], n: u32) -> MediaOutlet {
    MediaOutlet {
        name: "NRK".into(),
        addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
        test_addresses: test_addresses.iter().map(|a| a.parse().unwrap()).collect(),
        requests_per_minute: rpm(n),
    }
}

#[test]
fn an_allowlisted_media_address_gets_its_outlets_rate() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start(
        dir.path(),
        ServeConfig {
            public_requests_per_minute: rpm(3),
            media: vec![outlet(&["127.0.0.1"], &[], 8)],
            ..config()
        },
    );
    let rs = hits(srv.addr, 9);
    assert_eq!(statuses(&rs[..8]), [200; 8]);
    // The outlet's own limit still holds.
    assert_eq!(rs[8].status, 429);
}

#[test]
fn test_addresses_get_the_media_rate_only_while_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    for enabled in [true, false] {
        let srv = start(
            dir.path(),
            ServeConfig {
                public_requests_per_minute: rpm(3),
                media: vec![outlet(&["10.0.0.1"], &["127.0.0.1"], 8)],
                test_addresses_enabled: enabled,
                ..config()
            },
        );
        let got = statuses(&hits(srv.addr, 5));
        if enabled {
            assert_eq!(got, [200; 5]);
        } else {
            assert_eq!(got, [200, 200, 200, 429, 429]);
        }
    }
}

/// Reads until the server closes the connection; what it sent before.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => got,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => got,
        Err(e) => panic!("the server did not close the connection: {e}"),
    }
}

#[test]
fn idle_and_excess_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start_with(
        dir.path(),
        config(),
        ConnectionLimits {
            max_connections: 100,
            max_per_client: 2,
            header_timeout: std::time::Duration::from_millis(500),
        },
    );
    // Half a request, then nothing: closed after the header timeout, unserved.
    let mut slow = TcpStream::connect(srv.addr).unwrap();
    slow.write_all(b"GET /manifest.json HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let t0 = std::time::Instant::now();
    let got = read_until_closed(&mut slow);
    eprintln!(
        "slow closed after {:?}: {:?}",
        t0.elapsed(),
        String::from_utf8_lossy(&got)
    );
    assert!(!String::from_utf8_lossy(&got).contains("200 OK"));

    // A kept-alive connection that asks nothing more is closed too, after
    // its answer.
    let mut kept = TcpStream::connect(srv.addr).unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert!(read_until_closed(&mut kept).starts_with(b"HTTP/1.1 200"));

    // Two idle connections from 127.0.0.1 fill its share; a third is closed
    // at once, before any request.
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(srv.addr).unwrap())
        .collect();
    let mut third = TcpStream::connect(srv.addr).unwrap();
    assert!(read_until_closed(&mut third).is_empty());
    drop(idle);
    // Once they are gone, requests are served again (the server notices the
    // closes asynchronously).
    let served = (0..100).any(|_| {
        // A connection refused for the cap may be reset under the write.
        let mut s = TcpStream::connect(srv.addr).unwrap();
        let ok = s
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .is_ok()
            && read_until_closed(&mut s).starts_with(b"HTTP/1.1 200");
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        ok
    });
    assert!(served);
}

// ---------------------------------------------------------------- the store

/// A reader following HEAD → manifest → objects while 50 publications are
/// made never sees a manifest whose objects do not match it.
#[test]
fn a_reader_never_sees_a_mix_of_two_publications() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let key = the_key();
    publish(&root, key, 1);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (root, done) = (root.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut reads, mut last_seq) = (0u64, 0u64);
            loop {
                let finished = done.load(Ordering::SeqCst);
                let head = std::fs::read_to_string(root.join("HEAD")).unwrap();
                let msha = Digest32::from_hex(head.trim()).unwrap();
                let mbytes = std::fs::read(store::object_path(&root, &msha)).unwrap();
                assert_eq!(
                    sha256(&mbytes),
                    msha.0,
                    "manifest object does not match HEAD"
                );
                let m: store::PublicationManifest = serde_json::from_slice(&mbytes).unwrap();
                assert!(m.sequence >= last_seq, "HEAD went backwards");
                last_seq = m.sequence;
                for f in &m.files {
                    let bytes = std::fs::read(store::object_path(&root, &f.sha256)).unwrap();
                    assert_eq!(sha256(&bytes), f.sha256.0, "{} in {}", f.name, m.sequence);
                    assert_eq!(bytes.len() as u64, f.size);
                    // Each file names the publication it belongs to.
                    let text = String::from_utf8(bytes).unwrap();
                    assert!(
                        text.contains(&m.sequence.to_string()),
                        "{text} in {}",
                        m.sequence
                    );
                }
                let sig = store::read_signature(&root, &msha).unwrap();
                store::verify_publication(&mbytes, &sig, None).unwrap();
                reads += 1;
                if finished {
                    return (reads, last_seq);
                }
            }
        })
    };
    for seq in 2..=51 {
        publish(&root, key, seq);
    }
    done.store(true, Ordering::SeqCst);
    let (reads, last) = reader.join().unwrap();
    assert!(reads >= 1);
    assert_eq!(last, 51);
}

// ---------------------------------------------------------------- fetch

fn url(srv: &Running) -> String {
    format!("http://{}/", srv.addr)
}

#[test]
fn fetch_once_downloads_verifies_and_writes_the_publication() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start(dir.path(), config());

    let run = || {
        Command::new(env!("CARGO_BIN_EXE_urne"))
            .args([
                "fetch",
                &url(&srv),
                "--publisher-key",
                &key.public_b64(),
                "--once",
                "--out",
            ])
            .arg(out.path())
            .output()
            .unwrap()
    };
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("sequence 1 (partial, test): results.json, results.xml, index.html"),
        "{stdout}"
    );
    for f in files(1) {
        assert_eq!(std::fs::read(out.path().join(&f.name)).unwrap(), f.bytes);
    }
    let served = get(srv.addr, "/manifest.json").body;
    assert_eq!(
        std::fs::read(out.path().join("manifest.json")).unwrap(),
        served
    );

    // Nothing new: answered by 304.
    let o = run();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("no change"));

    publish(dir.path(), key, 2);
    let o = run();
    assert!(String::from_utf8_lossy(&o.stdout).contains("sequence 2"));
    assert_eq!(
        std::fs::read(out.path().join("results.json")).unwrap(),
        files(2)[0].bytes
    );
}

#[test]
fn fetch_with_another_pinned_key_refuses_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    let (other, _) = PublisherKey::generate().unwrap();
    publish(dir.path(), key, 1);
    let srv = start(dir.path(), config());
    let e = Fetcher::new(&url(&srv), &other.public_b64(), out.path())
        .unwrap()
        .poll()
        .unwrap_err();
    assert_eq!(e.code(), "E-PUBLISH-WRONG-KEY", "{e}");
    assert!(e.to_string().contains(&other.public_b64()), "{e}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);

    // The binary: one line with the code, exit 1.
    let o = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args([
            "fetch",
            &url(&srv),
            "--publisher-key",
            &other.public_b64(),
            "--once",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("urne: error[E-PUBLISH-WRONG-KEY]"),
        "{stderr}"
    );
}

#[test]
fn fetch_refuses_a_rollback_and_keeps_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let first_head = std::fs::read(dir.path().join("HEAD")).unwrap();
    publish(dir.path(), key, 2);
    let srv = start(dir.path(), config());
    let fetcher = Fetcher::new(&url(&srv), &to_b64(&key.public_key()), out.path()).unwrap();
    assert!(matches!(fetcher.poll().unwrap(), Outcome::New(m) if m.sequence == 2));
    assert_eq!(fetcher.poll().unwrap(), Outcome::Unchanged { sequence: 2 });

    // The server (or a cache) now offers the older, validly signed publication.
    std::fs::write(dir.path().join("HEAD"), first_head).unwrap();
    let e = fetcher.poll().unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::Rollback {
                last: 2,
                found: 1,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.code(), "E-FETCH-ROLLBACK");
    assert_eq!(
        std::fs::read(out.path().join("results.json")).unwrap(),
        files(2)[0].bytes
    );
}

/// A stand-in server answering fixed bodies by path, one request per connection.
fn fake_server(routes: std::collections::HashMap<String, Vec<u8>>) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head);
            let path = text.split(' ').nth(1).unwrap_or("").to_string();
            let (status, body) = match routes.get(&path) {
                Some(b) => ("200 OK", b.clone()),
                None => ("404 Not Found", Vec::new()),
            };
            let _ = s.write_all(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            let _ = s.write_all(&body);
        }
    });
    addr
}

#[test]
fn fetch_refuses_a_file_that_does_not_match_the_signed_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    let m = publish(dir.path(), key, 1);
    let (manifest_bytes, _) = store::current(dir.path()).unwrap().unwrap();
    let msha = Digest32(sha256(&manifest_bytes));
    let mut routes = std::collections::HashMap::new();
    routes.insert("/manifest.json".to_string(), manifest_bytes.clone());
    routes.insert(
        format!("/objects/{}.sig", msha.hex()),
        store::read_signature(dir.path(), &msha).unwrap(),
    );
    for f in &m.files {
        let mut bytes = store::read_object(dir.path(), &f.sha256).unwrap();
        if f.name == "results.json" {
            // Same size, one digit changed: the numbers a newsroom would air.
            let at = bytes.iter().position(|b| b.is_ascii_digit()).unwrap();
            bytes[at] = if bytes[at] == b'9' {
                b'8'
            } else {
                bytes[at] + 1
            };
        }
        routes.insert(format!("/objects/{}", f.sha256.hex()), bytes);
    }
    let addr = fake_server(routes);
    let e = Fetcher::new(&format!("http://{addr}"), &key.public_b64(), out.path())
        .unwrap()
        .poll()
        .unwrap_err();
    assert_eq!(e.code(), "E-FETCH-OBJECT", "{e}");
    assert!(e.to_string().contains("results.json"), "{e}");
    // Nothing at all was written, not even the files that did match.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn a_publication_altered_on_disk_is_not_served_and_the_previous_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start(dir.path(), config());
    assert!(get(srv.addr, "/health").text().contains("sequence 1"));
    let m2 = publish(dir.path(), key, 2);
    let xml = m2.file("results.xml").unwrap();
    std::fs::write(
        store::object_path(dir.path(), &xml.sha256),
        b"<Results sequence=\"9\"/>",
    )
    .unwrap();
    let r = get(srv.addr, "/results.xml");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, files(1)[1].bytes);
    let manifest: store::PublicationManifest =
        serde_json::from_slice(&get(srv.addr, "/manifest.json").body).unwrap();
    assert_eq!(manifest.sequence, 1);
}

// ---------------------------------------------------------------- configuration and CLI

#[test]
fn a_malformed_config_names_its_line() {
    let e = ServeConfig::parse(
        "listen = \"127.0.0.1:8080\"\n\n[public]\nrequests_per_minute = \"fast\"\n",
        "serve.toml",
    )
    .unwrap_err();
    assert_eq!(e.code(), "E-SERVE-CONFIG");
    assert!(e.to_string().starts_with("serve.toml, line 4: "), "{e}");
    let six: Vec<String> = (1..=6).map(|i| format!("\"10.0.0.{i}\"")).collect();
    let text = format!(
        "[[media]]\nname = \"NRK\"\naddresses = [{}]\n",
        six.join(", ")
    );
    let e = ServeConfig::parse(&text, "serve.toml").unwrap_err();
    assert!(e.to_string().starts_with("serve.toml, line 3: "), "{e}");
    assert!(e.to_string().contains("more than 5"), "{e}");
}

#[test]
fn the_binary_refuses_a_bad_config_or_directory_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("serve.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:0\"\nthrottle = 5\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_urne"))
        .arg("serve")
        .arg("--config")
        .arg(&cfg)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "urne: error[E-SERVE-CONFIG]: {}, line 2: ",
            cfg.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.lines().skip(1).all(|l| l.starts_with("  hint: ")),
        "{stderr}"
    );

    let o = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with("urne: error[E-SERVE-DIR]: "), "{stderr}");
    assert!(stderr.contains("missing"), "{stderr}");
}

/// `urne serve` of `dir` on a free port, pinned to `key`, and the first line
/// it printed (its address).
fn spawn_serve(dir: &Path, key: &PublisherKey) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["serve", "--listen", "127.0.0.1:0", "--publisher-key"])
        .arg(key.public_b64())
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    (child, first)
}

#[test]
fn the_binary_serves_and_logs_one_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let (mut child, first) = spawn_serve(dir.path(), key);
    let addr: SocketAddr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    let r = get(addr, "/results.json?from=newsroom");
    assert_eq!(r.status, 200);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let line = stderr
        .lines()
        .find(|l| l.contains("GET"))
        .unwrap_or_else(|| panic!("no access log line in {stderr:?}"));
    let fields: Vec<&str> = line.split(' ').collect();
    // time, address, tier, method, path (no query), status, bytes.
    assert_eq!(fields.len(), 7, "{line}");
    assert!(fields[0].ends_with('Z'), "{line}");
    assert_eq!(
        &fields[1..],
        [
            "127.0.0.1",
            "public",
            "GET",
            "/results.json",
            "200",
            &r.body.len().to_string()
        ]
    );
}

/// SIGTERM (what a service manager sends) and SIGINT stop the server
/// through its own shutdown, with exit status 0, even when they come the
/// moment the address is printed: the handlers are registered before it.
#[test]
fn a_stop_signal_right_after_the_address_ends_the_server_cleanly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    for signal in ["-TERM", "-INT"] {
        let (mut child, first) = spawn_serve(dir.path(), key);
        assert!(first.contains("http://"), "{first:?}");
        let sent = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(
            (status.code(), status.signal()),
            (Some(0), None),
            "{signal}: the server did not end through its own shutdown: {status:?}"
        );
    }
}

// ---------------------------------------------------------------- issue 15 (2), issue 19

#[test]
fn the_server_refuses_to_start_without_a_publisher_key_or_on_another_keys_publication() {
    let dir = tempfile::tempdir().unwrap();
    let (other, _) = PublisherKey::generate().unwrap();
    publish(dir.path(), &other, 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Pinned to the_key(): the publication in the directory is another's.
    let e = rt
        .block_on(Server::bind(dir.path(), &config()))
        .err()
        .expect("a server pinned to another key must not start");
    assert_eq!(e.code(), "E-PUBLISH-WRONG-KEY", "{e}");
    assert!(e.to_string().contains(&other.public_b64()), "{e}");
    let e = rt
        .block_on(Server::bind(
            dir.path(),
            &ServeConfig {
                publisher_key: None,
                ..config()
            },
        ))
        .err()
        .expect("a server without a publisher key must not start");
    assert_eq!(e.code(), "E-SERVE-NO-KEY", "{e}");

    // The binary: one line with the code, exit 1, for both.
    for args in [
        vec!["--publisher-key".to_string(), the_key().public_b64()],
        vec![],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_urne"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(&args)
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&o.stderr);
        let code = if args.is_empty() {
            "E-SERVE-NO-KEY"
        } else {
            "E-PUBLISH-WRONG-KEY"
        };
        assert!(
            stderr.starts_with(&format!("urne: error[{code}]")),
            "{stderr}"
        );
    }
}

#[test]
fn a_swap_to_a_publication_signed_by_another_key_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let key = the_key();
    publish(dir.path(), key, 1);
    let srv = start(dir.path(), config());
    assert!(get(srv.addr, "/health").text().contains("sequence 1"));
    // An insider with write access to the directory publishes with their own key.
    let (other, _) = PublisherKey::generate().unwrap();
    publish(dir.path(), &other, 2);
    for path in ["/manifest.json", "/manifest.json.sig", "/", "/results.json"] {
        let r = get(srv.addr, path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, get(srv.addr, path).body);
    }
    let m: store::PublicationManifest =
        serde_json::from_slice(&get(srv.addr, "/manifest.json").body).unwrap();
    assert_eq!(m.sequence, 1);
    assert_eq!(m.publisher_key, key.public_b64());
    assert_eq!(get(srv.addr, "/results.json").body, files(1)[0].bytes);
    assert_eq!(get(srv.addr, "/").body, files(1)[2].bytes);
    assert!(get(srv.addr, "/health").text().contains("sequence 1"));
    // The right key's next publication is served again.
    publish(dir.path(), key, 3);
    assert_eq!(get(srv.addr, "/results.json").body, files(3)[0].bytes);
}

#[test]
fn if_modified_since_gives_304_unless_if_none_match_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), the_key(), 1);
    let srv = start(dir.path(), config());
    let lm = "Mon, 03 Feb 2025 20:15:00 GMT";
    for path in ["/manifest.json", "/results.json", "/"] {
        let r = raw(srv.addr, "GET", path, &[("If-Modified-Since", lm)]);
        assert_eq!(r.status, 304, "{path}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("last-modified"), Some(lm));
        let later = raw(
            srv.addr,
            "GET",
            path,
            &[("If-Modified-Since", "Tue, 04 Feb 2025 08:00:00 GMT")],
        );
        assert_eq!(later.status, 304, "{path}");
        let earlier = raw(
            srv.addr,
            "GET",
            path,
            &[("If-Modified-Since", "Mon, 03 Feb 2025 20:14:59 GMT")],
        );
        assert_eq!(earlier.status, 200, "{path}");
        // If-None-Match wins: a stale tag gets the body whatever the date.
        let r = raw(
            srv.addr,
            "GET",
            path,
            &[("If-Modified-Since", lm), ("If-None-Match", "\"0000\"")],
        );
        assert_eq!(r.status, 200, "{path}");
        let etag = r.header("etag").unwrap().to_string();
        let r = raw(
            srv.addr,
            "GET",
            path,
            &[
                ("If-Modified-Since", "Mon, 03 Feb 2020 00:00:00 GMT"),
                ("If-None-Match", &etag),
            ],
        );
        assert_eq!(r.status, 304, "{path}");
    }
    // A date that is not one is ignored.
    let r = raw(
        srv.addr,
        "GET",
        "/results.json",
        &[("If-Modified-Since", "tomorrow")],
    );
    assert_eq!(r.status, 200);
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The body of a chunked answer, de-chunked.
fn dechunk(r: &Resp) -> Vec<u8> {
    if r.header("transfer-encoding") != Some("chunked") {
        return r.body.clone();
    }
    let mut out = Vec::new();
    let mut rest = &r.body[..];
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16).unwrap();
        rest = &rest[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[test]
fn bodies_are_gzipped_for_clients_that_ask_and_their_tag_is_weak() {
    let dir = tempfile::tempdir().unwrap();
    // A body worth compressing.
    let big = "{\"Søgne\": [".to_string() + &"1234, ".repeat(2000) + "0]}\n";
    let f = PublishedFile {
        name: "results.json".into(),
        bytes: big.clone().into_bytes(),
        content_type: "application/json".into(),
    };
    store::publish(dir.path(), meta(1), &[f], the_key()).unwrap();
    let srv = start(dir.path(), config());
    let plain = get(srv.addr, "/results.json");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, big.as_bytes());
    let strong = plain.header("etag").unwrap().to_string();
    assert!(strong.starts_with('"'), "{strong}");

    let gz = raw(
        srv.addr,
        "GET",
        "/results.json",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(gz.status, 200);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(gz
        .header("vary")
        .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    let body = dechunk(&gz);
    assert!(body.len() * 4 < big.len(), "{} bytes", body.len());
    assert_eq!(gunzip(&body), big.as_bytes());
    assert_eq!(gz.header("etag"), Some(format!("W/{strong}").as_str()));
    // Its weak tag, sent back, gives 304.
    let again = raw(
        srv.addr,
        "GET",
        "/results.json",
        &[
            ("Accept-Encoding", "gzip"),
            ("If-None-Match", &format!("W/{strong}")),
        ],
    );
    assert_eq!(again.status, 304);
}

#[test]
fn any_origin_may_read_the_files_from_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), the_key(), 1);
    let srv = start(dir.path(), config());
    let origin = ("Origin", "https://widgets.newsroom.example");
    let r = raw(srv.addr, "GET", "/results.json", &[origin]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("last-modified"),
        "{exposed}"
    );
    // The preflight of a conditional request.
    let p = raw(
        srv.addr,
        "OPTIONS",
        "/results.json",
        &[
            origin,
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "if-none-match"),
        ],
    );
    assert_eq!(p.status, 200);
    assert_eq!(p.header("access-control-allow-origin"), Some("*"));
    assert!(p
        .header("access-control-allow-headers")
        .unwrap()
        .contains("if-none-match"));
    assert!(p
        .header("access-control-allow-methods")
        .unwrap()
        .contains("GET"));
}

#[test]
fn health_is_never_rate_limited_and_spends_no_budget() {
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), the_key(), 1);
    let srv = start(
        dir.path(),
        ServeConfig {
            public_requests_per_minute: rpm(2),
            ..config()
        },
    );
    for _ in 0..10 {
        let h = get(srv.addr, "/health");
        assert_eq!(h.status, 200);
        assert!(h.text().contains("sequence 1"));
    }
    // The budget of 2 is untouched by the health checks.
    assert_eq!(statuses(&hits(srv.addr, 3)), [200, 200, 429]);
    assert_eq!(get(srv.addr, "/health").status, 200);
}

// ---------------------------------------------------------------- fetch: Retry-After and resuming

type Script = std::collections::HashMap<String, Vec<(u16, Vec<(String, String)>, Vec<u8>)>>;

/// A stand-in server playing, per path, a list of answers (the last one
/// repeats), and counting the requests per path.
fn scripted_server(
    script: Script,
) -> (
    SocketAddr,
    Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let counts = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let seen = counts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head);
            let path = text.split(' ').nth(1).unwrap_or("").to_string();
            let n = {
                let mut c = seen.lock().unwrap();
                let n = c.entry(path.clone()).or_insert(0);
                *n += 1;
                *n
            };
            let (status, headers, body) = match script.get(&path) {
                Some(answers) => answers[(n - 1).min(answers.len() - 1)].clone(),
                None => (404, vec![], Vec::new()),
            };
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            let _ = s.write_all(out.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    (addr, counts)
}

/// The script of a publication served whole (every answer 200).
fn script_of(dir: &Path, m: &store::PublicationManifest) -> Script {
    let (manifest_bytes, _) = store::current(dir).unwrap().unwrap();
    let msha = Digest32(sha256(&manifest_bytes));
    let mut s = Script::new();
    s.insert("/manifest.json".into(), vec![(200, vec![], manifest_bytes)]);
    s.insert(
        format!("/objects/{}.sig", msha.hex()),
        vec![(200, vec![], store::read_signature(dir, &msha).unwrap())],
    );
    for f in &m.files {
        s.insert(
            format!("/objects/{}", f.sha256.hex()),
            vec![(200, vec![], store::read_object(dir, &f.sha256).unwrap())],
        );
    }
    s
}

#[test]
fn fetch_waits_as_retry_after_says_and_then_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    let m = publish(dir.path(), key, 1);
    let mut script = script_of(dir.path(), &m);
    let xml = format!("/objects/{}", m.file("results.xml").unwrap().sha256.hex());
    let ok = script[&xml][0].clone();
    let busy = (
        429,
        vec![("Retry-After".to_string(), "1".to_string())],
        b"Too many requests; see Retry-After.\n".to_vec(),
    );
    script.insert(xml.clone(), vec![busy, ok]);
    let (addr, counts) = scripted_server(script);
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let w = waits.clone();
    let fetcher = Fetcher::new(&format!("http://{addr}"), &key.public_b64(), out.path())
        .unwrap()
        .on_wait(move |x| w.lock().unwrap().push(x.clone()));
    let t0 = std::time::Instant::now();
    assert!(matches!(fetcher.poll().unwrap(), Outcome::New(m) if m.sequence == 1));
    assert!(t0.elapsed() >= std::time::Duration::from_secs(1));
    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].status, 429);
    assert_eq!(waits[0].retry_after.as_deref(), Some("1"));
    assert_eq!(waits[0].wait, std::time::Duration::from_secs(1));
    assert_eq!(waits[0].attempt, 2);
    assert!(waits[0].url.ends_with(&xml));
    assert_eq!(counts.lock().unwrap()[&xml], 2);
    for f in files(1) {
        assert_eq!(std::fs::read(out.path().join(&f.name)).unwrap(), f.bytes);
    }
}

#[test]
fn fetch_once_says_when_it_will_try_again_and_has_no_network_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    let m = publish(dir.path(), key, 1);
    let mut script = script_of(dir.path(), &m);
    let json = format!("/objects/{}", m.file("results.json").unwrap().sha256.hex());
    let busy = (
        429,
        vec![("Retry-After".to_string(), "1".to_string())],
        Vec::new(),
    );
    let ok = script[&json][0].clone();
    script.insert(json.clone(), vec![busy.clone(), ok]);
    let (addr, _) = scripted_server(script.clone());
    let run = |addr: SocketAddr, out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_urne"))
            .args([
                "fetch",
                &format!("http://{addr}/"),
                "--publisher-key",
                &key.public_b64(),
                "--once",
                "--out",
            ])
            .arg(out)
            .output()
            .unwrap()
    };
    let o = run(addr, out.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("HTTP 429"))
        .unwrap_or_else(|| panic!("no wait line: {stderr}"));
    // "<time> urne fetch: URL answered HTTP 429 (…; Retry-After: 1); waiting 1 s, try 2 at HH:MM:SSZ"
    let t = line.split(' ').next().unwrap();
    assert!(
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok(),
        "{line}"
    );
    assert!(line.contains("Retry-After: 1"), "{line}");
    assert!(line.contains("waiting 1 s, try 2 at "), "{line}");
    assert!(line.ends_with('Z'), "{line}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains(" sequence 1 (partial, test): "), "{stdout}");

    // A server that never stops saying 429: after MAX_ATTEMPTS tries, one
    // error line, and its hint is about polling less often, not the network.
    let out2 = tempfile::tempdir().unwrap();
    script.insert(
        json.clone(),
        vec![(
            429,
            vec![("Retry-After".to_string(), "0".to_string())],
            Vec::new(),
        )],
    );
    let (addr, counts) = scripted_server(script);
    let o = run(addr, out2.path());
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let err = stderr
        .lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap();
    assert!(err.starts_with("urne: error[E-FETCH-BUSY]"), "{stderr}");
    assert!(!stderr.contains("network"), "{stderr}");
    assert!(stderr.contains("--interval"), "{stderr}");
    assert_eq!(
        counts.lock().unwrap()[&json],
        urne::serve::fetch::MAX_ATTEMPTS as usize
    );
    assert_eq!(std::fs::read_dir(out2.path()).unwrap().count(), 0);
}

#[test]
fn a_poll_that_failed_partway_resumes_and_unchanged_files_are_not_downloaded_again() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let key = the_key();
    let m = publish(dir.path(), key, 1);
    let mut script = script_of(dir.path(), &m);
    let paths: Vec<String> = m
        .files
        .iter()
        .map(|f| format!("/objects/{}", f.sha256.hex()))
        .collect();
    // The last file fails once (a server error), then is there.
    let last = paths.last().unwrap().clone();
    let ok = script[&last][0].clone();
    script.insert(last.clone(), vec![(500, vec![], Vec::new()), ok]);
    let (addr, counts) = scripted_server(script);
    let fetcher = Fetcher::new(&format!("http://{addr}"), &key.public_b64(), out.path()).unwrap();
    let e = fetcher.poll().unwrap_err();
    assert_eq!(e.code(), "E-FETCH-STATUS", "{e}");
    assert!(!e.hint().unwrap_or_default().contains("network"), "{e}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    assert!(matches!(fetcher.poll().unwrap(), Outcome::New(_)));
    let c = counts.lock().unwrap().clone();
    for p in &paths[..paths.len() - 1] {
        assert_eq!(c[p], 1, "{p} was downloaded again");
    }
    assert_eq!(c[&last], 2);

    // The next publication changes one file: a new client with this
    // directory downloads only that one.
    let dir2 = tempfile::tempdir().unwrap();
    publish(dir2.path(), key, 1);
    let mut changed = files(2);
    changed[1] = files(1)[1].clone();
    changed[2] = files(1)[2].clone();
    let m2 = store::publish(dir2.path(), meta(2), &changed, key).unwrap();
    let (addr, counts) = scripted_server(script_of(dir2.path(), &m2));
    let fetcher = Fetcher::new(&format!("http://{addr}"), &key.public_b64(), out.path()).unwrap();
    assert!(matches!(fetcher.poll().unwrap(), Outcome::New(m) if m.sequence == 2));
    let c = counts.lock().unwrap().clone();
    let fetched: Vec<&String> = c
        .keys()
        .filter(|p| p.starts_with("/objects/") && !p.ends_with(".sig"))
        .collect();
    assert_eq!(
        fetched,
        [&format!(
            "/objects/{}",
            m2.file("results.json").unwrap().sha256.hex()
        )]
    );
    assert_eq!(
        std::fs::read(out.path().join("results.json")).unwrap(),
        files(2)[0].bytes
    );
}
