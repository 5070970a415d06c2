//! The book of threads: who is live, waiting, timed-waiting, acquiring a
//! lock or finished, the locks each holds, park tokens, and the judges
//! that rule on quiescent moments, waits and the end of the run. Plain
//! data behind a std mutex whose critical sections never block or yield,
//! so no scheduler sees it; unit-tested without one.

use std::collections::{BTreeMap, BTreeSet};

use litemap::LiteMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crossbeam::channel::Sender;
use scenarios::Violation;

use crate::platform::panics::{SourceSite, take_first_panic};
use crate::platform::{Site, ThreadKey};

/// Per-thread facts the oracles and deadlock reports need. Plain std
/// mutex: its critical sections never block or yield, so schedulers never
/// see it.
#[derive(Debug)]
///
/// The per-thread maps are sorted vectors (`LiteMap`), not B-trees: a run
/// has a handful of threads, and a B-tree allocates a node each time a map
/// goes from empty to one entry, which these do on every lock and wait.
pub(super) struct ThreadBook {
    /// Threads that have started (or been spawned) and not yet finished,
    /// the scenario's main thread included.
    pub(super) live_threads: usize,
    pub(super) locks_held: LiteMap<ThreadKey, usize>,
    /// Threads in an untimed condition-variable wait, by thread key.
    pub(super) waiting: LiteMap<ThreadKey, Waiter>,
    /// Threads in a timed wait, by thread key: blocked until notified or
    /// until virtual time reaches their timeout.
    pub(super) timed: LiteMap<ThreadKey, Waiter>,
    /// Threads that have finished, by thread key.
    pub(super) finished: BTreeSet<ThreadKey>,
    pub(super) judges: Judges,
    /// Threads blocked acquiring a lock, by thread key: name and call site.
    pub(super) acquiring: LiteMap<ThreadKey, (Arc<str>, Site)>,
    pub(super) spawned_by_name: BTreeMap<String, usize>,
    pub(super) panic_sink: Option<Sender<ThreadPanic>>,
    /// The first spawned thread whose body panicked.
    pub(super) first_panicked: Option<String>,
    /// Threads inside a call that promises never to wait, and what it is.
    pub(super) never_waits: LiteMap<ThreadKey, &'static str>,
    /// Threads unparked and not parked since: their park returns at once.
    pub(super) park_tokens: BTreeSet<ThreadKey>,
}

#[derive(Debug)]
pub(super) struct Waiter {
    /// The thread's name.
    pub(super) thread: Arc<str>,
    /// Where it waits.
    pub(super) at: Site,
    /// Identity of the condition variable, to match notifications; `None`
    /// for a parked thread, which an unpark wakes.
    pub(super) condvar: Option<usize>,
    /// Notified, so runnable as soon as the scheduler picks it.
    pub(super) notified: bool,
}

/// How a spawned thread panicked, as a real-thread driver hears it.
#[derive(Clone, Debug)]
pub enum ThreadPanic {
    /// It raised a violation.
    Violation(Violation),
    /// It panicked otherwise: the store, or the harness.
    Other {
        /// The thread's name.
        thread: String,
        /// The panic's message.
        message: String,
        /// Where it panicked, if the hook saw it.
        site: Option<SourceSite>,
    },
}

impl Default for ThreadBook {
    fn default() -> ThreadBook {
        ThreadBook {
            live_threads: 1,
            locks_held: LiteMap::new(),
            waiting: LiteMap::new(),
            timed: LiteMap::new(),
            finished: BTreeSet::new(),
            judges: Judges::default(),
            acquiring: LiteMap::new(),
            spawned_by_name: BTreeMap::new(),
            panic_sink: None,
            first_panicked: None,
            never_waits: LiteMap::new(),
            park_tokens: BTreeSet::new(),
        }
    }
}

