use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::ops::{Deref, DerefMut};
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossbeam::channel::Sender;
use scenarios::{Oracle, Violation};
use store::runtime::ThreadBody;
use store::{Clock, Runtime};

use super::panics::{SourceSite, mark_simulating, take_first_panic};
use super::perturb::{Perturbation, perturbing};
use super::queue::SimQueue;
use super::{ModelRuntime, Recorder, Site, ThreadKey, TimedEnd, Trace, VirtualClock, What};

/// A scheduler's runtime `I`, instrumented for simulation. See the module docs.
#[derive(Debug)]
pub struct SimRuntime<I: Runtime> {
    inner: I,
    clock: VirtualClock,
    threads: Arc<Book>,
    trace: Trace,
    /// Where each thread parks, by key. Apart from the book: a parker is
    /// the scheduler's, and the book's lock is never held across one.
    parkers: Arc<Mutex<BTreeMap<ThreadKey, Arc<Parker<I>>>>>,
}

impl<I: ModelRuntime> Clone for SimRuntime<I> {
    fn clone(&self) -> Self {
        SimRuntime {
            inner: self.inner.clone(),
            clock: self.clock.clone(),
            threads: Arc::clone(&self.threads),
            trace: self.trace.clone(),
            parkers: Arc::clone(&self.parkers),
        }
    }
}

/// Waits on the virtual clock for a runtime it does not keep alive (see
/// [`SimRuntime::sleeper`]).
pub struct Sleeper<I: ModelRuntime> {
    clock: VirtualClock,
    threads: std::sync::Weak<Book>,
    trace: Trace,
    parkers: std::sync::Weak<Mutex<BTreeMap<ThreadKey, Arc<Parker<I>>>>>,
}

impl<I: ModelRuntime> Sleeper<I> {
    /// Takes `duration` of virtual time: timed waits that nobody notifies,
    /// each firing or waking early as the scheduler chooses, until the clock
    /// has moved on by `duration`. Nothing, once the runtime is gone or the
    /// thread unwinds a failed execution.
    pub fn sleep(&self, duration: Duration) {
        let (Some(threads), Some(parkers)) = (self.threads.upgrade(), self.parkers.upgrade())
        else {
            return;
        };
        let runtime = SimRuntime {
            inner: I::default(),
            clock: self.clock.clone(),
            threads,
            trace: self.trace.clone(),
            parkers,
        };
        let (mutex, condvar) = (runtime.mutex(()), runtime.condvar());
        let until = self.clock.now() + duration;
        let mut guard = runtime.lock(&mutex);
        while !std::thread::panicking() {
            let now = self.clock.now();
            if now >= until {
                break;
            }
            guard = runtime.wait_timeout(&condvar, guard, now.until(until));
        }
    }
}

/// Per-thread facts the oracles and deadlock reports need. Plain std
/// mutex: its critical sections never block or yield, so schedulers never
/// see it.
#[derive(Debug)]
struct ThreadBook {
    /// Threads that have started (or been spawned) and not yet finished,
    /// the scenario's main thread included.
    live_threads: usize,
    locks_held: BTreeMap<ThreadKey, usize>,
    /// Threads in an untimed condition-variable wait, by thread key.
    waiting: BTreeMap<ThreadKey, Waiter>,
    /// Threads in a timed wait, by thread key: blocked until notified or
    /// until virtual time reaches their timeout.
    timed: BTreeMap<ThreadKey, Waiter>,
    /// Threads that have finished, by thread key.
    finished: BTreeSet<ThreadKey>,
    judges: Judges,
    /// Threads blocked acquiring a lock, by thread key: name and call site.
    acquiring: BTreeMap<ThreadKey, (Arc<str>, Site)>,
    spawned_by_name: BTreeMap<String, usize>,
    panic_sink: Option<Sender<ThreadPanic>>,
    /// The first spawned thread whose body panicked.
    first_panicked: Option<String>,
    /// Threads inside a call that promises never to wait, and what it is.
    never_waits: BTreeMap<ThreadKey, &'static str>,
    /// Threads unparked and not parked since: their park returns at once.
    park_tokens: BTreeSet<ThreadKey>,
}

/// Where a parked thread blocks: the scheduler's own mutex and condition
/// variable, not its park, which shuttle lets wake spuriously at the
/// scheduler's choice (a search that always chooses it never ends). The
/// platform draws spurious wake-ups itself, as for every wait.
struct Parker<I: Runtime> {
    woken: I::Mutex<bool>,
    unparked: I::Condvar,
}

impl<I: Runtime> std::fmt::Debug for Parker<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parker")
    }
}

#[derive(Debug)]
struct Waiter {
    /// The thread's name.
    thread: Arc<str>,
    /// Where it waits.
    at: Site,
    /// Identity of the condition variable, to match notifications; `None`
    /// for a parked thread, which an unpark wakes.
    condvar: Option<usize>,
    /// Notified, so runnable as soon as the scheduler picks it.
    notified: bool,
}

/// How a spawned thread panicked, as a real-thread driver hears it.
#[derive(Clone, Debug)]
pub enum ThreadPanic {
    /// It raised a violation.
    Violation(Violation),
    /// It panicked otherwise: the store, or the harness.
    Other {
        /// The thread's name.
        thread: String,
        /// The panic's message.
        message: String,
        /// Where it panicked, if the hook saw it.
        site: Option<SourceSite>,
    },
}

impl Default for ThreadBook {
    fn default() -> ThreadBook {
        ThreadBook {
            live_threads: 1,
            locks_held: BTreeMap::new(),
            waiting: BTreeMap::new(),
            timed: BTreeMap::new(),
            finished: BTreeSet::new(),
            judges: Judges::default(),
            acquiring: BTreeMap::new(),
            spawned_by_name: BTreeMap::new(),
            panic_sink: None,
            first_panicked: None,
            never_waits: BTreeMap::new(),
            park_tokens: BTreeSet::new(),
        }
    }
}

