//! `std::sync::mpsc` under the model, built on the model's own [`Mutex`]
//! and [`Condvar`], so it behaves the same under every engine: its locks
//! are scheduling points, a receiver learns that every sender is gone
//! (loom's channel never does), and `recv_timeout` fires on the virtual
//! clock (shuttle's never fires; loom's is not implemented).
//!
//! A send's or a receive's fact is recorded as it takes effect, under the
//! channel's lock (a value queued or refused, a value taken, the end of
//! the senders or the timeout seen), as an atomic's is: so the facts list
//! sends and receives in the order their values went in and came out.
//!
//! `channel` is unbounded; `sync_channel(bound)` holds at most `bound`
//! values, a send to a full one waits for room, and `sync_channel(0)` is a
//! rendezvous: each send waits until its value is received.

use std::collections::VecDeque;
use std::panic::Location;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

use super::{Condvar, Mutex, MutexGuard};
use crate::model::deadlock::StuckOn;
use crate::model::execution;
use crate::model::facts::Op;
use crate::model::time::Instant;

struct Shared<T> {
    state: Mutex<State<T>>,
    arrived: Condvar,
    /// A value was received, or the receiver is gone: what a bounded
    /// channel's senders wait for.
    taken: Condvar,
}

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    /// `None` unbounded; `Some(0)` a rendezvous.
    bound: Option<usize>,
    /// Values queued and values received since the channel was made: a
    /// rendezvous sender waits until its value's number is received.
    queued_total: u64,
    received_total: u64,
    /// The receiver waits in `recv` or `recv_timeout`: a rendezvous
    /// `try_send` hands it a value.
    receiver_waiting: bool,
}

impl<T> State<T> {
    /// Whether a bounded channel has room for one more value (a rendezvous
    /// holds the one value being handed over).
    fn has_room(&self) -> bool {
        self.bound
            .is_none_or(|bound| self.queue.len() < bound.max(1))
    }

    fn take(&mut self) -> Option<T> {
        let value = self.queue.pop_front()?;
        self.received_total += 1;
        Some(value)
    }
}

/// The sending half, as `std::sync::mpsc::Sender`.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
    made_at: Site,
}

/// The receiving half, as `std::sync::mpsc::Receiver`.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    made_at: Site,
}

/// The sending half of a bounded channel, as `std::sync::mpsc::SyncSender`.
pub struct SyncSender<T> {
    shared: Arc<Shared<T>>,
    made_at: Site,
}

/// `result`, the end of a send or a receive at `at`, whose `op` is
/// recorded now, as it takes effect: the caller holds the channel's lock.
fn took_effect<R>(op: Op, at: Site, result: R) -> R {
    execution::record(op, at);
    result
}

/// The line of the code under test that made a channel's end (`channel`,
/// `sync_channel`, a `clone`): where the facts of its drop are, as a drop
/// has no caller's line.
type Site = &'static Location<'static>;

/// An unbounded channel, as `std::sync::mpsc::channel`.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (shared, made_at) = (Shared::new(None), Location::caller());
    (
        Sender {
            shared: Arc::clone(&shared),
            made_at,
        },
        Receiver { shared, made_at },
    )
}

/// A channel of at most `bound` values, as `std::sync::mpsc::sync_channel`:
/// `0` makes each send wait until its value is received.
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let (shared, made_at) = (Shared::new(Some(bound)), Location::caller());
    (
        SyncSender {
            shared: Arc::clone(&shared),
            made_at,
        },
        Receiver { shared, made_at },
    )
}

