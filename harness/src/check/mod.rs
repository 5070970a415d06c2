//! Running a body under the engines (feature `model`).
//!
//! ```ignore
//! #[test]
//! fn close_wakes_every_consumer() {
//!     Check::new().assert(|| { /* make, spawn, join, assert */ });
//! }
//! ```
//!
//! [`Check::assert`] runs the body under each engine in turn and panics
//! with the first failure: its message, the last facts of the run, and the
//! line that replays it. Three variables steer a check without a rebuild:
//!
//! | variable | what |
//! |---|---|
//! | `HARNESS_RUN` | replay this one run (as a failure prints it), and nothing else |
//! | `HARNESS_SCHEDULES` | schedules per engine, at least 1 (a nightly job sets it high) |
//! | `HARNESS_SEED` | the seed the seeded engines' schedules derive from |

mod engine;
mod panic_hook;
mod run;
mod stall;
mod swarm;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use crate::model::causality::{CellAccess, DataRace};
pub use crate::model::deadlock::{Deadlock, Stuck, StuckOn};
pub use crate::model::endless::{
    Endless, LOOM_MAX_BRANCHES, MAX_OPERATIONS, MODEL_LOOM_MAX_BRANCHES, Past,
    SPIN_ON_A_STALE_VALUE_UNDER_LOOM,
};
pub use crate::model::facts::{
    AtomicAccess, FACTS_KEPT, Fact, Op, QueueCall, Recorded, ThreadKey, TimedEnd,
};
pub use crate::model::join_panics::joins_take_panics;
pub use crate::model::liveness::{
    Blocking, BlockingViolation, allow_waits_under_lock, never_waits, never_waits_begins,
    never_waits_ends,
};
pub use crate::model::local::LOCALS_DROPPED_UNDER_LOOM;
pub use crate::model::outsider::{ForeignThread, MadeElsewhere};
pub use crate::model::quiescence::{Quiescence, WaitBegins};
pub use crate::model::scope::{NotModelled, SCOPE_UNDER_LOOM};
pub use crate::model::sync::SPURIOUS_WAKEUPS_ONE_IN;
pub use crate::model::sync::{
    DOWNGRADE_UNDER_SHUTTLE_AND_LOOM, LOCK_AFTER_A_PANIC_UNDER_LOOM,
    NESTED_READ_OUTLIVES_ITS_HOLD_UNDER_SHUTTLE_AND_LOOM,
};
pub use crate::model::thread::{MORE_THAN_FIVE_THREADS_UNDER_LOOM, PARALLELISM_IN_A_RUN};
pub use crate::model::turns::READY_THREAD_DELAY_MAX;
pub use crate::model::written::Written;
pub use engine::{DEFAULT_PCT_STEP_BOUND, Engine, MEASURED_PCT_STEP_BOUND, ParseError, RunId};
pub(crate) use panic_hook::install as install_panic_hook;
pub use panic_hook::{PanicHook, wrap_panic_hook};
pub use run::{
    MAX_STEPS, MODEL_MAX_STEPS, SYSTEMATIC_DATA_SEED, THREADS_WATCHDOG, URW_EXECUTIONS_PER_RUN,
    loom_model, on_fresh_thread, shuttle_config,
};
pub use stall::STALL_LIMIT;
pub use swarm::{Campaign, Swarm};

use crate::coverage::{Classifier, Reached, Situation, Tally};
use crate::model::execution;
use crate::panics::Raised;
use crate::schedule::SplitMix64;
use run::{Body, Broke, Replayed, body_of_a_check};

/// Notes a step of the body's own among the run's facts (`Op::Note`), so
/// that a failure's last facts show it beside the facade's: a call of the
/// component beginning, a phase reached. It is no scheduling point.
/// Outside a run it does nothing.
#[track_caller]
pub fn note(what: &'static str) {
    crate::model::execution::record(Op::Note(what), std::panic::Location::caller());
}

