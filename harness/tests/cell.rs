//! `cell::UnsafeCell`: a run fails at an access that races another (a
//! `check::DataRace`, at the access's line), as loom's own cell fails it:
//! under loom, which models every ordering, and under shuttle's engines,
//! by shuttle's vector clocks, where every atomic orders as sequentially
//! consistent ones do. Real threads check nothing. The accesses stand
//! for a write and a read through the pointer, which this crate, free of
//! unsafe code, never dereferences: the check is at the access's
//! beginning. For the same reason the cell is shared behind a std mutex
//! rather than in a structure declared `Sync`: std's locks order nothing
//! a model sees, so the accesses race as they would in that structure.

mod support;

use harness::cell::UnsafeCell;
use harness::check::{CellAccess, Check, DataRace, Engine, Op, ThreadKey, peek};
use harness::sync::atomic::{AtomicBool, Ordering};
use harness::sync::{Arc, Mutex};
use harness::thread;
use support::{found, found_by_each};

const LOOM: Engine = Engine::Loom { preemptions: 2 };

/// The line of `handover`'s read, 15 below this one's: a read moved
/// fails the test that asks for it.
const READ_LINE: u32 = line!() + 15;

/// A writer writes the cell and raises a flag with `publish`; a reader
/// that sees the flag (loaded with `observe`) reads the cell.
fn handover(publish: Ordering, observe: Ordering) {
    let cell = shared(0_u64);
    let ready = Arc::new(AtomicBool::new(false));
    let writer = {
        let (cell, ready) = (Arc::clone(&cell), Arc::clone(&ready));
        thread::spawn(move || {
            unordered(&cell).with_mut(|_| ());
            ready.store(true, publish);
        })
    };
    if ready.load(observe) {
        unordered(&cell).with(|_| ());
    }
    writer.join().expect("the writer ends");
}

/// A cell many threads reach, as in a structure declared `Sync`.
type Shared<T> = Arc<std::sync::Mutex<UnsafeCell<T>>>;

fn shared<T>(value: T) -> Shared<T> {
    Arc::new(std::sync::Mutex::new(UnsafeCell::new(value)))
}

/// The cell, reached by a lock no model sees.
fn unordered<T>(cell: &Shared<T>) -> std::sync::MutexGuard<'_, UnsafeCell<T>> {
    cell.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The data race `failure` raised.
#[track_caller]
fn data_race(failure: &harness::check::Failure) -> DataRace {
    *failure
        .raised
        .as_ref()
        .and_then(|raised| raised.get::<DataRace>())
        .unwrap_or_else(|| panic!("no data race: {failure}"))
}

#[test]
fn a_read_told_by_a_relaxed_flag_is_a_data_race_loom_finds_at_the_read() {
    let failure = found(&Check::new().engines([LOOM]).schedules(1_000), || {
        handover(Ordering::Relaxed, Ordering::Relaxed);
    });
    let race = data_race(&failure);
    assert_eq!(race.access, CellAccess::Read, "{failure}");
    assert_eq!(
        (race.at.file(), race.at.line()),
        (file!(), READ_LINE),
        "{failure}"
    );
    assert!(failure.message.starts_with("data race: "), "{failure}");
    let write = failure
        .facts
        .iter()
        .find(|fact| fact.op == Op::Cell(CellAccess::Write));
    assert_eq!(
        write.map(|fact| fact.thread),
        Some(ThreadKey(1)),
        "the writer's access is among the facts: {failure}"
    );
}

#[test]
fn a_data_race_whose_panic_the_reader_catches_still_fails_the_run() {
    let failure = found(&Check::new().engines([LOOM]).schedules(1_000), || {
        let caught = std::panic::catch_unwind(|| handover(Ordering::Relaxed, Ordering::Relaxed));
        drop(caught);
    });
    assert_eq!(data_race(&failure).access, CellAccess::Read, "{failure}");
}

#[test]
fn a_read_inside_a_peek_is_neither_checked_nor_a_fact() {
    Check::new().engines([LOOM]).schedules(1_000).assert(|| {
        let cell = shared(0_u64);
        let writer = {
            let cell = Arc::clone(&cell);
            thread::spawn(move || unordered(&cell).with_mut(|_| ()))
        };
        peek(|| unordered(&cell).with(|_| ()));
        writer.join().expect("the writer ends");
    });
}

#[test]
fn a_read_told_by_a_release_acquire_pair_runs_clean_under_every_engine() {
    Check::new().assert(|| {
        handover(Ordering::Release, Ordering::Acquire);
    });
}