impl<T> Shared<T> {
    /// Waits until a value is received or the receiver is gone.
    #[track_caller]
    fn wait_taken<'a>(&self, state: MutexGuard<'a, State<T>>) -> MutexGuard<'a, State<T>> {
        self.taken
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn new(bound: Option<usize>) -> Arc<Shared<T>> {
        Arc::new(Shared {
            state: Mutex::unbooked(State {
                queue: VecDeque::new(),
                senders: 1,
                receiver_alive: true,
                bound,
                queued_total: 0,
                received_total: 0,
                receiver_waiting: false,
            }),
            arrived: Condvar::awaiting(StuckOn::Receive),
            taken: Condvar::awaiting(StuckOn::Send),
        })
    }

    /// Queues `value`, the send's fact recorded, and wakes the receiver;
    /// the value's number.
    #[track_caller]
    fn queue<'a>(
        &self,
        mut state: MutexGuard<'a, State<T>>,
        value: T,
    ) -> (MutexGuard<'a, State<T>>, u64) {
        state.queue.push_back(value);
        execution::record(Op::Send, Location::caller());
        state.queued_total += 1;
        let number = state.queued_total;
        self.arrived.notify_one();
        (state, number)
    }

    /// One sender more: the shared half a clone holds.
    #[track_caller]
    fn sender_joins(self: &Arc<Self>) -> Arc<Self> {
        self.lock().senders += 1;
        Arc::clone(self)
    }

    /// One sender fewer, dropped: its facts at `made_at`, the line that
    /// made it. The last wakes the receiver.
    fn sender_gone(&self, made_at: Site) {
        execution::record(Op::SenderDrops, made_at);
        let mut state = self.lock_at(made_at);
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if last {
            self.arrived.notify_all_at(made_at);
        }
    }

    /// The channel's state, the lock's fact at the caller's line (the
    /// line of the code under test, through every `#[track_caller]` above).
    #[track_caller]
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.lock_at(Location::caller())
    }

    /// The channel's state, the lock's fact at `at`.
    fn lock_at(&self, at: Site) -> MutexGuard<'_, State<T>> {
        // The channel's own code never panics under its lock.
        self.state
            .lock_at(at)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Sender<T> {
    /// Queues `value`; `Err` with it if the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let state = self.shared.lock();
        if !state.receiver_alive {
            return took_effect(Op::Send, Location::caller(), Err(SendError(value)));
        }
        drop(self.shared.queue(state, value));
        Ok(())
    }
}

impl<T> SyncSender<T> {
    /// Queues `value`, waiting for room; on a rendezvous channel, waits
    /// until it is received. `Err` with it if the receiver is gone first.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut state = self.shared.lock();
        while state.receiver_alive && !state.has_room() {
            state = self.shared.wait_taken(state);
        }
        if !state.receiver_alive {
            return took_effect(Op::Send, Location::caller(), Err(SendError(value)));
        }
        let (mut state, number) = self.shared.queue(state, value);
        if state.bound != Some(0) {
            return Ok(());
        }
        while state.receiver_alive && state.received_total < number {
            state = self.shared.wait_taken(state);
        }
        if state.received_total >= number {
            return Ok(());
        }
        // The receiver left before taking it: the one value a rendezvous
        // holds is this one, and it comes back.
        match state.queue.pop_back() {
            Some(value) => Err(SendError(value)),
            None => Ok(()),
        }
    }

    /// Queues `value` if there is room now; on a rendezvous channel, only
    /// if the receiver is waiting in `recv` with nothing handed over yet.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let at = Location::caller();
        let state = self.shared.lock();
        if !state.receiver_alive {
            return took_effect(Op::Send, at, Err(TrySendError::Disconnected(value)));
        }
        let receiver_ready = state.receiver_waiting && state.queue.is_empty();
        if !state.has_room() || (state.bound == Some(0) && !receiver_ready) {
            return took_effect(Op::Send, at, Err(TrySendError::Full(value)));
        }
        drop(self.shared.queue(state, value));
        Ok(())
    }
}

impl<T> Clone for SyncSender<T> {
    #[track_caller]
    fn clone(&self) -> SyncSender<T> {
        SyncSender {
            shared: self.shared.sender_joins(),
            made_at: Location::caller(),
        }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        self.shared.sender_gone(self.made_at);
    }
}

