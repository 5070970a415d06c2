//! The model's promises, each under the engines it concerns: what a
//! correct body does under every engine, and which engines find which bug.

mod support;

use harness::check::{
    AtomicAccess, Check, DOWNGRADE_UNDER_SHUTTLE_AND_LOOM, Engine, Error,
    LOCK_AFTER_A_PANIC_UNDER_LOOM, MORE_THAN_FIVE_THREADS_UNDER_LOOM, MadeElsewhere, Op, RunId,
    SCOPE_UNDER_LOOM,
};
use harness::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use harness::sync::{Arc, Condvar, Mutex, RwLock, mpsc};
use harness::thread;
use harness::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{
    facts_list_the_missed_access_first, found, found_by_each, handoff, is_deadlock,
    lock_order_inversion, made_elsewhere, order_inversion, ran_on_real_threads_alone, replayed,
};

const SHUTTLE_ENGINES: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];
const LOOM: Engine = Engine::Loom { preemptions: 2 };
/// PCT's budget in its tests: the rarer of their failures shows once in 40
/// schedules, and at a quarter of that rate 3,000 schedules still miss it
/// with a chance below one in a million.
const PCT_BUDGET: usize = 3_000;

#[test]
fn a_correct_handoff_runs_clean_under_every_engine() {
    let summary = Check::new()
        .schedules(200)
        .run(|| handoff(true))
        .expect("clean");
    assert_eq!(summary.runs.len(), Engine::DEFAULT.len());
}

#[test]
fn a_wait_that_trusts_its_wakeup_is_found_by_shuttle_through_a_spurious_wakeup() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(2_000),
        || handoff(false),
    );
    assert!(
        failure.message.contains("woke without the flag set"),
        "{failure}"
    );
    assert!(
        failure
            .facts
            .iter()
            .any(|fact| fact.op == Op::WakesSpuriously),
        "{failure}"
    );
}

/// A load that misses another thread's store fails the run: the yield
/// lets the other thread reach its store first.
fn a_load_that_misses_a_store() {
    let flag = Arc::new(AtomicBool::new(false));
    let setter = {
        let flag = Arc::clone(&flag);
        thread::spawn(move || flag.store(true, Ordering::SeqCst))
    };
    thread::yield_now();
    let seen = flag.load(Ordering::SeqCst);
    setter.join().expect("the setter ends without a panic");
    assert!(seen, "the load missed the store");
}

#[test]
fn a_failures_facts_list_atomic_accesses_in_the_order_they_took_effect() {
    facts_list_the_missed_access_first(
        a_load_that_misses_a_store,
        &Op::Atomic(AtomicAccess::Load, Ordering::SeqCst),
        &Op::Atomic(AtomicAccess::Store, Ordering::SeqCst),
    );
}

#[test]
fn a_failure_replays_from_its_printed_run_id() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(2_000),
        || handoff(false),
    );
    let printed: RunId = failure.run.to_string().parse().expect("a run id");
    let replayed = replayed(printed, || handoff(false));
    assert_eq!(replayed.message, failure.message);
    assert_eq!(replayed.facts, failure.facts);
}

#[test]
fn a_failure_names_its_run() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(2_000),
        || handoff(false),
    );
    let text = failure.to_string();
    assert!(
        text.starts_with(&format!("{} failed", failure.run)),
        "{text}"
    );
}

#[test]
fn an_asserted_failure_says_how_to_replay_it_with_cargo_test() {
    let check = Check::new().engines([Engine::Random]).schedules(2_000);
    let panic = std::panic::catch_unwind(|| check.assert(|| handoff(false))).expect_err("found");
    let text = harness::panics::panic_message(panic.as_ref());
    assert!(
        text.contains("replay it: HARNESS_RUN=random:0x")
            && text
                .contains("cargo test an_asserted_failure_says_how_to_replay_it_with_cargo_test"),
        "{text}"
    );
}

#[test]
fn a_shrunk_failure_is_the_same_bug_in_no_more_operations() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(2_000),
        || handoff(false),
    );
    let shortest = Check::shrink(failure.run, 200, || handoff(false)).expect("it fails");
    assert_eq!(shortest.signature(), failure.signature());
    assert!(shortest.operations() <= failure.operations(), "{shortest}");
    let replayed = replayed(shortest.run, || handoff(false));
    assert_eq!(replayed.operations(), shortest.operations());
}

#[test]
fn a_run_that_passes_now_has_nothing_to_shrink() {
    let run: RunId = "random:0x1".parse().expect("a run id");
    let shrunk = Check::shrink(run, 10, || handoff(true));
    assert!(matches!(shrunk, Err(harness::check::ShrinkError::PassesNow(passes)) if passes == run));
    let said = shrunk
        .map(|_| ())
        .expect_err("nothing to shrink")
        .to_string();
    assert_eq!(
        said,
        "random:0x0000000000000001 passes now: there is nothing to shrink"
    );
}

#[test]
fn one_bug_has_one_signature_whatever_its_numbers() {
    let deadlock = |engine| {
        found(
            &Check::new().engines([engine]).schedules(1_000),
            lock_order_inversion,
        )
    };
    let (random, pct) = (deadlock(Engine::Random), deadlock(Engine::pct(3)));
    assert_eq!(random.signature(), pct.signature());
}

/// Two reader-writer locks written in opposite orders by two threads.
fn write_order_inversion() {
    order_inversion(
        || RwLock::new(()),
        |first, second| {
            let _first = first.write().expect("not poisoned");
            let _second = second.write().expect("not poisoned");
        },
    );
}

#[test]
fn a_deadlock_over_reader_writer_locks_is_reported_not_an_abort() {
    // loom unwinds each blocked thread as it tears a deadlocked run down,
    // and its reader-writer lock's release then panicked inside that
    // panic: the whole test process aborted.
    for engine in SHUTTLE_ENGINES.into_iter().chain([LOOM]) {
        let failure = found(
            &Check::new().engines([engine]).schedules(1_000),
            write_order_inversion,
        );
        assert!(is_deadlock(&failure), "{engine}: {failure}");
    }
}

/// A guard whose drop touches an atomic, a fence and a lock, as a store's
/// reader leaving its read does.
struct TouchesTheModelOnDrop(Arc<(AtomicU64, Mutex<()>)>);

impl Drop for TouchesTheModelOnDrop {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::SeqCst);
        harness::sync::atomic::fence(Ordering::SeqCst);
        drop(self.0.1.lock());
    }
}

/// Two threads that wait for a notification nobody sends; the spawned one
/// holds a [`TouchesTheModelOnDrop`] as it waits.
fn deadlock_with_a_guard_on_a_blocked_stack() {
    let shared = Arc::new((AtomicU64::new(1), Mutex::new(())));
    let never = Arc::new((Mutex::new(()), Condvar::new()));
    let (theirs, their_never) = (Arc::clone(&shared), Arc::clone(&never));
    thread::spawn(move || {
        let _guard = TouchesTheModelOnDrop(theirs);
        let (lock, condvar) = &*their_never;
        let mut held = lock.lock().expect("not poisoned");
        loop {
            held = condvar.wait(held).expect("not poisoned");
        }
    });
    let (lock, condvar) = &*never;
    let mut held = lock.lock().expect("not poisoned");
    loop {
        held = condvar.wait(held).expect("not poisoned");
    }
}

#[test]
fn a_deadlock_with_guards_on_blocked_stacks_is_reported_not_an_abort() {
    // loom drops the stacks of a deadlocked run's blocked threads after
    // the run has gone, and their destructors' atomics, fences and locks
    // asked loom again: a panic inside a panic, and the process aborted.
    let failure = found(
        &Check::new().engines([LOOM]).schedules(100),
        deadlock_with_a_guard_on_a_blocked_stack,
    );
    assert!(is_deadlock(&failure), "{failure}");
}