/// What the liveness and end-of-run oracles judge with.
#[derive(Default)]
pub(super) struct Judges {
    /// Judges every quiescent moment (see [`Quiescence`]).
    pub(super) quiescence: Option<QuiescenceJudge>,
    /// Judges the end of the run, once every thread has finished.
    pub(super) end: Option<EndJudge>,
    /// What a blocked thread waits for, in words, for deadlock reports.
    pub(super) wait_for: Option<WaitFor>,
    /// Judges every moment a thread begins to wait.
    pub(super) at_wait: Option<WaitJudge>,
}

impl std::fmt::Debug for Judges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Judges")
    }
}

/// A moment at which no thread can run until a notification nobody can
/// send, or a timer: every live thread is in an untimed wait that nobody
/// has notified, or in a timed wait. What the liveness oracles judge.
#[derive(Debug)]
pub struct Quiescence {
    /// Every live thread, blocked.
    pub blocked: Vec<Blocked>,
    /// Keys of the threads that have finished.
    pub finished: BTreeSet<ThreadKey>,
}

/// One blocked thread at a quiescent moment.
#[derive(Clone, Debug)]
pub struct Blocked {
    /// The thread's key.
    pub key: ThreadKey,
    /// The thread and where it is blocked.
    pub thread: BlockedThread,
}

impl Blocked {
    /// Whether it waits with a timeout, so virtual time would free it.
    pub fn timed(&self) -> bool {
        self.thread.how == Blocking::TimedWait
    }
}

/// How a thread is blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Blocking {
    /// In an untimed condition-variable wait nobody has notified.
    Waiting,
    /// In a timed wait.
    TimedWait,
    /// Acquiring a lock.
    AcquiringLock,
}

/// A blocked thread, and where it is blocked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockedThread {
    /// The thread's name.
    pub thread: String,
    /// How it is blocked.
    pub how: Blocking,
    /// Where.
    pub at: SourceSite,
}

impl std::fmt::Display for BlockedThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.how {
            Blocking::Waiting => "waiting",
            Blocking::TimedWait => "timed wait",
            Blocking::AcquiringLock => "acquiring a lock",
        };
        write!(f, "{} ({how} at {})", self.thread, self.at)
    }
}

/// Judges a quiescent moment: a violation, or `None`.
pub type QuiescenceJudge = Arc<dyn Fn(&Quiescence) -> Option<Violation> + Send + Sync>;

/// Judges the end of a run: a violation, or `None`.
pub type EndJudge = Arc<dyn Fn() -> Option<Violation> + Send + Sync>;

/// Judges a moment a thread begins to wait.
pub type WaitJudge = Arc<dyn Fn(&WaitBegins<'_>) -> Option<Violation> + Send + Sync>;

/// A thread beginning to wait, as a [`WaitJudge`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct WaitBegins<'a> {
    /// The thread about to wait.
    pub caller: ThreadKey,
    /// Every thread inside a wait (untimed or timed, notified or not), the
    /// caller included.
    pub inside: &'a [ThreadKey],
    /// How long the caller waits at most: `None` for an untimed wait or a
    /// park.
    pub timeout: Option<Duration>,
}

/// What thread `key` waits for, in words, given how every blocked thread
/// is blocked; `None` for a thread in no call the facts know.
pub type WaitFor =
    Arc<dyn Fn(ThreadKey, &BTreeMap<ThreadKey, BlockedThread>) -> Option<String> + Send + Sync>;

thread_local! {
    /// Whether this thread holds the book's lock (see [`Book::lock`]).
    static HOLDS_BOOK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The book behind its lock. A judge runs under this lock, so it must never
/// run code that comes back to the platform (a subject's destructor, say):
/// on one thread that would wait for itself forever. The lock turns that
/// into a loud harness bug instead of a hang the watchdog finds minutes
/// later.
#[derive(Debug, Default)]
pub(super) struct Book(Mutex<ThreadBook>);

/// The book, locked by the calling thread.
pub(super) struct BookGuard<'a>(std::sync::MutexGuard<'a, ThreadBook>);

