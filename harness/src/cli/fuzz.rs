//! `fuzz`: campaign after campaign of every scenario under the seeded
//! engines, each campaign's scenario, engine and seed drawn from one seed,
//! until the time is up. Each distinct failure (scenario and signature) is
//! printed the moment it is found, with the line that replays it, so an
//! interrupt loses nothing found.
//!
//! Each campaign runs in a child process of its own (`campaign`, the same
//! binary), watched by a watchdog: a component that aborts the process,
//! overflows a stack, spins without a scheduling point or exits before its
//! campaign reports costs that one campaign, which is reported as a
//! finding with the line that reruns it, and the job goes on. With the
//! subject's coverage, each child also reports the situations its
//! executions reached, and the job ends with their table.

use std::collections::BTreeSet;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::coverage::{self, Covering};
use crate::Scenario;
use crate::check::{Error, Swarm};
use crate::process::{self, Ended};

/// What a campaign's child tells its parent on stdout, after whatever the
/// code under test printed.
#[derive(Debug, Serialize, Deserialize)]
struct Report {
    /// The failure it found, if any.
    found: Option<Found>,
    /// The executions that passed.
    executions: u64,
    /// Executions that reached each of the subject's situations, in
    /// table order; empty without the subject's coverage.
    coverage: Vec<u64>,
}

/// A failure a campaign's child found.
#[derive(Debug, Serialize, Deserialize)]
struct Found {
    /// The scenario that failed.
    scenario: String,
    /// The failure's signature: what makes two failures one bug.
    signature: String,
    /// The failure and the line that replays it, for people.
    report: String,
}

/// The line after which a campaign's child writes its report: whatever
/// the code under test printed comes before it.
const REPORT_FOLLOWS: &str = "-- the campaign's report --";

/// Exit code of a campaign that found a failure.
const FOUND: u8 = 1;

/// Exit code of a campaign that could not run.
const UNUSABLE: u8 = 2;

/// `fuzz --seconds` of wall time: every campaign in a child, killed if it
/// outlives `watchdog`.
pub(super) fn fuzz(
    scenarios: &'static [Scenario],
    covering: Option<Covering>,
    budget: Duration,
    seed: u64,
    watchdog: Duration,
) -> ExitCode {
    if scenarios.is_empty() {
        eprintln!("error: there is no scenario to fuzz");
        return ExitCode::from(UNUSABLE);
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("error: cannot find this program to run its campaigns: {error}");
            return ExitCode::from(UNUSABLE);
        }
    };
    // Wall time bounds the job only; every choice comes from `seed`.
    let started = Instant::now();
    let mut seen = BTreeSet::new();
    let swarm = Swarm::new(seed);
    let mut campaigns = 0_u64;
    // The coverage the children reported: runs per situation.
    let (mut covered, mut executions) = (Vec::new(), 0_u64);
    while started.elapsed() < budget {
        let index = campaigns;
        campaigns += 1;
        let campaign = swarm.campaign(index, scenarios.len());
        let scenario = scenarios[campaign.body].name;
        let mut command = Command::new(&exe);
        command.args([
            "campaign",
            "--seed",
            &seed.to_string(),
            "--index",
            &index.to_string(),
        ]);
        name_as_typed(&mut command);
        let ended = match process::run(command, watchdog) {
            Ok(ended) => ended,
            Err(error) => {
                eprintln!("error: cannot run campaign {index} in a child process: {error}");
                return ExitCode::from(UNUSABLE);
            }
        };
        // How the process ended, and its last words on stderr.
        let (how, last_words) = match ended {
            Ended::Exited { code, stdout } if code == 0 || code == i32::from(FOUND) => {
                match report_in(&stdout) {
                    Some(report) if report.found.is_some() == (code != 0) => {
                        coverage::add_runs(&mut covered, &report.coverage);
                        executions += report.executions;
                        if let Some(found) = report.found {
                            if seen.insert((found.scenario, found.signature)) {
                                outln!("{}", found.report);
                            }
                        }
                        continue;
                    }
                    // The code under test ended the process itself, with
                    // a code the campaign uses.
                    _ => (
                        format!("exited with code {code} before its campaign reported"),
                        String::new(),
                    ),
                }
            }
            Ended::Exited { code, .. } if code == i32::from(UNUSABLE) => {
                eprintln!("error: campaign {index} could not run (its error is above)");
                return ExitCode::from(UNUSABLE);
            }
            Ended::Exited { code, .. } => (format!("exited with code {code}"), String::new()),
            Ended::Died { how, stderr_tail } => (how, stderr_tail),
            Ended::Hung => (
                format!("ran past the watchdog of {} s", watchdog.as_secs_f64()),
                String::new(),
            ),
        };
        if seen.insert((scenario.to_owned(), how.clone())) {
            outln!(
                "{scenario}: the process {how} in campaign {index} ({} schedules of {})",
                Swarm::SCHEDULES_PER_CAMPAIGN,
                campaign.engine
            );
            for line in last_words.lines() {
                outln!("  | {line}");
            }
            outln!(
                "rerun it: {} campaign --seed {seed} --index {index}",
                super::program()
            );
        }
    }
    if let Some(covering) = covering {
        match covering.table(&covered, executions) {
            Ok(table) => out!("{table}"),
            // Children of another build: the job's findings still stand.
            Err(error) => eprintln!("error: the campaigns' coverage: {error}"),
        }
    }
    outln!(
        "fuzz: {campaigns} campaigns of {} schedules in {:.1} s, {} distinct failures",
        Swarm::SCHEDULES_PER_CAMPAIGN,
        started.elapsed().as_secs_f64(),
        seen.len()
    );
    if seen.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    }
}

