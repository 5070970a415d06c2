//! Accesses to memory the facade does not carry, and whether they race:
//! two accesses of different threads, one of them a write, that nothing
//! orders (no lock, join, unpark or atomic between them).
//!
//! Under loom, a cell of loom's own, of no data, that each access reads or
//! writes, so that loom fails an access that the others' do not happen
//! before (or after) as its causality check requires: loom models every
//! ordering, so a read told by a relaxed flag races the write. Under
//! shuttle, shuttle's vector clocks: each access keeps the clock of its
//! thread, and an access whose thread's clock has not caught up with an
//! earlier conflicting access's races it. shuttle's atomics are
//! sequentially consistent, and every access of one orders what came
//! before it, so there only accesses that nothing at all orders race
//! (two writers that both think they hold a spin lock). Whether they
//! race does not hang on the schedule: the two writes race even when one
//! runs long after the other. On real threads, nothing.
//! [`Written`](super::written::Written) and the facade's
//! [`UnsafeCell`](super::cell::UnsafeCell) are both made of one.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::{Mutex, PoisonError};

use shuttle_engine::runtime::execution::ExecutionState;
use shuttle_engine::runtime::task::clock::VectorClock;

use super::execution::{self, Flavour};
use super::facts::ThreadKey;

/// The accesses of one place in memory, as the run's engine checks them.
/// Each engine's record sits behind a std mutex, which orders nothing a
/// model sees, so that what holds it may be shared as the data it tracks
/// is.
#[derive(Debug)]
pub(crate) struct Tracked {
    by: By,
}

/// Who checks the accesses of a place.
#[derive(Debug)]
enum By {
    /// Real threads, or outside any run: nobody.
    Nobody,
    /// shuttle, by the clocks of the accesses so far.
    Shuttle(Mutex<Clocked>),
    /// loom, by a cell loom tracks.
    Loom(Mutex<loom::cell::UnsafeCell<()>>),
}

/// The vector clocks of a place's accesses that a later access must have
/// seen: the last write's, and those of the reads since it that no later
/// read has seen (a read whose clock has seen another has seen all that
/// one had, so the other need not be kept).
#[derive(Debug, Default)]
struct Clocked {
    write: Option<VectorClock>,
    reads: Vec<VectorClock>,
}

impl Clocked {
    /// Records `access`, made by a thread whose clock is `now`; whether
    /// every earlier access it conflicts with happens before it.
    fn allows(&mut self, access: CellAccess, now: VectorClock) -> bool {
        let seen = |then: &VectorClock| *then <= now;
        let ordered = self.write.as_ref().is_none_or(seen)
            && (access == CellAccess::Read || self.reads.iter().all(seen));
        match access {
            CellAccess::Read => {
                self.reads.retain(|read| !seen(read));
                self.reads.push(now);
            }
            CellAccess::Write => {
                self.reads.clear();
                self.write = Some(now);
            }
        }
        ordered
    }
}

/// What an access does: read, or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellAccess {
    /// Reads the data (`with`).
    Read,
    /// Writes it (`with_mut`).
    Write,
}

/// An access to an [`UnsafeCell`](super::cell::UnsafeCell) of the facade
/// that another thread's access races: the two are not ordered by a lock,
/// a join or an atomic's release and acquire, and one of them writes.
/// Found under loom, which models every ordering, and under shuttle's
/// engines, by shuttle's vector clocks, whose atomics are sequentially
/// consistent and so order more (a relaxed flag orders there); what a run
/// that finds one raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataRace {
    /// The access loom caught.
    pub access: CellAccess,
    /// Its line.
    pub at: &'static Location<'static>,
}

impl fmt::Display for DataRace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let does = match self.access {
            CellAccess::Read => "read",
            CellAccess::Write => "write",
        };
        write!(
            f,
            "data race: the {does} of an UnsafeCell at {}:{} races another thread's access to it, \
             and nothing orders the two",
            self.at.file(),
            self.at.line()
        )
    }
}

