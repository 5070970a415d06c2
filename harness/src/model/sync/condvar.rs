//! `Condvar`. An untimed wait is the engine's own wait (and, under
//! shuttle, wakes without a notification one time in
//! [`SPURIOUS_WAKEUPS_ONE_IN`], as real ones may). A timed wait never
//! blocks on a timer: it releases the lock, lets the scheduler run others,
//! and then ends notified, fired (the virtual clock jumps to its end) or
//! early, as the scheduler chooses; shuttle's and loom's own timed waits
//! never time out.

use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LockResult, PoisonError};
use std::time::Duration;

use super::mutex::{LoomHeld, Mutex, MutexGuard, TurnGuard};
use crate::model::deadlock::StuckOn;
use crate::model::execution::{self, Flavour, NotifyOne};
use crate::model::facts::{Op, TimedEnd};
use crate::model::liveness::{Blocking, Site};
use crate::model::outsider::MadeIn;
use crate::model::quiescence::Wait;
use crate::model::time::Instant;

/// An untimed wait under shuttle returns without a notification with a
/// chance of one in this many: code that waits without a loop breaks.
pub const SPURIOUS_WAKEUPS_ONE_IN: u64 = 8;

/// Hands out condition variable ids in order of making, so the book of
/// waits iterates the same way in every replay.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A condition variable, as `std::sync::Condvar`.
pub struct Condvar {
    id: u64,
    /// What an untimed wait on it is, in a deadlock's words: a
    /// notification of the code's own condition variable, or what one of
    /// the model's own primitives waits for on it (a message, room, a
    /// barrier's other parties, a once-cell's initialisation).
    awaits: StuckOn,
    inner: Inner,
    /// The run that made it, which a thread it does not run may not use
    /// it in ([`outsider`]).
    made_in: MadeIn,
}

enum Inner {
    Std(std::sync::Condvar),
    Shuttle(shuttle::sync::Condvar),
    Loom(loom::sync::Condvar),
}

