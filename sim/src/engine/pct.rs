//! `pct<d>`: probabilistic concurrency testing of bug depth `d`, seeded, so
//! that one execution is a pure function of its seed (shuttle's own PCT
//! calibrates its step count on a first run; here the step bound is an
//! explicit setting per scenario).

use scenarios::{Params, Scenario};
use store::StoreOptions;

use super::Execution;
use super::schedulers::{SeededScheduler, Strategy, pct_step_bound};
use super::seeded::SeededRun;
use super::shuttle::{MAX_STEPS, explore};

/// The `pct<depth>` engine.
pub(super) struct Pct {
    /// Number of priority-change points plus one.
    pub(super) depth: usize,
}

impl Pct {
    fn pct(&self, scenario: Scenario) -> Strategy {
        Strategy::Pct {
            depth: self.depth,
            step_bound: pct_step_bound(scenario),
        }
    }
}

impl SeededRun for Pct {
    const STEP_BOUND: Option<usize> = Some(MAX_STEPS);
    const DEFAULT_BUDGET: usize = 1_000;

    fn run(
        &self,
        seed: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution {
        let scheduler = SeededScheduler::new(seed, self.pct(scenario));
        explore(scheduler, false, scenario, params, options).1
    }

    fn strategy(&self, scenario: Scenario) -> Option<Strategy> {
        Some(self.pct(scenario))
    }
}
