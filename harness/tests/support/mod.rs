//! What the harness's test files share: the failure a check must find, the
//! handoff whose wait trusts its wake-up, found through a spurious one, and
//! two threads taking two locks in opposite orders, and the places the
//! `AtomicPtr` tests point at, and the check that a failure's facts list
//! a read before the write it missed.

use harness::check::{
    Check, Deadlock, Engine, Error, Failure, MadeElsewhere, NotModelled, Op, ReplayError, RunId,
    Summary,
};
use harness::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use harness::sync::{Arc, Condvar, Mutex};
use harness::thread;

/// The failure a check must find.
#[track_caller]
pub(crate) fn found(check: &Check, body: impl Fn() + Send + Sync + 'static) -> Box<Failure> {
    match check.run(body) {
        Err(Error::Found(failure)) => failure,
        Err(other) => panic!("the check could not run: {other}"),
        Ok(summary) => panic!("nothing found: {summary:?}"),
    }
}

/// The failure a replay of `run` finds again.
#[allow(dead_code, reason = "not every test file uses it")]
#[track_caller]
pub(crate) fn replayed(run: RunId, body: impl Fn() + Send + Sync + 'static) -> Box<Failure> {
    match Check::replay(run, body) {
        Err(ReplayError::Found(failure)) => failure,
        Err(other) => panic!("the replay of {run} did not fail: {other}"),
        Ok(()) => panic!("the replay of {run} passes"),
    }
}

/// What `failure` says of a primitive that another run made, if that is
/// what it failed by.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn made_elsewhere(failure: &Failure) -> Option<&MadeElsewhere> {
    failure
        .raised
        .as_ref()
        .and_then(|raised| raised.get::<MadeElsewhere>())
}

/// Whether `failure` is a deadlock the model named (`check::Deadlock`).
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn is_deadlock(failure: &Failure) -> bool {
    failure
        .raised
        .as_ref()
        .and_then(|raised| raised.get::<Deadlock>())
        .is_some()
}

/// That `summary`'s check ran on real threads alone, every other default
/// engine left out as not modelling the body, by `reason`.
#[allow(dead_code, reason = "not every test file uses it")]
#[track_caller]
pub(crate) fn ran_on_real_threads_alone(summary: &Summary, reason: NotModelled) {
    let ran: Vec<Engine> = summary.runs.iter().map(|&(engine, _)| engine).collect();
    assert_eq!(ran, [Engine::Threads]);
    let left_out: Vec<_> = Engine::DEFAULT
        .into_iter()
        .filter(|&engine| engine != Engine::Threads)
        .map(|engine| (engine, reason))
        .collect();
    assert_eq!(summary.not_modelled, left_out);
}

/// Every engine that judges quiescent moments (`check::at_quiescence`).
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) const JUDGING_ENGINES: [Engine; 5] = [
    Engine::Random,
    Engine::pct(3),
    Engine::Urw,
    Engine::Dfs,
    Engine::Loom { preemptions: 2 },
];

/// In the first failing run of `body` under random schedules, for each of
/// 20 seeds, `missed` (a read that missed a write) is listed before
/// `missing` (the write it missed): facts are recorded as their accesses
/// take effect. Recorded as each access was reached, the write was listed
/// first from seed 7 on (measured for atomics, channels and `Shared`).
#[allow(dead_code, reason = "not every test file uses it")]
#[track_caller]
pub(crate) fn facts_list_the_missed_access_first(body: fn(), missed: &Op, missing: &Op) {
    for seed in 0..20 {
        let check = Check::new().engines([Engine::Random]).seed(seed);
        let failure = found(&check.schedules(1_000), body);
        let position = |op: &Op| failure.facts.iter().position(|fact| fact.op == *op);
        let read = position(missed).unwrap_or_else(|| panic!("{missed:?} is a fact: {failure}"));
        let write = position(missing).unwrap_or_else(|| panic!("{missing:?} is a fact: {failure}"));
        assert!(read < write, "seed {seed}: {failure}");
    }
}

/// Each of `engines`, alone, finds a failure of `body` within `schedules`
/// whose message says `expected`.
#[allow(dead_code, reason = "not every test file uses it")]
#[track_caller]
pub(crate) fn found_by_each(
    engines: impl IntoIterator<Item = Engine>,
    schedules: usize,
    body: fn(),
    expected: &str,
) {
    for engine in engines {
        let failure = found(&Check::new().engines([engine]).schedules(schedules), body);
        assert!(failure.message.contains(expected), "{engine}: {failure}");
    }
}

