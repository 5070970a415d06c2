//! The run the calling thread belongs to: which engine's primitives it
//! uses, its virtual clock, its facts, and the book of timed waits that lets
//! a timeout fire without anyone blocking on a real timer.
//!
//! shuttle and loom run every thread of an execution as a coroutine on the
//! OS thread that started it, so one thread-local serves them all; a real
//! thread spawned by the `threads` engine installs its run's [`Execution`]
//! as it starts.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use super::causality::Unparks;
use super::deadlock::{Deadlock, Stuck, StuckOn};
use super::endless::{
    Endless, LOOM_OUT_OF_BRANCHES, MAX_OPERATIONS, MODEL_LOOM_MAX_BRANCHES, Past,
    SPIN_ON_A_STALE_VALUE_UNDER_LOOM, STALE_READS_OF_A_SPIN,
};
use super::facts::{Fact, Facts, Op, ThreadKey};
use super::join_panics::JoinPanics;
use super::keys::ThreadKeys;
use super::liveness::{Access, Blocking, Book, Site};
use super::loom_park::Parkers;
use super::loom_pool::{Plan, Pool};
use super::panic_sites::PanicSites;
use super::peek;
use super::quiescence::{Quiescence, Wait, WaitBegins, Waiting};
use super::real_waits::RealWaits;
use super::seq_cst::SeqCstAccesses;
use super::spin_time::SpinTime;
use super::time::Instant;
use super::timers::{Patience, TimerId, Timers};
use crate::panics::{Panicked, Raised};

/// A judge of a run's quiescent moments (`check::at_quiescence`).
pub(crate) type QuiescenceJudge = Arc<dyn Fn(&Quiescence) + Send + Sync>;

/// A judge of each wait as it begins (`check::at_each_wait`).
pub(crate) type WaitJudge = Arc<dyn Fn(&WaitBegins) + Send + Sync>;

/// Whose primitives a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// std's: outside any run, and on the real threads of `threads`.
    Std,
    /// shuttle's: the random, PCT, URW and DFS engines.
    Shuttle,
    /// loom's: every interleaving up to a preemption bound, weak memory.
    Loom,
}

impl Flavour {
    /// The engines whose runs use these primitives, as a user knows them.
    pub(crate) fn engines(self) -> &'static str {
        match self {
            Flavour::Std => "real threads",
            Flavour::Shuttle => "shuttle (random, PCT, URW, DFS)",
            Flavour::Loom => "loom",
        }
    }
}

/// The virtual clock's tick: the least time a timed wait or sleep takes.
/// A real wait that times out returns after it began, never at the same
/// instant, and a loop that waits again for what is left of a deadline
/// relies on it: std's own `wait_timeout_while` waits for
/// `timeout.checked_sub(start.elapsed())`, which is zero when the first
/// wait ends exactly at the deadline. Were a wait of zero to take no time,
/// that loop would wait for zero at the same instant for ever.
const CLOCK_TICK: Duration = Duration::from_nanos(1);

/// The latest time since a run began that its clock can show (in
/// nanoseconds, a `u64`: 584 years). A timeout that would end later never
/// fires, as std's, whose wait that long is a wait without a timeout:
/// `wait_timeout(guard, Duration::MAX)` waits for a notification.
const CLOCK_HORIZON: Duration = Duration::from_nanos(u64::MAX);

/// The timer of one timed wait in progress, armed until dropped.
pub(crate) struct Timer<'a> {
    run: &'a Execution,
    id: TimerId,
}

impl Timer<'_> {
    /// Whether the timeout may fire now: no other timed wait's ends first.
    fn may_fire(&self) -> bool {
        lock(&self.run.timers).may_fire(self.id)
    }

    /// Whether a timed wait's timeout fires now, as the scheduler chooses
    /// (the clock then at its end), or the wait ends early, as a timed
    /// wait may. It never fires while an earlier timeout is armed, nor
    /// while a thread that can run would wait for its turn past the bound
    /// of [`super::turns`]: the wait then ends early after a spin, which lets the others run (the thread
    /// of the earlier timeout among them) as a spin-wait of the code under
    /// test would. Without the spin, two threads whose timeouts wait for a
    /// third's could hand the processor to each other above it for good
    /// (PCT's priorities), re-waiting forever.
    pub(crate) fn fires_now(&self) -> bool {
        if !self.may_fire() || self.run.keeps_a_ready_thread_waiting(self.id.ends()) {
            // Waiting on time while the others run: two timed waits of more
            // than the bound, each spinning while the other went on, would
            // otherwise each find the other ready, for good.
            let _due = Due::marks(self.run, self.run.thread_key());
            self.spin_behind();
            return false;
        }
        let fires = self.run.timeout_fires();
        if fires {
            self.fire();
        }
        fires
    }

    /// Fires the timeout: lets the others run until no other timed wait's
    /// timeout ends first (theirs fire first) and no thread that can run
    /// would wait for its turn past the bound of [`super::turns`] (it acts
    /// first), then moves the clock to this one's end.
    pub(crate) fn fire(&self) {
        let thread = self.run.thread_key();
        let _due = Due::marks(self.run, thread);
        while !self.may_fire() || self.run.keeps_a_ready_thread_waiting(self.id.ends()) {
            self.spin_behind();
        }
        self.run.advance_to(self.id.ends());
    }

    /// Lets the others run, an earlier timer being armed; one that
    /// lingers for its thread has a spin fewer left.
    fn spin_behind(&self) {
        self.run.if_lingering(|timers| timers.spun_behind(self.id));
        super::thread::spin(self.run);
    }

    /// The wait ended by the timer, or early: the timer stays armed for
    /// the calling thread, which goes on, for a while (`timers`' doc says
    /// how long).
    pub(crate) fn linger(self) {
        let thread = self.run.thread_key();
        let mut timers = lock(&self.run.timers);
        let one_at_a_time = self.run.flavour != Flavour::Std;
        timers.linger(thread, self.id, Patience::of(one_at_a_time));
        self.run.lingering.store(true, Ordering::SeqCst);
        drop(timers);
        // Its drop would disarm it; it holds nothing else.
        std::mem::forget(self);
    }
}

/// Marks a thread's timeout due to fire while it waits behind earlier
/// ones: the thread waits on time (`turns`' doc says why).
struct Due<'a> {
    run: &'a Execution,
    thread: ThreadKey,
}

impl<'a> Due<'a> {
    fn marks(run: &'a Execution, thread: ThreadKey) -> Due<'a> {
        lock(&run.facts).turns.firing(thread, true);
        Due { run, thread }
    }
}

impl Drop for Due<'_> {
    fn drop(&mut self) {
        lock(&self.run.facts).turns.firing(self.thread, false);
    }
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        lock(&self.run.timers).disarm(self.id);
    }
}

/// One run of a body: shared by every thread of it.
pub(crate) struct Execution {
    flavour: Flavour,
    /// What the body's data derives from (`check::data_seed`).
    data_seed: u64,
    /// Virtual time since the run began, in nanoseconds.
    clock_nanos: AtomicU64,
    facts: Mutex<Facts>,
    /// Each thread's key, read at every operation without the facts' lock.
    keys: ThreadKeys,
    /// The timers of the timed waits in progress, which fire in the order
    /// of their ends.
    timers: Mutex<Timers>,
    /// The spins of the code under test, which move the clock as they
    /// read it when nothing else can happen.
    spin_time: Mutex<SpinTime>,
    /// The names the run's threads were spawned with, for its failure.
    thread_names: Mutex<BTreeMap<ThreadKey, String>>,
    /// Which threads' last `SeqCst` access has no `SeqCst` fence after it,
    /// under loom (see `seq_cst.rs`).
    seq_cst: Mutex<SeqCstAccesses>,
    /// Whether a timer lingers for some thread: until none does, a thread's
    /// operation need not look at the timers.
    lingering: AtomicBool,
    /// Threads spawned and not yet finished (the `threads` engine waits
    /// for them; shuttle and loom do it themselves).
    live_spawned: AtomicUsize,
    /// The panics of spawned real threads, by the engine's name for each
    /// thread, in the order the threads ended.
    thread_panics: Mutex<Vec<(u64, Panicked)>>,
    /// The panics of the run's threads that a join may still take.
    join_panics: Mutex<JoinPanics>,
    /// The engine's name for the first thread to begin to panic, on real
    /// threads (told by the panic hook, [`panic_begins_on_this_thread`]): its panic is
    /// the run's cause, though another's may be caught first.
    first_to_panic: Mutex<Option<u64>>,
    /// Whether a judge of the code under test's runs, or panicked: on a
    /// thread the book has waiting, so a panic then is the judge's.
    a_judge_runs_or_panicked: AtomicBool,
    /// The locks each thread holds and the never-waits sections it is in,
    /// which thread waits on what, and where (for the liveness oracles,
    /// the quiescent moments and deadlocks), and the waiters of each
    /// condition variable.
    books: Mutex<Books>,
    /// The first oracle the model itself found broken, or the first thing
    /// the body did that the engine has no model of, as raised.
    first_violation: Mutex<Option<Raised>>,
    /// Each thread's park token, under loom.
    loom_parkers: Parkers,
    /// What each thread's unparks had seen, under shuttle.
    shuttle_unparks: Mutex<Unparks>,
    /// Who judges the quiescent moments.
    quiescence_judges: Mutex<Vec<QuiescenceJudge>>,
    /// Who judges each wait as it begins.
    wait_judges: Mutex<Vec<WaitJudge>>,
    /// Whether a judge is registered: until then no moment is judged.
    judged: AtomicBool,
    /// The loom atomics made as the run began, for first uses to take.
    loom_pool: Pool,
    /// Reads of loom atomics in a row, each of which missed a store its
    /// thread had not yet seen: a spin loom alone keeps going, once there
    /// are [`STALE_READS_OF_A_SPIN`] of them.
    loom_stale_reads: AtomicU64,
    /// Whether the body's own thread has returned.
    body_returned: AtomicBool,
    /// The lines whose panics the run's check has printed, once its body
    /// shares them ([`Execution::shares_panic_sites`]).
    panic_sites: OnceLock<Arc<PanicSites>>,
}

