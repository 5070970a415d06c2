//! Two of the platform's oracles, judged at the moment a thread is about
//! to wait, from what the model itself hands out:
//!
//! - `no-blocking-under-lock`: no thread waits while it holds a lock,
//!   other than the one its wait releases. Whoever needs that lock waits
//!   for the waiter's wake-up too, and if the wake-up needs the lock, the
//!   run hangs only on the schedules where the two meet.
//! - `never-waits`: code a test marks with [`never_waits`] (a logger's
//!   `try_log`, a lock-free push) takes no lock and waits on nothing
//!   until it returns.
//!
//! A wait is a condition variable's (timed or not; a channel's receive, a
//! bounded send's wait for room and a barrier's are one), a park, a sleep
//! or a join. A lock is a [`Mutex`](crate::model::sync::Mutex) or an
//! [`RwLock`](crate::model::sync::RwLock) of the facade; the model's own
//! locks inside its channels, barriers and once-cells are not booked, so
//! only what the code under test holds counts.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use super::execution::{self, Execution};
use super::facts::ThreadKey;

/// A line of the code under test.
pub(crate) type Site = &'static Location<'static>;

/// What a thread is about to do that the book may refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Blocking {
    /// Wait: on a condition variable, a park, a sleep, a join.
    Wait,
    /// Take a lock, waiting for it if another thread holds it.
    Lock,
}

/// One of the model's own oracles broken at the moment a thread was about
/// to block: what a run that breaks it raises (`Failure::raised` gives it
/// back, typed), reported by its `Display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockingViolation {
    /// `no-blocking-under-lock`: a thread waits while it holds a lock.
    WaitsUnderLock {
        /// The thread.
        thread: ThreadKey,
        /// Where it waits.
        waits_at: &'static Location<'static>,
        /// Where it took the lock it holds (the latest, if several).
        lock_taken_at: &'static Location<'static>,
    },
    /// `never-waits`: a thread inside a section marked never to wait takes
    /// a lock or waits.
    BlocksWhereItMustNot {
        /// The thread.
        thread: ThreadKey,
        /// What it does.
        blocking: Blocking,
        /// Where it does it.
        at: &'static Location<'static>,
        /// Where the section began.
        section_at: &'static Location<'static>,
    },
}

impl fmt::Display for BlockingViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockingViolation::WaitsUnderLock {
                thread,
                waits_at,
                lock_taken_at,
            } => write!(
                f,
                "no-blocking-under-lock: thread {} waits at {} while it holds the lock it took \
                 at {} (if the lock is held across the wait on purpose, call \
                 `harness::check::allow_waits_under_lock()` in the body)",
                thread.0,
                line(waits_at),
                line(lock_taken_at)
            ),
            BlockingViolation::BlocksWhereItMustNot {
                thread,
                blocking,
                at,
                section_at,
            } => {
                let does = match blocking {
                    Blocking::Wait => "waits",
                    Blocking::Lock => "takes a lock",
                };
                write!(
                    f,
                    "never-waits: thread {} {does} at {}, inside the section that must never \
                     wait begun at {}",
                    thread.0,
                    line(at),
                    line(section_at)
                )
            }
        }
    }
}

fn line(site: Site) -> String {
    format!("{}:{}", site.file(), site.line())
}

/// Per thread of a run: the locks it holds and the never-waits section it
/// is in.
#[derive(Default)]
pub(crate) struct Book {
    held: BTreeMap<ThreadKey, Vec<Held>>,
    sections: BTreeMap<ThreadKey, Section>,
    /// `no-blocking-under-lock` is off for the run, by
    /// [`allow_waits_under_lock`].
    waits_under_lock_allowed: bool,
}

/// One lock a thread holds: the lock's address (stable while it is held),
/// how, and where it was taken.
struct Held {
    lock: usize,
    access: Access,
    at: Site,
}

/// How a lock is held, or wanted: a mutex is always taken exclusively, a
/// reader-writer lock shared by readers or exclusively by a writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Held alongside other readers; excluded by a writer alone.
    Shared,
    /// Held alone; excluded by any holder.
    Exclusive,
}

impl Access {
    /// Whether a hold of `held` keeps a taker of `self` waiting.
    fn excluded_by(self, held: Access) -> bool {
        self == Access::Exclusive || held == Access::Exclusive
    }
}

/// A never-waits section: where its outermost mark began, and how deep
/// the marks are nested.
struct Section {
    at: Site,
    depth: usize,
}

impl Book {
    /// `thread` now holds `lock`, taken for `access` at `at`.
    pub(crate) fn taken(&mut self, thread: ThreadKey, lock: usize, access: Access, at: Site) {
        self.held
            .entry(thread)
            .or_default()
            .push(Held { lock, access, at });
    }

