//! `sim run`: one scenario under one driver, in this process.

use std::fmt;

use scenarios::PlantedBug;
use scenarios::Scenario;

use super::args::{self, SaveArgs};
use super::save::{Saved, shrink_and_save};
use super::{Report, UsageError, Verdict};
use crate::child::Message;
use crate::engine::{Campaign, Driver, thousands};

/// What `sim run` runs.
#[derive(Debug, clap::Args)]
#[command(mut_arg("save", |arg| arg.help("Shrink the failure found and store it in the corpus")))]
pub struct RunArgs {
    /// The scenario (see `sim list`).
    #[arg(value_parser = args::scenario)]
    pub scenario: Scenario,
    /// The driver: one of [`Driver::SYNTAX`].
    #[arg(
        long,
        value_parser = args::driver,
        default_value = "random",
        help = format!("{} (see `sim list --drivers`)", Driver::SYNTAX)
    )]
    pub driver: Driver,
    /// Most schedules to run (dfs and loom: at most 100,000).
    #[arg(long, value_parser = args::at_least_one, default_value = "1000", allow_hyphen_values = true)]
    pub schedules: u64,
    /// The campaign's seed (decimal or 0x hex); schedule k gets its own seed from it.
    #[arg(long, value_parser = args::seed, default_value = "0", allow_hyphen_values = true)]
    pub seed: u64,
    /// Plant a bug into every store (see `sim list --bugs`).
    #[arg(long, value_name = "BUG", value_parser = args::planted_bug)]
    pub plant: Option<PlantedBug>,
    /// `--save` and `--corpus`.
    #[command(flatten)]
    pub save: SaveArgs,
}

/// What a campaign found.
pub(super) struct RunReport {
    campaign: Campaign,
    report: crate::engine::Report,
    saved: Option<Saved>,
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} under {}: {} schedule(s) in {:.2} s",
            self.campaign.scenario.name(),
            self.campaign.driver,
            thousands(self.report.schedules_run as u64),
            self.report.elapsed.as_secs_f64()
        )?;
        if let Some(failure) = &self.report.failure {
            writeln!(f, "{failure}")?;
        }
        if let Some(saved) = &self.saved {
            write!(f, "{saved}")?;
        }
        Ok(())
    }
}

impl Report for RunReport {
    fn verdict(&self) -> Verdict {
        Verdict::failed_if(self.report.failure.is_some())
    }

    fn messages(&self) -> Vec<Message> {
        vec![Message::Campaign {
            schedules: self.report.schedules_run,
            failed: self.report.failure.is_some(),
            elapsed_ms: u64::try_from(self.report.elapsed.as_millis()).unwrap_or(u64::MAX),
            coverage: self.report.coverage.clone(),
        }]
    }
}

pub(super) fn run(args: &RunArgs) -> Result<RunReport, UsageError> {
    if let Some(most) = args
        .driver
        .most_schedules()
        .filter(|&most| args.schedules > most)
    {
        return Err(UsageError(format!(
            "--schedules {}: a {} campaign runs at most {} (each execution's number must replay in bounded time)",
            args.schedules,
            args.driver,
            thousands(most)
        )));
    }
    let schedules = usize::try_from(args.schedules).unwrap_or(usize::MAX);
    let mut campaign = Campaign::new(args.scenario, args.driver, schedules, args.seed);
    campaign.planted_bug = args.plant;
    let report = campaign.run();
    let saved = match (&report.failure, args.save.dir()) {
        (Some(failure), Some(dir)) => Some(shrink_and_save(failure, dir)?),
        _ => None,
    };
    Ok(RunReport {
        campaign,
        report,
        saved,
    })
}
