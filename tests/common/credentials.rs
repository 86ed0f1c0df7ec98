//! Voter credentials in tests. The example event says
//! `voter_credentials = "urne"`, so every ballot cast on it is signed with
//! its voter's code: for an event `urne simulate` made, the code the
//! simulation derives from its seed (published test material, as
//! keys-example/README.md says); for a roll a test writes itself, the codes
//! `urne credentials issue` puts in the printer's file. Also an event with
//! credentials simulated and counted (tests of verify, track and the intake).

use super::cli::{assert_ok, root, urne};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use urne::ballot::{Ballot, BallotContext};
use urne::credentials::CredentialCode;

/// `urne simulate`'s default seed.
pub const SIMULATE_SEED: u64 = 1;

/// The code `urne simulate` (default seed) gives `voter`.
pub fn simulated_code(voter: &str) -> CredentialCode {
    urne::simulate::credential_code(SIMULATE_SEED, voter)
}

/// A file beside the event (in `dir`, named for the voter) holding `code`,
/// for `urne encrypt --credential-file`.
pub fn code_file_of(dir: &Path, voter: &str, code: &CredentialCode) -> PathBuf {
    let f = dir.join(format!("code-{voter}.txt"));
    fs::write(&f, format!("{}\n", code.display().as_str())).unwrap();
    f
}

/// [`code_file_of`] with the code `urne simulate` gave `voter`.
pub fn code_file(dir: &Path, voter: &str) -> PathBuf {
    code_file_of(dir, voter, &simulated_code(voter))
}

/// `ballot` as a ballot file's JSON, signed with `code` for `voter` in
/// `referendum` under the election `fingerprint` (what `urne encrypt` writes).
pub fn signed_json(
    ballot: &Ballot,
    code: &CredentialCode,
    fingerprint: &[u8; 32],
    referendum: &str,
    voter: &str,
) -> serde_json::Value {
    let ctx = BallotContext {
        fingerprint,
        referendum,
        voter,
    };
    let sig = code
        .key(fingerprint, voter)
        .sign(&ctx, ballot, &mut rand::rngs::OsRng);
    let mut v = serde_json::to_value(ballot).unwrap();
    v.as_object_mut()
        .unwrap()
        .insert("credential".into(), serde_json::to_value(sig).unwrap());
    v
}

/// The example election key's fingerprint (keys-example/election-key.json).
pub fn example_fingerprint() -> [u8; 32] {
    let text = fs::read_to_string(root().join("keys-example/election-key.json")).unwrap();
    urne::keys::ElectionKey::from_json(&text, "election-key.json")
        .unwrap()
        .fingerprint
}

/// A ballot file's JSON (`urne encrypt` output, under the example key)
/// signed, in place of any signature it had, as the voter `urne simulate`
/// made would sign it for `referendum`: the record's own voter signs, so
/// that a test of another rule (a replayed or a copied ballot) meets that
/// rule and not `EV-BAD-CREDENTIAL`. Text that is not a ballot is returned
/// as it is.
pub fn signed_by_voter(json: &str, referendum: &str, voter: &str) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_string();
    };
    if let Some(o) = v.as_object_mut() {
        o.remove("credential");
    }
    let Ok(ballot) = serde_json::from_value::<Ballot>(v) else {
        return json.to_string();
    };
    signed_json(
        &ballot,
        &simulated_code(voter),
        &example_fingerprint(),
        referendum,
        voter,
    )
    .to_string()
}

/// A new ballot for option `choice` of a three-option `referendum` under
/// the example key, signed by `voter` as [`signed_by_voter`] signs it.
pub fn example_ballot(voter: &str, referendum: &str, choice: usize) -> String {
    let text = fs::read_to_string(root().join("keys-example/election-key.json")).unwrap();
    let key = urne::keys::ElectionKey::from_json(&text, "election-key.json").unwrap();
    let ctx = BallotContext {
        fingerprint: &key.fingerprint,
        referendum,
        voter,
    };
    let b = urne::ballot::encrypt(&key.key, &ctx, 3, choice, &mut rand::rngs::OsRng).unwrap();
    signed_by_voter(&serde_json::to_string(&b).unwrap(), referendum, voter)
}

