//! `random`: uniformly random schedules, each named by its seed.

use scenarios::{Params, Scenario, Size};
use store::StoreOptions;

use super::schedulers::{SeededScheduler, Strategy};
use super::shuttle::{MAX_STEPS, explore};
use super::{Campaign, Engine, Execution, Naming, NoSuchRun, Report, RunId};

/// The `random` engine.
pub(super) struct Random;

impl Random {
    fn run(seed: u64, scenario: Scenario, params: &Params, options: &StoreOptions) -> Execution {
        let scheduler = SeededScheduler::new(seed, Strategy::Random);
        explore(scheduler, false, scenario, params, options).1
    }
}

impl Engine for Random {
    fn naming(&self) -> Naming {
        Naming::Seeded
    }

    fn default_budget(&self) -> usize {
        1_000
    }

    fn params(&self, number: u64) -> Params {
        Params::from_seed(number, Size::Shuttle)
    }

    fn check(&self, _: &RunId) -> Result<(), NoSuchRun> {
        Ok(())
    }

    fn run_one(
        &self,
        scenario: Scenario,
        seed: u64,
        params: &Params,
        options: &StoreOptions,
    ) -> Result<Execution, NoSuchRun> {
        Ok(Random::run(seed, scenario, params, options))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        campaign.run_per_seed(|seed, params, options| {
            Random::run(seed, campaign.scenario, params, options)
        })
    }

    fn step_bound(&self, _: Scenario) -> Option<usize> {
        Some(MAX_STEPS)
    }
}
