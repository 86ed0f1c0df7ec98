//! The ballot tracker on the published results (issue 16, item 3): `urne
//! publish` writes a tracker index (docs/SPEC.md, "Tracker index") and a
//! static tracker page; the index says of every ballot what `urne track`
//! says (counted, superseded by which later ballot, rejected and why); `urne
//! verify` derives the index again and catches an edited entry; and the page,
//! served by `urne serve` and run by headless Chromium, finds a tracker and
//! says the verdict in the event's language.
//!
//! Needs `chromium` (scripts/test installs it); without it the browser test
//! fails rather than skipping.

mod common;

use common::cli::{root, show, unlock_simulated, urne, BIN};
use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use urne::ballot_box::tracker::index::{lookup, shard_for, IndexHeader, INDEX_FILE};
use urne::tally::Status;

/// A counted, published event: `ev/` (the event directory, with `tracker/`)
/// and `pub/` (the publication), re-voting allowed so that ballots are
/// superseded, with bad ballots so that some are rejected.
fn event() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = common::shared_dir("event");
        let d = tmp.as_path();
        let ev = d.join("ev");
        // The example event (in Norwegian), with re-voting allowed.
        let m = fs::read_to_string(root().join("examples/event/manifest.toml"))
            .unwrap()
            .replacen(
                "evote_policy = \"single\"",
                "evote_policy = \"last_counts\"",
                1,
            );
        assert!(m.contains("evote_policy = \"last_counts\""));
        fs::write(d.join("m.toml"), m).unwrap();
        fs::write(d.join("p1"), "first keyholder's passphrase\n").unwrap();
        fs::write(d.join("p2"), "second keyholder's passphrase\n").unwrap();
        fs::write(d.join("pp"), "the publisher's passphrase\n").unwrap();
        let p = |n: &str| d.join(n).to_str().unwrap().to_string();
        let o = urne(
            &ev,
            &[
                "simulate",
                "--manifest",
                &p("m.toml"),
                "--voters",
                "40",
                "--turnout",
                "0.7",
                "--revote",
                "0.3",
                "--bad",
                "2",
                "--insecure-fast-kdf",
                "--passphrase-file",
                &p("p1"),
                "--passphrase-file",
                &p("p2"),
            ],
        );
        assert!(o.status.success(), "{}", show(&o));
        let o = unlock_simulated(&ev, &d.join("p1"), &d.join("p2"), &[]);
        assert!(o.status.success(), "{}", show(&o));
        let o = urne(
            &ev,
            &[
                "publish",
                "--out",
                &p("pub"),
                "--new-publisher-key",
                "--insecure-fast-kdf",
                "--passphrase-file",
                &p("pp"),
            ],
        );
        assert!(o.status.success(), "{}", show(&o));
        tmp
    })
    .as_path()
}

fn ev() -> PathBuf {
    event().join("ev")
}

/// The trackers of the box's ballots, in box order.
fn trackers(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("box.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("{\"record\":\"ballot\""))
        .map(|l| urne::ballot_box::tracker::code(&urne::ballot_box::line_hash(l.as_bytes())))
        .collect()
}

fn header(dir: &Path) -> IndexHeader {
    serde_json::from_str(&fs::read_to_string(dir.join("tracker").join(INDEX_FILE)).unwrap())
        .unwrap()
}

/// What the index says of a tracker.
fn indexed(dir: &Path, code: &str) -> Option<urne::ballot_box::tracker::index::IndexLine> {
    let h = header(dir);
    let shard = shard_for(code, h.prefix_chars).unwrap();
    lookup(
        &fs::read_to_string(dir.join("tracker").join(shard)).unwrap(),
        code,
    )
}

/// A file of the current publication, by name.
fn published(name: &str) -> Option<Vec<u8>> {
    let p = event().join("pub");
    let head = fs::read_to_string(p.join("HEAD")).unwrap();
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(p.join("objects").join(head.trim())).unwrap()).unwrap();
    let f = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)?;
    Some(fs::read(p.join("objects").join(f["sha256"].as_str().unwrap())).unwrap())
}

fn verify_json(dir: &Path) -> (i32, serde_json::Value) {
    let o = urne(dir, &["verify", "--json"]);
    let r = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", show(&o)));
    (o.status.code().unwrap(), r)
}

fn check<'a>(r: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {r:#}"))
}