/// The report a child wrote after everything else on `stdout`, if any.
fn report_in(stdout: &str) -> Option<Report> {
    let (_, report) = stdout.rsplit_once(&format!("{REPORT_FOLLOWS}\n"))?;
    toml::from_str(report).ok()
}

/// Campaign `index` of `fuzz --seed seed`, in this process: what each of
/// fuzz's children runs. It ends with its report on stdout, exit code 0
/// if it found nothing and 1 if it found a failure; exit code 2 if it
/// could not run.
pub(super) fn campaign(
    scenarios: &'static [Scenario],
    covering: Option<Covering>,
    seed: u64,
    index: u64,
) -> ExitCode {
    if scenarios.is_empty() {
        eprintln!("error: there is no scenario to fuzz");
        return ExitCode::from(UNUSABLE);
    }
    let campaign = Swarm::new(seed).campaign(index, scenarios.len());
    let scenario = &scenarios[campaign.body];
    let (outcome, executions, coverage) = match covering {
        Some(covering) => {
            let counted = covering.search(&campaign.check, scenario.body);
            (counted.outcome, counted.executions, counted.runs)
        }
        // Nothing counts executions without a classifier.
        None => (campaign.check.run(scenario.body), 0, Vec::new()),
    };
    let found = match outcome {
        Ok(_) => None,
        Err(Error::Found(failure)) => Some(Found {
            scenario: scenario.name.to_owned(),
            signature: failure.signature(),
            report: format!(
                "{}: {failure}\nreplay it: {} replay {} {}",
                scenario.name,
                super::program(),
                scenario.name,
                failure.run
            ),
        }),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(UNUSABLE);
        }
    };
    let code = if found.is_some() { FOUND } else { 0 };
    let report = Report {
        found,
        executions,
        coverage,
    };
    match toml::to_string(&report) {
        Ok(text) => {
            out!("\n{REPORT_FOLLOWS}\n{text}");
            ExitCode::from(code)
        }
        Err(error) => {
            eprintln!("error: cannot write campaign {index}'s report: {error}");
            ExitCode::from(UNUSABLE)
        }
    }
}

/// Gives the child the program name the user typed, so that the lines it
/// prints for replaying read as the user would type them.
#[cfg(unix)]
fn name_as_typed(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.arg0(super::program());
}

#[cfg(not(unix))]
fn name_as_typed(_: &mut Command) {}
