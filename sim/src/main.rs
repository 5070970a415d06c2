//! `sim`: explore the store's schedules, replay a failure, fuzz. The
//! commands live in [`sim::cli`]; this renders their reports and maps them
//! to the exit codes of the contract there: 0 nothing failed, 1 a failure
//! was found or reproduced, 2 bad usage or a run that does not exist.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use sim::cli::{Cli, one_line_clap_error, prepare, print_error, run_guarded};
use sim::console::write_stdout;

/// Bad usage, or a run that does not exist.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_error(&error),
    };
    if let Err(error) = prepare(&cli) {
        print_error(format_args!("error: {error}"));
        return ExitCode::from(USAGE_ERROR);
    }
    if cli.command.runs_guarded() && !cli.child && !cli.flight_recorder {
        return run_guarded(&cli.command);
    }
    let child = cli.child;
    match cli.command.execute() {
        Ok(report) => {
            write_stdout(format_args!("{report}"));
            if child {
                for message in report.messages() {
                    write_stdout(format_args!("{}\n", message.to_line()));
                }
            }
            ExitCode::from(report.verdict().exit_code())
        }
        Err(error) => {
            print_error(format_args!("error: {error}"));
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// Help and the version print as clap renders them; every other parse
/// error is one line on stderr, exit code 2.
fn clap_error(error: &clap::Error) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!("error: give a command; `sim --help` lists them");
            ExitCode::from(USAGE_ERROR)
        }
        _ => {
            eprintln!("{}", one_line_clap_error(&error.render().to_string()));
            ExitCode::from(USAGE_ERROR)
        }
    }
}
