//! The model's `OnceLock`, `Once` and `LazyLock` under every engine: of
//! threads racing to initialise one, exactly one runs the initialisation,
//! and every one sees its result.

mod support;

use harness::check::{Check, Engine, Error, LOCK_AFTER_A_PANIC_UNDER_LOOM, Op};
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::sync::{Arc, LazyLock, Once, OnceLock};
use harness::thread;
use support::is_deadlock;

/// Runs `race` on two threads and joins them.
fn two_racers(race: impl Fn() + Send + Sync + 'static) {
    let race = Arc::new(race);
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let race = Arc::clone(&race);
            thread::spawn(move || race())
        })
        .collect();
    for racer in racers {
        racer.join().expect("the thread ends without a panic");
    }
}

#[test]
fn a_clone_of_a_once_lock_holds_what_the_cell_held_as_it_looked_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let cell = Arc::new(OnceLock::new());
        let setter = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.set(7).expect("the one setter"))
        };
        let clone = (*cell).clone();
        assert!(matches!(clone.get(), None | Some(7)), "{clone:?}");
        setter.join().expect("the setter ends without a panic");
        assert_eq!((*cell).clone().get(), Some(&7));
        assert_eq!(*cell, OnceLock::from(7));
        assert_ne!(*cell, OnceLock::new());
    });
}

#[test]
fn exactly_one_racing_initialiser_runs_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let cell = Arc::new(OnceLock::new());
        let runs = Arc::new(AtomicU64::new(0));
        let racers: Vec<_> = (0..2_u64)
            .map(|racer| {
                let (cell, runs) = (Arc::clone(&cell), Arc::clone(&runs));
                thread::spawn(move || {
                    *cell.get_or_init(|| {
                        runs.fetch_add(1, Ordering::SeqCst);
                        racer
                    })
                })
            })
            .collect();
        let seen: Vec<u64> = racers
            .into_iter()
            .map(|racer| racer.join().expect("the thread ends without a panic"))
            .collect();
        assert_eq!(runs.load(Ordering::SeqCst), 1, "two initialisers ran");
        assert_eq!(seen[0], seen[1], "the racers saw different values");
        assert_eq!(cell.get(), Some(&seen[0]));
    });
}

#[test]
fn a_set_cell_hands_a_second_value_back() {
    Check::new().schedules(10).assert(|| {
        let cell = OnceLock::new();
        assert_eq!(cell.set(1), Ok(()));
        assert_eq!(cell.set(2), Err(2));
        assert_eq!(cell.into_inner(), Some(1));
    });
}

#[test]
fn exactly_one_racing_call_once_runs_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicU64::new(0));
        let (racing_once, racing_runs) = (Arc::clone(&once), Arc::clone(&runs));
        two_racers(move || {
            racing_once.call_once(|| {
                racing_runs.fetch_add(1, Ordering::SeqCst);
            });
            assert!(
                racing_once.is_completed(),
                "call_once returned before the call completed"
            );
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1, "two calls ran");
    });
}

#[test]
fn exactly_one_racing_call_once_force_runs_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicU64::new(0));
        let (racing_once, racing_runs) = (Arc::clone(&once), Arc::clone(&runs));
        two_racers(move || {
            racing_once.call_once_force(|state| {
                assert!(!state.is_poisoned());
                racing_runs.fetch_add(1, Ordering::SeqCst);
            });
            assert!(racing_once.is_completed());
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1, "two calls ran");
    });
}

#[test]
fn a_once_whose_call_panicked_panics_again() {
    Check::new().schedules(5).assert(|| {
        let once = Once::new();
        let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            once.call_once(|| panic!("the first call fails"));
        }));
        assert!(first.is_err());
        let second =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| once.call_once(|| {})));
        assert!(second.is_err(), "a poisoned Once ran again");
        assert!(!once.is_completed());
    });
}

