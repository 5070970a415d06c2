use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use scenarios::{Params, Scenario};
use store::StoreOptions;
use store::runtime::loom::LoomRuntime;

use super::tally::Tally;
use super::{Campaign, Driver, Execution, Failure, Report, RunId, store_options};

/// Explores up to `permutations` schedules; returns the tally and the last execution.
fn explore(
    scenario: Scenario,
    preemption_bound: usize,
    permutations: usize,
    params: &Params,
    options: &StoreOptions,
) -> (Arc<Tally<LoomRuntime>>, Execution) {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(preemption_bound);
    model.max_permutations = Some(permutations);
    let tally = Tally::<LoomRuntime>::new();
    let body = tally.execution_body(scenario, params, options);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| model.check(body)));
    let execution = tally.last_execution(outcome);
    (tally, execution)
}

pub fn run(campaign: &Campaign, preemption_bound: usize) -> Report {
    let driver = Driver::Loom { preemption_bound };
    let params = campaign
        .params
        .clone()
        .unwrap_or_else(|| driver.params_for(campaign.scenario, 0));
    let options = store_options(campaign.planted_bug);
    let (tally, execution) = explore(
        campaign.scenario,
        preemption_bound,
        campaign.schedules,
        &params,
        &options,
    );
    let schedules_run = tally.executions();
    let failure = execution.violation.is_some().then(|| Failure {
        schedule: schedules_run,
        run: campaign.params.is_none().then_some(RunId {
            scenario: campaign.scenario,
            driver,
            number: schedules_run as u64,
        }),
        planted_bug: campaign.planted_bug,
        execution,
    });
    Report {
        schedules_run,
        close_deadlines_fired: tally.deadlines_fired(),
        failure,
        ..Report::default()
    }
}

/// Execution number `number` of loom's exploration: loom's order is
/// deterministic, so exploring up to it reaches the same execution.
pub fn replay(
    scenario: Scenario,
    preemption_bound: usize,
    number: usize,
    params: &Params,
    options: &StoreOptions,
) -> Execution {
    explore(scenario, preemption_bound, number, params, options).1
}
