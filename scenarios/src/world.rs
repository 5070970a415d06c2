//! What a scenario runs on. The simulator implements it; a scenario never
//! knows which scheduler, clock or file layer is underneath.

use std::sync::Arc;

use store::{Clock, FileIo, Platform, RetryPolicy, Runtime, Transport};

use crate::{FileFaults, TransportFaults};

/// A platform for one execution of a scenario. Clones share everything.
pub trait World: Clone + Send + Sync + 'static {
    /// Locks, condition variables, threads.
    type Runtime: Runtime;
    /// Time.
    type Clock: Clock + Clone;
    /// Temp files; all stores of one world share one checker.
    type Files: FileIo;
    /// The remote object.
    type Transport: Transport;

    /// The runtime, also for the scenario's own threads and latches.
    fn runtime(&self) -> &Self::Runtime;

    /// The clock deadlines are measured on.
    fn clock(&self) -> &Self::Clock;

    /// What store `store` runs on, its temp file misbehaving per `faults`.
    fn platform(
        &self,
        store: &str,
        faults: &FileFaults,
    ) -> Platform<Self::Runtime, Self::Clock, Self::Files>;

    /// A transport for store `store`, serving `object` and misbehaving per
    /// `faults`; the store retries it per `retry`, which the transport may
    /// check (it sees every attempt).
    fn transport(
        &self,
        store: &str,
        object: Arc<[u8]>,
        faults: &TransportFaults,
        retry: &RetryPolicy,
    ) -> Self::Transport;

    /// The calling thread enters `read_at` on store `store` for the bytes
    /// `[offset, end)` (already clipped to the object); the platform may
    /// judge whether it waits for a reason.
    fn read_begins(&self, store: &str, offset: u64, end: u64);

    /// The calling thread enters `close` on store `store`.
    fn close_begins(&self, store: &str);

    /// The calling thread's `read_at` or `close` has returned.
    fn call_returns(&self);

    /// The oracle "no leaked file or handle": panics with a violation if a
    /// temp file created in this world is still open or present.
    fn assert_no_leaks(&self);

    /// Records a scenario-level event (a read begins, close returns...) in
    /// the run's trace, attributed to the calling thread.
    fn note(&self, what: &str);
}
