use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use crossbeam::channel;
use scenarios::{Params, Size, World};
use store::StdRuntime;

use super::{Campaign, Failure, Report};
use crate::platform::SimWorld;

/// How long one repetition may take on real threads before it counts as a
/// deadlock. Far above a correct run (milliseconds), even on a loaded CI box.
const REPETITION_BOUND: Duration = Duration::from_secs(20);

/// Runs the scenario `campaign.schedules` times on real threads, each time
/// with parameters drawn from `seed + repetition` (so thread counts vary).
pub fn run(campaign: &Campaign) -> Report {
    let mut report = Report::default();
    for repetition in 0..campaign.schedules {
        report.schedules_run += 1;
        let seed = campaign.seed.wrapping_add(repetition as u64);
        let params = campaign
            .scenario
            .adapt(Params::from_seed(seed, Size::Shuttle));
        let world = SimWorld::<StdRuntime>::new();
        let (panic_sink, thread_panics) = channel::unbounded();
        world.runtime().report_thread_panics_to(panic_sink);
        let (done, finished) = channel::bounded(1);
        let (scenario, options, world_in_thread) =
            (campaign.scenario, campaign.store_options(), world.clone());
        let spawned = std::thread::Builder::new()
            .name("main".to_owned())
            .spawn(move || {
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    scenario.run(&world_in_thread, &params, &options)
                }));
                let _ = done
                    .send(outcome.map_err(|payload| scenarios::panic_message(payload.as_ref())));
            });
        if let Err(error) = spawned {
            panic!("cannot start a real-thread repetition: {error}");
        }
        let message = channel::select! {
            recv(finished) -> outcome => match outcome {
                Ok(Ok(summary)) => {
                    report.close_deadlines_fired += usize::from(summary.close_deadline_fired);
                    continue;
                }
                Ok(Err(message)) => message,
                Err(_) => "the scenario thread ended without reporting".to_owned(),
            },
            recv(thread_panics) -> message => message.unwrap_or_default(),
            default(REPETITION_BOUND) => format!(
                "DEADLOCK: scenario {} did not finish within {REPETITION_BOUND:?} on real threads; blocked: {}",
                campaign.scenario.name(),
                world.runtime().blocked_threads().join("; ")
            ),
        };
        let payload: Box<dyn std::any::Any + Send> = Box::new(message);
        let blocked = world.runtime().blocked_threads();
        report.failure = Some(Failure::from_panic(
            report.schedules_run,
            payload.as_ref(),
            blocked,
        ));
        return report;
    }
    report
}
