//! `UnsafeCell` under the model: the data in std's cell, and its accesses
//! [`Tracked`], which fails a run at an access that races another (one of
//! them a write, and no lock, join, unpark or release and acquire between
//! them), as loom's own `UnsafeCell` does: under loom by loom's causality,
//! under shuttle by its vector clocks (see [`Tracked`]). Real threads race
//! for real, and are not checked. An access is a fact (`Op::Cell`), so a
//! race's report shows the other thread's access too, but no scheduling
//! point: it synchronises nothing, and what orders it (a lock, an atomic)
//! already is one. Inside `check::peek` (a judge reading the component's
//! state) a read is neither a fact nor checked, and a write is refused.

use std::panic::Location;

use super::causality::{CellAccess, DataRace, Tracked};
use super::execution;
use super::facts::Op;
use super::peek;

/// A cell whose data is reached by raw pointer, as
/// `std::cell::UnsafeCell`, in the shape loom's has: `with` for a read,
/// `with_mut` for a write, so that each access has a beginning the model
/// can check.
#[derive(Debug)]
pub struct UnsafeCell<T> {
    data: std::cell::UnsafeCell<T>,
    tracked: Tracked,
}

impl<T> UnsafeCell<T> {
    /// A cell holding `value`.
    pub fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell {
            data: std::cell::UnsafeCell::new(value),
            tracked: Tracked::new(),
        }
    }

    /// Calls `f` with a pointer to read the data through: under loom or
    /// shuttle, the run fails at the caller's line if a write of another
    /// thread races this read.
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        self.checked(CellAccess::Read, Location::caller());
        f(self.data.get())
    }

    /// Calls `f` with a pointer to write the data through: under loom or
    /// shuttle, the run fails at the caller's line if any access of
    /// another thread races this write.
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        self.checked(CellAccess::Write, Location::caller());
        f(self.data.get())
    }

    /// The data, which `&mut self` proves nobody else reaches.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The data, consuming the cell.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// Records `access` at `at`, and raises the [`DataRace`] if it races
    /// another.
    fn checked(&self, access: CellAccess, at: &'static Location<'static>) {
        if peek::peeking() && access == CellAccess::Read {
            return;
        }
        execution::record(Op::Cell(access), at);
        if !self.tracked.allows(access) {
            execution::raise_kept(DataRace { access, at });
        }
    }
}

impl<T: Default> Default for UnsafeCell<T> {
    fn default() -> UnsafeCell<T> {
        UnsafeCell::new(T::default())
    }
}

impl<T> From<T> for UnsafeCell<T> {
    fn from(value: T) -> UnsafeCell<T> {
        UnsafeCell::new(value)
    }
}
