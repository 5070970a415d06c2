//! `std::thread` under the model: spawn, join, park and unpark are the
//! engine's; `sleep` and `park_timeout` take virtual time in a run, after
//! letting the scheduler run others.

use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::Arc;
use std::time::Duration;

use super::execution::{self, Execution, Flavour};
use super::facts::{Op, ThreadKey, TimedEnd};
use super::join_panics::{PanicKept, Payload};
use super::liveness::{Blocking, Site};
use super::quiescence::Wait;
use super::scope::NotModelled;
use crate::panics::Raised;

/// A thread's handle, as `std::thread::Thread`.
#[derive(Clone, Debug)]
pub struct Thread {
    of: ThreadOf,
    id: ThreadId,
    /// The name the harness gives the thread over its engine's: the one
    /// its builder gave a shuttle scoped thread, which shuttle's thread
    /// cannot carry, and [`BODY_THREAD_NAME`] for the body's thread.
    given_name: Option<Arc<str>>,
}

shuttle::thread_local! {
    /// The name the calling shuttle thread's builder gave it, if it is a
    /// scoped thread (shuttle's scope takes no builder).
    static SCOPED_NAME: std::cell::RefCell<Option<Arc<str>>> = std::cell::RefCell::new(None);
}

/// The name of the thread a check's body runs on, under every engine, as
/// std names a program's first thread: shuttle would name it
/// `main-thread`, loom and a thread of the harness's not at all.
const BODY_THREAD_NAME: &str = "main";

/// Names the calling shuttle thread, a scoped one, `name`.
pub(super) fn name_scoped_shuttle_thread(name: Option<Arc<str>>) {
    SCOPED_NAME.with(|named| *named.borrow_mut() = name);
}

/// A thread's identity, as `std::thread::ThreadId`: equal for one thread,
/// different for two. In a run it is the thread's key, so it is the same
/// in every replay and under every engine, and a thread can be told by it
/// (hashed into a stripe, say) deterministically; outside a run it is
/// std's.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadId(IdOf);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum IdOf {
    Std(std::thread::ThreadId),
    Run(ThreadKey),
}

#[derive(Clone, Debug)]
enum ThreadOf {
    Std(std::thread::Thread),
    Shuttle(shuttle::thread::Thread),
    Loom(loom::thread::Thread),
}

/// An owned permission to join a thread, as `std::thread::JoinHandle`.
#[derive(Debug)]
pub struct JoinHandle<T> {
    handle: HandleOf<Ended<T>>,
    thread: Thread,
    /// The thread's key in its run, if spawned in one.
    key: Option<ThreadKey>,
    /// Dropped unjoined, it leaves the thread's panic to fail the run.
    claim: PanicClaim,
}

/// What a thread's body returns to its engine: its value, or, if it
/// panicked in a run, word that its panic waits for a join in the run's
/// `JoinPanics`.
pub(super) type Ended<T> = Result<T, PanicKept>;

/// A handle's claim on the panic of its thread, a thread of a run: the
/// join takes the panic; dropped unjoined, the claim gives the panic up to
/// fail the run ([`super::join_panics`]).
#[derive(Debug)]
struct PanicClaim(Option<ThreadKey>);

impl PanicClaim {
    /// The join takes the panic itself.
    fn joined(mut self) {
        self.0 = None;
    }
}

impl Drop for PanicClaim {
    /// Raises the thread's panic in the dropping thread if it panicked
    /// already. If std says the dropping thread unwinds, a panic now would
    /// abort the process: the panic stays kept, and the run's failure names
    /// it. (Under shuttle and loom std's answer may be another thread's,
    /// one that switched out in the middle of unwinding; the panic is then
    /// left unraised, as std leaves every panic no join takes.)
    fn drop(&mut self) {
        let (Some(thread), Some(run)) = (self.0, execution::current()) else {
            return;
        };
        let mut panics = run.join_panics();
        panics.detach(thread);
        if std::thread::panicking() {
            return;
        }
        if let Some(payload) = panics.given_up(thread) {
            drop(panics);
            panic::resume_unwind(payload)
        }
    }
}

