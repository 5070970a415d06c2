//! The virtual clock at its edges: a timeout of zero, which must still
//! take time, and one so long that no clock reaches its end, which must
//! never fire. Both are idioms of real code: std's own deadline loop waits
//! for what is left, zero included, and `Duration::MAX` stands for "no
//! timeout".

mod support;

use harness::check::{Check, Deadlock, Engine, StuckOn, ThreadKey};
use harness::sync::atomic::{AtomicBool, Ordering};
use harness::sync::{Arc, Condvar, Mutex, mpsc};
use harness::thread;
use harness::time::{Duration, Instant};
use support::found;

const SHUTTLE_ENGINES: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];
const LOOM: Engine = Engine::Loom { preemptions: 2 };

/// Waits until `timeout` has passed as std's `Condvar::wait_timeout_while`
/// does: for what is left of it, `timeout - elapsed`, which is zero when a
/// wait ends exactly at the deadline. Whether it timed out.
fn wait_out_as_std_does(timeout: Duration) -> bool {
    let pair = (Mutex::new(false), Condvar::new());
    let started = Instant::now();
    let mut set = pair.0.lock().expect("not poisoned");
    while !*set {
        let Some(left) = timeout.checked_sub(started.elapsed()) else {
            return true;
        };
        set = pair.1.wait_timeout(set, left).expect("not poisoned").0;
    }
    false
}

#[test]
fn stds_deadline_loop_times_out_when_a_wait_ends_exactly_at_its_deadline_under_every_engine() {
    Check::new()
        .schedules(200)
        .assert(|| assert!(wait_out_as_std_does(Duration::from_millis(10))));
}

#[test]
fn a_sleep_of_zero_moves_the_clock_on_under_every_engine_but_real_threads() {
    let engines = SHUTTLE_ENGINES.into_iter().chain([LOOM]);
    Check::new().engines(engines).schedules(20).assert(|| {
        let started = Instant::now();
        thread::sleep(Duration::ZERO);
        assert!(started.elapsed() > Duration::ZERO, "a wait took no time");
    });
}

/// A thread that raises a flag under the pair's lock and notifies.
fn raise_flag(pair: &Arc<(Mutex<bool>, Condvar)>) -> thread::JoinHandle<()> {
    let pair = Arc::clone(pair);
    thread::spawn(move || {
        *pair.0.lock().expect("not poisoned") = true;
        pair.1.notify_all();
    })
}

#[test]
fn a_condvar_wait_past_the_clocks_horizon_waits_for_its_notification_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let raiser = raise_flag(&pair);
        let mut set = pair.0.lock().expect("not poisoned");
        while !*set {
            let (after, result) = pair
                .1
                .wait_timeout(set, Duration::MAX)
                .expect("not poisoned");
            assert!(!result.timed_out(), "a timeout no clock reaches fired");
            set = after;
        }
        drop(set);
        raiser.join().expect("the raiser ends");
    });
}

#[test]
fn wait_timeout_while_past_the_clocks_horizon_waits_for_its_condition_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let raiser = raise_flag(&pair);
        let (set, result) = pair
            .1
            .wait_timeout_while(pair.0.lock().expect("not poisoned"), Duration::MAX, |set| {
                !*set
            })
            .expect("not poisoned");
        assert!(*set && !result.timed_out());
        drop(set);
        raiser.join().expect("the raiser ends");
    });
}

#[test]
fn recv_timeout_past_the_clocks_horizon_waits_for_a_value_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let (sender, receiver) = mpsc::channel();
        let sending = thread::spawn(move || sender.send(7).expect("the receiver is there"));
        assert_eq!(receiver.recv_timeout(Duration::MAX), Ok(7));
        sending.join().expect("the sender ends");
    });
}

#[test]
fn park_timeout_past_the_clocks_horizon_leaves_the_clock_where_it_was_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let started = Instant::now();
        let unparked = Arc::new(AtomicBool::new(false));
        let parked = thread::current();
        let unparker = {
            let unparked = Arc::clone(&unparked);
            thread::spawn(move || {
                unparked.store(true, Ordering::SeqCst);
                parked.unpark();
            })
        };
        while !unparked.load(Ordering::SeqCst) {
            thread::park_timeout(Duration::MAX);
        }
        unparker.join().expect("the unparker ends");
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_secs(1),
            "the clock moved {waited:?}"
        );
    });
}

#[test]
fn a_sleep_past_the_clocks_horizon_never_ends_and_its_join_is_a_deadlock_under_every_engine() {
    for engine in Engine::DEFAULT {
        let failure = found(&Check::new().engines([engine]).schedules(20), || {
            let sleeper = thread::spawn(|| thread::sleep(Duration::MAX));
            // An unpark does not end a sleep.
            sleeper.thread().unpark();
            sleeper.join().expect("the sleeper ends");
        });
        let deadlock = failure
            .raised
            .as_ref()
            .and_then(|raised| raised.get::<Deadlock>())
            .unwrap_or_else(|| panic!("{engine}: not a deadlock: {failure}"));
        let stuck: Vec<_> = deadlock.threads().iter().map(|stuck| stuck.on).collect();
        assert_eq!(
            stuck,
            [StuckOn::Join(ThreadKey(1)), StuckOn::SleepForGood],
            "{engine}: {failure}"
        );
        assert!(
            failure
                .message
                .contains("thread 1 sleeps past the clock's horizon"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn outside_any_run_a_wait_timeout_while_past_the_clocks_horizon_waits_for_its_condition() {
    let pair = (Mutex::new(true), Condvar::new());
    let (set, result) = pair
        .1
        .wait_timeout_while(pair.0.lock().expect("not poisoned"), Duration::MAX, |set| {
            !*set
        })
        .expect("not poisoned");
    assert!(*set && !result.timed_out());
}

#[test]
fn outside_any_run_recv_timeout_past_the_clocks_horizon_takes_a_value_sent() {
    let (sender, receiver) = mpsc::channel();
    sender.send(7).expect("the receiver is there");
    assert_eq!(receiver.recv_timeout(Duration::MAX), Ok(7));
}
