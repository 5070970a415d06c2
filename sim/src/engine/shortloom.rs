//! `shortloom<b>`: a short loom search of the loom-sized parameters a seed
//! draws, the first [`SHORT_LOOM_EXECUTIONS`] schedules up to `b`
//! preemptions. Seeded, so a run id replays alone; unlike `loom<b>`, it
//! sees faults, backoffs and every seeded parameter.

use harness::check::{LOOM_MAX_BRANCHES, loom_model};
use scenarios::{Params, Scenario, Size};
use store::StoreOptions;

use super::Execution;
use super::loom_model::check;
use super::seeded::SeededRun;

/// Schedules one `shortloom` run explores: enough for loom to vary the
/// last few choices of a run, few enough that it costs about as much as
/// ten seeded shuttle schedules.
pub const SHORT_LOOM_EXECUTIONS: usize = 32;

/// The `shortloom<preemption_bound>` engine.
pub(super) struct ShortLoom {
    /// Most preemptions in one schedule.
    pub(super) preemption_bound: usize,
}

impl SeededRun for ShortLoom {
    const STEP_BOUND: Option<usize> = Some(LOOM_MAX_BRANCHES);
    const DEFAULT_BUDGET: usize = 100;
    const SIZE: Size = Size::Loom;

    /// One run: its execution is the failing one, or the last, with the
    /// situations every explored schedule reached. The seed names the
    /// parameters; loom's order is its own.
    fn run(
        &self,
        _: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution {
        let model = loom_model(self.preemption_bound, SHORT_LOOM_EXECUTIONS);
        let (tally, mut execution) = check(model, false, scenario, params, options);
        execution.reached = tally.coverage().reached_by_any();
        execution
    }
}
