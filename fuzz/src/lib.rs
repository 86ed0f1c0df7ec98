//! What the fuzz targets share: the example event (manifest and key) the
//! inputs are read against, and the invariants every refusal must keep.
//!
//! Every target states its invariants at the top. Common to all: no panic; an
//! input over a size limit is refused, not read; a refusal is one line with a
//! stable code (`E-…`) that names the file, and, for line-based formats and
//! JSON syntax, the line.

use std::fmt::Display;
use std::sync::OnceLock;

use urne::error::{one_line, Explain};
use urne::event::Manifest;
use urne::keys::ElectionKey;

/// The name inputs are read under; every refusal must name it.
pub const FILE: &str = "fuzz-input";

/// The example event's manifest (examples/event/manifest.toml).
pub fn manifest() -> &'static Manifest {
    static M: OnceLock<Manifest> = OnceLock::new();
    M.get_or_init(|| {
        Manifest::parse(
            include_str!("../../examples/event/manifest.toml"),
            "manifest.toml",
        )
        .expect("the example manifest parses")
    })
}

/// The example election key (keys-example/election-key.json).
pub fn key() -> &'static ElectionKey {
    static K: OnceLock<ElectionKey> = OnceLock::new();
    K.get_or_init(|| {
        ElectionKey::from_json(
            include_str!("../../keys-example/election-key.json"),
            "election-key.json",
        )
        .expect("the example key parses")
    })
}

/// Checks a refusal: a stable `E-` code, one line, the file named. Returns
/// the message for further checks.
pub fn refused<E: Explain + Display>(e: &E) -> String {
    let msg = e.to_string();
    let code = e.code();
    assert!(
        code.starts_with("E-") && code.len() > 2,
        "unstable code {code:?} for {msg}"
    );
    // The message may quote the input, control characters and all; the shell
    // prints it through `one_line`, which must make it one line of text.
    let shown = one_line(&msg);
    assert!(
        !shown.chars().any(char::is_control),
        "a refusal is one line: {shown:?}"
    );
    assert!(msg.contains(FILE), "the refusal names the file: {msg}");
    msg
}

/// Like [`refused`], and the message names a line (`line N`).
pub fn refused_at_line<E: Explain + Display>(e: &E) -> String {
    let msg = refused(e);
    assert!(names_line(&msg), "the refusal names a line: {msg}");
    msg
}

/// Whether `msg` names a line: `line ` followed by a digit.
pub fn names_line(msg: &str) -> bool {
    msg.match_indices("line ")
        .any(|(i, _)| msg[i + 5..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Whether the input is text; most formats are UTF-8 and the targets give a
/// non-UTF-8 input to the byte-level reader where there is one.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Parses `bytes` as JSON `T`; if it parses, writing it and parsing that
/// gives the same value, and writing that gives the same bytes.
pub fn json_round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let written = serde_json::to_vec(value).expect("a parsed value can be written");
    let again: T = serde_json::from_slice(&written).expect("what was written parses");
    assert_eq!(&again, value, "parse → write → parse changed the value");
    let rewritten = serde_json::to_vec(&again).expect("writes");
    assert_eq!(written, rewritten, "write is not a fixed point");
}
