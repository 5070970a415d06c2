//! The logger's scenarios on the harness library's command line:
//! `logger-sim list`, `run SCENARIO`, `replay SCENARIO RUN`, `shrink`,
//! `fuzz`, `corpus check DIR`, and `coverage` of the logger's matrix.

use scenarios::library::{LOGGER_SCENARIOS, LoggerCoverage};

fn main() -> std::process::ExitCode {
    harness::cli::main_with_coverage::<LoggerCoverage>(LOGGER_SCENARIOS)
}
