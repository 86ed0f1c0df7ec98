//! `urne ceremony …` end to end through the binary: a 2-of-3 ceremony on
//! three "machines" (a medium each) whose key unlocks a simulated box with
//! keyholders 1 and 3, every bad input the issue lists refused with a one-line
//! error naming the file, a round run twice, and the single-machine keygen
//! asking one medium and one distinct passphrase per keyholder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .expect("the urne binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "expected success, got {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn assert_refused(o: &Output, code: &str, names: &str) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "stderr: {err}\nstdout: {}",
        stdout(o)
    );
    let line = err
        .lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line in: {err}"));
    assert!(
        line.starts_with(&format!("urne: error[{code}]")),
        "expected {code}, got: {line}"
    );
    assert!(line.contains(names), "{line:?} should name {names:?}");
    assert!(!err.contains("panicked"), "a panic reached the user: {err}");
}

/// An event directory with the example manifest changed to `t` of the
/// `names`, passphrase files and an empty medium per keyholder.
struct Ev {
    tmp: tempfile::TempDir,
    n: usize,
}

impl Ev {
    fn new(t: u32, names: &[&str]) -> Ev {
        let tmp = tempfile::tempdir().unwrap();
        let text = fs::read_to_string(root().join("examples/event/manifest.toml")).unwrap();
        let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        let text = text
            .replace(
                "keyholders = [\"Kari Nordmann\", \"Ola Hansen\"]",
                &format!("keyholders = [{}]", quoted.join(", ")),
            )
            .replace("threshold = 2", &format!("threshold = {t}"));
        fs::write(tmp.path().join("manifest.toml"), text).unwrap();
        for i in 1..=names.len() {
            fs::create_dir_all(tmp.path().join(format!("medium-{i}"))).unwrap();
            fs::write(
                tmp.path().join(format!("pass-{i}.txt")),
                format!("keyholder {i}'s own passphrase\n"),
            )
            .unwrap();
        }
        Ev {
            tmp,
            n: names.len(),
        }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn medium(&self, i: usize) -> PathBuf {
        self.dir().join(format!("medium-{i}"))
    }

    fn folder(&self) -> PathBuf {
        self.dir().join("ceremony")
    }

    fn round(&self, round: &str, i: usize, extra: &[&str]) -> Output {
        self.round_with(round, i, &self.dir().join(format!("pass-{i}.txt")), extra)
    }

    fn round_with(&self, round: &str, i: usize, pass: &Path, extra: &[&str]) -> Output {
        let k = i.to_string();
        let medium = self.medium(i);
        let mut args = vec![
            "ceremony",
            round,
            "--keyholder",
            &k,
            "--medium",
            medium.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
            "--insecure-fast-kdf",
        ];
        args.extend_from_slice(extra);
        urne(self.dir(), &args)
    }

    fn all(&self, round: &str) {
        for i in 1..=self.n {
            assert_ok(&self.round(round, i, &[]));
        }
    }

    fn assemble(&self) -> Output {
        urne(self.dir(), &["ceremony", "assemble"])
    }

    fn file(&self, name: &str) -> PathBuf {
        self.folder().join(name)
    }

    fn edit(&self, name: &str, f: impl FnOnce(&mut Value)) {
        let p = self.file(name);
        let mut v: Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    }
}

fn fingerprint_line(o: &Output, label: &str) -> String {
    stdout(o)
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in {}", stdout(o)))
        .to_string()
}

#[test]
fn a_two_of_three_ceremony_makes_a_key_that_unlocks_with_keyholders_one_and_three() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen", "Aisha Khan"]);
    ev.all("certificate");
    ev.all("deal");
    let mut election_fp = Vec::new();
    for i in 1..=3 {
        let o = ev.round("confirm", i, &[]);
        assert_ok(&o);
        election_fp.push(fingerprint_line(&o, "Valgnøkkelens fingeravtrykk:"));
        assert!(ev.medium(i).join(format!("keyholder-{i}.share")).exists());
    }
    assert!(
        election_fp.windows(2).all(|w| w[0] == w[1]),
        "{election_fp:?}"
    );
    let o = ev.assemble();
    assert_ok(&o);
    assert_eq!(
        fingerprint_line(&o, "Valgnøkkelens fingeravtrykk:"),
        election_fp[0]
    );
    let key: Value =
        serde_json::from_str(&fs::read_to_string(ev.dir().join("election-key.json")).unwrap())
            .unwrap();
    assert_eq!(key["format"], "urne-election-key/2");
    assert_eq!(key["ceremony"]["kind"], "dealerless");
    // No file in the public folder holds a secret.
    for e in fs::read_dir(ev.folder()).unwrap() {
        let text = fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(!text.contains("urne-sealed/1"));
    }
    // The key test, then a simulated box unlocked by keyholders 1 and 3.
    for i in [1, 3] {
        let share = ev.medium(i).join(format!("keyholder-{i}.share"));
        let pass = ev.dir().join(format!("pass-{i}.txt"));
        let o = urne(
            ev.dir(),
            &[
                "key",
                "test",
                "--share",
                share.to_str().unwrap(),
                "--passphrase-file",
                pass.to_str().unwrap(),
            ],
        );
        assert_ok(&o);
        assert!(stdout(&o).contains(&election_fp[0]), "{}", stdout(&o));
    }
    let boxdir = tempfile::tempdir().unwrap();
    let o = urne(
        boxdir.path(),
        &[
            "simulate",
            "--manifest",
            ev.dir().join("manifest.toml").to_str().unwrap(),
            "--key",
            ev.dir().join("election-key.json").to_str().unwrap(),
            "--voters",
            "20",
            "--bad",
            "0",
        ],
    );
    assert_ok(&o);
    let s1 = ev.medium(1).join("keyholder-1.share");
    let s3 = ev.medium(3).join("keyholder-3.share");
    let o = urne(
        boxdir.path(),
        &[
            "unlock",
            "--share",
            s1.to_str().unwrap(),
            "--share",
            s3.to_str().unwrap(),
            "--passphrase-file",
            ev.dir().join("pass-1.txt").to_str().unwrap(),
            "--passphrase-file",
            ev.dir().join("pass-3.txt").to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let tally: Value =
        serde_json::from_str(&fs::read_to_string(boxdir.path().join("tally.json")).unwrap())
            .unwrap();
    let truth: Value =
        serde_json::from_str(&fs::read_to_string(boxdir.path().join("simulation.json")).unwrap())
            .unwrap();
    for (r, t) in tally["referendums"]
        .as_array()
        .unwrap()
        .iter()
        .zip(truth["referendums"].as_array().unwrap())
    {
        let votes: Vec<u64> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["votes"].as_u64().unwrap())
            .collect();
        let want: Vec<u64> = t["votes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(votes, want);
    }
}

fn dealt() -> Ev {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    ev.all("certificate");
    ev.all("deal");
    ev
}

#[test]
fn a_round_run_twice_is_refused_and_with_force_makes_the_same_file() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    ev.all("certificate");
    let before = fs::read(ev.file("certificate-1.json")).unwrap();
    let o = ev.round("certificate", 1, &[]);
    assert_refused(&o, "E-FILE-EXISTS", "keyholder-1-attempt-1.seed");
    let o = ev.round("certificate", 1, &["--force"]);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("ingenting nytt trekkes"),
        "{}",
        stdout(&o)
    );
    assert_eq!(fs::read(ev.file("certificate-1.json")).unwrap(), before);
    ev.all("deal");
    let deal = fs::read(ev.file("deal-2.json")).unwrap();
    assert_refused(&ev.round("deal", 2, &[]), "E-FILE-EXISTS", "deal-2.json");
    assert_ok(&ev.round("deal", 2, &["--force"]));
    assert_eq!(fs::read(ev.file("deal-2.json")).unwrap(), deal);
}