/// A join's result from the engine's, `joined`, of the thread of `key`:
/// a panic kept for the join is taken from the run.
pub(super) fn as_std_joins<T>(
    joined: std::thread::Result<Ended<T>>,
    key: Option<ThreadKey>,
) -> std::thread::Result<T> {
    match joined {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(PanicKept)) => {
            let (Some(run), Some(key)) = (execution::current(), key) else {
                unreachable!("a panic is kept only in a run, by a thread it keyed")
            };
            let payload = run.join_panics().joined(key);
            Err(payload.expect("a kept panic waits for its thread's one join"))
        }
        Err(payload) => Err(payload),
    }
}

#[derive(Debug)]
enum HandleOf<T> {
    Std(std::thread::JoinHandle<T>),
    Shuttle(shuttle::thread::JoinHandle<T>),
    Loom(loom::thread::JoinHandle<T>),
}

impl ThreadId {
    /// The identity of a thread of `key` in a run, or outside one, of the
    /// std thread `outside`.
    fn of(key: Option<ThreadKey>, outside: impl FnOnce() -> std::thread::ThreadId) -> ThreadId {
        ThreadId(key.map_or_else(|| IdOf::Std(outside()), IdOf::Run))
    }

    /// The identity of a shuttle or loom thread: those live only in a run,
    /// which keys each as it is spawned or first acts.
    fn modelled(key: Option<ThreadKey>) -> ThreadId {
        ThreadId(IdOf::Run(key.expect(
            "a shuttle or loom thread lives in a run, which keys it",
        )))
    }
}

/// As std's: `ThreadId(N)`, N being the thread's key in a run.
impl std::fmt::Debug for ThreadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IdOf::Std(id) => id.fmt(f),
            IdOf::Run(ThreadKey(key)) => f.debug_tuple("ThreadId").field(&key).finish(),
        }
    }
}

impl Thread {
    pub(super) fn std(thread: std::thread::Thread, key: Option<ThreadKey>) -> Thread {
        let id = ThreadId::of(key, || thread.id());
        Thread {
            of: ThreadOf::Std(thread),
            id,
            given_name: None,
        }
    }

    pub(super) fn shuttle(thread: shuttle::thread::Thread, key: Option<ThreadKey>) -> Thread {
        Thread {
            of: ThreadOf::Shuttle(thread),
            id: ThreadId::modelled(key),
            given_name: None,
        }
    }

    /// A shuttle scoped thread's handle, named as its builder named it.
    pub(super) fn shuttle_scoped(
        thread: shuttle::thread::Thread,
        key: Option<ThreadKey>,
        name: Option<Arc<str>>,
    ) -> Thread {
        Thread {
            given_name: name,
            ..Thread::shuttle(thread, key)
        }
    }

    fn loom(thread: loom::thread::Thread, key: Option<ThreadKey>) -> Thread {
        Thread {
            of: ThreadOf::Loom(thread),
            id: ThreadId::modelled(key),
            given_name: None,
        }
    }

    /// The thread's identity.
    pub fn id(&self) -> ThreadId {
        self.id
    }

    /// Wakes the thread if it is parked, or makes its next park return.
    #[track_caller]
    pub fn unpark(&self) {
        execution::record(Op::Unpark, Location::caller());
        if let (Some(run), IdOf::Run(thread)) = (execution::current(), self.id.0) {
            run.unparked(thread);
        }
        match &self.of {
            ThreadOf::Std(thread) => thread.unpark(),
            ThreadOf::Shuttle(thread) => thread.unpark(),
            ThreadOf::Loom(thread) => {
                // Outside a run the thread's run has ended: nothing waits.
                if let Some(run) = execution::current() {
                    run.loom_unpark(thread.id());
                }
            }
        }
    }

