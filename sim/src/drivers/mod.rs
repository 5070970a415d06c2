//! Drivers: run a scenario under a scheduler, schedule after schedule, until
//! an oracle breaks or the budget ends; and replay one schedule exactly.
//!
//! | driver | explores | one schedule is named by |
//! |---|---|---|
//! | `random` | uniformly random schedules ([`SeededScheduler`](crate::schedulers::SeededScheduler)) | its seed |
//! | `pct<d>` | PCT with bug depth `d`, also seeded | its seed |
//! | `dfs` | shuttle's depth-first search, bounded by the budget | its execution number |
//! | `loom<b>` | loom, every schedule up to `b` preemptions | its execution number |
//! | `shortloom<b>` | loom over loom-sized parameters its seed draws, the first [`SHORT_LOOM_EXECUTIONS`] schedules up to `b` preemptions | its seed |
//! | `threads` | real threads, the OS scheduler | its seed (parameters only: the OS does not replay) |
//!
//! A seed names everything of its schedule: the scenario's parameters and
//! faults (`Params::from_seed`) and every scheduling choice. Within a
//! campaign, schedule `k` gets the seed `SplitMix64::stream_seed(campaign_seed, k)`,
//! so any one schedule replays alone. DFS and loom use the scenario's default
//! parameters and replay by re-exploring up to the execution's number.

mod loom_driver;
mod shuttle_driver;

pub use loom_driver::{capture_checkpoint, replay_checkpoint};
pub use shuttle_driver::replay_schedule;
mod tally;
mod threads_driver;

use std::any::Any;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use scenarios::{Oracle, Params, Scenario, Size, SplitMix64};
use store::{PlantedBug, StoreOptions};

use crate::coverage::{Coverage, Reached};
use crate::platform::{BlockedThread, Event, SourceSite, format_trace};

/// A scheduler, with its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// Uniformly random schedules.
    Random,
    /// Probabilistic concurrency testing with this bug depth.
    Pct {
        /// Number of priority-change points plus one.
        depth: usize,
    },
    /// Shuttle's depth-first search.
    Dfs,
    /// Loom, exhaustive up to this many preemptions.
    Loom {
        /// Most preemptions in one schedule.
        preemption_bound: usize,
    },
    /// Real threads.
    Threads,
    /// A short loom exploration of the loom-sized parameters a seed names:
    /// the first [`SHORT_LOOM_EXECUTIONS`] schedules, up to this many
    /// preemptions. One "schedule" of this driver is that whole exploration.
    ShortLoom {
        /// Most preemptions in one schedule.
        preemption_bound: usize,
    },
}

/// The largest execution number a run id of a systematic driver (`dfs`,
/// `loom<b>`) may name, and so the largest budget of a systematic
/// campaign. Replaying execution `n` re-explores the `n - 1` before it, so
/// the bound is what keeps every replay finite: about 10 to 30 s at most.
pub const MAX_SYSTEMATIC_EXECUTIONS: u64 = 100_000;

/// Why a run id names no execution of this build. One line, for users.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoSuchRun(String);

/// `n` with a comma every three digits, as reports print counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Schedules one `shortloom` run explores: enough for loom to vary the
/// last few choices of a run, few enough that it costs about as much as
/// twenty seeded shuttle schedules.
pub const SHORT_LOOM_EXECUTIONS: usize = 32;

impl Driver {
    /// The drivers `cargo test` runs every scenario under.
    pub const ALL: [Driver; 5] = [
        Driver::Random,
        Driver::Pct { depth: 3 },
        Driver::Dfs,
        Driver::Loom {
            preemption_bound: 2,
        },
        Driver::Threads,
    ];

    /// Every driver family with its usual setting, and what it does: what
    /// `sim list --drivers` and `sim run --help` show.
    pub const CATALOGUE: [(&'static str, &'static str); 6] = [
        (
            "random",
            "uniformly random schedules; a run is named by its seed",
        ),
        (
            "pct[DEPTH]",
            "probabilistic concurrency testing of bug depth DEPTH (default 3), seeded",
        ),
        (
            "dfs",
            "shuttle's depth-first search; a run is named by its execution number",
        ),
        (
            "loom[BOUND]",
            "loom, every schedule up to BOUND preemptions (default 2); named by execution number",
        ),
        (
            "shortloom[BOUND]",
            "the first 32 loom schedules of the loom-sized parameters a seed draws (default bound 1)",
        ),
        (
            "threads",
            "real threads and the OS scheduler; the seed names the parameters only",
        ),
    ];

