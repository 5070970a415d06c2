//! `dfs`: shuttle's depth-first search over the scenario's default
//! parameters. Executions are named by their number; the search never ends
//! in practice, so numbers stop at [`MAX_SYSTEMATIC_EXECUTIONS`].

use scenarios::{Params, Scenario};
use shuttle::scheduler::DfsScheduler;
use store::StoreOptions;

use super::shuttle::{MAX_STEPS, explore};
use super::{
    Campaign, Engine, Execution, MAX_SYSTEMATIC_EXECUTIONS, Naming, NoSuchRun, Report, RunId,
    store_options, thousands,
};

/// The `dfs` engine.
pub(super) struct Dfs;

impl Engine for Dfs {
    fn naming(&self) -> Naming {
        Naming::Systematic
    }

    fn default_budget(&self) -> usize {
        1_000
    }

    fn params(&self, _: u64) -> Params {
        Params::shuttle_default()
    }

    fn check(&self, run: &RunId) -> Result<(), NoSuchRun> {
        run.check_starts_at_one()?;
        if run.number > MAX_SYSTEMATIC_EXECUTIONS {
            return Err(NoSuchRun(format!(
                "dfs names executions 1 to {} of a search (so that every replay ends in bounded \
                 time); {} is past that",
                thousands(MAX_SYSTEMATIC_EXECUTIONS),
                thousands(run.number)
            )));
        }
        Ok(())
    }

    /// Execution `number` of the search: DFS is deterministic, so exploring
    /// up to it reaches the same execution.
    fn run_one(
        &self,
        scenario: Scenario,
        number: u64,
        params: &Params,
        options: &StoreOptions,
    ) -> Result<Execution, NoSuchRun> {
        let scheduler = DfsScheduler::new(Some(number as usize), true);
        let (tally, execution) = explore(scheduler, true, scenario, params, options);
        let executions = tally.executions();
        if executions as u64 == number {
            return Ok(execution);
        }
        let run = RunId {
            scenario,
            driver: super::Driver::Dfs,
            number,
        };
        Err(run.past_the_search(
            executions,
            execution.violation.is_some(),
            options.plant.as_ref(),
        ))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        let params = campaign.params_for(0);
        let options = store_options(campaign.planted_bug);
        let scheduler = DfsScheduler::new(Some(campaign.schedules), true);
        let (tally, execution) = explore(scheduler, true, campaign.scenario, &params, &options);
        campaign.systematic_report(tally.executions(), tally.coverage(), execution)
    }

    fn step_bound(&self, _: Scenario) -> Option<usize> {
        Some(MAX_STEPS)
    }
}
