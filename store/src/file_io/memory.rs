use std::io;
use std::sync::{PoisonError, RwLock};

use super::{FileIo, TempFile};

/// Temp "files" in memory: for caches that fit in RAM, and for running the
/// store under a model checker without touching the disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryFiles;

impl FileIo for MemoryFiles {
    type File = MemoryFile;

    fn create(&self) -> io::Result<MemoryFile> {
        Ok(MemoryFile {
            bytes: RwLock::new(Some(Vec::new())),
        })
    }
}

/// A growable byte buffer with file semantics; `None` once closed.
#[derive(Debug)]
pub struct MemoryFile {
    bytes: RwLock<Option<Vec<u8>>>,
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "memory file already closed")
}

impl TempFile for MemoryFile {
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
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
        let mut guard = self.bytes.write().unwrap_or_else(PoisonError::into_inner);
        drop(guard.take());
        Ok(())
    }

    fn remove(&self) -> io::Result<()> {
        Ok(())
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
    fn write_at_an_offset_beyond_memory_fails_cleanly() {
        let file = MemoryFiles.create().expect("create");
        let error = file.write_all_at(b"x", u64::MAX).expect_err("too large");
        assert!(matches!(
            error.kind(),
            io::ErrorKind::FileTooLarge | io::ErrorKind::OutOfMemory
        ));
    }
}
