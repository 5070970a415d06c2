//! `SimRuntime`: a scheduler's runtime (shuttle's, loom's or std's)
//! instrumented for simulation, split along loom's seams:
//!
//! - `book.rs`: the book of threads and the judges (plain data, unit-tested
//!   without a scheduler);
//! - `execution.rs`: the run as a whole: trace, judges installed, "never
//!   waits", the deadlock check, the main thread's end, virtual sleeps;
//! - `mutex.rs`, `condvar.rs`, `atomic.rs`, `thread.rs`, `queue.rs`: each
//!   primitive, as the store's `Runtime` trait asks for it.
//!
//! This file holds the runtime itself and the `Runtime` impl, which only
//! hands each call to its seam.

mod atomic;
mod book;
mod condvar;
mod execution;
mod mutex;
mod queue;
mod thread;

use std::collections::BTreeMap;
use std::io;
use std::num::NonZeroUsize;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::Runtime;
use store::runtime::ThreadBody;

pub use atomic::peeking;
use atomic::{SimAtomicBool, SimAtomicU64};
use book::Book;
pub use book::{
    Blocked, BlockedThread, Blocking, EndJudge, Quiescence, QuiescenceJudge, ThreadPanic,
    WaitBegins, WaitFor, WaitJudge,
};
pub use execution::Sleeper;
use mutex::{SimGuard, SimMutex};
use queue::SimQueue;
use thread::Parker;
pub use thread::SimThread;

use super::{ModelRuntime, ThreadKey, Trace, VirtualClock};

/// A scheduler's runtime `I`, instrumented for simulation. See the module docs.
#[derive(Debug)]
pub struct SimRuntime<I: Runtime> {
    inner: I,
    clock: VirtualClock,
    threads: Arc<Book>,
    trace: Trace,
    /// Where each thread parks, by key. Apart from the book: a parker is
    /// the scheduler's, and the book's lock is never held across one.
    parkers: Arc<Mutex<BTreeMap<ThreadKey, Arc<Parker<I>>>>>,
}

impl<I: ModelRuntime> Clone for SimRuntime<I> {
    fn clone(&self) -> Self {
        SimRuntime {
            inner: self.inner.clone(),
            clock: self.clock.clone(),
            threads: Arc::clone(&self.threads),
            trace: self.trace.clone(),
            parkers: Arc::clone(&self.parkers),
        }
    }
}

impl<I: ModelRuntime> Runtime for SimRuntime<I> {
    type Mutex<T: Send + 'static> = SimMutex<I, T>;
    type Guard<'a, T: Send + 'static> = SimGuard<'a, I, T>;
    type Condvar = I::Condvar;
    type AtomicBool = SimAtomicBool<I>;
    type AtomicU64 = SimAtomicU64<I>;
    type Thread = SimThread<I>;
    type Queue<T: Send + 'static> = SimQueue<I, T>;

    /// Two stripes: enough that a count is summed over threads that count
    /// in different ones, as on real threads, without a scheduling point
    /// per stripe of the sixteen production uses.
    const STRIPES: usize = 2;

    fn mutex<T: Send + 'static>(&self, value: T) -> SimMutex<I, T> {
        self.make_mutex(value)
    }

    #[track_caller]
    fn lock<'a, T: Send + 'static>(&self, mutex: &'a SimMutex<I, T>) -> SimGuard<'a, I, T> {
        self.lock_mutex(mutex)
    }

    fn condvar(&self) -> I::Condvar {
        self.inner.condvar()
    }

    #[track_caller]
    fn wait<'a, T>(&self, condvar: &I::Condvar, guard: SimGuard<'a, I, T>) -> SimGuard<'a, I, T>
    where
        T: Send + 'static + 'a,
    {
        self.wait_on(condvar, guard)
    }

    #[track_caller]
    fn wait_timeout<'a, T>(
        &self,
        condvar: &I::Condvar,
        guard: SimGuard<'a, I, T>,
        timeout: Duration,
    ) -> SimGuard<'a, I, T>
    where
        T: Send + 'static + 'a,
    {
        self.wait_on_timed(condvar, guard, timeout)
    }

    fn notify_all(&self, condvar: &I::Condvar) {
        self.notify_every_waiter(condvar);
    }

    fn atomic_bool(&self, value: bool) -> SimAtomicBool<I> {
        self.make_flag(value)
    }

    fn load(&self, flag: &SimAtomicBool<I>, order: Ordering) -> bool {
        self.load_flag(flag, order)
    }

    fn store(&self, flag: &SimAtomicBool<I>, value: bool, order: Ordering) {
        self.store_flag(flag, value, order);
    }

    fn atomic_u64(&self, value: u64) -> SimAtomicU64<I> {
        self.make_counter(value)
    }

    fn load_u64(&self, atomic: &SimAtomicU64<I>, order: Ordering) -> u64 {
        self.load_counter(atomic, order)
    }

    fn store_u64(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) {
        self.store_counter(atomic, value, order);
    }

    fn fetch_add_u64(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) -> u64 {
        self.add_to_counter(atomic, value, order)
    }

    fn fetch_sub_u64(&self, atomic: &SimAtomicU64<I>, value: u64, order: Ordering) -> u64 {
        self.subtract_from_counter(atomic, value, order)
    }

    fn fence(&self, order: Ordering) {
        self.fence_at(order);
    }

    fn stripe(&self) -> usize {
        self.thread_stripe()
    }

    fn current_thread(&self) -> SimThread<I> {
        self.current_sim_thread()
    }

    #[track_caller]
    fn park(&self) {
        self.park_caller();
    }

    fn unpark(&self, thread: &SimThread<I>) {
        self.unpark_thread(thread);
    }

    fn bounded_queue<T: Send + 'static>(&self, capacity: NonZeroUsize) -> SimQueue<I, T> {
        SimQueue::<I, T>::new(self.clone(), capacity)
    }

    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<()> {
        self.spawn_counted(name, body)
    }
}

/// What the seams' unit tests share: a runtime on std's primitives, run on
/// the test's own thread, and the violation a call raises.
#[cfg(test)]
mod testing {
    use std::panic::{self, AssertUnwindSafe};

    use scenarios::{Oracle, Violation};
    use store::StdRuntime;

    use super::SimRuntime;
    use crate::platform::{Trace, VirtualClock};

    /// A runtime on std's primitives, whose main thread is the caller.
    pub(super) fn on_std() -> SimRuntime<StdRuntime> {
        SimRuntime::new(VirtualClock::new(), Trace::new())
    }

    /// The oracle `call` breaks: it must raise a violation.
    pub(super) fn broken_by(call: impl FnOnce()) -> Oracle {
        let payload = panic::catch_unwind(AssertUnwindSafe(call)).expect_err("a violation");
        Violation::of_panic(payload.as_ref())
            .map(|violation| violation.oracle)
            .unwrap_or_else(|| panic!("{}", harness::panics::panic_message(payload.as_ref())))
    }
}
