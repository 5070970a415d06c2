//! `sim`: explore the store's schedules, replay a failure, list scenarios.
//!
//! Exit codes: 0 nothing failed, 1 a failure was found (or a replay
//! reproduced one, or the harness caught itself being nondeterministic),
//! 2 bad usage or unreadable input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use scenarios::Scenario;
use sim::corpus::{self, Entry};
use sim::drivers::{Campaign, Driver, Failure, Report, RunId};
use sim::platform::format_trace;
use sim::replay::replay;
use sim::self_test::home_of;
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
        /// Store a failure in the corpus.
        #[arg(long)]
        save: bool,
        /// The corpus directory.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
    },
    /// Run every scenario under every driver with default budgets; print a table.
    Explore {
        /// Multiply every default budget by this.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        scale: u32,
        /// The campaigns' seed.
        #[arg(long, default_value = "0")]
        seed: String,
        /// Store failures in the corpus.
        #[arg(long)]
        save: bool,
        /// The corpus directory.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
    },
    /// Replay one schedule exactly (twice, checking the harness is deterministic).
    Replay {
        /// A run id (SCENARIO:DRIVER:NUMBER, as failures print it) or a corpus entry file.
        run: String,
        /// The bug that was planted when it failed.
        #[arg(long)]
        plant: Option<String>,
        /// Print the per-thread event trace.
        #[arg(long)]
        trace: bool,
    },
    /// Plant each historical bug and find it in its home scenario.
    SelfTest {
        /// Store the failures found in the corpus.
        #[arg(long)]
        save: bool,
        /// The corpus directory.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
    },
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
            corpus,
        } => run(
            &scenario,
            &driver,
            schedules,
            &seed,
            plant.as_deref(),
            save.then_some(corpus.as_path()),
        ),
        Command::Explore {
            scale,
            seed,
            save,
            corpus,
        } => explore(scale as usize, &seed, save.then_some(corpus.as_path())),
        Command::Replay { run, plant, trace } => replay_command(&run, plant.as_deref(), trace),
        Command::SelfTest { save, corpus } => self_test(save.then_some(corpus.as_path())),
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

/// Prints `failure` in full and stores it if asked; returns false (failed).
fn report_failure(failure: &Failure, save_to: Option<&Path>) -> Result<bool, UsageError> {
    println!("{failure}");
    if let Some(dir) = save_to {
        match Entry::from_failure(failure, &corpus::today()) {
            Some(entry) => {
                let path =
                    corpus::save(dir, entry).map_err(|error| UsageError(error.to_string()))?;
                println!("  saved:   {}", path.display());
            }
            None => println!("  not saved: this failure has no replayable run id"),
        }
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
    match &report.failure {
        Some(failure) => report_failure(failure, save_to),
        None => Ok(true),
    }
}

/// Default budget of one `sim explore` campaign.
fn explore_budget(driver: Driver) -> usize {
    match driver {
        Driver::Random | Driver::Pct { .. } | Driver::Dfs => 1_000,
        Driver::Loom { .. } => 20_000,
        Driver::Threads => 50,
    }
}

fn explore(scale: usize, seed: &str, save_to: Option<&Path>) -> Result<bool, UsageError> {
    let seed = parse_seed(seed)?;
    let started = Instant::now();
    let total = Scenario::ALL.len() * Driver::ALL.len();
    let mut rows: Vec<(Scenario, Driver, Report)> = Vec::new();
    for scenario in Scenario::ALL {
        for driver in Driver::ALL {
            eprint!(
                "[{:>2}/{total}] {:<28} {:<8} ",
                rows.len() + 1,
                scenario.name(),
                driver.to_string()
            );
            let report =
                Campaign::new(scenario, driver, explore_budget(driver) * scale, seed).run();
            let verdict = if report.failure.is_some() {
                "FAILED"
            } else {
                "ok"
            };
            eprintln!(
                "{verdict:<6} {:>6} schedules {:>6.2} s",
                report.schedules_run,
                report.elapsed.as_secs_f64()
            );
            rows.push((scenario, driver, report));
        }
    }
    println!("\n| scenario | driver | schedules | failures | time |\n|---|---|---:|---:|---:|");
    for (scenario, driver, report) in &rows {
        println!(
            "| {} | {driver} | {} | {} | {:.2} s |",
            scenario.name(),
            report.schedules_run,
            usize::from(report.failure.is_some()),
            report.elapsed.as_secs_f64()
        );
    }
    let failures: Vec<&Failure> = rows
        .iter()
        .filter_map(|(_, _, report)| report.failure.as_ref())
        .collect();
    println!(
        "\n{} campaigns, {} failure(s), {:.1} s",
        rows.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    for failure in &failures {
        println!();
        report_failure(failure, save_to)?;
    }
    Ok(failures.is_empty())
}

fn replay_command(target: &str, plant: Option<&str>, show_trace: bool) -> Result<bool, UsageError> {
    let (run, bug) = if target.ends_with(".toml") {
        let entry =
            corpus::load(Path::new(target)).map_err(|error| UsageError(error.to_string()))?;
        if plant.is_some() {
            return Err(UsageError(
                "--plant comes from the corpus entry; drop it".to_owned(),
            ));
        }
        (
            entry.run_id().map_err(UsageError)?,
            entry.planted().map_err(UsageError)?,
        )
    } else {
        (
            target.parse::<RunId>().map_err(UsageError)?,
            parse_bug(plant)?,
        )
    };
    let replayed = replay(run, bug);
    if let Some(Err(divergence)) = &replayed.determinism {
        println!("{divergence}");
        return Ok(false);
    }
    let execution = &replayed.execution;
    if show_trace {
        print!("{}", format_trace(&execution.trace));
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
    for bug in PlantedBug::ALL {
        let (scenario, oracle) = home_of(bug);
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
