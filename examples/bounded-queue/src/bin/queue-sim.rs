//! The queue's scenarios on the command line: `queue-sim list`,
//! `queue-sim run SCENARIO`, `queue-sim replay SCENARIO RUN`,
//! `queue-sim coverage`.

#[path = "../scenarios.rs"]
mod scenarios;

fn main() -> std::process::ExitCode {
    harness::cli::main_with_coverage::<scenarios::Waits>(scenarios::SCENARIOS)
}
