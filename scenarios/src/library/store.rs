//! The store's and the mount's scenarios registered with the harness
//! library, as an outside crate registers its component: one row per
//! scenario of the catalogue and per canary
//! (`scenario_rows!`, `canary_rows!`), each body the catalogue's own on a
//! [`FacadeWorld`] whose files and transport are the store's own doubles
//! (`crate::doubles`), hosted by the facade ([`FacadeHost`]).
//!
//! Each run draws its parameters from the run's data seed
//! (`harness::check::data_seed`), as the simulator draws them per seed:
//! the smallest run under DFS and loom, which search the schedules of one
//! shape, and a shape per seed under the seeded engines.
//!
//! What judges a run here: the oracles the doubles judge (data integrity,
//! access after close, leaks, the retry policy), the scenarios' own checks
//! of every read and close, the library's generic oracles (a deadlock, a
//! wait under a lock, a wait inside a never-waits call), the store's
//! liveness, counts and time bounds, judged from the facts the simulator
//! keeps too (`liveness.rs`), and, under loom, each read of a file's bytes
//! against their write (`check::Written`).

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, OnceLock, PoisonError};
use std::time::Duration;

use ::store::runtime::harness::{HarnessClock, HarnessRuntime};
use ::store::{Clock, Instant, Plant, Platform, RetryPolicy, StoreOptions};
use harness::Scenario;
use harness::check::{Fact, Op, SYSTEMATIC_DATA_SEED, ThreadKey, Written};
use harness::coverage::{Classifier, Reached};
use harness::sync::atomic::{AtomicU64, Ordering};

use super::FacadeWorld;
use super::liveness::Ledger;
use crate::doubles::{
    CheckedFiles, DataRace, Host, ScriptedTransport, Step, TransportFault, WrittenBytes,
};
use crate::{
    Call, CounterSource, FileFaults, Oracle, Outcome, Params, PlantedBug, Scenario as Key, Size,
    StoreClassifier, StoreSituation, StoreStep, StoreWorld, TransportFaults, Violation,
};

/// The registry of scenarios: one row per scenario of the store and of
/// the mount, by its catalogue key. A test holds it to the catalogue.
macro_rules! scenario_rows {
    ($($key:ident,)*) => {
        /// Each scenario of the store and of the mount, with its body on
        /// the library.
        const SCENARIO_ROWS: &[(Key, fn())] =
            &[$((Key::$key, || on_the_library(Key::$key, None)),)*];
    };
}

/// The registry of canaries: one row per planted bug of the store and of
/// the mount, `Bug => "HOME--BUG"`, its body the bug planted in its home
/// scenario. A test holds it to the catalogue.
macro_rules! canary_rows {
    ($($bug:ident => $name:literal,)*) => {
        /// Each canary, named `HOME--BUG`.
        const CANARY_ROWS: &[(PlantedBug, &str, fn())] =
            &[$((PlantedBug::$bug, $name, || canary(PlantedBug::$bug)),)*];
    };
}

scenario_rows! {
    ConcurrentReaders,
    ReadCloseBarrier,
    ReadCloseInFlight,
    MultiFileParallelism,
    MultiFileStaging,
    EarlyClose,
    Stress,
    TransportResetResume,
    PermanentTransportError,
    DiskFull,
    CloseDeadlineInFlight,
    DeadlineWithReaderInside,
    CloseDuringBackoff,
    ReadsDuringStall,
    FailedDownloadReads,
    DropWhileReading,
    ConcurrentCloses,
    DropDuringDownload,
    HandlesRaceClose,
    HandleAcrossClose,
    SharedHandle,
    MountReplies,
}

