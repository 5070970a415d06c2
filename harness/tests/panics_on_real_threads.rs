//! On real threads a panic that fails the run is the run's failure at
//! once, as under shuttle and loom, whatever the threads still running
//! then wait for: a notification the panicking thread never sent, or a
//! timeout that would wait for that thread's next act. They are left
//! behind, as a deadlock's are.

mod support;

use harness::check::{Check, Engine};
use harness::sync::{Arc, Condvar, Mutex};
use harness::thread;
use harness::time::Duration;
use support::found;

/// The failure real threads find in `body`, which must say `expected`.
#[track_caller]
fn found_on_real_threads_saying(body: fn(), expected: &str) {
    let check = Check::new().engines([Engine::Threads]).schedules(5);
    let failure = found(&check, body);
    let first_line = failure.message.lines().next().unwrap_or_default();
    assert!(first_line.contains(expected), "{failure}");
}

/// A thread that waits for a flag only the body would set.
fn waits_for_the_body(flag: &Arc<(Mutex<bool>, Condvar)>) -> thread::JoinHandle<()> {
    let flag = Arc::clone(flag);
    thread::spawn(move || {
        let set = flag.0.lock().expect("not poisoned");
        drop(flag.1.wait_while(set, |set| !*set).expect("not poisoned"));
    })
}

#[test]
fn a_bodys_panic_is_the_failure_though_a_thread_waits_for_the_body() {
    found_on_real_threads_saying(
        || {
            let flag = Arc::new((Mutex::new(false), Condvar::new()));
            let _waiter = waits_for_the_body(&flag);
            thread::yield_now();
            panic!("the body fails before it sets the flag");
        },
        "the body fails before it sets the flag",
    );
}

#[test]
fn a_threads_panic_is_the_failure_though_the_body_waits_for_that_thread() {
    found_on_real_threads_saying(
        || {
            let flag = Arc::new((Mutex::new(false), Condvar::new()));
            let theirs = Arc::clone(&flag);
            let _setter = thread::spawn(move || {
                let _ = theirs;
                panic!("the setter fails before it sets the flag");
            });
            let set = flag.0.lock().expect("not poisoned");
            drop(flag.1.wait_while(set, |set| !*set).expect("not poisoned"));
        },
        "the setter fails before it sets the flag",
    );
}

#[test]
fn a_bodys_panic_is_the_failure_though_a_thread_sleeps_on_past_a_second() {
    found_on_real_threads_saying(
        || {
            let _ticker = thread::spawn(|| {
                for _ in 0..8 {
                    thread::sleep(Duration::from_millis(250));
                }
            });
            thread::sleep(Duration::from_millis(10));
            panic!("the body fails while the ticker sleeps");
        },
        "the body fails while the ticker sleeps",
    );
}

#[test]
fn a_threads_panic_is_the_failure_though_the_body_sleeps_on_past_a_second() {
    found_on_real_threads_saying(
        || {
            let _worker = thread::spawn(|| panic!("the worker fails while the body sleeps"));
            for _ in 0..8 {
                thread::sleep(Duration::from_millis(250));
            }
        },
        "the worker fails while the body sleeps",
    );
}
