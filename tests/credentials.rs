//! Voter credentials (issue 21, docs/SPEC.md "Voter credentials"): the
//! credential authority's step, signed ballots, the box refusing what is not
//! signed with the voter's credential, the count's `bad_credential` figure and
//! `urne verify`'s V-CREDENTIALS; every bad input a one-line error or a
//! rejection with its code.

mod common;

use common::cli::{assert_ok, root, show, unlock_simulated, urne, BIN};
use common::credentials::manifest_with_credentials;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AT: &str = "2027-01-25T10:00:00+01:00";

/// Refused with `code`, as one line (and its hint), no panic.
fn assert_refused(o: &Output, code: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{}", show(o));
    let first = err
        .lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line: {}", show(o)));
    assert!(
        first.starts_with(&format!("urne: error[{code}]")),
        "expected {code}: {}",
        show(o)
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

struct Event {
    tmp: tempfile::TempDir,
}

impl Event {
    fn dir(&self) -> PathBuf {
        self.tmp.path().join("event")
    }
    fn outside(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

/// An event with credentials: simulated (roll, key, a closed box), then the
/// credential authority's step, then a new, open, empty box.
fn event_with_codes() -> (Event, Vec<(String, String)>) {
    let ev = Event {
        tmp: tempfile::tempdir().unwrap(),
    };
    let dir = ev.dir();
    fs::create_dir_all(&dir).unwrap();
    let m = ev.outside("manifest.toml");
    fs::write(&m, manifest_with_credentials()).unwrap();
    let p1 = ev.outside("p1.txt");
    let p2 = ev.outside("p2.txt");
    fs::write(&p1, "first keyholder's passphrase\n").unwrap();
    fs::write(&p2, "second keyholder's passphrase\n").unwrap();
    fs::write(ev.outside("box.txt"), "box operator passphrase\n").unwrap();
    assert_ok(&urne(
        &dir,
        &[
            "simulate",
            "--manifest",
            m.to_str().unwrap(),
            "--passphrase-file",
            p1.to_str().unwrap(),
            "--passphrase-file",
            p2.to_str().unwrap(),
            "--insecure-fast-kdf",
            "--voters",
            "20",
            "--bad",
            "1",
        ],
    ));
    let codes = ev.outside("codes.csv");
    assert_ok(&urne(
        &dir,
        &[
            "credentials",
            "issue",
            "--codes",
            codes.to_str().unwrap(),
            "--force",
        ],
    ));
    open_box(&ev);
    let text = fs::read_to_string(&codes).unwrap();
    let pairs = text
        .lines()
        .skip(2)
        .map(|l| {
            let (v, c) = l.split_once(',').unwrap();
            (v.to_string(), c.to_string())
        })
        .collect();
    (ev, pairs)
}

fn open_box(ev: &Event) {
    assert_ok(&urne(
        &ev.dir(),
        &[
            "box",
            "init",
            "--force",
            "--insecure-fast-kdf",
            "--passphrase-file",
            ev.outside("box.txt").to_str().unwrap(),
        ],
    ));
}

fn code_of<'a>(codes: &'a [(String, String)], voter: &str) -> &'a str {
    &codes.iter().find(|(v, _)| v == voter).unwrap().1
}

fn encrypt(dir: &Path, voter: &str, referendum: &str, code: Option<&str>, out: &Path) -> Output {
    let mut args = vec![
        "encrypt",
        "--referendum",
        referendum,
        "--voter",
        voter,
        "--choice",
        "Ja",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ];
    // The code from a file beside the output, as a voting client's test
    // would give it (never on the command line).
    let file = out.with_extension("code");
    let file_arg = file.to_str().unwrap().to_string();
    if let Some(c) = code {
        fs::write(&file, format!("{c}\n")).unwrap();
        args.push("--credential-file");
        args.push(&file_arg);
    }
    urne(dir, &args)
}

/// `urne encrypt` with the code on standard input (`--credential-file -`).
fn encrypt_stdin(dir: &Path, voter: &str, code: &[u8], out: &Path) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(["encrypt", "--referendum", "sogne", "--voter", voter])
        .args([
            "--choice",
            "Ja",
            "--force",
            "--credential-file",
            "-",
            "--out",
        ])
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the urne binary runs");
    // The child may refuse before reading all of it (a broken pipe).
    let _ = child.stdin.take().unwrap().write_all(code);
    child.wait_with_output().unwrap()
}

fn cast(dir: &Path, ballot: &Path, voter: &str, referendum: &str) -> Output {
    urne(
        dir,
        &[
            "box",
            "cast",
            "--ballot",
            ballot.to_str().unwrap(),
            "--voter",
            voter,
            "--referendum",
            referendum,
            "--at",
            AT,
        ],
    )
}

#[test]
fn the_authority_issues_codes_only_to_the_printers_file_and_logs_the_list() {
    let (ev, codes) = event_with_codes();
    let dir = ev.dir();
    // One code per voter on the roll, each 17 characters in groups.
    let roll = fs::read_to_string(dir.join("roll.csv")).unwrap();
    assert_eq!(codes.len(), roll.lines().count() - 1);
    for (_, c) in &codes {
        assert_eq!(c.replace('-', "").len(), 17, "{c}");
    }
    let text = fs::read_to_string(ev.outside("codes.csv")).unwrap();
    assert!(
        text.starts_with("# urne-credential-codes/1 SECRET"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(ev.outside("codes.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No code is in the event directory (or the log).
    for e in fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let bytes = fs::read(&p).unwrap();
            let s = String::from_utf8_lossy(&bytes);
            assert!(!s.contains(&codes[0].1), "{} holds a code", p.display());
        }
    }
    // The list's hash is in the ceremony log and in the box header.
    let list = fs::read(dir.join("credentials.jsonl")).unwrap();
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &list));
    let log = fs::read_to_string(dir.join("ceremony-log.jsonl")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"credentials-issue\"") && l.contains(&sha)),
        "{log}"
    );
    let header = fs::read_to_string(dir.join("box.jsonl")).unwrap();
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .contains(&format!("\"credentials_sha256\":\"{sha}\"")),
        "{header}"
    );
}

