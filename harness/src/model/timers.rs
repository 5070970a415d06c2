//! The order timeouts fire in: a timed wait's timeout fires only when no
//! other wait's timeout ends before it, so the virtual clock shows timers
//! firing in the order of their ends, as a real clock does. Without it, a
//! thread whose sleep ends later could move the clock past a shorter
//! timeout that another thread had not yet seen fire, and that thread,
//! woken at last, would find the world as it is after the longer sleep
//! (a reader's slow read over before a close's earlier deadline).

use std::collections::BTreeSet;
use std::time::Duration;

/// A timer armed in [`Timers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerId {
    ends: Duration,
    /// Tells timers that end together apart.
    ticket: u64,
}

impl TimerId {
    /// When the timer's timeout ends, on the run's virtual clock.
    pub(crate) fn ends(self) -> Duration {
        self.ends
    }
}

/// The timers of a run's timed waits in progress, by their ends.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    armed: BTreeSet<TimerId>,
    next_ticket: u64,
}

impl Timers {
    /// Arms a timer whose timeout ends at `ends`.
    pub(crate) fn arm(&mut self, ends: Duration) -> TimerId {
        let id = TimerId {
            ends,
            ticket: self.next_ticket,
        };
        self.next_ticket += 1;
        self.armed.insert(id);
        id
    }

    /// Disarms `id`: its wait has ended, by its timeout or otherwise.
    pub(crate) fn disarm(&mut self, id: TimerId) {
        self.armed.remove(&id);
    }

    /// Whether `id` may fire now: no armed timer ends before it (timers
    /// that end together may fire in either order).
    pub(crate) fn may_fire(&self, id: TimerId) -> bool {
        self.armed.first().is_none_or(|first| first.ends >= id.ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn a_timer_fires_only_once_no_earlier_timer_is_armed() {
        let mut timers = Timers::default();
        let late = timers.arm(millis(400));
        let early = timers.arm(millis(100));
        assert!(timers.may_fire(early));
        assert!(!timers.may_fire(late), "a later timer fired first");
        timers.disarm(early);
        assert!(timers.may_fire(late));
    }

    #[test]
    fn timers_that_end_together_may_fire_in_either_order() {
        let mut timers = Timers::default();
        let first = timers.arm(millis(100));
        let second = timers.arm(millis(100));
        assert!(timers.may_fire(first) && timers.may_fire(second));
        assert_ne!(first, second);
    }
}
