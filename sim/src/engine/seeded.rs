//! What every seeded engine shares: a run is named by its seed, which draws
//! its parameters and (for the simulated schedulers) every choice; a
//! campaign runs one seed per schedule. An engine of this kind says only
//! how one seed runs ([`SeededRun`]); [`Seeded`] makes it an [`Engine`].

use scenarios::{Params, Scenario, Size};
use store::StoreOptions;

use super::{Campaign, Engine, Execution, Naming, NoSuchRun, Report, RunId};
use harness::schedule::Strategy;

/// One seeded engine's own part.
pub(super) trait SeededRun {
    /// Schedules one `sim explore` campaign runs, before `--scale`.
    const DEFAULT_BUDGET: usize;
    /// The parameter sizes its seeds draw.
    const SIZE: Size = Size::Shuttle;
    /// Whether running a seed again gives the same execution.
    const REPLAYS_EXACTLY: bool = true;
    /// See [`Engine::step_bound`].
    const STEP_BOUND: Option<usize>;

    /// The strategy, if the engine is one of shuttle's seeded schedulers:
    /// its campaigns then run every schedule in one runner.
    fn strategy(&self, scenario: Scenario) -> Option<Strategy> {
        let _ = scenario;
        None
    }

    /// Runs the schedule `seed` names, of `scenario`, with `params` (the
    /// ones the seed names) and `options`.
    fn run(
        &self,
        seed: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution;
}

/// A [`SeededRun`] as an [`Engine`].
pub(super) struct Seeded<E>(pub(super) E);

impl<E: SeededRun> Engine for Seeded<E> {
    fn naming(&self) -> Naming {
        Naming::Seeded
    }

    fn default_budget(&self) -> usize {
        E::DEFAULT_BUDGET
    }

    fn params(&self, seed: u64) -> Params {
        Params::from_seed(seed, E::SIZE)
    }

    /// Every seed names a run.
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
        Ok(self.0.run(seed, scenario, params, options))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        if let Some(strategy) = self.0.strategy(campaign.scenario) {
            return campaign.run_seed_stream(strategy);
        }
        campaign.run_per_seed(|seed, params, options| {
            self.0.run(seed, campaign.scenario, params, options)
        })
    }

    fn replays_exactly(&self) -> bool {
        E::REPLAYS_EXACTLY
    }

    fn step_bound(&self) -> Option<usize> {
        E::STEP_BOUND
    }
}
