//! What a scenario runs on. The simulator implements it; a scenario never
//! knows which scheduler, clock or file layer is underneath.
//!
//! [`World`] is what any subject needs: threads, time, and the platform's
//! generic section of calls that promise never to wait. Each subject adds
//! the calls it tells the platform: [`StoreWorld`] the store's (its files,
//! its transport, its calls), [`LogWorld`] the logger's. A scenario's body
//! asks for the worlds of the subjects it drives, and the catalogue runs on
//! a [`CatalogueWorld`], which serves them all.
//!
//! A scenario tells the world each fact once, as it happens: a store opened,
//! a call begins, a call returns, the last handle is dropped. The world
//! records it in the run's trace and keeps it for the oracles it judges
//! itself (which thread is inside which call, for the liveness oracles).

use std::sync::Arc;

use store::{Clock, FileIo, InFlight, Platform, RetryPolicy, Runtime, Transport};

use crate::{Call, FileFaults, Outcome, TransportFaults};

/// Reads a store's own counts; `None` once the store is gone. The world
/// calls it from its judges, under its own locks: it must never own the
/// store (were its reference the last, the store's destructor would run
/// there, and come back to the platform), only borrow it while its owner
/// lives.
pub type CounterSource = Arc<dyn Fn() -> Option<InFlight> + Send + Sync>;

/// A public call of the logger (`store::log::LossyLog`), as its scenarios
/// tell the world: the rows of the logger's coverage matrix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogCall {
    /// `try_log`.
    #[default]
    TryLog,
    /// `shutdown`.
    Shutdown,
    /// `dropped_lines`.
    DroppedLines,
}

impl LogCall {
    /// Every call, in table order.
    pub const ALL: [LogCall; 3] = [LogCall::TryLog, LogCall::Shutdown, LogCall::DroppedLines];

    /// Its name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            LogCall::TryLog => "try_log",
            LogCall::Shutdown => "shutdown",
            LogCall::DroppedLines => "dropped_lines",
        }
    }
}

/// A platform for one execution of a scenario, as any subject sees it.
/// Clones share everything.
pub trait World: Clone + Send + Sync + 'static {
    /// Locks, condition variables, threads.
    type Runtime: Runtime;
    /// Time.
    type Clock: Clock + Clone;

    /// The runtime, also for the scenario's own threads and latches.
    fn runtime(&self) -> &Self::Runtime;

    /// The clock deadlines are measured on.
    fn clock(&self) -> &Self::Clock;

    /// The calling thread enters `call`, which promises never to wait: it
    /// must take no lock and wait on nothing until it returns.
    fn never_waits_begins(&self, call: &'static str);

    /// The calling thread's call that promises never to wait has returned.
    fn never_waits_returns(&self);
}

/// The world as the store's scenarios see it: the store's files and
/// transport, and each of its calls told as it begins and returns.
pub trait StoreWorld: World {
    /// Temp files; all stores of one world share one checker.
    type Files: FileIo;
    /// The remote object.
    type Transport: Transport;

    /// What store `store` runs on, its temp file misbehaving per `faults`.
    fn platform(
        &self,
        store: &'static str,
        faults: &FileFaults,
    ) -> Platform<Self::Runtime, Self::Clock, Self::Files>;

    /// A transport for store `store`, serving `object` and misbehaving per
    /// `faults`; the store retries it per `retry`, which the transport may
    /// check (it sees every attempt).
    fn transport(
        &self,
        store: &'static str,
        object: Arc<[u8]>,
        faults: &TransportFaults,
        retry: &RetryPolicy,
    ) -> Self::Transport;

    /// Store `store`, of an object of `object_len` bytes, is being opened.
    fn store_opened(&self, store: &'static str, object_len: u64);

    /// The calling thread enters `call`: the world records it, and keeps it
    /// for its judges while the thread is inside.
    fn call_begins(&self, call: Call);

    /// The calling thread's call returned `outcome`. The world judges the
    /// counts it reports (`in_flight()`'s, a `CloseDeadlineExceeded`'s)
    /// against the calls it saw in flight meanwhile.
    fn call_returns(&self, outcome: Outcome);

    /// Store `store`'s own counts are read by `source` (`None` once the
    /// store is gone), for the world to judge and to report.
    fn counters_of(&self, store: &'static str, source: CounterSource);

    /// Blocks the calling thread until store `store`'s transport has served
    /// a transient failure (a reset, a short stream): a barrier on what the
    /// platform saw, for scenarios that must act after it.
    fn await_transport_failure(&self, store: &'static str);

    /// The oracle "no leaked file or handle": raises a violation if a temp
    /// file created in this world is still open or present.
    fn assert_no_leaks(&self);
}

/// The world as the logger's scenarios see it: each of its calls told as
/// it begins and returns.
pub trait LogWorld: World {
    /// The calling thread enters `call` on the logger.
    fn log_call_begins(&self, call: LogCall);

    /// The calling thread's call on the logger has returned.
    fn log_call_returns(&self);
}

/// A world serving every subject of the catalogue: what a scenario of the
/// registry runs on.
pub trait CatalogueWorld: StoreWorld + LogWorld {}

impl<W: StoreWorld + LogWorld> CatalogueWorld for W {}