#[test]
fn the_codes_file_is_refused_inside_the_event_directory_and_without_credentials() {
    let (ev, _) = event_with_codes();
    let dir = ev.dir();
    let inside = dir.join("sub/codes.csv");
    let err = assert_refused(
        &urne(
            &dir,
            &[
                "credentials",
                "issue",
                "--codes",
                inside.to_str().unwrap(),
                "--force",
            ],
        ),
        "E-CREDENTIAL-CODES-PLACE",
    );
    assert!(!inside.exists() && !dir.join("sub").exists(), "{err}");
    // Once the box is open, issuing again is refused without --force.
    assert_refused(
        &urne(
            &dir,
            &[
                "credentials",
                "issue",
                "--codes",
                ev.outside("again.csv").to_str().unwrap(),
            ],
        ),
        "E-FILE-EXISTS",
    );
    fs::rename(ev.outside("codes.csv"), ev.outside("keep.csv")).unwrap();
    let list = dir.join("credentials.jsonl");
    fs::rename(&list, ev.outside("list.keep")).unwrap();
    assert_refused(
        &urne(
            &dir,
            &[
                "credentials",
                "issue",
                "--codes",
                ev.outside("again.csv").to_str().unwrap(),
            ],
        ),
        "E-CREDENTIAL-BOX-OPEN",
    );
    assert!(!ev.outside("again.csv").exists() && !list.exists());
    // An event without credentials has no credential step.
    let none = tempfile::tempdir().unwrap();
    fs::write(
        none.path().join("manifest.toml"),
        common::credentials::manifest_without_credentials(),
    )
    .unwrap();
    assert_refused(
        &urne(
            none.path(),
            &[
                "credentials",
                "issue",
                "--codes",
                ev.outside("x.csv").to_str().unwrap(),
            ],
        ),
        "E-CREDENTIAL-NOT-USED",
    );
    // Nor a code to sign with.
    fs::copy(
        root().join("keys-example/election-key.json"),
        none.path().join("election-key.json"),
    )
    .unwrap();
    let code = ev.outside("code.txt");
    fs::write(&code, "AAAA-AAAA-AAAA-AAAA-A\n").unwrap();
    assert_refused(
        &urne(
            none.path(),
            &[
                "encrypt",
                "--referendum",
                "sogne",
                "--voter",
                "sogne-000001",
                "--choice",
                "Ja",
                "--credential-file",
                code.to_str().unwrap(),
            ],
        ),
        "E-CREDENTIAL-NOT-USED",
    );
}

