//! `Mutex`: the engine's lock decides who holds the turn; a std mutex,
//! never contended while the turn is held, keeps the data and std's
//! poisoning. Outside any run, and on real threads, the std mutex is the
//! lock.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::model::execution::{self, Flavour};
use crate::model::facts::Op;
use crate::model::liveness::{Access, Hold, LockWait, Site};
use crate::model::outsider::MadeIn;

use super::unwound::Unwound;

/// A mutual exclusion lock, as `std::sync::Mutex`: of a value whose size
/// is unknown too (`Arc<Mutex<dyn Trait>>`, made from a lock of a sized
/// value, as std's).
pub struct Mutex<T: ?Sized> {
    turn: Turn,
    /// Whether its holds count for the liveness oracles: the code under
    /// test's locks do, the model's own (inside a channel or a once-cell)
    /// do not.
    booked: bool,
    /// The run that made it, which a thread it does not run may not use
    /// it in ([`outsider`]).
    made_in: MadeIn,
    /// Last, as a value of unknown size must be.
    data: std::sync::Mutex<T>,
}

/// The engine's lock, or none where the data's std mutex is the lock.
#[allow(
    clippy::large_enum_variant,
    reason = "shuttle's lock carries a vector clock inline; a lock is made once a run, and a box would put an allocation and an indirection on every lock and unlock"
)]
enum Turn {
    Std,
    Shuttle(shuttle::sync::Mutex<()>),
    Loom(loom::sync::Mutex<()>, Unwound),
}

pub(crate) enum TurnGuard<'a> {
    Std,
    Shuttle(shuttle::sync::MutexGuard<'a, ()>),
    Loom(LoomHeld<'a>),
}

/// loom's hold of a [`Mutex`]'s turn, which marks the lock if its thread
/// unwinds as the hold ends (see `unwound.rs`).
pub(crate) struct LoomHeld<'a> {
    guard: Option<loom::sync::MutexGuard<'a, ()>>,
    unwound: &'a Unwound,
}

impl<'a> LoomHeld<'a> {
    pub(crate) fn new(guard: loom::sync::MutexGuard<'a, ()>, unwound: &'a Unwound) -> LoomHeld<'a> {
        LoomHeld {
            guard: Some(guard),
            unwound,
        }
    }

    /// loom's guard, for a wait on loom's condition variable, and the mark
    /// to hold again after it.
    pub(crate) fn into_parts(mut self) -> (loom::sync::MutexGuard<'a, ()>, &'a Unwound) {
        let guard = self
            .guard
            .take()
            .expect("a hold keeps its guard until it ends");
        (guard, self.unwound)
    }
}

impl Drop for LoomHeld<'_> {
    fn drop(&mut self) {
        if self.guard.is_some() {
            self.unwound.mark_if_unwinding();
        }
    }
}

/// A held [`Mutex`], as `std::sync::MutexGuard`.
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    // Declared before `turn`, so it is released first: the next holder of
    // the turn never finds the data locked.
    pub(crate) data: Option<std::sync::MutexGuard<'a, T>>,
    pub(crate) turn: Option<TurnGuard<'a>>,
    /// In the run's book while the guard holds the lock.
    pub(crate) hold: Option<Hold>,
}