/// A thread that must run six steps before the body's own thread looks,
/// while that thread could run at each; the body's thread then takes three
/// more steps. The run PCT calibrates its bound on (the oldest thread
/// first) has the look and the three steps first: a bound of about four
/// steps with a choice, whose change points always stop the counter short.
fn six_steps_before_a_look() {
    let count = Arc::new(AtomicU64::new(0));
    let counter = {
        let count = Arc::clone(&count);
        thread::spawn(move || {
            for _ in 0..6 {
                count.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let seen = count.load(Ordering::SeqCst);
    for _ in 0..3 {
        count.load(Ordering::SeqCst);
    }
    assert!(seen < 6, "the counter ran all six steps before the look");
    counter.join().expect("the thread ends without a panic");
}

#[test]
fn pct_reaches_a_race_longer_than_the_run_it_calibrated_on() {
    // Its bound grows as shuttle's PCT's does, to the most steps with a
    // choice a run has taken. Over 40 seeds the race was first found within
    // 132 schedules (median 25); at a quarter of that rate, 3,000 miss it
    // with a chance near one in a billion. Without the growth, none of
    // 1,000 finds it.
    let failure = found(
        &Check::new().engines([Engine::pct(3)]).schedules(3_000),
        six_steps_before_a_look,
    );
    assert!(
        failure.message.contains("all six steps before the look"),
        "{failure}"
    );
}

/// A wait for a notification nobody sends, with a timeout an hour long.
fn timeout_nobody_ends() -> Duration {
    let started = Instant::now();
    let pair = (Mutex::new(false), Condvar::new());
    let (guard, result) = pair
        .1
        .wait_timeout_while(
            pair.0.lock().expect("not poisoned"),
            Duration::from_secs(3_600),
            |set| !*set,
        )
        .expect("not poisoned");
    assert!(result.timed_out() && !*guard);
    started.elapsed()
}

#[test]
fn a_timed_wait_says_it_timed_out_exactly_when_its_timeout_has_passed() {
    // Unnotified, shuttle's wait ends fired or woken early as it draws
    // (one in two each, so 100 schedules see both); elsewhere it fires.
    Check::new().schedules(100).assert(|| {
        let started = Instant::now();
        let pair = (Mutex::new(()), Condvar::new());
        let (_guard, result) = pair
            .1
            .wait_timeout(pair.0.lock().expect("not poisoned"), Duration::from_secs(1))
            .expect("not poisoned");
        let passed = started.elapsed() >= Duration::from_secs(1);
        assert_eq!(result.timed_out(), passed, "after {:?}", started.elapsed());
    });
}

#[test]
fn a_timeout_nobody_ends_fires_on_virtual_time_under_every_engine() {
    let real = std::time::Instant::now();
    Check::new()
        .schedules(50)
        .assert(|| assert!(timeout_nobody_ends() >= Duration::from_secs(3_600)));
    assert!(
        real.elapsed() < Duration::from_secs(60),
        "took real time: {:?}",
        real.elapsed()
    );
}

/// A timed wait for a flag another thread sets: panics with `message` if
/// the wait ends as `ended` says it must not.
fn timed_wait_for_a_flag(ended: fn(flag_set: bool, timed_out: bool) -> bool, message: &str) {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let setter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            *shared.0.lock().expect("not poisoned") = true;
            shared.1.notify_all();
        })
    };
    let set = shared.0.lock().expect("not poisoned");
    if !*set {
        let (set, result) = shared
            .1
            .wait_timeout(set, Duration::from_secs(3_600))
            .expect("not poisoned");
        assert!(!ended(*set, result.timed_out()), "{message}");
    }
    setter.join().expect("the setter ends");
}

#[test]
fn a_timed_wait_lets_another_thread_run_and_notify_it() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(500),
        || timed_wait_for_a_flag(|set, timed_out| set && !timed_out, "notified in time"),
    );
    assert!(failure.message.contains("notified in time"), "{failure}");
}

#[test]
fn a_timed_wait_nobody_has_notified_may_also_end_early_as_real_ones_may() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(500),
        || timed_wait_for_a_flag(|set, timed_out| !set && !timed_out, "woke early"),
    );
    assert!(failure.message.contains("woke early"), "{failure}");
}

#[test]
fn spurious_wakeups_come_about_one_time_in_eight_under_shuttle() {
    use std::sync::atomic::AtomicUsize;
    static SPURIOUS: AtomicUsize = AtomicUsize::new(0);
    const SCHEDULES: usize = 800;
    Check::new()
        .engines([Engine::Random])
        .schedules(SCHEDULES)
        .assert(|| {
            let shared = Arc::new((Mutex::new(false), Condvar::new()));
            let setter = {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    *shared.0.lock().expect("not poisoned") = true;
                    shared.1.notify_all();
                })
            };
            let mut set = shared.0.lock().expect("not poisoned");
            if !*set {
                set = shared.1.wait(set).expect("not poisoned");
                if !*set {
                    SPURIOUS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            drop(set);
            setter.join().expect("the setter ends");
        });
    // Every schedule whose wait began draws once; about half begin one.
    let spurious = SPURIOUS.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        (10..=SCHEDULES / 4).contains(&spurious),
        "{spurious} spurious wake-ups in {SCHEDULES} schedules"
    );
}

/// A thread the body spawns and never joins may run on after the body has
/// returned; it is still a thread of the run (its name, its time, its
/// facts), not of the OS thread the search runs on.
#[test]
fn a_thread_the_body_leaves_running_stays_in_the_run() {
    Check::new().schedules(200).assert(|| {
        let started = Instant::now();
        thread::Builder::new()
            .name("left-running".to_owned())
            .spawn(move || {
                thread::yield_now();
                assert_eq!(thread::current().name(), Some("left-running"));
                thread::sleep(Duration::from_secs(60));
                assert_eq!(started.elapsed(), Duration::from_secs(60));
            })
            .expect("the thread starts");
    });
}

#[test]
fn sleep_moves_the_virtual_clock_and_takes_no_real_time() {
    let real = std::time::Instant::now();
    Check::new().schedules(20).assert(|| {
        let started = Instant::now();
        thread::sleep(Duration::from_secs(86_400));
        assert_eq!(started.elapsed(), Duration::from_secs(86_400));
    });
    assert!(real.elapsed() < Duration::from_secs(60));
}

#[test]
fn an_instant_a_day_before_a_runs_start_is_representable_under_every_engine() {
    // As on a machine that has been up a while: std's `Instant` counts
    // from boot, and code makes a point in the past to act at once.
    let day = Duration::from_secs(86_400);
    Check::new().schedules(5).assert(move || {
        let now = Instant::now();
        let yesterday = now - day;
        assert_eq!((now - yesterday, yesterday.elapsed()), (day, day));
    });
    assert_eq!(
        Instant::now()
            .checked_sub(day)
            .map(|then| then < Instant::now()),
        Some(true)
    );
}

