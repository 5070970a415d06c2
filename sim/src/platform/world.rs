use std::sync::Arc;

use scenarios::{FileFaults, TransportFaults, World};
use store::Platform;

use super::{CheckedFiles, ModelRuntime, Note, ScriptedTransport, SimRuntime, Trace, VirtualClock};

/// A [`Note`] that records through `runtime`, naming the calling thread.
fn note_through<I: ModelRuntime>(runtime: &SimRuntime<I>) -> Note {
    let runtime = runtime.clone();
    Arc::new(move |what| runtime.note(what))
}

/// The simulated platform for one execution, on the scheduler runtime `I`.
pub struct SimWorld<I: ModelRuntime> {
    runtime: SimRuntime<I>,
    clock: VirtualClock,
    files: CheckedFiles,
    trace: Trace,
}

impl<I: ModelRuntime> Clone for SimWorld<I> {
    fn clone(&self) -> Self {
        SimWorld {
            runtime: self.runtime.clone(),
            clock: self.clock.clone(),
            files: self.files.clone(),
            trace: self.trace.clone(),
        }
    }
}

impl<I: ModelRuntime> SimWorld<I> {
    /// A fresh world: clock at its origin, no files. Create it inside the
    /// execution it serves: scheduler primitives belong to one execution.
    pub fn new() -> SimWorld<I> {
        let (clock, trace) = (VirtualClock::new(), Trace::new());
        let runtime = SimRuntime::new(clock.clone(), trace.clone());
        SimWorld {
            files: CheckedFiles::new(I::thread_name, note_through(&runtime)),
            runtime,
            clock,
            trace,
        }
    }

    /// The run's trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Every thread blocked right now, with where it waits.
    pub fn blocked_threads(&self) -> Vec<String> {
        self.runtime.blocked_threads()
    }
}

impl<I: ModelRuntime> Default for SimWorld<I> {
    fn default() -> Self {
        SimWorld::new()
    }
}

impl<I: ModelRuntime> World for SimWorld<I> {
    type Runtime = SimRuntime<I>;
    type Clock = VirtualClock;
    type Files = CheckedFiles;
    type Transport = ScriptedTransport<SimRuntime<I>>;

    fn runtime(&self) -> &SimRuntime<I> {
        &self.runtime
    }

    fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    fn platform(&self, faults: &FileFaults) -> Platform<SimRuntime<I>, VirtualClock, CheckedFiles> {
        Platform {
            runtime: self.runtime.clone(),
            clock: self.clock.clone(),
            files: self.files.with_faults(faults),
        }
    }

    fn transport(&self, object: Arc<[u8]>, faults: &TransportFaults) -> Self::Transport {
        ScriptedTransport::new(&self.runtime, object, faults, note_through(&self.runtime))
    }

    fn assert_no_leaks(&self) {
        self.files.assert_no_leaks();
    }

    fn note(&self, what: &str) {
        self.runtime.note(what);
    }
}
