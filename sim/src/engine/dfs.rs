//! `dfs`: shuttle's depth-first search over the scenario's default
//! parameters. Executions are named by their number; the search never ends
//! in practice, so numbers stop at
//! [`super::MAX_SYSTEMATIC_EXECUTIONS`].

use scenarios::{Params, Scenario};
use shuttle::scheduler::DfsScheduler;
use store::StoreOptions;

use super::Driver;
use super::shuttle::{MAX_STEPS, explore};
use super::systematic::{Explored, Search};

/// The `dfs` engine.
pub(super) struct Dfs;

impl Search for Dfs {
    const STEP_BOUND: Option<usize> = Some(MAX_STEPS);
    const DEFAULT_BUDGET: usize = 1_000;
    const ENDS: bool = false;

    fn driver(&self) -> Driver {
        Driver::Dfs
    }

    fn params(&self) -> Params {
        Params::shuttle_default()
    }

    fn explore(
        &self,
        scenario: Scenario,
        executions: usize,
        params: &Params,
        options: &StoreOptions,
    ) -> Explored {
        let scheduler = DfsScheduler::new(Some(executions), true);
        let (tally, last) = explore(scheduler, true, scenario, params, options);
        Explored::of(&tally, last)
    }
}
