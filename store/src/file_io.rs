//! The temp file behind a store: created once, written by the downloader,
//! read concurrently by readers, then closed and removed.

use std::io;

mod memory;
mod temp_dir;

pub use memory::{MemoryFile, MemoryFiles};
pub use temp_dir::{TempDirFile, TempDirFiles};

/// Creates temp files.
pub trait FileIo: Send + Sync + 'static {
    /// The file this creates.
    type File: TempFile;

    /// Creates a new, empty temp file, visible to no other store.
    fn create(&self) -> io::Result<Self::File>;
}

/// One temp file. All methods take `&self` so readers can read concurrently
/// with each other and with the downloader writing further on.
///
/// The store guarantees: no read of a range before it was written, no access
/// after `close`, `close` before `remove`, each called once, and every
/// duplicate closed before the file itself.
pub trait TempFile: Send + Sync + 'static {
    /// Writes all of `bytes` at `offset`.
    fn write_all_at(&self, bytes: &[u8], offset: u64) -> io::Result<()>;
    /// Fills all of `buf` from `offset`.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    /// Releases the handle; later reads and writes fail.
    fn close(&self) -> io::Result<()>;
    /// Deletes the file from its directory.
    fn remove(&self) -> io::Result<()>;
    /// A second handle on the same file, as `dup(2)` makes one: it reads
    /// what the file holds and closes on its own, leaving the file open.
    /// The store only reads through a duplicate, and closes it (once)
    /// before closing the file; it never removes one.
    fn duplicate(&self) -> io::Result<Self>
    where
        Self: Sized;
}
