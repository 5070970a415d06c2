//! The tools a kernel runs under, and one search of one tool: the
//! schedules it ran and whether, and where, it found the bug.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use harness::check::{Check, Engine, Error, Swarm};
use shuttle::scheduler::{PctScheduler, RandomScheduler, Scheduler, UrwRandomScheduler};

use crate::{Kernel, Variant};

/// The preemption bound of both loom columns: the harness's default.
pub const LOOM_PREEMPTIONS: usize = 2;

/// The bug depth of every PCT column.
pub const PCT_DEPTH: usize = 3;

/// Threads loom runs besides the main one (its `MAX_THREADS` is five).
pub const LOOM_SPAWNED_THREADS: usize = 4;

/// One column of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// An engine of this harness, through `harness::check` and the facade.
    Harness(Engine),
    /// The harness's fuzzer: campaigns of 200 schedules, each under an
    /// engine and seed drawn from the search's seed (`Swarm`).
    HarnessFuzz,
    /// shuttle's `RandomScheduler` (what `check_random` runs), bare.
    ShuttleRandom,
    /// shuttle's `PctScheduler` (what `check_pct` runs), bare.
    ShuttlePct,
    /// shuttle's `UrwRandomScheduler` (what `check_urw` runs), bare.
    ShuttleUrw,
    /// `loom::model`, bare.
    Loom,
}

impl Tool {
    /// Every column, the harness's engines first.
    pub const ALL: [Tool; 10] = [
        Tool::Harness(Engine::Random),
        Tool::Harness(Engine::pct(PCT_DEPTH)),
        Tool::Harness(Engine::Urw),
        Tool::Harness(Engine::Dfs),
        Tool::Harness(Engine::Loom {
            preemptions: LOOM_PREEMPTIONS,
        }),
        Tool::HarnessFuzz,
        Tool::ShuttleRandom,
        Tool::ShuttlePct,
        Tool::ShuttleUrw,
        Tool::Loom,
    ];

    /// Whether a search is named by a seed: seeded tools run once per seed,
    /// the systematic ones (DFS, loom) once.
    pub fn is_seeded(self) -> bool {
        match self {
            Tool::Harness(engine) => engine.is_seeded(),
            Tool::HarnessFuzz => true,
            Tool::ShuttleRandom | Tool::ShuttlePct | Tool::ShuttleUrw => true,
            Tool::Loom => false,
        }
    }

    /// Whether the tool can run `kernel` at all: loom cannot run more
    /// threads than its fixed limit, and panics if asked to.
    pub fn can_run(self, kernel: &Kernel) -> bool {
        match self {
            Tool::Loom | Tool::Harness(Engine::Loom { .. }) => {
                kernel.threads <= LOOM_SPAWNED_THREADS
            }
            _ => true,
        }
    }

    /// Searches `kernel`'s `variant` for at most `budget` schedules, from
    /// `seed` where the tool is seeded. An error only if the harness is
    /// steered by a variable that names nothing.
    pub fn search(
        self,
        kernel: &Kernel,
        variant: Variant,
        budget: usize,
        seed: u64,
    ) -> Result<Search, String> {
        let started = Instant::now();
        let (schedules, found) = match self {
            Tool::Harness(engine) => on_harness(engine, kernel, variant, budget, seed)?,
            Tool::HarnessFuzz => on_swarm(kernel, variant, budget, seed)?,
            Tool::ShuttleRandom => on_shuttle(
                RandomScheduler::new_from_seed(seed, budget),
                kernel,
                variant,
            ),
            Tool::ShuttlePct => on_shuttle(
                PctScheduler::new_from_seed(seed, PCT_DEPTH, budget),
                kernel,
                variant,
            ),
            Tool::ShuttleUrw => on_shuttle(
                UrwRandomScheduler::new_from_seed(seed, budget),
                kernel,
                variant,
            ),
            Tool::Loom => on_loom(kernel, variant, budget),
        };
        Ok(Search {
            schedules,
            found,
            wall: started.elapsed(),
        })
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tool::Harness(engine) => write!(f, "harness {engine}"),
            Tool::HarnessFuzz => f.write_str("harness fuzz"),
            Tool::ShuttleRandom => f.write_str("shuttle random"),
            Tool::ShuttlePct => write!(f, "shuttle pct{PCT_DEPTH}"),
            Tool::ShuttleUrw => f.write_str("shuttle urw"),
            Tool::Loom => write!(f, "loom{LOOM_PREEMPTIONS}"),
        }
    }
}

