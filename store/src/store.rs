//! `TempFileStore`: the readers gate, the wait loop, and close.
//!
//! Invariants (asserted where cheap):
//! - bytes `[0, downloaded_bytes)` of the temp file equal the object's, and
//!   no range beyond them is ever read;
//! - the file is released (closed, then removed) exactly once, only after
//!   closing has been set, every registered reader has left and the
//!   downloader has stopped; nothing touches it afterwards;
//! - no thread waits on anything while holding the state lock except the
//!   state's own condition variable, which releases it.

use std::sync::Arc;

use crate::download::run_downloader;
use crate::file_io::{FileIo, TempFile};
use crate::planted::planted;
use crate::{
    Clock, Instant, Runtime, StdRuntime, StoreError, StoreOptions, SystemClock, TempDirFiles,
    Transport,
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

/// Everything the store's threads share.
pub(crate) struct Shared<T, R: Runtime, C, File> {
    pub(crate) runtime: R,
    pub(crate) clock: C,
    pub(crate) transport: T,
    pub(crate) file: File,
    pub(crate) object_len: u64,
    /// Set once by the first `close` (or drop); read without the lock on the
    /// readers' fast path.
    closing: R::AtomicBool,
    state: R::Mutex<State>,
    /// Notified on download progress, download end, close start and release.
    changed: R::Condvar,
    #[cfg(feature = "planted-bugs")]
    pub(crate) plant: Option<crate::Plant>,
    /// A second lock, held by close under the plant `close-waits-holding-lock`.
    #[cfg(feature = "planted-bugs")]
    planted_side_lock: R::Mutex<()>,
}

pub(crate) struct State {
    pub(crate) downloaded_bytes: u64,
    pub(crate) download: Download,
    readers_in_flight: usize,
    file: FileState,
}

/// The downloader's progress, as readers see it.
#[derive(Clone, Debug)]
pub(crate) enum Download {
    Running,
    Complete,
    Cancelled,
    Failed(StoreError),
}

enum FileState {
    Open,
    /// One party is closing and removing the file, outside the lock.
    Releasing,
    Released(Result<(), StoreError>),
}

pub(crate) type StateGuard<'a, R> = <R as Runtime>::Guard<'a, State>;

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
        let file = platform
            .files
            .create()
            .map_err(|error| StoreError::file_io("create", error))?;
        let Platform { runtime, clock, .. } = platform;
        #[cfg(feature = "planted-bugs")]
        if let Some(shared) = shared_closing(&options.plant) {
            shared.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        let shared = Arc::new(Shared {
            #[cfg(feature = "planted-bugs")]
            plant: options.plant.clone(),
            #[cfg(feature = "planted-bugs")]
            planted_side_lock: runtime.mutex(()),
            closing: runtime.atomic_bool(false),
            state: runtime.mutex(State {
                downloaded_bytes: 0,
                download: Download::Running,
                readers_in_flight: 0,
                file: FileState::Open,
            }),
            changed: runtime.condvar(),
            runtime,
            clock,
            transport,
            file,
            object_len,
        });
        let downloader = Arc::clone(&shared);
        let spawned = shared.runtime.spawn(
            "tempfilestore-downloader".to_owned(),
            Box::new(move || run_downloader(&downloader, &options)),
        );
        if let Err(error) = spawned {
            let state = shared.lock();
            drop(shared.stop_downloader(state, Download::Cancelled));
            shared.begin_close();
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
        let shared = &*self.shared;
        if shared.is_closing() {
            return Err(StoreError::Closed);
        }
        let end = offset
            .saturating_add(buf.len() as u64)
            .min(shared.object_len);
        let Some(len) = end.checked_sub(offset).filter(|&len| len > 0) else {
            return Ok(0);
        };
        let _registration = shared.register_reader();
        let mut state = shared.lock();
        // A close that began after the entry check may already have drained
        // readers and released the file; registering does not undo that.
        if shared.is_closing() && !planted!(shared, "no-recheck-after-registration") {
            return Err(StoreError::Closed);
        }
        while state.downloaded_bytes < end {
            if shared.is_closing() && !planted!(shared, "wait-loop-ignores-closing") {
                return Err(shared.closed_error());
            }
            if let Download::Failed(error) = &state.download {
                return Err(error.clone());
            }
            state = shared.runtime.wait(&shared.changed, state);
        }
        drop(state);
        let len = usize::try_from(len).expect("len <= buf.len(), a usize");
        shared
            .file
            .read_exact_at(&mut buf[..len], offset)
            .map_err(|error| StoreError::file_io("read", error))?;
        if planted!(shared, "partial-read-returns-zero") && len < buf.len() {
            return Ok(0);
        }
        Ok(len)
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
        drop(self.shared.begin_close());
    }
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Shared<T, R, C, File> {
    pub(crate) fn lock(&self) -> StateGuard<'_, R> {
        self.runtime.lock(&self.state)
    }

    pub(crate) fn notify_all(&self) {
        self.runtime.notify_all(&self.changed);
    }

    pub(crate) fn is_closing(&self) -> bool {
        #[cfg(feature = "planted-bugs")]
        if let Some(shared) = shared_closing(&self.plant) {
            return shared.load(std::sync::atomic::Ordering::SeqCst);
        }
        self.runtime.load(&self.closing)
    }

    /// The error for a read that close interrupted.
    fn closed_error(&self) -> StoreError {
        if planted!(self, "non-standard-closed-error") {
            let custom = std::io::Error::other("temp file closed");
            return StoreError::file_io("read", custom);
        }
        StoreError::Closed
    }

    /// Waits for a change of state, or until `timeout` passes.
    pub(crate) fn wait_timeout<'a>(
        &'a self,
        state: StateGuard<'a, R>,
        timeout: std::time::Duration,
    ) -> StateGuard<'a, R> {
        self.runtime.wait_timeout(&self.changed, state, timeout)
    }

    /// Time left until `deadline` on the store's clock; `None` once it has passed.
    pub(crate) fn time_left(&self, deadline: Instant) -> Option<std::time::Duration> {
        let now = self.clock.now();
        (now < deadline).then(|| now.until(deadline))
    }

    fn register_reader(&self) -> ReaderRegistration<'_, T, R, C, File> {
        self.lock().readers_in_flight += 1;
        ReaderRegistration { shared: self }
    }

    /// Records why the downloader stopped, wakes everyone waiting on it, and
    /// releases the file if the store is closing and idle.
    pub(crate) fn stop_downloader<'a>(
        &'a self,
        mut state: StateGuard<'a, R>,
        outcome: Download,
    ) -> StateGuard<'a, R> {
        debug_assert!(matches!(state.download, Download::Running));
        state.download = outcome;
        self.notify_all();
        self.release_if_last(state)
    }

    /// Sets closing, cancels the transport and wakes every waiter; releases
    /// the file at once if nobody is using it.
    fn begin_close(&self) -> StateGuard<'_, R> {
        #[cfg(feature = "planted-bugs")]
        if let Some(shared) = shared_closing(&self.plant) {
            shared.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        self.runtime.store(&self.closing, true);
        self.transport.cancel();
        let state = self.lock();
        self.notify_all();
        self.release_if_last(state)
    }

    fn close(&self, deadline: Option<Instant>) -> Result<(), StoreError> {
        #[cfg(feature = "planted-bugs")]
        self.crash_the_harness_if_planted();
        #[cfg(feature = "planted-bugs")]
        if planted!(self, "close-waits-holding-lock") {
            drop(self.begin_close());
            self.wait_until_idle_holding_the_state_lock();
        }
        let mut state = self.begin_close();
        loop {
            if let FileState::Released(outcome) = &state.file {
                return outcome.clone();
            }
            state = match deadline {
                None => self.runtime.wait(&self.changed, state),
                Some(deadline) => match self
                    .time_left(deadline)
                    .filter(|_| !planted!(self, "deadline-gives-up-early"))
                {
                    Some(timeout) => self.wait_timeout(state, timeout),
                    None => {
                        return Err(StoreError::CloseDeadlineExceeded {
                            readers_in_flight: state.readers_in_flight,
                            downloader_running: matches!(state.download, Download::Running),
                        });
                    }
                },
            };
        }
    }

    /// Closes and removes the file if the store is closing and nobody uses
    /// it, and this caller is the first to notice. The file operations run
    /// with the lock released.
    fn release_if_last<'a>(&'a self, mut state: StateGuard<'a, R>) -> StateGuard<'a, R> {
        let drained = state.readers_in_flight == 0 || planted!(self, "close-skips-drain");
        let downloader_stopped = !matches!(state.download, Download::Running)
            || planted!(self, "early-close-leaves-downloader");
        let idle = drained && downloader_stopped;
        if !(idle && self.is_closing() && matches!(state.file, FileState::Open)) {
            return state;
        }
        state.file = FileState::Releasing;
        drop(state);
        let closed = self
            .file
            .close()
            .map_err(|error| StoreError::file_io("close", error));
        let removed = if planted!(self, "release-skips-remove") {
            Ok(())
        } else {
            self.file
                .remove()
                .map_err(|error| StoreError::file_io("remove", error))
        };
        let mut state = self.lock();
        state.file = FileState::Released(closed.and(removed));
        if !planted!(self, "release-without-notify") {
            self.notify_all();
        }
        state
    }
}

