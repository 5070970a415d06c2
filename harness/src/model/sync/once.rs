//! `Once` and `LazyLock` under the model, both on the model's
//! [`OnceLock`]: of threads racing to run the initialisation, exactly one
//! does, as the engine interleaves them. Like every primitive, they belong
//! inside the checked body.

use std::ops::Deref;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, Ordering};

use super::OnceLock;

/// A one-time initialisation, as `std::sync::Once` (without
/// `call_once_force`, whose `OnceState` only std can make).
#[derive(Debug, Default)]
pub struct Once {
    done: OnceLock<()>,
    /// A `call_once` closure panicked: later calls panic too, as std's do.
    poisoned: AtomicBool,
}

impl Once {
    /// A `Once` nobody has called.
    pub const fn new() -> Once {
        Once {
            done: OnceLock::new(),
            poisoned: AtomicBool::new(false),
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
        self.done.get_or_init(|| {
            assert!(
                !self.poisoned.load(Ordering::SeqCst),
                "Once instance has previously been poisoned"
            );
            let poison_on_panic = PoisonOnPanic(&self.poisoned);
            f();
            std::mem::forget(poison_on_panic);
        });
    }

    /// Whether a `call_once` has completed.
    #[track_caller]
    pub fn is_completed(&self) -> bool {
        self.done.get().is_some()
    }
}

/// Marks a `Once` poisoned if dropped while its closure unwinds.
struct PoisonOnPanic<'a>(&'a AtomicBool);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
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
