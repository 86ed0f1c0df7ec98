//! Files at the edges: atomic writes that never overwrite without `--force`,
//! reads whose errors name the file, and file hashes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::Explain;

/// What went wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("{path} already exists; it was not overwritten")]
    FileExists { path: PathBuf },
    #[error("{path} does not exist")]
    NotFound { path: PathBuf },
    #[error("{path} could not be read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not UTF-8 text")]
    NotText { path: PathBuf },
    #[error("{path} could not be written: {source}")]
    Unwritable {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Explain for FsError {
    fn code(&self) -> &'static str {
        match self {
            FsError::FileExists { .. } => "E-FILE-EXISTS",
            FsError::NotFound { .. } => "E-FILE-NOT-FOUND",
            FsError::Unreadable { .. } | FsError::NotText { .. } => "E-FILE-READ",
            FsError::Unwritable { .. } => "E-FILE-WRITE",
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            FsError::FileExists { .. } => Some("pass --force to replace it".into()),
            FsError::NotFound { .. } => {
                Some("check the path, or the event directory given with --dir".into())
            }
            _ => None,
        }
    }
}

fn unwritable(path: &Path) -> impl Fn(std::io::Error) -> FsError + '_ {
    move |source| FsError::Unwritable {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// synced, then renamed over `path` (refused if `path` exists and not `force`),
/// then the directory synced. A reader sees the old file or the new one, never
/// a part; a failure leaves nothing behind.
pub fn write_atomic(path: &Path, bytes: &[u8], force: bool) -> Result<(), FsError> {
    write_atomic_with(path, force, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], with the content written by `write` (buffered), so
/// that a large file need not be held in memory.
pub fn write_atomic_with(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FsError> {
    if !force && path.exists() {
        return Err(FsError::FileExists {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(unwritable(path))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(unwritable(path))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut w).map_err(unwritable(path))?;
        w.flush().map_err(unwritable(path))?;
    }
    tmp.as_file().sync_all().map_err(unwritable(path))?;
    if force {
        tmp.persist(path).map_err(|e| unwritable(path)(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                FsError::FileExists {
                    path: path.to_path_buf(),
                }
            } else {
                unwritable(path)(e.error)
            }
        })?;
    }
    // Make the rename durable; not every platform lets a directory be synced.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn read_err(path: &Path, e: std::io::Error) -> FsError {
    if e.kind() == std::io::ErrorKind::NotFound {
        FsError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        FsError::Unreadable {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    std::fs::read(path).map_err(|e| read_err(path, e))
}

/// Reads a whole text file.
pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    String::from_utf8(read(path)?).map_err(|_| FsError::NotText {
        path: path.to_path_buf(),
    })
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(crate::crypto::encoding::sha256(bytes))
}

/// A reader that computes the SHA-256 of every byte read through it, so that a
/// file can be parsed and hashed in one read (what is hashed is what was parsed).
struct HashingReader<R> {
    inner: R,
    ctx: ring::digest::Context,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            ctx: ring::digest::Context::new(&ring::digest::SHA256),
        }
    }

    /// Reads whatever the parser left unread, then gives the SHA-256 of all of
    /// it, lowercase hex.
    pub fn finish(mut self) -> std::io::Result<String> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(hex::encode(self.ctx.finish().as_ref()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ctx.update(&buf[..n]);
        Ok(n)
    }
}

/// Reads a file once through `parse` and gives what it returns with the
/// SHA-256 (lowercase hex) of the whole file, the bytes `parse` left unread
/// included: what is hashed is what was parsed.
pub fn read_hashed<T>(
    path: &Path,
    parse: impl FnOnce(&mut dyn Read) -> T,
) -> Result<(T, String), FsError> {
    let f = std::fs::File::open(path).map_err(|e| read_err(path, e))?;
    let mut reader = HashingReader::new(std::io::BufReader::with_capacity(1 << 20, f));
    let parsed = parse(&mut reader);
    let hash = reader.finish().map_err(|e| read_err(path, e))?;
    Ok((parsed, hash))
}

/// SHA-256 of a file, streamed, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, FsError> {
    read_hashed(path, |_| ()).map(|((), hash)| hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force_and_replaces_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        write_atomic(&p, b"one", false).unwrap();
        assert!(matches!(
            write_atomic(&p, b"two", false),
            Err(FsError::FileExists { .. })
        ));
        assert_eq!(read_to_string(&p).unwrap(), "one");
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(read_to_string(&p).unwrap(), "two");
        // No temporary files are left behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
    }

    #[test]
    fn missing_files_are_named() {
        let e = read_to_string(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.toml"));
        assert_eq!(e.code(), "E-FILE-NOT-FOUND");
    }

    #[test]
    fn file_hash_equals_bytes_hash() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex(b"abc"), sha256_file(&p).unwrap());
    }
}
