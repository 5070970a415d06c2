//! `sim`: explore the store's schedules, replay a failure, list scenarios.
//!
//! Exit codes: 0 nothing failed, 1 a failure was found (or a replay
//! reproduced one, or the harness caught itself being nondeterministic),
//! 2 bad usage or unreadable input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use scenarios::Scenario;
use sim::corpus::{self, Entry, Refreshed};
use sim::coverage::Coverage;
use sim::drivers::{Campaign, Driver, Failure, RunId, replay_once};
use sim::fuzz::fleet::{self, Budget, Findings, Kind, Plan};
use sim::fuzz::job::{Job, JobEnd};
use sim::fuzz::report::{Reporter, summary as fuzz_summary};
use sim::fuzz::seeds::{SeedStream, Shard};
use sim::isolation::{self, ChildCampaign, ChildOutcome};
use sim::platform::format_trace;
use sim::replay::replay;
use sim::self_test::found_by_oracles;
use sim::shrink::shrink;
use sim::swarm::{SwarmRun, parse_swarm_seed};
use store::PlantedBug;

#[derive(Parser)]
#[command(
    name = "sim",
    version,
    about = "Deterministic schedule exploration for the temp-file store"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the scenarios, with what each does.
    List,
    /// Run one scenario under one driver until a failure or the budget ends.
    Run {
        /// The scenario (see `sim list`).
        scenario: String,
        /// random, pct[DEPTH], dfs, loom[BOUND] or threads.
        #[arg(long, default_value = "random")]
        driver: String,
        /// Most schedules to run.
        #[arg(long, default_value_t = 1_000)]
        schedules: usize,
        /// The campaign's seed (decimal or 0x hex); schedule k gets its own seed from it.
        #[arg(long, default_value = "0")]
        seed: String,
        /// Plant a historical bug into the store (see `sim self-test`).
        #[arg(long)]
        plant: Option<String>,
        #[command(flatten)]
        save: SaveArgs,
        /// Run as a child of `sim explore`: end with a machine-readable result line.
        #[arg(long, hide = true)]
        child: bool,
        /// Stream schedule numbers and trace events to stderr as they happen.
        #[arg(long, hide = true)]
        flight_recorder: bool,
    },
    /// Run every scenario under every driver with default budgets; print a
    /// table. Each campaign runs in a child process under a watchdog, so a
    /// crash or hang is reported and the others go on.
    Explore {
        /// Multiply every default budget by this.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        scale: u32,
        /// The campaigns' seed.
        #[arg(long, default_value = "0")]
        seed: String,
        /// Only this scenario (default: all).
        #[arg(long)]
        scenario: Option<String>,
        /// Only this driver (default: random, pct3, dfs, loom2, threads).
        #[arg(long)]
        driver: Option<String>,
        /// Plant a bug into every store (see `sim self-test`).
        #[arg(long)]
        plant: Option<String>,
        /// Seconds a campaign may take before it counts as hung.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        watchdog: u64,
        #[command(flatten)]
        save: SaveArgs,
    },
    /// Swarm fuzzing: runs named by one seed each (scenario, driver,
    /// parameters, faults, schedule), in parallel child processes, until the
    /// budget ends; failures deduplicated by signature and replayed twice.
    Fuzz {
        /// Wall time to fuzz, e.g. 30s, 10m, 1h (default 1m unless --runs).
        #[arg(long, allow_hyphen_values = true)]
        duration: Option<String>,
        /// Runs to do in this shard, instead of a duration.
        #[arg(long, allow_hyphen_values = true)]
        runs: Option<String>,
        /// Child processes (default: the number of cores).
        #[arg(long, allow_hyphen_values = true)]
        jobs: Option<String>,
        /// Run shard I of N (1-based) of the seed space, so that N machines never repeat each other.
        #[arg(long, default_value = "1/1", allow_hyphen_values = true)]
        shard: String,
        /// The campaign's seed (decimal or 0x hex).
        #[arg(long, default_value = "0")]
        seed: String,
        /// Plant a bug into every store (see `sim self-test`).
        #[arg(long)]
        plant: Option<String>,
        #[command(flatten)]
        save: SaveArgs,
        /// Write JSON lines here: one per new failure signature, then a summary.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Exit 1 if any situation of the coverage table was never reached.
        #[arg(long)]
        require_coverage: bool,
        /// End at the first failure instead of at the end of the budget.
        #[arg(long)]
        stop_on_failure: bool,
        /// Seconds one run may take before its job counts as hung.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        watchdog: u64,
    },
    /// One job of `sim fuzz` (a child process): prints one JSON line per run.
    #[command(hide = true)]
    FuzzJob(FuzzJobArgs),
    /// Replay one schedule exactly (twice, checking the harness is deterministic).
    Replay {
        /// A swarm seed (0x…, as `sim fuzz` prints it), a run id
        /// (SCENARIO:DRIVER:NUMBER, as failures print it) or a corpus entry file.
        run: String,
        /// The bug that was planted when it failed.
        #[arg(long)]
        plant: Option<String>,
        /// Print the per-thread event trace.
        #[arg(long)]
        trace: bool,
        /// Write the run as Chrome trace-event JSON (open it in Perfetto or chrome://tracing).
        #[arg(long, value_name = "FILE")]
        chrome_trace: Option<PathBuf>,
    },
    /// Find the smallest run that fails the same way: fewest threads, then
    /// events, then context switches; print it with its replay line.
    Shrink {
        /// A swarm seed (0x…), a run id (SCENARIO:DRIVER:NUMBER) or a corpus entry file.
        run: String,
        /// The bug planted when it failed.
        #[arg(long)]
        plant: Option<String>,
        /// Seeds to try.
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        tries: u32,
        #[command(flatten)]
        save: SaveArgs,
    },
    /// Work on the corpus.
    Corpus {
        #[command(subcommand)]
        action: CorpusAction,
    },
    /// Plant each historical bug and find it in its home scenario.
    SelfTest {
        #[command(flatten)]
        save: SaveArgs,
    },
}