/// What the liveness and end-of-run oracles judge with.
#[derive(Default)]
struct Judges {
    /// Judges every quiescent moment (see [`Quiescence`]).
    quiescence: Option<QuiescenceJudge>,
    /// Judges the end of the run, once every thread has finished.
    end: Option<EndJudge>,
    /// What a blocked thread waits for, in words, for deadlock reports.
    wait_for: Option<WaitFor>,
    /// Judges every moment a thread begins to wait.
    at_wait: Option<WaitJudge>,
}

impl std::fmt::Debug for Judges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Judges")
    }
}

/// A moment at which no thread can run until a notification nobody can
/// send, or a timer: every live thread is in an untimed wait that nobody
/// has notified, or in a timed wait. What the liveness oracles judge.
#[derive(Debug)]
pub struct Quiescence {
    /// Every live thread, blocked.
    pub blocked: Vec<Blocked>,
    /// Keys of the threads that have finished.
    pub finished: BTreeSet<ThreadKey>,
}

/// One blocked thread at a quiescent moment.
#[derive(Clone, Debug)]
pub struct Blocked {
    /// The thread's key.
    pub key: ThreadKey,
    /// The thread and where it is blocked.
    pub thread: BlockedThread,
}

impl Blocked {
    /// Whether it waits with a timeout, so virtual time would free it.
    pub fn timed(&self) -> bool {
        self.thread.how == Blocking::TimedWait
    }
}

/// How a thread is blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Blocking {
    /// In an untimed condition-variable wait nobody has notified.
    Waiting,
    /// In a timed wait.
    TimedWait,
    /// Acquiring a lock.
    AcquiringLock,
}

/// A blocked thread, and where it is blocked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockedThread {
    /// The thread's name.
    pub thread: String,
    /// How it is blocked.
    pub how: Blocking,
    /// Where.
    pub at: SourceSite,
}

impl std::fmt::Display for BlockedThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.how {
            Blocking::Waiting => "waiting",
            Blocking::TimedWait => "timed wait",
            Blocking::AcquiringLock => "acquiring a lock",
        };
        write!(f, "{} ({how} at {})", self.thread, self.at)
    }
}

/// Judges a quiescent moment: a violation, or `None`.
pub type QuiescenceJudge = Arc<dyn Fn(&Quiescence) -> Option<Violation> + Send + Sync>;

/// Judges the end of a run: a violation, or `None`.
pub type EndJudge = Arc<dyn Fn() -> Option<Violation> + Send + Sync>;

/// Judges a moment a thread begins to wait.
pub type WaitJudge = Arc<dyn Fn(&WaitBegins<'_>) -> Option<Violation> + Send + Sync>;

/// A thread beginning to wait, as a [`WaitJudge`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct WaitBegins<'a> {
    /// The thread about to wait.
    pub caller: ThreadKey,
    /// Every thread inside a wait (untimed or timed, notified or not), the
    /// caller included.
    pub inside: &'a [ThreadKey],
    /// How long the caller waits at most: `None` for an untimed wait or a
    /// park.
    pub timeout: Option<Duration>,
}

/// What thread `key` waits for, in words, given how every blocked thread
/// is blocked; `None` for a thread in no call the facts know.
pub type WaitFor =
    Arc<dyn Fn(ThreadKey, &BTreeMap<ThreadKey, BlockedThread>) -> Option<String> + Send + Sync>;

thread_local! {
    /// Set while a judge reads a subject's counters (see [`peeking`]).
    static PEEKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `read`, in which loads of the runtime's atomics read their latest
/// values without a scheduling point: how a judge, running inside the
/// scheduler's bookkeeping at a quiescent moment, reads what a store
/// counts through the store's own API.
pub fn peeking<T>(read: impl FnOnce() -> T) -> T {
    PEEKING.with(|peeking| peeking.set(true));
    let value = read();
    PEEKING.with(|peeking| peeking.set(false));
    value
}

fn is_peeking() -> bool {
    PEEKING.with(std::cell::Cell::get)
}

thread_local! {
    /// Whether this thread holds the book's lock (see [`Book::lock`]).
    static HOLDS_BOOK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The book behind its lock. A judge runs under this lock, so it must never
/// run code that comes back to the platform (a subject's destructor, say):
/// on one thread that would wait for itself forever. The lock turns that
/// into a loud harness bug instead of a hang the watchdog finds minutes
/// later.
#[derive(Debug, Default)]
struct Book(Mutex<ThreadBook>);

/// The book, locked by the calling thread.
struct BookGuard<'a>(std::sync::MutexGuard<'a, ThreadBook>);

impl Book {
    /// Locks the book. Panics, naming the harness bug, if the calling
    /// thread already holds it.
    fn lock(&self) -> BookGuard<'_> {
        assert!(
            !HOLDS_BOOK.with(std::cell::Cell::get),
            "HARNESS BUG: the platform's book was locked again by the thread that holds it \
             (a judge ran code that calls back into the platform)"
        );
        let guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        HOLDS_BOOK.with(|holds| holds.set(true));
        BookGuard(guard)
    }
}

impl Deref for BookGuard<'_> {
    type Target = ThreadBook;

    fn deref(&self) -> &ThreadBook {
        &self.0
    }
}

impl DerefMut for BookGuard<'_> {
    fn deref_mut(&mut self) -> &mut ThreadBook {
        &mut self.0
    }
}

impl Drop for BookGuard<'_> {
    fn drop(&mut self) {
        HOLDS_BOOK.with(|holds| holds.set(false));
    }
}

impl ThreadBook {
    /// The verdict on this moment if, with `caller` blocked (or finished,
    /// when `None`), it is quiescent.
    fn quiescence_violation(&self, caller: Option<Blocked>) -> Option<Violation> {
        let judge = self.judges.quiescence.as_ref()?;
        if !self.acquiring.is_empty() {
            return None;
        }
        let caller_key = caller.as_ref().map(|caller| caller.key);
        let others_live = self.live_threads - usize::from(caller.is_some());
        let blocked_in = |waiters: &BTreeMap<ThreadKey, Waiter>, how: Blocking| {
            waiters
                .iter()
                .filter(|(key, waiter)| !waiter.notified && Some(*key) != caller_key.as_ref())
                .map(|(key, waiter)| waiter.blocked(key, how))
                .collect::<Vec<_>>()
        };
        let mut blocked = blocked_in(&self.waiting, Blocking::Waiting);
        blocked.extend(blocked_in(&self.timed, Blocking::TimedWait));
        if blocked.len() != others_live {
            return None;
        }
        blocked.extend(caller);
        judge(&Quiescence {
            blocked,
            finished: self.finished.clone(),
        })
    }

