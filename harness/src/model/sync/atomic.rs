//! `std::sync::atomic` under the model: each atomic is std's, shuttle's
//! (sequentially consistent, a scheduling point) or loom's (every ordering
//! modelled), as the engine that made it; each access is a fact.
//! `get_mut` takes the value out of the run's engine atomic, and the next
//! access makes another from what was written (see
//! [`AtomicU64::get_mut`]). `compiler_fence` is std's: it orders nothing
//! between threads, only a thread's code against its own signal handlers.

use std::marker::PhantomData;
use std::panic::Location;

pub use std::sync::atomic::{Ordering, compiler_fence};

use crate::model::execution::{self, Flavour};
use crate::model::facts::{AtomicAccess, Op, ThreadKey};
use crate::model::loom_pool;
use crate::model::peek;
use crate::model::per_run::{PerRun, ThisRuns};

/// One atomic of any engine; shuttle's and loom's with a shadow, loom's
/// with the mark of its loads and the stores its threads missed too.
enum Flavoured<S, H, L> {
    Std(S),
    Shuttle(H, Shadow<S>),
    Loom(L, LoomLoads, Shadow<S>, Misses),
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
/// it, in the order the writes ran, so the shadow holds the value of the
/// last write to run: what a machine, which shows every store in time,
/// would hold. Under shuttle, whose atomics are sequentially consistent,
/// that is the atomic's value (but for a weak compare-exchange that fails
/// spuriously on the shadow alone, which x86 never does). loom's
/// modification order is partial, and a read-modify-write may read a
/// value older than the shadow's (a swap spin lock's spinner, its own
/// `true` after the holder's release): from then on the two differ, and
/// a peek reads the machine's value ([`Misses`] keeps what such reads
/// missed).
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

/// The values of a loom atomic's stores that a thread of the run missed:
/// it read another value while the shadow held one of them, and it has
/// not read that one since. Each of its reads of the atomic meanwhile is
/// stale ([`Execution::loom_read`]): loom may keep a store from a spinning
/// thread for good ([`SPIN_ON_A_STALE_VALUE_UNDER_LOOM`]).
///
/// Which value a missed store wrote is what the shadow held when the
/// thread first missed it; the shadow is no guide after that, since it
/// applies the thread's own read-modify-writes to the value the thread
/// missed (in it, a swap spin lock's spinner took the lock).
///
/// [`Execution::loom_read`]: crate::model::execution::Execution::loom_read
/// [`SPIN_ON_A_STALE_VALUE_UNDER_LOOM`]: crate::model::endless::SPIN_ON_A_STALE_VALUE_UNDER_LOOM
#[derive(Default)]
struct Misses(std::sync::Mutex<Vec<(ThreadKey, u64)>>);

impl Misses {
    /// The calling thread read `read` where the shadow held `latest`
    /// (both as [`Bits`]).
    fn read(&self, read: u64, latest: u64) {
        let Some(run) = execution::current() else {
            return;
        };
        let stale = self.is_stale(run.thread_key(), read, latest);
        run.loom_read(!stale);
    }

    /// Whether `thread`'s read of `read`, where the shadow held `latest`,
    /// missed a store it has not seen; the miss booked, or its end.
    fn is_stale(&self, thread: ThreadKey, read: u64, latest: u64) -> bool {
        let mut missed = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match missed.iter().position(|(missing, _)| *missing == thread) {
            Some(at) if missed[at].1 == read => {
                missed.swap_remove(at);
                false
            }
            Some(_) => true,
            None if read != latest => {
                missed.push((thread, latest));
                true
            }
            None => false,
        }
    }
}

/// The value a load or a read-modify-write read, as [`Bits`].
trait ReadBits {
    fn read_bits(&self) -> u64;
}

/// The std atomic that holds `atomic`'s latest value: itself, or its
/// shadow.
fn latest<S, H, L>(atomic: &Flavoured<S, H, L>) -> &S {
    match atomic {
        Flavoured::Std(latest)
        | Flavoured::Shuttle(_, Shadow(latest))
        | Flavoured::Loom(_, _, Shadow(latest), _) => latest,
    }
}

/// A value an atomic holds, as the `u64` a loom pool keys its atomics by
/// ([`loom_pool`]).
trait Bits: Copy {
    fn bits(self) -> u64;
    fn from_bits(bits: u64) -> Self;
}

macro_rules! bits_by_cast {
    ($($value:ty),*) => {$(
        impl Bits for $value {
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation, reason = "the bits, not the number")]
            fn bits(self) -> u64 {
                self as u64
            }

            #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap, reason = "the bits, not the number")]
            fn from_bits(bits: u64) -> $value {
                bits as $value
            }
        }
    )*};
}

