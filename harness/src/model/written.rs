//! Causality for data the facade does not carry: bytes a thread writes to
//! a file, a mapped buffer or a device, and another reads once told they
//! are there. Real files order nothing, so what tells the reader (an
//! atomic, a lock) must order the write before the read; only loom models
//! orderings, so under loom a [`Written`] is a cell loom tracks, written
//! as it is made, and each [`Written::read`] reads it: a read that the
//! write does not happen before fails the run.

use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::{Mutex, PoisonError};

use super::execution::{self, Flavour};

/// One write of data outside the facade, as a run checks reads of it.
pub struct Written {
    /// Under loom, the cell loom tracks; elsewhere nothing.
    cell: Option<Mutex<loom::cell::UnsafeCell<()>>>,
}

impl std::fmt::Debug for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Written")
            .field("tracked", &self.cell.is_some())
            .finish()
    }
}

impl Written {
    /// The calling thread has just written the data. Call it after the
    /// write and before whatever tells readers of it.
    pub fn new() -> Written {
        let tracked = execution::current().is_some_and(|run| run.flavour() == Flavour::Loom);
        let cell = tracked.then(|| {
            let cell = loom::cell::UnsafeCell::new(());
            cell.with_mut(|_| ());
            Mutex::new(cell)
        });
        Written { cell }
    }

    /// The calling thread reads the data: under loom, the run fails at
    /// the caller's line unless the write happens before this read.
    #[track_caller]
    pub fn read(&self) {
        let Some(cell) = &self.cell else {
            return;
        };
        // A failed execution's teardown must not ask loom anything more.
        if std::thread::panicking() {
            return;
        }
        let at = Location::caller();
        let cell = cell.lock().unwrap_or_else(PoisonError::into_inner);
        let checked = panic::catch_unwind(AssertUnwindSafe(|| cell.with(|_| ())));
        if checked.is_err() {
            panic!(
                "a read at {at} of data written outside the facade does not happen after its \
                 write: what told the reader the data was there did not order the write before \
                 the read (loom's causality check)"
            );
        }
    }
}

impl Default for Written {
    fn default() -> Written {
        Written::new()
    }
}
