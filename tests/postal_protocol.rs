//! Postal votes and the signed protocol through the `urne` binary, on the
//! demo's full event (e-votes and postal votes for both referendums).

mod common;

use common::demo::{copy_dir, demo_event};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_urne");

/// A private copy of the demo event for a test that changes it.
fn event_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(demo_event(), tmp.path());
    tmp
}

fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn error_line(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err.lines()
        .find(|l| l.starts_with("urne: error["))
        .unwrap_or_else(|| panic!("no error line: {err}"))
        .to_string()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn u(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn the_protocols_figures_add_up() {
    let dir = demo_event();
    for r in ["sogne", "songdalen"] {
        let p = json(&dir.join(format!("protocols/{r}.json")));
        let env = &p["envelopes"];
        let rejected: u64 = env["rejected"].as_object().unwrap().values().map(u).sum();
        assert!(rejected > 0, "the demo has rejected envelopes");
        assert_eq!(u(&env["approved"]) + rejected, u(&env["received"]));
        let ev = &p["evotes"];
        let ev_rejected: u64 = ev["rejected"].as_object().unwrap().values().map(u).sum();
        assert_eq!(
            u(&ev["counted"]) + u(&ev["superseded"]) + ev_rejected,
            u(&ev["received"])
        );
        let mut electronic = 0;
        for line in p["results"].as_array().unwrap() {
            assert_eq!(
                u(&line["electronic"]) + u(&line["postal"]),
                u(&line["total"])
            );
            electronic += u(&line["electronic"]);
        }
        assert_eq!(electronic, u(&ev["counted"]));
        let rm = &p["roll_marks"];
        assert_eq!(u(&rm["total"]), u(&ev["counted"]) + u(&env["approved"]));
        // Every rejection reason of the trial appears in the demo.
        for reason in [
            "not_in_roll",
            "unidentifiable",
            "has_electronic_vote",
            "already_voted",
            "late",
        ] {
            assert!(u(&env["rejected"][reason]) > 0, "{reason} in {r}");
        }
        // Round 1's pair disagreed and recounted.
        let rounds = p["postal_count"]["rounds"].as_array().unwrap();
        assert_eq!(rounds.len(), 2);
        let attempts = rounds[0]["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 2);
        assert!(!attempts[0]["disagreements"].as_array().unwrap().is_empty());
        // The HTML rendering exists and shows the key figures first.
        let html = fs::read_to_string(dir.join(format!("protocols/{r}.html"))).unwrap();
        // (In the example event's language, Norwegian; tests/documents.rs
        // checks the rendering as a person reads it.)
        let key = html.find("1. Nøkkeltall").unwrap();
        assert!(key < html.find("2. Kryss i manntallet").unwrap());
        let entitled = urne::i18n::int(
            urne::i18n::Lang::parse("nb").unwrap(),
            u(&p["key_figures"]["entitled"]),
        );
        assert!(html.contains(&format!("<td class=\"num\">{entitled}</td>")));
    }
}

#[test]
fn protocol_check_names_every_signer() {
    let o = urne(demo_event(), &["protocol", "check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    for name in ["Ingrid Berg", "Per Olsen", "Aisha Khan"] {
        assert!(
            out.contains(&format!("sogne: signaturen til {name} holder")),
            "{out}"
        );
    }
}

#[test]
fn protocol_check_complete_fails_while_a_member_has_not_signed() {
    let o = urne(demo_event(), &["protocol", "check", "--complete"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let ev = event_copy();
    let path = ev.path().join("protocols/sogne.signatures.json");
    let mut sigs: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let list = sigs["signatures"].as_array_mut().unwrap();
    let before = list.len();
    list.retain(|s| s["name"] != "Per Olsen");
    assert_eq!(list.len(), before - 1);
    fs::write(&path, serde_json::to_string_pretty(&sigs).unwrap()).unwrap();

    // Without --complete the signatures that are there hold: exit 0.
    let o = urne(ev.path(), &["protocol", "check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("sogne: ennå ikke signert av Per Olsen"));
    // With it, the missing member is a failure that names them.
    let line = error_line(&urne(ev.path(), &["protocol", "check", "--complete"]));
    assert!(
        line.starts_with("urne: error[V-PROTOCOL-UNSIGNED]"),
        "{line}"
    );
    assert!(
        line.contains("Per Olsen") && line.contains("sogne.json"),
        "{line}"
    );
    assert!(!line.contains("Ingrid Berg"), "{line}");
}

#[test]
fn a_protocol_changed_after_signing_fails_its_check_naming_the_signer() {
    let ev = event_copy();
    let path = ev.path().join("protocols/sogne.json");
    let text = fs::read_to_string(&path).unwrap();
    // Change the question: still canonical JSON, still adding up, but not what
    // was signed.
    let changed = text.replacen("Skal Søgne", "Skal ikke Søgne", 1);
    assert_ne!(changed, text);
    fs::write(&path, changed).unwrap();
    let o = urne(ev.path(), &["protocol", "check"]);
    let line = error_line(&o);
    assert!(line.starts_with("urne: error[V-SIGNATURE]"), "{line}");
    assert!(line.contains("Ingrid Berg"), "{line}");
    let out = String::from_utf8_lossy(&o.stdout);
    for name in ["Ingrid Berg", "Per Olsen", "Aisha Khan"] {
        assert!(
            out.contains(&format!("sogne: signaturen til {name} HOLDER IKKE")),
            "{out}"
        );
    }
    // The other referendum's protocol is untouched and still holds.
    assert!(
        out.contains("songdalen: signaturen til Per Olsen holder"),
        "{out}"
    );
}

#[test]
fn a_changed_figure_fails_the_arithmetic_check() {
    let ev = event_copy();
    let path = ev.path().join("protocols/songdalen.json");
    let text = fs::read_to_string(&path).unwrap();
    // The top-level results come after the key figures' copy of them; raise the
    // first option's postal votes by one, in place, keeping the bytes canonical.
    let at = text.rfind("\"results\":[{\"option\":").unwrap();
    let field = at + text[at..].find("\"postal\":").unwrap() + "\"postal\":".len();
    let end = field + text[field..].find(',').unwrap();
    let postal: u64 = text[field..end].parse().unwrap();
    let changed = format!("{}{}{}", &text[..field], postal + 1, &text[end..]);
    fs::write(&path, changed).unwrap();
    let o = urne(
        ev.path(),
        &["protocol", "check", "--referendum", "songdalen"],
    );
    let line = error_line(&o);
    assert!(line.contains("V-PROTOCOL-FIGURES"), "{line}");
    assert!(line.contains("songdalen.json"), "{line}");
}

#[test]
fn a_signature_by_a_key_not_in_the_leadership_list_is_named() {
    let ev = event_copy();
    let path = ev.path().join("protocols/sogne.signatures.json");
    let mut s = json(&path);
    // Mallory copies Per Olsen's signature under her own name.
    let mut forged = s["signatures"][1].clone();
    forged["name"] = serde_json::json!("Mallory");
    s["signatures"].as_array_mut().unwrap().push(forged);
    fs::write(&path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let line = error_line(&urne(ev.path(), &["protocol", "check"]));
    assert!(line.contains("V-SIGNER-UNKNOWN"), "{line}");
    assert!(line.contains("Mallory"), "{line}");

    // A signature under a member's name but by another key.
    let mut s = json(&path);
    s["signatures"].as_array_mut().unwrap().pop();
    s["signatures"][0]["public_key"] = s["signatures"][1]["public_key"].clone();
    fs::write(&path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let line = error_line(&urne(ev.path(), &["protocol", "check"]));
    assert!(line.contains("V-SIGNER-KEY"), "{line}");
    assert!(line.contains("Ingrid Berg"), "{line}");

    // And a key for someone outside the leadership group cannot be made.
    let pass = ev.path().join("p.txt");
    fs::write(&pass, "a long enough passphrase\n").unwrap();
    let line = error_line(&urne(
        ev.path(),
        &[
            "signer",
            "new",
            "--name",
            "Mallory",
            "--insecure-fast-kdf",
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    ));
    assert!(line.contains("E-SIGNER-UNKNOWN"), "{line}");
}

fn trial_with(ev: &Path, rows: &str) -> Output {
    let f = ev.join("bad-envelopes.csv");
    fs::write(
        &f,
        format!("envelope_id,voter_id,received_at,referendum\n{rows}"),
    )
    .unwrap();
    urne(
        ev,
        &[
            "postal",
            "trial",
            "--force",
            "--envelopes",
            f.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_marked_roll_changed_after_unlock_is_refused_by_the_trial() {
    let ev = event_copy();
    let path = ev.path().join("marked-roll.csv");
    let before = fs::read(ev.path().join("postal-trial.json")).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    // Drop one voter with a counted e-vote: their postal envelope would pass.
    let dropped = text.lines().nth(1).unwrap();
    fs::write(&path, text.replacen(&format!("{dropped}\n"), "", 1)).unwrap();
    let line = error_line(&trial_with(
        ev.path(),
        "E1,sogne-000001,2027-02-01T10:00:00+01:00,sogne\n",
    ));
    assert!(line.contains("E-MARKED-ROLL-CHANGED"), "{line}");
    assert!(
        line.contains("marked-roll.csv") && line.contains("unlock"),
        "{line}"
    );
    assert_eq!(
        fs::read(ev.path().join("postal-trial.json")).unwrap(),
        before
    );
    // Put back, the same file passes.
    fs::write(&path, &text).unwrap();
    let o = trial_with(
        ev.path(),
        "E1,sogne-000001,2027-02-01T10:00:00+01:00,sogne\n",
    );
    assert!(o.status.success(), "{}", error_line(&o));
}

#[test]
fn the_trial_prints_each_rejection_with_its_code() {
    let ev = event_copy();
    let o = trial_with(
        ev.path(),
        "E1,sogne-999999,2027-02-01T10:00:00+01:00,sogne\nE2,sogne-000004,2027-02-04T10:00:00+01:00,sogne\n",
    );
    assert!(o.status.success(), "{}", error_line(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // In the example event's language, with the code as the files write it.
    assert!(
        out.contains("    Velgeren er ikke manntallsført [P-NOT-IN-ROLL]: 1"),
        "{out}"
    );
    // sogne-000004 voted electronically, which is tried before lateness.
    assert!(
        out.contains("    Velgeren har en talt e-stemme [P-HAS-ELECTRONIC-VOTE]: 1"),
        "{out}"
    );
}

#[test]
fn an_envelope_id_with_a_comma_keeps_the_decisions_file_in_columns() {
    let ev = event_copy();
    let o = trial_with(
        ev.path(),
        "\"A,3\",sogne-000002,2027-02-01T10:00:00+01:00,sogne\nB\"4,sogne-000003,2027-02-01T10:00:00+01:00,sogne\n",
    );
    assert!(o.status.success(), "{}", error_line(&o));
    let text = fs::read_to_string(ev.path().join("postal-decisions.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let ids: Vec<String> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!(rec.len(), 6, "{rec:?}");
            rec[1].to_string()
        })
        .collect();
    assert_eq!(ids, ["A,3", "B\"4"]);
}

#[test]
fn bad_envelope_files_name_the_file_and_line() {
    let ev = event_copy();
    let before = fs::read(ev.path().join("postal-trial.json")).unwrap();
    let line = error_line(&trial_with(
        ev.path(),
        "E1,sogne-000001,2027-02-01T10:00:00+01:00,sogne\nE2,sogne-000002,2027-02-01T10:00:00+01:00\n",
    ));
    assert!(line.contains("E-POSTAL-SYNTAX"), "{line}");
    assert!(line.contains("bad-envelopes.csv, line 3"), "{line}");
    let line = error_line(&trial_with(
        ev.path(),
        "E1,sogne-000001,2027-02-01T10:00:00+01:00,oslo\n",
    ));
    assert!(line.contains("E-UNKNOWN-REFERENDUM"), "{line}");
    assert!(line.contains("line 2") && line.contains("oslo"), "{line}");
    // Nothing was half-written: the earlier trial is intact.
    assert_eq!(
        fs::read(ev.path().join("postal-trial.json")).unwrap(),
        before
    );
}

fn count_with(ev: &Path, rows: &str) -> Output {
    let f = ev.join("bad-counts.csv");
    fs::write(
        &f,
        format!("referendum,round,attempt,pair,member,option,figure\n{rows}"),
    )
    .unwrap();
    urne(
        ev,
        &[
            "postal",
            "count",
            "--force",
            "--entries",
            f.to_str().unwrap(),
        ],
    )
}

#[test]
fn bad_count_entries_are_refused() {
    let ev = event_copy();
    for (row, code) in [
        ("sogne,1,1,P,A,Kanskje,3\n", "E-COUNT-OPTION"),
        ("sogne,1,1,P,A,Ja,-3\n", "E-COUNT-FIGURE"),
        ("sogne,1,1,P,A,Ja,tre\n", "E-COUNT-FIGURE"),
        ("oslo,1,1,P,A,Ja,3\n", "E-UNKNOWN-REFERENDUM"),
    ] {
        let line = error_line(&count_with(ev.path(), row));
        assert!(line.contains(code), "{row}: {line}");
        assert!(line.contains("bad-counts.csv, line 2"), "{line}");
    }
}

#[test]
fn a_pair_that_disagrees_is_told_which_figure_to_recount() {
    let ev = event_copy();
    fs::remove_file(ev.path().join("postal-count.json")).unwrap();
    let entries = fs::read_to_string(ev.path().join("postal-input/count-entries.csv")).unwrap();
    // Keep only round 1's first attempt, where the pair disagreed.
    let first: String = entries
        .lines()
        .skip(1)
        .filter(|l| l.contains(",1,1,Pair 1,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let line = error_line(&count_with(ev.path(), &first));
    assert!(line.contains("C-PAIR-DISAGREES"), "{line}");
    assert!(
        line.contains("pair Pair 1 disagrees on Ja") && line.contains("attempt 2"),
        "{line}"
    );
    assert!(!ev.path().join("postal-count.json").exists());
}

#[test]
fn an_existing_protocol_is_not_overwritten_without_force() {
    let ev = event_copy();
    let before = fs::read(ev.path().join("protocols/sogne.json")).unwrap();
    let line = error_line(&urne(ev.path(), &["protocol"]));
    assert!(line.contains("E-FILE-EXISTS"), "{line}");
    assert_eq!(
        fs::read(ev.path().join("protocols/sogne.json")).unwrap(),
        before
    );
    // With --force it is rewritten and the old signatures, which no longer
    // apply, are removed.
    let o = urne(ev.path(), &["protocol", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!ev.path().join("protocols/sogne.signatures.json").exists());
}

#[test]
fn publish_is_partial_without_protocols_certified_with_them_and_never_goes_back() {
    let ev = event_copy();
    let pubdir = ev.path().join("pub");
    let pass = ev.path().join("publisher.txt");
    fs::write(&pass, "the publisher's passphrase\n").unwrap();
    let p = pass.to_str().unwrap();
    let out = pubdir.to_str().unwrap();
    // Before the protocols: the tally alone, published as partial.
    let protocols = ev.path().join("protocols");
    let aside = ev.path().join("protocols-aside");
    fs::rename(&protocols, &aside).unwrap();
    let o = urne(
        ev.path(),
        &[
            "publish",
            "--out",
            out,
            "--new-publisher-key",
            "--insecure-fast-kdf",
            "--passphrase-file",
            p,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("sogne: ingen protokoll ennå — publisert som delvis"),
        "{said}"
    );
    let head = |d: &Path| -> serde_json::Value {
        let sha = fs::read_to_string(d.join("HEAD")).unwrap();
        json(&d.join("objects").join(sha.trim()))
    };
    let m1 = head(&pubdir);
    assert_eq!(m1["status"], "partial");
    assert_eq!(m1["sequence"], 1);
    // With the signed protocols: certified, sequence 2, the same figures.
    fs::rename(&aside, &protocols).unwrap();
    let o = urne(
        ev.path(),
        &["publish", "--out", out, "--passphrase-file", p],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m2 = head(&pubdir);
    assert_eq!(m2["status"], "certified");
    assert_eq!(m2["sequence"], 2);
    let csv_entry = m2["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "results.csv")
        .unwrap();
    let csv = fs::read_to_string(
        pubdir
            .join("objects")
            .join(csv_entry["sha256"].as_str().unwrap()),
    )
    .unwrap();
    let proto = json(&ev.path().join("protocols/sogne.json"));
    let ja_total = u(&proto["results"][0]["total"]);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("sogne-songdalen-2027,sogne,")
                && l.contains(",Ja,1,total,")
                && l.contains(&format!(",total,{ja_total},"))),
        "{csv}"
    );
    // An older sequence is refused and the current publication stays.
    let line = error_line(&urne(
        ev.path(),
        &[
            "publish",
            "--out",
            out,
            "--sequence",
            "1",
            "--passphrase-file",
            p,
        ],
    ));
    assert!(line.contains("E-PUBLISH-SEQUENCE"), "{line}");
    assert_eq!(head(&pubdir)["sequence"], 2);
}