/// shuttle's engines, whose atomics are sequentially consistent.
const SHUTTLE: [Engine; 4] = [Engine::Random, Engine::pct(3), Engine::Urw, Engine::Dfs];

#[test]
fn engines_without_weak_memory_take_a_relaxed_flag_as_ordering_and_real_threads_check_nothing() {
    Check::new()
        .engines(SHUTTLE.into_iter().chain([Engine::Threads]))
        .schedules(100)
        .assert(|| {
            handover(Ordering::Relaxed, Ordering::Relaxed);
        });
}

/// Two threads write one cell, each under `lock` if it is given.
fn two_writers(locked: bool) {
    let cell = shared(0_u64);
    let lock = Arc::new(Mutex::new(()));
    let write = {
        let (cell, lock) = (Arc::clone(&cell), Arc::clone(&lock));
        move || {
            let _held = locked.then(|| lock.lock().expect("not poisoned"));
            unordered(&cell).with_mut(|_| ());
        }
    };
    let other = thread::spawn(write.clone());
    write();
    other.join().expect("the other writer ends");
}

#[test]
fn two_writes_no_lock_orders_are_a_data_race_loom_finds() {
    let failure = found(&Check::new().engines([LOOM]).schedules(1_000), || {
        two_writers(false);
    });
    assert_eq!(data_race(&failure).access, CellAccess::Write, "{failure}");
}

#[test]
fn two_writes_no_lock_orders_are_a_data_race_each_shuttle_engine_finds_in_any_schedule() {
    for engine in SHUTTLE {
        // The writes race whichever runs first: the first run finds it.
        let failure = found(&Check::new().engines([engine]).schedules(1), || {
            two_writers(false);
        });
        assert_eq!(data_race(&failure).access, CellAccess::Write, "{failure}");
    }
}

#[test]
fn a_write_after_the_release_a_reader_saw_races_the_read_under_shuttle() {
    // PCT is left out: it found nothing in 1,000 schedules.
    found_by_each(
        [Engine::Random, Engine::Urw, Engine::Dfs],
        1_000,
        || {
            let cell = shared(0_u64);
            let ready = Arc::new(AtomicBool::new(false));
            let writer = {
                let (cell, ready) = (Arc::clone(&cell), Arc::clone(&ready));
                thread::spawn(move || {
                    ready.store(true, Ordering::Release);
                    unordered(&cell).with_mut(|_| ());
                })
            };
            if ready.load(Ordering::Acquire) {
                unordered(&cell).with(|_| ());
            }
            writer.join().expect("the writer ends");
        },
        "data race: the ",
    );
}

/// A writer writes the cell, unparks the reader, then says so by a std
/// flag, which orders nothing a model sees, and unparks it again (a park
/// the first unpark ended may have begun again before the flag went
/// up); the reader parks until the flag is up, then reads. Only the unpark orders the write before the
/// read, as std's `unpark` synchronises with the `park` that takes its
/// token. The flag may be up before the reader took the token (it never
/// parked, or a park woke spuriously), so a timed park takes it then: a
/// token taken by the loop's park leaves it nothing to take. Under
/// shuttle's engines: under loom a timed park leaves the token where it
/// is, and orders nothing.
fn handover_by_unpark() {
    let cell = shared(0_u64);
    let told = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (cell, told) = (Arc::clone(&cell), Arc::clone(&told));
        thread::spawn(move || {
            while !told.load(Ordering::SeqCst) {
                thread::park();
            }
            thread::park_timeout(std::time::Duration::from_millis(1));
            unordered(&cell).with(|_| ());
        })
    };
    unordered(&cell).with_mut(|_| ());
    reader.thread().unpark();
    told.store(true, Ordering::SeqCst);
    reader.thread().unpark();
    reader.join().expect("the reader ends");
}

#[test]
fn an_unpark_orders_the_write_before_it_before_the_parked_threads_read() {
    Check::new().engines(SHUTTLE).assert(handover_by_unpark);
}

#[test]
fn two_writes_under_one_lock_run_clean_under_every_engine() {
    Check::new().assert(|| two_writers(true));
}

#[test]
fn outside_any_run_a_cell_is_its_data() {
    let mut cell = UnsafeCell::new(3_u8);
    *cell.get_mut() += 1;
    assert!(cell.with(|pointer| !pointer.is_null()));
    assert_eq!(cell.into_inner(), 4);
}
