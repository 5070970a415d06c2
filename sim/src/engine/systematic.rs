//! What every systematic engine shares: one deterministic search over a
//! scenario's fixed parameters, whose executions are named by their number
//! from 1. Execution `n` is reached by searching up to it; a number past
//! the end of the search, or past [`MAX_SYSTEMATIC_EXECUTIONS`], names
//! nothing. An engine of this kind says only how it searches ([`Search`]);
//! [`Systematic`] makes it an [`Engine`].

use scenarios::{Params, Scenario};
use store::StoreOptions;

use super::tally::Tally;
use super::{
    Campaign, Checkpoints, Driver, Engine, Execution, MAX_SYSTEMATIC_EXECUTIONS, Naming, NoSuchRun,
    Report, RunId, store_options, thousands,
};
use crate::coverage::Coverage;
use crate::platform::ModelRuntime;

/// What a search up to some number of executions found.
pub(super) struct Explored {
    /// Executions run.
    executions: usize,
    /// Executions that reached each situation.
    coverage: Coverage,
    /// The last execution: the failing one, if one failed.
    last: Execution,
}

impl Explored {
    /// What a search whose counts are `tally` found, ending with `last`.
    pub(super) fn of<I: ModelRuntime>(tally: &Tally<I>, last: Execution) -> Explored {
        Explored {
            executions: tally.executions(),
            coverage: tally.coverage(),
            last,
        }
    }
}

/// One systematic engine's own part.
pub(super) trait Search {
    /// Schedules one `sim explore` campaign runs, before `--scale`.
    const DEFAULT_BUDGET: usize;
    /// Whether the search ends in practice. One that does not is refused
    /// numbers past [`MAX_SYSTEMATIC_EXECUTIONS`] before anything runs; one
    /// that does learns by searching whether a number is past its end.
    const ENDS: bool;
    /// See [`Engine::step_bound`].
    const STEP_BOUND: Option<usize>;

    /// The driver it is, for run ids.
    fn driver(&self) -> Driver;

    /// The parameters every execution uses, before the scenario adapts them.
    fn params(&self) -> Params;

    /// Searches `scenario` up to `executions` executions, stopping at the
    /// first failure.
    fn explore(
        &self,
        scenario: Scenario,
        executions: usize,
        params: &Params,
        options: &StoreOptions,
    ) -> Explored;

    /// See [`Engine::checkpoints`].
    fn checkpoints(&self) -> Option<&dyn Checkpoints> {
        None
    }
}

/// A [`Search`] as an [`Engine`].
pub(super) struct Systematic<E>(pub(super) E);

impl<E: Search> Engine for Systematic<E> {
    fn naming(&self) -> Naming {
        Naming::Systematic
    }

    fn default_budget(&self) -> usize {
        E::DEFAULT_BUDGET
    }

    fn params(&self, _: u64) -> Params {
        self.0.params()
    }

    fn check(&self, run: &RunId) -> Result<(), NoSuchRun> {
        run.check_starts_at_one()?;
        if !E::ENDS && run.number > MAX_SYSTEMATIC_EXECUTIONS {
            return Err(NoSuchRun(format!(
                "{} names executions 1 to {} of a search (so that every replay ends in bounded \
                 time); {} is past that",
                run.driver,
                thousands(MAX_SYSTEMATIC_EXECUTIONS),
                thousands(run.number)
            )));
        }
        Ok(())
    }

    /// Execution `number` of the search: the search is deterministic, so
    /// searching up to it reaches the same execution. A search that ends
    /// (or fails) before it says where.
    fn run_one(
        &self,
        scenario: Scenario,
        number: u64,
        params: &Params,
        options: &StoreOptions,
    ) -> Result<Execution, NoSuchRun> {
        let reach = number.min(MAX_SYSTEMATIC_EXECUTIONS) as usize;
        let explored = self.0.explore(scenario, reach, params, options);
        if explored.executions as u64 == number {
            return Ok(explored.last);
        }
        let run = RunId {
            scenario,
            driver: self.0.driver(),
            number,
        };
        Err(run.past_the_search(
            explored.executions,
            explored.last.violation.is_some(),
            options.plant.as_ref(),
        ))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        let params = campaign.params_for(0);
        let options = store_options(campaign.planted_bug);
        let explored = self
            .0
            .explore(campaign.scenario, campaign.schedules, &params, &options);
        campaign.systematic_report(explored.executions, explored.coverage, explored.last)
    }

    fn checkpoints(&self) -> Option<&dyn Checkpoints> {
        self.0.checkpoints()
    }

    fn step_bound(&self) -> Option<usize> {
        E::STEP_BOUND
    }
}
