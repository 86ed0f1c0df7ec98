//! `urne box serve`, the receiving service, over real HTTP on 127.0.0.1: bad
//! requests and every counting rule refused with their codes and nothing
//! appended; one writer per box; a closed box answers 409; a full disk
//! refuses and leaves no half line; and `kill -9` at random moments under load
//! loses no acknowledged ballot.

mod common;

use common::cli::{assert_ok, root, urne, BIN};
use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use curve25519_dalek::scalar::Scalar;
use rand::rngs::OsRng;
use rand::Rng;
use zeroize::Zeroizing;

use urne::ballot::{self, BallotContext};
use urne::keys::ElectionKey;

const TOKEN: &str = "rehearsal-token-0123456789abcdefghijklmnop";

/// A simulated event (the example manifest, policy single, `voters` per
/// referendum) with a new, open, empty box and the service's configuration.
fn event(voters: u64) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let manifest = root().join("examples/event/manifest.toml");
    let key = root().join("keys-example/election-key.json");
    assert_ok(&urne(
        dir,
        &[
            "simulate",
            "--manifest",
            manifest.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--voters",
            &voters.to_string(),
            "--turnout",
            "0",
            "--bad",
            "0",
        ],
    ));
    fs::write(dir.join("box-pass.txt"), "box operator passphrase\n").unwrap();
    assert_ok(&urne(
        dir,
        &[
            "box",
            "init",
            "--force",
            "--insecure-fast-kdf",
            "--passphrase-file",
            dir.join("box-pass.txt").to_str().unwrap(),
        ],
    ));
    fs::write(dir.join("token.txt"), format!("{TOKEN}\n")).unwrap();
    fs::write(
        dir.join("serve.toml"),
        "token_file = \"token.txt\"\nmax_body_bytes = 8192\nqueue = 256\nbatch = 64\nrehearsal_clock = \"2027-01-25T10:00:00+01:00\"\n",
    )
    .unwrap();
    tmp
}

fn voters(dir: &Path, referendum: &str) -> Vec<String> {
    fs::read_to_string(dir.join("roll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(&format!(",{referendum}")))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

fn key() -> ElectionKey {
    let p = root().join("keys-example/election-key.json");
    ElectionKey::from_json(&fs::read_to_string(&p).unwrap(), "election-key.json").unwrap()
}

/// A request body for `voter`'s ballot, signed with their credential; with
/// `randomness`, those ciphertexts.
fn request(
    k: &ElectionKey,
    voter: &str,
    referendum: &str,
    choice: usize,
    randomness: Option<&[Zeroizing<Scalar>]>,
) -> String {
    let b = ballot_json(k, voter, referendum, choice, randomness);
    common::credentials::request(voter, referendum, &b).to_string()
}

/// `voter`'s ballot, unsigned (`urne encrypt` output before signing).
fn ballot_json(
    k: &ElectionKey,
    voter: &str,
    referendum: &str,
    choice: usize,
    randomness: Option<&[Zeroizing<Scalar>]>,
) -> String {
    let ctx = BallotContext {
        fingerprint: &k.fingerprint,
        referendum,
        voter,
    };
    let b = match randomness {
        Some(r) => ballot::encrypt_with_randomness(&k.key, &ctx, 3, choice, r, &mut OsRng),
        None => ballot::encrypt(&k.key, &ctx, 3, choice, &mut OsRng),
    }
    .unwrap();
    serde_json::to_string(&b).unwrap()
}

struct Service {
    child: Child,
    addr: SocketAddr,
}

/// Starts `urne box serve` on a free port, through `sh -c PREFIX` if given.
fn start(dir: &Path, prefix: Option<&str>) -> Service {
    let cfg = dir.join("serve.toml");
    let args = [
        "-d",
        dir.to_str().unwrap(),
        "box",
        "serve",
        "--config",
        cfg.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ];
    let mut cmd = match prefix {
        Some(p) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{p}; exec \"$0\" \"$@\""))
                .arg(BIN)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(BIN);
            c.args(args);
            c
        }
    };
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the service did not start: {line}\n{err}")
        })
        .parse()
        .unwrap();
    Service { child, addr }
}

