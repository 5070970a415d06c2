//! The store's state machine, which the API (`store.rs`, `handle.rs`) and
//! the downloader (`download.rs`) drive and none owns: the closing flag,
//! the download's progress and outcome, the readers in flight, the waiting
//! readers, the handles open, and the temp file's release.
//!
//! Invariants (asserted where cheap):
//! - bytes `[0, progress)` of the temp file equal the object's, and no range
//!   beyond them is ever read;
//! - the file is released (closed, then removed) exactly once, only after
//!   closing has been set, every registered reader has left, every handle's
//!   duplicate is closed and the downloader has stopped; nothing touches it
//!   afterwards;
//! - no thread waits on anything while holding the state lock except a
//!   condition variable that releases it;
//! - a waiting reader is woken by the progress that completes its range, by
//!   the download's end, or by close; by nothing else, except spuriously.
//!
//! Two atomics keep reads of bytes that have arrived off the lock:
//! - `progress`, stored by the downloader (with `Release`, under the state
//!   lock) after the bytes are in the file, and loaded by readers (with
//!   `Acquire`) before they read them: the load that sees the new value
//!   makes the file's bytes visible;
//! - the readers in flight with `closing`, a pair like Dekker's: a reader
//!   counts itself, then looks at `closing`; a closer sets `closing`, then
//!   looks at the count. A `SeqCst` fence sits between the write and the
//!   read on both sides, so at least one sees the other: the reader backs
//!   out, or the closer leaves the release to the last reader out. (`SeqCst`
//!   accesses alone would do on hardware, but loom models them as
//!   `AcqRel` and would report the pair broken; it models the fences.)
//!   The count is spread over stripes on separate cache lines, so that
//!   readers on different cores do not fight over one line; the argument
//!   holds stripe by stripe, and the count is their sum.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};

use crossbeam_utils::CachePadded;

use crate::file_io::TempFile;
use crate::planted::planted;
use crate::{Clock, DownloadStatus, InFlight, Instant, Progress, Runtime, StoreError, Transport};

/// Everything the store's threads share.
pub(crate) struct Shared<T, R: Runtime, C, File> {
    pub(crate) runtime: R,
    pub(crate) clock: C,
    pub(crate) transport: T,
    pub(crate) file: File,
    pub(crate) object_len: u64,
    /// Set once by the first `close` (or drop).
    closing: R::AtomicBool,
    /// Bytes `[0, progress)` are in the file.
    progress: R::AtomicU64,
    /// Readers between `read_at`'s registration and its return.
    readers_in_flight: ReadersInFlight<R>,
    /// Calls of `close` that have not returned. Plain std atomics, like
    /// `handles_open`: counts for people, which nothing synchronises on.
    closes_in_flight: AtomicU64,
    /// `State::handles_open`, readable without the lock.
    handles_open: AtomicU64,
    /// Streams the downloader reopened after a transient failure, ever.
    retries: AtomicU64,
    state: R::Mutex<State<R>>,
    /// Notified on the download's end, close's start and the release: what
    /// close and the downloader's backoff wait for. Readers wait on their own.
    changed: R::Condvar,
    #[cfg(feature = "planted-bugs")]
    pub(crate) plant: Option<crate::Plant>,
    /// A second lock, held by close under the plant `close-waits-holding-lock`.
    #[cfg(feature = "planted-bugs")]
    planted_side_lock: R::Mutex<()>,
}

pub(crate) struct State<R: Runtime> {
    download: Download,
    file: FileState,
    waiters: Waiters<R>,
    /// Handles whose duplicate of the file is open (or being opened).
    handles_open: u64,
}

/// The downloader's outcome, as readers see it.
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

pub(crate) type StateGuard<'a, R> = <R as Runtime>::Guard<'a, State<R>>;

/// Readers waiting for bytes, each on a condition variable of its own, by
/// the end of the range it waits for: progress wakes exactly the readers
/// whose range it completes, not every waiting reader.
struct Waiters<R: Runtime> {
    by_end: BTreeMap<WaiterKey, Arc<R::Condvar>>,
    next_id: u64,
}