#[test]
fn a_wrong_seed_passphrase_is_refused_naming_the_seed() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    ev.all("certificate");
    let o = ev.round_with("deal", 1, &ev.dir().join("pass-2.txt"), &[]);
    assert_refused(&o, "E-DKG-SEED-PASSPHRASE", "keyholder-1-attempt-1.seed");
    assert!(!ev.file("deal-1.json").exists(), "nothing half-written");
}

#[test]
fn a_missing_keyholder_and_a_duplicate_index_are_named() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    assert_ok(&ev.round("certificate", 1, &[]));
    assert_refused(
        &ev.round("deal", 1, &[]),
        "E-DKG-MISSING",
        "keyholder 2 (Ola Hansen)",
    );
    assert_ok(&ev.round("certificate", 2, &[]));
    fs::copy(ev.file("certificate-1.json"), ev.file("certificate-9.json")).unwrap();
    assert_refused(
        &ev.round("deal", 1, &[]),
        "E-DKG-DUPLICATE",
        "certificate-9.json",
    );
}

#[test]
fn a_certificate_of_another_event_or_attempt_is_refused() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    ev.all("certificate");
    // Keyholder 2 made theirs for attempt 2.
    fs::remove_file(ev.file("certificate-2.json")).unwrap();
    assert_ok(&ev.round("certificate", 2, &["--attempt", "2"]));
    assert_refused(
        &ev.round("deal", 1, &[]),
        "E-DKG-OTHER-SETUP",
        "certificate-2.json",
    );
    // Another event: the same files against another manifest.
    let other = Ev::new(2, &["Kari Nordmann", "Per Olsen"]);
    assert_ok(&other.round("certificate", 1, &[]));
    fs::remove_file(ev.file("certificate-2.json")).unwrap();
    fs::copy(
        other.file("certificate-1.json"),
        ev.file("certificate-2.json"),
    )
    .unwrap();
    assert_refused(
        &ev.round("deal", 1, &[]),
        "E-DKG-OTHER-SETUP",
        "certificate-2.json",
    );
}

