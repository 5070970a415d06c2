//! The order timeouts fire in: a timed wait's timeout fires only when no
//! other wait's timeout ends before it, so the virtual clock shows timers
//! firing in the order of their ends, as a real clock does. Without it, a
//! thread whose sleep ends later could move the clock past a shorter
//! timeout that another thread had not yet seen fire, and that thread,
//! woken at last, would find the world as it is after the longer sleep
//! (a reader's slow read over before a close's earlier deadline).
//!
//! A thread whose timed wait or sleep ends by its timer, or early (as a
//! timed wait may), goes on at once: it takes its lock back, looks at its
//! condition and the clock, acts, or waits again for what is left. Its
//! timer lingers meanwhile, armed for the thread until it arms another,
//! does something that may block, or has done [`LINGER_OPS_MAX`]
//! operations, or until the others' patience behind it runs out (a bound,
//! so that nobody waits on a lingering timer for good: [`Patience`]).
//! Without it, a longer sleep could end in that gap and move the
//! clock far past the timer's end while the thread was running (a close
//! that sees its deadline pass only once a reader's slow read is over),
//! an interleaving a real clock makes rare.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant as RealInstant};

use super::facts::ThreadKey;

/// The operations a thread does (each one recorded) before a timer that
/// lingers for it is disarmed: room for taking the lock back, a look at
/// the condition and the clock, and the next wait; a thread still going
/// past them is doing something else.
pub(crate) const LINGER_OPS_MAX: u32 = 8;

/// The spins of other threads behind a lingering timer (waits of theirs
/// that end later) before it is disarmed: so many that a thread that goes
/// on is all but sure to get its operations in first, under any engine's
/// choices, and few enough that if it cannot (no body known yet does
/// that: a wait under a lock is a violation of its own), it holds nobody
/// up for long.
pub(crate) const LINGER_SPINS_MAX: u32 = 32;

/// The real time others spin behind a lingering timer on real threads
/// before it is disarmed: there a count of spins says nothing of whether
/// the thread it lingers for has run (the system may leave it off the
/// processor for a while, on a loaded machine, while the others spin
/// thousands of times), and a thread that is scheduled at all gets its
/// few operations in long before this.
pub(crate) const LINGER_REAL_MAX: Duration = Duration::from_secs(1);

/// How long others wait behind a lingering timer before it is disarmed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Patience {
    /// Under an engine that runs one thread at a time: this many spins.
    Spins(u32),
    /// On real threads: until then.
    Until(RealInstant),
}

impl Patience {
    /// The patience of an engine that runs one thread at a time
    /// (`one_at_a_time`), or of real threads, from now.
    pub(crate) fn of(one_at_a_time: bool) -> Patience {
        if one_at_a_time {
            Patience::Spins(LINGER_SPINS_MAX)
        } else {
            Patience::Until(RealInstant::now() + LINGER_REAL_MAX)
        }
    }

    /// One more spin behind the timer: whether the patience has run out.
    fn spun(&mut self) -> bool {
        match self {
            Patience::Spins(left) => {
                *left -= 1;
                *left == 0
            }
            Patience::Until(until) => RealInstant::now() >= *until,
        }
    }
}

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

/// A timer kept armed for a thread whose wait ended (not by a notification).
#[derive(Clone, Copy, Debug)]
struct Lingering {
    id: TimerId,
    ops_left: u32,
    patience: Patience,
}

/// The timers of a run's timed waits in progress, by their ends, and
/// those that linger.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    armed: BTreeSet<TimerId>,
    next_ticket: u64,
    lingering: BTreeMap<ThreadKey, Lingering>,
}

