//! `std::sync::atomic` under the model: each atomic is std's, shuttle's
//! (sequentially consistent, a scheduling point) or loom's (every ordering
//! modelled), as the engine that made it; each access is a fact.
//! Not modelled: `get_mut`. `compiler_fence` is std's: it orders nothing
//! between threads, only a thread's code against its own signal handlers.

use std::panic::Location;

pub use std::sync::atomic::{Ordering, compiler_fence};

use crate::model::execution::{self, Flavour};
use crate::model::facts::{AtomicAccess, Op};
use crate::model::peek;

/// One atomic of any engine; shuttle's and loom's with a shadow, loom's
/// with the mark of its loads too.
enum Flavoured<S, H, L> {
    Std(S),
    Shuttle(H, Shadow<S>),
    Loom(L, LoomLoads, Shadow<S>),
}

/// A std atomic that follows a shuttle or loom atomic's latest value, for
/// a peek (`check::peek`), which may not ask the engine, and for a loom
/// thread that unwinds a failed execution.
///
/// When a loom execution fails, loom drops the stacks of its other threads,
/// and their destructors run after the execution is gone: a loom atomic
/// touched there panics inside a panic, which aborts the process (a
/// store's reader leaving, say, after a deadlock). An unwinding thread
/// uses the shadow instead. Every write to the loom atomic is repeated on
/// it; read-modify-writes and stores act on the latest value in the
/// atomic's modification order, so the shadow is that value (but for a
/// weak compare-exchange that fails spuriously on the shadow alone, which
/// x86 never does).
struct Shadow<S>(S);

/// What makes loom explore the orders of two threads' loads of one atomic.
///
/// loom's partial-order reduction remembers only the last access of an
/// atomic, and counts a load as dependent on stores alone. When thread A
/// loads, then thread B loads and stores, B's store is checked against B's
/// own load, never A's, so loom never runs B's store before A's load: it
/// misses every execution where A reads B's store (tokio-rs/loom #392 and
/// #166, open). thread_local's RUSTSEC-2022-0006 has that shape, and loom
/// alone never finds it. A relaxed read-modify-write of a second atomic
/// just before each load makes any two threads' loads of this atomic
/// dependent, which loom does explore; being relaxed and on another atomic,
/// it orders nothing, so what each load may read is unchanged. The price is
/// more executions: only where loads of one atomic race.
struct LoomLoads(loom::sync::atomic::AtomicUsize);

impl LoomLoads {
    fn new() -> LoomLoads {
        LoomLoads(loom::sync::atomic::AtomicUsize::new(0))
    }

    /// The calling thread is about to load.
    fn mark(&self) {
        self.0.fetch_add(0, Ordering::Relaxed);
    }
}

/// The std atomic that holds `atomic`'s latest value: itself, or its
/// shadow.
fn latest<S, H, L>(atomic: &Flavoured<S, H, L>) -> &S {
    match atomic {
        Flavoured::Std(latest)
        | Flavoured::Shuttle(_, Shadow(latest))
        | Flavoured::Loom(_, _, Shadow(latest)) => latest,
    }
}

/// Marks a load of `atomic` for loom (see [`LoomLoads`]).
fn before_load<S, H, L>(atomic: &Flavoured<S, H, L>) {
    if let Flavoured::Loom(_, loads, _) = atomic {
        if !std::thread::panicking() {
            loads.mark();
        }
    }
}

/// Calls the same method on whichever engine's atomic `$atomic` holds.
macro_rules! on_flavour {
    ($atomic:expr, $inner:ident => $call:expr) => {
        match $atomic {
            Flavoured::Std($inner) => {
                execution::assert_std_allowed();
                $call
            }
            Flavoured::Shuttle($inner, Shadow(shadow)) => {
                let modelled = $call;
                let $inner = shadow;
                let _ = $call;
                modelled
            }
            Flavoured::Loom($inner, _, Shadow(shadow)) => {
                if std::thread::panicking() {
                    let $inner = shadow;
                    $call
                } else {
                    let modelled = $call;
                    let $inner = shadow;
                    let _ = $call;
                    modelled
                }
            }
        }
    };
}

