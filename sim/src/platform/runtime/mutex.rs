//! The mutex: the scheduler's lock decides who holds it, a std lock keeps
//! the data; every lock is counted in its holder's locks (the oracle "no
//! blocking under a lock") and recorded while the thread acquires it (the
//! deadlock report's "acquiring a lock").

use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{Mutex, PoisonError};

use scenarios::{Oracle, Violation};

use super::SimRuntime;
use super::execution::hands_off;
use crate::platform::perturb::{Perturbation, perturbing};
use crate::platform::{ModelRuntime, Site};

/// Raises `violation` after releasing `guard`. A violation must not
/// unwind through a held scheduler lock: loom keeps lock data in a std mutex,
/// which unwinding would poison, and loom's next lock of it aborts the process.
pub(super) fn fail_releasing<G>(guard: G, violation: Violation) -> ! {
    drop(guard);
    violation.raise()
}

/// A mutex for simulation: the scheduler's mutex decides who holds it (so
/// the scheduler sees every acquisition), a std mutex keeps the data.
///
/// The split exists for unwinding under loom. A violation panics wherever it
/// is found, possibly with locks held, and the failing execution's objects
/// are then dropped, possibly outside the scheduler's reach. Loom aborts the
/// process when that touches its primitives (its lock state sits in std
/// mutexes that unwinding poisons). So under loom an unwinding thread never
/// touches the scheduler: it forgets a held scheduler guard and takes only
/// the data lock, which shrugs off poisoning; waits return at once,
/// notifications and spawns are skipped, atomics use their shadow. The
/// execution is failing anyway. Shuttle unwinds cleanly and needs none of it.
pub struct SimMutex<I: ModelRuntime, T: Send + 'static> {
    /// The runtime that made it, whose book counts its holders: a guard
    /// reaches it through the mutex rather than holding a clone per lock.
    runtime: SimRuntime<I>,
    pub(super) turn: I::Mutex<()>,
    pub(super) data: Mutex<T>,
}

/// Holds a [`SimMutex`]; counted in the holder's locks while alive.
pub struct SimGuard<'a, I: ModelRuntime, T: Send + 'static> {
    pub(super) mutex: &'a SimMutex<I, T>,
    /// `None` while released inside a wait, or when taken while unwinding.
    pub(super) turn: Option<I::Guard<'a, ()>>,
    /// `None` only while released inside a wait.
    pub(super) data: Option<std::sync::MutexGuard<'a, T>>,
    /// Whether the lock was counted in its holder's locks (not while unwinding).
    pub(super) counted: bool,
}

impl<I: ModelRuntime, T: Send + 'static> Deref for SimGuard<'_, I, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_ref().expect("guard is held outside waits")
    }
}

impl<I: ModelRuntime, T: Send + 'static> DerefMut for SimGuard<'_, I, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_mut().expect("guard is held outside waits")
    }
}

impl<I: ModelRuntime, T: Send + 'static> Drop for SimGuard<'_, I, T> {
    fn drop(&mut self) {
        drop(self.data.take());
        let turn = self.turn.take();
        if hands_off::<I>() {
            std::mem::forget(turn);
        } else {
            drop(turn);
        }
        self.mutex.runtime.note_lock_released(self.counted);
    }
}

pub(super) fn lock_data<T>(data: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    data.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The data lock for a thread unwinding without its scheduler turn. Threads
/// are coroutines on one OS thread: if a suspended one holds the data,
/// blocking here would hang the process, so fail loudly instead.
pub(super) fn lock_data_unwinding<T>(data: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match data.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => panic!(
            "harness: unwinding a failed loom execution needs a lock a suspended thread holds; \
             the failure above is the real report"
        ),
    }
}

