//! How each engine runs a body: one schedule by its id, or a search that
//! stops at the first failure. A failure is a panic in any thread of the
//! body (an assertion of the test, or of the code under test), a deadlock
//! (the model's, or shuttle's and loom's own), or a run that does not end
//! ([`Endless`]: under shuttle, past [`MAX_OPERATIONS`] operations of the
//! facade; on real threads, past [`THREADS_WATCHDOG`]; under shuttle or
//! loom, a search that does nothing for [`STALL_LIMIT`]).

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use shuttle::scheduler::{DfsScheduler, Scheduler, UrwRandomScheduler};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};

use super::stall::{SEARCH_STACK_BYTES, STALL_LIMIT, Watched, watched};
use super::{Engine, MEASURED_PCT_STEP_BOUND, RunId};
use crate::model::endless::{
    Endless, LOOM_MAX_BRANCHES, MAX_OPERATIONS, MODEL_LOOM_MAX_BRANCHES, Past,
};
use crate::model::execution::{self, Execution, Flavour};
use crate::model::loom_pool::Plan;
use crate::model::outsider;
use crate::model::panic_sites::PanicSites;
use crate::model::thread::THREAD_STACK_BYTES;
use crate::panics::{Panicked, Raised};
use crate::schedule::{CountingSteps, GenuineStepsFirst, SeedStream, SeededScheduler, Strategy};

/// The body under test.
pub(crate) type Body = Arc<dyn Fn() + Send + Sync + 'static>;

/// `body` as the body of one check, replay or shrink: each of its runs
/// shares the lines whose panics the check has printed, so that a panic
/// the body catches is printed once, not once a run.
pub(crate) fn body_of_a_check(body: impl Fn() + Send + Sync + 'static) -> Body {
    let sites = Arc::new(PanicSites::default());
    Arc::new(move || {
        if let Some(run) = execution::current() {
            run.shares_panic_sites(&sites);
        }
        body();
    })
}

/// The data seed of every run of DFS and loom, which search the schedules
/// of one body with one data set (a run id of theirs names an execution,
/// not a seed), and of the run that measures PCT's step bound.
pub const SYSTEMATIC_DATA_SEED: u64 = 0;

/// Scheduler steps one shuttle execution may take: far above a test's
/// needs, so exceeding it means a thread spins forever. A harness on its
/// own platform (`sim`) runs by it; the model's runs count operations
/// instead ([`MAX_OPERATIONS`]).
pub const MAX_STEPS: usize = 100_000;

/// How long one run on real threads may take before it counts as stuck.
pub const THREADS_WATCHDOG: Duration = Duration::from_secs(10);

/// A run that failed: its panic and the run it happened in.
pub(crate) struct Broke {
    pub(crate) number: u64,
    pub(crate) panic: Panicked,
    pub(crate) run: Option<Arc<Execution>>,
}

/// The run each execution installs, kept so its facts outlive a failure,
/// and, for a loom search, the atomics each execution makes as it begins.
#[derive(Clone)]
struct LastRun {
    run: Arc<Mutex<Option<Arc<Execution>>>>,
    loom_plan: Plan,
}

impl LastRun {
    fn new(loom_plan: &Plan) -> LastRun {
        LastRun {
            run: Arc::default(),
            loom_plan: loom_plan.clone(),
        }
    }

