//! Passphrases: held zeroized, never shown, compared in constant time.

use subtle::{ConditionallySelectable, ConstantTimeEq};
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
    #[error("keyholder {index}'s passphrase is the one keyholder {other} chose; each keyholder needs their own")]
    Reused { index: u32, other: u32 },
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
            PassphraseError::Reused { .. } => "E-PASSPHRASE-REUSED",
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
            PassphraseError::Reused { .. } => Some(
                "one keyholder's passphrase must not open another's share; choose another".into(),
            ),
            _ => None,
        }
    }
}

/// The passphrases already chosen in one ceremony, kept only as SHA-256
/// digests (zeroized), so that a keyholder cannot pick one another keyholder
/// chose: one passphrase would then open two shares. Compared in constant time
/// (`subtle`), over all chosen ones every time.
#[derive(Default)]
pub struct ChosenPassphrases(Vec<(u32, Zeroizing<[u8; 32]>)>);

impl ChosenPassphrases {
    /// None chosen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses `p` for keyholder `index` if another keyholder chose it;
    /// otherwise remembers it.
    pub fn choose(&mut self, index: u32, p: &Passphrase) -> Result<(), PassphraseError> {
        let digest = Zeroizing::new(crate::crypto::encoding::sha256(p.as_bytes()));
        let mut other = 0u32;
        for (i, d) in &self.0 {
            let same = d.ct_eq(&*digest);
            other = u32::conditional_select(&other, i, same);
        }
        if other != 0 {
            return Err(PassphraseError::Reused { index, other });
        }
        self.0.push((index, digest));
        Ok(())
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
    fn a_passphrase_chosen_by_another_keyholder_is_refused() {
        let mut chosen = ChosenPassphrases::new();
        chosen
            .choose(1, &Passphrase::new("correct horse battery".into()))
            .unwrap();
        chosen
            .choose(2, &Passphrase::new("another good passphrase".into()))
            .unwrap();
        assert!(matches!(
            chosen.choose(3, &Passphrase::new("another good passphrase".into())),
            Err(PassphraseError::Reused { index: 3, other: 2 })
        ));
        chosen
            .choose(3, &Passphrase::new("a third passphrase".into()))
            .unwrap();
    }

    #[test]
    fn debug_hides_it_and_same_compares() {
        let p = Passphrase::new("correct horse battery".into());
        assert_eq!(format!("{p:?}"), "Passphrase(…)");
        assert!(p.same(&Passphrase::new("correct horse battery".into())));
        assert!(!p.same(&Passphrase::new("correct horse battery!".into())));
    }
}