    /// The verdict of the wait judge on `caller` beginning to wait.
    /// Nothing to judge in a thread unwinding a failed execution: its
    /// calls are cut short, and their counts with them.
    fn wait_violation(&self, caller: ThreadKey, timeout: Option<Duration>) -> Option<Violation> {
        if std::thread::panicking() {
            return None;
        }
        let judge = self.judges.at_wait.as_ref()?;
        let mut inside: Vec<ThreadKey> = self
            .waiting
            .keys()
            .chain(self.timed.keys())
            .copied()
            .collect();
        inside.push(caller);
        judge(&WaitBegins {
            caller,
            inside: &inside,
            timeout,
        })
    }

    /// Threads that wait for a notification nobody has sent yet.
    fn stuck_waiters(&self) -> impl Iterator<Item = &Waiter> {
        self.waiting.values().filter(|waiter| !waiter.notified)
    }

    /// Every blocked thread with where it waits, sorted by thread key.
    fn blocked(&self) -> Vec<BlockedThread> {
        self.blocked_by_key()
            .into_iter()
            .map(|(_, thread)| thread)
            .collect()
    }

    /// Every blocked thread with its key and where it waits: the waiting
    /// ones, then those acquiring a lock, each sorted by key.
    fn blocked_by_key(&self) -> Vec<(ThreadKey, BlockedThread)> {
        let waiting = self
            .waiting
            .iter()
            .filter(|(_, waiter)| !waiter.notified)
            .map(|(key, waiter)| (*key, waiter.blocked(key, Blocking::Waiting).thread));
        let acquiring = self.acquiring.iter().map(|(key, (thread, at))| {
            let blocked = BlockedThread {
                thread: thread.to_string(),
                how: Blocking::AcquiringLock,
                at: SourceSite::of(at),
            };
            (*key, blocked)
        });
        waiting.chain(acquiring).collect()
    }

    /// What thread `key` waits for, as the facts tell it.
    fn wait_for_of(&self, key: ThreadKey) -> Option<String> {
        let wait_for = self.judges.wait_for.as_ref()?;
        let blocked: BTreeMap<ThreadKey, BlockedThread> =
            self.blocked_by_key().into_iter().collect();
        wait_for(key, &blocked)
    }

    /// One line per blocked thread: where it is blocked and, where the
    /// facts know its call, what it waits for.
    fn wait_for_lines(&self) -> Vec<String> {
        let listed = self.blocked_by_key();
        let blocked: BTreeMap<ThreadKey, BlockedThread> = listed.iter().cloned().collect();
        listed
            .iter()
            .map(|(key, thread)| {
                let wait_for = self
                    .judges
                    .wait_for
                    .as_ref()
                    .and_then(|wait_for| wait_for(*key, &blocked));
                match wait_for {
                    Some(wait_for) => format!("{thread}: {wait_for}"),
                    None => thread.to_string(),
                }
            })
            .collect()
    }
}

