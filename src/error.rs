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

/// A message as one line of plain text: every control character (a newline, a
/// carriage return, an escape sequence's ESC …) written as a Rust escape
/// (`\n`, `\u{1b}`). Messages quote what they refuse, and a refused file's text
/// must neither break the one-line error nor drive the terminal. The shell
/// prints every error through it.
pub fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_quoting_control_characters_stays_one_line() {
        assert_eq!(one_line("a\nb\r\u{1b}[2Jc"), "a\\nb\\r\\u{1b}[2Jc");
        assert_eq!(one_line("Søgne – ok"), "Søgne – ok");
    }
}