    /// The most schedules a campaign of this driver may run, if bounded: a
    /// systematic search's executions are named by their number, which
    /// must replay in bounded time ([`MAX_SYSTEMATIC_EXECUTIONS`]).
    pub fn most_schedules(self) -> Option<u64> {
        (!self.is_seeded()).then_some(MAX_SYSTEMATIC_EXECUTIONS)
    }

    /// Whether schedules are named by seeds (rather than execution numbers).
    pub fn is_seeded(self) -> bool {
        matches!(
            self,
            Driver::Random | Driver::Pct { .. } | Driver::Threads | Driver::ShortLoom { .. }
        )
    }

    /// The parameters of the schedule `number` names.
    pub fn params_for(self, scenario: Scenario, number: u64) -> Params {
        let params = match self {
            Driver::Random | Driver::Pct { .. } | Driver::Threads => {
                Params::from_seed(number, Size::Shuttle)
            }
            Driver::ShortLoom { .. } => Params::from_seed(number, Size::Loom),
            Driver::Dfs => Params::shuttle_default(),
            Driver::Loom { .. } => Params::loom_default(),
        };
        scenario.adapt(params)
    }
}

impl fmt::Display for Driver {
    /// `random`, `pct3`, `dfs`, `loom2`, `threads`: the form run ids use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Driver::Random => f.write_str("random"),
            Driver::Pct { depth } => write!(f, "pct{depth}"),
            Driver::Dfs => f.write_str("dfs"),
            Driver::Loom { preemption_bound } => write!(f, "loom{preemption_bound}"),
            Driver::Threads => f.write_str("threads"),
            Driver::ShortLoom { preemption_bound } => write!(f, "shortloom{preemption_bound}"),
        }
    }
}

impl FromStr for Driver {
    type Err = String;

    /// Parses `random`, `pct` (depth 3), `pct<d>`, `dfs`, `loom` (bound 2),
    /// `loom<b>`, `shortloom` (bound 1), `shortloom<b>`, `threads`.
    fn from_str(text: &str) -> Result<Driver, String> {
        let number = |digits: &str, default: usize| -> Result<usize, String> {
            if digits.is_empty() {
                return Ok(default);
            }
            digits
                .parse()
                .ok()
                .filter(|&value| (1..=16).contains(&value))
                .ok_or_else(|| format!("bad driver setting in {text:?}: expected 1 to 16"))
        };
        match text {
            "random" => Ok(Driver::Random),
            "dfs" => Ok(Driver::Dfs),
            "threads" => Ok(Driver::Threads),
            _ if text.starts_with("pct") => Ok(Driver::Pct {
                depth: number(&text[3..], 3)?,
            }),
            _ if text.starts_with("loom") => Ok(Driver::Loom {
                preemption_bound: number(&text[4..], 2)?,
            }),
            _ if text.starts_with("shortloom") => Ok(Driver::ShortLoom {
                preemption_bound: number(&text[9..], 1)?,
            }),
            _ => Err(format!(
                "unknown driver {text:?}: expected random, pct[DEPTH], dfs, loom[BOUND], \
                 shortloom[BOUND] or threads"
            )),
        }
    }
}

/// The name of one schedule: `scenario:driver:number`, for example
/// `early-close:pct3:0x9e3779b97f4a7c15` or `early-close:loom2:324`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId {
    /// The scenario.
    pub scenario: Scenario,
    /// The driver and its settings.
    pub driver: Driver,
    /// The schedule's seed (seeded drivers) or execution number (dfs, loom).
    pub number: u64,
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.driver.is_seeded() {
            write!(
                f,
                "{}:{}:{:#018x}",
                self.scenario.name(),
                self.driver,
                self.number
            )
        } else {
            write!(
                f,
                "{}:{}:{}",
                self.scenario.name(),
                self.driver,
                self.number
            )
        }
    }
}

