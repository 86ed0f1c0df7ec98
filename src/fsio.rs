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
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
}

impl Explain for FsError {
    fn code(&self) -> &'static str {
        match self {
            FsError::FileExists { .. } => "E-FILE-EXISTS",
            FsError::NotFound { .. } => "E-FILE-NOT-FOUND",
            FsError::Unreadable { .. } | FsError::NotText { .. } => "E-FILE-READ",
            FsError::Unwritable { .. } => "E-FILE-WRITE",
            FsError::TooLarge(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            FsError::FileExists { .. } => Some("pass --force to replace it".into()),
            FsError::NotFound { .. } => {
                Some("check the path, or the event directory given with --dir".into())
            }
            FsError::TooLarge(e) => e.hint(),
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

/// Who may read a file urne writes. Every atomic write names one, so that no
/// writer decides by omission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// A public artifact (the manifest, the key file, the box, protocols, the
    /// audit pack, publications): created with mode 0666 less the umask, so
    /// 0644 under the usual umask 022, readable by a web server or from a
    /// shared drive.
    Public,
    /// A secret or anything sealed (share files, sealed seeds and keys, the
    /// box signing key, signer and publisher keys): mode 0600 whatever the
    /// umask.
    Secret,
}

/// What marks urne's temporary files: `.NAME.urne-tmp-PID-XXXXXX` beside the
/// target `NAME`, so that one left by a killed run can be recognised, told
/// apart from a live writer's (by its process id) and removed.
pub const TEMP_MARK: &str = ".urne-tmp-";

/// The stale temporary files this process removed, for the shell to report.
static STALE_REMOVED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Takes the list of stale temporary files removed so far (each left by an
/// interrupted earlier run), for the shell to say so.
pub fn take_stale_removed() -> Vec<PathBuf> {
    match STALE_REMOVED.lock() {
        Ok(mut v) => std::mem::take(&mut *v),
        Err(p) => std::mem::take(&mut *p.into_inner()),
    }
}

/// The temporary-file prefix for a target file name: `.NAME.urne-tmp-`, the
/// name cut to 100 bytes (at a character boundary) so that the whole stays
/// within a file system's 255-byte name limit.
fn temp_prefix(name: &str) -> String {
    let mut cut = name.len().min(100);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(".{}{TEMP_MARK}", &name[..cut])
}

/// Whether the process `pid` is alive. Where that cannot be told (no /proc),
/// no process is taken to be alive, so that a stale file is always removed.
fn process_alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the temporary files beside `path` that an earlier, interrupted
/// write of the same file left (`.NAME.urne-tmp-PID-…` whose process is no
/// longer running); each is recorded for [`take_stale_removed`]. Returns
/// what it removed.
pub fn remove_stale_temps(path: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (parent_dir(path), path.file_name()) else {
        return Vec::new();
    };
    let prefix = temp_prefix(&name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(process_alive) {
            continue;
        }
        let p = entry.path();
        if std::fs::remove_file(&p).is_ok() {
            removed.push(p);
        }
    }
    if !removed.is_empty() {
        match STALE_REMOVED.lock() {
            Ok(mut v) => v.extend(removed.iter().cloned()),
            Err(p) => p.into_inner().extend(removed.iter().cloned()),
        }
    }
    removed
}

/// Removes every stale temporary file directly in `dir`, whatever target it
/// was for (`.NAME.urne-tmp-PID-…` whose process is no longer running); each
/// is recorded for [`take_stale_removed`]. For a directory whose file names
/// are not known in advance, such as a publication's content-addressed
/// objects: a killed write of an object the next run never writes again would
/// otherwise stay. The caller must hold the directory's writers' lock.
pub fn remove_stale_temps_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let Some(at) = name.find(TEMP_MARK) else {
            continue;
        };
        if !name.starts_with('.') {
            continue;
        }
        let rest = &name[at + TEMP_MARK.len()..];
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_none() || pid.is_some_and(process_alive) {
            continue;
        }
        let p = entry.path();
        if p.is_file() && std::fs::remove_file(&p).is_ok() {
            removed.push(p);
        }
    }
    if !removed.is_empty() {
        match STALE_REMOVED.lock() {
            Ok(mut v) => v.extend(removed.iter().cloned()),
            Err(p) => p.into_inner().extend(removed.iter().cloned()),
        }
    }
    removed
}

fn parent_dir(path: &Path) -> Option<PathBuf> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => Some(p.to_path_buf()),
        Some(_) => Some(PathBuf::from(".")),
        None => None,
    }
}

