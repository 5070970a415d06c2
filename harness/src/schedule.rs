//! Schedulers whose one execution is a pure function of a seed, and the
//! generator every seeded choice is drawn from (feature `model`).
//!
//! Shuttle's own PCT cannot replay a single execution from its seed: its
//! first iteration calibrates the step count and later priorities depend on
//! it. Here every choice comes from a [`SplitMix64`] seeded with the
//! schedule's seed (PCT's step bound is an explicit setting instead of a
//! calibration), and every choice is also recorded as a shuttle
//! [`Schedule`], whose serialised string replays the execution exactly
//! through shuttle's own `ReplayScheduler`: a second, independent form.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use shuttle::scheduler::{DataSource, RandomDataSource, Schedule, Scheduler, Task, TaskId};

/// How a seeded scheduler picks the next task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly among the runnable tasks.
    Random,
    /// Probabilistic concurrency testing: random task priorities, lowered at
    /// `depth - 1` distinct random steps below `step_bound`, counting only
    /// steps at which more than one task can run; the highest-priority
    /// runnable task runs.
    Pct {
        /// The bug depth PCT targets.
        depth: usize,
        /// Steps with a choice over which change points are drawn; an
        /// explicit setting so that one execution depends on its seed alone.
        step_bound: usize,
    },
}

/// Runs one execution, every choice drawn from `seed`.
#[derive(Debug)]
pub struct SeededScheduler {
    seed: u64,
    strategy: Strategy,
    rng: SplitMix64,
    data: RandomDataSource,
    started: bool,
    /// Steps so far at which more than one task could run.
    choices: usize,
    priorities: BTreeMap<TaskId, u64>,
    /// Tasks lowered so far, counting repeats.
    lowered: u64,
    change_points: Vec<usize>,
}

impl SeededScheduler {
    /// A scheduler for the one execution `seed` names.
    pub fn new(seed: u64, strategy: Strategy) -> SeededScheduler {
        let mut rng = SplitMix64::new(seed);
        let change_points = match strategy {
            Strategy::Random => Vec::new(),
            Strategy::Pct { depth, step_bound } => change_points(&mut rng, depth, step_bound),
        };
        SeededScheduler {
            seed,
            strategy,
            rng,
            data: RandomDataSource::initialize(seed),
            started: false,
            choices: 0,
            priorities: BTreeMap::new(),
            lowered: 0,
            change_points,
        }
    }

