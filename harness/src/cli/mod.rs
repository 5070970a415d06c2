//! The command line a component's own binary gets from one call:
//! `fn main() -> ExitCode { harness::cli::main(SCENARIOS) }`.
//!
//! ```text
//! NAME list
//! NAME run SCENARIO [--engine E]... [--schedules N] [--seed S]
//! NAME replay SCENARIO RUN
//! NAME shrink SCENARIO RUN [--attempts N]
//! NAME fuzz [--seconds S] [--seed S] [--watchdog S]
//! NAME campaign --seed S --index I
//! NAME run SCENARIO ... --save DIR
//! NAME corpus check DIR
//! NAME coverage [SCENARIO]... [--schedules N] [--seed S]
//! ```
//!
//! `coverage` needs the subject's classifier (`main_with_coverage::<C>`),
//! with which `fuzz` also ends with the table of the situations its
//! campaigns reached.
//!
//! Exit codes: 0 nothing failed (or a replay passes now), 1 a failure was
//! found or reproduced, 2 bad usage or a name that names nothing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Writes to stdout, as `print!` does, through
/// [`write_stdout`](crate::process::write_stdout).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::process::write_stdout(format_args!($($arg)*))
    };
}

/// Writes a line to stdout, as `println!` does, through
/// [`write_stdout`](crate::process::write_stdout).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::process::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod corpus;
mod coverage;
mod fuzz;

use crate::Scenario;
use crate::check::{
    Check, DEFAULT_SCHEDULES, Engine, Error, ReplayError, RunId, ShrinkError, Swarm,
};
use crate::coverage::Classifier;
use coverage::Covering;

/// A count the command line takes (schedules, seeds to try): zero would
/// run nothing and say it passed, so clap refuses it, naming the option.
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

#[derive(Parser)]
#[command(about = "Runs a component's scenarios under the harness's engines")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the scenarios.
    List,
    /// Searches a scenario's schedules under each engine until one fails.
    Run {
        /// The scenario.
        scenario: String,
        /// An engine to run (repeatable): random, pct3, urw, dfs, loom2, threads.
        #[arg(long = "engine")]
        engines: Vec<Engine>,
        /// Schedules per engine.
        #[arg(long, default_value_t = DEFAULT_SCHEDULES, value_parser = at_least_one())]
        schedules: usize,
        /// The seed the seeded engines' schedules derive from.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Saves a failure found to this corpus directory, as an entry
        /// that must keep failing.
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
    },
    /// Works on a corpus of saved runs.
    Corpus {
        #[command(subcommand)]
        action: CorpusAction,
    },
    /// Runs the one run a failure printed.
    Replay {
        /// The scenario.
        scenario: String,
        /// The run, as a failure prints it (`random:0x…`, `dfs:17`).
        run: RunId,
    },
    /// Finds the shortest run of the same failure among more seeds.
    Shrink {
        /// The scenario.
        scenario: String,
        /// The failing run, as a failure prints it.
        run: RunId,
        /// Seeds of the run's engine to try.
        #[arg(long, default_value_t = 1_000, value_parser = at_least_one())]
        attempts: usize,
    },
    /// Runs every scenario under the seeded engines, campaign after
    /// campaign, printing each distinct failure as soon as it is found.
    Fuzz {
        /// How long to run, in seconds of wall time.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        seconds: u64,
        /// The seed every campaign's choice derives from.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Seconds a campaign may run before it counts as hung and is
        /// killed (each campaign runs in a child process).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        watchdog: u64,
    },
    /// Tallies the situations each scenario's executions reach, under
    /// the seeded engines (random, pct3, urw), and names those never
    /// reached.
    Coverage {
        /// The scenarios to run; every one if none is named.
        scenarios: Vec<String>,
        /// Schedules per engine and scenario.
        #[arg(long, default_value_t = Swarm::SCHEDULES_PER_CAMPAIGN, value_parser = at_least_one())]
        schedules: usize,
        /// The seed the engines' schedules derive from.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Runs one campaign of `fuzz --seed SEED` in this process: what fuzz
    /// runs in each child, and what it names when one crashes.
    Campaign {
        /// The fuzz job's seed.
        #[arg(long)]
        seed: u64,
        /// The campaign's index in the job, from 0.
        #[arg(long)]
        index: u64,
    },
}

#[derive(Subcommand)]
enum CorpusAction {
    /// Replays every entry: each must do what it expects (fail as saved,
    /// or pass).
    Check {
        /// The corpus directory.
        dir: PathBuf,
    },
}

/// Parses the process's arguments and runs the command over `scenarios`.
pub fn main(scenarios: &'static [Scenario]) -> ExitCode {
    main_of(scenarios, None)
}

/// [`main`], with every execution of `coverage` and `fuzz` classified by
/// the subject's classifier `C`, and the tally printed.
pub fn main_with_coverage<C: Classifier>(scenarios: &'static [Scenario]) -> ExitCode {
    main_of(scenarios, Some(Covering::of::<C>()))
}

