//! `std::sync::mpsc::channel` under the model, built on the model's own
//! [`Mutex`] and [`Condvar`], so it behaves the same under every engine:
//! its locks are scheduling points, a receiver learns that every sender is
//! gone (loom's channel never does), and `recv_timeout` fires on the virtual
//! clock (shuttle's never fires; loom's is not implemented). Not modelled:
//! `sync_channel`.

use std::collections::VecDeque;
use std::panic::Location;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError};

use super::{Condvar, Mutex, MutexGuard};
use crate::model::execution;
use crate::model::facts::Op;
use crate::model::time::Instant;

struct Shared<T> {
    state: Mutex<State<T>>,
    arrived: Condvar,
}

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
}

/// The sending half, as `std::sync::mpsc::Sender`.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// The receiving half, as `std::sync::mpsc::Receiver`.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

/// An unbounded channel, as `std::sync::mpsc::channel`.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            senders: 1,
            receiver_alive: true,
        }),
        arrived: Condvar::new(),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared },
    )
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The channel's own code never panics under its lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Sender<T> {
    /// Queues `value`; `Err` with it if the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        execution::record(Op::Send, Location::caller());
        let mut state = self.shared.lock();
        if !state.receiver_alive {
            return Err(SendError(value));
        }
        state.queue.push_back(value);
        drop(state);
        self.shared.arrived.notify_one();
        Ok(())
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.lock().senders += 1;
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if last {
            self.shared.arrived.notify_all();
        }
    }
}

impl<T> Receiver<T> {
    /// The next value, waiting for one; `Err` once it is empty and every
    /// sender is gone.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        execution::record(Op::Recv, Location::caller());
        let mut state = self.shared.lock();
        loop {
            if let Some(value) = state.queue.pop_front() {
                return Ok(value);
            }
            if state.senders == 0 {
                return Err(RecvError);
            }
            state = self
                .shared
                .arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The next value if one is queued.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        execution::record(Op::Recv, Location::caller());
        let mut state = self.shared.lock();
        match state.queue.pop_front() {
            Some(value) => Ok(value),
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// The next value, waiting at most `timeout` (in a run: virtual time,
    /// the timeout firing as the scheduler chooses).
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        execution::record(Op::Recv, Location::caller());
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if let Some(value) = state.queue.pop_front() {
                return Ok(value);
            }
            if state.senders == 0 {
                return Err(RecvTimeoutError::Disconnected);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(RecvTimeoutError::Timeout);
            }
            state = match self.shared.arrived.wait_timeout(state, deadline - now) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// The values as they come, until every sender is gone.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(|| self.recv().ok())
    }

    /// The values queued now.
    pub fn try_iter(&self) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(|| self.try_recv().ok())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receiver_alive = false;
        // Values nobody will receive are dropped here, not by the last sender.
        let unreceived = std::mem::take(&mut state.queue);
        drop(state);
        drop(unreceived);
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
