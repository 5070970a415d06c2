//! Failing runs found afresh by a search, for the tests that need one.
//!
//! A test never reads a failing run from the corpus nor names one by heart:
//! a harmless change to the store's synchronisation moves interleavings, so
//! a pinned run id may stop failing without any bug being lost. A search
//! with the bug planted finds a failing run of the store as it is now.

// Each test binary that includes this file uses a part of it.
#![allow(dead_code)]

use scenarios::PlantedBug;
use sim::budget::driver_budget;
use sim::corpus::{Entry, save};
use sim::engine::{Campaign, Driver, Failure, MAX_SYSTEMATIC_EXECUTIONS, replay_once};

/// The seeded driver that finds close races soonest (docs/self-test.md).
pub(crate) const PCT3: Driver = Driver::Pct { depth: 3 };

/// The systematic driver whose search numbers executions: loom, bound 2.
pub(crate) const LOOM: Driver = Driver::Loom {
    preemption_bound: 2,
};

/// A failure of `bug`, planted in its home scenario, found by `driver`:
/// a seeded driver gets the budget that misses the bug with a chance below
/// one in a million at its measured hit rate, a systematic one its whole
/// search.
pub(crate) fn found_by(bug: PlantedBug, driver: Driver) -> Failure {
    let (scenario, _) = bug.home().expect("an oracle finds the bug");
    let budget = if driver.is_seeded() {
        budget(bug, driver)
    } else {
        usize::try_from(MAX_SYSTEMATIC_EXECUTIONS).expect("fits")
    };
    Campaign::new(scenario, driver, budget, 0)
        .planting(bug)
        .run()
        .failure
        .unwrap_or_else(|| panic!("{driver} did not find {} in its budget", bug.name()))
}

/// The replay line's arguments for `failure`: its run id and its bug.
pub(crate) fn run_and_plant(failure: &Failure) -> [String; 3] {
    let run = failure.run.expect("a found failure has a run id");
    let bug = failure.planted_bug.expect("found with a bug planted");
    [run.to_string(), "--plant".to_owned(), bug.name().to_owned()]
}

/// The schedules `driver` needs to find `bug` in its home scenario with a
/// chance of missing below one in a million: the self-test's budget.
pub(crate) fn budget(bug: PlantedBug, driver: Driver) -> usize {
    driver_budget(bug, driver).expect("the driver's hit rate was measured")
}

/// `failure` kept as a corpus entry in `dir`; the entry's path.
pub(crate) fn saved(dir: &std::path::Path, failure: &Failure) -> std::path::PathBuf {
    let entry = Entry::from_failure(failure, "2026-01-01").expect("a failure with a run id");
    save(dir, entry).unwrap_or_else(|error| panic!("{error}"))
}

/// A seed of `driver` whose run of `bug`'s home scenario, with the bug
/// planted, passes: searched for, since which seeds fail is the
/// interleaving's business.
pub(crate) fn passing_seed(bug: PlantedBug, driver: Driver) -> u64 {
    let (scenario, _) = bug.home().expect("an oracle finds the bug");
    (1..=1_000)
        .find(|&number| {
            let run = sim::engine::RunId {
                scenario,
                driver,
                number,
            };
            replay_once(run, Some(bug)).is_ok_and(|execution| execution.violation.is_none())
        })
        .expect("most seeds pass")
}