/// A waiting reader's place: the end of its range, then its arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct WaiterKey {
    end: u64,
    id: u64,
}

impl<R: Runtime> Waiters<R> {
    fn new() -> Waiters<R> {
        Waiters {
            by_end: BTreeMap::new(),
            next_id: 0,
        }
    }

    fn subscribe(&mut self, end: u64, condvar: &Arc<R::Condvar>) -> WaiterKey {
        let key = WaiterKey {
            end,
            id: self.next_id,
        };
        self.next_id += 1;
        self.by_end.insert(key, Arc::clone(condvar));
        key
    }

    /// Forgets a waiter that woke; nothing if whoever woke it already did.
    fn unsubscribe(&mut self, key: WaiterKey) {
        self.by_end.remove(&key);
    }

    /// Forgets, and returns to be woken, every waiter whose range ends at or
    /// before `progress`.
    fn take_reached(&mut self, progress: u64) -> BTreeMap<WaiterKey, Arc<R::Condvar>> {
        let later = self.by_end.split_off(&WaiterKey {
            end: progress.saturating_add(1),
            id: 0,
        });
        std::mem::replace(&mut self.by_end, later)
    }

    /// Wakes (and forgets) every waiter.
    fn wake_all(&mut self, wake: impl FnMut(&R::Condvar)) {
        std::mem::take(&mut self.by_end)
            .values()
            .map(Arc::as_ref)
            .for_each(wake);
    }
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Shared<T, R, C, File> {
    /// The state of a store just opened: nothing downloaded, nobody reading.
    pub(crate) fn new(
        runtime: R,
        clock: C,
        transport: T,
        file: File,
        object_len: u64,
        #[cfg(feature = "planted-bugs")] plant: Option<crate::Plant>,
    ) -> Shared<T, R, C, File> {
        #[cfg(feature = "planted-bugs")]
        if let Some(shared) = shared_closing(&plant) {
            shared.store(false, SeqCst);
        }
        Shared {
            #[cfg(feature = "planted-bugs")]
            plant,
            #[cfg(feature = "planted-bugs")]
            planted_side_lock: runtime.mutex(()),
            closing: runtime.atomic_bool(false),
            progress: runtime.atomic_u64(0),
            readers_in_flight: ReadersInFlight::new(&runtime),
            closes_in_flight: AtomicU64::new(0),
            handles_open: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            state: runtime.mutex(State {
                download: Download::Running,
                file: FileState::Open,
                waiters: Waiters::new(),
                handles_open: 0,
            }),
            changed: runtime.condvar(),
            runtime,
            clock,
            transport,
            file,
            object_len,
        }
    }

    pub(crate) fn lock(&self) -> StateGuard<'_, R> {
        self.runtime.lock(&self.state)
    }

    pub(crate) fn is_closing(&self) -> bool {
        #[cfg(feature = "planted-bugs")]
        if let Some(shared) = shared_closing(&self.plant) {
            return shared.load(SeqCst);
        }
        self.runtime.load(&self.closing, SeqCst)
    }

    /// Whether bytes `[0, end)` are in the file. Seeing them arrive (the
    /// `Acquire` load) is what makes the file's bytes visible to the reader.
    pub(crate) fn has_arrived(&self, end: u64) -> bool {
        self.runtime.load_u64(&self.progress, Acquire) >= end
    }