impl<T> Mutex<T> {
    /// A lock holding `value`, of the calling thread's engine.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            booked: true,
            ..Mutex::unbooked(value)
        }
    }

    /// A lock of the model's own, whose holds the liveness oracles ignore.
    pub(crate) fn unbooked(value: T) -> Mutex<T> {
        let turn = match execution::flavour() {
            Flavour::Std => Turn::Std,
            Flavour::Shuttle => Turn::Shuttle(shuttle::sync::Mutex::new(())),
            Flavour::Loom => Turn::Loom(loom::sync::Mutex::new(()), Unwound::default()),
        };
        Mutex {
            turn,
            data: std::sync::Mutex::new(value),
            booked: false,
            made_in: MadeIn::here(),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> LockResult<T> {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Takes the lock, waiting for it; `Err` if a holder panicked.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        self.lock_at(Location::caller())
    }

    /// Takes the lock, as a fact at `at`: for the model's own primitives,
    /// which lock from a `drop`.
    pub(crate) fn lock_at(&self, at: Site) -> LockResult<MutexGuard<'_, T>> {
        execution::record(Op::Lock, at);
        // Only the code under test's locks: the model's own are never held
        // across a wait, and their holds are not booked.
        let waits = self
            .booked
            .then(|| LockWait::begins(self, Access::Exclusive, at));
        let turn = self.take_turn();
        let data = self.data.lock();
        self.with_data(turn, data, waits.map(LockWait::granted))
    }

    /// Takes the lock if it is free.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let at = Location::caller();
        execution::record(Op::Lock, at);
        self.made_in.refuse_strangers();
        let turn = match &self.turn {
            Turn::Std => TurnGuard::Std,
            Turn::Shuttle(turn) => match turn.try_lock() {
                Ok(guard) => TurnGuard::Shuttle(guard),
                Err(TryLockError::Poisoned(poisoned)) => TurnGuard::Shuttle(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
            },
            Turn::Loom(turn, unwound) => {
                unwound.refuse_if_marked();
                match turn.try_lock() {
                    Ok(guard) => TurnGuard::Loom(LoomHeld::new(guard, unwound)),
                    Err(TryLockError::Poisoned(poisoned)) => {
                        TurnGuard::Loom(LoomHeld::new(poisoned.into_inner(), unwound))
                    }
                    Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
                }
            }
        };
        match self.data.try_lock() {
            Ok(data) => Ok(self.guard(turn, data, self.hold_taken(at))),
            Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
                self.guard(turn, poisoned.into_inner(), self.hold_taken(at)),
            ))),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether a holder panicked.
    pub fn is_poisoned(&self) -> bool {
        self.data.is_poisoned()
    }

    /// Forgets that a holder panicked.
    pub fn clear_poison(&self) {
        self.data.clear_poison();
    }

    /// The data, which `&mut self` proves nobody else holds.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.data.get_mut()
    }

    /// The engine's turn: a scheduling point that may block.
    pub(crate) fn take_turn(&self) -> TurnGuard<'_> {
        let running = self.made_in.refuse_strangers();
        match &self.turn {
            Turn::Std => TurnGuard::Std,
            // An engine's lock outside its run: a failed run's leftovers
            // being dropped (loom drops a thread that never started, and
            // a channel end it owned, after the run has ended). The engine
            // can no longer be asked, and nobody contends: the data's own
            // lock is enough.
            Turn::Shuttle(_) | Turn::Loom(..) if running == Flavour::Std => TurnGuard::Std,
            Turn::Shuttle(turn) => {
                TurnGuard::Shuttle(turn.lock().unwrap_or_else(PoisonError::into_inner))
            }
            Turn::Loom(turn, unwound) => {
                unwound.refuse_if_marked();
                let guard = turn.lock().unwrap_or_else(PoisonError::into_inner);
                TurnGuard::Loom(LoomHeld::new(guard, unwound))
            }
        }
    }

    /// The calling thread's hold of the lock, taken at `at` with no wait
    /// booked before it: none for the model's own locks.
    pub(crate) fn hold_taken(&self, at: Site) -> Option<Hold> {
        self.booked
            .then(|| Hold::taken(self, Access::Exclusive, at))
    }

    /// A guard of `turn` and the data, poisoned as the data is, holding
    /// `hold`.
    pub(crate) fn with_data<'a>(
        &'a self,
        turn: TurnGuard<'a>,
        data: LockResult<std::sync::MutexGuard<'a, T>>,
        hold: Option<Hold>,
    ) -> LockResult<MutexGuard<'a, T>> {
        match data {
            Ok(data) => Ok(self.guard(turn, data, hold)),
            Err(poisoned) => Err(PoisonError::new(self.guard(
                turn,
                poisoned.into_inner(),
                hold,
            ))),
        }
    }

    fn guard<'a>(
        &'a self,
        turn: TurnGuard<'a>,
        data: std::sync::MutexGuard<'a, T>,
        hold: Option<Hold>,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            mutex: self,
            data: Some(data),
            turn: Some(turn),
            hold,
        }
    }

    /// The data's std mutex, for a condition variable to wait on where it
    /// is the lock.
    pub(crate) fn data(&self) -> &std::sync::Mutex<T> {
        &self.data
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.data
            .as_deref()
            .expect("a guard holds its data until dropped")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data
            .as_deref_mut()
            .expect("a guard holds its data until dropped")
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
