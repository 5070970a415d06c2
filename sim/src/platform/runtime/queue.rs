//! The runtime's bounded queue under simulation: crossbeam's queue, whose
//! atomics no scheduler sees, with a scheduling point before each call and
//! a fact of the queue's length after it, so that two producers' calls (a
//! length check, then a push) interleave, and the coverage classifier
//! knows how full the queue stood at every moment.

use std::num::NonZeroUsize;

use crossbeam::queue::ArrayQueue;
use store::runtime::BoundedQueue;

use super::SimRuntime;
use super::execution::hands_off;
use crate::platform::{ModelRuntime, QueueCall, What};

/// A bounded queue the simulated runtime sees.
pub struct SimQueue<I: ModelRuntime, T> {
    inner: ArrayQueue<T>,
    runtime: SimRuntime<I>,
}

impl<I: ModelRuntime, T> SimQueue<I, T> {
    pub(super) fn new(runtime: SimRuntime<I>, capacity: NonZeroUsize) -> SimQueue<I, T> {
        SimQueue {
            inner: ArrayQueue::new(capacity.get()),
            runtime,
        }
    }

    /// Runs `call` on the queue after a scheduling point, and records how
    /// it went and the length it left (no scheduling point in between, so
    /// the length is exact). Neither while a failed execution unwinds under
    /// a scheduler that cannot take it.
    fn called<R>(
        &self,
        call: impl FnOnce(&ArrayQueue<T>) -> R,
        fact: impl FnOnce(&R) -> QueueCall,
    ) -> R {
        if hands_off::<I>() {
            return call(&self.inner);
        }
        I::scheduling_point();
        let result = call(&self.inner);
        self.runtime.record(What::Queue {
            call: fact(&result),
            len: self.inner.len(),
            capacity: self.inner.capacity(),
        });
        result
    }
}

impl<I: ModelRuntime, T: Send> BoundedQueue<T> for SimQueue<I, T> {
    fn push(&self, value: T) -> Result<(), T> {
        self.called(
            |queue| queue.push(value),
            |result| QueueCall::Push {
                accepted: result.is_ok(),
            },
        )
    }

    fn pop(&self) -> Option<T> {
        self.called(ArrayQueue::pop, |result| QueueCall::Pop {
            took: result.is_some(),
        })
    }

    fn len(&self) -> usize {
        self.called(ArrayQueue::len, |_| QueueCall::Len)
    }

    fn is_empty(&self) -> bool {
        self.called(ArrayQueue::is_empty, |_| QueueCall::IsEmpty)
    }

    fn capacity(&self) -> usize {
        // Fixed at creation: nothing to interleave with.
        self.inner.capacity()
    }
}