#[cfg(feature = "planted-bugs")]
impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Shared<T, R, C, File> {
    /// The plant `close-waits-holding-lock`: keeps the state lock while
    /// waiting for readers and the downloader, who need that lock to leave.
    #[expect(
        clippy::while_immutable_condition,
        reason = "the planted bug: holding the lock, the condition can never change"
    )]
    fn wait_until_idle_holding_the_state_lock(&self) {
        let state = self.lock();
        let mut side = self.runtime.lock(&self.planted_side_lock);
        while state.readers_in_flight > 0 || matches!(state.download, Download::Running) {
            side = self.runtime.wait(&self.changed, side);
        }
    }
}

#[cfg(feature = "planted-bugs")]
impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Shared<T, R, C, File> {
    /// The plants `aborts-process` and `spins-forever`: what no
    /// oracle can report, only a harness that runs stores in child processes
    /// under a watchdog can survive.
    fn crash_the_harness_if_planted(&self) {
        if planted!(self, "aborts-process") {
            struct PanicsWhenDropped;
            impl Drop for PanicsWhenDropped {
                fn drop(&mut self) {
                    panic!("planted: a destructor panics while the thread unwinds");
                }
            }
            let _bomb = PanicsWhenDropped;
            panic!("planted: close panics");
        }
        while planted!(self, "spins-forever") {
            std::hint::spin_loop();
        }
    }
}

/// The closing flag the plant `state-shared-between-stores` shares between
/// stores, in place of each store's own.
#[cfg(feature = "planted-bugs")]
fn shared_closing(plant: &Option<crate::Plant>) -> Option<&std::sync::atomic::AtomicBool> {
    plant
        .as_ref()
        .filter(|plant| plant.site() == "state-shared-between-stores")
        .map(crate::Plant::shared_closing)
}

/// A reader counted in `readers_in_flight`; leaving (also by panic)
/// uncounts it and releases the file if it was the last one out.
struct ReaderRegistration<'a, T: Transport, R: Runtime, C: Clock, File: TempFile> {
    shared: &'a Shared<T, R, C, File>,
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Drop
    for ReaderRegistration<'_, T, R, C, File>
{
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        assert!(state.readers_in_flight > 0, "reader deregistered twice");
        state.readers_in_flight -= 1;
        drop(self.shared.release_if_last(state));
    }
}
