//! Threads and latches built from the world's own runtime, so shuttle and
//! loom see (and schedule) every wait a scenario makes. Loom has no
//! `Barrier`, and `Runtime::spawn` has no join: these fill both gaps.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use store::Runtime;

use crate::Violation;

/// A thread's result, delivered through the runtime.
pub struct Joiner<R: Runtime, T: Send + 'static> {
    runtime: R,
    slot: Arc<Slot<R, T>>,
}

struct Slot<R: Runtime, T: Send + 'static> {
    /// The thread's value, or how it panicked.
    result: R::Mutex<Option<Result<T, Panicked>>>,
    filled: R::Condvar,
}

/// How a thread panicked: with a violation, or otherwise (its message).
enum Panicked {
    Violation(Violation),
    Message(String),
}

impl Panicked {
    fn of(payload: &(dyn Any + Send)) -> Panicked {
        match Violation::of_panic(payload) {
            Some(violation) => Panicked::Violation(violation.clone()),
            None => Panicked::Message(harness::panics::panic_message(payload)),
        }
    }

    fn resume(self) -> ! {
        match self {
            Panicked::Violation(violation) => violation.raise(),
            Panicked::Message(message) => panic!("{message}"),
        }
    }
}

/// Spawns `name`. A panic is re-raised in the thread (schedulers report it
/// at once, with its schedule) and resurfaces in [`Joiner::join`], so on
/// real threads the joiner is never left waiting.
pub fn spawn<R: Runtime, T: Send + 'static>(
    runtime: &R,
    name: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> Joiner<R, T> {
    let slot = Arc::new(Slot {
        result: runtime.mutex(None),
        filled: runtime.condvar(),
    });
    let (runtime_in_thread, slot_in_thread) = (runtime.clone(), Arc::clone(&slot));
    let thread_body = move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        let (result, panic) = match outcome {
            Ok(value) => (Ok(value), None),
            Err(payload) => (Err(Panicked::of(payload.as_ref())), Some(payload)),
        };
        *runtime_in_thread.lock(&slot_in_thread.result) = Some(result);
        runtime_in_thread.notify_all(&slot_in_thread.filled);
        if let Some(payload) = panic {
            panic::resume_unwind(payload);
        }
    };
    runtime
        .spawn(name.to_owned(), Box::new(thread_body))
        .unwrap_or_else(|error| panic!("cannot spawn scenario thread {name}: {error}"));
    Joiner {
        runtime: runtime.clone(),
        slot,
    }
}

impl<R: Runtime, T: Send + 'static> Joiner<R, T> {
    /// Waits for the thread; re-raises its panic.
    pub fn join(self) -> T {
        let mut result = self.runtime.lock(&self.slot.result);
        loop {
            if let Some(outcome) = result.take() {
                drop(result);
                return outcome.unwrap_or_else(|panicked| panicked.resume());
            }
            result = self.runtime.wait(&self.slot.filled, result);
        }
    }
}

/// Opens once `count` threads have arrived; waiting on an open latch returns at once.
pub struct Latch<R: Runtime> {
    runtime: R,
    remaining: R::Mutex<usize>,
    opened: R::Condvar,
}

impl<R: Runtime> Latch<R> {
    /// A latch that opens after `count` arrivals.
    pub fn new(runtime: &R, count: usize) -> Latch<R> {
        Latch {
            runtime: runtime.clone(),
            remaining: runtime.mutex(count),
            opened: runtime.condvar(),
        }
    }

    /// Counts one arrival.
    pub fn arrive(&self) {
        let mut remaining = self.runtime.lock(&self.remaining);
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            self.runtime.notify_all(&self.opened);
        }
    }

    /// Blocks until the latch is open.
    pub fn wait(&self) {
        let mut remaining = self.runtime.lock(&self.remaining);
        while *remaining > 0 {
            remaining = self.runtime.wait(&self.opened, remaining);
        }
    }
}