/// Records `value`, a step of the code under test's own, among the run's
/// facts (`Op::Recorded`): a failure shows it by its `Debug`, and a
/// subject's classifier reads it back by its type
/// ([`Recorded::get`](crate::check::Recorded::get)), never by its text.
/// It is no scheduling point. Outside a run it does nothing.
///
/// ```
/// # use harness::check::{Check, Op};
/// #[derive(Debug, PartialEq)]
/// enum Call { Push(u32), Pop }
///
/// Check::new().schedules(1).assert(|| {
///     harness::check::record(Call::Push(7));
///     harness::check::record(Call::Pop);
/// });
/// ```
#[track_caller]
pub fn record<T: std::any::Any + std::fmt::Debug + PartialEq + Send + Sync>(value: T) {
    let at = std::panic::Location::caller();
    if execution::current().is_some() {
        execution::record(Op::Recorded(Recorded::new(value)), at);
    }
}

/// From now on in the calling thread's run, `judge` judges each quiescent
/// moment: every live thread waits, so nothing but time can move the run
/// (the threads in a timed wait, a timed park or a sleep), or nothing at
/// all (none is: a deadlock, which the judge may explain). Such a moment is
/// where a component's liveness is judged: a thread that waits there must
/// have a reason to, even if a timeout or a close would free it later. The
/// judge fails the run as any oracle does (a panic, or
/// [`raise`](crate::panics::raise)), and must take no lock of the facade
/// and wait on nothing. Call it first in the body, once per run: waits
/// are booked from then on (until then the book costs nothing), and a
/// thread that waited or ended before counts as running, so fewer moments
/// are seen. Outside a run it does nothing.
///
/// Moments are found under shuttle's and loom's engines, which run one
/// thread at a time; on real threads (`Engine::Threads`) none is judged.
/// The book of waits errs towards running (a `notify_one` frees every
/// waiter of its condition variable, a thread waiting for a lock runs), so
/// a moment judged is quiescent, and some go unjudged.
///
/// ```
/// # use harness::check::{Check, Quiescence};
/// Check::new().schedules(10).assert(|| {
///     harness::check::at_quiescence(|moment: &Quiescence| {
///         assert!(moment.blocked().is_empty(), "nothing but the sleep waits");
///     });
///     harness::thread::sleep(std::time::Duration::from_secs(1));
/// });
/// ```
pub fn at_quiescence(judge: impl Fn(&Quiescence) + Send + Sync + 'static) {
    if let Some(run) = execution::current() {
        run.judge_quiescence_with(Arc::new(judge));
    }
}

/// Registers `judge` to judge each wait of the run as it begins (a
/// condition variable's wait, timed or not, a park, a join, a sleep), by
/// the thread about to wait, while other threads may still be running: the
/// place for a bound that must hold whenever a thread waits (a count of
/// the callers inside, each timeout within its limit). As with
/// [`at_quiescence`], the judge fails the run as any oracle does, takes no
/// lock of the facade and waits on nothing, reads the component's atomics
/// with [`peek`], and is registered first in the body, once per run. Judged
/// under shuttle's and loom's engines only; outside a run it does nothing.
///
/// ```
/// # use harness::check::{Check, WaitBegins};
/// # use std::time::Duration;
/// Check::new().schedules(10).assert(|| {
///     harness::check::at_each_wait(|wait: &WaitBegins| {
///         assert!(wait.timeout() <= Some(Duration::from_secs(1)), "a wait longer than a second");
///     });
///     harness::thread::sleep(Duration::from_millis(10));
/// });
/// ```
pub fn at_each_wait(judge: impl Fn(&WaitBegins) + Send + Sync + 'static) {
    if let Some(run) = execution::current() {
        run.judge_waits_with(Arc::new(judge));
    }
}

/// Runs `read` unseen, for a judge that holds the component's own view
/// against what the run saw: inside, an atomic's load reads the latest
/// value in its modification order, with no scheduling point and no fact,
/// and any other call of the facade panics (it would let another thread
/// run). A judge of a quiescent moment reads a count kept in atomics so.
///
/// ```
/// # use harness::check::Check;
/// # use harness::sync::atomic::{AtomicU64, Ordering};
/// Check::new().schedules(10).assert(|| {
///     let count = AtomicU64::new(3);
///     assert_eq!(harness::check::peek(|| count.load(Ordering::Relaxed)), 3);
/// });
/// ```
pub fn peek<T>(read: impl FnOnce() -> T) -> T {
    crate::model::peek::peek(read)
}

/// Whether the calling run's engine lets a load read an older value than
/// the latest stored (loom's, which models weak memory). A judge that holds
/// counts the component loaded against what the run saw skips such runs,
/// where a stale load is no bug; `false` outside a run.
pub fn memory_is_weak() -> bool {
    execution::current().is_some_and(|run| run.flavour() == execution::Flavour::Loom)
}