#[track_caller]
fn access(kind: AtomicAccess, order: Ordering) {
    execution::record(Op::Atomic(kind, order), Location::caller());
}

/// A fence, as `std::sync::atomic::fence`, of the calling thread's engine.
#[track_caller]
pub fn fence(order: Ordering) {
    execution::record(Op::Fence(order), Location::caller());
    match execution::flavour() {
        Flavour::Std => std::sync::atomic::fence(order),
        Flavour::Shuttle => shuttle::sync::atomic::fence(order),
        Flavour::Loom => loom::sync::atomic::fence(order),
    }
}

/// The methods every atomic has: new, load, store, swap, compare-exchange,
/// `fetch_update`, the bitwise `fetch_*`, `into_inner`.
macro_rules! atomic_common {
    ($name:ident, $value:ty) => {
        /// As the std atomic of the same name.
        pub struct $name(
            Flavoured<
                std::sync::atomic::$name,
                shuttle::sync::atomic::$name,
                loom::sync::atomic::$name,
            >,
        );

        impl $name {
            /// An atomic holding `value`, of the calling thread's engine.
            pub fn new(value: $value) -> $name {
                $name(match execution::flavour() {
                    Flavour::Std => Flavoured::Std(std::sync::atomic::$name::new(value)),
                    Flavour::Shuttle => Flavoured::Shuttle(
                        shuttle::sync::atomic::$name::new(value),
                        Shadow(std::sync::atomic::$name::new(value)),
                    ),
                    Flavour::Loom => Flavoured::Loom(
                        loom::sync::atomic::$name::new(value),
                        LoomLoads::new(),
                        Shadow(std::sync::atomic::$name::new(value)),
                    ),
                })
            }

            /// Loads the value.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                if peek::peeking() {
                    return latest(&self.0).load(Ordering::SeqCst);
                }
                access(AtomicAccess::Load, order);
                before_load(&self.0);
                on_flavour!(&self.0, atomic => atomic.load(order))
            }

            /// Stores `value`.
            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                access(AtomicAccess::Store, order);
                on_flavour!(&self.0, atomic => atomic.store(value, order))
            }

            /// Stores `value`, returning the previous value.
            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::Swap, order);
                on_flavour!(&self.0, atomic => atomic.swap(value, order))
            }

            /// Stores `new` if the value is `current`; the previous value,
            /// `Ok` if it was stored.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                access(AtomicAccess::CompareExchange, success);
                on_flavour!(&self.0, atomic => atomic.compare_exchange(current, new, success, failure))
            }

            /// As `compare_exchange`, but may fail spuriously.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                access(AtomicAccess::CompareExchangeWeak, success);
                on_flavour!(&self.0, atomic => atomic.compare_exchange_weak(current, new, success, failure))
            }

            /// Applies `f` until a compare-exchange succeeds or `f` says no,
            /// as std's: a load, then weak compare-exchanges.
            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: F,
            ) -> Result<$value, $value>
            where
                F: FnMut($value) -> Option<$value>,
            {
                let mut previous = self.load(fetch_order);
                while let Some(next) = f(previous) {
                    match self.compare_exchange_weak(previous, next, set_order, fetch_order) {
                        Ok(value) => return Ok(value),
                        Err(value) => previous = value,
                    }
                }
                Err(previous)
            }

            /// `fetch_update` under the name std gave it in 1.95.
            #[rustversion::since(1.95)]
            #[track_caller]
            pub fn try_update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                f: impl FnMut($value) -> Option<$value>,
            ) -> Result<$value, $value> {
                self.fetch_update(set_order, fetch_order, f)
            }

            /// Applies `f` until a compare-exchange succeeds; the previous
            /// value, as std's (1.95).
            #[rustversion::since(1.95)]
            #[track_caller]
            pub fn update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: impl FnMut($value) -> $value,
            ) -> $value {
                match self.fetch_update(set_order, fetch_order, |value| Some(f(value))) {
                    Ok(previous) | Err(previous) => previous,
                }
            }

            /// Bitwise and; the previous value.
            #[track_caller]
            pub fn fetch_and(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchAnd, order);
                on_flavour!(&self.0, atomic => atomic.fetch_and(value, order))
            }

            /// Bitwise nand; the previous value.
            #[track_caller]
            pub fn fetch_nand(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchNand, order);
                on_flavour!(&self.0, atomic => atomic.fetch_nand(value, order))
            }

            /// Bitwise or; the previous value.
            #[track_caller]
            pub fn fetch_or(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchOr, order);
                on_flavour!(&self.0, atomic => atomic.fetch_or(value, order))
            }

            /// Bitwise xor; the previous value.
            #[track_caller]
            pub fn fetch_xor(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchXor, order);
                on_flavour!(&self.0, atomic => atomic.fetch_xor(value, order))
            }

            /// The value, consuming the atomic.
            pub fn into_inner(self) -> $value {
                on_flavour!(self.0, atomic => atomic.into_inner())
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::new(<$value>::default())
            }
        }

        impl From<$value> for $name {
            fn from(value: $value) -> $name {
                $name::new(value)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

/// An integer atomic: the common methods and the arithmetic `fetch_*`.
macro_rules! atomic_int {
    ($name:ident, $int:ty) => {
        atomic_common!($name, $int);

        impl $name {
            /// Wrapping add; the previous value.
            #[track_caller]
            pub fn fetch_add(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchAdd, order);
                on_flavour!(&self.0, atomic => atomic.fetch_add(value, order))
            }

            /// Wrapping subtract; the previous value.
            #[track_caller]
            pub fn fetch_sub(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchSub, order);
                on_flavour!(&self.0, atomic => atomic.fetch_sub(value, order))
            }

            /// Maximum; the previous value.
            #[track_caller]
            pub fn fetch_max(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchMax, order);
                on_flavour!(&self.0, atomic => atomic.fetch_max(value, order))
            }

            /// Minimum; the previous value.
            #[track_caller]
            pub fn fetch_min(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchMin, order);
                on_flavour!(&self.0, atomic => atomic.fetch_min(value, order))
            }
        }
    };
}

