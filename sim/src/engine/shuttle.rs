//! What every shuttle engine shares: one configuration, running any
//! scheduler over a scenario with its choices recorded, and replaying a
//! recorded schedule.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use harness::check::shuttle_config;
use scenarios::{Params, Scenario};
use shuttle::Runner;
use shuttle::scheduler::{ReplayScheduler, Schedule, Scheduler};
use store::StoreOptions;
use store::runtime::shuttle::ShuttleRuntime;

use super::Execution;
use super::tally::Tally;
use crate::platform::{ModelRuntime, ThreadKey};
use harness::schedule::{Recording, SeedStream, Strategy, serialize};

/// Scheduler steps one execution may take: far above any correct run of the
/// catalogue, so exceeding it means close (or a reader) spins forever. The
/// library's bound, as every shuttle run shares the library's configuration.
pub(super) use harness::check::MAX_STEPS;

/// Runs `scheduler` over the scenario; returns the tally and the last
/// execution. `numbered`: executions are named by their number (DFS).
pub(super) fn explore<S: Scheduler + 'static>(
    scheduler: S,
    numbered: bool,
    scenario: Scenario,
    params: &Params,
    options: &StoreOptions,
) -> (Arc<Tally<ShuttleRuntime>>, Execution) {
    let _quiet = crate::platform::simulating();
    let tally = Tally::<ShuttleRuntime>::new(numbered);
    let body = tally.execution_body(scenario, params, options);
    let execution = run_recorded(scheduler, &tally, body);
    (tally, execution)
}

/// Runs `body` under `scheduler` in one runner until it ends or an
/// execution fails; the last execution, with its schedule recorded.
fn run_recorded<S: Scheduler + 'static>(
    scheduler: S,
    tally: &Tally<ShuttleRuntime>,
    body: impl Fn() + Send + Sync + 'static,
) -> Execution {
    let (scheduler, recorded) = Recording::new(scheduler);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, shuttle_config()).run(body)
    }));
    let mut execution = tally.last_execution(outcome.map(drop));
    let schedule: Schedule = recorded
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    execution.shuttle_schedule = Some(serialize(&schedule));
    execution
}

/// Runs one execution per seed of `seeds` in one runner (see
/// [`SeedStream`]), each with the parameters `params_of` its seed, until one
/// fails; returns the tally, the last execution (the failing one, if one
/// failed) and its seed.
pub(super) fn explore_seeds(
    seeds: Vec<u64>,
    strategy: Strategy,
    scenario: Scenario,
    params_of: impl Fn(u64) -> Params + Send + Sync + 'static,
    options: &StoreOptions,
) -> (Arc<Tally<ShuttleRuntime>>, Execution, u64) {
    let _quiet = crate::platform::simulating();
    let (stream, running) = SeedStream::new(seeds, strategy);
    let tally = Tally::<ShuttleRuntime>::new(false);
    let seed_now = Arc::clone(&running);
    let body = tally.execution_body_each(scenario, options, move || {
        let seed = seed_now.load(Ordering::SeqCst);
        (Some(seed), params_of(seed))
    });
    let execution = run_recorded(stream, &tally, body);
    (tally, execution, running.load(Ordering::SeqCst))
}

/// Runs the execution that shuttle's serialised `schedule` describes: the
/// exact form, independent of this harness's seeds. Shuttle fails the run
/// ("schedule ended early", "task is not runnable") if the code changed so
/// much that the schedule no longer fits. That failure is a panic in
/// shuttle's scheduler, which leaves its thread-local state broken for later
/// runs on the same OS thread, so the replay runs on a thread of its own.
pub fn replay_schedule(
    scenario: Scenario,
    schedule: &str,
    params: &Params,
    options: &StoreOptions,
) -> Result<Execution, String> {
    // Shuttle panics, rather than failing, on some malformed strings.
    let parsed = {
        let _quiet = crate::platform::simulating();
        panic::catch_unwind(|| {
            shuttle_engine::scheduler::serialization::deserialize_schedule(schedule)
        })
    };
    let schedule = parsed
        .ok()
        .flatten()
        .ok_or_else(|| "the shuttle schedule is not a valid serialised schedule".to_owned())?;
    let replayed = panic::catch_unwind(AssertUnwindSafe(|| {
        super::on_fresh_thread(|| {
            explore(
                ReplayScheduler::new_from_schedule(schedule),
                false,
                scenario,
                params,
                options,
            )
            .1
        })
    }));
    replayed.map_err(|payload| {
        format!(
            "replaying the shuttle schedule crashed: {}",
            harness::panics::panic_message(payload.as_ref())
        )
    })
}

/// The platform's view of shuttle: who runs, a yield, and the choices
/// (a timeout firing, a spurious wake-up) drawn from shuttle's seeded
/// random source, so a schedule replays them.
impl ModelRuntime for ShuttleRuntime {
    fn thread_key() -> ThreadKey {
        ThreadKey(usize::from(shuttle::current::me()) as u64)
    }

    fn thread_name() -> String {
        shuttle::thread::current()
            .name()
            .unwrap_or("<unnamed>")
            .to_owned()
    }

    fn yield_now() {
        shuttle::thread::yield_now();
    }

    fn fire_timeout_now() -> bool {
        use shuttle::rand::RngCore;
        shuttle::rand::thread_rng().next_u64() % 2 == 0
    }

    fn wake_spuriously(one_in: u64) -> bool {
        use shuttle::rand::RngCore;
        shuttle::rand::thread_rng().next_u64() % one_in == 0
    }
}
