//! crossbeam-deque's work-stealing deque: a batch steal reads its tasks
//! from a buffer the worker has since swapped out, and takes a task the
//! worker already popped while the one that took its place is lost.
//!
//! Source: crossbeam-rs/crossbeam PR #726 ("Fix deque steal race
//! condition", commit 38c07fcf), RUSTSEC-2021-0093 (CVE-2021-32810).
//! Affected: crossbeam-deque before 0.7.4 and 0.8.1. Class: atomicity
//! violation ("one or more tasks in the worker queue can be popped twice
//! instead of other tasks that are forgotten and never popped").
//!
//! The worker pushes and pops at the back of a Chase-Lev deque; stealers
//! take from the front with a compare-exchange of the front index. A
//! stealer loads the buffer once, then (for a LIFO worker) steals its batch
//! one task at a time, re-reading the back index before each. Meanwhile the
//! worker pops the tasks behind the stealer's next one (no compare-exchange
//! is needed while more than one task is left), shrinks the buffer, which
//! copies the tasks from the front into a new one and swaps it in, and
//! pushes a new task at the index it just popped. The stealer reads that
//! index from the old buffer, finds the popped task there, and its
//! compare-exchange succeeds: the front never moved. The fix checks, before
//! each compare-exchange, that the buffer was not swapped. (The advisory's
//! own account is not public; this interleaving follows from the fix.)
//!
//! Buffers are slots of an arena here, a task a number, and the oracle
//! counts what the worker and the stealer took.
//!
//! Oracle: every task pushed is taken exactly once.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};

    use sync::atomic::{AtomicIsize, AtomicUsize, fence};

    use crate::Variant;

    /// Slots per buffer: the first holds every task, the second (after a
    /// shrink) half as many.
    const CAPACITY: [usize; 2] = [8, 4];

    /// No task in a slot.
    const NONE: usize = 0;

    struct Deque {
        front: AtomicIsize,
        back: AtomicIsize,
        /// The buffer stealers read: its arena slot.
        buffer: AtomicUsize,
        /// Two buffers: the first, and the one a shrink copies into.
        arena: [[AtomicUsize; 8]; 2],
    }

    impl Deque {
        fn slot(&self, buffer: usize, index: isize) -> &AtomicUsize {
            &self.arena[buffer][index as usize % CAPACITY[buffer]]
        }
    }

    /// The worker's end: its own view of the current buffer.
    struct Worker {
        deque: Arc<Deque>,
        buffer: usize,
    }

    impl Worker {
        fn push(&mut self, task: usize) {
            let b = self.deque.back.load(Relaxed);
            self.deque.slot(self.buffer, b).store(task, Relaxed);
            fence(Release);
            self.deque.back.store(b + 1, Release);
        }

        /// Pops from the back, as a LIFO worker does.
        fn pop(&mut self) -> Option<usize> {
            let deque = Arc::clone(&self.deque);
            let b = deque.back.load(Relaxed) - 1;
            deque.back.store(b, Relaxed);
            fence(SeqCst);
            let f = deque.front.load(Relaxed);
            let len = b - f;
            if len < 0 {
                deque.back.store(b + 1, Relaxed);
                return None;
            }
            let task = deque.slot(self.buffer, b).load(Relaxed);
            if len == 0 {
                // The last task: race the stealers for it.
                let won = deque.front.compare_exchange(f, f + 1, SeqCst, Relaxed).is_ok();
                deque.back.store(b + 1, Relaxed);
                return won.then_some(task);
            }
            if self.buffer == 0 && (len as usize) < CAPACITY[0] / 4 {
                self.shrink();
            }
            Some(task)
        }

        /// Copies the tasks into the smaller buffer and swaps it in.
        fn shrink(&mut self) {
            let (b, f) = (self.deque.back.load(Relaxed), self.deque.front.load(Relaxed));
            let new = 1;
            for index in f..b {
                let task = self.deque.slot(self.buffer, index).load(Relaxed);
                self.deque.slot(new, index).store(task, Relaxed);
            }
            self.buffer = new;
            self.deque.buffer.store(new, Release);
        }
    }

    /// Steals half the tasks, one at a time, as from a LIFO worker.
    fn steal_batch(deque: &Deque, variant: Variant) -> Vec<usize> {
        let first = deque.front.load(Acquire);
        fence(SeqCst);
        let len = deque.back.load(Acquire) - first;
        if len <= 0 {
            return Vec::new();
        }
        let batch = (len + 1) / 2;
        let buffer = deque.buffer.load(Acquire);
        let mut stolen = Vec::new();
        for f in first..first + batch {
            if f > first {
                fence(SeqCst);
                if deque.back.load(Acquire) - f <= 0 {
                    break;
                }
            }
            let task = deque.slot(buffer, f).load(Relaxed);
            if variant == Variant::Fixed && deque.buffer.load(Acquire) != buffer {
                break;
            }
            if deque.front.compare_exchange(f, f + 1, SeqCst, Relaxed).is_err() {
                break;
            }
            stolen.push(task);
        }
        stolen
    }

    /// The worker pushes three tasks, a thief steals a batch while the
    /// worker pops two, shrinks, pushes a fourth and drains the rest.
    pub(crate) fn run(variant: Variant) {
        let deque = Arc::new(Deque {
            front: AtomicIsize::new(0),
            back: AtomicIsize::new(0),
            buffer: AtomicUsize::new(0),
            arena: std::array::from_fn(|_| std::array::from_fn(|_| AtomicUsize::new(NONE))),
        });
        let mut worker = Worker {
            deque: Arc::clone(&deque),
            buffer: 0,
        };
        for task in 1..=3 {
            worker.push(task);
        }
        let thief = {
            let deque = Arc::clone(&deque);
            thread::spawn(move || steal_batch(&deque, variant))
        };
        let mut taken: Vec<usize> = (0..2).filter_map(|_| worker.pop()).collect();
        worker.push(4);
        while let Some(task) = worker.pop() {
            taken.push(task);
        }
        taken.extend(thief.join().expect("the thief does not panic"));
        taken.sort_unstable();
        assert_eq!(taken, [1, 2, 3, 4], "a task was taken twice, or never");
    }
}
