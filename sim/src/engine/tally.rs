use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::{Params, RunSummary, Scenario};
use store::StoreOptions;

use super::{Execution, Violation};
use crate::coverage::{Coverage, Reached, Situation, StoreCorner};
use crate::platform::{Event, ModelRuntime, SimWorld, take_data_race, take_first_panic};

/// Counts the executions of a scheduler run and keeps the last execution's
/// world: its trace, and its book of who was blocked where.
pub(super) struct Tally<I: ModelRuntime> {
    /// Whether executions are named by their number (systematic drivers)
    /// rather than by a seed the caller announces.
    numbers_executions: bool,
    executions: AtomicUsize,
    coverage: Mutex<Coverage>,
    last_reached: Mutex<Reached>,
    last_world: Mutex<Option<SimWorld<I>>>,
}

impl<I: ModelRuntime> Tally<I> {
    /// A tally; `numbers_executions` for drivers whose executions are
    /// named by their number (dfs, loom).
    pub(super) fn new(numbers_executions: bool) -> Arc<Tally<I>> {
        Arc::new(Tally {
            numbers_executions,
            executions: AtomicUsize::new(0),
            coverage: Mutex::new(Coverage::default()),
            last_reached: Mutex::new(Reached::none()),
            last_world: Mutex::new(None),
        })
    }

    /// The body a scheduler runs once per execution: a fresh world, then the scenario.
    pub(super) fn execution_body(
        self: &Arc<Self>,
        scenario: Scenario,
        params: &Params,
        options: &StoreOptions,
    ) -> impl Fn() + Send + Sync + 'static {
        let params = params.clone();
        self.execution_body_each(scenario, options, move || (None, params.clone()))
    }

    /// Like [`Tally::execution_body`], but each execution asks `next` for
    /// its seed (announced to the flight recorder) and its parameters.
    pub(super) fn execution_body_each(
        self: &Arc<Self>,
        scenario: Scenario,
        options: &StoreOptions,
        next: impl Fn() -> (Option<u64>, Params) + Send + Sync + 'static,
    ) -> impl Fn() + Send + Sync + 'static {
        let tally = Arc::clone(self);
        let options = options.clone();
        move || {
            let number = tally.executions.fetch_add(1, Ordering::SeqCst) + 1;
            let (seed, params) = next();
            if let Some(seed) = seed {
                crate::flight::schedule_begins(seed);
            } else if tally.numbers_executions {
                crate::flight::schedule_begins(number as u64);
            }
            // Forget a panic of an earlier execution on this OS thread.
            drop(take_first_panic());
            let _ = take_data_race();
            let world = SimWorld::<I>::new();
            *lock(&tally.last_world) = Some(world.clone());
            *lock(&tally.last_reached) = Reached::none();
            let summary = scenario.run(&world, &params, &options);
            world.main_finishes();
            let reached = world
                .trace()
                .with_events(|events| reached_by(events, summary));
            lock(&tally.coverage).add(&reached);
            *lock(&tally.last_reached) = reached;
        }
    }

    pub(super) fn executions(&self) -> usize {
        self.executions.load(Ordering::SeqCst)
    }

    /// How many executions reached each situation.
    pub(super) fn coverage(&self) -> Coverage {
        lock(&self.coverage).clone()
    }

    /// The last execution, which ended with `outcome`.
    pub(super) fn last_execution(&self, outcome: Result<(), Box<dyn Any + Send>>) -> Execution {
        let world = lock(&self.last_world).clone();
        let trace = world
            .as_ref()
            .map(|world| world.trace().events())
            .unwrap_or_default();
        let violation = outcome.err().map(|payload| {
            let blocked = world
                .as_ref()
                .map(|world| world.blocked_threads())
                .unwrap_or_default();
            let thread = world
                .as_ref()
                .and_then(SimWorld::first_panicked)
                .unwrap_or_else(|| "main".to_owned());
            let site = take_first_panic();
            match take_data_race() {
                Some(race) => Violation::data_race(&race, &thread, site, blocked),
                None => Violation::from_panic(payload.as_ref(), &thread, site, blocked),
            }
        });
        Execution {
            trace,
            violation,
            reached: lock(&self.last_reached).clone(),
            shuttle_schedule: None,
        }
    }
}

/// The situations a finished execution reached, checked against what the
/// scenario itself saw: the trace classifier and the scenario must agree on
/// whether a close deadline fired.
pub(super) fn reached_by(trace: &[Event], summary: RunSummary) -> Reached {
    let reached = crate::coverage::reached_in(trace);
    assert_eq!(
        reached.contains(Situation::Corner(StoreCorner::CloseDeadlineFires)),
        summary.close_deadline_fired,
        "the coverage classifier and the scenario disagree on whether a close deadline fired"
    );
    reached
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
