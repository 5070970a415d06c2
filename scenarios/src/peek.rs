//! A value one party owns and another only reads: how the platform's judges
//! read a store's counts without ever owning the store.
//!
//! A judge runs inside the platform's bookkeeping, under its locks. If it
//! held a strong reference to a store while the store's owner dropped its
//! own, the judge's reference would be the last, and the store's destructor
//! (which begins closing, and so locks the platform) would run inside the
//! judge: a self-deadlock of the harness on a correct store. So the reader
//! holds a [`Peek`], which lends the value only while the owner's
//! [`Owned`] is alive, and the owner's drop waits for a loan in progress to
//! end before it lets go. The owner's reference is therefore always the
//! last, and the value's destructor always runs on the owner's thread.
//!
//! The gate is a plain std mutex: a loan never blocks or yields (a judge
//! reads atomics without a scheduling point), so no scheduler sees it.

use std::ops::Deref;
#[cfg(test)]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError, Weak};

/// The owner's side: derefs to the value, and drops it as the last owner.
pub(crate) struct Owned<T> {
    value: Arc<T>,
    gate: Arc<Gate<T>>,
}

/// The reader's side: lends the value while its owner lives. Clones share
/// the gate.
pub(crate) struct Peek<T> {
    gate: Arc<Gate<T>>,
}

struct Gate<T> {
    /// The value while its owner lives; a dangling `Weak` once it retired.
    target: Mutex<Weak<T>>,
    /// How many times an owner's drop found a loan in progress and waited:
    /// what lets a test order the race it pins.
    #[cfg(test)]
    owners_held_back: AtomicUsize,
}

impl<T> Gate<T> {
    fn target(&self) -> MutexGuard<'_, Weak<T>> {
        self.target.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Owned<T> {
    /// Owns `value`.
    pub(crate) fn new(value: T) -> Owned<T> {
        let value = Arc::new(value);
        let gate = Arc::new(Gate {
            target: Mutex::new(Arc::downgrade(&value)),
            #[cfg(test)]
            owners_held_back: AtomicUsize::new(0),
        });
        Owned { value, gate }
    }

    /// A reader's side of this value.
    pub(crate) fn peek(&self) -> Peek<T> {
        Peek {
            gate: Arc::clone(&self.gate),
        }
    }
}

impl<T> Deref for Owned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Drop for Owned<T> {
    /// Retires the value from every reader, waiting for a loan in progress
    /// to end; then the owner's reference, the last, drops the value.
    fn drop(&mut self) {
        let mut target = match self.gate.target.try_lock() {
            Ok(target) => target,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                #[cfg(test)]
                self.gate.owners_held_back.fetch_add(1, Ordering::SeqCst);
                self.gate.target()
            }
        };
        *target = Weak::new();
        drop(target);
        debug_assert_eq!(
            Arc::strong_count(&self.value),
            1,
            "only the owner holds the value once no loan is in progress"
        );
    }
}

impl<T> Peek<T> {
    /// `read` of the value, if its owner still lives; `None` once it let go.
    /// The owner cannot let go until `read` returns, and the loan ends
    /// before the gate opens, so the loan is never the last reference.
    pub(crate) fn with<R>(&self, read: impl FnOnce(&T) -> R) -> Option<R> {
        let target = self.gate.target();
        let value = target.upgrade()?;
        let read = read(&value);
        drop(value);
        drop(target);
        Some(read)
    }

    /// How many times an owner's drop waited for a loan in progress to end.
    #[cfg(test)]
    pub(crate) fn owners_held_back(&self) -> usize {
        self.gate.owners_held_back.load(Ordering::SeqCst)
    }
}

impl<T> Clone for Peek<T> {
    fn clone(&self) -> Self {
        Peek {
            gate: Arc::clone(&self.gate),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::thread;

    use super::*;

    /// Sends the name of the thread that drops it.
    struct DropReporter(mpsc::Sender<String>);

    impl Drop for DropReporter {
        fn drop(&mut self) {
            let name = thread::current().name().unwrap_or("unnamed").to_owned();
            self.0.send(name).expect("the test listens");
        }
    }

    fn named(name: &str, body: impl FnOnce() + Send + 'static) -> thread::JoinHandle<()> {
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(body)
            .expect("a thread")
    }

    /// The race of the harness's self-deadlock, made deterministic: the
    /// owner lets go while a reader is inside a loan. Whatever the order,
    /// the value's destructor must run on the owner's thread, never inside
    /// the reader's loan (for a judge, under the platform's lock).
    #[test]
    fn an_owner_letting_go_during_a_loan_runs_the_destructor_itself() {
        let (dropped_by, drops) = mpsc::channel();
        let owned = Owned::new(DropReporter(dropped_by));
        let (peek, watch) = (owned.peek(), owned.peek());
        let (inside, entered) = mpsc::channel();
        let (leave, left) = mpsc::channel::<()>();
        let reader = named("reader", move || {
            let lent = peek.with(|_| {
                inside.send(()).expect("the test listens");
                left.recv().expect("the test says when to leave");
            });
            assert!(lent.is_some(), "the owner lived when the loan began");
        });
        entered.recv().expect("the reader is inside its loan");
        let owner = named("owner", move || drop(owned));
        // The owner has let go for good, or waits at the gate for the loan:
        // either way the reader leaves its loan only after that.
        while !owner.is_finished() && watch.owners_held_back() == 0 {
            thread::yield_now();
        }
        leave.send(()).expect("the reader waits");
        reader.join().expect("the reader returns");
        owner.join().expect("the owner returns");
        assert_eq!(drops.recv().expect("dropped once"), "owner");
    }

    #[test]
    fn a_loan_after_the_owner_let_go_lends_nothing() {
        let owned = Owned::new(7_u32);
        let peek = owned.peek();
        assert_eq!(peek.with(|value| *value), Some(7));
        drop(owned);
        assert_eq!(peek.with(|value| *value), None);
        assert_eq!(peek.owners_held_back(), 0);
    }
}