    /// `thread` let go of one hold of `lock` (a read lock may be held twice).
    pub(crate) fn released(&mut self, thread: ThreadKey, lock: usize) {
        if let Some(held) = self.held.get_mut(&thread) {
            if let Some(index) = held.iter().rposition(|hold| hold.lock == lock) {
                held.remove(index);
            }
        }
    }

    /// Where `thread` took a hold of `lock`, and for what access, if it
    /// holds it: taking it again, for any access, it would wait for
    /// itself. A read of a lock it reads counts too, as shuttle counts it:
    /// std's `RwLock::read` may panic there, and deadlocks behind a writer
    /// queued between the two reads where writers go first (Linux); loom
    /// miscounts it.
    pub(crate) fn own_hold(&self, thread: ThreadKey, lock: usize) -> Option<(Site, Access)> {
        let held = self.held.get(&thread)?;
        let hold = held.iter().find(|hold| hold.lock == lock)?;
        Some((hold.at, hold.access))
    }

    /// How many holds of `lock` `thread` has: two where a read hold was
    /// tried inside another.
    pub(crate) fn holds(&self, thread: ThreadKey, lock: usize) -> usize {
        self.held.get(&thread).map_or(0, |held| {
            held.iter().filter(|hold| hold.lock == lock).count()
        })
    }

    /// A thread whose hold of `lock` keeps a taker for `access` waiting,
    /// and where it took it: any holder for a writer, a writer for a
    /// reader.
    pub(crate) fn holder(&self, lock: usize, access: Access) -> Option<(ThreadKey, Site)> {
        self.held.iter().find_map(|(&thread, held)| {
            let hold = held
                .iter()
                .find(|hold| hold.lock == lock && access.excluded_by(hold.access))?;
            Some((thread, hold.at))
        })
    }

    /// Whether `thread` may do `blocking` at `at`.
    pub(crate) fn may(
        &self,
        thread: ThreadKey,
        blocking: Blocking,
        at: Site,
    ) -> Result<(), BlockingViolation> {
        if let Some(section) = self.sections.get(&thread) {
            return Err(BlockingViolation::BlocksWhereItMustNot {
                thread,
                blocking,
                at,
                section_at: section.at,
            });
        }
        let latest_hold = self.held.get(&thread).and_then(|held| held.last());
        match (blocking, latest_hold) {
            (Blocking::Wait, Some(hold)) if !self.waits_under_lock_allowed => {
                Err(BlockingViolation::WaitsUnderLock {
                    thread,
                    waits_at: at,
                    lock_taken_at: hold.at,
                })
            }
            _ => Ok(()),
        }
    }

    /// A wait under a lock is no violation for the rest of the run.
    pub(crate) fn allow_waits_under_lock(&mut self) {
        self.waits_under_lock_allowed = true;
    }

    /// `thread` enters a never-waits section marked at `at`.
    pub(crate) fn section_begins(&mut self, thread: ThreadKey, at: Site) {
        self.sections
            .entry(thread)
            .or_insert(Section { at, depth: 0 })
            .depth += 1;
    }

    /// `thread` leaves the innermost never-waits section it is in.
    pub(crate) fn section_ends(&mut self, thread: ThreadKey) {
        if let Some(section) = self.sections.get_mut(&thread) {
            section.depth -= 1;
            if section.depth == 0 {
                self.sections.remove(&thread);
            }
        }
    }
}

/// A lock the calling thread holds, in its run's book until dropped: a
/// guard of the facade carries one.
pub(crate) struct Hold {
    /// The run, and the thread holding the lock in it.
    holder: Option<(Arc<Execution>, ThreadKey)>,
    /// The lock's address, stable while it is held.
    address: usize,
}

impl Hold {
    /// The calling thread took `lock` for `access` at `at`.
    pub(crate) fn taken<L: ?Sized>(lock: &L, access: Access, at: Site) -> Hold {
        let address = address_of(lock);
        let holder = execution::current().map(|run| {
            let thread = run.lock_taken(address, access, at);
            (run, thread)
        });
        Hold { holder, address }
    }

    /// The same lock, held for `access` from `at` on: the hold the book
    /// kept is let go, and the new one booked, with nothing between.
    pub(crate) fn changed(self, access: Access, at: Site) -> Hold {
        let address = self.address;
        let holder = self.holder.clone();
        drop(self);
        let holder = holder.map(|(run, thread)| {
            run.lock_taken(address, access, at);
            (run, thread)
        });
        Hold { holder, address }
    }
}

impl Hold {
    /// Whether its thread holds the same lock again, by another hold: a
    /// read tried inside a read.
    pub(crate) fn shared_by_another(&self) -> bool {
        self.holder
            .as_ref()
            .is_some_and(|(run, thread)| run.holds(*thread, self.address) > 1)
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some((run, thread)) = &self.holder {
            run.lock_released(*thread, self.address);
        }
    }
}