bits_by_cast!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl<V: Bits> ReadBits for V {
    fn read_bits(&self) -> u64 {
        self.bits()
    }
}

/// A compare-exchange read the value either way.
impl<V: Bits> ReadBits for Result<V, V> {
    fn read_bits(&self) -> u64 {
        match *self {
            Ok(read) | Err(read) => read.bits(),
        }
    }
}

impl Bits for bool {
    fn bits(self) -> u64 {
        u64::from(self)
    }

    fn from_bits(bits: u64) -> bool {
        bits != 0
    }
}

impl Bits for *mut () {
    /// The address, its provenance exposed so that the pointer made back
    /// from it ([`from_bits`](Bits::from_bits)) may be used as this one.
    fn bits(self) -> u64 {
        self.expose_provenance() as u64
    }

    #[allow(clippy::cast_possible_truncation, reason = "the bits of an address")]
    fn from_bits(bits: u64) -> *mut () {
        std::ptr::with_exposed_provenance_mut(bits as usize)
    }
}

/// The ordering of a read-modify-write's load: what its compare-exchange
/// may fail with (std's deprecated `compare_and_swap` fails with it too).
fn load_part(order: Ordering) -> Ordering {
    match order {
        Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
        Ordering::Acquire | Ordering::AcqRel => Ordering::Acquire,
        _ => Ordering::SeqCst,
    }
}

/// A new atomic holding `value`, of the calling thread's engine, made by
/// that engine's `new`; loom's taken from the run's pool, which `stock`
/// fills (a loom atomic and its [`LoomLoads`]).
fn made<S, H, L: 'static, V: Bits>(
    value: V,
    std_new: fn(V) -> S,
    shuttle_new: fn(V) -> H,
    stock: loom_pool::Make,
) -> Flavoured<S, H, L> {
    match execution::flavour() {
        Flavour::Std => Flavoured::Std(std_new(value)),
        Flavour::Shuttle => Flavoured::Shuttle(shuttle_new(value), Shadow(std_new(value))),
        Flavour::Loom => {
            let run = execution::current().expect("a loom thread is in its run");
            let (atomic, loads) = run.loom_pool().take::<(L, LoomLoads)>(value.bits(), stock);
            Flavoured::Loom(atomic, loads, Shadow(std_new(value)), Misses::default())
        }
    }
}

/// A loom atomic that `new` makes holding what `bits` stand for, and its
/// [`LoomLoads`], for a loom pool.
fn stocked<L: Send + Sync + 'static, V: Bits>(bits: u64, new: fn(V) -> L) -> loom_pool::Stocked {
    Box::new((new(V::from_bits(bits)), LoomLoads::new()))
}

/// Marks a load of `atomic` for loom (see [`LoomLoads`]).
fn before_load<S, H, L>(atomic: &Flavoured<S, H, L>) {
    if let Flavoured::Loom(_, loads, _, _) = atomic {
        if !std::thread::panicking() {
            loads.mark();
        }
    }
}

/// Calls the same method on whichever engine's atomic `$atomic` holds.
/// A call marked `read` (a load, a read-modify-write) tells a loom run
/// whether it read the latest value written, which the shadow holds
/// ([`Execution::loom_read`](crate::model::execution::Execution::loom_read)).
macro_rules! on_flavour {
    (read $atomic:expr, $inner:ident => $call:expr) => {
        on_flavour!(@read $atomic, $inner => $call)
    };
    (@seen write $misses:ident, $modelled:ident, $shadowed:ident) => {
        let _ = ($misses, $shadowed);
    };
    (@seen read $misses:ident, $modelled:ident, $shadowed:ident) => {
        $misses.read(ReadBits::read_bits(&$modelled), ReadBits::read_bits(&$shadowed));
    };
    (@$kind:ident $atomic:expr, $inner:ident => $call:expr) => {
        match $atomic {
            Flavoured::Std($inner) => {
                // Each run makes its own object at its first use (`PerRun`),
                // so std's serves no run of shuttle or loom.
                debug_assert_eq!(
                    execution::flavour(),
                    Flavour::Std,
                    "a run's atomic is its own"
                );
                $call
            }
            Flavoured::Shuttle($inner, Shadow(shadow)) => {
                let modelled = $call;
                let $inner = shadow;
                let _ = $call;
                modelled
            }
            Flavoured::Loom($inner, _, Shadow(shadow), misses) => {
                if std::thread::panicking() {
                    let $inner = shadow;
                    $call
                } else {
                    let modelled = $call;
                    let $inner = shadow;
                    let shadowed = $call;
                    on_flavour!(@seen $kind misses, modelled, shadowed);
                    modelled
                }
            }
        }
    };
    ($atomic:expr, $inner:ident => $call:expr) => {
        on_flavour!(@write $atomic, $inner => $call)
    };
}