/// A file being written atomically: a recognisably named temporary file
/// beside the target (see [`TEMP_MARK`]), with the mode its [`Visibility`]
/// asks for, renamed over the target by [`AtomicFile::commit`]. Dropped
/// without a commit (an error on the way), the temporary file is removed; a
/// process killed meanwhile leaves it, and the next write of the same target
/// removes it ([`remove_stale_temps`]).
pub struct AtomicFile {
    path: PathBuf,
    dir: PathBuf,
    force: bool,
    tmp: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (refused if it exists and not `force`).
    pub fn create(path: &Path, force: bool, visibility: Visibility) -> Result<Self, FsError> {
        AtomicFile::start(path, force, visibility, true)
    }

    /// [`AtomicFile::create`] in a directory the caller has already swept
    /// with [`remove_stale_temps_in`] under its writers' lock: no scan of the
    /// directory for this target's stale temporary files, which for a
    /// directory of thousands of files written one by one (a publication's
    /// objects) would make the writes quadratic.
    pub fn create_in_swept(
        path: &Path,
        force: bool,
        visibility: Visibility,
    ) -> Result<Self, FsError> {
        AtomicFile::start(path, force, visibility, false)
    }

    fn start(
        path: &Path,
        force: bool,
        visibility: Visibility,
        sweep: bool,
    ) -> Result<Self, FsError> {
        if !force && path.exists() {
            return Err(FsError::FileExists {
                path: path.to_path_buf(),
            });
        }
        let dir = parent_dir(path).unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir).map_err(unwritable(path))?;
        if sweep {
            remove_stale_temps(path);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!("{}{}-", temp_prefix(&name), std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).rand_bytes(6);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = match visibility {
                // The umask applies at creation, as for any file a program makes.
                Visibility::Public => 0o666,
                Visibility::Secret => 0o600,
            };
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        #[cfg(not(unix))]
        let _ = visibility;
        let tmp = builder.tempfile_in(&dir).map_err(unwritable(path))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            dir,
            force,
            tmp: std::io::BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the temporary file over the target (refused
    /// if the target appeared meanwhile and not `force`), then syncs the
    /// directory.
    pub fn commit(self) -> Result<(), FsError> {
        let path = self.path;
        let tmp = self
            .tmp
            .into_inner()
            .map_err(|e| unwritable(&path)(e.into_error()))?;
        tmp.as_file().sync_all().map_err(unwritable(&path))?;
        if self.force {
            tmp.persist(&path).map_err(|e| unwritable(&path)(e.error))?;
        } else {
            tmp.persist_noclobber(&path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    FsError::FileExists { path: path.clone() }
                } else {
                    unwritable(&path)(e.error)
                }
            })?;
        }
        // Make the rename durable; not every platform lets a directory be synced.
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.tmp.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// synced, then renamed over `path` (refused if `path` exists and not `force`),
/// then the directory synced. A reader sees the old file or the new one, never
/// a part; a failure leaves nothing behind. The mode follows `visibility`.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    force: bool,
    visibility: Visibility,
) -> Result<(), FsError> {
    write_atomic_with(path, force, visibility, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], with the content written by `write` (buffered), so
/// that a large file need not be held in memory.
pub fn write_atomic_with(
    path: &Path,
    force: bool,
    visibility: Visibility,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), FsError> {
    let mut f = AtomicFile::create(path, force, visibility)?;
    write(&mut f).map_err(unwritable(path))?;
    f.commit()
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

/// Reads a whole file, of at most [`crate::limits::FILE_BYTES`] (no file urne
/// reads whole comes near it; the formats with a tighter limit use
/// [`read_limited`]).
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    read_limited(path, crate::limits::FILE_BYTES, "a file urne reads whole")
}

/// Reads a whole text file.
pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    String::from_utf8(read(path)?).map_err(|_| FsError::NotText {
        path: path.to_path_buf(),
    })
}

/// Reads a whole file of at most `limit` bytes (`what` names the limit in the
/// refusal, [`crate::limits::TooLarge`]); never reads more than that.
pub fn read_limited(path: &Path, limit: usize, what: &'static str) -> Result<Vec<u8>, FsError> {
    let f = std::fs::File::open(path).map_err(|e| read_err(path, e))?;
    let mut bytes = Vec::new();
    f.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_err(path, e))?;
    if bytes.len() > limit {
        return Err(crate::limits::TooLarge::file(&path.display().to_string(), limit, what).into());
    }
    Ok(bytes)
}

