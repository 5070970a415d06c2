//! Quiescence: a moment of a run when every live thread waits, so that
//! nothing but time can move it (or, if none waits on time, nothing at
//! all: a deadlock). A component's liveness oracles are judged there
//! (`check::at_quiescence`): a thread that waits at such a moment
//! must have a reason to, even if a timeout or a close would free it
//! later.
//!
//! The book below knows which thread waits on what, and where. It errs
//! towards running: a thread is booked as blocked only while nothing has
//! been done that may have woken it (a notification of its condition
//! variable, an unpark of it, the end of the thread it joins), and a
//! thread waiting for a lock counts as running for quiescence. So a moment
//! found quiescent is one, and some quiescent moments go unseen: while a
//! `notify_one` has not yet woken its waiter, every waiter of its condition
//! variable counts as running, since the engine chooses which one wakes.
//! The same book finds deadlocks
//! (`deadlock`), where a thread waiting for a lock held by another is
//! blocked: the holder, blocked too, will never let it go; and so is a
//! reader asking while another thread waits to write, as std's `RwLock`
//! on Linux queues it behind that writer.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::by_thread::ByThread;
use super::deadlock::{Deadlock, Stuck, StuckOn};
use super::facts::ThreadKey;
use super::liveness::{Access, Site};
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
        /// What the wait is for, in a deadlock's words.
        awaits: StuckOn,
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
    /// A sleep past the clock's horizon, which nothing ends: no time, no
    /// unpark.
    SleepForGood,
    /// Taking the lock at this address (a mutex, or a reader-writer lock
    /// for reading or writing), which the book of locks may show held.
    Lock(usize, Access),
}

impl Wait {
    /// Whether time alone may end it.
    fn timed(self) -> bool {
        match self {
            Wait::Condvar { timed, .. } | Wait::Park { timed } => timed,
            Wait::Join(_) | Wait::Lock(..) | Wait::SleepForGood => false,
            Wait::Sleep => true,
        }
    }
}

/// Which thread waits on what, and where; which have ended; which have
/// an unpark waiting for their next park.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    waits: ByThread<(Wait, Site)>,
    ended: BTreeSet<ThreadKey>,
    /// Threads unparked since their last park: their next park, timed or
    /// not, returns at once, as std's does.
    tokens: BTreeSet<ThreadKey>,
    /// For each condition variable, how many of its untimed waiters a
    /// notification has woken that have not yet returned: while any has
    /// not, each of its waiters may be one.
    woken: BTreeMap<u64, usize>,
    /// For each thread at a scope's end, the scope's threads it joins
    /// after the one it is booked as joining, in key order.
    joins_next: BTreeMap<ThreadKey, Vec<ThreadKey>>,
}

impl Waiting {
    /// `thread` begins `wait` at `at` (a join begins with `joins_all`);
    /// a park with an unpark waiting for it does not block (the park takes
    /// the unpark).
    pub(crate) fn begins(&mut self, thread: ThreadKey, wait: Wait, at: Site) {
        assert!(
            !matches!(wait, Wait::Join(_)),
            "a join is booked by joins_all, which skips threads that have ended"
        );
        if matches!(wait, Wait::Park { .. }) && self.tokens.remove(&thread) {
            return;
        }
        self.waits.insert(thread, (wait, at));
    }

    /// `thread`, at `at`, joins every one of `threads` (one, or a scope's):
    /// booked as joining the first that has not ended, then each next as
    /// the one before ends.
    pub(crate) fn joins_all(&mut self, thread: ThreadKey, threads: &[ThreadKey], at: Site) {
        let mut live = threads
            .iter()
            .copied()
            .filter(|joined| !self.ended.contains(joined));
        let Some(first) = live.next() else {
            return;
        };
        self.waits.insert(thread, (Wait::Join(first), at));
        self.joins_next.insert(thread, live.collect());
    }

    /// `thread` runs again; an untimed waiter of a condition variable was
    /// one its notifications woke.
    pub(crate) fn ends(&mut self, thread: ThreadKey) {
        self.joins_next.remove(&thread);
        if let Some((
            Wait::Condvar {
                id, timed: false, ..
            },
            _,
        )) = self.waits.remove(thread)
            && let Some(woken) = self.woken.get_mut(&id)
        {
            *woken = woken.saturating_sub(1);
        }
    }

