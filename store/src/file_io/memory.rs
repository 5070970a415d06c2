use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use super::{FileIo, TempFile};

/// Temp "files" in memory: for caches that fit in RAM, and for running the
/// store under a model checker without touching the disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryFiles;

impl FileIo for MemoryFiles {
    type File = MemoryFile;

    fn create(&self) -> io::Result<MemoryFile> {
        Ok(MemoryFile {
            bytes: Arc::new(RwLock::new(Some(Vec::new()))),
            open_aliases: Arc::new(AtomicUsize::new(1)),
            open: AtomicBool::new(true),
        })
    }
}

/// A growable byte buffer with file semantics. The file and its
/// duplicates are aliases of one buffer, counted: closing the last open
/// alias frees the bytes (`None`), as closing a file's last descriptor does.
#[derive(Debug)]
pub struct MemoryFile {
    bytes: Arc<RwLock<Option<Vec<u8>>>>,
    open_aliases: Arc<AtomicUsize>,
    /// This alias is open.
    open: AtomicBool,
}

impl MemoryFile {
    fn check_open(&self) -> io::Result<()> {
        if self.open.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(closed())
        }
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "memory file already closed")
}

impl TempFile for MemoryFile {
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        self.check_open()?;
        let mut guard = self.bytes.write().unwrap_or_else(PoisonError::into_inner);
        let contents = guard.as_mut().ok_or_else(closed)?;
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::FileTooLarge)?;
        let end = start
            .checked_add(bytes.len())
            .ok_or(io::ErrorKind::FileTooLarge)?;
        if contents.len() < end {
            contents.resize(end, 0);
        }
        contents[start..end].copy_from_slice(bytes);
        Ok(())
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.check_open()?;
        let guard = self.bytes.read().unwrap_or_else(PoisonError::into_inner);
        let contents = guard.as_ref().ok_or_else(closed)?;
        let range = usize::try_from(offset)
            .ok()
            .and_then(|start| Some(start..start.checked_add(buf.len())?))
            .filter(|range| range.end <= contents.len())
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(&contents[range]);
        Ok(())
    }

    fn close(&self) -> io::Result<()> {
        if !self.open.swap(false, Ordering::AcqRel) {
            return Err(closed());
        }
        if self.open_aliases.fetch_sub(1, Ordering::AcqRel) == 1 {
            let mut guard = self.bytes.write().unwrap_or_else(PoisonError::into_inner);
            drop(guard.take());
        }
        Ok(())
    }

    fn remove(&self) -> io::Result<()> {
        Ok(())
    }

    fn duplicate(&self) -> io::Result<MemoryFile> {
        self.check_open()?;
        self.open_aliases.fetch_add(1, Ordering::AcqRel);
        Ok(MemoryFile {
            bytes: Arc::clone(&self.bytes),
            open_aliases: Arc::clone(&self.open_aliases),
            open: AtomicBool::new(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_past_what_was_written_is_unexpected_eof() {
        let file = MemoryFiles.create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        let error = file.read_exact_at(&mut [0; 2], 2).expect_err("past end");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn read_after_close_fails() {
        let file = MemoryFiles.create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        file.close().expect("close");
        let error = file.read_exact_at(&mut [0; 1], 0).expect_err("closed");
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
    }

    #[test]
    fn a_duplicate_keeps_the_bytes_until_the_last_alias_closes() {
        let file = MemoryFiles.create().expect("create");
        file.write_all_at(b"abc", 0).expect("write");
        let duplicate = file.duplicate().expect("dup");
        file.close().expect("close");
        let mut buf = [0; 3];
        duplicate.read_exact_at(&mut buf, 0).expect("read");
        assert_eq!(&buf, b"abc");
        duplicate.close().expect("close duplicate");
        assert!(duplicate.bytes.read().expect("not poisoned").is_none());
        let error = duplicate.read_exact_at(&mut buf, 0).expect_err("closed");
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
    }

    #[test]
    fn write_at_an_offset_beyond_memory_fails_cleanly() {
        let file = MemoryFiles.create().expect("create");
        let error = file.write_all_at(b"x", u64::MAX).expect_err("too large");
        assert!(matches!(
            error.kind(),
            io::ErrorKind::FileTooLarge | io::ErrorKind::OutOfMemory
        ));
    }
}