/// Stops the service as Ctrl-C would (SIGTERM) and waits for it.
fn stop(mut s: Service) -> Output {
    let pid = s.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = s.child.wait().unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let _ = s.child.stdout.take().unwrap().read_to_end(&mut out);
    let _ = s.child.stderr.take().unwrap().read_to_end(&mut err);
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: String,
    body: serde_json::Value,
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    // A server that answers before reading all of a large body may close
    // the connection under it.
    let _ = s.write_all(body);
    // Read what came; a server that answered without reading the whole body
    // may reset the connection after its answer.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if buf.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok(Resp {
        status,
        body: serde_json::from_slice(&buf[split + 4..]).unwrap_or(serde_json::Value::Null),
        headers: head,
    })
}

fn post(addr: SocketAddr, body: &str) -> Resp {
    http(addr, "POST", "/ballots", Some(TOKEN), body.as_bytes()).unwrap()
}

fn code(r: &Resp) -> &str {
    r.body["error"]["code"].as_str().unwrap_or("")
}

fn box_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("box.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn bad_requests_and_rule_failures_are_refused_with_their_codes_and_nothing_is_appended() {
    let ev = event(30);
    let dir = ev.path();
    let k = key();
    let v = voters(dir, "sogne");
    let svc = start(dir, None);
    let a = svc.addr;

    let st = http(a, "GET", "/status", None, b"").unwrap();
    assert_eq!(st.status, 200);
    assert_eq!(st.body["ballots"], 0);
    let header_hash = urne::ballot_box::line_hash(box_lines(dir)[0].as_bytes());
    assert_eq!(st.body["head"], header_hash.hex());

    let good = request(&k, &v[0], "sogne", 0, None);
    // No token, a wrong token: 401, before the body is looked at.
    let r = http(a, "POST", "/ballots", None, good.as_bytes()).unwrap();
    assert_eq!((r.status, code(&r)), (401, "E-BOX-AUTH"));
    assert!(r
        .headers
        .to_lowercase()
        .contains("www-authenticate: bearer"));
    let wrong = format!("{}x", &TOKEN[..TOKEN.len() - 1]);
    let r = http(a, "POST", "/ballots", Some(&wrong), good.as_bytes()).unwrap();
    assert_eq!(r.status, 401);
    // Malformed JSON, an unknown field, an oversized body.
    let r = post(a, "{\"voter\": ");
    assert_eq!((r.status, code(&r)), (400, "E-REQUEST-MALFORMED"));
    let r = post(a, &good.replacen('{', "{\"extra\":1,", 1));
    assert_eq!((r.status, code(&r)), (400, "E-REQUEST-MALFORMED"));
    let big = format!("{{\"voter\":\"{}\"}}", "x".repeat(9000));
    let r = post(a, &big);
    assert_eq!((r.status, code(&r)), (413, "E-REQUEST-TOO-LARGE"));
    assert_eq!(box_lines(dir).len(), 1, "nothing appended");

    // A good ballot, and the same request again (a retry after a lost answer).
    // One scalar: a packed three-option ballot is one ciphertext.
    let r0 = [0u64].map(|_| Zeroizing::new(Scalar::from(rand::random::<u64>())));
    let first = request(&k, &v[0], "sogne", 0, Some(&r0));
    let ok = post(a, &first);
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["seq"], 1);
    let tracker = ok.body["tracker"].as_str().unwrap().to_string();
    let again = post(a, &first);
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(again.body["seq"], 1);
    assert_eq!(again.body["repeated"], true);
    assert_eq!(again.body["tracker"].as_str(), Some(tracker.as_str()));

    // Every counting rule, refused with its code.
    let cases = [
        (
            request(&k, &v[1], "sogne", 0, Some(&r0)),
            "EV-COPIED-BALLOT",
        ),
        (request(&k, &v[0], "sogne", 1, None), "EV-ALREADY-VOTED"),
        (request(&k, "nobody", "sogne", 1, None), "EV-NOT-IN-ROLL"),
        (request(&k, &v[2], "songdalen", 1, None), "EV-NOT-IN-ROLL"),
        (
            // v[3]'s ballot, sent (and signed) by v[4]: its proofs are v[3]'s.
            common::credentials::request(&v[4], "sogne", &ballot_json(&k, &v[3], "sogne", 1, None))
                .to_string(),
            "EV-INVALID-PROOF",
        ),
    ];
    for (body, want) in &cases {
        let r = post(a, body);
        assert_eq!((r.status, code(&r)), (422, *want), "{:?}", r.body);
    }
    let lines = box_lines(dir);
    assert_eq!(lines.len(), 2, "only the good ballot is in the box");
    let h = urne::ballot_box::line_hash(lines[1].as_bytes());
    assert_eq!(urne::ballot_box::tracker::code(&h), tracker);
    let st = http(a, "GET", "/status", None, b"").unwrap();
    assert_eq!(
        (st.body["ballots"].as_u64(), st.body["head"].as_str()),
        (Some(1), Some(h.hex().as_str()))
    );

    // Wrong methods and paths.
    assert_eq!(
        http(a, "GET", "/ballots", Some(TOKEN), b"").unwrap().status,
        405
    );
    assert_eq!(http(a, "GET", "/nothing", None, b"").unwrap().status, 404);

    // One writer per box: neither a second service nor a cast while it runs.
    let p = dir.join("b.json");
    let b5: serde_json::Value =
        serde_json::from_str(&request(&k, &v[5], "sogne", 0, None)).unwrap();
    fs::write(&p, b5["ballot"].to_string()).unwrap();
    let o = urne(
        dir,
        &[
            "box",
            "cast",
            "--ballot",
            p.to_str().unwrap(),
            "--voter",
            &v[5],
            "--referendum",
            "sogne",
            "--at",
            "2027-01-25T10:00:00+01:00",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[E-BOX-LOCKED]"));

    let out = stop(svc);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("state saved"));

    // Closed, the box answers 409 and says so to observers.
    assert_ok(&urne(
        dir,
        &[
            "box",
            "close",
            "--passphrase-file",
            dir.join("box-pass.txt").to_str().unwrap(),
            "--at",
            "2027-02-02T21:00:00+01:00",
        ],
    ));
    let svc = start(dir, None);
    let r = post(svc.addr, &request(&k, &v[6], "sogne", 0, None));
    assert_eq!((r.status, code(&r)), (409, "E-BOX-SEALED"));
    let st = http(svc.addr, "GET", "/status", None, b"").unwrap();
    assert_eq!(st.body["sealed"], true);
    assert_ok(&stop(svc));
}

