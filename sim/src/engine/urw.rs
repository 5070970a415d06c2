//! `urw`: shuttle's uniform random walk (Zhao, Wolff, Mathur and
//! Roychoudhury, "Selectively Uniform Concurrency Testing", ASPLOS 2025),
//! which samples interleavings uniformly given how many scheduling steps each
//! thread has left. Shuttle's `UrwRandomScheduler` learns those counts from
//! one trial execution (a plain random walk), then walks uniformly: one run
//! of this engine is that pair, both drawn from its seed, and the run is
//! the second execution (or the first, if the trial already fails).

use scenarios::{Params, Scenario};
use shuttle::scheduler::UrwRandomScheduler;
use store::StoreOptions;

use super::Execution;
use super::seeded::SeededRun;
use super::shuttle::{MAX_STEPS, explore};

/// Executions one run takes: the trial that counts steps, and the walk
/// (the library's, as every engine shares its meaning).
use harness::check::URW_EXECUTIONS_PER_RUN as EXECUTIONS_PER_RUN;

/// The `urw` engine.
pub(super) struct Urw;

impl SeededRun for Urw {
    const STEP_BOUND: Option<usize> = Some(MAX_STEPS);
    const DEFAULT_BUDGET: usize = 1_000;

    fn run(
        &self,
        seed: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution {
        let scheduler = UrwRandomScheduler::new_from_seed(seed, EXECUTIONS_PER_RUN);
        explore(scheduler, false, scenario, params, options).1
    }
}