fn main_of(scenarios: &'static [Scenario], covering: Option<Covering>) -> ExitCode {
    crate::check::install_panic_hook();
    if let Err(broken) = Scenario::check_registry(scenarios) {
        eprintln!("error: the registry is broken: {broken}");
        return ExitCode::from(2);
    }
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let named = |name: &str| {
        let found = scenarios.iter().find(|scenario| scenario.name == name);
        if found.is_none() {
            let names: Vec<&str> = scenarios.iter().map(|scenario| scenario.name).collect();
            eprintln!(
                "error: no scenario is named {name:?}; there are: {}",
                names.join(", ")
            );
        }
        found
    };
    match args.command {
        Command::List => {
            out!("{}", listing(scenarios));
            ExitCode::SUCCESS
        }
        Command::Run {
            scenario,
            engines,
            schedules,
            seed,
            save,
        } => {
            let Some(scenario) = named(&scenario) else {
                return ExitCode::from(2);
            };
            let mut check = Check::new().schedules(schedules).seed(seed);
            if !engines.is_empty() {
                check = check.engines(engines);
            }
            match check.run(scenario.body) {
                Ok(summary) => {
                    for (engine, schedules) in summary.runs {
                        outln!(
                            "{}: {engine}: {schedules} schedules, no failure",
                            scenario.name
                        );
                    }
                    for (engine, why) in summary.not_modelled {
                        outln!("{}: {engine}: left out: {why}", scenario.name);
                    }
                    ExitCode::SUCCESS
                }
                Err(Error::Found(failure)) => {
                    outln!("{}: {failure}", scenario.name);
                    outln!(
                        "replay it: {} replay {} {}",
                        program(),
                        scenario.name,
                        failure.run
                    );
                    if let Some(dir) = save {
                        if let Err(code) = corpus::save(&dir, scenario.name, &failure) {
                            return code;
                        }
                    }
                    ExitCode::from(1)
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Shrink {
            scenario,
            run,
            attempts,
        } => {
            let Some(scenario) = named(&scenario) else {
                return ExitCode::from(2);
            };
            match Check::shrink(run, attempts, scenario.body) {
                Ok(shortest) => {
                    outln!("{}: {shortest}", scenario.name);
                    outln!(
                        "{} operations (the shortest of {} seeds tried)",
                        shortest.operations(),
                        attempts + 1
                    );
                    outln!(
                        "replay it: {} replay {} {}",
                        program(),
                        scenario.name,
                        shortest.run
                    );
                    ExitCode::from(1)
                }
                Err(ShrinkError::PassesNow(run)) => {
                    outln!("{}: {}", scenario.name, ShrinkError::PassesNow(run));
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {}: {error}", scenario.name);
                    ExitCode::from(2)
                }
            }
        }
        Command::Corpus {
            action: CorpusAction::Check { dir },
        } => corpus::check(&dir, scenarios),
        Command::Fuzz {
            seconds,
            seed,
            watchdog,
        } => fuzz::fuzz(
            scenarios,
            covering,
            Duration::from_secs(seconds),
            seed,
            Duration::from_secs(watchdog),
        ),
        Command::Coverage {
            scenarios: names,
            schedules,
            seed,
        } => {
            let Some(covering) = covering else {
                eprintln!(
                    "error: this program's subject declares no coverage \
                     (its main calls harness::cli::main, not main_with_coverage)"
                );
                return ExitCode::from(2);
            };
            let chosen: Option<Vec<&Scenario>> = if names.is_empty() {
                Some(scenarios.iter().collect())
            } else {
                names.iter().map(|name| named(name)).collect()
            };
            match chosen {
                Some(chosen) => coverage::coverage(covering, &chosen, schedules, seed),
                None => ExitCode::from(2),
            }
        }
        Command::Campaign { seed, index } => fuzz::campaign(scenarios, covering, seed, index),
        Command::Replay { scenario, run } => {
            let Some(scenario) = named(&scenario) else {
                return ExitCode::from(2);
            };
            match Check::replay(run, scenario.body) {
                Ok(()) => {
                    outln!("{}: {run} passes now", scenario.name);
                    ExitCode::SUCCESS
                }
                Err(ReplayError::Found(failure)) => {
                    outln!("{}: {failure}", scenario.name);
                    ExitCode::from(1)
                }
                Err(ReplayError::NoSuchRun(no_such_run)) => {
                    eprintln!("error: {}: {no_such_run}", scenario.name);
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// The program's name, as the user typed it.
fn program() -> String {
    std::env::args().next().unwrap_or_else(|| "sim".to_owned())
}

/// `list`: a line per scenario, its description in one column after the
/// longest name.
fn listing(scenarios: &[Scenario]) -> String {
    let width = scenarios.iter().map(|s| s.name.len()).max().unwrap_or(0);
    scenarios
        .iter()
        .map(|s| format!("{:<width$}  {}\n", s.name, s.description))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_lines_up_every_description_after_the_longest_name() {
        let scenarios = [
            Scenario::new("short", "first", || {}),
            Scenario::new("a-name-longer-than-thirty-two-bytes", "second", || {}),
        ];
        let listing = listing(&scenarios);
        let columns: Vec<usize> = listing
            .lines()
            .map(|line| line.rfind(' ').expect("a description") + 1)
            .collect();
        assert_eq!(columns, [37, 37], "{listing}");
    }

    #[test]
    fn a_count_of_zero_is_refused_naming_its_option() {
        for (command, option) in [
            (&["run", "s", "--schedules", "0"][..], "--schedules"),
            (
                &["shrink", "s", "random:0x1", "--attempts", "0"],
                "--attempts",
            ),
            (&["fuzz", "--seconds", "0"], "--seconds"),
            (&["coverage", "--schedules", "0"], "--schedules"),
        ] {
            let parsed =
                Args::try_parse_from(std::iter::once("sim").chain(command.iter().copied()));
            let words = parsed.err().map(|error| error.to_string());
            assert!(
                words.as_ref().is_some_and(|words| words.contains(option)),
                "{command:?}: {words:?}"
            );
        }
    }

    #[test]
    fn a_count_of_one_is_taken() {
        let parsed = Args::try_parse_from(["sim", "run", "s", "--schedules", "1"]);
        assert!(parsed.is_ok());
    }
}
