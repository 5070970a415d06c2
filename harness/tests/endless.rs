//! Runs that do not end fail by a typed `check::Endless` naming what each
//! thread did last: under shuttle's engines, a run past
//! `check::MAX_OPERATIONS` operations of the facade (a run within the
//! bound ends as usual); under loom, an execution past its bound of
//! branches, `check::MODEL_LOOM_MAX_BRANCHES`; on real threads, a run the watchdog ends; under
//! shuttle and loom, a search stalled by a thread that blocks where the
//! engine cannot see it. A spin that only loom keeps going, its reads
//! missing a store another thread made, is not modelled under loom.

mod support;

use harness::check::{
    AtomicAccess, Check, Endless, Engine, Error, Failure, MAX_OPERATIONS, MODEL_LOOM_MAX_BRANCHES,
    Op, Past, SPIN_ON_A_STALE_VALUE_UNDER_LOOM, STALL_LIMIT, THREADS_WATCHDOG, ThreadKey,
};
use harness::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use harness::sync::{Arc, Mutex};
use harness::thread;
use support::found;

/// The engines that run one thread at a time on shuttle.
const SHUTTLE_ENGINES: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];

/// The `Endless` `failure` raised.
#[track_caller]
fn endless(failure: &Failure) -> &Endless {
    failure
        .raised
        .as_ref()
        .and_then(|raised| raised.get::<Endless>())
        .unwrap_or_else(|| panic!("not endless: {failure}"))
}

/// A thread spins on a flag nobody sets; the body joins it.
fn a_spin_with_no_exit() {
    let flag = Arc::new(AtomicBool::new(false));
    let spinner = {
        let flag = Arc::clone(&flag);
        thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                thread::yield_now();
            }
        })
    };
    spinner.join().expect("the spinner ends without a panic");
}

/// A janitor that empties a cache every virtual minute, for good; the
/// body leaves it running and returns.
fn a_janitor_left_running() {
    let cache = Arc::new(Mutex::new(vec![1_u8]));
    let janitor = Arc::clone(&cache);
    thread::spawn(move || {
        loop {
            thread::sleep(std::time::Duration::from_secs(60));
            janitor.lock().expect("not poisoned").clear();
        }
    });
    cache.lock().expect("not poisoned").push(2);
}

#[test]
fn a_thread_left_running_for_good_is_endless_after_the_body_returned_under_each_shuttle_engine() {
    for engine in SHUTTLE_ENGINES {
        let failure = found(
            &Check::new().engines([engine]).schedules(1),
            a_janitor_left_running,
        );
        let endless = endless(&failure);
        assert!(endless.after_the_body_returned(), "{engine}: {failure}");
        assert!(
            failure
                .message
                .starts_with("endless: the body has returned, and a thread it left running"),
            "{engine}: {failure}"
        );
        let live: Vec<ThreadKey> = endless.last().iter().map(|fact| fact.thread).collect();
        assert_eq!(live, [ThreadKey(1)], "{engine}: {failure}");
    }
}

#[test]
fn a_thread_that_spins_for_ever_fails_its_run_as_endless_under_each_shuttle_engine() {
    for engine in SHUTTLE_ENGINES {
        let failure = found(
            &Check::new().engines([engine]).schedules(1),
            a_spin_with_no_exit,
        );
        let endless = endless(&failure);
        assert!(
            matches!(endless.past(), Past::Operations(operations) if operations > MAX_OPERATIONS),
            "{engine}: {failure}"
        );
        assert!(!endless.after_the_body_returned(), "{engine}: {failure}");
        assert!(
            failure
                .message
                .starts_with("endless: the run has not ended after"),
            "{engine}: {failure}"
        );
        let [body, spinner] = endless.last() else {
            panic!("{engine}: not two threads: {failure}");
        };
        // The body's join left the facts kept long before.
        assert_eq!(
            (body.thread, &body.op),
            (ThreadKey(0), &Op::Join),
            "{engine}"
        );
        let spins = [
            Op::Atomic(AtomicAccess::Load, Ordering::SeqCst),
            Op::YieldNow,
        ];
        assert_eq!(spinner.thread, ThreadKey(1), "{engine}: {failure}");
        assert!(spins.contains(&spinner.op), "{engine}: {failure}");
    }
}

