use std::panic::{self, AssertUnwindSafe};

use store::runtime::loom::LoomRuntime;

use super::tally::Tally;
use super::{Campaign, Report};

pub fn run(campaign: &Campaign, preemption_bound: usize) -> Report {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(preemption_bound);
    model.max_permutations = Some(campaign.schedules);
    let tally = Tally::<LoomRuntime>::new();
    let body = tally.execution_body(campaign);
    tally.report(panic::catch_unwind(AssertUnwindSafe(|| model.check(body))))
}
