//! `random`: uniformly random schedules, each named by its seed.

use scenarios::{Params, Scenario};
use store::StoreOptions;

use super::Execution;
use super::seeded::SeededRun;
use super::shuttle::{MAX_STEPS, explore};
use harness::schedule::{SeededScheduler, Strategy};

/// The `random` engine.
pub(super) struct Random;

impl SeededRun for Random {
    const STEP_BOUND: Option<usize> = Some(MAX_STEPS);
    const DEFAULT_BUDGET: usize = 1_000;

    fn run(
        &self,
        seed: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution {
        let scheduler = SeededScheduler::new(seed, Strategy::Random);
        explore(scheduler, false, scenario, params, options).1
    }

    fn strategy(&self, _: Scenario) -> Option<Strategy> {
        Some(Strategy::Random)
    }
}
