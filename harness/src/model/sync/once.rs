//! `Once` and `LazyLock` under the model: of threads racing to run the
//! initialisation, exactly one does, as the engine interleaves them. Like
//! every primitive, they belong inside the checked body.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{OnceState, PoisonError};

use super::OnceLock;
use super::once_turn::OnceTurn;
use crate::model::per_run::{PerRun, ThisRuns};

/// A one-time initialisation, as `std::sync::Once`: std's own `Once` runs
/// the call (so `call_once_force` gets std's `OnceState`, and a panic
/// poisons it as std's), in the model's turn, which serialises the
/// callers as the engine interleaves them. std's `Once` is then never
/// contended, so it never blocks an OS thread the engine has switched
/// away from. Each run has its own, made at its first use there, so a
/// `static` one is called afresh in each run, as the statics of atomics
/// it initialises start afresh.
pub struct Once {
    turn: OnceTurn,
    state: PerRun<State>,
}

/// A run's `Once`.
struct State {
    once: std::sync::Once,
    /// A call panicked and none has completed since: what `wait` panics
    /// on, which std's `Once` does not tell. Written and read in the turn.
    poisoned: AtomicBool,
}

impl State {
    fn new() -> State {
        State {
            once: std::sync::Once::new(),
            poisoned: AtomicBool::new(false),
        }
    }
}

/// Marks its `Once` poisoned if the call it guards ended without
/// completing it: by a panic, its own or std's for an earlier one.
struct MarksPoisoned<'a>(&'a State);

impl Drop for MarksPoisoned<'_> {
    fn drop(&mut self) {
        if !self.0.once.is_completed() {
            self.0.poisoned.store(true, Ordering::Relaxed);
        }
    }
}

// std's `Once` has no `Default`: code that used one here would not
// compile without the model.
#[allow(clippy::new_without_default, reason = "std's Once has no Default")]
impl Once {
    /// A `Once` nobody has called.
    pub const fn new() -> Once {
        Once {
            turn: OnceTurn::new(),
            state: PerRun::new(),
        }
    }

    /// The calling thread's run's `Once`.
    fn state(&self) -> ThisRuns<'_, State> {
        self.state.get(State::new)
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
        self.completed()
    }

    /// Blocks until a call has completed.
    ///
    /// # Panics
    ///
    /// If a call panicked and none has completed since, as std's does.
    #[track_caller]
    pub fn wait(&self) {
        self.wait_until_completed(false);
    }

    /// Blocks until a call has completed, even if an earlier one panicked.
    #[track_caller]
    pub fn wait_force(&self) {
        self.wait_until_completed(true);
    }

    #[track_caller]
    fn wait_until_completed(&self, force: bool) {
        let state = self.state();
        let completed = self.completed()
            || self.turn.wait_for(NEVER_CALLED_BEFORE_THE_RUN, || {
                if state.once.is_completed() {
                    Some(true)
                } else if state.poisoned.load(Ordering::Relaxed) && !force {
                    Some(false)
                } else {
                    None
                }
            });
        assert!(completed, "Once instance has previously been poisoned");
    }

    /// Runs `call` on std's `Once` unless a call has completed, holding
    /// the turn: a caller that waited for the turn finds it completed.
    #[track_caller]
    fn in_turn(&self, call: impl FnOnce(&std::sync::Once)) {
        if self.completed() {
            return;
        }
        let state = self.state();
        self.turn.take(NEVER_CALLED_BEFORE_THE_RUN, || {
            let _marks = MarksPoisoned(&state);
            let before = state.once.is_completed();
            call(&state.once);
            ((), !before && state.once.is_completed())
        });
    }

    /// Whether a call of the calling thread's run has completed: the
    /// acquire load of the turn's flag, as std's is of its state.
    #[track_caller]
    fn completed(&self) -> bool {
        self.turn.is_done(NEVER_CALLED_BEFORE_THE_RUN)
    }
}

/// A `Once` is each run's own, so no call completed it before the run.
const NEVER_CALLED_BEFORE_THE_RUN: bool = false;

impl std::fmt::Debug for Once {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.state().once.fmt(f)
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

    /// The value, made now if nobody has made it, through `&mut`: nobody
    /// else can be making it.
    ///
    /// # Panics
    ///
    /// If the initialiser panicked earlier, as std's does.
    #[rustversion::since(1.94)]
    #[track_caller]
    pub fn force_mut(this: &mut LazyLock<T, F>) -> &mut T {
        this.forced_mut()
    }

    /// [`LazyLock::force_mut`], for `DerefMut` on compilers older than it.
    #[rustversion::attr(before(1.89), allow(dead_code))]
    #[track_caller]
    fn forced_mut(&mut self) -> &mut T {
        if self.cell.get_mut().is_none() {
            LazyLock::force(self);
        }
        self.cell
            .get_mut()
            .expect("the cell holds a value once forced")
    }

    /// The value, if it has been made: a look at the cell, as `OnceLock::get`.
    #[rustversion::since(1.94)]
    #[track_caller]
    pub fn get(this: &LazyLock<T, F>) -> Option<&T> {
        this.cell.get()
    }

    /// The value, mutably, if it has been made.
    #[rustversion::since(1.94)]
    pub fn get_mut(this: &mut LazyLock<T, F>) -> Option<&mut T> {
        this.cell.get_mut()
    }
}

/// As std's, on the compilers whose std has it (1.89 and later).
#[rustversion::since(1.89)]
impl<T, F: FnOnce() -> T> std::ops::DerefMut for LazyLock<T, F> {
    #[track_caller]
    fn deref_mut(&mut self) -> &mut T {
        self.forced_mut()
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