    /// The thread's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        if let Some(name) = &self.given_name {
            return Some(name);
        }
        match &self.of {
            ThreadOf::Std(thread) => thread.name(),
            ThreadOf::Shuttle(thread) => thread.name(),
            ThreadOf::Loom(thread) => thread.name(),
        }
    }
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish; `Err` with its panic if it panicked.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        let at = Location::caller();
        let JoinHandle {
            handle, key, claim, ..
        } = self;
        claim.joined();
        execution::record(Op::Join, at);
        execution::may(Blocking::Wait, at);
        let joining = match (execution::current(), key) {
            (Some(run), Some(key)) => Some(Joining::begins(run, &[key], at)),
            _ => None,
        };
        let joined = match handle {
            HandleOf::Std(handle) => handle.join(),
            HandleOf::Shuttle(handle) => handle.join(),
            HandleOf::Loom(handle) => handle.join(),
        };
        drop(joining);
        as_std_joins(joined, key)
    }

    /// Whether the thread has returned, as std's: in a run, a poll that
    /// lets others run first, as a poll in a loop must for the polled
    /// thread to end.
    #[track_caller]
    pub fn is_finished(&self) -> bool {
        let handles = || match &self.handle {
            HandleOf::Std(handle) => Some(handle.is_finished()),
            HandleOf::Shuttle(_) | HandleOf::Loom(_) => None,
        };
        finished(self.key, Location::caller(), handles)
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

/// Whether the thread of `key` has returned, polled at `at`: the
/// handle's own answer (`handles`), or the run's book where the handle has
/// none (shuttle's unscoped and loom's). In a run the poll is a fact and lets the others run
/// first, as a poll in a loop must for the thread polled for to end; loom
/// sees no dependency between the poll and the thread's end, so it may not
/// explore every order of the two.
pub(super) fn finished(
    key: Option<ThreadKey>,
    at: Site,
    handles: impl FnOnce() -> Option<bool>,
) -> bool {
    execution::record(Op::IsFinished, at);
    let run = execution::current();
    if let Some(run) = &run {
        spin(run);
    }
    handles().unwrap_or_else(|| match (run, key) {
        (Some(run), Some(key)) => run.has_ended(key),
        _ => unreachable!("a shuttle or loom thread lives in a run, which keys it"),
    })
}

/// The calling thread's join of threads, in its run's book of waits until
/// dropped (the join made, or the thread unwinding).
pub(super) struct Joining {
    joiner: (Arc<Execution>, ThreadKey),
}

impl Joining {
    /// The calling thread of `run` begins to join `threads` at `at`.
    pub(super) fn begins(run: Arc<Execution>, threads: &[ThreadKey], at: Site) -> Joining {
        let thread = run.thread_key();
        run.joins(threads, at);
        Joining {
            joiner: (run, thread),
        }
    }
}

impl Drop for Joining {
    /// Asks the engine nothing: it may run while a failed run is torn down.
    fn drop(&mut self) {
        let (run, thread) = &self.joiner;
        run.wait_ends_of(*thread);
    }
}

/// Starts a thread running `f`, of the calling thread's engine.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let at = Location::caller();
    let (key, f) = a_thread_of_the_run(f, at, None);
    let handle = match execution::current() {
        None => HandleOf::Std(std::thread::spawn(f)),
        Some(run) => match run.flavour() {
            Flavour::Std => HandleOf::Std(
                spawn_real(run, std::thread::Builder::new(), f)
                    .expect("the OS refused a thread (std's spawn panics too)"),
            ),
            Flavour::Shuttle => HandleOf::Shuttle(shuttle::thread::spawn(f)),
            Flavour::Loom => HandleOf::Loom(
                loom_spawn(&run, Builder::new(), f).expect("loom's spawn never fails"),
            ),
        },
    };
    JoinHandle::of(handle, key)
}

