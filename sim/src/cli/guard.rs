//! The commands that simulate in their process (`run`, `replay`, `shrink`,
//! `self-test`) run as a child of `sim` ([`crate::child::relay`]): a store
//! bug that aborts the process, overflows its stack or hangs ends in a
//! report naming the run and its last events, with exit code 1, never in a
//! silent death. Their text and progress come through as they are written.

use std::process::ExitCode;
use std::time::Duration;

use crate::child::{self, Relayed, Spec};
use crate::engine::RunId;
use crate::isolation::CampaignCrash;

use super::target::resolve;
use super::{Command, Verdict};

/// No wall-time limit: a hang is the user's to stop (Ctrl-C), and a long
/// campaign may be what they asked for.
const NO_WATCHDOG: Duration = Duration::MAX;

/// The exit code when a signal stopped the command: 128 + SIGINT.
const INTERRUPTED_EXIT_CODE: u8 = 130;

impl Command {
    /// Whether the command runs as a child of `sim` when a user runs it.
    pub fn runs_guarded(&self) -> bool {
        matches!(
            self,
            Command::Run(_) | Command::Replay(_) | Command::Shrink(_) | Command::SelfTest(_)
        )
    }

    /// The run a crashed child was running, where the command names it:
    /// `sim run`'s campaign with the flight recorder's last run number, or
    /// the run `sim replay` replays.
    fn crashed_run(&self, last_run: Option<u64>) -> Option<RunId> {
        match self {
            Command::Run(args) => last_run.map(|number| RunId {
                scenario: args.scenario,
                driver: args.driver,
                number,
            }),
            Command::Replay(args) => Some(resolve(&args.run, args.plant).ok()?.run),
            _ => None,
        }
    }

    /// The command's name, as a crash report names it.
    fn name(&self) -> &'static str {
        match self {
            Command::Run(_) => "`sim run`",
            Command::Replay(_) => "`sim replay`",
            Command::Shrink(_) => "`sim shrink`",
            Command::SelfTest(_) => "`sim self-test`",
            _ => "the command",
        }
    }
}

/// Runs this `sim` again as a child with `--child` and the same arguments,
/// relays its output, and reports a crash; the exit code to end with.
pub fn run_guarded(command: &Command) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            crate::eprintln_real!("error: cannot find the sim executable: {error}");
            return ExitCode::from(2);
        }
    };
    let args = std::iter::once("--child".into()).chain(std::env::args_os().skip(1));
    let mut spec = Spec::new(&exe, args);
    spec.shows_stderr = true;
    match child::relay(&spec, NO_WATCHDOG) {
        Ok(Relayed::Exited(code)) => ExitCode::from(code),
        Ok(Relayed::Interrupted) => {
            crate::eprintln_real!("interrupted: the command was stopped before its report");
            ExitCode::from(INTERRUPTED_EXIT_CODE)
        }
        Ok(Relayed::Crashed(crash)) => {
            let run = command.crashed_run(crash.log.last_run);
            let running = command.name();
            let crash = CampaignCrash {
                crash,
                run,
                running,
            };
            crate::console::write_stdout(format_args!(
                "{crash}\n  This is a failure of the store under test: it took its process down. \
                 `--verbose` shows what it printed.\n"
            ));
            ExitCode::from(Verdict::Failed.exit_code())
        }
        Err(error) => {
            crate::eprintln_real!("error: cannot run sim's child process: {error}");
            ExitCode::from(2)
        }
    }
}