canary_rows! {
    WaitLoopIgnoresClosing => "read-close-in-flight--wait-loop-ignores-closing",
    NoRecheckAfterRegistration => "early-close--no-recheck-after-registration",
    CloseSkipsDrain => "early-close--close-skips-drain",
    CloseWaitsHoldingLock => "read-close-in-flight--close-waits-holding-lock",
    NonStandardClosedError => "read-close-in-flight--non-standard-closed-error",
    PartialReadReturnsZero => "concurrent-readers--partial-read-returns-zero",
    StateSharedBetweenStores => "multi-file-parallelism--state-shared-between-stores",
    EarlyCloseLeavesDownloader => "early-close--early-close-leaves-downloader",
    PublishBeforeWrite => "concurrent-readers--publish-before-write",
    ReleaseSkipsRemove => "concurrent-readers--release-skips-remove",
    DeadlineGivesUpEarly => "close-deadline-in-flight--deadline-gives-up-early",
    ReleaseWithoutNotify => "early-close--release-without-notify",
    SilentProgress => "reads-during-stall--silent-progress",
    RetryCountIgnoresProgress => "transport-reset-resume--retry-count-ignores-progress",
    WaiterTrustsItsWakeup => "concurrent-readers--waiter-trusts-its-wakeup",
    ProgressWakesWrongWaiters => "reads-during-stall--progress-wakes-wrong-waiters",
    EndWakesNoWaiters => "failed-download-reads--end-wakes-no-waiters",
    FastPathSkipsRegistration => "stress--fast-path-skips-registration",
    CloseSkipsCancel => "reads-during-stall--close-skips-cancel",
    HandleReleasedTwice => "handle-across-close--handle-released-twice",
    ReleaseIgnoresHandles => "handle-across-close--release-ignores-handles",
    RefusedDuplicateCountsTwice => "shared-handle--refused-duplicate-counts-twice",
    DeadlineKeptLate => "close-deadline-in-flight--deadline-kept-late",
    BackoffKeptLate => "transport-reset-resume--backoff-kept-late",
    ProgressPublishedRelaxed => "concurrent-readers--progress-published-relaxed",
    DeadlineErrorCountsNoReaders => "deadline-with-reader-inside--deadline-error-counts-no-readers",
    InFlightMissesAStripe => "read-close-in-flight--in-flight-misses-a-stripe",
    ReleaseClosesUnderARead => "shared-handle--release-closes-under-a-read",
    OneLaneForEveryObject => "mount-replies--one-lane-for-every-object",
    UnmountDiscardsQueuedReads => "mount-replies--unmount-discards-queued-reads",
    BackoffIgnoresClosing => "close-during-backoff--backoff-ignores-closing",
}

/// Records one call step of the store among the run's facts, typed, as
/// the store's classifier ([`StoreCoverage`]) reads it back.
#[track_caller]
fn record(step: StoreStep<ThreadKey>) {
    harness::check::record(step);
}

/// The store's and the mount's scenarios as the library's rows, named and
/// described as the catalogue names and describes them, then each canary
/// in its home scenario (`HOME--BUG`), described as the catalogue
/// describes the bug.
pub fn store_scenarios() -> &'static [Scenario] {
    static SCENARIOS: OnceLock<Vec<Scenario>> = OnceLock::new();
    SCENARIOS.get_or_init(|| {
        let scenarios = SCENARIO_ROWS.iter().map(|&(key, body)| {
            let about = key.spec().about();
            Scenario::new(about.name, about.description, body)
        });
        let canaries = CANARY_ROWS
            .iter()
            .map(|&(bug, name, body)| Scenario::new(name, bug.description(), body));
        scenarios.chain(canaries).collect()
    })
}

/// Runs `bug` planted in its home scenario.
fn canary(bug: PlantedBug) {
    let (home, _) = bug.home().expect("a canary row names a bug with a home");
    on_the_library(home, Some(bug));
}

/// Runs scenario `key` once on the facade, in the shape the run's data
/// seed draws, `planted` planted.
fn on_the_library(key: Key, planted: Option<PlantedBug>) {
    let seed = harness::check::data_seed();
    let params = if seed == SYSTEMATIC_DATA_SEED {
        Params::loom_default()
    } else {
        Params::from_seed(seed, Size::Shuttle)
    };
    let params = key.spec().adapt(params);
    let options = StoreOptions::default().with_plant(planted.map(|bug| Plant::at(bug.name())));
    key.run(&FacadeWorld::default(), &params, &options);
}

