//! The facade's atomics in `static`s, written as with std: each run that
//! uses a static starts it at its initialiser's value, as a fresh process
//! would, so no run depends on what an earlier run left there, and a
//! failing run replays exactly. Outside runs a static is one atomic that
//! keeps its value.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine, MadeElsewhere};
use harness::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use harness::sync::{Arc, LazyLock, Mutex, Once, OnceLock};
use harness::thread;
use support::{found, found_by_each, made_elsewhere, replayed};

/// Two threads take an id each from `next_id`; each run must hand out 0
/// and 1.
fn two_threads_take_ids(next_id: &'static AtomicU64) {
    let taker = thread::spawn(|| next_id.fetch_add(1, Ordering::Relaxed));
    let mine = next_id.fetch_add(1, Ordering::Relaxed);
    let theirs = taker.join().expect("the thread ends without a panic");
    let mut ids = [mine, theirs];
    ids.sort_unstable();
    assert_eq!(ids, [0, 1], "the ids of this run");
}

#[test]
fn a_static_counter_starts_every_run_at_its_initial_value_under_every_engine() {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    Check::new()
        .schedules(50)
        .assert(|| two_threads_take_ids(&NEXT_ID));
}

#[test]
fn checks_on_two_threads_at_once_each_see_their_own_static() {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                Check::new()
                    .engines([Engine::Random, Engine::Loom { preemptions: 2 }])
                    .schedules(100)
                    .assert(|| two_threads_take_ids(&NEXT_ID));
            });
        }
    });
}

/// Two threads add one to `COUNT` by a load and a store: an update is lost
/// when both load before either stores.
fn lost_update() {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let adder = thread::spawn(|| {
        let seen = COUNT.load(Ordering::SeqCst);
        COUNT.store(seen + 1, Ordering::SeqCst);
    });
    let seen = COUNT.load(Ordering::SeqCst);
    COUNT.store(seen + 1, Ordering::SeqCst);
    adder.join().expect("the thread ends without a panic");
    assert_eq!(COUNT.load(Ordering::SeqCst), 2, "an update was lost");
}

#[test]
fn a_race_on_a_static_is_found_by_every_deterministic_engine() {
    let deterministic = Engine::DEFAULT
        .into_iter()
        .filter(|engine| engine.replays_exactly());
    found_by_each(deterministic, 1_000, lost_update, "an update was lost");
}

#[test]
fn a_failure_on_a_static_replays_exactly() {
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(1_000),
        lost_update,
    );
    assert!(
        failure.run.number > 0,
        "found after earlier runs used the static"
    );
    let replayed = replayed(failure.run, lost_update);
    assert_eq!(replayed.message, failure.message);
    assert_eq!(replayed.operations(), failure.operations());
    assert_eq!(replayed.signature(), failure.signature());
}

#[test]
fn outside_runs_a_static_keeps_its_value_and_runs_do_not_see_it() {
    static FLAG: AtomicU64 = AtomicU64::new(0);
    FLAG.store(5, Ordering::SeqCst);
    Check::new().schedules(10).assert(|| {
        assert_eq!(
            FLAG.load(Ordering::SeqCst),
            0,
            "a run starts at the initialiser's value"
        );
        FLAG.store(7, Ordering::SeqCst);
    });
    assert_eq!(FLAG.load(Ordering::SeqCst), 5);
}

/// What the static pointer points at.
static PLACE: u8 = 0;

