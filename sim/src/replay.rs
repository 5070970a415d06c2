//! Replaying one schedule, twice, with a determinism self-check.

use std::fmt;

use scenarios::PlantedBug;

use crate::engine::{Execution, NoSuchRun, RunId, replay_once};
use crate::platform::{Event, first_divergence, trace_hash};

/// A replayed schedule.
#[derive(Debug)]
pub struct Replay {
    /// The execution (the first of the two runs).
    pub execution: Execution,
    /// Whether the two runs' traces matched; `None` on real threads, which
    /// do not replay exactly.
    pub determinism: Option<Result<(), Divergence>>,
}

/// Two runs of one schedule that differ: a bug in the harness, not the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Hashes of the two traces.
    pub hashes: (u64, u64),
    /// 1-based number of the first differing event.
    pub at: usize,
    /// The first run's event there (`None`: its trace had ended).
    pub first: Option<Box<Event>>,
    /// The second run's event there.
    pub second: Option<Box<Event>>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |event: &Option<Box<Event>>| {
            event
                .as_ref()
                .map_or("(trace ended)".to_owned(), ToString::to_string)
        };
        write!(
            f,
            "HARNESS BUG: one schedule replayed twice gave two traces (hash {:#018x} vs {:#018x}); \
             first divergence at event {}:\n  first run:  {}\n  second run: {}\n\
             Something in the run escapes the seed (wall clock, thread-local RNG, HashMap order, real I/O).",
            self.hashes.0,
            self.hashes.1,
            self.at,
            show(&self.first),
            show(&self.second)
        )
    }
}

/// Compares two traces of one schedule.
pub fn check_same_trace(first: &[Event], second: &[Event]) -> Result<(), Divergence> {
    match first_divergence(first, second) {
        None => Ok(()),
        Some((at, first_event, second_event)) => Err(Divergence {
            hashes: (trace_hash(first), trace_hash(second)),
            at,
            first: first_event.map(Box::new),
            second: second_event.map(Box::new),
        }),
    }
}

/// Runs `run_once` twice and checks both runs left the same trace.
pub fn replay_twice<E>(mut run_once: impl FnMut() -> Result<Execution, E>) -> Result<Replay, E> {
    let first = run_once()?;
    let second = run_once()?;
    let determinism = Some(check_same_trace(&first.trace, &second.trace));
    Ok(Replay {
        execution: first,
        determinism,
    })
}

/// Replays the schedule `run` names, with `bug` planted; twice, except on
/// real threads. An error if `run` names no execution of this build.
pub fn replay(run: RunId, bug: Option<PlantedBug>) -> Result<Replay, NoSuchRun> {
    if !run.driver.engine().replays_exactly() {
        return Ok(Replay {
            execution: replay_once(run, bug)?,
            determinism: None,
        });
    }
    replay_twice(|| replay_once(run, bug))
}
