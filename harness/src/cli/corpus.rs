//! `corpus check DIR`: every saved run replayed, each with its verdict;
//! and the saving half of `run --save DIR`.

use std::path::Path;
use std::process::ExitCode;

use crate::Scenario;
use crate::check::Failure;
use crate::corpus::{self, Verdict};

/// Replays every entry of `dir`: 0 if each did as it expects, 1 if one did
/// not, 2 if the corpus cannot be read or names an unknown scenario.
pub(super) fn check(dir: &Path, scenarios: &[Scenario]) -> ExitCode {
    let checked = match corpus::check(dir, scenarios) {
        Ok(checked) => checked,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut unexpected = 0;
    for entry in &checked {
        if entry.verdict != Verdict::AsExpected {
            unexpected += 1;
        }
        outln!("{}: {}", entry.path.display(), entry.verdict);
    }
    outln!("{} entries, {unexpected} not as expected", checked.len());
    if unexpected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Saves `failure` of `scenario` to `dir`, saying where; an error if it
/// cannot be saved (the failure itself was printed already).
pub(super) fn save(dir: &Path, scenario: &str, failure: &Failure) -> Result<(), ExitCode> {
    match corpus::save(dir, scenario, failure) {
        Ok(path) => {
            outln!("saved: {}", path.display());
            Ok(())
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(ExitCode::from(2))
        }
    }
}