#[test]
fn the_index_says_of_every_ballot_what_urne_track_says() {
    let dir = ev();
    let h = header(&dir);
    assert_eq!(h.format, "urne-tracker-index/1");
    assert_eq!(h.prefix_chars, 1, "a small box: 32 shards");
    assert_eq!(h.shards.len(), 32);
    let codes = trackers(&dir);
    assert_eq!(h.box_ballots, codes.len() as u64);
    assert_eq!(
        h.shards.iter().map(|s| s.ballots).sum::<u64>(),
        codes.len() as u64
    );
    let voters: Vec<String> = fs::read_to_string(dir.join("roll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, code) in codes.iter().enumerate() {
        let seq = i as u64 + 1;
        let o = urne(&dir, &["track", code, dir.to_str().unwrap()]);
        assert!(o.status.success(), "ballot {seq}: {}", show(&o));
        let said = String::from_utf8_lossy(&o.stdout).to_string();
        let status = said
            .lines()
            .find_map(|l| l.trim().strip_prefix("status: "))
            .unwrap_or_else(|| panic!("no status: {said}"));
        let line = indexed(&dir, code).unwrap_or_else(|| panic!("{code} is not in the index"));
        assert_eq!(line.code, code.replace('-', ""));
        assert_eq!(line.seq, seq);
        assert!(
            said.contains(&format!(
                "referendum {}, cast {}",
                line.referendum, line.cast_at
            )),
            "{said} / {line:?}"
        );
        match line.status {
            Status::Counted => {
                assert_eq!(status, "counted", "ballot {seq}");
                *kinds.entry("counted").or_default() += 1;
            }
            Status::Superseded => {
                let later = line.superseded_by.unwrap();
                assert!(
                    status.starts_with(&format!("superseded by the voter's later ballot {later} ")),
                    "ballot {seq}: track says {status:?}, the index {line:?}"
                );
                *kinds.entry("superseded").or_default() += 1;
            }
            Status::Rejected(why) => {
                assert!(
                    status.starts_with(&format!("rejected, {} ({}", why.as_str(), why.code())),
                    "ballot {seq}: track says {status:?}, the index {line:?}"
                );
                *kinds.entry("rejected").or_default() += 1;
            }
        }
        // The line names no voter (pseudonymous ids included).
        let shard = shard_for(code, h.prefix_chars).unwrap();
        let text = fs::read_to_string(dir.join("tracker").join(&shard)).unwrap();
        for v in &voters {
            assert!(!text.contains(v.as_str()), "{shard} names voter {v}");
        }
    }
    for k in ["counted", "superseded", "rejected"] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 0,
            "no {k} ballot: {kinds:?}"
        );
    }
    // A tracker no ballot has is in no shard.
    assert_eq!(indexed(&dir, "0000-0000-0000-0000"), None);

    // The publication carries the same files, the page, and the results page links it.
    for (name, bytes) in std::iter::once(INDEX_FILE.to_string())
        .chain(h.shards.iter().map(|s| s.name.clone()))
        .map(|n| {
            let b = fs::read(dir.join("tracker").join(&n)).unwrap();
            (n, b)
        })
    {
        assert_eq!(
            published(&name).as_deref(),
            Some(bytes.as_slice()),
            "{name}"
        );
    }
    let page = String::from_utf8(published("tracker.html").unwrap()).unwrap();
    assert!(page.contains("<html lang=\"nb\">"), "the event's language");
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    let results = String::from_utf8(published("index.html").unwrap()).unwrap();
    assert!(
        results.contains("href=\"tracker.html\""),
        "linked from the results page"
    );

    // verify derives the index again and finds it the same (no protocol is
    // made here: the verdict is incomplete, not contradicted).
    let (code, r) = verify_json(&dir);
    assert_ne!(code, 1, "{r:#}");
    let c = check(&r, "V-TRACKER-INDEX");
    assert_eq!(c["outcome"], "held", "{c:#}");
    assert_eq!(c["items"], h.box_ballots);
}

/// A copy of the counted event directory, to tamper with.
fn copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", ev().display()))
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    tmp
}

fn failed_at(dir: &Path) -> String {
    let (code, r) = verify_json(dir);
    assert_eq!(code, 1, "{r:#}");
    let c = check(&r, "V-TRACKER-INDEX");
    assert_eq!(c["outcome"], "failed", "{c:#}");
    c["item"].as_str().unwrap().to_string()
}

