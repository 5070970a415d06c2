//! `RwLock`: the engine's reader-writer lock decides who holds the turn; a
//! std one, never contended while the turn is held, keeps the data and
//! std's poisoning.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::model::execution::{self, Flavour};
use crate::model::facts::Op;
use crate::model::liveness::{Access, Hold, LockWait, address_of};
use crate::model::outsider::MadeIn;
use crate::model::scope::NotModelled;

use super::unwound::Unwound;

/// What a run under shuttle or loom that downgrades a write hold raises.
pub const DOWNGRADE_UNDER_SHUTTLE_AND_LOOM: NotModelled = NotModelled {
    what: "RwLockWriteGuard::downgrade",
    under: "shuttle and loom",
    because: "have no downgrade: letting the write hold go and then reading would let in a \
              writer that std never lets in",
};

/// What a run under shuttle or loom raises whose thread lets go of a read
/// hold while a read hold it tried inside that one is still held.
pub const NESTED_READ_OUTLIVES_ITS_HOLD_UNDER_SHUTTLE_AND_LOOM: NotModelled = NotModelled {
    what: "a read hold tried (`try_read`) inside another of the same thread and kept after that \
           one ends",
    under: "shuttle and loom",
    because: "count a lock's readers as a set of threads: they know the thread's first hold \
              alone, whose end would let a writer in while the second still reads",
};

/// A reader-writer lock, as `std::sync::RwLock`: of a value whose size is
/// unknown too, as std's.
pub struct RwLock<T: ?Sized> {
    turn: Turn,
    /// The run that made it, which a thread it does not run may not use
    /// it in ([`outsider`]).
    made_in: MadeIn,
    /// Last, as a value of unknown size must be.
    data: std::sync::RwLock<T>,
}

#[allow(
    clippy::large_enum_variant,
    reason = "shuttle's lock carries a vector clock inline; a lock is made once a run, and a box would put an allocation and an indirection on every lock and unlock"
)]
enum Turn {
    Std,
    Shuttle(shuttle::sync::RwLock<()>),
    Loom(loom::sync::RwLock<()>, Unwound),
}

enum ReadTurn<'a> {
    Std,
    Shuttle(#[allow(dead_code)] shuttle::sync::RwLockReadGuard<'a, ()>),
    Loom(#[allow(dead_code)] LoomTurn<'a, loom::sync::RwLockReadGuard<'a, ()>>),
}

enum WriteTurn<'a> {
    Std,
    Shuttle(#[allow(dead_code)] shuttle::sync::RwLockWriteGuard<'a, ()>),
    Loom(#[allow(dead_code)] LoomTurn<'a, loom::sync::RwLockWriteGuard<'a, ()>>),
}

/// loom's hold of its lock, let go without asking loom while the thread
/// unwinds. On a deadlock loom tears the run down by unwinding every
/// blocked thread, and its reader-writer lock's release then asks for a
/// thread that is gone: a panic inside a panic, which aborts the process
/// (tokio-rs/loom #291, open; #236 spared loom's mutex only). A run that
/// unwinds has failed, so nobody needs the release; a body that catches
/// the panic and takes the lock again is not modelled (`unwound.rs`).
struct LoomTurn<'a, G>(Option<G>, &'a Unwound);

impl<'a, G> LoomTurn<'a, G> {
    fn new(guard: G, unwound: &'a Unwound) -> LoomTurn<'a, G> {
        LoomTurn(Some(guard), unwound)
    }
}

impl<G> Drop for LoomTurn<'_, G> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.1.mark_if_unwinding();
            std::mem::forget(self.0.take());
        }
    }
}

/// A shared hold of a [`RwLock`].
pub struct RwLockReadGuard<'a, T: ?Sized> {
    // Released before the turn, so the next holder finds the data free.
    data: std::sync::RwLockReadGuard<'a, T>,
    _turn: ReadTurn<'a>,
    /// In the run's book while the guard holds the lock.
    _hold: Hold,
}

/// The exclusive hold of a [`RwLock`].
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    data: std::sync::RwLockWriteGuard<'a, T>,
    _turn: WriteTurn<'a>,
    /// In the run's book while the guard holds the lock.
    _hold: Hold,
}

