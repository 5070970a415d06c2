//! `std::thread::LocalKey` under the model: each thread of a run has its
//! own value, as each real thread has.
//!
//! shuttle and loom run every thread of a run as a coroutine on the one OS
//! thread of the search, so std's `thread_local!` would give all of them
//! one value, and keep it from one run to the next: a per-thread cache
//! would pass values between threads no real program could. A key here
//! holds one key of each engine's: shuttle's and loom's keep a value per
//! thread of theirs, in the slot their own thread-locals use, and drop it
//! as the thread ends; std's serves the real threads of `threads` and
//! code outside any run. A key is not a scheduling point, as std's is no
//! synchronisation: only its thread can reach a value.
//!
//! A loom thread that is unwinding never touches loom's scheduler
//! (`execution::flavour` answers std's then), so a destructor that runs
//! during a panic in a loom run reads std's value of its OS thread, the
//! one real threads have: loom's own value of that thread is out of reach
//! as it unwinds.
//!
//! loom drops a thread's values after it has forgotten which thread is
//! running (its `thread::current` fails there), and the facade names the
//! calling thread at every call: a facade call in the destructor of a
//! thread's value is [`LOCALS_DROPPED_UNDER_LOOM`], and a check leaves
//! loom out of that body. Each value sits in a [`LoomSlot`] that says
//! when such a drop is under way.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use super::execution::{self, Flavour};
use super::scope::NotModelled;

/// What a facade call in the destructor of a loom thread's value raises.
pub const LOCALS_DROPPED_UNDER_LOOM: NotModelled = NotModelled {
    what: "a call of the facade while a thread's thread-local values are dropped",
    under: "loom",
    because: "drops them once it no longer knows which thread runs",
};

std::thread_local! {
    /// How many loom values the OS thread is dropping now: loom drops a
    /// thread's values one after another, and a value may hold another.
    static LOOM_DROPS: Cell<u32> = const { Cell::new(0) };
}

/// Whether the calling OS thread is dropping a loom thread's value, where
/// loom no longer names the running thread.
pub(crate) fn loom_drops_a_value() -> bool {
    LOOM_DROPS.with(Cell::get) > 0
}

/// A loom thread's value: its drop is counted in [`LOOM_DROPS`] while it
/// runs. Only [`thread_local!`](crate::thread_local) names it.
#[doc(hidden)]
#[derive(Debug)]
pub struct LoomSlot<T>(Option<T>);

impl<T> LoomSlot<T> {
    /// The slot of a value just made.
    pub fn new(value: T) -> LoomSlot<T> {
        LoomSlot(Some(value))
    }
}

impl<T> Drop for LoomSlot<T> {
    fn drop(&mut self) {
        /// Ends the count of a drop, whether the value's drop panicked or not.
        struct Dropped;
        impl Drop for Dropped {
            fn drop(&mut self) {
                LOOM_DROPS.with(|drops| drops.set(drops.get() - 1));
            }
        }
        LOOM_DROPS.with(|drops| drops.set(drops.get() + 1));
        let _dropped = Dropped;
        drop(self.0.take());
    }
}

/// A key of thread-local storage, as `std::thread::LocalKey`, made by
/// [`thread_local!`](crate::thread_local).
pub struct LocalKey<T: 'static> {
    shuttle: shuttle::thread::LocalKey<T>,
    loom: loom::thread::LocalKey<LoomSlot<T>>,
    std: &'static std::thread::LocalKey<T>,
}

/// Why a thread-local value could not be reached, as
/// `std::thread::AccessError`: it was destroyed as its thread ends, or is
/// being destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessError;

impl std::fmt::Display for AccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("already destroyed")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> std::fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

impl<T: 'static> LocalKey<T> {
    /// A key whose every thread's value starts as what `init` returns;
    /// `in_slot` is `init` in a [`LoomSlot`], and `std` std's key of the
    /// same `init`, for real threads. Only
    /// [`thread_local!`](crate::thread_local) calls it.
    #[doc(hidden)]
    pub const fn new(
        init: fn() -> T,
        in_slot: fn() -> LoomSlot<T>,
        std: &'static std::thread::LocalKey<T>,
    ) -> LocalKey<T> {
        LocalKey {
            shuttle: shuttle::thread::LocalKey {
                init,
                _p: PhantomData,
            },
            loom: loom::thread::LocalKey {
                init: in_slot,
                _p: PhantomData,
            },
            std,
        }
    }

    /// Runs `f` on the calling thread's value, made first if this thread
    /// has none yet.
    ///
    /// # Panics
    ///
    /// If the value was destroyed or is being destroyed, as its thread
    /// ends (see [`LocalKey::try_with`]).
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(value) => value,
            Err(AccessError) => {
                panic!("cannot access a thread-local value during or after its destruction")
            }
        }
    }

    /// Runs `f` on the calling thread's value, made first if this thread
    /// has none yet, or `Err` if the value was destroyed or is being
    /// destroyed.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        match execution::flavour() {
            Flavour::Std => self.std.try_with(f).map_err(|_| AccessError),
            Flavour::Shuttle => self.shuttle.try_with(f).map_err(|_| AccessError),
            // A slot is empty only inside its own drop.
            Flavour::Loom => match self.loom.try_with(|slot| slot.0.as_ref().map(f)) {
                Ok(Some(value)) => Ok(value),
                Ok(None) | Err(_) => Err(AccessError),
            },
        }
    }
}

/// std's shortcuts for a key of a `Cell`. Each makes the thread's value
/// first if it has none: std's `set` skips that (its initial value is
/// never made), so only an initialiser with an effect of its own tells
/// the two apart.
impl<T: 'static> LocalKey<Cell<T>> {
    /// Sets the calling thread's value.
    pub fn set(&'static self, value: T) {
        self.with(|cell| cell.set(value));
    }

    /// A copy of the calling thread's value.
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(Cell::get)
    }

    /// Takes the calling thread's value, leaving the default.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(Cell::take)
    }

    /// Replaces the calling thread's value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

/// std's shortcuts for a key of a `RefCell`, with the same difference as
/// a `Cell`'s in `set`.
impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` on a borrow of the calling thread's value.
    ///
    /// # Panics
    ///
    /// If the value is mutably borrowed, as std's.
    pub fn with_borrow<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.with(|cell| f(&cell.borrow()))
    }

    /// Runs `f` on a mutable borrow of the calling thread's value.
    ///
    /// # Panics
    ///
    /// If the value is borrowed, as std's.
    pub fn with_borrow_mut<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        self.with(|cell| f(&mut cell.borrow_mut()))
    }

    /// Sets the calling thread's value.
    pub fn set(&'static self, value: T) {
        self.with(|cell| *cell.borrow_mut() = value);
    }

    /// Takes the calling thread's value, leaving the default.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(RefCell::take)
    }

    /// Replaces the calling thread's value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

#[cfg(test)]
mod tests {
    use super::AccessError;

    #[test]
    fn an_access_error_says_the_value_is_gone_as_stds_does() {
        assert_eq!(AccessError.to_string(), "already destroyed");
    }
}