/// `f` as the body of a thread the calling one is about to spawn at `at`,
/// named `name` if its builder names it: in a run, the child's key is
/// reserved, its name booked, and the spawn recorded with it
/// (`Op::Spawn`), the child takes the key as it starts, and its return is
/// recorded (`Op::ThreadEnds`, at the spawn) and booked (its joiners
/// run). A panic of `f` in a run may be kept for the child's join (see
/// [`kept_for_a_join`]). The child's key, if in a run.
pub(super) fn a_thread_of_the_run<F, T>(
    f: F,
    at: &'static Location<'static>,
    name: Option<&str>,
) -> (Option<ThreadKey>, impl FnOnce() -> Ended<T> + use<F, T>)
where
    F: FnOnce() -> T,
{
    let child = execution::current().map(|run| {
        let child = run.reserve_thread_key();
        if let Some(name) = name {
            run.name_thread(child, name);
        }
        run.record(Op::Spawn { child }, at);
        child
    });
    let body = move || {
        let value = match (child, execution::current()) {
            (Some(child), Some(run)) => {
                run.bind_thread_key(child);
                panic::catch_unwind(AssertUnwindSafe(f))
                    .map_err(|payload| kept_for_a_join(&run, child, payload))
            }
            _ => Ok(f()),
        };
        execution::record(Op::ThreadEnds, at);
        if let Some(run) = execution::current()
            && let Err(failed) = run.thread_ends()
        {
            failed.raise();
        }
        value
    };
    (child, body)
}

/// The panic of `thread` of `run`, the calling one, kept for its join
/// ([`super::join_panics`]), as std hands it to the join, once the run's
/// joins take panics. Raised again if no join may take it: the model's
/// own failures, a judge's and the engine's, which fail the run whatever
/// the code does, a panic whose handle is gone, and any panic while joins
/// do not take them.
fn kept_for_a_join(run: &Execution, thread: ThreadKey, payload: Payload) -> PanicKept {
    if Raised::of_panic(payload.as_ref()).is_some() || run.a_panic_now_fails_it() {
        panic::resume_unwind(payload);
    }
    // Bound first: the book's lock is let go before the panic unwinds,
    // which reads the book again (`Execution::cause`).
    let kept = run.join_panics().panicked(thread, payload);
    match kept {
        Ok(()) => PanicKept,
        Err(payload) => panic::resume_unwind(payload),
    }
}

impl<T> JoinHandle<T> {
    fn of(handle: HandleOf<Ended<T>>, key: Option<ThreadKey>) -> JoinHandle<T> {
        let thread = match &handle {
            HandleOf::Std(handle) => Thread::std(handle.thread().clone(), key),
            HandleOf::Shuttle(handle) => Thread::shuttle(handle.thread().clone(), key),
            HandleOf::Loom(handle) => Thread::loom(handle.thread().clone(), key),
        };
        JoinHandle {
            handle,
            thread,
            key,
            claim: PanicClaim(key),
        }
    }
}

/// A real thread of `run`, made by `builder`: it runs in the run, which
/// counts it until it ends and keeps its panic, so a panic nobody joins
/// still fails the run.
fn spawn_real<F, T>(
    run: Arc<Execution>,
    builder: std::thread::Builder,
    f: F,
) -> std::io::Result<std::thread::JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    run.thread_spawned();
    let finished = Arc::clone(&run);
    builder
        .spawn(move || as_thread_of(&run, f))
        .inspect_err(|_| finished.thread_finished(None))
}

/// Runs `f` on the calling real thread as a spawned thread of `run`, which
/// counted it as it was spawned: in the run, its end counted and its panic
/// kept, so that a panic nobody joins still fails the run, and the run's
/// failure names the panic (not only "a scoped thread panicked").
pub(super) fn as_thread_of<T>(run: &Arc<Execution>, f: impl FnOnce() -> T) -> T {
    execution::started_for(run);
    match execution::within(run, || panic::catch_unwind(AssertUnwindSafe(f))) {
        Ok(value) => {
            run.thread_finished(None);
            value
        }
        Err(payload) => {
            run.thread_finished(Some(crate::panics::Panicked::of(payload.as_ref())));
            panic::resume_unwind(payload)
        }
    }
}

