//! The condition variable: untimed waits the book sees (and the liveness
//! and deadlock oracles judge), spurious wake-ups as the scheduler draws
//! them, and timed waits that never block on a timer: they fire on the
//! virtual clock or wake early, as the scheduler chooses.

use std::panic::Location;
use std::time::Duration;

use scenarios::Violation;
use store::Clock;

use super::SimRuntime;
use super::book::{Blocking, ThreadBook, Waiter};
use super::execution::{Leaving, hands_off};
use super::mutex::{SimGuard, fail_releasing, lock_data};
use crate::platform::perturb::{Perturbation, perturbing};
use crate::platform::{ModelRuntime, ThreadKey, TimedEnd, What};

/// The chance, one in this many, that an untimed wait wakes spuriously,
/// where the scheduler can draw it (shuttle).
const SPURIOUS_WAKEUPS_ONE_IN: u64 = 8;

/// The same chance under the `spurious-wakeups` perturbation.
const SPURIOUS_WAKEUPS_PERTURBED_ONE_IN: u64 = 2;

/// The chance, one in this many, that an untimed wait or a park wakes
/// spuriously in this run.
pub(super) fn spurious_wakeups_one_in() -> u64 {
    if perturbing(Perturbation::SpuriousWakeups) {
        SPURIOUS_WAKEUPS_PERTURBED_ONE_IN
    } else {
        SPURIOUS_WAKEUPS_ONE_IN
    }
}

/// A condition variable's identity within one execution (its address;
/// stable because the store and scenarios never move a shared condvar).
pub(super) fn condvar_identity<C>(condvar: &C) -> usize {
    std::ptr::from_ref(condvar) as usize
}

impl<I: ModelRuntime> SimRuntime<I> {
    /// The verdict on thread `key` beginning `waiter`'s untimed wait (a
    /// condition variable's, or a park): a quiescent moment the judges
    /// reject, a deadlock, or a wait the wait judge rejects.
    pub(super) fn untimed_wait_violation(
        book: &ThreadBook,
        key: ThreadKey,
        waiter: &Waiter,
    ) -> Option<Violation> {
        let others_live = book.live_threads - 1;
        let me = waiter.blocked(&key, Blocking::Waiting);
        book.quiescence_violation(Some(me))
            .or_else(|| Self::deadlock_violation(book, others_live, Leaving::ToWait(waiter.at)))
            .or_else(|| book.wait_violation(key, None))
    }

