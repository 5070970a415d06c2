//! Sequentially consistent accesses order as one total order under every
//! engine. loom alone models `SeqCst` loads and stores as `AcqRel` ones,
//! so the facade puts a `SeqCst` fence between two `SeqCst` accesses of a
//! thread under loom (`model/seq_cst.rs`): the litmus tests below, each
//! an outcome no total order gives, would otherwise fail under loom.
//! Weaker orderings keep every outcome loom shows for them.

mod support;

use harness::check::{Check, Engine};
use harness::sync::Arc;
use harness::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering, fence};
use harness::thread;
use support::found;

const LOOM: Engine = Engine::Loom { preemptions: 2 };

/// Enough schedules for loom to explore each body below to its end, and
/// for the other engines to reach each order of its accesses many times.
const SCHEDULES: usize = 3_000;

/// Two threads each set a flag of their own with `set`, then load the
/// other's with `load`; both reading the other's flag unset fails.
fn store_buffering(set: fn(&AtomicBool), load: Ordering) {
    let flags = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
    let other = {
        let flags = Arc::clone(&flags);
        thread::spawn(move || {
            set(&flags[1]);
            flags[0].load(load)
        })
    };
    set(&flags[0]);
    let saw_theirs = flags[1].load(load);
    let they_saw_mine = other.join().expect("the other thread ends");
    assert!(
        saw_theirs || they_saw_mine,
        "each thread read the other's flag unset"
    );
}

/// Sets `flag` by a store with `order`.
fn stored(flag: &AtomicBool, order: Ordering) {
    flag.store(true, order);
}

/// Runs `body` under every engine to its end under loom, and asserts it
/// never fails.
fn passes_under_every_engine(body: fn()) {
    let summary = Check::new()
        .schedules(SCHEDULES)
        .run(body)
        .unwrap_or_else(|error| panic!("{error}"));
    let loom_runs = summary
        .runs
        .iter()
        .find_map(|&(engine, runs)| (engine == LOOM).then_some(runs))
        .expect("loom ran the body");
    assert!(
        loom_runs < SCHEDULES as u64,
        "loom explored {loom_runs} schedules, not every one"
    );
}

#[test]
fn two_threads_storing_then_loading_on_seq_cst_never_both_read_the_old_value_under_every_engine() {
    passes_under_every_engine(|| {
        store_buffering(|flag| stored(flag, Ordering::SeqCst), Ordering::SeqCst)
    });
}

#[test]
fn a_compare_exchange_that_succeeds_on_seq_cst_orders_as_a_seq_cst_store_under_every_engine() {
    passes_under_every_engine(|| {
        store_buffering(
            |flag| {
                let _ = flag.compare_exchange(false, true, Ordering::SeqCst, Ordering::Relaxed);
            },
            Ordering::SeqCst,
        );
    });
}

#[test]
fn a_seq_cst_fence_after_a_relaxed_store_forbids_reading_both_old_values_under_every_engine() {
    passes_under_every_engine(|| {
        store_buffering(
            |flag| {
                flag.store(true, Ordering::Relaxed);
                fence(Ordering::SeqCst);
            },
            Ordering::Relaxed,
        );
    });
}

#[test]
fn storing_then_loading_on_release_and_acquire_may_read_both_old_values_under_loom() {
    let failure = found(&Check::new().engines([LOOM]).schedules(SCHEDULES), || {
        store_buffering(|flag| stored(flag, Ordering::Release), Ordering::Acquire);
    });
    assert!(failure.message.contains("each thread read"), "{failure}");
}

#[test]
fn a_seq_cst_store_then_an_acquire_load_may_read_both_old_values_under_loom() {
    let failure = found(&Check::new().engines([LOOM]).schedules(SCHEDULES), || {
        store_buffering(|flag| stored(flag, Ordering::SeqCst), Ordering::Acquire);
    });
    assert!(failure.message.contains("each thread read"), "{failure}");
}

#[test]
fn a_compare_exchange_on_acq_rel_then_a_seq_cst_load_may_read_both_old_values_under_loom() {
    let failure = found(&Check::new().engines([LOOM]).schedules(SCHEDULES), || {
        store_buffering(
            |flag| {
                let _ = flag.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire);
            },
            Ordering::SeqCst,
        );
    });
    assert!(failure.message.contains("each thread read"), "{failure}");
}