    fn begin(&self, flavour: Flavour, data_seed: u64) -> Arc<Execution> {
        let run = match flavour {
            Flavour::Loom => Execution::of_loom_search(data_seed, &self.loom_plan),
            Flavour::Std | Flavour::Shuttle => Execution::new(flavour, data_seed),
        };
        *self.run.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&run));
        run
    }

    fn take(&self) -> Option<Arc<Execution>> {
        self.run
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// What a search's failing execution panicked with. A thread of a loom
/// run that goes past its stack ends with a payload of loom's coroutines'
/// own type, which says nothing as text: it gets words here.
fn panicked(payload: &(dyn Any + Send)) -> Panicked {
    match payload.downcast_ref::<generator::Error>() {
        Some(generator::Error::StackErr) => Panicked {
            message: LOOM_STACK_OVERFLOW.to_owned(),
            raised: None,
        },
        _ => Panicked::of(payload),
    }
}

/// The words of a loom thread's stack overflow.
const LOOM_STACK_OVERFLOW: &str = "stack overflow: a thread of a loom run went past its \
     stack. loom gives the body's own thread 32 KiB, and sets it itself; each thread the \
     facade spawns has 2 MiB, as std's do (more with thread::Builder::stack_size): do deep \
     work on a spawned thread";

/// One configuration for every shuttle run of the process, the library's
/// and any harness built on it. Failures are reported by the harness, not
/// by shuttle.
pub fn shuttle_config() -> Config {
    let mut config = Config::new();
    config.max_steps = MaxSteps::FailAfter(MAX_STEPS);
    config.stack_size = THREAD_STACK_BYTES;
    config.failure_persistence = FailurePersistence::None;
    // shuttle's atomics are sequentially consistent; loom covers the rest.
    config.silence_warnings = true;
    config
}

/// shuttle's step bound for a run of the model: a backstop for a spin
/// the facade does not see (shuttle's own primitives called directly). A
/// spin through the facade is stopped first, as [`Endless`], after
/// [`MAX_OPERATIONS`] operations, which take at least as many steps.
pub const MODEL_MAX_STEPS: usize = 10 * MAX_OPERATIONS as usize;

/// [`shuttle_config`] with [`MODEL_MAX_STEPS`].
fn model_shuttle_config() -> Config {
    let mut config = shuttle_config();
    config.max_steps = MaxSteps::FailAfter(MODEL_MAX_STEPS);
    config
}

/// The data seed of the execution that runs now: a seeded search's
/// scheduler sets it to each execution's seed as the execution begins.
type DataSeed = Arc<AtomicU64>;

/// The data seed of one run of `seed`, or of a systematic search.
fn data_seed(seed: u64) -> DataSeed {
    Arc::new(AtomicU64::new(seed))
}

/// loom's model for a search of at most `executions` executions, each with
/// at most `preemptions` preemptions: one configuration for the library's
/// loom engine and any harness built on it. loom counts iterations from 1,
/// stops before the one numbered `max_permutations`, and looks at that
/// limit only every `checkpoint_interval` iterations (20,000 by default,
/// so a budget of 1,000 ran up to 19,999): hence an interval of 1, which
/// writes nothing without a checkpoint file.
pub fn loom_model(preemptions: usize, executions: usize) -> loom::model::Builder {
    let mut model = loom::model::Builder::new();
    model.max_branches = LOOM_MAX_BRANCHES;
    model.preemption_bound = Some(preemptions);
    model.max_permutations = Some(executions.saturating_add(1));
    model.checkpoint_interval = 1;
    model
}

/// Runs `body` in a run of `flavour` that `last` keeps, counting
/// executions; each run's data drawn from `data`'s seed as it begins.
fn installed(
    body: &Body,
    last: &LastRun,
    flavour: Flavour,
    data: &DataSeed,
    executions: &Arc<Mutex<u64>>,
) -> impl Fn() + Send + Sync + 'static {
    let body = Arc::clone(body);
    let last = last.clone();
    let data = Arc::clone(data);
    let executions = Arc::clone(executions);
    move || {
        *executions.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        let run = last.begin(flavour, data.load(Ordering::SeqCst));
        // Not `within`: the threads the body leaves running stay in the run.
        execution::enter(&run);
        body();
        run.body_returns();
        if let Err(failed) = run.thread_ends() {
            failed.raise();
        }
    }
}

/// Runs `scheduler` over `body` in one shuttle runner: `Err` with the
/// failing execution's number (counted from 1) and message.
fn shuttle_search<S: Scheduler + Send + 'static>(
    scheduler: S,
    data: DataSeed,
    body: &Body,
) -> Result<u64, Broke> {
    search(body, Flavour::Shuttle, &Plan::default(), data, move |f| {
        Runner::new(scheduler, model_shuttle_config()).run(f);
    })
}