#[test]
fn a_signed_ballot_is_cast_and_every_bad_one_is_refused_with_its_code() {
    let (ev, codes) = event_with_codes();
    let dir = ev.dir();
    let b = ev.outside("b.json");
    let (v1, v2) = ("sogne-000001", "sogne-000002");
    // A mistyped code is caught before anything is signed; no code is quoted.
    let good = code_of(&codes, v1).to_string();
    let mut typo: Vec<char> = good.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let err = assert_refused(
        &encrypt(&dir, v1, "sogne", Some(&typo), &b),
        "E-CREDENTIAL-CODE",
    );
    assert!(!err.contains(&typo) && !err.contains(&good), "{err}");
    assert!(!b.exists());
    assert_refused(
        &encrypt(&dir, v1, "sogne", Some("ABCD-EFGH"), &b),
        "E-CREDENTIAL-CODE",
    );
    // Another voter's (well-formed) code.
    assert_refused(
        &encrypt(&dir, v1, "sogne", Some(code_of(&codes, v2)), &b),
        "E-CREDENTIAL-WRONG",
    );
    // No code in an event with credentials.
    assert_refused(
        &encrypt(&dir, v1, "sogne", None, &b),
        "E-CREDENTIAL-MISSING",
    );
    // The code is never a command-line argument: the old flag is refused,
    // naming the flag and not the code.
    let err = assert_refused(
        &urne(
            &dir,
            &[
                "encrypt",
                "--referendum",
                "sogne",
                "--voter",
                v1,
                "--choice",
                "Ja",
                "--credential",
                &good,
                "--out",
                b.to_str().unwrap(),
            ],
        ),
        "E-CREDENTIAL-ARGUMENT",
    );
    assert!(
        !err.contains(&good) && err.contains("--credential-file"),
        "{err}"
    );
    assert!(!b.exists());
    // Standard input: a typo is caught there too, naming standard input;
    // more than a code's worth of input is refused; the right code signs.
    let err = assert_refused(
        &encrypt_stdin(&dir, v1, typo.as_bytes(), &b),
        "E-CREDENTIAL-CODE",
    );
    assert!(
        err.contains("standard input") && !err.contains(&typo),
        "{err}"
    );
    assert_refused(
        &encrypt_stdin(&dir, v1, &[b'A'; 300], &b),
        "E-CREDENTIAL-CODE",
    );
    assert!(!b.exists());
    assert_ok(&encrypt_stdin(
        &dir,
        v1,
        format!("  {}\r\n", good.to_lowercase()).as_bytes(),
        &b,
    ));
    assert!(fs::read_to_string(&b)
        .unwrap()
        .contains("\"credential\":{\"r\":"));
    fs::remove_file(&b).unwrap();
    // Signed with the voter's own code: cast.
    assert_ok(&encrypt(&dir, v1, "sogne", Some(&good), &b));
    let signed = fs::read_to_string(&b).unwrap();
    assert!(signed.contains("\"credential\":{\"r\":"), "{signed}");
    let box_before = fs::read(dir.join("box.jsonl")).unwrap();
    // The same signed ballot cast for another voter: not signed by them.
    assert_refused(&cast(&dir, &b, v2, "sogne"), "EV-BAD-CREDENTIAL");
    // An unsigned ballot: the signature taken off.
    let mut v: serde_json::Value = serde_json::from_str(&signed).unwrap();
    v.as_object_mut().unwrap().remove("credential");
    let unsigned = ev.outside("unsigned.json");
    fs::write(&unsigned, v.to_string()).unwrap();
    assert_refused(&cast(&dir, &unsigned, v1, "sogne"), "EV-BAD-CREDENTIAL");
    // A bad signature (z changed), and one for the other referendum.
    let mut bad = serde_json::from_str::<serde_json::Value>(&signed).unwrap();
    let z = bad["credential"]["z"].as_str().unwrap().to_string();
    let first = if z.starts_with('A') { "B" } else { "A" };
    let flipped = format!("{first}{}", &z[1..]);
    bad["credential"]["z"] = flipped.into();
    let badp = ev.outside("bad.json");
    fs::write(&badp, bad.to_string()).unwrap();
    assert_refused(&cast(&dir, &badp, v1, "sogne"), "EV-BAD-CREDENTIAL");
    assert_eq!(
        fs::read(dir.join("box.jsonl")).unwrap(),
        box_before,
        "nothing was appended"
    );
    assert_ok(&cast(&dir, &b, v1, "sogne"));
    // A voter of the other referendum casting V1's signed ballot there.
    let s1 = "songdalen-000001";
    assert_refused(&cast(&dir, &b, s1, "songdalen"), "EV-BAD-CREDENTIAL");
}