atomic_common!(AtomicBool, bool);

impl AtomicBool {
    /// Logical not; the previous value. It is the `fetch_xor(true, order)`
    /// it equals (loom has no `fetch_not`), and its fact says so.
    #[track_caller]
    pub fn fetch_not(&self, order: Ordering) -> bool {
        self.fetch_xor(true, order)
    }
}
atomic_int!(AtomicU8, u8);
atomic_int!(AtomicU16, u16);
atomic_int!(AtomicU32, u32);
atomic_int!(AtomicU64, u64);
atomic_int!(AtomicUsize, usize);
atomic_int!(AtomicI8, i8);
atomic_int!(AtomicI16, i16);
atomic_int!(AtomicI32, i32);
atomic_int!(AtomicI64, i64);
atomic_int!(AtomicIsize, isize);

/// A raw pointer shared between threads, as `std::sync::atomic::AtomicPtr`.
/// The pointer is a value like any other here: what it points to is the
/// code under test's to keep alive, and no engine checks a dereference.
pub struct AtomicPtr<T>(
    Flavoured<
        std::sync::atomic::AtomicPtr<T>,
        shuttle::sync::atomic::AtomicPtr<T>,
        loom::sync::atomic::AtomicPtr<T>,
    >,
);

impl<T> AtomicPtr<T> {
    /// An atomic holding `pointer`, of the calling thread's engine.
    pub fn new(pointer: *mut T) -> AtomicPtr<T> {
        AtomicPtr(match execution::flavour() {
            Flavour::Std => Flavoured::Std(std::sync::atomic::AtomicPtr::new(pointer)),
            Flavour::Shuttle => Flavoured::Shuttle(
                shuttle::sync::atomic::AtomicPtr::new(pointer),
                Shadow(std::sync::atomic::AtomicPtr::new(pointer)),
            ),
            Flavour::Loom => Flavoured::Loom(
                loom::sync::atomic::AtomicPtr::new(pointer),
                LoomLoads::new(),
                Shadow(std::sync::atomic::AtomicPtr::new(pointer)),
            ),
        })
    }