#[test]
fn a_runs_wall_clock_starts_at_the_same_moment_and_moves_with_its_sleeps_under_every_engine() {
    // 2025-01-01T00:00:00Z, in seconds since the epoch.
    let start = Duration::from_secs(1_735_689_600);
    let day = Duration::from_secs(86_400);
    let real = std::time::Instant::now();
    Check::new().schedules(5).assert(move || {
        let stamped = SystemTime::now();
        assert_eq!(stamped.duration_since(UNIX_EPOCH).ok(), Some(start));
        thread::sleep(day);
        assert_eq!(stamped.elapsed().ok(), Some(day));
        assert!(
            SystemTime::now()
                .duration_since(stamped + day + day)
                .is_err()
        );
    });
    assert!(real.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_timestamp_moves_by_durations_and_prints_as_stds() {
    let second = Duration::from_secs(1);
    let std_moment = std::time::UNIX_EPOCH + 1_000 * second;
    let mut moment = SystemTime::from(std_moment);
    assert_eq!(format!("{moment:?}"), format!("{std_moment:?}"));
    moment += 5 * second;
    moment -= 2 * second;
    assert_eq!(std::time::SystemTime::from(moment), std_moment + 3 * second);
    assert_eq!(moment - 3 * second, SystemTime::from(std_moment));
    assert_eq!(
        moment.checked_add(second),
        Some(SystemTime::from(std_moment + 4 * second))
    );
    assert_eq!(
        moment.checked_sub(second),
        Some(SystemTime::from(std_moment + 2 * second))
    );
    assert_eq!(moment.checked_sub(Duration::MAX), None);
    assert_eq!(SystemTime::UNIX_EPOCH, UNIX_EPOCH);
    assert_eq!(
        std::time::SystemTime::from(UNIX_EPOCH),
        std::time::UNIX_EPOCH
    );
}

#[test]
fn the_wall_clock_outside_a_run_is_the_systems() {
    let system = std::time::SystemTime::now();
    let facade = std::time::SystemTime::from(SystemTime::now());
    let apart = facade
        .duration_since(system)
        .expect("read after the system's");
    assert!(apart < Duration::from_secs(60));
}

#[test]
fn a_sleep_ends_before_a_longer_one_begun_meanwhile_under_every_engine_but_real_threads() {
    // Real threads' timers fire as the OS runs them: a longer sleep may
    // end before a shorter one is even asked for.
    let engines = SHUTTLE_ENGINES.into_iter().chain([LOOM]);
    Check::new().engines(engines).schedules(300).assert(|| {
        let longer = thread::spawn(|| thread::sleep(Duration::from_secs(4)));
        let asked = Instant::now();
        thread::sleep(Duration::from_secs(1));
        // Whatever the other sleep did before this one was asked for, it
        // ends after this one.
        assert_eq!(
            asked.elapsed(),
            Duration::from_secs(1),
            "the 4 s sleep ended first"
        );
        longer.join().expect("the longer sleep ends");
    });
}

#[test]
fn a_run_past_looms_own_thousand_branches_passes_under_loom() {
    // Each atomic access is one of loom's branches at the least: this run
    // takes more than loom's default bound, as a correct component's run
    // on virtual time may (ticks, polls), and less than the model's.
    let accesses = 2 * harness::check::LOOM_MAX_BRANCHES;
    assert!(accesses < harness::check::MODEL_LOOM_MAX_BRANCHES);
    Check::new().engines([LOOM]).schedules(5).assert(move || {
        let ticks = AtomicU64::new(0);
        for _ in 0..accesses {
            ticks.fetch_add(1, Ordering::Relaxed);
        }
        assert_eq!(ticks.load(Ordering::Relaxed), accesses as u64);
    });
}

#[test]
fn memory_is_weak_under_loom_alone() {
    assert!(!harness::check::memory_is_weak(), "outside any run");
    Check::new()
        .engines([LOOM])
        .schedules(1)
        .assert(|| assert!(harness::check::memory_is_weak()));
    Check::new()
        .engines(SHUTTLE_ENGINES.into_iter().chain([Engine::Threads]))
        .schedules(1)
        .assert(|| assert!(!harness::check::memory_is_weak()));
}

#[test]
fn a_receiver_sees_every_sender_gone_under_every_engine() {
    Check::new().schedules(100).assert(|| {
        let (sender, receiver) = mpsc::channel::<u8>();
        let sending = thread::spawn(move || sender.send(7).expect("the receiver lives"));
        assert_eq!(receiver.recv(), Ok(7));
        assert_eq!(receiver.recv(), Err(mpsc::RecvError));
        sending.join().expect("the thread ends without a panic");
    });
}

#[test]
fn recv_timeout_with_nothing_sent_times_out_on_virtual_time() {
    Check::new().schedules(50).assert(|| {
        let (_sender, receiver) = mpsc::channel::<u8>();
        let asked = Instant::now();
        assert_eq!(
            receiver.recv_timeout(Duration::from_secs(30)),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        assert!(
            asked.elapsed() >= Duration::from_secs(30),
            "it waited it out"
        );
    });
}

/// Message passing with a relaxed flag: correct only with release and acquire.
fn message_passing(flag_order: (Ordering, Ordering)) {
    message_passing_with(flag_order, false);
}

/// Message passing; with `writer_checks_first`, the writer first loads the
/// flag it then sets, as a lazy initialiser does.
fn message_passing_with(flag_order: (Ordering, Ordering), writer_checks_first: bool) {
    let data = Arc::new(AtomicU64::new(0));
    let ready = Arc::new(AtomicBool::new(false));
    let writer = {
        let (data, ready) = (Arc::clone(&data), Arc::clone(&ready));
        thread::spawn(move || {
            if writer_checks_first && ready.load(Ordering::Acquire) {
                return;
            }
            data.store(42, Ordering::Relaxed);
            ready.store(true, flag_order.0);
        })
    };
    if ready.load(flag_order.1) {
        assert_eq!(
            data.load(Ordering::Relaxed),
            42,
            "saw the flag before the data"
        );
    }
    writer.join().expect("the thread ends without a panic");
}

#[test]
fn a_weak_ordering_bug_is_found_by_loom_and_not_by_shuttle() {
    let relaxed = || message_passing((Ordering::Relaxed, Ordering::Relaxed));
    let failure = found(&Check::new().engines([LOOM]), relaxed);
    assert!(
        failure.message.contains("saw the flag before the data"),
        "{failure}"
    );
    let threads: std::collections::BTreeSet<_> =
        failure.facts.iter().map(|fact| fact.thread).collect();
    assert_eq!(
        threads.len(),
        2,
        "the facts tell loom's threads apart: {failure}"
    );
    Check::new()
        .engines(SHUTTLE_ENGINES)
        .schedules(500)
        .assert(relaxed);
}

#[test]
fn dfs_lets_another_thread_in_when_a_spinning_thread_yields() {
    Check::new()
        .engines([Engine::Dfs])
        .schedules(1_000)
        .assert(|| {
            let ready = Arc::new(AtomicBool::new(false));
            let setter = {
                let ready = Arc::clone(&ready);
                thread::spawn(move || ready.store(true, Ordering::Release))
            };
            while !ready.load(Ordering::Acquire) {
                thread::yield_now();
            }
            setter.join().expect("the thread ends without a panic");
        });
}

/// Two threads spin on a flag that only a third, spawned after them, sets.
fn two_spin_on_a_flag_the_last_sets() {
    let ready = Arc::new(AtomicBool::new(false));
    let spinners: Vec<_> = (0..2)
        .map(|_| {
            let ready = Arc::clone(&ready);
            thread::spawn(move || {
                while !ready.load(Ordering::Acquire) {
                    thread::yield_now();
                }
            })
        })
        .collect();
    let setter = {
        let ready = Arc::clone(&ready);
        thread::spawn(move || ready.store(true, Ordering::Release))
    };
    for thread in spinners.into_iter().chain([setter]) {
        thread.join().expect("the thread ends without a panic");
    }
}

/// A janitor sweeps every 100 ms until stopped, while two threads each
/// sleep 80 ms twice: the janitor's timeout and each sleeper's wait, in
/// turn, for the other sleeper's earlier timeout to fire.
fn a_janitor_sweeps_while_two_threads_sleep() {
    let stop = Arc::new((Mutex::new(false), Condvar::new()));
    let janitor = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut stopped = stop.0.lock().expect("not poisoned");
            while !*stopped {
                stopped = stop
                    .1
                    .wait_timeout(stopped, Duration::from_millis(100))
                    .expect("not poisoned")
                    .0;
                drop(stopped);
                stopped = stop.0.lock().expect("not poisoned");
            }
        })
    };
    let sleepers: Vec<_> = (0..2)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..2 {
                    thread::sleep(Duration::from_millis(80));
                }
            })
        })
        .collect();
    for sleeper in sleepers {
        sleeper.join().expect("the sleeper ends without a panic");
    }
    *stop.0.lock().expect("not poisoned") = true;
    stop.1.notify_all();
    janitor.join().expect("the janitor ends without a panic");
}

#[test]
fn dfs_lets_in_the_thread_two_spinners_wait_for() {
    let check = Check::new().engines([Engine::Dfs]).schedules(100);
    check.assert(two_spin_on_a_flag_the_last_sets);
    check.assert(a_janitor_sweeps_while_two_threads_sleep);
}

/// Two threads spin on a flag only a third sets. A PCT that let a yielder
/// off for one step alone let the two spinners hand the processor back and
/// forth above the setter; only a change point could end it, and depth 1
/// has none. A spin lowers the spinner for good, as shuttle's PCT does, so
/// the setter runs.
#[test]
fn pct_lets_the_setter_in_when_two_threads_spin_above_it() {
    Check::new()
        .engines([Engine::pct(1)])
        .schedules(300)
        .assert(|| {
            let ready = Arc::new(AtomicBool::new(false));
            let spin = |ready: Arc<AtomicBool>| {
                thread::spawn(move || {
                    while !ready.load(Ordering::Acquire) {
                        thread::yield_now();
                    }
                })
            };
            let spinners = [spin(Arc::clone(&ready)), spin(Arc::clone(&ready))];
            let setter = {
                let ready = Arc::clone(&ready);
                thread::spawn(move || ready.store(true, Ordering::Release))
            };
            for spinner in spinners {
                spinner.join().expect("the thread ends without a panic");
            }
            setter.join().expect("the thread ends without a panic");
        });
}

