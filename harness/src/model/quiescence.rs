//! Quiescence: a moment of a run when every live thread waits, so that
//! nothing but time can move it (or, if none waits on time, nothing at
//! all: a deadlock). A component's liveness oracles are judged there
//! (`check::at_quiescence`): a thread that waits at such a moment
//! must have a reason to, even if a timeout or a close would free it
//! later.
//!
//! The book below knows which thread waits on what. It errs towards
//! running: a thread is booked as blocked only while nothing has been done
//! that may have woken it (a notification of its condition variable, an
//! unpark, the end of the thread it joins), and a thread waiting for a
//! lock counts as running. So a moment found quiescent is one, and some
//! quiescent moments go unseen: a `notify_one` unbooks every waiter of its
//! condition variable, since the engine chooses which one wakes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::facts::ThreadKey;
use super::time::Instant;

/// What a thread waits on, as the book keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// A wait on the condition variable `id`, with a timeout or without.
    Condvar {
        /// The condition variable's id.
        id: u64,
        /// Whether a timeout may end it.
        timed: bool,
    },
    /// A park, with a timeout or without.
    Park {
        /// Whether a timeout may end it.
        timed: bool,
    },
    /// A join of this thread.
    Join(ThreadKey),
    /// A sleep.
    Sleep,
}

impl Wait {
    /// Whether time alone may end it.
    fn timed(self) -> bool {
        match self {
            Wait::Condvar { timed, .. } | Wait::Park { timed } => timed,
            Wait::Join(_) => false,
            Wait::Sleep => true,
        }
    }
}

/// Which thread waits on what, and which have ended.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    waits: BTreeMap<ThreadKey, Wait>,
    ended: BTreeSet<ThreadKey>,
}

impl Waiting {
    /// `thread` begins `wait`; a join of a thread that has ended does not
    /// block.
    pub(crate) fn begins(&mut self, thread: ThreadKey, wait: Wait) {
        if let Wait::Join(joined) = wait
            && self.ended.contains(&joined)
        {
            return;
        }
        self.waits.insert(thread, wait);
    }

    /// `thread` runs again.
    pub(crate) fn ends(&mut self, thread: ThreadKey) {
        self.waits.remove(&thread);
    }

    /// The condition variable `condvar` was notified: any of its waiters
    /// may run, timed or not.
    pub(crate) fn notified(&mut self, condvar: u64) {
        self.waits
            .retain(|_, wait| !matches!(wait, Wait::Condvar { id, .. } if *id == condvar));
    }

    /// A thread was unparked: any parked thread may be the one.
    pub(crate) fn unparked(&mut self) {
        self.waits
            .retain(|_, wait| !matches!(wait, Wait::Park { .. }));
    }

    /// `thread` has returned: its joiners run.
    pub(crate) fn thread_ended(&mut self, thread: ThreadKey) {
        self.waits.remove(&thread);
        self.waits.retain(|_, wait| *wait != Wait::Join(thread));
        self.ended.insert(thread);
    }

    /// `caller`, just booked as waiting, begins the wait it asked for at
    /// `asked_at`, of at most `timeout`: the moment, with every thread the
    /// book has waiting.
    pub(crate) fn wait_begins(
        &self,
        caller: ThreadKey,
        asked_at: Instant,
        timeout: Option<Duration>,
    ) -> WaitBegins {
        WaitBegins {
            caller,
            waiting: self.waits.keys().copied().collect(),
            asked_at,
            timeout,
        }
    }

    /// The moment, if every one of the run's `threads` (keys below it) has
    /// ended or waits, and one waits: the run is quiescent.
    pub(crate) fn quiescent(&self, threads: usize) -> Option<Quiescence> {
        let mut moment = Quiescence::default();
        for thread in (0..threads).map(ThreadKey) {
            match self.waits.get(&thread) {
                Some(wait) if wait.timed() => moment.timed.push(thread),
                Some(_) => moment.blocked.push(thread),
                None if self.ended.contains(&thread) => {}
                None => return None,
            }
        }
        let someone_waits = !(moment.blocked.is_empty() && moment.timed.is_empty());
        someone_waits.then_some(moment)
    }
}

/// A quiescent moment of a run: every live thread waits, and nothing but
/// time can move the run on; if no thread waits on time, nothing can (the
/// run is deadlocked, and a judge may say which wait had no reason).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quiescence {
    blocked: Vec<ThreadKey>,
    timed: Vec<ThreadKey>,
}

impl Quiescence {
    /// The threads that wait for another thread (a notification, an
    /// unpark, a thread's end), in key order.
    pub fn blocked(&self) -> &[ThreadKey] {
        &self.blocked
    }