/// Where `lock` lies: its key in the book, stable while it is waited for
/// and held. A lock of a value of unknown size is known by its address
/// alone, without the size or table its reference carries.
pub(crate) fn address_of<L: ?Sized>(lock: &L) -> usize {
    std::ptr::from_ref(lock).cast::<()>() as usize
}

/// The calling thread's wait for a lock, in its run's book of waits until
/// the lock is taken ([`LockWait::granted`]) or the thread unwinds: a
/// thread that waits for a lock another holds is blocked while the holder
/// is.
pub(crate) struct LockWait {
    /// The run, and the thread waiting in it.
    waiter: Option<(Arc<Execution>, ThreadKey)>,
    /// The lock's address, stable while it is waited for and held.
    address: usize,
    access: Access,
    at: Site,
}

impl LockWait {
    /// The calling thread asks for `lock`, for `access`, at `at`, and
    /// begins to wait for it. It raises the oracle that forbids the wait,
    /// if one does (a never-waits section), or the deadlock the wait
    /// completes.
    pub(crate) fn begins<L: ?Sized>(lock: &L, access: Access, at: Site) -> LockWait {
        let address = address_of(lock);
        let waiter = execution::current().map(|run| {
            let thread = run.thread_key();
            if let Err(raised) = run.lock_wait_begins(thread, (address, access), at) {
                raised.raise();
            }
            (run, thread)
        });
        LockWait {
            waiter,
            address,
            access,
            at,
        }
    }

    /// Lets the others run while a writer waits for the lock, if this is a
    /// wait for a read: std's lock on Linux prefers writers, and queues a
    /// read behind one that waits, where shuttle's lets the read in (two
    /// readers taking turns would keep the writer out for good, under
    /// PCT's priorities). The book has the read waiting meanwhile, so a
    /// deadlock it completes is found as the writer's or another's wait
    /// begins.
    pub(crate) fn queue_behind_a_waiting_writer(&self) {
        let Some((run, thread)) = &self.waiter else {
            return;
        };
        if self.access != Access::Shared {
            return;
        }
        while run.writer_waits_for(self.address, *thread) {
            super::thread::spin(run);
        }
    }

    /// The lock is taken: the wait ends and the hold begins, in the same
    /// run, by the same thread.
    pub(crate) fn granted(mut self) -> Hold {
        let holder = self.waiter.take().inspect(|(run, thread)| {
            run.lock_granted(*thread, self.address, self.access, self.at);
        });
        Hold {
            holder,
            address: self.address,
        }
    }
}

impl Drop for LockWait {
    /// A wait left without the lock (the thread unwinds). Asks the engine
    /// nothing, as [`Hold`]'s drop.
    fn drop(&mut self) {
        if let Some((run, thread)) = &self.waiter {
            run.wait_ends_of(*thread);
        }
    }
}

/// Runs `f`, which promises never to wait: under the harness, a lock it
/// takes (`lock`, `read`, `write`; a `try_` is no wait) or a wait of any
/// kind fails the run at that line, naming this section. Outside a run it
/// is `f()`.
///
/// ```ignore
/// let logged = never_waits(|| log.try_log(line));
/// ```
#[track_caller]
pub fn never_waits<R>(f: impl FnOnce() -> R) -> R {
    struct Ends(Option<(Arc<Execution>, ThreadKey)>);
    impl Drop for Ends {
        fn drop(&mut self) {
            if let Some((run, thread)) = &self.0 {
                run.never_waits_ends(*thread);
            }
        }
    }
    let at = Location::caller();
    let _ends = Ends(execution::current().map(|run| {
        let thread = run.never_waits_begins(at);
        (run, thread)
    }));
    f()
}

/// Turns `no-blocking-under-lock` off for the rest of the calling
/// thread's run, for a component that holds a lock across a wait on
/// purpose: a pool whose workers share a channel's receiver behind a mutex
/// and wait for a job holding it, as the Rust book's pool does. Only the
/// oracle is off: a wake-up that needs the lock the waiter holds still
/// fails the run where the two meet, as a `Deadlock`. Call it in the body;
/// outside a run it does nothing.
pub fn allow_waits_under_lock() {
    if let Some(run) = execution::current() {
        run.allow_waits_under_lock();
    }
}

/// The calling thread enters a never-waits section marked here, until its
/// [`never_waits_ends`]: [`never_waits`] as a pair, for code that is told
/// a call's beginning and its end apart (a platform trait a scenario
/// reports its calls to). Each begin needs its end on the same thread,
/// while a panic unwinds too: call it from a guard's `drop`. Outside a run
/// it does nothing.
#[track_caller]
pub fn never_waits_begins() {
    if let Some(run) = execution::current() {
        run.never_waits_begins(Location::caller());
    }
}

