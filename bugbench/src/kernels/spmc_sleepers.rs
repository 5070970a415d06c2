//! spmc's count of sleeping receivers, with orderings too weak: a lost
//! wake-up.
//!
//! Source: seanmonstar/spmc #10, fixed by PR #11 (commit e15d95f, "Fix
//! invalid atomic orderings found via loom"), released in 0.2.3.
//! Affected: up to 0.2.2. Class: weak memory.
//!
//! `send` publishes the message (a `Release` store of the queue's link),
//! then loads the number of sleeping receivers (`Acquire`) and notifies
//! only if it is not zero. `recv`, under the sleepers' lock, increments
//! that number (`Relaxed`), then looks at the queue (`Acquire`) and waits
//! if it is empty. That is Dekker's pattern, a store then a load on each
//! side, and only a total order forbids both loads reading the old value:
//! the sender sees no sleeper and the receiver no message, and the receiver
//! waits forever. Under sequential consistency it cannot happen, so a
//! scheduler of interleavings alone never finds it. The fix made the
//! accesses `SeqCst`; loom regards a `SeqCst` access as `AcqRel` (its
//! README) and would raise a false alarm, so the fixed variant here states
//! the same total order with a `SeqCst` fence on each side, which loom
//! models.
//!
//! Oracle: a receiver waiting for a sent message is woken; a run where it
//! is not ends in a deadlock, which every tool reports.

crate::on_every_tool! {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};

    use sync::atomic::{AtomicUsize, fence};
    use sync::{Condvar, Mutex};

    use crate::Variant;

    /// No message: the queue's link is null.
    const EMPTY: usize = 0;

    struct Channel {
        /// The queue's one link: a message once published.
        message: AtomicUsize,
        /// Receivers between their increment and their decrement.
        sleepers: AtomicUsize,
        /// The lock the condition variable needs; it guards nothing else.
        sleeping: Mutex<()>,
        wake: Condvar,
    }

    impl Channel {
        fn take(&self) -> Option<usize> {
            // A plain load may read an old value; a swap alone would not.
            if self.message.load(Acquire) == EMPTY {
                return None;
            }
            Some(self.message.swap(EMPTY, Acquire))
        }

        fn send(&self, message: usize, variant: Variant) {
            self.message.store(message, Release);
            if variant == Variant::Fixed {
                fence(SeqCst);
            }
            if self.sleepers.load(Acquire) > 0 {
                let _sleeping = self.sleeping.lock().expect("nobody panics holding it");
                self.wake.notify_one();
            }
        }

        fn recv(&self, variant: Variant) -> usize {
            if let Some(message) = self.take() {
                return message;
            }
            let mut sleeping = self.sleeping.lock().expect("nobody panics holding it");
            self.sleepers.fetch_add(1, Relaxed);
            if variant == Variant::Fixed {
                fence(SeqCst);
            }
            let message = loop {
                if let Some(message) = self.take() {
                    break message;
                }
                sleeping = self.wake.wait(sleeping).expect("nobody panics holding it");
            };
            self.sleepers.fetch_sub(1, Relaxed);
            message
        }
    }

    /// One sender, one receiver, one message.
    pub(crate) fn run(variant: Variant) {
        let channel = Arc::new(Channel {
            message: AtomicUsize::new(EMPTY),
            sleepers: AtomicUsize::new(0),
            sleeping: Mutex::new(()),
            wake: Condvar::new(),
        });
        let sender = {
            let channel = Arc::clone(&channel);
            thread::spawn(move || channel.send(7, variant))
        };
        assert_eq!(channel.recv(variant), 7);
        sender.join().expect("the sender does not panic");
    }
}
