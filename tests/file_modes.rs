//! File modes as a web server or a shared drive sees them: under umask 022
//! every public artifact urne writes is 0644 and every secret or sealed file
//! 0600 (docs/SPEC.md, "File modes").
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_urne");

/// Runs urne under umask 022 (through the shell, as a user's login would set it).
fn urne_022(args: &[&str]) {
    let o = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(args)
        .output()
        .expect("sh runs");
    assert!(
        o.status.success(),
        "urne {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn under_umask_022_the_demo_writes_public_files_0644_and_secrets_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    urne_022(&["demo", "--out", out.to_str().unwrap()]);
    let all = files(&out);
    assert!(all.len() > 20, "the demo wrote {} files", all.len());
    // printer/: the voters' credential codes, for the printer only.
    let secret_dirs = [
        "shares",
        "example-signer-keys",
        "example-passphrases",
        "printer",
    ];
    let mut secrets = 0;
    for p in &all {
        let rel = p.strip_prefix(&out).unwrap();
        let top = rel.components().next().unwrap().as_os_str();
        let sealed = fs::read_to_string(p).is_ok_and(|t| {
            t.contains("\"urne-sealed/") || t.starts_with("# urne-credential-codes/1 SECRET")
        });
        if sealed || secret_dirs.iter().any(|d| top == *d) {
            assert_eq!(mode(p), 0o600, "{} is a secret", rel.display());
            secrets += 1;
        } else {
            assert_eq!(mode(p), 0o644, "{} is public", rel.display());
        }
    }
    assert!(secrets >= 5, "{secrets} secret files");
    for public in [
        "box.jsonl",
        "election-key.json",
        "tally.json",
        "protocols/sogne.html",
    ] {
        assert_eq!(mode(&out.join(public)), 0o644, "{public}");
    }
}

#[test]
fn under_umask_022_keygen_signer_and_box_seal_their_keys_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Without voter credentials: this event has no roll to issue them for.
    fs::write(
        d.join("manifest.toml"),
        common::credentials::manifest_without_credentials(),
    )
    .unwrap();
    let pass = d.join("pass.txt");
    fs::write(&pass, "a long enough passphrase for the test\n").unwrap();
    let pass2 = d.join("pass2.txt");
    fs::write(&pass2, "another long passphrase, keyholder 2's\n").unwrap();
    let p = pass.to_str().unwrap();
    let p2 = pass2.to_str().unwrap();
    let dir = d.to_str().unwrap();
    let manifest = fs::read_to_string(d.join("manifest.toml")).unwrap();
    let member = manifest
        .lines()
        .find(|l| l.starts_with("leadership"))
        .and_then(|l| l.split('"').nth(1))
        .expect("the example manifest names its leadership")
        .to_string();
    // A leadership key is made before the key ceremony (its public key is
    // pinned in the manifest the ceremony binds).
    urne_022(&[
        "-d",
        dir,
        "signer",
        "new",
        "--name",
        &member,
        "--insecure-fast-kdf",
        "--passphrase-file",
        p,
    ]);
    urne_022(&[
        "-d",
        dir,
        "keygen",
        "--insecure-fast-kdf",
        "--passphrase-file",
        p,
        "--passphrase-file",
        p2,
    ]);
    urne_022(&[
        "-d",
        dir,
        "box",
        "init",
        "--insecure-fast-kdf",
        "--passphrase-file",
        p,
    ]);
    assert_eq!(mode(&d.join("election-key.json")), 0o644);
    assert_eq!(mode(&d.join("box.jsonl")), 0o644);
    let mut sealed = 0;
    for f in files(d) {
        let text = fs::read_to_string(&f).unwrap_or_default();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("pass") || name == "manifest.toml" {
            continue;
        }
        if text.contains("\"urne-sealed/") || name.ends_with(".share") || name.ends_with(".key") {
            assert_eq!(mode(&f), 0o600, "{} is sealed", f.display());
            sealed += 1;
        } else {
            assert_eq!(mode(&f), 0o644, "{} is public", f.display());
        }
    }
    // Two shares, the signer's key and the box key.
    assert!(sealed >= 4, "{sealed} sealed files");
}
