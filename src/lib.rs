//! urne — a threshold-encrypted electronic ballot box and the count around it.
//!
//! The library's modules follow the election's own processes, over a small
//! cryptographic core:
//!
//! - [`event`]: the event manifest (TOML) and the electoral roll (CSV).
//! - [`keys`]: the key ceremony (Shamir t-of-n with Feldman commitments), sealed
//!   share files, the key test.
//! - [`ballot`]: ballot encryption and its proofs.
//! - [`credentials`]: voter credentials — codes, keys, the public list and
//!   the ballot signatures that keep the box operator from stuffing.
//! - [`ballot_box`]: the append-only, hash-chained, sealed ballot box, its
//!   state, its intake and its ballot trackers.
//! - [`box_service`]: the receiving service (`urne box serve`).
//! - [`tally`]: the e-vote counting rules, the homomorphic sum, partial decryption
//!   and combination.
//! - [`publish`]: the signed, content-addressed publication store.
//! - [`serve`]: the result server (`urne serve`) and the newsroom client
//!   (`urne fetch`) over a publication directory.
//! - [`ceremony_log`]: the chained log of every ceremony step.
//! - [`publish`]: the result files for media and the public (NIST SP 1500-100
//!   JSON and XML, CSV, a static HTML page).
//! - [`i18n`]: the words people read, one Fluent file per language
//!   (`i18n/<tag>/urne.ftl`), and times in the event's time zone.
//! - [`simulate`]: test events of any size.
//! - [`limits`]: the size limits every reader applies.
//! - [`timestamp`]: the one strict RFC 3339 grammar every time in a file is read with.
//! - [`crypto`]: group encoding, hashing, ElGamal, proofs, Shamir, discrete log.
//!
//! Counting rules and cryptography are pure: values in, values out. Files are
//! read and written at the edges ([`fsio`]) and by the command-line shell.
#![forbid(unsafe_code)]

pub mod ballot;
pub mod ballot_box;
pub mod box_service;
pub mod ceremony_log;
pub mod credentials;
pub mod crypto;
pub mod error;
pub mod event;
pub mod fsio;
pub mod i18n;
pub mod input_hints;
pub mod keys;
pub mod limits;
pub mod postal;
pub mod protocol;
pub mod publish;
pub mod serve;
pub mod simulate;
pub mod tally;
pub mod timestamp;
pub mod verify;