/// The calling thread's key in its run (as facts and quiescent moments
/// name it), or `None` outside a run.
pub fn thread_key() -> Option<ThreadKey> {
    execution::current().map(|run| run.thread_key())
}

/// The seed the calling run's data derives from, the same in every replay
/// of the run: the run's own seed under the seeded engines (random, PCT,
/// URW, real threads), so that a search varies the body's shape (how many
/// threads, how large a queue) with its schedule;
/// [`SYSTEMATIC_DATA_SEED`] under DFS and loom, which search the schedules
/// of one shape, and outside a run.
///
/// ```ignore
/// let mut draws = SplitMix64::new(harness::check::data_seed());
/// let producers = 1 + draws.below(4);
/// ```
pub fn data_seed() -> u64 {
    crate::model::execution::current().map_or(SYSTEMATIC_DATA_SEED, |run| run.data_seed())
}

/// Schedules per engine a check runs unless told otherwise.
pub const DEFAULT_SCHEDULES: usize = 1_000;

/// A search of a body's schedules, under one engine after another.
#[derive(Clone, Debug)]
pub struct Check {
    engines: Vec<Engine>,
    schedules: usize,
    seed: u64,
}

/// What a check ran, engine by engine, when nothing failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Each engine with the schedules it ran.
    pub runs: Vec<(Engine, u64)>,
    /// Each engine left out, with what the body does that it has no model
    /// of (a scope under loom): it ran one schedule, to that point.
    pub not_modelled: Vec<(Engine, NotModelled)>,
}

/// What a check with coverage found: the situations its runs reached.
#[derive(Debug)]
pub struct Covered<S: Situation> {
    /// How many of the executions that passed reached each situation.
    pub tally: Tally<S>,
    /// The executions that passed, every engine's: a URW run is
    /// [`URW_EXECUTIONS_PER_RUN`] of them, and measuring a PCT step bound
    /// takes one more.
    pub executions: u64,
    /// What the check found.
    pub outcome: Result<Summary, Error>,
}

/// The first failure of a check.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The run that failed: replay it with [`Check::replay`] or `HARNESS_RUN`.
    pub run: RunId,
    /// Schedules its engine ran up to and including it.
    pub schedules: u64,
    /// What broke: the panic's message.
    pub message: String,
    /// The value the run's panic was raised with ([`crate::panics::raise`]; the
    /// model's own oracles raise a [`BlockingViolation`]), if it was: what
    /// broke, typed, to read back with [`Raised::get`] rather than from
    /// the message.
    pub raised: Option<Raised>,
    /// The run's last facts, oldest first.
    pub facts: Vec<Fact>,
    /// How many facts came before those.
    pub facts_dropped: u64,
    /// The names the run's threads were spawned with
    /// (`thread::Builder::name`), by thread: the facts show each beside
    /// its thread's number.
    pub thread_names: BTreeMap<ThreadKey, String>,
}

impl Failure {
    /// The run's length in operations of the facade: every fact it
    /// recorded, kept or not. A shrink looks for the same failure in fewer.
    pub fn operations(&self) -> u64 {
        self.facts_dropped + self.facts.len() as u64
    }

    /// What makes two failures one bug: the first line of the message with
    /// its numbers taken out (thread and task numbers, counts, addresses
    /// differ between runs of one bug).
    pub fn signature(&self) -> String {
        let first_line = self.message.lines().next().unwrap_or_default();
        first_line.chars().filter(|c| !c.is_ascii_digit()).collect()
    }
}

/// Why a shrink has nothing to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// The run passes now: the code changed, or it runs on real threads.
    PassesNow(RunId),
    /// The name is no run's.
    NoSuchRun(NoSuchRun),
}

impl fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShrinkError::PassesNow(run) => {
                write!(f, "{run} passes now: there is nothing to shrink")
            }
            ShrinkError::NoSuchRun(no_such_run) => no_such_run.fmt(f),
        }
    }
}

impl std::error::Error for ShrinkError {}

/// Why a replay did not pass.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ReplayError {
    /// The run fails.
    Found(Box<Failure>),
    /// The name is no run's.
    NoSuchRun(NoSuchRun),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Found(failure) => failure.fmt(f),
            ReplayError::NoSuchRun(no_such_run) => no_such_run.fmt(f),
        }
    }
}

