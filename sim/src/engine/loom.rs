//! `loom<b>`: loom's exhaustive search of the scenario's default (loom-sized)
//! parameters, up to `b` preemptions. Executions are named by their number;
//! loom's order is deterministic, so exploring up to a number reaches the
//! same execution, and its searches end: a number past the end is told so.

use std::path::Path;

use harness::check::LOOM_MAX_BRANCHES;
use scenarios::{Params, Scenario};
use store::StoreOptions;

use super::loom_model::{capture_checkpoint, explore, replay_checkpoint};
use super::systematic::{Explored, Search};
use super::{Breach, Checkpoints, Driver, Execution, RunId};

/// The `loom<preemption_bound>` engine.
pub(super) struct Loom {
    /// Most preemptions in one schedule.
    pub(super) preemption_bound: usize,
}

impl Search for Loom {
    const STEP_BOUND: Option<usize> = Some(LOOM_MAX_BRANCHES);
    const DEFAULT_BUDGET: usize = 20_000;
    const ENDS: bool = true;

    fn driver(&self) -> Driver {
        Driver::Loom {
            preemption_bound: self.preemption_bound,
        }
    }

    fn params(&self) -> Params {
        Params::loom_default()
    }

    fn explore(
        &self,
        scenario: Scenario,
        executions: usize,
        params: &Params,
        options: &StoreOptions,
    ) -> Explored {
        let (tally, last) = explore(scenario, self.preemption_bound, executions, params, options);
        Explored::of(&tally, last)
    }

    fn checkpoints(&self) -> Option<&dyn Checkpoints> {
        Some(self)
    }
}

impl Checkpoints for Loom {
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
            replay_checkpoint(run.scenario, self.preemption_bound, file, params, options)?;
        let reproduces = replayed
            .violation
            .is_some_and(|violation| violation.breach == breach);
        if !reproduces {
            std::fs::remove_file(file)?;
        }
        Ok(reproduces)
    }

    fn replay(
        &self,
        scenario: Scenario,
        file: &Path,
        params: &Params,
        options: &StoreOptions,
    ) -> std::io::Result<Execution> {
        replay_checkpoint(scenario, self.preemption_bound, file, params, options)
    }
}
