//! Threads and latches built from the world's own runtime, so shuttle and
//! loom see (and schedule) every wait a scenario makes. Loom has no
//! `Barrier`, and `Runtime::spawn` has no join: these fill both gaps.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use store::Runtime;

/// A thread's result, delivered through the runtime.
pub struct Joiner<R: Runtime, T: Send + 'static> {
    runtime: R,
    slot: Arc<Slot<R, T>>,
}

struct Slot<R: Runtime, T: Send + 'static> {
    /// The thread's value, or its panic message.
    result: R::Mutex<Option<Result<T, String>>>,
    filled: R::Condvar,
}

/// Spawns `name`. A panic is re-raised in the thread (schedulers report it
/// at once, with its schedule) and its message resurfaces in
/// [`Joiner::join`], so on real threads the joiner is never left waiting.
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
            Err(payload) => (Err(panic_message(payload.as_ref())), Some(payload)),
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
                return outcome.unwrap_or_else(|message| panic!("{message}"));
            }
            result = self.runtime.wait(&self.slot.filled, result);
        }
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
        })
        .unwrap_or_else(|| "a panic without a message".to_owned())
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
