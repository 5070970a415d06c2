//! What every loom engine shares: a model bounded in preemptions and
//! executions, running a scenario under it, and loom's checkpoints (its
//! serialised path of one execution), which replay it without re-exploring.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use scenarios::{Params, Scenario};
use store::StoreOptions;
use store::runtime::loom::LoomRuntime;

use super::Execution;
use super::tally::Tally;

/// The most branches (scheduling choices) of one loom execution before
/// loom stops it: loom's own default, stated.
pub(super) const MAX_BRANCHES: usize = 1_000;

/// Loom's model builder for `executions` executions at most. Loom counts
/// iterations from 1, stops before the one numbered `max_permutations`, and
/// looks at that limit only every `checkpoint_interval` iterations (20,000
/// by default): hence the interval of 1, which writes nothing without a
/// checkpoint file.
pub(super) fn model(preemption_bound: usize, executions: usize) -> loom::model::Builder {
    let mut model = loom::model::Builder::new();
    model.max_branches = MAX_BRANCHES;
    model.preemption_bound = Some(preemption_bound);
    model.max_permutations = Some(executions + 1);
    model.checkpoint_interval = 1;
    model
}

/// Explores up to `executions` schedules; returns the tally and the last execution.
pub(super) fn explore(
    scenario: Scenario,
    preemption_bound: usize,
    executions: usize,
    params: &Params,
    options: &StoreOptions,
) -> (Arc<Tally<LoomRuntime>>, Execution) {
    check(
        model(preemption_bound, executions),
        true,
        scenario,
        params,
        options,
    )
}

/// `numbered`: executions are named by their number (rather than by the
/// seed of the run that explores them).
pub(super) fn check(
    model: loom::model::Builder,
    numbered: bool,
    scenario: Scenario,
    params: &Params,
    options: &StoreOptions,
) -> (Arc<Tally<LoomRuntime>>, Execution) {
    let _quiet = crate::platform::simulating();
    let tally = Tally::<LoomRuntime>::new(numbered);
    let body = tally.execution_body(scenario, params, options);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| model.check(body)));
    let execution = tally.last_execution(outcome);
    (tally, execution)
}

/// Writes to `checkpoint` loom's serialised path of execution `number`, so
/// that [`replay_checkpoint`] runs it without re-exploring. With a
/// checkpoint every iteration, loom stores the path of the iteration about
/// to run; stopping before execution `number` leaves exactly its path.
pub(super) fn capture_checkpoint(
    scenario: Scenario,
    preemption_bound: usize,
    number: usize,
    params: &Params,
    options: &StoreOptions,
    checkpoint: &std::path::Path,
) {
    let mut model = model(preemption_bound, number - 1);
    model.checkpoint_file = Some(checkpoint.to_path_buf());
    super::on_fresh_thread(|| drop(check(model, true, scenario, params, options)));
}

/// Runs the one execution whose path `checkpoint` holds. Loom writes its
/// checkpoint file as it goes, so it is given a copy: a replay must leave
/// the corpus as it found it.
pub(super) fn replay_checkpoint(
    scenario: Scenario,
    preemption_bound: usize,
    checkpoint: &std::path::Path,
    params: &Params,
    options: &StoreOptions,
) -> std::io::Result<Execution> {
    let copy = tempfile::NamedTempFile::new()?;
    std::fs::copy(checkpoint, copy.path())?;
    let mut model = model(preemption_bound, 1);
    model.checkpoint_file = Some(copy.path().to_path_buf());
    Ok(super::on_fresh_thread(|| {
        check(model, true, scenario, params, options).1
    }))
}