#[test]
fn a_list_changed_after_the_box_opened_is_refused() {
    let (ev, codes) = event_with_codes();
    let dir = ev.dir();
    let b = ev.outside("b.json");
    let v1 = "sogne-000001";
    assert_ok(&encrypt(&dir, v1, "sogne", Some(code_of(&codes, v1)), &b));
    // The list issued again (new codes) after the box opened.
    assert_ok(&urne(
        &dir,
        &[
            "credentials",
            "issue",
            "--codes",
            ev.outside("codes2.csv").to_str().unwrap(),
            "--force",
        ],
    ));
    let err = assert_refused(&cast(&dir, &b, v1, "sogne"), "E-CREDENTIAL-LIST-CHANGED");
    assert!(err.contains("box.jsonl"), "{err}");
    // A list with a voter twice, a voter not on the roll, an identity key.
    let list_path = dir.join("credentials.jsonl");
    let list = fs::read_to_string(&list_path).unwrap();
    let lines: Vec<&str> = list.lines().collect();
    let cases = [
        (
            lines[lines.len() - 1].to_string(),
            lines[lines.len() - 1].replace("songdalen-000020", "songdalen-999999"),
            "not on the roll",
        ),
        (lines[2].to_string(), lines[1].to_string(), "listed twice"),
        (
            lines[1].to_string(),
            format!(
                "{{\"voter\":\"sogne-000001\",\"key\":\"{}\"}}",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            ),
            "identity",
        ),
    ];
    for (from, to, want) in cases {
        fs::write(&list_path, list.replacen(&from, &to, 1)).unwrap();
        let err = assert_refused(&cast(&dir, &b, v1, "sogne"), "E-CREDENTIAL-LIST");
        assert!(
            err.contains(want) && err.contains("credentials.jsonl, line"),
            "{err}"
        );
    }
}

#[test]
fn the_count_rejects_stuffed_ballots_with_their_figure_and_refuses_another_list() {
    // A simulated box: every ballot signed with its voter's credential, and
    // two ballots a referendum stuffed (signed with a made-up credential).
    let sim = tempfile::tempdir().unwrap();
    let d = sim.path();
    let m = d.join("m.toml");
    fs::write(&m, manifest_with_credentials()).unwrap();
    fs::write(d.join("p1"), "first keyholder's passphrase\n").unwrap();
    fs::write(d.join("p2"), "second keyholder's passphrase\n").unwrap();
    let ed = d.join("ev");
    assert_ok(&urne(
        &ed,
        &[
            "simulate",
            "--manifest",
            m.to_str().unwrap(),
            "--passphrase-file",
            d.join("p1").to_str().unwrap(),
            "--passphrase-file",
            d.join("p2").to_str().unwrap(),
            "--insecure-fast-kdf",
            "--voters",
            "30",
            "--bad",
            "2",
        ],
    ));
    let o = unlock_simulated(&ed, &d.join("p1"), &d.join("p2"), &[]);
    assert_ok(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("[EV-BAD-CREDENTIAL]: 2"), "{out}");
    let tally: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ed.join("tally.json")).unwrap()).unwrap();
    let list = fs::read(ed.join("credentials.jsonl")).unwrap();
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &list));
    assert_eq!(tally["credentials_sha256"], sha);
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(ed.join("simulation.json")).unwrap()).unwrap();
    for (t, s) in tally["referendums"]
        .as_array()
        .unwrap()
        .iter()
        .zip(truth["referendums"].as_array().unwrap())
    {
        assert_eq!(t["evotes"]["rejected"], s["rejected"]);
        assert_eq!(t["evotes"]["rejected"]["bad_credential"], 2);
        assert_eq!(t["evotes"]["counted"], s["counted"]);
    }
    // Counting against another list than the box header's is refused.
    let ok_list = fs::read_to_string(ed.join("credentials.jsonl")).unwrap();
    let mut lines: Vec<String> = ok_list.lines().map(String::from).collect();
    let other = lines[2].split("\"key\":").nth(1).unwrap().to_string();
    lines[1] = format!(
        "{}\"key\":{other}",
        lines[1].split("\"key\":").next().unwrap()
    );
    fs::write(ed.join("credentials.jsonl"), lines.join("\n") + "\n").unwrap();
    let o = unlock_simulated(&ed, &d.join("p1"), &d.join("p2"), &["--force"]);
    assert_refused(&o, "E-CREDENTIAL-LIST-CHANGED");
}