impl<I: ModelRuntime> SimRuntime<I> {
    /// What a file operation does to shared memory, as the scheduler sees
    /// it: a relaxed write (`true`) or read of one atomic that stands for
    /// the files' contents. Without it, a scheduler that reorders only
    /// conflicting accesses (loom's partial-order reduction) would never
    /// run another thread between the store's last synchronisation and its
    /// file I/O, and a shuttle scheduler would never preempt there. Relaxed:
    /// it creates no happens-before the store did not create itself.
    ///
    /// It holds no handle on this runtime, whose judges hold the files
    /// that call it: a cycle would leak every execution's world.
    pub fn file_access(&self) -> impl Fn(bool) + Send + Sync + 'static {
        let contents = self.inner.atomic_u64(0);
        move |writes| {
            if hands_off::<I>() {
                return;
            }
            let runtime = I::default();
            if writes {
                runtime.fetch_add_u64(&contents, 1, Ordering::Relaxed);
            } else {
                runtime.load_u64(&contents, Ordering::Relaxed);
            }
        }
    }

    /// A [`Sleeper`] for this runtime: waits on the virtual clock that hold
    /// no handle on the runtime's book, so that the files, which the book's
    /// judges hold, can take time without closing a cycle (which would leak
    /// every execution's world).
    pub fn sleeper(&self) -> Sleeper<I> {
        Sleeper {
            clock: self.clock.clone(),
            threads: Arc::downgrade(&self.threads),
            trace: self.trace.clone(),
            parkers: Arc::downgrade(&self.parkers),
        }
    }

    /// A runtime whose timed waits run on `clock` and whose events go to
    /// `trace`. The calling thread counts as the scenario's main thread.
    pub fn new(clock: VirtualClock, trace: Trace) -> SimRuntime<I> {
        SimRuntime {
            inner: I::default(),
            clock,
            threads: Arc::default(),
            trace,
            parkers: Arc::default(),
        }
    }

    /// Records `what` in the trace, attributed to the calling thread.
    pub fn record(&self, what: What) {
        record_event::<I>(&self.trace, what);
    }

    /// A [`Recorder`] that records as [`SimRuntime::record`] does. It holds
    /// the trace alone, never the book: the book's judges hold the files,
    /// whose recorder this is, and a recorder holding the book would close a
    /// cycle that leaked every execution's world (about 40 KB a run, until a
    /// long fuzz job ran out of memory).
    pub fn recorder(&self) -> Recorder {
        let trace = self.trace.clone();
        Arc::new(move |what| record_event::<I>(&trace, what))
    }

    /// Every thread blocked right now, with where it waits.
    pub fn blocked_threads(&self) -> Vec<BlockedThread> {
        self.book().blocked()
    }

    /// Whether thread `key` has finished.
    pub fn has_finished(&self, key: ThreadKey) -> bool {
        self.book().finished.contains(&key)
    }

    /// The first spawned thread whose body panicked, if any.
    pub fn first_panicked(&self) -> Option<String> {
        self.book().first_panicked.clone()
    }

    /// Has `judge` look at every quiescent moment of the run.
    pub fn judge_quiescence_with(&self, judge: QuiescenceJudge) {
        self.book().judges.quiescence = Some(judge);
    }

    /// Has `judge` look at the end of the run, when its last thread finishes.
    pub fn judge_end_with(&self, judge: EndJudge) {
        self.book().judges.end = Some(judge);
    }

    /// Has `judge` look at every moment a thread begins to wait.
    pub fn judge_waits_with(&self, judge: WaitJudge) {
        self.book().judges.at_wait = Some(judge);
    }

    /// Has deadlock reports say what each blocked thread waits for, as
    /// `wait_for` tells it.
    pub fn describe_waits_with(&self, wait_for: WaitFor) {
        self.book().judges.wait_for = Some(wait_for);
    }

    /// The calling thread enters `what`, a call that promises never to
    /// wait: taking a lock or waiting in it breaks the oracle "never waits".
    pub fn never_waits_begins(&self, what: &'static str) {
        if !hands_off::<I>() {
            self.book().never_waits.insert(I::thread_key(), what);
        }
    }

    /// The calling thread's call that promises never to wait has
    /// returned; what the call was.
    pub fn never_waits_returns(&self) -> Option<&'static str> {
        if hands_off::<I>() {
            return None;
        }
        self.book().never_waits.remove(&I::thread_key())
    }

    /// The oracle "never waits": a violation if the calling thread is
    /// inside a call that promises never to wait, and is about to `block`.
    /// The violation ends the call: the thread unwinds out of it.
    fn never_waits_violation(&self, block: &str, at: Site) -> Option<Violation> {
        let call = self.book().never_waits.remove(&I::thread_key())?;
        let what = format!("{block} at {at} inside {call}, which promises never to wait");
        Some(
            Violation::new(
                Oracle::NeverWaits,
                I::thread_name(),
                "waits inside a call that never waits",
                what,
            )
            .at(at),
        )
    }

    /// The calling thread's key, as the book and the facts know it.
    pub fn thread_key(&self) -> ThreadKey {
        I::thread_key()
    }

    /// The calling thread's name, as the trace knows it.
    fn thread_name(&self) -> Arc<str> {
        self.trace.thread_name(I::thread_key(), I::thread_name)
    }

    /// The scenario's main thread is done; the run ends when every thread
    /// it started has finished too. Panics with a violation if this is a
    /// quiescent moment the judges reject, or the end of a run they reject.
    pub fn main_finishes(&self) {
        self.record(What::Finishes);
        let violation = self.book().thread_finishes(I::thread_key());
        if let Some(violation) = violation {
            violation.raise();
        }
    }

    /// Sends how every spawned thread that panics panicked to `sink`. On
    /// real threads a panic ends only its own thread, so without this a
    /// violation found off the main thread would surface as a hang.
    pub fn report_thread_panics_to(&self, sink: Sender<ThreadPanic>) {
        self.book().panic_sink = Some(sink);
    }

    fn book(&self) -> BookGuard<'_> {
        self.threads.lock()
    }

    /// Lock bookkeeping is skipped while unwinding: naming the thread would
    /// ask the scheduler, and the oracles are moot in a failing execution.
    fn note_lock_taken(&self) {
        if hands_off::<I>() {
            return;
        }
        *self.book().locks_held.entry(I::thread_key()).or_default() += 1;
    }

    fn note_lock_released(&self, counted: bool) {
        if !counted {
            return;
        }
        let mut book = self.book();
        let key = I::thread_key();
        let held = book
            .locks_held
            .get_mut(&key)
            .expect("released a lock never taken");
        *held -= 1;
        if *held == 0 {
            book.locks_held.remove(&key);
        }
    }

    /// The oracle "never block while holding a lock": a condition-variable
    /// wait releases exactly one lock (`releases`: 1), so the waiter must
    /// hold no other; a park releases none.
    fn lock_held_violation(&self, operation: &str, at: Site, releases: usize) -> Option<Violation> {
        let held = self
            .book()
            .locks_held
            .get(&I::thread_key())
            .copied()
            .unwrap_or(0);
        let what = format!(
            "{operation} at {at} while holding {} other lock(s)",
            held.saturating_sub(releases)
        );
        (held > releases).then(|| {
            Violation::new(
                Oracle::NoBlockingUnderLock,
                I::thread_name(),
                "wait while holding another lock",
                what,
            )
            .at(at)
        })
    }

    /// Runs `acquire` (taking a lock), recorded as blocked meanwhile.
    fn acquiring<T>(&self, at: Site, acquire: impl FnOnce() -> T) -> T {
        let key = I::thread_key();
        let entry = (self.thread_name(), at);
        self.book().acquiring.insert(key, entry);
        let acquired = acquire();
        self.book().acquiring.remove(&key);
        acquired
    }

    /// A deadlock report if no live thread other than the caller could ever
    /// run again. Detecting it here, in a running thread, beats the
    /// scheduler's own detection: loom aborts the process when it unwinds a
    /// deadlock, and neither scheduler says where threads wait.
    ///
    /// A caller about to wait with no other live thread is deadlocked too:
    /// nobody is left to notify it. A caller finishing last is not.
    fn deadlock_violation(
        book: &ThreadBook,
        others_live: usize,
        caller: Leaving,
    ) -> Option<Violation> {
        let stuck = book.stuck_waiters().count();
        let someone_waits = matches!(caller, Leaving::ToWait(_)) || others_live > 0;
        let deadlocked = someone_waits && stuck == others_live && book.acquiring.is_empty();
        deadlocked.then(|| {
            let caller_does = match caller {
                Leaving::ToWait(at) => match book.wait_for_of(I::thread_key()) {
                    Some(wait_for) => format!("waits at {at} ({wait_for})"),
                    None => format!("waits at {at}"),
                },
                Leaving::ForGood => "finishes".to_owned(),
            };
            let blocked = book.wait_for_lines();
            let what = format!(
                "{caller_does}, and every other thread waits for a notification nobody can send: {}",
                blocked.join("; ")
            );
            Violation::new(
                Oracle::NoDeadlock,
                I::thread_name(),
                "every thread waits",
                what,
            )
        })
    }
}