    /// Registers the calling reader for as long as the registration lives:
    /// the file is not released while it does. Fails with `Closed` if the
    /// store is closing: a close that began after the caller's entry check
    /// may already have drained the readers and released the file, and
    /// registering does not undo that.
    pub(crate) fn register_reader(
        &self,
    ) -> Result<ReaderRegistration<'_, T, R, C, File>, StoreError> {
        let stripe = self.readers_in_flight.enter(&self.runtime);
        self.runtime.fence(SeqCst);
        let registration = ReaderRegistration {
            shared: self,
            stripe,
        };
        if self.is_closing() && !planted!(self, "no-recheck-after-registration") {
            return Err(StoreError::Closed);
        }
        Ok(registration)
    }

    /// Blocks until bytes `[0, end)` are in the file. Fails with `Closed` if
    /// the store closes first, and with the download's error if it fails
    /// first. The registered caller waits on a condition variable of its
    /// own, which only the progress that completes its range, the
    /// download's end or close notifies; it re-checks on every wake-up, since
    /// a condition variable may wake it spuriously.
    pub(crate) fn wait_for(&self, end: u64) -> Result<(), StoreError> {
        if self.has_arrived(end) {
            return Ok(());
        }
        let mut state = self.lock();
        let mut condvar = None;
        loop {
            if self.is_closing() && !planted!(self, "wait-loop-ignores-closing") {
                return Err(self.closed_error());
            }
            if self.has_arrived(end) {
                return Ok(());
            }
            if let Download::Failed(error) = &state.download {
                return Err(error.clone());
            }
            let condvar = condvar.get_or_insert_with(|| Arc::new(self.runtime.condvar()));
            let key = state.waiters.subscribe(end, condvar);
            state = self.runtime.wait(condvar, state);
            state.waiters.unsubscribe(key);
            if planted!(self, "waiter-trusts-its-wakeup") {
                return Ok(());
            }
        }
    }

    /// The error for a read that close interrupted.
    fn closed_error(&self) -> StoreError {
        if planted!(self, "non-standard-closed-error") {
            let custom = std::io::Error::other("temp file closed");
            return StoreError::file_io("read", custom);
        }
        StoreError::Closed
    }

    /// Publishes that bytes `[0, downloaded)` are in the file, and wakes the
    /// readers whose range that completes. Called by the downloader alone,
    /// after writing the bytes. The readers are woken after the lock is
    /// released, so that none wakes only to wait for it.
    pub(crate) fn publish_progress(&self, downloaded: u64) {
        let reached = {
            let mut state = self.lock();
            debug_assert!(downloaded <= self.object_len);
            let order = if planted!(self, "progress-published-relaxed") {
                Relaxed
            } else {
                Release
            };
            self.runtime.store_u64(&self.progress, downloaded, order);
            if planted!(self, "silent-progress") {
                return;
            }
            let reached = if planted!(self, "progress-wakes-wrong-waiters") {
                downloaded.saturating_sub(1)
            } else {
                downloaded
            };
            state.waiters.take_reached(reached)
        };
        for condvar in reached.values() {
            self.runtime.notify_all(condvar);
        }
    }

    /// Wakes everyone waiting on the store: close, the backoff, and every
    /// waiting reader.
    fn wake_all(&self, state: &mut StateGuard<'_, R>) {
        self.runtime.notify_all(&self.changed);
        if !planted!(self, "end-wakes-no-waiters") {
            state
                .waiters
                .wake_all(|condvar| self.runtime.notify_all(condvar));
        }
    }

    /// Waits for a change of state (the download's end, close, the
    /// release), or until `timeout` passes.
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

    /// Records why the downloader stopped, wakes everyone waiting on it, and
    /// releases the file if the store is closing and idle.
    pub(crate) fn stop_downloader<'a>(
        &'a self,
        mut state: StateGuard<'a, R>,
        outcome: Download,
    ) -> StateGuard<'a, R> {
        debug_assert!(matches!(state.download, Download::Running));
        tracing::info!(
            ?outcome,
            object_len_bytes = self.object_len,
            "download ends"
        );
        state.download = outcome;
        self.wake_all(&mut state);
        self.release_if_last(state)
    }

    /// Sets closing, cancels the transport and wakes every waiter; releases
    /// the file at once if nobody is using it.
    pub(crate) fn begin_close(&self) -> StateGuard<'_, R> {
        #[cfg(feature = "planted-bugs")]
        if let Some(shared) = shared_closing(&self.plant) {
            shared.store(true, SeqCst);
        }
        self.runtime.store(&self.closing, true, SeqCst);
        self.runtime.fence(SeqCst);
        if !planted!(self, "close-skips-cancel") {
            self.transport.cancel();
        }
        let mut state = self.lock();
        self.wake_all(&mut state);
        self.release_if_last(state)
    }

    /// Closes the store and waits until the file is released, or until
    /// `deadline`.
    pub(crate) fn close(&self, deadline: Option<Instant>) -> Result<(), StoreError> {
        self.closes_in_flight.fetch_add(1, Relaxed);
        let _counted = CloseInFlight(self);
        #[cfg(feature = "planted-bugs")]
        self.crash_the_harness_if_planted();
        #[cfg(feature = "planted-bugs")]
        if planted!(self, "close-waits-holding-lock") {
            drop(self.begin_close());
            self.wait_until_idle_holding_the_state_lock();
        }
        tracing::debug!(?deadline, "close begins");
        let mut state = self.begin_close();
        loop {
            if let FileState::Released(outcome) = &state.file {
                tracing::debug!(?outcome, "close ends");
                return outcome.clone();
            }
            state = match deadline {
                None => self.runtime.wait(&self.changed, state),
                Some(deadline) => match self
                    .time_left(deadline)
                    .filter(|_| !planted!(self, "deadline-gives-up-early"))
                {
                    Some(timeout) if planted!(self, "deadline-kept-late") => {
                        self.wait_timeout(state, timeout * 2)
                    }
                    Some(timeout) => self.wait_timeout(state, timeout),
                    None => {
                        let readers = if planted!(self, "deadline-error-counts-no-readers") {
                            0
                        } else {
                            self.readers_in_flight.count(&self.runtime)
                        };
                        tracing::debug!(
                            readers_in_flight = readers,
                            "close gives up at its deadline"
                        );
                        return Err(StoreError::CloseDeadlineExceeded {
                            readers_in_flight: usize::try_from(readers).unwrap_or(usize::MAX),
                            handles_open: usize::try_from(state.handles_open).unwrap_or(usize::MAX),
                            downloader_running: matches!(state.download, Download::Running),
                        });
                    }
                },
            };
        }
    }

    /// A duplicate of the file for a new handle, counted as open from
    /// before it exists, so the file cannot be released under the
    /// duplication. Fails with `Closed` once closing has begun: checked
    /// under the lock, which a close takes after setting closing, so
    /// either the close sees the handle counted or this sees it closing.
    pub(crate) fn open_duplicate(&self) -> Result<File, StoreError> {
        {
            let mut state = self.lock();
            if self.is_closing() {
                return Err(StoreError::Closed);
            }
            self.count_handles(&mut state, 1);
        }
        tracing::debug!("handle opens");
        self.file.duplicate().map_err(|error| {
            let mut state = self.lock();
            let uncount = if planted!(self, "refused-duplicate-counts-twice") {
                1
            } else {
                -1
            };
            self.count_handles(&mut state, uncount);
            drop(self.release_if_last(state));
            StoreError::file_io("duplicate", error)
        })
    }

    /// Closes a handle's duplicate, then uncounts the handle; the last
    /// party out releases the file.
    pub(crate) fn close_duplicate(&self, duplicate: &File) -> Result<(), StoreError> {
        let closed = duplicate
            .close()
            .map_err(|error| StoreError::file_io("close", error));
        tracing::debug!(outcome = ?closed, "handle released");
        let mut state = self.lock();
        self.count_handles(&mut state, -1);
        drop(self.release_if_last(state));
        closed
    }

    fn count_handles(&self, state: &mut StateGuard<'_, R>, change: i64) {
        state.handles_open = state
            .handles_open
            .checked_add_signed(change)
            .expect("a handle is released once");
        self.handles_open.store(state.handles_open, Relaxed);
    }

    /// The calls in flight now, without a lock: loads of counters only.
    pub(crate) fn in_flight(&self) -> InFlight {
        let reads = if planted!(self, "in-flight-misses-a-stripe") {
            self.runtime
                .load_u64(&self.readers_in_flight.stripes[0], Relaxed)
        } else {
            self.readers_in_flight.count_with(&self.runtime, Relaxed)
        };
        InFlight {
            reads,
            closes: self.closes_in_flight.load(Relaxed),
            handles: self.handles_open.load(Relaxed),
        }
    }

    /// Bytes `[0, arrived)` are in the file; the `Acquire` load pairs with
    /// the downloader's publication, as `has_arrived`'s does.
    pub(crate) fn arrived_bytes(&self) -> u64 {
        self.runtime.load_u64(&self.progress, Acquire)
    }

    /// Counts a retry of the download, for [`progress`](Self::progress).
    pub(crate) fn count_retry(&self) {
        self.retries.fetch_add(1, Relaxed);
    }

    /// How far the download has got, for people: the arrived bytes and the
    /// retries are loads of counters; the download's state takes the lock
    /// for as long as a clone of it.
    pub(crate) fn progress(&self) -> Progress {
        let download = match &self.lock().download {
            Download::Running => DownloadStatus::Running,
            Download::Complete => DownloadStatus::Complete,
            Download::Cancelled => DownloadStatus::Cancelled,
            Download::Failed(error) => DownloadStatus::Failed(error.clone()),
        };
        Progress {
            arrived_bytes: self.arrived_bytes(),
            object_len_bytes: self.object_len,
            retries: self.retries.load(Relaxed),
            download,
        }
    }

    /// Closes and removes the file if the store is closing and nobody uses
    /// it, and this caller is the first to notice. The file operations run
    /// with the lock released.
    fn release_if_last<'a>(&'a self, mut state: StateGuard<'a, R>) -> StateGuard<'a, R> {
        // Closing first, then the count, a fence between (the other half of
        // the readers' pair): a reader who counted itself before this
        // looks at `closing` sees it set, and backs out; one counted after
        // is seen here. Read the other way round, a reader could count
        // itself and miss `closing` between the two loads.
        if !self.is_closing() || !matches!(state.file, FileState::Open) {
            return state;
        }
        self.runtime.fence(SeqCst);
        let readers = self.readers_in_flight.count(&self.runtime);
        let drained = readers == 0 || planted!(self, "close-skips-drain");
        let handles_released = state.handles_open == 0 || planted!(self, "release-ignores-handles");
        let downloader_stopped = !matches!(state.download, Download::Running)
            || planted!(self, "early-close-leaves-downloader");
        if !(drained && handles_released && downloader_stopped) {
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
        let released = closed.and(removed);
        tracing::debug!(outcome = ?released, "temp file released");
        let mut state = self.lock();
        state.file = FileState::Released(released);
        if !planted!(self, "release-without-notify") {
            self.runtime.notify_all(&self.changed);
        }
        state
    }
}

