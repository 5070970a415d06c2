//! `Once` and `LazyLock` under the model: of threads racing to run the
//! initialisation, exactly one does, as the engine interleaves them. Like
//! every primitive, they belong inside the checked body.

use std::ops::Deref;
use std::sync::{OnceState, PoisonError};

use super::{Mutex, OnceLock};
use crate::model::thread::yield_now;

/// A one-time initialisation, as `std::sync::Once`: std's own `Once` runs
/// the call (so `call_once_force` gets std's `OnceState`, and a panic
/// poisons it as std's), behind the model's mutex, which serialises the
/// callers as the engine interleaves them. std's `Once` is then never
/// contended, so it never blocks an OS thread the engine has switched
/// away from.
#[derive(Debug)]
pub struct Once {
    /// Made by the first caller, of its run (making it never yields).
    turn: std::sync::OnceLock<Mutex<()>>,
    once: std::sync::Once,
}

// std's `Once` has no `Default`: code that used one here would not
// compile without the model.
#[allow(clippy::new_without_default, reason = "std's Once has no Default")]
impl Once {
    /// A `Once` nobody has called.
    pub const fn new() -> Once {
        Once {
            turn: std::sync::OnceLock::new(),
            once: std::sync::Once::new(),
        }
    }

    /// Runs `f` if no call has completed; of racing calls, exactly one
    /// runs its `f`, and the others return once it has.
    ///
    /// # Panics
    ///
    /// If an earlier `f` panicked, as std's does.
    #[track_caller]
    pub fn call_once(&self, f: impl FnOnce()) {
        self.in_turn(|once| once.call_once(f));
    }

    /// Runs `f` if no call has completed, even if an earlier one panicked:
    /// `f`'s `OnceState` says whether one did.
    #[track_caller]
    pub fn call_once_force(&self, f: impl FnOnce(&OnceState)) {
        self.in_turn(|once| once.call_once_force(f));
    }

    /// Whether a call has completed.
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        yield_now();
        self.once.is_completed()
    }

    /// Runs `call` on std's `Once` unless a call has completed, holding
    /// the turn: a caller that waited for the turn finds it completed.
    #[track_caller]
    fn in_turn(&self, call: impl FnOnce(&std::sync::Once)) {
        if self.is_completed() {
            return;
        }
        let turn = self.turn.get_or_init(|| Mutex::unbooked(()));
        let _turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
        call(&self.once);
    }
}

/// A value made on first use, as `std::sync::LazyLock`.
pub struct LazyLock<T, F = fn() -> T> {
    cell: OnceLock<T>,
    /// The initialiser, taken by the one thread that runs it. A std mutex:
    /// only that thread, inside the cell's initialisation, ever locks it.
    init: std::sync::Mutex<Option<F>>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A value `f` makes on first use.
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            cell: OnceLock::new(),
            init: std::sync::Mutex::new(Some(f)),
        }
    }

    /// The value, made now if nobody has made it.
    ///
    /// # Panics
    ///
    /// If the initialiser panicked earlier, as std's does.
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        this.cell.get_or_init(|| {
            let init = this
                .init
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let init = init.expect("LazyLock instance has previously been poisoned");
            init()
        })
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: std::fmt::Debug, F> std::fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LazyLock").field(&self.cell).finish()
    }
}
