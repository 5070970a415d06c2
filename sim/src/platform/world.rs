use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::doubles::Host;
use scenarios::{
    CounterSource, FileFaults, LogCall, LogWorld, Oracle, StoreMoment, StoreWorld, TransportFaults,
    Violation, WaitSpan, World, bound_kept_late, counts_while_waiting,
    returned_counts_outside_span, stores_at_quiescence,
};
use store::{Clock, Platform, RetryPolicy};

use super::host::SimHost;
use super::wait_for::{wait_for, wait_for_lines};
use super::{
    Blocked, Call, CheckedFiles, Facts, FailureWatch, ModelRuntime, Outcome, Quiescence,
    ScriptedTransport, SimRuntime, ThreadKey, Trace, VirtualClock, What, peeking,
};

/// The simulated platform for one execution, on the scheduler runtime `I`.
pub struct SimWorld<I: ModelRuntime> {
    runtime: SimRuntime<I>,
    clock: VirtualClock,
    files: CheckedFiles,
    /// The store's doubles' host: the files' and every transport's.
    host: Arc<dyn Host>,
    facts: Facts,
    trace: Trace,
    /// Each store's transport, to wait for its failures.
    transports: Arc<Mutex<FailureWatches<I>>>,
    /// For each thread inside a close: whether its store's downloader had
    /// finished when the close began.
    downloader_finished_at_close: Arc<Mutex<BTreeMap<ThreadKey, bool>>>,
}

/// The failure watch of each store's transport, by store name.
type FailureWatches<I> = BTreeMap<&'static str, FailureWatch<SimRuntime<I>>>;

impl<I: ModelRuntime> Clone for SimWorld<I> {
    fn clone(&self) -> Self {
        SimWorld {
            runtime: self.runtime.clone(),
            clock: self.clock.clone(),
            files: self.files.clone(),
            host: Arc::clone(&self.host),
            facts: self.facts.clone(),
            trace: self.trace.clone(),
            transports: Arc::clone(&self.transports),
            downloader_finished_at_close: Arc::clone(&self.downloader_finished_at_close),
        }
    }
}

impl<I: ModelRuntime> SimWorld<I> {
    /// A fresh world: clock at its origin, no files. Create it inside the
    /// execution it serves: scheduler primitives belong to one execution.
    pub fn new() -> SimWorld<I> {
        let (clock, trace, facts) = (VirtualClock::new(), Trace::new(), Facts::default());
        let runtime = SimRuntime::new(clock.clone(), trace.clone());
        let host: Arc<dyn Host> = Arc::new(SimHost::new(&runtime, &clock, &facts));
        let files = CheckedFiles::new(Arc::clone(&host));
        let judge = (facts.clone(), files.clone());
        runtime.judge_quiescence_with(Arc::new(move |moment| {
            judge_quiescence(&judge.0, &judge.1, moment)
        }));
        let at_end = files.clone();
        runtime.judge_end_with(Arc::new(move || {
            at_end.leak_violation("when the run ended")
        }));
        let (at_wait, wait_clock) = (facts.clone(), clock.clone());
        runtime.judge_waits_with(Arc::new(move |wait| {
            let counts_of = |store| peeking(|| at_wait.counters(store));
            counts_while_waiting(&at_wait, wait.inside, counts_of, I::thread_name).or_else(|| {
                // A timed wait's end is exact only where one thread runs at
                // a time: on real threads another thread's timer can move
                // the clock between the store's reading it and its wait, so
                // there only an untimed wait is judged.
                if wait.timeout.is_some() && !I::ONE_THREAD_AT_A_TIME {
                    return None;
                }
                let span = WaitSpan::of(wait_clock.now(), wait.timeout);
                bound_kept_late(&at_wait, wait.caller, span, I::thread_name)
            })
        }));
        let described = (facts.clone(), files.clone());
        runtime.describe_waits_with(Arc::new(move |key, blocked| {
            wait_for(&described.0, &described.1, key, blocked)
        }));
        SimWorld {
            files,
            host,
            runtime,
            clock,
            facts,
            trace,
            transports: Arc::default(),
            downloader_finished_at_close: Arc::default(),
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

    /// A close of `store` that returned `outcome`: a `CloseDeadlineExceeded`
    /// that reports the downloader running, when it had finished before
    /// the close began, breaks `in-flight-counts-true`.
    fn judge_downloader_reported(&self, store: &'static str, outcome: &Outcome) {
        let had_finished = lock(&self.downloader_finished_at_close)
            .remove(&self.runtime.thread_key())
            .unwrap_or(false);
        if let Outcome::DeadlineExceeded {
            downloader_running: true,
            ..
        } = outcome
            && had_finished
        {
            let what = format!(
                "close of store {store} reports the downloader running at its deadline, \
                 but the downloader had finished before the close began"
            );
            Violation::new(
                Oracle::InFlightCountsTrue,
                I::thread_name(),
                "downloader reported running after it finished",
                what,
            )
            .raise();
        }
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
    let counts_of = |store| peeking(|| facts.counters(store));
    let moment = Moment {
        facts,
        files,
        moment,
    };
    stores_at_quiescence(facts, files, &moment, counts_of)
}

/// A quiescent moment as the store's verdicts read it: each blocked
/// thread named by the trace, a timer's thread with where it waits.
struct Moment<'a> {
    facts: &'a Facts,
    files: &'a CheckedFiles,
    moment: &'a Quiescence,
}

impl Moment<'_> {
    fn blocked(&self, key: ThreadKey) -> Option<&Blocked> {
        self.moment
            .blocked
            .iter()
            .find(|blocked| blocked.key == key)
    }
}

impl StoreMoment<ThreadKey> for Moment<'_> {
    fn waiting(&self) -> Vec<ThreadKey> {
        self.moment
            .blocked
            .iter()
            .map(|blocked| blocked.key)
            .collect()
    }