/// A flag handed from one thread to another under a lock: with
/// `loop_on_flag`, a correct handoff; without, a wait that trusts its wake-up.
pub(crate) fn handoff(loop_on_flag: bool) {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let setter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            *shared.0.lock().expect("not poisoned") = true;
            shared.1.notify_one();
        })
    };
    let mut ready = shared.0.lock().expect("not poisoned");
    if loop_on_flag {
        ready = shared
            .1
            .wait_while(ready, |ready| !*ready)
            .expect("not poisoned");
    } else if !*ready {
        ready = shared.1.wait(ready).expect("not poisoned");
    }
    assert!(*ready, "woke without the flag set");
    drop(ready);
    setter.join().expect("the thread ends without a panic");
}

/// The first run of the trusting handoff that random search fails on, from
/// `seed`.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn first_trusting_failure(seed: u64) -> RunId {
    found(
        &Check::new()
            .engines([Engine::Random])
            .schedules(2_000)
            .seed(seed),
        || handoff(false),
    )
    .run
}

/// A gate whose waiters are counted in an atomic, as a component would
/// count them for a status line; with `miscounts`, a waiter forgets to
/// count itself.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    pub(crate) waiting: AtomicUsize,
    miscounts: bool,
}

#[allow(dead_code, reason = "not every test file uses it")]
impl Gate {
    pub(crate) fn new(miscounts: bool) -> Gate {
        Gate {
            open: Mutex::new(false),
            opened: Condvar::new(),
            waiting: AtomicUsize::new(0),
            miscounts,
        }
    }

    pub(crate) fn pass(&self) {
        if !self.miscounts {
            self.waiting.fetch_add(1, Ordering::Relaxed);
        }
        let open = self.open.lock().expect("not poisoned");
        drop(
            self.opened
                .wait_while(open, |open| !*open)
                .expect("not poisoned"),
        );
        if !self.miscounts {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn open(&self) {
        *self.open.lock().expect("not poisoned") = true;
        self.opened.notify_all();
    }
}

/// Two locks made by `new`, held in opposite orders by two threads:
/// `hold_both(first, second)` holds `first`, then `second` too.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn order_inversion<L: Send + Sync + 'static>(new: fn() -> L, hold_both: fn(&L, &L)) {
    let locks = Arc::new((new(), new()));
    let other = {
        let locks = Arc::clone(&locks);
        thread::spawn(move || hold_both(&locks.1, &locks.0))
    };
    hold_both(&locks.0, &locks.1);
    other.join().expect("the thread ends without a panic");
}

/// Two mutexes taken in opposite orders by two threads.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn lock_order_inversion() {
    order_inversion(
        || Mutex::new(()),
        |first, second| {
            let _first = first.lock().expect("not poisoned");
            let _second = second.lock().expect("not poisoned");
        },
    );
}

/// A waiter checks a flag under its lock and waits; the other thread sets
/// the flag and notifies without taking the lock, so its notification can
/// come after the check and before the wait: a lost wake-up. The engine
/// sees the waiter blocked and nothing left to run.
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn notification_sent_without_the_lock() {
    let latch = Arc::new((Mutex::new(()), Condvar::new(), AtomicBool::new(false)));
    let theirs = Arc::clone(&latch);
    let setter = thread::spawn(move || {
        let (_, condvar, set) = &*theirs;
        set.store(true, Ordering::SeqCst);
        condvar.notify_all();
    });
    let (lock, condvar, set) = &*latch;
    let mut guard = lock.lock().expect("not poisoned");
    while !set.load(Ordering::SeqCst) {
        guard = condvar.wait(guard).expect("not poisoned");
    }
    drop(guard);
    setter.join().expect("the thread ends without a panic");
}

/// What the pointers of the `AtomicPtr` tests point at: one place per
/// thread, never dereferenced.
static PLACES: [u8; 2] = [0, 1];

/// A pointer to place `index` (0 or 1).
#[allow(dead_code, reason = "not every test file uses it")]
pub(crate) fn place(index: usize) -> *mut u8 {
    std::ptr::from_ref(&PLACES[index]).cast_mut()
}
