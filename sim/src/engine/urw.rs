//! `urw`: shuttle's uniform random walk (Zhao, Wolff, Mathur and
//! Roychoudhury, "Selectively Uniform Concurrency Testing", ASPLOS 2025),
//! which samples interleavings uniformly given how many scheduling steps each
//! thread has left. Shuttle's `UrwRandomScheduler` learns those counts from
//! one trial execution (a plain random walk), then walks uniformly: one run
//! of this engine is that pair, both drawn from its seed, and the run is
//! the second execution (or the first, if the trial already fails).

use scenarios::{Params, Scenario, Size};
use shuttle::scheduler::UrwRandomScheduler;
use store::StoreOptions;

use super::shuttle::{MAX_STEPS, explore};
use super::{Campaign, Engine, Execution, Naming, NoSuchRun, Report, RunId};

/// Executions one run takes: the trial that counts steps, and the walk.
const EXECUTIONS_PER_RUN: usize = 2;

/// The `urw` engine.
pub(super) struct Urw;

impl Urw {
    fn run(seed: u64, scenario: Scenario, params: &Params, options: &StoreOptions) -> Execution {
        let scheduler = UrwRandomScheduler::new_from_seed(seed, EXECUTIONS_PER_RUN);
        explore(scheduler, false, scenario, params, options).1
    }
}

impl Engine for Urw {
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
        Ok(Urw::run(seed, scenario, params, options))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        campaign.run_per_seed(|seed, params, options| {
            Urw::run(seed, campaign.scenario, params, options)
        })
    }

    fn step_bound(&self, _: Scenario) -> Option<usize> {
        Some(MAX_STEPS)
    }
}