#[cfg(feature = "planted-bugs")]
impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Shared<T, R, C, File> {
    /// The plant `close-waits-holding-lock`: keeps the state lock while
    /// waiting for readers and the downloader, who need that lock to leave.
    fn wait_until_idle_holding_the_state_lock(&self) {
        let state = self.lock();
        let mut side = self.runtime.lock(&self.planted_side_lock);
        while self.readers_in_flight.count(&self.runtime) > 0
            || matches!(state.download, Download::Running)
        {
            side = self.runtime.wait(&self.changed, side);
        }
    }

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

/// The readers in flight, one counter per stripe of the runtime, each on
/// a cache line of its own; the count is their sum. A reader leaves the
/// stripe it entered, so no stripe goes below zero.
struct ReadersInFlight<R: Runtime> {
    stripes: Box<[CachePadded<R::AtomicU64>]>,
}

impl<R: Runtime> ReadersInFlight<R> {
    fn new(runtime: &R) -> ReadersInFlight<R> {
        assert!(
            R::STRIPES > 0,
            "a runtime counts readers in one stripe at least"
        );
        ReadersInFlight {
            stripes: (0..R::STRIPES)
                .map(|_| CachePadded::new(runtime.atomic_u64(0)))
                .collect(),
        }
    }

    /// Counts the caller in; returns the stripe it must leave.
    fn enter(&self, runtime: &R) -> usize {
        let stripe = runtime.stripe() % R::STRIPES;
        runtime.fetch_add_u64(&self.stripes[stripe], 1, SeqCst);
        stripe
    }

    fn leave(&self, runtime: &R, stripe: usize) {
        let before = runtime.fetch_sub_u64(&self.stripes[stripe], 1, SeqCst);
        assert!(before > 0, "reader deregistered twice");
    }

    fn count(&self, runtime: &R) -> u64 {
        self.count_with(runtime, SeqCst)
    }

    fn count_with(&self, runtime: &R, order: std::sync::atomic::Ordering) -> u64 {
        self.stripes
            .iter()
            .map(|stripe| runtime.load_u64(stripe, order))
            .sum()
    }
}

/// A call of `close` counted in `closes_in_flight` until it returns (or unwinds).
struct CloseInFlight<'a, T: Transport, R: Runtime, C: Clock, File: TempFile>(
    &'a Shared<T, R, C, File>,
);

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Drop for CloseInFlight<'_, T, R, C, File> {
    fn drop(&mut self) {
        self.0.closes_in_flight.fetch_sub(1, Relaxed);
    }
}