/// Reads a whole text file of at most `limit` bytes, as [`read_limited`].
pub fn read_to_string_limited(
    path: &Path,
    limit: usize,
    what: &'static str,
) -> Result<String, FsError> {
    String::from_utf8(read_limited(path, limit, what)?).map_err(|_| FsError::NotText {
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
    read_hashed_counting(path, &|_| {}, parse)
}

/// [`read_hashed`], calling `on_bytes` with the number of bytes read so far
/// (for a progress bar: the library never prints).
pub fn read_hashed_counting<T>(
    path: &Path,
    on_bytes: &dyn Fn(u64),
    parse: impl FnOnce(&mut dyn Read) -> T,
) -> Result<(T, String), FsError> {
    let f = std::fs::File::open(path).map_err(|e| read_err(path, e))?;
    let counted = CountingReader::new(f, on_bytes);
    let mut reader = HashingReader::new(std::io::BufReader::with_capacity(1 << 20, counted));
    let parsed = parse(&mut reader);
    let hash = reader.finish().map_err(|e| read_err(path, e))?;
    Ok((parsed, hash))
}

/// SHA-256 of a file, streamed, lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, FsError> {
    sha256_file_counting(path, &|_| {})
}

/// [`sha256_file`], calling `on_bytes` with the number of bytes read so far.
pub fn sha256_file_counting(path: &Path, on_bytes: &dyn Fn(u64)) -> Result<String, FsError> {
    read_hashed_counting(path, on_bytes, |_| ()).map(|((), hash)| hash)
}

/// A reader that calls back with the number of bytes read through it so far,
/// so that a shell can show how far a long read has come.
pub struct CountingReader<'a, R> {
    inner: R,
    passed: u64,
    on_bytes: &'a dyn Fn(u64),
}