impl Book {
    /// Locks the book. Panics, naming the harness bug, if the calling
    /// thread already holds it.
    pub(super) fn lock(&self) -> BookGuard<'_> {
        assert!(
            !HOLDS_BOOK.with(std::cell::Cell::get),
            "HARNESS BUG: the platform's book was locked again by the thread that holds it \
             (a judge ran code that calls back into the platform)"
        );
        let guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        HOLDS_BOOK.with(|holds| holds.set(true));
        BookGuard(guard)
    }
}

impl Deref for BookGuard<'_> {
    type Target = ThreadBook;

    fn deref(&self) -> &ThreadBook {
        &self.0
    }
}

impl DerefMut for BookGuard<'_> {
    fn deref_mut(&mut self) -> &mut ThreadBook {
        &mut self.0
    }
}

impl Drop for BookGuard<'_> {
    fn drop(&mut self) {
        HOLDS_BOOK.with(|holds| holds.set(false));
    }
}

impl ThreadBook {
    /// The verdict on this moment if, with `caller` blocked (or finished,
    /// when `None`), it is quiescent.
    pub(super) fn quiescence_violation(&self, caller: Option<Blocked>) -> Option<Violation> {
        let judge = self.judges.quiescence.as_ref()?;
        if !self.acquiring.is_empty() {
            return None;
        }
        let caller_key = caller.as_ref().map(|caller| caller.key);
        let others_live = self.live_threads - usize::from(caller.is_some());
        let blocked_in = |waiters: &LiteMap<ThreadKey, Waiter>, how: Blocking| {
            waiters
                .iter()
                .filter(|(key, waiter)| !waiter.notified && Some(*key) != caller_key.as_ref())
                .map(|(key, waiter)| waiter.blocked(key, how))
                .collect::<Vec<_>>()
        };
        let mut blocked = blocked_in(&self.waiting, Blocking::Waiting);
        blocked.extend(blocked_in(&self.timed, Blocking::TimedWait));
        if blocked.len() != others_live {
            return None;
        }
        blocked.extend(caller);
        judge(&Quiescence {
            blocked,
            finished: self.finished.clone(),
        })
    }

    /// The verdict of the wait judge on `caller` beginning to wait.
    /// Nothing to judge in a thread unwinding a failed execution: its
    /// calls are cut short, and their counts with them.
    pub(super) fn wait_violation(
        &self,
        caller: ThreadKey,
        timeout: Option<Duration>,
    ) -> Option<Violation> {
        if std::thread::panicking() {
            return None;
        }
        let judge = self.judges.at_wait.as_ref()?;
        let mut inside: Vec<ThreadKey> = self
            .waiting
            .keys()
            .chain(self.timed.keys())
            .copied()
            .collect();
        inside.push(caller);
        judge(&WaitBegins {
            caller,
            inside: &inside,
            timeout,
        })
    }

    /// Threads that wait for a notification nobody has sent yet.
    pub(super) fn stuck_waiters(&self) -> impl Iterator<Item = &Waiter> {
        self.waiting.values().filter(|waiter| !waiter.notified)
    }

    /// Every blocked thread with where it waits, sorted by thread key.
    pub(super) fn blocked(&self) -> Vec<BlockedThread> {
        self.blocked_by_key()
            .into_iter()
            .map(|(_, thread)| thread)
            .collect()
    }

    /// Every blocked thread with its key and where it waits: the waiting
    /// ones, then those acquiring a lock, each sorted by key.
    pub(super) fn blocked_by_key(&self) -> Vec<(ThreadKey, BlockedThread)> {
        let waiting = self
            .waiting
            .iter()
            .filter(|(_, waiter)| !waiter.notified)
            .map(|(key, waiter)| (*key, waiter.blocked(key, Blocking::Waiting).thread));
        let acquiring = self.acquiring.iter().map(|(key, (thread, at))| {
            let blocked = BlockedThread {
                thread: thread.to_string(),
                how: Blocking::AcquiringLock,
                at: SourceSite::of(at),
            };
            (*key, blocked)
        });
        waiting.chain(acquiring).collect()
    }

