//! Campaigns in child processes (the crate's `child` module), so that no store bug can
//! take the harness down: an abort, a stack overflow or a hang ends one
//! child, which is reported as a crash with its run id, how it died and the
//! last trace events it wrote, while the other campaigns go on.
//!
//! A child is `sim --child run ...`: the campaign in-process, its usual
//! report as text, then one `Message::Campaign`.

use std::path::Path;
use std::time::Duration;

use crate::child::{self, Crash, Message, Outcome, Spec};
use crate::coverage::Coverage;
use crate::engine::{Campaign, RunId};

/// A campaign to run in a child process.
#[derive(Clone, Debug)]
pub struct ChildCampaign<'a> {
    /// The `sim` executable.
    pub exe: &'a Path,
    /// What the child runs.
    pub campaign: &'a Campaign,
    /// Wall time after which a child counts as hung and is killed.
    pub watchdog: Duration,
    /// Where the child stores a failure it finds, if anywhere.
    pub save_to: Option<&'a Path>,
}

/// How a child campaign ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildOutcome {
    /// The child ran its campaign to the end and reported.
    Finished {
        /// Schedules run.
        schedules: usize,
        /// Whether an oracle broke; the report is in `stdout`.
        failed: bool,
        /// The campaign's wall time, as the child measured it.
        elapsed: Duration,
        /// How many schedules reached each situation worth reaching.
        coverage: Coverage,
        /// The child's report.
        stdout: String,
    },
    /// The child died or hung.
    Crashed(CampaignCrash),
    /// A signal asked `sim` to stop (see the crate's `interrupt` module); the child
    /// was stopped before it reported.
    Interrupted,
}

/// A child that died without reporting, running a campaign or a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignCrash {
    /// How it died and what it did last.
    pub crash: Crash,
    /// The schedule that was running, when the flight recorder saw it.
    pub run: Option<RunId>,
    /// What the child was running: "the campaign", "`sim replay`", ...
    pub running: &'static str,
}

impl std::fmt::Display for CampaignCrash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "CRASH: the process running {} {}",
            self.running, self.crash.how
        )?;
        match self.run {
            Some(run) => writeln!(f, "  run:     {run}")?,
            None => writeln!(
                f,
                "  run:     not known (no schedule it ran is named by a run id)"
            )?,
        }
        let events = &self.crash.log.last_events;
        write!(f, "  last events ({}):", events.len())?;
        for event in events {
            write!(f, "\n    {event}")?;
        }
        Ok(())
    }
}

impl ChildCampaign<'_> {
    /// Runs the campaign in a child; a crash is run once more with the
    /// flight recorder on, to learn where it happened.
    pub fn run(&self) -> std::io::Result<ChildOutcome> {
        let outcome = child::run_to_end(&self.spec(), self.watchdog)?;
        Ok(match outcome {
            Outcome::Finished { messages, text } => self.finished(&messages, text),
            Outcome::Crashed(crash) => ChildOutcome::Crashed(self.crashed(crash)),
            Outcome::Interrupted => ChildOutcome::Interrupted,
        })
    }

    fn spec(&self) -> Spec {
        let campaign = self.campaign;
        let mut args: Vec<String> = vec![
            "--child".to_owned(),
            "run".to_owned(),
            campaign.scenario.name().to_owned(),
            "--driver".to_owned(),
            campaign.driver.to_string(),
            "--schedules".to_owned(),
            campaign.schedules.to_string(),
            "--seed".to_owned(),
            format!("{:#x}", campaign.seed),
        ];
        if let Some(bug) = campaign.planted_bug {
            args.extend(["--plant".to_owned(), bug.name().to_owned()]);
        }
        let mut spec = Spec::new(self.exe, args);
        if let Some(dir) = self.save_to {
            spec.args
                .extend(["--save".into(), "--corpus".into(), dir.into()]);
        }
        spec
    }

    fn finished(&self, messages: &[Message], text: String) -> ChildOutcome {
        let ended = messages.iter().find_map(|message| match message {
            Message::Campaign {
                schedules,
                failed,
                elapsed_ms,
                coverage,
            } => Some((*schedules, *failed, *elapsed_ms, coverage.clone())),
            _ => None,
        });
        match ended {
            Some((schedules, failed, elapsed_ms, coverage)) => ChildOutcome::Finished {
                schedules,
                failed,
                elapsed: Duration::from_millis(elapsed_ms),
                coverage,
                stdout: text,
            },
            None => ChildOutcome::Crashed(CampaignCrash {
                crash: Crash {
                    how: "ended without reporting its campaign".to_owned(),
                    log: child::FlightLog::default(),
                    passed_alone: false,
                },
                run: None,
                running: "the campaign",
            }),
        }
    }

    fn crashed(&self, crash: Crash) -> CampaignCrash {
        let run = crash.log.last_run.map(|number| RunId {
            scenario: self.campaign.scenario,
            driver: self.campaign.driver,
            number,
        });
        CampaignCrash {
            crash,
            run,
            running: "the campaign",
        }
    }
}
