//! `TempFileStore`: the API. The state machine it drives lives in
//! `state.rs`, which the downloader (`download.rs`) drives too.

use std::sync::Arc;

use crate::download::run_downloader;
use crate::file_io::FileIo;
use crate::handle::Handle;
use crate::read::read_through;
use crate::state::{Download, Shared};
use crate::{
    Clock, InFlight, Instant, Progress, Runtime, StdRuntime, StoreError, StoreOptions, SystemClock,
    TempDirFiles, Transport,
};

/// What a store runs on: its sync runtime, its clock and where its temp file lives.
#[derive(Clone, Debug)]
pub struct Platform<R, C, F> {
    /// Locks, condition variables and threads.
    pub runtime: R,
    /// Time for deadlines and backoff.
    pub clock: C,
    /// Creates the temp file.
    pub files: F,
}

impl Platform<StdRuntime, SystemClock, TempDirFiles> {
    /// Real threads, the system clock, temp files in the system temp directory.
    pub fn real() -> Self {
        Platform {
            runtime: StdRuntime,
            clock: SystemClock::new(),
            files: TempDirFiles::new(),
        }
    }
}

/// A remote object staged into a temp file by a background downloader, readable
/// at any offset from many threads while it arrives. See the crate docs.
pub struct TempFileStore<T: Transport, R: Runtime, C: Clock, F: FileIo> {
    shared: Arc<Shared<T, R, C, F::File>>,
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> TempFileStore<T, R, C, F> {
    /// Creates the temp file and starts downloading `transport`'s object into it.
    ///
    /// Fails if the object's length cannot be learnt, the file cannot be
    /// created, or the downloader thread cannot start; nothing is left behind.
    pub fn open(
        transport: T,
        platform: Platform<R, C, F>,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        let object_len = transport.object_len().map_err(StoreError::Transport)?;
        tracing::debug!(object_len_bytes = object_len, "store opens");
        let file = platform
            .files
            .create()
            .map_err(|error| StoreError::file_io("create", error))?;
        let Platform { runtime, clock, .. } = platform;
        let shared = Arc::new(Shared::new(
            runtime,
            clock,
            transport,
            file,
            object_len,
            #[cfg(feature = "planted-bugs")]
            options.plant.clone(),
        ));
        let downloader = Arc::clone(&shared);
        let spawned = shared.runtime.spawn(
            "tempfilestore-downloader".to_owned(),
            Box::new(move || run_downloader(&downloader, &options)),
        );
        if let Err(error) = spawned {
            let state = shared.lock();
            drop(shared.stop_downloader(state, Download::Cancelled));
            drop(shared.begin_close());
            return Err(StoreError::SpawnDownloader(Arc::new(error)));
        }
        Ok(TempFileStore { shared })
    }

    /// The object's length in bytes.
    pub fn len(&self) -> u64 {
        self.shared.object_len
    }

    /// Whether the object is empty.
    pub fn is_empty(&self) -> bool {
        self.shared.object_len == 0
    }

    /// The clock deadlines for [`close_with_deadline`](Self::close_with_deadline) are measured on.
    pub fn clock(&self) -> &C {
        &self.shared.clock
    }

    /// Reads up to `buf.len()` bytes at `offset`, blocking until they have
    /// been downloaded. Returns the number of bytes read: `buf.len()`, fewer
    /// where the object ends first, 0 for an empty `buf` or an `offset` at or
    /// past the end (no range can overflow: it is clipped to the object).
    ///
    /// Fails with [`StoreError::Closed`] if the store is closing, including
    /// while this call waits, and with the download's error if the download
    /// failed before the range arrived.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, StoreError> {
        read_through(&self.shared, &self.shared.file, buf, offset)
    }

    /// Opens a handle, as a FUSE `open` would: it reads through a duplicate
    /// of the temp file (a `dup`'d descriptor) until released, and the file
    /// is not released while any handle is open. Fails with
    /// [`StoreError::Closed`] once closing has begun.
    pub fn open_handle(&self) -> Result<Handle<T, R, C, F>, StoreError> {
        let duplicate = self.shared.open_duplicate()?;
        Ok(Handle::new(Arc::clone(&self.shared), duplicate))
    }

    /// The calls in flight on this store now: reads (through the store or
    /// a handle), closes, and open handles. Only loads of counters: cheap
    /// enough for a signal handler or a status file. Each count is exact
    /// when loaded; together they are not one snapshot.
    pub fn in_flight(&self) -> InFlight {
        self.shared.in_flight()
    }

    /// Bytes `[0, arrived_bytes)` are in the temp file: a read that ends
    /// there waits for nothing. One atomic load, for a caller that answers
    /// reads of arrived bytes at once and queues the others.
    pub fn arrived_bytes(&self) -> u64 {
        self.shared.arrived_bytes()
    }

    /// How far the download has got: bytes arrived, retries, and whether it
    /// runs or how it ended. For people (a status file, a progress line):
    /// the fields are read one after another, not as one snapshot.
    pub fn progress(&self) -> Progress {
        self.shared.progress()
    }

    /// Starts closing the store without waiting: new and waiting reads fail
    /// with `Closed` at once and the download is cancelled; the last party
    /// out releases the temp file. A FUSE unmount begins closing every
    /// store this way, then waits for each with
    /// [`close_with_deadline`](Self::close_with_deadline), so that the waits
    /// overlap.
    pub fn begin_close(&self) {
        drop(self.shared.begin_close());
    }

    /// Closes the store and waits as long as it takes: see
    /// [`close_with_deadline`](Self::close_with_deadline).
    pub fn close(&self) -> Result<(), StoreError> {
        self.shared.close(None)
    }

    /// Stops the store: new and waiting reads fail with `Closed`, the
    /// download is cancelled, and once every in-flight read has left and the
    /// downloader has stopped, the temp file is closed and removed.
    ///
    /// Waits until then or until `deadline` on the store's clock, whichever
    /// comes first. On `CloseDeadlineExceeded` the release still happens:
    /// the last reader or the downloader performs it as it leaves.
    /// Safe to call again and from many threads: every call waits for the
    /// same release and reports its outcome.
    pub fn close_with_deadline(&self, deadline: Instant) -> Result<(), StoreError> {
        self.shared.close(Some(deadline))
    }
}

impl<T: Transport, R: Runtime, C: Clock, F: FileIo> Drop for TempFileStore<T, R, C, F> {
    /// Starts closing without waiting; the last party out releases the file.
    fn drop(&mut self) {
        self.begin_close();
    }
}

impl<T: Transport, R: Runtime, C: Clock> TempFileStore<T, R, C, TempDirFiles> {
    /// The temp file itself, as a `dup`'d descriptor, once every byte has
    /// arrived (`None` before): for a caller that hands the file to someone
    /// who reads it directly, as a FUSE passthrough open does. The store
    /// neither counts nor waits for it: its close still removes the file's
    /// name, and the descriptor keeps the bytes readable until dropped.
    /// Fails with [`StoreError::Closed`] once closing has begun.
    pub fn complete_file(&self) -> Result<Option<std::fs::File>, StoreError> {
        if self.shared.is_closing() {
            return Err(StoreError::Closed);
        }
        if !self.shared.has_arrived(self.shared.object_len) {
            return Ok(None);
        }
        match self.shared.file.try_clone_file() {
            Ok(file) => Ok(Some(file)),
            // Closing began after the check, and the release closed the file.
            Err(_) if self.shared.is_closing() => Err(StoreError::Closed),
            Err(error) => Err(StoreError::file_io("duplicate", error)),
        }
    }
}