    /// What thread `key` waits for, as the facts tell it.
    pub(super) fn wait_for_of(&self, key: ThreadKey) -> Option<String> {
        let wait_for = self.judges.wait_for.as_ref()?;
        let blocked: BTreeMap<ThreadKey, BlockedThread> =
            self.blocked_by_key().into_iter().collect();
        wait_for(key, &blocked)
    }

    /// One line per blocked thread: where it is blocked and, where the
    /// facts know its call, what it waits for.
    pub(super) fn wait_for_lines(&self) -> Vec<String> {
        let listed = self.blocked_by_key();
        let blocked: BTreeMap<ThreadKey, BlockedThread> = listed.iter().cloned().collect();
        listed
            .iter()
            .map(|(key, thread)| {
                let wait_for = self
                    .judges
                    .wait_for
                    .as_ref()
                    .and_then(|wait_for| wait_for(*key, &blocked));
                match wait_for {
                    Some(wait_for) => format!("{thread}: {wait_for}"),
                    None => thread.to_string(),
                }
            })
            .collect()
    }
}

impl Waiter {
    pub(super) fn blocked(&self, key: &ThreadKey, how: Blocking) -> Blocked {
        Blocked {
            key: *key,
            thread: BlockedThread {
                thread: self.thread.to_string(),
                how,
                at: SourceSite::of(self.at),
            },
        }
    }
}

impl ThreadPanic {
    /// How thread `thread`, the caller, panicked with `payload`; where, if
    /// the hook saw it on this thread.
    pub fn of(thread: &str, payload: &(dyn std::any::Any + Send)) -> ThreadPanic {
        match Violation::of_panic(payload) {
            Some(violation) => ThreadPanic::Violation(violation.clone()),
            None => ThreadPanic::Other {
                thread: thread.to_owned(),
                message: harness::panics::panic_message(payload),
                site: take_first_panic(),
            },
        }
    }
}

