//! The sync runtime the store is generic over: mutex, condition variable,
//! atomic flag and thread spawn.
//!
//! The store never names `std::sync` directly. Everything that can block or
//! be reordered goes through a [`Runtime`], so one compiled store runs on
//! real threads ([`StdRuntime`]), under shuttle (`shuttle` feature) and under
//! loom (`loom` feature). The features only *add* runtimes: enabling them
//! never changes what [`StdRuntime`] uses, so cargo's feature unification
//! cannot turn std code into scheduler code.
//!
//! Timed waits take a plain [`Duration`] computed by the caller from its
//! [`Clock`](crate::Clock). Neither shuttle nor loom models time (their
//! timed waits never time out), so a runtime for simulation is free to decide
//! *when* a timed wait returns; the caller always re-reads its clock to learn
//! whether the deadline has passed.

use std::io;
use std::num::NonZeroUsize;
use std::ops::DerefMut;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crossbeam_queue::ArrayQueue;

#[cfg(feature = "harness")]
pub mod harness;
#[cfg(feature = "loom")]
pub mod loom;
#[cfg(feature = "shuttle")]
pub mod shuttle;
mod std_shaped;

std_shaped::std_shaped_runtime!(
    /// The production runtime: `std::sync` and OS threads.
    StdRuntime,
    std,
    queue: ArrayQueue,
    stripes: 16,
    picked_by: dealt_per_os_thread
);

/// A number drawn from a thread's name (its FNV-1a hash), for a runtime
/// whose threads share one OS thread to pick each a stripe: the same name
/// gives the same number in every run and on every platform.
pub fn drawn_from_name(name: &str) -> usize {
    let fnv_1a = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    // Truncation is harmless: any number picks a stripe.
    fnv_1a as usize
}

/// A number of the calling OS thread's own, dealt round-robin on its first
/// call: threads that start together count in different stripes.
fn dealt_per_os_thread() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    std::thread_local! {
        static DEALT: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    DEALT.with(|dealt| *dealt)
}

/// The body of a spawned thread.
pub type ThreadBody = Box<dyn FnOnce() + Send + 'static>;

/// A bounded multi-producer multi-consumer queue that never blocks: a push
/// to a full queue hands the value back. Every runtime but the simulated
/// one uses crossbeam's `ArrayQueue`; the simulated one sees each call (a
/// scheduling point and a fact of the queue's length), which it could not
/// through crossbeam's own atomics.
pub trait BoundedQueue<T>: Send + Sync {
    /// Appends `value`, or hands it back if the queue is full.
    fn push(&self, value: T) -> Result<(), T>;
    /// Takes the oldest value, if any.
    fn pop(&self) -> Option<T>;
    /// Values queued now.
    fn len(&self) -> usize;
    /// Whether nothing is queued now.
    fn is_empty(&self) -> bool;
    /// Places in all.
    fn capacity(&self) -> usize;
}

impl<T: Send> BoundedQueue<T> for crossbeam_queue::ArrayQueue<T> {
    fn push(&self, value: T) -> Result<(), T> {
        crossbeam_queue::ArrayQueue::push(self, value)
    }

    fn pop(&self) -> Option<T> {
        crossbeam_queue::ArrayQueue::pop(self)
    }

    fn len(&self) -> usize {
        crossbeam_queue::ArrayQueue::len(self)
    }

    fn is_empty(&self) -> bool {
        crossbeam_queue::ArrayQueue::is_empty(self)
    }

    fn capacity(&self) -> usize {
        crossbeam_queue::ArrayQueue::capacity(self)
    }
}