/// How a thread stops running, for the deadlock check.
#[derive(Clone, Copy)]
enum Leaving<'a> {
    /// It is about to wait, untimed, at this call site.
    ToWait(&'a Location<'a>),
    /// It is finishing.
    ForGood,
}

/// Records `what`, attributed to the calling thread, unless the thread
/// must leave the scheduler alone.
fn record_event<I: ModelRuntime>(trace: &Trace, what: What) {
    if !hands_off::<I>() {
        trace.record(I::thread_key(), I::thread_name, what);
    }
}

/// The chance, one in this many, that an untimed wait wakes spuriously,
/// where the scheduler can draw it (shuttle).
const SPURIOUS_WAKEUPS_ONE_IN: u64 = 8;

/// The same chance under the `spurious-wakeups` perturbation.
const SPURIOUS_WAKEUPS_PERTURBED_ONE_IN: u64 = 2;

/// Whether this thread must leave the scheduler alone: it is unwinding a
/// failed execution under a scheduler that cannot take it (see [`SimMutex`]).
pub(super) fn hands_off<I: ModelRuntime>() -> bool {
    I::FRAGILE_WHILE_UNWINDING && std::thread::panicking()
}

/// Raises `violation` after releasing `guard`. A violation must not
/// unwind through a held scheduler lock: loom keeps lock data in a std mutex,
/// which unwinding would poison, and loom's next lock of it aborts the process.
fn fail_releasing<G>(guard: G, violation: Violation) -> ! {
    drop(guard);
    violation.raise()
}

/// A mutex for simulation: the scheduler's mutex decides who holds it (so
/// the scheduler sees every acquisition), a std mutex keeps the data.
///
/// The split exists for unwinding under loom. A violation panics wherever it
/// is found, possibly with locks held, and the failing execution's objects
/// are then dropped, possibly outside the scheduler's reach. Loom aborts the
/// process when that touches its primitives (its lock state sits in std
/// mutexes that unwinding poisons). So under loom an unwinding thread never
/// touches the scheduler: it forgets a held scheduler guard and takes only
/// the data lock, which shrugs off poisoning; waits return at once,
/// notifications and spawns are skipped, atomics use their shadow. The
/// execution is failing anyway. Shuttle unwinds cleanly and needs none of it.
pub struct SimMutex<I: ModelRuntime, T: Send + 'static> {
    turn: I::Mutex<()>,
    data: Mutex<T>,
}

/// An atomic flag the scheduler models, with a shadow copy that an
/// unwinding thread reads and writes instead (see [`SimMutex`] for why).
pub struct SimAtomicBool<I: ModelRuntime> {
    modelled: I::AtomicBool,
    shadow: AtomicBool,
}

/// An atomic counter for simulation, shadowed like [`SimAtomicBool`].
pub struct SimAtomicU64<I: ModelRuntime> {
    modelled: I::AtomicU64,
    shadow: AtomicU64,
}

/// Holds a [`SimMutex`]; counted in the holder's locks while alive.
pub struct SimGuard<'a, I: ModelRuntime, T: Send + 'static> {
    runtime: SimRuntime<I>,
    mutex: &'a SimMutex<I, T>,
    /// `None` while released inside a wait, or when taken while unwinding.
    turn: Option<I::Guard<'a, ()>>,
    /// `None` only while released inside a wait.
    data: Option<std::sync::MutexGuard<'a, T>>,
    /// Whether the lock was counted in its holder's locks (not while unwinding).
    counted: bool,
}

impl<I: ModelRuntime, T: Send + 'static> Deref for SimGuard<'_, I, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_ref().expect("guard is held outside waits")
    }
}

impl<I: ModelRuntime, T: Send + 'static> DerefMut for SimGuard<'_, I, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_mut().expect("guard is held outside waits")
    }
}

impl<I: ModelRuntime, T: Send + 'static> Drop for SimGuard<'_, I, T> {
    fn drop(&mut self) {
        drop(self.data.take());
        let turn = self.turn.take();
        if hands_off::<I>() {
            std::mem::forget(turn);
        } else {
            drop(turn);
        }
        self.runtime.note_lock_released(self.counted);
    }
}

fn lock_data<T>(data: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    data.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The data lock for a thread unwinding without its scheduler turn. Threads
/// are coroutines on one OS thread: if a suspended one holds the data,
/// blocking here would hang the process, so fail loudly instead.
fn lock_data_unwinding<T>(data: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match data.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => panic!(
            "harness: unwinding a failed loom execution needs a lock a suspended thread holds; \
             the failure above is the real report"
        ),
    }
}

impl<I: ModelRuntime> Runtime for SimRuntime<I> {
    type Mutex<T: Send + 'static> = SimMutex<I, T>;
    type Guard<'a, T: Send + 'static> = SimGuard<'a, I, T>;
    type Condvar = I::Condvar;
    type AtomicBool = SimAtomicBool<I>;
    type AtomicU64 = SimAtomicU64<I>;
    type Thread = SimThread<I>;
    type Queue<T: Send + 'static> = SimQueue<I, T>;