/// A request to the receiving service, or a line of `box cast --batch`:
/// `{"voter", "referendum", "ballot", "credential"}`, the ballot signed by
/// `voter` as [`signed_by_voter`] signs it (a `ballot_json` that is not a
/// ballot goes in as it is, unsigned).
pub fn request(voter: &str, referendum: &str, ballot_json: &str) -> serde_json::Value {
    let ballot: serde_json::Value = serde_json::from_str(ballot_json).unwrap();
    let mut signed: serde_json::Value =
        serde_json::from_str(&signed_by_voter(ballot_json, referendum, voter)).unwrap();
    let credential = signed.as_object_mut().and_then(|o| o.remove("credential"));
    let mut r = serde_json::json!({"voter": voter, "referendum": referendum, "ballot": ballot});
    if let Some(c) = credential {
        r["credential"] = c;
    }
    r
}

/// `urne credentials issue` in the event `dir` (the credential authority's
/// step, before `box init`), the printer's file in a directory of its own
/// (never the event directory); returns every voter's code from it.
pub fn issue(dir: &Path) -> HashMap<String, CredentialCode> {
    let printer = tempfile::tempdir().unwrap();
    let codes = printer.path().join("credential-codes.csv");
    assert_ok(&urne(
        dir,
        &["credentials", "issue", "--codes", codes.to_str().unwrap()],
    ));
    let text = fs::read_to_string(&codes).unwrap();
    text.lines()
        .skip(2)
        .map(|l| {
            let (v, c) = l.split_once(',').unwrap();
            (v.to_string(), CredentialCode::parse(c).unwrap())
        })
        .collect()
}

/// The example manifest, which says `voter_credentials = "urne"` (checked
/// here, so that a test of credentials fails loudly if it ever stops).
pub fn manifest_with_credentials() -> String {
    let text = fs::read_to_string(root().join("examples/event/manifest.toml")).unwrap();
    assert!(text.contains("\nvoter_credentials = \"urne\"\n"));
    text
}

/// The example manifest with `voter_credentials = "none"`: an event
/// without voter credentials (its SHA-256 is not the one the example key is
/// bound to).
pub fn manifest_without_credentials() -> String {
    manifest_with_credentials().replacen(
        "\nvoter_credentials = \"urne\"\n",
        "\nvoter_credentials = \"none\"\n",
        1,
    )
}

/// A simulated event with credentials in `ev/` of the returned directory
/// (every ballot signed, two stuffed ballots a referendum signed with
/// made-up codes), unlocked; the keyholders' passphrase files are `p1` and
/// `p2` beside it.
pub fn counted() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("m.toml"), manifest_with_credentials()).unwrap();
    fs::write(d.join("p1"), "first keyholder's passphrase\n").unwrap();
    fs::write(d.join("p2"), "second keyholder's passphrase\n").unwrap();
    let ev = d.join("ev");
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let o = urne(
        &ev,
        &[
            "simulate",
            "--manifest",
            &p("m.toml"),
            "--passphrase-file",
            &p("p1"),
            "--passphrase-file",
            &p("p2"),
            "--insecure-fast-kdf",
            "--voters",
            "30",
            "--bad",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = super::cli::unlock_simulated(&ev, &d.join("p1"), &d.join("p2"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tmp
}

/// `credentials.jsonl` of `dir` with voter 1's key replaced by voter 2's:
/// still a well-formed list, but not the one the box header names.
pub fn swap_list(dir: &Path) {
    let list = fs::read_to_string(dir.join("credentials.jsonl")).unwrap();
    let mut lines: Vec<String> = list.lines().map(String::from).collect();
    let other_key = lines[2].split("\"key\":").nth(1).unwrap().to_string();
    lines[1] = format!(
        "{}\"key\":{other_key}",
        lines[1].split("\"key\":").next().unwrap()
    );
    fs::write(dir.join("credentials.jsonl"), lines.join("\n") + "\n").unwrap();
}
