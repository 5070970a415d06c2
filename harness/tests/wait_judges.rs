//! `check::at_each_wait`: a judge of each wait as it begins, by the thread
//! about to wait, while others may run. It sees what no quiescent moment
//! shows: a count wrong while another thread is still running.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine, ThreadKey, WaitBegins};
use harness::sync::atomic::Ordering;
use harness::sync::{Arc, Condvar, Mutex};
use harness::thread;
use harness::time::Duration;
use support::{Gate, JUDGING_ENGINES, found_by_each};

/// The body's own thread, which opens the gate and never passes it.
const OPENER: ThreadKey = ThreadKey(0);

/// Each passer the book has waiting waits in the gate, so the gate counts
/// at least that many (the book errs towards running: a passer notified
/// but not yet out is counted and not booked).
fn judge(gate: &Gate, wait: &WaitBegins) {
    let counted = harness::check::peek(|| gate.waiting.load(Ordering::Relaxed));
    let passers = wait.waiting().iter().filter(|&&key| key != OPENER).count();
    assert!(
        counted >= passers,
        "the gate counts {counted} waiter(s), but {passers} wait"
    );
}

/// A thread passes the gate while the opener keeps running (it yields,
/// then opens, then joins): no moment of the run is quiescent.
fn passes_while_the_opener_runs(gate: Gate, judged_at: fn(Arc<Gate>)) {
    let gate = Arc::new(gate);
    judged_at(Arc::clone(&gate));
    let passer = {
        let gate = Arc::clone(&gate);
        thread::spawn(move || gate.pass())
    };
    for _ in 0..3 {
        thread::yield_now();
    }
    gate.open();
    passer.join().expect("the passer ends without a panic");
}

fn at_each_wait(gate: Arc<Gate>) {
    harness::check::at_each_wait(move |wait| judge(&gate, wait));
}

#[test]
fn a_judge_of_each_wait_holds_a_count_the_code_keeps_in_atomics() {
    Check::new()
        .engines(JUDGING_ENGINES)
        .schedules(200)
        .assert(|| passes_while_the_opener_runs(Gate::new(false), at_each_wait));
}

/// Schedules per engine to find the miscount: the passer's first wait
/// shows it, so every engine finds it in its first schedules that reach
/// that wait; 200 leave a miss no chance.
const MISCOUNT_SCHEDULES: usize = 200;

#[test]
fn a_waiter_the_code_forgot_to_count_is_found_as_it_begins_to_wait() {
    found_by_each(
        JUDGING_ENGINES,
        MISCOUNT_SCHEDULES,
        || passes_while_the_opener_runs(Gate::new(true), at_each_wait),
        "the gate counts 0 waiter(s), but 1 wait",
    );
}

#[test]
fn a_miscount_while_another_thread_runs_shows_at_no_quiescent_moment() {
    // The same judge at quiescent moments, of which the run has none.
    fn at_quiescence(gate: Arc<Gate>) {
        harness::check::at_quiescence(move |_| {
            panic!(
                "a quiescent moment, the gate counting {}",
                harness::check::peek(|| gate.waiting.load(Ordering::Relaxed))
            )
        });
    }
    Check::new()
        .engines(JUDGING_ENGINES)
        .schedules(200)
        .assert(|| passes_while_the_opener_runs(Gate::new(true), at_quiescence));
}

#[test]
fn a_wait_judge_sees_the_caller_and_its_timeout() {
    Check::new()
        .engines([Engine::Random])
        .schedules(50)
        .assert(|| {
            harness::check::at_each_wait(|wait| {
                let sleeper = wait.caller() != OPENER;
                let expected = sleeper.then_some(Duration::from_millis(5));
                assert_eq!(wait.timeout(), expected, "{wait:?}");
                let ends_by = wait.timeout().map(|timeout| wait.asked_at() + timeout);
                assert_eq!(wait.ends_by(), ends_by, "{wait:?}");
                assert!(wait.waiting().contains(&wait.caller()), "{wait:?}");
            });
            thread::spawn(|| thread::sleep(Duration::from_millis(5)))
                .join()
                .expect("the sleeper ends without a panic");
        });
}

/// Schedules per engine for the clock to move between a timed wait's call
/// and its beginning: with the wait judged from its beginning instead,
/// random failed at its 9th schedule.
const MOVED_CLOCK_SCHEDULES: usize = 500;

#[test]
fn a_timed_wait_is_judged_from_its_call_though_another_thread_moved_the_clock_since() {
    // When the waiter called `wait_timeout`, as it read the clock itself.
    static ASKED: std::sync::Mutex<Option<harness::time::Instant>> = std::sync::Mutex::new(None);
    const WAITER: ThreadKey = ThreadKey(1);
    Check::new()
        .engines([Engine::Random, Engine::pct(3), Engine::Urw])
        .schedules(MOVED_CLOCK_SCHEDULES)
        .assert(|| {
            harness::check::at_each_wait(|wait| {
                if wait.caller() == WAITER && wait.timeout().is_some() {
                    let asked = ASKED.lock().expect("not poisoned").take();
                    assert_eq!(Some(wait.asked_at()), asked, "{wait:?}");
                }
            });
            let waiter = thread::spawn(|| {
                let lock = Mutex::new(());
                let guard = lock.lock().expect("not poisoned");
                *ASKED.lock().expect("not poisoned") = Some(harness::time::Instant::now());
                // Letting the lock go is a scheduling point: the sleeper's
                // second may pass before the wait begins.
                drop(Condvar::new().wait_timeout(guard, Duration::from_secs(2)));
            });
            thread::sleep(Duration::from_secs(1));
            waiter.join().expect("the waiter ends");
        });
}

#[test]
fn no_wait_is_judged_on_real_threads() {
    Check::new()
        .engines([Engine::Threads])
        .schedules(20)
        .assert(|| {
            harness::check::at_each_wait(|wait| panic!("judged on real threads: {wait:?}"));
            thread::spawn(|| thread::sleep(Duration::from_millis(1)))
                .join()
                .expect("the sleeper ends without a panic");
        });
}
