//! The harness library's std-shaped primitives: std's own in a build
//! without its `model` feature, and under it, every engine's (shuttle,
//! loom, real threads) with timeouts that fire on a virtual clock.

use super::BoundedQueue;

super::std_shaped::std_shaped_runtime!(
    /// Runs the store on the harness library's `sync` and `thread`.
    HarnessRuntime,
    harness,
    queue: SharedQueue,
    stripes: 2,
    picked_by: drawn_from_thread_name
);

/// A number drawn from the calling thread's name, which every engine
/// gives the same thread in every replay (a std thread-local would be one
/// for all the threads shuttle and loom run on one OS thread). Two stripes
/// are enough for a search to see readers counted apart.
fn drawn_from_thread_name() -> usize {
    harness::thread::current()
        .name()
        .map_or(0, super::drawn_from_name)
}

/// The runtime's bounded queue: the facade's mirror of crossbeam's
/// `ArrayQueue` (crossbeam's own without the model), so that under the
/// harness's engines each call on it is a scheduling point and a fact, and
/// the logger's check for room and its push can interleave with another
/// producer's.
#[derive(Debug)]
pub struct SharedQueue<T>(harness::shared::ArrayQueue<T>);

impl<T> SharedQueue<T> {
    fn new(capacity: usize) -> SharedQueue<T> {
        SharedQueue(harness::shared::ArrayQueue::new(capacity))
    }
}

impl<T: Send> BoundedQueue<T> for SharedQueue<T> {
    fn push(&self, value: T) -> Result<(), T> {
        self.0.push(value)
    }

    fn pop(&self) -> Option<T> {
        self.0.pop()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

/// The store's clock on the harness library's time: under its engines the
/// run's virtual clock, whose timeouts fire without real time passing;
/// without its `model` feature, std's monotonic clock, as
/// [`SystemClock`](crate::SystemClock). Its origin is the moment it was
/// made: make it inside the checked body.
#[derive(Clone, Copy, Debug)]
pub struct HarnessClock {
    origin: harness::time::Instant,
}

impl HarnessClock {
    /// A clock whose origin is now.
    pub fn new() -> HarnessClock {
        HarnessClock {
            origin: harness::time::Instant::now(),
        }
    }
}

impl Default for HarnessClock {
    fn default() -> HarnessClock {
        HarnessClock::new()
    }
}

impl crate::Clock for HarnessClock {
    fn now(&self) -> crate::Instant {
        crate::Instant::from_origin(self.origin.elapsed())
    }
}