/// Calls the same method on the calling thread's run's atomic of `$this`.
macro_rules! on_this_runs {
    (read $this:expr, $inner:ident => $call:expr) => {{
        let flavoured = $this.this_runs();
        on_flavour!(read &*flavoured, $inner => $call)
    }};
    ($this:expr, $inner:ident => $call:expr) => {{
        let flavoured = $this.this_runs();
        on_flavour!(&*flavoured, $inner => $call)
    }};
}

/// `effect`, the calling thread's access of `kind` with `order`, recorded
/// once it has taken effect. shuttle and loom let other threads run just
/// before an access, never between it and its record here, so a run's
/// facts list accesses in the order they took effect: a load listed after
/// a store saw it, or a later store, under shuttle's sequentially
/// consistent atomics (recorded before, a load that missed a store could
/// be listed after it).
#[track_caller]
fn access<R>(kind: AtomicAccess, order: Ordering, effect: impl FnOnce() -> R) -> R {
    ordered_access(kind, order, order == Ordering::SeqCst, effect)
}

/// [`access`], sequentially consistent if `seq_cst` (a compare-exchange is
/// if either of its orderings is): under loom it may have a fence put
/// before it (see `model/seq_cst.rs`).
#[track_caller]
fn ordered_access<R>(
    kind: AtomicAccess,
    order: Ordering,
    seq_cst: bool,
    effect: impl FnOnce() -> R,
) -> R {
    let (op, at) = (Op::Atomic(kind, order), Location::caller());
    peek::refuse_inside(&op, at);
    if seq_cst {
        execution::before_seq_cst_access();
    }
    let value = effect();
    execution::record(op, at);
    value
}

/// Whether a compare-exchange with these orderings is sequentially
/// consistent.
fn either_seq_cst(success: Ordering, failure: Ordering) -> bool {
    success == Ordering::SeqCst || failure == Ordering::SeqCst
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
    if order == Ordering::SeqCst {
        execution::seq_cst_fenced();
    }
}