/// The facade as the host of the store's doubles: their steps are
/// recorded among the run's facts, typed; the files' contents are a facade
/// atomic (so a file access is a scheduling point); and a slow read sleeps
/// on the run's virtual clock.
pub(super) struct FacadeHost {
    clock: HarnessClock,
    /// Stands for the files' contents: a read loads it, a write stores it.
    contents: AtomicU64,
    /// Told each store's file and downloader, and each slow file operation.
    ledger: Ledger,
}

impl FacadeHost {
    /// The host of a world whose liveness is judged from `ledger`.
    pub(super) fn new(ledger: Ledger) -> FacadeHost {
        FacadeHost {
            clock: HarnessClock::default(),
            contents: AtomicU64::new(0),
            ledger,
        }
    }
}

impl Host for FacadeHost {
    fn thread_name(&self) -> String {
        let thread = harness::thread::current();
        thread.name().unwrap_or("unnamed").to_owned()
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }

    #[track_caller]
    fn saw(&self, store: Option<&'static str>, step: Step) {
        if let Some(store) = store {
            self.ledger.saw(store, step);
        }
        harness::check::record(step);
    }

    fn file_access(&self, writes: bool) {
        // A thread unwinding a failed run touches no scheduler.
        if std::thread::panicking() {
            return;
        }
        if writes {
            self.contents.store(1, Ordering::Relaxed);
        } else {
            self.contents.load(Ordering::Relaxed);
        }
    }

    fn slow_file_operation(&self, takes: Duration) {
        if !std::thread::panicking() {
            self.ledger.in_file_layer(true);
            harness::thread::sleep(takes);
            self.ledger.in_file_layer(false);
        }
    }

    fn written_bytes(&self) -> Option<Arc<dyn WrittenBytes>> {
        // A failed run's teardown writes nothing the judges need.
        (!std::thread::panicking()).then(|| Arc::new(FacadeWrite(Written::new())) as _)
    }

    /// Under loom, a read whose bytes' writes do not happen before it is
    /// the oracle data-integrity broken, as `sim` reports it.
    fn check_read(&self, file: usize, from: u64, to: u64, writes: &[Arc<dyn WrittenBytes>]) {
        let read = panic::catch_unwind(AssertUnwindSafe(|| {
            writes.iter().for_each(|write| write.read());
        }));
        if read.is_err() {
            let race = DataRace { file, from, to };
            Violation::new(
                Oracle::DataIntegrity,
                self.thread_name(),
                "read not ordered after its write",
                race.to_string(),
            )
            .raise();
        }
    }
}

/// The bytes one write put in a file, as the library's engines check reads
/// of them (under loom, against the write's happening before).
struct FacadeWrite(Written);

impl WrittenBytes for FacadeWrite {
    fn read(&self) {
        self.0.read();
    }
}

impl StoreWorld for FacadeWorld {
    type Files = CheckedFiles;
    type Transport = ScriptedTransport<HarnessRuntime>;

