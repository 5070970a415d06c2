//! `sim explore`: every scenario under every driver, each campaign in a
//! child process under a watchdog.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use scenarios::PlantedBug;
use scenarios::Scenario;

use super::args::{self, SaveArgs};
use super::{Report, UsageError, Verdict};
use crate::coverage::Coverage;
use crate::engine::{Campaign, Driver, thousands};
use crate::isolation::{ChildCampaign, ChildOutcome};

/// What `sim explore` explores.
#[derive(Debug, clap::Args)]
#[command(mut_arg("save", |arg| {
    arg.help("Shrink each failure a campaign finds and store it in the corpus")
}))]
pub struct ExploreArgs {
    /// Multiply every default budget by this (dfs and loom stop at 100,000).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub scale: u32,
    /// The campaigns' seed (decimal or 0x hex).
    #[arg(long, value_parser = args::seed, default_value = "0", allow_hyphen_values = true)]
    pub seed: u64,
    /// Only this scenario (default: all of `sim list`).
    #[arg(long, value_parser = args::scenario)]
    pub scenario: Option<Scenario>,
    /// Only this driver (default: random, pct3, urw, dfs, loom2, threads).
    #[arg(long, value_parser = args::driver)]
    pub driver: Option<Driver>,
    /// Plant a bug into every store (see `sim list --bugs`).
    #[arg(long, value_name = "BUG", value_parser = args::planted_bug)]
    pub plant: Option<PlantedBug>,
    /// Seconds a campaign may take before it counts as hung.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = args::watchdog_seconds)]
    pub watchdog: Duration,
    /// `--save` and `--corpus`.
    #[command(flatten)]
    pub save: SaveArgs,
}

/// One row of the table.
struct Row {
    scenario: Scenario,
    driver: Driver,
    outcome: ChildOutcome,
}

impl Row {
    fn failed(&self) -> bool {
        matches!(
            self.outcome,
            ChildOutcome::Finished { failed: true, .. } | ChildOutcome::Crashed(_)
        )
    }

    /// The campaign's verdict as the progress line shows it.
    fn progress_cell(&self) -> String {
        match &self.outcome {
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
            ChildOutcome::Crashed(crashed) => format!("CRASHED {}", crashed.crash.how),
            ChildOutcome::Interrupted => "interrupted".to_owned(),
        }
    }
}

/// The table, the coverage and every failure in full.
pub(super) struct ExploreReport {
    rows: Vec<Row>,
    /// Campaigns planned, of which `rows` ran.
    planned: usize,
    elapsed: Duration,
}

impl fmt::Display for ExploreReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n| scenario | driver | schedules | failures | time |\n|---|---|---:|---:|---:|"
        )?;
        let mut coverage = Coverage::default();
        let mut schedules_run = 0;
        for row in &self.rows {
            let (schedules, time) = match &row.outcome {
                ChildOutcome::Finished {
                    schedules,
                    elapsed,
                    coverage: reached,
                    ..
                } => {
                    coverage.merge(reached);
                    schedules_run += *schedules as u64;
                    (
                        thousands(*schedules as u64),
                        format!("{:.2} s", elapsed.as_secs_f64()),
                    )
                }
                ChildOutcome::Crashed(_) => ("crashed".to_owned(), "-".to_owned()),
                ChildOutcome::Interrupted => ("interrupted".to_owned(), "-".to_owned()),
            };
            writeln!(
                f,
                "| {} | {} | {schedules} | {} | {time} |",
                row.scenario.name(),
                row.driver,
                usize::from(row.failed()),
            )?;
        }
        writeln!(f, "\nCoverage: schedules that reached each situation\n")?;
        write!(f, "{}", crate::coverage::table(&coverage, schedules_run))?;
        let failed: Vec<&Row> = self.rows.iter().filter(|row| row.failed()).collect();
        let finished = self
            .rows
            .iter()
            .filter(|row| !matches!(row.outcome, ChildOutcome::Interrupted))
            .count();
        writeln!(
            f,
            "\n{finished} of {} campaigns, {} failure(s), {:.1} s",
            self.planned,
            failed.len(),
            self.elapsed.as_secs_f64()
        )?;
        if finished < self.planned {
            writeln!(
                f,
                "INTERRUPTED: {} campaign(s) did not run to their end",
                self.planned - finished
            )?;
        }
        for row in &failed {
            writeln!(f)?;
            match &row.outcome {
                ChildOutcome::Finished { stdout, .. } => write!(f, "{stdout}")?,
                ChildOutcome::Crashed(crash) => {
                    writeln!(f, "{} under {}:", row.scenario.name(), row.driver)?;
                    writeln!(f, "{crash}")?;
                    writeln!(
                        f,
                        "  This is a failure of the store under test; the other campaigns went on."
                    )?;
                }
                ChildOutcome::Interrupted => {}
            }
        }
        Ok(())
    }
}

impl Report for ExploreReport {
    fn verdict(&self) -> Verdict {
        Verdict::failed_if(self.rows.iter().any(Row::failed))
    }
}

pub(super) fn explore(args: &ExploreArgs) -> Result<ExploreReport, UsageError> {
    let scenarios = args
        .scenario
        .map_or(Scenario::ALL.to_vec(), |one| vec![one]);
    let drivers = args.driver.map_or(Driver::ALL.to_vec(), |one| vec![one]);
    let exe = std::env::current_exe()
        .map_err(|error| UsageError(format!("cannot find the sim executable: {error}")))?;
    let started = Instant::now();
    let planned = scenarios.len() * drivers.len();
    let mut rows: Vec<Row> = Vec::new();
    'campaigns: for &scenario in &scenarios {
        for &driver in &drivers {
            if crate::interrupt::requested() {
                break 'campaigns;
            }
            eprint!(
                "[{:>2}/{planned}] {:<28} {:<8} ",
                rows.len() + 1,
                scenario.name(),
                driver.to_string()
            );
            let row = run_campaign(&exe, scenario, driver, args)?;
            eprintln!("{}", row.progress_cell());
            rows.push(row);
        }
    }
    Ok(ExploreReport {
        rows,
        planned,
        elapsed: started.elapsed(),
    })
}

fn run_campaign(
    exe: &Path,
    scenario: Scenario,
    driver: Driver,
    args: &ExploreArgs,
) -> Result<Row, UsageError> {
    let budget = driver.engine().default_budget() as u64;
    let scaled = budget.saturating_mul(u64::from(args.scale));
    let schedules = driver
        .most_schedules()
        .map_or(scaled, |most| scaled.min(most));
    let mut campaign = Campaign::new(
        scenario,
        driver,
        usize::try_from(schedules).unwrap_or(usize::MAX),
        args.seed,
    );
    campaign.planted_bug = args.plant;
    let child = ChildCampaign {
        exe,
        campaign: &campaign,
        watchdog: args.watchdog,
        save_to: args.save.dir(),
    };
    let outcome = child
        .run()
        .map_err(|error| UsageError(format!("cannot run a child campaign: {error}")))?;
    Ok(Row {
        scenario,
        driver,
        outcome,
    })
}
