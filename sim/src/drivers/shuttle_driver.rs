use std::panic::{self, AssertUnwindSafe};

use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};
use shuttle::{Config, MaxSteps, Runner};
use store::runtime::shuttle::ShuttleRuntime;

use super::tally::Tally;
use super::{Campaign, Driver, Report};

/// Scheduler steps one execution may take: far above any correct run of the
/// catalogue, so exceeding it means close (or a reader) spins forever.
const MAX_STEPS: usize = 100_000;

/// One configuration for every shuttle run in the process: shuttle installs
/// its panic hook once, with the first configuration it sees.
fn config() -> Config {
    let mut config = Config::new();
    config.max_steps = MaxSteps::FailAfter(MAX_STEPS);
    config.stack_size = 256 * 1024;
    config
}

pub fn run(campaign: &Campaign) -> Report {
    match campaign.driver {
        Driver::Random => explore(
            campaign,
            RandomScheduler::new_from_seed(campaign.seed, campaign.schedules),
        ),
        Driver::Pct { depth } => explore(
            campaign,
            PctScheduler::new_from_seed(campaign.seed, depth, campaign.schedules),
        ),
        Driver::Dfs => explore(campaign, DfsScheduler::new(Some(campaign.schedules), true)),
        Driver::Loom { .. } | Driver::Threads => unreachable!("not a shuttle driver"),
    }
}

fn explore<S: Scheduler + 'static>(campaign: &Campaign, scheduler: S) -> Report {
    let tally = Tally::<ShuttleRuntime>::new();
    let body = tally.execution_body(campaign);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config()).run(body)
    }));
    tally.report(outcome.map(drop))
}
