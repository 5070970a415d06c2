use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::World;

use super::{Campaign, Failure, Report};
use crate::platform::{ModelRuntime, SimRuntime, SimWorld};

/// Counts the executions of a scheduler run and keeps the last execution's
/// runtime, whose book says who was blocked where when a run fails.
pub struct Tally<I: ModelRuntime> {
    executions: AtomicUsize,
    deadlines_fired: AtomicUsize,
    last_runtime: Mutex<Option<SimRuntime<I>>>,
}

impl<I: ModelRuntime> Tally<I> {
    pub fn new() -> Arc<Tally<I>> {
        Arc::new(Tally {
            executions: AtomicUsize::new(0),
            deadlines_fired: AtomicUsize::new(0),
            last_runtime: Mutex::new(None),
        })
    }

    /// The body a scheduler runs once per execution: a fresh world, then the scenario.
    pub fn execution_body(
        self: &Arc<Self>,
        campaign: &Campaign,
    ) -> impl Fn() + Send + Sync + 'static {
        let tally = Arc::clone(self);
        let (scenario, params, options) = (
            campaign.scenario,
            campaign.params.clone(),
            campaign.store_options(),
        );
        move || {
            tally.executions.fetch_add(1, Ordering::SeqCst);
            let world = SimWorld::<I>::new();
            *tally
                .last_runtime
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(world.runtime().clone());
            if scenario.run(&world, &params, &options).close_deadline_fired {
                tally.deadlines_fired.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// The report of a scheduler run that ended with `outcome`.
    pub fn report(&self, outcome: Result<(), Box<dyn Any + Send>>) -> Report {
        let schedules_run = self.executions.load(Ordering::SeqCst);
        let failure = outcome.err().map(|payload| {
            let blocked = self
                .last_runtime
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .map(SimRuntime::blocked_threads)
                .unwrap_or_default();
            Failure::from_panic(schedules_run, payload.as_ref(), blocked)
        });
        Report {
            schedules_run,
            close_deadlines_fired: self.deadlines_fired.load(Ordering::SeqCst),
            failure,
            ..Report::default()
        }
    }
}