    /// PCT: the highest-priority runnable task runs; a task's priority is
    /// random when it is first seen, and at a change point the task that
    /// just ran drops below every priority given so far. As in shuttle's
    /// `PctScheduler`, only steps with a choice count (the paper's section
    /// 4.1: a change point while one thread alone can run changes nothing),
    /// so change points fall where they can matter. A task that spins (a
    /// `yield_now` of the code under test, or a timed wait whose timeout
    /// waits for an earlier one) drops below every priority given so far,
    /// as at a change point and as in shuttle's `PctScheduler`: had it
    /// only let the others run for that one step, two threads spinning on
    /// a third could hand the processor to each other above it for good.
    /// Any other yield of the model (a timed wait's turn for the others to
    /// act) lets the others run for that one step, as under the random
    /// strategy.
    fn pct_choice(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> TaskId {
        for task in runnable {
            let initial = LOWERED_BAND + self.rng.below(1 << 32);
            self.priorities.entry(task.id()).or_insert(initial);
        }
        let has_choice = runnable.len() > 1;
        if has_choice {
            if let Some(current) = current {
                let spins = yielding && crate::model::thread::asked_to_yield();
                if spins || self.change_points.binary_search(&self.choices).is_ok() {
                    self.lowered += 1;
                    self.priorities.insert(current, LOWERED_BAND - self.lowered);
                }
            }
            self.choices += 1;
        }
        runnable
            .iter()
            .map(|task| task.id())
            .filter(|&id| !(yielding && has_choice && Some(id) == current))
            .max_by_key(|&id| (self.priorities[&id], std::cmp::Reverse(usize::from(id))))
            .expect("shuttle passes at least one runnable task")
    }
}

/// Priorities of tasks PCT has lowered sit below this, each lower than the
/// last; a task's first priority sits above it.
const LOWERED_BAND: u64 = 1 << 32;

/// `depth - 1` change points among the choices after the first, sorted.
/// The first choice is never one: the random first priorities already
/// decide it.
///
/// While the bound leaves more choices than points, the points are
/// distinct choices among `1..step_bound`, as in shuttle's
/// `PctScheduler`. Where the points would take every such choice, that
/// draw is no draw at all: each run would lower whichever thread took the
/// first choice at the second. A thread just spawned spends its first
/// choice only starting up, so none could ever act before its spawner's
/// next operation (in 400 PCT depth-3 runs it never did). There
/// each point lands on its own, on any choice after the first or on the
/// one just past the bound, and every order of the few choices is reached.
fn change_points(rng: &mut SplitMix64, depth: usize, step_bound: usize) -> Vec<usize> {
    let candidates = step_bound.saturating_sub(1);
    let wanted = depth.saturating_sub(1);
    let mut points: Vec<usize> = Vec::with_capacity(wanted);
    if candidates > wanted {
        while points.len() < wanted {
            let point = 1 + rng.below(candidates as u64) as usize;
            if !points.contains(&point) {
                points.push(point);
            }
        }
    } else {
        let past_the_bound = candidates as u64 + 1;
        points.extend((0..wanted).map(|_| 1 + rng.below(past_the_bound) as usize));
    }
    points.sort_unstable();
    points.dedup();
    points
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
        Some(match self.strategy {
            Strategy::Random => runnable[self.rng.below(runnable.len() as u64) as usize].id(),
            Strategy::Pct { .. } => self.pct_choice(runnable, current, yielding),
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
pub struct SeedStream {
    seeds: std::vec::IntoIter<u64>,
    strategy: Strategy,
    current: Option<SeededScheduler>,
    /// The seed of the execution that runs now, for the execution's body.
    running: Arc<AtomicU64>,
    /// Where PCT's bound grows: the bound the execution that runs now
    /// draws its change points below.
    growing_bound: Option<Arc<AtomicUsize>>,
}

impl SeedStream {
    /// One execution per seed of `seeds`, in order; the handle tells which
    /// seed the current execution runs.
    pub fn new(seeds: Vec<u64>, strategy: Strategy) -> (SeedStream, Arc<AtomicU64>) {
        let running = Arc::new(AtomicU64::new(0));
        let stream = SeedStream {
            seeds: seeds.into_iter(),
            strategy,
            current: None,
            running: Arc::clone(&running),
            growing_bound: None,
        };
        (stream, running)
    }

    /// PCT's step bound grows, as shuttle's PCT does, to the most steps with
    /// a choice that any execution of the stream has taken so far: a bound
    /// measured on one execution can be far shorter than the runs where
    /// threads race (one thread running on while another waits to go), and
    /// change points drawn below it never let a thread run that far. Each
    /// execution is still the one its seed and its bound name; the handle
    /// tells the bound of the execution that runs now, for its run id.
    pub fn growing_step_bound(&mut self) -> Arc<AtomicUsize> {
        let bound = match self.strategy {
            Strategy::Pct { step_bound, .. } => step_bound,
            Strategy::Random => 0,
        };
        let handle = Arc::new(AtomicUsize::new(bound));
        self.growing_bound = Some(Arc::clone(&handle));
        handle
    }
}

impl Scheduler for SeedStream {
    fn new_execution(&mut self) -> Option<Schedule> {
        let seed = self.seeds.next()?;
        self.running.store(seed, Ordering::SeqCst);
        if let (Some(bound), Strategy::Pct { depth, step_bound }) =
            (&self.growing_bound, self.strategy)
        {
            let taken = self.current.as_ref().map_or(0, |last| last.choices);
            let step_bound = step_bound.max(taken);
            self.strategy = Strategy::Pct { depth, step_bound };
            bound.store(step_bound, Ordering::SeqCst);
        }
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
///
/// The choices are kept in the scheduler itself, a push per step, and
/// handed to the shared handle when the scheduler is dropped: when its
/// runner ends, a failing execution's unwinding included. (A lock per step
/// showed in profiles of the store's harness; the change is within the
/// bench's noise.)
#[derive(Debug)]
pub struct Recording<S> {
    inner: S,
    current: Schedule,
    recorded: Arc<Mutex<Schedule>>,
}

impl<S: Scheduler> Recording<S> {
    /// Wraps `inner`; the handle shows the last execution's schedule once
    /// the runner that owns the scheduler has ended.
    pub fn new(inner: S) -> (Recording<S>, Arc<Mutex<Schedule>>) {
        let recorded = Arc::new(Mutex::new(Schedule::new(0)));
        (
            Recording {
                inner,
                current: Schedule::new(0),
                recorded: Arc::clone(&recorded),
            },
            recorded,
        )
    }
}

impl<S> Drop for Recording<S> {
    fn drop(&mut self) {
        let last = std::mem::replace(&mut self.current, Schedule::new(0));
        *self.recorded.lock().unwrap_or_else(PoisonError::into_inner) = last;
    }
}

impl<S: Scheduler> Scheduler for Recording<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        let schedule = self.inner.new_execution()?;
        self.current = Schedule::new(schedule.seed);
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        let chosen = self.inner.next_task(runnable, current, yielding)?;
        self.current.push_task(chosen);
        Some(chosen)
    }

    fn next_u64(&mut self) -> u64 {
        self.current.push_random();
        self.inner.next_u64()
    }
}

/// The order a systematic search (DFS, and the oldest-first run PCT
/// calibrates on) offers threads in, so that its first branches are runs a
/// correct body finishes:
///
/// - A yield of the code under test is taken as loom takes it: a thread
///   that has just called `thread::yield_now` runs next only if no other
///   thread can. shuttle's DFS ignores yields, so a spin-wait loop (`while
///   !ready { yield_now() }`) was explored down the branch where the
///   spinner alone runs, until the step bound failed a correct body. The
///   interleavings where the yielder runs on are left to the seeded
///   engines. The model's own yields (a spurious wake-up of a condition
///   variable, a timed wait) are left as they were: there, running on is a
///   choice worth exploring.
/// - A parked thread's spurious wake-up comes after every thread that can
///   genuinely run. shuttle lists a parked thread among the runnable ones
///   (std lets `park` return for no reason), in task order, so the first
///   branch woke the oldest parked thread again and again, and a correct
///   loop that parks while it has nothing to do (a writer waiting for
///   lines) failed at the step bound. The wake-ups stay among the choices;
///   DFS reaches them on later branches.
/// - A thread still spinning (it last stopped at a yield it was asked for,
///   and has not stepped on since) comes after every thread that is not,
///   and the spinners in the order they last ran, the longest idle first:
///   each waits for another's step. Letting in the first other thread in
///   task order alone, two spinners handed the processor to each other
///   for good above the thread both waited for (a janitor's timed wait
///   and a sleeper's, each waiting for another sleeper's timeout, or for
///   a thread just spawned to act, before time could move on).
#[derive(Debug)]
pub struct GenuineStepsFirst<S> {
    inner: S,
    /// The threads still spinning, the one that ran longest ago first.
    spinning: Vec<TaskId>,
}

impl<S> GenuineStepsFirst<S> {
    /// `inner`, offered the threads in this order.
    pub fn new(inner: S) -> GenuineStepsFirst<S> {
        GenuineStepsFirst {
            inner,
            spinning: Vec::new(),
        }
    }
}

impl<S: Scheduler> Scheduler for GenuineStepsFirst<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.spinning.clear();
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        let yielder_waits = yielding && crate::model::thread::asked_to_yield();
        if let Some(current) = current {
            let known = self.spinning.contains(&current);
            if yielder_waits && !known {
                self.spinning.push(current);
            } else if !yielder_waits && known {
                self.spinning.retain(|&task| task != current);
            }
        }
        let parked_wake = runnable.iter().any(|task| task.blocked());
        let spinning_rank = |task: &Task| self.spinning.iter().position(|&id| id == task.id());
        let spinner_runnable = runnable.iter().any(|task| spinning_rank(task).is_some());
        if !yielder_waits && !parked_wake && !spinner_runnable {
            return self.inner.next_task(runnable, current, yielding);
        }
        let is_yielder = |task: &Task| yielder_waits && Some(task.id()) == current;
        let mut others: Vec<&Task> = runnable
            .iter()
            .copied()
            .filter(|task| !is_yielder(task))
            .collect();
        if others.is_empty() {
            others = runnable.to_vec();
        }
        // A stable sort: genuine steps first, in task order, then the
        // spinners, the longest idle first, then parked threads' wake-ups.
        others.sort_by_key(|task| (task.blocked(), spinning_rank(task)));
        let chosen = self.inner.next_task(&others, current, yielding)?;
        if let Some(rank) = self.spinning.iter().position(|&id| id == chosen) {
            let runs_now = self.spinning.remove(rank);
            self.spinning.push(runs_now);
        }
        Some(chosen)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// The steps the executions of a [`CountingSteps`] took: in all, and
/// the most steps with a choice (more than one runnable task) any one
/// execution took. Clones share the counts.
#[derive(Clone, Debug, Default)]
pub struct Steps {
    total: Arc<AtomicUsize>,
    most_choices: Arc<AtomicUsize>,
}

impl Steps {
    /// Scheduling steps of every execution so far.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Steps with a choice of the execution that had the most of them:
    /// the bound PCT draws its change points below.
    pub fn most_choices(&self) -> usize {
        self.most_choices.load(Ordering::Relaxed)
    }
}

/// A scheduler that counts the steps `inner` takes (see [`Steps`]).
#[derive(Debug)]
pub struct CountingSteps<S> {
    inner: S,
    choices_this_execution: usize,
    steps: Steps,
}

impl<S: Scheduler> CountingSteps<S> {
    /// Wraps `inner`; the handle shows the counts.
    pub fn new(inner: S) -> (CountingSteps<S>, Steps) {
        let steps = Steps::default();
        let counting = CountingSteps {
            inner,
            choices_this_execution: 0,
            steps: steps.clone(),
        };
        (counting, steps)
    }
}

impl<S: Scheduler> Scheduler for CountingSteps<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.choices_this_execution = 0;
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        yielding: bool,
    ) -> Option<TaskId> {
        self.steps.total.fetch_add(1, Ordering::Relaxed);
        if runnable.len() > 1 {
            self.choices_this_execution += 1;
            self.steps
                .most_choices
                .fetch_max(self.choices_this_execution, Ordering::Relaxed);
        }
        self.inner.next_task(runnable, current, yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// Shuttle's serialised form of a recorded schedule.
pub fn serialize(schedule: &Schedule) -> String {
    shuttle_engine::scheduler::serialization::serialize_schedule(schedule)
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, well-mixed generator,
/// deterministic on every platform, unlike `HashMap` order or thread-local
/// generators. The harness draws every seeded choice from it.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose whole sequence is a function of `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next value of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// Seed `index` of the stream of seeds `base` names:
    /// `SplitMix64(SplitMix64(base) + index)`. A bijection of `index`, so a
    /// stream never repeats a seed; and since `base` is mixed first, the
    /// streams of nearby bases (0, 1, 2, ...) start far apart instead of
    /// one seed apart.
    pub fn stream_seed(base: u64, index: u64) -> u64 {
        let start = SplitMix64::new(base).next_u64();
        SplitMix64::new(start.wrapping_add(index)).next_u64()
    }

    /// A value in `0..bound` (`bound` > 0); the slight bias is irrelevant here.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::atomic::Ordering::SeqCst;

    use shuttle::scheduler::{RandomScheduler, ReplayScheduler};
    use shuttle::{Config, FailurePersistence, Runner};

    use super::*;

    /// Fails in the schedules where the spawned thread runs before the
    /// check.
    fn racy() {
        let flag = Arc::new(shuttle::sync::atomic::AtomicBool::new(false));
        let setter = {
            let flag = Arc::clone(&flag);
            shuttle::thread::spawn(move || flag.store(true, SeqCst))
        };
        assert!(!flag.load(SeqCst), "the setter ran first");
        setter.join().expect("the setter ends");
    }

    fn config() -> Config {
        let mut config = Config::new();
        config.failure_persistence = FailurePersistence::None;
        config
    }

    fn failure_of(run: impl FnOnce()) -> String {
        let payload = panic::catch_unwind(AssertUnwindSafe(run)).expect_err("it fails");
        crate::panics::panic_message(payload.as_ref())
    }

    #[test]
    fn pct_change_points_are_distinct_choices_after_the_first() {
        for seed in 0..200 {
            let points = change_points(&mut SplitMix64::new(seed), 5, 40);
            assert_eq!(points.len(), 4, "{points:?}");
            assert!(
                points.windows(2).all(|pair| pair[0] < pair[1]),
                "{points:?}"
            );
            assert!(
                points.iter().all(|point| (1..40).contains(point)),
                "{points:?}"
            );
        }
        assert!(change_points(&mut SplitMix64::new(0), 1, 40).is_empty());
    }

    #[test]
    fn pct_change_points_too_many_for_a_short_body_each_land_on_their_own() {
        let draws: Vec<Vec<usize>> = (0..200)
            .map(|seed| change_points(&mut SplitMix64::new(seed), 3, 3))
            .collect();
        for points in &draws {
            assert!(!points.is_empty() && points.len() <= 2, "{points:?}");
            assert!(
                points.windows(2).all(|pair| pair[0] < pair[1]),
                "{points:?}"
            );
            assert!(
                points.iter().all(|point| (1..=3).contains(point)),
                "{points:?}"
            );
        }
        let sparing_the_second = draws.iter().filter(|points| !points.contains(&1)).count();
        // Each of two points misses choice 1 two times in three: 4/9 of 200.
        assert!(
            (60..120).contains(&sparing_the_second),
            "{sparing_the_second} of 200"
        );
    }

    #[test]
    fn a_failing_executions_schedule_is_recorded_and_replays_the_failure() {
        let (scheduler, recorded) = Recording::new(RandomScheduler::new_from_seed(7, 1_000));
        let found = failure_of(|| {
            Runner::new(scheduler, config()).run(racy);
        });
        assert!(found.contains("the setter ran first"), "{found}");
        let schedule = recorded.lock().expect("not poisoned").clone();
        let replayed = failure_of(|| {
            Runner::new(ReplayScheduler::new_from_schedule(schedule), config()).run(racy);
        });
        assert!(replayed.contains("the setter ran first"), "{replayed}");
    }
}
