//! `urne box serve`, the receiving service, over real HTTP on 127.0.0.1: bad
//! requests and every counting rule refused with their codes and nothing
//! appended; one writer per box; a closed box answers 409; a full disk
//! refuses and leaves no half line; and `kill -9` at random moments under load
//! loses no acknowledged ballot.

mod common;

use common::box_serve::{
    self, ballot_json, key, request, request_with, start, start_with, stop, try_http, voters, Resp,
    TOKEN,
};
use common::cli::{assert_ok, urne};
use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use curve25519_dalek::scalar::Scalar;
use rand::Rng;
use zeroize::Zeroizing;

/// The service's configuration in these tests.
const CONFIG: &str = "max_body_bytes = 8192\nqueue = 256\nbatch = 64";

fn event(voters: u64) -> tempfile::TempDir {
    box_serve::event(voters, CONFIG)
}

fn post(addr: SocketAddr, body: &str) -> Resp {
    try_http(addr, "POST", "/ballots", Some(TOKEN), body.as_bytes()).unwrap()
}

fn code(r: &Resp) -> &str {
    r.code()
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
    let svc = start(dir);
    let a = svc.addr;

    let st = try_http(a, "GET", "/status", None, b"").unwrap();
    assert_eq!(st.status, 200);
    assert_eq!(st.body["ballots"], 0);
    let header_hash = urne::ballot_box::line_hash(box_lines(dir)[0].as_bytes());
    assert_eq!(st.body["head"], header_hash.hex());

    let good = request_with(&k, &v[0], "sogne", 0, None);
    // No token, a wrong token: 401, before the body is looked at.
    let r = try_http(a, "POST", "/ballots", None, good.as_bytes()).unwrap();
    assert_eq!((r.status, code(&r)), (401, "E-BOX-AUTH"));
    assert!(r
        .headers
        .to_lowercase()
        .contains("www-authenticate: bearer"));
    let wrong = format!("{}x", &TOKEN[..TOKEN.len() - 1]);
    let r = try_http(a, "POST", "/ballots", Some(&wrong), good.as_bytes()).unwrap();
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
    let first = request_with(&k, &v[0], "sogne", 0, Some(&r0));
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
            request_with(&k, &v[1], "sogne", 0, Some(&r0)),
            "EV-COPIED-BALLOT",
        ),
        (
            request_with(&k, &v[0], "sogne", 1, None),
            "EV-ALREADY-VOTED",
        ),
        (
            request_with(&k, "nobody", "sogne", 1, None),
            "EV-NOT-IN-ROLL",
        ),
        (
            request_with(&k, &v[2], "songdalen", 1, None),
            "EV-NOT-IN-ROLL",
        ),
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
    let st = try_http(a, "GET", "/status", None, b"").unwrap();
    assert_eq!(
        (st.body["ballots"].as_u64(), st.body["head"].as_str()),
        (Some(1), Some(h.hex().as_str()))
    );

    // Wrong methods and paths.
    assert_eq!(
        try_http(a, "GET", "/ballots", Some(TOKEN), b"")
            .unwrap()
            .status,
        405
    );
    assert_eq!(
        try_http(a, "GET", "/nothing", None, b"").unwrap().status,
        404
    );

    // One writer per box: neither a second service nor a cast while it runs.
    let p = dir.join("b.json");
    let b5: serde_json::Value =
        serde_json::from_str(&request_with(&k, &v[5], "sogne", 0, None)).unwrap();
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
    let svc = start(dir);
    let r = post(svc.addr, &request(&k, &v[6], "sogne", 0));
    assert_eq!((r.status, code(&r)), (409, "E-BOX-SEALED"));
    let st = try_http(svc.addr, "GET", "/status", None, b"").unwrap();
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
    let svc = start_with(dir, Some(&format!("ulimit -f {blocks}; trap '' XFSZ")));
    let mut acked = 0;
    let mut refused = 0;
    for voter in &v[..12] {
        let r = post(svc.addr, &request(&k, voter, "sogne", 0));
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
            work.push_back((i, request_with(&k, &voter, referendum, i % 3, None)));
        }
    }
    let total = work.len();
    let work = Arc::new(Mutex::new(work));
    // Per ballot: the (seq, tracker) of every acknowledgement it got.
    let acks: Arc<Mutex<Acks>> = Arc::default();
    let mut rng = rand::thread_rng();
    let mut kills = 0;
    for round in 0..5 {
        let svc = start(dir);
        let addr = svc.addr;
        let clients: Vec<_> = (0..6)
            .map(|_| {
                let (work, acks) = (work.clone(), acks.clone());
                std::thread::spawn(move || loop {
                    let Some((i, body)) = work.lock().unwrap().pop_front() else {
                        return;
                    };
                    match try_http(addr, "POST", "/ballots", Some(TOKEN), body.as_bytes()) {
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