/// The methods every atomic has: new, load, store, swap, compare-exchange,
/// `fetch_update`, the bitwise `fetch_*`, `into_inner`.
macro_rules! atomic_common {
    ($name:ident, $value:ty) => {
        /// As the std atomic of the same name. `new` is `const`, so it may
        /// be a `static`'s: each run starts it at the value it was made
        /// with, as a fresh process would.
        pub struct $name {
            initial: $value,
            engine: PerRun<
                Flavoured<
                    std::sync::atomic::$name,
                    shuttle::sync::atomic::$name,
                    loom::sync::atomic::$name,
                >,
            >,
        }

        impl $name {
            /// An atomic holding `value`, of the engine of each run that
            /// uses it.
            pub const fn new(value: $value) -> $name {
                $name {
                    initial: value,
                    engine: PerRun::new(),
                }
            }

            /// The calling thread's run's atomic.
            fn this_runs(
                &self,
            ) -> ThisRuns<
                '_,
                Flavoured<
                    std::sync::atomic::$name,
                    shuttle::sync::atomic::$name,
                    loom::sync::atomic::$name,
                >,
            > {
                self.engine.get(|| {
                    made(
                        self.initial,
                        std::sync::atomic::$name::new,
                        shuttle::sync::atomic::$name::new,
                        |bits| stocked(bits, loom::sync::atomic::$name::new),
                    )
                })
            }

            /// Loads the value.
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                if peek::peeking() {
                    return latest(&self.this_runs()).load(Ordering::SeqCst);
                }
                access(AtomicAccess::Load, order, || {
                    let flavoured = self.this_runs();
                    before_load(&flavoured);
                    on_flavour!(read &*flavoured, atomic => atomic.load(order))
                })
            }

            /// Stores `value`.
            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                access(AtomicAccess::Store, order, || {
                    on_this_runs!(self, atomic => atomic.store(value, order))
                })
            }

            /// Stores `value`, returning the previous value.
            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::Swap, order, || {
                    on_this_runs!(read self, atomic => atomic.swap(value, order))
                })
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
                ordered_access(AtomicAccess::CompareExchange, success, either_seq_cst(success, failure), || {
                    on_this_runs!(read self, atomic => atomic.compare_exchange(current, new, success, failure))
                })
            }

            /// Stores `new` if the value is `current`; the previous value,
            /// as std's deprecated method: a `compare_exchange` that fails
            /// with the strongest ordering `order` allows.
            #[deprecated(
                since = "1.50.0",
                note = "Use `compare_exchange` or `compare_exchange_weak` instead"
            )]
            #[track_caller]
            pub fn compare_and_swap(&self, current: $value, new: $value, order: Ordering) -> $value {
                match self.compare_exchange(current, new, order, load_part(order)) {
                    Ok(previous) | Err(previous) => previous,
                }
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
                ordered_access(AtomicAccess::CompareExchangeWeak, success, either_seq_cst(success, failure), || {
                    on_this_runs!(read self, atomic => atomic.compare_exchange_weak(current, new, success, failure))
                })
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
                access(AtomicAccess::FetchAnd, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_and(value, order))
                })
            }

            /// Bitwise nand; the previous value.
            #[track_caller]
            pub fn fetch_nand(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchNand, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_nand(value, order))
                })
            }

            /// Bitwise or; the previous value.
            #[track_caller]
            pub fn fetch_or(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchOr, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_or(value, order))
                })
            }

            /// Bitwise xor; the previous value.
            #[track_caller]
            pub fn fetch_xor(&self, value: $value, order: Ordering) -> $value {
                access(AtomicAccess::FetchXor, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_xor(value, order))
                })
            }

            /// A mutable reference to the value, as std's.
            ///
            /// The borrow is the only one, so no thread can access the
            /// atomic until it ends. The run's engine atomic is taken out
            /// here, its latest value kept, and the atomic's next access in
            /// the run makes another engine atomic holding what was
            /// written: no engine lends a reference into its own atomic
            /// that outlives a call (loom's lends one only inside a
            /// closure). A `get_mut` is no fact and no scheduling point, as
            /// a plain variable's access is not.
            ///
            /// The value is the last in the atomic's modification order,
            /// read from the std atomic that holds it (the engine's, or its
            /// shadow), not by loom's own unsynchronised read, which checks
            /// that every other thread's access happened before it: the
            /// facade's `Arc` is std's, which loom does not see, so the
            /// thread that drops a structure's last `Arc` (and reads its
            /// atomics in its `Drop`) is not ordered after the other
            /// threads in loom's eyes, and the check would fail falsely.
            /// Safe code cannot reach a `&mut` while another thread may
            /// access the atomic.
            pub fn get_mut(&mut self) -> &mut $value {
                if let Some(flavoured) = self.engine.take_this_runs() {
                    self.initial = latest(&flavoured).load(Ordering::Relaxed);
                }
                &mut self.initial
            }

            /// The value, consuming the atomic.
            pub fn into_inner(mut self) -> $value {
                *self.get_mut()
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
                access(AtomicAccess::FetchAdd, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_add(value, order))
                })
            }

            /// Wrapping subtract; the previous value.
            #[track_caller]
            pub fn fetch_sub(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchSub, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_sub(value, order))
                })
            }

            /// Maximum; the previous value.
            #[track_caller]
            pub fn fetch_max(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchMax, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_max(value, order))
                })
            }

            /// Minimum; the previous value.
            #[track_caller]
            pub fn fetch_min(&self, value: $int, order: Ordering) -> $int {
                access(AtomicAccess::FetchMin, order, || {
                    on_this_runs!(read self, atomic => atomic.fetch_min(value, order))
                })
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
/// A false `AtomicBool`, as std's deprecated constant.
#[deprecated(since = "1.34.0", note = "the `new` function is now preferred")]
#[allow(
    clippy::declare_interior_mutable_const,
    reason = "std's constant, whose every use is a new atomic"
)]
pub const ATOMIC_BOOL_INIT: AtomicBool = AtomicBool::new(false);

/// A zero `AtomicIsize`, as std's deprecated constant.
#[deprecated(since = "1.34.0", note = "the `new` function is now preferred")]
#[allow(
    clippy::declare_interior_mutable_const,
    reason = "std's constant, whose every use is a new atomic"
)]
pub const ATOMIC_ISIZE_INIT: AtomicIsize = AtomicIsize::new(0);