/// The stack of a thread whose builder sets none, under shuttle and loom:
/// std's for a spawned thread (2 MiB, `RUST_MIN_STACK` unset), so that a
/// body that runs on std's threads has the room there. shuttle's own is
/// 32 KiB and loom's too (its first thread's, which the body runs on,
/// stays so: loom sets it itself); past a shuttle thread's stack the
/// process dies of a segmentation fault, with every result of the test.
pub(crate) const THREAD_STACK_BYTES: usize = 2 << 20;

/// What a loom run raises when its body starts a thread past the five
/// loom keeps in one execution.
pub const MORE_THAN_FIVE_THREADS_UNDER_LOOM: NotModelled = NotModelled {
    what: "a run of more than five threads (the body's and four it spawns, ended ones counted)",
    under: "loom",
    because: "keeps at most five threads in an execution (`loom::MAX_THREADS`, the width of its \
              vector clocks)",
};

// The words above count loom's threads.
const _: () = assert!(loom::MAX_THREADS == 5);

/// Starts a thread of `run`, a loom run, with `settings`; a thread past
/// the run's fifth raises [`MORE_THAN_FIVE_THREADS_UNDER_LOOM`], where loom
/// would fail an assertion of its own.
fn loom_spawn<F, T>(
    run: &Execution,
    settings: Builder,
    f: F,
) -> std::io::Result<loom::thread::JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // The child's key is reserved: it is counted.
    if run.threads() > loom::MAX_THREADS {
        execution::raise_kept(MORE_THAN_FIVE_THREADS_UNDER_LOOM);
    }
    loom_builder(settings).spawn(f)
}

/// loom's builder of `settings`. loom hands a stack's size to the crate
/// of its coroutines, which counts it in words, not bytes, and writes the
/// whole stack as the thread starts when the count is odd: so the bytes
/// asked for (or [`THREAD_STACK_BYTES`]) are given as an even count of
/// words.
fn loom_builder(settings: Builder) -> loom::thread::Builder {
    let bytes = settings.stack_size.unwrap_or(THREAD_STACK_BYTES);
    let words = bytes.div_ceil(size_of::<usize>()).next_multiple_of(2);
    let builder = loom::thread::Builder::new().stack_size(words);
    match settings.name {
        Some(name) => builder.name(name),
        None => builder,
    }
}

/// A thread's settings before it starts, as `std::thread::Builder`: its
/// name and its stack's size, which each engine's builder takes as std's
/// does (but shuttle's scoped threads: see `Builder::spawn_scoped`).
#[derive(Debug, Default)]
pub struct Builder {
    pub(super) name: Option<String>,
    stack_size: Option<usize>,
}

/// Applies `$settings`, a [`Builder`]'s, to `$builder`, an engine's.
macro_rules! with_settings {
    ($builder:expr, $settings:expr) => {{
        let (mut builder, settings) = ($builder, $settings);
        if let Some(name) = settings.name {
            builder = builder.name(name);
        }
        if let Some(size) = settings.stack_size {
            builder = builder.stack_size(size);
        }
        builder
    }};
}

impl Builder {
    /// std's builder of these settings.
    pub(super) fn for_std(self) -> std::thread::Builder {
        with_settings!(std::thread::Builder::new(), self)
    }

    /// Settings with nothing set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread.
    pub fn name(self, name: String) -> Builder {
        Builder {
            name: Some(name),
            ..self
        }
    }

    /// The size of the thread's stack, in bytes.
    pub fn stack_size(self, size: usize) -> Builder {
        Builder {
            stack_size: Some(size),
            ..self
        }
    }

