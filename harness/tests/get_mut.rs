//! An atomic's `get_mut` under every engine: a value written through it is
//! what every thread then sees, the value read through it is the last any
//! thread wrote (in a `Drop` run by whichever thread lets the structure go
//! last, as a lock-free structure's is), and outside runs it is std's.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine};
use harness::sync::Arc;
use harness::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use harness::thread;
use support::{found, place};

/// Two threads each add one to `counter`, shared; its value afterwards.
fn two_threads_add_one(counter: AtomicU64) -> u64 {
    let counter = Arc::new(counter);
    let adders: Vec<_> = (0..2)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || counter.fetch_add(1, Ordering::Relaxed))
        })
        .collect();
    for adder in adders {
        adder.join().expect("the thread ends without a panic");
    }
    counter.load(Ordering::Relaxed)
}

#[test]
fn a_value_written_through_get_mut_is_what_every_thread_then_sees_under_every_engine() {
    let summary = Check::new().schedules(200).run(|| {
        let mut counter = AtomicU64::new(0);
        counter.fetch_add(1, Ordering::Relaxed);
        *counter.get_mut() += 10;
        assert_eq!(two_threads_add_one(counter), 13);
    });
    let summary = summary.expect("every engine runs it clean");
    assert!(summary.not_modelled.is_empty(), "{summary:?}");
}

#[test]
fn get_mut_reads_the_last_value_any_thread_wrote_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let counter = Arc::new(AtomicU64::new(0));
        let adder = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || counter.fetch_add(1, Ordering::Relaxed))
        };
        counter.fetch_add(2, Ordering::Relaxed);
        adder.join().expect("the thread ends without a panic");
        let mut counter = Arc::into_inner(counter).expect("the adder's clone is gone");
        assert_eq!(*counter.get_mut(), 3);
    });
}

/// Counts the hits of two threads, and checks in its `Drop` that it saw
/// both: whichever thread drops the last `Arc` runs it.
struct Hits {
    count: AtomicUsize,
    /// What `Drop` finds `count` should be.
    expected: usize,
}

impl Drop for Hits {
    fn drop(&mut self) {
        // A second panic while a failed run unwinds would abort the process.
        if !std::thread::panicking() {
            assert_eq!(*self.count.get_mut(), self.expected, "a hit is missing");
        }
    }
}

/// Two threads each hit `hits` once, with `hit`, and let it go.
fn two_threads_hit(hit: fn(&AtomicUsize)) {
    let hits = Arc::new(Hits {
        count: AtomicUsize::new(0),
        expected: 2,
    });
    let other = {
        let hits = Arc::clone(&hits);
        thread::spawn(move || hit(&hits.count))
    };
    hit(&hits.count);
    drop(hits);
    other.join().expect("the thread ends without a panic");
}

fn add_one(count: &AtomicUsize) {
    count.fetch_add(1, Ordering::Relaxed);
}

/// A lost update: a load, then a store of one more.
fn load_then_store(count: &AtomicUsize) {
    let seen = count.load(Ordering::Relaxed);
    count.store(seen + 1, Ordering::Relaxed);
}

#[test]
fn a_drop_that_reads_through_get_mut_sees_every_threads_write_under_every_engine() {
    Check::new()
        .schedules(200)
        .assert(|| two_threads_hit(add_one));
}

#[test]
fn a_lost_update_is_found_by_a_drop_that_reads_through_get_mut() {
    for engine in [Engine::Random, Engine::Dfs, Engine::Loom { preemptions: 2 }] {
        let failure = found(&Check::new().engines([engine]).schedules(200), || {
            two_threads_hit(load_then_store);
        });
        assert!(
            failure.message.contains("a hit is missing"),
            "{engine}: {failure}"
        );
    }
}

#[test]
fn a_pointer_written_through_get_mut_is_what_another_thread_loads_under_every_engine() {
    Check::new().schedules(100).assert(|| {
        let mut pointer = AtomicPtr::new(place(0));
        pointer.store(std::ptr::null_mut(), Ordering::Relaxed);
        assert!(pointer.get_mut().is_null());
        *pointer.get_mut() = place(1);
        let pointer = Arc::new(pointer);
        let loader = {
            let pointer = Arc::clone(&pointer);
            thread::spawn(move || pointer.load(Ordering::Relaxed) == place(1))
        };
        assert!(
            loader.join().expect("the thread ends"),
            "not the pointer written"
        );
    });
}

#[test]
fn outside_runs_get_mut_is_the_atomics_value_as_stds() {
    let mut counter = AtomicU64::new(1);
    counter.fetch_add(1, Ordering::Relaxed);
    *counter.get_mut() += 1;
    assert_eq!(counter.load(Ordering::Relaxed), 3);
    assert_eq!(counter.into_inner(), 3);
}