impl FromStr for RunId {
    type Err = String;

    fn from_str(text: &str) -> Result<RunId, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [scenario, driver, number] = parts[..] else {
            return Err(format!(
                "malformed run id {text:?}: expected SCENARIO:DRIVER:NUMBER"
            ));
        };
        let scenario = Scenario::from_name(scenario)
            .ok_or_else(|| format!("unknown scenario {scenario:?} (see `sim list`)"))?;
        let driver: Driver = driver.parse()?;
        let parsed = match number.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => number.parse(),
        };
        let number =
            parsed.map_err(|_| format!("malformed number {number:?} in run id {text:?}"))?;
        let run = RunId {
            scenario,
            driver,
            number,
        };
        run.check_number().map_err(|error| error.to_string())?;
        Ok(run)
    }
}

impl RunId {
    /// Whether the number can name an execution at all: any seed can; an
    /// execution number of a systematic search starts at 1, and for DFS,
    /// whose search never ends in practice, stops at
    /// [`MAX_SYSTEMATIC_EXECUTIONS`]. Whether a loom search reaches it is
    /// learnt by running the search ([`run_in_place`]), which ends.
    pub fn check_number(&self) -> Result<(), NoSuchRun> {
        if self.driver.is_seeded() {
            return Ok(());
        }
        if self.number == 0 {
            return Err(NoSuchRun(format!("{}: execution numbers start at 1", self)));
        }
        if self.driver == Driver::Dfs && self.number > MAX_SYSTEMATIC_EXECUTIONS {
            return Err(NoSuchRun(format!(
                "{} names executions 1 to {} of a search (so that every replay ends in bounded \
                 time); {} is past that",
                self.driver,
                thousands(MAX_SYSTEMATIC_EXECUTIONS),
                thousands(self.number)
            )));
        }
        Ok(())
    }

    /// Why execution `self.number` of a systematic search does not exist,
    /// given that the search ran `executions` and its last one `failed`.
    fn past_the_search(
        &self,
        executions: usize,
        failed: bool,
        bug: Option<PlantedBug>,
    ) -> NoSuchRun {
        let planted = bug
            .map(|bug| format!(" with {} planted", bug.name()))
            .unwrap_or_default();
        let (scenario, driver) = (self.scenario.name(), self.driver);
        let asked = thousands(self.number);
        if executions as u64 == MAX_SYSTEMATIC_EXECUTIONS && !failed {
            return NoSuchRun(format!(
                "{driver} names executions 1 to {} of a search (so that every replay ends in \
                 bounded time); the search of {scenario}{planted} goes on past that, but {asked} \
                 is past it",
                thousands(MAX_SYSTEMATIC_EXECUTIONS)
            ));
        }
        NoSuchRun(if failed {
            format!(
                "{driver}'s search of {scenario}{planted} stops at execution {}, which fails; \
                 {asked} is past it (sim replay {scenario}:{driver}:{executions})",
                thousands(executions as u64)
            )
        } else {
            format!(
                "{driver} explores {} executions of {scenario}{planted}; {asked} is past the end",
                thousands(executions as u64)
            )
        })
    }
}

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
    fn params_for(&self, number: u64) -> Params {
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
    fn run_per_seed(&self, run_one: impl Fn(u64, &Params, &StoreOptions) -> Execution) -> Report {
        let options = store_options(self.planted_bug);
        let mut report = Report::default();
        for index in 0..self.schedules {
            let seed = self.schedule_seed(index);
            crate::flight::schedule_begins(seed);
            let execution = run_one(seed, &self.params_for(seed), &options);
            report.schedules_run += 1;
            report.coverage.add(execution.reached);
            if execution.violation.is_some() {
                report.failure = Some(self.failure(index + 1, seed, execution));
                break;
            }
        }
        report
    }

    /// The report of a systematic exploration that ran `executions`, the
    /// last of which is `last`.
    fn systematic_report(&self, executions: usize, coverage: Coverage, last: Execution) -> Report {
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
        on_fresh_thread(|| self.run_here())
    }

    fn run_here(&self) -> Report {
        let started = std::time::Instant::now();
        let mut report = match self.driver {
            Driver::Random | Driver::Pct { .. } => self.run_per_seed(|seed, params, options| {
                shuttle_driver::run_one_seeded(self.scenario, self.driver, seed, params, options)
            }),
            Driver::Threads => self.run_per_seed(|_, params, options| {
                threads_driver::run_one(self.scenario, params, options)
            }),
            Driver::ShortLoom { preemption_bound } => self.run_per_seed(|_, params, options| {
                loom_driver::run_short(self.scenario, preemption_bound, params, options)
            }),
            Driver::Dfs => shuttle_driver::run_dfs(self),
            Driver::Loom { preemption_bound } => loom_driver::run(self, preemption_bound),
        };
        report.elapsed = started.elapsed();
        report
    }
}