impl Tracked {
    /// The accesses of a place the calling thread has just made.
    pub(crate) fn new() -> Tracked {
        let by = match execution::current().map(|run| run.flavour()) {
            Some(Flavour::Loom) => By::Loom(Mutex::new(loom::cell::UnsafeCell::new(()))),
            Some(Flavour::Shuttle) => By::Shuttle(Mutex::new(Clocked::default())),
            Some(Flavour::Std) | None => By::Nobody,
        };
        Tracked { by }
    }

    /// Whether the calling thread may make `access` now: `false` if it
    /// races another. A thread unwinding a failed execution asks its
    /// engine nothing more (loom's execution is gone), and may.
    pub(crate) fn allows(&self, access: CellAccess) -> bool {
        if std::thread::panicking() {
            return true;
        }
        match &self.by {
            By::Nobody => true,
            By::Shuttle(clocked) => lock(clocked).allows(access, ticked()),
            By::Loom(cell) => {
                let cell = lock(cell);
                let checked = panic::catch_unwind(AssertUnwindSafe(|| match access {
                    CellAccess::Read => cell.with(|_| ()),
                    CellAccess::Write => cell.with_mut(|_| ()),
                }));
                checked.is_ok()
            }
        }
    }
}

/// The calling shuttle thread's vector clock, one tick on: a tick, so
/// that what the thread did since its last release is not taken as
/// seen by a thread that saw only that release.
fn ticked() -> VectorClock {
    ExecutionState::with(|state| state.increment_clock().clone())
}

/// The calling shuttle thread now has seen what `released` saw: the
/// ordering a synchronisation outside shuttle's own primitives makes (an
/// unpark, before the park it ends).
fn acquire(released: &VectorClock) {
    ExecutionState::with(|state| state.update_clock(released));
}

/// What the unparks of each parked thread of a shuttle run had seen, for
/// the park they end: std's `unpark` synchronises with the `park` that
/// takes its token, and shuttle's carries no clock.
#[derive(Debug, Default)]
pub(crate) struct Unparks {
    pending: BTreeMap<ThreadKey, VectorClock>,
}

impl Unparks {
    /// The calling thread unparks `thread`.
    pub(crate) fn unparks(&mut self, thread: ThreadKey) {
        let now = ticked();
        self.pending
            .entry(thread)
            .and_modify(|seen| seen.update(&now))
            .or_insert(now);
    }

    /// `thread`, the calling one, returns from a park: it has seen what
    /// its unparkers had.
    pub(crate) fn park_ends(&mut self, thread: ThreadKey) {
        if let Some(seen) = self.pending.remove(&thread) {
            acquire(&seen);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(time: &[u32]) -> VectorClock {
        VectorClock::from(time)
    }

    #[test]
    fn an_access_after_a_write_it_has_seen_is_ordered() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Write, clock(&[1, 0])));
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 3])));
        assert!(clocked.allows(CellAccess::Write, clock(&[2, 3])));
    }

    #[test]
    fn a_read_that_has_not_seen_the_write_races_it() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Write, clock(&[2, 0])));
        assert!(!clocked.allows(CellAccess::Read, clock(&[1, 1])));
    }

    #[test]
    fn a_write_that_has_not_seen_a_read_races_it() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 0])));
        assert!(!clocked.allows(CellAccess::Write, clock(&[0, 1])));
    }

    #[test]
    fn reads_of_two_threads_do_not_race_each_other() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 0])));
        assert!(clocked.allows(CellAccess::Read, clock(&[0, 1])));
    }

    #[test]
    fn a_write_must_have_seen_every_read_since_the_last_write() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 0, 0])));
        assert!(clocked.allows(CellAccess::Read, clock(&[0, 1, 0])));
        assert!(!clocked.allows(CellAccess::Write, clock(&[1, 0, 1])));
    }

    #[test]
    fn a_read_another_read_has_seen_is_kept_no_longer() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 0])));
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 1])));
        assert_eq!(clocked.reads, [clock(&[1, 1])]);
    }

    #[test]
    fn a_write_forgets_the_reads_before_it() {
        let mut clocked = Clocked::default();
        assert!(clocked.allows(CellAccess::Read, clock(&[1, 0])));
        assert!(clocked.allows(CellAccess::Write, clock(&[1, 1])));
        assert!(clocked.reads.is_empty());
    }
}
