//! The logger's scenarios on the harness library's command line:
//! `logger-sim list`, `run SCENARIO`, `replay SCENARIO RUN`, `shrink`,
//! `fuzz`, `corpus check DIR`.

fn main() -> std::process::ExitCode {
    harness::cli::main(scenarios::library::LOGGER_SCENARIOS)
}
