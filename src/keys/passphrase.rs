//! Passphrases: held zeroized, never shown, compared in constant time.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::Explain;

/// The shortest passphrase accepted for a new secret, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// A passphrase. Zeroized when dropped; `Debug` never shows it; no `Display`.
pub struct Passphrase(Zeroizing<String>);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

impl Passphrase {
    /// Wraps a passphrase (the caller's `String` moves in and is zeroized here).
    pub fn new(s: String) -> Self {
        Passphrase(Zeroizing::new(s))
    }

    /// The passphrase's bytes, for the key derivation.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Constant-time equality, for "type it again".
    pub fn same(&self, other: &Passphrase) -> bool {
        bool::from(self.as_bytes().ct_eq(other.as_bytes()))
    }
}

/// Why a passphrase could not be had or is refused.
#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    #[error("the passphrase is too short: at least {min} characters are needed")]
    TooShort { min: usize },
    #[error("the passphrase is only spaces")]
    Blank,
    #[error("the two passphrases typed differ")]
    Mismatch,
    #[error("there is no terminal to ask for the passphrase")]
    NoTerminal,
    #[error("the passphrase could not be read: {source}")]
    ReadFailed { source: std::io::Error },
    #[error("the passphrase file {path} is empty")]
    EmptyFile { path: String },
    #[error("the passphrase file {path} could not be read: {source}")]
    FileUnreadable {
        path: String,
        source: std::io::Error,
    },
}

impl Explain for PassphraseError {
    fn code(&self) -> &'static str {
        match self {
            PassphraseError::TooShort { .. } | PassphraseError::Blank => "E-PASSPHRASE-SHORT",
            PassphraseError::Mismatch => "E-PASSPHRASE-MISMATCH",
            PassphraseError::NoTerminal => "E-PASSPHRASE-NO-TERMINAL",
            PassphraseError::ReadFailed { .. } => "E-PASSPHRASE-READ",
            PassphraseError::EmptyFile { .. } | PassphraseError::FileUnreadable { .. } => {
                "E-PASSPHRASE-FILE"
            }
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            PassphraseError::NoTerminal => Some(
                "run it in a terminal; for rehearsals and tests only, give --passphrase-file"
                    .into(),
            ),
            PassphraseError::TooShort { .. } | PassphraseError::Blank => {
                Some("a few unrelated words make a strong passphrase that is easy to type".into())
            }
            _ => None,
        }
    }
}

/// Checks a new passphrase: at least [`MIN_PASSPHRASE_CHARS`] characters, not
/// only whitespace.
pub fn check_new_passphrase(p: &Passphrase) -> Result<(), PassphraseError> {
    let s = std::str::from_utf8(p.as_bytes()).unwrap_or("");
    if s.trim().is_empty() {
        return Err(PassphraseError::Blank);
    }
    if s.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(PassphraseError::TooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_blank_is_refused() {
        assert!(check_new_passphrase(&Passphrase::new("æøåæøåæøåæøå".into())).is_ok());
        assert!(matches!(
            check_new_passphrase(&Passphrase::new("short".into())),
            Err(PassphraseError::TooShort { min: 12 })
        ));
        assert!(matches!(
            check_new_passphrase(&Passphrase::new("              ".into())),
            Err(PassphraseError::Blank)
        ));
    }

    #[test]
    fn debug_hides_it_and_same_compares() {
        let p = Passphrase::new("correct horse battery".into());
        assert_eq!(format!("{p:?}"), "Passphrase(…)");
        assert!(p.same(&Passphrase::new("correct horse battery".into())));
        assert!(!p.same(&Passphrase::new("correct horse battery!".into())));
    }
}