impl std::error::Error for ReplayError {}

impl From<ReplayError> for Error {
    fn from(error: ReplayError) -> Error {
        match error {
            ReplayError::Found(failure) => Error::Found(failure),
            ReplayError::NoSuchRun(no_such_run) => Error::NoSuchRun(no_such_run),
        }
    }
}

/// A run of DFS or loom numbered past the last execution of its engine's
/// search of the body: the name is no run's. (Every seed names a run of a
/// seeded engine.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoSuchRun {
    /// The name.
    pub run: RunId,
    /// How many executions the search has.
    pub executions: u64,
}

impl fmt::Display for NoSuchRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} names no run: {}'s search of this body ends after {} execution(s), passing",
            self.run, self.run.engine, self.executions
        )
    }
}

/// Why a check did not pass.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// A run failed.
    Found(Box<Failure>),
    /// No engine of the check models the body: each, with what it has
    /// no model of.
    NotModelled(Vec<(Engine, NotModelled)>),
    /// The check has no engine to run: it would pass having run nothing.
    NoEngines,
    /// A variable that steers checks names nothing.
    BadVariable {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The run to replay is no run's.
    NoSuchRun(NoSuchRun),
}

impl Default for Check {
    fn default() -> Check {
        Check::new()
    }
}

impl Check {
    /// Every engine of [`Engine::DEFAULT`], [`DEFAULT_SCHEDULES`] each, seed 0.
    pub fn new() -> Check {
        Check {
            engines: Engine::DEFAULT.to_vec(),
            schedules: DEFAULT_SCHEDULES,
            seed: 0,
        }
    }

    /// Only these engines, in this order.
    pub fn engines(self, engines: impl IntoIterator<Item = Engine>) -> Check {
        Check {
            engines: engines.into_iter().collect(),
            ..self
        }
    }

    /// At most `schedules` schedules per engine (at least one).
    pub fn schedules(self, schedules: usize) -> Check {
        Check {
            schedules: schedules.max(1),
            ..self
        }
    }

    /// The seed the seeded engines' schedules derive from.
    pub fn seed(self, seed: u64) -> Check {
        Check { seed, ..self }
    }

    /// Runs `body` under each engine until one fails. `HARNESS_RUN`,
    /// `HARNESS_SCHEDULES` and `HARNESS_SEED` override the check's own
    /// settings.
    pub fn run(&self, body: impl Fn() + Send + Sync + 'static) -> Result<Summary, Error> {
        let body = body_of_a_check(body);
        let check = self.steered()?;
        if let Some(run) = variable::<RunId>("HARNESS_RUN")? {
            return replay_body(run, &body)
                .map(|()| Summary {
                    runs: vec![(run.engine, 1)],
                    not_modelled: Vec::new(),
                })
                .map_err(|error| {
                    let error = Error::from(error);
                    match not_modelled(&error) {
                        Some(why) => Error::NotModelled(vec![(run.engine, why)]),
                        None => error,
                    }
                });
        }
        if check.engines.is_empty() {
            return Err(Error::NoEngines);
        }
        let mut summary = Summary {
            runs: Vec::new(),
            not_modelled: Vec::new(),
        };
        for &engine in &check.engines {
            match check.search(engine, &body) {
                Ok(schedules) => summary.runs.push((engine, schedules)),
                Err(error) => match not_modelled(&error) {
                    Some(why) => summary.not_modelled.push((engine, why)),
                    None => return Err(error),
                },
            }
        }
        if summary.runs.is_empty() && !summary.not_modelled.is_empty() {
            return Err(Error::NotModelled(summary.not_modelled));
        }
        Ok(summary)
    }