/// The result of taking a turn: a guard, poisoned as the data is.
fn poisoned_as<G, D>(data: LockResult<D>, guard: impl FnOnce(D) -> G) -> LockResult<G> {
    match data {
        Ok(data) => Ok(guard(data)),
        Err(poisoned) => Err(PoisonError::new(guard(poisoned.into_inner()))),
    }
}

/// A `try_` result of the engine's lock, as a turn, or `WouldBlock`.
fn turn_of<G, T>(attempt: TryLockResult<G>, turn: impl FnOnce(G) -> T) -> Result<T, ()> {
    match attempt {
        Ok(guard) => Ok(turn(guard)),
        Err(TryLockError::Poisoned(poisoned)) => Ok(turn(poisoned.into_inner())),
        Err(TryLockError::WouldBlock) => Err(()),
    }
}

fn try_poisoned_as<G, D>(data: TryLockResult<D>, guard: impl FnOnce(D) -> G) -> TryLockResult<G> {
    match data {
        Ok(data) => Ok(guard(data)),
        Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
            guard(poisoned.into_inner()),
        ))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

impl<T> RwLock<T> {
    /// A lock holding `value`, of the calling thread's engine.
    pub fn new(value: T) -> RwLock<T> {
        let turn = match execution::flavour() {
            Flavour::Std => Turn::Std,
            Flavour::Shuttle => Turn::Shuttle(shuttle::sync::RwLock::new(())),
            Flavour::Loom => Turn::Loom(loom::sync::RwLock::new(()), Unwound::default()),
        };
        RwLock {
            turn,
            data: std::sync::RwLock::new(value),
            made_in: MadeIn::here(),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> LockResult<T> {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Takes a shared hold, waiting for any writer.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let at = Location::caller();
        execution::record(Op::ReadLock, at);
        self.made_in.refuse_strangers();
        let waits = LockWait::begins(self, Access::Shared, at);
        let turn = match &self.turn {
            Turn::Std => ReadTurn::Std,
            Turn::Shuttle(turn) => {
                waits.queue_behind_a_waiting_writer();
                ReadTurn::Shuttle(turn.read().unwrap_or_else(PoisonError::into_inner))
            }
            Turn::Loom(turn, unwound) => {
                unwound.refuse_if_marked();
                let guard = turn.read().unwrap_or_else(PoisonError::into_inner);
                ReadTurn::Loom(LoomTurn::new(guard, unwound))
            }
        };
        let data = self.data.read();
        let hold = waits.granted();
        poisoned_as(data, |data| RwLockReadGuard {
            data,
            _turn: turn,
            _hold: hold,
        })
    }

    /// Takes the exclusive hold, waiting for every other holder.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let at = Location::caller();
        execution::record(Op::WriteLock, at);
        self.made_in.refuse_strangers();
        let waits = LockWait::begins(self, Access::Exclusive, at);
        let turn = match &self.turn {
            Turn::Std => WriteTurn::Std,
            Turn::Shuttle(turn) => {
                WriteTurn::Shuttle(turn.write().unwrap_or_else(PoisonError::into_inner))
            }
            Turn::Loom(turn, unwound) => {
                unwound.refuse_if_marked();
                let guard = turn.write().unwrap_or_else(PoisonError::into_inner);
                WriteTurn::Loom(LoomTurn::new(guard, unwound))
            }
        };
        let data = self.data.write();
        let hold = waits.granted();
        poisoned_as(data, |data| RwLockWriteGuard {
            data,
            _turn: turn,
            _hold: hold,
        })
    }

    /// Takes a shared hold if no writer holds it or waits for it (std's
    /// lock on Linux refuses a read while a writer waits, a read inside
    /// the thread's own hold included).
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let at = Location::caller();
        execution::record(Op::ReadLock, at);
        self.made_in.refuse_strangers();
        let turn = match &self.turn {
            Turn::Std => Ok(ReadTurn::Std),
            // shuttle's and loom's locks let the read in.
            Turn::Shuttle(_) | Turn::Loom(..) if self.a_writer_waits() => Err(()),
            // A read inside the thread's own read hold shares that hold's
            // turn, as std's reader count does. shuttle would refuse it
            // (and keep the permit it took), and loom would count the
            // thread once, letting the lock go as the inner hold ends.
            // The outer hold must then outlive it (the guard's `drop`).
            Turn::Shuttle(_) | Turn::Loom(..) if self.read_by_the_caller() => Ok(ReadTurn::Std),
            Turn::Shuttle(turn) => turn_of(turn.try_read(), ReadTurn::Shuttle),
            Turn::Loom(turn, unwound) => {
                unwound.refuse_if_marked();
                turn_of(turn.try_read(), |guard| {
                    ReadTurn::Loom(LoomTurn::new(guard, unwound))
                })
            }
        };
        let turn = turn.map_err(|()| TryLockError::WouldBlock)?;
        try_poisoned_as(self.data.try_read(), |data| RwLockReadGuard {
            data,
            _turn: turn,
            _hold: Hold::taken(self, Access::Shared, at),
        })
    }

