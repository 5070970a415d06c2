//! A bounded blocking queue with `close`: producers wait while it is full,
//! consumers while it is empty; once closed, pushes fail and pops drain
//! what is left, then return `None`.
//!
//! Written against `harness::sync` and `harness::time` exactly as against
//! std's: a normal build *is* std; the tests run it under the harness.

use std::collections::VecDeque;

use harness::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use harness::time::{Duration, Instant};

/// The queue.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
    planted: Option<Planted>,
}

/// A bug planted back, to prove the tests find it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planted {
    /// `close` wakes one waiter of each kind, not all: the others sleep on.
    LostWakeup,
    /// A consumer whose `pop_timeout` times out leaves without taking
    /// itself off the waiting count.
    TimeoutLeaksCount,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Consumers inside a wait: `push` notifies only when one is, so
    /// this count must be exact.
    waiting_consumers: usize,
}

/// A push to a closed queue; the item comes back.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed<T>(pub T);

/// A `pop_timeout` that waited its whole timeout.
#[derive(Debug, PartialEq, Eq)]
pub struct TimedOut;

impl<T> BoundedQueue<T> {
    /// An empty queue of `capacity` items (at least one).
    pub fn new(capacity: usize) -> BoundedQueue<T> {
        BoundedQueue::planted(capacity, None)
    }

    /// As [`new`](Self::new), with `planted` planted.
    pub fn planted(capacity: usize, planted: Option<Planted>) -> BoundedQueue<T> {
        assert!(capacity > 0, "a queue holds at least one item");
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                waiting_consumers: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
            planted,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code of the queue panics under its lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `item`, waiting while the queue is full; `Err` once closed.
    pub fn push(&self, item: T) -> Result<(), Closed<T>> {
        let mut state = self.lock();
        while state.items.len() == self.capacity && !state.closed {
            state = self
                .not_full
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.closed {
            return Err(Closed(item));
        }
        state.items.push_back(item);
        let someone_waits = state.waiting_consumers > 0;
        drop(state);
        if someone_waits {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// The oldest item, waiting while the queue is empty; `None` once it
    /// is closed and drained.
    pub fn pop(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(item) = self.take(&mut state) {
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state.waiting_consumers += 1;
            state = self
                .not_empty
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.waiting_consumers -= 1;
        }
    }

    /// As [`pop`](Self::pop), waiting at most `timeout`.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<Option<T>, TimedOut> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(item) = self.take(&mut state) {
                return Ok(Some(item));
            }
            if state.closed {
                return Ok(None);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(TimedOut);
            }
            state.waiting_consumers += 1;
            let (woken, result) = self
                .not_empty
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner);
            state = woken;
            if self.planted == Some(Planted::TimeoutLeaksCount) && result.timed_out() {
                return Err(TimedOut);
            }
            state.waiting_consumers -= 1;
        }
    }

    /// Refuses further pushes and wakes every waiter: consumers drain what
    /// is left, producers get their item back.
    pub fn close(&self) {
        self.lock().closed = true;
        if self.planted == Some(Planted::LostWakeup) {
            self.not_empty.notify_one();
            self.not_full.notify_one();
        } else {
            self.not_empty.notify_all();
            self.not_full.notify_all();
        }
    }

    fn take(&self, state: &mut State<T>) -> Option<T> {
        let item = state.items.pop_front()?;
        self.not_full.notify_one();
        Some(item)
    }
}

impl<T> Drop for BoundedQueue<T> {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        // Nobody can wait on a queue being dropped.
        assert_eq!(
            state.waiting_consumers, 0,
            "a consumer is still counted as waiting"
        );
    }
}
