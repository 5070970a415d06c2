//! The model's `AtomicPtr` under every engine: shared between threads,
//! exactly one compare-exchange wins, and a pointer published too weakly
//! is found by loom. The pointers point into a static and are never
//! dereferenced: what a pointer points to is the code under test's.

#[allow(dead_code, reason = "the helpers other test files use")]
mod support;

use harness::check::{Check, Engine};
use harness::sync::Arc;
use harness::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use harness::thread;
use support::{found, place};

#[test]
fn exactly_one_thread_claims_an_empty_pointer_under_every_engine() {
    Check::new().schedules(200).assert(|| {
        let claimed = Arc::new(AtomicPtr::<u8>::default());
        let contenders: Vec<_> = (0..2)
            .map(|index| {
                let claimed = Arc::clone(&claimed);
                thread::spawn(move || {
                    claimed
                        .compare_exchange(
                            std::ptr::null_mut(),
                            place(index),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        )
                        .is_ok()
                })
            })
            .collect();
        let wins: Vec<bool> = contenders
            .into_iter()
            .map(|contender| contender.join().expect("the thread ends without a panic"))
            .collect();
        assert_eq!(wins.iter().filter(|&&won| won).count(), 1);
        let winner = wins.iter().position(|&won| won).expect("a winner");
        assert_eq!(claimed.load(Ordering::Acquire), place(winner));
    });
}

/// A writer fills in data, then publishes a pointer with `publish`; a
/// reader that sees the pointer must see the data.
fn publish_pointer(publish: Ordering, read: Ordering) {
    let data = Arc::new(AtomicU64::new(0));
    let published = Arc::new(AtomicPtr::<u8>::default());
    let writer = {
        let (data, published) = (Arc::clone(&data), Arc::clone(&published));
        thread::spawn(move || {
            data.store(42, Ordering::Relaxed);
            published.store(place(0), publish);
        })
    };
    if !published.load(read).is_null() {
        assert_eq!(
            data.load(Ordering::Relaxed),
            42,
            "saw the pointer before the data"
        );
    }
    writer.join().expect("the thread ends without a panic");
}

#[test]
fn a_pointer_published_with_release_and_acquire_is_clean_under_loom() {
    Check::new()
        .engines([Engine::Loom { preemptions: 2 }])
        .assert(|| publish_pointer(Ordering::Release, Ordering::Acquire));
}

#[test]
fn a_pointer_published_relaxed_is_found_by_loom() {
    let failure = found(
        &Check::new().engines([Engine::Loom { preemptions: 2 }]),
        || publish_pointer(Ordering::Relaxed, Ordering::Relaxed),
    );
    assert!(
        failure.message.contains("saw the pointer before the data"),
        "{failure}"
    );
}

#[test]
fn fetch_update_swaps_in_the_next_pointer() {
    Check::new().schedules(10).assert(|| {
        let pointer = AtomicPtr::new(place(0));
        let previous =
            pointer.fetch_update(Ordering::AcqRel, Ordering::Acquire, |_| Some(place(1)));
        assert_eq!(previous, Ok(place(0)));
        assert_eq!(pointer.into_inner(), place(1));
    });
}

/// What the arithmetic and bitwise `fetch_*` of an `AtomicPtr` answer and
/// leave, one call after another, from a pointer to an array's first
/// element: written once, for std's atomic and the facade's.
macro_rules! pointer_arithmetic {
    ($atomic:ty) => {{
        static ELEMENTS: [u64; 4] = [0; 4];
        let first = std::ptr::from_ref(&ELEMENTS[0]).cast_mut();
        let pointer = <$atomic>::new(first);
        let previous = [
            pointer.fetch_ptr_add(3, Ordering::AcqRel),
            pointer.fetch_ptr_sub(1, Ordering::Release),
            pointer.fetch_byte_add(8, Ordering::Acquire),
            pointer.fetch_byte_sub(16, Ordering::Relaxed),
            pointer.fetch_or(1, Ordering::SeqCst),
            pointer.fetch_xor(3, Ordering::SeqCst),
            pointer.fetch_and(!7, Ordering::SeqCst),
        ];
        let offsets = previous.map(|previous| previous.addr().wrapping_sub(first.addr()));
        (offsets, pointer.into_inner().addr() - first.addr())
    }};
}

#[rustversion::since(1.91)]
#[test]
fn pointer_arithmetic_answers_as_std_under_every_engine() {
    let on_std = pointer_arithmetic!(std::sync::atomic::AtomicPtr<u64>);
    assert_eq!(on_std, ([0, 24, 16, 24, 8, 9, 10], 8));
    Check::new().schedules(10).assert(move || {
        assert_eq!(pointer_arithmetic!(AtomicPtr<u64>), on_std);
    });
}

#[rustversion::since(1.91)]
#[test]
fn pointer_additions_from_two_threads_both_apply_under_every_engine() {
    Check::new().schedules(100).assert(|| {
        let cursor = Arc::new(AtomicPtr::new(place(0)));
        let theirs = Arc::clone(&cursor);
        let adder = thread::spawn(move || theirs.fetch_ptr_add(1, Ordering::Relaxed).addr());
        let mine = cursor.fetch_ptr_add(1, Ordering::Relaxed).addr();
        let their_previous = adder.join().expect("the thread ends without a panic");
        assert_ne!(mine, their_previous, "both added to the same pointer");
        assert_eq!(cursor.load(Ordering::Relaxed), place(0).wrapping_add(2));
    });
}
