//! Schedulers whose one execution is a pure function of a seed.
//!
//! Shuttle's own PCT cannot replay a single execution from its seed: its
//! first iteration calibrates the step count and later priorities depend on
//! it. Here every choice comes from a [`SplitMix64`] seeded with the
//! schedule's seed (PCT's step bound is an explicit setting instead of a
//! calibration), and every choice is also recorded as a shuttle
//! [`Schedule`], whose serialised string replays the execution exactly
//! through shuttle's own `ReplayScheduler`: a second, independent form.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use scenarios::{Scenario, SplitMix64};
use shuttle::scheduler::{DataSource, RandomDataSource, Schedule, Scheduler, Task, TaskId};

/// How a seeded scheduler picks the next task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Strategy {
    /// Uniformly among the runnable tasks.
    Random,
    /// Probabilistic concurrency testing: random task priorities, lowered at
    /// `depth - 1` random steps below `step_bound`; the highest-priority
    /// runnable task runs.
    Pct {
        /// The bug depth PCT targets.
        depth: usize,
        /// Steps over which change points are drawn; an explicit setting so
        /// that one execution depends on its seed alone.
        step_bound: usize,
    },
}

/// PCT's step bound for `scenario`: the 90th percentile of its executions'
/// scheduling steps, measured over 40 seeded random schedules each (long
/// where 1-byte chunks are drawn), so that
/// PCT's change points land inside most runs rather than after their end.
/// Part of what a `pct` run id means: changing it changes every PCT schedule.
pub(super) fn pct_step_bound(scenario: Scenario) -> usize {
    match scenario {
        Scenario::DropDuringDownload => 57,
        Scenario::EarlyClose => 64,
        Scenario::LogSinkStalls => 72,
        Scenario::LogSinkSlow => 93,
        Scenario::CloseDuringBackoff => 95,
        Scenario::LogManyProducers => 100,
        Scenario::LogShutdownRaces => 100,
        Scenario::HandlesRaceClose => 128,
        Scenario::Stress => 147,
        Scenario::PermanentTransportError => 152,
        Scenario::HandleAcrossClose => 152,
        Scenario::SharedHandle => 152,
        Scenario::MountReplies => 200,
        Scenario::DiskFull => 155,
        Scenario::ConcurrentCloses => 163,
        Scenario::ReadsDuringStall => 167,
        Scenario::ReadCloseBarrier => 174,
        Scenario::ReadCloseInFlight => 195,
        Scenario::FailedDownloadReads => 198,
        Scenario::CloseDeadlineInFlight => 207,
        Scenario::DeadlineWithReaderInside => 207,
        Scenario::MultiFileStaging => 2336,
        Scenario::ConcurrentReaders => 3072,
        Scenario::DropWhileReading => 3064,
        Scenario::TransportResetResume => 4095,
        Scenario::MultiFileParallelism => 4520,
    }
}

/// Runs one execution, every choice drawn from `seed`.
#[derive(Debug)]
pub(super) struct SeededScheduler {
    seed: u64,
    strategy: Strategy,
    rng: SplitMix64,
    data: RandomDataSource,
    started: bool,
    steps: usize,
    priorities: BTreeMap<TaskId, u64>,
    change_points: Vec<usize>,
}

impl SeededScheduler {
    /// A scheduler for the one execution `seed` names.
    pub(super) fn new(seed: u64, strategy: Strategy) -> SeededScheduler {
        let mut rng = SplitMix64::new(seed);
        let change_points = match strategy {
            Strategy::Random => Vec::new(),
            Strategy::Pct { depth, step_bound } => {
                let mut points: Vec<usize> = (1..depth)
                    .map(|_| 1 + rng.below(step_bound.max(2) as u64 - 1) as usize)
                    .collect();
                points.sort_unstable();
                points
            }
        };
        SeededScheduler {
            seed,
            strategy,
            rng,
            data: RandomDataSource::initialize(seed),
            started: false,
            steps: 0,
            priorities: BTreeMap::new(),
            change_points,
        }
    }