#[test]
fn a_file_of_another_round_is_named() {
    let ev = dealt();
    fs::copy(ev.file("deal-1.json"), ev.file("certificate-3.json")).unwrap();
    assert_refused(
        &ev.round("confirm", 1, &[]),
        "E-DKG-MALFORMED",
        "certificate-3.json",
    );
}

#[test]
fn a_bad_proof_of_knowledge_is_refused_naming_the_keyholder() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    ev.all("certificate");
    ev.edit("certificate-2.json", |c| {
        let other = c["transport_proof"]["a"].clone();
        c["transport_proof"]["s"] =
            serde_json::json!("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        c["transport_proof"]["a"] = other;
    });
    let o = ev.round("deal", 1, &[]);
    assert_refused(&o, "E-DKG-PROOF", "certificate-2.json");
    assert!(stderr(&o).contains("keyholder 2"), "{}", stderr(&o));
}

#[test]
fn commitments_that_do_not_match_the_certificate_are_refused() {
    let ev = dealt();
    ev.edit("deal-2.json", |d| {
        let c = d["commitments"][0].clone();
        d["commitments"][1] = c;
    });
    assert_refused(
        &ev.round("confirm", 1, &[]),
        "E-DKG-COMMITMENT-HASH",
        "deal-2.json",
    );
}

#[test]
fn a_share_that_does_not_decrypt_is_complained_about_and_the_dealer_named_at_assembly() {
    let ev = dealt();
    ev.edit("deal-1.json", |d| {
        let ct = d["shares"][0]["ciphertext"].as_str().unwrap().to_string();
        let flipped = if ct.starts_with('A') { "B" } else { "A" };
        d["shares"][0]["ciphertext"] = Value::String(format!("{flipped}{}", &ct[1..]));
    });
    // Keyholder 1's deal changed, so everyone sees these deals: keyholder 1
    // confirms, keyholder 2 complains.
    assert_ok(&ev.round("confirm", 1, &[]));
    let o = ev.round("confirm", 2, &[]);
    assert_refused(&o, "E-DKG-COMPLAINT", "complaint-2.json");
    assert!(ev.file("complaint-2.json").exists());
    assert!(
        !ev.medium(2).join("keyholder-2.share").exists(),
        "no share sealed"
    );
    let o = ev.assemble();
    assert_refused(&o, "E-DKG-COMPLAINT", "keyholder 1 (Kari Nordmann)");
    assert!(!ev.dir().join("election-key.json").exists());
}

#[test]
fn a_false_complaint_is_refused_at_assembly() {
    let ev = dealt();
    ev.all("confirm");
    // Keyholder 2 publishes a complaint anyway, made of keyholder 1's deal
    // and a secret they cannot prove.
    let complaint = serde_json::json!({
        "format": "urne-dkg-complaint/1",
        "deals": serde_json::from_str::<Value>(&fs::read_to_string(ev.file("confirmation-2.json")).unwrap()).unwrap()["deals"],
        "index": 2,
        "against": [{
            "dealer": 1,
            "shared_secret": "4uIX+hsxp1GNaR8ELK1Kw9tDMkJ3ZC5gcM+VSQh1fEo=",
            "proof": {
                "a": "4uIX+hsxp1GNaR8ELK1Kw9tDMkJ3ZC5gcM+VSQh1fEo=",
                "b": "4uIX+hsxp1GNaR8ELK1Kw9tDMkJ3ZC5gcM+VSQh1fEo=",
                "s": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            }
        }]
    });
    fs::write(ev.file("complaint-2.json"), complaint.to_string()).unwrap();
    fs::remove_file(ev.file("confirmation-2.json")).unwrap();
    assert_refused(&ev.assemble(), "E-DKG-FALSE-COMPLAINT", "keyholder 2");
}

