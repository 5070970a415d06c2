//! `pct<d>`: probabilistic concurrency testing of bug depth `d`, seeded, so
//! that one execution is a pure function of its seed (shuttle's own PCT
//! calibrates its step count on a first run; here the step bound is an
//! explicit setting per scenario).

use scenarios::{Params, Scenario, Size};
use store::StoreOptions;

use super::schedulers::{SeededScheduler, Strategy, pct_step_bound};
use super::shuttle::{MAX_STEPS, explore};
use super::{Campaign, Engine, Execution, Naming, NoSuchRun, Report, RunId};

/// The `pct<depth>` engine.
pub(super) struct Pct {
    /// Number of priority-change points plus one.
    pub depth: usize,
}

impl Pct {
    fn run(
        &self,
        seed: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution {
        let strategy = Strategy::Pct {
            depth: self.depth,
            step_bound: pct_step_bound(scenario),
        };
        let scheduler = SeededScheduler::new(seed, strategy);
        explore(scheduler, false, scenario, params, options).1
    }
}

impl Engine for Pct {
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
        Ok(self.run(seed, scenario, params, options))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        campaign.run_per_seed(|seed, params, options| {
            self.run(seed, campaign.scenario, params, options)
        })
    }

    fn step_bound(&self, _: Scenario) -> Option<usize> {
        Some(MAX_STEPS)
    }
}
