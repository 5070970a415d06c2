//! `OnceLock` under the model: a std `OnceLock` keeps the value, and the
//! model's turn ([`OnceTurn`]) serialises initialisers, so two threads
//! racing to initialise interleave as the engine chooses and exactly one
//! runs its closure. Checking for the value is the acquire load of the
//! turn's flag ([`OnceTurn::is_done`]), as std's is of its state.
//!
//! Its turn is each run's own. Its value is not: a static one keeps the
//! value of the first run that set it, since the `&'static` references it
//! handed out cannot be taken back, so it holds plain data, never a
//! primitive of the run that made it.

use std::fmt;

use super::once_turn::OnceTurn;

/// A cell written once, as `std::sync::OnceLock`.
pub struct OnceLock<T> {
    value: std::sync::OnceLock<T>,
    turn: OnceTurn,
}

impl<T> OnceLock<T> {
    /// An empty cell.
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            value: std::sync::OnceLock::new(),
            turn: OnceTurn::new(),
        }
    }

    /// The value, if it has been set.
    #[track_caller]
    pub fn get(&self) -> Option<&T> {
        if self.turn.is_done(self.done_before()) {
            self.value.get()
        } else {
            None
        }
    }

    /// Whether the cell held a value before the calling thread's run first
    /// used it: a static's, kept from an earlier run, or one given outside
    /// any run.
    fn done_before(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, initialising it with `f` if nobody has: of threads that
    /// race here, exactly one runs its `f`, and the others wait for it.
    #[track_caller]
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        self.turn
            .take(self.done_before(), || match self.value.get() {
                Some(value) => (value, false),
                None => (self.value.get_or_init(f), true),
            })
    }

    /// The value, once some thread has set it: blocks until then.
    #[track_caller]
    pub fn wait(&self) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        self.turn.wait_for(self.done_before(), || self.value.get())
    }

    /// Sets the value if it is not set; `Err` with `value` if it was.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut offered = Some(value);
        self.get_or_init(|| offered.take().expect("the closure runs at most once"));
        match offered {
            Some(refused) => Err(refused),
            None => Ok(()),
        }
    }

    /// The value, consuming the cell.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// The value, taken out of the cell, which is then empty.
    pub fn take(&mut self) -> Option<T> {
        self.turn.forget_this_runs();
        self.value.take()
    }

    /// The value, mutably.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    fn from(value: T) -> OnceLock<T> {
        OnceLock {
            value: std::sync::OnceLock::from(value),
            turn: OnceTurn::new(),
        }
    }
}

/// A cell holding a clone of the value, if it has been set, as std's: the
/// look at the value is `get`'s, an operation of the run.
impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        match self.get() {
            Some(value) => OnceLock::from(value.clone()),
            None => OnceLock::new(),
        }
    }
}

/// Two cells are equal if both are empty or both hold equal values, as
/// std's: each look is `get`'s.
impl<T: PartialEq> PartialEq for OnceLock<T> {
    #[track_caller]
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceLock").field(&self.value.get()).finish()
    }
}