#[derive(Subcommand)]
enum CorpusAction {
    /// Check every entry against the current store; print one line per
    /// stale accelerator or entry that lost its power.
    Check {
        /// The corpus directory.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
    },
    /// Re-record stale schedules and checkpoints, and re-find entries that
    /// lost their power by running their campaign again.
    Refresh {
        /// The corpus directory.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
        /// Most schedules a campaign may take to re-find a failure.
        #[arg(long, default_value_t = 10_000)]
        schedules: usize,
    },
}

/// `--save` and `--corpus`, as every command that finds failures takes them.
#[derive(clap::Args)]
struct SaveArgs {
    /// Store the failures found in the corpus (`sim fuzz`: one shrunk
    /// entry per signature).
    #[arg(long)]
    save: bool,
    /// The corpus directory for --save.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
}

impl SaveArgs {
    /// Where to save failures, if anywhere.
    fn dir(&self) -> Option<&Path> {
        self.save.then_some(self.corpus.as_path())
    }
}

/// A failure of the command itself: bad input, unreadable files.
struct UsageError(String);

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::List => list(),
        Command::Run {
            scenario,
            driver,
            schedules,
            seed,
            plant,
            save,
            child,
            flight_recorder,
        } => {
            if flight_recorder {
                sim::flight::switch_on();
            }
            run(
                &scenario,
                &driver,
                schedules,
                &seed,
                plant.as_deref(),
                save.dir(),
                child,
            )
        }
        Command::Explore {
            scale,
            seed,
            scenario,
            driver,
            plant,
            watchdog,
            save,
        } => explore(&ExploreArgs {
            scale: scale as usize,
            seed: &seed,
            scenario: scenario.as_deref(),
            driver: driver.as_deref(),
            plant: plant.as_deref(),
            watchdog: Duration::from_secs(watchdog),
            save_to: save.dir(),
        }),
        Command::Replay {
            run,
            plant,
            trace,
            chrome_trace,
        } => replay_command(&run, plant.as_deref(), trace, chrome_trace.as_deref()),
        Command::SelfTest { save } => self_test(save.dir()),
        Command::Shrink {
            run,
            plant,
            tries,
            save,
        } => shrink_command(&run, plant.as_deref(), tries as usize, save.dir()),
        Command::Fuzz {
            duration,
            runs,
            jobs,
            shard,
            seed,
            plant,
            save,
            json,
            require_coverage,
            stop_on_failure,
            watchdog,
        } => fuzz(&FuzzArgs {
            duration: duration.as_deref(),
            runs: runs.as_deref(),
            jobs: jobs.as_deref(),
            shard: &shard,
            seed: &seed,
            plant: plant.as_deref(),
            save_to: save.dir(),
            json: json.as_deref(),
            require_coverage,
            stop_on_failure,
            watchdog: Duration::from_secs(watchdog),
        }),
        Command::FuzzJob(args) => fuzz_job(&args),
        Command::Corpus { action } => match action {
            CorpusAction::Check { corpus } => corpus_check(&corpus),
            CorpusAction::Refresh { corpus, schedules } => corpus_refresh(&corpus, schedules),
        },
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(UsageError(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn parse_scenario(name: &str) -> Result<Scenario, UsageError> {
    Scenario::from_name(name)
        .ok_or_else(|| UsageError(format!("unknown scenario {name:?} (see `sim list`)")))
}

fn parse_bug(name: Option<&str>) -> Result<Option<PlantedBug>, UsageError> {
    name.map(|name| {
        PlantedBug::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = PlantedBug::ALL.iter().map(|bug| bug.name()).collect();
            UsageError(format!(
                "unknown planted bug {name:?}; known: {}",
                known.join(", ")
            ))
        })
    })
    .transpose()
}