impl Timers {
    /// Arms a timer whose timeout ends at `ends`, for `thread`: a timer
    /// that lingered for it is disarmed.
    pub(crate) fn arm(&mut self, thread: ThreadKey, ends: Duration) -> TimerId {
        self.release(thread);
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

    /// `id`, whose wait has ended (not by a notification), stays armed for
    /// `thread` for a while (see the module's doc), others waiting behind
    /// it with `patience`.
    pub(crate) fn linger(&mut self, thread: ThreadKey, id: TimerId, patience: Patience) {
        assert!(self.armed.contains(&id), "only an armed timer lingers");
        self.release(thread);
        let lingering = Lingering {
            id,
            ops_left: LINGER_OPS_MAX,
            patience,
        };
        self.lingering.insert(thread, lingering);
    }

    /// A thread spins behind `id`, which may not fire yet: each timer
    /// lingering that ends before it has its patience tried once more.
    pub(crate) fn spun_behind(&mut self, id: TimerId) {
        let armed = &mut self.armed;
        self.lingering.retain(|_, lingering| {
            let ended = lingering.id.ends < id.ends && lingering.patience.spun();
            if ended {
                armed.remove(&lingering.id);
            }
            !ended
        });
    }

    /// `thread` does an operation, one that `may_block` or not: a timer
    /// lingering for it is disarmed if it may, or if it was the last the
    /// timer lingers for.
    pub(crate) fn acts(&mut self, thread: ThreadKey, may_block: bool) {
        let Some(lingering) = self.lingering.get_mut(&thread) else {
            return;
        };
        lingering.ops_left -= 1;
        if may_block || lingering.ops_left == 0 {
            self.release(thread);
        }
    }

    /// Disarms a timer lingering for `thread`, if one is: it has ended.
    pub(crate) fn release(&mut self, thread: ThreadKey) {
        if let Some(lingering) = self.lingering.remove(&thread) {
            self.armed.remove(&lingering.id);
        }
    }

    /// When the earliest timer armed ends, lingering ones included.
    pub(crate) fn earliest_end(&self) -> Option<Duration> {
        self.armed.first().map(|timer| timer.ends)
    }

    /// Whether a timer lingers for any thread.
    pub(crate) fn any_lingering(&self) -> bool {
        !self.lingering.is_empty()
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
        let late = timers.arm(ThreadKey(1), millis(400));
        let early = timers.arm(ThreadKey(2), millis(100));
        assert!(timers.may_fire(early));
        assert!(!timers.may_fire(late), "a later timer fired first");
        timers.disarm(early);
        assert!(timers.may_fire(late));
    }

    #[test]
    fn timers_that_end_together_may_fire_in_either_order() {
        let mut timers = Timers::default();
        let first = timers.arm(ThreadKey(1), millis(100));
        let second = timers.arm(ThreadKey(2), millis(100));
        assert!(timers.may_fire(first) && timers.may_fire(second));
        assert_ne!(first, second);
    }

    /// Thread 1's wait, ending at 100 ms, ended early, others waiting
    /// behind it with `patience`; thread 2 sleeps until 400 ms.
    fn lingering_at_100_behind_400_with(patience: Patience) -> (Timers, TimerId) {
        let mut timers = Timers::default();
        let early = timers.arm(ThreadKey(1), millis(100));
        let late = timers.arm(ThreadKey(2), millis(400));
        timers.linger(ThreadKey(1), early, patience);
        (timers, late)
    }

    /// As above, under an engine that runs one thread at a time.
    fn lingering_at_100_behind_400() -> (Timers, TimerId) {
        lingering_at_100_behind_400_with(Patience::of(true))
    }

    #[test]
    fn a_timer_lingering_for_a_thread_holds_a_later_one_back() {
        let (mut timers, late) = lingering_at_100_behind_400();
        timers.acts(ThreadKey(1), false);
        timers.acts(ThreadKey(2), true);
        assert!(!timers.may_fire(late), "the later timer fired first");
        assert!(timers.any_lingering());
    }

    #[test]
    fn a_timer_lingers_until_its_thread_arms_another() {
        let (mut timers, late) = lingering_at_100_behind_400();
        let again = timers.arm(ThreadKey(1), millis(100));
        assert!(!timers.any_lingering());
        timers.disarm(again);
        assert!(timers.may_fire(late));
    }

    #[test]
    fn a_timer_lingers_until_its_thread_may_block() {
        let (mut timers, late) = lingering_at_100_behind_400();
        timers.acts(ThreadKey(1), true);
        assert!(timers.may_fire(late));
        assert!(!timers.any_lingering());
    }

    #[test]
    fn a_timer_lingers_for_at_most_so_many_spins_behind_it() {
        let (mut timers, late) = lingering_at_100_behind_400();
        for _ in 1..LINGER_SPINS_MAX {
            timers.spun_behind(late);
        }
        assert!(!timers.may_fire(late), "released before the last spin");
        timers.spun_behind(late);
        assert!(timers.may_fire(late), "still lingering past the last spin");
    }

    #[test]
    fn on_real_threads_no_count_of_spins_disarms_a_lingering_timer_in_its_time() {
        let an_hour_on = RealInstant::now() + Duration::from_secs(3_600);
        let (mut timers, late) = lingering_at_100_behind_400_with(Patience::Until(an_hour_on));
        for _ in 0..100 * LINGER_SPINS_MAX {
            timers.spun_behind(late);
        }
        assert!(!timers.may_fire(late), "released by a count of spins");
    }

    #[test]
    fn on_real_threads_a_lingering_timer_is_disarmed_by_a_spin_once_its_time_is_up() {
        let (mut timers, late) =
            lingering_at_100_behind_400_with(Patience::Until(RealInstant::now()));
        assert!(!timers.may_fire(late));
        timers.spun_behind(late);
        assert!(timers.may_fire(late), "still lingering past its time");
    }

    /// Whether a timer lingering until 100 ms still lingers after the
    /// most spins behind one that ends at `ends`.
    fn lingers_after_spins_behind_one_ending_at(ends: Duration) -> bool {
        let (mut timers, _) = lingering_at_100_behind_400();
        let spun_behind = timers.arm(ThreadKey(3), ends);
        for _ in 0..LINGER_SPINS_MAX {
            timers.spun_behind(spun_behind);
        }
        timers.any_lingering()
    }

    #[test]
    fn spins_behind_a_timer_that_ends_first_leave_a_lingering_one_be() {
        assert!(lingers_after_spins_behind_one_ending_at(millis(50)));
    }

    #[test]
    fn spins_behind_a_timer_that_ends_together_leave_a_lingering_one_be() {
        assert!(lingers_after_spins_behind_one_ending_at(millis(100)));
    }

    #[test]
    fn a_timer_lingers_for_at_most_its_threads_next_operations() {
        let (mut timers, late) = lingering_at_100_behind_400();
        for _ in 1..LINGER_OPS_MAX {
            timers.acts(ThreadKey(1), false);
        }
        assert!(!timers.may_fire(late), "released before its last operation");
        timers.acts(ThreadKey(1), false);
        assert!(
            timers.may_fire(late),
            "still lingering past its last operation"
        );
    }
}
