use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::{FileFaults, Oracle, TransportFaults, Violation, World};
use store::{Instant, Platform, RetryPolicy, StoreError};

use super::{
    Call, CheckedFiles, Facts, FailureWatch, ModelRuntime, Outcome, Quiescence, ScriptedTransport,
    SimRuntime, Trace, TransportContext, VirtualClock, What,
};

/// The simulated platform for one execution, on the scheduler runtime `I`.
pub struct SimWorld<I: ModelRuntime> {
    runtime: SimRuntime<I>,
    clock: VirtualClock,
    files: CheckedFiles,
    facts: Facts,
    trace: Trace,
    /// Each store's transport, to wait for its failures.
    transports: Arc<Mutex<FailureWatches<I>>>,
}

/// The failure watch of each store's transport, by store name.
type FailureWatches<I> = BTreeMap<&'static str, FailureWatch<SimRuntime<I>>>;

impl<I: ModelRuntime> Clone for SimWorld<I> {
    fn clone(&self) -> Self {
        SimWorld {
            runtime: self.runtime.clone(),
            clock: self.clock.clone(),
            files: self.files.clone(),
            facts: self.facts.clone(),
            trace: self.trace.clone(),
            transports: Arc::clone(&self.transports),
        }
    }
}

impl<I: ModelRuntime> SimWorld<I> {
    /// A fresh world: clock at its origin, no files. Create it inside the
    /// execution it serves: scheduler primitives belong to one execution.
    pub fn new() -> SimWorld<I> {
        let (clock, trace, facts) = (VirtualClock::new(), Trace::new(), Facts::default());
        let runtime = SimRuntime::new(clock.clone(), trace.clone());
        let files = CheckedFiles::new(
            I::thread_name,
            Arc::new(runtime.file_access()),
            I::written_bytes,
            runtime.recorder(),
            facts.clone(),
        );
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
            transports: Arc::default(),
        }
    }

    /// The run's trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Every thread blocked right now, with where it waits.
    pub fn blocked_threads(&self) -> Vec<super::BlockedThread> {
        self.runtime.blocked_threads()
    }

    /// The first spawned thread whose body panicked, if any.
    pub fn first_panicked(&self) -> Option<String> {
        self.runtime.first_panicked()
    }

    /// Whether the calling thread must not record: it unwinds a failing
    /// execution, whose facts are moot, and under loom touching the
    /// scheduler then aborts the process.
    fn unwinding() -> bool {
        std::thread::panicking()
    }

    /// The calling thread enters `call`: recorded, and kept for the judges.
    fn begins(&self, call: Call, what: What) {
        if Self::unwinding() {
            return;
        }
        self.facts.call_begins(self.runtime.thread_key(), call);
        self.runtime.record(what);
    }

    /// The calling thread's call returns; the call it was.
    fn returns(&self) -> Option<Call> {
        if Self::unwinding() {
            return None;
        }
        self.facts.call_returns(self.runtime.thread_key())
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
fn judge_quiescence(facts: &Facts, files: &CheckedFiles, moment: &Quiescence) -> Option<Violation> {
    let everyone = || {
        let blocked: Vec<String> = moment
            .blocked
            .iter()
            .map(|blocked| blocked.thread.to_string())
            .collect();
        blocked.join("; ")
    };
    for reader in &moment.blocked {
        let Some(Call::Read { store, offset, end }) = facts.call_of(reader.key) else {
            continue;
        };
        let store_facts = facts.store(store);
        let (offset, end) = (offset.min(store_facts.len), end.min(store_facts.len));
        let missing = store_facts
            .file
            .is_none_or(|file| files.has_unwritten(file, offset, end));
        let running = store_facts
            .downloader
            .is_none_or(|downloader| !moment.finished.contains(&downloader));
        if missing && running {
            continue;
        }
        let (kind, why) = if missing {
            (
                "reader waits for a download that ended",
                "the download has ended",
            )
        } else {
            (
                "reader waits for bytes that arrived",
                "every byte of it was written",
            )
        };
        let what = format!(
            "waits in read_at [{offset}, {end}) of store {store}, but {why}; every thread is blocked: {}",
            everyone()
        );
        return Some(Violation::new(
            Oracle::NoNeedlessWait,
            reader.thread.thread.clone(),
            kind,
            what,
        ));
    }
    for closer in &moment.blocked {
        let Some(Call::Close { store }) = facts.call_of(closer.key) else {
            continue;
        };
        let timer = moment.blocked.iter().find(|blocked| {
            blocked.timed()
                && !matches!(facts.call_of(blocked.key), Some(Call::Close { .. }))
                && facts.works_for(blocked.key, store)
        });
        if let Some(timer) = timer {
            let what = format!(
                "close of store {store} cannot finish until a store timer expires: {}; \
                 every thread is blocked: {}",
                timer.thread,
                everyone()
            );
            return Some(Violation::new(
                Oracle::CloseDoesNotWaitOnTimers,
                closer.thread.thread.clone(),
                "close waits for a store timer",
                what,
            ));
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
        store: &'static str,
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
        store: &'static str,
        object: Arc<[u8]>,
        faults: &TransportFaults,
        retry: &RetryPolicy,
    ) -> Self::Transport {
        let context = TransportContext {
            store,
            facts: self.facts.clone(),
            thread_key: I::thread_key,
            thread_name: I::thread_name,
            clock: self.clock.clone(),
            retry: retry.clone(),
            record: self.runtime.recorder(),
        };
        let transport = ScriptedTransport::new(&self.runtime, object, faults, context);
        lock(&self.transports).insert(store, transport.failure_watch());
        transport
    }

    fn store_opened(&self, store: &'static str, object_len: u64) {
        self.facts.store_opened(store, object_len);
        self.runtime.record(What::StoreOpened {
            store,
            len: object_len,
        });
    }

    fn read_begins(&self, store: &'static str, offset: u64, len: usize) {
        let end = offset.saturating_add(len as u64);
        let call = Call::Read { store, offset, end };
        self.begins(call, What::ReadBegins { store, offset, end });
    }

    fn read_returns(&self, outcome: &Result<usize, StoreError>) {
        if let Some(Call::Read { store, offset, end }) = self.returns() {
            let outcome = Outcome::of_read(outcome);
            self.runtime.record(What::ReadReturns {
                store,
                offset,
                end,
                outcome,
            });
        }
    }

    fn close_begins(&self, store: &'static str, deadline: Option<Instant>) {
        let deadline = deadline.map(Instant::since_origin);
        self.begins(Call::Close { store }, What::CloseBegins { store, deadline });
    }

    fn close_returns(&self, outcome: &Result<(), StoreError>) {
        if let Some(call) = self.returns() {
            let outcome = Outcome::of_close(outcome);
            self.runtime.record(What::CloseReturns {
                store: call.store(),
                outcome,
            });
        }
    }

    fn drop_begins(&self, store: &'static str) {
        self.begins(Call::Drop { store }, What::DropBegins { store });
    }

    fn drop_returns(&self) {
        if let Some(call) = self.returns() {
            self.runtime.record(What::DropReturns {
                store: call.store(),
            });
        }
    }

    fn await_transport_failure(&self, store: &'static str) {
        let watch = lock(&self.transports).get(store).cloned();
        watch
            .unwrap_or_else(|| panic!("store {store} has no transport to wait on"))
            .wait_for_failure();
    }

    fn assert_no_leaks(&self) {
        self.files.assert_no_leaks();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
