//! Passphrases from a person at a terminal (never echoed), or — for rehearsals
//! and tests only — from a file named on the command line.

use std::io::IsTerminal;
use std::path::Path;

use urne::keys::passphrase::{check_new_passphrase, Passphrase, PassphraseError};

fn require_terminal() -> Result<(), PassphraseError> {
    if std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(PassphraseError::NoTerminal)
    }
}

/// Asks once, without echo.
pub fn read_passphrase(prompt: &str) -> Result<Passphrase, PassphraseError> {
    require_terminal()?;
    rpassword::prompt_password(prompt)
        .map(Passphrase::new)
        .map_err(|source| PassphraseError::ReadFailed { source })
}

/// Asks for a new passphrase twice; up to three tries on a mismatch or a
/// too-short one, saying why to stderr.
pub fn read_new_passphrase(who: &str) -> Result<Passphrase, PassphraseError> {
    let mut last = PassphraseError::Mismatch;
    for _ in 0..3 {
        let first = read_passphrase(&format!("New passphrase for {who}: "))?;
        if let Err(e) = check_new_passphrase(&first) {
            eprintln!("{e}.");
            last = e;
            continue;
        }
        let again = read_passphrase("Type it again: ")?;
        if first.same(&again) {
            return Ok(first);
        }
        eprintln!("The two passphrases differ; start again.");
        last = PassphraseError::Mismatch;
    }
    Err(last)
}

/// Reads a passphrase from a file (rehearsals and tests only): the file's
/// contents without one trailing newline.
pub fn read_passphrase_file(path: &Path) -> Result<Passphrase, PassphraseError> {
    let mut s =
        std::fs::read_to_string(path).map_err(|source| PassphraseError::FileUnreadable {
            path: path.display().to_string(),
            source,
        })?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    if s.is_empty() {
        return Err(PassphraseError::EmptyFile {
            path: path.display().to_string(),
        });
    }
    Ok(Passphrase::new(s))
}