    fn mutex<T: Send + 'static>(&self, value: T) -> SimMutex<I, T> {
        SimMutex {
            turn: self.inner.mutex(()),
            data: Mutex::new(value),
        }
    }

    #[track_caller]
    fn lock<'a, T: Send + 'static>(&self, mutex: &'a SimMutex<I, T>) -> SimGuard<'a, I, T> {
        let counted = !hands_off::<I>();
        if counted && perturbing(Perturbation::SchedulingPoints) {
            I::scheduling_point();
        }
        // Taken here: inside the closure below it would name the closure.
        let at = Location::caller();
        if counted {
            if let Some(violation) = self.never_waits_violation("takes a lock", at) {
                violation.raise();
            }
        }
        let turn = counted.then(|| self.acquiring(at, || self.inner.lock(&mutex.turn)));
        self.note_lock_taken();
        SimGuard {
            runtime: self.clone(),
            mutex,
            turn,
            data: Some(if counted {
                lock_data(&mutex.data)
            } else {
                lock_data_unwinding(&mutex.data)
            }),
            counted,
        }
    }

    fn condvar(&self) -> I::Condvar {
        self.inner.condvar()
    }

    #[track_caller]
    fn wait<'a, T>(&self, condvar: &I::Condvar, mut guard: SimGuard<'a, I, T>) -> SimGuard<'a, I, T>
    where
        T: Send + 'static + 'a,
    {
        if hands_off::<I>() {
            return guard;
        }
        let at = Location::caller();
        let violation = self
            .never_waits_violation("waits on a condition variable", at)
            .or_else(|| self.lock_held_violation("waits on a condition variable", at, 1));
        if let Some(violation) = violation {
            fail_releasing(guard, violation);
        }
        // Real condition variables may wake a waiter without a
        // notification, so every untimed wait may, as the scheduler draws it.
        let one_in = if perturbing(Perturbation::SpuriousWakeups) {
            SPURIOUS_WAKEUPS_PERTURBED_ONE_IN
        } else {
            SPURIOUS_WAKEUPS_ONE_IN
        };
        if I::wake_spuriously(one_in) {
            self.record(What::WakesSpuriously { at });
            drop(guard.data.take());
            drop(guard.turn.take());
            I::yield_now();
            guard.turn = Some(self.acquiring(at, || self.inner.lock(&guard.mutex.turn)));
            guard.data = Some(lock_data(&guard.mutex.data));
            return guard;
        }
        let key = I::thread_key();
        let name = self.thread_name();
        {
            let mut book = self.book();
            let others_live = book.live_threads - 1;
            let waiter = Waiter {
                thread: name,
                at,
                condvar: Some(condvar_identity(condvar)),
                notified: false,
            };
            let me = waiter.blocked(&key, Blocking::Waiting);
            let violation = book
                .quiescence_violation(Some(me))
                .or_else(|| Self::deadlock_violation(&book, others_live, Leaving::ToWait(at)))
                .or_else(|| book.wait_violation(key, None));
            if let Some(violation) = violation {
                drop(book);
                fail_releasing(guard, violation);
            }
            book.waiting.insert(key, waiter);
        }
        self.record(What::Waits { at });
        drop(guard.data.take());
        let turn = guard
            .turn
            .take()
            .expect("a waiting thread holds its lock's turn");
        guard.turn = Some(self.inner.wait(condvar, turn));
        guard.data = Some(lock_data(&guard.mutex.data));
        self.book().waiting.remove(&key);
        guard
    }

    /// Releases the lock and lets the scheduler run others. Then, if
    /// notified meanwhile, wakes with time standing still; otherwise fires
    /// (virtual time jumps by `timeout`) or wakes spuriously, as the
    /// scheduler chooses; relocks. Never blocks, so a timeout nobody else
    /// would end cannot turn into a false deadlock. While others run, the
    /// thread counts as blocked on a timer for the liveness oracles.
    #[track_caller]
    fn wait_timeout<'a, T>(
        &self,
        condvar: &I::Condvar,
        mut guard: SimGuard<'a, I, T>,
        timeout: Duration,
    ) -> SimGuard<'a, I, T>
    where
        T: Send + 'static + 'a,
    {
        if hands_off::<I>() {
            return guard;
        }
        let at = Location::caller();
        let violation = self
            .never_waits_violation("waits with a timeout", at)
            .or_else(|| self.lock_held_violation("waits with a timeout", at, 1));
        if let Some(violation) = violation {
            fail_releasing(guard, violation);
        }
        let key = I::thread_key();
        let name = self.thread_name();
        {
            let mut book = self.book();
            let waiter = Waiter {
                thread: name,
                at,
                condvar: Some(condvar_identity(condvar)),
                notified: false,
            };
            let me = waiter.blocked(&key, Blocking::TimedWait);
            let violation = book
                .quiescence_violation(Some(me))
                .or_else(|| book.wait_violation(key, Some(timeout)));
            if let Some(violation) = violation {
                drop(book);
                fail_releasing(guard, violation);
            }
            book.timed.insert(key, waiter);
        }
        self.record(What::TimedWaitBegins { at });
        let started = self.clock.now();
        drop(guard.data.take());
        drop(guard.turn.take());
        I::yield_now();
        let notified = self
            .book()
            .timed
            .remove(&key)
            .is_some_and(|waiter| waiter.notified);
        let how = if notified {
            TimedEnd::Notified
        } else if I::fire_timeout_now() {
            self.clock.advance_to(started + timeout);
            TimedEnd::Fires {
                clock: self.clock.now().since_origin(),
            }
        } else {
            TimedEnd::WakesEarly
        };
        self.record(What::TimedWaitEnds { at, how });
        guard.turn = Some(self.acquiring(at, || self.inner.lock(&guard.mutex.turn)));
        guard.data = Some(lock_data(&guard.mutex.data));
        guard
    }

    fn notify_all(&self, condvar: &I::Condvar) {
        let identity = condvar_identity(condvar);
        {
            // Released before the scheduler's notify, which may switch threads.
            let mut book = self.book();
            let book = &mut *book;
            for waiter in book.waiting.values_mut().chain(book.timed.values_mut()) {
                if waiter.condvar == Some(identity) {
                    waiter.notified = true;
                }
            }
        }
        if !hands_off::<I>() {
            self.inner.notify_all(condvar);
            if perturbing(Perturbation::SchedulingPoints) {
                I::scheduling_point();
            }
            if perturbing(Perturbation::Notifications) {
                I::scheduling_point();
                self.inner.notify_all(condvar);
            }
        }
    }

    fn atomic_bool(&self, value: bool) -> SimAtomicBool<I> {
        SimAtomicBool {
            modelled: self.inner.atomic_bool(value),
            shadow: AtomicBool::new(value),
        }
    }

    fn load(&self, flag: &SimAtomicBool<I>, order: Ordering) -> bool {
        if hands_off::<I>() || is_peeking() {
            return flag.shadow.load(Ordering::SeqCst);
        }
        self.inner.load(&flag.modelled, order)
    }

    fn store(&self, flag: &SimAtomicBool<I>, value: bool, order: Ordering) {
        flag.shadow.store(value, Ordering::SeqCst);
        if !hands_off::<I>() {
            self.inner.store(&flag.modelled, value, order);
        }
    }

    fn atomic_u64(&self, value: u64) -> SimAtomicU64<I> {
        SimAtomicU64 {
            modelled: self.inner.atomic_u64(value),
            shadow: AtomicU64::new(value),
        }
    }

    fn load_u64(&self, atomic: &SimAtomicU64<I>, order: Ordering) -> u64 {
        if hands_off::<I>() || is_peeking() {
            return atomic.shadow.load(Ordering::SeqCst);
        }
        self.inner.load_u64(&atomic.modelled, order)
    }

    fn store_u64(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) {
        atomic.shadow.store(value, Ordering::SeqCst);
        if !hands_off::<I>() {
            self.inner.store_u64(&atomic.modelled, value, order);
        }
    }

    fn fetch_add_u64(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) -> u64 {
        let shadowed = atomic.shadow.fetch_add(value, Ordering::SeqCst);
        if hands_off::<I>() {
            return shadowed;
        }
        self.inner.fetch_add_u64(&atomic.modelled, value, order)
    }

    fn fetch_sub_u64(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) -> u64 {
        let shadowed = atomic.shadow.fetch_sub(value, Ordering::SeqCst);
        if hands_off::<I>() {
            return shadowed;
        }
        self.inner.fetch_sub_u64(&atomic.modelled, value, order)
    }

    fn fence(&self, order: Ordering) {
        if hands_off::<I>() {
            return std::sync::atomic::fence(order);
        }
        self.inner.fence(order);
    }

    /// Two stripes: enough that a count is summed over threads that count
    /// in different ones, as on real threads, without a scheduling point
    /// per stripe of the sixteen production uses.
    const STRIPES: usize = 2;

    /// A stripe drawn from the thread's name, which a run always gives the
    /// same thread: the same stripe in every replay. (Not from the thread's
    /// key: under loom, the stripes the keys of loom's thread ids make
    /// lead early-close's search into an assertion inside loom 0.7.3's
    /// atomics, `assert_ne!(mo_i, mo_j)`, marked "this sometimes fails".)
    fn stripe(&self) -> usize {
        if hands_off::<I>() {
            return 0;
        }
        let fnv_1a = self
            .thread_name()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        fnv_1a as usize % Self::STRIPES
    }

    fn current_thread(&self) -> SimThread<I> {
        let key = I::thread_key();
        SimThread {
            key,
            parker: self.parker(key),
        }
    }

    /// Parks the caller until its token is there, as the book sees it: a
    /// parked thread is blocked for the liveness and deadlock oracles, and
    /// it may wake spuriously, as the scheduler draws it.
    #[track_caller]
    fn park(&self) {
        if hands_off::<I>() {
            return;
        }
        let at = Location::caller();
        let violation = self
            .never_waits_violation("parks", at)
            .or_else(|| self.lock_held_violation("parks", at, 0));
        if let Some(violation) = violation {
            violation.raise();
        }
        let key = I::thread_key();
        if !self.book_park(key, at) {
            return;
        }
        self.record(What::Waits { at });
        self.take_woken(key);
        let mut book = self.book();
        book.waiting.remove(&key);
        book.park_tokens.remove(&key);
    }

    fn unpark(&self, thread: &SimThread<I>) {
        if !hands_off::<I>() {
            let mut book = self.book();
            book.park_tokens.insert(thread.key);
            if let Some(waiter) = book.waiting.get_mut(&thread.key) {
                if waiter.condvar.is_none() {
                    waiter.notified = true;
                }
            }
        }
        *self.inner.lock(&thread.parker.woken) = true;
        self.inner.notify_all(&thread.parker.unparked);
    }

    fn bounded_queue<T: Send + 'static>(&self, capacity: NonZeroUsize) -> SimQueue<I, T> {
        SimQueue::<I, T>::new(self.clone(), capacity)
    }

    /// Spawns `name`, or `name#N` for the N-th thread of that name.
    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<()> {
        if hands_off::<I>() {
            return Err(io::Error::other(
                "no new threads while a failing execution unwinds",
            ));
        }
        let count = {
            let mut book = self.book();
            let count = book.spawned_by_name.entry(name.clone()).or_default();
            *count += 1;
            *count
        };
        let unique = if count == 1 {
            name
        } else {
            format!("{name}#{count}")
        };
        self.record(What::Spawns {
            thread: unique.clone(),
        });
        self.book().live_threads += 1;
        let exit = ThreadExit::<I> {
            book: Arc::clone(&self.threads),
            trace: self.trace.clone(),
            counted_out: false,
            scheduler: PhantomData,
        };
        let panic_sink = self.book().panic_sink.clone();
        let (book, name) = (Arc::clone(&self.threads), unique.clone());
        let counted_body = Box::new(move || {
            mark_simulating();
            let finished = move || {
                body();
                exit.returns();
            };
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(finished)) {
                let mut book = book.lock();
                book.first_panicked.get_or_insert_with(|| name.clone());
                drop(book);
                if let Some(sink) = panic_sink {
                    let _ = sink.send(ThreadPanic::of(&name, payload.as_ref()));
                }
                panic::resume_unwind(payload);
            }
        });
        self.inner.spawn(unique, counted_body).inspect_err(|_| {
            self.book().live_threads -= 1;
        })
    }
}