    fn platform(
        &self,
        store: &'static str,
        faults: &FileFaults,
    ) -> Platform<HarnessRuntime, HarnessClock, CheckedFiles> {
        Platform {
            runtime: HarnessRuntime,
            clock: self.clock,
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
        let transport = ScriptedTransport::new(&HarnessRuntime, store, object, faults, retry, host);
        let mut transports = self
            .transports
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        transports.insert(store, transport.failure_watch());
        transport
    }

    #[track_caller]
    fn store_opened(&self, store: &'static str, object_len: u64) {
        self.ledger.store_opened(store, object_len);
        record(StoreStep::StoreOpened {
            store,
            len: object_len,
        });
    }

    #[track_caller]
    fn call_begins(&self, call: Call) {
        self.ledger.call_begins(call);
        record(StoreStep::CallBegins(call));
    }

    #[track_caller]
    fn call_returns(&self, outcome: Outcome) {
        self.ledger.call_returns(&outcome);
        record(StoreStep::CallReturns(outcome));
    }

    fn counters_of(&self, store: &'static str, source: CounterSource) {
        self.ledger.counters_of(store, source);
    }

    fn await_transport_failure(&self, store: &'static str) {
        let transports = self
            .transports
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let watch = transports.get(store).cloned();
        drop(transports);
        watch
            .unwrap_or_else(|| panic!("store {store} has no transport to wait on"))
            .wait_for_failure();
    }

    fn assert_no_leaks(&self) {
        self.files.assert_no_leaks();
    }
}

/// The store's coverage on the library: its classifier
/// ([`StoreClassifier`]) over the run's facts. The world records each
/// call's begin and return (a `StoreStep`, read back by its type); the
/// doubles record their files' and their transport's steps (a `Step`);
/// and the facade's own facts give the spawns, the waits and the ends of
/// threads.
#[derive(Debug, Default)]
pub struct StoreCoverage(StoreClassifier<ThreadKey>);

impl Classifier for StoreCoverage {
    type Situation = StoreSituation;

    fn see(&mut self, fact: &Fact, reached: &mut Reached<StoreSituation>) {
        let step = match fact.op {
            Op::Recorded(ref value) => match (value.get::<StoreStep<ThreadKey>>(), value.get()) {
                (Some(step), _) => step.clone(),
                (None, Some(step)) => double_step(step),
                (None, None) => StoreStep::Other,
            },
            Op::Spawn { child } => StoreStep::Spawns { child },
            Op::Wait | Op::Park => StoreStep::Waits,
            Op::TimedWait(_) => StoreStep::TimedWaitBegins,
            Op::TimedWaitEnds(_) => StoreStep::TimedWaitEnds,
            Op::ThreadEnds => StoreStep::Finishes,
            _ => StoreStep::Other,
        };
        self.0.see(&fact.thread, step, |situation| {
            reached.insert(situation);
        });
    }
}

/// What the store's classifier sees of a double's step.
fn double_step(step: &Step) -> StoreStep<ThreadKey> {
    match *step {
        Step::FileCreated { file } => StoreStep::FileCreated { file },
        Step::File { file, op, result } => StoreStep::File { file, op, result },
        Step::StreamOpened { from, .. } => StoreStep::StreamOpened { from },
        Step::StreamRefused { .. } => StoreStep::StreamRefused,
        Step::Fault(TransportFault::Reset) => StoreStep::Reset,
        Step::Fault(TransportFault::Stalls) => StoreStep::Stalls,
        _ => StoreStep::Other,
    }
}

#[cfg(test)]
mod tests {
    use harness::check::{Check, Engine};

    use super::*;

    /// The situations that `body`, on a world of its own, reaches in DFS's
    /// first schedule.
    fn reached(body: fn(&FacadeWorld)) -> Vec<String> {
        let covered = Check::new()
            .engines([Engine::Dfs])
            .schedules(1)
            .coverage::<StoreCoverage>(move || body(&FacadeWorld::default()));
        assert!(covered.outcome.is_ok(), "{:?}", covered.outcome);
        StoreSituation::all()
            .filter(|&situation| covered.tally.runs(situation) > 0)
            .map(StoreSituation::name)
            .collect()
    }

    #[test]
    fn a_handle_call_that_returned_is_no_longer_in_flight() {
        let reached = reached(|world| {
            let store = "A";
            world.call_begins(Call::OpenHandle { store });
            world.call_returns(Outcome::HandleOpened);
            let other = world.clone();
            harness::thread::spawn(move || {
                other.call_begins(Call::Release { store });
                other.call_returns(Outcome::Done);
            })
            .join()
            .expect("the thread ends without a panic");
            world.call_begins(Call::Release { store });
            world.call_returns(Outcome::Done);
        });
        assert_eq!(
            reached,
            [
                "open_handle@before-first-stream",
                "release@before-first-stream"
            ]
        );
    }
}
