//! The platform's liveness oracles in the library, judged from what the
//! facade hands out: `no-blocking-under-lock` (no thread waits while it
//! holds a lock other than the one its wait releases) and `never-waits`
//! (a section marked with `never_waits` takes no lock and waits on
//! nothing). Each is judged at the moment a thread is about to wait, so a
//! body that always breaks one breaks it on its first schedule, under
//! every engine, real threads included.

mod support;

use std::time::Duration;

use harness::check::{
    BlockingViolation, Check, Engine, allow_waits_under_lock, never_waits, never_waits_begins,
    never_waits_ends,
};
use harness::sync::atomic::{AtomicBool, Ordering};
use harness::sync::{Arc, Condvar, Mutex, RwLock, mpsc};
use harness::thread;
use support::{JUDGING_ENGINES, found, handoff, is_deadlock};

/// Schedules per engine for a body that breaks an oracle on every run, or
/// must break none.
const SCHEDULES: usize = 50;

/// A check of every default engine.
fn every_engine() -> Check {
    Check::new().engines(Engine::DEFAULT).schedules(SCHEDULES)
}

/// Every default engine but loom, which has no scoped threads.
fn every_engine_with_scopes() -> impl Iterator<Item = Engine> {
    Engine::DEFAULT
        .into_iter()
        .filter(|engine| !matches!(engine, Engine::Loom { .. }))
}

/// The model's two oracles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Oracle {
    NoBlockingUnderLock,
    NeverWaits,
}

impl Oracle {
    /// The oracle `violation` breaks, and its name, which its message
    /// begins with.
    fn of(violation: &BlockingViolation) -> (Oracle, &'static str) {
        match violation {
            BlockingViolation::WaitsUnderLock { .. } => {
                (Oracle::NoBlockingUnderLock, "no-blocking-under-lock")
            }
            BlockingViolation::BlocksWhereItMustNot { .. } => (Oracle::NeverWaits, "never-waits"),
            other => panic!("a violation these tests do not know: {other}"),
        }
    }
}

/// Each default engine, alone, finds `body` breaking `oracle`.
#[track_caller]
fn breaks(oracle: Oracle, body: fn()) {
    breaks_under(Engine::DEFAULT, oracle, body);
}

