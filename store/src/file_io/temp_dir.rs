use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crossbeam_utils::sync::ShardedLock;
use tempfile::TempPath;

use super::{FileIo, TempFile};

/// Real temp files (mode 0600) in a directory of the user's choosing.
#[derive(Clone, Debug, Default)]
pub struct TempDirFiles {
    dir: Option<PathBuf>,
}

impl TempDirFiles {
    /// Temp files in the system temp directory (`$TMPDIR` or `/tmp`).
    pub fn new() -> TempDirFiles {
        TempDirFiles { dir: None }
    }

    /// Temp files in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> TempDirFiles {
        TempDirFiles {
            dir: Some(dir.into()),
        }
    }
}

impl FileIo for TempDirFiles {
    type File = TempDirFile;

    fn create(&self) -> io::Result<TempDirFile> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".tempfilestore-");
        let named = match &self.dir {
            Some(dir) => builder.tempfile_in(dir)?,
            None => builder.tempfile()?,
        };
        let (file, path) = named.into_parts();
        Ok(TempDirFile {
            file: ShardedLock::new(Some(file)),
            path: Mutex::new(Some(path)),
        })
    }
}

/// A real temp file. Deleted by [`TempFile::remove`], or on drop at the
/// latest, so a panic anywhere leaves nothing behind.
#[derive(Debug)]
pub struct TempDirFile {
    /// Readers share the read lock; only `close` takes the write lock.
    /// Sharded: each thread read-locks a shard of its own, so readers on
    /// different cores do not all write one lock word on every read.
    file: ShardedLock<Option<File>>,
    path: Mutex<Option<TempPath>>,
}

impl TempDirFile {
    /// Where the file lives, until it is removed.
    pub fn path(&self) -> Option<PathBuf> {
        let path = self.path.lock().unwrap_or_else(PoisonError::into_inner);
        path.as_deref().map(Path::to_path_buf)
    }

    /// A `dup`'d descriptor of the file as a plain [`File`], which the
    /// store does not count: for a caller that hands the file to someone
    /// who reads it directly. Fails once the file is closed.
    pub fn try_clone_file(&self) -> io::Result<File> {
        self.with_open_file(File::try_clone)
    }

    fn with_open_file<T>(&self, operation: impl FnOnce(&File) -> io::Result<T>) -> io::Result<T> {
        let file = self.file.read().unwrap_or_else(PoisonError::into_inner);
        match file.as_ref() {
            Some(file) => operation(file),
            None => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "temp file already closed",
            )),
        }
    }
}

impl TempFile for TempDirFile {
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        self.with_open_file(|file| file.write_all_at(bytes, offset))
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.with_open_file(|file| file.read_exact_at(buf, offset))
    }

    fn close(&self) -> io::Result<()> {
        let mut file = self.file.write().unwrap_or_else(PoisonError::into_inner);
        drop(file.take());
        Ok(())
    }

    fn remove(&self) -> io::Result<()> {
        let mut path = self.path.lock().unwrap_or_else(PoisonError::into_inner);
        match path.take() {
            Some(path) => path.close(),
            None => Ok(()),
        }
    }

    /// A `dup`'d descriptor; the duplicate owns no path, so it removes nothing.
    fn duplicate(&self) -> io::Result<TempDirFile> {
        let file = self.with_open_file(File::try_clone)?;
        Ok(TempDirFile {
            file: ShardedLock::new(Some(file)),
            path: Mutex::new(None),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn files_in_dir(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .expect("temp dir is listable")
            .count()
    }

    #[test]
    fn created_file_is_private_to_its_owner() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = TempDirFiles::in_dir(dir.path()).create().expect("create");
        let path = file.path().expect("not removed yet");
        let mode = std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn bytes_written_at_an_offset_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = TempDirFiles::in_dir(dir.path()).create().expect("create");
        file.write_all_at(b"world", 6).expect("write");
        file.write_all_at(b"hello ", 0).expect("write");
        let mut buf = [0; 11];
        file.read_exact_at(&mut buf, 0).expect("read");
        assert_eq!(&buf, b"hello world");
    }

    #[test]
    fn read_after_close_fails_instead_of_touching_a_stale_descriptor() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = TempDirFiles::in_dir(dir.path()).create().expect("create");
        file.close().expect("close");
        let error = file.read_exact_at(&mut [0; 1], 0).expect_err("closed");
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
    }

    #[test]
    fn remove_deletes_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = TempDirFiles::in_dir(dir.path()).create().expect("create");
        assert_eq!(files_in_dir(dir.path()), 1);
        file.close().expect("close");
        file.remove().expect("remove");
        assert_eq!(files_in_dir(dir.path()), 0);
    }

    #[test]
    fn a_duplicate_reads_the_file_and_outlives_its_close() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = TempDirFiles::in_dir(dir.path()).create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        let duplicate = file.duplicate().expect("dup");
        file.close().expect("close");
        let mut buf = [0; 3];
        duplicate.read_exact_at(&mut buf, 0).expect("read");
        assert_eq!(&buf, b"abc");
        duplicate.close().expect("close duplicate");
        let error = duplicate.read_exact_at(&mut buf, 0).expect_err("closed");
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
    }

    #[test]
    fn drop_deletes_a_file_never_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = TempDirFiles::in_dir(dir.path()).create().expect("create");
        drop(file);
        assert_eq!(files_in_dir(dir.path()), 0);
    }
}