    /// Runs `body` as [`Check::run`] does, and classifies each run by a
    /// fresh `C`: how many executions reached each of its situations, and
    /// what the search found. An execution is counted when the body
    /// returns, so one that fails is not, and a fact recorded by a thread
    /// the body did not join is seen only if it came first.
    pub fn coverage<C: Classifier>(
        &self,
        body: impl Fn() + Send + Sync + 'static,
    ) -> Covered<C::Situation> {
        let counted = Arc::new(Mutex::new((Tally::new(), 0)));
        let counting = Arc::clone(&counted);
        let outcome = self.run(move || {
            let classified = Arc::new(Mutex::new((C::default(), Reached::none())));
            if let Some(run) = execution::current() {
                let seeing = Arc::clone(&classified);
                run.observe(Box::new(move |fact| {
                    let (classifier, reached) = &mut *locked(&seeing);
                    classifier.see(fact, reached);
                }));
            }
            body();
            let reached = locked(&classified).1.clone();
            let (tally, executions) = &mut *locked(&counting);
            tally.add(&reached);
            *executions += 1;
        });
        let (tally, executions) = locked(&counted).clone();
        Covered {
            tally,
            executions,
            outcome,
        }
    }

    /// Runs `body` as [`Check::run`] does, and panics with the failure
    /// and the command that replays it (`cargo test` of the calling test).
    #[track_caller]
    pub fn assert(&self, body: impl Fn() + Send + Sync + 'static) {
        match self.run(body) {
            Ok(_) => {}
            Err(Error::Found(failure)) => {
                let test = std::thread::current().name().unwrap_or("TEST").to_owned();
                panic!(
                    "{failure}replay it: HARNESS_RUN={} cargo test {test}",
                    failure.run
                );
            }
            Err(error) => panic!("{error}"),
        }
    }

    /// Replays the one run `run` names: `Ok` if it passes now, or why not:
    /// its failure, or that it names an execution of DFS or loom past the
    /// last of their search.
    pub fn replay(run: RunId, body: impl Fn() + Send + Sync + 'static) -> Result<(), ReplayError> {
        let body = body_of_a_check(body);
        replay_body(run, &body)
    }

    /// The shortest failure like `run`'s that `attempts` more seeds of its
    /// engine find: the same [`signature`](Failure::signature), in the
    /// fewest [`operations`](Failure::operations); `run`'s own if none is
    /// shorter. A
    /// run of DFS or loom is already the first of its search.
    pub fn shrink(
        run: RunId,
        attempts: usize,
        body: impl Fn() + Send + Sync + 'static,
    ) -> Result<Box<Failure>, ShrinkError> {
        let body = body_of_a_check(body);
        let failing = |run: RunId| match replay_body(run, &body) {
            Ok(()) => Err(ShrinkError::PassesNow(run)),
            Err(ReplayError::Found(failure)) => Ok(failure),
            Err(ReplayError::NoSuchRun(no_such_run)) => Err(ShrinkError::NoSuchRun(no_such_run)),
        };
        let mut shortest = failing(run)?;
        if !run.engine.is_seeded() {
            return Ok(shortest);
        }
        let signature = shortest.signature();
        for attempt in 0..attempts as u64 {
            let candidate = RunId {
                engine: run.engine,
                number: SplitMix64::stream_seed(run.number, attempt),
            };
            if let Ok(failure) = failing(candidate) {
                if failure.signature() == signature && failure.operations() < shortest.operations()
                {
                    shortest = failure;
                }
            }
        }
        Ok(shortest)
    }

    /// This check as the environment's variables steer it.
    fn steered(&self) -> Result<Check, Error> {
        let mut check = self.clone();
        // Zero would run one schedule and pass: a nightly job's typo.
        if let Some(schedules) = variable::<std::num::NonZeroUsize>("HARNESS_SCHEDULES")? {
            check = check.schedules(schedules.get());
        }
        if let Some(seed) = variable::<Seed>("HARNESS_SEED")? {
            check = check.seed(seed.0);
        }
        Ok(check)
    }

    /// One engine's search: the schedules it ran, or its first failure.
    fn search(&self, engine: Engine, body: &Body) -> Result<u64, Error> {
        if !engine.is_seeded() {
            return run::systematic(engine, self.schedules, body).map_err(|broke| {
                let schedules = broke.number;
                found(engine, schedules, broke)
            });
        }
        // A measured PCT bound is where the search starts; one the engine
        // names stays as named.
        let measured = matches!(
            engine,
            Engine::Pct { step_bound, .. } if step_bound == MEASURED_PCT_STEP_BOUND
        );
        let engine = run::with_measured_bound(engine, body);
        let seeds = (0..self.schedules as u64)
            .map(|index| SplitMix64::stream_seed(self.seed, index))
            .collect();
        run::seeded_search(engine, measured, seeds, body)
            .map_err(|(schedules, engine, broke)| found(engine, schedules, broke))
    }
}