impl<I: ModelRuntime> SimRuntime<I> {
    pub(super) fn make_mutex<T: Send + 'static>(&self, value: T) -> SimMutex<I, T> {
        SimMutex {
            runtime: self.clone(),
            turn: self.inner.mutex(()),
            data: Mutex::new(value),
        }
    }

    #[track_caller]
    pub(super) fn lock_mutex<'a, T: Send + 'static>(
        &self,
        mutex: &'a SimMutex<I, T>,
    ) -> SimGuard<'a, I, T> {
        let counted = !hands_off::<I>();
        if counted && perturbing(Perturbation::SchedulingPoints) {
            I::scheduling_point();
        }
        let turn = counted.then(|| self.take_turn(&mutex.turn, Location::caller()));
        SimGuard {
            mutex,
            turn,
            data: Some(if counted {
                lock_data(&mutex.data)
            } else {
                lock_data_unwinding(&mutex.data)
            }),
            counted,
        }
    }

    /// Takes `turn` for the calling thread, which locks at `at`: first the
    /// oracle "never waits", then the lock taken, recorded as acquiring
    /// meanwhile, then counted in the thread's locks. One look at the book
    /// before and one after: a lock is the platform's most frequent call.
    /// (Lock bookkeeping is skipped while unwinding: naming the thread
    /// would ask the scheduler, and the oracles are moot in a failing
    /// execution; the caller does not come here then.)
    fn take_turn<'a>(&self, turn: &'a I::Mutex<()>, at: Site) -> I::Guard<'a, ()> {
        let (key, thread) = (I::thread_key(), self.thread_name());
        let promised_never_to_wait = {
            let mut book = self.book();
            let call = book.never_waits.remove(&key);
            if call.is_none() {
                book.acquiring.insert(key, (thread, at));
            }
            call
        };
        if let Some(call) = promised_never_to_wait {
            self.never_waits_broken(call, "takes a lock", at).raise();
        }
        let taken = self.inner.lock(turn);
        let mut book = self.book();
        book.acquiring.remove(&key);
        *book.locks_held.entry(key).or_default() += 1;
        taken
    }

    pub(super) fn note_lock_released(&self, counted: bool) {
        if !counted {
            return;
        }
        let mut book = self.book();
        let key = I::thread_key();
        let held = book
            .locks_held
            .get_mut(&key)
            .expect("released a lock never taken");
        *held -= 1;
        if *held == 0 {
            book.locks_held.remove(&key);
        }
    }

    /// The oracle "never block while holding a lock": a condition-variable
    /// wait releases exactly one lock (`releases`: 1), so the waiter must
    /// hold no other; a park releases none.
    pub(super) fn lock_held_violation(
        &self,
        operation: &str,
        at: Site,
        releases: usize,
    ) -> Option<Violation> {
        let held = self
            .book()
            .locks_held
            .get(&I::thread_key())
            .copied()
            .unwrap_or(0);
        (held > releases).then(|| {
            let what = format!(
                "{operation} at {at} while holding {} other lock(s)",
                held - releases
            );
            Violation::new(
                Oracle::NoBlockingUnderLock,
                I::thread_name(),
                "wait while holding another lock",
                what,
            )
            .at(at)
        })
    }

    /// Runs `acquire` (taking a lock), recorded as blocked meanwhile.
    pub(super) fn acquiring<T>(&self, at: Site, acquire: impl FnOnce() -> T) -> T {
        let key = I::thread_key();
        let entry = (self.thread_name(), at);
        self.book().acquiring.insert(key, entry);
        let acquired = acquire();
        self.book().acquiring.remove(&key);
        acquired
    }
}

#[cfg(test)]
mod tests {
    use scenarios::Oracle;
    use store::Runtime;

    use super::super::testing::{broken_by, on_std};

    #[test]
    fn a_lock_inside_a_never_waits_call_breaks_never_waits() {
        let runtime = on_std();
        let mutex = runtime.mutex(0_u8);
        runtime.never_waits_begins("a log line");
        assert_eq!(broken_by(|| drop(runtime.lock(&mutex))), Oracle::NeverWaits);
    }

    #[test]
    fn a_guard_counts_in_its_holders_locks_until_it_is_dropped() {
        let runtime = on_std();
        let mutex = runtime.mutex(0_u8);
        let guard = runtime.lock(&mutex);
        assert_eq!(runtime.book().locks_held.values().sum::<usize>(), 1);
        drop(guard);
        assert!(runtime.book().locks_held.is_empty());
    }
}
