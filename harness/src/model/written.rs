//! Causality for data the facade does not carry: bytes a thread writes to
//! a file, a mapped buffer or a device, and another reads once told they
//! are there. Real files order nothing, so what tells the reader (an
//! atomic, a lock) must order the write before the read. A [`Written`] is
//! a place the run's engine tracks ([`Tracked`]: loom's causality, or
//! shuttle's vector clocks), written as it is made, and each
//! [`Written::read`] reads it: a read that the write does not happen before
//! fails the run.

use std::panic::Location;

use super::causality::{CellAccess, Tracked};

/// One write of data outside the facade, as a run checks reads of it.
#[derive(Debug)]
pub struct Written {
    tracked: Tracked,
}

impl Written {
    /// The calling thread has just written the data. Call it after the
    /// write and before whatever tells readers of it.
    pub fn new() -> Written {
        let tracked = Tracked::new();
        let first = tracked.allows(CellAccess::Write);
        assert!(first, "a place just made has no access to race");
        Written { tracked }
    }

    /// The calling thread reads the data: under loom or shuttle, the run fails at
    /// the caller's line unless the write happens before this read.
    #[track_caller]
    pub fn read(&self) {
        if !self.tracked.allows(CellAccess::Read) {
            panic!(
                "a read at {} of data written outside the facade does not happen after its \
                 write: what told the reader the data was there did not order the write before \
                 the read",
                Location::caller()
            );
        }
    }
}

impl Default for Written {
    fn default() -> Written {
        Written::new()
    }
}
