//! The demo's directories, made once per test crate and read-only (copy
//! before changing), and the plain helpers the tamper tests share.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::crash::BIN;

/// The demo's event directory (`urne demo --out`).
pub fn demo_event() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let demo = super::shared_dir("demo").join("demo");
        let o = Command::new(BIN)
            .args(["demo", "--out", demo.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        demo
    })
}

/// The demo's audit pack (`urne audit-pack --out`), what auditors get.
pub fn published() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = super::shared_dir("published").join("published");
        let o = Command::new(BIN)
            .args(["-d", demo_event().to_str().unwrap(), "audit-pack", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    })
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of `from` in a temporary directory.
pub fn copy_of(from: &Path) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(from, t.path());
    t
}

/// Runs `urne verify --json DIR`; returns the exit code and the report.
pub fn verify_json(dir: &Path) -> (i32, Value) {
    let o = Command::new(BIN)
        .args(["verify", "--json"])
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap(), report)
}