/// Whether a timed wait returned because its timeout fired, as
/// `std::sync::WaitTimeoutResult`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// Whether the timeout fired.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A condition variable of the calling thread's engine.
    pub fn new() -> Condvar {
        Condvar::awaiting(StuckOn::Condvar)
    }

    /// A condition variable of the model's own, whose untimed waits a
    /// deadlock names as waits for `awaits`.
    pub(crate) fn awaiting(awaits: StuckOn) -> Condvar {
        let inner = match execution::flavour() {
            Flavour::Std => Inner::Std(std::sync::Condvar::new()),
            Flavour::Shuttle => Inner::Shuttle(shuttle::sync::Condvar::new()),
            Flavour::Loom => Inner::Loom(loom::sync::Condvar::new()),
        };
        Condvar {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            awaits,
            inner,
            made_in: MadeIn::here(),
        }
    }

    /// Releases `guard`'s lock, waits for a notification, takes the lock again.
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_at(guard, Location::caller())
    }

    /// Waits as [`Condvar::wait`], as a fact at `at`: for the model's own
    /// primitives, which wait for the line that made them (a channel's
    /// iterator, whose `next` the caller's adapter calls).
    pub(crate) fn wait_at<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        at: Site,
    ) -> LockResult<MutexGuard<'a, T>> {
        execution::record(Op::Wait, at);
        self.made_in.refuse_strangers();
        // The wait releases this lock, so it does not count as held. On a
        // violation the lock is released before the panic, so no destructor
        // (a channel's, whose own lock this may be) finds it poisoned.
        drop(guard.hold.take());
        if let Err(violation) = execution::judge(Blocking::Wait, at) {
            drop(guard);
            violation.raise();
        }
        let MutexGuard {
            mutex, data, turn, ..
        } = guard;
        let run = execution::current();
        if let Some(run) = &run {
            if run.one_in(SPURIOUS_WAKEUPS_ONE_IN) {
                run.record(Op::WakesSpuriously, at);
                // The data first, so the next holder of the turn finds it free.
                drop(data);
                drop(turn);
                run.yield_now();
                return retake(mutex, at);
            }
            run.untimed_wait_begins(self.id);
            run.wait_begins(
                Wait::Condvar {
                    id: self.id,
                    timed: false,
                    awaits: self.awaits,
                },
                None,
                at,
            );
            // No notification is pending for a condition variable, so the
            // caller is as good as blocked: a moment it completes is judged,
            // and a deadlock it completes is raised, the lock let go first.
            run.judge_if_quiescent();
            if let Err(deadlock) = run.deadlocked() {
                drop(data);
                drop(turn);
                deadlock.raise();
            }
        }
        let woken = match (&self.inner, turn) {
            (Inner::Std(condvar), Some(TurnGuard::Std)) => match &run {
                // On real threads the run wakes its waiters itself, so its
                // book knows which waiter a `notify_one` woke.
                Some(run) => {
                    run.wait_on_real_threads(self.id, || drop(data));
                    retake(mutex, at)
                }
                None => {
                    let data = data.expect("a guard holds its data until dropped");
                    mutex.with_data(TurnGuard::Std, condvar.wait(data), mutex.hold_taken(at))
                }
            },
            (Inner::Shuttle(condvar), Some(TurnGuard::Shuttle(turn))) => {
                drop(data);
                let turn = condvar.wait(turn).unwrap_or_else(PoisonError::into_inner);
                mutex.with_data(
                    TurnGuard::Shuttle(turn),
                    mutex.data().lock(),
                    mutex.hold_taken(at),
                )
            }
            (Inner::Loom(condvar), Some(TurnGuard::Loom(held))) => {
                drop(data);
                let (turn, unwound) = held.into_parts();
                let turn = condvar.wait(turn).unwrap_or_else(PoisonError::into_inner);
                mutex.with_data(
                    TurnGuard::Loom(LoomHeld::new(turn, unwound)),
                    mutex.data().lock(),
                    mutex.hold_taken(at),
                )
            }
            _ => panic!("a condition variable waits with a mutex of another run"),
        };
        if let Some(run) = &run {
            run.untimed_wait_ends(self.id);
        }
        woken
    }

    /// Waits while `condition` holds.
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Waits for a notification or `ms` milliseconds, as std's deprecated
    /// method: `false` if the timeout is known to have elapsed.
    #[deprecated(since = "1.6.0", note = "replaced by `Condvar::wait_timeout`")]
    #[track_caller]
    pub fn wait_timeout_ms<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        ms: u32,
    ) -> LockResult<(MutexGuard<'a, T>, bool)> {
        let in_time =
            |(guard, waited): (MutexGuard<'a, T>, WaitTimeoutResult)| (guard, !waited.timed_out());
        match self.wait_timeout(guard, Duration::from_millis(u64::from(ms))) {
            Ok(waited) => Ok(in_time(waited)),
            Err(poisoned) => Err(PoisonError::new(in_time(poisoned.into_inner()))),
        }
    }

    /// Waits for a notification or `timeout`, whichever comes first (in a
    /// run: as the scheduler chooses, on virtual time).
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let at = Location::caller();
        self.made_in.refuse_strangers();
        let Some(run) = execution::current() else {
            return self.wait_timeout_for_real(guard, timeout, at);
        };
        let Some(ends) = run.timeout_ends(timeout) else {
            // Past the clock's horizon: a wait for a notification alone.
            return never_timed_out(self.wait(guard));
        };
        let ticket = run.timed_wait_begins(self.id);
        run.record(Op::TimedWait(timeout), at);
        let started = run.now();
        // Armed before the lock is let go, as a real timeout starts when
        // the wait lets the lock go: a thread that takes the lock then and
        // sleeps past the timeout finds the timer in its way, not time free
        // to move past it.
        let timer = run.arm_timer(ends);
        let mutex = guard.mutex;
        drop(guard);
        execution::may(Blocking::Wait, at);
        let wait = Wait::Condvar {
            id: self.id,
            timed: true,
            awaits: self.awaits,
        };
        let end = if run.wait_on_time((wait, at), (started, timeout), || {
            run.timed_wait_ends(ticket)
        }) {
            TimedEnd::Notified
        } else if timer.fires_now() {
            TimedEnd::Fired
        } else {
            TimedEnd::WokeEarly
        };
        run.record(Op::TimedWaitEnds(end), at);
        // Ended by its timer or early, the thread goes on at once, and its
        // timer lingers meanwhile, through the retake too (a holder of the
        // lock that waits for the timer spins it out); notified, it was
        // woken for a reason of another thread's, and its timeout no
        // longer counts.
        match end {
            TimedEnd::WokeEarly | TimedEnd::Fired => timer.linger(),
            TimedEnd::Notified => drop(timer),
        }
        let timed_out = WaitTimeoutResult(end == TimedEnd::Fired);
        match retake(mutex, at) {
            Ok(guard) => Ok((guard, timed_out)),
            Err(poisoned) => Err(PoisonError::new((poisoned.into_inner(), timed_out))),
        }
    }

    /// Waits while `condition` holds, for at most `timeout`.
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            // A deadline no clock reaches: a wait for the condition alone.
            return never_timed_out(self.wait_while(guard, condition));
        };
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok((guard, WaitTimeoutResult(true)));
            }
            guard = match self.wait_timeout(guard, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => {
                    let (guard, _) = poisoned.into_inner();
                    return Err(PoisonError::new((guard, WaitTimeoutResult(false))));
                }
            };
        }
    }

    /// Wakes one waiter, if any.
    #[track_caller]
    pub fn notify_one(&self) {
        execution::record(Op::NotifyOne, Location::caller());
        let running = self.made_in.refuse_strangers();
        let reaches =
            execution::current().map_or(NotifyOne::Condvar, |run| run.notify_one(self.id));
        if let NotifyOne::Condvar = reaches {
            match &self.inner {
                Inner::Std(condvar) => condvar.notify_one(),
                _ if running == Flavour::Std => outlived_its_run(),
                Inner::Shuttle(condvar) => condvar.notify_one(),
                Inner::Loom(condvar) => condvar.notify_one(),
            }
        }
    }

    /// Wakes every waiter.
    #[track_caller]
    pub fn notify_all(&self) {
        self.notify_all_at(Location::caller());
    }

    /// Wakes every waiter, as a fact at `at`: for the model's own
    /// primitives, which notify from a guard's `drop`.
    ///
    /// The engine's notification goes first, and the book's after it, as
    /// it takes effect: shuttle's lets the others run before it wakes
    /// anyone, and a thread that begins to wait meanwhile is woken too.
    /// Booked first, the book counted only the waiters before, and the
    /// newcomer's return used up a wake-up of a waiter that had not yet
    /// run: every thread of a barrier's next round seemed to wait, a
    /// deadlock of a correct barrier.
    pub(crate) fn notify_all_at(&self, at: Site) {
        let running = self.made_in.refuse_strangers();
        match &self.inner {
            Inner::Std(condvar) => condvar.notify_all(),
            _ if running == Flavour::Std => outlived_its_run(),
            Inner::Shuttle(condvar) => condvar.notify_all(),
            Inner::Loom(condvar) => condvar.notify_all(),
        }
        execution::record(Op::NotifyAll, at);
        if let Some(run) = execution::current() {
            run.notify_all(self.id);
        }
    }

    /// Outside any run: std's own timed wait, on real time.
    fn wait_timeout_for_real<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
        at: Site,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let MutexGuard {
            mutex, data, turn, ..
        } = guard;
        let (Inner::Std(condvar), Some(TurnGuard::Std)) = (&self.inner, turn) else {
            panic!("a condition variable of a run waits outside it");
        };
        let data = data.expect("a guard holds its data until dropped");
        let (data, timed_out) = match condvar.wait_timeout(data, timeout) {
            Ok((data, result)) => (Ok(data), result.timed_out()),
            Err(poisoned) => {
                let (data, result) = poisoned.into_inner();
                (Err(PoisonError::new(data)), result.timed_out())
            }
        };
        match mutex.with_data(TurnGuard::Std, data, mutex.hold_taken(at)) {
            Ok(guard) => Ok((guard, WaitTimeoutResult(timed_out))),
            Err(poisoned) => Err(PoisonError::new((
                poisoned.into_inner(),
                WaitTimeoutResult(timed_out),
            ))),
        }
    }
}

