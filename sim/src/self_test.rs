//! How the harness proves itself: each historical bug, planted back into
//! the store, must be found by the scenario built to expose it.

use std::fmt;

use scenarios::{Oracle, PlantedBug, Scenario};

use crate::budget::{SEARCH_DRIVERS, driver_budget, search_budget};
use crate::engine::{Breach, Campaign, Driver, Failure, MAX_SYSTEMATIC_EXECUTIONS, thousands};

/// Every bug an oracle finds, with its home scenario and that oracle.
pub fn found_by_oracles() -> impl Iterator<Item = (PlantedBug, Scenario, Oracle)> {
    PlantedBug::ALL.into_iter().filter_map(|bug| {
        let (scenario, oracle) = bug.home()?;
        Some((bug, scenario, oracle))
    })
}

/// One driver's campaign in a search.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The campaign's driver.
    pub driver: Driver,
    /// Schedules it ran.
    pub schedules_run: usize,
    /// Its budget.
    pub budget: usize,
    /// What it found, if anything.
    pub failure: Option<Failure>,
}

/// A search for one planted bug: its seeded drivers in turn, campaign seed
/// 0, until one finds the bug breaking its oracle.
#[derive(Clone, Debug)]
pub struct Search {
    /// The bug.
    pub bug: PlantedBug,
    /// Its home scenario.
    pub scenario: Scenario,
    /// The oracle it must break.
    pub oracle: Oracle,
    /// The campaigns run, in order.
    pub attempts: Vec<Attempt>,
}

impl Search {
    /// The failure that found the bug breaking its oracle.
    pub fn found(&self) -> Option<&Failure> {
        self.attempts
            .iter()
            .filter_map(|attempt| attempt.failure.as_ref())
            .find(|failure| failure.breach() == Breach::Oracle(self.oracle))
    }
}

/// The systematic search a bug's search falls back on when the seeded
/// drivers miss it: loom, which alone models memory orderings, so a bug
/// of ordering has no seeded hit rate.
pub const FALLBACK_DRIVER: Driver = Driver::Loom {
    preemption_bound: 2,
};

/// Searches for `bug` (see [`Search`]): the seeded drivers with their
/// budgets, then, if they missed it, [`FALLBACK_DRIVER`]'s whole search.
/// `None` for the bugs no oracle finds.
pub fn find(bug: PlantedBug) -> Option<Search> {
    let (scenario, oracle) = bug.home()?;
    let seeded_budget = search_budget(bug);
    let whole_search = usize::try_from(MAX_SYSTEMATIC_EXECUTIONS).unwrap_or(usize::MAX);
    let mut search = Search {
        bug,
        scenario,
        oracle,
        attempts: Vec::new(),
    };
    // A driver never seen finding the bug would spend its budget for nothing.
    let drivers = SEARCH_DRIVERS
        .into_iter()
        .filter(|&driver| driver_budget(bug, driver).is_some())
        .map(|driver| (driver, seeded_budget))
        .chain([(FALLBACK_DRIVER, whole_search)]);
    for (driver, budget) in drivers {
        if budget == 0 {
            continue;
        }
        let report = Campaign::new(scenario, driver, budget, 0)
            .planting(bug)
            .run();
        search.attempts.push(Attempt {
            driver,
            schedules_run: report.schedules_run,
            budget,
            failure: report.failure,
        });
        if search.found().is_some() {
            break;
        }
    }
    Some(search)
}

/// Every bug an oracle finds, searched for.
#[derive(Clone, Debug)]
pub struct SelfTest {
    /// One search per bug.
    pub searches: Vec<Search>,
}

/// Searches for every bug an oracle finds.
pub fn self_test() -> SelfTest {
    SelfTest {
        searches: found_by_oracles()
            .filter_map(|(bug, _, _)| find(bug))
            .collect(),
    }
}

impl SelfTest {
    /// The bugs no driver found breaking their oracle.
    pub fn missed(&self) -> Vec<PlantedBug> {
        self.searches
            .iter()
            .filter(|search| search.found().is_none())
            .map(|search| search.bug)
            .collect()
    }

    /// Every failure found, whatever oracle it broke.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.searches
            .iter()
            .flat_map(|search| &search.attempts)
            .filter_map(|attempt| attempt.failure.as_ref())
    }
}

impl fmt::Display for SelfTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for search in &self.searches {
            for attempt in &search.attempts {
                let driver = attempt.driver.to_string();
                let what = match &attempt.failure {
                    Some(failure) => format!(
                        "found at schedule {:>6} of {}: {}  ({})",
                        thousands(failure.schedule as u64),
                        thousands(attempt.budget as u64),
                        failure.breach(),
                        failure.replay_command().unwrap_or_default()
                    ),
                    None => format!(
                        "not found in {} schedules; the next driver searches",
                        thousands(attempt.schedules_run as u64)
                    ),
                };
                writeln!(f, "{:<32} {driver:<6} {what}", search.bug.name())?;
            }
            if search.found().is_none() {
                writeln!(
                    f,
                    "{:<32} MISSED: no driver found it breaking {}",
                    search.bug.name(),
                    search.oracle
                )?;
            }
        }
        let missed = self.missed();
        if missed.is_empty() {
            writeln!(
                f,
                "\nEvery planted bug was found breaking its oracle. Each search tries random, then \
                 PCT, with budgets that leave a chance below one in a million of a miss, then \
                 loom's whole search (loom alone models memory orderings); a driver that does not \
                 find a bug in its budget is no failure (docs/self-test.md)."
            )
        } else {
            writeln!(
                f,
                "\n{} planted bug(s) MISSED: the harness no longer finds them",
                missed.len()
            )
        }
    }
}