#[test]
fn a_full_disk_refuses_the_ballot_and_leaves_no_half_line() {
    let ev = event(30);
    let dir = ev.path();
    let k = key();
    let v = voters(dir, "sogne");
    // Files may grow to a few ballots beyond the box as it is (512-byte
    // blocks); a write beyond fails with EFBIG, as on a full disk.
    let len = fs::metadata(dir.join("box.jsonl")).unwrap().len();
    let blocks = (len + 3 * 2400) / 512 + 1;
    let svc = start(dir, Some(&format!("ulimit -f {blocks}; trap '' XFSZ")));
    let mut acked = 0;
    let mut refused = 0;
    for voter in &v[..12] {
        let r = post(svc.addr, &request(&k, voter, "sogne", 0, None));
        match r.status {
            200 => {
                assert_eq!(refused, 0, "nothing is taken after the disk filled");
                acked += 1;
            }
            507 => {
                assert_eq!(code(&r), "E-BOX-IO");
                refused += 1;
            }
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    let mut svc = svc;
    let _ = svc.child.kill();
    let _ = svc.child.wait();
    assert!(
        acked >= 1 && refused >= 1,
        "acked {acked}, refused {refused}"
    );
    let bytes = fs::read(dir.join("box.jsonl")).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'), "no half line");
    let st = urne::ballot_box::scan(&dir.join("box.jsonl")).unwrap();
    assert_eq!(
        st.ballots, acked,
        "every acknowledged ballot and nothing else"
    );
}

/// Per ballot: the (seq, tracker) of every acknowledgement it got.
type Acks = BTreeMap<usize, Vec<(u64, String)>>;

#[test]
fn kill_9_under_load_loses_no_acknowledged_ballot() {
    let ev = event(150);
    let dir = ev.path();
    let k = key();
    let mut work: VecDeque<(usize, String)> = VecDeque::new();
    for referendum in ["sogne", "songdalen"] {
        for voter in voters(dir, referendum) {
            let i = work.len();
            work.push_back((i, request(&k, &voter, referendum, i % 3, None)));
        }
    }
    let total = work.len();
    let work = Arc::new(Mutex::new(work));
    // Per ballot: the (seq, tracker) of every acknowledgement it got.
    let acks: Arc<Mutex<Acks>> = Arc::default();
    let mut rng = rand::thread_rng();
    let mut kills = 0;
    for round in 0..5 {
        let svc = start(dir, None);
        let addr = svc.addr;
        let clients: Vec<_> = (0..6)
            .map(|_| {
                let (work, acks) = (work.clone(), acks.clone());
                std::thread::spawn(move || loop {
                    let Some((i, body)) = work.lock().unwrap().pop_front() else {
                        return;
                    };
                    match http(addr, "POST", "/ballots", Some(TOKEN), body.as_bytes()) {
                        Ok(r) if r.status == 200 => {
                            let seq = r.body["seq"].as_u64().unwrap();
                            let t = r.body["tracker"].as_str().unwrap().to_string();
                            acks.lock().unwrap().entry(i).or_default().push((seq, t));
                        }
                        Ok(r) if r.status == 503 => work.lock().unwrap().push_back((i, body)),
                        Ok(r) => panic!("ballot {i}: {} {:?}", r.status, r.body),
                        // The service died under it: the answer is lost; the
                        // voting system sends the ballot again later.
                        Err(_) => {
                            work.lock().unwrap().push_back((i, body));
                            return;
                        }
                    }
                })
            })
            .collect();
        let mut svc = svc;
        if round < 4 {
            std::thread::sleep(Duration::from_millis(rng.gen_range(20..400)));
            svc.child.kill().unwrap();
            svc.child.wait().unwrap();
            kills += 1;
            for c in clients {
                c.join().unwrap();
            }
        } else {
            for c in clients {
                c.join().unwrap();
            }
            assert!(work.lock().unwrap().is_empty());
            assert_ok(&stop(svc));
        }
    }
    assert_eq!(kills, 4);
    let st = urne::ballot_box::scan(&dir.join("box.jsonl")).unwrap();
    let lines = box_lines(dir);
    let trackers: Vec<String> = lines[1..]
        .iter()
        .map(|l| urne::ballot_box::tracker::code(&urne::ballot_box::line_hash(l.as_bytes())))
        .collect();
    let acks = acks.lock().unwrap();
    assert_eq!(
        acks.len(),
        total,
        "every ballot was acknowledged in the end"
    );
    assert_eq!(
        usize::try_from(st.ballots).unwrap(),
        total,
        "acknowledgements = lines"
    );
    let mut seqs: Vec<u64> = Vec::new();
    for (i, got) in acks.iter() {
        let (seq, t) = &got[0];
        assert!(
            got.iter().all(|g| g == &got[0]),
            "ballot {i}: every answer names the same line"
        );
        assert_eq!(
            &trackers[usize::try_from(*seq).unwrap() - 1],
            t,
            "ballot {i}"
        );
        seqs.push(*seq);
    }
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), total, "no two ballots share a line");
}