/// The result of an untimed wait, as a timed wait's whose timeout did not
/// fire.
fn never_timed_out<G>(waited: LockResult<G>) -> LockResult<(G, WaitTimeoutResult)> {
    match waited {
        Ok(guard) => Ok((guard, WaitTimeoutResult(false))),
        Err(poisoned) => Err(PoisonError::new((
            poisoned.into_inner(),
            WaitTimeoutResult(false),
        ))),
    }
}

/// Takes `mutex` again after a wait at `at`.
fn retake<T>(mutex: &Mutex<T>, at: Site) -> LockResult<MutexGuard<'_, T>> {
    mutex.with_data(mutex.take_turn(), mutex.data().lock(), mutex.hold_taken(at))
}

/// Unwind-safe, as std's: a panic while one is borrowed leaves no state of
/// its own half-changed (its waiters are its engine's, which a run that
/// panics tears down). `Once`, `OnceLock`, `LazyLock` and `Barrier`, which
/// wait on one, are unwind-safe through it, as std's are.
impl std::panic::UnwindSafe for Condvar {}

impl std::panic::RefUnwindSafe for Condvar {}

impl Default for Condvar {
    fn default() -> Condvar {
        Condvar::new()
    }
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

/// A notification of an engine's condition variable after its run ended
/// (a failed run's leftovers being dropped, as a mutex's turn): nobody can
/// wait on it any more, and the engine can no longer be asked, so it wakes
/// nobody. A thread the engine does not run, notifying it, has failed the
/// run already ([`MadeIn::refuse_strangers`]).
fn outlived_its_run() {}