    /// Starts the thread running `f`, of the calling thread's engine.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let at = Location::caller();
        let (key, f) = a_thread_of_the_run(f, at, self.name.as_deref());
        let handle = match execution::current() {
            None => HandleOf::Std(self.for_std().spawn(f)?),
            Some(run) => match run.flavour() {
                Flavour::Std => HandleOf::Std(spawn_real(run, self.for_std(), f)?),
                Flavour::Shuttle => HandleOf::Shuttle(
                    with_settings!(shuttle::thread::Builder::new(), self).spawn(f)?,
                ),
                Flavour::Loom => HandleOf::Loom(loom_spawn(&run, self, f)?),
            },
        };
        Ok(JoinHandle::of(handle, key))
    }
}

/// The calling thread's handle.
pub fn current() -> Thread {
    let Some(run) = execution::current() else {
        return Thread::std(std::thread::current(), None);
    };
    let key = run.thread_key();
    let thread = match run.flavour() {
        Flavour::Std => Thread::std(std::thread::current(), Some(key)),
        Flavour::Shuttle => Thread::shuttle_scoped(
            shuttle::thread::current(),
            Some(key),
            // Gone only as the thread's locals are dropped: it has no
            // name of the harness's then.
            SCOPED_NAME
                .try_with(|name| name.borrow().clone())
                .ok()
                .flatten(),
        ),
        Flavour::Loom => Thread::loom(loom::thread::current(), Some(key)),
    };
    if key == ThreadKey::BODY {
        Thread {
            given_name: Some(Arc::from(BODY_THREAD_NAME)),
            ..thread
        }
    } else {
        thread
    }
}

/// Blocks until the thread is unparked (or, as std's may, spuriously).
#[track_caller]
pub fn park() {
    let at = Location::caller();
    execution::record(Op::Park, at);
    execution::may(Blocking::Wait, at);
    let Some(run) = execution::current() else {
        return std::thread::park();
    };
    // Booked only if no unpark waits for it.
    blocks(&run, Wait::Park { timed: false }, at);
    park_in_the_engine(&run);
    run.park_ends(at);
}

/// The calling thread of `run` begins `wait` at `at`, a wait no time ends:
/// booked, a moment it completes judged, and a deadlock it completes
/// raised.
fn blocks(run: &Execution, wait: Wait, at: Site) {
    run.wait_begins(wait, None, at);
    run.judge_if_quiescent();
    if let Err(deadlock) = run.deadlocked() {
        deadlock.raise();
    }
}

/// Parks the calling thread of `run` in its engine, which alone may wake
/// it (an unpark, or spuriously).
fn park_in_the_engine(run: &Execution) {
    match run.flavour() {
        Flavour::Std => std::thread::park(),
        Flavour::Shuttle => shuttle::thread::park(),
        Flavour::Loom => run.loom_park(),
    }
}

/// A sleep of the calling thread of `run`, at `at`, past the clock's
/// horizon: it never ends, as std's does not within any test's life. It
/// blocks as a wait nothing ends; an unpark that wakes its park in the
/// engine finds it parking again.
fn sleep_for_good(run: &Execution, at: Site) -> ! {
    blocks(run, Wait::SleepForGood, at);
    loop {
        park_in_the_engine(run);
    }
}

/// Parks for at most `timeout`. In a run it never blocks: it lets the
/// scheduler run others, then returns. An unpark that came before it, or
/// while it let the others run, ends it early, as std's; else the timeout
/// fires (the virtual clock at its end) or not, as the scheduler chooses.
/// An unpark that ends no park may also make the next `park` return at
/// once, which std allows.
#[track_caller]
pub fn park_timeout(timeout: Duration) {
    let at = Location::caller();
    let Some(run) = execution::current() else {
        return std::thread::park_timeout(timeout);
    };
    let Some(ends) = run.timeout_ends(timeout) else {
        // Past the clock's horizon: a park alone.
        return park();
    };
    run.record(Op::TimedWait(timeout), at);
    execution::may(Blocking::Wait, at);
    let started = run.now();
    let timer = run.arm_timer(ends);
    let end = if run.wait_on_time((Wait::Park { timed: true }, at), (started, timeout), || {
        run.timed_park_unparked()
    }) {
        TimedEnd::Notified
    } else if timer.fires_now() {
        TimedEnd::Fired
    } else {
        TimedEnd::WokeEarly
    };
    run.record(Op::TimedWaitEnds(end), at);
    run.has_seen_its_unparks();
    // Unparked, it was woken for another thread's reason, and its timeout
    // no longer counts (as a notified wait's).
    match end {
        TimedEnd::WokeEarly | TimedEnd::Fired => timer.linger(),
        TimedEnd::Notified => drop(timer),
    }
}

