//! `Handle`: what a FUSE `open` hands out. Each handle reads through a
//! duplicate of the temp file of its own; the file is released only once
//! every duplicate is closed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::file_io::{FileIo, TempFile};
use crate::planted::planted;
use crate::read::read_through;
use crate::state::Shared;
use crate::{Clock, Runtime, StoreError, Transport};

/// An open handle on a store, from [`TempFileStore::open_handle`](crate::TempFileStore::open_handle).
/// Reads block as [`TempFileStore::read_at`](crate::TempFileStore::read_at)
/// does. [`release`](Handle::release) it, or drop it (dropping its
/// reference to the duplicate does it), to close its duplicate; a close of
/// the store waits until every handle is released.
pub struct Handle<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    shared: Arc<Shared<T, R, C, F::File>>,
    /// `None` once released. Each read holds a reference of its own, so a
    /// release during a read leaves closing the duplicate to the read.
    duplicate: Slot<T, R, C, F::File>,
}

/// A handle's duplicate while it is open, shared by the handle and the
/// reads through it; empty once released.
type Slot<T, R, C, File> = <R as Runtime>::Mutex<Option<Arc<Duplicate<T, R, C, File>>>>;

/// A handle's duplicate of the temp file, closed when its last reference
/// goes: the handle's, or that of a read still in flight.
struct Duplicate<T: Transport, R: Runtime, C: Clock, File: TempFile> {
    shared: Arc<Shared<T, R, C, File>>,
    file: File,
    closed: AtomicBool,
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> Handle<T, R, C, F> {
    pub(crate) fn new(shared: Arc<Shared<T, R, C, F::File>>, file: F::File) -> Self {
        let duplicate = Arc::new(Duplicate {
            shared: Arc::clone(&shared),
            file,
            closed: AtomicBool::new(false),
        });
        let duplicate = shared.runtime.mutex(Some(duplicate));
        Handle { shared, duplicate }
    }

    /// Reads as [`TempFileStore::read_at`](crate::TempFileStore::read_at)
    /// does, through this handle's duplicate. Fails with
    /// [`StoreError::HandleReleased`] once the handle is released.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, StoreError> {
        let duplicate = self
            .shared
            .runtime
            .lock(&self.duplicate)
            .clone()
            .ok_or(StoreError::HandleReleased)?;
        read_through(&self.shared, &duplicate.file, buf, offset)
    }

    /// Releases the handle, as a FUSE `release` would: closes its duplicate
    /// now, or as the last read through it leaves. Fails with
    /// [`StoreError::HandleReleased`] if it was released already, and with
    /// the duplicate's close error.
    pub fn release(&self) -> Result<(), StoreError> {
        let mut slot = self.shared.runtime.lock(&self.duplicate);
        if planted!(self.shared, "handle-released-twice") {
            let duplicate = slot.clone().ok_or(StoreError::HandleReleased)?;
            drop(slot);
            return duplicate.close();
        }
        let duplicate = slot.take().ok_or(StoreError::HandleReleased)?;
        drop(slot);
        match Arc::try_unwrap(duplicate) {
            Ok(duplicate) => duplicate.close(),
            Err(read_in_flight) if planted!(self.shared, "release-closes-under-a-read") => {
                read_in_flight.close()
            }
            Err(_read_in_flight) => Ok(()),
        }
    }
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Duplicate<T, R, C, File> {
    /// Closes the duplicate and uncounts its handle, once.
    fn close(&self) -> Result<(), StoreError> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.shared.close_duplicate(&self.file)
    }
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Drop for Duplicate<T, R, C, File> {
    fn drop(&mut self) {
        if let Err(error) = self.close() {
            tracing::warn!(%error, "closing a handle's duplicate failed");
        }
    }
}
