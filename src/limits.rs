//! Size limits on input: every reader caps the size of a file and of a line
//! (and the manifest the size of a text field) where a real file never comes
//! near, so that a wrong or hostile file is refused with one line instead of
//! filling memory. Each refusal is [`TooLarge`], code `E-TOO-LARGE`
//! (docs/SPEC.md, "Size limits", lists every limit).

use std::io::Read;

use crate::error::Explain;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// Any file read whole (a ceiling for the formats without a tighter limit).
pub const FILE_BYTES: usize = 1024 * MIB;
/// `manifest.toml`, and the result server's configuration.
pub const MANIFEST_BYTES: usize = MIB;
/// A text field of the manifest: the title, the authority, an area, a
/// question, an option, a keyholder's or a leadership member's name.
pub const TEXT_FIELD_BYTES: usize = 4 * KIB;
/// A small JSON file: the election key, a sealed file, a key test, a signer's
/// public key, a protocol's signatures, a publication manifest or signature.
pub const SMALL_JSON_BYTES: usize = MIB;
/// A JSON file that grows with the referendums, not with the voters: the
/// tally, a partial decryption, a protocol, the postal count.
pub const JSON_FILE_BYTES: usize = 64 * MIB;
/// The postal trial file, which lists a decision per envelope.
pub const TRIAL_BYTES: usize = 1024 * MIB;
/// The ceremony log.
pub const LOG_BYTES: usize = 64 * MIB;
/// A line of the ceremony log.
pub const LOG_LINE_BYTES: usize = MIB;
/// A line of the ballot box (a header, a ballot record or the seal). A ballot
/// of 64 options is about 40 KiB.
pub const BOX_LINE_BYTES: usize = 256 * KIB;
/// A line of a CSV input: the roll, the register, the marked roll, received
/// envelopes, count entries, explanations.
pub const CSV_LINE_BYTES: usize = 64 * KIB;

/// A file's limit with what it is for, for readers that take one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub bytes: usize,
    pub what: &'static str,
}

/// `tally.json`.
pub const TALLY: Limit = Limit {
    bytes: JSON_FILE_BYTES,
    what: "a tally file",
};
/// `postal-trial.json`.
pub const POSTAL_TRIAL: Limit = Limit {
    bytes: TRIAL_BYTES,
    what: "a postal trial file",
};
/// `postal-count.json`.
pub const POSTAL_COUNT: Limit = Limit {
    bytes: JSON_FILE_BYTES,
    what: "a postal count file",
};
/// A protocol's signatures file.
pub const SIGNATURES: Limit = Limit {
    bytes: SMALL_JSON_BYTES,
    what: "a signatures file",
};
/// A signer's public key file.
pub const SIGNER: Limit = Limit {
    bytes: SMALL_JSON_BYTES,
    what: "a signer's public key file",
};

/// An input over its limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, {record}: larger than {limit} bytes, the limit for {what}")]
pub struct TooLarge {
    /// The file, as named in errors.
    pub file: String,
    /// Where: `the file`, `line N` or `field NAME`.
    pub record: String,
    pub limit: usize,
    /// What the limit is for ("a manifest", "a box line", …).
    pub what: &'static str,
}

impl Explain for TooLarge {
    fn code(&self) -> &'static str {
        "E-TOO-LARGE"
    }

    fn hint(&self) -> Option<String> {
        Some(
            "a real file is far smaller: check that this is the right file (urne help limits)"
                .into(),
        )
    }
}

impl TooLarge {
    /// The whole file is over `limit`.
    pub fn file(file: &str, limit: usize, what: &'static str) -> TooLarge {
        TooLarge {
            file: file.into(),
            record: "the file".into(),
            limit,
            what,
        }
    }

    /// Line `line` (1-based) is over `limit`.
    pub fn line(file: &str, line: u64, limit: usize, what: &'static str) -> TooLarge {
        TooLarge {
            file: file.into(),
            record: format!("line {line}"),
            limit,
            what,
        }
    }

    /// As an I/O error, for readers whose callers see only I/O errors (the
    /// CSV reader); [`TooLarge::find`] takes it out again.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, self)
    }

    /// The [`TooLarge`] inside an I/O error made by [`TooLarge::into_io`].
    pub fn from_io(e: &std::io::Error) -> Option<&TooLarge> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<TooLarge>())
    }

    /// The [`TooLarge`] inside a CSV reader's error, if that is what it is.
    pub fn from_csv(e: &csv::Error) -> Option<TooLarge> {
        match e.kind() {
            csv::ErrorKind::Io(io) => Self::from_io(io).cloned(),
            _ => None,
        }
    }
}

/// Refuses `text` if it is over `limit`.
pub fn check_size(
    file: &str,
    len: usize,
    limit: usize,
    what: &'static str,
) -> Result<(), TooLarge> {
    if len > limit {
        Err(TooLarge::file(file, limit, what))
    } else {
        Ok(())
    }
}

/// A reader that fails with [`TooLarge`] (as an I/O error, see
/// [`TooLarge::into_io`]) as soon as a line, or the whole input, is over its
/// limit, so that a line-based parser above it never buffers more.
pub struct LineLimited<R> {
    inner: R,
    file: String,
    line_limit: usize,
    what: &'static str,
    /// Bytes of the current line so far.
    in_line: usize,
    /// Lines finished so far.
    lines: u64,
}

impl<R: Read> LineLimited<R> {
    /// Wraps `inner`, named `file` in errors, with lines of at most
    /// `line_limit` bytes (the terminator not counted).
    pub fn new(inner: R, file: &str, line_limit: usize, what: &'static str) -> Self {
        LineLimited {
            inner,
            file: file.into(),
            line_limit,
            what,
            in_line: 0,
            lines: 0,
        }
    }
}

impl<R: Read> Read for LineLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.lines += 1;
                self.in_line = 0;
            } else if b != b'\r' {
                self.in_line += 1;
                if self.in_line > self.line_limit {
                    return Err(TooLarge::line(
                        &self.file,
                        self.lines + 1,
                        self.line_limit,
                        self.what,
                    )
                    .into_io());
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_refused_with_its_number() {
        let text = format!("ok\n{}\n", "x".repeat(100));
        let mut r = LineLimited::new(text.as_bytes(), "roll.csv", 10, "a CSV line");
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        let t = TooLarge::from_io(&e).unwrap();
        assert_eq!(t.record, "line 2");
        assert_eq!(
            t.to_string(),
            "roll.csv, line 2: larger than 10 bytes, the limit for a CSV line"
        );
        assert_eq!(t.code(), "E-TOO-LARGE");
        let mut r = LineLimited::new(&b"0123456789\r\n0123456789"[..], "f", 10, "x");
        r.read_to_end(&mut out).unwrap();
    }
}
