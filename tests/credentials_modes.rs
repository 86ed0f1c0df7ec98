//! The box's intake and the count judge a box, a credential list and the
//! manifest's `voter_credentials` by one rule
//! (`urne::credentials::check_box_list`): a list exactly when the manifest
//! uses credentials, and then the one the box header names. An event with
//! `voter_credentials = "none"` and a stray list, or `"urne"` and no list, is
//! refused at intake as at count, with the same code and words.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use urne::ballot_box::intake::{Inputs, Intake};
use urne::ballot_box::state::MemStore;
use urne::credentials::CredentialList;
use urne::error::Explain;
use urne::event::{Manifest, Roll};
use urne::keys::ElectionKey;
use urne::tally::{count_box, CountInputs};

struct Event {
    manifest_urne: Manifest,
    manifest_none: Manifest,
    roll: Roll,
    key: ElectionKey,
    list: CredentialList,
}

fn load(ev: &Path) -> Event {
    let text = fs::read_to_string(ev.join("manifest.toml")).unwrap();
    let manifest_urne = Manifest::parse(&text, "manifest.toml").unwrap();
    assert!(manifest_urne.voter_credentials.required());
    let none = text.replace(
        "voter_credentials = \"urne\"",
        "voter_credentials = \"none\"",
    );
    let manifest_none = Manifest::parse(&none, "manifest.toml").unwrap();
    assert!(!manifest_none.voter_credentials.required());
    let roll = Roll::load(&ev.join("roll.csv"), &manifest_urne).unwrap();
    let key = ElectionKey::from_json(
        &fs::read_to_string(ev.join("election-key.json")).unwrap(),
        "election-key.json",
    )
    .unwrap();
    let list = CredentialList::load(
        &ev.join("credentials.jsonl"),
        &manifest_urne.event,
        &key.fingerprint,
        &roll,
        manifest_urne.referendums().len(),
    )
    .unwrap();
    Event {
        manifest_urne,
        manifest_none,
        roll,
        key,
        list,
    }
}

/// A refusal's code and message; `None` if the box was taken.
type Refusal = Option<(String, String)>;

/// What the intake and the count say of `box_path` under `manifest` with
/// `list`: the code and message of each refusal, `None` if it opens/counts.
fn judge(
    box_path: &Path,
    e: &Event,
    manifest: &Manifest,
    list: Option<&CredentialList>,
) -> (Refusal, Refusal) {
    let inputs = Arc::new(Inputs {
        manifest: manifest.clone(),
        roll: e.roll.clone(),
        key: e.key.clone(),
        manifest_sha256: [0; 32],
        roll_sha256: [0; 32],
        credentials: list.cloned(),
    });
    let intake = match Intake::<MemStore>::open(box_path, inputs) {
        Ok(_) => None,
        Err(err) => Some((err.code().to_string(), err.to_string())),
    };
    let count = match count_box(
        box_path,
        &CountInputs {
            manifest,
            roll: &e.roll,
            key: &e.key,
            credentials: list,
        },
        &|_| {},
    ) {
        Ok(_) => None,
        Err(err) => Some((err.code().to_string(), err.to_string())),
    };
    (intake, count)
}

fn refused_alike(what: &str, got: (Refusal, Refusal), rule: &str) {
    let (intake, count) = got;
    let intake = intake.unwrap_or_else(|| panic!("{what}: the intake took the box"));
    let count = count.unwrap_or_else(|| panic!("{what}: the count took the box"));
    assert_eq!(intake, count, "{what}");
    assert_eq!(intake.0, "E-CREDENTIAL-LIST-CHANGED", "{what}: {intake:?}");
    assert!(intake.1.contains("box.jsonl"), "{what}: {}", intake.1);
    assert!(intake.1.contains(rule), "{what}: {}", intake.1);
}

#[test]
fn the_intake_and_the_count_refuse_a_list_against_the_manifest_alike() {
    let tmp = common::credentials::counted();
    let ev = tmp.path().join("ev");
    let e = load(&ev);
    // The sealed box of the simulation: its header names the list. The
    // checks come before the seal and the chain, so intake and count both
    // reach them on the same file (a copy: the intake takes a lock).
    let dir = tmp.path().join("work");
    fs::create_dir_all(&dir).unwrap();
    let with_hash = dir.join("box.jsonl");
    fs::copy(ev.join("box.jsonl"), &with_hash).unwrap();

    // Honest: the list the header names, in an event with credentials.
    let (intake, count) = judge(&with_hash, &e, &e.manifest_urne, Some(&e.list));
    assert_eq!(count, None, "the honest box counts");
    // (The intake refuses a sealed box for taking ballots, but not for its
    // credentials.)
    assert!(
        intake
            .as_ref()
            .is_none_or(|(c, _)| c != "E-CREDENTIAL-LIST-CHANGED"),
        "{intake:?}"
    );

    // "urne" and no list: refused at both.
    refused_alike(
        "urne, no list",
        judge(&with_hash, &e, &e.manifest_urne, None),
        "no credential list (credentials.jsonl) was given",
    );
    // "none" and a stray list, the header naming it (the old intake took
    // this box, and would have checked signatures the count does not).
    refused_alike(
        "none, stray list, header with hash",
        judge(&with_hash, &e, &e.manifest_none, Some(&e.list)),
        "voter_credentials = \"none\"",
    );
    // "none", no list, but a header naming one.
    refused_alike(
        "none, header with hash",
        judge(&with_hash, &e, &e.manifest_none, None),
        "the box header names credential list",
    );

    // "none" and a stray list with a header naming none (the old count
    // took this one and judged the signatures against the stray list).
    let text = fs::read_to_string(&with_hash).unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    let mut h: serde_json::Value = serde_json::from_str(header).unwrap();
    assert!(h
        .as_object_mut()
        .unwrap()
        .remove("credentials_sha256")
        .is_some());
    let no_hash = dir.join("no-hash").join("box.jsonl");
    fs::create_dir_all(no_hash.parent().unwrap()).unwrap();
    fs::write(&no_hash, format!("{h}\n{rest}")).unwrap();
    refused_alike(
        "none, stray list, header without hash",
        judge(&no_hash, &e, &e.manifest_none, Some(&e.list)),
        "a credential list (credentials.jsonl) was given",
    );
    // "urne", the list, a header naming none.
    refused_alike(
        "urne, header without hash",
        judge(&no_hash, &e, &e.manifest_urne, Some(&e.list)),
        "the box header names no credential list",
    );
}