fn parse_seed(text: &str) -> Result<u64, UsageError> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| {
        UsageError(format!(
            "malformed seed {text:?}: expected a decimal or 0x-hex u64"
        ))
    })
}

fn list() -> Result<bool, UsageError> {
    for scenario in Scenario::ALL {
        println!("{:<28} {}", scenario.name(), scenario.description());
    }
    Ok(true)
}

/// Seeds `--save` (of run, explore and fuzz) searches for a smaller
/// failure before saving one.
const SAVE_SHRINK_TRIES: usize = 500;

/// Prints `failure` in full and, if asked, shrinks it and stores the
/// shrunk one; returns false (failed).
fn report_failure(failure: &Failure, save_to: Option<&Path>) -> Result<bool, UsageError> {
    println!("{failure}");
    if let Some(dir) = save_to {
        let shrunk = shrink(failure, SAVE_SHRINK_TRIES);
        if shrunk.after < shrunk.before {
            println!("  shrunk:  {} -> {}", shrunk.before, shrunk.after);
        }
        save_entry(dir, &shrunk.failure)?;
    }
    Ok(false)
}

fn run(
    scenario: &str,
    driver: &str,
    schedules: usize,
    seed: &str,
    plant: Option<&str>,
    save_to: Option<&Path>,
    child: bool,
) -> Result<bool, UsageError> {
    let scenario = parse_scenario(scenario)?;
    let driver: Driver = driver.parse().map_err(UsageError)?;
    let mut campaign = Campaign::new(scenario, driver, schedules, parse_seed(seed)?);
    campaign.planted_bug = parse_bug(plant)?;
    let report = campaign.run();
    println!(
        "{} under {driver}: {} schedule(s) in {:.2} s",
        scenario.name(),
        report.schedules_run,
        report.elapsed.as_secs_f64()
    );
    let passed = match &report.failure {
        Some(failure) => report_failure(failure, save_to)?,
        None => true,
    };
    if child {
        println!("{}", isolation::result_line(&report));
    }
    Ok(passed)
}

/// Default budget of one `sim explore` campaign.
fn explore_budget(driver: Driver) -> usize {
    match driver {
        Driver::Random | Driver::Pct { .. } | Driver::Dfs => 1_000,
        Driver::Loom { .. } => 20_000,
        Driver::ShortLoom { .. } => 100,
        Driver::Threads => 50,
    }
}

