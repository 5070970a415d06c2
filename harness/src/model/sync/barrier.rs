//! `Barrier` under the model: the model's own mutex and condition
//! variable, so its wait is a scheduling point and a fact under every
//! engine, and a thread that waits for others who never come is a
//! deadlock the engines report.

use std::fmt;
use std::sync::PoisonError;

use super::{Condvar, Mutex};
use crate::model::deadlock::StuckOn;

/// A rendezvous of `n` threads, as `std::sync::Barrier`.
pub struct Barrier {
    state: Mutex<Round>,
    all_arrived: Condvar,
    parties: usize,
}

/// Who has arrived in the current round.
struct Round {
    arrived: usize,
    /// Counts rounds, so a thread woken after its round ended knows it.
    generation: u64,
}

/// What a [`Barrier::wait`] tells its caller, as
/// `std::sync::BarrierWaitResult`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// Whether this thread was the round's leader: the last to arrive.
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier for `parties` threads, of the calling thread's engine (a
    /// barrier of 0 lets every thread through, as std's does).
    pub fn new(parties: usize) -> Barrier {
        Barrier {
            state: Mutex::unbooked(Round {
                arrived: 0,
                generation: 0,
            }),
            all_arrived: Condvar::awaiting(StuckOn::Barrier),
            parties,
        }
    }

    /// Waits until all the barrier's threads have arrived in this round.
    /// The last to arrive is the leader, and wakes the others.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        // The barrier's own code never panics under its lock.
        let mut round = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = round.generation;
        round.arrived += 1;
        if round.arrived < self.parties {
            while round.generation == generation {
                round = self
                    .all_arrived
                    .wait(round)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            return BarrierWaitResult { leader: false };
        }
        round.arrived = 0;
        round.generation += 1;
        drop(round);
        self.all_arrived.notify_all();
        BarrierWaitResult { leader: true }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}

impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult")
            .field("is_leader", &self.leader)
            .finish()
    }
}