/// Untimed waiters per condition variable, and each timed waiter with
/// whether a notification reached it. Keys are ids handed out in order, so
/// iteration order is the same in every replay. On real threads, the
/// untimed waits too, which the run wakes itself.
#[derive(Default)]
struct TimedWaits {
    untimed: BTreeMap<u64, usize>,
    timed: BTreeMap<(u64, u64), bool>,
    next_ticket: u64,
    real: RealWaits,
}

/// The books of a run's locks and waits, behind one lock: taking a lock
/// is judged, booked as a wait and checked for a deadlock in one look, and
/// a notification is told to both books of waits in one.
#[derive(Default)]
struct Books {
    locks: Book,
    waits: Waiting,
    condvars: TimedWaits,
}

impl Books {
    /// Whether `thread` can run, as the book of waits says, with the
    /// book of locks saying which locks are held.
    fn can_run(&self, thread: ThreadKey) -> bool {
        self.waits
            .can_run(thread, |lock_at, access| self.locks.holder(lock_at, access))
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Execution>>> = const { RefCell::new(None) };
    /// The run a real thread was started for, to the thread's very end:
    /// its thread-local values are dropped after its body has returned
    /// and left the run, and are still the run's.
    static STARTED_FOR: RefCell<Option<Weak<Execution>>> = const { RefCell::new(None) };
}

/// Marks the calling real thread as started for `run` until it ends
/// ([`RunKey`]). Call it first thing, before the thread's body: a
/// thread-local is dropped in the reverse order of first use, so the mark
/// then outlives the body's own thread-local values.
pub(crate) fn started_for(run: &Arc<Execution>) {
    STARTED_FOR.with(|started_for| *started_for.borrow_mut() = Some(Arc::downgrade(run)));
}

/// The run of the calling thread, if it is in one it can still ask.
pub(crate) fn current() -> Option<Arc<Execution>> {
    with_current(Arc::clone)
}

/// `ask` of the calling thread's run, if it is in one it can still ask,
/// without counting a reference to it: the path of every lock. `ask` must
/// not be a scheduling point, where another thread of the same OS thread
/// (shuttle's, loom's) might enter a run of its own.
fn with_current<R>(ask: impl FnOnce(&Arc<Execution>) -> R) -> Option<R> {
    CURRENT.with(|current| {
        current
            .borrow()
            .as_ref()
            .filter(|run| run.answers())
            .map(ask)
    })
}

/// The flavour a primitive made now must have.
pub(crate) fn flavour() -> Flavour {
    with_current(|run| run.flavour).unwrap_or(Flavour::Std)
}

/// Makes `run` the calling OS thread's run until another is entered.
///
/// shuttle and loom run every thread of a run as a coroutine on the one
/// OS thread of the search, so this thread-local is all of theirs: a run
/// entered for the body alone (with [`within`]) would end, for the
/// threads the body left running, the moment the body returned, and their
/// time would turn real. A search's OS thread serves one search and then
/// ends (`check::run::on_fresh_thread`), so nothing outlives it.
pub(crate) fn enter(run: &Arc<Execution>) {
    CURRENT.with(|current| *current.borrow_mut() = Some(Arc::clone(run)));
}

/// Runs `f` with the calling thread in `run`; restores what was there.
pub(crate) fn within<R>(run: &Arc<Execution>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<Execution>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|current| *current.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|current| current.borrow_mut().replace(Arc::clone(run)));
    let _restore = Restore(previous);
    f()
}

/// The run a thread is in, or none: what a primitive that outlives runs
/// (a static) keys its engine object by. It keeps only a weak reference,
/// which also keeps the run's address from being reused by a later run
/// while the key lives.
pub(crate) struct RunKey(Option<Weak<Execution>>);

impl RunKey {
    /// The calling thread's run, unwinding loom threads included: they
    /// still belong to the run they unwind, and its primitives serve them
    /// (from their shadows). A real thread whose body has returned is
    /// still in the run it was started for, while that run lasts
    /// ([`started_for`]).
    pub(crate) fn of_this_thread() -> RunKey {
        RunKey(this_threads_run(Arc::downgrade, Weak::clone))
    }

    /// Whether the calling thread is in this key's run (or, for the key
    /// of no run, in none). Asked at every use of a primitive, so it
    /// counts no reference.
    pub(crate) fn is_this_threads(&self) -> bool {
        match (&self.0, this_threads_run(Arc::as_ptr, Weak::as_ptr)) {
            (None, None) => true,
            (Some(key), Some(run)) => std::ptr::eq(key.as_ptr(), run),
            _ => false,
        }
    }

    /// The engine of the calling thread's run, if that run is this key's
    /// and the thread can ask it: one look at the thread's run, where
    /// [`flavour`] and [`RunKey::is_this_threads`] take two, for the path
    /// of every lock. None where the caller must look closer.
    pub(crate) fn runs_this_thread(&self) -> Option<Flavour> {
        let key = self.0.as_ref()?.as_ptr();
        with_current(|run| std::ptr::eq(Arc::as_ptr(run), key).then_some(run.flavour)).flatten()
    }

    /// Whether it is the key of a run, lasting or ended.
    pub(crate) fn names_a_run(&self) -> bool {
        self.0.is_some()
    }

    /// The run, while it lasts; none for the key of no run.
    pub(crate) fn run(&self) -> Option<Arc<Execution>> {
        self.0.as_ref().and_then(Weak::upgrade)
    }

    /// Whether the run is over: nothing of it can be asked for again.
    /// Outside runs never ends.
    pub(crate) fn has_ended(&self) -> bool {
        self.0.as_ref().is_some_and(|run| run.strong_count() == 0)
    }
}