/// PCT lowers a spinner below every priority given so far: of two threads
/// that each yield once, the one that yielded first is above the other
/// from then on, so it also goes on first. (Lowered to one priority, the
/// two would go on in the order of their ids.) Depth 1: no change point.
#[test]
fn pct_lets_the_thread_that_spun_first_go_on_first() {
    Check::new()
        .engines([Engine::pct(1)])
        .schedules(200)
        .assert(|| {
            let order = Arc::new(Mutex::new((Vec::new(), Vec::new())));
            let spinner = |me: u32| {
                let order = Arc::clone(&order);
                thread::spawn(move || {
                    order.lock().expect("no panic under the lock").0.push(me);
                    thread::yield_now();
                    order.lock().expect("no panic under the lock").1.push(me);
                })
            };
            let spinners = [spinner(1), spinner(2)];
            for spinner in spinners {
                spinner.join().expect("the thread ends without a panic");
            }
            let (spun, went_on) = &*order.lock().expect("no panic under the lock");
            assert_eq!(spun, went_on, "the thread lowered later went on first");
        });
}

/// Two threads wait on a condition variable nobody notifies until their
/// deadline passes, while a third sleeps for less: their timeouts may fire
/// only after its sleep ends, so until it runs each of their waits ends
/// early and they wait again. Under PCT of depth 1 (no change point to
/// end a livelock) the two must each let the sleeper run, spinning as they
/// end early, and the spin must lower them below it. With the spin planted
/// out, PCT of depth 3 livelocked within 1 to 584 schedules over 9 seeds
/// (one in 128): at a quarter of that rate, 8,000 schedules miss it with a
/// chance below one in a million, in about a tenth of a second.
#[test]
fn timed_waits_behind_an_earlier_sleep_let_the_sleeper_in_under_pct() {
    Check::new()
        .engines([Engine::pct(1), Engine::pct(3)])
        .schedules(8_000)
        .assert(|| {
            let pair = Arc::new((Mutex::new(()), Condvar::new()));
            let wait_out = |pair: Arc<(Mutex<()>, Condvar)>| {
                thread::spawn(move || {
                    let deadline = Instant::now() + Duration::from_millis(400);
                    let (lock, changed) = &*pair;
                    let mut guard = lock.lock().expect("no panic under the lock");
                    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                        if left.is_zero() {
                            break;
                        }
                        guard = changed
                            .wait_timeout(guard, left)
                            .expect("no panic under the lock")
                            .0;
                    }
                })
            };
            let sleeper = thread::spawn(|| thread::sleep(Duration::from_millis(8)));
            let waiters = [wait_out(Arc::clone(&pair)), wait_out(Arc::clone(&pair))];
            for waiter in waiters {
                waiter.join().expect("the thread ends without a panic");
            }
            sleeper.join().expect("the thread ends without a panic");
        });
}

/// A thread waits for a flag until a 100 ms deadline, looking at the flag
/// (an atomic) and waiting again for what is left whenever its wait ends
/// early, while another, let in by its first wait, sleeps 400 ms, then
/// raises the flag: the deadline passes first, and the waiter must see it
/// pass at 100 ms with the flag still down. A timer stays armed for its
/// thread as it goes on from a wait that ended, across operations that
/// cannot block, so the longer sleep cannot end in that gap and move the
/// clock past the deadline unseen.
#[test]
fn a_deadline_passes_before_a_longer_sleep_ends_though_its_waits_end_early() {
    Check::new().schedules(2_000).assert(|| {
        let shared = Arc::new((Mutex::new(()), Condvar::new(), AtomicBool::new(false)));
        let (lock, changed, raised) = &*shared;
        let mut guard = lock.lock().expect("no panic under the lock");
        let sleeper = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, changed, raised) = &*shared;
                drop(lock.lock().expect("no panic under the lock"));
                thread::sleep(Duration::from_millis(400));
                raised.store(true, Ordering::SeqCst);
                drop(lock.lock().expect("no panic under the lock"));
                changed.notify_all();
            })
        };
        let started = Instant::now();
        let deadline = started + Duration::from_millis(100);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let early = raised.load(Ordering::SeqCst);
            assert!(!early, "the 400 ms sleep ended before the 100 ms deadline");
            if left.is_zero() {
                break;
            }
            guard = changed
                .wait_timeout(guard, left)
                .expect("no panic under the lock")
                .0;
        }
        let seen_at = Instant::now().duration_since(started);
        assert_eq!(
            seen_at,
            Duration::from_millis(100),
            "the deadline was seen late"
        );
        drop(guard);
        sleeper.join().expect("the thread ends without a panic");
    });
}

/// The body panics under a lock; a spawned thread then panics on the
/// poisoned lock: the body's panic came first, and is the run's cause,
/// whichever of the two ends first.
fn panics_under_a_lock_a_thread_then_takes() {
    let lock = Arc::new(Mutex::new(()));
    let guard = lock.lock().expect("no panic under the lock");
    let taker = Arc::clone(&lock);
    drop(thread::spawn(move || {
        drop(taker.lock().expect("the lock was poisoned first"));
    }));
    let _held = guard;
    panic!("the body's own panic, under the lock");
}

#[test]
fn a_run_fails_by_the_panic_that_began_first() {
    found_by_each(
        Engine::DEFAULT,
        100,
        panics_under_a_lock_a_thread_then_takes,
        "the body's own panic",
    );
}

/// A timed wait lets its lock go as its timeout starts, in one step: the
/// thread that takes the lock next and sleeps past the timeout finds the
/// timer already armed, and the waiter sees its timeout fire at its own
/// end, not at the sleep's.
#[test]
fn a_timed_wait_arms_its_timer_before_it_lets_its_lock_go() {
    Check::new().schedules(500).assert(|| {
        let lock = Arc::new(Mutex::new(()));
        let guard = lock.lock().expect("no panic under the lock");
        let sleeper = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                drop(lock.lock().expect("no panic under the lock"));
                thread::sleep(Duration::from_millis(400));
            })
        };
        let started = Instant::now();
        let (guard, waited) = Condvar::new()
            .wait_timeout(guard, Duration::from_millis(100))
            .expect("no panic under the lock");
        if waited.timed_out() {
            assert_eq!(
                started.elapsed(),
                Duration::from_millis(100),
                "the timeout fired at the sleep's end"
            );
        }
        drop(guard);
        sleeper.join().expect("the thread ends without a panic");
    });
}

/// A thread parks until another gives it work, while the body's thread
/// waits to join them: shuttle offers the parked thread a spurious wake-up
/// at every step, first among the threads, and DFS's first branch used to
/// take it every time until the step bound.
#[test]
fn dfs_lets_another_thread_in_before_waking_a_parked_thread_spuriously() {
    Check::new()
        .engines([Engine::Dfs, Engine::pct(3)])
        .schedules(1_000)
        .assert(|| {
            let work = Arc::new(AtomicBool::new(false));
            let parker = {
                let work = Arc::clone(&work);
                thread::spawn(move || {
                    while !work.load(Ordering::Acquire) {
                        thread::park();
                    }
                })
            };
            let giver = {
                let (work, parked) = (Arc::clone(&work), parker.thread().clone());
                thread::spawn(move || {
                    work.store(true, Ordering::Release);
                    parked.unpark();
                })
            };
            giver.join().expect("the thread ends without a panic");
            parker.join().expect("the thread ends without a panic");
        });
}