/// loom's engine, with its two preemptions.
const LOOM: Engine = Engine::Loom { preemptions: 2 };

#[test]
fn a_thread_that_spins_for_ever_fails_its_run_as_endless_under_loom_past_its_branches() {
    let failure = found(
        &Check::new().engines([LOOM]).schedules(1),
        a_spin_with_no_exit,
    );
    let endless = endless(&failure);
    assert_eq!(
        endless.past(),
        Past::Branches(MODEL_LOOM_MAX_BRANCHES),
        "{failure}"
    );
    assert!(!endless.after_the_body_returned(), "{failure}");
    assert!(
        failure
            .message
            .starts_with("endless: the run has not ended after 10000 of loom's branches"),
        "{failure}"
    );
    let threads: Vec<ThreadKey> = endless.last().iter().map(|fact| fact.thread).collect();
    assert_eq!(threads, [ThreadKey(0), ThreadKey(1)], "{failure}");
}

/// A spin lock whose `lock` swaps until it reads the lock free; with
/// `test_first`, it spins on a relaxed load until the lock looks free
/// before each swap (test-and-test-and-set).
struct SpinLock {
    held: AtomicBool,
    test_first: bool,
}

impl SpinLock {
    fn lock(&self) {
        while self.held.swap(true, Ordering::Acquire) {
            while self.test_first && self.held.load(Ordering::Relaxed) {
                thread::yield_now();
            }
            if !self.test_first {
                thread::yield_now();
            }
        }
    }

    fn unlock(&self) {
        self.held.store(false, Ordering::Release);
    }
}

/// Two threads take a correct spin lock in turn.
fn two_threads_take_a_spin_lock(test_first: bool) {
    let lock = Arc::new(SpinLock {
        held: AtomicBool::new(false),
        test_first,
    });
    let takers: Vec<_> = (0..2)
        .map(|_| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.lock();
                lock.unlock();
            })
        })
        .collect();
    for taker in takers {
        taker.join().expect("a taker ends without a panic");
    }
}

#[test]
fn a_spin_lock_whose_holder_has_let_go_is_not_modelled_under_loom() {
    // loom has the spinner's swaps, or its loads, miss the holder's
    // release for good, until the execution passes the bound of branches.
    for test_first in [false, true] {
        let check = Check::new().engines([LOOM]).schedules(1_000);
        match check.run(move || two_threads_take_a_spin_lock(test_first)) {
            Err(Error::NotModelled(engines)) => {
                assert_eq!(engines, [(LOOM, SPIN_ON_A_STALE_VALUE_UNDER_LOOM)]);
            }
            other => panic!("test first {test_first}: {other:?}"),
        }
    }
}

#[test]
fn a_spin_lock_passes_a_check_of_every_engine_with_loom_left_out() {
    let summary = Check::new()
        .schedules(200)
        .run(|| two_threads_take_a_spin_lock(false))
        .expect("a correct spin lock passes");
    assert_eq!(
        summary.not_modelled,
        [(LOOM, SPIN_ON_A_STALE_VALUE_UNDER_LOOM)]
    );
    assert_eq!(summary.runs.len(), Engine::DEFAULT.len() - 1);
}

#[test]
fn a_spin_lock_nobody_lets_go_is_endless_under_loom_past_its_branches() {
    // The spinner reads the latest value in every turn: the spin is the
    // code's, not loom's.
    let failure = found(&Check::new().engines([LOOM]).schedules(1), || {
        let lock = Arc::new(SpinLock {
            held: AtomicBool::new(false),
            test_first: false,
        });
        lock.lock();
        let spinner = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || lock.lock())
        };
        spinner.join().expect("the spinner ends without a panic");
    });
    assert_eq!(
        endless(&failure).past(),
        Past::Branches(MODEL_LOOM_MAX_BRANCHES),
        "{failure}"
    );
}