/// Sleeps for `duration`: in a run, lets the scheduler run others, then
/// moves the virtual clock to the sleep's end.
#[track_caller]
pub fn sleep(duration: Duration) {
    let Some(run) = execution::current() else {
        return std::thread::sleep(duration);
    };
    let at = Location::caller();
    run.record(Op::Sleep(duration), at);
    execution::may(Blocking::Wait, at);
    let Some(ends) = run.timeout_ends(duration) else {
        sleep_for_good(&run, at);
    };
    let started = run.now();
    let timer = run.arm_timer(ends);
    run.wait_on_time((Wait::Sleep, at), (started, duration), || false);
    timer.fire();
    timer.linger();
}

/// Lets the other threads of `run` run, as a spin-wait of the code under
/// test would (`yield_now`): the model waits for another thread to act
/// (an earlier timer to fire).
pub(super) fn spin(run: &Execution) {
    ASKED_TO_YIELD.set(true);
    run.yield_now();
    ASKED_TO_YIELD.set(false);
}

/// Lets other threads run.
#[track_caller]
pub fn yield_now() {
    let_others_in(Location::caller(), std::thread::yield_now);
}

/// A yield of the code under test at `at`: in a run, a fact and a
/// [`spin`]; outside any run, std's `outside_a_run`.
fn let_others_in(at: Site, outside_a_run: fn()) {
    match execution::current() {
        Some(run) => spin_loop_at(&run, at),
        None => {
            execution::record(Op::YieldNow, at);
            outside_a_run();
        }
    }
}

/// A spin of the code under test in `run` at `at`: a fact, a [`spin`],
/// and time that passes if nothing else can happen (see `spin_time.rs`).
pub(super) fn spin_loop_at(run: &Execution, at: Site) {
    super::peek::refuse_inside(&Op::YieldNow, at);
    run.record(Op::YieldNow, at);
    spin(run);
    run.spun();
}

/// What [`available_parallelism`] answers in a run, on every machine: a
/// component that sizes a pool by it spawns as many threads in every replay
/// of a run, and two, the fewest that run side by side, keep its schedules
/// few.
pub const PARALLELISM_IN_A_RUN: std::num::NonZeroUsize =
    std::num::NonZeroUsize::MIN.saturating_add(1);

/// How many threads the machine runs at once, as std's: outside a run,
/// std's answer; in a run, [`PARALLELISM_IN_A_RUN`], whatever the machine.
pub fn available_parallelism() -> std::io::Result<std::num::NonZeroUsize> {
    match execution::current() {
        Some(_) => Ok(PARALLELISM_IN_A_RUN),
        None => std::thread::available_parallelism(),
    }
}

/// Signals a spin-wait, as `std::hint::spin_loop`: in a run, lets other
/// threads run as [`yield_now`] does (a fact `YieldNow` at the caller's
/// line), so that the thread spun for gets to end the spin under every
/// engine.
#[track_caller]
pub fn spin_loop() {
    let_others_in(Location::caller(), std::hint::spin_loop);
}

std::thread_local! {
    /// Set while a thread yields because the code under test called
    /// [`yield_now`], and not for the model's own yields (a spurious
    /// wake-up, a timed wait): a systematic search takes only the first as
    /// "let another thread in" (`schedule::GenuineStepsFirst`). A run's threads
    /// share one OS thread under shuttle, so its scheduler reads this one.
    static ASKED_TO_YIELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the thread now yielding was asked to by the code under test.
pub(crate) fn asked_to_yield() -> bool {
    ASKED_TO_YIELD.get()
}
