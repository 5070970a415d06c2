//! The store's and the mount's scenarios on the harness library's command
//! line: `store-sim list`, `run SCENARIO`, `replay SCENARIO RUN`,
//! `shrink`, `fuzz` and `corpus check DIR`.

fn main() -> std::process::ExitCode {
    harness::cli::main(scenarios::library::store_scenarios())
}
