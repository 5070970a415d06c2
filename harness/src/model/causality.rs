//! Accesses to memory the facade does not carry, whose order loom checks:
//! under loom a cell of loom's own, of no data, that each access reads or
//! writes, so that loom fails an access that the others' do not happen
//! before (or after) as its causality check requires; under any other
//! engine, nothing. [`Written`](super::written::Written) and the facade's
//! [`UnsafeCell`](super::cell::UnsafeCell) are both made of one.

use std::fmt;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::{Mutex, PoisonError};

use super::execution::{self, Flavour};

/// The accesses of one place in memory, as loom checks them.
#[derive(Debug)]
pub(crate) struct Tracked {
    /// Under loom, the cell loom tracks; elsewhere nothing. Behind a std
    /// mutex, which orders nothing loom sees, so that what holds it may
    /// be shared as the data it tracks is.
    cell: Option<Mutex<loom::cell::UnsafeCell<()>>>,
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
/// Found under loom alone, the one engine that models orderings; what a
/// run that finds one raises.
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
             and nothing orders the two (loom's causality check)",
            self.at.file(),
            self.at.line()
        )
    }
}

impl Tracked {
    /// The accesses of a place the calling thread has just made.
    pub(crate) fn new() -> Tracked {
        let tracked = execution::current().is_some_and(|run| run.flavour() == Flavour::Loom);
        Tracked {
            cell: tracked.then(|| Mutex::new(loom::cell::UnsafeCell::new(()))),
        }
    }

    /// Whether the calling thread may make `access` now: `false` if loom
    /// found it racing another. A thread unwinding a failed execution asks
    /// loom nothing more (its execution is gone), and may.
    pub(crate) fn allows(&self, access: CellAccess) -> bool {
        let Some(cell) = &self.cell else {
            return true;
        };
        if std::thread::panicking() {
            return true;
        }
        let cell = cell.lock().unwrap_or_else(PoisonError::into_inner);
        let checked = panic::catch_unwind(AssertUnwindSafe(|| match access {
            CellAccess::Read => cell.with(|_| ()),
            CellAccess::Write => cell.with_mut(|_| ()),
        }));
        checked.is_ok()
    }
}