/// A thread's handle: its key in the book, and where it parks.
pub struct SimThread<I: Runtime> {
    key: ThreadKey,
    parker: Arc<Parker<I>>,
}

impl<I: Runtime> Clone for SimThread<I> {
    fn clone(&self) -> Self {
        SimThread {
            key: self.key,
            parker: Arc::clone(&self.parker),
        }
    }
}

impl<I: ModelRuntime> SimRuntime<I> {
    /// The parked thread's half of `park`: books the caller as waiting for
    /// its token and parks it, unless the token is there already or a
    /// spurious return is drawn. Returns whether to park.
    fn book_park(&self, key: ThreadKey, at: Site) -> bool {
        let mut book = self.book();
        if book.park_tokens.remove(&key) {
            drop(book);
            self.take_woken(key);
            return false;
        }
        let one_in = if perturbing(Perturbation::SpuriousWakeups) {
            SPURIOUS_WAKEUPS_PERTURBED_ONE_IN
        } else {
            SPURIOUS_WAKEUPS_ONE_IN
        };
        if I::wake_spuriously(one_in) {
            drop(book);
            self.record(What::WakesSpuriously { at });
            return false;
        }
        let others_live = book.live_threads - 1;
        let waiter = Waiter {
            thread: self.thread_name(),
            at,
            condvar: None,
            notified: false,
        };
        let me = waiter.blocked(&key, Blocking::Waiting);
        let violation = book
            .quiescence_violation(Some(me))
            .or_else(|| Self::deadlock_violation(&book, others_live, Leaving::ToWait(at)))
            .or_else(|| book.wait_violation(key, None));
        if let Some(violation) = violation {
            drop(book);
            violation.raise();
        }
        book.waiting.insert(key, waiter);
        true
    }

