//! The turn a once-cell's initialisers take one at a time, the wake-up
//! of threads waiting for a turn to end (`Once::wait`, `OnceLock::wait`),
//! and the flag that says the cell is done.
//!
//! The flag is an atomic of the model's: a look at the cell loads it with
//! `Acquire`, and the turn that completes the cell stores it with
//! `Release`, as std's cells load and store their state. So the look is
//! a scheduling point like any load (not a yield, which would make PCT
//! lower the thread and loom run every other thread first, so that loom
//! never ran a look before another thread's initialisation), and loom
//! orders what an initialiser wrote before what a thread that sees the
//! cell done reads.
//!
//! Its lock and condition variable are made by the first caller of each
//! run, of that run ([`PerRun`]), so a static once-cell's turn is never an
//! object of a run that has ended; making them never yields, so the std
//! cell that holds them is never contended and never blocks an OS thread
//! the engine has switched away from. They are the model's own, so a turn is a
//! scheduling point and a fact at the caller's line, and a thread that
//! waits for an initialisation nobody makes is a deadlock the engines
//! report.

use std::panic::Location;
use std::sync::PoisonError;

use super::atomic::{AtomicBool, Ordering};
use super::{Condvar, Mutex, MutexGuard};
use crate::model::deadlock::{Deadlock, Stuck, StuckOn};
use crate::model::execution;
use crate::model::facts::ThreadKey;
use crate::model::liveness::Site;
use crate::model::per_run::{PerRun, ThisRuns};

/// One at a time, and a wake-up when each ends.
pub(crate) struct OnceTurn {
    parts: PerRun<Parts>,
}

struct Parts {
    /// The turn; its data counts the threads waiting for a turn to end.
    waiting: Mutex<usize>,
    ended: Condvar,
    /// The cell is done: set in the turn that completed it.
    done: AtomicBool,
    /// The thread of the run in the turn, and where it took it. A std
    /// lock, held only to read or write it, never across a scheduling
    /// point.
    initialiser: std::sync::Mutex<Option<(ThreadKey, Site)>>,
}

impl Parts {
    /// Raises the deadlock of a thread of a run that asks, at `at`, for a
    /// turn it holds, or waits for it to end: it would wait for itself.
    /// std's cells deadlock or panic there; the engines would say it in
    /// words of a lock the code never took, and real threads not at all.
    fn refuse_the_initialiser(&self, at: Site) -> Option<ThreadKey> {
        let run = execution::current()?;
        let thread = run.thread_key();
        let initialiser = *self
            .initialiser
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((initialiser, began_at)) = initialiser {
            if initialiser == thread {
                let on = StuckOn::OwnInitialisation { began_at };
                let deadlock = Deadlock::new(vec![Stuck { thread, on, at }]);
                execution::raise_kept(run.named(deadlock));
            }
        }
        Some(thread)
    }
}

/// Ends a turn, by a return or a panic: wakes the waiters (if any, so a
/// turn nobody waits for records no notification) before the lock is let
/// go.
struct Ends<'a> {
    waiting: MutexGuard<'a, usize>,
    ended: &'a Condvar,
    initialiser: &'a std::sync::Mutex<Option<(ThreadKey, Site)>>,
    at: Site,
}

impl Drop for Ends<'_> {
    fn drop(&mut self) {
        *self
            .initialiser
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        if *self.waiting > 0 {
            self.ended.notify_all_at(self.at);
        }
    }
}

impl OnceTurn {
    pub(crate) const fn new() -> OnceTurn {
        OnceTurn {
            parts: PerRun::new(),
        }
    }

    /// The calling thread's run's parts. `done_before`: whether the cell
    /// was done before the run first used it (a static's value kept from
    /// an earlier run), which the run's flag starts at.
    fn parts(&self, done_before: bool) -> ThisRuns<'_, Parts> {
        self.parts.get(|| Parts {
            waiting: Mutex::unbooked(0),
            ended: Condvar::awaiting(StuckOn::Initialisation),
            done: AtomicBool::new(done_before),
            initialiser: std::sync::Mutex::new(None),
        })
    }

    /// Whether the cell is done: an acquire load of the run's flag, a
    /// scheduling point and a fact at the caller's line.
    #[track_caller]
    pub(crate) fn is_done(&self, done_before: bool) -> bool {
        self.parts(done_before).done.load(Ordering::Acquire)
    }

    /// Forgets the calling thread's run's parts, for a cell emptied
    /// through a `&mut`: its next use makes them again, its flag from
    /// `done_before` then.
    pub(crate) fn forget_this_runs(&mut self) {
        self.parts.take_this_runs();
    }

    /// Runs `f` in the turn, then wakes every thread waiting for a turn
    /// to end, even if `f` panics. `f` says whether it completed the cell,
    /// which the flag then releases.
    #[track_caller]
    pub(crate) fn take<R>(&self, done_before: bool, f: impl FnOnce() -> (R, bool)) -> R {
        let at = Location::caller();
        let parts = self.parts(done_before);
        let thread = parts.refuse_the_initialiser(at);
        // An initialiser that panicked poisoned the lock; the count it
        // guards changes only between waits, so it is sound all the same.
        let waiting = parts.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        *parts
            .initialiser
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = thread.map(|thread| (thread, at));
        let _ends = Ends {
            waiting,
            ended: &parts.ended,
            initialiser: &parts.initialiser,
            at,
        };
        let (result, completed) = f();
        if completed {
            parts.done.store(true, Ordering::Release);
        }
        result
    }

    /// Waits, between turns, until `verdict` (asked between turns, never
    /// during one) has one.
    #[track_caller]
    pub(crate) fn wait_for<R>(
        &self,
        done_before: bool,
        mut verdict: impl FnMut() -> Option<R>,
    ) -> R {
        let parts = self.parts(done_before);
        parts.refuse_the_initialiser(Location::caller());
        let mut waiting = parts.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(found) = verdict() {
                return found;
            }
            *waiting += 1;
            waiting = parts
                .ended
                .wait(waiting)
                .unwrap_or_else(PoisonError::into_inner);
            *waiting -= 1;
        }
    }
}