/// Runs `explore` over `body`, in runs of `flavour`, catching the panic of
/// a failing execution, on a thread of its own, watched for a stall
/// ([`watched`]); the executions run, or the failure.
fn search(
    body: &Body,
    flavour: Flavour,
    loom_plan: &Plan,
    data: DataSeed,
    explore: impl FnOnce(Box<dyn Fn() + Send + Sync>) + Send + 'static,
) -> Result<u64, Broke> {
    super::panic_hook::install();
    let last = LastRun::new(loom_plan);
    let executions = Arc::new(Mutex::new(0));
    let each = installed(body, &last, flavour, &data, &executions);
    let executions_now = || *executions.lock().unwrap_or_else(PoisonError::into_inner);
    let progress = || {
        let run = last.run.lock().unwrap_or_else(PoisonError::into_inner);
        (executions_now(), run.as_ref().map(|run| run.operations()))
    };
    let search = move || panic::catch_unwind(AssertUnwindSafe(|| explore(Box::new(each))));
    let outcome = match watched(search, progress) {
        Watched::Ended(outcome) => outcome,
        Watched::Stalled => return Err(stalled(executions_now(), &last)),
    };
    let number = executions_now();
    outcome.map(|()| number).map_err(|payload| {
        let run = last.take();
        let panic = panicked(payload.as_ref());
        Broke {
            number,
            panic: match &run {
                Some(run) => run.cause(panic),
                None => panic,
            },
            run,
        }
    })
}

/// The failure of a search that stalled in its execution `number`
/// ([`watched`]): an [`Endless`] run, with what each of its threads did
/// last.
fn stalled(number: u64, last: &LastRun) -> Broke {
    let run = last.take();
    let stalled = Past::Stalled(STALL_LIMIT);
    let endless = match &run {
        Some(run) => run.endless(stalled),
        None => Endless::new(stalled, Vec::new()),
    };
    Broke {
        number,
        panic: Panicked::raised(Raised::new(endless)),
        run,
    }
}

/// Runs `body` on a new OS thread and returns what it returns (or goes on
/// with its panic): a search of the engines starts on a clean thread.
///
/// A thread that panics while holding a lock switches out in the middle
/// of unwinding (releasing the lock is a scheduling point). If another
/// thread then fails the execution, shuttle abandons that stack half
/// unwound, and the OS thread under it counts a panic in flight forever
/// after: every later execution on it fails as soon as it starts
/// (SCTBench's wronglock did this to every search after it). A search
/// stops at its first failure, so no thread sees more than one.
pub fn on_fresh_thread<T: Send>(body: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("harness-search".to_owned())
            .stack_size(SEARCH_STACK_BYTES)
            .spawn_scoped(scope, || {
                outsider::runs_searches();
                body()
            })
            .unwrap_or_else(|error| panic!("cannot start a thread for the search: {error}"));
        worker
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload))
    })
}

/// `engine`, its PCT step bound measured on `body` if it asks for that
/// ([`MEASURED_PCT_STEP_BOUND`]); any other engine as it is. The bound is
/// the steps with a choice of one execution that runs the oldest runnable
/// thread first, as shuttle's PCT calibrates on its first execution: a
/// thread that runs on while others wait makes the long runs a late change
/// point must reach into (crossbeam's deque race needs one), while a
/// thread that others wait for to end adds none, so change points fall
/// where threads still race. Taking the longest of some random runs as
/// well, as this did first, put most change points inside one long
/// thread's run on SURW's uneven example (5 schedules to shuttle's 2). The
/// bound is a function of the body alone, and each run id carries it.
pub(crate) fn with_measured_bound(engine: Engine, body: &Body) -> Engine {
    match engine {
        Engine::Pct { depth, step_bound } if step_bound == MEASURED_PCT_STEP_BOUND => {
            let oldest_first = GenuineStepsFirst::new(DfsScheduler::new(Some(1), true));
            let (counting, steps) = CountingSteps::new(oldest_first);
            // A failure here is another engine's to report, not this.
            let _ = shuttle_search(counting, data_seed(SYSTEMATIC_DATA_SEED), body);
            Engine::Pct {
                depth,
                step_bound: steps.most_choices().max(2),
            }
        }
        engine => engine,
    }
}

/// The seeded strategy of a shuttle engine that has one.
fn strategy(engine: Engine) -> Option<Strategy> {
    match engine {
        Engine::Random => Some(Strategy::Random),
        Engine::Pct { depth, step_bound } => Some(Strategy::Pct { depth, step_bound }),
        _ => None,
    }
}

/// Executions one URW run takes, both drawn from its seed: shuttle's
/// `UrwRandomScheduler` counts each thread's steps in a trial execution (a
/// plain random walk), then walks uniformly with those counts; the run is
/// the walk (or the trial, if that already fails). With one execution a run
/// would be the trial alone: a random walk, not URW.
pub const URW_EXECUTIONS_PER_RUN: usize = 2;