    fn on_time(&self, key: ThreadKey) -> bool {
        self.blocked(key).is_some_and(Blocked::timed)
    }

    fn is_live(&self, key: ThreadKey) -> bool {
        !self.moment.finished.contains(&key)
    }

    fn name(&self, key: ThreadKey) -> String {
        self.blocked(key)
            .map_or_else(String::new, |blocked| blocked.thread.thread.clone())
    }

    fn timer(&self, key: ThreadKey) -> String {
        self.blocked(key)
            .map_or_else(String::new, |blocked| blocked.thread.to_string())
    }

    fn last_blocked(&self) -> String {
        let last = self.moment.blocked.last();
        last.map_or_else(String::new, |blocked| blocked.thread.thread.clone())
    }

    fn everyone(&self) -> String {
        wait_for_lines(self.facts, self.files, &self.moment.blocked).join("; ")
    }
}

impl<I: ModelRuntime> World for SimWorld<I> {
    type Runtime = SimRuntime<I>;
    type Clock = VirtualClock;

    fn runtime(&self) -> &SimRuntime<I> {
        &self.runtime
    }

    fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    fn never_waits_begins(&self, call: &'static str) {
        self.runtime.record(What::NeverWaitsBegins { call });
        self.runtime.never_waits_begins(call);
    }

    fn never_waits_returns(&self) {
        if let Some(call) = self.runtime.never_waits_returns() {
            self.runtime.record(What::NeverWaitsReturns { call });
        }
    }
}

impl<I: ModelRuntime> StoreWorld for SimWorld<I> {
    type Files = CheckedFiles;
    type Transport = ScriptedTransport<SimRuntime<I>>;

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
        let host = Arc::clone(&self.host);
        let transport = ScriptedTransport::new(&self.runtime, store, object, faults, retry, host);
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

    fn call_begins(&self, call: Call) {
        if Self::unwinding() {
            return;
        }
        if let Call::Close { store, .. } = call {
            let finished = self
                .facts
                .store(store)
                .downloader
                .is_some_and(|downloader| self.runtime.has_finished(downloader));
            lock(&self.downloader_finished_at_close).insert(self.runtime.thread_key(), finished);
        }
        self.facts.call_begins(self.runtime.thread_key(), call);
        self.runtime.record(What::CallBegins(call));
    }

    fn call_returns(&self, outcome: Outcome) {
        if Self::unwinding() {
            return;
        }
        let Some((call, span)) = self.facts.call_returns(self.runtime.thread_key()) else {
            return;
        };
        // Recorded before it is judged: a failure's trace ends with the
        // return that broke the oracle.
        self.runtime.record(What::CallReturns {
            call,
            outcome: outcome.clone(),
        });
        if let Call::Close { store, .. } = call {
            self.judge_downloader_reported(store, &outcome);
        }
        if let Some(span) = span.filter(|_| !I::MODELS_WEAK_MEMORY)
            && let Some(violation) = returned_counts_outside_span(&outcome, &span, I::thread_name)
        {
            violation.raise();
        }
    }

    fn counters_of(&self, store: &'static str, source: CounterSource) {
        self.facts.counters_of(store, source);
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

impl<I: ModelRuntime> LogWorld for SimWorld<I> {
    fn log_call_begins(&self, call: LogCall) {
        self.runtime.record(What::LogCallBegins { call });
    }

    fn log_call_returns(&self) {
        self.runtime.record(What::LogCallReturns);
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