/// What `sim explore` was asked to do.
struct ExploreArgs<'a> {
    scale: usize,
    seed: &'a str,
    scenario: Option<&'a str>,
    driver: Option<&'a str>,
    plant: Option<&'a str>,
    watchdog: Duration,
    save_to: Option<&'a Path>,
}

/// One row of the explore table.
struct Row {
    scenario: Scenario,
    driver: Driver,
    outcome: ChildOutcome,
}

impl Row {
    fn failed(&self) -> bool {
        !matches!(self.outcome, ChildOutcome::Finished { failed: false, .. })
    }
}

fn explore(args: &ExploreArgs<'_>) -> Result<bool, UsageError> {
    let seed = parse_seed(args.seed)?;
    let scenarios = match args.scenario {
        Some(name) => vec![parse_scenario(name)?],
        None => Scenario::ALL.to_vec(),
    };
    let drivers = match args.driver {
        Some(name) => vec![name.parse::<Driver>().map_err(UsageError)?],
        None => Driver::ALL.to_vec(),
    };
    let planted_bug = parse_bug(args.plant)?;
    let exe = std::env::current_exe()
        .map_err(|error| UsageError(format!("cannot find the sim executable: {error}")))?;
    let started = Instant::now();
    let total = scenarios.len() * drivers.len();
    let mut rows: Vec<Row> = Vec::new();
    for &scenario in &scenarios {
        for &driver in &drivers {
            eprint!(
                "[{:>2}/{total}] {:<28} {:<8} ",
                rows.len() + 1,
                scenario.name(),
                driver.to_string()
            );
            let mut campaign =
                Campaign::new(scenario, driver, explore_budget(driver) * args.scale, seed);
            campaign.planted_bug = planted_bug;
            let child = ChildCampaign {
                exe: &exe,
                campaign: &campaign,
                watchdog: args.watchdog,
                save_to: args.save_to,
            };
            let outcome = child
                .run()
                .map_err(|error| UsageError(format!("cannot run a child campaign: {error}")))?;
            let row = Row {
                scenario,
                driver,
                outcome,
            };
            eprintln!("{}", progress_cell(&row));
            rows.push(row);
        }
    }
    println!("\n| scenario | driver | schedules | failures | time |\n|---|---|---:|---:|---:|");
    for row in &rows {
        let (schedules, time) = match &row.outcome {
            ChildOutcome::Finished {
                schedules, elapsed, ..
            } => (
                schedules.to_string(),
                format!("{:.2} s", elapsed.as_secs_f64()),
            ),
            ChildOutcome::Crashed(_) => ("crashed".to_owned(), "-".to_owned()),
        };
        println!(
            "| {} | {} | {schedules} | {} | {time} |",
            row.scenario.name(),
            row.driver,
            usize::from(row.failed()),
        );
    }
    let mut coverage = Coverage::default();
    let mut schedules_run = 0;
    for row in &rows {
        if let ChildOutcome::Finished {
            coverage: reached,
            schedules,
            ..
        } = &row.outcome
        {
            coverage.merge(reached);
            schedules_run += *schedules as u64;
        }
    }
    println!("\nCoverage: schedules that reached each situation\n");
    print!("{}", coverage.table(schedules_run));
    let failed: Vec<&Row> = rows.iter().filter(|row| row.failed()).collect();
    println!(
        "\n{} campaigns, {} failure(s), {:.1} s",
        rows.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    for row in &failed {
        println!();
        match &row.outcome {
            ChildOutcome::Finished { stdout, .. } => print!("{stdout}"),
            ChildOutcome::Crashed(crash) => {
                println!("{} under {}:", row.scenario.name(), row.driver);
                println!("{crash}");
            }
        }
    }
    Ok(failed.is_empty())
}

/// A campaign's verdict as the progress line shows it.
fn progress_cell(row: &Row) -> String {
    match &row.outcome {
        ChildOutcome::Finished {
            schedules,
            failed,
            elapsed,
            ..
        } => format!(
            "{:<7} {schedules:>6} schedules {:>6.2} s",
            if *failed { "FAILED" } else { "ok" },
            elapsed.as_secs_f64()
        ),
        ChildOutcome::Crashed(crash) => format!("CRASHED {}", crash.how),
    }
}

/// The run and planted bug a `RUN --plant BUG` or `corpus/FILE.toml` names.
fn resolve_target(
    target: &str,
    plant: Option<&str>,
) -> Result<(RunId, Option<PlantedBug>), UsageError> {
    if let Some(seed) = parse_swarm_seed(target) {
        let swarm = SwarmRun::from_seed(seed);
        println!("swarm seed {swarm} names the run {}", swarm.run);
        return Ok((swarm.run, parse_bug(plant)?));
    }
    if !target.ends_with(".toml") {
        return Ok((
            target.parse::<RunId>().map_err(UsageError)?,
            parse_bug(plant)?,
        ));
    }
    let entry = corpus::load(Path::new(target)).map_err(|error| UsageError(error.to_string()))?;
    if plant.is_some() {
        return Err(UsageError(
            "--plant comes from the corpus entry; drop it".to_owned(),
        ));
    }
    Ok((
        entry.run_id().map_err(UsageError)?,
        entry.planted().map_err(UsageError)?,
    ))
}

fn replay_command(
    target: &str,
    plant: Option<&str>,
    show_trace: bool,
    chrome_trace: Option<&Path>,
) -> Result<bool, UsageError> {
    let (run, bug) = resolve_target(target, plant)?;
    let replayed = replay(run, bug);
    if let Some(Err(divergence)) = &replayed.determinism {
        println!("{divergence}");
        return Ok(false);
    }
    let execution = &replayed.execution;
    if show_trace {
        print!("{}", format_trace(&execution.trace));
    }
    if let Some(file) = chrome_trace {
        let picture = sim::chrome_trace::chrome_trace(&run.to_string(), execution);
        let text = serde_json::to_string_pretty(&picture)
            .map_err(|error| UsageError(format!("cannot serialise the trace: {error}")))?;
        std::fs::write(file, text)
            .map_err(|error| UsageError(format!("cannot write {}: {error}", file.display())))?;
        println!(
            "chrome trace: {} (open in ui.perfetto.dev or chrome://tracing)",
            file.display()
        );
    }
    let determinism = match replayed.determinism {
        Some(_) => "replayed twice, identical traces",
        None => "real threads: replayed once, not exactly reproducible",
    };
    match &execution.violation {
        Some(violation) => {
            println!(
                "FAILURE reproduced ({determinism}): {}",
                violation.oracle.description()
            );
            println!("  oracle:  {}", violation.oracle);
            println!("  what:    {}", violation.message);
            for blocked in &violation.blocked {
                println!("  blocked: {blocked}");
            }
            Ok(false)
        }
        None => {
            println!(
                "{run}: no oracle broke ({determinism}; {} events)",
                execution.trace.len()
            );
            Ok(true)
        }
    }
}

fn shrink_command(
    target: &str,
    plant: Option<&str>,
    tries: usize,
    save_to: Option<&Path>,
) -> Result<bool, UsageError> {
    let (run, bug) = resolve_target(target, plant)?;
    let execution = replay_once(run, bug);
    if execution.violation.is_none() {
        println!("{run}: no oracle broke; nothing to shrink");
        return Ok(false);
    }
    let failure = Failure {
        schedule: 1,
        run: Some(run),
        planted_bug: bug,
        execution,
    };
    let shrunk = shrink(&failure, tries);
    println!("oracle:  {}", failure.oracle());
    println!("before:  {run} ({})", shrunk.before);
    let after = shrunk.failure.run.unwrap_or(run);
    println!(
        "after:   {after} ({}), the smallest of {} seeds tried",
        shrunk.after, shrunk.tries
    );
    if let Some(command) = shrunk.failure.replay_command() {
        println!("replay:  {command}");
    }
    if let Some(dir) = save_to {
        save_entry(dir, &shrunk.failure)?;
    }
    Ok(true)
}

/// Stores `failure` in the corpus at `dir` (created if missing) and says where.
fn save_entry(dir: &Path, failure: &Failure) -> Result<(), UsageError> {
    let Some(entry) = Entry::from_failure(failure, &corpus::today()) else {
        println!("  not saved: this failure has no replayable run id");
        return Ok(());
    };
    std::fs::create_dir_all(dir)
        .map_err(|error| UsageError(format!("cannot create {}: {error}", dir.display())))?;
    let path = corpus::save(dir, entry).map_err(|error| UsageError(error.to_string()))?;
    println!("  saved:   {}", path.display());
    Ok(())
}

/// Checks every entry: exits 1 on a regression or a broken entry; notices
/// (stale accelerators, lost power) are printed, not failures.
fn corpus_check(dir: &Path) -> Result<bool, UsageError> {
    let entries = corpus::load_dir(dir).map_err(|error| UsageError(error.to_string()))?;
    let mut passed = true;
    for (path, entry) in &entries {
        match corpus::verify(path, entry) {
            Ok(notices) => notices
                .iter()
                .for_each(|notice| println!("notice: {notice}")),
            Err(error) => {
                println!("FAILED: {error}");
                passed = false;
            }
        }
    }
    println!("{} entries checked", entries.len());
    Ok(passed)
}

fn corpus_refresh(dir: &Path, schedules: usize) -> Result<bool, UsageError> {
    let entries = corpus::load_dir(dir).map_err(|error| UsageError(error.to_string()))?;
    let mut passed = true;
    for (path, _) in &entries {
        let name = path.display();
        match corpus::refresh(path, schedules) {
            Ok(Refreshed::Holds) => {}
            Ok(Refreshed::Rerecorded(saved)) => {
                println!(
                    "{name}: re-recorded its schedule/checkpoint in {}",
                    saved.display()
                );
            }
            Ok(Refreshed::Refound(saved)) => {
                println!("{name}: re-found, replaced by {}", saved.display());
            }
            Ok(Refreshed::NotRefound(why)) => {
                println!("{name}: left as is: {why}");
                passed = false;
            }
            Err(error) => {
                println!("FAILED: {error}");
                passed = false;
            }
        }
    }
    println!("{} entries refreshed", entries.len());
    Ok(passed)
}

/// Drivers `self-test` runs each bug under, with their budgets.
const SELF_TEST_DRIVERS: [(Driver, usize); 3] = [
    (Driver::Random, 3_000),
    (Driver::Pct { depth: 3 }, 3_000),
    (
        Driver::Loom {
            preemption_bound: 2,
        },
        10_000,
    ),
];

/// Passes when every bug is found, with the oracle it breaks, by at least
/// one driver: not every driver finds every bug (see docs/self-test.md).
fn self_test(save_to: Option<&Path>) -> Result<bool, UsageError> {
    let mut all_found = true;
    for (bug, scenario, oracle) in found_by_oracles() {
        let mut found_with_its_oracle = false;
        for (driver, budget) in SELF_TEST_DRIVERS {
            let report = Campaign::new(scenario, driver, budget, 0)
                .planting(bug)
                .run();
            match &report.failure {
                Some(failure) => {
                    let command = failure.replay_command().unwrap_or_default();
                    println!(
                        "{:<32} {:<8} found at schedule {:>5}: {}  ({command})",
                        bug.name(),
                        driver.to_string(),
                        failure.schedule,
                        failure.oracle()
                    );
                    found_with_its_oracle |= failure.oracle() == oracle;
                    if let (Some(dir), Some(entry)) =
                        (save_to, Entry::from_failure(failure, &corpus::today()))
                    {
                        corpus::save(dir, entry).map_err(|error| UsageError(error.to_string()))?;
                    }
                }
                None => println!(
                    "{:<32} {:<8} not found in {} schedules",
                    bug.name(),
                    driver.to_string(),
                    report.schedules_run
                ),
            }
        }
        if !found_with_its_oracle {
            println!(
                "{:<32} MISSED: no driver found it breaking {oracle}",
                bug.name()
            );
            all_found = false;
        }
    }
    Ok(all_found)
}

/// What `sim fuzz` was asked to do, as typed.
struct FuzzArgs<'a> {
    duration: Option<&'a str>,
    runs: Option<&'a str>,
    jobs: Option<&'a str>,
    shard: &'a str,
    seed: &'a str,
    plant: Option<&'a str>,
    save_to: Option<&'a Path>,
    json: Option<&'a Path>,
    require_coverage: bool,
    stop_on_failure: bool,
    watchdog: Duration,
}