#[test]
fn verify_catches_an_edited_missing_or_extra_index_entry() {
    let codes = trackers(&ev());
    // A rejected ballot made to look counted.
    let (code, line) = codes
        .iter()
        .find_map(|c| {
            let l = indexed(&ev(), c)?;
            matches!(l.status, Status::Rejected(_)).then(|| (c.clone(), l))
        })
        .expect("a rejected ballot");
    let t = copy();
    let h = header(t.path());
    let shard = t
        .path()
        .join("tracker")
        .join(shard_for(&code, h.prefix_chars).unwrap());
    let text = fs::read_to_string(&shard).unwrap();
    let at = text
        .lines()
        .position(|l| l.starts_with(&line.code))
        .unwrap();
    let edited: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == at {
                let keep: Vec<&str> = l.split(' ').take(4).collect();
                format!("{} counted", keep.join(" "))
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&shard, edited.join("\n") + "\n").unwrap();
    let item = failed_at(t.path());
    assert_eq!(
        item,
        format!(
            "tracker/{}:{}",
            shard.file_name().unwrap().to_string_lossy(),
            at + 1
        )
    );

    // The line taken out.
    let without: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, l)| l)
        .collect();
    fs::write(&shard, without.join("\n") + "\n").unwrap();
    assert!(failed_at(t.path()).starts_with("tracker/tracker-"));

    // The shard restored, a file the index does not have put beside it.
    fs::write(&shard, &text).unwrap();
    let (_, r) = verify_json(t.path());
    assert_eq!(check(&r, "V-TRACKER-INDEX")["outcome"], "held", "restored");
    fs::write(t.path().join("tracker/tracker-extra.txt"), "x\n").unwrap();
    assert_eq!(failed_at(t.path()), "tracker/tracker-extra.txt");
    fs::remove_file(t.path().join("tracker/tracker-extra.txt")).unwrap();

    // A shard deleted.
    fs::remove_file(&shard).unwrap();
    assert!(failed_at(t.path()).ends_with(&*shard.file_name().unwrap().to_string_lossy()));
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `urne serve` of the publication on a free port.
fn serve() -> (Server, SocketAddr) {
    let p = event().join("pub");
    let head = fs::read_to_string(p.join("HEAD")).unwrap();
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(p.join("objects").join(head.trim())).unwrap()).unwrap();
    let key = m["publisher_key"].as_str().unwrap().to_string();
    let cfg = event().join("serve.toml");
    fs::write(&cfg, "[public]\nrequests_per_minute = 6000\n").unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&cfg)
        .args(["--publisher-key", &key])
        .arg(&p)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    (Server(child), addr)
}

/// The `#verdict` element of the tracker page after looking `code` up, as
/// headless Chromium leaves the DOM: (data-status, text).
fn verdict(addr: SocketAddr, code: &str) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://{addr}/tracker.html#{code}"))
        .output()
        .unwrap_or_else(|e| panic!("chromium could not be run ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let at = dom
        .find("id=\"verdict\"")
        .unwrap_or_else(|| panic!("no #verdict in {dom:.400}"));
    let start = dom[..at].rfind('<').unwrap();
    let open_end = start + dom[start..].find('>').unwrap();
    let tag = &dom[start..open_end];
    let status = tag
        .split("data-status=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string();
    let close = open_end + dom[open_end..].find("</p>").unwrap();
    let text = dom[open_end + 1..close].to_string();
    (status, text)
}

#[test]
fn the_tracker_page_in_a_browser_finds_a_ballot_and_says_its_fate() {
    let dir = ev();
    let codes = trackers(&dir);
    let mut pick: BTreeMap<&str, (String, urne::ballot_box::tracker::index::IndexLine)> =
        BTreeMap::new();
    for c in &codes {
        let l = indexed(&dir, c).unwrap();
        let k = match l.status {
            Status::Counted => "counted",
            Status::Superseded => "superseded",
            Status::Rejected(_) => "rejected",
        };
        pick.entry(k).or_insert((c.clone(), l));
    }
    let (_server, addr) = serve();
    for (kind, (code, line)) in &pick {
        // As a voter may type it: lower case, spaces for dashes.
        let typed = code.to_lowercase().replace('-', "%20");
        let (status, text) = verdict(addr, &typed);
        assert_eq!(&status, kind, "{code}: {text}");
        assert!(text.contains(code.as_str()), "{text}");
        assert!(
            text.contains(&format!("nr. {}", line.seq)),
            "the ballot's number: {text}"
        );
        match line.status {
            Status::Counted => assert!(text.contains("Den ble talt."), "{text}"),
            Status::Superseded => assert!(
                text.contains(&format!("nr. {})", line.superseded_by.unwrap())),
                "{text}"
            ),
            Status::Rejected(why) => {
                let words = urne::i18n::t(
                    urne::i18n::Lang::parse("nb").unwrap(),
                    &format!("reason-{}", why.as_str()),
                    &[],
                );
                assert!(text.contains(&words), "the reason in words: {text}");
            }
        }
    }
    assert_eq!(pick.len(), 3, "{pick:?}");
    let (status, text) = verdict(addr, "0000-0000-0000-0000");
    assert_eq!(status, "not-found", "{text}");
    let (status, _) = verdict(addr, "not-a-code");
    assert_eq!(status, "bad-code");
}