/// One search of one tool.
#[derive(Clone, Debug)]
pub struct Search {
    /// Schedules run, the failing one included.
    pub schedules: u64,
    /// What broke, if something did: the panic's first line.
    pub found: Option<String>,
    /// How long the search took.
    pub wall: Duration,
}

fn on_harness(
    engine: Engine,
    kernel: &Kernel,
    variant: Variant,
    budget: usize,
    seed: u64,
) -> Result<(u64, Option<String>), String> {
    let body = kernel.on_harness;
    let check = Check::new().engines([engine]).schedules(budget).seed(seed);
    match check.run(move || body(variant)) {
        Ok(summary) => Ok((summary.runs.iter().map(|(_, runs)| runs).sum(), None)),
        Err(Error::Found(failure)) => Ok((failure.schedules, Some(first_line(&failure.message)))),
        Err(error) => Err(error.to_string()),
    }
}

/// Runs the harness's fuzzer on the kernel: campaign after campaign of
/// the swarm of `seed`, until one fails or `budget` schedules have run.
fn on_swarm(
    kernel: &Kernel,
    variant: Variant,
    budget: usize,
    seed: u64,
) -> Result<(u64, Option<String>), String> {
    let (swarm, body) = (Swarm::new(seed), kernel.on_harness);
    let mut ran = 0_u64;
    for index in 0.. {
        let left = (budget as u64).saturating_sub(ran);
        if left == 0 {
            break;
        }
        let campaign = swarm.campaign(index, 1);
        let schedules = left.min(Swarm::SCHEDULES_PER_CAMPAIGN as u64) as usize;
        match campaign
            .check
            .schedules(schedules)
            .run(move || body(variant))
        {
            Ok(summary) => ran += summary.runs.iter().map(|(_, runs)| runs).sum::<u64>(),
            Err(Error::Found(failure)) => {
                return Ok((ran + failure.schedules, Some(first_line(&failure.message))));
            }
            Err(error) => {
                return Err(error.to_string());
            }
        }
    }
    Ok((ran, None))
}

/// Runs the kernel's shuttle body under `scheduler` in shuttle's own runner,
/// as a shuttle test would, counting executions.
fn on_shuttle<S: Scheduler + Send + 'static>(
    scheduler: S,
    kernel: &Kernel,
    variant: Variant,
) -> (u64, Option<String>) {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    let body = kernel.on_shuttle;
    counted(move |executions| {
        shuttle::Runner::new(scheduler, config).run(move || {
            executions.fetch_add(1, Ordering::Relaxed);
            body(variant);
        });
    })
}

/// Runs the kernel's loom body under `loom::model`, as a loom test would,
/// with at most `budget` executions: loom's own model, configured as the
/// harness configures it, since loom alone honours a budget only every
/// 20,000 executions.
fn on_loom(kernel: &Kernel, variant: Variant, budget: usize) -> (u64, Option<String>) {
    let builder = harness::check::loom_model(LOOM_PREEMPTIONS, budget);
    let body = kernel.on_loom;
    counted(move |executions| {
        builder.check(move || {
            executions.fetch_add(1, Ordering::Relaxed);
            body(variant);
        });
    })
}

/// Runs `search` on a thread of its own (a failed shuttle or loom run can
/// leave its thread unfit for another) and returns the executions it
/// counted and, if it panicked, the panic's first line.
fn counted(search: impl FnOnce(Arc<AtomicU64>) + Send) -> (u64, Option<String>) {
    let executions = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&executions);
    let outcome = std::thread::scope(|scope| {
        scope
            .spawn(move || panic::catch_unwind(AssertUnwindSafe(|| search(counter))))
            .join()
            .expect("the search catches its own panics")
    });
    let found = outcome
        .err()
        .map(|payload| first_line(&harness::panics::panic_message(payload.as_ref())));
    (executions.load(Ordering::Relaxed), found)
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}