    /// Takes the exclusive hold if nobody holds it.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let at = Location::caller();
        execution::record(Op::WriteLock, at);
        self.made_in.refuse_strangers();
        let turn = match &self.turn {
            Turn::Std => Ok(WriteTurn::Std),
            Turn::Shuttle(turn) => turn_of(turn.try_write(), WriteTurn::Shuttle),
            Turn::Loom(turn, unwound) => {
                unwound.refuse_if_marked();
                turn_of(turn.try_write(), |guard| {
                    WriteTurn::Loom(LoomTurn::new(guard, unwound))
                })
            }
        };
        let turn = turn.map_err(|()| TryLockError::WouldBlock)?;
        try_poisoned_as(self.data.try_write(), |data| RwLockWriteGuard {
            data,
            _turn: turn,
            _hold: Hold::taken(self, Access::Exclusive, at),
        })
    }

    /// Whether a writer panicked.
    pub fn is_poisoned(&self) -> bool {
        self.data.is_poisoned()
    }

    /// Whether another thread of the calling one's run waits to write
    /// this lock.
    fn a_writer_waits(&self) -> bool {
        execution::current().is_some_and(|run| {
            let reader = run.thread_key();
            run.writer_waits_for(address_of(self), reader)
        })
    }

    /// Whether the calling thread, one of a run, holds a read of this
    /// lock.
    fn read_by_the_caller(&self) -> bool {
        execution::current()
            .is_some_and(|run| run.own_hold(address_of(self)) == Some(Access::Shared))
    }

    /// Forgets that a writer panicked.
    pub fn clear_poison(&self) {
        self.data.clear_poison();
    }

    /// The data, which `&mut self` proves nobody else holds.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.data.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    /// A hold that carries the engine's turn ends: if a read the thread
    /// tried inside it still holds the lock, the engine would let a writer
    /// in beside that read, which std never does.
    fn drop(&mut self) {
        let carries_the_turn = !matches!(self._turn, ReadTurn::Std);
        if carries_the_turn && self._hold.shared_by_another() && !std::thread::panicking() {
            execution::raise_kept(NESTED_READ_OUTLIVES_ITS_HOLD_UNDER_SHUTTLE_AND_LOOM);
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// The write hold made a read hold without letting the lock go, as
    /// std's: other readers may then come in, and no writer comes in
    /// between. Exact on real threads and outside any run; under shuttle
    /// and loom it raises [`DOWNGRADE_UNDER_SHUTTLE_AND_LOOM`], and a check
    /// leaves those engines out. On the compilers whose std has it (1.92
    /// and later).
    #[rustversion::since(1.92)]
    #[allow(
        clippy::incompatible_msrv,
        reason = "compiled only where std has it, as code that calls it is"
    )]
    #[track_caller]
    pub fn downgrade(guard: RwLockWriteGuard<'a, T>) -> RwLockReadGuard<'a, T> {
        let at = Location::caller();
        execution::record(Op::Downgrade, at);
        let RwLockWriteGuard {
            data,
            _turn: turn,
            _hold: hold,
        } = guard;
        if !matches!(turn, WriteTurn::Std) {
            drop((data, turn, hold));
            execution::raise_kept(DOWNGRADE_UNDER_SHUTTLE_AND_LOOM);
        }
        RwLockReadGuard {
            data: std::sync::RwLockWriteGuard::downgrade(data),
            _turn: ReadTurn::Std,
            _hold: hold.changed(Access::Shared, at),
        }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