/// `sim fuzz`'s budget when neither `--duration` nor `--runs` is given.
const DEFAULT_FUZZ_DURATION: &str = "1m";
/// The longest `--duration` (a week): anything longer is a typo.
const MAX_FUZZ_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most `--jobs`.
const MAX_FUZZ_JOBS: u64 = 256;

/// A whole number from 1 to `max`, or a one-line error naming `flag`.
fn parse_count(flag: &str, text: &str, max: u64) -> Result<u64, UsageError> {
    text.parse::<u64>()
        .ok()
        .filter(|count| (1..=max).contains(count))
        .ok_or_else(|| {
            UsageError(format!(
                "bad {flag} {text:?}: expected a whole number from 1 to {max}"
            ))
        })
}

fn parse_duration(text: &str) -> Result<Duration, UsageError> {
    let duration = humantime::parse_duration(text).map_err(|_| {
        UsageError(format!(
            "malformed --duration {text:?}: expected a length such as 30s, 10m or 1h"
        ))
    })?;
    if duration.is_zero() || duration > MAX_FUZZ_DURATION {
        return Err(UsageError(format!(
            "bad --duration {text:?}: expected more than 0 and at most 7 days"
        )));
    }
    Ok(duration)
}

/// Checks every argument before anything runs.
fn fuzz_plan(args: &FuzzArgs<'_>) -> Result<Plan, UsageError> {
    let budget = match (args.duration, args.runs) {
        (Some(_), Some(_)) => {
            return Err(UsageError("give --duration or --runs, not both".to_owned()));
        }
        (None, Some(runs)) => Budget::Runs(parse_count("--runs", runs, u64::MAX)?),
        (duration, None) => {
            Budget::Duration(parse_duration(duration.unwrap_or(DEFAULT_FUZZ_DURATION))?)
        }
    };
    let jobs = match args.jobs {
        Some(jobs) => parse_count("--jobs", jobs, MAX_FUZZ_JOBS)?,
        None => std::thread::available_parallelism().map_or(1, |cores| cores.get() as u64),
    };
    Ok(Plan {
        exe: std::env::current_exe()
            .map_err(|error| UsageError(format!("cannot find the sim executable: {error}")))?,
        base_seed: parse_seed(args.seed)?,
        shard: args.shard.parse::<Shard>().map_err(UsageError)?,
        jobs,
        budget,
        planted_bug: parse_bug(args.plant)?,
        watchdog: args.watchdog,
        stop_on_failure: args.stop_on_failure,
    })
}

