//! What every error in urne can say about itself.
//!
//! Each module has its own error enum (with `thiserror`), carrying the data that
//! explains the failure: the file, the record, the rule. Its `Display` is one
//! sentence a keyholder understands. [`Explain`] adds the stable code (documented
//! once, in docs/SPEC.md, "Error and check codes") and a hint on what to do.

/// A stable code and an optional hint for an error.
pub trait Explain: std::error::Error {
    /// A stable code such as `E-SHARE-PASSPHRASE`, documented in docs/SPEC.md.
    fn code(&self) -> &'static str;
    /// What the person in front of the terminal can do about it, if anything.
    fn hint(&self) -> Option<String> {
        None
    }
}