/// Runs the one execution a seeded engine's `seed` names.
pub(crate) fn seeded(engine: Engine, seed: u64, body: &Body) -> Result<(), Broke> {
    let named = |broke: Broke| Broke {
        number: seed,
        ..broke
    };
    let outcome = match (engine, strategy(engine)) {
        (_, Some(strategy)) => {
            let scheduler = SeededScheduler::new(seed, strategy);
            shuttle_search(scheduler, data_seed(seed), body)
        }
        (Engine::Urw, None) => {
            let urw = UrwRandomScheduler::new_from_seed(seed, URW_EXECUTIONS_PER_RUN);
            shuttle_search(urw, data_seed(seed), body)
        }
        (Engine::Threads, None) => return on_real_threads(seed, body).map_err(named),
        _ => unreachable!("{engine} is not seeded"),
    };
    outcome.map(drop).map_err(named)
}

/// Runs one execution per seed of `seeds`, in order, until one fails:
/// `Err` with how many schedules ran up to it, the engine of the failing
/// run and the failure, named by its seed. Random and PCT run every seed
/// in one shuttle runner, which keeps its threads' stacks from one
/// execution to the next. With `grows`, PCT's step bound grows to the most
/// steps with a choice any execution took ([`SeedStream::growing_step_bound`]),
/// and the failing run's engine names the bound it ran with.
pub(crate) fn seeded_search(
    engine: Engine,
    grows: bool,
    seeds: Vec<u64>,
    body: &Body,
) -> Result<u64, (u64, Engine, Broke)> {
    let Some(strategy) = strategy(engine) else {
        for (index, &seed) in seeds.iter().enumerate() {
            seeded(engine, seed, body).map_err(|broke| (index as u64 + 1, engine, broke))?;
        }
        return Ok(seeds.len() as u64);
    };
    let (mut stream, running) = SeedStream::new(seeds, strategy);
    let bound = grows.then(|| stream.growing_step_bound());
    // The stream sets `running` to each execution's seed: its data's too.
    shuttle_search(stream, Arc::clone(&running), body).map_err(|broke| {
        let schedules = broke.number;
        let seed = running.load(Ordering::SeqCst);
        let engine = match (engine, &bound) {
            (Engine::Pct { depth, .. }, Some(bound)) => Engine::Pct {
                depth,
                step_bound: bound.load(Ordering::SeqCst),
            },
            (engine, _) => engine,
        };
        let broke = Broke {
            number: seed,
            ..broke
        };
        (schedules, engine, broke)
    })
}

/// Runs a systematic engine's search over at most `executions`
/// executions: how many ran, or the first failure, named by its number.
pub(crate) fn systematic(engine: Engine, executions: usize, body: &Body) -> Result<u64, Broke> {
    match engine {
        Engine::Dfs => {
            let dfs = DfsScheduler::new(Some(executions), true);
            shuttle_search(
                GenuineStepsFirst::new(dfs),
                data_seed(SYSTEMATIC_DATA_SEED),
                body,
            )
        }
        Engine::Loom { preemptions } => loom_search(preemptions, executions, body),
        _ => unreachable!("{engine} is seeded"),
    }
}

/// Most times one loom search starts over with a larger plan of atomics:
/// each start learns at least twice the atomics of some kind, or a new
/// kind, so this is far above what a test's body makes.
const MAX_LOOM_RESTARTS: usize = 64;

/// A loom search over at most `executions` executions, started over when
/// an execution fails after a first use of an atomic found none made for
/// it as the execution began (`loom_pool::Pool::fell_short`): that failure
/// may be the late atomic's, not the body's. The search is deterministic,
/// so a replay starts over at the same executions and numbers them the
/// same.
fn loom_search(preemptions: usize, executions: usize, body: &Body) -> Result<u64, Broke> {
    let plan = Plan::default();
    let mut restarts = 0;
    loop {
        let data = data_seed(SYSTEMATIC_DATA_SEED);
        let outcome = search(body, Flavour::Loom, &plan, data, move |f| {
            let mut model = loom_model(preemptions, executions);
            model.max_branches = MODEL_LOOM_MAX_BRANCHES;
            model.check(f);
        });
        let fell_short =
            |broke: &Broke| (broke.run.as_ref()).is_some_and(|run| run.loom_pool().fell_short());
        match outcome {
            Err(broke) if fell_short(&broke) && restarts < MAX_LOOM_RESTARTS => restarts += 1,
            outcome => return outcome,
        }
    }
}

