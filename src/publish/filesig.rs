//! Detached signatures of published files (`urne-file-signature/1`), so that
//! each file can be checked on its own, away from the manifest — as Sweden's
//! media files carry a detached signature each under a published key.
//!
//! Beside every content file `NAME`, a publication lists `NAME.sig`: pretty
//! JSON and `\n`,
//!
//! ```text
//! { "format": "urne-file-signature/1", "event": E, "name": NAME,
//!   "sha256": <hex of the file>, "size": <bytes>,
//!   "publisher_key": <base64>, "signature": <base64 of 64 bytes> }
//!
//! message   = H256("urne/v1/published-file"; str(E), str(NAME), bytes(sha256), u64(size))
//! signature = Ed25519(publisher key, message)
//! ```
//!
//! Ed25519 signatures are deterministic (RFC 8032), and the message names no
//! time or sequence: a file whose bytes do not change keeps a byte-identical
//! signature file too, so unchanged figures change no `ETag`. What the file
//! says of its own status (NIST `Status`, the CSV's `stage`) is inside the
//! signed bytes; the signature does not say which publication carried the
//! file (the signed manifest does).

use serde::{Deserialize, Serialize};

use crate::crypto::encoding::{b64_32, from_b64, sha256, Digest32, Transcript};
use crate::publish::store::{PublishedFile, PublisherKey, StoreError};

/// The format tag of a file signature.
pub const FILE_SIGNATURE_FORMAT: &str = "urne-file-signature/1";
/// The domain tag of the message signed for a file.
pub const FILE_SIGNING_TAG: &str = "urne/v1/published-file";
/// What a file's signature adds to its name.
pub const SIGNATURE_SUFFIX: &str = ".sig";
/// The signature file's media type.
pub const SIGNATURE_CONTENT_TYPE: &str = "application/json";

/// A detached signature of one published file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSignature {
    pub format: String,
    pub event: String,
    pub name: String,
    pub sha256: Digest32,
    pub size: u64,
    pub publisher_key: String,
    pub signature: String,
}

/// The 32 bytes signed for a file.
pub fn file_message(event: &str, name: &str, sha: &Digest32, size: u64) -> [u8; 32] {
    let mut t = Transcript::sha256(FILE_SIGNING_TAG);
    t.str(event).str(name).bytes(&sha.0).u64(size);
    t.finish32()
}

/// `NAME.sig` for a file of the event's publication.
pub fn sign_file(key: &PublisherKey, event: &str, file: &PublishedFile) -> PublishedFile {
    let sha = Digest32(sha256(&file.bytes));
    let size = file.bytes.len() as u64;
    let sig = FileSignature {
        format: FILE_SIGNATURE_FORMAT.into(),
        event: event.into(),
        name: file.name.clone(),
        sha256: sha,
        size,
        publisher_key: key.public_b64(),
        signature: key.sign_message(&file_message(event, &file.name, &sha, size)),
    };
    // Serializing this struct cannot fail.
    let mut bytes = serde_json::to_vec_pretty(&sig).unwrap_or_default();
    bytes.push(b'\n');
    PublishedFile {
        name: format!("{}{SIGNATURE_SUFFIX}", file.name),
        bytes,
        content_type: SIGNATURE_CONTENT_TYPE.into(),
    }
}

/// Checks a file against its detached signature: the signature names this
/// file (`name`, hash, size) and, if given, this event and this publisher
/// key, and verifies. Returns the parsed signature.
pub fn verify_file(
    sig_bytes: &[u8],
    name: &str,
    bytes: &[u8],
    event: Option<&str>,
    pinned: Option<&[u8; 32]>,
) -> Result<FileSignature, StoreError> {
    let bad = |detail: String| StoreError::FileSignature {
        name: name.into(),
        detail,
    };
    let sig: FileSignature =
        serde_json::from_slice(sig_bytes).map_err(|e| bad(format!("it does not parse: {e}")))?;
    if sig.format != FILE_SIGNATURE_FORMAT {
        return Err(bad(format!(
            "format {:?} (this urne reads {FILE_SIGNATURE_FORMAT})",
            sig.format
        )));
    }
    if sig.name != name {
        return Err(bad(format!("it signs the file {:?}", sig.name)));
    }
    if let Some(e) = event {
        if sig.event != e {
            return Err(bad(format!("it signs a file of event {:?}", sig.event)));
        }
    }
    let sha = Digest32(sha256(bytes));
    if sig.sha256 != sha || sig.size != bytes.len() as u64 {
        return Err(bad(format!(
            "it signs other bytes ({} bytes, SHA-256 {}) than the file's ({} bytes, SHA-256 {sha})",
            sig.size,
            sig.sha256,
            bytes.len()
        )));
    }
    let key = b64_32(&sig.publisher_key).map_err(|e| bad(format!("publisher_key {e}")))?;
    if let Some(pinned) = pinned {
        if pinned != &key {
            return Err(bad(format!(
                "it is signed by publisher key {}, not by {}",
                sig.publisher_key,
                crate::crypto::encoding::to_b64(pinned)
            )));
        }
    }
    let signature = from_b64(&sig.signature).map_err(|e| bad(format!("signature {e}")))?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, key)
        .verify(&file_message(&sig.event, name, &sha, sig.size), &signature)
        .map_err(|_| bad("the signature does not verify".into()))?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, body: &str) -> PublishedFile {
        PublishedFile {
            name: name.into(),
            bytes: body.as_bytes().to_vec(),
            content_type: "text/csv".into(),
        }
    }

    #[test]
    fn a_file_and_its_signature_check_alone_and_nothing_else_does() {
        let (key, _) = PublisherKey::generate().unwrap();
        let (other, _) = PublisherKey::generate().unwrap();
        let f = file("results.csv", "a,b\n1,2\n");
        let s = sign_file(&key, "ev", &f);
        assert_eq!(s.name, "results.csv.sig");
        // Deterministic: the same file, the same signature bytes.
        assert_eq!(sign_file(&key, "ev", &f).bytes, s.bytes);
        let pinned = key.public_key();
        verify_file(&s.bytes, "results.csv", &f.bytes, Some("ev"), Some(&pinned)).unwrap();
        let code =
            |r: Result<FileSignature, StoreError>| crate::error::Explain::code(&r.unwrap_err());
        for r in [
            verify_file(&s.bytes, "results.csv", b"a,b\n1,3\n", None, None),
            verify_file(&s.bytes, "results.json", &f.bytes, None, None),
            verify_file(&s.bytes, "results.csv", &f.bytes, Some("other"), None),
            verify_file(
                &s.bytes,
                "results.csv",
                &f.bytes,
                None,
                Some(&other.public_key()),
            ),
            verify_file(b"{}", "results.csv", &f.bytes, None, None),
        ] {
            assert_eq!(code(r), "E-PUBLISH-FILE-SIGNATURE");
        }
        // A signature re-pointed at other bytes does not verify.
        let mut forged: FileSignature = serde_json::from_slice(&s.bytes).unwrap();
        let evil = b"a,b\n9,9\n";
        forged.sha256 = Digest32(sha256(evil));
        let forged = serde_json::to_vec(&forged).unwrap();
        let e = verify_file(&forged, "results.csv", evil, None, None).unwrap_err();
        assert!(e.to_string().contains("does not verify"), "{e}");
    }
}