#[test]
fn a_signed_box_line_stays_under_1000_bytes() {
    use rand::rngs::OsRng;
    let key = urne::keys::ElectionKey::from_json(
        &fs::read_to_string(root().join("keys-example/election-key.json")).unwrap(),
        "election-key.json",
    )
    .unwrap();
    let voter = "sogne-004000000";
    let ctx = urne::ballot::BallotContext {
        fingerprint: &key.fingerprint,
        referendum: "sogne",
        voter,
    };
    let b = urne::ballot::encrypt(&key.key, &ctx, 3, 2, &mut OsRng).unwrap();
    let code = urne::credentials::CredentialCode::generate(&mut OsRng);
    let sig = code.key(&key.fingerprint, voter).sign(&ctx, &b, &mut OsRng);
    let rec = urne::ballot_box::BallotRecord {
        record: urne::ballot_box::RecordKind::Ballot,
        seq: 4_000_000,
        prev: urne::crypto::encoding::Digest32([0xab; 32]),
        voter: voter.into(),
        referendum: "sogne".into(),
        cast_at: "2027-01-22T09:00:00+01:00".into(),
        ballot: b,
        credential: Some(sig),
    };
    let line = serde_json::to_string(&rec).unwrap();
    assert!(line.len() < 1000, "{} bytes: {line}", line.len() + 1);
}

/// tests/vectors/credential.json, as docs/SPEC.md "Test vectors" gives it and
/// tools/spec_vectors.py recomputes it: the code's check, the voter's key,
/// the ballot digest and the signature made with the given nonce.
#[test]
fn the_credential_vector_holds() {
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G;
    use urne::credentials::{ballot_digest, CredentialCode, PublicCredential};
    use urne::crypto::encoding::{Elem, PubScalar, Transcript};
    let v: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("tests/vectors/credential.json")).unwrap(),
    )
    .unwrap();
    let bv: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("tests/vectors/ballot-format2.json")).unwrap(),
    )
    .unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let mut fp = [0u8; 32];
    hex::decode_to_slice(s("fingerprint"), &mut fp).unwrap();
    let code = CredentialCode::parse(&s("code")).unwrap();
    assert_eq!(&*code.display(), s("code").as_str());
    let key = code.key(&fp, &s("voter"));
    assert_eq!(key.public(), Elem::from_b64(&s("public_key")).unwrap());
    let secret = Transcript::sha512(urne::credentials::tag::SECRET);
    let mut secret = secret;
    secret.bytes(code.as_bytes()).bytes(&fp).str(&s("voter"));
    let sv = secret.challenge();
    assert_eq!(hex::encode(sv.as_bytes()), s("secret"));
    let ballot: urne::ballot::Ballot = serde_json::from_value(bv["ballot"].clone()).unwrap();
    assert_eq!(hex::encode(ballot_digest(&ballot)), s("ballot_digest"));
    let sig: urne::credentials::CredentialSignature =
        serde_json::from_value(v["signature"].clone()).unwrap();
    let k = PubScalar::from_b64(&s("nonce")).unwrap().0;
    assert_eq!(Elem::from_point(&(&k * G)), sig.r, "R = k G");
    let mut e = [0u8; 32];
    hex::decode_to_slice(s("challenge"), &mut e).unwrap();
    let e = curve25519_dalek::scalar::Scalar::from_canonical_bytes(e).unwrap();
    assert_eq!(sig.z.0, k + e * sv, "z = k + e s_v");
    let public = PublicCredential {
        elem: key.public(),
        point: key.public().decode().unwrap(),
    };
    let ctx = urne::ballot::BallotContext {
        fingerprint: &fp,
        referendum: &s("referendum"),
        voter: &s("voter"),
    };
    assert!(sig.verify(&public, &ctx, &ballot));
    // The last character is the check: changing it is caught.
    let shown = s("code");
    let last = if shown.ends_with('A') { "B" } else { "A" };
    let typo = format!("{}{last}", &shown[..shown.len() - 1]);
    assert!(CredentialCode::parse(&typo).is_err());
}