impl ThreadBook {
    /// Counts thread `key` out of the live threads. Returns a violation if
    /// the moment it leaves is quiescent and judged bad, or if it was the
    /// last thread of the run and the end is judged bad. (Whether it left
    /// others deadlocked is the caller's check.)
    pub(super) fn thread_finishes(&mut self, key: ThreadKey) -> Option<Violation> {
        self.live_threads -= 1;
        self.finished.insert(key);
        if self.live_threads == 0 {
            return self.judges.end.as_ref().and_then(|judge| judge());
        }
        self.quiescence_violation(None)
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{self, AssertUnwindSafe, Location};

    use scenarios::Oracle;

    use super::*;

    const MAIN: ThreadKey = ThreadKey(0);
    const OTHER: ThreadKey = ThreadKey(1);

    fn waiter(name: &str, notified: bool) -> Waiter {
        Waiter {
            thread: Arc::from(name),
            at: Location::caller(),
            condvar: Some(7),
            notified,
        }
    }

    /// A book of two live threads whose quiescence judge reports how many
    /// threads it saw blocked.
    fn two_threads_judged() -> ThreadBook {
        let mut book = ThreadBook {
            live_threads: 2,
            ..ThreadBook::default()
        };
        book.judges.quiescence = Some(Arc::new(|moment: &Quiescence| {
            let what = format!("{} blocked", moment.blocked.len());
            Some(Violation::new(
                Oracle::NoDeadlock,
                "judge",
                "quiescent",
                what,
            ))
        }));
        book
    }

    fn judged(book: &ThreadBook, caller: Option<Blocked>) -> Option<String> {
        book.quiescence_violation(caller)
            .map(|violation| violation.what.clone())
    }

    #[test]
    fn the_book_locked_again_by_its_holder_is_a_harness_bug_not_a_hang() {
        let book = Book::default();
        let held = book.lock();
        let again = panic::catch_unwind(AssertUnwindSafe(|| drop(book.lock())));
        drop(held);
        let message = again.expect_err("a second lock on one thread panics");
        let message = harness::panics::panic_message(message.as_ref());
        assert!(message.starts_with("HARNESS BUG"), "{message}");
        drop(book.lock());
    }

    #[test]
    fn a_moment_is_quiescent_when_every_other_live_thread_waits_unnotified() {
        let mut book = two_threads_judged();
        book.waiting.insert(OTHER, waiter("other", false));
        let caller = waiter("main", false).blocked(&MAIN, Blocking::Waiting);
        assert_eq!(judged(&book, Some(caller)).as_deref(), Some("2 blocked"));
    }

    #[test]
    fn a_notified_waiter_keeps_the_moment_from_being_quiescent() {
        let mut book = two_threads_judged();
        book.waiting.insert(OTHER, waiter("other", true));
        let caller = waiter("main", false).blocked(&MAIN, Blocking::Waiting);
        assert_eq!(judged(&book, Some(caller)), None);
    }

    #[test]
    fn no_moment_is_quiescent_while_a_thread_acquires_a_lock() {
        let mut book = two_threads_judged();
        book.waiting.insert(OTHER, waiter("other", false));
        book.acquiring
            .insert(ThreadKey(2), (Arc::from("third"), Location::caller()));
        let caller = waiter("main", false).blocked(&MAIN, Blocking::Waiting);
        assert_eq!(judged(&book, Some(caller)), None);
    }

    #[test]
    fn a_timed_waiter_counts_as_blocked_for_the_judge_to_weigh() {
        let mut book = two_threads_judged();
        book.timed.insert(OTHER, waiter("other", false));
        assert_eq!(judged(&book, None).as_deref(), None, "main still runs");
        book.live_threads = 1;
        assert_eq!(judged(&book, None).as_deref(), Some("1 blocked"));
    }

    #[test]
    fn the_last_thread_to_finish_is_judged_by_the_end_judge() {
        let mut book = ThreadBook::default();
        book.judges.end = Some(Arc::new(|| {
            Some(Violation::new(
                Oracle::NoDeadlock,
                "judge",
                "ended",
                "the end",
            ))
        }));
        let violation = book.thread_finishes(MAIN).expect("the end is judged");
        assert_eq!(violation.what, "the end");
        assert!(book.finished.contains(&MAIN));
    }

    #[test]
    fn blocked_threads_are_the_unnotified_waiters_then_those_acquiring_a_lock() {
        let mut book = ThreadBook::default();
        book.waiting.insert(ThreadKey(3), waiter("waits", false));
        book.waiting.insert(ThreadKey(4), waiter("notified", true));
        book.acquiring
            .insert(ThreadKey(1), (Arc::from("locks"), Location::caller()));
        let blocked: Vec<(String, Blocking)> = book
            .blocked()
            .into_iter()
            .map(|thread| (thread.thread, thread.how))
            .collect();
        assert_eq!(
            blocked,
            vec![
                ("waits".to_owned(), Blocking::Waiting),
                ("locks".to_owned(), Blocking::AcquiringLock)
            ]
        );
    }

    #[test]
    fn a_wait_for_line_adds_what_the_facts_say_the_thread_waits_for() {
        let mut book = ThreadBook::default();
        book.waiting.insert(OTHER, waiter("reader", false));
        book.judges.wait_for = Some(Arc::new(|key, _: &BTreeMap<_, _>| {
            Some(format!("bytes, as thread {}", key.0))
        }));
        let lines = book.wait_for_lines();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("reader (waiting at "), "{lines:?}");
        assert!(lines[0].ends_with("): bytes, as thread 1"), "{lines:?}");
    }
}