/// `mutex`'s value: a classifier's state stays whole even if a run
/// panicked while it was held (the lock is never held across the body).
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Replays `run`: `Ok` if it passes now, or why not.
fn replay_body(run: RunId, body: &Body) -> Result<(), ReplayError> {
    match run::replay(run, body) {
        Ok(Replayed::Passes) => Ok(()),
        Ok(Replayed::Beyond(executions)) => {
            Err(ReplayError::NoSuchRun(NoSuchRun { run, executions }))
        }
        // A systematic replay ran its search up to the failure.
        Err(broke) => {
            let schedules = if run.engine.is_seeded() {
                1
            } else {
                broke.number
            };
            Err(ReplayError::Found(failure(run.engine, schedules, broke)))
        }
    }
}

/// What the body does that the engine has no model of, if that is what
/// ended `error`'s run.
fn not_modelled(error: &Error) -> Option<NotModelled> {
    match error {
        Error::Found(failure) => failure.raised.as_ref()?.get::<NotModelled>().copied(),
        Error::NotModelled(_)
        | Error::NoEngines
        | Error::BadVariable { .. }
        | Error::NoSuchRun(_) => None,
    }
}

/// The error a check ends with when `broke`, of `engine`, failed after
/// `schedules` schedules.
fn found(engine: Engine, schedules: u64, broke: Broke) -> Error {
    Error::Found(failure(engine, schedules, broke))
}

/// The failure `broke` is, of `engine` after `schedules` schedules.
fn failure(engine: Engine, schedules: u64, broke: Broke) -> Box<Failure> {
    let (facts, facts_dropped, thread_names) = broke
        .run
        .map(|run| {
            let (facts, dropped) = run.facts();
            (facts, dropped, run.thread_names())
        })
        .unwrap_or_default();
    Box::new(Failure {
        run: RunId {
            engine,
            number: broke.number,
        },
        schedules,
        message: broke.panic.message,
        raised: broke.panic.raised,
        facts,
        facts_dropped,
        thread_names,
    })
}

/// A seed given as a number, decimal or `0x` hex.
struct Seed(u64);

impl std::str::FromStr for Seed {
    type Err = String;

    fn from_str(given: &str) -> Result<Seed, String> {
        let parsed = match given.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => given.parse(),
        };
        parsed.map(Seed).map_err(|e| e.to_string())
    }
}

/// The variable `name`, parsed, if set.
fn variable<T: std::str::FromStr>(name: &'static str) -> Result<Option<T>, Error>
where
    T::Err: fmt::Display,
{
    let Ok(value) = std::env::var(name) else {
        return Ok(None);
    };
    value
        .parse()
        .map(Some)
        .map_err(|e: T::Err| Error::BadVariable {
            name,
            reason: e.to_string(),
            value,
        })
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} failed, after {} schedule(s) of {}: {}",
            self.run, self.schedules, self.run.engine, self.message
        )?;
        if !self.facts.is_empty() {
            writeln!(
                f,
                "the run's last {} facts, oldest first:",
                self.facts.len()
            )?;
            if self.facts_dropped > 0 {
                writeln!(f, "  ({} earlier facts not kept)", self.facts_dropped)?;
            }
            for fact in &self.facts {
                let name = self.thread_names.get(&fact.thread).map(String::as_str);
                writeln!(f, "  {}", fact.named(name))?;
            }
        }
        if !self.run.engine.replays_exactly() {
            writeln!(f, "(real threads: a replay may be scheduled otherwise)")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Found(failure) => failure.fmt(f),
            Error::NotModelled(engines) => {
                write!(f, "no engine of the check models the body:")?;
                for (engine, not_modelled) in engines {
                    write!(f, " {engine}: {not_modelled};")?;
                }
                write!(f, " check it with other engines")
            }
            Error::NoEngines => write!(
                f,
                "the check has no engine, so it would pass having run nothing: name at least \
                 one (`Engine::DEFAULT` has all six)"
            ),
            Error::BadVariable {
                name,
                value,
                reason,
            } => write!(f, "{name}={value:?} names nothing: {reason}"),
            Error::NoSuchRun(no_such_run) => no_such_run.fmt(f),
        }
    }
}

impl std::error::Error for Error {}
