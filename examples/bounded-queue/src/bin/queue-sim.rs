//! The queue's scenarios on the command line: `queue-sim list`,
//! `queue-sim run SCENARIO`, `queue-sim replay SCENARIO RUN`.

#[path = "../scenarios.rs"]
mod scenarios;

fn main() -> std::process::ExitCode {
    harness::cli::main(scenarios::SCENARIOS)
}
