//! `sim replay`: one run, twice, with the determinism check.

use std::fmt;
use std::path::PathBuf;

use scenarios::PlantedBug;

use super::args::{self, Target};
use super::target::{Resolved, resolve};
use super::{Report, UsageError, Verdict};
use crate::platform::format_trace;
use crate::replay::Replay;

/// What `sim replay` replays.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A swarm seed (0x…, as `sim fuzz` prints it), a run id
    /// (SCENARIO:DRIVER:NUMBER, as failures print it) or a corpus entry file.
    #[arg(value_name = "SEED|RUN|FILE.toml", value_parser = args::target)]
    pub run: Target,
    /// The bug that was planted when it failed (see `sim list --bugs`).
    #[arg(long, value_name = "BUG", value_parser = args::planted_bug)]
    pub plant: Option<PlantedBug>,
    /// Print the per-thread event trace.
    #[arg(long)]
    pub trace: bool,
    /// Write the run as Chrome trace-event JSON (open it in Perfetto or chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub chrome_trace: Option<PathBuf>,
}

/// The replayed run and what it showed.
pub(super) struct ReplayReport {
    target: Resolved,
    replayed: Replay,
    trace: bool,
    chrome_trace: Option<PathBuf>,
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.target)?;
        if let Some(Err(divergence)) = &self.replayed.determinism {
            return writeln!(f, "{divergence}");
        }
        let execution = &self.replayed.execution;
        if self.trace {
            write!(f, "{}", format_trace(&execution.trace))?;
        }
        if let Some(file) = &self.chrome_trace {
            writeln!(
                f,
                "chrome trace: {} (open in ui.perfetto.dev or chrome://tracing)",
                file.display()
            )?;
        }
        let determinism = match self.replayed.determinism {
            Some(_) => "replayed twice, identical traces",
            None => "real threads: replayed once, not exactly reproducible",
        };
        match &execution.violation {
            Some(violation) => {
                writeln!(
                    f,
                    "FAILURE reproduced ({determinism}): {}",
                    violation.breach.description()
                )?;
                writeln!(f, "  oracle:  {}", violation.breach)?;
                writeln!(f, "  what:    {violation}")?;
                for blocked in &violation.blocked {
                    writeln!(f, "  blocked: {blocked}")?;
                }
                Ok(())
            }
            None => writeln!(
                f,
                "{}: no oracle broke ({determinism}; {} events)",
                self.target.run,
                execution.trace.len()
            ),
        }
    }
}

impl Report for ReplayReport {
    fn verdict(&self) -> Verdict {
        let diverged = matches!(self.replayed.determinism, Some(Err(_)));
        Verdict::failed_if(diverged || self.replayed.execution.violation.is_some())
    }
}

pub(super) fn replay(args: &ReplayArgs) -> Result<ReplayReport, UsageError> {
    let target = resolve(&args.run, args.plant)?;
    let replayed = crate::replay::replay(target.run, target.bug)?;
    if let Some(file) = &args.chrome_trace {
        let picture = crate::chrome_trace::chrome_trace(
            &target.run.to_string(),
            target.bug,
            &replayed.execution,
        );
        let text = serde_json::to_string_pretty(&picture)
            .map_err(|error| UsageError(format!("cannot serialise the trace: {error}")))?;
        std::fs::write(file, text).map_err(|error| UsageError::io("cannot write", file, error))?;
    }
    Ok(ReplayReport {
        target,
        replayed,
        trace: args.trace,
        chrome_trace: args.chrome_trace.clone(),
    })
}