/// A reader counted in `readers_in_flight`; leaving (also by panic)
/// uncounts it and, if the store is closing, releases the file should it
/// be the last one out.
pub(crate) struct ReaderRegistration<'a, T: Transport, R: Runtime, C: Clock, File: TempFile> {
    shared: &'a Shared<T, R, C, File>,
    stripe: usize,
}

impl<T: Transport, R: Runtime, C: Clock, File: TempFile> Drop
    for ReaderRegistration<'_, T, R, C, File>
{
    fn drop(&mut self) {
        let shared = self.shared;
        shared.readers_in_flight.leave(&shared.runtime, self.stripe);
        shared.runtime.fence(SeqCst);
        // Its own stripe cannot tell whether it was the last: the release
        // sums them, under the lock, so the last of the leavers to take it
        // sees every other one gone.
        if shared.is_closing() {
            drop(shared.release_if_last(shared.lock()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StdRuntime;

    fn waiting_for(ends: &[u64]) -> (Waiters<StdRuntime>, Vec<WaiterKey>) {
        let mut waiters = Waiters::new();
        let condvar = Arc::new(StdRuntime.condvar());
        let keys = ends
            .iter()
            .map(|&end| waiters.subscribe(end, &condvar))
            .collect();
        (waiters, keys)
    }

    #[test]
    fn progress_takes_exactly_the_waiters_whose_range_it_completes() {
        let (mut waiters, keys) = waiting_for(&[8, 16, 16, 24]);
        let reached: Vec<WaiterKey> = waiters.take_reached(16).into_keys().collect();
        assert_eq!(reached, keys[..3]);
        assert_eq!(
            waiters.by_end.keys().copied().collect::<Vec<_>>(),
            keys[3..]
        );
    }

    #[test]
    fn a_waiter_that_woke_spuriously_unsubscribes_and_a_taken_one_is_gone() {
        let (mut waiters, keys) = waiting_for(&[8, 24]);
        waiters.unsubscribe(keys[1]);
        assert_eq!(waiters.take_reached(8).len(), 1);
        waiters.unsubscribe(keys[0]);
        assert!(waiters.by_end.is_empty());
    }

    #[test]
    fn wake_all_wakes_and_forgets_every_waiter() {
        let (mut waiters, _) = waiting_for(&[8, 16, u64::MAX]);
        let mut woken = 0;
        waiters.wake_all(|_| woken += 1);
        assert_eq!(woken, 3);
        assert!(waiters.by_end.is_empty());
    }
}
