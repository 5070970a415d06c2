//! `threads`: real threads, each repetition bounded in wall time.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use crossbeam::channel;
use scenarios::{Oracle, Params, Scenario, World};
use store::{StdRuntime, StoreOptions};

use super::seeded::SeededRun;
use super::{Execution, Violation};
use crate::platform::{SimWorld, ThreadPanic, mark_simulating};

/// How long one repetition may take on real threads before it counts as a
/// deadlock. Far above a correct run (milliseconds), even on a loaded CI box.
const REPETITION_BOUND: Duration = Duration::from_secs(20);

/// The `threads` engine: real threads and the OS scheduler. A seed names a
/// run's parameters only; its interleaving is the OS's, so a run replays
/// its parameters, not its schedule.
pub(super) struct Threads;

impl SeededRun for Threads {
    const STEP_BOUND: Option<usize> = None;
    const DEFAULT_BUDGET: usize = 50;
    const REPLAYS_EXACTLY: bool = false;

    fn run(
        &self,
        _: u64,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> Execution {
        repetition(scenario, params, options)
    }
}

/// One repetition on real threads, bounded: a hang is reported as a
/// deadlock naming every blocked thread and where it waits.
fn repetition(scenario: Scenario, params: &Params, options: &StoreOptions) -> Execution {
    let world = SimWorld::<StdRuntime>::new();
    let (panic_sink, thread_panics) = channel::unbounded();
    world.runtime().report_thread_panics_to(panic_sink);
    let (done, finished) = channel::bounded(1);
    let (params, options, world_in_thread) = (params.clone(), options.clone(), world.clone());
    let spawned = std::thread::Builder::new()
        .name("main".to_owned())
        .spawn(move || {
            mark_simulating();
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                scenario.run(&world_in_thread, &params, &options)
            }));
            let _ = done.send(outcome.map_err(|payload| ThreadPanic::of("main", payload.as_ref())));
        });
    if let Err(error) = spawned {
        panic!("cannot start a real-thread repetition: {error}");
    }
    let mut summary = None;
    let panicked = channel::select! {
        recv(finished) -> outcome => match outcome {
            Ok(Ok(ran)) => {
                summary = Some(ran);
                None
            }
            Ok(Err(panicked)) => Some(panicked),
            Err(_) => Some(ThreadPanic::Other {
                thread: "main".to_owned(),
                message: "the scenario thread ended without reporting".to_owned(),
                site: None,
            }),
        },
        recv(thread_panics) -> panicked => panicked.ok(),
        default(REPETITION_BOUND) => {
            let blocked: Vec<String> =
                world.blocked_threads().iter().map(ToString::to_string).collect();
            let what = format!(
                "scenario {} did not finish within {REPETITION_BOUND:?} on real threads; blocked: {}",
                scenario.name(),
                blocked.join("; ")
            );
            Some(ThreadPanic::Violation(scenarios::Violation::new(
                Oracle::NoDeadlock,
                "harness",
                "real threads never finished",
                format!("DEADLOCK: {what}"),
            )))
        }
    };
    let trace = world.trace().events();
    let reached = match summary {
        Some(summary) => super::tally::reached_by(&trace, summary),
        None => crate::coverage::reached_in(&trace),
    };
    let blocked = world.blocked_threads();
    Execution {
        trace,
        violation: panicked.map(|panicked| match panicked {
            ThreadPanic::Violation(violation) => Violation::of_oracle(&violation, blocked),
            ThreadPanic::Other {
                thread,
                message,
                site,
            } => {
                let payload: Box<dyn std::any::Any + Send> = Box::new(message);
                Violation::from_panic(payload.as_ref(), &thread, site, blocked)
            }
        }),
        reached,
        shuttle_schedule: None,
    }
}
