//! A thread's panic fails the run, as under shuttle and loom, unless the
//! body asks joins to take panics (`check::joins_take_panics`): then it
//! goes to the join, as std's does, so a test that expects a thread to
//! panic (std's own poisoning example, a worker that dies) runs clean
//! under every engine, and a panic no join can take fails the run with
//! the thread's own words.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use std::panic::{self, AssertUnwindSafe};

use harness::check::{Check, Engine, joins_take_panics};
use harness::sync::{Arc, Condvar, Mutex};
use harness::thread;
use harness::time::Duration;
use support::{JUDGING_ENGINES, found, found_by_each};

/// Schedules per engine: each body below fails in every schedule that
/// fails at all, and most fail in all of theirs.
const SCHEDULES: usize = 20;

/// std's example of `Mutex::is_poisoned`: a holder panics, its join is
/// `Err` with the holder's own payload, and the lock is poisoned.
fn a_holder_panics_and_is_joined() {
    let mutex = Arc::new(Mutex::new(0_u8));
    let holder = {
        let mutex = Arc::clone(&mutex);
        thread::spawn(move || {
            let _held = mutex.lock();
            panic!("the holder broke");
        })
    };
    let payload = holder.join().expect_err("the holder panicked");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the holder broke"));
    assert!(mutex.is_poisoned());
}

#[test]
fn a_threads_panic_fails_the_run_and_says_how_to_have_its_join_take_it() {
    found_by_each(
        Engine::DEFAULT,
        SCHEDULES,
        a_holder_panics_and_is_joined,
        "the holder broke\n(a thread's panic fails the run; a test that expects a thread to \
         panic calls harness::check::joins_take_panics() in the body, and the join gets the \
         panic as std's does)",
    );
}

#[test]
fn a_join_takes_its_threads_panic_once_asked_under_every_engine() {
    Check::new().schedules(100).assert(|| {
        joins_take_panics();
        a_holder_panics_and_is_joined();
    });
}

#[test]
fn a_panic_whose_handle_was_dropped_first_fails_the_run_under_every_engine() {
    found_by_each(
        Engine::DEFAULT,
        SCHEDULES,
        || {
            joins_take_panics();
            drop(thread::spawn(|| panic!("nobody joins this")));
        },
        "nobody joins this",
    );
}

/// The handle of a worker that has panicked with `words`, in a run whose
/// joins take panics.
fn a_worker_that_panicked_with(words: &'static str) -> thread::JoinHandle<()> {
    joins_take_panics();
    let worker = thread::spawn(move || panic!("{words}"));
    while !worker.is_finished() {
        thread::yield_now();
    }
    worker
}

#[test]
fn dropping_the_handle_of_a_thread_that_panicked_fails_the_run_under_every_engine() {
    found_by_each(
        Engine::DEFAULT,
        SCHEDULES,
        || drop(a_worker_that_panicked_with("dropped after it panicked")),
        "dropped after it panicked",
    );
}

#[test]
fn a_handle_dropped_as_its_owner_unwinds_leaves_the_threads_panic_in_the_failures_words() {
    // A second panic there would abort the process.
    found_by_each(
        Engine::DEFAULT,
        SCHEDULES,
        || {
            let _worker = a_worker_that_panicked_with("the worker broke");
            panic!("the body broke, holding the worker's handle");
        },
        "the body broke, holding the worker's handle\n\
         (thread 1 had panicked, and no join took it: the worker broke)",
    );
}

#[test]
fn a_failure_after_a_join_says_what_the_joined_thread_panicked_with() {
    found_by_each(
        Engine::DEFAULT,
        SCHEDULES,
        || {
            joins_take_panics();
            let worker = thread::spawn(|| panic!("the worker's own words"));
            worker.join().expect("the worker ends");
        },
        "the worker ends: Any { .. }\n(a join took the panic of thread 1: the worker's own words)",
    );
}

#[test]
fn a_deadlock_after_a_threads_panic_says_what_the_thread_panicked_with() {
    found_by_each(
        Engine::DEFAULT,
        SCHEDULES,
        || {
            joins_take_panics();
            let signal = Arc::new((Mutex::new(false), Condvar::new()));
            let _worker = {
                let signal = Arc::clone(&signal);
                thread::spawn(move || {
                    let _signal = signal;
                    panic!("the worker's check failed before it signalled");
                })
            };
            let signalled = signal.0.lock().expect("not poisoned");
            drop(signal.1.wait_while(signalled, |signalled| !*signalled));
        },
        "(thread 1 had panicked, and no join took it: the worker's check failed before it \
         signalled)",
    );
}

#[test]
fn a_judges_panic_fails_the_run_though_joins_take_panics() {
    // The judge of each wait runs in the thread about to wait: kept for
    // the join, its verdict would let the run pass. It judges only the
    // timed wait, so the body's own join is no second way to fail.
    for engine in JUDGING_ENGINES {
        let check = Check::new().engines([engine]).schedules(SCHEDULES);
        let failure = found(&check, || {
            joins_take_panics();
            harness::check::at_each_wait(|wait| {
                assert!(wait.timeout().is_none(), "the judge's verdict");
            });
            let waiter = thread::spawn(|| {
                let pair = (Mutex::new(()), Condvar::new());
                let held = pair.0.lock().expect("not poisoned");
                drop(pair.1.wait_timeout(held, Duration::from_millis(1)));
            });
            let _ = waiter.join();
        });
        let first_line = failure.message.lines().next();
        assert_eq!(
            first_line,
            Some("the judge's verdict"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_scope_raises_the_panic_of_a_thread_no_handle_joined() {
    // loom has no scoped threads: the check leaves it out.
    Check::new().schedules(100).assert(|| {
        joins_take_panics();
        let unjoined = panic::catch_unwind(|| {
            thread::scope(|scope| {
                scope.spawn(|| panic!("a scoped thread's own words"));
            });
        });
        let payload = unjoined.expect_err("the scope panics");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"a scoped thread's own words")
        );
    });
}

#[test]
fn a_scope_whose_panicking_thread_was_joined_returns() {
    Check::new().schedules(100).assert(|| {
        joins_take_panics();
        let joined = thread::scope(|scope| scope.spawn(|| panic!("joined")).join());
        assert!(joined.is_err());
    });
}

#[test]
fn outside_any_run_a_join_takes_the_panic_as_stds() {
    joins_take_panics();
    let joined = panic::catch_unwind(AssertUnwindSafe(a_holder_panics_and_is_joined));
    assert!(joined.is_ok());
}