    /// `thread`'s untimed park returned: it took the unpark that woke it,
    /// if one did. Whether none did: the park, booked, is booked still
    /// (an unpark ends it in the book), and it woke spuriously.
    pub(crate) fn park_ends(&mut self, thread: ThreadKey) -> bool {
        let spurious = matches!(
            self.waits.get(thread),
            Some((Wait::Park { timed: false }, _))
        );
        self.ends(thread);
        self.tokens.remove(&thread);
        spurious
    }

    /// Whether `thread`'s timed park, not yet ended, has taken an unpark:
    /// one that came before it began, or while it waited (which ends it in
    /// the book and leaves a token).
    pub(crate) fn timed_park_unparked(&mut self, thread: ThreadKey) -> bool {
        if matches!(
            self.waits.get(thread),
            Some((Wait::Park { timed: true }, _))
        ) {
            return false;
        }
        // Taken before it began, or left by the unpark that ended it.
        self.tokens.remove(&thread);
        true
    }

    /// The condition variable `condvar` was notified: any of its timed
    /// waiters may run, and `untimed` more of its untimed ones will, at
    /// most every one (`usize::MAX` for all).
    pub(crate) fn notified(&mut self, condvar: u64, untimed: usize) {
        self.waits.retain(
            |(wait, _)| !matches!(wait, Wait::Condvar { id, timed: true, .. } if *id == condvar),
        );
        let waiters = self
            .waits
            .iter()
            .filter(|(_, (wait, _))| {
                matches!(wait, Wait::Condvar { id, timed: false, .. } if *id == condvar)
            })
            .count();
        let woken = self.woken.entry(condvar).or_default();
        *woken = woken.saturating_add(untimed).min(waiters);
    }

