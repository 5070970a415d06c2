//! A thread the engine does not run (the code under test started it with
//! `std::thread::spawn`) that uses a lock or condition variable of a
//! shuttle or loom run fails the run by a typed `check::ForeignThread`
//! saying what to change, where it passed before having explored nothing
//! of that thread.

mod support;

use harness::check::{Check, Engine, ForeignThread};
use harness::sync::{Arc, Condvar, Mutex, RwLock};
use support::found;

/// The engines that run a body's threads on one OS thread of their own.
const ONE_OS_THREAD_ENGINES: [Engine; 3] =
    [Engine::Random, Engine::Dfs, Engine::Loom { preemptions: 2 }];

/// Runs `act` on a thread std starts, and waits for it, whatever it did.
fn on_a_std_thread(act: impl FnOnce() + Send + 'static) {
    let _ = std::thread::spawn(act).join();
}

#[track_caller]
fn fails_as_foreign_under_each(body: fn()) {
    for engine in ONE_OS_THREAD_ENGINES {
        let failure = found(&Check::new().engines([engine]).schedules(10), body);
        let raised = failure
            .raised
            .as_ref()
            .and_then(|raised| raised.get::<ForeignThread>());
        assert!(raised.is_some(), "{engine}: {failure}");
        assert!(
            failure.message.contains("harness::thread::spawn"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_lock_taken_on_a_thread_std_started_fails_the_run() {
    fails_as_foreign_under_each(|| {
        let count = Arc::new(Mutex::new(0));
        let theirs = Arc::clone(&count);
        on_a_std_thread(move || *theirs.lock().expect("not poisoned") += 1);
    });
}

#[test]
fn a_read_lock_taken_on_a_thread_std_started_fails_the_run() {
    fails_as_foreign_under_each(|| {
        let table = Arc::new(RwLock::new(0));
        let theirs = Arc::clone(&table);
        on_a_std_thread(move || drop(theirs.read()));
    });
}

#[test]
fn a_notification_from_a_thread_std_started_fails_the_run() {
    fails_as_foreign_under_each(|| {
        let ready = Arc::new(Condvar::new());
        let theirs = Arc::clone(&ready);
        on_a_std_thread(move || theirs.notify_all());
    });
}

#[test]
fn on_real_threads_a_thread_std_started_shares_the_runs_locks() {
    Check::new()
        .engines([Engine::Threads])
        .schedules(10)
        .assert(|| {
            let count = Arc::new(Mutex::new(0));
            let theirs = Arc::clone(&count);
            on_a_std_thread(move || *theirs.lock().expect("not poisoned") += 1);
            assert_eq!(*count.lock().expect("not poisoned"), 1);
        });
}

#[test]
fn a_failed_runs_leftovers_dropped_on_the_searchs_own_thread_are_no_foreign_thread() {
    for engine in ONE_OS_THREAD_ENGINES {
        let failure = found(&Check::new().engines([engine]).schedules(10), || {
            let (sender, receiver) = harness::sync::mpsc::channel::<u8>();
            // The run fails before the child runs; loom drops the child,
            // and the channel end it owns, after the run has ended.
            let _child = harness::thread::spawn(move || sender.send(1));
            drop(receiver);
            panic!("the body fails first");
        });
        assert!(
            failure.message.contains("the body fails first"),
            "{engine}: {failure}"
        );
    }
}
