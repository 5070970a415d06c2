//! The model's `OnceLock`, `Once` and `LazyLock` under every engine: of
//! threads racing to initialise one, exactly one runs the initialisation,
//! and every one sees its result.

use harness::check::Check;
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::sync::{Arc, LazyLock, Once, OnceLock};
use harness::thread;

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