    /// Thread `key`'s parker, made on first use.
    fn parker(&self, key: ThreadKey) -> Arc<Parker<I>> {
        let existing = self
            .parkers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        existing.unwrap_or_else(|| {
            let parker = Arc::new(Parker {
                woken: self.inner.mutex(false),
                unparked: self.inner.condvar(),
            });
            self.parkers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, Arc::clone(&parker));
            parker
        })
    }

    /// Blocks until thread `key` (the caller) is woken, and consumes that.
    fn take_woken(&self, key: ThreadKey) {
        let parker = self.parker(key);
        let mut woken = self.inner.lock(&parker.woken);
        while !*woken {
            woken = self.inner.wait(&parker.unparked, woken);
        }
        *woken = false;
    }
}

impl Waiter {
    fn blocked(&self, key: &ThreadKey, how: Blocking) -> Blocked {
        Blocked {
            key: *key,
            thread: BlockedThread {
                thread: self.thread.to_string(),
                how,
                at: SourceSite::of(self.at),
            },
        }
    }
}

impl ThreadPanic {
    /// How thread `thread`, the caller, panicked with `payload`; where, if
    /// the hook saw it on this thread.
    pub fn of(thread: &str, payload: &(dyn std::any::Any + Send)) -> ThreadPanic {
        match Violation::of_panic(payload) {
            Some(violation) => ThreadPanic::Violation(violation.clone()),
            None => ThreadPanic::Other {
                thread: thread.to_owned(),
                message: scenarios::panic_message(payload),
                site: take_first_panic(),
            },
        }
    }
}

impl ThreadBook {
    /// Counts thread `key` out of the live threads. Returns a violation if
    /// the moment it leaves is quiescent and judged bad, or if it was the
    /// last thread of the run and the end is judged bad. (Whether it left
    /// others deadlocked is the caller's check.)
    fn thread_finishes(&mut self, key: ThreadKey) -> Option<Violation> {
        self.live_threads -= 1;
        self.finished.insert(key);
        if self.live_threads == 0 {
            return self.judges.end.as_ref().and_then(|judge| judge());
        }
        self.quiescence_violation(None)
    }
}

/// Counts a spawned thread out of the live threads however its body ends.
/// A thread that returns reports what its leaving reveals
/// ([`ThreadBook::thread_finishes`], a deadlock it leaves behind) inside
/// the catch that forwards panics to the real-thread driver, so a real
/// thread's violation is reported at once, not after the driver's bound.
struct ThreadExit<I: ModelRuntime> {
    book: Arc<Book>,
    trace: Trace,
    counted_out: bool,
    scheduler: PhantomData<fn() -> I>,
}

impl<I: ModelRuntime> ThreadExit<I> {
    /// The thread's body returned: counts it out, then panics with a
    /// violation if its leaving reveals one.
    fn returns(mut self) {
        self.counted_out = true;
        record_event::<I>(&self.trace, What::Finishes);
        let mut book = self.book.lock();
        let deadlock =
            SimRuntime::<I>::deadlock_violation(&book, book.live_threads - 1, Leaving::ForGood);
        let violation = book.thread_finishes(I::thread_key()).or(deadlock);
        drop(book);
        if let Some(violation) = violation {
            violation.raise();
        }
    }
}

impl<I: ModelRuntime> Drop for ThreadExit<I> {
    /// The thread unwinds: it leaves quietly, its execution failing anyway
    /// (and a scheduler tearing a failed execution down may no longer
    /// answer who is running).
    fn drop(&mut self) {
        if !self.counted_out {
            let mut book = self.book.lock();
            book.live_threads -= 1;
        }
    }
}

/// A condition variable's identity within one execution (its address;
/// stable because the store and scenarios never move a shared condvar).
fn condvar_identity<C>(condvar: &C) -> usize {
    std::ptr::from_ref(condvar) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_locked_again_by_its_holder_is_a_harness_bug_not_a_hang() {
        let book = Book::default();
        let held = book.lock();
        let again = panic::catch_unwind(AssertUnwindSafe(|| drop(book.lock())));
        drop(held);
        let message = again.expect_err("a second lock on one thread panics");
        let message = scenarios::panic_message(message.as_ref());
        assert!(message.starts_with("HARNESS BUG"), "{message}");
        drop(book.lock());
    }
}
