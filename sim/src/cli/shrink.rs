//! `sim shrink`: the smallest run that fails the same way.

use std::fmt;

use scenarios::PlantedBug;

use super::args::{self, SaveArgs, Target};
use super::save::{Saved, save};
use super::target::{Resolved, resolve};
use super::{Report, UsageError, Verdict};
use crate::child::Message;
use crate::engine::{Failure, replay_once};
use crate::shrink::Shrunk;

/// What `sim shrink` shrinks.
#[derive(Debug, clap::Args)]
#[command(mut_arg("save", |arg| arg.help("Store the shrunk failure in the corpus")))]
pub struct ShrinkArgs {
    /// A swarm seed (0x…), a run id (SCENARIO:DRIVER:NUMBER) or a corpus entry file.
    #[arg(value_name = "SEED|RUN|FILE.toml", value_parser = args::target)]
    pub run: Target,
    /// The bug planted when it failed (see `sim list --bugs`).
    #[arg(long, value_name = "BUG", value_parser = args::planted_bug)]
    pub plant: Option<PlantedBug>,
    /// Seeds to try, 1 to 1,000,000.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub tries: u32,
    /// `--save` and `--corpus`.
    #[command(flatten)]
    pub save: SaveArgs,
}

/// The shrunk failure, or the news that the run passes.
pub(super) struct ShrinkReport {
    target: Resolved,
    shrunk: Option<Shrunk>,
    saved: Option<Saved>,
}

impl fmt::Display for ShrinkReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.target)?;
        let run = self.target.run;
        let Some(shrunk) = &self.shrunk else {
            return writeln!(f, "{run}: no oracle broke; nothing to shrink");
        };
        writeln!(f, "oracle:  {}", shrunk.failure.breach())?;
        writeln!(f, "before:  {run} ({})", shrunk.before)?;
        let after = shrunk.failure.run.unwrap_or(run);
        writeln!(
            f,
            "after:   {after} ({}), the smallest of {} seeds tried",
            shrunk.after, shrunk.tries
        )?;
        if let Some(command) = shrunk.failure.replay_command() {
            writeln!(f, "replay:  {command}")?;
        }
        if let Some(saved) = &self.saved {
            write!(f, "{saved}")?;
        }
        Ok(())
    }
}

impl Report for ShrinkReport {
    fn verdict(&self) -> Verdict {
        Verdict::failed_if(self.shrunk.is_some())
    }

    fn messages(&self) -> Vec<Message> {
        self.saved.iter().map(Saved::message).collect()
    }
}

pub(super) fn shrink(args: &ShrinkArgs) -> Result<ShrinkReport, UsageError> {
    let target = resolve(&args.run, args.plant)?;
    let execution = replay_once(target.run, target.bug)?;
    if execution.violation.is_none() {
        return Ok(ShrinkReport {
            target,
            shrunk: None,
            saved: None,
        });
    }
    let failure = Failure {
        schedule: 1,
        run: Some(target.run),
        planted_bug: target.bug,
        execution,
    };
    let shrunk = crate::shrink::shrink(&failure, args.tries as usize);
    let saved = match args.save.dir() {
        Some(dir) => Some(save(&shrunk.failure, dir)?),
        None => None,
    };
    Ok(ShrinkReport {
        target,
        shrunk: Some(shrunk),
        saved,
    })
}