/// The store's options for a run with `planted_bug` planted; the scenario
/// sets the chunk size and retry policy its parameters name.
pub fn store_options(planted_bug: Option<PlantedBug>) -> StoreOptions {
    StoreOptions::default().with_planted_bug(planted_bug)
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

/// One execution of a scenario: its trace, and what went wrong, if anything.
#[derive(Clone, Debug, Default)]
pub struct Execution {
    /// Every event, in order.
    pub trace: Vec<Event>,
    /// The broken oracle, if any.
    pub violation: Option<Violation>,
    /// The situations worth reaching that it reached.
    pub reached: Reached,
    /// Shuttle's serialised schedule of the execution (shuttle drivers only).
    pub shuttle_schedule: Option<String>,
}

/// What kind of thing broke a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breach {
    /// An oracle broke.
    Oracle(Oracle),
    /// The store panicked: an `assert!`, an `unwrap`, an index out of bounds.
    StorePanicked,
    /// Something else panicked and stopped the run: the scheduler (a
    /// deadlock it saw first, its step bound) or the harness itself.
    RunStopped,
}

impl Breach {
    /// Every breach.
    pub fn all() -> impl Iterator<Item = Breach> {
        Oracle::ALL
            .into_iter()
            .map(Breach::Oracle)
            .chain([Breach::StorePanicked, Breach::RunStopped])
    }

    /// The breach's name: an oracle's, `store-panicked` or `run-stopped`.
    pub fn name(self) -> &'static str {
        match self {
            Breach::Oracle(oracle) => oracle.name(),
            Breach::StorePanicked => "store-panicked",
            Breach::RunStopped => "run-stopped",
        }
    }

    /// The breach called `name`.
    pub fn from_name(name: &str) -> Option<Breach> {
        Breach::all().find(|breach| breach.name() == name)
    }

    /// What it means, in words.
    pub fn description(self) -> &'static str {
        match self {
            Breach::Oracle(oracle) => oracle.description(),
            Breach::StorePanicked => "the store must not panic",
            Breach::RunStopped => "the run was stopped by a panic outside the store",
        }
    }
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What broke in an execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What kind of thing broke.
    pub breach: Breach,
    /// The thread that broke it.
    pub thread: String,
    /// The kind of breach in a few fixed words (for a panic: `panic`).
    pub kind: &'static str,
    /// What happened, in words.
    pub what: String,
    /// Where in the source it happened, where that is part of the breach:
    /// a panic, or a wait under a lock.
    pub site: Option<SourceSite>,
    /// Threads blocked at the moment of failure, with where they wait.
    pub blocked: Vec<BlockedThread>,
}

impl Violation {
    /// The violation an oracle raised.
    pub fn of_oracle(violation: &scenarios::Violation, blocked: Vec<BlockedThread>) -> Violation {
        Violation {
            breach: Breach::Oracle(violation.oracle),
            thread: violation.thread.clone(),
            kind: violation.kind,
            what: violation.what.clone(),
            site: violation.at.map(SourceSite::of),
            blocked,
        }
    }

