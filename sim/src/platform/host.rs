//! The simulator as the store's doubles' host: what they do goes into the
//! trace (as the same events it always was) and into the facts the judges
//! read; a file access is a scheduling point, a slow file operation takes
//! virtual time, and under loom a read is checked against its writes.

use std::sync::Arc;
use std::time::Duration;

use scenarios::doubles::{Host, Step, WrittenBytes};
use store::{Clock, Instant};

use super::happens_before::check_read;
use super::{Facts, ModelRuntime, Recorder, SimRuntime, Sleeper, VirtualClock, What};

/// The doubles' host in one simulated world.
pub(super) struct SimHost<I: ModelRuntime> {
    facts: Facts,
    clock: VirtualClock,
    record: Recorder,
    /// Tells the scheduler a file operation reads or writes the files'
    /// contents (see `SimRuntime::file_access`).
    access: Box<dyn Fn(bool) + Send + Sync>,
    sleeper: Sleeper<I>,
}

impl<I: ModelRuntime> SimHost<I> {
    /// The host of the doubles of a world with `runtime`, `clock` and
    /// `facts`.
    pub(super) fn new(runtime: &SimRuntime<I>, clock: &VirtualClock, facts: &Facts) -> SimHost<I> {
        SimHost {
            facts: facts.clone(),
            clock: clock.clone(),
            record: runtime.recorder(),
            access: Box::new(runtime.file_access()),
            sleeper: runtime.sleeper(),
        }
    }
}

impl<I: ModelRuntime> Host for SimHost<I> {
    fn thread_name(&self) -> String {
        I::thread_name()
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }

    fn saw(&self, store: Option<&'static str>, step: Step) {
        if let Some(store) = store {
            self.facts.saw(store, step, I::thread_key);
        }
        if let Some(what) = event_of(step) {
            (self.record)(what);
        }
    }

    fn file_access(&self, writes: bool) {
        (self.access)(writes);
    }

    fn slow_file_operation(&self, takes: Duration) {
        let key = I::thread_key();
        self.facts.in_file_layer(key, true);
        self.sleeper.sleep(takes);
        self.facts.in_file_layer(key, false);
    }

    fn written_bytes(&self) -> Option<Arc<dyn WrittenBytes>> {
        I::written_bytes()
    }

    fn check_read(&self, file: usize, from: u64, to: u64, writes: &[Arc<dyn WrittenBytes>]) {
        check_read(file, from, to, writes);
    }
}

/// The trace's event for `step`; `None` for a step only the facts keep.
fn event_of(step: Step) -> Option<What> {
    Some(match step {
        Step::FileCreated { file } => What::FileCreated { file },
        Step::File { file, op, result } => What::File { file, op, result },
        Step::StreamOpened { stream, from } => What::StreamOpened { stream, from },
        Step::StreamRefused { stream } => What::StreamRefused { stream },
        Step::Delivers { from, to, reported } => What::Delivers { from, to, reported },
        Step::Fault(fault) => What::Fault(fault),
        Step::Cancelled => What::Cancelled,
        Step::DuplicatesChange(_) | Step::StreamAsked | Step::BackoffOwed(_) => return None,
    })
}
