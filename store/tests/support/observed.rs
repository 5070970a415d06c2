//! A runtime that forwards everything to another and tells an observer when
//! a thread starts and stops waiting on a condition variable: lets a test
//! know a reader is parked in the wait loop, or count wake-ups.

use std::io;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crossbeam::channel::{self, Receiver, Sender};
use store::runtime::ThreadBody;
use store::{Runtime, StdRuntime};

/// What an [`ObservedRuntime`] reports.
pub(crate) trait WaitObserver: Clone + Send + Sync + 'static {
    /// The calling thread is about to wait (the state lock is still held,
    /// so anything that needs it afterwards happens while the thread waits).
    fn wait_begins(&self);
    /// The calling thread's wait returned.
    fn wait_ends(&self);
}

/// `R`, observed by `O`.
#[derive(Clone)]
pub(crate) struct ObservedRuntime<R, O> {
    inner: R,
    observer: O,
}

impl<R, O> ObservedRuntime<R, O> {
    pub(crate) fn new(inner: R, observer: O) -> ObservedRuntime<R, O> {
        ObservedRuntime { inner, observer }
    }
}

/// Sends the name of each thread that starts waiting.
#[derive(Clone)]
pub(crate) struct SendsWaits(Sender<String>);

impl WaitObserver for SendsWaits {
    fn wait_begins(&self) {
        let name = std::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned();
        let _ = self.0.send(name);
    }

    fn wait_ends(&self) {}
}

/// `StdRuntime`, and the names of threads as they start waiting.
pub(crate) type WaitSignalRuntime = ObservedRuntime<StdRuntime, SendsWaits>;

impl WaitSignalRuntime {
    pub(crate) fn signalling() -> (WaitSignalRuntime, Receiver<String>) {
        let (waits, received) = channel::unbounded();
        (
            ObservedRuntime::new(StdRuntime, SendsWaits(waits)),
            received,
        )
    }
}

impl<R: Runtime, O: WaitObserver> Runtime for ObservedRuntime<R, O> {
    type Mutex<T: Send + 'static> = R::Mutex<T>;
    type Guard<'a, T: Send + 'static> = R::Guard<'a, T>;
    type Condvar = R::Condvar;
    type AtomicBool = R::AtomicBool;
    type AtomicU64 = R::AtomicU64;
    type Thread = R::Thread;
    type Queue<T: Send + 'static> = R::Queue<T>;

    fn mutex<T: Send + 'static>(&self, value: T) -> Self::Mutex<T> {
        self.inner.mutex(value)
    }

    fn bounded_queue<T: Send + 'static>(&self, capacity: std::num::NonZeroUsize) -> R::Queue<T> {
        self.inner.bounded_queue(capacity)
    }

    fn lock<'a, T: Send + 'static>(&self, mutex: &'a Self::Mutex<T>) -> Self::Guard<'a, T> {
        self.inner.lock(mutex)
    }

    fn condvar(&self) -> Self::Condvar {
        self.inner.condvar()
    }

    fn wait<'a, T>(&self, condvar: &Self::Condvar, guard: Self::Guard<'a, T>) -> Self::Guard<'a, T>
    where
        T: Send + 'static + 'a,
    {
        self.observer.wait_begins();
        let guard = self.inner.wait(condvar, guard);
        self.observer.wait_ends();
        guard
    }

    fn wait_timeout<'a, T>(
        &self,
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        timeout: Duration,
    ) -> Self::Guard<'a, T>
    where
        T: Send + 'static + 'a,
    {
        self.observer.wait_begins();
        let guard = self.inner.wait_timeout(condvar, guard, timeout);
        self.observer.wait_ends();
        guard
    }

    fn notify_all(&self, condvar: &Self::Condvar) {
        self.inner.notify_all(condvar)
    }

    fn current_thread(&self) -> Self::Thread {
        self.inner.current_thread()
    }

    fn park(&self) {
        self.observer.wait_begins();
        self.inner.park();
        self.observer.wait_ends();
    }

    fn unpark(&self, thread: &Self::Thread) {
        self.inner.unpark(thread)
    }

    fn atomic_bool(&self, value: bool) -> Self::AtomicBool {
        self.inner.atomic_bool(value)
    }

    fn load(&self, flag: &Self::AtomicBool, order: Ordering) -> bool {
        self.inner.load(flag, order)
    }

    fn store(&self, flag: &Self::AtomicBool, value: bool, order: Ordering) {
        self.inner.store(flag, value, order)
    }

    fn atomic_u64(&self, value: u64) -> Self::AtomicU64 {
        self.inner.atomic_u64(value)
    }

    fn load_u64(&self, atomic: &Self::AtomicU64, order: Ordering) -> u64 {
        self.inner.load_u64(atomic, order)
    }

    fn store_u64(&self, atomic: &Self::AtomicU64, value: u64, order: Ordering) {
        self.inner.store_u64(atomic, value, order)
    }

    fn fetch_add_u64(&self, atomic: &Self::AtomicU64, value: u64, order: Ordering) -> u64 {
        self.inner.fetch_add_u64(atomic, value, order)
    }

    fn fetch_sub_u64(&self, atomic: &Self::AtomicU64, value: u64, order: Ordering) -> u64 {
        self.inner.fetch_sub_u64(atomic, value, order)
    }

    fn fence(&self, order: Ordering) {
        self.inner.fence(order)
    }

    const STRIPES: usize = R::STRIPES;

    fn stripe(&self) -> usize {
        self.inner.stripe()
    }

    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<()> {
        self.inner.spawn(name, body)
    }
}