#[test]
fn verify_reports_which_ceremony_made_the_key_and_catches_a_tampered_transcript() {
    let ev = dealt();
    ev.all("confirm");
    assert_ok(&ev.assemble());
    let run = |dir: &Path| -> Value {
        let o = Command::new(BIN)
            .args(["verify", "--json"])
            .arg(dir)
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let check = |r: &Value| -> Value {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "V-KEY-CEREMONY")
            .unwrap()
            .clone()
    };
    let c = check(&run(ev.dir()));
    assert_eq!(c["outcome"], "held", "{c:#}");
    assert!(
        c["what"].as_str().unwrap().contains("without a dealer"),
        "{c:#}"
    );
    // Each part of the transcript, tampered, fails the check.
    let key_path = ev.dir().join("election-key.json");
    let honest = fs::read_to_string(&key_path).unwrap();
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 4] = [
        ("certificate", |k| {
            k["ceremony"]["transcript"]["certificates"][1]["commitments_sha256"] =
                Value::String("00".repeat(32))
        }),
        ("deal proof", |k| {
            let s = k["ceremony"]["transcript"]["deals"][0]["proofs"][1]["s"].clone();
            k["ceremony"]["transcript"]["deals"][0]["proofs"][0]["s"] = s;
        }),
        ("confirmation", |k| {
            let p = k["ceremony"]["transcript"]["confirmations"][0]["proof"].clone();
            k["ceremony"]["transcript"]["confirmations"][1]["proof"] = p;
        }),
        ("missing confirmation", |k| {
            k["ceremony"]["transcript"]["confirmations"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
    ];
    for (what, edit) in edits {
        let mut k: Value = serde_json::from_str(&honest).unwrap();
        edit(&mut k);
        fs::write(&key_path, serde_json::to_string_pretty(&k).unwrap()).unwrap();
        let r = run(ev.dir());
        assert_eq!(check(&r)["outcome"], "failed", "{what}: {r:#}");
        assert_eq!(r["verdict"], "contradicted", "{what}");
    }
    // A dealer key says one machine held it.
    let dealer = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    let o = urne(
        dealer.dir(),
        &[
            "keygen",
            "--insecure-fast-kdf",
            "--passphrase-file",
            dealer.dir().join("pass-1.txt").to_str().unwrap(),
            "--passphrase-file",
            dealer.dir().join("pass-2.txt").to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    assert!(stdout(&o).contains("én maskin"), "{}", stdout(&o));
    let c = check(&run(dealer.dir()));
    assert_eq!(c["outcome"], "held", "{c:#}");
    assert!(c["what"].as_str().unwrap().contains("one machine"), "{c:#}");
}

#[test]
fn keygen_refuses_one_passphrase_for_two_keyholders_and_writes_each_medium() {
    let ev = Ev::new(2, &["Kari Nordmann", "Ola Hansen"]);
    let p1 = ev.dir().join("pass-1.txt");
    let o = urne(
        ev.dir(),
        &[
            "keygen",
            "--insecure-fast-kdf",
            "--passphrase-file",
            p1.to_str().unwrap(),
            "--passphrase-file",
            p1.to_str().unwrap(),
        ],
    );
    assert_refused(&o, "E-PASSPHRASE-REUSED", "keyholder 2");
    assert!(!ev.dir().join("election-key.json").exists());
    let o = urne(
        ev.dir(),
        &[
            "keygen",
            "--insecure-fast-kdf",
            "--medium",
            ev.medium(1).to_str().unwrap(),
            "--medium",
            ev.medium(2).to_str().unwrap(),
            "--passphrase-file",
            p1.to_str().unwrap(),
            "--passphrase-file",
            ev.dir().join("pass-2.txt").to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    assert!(ev.medium(1).join("keyholder-1.share").exists());
    assert!(ev.medium(2).join("keyholder-2.share").exists());
    assert!(!ev.medium(1).join("keyholder-2.share").exists());
    assert!(stdout(&o).contains("Valgnøkkelens fingeravtrykk:"));
}