fn fuzz(args: &FuzzArgs<'_>) -> Result<bool, UsageError> {
    let plan = fuzz_plan(args)?;
    let mut reporter = Reporter::new(&plan, args.json).map_err(|error| {
        let file = args
            .json
            .map_or_else(String::new, |file| file.display().to_string());
        UsageError(format!("cannot create {file}: {error}"))
    })?;
    let started = Instant::now();
    let findings = fleet::run(&plan, &mut reporter)
        .map_err(|error| UsageError(format!("cannot run a fuzz job: {error}")))?;
    let elapsed = started.elapsed();
    let json_written = reporter.finish(&plan, &findings, elapsed);
    print!("{}", fuzz_summary(&plan, &findings, elapsed));
    if let Some(dir) = args.save_to {
        save_fuzz_failures(&plan, &findings, dir)?;
    }
    if let (Err(error), Some(file)) = (json_written, args.json) {
        return Err(UsageError(format!(
            "cannot write {}: {error}",
            file.display()
        )));
    }
    let mut passed = findings.failures.is_empty();
    let unreached = findings.coverage.unreached();
    if args.require_coverage && !unreached.is_empty() {
        let names: Vec<&str> = unreached.iter().map(|situation| situation.name()).collect();
        println!("\ncoverage required, never reached: {}", names.join(", "));
        passed = false;
    }
    Ok(passed)
}