/// Synchronisation primitives and threads, as one swappable family.
///
/// Implementations must give the usual guarantees: `lock` excludes other
/// holders, `wait` and `wait_timeout` release the lock while blocked and
/// reacquire it before returning, and both may return spuriously.
pub trait Runtime: Clone + Send + Sync + 'static {
    /// A mutual-exclusion lock around a `T`.
    type Mutex<T: Send + 'static>: Send + Sync;
    /// Proof of holding a [`Runtime::Mutex`]; unlocks on drop.
    type Guard<'a, T: Send + 'static>: DerefMut<Target = T>;
    /// A condition variable used with [`Runtime::Mutex`].
    type Condvar: Send + Sync;
    /// A boolean readable without taking a lock.
    type AtomicBool: Send + Sync;
    /// A counter readable without taking a lock.
    type AtomicU64: Send + Sync;
    /// A handle on a thread, to [`unpark`](Runtime::unpark) it.
    type Thread: Clone + Send + Sync + 'static;
    /// A bounded lock-free queue: the structure whose calls a runtime for
    /// simulation must see, since its atomics are another crate's.
    type Queue<T: Send + 'static>: BoundedQueue<T>;

    /// Creates a mutex holding `value`.
    fn mutex<T: Send + 'static>(&self, value: T) -> Self::Mutex<T>;
    /// Blocks until the mutex is held. A poisoned lock is taken over: the
    /// store keeps its state consistent at every unlock, panic or not.
    #[track_caller]
    fn lock<'a, T: Send + 'static>(&self, mutex: &'a Self::Mutex<T>) -> Self::Guard<'a, T>;
    /// Creates a condition variable.
    fn condvar(&self) -> Self::Condvar;
    /// Releases `guard`, blocks until notified (or spuriously woken), relocks.
    #[track_caller]
    fn wait<'a, T>(&self, condvar: &Self::Condvar, guard: Self::Guard<'a, T>) -> Self::Guard<'a, T>
    where
        T: Send + 'static + 'a;
    /// Like [`Runtime::wait`], but may also return once `timeout` has passed.
    /// Callers re-read their clock rather than trust the return.
    #[track_caller]
    fn wait_timeout<'a, T>(
        &self,
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        timeout: Duration,
    ) -> Self::Guard<'a, T>
    where
        T: Send + 'static + 'a;
    /// Wakes every thread waiting on `condvar`.
    fn notify_all(&self, condvar: &Self::Condvar);
    /// Creates an atomic flag.
    fn atomic_bool(&self, value: bool) -> Self::AtomicBool;
    /// Reads the flag with `order`.
    fn load(&self, flag: &Self::AtomicBool, order: Ordering) -> bool;
    /// Sets the flag with `order`.
    fn store(&self, flag: &Self::AtomicBool, value: bool, order: Ordering);
    /// Creates an atomic counter.
    fn atomic_u64(&self, value: u64) -> Self::AtomicU64;
    /// Reads the counter with `order`.
    fn load_u64(&self, atomic: &Self::AtomicU64, order: Ordering) -> u64;
    /// Sets the counter with `order`.
    fn store_u64(&self, atomic: &Self::AtomicU64, value: u64, order: Ordering);
    /// Adds `value` to the counter with `order`; returns the previous value.
    fn fetch_add_u64(&self, atomic: &Self::AtomicU64, value: u64, order: Ordering) -> u64;
    /// Subtracts `value` from the counter with `order`; returns the previous
    /// value.
    fn fetch_sub_u64(&self, atomic: &Self::AtomicU64, value: u64, order: Ordering) -> u64;
    /// A memory fence with `order`.
    fn fence(&self, order: Ordering);
    /// How many stripes a counter that every reader updates is spread over,
    /// each on a cache line of its own (see [`Runtime::stripe`]).
    const STRIPES: usize = 1;
    /// The stripe, below [`Runtime::STRIPES`], the calling thread counts
    /// itself in. Any stripe is correct; stripes that differ between threads
    /// running at once spare them contending for one cache line.
    fn stripe(&self) -> usize {
        0
    }
    /// Creates a bounded queue of `capacity` places.
    fn bounded_queue<T: Send + 'static>(&self, capacity: NonZeroUsize) -> Self::Queue<T>;
    /// Starts a detached, named thread. The name shows in deadlock reports.
    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<()>;
    /// The calling thread's handle.
    fn current_thread(&self) -> Self::Thread;
    /// Blocks until the calling thread's token is available, and consumes
    /// it, as `std::thread::park` does; may also return spuriously.
    #[track_caller]
    fn park(&self);
    /// Makes `thread`'s token available, waking it if it is parked. Takes
    /// no lock: a thread that must never wait can wake one this way, and a
    /// wake-up before the park is not lost.
    fn unpark(&self, thread: &Self::Thread);
}