    /// The threads that wait for time alone (a timed wait, a timed park,
    /// a sleep), in key order.
    pub fn timed(&self) -> &[ThreadKey] {
        &self.timed
    }

    /// Whether `thread` waits: it has neither ended nor not yet begun.
    pub fn waits(&self, thread: ThreadKey) -> bool {
        self.blocked.contains(&thread) || self.timed.contains(&thread)
    }
}

/// A moment a thread begins to wait, while others may run: what a judge
/// given to `check::at_each_wait` sees. The book errs towards running, so
/// each thread it names waits (and is where it waits), and some that wait
/// may go unnamed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitBegins {
    caller: ThreadKey,
    waiting: Vec<ThreadKey>,
    asked_at: Instant,
    timeout: Option<Duration>,
}

impl WaitBegins {
    /// The thread about to wait.
    pub fn caller(&self) -> ThreadKey {
        self.caller
    }

    /// The threads that wait, the caller included, in key order.
    pub fn waiting(&self) -> &[ThreadKey] {
        &self.waiting
    }

    /// When the caller asked for the wait (it called the facade): a
    /// timeout runs from then, and other threads may have moved the clock
    /// since (a condition variable's wait lets its lock go first, which
    /// lets them run).
    pub fn asked_at(&self) -> Instant {
        self.asked_at
    }

    /// The timeout the caller asked for: `None` for a wait only another
    /// thread ends (an untimed wait, a park, a join).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// When the timeout ends the wait at the latest: `None` if only
    /// another thread can.
    pub fn ends_by(&self) -> Option<Instant> {
        self.timeout.map(|timeout| self.asked_at + timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: ThreadKey = ThreadKey(0);
    const CHILD: ThreadKey = ThreadKey(1);

    /// An untimed wait on condition variable `id`.
    const fn on(id: u64) -> Wait {
        Wait::Condvar { id, timed: false }
    }

    #[test]
    fn every_thread_waiting_and_one_on_time_is_quiescent() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep);
        waiting.begins(CHILD, on(3));
        let moment = waiting.quiescent(2).expect("quiescent");
        assert_eq!(
            (moment.blocked(), moment.timed()),
            (&[CHILD][..], &[MAIN][..])
        );
    }

    #[test]
    fn a_running_thread_is_no_quiescence() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep);
        assert_eq!(waiting.quiescent(2), None, "the child runs");
    }

    #[test]
    fn a_run_whose_threads_all_ended_has_no_moment_to_judge() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(MAIN);
        waiting.thread_ended(CHILD);
        assert_eq!(waiting.quiescent(2), None);
    }

    #[test]
    fn every_thread_blocked_is_the_quiescence_of_a_deadlock() {
        let mut waiting = Waiting::default();
        waiting.begins(CHILD, Wait::Park { timed: false });
        waiting.begins(MAIN, on(1));
        let moment = waiting.quiescent(2).expect("quiescent");
        assert_eq!(
            (moment.blocked(), moment.timed()),
            (&[MAIN, CHILD][..], &[][..])
        );
    }

    #[test]
    fn a_notification_an_unpark_or_an_end_frees_its_waiters() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep);
        waiting.begins(CHILD, on(3));
        waiting.notified(4);
        assert!(waiting.quiescent(2).is_some(), "another condvar's notify");
        waiting.notified(3);
        assert_eq!(waiting.quiescent(2), None);
        waiting.begins(CHILD, Wait::Park { timed: false });
        waiting.unparked();
        assert_eq!(waiting.quiescent(2), None);
        waiting.begins(CHILD, Wait::Join(ThreadKey(2)));
        waiting.thread_ended(ThreadKey(2));
        assert_eq!(waiting.quiescent(3), None, "the joiner runs");
    }

    #[test]
    fn an_ended_thread_is_not_waited_for_and_does_not_block_a_join() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(CHILD);
        waiting.begins(MAIN, Wait::Join(CHILD));
        assert_eq!(waiting.quiescent(2), None, "the join returns at once");
        waiting.begins(MAIN, Wait::Sleep);
        let moment = waiting.quiescent(2).expect("quiescent");
        assert!(moment.waits(MAIN) && !moment.waits(CHILD));
    }

    #[test]
    fn a_timed_waiter_notified_or_unparked_runs() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep);
        waiting.begins(CHILD, Wait::Condvar { id: 3, timed: true });
        assert!(waiting.quiescent(2).is_some());
        waiting.notified(3);
        assert_eq!(waiting.quiescent(2), None, "the notified child runs");
        waiting.begins(CHILD, Wait::Park { timed: true });
        waiting.unparked();
        assert_eq!(waiting.quiescent(2), None, "the unparked child runs");
    }
}
