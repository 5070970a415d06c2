//! Shrinking a failure into one that is quicker to read. A seed names a
//! whole run (its parameters and its schedule), so the shrinker searches
//! the seed space rather than editing a failure: it replays many seeds of
//! the same scenario, driver and planted bug, and keeps the smallest run
//! that breaks the same oracle (fewest threads, then events, then context
//! switches). The result is a plain run id that `sim replay` takes as it is.

use std::collections::BTreeSet;
use std::fmt;

use scenarios::SplitMix64;

use crate::engine::{Driver, Execution, Failure, Naming, RunId, replay_once};

/// How big a failing run is to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RunSize {
    /// Threads that did anything.
    pub threads: usize,
    /// Trace events.
    pub events: usize,
    /// Consecutive events of different threads: context switches.
    pub switches: usize,
}

impl RunSize {
    /// The size of `execution`.
    pub(crate) fn of(execution: &Execution) -> RunSize {
        let trace = &execution.trace;
        let threads: BTreeSet<&str> = trace.iter().map(|event| &*event.thread).collect();
        let switches = trace
            .windows(2)
            .filter(|pair| pair[0].thread != pair[1].thread)
            .count();
        RunSize {
            threads: threads.len(),
            events: trace.len(),
            switches,
        }
    }
}

impl fmt::Display for RunSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} threads, {} events, {} switches",
            self.threads, self.events, self.switches
        )
    }
}

/// A failure and its shrunk counterpart.
#[derive(Clone, Debug)]
pub(crate) struct Shrunk {
    /// The failure's size before.
    pub before: RunSize,
    /// The smallest failure found (the original if none was smaller).
    pub failure: Failure,
    /// Its size.
    pub after: RunSize,
    /// Seeds tried.
    pub tries: usize,
}

/// Searches `tries` seeds for the smallest run breaking `failure`'s oracle
/// with its bug planted, in its scenario, under its driver if seeded
/// (else under random, which names each run by a seed). Failures without a
/// run id cannot be shrunk and come back as they are.
pub(crate) fn shrink(failure: &Failure, tries: usize) -> Shrunk {
    let before = RunSize::of(&failure.execution);
    let mut best = (before, failure.clone());
    if let Some(run) = failure.run {
        // A candidate is named by a seed, and must replay exactly.
        let engine = run.driver.engine();
        let driver = if engine.naming() == Naming::Seeded && engine.replays_exactly() {
            run.driver
        } else {
            Driver::Random
        };
        let mut seeds = SplitMix64::new(run.number);
        for _ in 0..tries {
            let candidate = RunId {
                driver,
                number: seeds.next_u64(),
                ..run
            };
            let Ok(execution) = replay_once(candidate, failure.planted_bug) else {
                continue;
            };
            let same_breach = execution
                .violation
                .as_ref()
                .is_some_and(|violation| violation.breach == failure.breach());
            let size = RunSize::of(&execution);
            if same_breach && size < best.0 {
                best = (
                    size,
                    Failure {
                        schedule: 1,
                        run: Some(candidate),
                        planted_bug: failure.planted_bug,
                        execution,
                    },
                );
            }
        }
    }
    Shrunk {
        before,
        after: best.0,
        failure: best.1,
        tries,
    }
}
