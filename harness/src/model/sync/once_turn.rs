//! The turn a once-cell's initialisers take one at a time, and the wake-up
//! of threads waiting for a turn to end (`Once::wait`, `OnceLock::wait`).
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

use super::{Condvar, Mutex, MutexGuard};
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
}

/// Ends a turn, by a return or a panic: wakes the waiters (if any, so a
/// turn nobody waits for records no notification) before the lock is let
/// go.
struct Ends<'a> {
    waiting: MutexGuard<'a, usize>,
    ended: &'a Condvar,
    at: Site,
}

impl Drop for Ends<'_> {
    fn drop(&mut self) {
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

    /// The calling thread's run's parts.
    fn parts(&self) -> ThisRuns<'_, Parts> {
        self.parts.get(|| Parts {
            waiting: Mutex::unbooked(0),
            ended: Condvar::new(),
        })
    }

    /// Runs `f` in the turn, then wakes every thread waiting for a turn
    /// to end, even if `f` panics.
    #[track_caller]
    pub(crate) fn take<R>(&self, f: impl FnOnce() -> R) -> R {
        let parts = self.parts();
        // An initialiser that panicked poisoned the lock; the count it
        // guards changes only between waits, so it is sound all the same.
        let waiting = parts.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let _ends = Ends {
            waiting,
            ended: &parts.ended,
            at: Location::caller(),
        };
        f()
    }

    /// Waits, between turns, until `verdict` (asked between turns, never
    /// during one) has one.
    #[track_caller]
    pub(crate) fn wait_for<R>(&self, mut verdict: impl FnMut() -> Option<R>) -> R {
        let parts = self.parts();
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
