//! Running the `urne` binary in an event directory, and reading its result.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_urne");

/// The repository (examples/, keys-example/).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `urne -d DIR ARGS…`, run to its end.
pub fn urne(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("-d")
        .arg(dir)
        .args(args)
        .output()
        .expect("the urne binary runs")
}

/// The exit status and both streams, for an assertion's message.
pub fn show(o: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `urne unlock` of a simulated event: both keyholders' shares from
/// `DIR/shares/`, opened with `p1` and `p2`; `extra` first (e.g. `--force`).
pub fn unlock_simulated(dir: &Path, p1: &Path, p2: &Path, extra: &[&str]) -> Output {
    let s1 = dir.join("shares/keyholder-1.share");
    let s2 = dir.join("shares/keyholder-2.share");
    let mut args = vec!["unlock"];
    args.extend_from_slice(extra);
    args.extend([
        "--share",
        s1.to_str().unwrap(),
        "--share",
        s2.to_str().unwrap(),
        "--passphrase-file",
        p1.to_str().unwrap(),
        "--passphrase-file",
        p2.to_str().unwrap(),
    ]);
    urne(dir, &args)
}

pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "expected success, {}", show(o));
}