/// One run on real threads, its data drawn from `seed`, on a thread of its
/// own under a watchdog: a run that deadlocks is reported at once, as the
/// model sees the deadlock form (one it cannot see, on a lock of std's
/// left in the code, as endless when the watchdog ends it), and its
/// threads are left behind.
fn on_real_threads(seed: u64, body: &Body) -> Result<(), Broke> {
    super::panic_hook::install();
    let run = Execution::new(Flavour::Std, seed);
    let (done, outcome) = std::sync::mpsc::channel();
    let (body, in_run) = (Arc::clone(body), Arc::clone(&run));
    std::thread::spawn(move || {
        execution::started_for(&in_run);
        let result = execution::within(&in_run, || {
            panic::catch_unwind(AssertUnwindSafe(|| {
                body();
                in_run.body_returns();
                if let Err(failed) = in_run.thread_ends() {
                    failed.raise();
                }
            }))
        });
        // A panic of the body fails the run at once, as under shuttle and
        // loom: the threads still running are left behind, and no wait of
        // theirs (for a notification the body never sent, or for a
        // timeout behind its last act) holds the report up until the
        // watchdog. A thread of a deadlock never ends: the run has failed
        // by it.
        while result.is_ok() && in_run.live_spawned() > 0 && in_run.violation().is_none() {
            std::thread::yield_now();
        }
        // If both panicked, the first to begin is the cause: a spawned
        // thread's, of a join that expects success or a scope's end; the
        // body's, of a thread that then found a lock it held poisoned.
        let panic = match result {
            Err(payload) if in_run.panicked_first() => Some(Panicked::of(payload.as_ref())),
            Err(payload) => Some(
                in_run
                    .first_thread_panic()
                    .unwrap_or_else(|| Panicked::of(payload.as_ref())),
            ),
            Ok(()) => in_run.first_thread_panic(),
        };
        // The receiver may have given up on a slow run.
        let _ = done.send(panic);
    });
    let panic = match finished_or_violated(&outcome, &run) {
        Some(None) => return Ok(()),
        Some(Some(panic)) => run.cause(panic),
        None => Panicked::raised(Raised::new(run.endless(Past::Watchdog(THREADS_WATCHDOG)))),
    };
    Err(Broke {
        number: 0,
        panic,
        run: Some(run),
    })
}

/// What the body's thread of a run on real threads sent at its end, or
/// the run's first violation as soon as the model finds one (a deadlock
/// leaves the body's thread blocked for good, maybe), or `None` past the
/// watchdog.
fn finished_or_violated(
    outcome: &std::sync::mpsc::Receiver<Option<Panicked>>,
    run: &Execution,
) -> Option<Option<Panicked>> {
    /// How often the watchdog looks for a violation.
    const LOOK_EVERY: Duration = Duration::from_millis(10);
    let deadline = std::time::Instant::now() + THREADS_WATCHDOG;
    loop {
        match outcome.recv_timeout(LOOK_EVERY) {
            Ok(ended) => return Some(ended),
            Err(_) => {
                if let Some(violation) = run.violation() {
                    return Some(Some(Panicked::raised(violation)));
                }
                // A spawned thread's panic fails the run at once, as under
                // shuttle and loom, whatever the others then wait for.
                if let Some(panic) = run.spawned_thread_panicked_first() {
                    return Some(Some(panic));
                }
                if std::time::Instant::now() >= deadline {
                    return None;
                }
            }
        }
    }
}

/// What a replay that found no failure says of its run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replayed {
    /// The run passes now.
    Passes,
    /// The run is numbered past the last execution of its engine's
    /// search of the body, which has this many: it names no run.
    Beyond(u64),
}

/// Replays `run`: what it says if it passes now, or its failure. A run of
/// a systematic engine is replayed by its search up to its number, which
/// stops at the search's first failure (the run's own, if the search
/// found it) and may end before the number: then the name is no run's.
pub(crate) fn replay(run: RunId, body: &Body) -> Result<Replayed, Broke> {
    if run.engine.is_seeded() {
        return seeded(with_measured_bound(run.engine, body), run.number, body)
            .map(|()| Replayed::Passes);
    }
    let executions = usize::try_from(run.number).unwrap_or(usize::MAX);
    let ran = systematic(run.engine, executions, body)?;
    Ok(if ran < run.number {
        Replayed::Beyond(ran)
    } else {
        Replayed::Passes
    })
}