    /// `caller`, and the threads that wait for sure, in key order: not for
    /// a lock (its holder may let it go), not one a notification may have
    /// woken.
    fn surely_waiting(&self, caller: ThreadKey) -> impl Iterator<Item = ThreadKey> + '_ {
        self.waits
            .iter()
            .filter(move |&(thread, &(wait, _))| {
                thread == caller || !(matches!(wait, Wait::Lock(..)) || self.may_end(wait))
            })
            .map(|(thread, _)| thread)
    }

    /// Whether `thread` can run: it has not ended, and waits for nothing,
    /// for what may already have come (a notification), or for a lock
    /// that `holder` (the book of locks) says nobody holds.
    pub(crate) fn can_run(
        &self,
        thread: ThreadKey,
        holder: impl Fn(usize, Access) -> Option<(ThreadKey, Site)>,
    ) -> bool {
        if self.ended.contains(&thread) {
            return false;
        }
        match self.waits.get(thread) {
            None => true,
            Some(&(Wait::Lock(lock, access), _)) => holder(lock, access).is_none(),
            Some(&(wait, _)) => self.may_end(wait),
        }
    }

    /// Whether `wait` may end without another thread doing anything more:
    /// it has been woken, or might have been.
    fn may_end(&self, wait: Wait) -> bool {
        match wait {
            Wait::Condvar {
                id, timed: false, ..
            } => self.woken.get(&id).is_some_and(|&n| n > 0),
            _ => false,
        }
    }

    /// `thread` was unparked: if it is parked it runs, and its next park
    /// returns at once unless this one takes the unpark.
    pub(crate) fn unparked(&mut self, thread: ThreadKey) {
        if let Some((Wait::Park { .. }, _)) = self.waits.get(thread) {
            self.waits.remove(thread);
        }
        self.tokens.insert(thread);
    }

    /// `thread` has returned: its joiners run, but for one at a scope's
    /// end, which goes on to join the scope's next thread still running.
    /// Whether `thread` has returned.
    pub(crate) fn has_ended(&self, thread: ThreadKey) -> bool {
        self.ended.contains(&thread)
    }

    pub(crate) fn thread_ended(&mut self, thread: ThreadKey) {
        self.ends(thread);
        self.ended.insert(thread);
        let joiners: Vec<ThreadKey> = self
            .waits
            .iter()
            .filter(|(_, (wait, _))| *wait == Wait::Join(thread))
            .map(|(joiner, _)| joiner)
            .collect();
        for joiner in joiners {
            let Some((_, at)) = self.waits.remove(joiner) else {
                continue;
            };
            if let Some(rest) = self.joins_next.remove(&joiner) {
                self.joins_all(joiner, &rest, at);
            }
        }
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
            waiting: self.surely_waiting(caller).collect(),
            asked_at,
            timeout,
        }
    }

    /// The moment, if every one of the run's `threads` (keys below it) has
    /// ended or waits, and one waits: the run is quiescent. A thread that
    /// waits for a lock runs, as far as quiescence goes: its holder may.
    pub(crate) fn quiescent(&self, threads: usize) -> Option<Quiescence> {
        let mut moment = Quiescence::default();
        for thread in (0..threads).map(ThreadKey) {
            match self.waits.get(thread) {
                Some((Wait::Lock(..), _)) => return None,
                Some(&(wait, _)) if self.may_end(wait) => return None,
                Some((wait, _)) if wait.timed() => moment.timed.push(thread),
                Some(_) => moment.blocked.push(thread),
                None if self.ended.contains(&thread) => {}
                None => return None,
            }
        }
        let someone_waits = !(moment.blocked.is_empty() && moment.timed.is_empty());
        someone_waits.then_some(moment)
    }

    /// The deadlock, if every one of the run's `threads` has ended or waits
    /// for another thread, and one waits: untimed on a condition variable,
    /// parked, joining, or taking a lock that `holder` (the book of locks)
    /// says a thread holds, and since where. Nothing but another thread
    /// could end any of those waits, and every other thread waits too.
    pub(crate) fn deadlock(
        &self,
        threads: usize,
        holder: impl Fn(usize, Access) -> Option<(ThreadKey, Site)>,
    ) -> Option<Deadlock> {
        self.stuck(threads, holder, Notified::MayHaveWoken)
    }

    /// The deadlock as [`Waiting::deadlock`] finds it, once the engine has
    /// found no thread of the run able to go on: a waiter the book counts
    /// as notified is stuck too. Its notification came after the book had
    /// it waiting but before the engine did (shuttle and loom switch
    /// threads as a condition variable's wait lets its lock go, before the
    /// waiter is in the variable's queue), and woke nobody.
    pub(crate) fn deadlock_the_engine_found(
        &self,
        threads: usize,
        holder: impl Fn(usize, Access) -> Option<(ThreadKey, Site)>,
    ) -> Option<Deadlock> {
        self.stuck(threads, holder, Notified::WokeNobody)
    }

    fn stuck(
        &self,
        threads: usize,
        holder: impl Fn(usize, Access) -> Option<(ThreadKey, Site)>,
        notified: Notified,
    ) -> Option<Deadlock> {
        let mut stuck = Vec::new();
        for thread in (0..threads).map(ThreadKey) {
            let Some(&(wait, at)) = self.waits.get(thread) else {
                if self.ended.contains(&thread) {
                    continue;
                }
                return None;
            };
            if notified == Notified::MayHaveWoken && self.may_end(wait) {
                return None;
            }
            let on = match wait {
                Wait::Condvar {
                    timed: false,
                    awaits,
                    ..
                } => awaits,
                Wait::Park { timed: false } => StuckOn::Park,
                Wait::SleepForGood => StuckOn::SleepForGood,
                Wait::Join(joined) => StuckOn::Join(joined),
                Wait::Lock(lock, access) => match holder(lock, access) {
                    Some((holder, taken_at)) => StuckOn::Lock { holder, taken_at },
                    None if access == Access::Shared => {
                        StuckOn::BehindWriter(self.writer_waiting_for(lock, thread)?)
                    }
                    None => return None,
                },
                Wait::Condvar { timed: true, .. } | Wait::Park { timed: true } | Wait::Sleep => {
                    return None;
                }
            };
            stuck.push(Stuck { thread, on, at });
        }
        (!stuck.is_empty()).then(|| Deadlock::new(stuck))
    }

    /// A thread other than `reader` waiting to write `lock`: std's
    /// `RwLock` (on Linux) lets no new reader in past it, though shuttle's
    /// and loom's do, so a reader asking then waits for it, as far as
    /// deadlocks go.
    pub(crate) fn writer_waiting_for(&self, lock: usize, reader: ThreadKey) -> Option<ThreadKey> {
        self.waits
            .iter()
            .find(|&(thread, &(wait, _))| {
                thread != reader && wait == Wait::Lock(lock, Access::Exclusive)
            })
            .map(|(thread, _)| thread)
    }
}