    /// Classifies the panic that ended a run: a violation an oracle raised,
    /// or a panic of the store or of something else, told apart by where it
    /// happened (`site`, from the panic hook).
    pub fn from_panic(
        payload: &(dyn Any + Send),
        thread: &str,
        site: Option<SourceSite>,
        blocked: Vec<BlockedThread>,
    ) -> Violation {
        if let Some(violation) = scenarios::Violation::of_panic(payload) {
            return Violation::of_oracle(violation, blocked);
        }
        let in_store = site
            .as_ref()
            .is_some_and(|site| site.file.starts_with("store/"));
        // A message that names no oracle is cut to its first line: shuttle
        // and loom can panic with kilobytes of their internal state.
        let message = crate::corpus::one_line(&scenarios::panic_message(payload));
        Violation {
            breach: if in_store {
                Breach::StorePanicked
            } else {
                Breach::RunStopped
            },
            thread: thread.to_owned(),
            kind: "panic",
            what: match &site {
                Some(site) => format!("panicked at {site}: {message}"),
                None => format!("panicked: {message}"),
            },
            site,
            blocked,
        }
    }
}

impl fmt::Display for Violation {
    /// `VIOLATION [breach] thread: what`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VIOLATION [{}] {}: {}",
            self.breach, self.thread, self.what
        )
    }
}

/// A failing schedule of a campaign.
#[derive(Clone, Debug)]
pub struct Failure {
    /// 1-based number of the failing schedule within its campaign.
    pub schedule: usize,
    /// The failing schedule's name; `None` when the campaign overrode the
    /// parameters, so the id would not rebuild them.
    pub run: Option<RunId>,
    /// The bug planted in the run, if any.
    pub planted_bug: Option<PlantedBug>,
    /// The failing execution.
    pub execution: Execution,
}

impl Failure {
    /// What broke.
    pub fn violation(&self) -> &Violation {
        self.execution
            .violation
            .as_ref()
            .expect("a failure has a violation")
    }

    /// What broke.
    pub fn breach(&self) -> Breach {
        self.violation().breach
    }

    /// The command line that replays this failure, if it has one.
    pub fn replay_command(&self) -> Option<String> {
        let run = self.run?;
        let plant = self
            .planted_bug
            .map(|bug| format!(" --plant {}", bug.name()))
            .unwrap_or_default();
        Some(format!("sim replay {run}{plant}"))
    }
}

impl fmt::Display for Failure {
    /// The full report: the oracle in words, the message, blocked threads,
    /// the trace, the replay line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let violation = self.violation();
        writeln!(f, "FAILURE: {}", violation.breach.description())?;
        writeln!(f, "  oracle:  {}", violation.breach)?;
        writeln!(f, "  what:    {violation}")?;
        if let Some(bug) = self.planted_bug {
            writeln!(f, "  planted: {}", bug.name())?;
        }
        for blocked in &violation.blocked {
            writeln!(f, "  blocked: {blocked}")?;
        }
        writeln!(f, "  trace ({} events):", self.execution.trace.len())?;
        for line in format_trace(&self.execution.trace).lines() {
            writeln!(f, "  {line}")?;
        }
        match self.replay_command() {
            Some(command) => write!(f, "  replay:  {command}"),
            None => write!(
                f,
                "  replay:  (parameters were overridden; no run id rebuilds them)"
            ),
        }
    }
}