    #[track_caller]
    pub(super) fn wait_on<'a, T>(
        &self,
        condvar: &I::Condvar,
        mut guard: SimGuard<'a, I, T>,
    ) -> SimGuard<'a, I, T>
    where
        T: Send + 'static + 'a,
    {
        if hands_off::<I>() {
            return guard;
        }
        let at = Location::caller();
        let violation = self
            .never_waits_violation("waits on a condition variable", at)
            .or_else(|| self.lock_held_violation("waits on a condition variable", at, 1));
        if let Some(violation) = violation {
            fail_releasing(guard, violation);
        }
        // Real condition variables may wake a waiter without a
        // notification, so every untimed wait may, as the scheduler draws it.
        let one_in = spurious_wakeups_one_in();
        if I::wake_spuriously(one_in) {
            self.record(What::WakesSpuriously { at });
            drop(guard.data.take());
            drop(guard.turn.take());
            I::yield_now();
            guard.turn = Some(self.acquiring(at, || self.inner.lock(&guard.mutex.turn)));
            guard.data = Some(lock_data(&guard.mutex.data));
            return guard;
        }
        let key = I::thread_key();
        let name = self.thread_name();
        {
            let mut book = self.book();
            let waiter = Waiter {
                thread: name,
                at,
                condvar: Some(condvar_identity(condvar)),
                notified: false,
            };
            if let Some(violation) = Self::untimed_wait_violation(&book, key, &waiter) {
                drop(book);
                fail_releasing(guard, violation);
            }
            book.waiting.insert(key, waiter);
        }
        self.record(What::Waits { at });
        drop(guard.data.take());
        let turn = guard
            .turn
            .take()
            .expect("a waiting thread holds its lock's turn");
        guard.turn = Some(self.inner.wait(condvar, turn));
        guard.data = Some(lock_data(&guard.mutex.data));
        self.book().waiting.remove(&key);
        guard
    }

    /// Releases the lock and lets the scheduler run others. Then, if
    /// notified meanwhile, wakes with time standing still; otherwise fires
    /// (virtual time jumps by `timeout`) or wakes spuriously, as the
    /// scheduler chooses; relocks. Never blocks, so a timeout nobody else
    /// would end cannot turn into a false deadlock. While others run, the
    /// thread counts as blocked on a timer for the liveness oracles.
    #[track_caller]
    pub(super) fn wait_on_timed<'a, T>(
        &self,
        condvar: &I::Condvar,
        mut guard: SimGuard<'a, I, T>,
        timeout: Duration,
    ) -> SimGuard<'a, I, T>
    where
        T: Send + 'static + 'a,
    {
        if hands_off::<I>() {
            return guard;
        }
        let at = Location::caller();
        let violation = self
            .never_waits_violation("waits with a timeout", at)
            .or_else(|| self.lock_held_violation("waits with a timeout", at, 1));
        if let Some(violation) = violation {
            fail_releasing(guard, violation);
        }
        let key = I::thread_key();
        let name = self.thread_name();
        {
            let mut book = self.book();
            let waiter = Waiter {
                thread: name,
                at,
                condvar: Some(condvar_identity(condvar)),
                notified: false,
            };
            let me = waiter.blocked(&key, Blocking::TimedWait);
            let violation = book
                .quiescence_violation(Some(me))
                .or_else(|| book.wait_violation(key, Some(timeout)));
            if let Some(violation) = violation {
                drop(book);
                fail_releasing(guard, violation);
            }
            book.timed.insert(key, waiter);
        }
        self.record(What::TimedWaitBegins { at });
        let started = self.clock.now();
        drop(guard.data.take());
        drop(guard.turn.take());
        I::yield_now();
        let notified = self
            .book()
            .timed
            .remove(&key)
            .is_some_and(|waiter| waiter.notified);
        let how = if notified {
            TimedEnd::Notified
        } else if I::fire_timeout_now() {
            self.clock.advance_to(started + timeout);
            TimedEnd::Fires {
                clock: self.clock.now().since_origin(),
            }
        } else {
            TimedEnd::WakesEarly
        };
        self.record(What::TimedWaitEnds { at, how });
        guard.turn = Some(self.acquiring(at, || self.inner.lock(&guard.mutex.turn)));
        guard.data = Some(lock_data(&guard.mutex.data));
        guard
    }

    pub(super) fn notify_every_waiter(&self, condvar: &I::Condvar) {
        let identity = condvar_identity(condvar);
        {
            // Released before the scheduler's notify, which may switch threads.
            let mut book = self.book();
            let book = &mut *book;
            let (waiting, timed) = (book.waiting.iter_mut(), book.timed.iter_mut());
            for (_, waiter) in waiting.chain(timed) {
                if waiter.condvar == Some(identity) {
                    waiter.notified = true;
                }
            }
        }
        if !hands_off::<I>() {
            self.inner.notify_all(condvar);
            if perturbing(Perturbation::SchedulingPoints) {
                I::scheduling_point();
            }
            if perturbing(Perturbation::Notifications) {
                I::scheduling_point();
                self.inner.notify_all(condvar);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;
    use std::sync::Arc;
    use std::time::Duration;

    use scenarios::Oracle;
    use store::Runtime;

    use super::super::book::Waiter;
    use super::super::testing::{broken_by, on_std};
    use super::condvar_identity;
    use crate::platform::ThreadKey;

    #[test]
    fn a_wait_while_holding_another_lock_breaks_no_blocking_under_lock() {
        let runtime = on_std();
        let (outer, inner) = (runtime.mutex(()), runtime.mutex(()));
        let condvar = runtime.condvar();
        let _outer = runtime.lock(&outer);
        let guard = runtime.lock(&inner);
        let oracle = broken_by(|| {
            drop(runtime.wait_timeout(&condvar, guard, Duration::from_millis(5)));
        });
        assert_eq!(oracle, Oracle::NoBlockingUnderLock);
    }

    #[test]
    fn an_untimed_wait_with_no_other_live_thread_is_a_deadlock() {
        let runtime = on_std();
        let mutex = runtime.mutex(());
        let condvar = runtime.condvar();
        let guard = runtime.lock(&mutex);
        assert_eq!(
            broken_by(|| drop(runtime.wait(&condvar, guard))),
            Oracle::NoDeadlock
        );
    }

    #[test]
    fn a_notification_reaches_the_waiters_of_that_condvar_only() {
        let runtime = on_std();
        let (notified, other) = (runtime.condvar(), runtime.condvar());
        let waiter = |condvar| Waiter {
            thread: Arc::from("waiter"),
            at: Location::caller(),
            condvar: Some(condvar),
            notified: false,
        };
        {
            let mut book = runtime.book();
            book.waiting
                .insert(ThreadKey(1), waiter(condvar_identity(&notified)));
            book.timed
                .insert(ThreadKey(2), waiter(condvar_identity(&other)));
        }
        runtime.notify_all(&notified);
        let book = runtime.book();
        assert!(book.waiting[&ThreadKey(1)].notified);
        assert!(!book.timed[&ThreadKey(2)].notified);
    }
}