impl<T> Clone for Sender<T> {
    #[track_caller]
    fn clone(&self) -> Sender<T> {
        Sender {
            shared: self.shared.sender_joins(),
            made_at: Location::caller(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.sender_gone(self.made_at);
    }
}

impl<T> Receiver<T> {
    /// The next value, waiting for one; `Err` once it is empty and every
    /// sender is gone.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_at(Location::caller())
    }

    /// [`Receiver::recv`], its facts at `at`.
    fn recv_at(&self, at: Site) -> Result<T, RecvError> {
        let mut state = self.shared.lock_at(at);
        loop {
            if let Some(value) = state.take() {
                execution::record(Op::Recv, at);
                self.shared.taken.notify_all_at(at);
                return Ok(value);
            }
            if state.senders == 0 {
                return took_effect(Op::Recv, at, Err(RecvError));
            }
            state.receiver_waiting = true;
            state = self
                .shared
                .arrived
                .wait_at(state, at)
                .unwrap_or_else(PoisonError::into_inner);
            state.receiver_waiting = false;
        }
    }

    /// The next value if one is queued.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.try_recv_at(Location::caller())
    }

    /// [`Receiver::try_recv`], its facts at `at`.
    fn try_recv_at(&self, at: Site) -> Result<T, TryRecvError> {
        let mut state = self.shared.lock_at(at);
        let taken = state.take();
        execution::record(Op::Recv, at);
        match taken {
            Some(value) => {
                self.shared.taken.notify_all_at(at);
                Ok(value)
            }
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// The next value, waiting at most `timeout` (in a run: virtual time,
    /// the timeout firing as the scheduler chooses).
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            // A deadline no clock reaches: a wait for a value alone, as std's.
            return self
                .recv()
                .map_err(|RecvError| RecvTimeoutError::Disconnected);
        };
        let at = Location::caller();
        let mut state = self.shared.lock();
        loop {
            if let Some(value) = state.take() {
                execution::record(Op::Recv, at);
                self.shared.taken.notify_all();
                return Ok(value);
            }
            if state.senders == 0 {
                return took_effect(Op::Recv, at, Err(RecvTimeoutError::Disconnected));
            }
            let now = Instant::now();
            if now >= deadline {
                return took_effect(Op::Recv, at, Err(RecvTimeoutError::Timeout));
            }
            state.receiver_waiting = true;
            state = match self.shared.arrived.wait_timeout(state, deadline - now) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
            state.receiver_waiting = false;
        }
    }

    /// The values as they come, until every sender is gone.
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            receiver: self,
            made_at: Location::caller(),
        }
    }

    /// The values queued now.
    #[track_caller]
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter {
            receiver: self,
            made_at: Location::caller(),
        }
    }
}

// Each iterator's `next` is a receive at the line that made the iterator:
// the line of a `for` loop over the receiver, or of `rx.iter().collect()`,
// whose `next` an adapter in `core` calls. A failure's facts point there.

/// The values of a receiver as they come, as `std::sync::mpsc::Iter`.
#[derive(Debug)]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
    made_at: Site,
}

/// The values queued in a receiver now, as `std::sync::mpsc::TryIter`.
#[derive(Debug)]
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
    made_at: Site,
}

/// A receiver's values as they come, owning it, as
/// `std::sync::mpsc::IntoIter`.
#[derive(Debug)]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
    made_at: Site,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv_at(self.made_at).ok()
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv_at(self.made_at).ok()
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.recv_at(self.made_at).ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    #[track_caller]
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    #[track_caller]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter {
            receiver: self,
            made_at: Location::caller(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        execution::record(Op::ReceiverDrops, self.made_at);
        let mut state = self.shared.lock_at(self.made_at);
        state.receiver_alive = false;
        // Values nobody will receive are dropped here, not by the last
        // sender; but a rendezvous sender takes its value back.
        let unreceived = if state.bound == Some(0) {
            VecDeque::new()
        } else {
            std::mem::take(&mut state.queue)
        };
        drop(state);
        self.shared.taken.notify_all_at(self.made_at);
        drop(unreceived);
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