/// `in_run` of the run the calling thread is in, or else `started` of the
/// run it was started for while that run lasts ([`started_for`]). Either
/// thread-local may be gone, as the thread's own values are dropped.
fn this_threads_run<R>(
    in_run: impl FnOnce(&Arc<Execution>) -> R,
    started: impl FnOnce(&Weak<Execution>) -> R,
) -> Option<R> {
    let in_run = CURRENT.try_with(|current| current.borrow().as_ref().map(in_run));
    in_run.ok().flatten().or_else(|| {
        STARTED_FOR
            .try_with(|started_for| {
                let started_for = started_for.borrow();
                let run = started_for.as_ref().filter(|run| run.strong_count() > 0);
                run.map(started)
            })
            .ok()
            .flatten()
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `mutex`'s guard, poisoned or not, unless it is held.
fn try_lock<T>(mutex: &Mutex<T>) -> Option<std::sync::MutexGuard<'_, T>> {
    match mutex.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

impl Execution {
    /// A fresh run of `flavour`, at virtual time zero, its data drawn
    /// from `data_seed`.
    pub(crate) fn new(flavour: Flavour, data_seed: u64) -> Arc<Execution> {
        Execution::with_pool(flavour, data_seed, Pool::default())
    }

    /// A fresh execution of a loom search that `plan` serves, its pool
    /// made now: call it on the execution's first thread, before the body.
    pub(crate) fn of_loom_search(data_seed: u64, plan: &Plan) -> Arc<Execution> {
        Execution::with_pool(Flavour::Loom, data_seed, Pool::stocked(plan))
    }

    fn with_pool(flavour: Flavour, data_seed: u64, loom_pool: Pool) -> Arc<Execution> {
        Arc::new(Execution {
            flavour,
            data_seed,
            clock_nanos: AtomicU64::new(0),
            facts: Mutex::new(Facts::default()),
            keys: ThreadKeys::default(),
            timers: Mutex::new(Timers::default()),
            spin_time: Mutex::default(),
            seq_cst: Mutex::default(),
            thread_names: Mutex::default(),
            lingering: AtomicBool::new(false),
            live_spawned: AtomicUsize::new(0),
            thread_panics: Mutex::new(Vec::new()),
            join_panics: Mutex::new(JoinPanics::default()),
            first_to_panic: Mutex::new(None),
            a_judge_runs_or_panicked: AtomicBool::new(false),
            books: Mutex::new(Books::default()),
            first_violation: Mutex::new(None),
            loom_parkers: Parkers::default(),
            shuttle_unparks: Mutex::new(Unparks::default()),
            quiescence_judges: Mutex::new(Vec::new()),
            wait_judges: Mutex::new(Vec::new()),
            judged: AtomicBool::new(false),
            loom_pool,
            loom_stale_reads: AtomicU64::new(0),
            body_returned: AtomicBool::new(false),
            panic_sites: OnceLock::new(),
        })
    }

    /// The run is one of the check whose printed panics `sites` keeps.
    pub(crate) fn shares_panic_sites(&self, sites: &Arc<PanicSites>) {
        // A run is of one check: a second call is the same check's.
        let _ = self.panic_sites.set(Arc::clone(sites));
    }

    /// The loom atomics made as the run began.
    pub(crate) fn loom_pool(&self) -> &Pool {
        &self.loom_pool
    }

    pub(crate) fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// Whether the calling thread may still ask the run's engine anything.
    /// Not a loom thread that unwinds: when a loom execution fails, loom
    /// drops the stacks of its other threads, whose destructors run after
    /// the execution is gone, and asking loom anything there panics inside
    /// a panic, which aborts the process (a store's reader leaving after a
    /// deadlock, say). Such a thread is treated as outside any run, as the
    /// failed run's leftovers are: its facts are moot, and nobody contends
    /// with it.
    fn answers(&self) -> bool {
        !(self.flavour == Flavour::Loom && std::thread::panicking())
    }

    pub(crate) fn data_seed(&self) -> u64 {
        self.data_seed
    }

    /// Virtual time since the run began.
    pub(crate) fn now(&self) -> Duration {
        Duration::from_nanos(self.clock_nanos.load(Ordering::SeqCst))
    }

    /// The calling thread of the code under test spins (`yield_now`,
    /// `spin_loop`).
    pub(crate) fn spun(&self) {
        let thread = self.thread_key();
        lock(&self.spin_time).spun(thread);
    }

    /// The virtual time, read by the code under test at `at`: after a
    /// spin if the read ends a busy loop on the clock, then moved by a
    /// step if the calling thread has spun since its last read and nothing
    /// else can happen (see `spin_time.rs`).
    pub(crate) fn read_clock(&self, at: Site) -> Duration {
        let thread = self.thread_key();
        let recorded = lock(&self.facts).recorded();
        let (busy, mut spun) = {
            let mut spins = lock(&self.spin_time);
            let busy = spins.ends_a_busy_loop(thread, recorded);
            (busy, spins.has_spun(thread))
        };
        // Not inside a peek or a judge, which take no turn, nor in
        // unwinding.
        if busy
            && !peek::peeking()
            && !self.a_judge_runs_or_panicked.load(Ordering::SeqCst)
            && !std::thread::panicking()
        {
            super::thread::spin_loop_at(self, at);
            let recorded = lock(&self.facts).recorded();
            lock(&self.spin_time).spun_in_a_busy_loop(thread, recorded);
            spun = true;
        }
        if spun {
            let ceiling = self.spin_ceiling(thread);
            let step = lock(&self.spin_time).read(thread, ceiling.is_some());
            if let (Some(step), Some(ceiling)) = (step, ceiling) {
                self.advance_to(self.now().saturating_add(step).min(ceiling));
            }
        }
        self.now()
    }

    /// How far a spin of `thread` may move the clock: nowhere if another
    /// thread can run (it may end the spin first), but for one whose own
    /// timeout is due, which waits on time; else up to the end of the
    /// earliest timer armed, whose thread's wait ends there, or to the
    /// clock's horizon.
    fn spin_ceiling(&self, thread: ThreadKey) -> Option<Duration> {
        let ready = self.threads_that(true);
        let others_can_run = {
            let facts = lock(&self.facts);
            ready
                .into_iter()
                .any(|other| other != thread && !facts.turns.is_firing(other))
        };
        if others_can_run {
            return None;
        }
        Some(lock(&self.timers).earliest_end().unwrap_or(CLOCK_HORIZON))
    }

    /// When a timed wait or sleep of `timeout` begun now ends on the
    /// virtual clock: a tick on at the least, and `None` past the clock's
    /// horizon, where it never ends (see [`CLOCK_TICK`] and
    /// [`CLOCK_HORIZON`]).
    pub(crate) fn timeout_ends(&self, timeout: Duration) -> Option<Duration> {
        let ends = self.now().checked_add(timeout.max(CLOCK_TICK))?;
        (ends <= CLOCK_HORIZON).then_some(ends)
    }

    /// Arms the timer of a timed wait whose timeout ends at `ends`; it is
    /// disarmed when dropped.
    pub(crate) fn arm_timer(&self, ends: Duration) -> Timer<'_> {
        let thread = self.thread_key();
        let id = lock(&self.timers).arm(thread, ends);
        Timer { run: self, id }
    }

    /// Updates the timers with `update` if one lingers: what a lingering
    /// timer ends by need not touch them otherwise.
    fn if_lingering(&self, update: impl FnOnce(&mut Timers)) {
        if self.lingering.load(Ordering::SeqCst) {
            let mut timers = lock(&self.timers);
            update(&mut timers);
            self.lingering
                .store(timers.any_lingering(), Ordering::SeqCst);
        }
    }

    /// Moves virtual time to `at`, never back: two threads sleeping at once
    /// both wake by the later of their ends.
    pub(crate) fn advance_to(&self, at: Duration) {
        let nanos = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        let before = self.clock_nanos.fetch_max(nanos, Ordering::SeqCst);
        if nanos > before {
            let waiting = self.threads_that(false);
            lock(&self.facts)
                .turns
                .clock_moved(self.now(), waiting.into_iter());
        }
    }

    /// The run's threads that can run (`true`), or that cannot (`false`),
    /// as the books say.
    fn threads_that(&self, can_run: bool) -> Vec<ThreadKey> {
        let books = lock(&self.books);
        (0..self.keys.threads())
            .map(ThreadKey)
            .filter(|&thread| books.can_run(thread) == can_run)
            .collect()
    }

    /// Whether moving the clock to `to` would keep a thread that can run,
    /// other than the calling one, waiting for its turn past
    /// [`READY_THREAD_DELAY_MAX`](super::turns::READY_THREAD_DELAY_MAX).
    pub(crate) fn keeps_a_ready_thread_waiting(&self, to: Duration) -> bool {
        let me = self.thread_key();
        let ready = self.threads_that(true);
        lock(&self.facts)
            .turns
            .kept_waiting(to, ready.into_iter().filter(|&thread| thread != me))
            .is_some()
    }

    /// Records that the calling thread does `op` at `at`; under shuttle,
    /// the operation past the run's bound raises [`Endless`].
    pub(crate) fn record(&self, op: Op, at: &'static Location<'static>) {
        let thread = self.thread_key();
        self.if_lingering(|timers| timers.acts(thread, op.may_block()));
        let now = self.now();
        let operations = {
            let mut facts = lock(&self.facts);
            facts.turns.acted(thread, now);
            if let Op::Spawn { child } = op {
                facts.turns.acted(child, now);
            }
            facts.push(Fact { thread, op, at });
            facts.recorded()
        };
        // Once: the threads torn down after it may record as they unwind.
        if self.flavour == Flavour::Shuttle
            && operations > MAX_OPERATIONS
            && self.violation().is_none()
            && !std::thread::panicking()
        {
            self.violated(self.endless(Past::Operations(operations)))
                .raise();
        }
    }

    /// The run, gone past `past`: what each of its live threads did last,
    /// and whether the body had returned.
    pub(crate) fn endless(&self, past: Past) -> Endless {
        Endless::new(past, self.last_of_each_live_thread())
            .body_returned(self.body_returned.load(Ordering::SeqCst))
    }

    /// The body's own thread, the calling one, has returned: the run goes
    /// on only in the threads the body left running.
    pub(crate) fn body_returns(&self) {
        self.body_returned.store(true, Ordering::SeqCst);
        lock(&self.facts).returned(self.thread_key());
    }

    /// The operations of the facade the run has recorded so far.
    pub(crate) fn operations(&self) -> u64 {
        lock(&self.facts).recorded()
    }

    /// From now on `observer` sees each fact of the run as it is recorded.
    pub(crate) fn observe(&self, observer: super::facts::Observer) {
        lock(&self.facts).observe(observer);
    }

    /// The latest fact of each thread that has not ended, in thread order.
    pub(crate) fn last_of_each_live_thread(&self) -> Vec<Fact> {
        lock(&self.facts).last_of_each_live_thread()
    }

    /// The facts kept, oldest first, and how many were dropped before them.
    pub(crate) fn facts(&self) -> (Vec<Fact>, u64) {
        lock(&self.facts).kept()
    }

    /// Books `name` as thread `thread`'s, which its builder gave it.
    pub(crate) fn name_thread(&self, thread: ThreadKey, name: &str) {
        lock(&self.thread_names).insert(thread, name.to_owned());
    }

    /// The names the run's threads were spawned with, by thread.
    pub(crate) fn thread_names(&self) -> BTreeMap<ThreadKey, String> {
        lock(&self.thread_names).clone()
    }

    /// `deadlock`, its threads named as they were spawned.
    pub(crate) fn named(&self, deadlock: Deadlock) -> Deadlock {
        deadlock.named(self.thread_names())
    }

    /// The calling thread's key within this run.
    pub(crate) fn thread_key(&self) -> ThreadKey {
        self.keys.key_of(self.raw_thread_id())
    }

    /// The engine's own name for the calling thread.
    fn raw_thread_id(&self) -> u64 {
        match self.flavour {
            Flavour::Shuttle => usize::from(shuttle::current::me()) as u64,
            Flavour::Loom if super::local::loom_drops_a_value() => self
                .violated(super::local::LOCALS_DROPPED_UNDER_LOOM)
                .raise(),
            Flavour::Loom => hashed(loom::thread::current().id()),
            Flavour::Std => hashed(std::thread::current().id()),
        }
    }

    /// The run's threads so far: the body's and each one spawned (a
    /// spawn's child counted from its key's reservation), ended ones too.
    pub(crate) fn threads(&self) -> usize {
        self.keys.threads()
    }

    /// The key of a thread the calling one is about to spawn: threads are
    /// numbered as they are spawned (after their spawner), so a spawn's
    /// fact names its child.
    pub(crate) fn reserve_thread_key(&self) -> ThreadKey {
        self.keys.key_of(self.raw_thread_id());
        self.keys.reserve()
    }

    /// The calling thread, just started, is the one spawned as `key`.
    pub(crate) fn bind_thread_key(&self, key: ThreadKey) {
        self.keys.bind(self.raw_thread_id(), key);
    }

    /// The calling thread took the lock at `address` at `at`; its key, for
    /// the release.
    pub(crate) fn lock_taken(&self, address: usize, access: Access, at: Site) -> ThreadKey {
        let thread = self.thread_key();
        lock(&self.books).locks.taken(thread, address, access, at);
        thread
    }

    /// How the calling thread holds the lock at `address`, if it does.
    pub(crate) fn own_hold(&self, address: usize) -> Option<Access> {
        let thread = self.thread_key();
        let (_, access) = lock(&self.books).locks.own_hold(thread, address)?;
        Some(access)
    }

    /// How many holds of the lock at `address` `thread` has.
    pub(crate) fn holds(&self, thread: ThreadKey, address: usize) -> usize {
        lock(&self.books).locks.holds(thread, address)
    }

    /// `thread`'s wait for the lock at `address` ended with the lock taken,
    /// for `access`, as asked for at `at`.
    pub(crate) fn lock_granted(&self, thread: ThreadKey, address: usize, access: Access, at: Site) {
        let mut books = lock(&self.books);
        books.waits.ends(thread);
        books.locks.taken(thread, address, access, at);
    }

    /// `thread` let go of the lock at `address`. It asks the engine
    /// nothing: a guard may be dropped while a failed run is torn down,
    /// when shuttle and loom can no longer name the thread.
    pub(crate) fn lock_released(&self, thread: ThreadKey, address: usize) {
        lock(&self.books).locks.released(thread, address);
    }

    /// Whether the calling thread may do `blocking` at `at`; if not (it
    /// holds a lock and is about to wait, or it is inside a never-waits
    /// section), the oracle it breaks, raised, kept as the run's cause.
    pub(crate) fn judge(&self, blocking: Blocking, at: Site) -> Result<(), Raised> {
        let thread = self.thread_key();
        let verdict = lock(&self.books).locks.may(thread, blocking, at);
        verdict.map_err(|violation| self.violated(violation))
    }

    /// The first oracle the model found broken in the run (or the first
    /// thing it has no model of), if there was one.
    pub(crate) fn violation(&self) -> Option<Raised> {
        lock(&self.first_violation).clone()
    }

    /// Keeps `violation` as the run's first, if it is, and gives it back
    /// raised.
    pub(crate) fn violated(
        &self,
        violation: impl std::any::Any + std::fmt::Display + Send + Sync,
    ) -> Raised {
        let raised = Raised::new(violation);
        lock(&self.first_violation).get_or_insert_with(|| raised.clone());
        raised
    }

    /// What made the run fail: the first oracle the model found broken,
    /// or else `panic`, the panic that ended it. The violation's own panic
    /// unwinds through the waiter's locks, and another thread may fail on
    /// one of them (poisoned, say) before the engine reports the first.
    ///
    /// With no violation of the model's, and every live thread of a run
    /// under shuttle or loom booked as waiting for another, the engine
    /// failed the run itself, on a deadlock the book did not see
    /// (`Waiting::deadlock_the_engine_found`): it is raised as the model's,
    /// naming where each thread waits. No panic of the code under test can
    /// be the cause then: a thread booked as waiting, or as ended, runs
    /// none of its code but its judges, whose panics are noted. The
    /// cause's words come with the panic of each thread that panicked
    /// (`JoinPanics::with_the_threads_panics`).
    pub(crate) fn cause(&self, panic: Panicked) -> Panicked {
        // Bound first: `violated` takes the lock again.
        let first_violation = lock(&self.first_violation).clone();
        let cause = match first_violation {
            Some(raised) => Panicked::raised(raised),
            None => match self.deadlock_the_engine_found() {
                Some(deadlock) => Panicked::raised(self.violated(self.named(deadlock))),
                None if self.flavour == Flavour::Loom
                    && panic.message.starts_with(LOOM_OUT_OF_BRANCHES) =>
                {
                    if self.loom_stale_reads.load(Ordering::SeqCst) >= STALE_READS_OF_A_SPIN {
                        Panicked::raised(self.violated(SPIN_ON_A_STALE_VALUE_UNDER_LOOM))
                    } else {
                        let branches = Past::Branches(MODEL_LOOM_MAX_BRANCHES);
                        Panicked::raised(self.violated(self.endless(branches)))
                    }
                }
                None => panic,
            },
        };
        // A look, never a wait: the search's thread must not hang on a
        // lock a thread of a torn-down run might hold.
        let message = match try_lock(&self.join_panics) {
            Some(panics) => panics.with_the_threads_panics(&cause),
            None => cause.message.clone(),
        };
        Panicked { message, ..cause }
    }

    /// Whether a panic now fails the run whatever the code under test
    /// does with it: a judge's, or the engine's own (on a deadlock the
    /// book did not see, or in a loom execution that made an atomic late).
    pub(crate) fn a_panic_now_fails_it(&self) -> bool {
        self.a_judge_runs_or_panicked.load(Ordering::SeqCst)
            || self.deadlock_the_engine_found().is_some()
            || self.loom_pool.fell_short()
    }

    /// The panics of the run's threads that a join may still take.
    pub(crate) fn join_panics(&self) -> std::sync::MutexGuard<'_, JoinPanics> {
        lock(&self.join_panics)
    }

    /// The deadlock of a run under shuttle or loom, if the book has every
    /// live thread waiting for another, counting notifications as having
    /// woken nobody. `None` on real threads, where the run wakes each
    /// waiter itself and the book sees a deadlock as it forms, once a
    /// judge panicked, and if the calling thread holds
    /// the book (a panic hook may ask in the middle of the model's own
    /// work).
    fn deadlock_the_engine_found(&self) -> Option<Deadlock> {
        if self.flavour == Flavour::Std || self.a_judge_runs_or_panicked.load(Ordering::SeqCst) {
            return None;
        }
        let threads = self.keys.threads();
        let books = try_lock(&self.books)?;
        let Books { locks, waits, .. } = &*books;
        waits.deadlock_the_engine_found(threads, |lock_at, access| locks.holder(lock_at, access))
    }

    /// The calling thread enters a never-waits section marked at `at`; its
    /// key, for the end.
    pub(crate) fn never_waits_begins(&self, at: Site) -> ThreadKey {
        let thread = self.thread_key();
        lock(&self.books).locks.section_begins(thread, at);
        thread
    }

    /// `thread` leaves its innermost never-waits section (asking the
    /// engine nothing, as [`Execution::lock_released`]).
    pub(crate) fn never_waits_ends(&self, thread: ThreadKey) {
        lock(&self.books).locks.section_ends(thread);
    }

    /// The calling thread leaves its innermost never-waits section: for a
    /// section whose end is told apart from its beginning, on the thread
    /// that began it, while the run runs.
    /// Turns `no-blocking-under-lock` off for the rest of the run.
    pub(crate) fn allow_waits_under_lock(&self) {
        lock(&self.books).locks.allow_waits_under_lock();
    }

    pub(crate) fn never_waits_ends_here(&self) {
        let thread = self.thread_key();
        self.never_waits_ends(thread);
    }

    /// Lets other threads run: a scheduling point.
    pub(crate) fn yield_now(&self) {
        match self.flavour {
            Flavour::Shuttle => shuttle::thread::yield_now(),
            // Loom takes a yield for a spin loop's and runs every other
            // thread first: what a timed wait should let happen.
            Flavour::Loom => loom::thread::yield_now(),
            Flavour::Std => std::thread::yield_now(),
        }
    }

    /// Puts a `SeqCst` fence before the calling thread's `SeqCst` access
    /// under loom, where one must order it after the thread's last (see
    /// `seq_cst.rs`). A loom fence is no scheduling point.
    pub(crate) fn before_seq_cst_access(&self) {
        if self.flavour != Flavour::Loom || std::thread::panicking() {
            return;
        }
        let needs_a_fence = lock(&self.seq_cst).access(self.thread_key());
        if needs_a_fence {
            loom::sync::atomic::fence(Ordering::SeqCst);
        }
    }

    /// Books a `SeqCst` fence of the calling thread, under loom: it orders
    /// the thread's `SeqCst` accesses on either side of it.
    pub(crate) fn seq_cst_fenced(&self) {
        if self.flavour == Flavour::Loom {
            lock(&self.seq_cst).fenced(self.thread_key());
        }
    }

    /// A read of a loom atomic (a load, or a read-modify-write's read) saw
    /// every store its thread had not yet seen (`fresh`), or missed one,
    /// as loom's weak memory lets it (the atomic's `Misses`).
    pub(crate) fn loom_read(&self, fresh: bool) {
        if fresh {
            self.loom_stale_reads.store(0, Ordering::SeqCst);
        } else {
            self.loom_stale_reads.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Parks the calling loom thread until its token is there.
    pub(crate) fn loom_park(&self) {
        self.loom_parkers.park(hashed(loom::thread::current().id()));
    }

    /// Makes loom thread `thread`'s park token available.
    pub(crate) fn loom_unpark(&self, thread: loom::thread::ThreadId) {
        self.loom_parkers.unpark(hashed(thread));
    }

    /// Whether a pending timeout fires now: the scheduler's choice under
    /// shuttle, so a seed replays it; always under loom (which explores
    /// schedules, not data: the yield before it lets every other thread go
    /// first) and on real threads.
    pub(crate) fn timeout_fires(&self) -> bool {
        self.coin(2)
    }

    /// True with a chance of one in `one_in`, drawn by the scheduler where
    /// it can draw (shuttle); never elsewhere.
    pub(crate) fn one_in(&self, one_in: u64) -> bool {
        self.flavour == Flavour::Shuttle && self.coin(one_in)
    }

    fn coin(&self, one_in: u64) -> bool {
        use shuttle::rand::RngCore;
        match self.flavour {
            Flavour::Shuttle => shuttle::rand::thread_rng().next_u64() % one_in == 0,
            Flavour::Loom | Flavour::Std => true,
        }
    }

    /// The calling thread begins an untimed wait on condition variable `condvar`.
    pub(crate) fn untimed_wait_begins(&self, condvar: u64) {
        *lock(&self.books)
            .condvars
            .untimed
            .entry(condvar)
            .or_default() += 1;
    }

    /// The calling thread's untimed wait on `condvar` has ended, and with
    /// it the wait the book of waits has.
    pub(crate) fn untimed_wait_ends(&self, condvar: u64) {
        let thread = self.thread_key();
        let mut books = lock(&self.books);
        if let Some(count) = books.condvars.untimed.get_mut(&condvar) {
            *count = count.saturating_sub(1);
        }
        books.waits.ends(thread);
    }

    /// The calling thread begins a timed wait on `condvar`; its ticket.
    pub(crate) fn timed_wait_begins(&self, condvar: u64) -> (u64, u64) {
        let waits = &mut lock(&self.books).condvars;
        let ticket = (condvar, waits.next_ticket);
        waits.next_ticket += 1;
        waits.timed.insert(ticket, false);
        ticket
    }

    /// The timed wait `ticket` ends; whether a notification reached it.
    pub(crate) fn timed_wait_ends(&self, ticket: (u64, u64)) -> bool {
        lock(&self.books)
            .condvars
            .timed
            .remove(&ticket)
            .unwrap_or(false)
    }

    /// The calling thread, in a run on real threads, waits on `condvar`
    /// untimed, once `release` has let its lock go, until a notification
    /// wakes it ([`RealWaits`]). It is in the queue before the lock is
    /// let go, so a notification from the lock's next holder reaches it.
    pub(crate) fn wait_on_real_threads(&self, condvar: u64, release: impl FnOnce()) {
        let thread = self.thread_key();
        let (ticket, parker) = lock(&self.books).condvars.real.begins(condvar, thread);
        release();
        while !lock(&self.books).condvars.real.woken(ticket) {
            parker.park();
        }
    }

    /// Who a `notify_one` on `condvar` reaches: the condition variable's own
    /// notify (an untimed waiter, or nobody), or one timed waiter, marked
    /// here; on real threads, the untimed waiter the run wakes itself.
    /// Where both kinds wait, the scheduler chooses. The book of waits is
    /// told which it was.
    pub(crate) fn notify_one(&self, condvar: u64) -> NotifyOne {
        let mut books = lock(&self.books);
        let Books {
            waits,
            condvars: by_condvar,
            ..
        } = &mut *books;
        let untimed = match self.flavour {
            Flavour::Std => by_condvar.real.has_unwoken(condvar),
            Flavour::Shuttle | Flavour::Loom => {
                by_condvar.untimed.get(&condvar).copied().unwrap_or(0) > 0
            }
        };
        let timed = by_condvar
            .timed
            .iter_mut()
            .find(|((on, _), notified)| *on == condvar && !**notified);
        let reaches = match timed {
            Some((_, notified)) if !untimed || self.one_in(2) => {
                *notified = true;
                NotifyOne::TimedWaiter
            }
            _ if self.flavour == Flavour::Std => {
                if let Some(thread) = by_condvar.real.wake_one(condvar) {
                    waits.ends(thread);
                }
                NotifyOne::WokenByTheRun
            }
            _ => NotifyOne::Condvar,
        };
        waits.notified(condvar, usize::from(matches!(reaches, NotifyOne::Condvar)));
        reaches
    }

    /// Marks every timed waiter on `condvar` notified, and tells the book
    /// of waits that every untimed one is woken; on real threads, wakes
    /// every untimed one and ends its wait in the book.
    pub(crate) fn notify_all(&self, condvar: u64) {
        let mut books = lock(&self.books);
        let Books {
            waits,
            condvars: by_condvar,
            ..
        } = &mut *books;
        for ((on, _), notified) in by_condvar.timed.iter_mut() {
            if *on == condvar {
                *notified = true;
            }
        }
        let untimed_woken = match self.flavour {
            Flavour::Std => {
                for thread in by_condvar.real.wake_all(condvar) {
                    waits.ends(thread);
                }
                0
            }
            Flavour::Shuttle | Flavour::Loom => usize::MAX,
        };
        waits.notified(condvar, untimed_woken);
    }

    /// The calling thread begins `wait` at `at`, asked for at `asked_at`
    /// (virtual time) with `timeout`, or now without one; the wait judges
    /// judge the moment (where one thread runs at a time, as for quiescent
    /// moments).
    pub(crate) fn wait_begins(&self, wait: Wait, timed: Option<(Duration, Duration)>, at: Site) {
        self.booked_wait_begins(|waiting, thread| waiting.begins(thread, wait, at), timed);
    }

    /// The calling thread begins to join `threads` (one, or a scope's) at
    /// `at`: booked, and judged as a wait; the moment, if quiescent, is
    /// judged, and a deadlock raised.
    pub(crate) fn joins(&self, threads: &[ThreadKey], at: Site) {
        self.booked_wait_begins(
            |waiting, thread| waiting.joins_all(thread, threads, at),
            None,
        );
        // A join is booked only while a thread it joins lives: a moment
        // the caller completes is judged, and a deadlock raised.
        self.judge_if_quiescent();
        if let Err(deadlock) = self.deadlocked() {
            deadlock.raise();
        }
    }

    /// The calling thread begins a wait, which `book` enters in the book;
    /// the wait judges judge the moment (see [`Execution::wait_begins`]).
    fn booked_wait_begins(
        &self,
        book: impl FnOnce(&mut Waiting, ThreadKey),
        timed: Option<(Duration, Duration)>,
    ) {
        let thread = self.thread_key();
        let mut books = lock(&self.books);
        book(&mut books.waits, thread);
        if !self.judged.load(Ordering::SeqCst) {
            return;
        }
        let judges = lock(&self.wait_judges).clone();
        if self.flavour == Flavour::Std || judges.is_empty() {
            return;
        }
        let (asked_at, timeout) = match timed {
            Some((asked_at, timeout)) => (asked_at, Some(timeout)),
            None => (self.now(), None),
        };
        let moment = books
            .waits
            .wait_begins(thread, Instant::after_start(asked_at), timeout);
        drop(books);
        for judge in judges {
            self.as_a_judge(|| judge(&moment));
        }
    }

    /// The calling thread's wait has ended.
    pub(crate) fn wait_ends(&self) {
        self.wait_ends_of(self.thread_key());
    }

    /// `thread`'s wait has ended. It asks the engine nothing, as
    /// [`Execution::lock_released`].
    pub(crate) fn wait_ends_of(&self, thread: ThreadKey) {
        lock(&self.books).waits.ends(thread);
    }

    /// The calling thread's untimed park at `at` has returned, taking the
    /// unpark that woke it, if one did; if none did, it woke spuriously,
    /// a fact.
    pub(crate) fn park_ends(&self, at: Site) {
        self.has_seen_its_unparks();
        let thread = self.thread_key();
        let spurious = lock(&self.books).waits.park_ends(thread);
        if spurious {
            self.record(Op::WakesSpuriously, at);
        }
    }

    /// `thread`, the calling one, is about to wait for the lock at
    /// `lock_at`, for `access`, which it asked for at `at`. If it may not
    /// wait there ([`Book::may`]), the oracle it breaks, raised, and the
    /// wait is not booked. If its own hold keeps it waiting, or another's
    /// hold or a writer's wait for it does and every thread is now
    /// blocked, the deadlock, raised. A thread waiting for itself is
    /// raised at once, whatever the others do: on std it never returns (or
    /// panics), and the engines would each say it in words of their own.
    pub(crate) fn lock_wait_begins(
        &self,
        thread: ThreadKey,
        (lock_at, access): (usize, Access),
        at: Site,
    ) -> Result<(), Raised> {
        let (own_hold, held, behind_a_writer) = {
            let mut books = lock(&self.books);
            let verdict = books.locks.may(thread, Blocking::Lock, at);
            if let Err(violation) = verdict {
                drop(books);
                return Err(self.violated(violation));
            }
            books.waits.begins(thread, Wait::Lock(lock_at, access), at);
            let behind_a_writer = access == Access::Shared
                && books.waits.writer_waiting_for(lock_at, thread).is_some();
            let own_hold = books.locks.own_hold(thread, lock_at);
            (
                own_hold,
                books.locks.holder(lock_at, access).is_some(),
                behind_a_writer,
            )
        };
        if let Some((taken_at, held_for)) = own_hold {
            let on = if (held_for, access) == (Access::Shared, Access::Shared) {
                StuckOn::ReadAgain { taken_at }
            } else {
                StuckOn::Lock {
                    holder: thread,
                    taken_at,
                }
            };
            let deadlock = Deadlock::new(vec![Stuck { thread, on, at }]);
            return Err(self.violated(self.named(deadlock)));
        }
        if !held && !behind_a_writer {
            return Ok(());
        }
        self.deadlocked()
    }

    /// Whether a thread other than `reader` waits to write the lock at
    /// `lock_at`.
    pub(crate) fn writer_waits_for(&self, lock_at: usize, reader: ThreadKey) -> bool {
        lock(&self.books)
            .waits
            .writer_waiting_for(lock_at, reader)
            .is_some()
    }

    /// `thread` of the run was unparked.
    pub(crate) fn unparked(&self, thread: ThreadKey) {
        lock(&self.books).waits.unparked(thread);
        if self.flavour == Flavour::Shuttle {
            lock(&self.shuttle_unparks).unparks(thread);
        }
    }

    /// Whether the calling thread's timed park has taken an unpark, which
    /// ends it early (see [`Waiting::timed_park_unparked`]).
    pub(crate) fn timed_park_unparked(&self) -> bool {
        let thread = self.thread_key();
        lock(&self.books).waits.timed_park_unparked(thread)
    }

    /// The calling thread returns from a park, timed or not: what its
    /// unparkers did happens before what it does next.
    pub(crate) fn has_seen_its_unparks(&self) {
        if self.flavour == Flavour::Shuttle {
            lock(&self.shuttle_unparks).park_ends(self.thread_key());
        }
    }

    /// Whether `thread` has returned.
    pub(crate) fn has_ended(&self, thread: ThreadKey) -> bool {
        lock(&self.books).waits.has_ended(thread)
    }

    /// The calling thread returns: it waits on nothing more, and its
    /// joiners run. If it leaves every other thread waiting, the moment is
    /// judged; if every other thread waits for another, the deadlock,
    /// raised. Else the run's first violation, if there was one: a thread
    /// that caught its panic (a pool that catches its jobs' panics, a test
    /// that expects one) has not made the run correct, and the thread
    /// that returns fails it.
    pub(crate) fn thread_ends(&self) -> Result<(), Raised> {
        let thread = self.thread_key();
        self.if_lingering(|timers| timers.release(thread));
        lock(&self.books).waits.thread_ended(thread);
        self.judge_if_quiescent();
        self.deadlocked()?;
        self.violation().map_or(Ok(()), Err)
    }

    /// The deadlock, raised (and kept as the run's first violation), if
    /// every live thread now waits for another (`Waiting::deadlock`): for
    /// a thread that has just begun a wait only another thread can end, or
    /// has ended.
    pub(crate) fn deadlocked(&self) -> Result<(), Raised> {
        let threads = self.keys.threads();
        let deadlock = {
            let books = lock(&self.books);
            let Books { locks, waits, .. } = &*books;
            waits.deadlock(threads, |lock_at, access| locks.holder(lock_at, access))
        };
        match deadlock {
            Some(deadlock) => Err(self.violated(self.named(deadlock))),
            None => Ok(()),
        }
    }

    /// `judge` judges each quiescent moment of the run from now on.
    pub(crate) fn judge_quiescence_with(&self, judge: QuiescenceJudge) {
        lock(&self.quiescence_judges).push(judge);
        self.judged.store(true, Ordering::SeqCst);
    }

    /// `judge` judges each wait of the run as it begins, from now on.
    pub(crate) fn judge_waits_with(&self, judge: WaitJudge) {
        lock(&self.wait_judges).push(judge);
        self.judged.store(true, Ordering::SeqCst);
    }

    /// The calling thread waits on time alone at `at`, in `wait` (a timed
    /// one), asked for at `asked_at` with `timeout`: it lets the others
    /// run, then, unless `woken` says another thread freed it meanwhile,
    /// judges the moment if it is quiescent, before time moves. Whether it
    /// was woken.
    pub(crate) fn wait_on_time(
        &self,
        (wait, at): (Wait, Site),
        (asked_at, timeout): (Duration, Duration),
        woken: impl FnOnce() -> bool,
    ) -> bool {
        self.wait_begins(wait, Some((asked_at, timeout)), at);
        self.yield_now();
        let woken = woken();
        if !woken {
            self.judge_if_quiescent();
        }
        self.wait_ends();
        woken
    }

    /// Judges the moment if it is quiescent: by a thread that waits on time
    /// as it is about to let time move, by one about to block on a
    /// condition variable, a join or a park, or by one that ends (if every
    /// other thread is blocked, before the run is called a deadlock). Only
    /// where the engine runs one thread at a time (shuttle, loom): on real
    /// threads a moment seen quiescent may already have passed.
    pub(crate) fn judge_if_quiescent(&self) {
        if self.flavour == Flavour::Std || !self.judged.load(Ordering::SeqCst) {
            return;
        }
        let judges = lock(&self.quiescence_judges).clone();
        let threads = self.keys.threads();
        let Some(moment) = lock(&self.books).waits.quiescent(threads) else {
            return;
        };
        for judge in judges {
            self.as_a_judge(|| judge(&moment));
        }
    }

    /// Runs `judge`, a judge of the code under test's, noting it as it
    /// runs and, if it panics, for good: it runs on a thread the book has
    /// waiting or ended, so its panic is no sign that the engine failed
    /// the run itself ([`Execution::cause`]).
    fn as_a_judge(&self, judge: impl FnOnce()) {
        self.a_judge_runs_or_panicked.store(true, Ordering::SeqCst);
        judge();
        self.a_judge_runs_or_panicked.store(false, Ordering::SeqCst);
    }

    /// A thread of this run was spawned.
    pub(crate) fn thread_spawned(&self) {
        self.live_spawned.fetch_add(1, Ordering::SeqCst);
    }

    /// A spawned thread of this run, the calling one, has finished, with
    /// `panic` if it panicked.
    pub(crate) fn thread_finished(&self, panic: Option<Panicked>) {
        if let Some(panic) = panic {
            let thread = self.raw_thread_id();
            lock(&self.thread_panics).push((thread, panic));
        }
        self.live_spawned.fetch_sub(1, Ordering::SeqCst);
    }

    /// The calling thread of this run begins to panic.
    fn panic_begins(&self) {
        if self.flavour == Flavour::Std {
            let thread = self.raw_thread_id();
            lock(&self.first_to_panic).get_or_insert(thread);
        }
    }

    /// Whether the calling thread began to panic before any other of the
    /// run did, as far as the panic hook could tell.
    pub(crate) fn panicked_first(&self) -> bool {
        *lock(&self.first_to_panic) == Some(self.raw_thread_id())
    }

    /// Spawned threads still running.
    pub(crate) fn live_spawned(&self) -> usize {
        self.live_spawned.load(Ordering::SeqCst)
    }

    /// The panic of a spawned thread that failed the run, if that thread
    /// was the first of the run to begin to panic: the run's cause, which
    /// no later panic can change.
    pub(crate) fn spawned_thread_panicked_first(&self) -> Option<Panicked> {
        let first_to_panic = (*lock(&self.first_to_panic))?;
        let panics = lock(&self.thread_panics);
        let (_, panic) = panics
            .iter()
            .find(|(thread, _)| *thread == first_to_panic)?;
        Some(panic.clone())
    }

    /// The panic of the spawned thread that began to panic first, or else
    /// of the one that ended first.
    pub(crate) fn first_thread_panic(&self) -> Option<Panicked> {
        let first_to_panic = *lock(&self.first_to_panic);
        let panics = lock(&self.thread_panics);
        let first = panics
            .iter()
            .find(|(thread, _)| Some(*thread) == first_to_panic)
            .or(panics.first());
        first.map(|(_, panic)| panic.clone())
    }
}

/// The calling thread begins to panic: if it is a thread of a run on
/// real threads, its run learns it (see [`Execution::panicked_first`]).
/// What the library's panic hook calls first.
pub(crate) fn panic_begins_on_this_thread() {
    if let Some(run) = run_of_a_panicking_thread() {
        run.panic_begins();
    }
}

/// Whether the panic beginning on the calling thread is the engine
/// failing a run on a deadlock the model names ([`Execution::cause`]): the
/// check's failure tells it in the model's words, so the hook need not
/// print the engine's.
pub(crate) fn panic_is_a_deadlock_the_model_names() -> bool {
    run_of_a_panicking_thread().is_some_and(|run| run.deadlock_the_engine_found().is_some())
}

/// Whether the calling thread, as it begins to panic, is of a loom
/// execution that made an atomic late (`loom_pool::Pool::fell_short`): its
/// failure may be a false one, which its search then runs again with the
/// larger plan, so the hook need not print it.
pub(crate) fn panic_may_be_a_late_atomics() -> bool {
    run_of_a_panicking_thread().is_some_and(|run| run.loom_pool().fell_short())
}

/// Whether the panic beginning on the calling thread, at `at`, is at a
/// line whose panic its run's check has printed already (see
/// [`PanicSites`]); if not, the line is noted as printed now.
pub(crate) fn panic_printed_before(at: Option<&Location<'_>>) -> bool {
    let Some(at) = at else {
        return false;
    };
    run_of_a_panicking_thread()
        .and_then(|run| run.panic_sites.get().cloned())
        .is_some_and(|sites| !sites.first_at(at))
}

/// Whether the calling thread, as it begins to panic, is of a run on real
/// threads that a violation of the model's (a deadlock, a broken oracle)
/// has failed already: the panic echoes that failure (a join that took
/// the panic the violation raised in the thread it joined, say). Under
/// shuttle and loom the run ends at the violation, and no echo runs; the
/// check's failure says what failed.
pub(crate) fn panic_echoes_a_violation_on_real_threads() -> bool {
    run_of_a_panicking_thread().is_some_and(|run| {
        // A look, never a wait: the panic may begin while the thread
        // holds the lock.
        run.flavour == Flavour::Std
            && try_lock(&run.first_violation).is_some_and(|first| first.is_some())
    })
}

/// The calling thread's run, as a panic hook may ask for it.
fn run_of_a_panicking_thread() -> Option<Arc<Execution>> {
    // `try_`: a thread's locals may be gone as it exits.
    CURRENT
        .try_with(|current| current.try_borrow().ok().and_then(|run| run.clone()))
        .ok()
        .flatten()
}

/// Where a `notify_one` goes.
pub(crate) enum NotifyOne {
    /// To the condition variable itself: an untimed waiter, if any.
    Condvar,
    /// To a timed waiter, which wakes as notified.
    TimedWaiter,
    /// On real threads, to the untimed waiter the run woke itself, if
    /// any: not to std's condition variable, on which no wait of a run
    /// blocks.
    WokenByTheRun,
}

/// A thread id that only hashes, as a number: std's `DefaultHasher::new()`
/// has fixed keys, so the same id gives the same number.
fn hashed(id: impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Whether the calling thread's run lets it do `blocking` at `at` (see
/// [`Execution::judge`]); outside a run, always.
pub(crate) fn judge(blocking: Blocking, at: Site) -> Result<(), Raised> {
    with_current(|run| run.judge(blocking, at)).unwrap_or(Ok(()))
}

/// Raises `failure` on the calling thread, kept as its run's first if it
/// is: code under test that catches the panic (a pool that catches its
/// jobs' panics) does not make the run pass, for the thread's return
/// raises it again ([`Execution::thread_ends`]). Outside a run, raised
/// alone.
#[track_caller]
pub(crate) fn raise_kept<F: std::any::Any + std::fmt::Display + Send + Sync>(failure: F) -> ! {
    match current() {
        Some(run) => run.violated(failure).raise(),
        None => crate::panics::raise(failure),
    }
}

/// Panics with the oracle it breaks if the calling thread's run forbids it
/// `blocking` at `at`.
pub(crate) fn may(blocking: Blocking, at: Site) {
    if let Err(violation) = judge(blocking, at) {
        violation.raise();
    }
}

/// Puts a `SeqCst` fence before the calling thread's `SeqCst` access, if
/// its run needs one there (see `seq_cst.rs`).
pub(crate) fn before_seq_cst_access() {
    with_current(|run| run.before_seq_cst_access());
}

/// Books a `SeqCst` fence of the calling thread in its run, if it is in one.
pub(crate) fn seq_cst_fenced() {
    with_current(|run| run.seq_cst_fenced());
}

/// Records `op` at `at` in the calling thread's run, if it is in one.
pub(crate) fn record(op: Op, at: &'static Location<'static>) {
    super::peek::refuse_inside(&op, at);
    with_current(|run| run.record(op, at));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::model::real_waits::Ticket;

    #[test]
    fn a_read_asked_for_behind_a_waiting_writer_completes_the_deadlock_it_waits_in() {
        let (main, reader, writer) = (ThreadKey(0), ThreadKey(1), ThreadKey(2));
        let (rwlock, mutex, at) = (1, 2, Location::caller());
        let run = Execution::new(Flavour::Std, 0);
        for _ in 0..3 {
            run.keys.reserve();
        }
        {
            let book = &mut lock(&run.books).locks;
            book.taken(main, mutex, Access::Exclusive, at);
            book.taken(reader, rwlock, Access::Shared, at);
        }
        {
            let waiting = &mut lock(&run.books).waits;
            waiting.begins(reader, Wait::Lock(mutex, Access::Exclusive), at);
            waiting.begins(writer, Wait::Lock(rwlock, Access::Exclusive), at);
        }
        let raised = run
            .lock_wait_begins(main, (rwlock, Access::Shared), at)
            .expect_err("the read waits behind the writer, which waits for the reader");
        let deadlock = raised.get::<Deadlock>().expect("a deadlock");
        assert_eq!(deadlock.threads()[0].on, StuckOn::BehindWriter(writer));
    }

    #[test]
    fn under_shuttle_the_operation_past_the_bound_raises_endless() {
        shuttle::check_random(
            || {
                let run = Execution::new(Flavour::Shuttle, 0);
                let at = Location::caller();
                for _ in 0..MAX_OPERATIONS {
                    run.record(Op::YieldNow, at);
                }
                let past = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run.record(Op::YieldNow, at);
                }))
                .expect_err("the operation past the bound raises");
                let endless = crate::panics::raised::<Endless>(past.as_ref());
                assert_eq!(
                    endless.map(Endless::past),
                    Some(Past::Operations(MAX_OPERATIONS + 1))
                );
            },
            1,
        );
    }

    #[test]
    fn on_real_threads_no_count_of_operations_ends_a_run() {
        let run = Execution::new(Flavour::Std, 0);
        for _ in 0..=MAX_OPERATIONS {
            run.record(Op::YieldNow, Location::caller());
        }
        assert!(run.violation().is_none());
    }

    #[test]
    fn a_notify_one_with_only_a_timed_waiter_reaches_it() {
        let run = Execution::new(Flavour::Std, 0);
        let ticket = run.timed_wait_begins(7);
        assert!(matches!(run.notify_one(7), NotifyOne::TimedWaiter));
        assert!(run.timed_wait_ends(ticket));
    }

    #[test]
    fn a_notify_one_reaches_one_timed_waiter_not_two() {
        let run = Execution::new(Flavour::Std, 0);
        let first = run.timed_wait_begins(7);
        let second = run.timed_wait_begins(7);
        run.notify_one(7);
        assert!(run.timed_wait_ends(first));
        assert!(!run.timed_wait_ends(second));
    }

    #[test]
    fn a_notification_reaches_only_waiters_of_its_own_condvar() {
        let run = Execution::new(Flavour::Std, 0);
        let other = run.timed_wait_begins(8);
        run.notify_all(7);
        assert!(matches!(run.notify_one(7), NotifyOne::WokenByTheRun));
        assert!(!run.timed_wait_ends(other));
    }

    /// `thread` of `run`, on real threads, waits untimed on `condvar`:
    /// booked, and queued for the run to wake; its ticket.
    fn real_wait_begins(run: &Execution, condvar: u64, thread: ThreadKey) -> Ticket {
        let wait = Wait::Condvar {
            id: condvar,
            timed: false,
            awaits: StuckOn::Condvar,
        };
        let mut books = lock(&run.books);
        books.waits.begins(thread, wait, Location::caller());
        let (ticket, _parker) = books.condvars.real.begins(condvar, thread);
        ticket
    }

    #[test]
    fn a_notify_one_on_real_threads_wakes_an_untimed_waiter_before_a_timed_one() {
        // Off shuttle nothing is drawn: an untimed waiter takes it.
        let run = Execution::new(Flavour::Std, 0);
        let timed = run.timed_wait_begins(7);
        let untimed = real_wait_begins(&run, 7, ThreadKey(1));
        assert!(matches!(run.notify_one(7), NotifyOne::WokenByTheRun));
        assert!(lock(&run.books).condvars.real.woken(untimed));
        assert!(!run.timed_wait_ends(timed));
    }

    #[test]
    fn a_notification_on_real_threads_ends_the_wait_of_the_waiter_it_woke_and_no_other() {
        let run = Execution::new(Flavour::Std, 0);
        real_wait_begins(&run, 7, ThreadKey(1));
        real_wait_begins(&run, 7, ThreadKey(2));
        run.notify_one(7);
        let books = lock(&run.books);
        assert!(books.can_run(ThreadKey(1)), "woken");
        assert!(!books.can_run(ThreadKey(2)), "still waiting");
        drop(books);
        run.notify_all(7);
        assert!(lock(&run.books).can_run(ThreadKey(2)));
    }

    #[test]
    fn a_notify_all_reaches_every_timed_waiter_of_its_condvar() {
        let run = Execution::new(Flavour::Std, 0);
        let (first, second) = (run.timed_wait_begins(7), run.timed_wait_begins(7));
        run.notify_all(7);
        assert!(run.timed_wait_ends(first));
        assert!(run.timed_wait_ends(second));
    }

    #[test]
    fn an_untimed_waiter_that_left_no_longer_takes_a_notify_one() {
        let run = Execution::new(Flavour::Std, 0);
        let untimed = real_wait_begins(&run, 7, ThreadKey(1));
        run.notify_one(7);
        assert!(lock(&run.books).condvars.real.woken(untimed));
        let timed = run.timed_wait_begins(7);
        assert!(matches!(run.notify_one(7), NotifyOne::TimedWaiter));
        assert!(run.timed_wait_ends(timed));
    }

    /// Where a `notify_one` went, in words.
    fn where_it_went(notify_one: NotifyOne) -> &'static str {
        match notify_one {
            NotifyOne::Condvar => "the condvar",
            NotifyOne::TimedWaiter => "the timed waiter",
            NotifyOne::WokenByTheRun => "a waiter the run woke",
        }
    }

    /// Where a `notify_one` on condition variable 7 went in each of a
    /// hundred shuttle runs that first books what `waiters` books.
    fn reached_under_shuttle(waiters: fn(&Execution)) -> BTreeSet<&'static str> {
        let reached = Arc::new(Mutex::new(BTreeSet::new()));
        let seen = Arc::clone(&reached);
        shuttle::check_random(
            move || {
                let run = Execution::new(Flavour::Shuttle, 0);
                waiters(&run);
                lock(&seen).insert(where_it_went(run.notify_one(7)));
            },
            100,
        );
        lock(&reached).clone()
    }

    #[test]
    fn under_shuttle_a_notify_one_reaches_a_timed_or_an_untimed_waiter_as_the_scheduler_chooses() {
        let reached = reached_under_shuttle(|run| {
            run.untimed_wait_begins(7);
            run.timed_wait_begins(7);
        });
        assert_eq!(
            reached,
            BTreeSet::from(["the condvar", "the timed waiter"]),
            "a hundred coin flips"
        );
    }

    #[test]
    fn under_shuttle_a_notify_one_reaches_the_timed_waiter_once_the_untimed_one_left() {
        let reached = reached_under_shuttle(|run| {
            run.untimed_wait_begins(7);
            run.untimed_wait_ends(7);
            run.timed_wait_begins(7);
        });
        assert_eq!(reached, BTreeSet::from(["the timed waiter"]));
    }

    #[test]
    fn within_leaves_the_thread_in_the_run_it_was_in_before() {
        let outer = Execution::new(Flavour::Std, 0);
        within(&outer, || {
            within(&Execution::new(Flavour::Std, 0), || {});
            let current = current().expect("still in the outer run");
            assert!(Arc::ptr_eq(&current, &outer));
        });
        assert!(current().is_none());
    }

    #[test]
    fn virtual_time_never_moves_back() {
        let run = Execution::new(Flavour::Std, 0);
        run.advance_to(Duration::from_secs(5));
        run.advance_to(Duration::from_secs(2));
        assert_eq!(run.now(), Duration::from_secs(5));
    }
}
