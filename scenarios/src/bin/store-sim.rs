//! The store's and the mount's scenarios on the harness library's command
//! line: `store-sim list`, `run SCENARIO`, `replay SCENARIO RUN`,
//! `shrink`, `fuzz`, `corpus check DIR`, and `coverage` of the store's
//! matrix and named corners.

use scenarios::library::{StoreCoverage, store_scenarios};

fn main() -> std::process::ExitCode {
    harness::cli::main_with_coverage::<StoreCoverage>(store_scenarios())
}