/// Runs `body` on a new OS thread and returns what it returns (or goes on
/// with its panic). Each campaign and replay starts on a clean thread: after
/// a failing execution is torn down, shuttle can leave its OS thread
/// counting as panicking (a task switched out while unwinding), which
/// would break every later run on that thread. A campaign stops at its
/// first failure, so no thread sees more than one.
pub fn on_fresh_thread<T: Send>(body: impl FnOnce() -> T + Send) -> T {
    /// The main thread's usual stack: loom runs the scenario's main thread on it.
    const STACK_BYTES: usize = 8 << 20;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("campaign".to_owned())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, body)
            .unwrap_or_else(|error| panic!("cannot start a campaign thread: {error}"));
        worker
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    })
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
    run.check_number()?;
    let params = run.driver.params_for(run.scenario, run.number);
    let options = store_options(bug);
    let (executions, execution) = match run.driver {
        Driver::Random | Driver::Pct { .. } => {
            return Ok(shuttle_driver::run_one_seeded(
                run.scenario,
                run.driver,
                run.number,
                &params,
                &options,
            ));
        }
        Driver::Threads => return Ok(threads_driver::run_one(run.scenario, &params, &options)),
        Driver::ShortLoom { preemption_bound } => {
            return Ok(loom_driver::run_short(
                run.scenario,
                preemption_bound,
                &params,
                &options,
            ));
        }
        Driver::Dfs => {
            shuttle_driver::replay_dfs(run.scenario, run.number as usize, &params, &options)
        }
        Driver::Loom { preemption_bound } => loom_driver::replay(
            run.scenario,
            preemption_bound,
            run.number.min(MAX_SYSTEMATIC_EXECUTIONS) as usize,
            &params,
            &options,
        ),
    };
    if executions as u64 == run.number {
        return Ok(execution);
    }
    Err(run.past_the_search(executions, execution.violation.is_some(), bug))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(file: &str) -> Option<SourceSite> {
        Some(SourceSite {
            file: file.to_owned(),
            line: 7,
            column: 9,
        })
    }

    #[test]
    fn a_raised_violation_keeps_its_oracle() {
        let raised = scenarios::Violation::new(Oracle::NoLeak, "main", "still open", "file #0");
        let payload: Box<dyn Any + Send> = Box::new(raised);
        let violation = Violation::from_panic(payload.as_ref(), "main", None, Vec::new());
        assert_eq!(violation.breach, Breach::Oracle(Oracle::NoLeak));
        assert_eq!(violation.kind, "still open");
    }

    #[test]
    fn a_panic_in_the_store_is_a_store_panic_with_its_location() {
        let payload: Box<dyn Any + Send> = Box::new("index out of bounds");
        let violation = Violation::from_panic(
            payload.as_ref(),
            "reader-A0",
            site("store/src/store.rs"),
            Vec::new(),
        );
        assert_eq!(violation.breach, Breach::StorePanicked);
        assert!(
            violation.what.contains("store/src/store.rs:7:9"),
            "{violation}"
        );
    }

    #[test]
    fn a_panic_elsewhere_stops_the_run() {
        let payload: Box<dyn Any + Send> =
            Box::new("deadlock! blocked tasks: [main-thread]".to_owned());
        let shuttle = site("/registry/shuttle-engine-0.1.8/src/runtime/execution.rs");
        let violation = Violation::from_panic(payload.as_ref(), "main", shuttle, Vec::new());
        assert_eq!(violation.breach, Breach::RunStopped);
    }

    #[test]
    fn breaches_name_themselves_and_parse_back() {
        for breach in Breach::all() {
            assert_eq!(Breach::from_name(breach.name()), Some(breach));
        }
    }

    #[test]
    fn run_ids_print_and_parse_back() {
        for text in [
            "early-close:pct3:0x00000000000000ff",
            "stress:loom2:324",
            "disk-full:random:0x0000000000000001",
            "stress:shortloom2:0x00000000000000ff",
        ] {
            let id: RunId = text.parse().expect("valid id");
            assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn malformed_run_ids_get_one_line_errors() {
        for bad in [
            "",
            "early-close",
            "nope:random:1",
            "early-close:warp:1",
            "early-close:random:zz",
            "stress:dfs:0",
        ] {
            let error = bad.parse::<RunId>().expect_err(bad);
            assert!(!error.contains('\n') && !error.is_empty(), "{bad}: {error}");
        }
    }

    #[test]
    fn driver_names_parse_with_defaults() {
        assert_eq!("pct".parse::<Driver>(), Ok(Driver::Pct { depth: 3 }));
        assert_eq!(
            "loom".parse::<Driver>(),
            Ok(Driver::Loom {
                preemption_bound: 2
            })
        );
        assert_eq!(
            "loom3".parse::<Driver>(),
            Ok(Driver::Loom {
                preemption_bound: 3
            })
        );
        assert_eq!(
            "shortloom".parse::<Driver>(),
            Ok(Driver::ShortLoom {
                preemption_bound: 1
            })
        );
        assert!("pct0".parse::<Driver>().is_err());
    }
}
