//! Whether a read of a simulated file happens after the writes of the bytes
//! it reads. Real files order nothing: a reader that learns of new bytes
//! through a weakly ordered flag may read before the write is visible. Only
//! loom models orderings, so under loom each write of a simulated file
//! leaves a cell that loom tracks ([`WrittenBytes`]), and a read touches the
//! cells of the bytes it reads: loom panics if a write does not happen
//! before the read. The panic hook notes which read that was
//! ([`note_panic`]), and the engine reports it as a data-integrity
//! violation ([`take_data_race`]).

use std::cell::RefCell;
use std::sync::Arc;

pub use scenarios::doubles::DataRace;
use scenarios::doubles::WrittenBytes;

thread_local! {
    /// The read being checked on this OS thread, while it is.
    static CHECKING: RefCell<Option<DataRace>> = const { RefCell::new(None) };
    /// The first read whose check panicked since the last take.
    static FOUND: RefCell<Option<DataRace>> = const { RefCell::new(None) };
}

/// Checks a read of `[from, to)` of file `file` against the writes of the
/// bytes it reads.
pub(super) fn check_read(file: usize, from: u64, to: u64, writes: &[Arc<dyn WrittenBytes>]) {
    if writes.is_empty() {
        return;
    }
    CHECKING.with(|checking| *checking.borrow_mut() = Some(DataRace { file, from, to }));
    writes.iter().for_each(|write| write.read());
    CHECKING.with(|checking| checking.borrow_mut().take());
}

/// Called by the panic hook: if a read's check panicked, remembers it.
pub(super) fn note_panic() {
    if let Some(race) = CHECKING.with(|checking| checking.borrow_mut().take()) {
        FOUND.with(|found| {
            found.borrow_mut().get_or_insert(race);
        });
    }
}

/// The read whose check panicked on this OS thread since the last call, if
/// one did. Loom runs a whole execution on one OS thread.
pub fn take_data_race() -> Option<DataRace> {
    FOUND.with(|found| found.borrow_mut().take())
}