#[test]
fn a_thread_left_running_for_good_is_endless_after_the_body_returned_under_loom() {
    let failure = found(
        &Check::new().engines([LOOM]).schedules(1),
        a_janitor_left_running,
    );
    let endless = endless(&failure);
    assert_eq!(endless.past(), Past::Branches(MODEL_LOOM_MAX_BRANCHES));
    assert!(endless.after_the_body_returned(), "{failure}");
    assert!(
        failure
            .message
            .starts_with("endless: the body has returned, and a thread it left running"),
        "{failure}"
    );
}

#[test]
fn a_run_just_within_the_bound_ends_as_usual_under_each_shuttle_engine() {
    // The spawn, the join, the child's end and the load after it.
    const OTHER_OPERATIONS: u64 = 4;
    Check::new()
        .engines(SHUTTLE_ENGINES)
        .schedules(1)
        .assert(|| {
            let counter = Arc::new(AtomicU64::new(0));
            let adder = {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    for _ in 0..MAX_OPERATIONS - OTHER_OPERATIONS {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
            };
            adder.join().expect("the adder ends without a panic");
            assert_eq!(
                counter.load(Ordering::Relaxed),
                MAX_OPERATIONS - OTHER_OPERATIONS
            );
        });
}

#[test]
fn a_spin_of_notes_alone_which_takes_no_step_of_shuttles_still_ends_as_endless() {
    let failure = found(&Check::new().engines([Engine::Random]).schedules(1), || {
        loop {
            harness::check::note("still here");
        }
    });
    endless(&failure);
}

/// The body takes a lock of the facade, then waits for ever on a channel
/// of std's, which the model does not see.
fn a_wait_the_model_cannot_see() {
    drop(Mutex::new(()).lock());
    let (_sender, never_sent) = std::sync::mpsc::channel::<()>();
    let _ = never_sent.recv();
}

#[test]
fn a_run_the_watchdog_ends_on_real_threads_fails_as_endless_naming_what_each_thread_did_last() {
    let check = Check::new().engines([Engine::Threads]).schedules(1);
    let failure = found(&check, a_wait_the_model_cannot_see);
    let endless = endless(&failure);
    assert_eq!(
        endless.past(),
        Past::Watchdog(THREADS_WATCHDOG),
        "{failure}"
    );
    let body_last = endless
        .last()
        .iter()
        .find(|fact| fact.thread == ThreadKey(0));
    assert_eq!(
        body_last.map(|fact| fact.at.file()),
        Some(file!()),
        "{failure}"
    );
}

/// Two threads each take a std mutex, which no engine sees, and hold it
/// across an operation of the facade: under shuttle or loom, a thread
/// switched away from while it holds the lock leaves the other blocked on
/// the search's one OS thread.
fn a_std_lock_held_across_a_switch() {
    let shared = Arc::new((std::sync::Mutex::new(()), AtomicU64::new(0)));
    let other = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let _held = shared.0.lock().expect("no holder panics");
            shared.1.fetch_add(1, Ordering::SeqCst);
        })
    };
    {
        let _held = shared.0.lock().expect("no holder panics");
        shared.1.fetch_add(1, Ordering::SeqCst);
    }
    other.join().expect("the thread ends without a panic");
}

#[track_caller]
fn stalls_under(engine: Engine) {
    let failure = found(
        &Check::new().engines([engine]),
        a_std_lock_held_across_a_switch,
    );
    assert_eq!(
        endless(&failure).past(),
        Past::Stalled(STALL_LIMIT),
        "{failure}"
    );
    assert!(
        failure
            .message
            .contains("blocks where the engine cannot see it"),
        "{failure}"
    );
}

#[test]
fn a_lock_the_engine_cannot_see_stalls_a_shuttle_search_which_fails_rather_than_hangs() {
    stalls_under(Engine::Random);
}

#[test]
fn a_lock_the_engine_cannot_see_stalls_a_loom_search_which_fails_rather_than_hangs() {
    stalls_under(Engine::Loom { preemptions: 2 });
}
