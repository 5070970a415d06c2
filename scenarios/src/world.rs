//! What a scenario runs on. The simulator implements it; a scenario never
//! knows which scheduler, clock or file layer is underneath.

use std::sync::Arc;

use store::{Clock, FileIo, Platform, Runtime, Transport};

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

    /// What one store runs on, its temp file misbehaving per `faults`.
    fn platform(&self, faults: &FileFaults) -> Platform<Self::Runtime, Self::Clock, Self::Files>;

    /// A transport serving `object`, misbehaving per `faults`.
    fn transport(&self, object: Arc<[u8]>, faults: &TransportFaults) -> Self::Transport;

    /// The oracle "no leaked file or handle": panics with a violation if a
    /// temp file created in this world is still open or present.
    fn assert_no_leaks(&self);

    /// Records a scenario-level event (a read begins, close returns...) in
    /// the run's trace, attributed to the calling thread.
    fn note(&self, what: &str);
}
