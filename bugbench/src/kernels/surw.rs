//! The motivating examples of SURW (Zhao, Wolff, Mathur and Roychoudhury,
//! "Selectively Uniform Concurrency Testing", ASPLOS 2025), as shuttle's
//! own demonstration of its URW scheduler states them
//! (awslabs/shuttle, `shuttle/tests/demo/surw.rs`): one thread makes a
//! single write, and other work makes many; the failing schedules are
//! those where the single write comes after all the others. A random walk
//! picks among runnable threads evenly at each step, so the lone write
//! almost always lands early: the chance it waits through `n` other events
//! halves with each one. A walk uniform over interleavings puts it last
//! once in `n + 1`.
//!
//! Two shapes: the many writes in one long thread, or in as many threads
//! of one write each. These are not bugs of a published crate but the
//! scheduler study's own programs, kept beside SCTBench's.
//!
//! Class: order violation. The fix makes the other writers wait at a gate
//! the lone writer opens once it has written.
//!
//! Oracle: the lone write is not the last one.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;

    use sync::atomic::AtomicUsize;
    use sync::{Condvar, Mutex};

    use crate::Variant;

    /// Writes of the other side, as in shuttle's demonstration.
    const OTHER_WRITES: usize = 25;

    /// The value written, and in the fixed variant the gate the other
    /// writers wait at until the lone write is done.
    struct Shared {
        value: AtomicUsize,
        written: Mutex<bool>,
        opened: Condvar,
    }

    impl Shared {
        /// Only the fixed variant has a gate: in the buggy one the lone
        /// thread makes its one write and nothing else, as in the study,
        /// where a uniform walk puts that write last once in 26 runs.
        fn open_gate(&self, variant: Variant) {
            if variant == Variant::Fixed {
                *self.written.lock().expect("no writer panics") = true;
                self.opened.notify_all();
            }
        }

        fn pass_gate(&self, variant: Variant) {
            if variant == Variant::Fixed {
                // A loop of `wait`: loom's condition variable has no `wait_while`.
                let mut written = self.written.lock().expect("no writer panics");
                while !*written {
                    written = self.opened.wait(written).expect("no writer panics");
                }
            }
        }
    }

    /// Starts the thread that writes 0 once, and the others, each given by
    /// `spawn_others`; then checks that the lone write is not the last.
    fn lone_write_last(
        variant: Variant,
        spawn_others: impl FnOnce(&Arc<Shared>) -> Vec<thread::JoinHandle<()>>,
    ) {
        let shared = Arc::new(Shared {
            value: AtomicUsize::new(1),
            written: Mutex::new(false),
            opened: Condvar::new(),
        });
        let lone = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                shared.value.store(0, SeqCst);
                shared.open_gate(variant);
            })
        };
        let others = spawn_others(&shared);
        for thread in others.into_iter().chain([lone]) {
            thread.join().expect("a writer does not panic");
        }
        assert_eq!(shared.value.load(SeqCst), 1, "the lone write came last");
    }

    /// One thread writes once, one thread writes 25 times.
    pub(crate) fn uneven_lengths(variant: Variant) {
        lone_write_last(variant, |shared| {
            let shared = Arc::clone(shared);
            vec![thread::spawn(move || {
                shared.pass_gate(variant);
                for _ in 0..OTHER_WRITES {
                    shared.value.store(1, SeqCst);
                }
            })]
        });
    }

    /// One thread writes once, 25 threads write once each.
    pub(crate) fn uneven_creation(variant: Variant) {
        lone_write_last(variant, |shared| {
            (0..OTHER_WRITES)
                .map(|_| {
                    let shared = Arc::clone(shared);
                    thread::spawn(move || {
                        shared.pass_gate(variant);
                        shared.value.store(1, SeqCst);
                    })
                })
                .collect()
        });
    }
}