#[test]
fn a_park_that_trusts_its_wakeup_is_found_through_a_spurious_one_named_among_the_facts() {
    // std's park "may also return spuriously": an event that parks once,
    // not in a loop, wakes with the event unset.
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(2_000),
        || {
            let set = Arc::new(AtomicBool::new(false));
            let waiter = {
                let set = Arc::clone(&set);
                thread::spawn(move || {
                    if !set.load(Ordering::Acquire) {
                        thread::park();
                    }
                    assert!(set.load(Ordering::Acquire), "woke with the event unset");
                })
            };
            set.store(true, Ordering::Release);
            waiter.thread().unpark();
            waiter.join().expect("the waiter ends without a panic");
        },
    );
    // The waiter's park, then its spurious wake-up, and nobody else's.
    let parks: Vec<_> = failure
        .facts
        .iter()
        .filter(|fact| matches!(fact.op, Op::Park | Op::WakesSpuriously))
        .map(|fact| (fact.thread, fact.op.clone()))
        .collect();
    let waiter = parks.first().expect("the waiter parked").0;
    let expected = vec![(waiter, Op::Park), (waiter, Op::WakesSpuriously)];
    assert_eq!(parks, expected, "{failure}");
}

#[test]
fn urw_walks_uniformly_after_its_trial_and_finds_a_reordering_among_many_threads() {
    // SCTBench's reorder with nine setters: a random walk almost never
    // stops a setter between its two writes while the checker runs; URW,
    // weighting threads by the steps they have left, does within dozens.
    let reorder = || {
        let (a, b) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let setters: Vec<_> = (0..9)
            .map(|_| {
                let (a, b) = (Arc::clone(&a), Arc::clone(&b));
                thread::spawn(move || {
                    a.store(1, Ordering::SeqCst);
                    b.store(1, Ordering::SeqCst);
                })
            })
            .collect();
        let seen = (a.load(Ordering::SeqCst), b.load(Ordering::SeqCst));
        assert!(
            seen.0 == seen.1,
            "saw one write of a setter without the other"
        );
        for setter in setters {
            setter.join().expect("the thread ends without a panic");
        }
    };
    let failure = found(&Check::new().engines([Engine::Urw]).schedules(500), reorder);
    assert!(failure.message.contains("without the other"), "{failure}");
}

/// A setter whose two writes the checker must see apart, after the
/// checker has run `alone` steps while the main thread waits to join it:
/// only a change point between the setter's writes, or between the
/// checker's reads, shows the bug.
fn torn_pair_after_a_solo_stretch(alone: u64) {
    let checker = thread::spawn(move || {
        let warm_up = AtomicU64::new(0);
        for _ in 0..alone {
            warm_up.fetch_add(1, Ordering::SeqCst);
        }
        let (a, b) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let setter = {
            let (a, b) = (Arc::clone(&a), Arc::clone(&b));
            thread::spawn(move || {
                a.store(1, Ordering::SeqCst);
                b.store(1, Ordering::SeqCst);
            })
        };
        let seen = (b.load(Ordering::SeqCst), a.load(Ordering::SeqCst));
        assert!(
            seen.0 == seen.1,
            "saw one write of the setter without the other"
        );
        setter.join().expect("the thread ends without a panic");
    });
    checker.join().expect("the checker sees no torn pair");
}

#[test]
fn pct_draws_its_change_points_only_among_steps_where_threads_race() {
    // Lowering the one thread that can run changes nothing, so PCT's bound,
    // written in the run id, counts only steps with a choice: a solo
    // stretch of two thousand steps is not in it, and the race, a handful
    // of steps, gets the change points.
    let bound_after = |alone| {
        let check = Check::new().engines([Engine::pct(3)]).schedules(PCT_BUDGET);
        let failure = found(&check, move || torn_pair_after_a_solo_stretch(alone));
        assert!(failure.message.contains("without the other"), "{failure}");
        match failure.run.engine {
            Engine::Pct { step_bound, .. } => step_bound,
            other => panic!("a pct check failed under {other}"),
        }
    };
    let bound = bound_after(2_000);
    assert!(bound < 20, "the bound counts the solo stretch: {bound}");
}

#[test]
fn pct_reaches_the_end_of_a_long_run_while_another_thread_waits_to_run() {
    // The watcher sees the window only if it runs after the owner's long
    // stretch and inside its two steps: a change point must land that late.
    // Random runs rarely keep the watcher waiting that long, so a bound
    // measured on them alone ends before the window; one execution that
    // runs the oldest thread first measures it.
    // One change point, so that none lands before the window.
    let failure = found(
        &Check::new().engines([Engine::pct(2)]).schedules(PCT_BUDGET),
        || {
            let open = Arc::new(AtomicBool::new(false));
            let watcher = {
                let open = Arc::clone(&open);
                thread::spawn(move || assert!(!open.load(Ordering::SeqCst), "saw the window open"))
            };
            let work = AtomicU64::new(0);
            for _ in 0..30 {
                work.fetch_add(1, Ordering::SeqCst);
            }
            open.store(true, Ordering::SeqCst);
            work.fetch_add(1, Ordering::SeqCst);
            open.store(false, Ordering::SeqCst);
            watcher.join().expect("the thread ends without a panic");
        },
    );
    assert!(failure.message.contains("window open"), "{failure}");
}

#[test]
fn loom_reads_a_store_made_after_another_threads_load_of_the_same_atomic() {
    // Bare loom never runs the writer's store before the reader's load here
    // (tokio-rs/loom #392): the facade marks each load so that it does.
    let failure = found(&Check::new().engines([LOOM]), || {
        message_passing_with((Ordering::Release, Ordering::Relaxed), true)
    });
    assert!(
        failure.message.contains("saw the flag before the data"),
        "{failure}"
    );
}

#[test]
fn release_and_acquire_make_message_passing_clean_under_loom() {
    Check::new()
        .engines([LOOM])
        .assert(|| message_passing((Ordering::Release, Ordering::Acquire)));
}