/// Shrinks and stores one corpus entry per store failure, each in a child
/// process: a shrink replays many runs, and none may take `sim fuzz` down.
fn save_fuzz_failures(plan: &Plan, findings: &Findings, dir: &Path) -> Result<(), UsageError> {
    if findings.failures.is_empty() {
        return Ok(());
    }
    println!(
        "\nSaving one shrunk corpus entry per failure to {}",
        dir.display()
    );
    for (number, failure) in findings.failures.iter().enumerate() {
        if failure.kind != Kind::Store {
            println!(
                "  FAILURE {}: not saved: a {} has no corpus form",
                number + 1,
                failure.kind.name()
            );
            continue;
        }
        let mut command = std::process::Command::new(&plan.exe);
        command
            .arg("shrink")
            .arg(format!("{:#x}", failure.seed))
            .args(["--tries", &SAVE_SHRINK_TRIES.to_string()])
            .arg("--save")
            .arg("--corpus")
            .arg(dir)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(bug) = plan.planted_bug {
            command.args(["--plant", bug.name()]);
        }
        let output = command
            .output()
            .map_err(|error| UsageError(format!("cannot run sim shrink: {error}")))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let saved = stdout
            .lines()
            .find_map(|line| line.trim_start().strip_prefix("saved:"));
        match saved {
            Some(path) => println!("  FAILURE {}: {}", number + 1, path.trim()),
            None => println!(
                "  FAILURE {}: not saved: {}",
                number + 1,
                sim::corpus::one_line(stdout.trim())
            ),
        }
    }
    Ok(())
}