/// What the book makes of a notification that reached a waiter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Notified {
    /// It may have woken the waiter, which counts as running.
    MayHaveWoken,
    /// It woke nobody: the engine says no thread can go on.
    WokeNobody,
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

    #[track_caller]
    fn here() -> Site {
        std::panic::Location::caller()
    }

    /// A timed wait on condition variable `id`.
    const fn timed_on(id: u64) -> Wait {
        Wait::Condvar {
            id,
            timed: true,
            awaits: StuckOn::Condvar,
        }
    }

    /// An untimed wait on condition variable `id`.
    const fn on(id: u64) -> Wait {
        Wait::Condvar {
            id,
            timed: false,
            awaits: StuckOn::Condvar,
        }
    }

    #[test]
    fn every_thread_waiting_and_one_on_time_is_quiescent() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep, here());
        waiting.begins(CHILD, on(3), here());
        let moment = waiting.quiescent(2).expect("quiescent");
        assert_eq!(
            (moment.blocked(), moment.timed()),
            (&[CHILD][..], &[MAIN][..])
        );
    }

    #[test]
    fn a_running_thread_is_no_quiescence() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep, here());
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
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        waiting.begins(MAIN, on(1), here());
        let moment = waiting.quiescent(2).expect("quiescent");
        assert_eq!(
            (moment.blocked(), moment.timed()),
            (&[MAIN, CHILD][..], &[][..])
        );
    }

    #[test]
    fn a_notification_an_unpark_or_an_end_frees_its_waiters() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep, here());
        waiting.begins(CHILD, on(3), here());
        waiting.notified(4, 1);
        assert!(waiting.quiescent(2).is_some(), "another condvar's notify");
        waiting.notified(3, 1);
        assert_eq!(waiting.quiescent(2), None);
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        waiting.unparked(CHILD);
        assert_eq!(waiting.quiescent(2), None);
        waiting.joins_all(CHILD, &[ThreadKey(2)], here());
        waiting.thread_ended(ThreadKey(2));
        assert_eq!(waiting.quiescent(3), None, "the joiner runs");
    }

    #[test]
    fn an_ended_thread_is_not_waited_for_and_does_not_block_a_join() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(CHILD);
        waiting.joins_all(MAIN, &[CHILD], here());
        assert_eq!(waiting.quiescent(2), None, "the join returns at once");
        waiting.begins(MAIN, Wait::Sleep, here());
        let moment = waiting.quiescent(2).expect("quiescent");
        assert!(moment.waits(MAIN) && !moment.waits(CHILD));
    }

    #[test]
    fn a_timed_waiter_notified_or_unparked_runs() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, Wait::Sleep, here());
        waiting.begins(CHILD, timed_on(3), here());
        assert!(waiting.quiescent(2).is_some());
        waiting.notified(3, 1);
        assert_eq!(waiting.quiescent(2), None, "the notified child runs");
        waiting.begins(CHILD, Wait::Park { timed: true }, here());
        waiting.unparked(CHILD);
        assert_eq!(waiting.quiescent(2), None, "the unparked child runs");
    }

    /// No thread holds any lock.
    fn no_holder(_: usize, _: Access) -> Option<(ThreadKey, Site)> {
        None
    }

    #[test]
    fn every_thread_waiting_for_another_is_a_deadlock_naming_each_wait() {
        let mut waiting = Waiting::default();
        let (parks, waits) = (here(), here());
        waiting.begins(MAIN, Wait::Park { timed: false }, parks);
        waiting.begins(CHILD, on(3), waits);
        let deadlock = waiting.deadlock(2, no_holder).expect("a deadlock");
        let named: Vec<_> = deadlock
            .threads()
            .iter()
            .map(|s| (s.thread, s.on, s.at))
            .collect();
        assert_eq!(
            named,
            [
                (MAIN, StuckOn::Park, parks),
                (CHILD, StuckOn::Condvar, waits)
            ]
        );
    }

    #[test]
    fn a_running_thread_or_one_waiting_on_time_is_no_deadlock() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, on(3), here());
        assert_eq!(waiting.deadlock(2, no_holder), None, "the child runs");
        waiting.begins(CHILD, timed_on(3), here());
        assert_eq!(waiting.deadlock(2, no_holder), None, "its timeout fires");
    }

    #[test]
    fn a_wait_names_its_caller_and_of_the_others_only_those_surely_waiting() {
        let (locker, parker) = (ThreadKey(2), ThreadKey(3));
        let mut waiting = Waiting::default();
        waiting.begins(CHILD, on(3), here());
        waiting.notified(3, 1);
        waiting.begins(locker, Wait::Lock(10, Access::Exclusive), here());
        waiting.begins(parker, Wait::Park { timed: false }, here());
        waiting.begins(MAIN, on(3), here());
        let at = Instant::after_start(Duration::ZERO);
        let moment = waiting.wait_begins(MAIN, at, None);
        assert_eq!(
            moment.waiting(),
            [MAIN, parker],
            "the caller waits though the notification may be its own; \
             the child may have been woken, and a lock waiter runs"
        );
    }

    #[test]
    fn a_scopes_end_joins_each_of_its_threads_still_running_in_turn() {
        let (first, second, third) = (ThreadKey(1), ThreadKey(2), ThreadKey(3));
        let mut waiting = Waiting::default();
        waiting.thread_ended(first);
        waiting.joins_all(MAIN, &[first, second, third], here());
        assert_eq!(
            waiting.waits.get(MAIN).expect("main joins").0,
            Wait::Join(second),
            "the first has ended"
        );
        waiting.thread_ended(second);
        assert_eq!(
            waiting.waits.get(MAIN).expect("main joins").0,
            Wait::Join(third)
        );
        waiting.thread_ended(third);
        assert!(waiting.waits.get(MAIN).is_none(), "every thread has ended");
    }

    #[test]
    fn a_lock_wait_is_a_deadlock_only_while_a_thread_holds_the_lock() {
        let mut waiting = Waiting::default();
        let took = here();
        waiting.begins(MAIN, Wait::Lock(10, Access::Exclusive), here());
        waiting.begins(CHILD, on(3), here());
        assert_eq!(waiting.deadlock(2, no_holder), None, "the lock is free");
        let held = |lock, _| (lock == 10).then_some((CHILD, took));
        let deadlock = waiting.deadlock(2, held).expect("a deadlock");
        assert_eq!(
            deadlock.threads()[0].on,
            StuckOn::Lock {
                holder: CHILD,
                taken_at: took
            }
        );
        assert_eq!(
            waiting.quiescent(2),
            None,
            "for quiescence a lock wait runs"
        );
    }

    #[test]
    fn a_park_after_an_unpark_returns_at_once_and_the_next_one_blocks() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(MAIN);
        waiting.unparked(CHILD);
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        assert_eq!(waiting.deadlock(2, no_holder), None, "it takes the unpark");
        assert!(!waiting.park_ends(CHILD), "the unpark ended it");
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        assert!(waiting.deadlock(2, no_holder).is_some());
    }

    #[test]
    fn a_park_that_ends_with_no_unpark_woke_spuriously() {
        let mut waiting = Waiting::default();
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        assert!(waiting.park_ends(CHILD));
    }

    #[test]
    fn a_parked_thread_unparked_runs_and_took_the_unpark() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(MAIN);
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        waiting.unparked(CHILD);
        assert_eq!(waiting.deadlock(2, no_holder), None, "the unpark wakes it");
        assert!(!waiting.park_ends(CHILD), "the unpark woke it");
        waiting.begins(CHILD, Wait::Park { timed: false }, here());
        assert!(
            waiting.deadlock(2, no_holder).is_some(),
            "no unpark is left"
        );
    }

    #[test]
    fn a_notified_waiter_is_stuck_once_the_engine_found_no_thread_able_to_go_on() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, on(3), here());
        waiting.notified(3, usize::MAX);
        waiting.thread_ended(CHILD);
        assert_eq!(waiting.deadlock(2, no_holder), None, "it may have woken");
        let deadlock = waiting
            .deadlock_the_engine_found(2, no_holder)
            .expect("the notification woke nobody");
        assert_eq!(deadlock.threads()[0].on, StuckOn::Condvar);
    }

    #[test]
    fn a_run_whose_threads_all_ended_is_no_deadlock() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(MAIN);
        waiting.thread_ended(CHILD);
        assert_eq!(waiting.deadlock(2, no_holder), None);
    }

    #[test]
    fn a_notify_one_frees_every_waiter_until_the_one_it_woke_returns() {
        let mut waiting = Waiting::default();
        waiting.begins(MAIN, on(3), here());
        waiting.begins(CHILD, on(3), here());
        waiting.notified(3, 1);
        assert_eq!(
            waiting.deadlock(2, no_holder),
            None,
            "either may be the one"
        );
        waiting.ends(MAIN);
        waiting.thread_ended(MAIN);
        let deadlock = waiting
            .deadlock(2, no_holder)
            .expect("the other still waits");
        assert_eq!(deadlock.threads()[0].thread, CHILD);
    }

    #[test]
    fn a_notification_with_nobody_waiting_is_lost() {
        let mut waiting = Waiting::default();
        waiting.thread_ended(MAIN);
        waiting.notified(3, usize::MAX);
        waiting.begins(CHILD, on(3), here());
        assert!(waiting.deadlock(2, no_holder).is_some());
    }
}
