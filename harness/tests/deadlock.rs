//! Deadlocks the model sees itself: the failure raises a typed
//! `check::Deadlock` naming where each thread waits, under every engine,
//! real threads included (at once, not at the watchdog), and a park that
//! an earlier unpark lets through is no deadlock.

mod support;

use harness::check::{Check, Deadlock, Engine, Failure, Op, StuckOn, ThreadKey};
use harness::sync::{Arc, Condvar, Mutex};
use harness::thread;
use support::found;

const MAIN: ThreadKey = ThreadKey(0);
const CHILD: ThreadKey = ThreadKey(1);

/// The deadlock `failure` raised, and what each of its threads waits on.
#[track_caller]
fn stuck_on(failure: &Failure) -> Vec<(ThreadKey, StuckOn)> {
    let deadlock = failure
        .raised
        .as_ref()
        .and_then(|raised| raised.get::<Deadlock>())
        .unwrap_or_else(|| panic!("not a deadlock the model saw: {failure}"));
    assert!(failure.message.starts_with("deadlock: "), "{failure}");
    deadlock
        .threads()
        .iter()
        .map(|stuck| (stuck.thread, stuck.on))
        .collect()
}

/// The deadlock of `body` each of `engines` finds within `schedules`.
#[track_caller]
fn found_by(engines: &[Engine], schedules: usize, body: fn()) -> Vec<(Engine, Box<Failure>)> {
    engines
        .iter()
        .map(|&engine| {
            let check = Check::new().engines([engine]).schedules(schedules);
            (engine, found(&check, body))
        })
        .collect()
}

/// Two mutexes taken in opposite orders by two threads.
fn lock_order_inversion() {
    let locks = Arc::new((Mutex::new(()), Mutex::new(())));
    let other = {
        let locks = Arc::clone(&locks);
        thread::spawn(move || {
            let _second = locks.1.lock().expect("not poisoned");
            let _first = locks.0.lock().expect("not poisoned");
        })
    };
    {
        let _first = locks.0.lock().expect("not poisoned");
        let _second = locks.1.lock().expect("not poisoned");
    }
    other.join().expect("the thread ends without a panic");
}

#[test]
fn a_lock_order_inversion_names_each_lock_and_the_thread_holding_it_under_every_model_engine() {
    let model_engines = &Engine::DEFAULT[..5];
    for (engine, failure) in found_by(model_engines, 1_000, lock_order_inversion) {
        let holders: Vec<_> = stuck_on(&failure)
            .into_iter()
            .map(|(thread, on)| match on {
                StuckOn::Lock { holder, .. } => (thread, holder),
                other => panic!("{engine}: thread {thread:?} is stuck on {other:?}: {failure}"),
            })
            .collect();
        assert_eq!(
            holders,
            [(MAIN, CHILD), (CHILD, MAIN)],
            "{engine}: {failure}"
        );
        let locked = failure.facts.iter().any(|fact| fact.op == Op::Lock);
        assert!(locked, "{engine}: the facts show the locks: {failure}");
    }
}

/// A thread that parks until unparked, which nobody does, joined.
fn a_park_nobody_ends() {
    let child = thread::spawn(|| {
        loop {
            thread::park();
        }
    });
    child.join().expect("the thread ends without a panic");
}

#[test]
fn a_lost_unpark_is_a_deadlock_of_a_join_and_a_park_under_every_engine() {
    for (engine, failure) in found_by(&Engine::DEFAULT, 10, a_park_nobody_ends) {
        assert_eq!(
            stuck_on(&failure),
            [(MAIN, StuckOn::Join(CHILD)), (CHILD, StuckOn::Park)],
            "{engine}: {failure}"
        );
    }
}

/// A thread left waiting for a notification nobody sends as the body
/// returns: the body sees it waiting (it set its flag under the lock that
/// its wait let go), so the body's end is the run's last step.
fn a_waiter_left_behind() {
    let never = Arc::new((Mutex::new(false), Condvar::new()));
    let theirs = Arc::clone(&never);
    thread::spawn(move || {
        let (waiting, condvar) = &*theirs;
        let mut waiting = waiting.lock().expect("not poisoned");
        *waiting = true;
        loop {
            waiting = condvar.wait(waiting).expect("not poisoned");
        }
    });
    while !*never.0.lock().expect("not poisoned") {
        thread::yield_now();
    }
}

#[test]
fn a_thread_left_waiting_as_the_body_ends_is_a_deadlock_under_every_engine() {
    for (engine, failure) in found_by(&Engine::DEFAULT, 10, a_waiter_left_behind) {
        assert_eq!(
            stuck_on(&failure),
            [(CHILD, StuckOn::Condvar)],
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_park_after_its_unpark_returns_at_once_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let parker = thread::current();
        let unparker = thread::spawn(move || parker.unpark());
        unparker.join().expect("the thread ends without a panic");
        thread::park();
    });
}