/// Each of `engines`, alone, finds `body` breaking `oracle`: the failure
/// raised the violation, typed, and its message names the oracle.
#[track_caller]
fn breaks_under(engines: impl IntoIterator<Item = Engine>, oracle: Oracle, body: fn()) {
    for engine in engines {
        let check = Check::new().engines([engine]).schedules(SCHEDULES);
        let failure = found(&check, body);
        let violation = failure
            .raised
            .as_ref()
            .and_then(|raised| raised.get::<BlockingViolation>())
            .unwrap_or_else(|| panic!("{engine}: no violation raised: {failure}"));
        let (broken, name) = Oracle::of(violation);
        assert_eq!(broken, oracle, "{engine}: {failure}");
        assert!(
            failure.message.starts_with(&format!("{name}: ")),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_condvar_wait_while_holding_another_lock_breaks_no_blocking_under_lock() {
    breaks(Oracle::NoBlockingUnderLock, || {
        let other = Mutex::new(());
        let ready = Arc::new((Mutex::new(false), Condvar::new()));
        let setter = {
            let ready = Arc::clone(&ready);
            thread::spawn(move || {
                *ready.0.lock().expect("not poisoned") = true;
                ready.1.notify_one();
            })
        };
        let _other = other.lock().expect("not poisoned");
        let flag = ready.0.lock().expect("not poisoned");
        let _flag = ready.1.wait_while(flag, |set| !*set);
        drop(setter);
    });
}

#[test]
fn a_timed_condvar_wait_while_holding_another_lock_breaks_no_blocking_under_lock() {
    breaks(Oracle::NoBlockingUnderLock, || {
        let other = Mutex::new(());
        let (lock, condvar) = (Mutex::new(()), Condvar::new());
        let _other = other.lock().expect("not poisoned");
        let guard = lock.lock().expect("not poisoned");
        let _ = condvar.wait_timeout(guard, Duration::from_millis(10));
    });
}

#[test]
fn a_condvar_wait_that_releases_the_only_lock_held_is_clean() {
    every_engine().assert(|| handoff(true));
}

#[test]
fn sleeping_while_holding_a_lock_breaks_no_blocking_under_lock() {
    breaks(Oracle::NoBlockingUnderLock, || {
        let lock = Mutex::new(0_u8);
        let _held = lock.lock().expect("not poisoned");
        thread::sleep(Duration::from_millis(10));
    });
}

#[test]
fn parking_while_holding_a_read_lock_breaks_no_blocking_under_lock() {
    breaks(Oracle::NoBlockingUnderLock, || {
        let lock = RwLock::new(0_u8);
        let _read = lock.read().expect("not poisoned");
        thread::park_timeout(Duration::from_millis(10));
    });
}

#[test]
fn joining_while_holding_a_lock_breaks_no_blocking_under_lock() {
    breaks(Oracle::NoBlockingUnderLock, || {
        let lock = Mutex::new(0_u8);
        let worker = thread::spawn(|| {});
        let _held = lock.lock().expect("not poisoned");
        let _ = worker.join();
    });
}

#[test]
fn a_scope_ending_under_a_lock_with_a_thread_unjoined_breaks_no_blocking_under_lock() {
    // The scoped thread has finished on some schedules when the scope
    // ends, and not on others: the wait is in the code either way.
    breaks_under(
        every_engine_with_scopes(),
        Oracle::NoBlockingUnderLock,
        || {
            let lock = Mutex::new(0_u8);
            let _held = lock.lock().expect("not poisoned");
            thread::scope(|scope| {
                scope.spawn(|| {});
            });
        },
    );
}

#[test]
fn a_scope_whose_threads_were_joined_ends_under_a_lock_cleanly() {
    let check = Check::new()
        .engines(every_engine_with_scopes())
        .schedules(SCHEDULES);
    check.assert(|| {
        let lock = Mutex::new(0_u8);
        // The guard outlives the scope's body: it is what the body returns.
        let mut held = thread::scope(|scope| {
            let worker = scope.spawn(|| 1_u8);
            let one = worker.join().expect("the worker ends without a panic");
            let mut held = lock.lock().expect("not poisoned");
            *held += one;
            held
        });
        *held += 1;
    });
}

#[test]
fn receiving_while_holding_a_lock_breaks_no_blocking_under_lock() {
    breaks(Oracle::NoBlockingUnderLock, || {
        let lock = Mutex::new(0_u8);
        let (sender, receiver) = mpsc::channel();
        let sender = thread::spawn(move || sender.send(1_u8));
        let _held = lock.lock().expect("not poisoned");
        let _ = receiver.recv();
        drop(sender);
    });
}

/// Two workers share a channel's receiver behind a mutex and wait for a
/// job holding it, as the Rust book's pool does: a lock held across a wait
/// on purpose, which no wake-up needs.
fn workers_that_wait_for_a_job_holding_the_receivers_lock() {
    let (sender, receiver) = mpsc::channel::<u8>();
    let receiver = Arc::new(Mutex::new(receiver));
    let worker = || {
        let receiver = Arc::clone(&receiver);
        thread::spawn(move || {
            let mut jobs = 0;
            while receiver.lock().expect("not poisoned").recv().is_ok() {
                jobs += 1;
            }
            jobs
        })
    };
    let workers = [worker(), worker()];
    for job in 0..2 {
        sender.send(job).expect("a worker receives");
    }
    drop(sender);
    let jobs: u8 = workers
        .into_iter()
        .map(|worker| worker.join().expect("a worker ends without a panic"))
        .sum();
    assert_eq!(jobs, 2);
}

#[test]
fn workers_waiting_for_a_job_under_the_receivers_lock_break_no_blocking_under_lock() {
    // A worker waits only on an empty channel: random found one at its 5th
    // schedule, PCT and URW at their 1st, loom at its 57th. DFS, which
    // varies the last choices first, reaches none within 1,000, and real
    // threads, where the body mostly sends before a worker starts, only
    // one schedule in hundreds.
    let engines = [
        Engine::Random,
        Engine::pct(3),
        Engine::Urw,
        Engine::Loom { preemptions: 2 },
    ];
    for engine in engines {
        let check = Check::new().engines([engine]).schedules(1_000);
        let failure = found(
            &check,
            workers_that_wait_for_a_job_holding_the_receivers_lock,
        );
        let raised = failure.raised.as_ref();
        assert!(
            raised.is_some_and(|raised| raised.get::<BlockingViolation>().is_some()),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn workers_waiting_for_a_job_under_the_receivers_lock_run_clean_once_the_body_allows_it() {
    every_engine().assert(|| {
        allow_waits_under_lock();
        workers_that_wait_for_a_job_holding_the_receivers_lock();
    });
}

#[test]
fn a_wake_up_that_needs_the_lock_its_waiter_holds_is_a_deadlock_though_the_body_allows_the_wait() {
    for engine in JUDGING_ENGINES {
        let check = Check::new().engines([engine]).schedules(1_000);
        let failure = found(&check, || {
            allow_waits_under_lock();
            let lock = Arc::new(Mutex::new(()));
            let (sender, receiver) = mpsc::channel();
            let waker = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || {
                    let _held = lock.lock().expect("not poisoned");
                    sender.send(()).expect("the body receives");
                })
            };
            let _held = lock.lock().expect("not poisoned");
            receiver.recv().expect("the waker sends");
            drop(waker);
        });
        assert!(is_deadlock(&failure), "{engine}: {failure}");
    }
}

#[test]
fn a_lock_released_before_the_wait_is_clean() {
    every_engine().assert(|| {
        let lock = Mutex::new(0_u8);
        let (sender, receiver) = mpsc::sync_channel(0);
        let sender = thread::spawn(move || sender.send(1_u8));
        *lock.lock().expect("not poisoned") += 1;
        let write = RwLock::new(0_u8);
        *write.write().expect("not poisoned") += 1;
        thread::sleep(Duration::from_millis(10));
        assert_eq!(receiver.recv(), Ok(1));
        let sent = sender.join().expect("the sender ends without a panic");
        assert_eq!(sent, Ok(()));
    });
}

#[test]
fn the_broken_oracle_is_the_cause_even_when_its_lock_then_fails_another_thread() {
    // The violation's panic unwinds through the lock it held, poisoning
    // it, and lets the other thread run: that thread's own panic must not
    // be reported as the cause.
    breaks(Oracle::NoBlockingUnderLock, || {
        let lock = Arc::new(Mutex::new(0_u8));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || *lock.lock().expect("the lock is not poisoned") += 1)
        };
        let held = lock.lock().expect("not poisoned");
        thread::sleep(Duration::from_millis(10));
        drop(held);
        drop(other);
    });
}

#[test]
fn a_wait_under_a_lock_that_only_some_schedules_reach_is_found() {
    // The waiter parks under its lock only if it looks before the flag is
    // set: a race every engine that searches schedules must find.
    for engine in Engine::DEFAULT.into_iter().filter(|e| e.replays_exactly()) {
        let check = Check::new().engines([engine]).schedules(1_000);
        let failure = found(&check, || {
            let ready = Arc::new(AtomicBool::new(false));
            let setter = {
                let ready = Arc::clone(&ready);
                thread::spawn(move || ready.store(true, Ordering::SeqCst))
            };
            let lock = Mutex::new(());
            let _held = lock.lock().expect("not poisoned");
            if !ready.load(Ordering::SeqCst) {
                thread::park_timeout(Duration::from_millis(10));
            }
            drop(setter);
        });
        assert!(
            failure.message.starts_with("no-blocking-under-lock: "),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn the_report_says_how_to_allow_a_wait_under_a_lock_held_on_purpose() {
    // The Rust book's pool waits for a job holding its receiver's lock: a
    // newcomer's first run of it meets this oracle, and needs the way out.
    let check = Check::new().engines([Engine::Random]).schedules(1);
    let failure = found(&check, || {
        let lock = Mutex::new(0_u8);
        let _held = lock.lock().expect("not poisoned");
        thread::park_timeout(Duration::from_millis(10));
    });
    assert!(
        failure
            .message
            .contains("call `harness::check::allow_waits_under_lock()` in the body"),
        "{failure}"
    );
}

#[test]
fn the_report_names_the_line_that_waits_and_the_line_that_locked() {
    let check = Check::new().engines([Engine::Random]).schedules(1);
    let failure = found(&check, || {
        let lock = Mutex::new(0_u8);
        let _held = lock.lock().expect("not poisoned");
        thread::sleep(Duration::from_millis(10));
    });
    let (locked, waits) = (line!() - 3, line!() - 2);
    let file = file!();
    assert!(
        failure.message.contains(&format!(
            "waits at {file}:{waits} while it holds the lock it took at {file}:{locked}"
        )),
        "{failure}"
    );
}

#[test]
fn taking_a_lock_inside_never_waits_breaks_never_waits() {
    breaks(Oracle::NeverWaits, || {
        let lock = Mutex::new(0_u8);
        never_waits(|| *lock.lock().expect("not poisoned") += 1);
    });
}

#[test]
fn sleeping_inside_never_waits_breaks_never_waits() {
    breaks(Oracle::NeverWaits, || {
        never_waits(|| thread::sleep(Duration::from_millis(1)));
    });
}

#[test]
fn a_try_lock_and_a_send_inside_never_waits_are_clean() {
    every_engine().assert(|| {
        let lock = Mutex::new(0_u8);
        let (sender, receiver) = mpsc::channel();
        never_waits(|| {
            if let Ok(mut value) = lock.try_lock() {
                *value += 1;
            }
            sender.send(1_u8).expect("the receiver is alive");
        });
        assert_eq!(receiver.recv(), Ok(1));
    });
}

#[test]
fn never_waits_binds_only_its_closure() {
    every_engine().assert(|| {
        let answer = never_waits(|| 42);
        assert_eq!(answer, 42);
        let lock = Mutex::new(0_u8);
        *lock.lock().expect("not poisoned") += 1;
        thread::sleep(Duration::from_millis(1));
    });
}

#[test]
fn a_wait_between_never_waits_begins_and_its_end_breaks_never_waits() {
    breaks(Oracle::NeverWaits, || {
        never_waits_begins();
        thread::sleep(Duration::from_millis(1));
        never_waits_ends();
    });
}

#[test]
fn never_waits_ends_closes_the_section_its_begin_opened() {
    every_engine().assert(|| {
        never_waits_begins();
        never_waits_ends();
        thread::sleep(Duration::from_millis(1));
    });
}

#[test]
fn never_waits_outside_a_run_is_the_call() {
    let lock = Mutex::new(0_u8);
    let value = never_waits(|| *lock.lock().expect("not poisoned") + 1);
    assert_eq!(value, 1);
}

/// A job that waits while it holds a lock, run as a pool runs its jobs:
/// inside `catch_unwind`, so the oracle's panic is caught with the rest.
fn a_pool_catches_the_panic_of_a_job_that_waits_under_a_lock() {
    let worker = thread::spawn(|| {
        let job = std::panic::catch_unwind(|| {
            let lock = Mutex::new(0_u8);
            let _held = lock.lock().expect("not poisoned");
            thread::park_timeout(Duration::from_millis(10));
        });
        assert!(job.is_err(), "the oracle let the job wait");
    });
    worker.join().expect("the worker caught its job's panic");
}

#[test]
fn a_broken_oracle_whose_panic_is_caught_still_fails_the_run_under_every_engine() {
    for engine in Engine::DEFAULT {
        let check = Check::new().engines([engine]).schedules(SCHEDULES);
        let failure = found(
            &check,
            a_pool_catches_the_panic_of_a_job_that_waits_under_a_lock,
        );
        assert!(
            failure.message.starts_with("no-blocking-under-lock: "),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_deadlock_whose_panic_is_caught_still_fails_the_run_under_every_engine() {
    for engine in Engine::DEFAULT {
        let check = Check::new().engines([engine]).schedules(SCHEDULES);
        let failure = found(&check, || {
            let caught = std::panic::catch_unwind(|| {
                let lock = Mutex::new(0_u8);
                let _held = lock.lock().expect("not poisoned");
                drop(lock.lock());
            });
            assert!(caught.is_err(), "a second lock by its holder returned");
        });
        assert!(is_deadlock(&failure), "{engine}: {failure}");
    }
}