/// What a `sim fuzz` parent tells one job.
#[derive(clap::Args)]
struct FuzzJobArgs {
    /// The campaign's seed.
    #[arg(long)]
    seed: String,
    /// The shard, I/N.
    #[arg(long)]
    shard: String,
    /// Jobs in the shard.
    #[arg(long)]
    jobs: u64,
    /// This job, 0 to jobs - 1.
    #[arg(long)]
    job: u64,
    /// The job's first run number.
    #[arg(long)]
    start: u64,
    /// Stop before this run number.
    #[arg(long)]
    before: Option<u64>,
    /// Stop after this many milliseconds.
    #[arg(long)]
    for_ms: Option<u64>,
    /// The bug planted in every run.
    #[arg(long)]
    plant: Option<String>,
    /// Stream run seeds and trace events to stderr as they happen.
    #[arg(long)]
    flight_recorder: bool,
}

fn fuzz_job(args: &FuzzJobArgs) -> Result<bool, UsageError> {
    if args.flight_recorder {
        sim::flight::switch_on();
    }
    let (jobs, job) = (args.jobs, args.job);
    if jobs == 0 || job >= jobs {
        return Err(UsageError(format!("job {job} of {jobs} does not exist")));
    }
    let end = match (args.before, args.for_ms) {
        (Some(before), None) => JobEnd::BeforeRun(before),
        (None, Some(ms)) => JobEnd::After(Duration::from_millis(ms)),
        _ => return Err(UsageError("give --before or --for-ms".to_owned())),
    };
    let job = Job {
        stream: SeedStream {
            base: parse_seed(&args.seed)?,
            shard: args.shard.parse().map_err(UsageError)?,
            jobs,
            job,
        },
        start: args.start,
        end,
        planted_bug: parse_bug(args.plant.as_deref())?,
    };
    job.run(&mut std::io::stdout())
        .map_err(|error| UsageError(format!("cannot report to sim fuzz: {error}")))?;
    Ok(true)
}
