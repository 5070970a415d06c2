//! A read tried inside a read of the same thread: std's reader count lets
//! it in while no writer holds the lock or waits for it (std's lock on
//! Linux refuses a read while a writer waits, to let the writer in next). shuttle and loom count a lock's
//! readers as a set of threads, so the model has the inner hold share the
//! outer one's turn, and leaves them out of a body whose inner hold
//! outlives the outer.

mod support;

use harness::check::{Check, NESTED_READ_OUTLIVES_ITS_HOLD_UNDER_SHUTTLE_AND_LOOM};
use harness::sync::{Arc, RwLock, TryLockError};
use harness::thread;
use support::ran_on_real_threads_alone;

/// A thread reads, tries a read inside it and a write, starts a thread
/// that writes, and lets both holds go, inner first: what each try gave,
/// and the value at the end.
fn a_read_tried_inside_a_read_then_another_writes() -> (bool, bool, u8) {
    let lock = Arc::new(RwLock::new(0_u8));
    let outer = lock.read().expect("not poisoned");
    let inner = lock.try_read();
    let inner_granted = inner.as_ref().is_ok_and(|inner| **inner == *outer);
    let write_refused = matches!(lock.try_write(), Err(TryLockError::WouldBlock));
    let theirs = Arc::clone(&lock);
    let writer = thread::spawn(move || *theirs.write().expect("not poisoned") += 1);
    drop(inner);
    drop(outer);
    writer.join().expect("the writer ends without a panic");
    *lock.write().expect("not poisoned") += 1;
    let end = *lock.read().expect("not poisoned");
    (inner_granted, write_refused, end)
}

#[test]
fn a_read_tried_inside_a_read_of_the_same_thread_is_granted_under_every_engine() {
    let summary = Check::new()
        .schedules(100)
        .run(|| {
            assert_eq!(
                a_read_tried_inside_a_read_then_another_writes(),
                (true, true, 2)
            )
        })
        .expect("std lets the inner read in, and the writers after both");
    assert_eq!(summary.not_modelled, []);
    assert_eq!(
        a_read_tried_inside_a_read_then_another_writes(),
        (true, true, 2)
    );
}

#[test]
fn a_read_tried_inside_a_read_and_kept_after_it_is_not_modelled_under_shuttle_and_loom() {
    let summary = Check::new()
        .schedules(5)
        .run(|| {
            let lock = Arc::new(RwLock::new(0_u8));
            let outer = lock.read().expect("not poisoned");
            let inner = lock.try_read().expect("no writer holds it or waits");
            let theirs = Arc::clone(&lock);
            let writer = thread::spawn(move || *theirs.write().expect("not poisoned") += 1);
            drop(outer);
            thread::yield_now();
            drop(inner);
            writer.join().expect("the writer ends without a panic");
        })
        .expect("clean on real threads");
    ran_on_real_threads_alone(
        &summary,
        NESTED_READ_OUTLIVES_ITS_HOLD_UNDER_SHUTTLE_AND_LOOM,
    );
}

#[test]
fn a_read_tried_inside_a_read_while_a_writer_waits_is_refused_as_stds_under_every_engine() {
    Check::new().schedules(100).assert(|| {
        let lock = Arc::new(RwLock::new(0_u8));
        let outer = lock.read().expect("not poisoned");
        let theirs = Arc::clone(&lock);
        let writer = thread::spawn(move || *theirs.write().expect("not poisoned") += 1);
        // Granted until the writer waits, then refused: a loop that took
        // the inner read for good would keep the writer out for ever.
        while lock.try_read().is_ok() {
            thread::yield_now();
        }
        drop(outer);
        writer.join().expect("the writer ends without a panic");
        assert_eq!(*lock.read().expect("not poisoned"), 1);
    });
}