#[test]
fn a_lazy_value_is_made_once_for_racing_readers_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let runs = Arc::new(AtomicU64::new(0));
        let making = Arc::clone(&runs);
        let lazy = Arc::new(LazyLock::new(move || {
            making.fetch_add(1, Ordering::SeqCst) + 10
        }));
        let racing = Arc::clone(&lazy);
        two_racers(move || assert_eq!(**racing, 10));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the value was made twice");
        assert_eq!(**lazy, 10);
    });
}

/// A thread that waits for `wait` to return while a spawned one `ends` the
/// wait; joins it.
fn waits_while_another_ends(wait: impl FnOnce(), ends: impl FnOnce() + Send + 'static) {
    let ender = thread::spawn(ends);
    wait();
    ender.join().expect("the thread ends without a panic");
}

#[test]
fn a_waiter_sees_the_value_another_thread_sets_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let cell = Arc::new(OnceLock::new());
        let setting = Arc::clone(&cell);
        waits_while_another_ends(
            || assert_eq!(*cell.wait(), 7),
            move || setting.set(7).expect("the only setter"),
        );
    });
}

#[test]
fn a_waiter_returns_once_another_thread_completes_the_once_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let (once, done) = (Arc::new(Once::new()), Arc::new(AtomicU64::new(0)));
        let (calling, doing) = (Arc::clone(&once), Arc::clone(&done));
        waits_while_another_ends(
            || {
                once.wait();
                assert_eq!(done.load(Ordering::SeqCst), 1, "woke before the call ended");
            },
            move || {
                calling.call_once(|| {
                    doing.fetch_add(1, Ordering::SeqCst);
                });
            },
        );
    });
}

#[test]
fn a_wait_that_nobody_ends_is_a_deadlock_under_every_deterministic_engine() {
    let bodies: [fn(); 2] = [
        || {
            OnceLock::<u8>::new().wait();
        },
        || Once::new().wait_force(),
    ];
    let deterministic = Engine::DEFAULT
        .into_iter()
        .filter(|engine| engine.replays_exactly());
    for engine in deterministic {
        for body in bodies {
            match Check::new().engines([engine]).schedules(5).run(body) {
                Err(Error::Found(failure)) => assert!(is_deadlock(&failure), "{engine}: {failure}"),
                other => panic!("{engine}: no deadlock: {other:?}"),
            }
        }
    }
}

#[test]
fn a_wait_on_a_poisoned_once_panics_and_a_forced_one_waits_for_a_forced_call() {
    // loom is left out: the turn is taken again after a caught panic.
    let summary = Check::new()
        .schedules(100)
        .run(|| {
            let once = Arc::new(Once::new());
            let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                once.call_once(|| panic!("the first call fails"));
            }));
            assert!(failed.is_err());
            let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| once.wait()))
                .expect_err("a wait on a poisoned Once returned");
            assert_eq!(
                harness::panics::panic_message(waited.as_ref()),
                "Once instance has previously been poisoned"
            );
            let forcing = Arc::clone(&once);
            waits_while_another_ends(
                || once.wait_force(),
                move || forcing.call_once_force(|state| assert!(state.is_poisoned())),
            );
            assert!(once.is_completed());
        })
        .expect("clean");
    assert_eq!(
        summary.not_modelled,
        [(
            Engine::Loom { preemptions: 2 },
            LOCK_AFTER_A_PANIC_UNDER_LOOM
        )]
    );
}

#[test]
fn an_initialisation_nobody_waits_for_notifies_nobody() {
    // Its facts are those of a cell without waits: a test that lists a
    // run's facts does not meet a notification of the harness's own.
    let body = || {
        OnceLock::new().get_or_init(|| 1_u8);
        Once::new().call_once(|| ());
        panic!("the facts so far");
    };
    match Check::new()
        .engines([Engine::Random])
        .schedules(1)
        .run(body)
    {
        Err(Error::Found(failure)) => assert!(
            failure.facts.iter().all(|fact| fact.op != Op::NotifyAll),
            "{failure}"
        ),
        other => panic!("the body's panic was not found: {other:?}"),
    }
}

