//! Structures of other crates under the model (the facade's `shared`): a
//! scheduling point before each call, made of an atomic of the engine
//! running the thread, which every call on the same structure updates, and
//! a fact of the call.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering;

use crate::model::execution::{self, Flavour};
use crate::model::facts::{Op, QueueCall};
use crate::model::outsider;

/// What makes a call a scheduling point: an atomic of the engine that made
/// the structure. Every call updates it, so shuttle switches threads before
/// each call, and loom sees any two calls on one structure as dependent
/// (it explores both orders) and ordered as sequentially consistent
/// read-modify-writes.
enum SchedulingPoint {
    /// Outside any run, and on real threads: the OS interleaves.
    Std,
    Shuttle(shuttle::sync::atomic::AtomicUsize),
    Loom(loom::sync::atomic::AtomicUsize),
}

impl SchedulingPoint {
    fn new() -> SchedulingPoint {
        match execution::flavour() {
            Flavour::Std => SchedulingPoint::Std,
            Flavour::Shuttle => {
                SchedulingPoint::Shuttle(shuttle::sync::atomic::AtomicUsize::new(0))
            }
            Flavour::Loom => SchedulingPoint::Loom(loom::sync::atomic::AtomicUsize::new(0)),
        }
    }

    fn reach(&self) {
        match self {
            SchedulingPoint::Std => outsider::refuse_std_made_under_an_engine(),
            SchedulingPoint::Shuttle(calls) => {
                calls.fetch_add(1, Ordering::SeqCst);
            }
            SchedulingPoint::Loom(calls) => {
                calls.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

/// A structure of another crate, shared between threads: each
/// [`call`](Shared::call) is a scheduling point of the engine that made it
/// and a fact.
pub struct Shared<T> {
    structure: T,
    point: SchedulingPoint,
}

impl<T> Shared<T> {
    /// `structure`, shared; of the calling thread's engine, so made inside
    /// the checked body.
    pub fn new(structure: T) -> Shared<T> {
        Shared {
            structure,
            point: SchedulingPoint::new(),
        }
    }

    /// Lets the engine run another thread, calls `call` on the structure,
    /// then records the call as `Op::Call(name)` (`"DashMap::insert"`).
    /// No other thread runs between the call and its fact, so the facts
    /// list calls in the order they took effect.
    #[track_caller]
    pub fn call<R>(&self, name: &'static str, call: impl FnOnce(&T) -> R) -> R {
        self.point.reach();
        let result = call(&self.structure);
        execution::record(Op::Call(name), Location::caller());
        result
    }

    /// The structure, no longer shared.
    pub fn into_inner(self) -> T {
        self.structure
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Shared<T> {
        Shared::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(&self.structure).finish()
    }
}

/// crossbeam's `ArrayQueue`, each call a scheduling point and a fact
/// (`Op::Queue`: the call, what it answered, and the values queued just
/// after it); the same methods (`into_iter` aside).
pub struct ArrayQueue<T>(Shared<crossbeam_queue::ArrayQueue<T>>);

impl<T> ArrayQueue<T> {
    /// A queue of `capacity` places.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero, as crossbeam's does.
    pub fn new(capacity: usize) -> ArrayQueue<T> {
        ArrayQueue(Shared::new(crossbeam_queue::ArrayQueue::new(capacity)))
    }

    /// Lets the engine run another thread, makes the call, then records it
    /// with its answer (`fact` of the result) and the length it left. No
    /// other thread runs between the call and its fact: neither is a
    /// scheduling point.
    #[track_caller]
    fn called<R>(
        &self,
        call: impl FnOnce(&crossbeam_queue::ArrayQueue<T>) -> R,
        fact: impl FnOnce(&R) -> QueueCall,
    ) -> R {
        let at = Location::caller();
        self.0.point.reach();
        let queue = &self.0.structure;
        let result = call(queue);
        let op = Op::Queue {
            call: fact(&result),
            len: queue.len(),
            capacity: queue.capacity(),
        };
        execution::record(op, at);
        result
    }

    /// Appends `value`, or hands it back if the queue is full.
    #[track_caller]
    pub fn push(&self, value: T) -> Result<(), T> {
        self.called(
            |queue| queue.push(value),
            |pushed| QueueCall::Push {
                accepted: pushed.is_ok(),
            },
        )
    }

    /// Appends `value`, pushing out the oldest value if the queue is full.
    #[track_caller]
    pub fn force_push(&self, value: T) -> Option<T> {
        self.called(
            |queue| queue.force_push(value),
            |displaced| QueueCall::ForcePush {
                displaced: displaced.is_some(),
            },
        )
    }

    /// Takes the oldest value, if any.
    #[track_caller]
    pub fn pop(&self) -> Option<T> {
        self.called(crossbeam_queue::ArrayQueue::pop, |taken| QueueCall::Pop {
            took: taken.is_some(),
        })
    }

    /// Values queued now.
    #[track_caller]
    pub fn len(&self) -> usize {
        self.called(crossbeam_queue::ArrayQueue::len, |_| QueueCall::Len)
    }

    /// Whether nothing is queued now.
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.called(crossbeam_queue::ArrayQueue::is_empty, |_| {
            QueueCall::IsEmpty
        })
    }

    /// Whether every place is taken now.
    #[track_caller]
    pub fn is_full(&self) -> bool {
        self.called(crossbeam_queue::ArrayQueue::is_full, |_| QueueCall::IsFull)
    }

    /// Places in all: fixed when the queue was made, so not a scheduling
    /// point.
    pub fn capacity(&self) -> usize {
        self.0.structure.capacity()
    }
}

impl<T> fmt::Debug for ArrayQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.structure, f)
    }
}
