//! `shortloom<b>`: a short loom search of the loom-sized parameters a seed
//! draws, the first [`SHORT_LOOM_EXECUTIONS`] schedules up to `b`
//! preemptions. Seeded, so a run id replays alone; unlike `loom<b>`, it
//! sees faults, backoffs and every seeded parameter.

use scenarios::{Params, Scenario, Size};
use store::StoreOptions;

use super::loom_model::{check, model};
use super::{Campaign, Engine, Execution, Naming, NoSuchRun, Report, RunId};

/// Schedules one `shortloom` run explores: enough for loom to vary the
/// last few choices of a run, few enough that it costs about as much as
/// ten seeded shuttle schedules.
pub const SHORT_LOOM_EXECUTIONS: usize = 32;

/// The `shortloom<preemption_bound>` engine.
pub(super) struct ShortLoom {
    /// Most preemptions in one schedule.
    pub preemption_bound: usize,
}

impl ShortLoom {
    /// One run: its execution is the failing one, or the last, with the
    /// situations every explored schedule reached.
    fn run(&self, scenario: Scenario, params: &Params, options: &StoreOptions) -> Execution {
        let model = model(self.preemption_bound, SHORT_LOOM_EXECUTIONS);
        let (tally, mut execution) = check(model, false, scenario, params, options);
        execution.reached = tally.coverage().reached_by_any();
        execution
    }
}

impl Engine for ShortLoom {
    fn naming(&self) -> Naming {
        Naming::Seeded
    }

    fn default_budget(&self) -> usize {
        100
    }

    fn params(&self, number: u64) -> Params {
        Params::from_seed(number, Size::Loom)
    }

    fn check(&self, _: &RunId) -> Result<(), NoSuchRun> {
        Ok(())
    }

    fn run_one(
        &self,
        scenario: Scenario,
        _: u64,
        params: &Params,
        options: &StoreOptions,
    ) -> Result<Execution, NoSuchRun> {
        Ok(self.run(scenario, params, options))
    }

    fn campaign(&self, campaign: &Campaign) -> Report {
        campaign.run_per_seed(|_, params, options| self.run(campaign.scenario, params, options))
    }

    fn step_bound(&self, _: Scenario) -> Option<usize> {
        None
    }
}
