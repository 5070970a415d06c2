//! Structures of other crates, shared between threads: their own atomics
//! are invisible to every scheduler, so no call on one is ever interleaved
//! with another, and a race between two calls (a check that a queue has
//! room, then a push) cannot be found.
//!
//! [`Shared`] wraps any such structure: each [`Shared::call`] is a
//! scheduling point of the engine running the thread and a typed fact
//! (`Op::Call`, with the model). [`ArrayQueue`]
//! is crossbeam's bounded queue, mirrored with the same methods. Without
//! the `model` feature both cost nothing: `ArrayQueue` *is* crossbeam's
//! (a re-export), and `Shared` is a transparent wrapper whose `call` is
//! the call.
//!
//! What the model trusts: each call is atomic (linearizable), as the
//! structure's crate promises, and orders memory as a sequentially
//! consistent read-modify-write of the structure would. The structure's
//! own memory orderings are never checked.

#[cfg(not(feature = "model"))]
pub use crossbeam_queue::ArrayQueue;

#[cfg(feature = "model")]
pub use crate::model::shared::{ArrayQueue, Shared};

/// A structure of another crate, shared between threads: each
/// [`call`](Shared::call) is a scheduling point and a fact with the model,
/// and is just the call without it.
#[cfg(not(feature = "model"))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct Shared<T>(T);

#[cfg(not(feature = "model"))]
impl<T> Shared<T> {
    /// `structure`, shared.
    pub fn new(structure: T) -> Shared<T> {
        Shared(structure)
    }

    /// Calls `call` on the structure. `name` names the call in the facts
    /// (`"DashMap::insert"`): the model's, unused here.
    #[inline(always)]
    pub fn call<R>(&self, name: &'static str, call: impl FnOnce(&T) -> R) -> R {
        let _ = name;
        call(&self.0)
    }

    /// The structure, no longer shared.
    pub fn into_inner(self) -> T {
        self.0
    }
}
