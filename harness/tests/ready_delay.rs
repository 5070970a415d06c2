//! A thread that can run gets its turn before the virtual clock moves more
//! than `check::READY_THREAD_DELAY_MAX` past its last act: a long timeout,
//! a guard against a hang, never fires before a thread ready to beat it has
//! run, as it never does on a real machine; a timeout within the bound
//! still races it, under every engine that chooses.

mod support;

use harness::check::{Check, Engine, READY_THREAD_DELAY_MAX};
use harness::sync::atomic::{AtomicBool, Ordering};
use harness::sync::{Arc, Condvar, Mutex, mpsc};
use harness::thread;
use harness::time::{Duration, Instant};
use support::found_by_each;

const SHUTTLE_ENGINES: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];

/// A value handed over under a lock, its receiver waiting at most
/// `timeout` for it: whether it came.
fn handed_over_within(timeout: Duration) -> bool {
    let slot = Arc::new((Mutex::new(None), Condvar::new()));
    let sender = {
        let slot = Arc::clone(&slot);
        thread::spawn(move || {
            *slot.0.lock().expect("not poisoned") = Some(9_u32);
            slot.1.notify_one();
        })
    };
    let waited = slot
        .1
        .wait_timeout_while(slot.0.lock().expect("not poisoned"), timeout, |value| {
            value.is_none()
        })
        .expect("not poisoned");
    let came = waited.0.is_some();
    drop(waited);
    sender.join().expect("the sender ends");
    came
}

#[test]
fn an_hours_timeout_never_fires_before_the_ready_sender_has_run_under_every_engine() {
    Check::new().assert(|| {
        assert!(handed_over_within(Duration::from_secs(3_600)));
    });
}

/// Nor after it, once the sender's notification has ended the wait: the
/// wait ends notified, the clock short of the hour. Not on real threads,
/// where a notification that comes as the timeout is about to fire can
/// still lose to it (the sender gone, nothing holds the timer back).
#[test]
fn an_hours_timeout_ends_with_the_senders_notification_not_an_hour_on_under_shuttle_and_loom() {
    Check::new()
        .engines(
            SHUTTLE_ENGINES
                .into_iter()
                .chain([Engine::Loom { preemptions: 2 }]),
        )
        .assert(|| {
            let started = Instant::now();
            assert!(handed_over_within(Duration::from_secs(3_600)));
            assert!(
                started.elapsed() < READY_THREAD_DELAY_MAX,
                "the hour passed"
            );
        });
}

#[test]
fn a_timeout_within_the_bound_still_fires_before_the_sender_runs_under_each_shuttle_engine() {
    found_by_each(
        SHUTTLE_ENGINES,
        1_000,
        || assert!(handed_over_within(READY_THREAD_DELAY_MAX), "timed out"),
        "timed out",
    );
}

#[test]
fn an_hours_recv_timeout_never_fires_before_the_ready_sender_has_run_under_every_engine() {
    Check::new().assert(|| {
        let (values, received) = mpsc::channel();
        let sender = thread::spawn(move || values.send(9_u32).expect("the receiver waits"));
        assert_eq!(received.recv_timeout(Duration::from_secs(3_600)), Ok(9));
        sender.join().expect("the sender ends");
    });
}

#[test]
fn an_hours_sleep_never_ends_before_a_ready_thread_has_run_under_every_engine() {
    Check::new().assert(|| {
        let done = Arc::new(AtomicBool::new(false));
        let worker = {
            let done = Arc::clone(&done);
            thread::spawn(move || done.store(true, Ordering::SeqCst))
        };
        thread::sleep(Duration::from_secs(3_600));
        assert!(
            done.load(Ordering::SeqCst),
            "an hour passed, the worker idle"
        );
        worker.join().expect("the worker ends");
    });
}

#[test]
fn a_sleeper_under_a_lock_still_wakes_though_a_thread_waits_for_that_lock() {
    Check::new().assert(|| {
        harness::check::allow_waits_under_lock();
        let lock = Arc::new(Mutex::new(()));
        let held = lock.lock().expect("not poisoned");
        let waiter = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || drop(lock.lock().expect("not poisoned")))
        };
        thread::sleep(Duration::from_secs(3_600));
        drop(held);
        waiter.join().expect("the waiter ends");
    });
}

/// Parks for a millisecond, a timeout within the bound: fails the run if
/// the timeout fired before `acted` was set, which the tests below need
/// a search to find.
fn a_short_timeout_fires_only_after(acted: &AtomicBool) {
    let before = Instant::now();
    thread::park_timeout(Duration::from_millis(1));
    let fired = before.elapsed() >= Duration::from_millis(1);
    assert!(
        !fired || acted.load(Ordering::SeqCst),
        "the timeout fired first"
    );
}