    /// Loads the pointer.
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        if peek::peeking() {
            return latest(&self.0).load(Ordering::SeqCst);
        }
        access(AtomicAccess::Load, order);
        before_load(&self.0);
        on_flavour!(&self.0, atomic => atomic.load(order))
    }

    /// Stores `pointer`.
    #[track_caller]
    pub fn store(&self, pointer: *mut T, order: Ordering) {
        access(AtomicAccess::Store, order);
        on_flavour!(&self.0, atomic => atomic.store(pointer, order))
    }

    /// Stores `pointer`, returning the previous one.
    #[track_caller]
    pub fn swap(&self, pointer: *mut T, order: Ordering) -> *mut T {
        access(AtomicAccess::Swap, order);
        on_flavour!(&self.0, atomic => atomic.swap(pointer, order))
    }

    /// Stores `new` if the pointer is `current`; the previous pointer, `Ok`
    /// if it was stored.
    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        access(AtomicAccess::CompareExchange, success);
        on_flavour!(&self.0, atomic => atomic.compare_exchange(current, new, success, failure))
    }

    /// As `compare_exchange`, but may fail spuriously.
    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        access(AtomicAccess::CompareExchangeWeak, success);
        on_flavour!(&self.0, atomic => atomic.compare_exchange_weak(current, new, success, failure))
    }

    /// Applies `f` until a compare-exchange succeeds or `f` says no, as
    /// std's: a load, then weak compare-exchanges.
    #[track_caller]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: F,
    ) -> Result<*mut T, *mut T>
    where
        F: FnMut(*mut T) -> Option<*mut T>,
    {
        let mut previous = self.load(fetch_order);
        while let Some(next) = f(previous) {
            match self.compare_exchange_weak(previous, next, set_order, fetch_order) {
                Ok(pointer) => return Ok(pointer),
                Err(pointer) => previous = pointer,
            }
        }
        Err(previous)
    }

    /// `fetch_update` under the name std gave it in 1.95.
    #[rustversion::since(1.95)]
    #[track_caller]
    pub fn try_update(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: impl FnMut(*mut T) -> Option<*mut T>,
    ) -> Result<*mut T, *mut T> {
        self.fetch_update(set_order, fetch_order, f)
    }

    /// Applies `f` until a compare-exchange succeeds; the previous
    /// pointer, as std's (1.95).
    #[rustversion::since(1.95)]
    #[track_caller]
    pub fn update(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: impl FnMut(*mut T) -> *mut T,
    ) -> *mut T {
        match self.fetch_update(set_order, fetch_order, |pointer| Some(f(pointer))) {
            Ok(previous) | Err(previous) => previous,
        }
    }

    /// The pointer, consuming the atomic.
    pub fn into_inner(self) -> *mut T {
        on_flavour!(self.0, atomic => atomic.into_inner())
    }
}

impl<T> Default for AtomicPtr<T> {
    fn default() -> AtomicPtr<T> {
        AtomicPtr::new(std::ptr::null_mut())
    }
}

impl<T> From<*mut T> for AtomicPtr<T> {
    fn from(pointer: *mut T) -> AtomicPtr<T> {
        AtomicPtr::new(pointer)
    }
}

impl<T> std::fmt::Debug for AtomicPtr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicPtr").finish_non_exhaustive()
    }
}
