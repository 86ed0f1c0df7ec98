//! Passphrases from a person at a terminal (never echoed), or — for rehearsals
//! and tests only — from a file named on the command line.

use std::io::IsTerminal;
use std::path::Path;

use urne::keys::passphrase::{check_new_passphrase, Passphrase, PassphraseError};
use zeroize::Zeroizing;

use super::say::tr;

fn require_terminal() -> Result<(), PassphraseError> {
    if std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(PassphraseError::NoTerminal)
    }
}

/// Asks once, without echo.
///
/// Echo is turned off, and whatever was typed ahead is discarded, *before*
/// the prompt is shown: a keyholder who starts typing while the previous
/// keyholder's share is still being opened (seconds of Argon2) must not see
/// their passphrase echoed in front of the observers, and what they typed
/// before being asked is not taken as their answer.
pub fn read_passphrase(prompt: &str) -> Result<Passphrase, PassphraseError> {
    require_terminal()?;
    read_hidden(prompt)
        // The string's buffer moves into the passphrase; nothing is copied.
        .map(|mut s| Passphrase::new(std::mem::take(&mut *s)))
        .map_err(|source| PassphraseError::ReadFailed { source })
}

/// One line from the terminal without echo, echo turned off and type-ahead
/// discarded before the prompt is shown (as for a passphrase), held
/// zeroized. The caller has checked that standard input is a terminal.
pub fn read_hidden(prompt: &str) -> std::io::Result<Zeroizing<String>> {
    let _quiet = quiet_terminal();
    rpassword::prompt_password(prompt).map(Zeroizing::new)
}

/// Keeps the terminal's echo off until the guard is dropped, for a phase in
/// which several people type in turn while the program works in between
/// (the unlock: each share is opened, seconds of Argon2, before the next
/// keyholder is asked). Each prompt still discards what was typed ahead.
/// `None` when standard input is not a terminal.
pub fn hold_quiet() -> Option<impl Drop> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    quiet_terminal()
}

/// The terminal with echo off and its pending input discarded, restored
/// when dropped. Best effort: where the terminal cannot be set (no
/// `/dev/tty`), rpassword still turns echo off while it reads.
#[cfg(unix)]
struct QuietTerminal {
    tty: std::fs::File,
    before: rustix::termios::Termios,
}

#[cfg(unix)]
fn quiet_terminal() -> Option<QuietTerminal> {
    use rustix::termios::{
        tcflush, tcgetattr, tcsetattr, LocalModes, OptionalActions, QueueSelector,
    };
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let before = tcgetattr(&tty).ok()?;
    let mut quiet = before.clone();
    quiet
        .local_modes
        .remove(LocalModes::ECHO | LocalModes::ECHONL);
    tcsetattr(&tty, OptionalActions::Now, &quiet).ok()?;
    let _ = tcflush(&tty, QueueSelector::IFlush);
    Some(QuietTerminal { tty, before })
}

#[cfg(unix)]
impl Drop for QuietTerminal {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(
            &self.tty,
            rustix::termios::OptionalActions::Now,
            &self.before,
        );
    }
}

#[cfg(not(unix))]
struct QuietTerminal;

#[cfg(not(unix))]
impl Drop for QuietTerminal {
    fn drop(&mut self) {}
}

#[cfg(not(unix))]
fn quiet_terminal() -> Option<QuietTerminal> {
    None
}

/// Asks for a new passphrase twice; up to three tries on a mismatch or a
/// too-short one, saying why to stderr.
pub fn read_new_passphrase(who: &str) -> Result<Passphrase, PassphraseError> {
    let mut last = PassphraseError::Mismatch;
    for _ in 0..3 {
        let first = read_passphrase(&format!("{} ", tr!("passphrase-new", who = who)))?;
        if let Err(e) = check_new_passphrase(&first) {
            eprintln!("{}", refusal(&e));
            last = e;
            continue;
        }
        let again = read_passphrase(&format!("{} ", tr!("passphrase-again")))?;
        if first.same(&again) {
            return Ok(first);
        }
        eprintln!("{}", tr!("passphrase-differ"));
        last = PassphraseError::Mismatch;
    }
    Err(last)
}

/// Why a new passphrase is refused, as the person typing it reads it (in
/// the event's language).
pub fn refusal(e: &PassphraseError) -> String {
    match e {
        PassphraseError::TooShort { min } => tr!("passphrase-too-short", min = *min),
        PassphraseError::Blank => tr!("passphrase-blank"),
        PassphraseError::Mismatch => tr!("passphrase-differ"),
        PassphraseError::Reused { other, .. } => tr!("passphrase-reused", other = *other),
        other => format!("{other}."),
    }
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