#[test]
fn a_thread_woken_after_the_clock_moved_on_may_still_lose_to_a_short_timeout() {
    found_by_each(
        SHUTTLE_ENGINES,
        1_000,
        || {
            let acted = Arc::new(AtomicBool::new(false));
            let parked = {
                let acted = Arc::clone(&acted);
                thread::spawn(move || {
                    thread::park();
                    acted.store(true, Ordering::SeqCst);
                })
            };
            // The clock moves ten seconds on while the other thread is
            // parked: it is ready from its unpark on, not from its park.
            thread::sleep(Duration::from_secs(10));
            parked.thread().unpark();
            a_short_timeout_fires_only_after(&acted);
            parked.join().expect("the parked thread ends");
        },
        "the timeout fired first",
    );
}

#[test]
fn a_thread_spawned_after_the_clock_moved_on_may_still_lose_to_a_short_timeout() {
    found_by_each(
        SHUTTLE_ENGINES,
        1_000,
        || {
            // The child is ready from its spawn on, not from the run's start.
            thread::sleep(Duration::from_secs(10));
            let acted = Arc::new(AtomicBool::new(false));
            let child = {
                let acted = Arc::clone(&acted);
                thread::spawn(move || acted.store(true, Ordering::SeqCst))
            };
            a_short_timeout_fires_only_after(&acted);
            child.join().expect("the child ends");
        },
        "the timeout fired first",
    );
}

/// The body sleeps 5 s while another thread sleeps 300 ms five times: when
/// the body's sleep ended, and when the other's last did.
fn a_long_sleep_beside_a_short_one_again_and_again() -> (Duration, Duration) {
    let start = Instant::now();
    let ticker = thread::spawn(move || {
        for _ in 0..5 {
            thread::sleep(Duration::from_millis(300));
        }
        start.elapsed()
    });
    thread::sleep(Duration::from_secs(5));
    let slept = start.elapsed();
    (
        slept,
        ticker.join().expect("the ticker ends without a panic"),
    )
}

#[test]
fn a_long_sleep_ends_beside_a_short_one_repeated_past_the_bound_under_every_engine() {
    // Each waited for the other's timeout: the ticker's, past the first
    // second, for the sleeper to act, and the sleeper's, the later, for
    // the ticker's to fire. No engine ended the run.
    Check::new().schedules(100).assert(|| {
        let (slept, ticked) = a_long_sleep_beside_a_short_one_again_and_again();
        assert!(slept >= Duration::from_secs(5), "slept {slept:?}");
        assert!(ticked >= Duration::from_millis(1_500), "ticked {ticked:?}");
        assert!(
            ticked < slept,
            "the ticker's sleeps end first: {ticked:?}, {slept:?}"
        );
    });
}

/// Two threads wait, 5 s at a time, for a flag the body sets after a
/// sleep of 12 s.
fn two_long_timed_waits_for_a_flag_set_after_a_longer_sleep() {
    let flag = Arc::new((Mutex::new(false), Condvar::new()));
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let flag = Arc::clone(&flag);
            thread::spawn(move || {
                let mut set = flag.0.lock().expect("not poisoned");
                while !*set {
                    set = flag
                        .1
                        .wait_timeout(set, Duration::from_secs(5))
                        .expect("not poisoned")
                        .0;
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_secs(12));
    *flag.0.lock().expect("not poisoned") = true;
    flag.1.notify_all();
    for waiter in waiters {
        waiter.join().expect("the waiter ends without a panic");
    }
}

/// The body waits up to a minute for a value a thread sends after
/// sleeping 1.5 s three times.
fn a_long_receive_beside_a_slow_sender() {
    let (sender, receiver) = mpsc::channel();
    let slow = thread::spawn(move || {
        for _ in 0..3 {
            thread::sleep(Duration::from_millis(1_500));
        }
        sender.send(7_u8).expect("the receiver waits");
    });
    assert_eq!(receiver.recv_timeout(Duration::from_secs(60)), Ok(7));
    slow.join().expect("the sender ends without a panic");
}

#[test]
fn timed_waits_past_the_bound_end_beside_each_other_and_beside_sleeps_under_every_engine() {
    // A timed wait whose timeout could not fire yet ended early after a
    // spin, counted meanwhile as a thread that could run: two such waits
    // each found the other ready, for good (PCT), as did one beside a
    // sleeper (DFS).
    let check = Check::new().schedules(100);
    check.assert(two_long_timed_waits_for_a_flag_set_after_a_longer_sleep);
    check.assert(a_long_receive_beside_a_slow_sender);
}
