use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::doubles::Host;
use scenarios::{
    CounterSource, FileFaults, LogCall, LogWorld, Oracle, StoreMoment, StoreWorld, TransportFaults,
    Violation, WaitSpan, World, bound_kept_late, counts_outside_span, counts_while_waiting,
    stores_at_quiescence,
};
use store::{Clock, InFlight, Instant, Platform, RetryPolicy, StoreError};

use super::host::SimHost;
use super::wait_for::{wait_for, wait_for_lines};
use super::{
    Blocked, Call, CheckedFiles, Facts, FailureWatch, ModelRuntime, Outcome, Quiescence,
    ScriptedTransport, SimRuntime, Span, ThreadKey, Trace, VirtualClock, What, peeking,
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
        self.returns_with_span().map(|(call, _)| call)
    }

    /// The calling thread's call returns; the call it was, and what was
    /// in flight on its store meanwhile, if it reads counts.
    fn returns_with_span(&self) -> Option<(Call, Option<Span>)> {
        if Self::unwinding() {
            return None;
        }
        self.facts.call_returns(self.runtime.thread_key())
    }

    /// The oracle "in-flight counts true" for counts read during `span`:
    /// none above the most in flight meanwhile, handles not below the
    /// fewest duplicates open. Judged only where loads cannot be stale
    /// (see [`ModelRuntime::MODELS_WEAK_MEMORY`]).
    fn judge_counts(&self, counts: InFlight, span: &Span, what: &str) {
        if I::MODELS_WEAK_MEMORY {
            return;
        }
        if let Some(violation) = counts_outside_span(counts, span, what, I::thread_name) {
            violation.raise();
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
        let since_origin = deadline.map(Instant::since_origin);
        if !Self::unwinding() {
            let finished = self
                .facts
                .store(store)
                .downloader
                .is_some_and(|downloader| self.runtime.has_finished(downloader));
            lock(&self.downloader_finished_at_close).insert(self.runtime.thread_key(), finished);
        }
        let what = What::CloseBegins {
            store,
            deadline: since_origin,
        };
        self.begins(Call::Close { store }, what);
        if let Some(deadline) = deadline.filter(|_| !Self::unwinding()) {
            self.facts
                .close_deadline_is(self.runtime.thread_key(), deadline);
        }
    }

    fn close_returns(&self, outcome: &Result<(), StoreError>) {
        let Some((call, span)) = self.returns_with_span() else {
            return;
        };
        let recorded = Outcome::of_close(outcome);
        self.runtime.record(What::CloseReturns {
            store: call.store(),
            outcome: recorded,
        });
        let downloader_had_finished = lock(&self.downloader_finished_at_close)
            .remove(&self.runtime.thread_key())
            .unwrap_or(false);
        if let (
            Err(StoreError::CloseDeadlineExceeded {
                readers_in_flight,
                handles_open,
                downloader_running,
            }),
            Some(span),
        ) = (outcome, span)
        {
            if *downloader_running && downloader_had_finished {
                let what = format!(
                    "close of store {} reports the downloader running at its deadline, \
                     but the downloader had finished before the close began",
                    call.store()
                );
                Violation::new(
                    Oracle::InFlightCountsTrue,
                    I::thread_name(),
                    "downloader reported running after it finished",
                    what,
                )
                .raise();
            }
            // The error counts no closes: the platform's own count stands
            // in, so only the error's two counts are judged.
            let reported = InFlight {
                reads: *readers_in_flight as u64,
                closes: span.closes,
                handles: *handles_open as u64,
            };
            self.judge_counts(reported, &span, "CloseDeadlineExceeded");
        }
    }

    fn counters_of(&self, store: &'static str, source: CounterSource) {
        self.facts.counters_of(store, source);
    }

    fn handle_open_begins(&self, store: &'static str) {
        self.begins(Call::OpenHandle { store }, What::HandleOpens { store });
    }

    fn handle_open_returns(&self, outcome: &Result<(), StoreError>) {
        if let Some(call) = self.returns() {
            let outcome = match outcome {
                Ok(()) => Outcome::HandleOpened,
                Err(_) => Outcome::of_close(outcome),
            };
            self.runtime.record(What::HandleOpenReturns {
                store: call.store(),
                outcome,
            });
        }
    }

    fn release_begins(&self, store: &'static str) {
        self.begins(Call::Release { store }, What::ReleaseBegins { store });
    }

    fn release_returns(&self, outcome: &Result<(), StoreError>) {
        if let Some(call) = self.returns() {
            self.runtime.record(What::ReleaseReturns {
                store: call.store(),
                outcome: Outcome::of_close(outcome),
            });
        }
    }

    fn in_flight_begins(&self, store: &'static str) {
        if !Self::unwinding() {
            self.facts
                .call_begins(self.runtime.thread_key(), Call::InFlight { store });
        }
    }

    fn in_flight_returns(&self, counts: InFlight) {
        let Some((call, Some(span))) = self.returns_with_span() else {
            return;
        };
        self.runtime.record(What::InFlightRead {
            store: call.store(),
            reads: counts.reads,
            closes: counts.closes,
            handles: counts.handles,
        });
        self.judge_counts(counts, &span, "in_flight");
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