/// The calling thread leaves the innermost section its
/// [`never_waits_begins`] entered.
pub fn never_waits_ends() {
    if let Some(run) = execution::current() {
        run.never_waits_ends_here();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: ThreadKey = ThreadKey(1);
    const TWO: ThreadKey = ThreadKey(2);

    #[track_caller]
    fn here() -> Site {
        Location::caller()
    }

    #[test]
    fn a_thread_holding_no_lock_may_wait() {
        let book = Book::default();
        assert_eq!(book.may(ONE, Blocking::Wait, here()), Ok(()));
    }

    #[test]
    fn a_thread_holding_a_lock_may_not_wait() {
        let mut book = Book::default();
        let taken_at = here();
        book.taken(ONE, 10, Access::Exclusive, taken_at);
        let waits_at = here();
        assert_eq!(
            book.may(ONE, Blocking::Wait, waits_at),
            Err(BlockingViolation::WaitsUnderLock {
                thread: ONE,
                waits_at,
                lock_taken_at: taken_at
            })
        );
    }

    #[test]
    fn a_thread_holding_a_lock_may_take_another() {
        let mut book = Book::default();
        book.taken(ONE, 10, Access::Exclusive, here());
        assert_eq!(book.may(ONE, Blocking::Lock, here()), Ok(()));
    }

    #[test]
    fn another_threads_lock_does_not_count() {
        let mut book = Book::default();
        book.taken(TWO, 10, Access::Exclusive, here());
        assert_eq!(book.may(ONE, Blocking::Wait, here()), Ok(()));
    }

    #[test]
    fn a_released_lock_no_longer_counts() {
        let mut book = Book::default();
        book.taken(ONE, 10, Access::Exclusive, here());
        book.released(ONE, 10);
        assert_eq!(book.may(ONE, Blocking::Wait, here()), Ok(()));
    }

    #[test]
    fn a_lock_held_twice_counts_until_both_are_released() {
        let mut book = Book::default();
        book.taken(ONE, 10, Access::Shared, here());
        book.taken(ONE, 10, Access::Shared, here());
        book.released(ONE, 10);
        assert!(book.may(ONE, Blocking::Wait, here()).is_err());
        book.released(ONE, 10);
        assert_eq!(book.may(ONE, Blocking::Wait, here()), Ok(()));
    }

    #[test]
    fn a_reader_waits_for_a_writer_and_a_writer_for_any_holder() {
        let mut book = Book::default();
        let read_at = here();
        book.taken(ONE, 10, Access::Shared, read_at);
        assert_eq!(book.holder(10, Access::Shared), None, "readers share");
        assert_eq!(book.holder(10, Access::Exclusive), Some((ONE, read_at)));
        book.released(ONE, 10);
        let write_at = here();
        book.taken(TWO, 10, Access::Exclusive, write_at);
        assert_eq!(book.holder(10, Access::Shared), Some((TWO, write_at)));
        assert_eq!(book.holder(11, Access::Exclusive), None, "another lock");
    }

    #[test]
    fn a_thread_holding_a_lock_may_wait_once_the_run_allows_it() {
        let mut book = Book::default();
        book.taken(ONE, 10, Access::Exclusive, here());
        book.allow_waits_under_lock();
        assert_eq!(book.may(ONE, Blocking::Wait, here()), Ok(()));
    }

    #[test]
    fn a_run_that_allows_waits_under_a_lock_still_forbids_them_in_a_section() {
        let mut book = Book::default();
        book.allow_waits_under_lock();
        book.section_begins(ONE, here());
        assert!(book.may(ONE, Blocking::Wait, here()).is_err());
    }

    #[test]
    fn inside_a_section_neither_a_lock_nor_a_wait_is_allowed() {
        let mut book = Book::default();
        let section_at = here();
        book.section_begins(ONE, section_at);
        for blocking in [Blocking::Lock, Blocking::Wait] {
            let at = here();
            assert_eq!(
                book.may(ONE, blocking, at),
                Err(BlockingViolation::BlocksWhereItMustNot {
                    thread: ONE,
                    blocking,
                    at,
                    section_at
                })
            );
        }
    }

    #[test]
    fn a_nested_section_ends_with_its_outermost_mark() {
        let mut book = Book::default();
        let outer = here();
        book.section_begins(ONE, outer);
        book.section_begins(ONE, here());
        book.section_ends(ONE);
        assert!(matches!(
            book.may(ONE, Blocking::Lock, here()),
            Err(BlockingViolation::BlocksWhereItMustNot { section_at, .. }) if section_at == outer
        ));
        book.section_ends(ONE);
        assert_eq!(book.may(ONE, Blocking::Lock, here()), Ok(()));
    }

    #[test]
    fn a_section_binds_only_its_own_thread() {
        let mut book = Book::default();
        book.section_begins(TWO, here());
        assert_eq!(book.may(ONE, Blocking::Lock, here()), Ok(()));
    }
}
