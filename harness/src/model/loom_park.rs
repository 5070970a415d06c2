//! `park` and `unpark` under loom, as a token per thread that the model
//! keeps itself, under a loom lock and condition variable.
//!
//! loom's own `unpark` wakes its target whatever the target is blocked on
//! (tokio-rs/loom#249, fix proposed in loom#418): a thread blocked on a
//! lock resumes with the lock still held and fails inside loom ("expected
//! to be able to acquire lock"), and one blocked in a join fails its wait
//! ("assertion failed: state.notified"). With a token of the model's own,
//! an unpark only ever wakes a park, as std's does.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError};

/// One thread's token: whether an unpark is pending.
#[derive(Default)]
struct Parker {
    token: loom::sync::Mutex<bool>,
    unparked: loom::sync::Condvar,
}

/// The tokens of one loom execution's threads, by the thread's raw id.
/// Made inside the execution, as loom's objects must be.
#[derive(Default)]
pub(crate) struct Parkers(std::sync::Mutex<BTreeMap<u64, Arc<Parker>>>);

impl Parkers {
    fn of(&self, thread: u64) -> Arc<Parker> {
        let mut parkers = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(parkers.entry(thread).or_default())
    }

    /// Blocks `thread` until its token is there, and takes it.
    pub(crate) fn park(&self, thread: u64) {
        let parker = self.of(thread);
        let mut token = parker.token.lock().unwrap_or_else(PoisonError::into_inner);
        while !*token {
            token = parker
                .unparked
                .wait(token)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *token = false;
    }

    /// Makes `thread`'s token available, waking it if it is parked.
    pub(crate) fn unpark(&self, thread: u64) {
        let parker = self.of(thread);
        *parker.token.lock().unwrap_or_else(PoisonError::into_inner) = true;
        parker.unparked.notify_one();
    }
}
