use std::sync::Arc;

use scenarios::{FileFaults, Oracle, TransportFaults, World};
use store::{Platform, RetryPolicy};

use super::{
    Call, CheckedFiles, Facts, ModelRuntime, Quiescence, ScriptedTransport, SimRuntime, Trace,
    TransportContext, VirtualClock,
};

/// The simulated platform for one execution, on the scheduler runtime `I`.
pub struct SimWorld<I: ModelRuntime> {
    runtime: SimRuntime<I>,
    clock: VirtualClock,
    files: CheckedFiles,
    facts: Facts,
    trace: Trace,
}

impl<I: ModelRuntime> Clone for SimWorld<I> {
    fn clone(&self) -> Self {
        SimWorld {
            runtime: self.runtime.clone(),
            clock: self.clock.clone(),
            files: self.files.clone(),
            facts: self.facts.clone(),
            trace: self.trace.clone(),
        }
    }
}

impl<I: ModelRuntime> SimWorld<I> {
    /// A fresh world: clock at its origin, no files. Create it inside the
    /// execution it serves: scheduler primitives belong to one execution.
    pub fn new() -> SimWorld<I> {
        let (clock, trace, facts) = (VirtualClock::new(), Trace::new(), Facts::default());
        let runtime = SimRuntime::new(clock.clone(), trace.clone());
        let files = CheckedFiles::new(I::thread_name, runtime.note_fn(), facts.clone());
        let judge = (facts.clone(), files.clone());
        runtime.judge_quiescence_with(Arc::new(move |moment| {
            judge_quiescence(&judge.0, &judge.1, moment)
        }));
        let at_end = files.clone();
        runtime.judge_end_with(Arc::new(move || {
            at_end.leak_violation("when the run ended")
        }));
        SimWorld {
            files,
            runtime,
            clock,
            facts,
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

    /// The scenario's main thread is done (see [`SimRuntime::main_finishes`]).
    pub fn main_finishes(&self) {
        self.runtime.main_finishes();
    }
}

impl<I: ModelRuntime> Default for SimWorld<I> {
    fn default() -> Self {
        SimWorld::new()
    }
}

/// The liveness oracles, judged at a quiescent moment from the platform's
/// facts: what the files saw written, which downloader threads have
/// finished, which call each blocked thread is in.
fn judge_quiescence(facts: &Facts, files: &CheckedFiles, moment: &Quiescence) -> Option<String> {
    let everyone = || {
        let blocked: Vec<&str> = moment
            .blocked
            .iter()
            .map(|thread| thread.description.as_str())
            .collect();
        blocked.join("; ")
    };
    for reader in &moment.blocked {
        let Some(Call::Read { store, offset, end }) = facts.call_of(&reader.key) else {
            continue;
        };
        let store_facts = facts.store(&store);
        let missing = store_facts
            .file
            .is_none_or(|file| files.has_unwritten(file, offset, end));
        let running = store_facts
            .downloader
            .is_none_or(|downloader| !moment.finished.contains(&downloader));
        if missing && running {
            continue;
        }
        let why = if missing {
            "the download has ended"
        } else {
            "every byte of it was written"
        };
        let what = format!(
            "waits in read_at [{offset}, {end}) of store {store}, but {why}; every thread is blocked: {}",
            everyone()
        );
        return Some(Oracle::NoNeedlessWait.violation(&reader.thread, &what));
    }
    for closer in &moment.blocked {
        let Some(Call::Close { store }) = facts.call_of(&closer.key) else {
            continue;
        };
        let timer = moment.blocked.iter().find(|thread| {
            thread.timed
                && !matches!(facts.call_of(&thread.key), Some(Call::Close { .. }))
                && facts.works_for(&thread.key, &store)
        });
        if let Some(timer) = timer {
            let what = format!(
                "close of store {store} cannot finish until a store timer expires: {}; \
                 every thread is blocked: {}",
                timer.description,
                everyone()
            );
            return Some(Oracle::CloseDoesNotWaitOnTimers.violation(&closer.thread, &what));
        }
    }
    None
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

    fn platform(
        &self,
        store: &str,
        faults: &FileFaults,
    ) -> Platform<SimRuntime<I>, VirtualClock, CheckedFiles> {
        Platform {
            runtime: self.runtime.clone(),
            clock: self.clock.clone(),
            files: self.files.for_store(store, faults),
        }
    }

    fn transport(
        &self,
        store: &str,
        object: Arc<[u8]>,
        faults: &TransportFaults,
        retry: &RetryPolicy,
    ) -> Self::Transport {
        let context = TransportContext {
            store: store.to_owned(),
            facts: self.facts.clone(),
            thread_key: I::thread_key,
            thread_name: I::thread_name,
            clock: self.clock.clone(),
            retry: retry.clone(),
            note: self.runtime.note_fn(),
        };
        ScriptedTransport::new(&self.runtime, object, faults, context)
    }

    fn read_begins(&self, store: &str, offset: u64, end: u64) {
        let call = Call::Read {
            store: store.to_owned(),
            offset,
            end,
        };
        self.facts.call_begins(self.runtime.thread_key(), call);
    }

    fn close_begins(&self, store: &str) {
        let call = Call::Close {
            store: store.to_owned(),
        };
        self.facts.call_begins(self.runtime.thread_key(), call);
    }

    fn call_returns(&self) {
        self.facts.call_returns(&self.runtime.thread_key());
    }

    fn assert_no_leaks(&self) {
        self.files.assert_no_leaks();
    }

    fn note(&self, what: &str) {
        self.runtime.note(what);
    }
}

#[cfg(test)]
mod tests {
    use store::StdRuntime;

    use super::*;

    #[test]
    fn a_world_is_freed_with_its_last_handle() {
        let world = SimWorld::<StdRuntime>::new();
        let trace = world.trace().clone();
        drop(world);
        assert_eq!(
            trace.holders(),
            1,
            "a reference cycle keeps the world alive: every execution would leak it"
        );
    }
}
