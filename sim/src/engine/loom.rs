//! `loom<b>`: loom's exhaustive search of the scenario's default (loom-sized)
//! parameters, up to `b` preemptions. Executions are named by their number;
//! loom's order is deterministic, so exploring up to a number reaches the
//! same execution, and its searches end: a number past the end is told so.

use std::path::Path;

use scenarios::{Params, Scenario};
use store::StoreOptions;

use super::loom_model::{capture_checkpoint, explore, replay_checkpoint};
use super::{
    Breach, Campaign, Driver, Engine, Execution, MAX_SYSTEMATIC_EXECUTIONS, Naming, NoSuchRun,
    Report, RunId, store_options,
};

/// Loom's bound on branches in one execution (its default).
const MAX_BRANCHES: usize = 1_000;

/// The `loom<preemption_bound>` engine.
pub(super) struct Loom {
    /// Most preemptions in one schedule.
    pub preemption_bound: usize,
}

impl Engine for Loom {
    fn naming(&self) -> Naming {
        Naming::Systematic
    }

    fn default_budget(&self) -> usize {
        20_000
    }

    fn params(&self, _: u64) -> Params {
        Params::loom_default()
    }

    fn check(&self, run: &RunId) -> Result<(), NoSuchRun> {
        run.check_starts_at_one()
    }

    /// Execution `number` of the search, searched for at most up to
    /// [`MAX_SYSTEMATIC_EXECUTIONS`]: the search that ends before it says
    /// how many executions it has.
    fn run_one(
        &self,
        scenario: Scenario,
        number: u64,
        params: &Params,
        options: &StoreOptions,
    ) -> Result<Execution, NoSuchRun> {
        let reach = number.min(MAX_SYSTEMATIC_EXECUTIONS) as usize;
        let (tally, execution) = explore(scenario, self.preemption_bound, reach, params, options);
        let executions = tally.executions();
        if executions as u64 == number {
            return Ok(execution);
        }
        let run = RunId {
            scenario,
            driver: Driver::Loom {
                preemption_bound: self.preemption_bound,
            },
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
        let (tally, execution) = explore(
            campaign.scenario,
            self.preemption_bound,
            campaign.schedules,
            &params,
            &options,
        );
        campaign.systematic_report(tally.executions(), tally.coverage(), execution)
    }

    /// Loom's checkpoint of the execution: its serialised path. Kept only
    /// if it replays the failure (loom 0.7.3 cannot replay some captured
    /// paths): an accelerator that does not reproduce is worse than none.
    fn capture(
        &self,
        run: &RunId,
        breach: Breach,
        params: &Params,
        options: &StoreOptions,
        file: &Path,
    ) -> std::io::Result<bool> {
        let number = run.number as usize;
        capture_checkpoint(
            run.scenario,
            self.preemption_bound,
            number,
            params,
            options,
            file,
        );
        let replayed =
            replay_checkpoint(run.scenario, self.preemption_bound, file, params, options);
        let reproduces = replayed
            .violation
            .is_some_and(|violation| violation.breach == breach);
        if !reproduces {
            std::fs::remove_file(file)?;
        }
        Ok(reproduces)
    }

    fn replay_captured(
        &self,
        scenario: Scenario,
        file: &Path,
        params: &Params,
        options: &StoreOptions,
    ) -> Option<Execution> {
        Some(replay_checkpoint(
            scenario,
            self.preemption_bound,
            file,
            params,
            options,
        ))
    }

    fn step_bound(&self, _: Scenario) -> Option<usize> {
        Some(MAX_BRANCHES)
    }
}
