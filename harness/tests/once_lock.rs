//! The model's `OnceLock` under every engine: of threads racing to
//! initialise it, exactly one runs its closure, and every one sees its
//! value.

use harness::check::Check;
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::sync::{Arc, OnceLock};
use harness::thread;

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
