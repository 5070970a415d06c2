//! The model's `Barrier` under every engine: nobody leaves before all have
//! arrived, each round has one leader, and waiting for a thread that never
//! comes is a deadlock.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine};
use harness::sync::atomic::{AtomicU64, Ordering};
use harness::sync::{Arc, Barrier};
use harness::thread;
use support::{found, is_deadlock};

/// `parties` threads (the caller included) that each run `each`.
fn all_of(parties: u64, each: impl Fn() + Send + Sync + 'static) {
    let each = Arc::new(each);
    let others: Vec<_> = (1..parties)
        .map(|_| {
            let each = Arc::clone(&each);
            thread::spawn(move || each())
        })
        .collect();
    each();
    for other in others {
        other.join().expect("the thread ends without a panic");
    }
}

#[test]
fn no_thread_leaves_a_barrier_before_all_have_arrived_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let barrier = Arc::new(Barrier::new(3));
        let arrived = Arc::new(AtomicU64::new(0));
        all_of(3, move || {
            arrived.fetch_add(1, Ordering::SeqCst);
            barrier.wait();
            assert_eq!(arrived.load(Ordering::SeqCst), 3, "left the barrier early");
        });
    });
}

#[test]
fn each_round_has_exactly_one_leader_under_every_engine() {
    Check::new().schedules(300).assert(|| {
        let barrier = Arc::new(Barrier::new(2));
        let leaders = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&leaders);
        all_of(2, move || {
            for _round in 0..2 {
                if barrier.wait().is_leader() {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        assert_eq!(leaders.load(Ordering::SeqCst), 2);
    });
}

/// Three threads through four rounds, none the body's: a round's leader
/// notifies while a thread that woke spuriously from that round has
/// already begun to wait in the next, which shuttle's notification wakes
/// too; a waiter of the round before, not yet run, is still woken.
#[test]
fn threads_that_go_round_a_barrier_again_and_again_never_deadlock_under_every_engine() {
    Check::new().assert(|| {
        let barrier = Arc::new(Barrier::new(3));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    for _ in 0..4 {
                        barrier.wait();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("the thread ends without a panic");
        }
    });
}

#[test]
fn waiting_for_a_thread_that_never_comes_is_a_deadlock() {
    for engine in [Engine::Random, Engine::Dfs, Engine::Loom { preemptions: 2 }] {
        let failure = found(&Check::new().engines([engine]).schedules(10), || {
            Barrier::new(2).wait();
        });
        assert!(is_deadlock(&failure), "{engine}: {failure}");
    }
}
