use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use scenarios::{Params, Scenario};
use store::StoreOptions;
use store::runtime::loom::LoomRuntime;

use super::tally::Tally;
use super::{Campaign, Execution, Report, SHORT_LOOM_EXECUTIONS, store_options};

/// Loom's model builder for `executions` executions at most. Loom counts
/// iterations from 1, stops before the one numbered `max_permutations`, and
/// looks at that limit only every `checkpoint_interval` iterations (20,000
/// by default): hence the interval of 1, which writes nothing without a
/// checkpoint file.
fn model(preemption_bound: usize, executions: usize) -> loom::model::Builder {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(preemption_bound);
    model.max_permutations = Some(executions + 1);
    model.checkpoint_interval = 1;
    model
}

/// Explores up to `executions` schedules; returns the tally and the last execution.
fn explore(
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
fn check(
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

pub fn run(campaign: &Campaign, preemption_bound: usize) -> Report {
    let params = campaign.params_for(0);
    let options = store_options(campaign.planted_bug);
    let (tally, execution) = explore(
        campaign.scenario,
        preemption_bound,
        campaign.schedules,
        &params,
        &options,
    );
    campaign.systematic_report(tally.executions(), tally.coverage(), execution)
}

/// One `shortloom` run: the first [`SHORT_LOOM_EXECUTIONS`] schedules of
/// loom's exploration of `params`. Its execution is the failing one, or
/// the last, with the situations every explored schedule reached.
pub fn run_short(
    scenario: Scenario,
    preemption_bound: usize,
    params: &Params,
    options: &StoreOptions,
) -> Execution {
    let model = model(preemption_bound, SHORT_LOOM_EXECUTIONS);
    let (tally, mut execution) = check(model, false, scenario, params, options);
    execution.reached = tally.coverage().reached_by_any();
    execution
}

/// Execution number `number` of loom's exploration: loom's order is
/// deterministic, so exploring up to it reaches the same execution. Returns
/// how many executions the search ran (fewer than `number` if it ended, or
/// failed, first) and the last one.
pub fn replay(
    scenario: Scenario,
    preemption_bound: usize,
    number: usize,
    params: &Params,
    options: &StoreOptions,
) -> (usize, Execution) {
    let (tally, execution) = explore(scenario, preemption_bound, number, params, options);
    (tally.executions(), execution)
}

/// Writes to `checkpoint` loom's serialised path of execution `number`, so
/// that [`replay_checkpoint`] runs it without re-exploring. With a
/// checkpoint every iteration, loom stores the path of the iteration about
/// to run; stopping before execution `number` leaves exactly its path.
pub fn capture_checkpoint(
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

/// Runs the one execution whose path `checkpoint` holds.
pub fn replay_checkpoint(
    scenario: Scenario,
    preemption_bound: usize,
    checkpoint: &std::path::Path,
    params: &Params,
    options: &StoreOptions,
) -> Execution {
    let mut model = model(preemption_bound, 1);
    model.checkpoint_file = Some(checkpoint.to_path_buf());
    super::on_fresh_thread(|| check(model, true, scenario, params, options).1)
}
