//! What several test files share. Each test crate uses only some of it.
#![allow(dead_code)]

pub mod box_serve;
pub mod cli;
pub mod crash;
pub mod credentials;
pub mod demo;
pub mod library;
pub mod tmux;

use std::path::{Path, PathBuf};

/// A fresh directory for what a test crate makes once and its tests share
/// (the demo's directories, say), named `what`. A `TempDir` in a `static` is
/// never dropped, so each run of a test crate left its copy of the demo in
/// the system's temporary directory (34 MB each, hundreds of them on a
/// machine that runs the suite often). These live under Cargo's
/// `target/tmp` instead, one directory per test process, and each new one
/// first removes those of processes that no longer run (on Linux, where
/// `/proc` says which do).
pub fn shared_dir(what: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shared-test-dirs");
    std::fs::create_dir_all(&root).unwrap();
    if Path::new("/proc/self").exists() {
        for e in std::fs::read_dir(&root).unwrap().flatten() {
            let name = e.file_name();
            let pid = name
                .to_str()
                .and_then(|n| n.split('-').next()?.parse::<u32>().ok());
            if let Some(pid) = pid {
                if !Path::new("/proc").join(pid.to_string()).exists() {
                    // Another process may be removing it too.
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
    let dir = root.join(format!("{}-{what}", std::process::id()));
    // Left by an earlier process with this id (ids are reused).
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