#[test]
fn two_readers_on_seq_cst_agree_on_the_order_of_two_independent_writes_under_every_engine() {
    passes_under_every_engine(|| {
        let cells = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
        let writers: Vec<_> = (0..2)
            .map(|index| {
                let cells = Arc::clone(&cells);
                thread::spawn(move || cells[index].store(1, Ordering::SeqCst))
            })
            .collect();
        let read_in_order = |first: usize| {
            let cells = Arc::clone(&cells);
            move || {
                let saw_first = cells[first].load(Ordering::SeqCst);
                let saw_second = cells[1 - first].load(Ordering::SeqCst);
                (saw_first, saw_second)
            }
        };
        let other_reader = thread::spawn(read_in_order(1));
        let (saw_0, then_1) = read_in_order(0)();
        let (saw_1, then_0) = other_reader.join().expect("the reader ends");
        for writer in writers {
            writer.join().expect("a writer ends");
        }
        assert!(
            !(saw_0 == 1 && then_1 == 0 && saw_1 == 1 && then_0 == 0),
            "one reader saw the first write alone, the other the second alone"
        );
    });
}

#[test]
fn a_store_that_came_second_then_a_load_sees_what_came_before_the_first_under_every_engine() {
    passes_under_every_engine(|| {
        let (data, flag) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let first = {
            let (data, flag) = (Arc::clone(&data), Arc::clone(&flag));
            thread::spawn(move || {
                data.store(1, Ordering::SeqCst);
                flag.store(1, Ordering::SeqCst);
            })
        };
        flag.store(2, Ordering::SeqCst);
        let saw_data = data.load(Ordering::SeqCst);
        first.join().expect("the first storer ends");
        let stored_last = flag.load(Ordering::SeqCst);
        assert!(
            !(stored_last == 2 && saw_data == 0),
            "a store that came after the other's missed what the other stored before it"
        );
    });
}

#[test]
fn petersons_lock_on_seq_cst_lets_one_thread_in_at_a_time_under_every_engine() {
    passes_under_every_engine(|| {
        let wants = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let (turn, inside) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let enter_and_leave = move |me: usize| {
            let other = 1 - me;
            wants[me].store(true, Ordering::SeqCst);
            turn.store(other, Ordering::SeqCst);
            while wants[other].load(Ordering::SeqCst) && turn.load(Ordering::SeqCst) == other {
                thread::yield_now();
            }
            assert_eq!(
                inside.fetch_add(1, Ordering::SeqCst),
                0,
                "both threads are inside"
            );
            inside.fetch_sub(1, Ordering::SeqCst);
            wants[me].store(false, Ordering::SeqCst);
        };
        let other = {
            let enter_and_leave = enter_and_leave.clone();
            thread::spawn(move || enter_and_leave(1))
        };
        enter_and_leave(0);
        other.join().expect("the other thread ends");
    });
}

#[test]
fn a_threads_seq_cst_fence_stands_for_the_one_its_next_seq_cst_access_would_get_under_loom() {
    // The fence orders the relaxed store after it with the loads after
    // it, and nothing orders that store with the `SeqCst` load it
    // precedes: both threads may read the old value, as C++'s model
    // allows. A fence put before that load, as if the thread's own were
    // not there, would hide it.
    let failure = found(&Check::new().engines([LOOM]).schedules(SCHEDULES), || {
        let (earlier, data, flag) = (
            Arc::new(AtomicU32::new(0)),
            Arc::new(AtomicU32::new(0)),
            Arc::new(AtomicU32::new(0)),
        );
        let other = {
            let (data, flag) = (Arc::clone(&data), Arc::clone(&flag));
            thread::spawn(move || {
                flag.store(1, Ordering::SeqCst);
                fence(Ordering::SeqCst);
                data.load(Ordering::Relaxed)
            })
        };
        earlier.load(Ordering::SeqCst);
        fence(Ordering::SeqCst);
        data.store(1, Ordering::Relaxed);
        let saw_flag = flag.load(Ordering::SeqCst);
        let they_saw_data = other.join().expect("the other thread ends");
        assert!(
            saw_flag == 1 || they_saw_data == 1,
            "each thread read the other's store unmade"
        );
    });
    assert!(failure.message.contains("each thread read"), "{failure}");
}