/// A writer initialises `cell` with a counter it stores 5 in, relaxed;
/// the caller looks at the cell once, and says what it found: `None`, or
/// the counter's value.
fn look_while_another_initialises(cell: Arc<OnceLock<Arc<AtomicU64>>>) -> Option<u64> {
    let writer = {
        let cell = Arc::clone(&cell);
        thread::spawn(move || {
            cell.get_or_init(|| {
                let counter = Arc::new(AtomicU64::new(0));
                counter.store(5, Ordering::Relaxed);
                counter
            });
        })
    };
    let found = cell.get().map(|counter| counter.load(Ordering::Relaxed));
    writer.join().expect("the writer ends without a panic");
    found
}

#[test]
fn loom_runs_a_look_at_a_cell_both_before_and_after_another_threads_initialisation() {
    // Counted across the search's executions, outside the model.
    static EMPTY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static FULL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    Check::new()
        .engines([Engine::Loom { preemptions: 2 }])
        .assert(|| {
            let seen = match look_while_another_initialises(Arc::new(OnceLock::new())) {
                None => &EMPTY,
                Some(_) => &FULL,
            };
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
    let count =
        |seen: &std::sync::atomic::AtomicUsize| seen.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        count(&EMPTY) > 0 && count(&FULL) > 0,
        "empty {}, full {}",
        count(&EMPTY),
        count(&FULL)
    );
}

#[test]
fn a_thread_that_sees_a_cell_set_sees_what_its_initialiser_wrote_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let found = look_while_another_initialises(Arc::new(OnceLock::new()));
        assert!(
            matches!(found, None | Some(5)),
            "saw the cell before its value: {found:?}"
        );
    });
}

#[test]
fn a_thread_that_sees_a_once_completed_sees_what_its_call_wrote_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let shared = Arc::new((Once::new(), AtomicU64::new(0)));
        let caller = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.0.call_once(|| shared.1.store(5, Ordering::Relaxed)))
        };
        if shared.0.is_completed() {
            assert_eq!(
                shared.1.load(Ordering::Relaxed),
                5,
                "saw the call completed before its write"
            );
        }
        caller.join().expect("the caller ends without a panic");
    });
}

#[test]
fn a_cell_made_with_a_value_has_it_under_every_engine() {
    Check::new().schedules(20).assert(|| {
        let cell = OnceLock::from(5);
        assert_eq!(cell.get(), Some(&5));
        assert_eq!(cell.set(6), Err(6));
    });
}

#[test]
fn a_static_cell_set_before_a_run_has_its_value_in_the_run_under_every_engine() {
    static SET_OUTSIDE_RUNS: OnceLock<u8> = OnceLock::new();
    assert_eq!(SET_OUTSIDE_RUNS.set(7), Ok(()));
    Check::new().schedules(20).assert(|| {
        assert_eq!(SET_OUTSIDE_RUNS.get(), Some(&7));
    });
}

#[test]
fn a_cell_taken_is_empty_and_can_be_set_again_under_every_engine() {
    Check::new().schedules(20).assert(|| {
        let mut cell = OnceLock::new();
        assert_eq!(cell.set(1), Ok(()));
        assert_eq!(cell.get_mut(), Some(&mut 1));
        assert_eq!(cell.take(), Some(1));
        assert_eq!(cell.get(), None);
        let cell = Arc::new(cell);
        let setter = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.set(2))
        };
        assert!(matches!(cell.get(), None | Some(2)));
        assert_eq!(setter.join().expect("the setter ends"), Ok(()));
        assert_eq!(cell.get(), Some(&2));
    });
}

#[test]
fn a_cell_taken_and_set_again_publishes_its_new_value_whole_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let mut cell = OnceLock::new();
        assert!(cell.set(Arc::new(AtomicU64::new(5))).is_ok());
        assert!(cell.take().is_some());
        let found = look_while_another_initialises(Arc::new(cell));
        assert!(
            matches!(found, None | Some(5)),
            "saw the cell before its value: {found:?}"
        );
    });
}
