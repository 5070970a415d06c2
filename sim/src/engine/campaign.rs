//! Campaigns: one scenario under one driver, schedule after schedule, until
//! an oracle breaks or the budget ends; and one run by its id.

use std::time::Duration;

use scenarios::PlantedBug;
use scenarios::{Params, Scenario, SplitMix64};
use store::{Plant, StoreOptions};

use super::{Driver, Execution, Failure, NoSuchRun, RunId, on_fresh_thread};
use crate::coverage::Coverage;

/// One scenario under one driver, with a budget of schedules.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// What runs.
    pub scenario: Scenario,
    /// How schedules are chosen.
    pub driver: Driver,
    /// Most schedules to run; exhaustive drivers may stop earlier.
    pub schedules: usize,
    /// The campaign's seed; schedule `k` runs with a seed derived from it.
    pub seed: u64,
    /// Parameters for every schedule, instead of the ones each schedule's
    /// id names. A failure found with them has no replayable id.
    pub params: Option<Params>,
    /// A bug planted in every store of the run, if any.
    pub planted_bug: Option<PlantedBug>,
}

impl Campaign {
    /// A campaign with the parameters each schedule's id names.
    pub fn new(scenario: Scenario, driver: Driver, schedules: usize, seed: u64) -> Campaign {
        Campaign {
            scenario,
            driver,
            schedules,
            seed,
            params: None,
            planted_bug: None,
        }
    }

    /// The same campaign with `bug` planted.
    pub fn planting(self, bug: PlantedBug) -> Campaign {
        Campaign {
            planted_bug: Some(bug),
            ..self
        }
    }

    /// The seed of schedule `index` (0-based): campaigns of nearby seeds
    /// share no schedule (see [`SplitMix64::stream_seed`]).
    pub fn schedule_seed(&self, index: usize) -> u64 {
        SplitMix64::stream_seed(self.seed, index as u64)
    }

    /// The parameters of schedule `number`: the campaign's, or the ones it names.
    pub(super) fn params_for(&self, number: u64) -> Params {
        self.params
            .clone()
            .unwrap_or_else(|| self.driver.params_for(self.scenario, number))
    }

    /// The failure of schedule `index` (1-based), named `number`.
    fn failure(&self, index: usize, number: u64, execution: Execution) -> Failure {
        let run = RunId {
            scenario: self.scenario,
            driver: self.driver,
            number,
        };
        Failure {
            schedule: index,
            run: self.params.is_none().then_some(run),
            planted_bug: self.planted_bug,
            execution,
        }
    }

    /// A seeded campaign: schedule `k` runs alone, by `run_one`, with its
    /// own seed and the parameters that seed names.
    pub(super) fn run_per_seed(
        &self,
        run_one: impl Fn(u64, &Params, &StoreOptions) -> Execution,
    ) -> Report {
        let options = store_options(self.planted_bug);
        let mut report = Report::default();
        for index in 0..self.schedules {
            let seed = self.schedule_seed(index);
            crate::flight::schedule_begins(seed);
            let execution = run_one(seed, &self.params_for(seed), &options);
            report.schedules_run += 1;
            report.coverage.add(&execution.reached);
            if execution.violation.is_some() {
                report.failure = Some(self.failure(index + 1, seed, execution));
                break;
            }
        }
        report
    }

    /// A seeded campaign of shuttle's seeded schedulers with `strategy`: all
    /// its schedules in one runner (see `SeedStream`), each still the one
    /// its seed names alone.
    pub(super) fn run_seed_stream(&self, strategy: harness::schedule::Strategy) -> Report {
        let options = store_options(self.planted_bug);
        let seeds: Vec<u64> = (0..self.schedules)
            .map(|index| self.schedule_seed(index))
            .collect();
        let campaign = self.clone();
        let (tally, last, seed) = super::shuttle::explore_seeds(
            seeds,
            strategy,
            self.scenario,
            move |seed| campaign.params_for(seed),
            &options,
        );
        let schedules_run = tally.executions();
        let failure = last
            .violation
            .is_some()
            .then(|| self.failure(schedules_run, seed, last));
        Report {
            schedules_run,
            coverage: tally.coverage(),
            failure,
            ..Report::default()
        }
    }

    /// The report of a systematic exploration that ran `executions`, the
    /// last of which is `last`.
    pub(super) fn systematic_report(
        &self,
        executions: usize,
        coverage: Coverage,
        last: Execution,
    ) -> Report {
        let failure = last
            .violation
            .is_some()
            .then(|| self.failure(executions, executions as u64, last));
        Report {
            schedules_run: executions,
            coverage,
            failure,
            ..Report::default()
        }
    }

    /// Runs the campaign to its first failure or the end of its budget, on
    /// a thread of its own (see [`on_fresh_thread`]).
    pub fn run(&self) -> Report {
        on_fresh_thread(|| {
            let started = std::time::Instant::now();
            let mut report = self.driver.engine().campaign(self);
            report.elapsed = started.elapsed();
            report
        })
    }
}

/// The store's options for a run with `planted_bug` planted; the scenario
/// sets the chunk size and retry policy its parameters name.
pub fn store_options(planted_bug: Option<PlantedBug>) -> StoreOptions {
    StoreOptions::default().with_plant(planted_bug.map(|bug| Plant::at(bug.name())))
}

/// What a campaign found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Schedules run, the failing one included.
    pub schedules_run: usize,
    /// How many schedules reached each situation worth reaching.
    pub coverage: Coverage,
    /// The first failure, if any.
    pub failure: Option<Failure>,
    /// Wall time of the campaign.
    pub elapsed: Duration,
}

/// Replays the schedule `run` names, with `bug` planted, once, on a thread
/// of its own (see [`on_fresh_thread`]).
pub fn replay_once(run: RunId, bug: Option<PlantedBug>) -> Result<Execution, NoSuchRun> {
    on_fresh_thread(|| run_in_place(run, bug))
}

/// Runs the schedule `run` names, with `bug` planted, on the calling
/// thread; an error if no such execution exists (see [`NoSuchRun`]). After
/// a failing run the thread may be unfit for another (see
/// [`on_fresh_thread`]): callers running many stop at the first failure.
pub fn run_in_place(run: RunId, bug: Option<PlantedBug>) -> Result<Execution, NoSuchRun> {
    let engine = run.driver.engine();
    engine.check(&run)?;
    let params = run.driver.params_for(run.scenario, run.number);
    engine.run_one(run.scenario, run.number, &params, &store_options(bug))
}
