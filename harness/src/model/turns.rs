//! How long a thread that can run has gone without its turn, on the
//! virtual clock, so that a timeout does not fire past the longest a real
//! machine keeps such a thread waiting.
//!
//! A timeout fires as the scheduler chooses, before or after the
//! notification it races; but the scheduler may also leave a thread that
//! can run unscheduled while others sleep and time out, and the clock
//! then moves on without it. A real machine gives a thread that can run
//! its turn within milliseconds, and within a second even when loaded: an
//! hour's timeout, a guard against a hang, never fires before a thread
//! that was ready to send the value has run. So a timeout fires, and a
//! sleep ends, only while no other thread that can run has gone more
//! than [`READY_THREAD_DELAY_MAX`] of virtual time without acting; until
//! then the timed wait ends early (as one may) and the sleeper lets the
//! others run.
//!
//! A thread whose own timeout is due to fire, behind an earlier one, or
//! whose timed wait spins before it ends early, waits on time, not for its
//! turn: it is none of the threads that can run, or a sleep of 5 s beside
//! a thread that sleeps 300 ms again and again would hold that thread's
//! timeouts back past the first second while its own waited for theirs,
//! and neither would ever fire (two timed waits of 5 s, each spinning
//! while the other went on, likewise).

use std::time::Duration;

use super::facts::ThreadKey;

/// The longest a thread that can run waits for its turn while the virtual
/// clock moves on: a timeout, or a sleep, of another thread ends past it
/// only once the thread has acted. Longer than any machine's scheduling
/// delay under load; a timeout no longer than it may still fire before a
/// thread that is ready to beat it has run.
pub const READY_THREAD_DELAY_MAX: Duration = Duration::from_secs(1);

/// When each thread of a run last had its turn: the virtual time of its
/// latest fact or, if the clock moved on while it waited, of that move
/// (a thread woken later became ready no earlier).
#[derive(Debug, Default)]
pub(crate) struct Turns {
    since: Vec<Duration>,
    /// Whether each thread's timeout is due to fire, behind an earlier
    /// one: it waits on time.
    firing: Vec<bool>,
}

impl Turns {
    /// `thread` acts, or is spawned, at `now`.
    pub(crate) fn acted(&mut self, thread: ThreadKey, now: Duration) {
        if self.since.len() <= thread.0 {
            self.since.resize(thread.0 + 1, now);
        }
        self.since[thread.0] = now;
    }

    /// `thread`'s timeout is due to fire (`true`), behind an earlier one,
    /// or has fired (`false`).
    pub(crate) fn firing(&mut self, thread: ThreadKey, firing: bool) {
        if self.firing.len() <= thread.0 {
            self.firing.resize(thread.0 + 1, false);
        }
        self.firing[thread.0] = firing;
    }

    /// Whether `thread`'s timeout is due to fire: it waits on time.
    pub(crate) fn is_firing(&self, thread: ThreadKey) -> bool {
        self.firing.get(thread.0).copied().unwrap_or(false)
    }

    /// The clock moved to `now`, while each of `waiting`, and each thread
    /// whose timeout was due to fire, waited.
    pub(crate) fn clock_moved(&mut self, now: Duration, waiting: impl Iterator<Item = ThreadKey>) {
        for thread in waiting {
            self.acted(thread, now);
        }
        for thread in 0..self.firing.len() {
            if self.firing[thread] {
                self.acted(ThreadKey(thread), now);
            }
        }
    }

    /// The first of `ready` (threads that can run) that a clock moved to
    /// `to` would keep waiting for its turn past [`READY_THREAD_DELAY_MAX`],
    /// and since when it has waited.
    pub(crate) fn kept_waiting(
        &self,
        to: Duration,
        ready: impl Iterator<Item = ThreadKey>,
    ) -> Option<(ThreadKey, Duration)> {
        ready
            .filter(|&thread| !self.is_firing(thread))
            .find_map(|thread| {
                let since = self.since.get(thread.0).copied().unwrap_or_default();
                (to > since.saturating_add(READY_THREAD_DELAY_MAX)).then_some((thread, since))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_thread_that_acted_within_the_bound_is_not_kept_waiting() {
        let mut turns = Turns::default();
        turns.acted(ThreadKey(1), 5 * SECOND);
        let ready = [ThreadKey(1)];
        assert_eq!(turns.kept_waiting(6 * SECOND, ready.into_iter()), None);
    }

    #[test]
    fn a_thread_idle_past_the_bound_is_kept_waiting_since_its_last_act() {
        let mut turns = Turns::default();
        turns.acted(ThreadKey(1), 5 * SECOND);
        let ready = [ThreadKey(1)];
        let to = 6 * SECOND + Duration::from_nanos(1);
        assert_eq!(
            turns.kept_waiting(to, ready.into_iter()),
            Some((ThreadKey(1), 5 * SECOND))
        );
    }

    #[test]
    fn a_thread_that_waited_while_the_clock_moved_became_ready_no_earlier() {
        let mut turns = Turns::default();
        turns.acted(ThreadKey(1), Duration::ZERO);
        turns.clock_moved(10 * SECOND, [ThreadKey(1)].into_iter());
        assert_eq!(
            turns.kept_waiting(11 * SECOND, [ThreadKey(1)].into_iter()),
            None
        );
    }

    #[test]
    fn a_thread_whose_timeout_is_due_is_not_kept_waiting_and_is_current_when_it_fires() {
        let mut turns = Turns::default();
        turns.acted(ThreadKey(1), Duration::ZERO);
        turns.firing(ThreadKey(1), true);
        let ready = || [ThreadKey(1)].into_iter();
        assert_eq!(turns.kept_waiting(3_600 * SECOND, ready()), None);
        turns.clock_moved(10 * SECOND, std::iter::empty());
        turns.firing(ThreadKey(1), false);
        assert_eq!(turns.kept_waiting(11 * SECOND, ready()), None);
        assert!(turns.kept_waiting(12 * SECOND, ready()).is_some());
    }

    #[test]
    fn only_ready_threads_are_asked() {
        let mut turns = Turns::default();
        turns.acted(ThreadKey(1), Duration::ZERO);
        turns.acted(ThreadKey(2), Duration::ZERO);
        assert_eq!(
            turns.kept_waiting(3_600 * SECOND, [ThreadKey(2)].into_iter()),
            Some((ThreadKey(2), Duration::ZERO))
        );
        assert_eq!(turns.kept_waiting(3_600 * SECOND, std::iter::empty()), None);
    }
}