/// A zero `AtomicUsize`, as std's deprecated constant.
#[deprecated(since = "1.34.0", note = "the `new` function is now preferred")]
#[allow(
    clippy::declare_interior_mutable_const,
    reason = "std's constant, whose every use is a new atomic"
)]
pub const ATOMIC_USIZE_INIT: AtomicUsize = AtomicUsize::new(0);

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
/// `new` is `const`, so it may be a `static`'s: each run starts it at the
/// pointer it was made with, as a fresh process would.
pub struct AtomicPtr<T> {
    /// The pointer each run starts with: the one it was made with, or
    /// the last written through [`get_mut`](AtomicPtr::get_mut). In a std
    /// atomic only because a raw pointer alone is not `Sync`; never stored
    /// to through a shared reference.
    initial: std::sync::atomic::AtomicPtr<T>,
    engine: PerRun<PtrFlavoured>,
    /// Invariant in `T`, as std's, and `Send` and `Sync` for every `T`.
    pointee: PhantomData<fn(*mut T) -> *mut T>,
}

/// An `AtomicPtr` of any engine, of untyped pointers: the pointee's type
/// is the facade's alone, so that a loom pool can hold them ([`loom_pool`]).
type PtrFlavoured = Flavoured<
    std::sync::atomic::AtomicPtr<()>,
    shuttle::sync::atomic::AtomicPtr<()>,
    loom::sync::atomic::AtomicPtr<()>,
>;

impl<T> AtomicPtr<T> {
    /// An atomic holding `pointer`, of the engine of each run that uses
    /// it.
    pub const fn new(pointer: *mut T) -> AtomicPtr<T> {
        AtomicPtr {
            initial: std::sync::atomic::AtomicPtr::new(pointer),
            engine: PerRun::new(),
            pointee: PhantomData,
        }
    }

