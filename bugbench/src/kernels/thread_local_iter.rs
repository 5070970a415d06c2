//! thread_local's iterator loads a bucket's pointer too weakly, and reads a
//! bucket whose allocation it cannot see.
//!
//! Source: Amanieu/thread_local-rs #33 ("Data race in `RawIter::next`",
//! found by Miri), fixed by PR #34 (commit 3d69afa), released in 1.1.4;
//! RUSTSEC-2022-0006. Affected: up to 1.1.3. Class: weak memory.
//!
//! A thread's first `get_or` of a `ThreadLocal` allocates the bucket its
//! entry lives in (each entry's `present` flag written false), publishes
//! the bucket's pointer with a `Release` store, then writes its value and
//! sets `present` (`Release`). The iterator loaded the bucket's pointer
//! `Relaxed`: seeing the pointer did not make the bucket's initialisation
//! visible, and its load of an entry's `present` raced with the write that
//! initialised it. The fix loads the pointer with `Acquire`. Buckets are
//! slots of an arena here; a slot's `initialised` flag, written `Relaxed`,
//! stands for the allocation's plain writes, and reading a bucket whose
//! initialisation is not visible is the oracle's panic.
//!
//! Oracle: the iterator reads only initialised buckets, and a present
//! entry's value.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

    use sync::atomic::{AtomicBool, AtomicUsize};

    use crate::Variant;

    /// No bucket yet: the pointer is null.
    const NULL: usize = 0;

    /// The value the other thread keeps.
    const VALUE: usize = 42;

    /// A bucket of one entry.
    struct Bucket {
        /// The allocation's writes (upstream: plain writes of `present`).
        initialised: AtomicBool,
        present: AtomicBool,
        value: AtomicUsize,
    }

    struct ThreadLocal {
        /// The bucket: its arena slot plus one, or `NULL`.
        bucket: AtomicUsize,
        arena: [Bucket; 1],
    }

    impl ThreadLocal {
        /// The calling thread's first `get_or`: allocates the bucket, then
        /// keeps `value` in its entry.
        fn insert(&self, value: usize) {
            let slot = 0;
            if self.bucket.load(Acquire) == NULL {
                self.arena[slot].initialised.store(true, Relaxed);
                self.bucket.store(slot + 1, Release);
            }
            let entry = &self.arena[slot];
            entry.value.store(value, Relaxed);
            entry.present.store(true, Release);
        }

        /// What an iteration yields.
        fn iter(&self, variant: Variant) -> Option<usize> {
            let order = match variant {
                Variant::Buggy => Relaxed,
                Variant::Fixed => Acquire,
            };
            let slot = self.bucket.load(order).checked_sub(1)?;
            let bucket = &self.arena[slot];
            assert!(
                bucket.initialised.load(Relaxed),
                "iterated a bucket whose initialisation it cannot see"
            );
            bucket.present.load(Acquire).then(|| bucket.value.load(Relaxed))
        }
    }

    /// One thread keeps a value while another iterates.
    pub(crate) fn run(variant: Variant) {
        let local = Arc::new(ThreadLocal {
            bucket: AtomicUsize::new(NULL),
            arena: [Bucket {
                initialised: AtomicBool::new(false),
                present: AtomicBool::new(false),
                value: AtomicUsize::new(0),
            }],
        });
        let keeper = {
            let local = Arc::clone(&local);
            thread::spawn(move || local.insert(VALUE))
        };
        let seen = local.iter(variant);
        assert!(matches!(seen, None | Some(VALUE)), "iterated {seen:?}");
        keeper.join().expect("the keeper does not panic");
    }
}