#[test]
fn compare_exchange_lets_exactly_one_thread_win() {
    Check::new().schedules(200).assert(|| {
        let won = Arc::new(AtomicU64::new(0));
        let claim = Arc::new(AtomicBool::new(false));
        let contender = || {
            let (won, claim) = (Arc::clone(&won), Arc::clone(&claim));
            thread::spawn(move || {
                if claim
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    won.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let (a, b) = (contender(), contender());
        a.join().expect("the thread ends without a panic");
        b.join().expect("the thread ends without a panic");
        assert_eq!(won.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn a_panic_in_a_spawned_thread_fails_the_run_under_every_engine() {
    for engine in Engine::DEFAULT {
        let failure = found(&Check::new().engines([engine]).schedules(10), || {
            let _ = thread::spawn(|| panic!("the spawned thread broke"));
        });
        assert!(
            failure.message.contains("the spawned thread broke"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn after_a_run_whose_spawned_thread_panicked_the_caller_is_in_no_run() {
    for engine in [Engine::Random, Engine::Dfs, LOOM] {
        found(&Check::new().engines([engine]).schedules(1), || {
            let pair = Arc::new((Mutex::new(()), Condvar::new()));
            let _ = thread::spawn(|| panic!("the spawned thread broke"));
            // The body's own thread is mid-wait when the other panics.
            let guard = pair.0.lock().expect("not poisoned");
            let _ = pair.1.wait_timeout(guard, Duration::from_secs(1));
        });
    }
    outside_any_run_a_timed_wait_takes_real_time();
}

/// A thread panics holding a lock, and another panics too: the engine may
/// end the run while the first is still unwinding.
fn two_panics_one_holding_a_lock() {
    let lock = Arc::new(Mutex::new(()));
    let holder = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let _held = lock.lock().expect("not poisoned");
            panic!("the holder broke");
        })
    };
    let other = thread::spawn(|| panic!("the other broke"));
    let _ = holder.join();
    let _ = other.join();
}

#[test]
fn a_run_abandoned_in_the_middle_of_an_unwinding_leaves_the_next_check_clean() {
    // Releasing the lock is a scheduling point, so the holder can switch
    // out half unwound while the other thread fails the run; run on the
    // caller's own thread, that left a panic counted in flight there, and
    // every later check failed at once.
    for seed in 0..20 {
        let check = Check::new().engines([Engine::Random]).schedules(10);
        found(&check.clone().seed(seed), two_panics_one_holding_a_lock);
        check.assert(|| drop(Mutex::new(()).lock().expect("not poisoned")));
    }
}

#[test]
fn outside_any_run_a_timed_wait_takes_real_time() {
    let pair = (Mutex::new(()), Condvar::new());
    let started = std::time::Instant::now();
    let (_guard, result) = pair
        .1
        .wait_timeout(
            pair.0.lock().expect("not poisoned"),
            Duration::from_millis(20),
        )
        .expect("not poisoned");
    assert!(result.timed_out());
    assert!(started.elapsed() >= Duration::from_millis(20));
}

#[test]
fn a_lock_made_outside_the_body_is_refused_in_a_run_under_every_engine() {
    // Each run of the body would share it, and what the runs before left
    // in it, which no replay of one run sees.
    for engine in Engine::DEFAULT {
        let outside = Arc::new(Mutex::new(0));
        let check = Check::new().engines([engine]).schedules(1);
        let failure = found(&check, move || *outside.lock().expect("not poisoned") += 1);
        assert_eq!(
            made_elsewhere(&failure),
            Some(&MadeElsewhere::OutsideTheBody),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_shared_structure_made_outside_the_body_is_refused_under_shuttle_and_loom() {
    // Real threads share it, as std's; the engines cannot. (An atomic made
    // outside is no such case: each run makes its own from its value.)
    for engine in Engine::DEFAULT
        .into_iter()
        .filter(|engine| *engine != Engine::Threads)
    {
        let check = Check::new().engines([engine]).schedules(1);
        let outside = Arc::new(harness::shared::Shared::new(()));
        let failure = found(&check, move || outside.call("look", |()| ()));
        assert_eq!(
            made_elsewhere(&failure),
            Some(&MadeElsewhere::OutsideTheBody),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_holder_that_panics_poisons_its_mutex() {
    // Outside a run, as the reader-writer lock's below.
    let lock = Mutex::new(0_u8);
    assert!(!lock.is_poisoned());
    let caught = std::panic::catch_unwind(|| {
        let _held = lock.lock().expect("not poisoned");
        panic!("the holder breaks while it holds the lock");
    });
    assert!(caught.is_err());
    assert!(lock.is_poisoned());
    assert!(lock.lock().is_err());
}

/// A waiter waits for a flag; once it waits, another thread sets the flag,
/// notifies and panics holding the lock. Whether the wait came back with
/// the lock poisoned and the flag set, as std's does.
fn a_wait_whose_lock_is_poisoned_meanwhile() -> bool {
    harness::check::joins_take_panics();
    // Whether the waiter waits, and whether the flag is set.
    let shared = Arc::new((Mutex::new((false, false)), Condvar::new()));
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let mut state = shared.0.lock().expect("nobody has panicked yet");
            state.0 = true;
            while !state.1 {
                match shared.1.wait(state) {
                    Ok(woken) => state = woken,
                    Err(poisoned) => return poisoned.into_inner().1,
                }
            }
            false
        })
    };
    let poisoner = thread::spawn(move || {
        loop {
            let mut state = shared.0.lock().expect("nobody has panicked yet");
            if state.0 {
                state.1 = true;
                shared.1.notify_one();
                panic!("the notifier breaks while it holds the lock");
            }
            drop(state);
            thread::yield_now();
        }
    });
    assert!(poisoner.join().is_err(), "the poisoner panics");
    waiter.join().expect("the waiter returns")
}

#[test]
fn a_wait_whose_lock_is_poisoned_meanwhile_returns_it_poisoned_on_real_threads() {
    // On real threads alone: shuttle fails a run at any panic of its
    // threads, and loom at a panic a join takes.
    Check::new()
        .engines([Engine::Threads])
        .schedules(20)
        .assert(|| assert!(a_wait_whose_lock_is_poisoned_meanwhile()));
}

#[test]
fn a_writer_that_panics_poisons_its_reader_writer_lock() {
    // Outside a run: shuttle fails a run at any panic of its threads,
    // caught or not, and the poison is std's under every engine.
    let lock = RwLock::new(0_u8);
    assert!(!lock.is_poisoned());
    let caught = std::panic::catch_unwind(|| {
        let _held = lock.write().expect("not poisoned");
        panic!("the writer breaks while it holds the lock");
    });
    assert!(caught.is_err());
    assert!(lock.is_poisoned());
    assert!(lock.read().is_err());
}

/// Two scoped threads that add one each to a counter the caller owns:
/// atomically, or as a load then a store, which loses an addition when
/// the two interleave.
fn scoped_increments(atomically: bool) {
    let counter = AtomicU64::new(0);
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                if atomically {
                    counter.fetch_add(1, Ordering::SeqCst);
                } else {
                    let seen = counter.load(Ordering::SeqCst);
                    counter.store(seen + 1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(counter.load(Ordering::SeqCst), 2, "an addition was lost");
}

#[test]
fn scoped_threads_borrow_from_their_caller_under_every_engine_but_loom() {
    let engines = Engine::DEFAULT.into_iter().filter(|engine| *engine != LOOM);
    let summary = Check::new()
        .engines(engines)
        .schedules(200)
        .run(|| scoped_increments(true))
        .expect("clean");
    assert_eq!(summary.runs.len(), Engine::DEFAULT.len() - 1);
}

#[test]
fn a_race_between_scoped_threads_is_found_by_every_shuttle_engine() {
    for engine in SHUTTLE_ENGINES {
        let failure = found(&Check::new().engines([engine]).schedules(1_000), || {
            scoped_increments(false)
        });
        assert!(
            failure.message.contains("an addition was lost"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_scoped_thread_is_finished_only_once_its_function_has_returned() {
    // Outside a run: real threads, each waiting on what the other sends.
    thread::scope(|scope| {
        let (go, gate) = mpsc::channel::<()>();
        let worker = scope.spawn(move || gate.recv());
        assert!(!worker.is_finished(), "finished before its gate opened");
        go.send(()).expect("the worker waits at its gate");
        // Real threads: the worker returns at once, but when is the OS's.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !worker.is_finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "never finished after its function returned"
            );
            thread::yield_now();
        }
        assert_eq!(
            worker.join().expect("the worker ends without a panic"),
            Ok(())
        );
    });
}

#[test]
fn a_scope_under_loom_whose_panic_the_body_catches_still_leaves_loom_out() {
    let summary = Check::new()
        .engines([Engine::Random, LOOM])
        .schedules(20)
        .run(|| {
            let caught = std::panic::catch_unwind(|| scoped_increments(true));
            if caught.is_err() {
                // What a body that goes on after the scope would do.
                thread::yield_now();
            }
        })
        .expect("random runs the scope clean");
    assert_eq!(summary.not_modelled, [(LOOM, SCOPE_UNDER_LOOM)]);
}

#[test]
fn a_check_of_every_engine_leaves_loom_out_of_a_scope_and_runs_the_others() {
    let summary = Check::new()
        .schedules(20)
        .run(|| scoped_increments(true))
        .expect("every engine but loom runs the scope clean");
    assert_eq!(summary.not_modelled, [(LOOM, SCOPE_UNDER_LOOM)]);
    let ran: Vec<Engine> = summary.runs.iter().map(|&(engine, _)| engine).collect();
    let others: Vec<Engine> = Engine::DEFAULT
        .into_iter()
        .filter(|&engine| engine != LOOM)
        .collect();
    assert_eq!(ran, others);
}

/// Spawns `threads` threads one after another, each joined before the
/// next, the last by `spawn_last`.
fn spawns_one_after_another(threads: usize, spawn_last: fn() -> thread::JoinHandle<()>) {
    for _ in 1..threads {
        thread::spawn(|| {})
            .join()
            .expect("the thread ends without a panic");
    }
    spawn_last()
        .join()
        .expect("the last thread ends without a panic");
}

fn spawned() -> thread::JoinHandle<()> {
    thread::spawn(|| {})
}

fn built() -> thread::JoinHandle<()> {
    thread::Builder::new()
        .spawn(|| {})
        .expect("a run's spawn never fails")
}

#[test]
fn a_body_and_four_threads_it_spawns_run_under_loom() {
    let summary = Check::new()
        .engines([LOOM])
        .run(|| spawns_one_after_another(4, spawned))
        .expect("loom runs five threads");
    assert_eq!(summary.runs.len(), 1, "{summary:?}");
}

#[test]
fn a_fifth_spawned_thread_leaves_loom_out_and_the_others_run_the_body() {
    for spawn_last in [spawned, built] {
        let summary = Check::new()
            .schedules(5)
            .run(move || spawns_one_after_another(5, spawn_last))
            .expect("every engine but loom runs six threads");
        assert_eq!(
            summary.not_modelled,
            [(LOOM, MORE_THAN_FIVE_THREADS_UNDER_LOOM)]
        );
    }
}

/// Takes a lock with `hold` and panics holding it; catches the panic.
fn a_holder_panics<G>(hold: impl FnOnce() -> G) {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _held = hold();
        panic!("the holder fails");
    }));
    assert!(caught.is_err());
}

#[test]
fn a_mutex_taken_again_after_a_caught_panic_is_poisoned_and_loom_is_left_out() {
    let summary = Check::new()
        .schedules(5)
        .run(|| {
            let mutex = Mutex::new(0_u8);
            a_holder_panics(|| mutex.lock());
            assert!(mutex.lock().is_err(), "not poisoned");
        })
        .expect("every engine but loom finds the lock poisoned");
    assert_eq!(
        summary.not_modelled,
        [(LOOM, LOCK_AFTER_A_PANIC_UNDER_LOOM)]
    );
}

#[test]
fn a_reader_writer_lock_taken_again_after_a_caught_panic_is_poisoned_and_loom_is_left_out() {
    let summary = Check::new()
        .schedules(5)
        .run(|| {
            let lock = RwLock::new(0_u8);
            a_holder_panics(|| lock.write());
            assert!(lock.read().is_err(), "not poisoned");
        })
        .expect("every engine but loom finds the lock poisoned");
    assert_eq!(
        summary.not_modelled,
        [(LOOM, LOCK_AFTER_A_PANIC_UNDER_LOOM)]
    );
}

#[test]
fn a_check_of_loom_alone_on_a_scope_is_an_error_naming_what_loom_has_no_model_of() {
    match Check::new().engines([LOOM]).run(|| scoped_increments(true)) {
        Err(Error::NotModelled(engines)) => assert_eq!(engines, [(LOOM, SCOPE_UNDER_LOOM)]),
        other => panic!("not an error of what loom has no model of: {other:?}"),
    }
}

#[test]
fn a_scoped_threads_panic_is_the_runs_failure_under_every_engine_but_loom() {
    let engines = Engine::DEFAULT.into_iter().filter(|engine| *engine != LOOM);
    for engine in engines {
        let failure = found(&Check::new().engines([engine]).schedules(10), || {
            thread::scope(|scope| {
                scope.spawn(|| panic!("the scoped thread broke"));
            });
        });
        assert!(
            failure.message.contains("the scoped thread broke"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn every_type_of_the_facade_debug_prints_under_its_std_name() {
    let (sender, receiver) = mpsc::channel::<u8>();
    let (sync_sender, _) = mpsc::sync_channel::<u8>(1);
    let mut value = 0_u8;
    let pointer = harness::sync::atomic::AtomicPtr::new(&raw mut value);
    let printed = [
        ("Mutex", format!("{:?}", Mutex::new(0_u8))),
        ("RwLock", format!("{:?}", RwLock::new(0_u8))),
        ("Condvar", format!("{:?}", Condvar::new())),
        ("Barrier", format!("{:?}", harness::sync::Barrier::new(1))),
        (
            "BarrierWaitResult",
            format!("{:?}", harness::sync::Barrier::new(1).wait()),
        ),
        (
            "OnceLock",
            format!("{:?}", harness::sync::OnceLock::<u8>::new()),
        ),
        (
            "LazyLock",
            format!("{:?}", harness::sync::LazyLock::new(|| 0_u8)),
        ),
        ("Once", format!("{:?}", harness::sync::Once::new())),
        ("AtomicU64", format!("{:?}", AtomicU64::new(0))),
        ("AtomicPtr", format!("{pointer:?}")),
        ("Sender", format!("{sender:?}")),
        ("SyncSender", format!("{sync_sender:?}")),
        ("Receiver", format!("{receiver:?}")),
        ("Scope", thread::scope(|scope| format!("{scope:?}"))),
        ("Thread", format!("{:?}", thread::current())),
        ("ThreadId(", format!("{:?}", thread::current().id())),
    ];
    for (name, printed) in printed {
        assert!(printed.starts_with(name), "{name} printed as {printed:?}");
    }
    // A guard prints its value, as std's does.
    assert_eq!(
        format!("{:?}", Mutex::new(7_u8).lock().expect("not poisoned")),
        "7"
    );
}

#[test]
fn a_threads_id_is_its_own_and_the_same_in_every_schedule_under_every_engine() {
    // (the body's id, the child's id as it sees it, the child's id as its
    // handle gives it), once per schedule of every engine.
    static SEEN: std::sync::Mutex<Vec<[thread::ThreadId; 3]>> = std::sync::Mutex::new(Vec::new());
    Check::new()
        .schedules(20)
        .run(|| {
            let child = thread::spawn(|| thread::current().id());
            let from_handle = child.thread().id();
            let seen_by_child = child.join().expect("the child returns");
            let ids = [thread::current().id(), seen_by_child, from_handle];
            SEEN.lock().expect("not poisoned").push(ids);
        })
        .expect("clean");
    let seen = SEEN.lock().expect("not poisoned");
    let [body, child, from_handle] = seen[0];
    assert_ne!(body, child, "two threads, one id");
    assert_eq!(child, from_handle, "a handle names another thread");
    assert!(
        seen.iter().all(|ids| *ids == seen[0]),
        "ids differ between schedules or engines: {seen:?}"
    );
    assert_eq!(format!("{body:?} {child:?}"), "ThreadId(0) ThreadId(1)");
}

/// Schedules per engine for the unpark tests below: each body has a few
/// dozen schedules under loom's bound, all searched.
const UNPARK_SCHEDULES: usize = 1_000;

#[test]
fn an_unpark_leaves_a_thread_blocked_on_a_lock_blocked_under_every_engine() {
    // loom's own unpark wakes a thread whatever it is blocked on, and the
    // thread then fails inside loom's lock (tokio-rs/loom#249).
    Check::new().schedules(UNPARK_SCHEDULES).assert(|| {
        let lock = Arc::new(Mutex::new(0));
        let locking = Arc::new(AtomicBool::new(false));
        let held = lock.lock().expect("not poisoned");
        let waiter = {
            let (lock, locking) = (Arc::clone(&lock), Arc::clone(&locking));
            thread::spawn(move || {
                locking.store(true, Ordering::SeqCst);
                *lock.lock().expect("not poisoned") += 1;
            })
        };
        while !locking.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        // The waiter is about to block on the lock, or blocked.
        thread::yield_now();
        waiter.thread().unpark();
        // A scheduling point with the lock still held.
        thread::yield_now();
        drop(held);
        waiter.join().expect("the waiter takes the lock in the end");
        assert_eq!(*lock.lock().expect("not poisoned"), 1);
    });
}

#[test]
fn an_unpark_leaves_a_thread_blocked_in_a_join_blocked_under_every_engine() {
    // loom's own unpark fails a joining thread's wait inside loom
    // (tokio-rs/loom#249: "assertion failed: state.notified").
    Check::new().schedules(UNPARK_SCHEDULES).assert(|| {
        let joiner = thread::current();
        let unparker = thread::spawn(move || joiner.unpark());
        unparker.join().expect("the unparker ends without a panic");
    });
}

#[test]
fn an_unpark_before_a_park_makes_the_park_return_under_every_engine() {
    Check::new().schedules(UNPARK_SCHEDULES).assert(|| {
        thread::current().unpark();
        thread::park();
    });
}

/// How long a park waits for its unpark in the tests of timed parks: far
/// past the unpark, and past `READY_THREAD_DELAY_MAX`.
const PARK_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn an_unpark_ends_a_timed_park_before_its_timeout_under_every_engine() {
    Check::new().schedules(UNPARK_SCHEDULES).assert(|| {
        let parked = thread::current();
        let unparker = thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            parked.unpark();
        });
        let began = Instant::now();
        thread::park_timeout(PARK_TIMEOUT);
        assert!(
            began.elapsed() < PARK_TIMEOUT,
            "the park waited out its timeout though it was unparked"
        );
        unparker.join().expect("the unparker ends without a panic");
    });
}

#[test]
fn a_timed_park_nobody_unparks_ends_by_its_timeout_under_every_engine() {
    // One thread: the schedules differ only in the early returns drawn.
    Check::new().schedules(100).assert(|| {
        // A timed park may return early, as std's may: the loop parks
        // again until the time has passed, which only a timeout moves.
        let (began, timeout) = (Instant::now(), Duration::from_secs(1));
        while began.elapsed() < timeout {
            thread::park_timeout(timeout);
        }
    });
}

#[test]
fn an_unpark_before_a_timed_park_makes_it_return_at_once_under_every_engine() {
    Check::new().schedules(UNPARK_SCHEDULES).assert(|| {
        thread::current().unpark();
        let began = Instant::now();
        thread::park_timeout(PARK_TIMEOUT);
        assert_eq!(began.elapsed(), Duration::ZERO, "the park took its unpark");
    });
}

#[test]
fn a_loom_search_stops_at_its_budget_of_schedules() {
    // Three threads of three atomic steps each: far more interleavings
    // than the budget under a bound of two preemptions.
    let body = || {
        let counter = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    for _ in 0..3 {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("the thread ends without a panic");
        }
    };
    let engine = Engine::Loom { preemptions: 2 };
    let summary = Check::new()
        .engines([engine])
        .schedules(10)
        .run(body)
        .expect("the body is correct");
    assert_eq!(summary.runs, [(engine, 10)]);
}

#[test]
fn under_loom_a_park_returns_only_once_unparked() {
    // Code must tolerate a park that returns early, as std's may; loom
    // never wakes one early, so a park there is exactly a wait for its
    // unpark.
    Check::new()
        .engines([Engine::Loom { preemptions: 2 }])
        .schedules(UNPARK_SCHEDULES)
        .assert(|| {
            let ready = Arc::new(AtomicBool::new(false));
            let parked = thread::current();
            let unparker = {
                let ready = Arc::clone(&ready);
                thread::spawn(move || {
                    ready.store(true, Ordering::SeqCst);
                    parked.unpark();
                })
            };
            thread::park();
            assert!(ready.load(Ordering::SeqCst), "the park returned unparked");
            unparker.join().expect("the unparker ends without a panic");
        });
}

/// A body that calls each kind of the facade's operations once, on one
/// thread and a scoped one, drops its channels' ends (whose facts are at
/// the lines that made them), then fails.
fn calls_every_kind_of_operation() {
    use harness::shared::{ArrayQueue, Shared};
    use harness::sync::atomic::AtomicU32;
    use harness::sync::{Barrier, LazyLock, Once, OnceLock};
    static LAZY: LazyLock<u8> = LazyLock::new(|| 3);
    Once::new().call_once(|| {});
    let cell = OnceLock::new();
    assert_eq!(*cell.get_or_init(|| 1), 1);
    assert_eq!(*LAZY, 3);
    Barrier::new(1).wait();
    let lock = RwLock::new(0);
    drop(lock.read());
    drop(lock.write());
    let (mutex, condvar) = (Mutex::new(()), Condvar::new());
    let guard = mutex.lock().expect("not poisoned");
    let (guard, _) = condvar
        .wait_timeout(guard, Duration::from_millis(1))
        .expect("not poisoned");
    drop(guard);
    condvar.notify_one();
    thread::scope(|scope| {
        // A closure, so that the yield's line is this one: a function
        // passed by name is called from the standard library.
        #[allow(clippy::redundant_closure, reason = "the call's line is the fact's")]
        let scoped = scope.spawn(|| thread::yield_now());
        let _ = scoped.is_finished();
    });
    let spawned = thread::spawn(|| harness::hint::spin_loop());
    let _ = spawned.is_finished();
    spawned
        .join()
        .expect("the spawned thread ends without a panic");
    thread::current().unpark();
    thread::park();
    thread::sleep(Duration::from_millis(1));
    let queue = ArrayQueue::new(2);
    assert_eq!(queue.push(1), Ok(()));
    assert_eq!(Shared::new(vec![1]).call("Vec::len", Vec::len), 1);
    let atomic = AtomicU32::new(0);
    assert_eq!(atomic.swap(1, Ordering::SeqCst), 0);
    assert!(!harness::sync::atomic::AtomicBool::new(false).fetch_not(Ordering::SeqCst));
    let cell = harness::cell::UnsafeCell::new(0_u8);
    cell.with_mut(|_| ());
    cell.with(|_| ());
    let (sender, receiver) = mpsc::channel::<u8>();
    let theirs = sender.clone();
    theirs.send(1).expect("the receiver lives");
    assert_eq!(receiver.recv(), Ok(1));
    theirs.send(3).expect("the receiver lives");
    // A `for` loop's receive is a fact at the loop's line.
    #[allow(clippy::never_loop, reason = "one receive is the fact wanted")]
    for value in &receiver {
        assert_eq!(value, 3);
        break;
    }
    assert_eq!(receiver.try_iter().next(), None);
    // An adapter of `core` calls these iterators' `next`: their receives
    // are facts at the line that made each iterator.
    assert_eq!(receiver.try_iter().count(), 0);
    theirs.send(4).expect("the receiver lives");
    assert_eq!(receiver.iter().take(1).collect::<Vec<_>>(), [4]);
    let (bounded, rendezvous) = mpsc::sync_channel::<u8>(1);
    let again = bounded.clone();
    again.send(2).expect("the receiver lives");
    let mut owned = rendezvous.into_iter();
    assert_eq!(owned.by_ref().take(1).collect::<Vec<_>>(), [2]);
    drop((queue, sender, theirs, receiver, bounded, again, owned));
    panic!("the facts so far");
}

#[test]
fn every_kind_of_operation_is_a_fact_at_the_line_of_the_code_under_test() {
    let check = Check::new().engines([Engine::Random]).schedules(1);
    let failure = found(&check, calls_every_kind_of_operation);
    let elsewhere: Vec<String> = failure
        .facts
        .iter()
        .filter(|fact| fact.at.file() != file!())
        .map(ToString::to_string)
        .collect();
    assert!(elsewhere.is_empty(), "{elsewhere:#?}");
    let drops = |op: Op| failure.facts.iter().filter(|fact| fact.op == op).count();
    assert_eq!((drops(Op::SenderDrops), drops(Op::ReceiverDrops)), (4, 2));
}

#[rustversion::since(1.92)]
/// A write hold downgraded: whether another read, then a write, is let in
/// while the downgraded hold lasts, and the value the downgraded hold reads.
fn downgraded_then_tried() -> (bool, bool, u8) {
    let lock = RwLock::new(0_u8);
    let mut written = lock.write().expect("not poisoned");
    *written = 7;
    let read = harness::sync::RwLockWriteGuard::downgrade(written);
    let another_read = lock.try_read().is_ok();
    let a_write = lock.try_write().is_ok();
    (another_read, a_write, *read)
}

#[rustversion::since(1.92)]
#[test]
fn a_downgraded_hold_lets_readers_in_and_keeps_writers_out_on_real_threads_alone() {
    assert_eq!(downgraded_then_tried(), (true, false, 7), "outside any run");
    let summary = Check::new()
        .schedules(5)
        .run(|| assert_eq!(downgraded_then_tried(), (true, false, 7)))
        .expect("clean on real threads");
    ran_on_real_threads_alone(&summary, DOWNGRADE_UNDER_SHUTTLE_AND_LOOM);
}

#[rustversion::since(1.92)]
#[test]
fn a_downgraded_hold_is_a_lock_held_from_the_downgrade_on() {
    let check = Check::new().engines([Engine::Threads]).schedules(1);
    let failure = found(&check, || {
        let lock = RwLock::new(0_u8);
        let written = lock.write().expect("not poisoned");
        let read = harness::sync::RwLockWriteGuard::downgrade(written);
        thread::park_timeout(Duration::from_millis(1));
        drop(read);
    });
    let (downgraded, waits) = (line!() - 4, line!() - 3);
    let file = file!();
    assert!(
        failure.message.contains(&format!(
            "waits at {file}:{waits} while it holds the lock it took at {file}:{downgraded}"
        )),
        "{failure}"
    );
}