    fn pct_choice(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
        depth: usize,
    ) -> TaskId {
        for task in runnable {
            let high = depth as u64 + self.rng.below(1 << 32);
            self.priorities.entry(task.id()).or_insert(high);
        }
        if let Some(current) = current {
            let lowered = self
                .change_points
                .iter()
                .position(|&point| point == self.steps);
            if let Some(index) = lowered {
                self.priorities.insert(current, (depth - 1 - index) as u64);
            }
        }
        let candidates: Vec<TaskId> = runnable
            .iter()
            .map(|task| task.id())
            .filter(|&id| !(yielding && Some(id) == current && runnable.len() > 1))
            .collect();
        *candidates
            .iter()
            .max_by_key(|&&id| (self.priorities[&id], std::cmp::Reverse(usize::from(id))))
            .expect("shuttle passes at least one runnable task")
    }
}

impl Scheduler for SeededScheduler {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(self.seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        self.steps += 1;
        Some(match self.strategy {
            Strategy::Random => runnable[self.rng.below(runnable.len() as u64) as usize].id(),
            Strategy::Pct { depth, .. } => {
                self.pct_choice(runnable, current, yielding, depth.max(1))
            }
        })
    }

    fn next_u64(&mut self) -> u64 {
        self.data.next_u64()
    }
}

/// One [`SeededScheduler`] execution per seed of a list, in one shuttle
/// runner. Shuttle keeps its threads' stacks from one execution to the next
/// only within a runner, and allocating them was most of what a short
/// schedule cost when every schedule had a runner of its own. Each
/// execution is the one its seed names alone: shuttle starts every
/// execution afresh.
#[derive(Debug)]
pub(super) struct SeedStream {
    seeds: std::vec::IntoIter<u64>,
    strategy: Strategy,
    current: Option<SeededScheduler>,
    /// The seed of the execution that runs now, for the execution's body.
    running: Arc<AtomicU64>,
}

impl SeedStream {
    /// One execution per seed of `seeds`, in order; the handle tells which
    /// seed the current execution runs.
    pub(super) fn new(seeds: Vec<u64>, strategy: Strategy) -> (SeedStream, Arc<AtomicU64>) {
        let running = Arc::new(AtomicU64::new(0));
        let stream = SeedStream {
            seeds: seeds.into_iter(),
            strategy,
            current: None,
            running: Arc::clone(&running),
        };
        (stream, running)
    }
}

impl Scheduler for SeedStream {
    fn new_execution(&mut self) -> Option<Schedule> {
        let seed = self.seeds.next()?;
        self.running.store(seed, Ordering::SeqCst);
        let mut scheduler = SeededScheduler::new(seed, self.strategy);
        let schedule = scheduler.new_execution();
        self.current = Some(scheduler);
        schedule
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        self.current
            .as_mut()
            .and_then(|scheduler| scheduler.next_task(runnable, current, yielding))
    }

    fn next_u64(&mut self) -> u64 {
        self.current
            .as_mut()
            .map_or(0, |scheduler| scheduler.next_u64())
    }
}

/// Any scheduler, with the choices of its current execution recorded as a
/// shuttle [`Schedule`], so a failure can be stored in shuttle's own form.
#[derive(Debug)]
pub(super) struct Recording<S> {
    inner: S,
    recorded: Arc<Mutex<Schedule>>,
}

impl<S: Scheduler> Recording<S> {
    /// Wraps `inner`; the handle shows the current execution's schedule.
    pub(super) fn new(inner: S) -> (Recording<S>, Arc<Mutex<Schedule>>) {
        let recorded = Arc::new(Mutex::new(Schedule::new(0)));
        (
            Recording {
                inner,
                recorded: Arc::clone(&recorded),
            },
            recorded,
        )
    }

    fn record(&self, step: impl FnOnce(&mut Schedule)) {
        step(&mut self.recorded.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

impl<S: Scheduler> Scheduler for Recording<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        let schedule = self.inner.new_execution()?;
        self.record(|recorded| *recorded = Schedule::new(schedule.seed));
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        let chosen = self.inner.next_task(runnable, current, yielding)?;
        self.record(|recorded| recorded.push_task(chosen));
        Some(chosen)
    }

    fn next_u64(&mut self) -> u64 {
        self.record(Schedule::push_random);
        self.inner.next_u64()
    }
}

/// Shuttle's serialised form of a recorded schedule.
pub(super) fn serialize(schedule: &Schedule) -> String {
    shuttle_engine::scheduler::serialization::serialize_schedule(schedule)
}