impl<'a, R: Read> CountingReader<'a, R> {
    pub fn new(inner: R, on_bytes: &'a dyn Fn(u64)) -> Self {
        CountingReader {
            inner,
            passed: 0,
            on_bytes,
        }
    }
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.passed += n as u64;
            (self.on_bytes)(self.passed);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counting_reader_reports_every_byte_read_and_the_hash_covers_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("roll.csv");
        let body = vec![b'x'; 3 << 20];
        std::fs::write(&p, &body).unwrap();
        let seen = std::cell::Cell::new(Vec::new());
        let on = |n: u64| {
            let mut v = seen.take();
            v.push(n);
            seen.set(v);
        };
        // The parser reads only a little: the rest is read to hash it, and
        // counted too.
        let (first, hash) = read_hashed_counting(&p, &on, |r| {
            let mut b = [0u8; 10];
            r.read_exact(&mut b).map(|()| b)
        })
        .unwrap();
        assert_eq!(first.unwrap(), [b'x'; 10]);
        assert_eq!(hash, sha256_hex(&body));
        let seen = seen.take();
        assert!(seen.len() > 1, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.last(), Some(&(3 << 20)));
    }

    #[test]
    fn refuses_to_overwrite_without_force_and_replaces_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.txt");
        write_atomic(&p, b"one", false, Visibility::Public).unwrap();
        assert!(matches!(
            write_atomic(&p, b"two", false, Visibility::Public),
            Err(FsError::FileExists { .. })
        ));
        assert_eq!(read_to_string(&p).unwrap(), "one");
        write_atomic(&p, b"two", true, Visibility::Public).unwrap();
        assert_eq!(read_to_string(&p).unwrap(), "two");
        // No temporary files are left behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
    }

    /// This process's umask, from /proc (Linux); `None` where there is none.
    #[cfg(unix)]
    fn umask() -> Option<u32> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Umask:"))?;
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
    }

    #[cfg(unix)]
    #[test]
    fn public_files_follow_the_umask_and_secret_ones_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let public = dir.path().join("public.json");
        let secret = dir.path().join("secret.share");
        write_atomic(&public, b"{}", false, Visibility::Public).unwrap();
        write_atomic(&secret, b"{}", false, Visibility::Secret).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&secret), 0o600);
        if let Some(mask) = umask() {
            assert_eq!(mode(&public), 0o666 & !mask, "umask {mask:o}");
        }
        // Replacing a file gives it the new file's mode, not the old one's.
        write_atomic(&secret, b"{}", true, Visibility::Public).unwrap();
        assert_ne!(mode(&secret), 0o600);
        write_atomic(&public, b"{}", true, Visibility::Secret).unwrap();
        assert_eq!(mode(&public), 0o600);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("half.json");
        let e = write_atomic_with(&p, false, Visibility::Public, |w| {
            w.write_all(b"{\"a\":")?;
            Err(std::io::Error::other("the writer failed half way"))
        })
        .unwrap_err();
        assert_eq!(e.code(), "E-FILE-WRITE");
        assert!(e.to_string().contains("half.json"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn temporary_files_are_named_after_their_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tally.json");
        let mut f = AtomicFile::create(&p, false, Visibility::Public).unwrap();
        f.write_all(b"{}").unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1);
        let prefix = format!(".tally.json{TEMP_MARK}{}-", std::process::id());
        assert!(names[0].starts_with(&prefix), "{names:?}");
        f.commit().unwrap();
        assert_eq!(read_to_string(&p).unwrap(), "{}");
    }

    #[test]
    fn a_later_write_removes_what_a_killed_one_left_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("postal-trial.json");
        // What a run killed mid-write leaves: a dead process's temporary file
        // (no process has id 4294967295), one of a live process (this one),
        // and one for another target.
        let dead = dir
            .path()
            .join(format!(".postal-trial.json{TEMP_MARK}4294967295-abcdef"));
        let live = dir.path().join(format!(
            ".postal-trial.json{TEMP_MARK}{}-abcdef",
            std::process::id()
        ));
        let other = dir
            .path()
            .join(format!(".tally.json{TEMP_MARK}4294967295-abcdef"));
        for f in [&dead, &live, &other] {
            std::fs::write(f, b"{\"trunc").unwrap();
        }
        let _ = take_stale_removed();
        write_atomic(&p, b"{}", false, Visibility::Public).unwrap();
        assert!(!dead.exists());
        assert!(live.exists(), "a live writer's file is left alone");
        assert!(other.exists(), "another target's file is left alone");
        assert!(take_stale_removed().contains(&dead));
    }

    #[test]
    fn a_directory_sweep_removes_every_dead_writers_file_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let dead_a = d.join(format!(".0a1b{TEMP_MARK}4294967295-abcdef"));
        let dead_b = d.join(format!(".ff00.sig{TEMP_MARK}4294967295-123456"));
        let live = d.join(format!(".0a1b{TEMP_MARK}{}-abcdef", std::process::id()));
        // Not urne's: no leading dot, or no process id after the mark.
        let foreign = d.join(format!("0a1b{TEMP_MARK}4294967295-abcdef"));
        let no_pid = d.join(format!(".0a1b{TEMP_MARK}x-abcdef"));
        let object = d.join("0a1b");
        for f in [&dead_a, &dead_b, &live, &foreign, &no_pid, &object] {
            std::fs::write(f, b"x").unwrap();
        }
        let _ = take_stale_removed();
        let mut removed = remove_stale_temps_in(d);
        removed.sort();
        let mut expected = vec![dead_a.clone(), dead_b.clone()];
        expected.sort();
        assert_eq!(removed, expected);
        for kept in [&live, &foreign, &no_pid, &object] {
            assert!(kept.exists(), "{} was removed", kept.display());
        }
        let reported = take_stale_removed();
        assert!(reported.contains(&dead_a) && reported.contains(&dead_b));
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
