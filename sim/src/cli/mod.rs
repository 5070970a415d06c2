//! `sim`'s commands as library functions: each takes its parsed arguments
//! and returns a typed report; `main.rs` renders the report and maps it to
//! the exit code. Progress goes to stderr while a command runs.
//!
//! | exit code | meaning |
//! |---|---|
//! | 0 | nothing failed |
//! | 1 | a failure was found or reproduced (self-test: a planted bug was missed) |
//! | 2 | bad usage, or a run that does not exist |

pub mod args;
mod corpus;
mod explore;
mod fuzz;
mod guard;
mod list;
mod replay;
mod run;
mod save;
mod self_test;
mod shrink;
mod target;

use std::fmt;
use std::path::Path;

use clap::{Parser, Subcommand};

pub use self::corpus::CorpusAction;
pub use self::explore::ExploreArgs;
pub use self::fuzz::{FuzzArgs, FuzzJobArgs};
pub use self::guard::run_guarded;
pub use self::list::ListArgs;
pub use self::replay::ReplayArgs;
pub use self::run::RunArgs;
pub use self::self_test::SelfTestArgs;
pub use self::shrink::ShrinkArgs;

/// The `sim` command line.
#[derive(Debug, Parser)]
#[command(
    name = "sim",
    version,
    about = "Deterministic schedule exploration for the temp-file store",
    after_help = "Exit codes: 0 nothing failed, 1 a failure was found or reproduced, \
                  2 bad usage or a run that does not exist."
)]
pub struct Cli {
    /// Let the schedulers' own output (shuttle's panic lines) through to stderr.
    #[arg(long, global = true)]
    pub verbose: bool,
    /// Run as a child of another sim: end with the report's messages.
    #[arg(long, global = true, hide = true)]
    pub child: bool,
    /// Stream run numbers and trace events to stderr as they happen.
    #[arg(long, global = true, hide = true)]
    pub flight_recorder: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// One `sim` command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the scenarios (or the planted bugs, or the drivers), one line each.
    List(ListArgs),
    /// Run one scenario under one driver until a failure or the budget ends.
    Run(RunArgs),
    /// Run every scenario under every driver with default budgets, each
    /// campaign in a child process under a watchdog; print a table.
    Explore(ExploreArgs),
    /// Swarm fuzzing: runs named by one seed each, in parallel child
    /// processes, until the budget ends; failures deduplicated by signature
    /// and replayed twice.
    Fuzz(FuzzArgs),
    /// One job of `sim fuzz` (a child process): prints one JSON line per run.
    #[command(hide = true)]
    FuzzJob(FuzzJobArgs),
    /// Replay one run exactly (twice, checking the harness is deterministic).
    Replay(ReplayArgs),
    /// Find the smallest run that fails the same way: fewest threads, then
    /// events, then context switches; print it with its replay line.
    Shrink(ShrinkArgs),
    /// Check or refresh the corpus.
    Corpus {
        /// What to do.
        #[command(subcommand)]
        action: CorpusAction,
    },
    /// Plant each bug of `sim list --bugs` and find it in its home scenario.
    SelfTest(SelfTestArgs),
}

impl Command {
    /// Whether the command runs simulations in this process, whose
    /// schedulers print to stderr (see [`crate::console`]).
    pub fn simulates_here(&self) -> bool {
        !matches!(
            self,
            Command::List(_) | Command::Explore(_) | Command::Fuzz(_)
        )
    }

    /// Runs the command; its report, or why it could not run.
    pub fn execute(self) -> Result<Box<dyn Report>, UsageError> {
        Ok(match self {
            Command::List(args) => Box::new(list::list(&args)),
            Command::Run(args) => Box::new(run::run(&args)?),
            Command::Explore(args) => Box::new(explore::explore(&args)?),
            Command::Fuzz(args) => Box::new(fuzz::fuzz(&args)?),
            Command::FuzzJob(args) => Box::new(fuzz::fuzz_job(&args)?),
            Command::Replay(args) => Box::new(replay::replay(&args)?),
            Command::Shrink(args) => Box::new(shrink::shrink(&args)?),
            Command::Corpus { action } => Box::new(corpus::corpus(&action)?),
            Command::SelfTest(args) => Box::new(self_test::self_test(&args)?),
        })
    }
}