#[test]
fn exactly_one_thread_claims_an_empty_static_pointer_under_every_engine() {
    static CLAIMED: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    fn claim() -> bool {
        let place = std::ptr::from_ref(&PLACE).cast_mut();
        CLAIMED
            .compare_exchange(
                std::ptr::null_mut(),
                place,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }
    Check::new().schedules(50).assert(|| {
        let contender = thread::spawn(claim);
        let mine = claim();
        let theirs = contender.join().expect("the thread ends without a panic");
        assert!(mine != theirs, "exactly one claims it: {mine} and {theirs}");
    });
}

/// A child thread uses `flag` first, while its parent yields; then the
/// parent does, with nothing ordering the child's use before its own.
fn child_uses_it_first() {
    let flag = Arc::new(AtomicBool::new(false));
    let child = {
        let flag = Arc::clone(&flag);
        thread::spawn(move || flag.store(true, Ordering::Relaxed))
    };
    thread::yield_now();
    let _ = flag.load(Ordering::Relaxed);
    child.join().expect("the thread ends without a panic");
}

#[test]
fn an_atomic_a_child_thread_uses_first_is_clean_under_loom() {
    Check::new()
        .engines([Engine::Loom { preemptions: 2 }])
        .assert(child_uses_it_first);
}

/// A writer fills in `DATA`, then sets `READY`, both relaxed: a reader
/// that sees `READY` may still miss the data.
fn relaxed_publish_through_statics() {
    static DATA: AtomicU64 = AtomicU64::new(0);
    static READY: AtomicBool = AtomicBool::new(false);
    let writer = thread::spawn(|| {
        DATA.store(42, Ordering::Relaxed);
        READY.store(true, Ordering::Relaxed);
    });
    if READY.load(Ordering::Relaxed) {
        assert_eq!(
            DATA.load(Ordering::Relaxed),
            42,
            "saw READY before the data"
        );
    }
    writer.join().expect("the thread ends without a panic");
}

#[test]
fn a_relaxed_publish_through_statics_is_found_by_loom() {
    let failure = found(
        &Check::new().engines([Engine::Loom { preemptions: 2 }]),
        relaxed_publish_through_statics,
    );
    assert!(
        failure.message.contains("saw READY before the data"),
        "{failure}"
    );
}

#[test]
fn a_loom_failure_on_statics_replays_exactly() {
    let failure = found(
        &Check::new().engines([Engine::Loom { preemptions: 2 }]),
        relaxed_publish_through_statics,
    );
    let replayed = replayed(failure.run, relaxed_publish_through_statics);
    assert_eq!(replayed.message, failure.message);
    assert_eq!(replayed.signature(), failure.signature());
}

/// Two threads race to initialise `CELL` with an initialiser that yields,
/// then fails: each takes the turn, and the cell stays empty.
fn two_threads_fail_to_initialise() {
    static CELL: OnceLock<u64> = OnceLock::new();
    fn fail_to_initialise() {
        let failed = std::panic::catch_unwind(|| {
            CELL.get_or_init(|| {
                thread::yield_now();
                panic!("never made")
            })
        });
        let payload = failed.expect_err("the initialiser fails");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"never made"));
    }
    let other = thread::spawn(fail_to_initialise);
    fail_to_initialise();
    other.join().expect("the thread ends without a panic");
    assert!(CELL.get().is_none());
}

#[test]
fn a_static_once_cells_turn_is_each_runs_own_under_every_engine_but_loom() {
    // Real threads first: a turn they made is std's, which a shuttle run
    // cannot take. loom leaves the body out: its lock, held by a thread
    // that panics, stays poisoned (`LOCK_AFTER_A_PANIC_UNDER_LOOM`).
    let engines = Engine::DEFAULT.into_iter().rev();
    for engine in engines.filter(|engine| !matches!(engine, Engine::Loom { .. })) {
        Check::new()
            .engines([engine])
            .schedules(20)
            .assert(two_threads_fail_to_initialise);
    }
}

#[test]
fn a_loom_search_that_fails_with_no_late_atomic_runs_once() {
    // std's own atomic: it counts the body's runs, outside every model.
    static BODIES_RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let failure = found(
        &Check::new().engines([Engine::Loom { preemptions: 2 }]),
        || {
            BODIES_RUN.fetch_add(1, Ordering::Relaxed);
            panic!("fails at once");
        },
    );
    assert!(failure.message.contains("fails at once"), "{failure}");
    assert_eq!(
        BODIES_RUN.load(Ordering::Relaxed),
        1,
        "the search started over"
    );
}

#[test]
fn a_static_once_calls_once_in_every_run_under_every_engine() {
    static INIT: Once = Once::new();
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn init() {
        INIT.call_once(|| {
            CALLS.fetch_add(1, Ordering::SeqCst);
        });
    }
    Check::new().schedules(50).assert(|| {
        let other = thread::spawn(init);
        init();
        other.join().expect("the thread ends without a panic");
        assert_eq!(CALLS.load(Ordering::SeqCst), 1, "calls in this run");
    });
}

/// A lock kept in a static `LazyLock` by the run that first used it,
/// taken by whichever run comes.
static REGISTRY: LazyLock<Mutex<u64>> = LazyLock::new(|| Mutex::new(0));

fn count_in_the_registry() {
    *REGISTRY.lock().expect("not poisoned") += 1;
}

#[test]
fn a_lock_kept_in_a_static_lazy_lock_serves_its_first_run_alone_under_every_engine() {
    // The first run, random's, makes the lock, and its second run fails:
    // the earlier run's count, holders and waiters would otherwise reach it
    // and every later run, which no replay of it would see.
    let failure = found(
        &Check::new().engines([Engine::Random]).schedules(5),
        count_in_the_registry,
    );
    assert_eq!(failure.schedules, 2, "{failure}");
    assert_eq!(
        made_elsewhere(&failure),
        Some(&MadeElsewhere::InAnEarlierRun)
    );
    for engine in Engine::DEFAULT {
        let failure = found(
            &Check::new().engines([engine]).schedules(5),
            count_in_the_registry,
        );
        assert_eq!(failure.schedules, 1, "{engine}: {failure}");
        let expected = match engine {
            Engine::Pct { .. } | Engine::Urw | Engine::Random | Engine::Dfs => {
                MadeElsewhere::InAnEarlierRun
            }
            _ => MadeElsewhere::ByAnotherEngine {
                made: "shuttle (random, PCT, URW, DFS)",
                used: if engine == Engine::Threads {
                    "real threads"
                } else {
                    "loom"
                },
            },
        };
        assert_eq!(made_elsewhere(&failure), Some(&expected), "{engine}");
    }
}