    /// The calling thread's run's atomic.
    fn this_runs(&self) -> ThisRuns<'_, PtrFlavoured> {
        self.engine.get(|| {
            made(
                self.initial.load(Ordering::Relaxed).cast(),
                std::sync::atomic::AtomicPtr::new,
                shuttle::sync::atomic::AtomicPtr::new,
                |bits| stocked(bits, loom::sync::atomic::AtomicPtr::new),
            )
        })
    }

    /// Loads the pointer.
    #[track_caller]
    pub fn load(&self, order: Ordering) -> *mut T {
        if peek::peeking() {
            return latest(&self.this_runs()).load(Ordering::SeqCst).cast();
        }
        access(AtomicAccess::Load, order, || {
            let flavoured = self.this_runs();
            before_load(&flavoured);
            on_flavour!(read &*flavoured, atomic => atomic.load(order))
        })
        .cast()
    }

    /// Stores `pointer`.
    #[track_caller]
    pub fn store(&self, pointer: *mut T, order: Ordering) {
        access(
            AtomicAccess::Store,
            order,
            || on_this_runs!(self, atomic => atomic.store(pointer.cast(), order)),
        )
    }

    /// Stores `pointer`, returning the previous one.
    #[track_caller]
    pub fn swap(&self, pointer: *mut T, order: Ordering) -> *mut T {
        access(
            AtomicAccess::Swap,
            order,
            || on_this_runs!(read self, atomic => atomic.swap(pointer.cast(), order)),
        )
        .cast()
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
        let (current, new) = (current.cast(), new.cast());
        ordered_access(AtomicAccess::CompareExchange, success, either_seq_cst(success, failure), || {
            on_this_runs!(read self, atomic => atomic.compare_exchange(current, new, success, failure))
        })
        .map(<*mut ()>::cast)
            .map_err(<*mut ()>::cast)
    }

    /// Stores `new` if the pointer is `current`; the previous pointer, as
    /// std's deprecated method (see the integers' `compare_and_swap`).
    #[deprecated(
        since = "1.50.0",
        note = "Use `compare_exchange` or `compare_exchange_weak` instead"
    )]
    #[track_caller]
    pub fn compare_and_swap(&self, current: *mut T, new: *mut T, order: Ordering) -> *mut T {
        match self.compare_exchange(current, new, order, load_part(order)) {
            Ok(previous) | Err(previous) => previous,
        }
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
        let (current, new) = (current.cast(), new.cast());
        ordered_access(AtomicAccess::CompareExchangeWeak, success, either_seq_cst(success, failure), || {
            on_this_runs!(read self, atomic => atomic.compare_exchange_weak(current, new, success, failure))
        })
        .map(<*mut ()>::cast)
            .map_err(<*mut ()>::cast)
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

    /// Applies `f` in one read-modify-write of `order`, a compare-exchange
    /// loop (shuttle's and loom's `AtomicPtr` have no arithmetic): the
    /// previous pointer.
    #[rustversion::since(1.91)]
    #[track_caller]
    fn fetch_map(&self, order: Ordering, f: impl Fn(*mut T) -> *mut T) -> *mut T {
        match self.fetch_update(order, load_part(order), |pointer| Some(f(pointer))) {
            Ok(previous) | Err(previous) => previous,
        }
    }

    /// Offsets the pointer by `count` elements of `T`, wrapping; the
    /// previous pointer, as std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_ptr_add(&self, count: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.wrapping_add(count))
    }

    /// Offsets the pointer back by `count` elements of `T`, wrapping; the
    /// previous pointer, as std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_ptr_sub(&self, count: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.wrapping_sub(count))
    }

    /// Offsets the pointer by `bytes`, wrapping; the previous pointer, as
    /// std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_byte_add(&self, bytes: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.wrapping_byte_add(bytes))
    }

    /// Offsets the pointer back by `bytes`, wrapping; the previous
    /// pointer, as std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_byte_sub(&self, bytes: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.wrapping_byte_sub(bytes))
    }

    /// Bitwise or of the address (a tag in its low bits, say), keeping
    /// the provenance; the previous pointer, as std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_or(&self, bits: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.map_addr(|address| address | bits))
    }

    /// Bitwise and of the address, keeping the provenance; the previous
    /// pointer, as std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_and(&self, bits: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.map_addr(|address| address & bits))
    }

    /// Bitwise xor of the address, keeping the provenance; the previous
    /// pointer, as std's (1.91).
    #[rustversion::since(1.91)]
    #[track_caller]
    pub fn fetch_xor(&self, bits: usize, order: Ordering) -> *mut T {
        self.fetch_map(order, |pointer| pointer.map_addr(|address| address ^ bits))
    }

    /// A mutable reference to the pointer, as std's: the value leaves the
    /// run's engine atomic, as an integer atomic's `get_mut` says.
    pub fn get_mut(&mut self) -> &mut *mut T {
        if let Some(flavoured) = self.engine.take_this_runs() {
            *self.initial.get_mut() = latest(&flavoured).load(Ordering::Relaxed).cast();
        }
        self.initial.get_mut()
    }

    /// The pointer, consuming the atomic.
    pub fn into_inner(mut self) -> *mut T {
        *self.get_mut()
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

/// `{:p}` shows the pointer a relaxed load reads, as std's does.
impl<T> std::fmt::Pointer for AtomicPtr<T> {
    #[track_caller]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Pointer::fmt(&self.load(Ordering::Relaxed), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_of_another_value_than_the_latest_misses_it_and_one_of_the_latest_does_not() {
        let misses = Misses::default();
        assert!(!misses.is_stale(ThreadKey(1), 0, 0));
        assert!(misses.is_stale(ThreadKey(1), 1, 0));
    }

    #[test]
    fn a_thread_that_missed_a_store_reads_stale_until_it_reads_that_value() {
        let misses = Misses::default();
        // The holder's release (0) missed: the spinner's own 1 again and
        // again, even once the shadow holds 1 too.
        assert!(misses.is_stale(ThreadKey(2), 1, 0));
        assert!(misses.is_stale(ThreadKey(2), 1, 1));
        assert!(!misses.is_stale(ThreadKey(2), 0, 1));
        // Caught up: a read of the latest value is fresh again.
        assert!(!misses.is_stale(ThreadKey(2), 1, 1));
    }

    #[test]
    fn a_compare_exchange_read_the_value_it_returns_either_way() {
        assert_eq!(Ok::<u8, u8>(5).read_bits(), 5);
        assert_eq!(Err::<u8, u8>(7).read_bits(), 7);
        assert_eq!(true.read_bits(), 1);
    }

    #[test]
    fn a_miss_is_its_threads_alone() {
        let misses = Misses::default();
        assert!(misses.is_stale(ThreadKey(2), 1, 0));
        assert!(!misses.is_stale(ThreadKey(3), 0, 0));
    }
}