/// Readies the process for `cli`'s command: the perturbations of
/// `SIM_PERTURB` (bad usage if malformed), the Ctrl-C handler, the flight
/// recorder, and fd 2 silenced while schedulers run here (see
/// [`crate::console`]).
pub fn prepare(cli: &Cli) -> Result<(), UsageError> {
    crate::platform::Perturbations::from_env().map_err(UsageError)?;
    crate::interrupt::install();
    if cli.flight_recorder {
        crate::flight::switch_on();
    }
    // A guarded command simulates in its child, which silences its own fd
    // 2; the parent keeps its own, which the child's progress goes to.
    let guarded_here = cli.command.runs_guarded() && !cli.child;
    if cli.command.simulates_here() && !guarded_here && !cli.verbose {
        if let Err(error) = crate::console::silence_schedulers() {
            print_error(format_args!(
                "warning: the schedulers' own output will show: {error}"
            ));
        }
    }
    Ok(())
}

/// Writes `line` to the real stderr, even while fd 2 is silenced.
pub fn print_error(line: fmt::Arguments<'_>) {
    crate::console::write_line(line);
}

/// How a command ended, as its exit code tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing failed: exit code 0.
    Clean,
    /// A failure was found or reproduced: exit code 1.
    Failed,
}

impl Verdict {
    /// `Failed` if `failed`.
    pub fn failed_if(failed: bool) -> Verdict {
        if failed {
            Verdict::Failed
        } else {
            Verdict::Clean
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::Failed => 1,
        }
    }
}

/// What a command found, printed on stdout when it ends.
pub trait Report: fmt::Display {
    /// Whether it found a failure.
    fn verdict(&self) -> Verdict;

    /// What it tells a parent `sim` when it runs as a child, after its text.
    fn messages(&self) -> Vec<crate::child::Message> {
        Vec::new()
    }
}

/// Why a command could not do its job: bad input, a run that does not
/// exist, a file it cannot read or write. One line; exit code 2.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    /// `what` failed on `path` with `error`.
    pub fn io(what: &str, path: &Path, error: impl fmt::Display) -> UsageError {
        UsageError(format!("{what} {}: {error}", path.display()))
    }
}

impl From<crate::engine::NoSuchRun> for UsageError {
    fn from(error: crate::engine::NoSuchRun) -> UsageError {
        UsageError(error.to_string())
    }
}

impl From<crate::corpus::CorpusError> for UsageError {
    fn from(error: crate::corpus::CorpusError) -> UsageError {
        UsageError(error.to_string())
    }
}

/// A clap error as one line: its first paragraph, lines joined, without the
/// usage block, the pointer to `--help` and a tip on passing values that
/// start with `-` (every number that needs one is parsed as a value).
pub fn one_line_clap_error(rendered: &str) -> String {
    let paragraphs: Vec<String> = rendered
        .split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|paragraph| !paragraph.is_empty())
        .collect();
    let mut line = paragraphs.first().cloned().unwrap_or_default();
    for tip in paragraphs.iter().skip(1) {
        if tip.starts_with("tip:") && !tip.contains("use '-- ") {
            line.push_str(&format!(" ({tip})"));
        }
    }
    let line = line.strip_suffix(':').unwrap_or(&line).to_owned();
    match line.strip_prefix("error: ") {
        Some(rest) => format!("error: {rest}"),
        None => format!("error: {line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clap_error_becomes_one_line_without_usage_or_help_pointer() {
        let rendered = "error: the following required arguments were not provided:\n  \
                        <SCENARIO>\n\nUsage: sim run <SCENARIO>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line_clap_error(rendered),
            "error: the following required arguments were not provided: <SCENARIO>"
        );
    }

    #[test]
    fn a_helpful_tip_stays_and_a_misleading_one_goes() {
        let rendered = "error: unexpected argument '--scal' found\n\n  tip: a similar argument \
                        exists: '--scale'\n\n  tip: to pass '--scal' as a value, use '-- --scal'\n";
        assert_eq!(
            one_line_clap_error(rendered),
            "error: unexpected argument '--scal' found (tip: a similar argument exists: '--scale')"
        );
    }
}
